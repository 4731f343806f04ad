"""A data set with its kind: :class:`Dataset`, :func:`as_dataset`, and the small checks every part of
:mod:`descend.data` shares."""

from __future__ import annotations

import dataclasses
import math
import numbers
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import torch

from descend._checks import UNIT_OPEN, check_choice, check_float_dtype, check_hyperparameter, close_matches

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
    return check_float_dtype(name, dtype)


def _value(t: torch.Tensor) -> str:
    v = t.item()
    return f"{v:g}" if isinstance(v, float) else str(v)


# ---------------------------------------------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Dataset:
    """m samples: features ``x [m, D]`` (or ``[m, ...]``: an image ``[m, C, H, W]``, for a model that takes it,
    such as a :class:`descend.models.ModuleModel` with ``input_ndim``) and targets ``y``.

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
    dropped: int = 0  #: rows left out for missing values when the data set was read (``dropna=True``)
    encoded: tuple[str, ...] = ()  #: a table's categorical columns, one-hot encoded (``"column=value"`` features)
    #: how a table's rows became the features, column by column in their order: ``(column, None)`` for a column of
    #: numbers, ``(column, values)`` for a one-hot column and the values it held in its features' order (what
    #: :func:`descend.data.features_of` encodes new rows of the table with); empty for data not read from a table
    columns: tuple[tuple[Any, tuple | None], ...] = ()
    #: how a table's target was read where its values did not say which kind it is beyond doubt (whole numbers
    #: written as decimals read as a number, years read as classes), with the option that reads it the other way;
    #: empty otherwise (decided by :func:`descend.data.from_csv`, said by a task's card)
    reading: str = ""

    def __post_init__(self) -> None:
        x, y = self.x, self.y
        if not isinstance(x, torch.Tensor) or x.ndim < 2 or not x.is_floating_point():
            shape = list(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
            raise ValueError(f"x must be a floating-point tensor of shape [m, D] (or [m, ...]), not {shape}")
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
        if len(names) != self.n_features:
            raise ValueError(f"feature_names has {len(names)} names but x has {self.n_features} features"
                             f"{_features_of(x)}")
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
        """D, the number of features: the columns of x, or the numbers of one sample ``x[i]`` when x has more axes."""
        return math.prod(self.x.shape[1:])

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
                    "are taken here: descend.data.from_frame(frame, target=...) one-hot encodes text columns"
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
    if original.ndim > 2:  # a sample of several axes: its numbers in order, as feature_names counts them
        original, bad = original.reshape(original.shape[0], -1), bad.reshape(bad.shape[0], -1)
    where = bad.nonzero()[0].tolist()
    row = where[0]
    place = f"row {row}"
    if len(where) > 1:
        col = where[1]
        place += f", feature {columns[col]!r} (column {col})" if columns is not None else f", column {col}"
    value = original[tuple(where)]
    if original.is_floating_point() and not math.isfinite(value.item()):
        raise ValueError(f"{name} has a non-finite value ({_value(value)}) at {place}; remove or impute it (every "
                         "value must be finite)")
    wide = "torch.float32" if converted.dtype in (torch.float16, torch.bfloat16) else "torch.float64"
    raise ValueError(f"{name} has the value {_value(value)}, which overflows {converted.dtype}, at {place}; rescale "
                     f"it (every value must be finite in the training dtype), or train in {wide}")


def check_converted(data: Dataset, converted: Dataset, name: str = "") -> None:
    """The values of ``data`` that ``converted`` (``data.to(dtype)``) cannot hold: a finite x or y beyond the range
    of the training dtype (1e5 in float16) is named by row and column, rather than trained as infinite."""
    _check_finite(f"{name}x", data.x, converted.x, data.feature_names)
    if converted.y.is_floating_point():
        _check_finite(f"{name}y", data.y, converted.y, None)


def check_values(data: Dataset, name: str = "") -> None:
    """The values :func:`as_dataset` checks, for a :class:`Dataset` built directly (whose construction checks
    shapes, dtypes and names only): every x and y finite, the first one that is not named by row and column."""
    _check_finite(f"{name}x", data.x, data.x, data.feature_names)
    if data.y.is_floating_point():
        _check_finite(f"{name}y", data.y, data.y, None)


def _features_of(x: torch.Tensor) -> str:
    """How x's features are counted, for a message: its columns, or the numbers of each sample."""
    sample = list(x.shape[1:])
    return " (columns)" if x.ndim == 2 else f" (the {math.prod(sample)} numbers of each sample {sample})"


