"""The numbers of a default comparison do not change: ``descend compare TASK`` with no options, in float64 at
its fixed seeds, gives exactly the summary, table, winners, curves and paths recorded in tests/report/golden/
(written by golden/make_golden.py from the commit named in TASK-digest.json). Wall times are left out.

A change that is meant to change results regenerates the golden files and says so in its commit."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

GOLDEN = Path(__file__).resolve().parent / "golden"
_spec = importlib.util.spec_from_file_location("make_golden", GOLDEN / "make_golden.py")
make_golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_golden)


@pytest.mark.parametrize("task", make_golden.TASKS)
def test_a_default_comparison_gives_the_recorded_numbers_exactly(task):
    c = make_golden.comparison(task)
    summary = make_golden.csv_text(c.summary, make_golden.TIMING["summary"])
    table = make_golden.csv_text(c.table, make_golden.TIMING["table"])
    assert summary == (GOLDEN / f"{task}-summary.csv").read_text(encoding="utf-8")
    assert table == (GOLDEN / f"{task}-table.csv").read_text(encoding="utf-8")
    recorded = json.loads((GOLDEN / f"{task}-digest.json").read_text(encoding="utf-8"))
    assert make_golden.digest(c) == {k: v for k, v in recorded.items() if k != "commit"}
