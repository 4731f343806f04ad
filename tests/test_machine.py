"""How busy the machine is (descend._machine): what the benchmarks print next to every figure."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from descend import _machine

pytestmark = pytest.mark.skipif(_machine.busy_seconds() is None, reason="no /proc/stat (not Linux)")


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _cpu_seconds(pid: int) -> float:
    """A process's CPU time so far (user and system, from /proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_another_process_counts_and_this_ones_time_is_its_own():
    # a child spinning one core is another process until it has been waited for: what it took while it was watched
    # (its own CPU time, however little a crowded machine gave it) is among what others took
    spin = "import time\nend = time.time() + 60\nwhile time.time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.3)  # started
        started = time.perf_counter()
        deadline = started + 30
        with _machine.Others() as others:
            before = _cpu_seconds(child.pid)
            while _cpu_seconds(child.pid) - before < 0.5 and time.perf_counter() < deadline:
                time.sleep(0.1)
            childs = _cpu_seconds(child.pid) - before
        watched = time.perf_counter() - started
    finally:
        child.kill()
        child.wait()
    assert childs >= 0.5
    # both counts are in ticks of 10 ms, sampled by the kernel apart (the machine's per core, the process's scaled
    # from its run time): a tenth and five ticks of slack; a count that left the child out gives about 0
    assert others.cores is not None and others.cores * watched >= 0.9 * childs - 0.05
    # this process's own work shows in its own time (however crowded the machine: spin until it does)
    own, deadline = _machine.own_seconds(), time.perf_counter() + 30
    while _machine.own_seconds() - own < 0.2 and time.perf_counter() < deadline:
        _spin(0.05)
    assert _machine.own_seconds() - own >= 0.2


def test_this_process_is_not_another(monkeypatch):
    # the machine was busy 3 s while this process took 1.5 of them, over 2 s: others kept 0.75 of a core busy
    busy, own, clock = iter([10.0, 13.0]), iter([4.0, 5.5]), iter([100.0, 102.0])
    monkeypatch.setattr(_machine, "busy_seconds", lambda: next(busy))
    monkeypatch.setattr(_machine, "own_seconds", lambda: next(own))
    monkeypatch.setattr(_machine.time, "perf_counter", lambda: next(clock))
    with _machine.Others() as others:
        pass
    assert others.cores == pytest.approx(0.75)


def test_waiting_for_a_quiet_machine(capsys):
    assert _machine.wait_until_quiet(max_busy=1e9, wait=0, force=False) is True
    # nothing is ever quieter than no core at all: busy, measured anyway and said so
    assert _machine.wait_until_quiet(max_busy=-1, wait=0, force=True) is False
    assert "running anyway" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        _machine.wait_until_quiet(max_busy=-1, wait=0, force=False)
    assert exit_.value.code == 3
    err = capsys.readouterr().err
    assert "--max-busy -1" in err and "--force" in err


def test_spare_cores_leaves_out_a_busy_core():
    # a child spinning one core leaves at most the other cores free (fewer where the machine is crowded)
    spin = "import time\nend = time.time() + 30\nwhile time.time() < end: pass"
    child = subprocess.Popen([sys.executable, "-c", spin])
    try:
        time.sleep(0.3)
        _machine.spare_cores()  # the look before: the window starts here
        time.sleep(1.0)
        spare = _machine.spare_cores()
    finally:
        child.kill()
        child.wait()
    cores = _machine.os.cpu_count()
    assert spare is not None and 0 <= spare <= cores - 0.5


