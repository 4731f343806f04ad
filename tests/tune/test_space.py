"""The --space mini-language: what it accepts, what it refuses (one line naming the item), default spaces."""

from __future__ import annotations

import math

import pytest

from descend.tune.space import Param, default_space, parse_space, space_for


@pytest.mark.parametrize("text, canonical", [
    ("lr=1e-5..1e-1:log, beta1=0.8..0.999", "lr=1e-05..0.1:log, beta1=0.8..0.999"),
    (" lr = 1e-4..1e-1 :log ,beta1=0.9|0.95|0.99 ", "lr=0.0001..0.1:log, beta1=0.9|0.95|0.99"),
    ("lr=1e-3..1e-1:log, amsgrad=true|false, eps=1e-6", "lr=0.001..0.1:log, amsgrad=true|false, eps=1e-06"),
    ("lr=1e-3..1e-1:log, batch_size=full|16|32", "lr=0.001..0.1:log, batch_size=full|16|32"),
    ("lr=0.01..0.1:step=0.01", "lr=0.01..0.1:step=0.01"),
    ("weight_decay=0..1e-2, lr=1e-3", "weight_decay=0..0.01, lr=0.001"),
])
def test_good_spaces_parse_to_their_canonical_text(text, canonical):
    space = parse_space(text, "adam")
    assert space.text() == canonical
    assert parse_space(space.text(), "adam").text() == canonical  # the canonical text reads back the same


def test_a_space_without_lr_trains_at_the_task_s_rate_and_says_so():
    # every trial took the library's default rate (adam's 1e-3, where the task's rate is 0.05), and no table
    # showed it
    space = space_for("adam", "beta1=0.5..0.99", lr=0.05)
    assert space.text() == "beta1=0.5..0.99, lr=0.05"
    assert space.values({"beta1": 0.7}) == {"lr": 0.05, "beta1": 0.7}
    assert space_for("adam", "beta1=0.5..0.99").values({"beta1": 0.7})["lr"] == 0.001
    assert space_for("adam", "lr=1e-3..1e-1:log", lr=0.05).text() == "lr=0.001..0.1:log"


def test_kinds_of_items():
    space = parse_space("lr=1e-5..1e-1:log, beta1=0.9|0.99, eps=1e-6, batch_size=full|32", "adam")
    lr, beta1, eps, batch = space.params
    assert (lr.kind, lr.low, lr.high, lr.log) == ("float", 1e-5, 0.1, True)
    assert beta1 == Param("beta1", "choice", choices=(0.9, 0.99))
    assert eps == Param("eps", "fixed", value=1e-6) and not eps.searched
    assert batch.choices == (None, 32)
    assert [p.name for p in space.searched] == ["lr", "beta1", "batch_size"]
    assert space.values({"lr": 0.01, "beta1": 0.9, "batch_size": 32}) == {"eps": 1e-6, "lr": 0.01, "beta1": 0.9,
                                                                        "batch_size": 32}


@pytest.mark.parametrize("text, message", [
    ("", "--space '' is empty"),
    ("   ", "is empty"),
    ("lr", "'lr': an item is NAME=LOW..HIGH[:log], NAME=A|B|C or NAME=VALUE"),
    ("lr=1e-5..", "'lr=1e-5..': a range LOW..HIGH needs both ends"),
    ("lr=1e-3...1e-1", "'lr=1e-3...1e-1': a range is LOW..HIGH, with two dots"),  # was read as 0.001..0.01
    ("lr=a..b", "'lr=a..b': 'a' is not a number"),
    ("lr=0.1..0.01", "needs LOW < HIGH"),
    ("lr=0..1:log", "a log range needs LOW > 0"),
    ("lr=1e-3..1:lgo", "unknown flag 'lgo'; did you mean 'log'?"),
    ("bta1=0.8..0.9", "adam has no hyperparameter 'bta1'; did you mean 'beta1'"),
    ("momentum=0..0.9", "adam has no hyperparameter 'momentum'"),
    ("beta1=0.8..1", "beta1=1 is outside what adam allows for beta1, [0, 1)"),
    ("beta1=0.9|1.0", "beta1=1 is outside what adam allows"),
    ("lr=-1e-3..1e-1", "lr=-0.001 is outside what adam allows for lr, [0, inf)"),
    ("lr=1e-3..1e-1, lr=1e-2..1", "lr is given twice"),
    ("amsgrad=0..1", "amsgrad is a switch of adam; give its values as choices"),
    ("amsgrad=yes|no", "amsgrad=yes is not allowed for adam"),
    ("batch_size=8..64", "give batch sizes as choices"),
    ("batch_size=0|32", "0 is not a batch size"),
    ("beta1=high|low", "high is not a number"),
    ("lr=inf..1", "'inf' is not a finite number"),
    ("beta1=0.9|nan", "'nan' is not a finite number"),
    ("lr=1e-3..1e-1:step=0.01", "not a whole number of steps of 0.01; end the range on the grid, e.g. "
                                "lr=0.001..0.091:step=0.01"),
    # a step longer than the range: the advice was to end it at LOW..LOW, which a range refuses
    ("lr=1e-3..1e-1:step=1", "the step 1 is longer than the range 0.001..0.1; give a step that divides it, e.g. "
                             "step=0.0099"),
])
def test_bad_spaces_are_one_line_naming_the_item(text, message):
    with pytest.raises(ValueError) as error:
        parse_space(text, "adam")
    assert message in str(error.value)
    assert str(error.value).startswith("--space")
    assert "\n" not in str(error.value)


