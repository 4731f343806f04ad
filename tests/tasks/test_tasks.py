"""Tasks: every built-in task trains through descend.fit, and the case studies reach their known answers."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
import torch

import descend
from descend import tasks
from descend.gradients import ellipse_grad
from descend.tasks.cases import ELLIPSE_A, ELLIPSE_B


@pytest.mark.parametrize("name", list(tasks.TASKS))
def test_every_task_builds_trains_and_has_a_card(name):
    task = tasks.get(name)
    assert task.name == name
    card = task.card()
    assert task.title in card and task.description in card and "lr range" in card
    if task.known is not None:
        assert task.known.label in card
    # every option --task-option takes (the help says the card lists them; it listed none)
    (options,) = [line for line in card.splitlines() if line.startswith("options:")]
    given, _, unset = options.split(" (--task-option")[0][len("options:"):].strip().partition(
        "; unset (the task's own): ")
    listed = re.findall(r"(?:^|, )([a-z_]\w*)=", given) + (unset.split(", ") if unset else [])
    assert sorted(listed) == sorted(tasks.option_names(name)), options
    assert "None" not in given and "'" not in given  # as --task-option takes them, not Python's reprs
    runs = task.fit(optimizer=["sgd", "adam"], lr=1e-3, steps=3, eval_every=1)
    summary = runs.summary
    assert len(summary) == 2 and not summary["diverged"].any()
    assert np.isfinite(summary["final_train_loss"]).all()
    if task.data is not None and task.data.test is not None and len(task.data.test):
        assert "final_test_loss" in summary
    if task.known is not None:
        assert np.isfinite(summary["distance"]).all()


@pytest.mark.parametrize("name", ["rosenbrock", "himmelblau", "parabola"])
def test_landscapes_are_tasks(name):
    task = tasks.get(name)
    assert task.kind == "cost" and task.data is None and task.loss == "value"
    runs = task.fit(optimizer="gd", lr=task.lr_range[0], steps=5)
    assert runs.summary["distance"].notna().all()


def test_unknown_names_and_options_suggest_close_ones():
    with pytest.raises(ValueError, match="unknown task 'elipse'.*ellipse"):
        tasks.get("elipse")
    with pytest.raises(ValueError, match="data_sed.*data_seed"):
        tasks.get("line", data_sed=1)
    with pytest.raises(ValueError, match="give data= or task="):
        descend.fit(task="line", data=(torch.zeros(3, 1), torch.zeros(3)), steps=1)
    with pytest.raises(ValueError, match="give model="):
        descend.fit(steps=1)
    with pytest.raises(ValueError, match="noise=-1"):
        tasks.get("rosenbrock", noise=-1)
    with pytest.raises(ValueError, match="unknown option of task 'himmelblau' 'nosie'; did you mean 'noise'"):
        tasks.get("himmelblau", nosie=0.1)  # a landscape's options as a task's (it was a TypeError)


def test_names_group_the_tasks():
    groups = tasks.names()
    assert {"line", "ellipse", "house-prices", "student-performance", "bbox", "vanishing"} <= set(groups["case study"])
    assert {"digits", "breast-cancer", "diabetes", "wine", "iris"} <= set(groups["real data"])
    assert "rosenbrock" in groups["landscape"]


# -- line: every optimizer reaches the closed-form least-squares solution ---------------------------------------------

LINE_SETTINGS = {  # optimizer: (lr, steps); full batch, float64
    "gd": (0.3, 600),
    "momentum": (0.1, 600),
    "sgd": (0.1, 600),  # torch's form with momentum=0: GD
    "nesterov": (0.05, 600),
    "adagrad": (1.0, 1500),
    "adadelta": (10.0, 2000),
    "rmsprop": (0.01, 1500),
    "adam": (0.05, 1500),
    "amsgrad": (0.05, 1500),
    "adamw": (0.05, 1500),
    "adamax": (0.05, 1500),
    "nadam": (0.05, 1500),
    "radam": (0.05, 1500),
}


@pytest.mark.parametrize("optimizer", list(LINE_SETTINGS))
def test_line_every_optimizer_reaches_least_squares(optimizer):
    task = tasks.get("line")
    lr, steps = LINE_SETTINGS[optimizer]
    kwargs = {"weight_decay": 0.0} if optimizer == "adamw" else {}
    schedules = {} if optimizer in ("gd", "momentum", "sgd", "nesterov", "adagrad") else {
        "lr": descend.schedules.cosine(1.0, steps)}
    runs = task.fit(optimizer=optimizer, lr=lr, steps=steps, dtype=torch.float64, schedules=schedules, **kwargs)
    w = runs.params[0]
    solution = task.known.points[0]
    assert abs(float(w["w"]) - solution["w"]) < 1e-3, (float(w["w"]), solution)
    assert abs(float(w["b"]) - solution["b"]) < 1e-3, (float(w["b"]), solution)
    assert runs.summary["distance"].iloc[0] < 1e-3


@pytest.mark.parametrize("m", [2, 3, 64, 120, 512, 1023])
def test_line_m_is_the_training_set_size_as_in_seed_003(m):
    """J = (1/m) Σ over the training set: m counts the training samples; validation and test are drawn besides."""
    task = tasks.get("line", m=m)
    train, validation, test = (len(part.x) for part in (task.data.train, task.data.validation, task.data.test))
    assert train == m and validation == test == max(1, round(0.2 * (train + validation + test)))
    # the Hessian the task states, (2/m)[[Σx², Σx], [Σx, m]], is that of its cost over the m training samples
    x = task.data.train.x.double()[:, 0]
    hessian = 2 / m * torch.tensor([[float((x * x).sum()), float(x.sum())], [float(x.sum()), m]], dtype=torch.float64)
    lam = float(torch.linalg.eigvalsh(hessian).max())
    assert f"λ_max = {lam:.4g}" in dict(task.facts)["Hessian"]
    assert f"m = {m} samples" in task.description


def test_line_default_draws_the_200_samples_it_always_drew():
    import numpy as np

    from descend.tasks import generators

    task = tasks.get("line")
    drawn = generators.line(200, seed=0).x.reshape(-1)
    parts = torch.cat([task.data.train.x, task.data.validation.x, task.data.test.x]).reshape(-1).numpy()
    assert len(task.data.train.x) == 120 and np.array_equal(np.sort(parts), np.sort(np.asarray(drawn, np.float32)))
    with pytest.raises(ValueError, match="m=1 must be a whole number of training samples, at least 2"):
        tasks.get("line", m=1)


def test_line_least_squares_is_a_critical_point_of_the_task_cost():
    task = tasks.get("line")
    point = task.known.points[0]
    w = torch.tensor(point["w"], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(point["b"], dtype=torch.float64, requires_grad=True)
    x, y = task.data.train.x.double()[:, 0], task.data.train.y.double().reshape(-1)
    cost = ((w * x + b - y) ** 2).mean()
    gw, gb = torch.autograd.grad(cost, (w, b))
    assert abs(gw) < 1e-10 and abs(gb) < 1e-10
    assert cost.item() == pytest.approx(task.known.value, rel=1e-12)
    # the surface's cost is the same function
    _, _, grid = task.surface.grid(5)
    aa, bb = torch.tensor([[point["w"]]], dtype=torch.float64), torch.tensor([[point["b"]]], dtype=torch.float64)
    assert task.surface.cost(aa, bb).item() == pytest.approx(cost.item(), rel=1e-9)
    assert grid.min() >= cost.item() - 1e-9


# -- ellipse: the seed's optimizers end at the ground truth ------------------------------------------------------------

def test_ellipse_gd_momentum_rmsprop_adam_reach_the_ground_truth():
    task = tasks.get("ellipse")
    assert set(task.lrs) >= {"gd", "momentum", "rmsprop", "adam"}
    for optimizer in ("gd", "momentum", "rmsprop", "adam"):
        runs = descend.fit(task=task, optimizer=optimizer, lr=task.lrs[optimizer], steps=500, dtype=torch.float64)
        params = runs.params[0]
        assert abs(float(params["w_a"]) - ELLIPSE_A) < 0.02, (optimizer, params)
        assert abs(float(params["w_b"]) - ELLIPSE_B) < 0.02, (optimizer, params)
        assert runs.summary["distance"].iloc[0] < 0.02 * math.sqrt(2)


def test_ellipse_hand_gradients_equal_autograd_on_the_valid_samples():
    task = tasks.get("ellipse")
    x = task.data.train.x.double()[:, 0]
    y = task.data.train.y.double().reshape(-1)
    for w_a, w_b in [(0.1, 1.8), (0.9, 1.1), (1.3, 1.2)]:
        a = torch.tensor(w_a, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(w_b, dtype=torch.float64, requires_grad=True)
        params = (a.reshape(1), b.reshape(1))
        objective = descend.engine.make_objective(task.model, "mse", "regression")
        cost = objective.value(task.model, params, x.unsqueeze(1), y.unsqueeze(1))[0]
        ga, gb = torch.autograd.grad(cost, (a, b))
        hand = ellipse_grad(torch.tensor(w_a, dtype=torch.float64), torch.tensor(w_b, dtype=torch.float64), x, y)
        assert float(hand[0]) == pytest.approx(float(ga), rel=1e-10, abs=1e-12)
        assert float(hand[1]) == pytest.approx(float(gb), rel=1e-10, abs=1e-12)


# -- real data -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["digits", "breast-cancer"])
def test_real_data_mlp_with_adam_reaches_95_percent(name):
    runs = descend.fit(task=name, optimizer="adam", lr=0.01, batch_size=64, epochs=15, eval_every=10_000)
    accuracy = runs.summary["final_test_accuracy"].iloc[0]
    assert accuracy >= 0.95, accuracy


def test_diabetes_linear_reaches_least_squares():
    task = tasks.get("diabetes")
    runs = task.fit(optimizer="gd", lr=task.lr_range[1], steps=3000, dtype=torch.float64)
    assert runs.summary["distance"].iloc[0] < 1e-3
    assert runs.summary["final_train_loss"].iloc[0] == pytest.approx(task.known.value, rel=1e-6)


def test_csv_task(tmp_path):
    rng = np.random.default_rng(0)
    rows = ["size,colour,price"]
    for _ in range(60):
        size = rng.uniform(1, 3)
        colour = rng.choice(["red", "blue"])
        rows.append(f"{size:.4f},{colour},{2 * size + (colour == 'red') + rng.normal(0, 0.01):.4f}")
    path = tmp_path / "shop.csv"
    path.write_text("\n".join(rows) + "\n")
    task = tasks.real.from_csv(path, "price", hidden=())
    assert task.name == "shop" and task.kind == "regression"
    assert task.data.train.feature_names == ("size", "colour=blue", "colour=red")
    # the price is standardised on the training split; the losses in its own units are reported too
    sd = float(task.data.target_std)
    assert task.data.target_standardized and 1.0 < sd < 1.5 and 4.0 < float(task.data.target_mean) < 5.0
    runs = task.fit(optimizer="adam", lr=0.05, steps=300)
    summary = runs.summary.iloc[0]
    assert summary["final_test_loss_original"] < 0.05
    assert summary["final_test_loss_original"] == pytest.approx(summary["final_test_loss"] * sd**2, rel=1e-4)
    raw = tasks.real.from_csv(path, "price", hidden=(), standardize_target=False)
    assert raw.data.target_mean is None and raw.options["standardize_target"] is False
    assert torch.allclose(raw.data.test.y, task.data.test.y * task.data.target_std + task.data.target_mean)


def test_a_linear_fit_with_a_whole_set_of_least_squares_solutions_states_it_and_measures_no_distance(tmp_path):
    """More features than training rows, or a one-hot of every category beside the bias: the least squares have a
    whole set of solutions. The card said "λ_min = -4.64e-15 (condition number -3.32e+15)" and the table measured
    each run's distance to one of them (gd at an exact minimum, 7.9e-15, was 0.50 from "the answer")."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(100, 200))
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(200)]).assign(y=x[:, :5].sum(axis=1))
    frame.to_csv(tmp_path / "wide.csv", index=False)
    wide = tasks.real.from_csv(tmp_path / "wide.csv", "y", hidden=())
    assert wide.known is None
    assert "λ_min = 0: singular (the 200 weights and bias have 60 independent directions in the 60 training rows)" \
        in dict(wide.facts)["Hessian"]
    runs = wide.fit(optimizer="gd", lr=0.01, steps=3)
    assert not any("distance" in column for column in runs.summary.columns)
    one_hot = pd.DataFrame({"size": rng.uniform(1, 3, 60), "colour": rng.choice(["red", "blue"], 60)})
    one_hot.assign(price=2 * one_hot["size"] + (one_hot["colour"] == "red")).to_csv(tmp_path / "shop.csv", index=False)
    shop = tasks.real.from_csv(tmp_path / "shop.csv", "price", hidden=())
    assert shop.known is None and "singular (the 3 weights and bias have 3 independent" in dict(shop.facts)["Hessian"]
    full_rank = tasks.real.from_csv(tmp_path / "shop.csv", "price", hidden=(), drop=["colour"])
    assert full_rank.known is not None and "condition number" in dict(full_rank.facts)["Hessian"]


