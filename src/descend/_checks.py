"""Input checks shared by every part of descend.

Every check raises a ``ValueError`` that names the argument, the offending value (and, for a
hyperparameter with a run axis, the run) and what is allowed, so that bad input is reported before
any work starts instead of surfacing as a traceback from deep inside torch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass

from typing import TYPE_CHECKING

from ._names import check_names, close_matches  # noqa: F401  (light: used before torch is)

if TYPE_CHECKING:  # torch is imported where a check needs it: the command line's help and lists start without it
    import torch

Number = float | int

#: The floating-point types descend computes in (torch's float8 types have no arithmetic on the CPU: a model or a
#: loss would fail deep inside torch after the work had started).
FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def dtype_name(dtype: object) -> str:
    """A torch dtype as a message names it: ``float32`` for ``torch.float32``."""
    return str(dtype).removeprefix("torch.")


def check_float_dtype(name: str, dtype: object) -> "torch.dtype":
    """``dtype`` when it is one of :data:`FLOAT_DTYPES`, else a ``ValueError`` naming ``name`` and those allowed."""
    import torch

    if not isinstance(dtype, torch.dtype) or dtype_name(dtype) not in FLOAT_DTYPES:
        raise ValueError(f"{name}={dtype!r} is not allowed; give a floating-point torch dtype: "
                         + ", ".join(f"torch.{d}" for d in FLOAT_DTYPES))
    return dtype


def plain_number(value: object) -> object:
    """A NumPy number (or 0-d array) as Python's: a float32 or float16 one as written (``np.float32(0.1)`` is 0.1, its
    shortest text, not 0.10000000149, as a user typed it), any other (a NumPy bool too) by its value; anything
    else as it is. Every entry point that takes a number reads NumPy's so (``descend.fit``'s grid, a RunSpec,
    schedules, clipping, losses, a search's and a comparison's settings): the same number everywhere."""
    if type(value).__module__ != "numpy" or getattr(value, "ndim", None) != 0:
        return value
    kind = value.dtype.kind  # type: ignore[attr-defined]
    if kind == "f" and value.dtype.itemsize < 8:  # type: ignore[attr-defined]
        return float(str(value[()]))  # type: ignore[index]
    return value.item()  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Interval:
    """An allowed range ``low..high``; ``closed_low``/``closed_high`` say whether the ends belong to it."""

    low: float = -math.inf
    high: float = math.inf
    closed_low: bool = True
    closed_high: bool = False

    def __str__(self) -> str:
        left = "[" if self.closed_low and math.isfinite(self.low) else "("
        right = "]" if self.closed_high and math.isfinite(self.high) else ")"
        return f"{left}{_fmt(self.low)}, {_fmt(self.high)}{right}"

    def contains(self, x: torch.Tensor | float) -> torch.Tensor | bool:
        above = x >= self.low if self.closed_low else x > self.low
        below = x <= self.high if self.closed_high else x < self.high
        return above & below


def _fmt(x: float) -> str:
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return f"{x:g}"


#: Ranges used across descend.
NONNEGATIVE = Interval(0.0)
POSITIVE = Interval(0.0, closed_low=False)
UNIT = Interval(0.0, 1.0, closed_high=True)  # [0, 1]
UNIT_OPEN = Interval(0.0, 1.0)  # [0, 1): betas, EMA decay rates
ANY = Interval()


def whole_number_variable(name: str, meaning: str) -> int | None:
    """The environment variable ``name`` as a whole number, None when it is unset or blank; a ValueError naming
    it and what its number means (``meaning``, e.g. "1: one process") when it is not a whole number."""
    given = os.environ.get(name, "").strip()
    if not given:
        return None
    try:
        return int(given)
    except ValueError:
        raise ValueError(f"{name}={given!r} must be a whole number ({meaning})") from None


def check_choice(name: str, value: object, choices: Iterable[object], *, strict: bool = False) -> object:
    """Raise a ValueError unless ``value`` is one of ``choices``. ``strict`` (the torch.optim-compatible classes,
    which refuse what torch would read by its truth): a switch's True or False of a bool's own type (NumPy's and a
    0-d bool tensor too), not 1 or 0, which equal them (taken, then refused at the first step in the pure rule's
    words); elsewhere 1 and 0 are True and False, as the command line and a settings file write them."""
    choices = list(choices)
    try:
        allowed = value in choices if not strict else any(_same_choice(value, choice) for choice in choices)
    except (ValueError, RuntimeError):  # an array or tensor of several values: no choice (its truth is ambiguous)
        allowed = False
    if not allowed:
        raise ValueError(f"{name}={value!r} is not allowed; choose one of {', '.join(map(repr, choices))}")
    return value


def _same_choice(value: object, choice: object) -> bool:
    import numpy as np
    import torch

    switch = (type(value) is bool or isinstance(value, np.bool_) or isinstance(value, (np.ndarray, torch.Tensor))
              and value.ndim == 0 and value.dtype in (np.bool_, torch.bool))
    if isinstance(choice, bool):
        return switch and bool(value) is choice
    return not switch and not isinstance(value, (np.ndarray, torch.Tensor)) and value == choice


def check_hyperparameter(
    name: str,
    value: object,
    allowed: Interval = ANY,
    *,
    runs: int | None = None,
) -> Number | torch.Tensor:
    """Check one hyperparameter: a Python number, a 0-d tensor, or a tensor ``[K]`` with one value per run.

    Returns the value, a NumPy number as Python's (:func:`plain_number`; anything else unchanged). ``runs`` is the
    expected K when the caller knows it (the length of the parameters' run axis); a ``[K]`` tensor of another
    length is an error.
    """
    import torch

    value = plain_number(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):  # a number: checked without a tensor
        try:
            v = float(value)
        except OverflowError:  # an int beyond float's range
            v = math.inf if value > 0 else -math.inf
        if not (math.isfinite(v) and allowed.contains(v)):
            reason = "is not finite" if not math.isfinite(v) else "is out of range"
            raise ValueError(f"{name}={v:g} {reason}; allowed: {allowed}")
        return value
    if isinstance(value, str):  # from a command line or a file: the words of a number's field
        raise ValueError(f"{name}={value!r} must be a number; allowed: {allowed}")
    if not isinstance(value, torch.Tensor):
        raise ValueError(
            f"{name}={value!r} must be a number or a tensor of shape [K] (one value per run), "
            f"not {type(value).__name__}"
        )
    if value.ndim > 1:
        raise ValueError(f"{name} has shape {list(value.shape)}; a hyperparameter is a number or has shape [K]")
    if value.is_complex() or not (value.is_floating_point() or value.dtype in (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)):
        raise ValueError(f"{name} has dtype {value.dtype}; a real-valued tensor is required")
    if value.ndim == 1 and runs is not None and value.shape[0] != runs:
        raise ValueError(
            f"{name} has {value.shape[0]} values but the parameters have {runs} runs "
            f"(leading axis K = {runs}); give one value per run or a single number"
        )
    values = value.detach().to("cpu", torch.float64).reshape(-1)
    bad = ~(torch.isfinite(values) & allowed.contains(values))
    if bad.any():
        i = int(bad.nonzero()[0])
        which = f" for run {i}" if value.ndim == 1 else ""
        v = values[i].item()
        reason = "is not finite" if not math.isfinite(v) else "is out of range"
        raise ValueError(f"{name}={v:g}{which} {reason}; allowed: {allowed}")
    return value


def run_axis_length(named: dict[str, object]) -> int | None:
    """The common K of all ``[K]`` tensors among ``named`` values, or None if there are none.

    Raises a ValueError naming the two arguments whose lengths disagree.
    """
    import torch

    k, first = None, None
    for name, value in named.items():
        if isinstance(value, torch.Tensor) and value.ndim == 1:
            if k is None:
                k, first = value.shape[0], name
            elif value.shape[0] != k:
                raise ValueError(
                    f"{name} has {value.shape[0]} values but {first} has {k}: "
                    "every hyperparameter with a run axis must have the same length K"
                )
    return k
