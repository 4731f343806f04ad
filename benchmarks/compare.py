"""``descend compare TASK`` end to end, as a user waits for it: the wall time of the whole command and where
it goes, for every built-in task's default comparison.

Each run is a fresh process running the command (``python -m descend compare TASK --quiet --out DIR``, a new
report directory each time). The breakdown comes from the report's own ``timings.json``, which every report
writes (:mod:`descend.report.timings`): ``startup`` (from the process's start to the command: Python and the
imports), ``task`` (building the task and checking the options), ``training``, then the report: ``results``
(the CSV and JSON files), ``surface`` (a 2-D task's cost evaluated for its figures), ``charts`` (the HTML's
Plotly charts), ``drawn`` (the wall time until every figure and the animation is drawn, in worker processes
while the results and charts are written), each figure's and the animation's own time (``figure:NAME``,
``animation``: in the process that drew it, overlapping one another), ``html``; ``exit`` is the rest of the
wall time (the terminal table, Python's exit).

These machines are shared: every run records its own CPU time (``cpu``: the command and every process it
starts, sampled from /proc), the 1-minute load average, and the CPU time that other processes took while it ran
(``others``, in seconds of a core: the machine's busy time minus this run's own). Before a
run the machine must be quiet (other processes using less than ``--max-busy`` of a core over a second, waited
for up to ``--wait`` seconds), else the run is refused; ``--force`` runs anyway and marks the figures ``busy``.
Every figure is a median over ``--rounds`` rounds (the tasks in a rotated order from round to round).

``--baseline SRC`` runs the same commands with another version of descend (a directory holding its
``descend`` package, checked before anything runs, e.g. an export of an older commit: ``git archive COMMIT src |
tar -x -C /tmp/old``, then ``--baseline /tmp/old/src``), interleaved with this one's, and prints the ratio of their
wall times measured in the same rounds; an older version without timings.json gets its training time from its
comparison.json. A failed command ends the benchmark with one line: the task and the command's last error line.

Usage::

    python benchmarks/compare.py                           # every task of `descend list tasks`, 3 rounds
    python benchmarks/compare.py --tasks ellipse,rosenbrock --rounds 5
    python benchmarks/compare.py --tasks all               # the tasks and every landscape
    python benchmarks/compare.py --baseline /tmp/old/src --markdown
    python benchmarks/compare.py --startup --baseline /tmp/old/src   # import descend, --help, list
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from descend._machine import busy_seconds, load, own_seconds, wait_until_quiet

#: The columns of the breakdown, in the order the command spends them.
PHASES = ("startup", "task", "training", "results", "surface", "charts", "drawn", "html", "exit")


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class TreeCPU:
    """The CPU time of a process and everything it starts (its session: the fork server and the drawing
    workers outlive what ``getrusage`` can see), sampled from /proc every ``every`` seconds."""

    def __init__(self, session: int, every: float = 0.25) -> None:
        import threading

        self.session, self.every = session, every
        self.seen: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        tick = os.sysconf("SC_CLK_TCK")
        while True:
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    fields = Path(f"/proc/{entry.name}/stat").read_text().rsplit(")", 1)[1].split()
                except (OSError, IndexError):
                    continue
                if int(fields[3]) == self.session:  # field 6: the session
                    cpu = (int(fields[11]) + int(fields[12])) / tick  # fields 14, 15: user and system time
                    self.seen[int(entry.name)] = max(cpu, self.seen.get(int(entry.name), 0.0))
            if self._stop.wait(self.every):
                return

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return sum(self.seen.values())


def run_once(task: str, src: str | None, extra: list[str], keep: Path | None) -> dict:
    """One fresh ``descend compare TASK`` and its breakdown (seconds); a failed command raises SystemExit with one
    line, the task and the command's last error line. The report directory is removed either way."""
    out = Path(tempfile.mkdtemp(prefix="descend-bench-")) / "report"
    try:
        return _run_once(task, src, extra, keep, out)
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)


def _run_once(task: str, src: str | None, extra: list[str], keep: Path | None, out: Path) -> dict:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    command = [sys.executable, "-m", "descend", "compare", task, "--quiet", "--out", str(out), *extra]
    before_busy, before_own, before_load = busy_seconds(), own_seconds(), load()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    tree = TreeCPU(process.pid) if before_busy is not None else None
    try:
        _, stderr = process.communicate(timeout=1800)
    except BaseException:  # Ctrl-C, SIGTERM (main makes it one) or the timeout: the comparison ends with this one,
        os.killpg(process.pid, signal.SIGKILL)  # which runs in a session of its own (a terminal's Ctrl-C missed it)
        process.wait()
        raise
    wall = time.perf_counter() - started
    after_busy, after_own = busy_seconds(), own_seconds()
    tree_cpu = tree.stop() if tree is not None else 0.0
    if process.returncode != 0:
        lines = stderr.strip().splitlines()
        raise SystemExit(f"{task}{' (baseline)' if src else ''}: descend compare failed (exit {process.returncode}): "
                         f"{lines[-1].strip() if lines else 'no error output'}")
    own = max(after_own - before_own, tree_cpu)
    row = {"wall": wall, "load": before_load, "cpu": own}
    if before_busy is not None:
        row["others"] = max(0.0, (after_busy - before_busy) - own)
    row.update(breakdown(out, wall))
    if keep is not None:
        target = keep / f"{task}-{'baseline' if src else 'current'}-{int(time.time() * 1000)}"
        shutil.copytree(out, target)
    return row