def test_errors_name_the_interface_s_spelling():
    with pytest.raises(ValueError, match=r"^space 'lr=1e-5\.\.'"):
        parse_space("lr=1e-5..", "adam", what="space")


def test_switches_and_their_requirements():
    assert parse_space("lr=1e-3..1e-1:log, momentum=0.5..0.9, nesterov=true|false", "sgd").searched[-1].choices == (
        True, False)
    with pytest.raises(ValueError, match="nesterov=true needs momentum > 0"):
        parse_space("lr=1e-3..1e-1:log, nesterov=true", "sgd")
    with pytest.raises(ValueError, match="both fixed by --optimizer sgd:momentum=0.9 and searched"):
        parse_space("momentum=0..0.9", "sgd", fixed={"momentum": 0.9})


def test_sgd_with_nesterov_fixed_searches_a_momentum_it_accepts():
    """``-o sgd:nesterov=true`` (an example of descend tune --help and the README) was refused: checked against
    sgd's default momentum 0, and searched from 0. Its default space searches momentum as the nesterov variant's,
    from its baseline 0.9; a space of one's own is checked with it."""
    import descend
    from descend.optim import get
    from descend.tune import api

    space = default_space("sgd", fixed={"nesterov": True})
    assert "momentum=0.5..0.99" in space.text() and space.baseline()["momentum"] == 0.9
    get("sgd").configure(**space.baseline(), nesterov=True)
    plan = api.plan("rosenbrock", optimizer=["adam", "sgd:nesterov=true"], trials=4, cohort=4, steps=5, seeds=0)
    assert [name for name, _ in plan.optimizers] == ["adam", "sgd"]
    with pytest.raises(ValueError, match="nesterov=true needs momentum > 0"):
        api.plan("rosenbrock", optimizer=["sgd:nesterov=true"], space="momentum=0..0.9", trials=4, cohort=4)
    result = descend.tune("rosenbrock", optimizer="sgd:nesterov=true", space="lr=1e-4..1e-2:log, momentum=0.5..0.9",
                          trials=4, cohort=4, steps=5, seeds=0)
    assert len(result.trials) == 4


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "sgd", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
                                       "amsgrad", "adamw", "adamax", "nadam", "radam"])
def test_every_optimizer_has_a_default_space_it_accepts(optimizer):
    from descend.optim import get

    space = default_space(optimizer)
    assert space.params[0].name == "lr" and space.params[0].log
    assert parse_space(space.text(), optimizer).text() == space.text()  # within what the optimizer allows
    base = space.baseline()
    info = get(optimizer)
    info.configure(**{k: v for k, v in base.items()})
    assert math.isclose(base["lr"], info.defaults["lr"])  # the baseline is the optimizer's defaults


def test_the_default_lr_range_is_centred_on_the_task_s_rate():
    space = space_for("gd", None, lr=0.3)
    assert space.params[0].text() == "lr=0.003..30:log"
    assert space.baseline() == {"lr": 0.3}
    assert space_for("adam", "lr=1e-4..1e-2:log", lr=0.05).baseline() == {"lr": 0.01}  # clipped into the range


