"""Which points of a long line are drawn: each stretch's lowest and highest value (min-max decimation), shared by
the static figures and the page's charts so that both show the same spikes of a long run. NumPy only."""

from __future__ import annotations

import numpy as np


def extremes(values: np.ndarray, limit: int) -> np.ndarray:
    """At most about ``limit`` indices of ``values`` (all of them when there are no more): the first and the last,
    and in each of ``limit // 2`` stretches of consecutive steps its lowest and highest value, in order. A spike or
    a plateau of a long run stays at its own step and height, where evenly spaced points pass over it (9 of a
    60,000-step run's 1,093 steps above 1e-6 after step 20,000, its highest value missed by 25×). NaN is neither
    lowest nor highest (a stretch of NaN alone keeps its first step).

    >>> extremes(np.array([0.0, 5.0, 1.0, 1.0, 2.0, -3.0, 1.0, 1.0, 1.0]), 4).tolist()
    [0, 1, 5, 6, 8]
    >>> extremes(np.array([3.0, 1.0]), 4).tolist()
    [0, 1]
    """
    n = len(values)
    if n <= limit:
        return np.arange(n)
    stretches = max(1, limit // 2)
    size = -(-n // stretches)  # steps per stretch, the last one shorter
    padded = np.full(stretches * size, np.nan)
    padded[:n] = values
    rows = padded.reshape(stretches, size)
    start = np.arange(stretches) * size
    lowest = np.where(np.isnan(rows), np.inf, rows).argmin(axis=1)
    highest = np.where(np.isnan(rows), -np.inf, rows).argmax(axis=1)
    index = np.concatenate([[0, n - 1], start + lowest, start + highest])
    return np.unique(index[index < n])
