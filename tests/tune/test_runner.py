"""The cohort runner: K trials trained as one cohort equal the same trials trained alone, seeds from trial
numbers, reproducible studies, and pruning decided over the whole cohort (as masking)."""

from __future__ import annotations

import math
import random
import re

import numpy as np
import optuna
import pandas as pd
import pytest
import torch
from optuna.trial import TrialState

import descend
from descend import engine
from descend.spec import RunSpec
from descend.tune import pruning
from descend.tune.storage import open_storage

F64 = dict(dtype=torch.float64)
# line has 120 training samples: with mini-batches of 16 the seed draws the batches, so it matters
SEARCH = dict(optimizer="adam", space="lr=1e-3..0.5:log, beta1=0.5..0.99", batch_size=16, steps=40, eval_every=10,
              seeds=0, **F64)


def alone(config: dict, seed: int, steps: int, **kw) -> object:
    """The trial's configuration trained by itself (a cohort of one)."""
    config = dict(config)
    batch = config.pop("batch_size", 16)
    return descend.fit(task="line", runs=[RunSpec("adam", config, batch, seed)], steps=steps, eval_every=10,
                       record_grad_norms=False, **F64, **kw)


def test_a_cohort_equals_its_trials_trained_one_by_one_told_in_trial_order():
    result = descend.tune("line", trials=6, cohort=6, **SEARCH)
    trials = result.study.get_trials()
    assert [t.number for t in trials] == list(range(6)) and all(t.state == TrialState.COMPLETE for t in trials)
    for t in trials:
        assert t.user_attrs["descend"]["seed"] == t.number  # the seed is the trial number
        runs = alone(dict(t.params), t.number, 40)
        assert t.value == runs.summary["final_validation_loss"].iloc[0]  # bit for bit: per-run arithmetic
    # told in the order of the trial numbers
    completed = [t.datetime_complete for t in trials]
    assert completed == sorted(completed)
    # the first cohort is the baseline (adam's defaults, the task's lr for adam) and a spread of the space
    assert trials[0].user_attrs["descend:role"] == "baseline" and trials[0].params["beta1"] == 0.9
    assert {t.user_attrs["descend:role"] for t in trials[1:]} == {"spread"}


def test_seeds_matter_and_come_from_the_trial_number():
    a = alone({"lr": 0.05, "beta1": 0.9}, 0, 40).summary["final_validation_loss"].iloc[0]
    b = alone({"lr": 0.05, "beta1": 0.9}, 1, 40).summary["final_validation_loss"].iloc[0]
    assert a != b


def test_a_study_re_run_with_the_same_sampler_seed_gives_the_same_trials():
    def trials(seed):
        study = descend.tune("line", trials=12, cohort=4, seed=seed, **SEARCH).study
        return [(t.number, t.params, t.value) for t in study.get_trials()]

    first = trials(7)
    assert first == trials(7)
    assert [p for _, p, _ in first] != [p for _, p, _ in trials(8)]


@pytest.mark.parametrize("sampler", ["tpe", "random", "qmc", "cmaes", "grid"])
def test_every_sampler_runs_cohorts(sampler):
    result = descend.tune("line", trials=8, cohort=4, sampler=sampler, **SEARCH)
    frame = result.trials
    # the grid of 2 ranges with at most 8 points is 2 × 2: its size becomes the budget
    n = 4 if sampler == "grid" else 8
    assert (frame["state"] == "COMPLETE").sum() == n
    assert frame[["lr", "beta1"]].drop_duplicates().shape[0] == n
    assert set(result.best) == {"adam"}
    if sampler == "grid":
        assert sorted(frame["lr"].unique()) == [1e-3, 0.5]
        assert result.notes[0].startswith("grid sampler: 4 grid points (lr 0.001, 0.5; beta1 0.5, 0.99: each range's "
                                          "values from its low end to its high end), fewer than 8 trials"), result.notes


def test_a_grid_larger_than_the_budget_says_how_much_of_it_is_trained():
    """Two values of each range at least: with a budget of 3 the grid of 2 × 2 points trained 3 without a word."""
    result = descend.tune("line", trials=3, cohort=3, sampler="grid", **SEARCH)
    assert (result.trials["state"] == "COMPLETE").sum() == 3
    assert "grid sampler: the grid has 4 points (lr 0.001, 0.5; beta1 0.5, 0.99), more than the 3 trials: only 3 of " \
           "them are trained (give trials 4 for all)" in result.notes, result.notes


def test_successive_halving_prunes_as_masking_and_tells_the_last_value():
    result = descend.tune("line", trials=9, cohort=9, pruner="sha", **{**SEARCH, "steps": 90})
    trials = result.study.get_trials()
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # η = 3, checkpoints at 1/9 and 1/3 of 90 steps (evaluations every 10): 9 → 3 → 1
    assert len(complete) == 1 and len(pruned) == 8
    assert sorted(t.user_attrs["descend"]["steps"] for t in pruned) == [10] * 6 + [30] * 2
    for t in pruned:
        steps = t.user_attrs["descend"]["steps"]
        assert max(t.intermediate_values) == steps
        assert t.value == t.intermediate_values[steps]  # told PRUNED with its last value
        # frozen in place: its value is the trial's own loss after that many steps, trained alone
        runs = alone(dict(t.params), t.number, steps)
        assert t.value == runs.summary["final_validation_loss"].iloc[0]  # bit for bit: per-run arithmetic
    # the rung decisions are the cohort's best: the survivors of the first checkpoint are its 3 best values
    first = sorted(trials, key=lambda t: t.intermediate_values[10])
    assert {t.number for t in first[:3]} == {t.number for t in trials if t.user_attrs["descend"]["steps"] != 10}


def test_by_default_a_pruned_cohort_is_evaluated_at_its_first_checkpoint_s_fraction(monkeypatch):
    """Evaluations cost (at K = 64 on the sweep workload one costs as much as 18 steps): with successive
    halving a cohort is evaluated every ninth of its budget, its checkpoints near 1/9 and 1/3."""
    from descend.tune import runner

    seen = []
    train = runner.engine.train

    def spy(*args, **kwargs):
        seen.append(kwargs["eval_every"])
        return train(*args, **kwargs)

    monkeypatch.setattr(runner.engine, "train", spy)
    result = descend.tune("line", trials=9, cohort=9, pruner="sha", **{**SEARCH, "steps": 200, "eval_every": None})
    assert seen == [23]
    trials = result.study.get_trials()
    assert {step for t in trials for step in t.intermediate_values} == {23, 69}
    assert sorted(t.user_attrs["descend"]["steps"] for t in trials) == [23] * 6 + [69] * 2 + [200]


def _event(values, order):
    runs = [engine.Run(i, RunSpec("adam", {"lr": 0.1}).resolved()) for i in order]
    metrics = {"validation_loss": torch.tensor([values[i] for i in order], dtype=torch.float64)}
    return engine.Monitor(10, runs, metrics, ["ok"] * len(order))


@pytest.mark.parametrize("kind", ["sha", "median"])
def test_pruning_decisions_do_not_depend_on_the_order_of_the_runs(kind):
    rng = random.Random(0)
    values = [rng.random() for _ in range(12)]
    prior = [[rng.random() for _ in range(7)]]
    decided = []
    for _ in range(5):
        order = list(range(12))
        rng.shuffle(order)
        pruner = pruning.CohortPruner(kind, "validation_loss", "minimize", [10], prior, completed=7)
        event = _event(values, order)
        pruner(event)
        decided.append(frozenset(event.pruned))
    assert len(set(decided)) == 1 and 0 < len(decided[0]) < 12


def test_successive_halving_keeps_the_best_third_of_the_cohort_and_the_earlier_trials():
    pruner = pruning.CohortPruner("sha", "validation_loss", "minimize", [10])
    assert pruner.decide([5, 1, 4, 2, 3, 6], []) == [True, False, True, False, True, True]
    # earlier trials at the same checkpoint count: of 6 values the best 2 go on, one of them from this cohort
    assert pruner.decide([5, 1, 4], [0.1, 2.0, 3.0]) == [True, False, True]
    assert pruner.decide([5, 1, 4], [0.1, 0.2, 3.0]) == [True, True, True]
    # ⌊N/η⌋ as Optuna's SuccessiveHalvingPruner and ASHA keep (⌈N/η⌉ kept 2 of 4, half of them)
    assert pruner.decide([4, 1, 3, 2], []) == [True, False, True, True]
    assert sum(not p for p in pruner.decide(list(range(8)), [])) == 2
    assert sum(not p for p in pruner.decide(list(range(16)), [])) == 5
    assert pruner.decide([1, math.nan], []) == [False, True]  # a non-finite value is the worst
    maximize = pruning.CohortPruner("sha", "validation_accuracy", "maximize", [10])
    assert maximize.decide([0.9, 0.5, 0.7], []) == [False, True, True]


def test_a_cohort_whose_last_runs_diverge_after_the_last_checkpoint_stops_at_the_next_evaluation():
    pruner = pruning.CohortPruner("sha", "validation_loss", "minimize", [10])
    runs = [engine.Run(i, RunSpec("adam", {"lr": 0.1}).resolved()) for i in range(3)]
    metrics = {"validation_loss": torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)}
    event = engine.Monitor(20, runs, metrics, ["pruned", "diverged", "ok"])
    pruner(event)
    assert not event.stopped and not pruner.all_stopped  # one run still trains
    event = engine.Monitor(30, runs, metrics, ["pruned", "diverged", "diverged"])
    pruner(event)
    assert event.stopped and pruner.all_stopped and not event.pruned


def test_a_study_whose_cohort_diverges_entirely_stops_the_cohort_early(monkeypatch):
    trained = []
    train = engine.train

    def recorded(*args, **kwargs):
        runs = train(*args, **kwargs)
        trained.append(len(runs.results[0].train_loss))
        return runs

    monkeypatch.setattr(engine, "train", recorded)
    result = descend.tune("line", optimizer="gd", space="lr=10..100:log", trials=4, cohort=4, steps=200,
                          eval_every=10, pruner="sha", seeds=0, **F64)
    trials = result.study.get_trials()
    assert all(t.state == TrialState.COMPLETE and t.value == math.inf for t in trials)
    assert result.outcomes["gd"].retried == 0  # not mistaken for a stop by the user
    # every run diverges within 10 steps: the cohort ends at that evaluation, not at the first checkpoint (30)
    assert pruning.checkpoint_steps("sha", 200, 10)[0] == 30
    assert trained == [10]
    # each trial records the steps it took before it diverged
    assert all(1 <= t.user_attrs["descend"]["steps"] < 10 for t in trials)


@pytest.mark.parametrize("pruner, every, message", [
    ("sha", 50, "eval_every 50: pruner sha checks at 1/9 and 1/3 of the 45 steps (steps 5 and 15), and evaluations "
                "every 50 steps reach none of them before the end; give eval_every 5 (the default) or leave it out"),
    ("sha", 20, "eval_every 20: pruner sha checks at 1/9 and 1/3 of the 45 steps (steps 5 and 15), and evaluations "
                "every 20 steps fall on one step for both (20); give eval_every 5 (the default) or leave it out"),
    ("median", 45, "eval_every 45: pruner median checks at every tenth of the 45 steps from the first (step 5), and "
                   "evaluations every 45 steps reach none of them before the end; give eval_every 5 (the default)"),
])
def test_an_eval_every_that_loses_a_pruning_checkpoint_is_refused_before_the_study_is_written(tmp_path, pruner, every,
                                                                                             message):
    """eval_every at or past the budget pruned nothing, and one between the rungs merged successive halving's two
    checkpoints into one (a third kept where a ninth is), without a word."""
    storage = str(tmp_path / "s.journal")
    with pytest.raises(ValueError, match="^" + re.escape(message)):
        descend.tune("line", trials=9, cohort=9, pruner=pruner, storage=storage, **{**SEARCH, "steps": 45,
                                                                                  "eval_every": every})
    assert not (tmp_path / "s.journal").exists()
    # each batch size a trial may take counts: 2 epochs are 16 steps at 16 a batch (checked at 4 and 8, kept) and 8
    # at 32 (both at 4)
    with pytest.raises(ValueError, match=r"^eval_every 4: pruner sha checks at 1/9 and 1/3 of the 8 steps \(steps 1 "
                                         r"and 3\), and evaluations every 4 steps fall on one step for both \(4\)"):
        descend.tune("line", trials=9, cohort=9, pruner="sha", space="lr=1e-3..0.5:log, batch_size=16|32", epochs=2,
                     seeds=0, eval_every=4)
    # what keeps each checkpoint is taken: successive halving at a coarser cadence, the median rule checking less often
    assert pruning.lost_checkpoints("sha", 45, 7) is None and pruning.lost_checkpoints("median", 45, 20) is None