def test_spread_covers_the_space_reproducibly():
    space = parse_space("lr=1e-5..1e-1:log, beta1=0.8..0.999, amsgrad=true|false", "adam")
    points = space.spread(16, seed=3)
    assert points == space.spread(16, seed=3) and points != space.spread(16, seed=4)
    lrs = sorted(math.log10(p["lr"]) for p in points)
    assert all(-5 <= v <= -1 for v in lrs)
    # a low-discrepancy spread: every decade of lr holds some points, both switch values appear
    assert {math.floor(v) for v in lrs} == {-5, -4, -3, -2}
    assert {p["amsgrad"] for p in points} == {True, False}
    assert all(0.8 <= p["beta1"] <= 0.999 for p in points)


def test_the_first_cohort_is_a_latin_hypercube_of_which_the_baseline_is_one_point():
    """Seeded 0, the scrambled Sobol spread put its first two points at 0.475 and 0.56 of the range, beside the
    baseline at 0.5: a search of 3 trials (compare --mode tuned --budget 3) tried three rates within a factor of
    2.2 (adam on house-prices: 0.001, 0.000795, 0.00174 in 1e-5..0.1), the page calling it tuned."""
    space = parse_space("lr=1e-5..1e-1:log, beta1=0.8..0.999, amsgrad=true|false", "adam")
    base = space.baseline()
    for n in (1, 2, 6, 15):
        points = space.spread(n, seed=3)
        assert len(points) == n and points == space.spread(n, seed=3)
        for p in space.searched:
            strata = sorted(min(int(p.to_unit(q[p.name]) * (n + 1)), n) for q in [base, *points])
            if p.kind != "choice":  # every stratum once, the baseline's its own
                assert strata == list(range(n + 1)), (n, p.name, strata)
    lrs = sorted(p["lr"] for p in parse_space("lr=1e-5..1e-1:log", "adam").spread(2, seed=0))
    assert lrs == pytest.approx([10 ** (-5 + 4 / 6), 10 ** (-5 + 20 / 6)])  # 1/6 and 5/6 of the range
    assert space.spread(6, seed=3) != space.spread(6, seed=4)  # the pairing of the dimensions is the seed's


def test_a_choice_of_optimizers_is_a_conditional_space():
    import optuna

    from descend.tune.space import ChoiceSpace

    choice = ChoiceSpace((default_space("adam"), space_for("sgd", "lr=1e-3..1:log, nesterov=true|false, "
                                                                  "momentum=0.5..0.9", lr=0.01)))
    assert choice.optimizer == "adam|sgd"
    assert choice.text() == ("optimizer=adam|sgd; adam: lr=1e-05..0.1:log, beta1=0.5..0.99; "
                             "sgd: lr=0.001..1:log, nesterov=true|false, momentum=0.5..0.9")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    seen = set()
    for _ in range(20):
        trial = study.ask()
        params = choice.suggest(trial)
        name = params["optimizer"]
        seen.add(name)
        # only the chosen optimizer's own dimensions are asked, under its prefix
        assert set(trial.params) == set(params) == {"optimizer", *(f"{name}:{p.name}" for p in choice.space(
            name).searched)}
        optimizer, values = choice.run(params)
        assert optimizer == name and set(values) == {p.name for p in choice.space(name).params}
        lr = choice.space(name).params[0]
        assert lr.low <= values["lr"] <= lr.high
        study.tell(trial, 0.0)
    assert seen == {"adam", "sgd"}
    # each optimizer's baseline (its defaults, the task's lr, clipped into its space), then a spread taking
    # the optimizers in turn
    assert choice.baselines() == [{"optimizer": "adam", "adam:lr": 0.001, "adam:beta1": 0.9},
                                  {"optimizer": "sgd", "sgd:lr": 0.01, "sgd:nesterov": False, "sgd:momentum": 0.5}]
    spread = choice.spread(5, seed=0)
    assert [p["optimizer"] for p in spread] == ["adam", "sgd", "adam", "sgd", "adam"]
    assert spread == choice.spread(5, seed=0)


def test_a_space_given_for_every_optimizer_of_a_choice_is_shared_item_by_item():
    from descend.tune.space import share

    assert share("lr=1e-4..1:log, momentum=0..0.9, batch_size=16|32", ["adam", "sgd"]) == {
        "adam": "lr=1e-4..1:log, batch_size=16|32", "sgd": "lr=1e-4..1:log, momentum=0..0.9, batch_size=16|32"}
    assert share("momentum=0..0.9", ["adam", "sgd"]) == {"adam": None, "sgd": "momentum=0..0.9"}
    with pytest.raises(ValueError, match=r"^--space 'bta1=0\.8\.\.0\.9': none of adam, sgd has a hyperparameter "
                                         r"'bta1'; did you mean 'beta1'"):
        share("lr=1e-3..1:log, bta1=0.8..0.9", ["adam", "sgd"])


