r"""The seeds' case studies as tasks: line fit, house prices, the Earth–Mars ellipse, student performance,
bounding boxes and vanishing gradients.

Every data set is generated (nothing is downloaded) from a documented ground-truth model by
:mod:`descend.tasks.generators`, deterministically from ``data_seed``, and split into train / validation /
test with the same seed. What is known about the answer (a closed-form solution, the ground truth, the
best accuracy any classifier can expect) is on each task's card and in :attr:`Task.known`.

Regression targets: ``house-prices`` standardises its price on the training split by default (a price in
the hundreds would otherwise set the scale of every gradient step), and its known answer is written in the
units it trains in. ``line``, ``ellipse`` and ``bbox`` keep their targets as the seeds have them: each is
already of unit scale, and the point of the first two is the parameters in the seed's units (w = 2, b = −1;
A and B in AU); see each task's docstring.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor

from .. import data as data_module
from .. import losses
from .. import models
from ..gradients import ELLIPSE_OFFSET
from . import generators
from .real import mean_baseline, target_fact
from .task import Known, Scene, Task, least_squares, model_surface, register

#: Seed 004's transfer orbit: semi-axes A, B (AU) and the focus offset c of (x + c)²/A² + y²/B² = 1.
ELLIPSE_A = 1.261845
ELLIPSE_B = 1.234378
#: The radii of Earth's and Mars's orbits, taken as circles around the Sun (seed 004, AU): the transfer orbit leaves
#: the first at its perihelion, A − c, and meets the second at its aphelion, A + c.
EARTH_ORBIT, MARS_ORBIT = 1.0, 1.5237


#: The share of a case study's samples held out for validation, and the same for test.
_HELD = 0.2


def _splits(ds: data_module.Dataset, seed: int, *, standardize: bool = False,
            standardize_target: bool = False) -> data_module.Splits:
    """A case study's data split, a fifth each held out for validation and test; too few samples for a training
    split are said in the task's words (its option ``m``), not the split's fractions, which a task does not take."""
    try:
        return data_module.split(ds, validation=_HELD, test=_HELD, seed=seed, standardize=standardize,
                                 standardize_target=standardize_target)
    except ValueError as e:
        if "leave no training samples" not in str(e):
            raise
        fewest = next(m for m in range(1, 100) if m - 2 * max(1, round(_HELD * m)) >= 1)
        raise ValueError(f"m={len(ds)} is too few samples: the task holds out a fifth each (at least one sample) for "
                         f"validation and test, which leaves none to train on; give m={fewest} or more") from None


def line_samples(m: int) -> int:
    """How many samples the line task draws for a training set of ``m`` (the fewest whose split, a fifth each
    for validation and test, leaves m to train on).

    >>> line_samples(120), line_samples(64), line_samples(2)
    (200, 106, 4)
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
        raise ValueError(f"m={m!r} must be a whole number of training samples, at least 2 (a line has two parameters)")
    m = int(m)
    n = max(3, math.floor(m / (1 - 2 * _HELD)) - 2)
    while _train_of(n) < m:
        n += 1
    return n


def _train_of(n: int) -> int:
    """The training samples of n after the task's split (:func:`_splits`, counted as the split counts them)."""
    from ..data.splits import _share

    return n - _share("validation", _HELD, n) - _share("test", _HELD, n)


def _linear_formula(terms: list[tuple[float, str]], intercept: float, *, intercept_first: bool = False) -> str:
    """A linear formula with each sign written once: ``50 + 2.5·floor_area − 0.8·age`` (``intercept_first``),
    ``2x − 1``; zero terms are left out."""
    parts = [(c, name) for c, name in terms if c != 0]
    if intercept != 0 or not parts:
        parts.insert(0 if intercept_first else len(parts), (intercept, ""))
    text = ""
    for i, (c, name) in enumerate(parts):
        sign = ("−" if c < 0 else "") if i == 0 else (" − " if c < 0 else " + ")
        text += f"{sign}{abs(c):g}{name}"
    return text


def _gd_range(hessian: Tensor) -> tuple[float, tuple[float, float]]:
    """The largest Hessian eigenvalue λ and a GD learning-rate range inside the stable 0 < α < 2/λ."""
    lam = float(torch.linalg.eigvalsh(hessian.double()).max())
    return lam, (0.05 / lam, 1.8 / lam)


