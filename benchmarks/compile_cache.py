"""What compiling costs the first time and when a process of this user compiled the same programs before.

Each round starts from an empty cache directory (``DESCEND_CACHE_DIR``) and an empty temporary directory
(``TMPDIR``, removed after the round): torch keeps Inductor's precompiled header in its temporary directory
(``torchinductor_$USER`` there, whatever the cache directory), so with the system's ``/tmp`` a round would reuse the
header an earlier round or process built. A first process compiles a small program
of its own (a line fit with one optimizer): what a machine pays once, before its first program, is in its time
(Inductor builds a test library per vector instruction set the CPU reports, and its precompiled header). Then each
case runs ``descend.fit(..., compile=True)`` in a fresh process three times in that directory: the first
compiles the case's programs from nothing (a new shape, as a user meets one) and writes them as packages, the
second reads the packages (no trace, no Inductor), the third runs after the case's packages were deleted (as after
an update of descend, which names every program anew): it traces the step again and compiles it with Inductor's
on-disk cache. The figures are the fits' ``compile_seconds`` (the programs of every
cohort and batch shape, and the evaluation) and the whole process's wall time, medians over rounds.
``compile="auto"`` assumes ``descend.engine.COMPILE_SECONDS`` (30 s) for a first compile and
``COMPILE_SECONDS_AGAIN`` (5 s) for a program compiled before: the first and the third case here. The third measured
12.6-16.1 s on a busy machine in a later run than the one the constant came from: "auto" errs toward compiling a
program compiled before (it still paid in the run that found it: 10.6 s against 14.2 s eagerly).

Usage::

    python benchmarks/compile_cache.py [--rounds 2]
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

CASES = {
    "reference sweep, K = 64": "dict(task=sweep_task(), optimizer='adam', lr=learning_rates(64), batch_size=32, "
                               "steps=30)",
    "digits, 4 optimizers × 3 lrs": "dict(task='digits', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], "
                                    "lr=[0.01, 0.03, 0.1], batch_size=32, steps=30)",
    "ellipse, 4 optimizers": "dict(task='ellipse', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], steps=30)",
    "himmelblau, 4 optimizers": "dict(task='himmelblau', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], steps=30)",
}
#: The set-up process's program: none of the cases'.
SET_UP = "dict(task='line', optimizer='gd', steps=5)"


def worker(case: str) -> None:
    import descend

    sys.path.insert(0, os.path.dirname(__file__))
    from sweep import learning_rates  # noqa: F401  (its K log-spaced rates, read by eval below)
    from tune import sweep_task  # noqa: F401  (the reference workload as a task, read by eval below)

    kwargs = eval(SET_UP if case == "set-up" else CASES[case])  # noqa: S307  (this file's own table)
    runs = descend.fit(compile=True, **kwargs)
    print(json.dumps({"compile": float(runs.summary["compile_seconds"].sum())}))


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # kill or timeout cleans up as Ctrl-C does
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2,
                        help="rounds, each from an empty cache directory and temporary directory (default 2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    if args.rounds < 1:
        parser.error(f"--rounds takes a positive number, not {args.rounds}")
    print(f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.rounds} rounds")
    times: dict[str, list[tuple[float, float]]] = {}  # (compile s, process s) per process, by row

    def run(row: str, case: str, env: dict[str, str]) -> None:
        started = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--worker", case], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if out.returncode != 0:  # the worker's own error, not a bare CalledProcessError
            raise SystemExit(f"case {case!r} failed (exit {out.returncode}):\n{out.stderr.strip()[-2000:]}")
        times.setdefault(row, []).append((json.loads(out.stdout.strip().splitlines()[-1])["compile"], wall))

    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}: {1 + 2 * len(CASES)} processes", file=sys.stderr, flush=True)
        cache = tempfile.mkdtemp(prefix="descend-cache-")
        temporary = tempfile.mkdtemp(prefix="descend-tmp-")  # the round's precompiled header, built anew
        env = {**os.environ, "DESCEND_CACHE_DIR": cache, "TMPDIR": temporary}
        env.pop("TORCHINDUCTOR_CACHE_DIR", None)
        packages = Path(cache) / "inductor-2" / "packages"
        try:
            run("set-up", "set-up", env)
            for case in CASES:
                before = set(packages.glob("*.pt2"))
                run(f"{case} first", case, env)
                run(f"{case} again", case, env)
                for package in set(packages.glob("*.pt2")) - before:  # the case's packages: as after descend changed
                    package.unlink()
                run(f"{case} unpackaged", case, env)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(temporary, ignore_errors=True)

    def cell(row: str) -> str:
        med = statistics.median
        return f"{med(c for c, _ in times[row]):17.1f} {med(w for _, w in times[row]):10.1f}"

    print(f"{'case':34} {'first: compile s':>17} {'process s':>10} {'again: compile s':>17} {'process s':>10}"
          f" {'no package: compile s':>22} {'process s':>10}")
    print(f"{'once per machine: a line fit':34} {cell('set-up')}   (an empty cache: the vector-set check, the header)")
    for case in CASES:
        print(f"{case:34} {cell(f'{case} first')} {cell(f'{case} again')}      {cell(f'{case} unpackaged')}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (main makes it one): its temporary folders are gone
        print("interrupted", file=sys.stderr)
        sys.exit(130)
