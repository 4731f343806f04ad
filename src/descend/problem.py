"""A problem: what the engine trains on, and nothing about where it came from.

A :class:`Problem` holds a model with a run axis, the objective (how its output meets the targets), the
training data and the splits it is evaluated on, and what is known about the answer. Tasks build problems
(:meth:`descend.tasks.Task.problem`); so does :func:`descend.fit` from a model and data; the engine
(:func:`descend.engine.train`) trains any list of run specifications on one.
"""

from __future__ import annotations

import inspect
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch import Tensor

from . import losses
from ._autograd import autograd_on
from ._machine import one_thread


@dataclass(frozen=True)
class Objective:
    """How a model's output meets the targets: the loss, whether it takes logits, the task kind."""

    loss: Callable[..., Tensor]
    logits: bool = False
    kind: str = "regression"  #: "regression", "binary", "multiclass" or "cost" (a landscape)

    def predict(self, model: Any, params: Sequence[Tensor], x: Tensor) -> Tensor:
        return model_output(model, params, x, logits=self.logits)

    def value(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor, *, empty: float = 0.0) -> Tensor:
        """The cost J of each run on (x, y): ``[K]``.

        For a model that masks samples out (the ellipse's undefined square roots), a run with no valid
        sample gets ``empty``: 0 for a training batch (a zero gradient, where the seed's mean over no sample is
        NaN; its rule still steps, so momentum coasts), NaN when evaluating a
        whole split, so that a model that has made every sample invalid cannot look perfect.
        """
        value, valid = self.value_and_valid(model, params, x, y)
        if valid is not None and empty != 0.0:
            value = torch.where(valid, value, empty)
        return value

    def value_and_valid(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor,
                        ) -> tuple[Tensor, Tensor | None]:
        """The cost per run ``[K]`` (0 for a run with no valid sample) and, for a model that masks samples,
        whether each run had at least one valid sample ``[K]`` (None for other models)."""
        return self._value_of(self.predict(model, params, x), model, params, x, y)

    def _value_of(self, pred: Tensor, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor,
                  ) -> tuple[Tensor, Tensor | None]:
        mask = model.valid(params, x)
        value = self.loss(pred, y, reduction="mean", mask=mask, runs=True)
        if mask is None:
            return value, None
        return value, mask.reshape(mask.shape[0], -1).any(dim=1)

    def value_and_accuracy(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor, *,
                           empty: float = 0.0) -> tuple[Tensor, Tensor | None]:
        """:meth:`value` and :meth:`accuracy` from one forward pass (the same numbers as each on its own)."""
        pred = self.predict(model, params, x)
        value, valid = self._value_of(pred, model, params, x, y)
        if valid is not None and empty != 0.0:
            value = torch.where(valid, value, empty)
        return value, self._accuracy_of(pred, y)

    def original_units(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor, mean: Tensor,
                       std: Tensor) -> Tensor:
        """The cost per run with predictions and targets mapped back from a standardised target:
        ``ŷ·σ + μ`` against ``y·σ + μ`` (NaN for a run with no valid sample). The Huber loss, whose δ was applied
        to standardised errors, is the trained loss in the target's units: σ²·H_δ(e/σ) = H_{δσ}(e), per output."""
        mask = model.valid(params, x)
        pred = self.predict(model, params, x)
        if pred.dtype in (torch.float16, torch.bfloat16):  # a report's number, in float32: float16 holds no value of
            pred, y = pred.float(), y.float()  # 65,504 or more (a house's price, or its error squared, overflowed)
        value = unstandardised(self.loss, pred, y, mean, std, mask=mask)
        if mask is not None:
            value = torch.where(mask.reshape(mask.shape[0], -1).any(dim=1), value, math.nan)
        return value

    @property
    def boundary(self) -> float:
        """A binary output's decision boundary: 0 for a logit (``loss="bce-logits"``, or a model whose
        ``output="sigmoid"`` asked for its logits), else 0.5 (a probability, or a loss of one's own on the raw
        output)."""
        # a logit's decision boundary is 0: the sigmoid's output asked for as logits, or a raw output that the
        # loss reads as one (bce-logits on an identity output)
        return 0.0 if self.logits or self.loss is losses.bce_with_logits else 0.5

    @property
    def squash(self) -> str | None:
        """How the outputs of :meth:`predict` become class probabilities, as the loss reads them: ``"sigmoid"``
        (logits of binary labels), ``"softmax"`` (class scores, read by cross-entropy), ``"identity"``
        (probabilities already: binary cross-entropy on a model's probabilities); None for a loss of one's own, or
        a regression."""
        if self.kind == "multiclass":
            return "softmax" if self.loss is losses.cross_entropy else None
        if self.kind == "binary":
            if self.logits or self.loss is losses.bce_with_logits:
                return "sigmoid"
            return "identity" if self.loss is losses.bce else None
        return None

    def decided(self, pred: Tensor) -> Tensor:
        """The class each output of :meth:`predict` stands for, as :meth:`accuracy` counts it
        (:func:`decide`)."""
        return decide(pred, self.kind, self.boundary)

    def accuracy(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor) -> Tensor | None:
        """Fraction of the samples predicted right per run ``[K]``, for classification; None otherwise.

        A class label is predicted right when it is the largest score (the first of equal ones); a binary label
        when the output is above the decision boundary: 0 for a logit (``loss="bce-logits"``, or a model whose
        ``output="sigmoid"``), else 0.5 (a probability, or a loss of one's own on the raw output). A sample with
        several binary outputs is right when all of them are (scikit-learn's ``accuracy_score``)."""
        if self.kind not in ("binary", "multiclass"):
            return None
        return self._accuracy_of(self.predict(model, params, x), y)

    def _accuracy_of(self, pred: Tensor, y: Tensor) -> Tensor | None:
        if self.kind not in ("binary", "multiclass"):
            return None
        if self.kind == "multiclass":
            labels = y.max(dim=-1).indices if y.ndim == pred.ndim - 1 and y.ndim > 1 else y  # one-hot or shares
            correct = self.decided(pred) == labels
        else:
            correct = self.decided(pred) == (y > 0.5)
            if correct.ndim > 2:  # several binary outputs (labels): a sample is right when all of its labels are,
                # scikit-learn's accuracy_score (the share of elements counted a one-hot row of 10 as 90 % right
                # when it predicted no class)
                correct = correct.flatten(2).all(dim=-1)
        return correct.to(torch.float64).mean(dim=-1)


