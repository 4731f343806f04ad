"""Which drawn paths coincide: two optimizers whose paths lie on top of each other in a plot, so that a
figure can say so (one path would otherwise hide the other). Geometry of what is drawn, nothing else."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

#: Two paths coincide when no step puts them further apart than this share of the plot's diagonal.
TOLERANCE = 0.01


def coinciding(paths: Mapping[str, np.ndarray], domain: Sequence[Sequence[float]],
               tolerance: float = TOLERANCE) -> list[tuple[str, str]]:
    """The pairs of names whose paths (``[T + 1, 2]`` arrays, keyed by the name drawn) stay within
    ``tolerance`` × the diagonal of ``domain`` (``((a0, a1), (b0, b1))``) of each other at every step both
    reached with finite positions, in the order the names are given. Paths of different lengths are
    compared over their common steps, and a path with fewer than two finite positions coincides with none.
    """
    (a0, a1), (b0, b1) = domain
    limit = tolerance * math.hypot(a1 - a0, b1 - b0)
    names = list(paths)
    arrays = {name: np.asarray(paths[name], dtype=np.float64).reshape(len(paths[name]), -1) for name in names}
    pairs = []
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            p, q = arrays[first], arrays[second]
            n = min(len(p), len(q))
            both = np.isfinite(p[:n]).all(axis=1) & np.isfinite(q[:n]).all(axis=1)
            if both.sum() < 2:
                continue
            gap = np.sqrt(((p[:n][both] - q[:n][both]) ** 2).sum(axis=1))
            if float(gap.max()) <= limit:
                pairs.append((first, second))
    return pairs


#: The groups of coinciding paths a note names; it counts the others.
NOTE_GROUPS = 3


def note(pairs: Sequence[tuple[str, str]]) -> str:
    """One sentence naming the paths that coincide, as groups ("a, b and c": each pair joined with the other
    pairs it shares a path with; fourteen optimizers once made a note of twenty pairs that took a third of the
    figure), at most :data:`NOTE_GROUPS` of them ("" for none).

    >>> note([("gd", "sgd"), ("sgd", "nesterov"), ("adam", "nadam")]).partition(" (")[0]
    'gd, sgd and nesterov; adam and nadam follow the same path'
    >>> note([(f"a{k}", f"b{k}") for k in range(5)]).partition(" follow")[0]
    'a0 and b0; a1 and b1; a2 and b2 (and 2 more such groups)'
    """
    if not pairs:
        return ""
    groups: list[list[str]] = []
    for a, b in pairs:
        joined = [g for g in groups if a in g or b in g]
        merged = [name for g in joined for name in g]
        for name in (a, b):
            if name not in merged:
                merged.append(name)
        groups = [g for g in groups if g not in joined] + [merged]
    groups.sort(key=lambda g: min(i for i, pair in enumerate(pairs) if pair[0] in g))  # in the order of the pairs
    said = "; ".join(", ".join(g[:-1]) + f" and {g[-1]}" for g in groups[:NOTE_GROUPS])
    if len(groups) > NOTE_GROUPS:
        said += f" (and {len(groups) - NOTE_GROUPS} more such group{'s' if len(groups) - NOTE_GROUPS > 1 else ''})"
    return (f"{said} follow the same path (within {TOLERANCE:.0%} of the plot at every step): the later is "
            "drawn on top, the earlier shows as its wider edge")
