"""Tests for descend.data's table readers: from_frame and from_csv (one-hot encoding of categorical columns,
targets of every kind, and every bad input named by column, row, line and file), and load_sklearn (the real
data sets shipped inside scikit-learn, compared with scikit-learn's own arrays)."""

from __future__ import annotations

import io
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from descend.data import (
    SKLEARN_DATASETS,
    DataError,
    Dataset,
    from_csv,
    from_frame,
    load_sklearn,
    read_rows,
    split,
)

# Two numeric columns (age: int, score: float), two categorical ones (city, plan) and two categorical targets
# (result: 2 values, grade: 3 values).
MIXED = """\
age,city,plan,score,result,grade
30,Oslo,b,1.5,pass,B
41,Rome,a,2.0,fail,C
25,Oslo,a,3.5,pass,A
60,Lima,c,0.5,fail,B
"""

# The features age, city, plan, score by hand: city -> Lima/Oslo/Rome, plan -> a/b/c (sorted values).
FEATURES = ("age", "city=Lima", "city=Oslo", "city=Rome", "plan=a", "plan=b", "plan=c", "score")
X = [
    [30, 0, 1, 0, 0, 1, 0, 1.5],
    [41, 0, 0, 1, 1, 0, 0, 2.0],
    [25, 0, 1, 0, 1, 0, 0, 3.5],
    [60, 1, 0, 0, 0, 0, 1, 0.5],
]
USED = ["age", "city", "plan", "score"]


