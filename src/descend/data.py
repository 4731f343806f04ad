r"""Data: data sets, train/validation/test splits, and the order in which mini-batches visit the samples.

Notation (the seeds'): a training set of m samples, each a row of D features x⁽ⁱ⁾ with a target y⁽ⁱ⁾; a
mini-batch of b samples; an *epoch* is one pass over the m samples. Gradient descent (GD) uses b = m (one
update per epoch), stochastic gradient descent (SGD) b = 1 (m updates per epoch) and mini-batch gradient
descent anything in between. Seed 004's regimes on m = 512 samples are ``batch_size=1`` (512 updates per
epoch), ``32`` (16 per epoch), ``512`` or ``None`` (1 per epoch) and ``hybrid()`` (32 for the first 8 epochs,
then 512).

Parts:

- :class:`Dataset` and :func:`as_dataset`: features ``x [m, D]`` and targets ``y`` from numpy arrays, torch
  tensors, lists or a pandas DataFrame, checked once (no empty set, matching lengths, finite values, targets
  that fit the kind of problem).
- :func:`split` and :class:`Splits`: a seeded train/validation/test split, optionally standardized with the
  training statistics (the features, and for regression the targets, whose mean and std the splits keep so
  that losses can be reported in the original units).
- :func:`batches`, :class:`BatchPlan`, :class:`Batch`, :class:`hybrid` and :func:`stack_plans`: the whole
  sequence of mini-batches of a training run, drawn once before training from a seed.
- :func:`from_frame` and :func:`from_csv`: a data set from a pandas DataFrame or a CSV file, text and
  category columns one-hot encoded and class labels of any type mapped to 0..C-1, every missing or bad value
  named by column, row and (for a file) line.
- :func:`load_sklearn` and :data:`SKLEARN_DATASETS`: the real data sets shipped inside scikit-learn (digits,
  breast cancer, diabetes, wine, iris).

Every bad input raises a ``ValueError`` naming the argument (and the row, column or run) and what is
allowed, before any training starts::

    >>> import torch
    >>> from descend.data import as_dataset, batches, hybrid, split
    >>> ds = as_dataset(torch.arange(20.0).reshape(10, 2), torch.arange(10.0))
    >>> ds.kind, len(ds), ds.feature_names
    ('regression', 10, ('x0', 'x1'))
    >>> parts = split(ds, validation=0.2, test=0.2, seed=0)
    >>> len(parts.train), len(parts.validation), len(parts.test)
    (6, 2, 2)
    >>> plan = batches(512, batch_size=hybrid(first=32, epochs=8, then=512), seed=0, epochs=10)
    >>> len(plan), plan.sizes[:2].tolist(), plan.sizes[-2:].tolist()
    (130, [32, 32], [512, 512])
    >>> batches(512, batch_size=600, seed=0, epochs=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size=600 is larger than the training set (512 samples); allowed: 1..512, or None for the full set

Training with a plan (the engine draws it once, before the first step)::

    for batch in plan:                    # Batch(index, epoch, step, last_in_epoch)
        xb = x[batch.index]               # index int64 [b] -> xb [b, D]; stacked over K runs: [K, b] -> [K, b, D]
        yb = y[batch.index]               # [b] / [b, out]; stacked: [K, b] / [K, b, out]
        ...                               # one update; if batch.last_in_epoch: evaluate "every epoch"
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import math
import numbers
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

import numpy as np
import torch

from descend._checks import UNIT_OPEN, check_choice, check_hyperparameter, close_matches

__all__ = [
    "KINDS",
    "Dataset",
    "as_dataset",
    "Splits",
    "split",
    "hybrid",
    "Batch",
    "BatchPlan",
    "batches",
    "stack_plans",
    "from_frame",
    "from_csv",
    "load_sklearn",
    "SKLEARN_DATASETS",
]

Kind = Literal["regression", "binary", "multiclass"]
KINDS: tuple[str, ...] = ("regression", "binary", "multiclass")

BatchSize = int | None | Callable[[int], "int | None"]
"""A batch size b: an int, ``None`` (the full training set, GD), or a schedule ``epoch -> int | None``."""


# ---------------------------------------------------------------------------------------------------------------
# Small checks
# ---------------------------------------------------------------------------------------------------------------


def _whole(name: str, value: object, minimum: int, what: str = "an int") -> int:
    """A Python int ``>= minimum`` (bools and floats are refused, even 32.0)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name}={value!r} must be {what}, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name}={value} is out of range; allowed: [{minimum}, inf)")
    return int(value)


def _fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name}={value!r} must be a number in [0, 1), not {type(value).__name__}")
    check_hyperparameter(name, float(value), UNIT_OPEN)
    return float(value)


def _float_dtype(name: str, dtype: object) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(
            f"{name}={dtype!r} must be a floating-point torch dtype such as torch.float32 or torch.float64"
        )
    return dtype


def _value(t: torch.Tensor) -> str:
    v = t.item()
    return f"{v:g}" if isinstance(v, float) else str(v)


