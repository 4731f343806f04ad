r"""Hand-derived gradients from the seeds, as plain functions (no autograd).

They are the gradients the tutorials derive on paper, useful to check autograd, to run an optimizer on a
model without building a graph, and to teach. Notation (the seeds'): ŷ the prediction, y the target,
m (or N′) the number of samples, J (or L) the cost, w and b the weight and bias, w_A and w_B the ellipse's
semi-axes.

- :func:`linear_mse_grad` — linear regression ŷ = w·x + b with the cost J = (1/m) Σᵢ (ŷᵢ − yᵢ)².
- :func:`ellipse_predict`, :func:`ellipse_loss`, :func:`ellipse_grad` — the Earth-to-Mars transfer-orbit
  regression ŷ = w_B·√(1 − (x + c)²/w_A²) with the masked cost of eq. 18 and its hand-derived gradients.

Run axis: parameters may carry a leading run axis K (one value per run, e.g. K copies of the model being
trained with different optimizers); the gradients then have it too. The inputs ``x`` are shared by all
runs; the targets ``y`` are shared (``[m]``) or per run (``[K, m]``).
"""

from __future__ import annotations

import torch

from descend import losses

__all__ = [
    "ELLIPSE_OFFSET",
    "ellipse_grad",
    "ellipse_loss",
    "ellipse_predict",
    "linear_mse_grad",
]

#: The seed's x offset c of the transfer-orbit ellipse: half the distance between its foci, in AU.
ELLIPSE_OFFSET = 0.26185


# ---------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------


def _inputs(x: object, *, ndims: tuple[int, ...], shapes: str) -> torch.Tensor:
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"x must be a torch.Tensor, not {type(x).__name__}")
    if not x.is_floating_point():
        raise ValueError(f"x has dtype {x.dtype}; a floating-point tensor is required")
    if x.ndim not in ndims:
        raise ValueError(f"x has shape {list(x.shape)}; allowed shapes: {shapes}")
    if x.shape[0] == 0:
        raise ValueError(f"x has shape {list(x.shape)}: there are no samples (m = 0)")
    return x


def _param(name: str, value: object, x: torch.Tensor, *, max_ndim: int, shapes: str) -> torch.Tensor:
    """A parameter as a tensor of x's dtype; numbers become 0-d tensors."""
    if isinstance(value, bool) or not isinstance(value, (int, float, torch.Tensor)):
        raise ValueError(f"{name}={value!r} must be a number or a tensor ({shapes}), not {type(value).__name__}")
    if not isinstance(value, torch.Tensor):
        return torch.tensor(float(value), dtype=x.dtype, device=x.device)
    if value.is_complex() or not value.is_floating_point():
        raise ValueError(f"{name} has dtype {value.dtype}; a floating-point tensor is required")
    if value.ndim > max_ndim:
        raise ValueError(f"{name} has shape {list(value.shape)}; allowed shapes: {shapes}")
    return value


def _targets(y: object, x: torch.Tensor, m: int) -> torch.Tensor:
    if not isinstance(y, torch.Tensor):
        raise ValueError(f"y must be a torch.Tensor, not {type(y).__name__}")
    if y.is_complex():
        raise ValueError(f"y has dtype {y.dtype}; a real-valued tensor is required")
    if y.ndim not in (1, 2) or y.shape[-1] != m:
        raise ValueError(
            f"y has shape {list(y.shape)} but x has shape {list(x.shape)}: y must have shape [m] = [{m}] "
            f"(shared by all runs) or [K, m] = [K, {m}] (one per run)"
        )
    return y.to(x.dtype)


def _runs(named: dict[str, int | None]) -> int | None:
    """The common run count K of the arguments that have a run axis (None if none has); a mismatch is an error."""
    k, first = None, None
    for name, length in named.items():
        if length is None:
            continue
        if k is None:
            k, first = length, name
        elif length != k:
            raise ValueError(
                f"{name} has {length} runs but {first} has {k}: every argument with a run axis must have the same K"
            )
    return k


# ---------------------------------------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------------------------------------


