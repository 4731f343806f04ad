"""Tables as data sets: pandas DataFrames and CSV files, categorical columns one-hot encoded, every unusable
file explained by column and line."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import numbers
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from descend._checks import check_choice, close_matches

from .dataset import KINDS, Dataset, Kind, _float_dtype, _whole, as_dataset

# ---------------------------------------------------------------------------------------------------------------
# Tables: pandas DataFrames and CSV files, categorical columns one-hot encoded
# ---------------------------------------------------------------------------------------------------------------

#: How many values a row list in a message shows before "...".
_SHOWN = 5

#: read_csv options that change which line of the file a row comes from; with any of them, rows are named by
#: their DataFrame index label only (no line number).
_LAYOUT_OPTIONS = frozenset(
    {
        "header", "names", "skiprows", "skipfooter", "comment", "skip_blank_lines", "lineterminator",
        "escapechar", "doublequote", "quoting", "dialect", "on_bad_lines", "delim_whitespace", "compression",
    }
)


def _plain(value: object) -> object:
    """A numpy scalar as the Python scalar it holds (so that messages and ``classes`` show ``'a'``, not
    ``np.str_('a')``)."""
    return value.item() if isinstance(value, np.generic) else value


def _show(value: object) -> str:
    return repr(_plain(value))


def _sorted(values: Sequence[object]) -> list:
    """Values in sorted order; values of mixed types that can't be compared are sorted by (type, text)."""
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=lambda v: (type(v).__name__, str(v)))


def _few(values: Sequence[object]) -> str:
    shown = ", ".join(_show(v) for v in values[:_SHOWN])
    return shown + (", ..." if len(values) > _SHOWN else "")


class _Rows:
    """Names the row at a position in messages: ``row <index label>`` and, for a CSV file, ``(line <n>)``.

    The line numbers are worked out only when a message needs one (``lines`` is a callable returning the
    file line of each row, or None when they can't be told).
    """

    def __init__(self, frame: Any, *, lines: Callable[[], list[int] | None] | None = None, file: bool = False):
        self.index = frame.index
        self.columns = list(frame.columns)
        self._lines_of = lines
        self._lines: list[int] | None = None
        self.file = file

    def lines(self) -> list[int] | None:
        if self._lines_of is not None:
            self._lines, self._lines_of = self._lines_of(), None
        return self._lines

    def __call__(self, position: int) -> str:
        label = _plain(self.index[position])
        text = f"row {label}" if isinstance(label, numbers.Integral) else f"row {label!r}"
        lines = self.lines()
        if lines is not None and position < len(lines):
            text += f" (line {lines[position]})"
        return text

    def drop_hint(self, columns: Sequence[object], empty_strings: bool) -> str:
        frame = "pd.read_csv(...)" if self.file else "frame"
        subset = "" if len(columns) == len(self.columns) else f"subset={[_plain(c) for c in columns]!r}"
        fix = rf"{frame}.replace(r'^\s*$', np.nan, regex=True)" if empty_strings else frame
        dropped = f"{fix}.dropna({subset})"
        return f"from_frame({dropped}, ...)" if self.file else dropped


def _csv_lines(text: str, options: Mapping[str, object], n_rows: int) -> list[int] | None:
    """The file line (1-based, header = its first non-blank line) where each of the first ``n_rows`` data rows
    starts, found with the csv module; None when read_csv's options change the layout or the count of rows
    found does not match pandas'."""
    if _LAYOUT_OPTIONS & set(options):
        return None
    sep = options.get("sep", options.get("delimiter", ","))
    quote = options.get("quotechar", '"')
    if not (isinstance(sep, str) and len(sep) == 1 and isinstance(quote, str) and len(quote) == 1):
        return None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar=quote)
    starts = []
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error:
            return None
        if not record or (len(record) == 1 and not record[0].strip()):
            continue  # pandas skips blank (and whitespace-only) lines
        starts.append(start)
    data = starts[1:]
    if len(data) < n_rows or ("nrows" not in options and len(data) != n_rows):
        return None
    return data[:n_rows]


