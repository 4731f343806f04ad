"""The names the command line shows before any training, each decided here once: a light registry that
imports nothing heavy, read by the modules that build the real objects (which import torch), so that
``descend list`` and ``descend --help`` start without them.

- :data:`INITS` — how a network's weights start (:mod:`descend.models`; ``descend compare --init``);
- :data:`OPTIMIZERS` — each optimizer's one-line description (read by :mod:`descend.optim.registry`), its
  default learning rate and the tensors its state keeps per parameter; :data:`RANDOM_SEARCH` the
  gradient-free baseline's name and description (read by :mod:`descend.optim.random_search`);
- :data:`LOSSES` — each loss's description and kind (read by :mod:`descend.losses`);
- :data:`SCHEDULES` — each schedule's description (read by :mod:`descend.schedules`);
- :data:`TASKS` — each built-in task's summary and group (read by :func:`descend.tasks.register`);
- :data:`LANDSCAPES` — each landscape's formula and its numbers of listed minima and saddles.

The facts that the real objects compute (a default learning rate, a state size, a landscape's formula and
critical points) are repeated here for the list; ``tests/test_catalog.py`` checks that every
entry agrees with the real object, and that each registry has the same names in the same order.
"""

from __future__ import annotations

from typing import NamedTuple

#: Initialisations of :class:`descend.models.Linear` and :class:`descend.models.MLP` (or a dict
#: ``{name: values}``).
INITS: tuple[str, ...] = ("torch", "zeros", "uniform", "normal", "xavier", "he")


class Optimizer(NamedTuple):
    description: str
    lr: float  # the default learning rate
    state: int  # tensors of a parameter's shape that its state keeps per parameter


class Loss(NamedTuple):
    description: str
    kind: str  # regression, classification or localisation


class Task(NamedTuple):
    summary: str
    group: str  # case study, real data


class Landscape(NamedTuple):
    formula: str  # J(x, y) as shown
    minima: int  # minima listed
    more_minima: bool  # whether there are more than those listed
    saddles: int  # saddle points listed (degenerate ones included)


#: Every optimizer of :data:`descend.optim.OPTIMIZERS`, in its order.
OPTIMIZERS: dict[str, Optimizer] = {
    "gd": Optimizer("gradient descent w ← w − α·g (GD/SGD/mini-batch)", lr=0.01, state=0),
    "momentum": Optimizer("seeds' EMA momentum v ← βv + (1−β)g, w ← w − αv", lr=0.01, state=1),
    "sgd": Optimizer("torch's SGD: heavy ball b ← μb + (1−τ)g, Nesterov", lr=0.001, state=0),
    "nesterov": Optimizer("SGD with Nesterov momentum (NAG), μ = 0.9", lr=0.001, state=1),
    "adagrad": Optimizer("Adagrad: g over the root of summed squared g", lr=0.01, state=1),
    "adadelta": Optimizer("Adadelta: RMS of past steps over RMS of g", lr=1.0, state=2),
    "rmsprop": Optimizer("RMSprop: g over a running RMS of g", lr=0.01, state=1),
    "adam": Optimizer("Adam: corrected momentum over corrected RMS", lr=0.001, state=2),
    "amsgrad": Optimizer("AMSGrad: Adam over the running max of s", lr=0.001, state=3),
    "adamw": Optimizer("AdamW: Adam with decay w ← w(1 − αλ)", lr=0.001, state=2),
    "adamax": Optimizer("Adamax: Adam with an infinity norm", lr=0.002, state=2),
    "nadam": Optimizer("NAdam: Adam with Nesterov momentum", lr=0.002, state=2),
    "radam": Optimizer("RAdam: Adam with a rectified adaptive step", lr=0.001, state=2),
}

#: The gradient-free baseline (:mod:`descend.optim.random_search`): its name and description.
RANDOM_SEARCH: tuple[str, str] = (
    "random-search",
    "draw random parameter sets from U(−scale, scale) or N(0, scale²), keep the best (no gradient)",
)