def test_median_pruning_needs_completed_trials_first():
    pruner = pruning.CohortPruner("median", "validation_loss", "minimize", [10], completed=4)
    assert pruner.decide([5, 1, 2.5], [1, 2, 3, 4]) == [False] * 3  # fewer than 5 completed trials
    pruner = pruning.CohortPruner("median", "validation_loss", "minimize", [10], completed=5)
    assert pruner.decide([5, 1, 2.5], [1, 2, 3, 4, 5]) == [True, False, False]
    # five completed trials, of which three reached this checkpoint: their median decides, as Optuna's
    assert pruner.decide([5, 1, 2.5], [1, 2, 3]) == [True, False, True]
    assert pruner.decide([5, 1, 2.5], []) == [False] * 3  # none reached it: nothing to compare with
    assert pruner.decide([5, 1, 2.5], [math.nan, 2]) == [True, False, True]  # NaN left out, as numpy.nanpercentile


def test_median_pruning_starts_once_the_study_holds_five_completed_trials_as_optunas():
    """The start-up counted the values at the checkpoint, not the completed trials: earlier trials that diverged
    before a checkpoint (told complete, with the worst value) switched pruning off there."""
    from optuna.trial import create_trial

    earlier = [create_trial(state=TrialState.COMPLETE, value=1.0 + i, intermediate_values={2: 2.0 + i, 4: 0.5 + i})
               for i in range(4)]
    earlier += [create_trial(state=TrialState.COMPLETE, value=math.inf, intermediate_values={2: 3.0})
                for _ in range(5)]
    study = optuna.create_study(pruner=optuna.pruners.MedianPruner())
    for t in earlier:
        study.add_trial(t)
    trial = study.ask()
    optunas = []
    for step in (2, 4):
        trial.report(2.9, step)
        optunas.append(trial.should_prune())
    trials = study.get_trials()[:9]
    monitor = pruning.CohortPruner("median", "validation_loss", "minimize", [2, 4],
                                   pruning.prior_values(trials, "median", 2), completed=pruning.completed(trials))
    ours = []
    for step in (2, 4):
        event = engine.Monitor(step, [engine.Run(0, RunSpec("adam", {"lr": 0.1}).resolved())],
                               {"validation_loss": torch.tensor([2.9], dtype=torch.float64)}, ["ok"])
        monitor(event)
        ours.append(bool(event.pruned))
    assert ours == optunas == [False, True]


def test_a_cohort_whose_runs_are_all_pruned_stops():
    pruner = pruning.CohortPruner("sha", "validation_loss", "minimize", [10], [[0.0, 0.0, 0.0, 0.0]])
    event = _event([1.0, 2.0], [0, 1])
    pruner(event)
    assert event.pruned == {0, 1} and event.stopped and pruner.all_stopped


def test_median_pruning_in_a_study():
    result = descend.tune("line", trials=16, cohort=8, pruner="median", **{**SEARCH, "steps": 50})
    trials = result.study.get_trials()
    first, second = trials[:8], trials[8:]
    assert all(t.state == TrialState.COMPLETE for t in first)  # nothing to compare with in the first cohort
    assert all(len(t.intermediate_values) == 4 for t in first)  # checkpoints every tenth, on evaluations
    for t in second:
        if t.state == TrialState.PRUNED:
            step = t.user_attrs["descend"]["steps"]
            earlier = sorted(f.intermediate_values[step] for f in first)
            assert t.value > (earlier[3] + earlier[4]) / 2


def test_diverged_trials_are_told_the_worst_value():
    result = descend.tune("line", optimizer="gd", space="lr=10..100:log", trials=4, cohort=4, steps=30, seeds=0)
    trials = result.study.get_trials()
    assert all(t.state == TrialState.COMPLETE and t.value == math.inf for t in trials)
    assert {t.user_attrs["descend"]["status"] for t in trials} == {"diverged"}
    assert result.best == {} and result.final is None


def test_the_result_holds_the_best_configuration_and_its_seeded_re_runs():
    result = descend.tune("line", optimizer=["gd", "adam"], trials=8, cohort=8, steps=40, seeds=3, batch_size=16,
                          **F64)
    assert set(result.studies) == {"gd", "adam"} and result.names == {"gd": "line-gd", "adam": "line-adam"}
    for name, study in result.studies.items():
        best = result.best[name]
        assert best["value"] == study.best_value and best["trial"] == study.best_trial.number
    summary = result.final.summary
    assert sorted(summary["seed"]) == [0, 0, 1, 1, 2, 2]
    for name in ("gd", "adam"):
        mine = summary[summary["optimizer"] == name]
        assert mine["lr"].nunique() == 1 and mine["lr"].iloc[0] == result.best[name]["config"]["lr"]
    assert {"test loss", "validation loss", "seeds"} <= set(result.table.columns)
    frame = result.trials
    assert list(frame.columns[:4]) == ["optimizer", "number", "state", "value"] and len(frame) == 16
    assert isinstance(result.study, optuna.Study)


def test_a_worker_waits_until_the_creator_has_queued_the_first_cohort(tmp_path):
    """A worker that loads a study its creator is still setting up waits for the ready mark: it must not
    check against attributes not yet written, nor ask trials before the baseline and spread are queued (those
    queued later would lie beyond the budget and stay WAITING)."""
    import threading
    import time

    from descend.tune import runner, storage

    store = storage.open_storage(str(tmp_path / "s.journal"))
    study = optuna.create_study(study_name="s", storage=store)
    study.set_user_attr(runner.READY, False)

    def finish():
        time.sleep(0.6)
        study.set_user_attr("descend:marker", 1)
        study.set_user_attr(runner.READY, True)

    thread = threading.Thread(target=finish)
    thread.start()
    loaded = optuna.load_study(study_name="s", storage=store)
    t0 = time.monotonic()
    runner._wait_ready(loaded)
    assert time.monotonic() - t0 >= 0.5 and loaded.user_attrs["descend:marker"] == 1
    thread.join()
    # a study made elsewhere (never marked, with trials) is used at once; an empty unmarked one after a short wait
    other = optuna.create_study(study_name="o", storage=store)
    other.enqueue_trial({"lr": 0.1})
    t0 = time.monotonic()
    runner._wait_ready(other)
    assert time.monotonic() - t0 < 0.5


# -- a choice of optimizer inside one study ------------------------------------------------------------------

CHOICE = dict(optimizer="adam|sgd", batch_size=16, steps=40, eval_every=10, seeds=0, **F64)


def alone_as(optimizer: str, config: dict, seed: int, steps: int) -> float:
    """The validation loss of one configuration of ``optimizer`` trained by itself (a cohort of one)."""
    config = dict(config)
    batch = config.pop("batch_size", 16)
    runs = descend.fit(task="line", runs=[RunSpec(optimizer, config, batch, seed)], steps=steps, eval_every=10,
                       record_grad_norms=False, **F64)
    return runs.summary["final_validation_loss"].iloc[0]


def test_a_cohort_that_mixes_optimizers_equals_its_trials_trained_alone():
    result = descend.tune("line", trials=10, cohort=10, **CHOICE)
    trials = result.study.get_trials()
    assert len(result.studies) == 1 and result.names == {"adam|sgd": "line"}
    chosen = [t.params["optimizer"] for t in trials]
    assert set(chosen) == {"adam", "sgd"}  # one cohort holds both
    for t in trials:
        name = t.params["optimizer"]
        # the conditional parameters: only the chosen optimizer's own, named OPTIMIZER:NAME
        assert {k.partition(":")[0] for k in t.params if k != "optimizer"} == {name}
        config = {k.partition(":")[2]: v for k, v in t.params.items() if k != "optimizer"}
        assert t.state == TrialState.COMPLETE
        if t.user_attrs["descend"]["status"] == "ok":
            assert t.value == alone_as(name, config, t.number, 40)  # bit for bit: per-run arithmetic
    # the first cohort starts from each optimizer's defaults (the task's lr for each), then a spread
    assert [t.user_attrs["descend:role"] for t in trials[:2]] == ["baseline", "baseline"]
    assert trials[0].params == {"optimizer": "adam", "adam:lr": 0.05, "adam:beta1": 0.9}
    assert trials[1].params == {"optimizer": "sgd", "sgd:lr": 0.3, "sgd:momentum": 0.0}


def test_a_choice_reports_the_best_configuration_of_each_optimizer_and_re_runs_each():
    result = descend.tune("line", trials=12, cohort=6, **{**CHOICE, "seeds": 2})
    frame = result.trials
    assert len(frame) == 12 and list(frame["optimizer"]) == [t.params["optimizer"] for t in result.study.trials]
    for name in ("adam", "sgd"):
        mine = frame[(frame["optimizer"] == name) & (frame["state"] == "COMPLETE")]
        best = result.best[name]
        assert best["value"] == mine["value"].min()
        assert best["trial"] == int(mine.loc[mine["value"].idxmin(), "number"])
        trial = result.study.trials[best["trial"]]
        assert best["params"] == {k.partition(":")[2]: v for k, v in trial.params.items() if k != "optimizer"}
        assert best["config"] == {**best["params"], "batch_size": 16}
        runs = result.final.summary[result.final.summary["optimizer"] == name]
        assert sorted(runs["seed"]) == [0, 1] and (runs["lr"] == best["config"]["lr"]).all()
    assert list(result.table.index) == ["adam", "sgd"]


def test_a_choice_with_cohorts_smaller_than_its_optimizers_starts_each_optimizer_from_its_defaults():
    """Only the first cohort's share of the baselines was queued: with cohorts of one, sgd and rmsprop had no trial
    at their defaults, and an optimizer the sampler never drew had no row in the results at all."""
    result = descend.tune("line", trials=3, cohort=1, seed=1, **{**CHOICE, "optimizer": "adam|sgd|rmsprop"})
    trials = result.study.get_trials()
    assert [(t.params["optimizer"], t.user_attrs["descend:role"]) for t in trials] == [
        ("adam", "baseline"), ("sgd", "baseline"), ("rmsprop", "baseline")]
    assert sorted(result.best) == ["adam", "rmsprop", "sgd"] and list(result.table.index) == ["adam", "sgd", "rmsprop"]
    # a budget that cannot hold them is refused before any study is written
    with pytest.raises(ValueError, match=r"^trials 2 is smaller than the 3 optimizers of optimizer adam\|sgd\|rmsprop, "
                                         r"each of which gets a first trial at its defaults; give trials 3 or more$"):
        descend.tune("line", trials=2, cohort=1, **{**CHOICE, "optimizer": "adam|sgd|rmsprop"})


