r"""Data: data sets, train/validation/test splits, and the order in which mini-batches visit the samples.

Notation (the seeds'): a training set of m samples, each a row of D features x⁽ⁱ⁾ with a target y⁽ⁱ⁾; a
mini-batch of b samples; an *epoch* is one pass over the m samples. Gradient descent (GD) uses b = m (one
update per epoch), stochastic gradient descent (SGD) b = 1 (m updates per epoch) and mini-batch gradient
descent anything in between. Seed 004's regimes on m = 512 samples are ``batch_size=1`` (512 updates per
epoch), ``32`` (16 per epoch), ``512`` or ``None`` (1 per epoch) and ``hybrid()`` (32 for the first 8 epochs,
then 512).

Parts:

- :class:`Dataset` and :func:`as_dataset`: features ``x [m, D]`` and targets ``y`` from numpy arrays, torch
  tensors, lists or a pandas DataFrame, checked once (no empty set, matching lengths, finite values, targets
  that fit the kind of problem).
- :func:`split` and :class:`Splits`: a seeded train/validation/test split, optionally standardized with the
  training statistics (the features, and for regression the targets, whose mean and std the splits keep so
  that losses can be reported in the original units).
- :func:`batches`, :class:`BatchPlan`, :class:`Batch`, :class:`hybrid` and :func:`stack_plans`: the whole
  sequence of mini-batches of a training run, drawn once before training from a seed.
- :func:`from_frame` and :func:`from_csv`: a data set from a pandas DataFrame or a CSV file, text and
  category columns one-hot encoded and class labels of any type mapped to 0..C-1, every missing or bad value
  named by column, row and (for a file) line.
- :func:`load_sklearn` and :data:`SKLEARN_DATASETS`: the real data sets shipped inside scikit-learn (digits,
  breast cancer, diabetes, wine, iris).

Every bad input raises a ``ValueError`` naming the argument (and the row, column or run) and what is
allowed, before any training starts::

    >>> import torch
    >>> from descend.data import as_dataset, batches, hybrid, split
    >>> ds = as_dataset(torch.arange(20.0).reshape(10, 2), torch.arange(10.0))
    >>> ds.kind, len(ds), ds.feature_names
    ('regression', 10, ('x0', 'x1'))
    >>> parts = split(ds, validation=0.2, test=0.2, seed=0)
    >>> len(parts.train), len(parts.validation), len(parts.test)
    (6, 2, 2)
    >>> plan = batches(512, batch_size=hybrid(first=32, epochs=8, then=512), seed=0, epochs=10)
    >>> len(plan), plan.sizes[:2].tolist(), plan.sizes[-2:].tolist()
    (130, [32, 32], [512, 512])
    >>> batches(512, batch_size=600, seed=0, epochs=1)
    Traceback (most recent call last):
    ...
    ValueError: batch_size=600 is larger than the training set (512 samples); allowed: 1..512, or None for the full set

Training with a plan (the engine draws it once, before the first step)::

    for batch in plan:                    # Batch(index, epoch, step, last_in_epoch)
        xb = x[batch.index]               # index int64 [b] -> xb [b, D]; stacked over K runs: [K, b] -> [K, b, D]
        yb = y[batch.index]               # [b] / [b, out]; stacked: [K, b] / [K, b, out]
        ...                               # one update; if batch.last_in_epoch: evaluate "every epoch"
"""

from __future__ import annotations

from .batches import Batch, BatchPlan, batches, hybrid, stack_plans  # noqa: F401
from .bundled import SKLEARN_DATASETS, load_sklearn  # noqa: F401
from .dataset import KINDS, BatchSize, Dataset, Kind, as_dataset, check_converted, check_values  # noqa: F401
from .splits import Splits, split  # noqa: F401
from .tables import DataError, features_of, from_csv, from_frame, read_rows  # noqa: F401

__all__ = [
    "KINDS",
    "Dataset",
    "as_dataset",
    "check_converted",
    "check_values",
    "Splits",
    "split",
    "hybrid",
    "Batch",
    "BatchPlan",
    "batches",
    "stack_plans",
    "from_frame",
    "from_csv",
    "features_of",
    "read_rows",
    "DataError",
    "load_sklearn",
    "SKLEARN_DATASETS",
]
