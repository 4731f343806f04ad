"""Optuna's TPE for cohorts: the same samples, its two density estimators built once per cohort.

TPE (multivariate, as ``descend tune --sampler tpe`` runs it) splits the finished trials into the good
fraction γ and the rest, fits a Parzen estimator l(x) to the first and g(x) to the second, draws candidates
from l and keeps the one with the largest l(x)/g(x). Optuna fits both estimators again at every ask. The K
asks of a cohort all see the same finished trials (nothing finishes while a cohort is asked for; without a
constant liar, running trials are not part of the fit), so descend fits them once per set of finished trials
and draws each ask's candidates from them. The random draws are Optuna's own, in its order: given the same
per-trial seeds (below), the samples equal ``optuna.samplers.TPESampler``'s bit for bit (tests/tune/test_tpe.py),
at a fraction of the cost per ask once hundreds of trials have finished (profiled at 512 trials of
``benchmarks/tune.py``: 2.7 ms an ask, 13 ms before).

No constant liar (Optuna 5's default for TPE): with it, each ask would see the cohort's earlier asks as pending,
treat them as bad, and spread the cohort out. Measured on the reference sweep workload (``benchmarks/tune.py``,
K = 64, sampler seeds 0-3), the cohort's best value was the same or better without (median 2.0378 against 2.0444
at 128 trials; 1.9894 against 1.9902 at 512). In Optuna's usual loop, one trial at a time, nothing is ever
pending, so there the liar never acts: both ways draw from the same model of the finished trials.

The asks of a cohort are also drawn together. Told how many asks come (:meth:`expect`), the first ask draws the
candidates of every ask to come in one pass and scores them in one call of Optuna's acquisition function. The
pass repeats Optuna's mixture sampler (:func:`_sample_together`): each trial's random numbers come from that
trial's own random state, in Optuna's order, and everything else is elementwise or row by row, except two things
that depend on how many values one call holds, which the pass keeps as they are for one ask alone: the Newton
iteration that inverts the normal CDF runs until every value of the call has converged (here: of the trial),
and Optuna's erf switches formula at 2,000 values (here: calls no larger than one trial's). So each ask gets the
sample it would get alone, bit for bit (tests/tune/test_tpe.py), for 1.5-1.7 ms an ask instead of 2.5-2.7
(measured: 7 cohorts of 32 asks of 3 parameters, 3 alternations; most of what is left is Optuna's log Φ,
computed value by value in Python, which no batching removes). An ask whose trial number or search space was
not foreseen (another worker took the number; a choice of optimizers changed the space) is drawn alone, as
before, and so are the cohort's asks after it: one pass per cohort at most, so workers that interleave their asks
on one database draw no more than that pass beyond what they use.

Each trial draws from a random state seeded by the sampler's seed and the trial's number
(:mod:`descend.tune.seeding`), its startup draws as well. So a study run again with the same seed gives the same
trials, however its cohorts were split among workers, and workers that start from one seed and see the same
finished trials (several machines on one PostgreSQL study) never draw the same configurations: with one random
state per sampler they would, every one of them, in step.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .seeding import per_trial, seed_for


#: Optuna's ``_erf.erf`` computes ``math.erf`` of each value for fewer values than this, a formula of its own
#: from this many on: a batch's calls are kept as small as one trial's.
_ERF_FORMULA = 2000


#: How many numbers (candidates × finished trials × parameters) the acquisition of a cohort's candidates is
#: computed over at once: about 16 MB an array (the score's temporaries are a few such arrays).
_SCORED_AT_ONCE = 1 << 21


def _together(mixture: Any, per: int) -> bool:
    """Whether the asks of a cohort can be drawn together from ``mixture`` and give each its sample alone: one
    trial's values reach Optuna's erf in calls of under :data:`_ERF_FORMULA` values."""
    return len(mixture.distributions) * per < _ERF_FORMULA


def _scored_together(mixture: Any) -> bool:
    """Whether the acquisition of a cohort's candidates can be computed in one call: a stepped parameter's
    masses are computed for the distinct candidates, as many as the call has (so as many erf values)."""
    from optuna.samplers._tpe.probability_distributions import _BatchedCategoricalDistributions

    return all(isinstance(d, _BatchedCategoricalDistributions) or d.step == 0.0 for d in mixture.distributions)


def _draws(state: Any, mixture: Any, per: int) -> tuple[Any, list[Any], Any]:
    """One trial's random numbers for Optuna's ``_MixtureOfProductDistribution.sample(state, per)``, drawn from
    ``state`` as that method draws them, in its order: the components, a uniform per categorical parameter, the
    truncated normals' quantiles. (So drawing them advances ``state`` as sampling alone would.)"""
    from optuna.samplers._tpe.probability_distributions import _BatchedCategoricalDistributions

    categorical = sum(isinstance(d, _BatchedCategoricalDistributions) for d in mixture.distributions)
    numerical = len(mixture.distributions) - categorical
    active = state.choice(len(mixture.weights), p=mixture.weights, size=per)
    uniforms = [state.rand(per) for _ in range(categorical)]
    quantiles = state.uniform(low=0, high=1, size=(numerical, per)) if numerical else None
    return active, uniforms, quantiles


