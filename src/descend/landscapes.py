r"""Loss landscapes: small functions f(x, y) on which to watch and compare optimizers.

A *landscape* is a cost J(w) of a few parameters (two, ``w = (x, y)``, or one for the 1-D parabola) that
is cheap to evaluate everywhere, so its contours can be drawn and an optimizer's path traced across them.
The classic test functions are here with what a plot or a test needs: the formula as code (``f``, torch
operations only, elementwise on tensors of any broadcastable shape and vmap-friendly) and as readable text,
its gradient derived by hand (``grad``, checked against autograd and finite differences in the tests), a
plot domain, a standard start point, every critical point (minima, saddles, maxima) to full float64
precision, and a range of learning rates that works for plain gradient descent from the start.

>>> from descend.landscapes import get
>>> rosen = get("rosenbrock")
>>> rosen.formula
'(1 − x)² + 100(y − x²)²'
>>> rosen(1.0, 1.0), rosen.gradient(-1.5, 2.0)
(tensor(0., dtype=torch.float64), (tensor(-155., dtype=torch.float64), tensor(-50., dtype=torch.float64)))
>>> [p.point for p in rosen.global_minima]
[(1.0, 1.0)]
>>> import descend
>>> runs = descend.fit(model=rosen.model(), loss="value", optimizer=["gd", "momentum"], lr=1e-3, steps=20)
>>> runs.paths[0].shape  # the path of run 0 (gd): the start and 20 steps in (x, y)
(21, 2)

A landscape becomes a model for :func:`descend.fit` with :meth:`Landscape.model` (data ``None``,
``loss="value"``): the parameters are the coordinates, named ``("x", "y")``, so the recorded path of a
run is its trajectory on the plot. Such a model has exact gradients: every "step" sees the same J.

**Genuine gradient noise.** :meth:`Landscape.noisy` turns f into an empirical risk over m generated samples
ξ_1..ξ_m, J(w) = (1/m) Σ_i ℓ_i(w), so that full-batch, mini-batch and single-sample gradients differ the way
they do for real data (see :class:`NoisyLandscape`). Its model takes the samples as data.

**Your own formula.** :func:`from_formula` makes a landscape from text such as ``"x**2 + 3*sin(y)"``
(parsed safely by :mod:`descend.formula`); its gradient comes from autograd and it has no known critical
points.

The registry :data:`LANDSCAPES` holds every named landscape; :func:`get` finds one by name. The formulas and
critical points follow the reference table ``landscapes.md``; each was re-derived and refined by Newton's
method (public visualisations get some of them wrong).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from descend._checks import check_choice, close_matches

__all__ = [
    "KINDS",
    "LANDSCAPES",
    "NOISE_FORMS",
    "CriticalPoint",
    "Landscape",
    "NoisyLandscape",
    "from_formula",
    "get",
    "parabola",
    "quadratic",
]

#: The kinds of critical point: "degenerate" is one whose Hessian is singular (the monkey saddle).
KINDS = ("minimum", "saddle", "maximum", "degenerate")

#: The card line of a landscape (and its task) with no minimum, going to −∞.
UNBOUNDED_NOTE = "unbounded below: a run that escapes to −∞ is counted as diverged"

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
    """``value`` as ``dim`` pairs ``(low, high)`` of finite floats with low < high."""
    example = ", ".join(f"({n}_low, {n}_high)" for n in names)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != dim:
        raise ValueError(f"{arg}={value!r} is not allowed; give one (low, high) pair per coordinate: ({example})")
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

    def describe(self) -> str:
        """``"global minimum (1, 1): f = 0"``."""
        kind = f"global {self.kind}" if self.is_global else self.kind
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
    and decreases f over a few hundred steps (the upper end is close to where it stops doing so).
    ``log_scale`` says the contours read better with log colours (f spans many decades); ``smooth=False``
    marks a function that is not differentiable everywhere (Ackley, at its minimum); ``bounded_below=False``
    one that goes to −∞ (the saddles; McCormick outside its plot domain): a run that escapes downhill for
    ever is counted as diverged once its cost passes the engine's bound (:mod:`descend.outcomes`).

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

    def __post_init__(self) -> None:
        set_ = object.__setattr__
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
        """The ``[dim, dim]`` float64 Hessian of f at ``point``, by ``torch.func.hessian``."""
        v = torch.tensor(_point("point", point, self.dim, self.names), dtype=torch.float64)
        return torch.func.hessian(lambda u: self.f(*u.unbind()))(v)

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
        return self._of_kind("saddle")

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

    def model(self, start: Sequence[float] | None = None, *, init_noise: float = 0.0):
        """A :class:`descend.models.Parametric` cost surface (``uses_data=False``) for :func:`descend.fit` with
        ``data=None, loss="value"``: its parameters, named :attr:`names`, start at ``start`` (default: the
        landscape's), plus N(0, ``init_noise``²) jitter per run."""
        from descend.models import Parametric

        start = self.start if start is None else _point("start", start, self.dim, self.names)
        return Parametric(_Cost(self), dict(zip(self.names, start)), init_noise=init_noise, uses_data=False)

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
            lines += [f"    {p.describe()}" for p in self.critical_points]
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

    def __repr__(self) -> str:
        return f"landscape({self.landscape.name!r})"


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

    def dataset(self, dtype: torch.dtype = torch.float32):
        """The samples as a :class:`descend.data.Dataset`: x = ξ ``[m, dim]``, y = 0 ``[m]``, regression."""
        from descend.data import as_dataset

        names = [f"xi_{n}" for n in self.landscape.names]
        y = torch.zeros(self.m, dtype=torch.float64)
        return as_dataset(self.samples, y, kind="regression", feature_names=names, dtype=dtype)

    def model(self, start: Sequence[float] | None = None, *, init_noise: float = 0.0):
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


# ---------------------------------------------------------------------------------------------------------
# The functions, each f next to its hand-derived gradient
# ---------------------------------------------------------------------------------------------------------


def _rosenbrock(x: Tensor, y: Tensor) -> Tensor:
    """Rosenbrock: (1 − x)² + 100(y − x²)²."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return -2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)


def _beale(x: Tensor, y: Tensor) -> Tensor:
    """Beale: (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    dx = 2 * (t1 * (y - 1) + t2 * (y**2 - 1) + t3 * (y**3 - 1))
    dy = 2 * x * (t1 + 2 * t2 * y + 3 * t3 * y**2)
    return dx, dy


def _booth(x: Tensor, y: Tensor) -> Tensor:
    """Booth: (x + 2y − 7)² + (2x + y − 5)²."""
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _booth_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    u, v = x + 2 * y - 7, 2 * x + y - 5
    return 2 * u + 4 * v, 4 * u + 2 * v


def _himmelblau(x: Tensor, y: Tensor) -> Tensor:
    """Himmelblau: (x² + y − 11)² + (x + y² − 7)²."""
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    u, v = x**2 + y - 11, x + y**2 - 7
    return 4 * x * u + 2 * v, 2 * u + 4 * y * v


def _goldstein_price_parts(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Goldstein–Price is A·B with A = 1 + s²P and B = 30 + d²Q: returns s, P, ∂P/∂x (= ∂P/∂y), d, Q."""
    s = x + y + 1
    p = 19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2
    d = 2 * x - 3 * y
    q = 18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2
    return s, p, -14 + 6 * x + 6 * y, d, q


def _goldstein_price(x: Tensor, y: Tensor) -> Tensor:
    """Goldstein–Price: [1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y
    − 36xy + 27y²)]."""
    s, p, _, d, q = _goldstein_price_parts(x, y)
    return (1 + s**2 * p) * (30 + d**2 * q)


def _goldstein_price_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    s, p, dp, d, q = _goldstein_price_parts(x, y)
    a, b = 1 + s**2 * p, 30 + d**2 * q
    da = 2 * s * p + s**2 * dp  # ∂A/∂x = ∂A/∂y
    db_dx = 4 * d * q + d**2 * (-32 + 24 * x - 36 * y)
    db_dy = -6 * d * q + d**2 * (48 - 36 * x + 54 * y)
    return da * b + a * db_dx, da * b + a * db_dy


def _saddle(x: Tensor, y: Tensor) -> Tensor:
    """Saddle: x² − y²."""
    return x**2 - y**2


def _saddle_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2 * x, -2 * y


def _monkey_saddle(x: Tensor, y: Tensor) -> Tensor:
    """Monkey saddle: x³ − 3xy² (three valleys, the Hessian vanishes at the origin)."""
    return x**3 - 3 * x * y**2


def _monkey_saddle_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 3 * x**2 - 3 * y**2, -6 * x * y


def _styblinski_tang(x: Tensor, y: Tensor) -> Tensor:
    """Styblinski–Tang: ½ Σ (tᵢ⁴ − 16tᵢ² + 5tᵢ) over t = (x, y)."""
    return 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y)


def _styblinski_tang_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2 * x**3 - 16 * x + 2.5, 2 * y**3 - 16 * y + 2.5


def _rastrigin(x: Tensor, y: Tensor) -> Tensor:
    """Rastrigin: 20 + Σ (tᵢ² − 10 cos 2πtᵢ) over t = (x, y)."""
    return 20 + x**2 - 10 * torch.cos(2 * PI * x) + y**2 - 10 * torch.cos(2 * PI * y)


def _rastrigin_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2 * x + 20 * PI * torch.sin(2 * PI * x), 2 * y + 20 * PI * torch.sin(2 * PI * y)


def _six_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    """Six-hump camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²."""
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def _six_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3


def _three_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    """Three-hump camel: 2x² − 1.05x⁴ + x⁶/6 + xy + y²."""
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def _three_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y


def _matyas(x: Tensor, y: Tensor) -> Tensor:
    """Matyas: 0.26(x² + y²) − 0.48xy."""
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _matyas_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def _mccormick(x: Tensor, y: Tensor) -> Tensor:
    """McCormick: sin(x + y) + (x − y)² − 1.5x + 2.5y + 1."""
    return torch.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


def _mccormick_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    c = torch.cos(x + y)
    return c + 2 * (x - y) - 1.5, c - 2 * (x - y) + 2.5


def _ackley_radius(x: Tensor, y: Tensor) -> Tensor:
    """r = √(0.5(x² + y²)), with a zero (not NaN) autograd gradient at the origin."""
    s = 0.5 * (x**2 + y**2)
    positive = s > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, s, torch.ones_like(s))), torch.zeros_like(s))


def _ackley(x: Tensor, y: Tensor) -> Tensor:
    """Ackley: −20 exp(−0.2 √(0.5(x² + y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20."""
    r = _ackley_radius(x, y)
    return -20 * torch.exp(-0.2 * r) - torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y))) + math.e + 20


def _ackley_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    # d/dx of −20e^(−0.2r) is 2x e^(−0.2r) / r (r = √(0.5(x²+y²))); at the origin the cone's subgradient 0 is used
    r = _ackley_radius(x, y)
    cone = torch.where(r > 0, 2 * torch.exp(-0.2 * r) / torch.where(r > 0, r, torch.ones_like(r)), torch.zeros_like(r))
    wave = PI * torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    return cone * x + wave * torch.sin(2 * PI * x), cone * y + wave * torch.sin(2 * PI * y)


def _levi13(x: Tensor, y: Tensor) -> Tensor:
    """Lévi N.13: sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))."""
    return (
        torch.sin(3 * PI * x) ** 2
        + (x - 1) ** 2 * (1 + torch.sin(3 * PI * y) ** 2)
        + (y - 1) ** 2 * (1 + torch.sin(2 * PI * y) ** 2)
    )


def _levi13_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    # d/dt sin²(kπt) = kπ sin(2kπt)
    dx = 3 * PI * torch.sin(6 * PI * x) + 2 * (x - 1) * (1 + torch.sin(3 * PI * y) ** 2)
    dy = (
        3 * PI * (x - 1) ** 2 * torch.sin(6 * PI * y)
        + 2 * (y - 1) * (1 + torch.sin(2 * PI * y) ** 2)
        + 2 * PI * (y - 1) ** 2 * torch.sin(4 * PI * y)
    )
    return dx, dy


def _banana(x: Tensor, y: Tensor) -> Tensor:
    """Banana (the momentum article's): (1 − x)² + 20(3y − x²)²."""
    return (1 - x) ** 2 + 20 * (3 * y - x**2) ** 2


def _banana_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return -2 * (1 - x) - 80 * x * (3 * y - x**2), 120 * (3 * y - x**2)


@dataclass(frozen=True)
class _Quadratic:
    """½(a x² + b y²)."""

    a: float
    b: float

    def f(self, x: Tensor, y: Tensor) -> Tensor:
        return 0.5 * (self.a * x**2 + self.b * y**2)

    def grad(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return self.a * x, self.b * y


@dataclass(frozen=True)
class _Parabola:
    """c·w²/2."""

    c: float

    def f(self, w: Tensor) -> Tensor:
        return 0.5 * self.c * w**2

    def grad(self, w: Tensor) -> tuple[Tensor]:
        return (self.c * w,)


# ---------------------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------------------


def _minimum(point: tuple[float, ...], value: float, *, is_global: bool = False) -> CriticalPoint:
    return CriticalPoint(point, value, "minimum", is_global)


def _saddle_point(point: tuple[float, ...], value: float) -> CriticalPoint:
    return CriticalPoint(point, value, "saddle")


def _maximum(point: tuple[float, ...], value: float) -> CriticalPoint:
    return CriticalPoint(point, value, "maximum")


def _coefficient(c: float) -> str:
    return "" if c == 1 else f"{c:g}"


def quadratic(a: float = 1.0, b: float = 10.0) -> Landscape:
    r"""The quadratic bowl ½(a x² + b y²) with curvatures 0 < a ≤ b (condition number b/a).

    Gradient descent w ← w − α∇f multiplies x by (1 − αa) and y by (1 − αb): it converges iff 0 < α < 2/b,
    fastest at α = 2/(a + b) (both factors then have size (b − a)/(b + a)). Heavy ball (momentum) is best at
    α = (2/(√a + √b))², β = ((√b − √a)/(√b + √a))², rate (√b − √a)/(√b + √a).

    >>> quadratic(1, 4).notes.split(";")[0]
    'GD converges iff 0 < α < 2/b = 0.5'
    """
    a, b = _positive("a", a), _positive("b", b)
    if a > b:
        raise ValueError(f"quadratic needs a <= b (b is the larger curvature); got a={a:g}, b={b:g}")
    ra, rb = math.sqrt(a), math.sqrt(b)
    notes = (
        f"GD converges iff 0 < α < 2/b = {2 / b:.4g}; best α = 2/(a+b) = {2 / (a + b):.4g} "
        f"(rate (b−a)/(b+a) = {(b - a) / (b + a):.4g}); heavy ball best α = (2/(√a+√b))² = "
        f"{(2 / (ra + rb)) ** 2:.4g}, β = ((√b−√a)/(√b+√a))² = {((rb - ra) / (rb + ra)) ** 2:.4g}"
    )
    q = _Quadratic(a, b)
    return Landscape(
        name="quadratic",
        title="Quadratic bowl",
        formula=f"½({_coefficient(a)}x² + {_coefficient(b)}y²)",
        f=q.f,
        grad=q.grad,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-4.0, 1.0),
        critical_points=(_minimum((0.0, 0.0), 0.0, is_global=True),),
        lr_range=(0.1 / b, 1.9 / b),
        notes=notes,
    )


def parabola(c: float = 1.0) -> Landscape:
    r"""The 1-D parabola c·w²/2 (curvature c > 0), parameter ``"w"``.

    Gradient descent is w ← (1 − αc)w: monotone convergence if αc < 1, the minimum in one step if αc = 1,
    oscillating but converging if 1 < αc < 2, oscillating forever at αc = 2, diverging if αc > 2.
    """
    c = _positive("c", c)
    p = _Parabola(c)
    return Landscape(
        name="parabola",
        title="1-D curvature",
        formula="w²/2" if c == 1 else f"{c:g}·w²/2",
        f=p.f,
        grad=p.grad,
        domain=((-2.0, 2.0),),
        start=(1.5,),
        critical_points=(_minimum((0.0,), 0.0, is_global=True),),
        names=("w",),
        lr_range=(0.1 / c, 1.9 / c),
        notes=(
            f"GD: w ← (1 − αc)w with c = {c:g}: monotone if αc < 1, one step if αc = 1, oscillating but "
            "converging if 1 < αc < 2, diverging if αc > 2"
        ),
    )


def _landscapes() -> dict[str, Landscape]:
    items = [
        Landscape(
            name="rosenbrock",
            title="Rosenbrock",
            formula="(1 − x)² + 100(y − x²)²",
            f=_rosenbrock,
            grad=_rosenbrock_grad,
            domain=((-2.0, 2.0), (-1.0, 3.0)),
            start=(-1.5, 2.0),
            critical_points=(_minimum((1.0, 1.0), 0.0, is_global=True),),
            log_scale=True,
            lr_range=(1e-4, 1e-3),
            notes="a curved, narrow valley; Hessian eigenvalues at the minimum 0.3994 and 1001.6 (condition ≈ 2508)",
        ),
        Landscape(
            name="beale",
            title="Beale",
            formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            f=_beale,
            grad=_beale_grad,
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            start=(1.0, 1.5),
            critical_points=(
                _minimum((3.0, 0.5), 0.0, is_global=True),
                _saddle_point((0.0, 1.0), 14.203125),
                _saddle_point((0.10053793732415836, -2.644513585023125), 9.86451228475556),
            ),
            log_scale=True,
            lr_range=(1e-3, 0.02),
            notes="flat plateaus and sharp ridges along the axes",
        ),
        Landscape(
            name="booth",
            title="Booth",
            formula="(x + 2y − 7)² + (2x + y − 5)²",
            f=_booth,
            grad=_booth_grad,
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-5.0, 5.0),
            critical_points=(_minimum((1.0, 3.0), 0.0, is_global=True),),
            lr_range=(1e-3, 0.1),
            notes="a quadratic: Hessian [[10, 8], [8, 10]], eigenvalues 2 and 18 (GD converges iff α < 1/9)",
        ),
        Landscape(
            name="himmelblau",
            title="Himmelblau",
            formula="(x² + y − 11)² + (x + y² − 7)²",
            f=_himmelblau,
            grad=_himmelblau_grad,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(0.0, 0.0),
            critical_points=(
                _minimum((3.0, 2.0), 0.0, is_global=True),
                _minimum((-2.805118086952745, 3.131312518250573), 0.0, is_global=True),
                _minimum((-3.779310253377747, -3.283185991286169), 0.0, is_global=True),
                _minimum((3.584428340330492, -1.848126526964404), 0.0, is_global=True),
                _maximum((-0.2708445906673476, -0.9230385564799815), 181.6165215225827),
                _saddle_point((3.385154183607021, 0.07385187983774929), 13.31192627040559),
                _saddle_point((0.08667750455539635, 2.884254701174776), 67.71915008752614),
                _saddle_point((-3.07302575076439, -0.08135304428796751), 104.0151629175581),
                _saddle_point((-0.1279613467306801, -1.953714980244576), 178.3372392019275),
            ),
            lr_range=(1e-3, 0.02),
            notes="four global minima (which one GD reaches depends on the start), four saddles, one maximum",
        ),
        Landscape(
            name="goldstein-price",
            title="Goldstein–Price",
            formula=(
                "[1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·"
                "[30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]"
            ),
            f=_goldstein_price,
            grad=_goldstein_price_grad,
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-0.5, 1.0),
            critical_points=(
                _minimum((0.0, -1.0), 3.0, is_global=True),
                _minimum((-0.6, -0.4), 30.0),
                _minimum((1.8, 0.2), 84.0),
                _minimum((1.2, 0.8), 840.0),
                _saddle_point((-0.4, -0.6), 35.0),
                _saddle_point((1.2, -0.2), 99.0),
                _saddle_point((1.4, 0.6), 980.0),
                _saddle_point((0.6, 0.4), 990.0),
                _maximum((0.8, 0.2), 1155.0),
            ),
            log_scale=True,
            lr_range=(1e-6, 1e-5),
            notes="values from 3 to about 10⁶ on the plot domain: learning rates must be tiny",
        ),
        Landscape(
            name="saddle",
            title="Saddle",
            formula="x² − y²",
            f=_saddle,
            grad=_saddle_grad,
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-1.0, 1e-3),
            critical_points=(_saddle_point((0.0, 0.0), 0.0),),
            lr_range=(1e-2, 0.2),
            notes="unbounded below; Hessian eigenvalues ±2: GD slows down near the saddle before escaping along y",
            bounded_below=False,
        ),
        Landscape(
            name="monkey-saddle",
            title="Monkey saddle",
            formula="x³ − 3xy²",
            f=_monkey_saddle,
            grad=_monkey_saddle_grad,
            domain=((-1.5, 1.5), (-1.5, 1.5)),
            start=(1.0, 0.05),
            critical_points=(CriticalPoint((0.0, 0.0), 0.0, "degenerate"),),
            lr_range=(1e-4, 1e-3),
            notes=(
                "unbounded below (three valleys); the Hessian is zero at the origin, so GD crawls towards it "
                "along the ridge y = 0 before escaping into a valley, where it eventually diverges"
            ),
            bounded_below=False,
        ),
        Landscape(
            name="styblinski-tang",
            title="Styblinski–Tang",
            formula="½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
            f=_styblinski_tang,
            grad=_styblinski_tang_grad,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(0.5, 4.5),
            critical_points=(
                _minimum((-2.903534027771177, -2.903534027771177), -78.33233140754283, is_global=True),
                _minimum((-2.903534027771177, 2.746802770990837), -64.19561235905536),
                _minimum((2.746802770990837, -2.903534027771177), -64.19561235905536),
                _minimum((2.746802770990837, 2.746802770990837), -50.05889331056789),
                _saddle_point((-2.903534027771177, 0.1567312567803401), -38.97055334471606),
                _saddle_point((0.1567312567803401, -2.903534027771177), -38.97055334471606),
                _saddle_point((2.746802770990837, 0.1567312567803401), -24.83383429622859),
                _saddle_point((0.1567312567803401, 2.746802770990837), -24.83383429622859),
                _maximum((0.1567312567803401, 0.1567312567803401), 0.3912247181107161),
            ),
            lr_range=(1e-3, 0.04),
            notes="separable: each coordinate is a root of 4t³ − 32t + 5 = 0 (−2.9035, 0.1567, 2.7468)",
        ),
        Landscape(
            name="rastrigin",
            title="Rastrigin",
            formula="20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
            f=_rastrigin,
            grad=_rastrigin_grad,
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            start=(3.2, 2.2),
            critical_points=(
                _minimum((0.0, 0.0), 0.0, is_global=True),
                _minimum((0.9949586376523348, 0.0), 0.9949590570932914),
                _minimum((-0.9949586376523348, 0.0), 0.9949590570932914),
                _minimum((0.0, 0.9949586376523348), 0.9949590570932914),
                _minimum((0.0, -0.9949586376523348), 0.9949590570932914),
                _minimum((0.9949586376523348, 0.9949586376523348), 1.989918114186583),
                _minimum((0.9949586376523348, -0.9949586376523348), 1.989918114186583),
                _minimum((-0.9949586376523348, 0.9949586376523348), 1.989918114186583),
                _minimum((-0.9949586376523348, -0.9949586376523348), 1.989918114186583),
            ),
            lr_range=(1e-4, 4e-3),
            notes=(
                "a local minimum near every integer point (those around the origin are listed) and saddles and "
                "maxima near the half-integers: GD stops in the first basin it falls into"
            ),
        ),
        Landscape(
            name="six-hump-camel",
            title="Six-hump camel",
            formula="(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
            f=_six_hump_camel,
            grad=_six_hump_camel_grad,
            domain=((-3.0, 3.0), (-2.0, 2.0)),
            start=(-2.0, 1.5),
            critical_points=(
                _minimum((0.08984201310031806, -0.7126564030207396), -1.031628453489877, is_global=True),
                _minimum((-0.08984201310031806, 0.7126564030207396), -1.031628453489877, is_global=True),
                _minimum((1.703606714969981, -0.7960835686726251), -0.2154638243837176),
                _minimum((-1.703606714969981, 0.7960835686726251), -0.2154638243837176),
                _minimum((1.607104752920197, 0.5686514548841314), 2.104250310311258),
                _minimum((-1.607104752920197, -0.5686514548841314), 2.104250310311258),
                _saddle_point((0.0, 0.0), 0.0),
                _saddle_point((1.109205336804786, -0.7682680925095398), 0.5437186009781851),
                _saddle_point((-1.109205336804786, 0.7682680925095398), 0.5437186009781851),
                _saddle_point((1.638067984189779, 0.2286740690443941), 2.229357197530715),
                _saddle_point((-1.638067984189779, -0.2286740690443941), 2.229357197530715),
                _saddle_point((1.296070267167109, 0.6050843880386585), 2.22947081802986),
                _saddle_point((-1.296070267167109, -0.6050843880386585), 2.22947081802986),
                _maximum((1.230229876516653, 0.162334584458995), 2.496295351023577),
                _maximum((-1.230229876516653, -0.162334584458995), 2.496295351023577),
            ),
            lr_range=(1e-3, 0.05),
            notes="two global minima among six; seven saddles and two maxima in the plot domain",
        ),
        Landscape(
            name="three-hump-camel",
            title="Three-hump camel",
            formula="2x² − 1.05x⁴ + x⁶/6 + xy + y²",
            f=_three_hump_camel,
            grad=_three_hump_camel_grad,
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-1.8, -1.5),
            critical_points=(
                _minimum((0.0, 0.0), 0.0, is_global=True),
                _minimum((1.747552345830289, -0.8737761729151444), 0.2986384422368598),
                _minimum((-1.747552345830289, 0.8737761729151444), 0.2986384422368598),
                _saddle_point((1.07054229182366, -0.53527114591183), 0.8773615577631402),
                _saddle_point((-1.07054229182366, 0.53527114591183), 0.8773615577631402),
            ),
            lr_range=(1e-3, 0.1),
            notes="three minima separated by two saddles",
        ),
        Landscape(
            name="matyas",
            title="Matyas",
            formula="0.26(x² + y²) − 0.48xy",
            f=_matyas,
            grad=_matyas_grad,
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-8.0, 6.0),
            critical_points=(_minimum((0.0, 0.0), 0.0, is_global=True),),
            lr_range=(0.1, 1.9),
            notes="a quadratic with Hessian eigenvalues 0.04 and 1 (a narrow valley along y = x; GD needs α < 2)",
        ),
        Landscape(
            name="mccormick",
            title="McCormick",
            formula="sin(x + y) + (x − y)² − 1.5x + 2.5y + 1",
            f=_mccormick,
            grad=_mccormick_grad,
            domain=((-1.5, 4.0), (-3.0, 4.0)),
            start=(-1.0, 3.0),
            critical_points=(
                _minimum((-0.5471975511965977, -1.547197551196598), -1.913222954981036, is_global=True),
                _minimum((2.594395102393195, 1.594395102393195), 1.228369698608757),
                _saddle_point((1.547197551196598, 0.5471975511965977), 1.913222954981036),
            ),
            lr_range=(0.01, 0.3),
            notes="every critical point has x − y = 1 and cos(x + y) = −½: x + y = −2π/3 (the global minimum), "
            "4π/3 (a local minimum) or 2π/3 (the saddle) in the plot domain; the global minimum is the lowest "
            "point of the plot domain, not of the plane: along x = y = t, f = sin 2t + t + 1 goes to −∞",
            bounded_below=False,
        ),
        Landscape(
            name="ackley",
            title="Ackley",
            formula="−20·exp(−0.2·√(0.5(x² + y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20",
            f=_ackley,
            grad=_ackley_grad,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(3.2, 2.2),
            critical_points=(_minimum((0.0, 0.0), 0.0, is_global=True),),
            smooth=False,
            lr_range=(1e-3, 0.02),
            notes=(
                "a cone at the origin (not differentiable at the minimum: the gradient there is taken as 0) "
                "under a grid of local minima"
            ),
        ),
        Landscape(
            name="levi13",
            title="Lévi N.13",
            formula="sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))",
            f=_levi13,
            grad=_levi13_grad,
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-4.0, 7.0),
            critical_points=(
                _minimum((1.0, 1.0), 0.0, is_global=True),
                _minimum((0.6703805254516863, 1.0), 0.109873658358838),
                _minimum((1.329619474548314, 1.0), 0.109873658358838),
            ),
            lr_range=(2e-5, 2e-4),
            notes="many local minima (the two nearest the global one are listed; f is symmetric about x = 1)",
        ),
        Landscape(
            name="banana",
            title="Banana",
            formula="(1 − x)² + 20(3y − x²)²",
            f=_banana,
            grad=_banana_grad,
            domain=((-2.0, 2.0), (-0.27, 1.07)),
            start=(-1.5, 1.0),
            critical_points=(_minimum((1.0, 1.0 / 3.0), 0.0, is_global=True),),
            lr_range=(1e-4, 2e-3),
            notes="the momentum article's curved valley; Hessian eigenvalues at the minimum 1.383 and 520.6",
        ),
        quadratic(),
        parabola(),
    ]
    return {land.name: land for land in items}