def test_a_column_that_is_another_s_multiple_plus_a_constant_makes_the_linear_fit_singular(tmp_path):
    """a2 = 2·a + 1: standardised in float32 the two columns differ by rounding alone (2.4e-7), which float64's
    default rank tolerance took for a direction: the card said "condition number 2.17e+15" and each run was 261,919
    from an "answer" fitted to that noise (weights ±1.85e5). Singular up to the data's rounding now; an
    ill-conditioned design that is not (a condition number of 1e3) keeps its answer."""
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=300), rng.normal(size=300)
    frame = pd.DataFrame({"a": a, "a2": 2 * a + 1, "b": b, "y": 3 * a - b + 0.1 * rng.normal(size=300)})
    frame.to_csv(tmp_path / "collinear.csv", index=False)
    twins = tasks.real.from_csv(tmp_path / "collinear.csv", "y", hidden=())
    assert twins.known is None
    assert "singular (the 3 weights and bias have 3 independent directions" in dict(twins.facts)["Hessian"]
    near = frame.assign(a2=a + 1e-3 * rng.normal(size=300))  # close, yet distinguishable in float32
    near.to_csv(tmp_path / "near.csv", index=False)
    kept = tasks.real.from_csv(tmp_path / "near.csv", "y", hidden=())
    assert kept.known is not None and "condition number" in dict(kept.facts)["Hessian"]