def _column_type(pd: Any, series: Any, forced: bool) -> str:
    """``"bool"``, ``"integer"``, ``"float"`` (numeric), ``"category"`` or ``"unsupported"``."""
    if forced:
        return "category"
    dt = series.dtype
    types = pd.api.types
    if isinstance(dt, pd.CategoricalDtype):
        return "category"
    if types.is_bool_dtype(dt):
        return "bool"
    if types.is_complex_dtype(dt) or types.is_datetime64_any_dtype(dt) or types.is_timedelta64_dtype(dt):
        return "unsupported"
    if types.is_integer_dtype(dt):
        return "integer"
    if types.is_float_dtype(dt):
        return "float"
    if dt == object:
        inferred = types.infer_dtype(series, skipna=True)
        numeric = {"integer": "integer", "floating": "float", "mixed-integer-float": "float", "decimal": "float"}
        return "bool" if inferred == "boolean" else numeric.get(inferred, "category")
    if types.is_string_dtype(dt):
        return "category"
    return "unsupported"


def _missing(pd: Any, series: Any, kind: str) -> np.ndarray:
    """A boolean mask of the missing cells: NaN, None, NA, NaT, and (in text columns) empty or blank strings."""
    mask = np.array(series.isna(), dtype=bool)  # a writable copy
    if kind == "category":
        mask |= np.fromiter((isinstance(v, str) and not v.strip() for v in series.tolist()), bool, len(series))
    return mask


def _column_names(name: str, given: object, columns: list, target: object) -> list:
    """Check ``features=`` or ``categorical=``: a list of distinct columns of the frame, not the target."""
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
        example = f"[{given!r}]" if isinstance(given, str) else "['a', 'b']"
        raise ValueError(f"{name}={given!r} must be a list of column names, e.g. {name}={example}")
    labels = [str(c) for c in columns]
    seen = set()
    for c in given:
        if c not in columns:
            listed = f" (columns: {', '.join(labels)})" if len(labels) <= 20 else f" ({len(labels)} columns)"
            raise ValueError(
                f"{name}: {c!r} is not a column of the DataFrame{close_matches(str(c), labels)}{listed}"
            )
        if c == target:
            what = "a feature" if name == "features" else "categorical"
            raise ValueError(
                f"{name} lists the target column {c!r}; the target can't also be {what} (its kind is set by kind=)"
            )
        if c in seen:
            raise ValueError(f"{name} lists the column {c!r} twice")
        seen.add(c)
    return list(given)


def _check_table_options(kind: object, dtype: object, max_categories: object) -> tuple[torch.dtype, int]:
    if kind is not None:
        check_choice("kind", kind, KINDS)
    return _float_dtype("dtype", dtype), _whole("max_categories", max_categories, 1)


