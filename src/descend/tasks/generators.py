r"""Synthetic data sets for the case studies of the seeds, each with its ground truth.

Every generator draws from ``numpy.random.default_rng(seed)``, so the same arguments always give the same
data, and returns a :class:`GeneratedData`: a pandas ``frame`` (named columns, the target column(s) last),
the numeric arrays ``x`` and ``y`` an optimizer trains on, and ``truth``, the model the data was drawn from,
so that tests and reports can compare what an optimizer recovered with what is there to recover.

- :func:`line`: seed 003's line-fit widget, y = slope·x + intercept + ε; with :func:`least_squares` (the
  minimiser of the MSE cost, which is *not* the ground-truth line) and :func:`line_hessian`.
- :func:`house_prices`: seed 003's example 1, a price linear in named features in real units, with a few
  gross outliers so that MSE, MAE and Huber give visibly different fits.
- :func:`student_performance`: seed 002's StudentPerformance table with a binary "passed" column drawn
  from a logistic model, and the Bayes-optimal accuracy no classifier can beat.
- :func:`bboxes`: seed 003's example 2, grey images with one rectangle and its box (x, y, w, h).

Bad arguments raise a ``ValueError`` naming the argument, the value and what is allowed::

    >>> from descend.tasks.generators import bboxes, house_prices, line, student_performance
    >>> data = line(50, seed=1)
    >>> data.x.shape, data.y.shape, list(data.frame.columns), data.target
    ((50, 1), (50,), ['x', 'y'], 'y')
    >>> data.truth["slope"], data.truth["intercept"]
    (2.0, -1.0)
    >>> list(house_prices(10).frame.columns)
    ['floor_area', 'bedrooms', 'ceiling_height', 'age', 'distance_to_centre', 'price']
    >>> student_performance(10).frame["passed"].isin(["pass", "fail"]).all()
    np.True_
    >>> images = bboxes(4, size=8)
    >>> images.x.shape, images.y.shape, images.target
    ((4, 8, 8), (4, 4), ('x', 'y', 'w', 'h'))
    >>> line(1)
    Traceback (most recent call last):
    ...
    ValueError: m=1 is not allowed; m must be an integer >= 2
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "GeneratedData",
    "bboxes",
    "house_prices",
    "least_squares",
    "line",
    "line_hessian",
    "student_performance",
]


@dataclass(frozen=True, eq=False)
class GeneratedData:
    """A generated data set and the model it was drawn from.

    Attributes:
        name: the generator (``"line"``, ``"house_prices"``, ...).
        frame: a pandas DataFrame with named columns, the target column(s) last.
        x: the features, float ``[m, D]`` (for :func:`bboxes`, the images ``[m, size, size]``).
        y: the targets, ``[m]`` (for :func:`bboxes`, ``[m, 4]``).
        target: the name of the target column of ``frame`` (a tuple of names for several).
        feature_names: the names of the columns of ``x`` (for :func:`bboxes`, of the flattened pixels).
        truth: the ground truth; its keys are documented by each generator.
        description: one paragraph for a task card: where the data comes from, the ground-truth model and
            what is known about the answer.
    """

    name: str
    frame: pd.DataFrame
    x: np.ndarray
    y: np.ndarray
    target: str | tuple[str, ...]
    feature_names: tuple[str, ...]
    truth: Mapping[str, Any]
    description: str

    def __len__(self) -> int:
        return len(self.y)

    def __repr__(self) -> str:
        return (
            f"GeneratedData(name={self.name!r}, x={list(self.x.shape)}, y={list(self.y.shape)}, "
            f"target={self.target!r}, truth={sorted(self.truth)})"
        )


# ---------------------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------------------


def _integer(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name}={value!r} is not allowed; {name} must be an integer >= {minimum}")
    return int(value)


def _real(name: str, value: object, *, minimum: float | None = None, below: float | None = None) -> float:
    """A finite real number, optionally >= ``minimum`` and < ``below``."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
    if ok and minimum is not None and value < minimum:
        ok = False
    if ok and below is not None and value >= below:
        ok = False
    if not ok:
        if minimum is not None and below is not None:
            allowed = f"a number in [{minimum:g}, {below:g})"
        elif minimum is not None:
            allowed = f"a finite number >= {minimum:g}"
        else:
            allowed = "a finite number"
        raise ValueError(f"{name}={value!r} is not allowed; {name} must be {allowed}")
    return float(value)


