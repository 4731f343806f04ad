r"""Losses: the loss L⁽ⁱ⁾ of one sample and the cost J = (1/m) Σᵢ L⁽ⁱ⁾ over a batch, with one value per run.

Notation (the seeds'): ŷ is the prediction (``pred``), y the target, m the number of samples in the batch,
L⁽ⁱ⁾ the loss of sample i and J the cost. Every loss is a pure function::

    loss(pred, target, *, reduction="mean", mask=None, runs=None, ...)

Samples and features
    The first axis of ``pred`` (after the run axis, see below) is the sample axis B. Axes after it are
    feature axes. The per-sample loss L⁽ⁱ⁾ of the element-wise losses (``mse``, ``half_mse``, ``mae``, ``mape``,
    ``huber``, ``bce``, ``bce_with_logits``) is the **mean** over the feature elements of sample i (the Keras
    convention), so that ``reduction="mean"`` equals torch.nn.functional's ``"mean"`` (the mean over all
    elements) for any shape. ``reduction="sum"`` is Σᵢ L⁽ⁱ⁾, which equals torch's ``"sum"`` when each sample
    has a single element (target ``[B]`` or ``[B, 1]``) and torch's ``"sum"`` divided by the number of
    feature elements otherwise. ``l2`` and ``bbox`` **sum** over the feature axes instead (a squared norm).

Reductions
    ``"mean"``: the cost J = (1/m) Σᵢ L⁽ⁱ⁾; ``"sum"``: Σᵢ L⁽ⁱ⁾; ``"none"``: the per-sample values L⁽ⁱ⁾.

Run axis
    ``pred`` is either ``[B, ...]`` (one run) or ``[K, B, ...]`` (K runs that each predict the same B
    samples, e.g. K copies of a model trained with different optimizers). ``target`` is ``[B, ...]``,
    shared by all runs, or ``[K, B, ...]``, one per run. With a run axis, ``"mean"`` and ``"sum"`` reduce
    over everything but the run axis and return ``[K]`` (one cost per run) and ``"none"`` returns ``[K, B]``.
    Whether ``pred`` has a run axis is given by ``runs``:

    - ``runs=None`` (default) infers it: ``pred.ndim == target.ndim + 1`` means a run axis with a shared
      target; ``pred.ndim == target.ndim`` means **no** run axis (so a per-run target ``[K, B, ...]``
      needs ``runs=True``, otherwise K is taken as the sample axis);
    - ``runs=True``: the leading axis of ``pred`` is the run axis; target is ``[B, ...]`` or ``[K, B, ...]``;
    - ``runs=False``: no run axis; target must have the shape of ``pred``.

    For ``cross_entropy`` with integer class labels, the shapes are compared with ``pred`` without its
    class axis C: labels ``[B]`` with logits ``[K, B, C]`` is the run-axis case, labels ``[K, B]`` with logits
    ``[K, B, C]`` needs ``runs=True``.

    Shapes are never broadcast otherwise: ``pred [B, 1]`` with ``target [B]`` is an error.

Mask
    ``mask`` (optional, boolean ``[B]``, or ``[K, B]`` with a run axis) excludes the samples where it is
    False: ``"mean"`` averages over the N′ valid samples only, J = (1/N′) Σ_{i valid} L⁽ⁱ⁾ (the seed's
    eq. 18), ``"sum"`` sums over them, and ``"none"`` returns 0 for the excluded samples. A run with no valid
    sample (and an empty batch) has mean 0, not NaN. Masked samples contribute exactly 0 to the cost and to the
    gradient, whatever their values: a missing target given as NaN, or a class label of -1, may stand there.

Every loss raises a ``ValueError`` naming the argument for bad shapes, dtypes, values and options.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch

from descend._checks import POSITIVE, UNIT, check_choice, check_hyperparameter, close_matches, plain_number
from descend._compile import checking
from descend.catalog import LOSSES as LISTED  # the descriptions `descend list` shows without torch
from descend.catalog import SQUARED_LOSSES

__all__ = [
    "LOSSES",
    "LOSS_ALIASES",
    "REDUCTIONS",
    "LossInfo",
    "bbox",
    "bce",
    "bce_with_logits",
    "cross_entropy",
    "get_loss",
    "huber",
    "l2",
    "mae",
    "mape",
    "mse",
    "half_mse",
    "rmse",
]

Reduction = Literal["mean", "sum", "none"]
REDUCTIONS: tuple[str, ...] = ("mean", "sum", "none")


# ---------------------------------------------------------------------------------------------------------
# Shared checks and reduction
# ---------------------------------------------------------------------------------------------------------


def _check_tensor(name: str, value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise ValueError(f"{name} must be a torch.Tensor, not {type(value).__name__}")
    return value


def _check_pred(pred: object) -> torch.Tensor:
    pred = _check_tensor("pred", pred)
    if not pred.is_floating_point():
        raise ValueError(f"pred has dtype {pred.dtype}; a floating-point tensor is required")
    return pred


def _real_target(target: object, pred: torch.Tensor) -> torch.Tensor:
    """A real-valued target, cast to the dtype of pred."""
    target = _check_tensor("target", target)
    if target.is_complex():
        raise ValueError(f"target has dtype {target.dtype}; a real-valued tensor is required")
    return target.to(pred.dtype)


def _check_options(reduction: str, runs: bool | None) -> None:
    check_choice("reduction", reduction, REDUCTIONS)
    if runs is not None and not isinstance(runs, bool):
        raise ValueError(f"runs={runs!r} is not allowed; choose one of None, True, False")


def _has_run_axis(
    pred: torch.Tensor,
    target: torch.Tensor,
    runs: bool | None,
    *,
    pred_shape: tuple[int, ...] | None = None,
    note: str = "",
) -> bool:
    """Decide whether ``pred`` has a leading run axis and check that target's shape fits.

    ``pred_shape`` is the part of pred's shape that target must match (pred.shape unless given); ``note``
    is appended to error messages.
    """
    p = tuple(pred.shape) if pred_shape is None else tuple(pred_shape)
    t = tuple(target.shape)

    def fail(reason: str) -> None:
        raise ValueError(f"pred has shape {list(pred.shape)} but target has shape {list(t)}: {reason}{note}")

    if runs is None:
        if len(p) == len(t) + 1:
            has_runs = True
        elif len(p) == len(t):
            has_runs = False
        else:
            fail(
                f"target must have shape {list(p)} (no run axis) or {list(p[1:])} (pred has a leading run axis K "
                "and target is shared by all runs)"
            )
    else:
        has_runs = runs

    if has_runs:
        if len(p) < 2:
            raise ValueError(
                f"pred has shape {list(pred.shape)}: with a run axis (runs=True or inferred) pred needs at least "
                f"the axes [K, B] (runs, samples){note}"
            )
        if t != p[1:] and t != p:
            hint = ""
            if runs is None and t == p[: len(t)] and p[-1] == 1:  # [B] beside [B, 1]: read as a run axis
                hint = (f"; pred has one more axis than target, read as a run axis: without one, give target "
                        f"{list(p)} (target.reshape({', '.join(map(str, p))}))")
            fail(
                f"with a run axis (K = {p[0]}) target must have shape {list(p[1:])} (shared by all runs) "
                f"or {list(p)} (one per run){hint}"
            )
    else:
        if len(p) < 1:
            raise ValueError(f"pred has shape {list(pred.shape)}: pred needs a sample axis B{note}")
        if t != p:
            hint = ""
            if runs is None and len(p) == len(t) and len(p) >= 2 and t[1:] == p[1:]:
                hint = " (if the leading axis of pred is a run axis, pass runs=True)"
            elif runs is False and len(p) == len(t) + 1:
                hint = " (pred has one more axis than target; is it a run axis? then pass runs=True or runs=None)"
            fail(f"without a run axis target must have shape {list(p)}{hint}")
    return has_runs


def _check_mask(mask: object, batch_shape: tuple[int, ...], has_runs: bool, pred: torch.Tensor) -> torch.Tensor:
    """Check ``mask`` against ``batch_shape`` = [B] or [K, B]."""
    mask = _check_tensor("mask", mask)
    if mask.dtype != torch.bool:
        raise ValueError(f"mask has dtype {mask.dtype}; a boolean tensor is required (True = keep the sample)")
    shape = tuple(mask.shape)
    allowed = [batch_shape[-1:]] + ([batch_shape] if has_runs else [])
    if shape not in allowed:
        choices = " or ".join(str(list(a)) for a in allowed)
        names = "[B]" if not has_runs else "[B] or [K, B]"
        raise ValueError(
            f"mask has shape {list(shape)} but pred has shape {list(pred.shape)}: mask must have shape "
            f"{names} = {choices}"
        )
    return mask.to(pred.device)


def _per_sample(values: torch.Tensor, has_runs: bool, how: str) -> torch.Tensor:
    """Reduce ``values [K?, B, ...]`` over the feature axes to ``[K?, B]`` by mean or sum."""
    first = 2 if has_runs else 1
    dims = tuple(range(first, values.ndim))
    if not dims:
        return values
    return values.mean(dim=dims) if how == "mean" else values.sum(dim=dims)


def accumulator(dtype: torch.dtype) -> torch.dtype:
    """The dtype a batch's losses are summed and divided in: float32 for the half precisions, as torch's own
    reductions accumulate (a float16 sum of 1,000 losses of 100 is past its largest number, 65,504, and so is a
    count of 65,505 samples), else ``dtype`` itself. The cost is returned in ``dtype``."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def sample_mean(per: torch.Tensor, count: torch.Tensor) -> torch.Tensor:
    """Σᵢ ``per`` / ``count`` over the last axis, summed and divided in :func:`accumulator`'s dtype (``count``'s),
    returned in ``per``'s."""
    return (per.sum(dim=-1, dtype=count.dtype) / count).to(per.dtype)  # (.to: itself where the dtypes are one)