@pytest.fixture
def mixed(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text(MIXED)
    return path


def write(tmp_path, text: str, name: str = "data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def frame() -> pd.DataFrame:
    return pd.read_csv(io.StringIO(MIXED))


# ---------------------------------------------------------------------------------------------------------------
# Encoding and targets
# ---------------------------------------------------------------------------------------------------------------


def test_binary_target_and_one_hot_features(mixed):
    ds = from_csv(mixed, "result", features=USED)
    assert isinstance(ds, Dataset)
    assert ds.kind == "binary" and ds.target_name == "result" and ds.classes == ("fail", "pass")
    assert ds.feature_names == FEATURES
    assert ds.x.dtype == torch.float32 and torch.equal(ds.x, torch.tensor(X, dtype=torch.float32))
    assert ds.y.dtype == torch.float32 and ds.y.tolist() == [1.0, 0.0, 1.0, 0.0]  # fail -> 0, pass -> 1


def test_multiclass_target(mixed):
    ds = from_csv(mixed, "grade", features=USED, dtype=torch.float64)
    assert ds.kind == "multiclass" and ds.classes == ("A", "B", "C") and ds.target_name == "grade"
    assert ds.feature_names == FEATURES
    assert torch.equal(ds.x, torch.tensor(X, dtype=torch.float64))
    assert ds.y.dtype == torch.int64 and ds.y.tolist() == [1, 2, 0, 1]
    # Two classes can be multiclass too when asked for.
    two = from_csv(mixed, "result", "multiclass", features=USED)
    assert two.kind == "multiclass" and two.classes == ("fail", "pass") and two.y.tolist() == [1, 0, 1, 0]


def test_regression_target(mixed):
    ds = from_csv(mixed, "score", features=["age", "city", "plan"])
    assert ds.kind == "regression" and ds.classes is None and ds.target_name == "score"
    assert ds.feature_names == FEATURES[:-1]
    assert torch.equal(ds.x, torch.tensor([row[:-1] for row in X], dtype=torch.float32))
    assert ds.y.tolist() == [1.5, 2.0, 3.5, 0.5]
    # An integer column can be a regression target when asked for; whole numbers with gaps are neither read as
    # classes nor as numbers without --kind (four ages in four rows were four classes, without a word)
    assert from_csv(mixed, "age", "regression").y.tolist() == [30.0, 41.0, 25.0, 60.0]
    with pytest.raises(DataError, match="holds whole numbers 25, 30, 41, 60, not classes numbered without gaps"):
        from_csv(mixed, "age")
    ages = from_csv(mixed, "age", "classification")
    assert ages.kind == "multiclass" and ages.classes == (25, 30, 41, 60) and ages.y.tolist() == [1, 2, 0, 3]


def test_default_features_are_every_other_column_in_order(mixed):
    ds = from_csv(mixed, "result")
    assert ds.feature_names == (*FEATURES, "grade=A", "grade=B", "grade=C")
    assert ds.x[:, -3:].tolist() == [[0, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
    reordered = from_frame(frame(), "result", features=["score", "plan", "age"])
    assert reordered.feature_names == ("score", "plan=a", "plan=b", "plan=c", "age")
    assert reordered.x[1].tolist() == [2.0, 1.0, 0.0, 0.0, 41.0]


def test_integer_and_boolean_targets_keep_their_values_as_classes():
    x = [1.0, 2.0, 3.0, 4.0]
    binary = from_frame(pd.DataFrame({"x": x, "t": [3, 7, 7, 3]}), "t")
    assert binary.kind == "binary" and binary.classes == (3, 7) and binary.y.tolist() == [0.0, 1.0, 1.0, 0.0]
    flags = from_frame(pd.DataFrame({"x": x, "t": [True, False, True, True]}), "t")
    assert flags.kind == "binary" and flags.classes == (False, True) and flags.y.tolist() == [1.0, 0.0, 1.0, 1.0]
    labels = from_frame(pd.DataFrame({"x": x, "t": [0, 2, 1, 2]}), "t")
    assert labels.kind == "multiclass" and labels.classes == (0, 1, 2) and labels.y.tolist() == [0, 2, 1, 2]
    category = from_frame(pd.DataFrame({"x": x, "t": pd.Categorical(["z", "y", "x", "y"])}), "t")
    assert category.kind == "multiclass" and category.classes == ("x", "y", "z") and category.y.tolist() == [2, 1, 0, 1]


def _classes_file(tmp_path, labels: list[str], name: str = "classes.csv", prefix: str = "") -> str:
    """A file of one feature and a target ``label`` written as ``labels`` (each row its own feature value)."""
    return write(tmp_path, "x,label\n" + prefix + "".join(f"{i / 10},{t}\n" for i, t in enumerate(labels)), name)


@pytest.mark.parametrize("written, kind, classes", [
    (["01", "02", "10"] * 4, "classification", ("01", "02", "10")),  # codes: as the file writes them, by number
    (["01", "02", "03"] * 4, None, ("01", "02", "03")),
    (["true", "false"] * 4, None, ("false", "true")),
    (["0.0", "1.0"] * 4, None, ("0.0", "1.0")),
    (["2.5", "0.5"] * 4, "classification", (0.5, 2.5)),  # written as their numbers print: the numbers
    (["0", "1"] * 4, None, (0, 1)),
    (["True", "False"] * 4, None, (False, True)),
    (["3.10", "3.9", "3.8"] * 4, "classification", ("3.10", "3.8", "3.9")),  # 3.1 < 3.8 < 3.9, as read
])
def test_classes_written_as_numbers_are_named_as_the_file_writes_them(tmp_path, written, kind, classes):
    """pandas reads 01 as 1, true as True and 1.0 as 1: a prediction named so never matched the file's label."""
    ds = from_csv(_classes_file(tmp_path, written), "label", kind=kind)
    assert ds.classes == classes
    assert [ds.classes[int(c)] for c in ds.y.tolist()] == [type(classes[0])(t) if isinstance(classes[0], float)
                                                           else {"True": True, "False": False}.get(t, t)
                                                           if isinstance(classes[0], bool) else
                                                           int(t) if isinstance(classes[0], int) else t
                                                           for t in written]


def test_classes_are_named_from_the_rows_kept():
    """Rows dropped for a missing value (dropna) before a class's first row: each class named from its own rows."""
    text = "x,label\n0.1,\n0.2,07\n0.3,\n" + "".join(f"{i / 10},{t}\n" for i, t in enumerate(["07", "12"] * 5))
    ds = from_csv(io.StringIO(text), "label", dropna=True)
    assert ds.classes == ("07", "12") and ds.dropped == 2 and ds.y.tolist() == [0.0] + [0.0, 1.0] * 5


@pytest.mark.parametrize("written, kind, shown", [
    (["7", "07", "12"] * 4, None, r"'7' at row 0 \(line 2\), '07' at row 1 \(line 3\)"),
    (["1", "2", "1.0", "2"] * 3, "classification", r"'1' at row 0 \(line 2\), '1.0' at row 2 \(line 4\)"),
    (["1.10", "1.2", "1.1"] * 4, "classification", r"'1.10' at row 0 \(line 2\), '1.1' at row 2 \(line 4\)"),
])
def test_a_class_written_in_several_ways_is_refused(tmp_path, written, kind, shown):
    """7 and 07 (codes) read as one number, and so as one class: the file's 3 classes were trained as 2."""
    with pytest.raises(DataError, match=r"target column 'label' writes one class in 2 ways: " + shown
                                        + r".*, which read as the same number .*so they would be one class"):
        from_csv(_classes_file(tmp_path, written), "label", kind=kind)


def test_a_class_named_like_a_missing_value_is_told_by_its_text():
    """NA (Namibia) is read as a missing value: --dropna, the advice, dropped the class without a word."""
    text = "x,country\n" + "".join(f"{i / 10},{c}\n" for i, c in enumerate(["US", "NA", "FR"] * 4))
    with pytest.raises(DataError, match=r"column 'country' has a missing value \(the text 'NA', which reads as a "
                                        r"missing value, as do an empty field, N/A, .*if 'NA' is one of the classes, "
                                        r"name it otherwise in the file .*, else drop those rows with dropna=True"):
        from_csv(io.StringIO(text), "country")


@pytest.mark.parametrize("written, kind, said", [
    (["1.0", "2.0", "3.0"] * 4, "regression", r"read as a number \(regression\): its 3 values are whole numbers "
                                              r"written as decimals \(1.0, 2.0, 3.0\); if they are classes, give "
                                              r"--kind classification"),
    (["2015", "2016", "2017"] * 4, "multiclass", r"read as 3 classes \(the whole numbers 2015 to 2017\); to predict it "
                                                 r"as a number, give --kind regression"),
    (["0", "1", "2"] * 4, "multiclass", None),
    (["1.5", "2.0", "3.0"] * 4, "regression", None),
])
def test_a_target_read_either_way_says_how_it_was_read(tmp_path, written, kind, said):
    ds = from_csv(_classes_file(tmp_path, written), "label")
    assert ds.kind == kind
    assert re.search(said, ds.reading) if said else ds.reading == ""
    assert from_csv(_classes_file(tmp_path, written), "label", kind=kind).reading == ""  # given: nothing to say


def test_forced_categorical_bool_and_category_columns():
    df = pd.DataFrame(
        {
            "code": [20, 10, 20, 30],
            "member": [True, False, False, True],
            "size": pd.Categorical(["L", "S", "M", "S"]),
            "t": [0.5, 1.0, 1.5, 2.0],
        }
    )
    ds = from_frame(df, "t", categorical=["code"])
    assert ds.kind == "regression"
    assert ds.feature_names == ("code=10", "code=20", "code=30", "member", "size=L", "size=M", "size=S")
    assert ds.x.tolist() == [
        [0, 1, 0, 1, 1, 0, 0],
        [1, 0, 0, 0, 0, 0, 1],
        [0, 1, 0, 0, 0, 1, 0],
        [0, 0, 1, 1, 0, 0, 1],
    ]
    plain = from_frame(df, "t", features=["code"])
    assert plain.feature_names == ("code",) and plain.x[:, 0].tolist() == [20.0, 10.0, 20.0, 30.0]


def test_encoding_does_not_depend_on_row_order(mixed):
    df = frame()
    ds = from_frame(df, "grade", features=USED)
    shuffled = from_frame(df.iloc[[3, 1, 0, 2]], "grade", features=USED)
    assert shuffled.feature_names == ds.feature_names and shuffled.classes == ds.classes
    assert torch.equal(shuffled.x, ds.x[[3, 1, 0, 2]]) and torch.equal(shuffled.y, ds.y[[3, 1, 0, 2]])


def test_csv_from_an_open_file_and_read_csv_options(mixed):
    from_path = from_csv(mixed, "grade")
    from_text = from_csv(io.StringIO(MIXED), "grade")
    from_bytes = from_csv(io.BytesIO(MIXED.encode()), "grade")
    semicolons = from_csv(io.StringIO(MIXED.replace(",", ";")), "grade", sep=";")
    for other in (from_text, from_bytes, semicolons):
        assert other.feature_names == from_path.feature_names and other.classes == from_path.classes
        assert torch.equal(other.x, from_path.x) and torch.equal(other.y, from_path.y)


def test_round_trip_through_a_csv_file(tmp_path):
    rng = np.random.default_rng(0)
    m = 40
    df = pd.DataFrame(
        {
            "count": rng.integers(0, 10, m),
            "value": rng.normal(size=m).round(6),
            "colour": rng.choice(["red", "green", "blue"], m),
            "member": rng.choice([True, False], m),
            "shop": rng.choice(["north", "south"], m),
            "label": rng.choice(["cat", "dog", "bird"], m),
        }
    )
    path = tmp_path / "round.csv"
    df.to_csv(path, index=False)
    for target, kind in [("label", None), ("shop", None), ("value", None), ("count", "regression")]:
        expected = from_frame(df, target, kind)
        got = from_csv(path, target, kind)
        assert (got.kind, got.classes, got.feature_names, got.target_name) == (
            expected.kind, expected.classes, expected.feature_names, expected.target_name
        )
        assert torch.equal(got.x, expected.x) and torch.equal(got.y, expected.y), target


# ---------------------------------------------------------------------------------------------------------------
# Errors: from_frame
# ---------------------------------------------------------------------------------------------------------------


def test_missing_target_column_lists_close_matches_and_columns():
    with pytest.raises(
        ValueError,
        match=r"target='grdae' is not a column of the DataFrame; did you mean target='grade'\? "
        r"\(columns: age, city, plan, score, result, grade\)",
    ):
        from_frame(frame(), "grdae")


def test_missing_values_name_column_row_count_and_hint():
    df = frame().astype({"city": object})  # an object column keeps None as None
    df.loc[1, "city"] = None
    df.loc[3, "city"] = ""
    df.loc[2, "score"] = np.nan
    message = (
        r"column 'city' has a missing value \(None\) at row 1; 3 of 4 rows have missing values "
        r"\(per column: 'city': 2, 'score': 1\); drop those rows with dropna=True, leave out the columns with "
        r"drop=\['city', 'score'\], or fill them in"
    )
    with pytest.raises(ValueError, match=message):
        from_frame(df, "grade")
    # Rows are named by their index label; an empty string counts as missing, and the hint turns it into NaN.
    labelled = frame().set_index(pd.Index(["w", "x", "y", "z"]))
    labelled.loc["y", "plan"] = "  "
    with pytest.raises(ValueError, match=r"'plan' has a missing value \(the blank string '  '\) at row 'y'.*dropna"):
        from_frame(labelled, "grade")
    ds = from_frame(labelled, "grade", dropna=True)  # the row with the blank string left out, and counted
    assert len(ds) == 3 and ds.dropped == 1
    # A missing target counts too; a missing value in a column that isn't used does not.
    df = frame()
    df.loc[0, "grade"] = np.nan
    with pytest.raises(ValueError, match=r"column 'grade' has a missing value \(nan\) at row 0"):
        from_frame(df, "grade")
    assert len(from_frame(df, "result", features=USED)) == 4


def test_non_numeric_regression_target():
    with pytest.raises(
        ValueError,
        match=r"target column 'result' has the non-numeric value 'pass' at row 0; kind='regression' needs a numeric"
        r" target; for class labels use kind='classification'",
    ):
        from_frame(frame(), "result", "regression")
    mixed = frame().assign(grade=["1.5", "2", "x3", "4"])
    with pytest.raises(ValueError, match=r"non-numeric value 'x3' at row 2"):
        from_frame(mixed, "grade", "regression")
    text = frame().assign(grade=["1.5", "2", "3", "4"])
    with pytest.raises(ValueError, match=r"numbers stored as .*pd\.to_numeric\(frame\['grade'\]\)"):
        from_frame(text, "grade", "regression")


@pytest.mark.parametrize("kind", [None, "binary", "multiclass"])
def test_single_class(kind):
    df = frame().assign(result="pass")
    with pytest.raises(ValueError, match=r"target column 'result' has a single class \('pass' in every row\)"):
        from_frame(df, "result", kind)


def test_more_than_two_values_for_binary():
    with pytest.raises(
        ValueError, match=r"target column 'grade' has 3 distinct values \('A', 'B', 'C'\), but kind='binary' needs"
    ):
        from_frame(frame(), "grade", "binary")
    many = pd.DataFrame({"x": range(8), "t": list("abcdefgh")})
    with pytest.raises(ValueError, match=r"8 distinct values \('a', 'b', 'c', 'd', 'e', \.\.\.\)"):
        from_frame(many, "t", "binary")


def test_column_names_with_control_characters_are_listed_escaped(tmp_path):
    """A header holding ESC sequences and BEL reached the terminal as it was in the list of columns (the screen
    cleared); other names, in any script, are listed as they are."""
    path = tmp_path / "esc.csv"
    names = ["a", "x\x1b[2J\x1b[Hcleared", "b\x07", "売上", "y"]
    pd.DataFrame({n: [i % 7 for i in range(30)] for n in names}).to_csv(path, index=False)
    for call in (lambda: from_csv(path, "nope"), lambda: from_csv(path, "y", features=["nope"]),
                 lambda: from_csv(path, "y", drop=["nope"])):
        with pytest.raises(DataError) as info:
            call()
        message = str(info.value)
        assert "(columns: a, x\\x1b[2J\\x1b[Hcleared, b\\x07, 売上, y)" in message, message
        assert not any(c in message for c in "\x1b\x07\r\n"), message
    (tmp_path / "header.csv").write_text("a,b\x1b[2J\n")
    with pytest.raises(ValueError, match=r"has no data rows, only a header \(a, b\\x1b\[2J\)"):
        from_csv(tmp_path / "header.csv", "a")


def test_no_features_and_unknown_features():
    with pytest.raises(ValueError, match=r"no feature columns left: the DataFrame has only the target column 'grade'"):
        from_frame(frame()[["grade"]], "grade")
    with pytest.raises(ValueError, match=r"features=\[\] leaves no feature columns"):
        from_frame(frame(), "grade", features=[])
    with pytest.raises(DataError, match=r"^drop=\['age', 'city'\] leaves no feature columns") as info:
        from_frame(frame()[["age", "city", "grade"]], "grade", drop=["age", "city"])
    # the command line's user reads the flag (it said "drop=[...]"): a DataError spells its fix for each interface
    assert info.value.render(lambda key, value: f"--{key} {','.join(value)}").startswith("--drop age,city leaves")
    with pytest.raises(ValueError, match=r"features=\['age', 'cty'\]: 'cty' is not a column; did you mean 'city'\?"):
        from_frame(frame(), "grade", features=["age", "cty"])
    # a name with spaces at its ends: the advice is the whole option, for the command line to quote it
    with pytest.raises(DataError, match=r"'trail' is not a column; did you mean features=\['trail ', 'age'\]\?"):
        from_frame(frame().rename(columns={"city": "trail "}), "grade", features=["trail", "age"])
    with pytest.raises(ValueError, match=r"features=\['age', 'grade'\] lists the target column 'grade'"):
        from_frame(frame(), "grade", features=["age", "grade"])
    with pytest.raises(ValueError, match=r"features='age' must be a list of column names, e.g. features=\['age'\]"):
        from_frame(frame(), "grade", features="age")
    with pytest.raises(ValueError, match=r"drop='age, city' must be a list of column names, e.g. "
                                         r"drop=\['age', 'city'\]$"):  # its advice, read as one name, was refused
        from_frame(frame(), "grade", drop="age, city")
    with pytest.raises(ValueError, match=r"categorical=\['city'\] lists 'city', which is not one of the features"):
        from_frame(frame(), "grade", features=["age"], categorical=["city"])


def test_too_many_categories():
    df = pd.DataFrame({"user": [f"u{i:03d}" for i in range(150)] * 2, "x": np.arange(300.0), "t": [0, 1] * 150})
    with pytest.raises(
        ValueError,
        match=r"column 'user' is categorical with 150 distinct values, more than the 100 allowed.*"
        r"identifier \(ID\) column. Leave it out with drop=\['user'\], or raise max_categories=150 if",
    ):
        from_frame(df, "t")
    assert from_frame(df, "t", features=["x"]).n_features == 1
    assert from_frame(df, "t", max_categories=150).n_features == 151
    with pytest.raises(ValueError, match=r"'x' is categorical with 300 distinct values, more than the 10 allowed"):
        from_frame(df, "t", features=["x"], categorical=["x"], max_categories=10)


def test_infinite_and_overflowing_values():
    df = frame().assign(score=[1.5, 2.0, np.inf, -np.inf])
    with pytest.raises(
        ValueError, match=r"column 'score' has an infinite value \(inf\) at row 2; 2 of 4 rows have infinite values"
    ):
        from_frame(df, "grade")
    with pytest.raises(ValueError, match=r"column 'score' has an infinite value \(inf\) at row 2"):
        from_frame(df, "score")  # the target too
    big = frame().assign(score=[1.5, 1e39, 3.5, 0.5])
    with pytest.raises(ValueError, match=r"'score' has the value 1e\+39 at row 1, which overflows torch.float32"):
        from_frame(big, "grade")
    assert from_frame(big, "grade", features=USED, dtype=torch.float64).x[1, -1].item() == 1e39


def test_bad_options():
    with pytest.raises(ValueError, match=r"frame must be a pandas DataFrame, not dict"):
        from_frame({"a": [1, 2]}, "a")
    with pytest.raises(ValueError, match=r"kind='clustering' is not allowed"):
        from_frame(frame(), "grade", "clustering")
    with pytest.raises(ValueError, match=r"dtype=torch.int64 is not allowed; give a floating-point torch dtype"):
        from_frame(frame(), "grade", dtype=torch.int64)
    with pytest.raises(ValueError, match=r"max_categories=0 is out of range"):
        from_frame(frame(), "grade", max_categories=0)
    with pytest.raises(ValueError, match=r"the DataFrame has no rows"):
        from_frame(frame().iloc[:0], "grade")
    with pytest.raises(ValueError, match=r"column 'when' has dtype datetime64.*categorical=\['when'\]"):
        from_frame(frame().assign(when=pd.Timestamp("2024-01-01")), "grade")


# ---------------------------------------------------------------------------------------------------------------
# Errors: from_csv names the file and the line (the header is line 1)
# ---------------------------------------------------------------------------------------------------------------


def test_csv_missing_value_names_file_row_and_line(tmp_path):
    # Line 1 header, line 2 row 0, line 3 blank (skipped by pandas), lines 4-5 row 1 (a quoted line break),
    # line 6 row 2 with the empty field.
    path = write(tmp_path, 'a,b,t\n1,x,p\n\n2,"y\nz",q\n3,,p\n')
    with pytest.raises(
        ValueError,
        match=r"^CSV file '.*data\.csv': column 'b' has a missing value \(an empty field\) at row 2 \(line 6\); "
        r"1 of 3 rows has missing values .*drop those rows with dropna=True, leave out the column with drop=\['b'\]",
    ):
        from_csv(path, "t")
    # Empty strings kept by keep_default_na=False are missing values too.
    with pytest.raises(ValueError, match=r"column 'b' has a missing value .* at row 2 \(line 6\)"):
        from_csv(path, "t", keep_default_na=False)
    # With read_csv options that move lines, only the row label is given.
    with pytest.raises(ValueError, match=r"column 'b' has a missing value \(an empty field\) at row 1; "):
        from_csv(path, "t", skiprows=[1])
    # "None" in a text column is read as missing: the error says the text (it said "NA" alone, then the texts
    # that may have been)
    none = write(tmp_path, "a,b,t\n1,yes,p\n2,None,q\n3,no,p\n")
    with pytest.raises(ValueError, match=r"column 'b' has a missing value \(the text 'None', which reads as a "
                                         r"missing value, as do an empty field, NA, N/A, null, NaN, \.\.\.\) at row 1"):
        from_csv(none, "t")


def test_csv_value_errors_name_the_line(tmp_path):
    path = write(tmp_path, "x,t\n1,a\n2,b\ninf,a\n")
    with pytest.raises(ValueError, match=r"data\.csv': column 'x' has an infinite value \(inf\) at row 2 \(line 4\)"):
        from_csv(path, "t")
    # the fix, in the options of the file's reading (dropna alone keeps an infinite value: it is not missing)
    path = write(tmp_path, "x,t\n1,a\n2,b\ninf,a\n-inf,b\n" + "".join(f"{i % 7 + 0.5},{'ab'[i % 2]}\n" for i in range(12)))
    with pytest.raises(DataError, match=r"to drop those rows read them as missing with na_values=\['-inf', 'inf'\] "
                                        r"and dropna=True"):
        from_csv(path, "t", dropna=True)
    assert from_csv(path, "t", na_values=["-inf", "inf"], dropna=True).dropped == 2
    path = write(tmp_path, "x,t\n1,2.5\n2,oops\n3,1\n")
    with pytest.raises(
        ValueError, match=r"data\.csv': target column 't' has the non-numeric value 'oops' at row 1 \(line 3\)"
    ):
        from_csv(path, "t", "regression")


def test_csv_column_errors_name_the_file(mixed):
    with pytest.raises(ValueError, match=r"^CSV file '.*mixed\.csv': target='grad' is not a column.*'grade'"):
        from_csv(mixed, "grad")
    with pytest.raises(ValueError, match=r"mixed\.csv': features=\['ages'\]: 'ages' is not a column.*did you mean 'age'"):
        from_csv(mixed, "grade", features=["ages"])
    with pytest.raises(ValueError, match=r"mixed\.csv': .*the names are not split into columns; the separator is "
                                         r"probably ',': read it with sep=','"):
        from_csv(mixed, "grade", sep=";")
    with pytest.raises(ValueError, match=r"mixed\.csv': target column 'grade' has 3 distinct values"):
        from_csv(mixed, "grade", "binary")


def test_csv_file_errors(tmp_path, mixed):
    with pytest.raises(ValueError, match=r"CSV file '.*mixd\.csv' does not exist; did you mean '.*/mixed\.csv'\?"):
        from_csv(tmp_path / "mixd.csv", "grade")
    with pytest.raises(ValueError, match=r"CSV file '.*nowhere.*' does not exist \(there is no directory"):
        from_csv(tmp_path / "nowhere" / "data.csv", "grade")
    with pytest.raises(ValueError, match=r"is a directory, not a file; CSV files in it: 'mixed\.csv'"):
        from_csv(tmp_path, "grade")
    with pytest.raises(ValueError, match=r"CSV file '.*empty\.csv' has no data rows: the file is empty \(0 bytes\)"):
        from_csv(write(tmp_path, "", "empty.csv"), "grade")
    with pytest.raises(ValueError, match=r"CSV file '.*blank\.csv' has no data rows"):
        from_csv(write(tmp_path, "\n\n", "blank.csv"), "grade")
    with pytest.raises(ValueError, match=r"CSV file '.*header\.csv' has no data rows, only a header \(a, b, t\)"):
        from_csv(write(tmp_path, "a,b,t\n", "header.csv"), "t")
    with pytest.raises(ValueError, match=r"CSV input has no data rows"):
        from_csv(io.StringIO(""), "t")
    with pytest.raises(ValueError) as info:
        from_csv(write(tmp_path, "a,b\n1,2\n3,4,5,6\n", "bad.csv"), "b")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("CSV file '") and "bad.csv' could not be parsed as CSV: " in message
    assert "Expected 2 fields in line 3, saw 4" in message
    latin = tmp_path / "latin.csv"
    latin.write_bytes("a,t\n1,\xe9\n2,\xe8\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin\.csv' is not UTF-8 text: byte 0xe9 at position 6 \(line 2\) is not "
                                         r"valid utf-8; .* read it with encoding='latin-1'$"):
        from_csv(latin, "t")
    assert from_csv(latin, "t", encoding="latin-1").classes == ("è", "é")
    with pytest.raises(ValueError, match=r"chunksize=2 is not supported"):
        from_csv(mixed, "grade", chunksize=2)
    with pytest.raises(ValueError, match=r"path=3 must be a file path or an open file"):
        from_csv(3, "grade")


# ---------------------------------------------------------------------------------------------------------------
# load_sklearn
# ---------------------------------------------------------------------------------------------------------------

SKLEARN = {
    # name: (loader, m, D, kind, classes, target name, first feature name)
    "digits": ("load_digits", 1797, 64, "multiclass", tuple(range(10)), "digit", "pixel_0_0"),
    "breast-cancer": ("load_breast_cancer", 569, 30, "binary", ("malignant", "benign"), "diagnosis", "mean radius"),
    "diabetes": ("load_diabetes", 442, 10, "regression", None, "progression", "age"),
    "wine": ("load_wine", 178, 13, "multiclass", ("class_0", "class_1", "class_2"), "cultivar", "alcohol"),
    "iris": ("load_iris", 150, 4, "multiclass", ("setosa", "versicolor", "virginica"), "species", "sepal length (cm)"),
}


@pytest.mark.parametrize("name", SKLEARN)
def test_load_sklearn(name):
    sklearn_datasets = pytest.importorskip("sklearn.datasets")
    loader, m, d, kind, classes, target, first = SKLEARN[name]
    bunch = getattr(sklearn_datasets, loader)()
    ds = load_sklearn(name, dtype=torch.float64)
    assert (len(ds), ds.n_features, ds.kind, ds.classes, ds.target_name) == (m, d, kind, classes, target)
    assert ds.feature_names[0] == first and ds.feature_names == tuple(str(n) for n in bunch.feature_names)
    assert np.array_equal(ds.x.numpy(), bunch.data)
    assert np.array_equal(ds.y.numpy(), bunch.target)
    if classes is not None:
        assert ds.n_classes == len(classes) == len(np.unique(bunch.target))
        assert ds.y.dtype == (torch.int64 if kind == "multiclass" else torch.float64)
    single = load_sklearn(name)  # float32 by default: sklearn's values rounded once
    assert single.x.dtype == torch.float32
    assert torch.equal(single.x, torch.from_numpy(bunch.data).to(torch.float32))
    parts = split(single, validation=0.2, test=0.2, seed=0, standardize=True)
    assert len(parts.train) + len(parts.validation) + len(parts.test) == m
    assert parts.train.kind == kind and parts.mean.shape == (d,)
    assert torch.isfinite(parts.train.x).all() and torch.isfinite(parts.test.x).all()


def test_sklearn_catalogue_and_names():
    assert list(SKLEARN_DATASETS) == list(SKLEARN)
    for name, line in SKLEARN_DATASETS.items():
        assert isinstance(line, str) and "\n" not in line and str(SKLEARN[name][1]) in line
    assert load_sklearn("breast_cancer").classes == ("malignant", "benign")
    with pytest.raises(ValueError, match=r"unknown data set 'irsi'; did you mean 'iris'\? \(choose one of 'digits'"):
        load_sklearn("irsi")
    with pytest.raises(ValueError, match=r"name=5 must be a string"):
        load_sklearn(5)
    with pytest.raises(ValueError, match=r"dtype=torch.int32 is not allowed; give a floating-point torch dtype"):
        load_sklearn("iris", dtype=torch.int32)


# ---------------------------------------------------------------------------------------------------------------
# Errors an option fixes: DataError names the option, in the words of the interface (tests/cli: --flags)
# ---------------------------------------------------------------------------------------------------------------


def test_a_file_that_is_not_text_is_not_called_an_encoding_problem(tmp_path):
    binary = tmp_path / "data.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match=r"data\.csv' is not a text file: it holds binary data \(a zero byte at byte "
                                         r"0\)") as info:
        from_csv(binary, "t")
    assert "encoding" not in str(info.value)
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ValueError, match=r"sheet\.csv' is not a CSV file but a ZIP archive \(an Excel \.xlsx"):
        from_csv(sheet, "t")
    wide = tmp_path / "wide.csv"
    wide.write_bytes("a,t\n1,x\n2,y\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"wide\.csv' is UTF-16 text .*read it with encoding='utf-16'"):
        from_csv(wide, "t")
    assert from_csv(wide, "t", encoding="utf-16").classes == ("x", "y")


def test_windows_1252_is_suggested_for_its_own_bytes(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes("a,t\n1,\u201cyes\u201d\n2,no\n".encode("cp1252"))
    with pytest.raises(DataError, match=r"read it with encoding='cp1252'$"):
        from_csv(path, "t")
    assert from_csv(path, "t", encoding="cp1252").classes == ("no", "\u201cyes\u201d")


def test_the_separator_is_guessed_from_the_first_line(tmp_path):
    path = write(tmp_path, "a;b;t\n1;2;x\n3;4;y\n", "semi.csv")
    with pytest.raises(DataError, match=r"its one column is 'a;b;t'.*separator is probably ';': read it with "
                                        r"sep=';'$") as info:
        from_csv(path, "t")
    assert info.value.render(lambda key, value: f"--{key} {value}").endswith("read it with --sep ;")
    assert from_csv(path, "t", sep=";").feature_names == ("a", "b")
    ragged = write(tmp_path, "a|b|t\n1|2|x\n3|4|y,z,w\n", "pipes.csv")
    with pytest.raises(DataError, match=r"could not be parsed as CSV: .*'\|' between names.*sep='\|'$"):
        from_csv(ragged, "t")


def test_a_missing_file_is_matched_by_its_path_not_by_unrelated_names(tmp_path):
    folder = tmp_path / "bad"
    folder.mkdir()
    for name in ("latin1.csv", "one.csv", "cls.csv", "n6.csv"):
        (folder / name).write_text("a,t\n1,x\n")
    for given in ("bad/latn1.csv", "bda/latin1.csv", "bda/latn1.csv", "bad/LATIN1.csv", "bad/latin1.txt"):
        with pytest.raises(ValueError) as info:
            from_csv(tmp_path / given, "t")
        assert f"did you mean {str(folder / 'latin1.csv')!r}?" in str(info.value), (given, str(info.value))
        assert "one.csv" not in str(info.value) and "cls.csv" not in str(info.value)
    with pytest.raises(ValueError) as info:
        from_csv(folder / "n20.csv", "t")
    assert "did you mean" not in str(info.value)


def test_id_columns_and_id_targets_are_refused_with_the_option_that_fixes_them(tmp_path):
    m = 40
    df = pd.DataFrame({"id": [f"A{i:04d}" for i in range(m)], "x": np.linspace(0, 1, m),
                       "label": np.arange(m), "y": np.linspace(0, 1, m) * 2 + 0.5})
    with pytest.raises(DataError, match=r"column 'id' has a different text in every row \(40 of 40.*identifier "
                                        r"\(ID\).*leave it out with drop=\['id'\]$"):
        from_frame(df, "y")
    with pytest.raises(DataError, match=r"column 'label' numbers the rows \(0 to 39, each once\): it looks like an "
                                        r"identifier \(ID\) or row number.*leave it out with drop=\['label'\] \(a "
                                        r"number that predicts, such as a day, is used where the features are "
                                        r"named: features=\['x', 'label'\]\)$"):
        from_frame(df, "y", drop=["id"])
    assert from_frame(df, "y", drop=["id", "label"]).feature_names == ("x",)
    gaps = df.assign(x=np.where(np.arange(m) % 7 == 3, np.nan, df["x"]))  # dropna leaves rows 0-2, 4-9, 11-...
    with pytest.raises(DataError, match=r"column 'label' numbers the rows \(0 to 39, each once\)"):
        from_frame(gaps, "y", drop=["id"], dropna=True)  # it was a feature once the rows with gaps were dropped
    assert from_frame(df.assign(label=np.arange(m) + 1990), "y", drop=["id"]).feature_names == ("x", "label")
    with pytest.raises(DataError, match=r"target column 'label' has a different value in every row \(40 classes for "
                                        r"40 rows.*to predict it as a number, use kind='regression'$"):
        from_frame(df, "label", drop=["id"])
    assert from_frame(df, "label", "regression", drop=["id"]).kind == "regression"
    with pytest.raises(ValueError, match=r"give features= \(the columns to use\) or drop="):
        from_frame(df, "y", features=["x"], drop=["id"])
    with pytest.raises(ValueError, match=r"drop=\['ids'\]: 'ids' is not a column.*did you mean 'id'"):
        from_frame(df, "y", drop=["ids"])
    # a CSV task's data_seed in its own name (it said "seed=-1 is out of range", the split's)
    from descend.tasks.real import from_csv as csv_task

    df.to_csv(tmp_path / "ids.csv", index=False)
    with pytest.raises(ValueError, match=r"^data_seed=-1 is not allowed; a whole number >= 0 is required$"):
        csv_task(tmp_path / "ids.csv", "y", drop=["id", "label"], data_seed=-1)
    # named in features=, a column that numbers the rows is the user's choice (a day 1..n predicting a trend): it
    # was refused with the advice to drop it, which left no feature
    trend = pd.DataFrame({"day": np.arange(1, 13), "sales": 10 + 2.5 * np.arange(1, 13)})
    assert from_frame(trend, "sales", features=["day"]).feature_names == ("day",)
    with pytest.raises(DataError, match=r"column 'day' numbers the rows \(1 to 12, each once\)"):
        from_frame(trend, "sales")


def test_a_constant_regression_target_is_refused():
    df = pd.DataFrame({"x": np.arange(20.0), "y": np.full(20, 3.0)})
    with pytest.raises(DataError, match=r"target column 'y' has the same value \(3\) in every one of the 20 rows: "
                                        r"there is nothing to learn"):
        from_frame(df, "y")
    with pytest.raises(DataError, match=r"single class \(3\.0 in every row\).*nothing to learn"):
        from_frame(df, "y", "classification")


def test_kind_classification_is_binary_or_multiclass_by_the_classes():
    df = pd.DataFrame({"x": np.arange(12.0), "two": [0.0, 1.0] * 6, "three": [1.0, 2.0, 3.0] * 4})
    assert from_frame(df, "two", "classification", features=["x"]).kind == "binary"
    assert from_frame(df, "three", "classification", features=["x"]).kind == "multiclass"
    assert from_frame(df, "three", features=["x"]).kind == "regression"  # decimals: a number to predict


def test_dropna_drops_the_rows_with_missing_values_and_keeps_the_lines(tmp_path):
    path = write(tmp_path, "a,b,t\n1,,x\n2,3,y\n4,5,x\n,7,y\n8,9,x\n")
    ds = from_csv(path, "t", dropna=True)
    assert len(ds) == 3 and ds.dropped == 2 and ds.x[:, 0].tolist() == [2.0, 4.0, 8.0]
    with pytest.raises(ValueError, match=r"dropna=True would leave no rows"):
        from_csv(write(tmp_path, "a,t\n,x\n,y\n", "empty.csv"), "t", dropna=True)
    later = write(tmp_path, "a,t\n,x\n1,y\n2,zz\n3,x\n", "later.csv")
    with pytest.raises(ValueError, match=r"dropna=3 must be True or False"):
        from_csv(later, "t", dropna=3)


def test_a_data_error_pickles_and_renders_its_fixes_either_way():
    import pickle

    err = DataError("missing values: drop them with ⟨dropna⟩ or leave out ⟨drop⟩",
                    {"dropna": ("dropna", True), "drop": ("drop", ["a", "b"])})
    assert str(err) == "missing values: drop them with dropna=True or leave out drop=['a', 'b']"
    assert err.render(lambda k, v: f"--{k}") == "missing values: drop them with --dropna or leave out --drop"
    again = pickle.loads(pickle.dumps(err))
    assert str(again) == str(err) and again.fixes == err.fixes


def test_numbers_in_disguise_are_refused_with_what_reads_them():
    """Text that is numbers was one-hot encoded or read as classes without a word: numbers with a decimal comma
    (a European spreadsheet's export), numbers with a stray 'n/a', whole numbers with a class per price."""
    g = np.random.default_rng(0)
    euro = "x;price\n" + "".join(f"{v:.3f};{100 + 10 * v:.2f}\n".replace(".", ",") for v in g.normal(size=30))
    with pytest.raises(DataError, match=r"CSV input: column 'price' holds numbers written with a decimal comma "
                                        r"\('.*' at row 0 "
                                        r"\(line 2\)\), which would be read as text: read the file with "
                                        r"decimal=','$"):
        from_csv(io.StringIO(euro), "price", sep=";")
    read = from_csv(io.StringIO(euro), "price", sep=";", decimal=",")
    assert read.kind == "regression" and read.feature_names == ("x",)
    with pytest.raises(DataError, match=r"column 'price' holds numbers written with a decimal comma"):
        from_csv(io.StringIO(euro), "price", "regression", sep=";", decimal=".")  # said as a regression target
    commas = pd.DataFrame({"x": ["0,5", "1,25", "2,0"] * 4, "y": np.arange(12.0)})
    with pytest.raises(DataError, match=r"column 'x' holds numbers written with a decimal comma"):  # a feature
        from_frame(commas, "y")
    thousands = pd.DataFrame({"x": ["12,500", "1,250", "980,000"] * 4, "y": np.arange(12.0)})  # which comma?
    with pytest.raises(DataError, match=r"column 'x' holds numbers written with a comma \('12,500' at row 0\), .* "
                                        r"if the comma separates thousands \(12,500 = 12500\), read the file with "
                                        r"thousands=','; if it is the decimal mark, with decimal=','$"):
        from_frame(thousands, "y")
    decimals = pd.DataFrame({"x": ["0,125", "1,250", "-0,500"] * 4, "y": np.arange(12.0)})  # 0,125: a decimal comma
    with pytest.raises(DataError, match=r"column 'x' holds numbers written with a decimal comma"):
        from_frame(decimals, "y")

    rows = [f"{v:.1f},{w:.2f},{'ab'[i % 2]}" for i, (v, w) in enumerate(g.normal(size=(40, 2)))]
    rows[3] = "n/a ," + rows[3].split(",", 1)[1]
    with pytest.raises(DataError, match=r"column 'x' holds numbers except 'n/a ' \(1 of 40 rows, the first at row "
                                        r"3 \(line 5\)\), so it would be read as text: fix those cells, or empty "
                                        r"them .*dropna=True drops its row\), or leave the column out with "
                                        r"drop=\['x'\]$"):
        from_csv(io.StringIO("x,w,label\n" + "\n".join(rows) + "\n"), "label")
    text = frame().assign(city=["Oslo", "Rome", "Oslo", "Paris"])  # a text column is still one-hot encoded
    assert "city=Oslo" in from_frame(text, "result", features=["city"]).feature_names

    prices = pd.DataFrame({"x": g.normal(size=200), "price": (g.normal(size=200) * 30 + 200).astype(int)})
    with pytest.raises(DataError, match=r"target column 'price' holds whole numbers with \d+ distinct values in 200 "
                                        r"rows .* read as \d+ classes: to predict it as a number use "
                                        r"kind='regression', to keep the classes kind='classification'$"):
        from_frame(prices, "price")
    assert from_frame(prices, "price", "regression").kind == "regression"
    assert from_frame(prices, "price", "classification").kind == "multiclass"
    digits = pd.DataFrame({"x": g.normal(size=200), "digit": np.arange(200) % 10})
    assert from_frame(digits, "digit").kind == "multiclass"  # ten classes are classes


def test_labels_that_differ_only_by_spaces_or_case_and_repeated_header_names_are_refused():
    df = pd.DataFrame({"x": np.arange(8.0), "bought": ["Yes", "yes ", "No", "no"] * 2})
    with pytest.raises(DataError, match=r"target column 'bought' has labels that differ only by spaces or case "
                                        r"\('No', 'no'; 'Yes', 'yes '\), which would be separate classes"):
        from_frame(df, "bought")
    text = "x,x,z,y\n" + "".join(f"{i},{i * 2},{i % 3},{i / 7:.3f}\n" for i in range(20))
    with pytest.raises(ValueError, match=r"CSV input names the columns 'x' more than once \(pandas would read them "
                                         r"as 'x', 'x.1'\): give each column its own name in the header"):
        from_csv(io.StringIO(text), "y")


def test_dropna_keeps_a_column_of_whole_numbers_whole(tmp_path):
    """A class column with an empty cell is read as floats (pandas' NaN); once that row is dropped it was read as a
    regression target, the kind inferred before the drop."""
    path = write(tmp_path, "x,label\n" + "".join(f"{i / 10},{i % 3}\n" for i in range(30)) + "0.5,\n")
    ds = from_csv(path, "label", dropna=True)
    assert ds.kind == "multiclass" and ds.classes == (0, 1, 2) and ds.dropped == 1
    binary = write(tmp_path, "x,y\n" + "".join(f"{i / 4},{i % 2}\n" for i in range(20)) + "3,\n", "binary.csv")
    assert from_csv(binary, "y", dropna=True).kind == "binary"
    prices = write(tmp_path, "x,y\n" + "".join(f"{i / 4},{i * 1.5}\n" for i in range(20)) + "3,\n", "prices.csv")
    assert from_csv(prices, "y", dropna=True).kind == "regression"  # not whole numbers: still a number


def test_dropna_that_leaves_no_rows_names_the_empty_columns():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "empty": [None, None, None], "t": ["x", "y", "x"]})
    with pytest.raises(ValueError, match=r"column 'empty' is empty.*leave it out with drop=\['empty'\]"):
        from_frame(frame, "t", dropna=True)


def test_thousands_separators_are_named_and_read_with_thousands(tmp_path):
    """'347.275,16' read with decimal=',' was refused with "read the file with decimal=','", which it was."""
    euro = write(tmp_path, "area;price\n" + "".join(f"{100 + i},5;{i + 1}.{275 + i:03d},16\n" for i in range(12)),
                 "euro.csv")
    for given in ({}, {"decimal": ","}):
        with pytest.raises(ValueError, match=r"column 'price' holds numbers written with '\.' between thousands "
                                             r"\('1\.275,16' at row 0 \(line 2\)\), which would be read as text: read "
                                             r"the file with decimal=',' thousands='\.'"):
            from_csv(euro, "price", sep=";", **given)
    ds = from_csv(euro, "price", sep=";", decimal=",", thousands=".")
    assert ds.y[:2].tolist() == pytest.approx([1275.16, 2276.16])
    # a price under 1,000 has no separator: with it, the column was said to hold decimal commas, read with
    # decimal=',' (given or not) and refused again with the same advice
    under = write(tmp_path, "area;price\n407,5;407,96\n" + "".join(f"{100 + i},5;{i + 1}.{275 + i:03d},16\n"
                                                                   for i in range(11)), "under.csv")
    for given in ({}, {"decimal": ","}):
        with pytest.raises(ValueError, match=r"column 'price' holds numbers written with '\.' between thousands "
                                             r"\('1\.275,16' at row 1 \(line 3\)\), .* read the file with "
                                             r"decimal=',' thousands='\.'"):
            from_csv(under, "price", sep=";", **given)
    assert from_csv(under, "price", sep=";", decimal=",", thousands=".").y[:2].tolist() == pytest.approx(
        [407.96, 1275.16])
    us = write(tmp_path, "area,price\n" + "".join(f"{100 + i},\"{i + 1},{275 + i:03d}.5\"\n" for i in range(12)),
               "us.csv")
    with pytest.raises(ValueError, match=r"with ',' between thousands .* read the file with thousands=','"):
        from_csv(us, "price")
    assert from_csv(us, "price", thousands=",").y[0].item() == pytest.approx(1275.5)
    with pytest.raises(ValueError, match=r"thousands=',' and decimal=',' name the same character"):
        from_csv(us, "price", thousands=",", decimal=",")


def test_a_name_with_a_comma_split_on_the_way_and_a_file_without_header_are_said(tmp_path):
    path = write(tmp_path, '"size, m2",city,price\n' + "".join(f"{30 + i},{'AB'[i % 2]},{100 + 3 * i}\n"
                                                             for i in range(12)))
    with pytest.raises(DataError, match=r"drop=\['size', 'm2'\]: 'size' is not a column; the column 'size, m2' holds "
                                        r"a comma, which separates the names: give it as drop=\['size, m2'\]"):
        from_csv(path, "price", drop=["size", "m2"])
    bare = write(tmp_path, "".join(f"{(i + 1) / 7:.3f},{(i + 2) / 3:.3f},{i:.1f}\n" for i in range(12)), "bare.csv")
    with pytest.raises(DataError, match=r"its first line holds numbers, so the file seems to have no header"):
        from_csv(bare, "y")
    zeros = write(tmp_path, "".join(f"{i / 7:.3f},{i / 3:.3f},{i:.1f}\n" for i in range(12)), "zeros.csv")
    with pytest.raises(ValueError, match=r"names the columns '0\.000' more than once \(pandas would read them as "
                                         r"'0\.000', '0\.000\.1'\): its first line holds numbers"):
        from_csv(zeros, "y")


def test_a_text_target_of_classes_seen_once_or_twice_asks_for_kind():
    """Accepted silently (0 % accuracy), where the same classes written as whole numbers asked for kind=."""
    frame = pd.DataFrame({"x": np.arange(60) / 7, "label": [f"c{i % 50}" for i in range(60)]})
    with pytest.raises(DataError, match=r"target column 'label' holds 50 classes in 60 rows .* too few for a "
                                        r"classifier to learn them .* use kind='classification'"):
        from_frame(frame, "label")
    assert from_frame(frame, "label", "classification").kind == "multiclass"
    few = pd.DataFrame({"x": np.arange(60) / 7, "label": [f"c{i % 20}" for i in range(60)]})  # three rows each
    assert from_frame(few, "label").kind == "multiclass"


def test_a_column_float32_cannot_tell_apart_is_refused_with_the_fix():
    """300 times in seconds since 1970, within five minutes, were read in float32 before being standardised: they
    became 3 values, without a word, and the model learnt from those."""
    k = np.random.default_rng(0).permutation(300).astype(float)
    df = pd.DataFrame({"t": 1.7e9 + k, "z": np.linspace(-1, 1, 300), "y": k / 100})
    with pytest.raises(ValueError, match=r"column 't' has 300 distinct values, which float32 reads as 3 \(values near "
                                         r"1\.7e\+09 .*subtract a value from the column first \(such as 1\.7e\+09"):
        from_frame(df, "y")
    assert from_frame(df, "y", dtype=torch.float64).x[:, 0].unique().numel() == 300
    assert from_frame(df.assign(t=k), "y").x[:, 0].unique().numel() == 300  # the fix it names


def test_numbers_written_with_a_currency_or_percent_sign_are_named(tmp_path):
    """'$102.49' prices were refused as an identifier with the advice to predict another column (the user's
    target), and a column of '12%' as an identifier to drop."""
    rows = [(50 + 3 * i, 100 + 7 * (i % 9) + 0.25 * i, (i * 7) % 30 + 1) for i in range(60)]
    prices = write(tmp_path, "size,price,share\n" + "".join(f"{a},${b:.2f},{c}%\n" for a, b, c in rows), "p.csv")
    with pytest.raises(ValueError, match=r"column 'price' holds numbers written with '\$' \('\$100\.00' at row 0 "
                                         r"\(line 2\)\), which would be read as text: remove '\$' from its cells"):
        from_csv(prices, "price")
    with pytest.raises(ValueError, match=r"column 'share' holds numbers written with '%' \('1%' at row 0"):
        from_csv(prices, "size", kind="regression", drop=["price"])


def test_what_an_export_writes_is_read_as_it_is_meant():
    """Four files read without a word as something they are not: lines ending in a separator shifted every column
    one place; 89 whole-number prices in 1,000 rows (or 3, 5, 7, 11, 13 dollars) were classes; a 0.0/1.0 column was
    a regression; an exported "Total" line dropped by dropna left its column of room counts one-hot encoded."""
    shifted = from_csv(io.StringIO("x1,x2,price\n1.5,2.5,3.5,\n-1.0,0.5,2.0,\n4.0,1.0,0.5,\n"), "price")
    assert shifted.feature_names == ("x1", "x2") and shifted.x[:, 0].tolist() == [1.5, -1.0, 4.0]
    assert shifted.y.tolist() == [3.5, 2.0, 0.5]
    rng = np.random.default_rng(0)
    prices = pd.DataFrame({"size": rng.normal(size=1000), "price": rng.integers(150, 250, 1000)})
    with pytest.raises(DataError, match=r"target column 'price' holds whole numbers with \d+ distinct values in 1000 "
                                        r"rows .* read as \d+ classes: to predict it as a number use"):
        from_frame(prices, "price")
    assert from_frame(prices, "price", kind="regression").kind == "regression"
    dollars = pd.DataFrame({"size": [0.5, 1.5] * 5, "price": [3, 5, 7, 11, 13] * 2})
    with pytest.raises(DataError, match=r"whole numbers 3, 5, 7, 11, 13, not classes numbered without gaps"):
        from_frame(dollars, "price")
    assert from_frame(dollars, "price", kind="classification").classes == (3, 5, 7, 11, 13)
    # each once, in fewer rows than an identifier's check needs: read as 5 classes of one row each, without a word
    with pytest.raises(DataError, match=r"whole numbers 3, 5, 7, 11, 13, not classes numbered without gaps"):
        from_frame(dollars.head(5), "price")
    assert from_frame(pd.DataFrame({"x": [0.5] * 6, "t": [1, 2, 3, 1, 2, 3]}), "t").kind == "multiclass"  # labels
    flags = from_csv(io.StringIO("x,label\n0.5,1.0\n1.5,0.0\n2.5,1.0\n"), "label")
    assert flags.kind == "binary" and flags.classes == ("0.0", "1.0") and flags.y.tolist() == [1.0, 0.0, 1.0]
    spaced = from_csv(io.StringIO("size, colour, price\n1, red, 2\n2, blue, 3\n3, red, 5\n"), "price",
                      kind="regression")
    assert spaced.feature_names == ("size", "colour=blue", "colour=red")
    footer = from_csv(io.StringIO("rooms,area,price\n3,70.5,200\n2,50.0,150\n4,90.0,260\nTotal,,610\n"), "price",
                      dropna=True, kind="regression")
    assert footer.feature_names == ("rooms", "area") and footer.encoded == () and footer.dropped == 1
    assert footer.x[:, 0].tolist() == [3.0, 2.0, 4.0]


def test_dropna_is_not_offered_when_every_row_has_a_missing_value():
    """An export whose lines end in a separator has an empty last column: --dropna was offered, and refused next."""
    text = "x;y;price;\n" + "".join(f"{i};{i % 3};{2 * i};\n" for i in range(12))
    with pytest.raises(DataError) as refused:
        from_csv(io.StringIO(text), "price", sep=";")
    message = str(refused.value)
    assert "dropna" not in message and "'Unnamed: 3'" in message and "the lines end in a separator" in message
    assert "leave out the empty column with drop=['Unnamed: 3'], or fill them in" in message


def test_a_features_categories_that_differ_only_by_spaces_or_case_are_refused_as_a_targets_are():
    """'red', 'red ' and 'Red' were three one-hot features without a word (in the target they were refused)."""
    text = "size,colour,price\n1,red,2\n2,red ,3\n3,Red,5\n4,blue,4\n"
    with pytest.raises(DataError, match=r"column 'colour' has values that differ only by spaces or case \('Red', "
                                        r"'red', 'red '\), which would be separate categories"):
        from_csv(io.StringIO(text), "price")


def test_thousands_written_with_a_space_are_named_and_read():
    """1 117,60 (a French export) was refused as an identifier, the fix --thousands ' ' never named."""
    text = "x;price\n-1,5;1 117,60\n0,5;1 420,00\n2,5;980,10\n1,0;1 050,00\n"
    with pytest.raises(DataError, match=r"column 'price' holds numbers written with ' ' between thousands "
                                        r"\('1 117,60' at row 0 \(line 2\)\)"):
        from_csv(io.StringIO(text), "price", sep=";", decimal=",")
    ds = from_csv(io.StringIO(text), "price", sep=";", decimal=",", thousands=" ")
    assert ds.y.tolist() == pytest.approx([1117.6, 1420.0, 980.1, 1050.0])
    from descend.compare_config import Config

    assert Config.from_dict({"csv": "a.csv", "column": "price", "thousands": "space"}).thousands == " "


def test_lines_with_more_fields_than_the_header_are_refused_unless_the_extra_fields_are_empty():
    """A row index without a name in the header (pandas' to_csv(index_label=False)) and an unquoted comma in a
    value were read one place off, the real target dropped with only pandas' warning: refused, naming the line.
    Lines that end in a separator (an empty extra field) are still read as meant."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x1": rng.normal(size=12), "x2": rng.normal(size=12), "y": rng.normal(size=12)})
    unnamed_index = frame.to_csv(index_label=False)
    assert unnamed_index.splitlines()[0] == "x1,x2,y" and unnamed_index.splitlines()[1].startswith("0,")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing of pandas' reaches the user: the error says it all
        with pytest.raises(ValueError, match=r"CSV input: line 2 has 4 fields where its header names 3 columns, "
                                             r"so the fields after the 3rd would be lost .* or a column of row "
                                             r"numbers without a name in the header"):
            from_csv(io.StringIO(unnamed_index), "y")
        text = "city,x,y\n" + "".join(f"Lyon, France,{i / 10},{i / 5}\n" for i in range(12))
        with pytest.raises(ValueError, match=r"line 2 has 4 fields .* a separator inside a value that is not in "
                                             r"double quotes"):
            from_csv(io.StringIO(text), "y")
        semicolons = "x1;x2;y\n" + "".join(f"0,{i};1,{i};2,{i}\n" for i in range(12))  # read with ','
        with pytest.raises(DataError, match=r"line 2 has 4 fields where its header names 1 column: its first line "
                                            r"has ';' between names, so the separator is probably that"):
            from_csv(io.StringIO(semicolons), "y")
        quoted = "city,x,y\n" + "".join(f'"Lyon, France",{i / 10},{i / 5}\n' for i in range(12))
        assert from_csv(io.StringIO(quoted), "y").y.tolist() == pytest.approx([i / 5 for i in range(12)])


def test_a_column_of_numbers_with_a_missing_value_marker_is_refused_however_many_rows_hold_it(tmp_path):
    """'?' in 15 of 100 rows (UCI's missing value) made a 0/1 target three classes ('?' one of them), a numeric
    feature 49 one-hot columns and a regression target "85 classes": refused, with the option that reads it."""
    rng = np.random.default_rng(1)
    age = [("?" if i % 7 == 0 else str(int(v))) for i, v in enumerate(rng.integers(20, 70, 100))]
    label = [("?" if i % 6 == 0 else str(v)) for i, v in enumerate(rng.integers(0, 2, 100))]
    text = "age,x,label\n" + "".join(f"{a},{x:.3f},{b}\n" for a, x, b in zip(age, rng.normal(size=100), label))
    with pytest.raises(DataError) as refused:
        from_csv(io.StringIO(text), "x")
    message = str(refused.value)
    assert "column 'age' holds numbers except '?' (15 of 100 rows" in message
    assert "seems to mark a missing value" in message and "na_values=['?']" in message
    with pytest.raises(DataError, match=r"column 'label' holds numbers except '\?' \(17 of 100 rows.* the target"):
        from_csv(io.StringIO(text), "label", drop=["age"])
    ds = from_csv(io.StringIO(text), "label", na_values=["?"], dropna=True)
    assert ds.kind == "binary" and ds.classes == (0, 1) and ds.feature_names == ("age", "x")
    assert ds.dropped == sum(a == "?" or b == "?" for a, b in zip(age, label))
    # the command line's words: --na-values, kept in the configuration
    from descend.compare_config import Config

    path = tmp_path / "uci.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"read it as missing with --na-values '\?' \(then --dropna drops those"):
        Config.from_dict({"csv": str(path), "column": "x"}).resolved(names=Config.flags())
    config = Config.from_dict({"csv": str(path), "column": "label", "na_values": "?", "dropna": True})
    assert config.na_values == ("?",) and config.resolved()[1].kind == "binary"
    assert config.to_dict()["na_values"] == ["?"]


def test_thousands_written_with_a_no_break_space_are_named_and_read():
    """French spreadsheets write 110 923,00 with a no-break space; pandas' C engine ignored thousands='\\xa0'
    without a word (the column then refused as an identifier), and the error never named the option."""
    text = "surface;prix\n" + "".join(f"{60 + i};1{i}\u00a0923,00\n" for i in range(12))
    with pytest.raises(DataError, match=r"column 'prix' holds numbers written with a no-break space between "
                                        r"thousands"):
        from_csv(io.StringIO(text), "prix", sep=";", decimal=",")
    ds = from_csv(io.StringIO(text), "prix", sep=";", decimal=",", thousands="\u00a0")
    assert ds.y.tolist() == pytest.approx([float(f"1{i}923") for i in range(12)])
    from descend.compare_config import Config, _spelling

    assert Config.from_dict({"csv": "a.csv", "column": "prix", "thousands": "nbsp"}).thousands == "\u00a0"
    assert _spelling(Config.flags())("thousands", "\u00a0") == "--thousands nbsp"


def test_dropna_keeps_a_column_written_with_decimals_a_column_of_decimals():
    """1.0/2.0/3.0 is a regression target (decimals are regression), but the same file with one empty cell and
    dropna=True became three classes: the gap had made pandas read floats, and they were turned back into the
    whole numbers pandas would have read, whatever the file wrote."""
    rows = [(0.1 * i, f"{1 + i % 3}.0") for i in range(30)]
    whole = "x,score\n" + "".join(f"{x:.1f},{y}\n" for x, y in rows)
    gap = whole + "0.5,\n"
    assert from_csv(io.StringIO(whole), "score").kind == "regression"
    assert from_csv(io.StringIO(gap), "score", dropna=True).kind == "regression"
    labels = "x,score\n" + "".join(f"{x:.1f},{y[0]}\n" for x, y in rows) + "0.5,\n"  # written 1, 2, 3: classes
    assert from_csv(io.StringIO(labels), "score", dropna=True).kind == "multiclass"
    commas = "x;score\n" + "".join(f"{x:.1f}".replace(".", ",") + f";{y.replace('.', ',')}\n" for x, y in rows)
    assert from_csv(io.StringIO(commas + "0,5;\n"), "score", sep=";", decimal=",", dropna=True).kind == "regression"


def test_excel_s_separator_line_is_read_as_the_separator():
    """A first line "sep=;" (Excel's, naming the separator) was read as the header: the suggested --sep ';' then
    failed with "not a column (columns: sep=, Unnamed: 1)"."""
    text = "sep=;\nx1;x2;y\n" + "".join(f"{i / 10};{i % 3};{i / 5}\n" for i in range(12))
    for options in ({}, {"sep": ";"}):
        ds = from_csv(io.StringIO(text), "y", **options)
        assert ds.feature_names == ("x1", "x2") and ds.y.tolist() == pytest.approx([i / 5 for i in range(12)])


def test_a_column_bfloat16_cannot_tell_apart_is_refused_as_in_float16():
    """The check read the column in NumPy's type of the dtype, and NumPy has no bfloat16: 300 distinct values near
    5000 were refused in float16 and taken silently in bfloat16, which holds 2 of them (within 30 of 5000)."""
    k = np.random.default_rng(0).permutation(300).astype(float)
    df = pd.DataFrame({"t": 5000 + k / 10, "y": k / 100})
    for dtype, kept in ((torch.float16, 8), (torch.bfloat16, 2)):
        name = str(dtype).removeprefix("torch.")
        with pytest.raises(ValueError, match=rf"column 't' has 300 distinct values, which {name} reads as {kept} "):
            from_frame(df, "y", dtype=dtype)


def _spreadsheet(tmp_path, name: str, column: list[str], *, n: int = 60, sep: str = ",", encoding: str = "utf-8",
                 bom: bool = False) -> str:
    """A file of ``n`` rows: a feature ``x`` of plain numbers, the cells of ``column`` as a feature ``a``, and a
    target ``y``."""
    rng = np.random.default_rng(0)
    lines = [sep.join(("x", "a", "y"))] + [sep.join((f"{rng.normal():.3f}".replace(".", "," if sep == ";" else "."),
                                                     column[i % len(column)], str(i % 2))) for i in range(n)]
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode(encoding))
    return str(path)


@pytest.mark.parametrize("cells, options, said", [
    # a spreadsheet's error cell in a fifth of the rows: a missing value, not 40 one-hot features
    (["12.5", "#DIV/0!", "7.25", "3.5", "9.75"], {}, r"holds numbers except '#DIV/0!' .*na_values=\['#DIV/0!'\]"),
    # lab values below a detection limit in a third of them
    (["12.5", "<0.5", "7.25", "3.5", "<0.5", "9.75", "1.25", "8.5", "2.75"], {},
     r"holds numbers in 46 of 60 rows and text in the others \('<0.5', the first at row 1 .*one-hot"),
    (["\u221213.38", "4.5", "\u22122.25", "17.0", "\u22128.75"], {}, r"other characters around or in them .*U\+2212"),
    (["1'057.00", "12'500.50", "999.25", "2'000.75", "3'141.59"], {}, r"\"1'057.00\" at .*thousands=\"'\""),
    (["CHF 10.57", "CHF 3.20", "CHF 99.90", "CHF 12.00", "CHF 7.35"], {}, r"other characters around or in them"),
    (["(10.57)", "3.20", "(99.90)", "12.00", "7.35"], {}, r"other characters around or in them \('\(10.57\)'"),
    ([f"2024-03-{d:02d}" for d in range(1, 29)], {}, r"holds dates or times \('2024-03-01' .*each of its 28 values"),
    ([f"{h}:{m:02d}" for h in range(8, 18) for m in (0, 30)], {}, r"holds dates or times \('8:00'"),
    # German whole numbers with a point between thousands, read as decimals 1,000 times too small
    (["1.674", "805", "1.732", "1.026", "950"], {"sep": ";"}, r"'1.674' .* and '805' .*may separate thousands "
     r"\(1.674 = 1674\).*decimal=',' thousands='.'; if it is the decimal mark, say so with decimal='.'"),
])
def test_numbers_a_spreadsheet_wrote_as_text_are_refused_not_one_hot_encoded(tmp_path, cells, options, said):
    path = _spreadsheet(tmp_path, "sheet.csv", cells, sep=options.get("sep", ","))
    with pytest.raises(DataError, match=said):
        from_csv(path, "y", **options)


def test_what_the_refusals_ask_for_reads_the_file(tmp_path):
    """The fixes the refusals name read each file as meant: the thousands as thousands (or the point as the decimal
    mark, said), the error cells as missing values, the dates left out."""
    german = _spreadsheet(tmp_path, "de.csv", ["1.674", "805", "1.732", "1.026", "950"], sep=";")
    as_thousands = from_frame(pd.read_csv(german, sep=";", decimal=",", thousands="."), "y", kind="binary")
    read = from_csv(german, "y", sep=";", decimal=",", thousands=".")
    assert sorted(set(read.x[:, 1].tolist())) == [805.0, 950.0, 1026.0, 1674.0, 1732.0]
    assert torch.equal(read.x, as_thousands.x)
    points = _spreadsheet(tmp_path, "points.csv", ["1.674", "805", "1.732", "1.026", "950"])
    read = from_csv(points, "y", decimal=".", dtype=torch.float64)  # the point is the decimal mark, said so
    assert sorted(set(read.x[:, 1].tolist())) == [1.026, 1.674, 1.732, 805.0, 950.0]
    errors = _spreadsheet(tmp_path, "div.csv", ["12.5", "#DIV/0!", "7.25", "3.5", "9.75"])
    assert len(from_csv(errors, "y", na_values=["#DIV/0!"], dropna=True).x) == 48
    dates = _spreadsheet(tmp_path, "dates.csv", [f"2024-03-{d:02d}" for d in range(1, 29)])
    assert from_csv(dates, "y", drop=["a"]).feature_names == ("x",)


def test_a_utf8_file_with_its_byte_order_mark_read_with_another_encoding_is_told_so(tmp_path):
    path = _spreadsheet(tmp_path, "bom.csv", ["1.5", "2.5", "3.5"], bom=True)
    with pytest.raises(DataError, match=r"is UTF-8 text \(it starts with a UTF-8 byte order mark\), not cp1252: read "
                                        r"it with encoding='utf-8'"):
        from_csv(path, "y", encoding="cp1252")
    assert from_csv(path, "y").feature_names == ("x", "a")  # read as UTF-8, its mark is not in the first name


def test_lines_ending_in_separators_read_with_dropna_warn_nothing(tmp_path):
    """pandas' ParserWarning about the extra empty fields was printed with its source line, even under --quiet."""
    path = tmp_path / "trail.csv"
    path.write_text("x,a,y\n" + "".join(f"{i}.5,{i % 7}.25,{i % 2},,,\n" for i in range(40)) + ",,,,,\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(from_csv(path, "y", dropna=True).x) == 40


def test_a_spreadsheets_empty_columns_and_rows_are_fixed_in_one_go(tmp_path):
    """Lines ending in separators (three empty columns) and empty rows at the bottom, the most common export: the
    refusal named no flag ("leave out the columns that hold them"), and the fix took three runs."""
    path = tmp_path / "trail.csv"
    path.write_text("x,a,y,,,\n" + "".join(f"{i}.5,{i % 7}.25,{i % 2},,,\n" for i in range(40)) + ",,,,,\n" * 3)
    with pytest.raises(DataError, match=r"leave out the empty columns with drop=\['Unnamed: 3', 'Unnamed: 4', "
                                        r"'Unnamed: 5'\] and drop the 3 rows that still miss a value with dropna=True"):
        from_csv(path, "y")
    assert len(from_csv(path, "y", drop=["Unnamed: 3", "Unnamed: 4", "Unnamed: 5"], dropna=True).x) == 40


def test_a_number_that_does_not_group_its_digits_by_the_thousands_separator_is_refused():
    """pandas reads 145.5 with thousands='.' as 1455 (and 1.5 as 15), without a word."""
    text = "area;city;price\n1.145,5;Paris;3\n145.5;Nice;4\n2.000;Lyon;5\n"
    with pytest.raises(ValueError, match=r"column 'area' has '145.5' at row 1 \(line 3\), which does not group its "
                                         r"digits by three around the thousands separator '.' \(as 1.234,5 does\) "
                                         r"and would be read as 1455"):
        from_csv(io.StringIO(text), target="price", sep=";", decimal=",", thousands=".")
    ds = from_csv(io.StringIO(text.replace("145.5", "145,5")), target="price", sep=";", decimal=",", thousands=".")
    assert ds.x[:, 0].tolist() == [1145.5, 145.5, 2000.0]


def test_the_thousands_check_reads_only_the_columns_used_as_numbers():
    """A date a German file writes 01.02.2020, read with thousands='.', is a column left out (or one-hot encoded),
    not a number: refused once, as if it were one. Indian grouping (1,00,000) is grouping."""
    text = "datum;id;umsatz;preis\n01.02.2020;12.34;1.234,5;10,5\n15.03.2021;56.78;2.345,0;11,0\n"
    ds = from_csv(io.StringIO(text), target="preis", sep=";", decimal=",", thousands=".", drop=["datum"],
                  categorical=["id"])
    assert ds.feature_names == ("id=12.34", "id=56.78", "umsatz") and ds.x[:, 2].tolist() == [1234.5, 2345.0]
    with pytest.raises(ValueError, match=r"column 'datum' has '01.02.2020' at row 0 \(line 2\), .* would be read as "
                                         r"1022020"):
        from_csv(io.StringIO(text), target="preis", sep=";", decimal=",", thousands=".", drop=["id"])
    india = from_csv(io.StringIO('amount,y\n"1,00,000",1\n"12,34,567",2\n"1,234",3\n'), target="y", thousands=",")
    assert india.x[:, 0].tolist() == [100000.0, 1234567.0, 1234.0]


def test_a_point_in_a_file_of_decimal_commas_is_a_thousands_separator_not_a_decimal_mark(tmp_path):
    """With decimal=',' given, 1.050 among 75,3 was told to give decimal=',' (given already), in a loop."""
    text = "area;price\n75,3;1\n80,5;2\n1.050;3\n"
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(text), target="price", sep=";", decimal=",")
    assert "column 'area' holds numbers written with '.' between thousands ('1.050' at row 2 (line 4))" in str(
        e.value.render())
    assert e.value.fixes == {"thousands": ("thousands", "."), "decimal": ("decimal", ",")}


def test_a_utf8_file_read_as_latin1_is_told_so(tmp_path):
    path = tmp_path / "flowers.csv"
    path.write_bytes("size,species\n1.5,Sétosa\n2.5,Vérsicolor\n".encode("utf-8"))
    with pytest.raises(DataError, match=r"is UTF-8 text \(its letters beyond ASCII are UTF-8's sequences of bytes\), "
                                        r"not latin-1"):
        from_csv(path, target="species", encoding="latin-1")
    path.write_bytes("size,species\n1.5,Sétosa\n2.5,Vérsicolor\n".encode("latin-1"))
    assert from_csv(path, target="species", encoding="latin-1").classes == ("Sétosa", "Vérsicolor")


def test_what_the_new_reading_checks_leave_alone(tmp_path):
    """A missing value's marker with a point (k.A.) under thousands='.', a Latin-1 file whose last byte is a letter
    beyond ASCII, a file UTF-8 at its start and Latin-1 further on, UTF-8 by another name: read as before."""
    text = "Betrag;Menge;Klasse\n1.234,50;3;A\n2.000,00;4;B\n345,10;2;A\nk.A.;5;B\n"
    ds = from_csv(io.StringIO(text), target="Klasse", sep=";", decimal=",", thousands=".", na_values=["k.A."],
                  dropna=True)
    assert ds.x[:, 0].tolist() == pytest.approx([1234.5, 2000.0, 345.1]) and ds.dropped == 1
    last = tmp_path / "last.csv"
    last.write_bytes("x;ok;city\n1;yes;Lima\n2;no;Lima\n9;yes;Bogotá".encode("latin-1"))
    assert from_csv(last, target="ok", sep=";", encoding="latin-1").feature_names == ("x", "city=Bogotá",
                                                                                    "city=Lima")
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(("x,city\n" + "1,Köln\n" * 7000).encode("utf-8") + "2,Zürich\n".encode("latin-1"))
    assert "city=Zürich" in from_csv(mixed, target="x", encoding="latin-1").feature_names
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes("x,city\n1,München\n2,Köln\n".encode("utf-8"))
    for name in ("u8", "utf", "UTF_8"):
        assert from_csv(utf8, target="x", encoding=name).feature_names == ("city=Köln", "city=München")


def test_a_categorical_column_of_a_file_is_read_as_the_file_writes_its_values():
    """A code written as a number (a ZIP code 06000) listed in categorical= was one-hot encoded over the numbers
    pandas read (6000: the 0 lost, and 6000 and 06000 one value); now over the cells as written, spaces around them
    aside, a missing value still refused by name."""
    text = "zip,area,price\n06000,50,1\n 75001 ,60,2\n06000,70,3\n6000,80,4\n"
    ds = from_csv(io.StringIO(text), target="price", kind="regression", categorical=["zip"])
    assert ds.feature_names == ("zip=06000", "zip=6000", "zip=75001", "area")
    assert ds.x[:, :3].tolist() == [[1, 0, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert ds.columns == (("zip", ("06000", "6000", "75001")), ("area", None))
    # new rows matched as written, a data set whose codes are numbers (a DataFrame's) as read
    _, x = read_rows(io.StringIO("zip,area\n75001,1\n06000,2\n"), ds)
    assert x[:, :3].tolist() == [[0, 0, 1], [1, 0, 0]]
    numbers = from_frame(pd.DataFrame({"zip": [6000, 75001], "area": [1.0, 2.0], "price": [1.0, 2.0]}), "price",
                         "regression", categorical=["zip"])
    _, x = read_rows(io.StringIO("zip,area\n75001,1\n06000,2\n"), numbers)
    assert x[:, :2].tolist() == [[0, 1], [1, 0]]
    with pytest.raises(ValueError, match=r"column 'zip' has a missing value .* at row 1 \(line 3\)"):
        from_csv(io.StringIO("zip,area,price\n06000,50,1\n,60,2\n"), target="price", kind="regression",
                 categorical=["zip"])
    with pytest.raises(DataError, match=r"categorical=\['zip'\] lists 'zip', which is not one of the features"):
        from_csv(io.StringIO(text), target="price", kind="regression", features=["area"], categorical=["zip"])


def test_the_checks_of_numbers_leave_alone_the_columns_not_read_as_numbers():
    """With decimal=',' a column whose cells are all written with a point (a version 1.5, a code 3.1) was refused as
    numbers with a decimal point, even when it was left out or read as categories."""
    text = "version;size;y\n1.5;2,5;1,0\n2.5;3,5;2,0\n1.5;4,0;3,5\n"
    with pytest.raises(DataError, match=r"column 'version' holds numbers written with a decimal point"):
        from_csv(io.StringIO(text), target="y", sep=";", decimal=",")
    assert from_csv(io.StringIO(text), target="y", sep=";", decimal=",", drop=["version"]).feature_names == ("size",)
    assert from_csv(io.StringIO(text), target="y", sep=";", decimal=",", features=["size"]).feature_names == ("size",)
    ds = from_csv(io.StringIO(text), target="y", sep=";", decimal=",", categorical=["version"])
    assert ds.feature_names == ("version=1.5", "version=2.5", "size")
    _, x = read_rows(io.StringIO("version;size;note\n2.5;1,5;3.5\n"), ds, sep=";", decimal=",")  # note: not used
    assert x.tolist() == [[0.0, 1.0, 1.5]]


def test_a_first_group_of_zero_is_no_thousands_grouping():
    """With thousands='.', a cell 0.569 in a file of decimal commas was read as 569 without a word (as grouping of
    its digits by three), and without it told to read the file with a thousands point."""
    text = "size;y\n1.234,5;1\n0.569;2\n2.000;3\n"
    with pytest.raises(DataError, match=r"column 'size' has '0.569' at row 1 \(line 3\), which does not group its "
                                        r"digits by three .* would be read as 569"):
        from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands=".", kind="regression")
    frame = pd.DataFrame({"x": ["1.234,5", "0.569,5"] * 3, "y": np.arange(6.0)})
    with pytest.raises(DataError) as e:
        from_frame(frame, "y")
    assert "thousands" not in e.value.fixes


def test_a_categorical_column_read_as_written_keeps_what_the_reading_options_make_of_it():
    """parse_dates= on a column listed in categorical= crashed (a Timestamp has no strip), and converters= was left
    unread: the user's own options type the column. A boolean column stays booleans (true and TRUE one value)."""
    dates = from_csv(io.StringIO("d,x,y\n2020-01-01,1,5\n2020-01-02,2,6\n2020-01-01,3,7\n"), target="y",
                     kind="regression", categorical=["d"], parse_dates=["d"])
    assert dates.feature_names[:2] == ("d=2020-01-01 00:00:00", "d=2020-01-02 00:00:00")
    converted = from_csv(io.StringIO("c,x,y\na,1,5\nb,2,6\na,3,7\n"), target="y", kind="regression",
                         categorical=["c"], converters={"c": lambda s: {"a": 1, "b": 2}[s]})
    assert converted.feature_names[:2] == ("c=1", "c=2")
    flags = from_csv(io.StringIO("f,x,y\ntrue,1,5\nTRUE,2,6\nFalse,3,7\n"), target="y", kind="regression",
                     categorical=["f"])
    assert flags.feature_names[:2] == ("f=False", "f=True")


def test_new_rows_match_a_code_as_the_file_writes_it_either_way():
    """A model trained on 6000 took 06000, 006000 and 6000.0 as the same code (through the value pandas read),
    while one trained on 06000 refused 6000: a code is matched as written; a data set whose codes are numbers (a
    DataFrame's) is matched by number."""
    written = from_csv(io.StringIO("zip,x,y\n6000,1,1\n75001,2,2\n6000,3,3\n"), target="y", kind="regression",
                       categorical=["zip"])
    for code in ("06000", "6000.0"):
        with pytest.raises(ValueError, match=rf"column 'zip' has '{code}' at row 0 \(line 2\), a value the training "
                                             r"data did not hold \(it held '6000', '75001'\)"):
            read_rows(io.StringIO(f"zip,x\n{code},1\n"), written)
    numbers = from_frame(pd.DataFrame({"zip": [6000, 75001], "x": [1.0, 2.0], "y": [1.0, 2.0]}), "y", "regression",
                         categorical=["zip"])
    _, x = read_rows(io.StringIO("zip,x\n6000.0,1\n"), numbers)
    assert x[:, :2].tolist() == [[1.0, 0.0]]


def test_the_fixes_a_thousands_error_names_are_options_of_the_reading():
    """A cell that does not group its digits by three was told to leave its column out with drop= even for the
    target (which cannot be left out) and for new rows (read_rows and descend predict have no such option)."""
    text = "x;y\n1;1.234,5\n2;12.34\n3;4\n"
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands=".", kind="regression")
    assert e.value.fixes == {} and "leave its column out" not in str(e.value)
    ds = from_csv(io.StringIO("size;y\n1.234,5;1\n2;2\n"), target="y", sep=";", decimal=",", thousands=".",
                  kind="regression")
    with pytest.raises(DataError) as e:
        read_rows(io.StringIO("size\n12.34\n"), ds, sep=";", decimal=",", thousands=".")
    assert e.value.fixes == {} and "would be read as 1234" in str(e.value)
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO("size;code;y\n1;12.34;1\n2;7;2\n"), target="y", sep=";", decimal=",", thousands=".",
                 kind="regression")
    assert e.value.fixes == {"drop": ("drop", ["code"]), "categorical": ("categorical", ["code"])}


def test_only_numbers_written_with_a_point_are_told_they_may_be_codes():
    """A typo among measurements (4O for 40) was told to read the column as categories: that one-hot encodes the
    ages, the typo among them. A number written with a point in a file of decimal commas may be a code (3.1)."""
    ages = "age,y\n" + "".join(f"{18 + i % 60},{i % 2}\n" for i in range(40)).replace("\n40,", "\n4O,", 1)
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(ages), target="y")
    assert "categorical" not in e.value.fixes and "'4O'" in str(e.value)
    codes = "code;y\n" + "".join(f"{c};{i % 2}\n" for i, c in enumerate(["7", "12", "40"] * 13 + ["3.1"]))
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(codes), target="y", sep=";", decimal=",")
    assert e.value.fixes["categorical"] == ("categorical", ["code"])
    measures = "size;y\n" + "".join(f"{i},5;{i % 2}\n" for i in range(39)) + "0.5;1\n"  # a typo among decimals
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(measures), target="y", sep=";", decimal=",")
    assert "categorical" not in e.value.fixes