#: Every loss of :data:`descend.losses.LOSSES`, in its order.
LOSSES: dict[str, Loss] = {
    "mse": Loss("mean squared error (1/m) Σ (ŷ − y)²", kind="regression"),
    "half-mse": Loss("half the mean squared error (1/(2m)) Σ (ŷ − y)², seed 002's cost j", kind="regression"),
    "mae": Loss("mean absolute error (1/m) Σ |ŷ − y|", kind="regression"),
    "mape": Loss("mean absolute percentage error, in percent: (100/m) Σ |y − ŷ| / max(|y|, eps)", kind="regression"),
    "huber": Loss("Huber loss: quadratic below delta, linear above", kind="regression"),
    "l2": Loss("squared L2 norm per sample ‖y − ŷ‖²₂ (summed over features)", kind="regression"),
    "bce": Loss("binary cross-entropy on probabilities (log clamped at −100)", kind="classification"),
    "bce-logits": Loss("binary cross-entropy on logits, numerically stable", kind="classification"),
    "cross-entropy": Loss("categorical cross-entropy on logits (softmax applied; probabilities need from_logits=False)",
                          kind="classification"),
    "bbox": Loss("bounding-box loss (x−x̂)² + (y−ŷ)² + (w−ŵ)² + (h−ĥ)²", kind="localisation"),
}

#: The losses that are a multiple of the mean squared error: each → that multiple per output (L2 sums the squares
#: over a sample's outputs, so its multiple is the number of outputs times this). A table gives the error in the
#: target's units for them (:data:`TEST_RMSE`), the square root of the squared error their value is a multiple of.
SQUARED_LOSSES: dict[str, float] = {"mse": 1.0, "half-mse": 0.5, "l2": 1.0}

#: A table's column of a standardised regression target's test loss with the predictions and targets in the target's
#: own scale (ŷ·σ + μ against y): in the target's units for the MAE, in percent of it for the MAPE, and in the
#: target's units squared for the losses of :data:`SQUARED_LOSSES` and the Huber loss (whose δ is scaled with the
#: target, quadratic below it and δ·|e| above); its name says no unit, which is each loss's own.
TEST_LOSS_UNSTANDARDISED = "test loss (target unstandardised)"
#: A table's column of the test error in the target's own units, the root-mean-square error, where the loss is one
#: of :data:`SQUARED_LOSSES` (the square root of the loss's squared error: of :data:`TEST_LOSS_UNSTANDARDISED`
#: divided by its multiple).
TEST_RMSE = "test RMSE (target's units)"
#: The table columns that earlier releases named otherwise: the name then → the name now (a saved report's table is
#: read with these; "target's units" was the MSE's squared units).
FORMER_COLUMNS: dict[str, str] = {"test loss (target's units)": TEST_LOSS_UNSTANDARDISED}

#: Every schedule of :data:`descend.schedules.SCHEDULES`: its description.
SCHEDULES: dict[str, str] = {
    "constant": "value, at every step",
    "step": "value · gamma^⌊t / step_size⌋ (torch StepLR)",
    "multistep": "value · gamma^(number of milestones <= t) (torch MultiStepLR)",
    "exponential": "value · gamma^t (torch ExponentialLR)",
    "inverse_time": "value / (1 + decay · t) (Keras InverseTimeDecay)",
    "polynomial": "(value − end_value)(1 − min(t, T)/T)^power + end_value (torch PolynomialLR)",
    "cosine": "cosine from value to min_value over total_steps (torch CosineAnnealingLR)",
    "cosine_restarts": "cosine with warm restarts, SGDR (torch CosineAnnealingWarmRestarts)",
    "warmup": "linear warm-up for warmup_steps, then another schedule (torch SequentialLR + LinearLR)",
    "one_cycle": "1cycle: warm up to max_value, then anneal far below it (torch OneCycleLR)",
}

