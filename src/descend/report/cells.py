"""The text of a table's cell, decided once for the report's page, ``descend show`` and the terminal tables of
``descend compare`` and ``descend tune``: 4 significant digits, rates and accuracies in %, "—" for missing.

Light to import (the command line's tables read it without the report's libraries)."""

from __future__ import annotations

import math
import numbers
import re
from typing import Any

import numpy as np


def _key(column: str) -> str:
    return str(column).replace("_", " ").strip().lower()


def _cell_text(column: str, value: Any) -> str:
    """The text of one table cell: 4 significant digits, rates and accuracies in %, "—" for missing.

    >>> _cell_text("test accuracy", 0.97331), _cell_text("final train loss", 0.000123456)
    ('97.33%', '0.0001235')
    >>> _cell_text("steps to target", 120.0), _cell_text("steps to target", "> 400"), _cell_text("ms / step", None)
    ('120', '> 400', '—')
    >>> _cell_text("divergence rate", 0.25), _cell_text("lr", 0.5), _cell_text("diverged", True)
    ('25%', '0.5', 'yes')
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
            return _number(100.0 * value) + "%"
        return _number(value)
    try:
        import pandas as pd

        if pd.isna(value):
            return "\u2014"
    except (TypeError, ValueError):
        pass
    return str(value)


def _number(value: float) -> str:
    if math.isinf(value):
        return "\u221e" if value > 0 else "\u2212\u221e"
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.4g}"


def terminal_text(column: str, value: Any) -> str:
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
    text = _cell_text(column, value)
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m.group(1) == "-" else "") + m.group(2), text)