def test_successive_halving_over_a_cohort_that_mixes_optimizers():
    """Each optimizer trains as its own engine cohort, with its own call of the engine: when every run of one
    is pruned its cohort stops without stopping the other's (gd and adadelta share their switches, so grouping
    by switches alone would put them in one call, and stopping gd's runs would leave adadelta's untrained and
    re-queued)."""
    # sampler seed 11: a second cohort with gd's trials and an adadelta trial good enough to finish
    result = descend.tune("line", optimizer="adadelta|gd", space=["gd: lr=1e-6..1e-5:log"], trials=18, cohort=9,
                          pruner="sha", batch_size=16, steps=90, eval_every=10, seeds=0, seed=11, **F64)
    trials = result.study.get_trials()
    assert len(trials) == 18 and {t.state for t in trials} <= {TrialState.COMPLETE, TrialState.PRUNED}
    assert result.outcomes["adadelta|gd"].retried == 0
    second = trials[9:]
    gd = [t for t in second if t.params["optimizer"] == "gd"]
    assert gd and all(t.state == TrialState.PRUNED and t.user_attrs["descend"]["steps"] == 10 for t in gd)
    assert any(t.state == TrialState.COMPLETE and t.user_attrs["descend"]["steps"] == 90 for t in second)
    for t in trials:
        name = t.params["optimizer"]
        config = {k.partition(":")[2]: v for k, v in t.params.items() if k != "optimizer"}
        steps = t.user_attrs["descend"]["steps"]
        assert t.value == alone_as(name, config, t.number, steps)  # bit for bit: per-run arithmetic


def test_a_choice_can_sit_beside_optimizers_tuned_in_their_own_studies():
    result = descend.tune("line", optimizer=["adam|sgd", "gd"], trials=4, cohort=4, steps=20, seeds=0, **F64)
    assert result.names == {"adam|sgd": "line-adam|sgd", "gd": "line-gd"}
    assert set(result.best) <= {"adam", "sgd", "gd"} and "gd" in result.best


@pytest.mark.parametrize("task, splits", [("digits", {"validation"}), ("ellipse", {"validation", "train"}),
                                          ("himmelblau", {"train"})])
def test_a_search_evaluates_only_the_split_that_judges_a_trial(task, splits, monkeypatch):
    """The target's split, and the training set only where its evaluation decides a status (a model that masks
    samples out: the ellipse); never the test split, which the final re-runs evaluate."""
    seen = []
    real = engine.train

    def spy(problem, specs, **kwargs):
        seen.append(set(problem.evals))
        return real(problem, specs, **kwargs)

    monkeypatch.setattr(engine, "train", spy)
    result = descend.tune(task, optimizer="adam", trials=2, cohort=2, steps=5, seeds=0)
    assert seen and all(s == splits for s in seen)
    assert len(result.study.get_trials()) == 2


def test_progress_counts_trials_per_second_from_the_first_cohort_on_and_not_those_a_resumed_study_held(tmp_path):
    storage = f"{tmp_path}/study.journal"
    seen: list[dict] = []
    descend.tune("line", trials=4, cohort=4, storage=storage, progress=seen.append, **SEARCH)
    studies = [e for e in seen if e["kind"] == "study"]
    assert [e["done"] for e in studies] == [0, 4]
    assert studies[0]["rate"] is None and studies[-1]["rate"] > 0  # a single study: a rate before it ends
    steps = [e for e in seen if e["kind"] == "step"]
    assert steps and all(e["rate"] is None for e in steps)  # nothing finished yet in the first cohort

    seen.clear()
    descend.tune("line", trials=8, cohort=2, storage=storage, progress=seen.append, **SEARCH)  # resumed: 4 more
    studies = [e for e in seen if e["kind"] == "study"]
    assert [e["done"] for e in studies] == [4, 6, 8]
    assert studies[0]["rate"] is None
    elapsed = studies[-1]["elapsed"]
    assert studies[-1]["rate"] == pytest.approx(4 / elapsed, rel=1e-9)  # the 4 trials of this search, not 8


def _jumping_clock(monkeypatch):
    """The search's clock, moved on by ``later[0]`` seconds (set it past a timeout to end the search there)."""
    import time
    import types

    from descend.tune import api

    later = [0.0]
    clock = types.SimpleNamespace(time=lambda: time.time() + later[0], perf_counter=time.perf_counter,
                                  monotonic=lambda: time.monotonic() + later[0], sleep=time.sleep)
    monkeypatch.setattr(api, "time", clock)
    return later


def _deadline_passed_at_the_first_step(monkeypatch):
    """``(events, progress)``: a progress that records every event and moves the clock past any timeout at the
    first step of the first cohort."""
    later, events = _jumping_clock(monkeypatch), []

    def progress(event):
        events.append(dict(event))
        if event["kind"] == "step":
            later[0] = 1e6

    return events, progress


def test_after_the_timeout_the_progress_counts_the_last_cohort(monkeypatch):
    """The search stops starting cohorts once --timeout has passed; the progress bar's last count used to leave out
    the cohort that was training when it passed (16/64 shown, 24 trials complete)."""
    import descend

    events, progress = _deadline_passed_at_the_first_step(monkeypatch)

    result = descend.tune("line", optimizer="gd", space="lr=1e-3..1:log", trials=16, cohort=4, steps=10, seeds=0,
                          timeout=3600, progress=progress)
    assert result.timed_out and len(result.trials) == 4
    studies = [e for e in events if e["kind"] == "study"]
    assert studies[-1]["done"] == 4


def test_a_timed_out_search_says_what_it_did_and_that_the_re_runs_follow(monkeypatch):
    """The note said "stopped by the timeout after 3 s" after 4.3 s, not how many trials were done, nor that the
    re-runs would train after the deadline (under a bar whose time left stood still); the one-line summary counted
    queued and failed rows as trials."""
    import descend

    events, progress = _deadline_passed_at_the_first_step(monkeypatch)

    result = descend.tune("line", optimizer="gd", space="lr=1e-3..1:log", trials=16, cohort=4, steps=10, seeds=2,
                          batch_size=16, timeout=np.int64(3600), progress=progress)  # (numpy's integer: refused)
    assert result.timed_out
    said = [n for n in result.notes if n.startswith("stopped by the timeout")]
    assert len(said) == 1 and re.search(r"stopped by the timeout \(3600 s\) after [\d.]+ s, with 4 of 16 trials "
                                        r"done; run again to resume \(the best's re-runs on 2 seeds follow the "
                                        r"search: seeds=0 leaves them out\)", said[0]), said
    final = [e for e in events if e["kind"] == "final"]
    assert len(final) == 1 and final[0]["runs"] == 2 and final[0]["optimizer"] == "gd"
    assert len(result.final_summary) == 2
    assert repr(result).startswith("TuneResult(4 trials done of gd; best ") and "; timed out" in repr(result)


def test_a_finished_study_under_a_timeout_shorter_than_opening_it_is_not_timed_out(tmp_path):
    """The deadline was checked before any study was looked at: a finished study read "stopped by the timeout",
    its files said timed_out and a re-run did nothing."""
    import descend

    search = dict(optimizer="gd", space="lr=1e-3..1:log", trials=4, cohort=4, steps=10, seeds=0,
                  storage=str(tmp_path / "study.journal"))
    descend.tune("line", **search)
    again = descend.tune("line", timeout=1e-9, **search)
    assert not again.timed_out and not any("timeout" in n for n in again.notes), again.notes
    assert len(again.study.trials) == 4


def test_a_choice_of_optimizers_cut_by_its_timeout_says_which_never_trained(monkeypatch):
    """A choice study cut by its timeout after adam's trial had a table of adam alone, read as if sgd and rmsprop
    had lost to it."""
    import descend

    _, progress = _deadline_passed_at_the_first_step(monkeypatch)

    result = descend.tune("line", optimizer="adam|sgd|rmsprop", trials=6, cohort=1, steps=10, seeds=0,
                          timeout=3600, progress=progress)
    assert list(result.table.index) == ["adam"]
    said = [n for n in result.notes if "finished (the first" in n]
    assert said == ["sgd, rmsprop: no trial of theirs in the study adam|sgd|rmsprop finished (the first, at their "
                    "defaults, is queued in the study: the search stopped before it), so they have no row; the same "
                    "command resumes the search"], result.notes


def test_the_trials_write_a_searched_batch_size_as_the_table_does():
    """trials.csv wrote 32.0 and a blank for the full batch, table.csv and the report 32 and full."""
    result = descend.tune("line", optimizer="adam", space="lr=1e-3..1:log, batch_size=full|32", trials=4, cohort=4,
                          steps=10, seeds=0)
    assert sorted(map(str, result.trials["batch_size"])) == ["32", "32", "full", "full"]
    text = result.trials.to_csv(index=False)
    assert ",full," in text and ",32," in text and "32.0" not in text


def test_every_file_of_a_search_writes_the_full_batch_as_full(tmp_path):
    """trials.csv and table.csv wrote the full batch "full", best.json null and final_summary.csv a blank; a
    search run again, its re-runs read back from the study, wrote gd's 16 as 16.0 beside that blank."""
    import json

    out = tmp_path / "out"
    space = {"adam": "lr=1e-3..1e-1:log, batch_size=full", "gd": "lr=1e-3..1e-1:log, batch_size=16"}
    for _ in range(2):  # trained, then read back from the study
        result = descend.tune("line", optimizer=["adam", "gd"], space=space, trials=2, cohort=2, steps=10, seeds=2,
                              out=out)
        assert result.final_summary["batch_size"].tolist() == ["full", 16, 16]
        summary = (out / "final_summary.csv").read_text().splitlines()
        assert [line.split(",")[1:3] for line in summary[1:]] == [["adam", "full"], ["gd", "16"], ["gd", "16"]]
        best = json.loads((out / "best.json").read_text())["best"]
        assert best["adam"]["config"]["batch_size"] == "full" and best["gd"]["config"]["batch_size"] == 16
        assert result.best["adam"]["config"]["batch_size"] is None  # as descend.tune and descend.train take it
        table = (out / "table.csv").read_text()
        assert table.startswith("optimizer,") and ",full," in table
    result = descend.tune("line", optimizer="adam", space="lr=1e-3..1e-1:log, batch_size=full|16", trials=4,
                          cohort=4, steps=10, seeds=0, sampler="random", out=tmp_path / "searched")
    best = json.loads((tmp_path / "searched" / "best.json").read_text())["best"]["adam"]
    assert best["params"]["batch_size"] == best["config"]["batch_size"] in ("full", 16)


def test_best_json_records_the_versions_the_numbers_depend_on(tmp_path):
    """best.json recorded no version at all (the study descend's alone): not PyTorch's, Python's nor NumPy's."""
    import json
    import platform

    descend.tune("line", optimizer="gd", space="lr=1e-3..1e-1:log", trials=2, cohort=2, steps=5, seeds=0,
                 out=tmp_path)
    assert json.loads((tmp_path / "best.json").read_text())["versions"] == {
        "descend": descend.__version__, "python": platform.python_version(), "torch": torch.__version__,
        "numpy": np.__version__, "pandas": pd.__version__}


def test_a_best_trial_better_than_every_one_of_its_re_runs_is_said_to_be_one_seed_s_luck():
    """rmsprop's best trial on iris: a validation loss of 0 at lr 0.928 with seed 9, its re-runs 7.19 ± 9.43; the
    terminal, best.json and the report gave both numbers without a word."""
    result = descend.tune("iris", optimizer="rmsprop", trials=16, cohort=8, steps=100, batch_size=16, seeds=3)
    best, reruns = result.best["rmsprop"], result.final_summary["final_validation_loss"]
    assert best["value"] < reruns.min()  # the case: the trial's seed gave what none of the re-runs' does
    said = result.lucky["rmsprop"]
    assert said.startswith(f"rmsprop: its best trial (number {best['trial']}, seed {best['seed']}) reached a "
                           "validation loss of ") and "a lucky draw of its seed" in said
    assert said in result.notes  # the terminal's notes and best.json's


