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
  training statistics.
- :func:`batches`, :class:`BatchPlan`, :class:`Batch`, :class:`hybrid` and :func:`stack_plans`: the whole
  sequence of mini-batches of a training run, drawn once before training from a seed.

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

import dataclasses
import math
import numbers
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
    """

    train: Dataset
    validation: Dataset
    test: Dataset
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None


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
) -> Splits:
    """Split ``dataset`` into train, validation and test sets.

    The rule: ``perm = torch.randperm(m, generator=torch.Generator().manual_seed(seed))``; the validation set
    is ``perm[:v]``, the test set ``perm[v:v + t]`` and the training set the rest, each kept in the original
    row order, where ``v = round(validation * m)`` and ``t = round(test * m)`` (at least 1 sample when the
    fraction is positive). No stratification.

    ``validation`` and ``test`` are fractions in [0, 1) summing to less than 1, and the training set must
    keep at least one sample. With ``standardize=True`` the features are standardized with the training
    set's mean and std (population std; a constant feature gets std 1), applied to all three splits.
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
    if not standardize:
        return Splits(train, val, tst)
    x = train.x.to(torch.float64)
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)
    low = x.amin(dim=0)
    constant = (x.amax(dim=0) == low) | (std == 0)
    mean = torch.where(constant, low, mean)  # exactly the constant, so the feature becomes exactly 0
    std = torch.where(constant, torch.ones_like(std), std)

    def scale(ds: Dataset) -> Dataset:
        z = (ds.x.to(torch.float64) - mean) / std
        return dataclasses.replace(ds, x=z.to(ds.x.dtype))

    dtype = dataset.x.dtype
    return Splits(scale(train), scale(val), scale(tst), mean.to(dtype), std.to(dtype))


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
