"""A landscape and its critical points: :class:`CriticalPoint`, :class:`Landscape` (value, hand-derived gradient,
Hessian, plot domain, start), and :class:`NoisyLandscape`, an empirical risk over generated samples."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import torch
from torch import Tensor

from descend._checks import check_choice

if TYPE_CHECKING:
    from descend.data import Dataset
    from descend.models import Parametric

#: The kinds of critical point: "degenerate" is one whose Hessian is singular (the monkey saddle).
KINDS = ("minimum", "saddle", "maximum", "degenerate")

#: The card line of a landscape (and its task) with no minimum, going to −∞.
UNBOUNDED_NOTE = ("unbounded below: a run that escapes to −∞ is counted as diverged once |J| passes 10⁶ × max(|J₀|, 1) "
                  "(the rule of every run); one that falls slowly may end lower than any minimum within its budget")

#: The forms of :class:`NoisyLandscape`.
NOISE_FORMS = ("additive", "shift")

PI = math.pi


# ---------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    if isinstance(value, Tensor):
        return value.ndim == 0 and not value.is_complex() and value.dtype != torch.bool
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _point(arg: str, value: object, dim: int, names: Sequence[str]) -> tuple[float, ...]:
    """``value`` as a tuple of ``dim`` finite floats, or a ValueError naming ``arg``."""
    if isinstance(value, Tensor):
        value = value.detach().reshape(-1).tolist() if value.ndim <= 1 else value
    if (
        isinstance(value, (str, bytes))
        or not isinstance(value, Sequence)
        or len(value) != dim
        or not all(_is_number(v) for v in value)
    ):
        raise ValueError(
            f"{arg}={value!r} is not allowed; give {dim} number{'s' if dim > 1 else ''} ({', '.join(names)})"
        )
    point = tuple(float(v) for v in value)
    if not all(math.isfinite(v) for v in point):
        raise ValueError(f"{arg}={point!r} is not allowed; every coordinate must be finite")
    return point


def _domain(arg: str, value: object, dim: int, names: Sequence[str]) -> tuple[tuple[float, float], ...]:
    """``value`` as ``dim`` pairs ``(low, high)`` of finite floats with low < high; the ``2·dim`` numbers in a row
    too, as the command line writes them (``--task-option domain=4.99,6,-1,1``)."""
    example = ", ".join(f"({n}_low, {n}_high)" for n in names)
    flat = ",".join(f"{n}_low,{n}_high" for n in names)
    if (not isinstance(value, (str, bytes)) and isinstance(value, Sequence) and len(value) == 2 * dim
            and all(_is_number(v) for v in value)):
        value = tuple(zip(value[::2], value[1::2]))
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != dim:
        raise ValueError(f"{arg}={value!r} is not allowed; give one (low, high) pair per coordinate: ({example}), or "
                         f"the {2 * dim} numbers in a row: {flat}")
    pairs = []
    for name, pair in zip(names, value):
        low, high = _point(f"{arg} for {name}", pair, 2, ("low", "high"))
        if not low < high:
            raise ValueError(f"{arg} for {name} is ({low:g}, {high:g}); low must be less than high")
        pairs.append((low, high))
    return tuple(pairs)


def _positive(arg: str, value: object) -> float:
    if not _is_number(value) or not (math.isfinite(float(value)) and float(value) > 0):
        raise ValueError(f"{arg}={value!r} is not allowed; give a finite number > 0")
    return float(value)


def _as_tensors(coords: Sequence[object], names: Sequence[str]) -> tuple[Tensor, ...]:
    """Coordinates as floating-point tensors: Python numbers take the dtype of the first float tensor (float64
    if there is none), integer tensors become float64."""
    if len(coords) != len(names):
        raise ValueError(
            f"got {len(coords)} coordinate{'s' if len(coords) != 1 else ''}; give {len(names)}: ({', '.join(names)})"
        )
    dtype = next((c.dtype for c in coords if isinstance(c, Tensor) and c.is_floating_point()), torch.float64)
    out = []
    for name, c in zip(names, coords):
        if isinstance(c, Tensor):
            out.append(c if c.is_floating_point() else c.to(torch.float64))
        elif _is_number(c):
            out.append(torch.tensor(float(c), dtype=dtype))
        else:
            raise ValueError(f"{name}={c!r} must be a number or a real tensor")
    return tuple(out)


# ---------------------------------------------------------------------------------------------------------
# CriticalPoint and Landscape
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriticalPoint:
    """A point where ∇f = 0: its coordinates, f there, and its kind (one of :data:`KINDS`).

    ``is_global`` marks a global minimum. Coordinates are refined by Newton's method to full float64 precision.
    """

    point: tuple[float, ...]
    value: float
    kind: str
    is_global: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.point, (str, bytes)) or not isinstance(self.point, Sequence) or not self.point:
            raise ValueError(f"point={self.point!r} must be a non-empty sequence of coordinates")
        dim = len(self.point)
        object.__setattr__(self, "point", _point("point", self.point, dim, [f"t{i}" for i in range(dim)]))
        check_choice("kind", self.kind, KINDS)
        if not _is_number(self.value) or not math.isfinite(float(self.value)):
            raise ValueError(f"value={self.value!r} must be a finite number")
        object.__setattr__(self, "value", float(self.value))
        if self.is_global and self.kind != "minimum":
            raise ValueError(f"is_global=True is only allowed for a minimum, not a {self.kind}")

    def describe(self, kind: str | None = None) -> str:
        """``"global minimum (1, 1): f = 0"``; ``kind`` replaces the kind's word (``"degenerate saddle"``)."""
        kind = kind or (f"global {self.kind}" if self.is_global else self.kind)
        point = ", ".join(f"{v:.6g}" for v in self.point)
        return f"{kind} ({point}): f = {self.value:.6g}"


