"""The cost surface of a two-parameter problem with every optimizer's path: contours and a 3-D view."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib import patheffects, ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ... import outcomes
from .. import overlap
from ..colours import COST_COLOURMAP
from ..colours import colours as palette_of
from ..colours import markers as marker_shapes
from .grid import (  # noqa: F401 - the animation takes these from here
    Evaluated,
    _check_paths,
    _clip_path,
    _cost_at,
    _critical_points,
    _exit,
    _Grid,
    _Heights,
    _lifted_points,
    _numpy,
    _thin,
)
from .style import (
    DIVERGED_MARK,
    POINT_STYLES,
    STATUS_MARKS,
    PlainLogFormatter,
    _check_title,
    _legend,
    _status_handles,
    _styled,
    _suptitle,
    literal,
)

# ---------------------------------------------------------------------------------------------------------
# Landscapes
# ---------------------------------------------------------------------------------------------------------


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
    filled = ax.contourf(grid.A, grid.B, grid.Z, levels=grid.levels, norm=grid.norm, cmap=COST_COLOURMAP,
                         extend=extend)
    ax.contour(grid.A, grid.B, grid.Z, levels=grid.levels[::3], colors="white", linewidths=0.4, alpha=0.45)
    if colorbar:
        name = "J − min J (log colour scale)" if grid.log else "J"
        # round ticks: a contour set's colour bar would otherwise be ticked at its levels (92.1, 184.1, ...)
        ticks = (dict(ticks=ticker.LogLocator(), format=PlainLogFormatter()) if grid.log
                 else dict(ticks=ticker.MaxNLocator(7), format=ticker.FuncFormatter(lambda v, _: f"{v:.4g}")))
        fig.colorbar(filled, ax=ax, label=name, shrink=0.9, **ticks)
    (a0, a1), (b0, b1) = grid.domain
    ax.set_xlim(a0, a1)
    ax.set_ylim(b0, b1)
    ratio = (b1 - b0) / (a1 - a0)
    if 1 / 3 <= ratio <= 3:
        ax.set_aspect("equal", adjustable="box")
    ax.set_autoscale_on(False)  # nothing drawn later (a diverged path) may move the view
    ax.set_xlabel(literal(grid.names[0]))
    ax.set_ylabel(literal(grid.names[1]))
    ax.grid(False)


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
    facecolors = matplotlib.colormaps[COST_COLOURMAP](grid.norm(grid.Z))
    ax3.plot_surface(grid.A, grid.B, grid.J, facecolors=facecolors, rcount=60, ccount=60, linewidth=0,
                     antialiased=False, shade=False, alpha=0.9, zorder=1, rasterized=True)
    heights = grid.J[np.isfinite(grid.J)]
    (a0, a1), (b0, b1) = grid.domain
    ax3.set_xlim(a0, a1)
    ax3.set_ylim(b0, b1)
    ax3.set_zlim(float(heights.min()), float(heights.max()))
    ax3.set_autoscale_on(False)
    ax3.set_xlabel(literal(grid.names[0]))
    ax3.set_ylabel(literal(grid.names[1]))
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
