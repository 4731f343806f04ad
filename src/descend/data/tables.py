"""Tables as data sets: pandas DataFrames and CSV files, categorical columns one-hot encoded, every unusable
file explained by column and line."""

from __future__ import annotations

import csv
import dataclasses
import functools
import importlib
import io
import numbers
import os
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import torch

from descend._checks import check_choice, close_matches
from descend._names import join_items, printable
from descend._names import near as _near
from descend._names import ordinal

from .._quiet import ignoring
from .dataset import KINDS, Dataset, Kind, _float_dtype, _whole, as_dataset

# ---------------------------------------------------------------------------------------------------------------
# Errors that an option fixes, spelled in the words of the interface the user is in
# ---------------------------------------------------------------------------------------------------------------


def spell_keyword(key: str, value: Any) -> str:
    """An option as a keyword argument of :func:`from_csv` / :func:`from_frame`: ``encoding='latin-1'``."""
    return f"{key}={value!r}"


class DataError(ValueError):
    """A table or file that can't be used as it is: what is wrong, and the options of :func:`from_csv` /
    :func:`from_frame` that fix it.

    ``template`` is the message with a ``⟨name⟩`` field per fix; ``fixes`` maps each name to ``(option,
    value)``. ``str(err)`` spells every fix as a keyword argument (``pass encoding='latin-1'``); another
    interface spells them its way with :meth:`render` (the command line: ``--encoding latin-1``), so that its
    user gets the option to type, not Python advice.
    """

    def __init__(self, template: str, fixes: Mapping[str, tuple[str, Any]] | None = None) -> None:
        self.template = template
        self.fixes = dict(fixes or {})
        super().__init__(self.render())

    def render(self, spell: Callable[[str, Any], str] = spell_keyword) -> str:
        """The message with each fix spelled by ``spell(option, value)``."""
        text = self.template
        for name, (key, value) in self.fixes.items():
            text = text.replace(f"⟨{name}⟩", spell(key, value))
        return text

    def prefixed(self, prefix: str) -> DataError:
        """The same error with ``prefix`` before its message (the file it is about)."""
        return DataError(prefix + self.template, self.fixes)

    def __reduce__(self) -> tuple:
        return (type(self), (self.template, self.fixes))


# ---------------------------------------------------------------------------------------------------------------
# Tables: pandas DataFrames and CSV files, categorical columns one-hot encoded
# ---------------------------------------------------------------------------------------------------------------

#: The kinds a table's target can be read as: those of a Dataset, and "classification" (binary or multiclass,
#: whichever the number of distinct values makes it).
TABLE_KINDS = (*KINDS, "classification")

#: From how many rows a column with a different value in every row is taken for an identifier (ID).
_ID_ROWS = 10

#: An inferred target of whole numbers with more distinct values than this (and than a tenth of the rows) is
#: refused as classes: prices or counts stored as integers, rather than class labels (kind= decides).
_MANY_CLASSES = 20

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


def _names_shown(names: Iterable[object]) -> str:
    """Column names listed in a message, as they are but for control characters (escaped, :func:`printable`)."""
    return ", ".join(printable(name) for name in names)


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

    def subset(self, frame: Any, keep: np.ndarray) -> _Rows:
        """The rows of ``frame``, the rows kept (``keep``, a boolean mask) of this one's frame."""

        def lines() -> list[int] | None:
            every = self.lines()
            return None if every is None else [line for line, k in zip(every, keep) if k]

        return _Rows(frame, lines=lines, file=self.file)

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


def _check_resolution(values: Any, c: object, dtype: torch.dtype) -> None:
    """Refuse a column whose values ``dtype`` cannot tell apart: numbers far from 0 that differ little (times in
    seconds since 1970, say) are read in ``dtype`` before they are standardised, and would merge into a few values
    without a word (300 distinct times within five minutes of each other become 3 in float32)."""
    if dtype == torch.float64 or len(values) < 10:
        return
    exact = np.unique(values)
    kept = torch.unique(torch.from_numpy(exact.astype(np.float64)).to(dtype))  # torch's rounding (bfloat16 too)
    if len(exact) >= 10 and len(kept) < len(exact) / 2:
        offset = float(exact[0])
        raise ValueError(f"column {c!r} has {len(exact)} distinct values, which {str(dtype).replace('torch.', '')} "
                         f"reads as {len(kept)} (values near {offset:.6g} that differ by less than it can tell "
                         f"apart); subtract a value from the column first (such as {offset:.6g}, its smallest)")


def _numbers_the_rows(values: Any) -> tuple[int, int] | None:
    """``(first, last)`` when ``values`` number the rows, each once, from 0 or 1 (an ID or row number); else None."""
    ordered = np.sort(values)
    if len(ordered) and ordered[0] in (0, 1) and ordered[-1] - ordered[0] == len(ordered) - 1 \
            and bool(np.all(np.diff(ordered) == 1)):
        return int(ordered[0]), int(ordered[-1])
    return None


#: Cells that mark a missing value in some exports and data sets (UCI's "?", a spreadsheet's error cells such as
#: "#DIV/0!"), which pandas does not read as one.
_MISSING_MARKER = re.compile(r"[?*.\-_]+|missing|unknown|undefined|not available|n\.a\.|"
                             r"#(DIV/0!|VALUE!|REF!|NUM!|NAME\?|NULL!|N/A|SPILL!|CALC!|GETTING_DATA)", re.IGNORECASE)

#: What a spreadsheet writes around or inside a number that is not part of it: a currency symbol or code, a percent
#: sign, an accounting negative's parentheses, an apostrophe between thousands (Swiss), the minus sign U+2212.
_DECORATION = re.compile(r"[$€£¥%()'’\u2212]|\b[A-Z]{3}\b|\d\s*-$")

#: A date or a time as spreadsheets write them (2023-01-02, 02.01.2023, 1/2/23, 12:30, 2023-01-02 12:30:00).
_DATE = re.compile(r"(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}-\d{2})"
                   r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm])?)?|\d{1,2}:\d{2}(:\d{2})?\s*([AaPp][Mm])?")


def _decorated_number(v: object) -> bool:
    """Whether ``v`` is a number with something around or in it that is not part of it (:data:`_DECORATION`):
    ``CHF 10.57``, ``1.057,00 €``, ``(10.57)``, ``1'057.00``, ``−13.38``."""
    if not isinstance(v, str) or not _DECORATION.search(v.strip()):
        return False
    core = re.sub(r"\b[A-Z]{3}\b|[$€£¥%()'’\s]", "", v.strip()).replace("\u2212", "-")
    return re.fullmatch(r"[-+]?\d[\d.,]*-?", core) is not None

#: The spaces written between thousands: a space, a no-break space (French spreadsheets' exports) and a narrow
#: no-break space.
_SPACES = (" ", "\u00a0", "\u202f")