def _count(per: torch.Tensor) -> torch.Tensor:
    """The number of samples of ``per [K?, B]`` (at least 1), in :func:`accumulator`'s dtype."""
    return torch.tensor(float(max(per.shape[-1], 1)), dtype=accumulator(per.dtype), device=per.device)


def _reduce(per: torch.Tensor, mask: torch.Tensor | None, reduction: str) -> torch.Tensor:
    """Reduce per-sample values ``[B]`` or ``[K, B]`` over the sample axis (the last axis)."""
    if mask is not None:
        per = torch.where(mask, per, torch.zeros((), dtype=per.dtype, device=per.device))
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum(dim=-1, dtype=accumulator(per.dtype)).to(per.dtype)
    count = _count(per) if mask is None else mask.sum(dim=-1).to(accumulator(per.dtype)).clamp(min=1.0)
    return sample_mean(per, count)


def _finish(
    values: torch.Tensor,
    has_runs: bool,
    mask: torch.Tensor | None,
    reduction: str,
    how: str = "mean",
) -> torch.Tensor:
    """Reduce the elementwise ``values`` to each sample's and over the samples (``mask`` checked by
    :func:`_excluding`)."""
    return _reduce(_per_sample(values, has_runs, how), mask, reduction)


def _excluding(mask: object, pred: torch.Tensor, has_runs: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """``mask`` checked against pred's samples (``[B]`` or ``[K, B]``), and the same mask with pred's other axes
    (of size 1) to select from pred and from targets shaped as it (:func:`_zeroed`)."""
    checked = _check_mask(mask, tuple(pred.shape[:2] if has_runs else pred.shape[:1]), has_runs, pred)
    return checked, checked.reshape(checked.shape + (1,) * (pred.ndim - (2 if has_runs else 1)))


def _zeroed(keep: torch.Tensor, values: torch.Tensor) -> torch.Tensor:
    """``values`` with the excluded samples' entries set to 0, before any loss is computed from them: a NaN, an
    infinity or an out-of-range label there (a missing target) then reaches neither the cost nor, as 0 · NaN,
    the gradient (``torch.where``'s backward pass gives an excluded entry exactly 0); the other entries are
    untouched, bit for bit. A shared target ``[B, ...]`` with a per-run mask comes out per run."""
    return torch.where(keep, values, torch.zeros((), dtype=values.dtype, device=values.device))


def _prepare(
    pred: object, target: object, reduction: str, runs: bool | None, mask: object
) -> tuple[torch.Tensor, torch.Tensor, bool, torch.Tensor | None]:
    _check_options(reduction, runs)
    pred = _check_pred(pred)
    target = _real_target(target, pred)
    has_runs = _has_run_axis(pred, target, runs)
    if mask is None:
        return pred, target, has_runs, None
    checked, keep = _excluding(mask, pred, has_runs)
    return _zeroed(keep, pred), _zeroed(keep, target), has_runs, checked


def _reading_values() -> bool:
    """Checks that read tensor values run eagerly; while a step is traced for compilation
    (descend.fit(compile=True), whose inputs were checked before training) and in the engine's eager steps
    after a cohort's first (:func:`descend._compile.checked`) they are skipped."""
    return checking()


def _check_in_unit(name: str, x: torch.Tensor, what: str) -> None:
    """Raise a ValueError naming ``name`` and the first value outside [0, 1] (NaN included)."""
    if not _reading_values():
        return
    values = x.detach()
    bad = ~UNIT.contains(values)
    if bad.any():
        v = values[bad].reshape(-1)[0].item()
        raise ValueError(f"{name} must lie in [0, 1] for {what}; found {v:g}")


def _positive_number(name: str, value: object) -> float:
    value = plain_number(value)
    if isinstance(value, torch.Tensor) and value.ndim > 0:
        raise ValueError(f"{name} has shape {list(value.shape)}; give a single number")
    if _reading_values():
        check_hyperparameter(name, value, POSITIVE)
    return float(value)


# ---------------------------------------------------------------------------------------------------------
# Regression
# ---------------------------------------------------------------------------------------------------------


def mse(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Mean squared error: L⁽ⁱ⁾ = (ŷᵢ − yᵢ)², J = (1/m) Σᵢ (ŷᵢ − yᵢ)².

    With feature axes, L⁽ⁱ⁾ is the mean of the squared errors of sample i. Equals
    ``torch.nn.functional.mse_loss`` for ``reduction="mean"`` (any shape) and for ``"sum"``/``"none"`` when
    each sample has one element. Run axis, mask and reductions: see the module docstring.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    return _finish((pred - target) ** 2, has_runs, mask, reduction)


def half_mse(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Half the mean squared error, seed 002's cost: L⁽ⁱ⁾ = ½(ŷᵢ − yᵢ)², J = (1/(2m)) Σᵢ (ŷᵢ − yᵢ)².

    For the line ŷ = θ₀ + θ₁x its gradient is the mean error, ∂J/∂θ₀ = (1/m) Σᵢ (ŷᵢ − yᵢ) and ∂J/∂θ₁ =
    (1/m) Σᵢ (ŷᵢ − yᵢ)·xᵢ, the seed's derivatives: half :func:`mse`'s, so the same learning rate takes half the
    step. Equals ``0.5 * torch.nn.functional.mse_loss`` (as :func:`mse` equals ``mse_loss``). Run axis, mask and
    reductions: see the module docstring.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    return _finish(0.5 * (pred - target) ** 2, has_runs, mask, reduction)


def mae(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Mean absolute error: L⁽ⁱ⁾ = |ŷᵢ − yᵢ|, J = (1/m) Σᵢ |ŷᵢ − yᵢ|.

    With feature axes, L⁽ⁱ⁾ is the mean of the absolute errors of sample i. Equals
    ``torch.nn.functional.l1_loss`` for ``reduction="mean"`` (any shape) and for ``"sum"``/``"none"`` when
    each sample has one element.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    return _finish((pred - target).abs(), has_runs, mask, reduction)


def mape(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
    eps: float = 1e-7,
) -> torch.Tensor:
    r"""Mean absolute percentage error, **in percent**: L⁽ⁱ⁾ = 100 · |yᵢ − ŷᵢ| / max(|yᵢ|, eps).

    J = (100/m) Σᵢ |yᵢ − ŷᵢ| / max(|yᵢ|, eps). The factor 100 and the ``eps`` clamp of the denominator
    (which keeps a target of 0 from dividing by zero) are those of Keras' ``mean_absolute_percentage_error``
    (eps = 1e-7 there too); torchmetrics clamps the same way at 1.17e-6 and has no factor 100. With feature axes,
    L⁽ⁱ⁾ is the mean over the elements of sample i. There is no torch.nn.functional equivalent.
    """
    eps = _positive_number("eps", eps)
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    values = 100.0 * (target - pred).abs() / target.abs().clamp(min=eps)
    return _finish(values, has_runs, mask, reduction)


def huber(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
    delta: float = 1.0,
) -> torch.Tensor:
    r"""Huber loss: with eᵢ = ŷᵢ − yᵢ, L⁽ⁱ⁾ = ½ eᵢ² if |eᵢ| < δ, else δ(|eᵢ| − ½δ).

    Quadratic near 0 (like MSE/2), linear for large errors (like δ·MAE), so outliers weigh less. Equals
    ``torch.nn.functional.huber_loss(pred, target, delta=delta)`` element-wise; with feature axes L⁽ⁱ⁾ is
    the mean over the elements of sample i. ``delta`` is a positive number.
    """
    delta = _positive_number("delta", delta)
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    # torch's own kernel, element-wise: its gradient is ±δ at an infinite error and NaN at a NaN one (a form
    # written with |e| took abs's gradient at NaN, 0, and a NaN loss still moved the parameters)
    pred, target = torch.broadcast_tensors(pred, target)
    values = torch.nn.functional.huber_loss(pred, target, reduction="none", delta=delta)
    return _finish(values, has_runs, mask, reduction)


def l2(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Squared L2 norm per sample (the seed's house-price loss): L⁽ⁱ⁾ = ‖y⁽ⁱ⁾ − ŷ⁽ⁱ⁾‖²₂.

    The squares are **summed** over the feature axes of a sample (unlike ``mse``, which averages them);
    J = (1/m) Σᵢ ‖y⁽ⁱ⁾ − ŷ⁽ⁱ⁾‖²₂. For a scalar target (``[B]``) it is the same as ``mse``. Equals
    ``torch.nn.functional.mse_loss(pred, target, reduction="sum") / m`` for ``reduction="mean"``.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    return _finish((target - pred) ** 2, has_runs, mask, reduction, how="sum")


def bbox(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Bounding-box localisation loss (the seed's, after Redmon et al. 2016).

    Boxes are the last axis, of size 4, ordered (x, y, w, h): centre, width and height. Per box
    L = (x − x̂)² + (y − ŷ)² + (w − ŵ)² + (h − ĥ)², J = (1/m) Σᵢ L⁽ⁱ⁾. ``pred`` is ``[B, 4]`` (one box per
    sample) or ``[K, B, 4]``; with extra axes (``[B, n, 4]``, n boxes per sample) L⁽ⁱ⁾ is the sum over the
    sample's boxes. Equals ``l2`` with a box axis of size 4 required.
    """
    _check_options(reduction, runs)
    pred = _check_pred(pred)
    target = _real_target(target, pred)
    for name, t in (("pred", pred), ("target", target)):
        if t.ndim < 2 or t.shape[-1] != 4:
            raise ValueError(
                f"{name} has shape {list(t.shape)}; bbox needs boxes on the last axis of size 4, ordered "
                "(x, y, w, h), after a sample axis: [B, 4] or [K, B, 4]"
            )
    has_runs = _has_run_axis(pred, target, runs)
    if pred.ndim < (3 if has_runs else 2):
        raise ValueError(
            f"pred has shape {list(pred.shape)}: with a run axis bbox needs pred of shape [K, B, 4]"
        )
    if mask is not None:
        mask, keep = _excluding(mask, pred, has_runs)
        pred, target = _zeroed(keep, pred), _zeroed(keep, target)
    return _finish((target - pred) ** 2, has_runs, mask, reduction, how="sum")


# ---------------------------------------------------------------------------------------------------------
# Classification
# ---------------------------------------------------------------------------------------------------------


def bce(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on probabilities ŷ ∈ [0, 1] (e.g. a sigmoid output), targets y ∈ [0, 1].

    L⁽ⁱ⁾ = −(yᵢ log ŷᵢ + (1 − yᵢ) log(1 − ŷᵢ)), J = (1/m) Σᵢ L⁽ⁱ⁾. Each sample's value and gradient are
    ``torch.nn.functional.binary_cross_entropy``'s (computed by it): each log clamped at −100, so ŷ = 0 or 1
    gives a finite loss, and the gradient (ŷ − y)/max(ŷ(1 − ŷ), 10⁻¹²), so that a confident wrong prediction
    (ŷ = 1 for y = 0) still gets a large push back rather than the zero gradient of a clamped log. With feature
    axes L⁽ⁱ⁾ is the mean over the elements of sample i. Prefer ``bce_with_logits`` on raw scores: it is more
    accurate. Values of pred or target outside [0, 1] raise a ValueError.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    _check_in_unit("pred", pred, "bce (probabilities; use bce_with_logits for raw scores)")
    _check_in_unit("target", target, "bce (binary labels or probabilities)")
    pred_, target_ = torch.broadcast_tensors(pred, target.to(pred.dtype))
    values = torch.nn.functional.binary_cross_entropy(pred_, target_, reduction="none")
    return _finish(values, has_runs, mask, reduction)


def bce_with_logits(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
) -> torch.Tensor:
    r"""Binary cross-entropy on logits z (ŷ = σ(z)), targets y ∈ [0, 1].

    L⁽ⁱ⁾ = −(yᵢ log σ(zᵢ) + (1 − yᵢ) log(1 − σ(zᵢ))), with ∂L⁽ⁱ⁾/∂zᵢ = σ(zᵢ) − yᵢ: computed by
    ``torch.nn.functional.binary_cross_entropy_with_logits`` (without weight/pos_weight; stable, finite for any
    finite z), whose backward pass is that derivative everywhere (written out with max(z, 0) and |z|, autograd
    would take 1 − y at z = 0, where a model initialised at zero starts). With feature axes L⁽ⁱ⁾ is the mean over
    the elements of sample i. Targets outside [0, 1] raise a ValueError.
    """
    pred, target, has_runs, mask = _prepare(pred, target, reduction, runs, mask)
    _check_in_unit("target", target, "bce_with_logits (binary labels or probabilities)")
    pred_, target_ = torch.broadcast_tensors(pred, target.to(pred.dtype))
    values = torch.nn.functional.binary_cross_entropy_with_logits(pred_, target_, reduction="none")
    return _finish(values, has_runs, mask, reduction)


_INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)


#: Below this many classes, torch's CPU log_softmax over the last axis is slow (``log_softmax_classes``).
FEW_CLASSES = 16


def log_softmax_classes(pred: torch.Tensor) -> torch.Tensor:
    """log_softmax over the last (class) axis, computed where torch's CPU kernel is fast.

    torch's kernel for the last axis handles a short axis badly: at 10 classes and 20,480 rows (64 runs × 32
    samples) it takes 2.0 ms where the kernel for an outer axis, which vectorises across rows, takes 0.2 (and
    0.1 when the scores are already laid out class-major, as the narrow dense layer of :mod:`descend.models`
    writes them). So the scores are read as ``[..., C, B]`` when they are laid out so, or when the class axis
    is short and the rows many. The same log-probabilities to round-off, not bit for bit: the kernels sum the C
    exponentials in different orders once C fills a vector register, and take the logarithm of a chunk's last
    rows differently (measured on an AVX-512 CPU: float32 mostly equal, a few entries one ulp apart; float64 one
    ulp apart from 8 classes); ``tests/test_losses.py`` checks both routes against
    ``torch.nn.functional.cross_entropy``.
    """
    if _class_major(pred):
        return torch.log_softmax(pred.transpose(-1, -2), dim=-2).transpose(-1, -2)
    return torch.log_softmax(pred, dim=-1)


def _class_major(pred: torch.Tensor) -> bool:
    """Whether :func:`log_softmax_classes` reads ``pred`` as ``[..., C, B]`` (decided here, for the written-out
    backward pass of :func:`cost_and_grad` too)."""
    return pred.ndim >= 2 and pred.device.type == "cpu" and (
        (pred.stride(-2) == 1 and pred.shape[-2] > 1)
        or (pred.shape[-1] < FEW_CLASSES and pred.numel() >= 256 * pred.shape[-1]))


def _labels(target: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """Integer class labels as int64 on ``pred``'s device, each checked to lie in [0, C)."""
    n_classes = pred.shape[-1]
    labels = target.to(device=pred.device, dtype=torch.int64)
    bad = (labels < 0) | (labels >= n_classes)
    if _reading_values() and bad.any():
        v = int(labels[bad].reshape(-1)[0])
        raise ValueError(f"target contains the class label {v}; labels must lie in [0, {n_classes}) (C = {n_classes})")
    return labels


def _one_hot_rows(target: torch.Tensor, n_classes: int) -> bool:
    """Whether ``target``'s last axis holds one-hot vectors over the ``n_classes`` classes."""
    return target.shape[-1] == n_classes and bool(((target == 0) | (target == 1)).all()) and bool(
        (target.sum(dim=-1) == 1).all())


def cross_entropy(
    pred: torch.Tensor,
    target: torch.Tensor,
    *,
    reduction: Reduction = "mean",
    mask: torch.Tensor | None = None,
    runs: bool | None = None,
    from_logits: bool = True,
    eps: float = 1e-7,
) -> torch.Tensor:
    r"""Categorical cross-entropy: L⁽ⁱ⁾ = −Σ_c y_c⁽ⁱ⁾ log ŷ_c⁽ⁱ⁾, J = (1/m) Σᵢ L⁽ⁱ⁾.

    The class axis C is the **last** axis of ``pred``: ``[B, C]`` or ``[K, B, C]`` (axes between B and C are
    averaged per sample).

    - ``from_logits=True`` (default): ``pred`` holds raw scores and ŷ = softmax(pred), computed as
      log_softmax for stability. Equals ``torch.nn.functional.cross_entropy`` for ``[B, C]`` input.
    - ``from_logits=False``: ``pred`` holds probabilities in [0, 1] (e.g. a softmax output); they are
      clamped to [eps, 1] before the log so that ŷ_c = 0 gives a finite loss. Away from the clamp this
      equals ``torch.nn.functional.nll_loss(pred.log(), labels)``.

    ``target`` is detected from its dtype and shape:

    - integer dtype with one axis less than ``pred`` (the class axis): class indices in [0, C), shape
      ``[B]`` (or ``[K, B]`` with ``runs=True``); L⁽ⁱ⁾ = −log ŷ_{yᵢ}⁽ⁱ⁾. An index outside [0, C) raises a
      ValueError (torch's ``ignore_index`` is not supported: exclude such samples with ``mask``, where any
      label may stand);
    - floating dtype (or bool, or an integer one-hot with the shape of ``pred``): one-hot or probability
      vectors over the last axis, values in [0, 1], shape ``[B, C]`` (or ``[K, B, C]``).
    """
    _check_options(reduction, runs)
    if not isinstance(from_logits, bool):
        raise ValueError(f"from_logits={from_logits!r} is not allowed; choose one of True, False")
    eps = _positive_number("eps", eps)
    pred = _check_pred(pred)
    target = _check_tensor("target", target)
    if pred.ndim < 1 or pred.shape[-1] < 1:
        raise ValueError(f"pred has shape {list(pred.shape)}; cross_entropy needs a class axis C (last) of size >= 1")
    n_classes = pred.shape[-1]
    indices = target.dtype in _INT_DTYPES and target.ndim != pred.ndim
    if indices:
        note = f" (integer class labels are matched against pred without its class axis C = {n_classes})"
        has_runs = _has_run_axis(pred, target, runs, pred_shape=tuple(pred.shape[:-1]), note=note)
    else:
        if target.is_complex():
            raise ValueError(f"target has dtype {target.dtype}; a real-valued tensor is required")
        if runs is None and tuple(target.shape) == tuple(pred.shape[:-1]) and bool(
                (target == torch.round(target)).all()) and not _one_hot_rows(target, n_classes):
            # labels as floats: read as probabilities, a run axis (rows of one-hot vectors, shared by K = B runs of
            # B = C samples, are what they say)
            raise ValueError(f"target has shape {list(target.shape)} and dtype {target.dtype}: class labels are whole "
                             f"numbers of an integer dtype (target.long()); a float target holds probabilities, "
                             f"shape {list(pred.shape)} (the class axis C = {n_classes} last)")
        target = target.to(pred.dtype)
        has_runs = _has_run_axis(pred, target, runs, note=" (probability / one-hot targets have the class axis C last)")
    if mask is not None:  # the excluded samples' scores and targets (a label of -1 too) set to 0 first
        mask, keep = _excluding(mask, pred, has_runs)
        pred = _zeroed(keep, pred)
        target = _zeroed(mask if indices else keep, target)
    if from_logits:
        log_p = log_softmax_classes(pred)
    else:
        _check_in_unit("pred", pred, "cross_entropy with from_logits=False (probabilities)")
        log_p = torch.log(pred.clamp(min=eps, max=1.0))

    if indices:
        labels = _labels(target, pred)
        labels = labels.expand(pred.shape[:-1])
        values = -log_p.gather(-1, labels.unsqueeze(-1)).squeeze(-1)
    else:
        probs = target
        _check_in_unit("target", probs, "cross_entropy (one-hot or probability vectors)")
        # 0 · log ŷ counts as 0 even where ŷ = 0 (log_softmax of -inf logits).
        values = -torch.where(probs > 0, probs * log_p, torch.zeros((), dtype=pred.dtype, device=pred.device)).sum(-1)
    return _finish(values, has_runs, mask, reduction)


# ---------------------------------------------------------------------------------------------------------
# The cost and its gradient without a graph
# ---------------------------------------------------------------------------------------------------------


def cost_and_grad(loss: Callable[..., torch.Tensor], target: torch.Tensor,
                  ) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None:
    r"""``loss``'s cost per run with its gradient with respect to ``pred``, without autograd, or None.

    For :func:`mse`, :func:`bce_with_logits` and :func:`cross_entropy` from logits with integer class labels
    (``target``'s dtype decides), the returned function computes ``J = loss(pred, target, reduction="mean",
    runs=True)`` (``[K]``, ``pred`` ``[K, B, ...]``) and ∂(Σ_runs J)/∂pred with the operations autograd's backward
    pass runs for it, node by node, so that the numbers are autograd's bit for bit (``tests/test_losses.py``):

    .. code-block:: text

        mse:              ∂J/∂ŷᵢ = 2(ŷᵢ − yᵢ) / (m·F)             (F features per sample)
        bce_with_logits:  ∂J/∂zᵢ = (σ(zᵢ) − yᵢ) / (m·F)
        cross_entropy:    ∂J/∂zᵢ = (softmax(zᵢ) − onehot(yᵢ)) / m

    A model that writes out its own backward pass continues from there (:meth:`descend.models.MLP.with_backward`;
    the engine's step takes it, :func:`descend.engine.hand_gradient`). The checks that read values (class labels
    in [0, C), targets in [0, 1]) run as the loss's do; the other checks are the caller's (the loss's own first
    call).
    """
    if loss is mse:
        return _mse_and_grad
    if loss is bce_with_logits:
        return _bce_with_logits_and_grad
    if loss is cross_entropy and target.dtype in _INT_DTYPES:
        return _cross_entropy_and_grad
    return None


def ones_over(count: torch.Tensor, shape: torch.Size, dtype: torch.dtype) -> torch.Tensor:
    """The backward pass of ``Σ_runs`` :func:`sample_mean`: 1 spread over the runs, divided by ``count`` (in its
    dtype), in ``dtype``."""
    return (torch.ones((), dtype=count.dtype, device=count.device).expand(shape) / count).to(dtype)


def _mse_and_grad(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    d = pred - target.to(pred.dtype)
    dims = tuple(range(2, d.ndim))
    per = (d ** 2).mean(dim=dims) if dims else d ** 2
    count = _count(per)
    cost = sample_mean(per, count)
    # backward: ÷ count, Σᵢ, the mean over the features, (ŷ − y)² (pow's 2·d¹, d¹ exact)
    g = ones_over(count, cost.shape, per.dtype).unsqueeze(-1).expand(per.shape)
    if dims:
        g = g.reshape(*per.shape, *(1,) * len(dims)).expand(d.shape) / math.prod(d.shape[2:])
    return cost, g * (2.0 * d)


def _bce_with_logits_and_grad(z: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    y = target.to(z.dtype)
    _check_in_unit("target", y, "bce_with_logits (binary labels or probabilities)")
    z_, y = torch.broadcast_tensors(z, y)
    values = torch.nn.functional.binary_cross_entropy_with_logits(z_, y, reduction="none")
    dims = tuple(range(2, values.ndim))
    per = values.mean(dim=dims) if dims else values
    count = _count(per)
    cost = sample_mean(per, count)
    # backward: ÷ count, Σᵢ, the mean over the features; then torch's backward of the loss, (σ(z) − y)·g
    g = ones_over(count, cost.shape, per.dtype).unsqueeze(-1).expand(per.shape)
    if dims:
        g = g.reshape(*per.shape, *(1,) * len(dims)).expand(values.shape) / math.prod(values.shape[2:])
    return cost, (torch.sigmoid(z_) - y) * g


def _cross_entropy_and_grad(pred: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    index = _labels(target, pred).expand(pred.shape[:-1]).unsqueeze(-1)
    major = _class_major(pred)  # as log_softmax_classes reads pred
    log_p_t = torch.log_softmax(pred.transpose(-1, -2), dim=-2) if major else torch.log_softmax(pred, dim=-1)
    log_p = log_p_t.transpose(-1, -2) if major else log_p_t
    values = -log_p.gather(-1, index).squeeze(-1)
    count = _count(values)
    cost = sample_mean(values, count)
    # backward: ÷ count, Σᵢ, the minus, the gather (a scatter into zeros), the log-softmax
    g = ones_over(count, cost.shape, values.dtype).unsqueeze(-1).expand(values.shape).neg().unsqueeze(-1)
    g = torch.zeros(log_p.shape, dtype=g.dtype, device=g.device).scatter_add_(-1, index, g)
    if major:
        return cost, torch._log_softmax_backward_data(g.transpose(-1, -2), log_p_t, -2, pred.dtype).transpose(-1, -2)
    return cost, torch._log_softmax_backward_data(g, log_p_t, -1, pred.dtype)


# ---------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LossInfo:
    """One registered loss: its name, the function, a one-line description and its kind."""

    name: str
    fn: Callable[..., torch.Tensor]
    description: str
    kind: Literal["regression", "classification", "localisation"]


LOSSES: dict[str, LossInfo] = {
    info.name: info
    for info in (
        LossInfo("mse", mse, LISTED["mse"].description, LISTED["mse"].kind),
        LossInfo("half-mse", half_mse, LISTED["half-mse"].description, LISTED["half-mse"].kind),
        LossInfo("mae", mae, LISTED["mae"].description, LISTED["mae"].kind),
        LossInfo("mape", mape, LISTED["mape"].description, LISTED["mape"].kind),
        LossInfo("huber", huber, LISTED["huber"].description, LISTED["huber"].kind),
        LossInfo("l2", l2, LISTED["l2"].description, LISTED["l2"].kind),
        LossInfo("bce", bce, LISTED["bce"].description, LISTED["bce"].kind),
        LossInfo("bce-logits", bce_with_logits, LISTED["bce-logits"].description, LISTED["bce-logits"].kind),
        LossInfo("cross-entropy", cross_entropy, LISTED["cross-entropy"].description, LISTED["cross-entropy"].kind),
        LossInfo("bbox", bbox, LISTED["bbox"].description, LISTED["bbox"].kind),
    )
}

#: Other accepted spellings for :func:`get_loss` (after lower-casing and ``_`` → ``-``).
LOSS_ALIASES: dict[str, str] = {
    "mean-squared-error": "mse",
    "half-mean-squared-error": "half-mse",
    "mean-absolute-error": "mae",
    "l1": "mae",
    "mean-absolute-percentage-error": "mape",
    "squared-l2": "l2",
    "binary-cross-entropy": "bce",
    "bce-with-logits": "bce-logits",
    "binary-cross-entropy-with-logits": "bce-logits",
    "ce": "cross-entropy",
    "cce": "cross-entropy",
    "categorical-cross-entropy": "cross-entropy",
    "localisation": "bbox",
    "localization": "bbox",
}


def get_loss(name: str) -> LossInfo:
    """The registered loss called ``name`` (case-insensitive; ``_`` and ``-`` are the same; aliases allowed).

    Raises a ValueError listing the allowed names and suggesting close matches.
    """
    if not isinstance(name, str):
        raise ValueError(f"loss name must be a string, not {type(name).__name__}")
    key = name.strip().lower().replace("_", "-")
    key = LOSS_ALIASES.get(key, key)
    if key not in LOSSES:
        raise ValueError(
            f"unknown loss {name!r}{close_matches(key, list(LOSSES) + list(LOSS_ALIASES))} "
            f"(allowed: {', '.join(LOSSES)}; aliases are listed in descend.losses.LOSS_ALIASES)"
        )
    return LOSSES[key]


def rmse(loss: Any, values: Any, y: torch.Tensor | None = None) -> Any:
    """The root-mean-square errors that ``values``, values of the loss ``loss`` (a name of :data:`LOSSES` in any
    spelling, or its function), are a multiple of, in the units of the predictions and targets they were computed
    on (the same type as ``values``: a number, a tensor, a pandas Series); None where the loss is no multiple of the
    squared error (:data:`descend.catalog.SQUARED_LOSSES`). ``y``: the targets, whose outputs per sample L2 sums
    the squares of (one output where not given).

    >>> import pandas as pd
    >>> rmse("half-mse", pd.Series([8.0, 18.0])).tolist(), rmse("mae", 3.0)
    ([4.0, 6.0], None)
    """
    if isinstance(loss, str):
        try:
            name = get_loss(loss).name  # ("MSE", "mean_squared_error")
        except ValueError:  # none of these: no squared error known
            return None
    else:
        name = next((n for n, info in LOSSES.items() if info.fn is loss), None)
    if name not in SQUARED_LOSSES:
        return None
    outputs = int(y.reshape(len(y), -1).shape[1]) if name == "l2" and y is not None and y.ndim > 1 else 1
    return (values / (SQUARED_LOSSES[name] * outputs)) ** 0.5
