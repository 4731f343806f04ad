"""Real data as tasks: the data sets that ship inside scikit-learn, and any CSV file.

Nothing is downloaded: ``digits``, ``breast-cancer``, ``diabetes``, ``wine`` and ``iris`` are the copies
inside the scikit-learn package (:func:`descend.data.load_sklearn`). Every task splits 60/20/20 into
train / validation / test with ``data_seed`` and standardises the features on the training split; a
regression target is standardised too (``standardize_target=True``, the default), with the training split's
mean and std, which the splits keep (``Splits.target_mean``, ``Splits.target_std``) so that losses are also
reported in the target's own units. Without it a target in the hundreds (a price, diabetes' progression
score) makes the cost's scale, and with it every plain gradient step, hundreds of times larger, while Adam
and RMSprop still move about lr per step: a comparison would then measure the target's units, not the
optimizers.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .. import data as data_module
from .. import models
from .._machine import one_thread
from .._names import ordinal
from .._quiet import ignoring
from .task import Known, Task, _check_counts, least_squares, register

__all__ = ["from_csv", "dataset_task", "digits", "breast_cancer", "diabetes", "wine", "iris", "MIN_ROWS"]

_HIDDEN = (32,)

#: The fewest rows a data set task takes: one validation and one test row (20% each) and three training rows.
MIN_ROWS = 5
#: A linear regression's design matrix is singular (no one least-squares answer) where its smallest singular value is
#: within this many times the data's rounding (its dtype's eps times the matrix's Frobenius norm, about what rounding
#: every number moves it by) of 0.
ROUNDING_MARGIN = 10.0


def _model(kind: str, d: int, classes: int, hidden: tuple[int, ...]) -> Any:
    """An MLP (``hidden`` widths, tanh) or, with ``hidden=()``, linear/logistic/softmax regression."""
    out, output = {"regression": (1, "identity"), "binary": (1, "sigmoid"), "multiclass": (classes, "softmax")}[kind]
    if not hidden:
        return models.Linear(d, out, output=output)
    return models.MLP((d, *hidden, out), hidden="tanh", output=output)


def _loss(kind: str) -> str:
    return {"regression": "mse", "binary": "bce", "multiclass": "cross-entropy"}[kind]


def target_fact(target: str, splits: data_module.Splits) -> str:
    """The card line of a standardised regression target: its training mean and std, and where the losses in
    its own units are."""
    mean, std = (_show(v) for v in (splits.target_mean, splits.target_std))
    return (f"{target!r} standardised with the training split's mean {mean} and std {std} "
            "(--no-standardize-target, or standardize_target=False, keeps its units); the losses are also reported "
            "in its units (final_<split>_loss_original)")


def mean_baseline(splits: data_module.Splits, loss: str) -> str | None:
    """The card line of a regression's baseline: always predicting the training split's mean target (what a model
    knows without the features), scored on the test split as the table scores a model, in its columns: the test
    loss of ``loss`` (a name of :mod:`descend.losses`) and, for a standardised target, the test loss with the
    target unstandardised and, for a squared error, the test RMSE in the target's units
    (:data:`descend.catalog.TEST_LOSS_UNSTANDARDISED`, :data:`descend.catalog.TEST_RMSE`). None for a loss that is
    not a regression's (``--loss cross-entropy`` on a regression task, which the comparison then refuses in the
    words of its flag)."""
    from ..catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE
    from ..losses import get_loss, rmse
    from ..problem import unstandardised
    from ..report.cells import _cell_text

    def text(column: str, value: float) -> str:  # as the table's cell, a large one written out (24,440, not
        shown = _cell_text(column, value)  # 2.444e+04: a card writes each sign once)
        return f"{float(shown):,.0f}" if "e+" in shown else shown

    if get_loss(loss).kind != "regression":
        return None
    fn = get_loss(loss).fn
    train, test = splits.train.y.double(), splits.test.y.double()
    pred = train.mean(dim=0).expand_as(test).unsqueeze(0)  # one run, [1, B, ...]
    said = [f"test loss {text('test loss', float(fn(pred, test, runs=True)[0]))}"]
    mean = train.mean(dim=0)
    if splits.target_standardized:
        mu, sigma = splits.target_mean.double(), splits.target_std.double()
        mean = mean * sigma + mu
        value = float(unstandardised(fn, pred, test, mu, sigma)[0])
        said.append(f"{TEST_LOSS_UNSTANDARDISED} {text(TEST_LOSS_UNSTANDARDISED, value)}")
        if (error := rmse(loss, value, test)) is not None:
            said.append(f"{TEST_RMSE} {text(TEST_RMSE, error)}")
    shown = f" ({_show(mean)})" if mean.numel() <= 4 else ""
    return f"always predicting the training split's mean{shown}: {', '.join(said)}"


class _TooLarge(ValueError):
    """A regression target whose squared error overflows (:func:`_check_squares`)."""


def _check_squares(ds: data_module.Dataset, splits: data_module.Splits, standardized: bool) -> None:
    """A regression target whose squared error overflows the data's dtype (a value of 1e30 among values near 1)
    makes every run's loss infinite on the split that holds it, where no run can be told from another: refused,
    naming the value, before anything trains."""
    y = ds.y.to(torch.float64).reshape(len(ds), -1)
    centred = [y]  # the errors in the target's units, and standardised (as the model learns it)
    if standardized:
        mean = splits.target_mean.to(torch.float64)
        centred = [y - mean, (y - mean) / splits.target_std.to(torch.float64)]
    limit = torch.finfo(ds.y.dtype).max ** 0.5 / 10  # the square of a tenth of it, summed over a few rows, fits
    far = torch.stack([c.abs().amax(dim=1) for c in centred]).amax(dim=0) > limit
    if far.any():
        i = int(y.abs().amax(dim=1).argmax())  # the largest value
        dtype = str(ds.y.dtype).replace('torch.', '')
        typical = float(y.abs().median())
        if typical > limit:  # the column's scale, not a few rows: no row to drop
            power = math.ceil(math.log10(typical))
            raise _TooLarge(
                f"target column {ds.target_name!r} holds values of the order of 1e{power} (up to "
                f"{float(y[i].abs().max()):g}), whose squared errors overflow {dtype}: every loss in the target's "
                f"units would be infinite. Rescale the column (divide it by 1e{power}: another unit)")
        raise _TooLarge(
            f"target column {ds.target_name!r} has the value {float(y[i].abs().max()):g} (in the {ordinal(i + 1)} of "
            f"its {len(ds)} rows{' kept' if ds.dropped else ''}), whose squared error overflows "
            f"{dtype}: every loss on a split holding it would be infinite. Drop or correct those rows, or rescale the "
            "column")


def _show(value: Any) -> str:
    t = torch.as_tensor(value, dtype=torch.float64).reshape(-1)
    return f"{t.item():.6g}" if t.numel() == 1 else "[" + ", ".join(f"{v:.4g}" for v in t.tolist()) + "]"


def _check_hidden(hidden: Any) -> tuple[int, ...]:
    import numbers

    if isinstance(hidden, numbers.Integral) and not isinstance(hidden, bool):
        hidden = (hidden,)
    if hidden is None or isinstance(hidden, str) and hidden.strip().lower() == "none":  # hidden=none: no hidden
        hidden = ()  # layer, as () is in Python (which the command line cannot write)
    if not isinstance(hidden, (tuple, list)) or not all(isinstance(h, numbers.Integral) and not isinstance(h, bool)
                                                         and h > 0 for h in hidden):
        raise ValueError(f"hidden={hidden!r} is not allowed; give the hidden layers' widths, positive whole numbers "
                         "(32, or 64,16 for two layers; (32,) in Python), or none for a linear model")
    return tuple(int(h) for h in hidden)  # (a NumPy integer's width as an int)


def _check_training_classes(name: str, ds: Any, splits: Any, data_seed: int) -> None:
    """Refuse a split whose training rows hold one class only (the split is not stratified: a class of a few rows
    can fall wholly into validation and test): a classifier trained on them learns nothing, and its accuracy
    would still be reported."""
    labels = splits.train.y
    if labels.ndim > 1:  # one-hot or shares: the class each row is
        labels = labels.argmax(dim=-1)
    present = torch.unique(labels.to(torch.int64)).tolist()
    if len(present) > 1:
        return
    classes = list(ds.classes) if ds.classes is not None else [0, 1]
    only = classes[int(present[0])] if present and 0 <= int(present[0]) < len(classes) else present
    raise ValueError(f"the training rows of {name!r} (60 % of its {len(ds)}, split with data_seed={data_seed}) hold "
                     f"only the class {only!r}: a classifier trained on them learns nothing; give more rows of the "
                     "other classes, or another split (the task's option data_seed=N: --task-option data_seed=N in "
                     "descend compare, descend.tasks.get(..., data_seed=N) in Python)")


def _leaks(ds: data_module.Dataset) -> list[tuple[str, str]]:
    """A feature that is the target in disguise: an exact linear function of a regression target, or one value per
    class of a classification's (a copy of the column to predict, left among the features). Columns are read a few
    hundred at a time, in one pass each (a file of 200,000 rows and 2,000 features)."""
    if ds.y.ndim != 1 or len(ds) < 3:
        return []
    x = ds.x.reshape(len(ds), -1)
    found: list[int] = []
    if ds.kind == "regression":
        y = ds.y.to(torch.float64)
        yc = y - y.mean()
        for first in range(0, x.shape[1], 256):
            xc = x[:, first:first + 256].to(torch.float64)
            xc = xc - xc.mean(dim=0)
            scale = xc.norm(dim=0) * yc.norm()
            correlation = torch.where(scale > 0, (xc * yc.unsqueeze(1)).sum(dim=0) / scale.clamp_min(1e-300), 0.0)
            found += [first + j for j in (correlation.abs() >= 1 - 1e-9).nonzero().reshape(-1).tolist()]
        verb, words = ("is", "are"), "an exact linear function of the target"
    else:
        labels = torch.unique(ds.y.reshape(-1), return_inverse=True)[1]
        classes = int(labels.max()) + 1
        for first in range(0, x.shape[1], 256):
            part = x[:, first:first + 256].to(torch.float64)
            low = _per_class(part, labels, classes, "amin")
            high = _per_class(part, labels, classes, "amax")
            constant = (low == high).all(dim=0)  # one value within each class: distinct between the classes?
            found += [first + j for j in constant.nonzero().reshape(-1).tolist() if len(low[:, j].unique()) == classes]
        verb, words = ("takes", "take"), "one value per class of the target"
    if not found:
        return []
    names = [repr(ds.feature_names[j]) for j in found[:3]] + ([f"{len(found) - 3} more"] if len(found) > 3 else [])
    which = f"column {names[0]} {verb[0]}" if len(found) == 1 else f"columns {', '.join(names)} {verb[1]}"
    return [("leak", f"{which} {words}: a model reads the answer from {'it' if len(found) == 1 else 'them'} (a copy "
                     "of the column to predict? drop it: --drop COLUMN, or drop= in Python)")]


def _per_class(part: torch.Tensor, labels: torch.Tensor, classes: int, reduce: str) -> torch.Tensor:
    """Each column's least (``"amin"``) or greatest (``"amax"``) value within each class, ``[classes, columns]``:
    ``index_reduce_`` along the rows (``scatter_reduce`` with the labels spread over the columns took 70 ms for
    digits' 1,797 × 64 on a busy machine, this 0.1 ms)."""
    start = torch.full((classes, part.shape[1]), math.inf if reduce == "amin" else -math.inf, dtype=part.dtype)
    with ignoring(category=UserWarning):  # "index_reduce() is in beta": its amin and amax are scatter_reduce's
        return start.index_reduce_(0, labels, part, reduce)


def _copies(splits: data_module.Splits) -> list[tuple[str, str]]:
    """Validation and test rows that repeat a training row exactly (features and target): their losses measure what
    a model remembers as much as how it generalises."""
    def rows(part: Any) -> list[bytes]:
        both = torch.cat([part.x.reshape(len(part), -1).to(torch.float64),
                          part.y.reshape(len(part), -1).to(torch.float64)], dim=1)
        return [row.tobytes() for row in both.numpy()]

    seen = set(rows(splits.train))
    counts = [(split, sum(r in seen for r in rows(part)), len(part)) for split in ("validation", "test")
              if (part := getattr(splits, split)) is not None and len(part)]
    counts = [(split, n, m) for split, n, m in counts if n]
    if not counts:
        return []
    told = " and ".join(f"{n} of the {m} {split} rows" for split, n, m in counts)
    return [("copies", f"{told} repeat a training row exactly (features and target): their loss measures what a "
                       "model remembers as much as how it generalises (drop the duplicated rows for a fair test)")]


def dataset_task(ds: data_module.Dataset, *, name: str, title: str, summary: str, description: str,
                 hidden: Any = _HIDDEN, data_seed: int = 0, steps: int = 300, standardize_target: bool = True,
                 options: dict[str, Any] | None = None) -> Task:
    """A task on any :class:`descend.data.Dataset`: 60/20/20 split, standardised, an MLP or a linear model.

    The features are standardised on the training split, and so is a regression target unless
    ``standardize_target=False`` (classification targets are labels and stay as they are).
    """
    with one_thread(ds.x.numel()):  # see SMALL_DATA
        hidden = _check_hidden(hidden)
        if not isinstance(standardize_target, bool):
            raise ValueError(f"standardize_target={standardize_target!r} must be True or False")
        if len(ds) < MIN_ROWS:
            raise ValueError(f"the data set {name!r} is too small: it has {len(ds)} row{'s' * (len(ds) != 1)}, and a "
                             "task splits "
                             f"it 60/20/20 into training, validation and test rows, which needs at least {MIN_ROWS} "
                             "(a comparison means something from a few hundred)")
        standardize_target = standardize_target and ds.kind == "regression"
        splits = data_module.split(ds, validation=0.2, test=0.2, seed=data_seed, standardize=True,
                                   standardize_target=standardize_target)
        if ds.kind == "regression":
            _check_squares(ds, splits, standardize_target)
        else:
            _check_training_classes(name, ds, splits, data_seed)
        classes = len(ds.classes) if ds.classes is not None else 1
        model = _model(ds.kind, ds.x.shape[1], classes, hidden)
        known, facts, lr_range = None, [], (1e-3, 1e-1)
        if ds.reading:  # the target's kind as read from its values, where the other reading was as likely
            facts.append(("reading", ds.reading))
        if ds.dropped:  # the rows dropna left out, which a comparison never trains or scores on
            facts.append(("dropped", f"{ds.dropped} of the {len(ds) + ds.dropped} rows left out for their missing "
                                     "values (dropna): no run trains or is scored on them"))
        if ds.kind == "regression" and not hidden and ds.y.ndim == 1:
            # linear regression with MSE: the answer is known in closed form, and GD is stable iff α < 2/λ_max
            x, y = splits.train.x.double(), splits.train.y.double()
            design = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
            eigenvalues = torch.linalg.eigvalsh(2 * design.T @ design / len(x))
            lam_min, lam_max = float(eigenvalues.min()), float(eigenvalues.max())
            lr_range = (0.05 / lam_max, 1.8 / lam_max)
            # independent up to the data's own rounding: a column that is another's multiple plus a constant differs
            # from it, once standardised in float32, by rounding alone (2.4e-7), which float64's default tolerance took
            # for a direction, and the "answer" was fitted to that noise (weights ±1.85e5)
            noise = ROUNDING_MARGIN * torch.finfo(splits.train.x.dtype).eps * float(torch.linalg.matrix_norm(design))
            rank = int(torch.linalg.matrix_rank(design, atol=noise, rtol=0.0))
            if rank == design.shape[1]:
                solution = least_squares(design, y)
                residual = design @ solution - y
                units = "standardised features and target" if standardize_target else "standardised features"
                known = Known(({"weight": solution[:-1].reshape(-1, 1), "bias": solution[-1:]},),
                              f"least-squares solution (training split, {units})",
                              float((residual**2).mean()), loss="mse")
                facts.append(("Hessian", f"λ_max = {lam_max:.4g}, λ_min = {lam_min:.3g} (condition number "
                                         f"{lam_max / lam_min:.3g}); GD stable iff α < {2 / lam_max:.4g}"))
            else:  # more weights than independent training rows: a whole set of least-squares solutions, not one
                # answer to measure a distance to (one of them, as the answer, put a run at an exact minimum 0.5 away)
                weights = f"{design.shape[1] - 1} weight{'s' * (design.shape[1] != 2)}"  # (and the bias)
                facts.append(("Hessian", f"λ_max = {lam_max:.4g}, λ_min = 0: singular (the {weights} and bias have "
                                         f"{rank} independent directions in the {len(x)} training rows), so every "
                                         "point of a whole set of weights is a least-squares solution and no "
                                         f"distance to the answer is measured; GD stable iff α < {2 / lam_max:.4g}"))
        if standardize_target:
            facts.append(("target", target_fact(ds.target_name, splits)))
        if ds.kind == "regression":  # the error a model must beat, as the classes' most frequent one below
            if (baseline := mean_baseline(splits, _loss(ds.kind))) is not None:
                facts.append(("baseline", baseline))
        if ds.kind in ("binary", "multiclass"):
            # the training split's most frequent class (what a model can know), scored on the test split
            majority = int(torch.bincount(splits.train.y.long().reshape(-1), minlength=classes).argmax())
            test = splits.test.y.long().reshape(-1)
            facts.append(("baseline", f"always predicting the training split's most frequent class: test accuracy "
                                      f"{100 * float((test == majority).double().mean()):.2f}%"))  # (as the table
            # shows it)
            counts = torch.bincount(splits.train.y.long().reshape(-1), minlength=classes)

            def _name(c: int) -> str:
                return str(ds.classes[c]) if ds.classes is not None else str(c)

            unseen = [_name(c) for c in range(classes) if counts[c] == 0]
            if unseen:  # the split is not stratified: a rare class may have no training row (no model can learn it)
                which = f"class {unseen[0]} has" if len(unseen) == 1 else f"classes {', '.join(unseen)} have"
                facts.append(("unseen", f"{which} no training row (the split is not stratified): no model learns "
                                        "it, and its validation and test rows count as errors"))
            single = [(split, _name(int(labels[0]))) for split in ("validation", "test")
                      if len(labels := getattr(splits, split).y.long().reshape(-1).unique()) == 1]
            if single and classes > 1:  # the winner is chosen on the validation split, reported on the test split
                held = " and ".join(f"the {split} split holds only class {c}" for split, c in single)
                facts.append(("one class", f"{held[0].upper()}{held[1:]} (of {classes} classes; the split is not "
                                           f"stratified): {'their' if len(single) > 1 else 'its'} loss and accuracy "
                                           "tell how a model does on that class alone"))
        facts += _leaks(ds) + _copies(splits)
        return Task(
            name=name, title=title, summary=summary, description=description, model=model, data=splits,
            loss=_loss(ds.kind), kind=ds.kind, steps=steps, lr_range=lr_range,
            optimizers=("sgd", "momentum", "rmsprop", "adam"),
            batch_sizes=(None, 32) if len(splits.train) > 2 * 32 else (None,),  # mini-batches of a real fraction
            known=known, facts=tuple(facts), options=options or {},
        )


def _sklearn_task(name: str, title: str, hidden: Any, data_seed: int, steps: int,
                  standardize_target: bool = True) -> Task:
    ds = data_module.load_sklearn(name)
    what = ("features and target" if standardize_target and ds.kind == "regression" else "features")
    return dataset_task(
        ds, name=name, title=title, summary=data_module.SKLEARN_DATASETS[name],
        description=(f"{data_module.SKLEARN_DATASETS[name]}. The copy shipped inside scikit-learn; split 60/20/20 "
                     f"with seed {data_seed}, {what} standardised on the training split."),
        hidden=hidden, data_seed=data_seed, steps=steps, standardize_target=standardize_target,
        options=dict(hidden=_check_hidden(hidden), data_seed=data_seed, **({} if standardize_target else
                                                              {"standardize_target": False})),
    )


@register("digits")  # its summary and group: descend.catalog.TASKS
def digits(hidden: Any = _HIDDEN, data_seed: int = 0, steps: int = 300) -> Task:
    return _sklearn_task("digits", "Handwritten digits", hidden, data_seed, steps)


@register("breast-cancer")  # its summary and group: descend.catalog.TASKS
def breast_cancer(hidden: Any = _HIDDEN, data_seed: int = 0, steps: int = 300) -> Task:
    return _sklearn_task("breast-cancer", "Breast cancer (Wisconsin)", hidden, data_seed, steps)


@register("diabetes")  # its summary and group: descend.catalog.TASKS
def diabetes(hidden: Any = (), data_seed: int = 0, steps: int = 300, standardize_target: bool = True) -> Task:
    """Linear regression (``hidden=()``, the default) of a disease progression score (25 to 346, mean 152)
    from 10 measurements. The target is standardised on the training split unless
    ``standardize_target=False``; the known answer, the least-squares solution, is in the units trained in.
    """
    return _sklearn_task("diabetes", "Diabetes progression", hidden, data_seed, steps, standardize_target)


@register("wine")  # its summary and group: descend.catalog.TASKS
def wine(hidden: Any = _HIDDEN, data_seed: int = 0, steps: int = 300) -> Task:
    return _sklearn_task("wine", "Wine cultivars", hidden, data_seed, steps)


@register("iris")  # its summary and group: descend.catalog.TASKS
def iris(hidden: Any = _HIDDEN, data_seed: int = 0, steps: int = 300) -> Task:
    return _sklearn_task("iris", "Iris species", hidden, data_seed, steps)


def _features_text(ds: Any) -> str:
    """``"3 features"``, or with categorical columns ``"7 features (the categorical column 'city' one-hot
    encoded)"``."""
    n = ds.x.shape[1]
    text = f"{n} feature{'s' * (n != 1)}"
    if ds.encoded:
        columns = ", ".join(repr(c) for c in ds.encoded)
        text += f" (the categorical column{'s' * (len(ds.encoded) != 1)} {columns} one-hot encoded)"
    return text


def from_csv(path: str | Path, target: str, kind: str | None = None, *, hidden: Any = _HIDDEN, data_seed: int = 0,
             steps: int = 300, standardize_target: bool = True, **csv_options: Any) -> Task:
    """A task on a CSV file: column ``target`` is predicted from the others (categorical ones one-hot).

    ``kind`` is "regression", "binary", "multiclass" or "classification" (binary or multiclass by the
    number of classes; inferred when None, see :func:`descend.data.from_csv`, which also explains every error
    a file can give, and takes ``csv_options``: ``features``, ``drop``, ``dropna``, ``encoding``, ``sep``, ...).
    A file with fewer than :data:`MIN_ROWS` rows is refused; mini-batches of 32 are among the default batch
    sizes when the training split has more than 64 rows. The features are
    standardised on the training split, and so is a regression target unless ``standardize_target=False``
    (its training mean and std are kept in ``task.data.target_mean``/``target_std``, and the losses are also
    reported in its units).
    """
    _check_counts({"data_seed": data_seed})  # in its own name (it said "seed=-1 is out of range", the split's)
    ds = data_module.from_csv(path, target, kind, **csv_options)
    name = Path(path).stem
    try:
        return _csv_task(ds, path, target, name, hidden, data_seed, steps, standardize_target, csv_options)
    except _TooLarge as e:  # a value the file holds: named with the file, as every other one
        raise ValueError(f"CSV file {os.fsdecode(path)!r}: {e}") from None


def _csv_task(ds: Any, path: str | Path, target: str, name: str, hidden: Any, data_seed: int, steps: int,
              standardize_target: bool, csv_options: Mapping[str, Any]) -> Task:
    dropped = (f" ({ds.dropped} row{'s' * (ds.dropped != 1)} with missing values dropped)" if ds.dropped else "")
    what = {"regression": "regression", "binary": "binary classification", "multiclass": "classification"}[ds.kind]
    scaled = "features and target" if standardize_target is True and ds.kind == "regression" else "features"
    return dataset_task(
        ds, name=name, title=f"{name} (CSV)", summary=f"{what} of {target!r} from {Path(path).name}",
        description=(f"{len(ds)} rows of {Path(path).name}{dropped}: {what} of the column {target!r} from "
                     f"{_features_text(ds)}, split 60/20/20 with seed "
                     f"{data_seed}, {scaled} standardised on the training split."),
        hidden=hidden, data_seed=data_seed, steps=steps, standardize_target=standardize_target,
        options=dict(path=str(path), target=target, kind=ds.kind, hidden=_check_hidden(hidden),
                     data_seed=data_seed,
                     **({} if standardize_target is True else {"standardize_target": standardize_target}),
                     **csv_options),
    )