def test_trials_of_equal_accuracy_are_ranked_by_their_loss_then_their_number():
    # a small validation set gives many equal accuracies: the first of them won, often at an extreme learning rate
    import optuna

    from descend.tune.result import best_trials
    from descend.tune.runner import INFO
    from descend.tune.space import parse_space

    space = parse_space("lr=1e-4..1:log", "adam")
    study = optuna.create_study(direction="maximize")
    for value, loss, lr in ((0.9, 0.40, 0.6), (0.95, 0.35, 0.8), (0.95, 0.12, 0.001), (0.95, None, 0.01)):
        info = {"status": "ok", "seed": 0, "steps": 10, **({"loss": loss} if loss is not None else {})}
        study.add_trial(optuna.trial.create_trial(
            params={"lr": lr}, distributions={"lr": optuna.distributions.FloatDistribution(1e-4, 1, log=True)},
            value=value, user_attrs={INFO: info}))
    best = best_trials({"adam": study}, {"adam": space}, None)["adam"]
    assert (best["trial"], best["config"]["lr"]) == (2, 0.001)
    # trials.csv shows the loss that broke the tie, after the value (trials of equal accuracy told apart by it)
    from descend.tune.result import trials_frame

    frame = trials_frame({"adam": study})
    assert list(frame.columns[:6]) == ["optimizer", "number", "state", "value", "loss", "lr"]
    assert frame["loss"].tolist()[:3] == [0.40, 0.35, 0.12] and pd.isna(frame["loss"].iloc[3])


def test_the_trials_table_keeps_whole_numbers_whole_beside_a_failed_trial():
    # a FAIL row (no seed, no steps) turned every seed, steps and retry_of of trials.csv into floats (12.0, 3000.0)
    import io

    import optuna

    from descend.tune.result import trials_frame

    study = optuna.create_study()
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=1.0,
                                              user_attrs={"descend": {"seed": 12, "steps": 3000, "status": "ok"}}))
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, state=optuna.trial.TrialState.FAIL))
    out = io.StringIO()
    trials_frame({"adam": study}).to_csv(out, index=False)
    rows = out.getvalue().splitlines()
    assert rows[1].startswith("adam,0,COMPLETE,1.0,12,ok,3000,") and ".0," not in rows[1].split("1.0,", 1)[1]


def test_the_python_api_takes_numpy_counts_and_refuses_bad_arguments_before_a_study_exists(tmp_path):
    """trials=np.int64(4) was refused as "a whole number >= 1"; space=123 was a bare TypeError; progress=5 and
    stop=5 were refused only once the study had been created and the search begun."""
    import numpy as np

    assert len(descend.tune("line", trials=np.int64(4), cohort=np.int64(2), steps=10, seeds=1).trials) == 4
    out = tmp_path / "out"
    for kwargs, message in ((dict(trials=4.0), r"^trials 4\.0: a whole number is required, not float$"),
                            (dict(space=123), r"^space 123: give the space as text"),
                            (dict(progress=5), r"^progress=5 must be True \(a progress bar\), a callable"),
                            (dict(stop=5), r"^stop=5 must be a threading\.Event or a callable")):
        with pytest.raises(ValueError, match=message):
            descend.tune("line", **{"trials": 4, "cohort": 2, "steps": 10, "seeds": 1, "out": out, **kwargs})
        assert not out.exists()


def test_several_optimizers_advance_in_turn_so_that_a_timeout_stops_them_alike(monkeypatch):
    """With --timeout and several -o, the studies ran one after another: adam took every cohort before the
    timeout and sgd none, and the table had no row for it."""
    import descend

    later = _jumping_clock(monkeypatch)  # the clock jumps past the deadline while sgd's first cohort trains
    order = []

    def progress(event):
        if event["kind"] == "step":
            order.append(event["optimizer"])
            if event["optimizer"] == "sgd":
                later[0] = 1e6

    result = descend.tune("line", optimizer=["adam", "sgd"], space="lr=1e-3..1e-1:log", trials=16, cohort=4,
                          steps=10, seeds=0, timeout=3600, progress=progress)
    assert result.timed_out
    assert {name: outcome.told for name, outcome in result.outcomes.items()} == {"adam": 4, "sgd": 4}
    assert list(dict.fromkeys(order)) == ["adam", "sgd"] and set(result.table.index) == {"adam", "sgd"}
    untimed = descend.tune("line", optimizer=["adam", "sgd"], space="lr=1e-3..1e-1:log", trials=8, cohort=4,
                           steps=10, seeds=0)
    assert {name: outcome.told for name, outcome in untimed.outcomes.items()} == {"adam": 8, "sgd": 8}


@pytest.mark.parametrize("pruner", ["sha", "median"])
def test_a_stop_mid_cohort_with_a_pruner_queues_the_unfinished_trials_again(pruner):
    """With a pruner, the trials a stop cut short were told COMPLETE with the worst value (the engine's final
    evaluation reached the pruner, which read "no run ok" as "every run pruned"): never trained again, and the
    sampler told they were the worst configurations."""
    import threading

    stop = threading.Event()

    def progress(event):
        if event.get("kind") == "step" and event.get("step", 0) >= 45:
            stop.set()

    result = descend.tune("line", optimizer="adam", space="lr=1e-3..1e-1:log", trials=8, cohort=8, steps=90,
                          batch_size=8, pruner=pruner, seeds=0, progress=progress, stop=stop)
    assert result.interrupted
    trials = result.studies["adam"].trials
    cut = [t for t in trials if t.state == TrialState.FAIL]
    assert cut and all(t.user_attrs["descend"]["status"] == "interrupted" for t in cut)
    assert not [t for t in trials if t.state == TrialState.COMPLETE and not math.isfinite(t.value)]
    waiting = [t for t in trials if t.state == TrialState.WAITING]
    assert sorted(t.params["lr"] for t in waiting) == sorted(t.params["lr"] for t in cut)  # the same again


def test_successive_halving_judges_each_optimizer_of_a_choice_from_its_own_values_and_earlier_cohorts(tmp_path):
    """A cohort of two optimizers trains as two programs, one after the other: the second was judged against the
    first's values too, the first against none of the second's (adam, first in order, kept a trial worse than a
    pruned one of sgd). Each is judged as its trials alone now: the same decisions as a study of that optimizer."""
    configs = [("adam", 0.3), ("adam", 0.05), ("adam", 0.01), ("adam", 0.002),
               ("gd", 0.3), ("gd", 0.1), ("gd", 0.03), ("gd", 0.01)]

    def search(optimizer, chosen, path):
        study = optuna.create_study(study_name="s", storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(path))))
        for name, lr in chosen:
            study.enqueue_trial({"optimizer": name, f"{name}:lr": lr} if "|" in optimizer else {"lr": lr})
        result = descend.tune("line", optimizer=optimizer, space="lr=1e-3..1:log", trials=len(chosen),
                              cohort=len(chosen), steps=90, pruner="sha", seeds=0, storage=str(path), study="s",
                              eval_every=10)
        out = {}
        for t in result.studies[optimizer].trials:
            name = t.params.get("optimizer", optimizer)
            out[name, t.params.get(f"{name}:lr", t.params.get("lr"))] = (t.state, t.user_attrs["descend"]["steps"])
        return out

    both = search("adam|gd", configs, tmp_path / "both.journal")
    alone = {**search("adam", configs[:4], tmp_path / "adam.journal"),
             **search("gd", configs[4:], tmp_path / "gd.journal")}
    assert both == alone
    assert {s for s, _ in alone.values()} == {TrialState.COMPLETE, TrialState.PRUNED}


def test_successive_halving_over_groups_does_not_depend_on_the_order_of_the_trials(tmp_path):
    """A cohort of two optimizers trains as two groups (once judged in the order of first appearance, the later
    with the earlier's values: three of eight decisions changed with the order of the same trials)."""
    configs = [("adam", 0.3), ("adam", 0.05), ("adam", 0.01), ("adam", 0.002),
               ("gd", 0.3), ("gd", 0.1), ("gd", 0.03), ("gd", 0.01)]

    def search(order, path):
        study = optuna.create_study(study_name="s", storage=optuna.storages.JournalStorage(
            optuna.storages.journal.JournalFileBackend(str(path))))
        for i in order:
            name, lr = configs[i]
            study.enqueue_trial({"optimizer": name, f"{name}:lr": lr})
        result = descend.tune("line", optimizer="adam|gd", space="lr=1e-3..1:log", trials=8, cohort=8, steps=90,
                              pruner="sha", seeds=0, storage=str(path), study="s", eval_every=10)
        return {(t.params["optimizer"], t.params[f"{t.params['optimizer']}:lr"]): (t.state, t.value)
                for t in result.studies["adam|gd"].trials}

    first = search(range(8), tmp_path / "a.journal")
    again = search([*range(4, 8), *range(4)], tmp_path / "b.journal")
    assert first == again and {s for s, _ in first.values()} == {TrialState.COMPLETE, TrialState.PRUNED}


def test_median_pruning_judges_a_runs_best_value_so_far_as_optunas():
    """A run at 0.4 at the first checkpoint and 0.62 at the second (the others' median 0.60) was pruned;
    Optuna's MedianPruner compares the best value so far, and keeps it."""
    study = optuna.create_study(pruner=optuna.pruners.MedianPruner())
    for a, b in [(1.0, 0.50), (1.1, 0.55), (1.2, 0.60), (1.3, 0.65), (1.4, 0.70)]:
        trial = study.ask()
        trial.report(a, 10)
        trial.report(b, 20)
        study.tell(trial, b)
    trial = study.ask()
    optunas = []
    for step, value in ((10, 0.4), (20, 0.62)):
        trial.report(value, step)
        optunas.append(trial.should_prune())
    monitor = pruning.CohortPruner("median", "validation_loss", "minimize", [10, 20],
                                   pruning.prior_values(study.get_trials(), "median", 2), completed=5)
    ours = []
    for step, value in ((10, 0.4), (20, 0.62)):
        event = engine.Monitor(step, [engine.Run(0, RunSpec("adam", {"lr": 0.1}).resolved())],
                               {"validation_loss": torch.tensor([value], dtype=torch.float64)}, ["ok"])
        monitor(event)
        ours.append(bool(event.pruned))
    assert ours == optunas == [False, False]


def test_earlier_trials_of_another_pruner_are_not_compared_at_other_checkpoints():
    """A study resumed with another pruner compared values by position: median's second checkpoint (step 18)
    stood for sha's first (step 30)."""
    from types import SimpleNamespace

    def trial(pruner, values):
        return SimpleNamespace(state=TrialState.COMPLETE, intermediate_values=values,
                               user_attrs={"descend": {"status": "ok", "pruner": pruner}})

    trials = [trial("median", {9: 5.0, 18: 4.0}), trial("sha", {10: 3.0, 30: 2.0}),
              SimpleNamespace(state=TrialState.COMPLETE, intermediate_values={10: 1.5, 30: 1.0}, user_attrs={})]
    assert pruning.prior_values(trials, "sha", 2) == [[3.0, 1.5], [2.0, 1.0]]  # an earlier release's trial: kept