# -- starts: K starts × optimizers × learning rates in one program --------------------------------------------------


def test_start_grid_equals_each_start_alone():
    starts = [(-1.5, 2.0), (0.0, 0.0), (1.2, -0.5)]
    together = descend.fit(task="rosenbrock", optimizer="adam", lr=[0.01, 0.05], start=starts, steps=50,
                           dtype=torch.float64)
    assert len(together.summary) == 6 and len(together.results) == 1  # one cohort, one program
    for run, row in together.summary.iterrows():
        alone = descend.fit(task="rosenbrock", optimizer="adam", lr=row["lr"], start=row["start"], steps=50,
                            dtype=torch.float64)
        assert torch.equal(torch.as_tensor(together.paths[run]), torch.as_tensor(alone.paths[0]))
    assert together.paths[0][0].tolist() == list(starts[0])


def test_start_errors_name_the_point():
    with pytest.raises(ValueError, match="start=.*must be 2 numbers"):
        descend.fit(task="rosenbrock", start=(1.0, 2.0, 3.0), steps=1)
    with pytest.raises(ValueError, match=r"start\[1\].*non-finite"):
        descend.fit(task="rosenbrock", start=[(1.0, 2.0), (math.nan, 0.0)], steps=1)
    with pytest.raises(ValueError, match="dict"):
        descend.fit(task="line", model=descend.models.Linear(1), start=(1.0, 2.0), steps=1)
    # a single point may be a list of numbers
    runs = descend.fit(task="rosenbrock", start=[0.5, 0.5], steps=1)
    assert runs.summary["start"].iloc[0] == (0.5, 0.5)


def test_noisy_landscape_task_has_real_gradient_noise():
    task = tasks.get("booth", noise=1.0, m=128)
    assert task.data is not None and len(task.data.train) == 128
    full = task.fit(optimizer="gd", lr=0.01, steps=20, dtype=torch.float64)
    exact = tasks.get("booth").fit(optimizer="gd", lr=0.01, steps=20, dtype=torch.float64)
    # additive noise has zero mean over the data set: full-batch GD follows the exact landscape
    assert np.allclose(full.paths[0], exact.paths[0], atol=1e-10)
    single = task.fit(optimizer="gd", lr=0.01, steps=20, batch_size=1, dtype=torch.float64)
    assert not np.allclose(single.paths[0], exact.paths[0], atol=1e-3)


def test_a_shifted_noisy_landscapes_card_describes_the_smoothed_risk_it_trains():
    """The card of himmelblau with form="shift" described f and f's minima; what trains is (1/m) Σ f(w − ξᵢ),
    whose minimum from (3, 2) is at (2.59, 1.45). The additive form trains f itself and says so."""
    shifted = tasks.get("himmelblau", noise=1.0, form="shift").card()
    assert "The smoothed risk J(w) = (1/256) Σᵢ f(w − ξᵢ) of the 2-D cost f = (x² + y − 11)²" in shifted
    assert "the critical points listed are f's, not J's" in shifted and "The 2-D cost surface J =" not in shifted
    assert "(of f; the smoothed risk's move away from them)" in shifted
    additive = tasks.get("himmelblau", noise=1.0).card()
    assert "The 2-D cost surface J = (x² + y − 11)²" in additive and "smoothed" not in additive


def test_formula_task():
    pytest.importorskip("descend.formula")
    task = tasks.formula("(x - 1)**2 + 2*(y + 0.5)**2", start=(3.0, 2.0))
    runs = task.fit(optimizer="gd", lr=0.1, steps=200, dtype=torch.float64)
    final = runs.params[0]
    assert abs(float(final["x"]) - 1) < 1e-6 and abs(float(final["y"]) + 0.5) < 1e-6