#: Every named landscape, by kebab-case name.
LANDSCAPES: dict[str, Landscape] = _landscapes()


def get(name: str) -> Landscape:
    """The landscape called ``name`` in :data:`LANDSCAPES`: case-insensitive, ``_`` or spaces for ``-``.

    >>> get("Six_Hump camel").title
    'Six-hump camel'
    """
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a string, one of {', '.join(LANDSCAPES)}")
    key = "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    if key not in LANDSCAPES:
        raise ValueError(
            f"unknown landscape {name!r}{close_matches(key, LANDSCAPES)} (allowed: {', '.join(LANDSCAPES)})"
        )
    return LANDSCAPES[key]


# ---------------------------------------------------------------------------------------------------------
# Landscapes from a formula
# ---------------------------------------------------------------------------------------------------------

_FORMULA_BOX = ((-5.0, 5.0), (-5.0, 5.0))


def from_formula(
    text: str,
    *,
    domain: Sequence[Sequence[float]] | None = None,
    start: Sequence[float] | None = None,
    name: str | None = None,
) -> Landscape:
    r"""A landscape f(x, y) from a formula such as ``"x**2 + 3*sin(y)"``, parsed by :func:`descend.formula.parse`.

    Its gradient is autograd's (``grad=None``) and it lists no critical points. Without ``domain`` it is
    [−5, 5]² shrunk to the bounding box of the points of a 101 × 101 grid where f is finite (``log(x)`` gets
    x > 0); a ValueError says so when f is finite nowhere (or only on a line) there. Without ``start`` it is
    the point 3/4 of the way from the domain's centre towards its upper-left corner, or if f is not finite
    there the nearest point of the grid where it is. Bad formulas raise :class:`descend.formula.FormulaError` (a ValueError).
    """
    from descend.formula import parse

    formula = parse(text)
    if domain is None:
        domain = _finite_box(formula, _FORMULA_BOX, text)
    else:
        domain = _domain("domain", domain, 2, ("x", "y"))
    if start is None:
        start = _finite_start(formula, domain, text)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name={name!r} must be a non-empty string")
    return Landscape(
        name=name or "formula",
        title=name or formula.text,
        formula=formula.text,
        f=formula,
        grad=None,
        domain=domain,
        start=start,
        critical_points=(),
        notes="a user formula: gradient by autograd, no known critical points; lr_range is a generic guess",
    )