def unstandardised(loss: Callable[..., Tensor], pred: Tensor, y: Tensor, mean: Tensor, std: Tensor, *,
                   mask: Tensor | None = None) -> Tensor:
    """The loss ``loss`` per run of the predictions ``pred`` ``[K, B, ...]`` against ``y``, both of a target
    standardised with ``mean`` and ``std``, mapped back to the target's own scale: ``ŷ·σ + μ`` against ``y·σ + μ``
    (the Huber loss, whose δ was applied to standardised errors, as σ²·H_δ(e/σ) = H_{δσ}(e), per output). What
    a table's ``test loss (target unstandardised)`` is (:meth:`Objective.original_units`), and a baseline's."""
    if loss is losses.huber:
        scale = (std * std).reshape(-1)
        if scale.numel() == 1:
            return loss(pred, y, reduction="mean", mask=mask, runs=True) * scale[0]
        # the mean over the outputs of each one's loss in its own units
        return sum(loss(pred[..., j], y[..., j], reduction="mean", mask=mask, runs=True) * scale[j]
                   for j in range(scale.numel())) / scale.numel()
    return loss(pred * std + mean, y * std + mean, reduction="mean", mask=mask, runs=True)


def model_output(model: Any, params: Sequence[Tensor], x: Tensor, *, logits: bool) -> Tensor:
    """The model's output on ``x``, what the loss reads: its logits where the objective asks for them (a sigmoid
    or softmax output read as logits), else its output."""
    return model.forward(params, x, logits=True) if logits else model.forward(params, x)