# -- what each case study shows -----------------------------------------------------------------------------------


@pytest.mark.parametrize("standardize_target", [True, False])
def test_house_prices_known_answer_is_the_ground_truth_in_the_units_trained_in(standardize_target):
    from descend.tasks.generators import HOUSE_COEFFICIENTS, HOUSE_INTERCEPT

    task = tasks.get("house-prices", standardize_target=standardize_target)
    splits, truth = task.data, task.known.points[0]
    assert splits.target_standardized == standardize_target
    for part in (splits.train, splits.test):
        x = part.x.double() * splits.std.double() + splits.mean.double()  # features in their own units
        clean = HOUSE_INTERCEPT + x @ torch.tensor([HOUSE_COEFFICIENTS[n] for n in part.feature_names],
                                                   dtype=torch.float64)
        predicted = part.x.double() @ truth["weight"] + truth["bias"]  # the model at the known answer
        if standardize_target:
            predicted = predicted * splits.target_std + splits.target_mean
        torch.testing.assert_close(predicted.reshape(-1), clean, rtol=1e-10, atol=1e-9)
    if standardize_target:
        assert "target" in dict(task.facts) and "final_<split>_loss_original" in task.card()
        assert abs(float(splits.train.y.mean())) < 1e-9
    else:
        assert task.options["standardize_target"] is False and float(splits.train.y.mean()) > 300


def test_house_prices_robust_losses_recover_the_coefficients_despite_outliers():
    distance = {}
    for loss in ("mse", "mae", "huber"):
        task = tasks.get("house-prices", loss=loss)
        assert task.loss == loss
        runs = task.fit(optimizer="adam", lr=1.0, steps=1500, schedules={"lr": descend.schedules.cosine(1.0, 1500)},
                        dtype=torch.float64)
        distance[loss] = runs.summary["distance"].iloc[0]
    # 2% of prices are tripled: the squared loss is pulled away from the ground truth, MAE and Huber much less
    assert distance["mae"] < distance["mse"] / 3 and distance["huber"] < distance["mse"] / 3, distance
    without = tasks.get("house-prices", outliers=0.0)
    runs = without.fit(optimizer="gd", lr=without.lr_range[1], steps=2000, dtype=torch.float64)
    assert runs.summary["distance"].iloc[0] < distance["mse"] / 3


def test_student_performance_logistic_regression_gets_near_the_bayes_accuracy():
    task = tasks.get("student-performance")
    assert any("gender=female" == n for n in task.data.train.feature_names)  # one-hot encoded categories
    bayes = float(dict(task.facts)["Bayes"].rsplit(" ", 1)[-1].rstrip("%")) / 100
    runs = task.fit(optimizer="adam", lr=0.05, steps=300)
    assert runs.summary["final_test_accuracy"].iloc[0] > bayes - 0.05


def test_bbox_mlp_beats_the_mean_box():
    task = tasks.get("bbox")
    baseline = float(dict(task.facts)["baseline"].rsplit(" ", 1)[-1])
    runs = task.fit(optimizer="adam", lr=1e-3, steps=500, batch_size=64)
    assert runs.summary["final_test_loss"].iloc[0] < 0.5 * baseline


def test_vanishing_gradients_with_sigmoid_not_with_relu():
    ratio, loss = {}, {}
    for hidden in ("sigmoid", "relu"):
        runs = tasks.get("vanishing", hidden=hidden).fit(optimizer="sgd", lr=0.1, steps=50)
        curves = runs.curves
        norms = curves[curves["metric"].str.startswith("grad_norm:")].groupby("metric")["value"].mean()
        ratio[hidden] = norms["grad_norm:layer0.weight"] / norms["grad_norm:layer8.weight"]
        loss[hidden] = runs.summary["final_train_loss"].iloc[0]
    assert ratio["sigmoid"] < 1e-3 < 0.1 < ratio["relu"], ratio  # the first layer barely gets a gradient
    assert loss["relu"] < 0.5 < loss["sigmoid"], loss  # and the sigmoid network barely learns


# -- cards -------------------------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    import re

    return [s.strip() for s in re.split(r"(?<=[.;])\s+", text) if len(s.strip()) > 20]


@pytest.mark.parametrize("name", [*tasks.TASKS, "monkey-saddle", "ackley", "rastrigin"])
def test_a_card_says_each_thing_once_and_writes_signs_once(name):
    import re

    from descend.landscapes import LANDSCAPES

    card = tasks.get(name).card()
    # each sign written once: no "+ -1", "+2.5," or "+ −0.8" (the truth and description lines of the case studies)
    assert not re.search(r"\+\s*[-−]|\+\d", card), card
    # the description once: its generator's paragraph is not repeated by a summary of the same data
    first_words = [" ".join(s.split()[:3]) for s in _sentences(tasks.get(name).description)]
    assert len(first_words) == len(set(first_words)), first_words
    m = tasks.get(name).options.get("m")
    if m is not None and name in ("house-prices", "student-performance", "bbox"):
        assert tasks.get(name).description.count(f"{m} ") == 1, name
    if name in LANDSCAPES:
        assert "critical:" in card


@pytest.mark.parametrize("name, words", [
    ("rosenbrock", "model:      the point itself, parameters x, y (starting at x = -1.5, y = 2.0)"),
    ("house-prices", "model:      linear, 5 inputs → 1 output (no output function, with a bias; weights at zero)"),
    ("digits", "model:      network 64 → 32 → 10 (1 hidden layer of tanh, a softmax output; weights drawn as torch.nn "
               "draws them)"),
    ("ellipse", "model:      a function of the data, parameters w_a, w_b (starting at w_a = 0.1, w_b = 1.8)"),
])
def test_a_card_says_its_model_in_words_not_as_python(name, words):
    """The report's introduction and `descend card` showed Python reprs to the reader: Parametric(fn=landscape(
    'rosenbrock'), params={'x': -1.5, ...}, uses_data=False), MLP(sizes=(5, 32, 1), hidden='tanh', ...)."""
    assert words in tasks.get(name).card().splitlines()


