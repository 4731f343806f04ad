"""Gradient descent and its momentum forms: the seeds' EMA momentum and torch's heavy ball.

Notation (seeds 002-004): ``w`` parameters, ``g = ∂J/∂w`` the gradient, ``α`` the learning rate,
``t`` the step count (1 on the first update), ``v`` the velocity.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor

from . import _base
from ._base import (
    Hyper,
    Tensors,
    checked,
    direction,
    ema,
    in_float64,
    minus,
    new_step,
    per_run,
    plus,
    zeros_like,
)


class GDState(NamedTuple):
    """Plain gradient descent keeps no moments, only the step count ``t``."""

    step: Tensor


def gd_init(params: Sequence[Tensor]) -> GDState:
    """The state :func:`gd_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one run's):
    the step count t = 0."""
    return GDState(step=new_step(params))


@checked
def gd_update(
    grads: Sequence[Tensor],
    state: GDState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-2,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
) -> tuple[Tensors, GDState]:
    r"""Gradient descent: ``w ← w − α·g``.

    The same rule is GD, SGD and mini-batch gradient descent: what differs is how many samples the
    gradient ``g`` is averaged over (all ``m``, one, or a batch of ``b``), which the caller decides.

    Symbols: ``α`` = ``lr``; ``λ`` = ``weight_decay`` adds ``λ·w`` to ``g`` (L2 penalty); ``maximize``
    follows ``+g``. Equals ``torch.optim.SGD`` with ``momentum=0``, ``optax.sgd`` and Keras ``SGD``.

    Example:
        >>> w = (torch.tensor([1.0]),)
        >>> state = gd_init(w)
        >>> w, state = gd_update((2 * w[0],), state, w, lr=0.1)  # J = w², g = 2w
        >>> w[0]
        tensor([0.8000])
    """
    new_params = tuple(
        minus(w, lr, direction(g, w, weight_decay, maximize)) for w, g in zip(params, grads)
    )
    return new_params, GDState(step=state.step + 1.0)


class MomentumState(NamedTuple):
    step: Tensor
    v: Tensors  #: velocity, the EMA of the gradients (seed 004 eq. 5)


def momentum_init(params: Sequence[Tensor]) -> MomentumState:
    """The state :func:`momentum_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0 and the velocity v = 0, one tensor of each parameter's shape."""
    return MomentumState(step=new_step(params), v=zeros_like(params))


@checked
def momentum_update(
    grads: Sequence[Tensor],
    state: MomentumState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-2,
    beta: Hyper = 0.9,
    bias_correction: bool = False,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
) -> tuple[Tensors, MomentumState]:
    r"""Gradient descent with momentum in the seeds' exponential-moving-average form.

    .. code-block:: text

        v ← β·v + (1 − β)·g          (seed 004 eq. 5; v₀ = 0)
        v̂ = v / (1 − βᵗ)             (eq. 8, only with bias_correction=True)
        w ← w − α·v̂                  (eq. 6)

    ``v`` is a weighted average of past gradients, ``(1 − β) Σₖ βᵗ⁻ᵏ gₖ`` (eq. 7), so the step keeps
    its direction through noise and oscillations. ``β = 0`` gives plain gradient descent. Being an average of
    gradients, ``v`` is about as large as ``g``: at the same α the steps are about gradient descent's, and
    momentum's speed comes from the larger α it stands (on Rosenbrock at α = 1e-3 the two end alike; at 0.02,
    where gradient descent diverges, momentum converges). Its state is one tensor per parameter, as
    RMSprop's (seed 003's table gives momentum less memory than RMSprop: both keep one; Adam keeps two).

    Symbols: ``α`` = ``lr``, ``β`` = ``beta`` (typical 0.9), ``λ`` = ``weight_decay`` (added to ``g``).

    Where libraries differ: torch's ``SGD(momentum=μ)`` (:func:`sgd_update`) accumulates
    ``b ← μb + g`` without the ``(1 − β)`` factor, so its steps are ``1/(1 − μ)`` times larger for the
    same α; Keras's ``SGD(momentum)`` folds α into the buffer (``m ← μm − αg``). optax's ``sgd`` with
    momentum is torch's form. Without bias correction the first steps are short (v starts at 0).
    """
    t = state.step + 1.0
    correction = _base.bias_correction(beta, t) if bias_correction else None
    new_params, new_v = [], []
    for w, g, v in zip(params, grads, state.v):
        g = direction(g, w, weight_decay, maximize)
        v = ema(v, g, beta)
        v_hat = v / per_run(correction, w) if bias_correction else v
        new_params.append(minus(w, lr, v_hat))
        new_v.append(v)
    return tuple(new_params), MomentumState(step=t, v=tuple(new_v))


