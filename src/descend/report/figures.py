"""Static figures of a comparison (matplotlib), each saved as PNG and SVG by :func:`save`.

Every function takes the tables a comparison produces and returns a :class:`matplotlib.figure.Figure`
built with the object-oriented API: no pyplot and no backend to choose, so it works headless, and no
lasting change to matplotlib's settings (the style is applied with :func:`matplotlib.rc_context` while
a figure is built, then restored).

The tables (pandas DataFrames):

- ``summary``: one row per run, index ``run``. Columns ``label`` (the optimizer as shown), ``optimizer``
  (its registry name, which its colour is keyed by; read from the label when absent), ``lr`` (float, NaN
  for a run without one), ``batch_size`` (a display string: ``"full"``, ``"1"``, ``"32"``,
  ``"hybrid(32→512)"``), ``seed``, ``final_train_loss`` and other final metrics, ``status`` (see
  :mod:`descend.outcomes`: "ok", "diverged", "left-domain", "pruned") and ``status_at`` (the step, or NaN).
  A summary without ``status`` (written before runs had one) is read from ``diverged``/``diverged_at``.
  Figures never decide a run's status from its values: a run that does not count (:func:`descend.outcomes.counts`)
  is left out of medians and marked with its status (× diverged, ◆ left the model's domain, | pruned).
- ``curves``: a long table ``run, step, epoch, split, metric, value``; ``split`` is ``"batch"`` (the
  mini-batch loss of every step), ``"train"``, ``"validation"`` or ``"test"``; ``metric`` is ``"loss"``,
  ``"accuracy"`` or ``"grad_norm:<parameter name>"``. Values may be NaN after a run diverged.

For landscapes, ``surface`` is any object with ``names`` (two parameter names), ``domain``
(``((a0, a1), (b0, b1))``), ``log_scale`` (bool), ``points`` (``(kind, (a, b))`` pairs, kind "minimum",
"saddle", "maximum" or "degenerate") and ``grid(n) -> (A, B, J)`` ([n, n] tensors, meshgrid "xy");
``paths`` maps a run to its positions, an array [T + 1, 2], and ``labels`` a run to its label.

What is drawn for an optimizer is what the comparison selected (:class:`descend.selection.Selection`):
:func:`batch_regimes` and :func:`grad_norms` take the selection and choose nothing themselves.

The figures:

- :func:`loss_curves` — loss against step or epoch, median and inter-quartile band over seeds.
- :func:`lr_sensitivity` — a final metric against the learning rate, divergences marked.
- :func:`lr_batch_heatmap` — learning rate × batch size, coloured by the median log10 of a metric.
- :func:`batch_regimes` — GD vs SGD vs mini-batch vs hybrid batch sizes, training loss against epoch, each
  batch size at the configuration the selection chose for it.
- :func:`grad_norms` — per-parameter (or per-layer) gradient norms over the steps of each label's
  representative run in the selection.
- :func:`landscape` — a 2-D cost's contours and 3-D surface with every optimizer's path.
- :func:`animate` — the paths moving over the contours, as GIF or MP4.

Every optimizer keeps one colour in every figure of every report: :func:`descend.report.colours.colours`,
keyed by the optimizer's registry name. Each figure takes ``colours`` (label → colour, what a report
passes so that all its figures agree) and otherwise asks that module for the labels it draws. On a log
axis a loss or norm that is not positive (a batch with no valid sample) is a gap, never drawn.
"""

from __future__ import annotations

import functools
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from io import BytesIO
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import torch
from matplotlib import colors as mcolors
from matplotlib import ticker
from matplotlib.animation import AbstractMovieWriter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from PIL import Image

from .. import outcomes
from ..selection import Selection, status_steps, statuses
from .colours import colours as palette_of

__all__ = [
    "animate",
    "batch_regimes",
    "grad_norms",
    "landscape",
    "loss_curves",
    "lr_batch_heatmap",
    "lr_sensitivity",
    "save",
]

#: The style every figure is built with (applied locally, never globally).
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "image.cmap": "viridis",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "descend",  # reproducible SVG ids
}

SPLITS = ("batch", "train", "validation", "test")
#: Line styles of the splits in :func:`loss_curves`: the training loss solid, held-out losses dashed.
SPLIT_STYLES = {"batch": "-", "train": "-", "validation": ":", "test": "--"}
SPLIT_NAMES = {
    "batch": "training loss (mini-batch)",
    "train": "training loss (full training set)",
    "validation": "validation loss",
    "test": "test loss",
}
X_LABELS = {"step": "step (optimizer updates)", "epoch": "epoch (passes over the training set)"}
#: Markers of the critical points of a landscape: kind -> (marker, size, face colour, legend name).
POINT_STYLES = {
    "minimum": ("*", 15, "gold", "minimum"),
    "saddle": ("X", 9, "black", "saddle"),
    "maximum": ("^", 9, "white", "maximum"),
    "degenerate": ("D", 8, "silver", "degenerate point"),
}
MAX_POINTS = 2000  # a line longer than this is thinned (every k-th point; never smoothed)
MAX_PANELS = 6
GRAD_PREFIX = "grad_norm:"
DIVERGED_MARK = {"marker": "x", "markersize": 8, "markeredgewidth": 2.0, "linestyle": "none"}
#: How a run that does not count is marked, by status (the legend says :data:`descend.outcomes.STATUSES`).
STATUS_MARKS = {
    outcomes.DIVERGED: DIVERGED_MARK,
    outcomes.LEFT_DOMAIN: {"marker": "D", "markersize": 6, "markeredgewidth": 1.5, "markerfacecolor": "none",
                           "linestyle": "none"},
    outcomes.PRUNED: {"marker": "|", "markersize": 9, "markeredgewidth": 2.0, "linestyle": "none"},
}
#: The short words of a status in a heat-map cell.
STATUS_SHORT = {outcomes.DIVERGED: "div", outcomes.LEFT_DOMAIN: "left dom.", outcomes.PRUNED: "pruned"}


# ---------------------------------------------------------------------------------------------------------
# Style, colours and names
# ---------------------------------------------------------------------------------------------------------