def test_a_cards_options_show_the_values_the_task_was_built_with():
    card = tasks.get("line", slope=-0.5, m=60).card()
    assert "options:    m=60, slope=-0.5, intercept=-1, noise=0.5, data_seed=0, start=-2,3, steps=300 (" in card
    card = tasks.get("student-performance").card()  # no hidden layer: none, as --task-option takes it, not blank
    assert "hidden=none" in card and tasks.get("student-performance", hidden="none").model.__class__.__name__ == \
        tasks.get("student-performance").model.__class__.__name__
    card = tasks.get("rosenbrock", noise=0.1).card()
    assert "options:    noise=0.1, m=256, form=additive, data_seed=0; unset (the task's own): steps, start" in card
    assert "--task-option KEY=VALUE on the command line" in card


def test_the_line_fits_known_rate_for_plain_steps_stays_below_its_bowls_bound():
    """line with m=2 has λ_max = 9.1 (GD stable iff α < 0.22, its card says) and fit(task=...) trained gd at 0.3,
    which diverged: the task's rate for plain steps is 1/λ_max where that is below 0.3 (0.3 at the defaults)."""
    import descend

    assert tasks.get("line").lrs["gd"] == 0.3
    task = tasks.get("line", m=2)
    bound = float(dict(task.facts)["Hessian"].rpartition("<")[2])
    assert task.lrs["gd"] == task.lrs["sgd"] < bound / 2 + 0.01 and task.default_lr("gd") == task.lrs["gd"]
    runs = descend.fit(task=task, optimizer=["gd", "momentum"], steps=100)
    assert runs.summary["status"].tolist() == ["ok", "ok"]


@pytest.mark.parametrize("name", ["house-prices", "bbox", "vanishing"])
def test_a_case_study_of_too_few_samples_says_so_in_its_own_options(name):
    """m=2 was refused in the split's words ("validation=0.2 (1 sample) and test=0.2 ...; lower the fractions"),
    which a task does not take; vanishing's width=0 as "sizes[1]=0 is not allowed"."""
    with pytest.raises(ValueError, match=r"^m=2 is too few samples: the task holds out a fifth each \(at least one "
                                         r"sample\) for validation and test, which leaves none to train on; give m=3 "
                                         r"or more$"):
        tasks.get(name, m=2)
    assert len(tasks.get(name, m=3).data.train) == 1
    if name == "vanishing":
        with pytest.raises(ValueError, match=r"^width=0 must be a positive int \(the units of each hidden layer\)$"):
            tasks.get(name, width=0)
        assert tasks.get(name, width=np.int64(8)).model.sizes[1] == 8  # a NumPy integer is one


def test_bbox_takes_its_hidden_widths_as_the_other_tasks_do():
    """bbox's card says hidden=64, and --task-option hidden=64 (any one width) crashed with a traceback ("Value after
    * must be an iterable"); hidden=abc was split into characters ("sizes[1]='a' is not allowed")."""
    for given, sizes in ((64, (256, 64, 4)), ("none", (256, 4)), ((8, 4), (256, 8, 4, 4)),
                         ((np.int64(32),), (256, 32, 4))):
        assert tasks.get("bbox", m=50, hidden=given).model.sizes == sizes
    with pytest.raises(ValueError, match=r"^hidden='abc' is not allowed; give the hidden layers' widths"):
        tasks.get("bbox", m=50, hidden="abc")


def test_case_study_truth_lines_read_as_formulas():
    assert "y = 2x − 1 " in tasks.get("line").description
    assert "y = -0.5x + 3 " in tasks.get("line", slope=-0.5, intercept=3.0).description.replace("−", "-")
    truth = dict(tasks.get("house-prices").facts)["truth"]
    assert truth.startswith("price = 50 + 2.5·floor_area + 10·bedrooms + 40·ceiling_height − 0.8·age − "
                            "6·distance_to_centre + ε"), truth


def test_landscape_cards_count_every_critical_point():
    assert "degenerate saddle (0, 0): f = 0" in tasks.get("monkey-saddle").card()
    card = tasks.get("ackley").card()
    assert "1 global minimum, 8 local minima" in card and "many more" in card


def test_a_formula_without_x_or_y_is_refused():
    from descend.formula import FormulaError

    with pytest.raises(FormulaError, match="uses neither x nor y: its landscape is flat"):
        tasks.formula("3")
    assert tasks.formula("x**2").name == "formula"  # one variable is enough


def test_a_formula_of_one_value_everywhere_is_refused_and_a_domain_keeps_its_boundary():
    """'x*0' passed the check of names and printed Matplotlib's warning of identical limits; the automatic domain of
    sqrt(x) + y**2 began at x = 0.1, its minimum (0, 0) off the map (the grid's -2.8e-16 where 0 belongs); a domain
    error told a command-line user to "give domain=((x0, x1), (y0, y1))"."""
    from descend import landscapes
    from descend.formula import FormulaError

    for text in ("x*0", "0*x + 0*y"):
        with pytest.raises(FormulaError, match="it takes one value everywhere: its landscape is flat"):
            tasks.formula(text)
    assert landscapes.from_formula("sqrt(x) + y**2").domain == ((0.0, 5.0), (-5.0, 5.0))
    assert landscapes.from_formula("sqrt(x - 1) + y**2").domain[0] == (1.0, 5.0)
    with pytest.raises(ValueError, match=r"not finite anywhere in \[-5, 5\]²; give the domain to draw: .* on the "
                                         r"command line --task-option domain=x0,x1,y0,y1"):
        landscapes.from_formula("log(log(x - 10)) + y**2")
    # as the hint says: the four numbers in a row, on the command line and in Python
    from descend import compare as C

    _, task = C.resolve("log(log(x - 10)) + y**2", task_options=["domain=10.5,12,-1,1"], steps=3, seeds=1)
    assert task.surface.domain == ((10.5, 12.0), (-1.0, 1.0))
    assert landscapes.from_formula("log(log(x - 10)) + y**2", domain=(10.5, 12, -1, 1)).domain == ((10.5, 12.0),
                                                                                                    (-1.0, 1.0))
    # the card names the way Python sets a formula's options (descend.tasks.get takes names only)
    assert "descend.tasks.formula(TEXT, KEY=VALUE) in Python" in tasks.formula("x**2 + y").card()