#: Every task of :data:`descend.tasks.TASKS` (the landscapes are tasks too).
TASKS: dict[str, Task] = {
    "digits": Task(
        "handwritten digits 0–9, 8×8 pixels (1797 images, scikit-learn); softmax cross-entropy",
        group="real data"),
    "breast-cancer": Task(
        "Wisconsin breast cancer, malignant or benign (569 × 30, scikit-learn); BCE",
        group="real data"),
    "diabetes": Task(
        "diabetes progression after one year (442 × 10, scikit-learn); linear regression, MSE",
        group="real data"),
    "wine": Task("three wine cultivars from 13 chemical measurements (178 samples, scikit-learn)", group="real data"),
    "iris": Task("Fisher's iris, three species from 4 measurements (150 samples, scikit-learn)", group="real data"),
    "line": Task(
        "seed 003's line fit ŷ = w·x + b; the closed-form least-squares answer is known",
        group="case study"),
    "house-prices": Task(
        "seed 003's house prices: linear regression on named features, MSE/MAE/Huber",
        group="case study"),
    "ellipse": Task(
        "seed 004's Earth–Mars transfer orbit: find the ellipse's A and B from 512 noisy points",
        group="case study"),
    "student-performance": Task(
        "seed 002's student table: pass/fail from categorical and numeric columns, BCE",
        group="case study"),
    "bbox": Task(
        "seed 003's object localisation: predict (x, y, w, h) of a rectangle in small images",
        group="case study"),
    "vanishing": Task(
        "seed 002's vanishing gradients: a deep sigmoid MLP whose early layers barely learn",
        group="case study"),
}

#: Every landscape of :data:`descend.landscapes.LANDSCAPES`.
LANDSCAPES: dict[str, Landscape] = {
    "rosenbrock": Landscape("(1 − x)² + 100(y − x²)²", minima=1, more_minima=False, saddles=0),
    "beale": Landscape(
        "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        minima=1, more_minima=False, saddles=2),
    "booth": Landscape("(x + 2y − 7)² + (2x + y − 5)²", minima=1, more_minima=False, saddles=0),
    "himmelblau": Landscape("(x² + y − 11)² + (x + y² − 7)²", minima=4, more_minima=False, saddles=4),
    "goldstein-price": Landscape(
        "[1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]",
        minima=4, more_minima=False, saddles=4),
    "saddle": Landscape("x² − y²", minima=0, more_minima=False, saddles=1),
    "monkey-saddle": Landscape("x³ − 3xy²", minima=0, more_minima=False, saddles=1),
    "styblinski-tang": Landscape("½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)", minima=4, more_minima=False, saddles=4),
    "rastrigin": Landscape("20 + x² − 10cos(2πx) + y² − 10cos(2πy)", minima=9, more_minima=True, saddles=0),
    "six-hump-camel": Landscape("(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²", minima=6, more_minima=False, saddles=7),
    "three-hump-camel": Landscape("2x² − 1.05x⁴ + x⁶/6 + xy + y²", minima=3, more_minima=False, saddles=2),
    "matyas": Landscape("0.26(x² + y²) − 0.48xy", minima=1, more_minima=False, saddles=0),
    "mccormick": Landscape("sin(x + y) + (x − y)² − 1.5x + 2.5y + 1", minima=2, more_minima=False, saddles=1),
    "ackley": Landscape(
        "−20·exp(−0.2·√(0.5(x² + y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20",
        minima=9, more_minima=True, saddles=0),
    "levi13": Landscape(
        "sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))",
        minima=3, more_minima=True, saddles=0),
    "banana": Landscape("(1 − x)² + 20(3y − x²)²", minima=1, more_minima=False, saddles=0),
    "quadratic": Landscape("½(x² + 10y²)", minima=1, more_minima=False, saddles=0),
    "parabola": Landscape("w²/2", minima=1, more_minima=False, saddles=0),
}