def test_trials_of_other_budgets_are_compared_at_the_same_fraction_of_them(tmp_path):
    """Under an epochs budget a full-batch trial of iris takes 5 steps and one at batch 7 takes 65: the median
    rule kept steps 1-4 of the first (2/10 to 8/10 of its budget) and nine of the second (1/10 to 9/10), and
    compared them by position, a batch-7 trial at 4/10 of its budget against full-batch values at 8/10. Each
    reported value now records the fraction it stands for, and is pooled with the other trials' at that fraction."""
    from types import SimpleNamespace

    assert pruning.checkpoints("median", 5, 1) == [(1, 1), (3, 2), (5, 3), (7, 4)]
    assert pruning.checkpoints("median", 65, 7) == [(i, 7 * (i + 1)) for i in range(9)]
    assert pruning.checkpoint_steps("median", 5, 1) == [1, 2, 3, 4]  # the same steps as before
    short = SimpleNamespace(state=TrialState.COMPLETE, intermediate_values={1: 0.9, 2: 0.8, 3: 0.7, 4: 0.6},
                            user_attrs={"descend": {"pruner": "median", "fractions": [1, 3, 5, 7]}})
    long = SimpleNamespace(state=TrialState.COMPLETE, intermediate_values={7 * (i + 1): 0.5 - 0.01 * i for i in range(9)},
                           user_attrs={"descend": {"pruner": "median", "fractions": list(range(9))}})
    prior = pruning.prior_values([short, long], "median", 9)
    assert prior[0] == [0.5] and prior[1] == [0.9, 0.49] and prior[7] == [0.6, 0.43] and prior[8] == [0.42]
    # a cohort at batch 7 checks its 4th checkpoint (step 28, 4/10) against the 4/10 values only
    monitor = pruning.CohortPruner("median", "validation_loss", "minimize", [7 * (i + 1) for i in range(9)],
                                   [[], [], [], [0.7], [], [], [], [0.1], []], completed=5, fractions_at=range(9))
    runs = [SimpleNamespace(index=0)]
    for step in (7, 14, 21, 28):
        monitor(SimpleNamespace(step=step, status=["ok"], runs=runs, metrics={"validation_loss": [0.5]},
                                prune=lambda chosen: None, stop=lambda: None))
    assert monitor.pruned == {}  # 0.5 against 0.7 at 4/10; by position it met 0.1 (8/10 of a shorter budget)
    # end to end: every told trial's fractions are those of its own budget's steps
    result = descend.tune("iris", optimizer="sgd", space="lr=1e-2..1:log, batch_size=7|full", epochs=5,
                          pruner="median", trials=12, cohort=6, seeds=0, storage=None, out=None)
    for trial in result.study.trials:
        info, steps = trial.user_attrs["descend"], trial.params["batch_size"]
        budget = 65 if steps == "7" or steps == 7 else 5
        marked = dict((step, i) for i, step in pruning.checkpoints("median", budget, 7 if budget == 65 else 1))
        assert info.get("fractions", []) == [marked[step] for step in sorted(trial.intermediate_values)], trial.number


def test_median_pruning_over_an_even_number_of_earlier_trials_decides_as_optunas():
    """Over six completed trials (1 to 6) the median is 3.5, the mean of the two middle values, as Optuna's
    MedianPruner takes it; only odd counts were tested, where the middle value is the median either way."""
    study = optuna.create_study(pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0))
    for value in [6.0, 1.0, 4.0, 2.0, 5.0, 3.0]:
        trial = study.ask()
        trial.report(value, 10)
        study.tell(trial, value)
    prior = pruning.prior_values(study.get_trials(), "median", 1)[0]
    assert sorted(prior) == [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    pruner = pruning.CohortPruner("median", "validation_loss", "minimize", [10], completed=6)
    values = [3.4, 3.5, 3.6, 3.9, 4.1]  # 3.5, on the median, is kept (a mutant pruning it went unseen)
    optunas = []
    for value in values:
        trial = study.ask()
        trial.report(value, 10)
        optunas.append(trial.should_prune())
        study.tell(trial, state=TrialState.FAIL)  # not a completed trial: the next one's priors stay the same six
    assert pruner.decide(values, prior) == optunas == [False, False, True, True, True]


def test_median_pruning_keeps_a_value_on_the_median_when_maximising_as_optunas():
    """Ties with the median are common on accuracy (a small validation set gives few distinct values): a run at
    the median is kept, as Optuna's MedianPruner keeps it."""
    study = optuna.create_study(direction="maximize",
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0))
    for value in [0.70, 0.90, 0.80, 0.75, 0.85]:
        trial = study.ask()
        trial.report(value, 10)
        study.tell(trial, value)
    prior = pruning.prior_values(study.get_trials(), "median", 1)[0]
    pruner = pruning.CohortPruner("median", "validation_accuracy", "maximize", [10], completed=5)
    values = [0.79, 0.80, 0.81]
    optunas = []
    for value in values:
        trial = study.ask()
        trial.report(value, 10)
        optunas.append(trial.should_prune())
        study.tell(trial, state=TrialState.FAIL)
    assert pruner.decide(values, prior) == optunas == [True, False, False]


def test_successive_halving_counts_earlier_pruned_trials_and_median_pruning_does_not():
    """Successive halving ranks a cohort among the earlier trials that were pruned too, as Optuna's does; no test
    gave prior_values a pruned trial, so dropping them went unseen."""
    from types import SimpleNamespace

    def trial(state, values):
        return SimpleNamespace(state=state, intermediate_values=values, user_attrs={"descend": {"pruner": kind}})

    for kind in ("sha", "median"):
        trials = [trial(TrialState.PRUNED, {10: 0.5}), trial(TrialState.COMPLETE, {10: 0.7, 30: 0.6}),
                  trial(TrialState.FAIL, {10: 0.1})]
        expected = [[0.5, 0.7], [0.6]] if kind == "sha" else [[0.7], [0.6]]
        assert pruning.prior_values(trials, kind, 2) == expected, kind
    # with the pruned trial's 0.5 among three, a cohort at 0.6 is not in the best third: pruned
    pruner = pruning.CohortPruner("sha", "validation_loss", "minimize", [10])
    assert pruner.decide([0.6], [0.5, 0.7]) == [True]


def test_a_choice_study_writes_each_optimizer_s_batch_size_as_the_table_does():
    """In a choice study, "adam:batch_size" wrote the full batch as a blank (the same as "adam not chosen")
    and 16 as 16.0."""
    result = descend.tune("line", optimizer="adam|sgd", space="lr=1e-3..1e-1:log, batch_size=16|full",
                          sampler="random", trials=8, cohort=4, steps=5, seeds=0)
    text = result.trials.to_csv(index=False)
    assert "16.0" not in text
    for name in ("adam", "sgd"):
        mine = result.trials[result.trials["optimizer"] == name][f"{name}:batch_size"]
        assert set(map(str, mine)) <= {"16", "full"} and len(mine)
        assert result.trials[result.trials["optimizer"] != name][f"{name}:batch_size"].isna().all()


def test_the_grid_stays_inside_its_ranges_and_each_study_stops_at_its_own_grid(tmp_path):
    """Rounded to six digits, beta1=0.5..0.9999999's end became 1 (the search ended in an error, its trials left
    running), lr=0.00123456789..0.123456789 trained above its range; with -o adam -o gd, adam's grid of 9 points
    padded gd's budget of 10 with a repeat."""
    from descend.tune.runner import grid
    from descend.tune.space import parse_space

    space = parse_space("lr=0.00123456789..0.123456789:log, beta1=0.5..0.9999999", "adam")
    values = grid(space, 4)
    assert values["beta1"] == [0.5, 0.9999999] and max(values["lr"]) <= 0.123456789
    assert min(values["lr"]) >= 0.00123456789
    result = descend.tune("x**2 + y**2", optimizer=["adam", "gd"], sampler="grid", trials=10, cohort=5, steps=5,
                          seeds=0)
    for name in ("adam", "gd"):
        mine = result.trials[result.trials["optimizer"] == name]
        params = [c for c in ("lr", "beta1") if c in mine and mine[c].notna().any()]
        assert not mine.duplicated(subset=params).any(), f"{name} repeated a grid point"
    assert (result.trials["optimizer"] == "adam").sum() == 9 and (result.trials["optimizer"] == "gd").sum() == 10
    assert any("adam's grid has 9 points" in note for note in result.notes)


def test_a_stepped_int_range_draws_on_its_step_and_a_seed_past_numpy_s_is_refused_before_a_study_exists(tmp_path):
    """lr=1..9:int:step=2 drew 4 and 6 (the step was kept in the space's text, never used); --seed 2**32 ended
    in Optuna's "Seed must be between 0 and 2**32 - 1" after creating the study's file."""
    from descend.tune.space import parse_space

    space = parse_space("lr=1..9:int:step=2", "sgd")
    (lr,) = space.searched
    assert [lr.from_unit(u) for u in (0.0, 0.3, 0.55, 0.99)] == [1, 3, 5, 9] and lr.clip(4) in (3, 5)
    result = descend.tune("x**2 + y**2", optimizer="sgd", space="lr=1..9:int:step=2", sampler="random", trials=8,
                          cohort=4, steps=2, seeds=0)
    assert set(result.trials["lr"]) <= {1, 3, 5, 7, 9}
    with pytest.raises(ValueError, match=r"an int range takes a whole step, e.g\. step=2"):
        parse_space("lr=1..9:int:step=0.5", "sgd")
    with pytest.raises(ValueError, match=r"e\.g\. lr=1\.\.7:int:step=3"):
        parse_space("lr=1..8:int:step=3", "sgd")
    out = tmp_path / "big-seed"
    with pytest.raises(ValueError, match=r"^seed 4294967296: a whole number from 0 to 4294967295 is required$"):
        descend.tune("rosenbrock", trials=4, cohort=2, steps=5, seed=2**32, out=out)
    assert not out.exists()


def test_the_python_api_refuses_an_out_holding_another_search_as_the_command_line_does(tmp_path):
    """descend.tune(out=DIR) replaced another search's trials.csv, table.csv and best.json and left its
    report.html beside them; the command line refused the same directory."""
    first = tmp_path / "first"
    descend.tune("line", optimizer="gd", trials=2, cohort=2, steps=5, seeds=0, out=first)
    (first / "report.html").write_text("<html>an earlier page</html>")
    before = {p.name: p.read_bytes() for p in first.iterdir() if p.is_file()}
    with pytest.raises(ValueError, match=r"^out '.*first' holds the results of another search \(study 'line'\)"):
        descend.tune("rosenbrock", optimizer="adam", trials=2, cohort=2, steps=5, seeds=0, out=first)
    assert {p.name: p.read_bytes() for p in first.iterdir() if p.is_file()} == before
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match=r"holds no search of descend tune"):
        descend.tune("line", optimizer="gd", trials=2, cohort=2, steps=5, seeds=0, out=mine)
    # the same search resumed: its tables written again, the earlier page (not drawn by the API) removed
    descend.tune("line", optimizer="gd", trials=4, cohort=2, steps=5, seeds=0, out=first)
    assert not (first / "report.html").exists() and (first / "best.json").exists()


def test_the_python_api_does_not_write_over_a_search_that_wrote_to_its_out_meanwhile(tmp_path, monkeypatch):
    """Two searches given one out at the same time: the one that ends second wrote over the other's results. It
    returns its result, writes nothing there and warns, saying how to write them elsewhere."""
    import json

    from descend.tune import result as result_module

    real, calls = result_module.check_out, []

    def meanwhile(folder, studies, flag, **kwargs):
        calls.append(studies)
        if len(calls) == 2:  # the check before writing: the other search wrote its results meanwhile
            (folder / "best.json").write_text(json.dumps({"studies": {"adam": "other"}}))
        return real(folder, studies, flag, **kwargs)

    monkeypatch.setattr(result_module, "check_out", meanwhile)
    out = tmp_path / "out"
    with pytest.warns(UserWarning, match=r"holds the results of another search \(study 'other'\).*not written there"):
        result = descend.tune("line", optimizer="gd", trials=2, cohort=2, steps=5, seeds=0, out=out)
    assert len(result.trials) == 2 and not (out / "trials.csv").exists()


def test_the_gp_sampler_says_nothing_of_the_worst_value_a_diverged_trial_is_told():
    # Optuna's "Clip non-finite values to the min/max finite values for GP fittings." came raw at every ask
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = descend.tune("rosenbrock", optimizer="gd", space="lr=1e-4..1:log", sampler="gp", trials=24,
                              cohort=8, steps=50, seeds=0)
    assert (result.trials["status"].iloc[:16] == "diverged").any()  # before the last cohort's asks
    assert not [w for w in caught if "Clip non-finite" in str(w.message)]


def test_seeds_that_cannot_differ_are_re_run_once_as_descend_compare_runs_them():
    """A full-batch search from one start re-ran its best configuration with 3 identical seeds and reported a
    spread of ± 0; descend compare runs such a configuration once (descend.spec.seeds_can_differ decides both)."""
    full = descend.tune("line", optimizer="gd", trials=4, cohort=4, steps=10, seeds=3, batch_size="full")
    assert len(full.final_summary) == 1 and any("one re-run of gd, not 3" in n for n in full.notes)
    batches = descend.tune("line", optimizer="gd", trials=4, cohort=4, steps=10, seeds=3, batch_size=16)
    assert sorted(batches.final_summary["seed"]) == [0, 1, 2] and not any("one re-run" in n for n in batches.notes)


