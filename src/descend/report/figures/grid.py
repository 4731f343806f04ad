"""A cost surface on a grid, what the figures of a landscape draw from it, and :class:`Evaluated`, a surface
evaluated once where a report's figures need it. Only numpy and matplotlib's colours: the process that writes a
report evaluates its surface with this module, without importing the figures' modules."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Mapping

import numpy as np
from matplotlib import colors as mcolors

#: Markers of the critical points of a landscape: kind -> (marker, size, face colour, legend name).
POINT_STYLES = {
    "minimum": ("*", 15, "gold", "minimum"),
    "ground truth": ("*", 15, "gold", "ground truth"),  # what generated the data (the ellipse's): near a minimum
    "saddle": ("X", 9, "black", "saddle"),
    "maximum": ("^", 9, "white", "maximum"),
    "degenerate": ("D", 8, "silver", "degenerate point"),
}
MAX_POINTS = 2000  # a line longer than this is thinned (every k-th point; never smoothed)


def _thin(n: int, values: np.ndarray | None = None) -> np.ndarray:
    """Indices of at most about MAX_POINTS points, the last one included: with the line's ``values``, each stretch's
    lowest and highest (:func:`descend.report.thinning.extremes`, as the page's charts draw them), else evenly
    spaced ones."""
    if n <= MAX_POINTS:
        return np.arange(n)
    if values is not None:
        from ..thinning import extremes

        return extremes(np.asarray(values, dtype=float), MAX_POINTS)
    index = np.arange(0, n, math.ceil(n / MAX_POINTS))
    return index if index[-1] == n - 1 else np.append(index, n - 1)


def _numpy(t: object) -> np.ndarray:
    torch = sys.modules.get("torch")  # a tensor exists only once torch is imported: never imported here
    if torch is not None and isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    return np.asarray(t, dtype=float)


def _cost_at(cost: Callable, xy: np.ndarray) -> np.ndarray:
    """``cost`` (float64 tensors a, b in, a tensor out; or :class:`_Heights`) at the points ``xy`` [m, 2]."""
    if isinstance(cost, _Heights):
        return cost.at(xy)
    import torch

    a, b = (torch.as_tensor(xy[:, d], dtype=torch.float64) for d in range(2))
    return _numpy(cost(a, b)).reshape(-1)


class _Heights:
    """A cost known at given points only: what :class:`Evaluated` computed where a landscape lifts them."""

    def __init__(self) -> None:
        self.known: dict[tuple, np.ndarray] = {}

    @staticmethod
    def _key(xy: np.ndarray) -> tuple:
        xy = np.ascontiguousarray(xy, dtype=float)
        return xy.shape, xy.tobytes()

    def add(self, xy: np.ndarray, values: np.ndarray) -> None:
        self.known[self._key(xy)] = np.asarray(values)

    def at(self, xy: np.ndarray) -> np.ndarray:
        try:
            return self.known[self._key(xy)].copy()
        except KeyError:
            raise KeyError(f"the cost was not evaluated at these {len(xy)} points beforehand (Evaluated was made for "
                           "other paths)") from None

    def __call__(self, a: object, b: object) -> np.ndarray:
        return self.at(np.stack([_numpy(a).reshape(-1), _numpy(b).reshape(-1)], axis=1))


class Evaluated:
    """A surface evaluated where a report's figures need it: its grids at the resolutions ``sizes`` and its cost
    at the points where :func:`landscape` lifts ``paths`` onto the 3-D view. It draws exactly what ``surface``
    draws (the same numbers), and it is plain data: it can be sent to a process that draws figures without
    importing torch, and a grid needed twice (a GIF and an MP4) is computed once."""

    def __init__(self, surface: object, sizes: Iterable[int], paths: Mapping[object, np.ndarray] | None = None):
        for attr in ("names", "domain", "grid"):
            if not hasattr(surface, attr):
                raise ValueError(
                    f"surface has no attribute {attr!r} (it needs names, domain, log_scale, points and grid(n))"
                )
        self.names = surface.names
        self.domain = surface.domain
        self.log_scale = bool(getattr(surface, "log_scale", False))
        self.points = tuple(getattr(surface, "points", ()) or ())
        self._grids = {int(n): tuple(_numpy(t) for t in surface.grid(int(n))) for n in dict.fromkeys(sizes)}
        cost = getattr(surface, "cost", None)
        self.cost = None if callable(cost) else cost  # a cost that is not a function is refused as before
        if callable(cost) and paths and self._grids:
            self.cost = _Heights()
            grid = _Grid(self, next(iter(self._grids)))
            for xy in _lifted_points(_check_paths(paths, {run: run for run in paths}), grid):
                self.cost.add(xy, _cost_at(cost, xy))

    def grid(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if n not in self._grids:
            raise ValueError(f"this surface was evaluated on grids of {sorted(self._grids)} points a side, not {n}")
        return tuple(g.copy() for g in self._grids[n])


def _lifted_points(paths: Mapping[object, np.ndarray], grid: "_Grid") -> list[np.ndarray]:
    """The points :func:`landscape` lifts onto its 3-D view: each path as drawn, then the critical points."""
    out = []
    for xy in paths.values():
        kept, _ = _clip_path(xy, grid)
        if len(kept):
            out.append(kept[_thin(len(kept))].copy())
    return out + list(_critical_points(grid).values())


class _Grid:
    """A surface evaluated on an n × n grid with its colour values (J − min J + ε when log_scale)."""

    def __init__(self, surface: object, n: int):
        for attr in ("names", "domain", "grid"):
            if not hasattr(surface, attr):
                raise ValueError(
                    f"surface has no attribute {attr!r} (it needs names, domain, log_scale, points and grid(n))"
                )
        if not isinstance(n, int) or n < 3:
            raise ValueError(f"n={n!r} must be an int >= 3 (grid points per axis)")
        try:
            (a0, a1), (b0, b1) = surface.domain
            self.domain = ((float(a0), float(a1)), (float(b0), float(b1)))
        except (TypeError, ValueError):
            raise ValueError(f"surface.domain must be ((a0, a1), (b0, b1)), not {surface.domain!r}") from None
        if not all(lo < hi for lo, hi in self.domain):
            raise ValueError(f"surface.domain must have low < high on both axes, not {surface.domain!r}")
        self.names = tuple(map(str, surface.names))
        if len(self.names) != 2:
            raise ValueError(f"surface.names must be two parameter names, not {surface.names!r}")
        self.A, self.B, self.J = (_numpy(t) for t in surface.grid(n))
        if not (self.A.shape == self.B.shape == self.J.shape == (n, n)):
            raise ValueError(f"surface.grid({n}) must return three [{n}, {n}] arrays")
        finite = self.J[np.isfinite(self.J)]
        if len(finite) == 0:
            raise ValueError("surface.grid returned no finite value")
        self.jmin, jmax = float(finite.min()), float(finite.max())
        self.log = bool(getattr(surface, "log_scale", False)) and jmax > self.jmin
        self.eps = max(jmax - self.jmin, 1.0) * 1e-9
        self.Z = self.colour_values(self.J)
        if self.log:
            top = float(np.nanmax(self.Z))
            self.levels = np.geomspace(max(float(np.nanmin(self.Z)), top * 1e-6), top, 31)  # 5 levels a decade
            self.norm = mcolors.LogNorm(self.levels[0], self.levels[-1])
        else:
            self.levels = np.linspace(self.jmin, jmax if jmax > self.jmin else self.jmin + 1, 30)
            self.norm = mcolors.Normalize(self.levels[0], self.levels[-1])
        self.points = tuple(getattr(surface, "points", ()) or ())

    def colour_values(self, j: np.ndarray) -> np.ndarray:
        return np.maximum(j - self.jmin, 0) + self.eps if self.log else j

    def inside(self, xy: np.ndarray) -> np.ndarray:
        (a0, a1), (b0, b1) = self.domain
        return (xy[:, 0] >= a0) & (xy[:, 0] <= a1) & (xy[:, 1] >= b0) & (xy[:, 1] <= b1)

    def interpolate(self, xy: np.ndarray) -> np.ndarray:
        """J at points (bilinear on the grid; NaN outside the domain)."""
        (a0, a1), (b0, b1) = self.domain
        n = self.J.shape[0]
        u = (xy[:, 0] - a0) / (a1 - a0) * (n - 1)
        v = (xy[:, 1] - b0) / (b1 - b0) * (n - 1)
        out = np.full(len(xy), np.nan)
        ok = self.inside(xy)
        i0 = np.clip(np.floor(u[ok]).astype(int), 0, n - 2)
        j0 = np.clip(np.floor(v[ok]).astype(int), 0, n - 2)
        fu, fv = u[ok] - i0, v[ok] - j0
        J = self.J  # indexing "xy": J[row = b index, column = a index]
        out[ok] = ((1 - fu) * (1 - fv) * J[j0, i0] + fu * (1 - fv) * J[j0, i0 + 1]
                   + (1 - fu) * fv * J[j0 + 1, i0] + fu * fv * J[j0 + 1, i0 + 1])
        return out


def _exit(p: np.ndarray, q: np.ndarray, box: tuple) -> np.ndarray:
    """Where the segment p → q (p inside ``box``, q outside) leaves the box."""
    t = 1.0
    for d, (lo, hi) in enumerate(box):
        if q[d] > hi:
            t = min(t, (hi - p[d]) / (q[d] - p[d]))
        elif q[d] < lo:
            t = min(t, (lo - p[d]) / (q[d] - p[d]))
    return p + t * (q - p)


def _check_paths(paths: object, labels: object) -> dict:
    if not isinstance(paths, Mapping) or not isinstance(labels, Mapping):
        raise ValueError("paths and labels must be dicts keyed by run")
    out = {}
    for run, path in paths.items():
        xy = _numpy(path)
        if xy.ndim != 2 or xy.shape[1] != 2 or len(xy) == 0:
            raise ValueError(f"paths[{run!r}] must be an array of shape [T + 1, 2], not {list(xy.shape)}")
        if run not in labels:
            raise ValueError(f"labels has no entry for run {run!r}")
        out[run] = xy
    return out


def _clip_path(xy: np.ndarray, grid: _Grid) -> tuple[np.ndarray, np.ndarray | None]:
    """The part of a path to draw — up to its first non-finite point or its exit from the domain widened by
    two spans each side (ending on that box's edge) — and where it last left the plotted domain, if it
    ends outside it. Everything inside the widened box is kept, so a path that leaves the domain and comes
    back is whole; the axes are clipped to the domain anyway. Geometry only: whether the run diverged is
    its status, never read from here."""
    box = tuple((lo - 2 * (hi - lo), hi + 2 * (hi - lo)) for lo, hi in grid.domain)
    finite = np.isfinite(xy).all(axis=1)
    with np.errstate(invalid="ignore"):
        inside_box = finite & np.all([(xy[:, d] >= lo) & (xy[:, d] <= hi) for d, (lo, hi) in enumerate(box)], axis=0)
    bad = np.flatnonzero(~inside_box)
    if len(bad) == 0:
        return xy, None
    k = bad[0]
    kept = xy[:k]
    if k > 0 and finite[k]:
        kept = np.vstack([kept, _exit(xy[k - 1], xy[k], box)])
    if len(kept) == 0:
        return kept, None
    inside = grid.inside(kept)
    if not inside.any():
        return kept, None
    last = np.flatnonzero(inside)[-1]
    where = kept[last] if last == len(kept) - 1 else _exit(kept[last], kept[last + 1], grid.domain)
    return kept, where


def _critical_points(grid: _Grid) -> dict[str, np.ndarray]:
    """The known critical points inside the domain, by kind (in the order of POINT_STYLES)."""
    out = {}
    for kind in POINT_STYLES:
        xy = np.array([_numpy(p).reshape(-1) for k, p in grid.points if k == kind]).reshape(-1, 2)
        xy = xy[grid.inside(xy)] if len(xy) else xy
        if len(xy):
            out[kind] = xy
    return out
