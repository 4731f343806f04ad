"""Gradient clipping by value, by norm and by global norm, per run.

Every function takes a list or tuple of gradient tensors ``g_1 .. g_n`` and returns a NEW list; the inputs
are never modified. With ``run_axis=True`` (implied when the threshold is a tensor ``[K]``), every gradient has
a leading run axis ``[K, ...]`` and each run k is clipped on its own, exactly as if its gradients
``g_1[k] .. g_n[k]`` were clipped alone, so K runs with K thresholds are one call.

Norms are Euclidean (L2). A gradient is rescaled by ``min(1, c / (‖g‖ + 1e-6))``, torch's
``clip_grad_norm_`` factor, so gradients already within the threshold are returned unchanged (times 1.0).

>>> import torch
>>> from descend.clipping import clip_by_global_norm, global_norm
>>> grads = [torch.tensor([3.0, 0.0]), torch.tensor([[4.0]])]
>>> global_norm(grads)
tensor(5.)
>>> clip_by_global_norm(grads, max_norm=1.0)
[tensor([0.6000, 0.0000]), tensor([[0.8000]])]
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from descend._checks import POSITIVE, check_hyperparameter, plain_number

__all__ = ["clip_by_value", "clip_by_norm", "clip_by_global_norm", "global_norm", "tensor_norms"]

#: Added to a norm before dividing by it, as in torch.nn.utils.clip_grad_norm_.
EPS = 1e-6


def _check_grads(grads: object) -> list[torch.Tensor]:
    if isinstance(grads, torch.Tensor) or not isinstance(grads, (list, tuple)):
        raise ValueError(
            f"grads must be a list or tuple of tensors, not {type(grads).__name__}; wrap one tensor g as [g]"
        )
    for i, g in enumerate(grads):
        if not isinstance(g, torch.Tensor):
            raise ValueError(f"grads[{i}] is a {type(g).__name__}, not a tensor")
        if not g.is_floating_point():
            raise ValueError(f"grads[{i}] has dtype {g.dtype}; gradients must be floating point")
    return list(grads)


def _run_count(grads: list[torch.Tensor]) -> int:
    """K, the common leading axis of every gradient ``[K, ...]``."""
    if not grads:
        raise ValueError("grads is empty, so it has no run axis; give at least one gradient [K, ...]")
    for i, g in enumerate(grads):
        if g.ndim == 0:
            raise ValueError(f"grads[{i}] is 0-d; with a run axis every gradient has shape [K, ...]")
        if g.shape[0] != grads[0].shape[0]:
            raise ValueError(
                f"grads[{i}] has {g.shape[0]} runs (leading axis) but grads[0] has {grads[0].shape[0]}: "
                "with a run axis every gradient has shape [K, ...] with the same K"
            )
    return grads[0].shape[0]


def _runs(grads: list[torch.Tensor], threshold_name: str, threshold: object, run_axis: bool) -> int | None:
    """Check the threshold and return the number of runs K, or None for a single run.

    A ``[K]`` threshold implies a run axis; its K must match the gradients' leading axis.
    """
    if not isinstance(run_axis, bool):
        raise ValueError(f"run_axis={run_axis!r} must be True or False")
    if run_axis or (isinstance(threshold, torch.Tensor) and threshold.ndim == 1):
        k = _run_count(grads)
        check_hyperparameter(threshold_name, threshold, POSITIVE, runs=k)
        return k
    check_hyperparameter(threshold_name, threshold, POSITIVE)
    return None


def _per_run(value: object, like: torch.Tensor) -> torch.Tensor | float:
    """A threshold shaped to broadcast against ``like`` ([K] → [K, 1, ..., 1]), or a float."""
    if not isinstance(value, torch.Tensor):
        return float(plain_number(value))  # type: ignore[arg-type]
    value = value.detach().to(device=like.device, dtype=like.dtype)
    return value.reshape([-1] + [1] * (like.ndim - 1)) if value.ndim == 1 else value


def tensor_norms(grads: Sequence[torch.Tensor], *, run_axis: bool = False) -> list[torch.Tensor]:
    """The L2 norm ``‖g_i‖`` of each gradient: 0-d tensors, or ``[K]`` (the norm of each ``g_i[k]``) with
    ``run_axis=True``.

    >>> tensor_norms([torch.tensor([[3.0, 4.0], [0.0, 1.0]])], run_axis=True)
    [tensor([5., 1.])]
    """
    grads = _check_grads(grads)
    if not isinstance(run_axis, bool):
        raise ValueError(f"run_axis={run_axis!r} must be True or False")
    if run_axis:
        _run_count(grads)
        return [torch.linalg.vector_norm(g.reshape(g.shape[0], -1), dim=1) for g in grads]
    return [torch.linalg.vector_norm(g) for g in grads]


def global_norm(grads: Sequence[torch.Tensor], *, run_axis: bool = False) -> torch.Tensor:
    """The global L2 norm ``‖g‖ = sqrt(Σ_i ‖g_i‖²)`` over all gradients: a 0-d tensor, or ``[K]`` (one norm per
    run, over all ``g_i[k]``) with ``run_axis=True``. Handy to record gradient norms per run.

    Same as the value torch.nn.utils.clip_grad_norm_ returns (the norm before clipping).

    >>> global_norm([torch.tensor([[3.0], [1.0]]), torch.tensor([[4.0], [0.0]])], run_axis=True)
    tensor([5., 1.])
    """
    norms = tensor_norms(grads, run_axis=run_axis)
    if not norms:
        return torch.tensor(0.0)
    dtype = norms[0].dtype
    for n in norms[1:]:
        dtype = torch.promote_types(dtype, n.dtype)
    device = norms[0].device
    return torch.linalg.vector_norm(torch.stack([n.to(device=device, dtype=dtype) for n in norms]), dim=0)


def clip_by_value(grads: Sequence[torch.Tensor], clip_value: float | torch.Tensor) -> list[torch.Tensor]:
    """Clamp every element to ``[−c, c]``, with c = ``clip_value`` (a number, or ``[K]``: one per run, which
    needs every gradient to have shape ``[K, ...]``).

    torch: ``torch.nn.utils.clip_grad_value_``; optax: ``clip``; Keras: ``clipvalue=``.

    >>> clip_by_value([torch.tensor([-3.0, 0.5, 2.0])], 1.0)
    [tensor([-1.0000,  0.5000,  1.0000])]
    """
    grads = _check_grads(grads)
    _runs(grads, "clip_value", clip_value, False)
    out = []
    for g in grads:
        c = _per_run(clip_value, g)
        out.append(torch.clamp(g, min=-c, max=c))
    return out


def clip_by_norm(
    grads: Sequence[torch.Tensor], max_norm: float | torch.Tensor, *, run_axis: bool = False
) -> list[torch.Tensor]:
    """Rescale each gradient on its own so that its L2 norm is at most ``max_norm``:
    ``g_i ← g_i · min(1, max_norm / (‖g_i‖ + 1e-6))``.

    With ``run_axis=True`` (or a ``[K]`` ``max_norm``) the norm is taken per run, over ``g_i[k]``. Each
    ``g_i`` comes out as torch.nn.utils.clip_grad_norm_ would leave it if it were the only parameter.
    Keras's ``clipnorm=`` clips per tensor too (without the 1e-6); optax's ``clip_by_block_rms`` clips per tensor
    by another measure, the root mean square ‖g_i‖/√n (it is not this clip).

    >>> clip_by_norm([torch.tensor([3.0, 4.0]), torch.tensor([0.1])], max_norm=1.0)
    [tensor([0.6000, 0.8000]), tensor([0.1000])]
    """
    grads = _check_grads(grads)
    k = _runs(grads, "max_norm", max_norm, run_axis)
    norms = tensor_norms(grads, run_axis=k is not None)
    return [g * _scale(max_norm, n, g) for g, n in zip(grads, norms)]


def clip_by_global_norm(
    grads: Sequence[torch.Tensor], max_norm: float | torch.Tensor, *, run_axis: bool = False
) -> list[torch.Tensor]:
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``:
    ``g_i ← g_i · min(1, max_norm / (‖g‖ + 1e-6))`` with ``‖g‖`` = :func:`global_norm`.

    torch: ``torch.nn.utils.clip_grad_norm_(parameters, max_norm)`` (same factor, same 1e-6); optax:
    ``clip_by_global_norm`` (no 1e-6); Keras: ``global_clipnorm=``.

    With ``run_axis=True`` (or a ``[K]`` ``max_norm``) each run k has its own global norm over
    ``g_1[k] .. g_n[k]`` and is clipped independently, as clip_grad_norm_ would clip run k alone.

    >>> g = [torch.tensor([[3.0, 4.0], [0.3, 0.4]])]
    >>> clip_by_global_norm(g, max_norm=1.0, run_axis=True)
    [tensor([[0.6000, 0.8000],
            [0.3000, 0.4000]])]
    """
    grads = _check_grads(grads)
    k = _runs(grads, "max_norm", max_norm, run_axis)
    if not grads:
        return []
    norm = global_norm(grads, run_axis=k is not None)
    return [g * _scale(max_norm, norm, g) for g in grads]


def _scale(max_norm: float | torch.Tensor, norm: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """``min(1, max_norm / (norm + 1e-6))``, shaped to broadcast against ``g``."""
    if isinstance(max_norm, torch.Tensor):
        max_norm = max_norm.detach().to(device=norm.device, dtype=norm.dtype)
        max_norm = float(max_norm) if max_norm.ndim == 0 else max_norm
    coef = torch.clamp(max_norm / (norm + EPS), max=1.0)
    if coef.ndim == 0:  # as torch multiplies: a half-precision gradient by the factor unrounded (rounding it to
        return coef.to(device=g.device)  # bfloat16 first moved 96 entries of 1,000 by an ulp)
    coef = coef.to(device=g.device, dtype=g.dtype)  # per run: in the gradient's dtype, which a [K] factor would widen
    return coef.reshape([-1] + [1] * (g.ndim - 1))