@pytest.mark.parametrize("change, words", [
    (dict(loss="mae"), "loss: study 'line' was made with loss=mse, not loss=mae"),
    (dict(clip_norm=1e-3), "clip_norm: study 'line' was made with clip_norm=None, not clip_norm=0.001"),
    (dict(clip_value=0.5), "clip_value: study 'line' was made with clip_value=None, not clip_value=0.5"),
    (dict(dtype=torch.float32), "dtype: study 'line' was made with dtype=float64, not dtype=float32"),
])
def test_resuming_with_another_loss_clipping_or_dtype_is_refused_and_the_study_untouched(tmp_path, change, words):
    """The study was resumed without a word: another loss's trials beside the first's in one ranking, its best
    value and re-runs read back as those of the new loss ("trained before with the same configuration")."""
    storage = f"{tmp_path}/study.journal"
    search = {**SEARCH, "trials": 4, "cohort": 4, "seeds": 1}
    descend.tune("line", storage=storage, **search)
    with pytest.raises(ValueError) as refused:
        descend.tune("line", storage=storage, **{**search, "trials": 8, **change})
    assert words in str(refused.value), str(refused.value)
    assert len(descend.tune("line", storage=storage, **search).study.trials) == 4  # the same settings resume it


def test_a_study_of_optunas_own_under_the_same_name_is_refused_and_left_as_it_was(tmp_path):
    """A plain Optuna study named as descend's default (the task's name) was resumed without a check: its trials
    counted in the budget and one of them, whose value was its own objective's, was printed as the best loss."""
    import optuna

    from descend.tune.storage import open_storage

    storage = f"{tmp_path}/study.journal"
    theirs = optuna.create_study(study_name="line", storage=open_storage(storage))
    theirs.optimize(lambda trial: trial.suggest_float("lr", 1e-3, 1e-2), n_trials=3)
    with pytest.raises(ValueError, match="study: study 'line' was not made by descend tune .*; give another study "
                                         "name"):
        descend.tune("line", storage=storage, **{**SEARCH, "trials": 4, "cohort": 4})
    again = optuna.load_study(study_name="line", storage=open_storage(storage))
    assert len(again.trials) == 3 and again.user_attrs == {}


def test_an_optimizers_own_space_given_alone_is_its_whole_space_as_help_says():
    """--space 'sgd: momentum=0..0.9' alone: sgd searches momentum alone (its rate at the task's), adam its default;
    --help said only that such items add to the space for all."""
    from descend.cli import app
    from typer.testing import CliRunner

    result = descend.tune("line", optimizer=["adam|sgd"], space="sgd: momentum=0..0.9", trials=4, cohort=4, steps=10,
                          seeds=0)
    (text,) = [s.text() for s in result.spaces.values()]
    assert "sgd: momentum=0..0.9" in text and "adam: lr=" in text, text
    help_text = " ".join(CliRunner().invoke(app, ["tune", "--help"], env={"COLUMNS": "200"}).output.split())
    assert "given alone, it is that optimizer's whole space" in help_text.replace("│", " ").replace("  ", " ")


def test_a_sqlite_database_of_another_application_is_refused_and_left_as_it_was(tmp_path):
    """Optuna added its thirteen tables to a database named by mistake (a text file as a journal was refused)."""
    import sqlite3

    from descend.tune.storage import open_storage

    database = tmp_path / "app.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE customers (id INTEGER)")
    before = database.read_bytes()
    with pytest.raises(ValueError, match=r"--storage sqlite:///.*app.db: the database holds other tables \(customers\) "
                                         "and no study of Optuna's"):
        open_storage(f"sqlite:///{database}")
    assert database.read_bytes() == before
    open_storage(f"sqlite:///{tmp_path / 'new.db'}")  # a new one, and one of Optuna's, are opened
    open_storage(f"sqlite:///{tmp_path / 'new.db'}")


def test_a_relative_sqlite_storage_is_recorded_by_its_absolute_path(tmp_path, monkeypatch):
    """best.json kept sqlite:///s.db as given: descend show from another folder named another file."""
    monkeypatch.chdir(tmp_path)
    result = descend.tune("line", storage="sqlite:///s.db", **{**SEARCH, "trials": 2, "cohort": 2})
    assert result.storage == f"sqlite:///{tmp_path / 's.db'}"


def test_resuming_with_another_fixed_option_names_the_optimizers_options(tmp_path):
    """-o adam:amsgrad=true against an adam study was refused naming only the space, which was not given."""
    storage = f"{tmp_path}/study.journal"
    search = {**SEARCH, "trials": 2, "cohort": 2}
    descend.tune("line", storage=storage, **search)
    with pytest.raises(ValueError, match=r"^optimizer's options or space: study 'line' searches "):
        descend.tune("line", storage=storage, **{**search, "optimizer": "adam:amsgrad=true"})


def test_a_search_result_pickles_and_its_sampler_draws_as_before():
    """TuneResult, its studies and their samplers failed to pickle (a sampler class made inside a function), where
    a plain optuna.Study pickles."""
    import pickle

    result = descend.tune("line", **{**SEARCH, "trials": 4, "cohort": 4})
    again = pickle.loads(pickle.dumps(result))
    assert again.best == result.best and len(again.study.trials) == 4
    sampler = pickle.loads(pickle.dumps(result.study.sampler))
    assert type(sampler).__name__ == type(result.study.sampler).__name__
    for s in (sampler, result.study.sampler):
        s.reseed_rng()
    first, second = (s.sample_independent(result.study, result.study.trials[0], "lr",
                                          result.study.trials[0].distributions["lr"]) for s in (sampler,
                                                                                             result.study.sampler))
    assert math.isfinite(first) and math.isfinite(second)


@pytest.mark.parametrize("kwargs, message", [
    (dict(dtype="float64"), r"^dtype='float64' is not allowed; give a floating-point torch dtype: torch.float16"),
    (dict(compile="yes"), r"^compile='yes' is not allowed"),
    (dict(schedules={"lrr": abs}), r"^schedules: unknown scheduled hyperparameter for adam 'lrr'; did you mean"),
    (dict(heartbeat_interval=-1), r"^heartbeat_interval=-1 must be a positive number of seconds"),
    (dict(grace_period="x"), r"^grace_period='x' must be a positive number of seconds"),
    (dict(space={"adam": 5}), r"^space \{'adam': 5\}: give each optimizer's space as text"),
    (dict(optimizer=5), r"^optimizer 5: give an optimizer's name"),
])
def test_arguments_the_engine_refused_mid_search_are_refused_before_a_study_is_written(tmp_path, kwargs, message):
    """dtype, compile and schedules were checked at the first cohort: the study was created (and recorded the
    refused dtype as its own, refusing the corrected call), and 8 trials were left running."""
    storage = tmp_path / "study.journal"
    with pytest.raises(ValueError, match=message):
        descend.tune("line", **{"optimizer": "adam", "trials": 4, "cohort": 4, "steps": 10, "seeds": 0,
                                "storage": storage, **kwargs})
    assert not storage.exists()


def test_an_error_in_the_middle_of_a_cohort_re_queues_its_trials_and_the_next_search_finishes(tmp_path):
    """A progress callback that raised left the asked trials RUNNING: the next search of the same process took them
    for a live worker's and waited for them forever."""
    import threading

    storage = tmp_path / "study.journal"
    search = dict(optimizer="adam", trials=8, cohort=8, steps=10, seeds=0, storage=storage, study="s")

    def broken(event):
        if event["kind"] == "step":
            raise RuntimeError("a callback of one's own")

    with pytest.raises(RuntimeError, match="a callback of one's own"):
        descend.tune("line", progress=broken, **search)
    states = [t.state for t in optuna.load_study(study_name="s", storage=open_storage(
        str(storage))).get_trials(deepcopy=False)]
    assert TrialState.RUNNING not in states and states.count(TrialState.FAIL) == 8
    guard = threading.Timer(120, lambda: stop.set())  # a hang fails the test instead of stalling it
    stop = threading.Event()
    guard.start()
    try:
        result = descend.tune("line", stop=stop, **search)
    finally:
        guard.cancel()
    assert not result.interrupted
    done = result.trials[result.trials["state"] == "COMPLETE"]
    assert len(done) == 8 and sorted(done["retry_of"].dropna()) == list(range(8))  # the same parameters again


def test_a_stop_callable_that_raises_stops_the_search_and_its_error_is_raised():
    """It printed a traceback in its thread, and the search never stopped."""
    calls = []

    def stop():
        calls.append(1)
        if len(calls) > 2:
            raise RuntimeError("my stop broke")
        return False

    with pytest.raises(RuntimeError, match="my stop broke"):
        descend.tune("line", optimizer="adam", trials=256, cohort=8, steps=300, seeds=0, stop=stop)


def test_a_study_resumed_with_another_loss_of_ones_own_or_another_model_is_refused(tmp_path):
    """Two notebook functions named loss (MSE, then 100 × MSE) were one loss to the study: the second search read
    back the first's best value and re-runs; so was a Task of one's own with another initialisation."""
    import dataclasses

    from descend.losses import mse
    from descend.models import with_init

    def scaled(factor):
        def loss(pred, target, reduction="mean", mask=None, runs=True):
            return factor * mse(pred, target, reduction=reduction, mask=mask, runs=runs)

        return loss

    storage = f"{tmp_path}/study.journal"
    search = dict(optimizer="adam", trials=4, cohort=4, steps=10, seeds=1, storage=storage, study="s")
    descend.tune("line", loss=scaled(1.0), **search)
    assert len(descend.tune("line", loss=scaled(1.0), **search).study.trials) == 4  # the same loss resumes
    with pytest.raises(ValueError, match=r"^loss: study 's' was made with loss=.*loss#\w{12}, not loss=.*loss#\w{12}"):
        descend.tune("line", loss=scaled(100.0), **search)
    # a study made before the loss's code was recorded resumes with a loss of the same name
    study = optuna.load_study(study_name="s", storage=open_storage(storage))
    study.set_user_attr("descend:training", study.user_attrs["descend:training"].split("#")[0] + "; clip_norm=None; "
                        "clip_value=None; dtype=float32")
    assert len(descend.tune("line", loss=scaled(100.0), **search).study.trials) == 4
    # a task of one's own with another model under the same name and options
    iris = descend.tasks.get("iris")
    kw = dict(search, storage=f"{tmp_path}/iris.journal", loss=None)
    descend.tune(iris, **kw)
    with pytest.raises(ValueError, match=r"^model: study 's' was made with model=MLP\(.*init='torch'.*\), not "
                                         r"model=MLP\(.*init='zeros'"):
        descend.tune(dataclasses.replace(iris, model=with_init(iris.model, "zeros")), **kw)


