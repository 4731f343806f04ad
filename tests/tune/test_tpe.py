"""descend's cohort TPE against Optuna's TPESampler: the same samples, bit for bit, whether the estimators are
fitted at every ask (Optuna) or once per set of finished trials (descend)."""

from __future__ import annotations

import math
import warnings

import optuna
import pytest

from descend.tune.seeding import per_trial
from descend.tune.tpe import cohort_tpe


def _objective(params: dict) -> float:
    return (math.log10(params["lr"]) + 2.0) ** 2 + (params["beta1"] - 0.9) ** 2 + 0.1 * params["layers"]


def _search(sampler, cohorts: int, k: int) -> list[dict]:
    """Cohorts of k trials asked together, then told together, as descend tune asks and tells."""
    study = optuna.create_study(sampler=sampler)
    asked = []
    for _ in range(cohorts):
        trials = []
        for _ in range(k):
            trial = study.ask()
            trial.suggest_float("lr", 1e-5, 1e-1, log=True)
            trial.suggest_float("beta1", 0.5, 0.999)
            trial.suggest_int("layers", 1, 4)
            trials.append(trial)
        for i, trial in enumerate(trials):
            if i % 7 == 3:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
            else:
                study.tell(trial, _objective(trial.params))
        asked += [t.params for t in trials]
    return asked


@pytest.mark.parametrize("seed", [0, 3])
def test_cohort_tpe_draws_optunas_samples(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        # Optuna's own TPESampler, refitting at every ask, each trial's draws seeded as the cohort TPE's
        optunas = per_trial(optuna.samplers.TPESampler, seed, multivariate=True, n_startup_trials=8,
                            constant_liar=False)
        ours = cohort_tpe(seed=seed, multivariate=True, n_startup_trials=8)
    builds = []
    original = type(ours)._build_parzen_estimator
    ours._build_parzen_estimator = lambda *a, **kw: builds.append(1) or original(ours, *a, **kw)
    expected, got = _search(optunas, 5, 16), _search(ours, 5, 16)
    assert len(got) == 80 and got == expected
    assert len(builds) == 2 * 4  # below and above once per cohort after the first (random: nothing finished)


def test_cohort_tpe_refuses_a_constant_liar():
    with pytest.raises(ValueError, match="constant_liar=False"):
        cohort_tpe(seed=0, constant_liar=True)


SAMPLERS = {
    "tpe": lambda: cohort_tpe(seed=7, multivariate=True, n_startup_trials=4),
    "random": lambda: per_trial(optuna.samplers.RandomSampler, 7),
    "gp": lambda: per_trial(optuna.samplers.GPSampler, 7, n_startup_trials=4),
}


@pytest.mark.parametrize("name", SAMPLERS)
def test_two_workers_on_one_study_draw_different_trials_and_a_rerun_the_same(name):
    """Two samplers with one seed, asking in turn on one study (two workers on one database): each trial's
    draws depend on its number, so they differ from one another, and a study run again repeats them."""
    def run():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            workers = [SAMPLERS[name]() for _ in range(2)]
        study = optuna.create_study()
        for cohort in range(4):
            asked = []
            for worker in workers:  # each asks its cohort of 4 from the same finished trials
                study.sampler = worker
                for _ in range(4):
                    trial = study.ask()
                    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
                    trial.suggest_float("beta1", 0.5, 0.999)
                    trial.suggest_int("layers", 1, 4)
                    asked.append(trial)
            for trial in asked:
                study.tell(trial, _objective(trial.params))
        return [tuple(t.params.values()) for t in study.trials]

    first = run()
    assert len(set(first)) == len(first) == 32  # no configuration drawn twice, startup draws included
    assert run() == first