def _styled(function: Callable) -> Callable:
    """Build the figure inside ``rc_context(STYLE)`` so that no global matplotlib state changes."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with matplotlib.rc_context(STYLE):
            return function(*args, **kwargs)

    return wrapper


def _colours(s: pd.DataFrame, given: Mapping[str, str] | None) -> dict[str, str]:
    """Every label's colour: ``given`` (a report's colours), else the palette of the labels' optimizers."""
    labels = list(dict.fromkeys(s["label"]))
    if given is not None:
        missing = [label for label in labels if label not in given]
        if missing:
            raise ValueError(f"colours has no colour for {', '.join(map(repr, missing))}")
        return {label: given[label] for label in labels}
    if "optimizer" in s:
        return palette_of(dict(zip(s["label"], s["optimizer"].astype(str))))
    return palette_of(labels)


def _shade(colour: str, i: int, n: int) -> tuple[float, float, float]:
    """The i-th of n shades of a colour, from darker to lighter (several configurations of one label)."""
    rgb = np.array(mcolors.to_rgb(colour))
    if n <= 1:
        return tuple(rgb)
    t = -0.35 + 0.8 * i / (n - 1)  # < 0 mixes with black, > 0 with white
    mixed = rgb * (1 + t) if t < 0 else rgb + (1 - rgb) * t
    return tuple(np.clip(mixed, 0, 1))


def _batch_key(batch_size: str) -> tuple:
    """Sort batch sizes: numbers ascending, then hybrid schedules, then the full batch."""
    text = str(batch_size)
    if text.isdigit():
        return (0, int(text), text)
    if text == "full":
        return (2, 0, text)
    return (1, 0, text)


def _regime_name(batch_size: str) -> str:
    text = str(batch_size)
    if text == "full":
        return "GD (full batch)"
    if text == "1":
        return "SGD (batch 1)"
    if text.isdigit():
        return f"mini-batch ({text})"
    return text


def _regime_colours(batch_sizes: Sequence[str]) -> dict[str, str]:
    """Batch sizes' colours in :func:`batch_regimes`: the full batch black, the others Dark2 in order."""
    dark2 = ("#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d")
    others = [b for b in sorted(batch_sizes, key=_batch_key) if b != "full"]
    colours = {b: dark2[i % len(dark2)] for i, b in enumerate(others)}
    colours["full"] = "#222222"
    return colours


def _batch_text(batch_size: str) -> str:
    text = str(batch_size)
    return "full batch" if text == "full" else f"batch {text}" if text.isdigit() else text


def _metric_name(metric: str) -> str:
    return metric.replace("_", " ")


def _suptitle(fig: Figure, title: str, what: str) -> None:
    fig.suptitle(f"{title} — {what}" if title else what)


def _natural_key(name: str) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]


def _panel_grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def _legend(fig: Figure, handles: list, where: str = "outside lower center", **kwargs) -> None:
    if handles:
        fig.legend(handles=handles, loc=where, **kwargs)


def _legend_right(ax, handles: list, **kwargs) -> None:
    """A legend to the right of ``ax``, its top level with the axes' top (under the figure title; the
    layout engine makes room for it), in more columns when it is long."""
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                  ncols=math.ceil(len(handles) / 24), **kwargs)


def _status_handles(statuses_drawn: Iterable[str]) -> list[Line2D]:
    """Legend entries for the statuses marked in a figure, in the order of :data:`descend.outcomes.STATUSES`."""
    drawn = set(statuses_drawn)
    return [Line2D([], [], color="0.3", label=outcomes.STATUSES[status], **STATUS_MARKS[status])
            for status in STATUS_MARKS if status in drawn]


def _log_y(ax, values: Iterable[np.ndarray]) -> bool:
    """A log y axis (values <= 0 masked: gaps) unless some finite non-zero value is negative."""
    finite = [v[np.isfinite(v) & (v != 0)] for v in (np.asarray(x, float) for x in values)]
    log = all(bool((v > 0).all()) for v in finite)
    if log:
        ax.set_yscale("log", nonpositive="mask")
    return log


# ---------------------------------------------------------------------------------------------------------
# Checks of the tables
# ---------------------------------------------------------------------------------------------------------