def _from_table(
    frame: Any,
    target: object,
    kind: str | None,
    features: Sequence[object] | None,
    categorical: Sequence[object] | None,
    dtype: torch.dtype,
    max_categories: int,
    rows: _Rows | None,
) -> Dataset:
    pd = importlib.import_module("pandas")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame, not {type(frame).__name__}")
    rows = rows if rows is not None else _Rows(frame)
    columns = list(frame.columns)
    labels = [str(c) for c in columns]
    if not frame.columns.is_unique:
        twice = _sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ValueError(f"the DataFrame has duplicate column names ({_few(twice)}); rename them first")

    # Which columns: the target, then the features.
    try:
        found = target in columns
    except TypeError:
        found = False
    if not found:
        listed = f" (columns: {', '.join(labels)})" if len(labels) <= 20 else f" (it has {len(labels)} columns)"
        if len(labels) == 1 and any(sep in labels[0] for sep in ",;\t|"):
            listed += "; all the names are in one column: is the separator right (sep=)?"
        raise ValueError(
            f"target={target!r} is not a column of the DataFrame{close_matches(str(target), labels)}{listed}"
        )
    if features is None:
        features = [c for c in columns if c != target]
        if not features:
            raise ValueError(
                f"no feature columns left: the DataFrame has only the target column {target!r}; a data set needs "
                "at least one feature"
            )
    else:
        features = _column_names("features", features, columns, target)
        if not features:
            raise ValueError("features=[] leaves no feature columns; name at least one feature column")
    forced = set()
    if categorical is not None:
        for c in _column_names("categorical", categorical, columns, target):
            if c not in features:
                raise ValueError(f"categorical lists {c!r}, which is not one of the features ({_few(features)})")
            forced.add(c)
    m = len(frame)
    if m == 0:
        raise ValueError("the DataFrame has no rows; a data set needs at least one sample")

    used = [*features, target]
    series = {c: frame[c] for c in used}
    types = {c: _column_type(pd, series[c], c in forced) for c in used}
    for c in used:
        if types[c] == "unsupported":
            fixes = (
                "convert it to numbers or labels first" if c == target else
                f"convert it to numbers first, pass categorical=[{c!r}] to one-hot encode its values, or leave it "
                "out with features="
            )
            raise ValueError(f"column {c!r} has dtype {series[c].dtype}, which can't be used as it is: {fixes}")

    # Missing values: named, counted, never dropped silently.
    masks = {c: _missing(pd, series[c], types[c]) for c in used}
    any_missing = np.zeros(m, dtype=bool)
    for mask in masks.values():
        any_missing |= mask
    if any_missing.any():
        first = int(any_missing.argmax())
        column = next(c for c in used if masks[c][first])
        value = series[column].iloc[first]
        if rows.file:
            what = "an empty field or NA"
        elif isinstance(value, str):
            what = "an empty string" if not value else f"the blank string {value!r}"
        else:
            what = "None" if value is None else str(value)
        bad = [c for c in used if masks[c].any()]
        counts = ", ".join(f"{c!r}: {int(masks[c].sum())}" for c in bad)
        empty = any(types[c] == "category" and (masks[c] & ~np.asarray(series[c].isna())).any() for c in bad)
        n = int(any_missing.sum())
        raise ValueError(
            f"column {column!r} has a missing value ({what}) at {rows(first)}; {n} of {m} rows have missing "
            f"values (per column: {counts}); drop those rows first, e.g. with {rows.drop_hint(bad, empty)}, "
            "or fill them in (missing values are never dropped silently)"
        )

    # Numbers: finite, and within the range of dtype.
    largest = torch.finfo(dtype).max
    numbers_of = {}
    for c in used:
        if types[c] in ("bool", "integer", "float"):
            values = np.array(series[c].to_numpy(dtype=np.float64), copy=True)
            numbers_of[c] = values
            inf = np.isinf(values)
            if inf.any():
                i = int(inf.argmax())
                raise ValueError(
                    f"column {c!r} has an infinite value ({values[i]:g}) at {rows(i)}; {int(inf.sum())} of {m} rows "
                    "have infinite values in this column, and every value must be finite: drop, clip or impute them"
                )
            if c in features or kind == "regression" or (kind is None and types[c] == "float"):
                big = np.abs(values) > largest
                if big.any():
                    i = int(big.argmax())
                    raise ValueError(
                        f"column {c!r} has the value {values[i]:g} at {rows(i)}, which overflows {dtype} (largest "
                        f"{largest:g}); pass dtype=torch.float64 or rescale the column"
                    )

    # The target.
    ttype = types[target]
    y_series = series[target]
    if kind is None and ttype == "float":
        kind = "regression"
    distinct = [] if kind == "regression" else _sorted(list(dict.fromkeys(y_series.tolist())))
    if kind is None:
        if len(distinct) == 2:
            kind = "binary"
        elif len(distinct) > 2:
            kind = "multiclass"
        else:
            hint = "; pass kind='regression' for a numeric target" if ttype != "category" else ""
            raise ValueError(
                f"target column {target!r} has a single class ({_show(distinct[0])} in every row); a classifier "
                f"needs at least 2 classes{hint}"
            )
    classes = None
    if kind == "regression":
        if target not in numbers_of:
            numeric = pd.to_numeric(y_series.astype(object), errors="coerce")
            bad = np.asarray(numeric.isna(), dtype=bool)
            if bad.any():
                i = int(bad.argmax())
                raise ValueError(
                    f"target column {target!r} has the non-numeric value {_show(y_series.iloc[i])} at {rows(i)}; "
                    "kind='regression' needs a numeric target (for class labels use kind='binary' or 'multiclass')"
                )
            raise ValueError(
                f"target column {target!r} holds numbers stored as {y_series.dtype} (e.g. "
                f"{_show(y_series.iloc[0])} at {rows(0)}); kind='regression' needs a numeric column: convert it "
                f"first with frame[{target!r}] = pd.to_numeric(frame[{target!r}])"
            )
        y = numbers_of[target]
    else:
        if len(distinct) < 2:
            raise ValueError(
                f"target column {target!r} has a single class ({_show(distinct[0])} in every row); kind={kind!r} "
                "needs at least 2 classes"
            )
        if kind == "binary" and len(distinct) > 2:
            raise ValueError(
                f"target column {target!r} has {len(distinct)} distinct values ({_few(distinct)}), but kind='binary' "
                "needs exactly 2; use kind='multiclass' (or as_dataset for probabilities as targets)"
            )
        code = {v: k for k, v in enumerate(distinct)}
        labels_y = np.fromiter((code[v] for v in y_series.tolist()), np.int64, m)
        y = labels_y.astype(np.float64) if kind == "binary" else labels_y
        classes = tuple(_plain(v) for v in distinct)

    # The features: numeric columns as they are, categorical columns one-hot, in the order of `features`.
    blocks, names = [], []
    for c in features:
        if types[c] != "category":
            blocks.append(numbers_of[c][:, None])
            names.append(str(c))
            continue
        values = series[c].tolist()
        categories = _sorted(list(dict.fromkeys(values)))
        if len(categories) > max_categories:
            numeric = pd.to_numeric(series[c].astype(object), errors="coerce")
            why = (
                "its values look like numbers stored as text: convert it with pd.to_numeric"
                if not numeric.isna().any() and c not in forced
                else "it is probably an identifier (ID) column"
            )
            raise ValueError(
                f"column {c!r} is categorical with {len(categories)} distinct values, more than "
                f"max_categories={max_categories}, so one-hot encoding would add {len(categories)} features; {why}. "
                f"Leave it out with features=[...] (or frame.drop(columns=[{c!r}])), or raise max_categories if "
                "it really is categorical"
            )
        # not scikit-learn's OneHotEncoder: it refuses a column mixing numbers and text, which a CSV file may hold
        code = {v: k for k, v in enumerate(categories)}
        onehot = np.zeros((m, len(categories)))
        onehot[np.arange(m), np.fromiter((code[v] for v in values), np.int64, m)] = 1.0
        blocks.append(onehot)
        names.extend(f"{c}={_plain(v)}" for v in categories)
    if len(set(names)) != len(names):
        twice = _sorted({n for n in names if names.count(n) > 1})
        raise ValueError(
            f"the encoded features have duplicate names ({_few(twice)}); rename the columns or values involved"
        )
    x = torch.from_numpy(np.concatenate(blocks, axis=1))
    ds = as_dataset(x, torch.from_numpy(y), kind=kind, feature_names=names, classes=classes, dtype=dtype)
    return dataclasses.replace(ds, target_name=str(target))


