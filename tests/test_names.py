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
