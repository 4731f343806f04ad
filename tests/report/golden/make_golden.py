"""Regenerate the golden results of tests/report/test_golden.py (only when a change of results is intended).

    .venv/bin/python tests/report/golden/make_golden.py

For each task in :data:`TASKS`: its default comparison (``descend compare TASK`` with no options) in float64,
written as TASK-summary.csv and TASK-table.csv without their timing columns; its curves' values and its paths in
TASK-numbers.npz; and in TASK-digest.json the SHA-256 of the curves' other columns (which run, split, metric and
step each value is) and the winners.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Cheap tasks whose default comparison covers mini-batches with seeds, held-out splits and a 2-D path.
TASKS = ("line", "himmelblau")
#: Columns that hold wall times, not results.
TIMING = {"summary": ("seconds",), "table": ("ms / step",)}


def comparison(task: str):
    import torch

    from descend import compare as C

    config, built = C.resolve(task)
    return C.compare(config, built, dtype=torch.float64)


def csv_text(frame, drop) -> str:
    return frame.drop(columns=[c for c in drop if c in frame.columns]).to_csv(lineterminator="\n")


def numbers(comparison) -> dict:
    """The comparison's curves' values and each run's path, as float64 arrays."""
    import numpy as np

    out = {"curves": comparison.curves["value"].to_numpy(dtype=np.float64)}
    for run in sorted(comparison.paths):
        out[f"path {run}"] = np.asarray(comparison.paths[run], dtype=np.float64)
    return out


def digest(comparison) -> dict[str, str]:
    """What must be the same text on any CPU: every curve value's run, split, metric and step; the winners."""
    labels = comparison.curves.drop(columns="value").to_csv(index=False, lineterminator="\n")
    return {"curve labels": hashlib.sha256(labels.encode()).hexdigest(),
            "winners": json.dumps({k: v for k, v in comparison.winners.items() if k not in TIMING["table"]},
                                  sort_keys=True)}


def main() -> None:
    import numpy as np

    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, cwd=HERE).stdout.strip()
    for task in TASKS:
        c = comparison(task)
        (HERE / f"{task}-summary.csv").write_text(csv_text(c.summary, TIMING["summary"]), encoding="utf-8")
        (HERE / f"{task}-table.csv").write_text(csv_text(c.table, TIMING["table"]), encoding="utf-8")
        np.savez_compressed(HERE / f"{task}-numbers.npz", **numbers(c))
        (HERE / f"{task}-digest.json").write_text(json.dumps({"commit": commit, **digest(c)}, indent=1) + "\n",
                                                  encoding="utf-8")
        print(task, "written")


if __name__ == "__main__":
    sys.exit(main())
