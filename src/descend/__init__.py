"""descend: train, compare and see gradient-based optimizers.

Parts:
- :mod:`descend.optim` — optimizers as pure update rules with a run axis, and torch.optim-compatible classes.
- :mod:`descend.losses` — losses (the cost J and friends) with one value per run.
- :mod:`descend.schedules` — schedules as plain functions of the step, for any hyperparameter.
- :mod:`descend.clipping` — gradient clipping by value, norm and global norm, per run.
"""

__version__ = "0.1.0"
