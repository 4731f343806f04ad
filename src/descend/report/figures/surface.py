"""The cost surface of a two-parameter problem with every optimizer's path: contours and a 3-D view."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib import colors as mcolors
from matplotlib import patheffects, ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ... import outcomes
from .. import overlap
from ..colours import colours as palette_of
from ..colours import markers as marker_shapes
from .curves import _thin
from .style import (
    DIVERGED_MARK,
    POINT_STYLES,
    STATUS_MARKS,
    _check_title,
    _legend,
    _status_handles,
    _styled,
    _suptitle,
)

# ---------------------------------------------------------------------------------------------------------
# Landscapes
# ---------------------------------------------------------------------------------------------------------


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


def _path_colours(run_labels: Mapping[object, str], given: Mapping[str, str] | None) -> dict[str, str]:
    """The colour of every path label: ``given``, else the palette of the labels' optimizers."""
    labels = list(dict.fromkeys(run_labels.values()))
    if given is None:
        return palette_of(labels)
    missing = [label for label in labels if label not in given]
    if missing:
        raise ValueError(f"colours has no colour for {', '.join(map(repr, missing))}")
    return {label: given[label] for label in labels}


def _failed(paths: Mapping, status: Mapping[object, str] | None) -> dict:
    """run → status of the paths' runs that do not count."""
    if status is None:
        return {}
    if not isinstance(status, Mapping):
        raise ValueError(f"status must be a dict (run -> status), not {type(status).__name__}")
    return {run: str(status[run]) for run in paths if run in status and not outcomes.counts(str(status[run]))}


def _legend_name(label: str, run_labels: Mapping[object, str], failed: Mapping[object, str]) -> str:
    """A path label in the legend, with the status of its run when the run does not count."""
    words = [outcomes.STATUSES.get(failed[run], failed[run]) for run, mine in run_labels.items()
             if mine == label and run in failed]
    return f"{label} — {', '.join(dict.fromkeys(words))}" if words else label


def _start_point(start: object, paths: dict) -> np.ndarray | None:
    if start is not None:
        point = _numpy(start).reshape(-1)
        if point.shape != (2,):
            raise ValueError(f"start must be a point (a, b), not {start!r}")
        return point
    firsts = np.array([xy[0] for xy in paths.values()])
    if len(firsts) and np.isfinite(firsts).all() and np.allclose(firsts, firsts[0]):
        return firsts[0]
    return None


def _contour_panel(fig: Figure, ax, grid: _Grid, *, colorbar: bool = True) -> None:
    extend = "min" if grid.log else "neither"
    filled = ax.contourf(grid.A, grid.B, grid.Z, levels=grid.levels, norm=grid.norm, cmap="viridis", extend=extend)
    ax.contour(grid.A, grid.B, grid.Z, levels=grid.levels[::3], colors="white", linewidths=0.4, alpha=0.45)
    if colorbar:
        name = "J − min J (log colour scale)" if grid.log else "J"
        # round ticks: a contour set's colour bar would otherwise be ticked at its levels (92.1, 184.1, ...)
        ticks = (dict(ticks=ticker.LogLocator(), format=ticker.LogFormatterSciNotation()) if grid.log
                 else dict(ticks=ticker.MaxNLocator(7), format=ticker.FuncFormatter(lambda v, _: f"{v:.4g}")))
        fig.colorbar(filled, ax=ax, label=name, shrink=0.9, **ticks)
    (a0, a1), (b0, b1) = grid.domain
    ax.set_xlim(a0, a1)
    ax.set_ylim(b0, b1)
    ratio = (b1 - b0) / (a1 - a0)
    if 1 / 3 <= ratio <= 3:
        ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)  # nothing drawn later (a diverged path) may move the view
    ax.set_xlabel(grid.names[0])
    ax.set_ylabel(grid.names[1])
    ax.grid(False)


def _critical_points(grid: _Grid) -> dict[str, np.ndarray]:
    """The known critical points inside the domain, by kind (in the order of POINT_STYLES)."""
    out = {}
    for kind in POINT_STYLES:
        xy = np.array([_numpy(p).reshape(-1) for k, p in grid.points if k == kind]).reshape(-1, 2)
        xy = xy[grid.inside(xy)] if len(xy) else xy
        if len(xy):
            out[kind] = xy
    return out