def breakdown(out: Path, wall: float) -> dict:
    """The phases of a report directory's timings.json (or, without one, the training time it recorded)."""
    row: dict = {}
    try:
        timings = json.loads((out / "timings.json").read_text())
    except (OSError, ValueError):
        timings = None
    if timings is None:  # an older descend: its comparison's own time
        try:
            row["training"] = float(json.loads((out / "comparison.json").read_text())["fields"]["seconds"])
        except (OSError, ValueError, KeyError):
            pass
        return row
    command, phases = timings.get("command", {}), timings.get("phases", {})
    row.update({k: float(command[k]) for k in ("startup", "task", "training") if k in command})
    row["results"] = phases.get("results", 0.0)
    row["surface"] = phases.get("surface", 0.0)
    row["charts"] = phases.get("html charts", 0.0)
    row["drawn"] = phases.get("drawings", 0.0) - row["results"] - row["surface"] - row["charts"]
    row["html"] = phases.get("html", 0.0)
    row["report"] = phases.get("report", 0.0)
    row["workers"] = timings.get("workers", 0)
    for name, times in timings.get("figures", {}).items():
        row[f"figure:{name}"] = times.get("total", 0.0)
    for name, times in timings.get("animations", {}).items():
        row["animation"] = row.get("animation", 0.0) + times.get("total", 0.0)
    known = sum(row.get(k, 0.0) for k in ("startup", "task", "training", "report"))
    if "startup" in row:
        row["exit"] = max(0.0, wall - known)
    return row


#: The start-up commands timed by ``--startup``: what a user waits for before descend does anything.
STARTUP = {"import descend": ["-c", "import descend"], "descend --help": ["-m", "descend", "--help"],
           "descend list": ["-m", "descend", "list"], "descend list tasks": ["-m", "descend", "list", "tasks"]}


def startup(rounds: int, baseline: str | None, max_busy: float, wait: float, force: bool) -> None:
    """Time each start-up command in a fresh process, ``rounds`` times (interleaved with the baseline's)."""
    versions = {"current": None, **({"baseline": baseline} if baseline else {})}
    times: dict[tuple[str, str], list[float]] = {}
    busy = False
    for r in range(rounds):
        for name, args in STARTUP.items():
            for version, src in versions.items():
                busy |= not wait_until_quiet(max_busy, wait, force)
                env = dict(os.environ)
                if src is not None:
                    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
                env["COLUMNS"] = "100"
                started = time.perf_counter()
                subprocess.run([sys.executable, *args], env=env, capture_output=True, check=True, timeout=300)
                times.setdefault((name, version), []).append(time.perf_counter() - started)
    print(f"start-up, median of {rounds} fresh processes (seconds), load {load():.2f}" + (" BUSY" if busy else ""))
    for name in STARTUP:
        cells = [f"{version} {statistics.median(times[name, version]):.2f}" for version in versions]
        if baseline:
            cells.append(f"{statistics.median(times[name, 'baseline']) / statistics.median(times[name, 'current']):.1f}x")
        print(f"  {name:<20} " + ", ".join(cells))


def median(rows: list[dict], key: str) -> float | None:
    values = [r[key] for r in rows if key in r]
    return statistics.median(values) if values else None


def fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def task_names(spec: str) -> list[str]:
    """The tasks ``--tasks`` names; ValueError for an unknown task or none at all."""
    from descend.landscapes import LANDSCAPES
    from descend.tasks import TASKS

    if spec == "tasks":
        return list(TASKS)
    if spec == "all":
        return list(TASKS) + [name for name in LANDSCAPES if name not in TASKS]
    names = [t.strip() for t in spec.split(",") if t.strip()]
    unknown = [t for t in names if t not in TASKS and t not in LANDSCAPES]
    if unknown:
        raise ValueError(f"unknown task {', '.join(unknown)} (descend list tasks / landscapes)")
    if not names:
        raise ValueError("no task named; give comma-separated tasks, 'tasks' or 'all'")
    return names