def decide(pred: Tensor, kind: str, boundary: float) -> Tensor:
    """The class a classifier's outputs stand for: for class labels (``kind="multiclass"``) the index of the
    largest score (the first of equal ones, NaN as the largest); for binary labels whether the output is above
    the decision ``boundary`` (:attr:`Objective.boundary`)."""
    if kind == "multiclass":
        # max's indices are argmax's (the first of equal maxima, NaN as the largest), and 1.2-9x faster on
        # CPU over a short class axis: 1.2 ms against 11 for digits' 36 runs x 1,078 rows x 10 classes laid
        # out class-major, as the narrow dense layer writes them (tests/test_problem.py)
        return pred.max(dim=-1).indices
    return pred > boundary


def _value_loss(pred: Tensor, target: Tensor, *, reduction: str = "mean", mask: Tensor | None = None,
                runs: bool | None = True) -> Tensor:
    """The model's output is the cost itself (a 2-D landscape): J = mean of the output per run (the output itself
    where it is one number: the same value, without an operation)."""
    flat = pred.flatten(1)
    return flat.view(-1) if flat.shape[1] == 1 else flat.mean(dim=1)


# The same Objective object for the same inputs, so that compiled steps are reused across fits.
_OBJECTIVES: dict[Objective, Objective] = {}
_OBJECTIVES_LOCK = threading.Lock()


def make_objective(model: Any, loss: Any, kind: str) -> Objective:
    """The loss for ``model``'s output: by name, a callable, or ``"auto"`` (from the output and the task)."""
    objective = _objective(model, loss, kind)
    with _OBJECTIVES_LOCK:
        if len(_OBJECTIVES) > 256:  # user callables would otherwise accumulate for the life of the process
            _OBJECTIVES.clear()
        return _OBJECTIVES.setdefault(objective, objective)


#: torch.nn's loss modules with their default settings: descend's loss of the same values, by name.
_TORCH_LOSSES = {"MSELoss": "mse", "L1Loss": "mae", "HuberLoss": "huber", "BCELoss": "bce",
                 "BCEWithLogitsLoss": "bce-logits", "CrossEntropyLoss": "cross-entropy"}


def _check_loss_signature(loss: Callable[..., Any]) -> None:
    """A loss function of one's own is called as descend's are: ``loss(pred, target, reduction="mean", mask=...,
    runs=True)``, returning one value per run ``[K]`` (``pred`` is ``[K, m, out]``); a function that cannot take
    those keywords (``torch.nn.functional.mse_loss``) is refused before training, saying so."""
    if isinstance(loss, torch.nn.Module):  # its __call__ takes anything: its forward says what it takes
        if type(loss).__module__.startswith("torch.nn"):  # torch's loss modules: loss(input, target) of one run
            same = _TORCH_LOSSES.get(type(loss).__name__)
            named = (f"loss={same!r} is torch's {type(loss).__name__} with its default settings; for others "
                     "(weights, label smoothing, another reduction) write a function of one's own"
                     if same else "give a loss by name (descend list losses) or a function of one's own")
            raise ValueError(
                f"loss={type(loss).__name__}() is torch.nn's loss module, called on one model's output; descend "
                "calls a loss on K runs at once, as loss(pred, target, reduction='mean', mask=None, runs=True) with "
                f"pred [K, m, out], returning one value per run [K] (see descend.losses.mse): {named}")
        name, loss = type(loss).__name__, loss.forward
    else:
        name = getattr(loss, "__qualname__", None) or type(loss).__name__
    try:
        parameters = inspect.signature(loss).parameters
    except (TypeError, ValueError):  # a builtin without a signature: its own error, where it is called
        return
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    missing = [name for name in ("reduction", "mask", "runs") if name not in parameters]
    if missing:
        raise ValueError(
            f"loss={name} does not take {', '.join(missing)}: a loss function of one's own is called as "
            "loss(pred, target, reduction='mean', mask=None, runs=True), pred being [K, m, out] for K runs, and "
            "returns one value per run [K] (mask: the samples that count, or None); see descend.losses.mse, or give "
            "a loss by name (descend list losses)")


def _loss_name(loss: Any) -> str:
    return repr(loss) if isinstance(loss, str) else getattr(loss, "__qualname__", None) or type(loss).__name__