@pytest.mark.parametrize("thousands", [".", "\u00a0"])
def test_a_text_column_keeps_its_cells_as_written_under_a_thousands_separator(thousands):
    """pandas' Python engine (taken for every thousands separator: its byte count included the default encoding's
    byte order mark) rewrote a text cell that looks like a number: 1.12 (1 December) and 11.2 (11 February) both
    read as 112, one category; 3,5 as 3.5."""
    text = (f"jour;montant;y\n1.12;1{thousands}000,5;0\n11.2;2{thousands}000,5;1\nn.c.;3{thousands}000,5;0\n"
            f"1.12;1{thousands}500,5;1\n3,5;2{thousands}500,5;1\n")
    for categorical in (None, ["jour"]):
        ds = from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands=thousands,
                      categorical=categorical)
        assert ds.columns == (("jour", ("1.12", "11.2", "3,5", "n.c.")), ("montant", None))
        assert ds.x[:, -1].tolist() == [1000.5, 2000.5, 3000.5, 1500.5, 2500.5]
        _, x = read_rows(io.StringIO(f"jour;montant\n11.2;4{thousands}000,5\n"), ds, sep=";", decimal=",",
                         thousands=thousands)
        assert x.tolist() == [[0.0, 1.0, 0.0, 0.0, 4000.5]]