def _check_frame(frame: object, name: str, required: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"{name} is empty: there is nothing to draw")
    columns = set(frame.columns) | ({frame.index.name} if frame.index.name else set())
    missing = [c for c in required if c not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(
            f"{name} is missing the column{plural} {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, map(str, frame.columns)))})"
        )


def _summary(summary: object, required: Iterable[str] = ("label",)) -> pd.DataFrame:
    """The summary checked and normalised: index ``run``, string labels and batch sizes, float lr, the
    ``status`` of every run and the float step ``status_at`` (from an old summary's ``diverged`` and
    ``diverged_at``), and ``counts``, whether its numbers may enter a median."""
    _check_frame(summary, "summary", required)
    s = summary.set_index("run") if "run" in summary.columns else summary.copy()
    s["label"] = s["label"].astype(str)
    s["lr"] = pd.to_numeric(s["lr"], errors="coerce") if "lr" in s else np.nan
    s["batch_size"] = s["batch_size"].astype(str) if "batch_size" in s else "-"
    s["status"] = statuses(s)
    s["status_at"] = status_steps(s)
    s["counts"] = s["status"].map(outcomes.counts).astype(bool)
    return s


def _curves(curves: object, *, epoch: bool = False) -> pd.DataFrame:
    _check_frame(curves, "curves", ["run", "step", "split", "metric", "value"] + (["epoch"] if epoch else []))
    return curves


def _check_title(title: object) -> str:
    if not isinstance(title, str):
        raise ValueError(f"title must be a string, not {title!r}")
    return title


def _same(values: pd.Series, value: object) -> pd.Series:
    """``values == value`` where NaN equals NaN (runs without a learning rate form one group)."""
    if isinstance(value, float) and math.isnan(value):
        return values.isna()
    return values == value


# ---------------------------------------------------------------------------------------------------------
# Median lines with an inter-quartile band
# ---------------------------------------------------------------------------------------------------------


def _thin(n: int) -> np.ndarray:
    """Indices of at most MAX_POINTS evenly spaced points, the last one included."""
    if n <= MAX_POINTS:
        return np.arange(n)
    index = np.arange(0, n, math.ceil(n / MAX_POINTS))
    return index if index[-1] == n - 1 else np.append(index, n - 1)


def _table(data: pd.DataFrame, x: str, positive: bool = False) -> tuple[np.ndarray, pd.DataFrame]:
    """x positions and a step × run table of values (inf treated as NaN, and values <= 0 when ``positive``:
    for a log axis) for one metric and split."""
    keyed = data.set_index(["step", "run"])["value"]
    keyed = keyed[~keyed.index.duplicated()]
    table = keyed.unstack("run").sort_index()
    values = table.to_numpy(float)
    with np.errstate(invalid="ignore"):
        table = table.where(np.isfinite(values) & ((values > 0) if positive else True))
    if x == "step":
        xs = table.index.to_numpy(float)
    else:
        xs = data.groupby("step")["epoch"].first().reindex(table.index).to_numpy(float)
    return xs, table


def _row_quantiles(values: np.ndarray, qs: Sequence[float]) -> list[np.ndarray]:
    """Quantiles of each row over its finite entries (linear interpolation, as numpy's default), NaN for
    a row without any; vectorised (np.nanquantile loops over rows in Python when there are NaNs)."""
    ordered = np.sort(values, axis=1)  # NaN sorts last
    count = np.isfinite(values).sum(axis=1)
    rows = np.arange(len(values))
    out = []
    for q in qs:
        position = q * np.maximum(count - 1, 0)
        low = np.floor(position).astype(int)
        high = np.minimum(low + 1, np.maximum(count - 1, 0))
        if values.shape[1] == 0:
            out.append(np.full(len(values), np.nan))
            continue
        a, b = ordered[rows, low], ordered[rows, high]
        quantile = a + (b - a) * (position - low)
        out.append(np.where(count > 0, quantile, np.nan))
    return out


def _draw_median(ax, data: pd.DataFrame, *, x: str, colour, linestyle: str, name: str,
                 positive: bool = False) -> tuple | None:
    """Draw the median over runs of one metric and split (band: the inter-quartile range, where at least
    two runs are finite, only when there are at least two runs); with ``positive`` (a log axis) values
    <= 0 are gaps. Returns (xs, table) or None."""
    if data.empty:
        return None
    xs, table = _table(data, x, positive)
    values = table.to_numpy(float)
    q1, median, q3 = _row_quantiles(values, (0.25, 0.5, 0.75))
    keep = _thin(len(xs))
    ax.plot(xs[keep], median[keep], color=colour, linestyle=linestyle, label=name)
    if values.shape[1] >= 2:
        enough = np.isfinite(values).sum(axis=1) >= 2
        q1, q3 = np.where(enough, q1, np.nan), np.where(enough, q3, np.nan)
        ax.fill_between(xs[keep], q1[keep], q3[keep], color=colour, alpha=0.18, linewidth=0)
    return xs, table


def _status_marks(s: pd.DataFrame, runs: Sequence, xs: np.ndarray, table: pd.DataFrame) -> list:
    """(status, (x, y)) of every run among ``runs`` that does not count: at the step its status took
    effect (``status_at``; its last finite value's step when unknown), at its last finite value before."""
    marks = []
    steps = table.index.to_numpy(float)
    for run in runs:
        if s.at[run, "counts"] or run not in table.columns:
            continue
        column = table[run].to_numpy(float)
        finite = np.flatnonzero(np.isfinite(column))
        if len(finite) == 0:
            continue
        at = s.at[run, "status_at"]
        at = steps[finite[-1]] if not np.isfinite(at) else float(at)
        before = finite[steps[finite] <= at]
        last = before[-1] if len(before) else finite[0]
        order = np.argsort(steps)
        marks.append((s.at[run, "status"], (float(np.interp(at, steps[order], xs[order])), float(column[last]))))
    return marks


def _cap_log_top(ax, references: list[float]) -> float:
    """Keep a run that blew up from squashing a log axis: the top is at most 100 × the largest first
    value of the lines. Returns the top."""
    bottom, top = ax.get_ylim()
    finite = [r for r in references if np.isfinite(r) and r > 0]
    if finite and top > 1e2 * max(finite):
        top = 1e2 * max(finite)
        ax.set_ylim(bottom, top)
    return top


def _first_finite(table: pd.DataFrame) -> float:
    (median,) = _row_quantiles(table.to_numpy(float), (0.5,))
    finite = median[np.isfinite(median)]
    return float(finite[0]) if len(finite) else math.nan


def _plot_marks(ax, marks: list, top: float) -> None:
    for (status, (xm, ym)), colour in marks:
        ax.plot([xm], [min(ym, top)], color=colour, clip_on=False, zorder=5, **STATUS_MARKS[status])


# ---------------------------------------------------------------------------------------------------------
# Loss curves
# ---------------------------------------------------------------------------------------------------------


def _configurations(s: pd.DataFrame) -> list[tuple[str, float, str, list, str, int, int]]:
    """Runs with the same label, lr and batch size: (label, lr, batch size, runs, legend name, i, n),
    i of n being the configuration's place among its label's."""
    out = []
    for label, rows in s.groupby("label", sort=True):
        show_lr = rows["lr"].nunique(dropna=False) > 1
        show_batch = rows["batch_size"].nunique() > 1
        keys = rows[["lr", "batch_size"]].drop_duplicates()
        keys = sorted(keys.itertuples(index=False),
                      key=lambda k: (_batch_key(k[1]), np.nan_to_num(k[0], nan=-np.inf)))
        for i, (lr, batch) in enumerate(keys):
            runs = list(rows.index[_same(rows["lr"], lr) & (rows["batch_size"] == batch)])
            name = label
            if show_lr and np.isfinite(lr):
                name += f", lr={lr:g}"
            if show_batch:
                name += f", {_batch_text(batch)}"
            out.append((label, lr, batch, runs, name, i, len(keys)))
    return out


@_styled
def loss_curves(
    summary: pd.DataFrame,
    curves: pd.DataFrame,
    *,
    x: str = "step",
    title: str = "",
    splits: Sequence[str] = ("batch", "test"),
    colours: Mapping[str, str] | None = None,
) -> Figure:
    """The loss against ``x`` ("step" or "epoch"), log y (linear if some loss is negative, e.g. a landscape's
    cost): one line per label (per label, lr and batch size when those vary, named in the legend) — the
    median over seeds, with the inter-quartile band when there are at least two seeds. The runs drawn are
    the runs of ``summary`` (a report passes its selection's). The "batch" split is the training loss as
    measured at every step (never smoothed; very long curves are thinned to every k-th point); held-out
    splits are dashed or dotted. On the log axis a loss that is not positive (a batch with no valid
    sample) is a gap. A run that does not count keeps its line until it stops; the mark of its status
    (× diverged, ◆ left the model's domain) sits at the step its status took effect, at its last finite loss.

    Splits asked for but absent from ``curves`` are skipped; it is an error if none is present.
    """
    title = _check_title(title)
    if x not in X_LABELS:
        raise ValueError(f"x={x!r} is not allowed; choose 'step' or 'epoch'")
    splits = (splits,) if isinstance(splits, str) else tuple(splits)
    unknown = [sp for sp in splits if sp not in SPLITS]
    if unknown or not splits:
        raise ValueError(f"splits={splits!r}: each must be one of {', '.join(map(repr, SPLITS))}")
    s = _summary(summary, ["label", "lr", "batch_size"])
    c = _curves(curves, epoch=x == "epoch")
    c = c[(c["metric"] == "loss") & c["run"].isin(s.index)]
    present = [sp for sp in splits if (c["split"] == sp).any()]
    if not present:
        have = sorted(map(str, c["split"].unique()))
        raise ValueError(f"curves holds no loss for the splits {splits!r} (it has: {have or 'no loss at all'})")
    by_split = {sp: c[c["split"] == sp] for sp in present}
    colours = _colours(s, colours)

    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    log = _log_y(ax, [by_split[sp]["value"].to_numpy(float) for sp in present])
    handles, marks, references = [], [], []
    for label, _lr, _batch, runs, name, i, n in _configurations(s):
        colour = _shade(colours[label], i, n)
        drawn = False
        for k, sp in enumerate(present):
            data = by_split[sp][by_split[sp]["run"].isin(runs)]
            result = _draw_median(ax, data, x=x, colour=colour, linestyle=SPLIT_STYLES[sp],
                                  name=name if k == 0 else "_nolegend_", positive=log)
            if result is None:
                continue
            xs, table = result
            if not drawn:  # the first split drawn carries the status marks
                references.append(_first_finite(table))
                marks += [(m, colour) for m in _status_marks(s, runs, xs, table)]
                drawn = True
        if drawn:
            handles.append(Line2D([], [], color=colour, label=name))
    top = _cap_log_top(ax, references) if log else ax.get_ylim()[1]
    _plot_marks(ax, marks, top)
    ax.set_xlabel(X_LABELS[x])
    ax.set_ylabel("loss (log scale)" if log else "loss")
    handles += [Line2D([], [], color="0.35", linestyle=SPLIT_STYLES[sp], label=SPLIT_NAMES[sp]) for sp in present]
    handles += _status_handles(status for status, _ in (m for m, _ in marks))
    _legend_right(ax, handles)
    _suptitle(fig, title, f"loss against {x} (median over seeds, band: inter-quartile range)")
    return fig


# ---------------------------------------------------------------------------------------------------------
# Learning-rate sensitivity and the lr × batch size heat map
# ---------------------------------------------------------------------------------------------------------


def _log_metric(metric: str, values: pd.Series) -> bool:
    """A metric is drawn on a log scale if it is a loss and positive."""
    finite = values[np.isfinite(values)]
    return "loss" in metric and len(finite) > 0 and bool((finite > 0).all())


@_styled
def lr_sensitivity(summary: pd.DataFrame, *, metric: str = "final_train_loss", title: str = "",
                   colours: Mapping[str, str] | None = None) -> Figure:
    """``metric`` (default the final training loss) against the learning rate, both on log scales: one
    line per label through the median over seeds at each lr, with the inter-quartile band where there
    are at least two finite seeds. Runs that do not count (diverged, left the model's domain, pruned) are
    left out of the median and drawn at the top edge of the axes with their status's mark (× diverged,
    ◆ left the model's domain), one per lr where any run has it. When the batch size varies, one panel
    per batch size.

    Runs without a learning rate (NaN) are left out; it is an error if no run has one.
    """
    title = _check_title(title)
    s = _summary(summary, ["label", "lr", metric])
    colours = _colours(s, colours)
    s = s[np.isfinite(s["lr"]) & (s["lr"] > 0)]
    if s.empty:
        raise ValueError("lr_sensitivity needs runs with a learning rate, but column 'lr' has no positive value")
    values = pd.to_numeric(s[metric], errors="coerce")
    s = s.assign(**{metric: values})
    log_y = _log_metric(metric, values[s["counts"]])
    batches = sorted(s["batch_size"].unique(), key=_batch_key)
    labels = sorted(s["label"].unique())

    fig = Figure(figsize=(3.6 * len(batches) + 2.2, 4.6), layout="constrained")
    axes = fig.subplots(1, len(batches), sharey=True, squeeze=False)[0]
    marked = set()
    for ax, batch in zip(axes, batches):
        rows_b = s[s["batch_size"] == batch]
        for j, label in enumerate(labels):
            rows = rows_b[rows_b["label"] == label]
            ok = rows[rows["counts"] & np.isfinite(rows[metric])]
            if log_y:
                ok = ok[ok[metric] > 0]
            if len(ok):
                stats = ok.groupby("lr")[metric].agg(["median", "count"])
                q = ok.groupby("lr")[metric].quantile([0.25, 0.75]).unstack()
                ax.plot(stats.index, stats["median"], color=colours[label], marker="o", markersize=4, label=label)
                if (stats["count"] >= 2).any():
                    band = stats["count"] >= 2
                    ax.fill_between(stats.index, q[0.25].where(band), q[0.75].where(band),
                                    color=colours[label], alpha=0.15, linewidth=0)
            nudge = 10 ** (0.03 * (j - (len(labels) - 1) / 2))  # labels' marks side by side, not on top
            for k, status in enumerate(st for st in STATUS_MARKS if (rows["status"] == st).any()):
                failed = np.sort(rows.loc[rows["status"] == status, "lr"].unique())
                marked.add(status)
                ax.plot(failed * nudge, np.full(len(failed), 1.0 - 0.05 * k), color=colours[label], clip_on=False,
                        transform=ax.get_xaxis_transform(), zorder=5, **STATUS_MARKS[status])
        ax.set_xscale("log")
        ax.set_xlabel("learning rate (log scale)")
        if len(batches) > 1:
            ax.set_title(_regime_name(batch))
    if log_y:
        axes[0].set_yscale("log")
    axes[0].set_ylabel(_metric_name(metric) + (" (log scale)" if log_y else ""))
    handles = [Line2D([], [], color=colours[label], marker="o", markersize=4, label=label) for label in labels]
    handles += _status_handles(marked)
    _legend_right(axes[-1], handles)
    _suptitle(fig, title, f"learning-rate sensitivity: {_metric_name(metric)} (median over seeds)")
    return fig


@_styled
def lr_batch_heatmap(
    summary: pd.DataFrame, *, metric: str = "final_train_loss", label: str | None = None, title: str = ""
) -> Figure | None:
    """Learning rate (x) × batch size (y, categorical) coloured by the median over seeds of log10(metric)
    (of the metric itself if it is not a positive loss), one panel per label (only ``label`` if given,
    at most 6). A cell where no run counts is hatched and marked with their status ("div" diverged, "left
    dom." left the model's domain); where some runs do not count, the cell says how many of each ("1/3
    div") and its colour is the median of the others; a missing combination is blank.
    Each cell also shows the median value. Returns None if the learning rate or the batch size does not
    vary (there is no grid to draw).
    """
    title = _check_title(title)
    s = _summary(summary, ["label", "lr", "batch_size", metric])
    if label is not None:
        if str(label) not in set(s["label"]):
            raise ValueError(f"label={label!r} is not in the summary (labels: {', '.join(sorted(set(s['label'])))})")
        s = s[s["label"] == str(label)]
    s = s[np.isfinite(s["lr"]) & (s["lr"] > 0)]
    lrs = np.sort(s["lr"].unique())
    batches = sorted(s["batch_size"].unique(), key=_batch_key)
    if len(lrs) < 2 or len(batches) < 2:
        return None
    values = pd.to_numeric(s[metric], errors="coerce")
    log_c = _log_metric(metric, values[s["counts"]])
    shown = np.log10(values.where(values > 0)) if log_c else values
    s = s.assign(_shown=shown)
    labels = sorted(s["label"].unique())[:MAX_PANELS]

    grids = {}
    for name in labels:
        rows = s[s["label"] == name]
        grid = np.full((len(batches), len(lrs)), np.nan)
        counts = {}  # (i, j) -> (runs, {status: runs} of the runs that do not count)
        for (lr, batch), cell in rows.groupby(["lr", "batch_size"]):
            i, j = batches.index(batch), int(np.searchsorted(lrs, lr))
            ok = cell.loc[cell["counts"], "_shown"]
            ok = ok[np.isfinite(ok)]
            grid[i, j] = ok.median() if len(ok) else np.nan
            failed = cell.loc[~cell["counts"], "status"].value_counts()
            counts[i, j] = len(cell), {str(st): int(n) for st, n in failed.items()}
        grids[name] = grid, counts
    finite = np.concatenate([g[np.isfinite(g)] for g, _ in grids.values()])
    vmin, vmax = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if vmin == vmax:
        vmin, vmax = vmin - 0.5, vmax + 0.5

    rows_n, cols_n = _panel_grid(len(labels))
    width = max(4.2, 0.75 * len(lrs) + 1.6)
    fig = Figure(figsize=(width * cols_n + 1.2, (0.55 * len(batches) + 1.6) * rows_n + 0.6), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False).ravel()
    cmap = matplotlib.colormaps["viridis"]
    norm = mcolors.Normalize(vmin, vmax)
    image = None
    for k, (ax, name) in enumerate(zip(axes, labels)):
        grid, counts = grids[name]
        image = ax.imshow(np.ma.masked_invalid(grid), origin="lower", aspect="auto", cmap=cmap, norm=norm,
                          interpolation="nearest")
        ax.grid(False)
        for i in range(len(batches)):
            for j in range(len(lrs)):
                if (i, j) not in counts:
                    continue
                total, failed = counts[i, j]
                if sum(failed.values()) == total:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="0.45",
                                           linewidth=0))
                    words = "\n".join(STATUS_SHORT.get(st, st) for st in failed)
                    ax.text(j, i, words, ha="center", va="center", fontsize=8, color="0.15", fontweight="bold")
                    continue
                value = grid[i, j]
                dark = np.isfinite(value) and sum(cmap(norm(value))[:3]) < 1.5
                text = "" if not np.isfinite(value) else f"{10 ** value if log_c else value:.2g}"
                for st, n in failed.items():
                    text += f"\n{n}/{total} {STATUS_SHORT.get(st, st)}"
                ax.text(j, i, text, ha="center", va="center", fontsize=7, color="white" if dark else "black")
        ax.set_xticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
        first_column = k % cols_n == 0
        ax.set_yticks(range(len(batches)), [str(b) for b in batches] if first_column else [])
        ax.set_xlabel("learning rate")
        if first_column:
            ax.set_ylabel("batch size (samples per step)")
        ax.set_title(name)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    shown_name = f"log10 {_metric_name(metric)}" if log_c else _metric_name(metric)
    fig.colorbar(image, ax=list(axes[: len(labels)]), label=f"median over seeds of {shown_name}")
    _suptitle(fig, title, f"learning rate × batch size: {_metric_name(metric)}")
    return fig


