"""What compiling costs the first time and when a process of this user compiled the same programs before.

Each case runs ``descend.fit(..., compile=True)`` in a fresh process twice against one cache directory
(``DESCEND_CACHE_DIR``, emptied first): the first process compiles from nothing, the second reads Inductor's
on-disk cache (it still traces the step). The figures are the fits' ``compile_seconds`` (the programs of every
cohort and batch shape, and the evaluation) and the whole process's wall time. ``compile="auto"`` assumes
``descend.engine.COMPILE_SECONDS`` for the first and ``COMPILE_SECONDS_AGAIN`` for a program compiled before;
this is where those figures come from.

Usage::

    python benchmarks/compile_cache.py [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

CASES = {
    "reference sweep, K = 64": "dict(task=sweep_task(), optimizer='adam', lr=[1e-3] * 64, batch_size=32, steps=30)",
    "digits, 4 optimizers × 3 lrs": "dict(task='digits', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], "
                                    "lr=[0.01, 0.03, 0.1], batch_size=32, steps=30)",
    "ellipse, 4 optimizers": "dict(task='ellipse', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], steps=30)",
    "himmelblau, 4 optimizers": "dict(task='himmelblau', optimizer=['gd', 'momentum', 'rmsprop', 'adam'], steps=30)",
}


def worker(case: str) -> None:
    import descend

    sys.path.insert(0, os.path.dirname(__file__))
    from tune import sweep_task  # noqa: F401  (the reference workload as a task)

    kwargs = eval(CASES[case])  # noqa: S307  (this file's own table)
    runs = descend.fit(compile=True, **kwargs)
    print(json.dumps({"compile": float(runs.summary["compile_seconds"].sum())}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="fresh cache directories per case (default 2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker)
        return 0
    print(f"load {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; medians of {args.rounds} rounds")
    print(f"{'case':34} {'first: compile s':>17} {'process s':>10} {'again: compile s':>17} {'process s':>10}")
    for case in CASES:
        first, again, first_wall, again_wall = [], [], [], []
        for _ in range(args.rounds):
            cache = tempfile.mkdtemp(prefix="descend-cache-")
            env = {**os.environ, "DESCEND_CACHE_DIR": cache}
            env.pop("TORCHINDUCTOR_CACHE_DIR", None)
            try:
                for compile_s, wall in ((first, first_wall), (again, again_wall)):
                    started = time.perf_counter()
                    out = subprocess.run([sys.executable, __file__, "--worker", case], env=env, capture_output=True,
                                         text=True, check=True)
                    wall.append(time.perf_counter() - started)
                    compile_s.append(json.loads(out.stdout.strip().splitlines()[-1])["compile"])
            finally:
                shutil.rmtree(cache, ignore_errors=True)
        med = statistics.median
        print(f"{case:34} {med(first):17.1f} {med(first_wall):10.1f} {med(again):17.1f} {med(again_wall):10.1f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