def test_codes_written_with_leading_zeros_are_told_they_may_be_categories():
    """Departments 01, 13, 075 with Corsica's 2A and 2B among them were only told to make those cells numbers or
    leave the column out."""
    codes = ["01", "13", "075", "2A", "2B", "69"] * 10
    text = "dept,y\n" + "".join(f"{c},{i % 2}\n" for i, c in enumerate(codes))
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(text), target="y")
    assert e.value.fixes["categorical"] == ("categorical", ["dept"])
    ds = from_csv(io.StringIO(text), target="y", categorical=["dept"])
    _, x = read_rows(io.StringIO("dept\n2A \n075\n"), ds)  # a space after the code, as after a number
    assert ds.columns[0][1] == ("01", "075", "13", "2A", "2B", "69")
    assert x.tolist() == [[0, 0, 0, 1, 0, 0], [0, 1, 0, 0, 0, 0]]


@pytest.mark.parametrize("thousands", [".", "\u00a0"])
def test_a_number_column_whose_footer_is_dropped_is_read_with_the_files_marks(thousands):
    """With dropna=True, a column of decimal commas whose footer (Quelle: Amt) made it text was one-hot encoded
    without a word once the footer's row was dropped: its cells were parsed without the file's marks."""
    text = f"a;b;y\n1{thousands}234,5;x;1\n2,25;y;0\n3,75;x;1\n4,5;y;0\nQuelle: Amt;;\n"
    ds = from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands=thousands, dropna=True)
    assert ds.feature_names == ("a", "b=x", "b=y") and ds.x[:, 0].tolist() == [1234.5, 2.25, 3.75, 4.5]
    rows = "a;y\n" + "".join(f"{i}.{i:03d},{i:02d};{i % 2}\n" for i in range(1, 30)) + ".5;1\n"
    with pytest.raises(DataError, match=r"column 'a' has '.5' at row 29 \(line 31\), which is not a number as the "
                                        r"file writes them"):  # not "an identifier column"
        from_csv(io.StringIO(rows), target="y", sep=";", decimal=",", thousands=".")