@pytest.mark.parametrize("name", ["ellipse", "line"])
def test_a_model_surface_in_chunks_is_each_point_alone_bit_for_bit(name):
    """A model surface evaluates its grid a few hundred points at a time (:data:`descend.tasks.task.
    SURFACE_CHUNK`, so that its temporaries stay in the cache): each point's cost is the one it gets alone."""
    from descend.problem import make_objective
    from descend.tasks.task import SURFACE_CHUNK

    task = tasks.get(name)
    aa, bb, grid = task.surface.grid(80)  # 6,400 points: several chunks
    x, y = task.data.train.x.double(), task.data.train.y.double().reshape(-1, 1)
    assert aa.numel() * x.shape[0] > 2 * SURFACE_CHUNK
    objective = make_objective(task.model, "mse", "regression")
    rng = np.random.default_rng(0)
    for i in rng.choice(aa.numel(), size=40, replace=False):
        alone = objective.value(task.model, (aa.reshape(-1)[i:i + 1], bb.reshape(-1)[i:i + 1]), x, y)
        assert torch.equal(alone.nan_to_num(-1.0), grid.reshape(-1)[i:i + 1].nan_to_num(-1.0))


def test_a_regressions_card_has_the_baseline_of_predicting_the_training_mean_in_the_tables_columns(tmp_path):
    """A classification's card said what always predicting the most frequent class scores; a regression's said
    nothing comparable. It says what always predicting the training split's mean scores on the test split, in the
    table's columns: the test loss, and in grams its MSE and RMSE (by hand, from the targets in grams)."""
    from descend.catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE
    from descend.tasks import real

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 2))
    path = tmp_path / "grams.csv"
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "grams": 300 + 30 * x[:, 0] + rng.normal(scale=25, size=200)}
                 ).to_csv(path, index=False)
    task = real.from_csv(path, "grams")
    splits = task.data
    grams = {part: (getattr(splits, part).y.double() * splits.target_std.double() + splits.target_mean.double())
             .numpy() for part in ("train", "test")}
    squared = float(((grams["test"] - grams["train"].mean()) ** 2).mean())
    baseline = dict(task.facts)["baseline"]
    assert baseline.startswith(f"always predicting the training split's mean ({grams['train'].mean():.6g}): ")
    said = {k: v.replace(",", "") for k, v in re.findall(r"(test [^,:]+?) ([-\d.,e]+?)(?=, |$)", baseline)}
    assert float(said["test loss"]) == pytest.approx(squared / float(splits.target_std) ** 2, rel=5e-4)
    assert float(said[TEST_LOSS_UNSTANDARDISED]) == pytest.approx(squared, rel=5e-4)
    assert float(said[TEST_RMSE]) == pytest.approx(math.sqrt(squared), rel=5e-4)


def test_the_majority_baseline_is_the_training_splits_class_scored_on_test(tmp_path):
    """The card's baseline counted the test split's own most frequent class (0.575 here), which no model can
    know; it is the training split's (0.425)."""
    import pandas as pd

    from descend.tasks import real

    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    path = tmp_path / "bought.csv"
    pd.DataFrame({"x1": x, "member": rng.choice(["yes", "no"], 200), "bought": np.where(x > 0, "yes", "no")}
                 ).to_csv(path, index=False)
    task = real.from_csv(path, "bought")
    train, test = task.data.train.y.long().reshape(-1), task.data.test.y.long().reshape(-1)
    majority = int(torch.bincount(train).argmax())
    baseline = float(dict(task.facts)["baseline"].rsplit(" ", 1)[-1].rstrip("%")) / 100  # a percentage, as the table
    assert "training split's most frequent class" in dict(task.facts)["baseline"]
    assert baseline == pytest.approx(float((test == majority).double().mean()), abs=5e-5)
    assert baseline != pytest.approx(float(torch.bincount(test).max()) / len(test), abs=5e-4)  # this split's case
    # the description names the columns one-hot encoded, and none where there were none
    assert "from 3 features (the categorical column 'member' one-hot encoded)" in task.description
    assert task.data.train.encoded == ("member",)
    pd.DataFrame({"x1": x, "x2": -x, "bought": np.where(x > 0, "yes", "no")}).to_csv(path, index=False)
    assert "from 2 features, split" in real.from_csv(path, "bought").description


@pytest.mark.parametrize("rows", [[6], [0, 9, 17, 30, 44]], ids=["one", "five"])
def test_a_target_whose_squared_error_overflows_is_refused_before_training(tmp_path, rows):
    """A value of 1e30 among values near 1 made every loss on its split infinite ("ok", and the first learning rate
    of a tie chosen); in several rows, the losses in the target's units."""
    import pandas as pd

    from descend.tasks import real

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    frame["y"] = frame.a + frame.b
    frame.loc[rows, "y"] = 1e30
    frame.to_csv(tmp_path / "huge.csv", index=False)
    # named with its file, and counted as the rows of the data (the errors about cells name "row 5 (line 7)")
    from descend._names import ordinal

    with pytest.raises(ValueError, match=rf"^CSV file '.*huge.csv': target column 'y' has the value 1e\+30 \(in "
                                         rf"the {ordinal(rows[0] + 1)} of its 50 rows\), whose squared error "
                                         "overflows float32"):
        real.from_csv(tmp_path / "huge.csv", "y")
    frame.loc[rows, "y"] = 1e6  # far, but its losses fit
    frame.to_csv(tmp_path / "far.csv", index=False)
    assert real.from_csv(tmp_path / "far.csv", "y").kind == "regression"