def _rng(seed: object) -> np.random.Generator:
    return np.random.default_rng(_integer("seed", seed, 0))


def _sample_1d(name: str, values: object) -> np.ndarray:
    """``values`` as a float64 vector: ``[m]``, or ``[m, 1]`` flattened."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"{name} has shape {list(arr.shape)}; it must be [m] or [m, 1]")
    if not np.all(np.isfinite(arr)):
        row = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise ValueError(f"{name} has a non-finite value ({arr[row]}) at row {row}; all values must be finite")
    return arr


# ---------------------------------------------------------------------------------------------------------
# Line (seed 003's line-fit widget)
# ---------------------------------------------------------------------------------------------------------


def line(
    m: int = 100,
    *,
    slope: float = 2.0,
    intercept: float = -1.0,
    noise: float = 0.5,
    x_range: tuple[float, float] = (-2.0, 2.0),
    seed: int = 0,
) -> GeneratedData:
    r"""Noisy samples of a line, for fitting ŷ = w·x + b (seed 003's line-fit widget).

    Ground truth, for i = 1..m::

        xᵢ ~ U(x_range[0], x_range[1])
        yᵢ = slope·xᵢ + intercept + εᵢ,   εᵢ ~ N(0, noise²)

    The MSE cost J(w, b) = (1/m) Σᵢ (w·xᵢ + b − yᵢ)² is minimised by the least-squares line
    (:func:`least_squares`), not by (slope, intercept): the noise moves the minimum away from it by
    an amount of order noise/√m. Only with ``noise=0`` (or as m → ∞) do the two coincide.

    Returns ``x [m, 1]`` and ``y [m]`` (float64), frame columns ``x, y`` and ``truth``:

    - ``"slope"``, ``"intercept"``, ``"noise"``: the ground-truth line and noise level;
    - ``"least_squares"``: ``(w, b)``, the minimiser of the MSE cost on these samples;
    - ``"min_cost"``: the MSE cost at that minimiser, the lowest any optimizer can reach;
    - ``"hessian"``: the 2×2 Hessian of the cost over (w, b) (:func:`line_hessian`).
    """
    m = _integer("m", m, 2)
    slope = _real("slope", slope)
    intercept = _real("intercept", intercept)
    noise = _real("noise", noise, minimum=0.0)
    if not (isinstance(x_range, (tuple, list)) and len(x_range) == 2):
        raise ValueError(f"x_range={x_range!r} is not allowed; x_range must be a pair (low, high) with low < high")
    low = _real("x_range[0]", x_range[0])
    high = _real("x_range[1]", x_range[1])
    if not low < high:
        raise ValueError(f"x_range={x_range!r} is not allowed; x_range must be a pair (low, high) with low < high")
    rng = _rng(seed)
    x = rng.uniform(low, high, size=m)
    y = slope * x + intercept + noise * rng.standard_normal(m)
    w, b = least_squares(x, y)
    min_cost = float(np.mean((w * x + b - y) ** 2))
    frame = pd.DataFrame({"x": x, "y": y})
    description = (
        f"{m} points (x, y) sampled around a line, as in the line-fit widget of seed 003: x is uniform on "
        f"[{low:g}, {high:g}] and y = {slope:g}·x + {intercept:g} + ε with Gaussian noise ε ~ N(0, {noise:g}²). "
        f"The model is ŷ = w·x + b trained on the MSE cost, a convex quadratic in (w, b) whose minimum, the "
        f"least-squares line w = {w:.4f}, b = {b:.4f} with cost {min_cost:.4f}, is known in closed form; it "
        f"differs from the ground-truth line by the noise, so the best an optimizer can do is reach the "
        f"least-squares line, not the ground truth."
    )
    return GeneratedData(
        name="line",
        frame=frame,
        x=x[:, None],
        y=y,
        target="y",
        feature_names=("x",),
        truth={
            "slope": slope,
            "intercept": intercept,
            "noise": noise,
            "least_squares": (w, b),
            "min_cost": min_cost,
            "hessian": line_hessian(x),
        },
        description=description,
    )


def least_squares(x: object, y: object) -> tuple[float, float]:
    r"""The minimiser (w, b) of the MSE cost J(w, b) = (1/m) Σᵢ (w·xᵢ + b − yᵢ)², in closed form (float64).

    Setting ∂J/∂w = (2/m) Σᵢ (w·xᵢ + b − yᵢ)·xᵢ and ∂J/∂b = (2/m) Σᵢ (w·xᵢ + b − yᵢ) to zero gives the
    normal equations

        w·Σxᵢ² + b·Σxᵢ = Σxᵢyᵢ
        w·Σxᵢ  + b·m   = Σyᵢ

    whose solution, written with the means x̄ and ȳ, is w = Σ(xᵢ − x̄)(yᵢ − ȳ) / Σ(xᵢ − x̄)², b = ȳ − w·x̄.
    ``x`` and ``y`` are ``[m]`` (or ``[m, 1]``); x needs at least two distinct values.

        >>> least_squares([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        (2.0, 1.0)
    """
    x = _sample_1d("x", x)
    y = _sample_1d("y", y)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} samples and y has {len(y)}; they must have the same length")
    dx = x - x.mean()
    sxx = float(np.sum(dx * dx))
    if len(x) < 2 or sxx == 0.0:
        raise ValueError(
            "x must have at least two distinct values for the least-squares line to be unique "
            f"(got {len(x)} sample(s), {len(np.unique(x))} distinct)"
        )
    w = float(np.sum(dx * (y - y.mean())) / sxx)
    b = float(y.mean() - w * x.mean())
    return w, b


def line_hessian(x: object) -> np.ndarray:
    r"""The Hessian of the MSE cost J(w, b) = (1/m) Σᵢ (w·xᵢ + b − yᵢ)² over (w, b), a 2×2 float64 array::

        H = [[2/m Σxᵢ², 2/m Σxᵢ],
             [2/m Σxᵢ,  2      ]]

    J is quadratic, so H does not depend on y, w or b. Its largest eigenvalue λ_max bounds the learning
    rate of gradient descent: GD on J converges for α < 2/λ_max.

        >>> line_hessian([-1.0, 1.0]).tolist()
        [[2.0, 0.0], [0.0, 2.0]]
    """
    x = _sample_1d("x", x)
    if len(x) == 0:
        raise ValueError("x is empty; the Hessian of the cost needs at least one sample")
    m = len(x)
    sx = 2.0 * float(np.sum(x)) / m
    sxx = 2.0 * float(np.sum(x * x)) / m
    return np.array([[sxx, sx], [sx, 2.0]], dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------
# House prices (seed 003, example 1)
# ---------------------------------------------------------------------------------------------------------

#: price (thousands) = intercept + Σ_j coefficient_j · feature_j (+ noise); per unit of each feature.
HOUSE_COEFFICIENTS: dict[str, float] = {
    "floor_area": 2.5,  # per m²
    "bedrooms": 10.0,  # per bedroom
    "ceiling_height": 40.0,  # per m
    "age": -0.8,  # per year
    "distance_to_centre": -6.0,  # per km
}
HOUSE_INTERCEPT = 50.0
#: An outlier's recorded price is this many times its price.
HOUSE_OUTLIER_FACTOR = 3.0


def house_prices(
    m: int = 500,
    *,
    noise: float = 25.0,
    outliers: float = 0.02,
    seed: int = 0,
) -> GeneratedData:
    r"""House prices linear in named features in real units (seed 003's example 1), with a few outliers.

    Features, drawn independently per house except bedrooms, which follow floor area::

        floor_area         (m²)    = round(exp(N(ln 100, 0.35²)), 1) clipped to [30, 300]
        bedrooms           (count) = round(floor_area / 30 + N(0, 0.7²)) clipped to [1, 7]
        ceiling_height     (m)     = round(N(2.6, 0.15²), 2) clipped to [2.3, 3.5]
        age                (years) = round(Gamma(shape 2, scale 15)) clipped to [0, 120]
        distance_to_centre (km)    = round(Gamma(shape 2, scale 3), 1) clipped to [0.1, 30]

    Price in thousands::

        price = b + Σ_j w_j·feature_j + ε,   ε ~ N(0, noise²)
        b = 50, w = {floor_area: 2.5, bedrooms: 10, ceiling_height: 40, age: −0.8, distance_to_centre: −6}

    (a typical house, 100 m², 3 bedrooms, 2.6 m, 30 years, 6 km, costs 374 ± noise). Then exactly
    round(outliers·m) houses, chosen at random, are *outliers*: their recorded price is 3× the price
    above (a misrecorded listing). These few large, one-sided errors pull the MSE fit (which squares them)
    far more than the MAE fit (which counts them linearly) or the Huber fit; without them, ordinary least
    squares recovers w and b to within a few standard errors of noise·√diag((XᵀX)⁻¹).

    Returns ``x [m, 5]`` (float64, the features in the order above), ``y [m]`` (the recorded price),
    frame columns ``floor_area, bedrooms, ceiling_height, age, distance_to_centre, price`` and ``truth``:

    - ``"coefficients"``: w by feature name; ``"intercept"``: b; ``"noise"``: the noise level;
    - ``"outliers"``: boolean ``[m]``, the outlier rows; ``"outlier_factor"``: 3.0;
    - ``"clean_price"``: ``[m]``, the prices before the outliers were multiplied.
    """
    m = _integer("m", m, 1)
    noise = _real("noise", noise, minimum=0.0)
    outliers = _real("outliers", outliers, minimum=0.0, below=0.5)
    rng = _rng(seed)
    floor_area = np.clip(np.round(np.exp(rng.normal(math.log(100.0), 0.35, m)), 1), 30.0, 300.0)
    bedrooms = np.clip(np.round(floor_area / 30.0 + rng.normal(0.0, 0.7, m)), 1, 7).astype(np.int64)
    ceiling_height = np.clip(np.round(rng.normal(2.6, 0.15, m), 2), 2.3, 3.5)
    age = np.clip(np.round(rng.gamma(2.0, 15.0, m)), 0, 120).astype(np.int64)
    distance = np.clip(np.round(rng.gamma(2.0, 3.0, m), 1), 0.1, 30.0)
    columns = {
        "floor_area": floor_area,
        "bedrooms": bedrooms,
        "ceiling_height": ceiling_height,
        "age": age,
        "distance_to_centre": distance,
    }
    names = tuple(HOUSE_COEFFICIENTS)
    x = np.column_stack([columns[n].astype(np.float64) for n in names])
    w = np.array([HOUSE_COEFFICIENTS[n] for n in names])
    clean = HOUSE_INTERCEPT + x @ w + noise * rng.standard_normal(m)
    n_out = int(round(outliers * m))
    is_outlier = np.zeros(m, dtype=bool)
    is_outlier[rng.choice(m, size=n_out, replace=False)] = True
    price = np.where(is_outlier, HOUSE_OUTLIER_FACTOR * clean, clean)
    frame = pd.DataFrame({**columns, "price": price})
    terms = " ".join(
        f"{'+' if c >= 0 else '−'} {abs(c):g}·{n}" for n, c in HOUSE_COEFFICIENTS.items()
    )
    description = (
        f"{m} synthetic houses for seed 003's price-prediction example: floor area (m²), bedrooms (which "
        f"grow with floor area), ceiling height (m), age (years) and distance to the centre (km), and a price "
        f"in thousands that is linear in them, price = {HOUSE_INTERCEPT:g} {terms} + ε with Gaussian noise "
        f"ε ~ N(0, {noise:g}²). {n_out} houses ({outliers:.0%}) are outliers whose recorded price is "
        f"{HOUSE_OUTLIER_FACTOR:g}× the model's, so the MSE cost (pulled hard by them) and the MAE or Huber "
        f"costs (which resist them) lead to visibly different fits; on the other rows a linear model can "
        f"recover the coefficients up to the noise. Features are in very different units, so the cost is "
        f"badly conditioned unless they are standardized."
    )
    return GeneratedData(
        name="house_prices",
        frame=frame,
        x=x,
        y=price,
        target="price",
        feature_names=names,
        truth={
            "coefficients": dict(HOUSE_COEFFICIENTS),
            "intercept": HOUSE_INTERCEPT,
            "noise": noise,
            "outliers": is_outlier,
            "outlier_factor": HOUSE_OUTLIER_FACTOR,
            "clean_price": clean,
        },
        description=description,
    )


# ---------------------------------------------------------------------------------------------------------
# Student performance (seed 002's StudentPerformance table)
# ---------------------------------------------------------------------------------------------------------

#: Category frequencies, close to those of the StudentPerformance table that seed 002 trains on.
STUDENT_FREQUENCIES: dict[str, dict[str, float]] = {
    "gender": {"female": 0.52, "male": 0.48},
    "race/ethnicity": {"group A": 0.09, "group B": 0.19, "group C": 0.32, "group D": 0.26, "group E": 0.14},
    "parental level of education": {
        "some high school": 0.18,
        "high school": 0.20,
        "some college": 0.22,
        "associate's degree": 0.22,
        "bachelor's degree": 0.12,
        "master's degree": 0.06,
    },
    "lunch": {"standard": 0.65, "free/reduced": 0.35},
    "test preparation course": {"none": 0.64, "completed": 0.36},
}

#: The logit of P(pass) = intercept + Σ coefficient·feature, by column of ``x``.
STUDENT_COEFFICIENTS: dict[str, float] = {
    "gender=male": 0.0,
    "race/ethnicity=group B": 0.0,
    "race/ethnicity=group C": 0.0,
    "race/ethnicity=group D": 0.0,
    "race/ethnicity=group E": 0.0,
    "parental education level": 0.25,  # per level, 0 = some high school ... 5 = master's degree
    "lunch=standard": 0.9,
    "test preparation course=completed": 0.8,
    "number of absences": -0.15,  # per absence
    "prior test score": 0.05,  # per point
}
STUDENT_INTERCEPT = -3.4


def student_performance(m: int = 1000, *, seed: int = 0) -> GeneratedData:
    r"""A table shaped like seed 002's StudentPerformance.csv, with a pass/fail target from a logistic model.

    Columns, drawn independently per student:

    - ``gender``: female 52 %, male 48 %;
    - ``race/ethnicity``: group A 9 %, B 19 %, C 32 %, D 26 %, E 14 %;
    - ``parental level of education``: some high school 18 %, high school 20 %, some college 22 %,
      associate's degree 22 %, bachelor's degree 12 %, master's degree 6 % (level 0..5 in this order);
    - ``lunch``: standard 65 %, free/reduced 35 %;
    - ``test preparation course``: none 64 %, completed 36 %;
    - ``number of absences`` ~ NegativeBinomial(2, 1/3): mean 4, variance 12;
    - ``prior test score`` = round(N(66, 15²)) clipped to [0, 100];
    - ``passed``: "pass" with probability p, else "fail", where::

        p = σ(z),  σ(z) = 1 / (1 + e^(−z))
        z = −3.4 + 0.25·education_level + 0.9·[lunch = standard] + 0.8·[preparation = completed]
                 − 0.15·absences + 0.05·prior_score

    Gender and race/ethnicity have **no** effect (coefficient 0): a fit that gives them weight is fitting
    noise. About 64 % of students pass.

    ``x [m, 10]`` (float64) is the design matrix of this model, one column per entry of
    ``truth["coefficients"]``: indicators ``gender=male``, ``race/ethnicity=group B..E``, ``lunch=standard``
    and ``test preparation course=completed`` (the other level is the reference), the education level 0..5,
    the absences and the prior score. ``y [m]`` is int64, 1 for "pass" and 0 for "fail". ``truth``:

    - ``"intercept"``: −3.4; ``"coefficients"``: the logit coefficients by column of ``x``;
    - ``"probability"``: ``[m]``, the true P(pass) of each row;
    - ``"bayes_accuracy"``: mean over rows of max(p, 1 − p), the expected accuracy of the best possible
      classifier (predict "pass" when p > 1/2) on these rows: no model can expect more;
    - ``"frequencies"``: the category probabilities above; ``"education_levels"``: the levels in order.
    """
    m = _integer("m", m, 1)
    rng = _rng(seed)
    columns: dict[str, np.ndarray] = {}
    for column, freq in STUDENT_FREQUENCIES.items():
        levels = np.array(list(freq), dtype=object)
        columns[column] = levels[rng.choice(len(levels), size=m, p=list(freq.values()))]
    absences = rng.negative_binomial(2, 1.0 / 3.0, size=m).astype(np.int64)
    prior = np.clip(np.round(rng.normal(66.0, 15.0, m)), 0, 100).astype(np.int64)

    education_levels = tuple(STUDENT_FREQUENCIES["parental level of education"])
    level = {name: i for i, name in enumerate(education_levels)}
    features = {
        "gender=male": columns["gender"] == "male",
        **{
            f"race/ethnicity={g}": columns["race/ethnicity"] == g
            for g in ("group B", "group C", "group D", "group E")
        },
        "parental education level": np.array([level[e] for e in columns["parental level of education"]]),
        "lunch=standard": columns["lunch"] == "standard",
        "test preparation course=completed": columns["test preparation course"] == "completed",
        "number of absences": absences,
        "prior test score": prior,
    }
    names = tuple(STUDENT_COEFFICIENTS)
    x = np.column_stack([np.asarray(features[n], dtype=np.float64) for n in names])
    z = STUDENT_INTERCEPT + x @ np.array([STUDENT_COEFFICIENTS[n] for n in names])
    p = 1.0 / (1.0 + np.exp(-z))
    y = (rng.uniform(size=m) < p).astype(np.int64)
    bayes = float(np.mean(np.maximum(p, 1.0 - p)))

    frame = pd.DataFrame(
        {
            **columns,
            "number of absences": absences,
            "prior test score": prior,
            "passed": np.where(y == 1, "pass", "fail").astype(object),
        }
    )
    description = (
        f"{m} synthetic students in the shape of seed 002's StudentPerformance table: gender, race/ethnicity "
        f"(group A–E), parental level of education, lunch (standard or free/reduced), test preparation course "
        f"(none or completed), number of absences and a prior test score, with category frequencies close to "
        f"the seed's (female 52 %, standard lunch 65 %, preparation completed 36 %). Whether a student passed "
        f"is drawn from a logistic model, P(pass) = σ({STUDENT_INTERCEPT:g} + 0.25·education level + "
        f"0.9·standard lunch + 0.8·preparation completed − 0.15·absences + 0.05·prior score); gender and "
        f"race/ethnicity have no effect. Logistic regression on x is therefore well specified and can recover "
        f"these coefficients; since passing stays random given the features, no classifier can expect more "
        f"than the Bayes-optimal accuracy of {bayes:.3f} on these rows."
    )
    return GeneratedData(
        name="student_performance",
        frame=frame,
        x=x,
        y=y,
        target="passed",
        feature_names=names,
        truth={
            "intercept": STUDENT_INTERCEPT,
            "coefficients": dict(STUDENT_COEFFICIENTS),
            "probability": p,
            "bayes_accuracy": bayes,
            "frequencies": {k: dict(v) for k, v in STUDENT_FREQUENCIES.items()},
            "education_levels": education_levels,
        },
        description=description,
    )


# ---------------------------------------------------------------------------------------------------------
# Bounding boxes (seed 003, example 2)
# ---------------------------------------------------------------------------------------------------------

#: Grey level of the background and of the object, before noise.
BBOX_BACKGROUND = 0.2
BBOX_OBJECT = 0.8


def bboxes(m: int = 1000, *, size: int = 16, noise: float = 0.05, seed: int = 0) -> GeneratedData:
    r"""Grey images with one filled rectangle and its bounding box (seed 003's object localisation).

    Image i is ``size × size`` pixels; pixel (r, c) (row r from the top, column c from the left) covers
    [c, c + 1) × [r, r + 1) in pixel coordinates. The object is a rectangle of whole pixels::

        wᵢ, hᵢ ~ U{2, ..., size // 2}                 (width and height, pixels)
        leftᵢ ~ U{0, ..., size − wᵢ},  topᵢ ~ U{0, ..., size − hᵢ}   (fully inside the image)
        imageᵢ[r, c] = clip(0.8·[pixel in rectangle] + 0.2·[pixel not in rectangle] + εᵢ,ᵣ,꜀, 0, 1),
        ε ~ N(0, noise²)

    The target is the box (x, y, w, h) normalised by the image size to [0, 1]::

        x = (left + w/2) / size,  y = (top + h/2) / size,  w = w_px / size,  h = h_px / size

    to be learnt with the seed's loss L = (x − x̂)² + (y − ŷ)² + (w − ŵ)² + (h − ĥ)² (``descend.losses.bbox``).
    The contrast between object and background is 0.6, so thresholding an image at 0.5 recovers its box
    exactly unless the noise of some pixel exceeds 0.3 in magnitude: 6 standard deviations at the default
    noise of 0.05, about one pixel in 500 million. The box is then a function of the image and a perfect
    model has zero loss.

    Returns ``x [m, size, size]`` (float32 in [0, 1]), ``y [m, 4]`` (float32), ``target ("x", "y", "w",
    "h")``, a frame of the flattened pixels in row-major order (columns ``p_r_c``, which are also
    ``feature_names``) followed by x, y, w, h, and ``truth``:

    - ``"boxes_px"``: ``[m, 4]`` int64 (left, top, w, h) in pixels;
    - ``"centres_px"``: ``[m, 2]`` float64 (x, y) box centres in pixels;
    - ``"background"``, ``"object"``: the grey levels 0.2 and 0.8; ``"noise"``: the noise level.
    """
    m = _integer("m", m, 1)
    size = _integer("size", size, 4)
    noise = _real("noise", noise, minimum=0.0)
    rng = _rng(seed)
    w = rng.integers(2, size // 2 + 1, size=m)
    h = rng.integers(2, size // 2 + 1, size=m)
    left = rng.integers(0, size - w + 1)
    top = rng.integers(0, size - h + 1)

    cols = np.arange(size)
    inside_c = (cols >= left[:, None]) & (cols < (left + w)[:, None])  # [m, size]
    inside_r = (cols >= top[:, None]) & (cols < (top + h)[:, None])
    inside = inside_r[:, :, None] & inside_c[:, None, :]  # [m, rows, cols]
    images = np.where(inside, BBOX_OBJECT, BBOX_BACKGROUND) + noise * rng.standard_normal((m, size, size))
    images = np.clip(images, 0.0, 1.0).astype(np.float32)

    centres = np.column_stack([left + w / 2.0, top + h / 2.0])
    y = (np.column_stack([centres, w, h]) / size).astype(np.float32)
    pixel_names = tuple(f"p_{r}_{c}" for r in range(size) for c in range(size))
    frame = pd.DataFrame(images.reshape(m, -1), columns=list(pixel_names))
    for j, name in enumerate(("x", "y", "w", "h")):
        frame[name] = y[:, j]
    description = (
        f"{m} grey {size}×{size} images, each with one filled rectangle (the object, grey level "
        f"{BBOX_OBJECT:g}) on a background of grey level {BBOX_BACKGROUND:g}, plus Gaussian pixel noise "
        f"N(0, {noise:g}²) clipped to [0, 1], for seed 003's object-localisation example. The rectangle's "
        f"width and height are whole pixels between 2 and {size // 2}, its position uniform among those that "
        f"keep it inside the image. The target is its bounding box (x, y, w, h) (centre, width and height) "
        f"divided by the image size, learnt with the loss (x − x̂)² + (y − ŷ)² + (w − ŵ)² + (h − ĥ)². While the "
        f"noise is well below the contrast of {BBOX_OBJECT - BBOX_BACKGROUND:g}, thresholding an image at "
        f"0.5 recovers its box exactly, so a perfect model has zero loss."
    )
    return GeneratedData(
        name="bboxes",
        frame=frame,
        x=images,
        y=y,
        target=("x", "y", "w", "h"),
        feature_names=pixel_names,
        truth={
            "boxes_px": np.column_stack([left, top, w, h]).astype(np.int64),
            "centres_px": centres,
            "background": BBOX_BACKGROUND,
            "object": BBOX_OBJECT,
            "noise": noise,
        },
        description=description,
    )