def test_a_study_of_a_module_of_ones_own_is_not_resumed_with_another_module(tmp_path):
    """Every nn.Sequential printed alike in a task's identity (ModuleModel(module=Sequential(...))): a study made
    with one network was resumed with another, and its best value and re-runs were read back as the new one's."""
    import dataclasses

    from torch import nn

    from descend.models import ModuleModel

    iris = descend.tasks.get("iris")

    def task(module):
        return dataclasses.replace(iris, model=ModuleModel(module), name="mine")

    torch.manual_seed(0)
    small = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3))
    search = dict(optimizer="adam", trials=4, cohort=4, steps=10, seeds=1, storage=f"{tmp_path}/study.journal",
                  study="s")
    descend.tune(task(small), **search)
    # the same module, and a copy of it, resume the study
    assert len(descend.tune(task(small), **search).study.trials) == 4
    import copy

    assert len(descend.tune(task(copy.deepcopy(small)), **search).study.trials) == 4
    other = [nn.Sequential(nn.Linear(4, 64), nn.ReLU(), nn.Linear(64, 3)),  # other layers
             nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3)),  # another activation, the same parameters
             nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Dropout(0.5), nn.Linear(8, 3))]  # a setting
    frozen = copy.deepcopy(small)
    frozen[0].weight.requires_grad_(False)  # a layer kept as it is
    other.append(frozen)
    for module in other:
        with pytest.raises(ValueError, match=r"^task: study 's' was made with another torch module \(ModuleModel\("
                                             r"Sequential#\w{12}, init='reset'\), now ModuleModel\(Sequential#\w{12}"):
            descend.tune(task(module), **search)
    # a study made before modules were told by their fingerprint (their class alone): resumed, as before
    study = optuna.load_study(study_name="s", storage=open_storage(search["storage"]))
    identity = study.user_attrs["descend:task_identity"]
    study.set_user_attr("descend:task_identity", identity.split("; model=")[0]
                        + "; model=ModuleModel(module=Sequential(...), init='reset')")
    assert len(descend.tune(task(other[0]), **search).study.trials) == 4


def test_resuming_with_a_setting_written_as_another_number_type_is_the_same_setting(tmp_path):
    storage = f"{tmp_path}/study.journal"
    search = dict(optimizer="adam", trials=4, cohort=4, steps=10, seeds=0, storage=storage)
    descend.tune("line", clip_norm=1, **search)
    assert len(descend.tune("line", clip_norm=1.0, **search).study.trials) == 4


def test_a_search_leaves_optunas_log_level_and_prints_one_line_of_itself():
    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.DEBUG)
    try:
        result = descend.tune("line", batch_size=np.int64(16), trials=2, cohort=2, steps=5, seeds=0)
        assert optuna.logging.get_verbosity() == optuna.logging.DEBUG
    finally:
        optuna.logging.set_verbosity(before)
    assert repr(result).startswith("TuneResult(2 trials done of adam; best validation_loss: {adam: ") and len(
        repr(result)) < 200
    assert "note" not in repr(result) and "data:" not in repr(result)
    # what the command line prints after its table is said to be there (a notebook showed nothing of it)
    result = descend.tune("iris", trials=2, cohort=2, steps=5, seeds=0)
    assert repr(result).endswith("; data: baseline (.facts))"), repr(result)
    result.notes.append("a note")
    assert "; 1 note (.notes); data: baseline (.facts))" in repr(result)


def test_searches_in_a_comparison_the_playground_and_two_threads_leave_optunas_log_level():
    """A comparison's tuned mode and the playground's search left Optuna at WARNING; two searches in two threads
    each put back the level it found, one of them the other's WARNING."""
    import threading

    from descend import compare as C
    from descend.play import widgets
    from descend.play.state import TuneState

    before = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.INFO)
    try:
        config, task = C.resolve("line", optimizers=["gd"], mode="tuned", budget=2, steps=5, seeds=1)
        C.compare(config, task)
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
        widgets.compute(TuneState.model_validate({"trials": 4}))
        assert optuna.logging.get_verbosity() == optuna.logging.INFO
        for _ in range(3):
            threads = [threading.Thread(target=descend.tune, args=("line",),
                                        kwargs=dict(trials=4, cohort=2, steps=20, seeds=0)) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert optuna.logging.get_verbosity() == optuna.logging.INFO
    finally:
        optuna.logging.set_verbosity(before)


def test_a_stop_or_a_progress_callback_raising_keyboard_interrupt_ends_the_search_as_ctrl_c():
    """A stop() raising KeyboardInterrupt killed its watching thread and the search went on to its end; a progress
    callback raising it cut every cohort at its first step, and the search asked the same trials again forever."""
    def stop():
        raise KeyboardInterrupt

    result = descend.tune("line", trials=16, cohort=4, steps=3000, seeds=1, stop=stop)  # stop() asked each 50 ms
    assert result.outcomes["adam"].interrupted and result.outcomes["adam"].told < 16

    def progress(event):
        if event.get("kind") not in ("study",):
            raise KeyboardInterrupt

    import threading
    done = []
    searching = threading.Thread(target=lambda: done.append(descend.tune("line", trials=8, cohort=4, steps=30,
                                                                         seeds=1, progress=progress)), daemon=True)
    searching.start()
    searching.join(60)
    assert done and done[0].outcomes["adam"].interrupted


def test_a_loss_of_ones_own_is_known_by_the_same_digest_in_every_process():
    """A closure over a function printed its memory address, and a set among a lambda's constants orders itself by
    the process's string hashes: a study would have refused its own loss in the next process."""
    import os
    import subprocess
    import sys

    script = ("import torch.nn.functional as F\nfrom descend.tune.api import code_digest\n"
              "def make(f, k):\n    def loss(pred, target, reduction='mean', mask=None, runs=True):\n"
              "        return k * f(pred, target)\n    return loss\n"
              "g = eval('lambda p, t, **k: p * len({1, 2, \"a\"})')\n"
              "print(code_digest(make(F.mse_loss, 2.0)), code_digest(make(F.mse_loss, 3.0)), code_digest(g))\n")
    seen = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout.split() for seed in ("1", "2")]
    assert seen[0] == seen[1] and len(set(seen[0])) == 3, seen


def test_a_searchs_schedules_apply_to_the_optimizers_that_have_them_and_a_zero_is_refused_first(tmp_path):
    """SGD's default space lets momentum be 0 (its baseline trial, SGD's default): the engine refused the schedule
    of momentum there after the study was written, and every retry failed again; a momentum schedule beside Adam
    (in a choice or as two studies) was refused outright, where a grid applies it to the SGD runs."""
    from descend.schedules import cosine

    schedules = {"momentum": cosine(1.0, 30, min_value=0.5)}
    common = dict(trials=4, cohort=4, steps=30, seeds=0, batch_size=8, schedules=schedules)
    out = tmp_path / "refused"
    for space, words in ((None, r"space reaches 0"), ("lr=0.01..0.1:log", r"sgd's default, 0, not searched")):
        with pytest.raises(ValueError, match=r"^schedules: the schedule of 'momentum' multiplies momentum, which "
                                             rf"sgd's trials may have at 0 \({words}\)"):
            descend.tune("line", optimizer="sgd", space=space, out=out, **common)
    assert not out.exists()
    space = "lr=0.01..0.1:log, momentum=0.1..0.9"
    for optimizer in ("adam|sgd", ["adam", "sgd"]):
        result = descend.tune("line", optimizer=optimizer, space=space if optimizer == "adam|sgd" else
                              {"adam": "lr=0.01..0.1:log", "sgd": space}, **common)
        assert all(np.isfinite(b["value"]) for b in result.best.values())


def test_a_schedule_by_its_name_is_the_schedule_over_the_budgets_steps_as_fit_takes_it():
    """descend.fit takes schedules={"lr": "cosine"}; descend.tune refused it ("must be a function of the step t"):
    it now takes it as fit does, a multiplier over the budget's steps, with the same trials as the schedule built."""
    from descend.schedules import cosine

    search = dict(trials=4, cohort=4, steps=30, seeds=0, batch_size=8, space="lr=0.01..0.1:log", **F64)
    named = descend.tune("line", schedules={"lr": "cosine"}, **search)
    built = descend.tune("line", schedules={"lr": cosine(1.0, 30)}, **search)
    assert [t.value for t in named.study.trials] == [t.value for t in built.study.trials]
    assert [t.value for t in named.study.trials] != [t.value for t in descend.tune("line", **search).study.trials]
    with pytest.raises(ValueError, match=r"^schedules\['lr'\]='cosine' lasts the steps of a trial, which under an "
                                         r"epochs budget its batch size decides, and space searches the batch size "
                                         r"\(4\|8\); put the schedule in the space"):
        descend.tune("line", schedules={"lr": "cosine"},
                     **{**search, "steps": None, "epochs": 2, "batch_size": "task", "space": "lr=0.01..0.1:log, "
                                                                                               "batch_size=4|8"})
    with pytest.raises(ValueError, match=r"give descend\.schedules\.cosine\(1\.0, total_steps=\.\.\., "
                                         r"min_value=0\.1\), or give steps$"):  # the options kept in the hint
        descend.tune("line", schedules={"lr": "cosine:min_value=0.1"},
                     **{**search, "steps": None, "epochs": 2, "batch_size": "task", "space": "lr=0.01..0.1:log, "
                                                                                               "batch_size=4|8"})
    # the argument named once (it was "schedules: schedules['lr']=...")
    with pytest.raises(ValueError, match=r"^schedules\['lr'\]='cosin': unknown schedule; did you mean"):
        descend.tune("line", schedules={"lr": "cosin"}, **search)
    with pytest.raises(ValueError, match=r"^schedules\['lr'\]: warmup needs schedule, warmup_steps, which tune can't"):
        descend.tune("line", schedules={"lr": "warmup"}, **search)
    with pytest.raises(ValueError, match=r"^schedules\['amsgrad'\]: amsgrad is an option of adam"):
        descend.tune("line", schedules={"amsgrad": cosine(1.0, 30)}, **search)


def test_a_schedule_that_lasts_the_steps_lasts_those_of_the_batch_size_under_an_epochs_budget():
    """descend.tune(epochs=..., schedules={"lr": "cosine"}) was refused ("an epochs= budget leaves [total_steps] to
    the batch size") although the trials' batch size is one, and known: it lasts the steps that batch size takes, as a
    comparison's does, the same trials as the schedule built over them ("cosine:min_value=0.1" with its options, as
    --schedule writes it)."""
    from descend.data import batches
    from descend.schedules import cosine

    task = descend.tasks.get("line")
    steps = len(batches(len(task.data.train), batch_size=8, seed=0, epochs=2).indices)
    assert steps > 2
    search = dict(trials=4, cohort=4, epochs=2, seeds=0, batch_size=8, space="lr=0.01..0.1:log", **F64)
    for named, over in (("cosine", cosine(1.0, steps)), ("cosine:min_value=0.1", cosine(1.0, steps, 0.1))):
        values = [t.value for t in descend.tune("line", schedules={"lr": named}, **search).study.trials]
        assert values == [t.value for t in descend.tune("line", schedules={"lr": over}, **search).study.trials]
        assert values != [t.value for t in descend.tune("line", schedules={"lr": cosine(1.0, 2 * steps)},
                                                        **search).study.trials]


def test_a_study_resumed_with_other_schedules_is_refused(tmp_path):
    """Its trials would mix two kinds of training without a word (another loss, clipping or dtype was refused)."""
    from descend.schedules import cosine

    storage = f"{tmp_path}/study.journal"
    search = dict(optimizer="adam", trials=4, cohort=4, steps=10, seeds=0, storage=storage)
    descend.tune("line", schedules={"lr": cosine(1.0, 10)}, **search)
    assert len(descend.tune("line", schedules={"lr": cosine(1.0, 10)}, **search).study.trials) == 4
    for other in ({"lr": cosine(1.0, 10, min_value=0.5)}, {}, {"lr": lambda t: 0.9 ** t}):
        with pytest.raises(ValueError, match=r"^schedules: study 'line' was made with schedules=lr:cosine\(value=1.0, "
                                             r"total_steps=10, min_value=0.0\), not schedules="):
            descend.tune("line", schedules=other, **search)