# ---------------------------------------------------------------------------------------------------------
# Batch-size regimes
# ---------------------------------------------------------------------------------------------------------


def _check_selection(selection: object) -> Selection:
    if not isinstance(selection, Selection):
        raise ValueError(f"selection must be a descend.selection.Selection (a comparison's .selection, or "
                         f"descend.selection.select(summary)), not {type(selection).__name__}")
    return selection


@_styled
def batch_regimes(
    summary: pd.DataFrame, curves: pd.DataFrame, selection: Selection, *, title: str = "", split: str | None = None,
    x: str = "epoch"
) -> Figure:
    """Training loss against epoch (or ``x="step"``) for every batch size — full batch (GD), 1 (SGD),
    mini-batches, hybrid schedules — one panel per label of ``selection`` (at most 6), log y: the median over
    seeds with the inter-quartile band, each batch size at the configuration ``selection.by_batch`` chose for
    it (its learning rate named in the legend when the label's lr varies). ``split`` is the training loss
    drawn: "train" (the full training set, the default when present) or "batch" (the mini-batch loss of
    every step).
    """
    title = _check_title(title)
    if x not in X_LABELS:
        raise ValueError(f"x={x!r} is not allowed; choose 'epoch' or 'step'")
    if split is not None and split not in ("train", "batch"):
        raise ValueError(f"split={split!r} is not allowed; choose 'train', 'batch' or None")
    selection = _check_selection(selection)
    s = _summary(summary, ["label", "lr", "batch_size"])
    c = _curves(curves, epoch=x == "epoch")
    c = c[(c["metric"] == "loss") & c["run"].isin(s.index)]
    if split is None:
        split = "train" if (c["split"] == "train").any() else "batch"
    c = c[c["split"] == split]
    if c.empty:
        raise ValueError(f"curves holds no training loss (split {split!r}, metric 'loss')")
    labels = [label for label in selection.by_batch if label in set(s["label"])][:MAX_PANELS]
    if not labels:
        raise ValueError("selection chose no batch size for the labels of summary")
    batches = sorted({b for label in labels for b in selection.by_batch[label]}, key=_batch_key)
    regime_colours = _regime_colours(batches)

    rows_n, cols_n = _panel_grid(len(labels))
    fig = Figure(figsize=(4.4 * cols_n + 2.4, 3.6 * rows_n + 0.6), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False, sharey=True).ravel()
    log = _log_y(axes[0], [c["value"].to_numpy(float)])
    marks, references = {}, []  # capped and marked once every panel is drawn: the y axis is shared
    for ax, label in zip(axes, labels):
        show_lr = s.loc[s["label"] == label, "lr"].nunique() > 1
        marks[ax] = []
        for batch in batches:
            choice = selection.by_batch[label].get(batch)
            if choice is None:
                continue
            runs = [run for run in choice.runs if run in s.index]
            lr = choice.config.get("lr")
            name = _regime_name(batch) + (f", lr={lr:g}" if show_lr and lr is not None else "")
            result = _draw_median(ax, c[c["run"].isin(runs)], x=x, colour=regime_colours[batch],
                                  linestyle="-", name=name, positive=log)
            if result is None:
                continue
            references.append(_first_finite(result[1]))
            marks[ax] += [(m, regime_colours[batch]) for m in _status_marks(s, runs, *result)]
        ax.set_title(label)  # in black: here the colours are the batch sizes
        ax.set_xlabel(X_LABELS[x])
        ax.legend(loc="best", fontsize=7)
    top = _cap_log_top(axes[0], references) if log else axes[0].get_ylim()[1]
    for ax, ax_marks in marks.items():
        _plot_marks(ax, ax_marks, top)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    for ax in axes[::cols_n]:
        ax.set_ylabel(f"{SPLIT_NAMES[split]}" + (" (log scale)" if log else ""))
    _suptitle(fig, title, "batch size: GD vs SGD vs mini-batch vs hybrid (median over seeds, band: IQR)")
    return fig


