"""Figures of the curves and final metrics: loss against step or epoch, learning-rate sensitivity, the
lr × batch size heat map, GD / SGD / mini-batch / hybrid batch sizes, and gradient norms."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from ... import outcomes
from ..._names import ordinal
from ...selection import Selection, scores
from ..colours import COST_COLOURMAP
from ..colours import depth_colours, depth_order, marks_at, text_colour
from ..colours import markers as marker_shapes
from ..ticks import capped_top
from .grid import _thin
from .style import (
    GRAD_PREFIX,
    SPLIT_STYLES,
    SPLITS,
    STATUS_MARKS,
    SMALLEST_TEXT,
    STATUS_SHORT,
    X_LABELS,
    _batch_key,
    _batch_text,
    _check_title,
    _colours,
    _curves,
    _legend,
    _legend_right,
    _log_ticks,
    _log_y,
    _metric_name,
    _order,
    _panel_grid,
    _panels,
    _regime_colours,
    _regime_name,
    _same,
    _shade,
    _split_name,
    _status_handles,
    _styled,
    _summary,
    _suptitle,
    literal,
)

# ---------------------------------------------------------------------------------------------------------
# Median lines with an inter-quartile band
# ---------------------------------------------------------------------------------------------------------


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
                 positive: bool = False, linewidth: float | None = None) -> tuple | None:
    """Draw the median over runs of one metric and split (band: the inter-quartile range, where at least
    two runs are finite, only when there are at least two runs); with ``positive`` (a log axis) values
    <= 0 are gaps. Returns (xs, table) or None."""
    if data.empty:
        return None
    xs, table = _table(data, x, positive)
    values = table.to_numpy(float)
    q1, median, q3 = _row_quantiles(values, (0.25, 0.5, 0.75))
    keep = _thin(len(xs), median)  # a long run's spikes kept, as on the page
    ax.plot(xs[keep], median[keep], color=colour, linestyle=linestyle, label=name, linewidth=linewidth)
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
    """Keep a run that blew up from squashing a log axis: the top is at most :func:`capped_top` of the lines'
    first values. Returns the top."""
    bottom, top = ax.get_ylim()
    cap = capped_top(references)
    if cap is not None and top > cap:
        top = cap
        ax.set_ylim(bottom, top)
    return top


def _first_finite(table: pd.DataFrame) -> float:
    (median,) = _row_quantiles(table.to_numpy(float), (0.5,))
    finite = median[np.isfinite(median)]
    return float(finite[0]) if len(finite) else math.nan


def _plot_marks(ax, marks: list, top: float) -> None:
    for (status, (xm, ym)), colour in marks:
        ax.plot([xm], [min(ym, top)], color=colour, clip_on=False, zorder=5, **STATUS_MARKS[status])


def _markers(s: pd.DataFrame, given: Mapping[str, str] | None, order: Sequence[str] | None = None) -> dict[str, str]:
    """Every label's marker shape: ``given`` (a report's), else :func:`descend.report.colours.markers` of the
    labels in ``order`` (:func:`_order`'s; by default the order they first come in the summary)."""
    labels = list(order) if order is not None else _order(s)
    if given is None:
        return marker_shapes(labels)
    missing = [label for label in labels if label not in given]
    if missing:
        raise ValueError(f"markers has no marker for {', '.join(map(repr, missing))}")
    return {label: given[label] for label in labels}


def _mark_every(ax, line, marker: str, j: int, n: int) -> None:
    """Put ``marker`` on ``line`` :data:`descend.report.colours.MARKS_PER_LINE` times, evenly, the j-th of n lines
    starting a little later than the one before (:func:`descend.report.colours.marks_at`), so that the markers of
    lines on top of each other fall side by side.

    The marks are a line of their own, without a stroke: matplotlib draws only the visible slice of a sorted
    line of over 1,000 points, and its ``markevery`` positions would index that slice (a run that diverged
    early leaves a narrow slice, and the figure failed)."""
    xs, ys = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    at = marks_at(len(xs), j, n)
    if not at:
        return
    ax.plot(xs[at], ys[at], linestyle="none", marker=marker, color=line.get_color(), markersize=5,
            markeredgecolor="white", markeredgewidth=0.6, zorder=line.get_zorder(), label="_nolegend_")


# ---------------------------------------------------------------------------------------------------------
# Loss curves
# ---------------------------------------------------------------------------------------------------------


def _configurations(s: pd.DataFrame, order: Sequence[str] | None = None
                    ) -> list[tuple[str, float, str, list, str, int, int]]:
    """Runs with the same label, lr and batch size: (label, lr, batch size, runs, legend name, i, n),
    i of n being the configuration's place among its label's; the labels in ``order`` (:func:`_order`'s)."""
    out = []
    for label in (order if order is not None else _order(s)):
        rows = s[s["label"] == label]
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
    markers: Mapping[str, str] | None = None,
) -> Figure:
    """The loss against ``x`` ("step" or "epoch"), log y (linear if some loss is negative, e.g. a landscape's
    cost): one line per label (per label, lr and batch size when those vary, named in the legend) — the
    median over seeds, with the inter-quartile band when there are at least two seeds. The runs drawn are
    the runs of ``summary`` (a report passes its selection's). The "batch" split is the training loss as
    measured at every step (never smoothed; very long curves are thinned to every k-th point); held-out
    splits are dashed or dotted. On the log axis a loss that is not positive (a batch with no valid
    sample) is a gap. A run that does not count keeps its line until it stops; the mark of its status
    (× diverged, ◆ left the model's domain) sits at the step its status took effect, at its last finite loss.
    So that lines on top of each other stay visible, each label's lines carry its marker shape (``markers``,
    label → matplotlib marker, else :func:`descend.report.colours.markers` of the labels) every tenth of the
    way, at a different place for each label, and each line is drawn a little narrower than the one before.
    The training loss measured at every step is named by its batches: the full set for full-batch runs.

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
    order = _order(s, colours)  # the legend's: a report's colours are in its table's order
    colours = _colours(s, colours)
    markers = _markers(s, markers, order)
    configurations = _configurations(s, order)

    fig = Figure(figsize=(9, 5), layout="constrained")
    ax = fig.add_subplot()
    log = _log_y(ax, [by_split[sp]["value"].to_numpy(float) for sp in present])
    handles, marks, references = [], [], []
    for j, (label, _lr, _batch, runs, name, i, n) in enumerate(configurations):
        colour = _shade(colours[label], i, n)
        width = max(0.9, 2.4 - 1.4 * j / max(len(configurations) - 1, 1))
        drawn = False
        for k, sp in enumerate(present):
            data = by_split[sp][by_split[sp]["run"].isin(runs)]
            result = _draw_median(ax, data, x=x, colour=colour, linestyle=SPLIT_STYLES[sp],
                                  name=name if k == 0 else "_nolegend_", positive=log, linewidth=width)
            if result is None:
                continue
            xs, table = result
            _mark_every(ax, ax.lines[-1], markers[label], j, len(configurations))
            if not drawn:  # the first split drawn carries the status marks
                references.append(_first_finite(table))
                marks += [(m, colour) for m in _status_marks(s, runs, xs, table)]
                drawn = True
        if drawn:
            handles.append(Line2D([], [], color=colour, marker=markers[label], markersize=5, label=name))
    top = _cap_log_top(ax, references) if log else ax.get_ylim()[1]
    _plot_marks(ax, marks, top)
    if log:
        _log_ticks(ax)
    ax.set_xlabel(X_LABELS[x])
    ax.set_ylabel("loss (log scale)" if log else "loss")
    sizes = s.loc[c["run"].unique(), "batch_size"] if len(c) else []
    handles += [Line2D([], [], color="0.35", linestyle=SPLIT_STYLES[sp], label=_split_name(sp, sizes))
                for sp in present]
    handles += _status_handles(status for status, _ in (m for m, _ in marks))
    _legend_right(ax, handles)
    several = any(len(runs) > 1 for _, _, _, runs, *_ in configurations)  # one seed each: no median, no band
    # a loss of exactly 0 (Adam reaching Himmelblau's minimum to the last bit): its line ended without a word
    zero = log and any(bool((by_split[sp]["value"] == 0).any()) for sp in present)
    _suptitle(fig, title, f"loss against {x} (" + ("median over seeds, band: inter-quartile range" if several
                                                   else "one run per configuration") + ")"
              + ("; a loss of exactly 0 has no place on the log axis: a line ends there" if zero else ""))
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
                   colours: Mapping[str, str] | None = None, markers: Mapping[str, str] | None = None) -> Figure:
    """``metric`` (default the final training loss) against the learning rate, both on log scales: one
    line per label through the median over seeds at each lr, with the inter-quartile band where it is finite.
    A run that does not count (diverged, left the model's domain, pruned) enters the median as +∞, as in the
    comparison's choice (:func:`descend.selection.scores`): an lr where half of the runs or more have no result
    draws no point (its one survivor's value would look like a good rate), only the marks at the top edge of
    the axes, one per status and lr where any run has it (× diverged, ◆ left the model's domain). When the
    batch size varies, one panel per batch size. Each label's line carries its marker shape (``markers``, label →
    matplotlib marker, else :func:`descend.report.colours.markers` of the labels), as in every figure.

    Runs without a learning rate (NaN) are left out; it is an error if no run has one.
    """
    title = _check_title(title)
    s = _summary(summary, ["label", "lr", metric])
    order = _order(s, colours)  # the legend's: a report's colours are in its table's order
    colours = _colours(s, colours)
    markers = _markers(s, markers, order)
    s = s[np.isfinite(s["lr"]) & (s["lr"] > 0)]
    if s.empty:
        raise ValueError("lr_sensitivity needs runs with a learning rate, but column 'lr' has no positive value")
    values = pd.to_numeric(s[metric], errors="coerce")
    s = s.assign(**{metric: values})
    log_y = _log_metric(metric, values[s["counts"]])
    batches = sorted(s["batch_size"].unique(), key=_batch_key)
    labels = [label for label in order if label in set(s["label"])]

    fig = Figure(figsize=(3.6 * len(batches) + 2.2, 4.6), layout="constrained")
    axes = fig.subplots(1, len(batches), sharey=True, squeeze=False)[0]
    marked = set()
    for ax, batch in zip(axes, batches):
        rows_b = s[s["batch_size"] == batch]
        for j, label in enumerate(labels):
            rows = rows_b[rows_b["label"] == label]
            score = scores(rows, metric)
            if log_y:  # a value the log axis cannot show is left out, as before the rule
                score = score[~(np.isfinite(score) & (score <= 0))]
            by_lr = score.groupby(rows["lr"].loc[score.index])
            median = by_lr.median()
            drawn = np.isfinite(median.to_numpy(dtype=float))
            if drawn.any():
                q = by_lr.quantile([0.25, 0.75]).unstack()
                ax.plot(median.index[drawn], median[drawn], color=colours[label], marker=markers[label], markersize=5,
                        label=label)
                band = drawn & np.isfinite(q[0.75].to_numpy(dtype=float)) & (q[0.25] < q[0.75]).to_numpy()
                if band.any():
                    ax.fill_between(median.index[drawn], q[0.25].where(band)[drawn], q[0.75].where(band)[drawn],
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
        axes[0].autoscale_view()
        _log_ticks(axes[0])
    for ax in axes:
        ax.autoscale_view()
        _log_ticks(ax, "x")
    axes[0].set_ylabel(_metric_name(metric) + (" (log scale)" if log_y else ""))
    handles = [Line2D([], [], color=colours[label], marker=markers[label], markersize=5, label=label)
               for label in labels]
    handles += _status_handles(marked)
    _legend_right(axes[-1], handles)
    several = bool((s.groupby(["label", "batch_size", "lr"]).size() > 1).any())  # a search's trials: one run each
    _suptitle(fig, title, f"learning-rate sensitivity: {_metric_name(metric)} "
              + ("(median over seeds)" if several else "(one run per point)"))
    return fig


@_styled
def lr_batch_heatmap(
    summary: pd.DataFrame, *, metric: str = "final_train_loss", label: str | None = None, title: str = ""
) -> Figure | None:
    """Learning rate (x) × batch size (y, categorical) coloured by the median over seeds of ``metric`` (on a
    log scale if it is a positive loss, the colour bar labelled in the metric's own values, as the cells are),
    one panel per label (only ``label`` if given; at most 24, the title
    says how many are left out). A comparison passes the metric its configurations were chosen on
    (:meth:`descend.selection.Selection.chosen_on`), and a run that does not count (diverged, left the model's
    domain, pruned) enters a cell's median as +∞, as in that choice (:func:`descend.selection.scores`): a cell
    where half of its runs or more do not count has no result (its one survivor's value would look like a good
    configuration) and is hatched and marked with their statuses ("div" diverged, "left dom." left the model's
    domain); where fewer do not count, the cell says how many of each ("1/3 div") under its median. A missing
    combination is blank. Returns None if the learning rate or the batch size does not vary (there is no grid
    to draw).
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
    s = s.assign(_score=scores(s.assign(**{metric: values}), metric))
    labels, more = _panels(_order(s))

    grids = {}
    for name in labels:
        rows = s[s["label"] == name]
        grid = np.full((len(batches), len(lrs)), np.nan)
        counts = {}  # (i, j) -> (runs, {status: runs} of the runs that do not count, whether it has a result)
        for (lr, batch), cell in rows.groupby(["lr", "batch_size"]):
            i, j = batches.index(batch), int(np.searchsorted(lrs, lr))
            median = float(cell["_score"].median())
            if np.isfinite(median) and not (log_c and median <= 0):  # a log scale cannot show 0 or less
                grid[i, j] = median
            failed = cell.loc[~cell["counts"], "status"].value_counts()
            counts[i, j] = len(cell), {str(st): int(n) for st, n in failed.items()}, bool(np.isfinite(median))
        grids[name] = grid, counts
    finite = np.concatenate([g[np.isfinite(g)] for g, _ in grids.values()])
    vmin, vmax = (float(finite.min()), float(finite.max())) if len(finite) else (1.0, 10.0)
    if vmin == vmax:  # half a power of ten (a log scale) or 0.5 either side
        vmin, vmax = (vmin / 10 ** 0.5, vmax * 10 ** 0.5) if log_c else (vmin - 0.5, vmax + 0.5)

    rows_n, cols_n = _panel_grid(len(labels))
    width = max(4.2, 0.75 * len(lrs) + 1.6)
    fig = Figure(figsize=(width * cols_n + 1.2, (0.55 * len(batches) + 1.6) * rows_n + 0.6), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False).ravel()
    cmap = matplotlib.colormaps[COST_COLOURMAP]  # a loss is a cost: lighter is smaller, as on the landscapes
    # the values themselves on a log scale, not their log10: the colour bar reads in the cells' numbers
    norm = mcolors.LogNorm(vmin, vmax) if log_c else mcolors.Normalize(vmin, vmax)
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
                total, failed, result = counts[i, j]
                if not result:
                    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor="0.45",
                                           linewidth=0))
                    words = "\n".join(STATUS_SHORT.get(st, st) if n == total else f"{n}/{total} "
                                      f"{STATUS_SHORT.get(st, st)}" for st, n in failed.items())
                    ax.text(j, i, words, ha="center", va="center", fontsize=8, color="0.15", fontweight="bold")
                    continue
                value = grid[i, j]
                ink = text_colour(cmap(norm(value))) if np.isfinite(value) else "black"
                text = "" if not np.isfinite(value) else f"{value:.2g}"
                for st, n in failed.items():
                    text += f"\n{n}/{total} {STATUS_SHORT.get(st, st)}"
                ax.text(j, i, text, ha="center", va="center", fontsize=SMALLEST_TEXT, color=ink)
        ax.set_xticks(range(len(lrs)), [f"{lr:g}" for lr in lrs])
        first_column = k % cols_n == 0
        ax.set_yticks(range(len(batches)), [str(b) for b in batches] if first_column else [])
        ax.set_xlabel("learning rate")
        if first_column:
            ax.set_ylabel("batch size (samples per step)")
        ax.set_title(name)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    shown_name = _metric_name(metric) + (" (log scale)" if log_c else "")
    bar = fig.colorbar(image, ax=list(axes[: len(labels)]), label=f"median over seeds of {shown_name}")
    _log_ticks(bar.ax)  # round values (1, 2, 5 × 10^k) where the scale spans less than two powers of ten
    _suptitle(fig, title, f"learning rate × batch size: {_metric_name(metric)}{more}")
    return fig


# ---------------------------------------------------------------------------------------------------------
# Batch-size regimes
# ---------------------------------------------------------------------------------------------------------


def _check_selection(selection: object) -> Selection:
    if not isinstance(selection, Selection):
        raise ValueError(f"selection must be a descend.selection.Selection (a comparison's .selection, or "
                         f"descend.selection.select(summary)), not {type(selection).__name__}")
    return selection


#: The most dots a batch size gets in :func:`batch_regimes`: its updates are thinned to every k-th beyond this.
REGIME_DOTS = 120


def _regime_axis(ends: Mapping[str, tuple[float, float]]) -> str:
    """"step" or "epoch": the axis on which the batch sizes' runs end closest together (the largest end over
    the smallest; ties go to "step"), so that none of them is a stub at the left. ``ends``: batch size →
    (last step, last epoch)."""
    spread = {}
    for k, axis in enumerate(("step", "epoch")):
        last = [end[k] for end in ends.values() if np.isfinite(end[k]) and end[k] > 0]
        spread[axis] = max(last) / min(last) if last else math.inf
    return "epoch" if spread["epoch"] < spread["step"] else "step"


@_styled
def batch_regimes(
    summary: pd.DataFrame, curves: pd.DataFrame, selection: Selection, *, title: str = "", split: str | None = None,
    x: str = "auto"
) -> Figure:
    """The training loss per update for every batch size — full batch (GD), 1 (SGD), mini-batches, hybrid
    schedules — the regimes seed 004's figure 3 compares (over equal epochs, as a budget in epochs and the
    playground's widget show them; under a budget in steps each regime takes the same number of updates, so SGD
    sees a fraction of an epoch where GD sees the budget's): one panel per label of ``selection`` (at most 24, the
    title says how many are left out), log y, each batch size at the configuration ``selection.by_batch``
    chose for it (its learning rate named in the legend when the label's lr varies), in its own colour (GD
    black):

    - dots: the loss of every update's batch (the curves' "batch" split: one sample for SGD, the whole
      training set for GD) of the configuration's representative run, thinned as the seed thins them, by a
      rule for any budget (seed 004's figure shows every 32nd update of SGD and every 2nd of batches of 32 on its
      512 samples): every k-th update, k the smallest that leaves at most :data:`REGIME_DOTS` dots (named in
      the legend);
    - a line: ``split``'s loss — "train", the whole training set as evaluated (the default when the curves
      have it), or "batch" — the median over seeds with the inter-quartile band.

    ``x`` is "step" (updates), "epoch", or "auto": the axis on which the batch sizes end closest together —
    updates for a budget in steps (on epochs SGD would be a stub at 0), epochs for a budget in epochs.
    """
    title = _check_title(title)
    if x not in (*X_LABELS, "auto"):
        raise ValueError(f"x={x!r} is not allowed; choose 'auto', 'step' or 'epoch'")
    if split is not None and split not in ("train", "batch"):
        raise ValueError(f"split={split!r} is not allowed; choose 'train', 'batch' or None")
    selection = _check_selection(selection)
    s = _summary(summary, ["label", "lr", "batch_size"])
    c = _curves(curves, epoch=True)
    c = c[(c["metric"] == "loss") & c["run"].isin(s.index)]
    if split is None:
        split = "train" if (c["split"] == "train").any() else "batch"
    lines, per_update = c[c["split"] == split], c[c["split"] == "batch"]
    if lines.empty:
        raise ValueError(f"curves holds no training loss (split {split!r}, metric 'loss')")
    labels, more = _panels([label for label in selection.by_batch if label in set(s["label"])])
    if not labels:
        raise ValueError("selection chose no batch size for the labels of summary")
    batches = sorted({b for label in labels for b in selection.by_batch[label]}, key=_batch_key)
    regime_colours = _regime_colours(batches)
    if x == "auto":
        ends = {}
        for label in labels:
            for batch, choice in selection.by_batch[label].items():
                mine = c[c["run"].isin(choice.runs)]
                if len(mine):
                    last = mine.loc[mine["step"].idxmax()]
                    ends[f"{label}/{batch}"] = (float(last["step"]), float(last["epoch"]))
        x = _regime_axis(ends)

    rows_n, cols_n = _panel_grid(len(labels))
    fig = Figure(figsize=(4.6 * cols_n + 0.6, 3.7 * rows_n + 1.1), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False, sharey=True).ravel()
    log = _log_y(axes[0], [lines["value"].to_numpy(float), per_update["value"].to_numpy(float)])
    marks, references, thinning, legends = {}, [], {}, {}  # capped and marked once every panel is drawn: the y axis is shared
    for ax, label in zip(axes, labels):
        show_lr = s.loc[s["label"] == label, "lr"].nunique() > 1
        marks[ax] = []
        handles = []
        for k, batch in enumerate(batches):
            choice = selection.by_batch[label].get(batch)
            if choice is None:
                continue
            colour = regime_colours[batch]
            width = max(1.1, 2.8 - 1.7 * k / max(len(batches) - 1, 1))  # each line wider than the next: an
            # overlapped one shows as an edge (a hybrid schedule is its mini-batch until it switches)
            runs = [run for run in choice.runs if run in s.index]
            lr = choice.config.get("lr")
            name = _regime_name(batch) + (f", lr={lr:g}" if show_lr and lr is not None else "")
            dots = per_update[per_update["run"] == choice.representative].sort_values("step")
            values = dots["value"].to_numpy(float)
            if log:
                values = np.where(values > 0, values, np.nan)  # a batch with no valid sample: no dot
            if len(dots) and split != "batch":
                every = max(1, math.ceil(len(dots) / REGIME_DOTS))
                keep = np.arange(0, len(dots), every)
                ax.plot(dots[x].to_numpy(float)[keep], values[keep], linestyle="none", marker="o", markersize=2.6,
                        markeredgewidth=0, color=colour, alpha=0.55, zorder=2)
                thinning[name] = every
            result = _draw_median(ax, lines[lines["run"].isin(runs)], x=x, colour=colour, linestyle="-",
                                  name=name, positive=log, linewidth=width)
            if result is None:
                continue
            handles.append((name, colour))
            references.append(_first_finite(result[1]))
            marks[ax] += [(m, colour) for m in _status_marks(s, runs, *result)]
        ax.set_title(label)  # in black: here the colours are the batch sizes
        ax.set_xlabel("update (optimizer step)" if x == "step" else X_LABELS[x])
        legends[ax] = handles
    top = _cap_log_top(axes[0], references) if log else axes[0].get_ylim()[1]
    for ax, ax_marks in marks.items():
        _plot_marks(ax, ax_marks, top)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    if log:
        _log_ticks(axes[0])
    for ax in axes[::cols_n]:
        ax.set_ylabel("training loss" + (" (log scale)" if log else ""))
    # the thinning named once when every batch size has the same, else after each name
    shared = len(set(thinning.values())) == 1
    for ax, handles in legends.items():
        names = [name if shared or thinning.get(name, 1) == 1 else f"{name} · dots: every {ordinal(thinning[name])}"
                 for name, _ in handles]
        ax.legend(handles=[Line2D([], [], color=colour, marker="o", markersize=3, label=name)
                           for name, (_, colour) in zip(names, handles)],
                  loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=SMALLEST_TEXT)
    line_name = ("the whole training set, median over seeds (band: inter-quartile range)" if split == "train"
                 else "the loss of each update's batch, median over seeds (band: inter-quartile range)")
    key = [Line2D([], [], color="0.3", label=f"line: {line_name}")]
    if thinning:
        every = next(iter(thinning.values())) if shared else None
        which = ("every update" if every == 1 else f"every {ordinal(every)} update" if every else "thinned as named")
        key.append(Line2D([], [], color="0.3", linestyle="none", marker="o", markersize=3,
                          label=f"dots: the loss of the update's batch, one run ({which})"))
    _legend(fig, key, ncols=len(key) if cols_n > 1 else 1)  # one panel is too narrow for the two side by side
    _suptitle(fig, title, "batch size: GD vs SGD vs mini-batch vs hybrid, training loss per "
              + ("update" if x == "step" else "epoch") + more)
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
    (at most 24, the title says how many are left out), each showing the label's representative run
    there; or only ``run`` if given (then no selection is needed). A panel's title is in its label's colour.
    """
    title = _check_title(title)
    if by not in ("auto", "parameter", "layer"):
        raise ValueError(f"by={by!r} is not allowed; choose 'auto', 'parameter' or 'layer'")
    s = _summary(summary, ["label"])
    c = _curves(curves)
    c = c[c["metric"].isin([m for m in pd.unique(c["metric"]) if str(m).startswith(GRAD_PREFIX)])]  # by name, once
    if c.empty:
        raise ValueError("curves holds no gradient norms (metrics named 'grad_norm:<parameter name>')")
    if (c["split"] == "train").any():
        c = c[c["split"] == "train"]
    if run is not None:
        if run not in s.index:
            raise ValueError(f"run={run!r} is not in the summary")
        chosen, more = [(s.at[run, "label"], run)], ""
    else:
        selection = _check_selection(selection)
        chosen, more = _panels([(label, c.representative) for label, c in selection.chosen.items()
                                if c.representative is not None and c.representative in s.index])
        if not chosen:
            raise ValueError("selection has no representative run in summary")
    names = depth_order(m[len(GRAD_PREFIX):] for m in c["metric"].unique())
    if by == "auto":
        by = "parameter" if len(names) <= 8 else "layer"
    group = {n: (n.rsplit(".", 1)[0] if by == "layer" else n) for n in names}
    lines = list(dict.fromkeys(group[n] for n in names))
    line_colours = depth_colours(lines)
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
            for line in lines:
                if line in squares:
                    norm = np.sqrt(squares[line].to_numpy(float))
                    norm[~(norm > 0)] = np.nan  # a norm of 0 (a batch with no valid sample) is a gap on the log axis
                    keep = _thin(len(norm), norm)  # each line's spikes kept, as on the page
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
    axes[0].autoscale_view()
    _log_ticks(axes[0])
    for ax in axes[::cols_n]:
        ax.set_ylabel("gradient norm ‖∇J‖₂ (log scale)")
    handles = [Line2D([], [], color=line_colours[line], label=line) for line in lines]
    _legend_right(axes[min(cols_n, len(chosen)) - 1], handles, title="layer" if by == "layer" else "parameter")
    _suptitle(fig, title, "gradient norm per " + ("layer" if by == "layer" else "parameter tensor") + " over steps"
              + more)
    return fig


# ---------------------------------------------------------------------------------------------------------
# The parameter of a 1-D task over the steps
# ---------------------------------------------------------------------------------------------------------


@_styled
def parameter_steps(
    summary: pd.DataFrame, paths: Mapping[object, np.ndarray], *, name: str = "w", title: str = "",
    known: Sequence[float] = (), colours: Mapping[str, str] | None = None
) -> Figure:
    """The parameter of a one-parameter task against the step: one panel per label (at most 24, its title in
    the label's colour), one line per learning rate (per learning rate and batch size when that varies, in
    the colours of a sequential scale, darker for smaller rates) — the median over seeds of ``paths[run]``
    (``[T + 1]`` or ``[T + 1, 1]``: the start, then the value after each step) — and the ``known`` answers as
    dashed lines. This is where a step's rule shows: on w²/2, gradient descent's w ← (1 − α)w creeps towards
    0 when α < 1, oscillates around it while converging when 1 < α < 2, and grows when α > 2.

    The y axis spans the starts and the known answers (with a margin): a run that grows beyond it is cut at
    the edge, and a run that does not count is marked with its status (× diverged, ◆ left the model's
    domain) where its status took effect, at the edge if its value is beyond it.
    """
    title = _check_title(title)
    s = _summary(summary, ["label"])
    if not isinstance(paths, Mapping):
        raise ValueError(f"paths must be a dict (run -> [T + 1] array), not {type(paths).__name__}")
    values = {}
    for run, path in paths.items():
        if run not in s.index:
            continue
        array = np.asarray(path, dtype=float)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(f"paths[{run!r}] must be one parameter's values [T + 1] (or [T + 1, 1]), "
                             f"not an array of shape {list(np.shape(path))}")
        values[run] = array
    if not values:
        raise ValueError("paths has no run of the summary: there is nothing to draw")
    s = s.loc[[run for run in s.index if run in values]]
    labels, more = _panels(_order(s, colours))
    label_colours = _colours(s, colours)
    known = [float(k) for k in known]

    starts = [v[0] for v in values.values() if len(v) and np.isfinite(v[0])]
    anchors = np.array(starts + known, dtype=float)
    low, high = (float(anchors.min()), float(anchors.max())) if len(anchors) else (-1.0, 1.0)
    centre = known[0] if known else (low + high) / 2
    half = 1.3 * max(abs(high - centre), abs(low - centre), 1e-12)
    limits = (centre - half, centre + half)

    rows_n, cols_n = _panel_grid(len(labels))
    fig = Figure(figsize=(4.6 * cols_n + 0.4, 3.4 * rows_n + 0.7), layout="constrained")
    axes = fig.subplots(rows_n, cols_n, squeeze=False, sharey=True).ravel()
    marked = set()
    for ax, label in zip(axes, labels):
        configurations = _configurations(s[s["label"] == label])
        shades = matplotlib.colormaps["plasma"](np.linspace(0.05, 0.8, max(len(configurations), 2)))
        for j, (_label, lr, batch, runs, _name, _i, _n) in enumerate(configurations):
            line_name = "no lr" if not np.isfinite(lr) else f"lr={lr:g}"
            if len({c[2] for c in configurations}) > 1:
                line_name += f", {_batch_text(batch)}"
            length = max(len(values[run]) for run in runs)
            table = np.full((length, len(runs)), np.nan)
            for k, run in enumerate(runs):
                table[: len(values[run]), k] = values[run]
            (median,) = _row_quantiles(table, (0.5,))
            steps = np.arange(length, dtype=float)
            keep = _thin(length)
            colour = shades[j]
            ax.plot(steps[keep], median[keep], color=colour, linewidth=1.3, label=line_name)
            for run in runs:
                if s.at[run, "counts"]:
                    continue
                column = values[run]
                finite = np.flatnonzero(np.isfinite(column))
                at = s.at[run, "status_at"]
                step = int(at) if np.isfinite(at) else (int(finite[-1]) if len(finite) else 0)
                before = finite[finite <= step]
                y = float(column[before[-1]]) if len(before) else limits[1]
                status = s.at[run, "status"]
                marked.add(status)
                ax.plot([min(step, length - 1)], [min(max(y, limits[0]), limits[1])], color=colour, clip_on=False,
                        zorder=5, **STATUS_MARKS.get(status, STATUS_MARKS[outcomes.DIVERGED]))
        for k, answer in enumerate(known):
            ax.axhline(answer, color="0.25", linestyle="--", linewidth=0.9, zorder=1,
                       label=f"known answer ({name} = {answer:g})" if k == 0 else "_nolegend_")
        ax.set_ylim(*limits)
        ax.set_title(label, color=label_colours[label])
        ax.set_xlabel(X_LABELS["step"])
        ax.legend(loc="upper right", fontsize=SMALLEST_TEXT)
    for ax in axes[len(labels):]:
        ax.set_visible(False)
    for ax in axes[::cols_n]:
        ax.set_ylabel(name)
    _legend(fig, _status_handles(marked))
    _suptitle(fig, title, f"{name} after each step (median over seeds), one panel per optimizer{more}")
    return fig


@_styled
def fitted_model(data: tuple[np.ndarray, np.ndarray], fits: Mapping[str, tuple[np.ndarray, np.ndarray]], *,
                 truth: tuple[np.ndarray, np.ndarray] | None = None, title: str = "",
                 colours: Mapping[str, str] | None = None, notes: Mapping[str, str] | None = None,
                 xlabel: str = "x", ylabel: str = "y", scene: Any = None,
                 markers: Mapping[str, str] | None = None) -> Figure:
    """The training data and the model each optimizer fitted, as seed 004's figures 6-10 show the transfer orbit
    (and seed 003 the fitted line): the samples ``data = (x, y)`` as dots, ``fits[label] = (xs, ŷ)`` the
    model's prediction along x at the parameters its representative run ended with (NaN where the model is not
    defined: a gap), each in its label's colour, and ``truth`` (the known answer's model, dashed). ``notes``:
    label → a word for the legend (a run that diverged draws no curve: its note says so). ``scene`` (a
    :class:`descend.tasks.Scene`: seed 004's Sun, orbits, launch and arrival) is drawn around the data, x and y at
    one scale. Each model carries its label's marker shape (``markers``, else :func:`descend.report.colours.markers`
    of the labels) along its curve, in the legend too."""
    title = _check_title(title)
    x, y = (np.asarray(v, dtype=float).ravel() for v in data)
    if x.shape != y.shape or not len(x):
        raise ValueError(f"data must be (x, y) of the same length, not shapes {x.shape} and {y.shape}")
    if not isinstance(fits, Mapping):
        raise ValueError(f"fits must be a dict (label -> (xs, predictions)), not {type(fits).__name__}")
    notes = dict(notes or {})
    palette = dict(colours or {})
    shapes = dict(markers) if markers is not None else marker_shapes(fits)
    keys: dict[str, Line2D] = {}
    fig = Figure(figsize=(7.2, 4.6) if scene is None else (9.0, 4.6), layout="constrained")  # legend beside
    ax = fig.subplots()
    ax.scatter(x, y, s=6, color="0.55", alpha=0.6, linewidths=0, label=f"training data ({len(x)} samples)", zorder=1)
    if truth is not None:
        tx, ty = (np.asarray(v, dtype=float).ravel() for v in truth)
        ax.plot(tx, ty, color="0.1", linestyle="--", linewidth=1.2, label="known answer", zorder=5)
    for k, (label, (xs, ys)) in enumerate(fits.items()):
        xs, ys = np.asarray(xs, dtype=float).ravel(), np.asarray(ys, dtype=float).ravel()
        name = literal(label + (f" ({notes[label]})" if label in notes else ""))
        colour, marker = palette.get(label, f"C{k}"), shapes.get(label, "o")
        keys[name] = Line2D([], [], color=colour, linewidth=1.8, marker=marker, markersize=5, markeredgecolor="white",
                            markeredgewidth=0.6)  # the legend's entry: the line and its shape
        if not np.isfinite(ys).any():
            ax.plot([], [], color=colour, linewidth=1.8, label=name)
            continue
        (line,) = ax.plot(xs, ys, color=colour, linewidth=1.8, label=name, zorder=4)
        _mark_every(ax, line, marker, k, len(fits))
    if scene is not None:
        _draw_scene(ax, scene)
    ax.set_xlabel(literal(xlabel))
    ax.set_ylabel(literal(ylabel))
    handles, names = ax.get_legend_handles_labels()
    handles = [keys.get(name, handle) for handle, name in zip(handles, names)]
    if scene is not None:  # more entries than the data leaves room for: beside the axes
        ax.legend(handles, names, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, borderaxespad=0.0)
    else:
        ax.legend(handles, names, loc="best", fontsize=8)
    _suptitle(fig, title, "the training data and the model each optimizer fitted (its representative run)")
    return fig


def _draw_scene(ax: Any, scene: Any) -> None:
    """A case study's setting under its data (:class:`descend.tasks.Scene`): thin dotted circles and marked
    points, x and y at one scale. Each circle is drawn over its upper half and a little below (the ellipse's
    samples are the upper half of the transfer orbit: whole circles would halve the data's room)."""
    theta = np.linspace(-0.15, np.pi + 0.15, 241)
    for label, (cx, cy), radius, colour in scene.circles:
        ax.plot(cx + radius * np.cos(theta), cy + radius * np.sin(theta), color=colour, linestyle=":", linewidth=1.2,
                label=label, zorder=0)
    for label, (px, py), colour, marker in scene.points:
        ax.plot([px], [py], linestyle="none", marker=marker, markersize=11 if marker == "*" else 7, color=colour,
                markeredgecolor="black", markeredgewidth=0.6, label=label, zorder=6)
    ax.set_aspect("equal", adjustable="datalim")  # the limits grow to the one scale (a shrunk box would move the
    # axis labels off the figure)