def _point_handles(ax, grid: _Grid, lift: Callable | None = None) -> list:
    """Draw the known critical points (minima as stars, saddles as ×); legend handles for the kinds."""
    handles = []
    for kind, xy in _critical_points(grid).items():
        marker, size, face, name = POINT_STYLES[kind]
        style = dict(marker=marker, markersize=size, markerfacecolor=face, markeredgecolor="black",
                     markeredgewidth=0.8, linestyle="none", zorder=6)
        if lift is None:
            ax.plot(xy[:, 0], xy[:, 1], **style)
        else:
            ax.plot(xy[:, 0], xy[:, 1], lift(xy), **style)
        handles.append(Line2D([], [], label=name, **style))
    return handles


#: The white edge drawn under every path, so that it stands out from contours of its own colour.
HALO = (patheffects.Stroke(linewidth=4.2, foreground="white", alpha=0.85), patheffects.Normal())
#: How many of its marker shapes a path carries between its start and its end.
PATH_MARKS = 8


def _path_width(k: int, n: int) -> float:
    """The k-th of n paths' line width: each narrower than the one drawn before it, so that a path drawn
    over an earlier one leaves it showing as an edge."""
    return max(1.0, 3.0 - 1.8 * k / max(n - 1, 1))


def _marks_at(count: int, k: int, n: int) -> list[int]:
    """Where the k-th of n paths of ``count`` points carries its marker: PATH_MARKS times, evenly, each path
    starting a little later than the one before, so markers of paths on top of each other fall side by side;
    never on the start or the end (they have marks of their own)."""
    if count < 3:
        return []
    spacing = (count - 1) / (PATH_MARKS + 1)
    at = np.arange(1, PATH_MARKS + 1) * spacing + spacing * (k / max(n, 1) - 0.5)
    at = np.unique(np.clip(np.round(at), 1, count - 2).astype(int))
    return at.tolist()


def _path_markers(run_labels: Mapping[object, str], given: Mapping[str, str] | None) -> dict[str, str]:
    """The marker shape of every path label: ``given``, else :func:`descend.report.colours.markers` of the
    labels in the order of the paths."""
    labels = list(dict.fromkeys(run_labels.values()))
    if given is None:
        return marker_shapes(labels)
    missing = [label for label in labels if label not in given]
    if missing:
        raise ValueError(f"markers has no marker for {', '.join(map(repr, missing))}")
    return {label: given[label] for label in labels}


def _coincide_note(ax, paths: Mapping[object, np.ndarray], run_labels: Mapping[object, str], grid) -> str:
    """Name, above the contour panel, the paths that lie on top of each other; returns the note."""
    named = {}
    for run, xy in paths.items():
        named.setdefault(run_labels[run], xy)
    text = overlap.note(overlap.coinciding(named, grid.domain))
    if text:
        ax.set_title("\n".join(textwrap.wrap(text, 70)), fontsize=8, color="0.2")
    return text


START_STYLE = dict(marker="o", markersize=10, markerfacecolor="white", markeredgecolor="black",
                   markeredgewidth=1.5, linestyle="none", zorder=7)