def _number_text(value: object, decimal: str, thousands: str | None = None) -> object:
    """A cell's text as a number's, read with the file's decimal mark (``"0,5"`` → ``"0.5"``) and thousands
    separator (``"1.234,5"`` → ``"1234.5"`` where it groups the digits by three: :func:`_grouping`); a point in a
    file of another mark is not a decimal one (``1.050`` is 1,050 or a typo, never 1.05), nor is a separator that
    does not group (``145.5`` with thousands='.'): no number (``""``)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    if thousands and thousands in text:
        if not _grouping(thousands, decimal).fullmatch(text):
            return ""
        text = text.replace(thousands, "")
    return "" if decimal != "." and "." in text else text.replace(decimal, ".")


@functools.cache
def _grouping(thousands: str, decimal: str) -> re.Pattern:
    """A number that groups its digits by three around ``thousands`` (or as 1,00,000 in India), with the decimal
    mark ``decimal``; a first group of 0 is no grouping (0.569 with thousands='.' is a decimal point's number)."""
    t, d = re.escape(thousands), re.escape(decimal)
    return re.compile(rf"[-+]?([1-9]\d{{0,2}}({t}\d{{3}})+|[1-9]\d?({t}\d{{2}})+{t}\d{{3}})({d}\d*)?([eE][-+]?\d+)?")


def _check_text_numbers(pd: Any, series: Any, c: object, rows: Any, *, is_target: bool, strays: bool = True,
                        decimal: str = ".", thousands: str | None = None) -> None:
    """A text column that is numbers in disguise is refused rather than one-hot encoded (or read as classes):
    numbers written with a decimal comma (``0,5``: read with ``decimal=","``), and (with ``strays``) numbers with
    a few stray texts among them (``n/a``, ``?``, ``-``). ``decimal``: the mark the file was read with (a cell
    ``1.050`` in a file read with ``decimal=","`` is not a number: its point separates thousands, or is a typo);
    ``thousands``: the thousands separator it was read with (``1.234,5`` is a number then)."""
    values = series.astype(object)
    text = np.asarray([isinstance(v, str) for v in values.tolist()], dtype=bool)
    if not text.any():
        return
    numbers = values.map(lambda v: _number_text(v, decimal, thousands)) if decimal != "." or thousands else values
    parsed = np.asarray(pd.to_numeric(numbers, errors="coerce").isna(), dtype=bool)  # True: not a number
    bad = np.flatnonzero(parsed)
    if not len(bad):
        return
    if thousands and decimal != thousands:
        _check_misfits(values, parsed, c, rows, decimal, thousands)

    def comma_number(v: object) -> bool:
        if not isinstance(v, str) or "," not in v:
            return False
        try:
            float(v.strip().replace(".", "").replace(",", "."))
        except ValueError:
            return False
        return True

    listed = values.tolist()
    grouped = [listed[i].strip() if isinstance(listed[i], str) else "" for i in bad]
    # (a number under 1000 has no separator: 407,96 among 10.377,19)
    # (a first group of 0 is no grouping: 0.569 is a decimal point's number, not 569)
    spaced = [(rf"[-+]?(0|[1-9]\d{{0,2}}({space}\d{{3}})*)(,\d+)?", ",", space) for space in _SPACES]  # 1 117,60
    spaced += [(rf"[-+]?[1-9]\d{{0,2}}({space}\d{{3}})+(\.\d+)?", ".", space) for space in _SPACES]
    # (each pattern's decimal mark and thousands separator: not the ``decimal`` the file was read with)
    for pattern, mark, thousands in ((r"[-+]?(0|[1-9]\d{0,2}(\.\d{3})*)(,\d+)?", ",", "."),
                                     (r"[-+]?[1-9]\d{0,2}(,\d{3})+\.\d+", ".", ","), *spaced):
        if all(re.fullmatch(pattern, v) for v in grouped) and any(thousands in v for v in grouped):
            i = int(next(j for j, v in zip(bad, grouped) if thousands in v))  # an example with the separator
            fixes = {"thousands": ("thousands", thousands)}
            if mark != ".":
                fixes["decimal"] = ("decimal", mark)
            raise DataError(_literal(f"column {c!r} holds numbers written with {_show_char(thousands)} between "
                                     "thousands "
                                     f"({listed[i]!r} at {rows(i)}), which would be read as text: read the file "
                                     "with ") + ("⟨decimal⟩ " if mark != "." else "") + "⟨thousands⟩", fixes)
    if all(comma_number(listed[i]) for i in bad):
        i = int(bad[0])
        if all(re.fullmatch(r"[-+]?[1-9]\d{0,2}(,\d{3})+", listed[j].strip()) for j in bad):  # 12,500: which comma?
            raise DataError(_literal(f"column {c!r} holds numbers written with a comma ({listed[i]!r} at {rows(i)}), "
                                     "which would be read as text: if the comma separates thousands (12,500 = "
                                     "12500), read the file with ") + "⟨thousands⟩; if it is the decimal mark, "
                            "with ⟨decimal⟩", {"decimal": ("decimal", ","), "thousands": ("thousands", ",")})
        raise DataError(_literal(f"column {c!r} holds numbers written with a decimal comma ({listed[i]!r} at "
                                 f"{rows(i)}), which would be read as text: read the file with ") + "⟨decimal⟩",
                        {"decimal": ("decimal", ",")})
    symbol = _symbol_of([listed[i] for i in bad])
    if symbol is not None:  # $102.49, 12 %: refused as an identifier, or read as classes
        i = int(bad[0])
        raise DataError(_literal(f"column {c!r} holds numbers written with {symbol!r} ({listed[i]!r} at {rows(i)}), "
                                 f"which would be read as text: remove {symbol!r} from its cells (in a spreadsheet, "
                                 "format the column as plain numbers) and save the file again"))
    m = len(listed)
    texts = _sorted(list(dict.fromkeys(listed[i] for i in bad)))
    numbers = len(set(values[~parsed].tolist()))
    markers = [t for t in texts if isinstance(t, str) and _MISSING_MARKER.fullmatch(t.strip())]
    if markers and len(markers) == len(texts) and numbers >= 2:
        # "?" in 14 of 100 rows is a missing value however many rows hold it: read as text, such a column was
        # one-hot encoded (a target: "?" one of its classes, or a regression refused as "85 classes")
        i = int(bad[0])
        fixes = {"na_values": ("na_values", [t.strip() for t in markers]), "dropna": ("dropna", True)}
        what = "the target" if is_target else "it"
        raise DataError(_literal(f"column {c!r} holds numbers except {_few(texts)} ({len(bad)} of {m} rows, the "
                                 f"first at {rows(i)}), which seem{'s' if len(texts) == 1 else ''} to mark a "
                                 f"missing value, so {what} would be read as text: read "
                                 f"{'it' if len(texts) == 1 else 'them'} as missing with ") + "⟨na_values⟩"
                        + " (then ⟨dropna⟩ drops those rows)", fixes)
    decorated = [int(i) for i in bad if _decorated_number(listed[i])]
    if len(decorated) >= max(1, 0.9 * len(bad)):  # CHF 10.57, 1'057.00, −13.38: refused as an ID, or classes
        i = decorated[0]
        marks = {ch for j in decorated for ch in re.findall(r"['’]", listed[j])}
        others = [j for j in decorated if _DECORATION.search(re.sub(r"(?<=\d)['’](?=\d)", "", listed[j].strip()))]
        if len(marks) == 1 and not others:  # only an apostrophe between thousands: the option reads it
            mark = marks.pop()
            raise DataError(_literal(f"column {c!r} holds numbers written with {_show_char(mark)} between thousands "
                                     f"({listed[i]!r} at {rows(i)}), which would be read as text: read the file "
                                     "with ") + "⟨thousands⟩", {"thousands": ("thousands", mark)})
        minus = any("\u2212" in listed[j] for j in decorated)
        raise DataError(_literal(
            f"column {c!r} holds numbers written with other characters around or in them ({listed[i]!r} at "
            f"{rows(i)}" + (", and the minus sign '−' (U+2212) where '-' is meant" if minus else "") + "), which "
            "would be read as text: write them as plain numbers (in a spreadsheet, format the column as numbers "
            "without a currency or separators) and save the file again"))
    read = values[~parsed].tolist()
    zeros = any(isinstance(v, str) and re.fullmatch(r"\s*0\d+\s*", v) for v in read)  # 01, 075: codes, 2A among
    if strays and len(bad) <= max(1, m // 10) and len(texts) <= 3 and numbers >= 2:
        i = int(bad[0])
        what = "the target" if is_target else "it"
        fixes: dict[str, tuple[str, Any]] = {"dropna": ("dropna", True)}
        out = "" if is_target else ", or leave the column out with ⟨drop⟩"
        if not is_target:
            fixes["drop"] = ("drop", [_plain(c)])
        wholes = all(not (isinstance(v, str) and decimal in v) and not (isinstance(v, float) and v != round(v))
                     for v in read)  # 7, 12, 40: codes, maybe; 0,5, 1,5: measurements
        if not is_target and (zeros or decimal != "." and wholes and all(_point_number(t) for t in texts)):
            out = ", leave the column out with ⟨drop⟩, or read its values as codes (categories) with ⟨categorical⟩"
            fixes["categorical"] = ("categorical", [_plain(c)])
        raise DataError(_literal(f"column {c!r} holds numbers except {_few(texts)} ({len(bad)} of {m} rows, the "
                                 f"first at {rows(i)}), so {what} would be read as text: fix those cells, or empty "
                                 "them (an empty cell is a missing value: ") + "⟨dropna⟩ drops its row)" + out,
                        fixes)
    if not is_target and len(bad) < m / 2 and numbers >= 2:
        # numbers in most rows and texts in many (<0.5 in a third of a lab's values, #DIV/0! in a fifth): read as
        # text, each value would have been a one-hot feature of its own, without a word
        i = int(bad[0])
        distinct = len(set(listed))
        raise DataError(_literal(f"column {c!r} holds numbers in {m - len(bad)} of {m} rows and text in the others "
                                 f"({_few(texts)}, the first at {rows(i)}), so it would be read as text and one-hot "
                                 f"encoded, each of its {distinct} values a feature of its own: make those cells "
                                 "numbers, or empty them (") + "⟨dropna⟩ then drops their rows), or leave the "
                        "column out with ⟨drop⟩" + (", or read its values as codes (categories), written with "
                                                    "leading zeros, with ⟨categorical⟩" if zeros else ""),
                        {"dropna": ("dropna", True), "drop": ("drop", [_plain(c)]),
                         **({"categorical": ("categorical", [_plain(c)])} if zeros else {})})


def _check_misfits(values: Any, parsed: np.ndarray, c: object, rows: Any, decimal: str, thousands: str) -> None:
    """Read with a thousands separator its numbers do use (a parsed cell groups by it), a cell that holds it, or the
    other mark, but is not a number so written (``1.050`` in a file of ``1 234,5``; ``0,569`` in a file of
    ``1,234.5``) is named as it is: advice of other marks (guessed from that cell alone) sent the user round in
    circles."""
    listed = values.tolist()
    good = [v for v, bad in zip(listed, parsed) if not bad and isinstance(v, str)]
    if not any(thousands in v for v in good):
        return  # the separator given may be the wrong one: the spellings below say which
    other = "," if decimal == "." else "."
    for i in np.flatnonzero(parsed):
        cell = listed[i].strip() if isinstance(listed[i], str) else ""
        if thousands in cell or (other != thousands and other in cell):
            raise DataError(_literal(
                f"column {c!r} has {cell!r} at {rows(int(i))}, which is not a number as the file writes them (the "
                f"decimal mark {_show_char(decimal)}, {_show_char(thousands)} between thousands, the digits grouped "
                f"by three: 1{thousands}234{decimal}5): write it so"))


def _point_number(value: object) -> bool:
    """Whether a text is a number written with a decimal point (``3.1``, ``1.001``): in a file read with another
    decimal mark, among whole numbers, a code (a version, a product code) more likely than a typo."""
    return isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+\.\d+\s*", value) is not None


_SYMBOLED = re.compile(r"\s*([$€£¥%])?\s*[-+]?\s*([$€£¥])?\s*\d[\d,]*(\.\d+)?\s*([$€£¥%])?\s*")


def _symbol_of(cells: Sequence[object]) -> str | None:
    """The currency or percent sign every one of ``cells`` writes around a number (``$102.49``, ``-€5``,
    ``12 %``), or None.

    >>> _symbol_of(["$102.49", "$5", "-$3.10"]), _symbol_of(["12%", "7.5 %"]), _symbol_of(["$5", "n/a"])
    ('$', '%', None)
    """
    symbols = set()
    for cell in cells:
        match = _SYMBOLED.fullmatch(cell) if isinstance(cell, str) else None
        found = [g for g in (match.group(1), match.group(2), match.group(4)) if g] if match else []
        if len(found) != 1:
            return None
        symbols.add(found[0])
    return symbols.pop() if len(symbols) == 1 else None


def _check_labels(distinct: Sequence[object], target: object, feature: bool = False) -> None:
    """Class labels that differ only by spaces or case (``'Yes'``, ``'yes '``) are refused: they would be
    separate classes (in a ``feature``'s categories, separate one-hot features)."""
    groups: dict[str, list[object]] = {}
    for v in distinct:
        if isinstance(v, str):
            groups.setdefault(v.strip().casefold(), []).append(v)
    alike = [g for g in groups.values() if len(g) > 1]
    if alike:
        shown = "; ".join(", ".join(repr(v) for v in g) for g in alike[:3])
        what, values, would = (("column", "values", "categories (one-hot features)") if feature else
                               ("target column", "labels", "classes"))
        raise DataError(_literal(f"{what} {target!r} has {values} that differ only by spaces or case ({shown}), "
                                 f"which would be separate {would}: write each one way in the file"))


def _classes_as_written(classes: tuple, codes: np.ndarray, cells: Sequence[str], target: object,
                        rows: _Rows) -> tuple:
    """The names of classes that a CSV file writes as numbers (or as true/false), as the file writes them:
    ``classes`` as read (``codes``: each row's class), ``cells``: each row's text. A class written as its number
    prints is kept as that number (0 and 1; 7); if any is written otherwise (``01``, ``1.0``, ``true``), every
    class is named by its text, so that a prediction reads as the file's own label. A class written several ways
    (``7`` and ``07``, ``1`` and ``1.0``: one number, which would make them one class) is refused."""
    spellings: list[dict[str, int]] = [{} for _ in classes]
    for i, (c, cell) in enumerate(zip(codes.tolist(), cells)):
        spellings[c].setdefault(cell, i)  # each text at its first row
    several = [(classes[c], ways) for c, ways in enumerate(spellings) if len(ways) > 1]
    if several:
        value, ways = several[0]
        shown = ", ".join(f"{text!r} at {rows(i)}" for text, i in list(ways.items())[:3])
        more = f" (and {len(several) - 1} more class{'es' * (len(several) > 2)} so)" if len(several) > 1 else ""
        raise DataError(_literal(
            f"target column {target!r} writes one class in {len(ways)} ways: {shown}{more}, which read as the same "
            f"{'value' if isinstance(value, bool) else 'number'} ({_show(value)}), so they would be one class; "
            "if they are one, write it one way in the file; if they are different classes (codes), write them as "
            "texts that are not numbers (a letter before them)"))
    names = [next(iter(ways)) for ways in spellings]
    if all(name == str(value) for name, value in zip(names, classes)):
        return classes
    return tuple(names)


def _missing(pd: Any, series: Any, kind: str) -> np.ndarray:
    """A boolean mask of the missing cells: NaN, None, NA, NaT, and (in text columns) empty or blank strings."""
    mask = np.array(series.isna(), dtype=bool)  # a writable copy
    if kind == "category":
        mask |= np.fromiter((isinstance(v, str) and not v.strip() for v in series.tolist()), bool, len(series))
    return mask


def _column_names(name: str, given: object, columns: list, target: object) -> list:
    """Check ``features=`` or ``categorical=``: a list of distinct columns of the frame, not the target."""
    if isinstance(given, (str, bytes)) or not isinstance(given, Sequence):
        import csv

        # "f0,f1" is ['f0', 'f1'], and '"day,x",temp' ['day,x', 'temp'] (a name with a comma, quoted)
        parts = ([p.strip() for p in next(csv.reader([given], skipinitialspace=True), []) if p.strip()]
                 if isinstance(given, str) else [])
        example = repr(parts or [given]) if isinstance(given, str) else "['a', 'b']"
        raise ValueError(f"{name}={given!r} must be a list of column names, e.g. {name}={example}")
    labels = [str(c) for c in columns]
    seen = set()
    option = {"option": (name, [_plain(c) for c in given])}  # spelled as the interface names the option
    for c in given:
        if c not in columns:
            listed = f" (columns: {_names_shown(labels)})" if len(labels) <= 20 else f" ({len(labels)} columns)"
            # a name holding a comma, split at it on the way ("size, m2" read as size and m2): said whole
            whole = [label for label in labels if "," in label and [p.strip() for p in label.split(",")]
                     == [str(g).strip() for g in given]]
            if whole:
                raise DataError("⟨option⟩: " + _literal(f"{c!r} is not a column; the column {whole[0]!r} holds a "
                                                        "comma, which separates the names: give it as ")
                                + "⟨whole⟩", {**option, "whole": (name, [whole[0]])})
            near = _near(str(c), labels)
            if any(join_items([label]) != label for label in near):  # spaces at its ends: the whole option spelt
                fixes = {f"near{i}": (name, [label if g == c else _plain(g) for g in given])
                         for i, label in enumerate(near)}
                raise DataError("⟨option⟩: " + _literal(f"{c!r} is not a column; did you mean ")
                                + " or ".join(f"⟨near{i}⟩" for i in range(len(near))) + "?" + _literal(listed),
                                {**option, **fixes})
            raise DataError(
                "⟨option⟩: " + _literal(f"{c!r} is not a column{close_matches(str(c), labels)}{listed}"), option)
        if c == target:
            what = {"features": "a feature", "drop": "left out"}.get(name, "categorical")
            raise DataError("⟨option⟩ " + _literal(f"lists the target column {c!r}, the column to predict; it "
                                                   f"can't also be {what}"), option)
        if c in seen:
            raise DataError("⟨option⟩ " + _literal(f"lists the column {c!r} twice"), option)
        seen.add(c)
    return list(given)


def _unmangled(label: str) -> str:
    """A column's name without the ``.1``, ``.2``, ... pandas appends to a name the header repeats."""
    return re.sub(r"\.\d+$", "", label)


def _numeric_name(label: str) -> bool:
    """Whether a column's name is a number (pandas names a repeated one ``1.5.1``): a file without a header."""
    for text in (label, _unmangled(label)):
        try:
            float(text)
            return True
        except ValueError:
            pass
    return False


def _check_table_options(kind: object, dtype: object, max_categories: object, dropna: object = False,
                         ) -> tuple[torch.dtype, int]:
    if kind is not None:
        check_choice("kind", kind, TABLE_KINDS)
    if not isinstance(dropna, bool):
        raise ValueError(f"dropna={dropna!r} must be True or False")
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
    drop: Sequence[object] | None = None,
    dropna: bool = False,
    decimals: Callable[[object], bool] | None = None,
    numbers_read: Callable[[list], None] | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    written: Callable[[object], list[str] | None] | None = None,
) -> Dataset:
    """:func:`from_frame`'s work. ``decimals(c)``: whether a CSV file writes column ``c``'s numbers with a
    decimal point (1.0, 2.0), which keeps it a column of decimals once ``dropna`` drops its empty cells;
    ``numbers_read(columns)``: a CSV file's check of how the columns it uses as numbers were read; ``decimal``
    and ``thousands``: the decimal mark and thousands separator the file was read with; ``written(c)``: a CSV
    file's cells of column ``c`` as it writes them, without the spaces around them, one per row of ``frame``
    (None where they cannot be read so), read once asked: the names of classes the reader took for numbers."""
    pd = importlib.import_module("pandas")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"frame must be a pandas DataFrame, not {type(frame).__name__}")
    from_file = rows is not None  # a CSV file's rows (its lines); a DataFrame's are its index
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
        fixes: dict[str, tuple[str, Any]] = {"target": ("target", target)}
        listed = _literal(f" (columns: {_names_shown(labels)})" if len(labels) <= 20 else
                          f" (it has {len(labels)} columns)")
        sep = _likely_separator(labels[0], _first_cell(frame)) if len(labels) == 1 else None
        if sep is not None:
            listed = _literal(f" (its one column is {labels[0][:60]!r}): the names are not split into columns; "
                              f"the separator is probably {_show_sep(sep)}: read it with ") + "⟨sep⟩"
            fixes["sep"] = ("sep", sep)
        elif rows.file and len(labels) > 1 and all(_numeric_name(label) for label in labels):
            listed += _literal(": its first line holds numbers, so the file seems to have no header; add a line "
                               "of column names at its top")
        near = _near(str(target), labels) if sep is None else []  # the one column is the whole line: not a match
        fixes.update({f"near{i}": ("target", label) for i, label in enumerate(near)})
        suggestion = "; did you mean " + " or ".join(f"⟨near{i}⟩" for i in range(len(near))) + "?" if near else ""
        raise DataError(f"⟨target⟩ is not a column of the {'file' if rows.file else 'DataFrame'}{suggestion}"
                        + listed, fixes)
    if drop is not None:
        if features is not None:
            raise ValueError("give features= (the columns to use) or drop= (the columns to leave out), not both")
        drop = _column_names("drop", drop, columns, target)
        features = [c for c in columns if c != target and c not in drop]
        if not features:
            raise DataError("⟨given⟩ leaves no feature columns; keep at least one", {"given": ("drop", drop)})
    named = set()  # columns features= names: a column that numbers the rows, named, is the user's to use (a day 1..n)
    if features is None:
        features = [c for c in columns if c != target]
        if not features:
            raise ValueError(
                f"no feature columns left: the {'file' if rows.file else 'DataFrame'} has only the target column "
                f"{target!r}; a data set needs at least one feature"
            )
    else:
        features = _column_names("features", features, columns, target)
        if not features:
            raise ValueError("features=[] leaves no feature columns; name at least one feature column")
        named = set(features) if drop is None else set()
    forced = set()
    if categorical is not None:
        for c in _column_names("categorical", categorical, columns, target):
            if c not in features:
                raise DataError("⟨option⟩ " + _literal(f"lists {c!r}, which is not one of the features "
                                                       f"({_few(features)})"),
                                {"option": ("categorical", [_plain(g) for g in categorical])})
            forced.add(c)
    m = len(frame)
    if m == 0:
        raise ValueError("the DataFrame has no rows; a data set needs at least one sample")

    used = [*features, target]
    series = {c: frame[c] for c in used}
    types = {c: _column_type(pd, series[c], c in forced) for c in used}
    dropped = 0
    kept_rows = np.arange(m)  # the rows of ``frame`` kept (dropna), where ``written`` reads them
    # an ID column numbers the rows of the file (as read), not the rows left once those with gaps are dropped
    numbering = {c: _numbers_the_rows(series[c].to_numpy(dtype=np.float64)) for c in features
                 if types[c] == "integer" and m >= _ID_ROWS and c not in forced and c not in named}
    if dropna:
        gaps = {c: _missing(pd, series[c], types[c]) for c in used}
        keep = ~np.logical_or.reduce(list(gaps.values()))
        dropped = m - int(keep.sum())
        if dropped == m:
            empty = [c for c in used if c != target and gaps[c].all()]
            if empty and len(empty) < len(features):
                listed = f"column {empty[0]!r} is" if len(empty) == 1 else f"columns {_few(empty)} are"
                raise DataError(_literal(f"{listed} empty (a missing value in every one of the {m} rows), so "
                                         "dropping the rows with missing values would leave none; leave ")
                                + ("it" if len(empty) == 1 else "them") + " out with ⟨drop⟩",
                                {"drop": ("drop", [_plain(c) for c in empty])})
            raise DataError(_literal(f"every one of the {m} rows has a missing value in a used column; ")
                            + "⟨dropna⟩ would leave no rows: fill them in, or leave out the columns with most of "
                            "them", {"dropna": ("dropna", True)})
        if dropped:
            frame, kept_rows = frame[keep], kept_rows[keep]
            m = len(frame)
            series = {c: frame[c] for c in used}
            rows = rows.subset(frame, keep)
            # a column of whole numbers with empty cells was read as floats because of them: without those rows
            # it is the whole numbers it is (a target of classes 0/1/2 stays classes, not a regression)
            for c in used:
                was_text = types[c] == "category" and c not in forced
                if was_text:  # numbers read as text because of a dropped row (an exported "Total" line)
                    # each cell with the file's marks (1,5 with decimal=','; 1.234,5 with thousands='.' too)
                    numbers = pd.to_numeric(series[c].astype(object).map(
                        lambda v: _number_text(v, decimal, thousands)), errors="coerce")
                    if bool(numbers.notna().all()):
                        series[c], types[c] = numbers, _column_type(pd, numbers, False)
                if types[c] == "float" and (gaps[c].any() or was_text) and not (
                        decimals is not None and not was_text and decimals(c)):  # 1.0, 2.0 in the file: decimals
                    values = series[c].to_numpy(dtype=np.float64)
                    if bool(np.all(values == np.round(values))) and bool(np.all(np.abs(values) < 2**53)):
                        series[c], types[c] = series[c].astype(np.int64), "integer"
    for c in used:
        if types[c] == "unsupported":
            fixes = (
                "convert it to numbers or labels first" if c == target else
                f"convert it to numbers first, pass categorical=[{c!r}] to one-hot encode its values, or leave it "
                "out with features="
            )
            raise ValueError(f"column {c!r} has dtype {series[c].dtype}, which can't be used as it is: {fixes}")
    if numbers_read is not None:  # the columns used as numbers (a dropped date, a categorical code: not)
        numbers_read([c for c in used if c not in forced])

    # Missing values: named, counted, never dropped silently.
    masks = {c: _missing(pd, series[c], types[c]) for c in used}
    any_missing = np.zeros(m, dtype=bool)
    for mask in masks.values():
        any_missing |= mask
    if any_missing.any():
        first = int(any_missing.argmax())
        column = next(c for c in used if masks[c][first])
        value = series[column].iloc[first]
        cells = written(column) if written is not None else None
        said = cells[kept_rows[first]] if cells is not None else ""  # the text the reader took for a missing value
        if said:
            others = ", ".join(t for t in ("NA", "N/A", "None", "null", "NaN") if t != said)
            what = f"the text {said!r}, which reads as a missing value, as do an empty field, {others}, ..."
        elif cells is not None:
            what = "an empty field"
        elif rows.file:  # the text is gone: the reader took it for a missing value
            what = "an empty field, or a text read as a missing value (NA, N/A, None, null, NaN, ...)"
        elif isinstance(value, str):
            what = "an empty string" if not value else f"the blank string {value!r}"
        else:
            what = "None" if value is None else str(value)
        bad = [c for c in used if masks[c].any()]
        counts = ", ".join(f"{c!r}: {int(masks[c].sum())}" for c in bad)
        n = int(any_missing.sum())
        fixes = {"dropna": ("dropna", True)} if n < m else {}  # dropping every row leaves nothing to train on
        features_bad = [c for c in bad if c != target]
        columns_fix = ""
        if features_bad and len(features_bad) < len(features):
            fixes["drop"] = ("drop", [_plain(c) for c in features_bad])
            columns_fix = "leave out the column" + ("s" if len(features_bad) > 1 else "") + " with ⟨drop⟩"
        unnamed = [c for c in features_bad if str(c).startswith("Unnamed: ") and masks[c].all()]
        why = _literal(f" (an empty column named {unnamed[0]!r} by the reader: the lines end in a separator)"
                       if unnamed else "")
        empty = [c for c in features_bad if masks[c].all()]  # a spreadsheet's trailing empty columns, say
        rest = np.zeros(m, dtype=bool)
        for c in bad:
            if c not in empty:
                rest |= masks[c]
        if empty and len(empty) < len(features) and rest.sum() < m:  # both fixes in one go, where both are needed
            fixes = {"drop": ("drop", [_plain(c) for c in empty])}
            fix = f"leave out the empty column{'s' if len(empty) > 1 else ''} with ⟨drop⟩"
            if rest.any():
                fixes["dropna"] = ("dropna", True)
                fix += f" and drop the {int(rest.sum())} rows that still miss a value with ⟨dropna⟩"
        elif n < m:
            fix = "drop those rows with ⟨dropna⟩" + (", " + columns_fix if columns_fix else "")
            if said and column == target and types[target] == "category":  # a class named NA (Namibia's code)
                fix = _literal(f"if {said!r} is one of the classes, name it otherwise in the file (the reader takes "
                               f"{said!r} for a missing value wherever it is), else ") + fix
        else:
            fix = columns_fix or "leave out the columns that hold them"
        raise DataError(
            _literal(f"column {column!r} has a missing value ({what}) at {rows(first)}; {n} of {m} rows "
                     f"{'has' if n == 1 else 'have'} missing values (per column: {counts})") + why + "; " + fix
            + ", or fill them in (missing values are never dropped silently)", fixes)

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
                said = f"column {c!r} has an infinite value ({values[i]:g}) at {rows(i)}; {int(inf.sum())} of {m} rows " \
                       "have infinite values in this column, and every value must be finite"
                if not from_file:  # a DataFrame: its own methods drop, clip or impute
                    raise ValueError(said + ": drop, clip or impute them")
                # a CSV file: its texts read as missing values, then their rows dropped (dropna alone keeps them)
                texts = sorted({"inf" if v > 0 else "-inf" for v in values[inf]})
                raise DataError(_literal(said + ": to drop those rows read them as missing with ") + "⟨na_values⟩ "
                                "and ⟨dropna⟩, or clip or impute them",
                                {"na_values": ("na_values", texts), "dropna": ("dropna", True)})
            if c in features or kind == "regression" or (kind is None and types[c] == "float"):
                big = np.abs(values) > largest
                if big.any():
                    i = int(big.argmax())
                    raise ValueError(
                        f"column {c!r} has the value {values[i]:g} at {rows(i)}, which overflows {dtype} (largest "
                        f"{largest:g}); rescale the column (divide it by a power of ten)"
                    )
                _check_resolution(values, c, dtype)

    # The target.
    ttype = types[target]
    y_series = series[target]
    guessed = kind is None  # the kind read from the values, not given
    if kind is None and ttype == "float":
        values = y_series.to_numpy(dtype=np.float64)
        if bool(np.isin(values, (0.0, 1.0)).all()) and len(np.unique(values)) == 2:  # 0.0/1.0: binary labels
            y_series, ttype = y_series.astype(np.int64), "integer"
        else:
            kind = "regression"
    if ttype == "category" and kind in (None, "regression"):
        _check_text_numbers(pd, y_series, target, rows, is_target=True, strays=kind is None, decimal=decimal,
                            thousands=thousands)
    distinct = [] if kind == "regression" else _sorted(list(dict.fromkeys(y_series.tolist())))
    numeric = ttype in ("bool", "integer", "float")
    if kind != "regression":
        _check_labels(distinct, target)
    # whole numbers are classes only when they look like labels: at most _MANY_CLASSES of them, numbered without
    # gaps (0/1/2, 1..5); a price of 3, 5, 7, 11 or 13 dollars, or 89 prices in 1,000 rows, is a number
    labels_like = len(distinct) <= _MANY_CLASSES and (len(distinct) <= 2 or (
        max(distinct) - min(distinct) + 1 == len(distinct) if all(isinstance(v, int) for v in distinct) else True))
    # (a value different in every row of ten or more is refused below as an identifier; in fewer rows, here)
    if kind is None and ttype == "integer" and not labels_like and (len(distinct) < m or m < _ID_ROWS):
        many = len(distinct) > _MANY_CLASSES
        why = (f"with {len(distinct)} distinct values in {m} rows (e.g. {_few(distinct)})" if many
               else f"{_few(distinct)}, not classes numbered without gaps (0, 1, 2, ...)")
        raise DataError(_literal(f"target column {target!r} holds whole numbers {why}, which would be read as "
                                 f"{len(distinct)} classes: to predict it as a number use ") + "⟨regression⟩, to "
                        "keep the classes ⟨classification⟩", {"regression": ("kind", "regression"),
                                                              "classification": ("kind", "classification")})
    if kind is None and ttype == "category" and len(distinct) > max(_MANY_CLASSES, m // 2) and len(distinct) < m:
        raise DataError(_literal(f"target column {target!r} holds {len(distinct)} classes in {m} rows (e.g. "
                                 f"{_few(distinct)}): most are on one or two rows, too few for a classifier to "
                                 "learn them (the training split holds 60 % of the rows); to train on them anyway "
                                 "use ") + "⟨classification⟩", {"classification": ("kind", "classification")})
    if kind in (None, "classification"):
        if len(distinct) == 2:
            kind = "binary"
        elif len(distinct) > 2:
            kind = "multiclass"
        else:
            if numeric:
                raise DataError(_literal(f"target column {target!r} has a single class ({_show(distinct[0])} in "
                                         "every row); a classifier needs at least 2 classes, and as a number it "
                                         "is the same in every row too: there is nothing to learn; predict "
                                         "another column"))
            raise ValueError(
                f"target column {target!r} has a single class ({_show(distinct[0])} in every row); a classifier "
                "needs at least 2 classes: predict another column"
            )
    if kind in ("binary", "multiclass") and m >= _ID_ROWS and len(distinct) == m:
        fixes, fix = {}, "; predict another column"
        if numeric:
            fixes["kind"] = ("kind", "regression")
            fix = "; to predict it as a number, use ⟨kind⟩"
        raise DataError(_literal(f"target column {target!r} has a different value in every row ({m} classes for "
                                 f"{m} rows, e.g. {_few(distinct)}): it looks like an identifier (ID), not a "
                                 "class, and a classifier can't learn a class it has seen once") + fix, fixes)
    classes = None
    if kind == "regression":
        if target not in numbers_of:
            numeric = pd.to_numeric(y_series.astype(object), errors="coerce")
            bad = np.asarray(numeric.isna(), dtype=bool)
            if bad.any():
                i = int(bad.argmax())
                raise DataError(
                    _literal(f"target column {target!r} has the non-numeric value {_show(y_series.iloc[i])} at "
                             f"{rows(i)}; ") + "⟨given⟩ needs a numeric target; for class labels use ⟨kind⟩",
                    {"given": ("kind", "regression"), "kind": ("kind", "classification")})
            raise ValueError(
                f"target column {target!r} holds numbers stored as {y_series.dtype} (e.g. "
                f"{_show(y_series.iloc[0])} at {rows(0)}); kind='regression' needs a numeric column: convert it "
                f"first with frame[{target!r}] = pd.to_numeric(frame[{target!r}])"
            )
        y = numbers_of[target]
        if len(y) > 1 and bool(np.all(y == y[0])):
            raise DataError(_literal(f"target column {target!r} has the same value ({y[0]:g}) in every one of "
                                     f"the {m} rows: there is nothing to learn (every model predicts it "
                                     "exactly); predict another column"))
    else:
        if len(distinct) < 2:
            raise DataError(
                _literal(f"target column {target!r} has a single class ({_show(distinct[0])} in every row); ")
                + "⟨given⟩ needs at least 2 classes: predict another column", {"given": ("kind", kind)})
        if kind == "binary" and len(distinct) > 2:
            raise DataError(
                _literal(f"target column {target!r} has {len(distinct)} distinct values ({_few(distinct)}), but ")
                + "⟨given⟩ needs exactly 2; use ⟨fix⟩ (binary or multiclass by the number of classes)",
                {"given": ("kind", "binary"), "fix": ("kind", "classification")})
        code = {v: k for k, v in enumerate(distinct)}
        labels_y = np.fromiter((code[v] for v in y_series.tolist()), np.int64, m)
        y = labels_y.astype(np.float64) if kind == "binary" else labels_y
        classes = tuple(_plain(v) for v in distinct)
        if numeric and written is not None and (cells := written(target)) is not None:
            classes = _classes_as_written(classes, labels_y, [cells[i] for i in kept_rows], target, rows)

    # The features: numeric columns as they are, categorical columns one-hot, in the order of `features`.
    blocks, names, encoded, columns = [], [], [], []
    for c in features:
        span = numbering.get(c)
        # (the kept rows' numbering, once rows with gaps are dropped)
        if span is None and dropped and types[c] == "integer" and m >= _ID_ROWS and c not in forced | named:
            span = _numbers_the_rows(numbers_of[c])
        if span is not None:
            raise DataError(_literal(f"column {c!r} numbers the rows ({span[0]} to {span[1]}, each once): it looks "
                                     "like an identifier (ID) or row number, which can't predict anything; leave it "
                                     "out with ") + "⟨drop⟩"
                           + _literal(" (a number that predicts, such as a day, is used where the features are named: ")
                           + "⟨named⟩)",
                           {"drop": ("drop", [_plain(c)]), "named": ("features", [_plain(f) for f in features])})
        if types[c] != "category":
            blocks.append(numbers_of[c][:, None])
            names.append(str(c))
            columns.append((c, None))
            continue
        values = series[c].tolist()
        if c not in forced:
            _check_text_numbers(pd, series[c], c, rows, is_target=False, decimal=decimal, thousands=thousands)
        categories = _sorted(list(dict.fromkeys(values)))
        dated = [v for v in values if isinstance(v, str) and _DATE.fullmatch(v.strip())]
        if c not in forced and len(categories) >= 10 and len(dated) >= 0.9 * m:
            i = next(j for j, v in enumerate(values) if isinstance(v, str) and _DATE.fullmatch(v.strip()))
            raise DataError(
                _literal(f"column {c!r} holds dates or times ({values[i]!r} at {rows(i)}), which would be read as "
                         f"text and one-hot encoded, each of its {len(categories)} values a feature of its own: "
                         "turn it into a number in the file (days since a date, the hour of the day), or leave it "
                         "out with ") + "⟨drop⟩", {"drop": ("drop", [_plain(c)])})
        _check_labels(categories, c, feature=True)  # 'red' and 'red ' would be two features
        if c not in forced and m >= _ID_ROWS and len(categories) == m:
            raise DataError(
                _literal(f"column {c!r} has a different text in every row ({m} of {m}, e.g. {_few(categories)}): "
                         "it looks like an identifier (ID), which can't predict anything (one-hot encoded, each "
                         f"row would get a feature of its own); leave it out with ") + "⟨drop⟩",
                {"drop": ("drop", [_plain(c)])})
        if len(categories) > max_categories:
            numeric = pd.to_numeric(series[c].astype(object), errors="coerce")
            why = (
                "its values look like numbers stored as text"
                if not numeric.isna().any() and c not in forced
                else "it is probably an identifier (ID) column"
            )
            raise DataError(
                _literal(f"column {c!r} is categorical with {len(categories)} distinct values, more than the "
                         f"{max_categories} allowed, so one-hot encoding would add {len(categories)} "
                         f"features; {why}. Leave it out with ") + "⟨drop⟩, or raise ⟨max⟩ if it really is "
                "categorical", {"drop": ("drop", [_plain(c)]), "max": ("max_categories", len(categories))})
        # not scikit-learn's OneHotEncoder: it refuses a column mixing numbers and text, which a CSV file may hold
        code = {v: k for k, v in enumerate(categories)}
        onehot = np.zeros((m, len(categories)))
        onehot[np.arange(m), np.fromiter((code[v] for v in values), np.int64, m)] = 1.0
        blocks.append(onehot)
        names.extend(f"{c}={_plain(v)}" for v in categories)
        encoded.append(str(c))
        columns.append((c, tuple(categories)))
    if len(set(names)) != len(names):
        twice = _sorted({n for n in names if names.count(n) > 1})
        raise ValueError(
            f"the encoded features have duplicate names ({_few(twice)}); rename the columns or values involved"
        )
    x = torch.from_numpy(np.concatenate(blocks, axis=1))
    ds = as_dataset(x, torch.from_numpy(y), kind=kind, feature_names=names, classes=classes, dtype=dtype)
    return dataclasses.replace(ds, target_name=str(target), dropped=dropped, encoded=tuple(encoded),
                               columns=tuple(columns), reading=_reading(target, kind, ttype, y, classes)
                               if guessed else "")


def _reading(target: object, kind: str, ttype: str, y: np.ndarray, classes: tuple | None) -> str:
    """How a target whose kind was read from its values was read, where the other reading is as likely: decimals
    that are whole numbers, few of them (1.0, 2.0, 3.0), read as a number; whole numbers that do not start at 0
    or 1 (years 2015 to 2022) read as classes. Empty otherwise (0/1, 0..9 and texts are classes, other decimals a
    number)."""
    if kind == "regression" and ttype == "float" and y.ndim == 1:
        values = np.unique(y)
        if len(values) <= _MANY_CLASSES and bool(np.all(values == np.round(values))):
            return (f"target {target!r} read as a number (regression): its {len(values)} values are whole numbers "
                    f"written as decimals ({_few([_plain(v) for v in values])}); if they are classes, give "
                    "--kind classification (kind='classification' in Python)")
    if kind == "multiclass" and ttype == "integer" and classes and all(isinstance(c, int) for c in classes) \
            and min(classes) not in (0, 1):
        return (f"target {target!r} read as {len(classes)} classes (the whole numbers {min(classes)} to "
                f"{max(classes)}); to predict it as a number, give --kind regression (kind='regression' in Python)")
    return ""


def features_of(frame: Any, columns: Sequence[tuple[Any, tuple | None]] | Dataset, *,
                dtype: torch.dtype | None = None) -> torch.Tensor:
    """New rows of a table as the features ``[n, D]`` a data set read from it holds: ``columns`` is that data
    set's :attr:`Dataset.columns` (or the :class:`Dataset`, or a problem's ``columns``), each numeric column as
    its numbers and each categorical one one-hot over the values it held, in the same order. Other columns (the
    target among them) are left out. ``dtype``: the data set's when it is given, else float32.

    Refused, naming the column and the row: a column the rows do not have, a missing value, a text where the
    column held numbers, a value of a categorical column that the data set did not hold (it has no feature of its
    own: the model never saw it).

        >>> import pandas as pd
        >>> ds = from_frame(pd.DataFrame({"size": [1.5, 2.0, 0.5], "colour": ["red", "blue", "red"],
        ...                               "result": ["pass", "fail", "pass"]}), target="result")
        >>> features_of(pd.DataFrame({"colour": ["blue"], "size": [3.0]}), ds.columns).tolist()
        [[3.0, 1.0, 0.0]]
    """
    columns, dtype = _encoding_of(columns, dtype)
    return _features(frame, columns, dtype, None)


def read_rows(path: str | os.PathLike | Any, columns: Sequence[tuple[Any, tuple | None]] | Dataset, *,
              dtype: torch.dtype | None = None, **read_csv_kwargs: Any) -> tuple[Any, torch.Tensor]:
    """New rows from a CSV file, read as :func:`from_csv` reads one (``read_csv_kwargs``: its options, ``sep``,
    ``decimal``, ``encoding``, ...): the file's cells as it writes them (a DataFrame of texts, an empty cell
    ``""``: an identifier ``00123`` stays so) and the rows' features as :func:`features_of` encodes them, every
    error naming the file, and a row by its line."""
    columns, dtype = _encoding_of(columns, dtype)
    frame, rows, where, text, read_csv_kwargs = _read_csv(path, dict(read_csv_kwargs))
    try:
        numbers = [c for c, values in columns if values is None and c in frame.columns]
        _check_decimal_point(frame[numbers], read_csv_kwargs.get("decimal"), rows)
        _check_points_read(frame[numbers], text, read_csv_kwargs, rows)
        _check_dotted_thousands(frame[numbers], text, read_csv_kwargs, rows)
        _check_thousands_groups(frame, text, read_csv_kwargs, rows, numbers)
        # a categorical column's values as the file writes them (a code 06000, which pandas reads as 6000), and
        # as read (a data set whose codes were numbers: read from a DataFrame, or by an earlier release)
        written, cells = _as_written(frame, text, read_csv_kwargs, [c for c, values in columns if values is not None])
        x = _features(written, columns, dtype, rows, read_csv_kwargs.get("decimal") or ".", read=frame,
                      thousands=read_csv_kwargs.get("thousands"))
        return (cells if cells is not None and cells.shape == frame.shape else frame), x
    except DataError as err:
        raise err.prefixed(_literal(f"{where}: ")) from None
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _as_written(frame: Any, text: Callable[[], str], options: Mapping[str, Any],
               columns: Sequence[object]) -> tuple[Any, Any]:
    """A CSV file's frame with its ``columns`` that pandas read as numbers as the file writes their cells, without
    the spaces around them (a code ``06000``, which pandas reads as 6000; ``3.0``, not 3), a missing value kept
    missing; and the file's cells as written (None when they cannot be read so). Text and boolean columns are as
    read, and so is a column the reading's own options type (``dtype``, ``converters``, ``parse_dates``)."""
    cells = _cells_as_written(text, options)
    pd = importlib.import_module("pandas")
    typed = _typed_columns(options)
    if typed is None:
        return frame, cells
    changed = [c for c in columns if c in frame.columns and c not in typed and cells is not None
               and c in cells.columns and pd.api.types.is_numeric_dtype(frame[c].dtype)
               and not pd.api.types.is_bool_dtype(frame[c].dtype)]
    if not changed or cells.shape != frame.shape:
        return frame, cells
    frame = frame.copy()
    for c in changed:
        missing = frame[c].isna().to_numpy()
        frame[c] = pd.Series([None if gap else cell.strip() if isinstance(cell, str) else cell
                              for gap, cell in zip(missing, cells[c].tolist())], index=frame.index, dtype=object)
    return frame, cells


def _typed_columns(options: Mapping[str, Any]) -> set | None:
    """The columns that the reading's own options type (``dtype``, ``converters``, ``parse_dates``: the user's
    types, which the file's texts do not replace); None where they type every column (one ``dtype``,
    ``parse_dates=True``)."""
    dtype, dates = options.get("dtype"), options.get("parse_dates")
    if dtype is not None and not isinstance(dtype, Mapping) or dates is True:
        return None
    typed = set()
    for given in (dtype, options.get("converters")):
        if isinstance(given, Mapping):
            typed |= {c for c in given if _hashable(c)}
    if isinstance(dates, Sequence) and not isinstance(dates, str):
        typed |= {c for c in dates if _hashable(c)}
    return typed


def _encoding_of(columns: Any, dtype: torch.dtype | None) -> tuple[Any, torch.dtype]:
    """The columns of a Dataset (or a Problem, or the columns themselves) and the features' dtype: ``dtype``, else
    the data set's, else float32."""
    if dtype is None:
        dtype = columns.x.dtype if isinstance(columns, Dataset) else torch.float32
    return getattr(columns, "columns", columns), dtype


def _features(frame: Any, columns: Any, dtype: torch.dtype, rows: _Rows | None,
              decimal: str = ".", read: Any = None, thousands: str | None = None) -> torch.Tensor:
    """:func:`features_of`'s work; ``rows`` names a row in messages (a CSV file's by its line); ``decimal``: the
    file's decimal mark, for a column of numbers read as text because of one cell; ``read``: a CSV file's frame as
    pandas read it, where ``frame`` has categorical columns as the file writes them (a value matches the data set's
    as written, else as read)."""
    pd = importlib.import_module("pandas")
    if isinstance(frame, Dataset) or not isinstance(columns, Sequence):
        raise ValueError("features_of(frame, columns): give the new rows as a pandas DataFrame, then the data set "
                         "(or its columns) that says how its table became features")
    if not columns:
        raise ValueError("these features are not columns of a table (samples of several axes, such as images): "
                         "give new rows as the features themselves, a tensor of the training samples' shape")
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"the new rows must be a pandas DataFrame with the table's columns, not "
                         f"{type(frame).__name__}")
    have = list(frame.columns)
    if not frame.columns.is_unique:
        twice = _sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise ValueError(f"the new rows have duplicate column names ({_few(twice)}); rename them first")
    rows = rows if rows is not None else _Rows(frame)
    blocks = []
    for c, categories in columns:
        if c not in have:
            sep = _likely_separator(str(have[0]), _first_cell(frame)) if len(have) == 1 else None
            if sep is not None:  # the header read as one column: the file has another separator
                raise DataError(_literal(f"the new rows have one column, {str(have[0])[:60]!r}: the names are not "
                                         f"split into columns; the separator is probably {_show_sep(sep)}: read the "
                                         "file with ") + "⟨sep⟩", {"sep": ("sep", sep)})
            near = _near(str(c), [str(h) for h in have])
            hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            plain = all(v is None for _, v in columns)  # features given as numbers: an array of them does too
            names = [str(k) for k, _ in columns]
            taken = (_names_shown(names) if len(names) <= 20 else
                     f"{len(names)} columns: {_names_shown(names[:8])}, ...")
            raise ValueError(f"the new rows have no column {c!r}, which the model takes as a feature{hint} (it takes "
                             f"{taken})" + (
                                 ": name the columns so, or give the features as an array, rows.to_numpy()"
                                 if plain and not near else ""))
        series = frame[c]
        kind = "category" if categories is not None else "float"
        missing = _missing(pd, series, "category" if series.dtype == object else kind)
        if missing.any():
            i = int(missing.argmax())
            raise ValueError(f"column {c!r} has a missing value at {rows(i)} ({int(missing.sum())} of {len(frame)} "
                             "new rows): the model needs every feature; fill it in, or leave that row out")
        if categories is None:
            texts = series.dtype == object or not pd.api.types.is_numeric_dtype(series.dtype)
            if texts:  # a column of numbers read as text because of one cell: each cell with the file's mark
                series = series.astype(object).map(lambda v: _number_text(v, decimal, thousands))
            values = np.asarray(pd.to_numeric(series, errors="coerce") if texts else series, dtype=np.float64)
            bad = ~np.isfinite(values)
            if bad.any():
                i = int(bad.argmax())
                cell = frame[c].iloc[i]
                said = _literal(f"column {c!r} holds numbers, and has {cell!r} at {rows(i)}, not a number written "
                                f"with the decimal mark {_show_char(decimal)}: ")
                text = cell.strip() if isinstance(cell, str) else ""
                mark = re.escape(decimal)
                grouping = re.fullmatch(rf"[-+]?\d{{1,3}}([.' \u00a0\u202f])\d{{3}}(\1\d{{3}})*({mark}\d*)?", text)
                if grouping and grouping.group(1) != decimal:
                    raise DataError(said + f"if {_show_char(grouping.group(1))} separates its thousands, read the "
                                    "file with ⟨thousands⟩", {"thousands": ("thousands", grouping.group(1))})
                if decimal == "." and re.fullmatch(r"[-+]?\d*,\d+", text):
                    raise DataError(said + "if the comma is its decimal mark, read the file with ⟨decimal⟩",
                                    {"decimal": ("decimal", ",")})
                raise ValueError(f"column {c!r} holds numbers, and has {_show(cell)} at {rows(i)}: give it a finite "
                                 f"number" + (f" written with the decimal mark {_show_char(decimal)}"
                                              if decimal != "." else ""))
            blocks.append(values[:, None])
            continue
        code = {v: k for k, v in enumerate(categories)}
        by_text = {_text(v): k for k, v in enumerate(categories)}  # 3 read as 3.0, or as '3' from a file
        onehot = np.zeros((len(frame), len(categories)))
        # a value as read only where the data set's values are not texts as written (a DataFrame's numbers, an
        # earlier release's): a model trained on 06000 does not take 6000, nor one trained on 6000 take 06000
        as_read = read is not None and not all(isinstance(v, str) for v in categories)
        alternatives = read[c].tolist() if as_read else [None] * len(frame)
        for i, (v, other) in enumerate(zip(series.tolist(), alternatives)):
            k = None
            stripped = v.strip() if isinstance(v, str) and v != v.strip() else None  # '2A ' for 2A, as '13 ' for 13
            for value in (v, stripped, other):
                if value is None:
                    continue
                k = code.get(value) if _hashable(value) else None
                if k is None:
                    k = by_text.get(_text(value))
                if k is not None:
                    break
            if k is None:
                raise ValueError(f"column {c!r} has {_show(v)} at {rows(i)}, a value the training data did not hold "
                                 f"(it held {_few(list(categories))}), so the model has no feature for it")
            onehot[i, k] = 1.0
        blocks.append(onehot)
    x = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(frame), 0))
    return torch.from_numpy(x).to(dtype)