def _objective(model: Any, loss: Any, kind: str) -> Objective:
    output = getattr(model, "output", "identity")
    if loss == "value" or loss == "auto" and kind == "cost":  # no data: the model's output is the cost itself (the
        # MSE against the placeholder target 0 trained J², its gradient 2J times J's)
        return Objective(_value_loss, logits=False, kind="cost")
    ends_in = getattr(model, "ends_in", None)  # a module whose last layer gives probabilities (ModuleModel)
    given = loss if isinstance(loss, str) else None  # (the words of a refusal: "auto" chose the loss it names)
    if loss == "auto" and ends_in == "sigmoid" and kind == "binary":  # its probabilities, as torch's BCELoss
        loss = "bce"
    if loss == "auto":  # integer class labels (multiclass data) take cross-entropy whatever the output, labels
        # of two classes for one raw output binary cross-entropy on it as a logit (they were fitted by the MSE)
        loss = {"sigmoid": "bce", "softmax": "cross-entropy"}.get(output, "cross-entropy" if kind == "multiclass"
                                                                  else "bce-logits" if kind == "binary"
                                                                  and output == "identity" else "mse")
    if callable(loss):
        _check_loss_signature(loss)
        return Objective(loss, logits=False, kind=kind)
    info = losses.get_loss(loss)
    if ends_in is not None and info.name in ("bce-logits", "cross-entropy"):  # squashed, then squashed again
        layer = "nn.Sigmoid" if ends_in == "sigmoid" else "nn.Softmax"
        own = "sigmoid" if info.name == "bce-logits" else "softmax"
        said = f"loss={info.name!r}" if given == info.name or given != "auto" else (
            f"loss='auto' ({info.name!r}, for {'class labels' if own == 'softmax' else 'labels of two classes'})")
        fix = (f"take the module's last {layer} off and give ModuleModel(module, output={own!r}) (the loss then reads "
               "its logits)" + (", or loss='bce' on the module's probabilities" if own == "sigmoid" else "")
               if own == ends_in else
               f"take the module's last {layer} off (ModuleModel(module) then gives the loss raw scores)")
        raise ValueError(f"{said} applies a {own} to the model's outputs, read as raw scores, and the module ends in "
                         f"{layer}, which squashes them first; {fix}")
    if kind == "multiclass" and info.name != "cross-entropy":
        raise ValueError(f"loss={loss!r} does not take class labels, and y holds integer class labels (multiclass "
                         "data): use loss='cross-entropy' (or 'auto'), or give y as floats for regression")
    if info.name in ("bce", "bce-logits") and output == "sigmoid":
        return Objective(losses.bce_with_logits, logits=True, kind="binary")
    if info.name == "bce" and getattr(model, "output", None) == "identity" and ends_in != "sigmoid":
        # any real number comes out: a run that left [0, 1] stopped every run of the sweep with bce's ValueError
        raise ValueError(f"loss='bce' takes probabilities in [0, 1], but the model's output is {output!r}; use "
                         "loss='bce-logits' (the same loss on the raw output, as a logit) or a model with "
                         "output='sigmoid'" + (" (a torch module ending in nn.Softmax: take it off, and give "
                                               "ModuleModel(module, output='sigmoid'))" if ends_in else ""))
    if info.name == "cross-entropy" and output == "softmax":
        return Objective(losses.cross_entropy, logits=True, kind="multiclass")
    if info.name in ("bce", "bce-logits"):  # a binary classifier whatever the targets' type (0/1 floats or labels)
        return Objective(info.fn, logits=False, kind="binary")
    if info.name == "cross-entropy":  # a classifier whatever the targets' type (labels, one-hot or shares): its
        # accuracy is recorded (one-hot floats were read as a regression target, without one)
        return Objective(info.fn, logits=False, kind="multiclass")
    return Objective(info.fn, logits=False, kind=kind if info.kind == "classification" else "regression")