# -- line ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LineFn:
    """ŷ = w·x + b (seed 003's line fit), for one run or, broadcasting, for all runs at once."""

    broadcasts = True

    def __call__(self, p: dict[str, Tensor], x: Tensor) -> Tensor:
        return p["w"] * x[..., 0] + p["b"]

    def mse_and_grad(self, p: dict[str, Tensor], x: Tensor, y: Tensor) -> tuple[Tensor, None, tuple[Tensor, ...]]:
        r"""J = (1/m) Σᵢ (w·xᵢ + b − yᵢ)² per run and its gradient, without autograd: with gᵢ = 2(ŷᵢ − yᵢ)/m,
        ∂J/∂w = Σᵢ gᵢ·xᵢ and ∂J/∂b = Σᵢ gᵢ (seed 002's derivatives in θ₁, θ₀, whose cost is half this one's, so
        twice its gradient), computed as autograd's backward pass of
        this model and :func:`descend.losses.mse` computes them, so the same numbers bit for bit (see
        :meth:`descend.models.Parametric.mse_and_grad`). ``p`` holds ``[K]`` parameters, ``x`` and ``y`` are
        ``[B, 1]`` or ``[K, B, 1]``. Returns J ``[K]``, None (no sample is masked) and (∂J/∂w, ∂J/∂b), each ``[K]``."""
        k = p["w"].shape[0]
        w, b = p["w"].reshape(k, 1), p["b"].reshape(k, 1)  # as the model's broadcasting forward gets them
        x0 = x[..., 0]
        d = (w * x0 + b).unsqueeze(-1) - y  # ŷ − y, [K, B, 1]
        per = (d ** 2).mean(dim=(2,))
        m = torch.tensor(float(max(per.shape[-1], 1)), dtype=losses.accumulator(per.dtype))  # as losses.mse counts
        cost = losses.sample_mean(per, m)
        # backward from Σ_runs J: ÷ m, Σᵢ, the mean over one output, (ŷ − y)², then w·x + b
        g = losses.ones_over(m, cost.shape, cost.dtype).unsqueeze(-1)
        g = g * (2.0 * d.squeeze(-1))
        return cost, None, ((g * x0).sum(dim=1), g.sum(dim=1))

    def __repr__(self) -> str:
        return "ŷ = w·x + b"


