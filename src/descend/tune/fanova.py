"""Optuna's fANOVA parameter importances, the same numbers to round-off, 5-40× faster (the more trials, the more).

Optuna's :class:`optuna.importance.FanovaImportanceEvaluator` fits a random forest to the trials (scikit-learn's,
64 trees) and, for each parameter θ and each tree, the variance of the tree's prediction marginalised over
every other parameter, as a function of θ: at the midpoint m of each interval between the tree's thresholds on
θ, the prediction averaged over the rest of the space,

    f(m) = Σ_L [m ∈ L] (V_L / c_L) · v_L  /  Σ_L [m ∈ L] (V_L / c_L),

over the leaves L whose box contains m along θ, with v_L the leaf's value, V_L the volume of its box and c_L its
length along θ (a categorical θ is one-hot encoded: m and c_L then run over all of its columns). The importance of
θ is the variance of f over the midpoints, weighted by each interval's length and Σ_L [m ∈ L] V_L / c_L, divided
by the tree's own variance, averaged over the trees and normalised to sum to 1. Optuna computes each f(m) by
walking the tree in Python, node by node: 1-2 s per optimizer of a ``descend tune`` report for 128 trials, 9-15 s
for 512 (``python benchmarks/importances.py``). Here every leaf's box is found once per tree and f is evaluated at
all midpoints at once with NumPy. The forest is Optuna's own, fitted with the same seed, so
the importances are Optuna's to round-off (tests/tune/test_fanova.py compares the two).

It builds on Optuna's private ``_Fanova`` (the forest and the averaging over trees); where that is missing, in
another Optuna release, :func:`evaluator` returns Optuna's own evaluator. Imported only where importances are
computed (it imports Optuna).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import optuna

try:  # Optuna's private forest and averaging over trees, which this builds on
    from optuna.importance._fanova._fanova import _Fanova
except ImportError:  # another Optuna release: its own evaluator (evaluator())
    _Fanova = None

__all__ = ["FanovaImportanceEvaluator", "evaluator"]


def evaluator(seed: int = 0) -> optuna.importance.BaseImportanceEvaluator:
    """A seeded fANOVA importance evaluator for :func:`optuna.importance.get_param_importances`: descend's
    (:class:`FanovaImportanceEvaluator`), or Optuna's own where this Optuna release lacks what it builds on."""
    if _Fanova is not None:
        try:
            return FanovaImportanceEvaluator(seed=seed)
        except (TypeError, AttributeError):  # its private parts changed shape
            pass
    return optuna.importance.FanovaImportanceEvaluator(seed=seed)


class FanovaImportanceEvaluator(optuna.importance.FanovaImportanceEvaluator):
    """Optuna's :class:`optuna.importance.FanovaImportanceEvaluator` (the same arguments, the same forest), with
    each tree's marginal variances computed over its leaves at once (see the module's description)."""

    def __init__(self, *, n_trees: int = 64, max_depth: int = 64, seed: int | None = None) -> None:
        super().__init__(n_trees=n_trees, max_depth=max_depth, seed=seed)
        if _Fanova is not None:
            self._evaluator = _LeafFanova(n_trees=n_trees, max_depth=max_depth, min_samples_split=2,
                                          min_samples_leaf=1, seed=seed)


class _LeafFanova(_Fanova or object):  # type: ignore[misc]
    """Optuna's ``_Fanova`` with :class:`_LeafTree` in place of its trees."""

    def fit(self, X: np.ndarray, y: np.ndarray, search_spaces: np.ndarray,  # noqa: N803 (Optuna's names)
            column_to_encoded_columns: list[np.ndarray]) -> None:
        self._forest.fit(X, y)
        self._trees = [_LeafTree(e.tree_, search_spaces) for e in self._forest.estimators_]
        self._column_to_encoded_columns = column_to_encoded_columns
        self._variances = {}
        if all(tree.variance == 0 for tree in self._trees):  # as Optuna: nothing varies, nothing to rank
            raise RuntimeError("Encountered zero total variance in all trees.")


class _LeafTree:
    """One fitted tree as its leaves: each leaf's value, the box it covers in the search space (for volumes) and
    the thresholds that lead to it (for which points it holds: x ≤ t goes left, as scikit-learn decides)."""

    def __init__(self, tree: Any, search_spaces: np.ndarray) -> None:
        n_nodes, n_features = tree.node_count, len(search_spaces)
        feature, threshold = tree.feature, tree.threshold
        left, right = tree.children_left, tree.children_right
        box = np.empty((n_nodes, n_features, 2))
        box[0] = search_spaces
        reach = np.empty((n_nodes, n_features, 2))
        reach[0, :, 0], reach[0, :, 1] = -np.inf, np.inf
        splits: list[set[float]] = [set() for _ in range(n_features)]
        for node in range(n_nodes):  # a parent always comes before its children
            f = feature[node]
            if f < 0:
                continue
            t = threshold[node]
            splits[f].add(t)
            for child, side in ((left[node], 1), (right[node], 0)):
                box[child], reach[child] = box[node], reach[node]
                box[child, f, side] = reach[child, f, side] = t
        leaves = np.nonzero(feature < 0)[0]
        self.values = tree.value.reshape(n_nodes, -1)[leaves, 0].astype(np.float64)
        self.box, self.reach = box[leaves], reach[leaves]
        self.volume = np.prod(self.box[:, :, 1] - self.box[:, :, 0], axis=1)
        self.midpoints, self.sizes = [], []
        for f, values in enumerate(splits):
            edges = np.concatenate(([search_spaces[f, 0]], np.sort(np.array(list(values), dtype=np.float64)),
                                    [search_spaces[f, 1]]))
            self.midpoints.append(0.5 * (edges[1:] + edges[:-1]))
            self.sizes.append(edges[1:] - edges[:-1])
        average = np.average(self.values, weights=self.volume)
        self.variance = float(np.average((self.values - average) ** 2, weights=self.volume))

    def get_marginal_variance(self, features: np.ndarray) -> float:
        """The variance of the prediction marginalised over every feature but ``features``, as a function of
        them, over the midpoints between the tree's thresholds on them."""
        features = list(np.atleast_1d(features))
        points = np.array(list(itertools.product(*(self.midpoints[f] for f in features))))  # [P, |features|]
        sizes = np.prod(np.array(list(itertools.product(*(self.sizes[f] for f in features)))), axis=1)
        low, high = self.reach[:, features, 0], self.reach[:, features, 1]  # [L, |features|]
        holds = np.all((points[:, None, :] > low[None]) & (points[:, None, :] <= high[None]), axis=2)  # [P, L]
        length = np.prod(self.box[:, features, 1] - self.box[:, features, 0], axis=1)
        weights = np.where(holds, self.volume / length, 0.0)
        total = weights.sum(axis=1)
        values = (weights @ self.values) / total
        weights = total * sizes
        average = np.average(values, weights=weights)
        return float(np.average((values - average) ** 2, weights=weights))