def test_a_point_in_a_file_of_decimal_commas_is_refused_under_pandas_python_engine(tmp_path):
    """Under pandas' Python engine (a no-break space between thousands) 1.050 in a file of decimal commas was read
    as 1.05 without a word, in training and in new rows; a cp1252 file with such thousands could not be read (the
    separator's byte counted in cp1252, where pandas' C engine reads UTF-8)."""
    text = "a;y\n1\u00a0000,5;1\n1.050;0\n2,5;1\n"
    with pytest.raises(DataError, match=r"column 'a' has '1.050' at row 1 \(line 3\), a number written with a point "
                                        r"in a file whose decimal mark is ','"):
        from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands="\u00a0")
    ds = from_csv(io.StringIO(text.replace("1.050", "1,5")), target="y", sep=";", decimal=",", thousands="\u00a0")
    with pytest.raises(DataError, match=r"has '2.5' at row 0 \(line 2\), a number written with a point"):
        read_rows(io.StringIO("a\n2.5\n"), ds, sep=";", decimal=",", thousands="\u00a0")
    path = tmp_path / "loyer.csv"
    path.write_bytes("loyer;a\n1\u00a0234,5;1\n2\u00a0000,0;2\n3,5;3\n".encode("cp1252"))
    assert from_csv(path, target="loyer", sep=";", decimal=",", thousands="\u00a0",
                    encoding="cp1252").y.tolist() == [1234.5, 2000.0, 3.5]


