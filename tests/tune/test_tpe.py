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
    return (math.log10(params["lr"]) + 2.0) ** 2 + (params["beta1"] - 0.9) ** 2 + 0.1 * params.get("layers", 0) \
        + 0.01 * math.log10(params.get("weight_decay", 1.0)) ** 2


def _suggest(trial, *, choice: bool = False, continuous: bool = False, layers: bool = True) -> None:
    """The test space: lr (log) and beta1; an int ``layers`` (a stepped parameter) unless ``continuous`` (a log
    weight decay instead); with ``choice``, a categorical activation and a stepped decay too."""
    trial.suggest_float("lr", 1e-5, 1e-1, log=True)
    trial.suggest_float("beta1", 0.5, 0.999)
    if continuous:  # no stepped parameter: the candidates are scored in one call
        trial.suggest_float("weight_decay", 1e-6, 1e-2, log=True)
    elif layers:
        trial.suggest_int("layers", 1, 4)
    if choice:
        trial.suggest_categorical("activation", ["tanh", "relu", "gelu"])
        trial.suggest_float("decay", 0.0, 0.1, step=0.01)


def _search(sampler, cohorts: int, k: int, *, foreseen: int = 0, choice: bool = False,
            continuous: bool = False) -> list[dict]:
    """Cohorts of k trials asked together, then told together, as descend tune asks and tells; ``foreseen``: how
    many asks the sampler is told to expect at the start of each cohort (``expect``, as descend tune tells it)."""
    study = optuna.create_study(sampler=sampler)
    asked = []
    for _ in range(cohorts):
        trials = []
        if foreseen:
            sampler.expect(foreseen)
        for _ in range(k):
            trial = study.ask()
            _suggest(trial, choice=choice, continuous=continuous)
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


@pytest.mark.parametrize("seed, foreseen, choice, continuous", [
    (0, 16, False, False), (3, 16, True, False), (5, 40, True, False), (1, 5, False, False),
    (2, 16, False, True), (4, 40, False, True), (6, 40, True, True)])
def test_a_cohorts_asks_drawn_together_are_the_samples_each_draws_alone(seed, foreseen, choice, continuous,
                                                                         monkeypatch):
    """``expect(n)``: the first ask draws and scores the candidates of the n asks to come in one pass; each ask
    still gets Optuna's sample for its trial, bit for bit, whether n is the cohort's size, more (the rest is never
    used) or less (the asks after the n-th are drawn alone), with categorical and stepped parameters too, and with
    batches past the size where Optuna's erf changes its formula (40 × 24 candidates × 4 numbers)."""
    from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator

    from descend.tune import tpe

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optunas = per_trial(optuna.samplers.TPESampler, seed, multivariate=True, n_startup_trials=8,
                            constant_liar=False)
        ours = cohort_tpe(seed=seed, multivariate=True, n_startup_trials=8)
    expected = _search(optunas, 5, 16, choice=choice, continuous=continuous)
    together, alone = [], []
    original_together, original_alone = tpe._sample_together, _ParzenEstimator.sample
    monkeypatch.setattr(tpe, "_sample_together", lambda m, draws, per: together.append(len(draws))
                        or original_together(m, draws, per))
    monkeypatch.setattr(_ParzenEstimator, "sample", lambda self, rng, size: alone.append(size)
                        or original_alone(self, rng, size))
    got = _search(ours, 5, 16, foreseen=foreseen, choice=choice, continuous=continuous)
    assert len(got) == 80 and got == expected
    # 4 cohorts after the random first: one pass for n trials each, and the asks beyond the n-th alone
    assert together == [foreseen] * 4 and alone == [24] * 4 * (16 - min(foreseen, 16))