def _one_hot(y: torch.Tensor) -> bool:
    """Whether ``y`` is integer (or boolean) one-hot rows ``[m, C]``, C >= 2: each row one 1 and 0s."""
    if y.is_floating_point() or y.ndim != 2 or y.shape[1] < 2 or y.is_complex():
        return False
    y = y.to(torch.int64)
    return bool(((y == 0) | (y == 1)).all()) and bool((y.sum(dim=1) == 1).all())


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
    - integer or boolean one-hot rows ``[m, C]`` (``torch.nn.functional.one_hot``'s) → ``"multiclass"``, y their
      labels ``[m]`` and C the columns (``kind="binary"`` keeps them as C binary labels each);
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
                    "as integers 0..C-1): descend.data.from_frame(frame, target=...) reads text labels as classes"
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
    if x_raw.ndim == 0:
        raise ValueError("x is a single number; x must be [m, D] (or [m] for a single feature, [m, ...] for images)")
    if y_raw.ndim not in (1, 2):
        raise ValueError(f"y has shape {list(y_raw.shape)}; y must be [m] or [m, out]")
    m = x_raw.shape[0]
    if m == 0:
        raise ValueError("x is empty (0 samples); a data set needs at least one sample")
    if y_raw.shape[0] != m:
        raise ValueError(f"x has {m} rows but y has {y_raw.shape[0]}; x and y need one row per sample")
    if x_raw[0].numel() == 0:
        raise ValueError(f"x has 0 features (shape {list(x_raw.shape)}); a data set needs at least one feature")
    if y_raw.ndim == 2 and y_raw.shape[1] == 0:
        raise ValueError("y has 0 columns; y must be [m] or [m, out] with out >= 1")
    if y_raw.device != x_raw.device:
        y_raw = y_raw.to(x_raw.device)

    d = math.prod(x_raw.shape[1:])
    if feature_names is None:
        names = default_names if default_names is not None else tuple(f"x{j}" for j in range(d))
    else:
        if isinstance(feature_names, str) or not isinstance(feature_names, Sequence):
            raise ValueError(f"feature_names={feature_names!r} must be a sequence of strings, one per feature")
        names = tuple(feature_names)
        if not all(isinstance(n, str) for n in names):
            raise ValueError(f"feature_names={feature_names!r} must contain strings only")
        if len(names) != d:
            raise ValueError(f"feature_names has {len(names)} names but x has {d} features{_features_of(x_raw)}")

    x_out = x_raw.to(dtype, copy=True)
    _check_finite("x", x_raw, x_out, names)

    if y_raw.is_floating_point():
        _check_finite("y", y_raw, y_raw.to(dtype), None)
    if kind in (None, "multiclass") and _one_hot(y_raw):  # torch.nn.functional.one_hot's rows: their labels (read
        # as binary, each column a label of its own, they trained C sigmoids where a C-class softmax was meant)
        kind, classes = "multiclass", tuple(range(y_raw.shape[1])) if classes is None else classes
        y_raw = y_raw.to(torch.int64).argmax(dim=1)
    if kind is None:  # labels 0 and 1 of classes=range(3) are 3 classes of which 2 are seen, not binary labels
        given = classes is not None and not isinstance(classes, str) and isinstance(classes, Sequence)
        column = y_raw.ndim == 1 or y_raw.ndim == 2 and y_raw.shape[1] == 1  # [m] or [m, 1] of labels
        kind = ("multiclass" if given and len(classes) > 2 and not y_raw.is_floating_point() and column
                else _infer_kind(y_raw))

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
        c, how = int(present.numel()), f"C = {present.numel()} distinct labels"
    if present.numel() < 2:
        raise ValueError(
            f"y has a single class (every label is {int(present[0])}); a classifier needs at least 2 classes"
        )
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        i = int(bad.nonzero()[0])
        number = "" if classes is not None else (
            "; if y is a number to predict rather than a class, give it as floats (y.float(), or "
            "descend.data.as_dataset(x, y, kind='regression'))")
        fix = ""
        if classes is None and int(labels.min()) >= 0:  # the labels as they are: a fix that fits them
            low, top = int(labels.min()), int(labels.max())
            fix = (f"; they run {low}..{top}: give y - {low}, or" if low >= 1 and c == top - low + 1 else
                   "; labels with gaps:") + (f" declare the classes, descend.data.as_dataset(x, y, "
                                             f"classes=range({top + 1})) as fit's data")
        raise ValueError(
            f"y: class label {int(labels[i])} at row {i} is not in 0..{c - 1} ({how}); class labels are 0..C-1"
            f"{fix}{number}"
        )
    return labels