def from_frame(
    frame: Any,
    target: object,
    kind: Kind | None = None,
    *,
    features: Sequence[object] | None = None,
    categorical: Sequence[object] | None = None,
    dtype: torch.dtype = torch.float32,
    max_categories: int = 100,
) -> Dataset:
    """A checked :class:`Dataset` from a pandas DataFrame, with categorical columns one-hot encoded.

    ``target`` names the column that is y; ``features`` optionally picks and orders the feature columns
    (default: every other column, in the frame's order).

    Features. Numeric (and boolean, as 0/1) columns are used as they are. Categorical columns, i.e. text
    (``object``/``str``/``string``), ``category`` columns and those listed in ``categorical=`` (e.g. a numeric
    code column), are one-hot encoded: one 0/1 column per distinct value, named ``"column=value"``, every value
    kept (no column dropped) and the values in sorted order, so that the encoding depends only on the set of
    values, not on the row order. The encoded columns take the place of the original one. A categorical
    column with more than ``max_categories`` distinct values is refused (it is probably an ID column).

    Target and ``kind``. When ``kind`` is None it is inferred: a float target → ``"regression"``; otherwise
    (integer, boolean, text, category) a target with exactly 2 distinct values → ``"binary"`` and one with
    more → ``"multiclass"``. Regression needs a numeric target. For ``"binary"`` the 2 distinct values, sorted,
    become 0 and 1 and ``classes`` holds the original values (e.g. ``("fail", "pass")``); for ``"multiclass"``
    the sorted distinct values become 0..C-1 (integer labels 0..C-1 keep their values).

    Checks, each a ValueError naming the column and, when a value is at fault, the row by its index label:
    a target or feature that is not a column (with close matches); no feature columns; missing values (NaN,
    None, NA, empty or blank strings) in a used column, counted, with how to drop them (rows are never
    dropped silently); an infinite value, or one that overflows ``dtype``; a non-numeric target for
    regression; a single class; more than 2 values for ``kind="binary"``; too many categories. Then
    :func:`as_dataset` builds the data set.

        >>> import pandas as pd
        >>> frame = pd.DataFrame({"size": [1.5, 2.0, 0.5], "colour": ["red", "blue", "red"],
        ...                       "result": ["pass", "fail", "pass"]})
        >>> ds = from_frame(frame, target="result")
        >>> ds.kind, ds.classes, ds.feature_names
        ('binary', ('fail', 'pass'), ('size', 'colour=blue', 'colour=red'))
        >>> ds.x.tolist(), ds.y.tolist()
        ([[1.5, 0.0, 1.0], [2.0, 1.0, 0.0], [0.5, 0.0, 1.0]], [1.0, 0.0, 1.0])
        >>> from_frame(frame.assign(size=[1.5, None, 0.5]), target="result")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: column 'size' has a missing value (nan) at row 1; 1 of 3 rows have missing values ...
    """
    dtype, max_categories = _check_table_options(kind, dtype, max_categories)
    return _from_table(frame, target, kind, features, categorical, dtype, max_categories, None)