@dataclass(frozen=True, eq=False)
class Problem:
    """What the engine trains on.

    ``model`` (parameters with a run axis, see :mod:`descend.models`), ``objective``, the training samples
    ``train = (x, y)`` (for a landscape a placeholder: its cost needs no data), ``evals``: split name →
    ``(x, y)`` evaluated every few steps (``"train"`` first), ``known``: what is known about the answer (an
    object with ``distance(params) -> float``, or None), ``target_mean``/``target_std`` when the
    regression target was standardised (losses are then also reported in the original units), and
    ``feature_mean``/``feature_std`` (``[D]``, in the runs' dtype) when the features were (``standardize=True``, a
    task's ``standardize``): new rows ``x`` go to the model as ``(x - feature_mean) / feature_std``;
    ``feature_moments``: the same in float64, as :func:`descend.data.split` computed them before their rounding and
    scaled every split with them (``((x.double() - mean) / std)`` in the runs' dtype: the training rows to the
    bit). ``columns``: how a table's rows become the features (:attr:`descend.data.Dataset.columns`; for data not
    read from a table, each feature a column of numbers of its name, ``x0``, ``x1``, ...; empty for samples of more
    axes), ``classes``: what the class labels 0..C-1 stand for (None for regression), ``target_name``: the
    target's; read by :meth:`descend.engine.Runs.predictor`.
    """

    model: Any
    objective: Objective
    train: tuple[Tensor, Tensor]
    evals: Mapping[str, tuple[Tensor, Tensor]] = field(default_factory=dict)
    known: Any = None
    target_mean: Tensor | None = None
    target_std: Tensor | None = None
    name: str = ""
    feature_mean: Tensor | None = None
    feature_std: Tensor | None = None
    columns: tuple = ()
    classes: tuple | None = None
    target_name: str = "y"
    feature_moments: tuple[Tensor, Tensor] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.model.names)

    @property
    def evaluation_model(self) -> Any:
        """The model as evaluations run it: ``model.for_evaluation()`` where it has one (a module's dropout off,
        :class:`descend.models.ModuleModel`), else the model itself."""
        method = getattr(self.model, "for_evaluation", None)
        return method() if callable(method) else self.model

    @property
    def samples(self) -> int:
        """Training samples m (what a batch plan draws from)."""
        return int(self.train[0].shape[0])

    @property
    def standardized(self) -> bool:
        return self.target_mean is not None and self.target_std is not None


def _check_model(model: Any) -> None:
    """A model is one of descend's (what the engine calls: ``names``, ``init``, ``forward``); a torch module is
    wrapped first, by choice of how it starts."""
    if isinstance(model, torch.nn.Module):
        raise ValueError(f"model={type(model).__name__}(...) is a torch.nn.Module: wrap it as "
                         "descend.models.ModuleModel(module), which trains a copy of its parameters per run")
    missing = [name for name in ("names", "init", "forward") if not hasattr(model, name)]
    if missing:
        raise ValueError(f"model={model!r} is not a descend model (it has no {missing[0]}): give one of "
                         "descend.models (MLP, Linear, ModuleModel(torch module), ...), or task=... for a task's")