def line(task: str, rows: list[dict], base: list[dict], busy: bool) -> str:
    """One task's medians: the wall time, the breakdown, and the ratio to the baseline."""
    parts = [f"{task:<20} {fmt(median(rows, 'wall')):>6} s"]
    phases = [f"{k} {fmt(median(rows, k), 2)}" for k in PHASES if median(rows, k) is not None]
    parts.append(" = " + " + ".join(phases) if phases else "")
    drawn = sorted({k for r in rows for k in r if k.startswith("figure:")}, key=lambda k: rows[0].get(k, 0.0))
    items = [f"{k.split(':', 1)[1]} {fmt(median(rows, k), 2)}" for k in drawn]
    if median(rows, "animation") is not None:
        items.append(f"animation {fmt(median(rows, 'animation'), 2)}")
    if items:
        parts.append(f"  [drawn by {int(median(rows, 'workers') or 0)} workers: {', '.join(items)}]")
    parts.append(f"  cpu {fmt(median(rows, 'cpu'), 1)} s, load {fmt(median(rows, 'load'), 2)}, "
                 f"others {fmt(median(rows, 'others'), 1)} s")
    if base:
        ratios = [b["wall"] / r["wall"] for r, b in zip(rows, base)]
        parts.append(f"  | baseline {fmt(median(base, 'wall'))} s (training {fmt(median(base, 'training'))}), "
                     f"{statistics.median(ratios):.2f}x faster")
    if busy:
        parts.append("  BUSY")
    return "".join(parts)


def markdown(results: dict, baseline: bool) -> str:
    head = ["task", "end to end (s)", "start-up", "training", "report", "of which waiting for figures"]
    if baseline:
        head += ["before (s)", "speed-up"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for task, (rows, base, busy) in results.items():
        cells = [f"`{task}`" + (" (busy)" if busy else ""), fmt(median(rows, "wall")),
                 fmt((median(rows, "startup") or 0) + (median(rows, "task") or 0)), fmt(median(rows, "training")),
                 fmt(median(rows, "report")), fmt(median(rows, "drawn"))]
        if baseline:
            ratios = [b["wall"] / r["wall"] for r, b in zip(rows, base)]
            cells += [fmt(median(base, "wall")), f"{statistics.median(ratios):.2f}×"]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill or timeout cleans up as Ctrl-C does
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", default="tasks",
                        help="comma-separated tasks, 'tasks' (default: every task of descend list tasks) or 'all' "
                             "(and every landscape)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each task (default 3); medians are shown")
    parser.add_argument("--baseline", metavar="SRC", help="a directory holding another version's descend package, "
                        "run interleaved with this one for the ratio")
    parser.add_argument("--args", default="", help="more options for every descend compare, e.g. '--seeds 1'")
    parser.add_argument("--max-busy", type=float, default=0.3,
                        help="the most of a core other processes may use before a run (default 0.3)")
    parser.add_argument("--wait", type=float, default=120, help="seconds to wait for a quiet machine (default 120)")
    parser.add_argument("--force", action="store_true", help="run on a busy machine, marking the figures")
    parser.add_argument("--keep", metavar="DIR", help="keep every report in DIR")
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown (README)")
    parser.add_argument("--startup", action="store_true", help="time the start-up commands instead (import "
                        "descend, descend --help, descend list, descend list tasks), at least 5 rounds")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds takes a positive number")
    if args.baseline is not None and not (Path(args.baseline) / "descend" / "__init__.py").is_file():
        parser.error(f"--baseline {args.baseline}: no descend package in it; give the src folder of a checkout, "
                     "e.g. /tmp/old/src")
    if args.startup:
        startup(max(args.rounds, 5), args.baseline, args.max_busy, args.wait, args.force)
        return 0

    try:
        tasks = task_names(args.tasks)
    except ValueError as error:
        parser.error(f"--tasks: {error}")
    keep = Path(args.keep) if args.keep else None
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    extra = args.args.split()
    print(f"descend compare, default comparison of {len(tasks)} tasks, {args.rounds} rounds, fresh process per run; "
          f"{cores()} cores, load {load():.2f}" + (f"; baseline {args.baseline}" if args.baseline else ""))
    rows: dict[str, list[dict]] = {t: [] for t in tasks}
    base: dict[str, list[dict]] = {t: [] for t in tasks}
    busy: dict[str, bool] = {t: False for t in tasks}
    for r in range(args.rounds):
        order = tasks[r % len(tasks):] + tasks[: r % len(tasks)]
        for task in order:
            versions = [None, args.baseline] if args.baseline else [None]
            if r % 2:
                versions.reverse()
            for src in versions:
                quiet = wait_until_quiet(args.max_busy, args.wait, args.force)
                busy[task] |= not quiet
                row = run_once(task, src, extra, keep)
                (base if src else rows)[task].append(row)
                print(f"  round {r + 1} {task}{' (baseline)' if src else ''}: {row['wall']:.1f} s, cpu "
                      f"{row['cpu']:.1f} s, load {row['load']:.2f}, others {row.get('others', float('nan')):.1f} s",
                      file=sys.stderr)
    print(f"{'task':<20} {'wall':>8}   breakdown (medians, seconds)")
    for task in tasks:
        print(line(task, rows[task], base[task], busy[task]))
    print(f"load after: {load():.2f}")
    if args.markdown:
        print()
        print(markdown({t: (rows[t], base[t], busy[t]) for t in tasks}, bool(args.baseline)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main makes it one): its temporary folders are gone
        print("interrupted", file=sys.stderr)
        sys.exit(130)
