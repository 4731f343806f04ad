"""The numbers of a default comparison do not change: ``descend compare TASK`` with no options, in float64 at
its fixed seeds, gives the summary, table, winners, curves and paths recorded in tests/report/golden/ (written
by golden/make_golden.py from the commit named in TASK-digest.json). Wall times are left out.

Everything but the floating-point numbers is compared exactly (every column's text, which run, split, metric and
step each curve value is, the winners); the numbers to 1e-9 relative. Exact text would hold on one CPU only:
torch's kernels round differently on other x86-64 CPUs (AVX2 against AVX-512 code), by about 1e-16 relative a
step, and a run at the edge of stability, as the line's RMSprop at lr 0.557, carries that to about 3e-15 by its
300th step. A change of results, even of one operation's order in float32, is many orders of magnitude larger.

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

RTOL, ATOL = 1e-9, 1e-300  # relative; the absolute term only lets exact zeros match


def assert_same_table(text: str, recorded: str, name: str) -> None:
    """Two CSV tables: the same columns and rows, every text cell equal, every number to :data:`RTOL`."""
    new, old = (pd.read_csv(io.StringIO(t), keep_default_na=False, na_values=[""], dtype=str) for t in (text, recorded))
    assert list(new.columns) == list(old.columns) and new.shape == old.shape, name
    for column in old.columns:
        a, b = new[column].fillna(""), old[column].fillna("")
        x, y = pd.to_numeric(a, errors="coerce"), pd.to_numeric(b, errors="coerce")
        numeric = x.notna() & y.notna() & ~a.isin(["True", "False"])
        assert (a[~numeric] == b[~numeric]).all(), (name, column, list(a[~numeric]), list(b[~numeric]))
        assert np.allclose(x[numeric], y[numeric], rtol=RTOL, atol=ATOL), (name, column)


@pytest.mark.parametrize("task", make_golden.TASKS)
def test_a_default_comparison_gives_the_recorded_numbers(task):
    c = make_golden.comparison(task)
    for kind in ("summary", "table"):
        assert_same_table(make_golden.csv_text(getattr(c, kind), make_golden.TIMING[kind]),
                          (GOLDEN / f"{task}-{kind}.csv").read_text(encoding="utf-8"), kind)
    recorded = json.loads((GOLDEN / f"{task}-digest.json").read_text(encoding="utf-8"))
    assert make_golden.digest(c) == {k: v for k, v in recorded.items() if k != "commit"}
    with np.load(GOLDEN / f"{task}-numbers.npz") as stored:
        numbers = make_golden.numbers(c)
        assert sorted(stored.files) == sorted(numbers)
        for name, values in numbers.items():
            assert values.shape == stored[name].shape, name
            np.testing.assert_allclose(values, stored[name], rtol=RTOL, atol=ATOL, equal_nan=True, err_msg=name)


def test_the_comparison_of_tables_tells_a_change_from_round_off():
    recorded = "run,optimizer,loss,ok\n0,adam,0.40701018532033130,True\n1,gd,,False\n"
    assert_same_table("run,optimizer,loss,ok\n0,adam,0.40701018532033023,True\n1,gd,,False\n", recorded, "t")
    for changed in ("run,optimizer,loss,ok\n0,adam,0.4070102,True\n1,gd,,False\n",  # a result changed
                    "run,optimizer,loss,ok\n0,sgd,0.40701018532033130,True\n1,gd,,False\n",  # a text cell
                    "run,optimizer,loss,ok\n0,adam,0.40701018532033130,True\n1,gd,0.1,False\n",  # a number for none
                    "run,optimizer,loss,ok\n0,adam,0.40701018532033130,False\n1,gd,,False\n"):  # a flag
        with pytest.raises(AssertionError):
            assert_same_table(changed, recorded, "t")