def test_a_study_made_before_its_training_was_recorded_says_what_is_not_checked(tmp_path):
    """A study of an earlier descend (no record of the task's settings, the data or the loss) resumed with another
    CSV column or another loss, and mixed two objectives' trials without a word."""
    from descend.tune import api
    from descend.tune.runner import RECORDED, open_study

    plan = api.plan("line", optimizer="adam", trials=4, cohort=4, steps=5, seeds=0, storage=f"{tmp_path}/s.journal")
    store, plans = api.open_studies(plan, heartbeat_interval=10, grace_period=60)
    study = plans["adam"].study
    then = {k: v for k, v in study.user_attrs.items() if k not in RECORDED and k != "descend:ready"}
    old = optuna.create_study(study_name="old", storage=store)  # as an earlier descend left it
    for key, value in then.items():
        old.set_user_attr(key, value)
    old.set_user_attr("descend:ready", True)
    now = {**then, **{k: study.user_attrs[k] for k in RECORDED if k in study.user_attrs}}
    resumed = open_study(store, "old", plans["adam"].space, sampler="tpe", seed=0, cohort=4, trials=4,
                         target=_target(plan), attrs=now,
                         names=plan.names)
    assert any("was made by an earlier descend, which did not record the task's settings" in n and
               "the loss, clipping, dtype and schedules" in n for n in resumed.notes), resumed.notes


def _target(plan):
    from descend.tune.runner import Target

    return Target(plan.target.split, plan.target.metric)


def test_a_search_with_progress_true_draws_the_command_lines_bar(capsys, tmp_path):
    result = descend.tune("line", trials=4, cohort=2, steps=5, seeds=0, progress=True)
    assert len(result.trials) == 4
    err = capsys.readouterr().err
    assert "tuning adam" in err and "4/4 trials" in err and "best " in err, err
    with pytest.raises(ValueError, match=r"must be True \(a progress bar\), a callable taking a dict, or None"):
        descend.tune("line", trials=4, cohort=2, steps=5, seeds=0, progress="yes")
    assert len(descend.tune("line", trials=2, cohort=2, steps=5, seeds=0, progress=False).trials) == 2
    assert capsys.readouterr().err == ""
    # a study refused as it opens (resumed with another space) draws no bar
    storage = f"sqlite:///{tmp_path / 's.db'}"
    descend.tune("line", space="lr=1e-3..1e-1:log", trials=2, cohort=2, steps=5, seeds=0, storage=storage)
    capsys.readouterr()
    with pytest.raises(ValueError, match="space"):
        descend.tune("line", space="lr=1e-4..1e-1:log", trials=2, cohort=2, steps=5, seeds=0, storage=storage,
                     progress=True)
    assert "tuning" not in capsys.readouterr().err


def test_a_search_bar_without_a_total_takes_the_events_and_fills():
    """descend.tune(progress=True) builds its bar before the studies are counted: it took the budget for its words
    but not for the bar, which never filled and showed no time left."""
    import io

    from rich.console import Console

    from descend.progress import SearchBar

    with SearchBar(console=Console(file=io.StringIO())) as bar:
        bar({"kind": "study", "optimizer": "adam", "done": 8, "total": 16, "best": 0.5, "rate": 10.0})
        task = bar.progress.tasks[0]
        assert task.total == 16 and task.percentage == 50.0


def test_a_searched_schedule_trains_each_trial_with_the_schedule_it_drew():
    """schedule=constant|cosine|... in the space: each trial's lr is multiplied by the schedule it drew, over its
    steps, and equals its configuration trained alone with that schedule, bit for bit; the baseline is constant."""
    from descend import schedules

    result = descend.tune("line", optimizer="adam", space="lr=1e-3..0.5:log, schedule=constant|cosine|one_cycle",
                          trials=9, cohort=9, batch_size=16, steps=40, eval_every=10, seeds=0, **F64)
    trials = result.study.get_trials()
    drawn = [t.params["schedule"] for t in trials]
    assert drawn[0] == "constant" and set(drawn) == {"constant", "cosine", "one_cycle"}
    built = {"constant": {}, "cosine": {"lr": schedules.cosine(1.0, 40)},
             "one_cycle": {"lr": schedules.one_cycle(1.0, 40)}}
    for t in trials:
        config = {k: v for k, v in t.params.items() if k != "schedule"}
        runs = descend.fit(task="line", runs=[RunSpec("adam", config, 16, t.number, None, built[t.params["schedule"]])],
                           steps=40, eval_every=10, record_grad_norms=False, **F64)
        assert t.value == runs.summary["final_validation_loss"].iloc[0]
    cosine = next(t for t in trials if t.params["schedule"] == "cosine")
    plain = descend.fit(task="line", runs=[RunSpec("adam", {"lr": cosine.params["lr"]}, 16, cosine.number)], steps=40,
                        eval_every=10, record_grad_norms=False, **F64)
    assert cosine.value != plain.summary["final_validation_loss"].iloc[0]  # the schedule mattered
    assert result.best["adam"]["config"]["schedule"] in {"constant", "cosine", "one_cycle"}


def test_a_searched_schedule_lasts_each_batch_sizes_steps_in_an_epoch_budget():
    """With --epochs a trial's steps follow its batch size: its schedule (cosine: to 0 at its last step) lasts them."""
    result = descend.tune("line", optimizer="gd", space="lr=0.01..0.5:log, schedule=cosine, batch_size=16|40",
                          trials=4, cohort=4, epochs=2, eval_every=None, seeds=0, **F64)
    from descend import schedules

    trials = result.study.get_trials()
    assert {t.params["batch_size"] for t in trials} == {16, 40}
    for t in trials:
        batch = t.params["batch_size"]
        steps = {16: 16, 40: 6}[batch]  # 120 samples: 8 and 3 batches an epoch
        assert t.user_attrs["descend"]["steps"] == steps
        runs = descend.fit(task="line", runs=[RunSpec("gd", {"lr": t.params["lr"]}, batch, t.number, None,
                                                      {"lr": schedules.cosine(1.0, steps)})],
                           epochs=2, record_grad_norms=False, **F64)
        assert t.value == runs.summary["final_validation_loss"].iloc[0]


def test_the_kept_re_runs_of_another_schedule_are_not_read_back_for_a_best_that_differs_by_it(tmp_path):
    """A resumed study whose best configuration differed from the kept re-runs' by its searched schedule alone read
    those re-runs back (a constant schedule's test loss shown for one_cycle): a run's schedules are part of the
    key of the kept re-runs now."""
    from descend import schedules

    study_storage = str(tmp_path / "study.journal")
    common = dict(optimizer="adam", space="lr=0.2, schedule=constant|cosine|one_cycle", cohort=1, steps=60,
                  batch_size=16, seeds=2, **F64)
    first = descend.tune("line", trials=1, storage=study_storage, study="s", **common)
    assert first.best["adam"]["config"]["schedule"] == "constant"
    later = descend.tune("line", trials=6, storage=study_storage, study="s", **common)
    chosen = later.best["adam"]["config"]["schedule"]
    final = later.final_summary
    assert chosen != "constant", "the search never left the first re-runs' schedule: nothing to tell apart"
    built = {"cosine": {"lr": schedules.cosine(1.0, 60)}, "one_cycle": {"lr": schedules.one_cycle(1.0, 60)}}
    for seed in range(2):
        alone = descend.fit(task="line", runs=[RunSpec("adam", {"lr": 0.2}, 16, seed, None, built[chosen])], steps=60,
                            record_grad_norms=False, **F64).summary
        assert final["final_test_loss"].iloc[seed] == alone["final_test_loss"].iloc[0], (chosen, seed)


def test_a_search_whose_sampler_would_learn_fewer_than_three_times_says_so_before_it_starts():
    """Cohorts of 64 for 128 trials: TPE draws the second cohort from the first (a spread of the space) and learns
    once; on the reference sweep its best was 1 % worse than with cohorts of 32."""
    from descend.tune import api

    plan = api.plan("line", optimizer="adam", trials=128, cohort=64, steps=5, seeds=0)
    assert [n for n in plan.notes if n.startswith("tpe sampler: 2 cohorts of 64 for 128 trials, so it learns from "
                                                  "what finished once") and "cohort 32 or less" in n]
    for quiet in (dict(trials=128, cohort=32), dict(trials=32, cohort=32), dict(trials=128, cohort=64,
                                                                                 sampler="random")):
        assert not [n for n in api.plan("line", optimizer="adam", steps=5, seeds=0, **quiet).notes
                    if "cohort" in n], quiet


def test_a_long_gp_search_says_its_draws_slow_down_before_it_starts():
    """Optuna's GP sampler fits a Gaussian process to every finished trial at each draw: about 1 s a trial past 600
    trials, in cohorts or not, and the time left grew as the search went on without a word."""
    from descend.tune import api

    plan = api.plan("line", optimizer="adam", trials=api.GP_SLOW_TRIALS + 1, cohort=64, steps=5, seeds=0,
                    sampler="gp")
    assert [n for n in plan.notes if n.startswith("gp sampler: each trial's draw fits a Gaussian process") and
            "sampler tpe draws in milliseconds" in n]
    for quiet in (dict(trials=api.GP_SLOW_TRIALS, sampler="gp"), dict(trials=1000, sampler="tpe")):
        assert not [n for n in api.plan("line", optimizer="adam", steps=5, seeds=0, cohort=64, **quiet).notes
                    if n.startswith("gp sampler: each")], quiet


def test_a_second_ctrl_c_that_python_cannot_raise_prints_no_traceback(monkeypatch):
    """The second Ctrl-C of a search raises KeyboardInterrupt from its handler; landing in a weakref's callback as
    torch freed the stopped cohort's tensors, Python printed "Exception ignored in ..." and a traceback (4 times in
    5). The first Ctrl-C has stopped the cohort already: it is said nowhere; any other such error still is."""
    import sys
    import threading

    from descend.tune.api import _Interrupt

    seen = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(type(u.exc_value).__name__))

    class Raising:
        def __init__(self, error):
            self.error = error

        def __del__(self):
            raise self.error

    with _Interrupt(threading.Event()):
        Raising(KeyboardInterrupt())
        Raising(ValueError("kept"))
    assert seen == ["ValueError"]
    Raising(KeyboardInterrupt())  # outside: Python's (here the test's) hook again
    assert seen == ["ValueError", "KeyboardInterrupt"]


def test_a_search_with_a_loss_in_place_of_the_tasks_own_says_what_it_leaves_out():
    """descend.tune("bbox", loss="mse") showed the card's baseline of the task's own loss (4x the MSE's)."""
    result = descend.tune("bbox", loss="mse", trials=2, cohort=2, steps=3, seeds=0)
    assert result.facts == [("own loss", "bbox: the task's description and lr range are of that loss, not of mse; "
                                         "its baseline is too, and left out")]
    for task, loss in (("line", "auto"), ("rosenbrock", "value")):  # fit's words for the task's own (not a name)
        assert descend.tune(task, loss=loss, trials=2, cohort=2, steps=3, seeds=0).best


def test_a_value_fixed_and_searched_is_named_in_pythons_words():
    """Python's caller was told "--optimizer adam:beta1=0.9", the command line's flag."""
    with pytest.raises(ValueError, match=r"^space: beta1 is both fixed by optimizer='adam:beta1=0.9' and searched"):
        descend.tune("line", optimizer="adam:beta1=0.9", space="beta1=0.8..0.99", trials=2)


def test_a_grid_larger_than_the_budget_says_how_many_points_in_words_that_agree():
    """ "more than the 1 trials: only 1 of them are trained", and the flag to give all of them."""
    result = descend.tune("line", optimizer="adam", sampler="grid", trials=1, cohort=1, steps=3, seeds=0)
    said = [n for n in result.notes if n.startswith("grid sampler")]
    assert said and said[0].endswith("more than the 1 trial: only 1 of them is trained (give trials 4 for all)"), said


def test_a_schedule_read_as_the_rate_itself_is_warned_of_once_per_search():
    """descend.tune's schedules multiply every trial's rate, as fit's do: one of descend.schedules starting at 0.1 is
    said once, before the first trial (not at each cohort's training), and one starting at 1 is not."""
    import warnings

    from descend.schedules import cosine

    search = dict(trials=8, cohort=2, steps=20, seeds=1, batch_size=8)
    for value, times in ((0.1, 1), (1.0, 0)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            descend.tune("line", schedules={"lr": cosine(value, 20)}, **search)
        said = [str(w.message) for w in caught if "multiplies its hyperparameter" in str(w.message)]
        assert len(said) == times, said