@register("line")  # its summary and group: descend.catalog.TASKS
def line(m: int = 120, slope: float = 2.0, intercept: float = -1.0, noise: float = 0.5, data_seed: int = 0,
         start: tuple[float, float] = (-2.0, 3.0), steps: int = 300) -> Task:
    """Fit a line to a training set of ``m`` noisy samples of y = ``slope``·x + ``intercept`` (MSE, full batch
    by default); as in seed 003, ``m`` is the size of the training set. Validation and test samples are drawn
    besides, a fifth of the whole each (:func:`line_samples`: 200 samples in all for m = 120).

    The known answer is the least-squares solution on the training split, computed in closed form — which
    is not the ground-truth line: the noise moves it. The cost J(w, b) = (1/m)Σ(w xᵢ + b − yᵢ)² is a
    quadratic bowl with Hessian (2/m)[[Σx², Σx], [Σx, m]], so plain GD converges iff α < 2/λ_max.

    The target is not standardised: with the defaults it is already of unit scale (x uniform in [−2, 2],
    y = 2x − 1 + ε: mean about −1, std about 2.4), and the point of seed 003's widget is to recover w and b
    in the seed's units, which standardising y would rescale.
    """
    total = line_samples(m)
    gen = generators.line(total, slope=slope, intercept=intercept, noise=noise, seed=data_seed)
    ds = data_module.as_dataset(np.asarray(gen.x, dtype=np.float64).reshape(-1, 1), np.asarray(gen.y, dtype=np.float64),
                                feature_names=("x",), kind="regression")
    splits = _splits(ds, data_seed)
    x, y = splits.train.x.double()[:, 0], splits.train.y.double().reshape(-1)
    w, b = generators.least_squares(x.numpy(), y.numpy())
    hessian = torch.as_tensor(generators.line_hessian(x.numpy()), dtype=torch.float64)
    lam, lr_range = _gd_range(hessian)
    start = _two_numbers(start, ("w", "b"))
    model = models.Parametric(_LineFn(), {"w": float(start[0]), "b": float(start[1])}, in_features=1)
    reach = max(3.0, 1.5 * math.hypot(start[0] - w, start[1] - b))
    surface = model_surface(model, "mse", splits.train.x, splits.train.y, ("w", "b"),
                            ((w - reach, w + reach), (b - reach, b + reach)), points=(("minimum", (w, b)),))
    cost = float(((w * x + b - y) ** 2).mean())
    return Task(
        name="line", title="Line fit", summary="ŷ = w·x + b on noisy samples of a line",
        description=(f"A training set of m = {m} samples (and {total - m} held out for validation and test) of the "
                     f"line y = {_linear_formula([(slope, 'x')], intercept)} with Gaussian noise σ = {noise:g} "
                     f"(x uniform in [−2, 2], seed {data_seed}); the model ŷ = w·x + b starts at (w, b) = "
                     f"({start[0]:g}, {start[1]:g}) and minimises the mean squared error. The answer is known in "
                     "closed form (least squares on the training split); the cost is a quadratic bowl."),
        model=model, data=splits, loss="mse", kind="regression", steps=steps, lr_range=lr_range,
        # not "sgd": torch's SGD with no momentum is GD at a full batch, a row the same as gd's to the last digit
        # (the seeds' SGD is a batch of one sample: --batch-size 1)
        optimizers=("gd", "momentum", "rmsprop", "adam"),
        # plain gradient steps at 0.3, or 1/λ_max where that is smaller (a few samples make a steep bowl: at m = 2,
        # λ_max = 9.1 and 0.3 diverged): the rate that damps the steepest direction in one step, half the bound
        lrs={"gd": min(0.3, float(f"{1 / lam:.2g}")), "sgd": min(0.3, float(f"{1 / lam:.2g}")), "momentum": 0.1,
             "nesterov": 0.05, "rmsprop": 0.01, "adam": 0.05},
        known=Known(({"w": w, "b": b},), "least-squares solution", cost, loss="mse"),
        surface=surface,
        facts=(("truth", f"w = {slope:g}, b = {intercept:g} (the generating line)"),
               ("Hessian", f"(2/m)[[Σx², Σx], [Σx, m]]; λ_max = {lam:.4g}, GD stable iff α < {2 / lam:.4g}")),
        options=dict(m=m, slope=slope, intercept=intercept, noise=noise, data_seed=data_seed, start=start),
    )


# -- house prices ----------------------------------------------------------------------------------------------


