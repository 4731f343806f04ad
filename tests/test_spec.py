"""Run specifications as values: configurations drawn independently train as one cohort, each as if alone."""

from __future__ import annotations

import pytest
import torch

import descend
import descend.tasks
from descend import engine
from descend.models import MLP
from descend.problem import problem
from descend.spec import RunSpec, grid

MODEL = MLP((3, 8, 1), hidden="tanh", output="identity", init="torch")


def data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 3, generator=g, dtype=torch.float64)
    y = torch.sin(x.sum(dim=1, keepdim=True)) + 0.1 * torch.randn(64, 1, generator=g, dtype=torch.float64)
    return x, y


def drawn(k: int, seed: int = 0) -> list[RunSpec]:
    """K Adam configurations with lr, beta1, beta2, eps and weight decay drawn independently (log-uniform)."""
    g = torch.Generator().manual_seed(seed)

    def log_uniform(lo: float, hi: float) -> list[float]:
        u = torch.rand(k, generator=g, dtype=torch.float64)
        return (lo * (hi / lo) ** u).tolist()

    lrs, eps, decay = log_uniform(1e-3, 3e-2), log_uniform(1e-10, 1e-6), log_uniform(1e-5, 1e-1)
    beta1 = (1 - torch.tensor(log_uniform(0.02, 0.5))).tolist()
    beta2 = (1 - torch.tensor(log_uniform(1e-3, 0.1))).tolist()
    return [RunSpec("adam", {"lr": lrs[i], "beta1": beta1[i], "beta2": beta2[i], "eps": eps[i],
                             "weight_decay": decay[i]}, batch_size=16, seed=i % 3) for i in range(k)]


def test_64_independently_drawn_configurations_train_as_one_cohort_each_equal_to_itself_alone():
    x, y = data()
    specs = drawn(64)
    pairs = {(s.hyper["lr"], s.hyper["beta1"]) for s in specs}
    assert len(pairs) == 64, "not a grid: every run has its own combination"
    runs = descend.fit(model=MODEL, data=(x, y), runs=specs, steps=40, dtype=torch.float64)
    assert len(runs.results) == 1 and len(runs.results[0].cohort.runs) == 64
    summary = runs.summary
    for column in ("lr", "beta1", "beta2", "eps", "weight_decay"):
        assert summary[column].tolist() == [s.hyper[column] for s in specs]
    # a short, calm run (lr ≤ 3e-2, 40 steps, float64): the batched and single programs round alike to 1e-12
    for i in (0, 17, 42, 63):
        alone = descend.fit(model=MODEL, data=(x, y), runs=[specs[i]], steps=40, dtype=torch.float64)
        for n in MODEL.names:
            torch.testing.assert_close(runs.params[i][n], alone.params[0][n], rtol=0, atol=1e-12)
        assert (runs.params[i][MODEL.names[0]] - MODEL.init([specs[i].seed], dtype=torch.float64)[0][0]).abs().max() \
            > 1e-3, "the runs must move"


def test_resolved_spec_holds_every_hyperparameter_in_effect():
    spec = RunSpec("Adam", {"lr": 0.01}).resolved()
    assert spec.optimizer == "adam"
    assert spec.hyper["lr"] == 0.01 and spec.hyper["beta1"] == 0.9 and spec.hyper["beta2"] == 0.999
    assert "eps" in spec.hyper and "weight_decay" in spec.hyper and "amsgrad" in spec.hyper
    with pytest.raises(ValueError, match=r"beta1=1.5 is out of range"):
        RunSpec("adam", {"beta1": 1.5}).resolved()
    with pytest.raises(ValueError, match=r"unknown hyperparameter for adam 'lrr'.*'lr'"):
        RunSpec("adam", {"lrr": 0.1}).resolved()
    with pytest.raises(ValueError, match=r"clip_norm=-1"):
        RunSpec("adam", clip_norm=-1).resolved()


def test_grid_is_one_helper_that_produces_specifications():
    specs = grid(optimizer=["sgd", "adam"], lr=[0.1, 0.01], momentum=[0.5, 0.9])
    assert [(s.optimizer, s.hyper["lr"], s.hyper.get("momentum")) for s in specs] == [
        ("sgd", 0.1, 0.5), ("sgd", 0.1, 0.9), ("sgd", 0.01, 0.5), ("sgd", 0.01, 0.9),
        ("adam", 0.1, None), ("adam", 0.01, None)]
    assert specs[0].hyper["nesterov"] is False, "defaults filled in"


