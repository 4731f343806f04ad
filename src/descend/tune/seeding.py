"""Each trial's random draws from its own seed: a function of the sampler's seed and the trial's number.

A seeded Optuna sampler holds one random state and draws from it trial after trial. Workers that share a study
(several processes or machines on one database) each build the sampler from the same ``--seed``: with one random
state each, their states advance in step, and two workers asking from the same finished trials draw the same
configurations (measured: every one of a 4-trial cohort drawn twice by two workers, tests/tune/test_tpe.py).
Seeding the draws of each trial from (seed, trial number) instead keeps a study reproducible, the same trials
for the same seed however its cohorts were split among workers, and makes no two trials draw alike.
"""

from __future__ import annotations

import functools

from typing import Any

#: The random states of Optuna's samplers (``_rng``, each a ``LazyRandomState``), and of the samplers they
#: delegate to (TPE's startup sampler, GP's independent one): each is seeded on a stream of its own.
_STATES = ("_rng", "_random_sampler._rng", "_independent_sampler._rng")


def trial_seed(seed: int, number: int, stream: int = 0) -> int:
    """The seed of trial ``number``'s draws from a sampler seeded with ``seed`` (``stream``: which of its random
    states)."""
    import numpy as np

    return int(np.random.SeedSequence([seed, number, stream]).generate_state(1)[0])


def seed_for(seed: int, number: int, path: str = "_rng") -> int:
    """The seed :func:`reseed_for` gives the sampler's random state at ``path`` for trial ``number``."""
    return trial_seed(seed, number, _STATES.index(path))


def reseed_for(sampler: Any, seed: int | None, trial: Any) -> None:
    """Seed every random state of ``sampler`` for ``trial``. Nothing with no seed (a sampler seeded from the
    system's entropy stays so)."""
    if seed is None:
        return
    for stream, path in enumerate(_STATES):
        holder = sampler
        for name in path.split("."):
            holder = getattr(holder, name, None)
        if holder is not None:
            holder.rng.seed(trial_seed(seed, trial.number, stream))


def per_trial(cls: type, seed: int | None, **options: Any) -> Any:
    """``cls(seed=seed, **options)`` (an Optuna sampler class) whose trials each draw from their own seed."""

    class PerTrial(cls):  # type: ignore[misc, valid-type]
        def before_trial(self, study: Any, trial: Any) -> None:
            reseed_for(self, seed, trial)
            super().before_trial(study, trial)

        def __reduce__(self) -> tuple[Any, ...]:
            # a class made here cannot be pickled by name: the sampler is built again (every trial reseeds it, so
            # a new one draws what this one would)
            return _built_again, (getattr(self, "_descend_rebuild", functools.partial(per_trial, cls)), seed,
                                  dict(options))

    PerTrial.__name__ = PerTrial.__qualname__ = cls.__name__
    return PerTrial(seed=seed, **options)


def _built_again(rebuild: Any, seed: int | None, options: dict[str, Any]) -> Any:
    """A pickled :func:`per_trial` sampler, built again by ``rebuild(seed, **options)``."""
    return rebuild(seed, **options)