def test_a_misfit_among_numbers_read_with_the_files_thousands_separator_is_named_as_such():
    """Read with the thousands separator its numbers use, a cell written otherwise (1.050 among 1 234,5; 0,569
    among 1,234.5 with a footer dropped) was told to read the file with other marks, which then refused the others:
    round in circles."""
    text = "a;b;y\n1 234,5;x;1\n2 000,25;y;2\n1.050;x;3\n4,5;y;4\n5,5;x;5\n6,5;y;6\n"
    with pytest.raises(DataError, match=r"column 'a' has '1.050' at row 2 \(line 4\), which is not a number as the "
                                        r"file writes them \(the decimal mark ',', ' ' between thousands") as e:
        from_csv(io.StringIO(text), target="y", sep=";", decimal=",", thousands=" ")
    assert e.value.fixes == {}
    footer = 'a,b,y\n"1,234.5",x,1\n"2,000.25",y,2\n"0,569",x,3\n4.5,y,4\n5.5,x,5\n6.5,y,6\nTotal,,\n'
    with pytest.raises(DataError, match=r"column 'a' has '0,569' at row 2 \(line 4\), which is not a number as the "
                                        r"file writes them \(the decimal mark '.', ',' between thousands"):
        from_csv(io.StringIO(footer), target="y", thousands=",", dropna=True)
    wrong = "a;y\n1.234,5;1\n2.000,5;2\n3,5;3\n"  # the separator given is not the file's: its advice stands
    with pytest.raises(DataError) as e:
        from_csv(io.StringIO(wrong), target="y", sep=";", decimal=",", thousands=" ")
    assert e.value.fixes.get("thousands") == ("thousands", ".")