def test_a_grid_value_given_twice_is_refused():
    """fit(lr=[0.1, 0.1]) trained one run: the results no longer lined up with the values given."""
    with pytest.raises(ValueError, match=r"^lr lists 0.1 twice: each value of a grid is a run of its own"):
        grid(optimizer="sgd", lr=[0.1, 0.01, 0.1])
    with pytest.raises(ValueError, match=r"^batch_size lists None twice"):
        grid(optimizer="sgd", batch_size=[None, 8, None])
    assert len(grid(optimizer=["sgd", "adam"], momentum=[0.5, 0.9])) == 3  # Adam has no momentum: one run
    # equal values written differently were two identical runs, and two spellings of a name one run
    with pytest.raises(ValueError, match=r"^lr lists 1 and 1.0, the same value: each value"):
        grid(optimizer="sgd", lr=[1, 1.0])
    with pytest.raises(ValueError, match=r"^momentum lists 0 and 0.0, the same value"):
        grid(optimizer="sgd", momentum=[0, 0.0])
    with pytest.raises(ValueError, match=r"^optimizer lists 'adam' and 'Adam', the same optimizer \(adam\)"):
        grid(optimizer=["adam", "Adam"])
    assert [s.seed for s in grid(optimizer="sgd", seed=[0, 1])] == [0, 1]
    assert [s.hyper["nesterov"] for s in grid(optimizer="sgd", momentum=0.5, nesterov=[True, False])] == [
        True, False]


def test_a_schedule_applies_to_the_optimizers_whose_hyperparameter_it_schedules():
    """As a hyperparameter's values do: momentum=[0.5, 0.9] gave two SGD runs and one Adam run, but a schedule
    of momentum was refused because Adam has none."""
    from descend.schedules import cosine

    schedule = cosine(1.0, 10)
    specs = grid(optimizer=["sgd", "adam"], momentum=[0.5, 0.9], schedules={"momentum": schedule, "lr": schedule})
    assert [(s.optimizer, sorted(s.schedules)) for s in specs] == [
        ("sgd", ["lr", "momentum"]), ("sgd", ["lr", "momentum"]), ("adam", ["lr"])]
    with pytest.raises(ValueError, match=r"unknown scheduled hyperparameter for adam, sgd 'momentun'; did you mean "
                                         r"'momentum'"):
        grid(optimizer=["sgd", "adam"], schedules={"momentun": schedule})


@pytest.mark.parametrize("spec, said", [
    (RunSpec("adam", {"lr": [0.1, 0.2]}), r"lr=\[0.1, 0.2\]: a RunSpec is one run, so lr is one number"),
    (RunSpec("adam", None), r"hyper=None must be a dict of hyperparameter names and values"),
    (RunSpec("adam", {"lr": 0.1}, schedules=[abs]), r"schedules=\[.*\] must be a dict of hyperparameter names"),
])
def test_a_run_specification_of_the_wrong_form_is_said_in_its_fields_words(spec, said):
    with pytest.raises(ValueError, match=said):
        spec.resolved()


def test_runs_and_grid_arguments_are_not_mixed():
    x, y = data()
    with pytest.raises(ValueError, match="give runs=.* or grid arguments \\(lr\\)"):
        descend.fit(model=MODEL, data=(x, y), runs=[RunSpec("adam")], lr=0.1, steps=2)
    import numpy as np  # an array of rates: NumPy's "truth value of an array is ambiguous" instead

    with pytest.raises(ValueError, match="give runs=.* or grid arguments \\(lr\\)"):
        descend.fit(model=MODEL, data=(x, y), runs=[RunSpec("adam")], lr=np.array([0.1, 0.2]), steps=2)
    with pytest.raises(ValueError, match="run 1 is dict"):
        engine.train(problem(MODEL, (x, y)), [RunSpec("adam"), {"optimizer": "adam"}], steps=2)


def test_each_run_has_its_own_schedule_in_one_cohort():
    x, y = data()
    cosine = descend.schedules.cosine(1.0, 30)
    step = descend.schedules.step(1.0, 10, 0.5)
    specs = [RunSpec("sgd", {"lr": 0.05}, batch_size=16, schedules={"lr": cosine}),
             RunSpec("sgd", {"lr": 0.05}, batch_size=16, schedules={"lr": step})]
    together = descend.fit(model=MODEL, data=(x, y), runs=specs, steps=30, dtype=torch.float64)
    assert len(together.results) == 1
    for i, spec in enumerate(specs):
        alone = descend.fit(model=MODEL, data=(x, y), optimizer="sgd", lr=0.05, batch_size=16, steps=30,
                            schedules=dict(spec.schedules), dtype=torch.float64)
        for n in MODEL.names:
            torch.testing.assert_close(together.params[i][n], alone.params[0][n], rtol=0, atol=1e-12)
    assert not torch.equal(together.params[0][MODEL.names[0]], together.params[1][MODEL.names[0]])


