"""descend: train, compare and see gradient-based optimizers.

Parts:
- :mod:`descend.optim` — optimizers as pure update rules with a run axis, and torch.optim-compatible classes.
- :mod:`descend.losses` — losses (the cost J and friends) with one value per run.
- :mod:`descend.schedules` — schedules as plain functions of the step, for any hyperparameter.
- :mod:`descend.clipping` — gradient clipping by value, norm and global norm, per run.
- :mod:`descend.models` — models whose parameters carry a run axis ``[K, ...]``.
- :mod:`descend.data` — data sets, splits and batch plans.
- :func:`descend.fit` — train a sweep of K configurations as one batched program (:mod:`descend.engine`);
  :class:`descend.RunSpec` — one run as a value, for configurations that are not a grid.
- :func:`descend.tune` — hyperparameter search on Optuna, K trials trained as one batched program
  (:mod:`descend.tune`).
"""

__version__ = "0.1.0"

from . import clipping, data, landscapes, losses, models, optim, schedules  # noqa: E402
from .engine import Runs  # noqa: E402
from .fitting import fit  # noqa: E402
from .spec import RunSpec  # noqa: E402
from .tune import tune  # noqa: E402  (the function; its package is descend.tune's modules)

__all__ = ["RunSpec", "Runs", "clipping", "data", "fit", "landscapes", "losses", "models", "optim", "schedules", "tune",
           "__version__"]
