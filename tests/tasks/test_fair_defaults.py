"""Fair defaults: the default comparison of every built-in task and landscape ends within reach of the answer.

``descend compare TASK`` with no options runs the task's default optimizers at three learning rates spread
geometrically across ``Task.lr_range`` for ``Task.steps`` (same-lr mode), each optimizer reported at its best
rate. Each test here runs exactly that through the library (:func:`descend.compare.resolve` with the task's
name, then :func:`descend.compare.compare`) and checks the table's winner against what is known:

- a known point (a closed-form solution, the ground truth, a landscape's global minimum): the winner on
  ``distance to answer`` is within a tolerance of it, and where the known point minimises the training cost,
  the winner on final training loss is within a margin of that minimum;
- a known limit (the Bayes accuracy, the mean-box baseline, published accuracies): the winner on validation
  loss, the metric the table selects by, reaches it on test data;
- a landscape whose standard start lies in a local minimum's basin (Styblinski–Tang, Rastrigin, Ackley, Lévi
  N.13: the point of those landscapes), the winner ends at a local minimum; a landscape with no minimum (the
  saddles) the winner has escaped below the saddle's value.

Where the defaults claim more (every default optimizer reaches a landscape's minimum, except the ones
:mod:`descend.tasks.landscape_defaults` names and explains), that is checked too.

Cost: the comparison already runs one seed where seeds cannot differ (full batch, initial parameters that do
not depend on the seed: every landscape, line, house-prices). The tasks with mini-batches or random
initialisation run ``seeds=1`` here instead of the default 3: the same grid, budget, optimizers and batch
sizes, judged on seed 0 rather than the median of three seeds, so that the file stays near two minutes on a
2-core machine.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from descend import compare, landscapes, tasks
from descend.tasks.generators import house_prices
from descend.tasks.landscape_defaults import DEFAULTS

#: Tasks whose default comparison has mini-batches or randomly initialised models (seeds could differ).
STOCHASTIC = {"ellipse", "student-performance", "bbox", "vanishing", "digits", "breast-cancer", "diabetes",
              "wine", "iris"}


def run_default(name: str, **options):
    config, task = compare.resolve(name, seeds=1 if name in STOCHASTIC else 3, **options)
    assert config.mode == "same-lr" and config.steps == task.steps
    result = compare.compare(config, task)
    assert not result.interrupted and list(result.table.index) == list(task.optimizers)
    return result, task


def best(table: pd.DataFrame, metric: str, sense: str = "min") -> tuple[str, pd.Series]:
    """The label that wins ``metric`` in the table (ties: the first) and its row."""
    values = pd.to_numeric(table[metric], errors="coerce")
    label = values.idxmin() if sense == "min" else values.idxmax()
    return str(label), table.loc[label]


def final_point(result, label: str) -> tuple[float, ...]:
    """Where the run the table reports for ``label`` ended (landscapes: one run per configuration)."""
    rows = result.summary[(result.summary["label"] == label) & (result.summary["lr"] == result.table.loc[label, "lr"])]
    if "phase" in rows:
        rows = rows[rows["phase"] == "final"]
    return tuple(float(v) for v in np.asarray(result.paths[int(rows.index[0])])[-1])


# -- landscapes ---------------------------------------------------------------------------------------------------

#: The distance to a landscape's minimum that counts as reached: 1e-3, far above float32 round-off (the
#: winners end within ~1e-6) and far below the size of any basin on these plot domains.
REACHED = 1e-3
#: What "every default optimizer reaches it" allows: 0.05, for RMSprop's constant-lr hovering (Beale: 0.03).
EVERY = 0.05
#: Default optimizers that cannot reach the landscape's minimum in its default comparison, and why (see
#: descend.tasks.landscape_defaults and each landscape's card).
LEFT_OUT = {
    "rosenbrock": {"gd", "rmsprop"},  # GD needs ~12,000 steps at its largest stable lr; RMSprop hovers at 0.1
    "goldstein-price": {"nesterov"},  # diverges at GD's lr 1e-5; at its own 2e-6 GD ends in a local minimum
    "six-hump-camel": {"gd"},  # the start lies in the basin of the local minimum (−1.70, 0.80)
    "banana": {"rmsprop"},  # hovers about 0.1 away at a constant lr
}
#: Landscapes whose standard start lies in the basin of a local minimum: local descent cannot reach the
#: global one (that is what they are there to show).
BASIN = {"styblinski-tang", "rastrigin", "ackley", "levi13"}
UNBOUNDED = {"saddle", "monkey-saddle"}
REACHABLE = [name for name in landscapes.LANDSCAPES if name not in BASIN | UNBOUNDED]


def test_every_landscape_has_measured_defaults():
    assert set(DEFAULTS) == set(landscapes.LANDSCAPES)
    for name, defaults in DEFAULTS.items():
        task = tasks.get(name)
        assert task.lr_range == defaults.lr_range and task.steps == defaults.steps
        assert set(task.optimizers) <= set(task.lrs) and defaults.note in task.card()
        assert task.bounded_below == landscapes.get(name).bounded_below
    # the named example of the issue: 1e-4..1e-3 for 300 steps left all but nesterov 2.3-2.6 away
    assert tasks.get("rosenbrock").lr_range == (1e-3, 0.1) and tasks.get("rosenbrock").steps == 2000


@pytest.mark.parametrize("name", REACHABLE)
def test_landscape_default_comparison_reaches_the_minimum(name):
    result, task = run_default(name)
    table = result.table
    label, row = best(table, "distance to answer")
    assert row["distance to answer"] < REACHED, (label, table)
    label, row = best(table, "final train loss")  # the table's own selection metric, here f itself
    assert abs(row["final train loss"] - task.known.value) < 1e-4 * max(1.0, abs(task.known.value)), (label, table)
    for optimizer, distance in table["distance to answer"].items():
        if optimizer not in LEFT_OUT.get(name, ()):
            assert distance < EVERY, (optimizer, table)


@pytest.mark.parametrize("name", sorted(BASIN))
def test_landscape_default_comparison_ends_in_a_local_minimum(name):
    result, task = run_default(name)
    scape = landscapes.get(name)
    label, row = best(result.table, "final train loss")
    point = final_point(result, label)
    gradient = torch.stack(scape.gradient(*point))
    eigenvalues = torch.linalg.eigvalsh(scape.hessian(point))
    assert gradient.norm() < 1e-2 and (eigenvalues > 0).all(), (label, point, gradient, eigenvalues)
    assert row["final train loss"] < scape(*scape.start).item() - 1.0
    assert row["final train loss"] == pytest.approx(scape(*point).item(), abs=1e-4)


@pytest.mark.parametrize("name", sorted(UNBOUNDED))
def test_unbounded_landscape_default_comparison_escapes_the_saddle(name):
    result, task = run_default(name)
    assert task.known is None and not task.bounded_below
    assert "unbounded below: a run that escapes to −∞ is counted as diverged once |J| passes" in task.card()
    saddle = next(p for p in landscapes.get(name).critical_points)
    label, row = best(result.table, "final train loss")
    assert row["final train loss"] < saddle.value - 0.01, (label, result.table)


# -- the built-in tasks -----------------------------------------------------------------------------------------


def least_squares_cost(task) -> tuple[torch.Tensor, float]:
    """The minimiser of the training MSE of a linear model (weights then bias) and the cost there."""
    x, y = task.data.train.x.double(), task.data.train.y.double().reshape(-1, 1)
    design = torch.cat([x, torch.ones(len(x), 1, dtype=torch.float64)], dim=1)
    solution = torch.linalg.lstsq(design, y).solution
    return solution.reshape(-1), float(((design @ solution - y) ** 2).mean())


def test_line():
    result, task = run_default("line")
    # 1e-3: the closed-form least-squares solution, as every optimizer reaches it in test_tasks.py
    assert best(result.table, "distance to answer")[1]["distance to answer"] < 1e-3
    assert best(result.table, "final train loss")[1]["final train loss"] <= task.known.value * (1 + 1e-4)


def test_house_prices():
    result, task = run_default("house-prices")
    assert task.data.target_standardized
    solution, cost = least_squares_cost(task)
    # the training cost's minimiser (what the optimizers are asked to find) within 0.1 %
    assert best(result.table, "final train loss")[1]["final train loss"] <= cost * (1 + 1e-3)
    # the known answer is the ground truth, which the MSE's minimiser misses by the outliers' pull: the
    # winner is as close to it as that minimiser is, within 0.02 standard deviations of the price
    truth = torch.cat([task.known.points[0]["weight"].reshape(-1), task.known.points[0]["bias"].reshape(-1)])
    reachable = float((solution - truth).norm())
    assert best(result.table, "distance to answer")[1]["distance to answer"] < reachable + 0.02
    # and no optimizer "loses" by the target's units any more (it did by 7-150x in original units)
    losses = result.table["final train loss"]
    assert losses.max() < 1.02 * losses.min(), result.table


def test_ellipse():
    result, _ = run_default("ellipse")
    # within 0.02 of A and of B, as the seed's optimizers end in test_tasks.py
    assert best(result.table, "distance to answer")[1]["distance to answer"] < 0.02 * math.sqrt(2)


def test_diabetes():
    result, task = run_default("diabetes")
    assert task.data.target_standardized and "standardised features and target" in task.known.label
    assert best(result.table, "final train loss")[1]["final train loss"] <= task.known.value * (1 + 1e-3)
    # standardised units: the weights are 0.01 to 0.43, 0.01 is well within the noise of the fit
    assert best(result.table, "distance to answer")[1]["distance to answer"] < 0.01
    losses = result.table["final train loss"]  # sgd and momentum no longer 2.5-3.7x adam's
    assert losses.drop("rmsprop").max() < 1.01 * losses.min(), result.table
    # RMSprop's step is about α·sign(g) near the minimum, so its loss never settles: its last value bounces with
    # the step, and which of its near-tied configurations is lowest depends on rounding, so on the CPU's kernels
    # (0.8 % above adam's with AVX-512 code, 3.2 % with the scalar code of ATEN_CPU_CAPABILITY=default)
    assert losses["rmsprop"] < 1.1 * losses.min(), result.table


def test_student_performance():
    result, task = run_default("student-performance")
    bayes = float(dict(task.facts)["Bayes"].rsplit(" ", 1)[-1].rstrip("%")) / 100
    label, row = best(result.table, "validation loss")
    # the best accuracy any classifier can expect on these rows, less 0.05: about 1.6 binomial standard
    # deviations of an accuracy measured on 200 test rows
    assert row["test accuracy"] > bayes - 0.05, (label, result.table)


def test_bbox():
    result, task = run_default("bbox")
    baseline = float(dict(task.facts)["baseline"].rsplit(" ", 1)[-1])
    label, row = best(result.table, "validation loss")
    # a perfect model has zero loss (the box is a function of the image); the mean box has `baseline`:
    # the winner has learnt most of the box from the pixels
    assert row["test loss"] < 0.3 * baseline, (label, result.table)


@pytest.mark.parametrize("name, accuracy", [
    ("vanishing", 0.95),  # two noisy circles, separable but for the noise: Adam and RMSprop train the deep net
    ("digits", 0.95),  # an MLP with Adam, test_tasks.py; 97-98 % is usual for an MLP on these 8x8 digits
    ("breast-cancer", 0.95),  # 95-98 % for linear models and small MLPs on the 30 features
    ("wine", 0.95),  # the cultivars are nearly separable: 97-100 %
    ("iris", 0.9),  # 30 test flowers: each is 3.3 %; versicolor and virginica overlap a little
])
def test_classification(name, accuracy):
    result, _ = run_default(name)
    label, row = best(result.table, "validation loss")
    assert row["test accuracy"] >= accuracy, (label, result.table)


def test_every_built_in_task_is_covered():
    covered = {"line", "house-prices", "ellipse", "diabetes", "student-performance", "bbox", "vanishing",
               "digits", "breast-cancer", "wine", "iris"}
    assert covered == set(tasks.TASKS)


# -- any CSV file: a target around 400 ----------------------------------------------------------------------------


def test_csv_with_a_target_around_400(tmp_path):
    gen = house_prices(500, outliers=0.0, seed=1)  # prices of 160 to 960 thousands, noise σ = 25
    path = tmp_path / "houses.csv"
    gen.frame.to_csv(path, index=False)
    config, task = compare.resolve(None, csv=str(path), column="price", seeds=1)
    result = compare.compare(config, task)
    mean, sd = float(task.data.target_mean), float(task.data.target_std)
    assert 350 < mean < 420 and 90 < sd < 130
    table = result.table
    # the noise's variance is the lowest test MSE any model can expect: in standardised units (σ_ε/σ_y)²
    bayes = (gen.truth["noise"] / sd) ** 2
    label, row = best(table, "validation loss")
    assert row["test loss"] < 1.5 * bayes, (bayes, table)
    # every default optimizer gets there: no 7-150x gap between Adam and plain gradient steps
    assert table["test loss"].max() < 1.5 * bayes, (bayes, table)
    # the losses in the price's own units (thousands²) are the standardised ones times σ_y²
    final = result.summary[result.summary["label"] == label]
    for split in ("train", "validation", "test"):
        np.testing.assert_allclose(final[f"final_{split}_loss_original"], final[f"final_{split}_loss"] * sd**2,
                                   rtol=1e-4)