@register("house-prices")  # its summary and group: descend.catalog.TASKS
def house_prices(m: int = 500, loss: str = "mse", outliers: float = 0.02, data_seed: int = 0,
                 steps: int = 300, standardize_target: bool = True) -> Task:
    """Predict house prices from floor area, bedrooms, ceiling height, ... (standardised features, linear model).

    The prices come from a documented linear model plus noise and a fraction ``outliers`` of gross errors,
    so that ``loss="mse"``, ``"mae"`` and ``"huber"`` recover the coefficients differently. The price (in
    thousands, mean about 390) is standardised on the training split unless ``standardize_target=False``;
    the losses are then also reported in thousands (``final_<split>_loss_original``). The known answer is
    the ground-truth model, written in the standardised units the model trains in, so ``distance`` is
    measured there (in units of the price's standard deviation).
    """
    from ..losses import get_loss

    loss = get_loss(loss).name
    if not isinstance(standardize_target, bool):
        raise ValueError(f"standardize_target={standardize_target!r} must be True or False")
    gen = generators.house_prices(m, outliers=outliers, seed=data_seed)
    ds = data_module.from_frame(gen.frame, target=gen.target, kind="regression", dtype=torch.float64)
    splits = _splits(ds, data_seed, standardize=True, standardize_target=standardize_target)
    names = splits.train.feature_names
    coef = gen.truth["coefficients"]
    mean, std = splits.mean.double(), splits.std.double()
    w_true = torch.tensor([coef[n] for n in names], dtype=torch.float64)
    # ŷ = b + Σ w_j x_j = b + Σ w_j (μ_j + σ_j z_j): in standardised units the weights are w_j σ_j
    weight = (w_true * std).reshape(-1, 1)
    bias = torch.tensor([gen.truth["intercept"] + float((w_true * mean).sum())], dtype=torch.float64)
    units = "standardised features"
    if standardize_target:
        # and (ŷ − μ_y)/σ_y = (b' − μ_y)/σ_y + Σ (w_j σ_j/σ_y) z_j for a standardised price
        mu_y, sd_y = float(splits.target_mean), float(splits.target_std)
        weight, bias = weight / sd_y, (bias - mu_y) / sd_y
        units = "standardised features and price"
    x, y = splits.train.x.double(), splits.train.y.double().reshape(-1)
    design = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    ls = least_squares(design, y)
    lam, lr_range = _gd_range(2 * design.T @ design / len(x))
    truth = _linear_formula([(coef[n], f"·{n}") for n in names], gen.truth["intercept"], intercept_first=True)
    return Task(
        name="house-prices", title="House prices", summary="linear regression on named features",
        description=(f"{gen.description} Here {'features and price are' if standardize_target else 'the features are'} "
                     f"standardised on the training split and a linear model is trained with the {loss} loss "
                     f"(data seed {data_seed})."),
        model=models.Linear(len(names), init="zeros"), data=splits, loss=loss, kind="regression", steps=steps,
        lr_range=lr_range, optimizers=("gd", "momentum", "rmsprop", "adam"),
        known=Known(({"weight": weight, "bias": bias},), f"ground truth in {units}"),
        facts=(("truth", f"price = {truth} + ε (thousands; the features in their original units)"),
               ("least squares", "weight " + ", ".join(f"{v:.4g}" for v in ls[:-1].tolist())
                + f"; bias {ls[-1].item():.4g} ({units}, training split)"),
               *((("target", target_fact(gen.target, splits)),) if standardize_target else ()),
               *((("baseline", baseline),) if (baseline := mean_baseline(splits, loss)) is not None else ())),
        options=dict(m=m, loss=loss, outliers=outliers, data_seed=data_seed,
                     **({} if standardize_target else {"standardize_target": False})),
    )


# -- ellipse -----------------------------------------------------------------------------------------------------


