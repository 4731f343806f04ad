"""Adam and its relatives: AdamW, AMSGrad, Adamax, NAdam, RAdam.

Notation (seeds 003-004): ``w`` parameters, ``g`` gradient, ``α`` learning rate, ``t`` step count,
``v`` the first moment (EMA of ``g``, the seeds' V_dW; torch's ``exp_avg``, optax's ``mu``), ``s`` the
second moment (EMA of ``g²``, the seeds' S_dW; torch's ``exp_avg_sq``, optax's ``nu``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

import torch
from torch import Tensor

from ._base import (
    Hyper,
    Tensors,
    checked,
    _nonzero,
    bias_correction,
    direction,
    ema,
    ema_sq,
    in_float64,
    minus,
    new_step,
    over,
    per_run,
    per_step,
    with_weight_decay,
    zeros_like,
)

AdamEpsMode = Literal["outside", "inside", "uncorrected"]


class AdamState(NamedTuple):
    step: Tensor
    v: Tensors  #: first moment, EMA of g
    s: Tensors  #: second moment, EMA of g²
    s_max: Tensors  #: running maximum of s (AMSGrad only, else empty)


def adam_init(params: Sequence[Tensor], *, amsgrad: bool = False) -> AdamState:
    """The state :func:`adam_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0 and the moments v = 0 and s = 0; with ``amsgrad`` (which ``adam_update(..., amsgrad=True)`` needs)
    also their running maximum, 0."""
    return AdamState(
        step=new_step(params),
        v=zeros_like(params),
        s=zeros_like(params),
        s_max=zeros_like(params) if amsgrad else (),
    )


@checked
def adam_update(
    grads: Sequence[Tensor],
    state: AdamState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-3,
    beta1: Hyper = 0.9,
    beta2: Hyper = 0.999,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    decoupled_weight_decay: bool = False,
    amsgrad: bool = False,
    maximize: bool = False,
    eps_mode: AdamEpsMode = "outside",
    amsgrad_max: Literal["raw", "corrected"] = "raw",
    eps_root: Hyper = 0.0,
) -> tuple[Tensors, AdamState]:
    r"""Adam: momentum on the gradient divided by a running RMS, both bias-corrected.

    .. code-block:: text

        v ← β₁·v + (1 − β₁)·g                    (seed 004 eq. 11)
        v̂ = v / (1 − β₁ᵗ)                        (eq. 12)
        s ← β₂·s + (1 − β₂)·g²                   (eq. 13)
        ŝ = s / (1 − β₂ᵗ)                        (eq. 14)
        w ← w − α·v̂ / (√ŝ + ε)                   (eq. 15)

    Symbols: ``α`` = ``lr``, ``β₁`` = ``beta1``, ``β₂`` = ``beta2``, ``ε`` = ``eps``,
    ``λ`` = ``weight_decay``: added to ``g`` (L2, torch's Adam) or, with
    ``decoupled_weight_decay=True`` (AdamW), applied as ``w ← w·(1 − αλ)`` before the moments.
    AMSGrad (``amsgrad=True``) divides by the running maximum of the second moment instead of ŝ.
    Seed 003 prints the correction as ``(1 − β)ᵗ``: a typo for ``1 − βᵗ``; seed 002 corrects ``m_{t+1}``
    with ``1 − β₁ᵗ`` (one step behind, and a division by zero at t = 0): here t counts the updates, 1 at the
    first (torch's, optax's, the paper's). Seed 004 gives β₂ = 0.99 as the usual value; the default is the
    paper's and torch's 0.999 (``beta2=0.99`` for the seed's).

    Where libraries differ (defaults are torch's; switches reproduce the others):

    - ``eps_mode="outside"``: ε after the bias-corrected root, ``√ŝ + ε`` (torch, optax, the seeds).
      ``"uncorrected"``: Keras's "ε-hat" form ``α·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·v / (√s + ε)`` (Keras's
      ε is 1e-7). ``"inside"``: ``√(ŝ + ε)``, optax's ``eps_root`` with ``eps=0``.
    - ``eps_root`` = ``ε̄`` (optax's ``eps_root``, default 0) is added inside the root as well, so
      that ε and ε̄ can both be non-zero:

      .. code-block:: text

          w ← w − α·v̂ / (√(ŝ + ε̄) + ε)                  eps_mode="outside" (optax's adam)
          w ← w − α·v̂ / √(ŝ + ε + ε̄)                    eps_mode="inside"
          w ← w − α·v̂ / (√(ŝ + ε̄) + ε/√(1 − β₂ᵗ))        eps_mode="uncorrected"

    - ``amsgrad_max="raw"``: torch's ``s_max ← max(s_max, s)``, then divided by ``1 − β₂ᵗ``;
      ``"corrected"``: optax's ``s_max ← max(s_max, ŝ)`` (ŝ is then ``s_max`` in the lines above).

    :mod:`descend.optim.conventions` holds optax's and Keras's settings (``preset("adam", "keras")``).
    """
    t = state.step + 1.0
    c1, c2 = bias_correction(beta1, t), bias_correction(beta2, t)
    # √(1 − β₂ᵗ) and ε/√(1 − β₂ᵗ) in float64, then met by the parameters (torch's math.sqrt of a Python number): a
    # root of 1 − β₂ᵗ rounded to float32 first made a run with its own β₂ differ from the same run alone
    root_c2 = per_step(torch.sqrt(c2))
    if amsgrad and not state.s_max:
        raise ValueError("this Adam state has no running maximum: create it with adam_init(params, amsgrad=True)")
    new_params, new_v, new_s, new_s_max = [], [], [], []
    for i, (w, g, v, s) in enumerate(zip(params, grads, state.v, state.s)):
        g, w = with_weight_decay(g, w, lr, weight_decay, decoupled_weight_decay, maximize)
        v = ema(v, g, beta1)
        s = ema_sq(s, g, beta2)
        new_v.append(v)
        new_s.append(s)
        c2_, eps_ = per_run(c2, w), per_run(eps, w)
        if amsgrad:
            s_max = torch.maximum(state.s_max[i], s if amsgrad_max == "raw" else s / c2_)
            new_s_max.append(s_max)
            s_used, corrected = s_max, amsgrad_max == "corrected"
        else:
            s_used, corrected = s, False
        if eps_mode == "inside" or _nonzero(eps_root):  # the forms that use ŝ itself (the others take √s)
            s_hat = s_used if corrected else s_used / c2_
        if eps_mode == "inside":
            denominator = torch.sqrt(s_hat + eps_ + per_run(eps_root, w) if _nonzero(eps_root) else s_hat + eps_)
        else:
            # √ŝ = √s / √(1 − β₂ᵗ), in torch's order so that both round alike
            plain = (lambda: torch.sqrt(s_used) if corrected else torch.sqrt(s_used) / per_run(root_c2, w))
            if _nonzero(eps_root):
                sqrt_s_hat = torch.sqrt(s_hat + per_run(eps_root, w))
                if isinstance(eps_root, Tensor):  # a run whose ε̄ is 0 among others' steps as it does alone
                    sqrt_s_hat = torch.where(per_run(eps_root, w) != 0, sqrt_s_hat, plain())
            else:
                sqrt_s_hat = plain()
            # Keras's ε-hat puts ε on the uncorrected root: (√s + ε)/√(1 − β₂ᵗ) = √ŝ + ε/√(1 − β₂ᵗ)
            denominator = sqrt_s_hat + (eps_ if eps_mode == "outside" else per_run(over(in_float64(eps), root_c2), w))
        new_params.append(minus(w, over(in_float64(lr), c1), v, denominator))
    new_state = AdamState(step=t, v=tuple(new_v), s=tuple(new_s), s_max=tuple(new_s_max))
    return tuple(new_params), new_state


class AdamaxState(NamedTuple):
    step: Tensor
    v: Tensors  #: first moment, EMA of g
    u: Tensors  #: exponentially weighted infinity norm of g


def adamax_init(params: Sequence[Tensor]) -> AdamaxState:
    """The state :func:`adamax_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0, the first moment v = 0 and the infinity norm u = 0."""
    return AdamaxState(step=new_step(params), v=zeros_like(params), u=zeros_like(params))


@checked
def adamax_update(
    grads: Sequence[Tensor],
    state: AdamaxState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 2e-3,
    beta1: Hyper = 0.9,
    beta2: Hyper = 0.999,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    maximize: bool = False,
    eps_mode: Literal["inside", "outside"] = "inside",
) -> tuple[Tensors, AdamaxState]:
    r"""Adamax: Adam with the second moment replaced by an infinity norm.

    .. code-block:: text

        v ← β₁·v + (1 − β₁)·g
        u ← max(β₂·u, |g| + ε)            eps_mode="inside"  (torch, optax)
        w ← w − α / (1 − β₁ᵗ) · v / u

        u ← max(β₂·u, |g|)                eps_mode="outside" (Keras)
        w ← w − α / (1 − β₁ᵗ) · v / (u + ε)

    Symbols: ``α`` = ``lr``, ``β₁`` = ``beta1``, ``β₂`` = ``beta2``, ``ε`` = ``eps``,
    ``λ`` = ``weight_decay`` (added to ``g``). Matches ``torch.optim.Adamax`` and ``optax.adamax``
    (0.2.8: ``max(|g| + ε, β₂·u)``, ε inside the max) by default; Keras's ``Adamax`` (ε 1e-7, lr 1e-3)
    with ``eps_mode="outside"``. The two differ once ``β₂·u`` wins the max: torch's ε then decays
    with u, Keras's stays ε.
    """
    t = state.step + 1.0
    c1 = bias_correction(beta1, t)
    new_params, new_v, new_u = [], [], []
    for w, g, v, u in zip(params, grads, state.v, state.u):
        g = direction(g, w, weight_decay, maximize)
        v = ema(v, g, beta1)
        if eps_mode == "inside":
            u = torch.maximum(per_run(beta2, w) * u, g.abs() + per_run(eps, w))
            denominator = u
        else:
            u = torch.maximum(per_run(beta2, w) * u, g.abs())
            denominator = u + per_run(eps, w)
        new_params.append(minus(w, over(in_float64(lr), c1), v, denominator))
        new_v.append(v)
        new_u.append(u)
    return tuple(new_params), AdamaxState(step=t, v=tuple(new_v), u=tuple(new_u))


class NAdamState(NamedTuple):
    step: Tensor
    mu_product: Tensor  #: Πₜ = μ₁·μ₂⋯μₜ, the product of the momentum schedule (1 at t = 0)
    v: Tensors
    s: Tensors


def nadam_init(params: Sequence[Tensor]) -> NAdamState:
    """The state :func:`nadam_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0, the product of the momentum schedule Πμ = 1 and the moments v = 0 and s = 0."""
    step = new_step(params)
    return NAdamState(step=step, mu_product=torch.ones_like(step), v=zeros_like(params), s=zeros_like(params))


@checked
def nadam_update(
    grads: Sequence[Tensor],
    state: NAdamState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 2e-3,
    beta1: Hyper = 0.9,
    beta2: Hyper = 0.999,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    momentum_decay: Hyper = 4e-3,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
    momentum_schedule: bool = True,
    eps_root: Hyper = 0.0,
) -> tuple[Tensors, NAdamState]:
    r"""NAdam: Adam with Nesterov momentum (Dozat 2016), in torch.optim.NAdam's form.

    .. code-block:: text

        μₜ = β₁·(1 − ½·0.96^(t·ψ)),   Πₜ = μ₁⋯μₜ
        v ← β₁·v + (1 − β₁)·g,   s ← β₂·s + (1 − β₂)·g²
        D = √(s / (1 − β₂ᵗ)) + ε
        w ← w − α·(1 − μₜ)/(1 − Πₜ)·g/D − α·μₜ₊₁/(1 − Πₜ·μₜ₊₁)·v/D

    Symbols: ``α`` = ``lr``, ``β₁`` = ``beta1``, ``β₂`` = ``beta2``, ``ε`` = ``eps``,
    ``ψ`` = ``momentum_decay``, ``λ`` = ``weight_decay`` (added to ``g``, or ``w ← w(1 − αλ)`` with
    ``decoupled_weight_decay=True``).

    Where libraries differ (defaults are torch's):

    - Keras's ``Nadam`` uses ``μₜ = β₁(1 − ½·0.96ᵗ)``: this form with ``ψ = 1`` (and ε 1e-7).
    - optax's ``nadam`` has no momentum schedule, ``momentum_schedule=False``:

      .. code-block:: text

          μₜ = β₁ for every t,  Πₜ = β₁ᵗ
          w ← w − α·(1 − β₁)/(1 − β₁ᵗ)·g/D − α·β₁/(1 − β₁ᵗ⁺¹)·v/D

      which is optax's ``m̂ = β₁·v/(1 − β₁ᵗ⁺¹) + (1 − β₁)·g/(1 − β₁ᵗ)``; ψ is then unused (no finite
      ψ gives it: ``ψ = 0`` is ``μₜ = β₁/2``, only ψ → ∞ tends to it).
    - ``eps_root`` = ``ε̄`` (optax's, default 0): ``D = √(s/(1 − β₂ᵗ) + ε̄) + ε``.
    """
    t = state.step + 1.0
    c2 = bias_correction(beta2, t)
    beta1_, psi = in_float64(beta1), in_float64(momentum_decay)
    if momentum_schedule:
        mu = beta1_ * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1_ * (1.0 - 0.5 * 0.96 ** ((t + 1.0) * psi))
    else:
        mu = mu_next = beta1_ * torch.ones_like(t)
    # Πₜ is kept in its state's dtype: float64 from nadam_init; torch.optim.NAdam keeps it in the default dtype
    # (float32 unless changed), and descend's class does as torch does. torch multiplies by a number μ rounded to
    # that dtype first, by a tensor μ (tensor betas or ψ) in the wider dtype, rounded once: so does this
    if isinstance(beta1, Tensor) or isinstance(momentum_decay, Tensor):
        mu_product = (state.mu_product.to(torch.float64) * mu).to(state.mu_product.dtype)
    else:
        mu_product = state.mu_product * mu.to(state.mu_product.dtype)
    product = mu_product.to(torch.float64)  # and used in float64, as torch does
    # the two steps' weights α·(1 − μₜ)/(1 − Πₜ) and α·μₜ₊₁/(1 − Πₜ·μₜ₊₁) in float64, in torch's order
    gradient_weight = per_step(in_float64(lr) * (1.0 - mu) / (1.0 - product))
    momentum_weight = per_step(in_float64(lr) * mu_next / (1.0 - product * mu_next))
    new_params, new_v, new_s = [], [], []
    for w, g, v, s in zip(params, grads, state.v, state.s):
        g, w = with_weight_decay(g, w, lr, weight_decay, decoupled_weight_decay, maximize)
        v = ema(v, g, beta1)
        s = ema_sq(s, g, beta2)
        s_hat = s / per_run(c2, w)
        denominator = torch.sqrt(s_hat + per_run(eps_root, w) if _nonzero(eps_root) else s_hat) + per_run(eps, w)
        # each of the two steps rounded as torch's addcdiv_ rounds it
        new_params.append(minus(minus(w, gradient_weight, g, denominator), momentum_weight, v, denominator))
        new_v.append(v)
        new_s.append(s)
    return tuple(new_params), NAdamState(step=t, mu_product=mu_product, v=tuple(new_v), s=tuple(new_s))


class RAdamState(NamedTuple):
    step: Tensor
    v: Tensors
    s: Tensors


def radam_init(params: Sequence[Tensor]) -> RAdamState:
    """The state :func:`radam_update` starts from for ``params`` (tensors ``[K, ...]`` with a run axis, or one
    run's): t = 0 and the moments v = 0 and s = 0."""
    return RAdamState(step=new_step(params), v=zeros_like(params), s=zeros_like(params))


@checked
def radam_update(
    grads: Sequence[Tensor],
    state: RAdamState,
    params: Sequence[Tensor],
    *,
    lr: Hyper = 1e-3,
    beta1: Hyper = 0.9,
    beta2: Hyper = 0.999,
    eps: Hyper = 1e-8,
    weight_decay: Hyper = 0.0,
    decoupled_weight_decay: bool = False,
    maximize: bool = False,
    eps_mode: Literal["uncorrected", "outside"] = "uncorrected",
    threshold_inclusive: bool = False,
    eps_root: Hyper = 0.0,
) -> tuple[Tensors, RAdamState]:
    r"""RAdam: Adam whose adaptive step is switched on only once the variance of ŝ is tractable.

    .. code-block:: text

        v, s as Adam;  v̂ = v / (1 − β₁ᵗ)
        ρ∞ = 2/(1 − β₂) − 1,   ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
        ρₜ > 5:  rₜ = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ))
                 w ← w − α·v̂·rₜ·√(1 − β₂ᵗ) / (√s + ε)
        else:    w ← w − α·v̂                      (momentum SGD while the variance is undefined)

    Symbols: ``α`` = ``lr``, ``β₁`` = ``beta1``, ``β₂`` = ``beta2``, ``ε`` = ``eps`` (on the
    uncorrected root, as torch), ``λ`` = ``weight_decay`` (added to ``g``, or decoupled).

    optax's ``radam`` (switches; defaults are torch's):

    .. code-block:: text

        eps_mode="outside":        w ← w − α·v̂·rₜ / (√ŝ + ε),  ŝ = s/(1 − βᵗ₂)    (ε on the corrected root)
        threshold_inclusive=True:  the rectified step from ρₜ ≥ 5 (torch: ρₜ > 5)
        eps_root = ε̄ (default 0):  √ŝ becomes √(ŝ + ε̄)  (with "uncorrected": ε/√(1 − β₂ᵗ) is added to it)

    The torch form equals ``eps_mode="outside"`` with ε/√(1 − β₂ᵗ) in place of ε, so the two differ
    only through ε, most in the first rectified steps. ρₜ = 5 exactly is rare (it needs a β₂ for which
    the computed ρₜ lands on 5.0) but then the two take different branches.
    """
    t = state.step + 1.0
    c1, c2 = bias_correction(beta1, t), bias_correction(beta2, t)
    b2 = in_float64(beta2)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2**t / c2
    adaptive = per_step(rho_t >= 5 if threshold_inclusive else rho_t > 5)
    ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
    r_t = torch.sqrt(torch.where(adaptive, ratio, torch.ones_like(ratio)))
    plain_rectification = per_step(r_t * torch.sqrt(c2))  # torch's order, on the uncorrected root
    rectification = plain_rectification if eps_mode == "uncorrected" and not _nonzero(eps_root) else per_step(r_t)
    new_params, new_v, new_s = [], [], []
    for w, g, v, s in zip(params, grads, state.v, state.s):
        g, w = with_weight_decay(g, w, lr, weight_decay, decoupled_weight_decay, maximize)
        v = ema(v, g, beta1)
        s = ema_sq(s, g, beta2)
        v_hat = v / per_run(c1, w)
        eps_ = per_run(eps, w)
        if eps_mode == "uncorrected" and not _nonzero(eps_root):  # torch's order: rₜ·√(1 − β₂ᵗ)/(√s + ε)
            denominator = torch.sqrt(s) + eps_
        else:
            c2_ = per_run(c2, w)
            s_hat = s / c2_ + per_run(eps_root, w) if _nonzero(eps_root) else s / c2_
            # ε/√(1 − β₂ᵗ) in float64 (as Adam's)
            denominator = torch.sqrt(s_hat) + (eps_ if eps_mode == "outside"
                                               else per_run(over(in_float64(eps), per_step(torch.sqrt(c2))), w))
        scale = per_run(rectification, w) / denominator
        if eps_mode == "uncorrected" and isinstance(eps_root, Tensor):  # a run whose ε̄ is 0 among others' steps
            # as it does alone: torch's order
            scale = torch.where(per_run(eps_root, w) != 0, scale,
                                per_run(plain_rectification, w) / (torch.sqrt(s) + eps_))
        step = torch.where(per_run(adaptive, w), v_hat * scale, v_hat)
        new_params.append(w - per_run(lr, w) * step)
        new_v.append(v)
        new_s.append(s)
    return tuple(new_params), RAdamState(step=t, v=tuple(new_v), s=tuple(new_s))

