"""One suite over every task and every landscape: the same engine path, the same records, the same checks.

Each builds a problem the engine trains without knowing the task; every default optimizer takes a few
steps at the task's own learning rate (what ``fit(task=...)`` uses with no ``lr``); records and statuses are
complete; the known answer gives a finite distance; batched runs equal the same runs alone.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

import descend
from descend import engine, landscapes, tasks
from descend.problem import Problem

NAMES = [*tasks.TASKS, *landscapes.LANDSCAPES]


@pytest.mark.parametrize("name", NAMES)
def test_every_task_trains_its_default_optimizers_through_one_problem(name):
    task = tasks.get(name)
    built = task.problem()
    assert isinstance(built, Problem) and built.known is task.known and "train" in built.evals
    runs = descend.fit(task=name, optimizer=list(task.optimizers), steps=4, eval_every=2)
    summary = runs.summary
    assert list(summary["optimizer"]) == [descend.optim.get(o).name for o in task.optimizers]
    for _, row in summary.iterrows():
        expected = task.default_lr(row["optimizer"]) or descend.optim.get(row["optimizer"]).defaults["lr"]
        assert row["lr"] == expected, "with no lr, the task's learning rate known to work"
    assert set(summary["status"]) <= {"ok"}, summary[["optimizer", "status"]]
    assert (summary["steps_done"] == 4).all()
    assert np.isfinite(summary["final_train_loss"]).all()
    if task.known is not None:
        assert np.isfinite(summary["distance"]).all()
    curves = runs.curves
    assert set(curves[curves["split"] == "batch"]["step"]) == {0, 1, 2, 3}
    assert set(curves[(curves["split"] == "train") & (curves["metric"] == "loss")]["step"]) == {0, 2, 4}


@pytest.mark.parametrize("name", NAMES)
def test_every_task_batched_equals_alone(name):
    task = tasks.get(name)
    built = task.problem()
    lr = task.lrs.get("gd", task.lr_range[0])
    specs = [descend.RunSpec("gd", {"lr": lr}, seed=s) for s in (0, 1)] + [descend.RunSpec("gd", {"lr": lr / 2})]
    together = engine.train(built, specs, steps=3)
    assert len(together.results) == 1
    for i, spec in enumerate(specs):
        alone = engine.train(built, [spec], steps=3)
        for n in built.names:
            torch.testing.assert_close(together.params[i][n], alone.params[0][n], rtol=1e-5, atol=1e-6)


def test_a_process_that_ends_while_a_surface_is_prefetched_ends_cleanly():
    """The prefetch thread was a daemon: a process that ended while it was inside a torch operation (Ctrl-C in a
    comparison's first seconds, a script that returned) aborted at the interpreter's end, "terminate called without
    an active exception", status 134 (one run in three)."""
    import subprocess
    import sys

    script = ("import time, descend\n"
              "descend.tasks.get('line').surface.prefetch([800])\n"
              "time.sleep(0.2)\n")
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "terminate called" not in done.stderr, (done.returncode, done.stderr[-500:])