def ellipse_samples(n: int = 512, a: float = ELLIPSE_A, b: float = ELLIPSE_B, *, offset: float = ELLIPSE_OFFSET,
                    noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    r"""``n`` noisy points of seed 004's transfer orbit (x + c)²/A² + y²/B² = 1, upper half (y ≥ 0).

    θ ~ U(0, π), x = A cos θ − c, y = B sin θ + ε with ε ~ N(0, ``noise``²). The noise is on y only: noise
    on x as well would bias the least-squares answer (errors in variables; by about −0.04 in B at σ = 0.1),
    and the model could then not end close to the ground truth as it does in the seed.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n={n!r} must be a positive int")
    if not (isinstance(noise, (int, float)) and math.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise={noise!r} must be a number >= 0")
    rng = np.random.default_rng(seed)
    theta = rng.uniform(0.0, math.pi, n)
    x = a * np.cos(theta) - offset
    y = b * np.sin(theta) + noise * rng.standard_normal(n)
    return x, y


def _two_numbers(start: Any, names: tuple[str, str]) -> tuple[float, float]:
    """A task's start: two finite numbers, or the landscapes' one-line refusal (``descend compare`` names its
    flag)."""
    try:
        if isinstance(start, (str, bytes)):  # "12" is not the point (1, 2)
            raise TypeError
        values = tuple(float(v) for v in start)
    except (TypeError, ValueError, OverflowError):
        values = ()
    if len(values) != 2 or not all(math.isfinite(v) for v in values):
        raise ValueError(f"start={tuple(start) if isinstance(start, (list, tuple)) else start!r} is not allowed; "
                         f"give 2 numbers ({', '.join(names)})")
    return values


@register("ellipse")  # its summary and group: descend.catalog.TASKS
def ellipse(n: int = 512, noise: float = 0.1, data_seed: int = 0, start: tuple[float, float] = (0.1, 1.8),
            steps: int = 400) -> Task:
    r"""Seed 004's regression: fit ŷ = w_B·√(1 − (x + 0.26185)²/w_A²) to ``n`` noisy points of the Hohmann
    transfer orbit from Earth to Mars (A = 1.261845 AU, B = 1.234378 AU), from the seed's start A = 0.1,
    B = 1.8.

    Samples where the square root is undefined are masked out and the MSE is averaged over the N′ valid ones (seed
    eq. 18); a mini-batch with no valid sample gives a zero gradient (the seed's mean over none is NaN), and its
    rule still steps: momentum and Adam coast on their state. The hand-derived gradients of the seed are
    :func:`descend.gradients.ellipse_grad`. The training set is the seed's ``n`` = 512 points; validation and test
    are 128 further points each.

    The target y is not standardised: it is already of unit scale (0 to B ≈ 1.23 AU), the model is nonlinear
    in its parameters (w_B is y's scale, and a shifted y would no longer lie on an ellipse centred on the
    axis), and the answer the seed is after is A and B in AU.
    """
    m_extra = max(1, n // 4)
    x, y = ellipse_samples(n + 2 * m_extra, noise=noise, seed=data_seed)
    parts = []
    for lo, hi in ((0, n), (n, n + m_extra), (n + m_extra, n + 2 * m_extra)):
        parts.append(data_module.as_dataset(x[lo:hi].reshape(-1, 1), y[lo:hi], feature_names=("x",),
                                            kind="regression"))
    splits = data_module.Splits(parts[0], parts[1], parts[2], None, None)
    model = models.ellipse(*_two_numbers(start, ("w_A", "w_B")))
    surface = model_surface(model, "mse", splits.train.x, splits.train.y, ("w_a", "w_b"),
                            ((0.05, 2.0), (0.2, 2.2)), log_scale=True,
                            points=(("ground truth", (ELLIPSE_A, ELLIPSE_B)),))
    return Task(
        name="ellipse", title="Earth–Mars transfer orbit (ellipse)",
        summary="find A and B of (x + c)²/A² + y²/B² = 1 from noisy samples",
        description=(f"{n} point{'s' * (n != 1)} of the Hohmann transfer orbit (x + 0.26185)²/A² + y²/B² = 1 with "
                     f"A = {ELLIPSE_A} and B = {ELLIPSE_B} AU, noise σ = {noise:g} on y (seed {data_seed}). The model "
                     "ŷ = w_B·√(1 − (x + 0.26185)²/w_A²) starts at the seed's A = 0.1, B = 1.8, where most square "
                     "roots are undefined: those samples are masked and the MSE averages the N′ valid ones; a "
                     "mini-batch with none gives a zero gradient, and momentum and Adam coast on their state."),
        model=model, data=splits, loss="mse", kind="regression", steps=steps, lr_range=(0.01, 0.5),
        optimizers=("gd", "momentum", "rmsprop", "adam"),
        batch_sizes=(None, 1, 32, data_module.hybrid(32, 8, 512)),
        lrs={"gd": 0.1, "sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "rmsprop": 0.005, "adam": 0.05},
        known=Known(({"w_a": ELLIPSE_A, "w_b": ELLIPSE_B}, {"w_a": -ELLIPSE_A, "w_b": ELLIPSE_B}),
                    "ground truth (A, B; the model depends on w_A², so −A is as good)"),
        surface=surface,
        facts=(("gradients", "hand-derived in descend.gradients.ellipse_grad (seed 004 eq. 29), equal to autograd"),),
        options=dict(n=n, noise=noise, data_seed=data_seed, start=start),
        scene=Scene(  # seed 004's Figure 6
            circles=(("Earth's orbit (1 AU)", (0.0, 0.0), EARTH_ORBIT, "tab:blue"),
                     (f"Mars's orbit ({MARS_ORBIT} AU)", (0.0, 0.0), MARS_ORBIT, "tab:red")),
            points=(("the Sun", (0.0, 0.0), "gold", "*"), ("launch from Earth", (EARTH_ORBIT, 0.0), "tab:blue", "o"),
                    ("arrival at Mars", (-MARS_ORBIT, 0.0), "tab:red", "o"))),
    )


# -- student performance ------------------------------------------------------------------------------------------


@register("student-performance")  # its summary and group: descend.catalog.TASKS
def student_performance(m: int = 1000, hidden: tuple[int, ...] = (), data_seed: int = 0, steps: int = 300) -> Task:
    """Predict pass/fail from gender, group, parental education, lunch, test preparation, absences and a
    prior score (categorical columns one-hot encoded, standardised), with logistic regression
    (``hidden=()``, or ``none`` on the command line) or an MLP (``hidden=(16,)``) and binary cross-entropy.
    """
    from .real import _check_hidden

    hidden = _check_hidden(hidden)  # hidden=none, as the real data sets take it
    gen = generators.student_performance(m, seed=data_seed)
    ds = data_module.from_frame(gen.frame, target=gen.target, kind="binary")
    splits = _splits(ds, data_seed, standardize=True)
    d = splits.train.x.shape[1]
    model = (models.Linear(d, output="sigmoid", init="zeros") if not hidden
             else models.MLP((d, *hidden, 1), hidden="tanh", output="sigmoid"))
    bayes = gen.truth["bayes_accuracy"]
    return Task(
        name="student-performance", title="Student performance",
        summary="pass/fail from a student table (one-hot categories), BCE",
        description=f"{gen.description} Drawn with data seed {data_seed}.",
        model=model, data=splits, loss="bce", kind="binary", steps=steps, lr_range=(0.01, 1.0),
        optimizers=("gd", "momentum", "rmsprop", "adam"), batch_sizes=(None, 1, 32),
        facts=(("Bayes", f"the best accuracy any classifier can expect on these rows: {100 * bayes:.2f}%"),),
        options=dict(m=m, hidden=hidden, data_seed=data_seed),
    )


# -- bounding boxes -----------------------------------------------------------------------------------------------


@register("bbox")  # its summary and group: descend.catalog.TASKS
def bbox(m: int = 2000, size: int = 16, hidden: tuple[int, ...] = (64,), data_seed: int = 0,
         steps: int = 500) -> Task:
    """Localise one rectangle in ``size``×``size`` noisy images: an MLP on the pixels predicts the box centre,
    width and height (normalised to [0, 1]) with seed 003's loss (x − x̂)² + (y − ŷ)² + (w − ŵ)² + (h − ĥ)².

    The targets are not standardised: normalised by the image size they already lie in [0, 1], and seed
    003's loss is defined on those coordinates.
    """
    from .real import _check_hidden

    hidden = _check_hidden(hidden)  # hidden=64 as its card writes it, hidden=none, as the real data sets take them
    gen = generators.bboxes(m, size=size, seed=data_seed)
    x = np.asarray(gen.x, dtype=np.float32).reshape(m, -1)
    y = np.asarray(gen.y, dtype=np.float32)
    pixels = tuple(f"p_{r}_{c}" for r in range(size) for c in range(size))
    ds = data_module.as_dataset(x, y, feature_names=pixels, kind="regression")
    splits = _splits(ds, data_seed)
    baseline = float(((splits.test.y - splits.train.y.mean(dim=0)) ** 2).sum(dim=1).mean())
    model = models.MLP((size * size, *hidden, 4), hidden="relu")
    return Task(
        name="bbox", title="Bounding boxes", summary="predict a rectangle's (x, y, w, h) from pixels",
        description=f"{gen.description} Drawn with data seed {data_seed}.",
        model=model, data=splits, loss="bbox", kind="regression", steps=steps, lr_range=(0.001, 0.1),
        # mini-batches only: a full-batch step is an epoch of 1200 images, which made the default comparison
        # take minutes; as the seed says, the cost over the whole set is slow to compute at every iteration
        optimizers=("sgd", "momentum", "rmsprop", "adam"), batch_sizes=(32,),
        facts=(("baseline", f"always predicting the mean training box gives test loss {baseline:.4g}"),),
        options=dict(m=m, size=size, hidden=hidden, data_seed=data_seed),
    )


# -- vanishing gradients -----------------------------------------------------------------------------------------


@register("vanishing")  # its summary and group: descend.catalog.TASKS
def vanishing(depth: int = 8, width: int = 16, hidden: str = "sigmoid", m: int = 1000, data_seed: int = 0,
              steps: int = 500, init: str | None = None, init_scale: float | None = None) -> Task:
    """A ``depth``-layer MLP (``hidden`` activations, sigmoid output, BCE) on two concentric noisy circles.

    With sigmoid hidden units (σ' ≤ 1/4) the gradient shrinks layer by layer on the way back, so the first
    layers barely learn; ``hidden="relu"`` is the same network without the shrinking. Seed 002's exploding
    gradients are the other way: weights so large that every layer multiplies the signal, as ReLU units with
    N(0, σ²) weights do by about σ√(width/2) (``hidden="relu", init="normal", init_scale=1.0``: about 2.8 per
    layer; every layer's gradient is then 10³-10⁴ times He's, and SGD diverges to NaN within two steps at every
    rate of the task's range, where the same network from He's weights trains at 0.01 and 0.1). ``init`` is the
    weights' scheme (default: Glorot for sigmoid and tanh, He for ReLU) and ``init_scale`` its scale (σ of
    ``"normal"``, the bound of ``"uniform"``). Compare
    the per-layer gradient norms that :func:`descend.fit` records (``runs.curves`` metric
    ``grad_norm:layer0.weight``, ...).
    """
    from ..data.cache import cached_arrays

    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
        raise ValueError(f"depth={depth!r} must be a positive int (the number of hidden layers)")
    if isinstance(width, bool) or not isinstance(width, numbers.Integral) or width < 1:  # ("sizes[1]=0 is not
        raise ValueError(f"width={width!r} must be a positive int (the units of each hidden layer)")  # allowed")
    width = int(width)

    def circles() -> dict[str, Any]:
        from sklearn.datasets import make_circles

        x, y = make_circles(n_samples=m, noise=0.1, factor=0.5, random_state=data_seed)
        return {"x": x, "y": y}

    drawn = cached_arrays("make-circles", (m, 0.1, 0.5, data_seed), circles)  # scikit-learn only the first time
    x, y = drawn["x"], drawn["y"]
    ds = data_module.as_dataset(x.astype(np.float32), y.astype(np.float32), feature_names=("x1", "x2"),
                                kind="binary")
    splits = _splits(ds, data_seed)
    # each activation with its usual initialisation: Glorot for sigmoid/tanh, He for ReLU
    scheme = init if init is not None else "he" if hidden == "relu" else "xavier"
    model = models.MLP((2, *([width] * depth), 1), hidden=hidden, output="sigmoid", init=scheme,
                       init_scale=init_scale)
    scaled = f", {scheme} weights of scale {init_scale:g}" if init_scale is not None else (
        f", {scheme} weights" if init is not None else "")
    return Task(
        name="vanishing", title="Vanishing gradients",
        summary=f"a {depth}-layer {hidden} MLP on two circles; per-layer gradient norms",
        description=(f"Two noisy concentric circles ({m} points, scikit-learn's make_circles, seed {data_seed}); a "
                     f"{depth}-hidden-layer MLP of width {width} with {hidden} units{scaled}. With sigmoid units "
                     "the sigmoid's derivative is at most 1/4, and each layer multiplies the backward signal by it "
                     "(and by its weights Wᵀ), so the early layers' gradients are orders of magnitude smaller than "
                     "the last layer's (vanishing); compare with hidden='relu', and "
                     "with weights so large that every layer multiplies the signal (exploding: hidden='relu', "
                     "init='normal', init_scale=1.0 gives gradients 10³-10⁴ times larger, and every SGD run "
                     "diverges)."),
        model=model, data=splits, loss="bce", kind="binary", steps=steps, lr_range=(0.01, 1.0),
        optimizers=("sgd", "momentum", "rmsprop", "adam"),
        facts=(("compare", "descend.tasks.get('vanishing', hidden='relu') is the same network with ReLU units"),
               ("exploding", "descend.tasks.get('vanishing', hidden='relu', init='normal', init_scale=1.0): each "
                             "layer multiplies the signal by about 2.8, and the gradients explode")),
        options=dict(depth=depth, width=width, hidden=hidden, m=m, data_seed=data_seed,
                     **({"init": init} if init is not None else {}),
                     **({"init_scale": init_scale} if init_scale is not None else {})),
    )