def from_csv(
    path: str | os.PathLike | Any,
    target: object,
    kind: Kind | None = None,
    *,
    features: Sequence[object] | None = None,
    categorical: Sequence[object] | None = None,
    dtype: torch.dtype = torch.float32,
    max_categories: int = 100,
    **read_csv_kwargs: Any,
) -> Dataset:
    """A checked :class:`Dataset` from a CSV file: ``pd.read_csv(path, **read_csv_kwargs)``, then :func:`from_frame`.

    ``path`` is a file path (or an open text or binary file). Empty fields are read as missing values
    and reported, never dropped (so are empty strings kept by ``keep_default_na=False``). Every error is a
    ValueError that names the file (``CSV file 'path'``, or ``CSV input`` for an open file), including those
    about the file itself: a path that does not exist (with close file names) or is a directory, an empty
    file or one with a header but no data rows (``... has no data rows``), and a file that pandas can't parse
    (pandas' reason, on one line). Errors about a value name the row by its DataFrame index label and its
    line in the file, the header being line 1 (blank lines and quoted line breaks counted); with read_csv
    options that move lines (``header=``, ``skiprows=``, ``comment=``, ...) only the row label is given.

    Values are kept in their units here: standardising needs the training split, so it is done by
    :func:`split` (``standardize=True`` for the features, ``standardize_target=True`` for a regression
    target), which :func:`descend.tasks.real.from_csv` does by default.

        >>> import io
        >>> text = "age,city,bought\\n31,Oslo,yes\\n45,Rome,no\\n27,Oslo,no\\n"
        >>> ds = from_csv(io.StringIO(text), target="bought")
        >>> ds.feature_names, ds.classes, ds.y.tolist()
        (('age', 'city=Oslo', 'city=Rome'), ('no', 'yes'), [1.0, 0.0, 0.0])
        >>> from_csv(io.StringIO("age,city,bought\\n31,Oslo,yes\\n45,,no\\n"), target="bought")
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: CSV input: column 'city' has a missing value (an empty field or NA) at row 1 (line 3); ...
    """
    pd = importlib.import_module("pandas")
    dtype, max_categories = _check_table_options(kind, dtype, max_categories)
    for option in ("chunksize", "iterator"):
        if read_csv_kwargs.get(option) not in (None, False):
            raise ValueError(f"{option}={read_csv_kwargs[option]!r} is not supported: from_csv reads the whole file")
    encoding = read_csv_kwargs.get("encoding") or "utf-8-sig"

    if isinstance(path, (str, os.PathLike)):
        name = os.fsdecode(path)
        where = f"CSV file {name!r}"
        if os.path.isdir(name):
            inside = _sorted([f for f in os.listdir(name) if f.lower().endswith((".csv", ".tsv", ".txt"))])
            listed = f"; CSV files in it: {_few(inside)}" if inside else ""
            raise ValueError(f"{where} is a directory, not a file{listed}")
        if not os.path.exists(name):
            folder = os.path.dirname(name) or "."
            if not os.path.isdir(folder):
                raise ValueError(f"{where} does not exist (there is no directory {folder!r})")
            near = close_matches(os.path.basename(name), os.listdir(folder))
            raise ValueError(f"{where} does not exist{near}")
        if os.path.getsize(name) == 0:
            raise ValueError(f"{where} has no data rows: the file is empty (0 bytes)")
        source: Any = name

        def text() -> str:
            with open(name, encoding=encoding, newline="") as f:
                return f.read()

    elif hasattr(path, "read"):
        data = path.read()
        where = "CSV input"
        if not data:
            raise ValueError(f"{where} has no data rows: it is empty")
        source = io.BytesIO(data) if isinstance(data, bytes) else io.StringIO(data)

        def text() -> str:
            return data.decode(encoding) if isinstance(data, bytes) else data

    else:
        raise ValueError(f"path={path!r} must be a file path or an open file, not {type(path).__name__}")

    try:
        frame = pd.read_csv(source, **read_csv_kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{where} has no data rows: it holds no header either, only blank lines") from None
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        if isinstance(err, UnicodeDecodeError):
            reason += "; pass its encoding, e.g. encoding='latin-1'"
        raise ValueError(f"{where} could not be parsed as CSV: {reason}") from None
    except OSError as err:
        raise ValueError(f"{where} could not be read: {err.strerror or err}") from None
    if len(frame) == 0:
        header = ", ".join(str(c) for c in frame.columns)
        raise ValueError(f"{where} has no data rows, only a header ({header})")

    def lines() -> list[int] | None:
        try:
            return _csv_lines(text(), read_csv_kwargs, len(frame))
        except (OSError, ValueError, LookupError):  # LookupError: an unknown encoding name
            return None

    rows = _Rows(frame, lines=lines, file=True)
    try:
        return _from_table(frame, target, kind, features, categorical, dtype, max_categories, rows)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
