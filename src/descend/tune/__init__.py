"""Hyperparameter search on Optuna, K trials trained as one batched program: :func:`tune`.

Where an Optuna user trains one trial per process, descend asks Optuna for K trials, trains them as ONE
cohort (every parameter with a leading run axis K, every hyperparameter a tensor [K]), and tells K results.

- :mod:`descend.tune.space`: the ``--space`` mini-language and each optimizer's default space;
- :mod:`descend.tune.runner`: the cohort runner (ask K, train as one cohort, tell K; seeds from trial numbers);
- :mod:`descend.tune.pruning`: pruning as masking, decided over the whole cohort;
- :mod:`descend.tune.storage`: a journal file by default, SQLite or PostgreSQL by URL, the heartbeat;
- :mod:`descend.tune.result`: what :func:`tune` returns and writes.

Optuna is imported only when a search runs.

``descend.tune`` is also the function (``descend.tune("digits", ...)``), so a module of this package is imported
with ``from``: ``from descend.tune.result import TuneResult`` or ``from descend.tune import result``
(``import descend.tune.result as result`` finds the function where it looks for the package).
"""

from __future__ import annotations

from .api import plan, run, tune
from .space import Param, Space, default_space, parse_space

__all__ = ["Param", "Space", "default_space", "parse_space", "plan", "run", "tune"]