def linear_mse_grad(
    w: torch.Tensor | float,
    b: torch.Tensor | float,
    x: torch.Tensor,
    y: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""Gradient of the MSE cost of linear regression, derived by hand.

    Model ŷᵢ = w·xᵢ + b, cost J(w, b) = (1/m) Σᵢ (ŷᵢ − yᵢ)². Then

        ∂J/∂w = (2/m) Σᵢ (ŷᵢ − yᵢ) xᵢ,        ∂J/∂b = (2/m) Σᵢ (ŷᵢ − yᵢ).

    (Seed 002 writes the cost with 1/(2n), which halves both gradients: that cost is
    :func:`descend.losses.half_mse`, ``loss="half-mse"``; here J is the plain mean, the same as
    :func:`descend.losses.mse`.)

    Supported shapes (K = number of runs):

    ==============  ===============  ==========  ==============  =============================
    x               w                b           y               returns (∂J/∂w, ∂J/∂b)
    ==============  ===============  ==========  ==============  =============================
    ``[m]``         number / ``[]``  ``[]``      ``[m]``         ``[]``, ``[]``
    ``[m, d]``      ``[d]``          ``[]``      ``[m]``         ``[d]``, ``[]``
    ``[m]``         ``[K]``          ``[K]``     ``[m]/[K, m]``  ``[K]``, ``[K]``
    ``[m, d]``      ``[K, d]``       ``[K]``     ``[m]/[K, m]``  ``[K, d]``, ``[K]``
    ==============  ===============  ==========  ==============  =============================

    If any of w, b, y has a run axis, both gradients are returned per run; an argument without the run
    axis is shared by (broadcast to) all runs. ``x`` is always shared.
    """
    x = _inputs(x, ndims=(1, 2), shapes="[m] (scalar w) or [m, d] (vector w of shape [d])")
    m = x.shape[0]
    if x.ndim == 1:
        w = _param("w", w, x, max_ndim=1, shapes="a number, [] or [K] for x of shape [m]")
        k_w = w.shape[0] if w.ndim == 1 else None
    else:
        d = x.shape[1]
        w = _param("w", w, x, max_ndim=2, shapes=f"[d] = [{d}] or [K, d] = [K, {d}] for x of shape [m, d]")
        if w.ndim == 0 or w.shape[-1] != d:
            raise ValueError(
                f"w has shape {list(w.shape)} but x has shape {list(x.shape)}: w must have shape [d] = [{d}] "
                f"or [K, d] = [K, {d}]"
            )
        k_w = w.shape[0] if w.ndim == 2 else None
    b = _param("b", b, x, max_ndim=1, shapes="a number, [] or [K]")
    y = _targets(y, x, m)
    _runs({"w": k_w, "b": b.shape[0] if b.ndim == 1 else None, "y": y.shape[0] if y.ndim == 2 else None})

    if x.ndim == 1:
        y_hat = (w.unsqueeze(-1) if w.ndim else w) * x
    else:
        y_hat = w @ x.T  # [m] or [K, m]
    y_hat = y_hat + (b.unsqueeze(-1) if b.ndim else b)
    residual = y_hat - y  # ŷᵢ − yᵢ: [m] or [K, m]

    grad_b = (2.0 / m) * residual.sum(dim=-1)
    if x.ndim == 1:
        grad_w = (2.0 / m) * (residual * x).sum(dim=-1)
    else:
        grad_w = (2.0 / m) * (residual @ x)
    return grad_w, grad_b


# ---------------------------------------------------------------------------------------------------------
# The transfer-orbit ellipse (seed 004)
# ---------------------------------------------------------------------------------------------------------


def _ellipse_parts(
    w_a: object, w_b: object, x: object, offset: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(x, w_a, w_b as [K, 1] or [], radicand, valid, s = √radicand on valid samples and 1 elsewhere)."""
    x = _inputs(x, ndims=(1,), shapes="[m]")
    if isinstance(offset, bool) or not isinstance(offset, (int, float)):
        raise ValueError(f"offset={offset!r} must be a number")
    shapes = "a number, [] or [K] (one value per run)"
    w_a = _param("w_a", w_a, x, max_ndim=1, shapes=shapes)
    w_b = _param("w_b", w_b, x, max_ndim=1, shapes=shapes)
    _runs({"w_a": w_a.shape[0] if w_a.ndim else None, "w_b": w_b.shape[0] if w_b.ndim else None})
    for name, value in (("w_a", w_a), ("w_b", w_b)):
        bad = ~torch.isfinite(value.detach())
        if bad.any():
            raise ValueError(f"{name}={value.detach()[bad].reshape(-1)[0].item():g} is not finite")
    zero = w_a.detach() == 0
    if zero.any():
        where = f" for run {int(zero.nonzero()[0])}" if w_a.ndim else ""
        raise ValueError(f"w_a=0{where} is not allowed: the model divides by w_A")
    a = w_a.unsqueeze(-1) if w_a.ndim else w_a
    b = w_b.unsqueeze(-1) if w_b.ndim else w_b
    radicand = 1.0 - (x + offset) ** 2 / a**2
    shape = torch.broadcast_shapes(radicand.shape, b.shape)
    radicand = radicand.expand(shape)
    valid = radicand > 0
    s = torch.sqrt(torch.where(valid, radicand, torch.ones((), dtype=x.dtype, device=x.device)))
    return x, a, b, radicand, valid, s


def ellipse_predict(
    w_a: torch.Tensor | float,
    w_b: torch.Tensor | float,
    x: torch.Tensor,
    offset: float = ELLIPSE_OFFSET,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The seed's transfer-orbit model (eq. 17): ŷᵢ = w_B·√(1 − (xᵢ + c)²/w_A²), c = ``offset``.

    Returns ``(y_hat, valid)``. A sample is valid where the radicand 1 − (xᵢ + c)²/w_A² is **strictly**
    positive; elsewhere (x beyond the end of an ellipse whose semi-axis w_A is shorter than the data's, where a
    sample may lie: the seed's square root is undefined there) ŷᵢ = 0 and ``valid`` is False. Strict, not
    ≥ 0, because ∂ŷ/∂w_A divides by √(radicand): at radicand = 0 the gradient is infinite, so such a sample is
    excluded like the seed's negative ones. The square root is only evaluated on valid samples, so autograd through
    ``y_hat`` never produces NaN.

    Shapes: ``x [m]``; ``w_a``, ``w_b`` numbers, 0-d, or ``[K]`` (one value per run) → ``y_hat`` and
    ``valid`` of shape ``[m]`` or ``[K, m]``. ``w_a`` must be finite and non-zero.
    """
    _, _, b, _, valid, s = _ellipse_parts(w_a, w_b, x, offset)
    zero = torch.zeros((), dtype=s.dtype, device=s.device)
    return torch.where(valid, b * s, zero), valid


def _ellipse_targets(y: object, x: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    y = _targets(y, x, x.shape[0])
    if y.ndim == 2 and valid.ndim == 2 and y.shape[0] != valid.shape[0]:
        raise ValueError(f"y has {y.shape[0]} runs but w_a/w_b have {valid.shape[0]}: give one target row per run")
    return y


def ellipse_loss(
    w_a: torch.Tensor | float,
    w_b: torch.Tensor | float,
    x: torch.Tensor,
    y: torch.Tensor,
    offset: float = ELLIPSE_OFFSET,
) -> torch.Tensor:
    r"""The seed's masked cost (eq. 18): L(w_A, w_B) = (1/N′) Σ_{i valid} (ŷᵢ − yᵢ)².

    N′ is the number of valid samples (see :func:`ellipse_predict`); invalid samples are excluded from the
    sum and from N′. If no sample is valid the loss is 0 (as in :func:`descend.losses.mse` with a mask).
    ``y`` is ``[m]`` or, with a run axis, ``[K, m]``; returns a 0-d tensor, or ``[K]`` with a run axis.
    Differentiable with autograd with respect to ``w_a`` and ``w_b``.
    """
    x = _inputs(x, ndims=(1,), shapes="[m]")
    y_hat, valid = ellipse_predict(w_a, w_b, x, offset)
    y = _ellipse_targets(y, x, valid)
    shape = torch.broadcast_shapes(y_hat.shape, y.shape)
    y_hat, valid = y_hat.expand(shape), valid.expand(shape)
    has_runs = len(shape) == 2
    return losses.mse(y_hat, y, mask=valid, runs=has_runs)


def ellipse_grad(
    w_a: torch.Tensor | float,
    w_b: torch.Tensor | float,
    x: torch.Tensor,
    y: torch.Tensor,
    offset: float = ELLIPSE_OFFSET,
) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The seed's hand-derived gradients of :func:`ellipse_loss` (seed 004's two equations numbered 29).

        ∂L/∂w_A = (1/N′) Σ_{i valid} 2(ŷᵢ − yᵢ) · (xᵢ + c)²/ŷᵢ · w_B²/w_A³

        ∂L/∂w_B = (1/N′) Σ_{i valid} 2(ŷᵢ − yᵢ) · ŷᵢ/w_B

    They are evaluated with ŷᵢ/w_B = √(1 − (xᵢ + c)²/w_A²) =: sᵢ substituted, i.e. as
    2(ŷᵢ − yᵢ)·(xᵢ + c)²·w_B/(sᵢ w_A³) and 2(ŷᵢ − yᵢ)·sᵢ: the same numbers, but also defined at w_B = 0,
    where the seed's forms are 0/0. sᵢ > 0 on valid samples (strict radicand, see
    :func:`ellipse_predict`). With no valid sample both gradients are 0.

    Returns ``(dL_dw_a, dL_dw_b)``: 0-d tensors, or ``[K]`` (per run) if w_a, w_b or y has a run axis.
    """
    x, a, b, _, valid, s = _ellipse_parts(w_a, w_b, x, offset)
    y = _ellipse_targets(y, x, valid)
    y_hat = b * s
    residual = y_hat - y  # ŷᵢ − yᵢ
    shape = residual.shape
    valid = valid.expand(shape)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    per_a = 2.0 * residual * (x + offset) ** 2 * b / (s * a**3)
    per_b = 2.0 * residual * s
    n_valid = valid.sum(dim=-1).to(x.dtype).clamp(min=1.0)  # N′ (0 valid → sums are 0 anyway)
    grad_a = torch.where(valid, per_a, zero).sum(dim=-1) / n_valid
    grad_b = torch.where(valid, per_b, zero).sum(dim=-1) / n_valid
    return grad_a, grad_b