# ---------------------------------------------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """m samples: features ``x [m, D]`` and targets ``y``.

    ``y`` is ``[m]`` or ``[m, out]`` floating point for ``kind="regression"`` and ``kind="binary"`` (binary
    targets are 0/1 labels or probabilities in [0, 1]), and ``[m]`` int64 class indices in ``0..C-1`` for
    ``kind="multiclass"``. ``classes`` names the C classes (``(0, 1)`` for binary, ``(0, .., C-1)`` unless
    named otherwise for multiclass, ``None`` for regression).

    Construction checks shapes, dtypes and names; :func:`as_dataset` converts other inputs and also checks
    the values (finite, in range, more than one class). ``len(ds)`` is m; :meth:`to` changes dtype/device;
    :meth:`subset` picks samples.
    """

    x: torch.Tensor
    y: torch.Tensor
    feature_names: tuple[str, ...]
    target_name: str = "y"
    kind: Kind = "regression"
    classes: tuple | None = None

    def __post_init__(self) -> None:
        x, y = self.x, self.y
        if not isinstance(x, torch.Tensor) or x.ndim != 2 or not x.is_floating_point():
            shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a floating-point tensor of shape [m, D], not {shape}")
        if not isinstance(y, torch.Tensor):
            raise ValueError(f"y must be a torch.Tensor, not {type(y).__name__}")
        if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
            raise ValueError(f"y has shape {list(y.shape)} but x has {x.shape[0]} rows; y must be [m] or [m, out]")
        if y.device != x.device:
            raise ValueError(f"x is on {x.device} but y is on {y.device}; both must be on the same device")
        check_choice("kind", self.kind, KINDS)
        names = self.feature_names
        if isinstance(names, str) or not isinstance(names, Sequence) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"feature_names={names!r} must be a sequence of strings, one per feature")
        if len(names) != x.shape[1]:
            raise ValueError(f"feature_names has {len(names)} names but x has {x.shape[1]} features (columns)")
        object.__setattr__(self, "feature_names", tuple(names))
        if not isinstance(self.target_name, str):
            raise ValueError(f"target_name={self.target_name!r} must be a string")
        if self.kind == "multiclass":
            if y.dtype != torch.int64 or y.ndim != 1:
                raise ValueError(
                    f"y has dtype {y.dtype} and shape {list(y.shape)}; kind='multiclass' needs int64 class "
                    "indices of shape [m]"
                )
            if self.classes is None or len(tuple(self.classes)) < 2:
                raise ValueError(f"classes={self.classes!r}: kind='multiclass' needs a tuple of at least 2 classes")
        else:
            if not y.is_floating_point():
                raise ValueError(f"y has dtype {y.dtype}; kind={self.kind!r} needs floating-point targets")
            if self.kind == "regression" and self.classes is not None:
                raise ValueError(f"classes={self.classes!r} must be None for kind='regression'")
            if self.kind == "binary":
                if self.classes is None:
                    object.__setattr__(self, "classes", (0, 1))
                elif len(tuple(self.classes)) != 2:
                    raise ValueError(f"classes={self.classes!r}: kind='binary' needs exactly 2 classes")
        if self.classes is not None:
            object.__setattr__(self, "classes", tuple(self.classes))

    def __len__(self) -> int:
        return self.x.shape[0]

    def __repr__(self) -> str:
        classes = "" if self.classes is None else f", classes={self.classes!r}"
        return (
            f"Dataset(m={len(self)}, D={self.n_features}, kind={self.kind!r}, target={self.target_name!r}, "
            f"x={self.x.dtype}, y={self.y.dtype}{list(self.y.shape)[1:]}{classes})"
        )

    @property
    def n_features(self) -> int:
        """D, the number of features (columns of x)."""
        return self.x.shape[1]

    @property
    def n_classes(self) -> int | None:
        """C for classification, ``None`` for regression."""
        return None if self.classes is None else len(self.classes)

    def to(self, dtype: torch.dtype | None = None, device: torch.device | str | None = None) -> Dataset:
        """A copy with x (and the floating targets) in ``dtype`` and everything on ``device``.

        Multiclass labels stay int64.
        """
        if dtype is not None:
            _float_dtype("dtype", dtype)
        x = self.x.to(device=device, dtype=dtype)
        y = self.y.to(device=device, dtype=dtype if self.y.is_floating_point() else None)
        return dataclasses.replace(self, x=x, y=y)

    def subset(self, indices: object) -> Dataset:
        """The samples at ``indices`` (ints in 0..m-1, or a boolean mask of length m), in that order."""
        m = len(self)
        try:
            index = torch.as_tensor(indices)
        except (TypeError, ValueError, RuntimeError) as err:
            raise ValueError(f"indices must be ints in 0..{m - 1} or a boolean mask of length {m}: {err}") from None
        if index.numel() == 0:
            index = torch.zeros(0, dtype=torch.int64)
        if index.ndim != 1:
            raise ValueError(f"indices has shape {list(index.shape)}; indices must be one-dimensional")
        if index.dtype == torch.bool:
            if index.shape[0] != m:
                raise ValueError(
                    f"indices is a boolean mask of length {index.shape[0]} but the data set has {m} samples"
                )
        elif index.is_floating_point() or index.is_complex():
            raise ValueError(f"indices has dtype {index.dtype}; indices must be ints in 0..{m - 1} or a boolean mask")
        else:
            index = index.to(torch.int64)
            bad = (index < 0) | (index >= m)
            if bad.any():
                i = int(bad.nonzero()[0])
                raise ValueError(
                    f"indices[{i}]={int(index[i])} is out of range for a data set of {m} samples; allowed: 0..{m - 1}"
                )
        index = index.to(self.x.device)
        return dataclasses.replace(self, x=self.x[index], y=self.y[index])


def _pandas():
    return sys.modules.get("pandas")


def _is_numeric_column(series: Any) -> bool:
    pd = _pandas()
    return bool(pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype)) and not (
        pd.api.types.is_complex_dtype(series.dtype)
    )


def _to_tensor(name: str, value: object) -> torch.Tensor:
    """A real-valued tensor (device and dtype kept for tensors) from a tensor, numpy array, list or pandas object."""
    pd = _pandas()
    if pd is not None and isinstance(value, (pd.Series, pd.DataFrame)):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        for j, col in enumerate(frame.columns):
            if not _is_numeric_column(frame[col]):
                raise ValueError(
                    f"{name}: column {str(col)!r} (column {j}) has dtype {frame[col].dtype}; only numeric columns "
                    "are supported (one-hot encoding of categorical columns is not supported yet)"
                )
        if all(pd.api.types.is_integer_dtype(frame[c].dtype) or pd.api.types.is_bool_dtype(frame[c].dtype)
               for c in frame.columns) and not frame.isna().any().any():
            array = frame.to_numpy(dtype=np.int64)
        else:
            array = frame.to_numpy(dtype=np.float64, na_value=np.nan)
        if isinstance(value, pd.Series):
            array = array[:, 0]
        return torch.from_numpy(np.array(array, copy=True))
    if isinstance(value, torch.Tensor):
        tensor = value.detach()
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as err:
            raise ValueError(f"{name} could not be read as an array (rows of different lengths?): {err}") from None
        if array.dtype.kind not in "biuf":
            raise ValueError(f"{name} has dtype {array.dtype}; numeric values are required")
        if array.dtype.kind == "u" and array.dtype.itemsize > 1:
            array = array.astype(np.int64)
        tensor = torch.from_numpy(np.array(array, copy=True))
    if tensor.is_complex() or tensor.dtype in (torch.quint8, torch.qint8, torch.qint32):
        raise ValueError(f"{name} has dtype {tensor.dtype}; real numeric values are required")
    return tensor


def _check_finite(name: str, original: torch.Tensor, converted: torch.Tensor, columns: Sequence[str] | None) -> None:
    """Name the first row (and column) of ``converted`` that is NaN or infinite."""
    bad = ~torch.isfinite(converted)
    if not bad.any():
        return
    where = bad.nonzero()[0].tolist()
    row = where[0]
    place = f"row {row}"
    if len(where) > 1:
        col = where[1]
        place += f", feature {columns[col]!r} (column {col})" if columns is not None else f", column {col}"
    value = original[tuple(where)]
    if original.is_floating_point() and not math.isfinite(value.item()):
        what = f"a non-finite value ({_value(value)})"
    else:
        what = f"the value {_value(value)}, which overflows {converted.dtype},"
    raise ValueError(f"{name} has {what} at {place}; remove or impute it (every value must be finite)")


def _infer_kind(y: torch.Tensor) -> str:
    if y.is_floating_point():
        return "regression"
    values = torch.unique(y)
    if bool(((values == 0) | (values == 1)).all()):
        if values.numel() < 2:
            raise ValueError(
                f"y has a single class (every label is {_value(values[0])}); a classifier needs at least 2 classes"
            )
        return "binary"
    if y.ndim == 2 and y.shape[1] > 1:
        raise ValueError(
            f"y has integer values and {y.shape[1]} columns, so its kind can't be inferred: multiclass labels "
            "are one column [m] of class indices 0..C-1; pass kind='regression' to treat them as numbers"
        )
    return "multiclass"


def as_dataset(
    x: object,
    y: object = None,
    *,
    kind: Kind | None = None,
    feature_names: Sequence[str] | None = None,
    target: str | None = None,
    classes: Sequence[Any] | None = None,
    dtype: torch.dtype = torch.float32,
) -> Dataset:
    """A checked :class:`Dataset` from arrays, tensors, lists or a pandas DataFrame.

    ``x`` is ``[m, D]`` (``[m]`` is one feature) and ``y`` is ``[m]`` or ``[m, out]``. With a pandas
    DataFrame, ``target="col"`` names the column that is y (the other columns are the features) or ``y`` is
    given separately; feature names default to the column names (``"x0", "x1", ...`` otherwise) and the
    target name to the target column or Series name (``"y"`` otherwise). Only numeric (and boolean) columns
    are supported; one-hot encoding of categorical columns is not. Tensors keep their device.

    ``kind`` is inferred when not given:

    - floating-point y → ``"regression"`` (pass ``kind="binary"`` for float 0/1 targets);
    - integer or boolean y whose values are all 0 or 1 → ``"binary"`` (y becomes floating point);
    - any other integer y → ``"multiclass"`` (labels must then be 0..C-1).

    ``classes`` optionally names the classes: C = ``len(classes)`` for multiclass (otherwise C is the number
    of distinct labels), exactly 2 for binary.

    Checks, each a ValueError naming the argument, row and column: an empty data set; x and y of different
    lengths; NaN or infinite values in x or y; binary targets outside [0, 1]; multiclass labels that are not
    whole numbers in 0..C-1; a single class; a non-numeric DataFrame column; a target column that doesn't exist.

        >>> ds = as_dataset([[0.0], [1.0], [2.0]], [0, 2, 1])
        >>> ds.kind, ds.classes, ds.y.dtype
        ('multiclass', (0, 1, 2), torch.int64)
        >>> as_dataset([[0.0], [float("nan")]], [0.0, 1.0])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: x has a non-finite value (nan) at row 1, feature 'x0' (column 0); remove or impute it ...
    """
    dtype = _float_dtype("dtype", dtype)
    if kind is not None:
        check_choice("kind", kind, KINDS)
    pd = _pandas()
    target_name = None
    default_names = None
    if pd is not None and isinstance(x, pd.DataFrame):
        if target is not None:
            if y is not None:
                raise ValueError(f"give either target={target!r} (a column of x) or y, not both")
            columns = [str(c) for c in x.columns]
            if target not in x.columns:
                raise ValueError(
                    f"target={target!r} is not a column of the DataFrame{close_matches(str(target), columns)} "
                    f"(columns: {', '.join(columns)})"
                )
            series = x[target]
            if isinstance(series, pd.DataFrame):
                raise ValueError(
                    f"target={target!r} names {series.shape[1]} columns of the DataFrame; it must name one"
                )
            if not _is_numeric_column(series):
                raise ValueError(
                    f"target column {target!r} has dtype {series.dtype}; targets must be numeric here (class labels "
                    "as integers 0..C-1; encoding categorical targets is not supported yet)"
                )
            y = series
            target_name = str(target)
            x = x.drop(columns=[target])
        default_names = tuple(str(c) for c in x.columns)
    elif target is not None:
        raise ValueError(
            f"target={target!r} names a column of a pandas DataFrame, but x is a {type(x).__name__}; pass y instead"
        )
    if y is None:
        raise ValueError("y is required: pass the targets as y (or, with a DataFrame x, name their column as target=)")
    if target_name is None and pd is not None and isinstance(y, pd.Series) and y.name is not None:
        target_name = str(y.name)
    if target_name is None and pd is not None and isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        target_name = str(y.columns[0])

    x_raw = _to_tensor("x", x)
    y_raw = _to_tensor("y", y)
    if x_raw.ndim == 1:
        x_raw = x_raw.unsqueeze(1)
    if x_raw.ndim != 2:
        raise ValueError(f"x has shape {list(x_raw.shape)}; x must be [m, D] (or [m] for a single feature)")
    if y_raw.ndim not in (1, 2):
        raise ValueError(f"y has shape {list(y_raw.shape)}; y must be [m] or [m, out]")
    m = x_raw.shape[0]
    if m == 0:
        raise ValueError("x is empty (0 samples); a data set needs at least one sample")
    if y_raw.shape[0] != m:
        raise ValueError(f"x has {m} rows but y has {y_raw.shape[0]}; x and y need one row per sample")
    if x_raw.shape[1] == 0:
        raise ValueError("x has 0 features (columns); a data set needs at least one feature")
    if y_raw.ndim == 2 and y_raw.shape[1] == 0:
        raise ValueError("y has 0 columns; y must be [m] or [m, out] with out >= 1")
    if y_raw.device != x_raw.device:
        y_raw = y_raw.to(x_raw.device)

    d = x_raw.shape[1]
    if feature_names is None:
        names = default_names if default_names is not None else tuple(f"x{j}" for j in range(d))
    else:
        if isinstance(feature_names, str) or not isinstance(feature_names, Sequence):
            raise ValueError(f"feature_names={feature_names!r} must be a sequence of strings, one per feature")
        names = tuple(feature_names)
        if not all(isinstance(n, str) for n in names):
            raise ValueError(f"feature_names={feature_names!r} must contain strings only")
        if len(names) != d:
            raise ValueError(f"feature_names has {len(names)} names but x has {d} features (columns)")

    x_out = x_raw.to(dtype, copy=True)
    _check_finite("x", x_raw, x_out, names)

    if y_raw.is_floating_point():
        _check_finite("y", y_raw, y_raw.to(dtype), None)
    if kind is None:
        kind = _infer_kind(y_raw)

    if classes is not None:
        if kind == "regression":
            raise ValueError(f"classes={classes!r} is only for kind='binary' or kind='multiclass', not 'regression'")
        if isinstance(classes, str) or not isinstance(classes, Sequence):
            raise ValueError(f"classes={classes!r} must be a sequence naming the classes")
        classes = tuple(classes)

    if kind == "multiclass":
        y_out = _class_labels(y_raw, classes)
        classes = classes if classes is not None else tuple(range(int(torch.unique(y_out).numel())))
    else:
        y_out = y_raw.to(dtype, copy=True)
        if kind == "binary":
            _check_binary(y_out, classes)
    return Dataset(
        x=x_out,
        y=y_out,
        feature_names=names,
        target_name=target_name or "y",
        kind=kind,
        classes=classes,
    )


def _check_binary(y: torch.Tensor, classes: tuple | None) -> None:
    if classes is not None and len(classes) != 2:
        raise ValueError(f"classes={classes!r} has {len(classes)} entries; kind='binary' needs exactly 2 classes")
    bad = (y < 0) | (y > 1)
    if bad.any():
        where = bad.nonzero()[0].tolist()
        place = f"row {where[0]}" + (f", column {where[1]}" if len(where) > 1 else "")
        raise ValueError(
            f"y={_value(y[tuple(where)])} at {place} is outside [0, 1]; kind='binary' needs targets in [0, 1] "
            "(0/1 labels or probabilities)"
        )
    first = y.reshape(-1)[0]
    if bool((y == first).all()):
        raise ValueError(
            f"y has a single class (every target is {_value(first)}); kind='binary' needs both classes 0 and 1"
        )


def _class_labels(y: torch.Tensor, classes: tuple | None) -> torch.Tensor:
    """int64 labels ``[m]`` in 0..C-1, or a ValueError naming the first bad row."""
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(
                f"y has shape {list(y.shape)}; kind='multiclass' needs one column [m] of class indices 0..C-1 "
                "(one-hot targets are not supported here)"
            )
        y = y[:, 0]
    if y.is_floating_point():
        bad = ~torch.isfinite(y) | (y != torch.round(y))
        if bad.any():
            i = int(bad.nonzero()[0])
            raise ValueError(
                f"y={_value(y[i])} at row {i} is not a whole number; kind='multiclass' needs class labels 0..C-1"
            )
    labels = y.to(torch.int64, copy=True)
    present = torch.unique(labels)
    if classes is not None:
        if len(classes) < 2:
            raise ValueError(f"classes={classes!r} has {len(classes)} entries; a classifier needs at least 2 classes")
        c, how = len(classes), f"C = {len(classes)} classes given"
    else:
        c, how = int(present.numel()), f"C = {present.numel()} distinct labels; pass classes= to declare C"
    if present.numel() < 2:
        raise ValueError(
            f"y has a single class (every label is {int(present[0])}); a classifier needs at least 2 classes"
        )
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        i = int(bad.nonzero()[0])
        raise ValueError(
            f"y: class label {int(labels[i])} at row {i} is not in 0..{c - 1} ({how}); "
            "kind='multiclass' needs labels 0..C-1"
        )
    return labels


# ---------------------------------------------------------------------------------------------------------------
# Train / validation / test split
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Splits:
    """A train/validation/test split of one data set.

    ``validation`` and ``test`` have 0 samples when their fraction is 0. With ``standardize=True``, ``mean``
    and ``std`` (``[D]``, in the features' dtype) are the per-feature mean and standard deviation of the
    *training* features (std of a constant feature taken as 1), and every split's x is ``(x - mean) / std``;
    otherwise both are ``None``.

    With ``standardize_target=True`` (regression only), ``target_mean`` and ``target_std`` are the mean and
    standard deviation of the *training* targets (0-d for a target ``[m]``, ``[out]`` per column for
    ``[m, out]``; in the targets' dtype; std of a constant target taken as 1) and every split's y is
    ``(y - target_mean) / target_std``; a prediction ŷ maps back to the original units as
    ``ŷ·target_std + target_mean``. Otherwise both are ``None``.
    """

    train: Dataset
    validation: Dataset
    test: Dataset
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None
    target_mean: torch.Tensor | None = None
    target_std: torch.Tensor | None = None

    @property
    def target_standardized(self) -> bool:
        """Whether the targets are standardised (``target_mean`` and ``target_std`` are set)."""
        return self.target_mean is not None and self.target_std is not None


def _share(name: str, fraction: float, m: int) -> int:
    """round(fraction * m) samples, at least 1 when the fraction is positive."""
    if fraction == 0:
        return 0
    return max(1, int(round(fraction * m)))


def _samples(k: int) -> str:
    return f"{k} sample" + ("" if k == 1 else "s")


def split(
    dataset: Dataset,
    *,
    validation: float = 0.2,
    test: float = 0.2,
    seed: int = 0,
    standardize: bool = False,
    standardize_target: bool = False,
) -> Splits:
    """Split ``dataset`` into train, validation and test sets.

    The rule: ``perm = torch.randperm(m, generator=torch.Generator().manual_seed(seed))``; the validation set
    is ``perm[:v]``, the test set ``perm[v:v + t]`` and the training set the rest, each kept in the original
    row order, where ``v = round(validation * m)`` and ``t = round(test * m)`` (at least 1 sample when the
    fraction is positive). No stratification.

    ``validation`` and ``test`` are fractions in [0, 1) summing to less than 1, and the training set must
    keep at least one sample. With ``standardize=True`` the features are standardized with the training
    set's mean and std (population std; a constant feature gets std 1), applied to all three splits. With
    ``standardize_target=True`` (``kind="regression"`` only) so are the targets, per target column, with
    the training targets' mean and std (:attr:`Splits.target_mean`, :attr:`Splits.target_std`): the cost
    is then in units of the target's spread, whatever its scale, so that a learning rate means the same
    for every data set and optimizers that move about lr per step (Adam, RMSprop) are not handicapped by a
    target in the hundreds.
    """
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset must be a Dataset (build one with as_dataset(x, y)), not {type(dataset).__name__}")
    validation = _fraction("validation", validation)
    test = _fraction("test", test)
    if validation + test >= 1:
        raise ValueError(
            f"validation={validation:g} and test={test:g} sum to {validation + test:g}; they must sum to less "
            "than 1 so that samples are left for training"
        )
    seed = _whole("seed", seed, 0, "a non-negative int")
    if not isinstance(standardize, bool):
        raise ValueError(f"standardize={standardize!r} must be True or False")
    if not isinstance(standardize_target, bool):
        raise ValueError(f"standardize_target={standardize_target!r} must be True or False")
    if standardize_target and dataset.kind != "regression":
        raise ValueError(f"standardize_target=True standardises regression targets; this data set is "
                         f"kind={dataset.kind!r} (its targets are class labels)")
    m = len(dataset)
    if m == 0:
        raise ValueError("dataset is empty (0 samples); there is nothing to split")
    n_val, n_test = _share("validation", validation, m), _share("test", test, m)
    n_train = m - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"validation={validation:g} ({_samples(n_val)}) and test={test:g} ({_samples(n_test)}) of {_samples(m)} "
            "leave no training samples; lower the fractions or use more data"
        )
    perm = torch.randperm(m, generator=torch.Generator().manual_seed(seed))
    parts = [perm[n_val + n_test :], perm[:n_val], perm[n_val : n_val + n_test]]
    train, val, tst = (dataset.subset(torch.sort(p).values) for p in parts)
    mean = std = target_mean = target_std = None
    if standardize:
        mean, std = _moments(train.x)

        def scale(ds: Dataset) -> Dataset:
            z = (ds.x.to(torch.float64) - mean) / std
            return dataclasses.replace(ds, x=z.to(ds.x.dtype))

        train, val, tst = scale(train), scale(val), scale(tst)
        mean, std = mean.to(dataset.x.dtype), std.to(dataset.x.dtype)
    if standardize_target:
        y = train.y.to(torch.float64)
        target_mean, target_std = _moments(y if y.ndim == 2 else y.unsqueeze(1))
        if y.ndim == 1:
            target_mean, target_std = target_mean[0], target_std[0]

        def scale_target(ds: Dataset) -> Dataset:
            z = (ds.y.to(torch.float64) - target_mean) / target_std
            return dataclasses.replace(ds, y=z.to(ds.y.dtype))

        train, val, tst = scale_target(train), scale_target(val), scale_target(tst)
        target_mean, target_std = target_mean.to(dataset.y.dtype), target_std.to(dataset.y.dtype)
    return Splits(train, val, tst, mean, std, target_mean, target_std)


def _moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-column mean and population std (float64) of ``x [m, D]``; a constant column gets its value as the
    mean (so that it becomes exactly 0) and std 1."""
    x = x.to(torch.float64)
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)
    low = x.amin(dim=0)
    constant = (x.amax(dim=0) == low) | (std == 0)
    mean = torch.where(constant, low, mean)  # exactly the constant, so the column becomes exactly 0
    std = torch.where(constant, torch.ones_like(std), std)
    return mean, std


# ---------------------------------------------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class hybrid:  # noqa: N801 - a schedule, named like the schedules in descend.schedules
    """Seed 004's hybrid batch size: ``first`` samples per batch for the first ``epochs`` epochs, then ``then``.

    ``hybrid()(e)`` is 32 for epochs e = 0..7 and 512 from epoch 8 on; ``then=None`` means the full
    training set (GD) whatever its size.

        >>> hybrid()
        hybrid(first=32, epochs=8, then=512)
        >>> [hybrid()(e) for e in (0, 7, 8, 100)]
        [32, 32, 512, 512]
    """

    first: int = 32
    epochs: int = 8
    then: int | None = 512

    def __post_init__(self) -> None:
        object.__setattr__(self, "first", _whole("first", self.first, 1, "a batch size (an int)"))
        object.__setattr__(self, "epochs", _whole("epochs", self.epochs, 0, "a number of epochs (an int)"))
        if self.then is not None:
            object.__setattr__(self, "then", _whole("then", self.then, 1, "a batch size (an int) or None"))

    def __call__(self, epoch: int) -> int | None:
        return self.first if epoch < self.epochs else self.then


class Batch(NamedTuple):
    """One step of a :class:`BatchPlan` (a named tuple: ``for index, epoch, step, last in plan`` works too).

    ``index``: int64 ``[b]`` sample indices (``[K, b]`` for a stacked plan, one row per run);
    ``epoch``: 0-based epoch of this step; ``step``: 0-based step number; ``last_in_epoch``: whether this
    batch completes its epoch (with a ``steps=`` budget the final step may stop mid-epoch and then says False).
    """

    index: torch.Tensor
    epoch: int
    step: int
    last_in_epoch: bool

    @property
    def size(self) -> int:
        """b, the number of samples in this batch."""
        return self.index.shape[-1]


@dataclass(frozen=True, eq=False)
class BatchPlan:
    """The mini-batches of a whole training run, drawn once before training.

    Stored per epoch, so that memory is the number of samples visited (and GD epochs share one order):
    ``orders[e]`` is the visiting order of epoch e (int64 ``[m]``, or ``[K, m]`` for a plan stacked over K
    runs by :func:`stack_plans`); step t takes ``orders[epochs[t]][..., starts[t] : starts[t] + sizes[t]]``.
    The per-step tensors ``[T]`` are ``sizes`` (int64, the batch size b of each of the T steps), ``epochs``
    (int64, each step's 0-based epoch), ``starts`` (int64, where the batch starts in its epoch's order) and
    ``last_in_epoch`` (bool, whether the step completes its epoch). ``m`` is the number of training samples
    and ``seeds`` the data seed of each run (one entry unless stacked).

    Use: ``len(plan)`` is T; ``plan[t]`` the index tensor of step t (``[b_t]`` or ``[K, b_t]``, a view);
    ``for batch in plan`` yields :class:`Batch` objects; ``plan.indices`` is the list of all index tensors.
    """

    m: int
    orders: tuple[torch.Tensor, ...]
    sizes: torch.Tensor
    epochs: torch.Tensor
    starts: torch.Tensor
    last_in_epoch: torch.Tensor
    seeds: tuple[int, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "orders", tuple(self.orders))
        t = self.sizes.shape[0]
        if not (self.epochs.shape == self.starts.shape == self.last_in_epoch.shape == (t,)):
            raise ValueError("sizes, epochs, starts and last_in_epoch must all have shape [T]")
        # Python lists for cheap per-step slicing.
        object.__setattr__(self, "_steps", (self.epochs.tolist(), self.starts.tolist(), self.sizes.tolist()))

    def __len__(self) -> int:
        return self.sizes.shape[0]

    def __repr__(self) -> str:
        sizes = sorted(set(self._steps[2]))
        sizes_text = ", ".join(map(str, sizes[:4])) + (", ..." if len(sizes) > 4 else "")
        runs = "" if self.runs is None else f", runs={self.runs}"
        return (
            f"BatchPlan(m={self.m}, steps={len(self)}, epochs={self.n_epochs}, batch sizes {{{sizes_text}}}, "
            f"seeds={self.seeds}{runs})"
        )

    @property
    def runs(self) -> int | None:
        """K for a stacked plan (each order is ``[K, m]``), ``None`` for a single run."""
        return self.orders[0].shape[0] if self.orders and self.orders[0].ndim == 2 else None

    @property
    def seed(self) -> int:
        """The seed of a single-run plan."""
        if len(self.seeds) != 1:
            raise ValueError(f"this plan stacks {len(self.seeds)} runs with seeds {self.seeds}; use .seeds")
        return self.seeds[0]

    @property
    def n_epochs(self) -> int:
        """The number of epochs the plan touches (the last one possibly partial with a ``steps=`` budget)."""
        return len(self.orders)

    def __getitem__(self, t: int) -> torch.Tensor:
        n = len(self)
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise ValueError(f"step t={t!r} must be an int")
        if not -n <= t < n:
            raise ValueError(f"step t={t} is out of range; the plan has {n} steps")
        t = int(t) % n
        epochs, starts, sizes = self._steps
        return self.orders[epochs[t]][..., starts[t] : starts[t] + sizes[t]]

    def __iter__(self) -> Iterator[Batch]:
        orders = self.orders
        epochs, starts, sizes = self._steps
        for t, (e, s, b, last) in enumerate(zip(epochs, starts, sizes, self.last_in_epoch.tolist())):
            yield Batch(orders[e][..., s : s + b], e, t, last)

    @property
    def indices(self) -> list[torch.Tensor]:
        """Every step's index tensor, in order (views of ``orders``)."""
        orders = self.orders
        return [orders[e][..., s : s + b] for e, s, b in zip(*self._steps)]


def _batch_size(batch_size: BatchSize, epoch: int, m: int) -> int:
    """The batch size b of ``epoch``, checked against the m training samples."""
    if callable(batch_size):
        name, value = f"batch_size({epoch})", batch_size(epoch)
    else:
        name, value = "batch_size", batch_size
    if value is None:
        return m
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name}={value!r} must be a whole number of samples (an int), None for the full training set, "
            f"or a schedule epoch -> int such as hybrid(); not {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(f"{name}={value} is out of range; allowed: 1..{m}, or None for the full set")
    if value > m:
        raise ValueError(
            f"{name}={value} is larger than the training set ({_samples(m)}); allowed: 1..{m}, or None for the full set"
        )
    return int(value)