def _sample_together(mixture: Any, draws: Sequence[tuple[Any, list[Any], Any]], per: int) -> Any:
    """Optuna's ``_MixtureOfProductDistribution.sample(state, per)`` for several trials in one pass, given each
    trial's random numbers (:func:`_draws` of its state): rows ``i·per .. (i+1)·per`` are what trial i's state
    gives alone, bit for bit.

    Everything after the random numbers is elementwise, except the Newton iteration that inverts the normal CDF,
    which Optuna runs until every value of one call has converged: here it runs until every value of one trial
    has (:func:`_ndtri_exp`), so each value gets the iterations it gets alone.
    """
    import numpy as np
    from optuna.samplers._tpe import _truncnorm
    from optuna.samplers._tpe.probability_distributions import _BatchedCategoricalDistributions

    dists = mixture.distributions
    categorical = [i for i, d in enumerate(dists) if isinstance(d, _BatchedCategoricalDistributions)]
    numerical = [i for i in range(len(dists)) if i not in categorical]
    active, uniforms, quantiles = zip(*draws)
    active_indices = np.concatenate(active)
    ret = np.empty((per * len(draws), len(dists)), dtype=float)
    for c, i in enumerate(categorical):
        cum_probs = np.cumsum(dists[i].weights[active_indices, :], axis=-1)
        cum_probs[:, -1] = 1
        rnd_quantile = np.concatenate([u[c] for u in uniforms])
        ret[:, i] = np.sum(cum_probs < rnd_quantile[:, np.newaxis], axis=-1)
    if numerical:
        nums = [dists[i] for i in numerical]
        mus = np.asarray([d.mu[active_indices] for d in nums])
        sigmas = np.asarray([d.sigma[active_indices] for d in nums])
        lows = np.asarray([d.adapted_low for d in nums])[:, np.newaxis]
        highs = np.asarray([d.adapted_high for d in nums])[:, np.newaxis]
        q = np.concatenate(quantiles, axis=1)
        trial = np.broadcast_to(np.repeat(np.arange(len(draws)), per), q.shape)
        a, b = (lows - mus) / sigmas, (highs - mus) / sigmas
        # Optuna's erf takes another formula from _ERF_FORMULA values on: the masses in calls as small as alone
        log_mass = np.empty_like(a)
        width = per * max(1, (_ERF_FORMULA - 1) // (len(numerical) * per))
        for start in range(0, a.shape[1], width):
            log_mass[:, start:start + width] = _truncnorm._log_gauss_mass(a[:, start:start + width],
                                                                          b[:, start:start + width])
        ret[:, numerical] = (_ppf(_truncnorm, q, a, b, log_mass, trial) * sigmas + mus).T
        log_inds = [i for i in numerical if dists[i].is_log]
        ret[:, log_inds] = np.exp(ret[:, log_inds])
        disc = [(i, dists[i]) for i in numerical if dists[i].step != 0.0]
        disc_inds = [i for i, _ in disc]
        step_d = np.asarray([d.step for _, d in disc])
        low_d = np.asarray([d.low for _, d in disc])
        high_d = np.asarray([d.high for _, d in disc])
        ret[:, disc_inds] = np.clip(low_d + np.round((ret[:, disc_inds] - low_d) / step_d) * step_d, low_d, high_d)
    return ret


def _ppf(tn: Any, q: Any, a: Any, b: Any, log_mass: Any, trial: Any) -> Any:
    """Optuna's ``_truncnorm.ppf(q, a, b)`` given ``log_mass = _log_gauss_mass(a, b)``, the Newton iteration
    converged per ``trial`` (see above)."""
    import numpy as np

    case_left = a < 0
    case_right = ~case_left
    out = np.empty_like(q)
    if case_left.any():
        log_phi = tn._log_sum(tn._log_ndtr(a[case_left]), np.log(q[case_left]) + log_mass[case_left])
        out[case_left] = _ndtri_exp(tn, log_phi, trial[case_left])
    if case_right.any():
        log_phi = tn._log_sum(tn._log_ndtr(-b[case_right]), np.log1p(-q[case_right]) + log_mass[case_right])
        out[case_right] = -_ndtri_exp(tn, log_phi, trial[case_right])
    out[q == 0] = a[q == 0]
    out[q == 1] = b[q == 1]
    out[a == b] = math.nan
    return out


def _ndtri_exp(tn: Any, y: Any, trial: Any) -> Any:
    """Optuna's ``_truncnorm._ndtri_exp(y)`` (x with log Φ(x) = y, by Newton's method from its own first guess),
    where the values of one trial stop when all of them have converged, as they stop when drawn alone."""
    import numpy as np

    flipped = y > -1e-2
    z = y.copy()
    z[flipped] = np.log(-np.expm1(y[flipped]))
    x = np.empty_like(y)
    if (small_inds := np.nonzero(z < -5))[0].size:
        x[small_inds] = -np.sqrt(-2.0 * (z[small_inds] + tn._norm_pdf_logC))
    if (moderate_inds := np.nonzero(z >= -5))[0].size:
        x[moderate_inds] = -tn._ndtri_exp_approx_C * np.log(np.expm1(-z[moderate_inds]))
    going = np.arange(len(y))
    for _ in range(100):
        xs = x[going]
        log_ndtr_x = tn._log_ndtr(xs)
        log_norm_pdf_x = -0.5 * xs**2 - tn._norm_pdf_logC
        dx = (log_ndtr_x - z[going]) * np.exp(log_ndtr_x - log_norm_pdf_x)
        xs -= dx
        x[going] = xs
        unconverged = np.unique(trial[going][~(np.abs(dx) < 1e-8 * np.abs(xs))])
        going = going[np.isin(trial[going], unconverged)]
        if not going.size:
            break
    x[flipped] *= -1
    return x


def cohort_tpe(**options: Any) -> Any:
    """A :class:`optuna.samplers.TPESampler` with ``options`` and ``constant_liar=False`` whose density
    estimators are fitted once per set of finished trials, and whose ``expect(n)`` says that the next ``n`` asks
    come together (the first draws them all)."""
    import numpy as np
    import optuna
    from optuna.samplers._tpe import sampler as tpe_module
    from optuna.trial import TrialState

    if options.setdefault("constant_liar", False):
        raise ValueError("the cohort TPE fits its estimators to finished trials only: constant_liar=False")
    internals = ("_sample", "_build_parzen_estimator", "_compute_acquisition_func", "_compare")
    if not hasattr(tpe_module, "_split_trials") or not all(hasattr(tpe_module.TPESampler, n) for n in internals):
        # an Optuna whose TPE is built otherwise: its own, refitting at every ask
        return per_trial(optuna.samplers.TPESampler, options.pop("seed", None), **options)
    together = _can_draw_together()

    class CohortTPE(optuna.samplers.TPESampler):
        """Optuna's TPE whose two Parzen estimators are fitted once per set of finished trials, and whose asks
        foreseen by :meth:`expect` are drawn together."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self._seed = kwargs.get("seed")
            # the estimators (below, above) per search space (a choice of optimizers has one per optimizer),
            # for the finished trials of ``self._finished`` only
            self._fitted: dict[Any, tuple[Any, Any]] = {}
            self._finished: Any = None
            self._expected = 1  # the asks still to come together, this one included
            self._ahead: dict[tuple[Any, int], dict[str, Any]] = {}  # (search space, trial number) -> its sample
            self._spare = np.random.RandomState(0)  # seeded for each trial drawn ahead
            self._fresh: int | None = None  # the trial whose random state has not drawn yet
            self._drawn = False  # whether this cohort has drawn its asks ahead

        def expect(self, asks: int) -> None:
            """The next ``asks`` asks come together (a cohort): the first of them draws them all."""
            self._expected, self._ahead, self._drawn = (max(1, int(asks)) if together else 1), {}, False

        def before_trial(self, study: Any, trial: Any) -> None:
            super().before_trial(study, trial)  # (per_trial has seeded this trial's random states)
            self._fresh = trial.number

        def _estimators(self, study: Any, search_space: dict[str, Any], space: Any) -> tuple[Any, Any]:
            trials = study._get_trials(deepcopy=False, states=[TrialState.COMPLETE, TrialState.PRUNED],
                                       use_cache=True)
            if self._gamma is None:
                self._gamma = (tpe_module.default_gamma if len(study.directions) <= 1
                               else tpe_module.default_gamma_multiobjective)
            finished = (study._study_id, len(trials), sum(t.number for t in trials))  # finished trials only grow
            if finished != self._finished:
                self._fitted, self._ahead, self._finished = {}, {}, finished
            if space not in self._fitted:
                below, above = tpe_module._split_trials(study, trials, self._gamma(len(trials)))
                self._fitted[space] = (self._build_parzen_estimator(study, search_space, below, handle_below=True),
                                       self._build_parzen_estimator(study, search_space, above, handle_below=False))
            return self._fitted[space]

        def _sample(self, study: Any, trial: Any, search_space: dict[str, Any]) -> dict[str, Any]:
            # Optuna's TPESampler._sample (without a constant liar), the estimators kept per finished set
            space = _key(search_space)
            mpe_below, mpe_above = self._estimators(study, search_space, space)
            fresh, self._fresh = self._fresh == trial.number, None
            if fresh and self._seed is not None:  # this trial's first draws: foreseen, or the first of a cohort
                coming = self._expected
                self._expected = max(1, coming - 1)
                if (space, trial.number) not in self._ahead and coming > 1:
                    if self._drawn:  # the numbers drawn ahead went to other workers: the rest are drawn alone
                        self._expected = 1
                    else:
                        self._drawn = True
                        self._draw_ahead(range(trial.number, trial.number + coming), search_space, space,
                                         mpe_below, mpe_above)
                drawn = self._ahead.pop((space, trial.number), None)
                if drawn is not None:  # its random state advanced as if it had drawn them alone
                    _draws(self._rng.rng, mpe_below._mixture_distribution, self._n_ei_candidates)
                    return dict(drawn)
            samples_below = mpe_below.sample(self._rng.rng, self._n_ei_candidates)
            acq_func_vals = self._compute_acquisition_func(samples_below, mpe_below, mpe_above)
            return _best(samples_below, acq_func_vals, search_space)

        def _draw_ahead(self, numbers: range, search_space: dict[str, Any], space: Any, mpe_below: Any,
                        mpe_above: Any) -> None:
            """Draw and score the candidates of trials ``numbers`` in one pass, each from its own random state."""
            import numpy as np

            per = self._n_ei_candidates
            if not _together(mpe_below._mixture_distribution, per):  # hundreds of parameters: each ask alone
                return
            mixture, state = mpe_below._mixture_distribution, self._spare
            draws = []
            for number in numbers:  # each trial's random numbers from its own seed (one state, seeded in turn)
                state.seed(seed_for(self._seed, number))
                draws.append(_draws(state, mixture, per))
            samples = mpe_below._untransform(_sample_together(mixture, draws, per))
            # scored a few trials' candidates at a time: each candidate's density over every finished trial and
            # parameter is an array of its own (a resumed study of 4,096 trials scoring a cohort of 256 at once
            # held 4.6 GB, where Optuna's asks held 88 MB); a stepped parameter's, each ask's alone
            above = mpe_above._mixture_distribution
            size = per * max(len(above.weights), len(mixture.weights)) * max(1, len(above.distributions))
            trials = max(1, _SCORED_AT_ONCE // size) if _scored_together(above) else 1
            scores = np.concatenate([
                self._compute_acquisition_func({k: v[i:i + per * trials] for k, v in samples.items()}, mpe_below,
                                               mpe_above) for i in range(0, per * len(numbers), per * trials)])
            for i, number in enumerate(numbers):
                mine = slice(i * per, (i + 1) * per)
                self._ahead[(space, number)] = _best({name: v[mine] for name, v in samples.items()}, scores[mine],
                                                     search_space)

    def _best(samples: dict[str, Any], scores: Any, search_space: dict[str, Any]) -> dict[str, Any]:
        ret = optuna.samplers.TPESampler._compare(samples, scores)
        for param_name, dist in search_space.items():
            ret[param_name] = dist.to_external_repr(ret[param_name])
        return ret

    seed = options.pop("seed", None)
    sampler = per_trial(CohortTPE, seed, **options)  # each trial's draws from its own seed
    sampler._descend_rebuild = _cohort_tpe_again  # pickled: built again (seeding.per_trial)
    return sampler


def _cohort_tpe_again(seed: int | None, **options: Any) -> Any:
    return cohort_tpe(seed=seed, **options)


def _can_draw_together() -> bool:
    """Whether this Optuna's TPE has the parts :func:`_sample_together` repeats (else each ask draws alone)."""
    try:
        from optuna.samplers._tpe import _erf, _truncnorm
        from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator
        from optuna.samplers._tpe.probability_distributions import _BatchedCategoricalDistributions  # noqa: F401
    except ImportError:
        return False
    return (all(hasattr(_truncnorm, n) for n in ("_log_gauss_mass", "_log_sum", "_log_ndtr", "_norm_pdf_logC",
                                                  "_ndtri_exp_approx_C", "_ndtri_exp", "ppf"))
            and hasattr(_erf, "erf") and hasattr(_ParzenEstimator, "_untransform"))


def _key(search_space: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple((name, repr(d)) for name, d in search_space.items())