def test_a_target_of_a_huge_scale_is_refused_with_a_rescaling_not_rows_to_drop(tmp_path):
    """Masses of about 2e30 kg: every row overflows float32's squared errors in the target's units, so "drop or
    correct those rows" asked to drop the whole file. The column's scale is named, and the division that fixes it."""
    import pandas as pd

    from descend.tasks import real

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=50), "b": rng.normal(size=50)})
    frame["mass"] = (3 + frame.a + 0.5 * frame.b) * 1e30
    frame.to_csv(tmp_path / "stars.csv", index=False)
    with pytest.raises(ValueError, match=r"target column 'mass' holds values of the order of 1e31 \(up to .*\), whose "
                                         r"squared errors overflow float32: every loss in the target's units would be "
                                         r"infinite. Rescale the column \(divide it by 1e31: another unit\)$"):
        real.from_csv(tmp_path / "stars.csv", "mass")
    frame["mass"] /= 1e31
    frame.to_csv(tmp_path / "stars.csv", index=False)
    assert real.from_csv(tmp_path / "stars.csv", "mass").kind == "regression"


def test_a_copy_of_the_target_among_the_features_is_said_on_the_card(tmp_path):
    """A column equal to the target (or a linear function of it, or one value per class) gave 100 % accuracy
    without a word; so did rows duplicated across the splits (test loss 0.010 against 0.25 for the same model on
    distinct rows). Both are said on the card, and neither where there is none."""
    import pandas as pd

    from descend.tasks import real

    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    frame = pd.DataFrame(x, columns=["a", "b", "c"]).assign(y=x[:, 0] - 2 * x[:, 1] + 0.1 * rng.normal(size=200))
    frame.to_csv(tmp_path / "clean.csv", index=False)
    facts = dict(real.from_csv(tmp_path / "clean.csv", "y").facts)
    assert "leak" not in facts and "copies" not in facts
    frame.assign(price_again=2.5 * frame.y - 1).to_csv(tmp_path / "leak.csv", index=False)
    assert dict(real.from_csv(tmp_path / "leak.csv", "y").facts)["leak"].startswith(
        "column 'price_again' is an exact linear function of the target: a model reads the answer from it")
    labels = np.where(x[:, 0] > 0, "yes", "no")
    pd.DataFrame({"a": x[:, 1], "flag": np.where(labels == "yes", 7, 3), "label": labels}).to_csv(
        tmp_path / "leak_class.csv", index=False)
    assert dict(real.from_csv(tmp_path / "leak_class.csv", "label").facts)["leak"].startswith(
        "column 'flag' takes one value per class of the target")
    pd.concat([frame.iloc[:40]] * 5).to_csv(tmp_path / "copies.csv", index=False)  # 40 rows, each 5 times
    task = real.from_csv(tmp_path / "copies.csv", "y")
    told = dict(task.facts)["copies"]
    test_rows = len(task.data.test)
    assert f"of the {test_rows} test rows repeat a training row exactly (features and target)" in told


def test_each_classs_least_and_greatest_values_are_the_masked_minimum_and_maximum():
    """The leak check's per-class extremes (``index_reduce_`` along the rows: 0.1 ms for digits where the labels
    spread over the columns for ``scatter_reduce`` took 70 ms) equal each class's rows' own, a class without rows
    left at ±inf, and give no warning."""
    import warnings

    from descend.tasks import real

    g = torch.Generator().manual_seed(0)
    part = torch.randn(300, 7, generator=g, dtype=torch.float64)
    labels = torch.randint(0, 4, (300,), generator=g) * (torch.arange(300) % 5 != 0)  # class 0 is common
    labels[labels == 2] = 3  # class 2 has no rows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        low, high = (real._per_class(part, labels, 5, how) for how in ("amin", "amax"))
    for c in range(5):
        rows = part[labels == c]
        want_low = rows.amin(0) if len(rows) else torch.full((7,), math.inf, dtype=torch.float64)
        want_high = rows.amax(0) if len(rows) else torch.full((7,), -math.inf, dtype=torch.float64)
        assert torch.equal(low[c], want_low) and torch.equal(high[c], want_high)


def test_vanishing_card_bounds_the_sigmoids_derivative_by_a_quarter_not_each_layers_gradient():
    """The card said each sigmoid layer multiplies the backward signal by at most 1/4: what is bounded by 1/4 is
    σ', and the signal is multiplied by Wᵀ too (the network's own step-0 gradients shrink by more than 1/4 a
    layer)."""
    z = torch.linspace(-10, 10, 2001, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).sum().backward()
    assert z.grad.max().item() == pytest.approx(0.25)  # σ'(z) = σ(1 − σ), at most 1/4 (at z = 0)
    task = tasks.get("vanishing")
    runs = task.fit(optimizer="sgd", lr=0.1, steps=1, compile=False)
    first = runs.curves[(runs.curves["step"] == 0) & runs.curves["metric"].str.match(r"grad_norm:layer\d+\.weight")]
    norms = first.set_index("metric")["value"]
    layers = [norms[f"grad_norm:layer{k}.weight"] for k in range(task.options["depth"] + 1)]
    assert max(a / b for a, b in zip(layers, layers[1:])) > 0.25  # a layer's share of the next's is not bounded so
    text = " ".join(task.card().split())
    assert "the sigmoid's derivative is at most 1/4" in text and "backward signal by at most 1/4" not in text


def test_exploding_gradients_with_large_weights():
    """Seed 002's exploding gradients: the same ReLU network from N(0, 1) weights (each layer multiplies the
    signal by about 2.8) has gradients 10³ times He's, and SGD diverges to NaN at every rate of the task's range
    where He's start trains."""
    he = tasks.get("vanishing", hidden="relu")
    large = tasks.get("vanishing", hidden="relu", init="normal", init_scale=1.0)
    assert large.model.init_scheme == "normal" and large.model.init_scale == 1.0
    assert large.options["init_scale"] == 1.0 and "exploding" in large.description
    norms = {}
    for name, task in (("he", he), ("large", large)):
        runs = task.fit(optimizer="sgd", lr=[0.01, 0.1, 1.0], steps=20, compile=False)
        first = runs.curves[(runs.curves["step"] == 0) & runs.curves["metric"].str.startswith("grad_norm:")
                            & runs.curves["metric"].str.endswith(".weight")]
        norms[name] = first[first["run"] == 0]["value"].to_numpy()
        statuses = list(runs.summary["status"])
        assert statuses == (["ok"] * 3 if name == "he" else ["diverged"] * 3), (name, statuses)
    assert (norms["large"] > 100 * norms["he"]).all()
    with pytest.raises(ValueError, match="init_scale"):
        tasks.get("vanishing", init_scale=1.0)  # xavier's scale is its own


