"""The text of a table's cell, decided once for the report's page and the terminal's tables (``descend compare``,
``descend show``, the accuracies of ``descend tune``'s): 4 significant digits, rates and accuracies in %, "—" for
missing.

Light to import (the command line's tables read it without the report's libraries)."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np


def _key(column: str) -> str:
    return str(column).replace("_", " ").strip().lower()


def _cell_text(column: str, value: Any, digits: int = 4) -> str:
    """The text of one table cell: 4 significant digits (``digits``), rates and accuracies in %, "—" for missing.

    >>> _cell_text("test accuracy", 0.97331), _cell_text("final train loss", 0.000123456)
    ('97.33%', '0.0001235')
    >>> _cell_text("steps to target", 120.0), _cell_text("steps to target", "> 400"), _cell_text("ms / step", None)
    ('120', '> 400', '—')
    >>> _cell_text("divergence rate", 0.25), _cell_text("lr", 0.5), _cell_text("diverged", True)
    ('25%', '0.5', 'yes')
    >>> _cell_text("test accuracy", 24999 / 25000), _cell_text("test accuracy", 1.0)
    ('99.996%', '100%')
    """
    if value is None:
        return "\u2014"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "\u2014"
        key = _key(column)
        if "accuracy" in key or ("rate" in key.split() and "learning" not in key):
            percent = _number(100.0 * value, digits)
            while percent == "100" and value < 1 and digits < MAX_DIGITS:  # 24,999 of 25,000 is not 100 %
                digits += 1
                percent = _number(100.0 * value, digits)
            return percent + "%"
        return _number(value, digits)
    try:
        import pandas as pd

        if pd.isna(value):
            return "\u2014"
    except (TypeError, ValueError):
        pass
    return str(value)


def _number(value: float, digits: int = 4) -> str:
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.{digits}g}"


#: The most significant digits a column shows to tell its winner from a cell that differs (:func:`column_texts`).
MAX_DIGITS = 8
#: The columns of settings the user chose, whose different values never read the same (:func:`column_texts`):
#: learning rates of 0.0100001 and 0.0100002 both read "0.01", and the table did not say which won.
SETTINGS = ("lr",)


def column_texts(column: str, values: Any, best: Any, text: Any = None) -> list[str]:
    """The texts of one column's cells (``text``: :func:`_cell_text` or :func:`terminal_text`), ``best`` whether
    each is a winner: 4 significant digits, or as many more (up to :data:`MAX_DIGITS`) as it takes for no winner
    to read as a cell it beat (0.69297 marked best over 0.69299 read "0.693" twice); in a column of
    :data:`SETTINGS`, as many as it takes for different values to read differently.

    >>> column_texts("final train loss", [0.69297, 0.69299, 0.5], [True, False, False])
    ['0.69297', '0.69299', '0.5']
    >>> column_texts("lr", [0.0100001, 0.0100002, 0.01, None], [False] * 4)
    ['0.0100001', '0.0100002', '0.01', '—']
    """
    text = text or _cell_text
    values, best = list(values), [bool(b) for b in best]
    setting = _key(column) in SETTINGS
    for digits in range(4, MAX_DIGITS + 1):
        texts = [text(column, v, digits) for v in values]
        beaten = {t for t, b, v in zip(texts, best, values) if not b}
        if any(b and t in beaten and not _equal(v, values, texts, t) for t, b, v in zip(texts, best, values)):
            continue
        if setting and not _distinct(values, texts):
            continue
        return texts
    return texts


def _distinct(values: list[Any], texts: list[str]) -> bool:
    """Whether no text stands for two different values (missing values, which read "—", aside)."""
    seen: dict[str, Any] = {}
    for v, t in zip(values, texts):
        if t != "\u2014" and seen.setdefault(t, v) != v:
            return False
    return True


def _equal(value: Any, values: list[Any], texts: list[str], shown: str) -> bool:
    """Whether every cell reading ``shown`` holds ``value`` itself (a tie: the same text is right)."""
    return all(v == value for v, t in zip(values, texts) if t == shown)


def terminal_text(column: str, value: Any, digits: int = 4) -> str:
    """:func:`_cell_text` with a short exponent (``1.235e4``, ``1.5e-7``), for a terminal's narrow columns; a
    number read back as text (a ``table.csv`` column holding ``21.0`` beside ``> 68``) is a number.

    >>> terminal_text("final train loss", 12345.6), terminal_text("steps to target", "21.0")
    ('1.235e4', '21')
    >>> terminal_text("test accuracy", "0.899721"), terminal_text("steps to target", "> 68")
    ('89.97%', '> 68')
    """
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return value
    text = _cell_text(column, value, digits)
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
