"""descend._files: reading descend's own tables back to the bit, whatever pandas reads by default."""

import ast
import io
from pathlib import Path

import pandas as pd

from descend import _files

SRC = Path(__file__).resolve().parents[1] / "src" / "descend"


def test_tables_are_read_back_exactly_under_pandas_before_3(monkeypatch):
    seen = {}

    def read_csv(source, **kwargs):  # records what pandas would be asked for
        seen.update(kwargs)
        return "frame"

    monkeypatch.setattr(pd, "read_csv", read_csv)
    exact = {"float_precision": "round_trip", "index_col": 0}
    for version, expected in (("2.3.3", exact), ("3.1.1", {"index_col": 0})):
        seen.clear()
        monkeypatch.setattr(pd, "__version__", version)
        assert _files.read_csv_exact(io.StringIO("a\n1\n"), index_col=0) == "frame"
        assert seen == expected, version  # pandas 3 reads exactly by default (and deprecates the option)


def test_the_numbers_come_back_to_the_bit():
    values = [0.03975564247492616, 0.009387756697833538, 2.0**-1074, 1.7976931348623157e308, 1 / 3]
    text = pd.DataFrame({"x": values}).to_csv(index=False)
    assert _files.read_csv_exact(io.StringIO(text))["x"].tolist() == values


def test_every_reader_of_descends_own_tables_reads_them_exactly():
    """pd.read_csv is called directly only where a user's CSV is read (descend.data.tables, with its own options);
    every table descend wrote (a summary, curves, a search's table) is read back by read_csv_exact."""
    direct = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "read_csv" and isinstance(node.value, ast.Name):
                direct.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert all(where.startswith(("_files.py:", "data/tables.py:")) for where in direct), direct