def test_a_linear_regressions_known_answer_is_the_same_at_every_call():
    """torch.linalg.lstsq (MKL) gave diabetes' least-squares answer in other last bits from call to call: the
    distance column of one comparison changed between two runs."""
    answers = {tuple(torch.cat([torch.as_tensor(v).reshape(-1) for v in tasks.get("diabetes").known.points[0].values()
                                ]).tolist()) for _ in range(8)}
    assert len(answers) == 1


def test_a_split_whose_training_rows_hold_one_class_is_refused(tmp_path):
    """The split is not stratified: 4 'pos' rows of 50 all fell into validation and test, the classifier trained
    on 'neg' alone, and the table showed a test accuracy of 80 % without a word."""
    from descend.data import Dataset, split
    from descend.tasks import real

    probe = Dataset(torch.zeros(50, 1), torch.arange(50.0), ("x",), "y", "regression")
    training = set(split(probe, validation=0.2, test=0.2, seed=0).train.y.long().tolist())
    outside = [i for i in range(50) if i not in training][:4]
    lines = ["x,label"] + [f"{i * 0.1},{'pos' if i in outside else 'neg'}" for i in range(50)]
    (tmp_path / "rare.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"training rows of 'rare' .* hold only the class 'neg'.*data_seed"):
        real.from_csv(tmp_path / "rare.csv", "label")


def test_a_class_with_no_training_row_is_said_on_the_card(tmp_path):
    """A multiclass file whose rare class fell wholly into validation and test trained without a word; its rows
    there can only be errors."""
    from descend.data import Dataset, split
    from descend.tasks import real

    probe = Dataset(torch.zeros(60, 1), torch.arange(60.0), ("x",), "y", "regression")
    training = set(split(probe, validation=0.2, test=0.2, seed=0).train.y.long().tolist())
    outside = [i for i in range(60) if i not in training][:3]
    labels = ["a", "b"] * 30
    for i in outside:
        labels[i] = "rare"
    lines = ["x,label"] + [f"{i * 0.1},{label}" for i, label in enumerate(labels)]
    (tmp_path / "three.csv").write_text("\n".join(lines) + "\n")
    task = real.from_csv(tmp_path / "three.csv", "label")
    facts = dict(task.facts)
    assert facts["unseen"].startswith("class rare has no training row"), facts


def test_a_validation_or_test_split_of_one_class_is_said_on_the_card(tmp_path):
    """200 rows, two of class 1, both in training: the winner was chosen on a validation split of class 0 alone and
    "100 %" test accuracy shown, without a word. Said on the card (and so in both reports); a split holding both
    classes says nothing."""
    from descend.data import Dataset, split
    from descend.tasks import real

    probe = Dataset(torch.zeros(200, 1), torch.arange(200.0), ("x",), "y", "regression")
    training = sorted(split(probe, validation=0.2, test=0.2, seed=0).train.y.long().tolist())
    labels = [0] * 200
    for i in training[:2]:
        labels[i] = 1
    lines = ["x,label"] + [f"{(i * 37) % 101 / 10},{label}" for i, label in enumerate(labels)]
    (tmp_path / "rare.csv").write_text("\n".join(lines) + "\n")
    facts = dict(real.from_csv(tmp_path / "rare.csv", "label").facts)
    assert facts["one class"] == ("The validation split holds only class 0 and the test split holds only class 0 (of 2 "
                                  "classes; the split is not stratified): their loss and accuracy tell how a model "
                                  "does on that class alone"), facts
    both = ["x,label"] + [f"{(i * 37) % 101 / 10},{i % 2}" for i in range(200)]
    (tmp_path / "both.csv").write_text("\n".join(both) + "\n")
    assert "one class" not in dict(real.from_csv(tmp_path / "both.csv", "label").facts)


@pytest.mark.parametrize("name", ["line", "ellipse", "iris", "rosenbrock"])
def test_a_task_pickles_and_its_surface_computes_the_same_after(name):
    """The line's and the ellipse's cost surface was a closure: neither task (nor a comparison on it) could be
    sent to a worker process ("Can't pickle local object 'model_surface.<locals>.cost'")."""
    import pickle

    task = tasks.get(name)
    again = pickle.loads(pickle.dumps(task))
    assert again.name == task.name
    if task.surface is not None:
        a, b = torch.meshgrid(torch.linspace(-1, 1, 5, dtype=torch.float64),
                              torch.linspace(0.5, 2, 4, dtype=torch.float64), indexing="xy")
        assert torch.equal(again.surface.cost(a, b), task.surface.cost(a, b))


def test_another_loss_says_the_cards_rates_are_of_the_tasks_own_and_half_mse_halves_a_gradient_step():
    """--loss half-mse on the line: the card still said the model minimises the mean squared error and listed the
    MSE's known rates, at which a gradient step of half-mse moves half as far."""
    own = tasks.get("line")
    half = own.with_loss("half-mse")
    said = dict(half.facts)["own loss"]
    assert "loss:       half-mse" in half.card() and said in half.card()
    assert said.startswith("mse: the task's description, lr range and known lrs are of that loss, not of half-mse "
                           "(half-mse's gradient is half of mse's: a plain gradient step, gd's or momentum's, at one "
                           "of those rates moves half as far)")
    # as it says: gd on half-mse at twice a rate follows gd on the MSE at that rate, step for step
    lr = own.lrs["gd"] / 2
    paths = [descend.fit(task=task, optimizer="gd", lr=rate, steps=20, compile=False).paths[0]
             for task, rate in ((own, lr), (half, 2 * lr))]
    np.testing.assert_allclose(paths[0], paths[1], rtol=1e-5, atol=1e-6)
    # a loss whose answer is not the task's says both: what its rates are of, and what is left out
    mae = dict(own.with_loss("mae").facts)["own loss"]
    assert mae == ("mse: the task's description, lr range and known lrs are of that loss, not of mae; its "
                   "least-squares solution and Hessian are too, and left out")