def test_spare_cores_waits_for_its_window_and_counts_this_process_apart(monkeypatch):
    # over 2 s the machine was busy 3 s, this process 1.5 of them: others kept 0.75 of a core, 4 − 0.75 free
    monkeypatch.setattr(_machine, "_last_look", (10.0, 4.0, 100.0))
    monkeypatch.setattr(_machine, "_last_spare", None)
    monkeypatch.setattr(_machine, "busy_seconds", lambda: 13.0)
    monkeypatch.setattr(_machine, "own_seconds", lambda: 5.5)
    monkeypatch.setattr(_machine.time, "monotonic", lambda: 102.0)
    monkeypatch.setattr(_machine.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(_machine, "usable_cores", lambda: 4)
    slept = []
    monkeypatch.setattr(_machine.time, "sleep", slept.append)
    assert _machine.spare_cores() == pytest.approx(3.25)
    assert slept == [] and _machine._last_look == (13.0, 5.5, 102.0)
    # a process allowed two of the four cores (taskset, a container) has at most two to spare
    monkeypatch.setattr(_machine, "_last_look", (10.0, 4.0, 100.0))
    monkeypatch.setattr(_machine, "usable_cores", lambda: 2)
    assert _machine.spare_cores() == 2
    monkeypatch.setattr(_machine, "usable_cores", lambda: 4)
    monkeypatch.setattr(_machine, "_last_look", (10.0, 4.0, 100.0))
    assert _machine.spare_cores() == pytest.approx(3.25)
    # a look 10 ms after the last one answers what that one found; with none found yet, it waits out its 50 ms
    monkeypatch.setattr(_machine, "_last_look", (10.0, 4.0, 101.99))
    assert _machine.spare_cores() == pytest.approx(3.25) and slept == []
    monkeypatch.setattr(_machine, "_last_spare", None)
    _machine.spare_cores()
    assert slept == [pytest.approx(0.04)]


def test_one_thread_below_small_data_and_torchs_setting_given_back():
    """Data's preparation runs on one intra-op thread below SMALL_DATA numbers (two threads beside another process
    on two cores made digits' task 40 times slower), takes torch's setting above it, and gives the setting back, also
    after an error; a count set inside the block by something else is left as it was set."""
    import pytest
    import torch

    from descend._machine import SMALL_DATA, one_thread

    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        for numbers, inside in ((None, 1), (1000, 1), (SMALL_DATA - 1, 1), (SMALL_DATA, 2)):
            with one_thread(numbers):
                assert torch.get_num_threads() == inside
            assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError), one_thread():
            raise RuntimeError
        assert torch.get_num_threads() == 2
        with one_thread():
            torch.set_num_threads(3)  # another part of the program chose: kept
        assert torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_tasks_and_problems_are_prepared_on_one_thread_with_the_same_numbers(monkeypatch):
    """Every built-in task is built on one thread, and its data, answer and range of rates are those built on two,
    bit for bit; descend.fit's problem of (x, y) too; torch's setting is as it was after each."""
    import torch

    import descend
    from descend import tasks
    from descend.problem import problem

    def numbers(task):
        out = [task.lr_range, task.facts, task.known.value if task.known is not None else None]
        if task.data is not None:
            out += [getattr(task.data, part) for part in ("train", "validation", "test")]
        if task.known is not None:
            out += [dict(point) for point in task.known.points]
        return out

    def same(a, b):
        if isinstance(a, torch.Tensor):
            return torch.equal(a, b)
        if isinstance(a, dict):
            return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
        if hasattr(a, "x") and hasattr(a, "y"):
            return same(a.x, b.x) and same(a.y, b.y)
        return a == b

    seen = []
    real_split = descend.data.split

    def split(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return real_split(*args, **kwargs)

    def as_set(numbers=None):  # the build on torch's setting, as before one_thread
        return contextlib.nullcontext()

    before = torch.get_num_threads()
    try:
        monkeypatch.setattr(descend.data, "split", split)
        torch.set_num_threads(2)
        split_on_one = 0
        for name in tasks.TASKS:
            with monkeypatch.context() as patch:
                patch.setattr(tasks, "one_thread", as_set)
                patch.setattr(tasks.real, "one_thread", as_set)
                on_two = numbers(tasks.get(name))
            assert set(seen) <= {2}, (name, seen)
            seen.clear()
            on_one = numbers(tasks.get(name))
            assert set(seen) <= {1} and torch.get_num_threads() == 2, (name, seen)
            split_on_one += len(seen)
            seen.clear()
            assert all(same(a, b) for a, b in zip(on_one, on_two)), name
        assert split_on_one >= 5  # the tasks with data split it
        torch.set_num_threads(2)
        seen.clear()
        x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
        problem(descend.models.MLP((3, 4, 1)), (x, x[:, 0]), validation=0.2)
        assert seen == [1] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_a_control_groups_cpu_quota_bounds_the_usable_cores(monkeypatch, tmp_path):
    """A container given fewer cores than the machine has (``docker --cpus 1``, a batch job's share): descend read
    only the CPU affinity, so a cohort took two threads, a comparison two training processes and two drawing
    workers on one core's time. The quota (cgroup v2's cpu.max, the least along the group's path, or v1's
    cpu.cfs_quota_us) now bounds usable_cores, rounded up; no quota, or an unreadable one, leaves it alone."""
    import os

    from descend import _machine

    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    root, listing = tmp_path / "cgroup", tmp_path / "list"
    monkeypatch.setattr(_machine, "CGROUP_ROOT", root)
    monkeypatch.setattr(_machine, "CGROUP_LIST", listing)

    def v2(path: str, limits: dict[str, str]) -> None:
        listing.write_text(f"0::{path}\n")
        for folder, text in limits.items():
            (root / folder).mkdir(parents=True, exist_ok=True)
            (root / folder / "cpu.max").write_text(text)

    v2("/job/step", {"job": "max 100000", "job/step": "50000 100000"})
    assert _machine.cpu_quota() == 0.5 and _machine.usable_cores() == 1
    v2("/job/step", {"job": "150000 100000", "job/step": "max 100000"})  # the parent's limit holds for the child
    assert _machine.cpu_quota() == 1.5 and _machine.usable_cores() == min(affinity, 2)
    v2("/free", {"free": "max 100000"})
    assert _machine.cpu_quota() is None and _machine.usable_cores() == affinity
    listing.write_text("4:memory:/x\n2:cpu,cpuacct:/batch/7\n")  # cgroup v1
    (root / "cpu,cpuacct" / "batch" / "7").mkdir(parents=True)
    (root / "cpu,cpuacct" / "batch" / "7" / "cpu.cfs_quota_us").write_text("100000\n")
    (root / "cpu,cpuacct" / "batch" / "7" / "cpu.cfs_period_us").write_text("100000\n")
    assert _machine.cpu_quota() == 1.0 and _machine.usable_cores() == 1
    (root / "cpu,cpuacct" / "batch" / "7" / "cpu.cfs_quota_us").write_text("-1\n")
    assert _machine.cpu_quota() is None
    listing.unlink()
    assert _machine.cpu_quota() is None and _machine.usable_cores() == affinity
