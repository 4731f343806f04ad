"""Names as the user gives them and as descend writes them back: lists of names on the command line, folder and
study names made from a task's name, and names shown in a message."""

from __future__ import annotations

import pytest

from descend import _names
from descend.compare_config import Config


@pytest.mark.parametrize("text, items", [
    ("a,b", ["a", "b"]),
    (" a , b ", ["a", "b"]),  # spaces around an item without quotes are not its own
    ('"trail ",a', ["trail ", "a"]),  # in double quotes, they are
    (' " lead",a', [" lead", "a"]),
    ('"price, usd" ,id', ["price, usd", "id"]),
    ('"say ""hi""",x', ['say "hi"', "x"]),
    ('a"b', ['a"b']),
])
def test_a_list_of_names_keeps_a_quoted_names_spaces(text, items):
    assert _names.split_items(text) == items
    assert _names.split_items(_names.join_items(items)) == items  # written back as it is read


def test_a_quoted_name_in_a_setting_or_a_toml_list_keeps_its_spaces():
    """--features '"trail ",a' and features = ["trail "] both lost the name's space: the column could not be named."""
    assert Config(csv="data.csv", column="y", features='"trail ", a').features == ("trail ", "a")
    assert Config.from_dict({"csv": "data.csv", "column": "y", "drop": [" lead", "x "]}).drop == (" lead", "x ")
    assert Config(csv="data.csv", column="y", na_values='" ?",-').na_values == (" ?", "-")
    for bad in ('"open', '"a"b', "a,,b", '" "'):
        with pytest.raises(ValueError, match=r"features .*: give column names separated by commas"):
            Config(csv="data.csv", column="y", features=bad)


@pytest.mark.parametrize("name, expected", [
    (".", "task"), ("..", "task"), ("...", "task"), ("", "task"), (".hidden", "hidden"), ("data.", "data"),
    ("x**2 + 10*sin(y)", "x-2-10-sin-y"), ("sales[v2]", "sales-v2"), ("v1.2", "v1.2"),
])
def test_a_slug_is_never_a_dot_folder(name, expected):
    """The CSV file '..csv' (its stem '.') made the report folder reports/. and '...csv' reports/.."""
    assert _names.slug(name) == expected


def test_a_csv_files_folder_is_named_csv_when_its_name_leaves_nothing():
    from types import SimpleNamespace as Task

    assert _names.folder_name(Task(name=".", facts=(), options={"path": "data/..csv"})) == "csv"
    assert _names.folder_name(Task(name="..", facts=(), options={"path": "data/...csv"})) == "csv"


def test_a_name_with_control_characters_is_shown_escaped_and_typed_back_the_same():
    """A column or study name holding ESC, BEL or a newline reached the terminal as it was."""
    import subprocess

    assert _names.printable("x\x1b[2J\x1b[Hcleared b\x07\r\n\x9b") == "x\\x1b[2J\\x1b[Hcleared b\\x07\\r\\n\\x9b"
    for name in ("売上データ", "ünïcode 😀", "tab-free, commas, 'quotes'"):
        assert _names.printable(name) == name
    for name in ("s\x1b[2Jx", "it's \\ \x07", "plain", "two words"):
        word = _names.shell_word(name)
        assert _names.printable(word) == word
        typed = subprocess.run(["bash", "-c", f"printf %s {word}"], capture_output=True, check=True).stdout
        assert typed.decode() == name