# ---------------------------------------------------------------------------------------------------------
# Gradient norms
# ---------------------------------------------------------------------------------------------------------


@_styled
def grad_norms(
    summary: pd.DataFrame, curves: pd.DataFrame, selection: Selection | None = None, *, title: str = "",
    run: object | None = None, by: str = "auto", colours: Mapping[str, str] | None = None
) -> Figure:
    """Gradient norms over the steps, log y, from the curves' ``grad_norm:<parameter>`` metrics: one line
    per parameter tensor (``by="parameter"``) or per layer (``by="layer"``: the tensors sharing the prefix
    before the last '.', e.g. "layer0.weight" and "layer0.bias", combined as the norm of their joint
    gradient, sqrt(Σ norm²)); ``by="auto"`` is per parameter up to 8 tensors, else per layer. Lines are
    coloured by depth (viridis, in the parameters' natural order). One panel per label of ``selection``
    (at most 6), each showing the label's representative run there; or only ``run`` if given (then no
    selection is needed). A panel's title is in its label's colour.
    """
    title = _check_title(title)
    if by not in ("auto", "parameter", "layer"):
        raise ValueError(f"by={by!r} is not allowed; choose 'auto', 'parameter' or 'layer'")
    s = _summary(summary, ["label"])
    c = _curves(curves)
    c = c[c["metric"].astype(str).str.startswith(GRAD_PREFIX)]
    if c.empty:
        raise ValueError("curves holds no gradient norms (metrics named 'grad_norm:<parameter name>')")
    if (c["split"] == "train").any():
        c = c[c["split"] == "train"]
    if run is not None:
        if run not in s.index:
            raise ValueError(f"run={run!r} is not in the summary")
        chosen = [(s.at[run, "label"], run)]
    else:
        selection = _check_selection(selection)
        chosen = [(label, c.representative) for label, c in selection.chosen.items()
                  if c.representative is not None and c.representative in s.index][:MAX_PANELS]
        if not chosen:
            raise ValueError("selection has no representative run in summary")
    names = sorted({m[len(GRAD_PREFIX):] for m in c["metric"].unique()}, key=_natural_key)
    if by == "auto":
        by = "parameter" if len(names) <= 8 else "layer"
    group = {n: (n.rsplit(".", 1)[0] if by == "layer" else n) for n in names}
    lines = list(dict.fromkeys(group[n] for n in names))
    line_colours = dict(zip(lines, matplotlib.colormaps["viridis"](np.linspace(0, 0.9, len(lines)))))
    label_colours = _colours(s, colours)

    rows_n, cols_n = _panel_grid(len(chosen))
    fig = Figure(figsize=(4.4 * cols_n + 2.0, 3.4 * rows_n + 0.6), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False, sharey=True).ravel()
    for ax, (label, r) in zip(axes, chosen):
        data = c[c["run"] == r]
        if data.empty:
            ax.text(0.5, 0.5, "no gradient norms recorded", ha="center", va="center", transform=ax.transAxes)
        else:
            keyed = data.set_index(["step", "metric"])["value"]
            table = keyed[~keyed.index.duplicated()].unstack("metric").sort_index()
            table.columns = [m[len(GRAD_PREFIX):] for m in table.columns]
            squares = (table.astype(float) ** 2).T.groupby(lambda n: group[n], sort=False).sum(min_count=1).T
            keep = _thin(len(table))
            for line in lines:
                if line in squares:
                    norm = np.sqrt(squares[line].to_numpy(float))
                    norm[~(norm > 0)] = np.nan  # a norm of 0 (a batch with no valid sample) is a gap on the log axis
                    ax.plot(table.index.to_numpy(float)[keep], norm[keep], color=line_colours[line], linewidth=1.2,
                            label=line)
        ax.set_yscale("log", nonpositive="mask")  # a norm of 0 (no valid sample) is a gap
        lr, batch, seed = s.at[r, "lr"], s.at[r, "batch_size"], s.get("seed", pd.Series(dtype=float)).get(r)
        status = s.at[r, "status"]
        details = ", ".join(p for p in (f"lr={lr:g}" if np.isfinite(lr) else "",
                                        _batch_text(batch) if batch != "-" else "",
                                        f"seed {seed}" if seed is not None else "",
                                        outcomes.STATUSES.get(status, status) if not s.at[r, "counts"] else "")
                            if p)
        ax.set_title(f"{label}\n(run {r}: {details})" if details else f"{label} (run {r})",
                     color=label_colours.get(label, "black"))
        ax.set_xlabel(X_LABELS["step"])
    for ax in axes[len(chosen):]:
        ax.set_visible(False)
    for ax in axes[::cols_n]:
        ax.set_ylabel(r"gradient norm $\|\nabla J\|_2$ (log scale)")
    handles = [Line2D([], [], color=line_colours[line], label=line) for line in lines]
    _legend_right(axes[min(cols_n, len(chosen)) - 1], handles, title="layer" if by == "layer" else "parameter")
    _suptitle(fig, title, "gradient norm per " + ("layer" if by == "layer" else "parameter tensor") + " over steps")
    return fig


