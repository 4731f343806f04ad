"""descend's fANOVA importances (descend.tune.fanova) against Optuna's own evaluator, its oracle: the same forest,
so the same importances to round-off, for floats, log-scaled floats, integers and a categorical parameter."""

from __future__ import annotations

import importlib
import math
import warnings

import numpy as np
import optuna
import pytest


fanova = importlib.import_module("descend.tune.fanova")  # descend.tune is also the function


def _study(trials: int, with_int: bool, with_choice: bool, seed: int) -> optuna.Study:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("lr", 1e-5, 1e-1, log=True)
        beta = trial.suggest_float("beta", 0.8, 0.999)
        value = (math.log10(lr) + 2.5) ** 2 + 3 * (beta - 0.9) ** 2
        if with_int:
            value += 0.1 * trial.suggest_int("n", 1, 9)
        if with_choice:
            value += {"adam": 0.0, "sgd": 0.5, "rmsprop": 0.2}[trial.suggest_categorical("opt", ["adam", "sgd",
                                                                                               "rmsprop"])]
        return value

    study.optimize(objective, n_trials=trials)
    return study


@pytest.mark.parametrize("trials", [12, 96])
@pytest.mark.parametrize("with_int,with_choice", [(False, False), (True, False), (True, True)])
def test_the_importances_are_optunas(trials, with_int, with_choice):
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = _study(trials, with_int, with_choice, seed=trials + 3 * with_int + 7 * with_choice)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = optuna.importance.get_param_importances(
            study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
        ours = optuna.importance.get_param_importances(study, evaluator=fanova.evaluator(seed=0))
    assert isinstance(fanova.evaluator(seed=0), fanova.FanovaImportanceEvaluator)
    assert list(ours) == list(theirs)  # the same order: by importance
    np.testing.assert_allclose([ours[k] for k in theirs], list(theirs.values()), rtol=1e-9, atol=1e-12)
    assert sum(ours.values()) == pytest.approx(1.0)


def test_a_tree_without_variance_is_refused_as_optuna_does():
    study = optuna.create_study()
    for i in range(8):  # every trial the same value: no parameter explains anything
        study.add_trial(optuna.trial.create_trial(
            params={"a": 0.1 * i, "b": 1.0 - 0.1 * i}, value=1.0,
            distributions={"a": optuna.distributions.FloatDistribution(0, 1),
                           "b": optuna.distributions.FloatDistribution(0, 1)}))
    for evaluator in (optuna.importance.FanovaImportanceEvaluator(seed=0), fanova.evaluator(seed=0)):
        with pytest.raises(RuntimeError, match="zero total variance"):
            optuna.importance.get_param_importances(study, evaluator=evaluator)
