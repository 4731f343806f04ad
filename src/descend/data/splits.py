"""Train / validation / test splits, features and regression targets standardised on the training split."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from .dataset import Dataset, _fraction, _whole

# ---------------------------------------------------------------------------------------------------------------
# Train / validation / test split
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Splits:
    """A train/validation/test split of one data set.

    ``validation`` and ``test`` have 0 samples when their fraction is 0. With ``standardize=True``, ``mean``
    and ``std`` (``[D]``, in the features' dtype) are the per-feature mean and standard deviation of the
    *training* features (std of a constant feature taken as 1), and every split's x is ``(x - mean) / std``;
    otherwise both are ``None``.

    With ``standardize_target=True`` (regression only), ``target_mean`` and ``target_std`` are the mean and
    standard deviation of the *training* targets (0-d for a target ``[m]``, ``[out]`` per column for
    ``[m, out]``; in the targets' dtype; std of a constant target taken as 1) and every split's y is
    ``(y - target_mean) / target_std``; a prediction ŷ maps back to the original units as
    ``ŷ·target_std + target_mean``. Otherwise both are ``None``.

    ``feature_moments``: ``(mean, std)`` of the training features in float64, as computed, before their rounding
    to the features' dtype: what scaled every split (``(x.double() - mean) / std``, then the features' dtype), so
    that new rows scaled with them are scaled as the training ones were, to the bit.
    """

    train: Dataset
    validation: Dataset
    test: Dataset
    mean: torch.Tensor | None = None
    std: torch.Tensor | None = None
    target_mean: torch.Tensor | None = None
    target_std: torch.Tensor | None = None
    feature_moments: tuple[torch.Tensor, torch.Tensor] | None = None

    @property
    def target_standardized(self) -> bool:
        """Whether the targets are standardised (``target_mean`` and ``target_std`` are set)."""
        return self.target_mean is not None and self.target_std is not None


def _share(name: str, fraction: float, m: int) -> int:
    """round(fraction * m) samples, at least 1 when the fraction is positive."""
    if fraction == 0:
        return 0
    return max(1, int(round(fraction * m)))


def _samples(k: int) -> str:
    return f"{k} sample" + ("" if k == 1 else "s")


def split(
    dataset: Dataset,
    *,
    validation: float = 0.2,
    test: float = 0.2,
    seed: int = 0,
    standardize: bool = False,
    standardize_target: bool = False,
) -> Splits:
    """Split ``dataset`` into train, validation and test sets.

    The rule: ``perm = torch.randperm(m, generator=torch.Generator().manual_seed(seed))``; the validation set
    is ``perm[:v]``, the test set ``perm[v:v + t]`` and the training set the rest, each kept in the original
    row order, where ``v = round(validation * m)`` and ``t = round(test * m)`` (at least 1 sample when the
    fraction is positive). No stratification.

    ``validation`` and ``test`` are fractions in [0, 1) summing to less than 1, and the training set must
    keep at least one sample. With ``standardize=True`` the features are standardized with the training
    set's mean and std (population std; a constant feature gets std 1), applied to all three splits. With
    ``standardize_target=True`` (``kind="regression"`` only) so are the targets, per target column, with
    the training targets' mean and std (:attr:`Splits.target_mean`, :attr:`Splits.target_std`): the cost
    is then in units of the target's spread, whatever its scale, so that a learning rate means the same
    for every data set and optimizers that move about lr per step (Adam, RMSprop) are not handicapped by a
    target in the hundreds.
    """
    if not isinstance(dataset, Dataset):
        raise ValueError(f"dataset must be a Dataset (build one with as_dataset(x, y)), not {type(dataset).__name__}")
    validation = _fraction("validation", validation)
    test = _fraction("test", test)
    if validation + test >= 1:
        raise ValueError(
            f"validation={validation:g} and test={test:g} sum to {validation + test:g}; they must sum to less "
            "than 1 so that samples are left for training"
        )
    seed = _whole("seed", seed, 0, "a non-negative int")
    if not isinstance(standardize, bool):
        raise ValueError(f"standardize={standardize!r} must be True or False")
    if not isinstance(standardize_target, bool):
        raise ValueError(f"standardize_target={standardize_target!r} must be True or False")
    if standardize_target and dataset.kind != "regression":
        raise ValueError(f"standardize_target=True standardises regression targets; this data set is "
                         f"kind={dataset.kind!r} (its targets are class labels)")
    m = len(dataset)
    if m == 0:
        raise ValueError("dataset is empty (0 samples); there is nothing to split")
    n_val, n_test = _share("validation", validation, m), _share("test", test, m)
    n_train = m - n_val - n_test
    if n_train < 1:
        raise ValueError(
            f"validation={validation:g} ({_samples(n_val)}) and test={test:g} ({_samples(n_test)}) of {_samples(m)} "
            "leave no training samples; lower the fractions or use more data"
        )
    perm = torch.randperm(m, generator=torch.Generator().manual_seed(seed))
    parts = [perm[n_val + n_test :], perm[:n_val], perm[n_val : n_val + n_test]]
    train, val, tst = (dataset.subset(torch.sort(p).values) for p in parts)
    mean = std = target_mean = target_std = moments = None
    if standardize:
        mean, std = _moments(train.x)

        def scale(ds: Dataset) -> Dataset:
            z = (ds.x.to(torch.float64) - mean) / std
            return dataclasses.replace(ds, x=z.to(ds.x.dtype))

        train, val, tst = scale(train), scale(val), scale(tst)
        moments = (mean, std)
        mean, std = mean.to(dataset.x.dtype), std.to(dataset.x.dtype)
    if standardize_target:
        y = train.y.to(torch.float64)
        target_mean, target_std = _moments(y if y.ndim == 2 else y.unsqueeze(1))
        if y.ndim == 1:
            target_mean, target_std = target_mean[0], target_std[0]

        def scale_target(ds: Dataset) -> Dataset:
            z = (ds.y.to(torch.float64) - target_mean) / target_std
            return dataclasses.replace(ds, y=z.to(ds.y.dtype))

        train, val, tst = scale_target(train), scale_target(val), scale_target(tst)
        target_mean, target_std = target_mean.to(dataset.y.dtype), target_std.to(dataset.y.dtype)
    return Splits(train, val, tst, mean, std, target_mean, target_std, moments)


def _moments(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-column mean and population std (float64) of ``x [m, D]``; a constant column gets its value as the
    mean (so that it becomes exactly 0) and std 1. (scikit-learn's StandardScaler leaves a constant column
    at round-off from 0; the split itself draws with torch's generator, as the batch plans do, so that one
    seed means the same thing everywhere in descend.)"""
    x = x.to(torch.float64)
    mean = x.mean(dim=0)
    std = x.std(dim=0, correction=0)
    low = x.amin(dim=0)
    constant = (x.amax(dim=0) == low) | (std == 0)
    mean = torch.where(constant, low, mean)  # exactly the constant, so the column becomes exactly 0
    std = torch.where(constant, torch.ones_like(std), std)
    return mean, std