def test_an_optimizers_own_space_adds_to_the_space_for_all():
    """It replaced it: --space 'lr=...' --space 'sgd: momentum=...' left sgd's lr fixed, which no output showed."""
    from descend.tune import api

    plan = api.plan("digits", optimizer=["adam", "sgd"], trials=4, cohort=4, steps=5,
                    space=["lr=1e-3..1e-1:log, beta1=0.8..0.99", "sgd: momentum=0..0.9"])
    assert plan.spaces["sgd"].text() == "lr=0.001..0.1:log, momentum=0..0.9"  # adam's beta1 is not sgd's
    assert plan.spaces["adam"].text() == "lr=0.001..0.1:log, beta1=0.8..0.99"
    plan = api.plan("digits", optimizer=["adam", "sgd"], trials=4, cohort=4, steps=5,
                    space=["lr=1e-3..1e-1:log", "sgd: lr=1e-2..1:log, momentum=0..0.9"])
    assert plan.spaces["sgd"].text() == "lr=0.01..1:log, momentum=0..0.9"  # an item it names replaces the shared one


def test_a_schedule_is_a_choice_of_schedules_checked_as_schedule_checks_them():
    space = parse_space("lr=1e-3..1e-1:log, schedule=constant|cosine|step:step_size=10", "adam")
    assert space.searched[-1] == Param("schedule", "choice", choices=("constant", "cosine", "step:step_size=10"))
    assert parse_space(space.text(), "adam").text() == space.text()
    assert space.baseline()["schedule"] == "constant"  # the optimizer's defaults: a constant rate
    assert parse_space("lr=1e-3..1e-1:log, schedule=cosine|one_cycle", "adam").baseline()["schedule"] == "cosine"
    assert parse_space("lr=1e-3..1e-1:log, schedule=cosine", "adam").params[-1] == Param("schedule", "fixed",
                                                                                         value="cosine")
    # a name in another case or with hyphens is the schedule's own name
    assert parse_space("lr=0.1, schedule=Constant|One-Cycle", "adam").searched[-1].choices == ("constant", "one_cycle")


@pytest.mark.parametrize("text, message", [
    ("lr=1e-3..1e-1, schedule=cosin|constant", "--space 'schedule=cosin|constant': 'cosin': unknown schedule; did "
                                               "you mean 'cosine'"),
    ("lr=1e-3..1e-1, schedule=0..1", "--space 'schedule=0..1': give schedules as choices, e.g. schedule=constant|"),
    ("lr=1e-3..1e-1, schedule=cosine|cosine", "--space 'schedule=cosine|cosine': a choice is given twice"),
    ("lr=1e-3..1e-1, schedule=constant|warmup", "warmup wraps another schedule"),
    ("lr=1e-3..1e-1, schedule=constant|", "an empty choice"),
    ("lr=1e-3..1e-1, schedule=step", "schedule 'step' needs step_size"),
    ("lr=1e-3..1e-1, schedule=constant|step:step_size=10,gamma=0.5", "--space 'gamma=0.5': gamma reads as a second "
                                                                    "option of a schedule choice, which takes one"),
    ("lr=1e-3..1e-1, schedule=cosine|Cosine", "--space 'schedule=cosine|Cosine': a choice is given twice"),
    ("lr=1e-3..1e-1, schedule=constant|warmup", "warmup wraps another schedule, which a schedule choice cannot hold"),
])
def test_bad_schedules_in_a_space_are_one_line_naming_the_item(text, message):
    with pytest.raises(ValueError) as e:
        parse_space(text, "adam")
    assert message in str(e.value) and "\n" not in str(e.value)



@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_the_spread_does_not_depend_on_the_users_default_dtype(dtype):
    """torch's Sobol engine makes its first point in the default dtype: under the user's float16 it was the top of
    every range (lr 1, which diverged; compare --mode tuned tried lr 30), under float64 another point."""
    import torch

    space = default_space("adam")
    spread = space.spread(8, 3)
    before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype))
    try:
        assert space.spread(8, 3) == spread
    finally:
        torch.set_default_dtype(before)