# ---------------------------------------------------------------------------------------------------------
# Landscapes
# ---------------------------------------------------------------------------------------------------------


def _numpy(t: object) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    return np.asarray(t, dtype=float)


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
        ticks = dict(ticks=ticker.LogLocator(), format=ticker.LogFormatterSciNotation()) if grid.log else {}
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


def _point_handles(ax, grid: _Grid, lift: Callable | None = None) -> list:
    """Draw the known critical points (minima as stars, saddles as ×); legend handles for the kinds."""
    handles = []
    for kind, (marker, size, face, name) in POINT_STYLES.items():
        xy = np.array([_numpy(p).reshape(-1) for k, p in grid.points if k == kind]).reshape(-1, 2)
        xy = xy[grid.inside(xy)] if len(xy) else xy
        if not len(xy):
            continue
        style = dict(marker=marker, markersize=size, markerfacecolor=face, markeredgecolor="black",
                     markeredgewidth=0.8, linestyle="none", zorder=6)
        if lift is None:
            ax.plot(xy[:, 0], xy[:, 1], **style)
        else:
            ax.plot(xy[:, 0], xy[:, 1], lift(xy), **style)
        handles.append(Line2D([], [], label=name, **style))
    return handles


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
) -> Figure:
    """A 2-D landscape with every run's path: left, filled contours (log colours of J − min J + ε when
    ``surface.log_scale``) with each path as a line in its label's colour (``colours``, label → colour, else
    :func:`descend.report.colours.colours` of the labels), a small hollow circle at its start and a dot at
    its end, the common start (or ``start``) as a large white circle, known minima as stars, saddles as ×,
    maxima as triangles; right, the 3-D surface (z = J, coloured as the contours) with the paths lifted
    onto it.

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
            a, b = (torch.as_tensor(xy[:, d], dtype=torch.float64) for d in range(2))
            j = _numpy(cost(a, b)).reshape(-1)
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

    for run, xy in paths.items():
        colour = colours[run_labels[run]]
        kept, left = _clip_path(xy, grid)
        if len(kept) == 0:
            continue
        keep = _thin(len(kept))
        dots = dict(marker=".", markersize=3) if len(kept) <= 80 else {}
        ax.plot(kept[keep, 0], kept[keep, 1], color=colour, linewidth=1.4, zorder=4, **dots)
        ax.plot(kept[:1, 0], kept[:1, 1], color=colour, marker="o", markersize=5, markerfacecolor="none",
                markeredgewidth=1.2, linestyle="none", zorder=5)
        end = left if left is not None else kept[-1]
        if run in failed:
            ax.plot([end[0]], [end[1]], color=colour, clip_on=False, zorder=6,
                    **STATUS_MARKS.get(failed[run], DIVERGED_MARK))
        elif left is None:
            ax.plot(kept[-1:, 0], kept[-1:, 1], color=colour, marker="o", markersize=5, markeredgecolor="white",
                    markeredgewidth=0.8, linestyle="none", zorder=5)
        lifted = kept[keep].copy()
        z = lift(lifted)
        lifted[~grid.inside(lifted)] = np.nan  # 3-D axes do not clip: break the line outside the domain
        ax3.plot(lifted[:, 0], lifted[:, 1], z, color=colour, linewidth=1.6, zorder=4)

    handles = [Line2D([], [], color=colour, linewidth=1.6, label=_legend_name(label, run_labels, failed))
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


# ---------------------------------------------------------------------------------------------------------
# Animation
# ---------------------------------------------------------------------------------------------------------


@_styled
def animate(
    surface: object,
    paths: Mapping[object, np.ndarray],
    labels: Mapping[object, str],
    path: str | Path,
    *,
    fps: int = 20,
    max_frames: int = 120,
    title: str = "",
    dpi: int = 100,
    n: int = 120,
    status: Mapping[object, str] | None = None,
    colours: Mapping[str, str] | None = None,
) -> Path:
    """Write an animation of the paths moving over the contours of ``surface`` to ``path``: a GIF
    (Pillow) for a ``.gif`` suffix, an MP4 (H.264 through the ffmpeg that imageio-ffmpeg ships) for
    ``.mp4``. Long paths are subsampled to at most ``max_frames`` frames (at least 2; the last frame
    shows the last step). Each frame shows every run's trail up to the step, its current position and
    the step number, in its label's colour (``colours`` as in :func:`landscape`); the legend names the
    status of a run that does not count (``status``). Every frame of a GIF uses one palette that holds
    each label's exact colour, so no colour changes from frame to frame. A frame is 7.2 × 5.6 inches at
    ``dpi`` (720 × 560 pixels by default); ``n`` is the contour grid's resolution. Returns the path written.
    """
    title = _check_title(title)
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"path {str(out)!r} must end in .gif or .mp4, not {suffix or 'no suffix'!r}")
    if not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"max_frames={max_frames!r} must be an int >= 2")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ValueError(f"fps={fps!r} must be a positive number")
    from matplotlib.animation import FFMpegWriter, FuncAnimation

    grid = _Grid(surface, n)
    paths = _check_paths(paths, labels)
    if not paths:
        raise ValueError("paths is empty: there is nothing to animate")
    clipped = {run: _clip_path(xy, grid)[0] for run, xy in paths.items()}
    run_labels = {run: str(labels[run]) for run in paths}
    colours = _path_colours(run_labels, colours)
    failed = _failed(paths, status)
    steps = max(len(xy) for xy in paths.values()) - 1  # the steps of the longest path
    if steps < 1:
        raise ValueError("paths hold only their start point: there is nothing to animate")
    frames = np.unique(np.linspace(0, steps, min(max_frames, steps + 1)).round().astype(int))

    fig = Figure(figsize=(7.2, 5.6), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    _contour_panel(fig, ax, grid, colorbar=False)  # a log colour bar's labels cost more than the frame
    start_xy = _start_point(None, paths)
    handles = []
    if start_xy is not None:
        ax.plot([start_xy[0]], [start_xy[1]], **START_STYLE)
        handles.append(Line2D([], [], label="start", **START_STYLE))
    handles += _point_handles(ax, grid)
    trails, heads = {}, {}
    for run in paths:
        colour = colours[run_labels[run]]
        (trails[run],) = ax.plot([], [], color=colour, linewidth=1.4, zorder=4)
        (heads[run],) = ax.plot([], [], color=colour, marker="o", markersize=6, markeredgecolor="white",
                                linestyle="none", zorder=5)
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                      bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
    handles = [Line2D([], [], color=c, label=_legend_name(label, run_labels, failed))
               for label, c in colours.items()] + handles
    _legend_right(ax, handles)
    _suptitle(fig, title, "optimizers' paths")

    def update(step: int):
        for run, xy in clipped.items():
            k = min(step, len(xy) - 1)
            trails[run].set_data(xy[: k + 1, 0], xy[: k + 1, 1])
            heads[run].set_data(xy[k : k + 1, 0], xy[k : k + 1, 1])
        counter.set_text(f"step {step} / {steps}")
        return [*trails.values(), *heads.values(), counter]

    _freeze_layout(fig)  # lay out once, not twice for every frame
    animation = FuncAnimation(fig, update, frames=[int(f) for f in frames], blit=False, repeat=False,
                              cache_frame_data=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gif":
        animation.save(out, writer=_GifWriter(fps=fps, keep=list(colours.values())), dpi=dpi)
    else:
        import imageio_ffmpeg

        with matplotlib.rc_context({"animation.ffmpeg_path": imageio_ffmpeg.get_ffmpeg_exe()}):
            writer = FFMpegWriter(fps=fps, codec="h264", extra_args=["-pix_fmt", "yuv420p"])
            animation.save(out, writer=writer, dpi=dpi)
    return out


class _GifWriter(AbstractMovieWriter):
    """matplotlib's PillowWriter with one palette for every frame: the colours of ``keep`` exactly, white and
    black, then the most common others of the last frame (every trail drawn). Pillow would otherwise
    quantise each frame to a palette of its own, and a label's colour would change from frame to frame."""

    def __init__(self, *args, keep: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.keep = [tuple(round(255 * v) for v in mcolors.to_rgb(c)) for c in keep]
        self.frames: list = []

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi=dpi)
        self.frames = []

    def grab_frame(self, **savefig_kwargs):
        buffer = BytesIO()
        self.fig.savefig(buffer, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        rgba = Image.frombuffer("RGBA", self.frame_size, buffer.getbuffer(), "raw", "RGBA", 0, 1)
        self.frames.append(rgba.convert("RGB"))

    def finish(self):
        fixed = list(dict.fromkeys([*self.keep, (255, 255, 255), (0, 0, 0)]))[:128]
        room = 256 - len(fixed)
        rest = self.frames[-1].quantize(colors=room, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * room]
        palette = Image.new("P", (1, 1))
        palette.putpalette([v for c in fixed for v in c] + list(rest))
        frames = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in self.frames]
        frames[0].save(self.outfile, save_all=True, append_images=frames[1:], duration=int(1000 / self.fps),
                       loop=0, optimize=False)


# ---------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------


def _freeze_layout(fig: Figure) -> None:
    """Run the figure's layout engine once and keep the positions it found: without an engine, savefig
    draws once instead of twice (a layout pass, then the drawing)."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # None, not "none": "none" keeps a placeholder engine


def save(fig: Figure, directory: str | Path, stem: str) -> list[Path]:
    """Write ``fig`` as ``directory/stem.png`` (120 dpi) and ``directory/stem.svg`` (the directory is
    created if needed), close it (release it from pyplot if pyplot manages it) and return both paths."""
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, not {type(fig).__name__}")
    if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"stem={stem!r} must be a plain file name without a directory")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    _freeze_layout(fig)  # lay out once for both files (savefig would lay out twice for each)
    with matplotlib.rc_context({"svg.hashsalt": "descend"}):
        fig.savefig(png, dpi=120, facecolor="white")
        fig.savefig(svg, facecolor="white", metadata={"Date": None})
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return [png, svg]