def test_a_task_without_lr_uses_the_tasks_learning_rates_and_the_summary_shows_them():
    task = descend.tasks.get("ellipse")
    runs = descend.fit(task="ellipse", optimizer=["sgd", "momentum", "rmsprop", "adam"], steps=400)
    summary = runs.summary
    for _, row in summary.iterrows():
        expected = task.default_lr(row["optimizer"]) or descend.optim.get(row["optimizer"]).defaults["lr"]
        assert row["lr"] == expected
    adam = summary[summary["optimizer"] == "adam"].iloc[0]
    assert adam["beta1"] == 0.9 and adam["beta2"] == 0.999 and adam["eps"] == 1e-8
    # with the task's learning rates every optimizer the task knows ends near the known answer
    known = summary[summary["optimizer"].isin(list(task.lrs))]
    assert len(known) >= 3 and (known["distance"] < 0.05).all(), known[["optimizer", "lr", "distance"]]


def test_a_seed_beyond_64_bits_and_a_schedule_that_gives_no_number_are_said():
    """seed=2**70 failed in torch ("Overflow when unpacking long long"); a schedule giving a string, in torch's
    tensor constructor ("new(): invalid data type 'str'")."""
    import descend

    with pytest.raises(ValueError, match=r"seed=1180591620717411303424 is out of range: a seed is a whole number "
                                         r"in \[0, 2\*\*62\)"):
        descend.fit(task="line", seed=2**70, steps=2)
    with pytest.raises(ValueError, match=r"^the schedule of 'lr' gave 'a' at step 0; it must give one number per step"):
        descend.fit(task="line", steps=2, schedules={"lr": lambda t: "a"})
    with pytest.raises(ValueError, match=r"^the schedule of 'lr' gave nan at step 1"):
        descend.fit(task="line", steps=2, schedules={"lr": lambda t: 1.0 if t == 0 else float("nan")})


def test_a_negative_seed_a_schedules_class_and_warmup_by_name_are_said_naming_the_run_and_field():
    """seed=-1 passed the specification and failed in the batches without naming the run; the class
    descend.schedules.cosine in a RunSpec failed at step 0 in Python's words (``__init__() missing 1 required
    positional argument``); warmup by name suggested warmup(1.0, schedule=...), which gives schedule twice."""
    x, y = data()
    with pytest.raises(ValueError, match=r"^run 1 \(sgd, .*\): seed=-1 is out of range: a seed is a whole number in "
                                         r"\[0, 2\*\*62\)"):
        descend.fit(model=MODEL, data=(x, y), optimizer="sgd", seed=[0, -1], batch_size=8, steps=2)
    with pytest.raises(ValueError, match=r"^run 0 \(sgd, .*\): schedules\['lr'\] is the class cosine; give a schedule "
                                         r"made from it, such as descend.schedules.cosine\(1.0, ...\)"):
        descend.fit(model=MODEL, data=(x, y), steps=2,
                    runs=[RunSpec("sgd", {"lr": 0.1}, schedules={"lr": descend.schedules.cosine})])
    with pytest.raises(ValueError, match=r"warmup needs schedule, warmup_steps, which fit can't choose; give "
                                         r"descend.schedules.warmup\(schedule=..., warmup_steps=...\)") as caught:
        descend.fit(model=MODEL, data=(x, y), steps=2, schedules={"lr": "warmup"})
    suggested = descend.schedules.warmup(schedule=descend.schedules.constant(1.0), warmup_steps=2)  # as suggested
    assert suggested(0) == 0.0 and "warmup(" in str(caught.value)
    with pytest.raises(ValueError, match=r"give descend.schedules.step\(1.0, step_size=...\)"):
        descend.fit(model=MODEL, data=(x, y), steps=2, schedules={"lr": "step"})


def test_runs_differing_only_by_their_schedules_are_told_apart_in_the_summary():
    x, y = data()
    runs = descend.fit(model=MODEL, data=(x, y), steps=3, dtype=torch.float64,
                       runs=[RunSpec("sgd", {"lr": 0.1}),
                             RunSpec("sgd", {"lr": 0.1}, schedules={"lr": descend.schedules.exponential(1.0, 0.5)})])
    assert runs.summary["schedules"].tolist() == ["none", "lr: exponential(value=1.0, gamma=0.5)"]
    assert "schedules" not in descend.fit(model=MODEL, data=(x, y), steps=3, optimizer="sgd").summary