class SGDState(NamedTuple):
    step: Tensor
    b: Tensors  #: momentum buffer (empty when the momentum is 0, as in plain SGD)


def sgd_init(params: Sequence[Tensor], *, momentum: Hyper = 0.0) -> SGDState:
    """The state :func:`sgd_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one run's):
    t = 0 and, where ``momentum`` is not 0 (or is a tensor of one value per run), the buffer b = 0; without momentum
    no buffer, and ``sgd_update`` with momentum refuses such a state."""
    needs_buffer = isinstance(momentum, Tensor) or momentum != 0
    return SGDState(step=new_step(params), b=zeros_like(params) if needs_buffer else ())


@checked
def sgd_update(
    grads: Sequence[Tensor],
    state: SGDState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-3,
    momentum: Hyper = 0.0,
    dampening: Hyper = 0.0,
    nesterov: bool = False,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
    lr_in_buffer: bool = False,
) -> tuple[Tensors, SGDState]:
    r"""Stochastic gradient descent with heavy-ball or Nesterov momentum, in torch.optim.SGD's form.

    .. code-block:: text

        b ← g                        on the first step (t = 1): no dampening
        b ← μ·b + (1 − τ)·g          afterwards
        d = g + μ·b  (nesterov)  or  d = b
        w ← w − α·d

    Symbols: ``α`` = ``lr`` (torch's γ), ``μ`` = ``momentum``, ``τ`` = ``dampening``,
    ``λ`` = ``weight_decay`` (added to ``g`` first). Nesterov momentum (NAG, seed 002) needs μ > 0 and
    τ = 0. With μ = 0 this is plain gradient descent, whatever τ (torch keeps no buffer then; a run with μ = 0
    among runs with momentum has a buffer, written b = g).

    ``lr_in_buffer=True`` (Keras) multiplies α into the buffer instead of the step:

    .. code-block:: text

        b ← μ·b + (1 − τ)·α·g        (Keras keeps m = −b: m ← μm − αg, w ← w + m)
        d = α·g + μ·b  (nesterov)  or  d = b
        w ← w − d

    Both forms take the same steps while α is constant; under a learning-rate schedule the buffer of
    ``lr_in_buffer=True`` keeps the past α's, torch's applies today's α to the whole history.

    Matches ``torch.optim.SGD`` to round-off, and ``optax.sgd`` (torch's form, ``dampening=0``). The
    seeds' EMA form is :func:`momentum_update`. Allowed ``τ`` is ``[0, 1]``: torch does not check
    dampening, but ``τ > 1`` gives the gradient a negative weight in the buffer (the buffer then climbs)
    and ``τ < 0`` a weight above 1, so descend refuses both.
    """
    t = state.step + 1.0
    if not state.b and (isinstance(momentum, Tensor) or momentum != 0):
        raise ValueError("this SGD state has no momentum buffer: create it with sgd_init(params, momentum=...)")
    first = (t == 1).to(torch.float64)
    buffer_weight = first + (1.0 - first) * (1.0 - in_float64(dampening))  # 1 on the first step, else 1 − τ
    # a run without momentum is plain SGD (b = g, d = g) whatever its τ, as in torch (which keeps no buffer then)
    if isinstance(momentum, Tensor):
        buffer_weight = torch.where(momentum == 0, 1.0, buffer_weight)
    elif momentum == 0:
        buffer_weight = 1.0
    new_params, new_b = [], []
    for i, (w, g) in enumerate(zip(params, grads)):
        g = direction(g, w, weight_decay, maximize)
        if lr_in_buffer:
            g = per_run(lr, w) * g
        d = g
        if state.b:
            mu = per_run(momentum, w)
            b = plus(mu * state.b[i], buffer_weight, g)  # torch's b.mul_(μ).add_(g, alpha=1 − τ) (see minus)
            d = plus(g, momentum, b) if nesterov else b
            new_b.append(b)
        new_params.append(w - d if lr_in_buffer else minus(w, lr, d))
    return tuple(new_params), SGDState(step=t, b=tuple(new_b))