@autograd_on
def problem(model: Any, data: Any = None, *, loss: Any = "auto", validation: float = 0.0, test: float = 0.0,
            standardize: bool = False, standardize_target: bool = False, split_seed: int = 0,
            dtype: torch.dtype = torch.float32, known: Any = None, name: str = "") -> Problem:
    """A :class:`Problem` from a model and data.

    ``data`` is ``(x, y)``, a :class:`descend.data.Dataset` (split by ``validation``/``test`` fractions with
    ``split_seed``; features standardised with ``standardize``, a regression target with ``standardize_target``,
    whose losses are then also reported in the original units) or a :class:`descend.data.Splits`; ``None``
    for a model whose output is the cost itself (a 2-D landscape, ``loss="value"``).
    """
    with one_thread(_size(data)):  # see SMALL_DATA
        from . import data as data_module

        _check_model(model)
        from .models import MLP, Linear, ModuleModel

        if data is None and isinstance(model, (Linear, MLP, ModuleModel)):
            raise ValueError(f"data=None is for a model whose output is the cost itself (a landscape, loss='value'); "
                             f"{type(model).__name__} maps samples to predictions: give data=(x, y), or a task")
        splits, kind = _splits(data, data_module, validation, test, split_seed, standardize, standardize_target, dtype,
                               model)
        objective = make_objective(model, loss, kind)
        check = getattr(model, "check_samples", None)
        if callable(check) and data is not None:  # a module of one's own: what it would train unlike a torch loop
            check(splits.train.x)
        if standardize_target and objective.kind in ("binary", "multiclass"):
            raise ValueError(f"standardize_target=True standardises a regression target, but loss={_loss_name(loss)} "
                             f"takes {'labels of two classes' if objective.kind == 'binary' else 'class labels'} "
                             "(integers, one-hot rows or probabilities): leave standardize_target=False")
        if objective.kind == "multiclass" and splits.train.kind == "binary" and splits.train.y.ndim == 1:
            # cross-entropy on a Dataset of 0/1 labels read as binary: it failed on the target's shape once training
            # began
            raise ValueError(f"loss={_loss_name(loss)} takes a score per class and class labels, but y holds labels of "
                             "two classes read as binary (one output, a logit): give the data as classes, "
                             "descend.data.as_dataset(x, y, kind='multiclass'), with a model of 2 outputs, or "
                             "loss='bce-logits' with a model of 1 output")
        if objective.kind == "multiclass" and splits.train.kind == "regression" and splits.train.y.ndim == 1:
            # float labels (0./1., a column read from a CSV as floats): cross-entropy failed on the target's shape
            y = splits.train.y
            whole = bool((y == torch.round(y)).all()) and bool((y >= 0).all())
            raise ValueError(f"loss={_loss_name(loss)} takes class labels, but y holds numbers of dtype {y.dtype}, "
                             "read as a regression target: " + ("give the labels as whole numbers of an integer dtype "
                                                           "(y.long())" if whole else
                                                           "class labels are whole numbers 0..C-1 (y.long()), or "
                                                           "choose a regression loss such as loss='mse'"))
        if (objective.kind == "multiclass" and splits.train.y.ndim == 2 and splits.train.y.shape[-1] == 1
                and splits.train.y.is_floating_point()):
            # one column read as one class's share: softmax over one score is 1, the loss 0 and every run 100 %
            # accurate whatever it learnt
            raise ValueError(f"loss={_loss_name(loss)} takes a score per class, but y has one column: cross-entropy "
                             "over one class is 0 whatever the model does; for two classes give 0/1 labels with "
                             "loss='bce-logits' and a model of 1 output, or integer class labels (y.long() of shape "
                             "[B]) with a model of 2 outputs")
        if objective.kind == "multiclass":
            _check_classes(model, splits.train)
        x_train, y_train = _arrays(splits.train, objective)
        # (one-hot rows: a class each)
        if y_train.ndim == 2 and objective.kind in ("regression", "binary", "multiclass"):
            _check_outputs(model, x_train, y_train.shape[1], objective.kind)
        if callable(loss) and objective.kind != "cost":
            _check_loss_output(model, objective, x_train, y_train)
        evals = {"train": (x_train, y_train)}
        for split_name in ("validation", "test"):
            part = getattr(splits, split_name)
            if part is not None and len(part):
                evals[split_name] = _arrays(part, objective)
        mean, std = getattr(splits, "target_mean", None), getattr(splits, "target_std", None)
        if objective.loss is losses.mape and mean is not None and std is not None:
            raise ValueError("loss='mape' divides each error by the target |y|, and the target is standardised on the "
                             "training split (centred on 0: rows near the mean would weigh most); train on the "
                             "target's own values (standardize_target=False; a task's with descend.tasks.get(name, "
                             "standardize_target=False)), or choose another loss")
        if objective.kind != "regression" or mean is None or std is None:
            mean = std = None
        else:
            mean, std = (torch.as_tensor(v, dtype=x_train.dtype) for v in (mean, std))
        features = [getattr(splits, k, None) for k in ("mean", "std")]  # the training split's, as it scaled them
        features = ([torch.as_tensor(v, dtype=x_train.dtype) for v in features] if None not in features else
                    [None, None])
        classes = splits.train.classes if objective.kind in ("binary", "multiclass") else None
        return Problem(model, objective, (x_train, y_train), evals, known, mean, std, name, *features,
                       columns=_columns(splits.train) if data is not None else (), classes=classes,
                       target_name=splits.train.target_name,
                       feature_moments=getattr(splits, "feature_moments", None) or _moments_of(features))


