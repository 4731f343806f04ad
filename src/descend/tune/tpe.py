"""Optuna's TPE for cohorts: the same samples, its two density estimators built once per cohort.

TPE (multivariate, as ``descend tune --sampler tpe`` runs it) splits the finished trials into the good
fraction γ and the rest, fits a Parzen estimator l(x) to the first and g(x) to the second, draws candidates
from l and keeps the one with the largest l(x)/g(x). Optuna fits both estimators again at every ask. The K
asks of a cohort all see the same finished trials (nothing finishes while a cohort is asked for; without a
constant liar, running trials are not part of the fit), so descend fits them once per set of finished trials
and draws each ask's candidates from them. The random draws are Optuna's own, in its order: given the same
per-trial seeds (below), the samples equal ``optuna.samplers.TPESampler``'s bit for bit (tests/tune/test_tpe.py), at a fraction of the cost per ask once
hundreds of trials have finished (profiled at 512 trials of ``benchmarks/tune.py``: 2.7 ms an ask, 13 ms before).

No constant liar (Optuna 5's default for TPE): with it, each ask would see the cohort's earlier asks as pending,
treat them as bad, and spread the cohort out. Measured on the reference sweep workload (``benchmarks/tune.py``,
K = 64, sampler seeds 0-3), the cohort's best value was the same or better without (median 2.0378 against 2.0444
at 128 trials; 1.9894 against 1.9902 at 512). In Optuna's usual loop, one trial at a time, nothing is ever
pending, so there the liar never acts: both ways draw from the same model of the finished trials.

Each trial draws from a random state seeded by the sampler's seed and the trial's number
(:mod:`descend.tune.seeding`), its startup draws as well. So a study run again with the same seed gives the same
trials, however its cohorts were split among workers, and workers that start from one seed and see the same
finished trials (several machines on one PostgreSQL study) never draw the same configurations: with one random
state per sampler they would, every one of them, in step.
"""

from __future__ import annotations

from typing import Any

from .seeding import per_trial


def cohort_tpe(**options: Any) -> Any:
    """A :class:`optuna.samplers.TPESampler` with ``options`` and ``constant_liar=False`` whose density
    estimators are fitted once per set of finished trials."""
    import optuna
    from optuna.samplers._tpe import sampler as tpe_module
    from optuna.trial import TrialState

    if options.setdefault("constant_liar", False):
        raise ValueError("the cohort TPE fits its estimators to finished trials only: constant_liar=False")
    internals = ("_sample", "_build_parzen_estimator", "_compute_acquisition_func", "_compare")
    if not hasattr(tpe_module, "_split_trials") or not all(hasattr(tpe_module.TPESampler, n) for n in internals):
        # an Optuna whose TPE is built otherwise: its own, refitting at every ask
        return per_trial(optuna.samplers.TPESampler, options.pop("seed", None), **options)

    class CohortTPE(optuna.samplers.TPESampler):
        """Optuna's TPE whose two Parzen estimators are fitted once per set of finished trials."""

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            # the estimators (below, above) per search space (a choice of optimizers has one per optimizer),
            # for the finished trials of ``self._finished`` only
            self._fitted: dict[Any, tuple[Any, Any]] = {}
            self._finished: Any = None

        def _sample(self, study: Any, trial: Any, search_space: dict[str, Any]) -> dict[str, Any]:
            # Optuna's TPESampler._sample (without a constant liar), the estimators kept per finished set
            trials = study._get_trials(deepcopy=False, states=[TrialState.COMPLETE, TrialState.PRUNED],
                                       use_cache=True)
            if self._gamma is None:
                self._gamma = (tpe_module.default_gamma if len(study.directions) <= 1
                               else tpe_module.default_gamma_multiobjective)
            finished = (study._study_id, len(trials), sum(t.number for t in trials))  # finished trials only grow
            if finished != self._finished:
                self._fitted, self._finished = {}, finished
            space = tuple((name, repr(d)) for name, d in search_space.items())
            if space in self._fitted:
                mpe_below, mpe_above = self._fitted[space]
            else:
                below, above = tpe_module._split_trials(study, trials, self._gamma(len(trials)))
                mpe_below = self._build_parzen_estimator(study, search_space, below, handle_below=True)
                mpe_above = self._build_parzen_estimator(study, search_space, above, handle_below=False)
                self._fitted[space] = (mpe_below, mpe_above)
            samples_below = mpe_below.sample(self._rng.rng, self._n_ei_candidates)
            acq_func_vals = self._compute_acquisition_func(samples_below, mpe_below, mpe_above)
            ret = optuna.samplers.TPESampler._compare(samples_below, acq_func_vals)
            for param_name, dist in search_space.items():
                ret[param_name] = dist.to_external_repr(ret[param_name])
            return ret

    return per_trial(CohortTPE, options.pop("seed", None), **options)  # each trial's draws from its own seed