def _finite_grid(f: Callable[..., Tensor], domain, n: int = 101) -> tuple[Tensor, Tensor, Tensor]:
    axes = [torch.linspace(low, high, n, dtype=torch.float64) for low, high in domain]
    x, y = torch.meshgrid(*axes, indexing="xy")
    with torch.no_grad():
        finite = torch.isfinite(torch.broadcast_to(f(x, y), x.shape))
    return x, y, finite


def _finite_box(f: Callable[..., Tensor], box, text: str) -> tuple[tuple[float, float], ...]:
    x, y, finite = _finite_grid(f, box)
    if not finite.any():
        raise ValueError(f"the formula {text!r} is not finite anywhere in [-5, 5]²; give domain=((x0, x1), (y0, y1))")
    domain = tuple((round(c[finite].min().item(), 12), round(c[finite].max().item(), 12)) for c in (x, y))
    for n, (low, high) in zip("xy", domain):
        if not low < high:
            raise ValueError(
                f"the formula {text!r} is finite only at {n} = {low:g} in [-5, 5]²; give domain=((x0, x1), (y0, y1))"
            )
    return domain


def _finite_start(f: Callable[..., Tensor], domain, text: str) -> tuple[float, float]:
    (x0, x1), (y0, y1) = domain
    target = (x0 + 0.125 * (x1 - x0), y1 - 0.125 * (y1 - y0))  # 3/4 of the way from the centre to (x0, y1)
    with torch.no_grad():
        if torch.isfinite(f(*(torch.tensor(t, dtype=torch.float64) for t in target))).all():
            return target
    x, y, finite = _finite_grid(f, domain)
    if not finite.any():
        raise ValueError(f"the formula {text!r} is not finite anywhere in domain={domain}; give another domain")
    distance = torch.where(finite, (x - target[0]) ** 2 + (y - target[1]) ** 2, torch.inf)
    i = int(distance.argmin())
    return (round(x.reshape(-1)[i].item(), 12), round(y.reshape(-1)[i].item(), 12))


# descend.models.landscape("name") finds landscapes through this registration: models, which landscapes build
# on, does not import this module.
from descend.models import parametric as _parametric  # noqa: E402

_parametric.NAMED_LANDSCAPES = get
