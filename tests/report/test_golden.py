"""The numbers of a default comparison do not change: ``descend compare TASK`` with no options, in float64 at
its fixed seeds, gives the summary, table, winners, curves and paths recorded in tests/report/golden/ (written
by golden/make_golden.py from the commit named in TASK-digest.json). Wall times are left out.

Everything but the floating-point numbers is compared exactly (every column's text, which run, split, metric and
step each curve value is, the winners); the numbers to 1e-9 relative, or 1e-12 of the task's losses (the largest
recorded loss of its summary) absolute. Exact text would hold on one CPU only: torch's kernels round differently
on other x86-64 CPUs (AVX2 against AVX-512 code, and the scalar code of a CPU with neither, which torch runs
under ``ATEN_CPU_CAPABILITY=default``), by about 1e-16 relative a step, and a run at the edge of stability, as the
line's RMSprop at lr 0.557, carries that to about 3e-15 by its 300th step. A loss near its minimum of 0 is known
only to such an absolute error: with the scalar kernels Himmelblau's converged losses of 1e-13 differed by 8e-22
(7.5e-9 relative) and the line's curves by 3e-15 at values of 2e-6 (3e-8 relative), while 1e-12 of their tasks'
losses is 1.7e-10 and 1.7e-12. A change of results, even of one operation's order in float32, is many orders of
magnitude larger.

A change that is meant to change results regenerates the golden files and says so in its commit."""

from __future__ import annotations

import importlib.util
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)

RTOL, ATOL = 1e-9, 1e-12  # relative; absolute, as a fraction of the task's losses (loss_scale)


def loss_scale(task: str) -> float:
    """The size of ``task``'s losses: the largest finite loss of its recorded summary (final or best, any split)."""
    summary = pd.read_csv(GOLDEN / f"{task}-summary.csv")
    losses = summary[[c for c in summary.columns if c.endswith("_loss")]].abs().to_numpy(dtype=float)
    return float(np.nanmax(np.where(np.isfinite(losses), losses, np.nan)))


def assert_same_table(text: str, recorded: str, name: str, atol: float = 0.0) -> None:
    """Two CSV tables: the same columns and rows, every text cell equal, every number to :data:`RTOL` (or
    ``atol``)."""
    new, old = (pd.read_csv(io.StringIO(t), keep_default_na=False, na_values=[""], dtype=str) for t in (text, recorded))
    assert list(new.columns) == list(old.columns) and new.shape == old.shape, name
    for column in old.columns:
        a, b = new[column].fillna(""), old[column].fillna("")
        x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
        numeric = x.notna() & y.notna() & ~a.isin(["True", "False"])
        assert (a[~numeric] == b[~numeric]).all(), (name, column, list(a[~numeric]), list(b[~numeric]))
        assert np.allclose(x[numeric], y[numeric], rtol=RTOL, atol=atol), (name, column)


@pytest.mark.parametrize("task", make_golden.TASKS)
def test_a_default_comparison_gives_the_recorded_numbers(task):
    c = make_golden.comparison(task)
    atol = ATOL * loss_scale(task)
    for kind in ("summary", "table"):
        assert_same_table(make_golden.csv_text(getattr(c, kind), make_golden.TIMING[kind]),
                          (GOLDEN / f"{task}-{kind}.csv").read_text(encoding="utf-8"), kind, atol)
    recorded = json.loads((GOLDEN / f"{task}-digest.json").read_text(encoding="utf-8"))
    assert make_golden.digest(c) == {k: v for k, v in recorded.items() if k != "commit"}
    with np.load(GOLDEN / f"{task}-numbers.npz") as stored:
        numbers = make_golden.numbers(c)
        assert sorted(stored.files) == sorted(numbers)
        for name, values in numbers.items():
            assert values.shape == stored[name].shape, name
            np.testing.assert_allclose(values, stored[name], rtol=RTOL, atol=atol, equal_nan=True, err_msg=name)


def test_the_comparison_of_tables_tells_a_change_from_round_off():
    recorded = "run,optimizer,loss,ok\n0,adam,0.40701018532033130,True\n1,gd,,False\n"
    assert_same_table("run,optimizer,loss,ok\n0,adam,0.40701018532033023,True\n1,gd,,False\n", recorded, "t")
    for changed in ("run,optimizer,loss,ok\n0,adam,0.4070102,True\n1,gd,,False\n",  # a result changed
                    "run,optimizer,loss,ok\n0,sgd,0.40701018532033130,True\n1,gd,,False\n",  # a text cell
                    "run,optimizer,loss,ok\n0,adam,0.40701018532033130,True\n1,gd,0.1,False\n",  # a number for none
                    "run,optimizer,loss,ok\n0,adam,0.40701018532033130,False\n1,gd,,False\n"):  # a flag
        with pytest.raises(AssertionError):
            assert_same_table(changed, recorded, "t")
        with pytest.raises(AssertionError):  # Himmelblau's absolute term: a change at the losses' size still fails
            assert_same_table(changed, recorded, "t", ATOL * loss_scale("himmelblau"))
    # a converged loss known to its absolute round-off (the scalar kernels' 8e-22 at 1e-13) is the same result
    near_zero = "run,optimizer,loss,ok\n0,adam,1.128146979607351e-13,True\n"
    assert_same_table("run,optimizer,loss,ok\n0,adam,1.128146979607359e-13,True\n", near_zero, "t",
                      ATOL * loss_scale("himmelblau"))
    assert loss_scale("himmelblau") == 170.0 and 1 < loss_scale("line") < 2  # f at the start; the line's MSE