def test_a_reading_is_told_by_what_it_reads_not_by_how_it_is_given():
    """The options of one reading compare equal however they are given (a search is resumed by them): the order of
    a set of columns or texts, an option at its default, an encoding's spelling; the features' order, which is the
    model's inputs', and any other value still tell two readings apart."""
    from descend.data.tables import reading

    assert reading({"categorical": ["zip", "store"], "drop": ("b", "a"), "na_values": ["?", "-"]}) == reading(
        {"categorical": ("store", "zip"), "drop": ["a", "b"], "na_values": ["-", "?"]})
    assert reading({"sep": ",", "decimal": ".", "thousands": None, "dropna": False, "max_categories": 100,
                    "encoding": "UTF8"}) == {}
    assert reading({"encoding": "latin-1"}) == reading({"encoding": "ISO-8859-1"}) == {"encoding": "iso8859-1"}
    assert reading({"features": ["b", "a"]}) != reading({"features": ["a", "b"]})
    for other in ({"sep": ";"}, {"dropna": True}, {"max_categories": 5}, {"encoding": "utf-8-sig"},
                  {"thousands": "."}, {"max_categories": True}):
        assert reading(other) == other


@pytest.mark.parametrize("sep", ["||", "..", "::", "; "])
def test_a_separator_of_several_characters_is_read_as_written(sep):
    """pandas reads a separator of several characters as a regular expression: '||' split the text between any two
    characters, '..' at any two characters. One without a pattern's characters is read as written."""
    text = f"a{sep}b{sep}y\n1.5{sep}x{sep}0\n2.5{sep}z{sep}1\n"
    ds = from_csv(io.StringIO(text), target="y", sep=sep, kind="binary")
    assert ds.feature_names == ("a", "b=x", "b=z") and ds.x[:, 0].tolist() == [1.5, 2.5]