def _moments_of(features: Sequence[Tensor | None]) -> tuple[Tensor, Tensor] | None:
    """The features' moments in float64 (those of a :class:`descend.data.Splits` built by hand: as it holds them)."""
    return None if features[0] is None else (features[0].to(torch.float64), features[1].to(torch.float64))


def _columns(train: Any) -> tuple:
    """How a row of a table becomes the features: the data set's own encoding where it was read from a table,
    else each feature a column of numbers of its name (``x0``, ``x1``, or a bundled data set's names); none for
    samples of more axes (images)."""
    if train.columns or train.x.ndim != 2:
        return tuple(train.columns)
    return tuple((name, None) for name in train.feature_names)


def _size(data: Any) -> int | None:
    """How many numbers the features of ``data`` hold (None where that is not plain to see)."""
    x = data[0] if isinstance(data, tuple) and data else getattr(getattr(data, "train", data), "x", None)
    size = getattr(x, "size", None)
    numel = getattr(x, "numel", None)
    if callable(numel):
        return int(numel())
    return int(size) if isinstance(size, int) else None


def _splits(data: Any, data_module: Any, validation: float, test: float, seed: int, standardize: bool,
            standardize_target: bool, dtype: torch.dtype, model: Any) -> tuple[Any, str]:
    if data is None:  # a landscape: the model's output is the cost, no samples
        dummy = data_module.as_dataset(torch.zeros(1, 1), torch.zeros(1), kind="regression", dtype=dtype)
        return data_module.Splits(dummy, None, None, None, None), "cost"
    if isinstance(data, data_module.Splits):
        for part in ("train", "validation", "test"):
            if getattr(data, part) is not None:
                data_module.check_values(getattr(data, part), f"the {part} split's ")
        return data, data.train.kind
    if isinstance(data, data_module.Dataset):  # built directly: its values unchecked (as_dataset checks them)
        data_module.check_values(data)
    if isinstance(data, tuple) and len(data) == 2:
        x, y = data
        # integer labels of two classes are binary (one output), unless the model has an output per class (or
        # more: classes the data does not hold, which the check of classes names), whatever holds the labels
        labels = _labels(y)
        two = (labels is not None and len(labels) and bool(((labels == 0) | (labels == 1)).all())
               and (_outputs(model, x) or 0) >= 2)
        data = data_module.as_dataset(x, labels if two else y, dtype=dtype, **({"kind": "multiclass"} if two else {}))
    if not isinstance(data, data_module.Dataset):
        raise ValueError(f"data must be (x, y), a descend.data.Dataset or descend.data.Splits, not "
                         f"{type(data).__name__}{_data_hint(data)}")
    converted = data.to(dtype)
    data_module.check_converted(data, converted)  # a Dataset built in float64, trained in float16: 1e5 overflows
    return data_module.split(converted, validation=validation, test=test, seed=seed, standardize=standardize,
                             standardize_target=standardize_target), data.kind


def _data_hint(data: Any) -> str:
    """How to give ``data`` of another container as fit takes it."""
    tensors = getattr(data, "tensors", None)  # torch.utils.data.TensorDataset
    if isinstance(tensors, tuple) and len(tensors) == 2:
        return ": give its tensors, data=dataset.tensors"
    if hasattr(data, "dataset") and hasattr(data, "batch_size"):  # a DataLoader: descend draws its own batches
        return (": descend draws its own batches (batch_size=...), so give the data set's tensors, (x, y), rather "
                "than a DataLoader")
    if type(data).__name__ == "DataFrame":
        return ": give descend.data.as_dataset(frame, target='COLUMN')"
    return ""


def _labels(y: Any) -> Tensor | None:
    """``y`` as a 1-D tensor of integers (a tensor, an array, a list or a Series; a column ``[m, 1]`` as its
    values), or None where it is not integers."""
    try:
        labels = y if isinstance(y, Tensor) else torch.as_tensor(np.array(y))  # a copy: read-only arrays too
    except Exception:  # noqa: BLE001 - not numbers: as_dataset says what is wrong
        return None
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.is_floating_point() or labels.is_complex() or labels.dtype == torch.bool:
        return None
    return labels