@dataclass(frozen=True, eq=False)
class Landscape:
    r"""A cost f(x, y) (or f(w)) with its hand-derived gradient, plot domain, start and critical points.

    ``f(*coords)`` works elementwise on float tensors of any broadcastable shape (torch operations only,
    vmap-friendly). ``grad(*coords)`` returns one tensor per coordinate, derived by hand; ``None`` (only for
    :func:`from_formula` landscapes) means autograd. Calling the landscape evaluates f; :meth:`gradient`,
    :meth:`hessian`, :meth:`grid`, :meth:`model`, :meth:`noisy` and :meth:`card` build on it.

    ``lr_range`` is a range of learning rates with which plain gradient descent from ``start`` stays finite
    and decreases f over a few hundred steps (for most landscapes the upper end is close to where it stops doing
    so; on Ackley and the three-hump camel GD still descends at 5-50 times it).
    ``log_scale`` says the contours read better with log colours (f spans many decades); ``smooth=False``
    marks a function that is not differentiable everywhere (Ackley, at its minimum); ``bounded_below=False``
    one that goes to −∞ (the saddles; McCormick outside its plot domain): a run that escapes downhill for
    ever is counted as diverged once its cost passes the engine's bound (:mod:`descend.outcomes`).
    ``more_minima=True`` says that the listed minima are those nearest the global one of a grid of many
    (Rastrigin, Ackley, Lévi N.13).

    ``exact_grad=True`` says that ``grad`` evaluates autograd's own operations on f, so that it gives autograd's
    gradient to the bit (Himmelblau's ``4xu + 2v`` is what the backward pass of ``u² + v²`` computes). Then
    :meth:`model` carries it and the engine takes it instead of autograd: fewer operations and no backward pass
    for the same numbers. Another hand-derived gradient is autograd's to round-off only, and round-off grows
    along a trajectory (a default comparison's numbers would change), so it is left to autograd in training.

    Landscapes compare by identity (``eq=False``), so a model built from one compares equal to another model
    built from the same landscape and start.
    """

    name: str
    title: str
    formula: str
    f: Callable[..., Tensor]
    grad: Callable[..., tuple[Tensor, ...]] | None
    domain: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    critical_points: tuple[CriticalPoint, ...]
    names: tuple[str, ...] = ("x", "y")
    log_scale: bool = False
    smooth: bool = True
    lr_range: tuple[float, float] = (1e-3, 1e-2)
    notes: str = ""
    bounded_below: bool = True
    more_minima: bool = False
    exact_grad: bool = False

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.exact_grad, bool):
            raise ValueError(f"exact_grad={self.exact_grad!r} must be True or False")
        if self.exact_grad and self.grad is None:
            raise ValueError("exact_grad=True needs a hand-derived grad (it says that grad gives autograd's bits)")
        if not isinstance(self.more_minima, bool):
            raise ValueError(f"more_minima={self.more_minima!r} must be True or False")
        if not isinstance(self.bounded_below, bool):
            raise ValueError(f"bounded_below={self.bounded_below!r} must be True or False")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name={self.name!r} must be a non-empty string")
        if not callable(self.f):
            raise ValueError(f"f={self.f!r} must be a function f(*coords) -> Tensor")
        if self.grad is not None and not callable(self.grad):
            raise ValueError(f"grad={self.grad!r} must be None or a function grad(*coords) -> tuple of tensors")
        names = self.names
        if isinstance(names, str) or not isinstance(names, Sequence) or not names or not all(
            isinstance(n, str) and n for n in names
        ):
            raise ValueError(f"names={names!r} must be a non-empty sequence of coordinate names")
        set_(self, "names", tuple(names))
        dim = len(self.names)
        set_(self, "domain", _domain("domain", self.domain, dim, self.names))
        set_(self, "start", _point("start", self.start, dim, self.names))
        points = tuple(self.critical_points)
        for p in points:
            if not isinstance(p, CriticalPoint) or len(p.point) != dim:
                raise ValueError(f"critical_points must hold CriticalPoint objects with {dim} coordinates, not {p!r}")
        set_(self, "critical_points", points)
        low, high = _point("lr_range", self.lr_range, 2, ("low", "high"))
        if not 0 < low <= high:
            raise ValueError(f"lr_range={self.lr_range!r} is not allowed; give (low, high) with 0 < low <= high")
        set_(self, "lr_range", (low, high))

    # -- evaluation ---------------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """The number of coordinates (2, or 1 for the parabola)."""
        return len(self.names)

    def __call__(self, *coords: Tensor | float) -> Tensor:
        """f at ``coords`` (tensors of any broadcastable shape, or numbers: a float64 0-d result)."""
        return self.f(*_as_tensors(coords, self.names))

    def gradient(self, *coords: Tensor | float) -> tuple[Tensor, ...]:
        """∇f at ``coords``, one tensor per coordinate of their broadcast shape: the hand-derived ``grad``, or
        autograd (``torch.func.grad``, so it also works inside ``vmap``) when there is none."""
        coords = torch.broadcast_tensors(*_as_tensors(coords, self.names))
        if self.grad is not None:
            g = self.grad(*coords)
        else:
            g = torch.func.grad(lambda *c: self.f(*c).sum(), argnums=tuple(range(self.dim)))(*coords)
        return tuple(torch.broadcast_to(gi, coords[0].shape) for gi in g)

    def hessian(self, point: Sequence[float] | Tensor) -> Tensor:
        """The ``[dim, dim]`` float64 Hessian of f at ``point``, by reverse-mode autograd twice (``torch.func.hessian``
        takes forward mode, whose first use in a process made torch 2.14 print a FutureWarning of its own)."""
        v = torch.tensor(_point("point", point, self.dim, self.names), dtype=torch.float64)
        return torch.func.jacrev(torch.func.jacrev(lambda u: self.f(*u.unbind())))(v)

    # -- critical points ----------------------------------------------------------------------------------

    def _of_kind(self, kind: str) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.kind == kind)

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return self._of_kind("minimum")

    @property
    def global_minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(p for p in self.critical_points if p.is_global)

    @property
    def saddles(self) -> tuple[CriticalPoint, ...]:
        """The saddle points, degenerate ones included (the monkey saddle's origin, where the Hessian is 0 and
        f takes values above and below f(p) arbitrarily close to p)."""
        return tuple(p for p in self.critical_points if p.kind == "saddle" or self._degenerate_saddle(p))

    def _degenerate_saddle(self, p: CriticalPoint) -> bool:
        """Whether a degenerate critical point is a saddle: f on a small circle around it is both above and
        below f(p)."""
        if p.kind != "degenerate" or self.dim != 2:
            return False
        radius = 1e-3 * (1.0 + max(abs(v) for v in p.point))
        angle = torch.linspace(0.0, 2 * PI, 33, dtype=torch.float64)[:-1]
        with torch.no_grad():
            ring = self.f(p.point[0] + radius * torch.cos(angle), p.point[1] + radius * torch.sin(angle)) - p.value
        return bool((ring > 0).any() and (ring < 0).any())

    def points_summary(self) -> str:
        """The critical points in a few words: ``"1 global minimum, 8 local minima (the nearest of many)"``,
        ``"1 degenerate saddle (0, 0): f = 0"``."""
        parts = []
        minima = self.minima
        best = [p for p in minima if p.is_global]
        if best:
            parts.append(f"{len(best)} global minim{'um' if len(best) == 1 else 'a'}")
        local = len(minima) - len(best)
        if local:
            parts.append(f"{local} local minim{'um' if local == 1 else 'a'}"
                         + (" (those nearest the global one; there are many more)" if self.more_minima else ""))
        saddles = self.saddles
        degenerate = [p for p in saddles if p.kind == "degenerate"]
        if len(saddles) > len(degenerate):
            n = len(saddles) - len(degenerate)
            parts.append(f"{n} saddle{'s' * (n != 1)}")
        parts += [p.describe("degenerate saddle") for p in degenerate]
        if self.maxima:
            parts.append(f"{len(self.maxima)} maxim{'um' if len(self.maxima) == 1 else 'a'}")
        return ", ".join(parts) or "none known"

    @property
    def maxima(self) -> tuple[CriticalPoint, ...]:
        return self._of_kind("maximum")

    # -- plots, models, noise -----------------------------------------------------------------------------

    def grid(self, n: int = 200, domain: Sequence[Sequence[float]] | None = None) -> tuple[Tensor, ...]:
        """A float64 grid for contour plots: ``X, Y, Z`` (``[n, n]`` meshgrid with ``indexing="xy"``, as
        matplotlib's ``contour(X, Y, Z)`` expects) over ``domain`` (default: the plot domain); for a 1-D
        landscape ``W, F`` (``[n]``)."""
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
            raise ValueError(f"n={n!r} is not allowed; give an integer >= 2 (points per coordinate)")
        domain = self.domain if domain is None else _domain("domain", domain, self.dim, self.names)
        axes = [torch.linspace(low, high, int(n), dtype=torch.float64) for low, high in domain]
        coords = torch.meshgrid(*axes, indexing="xy") if self.dim == 2 else tuple(axes)
        with torch.no_grad():
            values = torch.broadcast_to(self.f(*coords), coords[0].shape)
        return (*coords, values)

    def model(self, start: Sequence[float] | None = None, *, init_noise: float = 0.0) -> Parametric:
        """A :class:`descend.models.Parametric` cost surface (``uses_data=False``) for :func:`descend.fit` with
        ``data=None, loss="value"``: its parameters, named :attr:`names`, start at ``start`` (default: the
        landscape's), plus N(0, ``init_noise``²) jitter per run. With ``exact_grad`` it carries the hand-derived
        :attr:`grad`, which the engine then takes instead of autograd (the same numbers)."""
        from descend.models import Parametric

        start = self.start if start is None else _point("start", start, self.dim, self.names)
        return Parametric(_Cost(self), dict(zip(self.names, start)), init_noise=init_noise, uses_data=False,
                          grad=_CostGradient(self) if self.exact_grad else None)

    def noisy(self, m: int = 256, noise: float = 1.0, *, seed: int = 0, form: str = "additive") -> NoisyLandscape:
        """This landscape as an empirical risk over ``m`` generated samples: see :class:`NoisyLandscape`."""
        return NoisyLandscape(self, m, noise, seed=seed, form=form)

    def card(self) -> str:
        """A plain-text summary: title, formula, domain, start, critical points, learning rates, notes."""
        args = ", ".join(self.names)
        domain = ", ".join(f"{n} ∈ [{lo:g}, {hi:g}]" for n, (lo, hi) in zip(self.names, self.domain))
        lines = [
            f"{self.title} ({self.name})",
            f"  f({args}) = {self.formula}",
            f"  domain: {domain}" + (" (log colours)" if self.log_scale else ""),
            f"  start: ({', '.join(f'{v:g}' for v in self.start)})",
        ]
        if self.critical_points:
            lines.append("  critical points:")
            saddles = self.saddles
            lines += [f"    {p.describe('degenerate saddle' if p.kind == 'degenerate' and p in saddles else None)}"
                      for p in self.critical_points]
            if self.more_minima:
                lines.append("    (the minima nearest the global one; there are many more)")
        else:
            lines.append("  critical points: none known")
        lines.append(f"  learning rates for gradient descent: {self.lr_range[0]:g} to {self.lr_range[1]:g}")
        if not self.smooth:
            lines.append("  not differentiable everywhere")
        if not self.bounded_below:
            lines.append(f"  {UNBOUNDED_NOTE}")
        if self.notes:
            lines.append(f"  notes: {self.notes}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Landscape({self.name!r}: {self.formula})"


@dataclass(frozen=True)
class _Cost:
    """The ``fn`` of :meth:`Landscape.model`: f at the parameters (the data x is ignored)."""

    landscape: Landscape

    def __call__(self, p: dict[str, Tensor], x: object = None) -> Tensor:
        return self.landscape.f(*(p[n] for n in self.landscape.names))

    #: f works elementwise on coordinates of any shape (the :class:`Landscape` contract): the model calls it
    #: on all runs' coordinates at once instead of through vmap
    broadcasts = True

    def __repr__(self) -> str:
        return f"landscape({self.landscape.name!r})"


@dataclass(frozen=True)
class _CostGradient:
    """The ``grad`` of :meth:`Landscape.model`: the hand-derived ∇f at the parameters, one tensor per coordinate
    of the coordinates' shape (a constant component is broadcast to it)."""

    landscape: Landscape

    def __call__(self, p: dict[str, Tensor]) -> tuple[Tensor, ...]:
        coords = [p[n] for n in self.landscape.names]
        like = coords[0]
        return tuple(g if isinstance(g, Tensor) and g.shape == like.shape and g.dtype == like.dtype
                     else torch.broadcast_to(torch.as_tensor(g, dtype=like.dtype, device=like.device), like.shape)
                     for g in self.landscape.grad(*coords))

    def __repr__(self) -> str:
        return f"gradient({self.landscape.name!r})"


# ---------------------------------------------------------------------------------------------------------
# Noisy landscapes: an empirical risk over generated samples
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class NoisyLandscape:
    r"""A landscape as an empirical risk J(w) = (1/m) Σ_i ℓ_i(w) over m generated samples ξ_i.

    The samples ξ_i ∈ ℝ^dim (``samples``, ``[m, dim]`` float64) are drawn N(0, noise²) from a
    ``torch.Generator`` seeded with ``seed`` and then centred (their mean is subtracted), so Σ_i ξ_i = 0.
    A batch B of b samples gives the gradient (1/b) Σ_{i∈B} ∇ℓ_i(w): the full batch gives ∇J, smaller
    batches an unbiased estimate of it with genuine sampling noise (a data set, not noise added to a gradient).

    ``form="additive"``: ℓ_i(w) = f(w) + ξ_iᵀw. Then J(w) = f(w) + ξ̄ᵀw = f(w) exactly (ξ̄ = 0), with the same
    critical points, while a batch's gradient is ∇f(w) + ξ̄_B, where ξ̄_B is the mean of its ξ_i: noise of
    constant size ≈ noise/√b (times √(1 − b/m) for sampling without replacement), independent of w.

    ``form="shift"``: ℓ_i(w) = f(w − ξ_i), f seen from a shifted origin. J(w) = (1/m) Σ_i f(w − ξ_i) is f
    smoothed by the sample distribution (≈ f + ½ noise² Δf for small noise): its minima move and shallow ones
    can vanish. The gradient noise ∇f(w − ξ_i) − ∇J(w) ≈ ∇²f(w) ξ_i depends on the curvature at w.

    :meth:`dataset` is the data set (x = ξ, y = 0) and :meth:`model` the model whose output is the
    per-sample losses, for :func:`descend.fit` with ``loss="value"`` (the mean of those outputs)::

        noisy = get("rosenbrock").noisy(m=256, noise=1.0)
        descend.fit(model=noisy.model(), data=noisy.dataset(), loss="value", optimizer="sgd",
                    lr=1e-3, batch_size=[1, 16, 256], steps=500)
    """

    landscape: Landscape
    m: int
    noise: float
    seed: int = 0
    form: str = "additive"
    samples: Tensor = field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not isinstance(self.landscape, Landscape):
            raise ValueError(f"landscape must be a Landscape, not {type(self.landscape).__name__}")
        if isinstance(self.m, bool) or not isinstance(self.m, numbers.Integral) or self.m < 2:
            raise ValueError(f"m={self.m!r} is not allowed; give an integer >= 2 (the number of samples)")
        if not _is_number(self.noise) or not (math.isfinite(float(self.noise)) and float(self.noise) >= 0):
            raise ValueError(f"noise={self.noise!r} is not allowed; give a finite number >= 0 (the samples' std)")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral) or not 0 <= self.seed < 2**63:
            raise ValueError(f"seed={self.seed!r} is not allowed; give an integer in [0, 2**63)")
        check_choice("form", self.form, NOISE_FORMS)
        set_(self, "m", int(self.m))
        set_(self, "noise", float(self.noise))
        set_(self, "seed", int(self.seed))
        g = torch.Generator().manual_seed(self.seed)
        xi = self.noise * torch.randn(self.m, self.landscape.dim, generator=g, dtype=torch.float64)
        set_(self, "samples", xi - xi.mean(dim=0))

    @property
    def dim(self) -> int:
        return self.landscape.dim

    def losses(self, coords: Sequence[Tensor], xi: Tensor) -> Tensor:
        """ℓ(w; ξ) for coordinates of any broadcastable shape S and samples ``xi [..., dim]`` broadcastable
        against S: the per-sample losses, shape broadcast(S, xi.shape[:-1])."""
        f = self.landscape.f
        xi = xi.to(coords[0].dtype)
        if self.form == "additive":
            return f(*coords) + sum(c * xi[..., j] for j, c in enumerate(coords))
        return f(*(c - xi[..., j] for j, c in enumerate(coords)))

    def value(self, *coords: Tensor | float) -> Tensor:
        """The full-batch empirical risk J(w) = (1/m) Σ_i ℓ_i(w) at ``coords`` (any broadcastable shape)."""
        coords = torch.broadcast_tensors(*_as_tensors(coords, self.landscape.names))
        expanded = [c.unsqueeze(-1) for c in coords]  # a trailing sample axis
        return self.losses(expanded, self.samples.to(coords[0].device)).mean(dim=-1)

    def dataset(self, dtype: torch.dtype = torch.float32) -> Dataset:
        """The samples as a :class:`descend.data.Dataset`: x = ξ ``[m, dim]``, y = 0 ``[m]``, regression."""
        from descend.data import as_dataset

        names = [f"xi_{n}" for n in self.landscape.names]
        y = torch.zeros(self.m, dtype=torch.float64)
        return as_dataset(self.samples, y, kind="regression", feature_names=names, dtype=dtype)

    def model(self, start: Sequence[float] | None = None, *, init_noise: float = 0.0) -> Parametric:
        """A :class:`descend.models.Parametric` whose output for a batch x = ξ ``[B, dim]`` is the per-sample
        losses ``[B]``; with ``loss="value"`` the engine minimises their mean."""
        from descend.models import Parametric

        land = self.landscape
        start = land.start if start is None else _point("start", start, land.dim, land.names)
        return Parametric(
            _SampleLoss(self), dict(zip(land.names, start)), init_noise=init_noise, in_features=land.dim
        )

    def __repr__(self) -> str:
        return (
            f"NoisyLandscape({self.landscape.name!r}, m={self.m}, noise={self.noise:g}, seed={self.seed}, "
            f"form={self.form!r})"
        )


@dataclass(frozen=True)
class _SampleLoss:
    """The ``fn`` of :meth:`NoisyLandscape.model`: per-sample losses ℓ(w; ξ) for a batch ξ ``[B, dim]``."""

    noisy: NoisyLandscape

    def __call__(self, p: dict[str, Tensor], x: Tensor) -> Tensor:
        return self.noisy.losses([p[n] for n in self.noisy.landscape.names], x)

    def __repr__(self) -> str:
        return repr(self.noisy)
