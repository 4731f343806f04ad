"""Per-parameter adaptive learning rates from squared gradients: Adagrad, Adadelta, RMSprop.

Notation (seeds 002-004): ``w`` parameters, ``g`` gradient, ``α`` learning rate, ``t`` step count,
``s`` an accumulated or averaged squared gradient (seed 002's ``G`` for Adagrad), ``ε`` a small
constant that keeps the division finite.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import torch
from torch import Tensor

from . import _base
from ._base import (
    Hyper,
    Tensors,
    checked,
    direction,
    ema,
    ema_sq,
    in_float64,
    minus,
    new_step,
    per_run,
    plus,
    zeros_like,
)

EpsMode = Literal["outside", "inside"]


def root(s: Tensor, eps: Hyper, eps_mode: EpsMode) -> Tensor:
    """The denominator ``√s + ε`` (``eps_mode="outside"``, torch) or ``√(s + ε)`` (``"inside"``, optax/Keras)."""
    if eps_mode == "inside":
        return torch.sqrt(s + eps)
    return torch.sqrt(s) + eps


class AdagradState(NamedTuple):
    step: Tensor
    s: Tensors  #: sum of squared gradients (seed 002's G)


def adagrad_init(params: Sequence[Tensor], *, initial_accumulator_value: Hyper = 0.0) -> AdagradState:
    """The state :func:`adagrad_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0 and the sum of squared gradients G = ``initial_accumulator_value`` (torch's; a number, or a tensor
    of one value per run)."""
    s = tuple(torch.zeros_like(p) + per_run(initial_accumulator_value, p) for p in params)
    return AdagradState(step=new_step(params), s=s)


@checked
def adagrad_update(
    grads: Sequence[Tensor],
    state: AdagradState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-2,
    lr_decay: Hyper = 0.0,
    eps: Hyper = 1e-10,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
    eps_mode: EpsMode = "outside",
) -> tuple[Tensors, AdagradState]:
    r"""Adagrad: every parameter's step shrinks with the history of its own gradients.

    .. code-block:: text

        αₜ = α / (1 + (t − 1)·lr_decay)
        s ← s + g²                        (s₀ = initial_accumulator_value, set in adagrad_init)
        w ← w − αₜ·g / (√s + ε)           eps_mode="outside" (torch)
        w ← w − αₜ·g / √(s + ε)           eps_mode="inside"  (seed 002, optax, Keras)

    Symbols: ``α`` = ``lr``, ``ε`` = ``eps``, ``λ`` = ``weight_decay`` (added to ``g``).

    Defaults are torch's (lr 1e-2, ε 1e-10 outside the root, s₀ = 0). optax and Keras start the
    accumulator at 0.1 and put ε = 1e-7 inside the root, with no lr_decay: reproduce them with
    ``adagrad_init(params, initial_accumulator_value=0.1)`` and ``eps=1e-7, eps_mode="inside"``.
    """
    t = state.step + 1.0
    lr_t = _base.over(in_float64(lr), 1.0 + (t - 1.0) * in_float64(lr_decay))
    new_params, new_s = [], []
    for w, g, s in zip(params, grads, state.s):
        g = direction(g, w, weight_decay, maximize)
        s = torch.addcmul(s, g, g)  # s + g² rounded once, as torch.optim.Adagrad's addcmul_ (s + g*g rounds twice)
        new_params.append(minus(w, lr_t, g, root(s, per_run(eps, w), eps_mode)))
        new_s.append(s)
    return tuple(new_params), AdagradState(step=t, s=tuple(new_s))


class AdadeltaState(NamedTuple):
    step: Tensor
    s: Tensors  #: running average of squared gradients
    u: Tensors  #: running average of squared updates Δ²


def adadelta_init(params: Sequence[Tensor]) -> AdadeltaState:
    """The state :func:`adadelta_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0 and the running averages of squared gradients and of squared updates, both 0."""
    return AdadeltaState(step=new_step(params), s=zeros_like(params), u=zeros_like(params))


@checked
def adadelta_update(
    grads: Sequence[Tensor],
    state: AdadeltaState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1.0,
    rho: Hyper = 0.9,
    eps: Hyper = 1e-6,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
) -> tuple[Tensors, AdadeltaState]:
    r"""Adadelta: the step's units come from a running average of past steps, not from α.

    .. code-block:: text

        s ← ρ·s + (1 − ρ)·g²
        Δ = √(u + ε) / √(s + ε) · g
        u ← ρ·u + (1 − ρ)·Δ²
        w ← w − α·Δ

    Symbols: ``ρ`` = ``rho``, ``ε`` = ``eps``, ``α`` = ``lr`` (1.0 in the original method, which has
    none), ``λ`` = ``weight_decay``. Matches ``torch.optim.Adadelta`` (lr 1.0, ρ 0.9, ε 1e-6);
    Keras's default is lr 1e-3, ρ 0.95, ε 1e-7.
    """
    t = state.step + 1.0
    new_params, new_s, new_u = [], [], []
    for w, g, s, u in zip(params, grads, state.s, state.u):
        g = direction(g, w, weight_decay, maximize)
        eps_ = per_run(eps, w)
        s = ema_sq(s, g, rho)
        delta = torch.sqrt(u + eps_) / torch.sqrt(s + eps_) * g
        u = ema_sq(u, delta, rho)
        new_params.append(minus(w, lr, delta))
        new_s.append(s)
        new_u.append(u)
    return tuple(new_params), AdadeltaState(step=t, s=tuple(new_s), u=tuple(new_u))


class RMSpropState(NamedTuple):
    step: Tensor
    s: Tensors  #: running average of squared gradients
    g_avg: Tensors  #: running average of gradients (centered form only, else empty)
    b: Tensors  #: momentum buffer (with momentum only, else empty)


def rmsprop_init(
    params: Sequence[Tensor], *, momentum: Hyper = 0.0, centered: bool = False, initial_scale: Hyper = 0.0
) -> RMSpropState:
    """The state :func:`rmsprop_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0, the running average of squared gradients s = ``initial_scale`` (0 by default, as torch's and
    optax's; a number, or a tensor of one value per run), with ``centered`` the running average of gradients 0, and
    where ``momentum`` is not 0 the buffer b = 0 (``rmsprop_update`` refuses a state without what its switches
    need)."""
    with_momentum = isinstance(momentum, Tensor) or momentum != 0
    return RMSpropState(
        step=new_step(params),
        s=tuple(torch.zeros_like(p) + per_run(initial_scale, p) for p in params),
        g_avg=zeros_like(params) if centered else (),
        b=zeros_like(params) if with_momentum else (),
    )


@checked
def rmsprop_update(
    grads: Sequence[Tensor],
    state: RMSpropState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-2,
    alpha: Hyper = 0.99,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    momentum: Hyper = 0.0,
    centered: bool = False,
    maximize: bool = False,
    eps_mode: EpsMode = "outside",
    nesterov: bool = False,
    bias_correction: bool = False,
    lr_in_buffer: bool = False,
) -> tuple[Tensors, RMSpropState]:
    r"""RMSprop: divide the step by a running root mean square of the gradients.

    .. code-block:: text

        s ← β·s + (1 − β)·g²              (seed 004 eq. 9; s₀ = initial_scale, set in rmsprop_init)
        D = √s + ε                        (eq. 10; eps_mode="inside": √(s + ε))
        centered:  ḡ ← β·ḡ + (1 − β)·g,  D = √(s − ḡ²) + ε
        w ← w − α·g / D                   (no momentum)
        b ← μ·b + g / D,  w ← w − α·b     (momentum μ > 0)

    Symbols: ``β`` = ``alpha`` (torch's name for the decay; the seeds write β), ``α`` = ``lr``,
    ``ε`` = ``eps``, ``μ`` = ``momentum``, ``λ`` = ``weight_decay`` (added to ``g``). No bias
    correction by default, so the first steps are large (s starts at 0).

    Switches for the other libraries' forms (defaults are torch's):

    .. code-block:: text

        bias_correction=True:  s and ḡ are divided by 1 − βᵗ before D is formed:
                               ŝ = s/(1 − βᵗ), ḡ̂ = ḡ/(1 − βᵗ), D = √ŝ + ε or √(ŝ − ḡ̂²) + ε
        lr_in_buffer=True:     b ← μ·b + α·g / D,  w ← w − b          (optax, Keras)
        nesterov=True:         w ← w − (α·g / D + μ·b)                 with lr_in_buffer=True (optax)
                               w ← w − α·(g / D + μ·b)                 without (torch has no nesterov)
                               (b is updated first, as above; needs μ > 0)

    With a constant α, ``lr_in_buffer`` changes nothing but round-off; under a learning-rate schedule
    optax's and Keras's buffer keeps each step's own α, torch's multiplies the whole history by today's.
    Centered with bias correction, ``ŝ − ḡ̂²`` is 0 at t = 1 up to round-off (both are g² and g): with
    ε outside the root a round-off below 0 gives NaN, in optax as here; ε inside the root (optax's
    default) keeps it finite.

    Defaults are torch's (lr 1e-2, β 0.99, ε 1e-8 outside the root, s₀ = 0). optax's ``rmsprop`` uses
    β 0.9, ε 1e-8 inside the root (``eps_in_sqrt=True``) and puts the learning rate inside the momentum
    buffer (its ``trace`` comes after ``scale_by_learning_rate``); its ``initial_scale``,
    ``bias_correction`` and ``nesterov`` are the switches above. Keras uses ρ 0.9, ε 1e-7 inside the
    root and also puts α inside the buffer (``lr_in_buffer=True``). :mod:`descend.optim.conventions`
    holds both sets. Allowed ``β`` is ``[0, 1]``: torch also accepts β > 1, where ``1 − β < 0`` gives
    g² a negative weight, so s can turn negative and its root NaN; descend refuses it.
    """
    t = state.step + 1.0
    if not state.b and (isinstance(momentum, Tensor) or momentum != 0):
        raise ValueError("this RMSprop state has no momentum buffer: create it with rmsprop_init(params, momentum=...)")
    if centered and not state.g_avg:
        raise ValueError("this RMSprop state has no gradient average: create it with rmsprop_init(params, centered=True)")
    correction = _base.bias_correction(alpha, t) if bias_correction else None
    new_params, new_s, new_g_avg, new_b = [], [], [], []
    for i, (w, g, s) in enumerate(zip(params, grads, state.s)):
        g = direction(g, w, weight_decay, maximize)
        s = ema_sq(s, g, alpha)
        new_s.append(s)
        c = per_run(correction, w) if bias_correction else None
        s_hat = s / c if bias_correction else s
        if centered:
            g_avg = ema(state.g_avg[i], g, alpha)
            new_g_avg.append(g_avg)
            g_hat = g_avg / c if bias_correction else g_avg
            denominator = root(torch.addcmul(s_hat, g_hat, g_hat, value=-1), per_run(eps, w), eps_mode)  # torch's
        else:
            denominator = root(s_hat, per_run(eps, w), eps_mode)
        if state.b:
            mu = per_run(momentum, w)
            if lr_in_buffer:  # optax's and Keras's form: α inside the buffer
                step = per_run(lr, w) * g / denominator
                b = mu * state.b[i] + step
            else:  # torch's b.mul_(μ).addcdiv_(g, D), rounded alike (in float16 the sum of the two is rounded once)
                step = g / denominator if nesterov else None
                b = plus(mu * state.b[i], 1.0, g, denominator)
            new_b.append(b)
            d = step + mu * b if nesterov else b
            updated = w - d if lr_in_buffer else minus(w, lr, d)
            if not lr_in_buffer and isinstance(momentum, Tensor):  # a run whose μ is 0 among others' steps as it
                updated = torch.where(mu != 0, updated, minus(w, lr, g, denominator))  # does alone: w − (α·g)/D
            elif not lr_in_buffer and momentum == 0:  # (a buffer from a state trained beside others' momentum)
                updated = minus(w, lr, g, denominator)
            new_params.append(updated)
        else:
            new_params.append(minus(w, lr, g, denominator))
    return tuple(new_params), RMSpropState(step=t, s=tuple(new_s), g_avg=tuple(new_g_avg), b=tuple(new_b))