def test_an_ask_not_foreseen_is_drawn_alone_with_its_own_sample():
    """Another worker took the trial numbers the cohort expected: those asks are drawn alone, the same samples."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optunas = per_trial(optuna.samplers.TPESampler, 2, multivariate=True, n_startup_trials=4,
                            constant_liar=False)
        ours = cohort_tpe(seed=2, multivariate=True, n_startup_trials=4)

    def run(sampler, expect):
        study = optuna.create_study(sampler=sampler)
        for cohort in range(3):
            if expect:
                sampler.expect(6)
            trials = []
            for i in range(6):
                if i == 2:  # another worker asks one trial in the middle (an enqueued, fixed one)
                    study.enqueue_trial({"lr": 1e-3, "beta1": 0.9, "layers": 2})
                    other = study.ask()
                    _suggest(other)
                    trials.append(other)
                trial = study.ask()
                _suggest(trial)
                trials.append(trial)
            for trial in trials:
                study.tell(trial, _objective(trial.params))
        return [t.params for t in study.trials]

    assert run(ours, True) == run(optunas, False)


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
                    _suggest(trial)
                    asked.append(trial)
            for trial in asked:
                study.tell(trial, _objective(trial.params))
        return [tuple(t.params.values()) for t in study.trials]

    first = run()
    assert len(set(first)) == len(first) == 32  # no configuration drawn twice, startup draws included
    assert run() == first


@pytest.mark.parametrize("continuous", [True, False])
def test_candidates_scored_together_score_as_each_asks_alone(continuous):
    """The acquisition l(x)/g(x) of 40 asks' candidates in one call equals each ask's own call, bit for bit, where
    the cohort TPE scores them together (no stepped parameter); with one, it scores each ask alone."""
    import numpy as np

    from descend.tune import tpe
    from descend.tune.seeding import seed_for

    def random_state(seed, number):  # trial number's draws, as the sampler's state is seeded for it
        return np.random.RandomState(seed_for(seed, number))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        sampler = cohort_tpe(seed=1, multivariate=True, n_startup_trials=8)
    study = optuna.create_study(sampler=sampler)
    for _ in range(3):
        asked = []
        for _ in range(16):
            trial = study.ask()
            _suggest(trial, continuous=continuous)
            asked.append(trial)
        for trial in asked:
            study.tell(trial, _objective(trial.params))
    space = study.trials[-1].distributions
    below, above = sampler._estimators(study, space, tpe._key(space))
    assert tpe._scored_together(above._mixture_distribution) is continuous
    mixture = below._mixture_distribution
    samples = below._untransform(tpe._sample_together(
        mixture, [tpe._draws(random_state(1, n), mixture, 24) for n in range(48, 88)], 24))
    for n, i in ((48, 0), (70, 22 * 24)):  # each trial's rows are what its own random state samples alone
        alone = below._untransform(mixture.sample(random_state(1, n), 24))
        assert all(np.array_equal(samples[k][i:i + 24], v) for k, v in alone.items())
    together = sampler._compute_acquisition_func(samples, below, above)
    alone = np.concatenate([sampler._compute_acquisition_func({k: v[i:i + 24] for k, v in samples.items()}, below,
                                                              above) for i in range(0, 960, 24)])
    if continuous:  # (a stepped parameter's scores in one call equal alone only while its erf calls stay small)
        assert np.array_equal(together, alone)


def test_workers_interleaving_their_asks_draw_each_cohort_ahead_at_most_once(monkeypatch):
    """Two workers asking in turn on one study, each expecting a cohort of 8: the numbers one drew ahead go to the
    other, so after its first miss each draws alone; the samples are still Optuna's, and no cohort draws twice."""
    from descend.tune import tpe

    together = []
    original = tpe._sample_together
    monkeypatch.setattr(tpe, "_sample_together", lambda m, draws, per: together.append(len(draws))
                        or original(m, draws, per))

    def run(make, expect):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            workers = [make() for _ in range(2)]
        study = optuna.create_study()
        for cohort in range(3):
            if expect:
                for worker in workers:
                    worker.expect(8)
            asked = []
            for i in range(16):  # in turn: worker 0 gets the even numbers of the cohort, worker 1 the odd
                study.sampler = workers[i % 2]
                trial = study.ask()
                _suggest(trial, layers=False)
                asked.append(trial)
            for trial in asked:
                study.tell(trial, _objective(trial.params))
        return [t.params for t in study.trials]

    ours = run(lambda: cohort_tpe(seed=9, multivariate=True, n_startup_trials=8), True)
    assert together == [8] * 4  # cohorts 2 and 3, one pass per worker each (cohort 1 is random)
    assert ours == run(lambda: per_trial(optuna.samplers.TPESampler, 9, multivariate=True, n_startup_trials=8,
                                         constant_liar=False), False)


def test_a_trials_seeds_are_the_released_ones_and_one_per_random_state():
    """The seeds of a trial's draws are pinned: a study re-run with the same --seed draws the same trials as with an
    earlier release, and the random states of a trial (the sampler's own, TPE's startup sampler's, GP's independent
    one's) are seeded apart. The oracle tests build Optuna's samplers with these very seeds, so a changed formula
    (a stream left out) agreed with itself there."""
    from descend.tune.seeding import _STATES, seed_for, trial_seed

    assert [trial_seed(0, n, s) for n in range(2) for s in range(3)] == [
        2968811710, 3831201730, 2926792190, 3964924996, 901243215, 3884055042]
    assert [seed_for(7, 3, path) for path in _STATES] == [3466196061, 1060801321, 2682643779]


@pytest.mark.parametrize("continuous", [True, False])
def test_a_cohort_is_scored_a_few_trials_at_a_time_with_optunas_samples(continuous, monkeypatch):
    """A cohort's candidates were scored in one call, whose arrays grow with the cohort, the finished trials and
    the parameters (a resumed study of 4,096 trials scoring a cohort of 256 at once held 4.6 GB): scored a few
    trials at a time (_SCORED_AT_ONCE numbers), each ask still gets Optuna's sample, bit for bit."""
    from descend.tune import tpe

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optunas = per_trial(optuna.samplers.TPESampler, 7, multivariate=True, n_startup_trials=8,
                            constant_liar=False)
        ours = cohort_tpe(seed=7, multivariate=True, n_startup_trials=8)
    expected = _search(optunas, 5, 16, continuous=continuous)
    calls = []
    original = type(ours)._compute_acquisition_func
    monkeypatch.setattr(type(ours), "_compute_acquisition_func", lambda self, samples, *a: calls.append(
        len(next(iter(samples.values())))) or original(self, samples, *a))
    # a few trials a call: at most 5 × 24 candidates at 64 finished trials and 3 parameters
    monkeypatch.setattr(tpe, "_SCORED_AT_ONCE", 5 * 24 * 64 * 3)
    got = _search(ours, 5, 16, foreseen=16, continuous=continuous)
    assert len(got) == 80 and got == expected
    # 4 cohorts of 16 asks after the random first, each in several calls of whole trials' candidates
    assert len(calls) > 4 and all(c % 24 == 0 for c in calls) and sum(calls) == 4 * 16 * 24
