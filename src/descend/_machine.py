"""How busy the machine is: for the benchmarks (on a shared machine a figure means little unless it says how much
of the CPU other processes took while it was measured), and for the engine, which gives a cohort's operations
every core only when other processes leave them free (:func:`spare_cores`).

``busy_seconds`` reads the machine's busy CPU time (every core) from /proc/stat, ``own_seconds`` this process's
(every thread, and the children it has waited for); what other processes took over a stretch of time is the
difference of the two. Where /proc/stat is not (not Linux), nothing is known and the functions say so (None).
"""

from __future__ import annotations

import contextlib
import math
import os
import resource
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["SMALL_DATA", "Others", "busy_seconds", "cpu_quota", "load", "one_thread", "others_busy", "own_seconds",
           "spare_cores", "usable_cores", "wait_until_quiet"]


def usable_cores() -> int:
    """The cores this process may run on: its CPU affinity (or the machine's cores where that is not known), at
    most its control group's CPU quota rounded up (a container's ``--cpus``, a batch job's share:
    :func:`cpu_quota`), and at least one."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    quota = cpu_quota()
    return max(1, min(cores, math.ceil(quota - 1e-9)) if quota is not None else cores)


#: Where the control groups are (Linux), and this process's list of them.
CGROUP_ROOT, CGROUP_LIST = Path("/sys/fs/cgroup"), Path("/proc/self/cgroup")


def cpu_quota() -> float | None:
    """The CPU time this process's control group may take, in cores (``cpu.max``'s quota over its period, the
    least along the group's path; cgroup v1's ``cpu.cfs_quota_us`` over ``cpu.cfs_period_us``), or None where
    there is none (no limit, not Linux, or not readable). torch sizes its threads by the machine's cores: in a
    container given one core of two, two threads of a cohort waited for each other as beside a busy process."""
    try:
        lines = CGROUP_LIST.read_text().splitlines()
    except OSError:
        return None
    found: list[float] = []
    for line in lines:
        _, controllers, path = (line.split(":", 2) + ["", ""])[:3]
        relative = path.strip().lstrip("/")
        if controllers == "":  # cgroup v2: cpu.max ("max 100000" or "50000 100000") at each level of the path
            folder = CGROUP_ROOT / relative if relative else CGROUP_ROOT
            for level in (folder, *folder.parents):
                found += _quota(level / "cpu.max")
                if level == CGROUP_ROOT:
                    break
        elif "cpu" in controllers.split(","):  # cgroup v1: the cpu controller's folder
            for name in (controllers, "cpu", "cpu,cpuacct"):
                folder = CGROUP_ROOT / name / relative
                if (folder / "cpu.cfs_quota_us").exists():
                    found += _quota(folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us")
                    break
    return min(found) if found else None


def _quota(path: Path, period: Path | None = None) -> list[float]:
    """A quota in cores read from ``path`` (v2's "QUOTA PERIOD", or v1's quota with ``period`` apart); none where
    there is no limit ("max", -1) or nothing to read."""
    try:
        text = path.read_text().split()[:2] if period is None else [path.read_text(), period.read_text()]
        if text[0].strip() in ("max", "-1"):
            return []
        quota, every = float(text[0]), float(text[1])
    except (OSError, IndexError, ValueError):
        return []
    return [quota / every] if quota > 0 and every > 0 else []


def load() -> float:
    """The 1-minute load average (NaN where the system has none)."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def busy_seconds() -> float | None:
    """The machine's busy CPU time so far (every core), in seconds; None where /proc/stat is not."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_seconds() -> float:
    """The CPU time of this process (every thread) and of every child it has waited for."""
    me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def _others(before: tuple[float | None, float], after: tuple[float | None, float], seconds: float) -> float | None:
    """The cores other processes kept busy between two readings of (:func:`busy_seconds`, :func:`own_seconds`)
    ``seconds`` apart: the machine's busy time less this process's own."""
    (busy0, own0), (busy, own) = before, after
    if busy is None or busy0 is None or seconds <= 0:
        return None
    return max(0.0, (busy - busy0) - (own - own0)) / seconds


class Others:
    """How many cores other processes kept busy while the ``with`` block ran: ``cores`` after it (None where it
    cannot be known)."""

    def __enter__(self) -> Others:
        self.cores: float | None = None
        self._busy, self._own, self._started = busy_seconds(), own_seconds(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cores = _others((self._busy, self._own), (busy_seconds(), own_seconds()),
                             time.perf_counter() - self._started)


def others_busy(seconds: float = 1.0) -> float | None:
    """How many cores other processes keep busy, watched for ``seconds``."""
    with Others() as others:
        time.sleep(seconds)
    return others.cores


#: The last look of :func:`spare_cores`: (machine's busy seconds, this process's, monotonic time), taken first
#: when this module is imported, and what it found.
_LOOK_LOCK = threading.Lock()
_last_look: tuple[float | None, float, float] = (busy_seconds(), own_seconds(), time.monotonic())
_last_spare: float | None = None


def spare_cores(min_window: float = 0.05) -> float | None:
    """How many cores other processes left free since the last look (since this module was imported, the first
    time): the machine's cores less what other processes kept busy, hypervisor steal included, at most the cores
    this process may run on (:func:`usable_cores`: ``taskset``, a container's CPU set). A look less than
    ``min_window`` seconds after the last one answers what that one found (/proc/stat counts in ticks of 10 ms: a
    window of 50 ms on two cores is ten of them); the first look waits for the rest of its window. None where
    /proc/stat is not."""
    global _last_look, _last_spare
    with _LOOK_LOCK:
        busy0, own0, t0 = _last_look
        rest = min_window - (time.monotonic() - t0)
        if rest > 0:
            if _last_spare is not None:
                return _last_spare
            time.sleep(rest)
        busy, own, now = busy_seconds(), own_seconds(), time.monotonic()
        _last_look = (busy, own, now)
        others = _others((busy0, own0), (busy, own), now - t0)
        if others is None:
            return None
        _last_spare = max(0.0, min(usable_cores(), (os.cpu_count() or 1) - others))
        return _last_spare


def wait_until_quiet(max_busy: float, wait: float, force: bool) -> bool:
    """Wait (up to ``wait`` seconds) for other processes to use less than ``max_busy`` of a core; whether the
    machine is quiet. A benchmark's flags ``--max-busy``, ``--wait`` and ``--force`` pass these: when the machine
    stays busy, it exits with code 3, or with ``force`` warns and returns False (its figures are then marked)."""
    deadline = time.monotonic() + wait
    while True:
        busy = others_busy()
        if busy is None or busy <= max_busy:
            return True
        if time.monotonic() > deadline:
            if force:
                print(f"warning: other processes keep {busy:.2f} cores busy (load {load():.2f}); running anyway, "
                      "the figures are marked busy", file=sys.stderr)
                return False
            print(f"refused: other processes keep {busy:.2f} cores busy (load {load():.2f}, more than --max-busy "
                  f"{max_busy}) after waiting {wait:.0f} s; rerun on a quiet machine or pass --force",
                  file=sys.stderr)
            sys.exit(3)
        time.sleep(5)


#: Data of fewer numbers than this is prepared (checked, split, standardised, its least-squares answer solved) on
#: one intra-op thread (:func:`one_thread`): each operation there is a pass over a few thousand to a few million
#: numbers, which two threads finish hardly sooner on a quiet machine (digits' task: 4.5 ms on two, 4.9 on one)
#: and up to 40 times later on a busy one (every parallel operation waits for the thread that is not running):
#: 340 ms on two against 8 on one, on 2 cores beside other processes (load 4). The numbers are the same on any
#: count (every built-in task's data, answer and range of rates, bit for bit: tests/test_machine.py).
SMALL_DATA = 1 << 24


@contextlib.contextmanager
def one_thread(numbers: int | None = None) -> Iterator[None]:
    """Run the ``with`` block on one intra-op thread where ``numbers`` (the data's size; None: small) is below
    :data:`SMALL_DATA`, and give torch its setting back after it (unless something inside changed it again)."""
    import torch

    before = torch.get_num_threads()
    if before <= 1 or (numbers is not None and numbers >= SMALL_DATA):
        yield
        return
    torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch.get_num_threads() == 1:
            torch.set_num_threads(before)