def test_a_hyperparameter_spelt_as_its_symbol_gets_its_name_from_python_too():
    """The command line said "β ... is named 'alpha'" for rmsprop:beta=0.9; descend.fit and the classes listed
    the allowed names only."""
    with pytest.raises(ValueError, match=r"unknown hyperparameter for rmsprop 'beta'; β \(.*\) is named 'alpha'"):
        descend.fit(task="rosenbrock", optimizer="rmsprop", beta=0.9, steps=2)
    with pytest.raises(ValueError, match=r"'alpha'; α \(.*\) is named 'lr'"):
        descend.fit(task="rosenbrock", optimizer=["adam", "sgd"], alpha=0.1, steps=2)
    with pytest.raises(TypeError, match=r"unknown argument for RMSprop 'beta'; β \(.*\) is named 'alpha'"):
        descend.optim.RMSprop([torch.zeros(2, requires_grad=True)], beta=0.9)


def test_a_specs_plain_values_go_to_json_with_a_hybrid_batch_as_the_summary_writes_it():
    """to_dict() said "plain values" and kept a hybrid batch size as an object, which json.dumps refused."""
    import json

    from descend.data import hybrid
    from descend.spec import RunSpec

    spec = RunSpec("adam", {"lr": 0.01}, batch_size=hybrid(32, 8, 512), seed=3)
    plain = json.loads(json.dumps(spec.to_dict()))
    assert plain["batch_size"] == "hybrid(first=32, epochs=8, then=512)" and plain["seed"] == 3
    assert RunSpec("adam", {"lr": 0.01}, batch_size=None).to_dict()["batch_size"] is None


@pytest.mark.parametrize("optimizer", ["adam", "adagrad", "sgd"])
def test_the_scheduled_hyperparameters_listed_are_those_a_schedule_can_scale(optimizer):
    """The "allowed" list of an unknown scheduled hyperparameter named adam's switches (amsgrad, maximize,
    eps_mode), which the next check refuses as options a schedule cannot scale."""
    import re

    from descend.optim import get

    info = get(optimizer)
    switches = {o.name for o in info.options}
    expected = sorted({n for n in ("lr", *info.names) if n not in switches and n in info.update_args})
    assert switches and "lr" in expected
    for make in (lambda: RunSpec(optimizer, {}, schedules={"lrr": abs}).resolved(),
                 lambda: grid(optimizer=optimizer, schedules={"lrr": abs})):
        with pytest.raises(ValueError, match=r"unknown scheduled hyperparameter") as refused:
            make()
        assert re.search(r"\(allowed: (.*)\)$", str(refused.value)).group(1).split(", ") == expected
        for switch in switches:  # each still refused in its own words
            with pytest.raises(ValueError, match=rf"schedules\['{switch}'\]: {switch} is an option of"):
                RunSpec(optimizer, {}, schedules={switch: abs}).resolved()


def _scale_warnings(train) -> list[str]:
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        train()
    return [str(w.message) for w in caught
            if issubclass(w.category, UserWarning) and "multiplies its hyperparameter" in str(w.message)]


def test_a_runs_schedule_that_starts_or_peaks_elsewhere_than_at_1_is_warned_of_once():
    """A RunSpec's schedule multiplies its hyperparameter, and descend.schedules' docstring read f(t) as the value:
    cosine(0.1, ...) with lr=0.1 trained from 0.01 without a word. A schedule of descend.schedules whose start, or
    peak where it rises to one (a warm-up, one_cycle), is not 1 is said, once per training of many runs."""
    from descend.schedules import constant, cosine, one_cycle, polynomial, warmup

    steps = 20
    problem_ = descend.tasks.get("line").problem()
    cases = [cosine(0.1, steps), cosine(1.0, steps), constant(0.5), one_cycle(1.0, steps), one_cycle(2.0, steps),
             warmup(cosine(1.0, steps), 5), warmup(constant(0.5), 5), warmup(one_cycle(3.0, steps), 5),
             polynomial(0.0, steps, end_value=1.0)]  # (rising from 0)
    for schedule in cases:
        peak = max(schedule(t) for t in range(steps + 5))  # the oracle: the largest factor the runs take
        specs = [RunSpec("sgd", {"lr": 0.1}, seed=seed, schedules={"lr": schedule}) for seed in (0, 1, 2)]
        said = _scale_warnings(lambda: engine.train(problem_, specs, steps=steps))
        if peak == 1.0:
            assert said == [], (schedule, said)
        else:
            assert len(said) == 1 and f"schedules['lr']={schedule!r}" in said[0] and f" at {peak:g}:" in said[0]
    assert _scale_warnings(lambda: engine.train(problem_, [RunSpec("sgd", {"lr": 0.1}, schedules={
        "lr": lambda t: 0.5})], steps=steps)) == []  # a function of one's own: its values are its author's