def _outputs(model: Any, x: Any) -> int | None:
    """How many outputs ``model`` has for the samples ``x`` (None when it cannot say: its own error is raised
    where it is trained)."""
    try:
        x = torch.as_tensor(x)
        # a module's dropout (and any draw of its own) must not move the caller's random state, which training
        # leaves as it was (descend.models.ModuleModel)
        from .models.module import guarded

        with guarded(model):
            params = model.init([0], dtype=x.dtype if x.is_floating_point() else torch.float32)
            return int(model.forward(params, x[:2].to(params[0].dtype), logits=True).shape[-1])
    except Exception:  # noqa: BLE001
        return None


def _check_loss_output(model: Any, objective: Objective, x: Tensor, y: Tensor) -> None:
    """A loss of one's own returns one value per run: tried on two runs and two samples before training (a single
    number, or a value per sample, failed deep in the engine once training had begun). A loss or model that
    raises here is left to raise where it is trained, with its own error."""
    from .models.module import guarded

    try:
        with guarded(model):
            params = model.init([0, 1], dtype=x.dtype)
            value, _ = objective.value_and_valid(model, params, x[:2], y[:2])
    except Exception:  # noqa: BLE001
        return
    shape = tuple(value.shape) if isinstance(value, Tensor) else None
    if shape != (2,):
        got = f"a {type(value).__name__}" if shape is None else "one number" if shape == () else f"shape {list(shape)}"
        raise ValueError(f"loss={_loss_name(objective.loss)} returned {got} for 2 runs of 2 samples, where a loss "
                         "returns one value per run, shape [K] (pred is [K, m, out]: reduce the samples and outputs "
                         "of each run, e.g. ((pred - target) ** 2).mean(dim=(1, 2)), as descend.losses.mse does)")


def _check_outputs(model: Any, x: Tensor, columns: int, kind: str) -> None:
    """A model for ``columns`` target values per sample has as many outputs (the loss would name its run axis)."""
    outputs = _outputs(model, x)
    if outputs is None or outputs == columns:
        return
    if kind == "binary" and columns == 1 and outputs == 2:  # a Dataset of 0/1 labels read as binary (as_dataset)
        raise ValueError("y holds labels of two classes, read as binary (one output, a logit, and bce-logits), but "
                         "the model has 2 outputs: for a score per class and cross-entropy give the data as classes, "
                         "descend.data.as_dataset(x, y, kind='multiclass'), or give a model with 1 output")
    labels = " (or, for class labels, y as whole numbers: y.long())" if columns == 1 else ""
    raise ValueError(f"y has {columns} value{'s' * (columns != 1)} per sample ({kind}) but the model has {outputs} "
                     f"output{'s' * (outputs != 1)}: give a model with {columns} output{'s' * (columns != 1)}"
                     f"{labels}")


def _check_classes(model: Any, train: Any) -> None:
    """A model for C classes has C outputs (one raw score, or probability, per class)."""
    classes = int(train.n_classes or 0)
    outputs = _outputs(model, train.x)
    if classes and outputs is not None and outputs != classes:
        raise ValueError(f"y holds class labels of {classes} classes (0..{classes - 1}) but the model has {outputs} "
                         f"output{'s' * (outputs != 1)}: a classifier needs one output per class, e.g. "
                         f"descend.models.MLP(({train.x.shape[1]}, 32, {classes})) or Linear({train.x.shape[1]}, "
                         f"{classes})")


def _arrays(part: Any, objective: Objective) -> tuple[Tensor, Tensor]:
    """(x, y) of a split, with y shaped for the loss: ``[m, out]`` for regression/binary, ``[m]`` labels."""
    x, y = part.x, part.y
    if objective.kind in ("regression", "binary", "cost") and y.ndim == 1:
        y = y.unsqueeze(1)
    if objective.kind == "binary":
        y = y.to(x.dtype)
    return x, y