@_styled
def landscape(
    surface: object,
    paths: Mapping[object, np.ndarray],
    labels: Mapping[object, str],
    *,
    title: str = "",
    start: Sequence[float] | None = None,
    cost: Callable | None = None,
    n: int = 150,
    status: Mapping[object, str] | None = None,
    colours: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
) -> Figure:
    """A 2-D landscape with every run's path: left, filled contours (log colours of J − min J + ε when
    ``surface.log_scale``) with each path as a line in its label's colour (``colours``, label → colour, else
    :func:`descend.report.colours.colours` of the labels), a small hollow circle at its start and a dot at
    its end, the common start (or ``start``) as a large white circle, known minima as stars, saddles as ×,
    maxima as triangles; right, the 3-D surface (z = J, coloured as the contours) with the paths lifted
    onto it.

    So that no path hides another, each path has a white edge, is drawn narrower than the one before it,
    carries its label's marker shape (``markers``, label → matplotlib marker, else
    :func:`descend.report.colours.markers` of the labels) PATH_MARKS times, at places that differ from path
    to path, and ends on that shape, larger; paths that coincide (:func:`descend.report.overlap.coinciding`)
    are named above the contours.

    ``status`` (run → status, see :mod:`descend.outcomes`) marks a run that does not count with its
    status's mark (× diverged, ◆ left the model's domain) at its end, or where it last left the plotted
    domain, and names the status in the legend; a path is never called diverged for leaving the plot.

    The heights of the path points come from ``cost(a, b)`` (float64 tensors in, a tensor out), else from
    ``surface.cost`` if it has one, else from bilinear interpolation of the grid. Both panels show exactly
    the domain: a path that leaves it is cut at the axes and never rescales them. ``n`` is the grid
    resolution per axis.
    """
    title = _check_title(title)
    grid = _Grid(surface, n)
    paths = _check_paths(paths, labels)
    start_xy = _start_point(start, paths)
    cost = cost if cost is not None else getattr(surface, "cost", None)
    if cost is not None and not callable(cost):
        raise ValueError(f"cost must be callable (a, b) -> tensor, not {cost!r}")

    def lift(xy: np.ndarray) -> np.ndarray:
        if cost is None:
            j = grid.interpolate(xy)
        else:
            j = _cost_at(cost, xy)
            j = np.where(grid.inside(xy), j, np.nan)
        return j

    run_labels = {run: str(labels[run]) for run in paths}
    colours = _path_colours(run_labels, colours)
    failed = _failed(paths, status)
    fig = Figure(figsize=(13, 5.6), layout="constrained")
    ax = fig.add_subplot(1, 2, 1)
    ax3 = fig.add_subplot(1, 2, 2, projection="3d", computed_zorder=False)
    _contour_panel(fig, ax, grid)

    # z = J on a linear scale, coloured like the contours (log colours on a log landscape: a log z would
    # alias a narrow valley into spikes)
    facecolors = matplotlib.colormaps["viridis"](grid.norm(grid.Z))
    ax3.plot_surface(grid.A, grid.B, grid.J, facecolors=facecolors, rcount=60, ccount=60, linewidth=0,
                     antialiased=False, shade=False, alpha=0.9, zorder=1, rasterized=True)
    heights = grid.J[np.isfinite(grid.J)]
    (a0, a1), (b0, b1) = grid.domain
    ax3.set_xlim(a0, a1)
    ax3.set_ylim(b0, b1)
    ax3.set_zlim(float(heights.min()), float(heights.max()))
    ax3.set_autoscale_on(False)
    ax3.set_xlabel(grid.names[0])
    ax3.set_ylabel(grid.names[1])
    ax3.set_zlabel("J")

    shapes = _path_markers(run_labels, markers)
    for k, (run, xy) in enumerate(paths.items()):
        colour, shape = colours[run_labels[run]], shapes[run_labels[run]]
        kept, left = _clip_path(xy, grid)
        if len(kept) == 0:
            continue
        keep = _thin(len(kept))
        width = _path_width(k, len(paths))
        ax.plot(kept[keep, 0], kept[keep, 1], color=colour, linewidth=width, zorder=4 + 0.01 * k,
                path_effects=HALO, solid_capstyle="round")
        marked = kept[keep][_marks_at(len(keep), k, len(paths))]
        ax.plot(marked[:, 0], marked[:, 1], color=colour, linestyle="none", marker=shape, markersize=5.5,
                markeredgecolor="white", markeredgewidth=0.7, zorder=4.5 + 0.01 * k)
        ax.plot(kept[:1, 0], kept[:1, 1], color=colour, marker="o", markersize=5, markerfacecolor="none",
                markeredgewidth=1.2, linestyle="none", zorder=5)
        end = left if left is not None else kept[-1]
        if run in failed:
            ax.plot([end[0]], [end[1]], color=colour, clip_on=False, zorder=6,
                    **STATUS_MARKS.get(failed[run], DIVERGED_MARK))
        elif left is None:
            ax.plot(kept[-1:, 0], kept[-1:, 1], color=colour, marker=shape, markersize=9, markeredgecolor="white",
                    markeredgewidth=1.0, linestyle="none", zorder=5.5)
        lifted = kept[keep].copy()
        z = lift(lifted)
        lifted[~grid.inside(lifted)] = np.nan  # 3-D axes do not clip: break the line outside the domain
        ax3.plot(lifted[:, 0], lifted[:, 1], z, color=colour, linewidth=width, zorder=4)
    _coincide_note(ax, paths, run_labels, grid)

    handles = [Line2D([], [], color=colour, linewidth=1.8, marker=shapes[label], markersize=6,
                      markeredgecolor="white", markeredgewidth=0.7, label=_legend_name(label, run_labels, failed))
               for label, colour in colours.items()]
    if start_xy is not None:
        ax.plot([start_xy[0]], [start_xy[1]], **START_STYLE)
        handles.append(Line2D([], [], label="start", **START_STYLE))
    handles += _point_handles(ax, grid)
    _point_handles(ax3, grid, lift)
    handles += _status_handles(failed.values())
    _legend(fig, handles, ncols=min(len(handles), 7))
    _suptitle(fig, title, f"landscape over ({grid.names[0]}, {grid.names[1]}) with every optimizer's path")
    return fig
