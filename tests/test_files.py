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
    assert SRC.is_dir(), f"{SRC} is not there: these tests read descend's source in its clone"
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "read_csv" and isinstance(node.value, ast.Name):
                direct.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert all(where.startswith(("_files.py:", "data/tables.py:")) for where in direct), direct


def test_a_file_written_aside_never_writes_through_a_link_planted_at_its_temporary_name(tmp_path):
    """written_aside wrote through a predictable name (.NAME.partial-PID.SUFFIX) with Path.write_text, which
    followed a symbolic link planted there and truncated its target."""
    import os

    from descend._files import write_text, written_aside

    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    final = tmp_path / "numbers.csv"
    planted = tmp_path / f".numbers.partial-{os.getpid()}.csv"
    planted.symlink_to(victim)
    previous = os.umask(0o027)
    try:
        write_text(final, "a,b\n")
    finally:
        os.umask(previous)
    assert final.read_text() == "a,b\n" and not final.is_symlink()
    assert victim.read_text() == "precious"
    assert planted.is_symlink() and planted.resolve() == victim.resolve()  # left as it was
    assert final.stat().st_mode & 0o777 == 0o640  # the user's usual permissions: 0o666 less the umask
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([victim.name, final.name, planted.name])
    # an error in the block removes what it wrote aside, and leaves the old file
    try:
        with written_aside([final, tmp_path / "other.svg"]) as partials:
            assert [p.suffix for p in partials] == [".csv", ".svg"] and all(p.is_file() for p in partials)
            partials[0].write_text("half")
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
    assert final.read_text() == "a,b\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([victim.name, final.name, planted.name])