def _steps_per_epoch(m: int, b: int, drop_last: bool) -> int:
    """m // b full batches, plus one partial batch of m mod b samples unless it is dropped."""
    full, rest = divmod(m, b)
    return full + (1 if rest and not drop_last else 0)


def batches(
    n: int | Dataset,
    *,
    batch_size: BatchSize,
    seed: int,
    steps: int | None = None,
    epochs: int | None = None,
    drop_last: bool = False,
) -> BatchPlan:
    """Plan the mini-batches of a training run over m = ``n`` samples (or ``len(n)`` for a Dataset).

    ``batch_size`` b is an int (1: SGD; b: mini-batch; m: GD), ``None`` (the full set: GD), or a schedule
    ``epoch -> int | None`` such as :class:`hybrid` (epochs count from 0). The budget is exactly one of
    ``steps`` (stop after that many batches, crossing epoch boundaries) or ``epochs`` (exactly that many
    full epochs). ``drop_last`` drops the final partial batch of each epoch (the m mod b left-over samples)
    instead of keeping it as a smaller batch.

    The exact rule: one generator ``g = torch.Generator().manual_seed(seed)`` is created; for each epoch
    e = 0, 1, ... with batch size b_e < m the epoch's order is ``torch.randperm(m, generator=g)``; an epoch
    with b_e = m (GD) uses ``torch.arange(m)`` and does not advance g. The order is cut into consecutive
    batches ``order[0:b], order[b:2b], ...``. Equal seeds give equal plans; different seeds different orders.

    Returns a :class:`BatchPlan`; iterate it for :class:`Batch` objects. Planning 10⁵ steps of b = 32 on
    m = 512 takes a few tens of milliseconds. Checks: m ≥ 1; b an int in 1..m (or None) for every epoch;
    exactly one of steps or epochs, each ≥ 1; seed a non-negative int.
    """
    m = len(n) if isinstance(n, Dataset) else n
    if isinstance(m, bool) or not isinstance(m, numbers.Integral):
        raise ValueError(f"n={m!r} must be the number of training samples (an int), not {type(m).__name__}")
    m = int(m)
    if m <= 0:
        raise ValueError(f"n={m}: the training set is empty; batches need at least one training sample")
    seed = _whole("seed", seed, 0, "a non-negative int")
    if (steps is None) == (epochs is None):
        both = "both" if steps is not None else "neither"
        raise ValueError(
            f"give exactly one budget, steps= (number of batches) or epochs= (passes over the data); got {both}"
        )
    if steps is not None:
        steps = _whole("steps", steps, 1, "a number of steps (an int)")
    if epochs is not None:
        epochs = _whole("epochs", epochs, 1, "a number of epochs (an int)")
    if not isinstance(drop_last, bool):
        raise ValueError(f"drop_last={drop_last!r} must be True or False")

    # The batch size b_e and the number of steps of each epoch e, then every per-step tensor at once.
    if callable(batch_size):
        sizes_e, counts, sum_counts = [], [], 0
        while (epochs is not None and len(sizes_e) < epochs) or (steps is not None and sum_counts < steps):
            b = _batch_size(batch_size, len(sizes_e), m)
            sizes_e.append(b)
            counts.append(_steps_per_epoch(m, b, drop_last))
            sum_counts += counts[-1]
    else:
        b = _batch_size(batch_size, 0, m)
        c = _steps_per_epoch(m, b, drop_last)
        n_epochs = epochs if epochs is not None else -(-steps // c)
        sizes_e, counts = [b] * n_epochs, [c] * n_epochs
    full_counts = torch.tensor(counts, dtype=torch.int64)
    if steps is not None:  # the budget may stop the last epoch early
        counts[-1] -= sum(counts) - steps
    counts_t = torch.tensor(counts, dtype=torch.int64)
    b_e = torch.tensor(sizes_e, dtype=torch.int64)
    n_total = int(counts_t.sum())
    epoch_of = torch.repeat_interleave(torch.arange(len(counts)), counts_t, output_size=n_total)
    first_step = torch.cumsum(counts_t, 0) - counts_t
    j = torch.arange(n_total) - first_step[epoch_of]  # position of the step within its epoch
    b_t = b_e[epoch_of]
    starts = j * b_t
    sizes = torch.minimum(b_t, m - starts)  # the kept partial batch holds the m mod b left over
    last = j == full_counts[epoch_of] - 1

    g = torch.Generator().manual_seed(seed)
    full_order = torch.arange(m)
    orders = [full_order if b == m else torch.randperm(m, generator=g) for b in sizes_e]
    return BatchPlan(
        m=m, orders=tuple(orders), sizes=sizes, epochs=epoch_of, starts=starts, last_in_epoch=last, seeds=(seed,)
    )


def stack_plans(
    plans: Sequence[BatchPlan] | Mapping[int, BatchPlan],
    run_seeds: Sequence[int] | torch.Tensor | None = None,
) -> BatchPlan:
    """Stack single-run plans into one plan for a cohort of K runs whose data orders differ.

    ``plans`` are plans drawn with different seeds (a sequence, each known by its ``seed``, or a mapping
    seed → plan); ``run_seeds`` gives the data seed of each of the K runs (default: one run per plan, in
    order), so several runs may share a plan. The result's ``plan[t]`` is ``[K, b_t]``: row k is run k's
    batch. Runs can share a cohort only if their plans have the same m and, at every step, the same batch
    size and epoch boundaries; otherwise a ValueError says at which step they differ.
    """
    if isinstance(plans, Mapping):
        by_seed = dict(plans.items())
        order = list(by_seed)
    else:
        if isinstance(plans, BatchPlan) or not isinstance(plans, Sequence):
            raise ValueError(
                f"plans must be a sequence of BatchPlan or a mapping seed -> BatchPlan, not {type(plans).__name__}"
            )
        by_seed, order = {}, []
        for i, p in enumerate(plans):
            if not isinstance(p, BatchPlan):
                raise ValueError(f"plans[{i}] must be a BatchPlan (from batches()), not {type(p).__name__}")
            if p.runs is not None:
                raise ValueError(f"plans[{i}] is already stacked ({p.runs} runs); stack single-run plans")
            by_seed.setdefault(p.seed, p)
            order.append(p.seed)
    if not by_seed:
        raise ValueError("plans is empty; give at least one BatchPlan")
    for s, p in by_seed.items():
        if not isinstance(p, BatchPlan) or p.runs is not None:
            raise ValueError(f"plans[{s!r}] must be a single-run BatchPlan (from batches())")
    if run_seeds is None:
        run_seeds = order
    if isinstance(run_seeds, torch.Tensor):
        if run_seeds.ndim != 1 or run_seeds.is_floating_point() or run_seeds.is_complex():
            raise ValueError(f"run_seeds has shape {list(run_seeds.shape)} and dtype {run_seeds.dtype}; give ints [K]")
        run_seeds = run_seeds.tolist()
    if isinstance(run_seeds, (str, bytes)) or not isinstance(run_seeds, Sequence) or len(run_seeds) == 0:
        raise ValueError(f"run_seeds={run_seeds!r} must be a non-empty sequence of ints, one data seed per run")
    chosen = []
    for k, s in enumerate(run_seeds):
        if s not in by_seed:
            raise ValueError(
                f"run_seeds[{k}]={s!r} has no plan; plans were drawn with seeds {', '.join(map(str, by_seed))}"
            )
        chosen.append(by_seed[s])
    ref = chosen[0]
    for k, p in enumerate(chosen[1:], start=1):
        why = None
        if p.m != ref.m:
            why = f"run 0 has {ref.m} training samples but run {k} has {p.m}"
        elif len(p) != len(ref):
            why = f"run 0 (seed {run_seeds[0]}) has {len(ref)} steps but run {k} (seed {run_seeds[k]}) has {len(p)}"
        elif not torch.equal(p.sizes, ref.sizes):
            t = int((p.sizes != ref.sizes).nonzero()[0])
            why = (
                f"at step {t} run 0 (seed {run_seeds[0]}) has a batch of {int(ref.sizes[t])} samples but "
                f"run {k} (seed {run_seeds[k]}) has {int(p.sizes[t])}"
            )
        elif not (torch.equal(p.epochs, ref.epochs) and torch.equal(p.starts, ref.starts)):
            t = int(((p.epochs != ref.epochs) | (p.starts != ref.starts)).nonzero()[0])
            why = f"at step {t} runs 0 and {k} are at different points of their epochs"
        if why is not None:
            raise ValueError(
                f"the runs can't share a cohort: {why}; every run needs the same batch sizes at every step"
            )
    stacked: dict[tuple[int, ...], torch.Tensor] = {}  # GD epochs share one order: stack it once
    orders = []
    for e in range(ref.n_epochs):
        parts = [p.orders[e] for p in chosen]
        key = tuple(id(o) for o in parts)
        if key not in stacked:
            stacked[key] = torch.stack(parts)
        orders.append(stacked[key])
    return BatchPlan(
        m=ref.m,
        orders=tuple(orders),
        sizes=ref.sizes,
        epochs=ref.epochs,
        starts=ref.starts,
        last_in_epoch=ref.last_in_epoch,
        seeds=tuple(int(s) for s in run_seeds),
    )


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


# ---------------------------------------------------------------------------------------------------------------
# Real data sets shipped with scikit-learn
# ---------------------------------------------------------------------------------------------------------------

#: The data sets :func:`load_sklearn` knows: name → one-line description (samples, features, classes, source).
SKLEARN_DATASETS: dict[str, str] = {
    "digits": (
        "1797 8x8 images of handwritten digits as 64 pixel features (0..16), 10 classes 0..9 (multiclass); "
        "the test set of the UCI Optical Recognition of Handwritten Digits data (Alpaydin and Kaynak, 1998)"
    ),
    "breast-cancer": (
        "569 breast tumours, 30 features of their cell nuclei, 2 classes: 212 malignant (0), 357 benign (1) "
        "(binary); UCI Breast Cancer Wisconsin (Diagnostic) (Street, Wolberg and Mangasarian, 1993)"
    ),
    "diabetes": (
        "442 diabetes patients, 10 baseline features (age, sex, BMI, blood pressure, 6 blood serum measures; "
        "mean-centred and scaled), target: disease progression one year later, 25..346 (regression); "
        "Efron, Hastie, Johnstone and Tibshirani, Least Angle Regression (2004)"
    ),
    "wine": (
        "178 wines, 13 chemical measurements, 3 cultivars class_0..class_2 (59/71/48) (multiclass); "
        "UCI Wine (Forina et al., PARVUS, 1988)"
    ),
    "iris": (
        "150 iris flowers, 4 measurements in cm, 3 species setosa/versicolor/virginica, 50 each (multiclass); "
        "Fisher, The use of multiple measurements in taxonomic problems (1936), UCI Iris"
    ),
}

# name -> (sklearn loader, kind, target name)
_SKLEARN_LOADERS: dict[str, tuple[str, str, str]] = {
    "digits": ("load_digits", "multiclass", "digit"),
    "breast-cancer": ("load_breast_cancer", "binary", "diagnosis"),
    "diabetes": ("load_diabetes", "regression", "progression"),
    "wine": ("load_wine", "multiclass", "cultivar"),
    "iris": ("load_iris", "multiclass", "species"),
}


def load_sklearn(name: str, *, dtype: torch.dtype = torch.float32) -> Dataset:
    """One of the real data sets shipped inside scikit-learn (read from its package; nothing is downloaded).

    ``name`` is a key of :data:`SKLEARN_DATASETS`:

    - ``"digits"``: multiclass, 1797 × 64 (8×8 images flattened row by row, features ``"pixel_r_c"``),
      classes 0..9, target ``"digit"``;
    - ``"breast-cancer"``: binary, 569 × 30, y as in scikit-learn (0 = malignant, 1 = benign), so classes
      ``("malignant", "benign")``, target ``"diagnosis"``;
    - ``"diabetes"``: regression, 442 × 10, scikit-learn's default scaled features, target ``"progression"``;
    - ``"wine"``: multiclass, 178 × 13, classes ``("class_0", "class_1", "class_2")``, target ``"cultivar"``;
    - ``"iris"``: multiclass, 150 × 4, classes ``("setosa", "versicolor", "virginica")``, target ``"species"``.

    Feature names are scikit-learn's; values are scikit-learn's arrays in ``dtype``. ``"breast_cancer"`` (with
    an underscore) is accepted too; an unknown name is a ValueError with close matches.

        >>> ds = load_sklearn("iris")
        >>> len(ds), ds.n_features, ds.kind, ds.target_name, ds.feature_names[0]
        (150, 4, 'multiclass', 'species', 'sepal length (cm)')
        >>> ds.classes
        ('setosa', 'versicolor', 'virginica')
        >>> load_sklearn("irsi")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: unknown data set 'irsi'; did you mean 'iris'? (choose one of 'digits', 'breast-cancer', ...)
    """
    dtype = _float_dtype("dtype", dtype)
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a string naming a data set, e.g. 'digits'")
    key = name.strip().lower().replace("_", "-")
    if key not in _SKLEARN_LOADERS:
        raise ValueError(
            f"unknown data set {name!r}{close_matches(key, _SKLEARN_LOADERS)} "
            f"(choose one of {', '.join(map(repr, _SKLEARN_LOADERS))})"
        )
    loader, kind, target_name = _SKLEARN_LOADERS[key]
    try:
        sklearn_datasets = importlib.import_module("sklearn.datasets")
    except ImportError:
        raise ImportError("load_sklearn needs scikit-learn: pip install scikit-learn") from None
    bunch = getattr(sklearn_datasets, loader)()
    x = torch.from_numpy(np.asarray(bunch.data, dtype=np.float64))
    names = [str(n) for n in bunch.feature_names]
    classes = None
    if kind == "regression":
        y = torch.from_numpy(np.asarray(bunch.target, dtype=np.float64))
    else:
        classes = tuple(_plain(c) for c in np.asarray(bunch.target_names).tolist())
        labels = torch.from_numpy(np.asarray(bunch.target, dtype=np.int64))
        y = labels.to(torch.float64) if kind == "binary" else labels
    ds = as_dataset(x, y, kind=kind, feature_names=names, classes=classes, dtype=dtype)
    return dataclasses.replace(ds, target_name=target_name)