def test_a_separator_that_is_a_pattern_stays_one_and_quoted_names_are_refused():
    text = "a  b   y\n1.5 x 0\n2.5   z 1\n"
    assert from_csv(io.StringIO(text), target="y", sep=r"\s+", kind="binary").feature_names == ("a", "b=x", "b=z")
    assert from_csv(io.StringIO(text.replace("  ", " ")), target="y", sep=" +", kind="binary").feature_names == (
        "a", "b=x", "b=z")
    quoted = '"a"||"b"||"y"\n1.5||"x"||0\n2.5||"z"||1\n'
    with pytest.raises(ValueError, match=r"its column names are in double quotes \(\"a\", \"b\", \"y\"\), which "
                                         r"pandas does not read around a separator of several characters \('\|\|'\)"):
        from_csv(io.StringIO(quoted), target="y", sep="||")


def test_a_header_of_doubled_separators_is_told_its_separator():
    with pytest.raises(DataError, match=r"read it with sep='\|\|'"):
        from_csv(io.StringIO("a||b||y\n1||2||0\n3||4||1\n"), target="y")


def test_a_separator_that_chooses_between_texts_stays_a_pattern_and_one_of_spaces_around_a_bar_does_not():
    """';|,' (a file mixing ; and ,) is the alternation pandas reads; ' | ' as a pattern split at every space."""
    mixed = "a;b,y\n0.5;-0.5,0\n1.5;0.5,1\n"
    assert from_csv(io.StringIO(mixed), target="y", sep=";|,", kind="binary").feature_names == ("a", "b")
    barred = "a | b | y\n0.5 | x y | 0\n1.5 | z | 1\n"
    assert from_csv(io.StringIO(barred), target="y", sep=" | ", kind="binary").feature_names == (
        "a", "b=x y", "b=z")


def test_a_header_of_paired_separators_over_single_ones_is_told_the_single_one():
    """'a;;y' is a column without a name between a and y, where the data line '1;7;0' holds single ones."""
    with pytest.raises(DataError, match=r"read it with sep=';'$"):
        from_csv(io.StringIO("a;;y\n1;7;0\n2;3;1\n"), target="y")