def _text(value: object) -> str:
    """A value of a categorical column as text, a whole number as one (3.0 as "3")."""
    value = _plain(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _literal(text: str) -> str:
    """Text from the data (a column name, a value) put into a :class:`DataError` template as it is."""
    return text.replace("⟨", "<").replace("⟩", ">")


#: Separators a CSV file is often written with, in the order they are guessed.
_SEPARATORS = (";", "\t", "|", ",")


def _likely_separator(header: str, line: object = None) -> str | None:
    """The separator a header line that was read as one column is probably written with, or None: a character of
    :data:`_SEPARATORS`, or the same twice where it only comes in pairs in the header and in ``line``, the first
    line of data (``id||price``; ``a;;y`` is a column without a name, where ``1;7;0`` holds single ones)."""
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    if counts[best] == 0:
        return None
    paired = [text for text in (header, line) if isinstance(text, str) and text.count(best)]
    doubled = len(paired) == 2 and all(text.count(best) == 2 * text.count(best * 2) for text in paired)
    return best * 2 if doubled else best


#: The characters that make a separator of several characters a regular expression (a backslash, a repetition, a
#: class or a group: ``\s+``, `` *; *``, ``[;,]``), as pandas reads every such separator.
_PATTERN = re.compile(r"[\\*+?\[\](){}^$]")


def as_pattern(sep: str) -> str:
    r"""A separator of several characters as pandas reads it, a regular expression: one with a pattern's characters
    (:data:`_PATTERN`: ``\s+``, `` *; *``) or that chooses between texts (``;|,``) is the pattern it is; any other
    is escaped, so that it is read as written (``||``, ``..``, ``::``, ``; ``, `` | ``: as a pattern ``||`` split the
    text between any two characters, ``..`` at any two characters, `` | `` at every space). pandas reads no quotes
    around a separator of several characters.

        >>> as_pattern("||"), as_pattern(r"\s+"), as_pattern(";|,"), as_pattern(";")
        ('\\|\\|', '\\s+', ';|,', ';')
    """
    if len(sep) < 2 or _PATTERN.search(sep):
        return sep
    choices = sep.split("|")
    return sep if len(choices) > 1 and all(choices) and len(set(choices)) > 1 else re.escape(sep)


def _show_sep(sep: str) -> str:
    return {"\t": "a tab", " ": "a space"}.get(sep, repr(sep))


def _show_char(char: str) -> str:
    """A separator as a message names it: the no-break spaces by name (their repr is an escape), others quoted."""
    return {"\u00a0": "a no-break space", "\u202f": "a narrow no-break space"}.get(char, repr(char))


def from_frame(
    frame: Any,
    target: object,
    kind: Kind | None = None,
    *,
    features: Sequence[object] | None = None,
    categorical: Sequence[object] | None = None,
    dtype: torch.dtype = torch.float32,
    max_categories: int = 100,
    drop: Sequence[object] | None = None,
    dropna: bool = False,
) -> Dataset:
    """A checked :class:`Dataset` from a pandas DataFrame, with categorical columns one-hot encoded.

    ``target`` names the column that is y; ``features`` optionally picks and orders the feature columns
    (default: every other column, in the frame's order), or ``drop`` names columns to leave out (an ID
    column). ``dropna=True`` drops the rows with a missing value in a used column (``Dataset.dropped``
    counts them); without it such rows are refused, counted per column.

    Features. Numeric (and boolean, as 0/1) columns are used as they are. Categorical columns, i.e. text
    (``object``/``str``/``string``), ``category`` columns and those listed in ``categorical=`` (e.g. a numeric
    code column), are one-hot encoded: one 0/1 column per distinct value, named ``"column=value"``, every value
    kept (no column dropped) and the values in sorted order, so that the encoding depends only on the set of
    values, not on the row order. The encoded columns take the place of the original one. A categorical
    column with more than ``max_categories`` distinct values is refused (it is probably an ID column).

    Target and ``kind``. When ``kind`` is None it is inferred: a float target → ``"regression"``, but for one that
    holds exactly the values 0.0 and 1.0 (binary labels written as decimals) → ``"binary"``; otherwise
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
        descend.data.tables.DataError: column 'size' has a missing value (nan) at row 1; 1 of 3 rows has missing values ...
    """
    dtype, max_categories = _check_table_options(kind, dtype, max_categories, dropna)
    return _from_table(frame, target, kind, features, categorical, dtype, max_categories, None, drop, dropna)


def _read_csv(path: Any, read_csv_kwargs: dict[str, Any]) -> tuple[Any, _Rows, str, Callable[[], str],
                                                                    dict[str, Any]]:
    """:func:`from_csv`'s reading of the file: its frame, its rows (named by their lines), the file as errors
    name it, its text (read once, when asked) and the options it was read with; every error a ValueError naming
    the file."""
    pd = importlib.import_module("pandas")
    for option in ("chunksize", "iterator"):
        if read_csv_kwargs.get(option) not in (None, False):
            raise ValueError(f"{option}={read_csv_kwargs[option]!r} is not supported: from_csv reads the whole file")
    encoding = read_csv_kwargs.get("encoding") or "utf-8-sig"
    thousands, decimal = read_csv_kwargs.get("thousands"), read_csv_kwargs.get("decimal") or "."
    if thousands is not None and thousands == decimal:
        raise DataError("⟨thousands⟩ and ⟨decimal⟩ name the same character: a number's decimal mark and the "
                        "separator of its thousands differ (1.234,5 or 1,234.5)",
                        {"thousands": ("thousands", thousands), "decimal": ("decimal", decimal)})

    if isinstance(path, (str, os.PathLike)):
        name = os.fsdecode(path)
        where = f"CSV file {name!r}"
        if os.path.isdir(name):
            inside = _sorted([f for f in os.listdir(name) if f.lower().endswith((".csv", ".tsv", ".txt"))])
            listed = f"; CSV files in it: {_few(inside)}" if inside else ""
            raise ValueError(f"{where} is a directory, not a file{listed}")
        if not os.path.exists(name):
            near = _near_paths(name)
            folder = os.path.dirname(name) or "."
            missing = "" if os.path.isdir(folder) else f" (there is no directory {folder!r})"
            listed = "; did you mean " + " or ".join(repr(p) for p in near) + "?" if near else ""
            raise ValueError(f"{where} does not exist{missing}{listed}")
        if os.path.getsize(name) == 0:
            raise ValueError(f"{where} has no data rows: the file is empty (0 bytes)")
        with open(name, "rb") as f:
            head = f.read(65536)
        _check_text(head, where, read_csv_kwargs.get("encoding"), name)
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
    text = functools.cache(text)  # read once, however many checks read it (the separator line, the header, ...)

    excel = re.fullmatch(r"\s*sep=(.)\s*", _first_line(text))
    if excel and not (_LAYOUT_OPTIONS & set(read_csv_kwargs)):
        # Excel's first line "sep=;" names the separator (a file saved for Excel in a locale whose decimal mark is
        # the comma): read as the header, it made the columns "sep=" and "Unnamed: 1"
        read_csv_kwargs = {"sep": excel.group(1), **read_csv_kwargs, "skiprows": 1}
    sep = read_csv_kwargs.get("sep")
    if isinstance(sep, str) and len(sep) > 1:
        # pandas reads a longer separator as a pattern, with its Python engine (and warns that it does): one without
        # a pattern's characters is read as written (as a pattern, || split the text between any two characters)
        read_csv_kwargs = {**read_csv_kwargs, "sep": as_pattern(sep)}
        if "engine" not in read_csv_kwargs:
            read_csv_kwargs["engine"] = "python"
    # lines with one field more than the header (each ends in a separator, as some exports write them) made
    # pandas take the first column as the rows' index: every column was read one place off; and a space after
    # each separator ("size, colour, price") made the names " colour" and the features " colour= blue"
    read_csv_kwargs = {"index_col": False, "skipinitialspace": True, **read_csv_kwargs}
    thousands = read_csv_kwargs.get("thousands")
    if isinstance(thousands, str) and len(thousands.encode("utf-8")) > 1 and "engine" not in read_csv_kwargs:
        # pandas' C engine ignores a thousands separator of more than one byte (a no-break space in UTF-8,
        # as French spreadsheets write 1 234,5), without a word; its Python engine reads it. The C engine reads
        # the file as UTF-8 whatever its encoding (a cp1252 file's no-break space is 2 bytes there)
        read_csv_kwargs = {**read_csv_kwargs, "engine": "python"}
    if read_csv_kwargs.get("engine", "c") == "c" and "low_memory" not in read_csv_kwargs:
        read_csv_kwargs = {**read_csv_kwargs, "low_memory": False}  # a column's type from all of it, not chunks
    try:
        with warnings.catch_warnings(record=True) as caught:  # pandas' warnings are this function's errors
            warnings.simplefilter("always")
            frame = pd.read_csv(source, **read_csv_kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{where} has no data rows: it holds no header either, only blank lines") from None
    except UnicodeDecodeError as err:
        raise _encoding_error(where, err, source if isinstance(source, str) else None) from None
    except LookupError as err:  # an unknown encoding name
        raise DataError(_literal(f"{where} could not be read: {err}; ") + "give an encoding such as ⟨utf8⟩ or "
                        "⟨latin⟩", {"utf8": ("encoding", "utf-8"), "latin": ("encoding", "latin-1")}) from None
    except (pd.errors.ParserError, csv.Error, ValueError) as err:
        reason = " ".join(str(err).split()) or type(err).__name__
        sep = read_csv_kwargs.get("sep", read_csv_kwargs.get("delimiter"))
        guess = _likely_separator(*_first_lines(text)) if sep is None else None
        if guess is not None and guess != ",":
            raise DataError(_literal(f"{where} could not be parsed as CSV: {reason}; its first line has "
                                     f"{_show_sep(guess)} between names, so the separator is probably that: "
                                     "read it with ") + "⟨sep⟩", {"sep": ("sep", guess)}) from None
        raise ValueError(f"{where} could not be parsed as CSV: {reason}") from None
    except OSError as err:
        raise ValueError(f"{where} could not be read: {err.strerror or err}") from None
    names = [str(c) for c in frame.columns]
    if isinstance(sep, str) and len(sep) > 1 and names and all(len(n) > 1 and n[0] == n[-1] == '"' for n in names):
        raise ValueError(f"{where}: its column names are in double quotes ({_names_shown(frame.columns)}), which "
                         f"pandas does not read around a separator of several characters ({sep!r}): they would be "
                         "part of the names and values; write the file with a one-character separator, or without "
                         "the quotes")
    if any("does not match length of data" in str(w.message) for w in caught):
        _check_extra_fields(text, {**read_csv_kwargs, "sep": sep} if sep is not None else read_csv_kwargs,
                            len(frame.columns), where)  # (the separator as given, not as a pattern)
    if read_csv_kwargs.get("engine") == "python" and (read_csv_kwargs.get("thousands") is not None
                                                      or (read_csv_kwargs.get("decimal") or ".") != "."):
        frame = _texts_as_written(frame, text, read_csv_kwargs)
    if len(frame) == 0:
        header = _names_shown(frame.columns)
        raise ValueError(f"{where} has no data rows, only a header ({header})")
    twice = _repeated_names(_first_line(text), read_csv_kwargs)
    if twice:
        read = [str(c) for c in frame.columns if str(c) in twice or _unmangled(str(c)) in twice]
        bare = all(_numeric_name(str(c)) for c in frame.columns)
        raise ValueError(f"{where} names the columns {_few(twice)} more than once (pandas would read them as "
                         f"{', '.join(repr(c) for c in read)}): "
                         + ("its first line holds numbers, so the file seems to have no header; add a line of "
                            "column names at its top" if bare else "give each column its own name in the header"))

    def lines() -> list[int] | None:
        try:
            return _csv_lines(text(), read_csv_kwargs, len(frame))
        except (OSError, ValueError, LookupError):  # LookupError: an unknown encoding name
            return None

    return frame, _Rows(frame, lines=lines, file=True), where, text, read_csv_kwargs


def _texts_as_written(frame: Any, text: Callable[[], str], options: Mapping[str, Any]) -> Any:
    """The text columns of a frame pandas' Python engine read with a thousands separator or another decimal mark,
    each cell as the file writes it: that engine rewrites a text cell that looks like a number (``1.12`` with
    thousands='.' as ``112``, the same code as ``11.2``; ``3,5`` with decimal=',' as ``3.5``), where its C engine
    keeps it. A missing value stays missing."""
    pd = importlib.import_module("pandas")
    texts = [c for c in frame.columns if frame[c].dtype == object or pd.api.types.is_string_dtype(frame[c].dtype)]
    cells = _cells_as_written(text, options) if texts else None
    if cells is None or cells.shape != frame.shape or list(cells.columns) != list(frame.columns):
        return frame
    frame = frame.copy()
    for c in texts:
        frame[c] = frame[c].where(frame[c].isna(), cells[c])
    return frame


#: How :func:`from_csv` reads a file where an option is not given: the option given with this value reads it alike
#: (``sep=','`` is the file read without ``sep``).
READ_DEFAULTS: Mapping[str, Any] = {"sep": ",", "delimiter": ",", "decimal": ".", "thousands": None,
                                    "encoding": "utf-8", "dropna": False, "max_categories": 100}
#: The options of :func:`from_csv` that name a set of columns or of texts: the order they are given in does not
#: change what is read (the one-hot columns follow the file's, the features the table's or ``features=``'s).
UNORDERED_OPTIONS = frozenset({"drop", "categorical", "na_values"})


def reading(options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` of :func:`from_csv` as what they read, so that two ways of giving one reading compare equal:
    an option at its default (:data:`READ_DEFAULTS`) left out, an encoding by its codec's name (``UTF8`` is
    ``utf-8``), a set of columns or texts (:data:`UNORDERED_OPTIONS`) as a sorted list. Other options are kept as
    they are (``features=`` in its order, which is the features').

        >>> reading({"sep": ",", "categorical": ("zip", "store"), "encoding": "UTF8", "na_values": "?"})
        {'categorical': ['store', 'zip'], 'na_values': ['?']}
    """
    import codecs

    out: dict[str, Any] = {}
    for key, value in options.items():
        if key == "encoding" and isinstance(value, str):
            try:
                value = codecs.lookup(value).name
            except LookupError:
                pass
        if key in UNORDERED_OPTIONS and value is not None:
            value = sorted([value] if isinstance(value, str) else list(value), key=repr)
        if key in READ_DEFAULTS and _same(value, READ_DEFAULTS[key]):
            continue
        out[key] = value
    return out


def _same(value: Any, default: Any) -> bool:
    """Whether an option's value is its default: of the same kind and equal (``False`` is not 0)."""
    return type(value) is type(default) and value == default


def from_csv(
    path: str | os.PathLike | Any,
    target: object,
    kind: Kind | None = None,
    *,
    features: Sequence[object] | None = None,
    categorical: Sequence[object] | None = None,
    dtype: torch.dtype = torch.float32,
    max_categories: int = 100,
    drop: Sequence[object] | None = None,
    dropna: bool = False,
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

    A target of classes that the reader takes for numbers (or for true/false) keeps their order as numbers, and
    ``classes`` names them as the file writes them where one is written otherwise than its number prints (``01``,
    ``1.0``, ``true``: then every class by its text), so that a prediction reads as the file's own label; one class
    written in two ways that read as one number (``7`` and ``07``) is refused. Where the kind read from the target's
    values could as well have been the other (whole numbers written as decimals read as a number, years read as
    classes), :attr:`Dataset.reading` says so, with the option that reads it the other way.

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
        descend.data.tables.DataError: CSV input: column 'city' has a missing value (an empty field) at row 1 (line 3); ...
    """
    dtype, max_categories = _check_table_options(kind, dtype, max_categories, dropna)
    frame, rows, where, text, read_csv_kwargs = _read_csv(path, read_csv_kwargs)
    try:
        # the columns not read as numbers (left out, or categories): not checked as numbers; the names as given
        # (one that is not a column is refused by name below)
        codes, left_out, kept = (
            [c for c in given if _hashable(c)] if isinstance(given, Sequence) and not isinstance(given, str) else None
            for given in (categorical, drop, features))
        numbers = [c for c in frame.columns if c not in (codes or ()) and c not in (left_out or ())
                   and (kept is None or c in kept or c == target)]
        _check_decimal_point(frame[numbers], read_csv_kwargs.get("decimal"), rows)
        _check_points_read(frame[numbers], text, read_csv_kwargs, rows)
        _check_dotted_thousands(frame[numbers], text, read_csv_kwargs, rows)
        if codes:
            frame, _ = _as_written(frame, text, read_csv_kwargs, codes)
        return _from_table(frame, target, kind, features, categorical, dtype, max_categories, rows, drop, dropna,
                           decimals=_written_decimals(text, read_csv_kwargs) if dropna else None,
                           numbers_read=functools.partial(_check_thousands_groups, frame, text, read_csv_kwargs,
                                                          rows, target=target),
                           decimal=read_csv_kwargs.get("decimal") or ".", thousands=read_csv_kwargs.get("thousands"),
                           written=functools.partial(_column_as_written, frame, text, read_csv_kwargs))
    except DataError as err:
        raise err.prefixed(_literal(f"{where}: ")) from None
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _column_as_written(frame: Any, text: Callable[[], str], options: Mapping[str, Any],
                       column: object) -> list[str] | None:
    """A CSV file's cells of ``column`` as the file writes them, without the spaces around them, one per row of
    ``frame`` (read from it with ``options``); None where the reading's own options type the column (``dtype``,
    ``converters``, ``parse_dates``: the user's) or the cells cannot be read so."""
    typed = _typed_columns(options)
    if typed is None or column in typed:
        return None
    kept, key = _finding_cells(options)
    cells = getattr(text, "__dict__", {}).get("_cells", {}).get(key)  # the whole file's, where a check read them
    if cells is None and "usecols" not in options:  # this column's alone: a seventh of the time for 51 columns
        pd = importlib.import_module("pandas")
        try:
            with ignoring():
                cells = pd.read_csv(io.StringIO(text()), dtype=str, keep_default_na=False, usecols=[column], **kept)
        except (OSError, ValueError, LookupError):
            return None
    elif cells is None:
        cells = _cells_as_written(text, options)
    if cells is None or len(cells) != len(frame) or column not in cells.columns:
        return None
    return [cell.strip() for cell in cells[column].tolist()]


def _finding_cells(options: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The options of a reading that find the cells (separator, quoting, encoding, ...), without those that change
    their values (``dtype``, ``thousands``, ``na_values``, ...), and their key in a file's memo of its cells."""
    kept = {k: v for k, v in options.items() if k not in ("dtype", "converters", "thousands", "na_values",
                                                           "keep_default_na", "low_memory")}
    return kept, repr(sorted(kept.items()))


def _cells_as_written(text: Callable[[], str], options: Mapping[str, Any]) -> Any:
    """The file's cells as the text it writes (every column a string, an empty cell ``""``), read with the options
    that find the cells (separator, quoting, encoding, ...) and none that change their values; None when it cannot be
    read so. pandas' own warnings were said when the file was read (and are not under --quiet). Read once per file
    and options, however many checks ask (kept beside ``text``, the file's text read once); the frame is shared:
    read it, do not change it."""
    pd = importlib.import_module("pandas")
    kept, key = _finding_cells(options)
    memo = getattr(text, "__dict__", {}).setdefault("_cells", {})
    if key not in memo:
        try:
            with ignoring():
                memo[key] = pd.read_csv(io.StringIO(text()), dtype=str, keep_default_na=False, **kept)
        except (OSError, ValueError, LookupError):
            memo[key] = None
    return memo[key]


def _written_decimals(text: Callable[[], str], options: Mapping[str, Any]) -> Callable[[object], bool]:
    """Whether the file writes a column's numbers with a decimal mark or an exponent (``1.0``, ``2e3``), read
    from its text once asked: a column of floats with empty cells is whole numbers (pandas' floats because of
    the gaps) unless so written."""
    found: dict[object, bool] = {}
    raw: list[Any] = []

    def decimals(column: object) -> bool:
        if not raw:
            raw.append(_cells_as_written(text, options))
        frame = raw[0]
        if column not in found:
            mark = re.escape(options.get("decimal") or ".")
            found[column] = frame is not None and column in frame and bool(
                frame[column].str.contains(rf"{mark}|\d[eE][-+]?\d", regex=True).any())
        return found[column]

    return decimals


def _check_extra_fields(text: Callable[[], str], options: Mapping[str, Any], width: int, where: str) -> None:
    """Lines with more fields than the header names columns: pandas keeps the first ``width`` of each
    (``index_col=False``) and drops the rest. That is right for lines that end in a separator (an empty last
    field), and silently wrong otherwise: the columns read one place off (a column of row numbers without a name
    in the header) or a value cut in two (``Lyon, France`` not in double quotes). Refused, naming the line."""
    sep = options.get("sep", options.get("delimiter")) or ","
    quote = options.get("quotechar", '"')
    found = None
    if isinstance(sep, str) and len(sep) == 1 and isinstance(quote, str) and len(quote) == 1 \
            and not (_LAYOUT_OPTIONS & set(options)):
        try:
            reader = csv.reader(io.StringIO(text(), newline=""), delimiter=sep, quotechar=quote,
                                skipinitialspace=True)
            for record in reader:
                if len(record) > width and any(field.strip() for field in record[width:]):
                    found = (reader.line_num, len(record))
                    break
        except (OSError, ValueError, LookupError, csv.Error):
            found = None
        else:
            if found is None:
                return  # every extra field is empty: lines ending in a separator
    at = f"line {found[0]} has {found[1]} fields" if found else "some lines have more fields"
    columns = f"{width} column{'s' if width != 1 else ''}"
    guess = _likely_separator(*_first_lines(text)) if options.get("sep", options.get("delimiter")) is None else None
    if guess is not None and guess != ",":
        raise DataError(_literal(f"{where}: {at} where its header names {columns}: its first line has "
                                 f"{_show_sep(guess)} between names, so the separator is probably that: read it "
                                 "with ") + "⟨sep⟩", {"sep": ("sep", guess)})
    if isinstance(sep, str) and len(sep) > 1:  # pandas reads no quotes around it: quoting would not help
        raise ValueError(f"{where}: {at} where its header names {columns}, so the fields after the "
                         f"{ordinal(width)} would be lost and the others read under the wrong names: the separator "
                         f"{sep!r} inside a value (pandas reads no double quotes around a separator of several "
                         "characters), or a column of row numbers without a name in the header; write the file with "
                         "a one-character separator and such values in double quotes, or give every column a name")
    raise ValueError(f"{where}: {at} where its header names {columns}, so the fields after the {ordinal(width)} "
                     "would be lost and the others read under the wrong names: a separator inside a value that is "
                     "not in double quotes (\"Lyon, France\"), or a column of row numbers without a name in the "
                     "header; put such values in double quotes, or give every column a name")


def _check_decimal_point(frame: Any, decimal: object, rows: Any) -> None:
    """With another decimal mark than the point (``decimal=","``), a column whose every cell is a number written
    with a point (``1.5``) was read as text, and then refused as an identifier or one-hot encoded: refused here,
    saying the file's numbers use the point."""
    if decimal in (None, "."):
        return
    for c in frame.columns:
        values = frame[c].dropna().tolist()
        if values and all(isinstance(v, str) and re.fullmatch(r"\s*[-+]?\d*\.\d+(e[-+]?\d+)?\s*", v, re.I)
                          for v in values):
            i = int(np.flatnonzero(frame[c].notna().to_numpy())[0])
            if all(re.fullmatch(r"\s*[-+]?[1-9]\d{0,2}(\.\d{3})+\s*", v) for v in values):  # 116.787 by 81,9
                raise DataError(_literal(f"column {c!r} holds numbers written with a point between thousands "
                                         f"({values[0]!r} at {rows(i)}), which the decimal mark {decimal!r} reads as "
                                         "text: read the file with ") + "⟨thousands⟩ as well",
                                {"thousands": ("thousands", ".")})
            raise DataError(_literal(f"column {c!r} holds numbers written with a decimal point ({values[0]!r} at "
                                     f"{rows(i)}), which the decimal mark {decimal!r} reads as text: read the file "
                                     "with ") + "⟨decimal⟩", {"decimal": ("decimal", ".")})


def _check_points_read(frame: Any, text: Callable[[], str], options: Mapping[str, Any], rows: Any) -> None:
    """pandas' Python engine (a thousands separator of several bytes, a separator of several characters) reads
    ``1.050`` in a file of decimal commas as 1.05, without a word, where its C engine reads the column as text and
    it is refused (:func:`_check_text_numbers`): refused here too, naming the cell."""
    decimal, thousands = options.get("decimal") or ".", options.get("thousands")
    if options.get("engine") != "python" or decimal == "." or thousands == ".":
        return
    pd = importlib.import_module("pandas")
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c].dtype)
               and not pd.api.types.is_bool_dtype(frame[c].dtype)]
    cells = _cells_as_written(text, options) if numeric else None
    if cells is None or len(cells) != len(frame):
        return
    for c in numeric:
        if c not in cells.columns:
            continue
        read = frame[c].isna().to_numpy()
        for i, cell in enumerate(cells[c].tolist()):
            if isinstance(cell, str) and "." in cell and not read[i]:
                raise DataError(_literal(
                    f"column {c!r} has {cell.strip()!r} at {rows(i)}, a number written with a point in a file whose "
                    f"decimal mark is {_show_char(decimal)} (1.050 is 1,050 or a typo, never 1.05), which would be "
                    f"read as {_plain(frame[c].iloc[i])}: write it as the file's numbers are written"))


def _check_dotted_thousands(frame: Any, text: Callable[[], str], options: Mapping[str, Any], rows: Any) -> None:
    """Without a decimal mark or a thousands separator given, a column whose numbers written with a point all have
    three digits after it (``1.674``) beside whole numbers of three digits or more written without one (``805``)
    may hold thousands separated by a point, as German and other spreadsheets write them, read as decimals 1,000
    times too small without a word: refused, asking which the point is (``--decimal .`` says it is the mark)."""
    if options.get("decimal") is not None or options.get("thousands") is not None:
        return
    pd = importlib.import_module("pandas")

    def suspect(series: Any) -> bool:  # on the numbers read: a whole one >= 100 and one with 1-3 decimals < 1000
        values = series.dropna().to_numpy(dtype=np.float64)
        values = values[np.isfinite(values)]  # an infinity is refused later, by name; here it would warn
        whole = values == np.round(values)
        thousandths = np.round(values * 1000)
        return bool((whole & (np.abs(values) >= 100)).any()) and bool(
            (~whole & (np.abs(values) < 1000) & (np.abs(values * 1000 - thousandths) < 1e-6)).any())

    candidates = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c].dtype) and suspect(frame[c])]
    if not candidates:
        return
    raw = _cells_as_written(text, options)
    if raw is None:
        return
    for c in candidates:
        if c not in raw:
            continue
        cells = [v.strip() if isinstance(v, str) else "" for v in raw[c].tolist()]
        dotted = [i for i, v in enumerate(cells) if "." in v]
        whole = [i for i, v in enumerate(cells) if re.fullmatch(r"[-+]?[1-9]\d{2,}", v)]
        if dotted and whole and all(re.fullmatch(r"[-+]?[1-9]\d{0,2}(\.\d{3})+", cells[i]) for i in dotted):
            i, j = dotted[0], whole[0]
            said = _literal(f"column {c!r} holds numbers such as {cells[i]!r} ({rows(i)}) and {cells[j]!r} "
                            f"({rows(j)}): a point followed by three digits may separate thousands "
                            f"({cells[i]} = {cells[i].replace('.', '')}) or be a decimal mark; if it separates "
                            "thousands, read the file with ")
            raise DataError(said + "⟨decimal⟩ ⟨thousands⟩; if it is the decimal mark, say so with ⟨point⟩",
                            {"decimal": ("decimal", ","), "thousands": ("thousands", "."),
                             "point": ("decimal", ".")})


def _check_thousands_groups(frame: Any, text: Callable[[], str], options: Mapping[str, Any], rows: Any,
                            used: Sequence[object], target: object = None) -> None:
    """With a thousands separator given, a number of a column ``used`` as numbers written with it that does not
    group its digits by three (or as 1,00,000 in India) is read as if the separator were not there (``145.5`` with
    ``thousands='.'`` as 1455), without a word (pandas): refused, naming the cell. ``target``: the training's
    target column, when a file is read for training (a feature's cell is then told the options that leave its
    column out, or read it as categories; new rows have no such options)."""
    thousands = options.get("thousands")
    if not isinstance(thousands, str) or not thousands:
        return
    pd = importlib.import_module("pandas")
    numeric = [c for c in used if c in frame.columns and pd.api.types.is_numeric_dtype(frame[c].dtype)
               and not pd.api.types.is_bool_dtype(frame[c].dtype)]
    if not numeric:
        return
    raw = _cells_as_written(text, options)
    if raw is None:
        return
    mark = options.get("decimal") or "."
    grouped = _grouping(thousands, mark)
    for c in numeric:
        if c not in raw:
            continue
        read = frame[c].isna().to_numpy()  # a missing value's marker (k.A., non renseigné) is not a number
        for i, cell in enumerate(raw[c].tolist()):
            cell = cell.strip() if isinstance(cell, str) else ""
            if thousands in cell and not (i < len(read) and read[i]) and not grouped.fullmatch(cell):
                said = _literal(
                    f"column {c!r} has {cell!r} at {rows(i)}, which does not group its digits by three around the "
                    f"thousands separator {_show_char(thousands)} (as 1{thousands}234{mark}5 does) and would be read "
                    f"as {_plain(frame[c].iloc[i])}: write it as the file's numbers are written (the decimal mark "
                    f"{_show_char(mark)}), or read the file with the marks it writes")
                if target is None or c == target:  # new rows, or the target: no option leaves it out
                    raise DataError(said)
                raise DataError(said + _literal("; a date, a time or a code is not a number: leave its column out "
                                                "with ") + "⟨drop⟩, or read it as categories with ⟨categorical⟩",
                                {"drop": ("drop", [_plain(c)]), "categorical": ("categorical", [_plain(c)])})


def _repeated_names(header: str, options: Mapping[str, Any]) -> list[str]:
    """The names a CSV header line gives more than once (read as pandas' default header reads it; none when
    the options say the header is elsewhere)."""
    if any(options.get(k) not in (None, False) for k in ("header", "names", "skiprows", "comment", "index_col",
                                                        "usecols")):
        return []
    sep = options.get("sep", options.get("delimiter")) or ","
    if len(sep) != 1:
        return []
    try:
        names = next(csv.reader([header], delimiter=sep), [])
    except csv.Error:
        return []
    names = [n.strip() for n in names if n.strip()]
    return _sorted([n for n in dict.fromkeys(names) if names.count(n) > 1])


def _first_line(text: Callable[[], str]) -> str:
    return _first_lines(text)[0]


def _first_lines(text: Callable[[], str]) -> tuple[str, str | None]:
    """The file's first line that is not blank (its header), and the next one (its first data row), or None."""
    try:
        lines = iter(line for line in text().splitlines() if line.strip())
        return next(lines, ""), next(lines, None)
    except (OSError, ValueError, LookupError):
        return "", None


def _first_cell(frame: Any) -> object:
    """A one-column frame's first value (a data line read as one cell), or None."""
    return frame.iat[0, 0] if frame.shape[0] and frame.shape[1] == 1 else None


#: The first bytes of files that are not text, and what they are.
_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (an Excel .xlsx or LibreOffice .ods spreadsheet is one): save it as CSV from "
                     "the spreadsheet program first"),
    (b"\xd0\xcf\x11\xe0", "an Excel .xls spreadsheet: save it as CSV from the spreadsheet program first"),
    (b"PAR1", "a Parquet file: read it with pandas.read_parquet and use descend.data.from_frame"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"SQLite format 3", "an SQLite database"),
)


def _check_text(head: bytes, where: str, encoding: str | None, name: str) -> None:
    """Refuse a file that is not text (a spreadsheet, an archive, binary data) before pandas reads it as
    if it were, and say which encoding a UTF-16 file needs."""
    wide = encoding is not None and encoding.lower().replace("-", "").replace("_", "").startswith(("utf16", "utf32"))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) and not wide:
        raise DataError(_literal(f"{where} is UTF-16 text (it starts with a UTF-16 byte order mark): read it with ")
                        + "⟨encoding⟩", {"encoding": ("encoding", "utf-16")})
    utf8 = encoding is None or _codec(encoding) in ("utf-8", "utf-8-sig", None)
    if head.startswith(b"\xef\xbb\xbf") and not utf8:  # read as another, its mark glued to the first name
        raise DataError(_literal(f"{where} is UTF-8 text (it starts with a UTF-8 byte order mark), not {encoding}: "
                                 "read it with ") + "⟨encoding⟩", {"encoding": ("encoding", "utf-8")})
    if not utf8 and not wide and _utf8_text(head) and _utf8_file(name):  # é read as Latin-1's Ã©, without a word
        raise DataError(_literal(f"{where} is UTF-8 text (its letters beyond ASCII are UTF-8's sequences of bytes), "
                                 f"not {encoding}: read it with ") + "⟨encoding⟩", {"encoding": ("encoding", "utf-8")})
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise ValueError(f"{where} is not a CSV file but {what}")
    if head.startswith(b"\x1f\x8b") and not name.lower().endswith(".gz"):
        raise ValueError(f"{where} is gzip-compressed: name it {os.path.basename(name)}.gz (it is then "
                         "decompressed as it is read) or decompress it first")
    if b"\x00" in head and not wide and not head.startswith(b"\x1f\x8b"):
        at = head.index(b"\x00")
        raise ValueError(f"{where} is not a text file: it holds binary data (a zero byte at byte {at}), which a "
                         "CSV file never does; is it the file you meant?")


def _utf8_text(head: bytes) -> bool:
    """Whether the first bytes of a file hold letters beyond ASCII, each a whole UTF-8 sequence (a file of another
    single-byte encoding almost never does: its é is one byte, which UTF-8 takes for the start of a sequence)."""
    if all(b < 0x80 for b in head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:  # a sequence cut where the first bytes end (not the file's own end) is one
        return len(head) >= 65536 and e.start >= len(head) - 3 and e.reason == "unexpected end of data"
    return True


def _utf8_file(name: str) -> bool:
    """Whether the whole file is UTF-8 (a file UTF-8 at its start and another encoding further on is neither)."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(name, "rb") as f:
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, OSError):
        return False
    return True


def _codec(encoding: str) -> str | None:
    """An encoding's canonical name (``u8`` and ``cp65001`` are ``utf-8``), None for one Python does not know."""
    import codecs

    try:
        return codecs.lookup(encoding.strip()).name
    except (LookupError, AttributeError):
        return None


def _encoding_error(where: str, err: UnicodeDecodeError, name: str | None) -> DataError:
    """A file that is not in the encoding it was read with: where, and the encoding it probably is in."""
    if name is not None:  # pandas decodes in chunks: the file itself says where the first bad byte is
        try:
            with open(name, "rb") as f:
                whole = f.read()
            whole.decode(err.encoding)
        except UnicodeDecodeError as again:
            err = again
        except (OSError, LookupError):
            pass
    data = err.object if isinstance(err.object, (bytes, bytearray)) else b""
    line = data[: err.start].count(b"\n") + 1 if data else None
    byte = data[err.start: err.start + 1]
    at = f"byte {byte.hex() and '0x' + byte.hex()} at position {err.start}" + (f" (line {line})" if line else "")
    # Windows-1252 (Excel's CSV on Windows) uses 0x80-0x9f for characters; in Latin-1 they are controls
    guess = "cp1252" if any(0x80 <= b <= 0x9F for b in data) else "latin-1"
    return DataError(_literal(f"{where} is not {err.encoding.upper().replace('UTF-8-SIG', 'UTF-8')} text: {at} is "
                              f"not valid {err.encoding}; it is probably in another encoding, such as Latin-1 or "
                              "Windows-1252 (Excel's CSV): read it with ") + "⟨encoding⟩",
                     {"encoding": ("encoding", guess)})


def _near_paths(name: str, n: int = 3) -> list[str]:
    """Existing files whose path is close to ``name``: a missing directory on the way is replaced by the
    closest ones that exist, then the file's name by the closest names there (compared without their
    extension, a file with the same extension first), so that the suggestions are the path mistyped, not
    unrelated files that happen to sit in the same folder."""
    import difflib

    head, tail = os.path.split(os.path.normpath(name))
    folders = [head] if not head or os.path.isdir(head) else _near_dirs(head)
    stem, ext = os.path.splitext(tail)
    found: list[str] = []
    for folder in folders:
        try:
            entries = [e for e in os.listdir(folder or ".") if os.path.isfile(os.path.join(folder or ".", e))]
        except OSError:
            continue
        stems: dict[str, list[str]] = {}
        for e in entries:
            stems.setdefault(os.path.splitext(e)[0], []).append(e)
        lower = {k.lower(): k for k in stems}
        close = [lower[c] for c in difflib.get_close_matches(stem.lower(), list(lower), n=n, cutoff=0.75)] if stem else []
        if tail in entries:  # the name as given, in the directory the mistyped one stands for
            found.append(os.path.join(folder, tail))
            close = [c for c in close if c != stem]
        for c in close:
            same = sorted(stems[c], key=lambda e: (os.path.splitext(e)[1].lower() != ext.lower(), e))
            found.append(os.path.join(folder, same[0]) if folder else same[0])
    return list(dict.fromkeys(found))[:n]


def _near_dirs(path: str) -> list[str]:
    """Existing directories whose path is close to ``path``: each component that does not exist is replaced
    by the closest ones that do."""
    import difflib

    path = os.path.normpath(path)
    absolute = os.path.isabs(path)
    current = [os.sep if absolute else "."]
    for part in [p for p in path.split(os.sep) if p]:
        following = []
        for folder in current:
            candidate = os.path.join(folder, part)
            if os.path.isdir(candidate):
                following.append(candidate)
                continue
            try:
                subs = [d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))]
            except OSError:
                continue
            following += [os.path.join(folder, d) for d in difflib.get_close_matches(part, subs, n=2, cutoff=0.6)]
        current = following[:4]
    return [os.path.normpath(c) for c in current]
