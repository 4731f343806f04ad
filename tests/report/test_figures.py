"""descend.report.figures on small synthetic comparisons: what each figure draws (lines, bands, markers,
panels), the files :func:`save` and :func:`animate` write read back, and clear errors on bad input."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import imageio.v3 as iio
import imageio_ffmpeg
import matplotlib.image
import numpy as np
import pandas as pd
import pytest
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure

from descend.report import figures as F
from descend.report.colours import colours as palette
from descend.selection import select

LABELS = ("adam", "sgd(momentum=0.9)")
SEEDS = (0, 1, 2)
LRS = (0.01, 0.1)
BATCHES = ("full", "32")
STEPS = 60
STEPS_PER_EPOCH = {"full": 1, "32": 4}
PARAMS = ("layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias")
DIVERGED = ("sgd(momentum=0.9)", 0.1, "32", 2)  # label, lr, batch size, seed of the run that diverges
DIVERGED_AT = 30


def _comparison():
    """24 runs (2 labels × 3 seeds × 2 lrs × 2 batch sizes) and their curves; one run diverges."""
    rows, curves = [], []
    run = 0
    for label in LABELS:
        for lr in LRS:
            for batch in BATCHES:
                for seed in SEEDS:
                    diverged = (label, lr, batch, seed) == DIVERGED
                    steps = np.arange(STEPS + 1)
                    rate = 20 * lr * (1.5 if label == "adam" else 1.0)
                    loss = 2.0 * np.exp(-rate * steps / STEPS * 3) * (1 + 0.1 * seed) + 1e-3
                    if diverged:
                        loss = 2.0 * np.exp(0.3 * steps)
                        loss[steps > DIVERGED_AT] = np.nan
                    epoch = steps / STEPS_PER_EPOCH[batch]
                    for split in ("batch", "train", "test"):
                        at = steps if split == "batch" else steps[::10]
                        value = loss[at] * (1.2 if split == "test" else 1.0)
                        curves.append(pd.DataFrame({"run": run, "step": at, "epoch": epoch[at], "split": split,
                                                    "metric": "loss", "value": value}))
                    for k, name in enumerate(PARAMS):
                        curves.append(pd.DataFrame({"run": run, "step": steps, "epoch": epoch, "split": "train",
                                                    "metric": f"grad_norm:{name}",
                                                    "value": loss * (k + 1)}))
                    final = loss[np.isfinite(loss)][-1]
                    rows.append({"run": run, "label": label, "optimizer": label.split("(")[0], "lr": lr,
                                 "batch_size": batch, "seed": seed, "final_train_loss": np.nan if diverged else final,
                                 "best_train_loss": np.nanmin(loss), "final_test_loss": 1.2 * final,
                                 "steps_to_target": np.nan, "diverged": diverged,
                                 "diverged_at": DIVERGED_AT if diverged else np.nan})
                    run += 1
    return pd.DataFrame(rows).set_index("run"), pd.concat(curves, ignore_index=True)


SUMMARY, CURVES = _comparison()
SELECTION = select(SUMMARY)


def _where(**conditions) -> pd.DataFrame:
    s = SUMMARY
    for column, value in conditions.items():
        s = s[s[column] == value]
    return s


def _data_lines(ax, linestyle: str):
    """Lines of data drawn with a line style (with no marker, or markers only every few points)."""
    return [line for line in ax.lines if line.get_linestyle() == linestyle
            and (line.get_marker() in ("None", "") or line.get_markevery() is not None)]


def _x_marks(ax):
    return [line for line in ax.lines if line.get_marker() == "x"]


def _bands(ax):
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def _legend_texts(fig: Figure) -> list[str]:
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return [t.get_text() for legend in legends for t in legend.get_texts()]


# ---------------------------------------------------------------------------------------------------------
# Loss curves
# ---------------------------------------------------------------------------------------------------------


def test_loss_curves_one_median_per_configuration_and_split_with_bands_and_a_divergence_mark():
    fig = F.loss_curves(SUMMARY, CURVES, title="toy task · optimizers")
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    assert len(_data_lines(ax, "-")) == 8  # 2 labels × 2 lrs × 2 batch sizes, training loss
    assert len(_data_lines(ax, "--")) == 8  # and test loss, dashed
    assert len(_bands(ax)) == 16  # 3 seeds: an inter-quartile band for each
    assert len(_x_marks(ax)) == 1
    assert ax.get_yscale() == "log"
    assert fig.get_suptitle().startswith("toy task · optimizers — loss against step")
    texts = _legend_texts(fig)
    assert "sgd(momentum=0.9), lr=0.1, batch 32" in texts and "diverged" in texts and "test loss" in texts
    # one colour per label: every line of adam is a shade of adam's colour, never sgd's
    colours = palette(dict(zip(SUMMARY["label"], SUMMARY["optimizer"])))
    assert all(colours["sgd(momentum=0.9)"] != line.get_color() for line in _data_lines(ax, "-"))


def test_every_figure_lists_the_optimizers_in_the_tables_order_not_alphabetically():
    """The still figures' legends listed adam before momentum and sgd (sorted), where the report's table and
    charts list the comparison's order: now a figure lists its labels in the order of the colours it is given (a
    report's, in its table's order), else in the order they first come in the summary."""
    table = ["sgd(momentum=0.9)", "adam"]  # the comparison's order: not the alphabet's
    given = {label: palette(dict(zip(SUMMARY["label"], SUMMARY["optimizer"])))[label] for label in table}

    def listed(texts):
        return [label for text in texts for label in table if text.split(",")[0] == label]

    one = SUMMARY[(SUMMARY["batch_size"] == "full") & (SUMMARY["lr"] == 0.1)]
    assert listed(_legend_texts(F.loss_curves(one, CURVES, colours=given))) == table
    assert listed(_legend_texts(F.lr_sensitivity(SUMMARY, colours=given))) == table
    shuffled = SUMMARY.sort_values("label", ascending=False)  # sgd's runs first, as a comparison listing it first
    assert listed(_legend_texts(F.loss_curves(shuffled[shuffled.index.isin(one.index)], CURVES))) == table
    assert listed(_legend_texts(F.lr_sensitivity(shuffled))) == table
    panels = [ax.get_title() for ax in F.lr_batch_heatmap(shuffled).axes if ax.images]
    assert panels == table
    paths = {run: np.linspace(1.0, 0.0, 11) for run in SUMMARY.index}
    panels = [ax.get_title() for ax in F.parameter_steps(SUMMARY, paths, colours=given).axes if ax.get_visible()]
    assert panels == table


def test_a_long_runs_spikes_stay_in_the_static_figures_as_on_the_page():
    """The static median and gradient-norm lines of a long run kept every k-th step, passing over its spikes, where
    the page's charts keep each stretch's lowest and highest value: both keep them now (one rule,
    descend.report.thinning)."""
    steps = np.arange(20_000)
    loss = 1.0 / (1 + steps) + 1e-4
    spikes = np.arange(11, 20_000, 997)
    loss[spikes] = 5.0 + np.arange(len(spikes))
    summary = pd.DataFrame([{"run": 0, "label": "adam", "optimizer": "adam", "lr": 0.01, "batch_size": "full",
                             "seed": 0, "final_train_loss": loss[-1], "best_train_loss": loss.min(),
                             "steps_to_target": np.nan, "diverged": False, "diverged_at": np.nan}]).set_index("run")
    curves = pd.concat([pd.DataFrame({"run": 0, "step": steps, "epoch": steps.astype(float), "split": split,
                                      "metric": metric, "value": loss})
                        for split, metric in (("batch", "loss"), ("train", "grad_norm:w"))], ignore_index=True)
    line = _data_lines(F.loss_curves(summary, curves, splits=("batch",)).axes[0], "-")[0]
    x, y = np.asarray(line.get_xdata()), np.asarray(line.get_ydata())
    assert len(x) <= F.MAX_POINTS + 2 and set(spikes) <= set(x.astype(int))
    assert y.max() == loss.max()
    norms = F.grad_norms(summary, curves, run=0)
    drawn = [line for ax in norms.axes for line in ax.lines if line.get_label() == "w"]
    assert drawn and set(spikes) <= set(np.asarray(drawn[0].get_xdata()).astype(int))


def test_loss_curves_band_needs_two_seeds():
    fig = F.loss_curves(_where(seed=0), CURVES)
    ax = fig.axes[0]
    assert len(_bands(ax)) == 0 and len(_data_lines(ax, "-")) == 8
    # nor does its title claim one (a median over seeds, a band) where each configuration ran one seed
    assert fig.get_suptitle().endswith("(one run per configuration)")
    assert F.loss_curves(SUMMARY, CURVES).get_suptitle().endswith("(median over seeds, band: inter-quartile range)")


def test_loss_curves_say_when_a_loss_of_exactly_zero_ends_a_line_on_the_log_axis():
    """Adam reaching Himmelblau's minimum to the last bit (a loss of 0.0) ended its line with no word why."""
    curves = CURVES.copy()
    first = curves.index[(curves["split"] == "batch") & (curves["metric"] == "loss")][-1]
    curves.loc[first, "value"] = 0.0
    fig = F.loss_curves(SUMMARY, curves)
    assert fig.axes[0].get_yscale() == "log"
    assert fig.get_suptitle().replace("\n", " ").endswith("; a loss of exactly 0 has no place on the log axis: a "
                                                           "line ends there")
    assert "exactly 0" not in F.loss_curves(SUMMARY, CURVES).get_suptitle()


def test_loss_curves_divergence_mark_sits_at_the_divergence_step_and_the_line_stops():
    label, lr, batch, _ = DIVERGED
    summary = _where(label=label, lr=lr, batch_size=batch)
    fig = F.loss_curves(summary, CURVES, splits=("batch",))
    ax = fig.axes[0]
    (mark,) = _x_marks(ax)
    assert mark.get_xdata()[0] == DIVERGED_AT
    assert mark.get_ydata()[0] <= ax.get_ylim()[1]  # a blown-up loss is capped at the top, not off the figure
    (line,) = _data_lines(ax, "-")
    assert line.get_xdata()[-1] == STEPS  # the median of the two surviving seeds goes on
    single = F.loss_curves(summary[summary.seed == DIVERGED[3]], CURVES, splits=("batch",)).axes[0]
    (line,) = _data_lines(single, "-")
    y = np.asarray(line.get_ydata(), float)
    assert np.isfinite(y[: DIVERGED_AT + 1]).all() and np.isnan(y[DIVERGED_AT + 1 :]).all()


def test_loss_curves_against_epoch_and_lr_in_legend_only_when_it_varies():
    summary = _where(lr=0.01, batch_size="32")
    fig = F.loss_curves(summary, CURVES, x="epoch", splits=("train", "validation"))
    ax = fig.axes[0]
    (first, second) = _data_lines(ax, "-")  # no validation split in the curves: skipped
    assert max(first.get_xdata()) == STEPS / STEPS_PER_EPOCH["32"]
    assert "epoch" in ax.get_xlabel()
    assert set(LABELS) <= set(_legend_texts(fig))


def test_loss_curves_thins_long_curves_without_smoothing():
    n = 3 * F.MAX_POINTS
    summary = pd.DataFrame({"label": ["gd"], "lr": [0.1], "batch_size": ["full"], "seed": [0],
                            "diverged": [False]}, index=pd.Index([0], name="run"))
    values = 1 + np.sin(np.arange(n))
    curves = pd.DataFrame({"run": 0, "step": np.arange(n), "epoch": np.arange(n), "split": "batch",
                           "metric": "loss", "value": values})
    (line,) = _data_lines(F.loss_curves(summary, curves).axes[0], "-")
    x, y = np.asarray(line.get_xdata(), int), np.asarray(line.get_ydata())
    assert len(x) <= F.MAX_POINTS + 1 and x[-1] == n - 1
    np.testing.assert_array_equal(y, values[x])  # measured values, not a smoothed curve


# ---------------------------------------------------------------------------------------------------------
# Learning rate and batch size
# ---------------------------------------------------------------------------------------------------------


def test_lr_sensitivity_one_line_per_label_per_batch_size_and_divergences_at_the_top():
    fig = F.lr_sensitivity(SUMMARY, title="toy")
    assert isinstance(fig, Figure) and len(fig.axes) == 2  # one panel per batch size
    mini, full = fig.axes  # batch sizes in order: numbers, hybrid schedules, the full batch
    assert (mini.get_title(), full.get_title()) == ("mini-batch (32)", "GD (full batch)")
    for ax in (full, mini):
        lines = [line for line in ax.lines if line.get_linestyle() != "None"]  # not the status marks
        assert [line.get_marker() for line in lines] == ["o", "s"]  # each label's own shape, as in every figure
        assert len(lines) == len(LABELS)
        assert [list(line.get_xdata()) for line in lines] == [list(LRS)] * 2
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert _x_marks(full) == []
    (mark,) = _x_marks(mini)
    assert list(mark.get_ydata()) == [1.0]  # in axes coordinates: the top edge
    assert mark.get_transform() == mini.get_xaxis_transform()
    assert "diverged" in _legend_texts(fig)
    one = F.lr_sensitivity(_where(batch_size="full"), metric="final_test_loss")
    assert len(one.axes) == 1 and "final test loss" in one.axes[0].get_ylabel()


def test_lr_sensitivity_says_median_over_seeds_only_where_a_point_has_several_runs():
    """A tuned comparison's chart of its search (one trial per point) was titled "(median over seeds)"."""
    assert F.lr_sensitivity(SUMMARY).get_suptitle().replace("\n", " ").endswith("(median over seeds)")
    single = SUMMARY.drop_duplicates(["label", "batch_size", "lr"])
    assert F.lr_sensitivity(single).get_suptitle().replace("\n", " ").endswith("(one run per point)")


def test_the_lr_batch_caption_reads_the_colours_as_they_are_drawn():
    """The caption said a dark row was a forgiving batch size; dark is the largest loss (viridis reversed)."""
    import matplotlib

    from descend.report.colours import COST_COLOURMAP
    from descend.report.html import VIEWS

    def luminance(rgba):
        return 0.2126 * rgba[0] + 0.7152 * rgba[1] + 0.0722 * rgba[2]

    cmap = matplotlib.colormaps[COST_COLOURMAP]
    assert luminance(cmap(0.0)) > luminance(cmap(1.0))  # the smallest loss is the lightest colour
    assert "a light row that stays light across learning rates is a batch size that forgives" in VIEWS["lr-batch"][2]


def test_lr_sensitivity_counts_a_run_without_a_result_as_infinite_as_the_choice_does():
    """At an lr where 4 of 5 seeds diverged the line went through the one survivor (a good-looking rate the
    comparison's rule rejects); where 2 of 5 did, through the survivors' median, not the rule's."""
    rows = []
    for lr, losses in ((0.1, [1.0, 2.0, 3.0, 4.0, 5.0]), (0.2, [1.5, 2.5, 3.5, None, None]),
                       (0.4, [0.5, None, None, None, None])):
        rows += [dict(run=len(rows) + k, label="gd", lr=lr, batch_size="full", seed=k, status="diverged"
                      if v is None else "ok", final_train_loss=np.nan if v is None else v)
                 for k, v in enumerate(losses)]
    (ax,) = F.lr_sensitivity(pd.DataFrame(rows)).axes
    (line,) = [line for line in ax.lines if line.get_marker() == "o"]
    assert list(line.get_xdata()) == [0.1, 0.2]  # 0.4: only its × marks
    assert list(line.get_ydata()) == [3.0, 3.5]  # 0.2: the median of 1.5, 2.5, 3.5, ∞, ∞
    (mark,) = _x_marks(ax)
    assert sorted(mark.get_xdata()) == pytest.approx([0.2, 0.4])


def test_lr_batch_heatmap_cells_colours_and_divergences():
    fig = F.lr_batch_heatmap(SUMMARY)
    images = [ax for ax in fig.axes if ax.images]
    assert len(images) == 2  # one panel per label, plus the colour bar
    assert images[0].images[0].get_array().shape == (len(BATCHES), len(LRS))
    sgd = images[1]
    assert any("1/3 div" in t.get_text() for t in sgd.texts)
    # every seed of a cell diverged: hatched and marked "div"
    summary = SUMMARY.copy()
    cell = (summary.label == DIVERGED[0]) & (summary.lr == DIVERGED[1]) & (summary.batch_size == DIVERGED[2])
    summary.loc[cell, "diverged"] = True
    one = F.lr_batch_heatmap(summary, label=DIVERGED[0])
    ax = [ax for ax in one.axes if ax.images][0]
    assert [t.get_text() for t in ax.texts].count("div") == 1
    assert [p.get_hatch() for p in ax.patches] == ["//"]
    assert np.ma.is_masked(ax.images[0].get_array()[0, 1])  # rows: batch 32, full; columns: lr 0.01, 0.1
    assert F.lr_batch_heatmap(_where(lr=0.1)) is None  # the lr does not vary
    assert F.lr_batch_heatmap(_where(batch_size="32")) is None


def test_lr_batch_heatmap_counts_a_run_without_a_result_as_infinite_as_the_choice_does():
    """A cell where 2 of 3 seeds diverged was coloured by its one survivor (the lightest cell of the panel, a
    configuration the comparison's rule rejects); where 1 of 3 did, by the median of the two others."""
    rows = []
    for lr, batch, losses in ((0.1, "8", [0.3, 0.3, 0.3]), (0.3, "8", [0.05, None, None]),
                              (0.1, "full", [0.2, 0.4, None]), (0.3, "full", [0.5, 0.6, 0.7])):
        rows += [dict(run=len(rows) + k, label="sgd", lr=lr, batch_size=batch, seed=k, status="diverged"
                      if v is None else "ok", final_train_loss=np.nan if v is None else v)
                 for k, v in enumerate(losses)]
    ax = [ax for ax in F.lr_batch_heatmap(pd.DataFrame(rows)).axes if ax.images][0]
    grid = ax.images[0].get_array()  # rows: batch 8, full; columns: lr 0.1, 0.3
    assert np.ma.is_masked(grid[0, 1]) and [p.get_hatch() for p in ax.patches] == ["//"]
    assert grid[0, 0] == pytest.approx(0.3)
    assert grid[1, 0] == pytest.approx(0.4)  # the median of 0.2, 0.4 and +∞
    texts = {tuple(round(v) for v in t.get_position()): t.get_text() for t in ax.texts}
    assert texts[1, 0] == "2/3 div" and texts[0, 1] == "0.4\n1/3 div"


def test_the_heat_maps_colour_bar_is_labelled_in_the_losses_values_as_its_cells_are():
    """The colour bar read 0 to -0.5 (log10 units) beside cells reading 1 and 0.33: it is now ticked at losses on a
    log scale, so that a cell's colour and its number meet at the same place on the bar."""
    rows = [dict(run=k, label="gd", lr=lr, batch_size=batch, seed=0, final_train_loss=loss)
            for k, (lr, batch, loss) in enumerate([(0.01, "full", 1.0), (0.1, "full", 0.33), (0.01, "32", 0.6),
                                                   (0.1, "32", 0.45)])]
    fig = F.lr_batch_heatmap(pd.DataFrame(rows))
    (ax,) = [ax for ax in fig.axes if ax.images]
    (bar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    assert bar.get_yscale() == "log" and bar.get_ylim() == pytest.approx((0.33, 1.0))  # the smallest and largest
    assert "(log scale)" in bar.get_ylabel() and "log10" not in bar.get_ylabel()
    assert _labels(bar.yaxis)  # drawn: the ticks placed
    low, high = bar.get_ylim()
    ticks = [(t.get_position()[1], t.get_text()) for t in bar.yaxis.get_ticklabels()
             if low <= t.get_position()[1] <= high and t.get_text()]
    assert len(ticks) >= 2 and all(float(text) == pytest.approx(v) for v, text in ticks), ticks
    image = ax.images[0]
    for text in ax.texts:  # each cell's colour is the bar's colour at the number written in it
        j, i = (round(v) for v in text.get_position())
        cell = image.cmap(image.norm(image.get_array()[i, j]))
        assert cell == pytest.approx(image.cmap(image.norm(float(text.get_text()))), abs=0.01)
        assert cell == pytest.approx(image.cmap((np.log10(float(text.get_text())) - np.log10(0.33))
                                                / (0 - np.log10(0.33))), abs=0.01)


def _contrast(first, second) -> float:
    """WCAG 2.x contrast of two matplotlib colours, computed here apart from descend's own."""
    def lum(colour):
        c = [v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in matplotlib.colors.to_rgb(colour)]
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    high, low = sorted((lum(first), lum(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_heatmap_values_are_readable_on_every_colour_of_the_map():
    """White on viridis's green and teal cells was 2.22:1 (the text's colour went by sum(RGB) < 1.5), in 7 pt:
    each value is now black or white by contrast, at least 4.5:1 on every colour of the map, in 8 pt or more."""
    from descend.report.colours import COST_COLOURMAP, text_colour

    cmap = matplotlib.colormaps[COST_COLOURMAP]
    assert min(_contrast(text_colour(cmap(v)), cmap(v)) for v in np.linspace(0, 1, 1001)) >= 4.5
    lrs = np.geomspace(1e-3, 1, 24)  # 48 cells whose values span the whole map
    rows = [dict(run=k, label="gd", lr=lr, batch_size=batch, seed=0, final_train_loss=10 ** (k / 12))
            for k, (lr, batch) in enumerate((lr, b) for b in ("full", "32") for lr in lrs)]
    fig = F.lr_batch_heatmap(pd.DataFrame(rows))
    ax = [ax for ax in fig.axes if ax.images][0]
    image = ax.images[0]
    grid = image.get_array()
    assert len(ax.texts) == 48
    for text in ax.texts:
        j, i = (round(v) for v in text.get_position())
        cell = image.cmap(image.norm(grid[i, j]))
        assert _contrast(text.get_color(), cell) >= 4.5, (text.get_text(), text.get_color(), cell)
        assert text.get_fontsize() >= 8
    # the legends that were 7 pt: the batch sizes' key, a one-parameter task's lines
    for fig in (F.batch_regimes(SUMMARY, CURVES, SELECTION),
                F.parameter_steps(SUMMARY, {run: np.linspace(1.0, 0.0, 11) for run in SUMMARY.index})):
        sizes = [t.get_fontsize() for ax in fig.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        assert sizes and min(sizes) >= 8


def test_batch_regimes_one_line_per_batch_size_at_its_best_lr():
    fig = F.batch_regimes(SUMMARY, CURVES, SELECTION, title="toy")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2
    for ax in axes:
        assert len(_data_lines(ax, "-")) == len(BATCHES) and ax.get_yscale() == "log"
        names = [t.get_text() for t in ax.get_legend().get_texts()]
        assert names == ["mini-batch (32), lr=0.1", "GD (full batch), lr=0.1"]
    assert {ax.get_title() for ax in axes} == set(LABELS)
    # one panel: the key under it (the line's and the dots' meaning) fits the narrow figure, one entry a row
    one = _where(label=LABELS[0])
    fig = F.batch_regimes(one, CURVES[CURVES.run.isin(one.index)], select(one), title="toy")
    fig.draw_without_rendering()
    (key,) = fig.legends
    extent, box = key.get_window_extent(), fig.bbox
    assert box.x0 <= extent.x0 and extent.x1 <= box.x1, (extent, box)


# ---------------------------------------------------------------------------------------------------------
# Gradient norms
# ---------------------------------------------------------------------------------------------------------


def test_grad_norms_per_parameter_per_layer_and_one_run():
    fig = F.grad_norms(SUMMARY, CURVES, SELECTION)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert len(axes) == 2 and all(len(ax.lines) == len(PARAMS) and ax.get_yscale() == "log" for ax in axes)
    # each label's representative run in the selection: the best configuration (lr 0.1; the full batch, run
    # first, wins the tie with batch 32), its median-loss seed
    assert [ax.get_title().split("\n")[1] for ax in axes] == ["(run 7: lr=0.1, full batch, seed 1)",
                                                               "(run 19: lr=0.1, full batch, seed 1)"]
    layers = [ax for ax in F.grad_norms(SUMMARY, CURVES, SELECTION, by="layer").axes if ax.get_visible()][0]
    assert [line.get_label() for line in layers.lines] == ["layer0", "layer1"]
    step = 5
    run = axes[0].get_title().split("run ")[1].split(":")[0]
    loss = CURVES[(CURVES.run == int(run)) & (CURVES.split == "batch") & (CURVES.step == step)].value.item()
    assert layers.lines[0].get_ydata()[step] == pytest.approx(loss * math.sqrt(1 + 4))  # sqrt(Σ norm²)
    single = F.grad_norms(SUMMARY, CURVES, run=3)
    assert len([ax for ax in single.axes if ax.get_visible()]) == 1


# ---------------------------------------------------------------------------------------------------------
# Landscapes and animations
# ---------------------------------------------------------------------------------------------------------


def _rosenbrock(a, b):
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


def test_a_log_axis_over_four_decades_or_more_has_minor_ticks_at_2_and_5_only():
    from matplotlib.figure import Figure

    from descend.report.figures.style import _log_ticks

    for low, high, subs in ((1e-6, 60.0, [2, 5]), (1e-3, 5.0, list(range(2, 10)))):
        ax = Figure().subplots()
        ax.set_yscale("log")
        ax.set_ylim(low, high)
        _log_ticks(ax)
        minor = [t for t in ax.yaxis.get_minor_locator()() if low <= t <= high]
        mantissas = sorted({round(t / 10 ** np.floor(np.log10(t) + 1e-9)) for t in minor})
        assert mantissas == subs, (low, high, mantissas)


@dataclass
class FakeSurface:
    names: tuple = ("x", "y")
    domain: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    log_scale: bool = True
    points: tuple = (("minimum", (1.0, 1.0)), ("saddle", (0.0, 0.0)), ("minimum", (9.0, 9.0)))

    def grid(self, n):
        a = torch.linspace(*self.domain[0], n, dtype=torch.float64)
        b = torch.linspace(*self.domain[1], n, dtype=torch.float64)
        A, B = torch.meshgrid(a, b, indexing="xy")
        return A, B, _rosenbrock(A, B)


def _paths():
    t = np.linspace(0, 1, 41)[:, None]
    good = (1 - t) * np.array([-1.5, 2.0]) + t * np.array([1.0, 1.0])
    wiggly = good + 0.2 * np.sin(12 * t) * np.array([1.0, -1.0])
    return {0: good, 1: wiggly}, {0: "gd", 1: "momentum"}


def test_landscape_contour_surface_paths_and_points():
    paths, labels = _paths()
    fig = F.landscape(FakeSurface(), paths, labels, title="rosenbrock")
    assert isinstance(fig, Figure)
    flat, three_d = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert three_d.name == "3d"
    assert any(isinstance(c, ContourSet) for c in flat.collections)
    assert [line.get_marker() for line in flat.lines].count("*") == 1  # the minimum outside the domain is not drawn
    assert any(line.get_marker() == "X" for line in flat.lines)  # the saddle
    start = [line for line in flat.lines if line.get_markerfacecolor() == "white" and line.get_markersize() == 10]
    assert len(start) == 1 and list(start[0].get_xdata()) == [-1.5]
    assert {"gd", "momentum", "start", "minimum", "saddle"} <= set(_legend_texts(fig))


def test_landscape_lifts_paths_with_the_cost_or_the_grid():
    paths, labels = _paths()
    calls = []

    def cost(a, b):
        calls.append(len(a))
        return _rosenbrock(a, b)

    exact = F.landscape(FakeSurface(), paths, labels, cost=cost)
    assert calls
    grid = F.landscape(FakeSurface(), paths, labels, n=300)
    z = [[np.asarray(line.get_data_3d()[2]) for line in fig.axes[-1].lines if len(line.get_data_3d()[2]) > 1]
         for fig in (exact, grid)]
    for ze, zg in zip(*z):
        np.testing.assert_allclose(ze, zg, rtol=0.02, atol=0.1)  # bilinear interpolation: close to J


def test_landscape_diverged_path_does_not_move_the_axes():
    paths, labels = _paths()
    reference = F.landscape(FakeSurface(), paths, labels)
    blown = np.vstack([paths[0][:10], [[5.0, 7.0], [1e6, -1e8], [np.inf, np.nan]]])
    fig = F.landscape(FakeSurface(), {**paths, 2: blown}, {**labels, 2: "sgd"}, status={2: "diverged", 0: "ok"})
    for ax, ref in zip(fig.axes, reference.axes):
        assert ax.get_xlim() == ref.get_xlim() == FakeSurface.domain[0] or ax.get_label() == "<colorbar>"
        assert ax.get_ylim() == ref.get_ylim()
    flat, three_d = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert three_d.get_zlim() == [ax for ax in reference.axes if ax.name == "3d"][0].get_zlim()
    assert {"diverged", "sgd — diverged"} <= set(_legend_texts(fig))
    (mark,) = _x_marks(flat)
    x, y = mark.get_xdata()[0], mark.get_ydata()[0]
    assert y == pytest.approx(3.0) and -2 <= x <= 2  # where the path crossed the top edge


def test_animate_gif_and_mp4(tmp_path):
    paths, labels = _paths()
    gif = F.animate(FakeSurface(), paths, labels, tmp_path / "paths.gif", max_frames=6, dpi=50, n=40)
    frames = iio.imread(gif, index=None)
    assert 1 < len(frames) <= 6 and frames.shape[1:3] == (280, 360)
    mp4 = F.animate(FakeSurface(), paths, labels, tmp_path / "sub" / "paths.mp4", fps=10, max_frames=6, dpi=50,
                    n=40)
    assert mp4.stat().st_size > 0
    count, _ = imageio_ffmpeg.count_frames_and_secs(str(mp4))
    assert 1 < count <= 6
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        F.animate(FakeSurface(), paths, labels, tmp_path / "paths.avi")


# ---------------------------------------------------------------------------------------------------------
# Saving and bad input
# ---------------------------------------------------------------------------------------------------------


def test_save_writes_png_and_svg(tmp_path):
    fig = F.lr_sensitivity(_where(batch_size="full"))
    width, height = fig.get_size_inches()
    files = F.save(fig, tmp_path / "figures", "lr_sensitivity")
    assert [f.name for f in files] == ["lr_sensitivity.png", "lr_sensitivity.svg"]
    pixels = matplotlib.image.imread(files[0])
    assert pixels.shape[:2] == (round(height * 120), round(width * 120))
    assert ET.parse(files[1]).getroot().tag.endswith("svg")
    with pytest.raises(ValueError, match="stem"):
        F.save(fig, tmp_path, "a/b")


@pytest.mark.parametrize(("mathtext", "plain"), [
    (r"$\mathdefault{10^{-2}}$", "10⁻²"), (r"$\mathdefault{10^{12}}$", "10¹²"), (r"$\mathdefault{-10^{3}}$", "−10³"),
    (r"$\mathdefault{2\times10^{-5}}$", "2×10⁻⁵"), (r"$\mathdefault{0.1}$", "0.1"), (r"$\mathdefault{-1}$", "−1"),
    (r"$\mathdefault{0}$", "0"), ("", ""), ("step", "step"), (r"$\alpha$", r"$\alpha$"),
])
def test_a_power_of_ten_is_written_without_mathtext(mathtext, plain):
    from descend.report.ticks import plain_power

    assert plain_power(mathtext) == plain


def test_log_axes_are_labelled_as_matplotlib_labels_them_without_mathtext(tmp_path, monkeypatch):
    """Every log axis of a saved figure, including a colour bar's and one a figure function left with
    matplotlib's own formatter: the labels matplotlib would write (minor ones included), as plain text, and
    mathtext's parser (20-30 ms a label) never called while saving."""
    from matplotlib import mathtext

    from descend.report.figures.style import PlainLogFormatter
    from descend.report.ticks import plain_power

    fig = Figure(figsize=(4, 3))
    ax = fig.subplots()
    ax.loglog([1e-3, 1.0, 30.0], [1e-6, 1e-2, 5.0])
    narrow = fig.add_axes((0.7, 0.7, 0.2, 0.2))
    narrow.semilogy([0, 1], [2.0, 7.0])  # less than a decade: minor ticks labelled 2×10⁰ ... by matplotlib

    def labels(axis):  # (tick, label) of every tick in view, major and minor, as plain text
        lo, hi = sorted(axis.get_view_interval())
        out = []
        for locs, formatter in ((axis.get_majorticklocs(), axis.get_major_formatter()),
                                (axis.get_minorticklocs(), axis.get_minor_formatter())):
            texts = formatter.format_ticks(list(locs))
            out += [(float(v), plain_power(t)) for v, t in zip(locs, texts) if lo * (1 - 1e-6) <= v <= hi * (1 + 1e-6)]
        return out

    fig.draw_without_rendering()
    expected = {axis: labels(axis) for axis in (ax.xaxis, ax.yaxis, narrow.yaxis)}
    assert all(len(e) > 3 for e in expected.values())
    assert any("×" in t for _, t in expected[narrow.yaxis]) and any("⁻" in t for _, t in expected[ax.yaxis])
    parsed = []
    original = mathtext.MathTextParser.parse
    monkeypatch.setattr(mathtext.MathTextParser, "parse", lambda self, s, *a, **k: (
        parsed.append(s), original(self, s, *a, **k))[1])
    F.save(fig, tmp_path, "logs", formats=("png",))
    for axis, expected_labels in expected.items():
        assert isinstance(axis.get_major_formatter(), PlainLogFormatter)
        assert labels(axis) == expected_labels
    assert parsed == []
    bar = F.landscape(_LogBowl(), {0: np.array([[-2.0, 3.0], [2.0, -1.0]])}, {0: "gd"})
    (axis,) = [ax.yaxis for ax in bar.axes if ax.get_label() == "<colorbar>"]
    assert isinstance(axis.get_major_formatter(), PlainLogFormatter)
    F.save(bar, tmp_path, "bar", formats=("png",))
    assert parsed == [] and any("⁻" in t.get_text() or "⁰" in t.get_text() for t in axis.get_ticklabels())


def test_log_axes_make_only_the_ticks_in_view_and_the_same_pixels(tmp_path, monkeypatch):
    """A log axis's locator keeps only the ticks in view (:class:`InViewLogLocator`, set by ``save``): fewer ticks
    to make, place and label at every layout pass, and the same PNG byte for byte as with every tick of
    matplotlib's LogLocator (a decade beyond each end)."""
    from descend.report.figures.style import InViewLogLocator

    def drawn(stem):
        fig = Figure(figsize=(4, 3))
        ax = fig.subplots()
        ax.loglog([1e-3, 1.0, 30.0], [1e-6, 1e-2, 5.0])
        narrow = fig.add_axes((0.7, 0.7, 0.2, 0.2))
        narrow.semilogy([0, 1], [2.0, 7.0])
        sensitivity = F.lr_sensitivity(SUMMARY)
        for figure, name in ((fig, stem), (sensitivity, f"{stem}-lr")):
            F.save(figure, tmp_path, name, formats=("png",))
        axes = [ax.xaxis, ax.yaxis, narrow.yaxis, *(a.xaxis for a in sensitivity.axes if a.get_xscale() == "log")]
        ticks = sum(len(axis.get_major_ticks()) + len(axis.get_minor_ticks()) for axis in axes)
        files = [(tmp_path / f"{n}.png").read_bytes() for n in (stem, f"{stem}-lr")]
        return axes, ticks, files

    axes, fewer, in_view = drawn("in-view")
    assert all(isinstance(a.get_major_locator(), InViewLogLocator) for a in axes)
    assert all(isinstance(a.get_minor_locator(), InViewLogLocator) for a in axes)
    for axis in axes:
        lo, hi = sorted(axis.get_view_interval())
        locs = np.concatenate([axis.get_majorticklocs(), axis.get_minorticklocs()])
        assert ((locs >= lo * (1 - 1e-6)) & (locs <= hi * (1 + 1e-6))).all()
    monkeypatch.setattr(InViewLogLocator, "__call__", lambda self: self.locator())  # every tick, as matplotlib
    _, every, all_ticks = drawn("every")
    assert in_view == all_ticks
    assert fewer < every


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: F.loss_curves(SUMMARY.iloc[:0], CURVES), "summary is empty"),
        (lambda: F.loss_curves(SUMMARY.drop(columns="label"), CURVES), "column 'label'"),
        (lambda: F.loss_curves(SUMMARY, CURVES.drop(columns="value")), "column 'value'"),
        (lambda: F.loss_curves(SUMMARY, CURVES.drop(columns="epoch"), x="epoch"), "column 'epoch'"),
        (lambda: F.loss_curves(SUMMARY, CURVES, x="time"), "x='time'"),
        (lambda: F.loss_curves(SUMMARY, CURVES, splits=("holdout",)), "splits"),
        (lambda: F.loss_curves(SUMMARY, CURVES, splits=("validation",)), "no loss for the splits"),
        (lambda: F.lr_sensitivity(SUMMARY, metric="final_accuracy"), "column 'final_accuracy'"),
        (lambda: F.lr_sensitivity(SUMMARY.assign(lr=np.nan)), "column 'lr'"),
        (lambda: F.lr_batch_heatmap(SUMMARY, label="lbfgs"), "label='lbfgs'"),
        (lambda: F.batch_regimes(SUMMARY.drop(columns="batch_size"), CURVES, SELECTION), "column 'batch_size'"),
        (lambda: F.batch_regimes(SUMMARY, CURVES, None), "selection must be"),
        (lambda: F.grad_norms(SUMMARY, CURVES[CURVES.metric == "loss"], SELECTION), "grad_norm"),
        (lambda: F.grad_norms(SUMMARY, CURVES), "selection must be"),
        (lambda: F.loss_curves(SUMMARY, CURVES, colours={"adam": "red"}), "no colour for"),
        (lambda: F.landscape(FakeSurface(), {0: np.zeros((3, 3))}, {0: "gd"}), r"shape \[T \+ 1, 2\]"),
        (lambda: F.landscape(FakeSurface(), {0: np.zeros((3, 2))}, {}), "no entry for run 0"),
        (lambda: F.landscape(object(), {}, {}), "attribute 'names'"),
        (lambda: F.animate(FakeSurface(), {0: np.zeros((1, 2))}, {0: "gd"}, "a.gif"), "nothing to animate"),
    ],
)
def test_bad_input_is_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# ---------------------------------------------------------------------------------------------------------
# Statuses: what a figure marks is the run's status, never read from its values
# ---------------------------------------------------------------------------------------------------------

LEFT = ("adam", 0.1, "32", 1)  # label, lr, batch size, seed of a run that leaves the model's domain
LEFT_AT = 20


def _with_statuses():
    """SUMMARY with a status column: the diverged run, and one that left the model's domain at LEFT_AT (its
    losses NaN from there, as the engine records them)."""
    summary = SUMMARY.copy()
    summary["status"] = np.where(summary["diverged"], "diverged", "ok")
    summary["status_at"] = summary["diverged_at"]
    label, lr, batch, seed = LEFT
    run = _where(label=label, lr=lr, batch_size=batch, seed=seed).index[0]
    summary.loc[run, ["status", "status_at", "final_train_loss"]] = ["left-domain", LEFT_AT, np.nan]
    curves = CURVES.copy()
    curves.loc[(curves.run == run) & (curves.step > LEFT_AT) & (curves.metric == "loss"), "value"] = np.nan
    return summary.drop(columns=["diverged", "diverged_at"]), curves, run


def _marks(ax, marker):
    return [line for line in ax.lines if line.get_marker() == marker]


def test_a_run_that_left_the_domain_is_marked_with_its_own_label():
    summary, curves, run = _with_statuses()
    label, lr, batch, _ = LEFT
    mine = summary[(summary.label == label) & (summary.lr == lr) & (summary.batch_size == batch)]
    fig = F.loss_curves(mine, curves, splits=("batch",))
    (mark,) = _marks(fig.axes[0], "D")
    assert mark.get_xdata()[0] == LEFT_AT and _x_marks(fig.axes[0]) == []
    assert "left the model's domain" in _legend_texts(fig) and "diverged" not in _legend_texts(fig)
    sensitivity = F.lr_sensitivity(summary)
    mini = sensitivity.axes[0]
    assert [list(m.get_xdata()) for m in _marks(mini, "D")] == [[pytest.approx(0.1, rel=0.1)]]
    assert len(_x_marks(mini)) == 1  # the diverged run, apart
    assert {"diverged", "left the model's domain"} <= set(_legend_texts(sensitivity))
    heat = [ax for ax in F.lr_batch_heatmap(summary, label=label).axes if ax.images][0]
    assert any("1/3 left dom." in t.get_text() for t in heat.texts)
    # on the landscape: the status's mark and the legend name it; leaving the plot is not divergence
    paths, labels = _paths()
    far = np.vstack([paths[0][:10], [[5.0, 7.0], [1e6, -1e8]]])
    plain = F.landscape(FakeSurface(), {0: far, 1: paths[1]}, labels)
    assert _x_marks(plain.axes[0]) == [] and not any("diverged" in t for t in _legend_texts(plain))
    marked = F.landscape(FakeSurface(), {0: far, 1: paths[1]}, labels, status={0: "left-domain", 1: "ok"})
    (mark,) = _marks(marked.axes[0], "D")
    assert mark.get_ydata()[0] == pytest.approx(3.0)  # where the path left the plot
    assert {"gd — left the model's domain", "left the model's domain", "momentum"} <= set(_legend_texts(marked))


def test_a_batch_without_a_valid_sample_is_a_gap_on_the_log_axis():
    summary = _where(label="adam", lr=0.01, batch_size="32", seed=0)
    run = summary.index[0]
    curves = CURVES.copy()
    empty = (curves.run == run) & curves.step.isin([5, 6]) & (curves.split == "batch")
    curves.loc[empty & (curves.metric == "loss") & (curves.step == 5), "value"] = np.nan  # the engine's record
    curves.loc[empty & (curves.step == 6), "value"] = 0.0  # an older engine's, and a gradient norm of 0
    ax = F.loss_curves(summary, curves, splits=("batch",)).axes[0]
    (line,) = _data_lines(ax, "-")
    y = np.asarray(line.get_ydata(), float)
    assert ax.get_yscale() == "log" and np.isnan(y[[5, 6]]).all() and np.isfinite(np.delete(y, [5, 6])).all()
    assert ax.get_ylim()[0] > 1e-4  # nothing pulls the axis towards 0
    grads = CURVES.copy()
    grads.loc[(grads.run == run) & (grads.step == 6) & grads.metric.str.startswith("grad_norm"), "value"] = 0.0
    ax = F.grad_norms(summary, grads, run=run).axes[0]
    assert ax.get_yscale() == "log" and all(np.isnan(line.get_ydata()[6]) for line in ax.lines)
    assert not np.isfinite(ax.yaxis.get_transform().transform([0.0])).any()  # and the axis masks what is <= 0


# ---------------------------------------------------------------------------------------------------------
# A report a teacher can project: titles inside the figure, round ticks, the batch sizes per update,
# paths that stay visible, the parameter of a 1-D task after each step
# ---------------------------------------------------------------------------------------------------------


def _inside_figure(fig: Figure) -> None:
    """Every title (the figure's and each visible panel's) lies within the figure once drawn."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    box = fig.bbox
    texts = [fig._suptitle] + [ax.title for ax in fig.axes if ax.get_visible() and ax.get_title()]
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert box.x0 - 0.5 <= extent.x0 and extent.x1 <= box.x1 + 0.5, (text.get_text(), extent, box)
        assert box.y0 - 0.5 <= extent.y0 and extent.y1 <= box.y1 + 0.5, (text.get_text(), extent, box)


def _labels(axis) -> list[str]:
    """The labels of an axis's major ticks within its limits, once drawn."""
    axis.axes.figure.draw_without_rendering()
    low, high = sorted(axis.get_view_interval())
    return [t.get_text() for t in axis.get_ticklabels() if low <= t.get_position()[axis is axis.axes.yaxis] <= high
            and t.get_text()]


def _round(text: str) -> bool:
    """A tick label that is a short round number: 3 significant digits at most ("0.02", "10⁻²" style)."""
    plain = text.replace("\N{MINUS SIGN}", "-")
    if plain.startswith("10") and len(plain) > 2 and plain[2] in "⁰¹²³⁴⁵⁶⁷⁸⁹⁻":  # a power of ten
        return bool(re.fullmatch("10⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+", plain))
    return float(plain) == float(f"{float(plain):.3g}") and len(plain.lstrip("-").replace(".", "").strip("0")) <= 3


def test_single_panel_titles_stay_inside_the_figure():
    long = "Line fit — same-lr — a task with a long title that a single panel cannot hold on one line"
    one = _where(batch_size="full")
    for fig in (F.lr_sensitivity(one, title=long), F.loss_curves(one[one.lr == 0.1], CURVES, title=long),
                F.lr_sensitivity(SUMMARY, title=long), F.batch_regimes(SUMMARY, CURVES, SELECTION, title=long)):
        _inside_figure(fig)
        assert "\n" in fig.get_suptitle() or len(fig.get_suptitle()) < 60
        assert fig.get_suptitle().replace("\n", " ").startswith(long[:30])


def test_a_log_axis_spanning_less_than_two_decades_has_round_labels():
    narrow = CURVES.copy()
    loss = narrow["metric"] == "loss"
    narrow.loc[loss, "value"] = 0.52 + 0.18 * np.exp(-narrow.loc[loss, "step"] / 10)  # 0.52 .. 0.70
    fig = F.loss_curves(_where(lr=0.01, batch_size="full"), narrow, splits=("batch",))
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    labels = _labels(ax.yaxis)
    assert len(labels) >= 2 and all(_round(t) for t in labels), labels
    assert all(t.get_text() == "" for t in ax.yaxis.get_minorticklabels())  # no crowd of minor labels
    wide = F.loss_curves(_where(lr=0.1, batch_size="full"), CURVES, splits=("batch",))
    labels = _labels(wide.axes[0].yaxis)
    assert len(labels) >= 2 and all(_round(t) for t in labels), labels


@dataclass
class Bowl:
    """A linear-colour surface whose contour levels are not round (J from 0.3 to 230)."""

    names: tuple = ("w", "b")
    domain: tuple = ((-6.5, 10.5), (-9.5, 7.5))
    log_scale: bool = False
    points: tuple = (("minimum", (2.0, -1.0)),)

    def grid(self, n):
        a = torch.linspace(*self.domain[0], n, dtype=torch.float64)
        b = torch.linspace(*self.domain[1], n, dtype=torch.float64)
        A, B = torch.meshgrid(a, b, indexing="xy")
        return A, B, 0.3 + 0.5 * (A - 2) ** 2 + 0.6 * (B + 1) ** 2 + 0.4 * (A - 2) * (B + 1)


@dataclass
class _LogBowl(Bowl):
    """The bowl on a log colour scale (J − min J from 0 to 230: several powers of ten)."""

    log_scale: bool = True


def test_colour_bar_ticks_are_round():
    fig = F.landscape(Bowl(), {0: np.array([[-2.0, 3.0], [2.0, -1.0]])}, {0: "gd"})
    (bar,) = [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]
    labels = _labels(bar.yaxis)
    assert len(labels) >= 4 and all(_round(t) for t in labels), labels


def test_the_every_step_loss_is_named_by_its_batches():
    def names(summary):
        return [t for t in _legend_texts(F.loss_curves(summary, CURVES, splits=("batch", "test")))
                if t.startswith("training loss")]

    assert names(_where(batch_size="full")) == ["training loss (full batch, every step)"]
    assert names(_where(batch_size="32")) == ["training loss (mini-batch)"]
    # "the full set for GD" read as the optimizer gd where gd ran mini-batches and adam the full set
    assert names(SUMMARY) == ["training loss (every step: its batch, the whole set for full-batch runs)"]


def _per_epoch_budget():
    """Batch 32 (4 updates an epoch) run for 4 × the steps of the full batch: the same number of epochs."""
    curves = CURVES[CURVES["metric"] == "loss"]
    long = SUMMARY.index[SUMMARY["batch_size"] == "32"]
    parts = [curves[~curves["run"].isin(long)]]
    for (run, split), rows in curves[curves["run"].isin(long)].groupby(["run", "split"]):
        steps = np.arange(4 * STEPS + 1) if split == "batch" else 4 * rows["step"].to_numpy()
        values = np.interp(steps / 4, rows["step"], rows["value"])
        parts.append(pd.DataFrame({"run": run, "step": steps, "epoch": steps / STEPS_PER_EPOCH["32"],
                                   "split": split, "metric": "loss", "value": values}))
    return pd.concat(parts, ignore_index=True)


def test_batch_sizes_are_drawn_per_update_with_the_loss_of_each_updates_batch():
    fig = F.batch_regimes(SUMMARY, CURVES, SELECTION)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    for ax in axes:
        # a budget in steps: every batch size ends at the same update (on epochs batch 32 would end at 15 of 60)
        assert "update" in ax.get_xlabel()
        lines = _data_lines(ax, "-")
        assert [max(line.get_xdata()) for line in lines] == [STEPS] * len(BATCHES)
        dots = [line for line in ax.lines if line.get_linestyle() == "None" and line.get_marker() == "o"]
        assert len(dots) == len(BATCHES)
        for dot, batch in zip(dots, ("32", "full")):
            run = SELECTION.by_batch[ax.get_title()][batch].representative
            mine = CURVES[(CURVES.run == run) & (CURVES.split == "batch") & (CURVES.metric == "loss")]
            np.testing.assert_array_equal(dot.get_xdata(), mine["step"])  # 61 updates: every one, not thinned
            np.testing.assert_allclose(dot.get_ydata(), mine["value"])
    assert {"line: the whole training set, median over seeds (band: inter-quartile range)",
            "dots: the loss of the update's batch, one run (every update)"} <= set(_legend_texts(fig))
    per_epoch = F.batch_regimes(SUMMARY, _per_epoch_budget(), SELECTION)
    ax = [ax for ax in per_epoch.axes if ax.get_visible()][0]
    assert "epoch" in ax.get_xlabel()  # a budget in epochs: the batch sizes end together on epochs
    assert [max(line.get_xdata()) for line in _data_lines(ax, "-")] == [STEPS] * len(BATCHES)
    dots = [line for line in ax.lines if line.get_linestyle() == "None" and line.get_marker() == "o"]
    assert len(dots[0].get_xdata()) <= F.curves.REGIME_DOTS < 4 * STEPS  # batch 32's 241 updates thinned
    assert "mini-batch (32), lr=0.1 · dots: every 3rd" in _legend_texts(per_epoch)
    assert "step" in F.batch_regimes(SUMMARY, _per_epoch_budget(), SELECTION, x="step").axes[0].get_xlabel()


def test_paths_stay_visible_where_they_overlap():
    paths, labels = _paths()
    same = {0: paths[0], 1: paths[0] + 1e-3, 2: paths[1]}
    names = {0: "gd", 1: "momentum", 2: "adam"}
    fig = F.landscape(FakeSurface(), same, names, markers={"gd": "o", "momentum": "s", "adam": "^"})
    flat = fig.axes[0]
    drawn = [line for line in flat.lines if len(line.get_xdata()) > 10]
    assert [line.get_linewidth() for line in drawn] == sorted((line.get_linewidth() for line in drawn), reverse=True)
    assert all(line.get_path_effects() for line in drawn)  # a white edge under each path
    shapes = {line.get_marker(): line for line in flat.lines if line.get_linestyle() == "None"
              and 3 <= len(line.get_xdata()) <= 10}
    assert set(shapes) == {"o", "s", "^"}  # every path carries its label's shape along the way
    assert not np.allclose(shapes["o"].get_xydata(), shapes["s"].get_xydata())  # side by side, not on top
    ends = [line for line in flat.lines if len(line.get_xdata()) == 1 and line.get_markersize() == 9
            and line.get_markeredgecolor() == "white"]
    assert [line.get_marker() for line in ends] == ["o", "s", "^"]
    assert [tuple(line.get_xydata()[0]) for line in ends] == [tuple(same[k][-1]) for k in range(3)]
    assert "gd and momentum follow the same path" in flat.get_title().replace("\n", " ")
    assert "adam" not in flat.get_title()
    assert F.landscape(FakeSurface(), *_paths()).axes[0].get_title() == ""


def test_the_parameter_of_a_one_parameter_task_after_each_step():
    rows, paths = [], {}
    for run, (label, lr) in enumerate([(label, lr) for label in ("gd", "momentum") for lr in (0.5, 1.5, 2.5)]):
        w = 1.5 * (1 - lr) ** np.arange(31.0)  # gradient descent on w²/2
        status = "diverged" if lr > 2 else "ok"
        if lr > 2:
            w[12:] = np.nan
        paths[run] = w[:, None]
        rows.append({"run": run, "label": label, "optimizer": label, "lr": lr, "batch_size": "full", "seed": 0,
                     "status": status, "status_at": 11.0 if lr > 2 else np.nan, "final_train_loss": 0.0})
    summary = pd.DataFrame(rows).set_index("run")
    fig = F.parameter_steps(summary, paths, name="w", known=[0.0], title="parabola")
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["gd", "momentum"]  # one panel per optimizer
    gd = axes[0]
    lines = [line for line in gd.lines if len(line.get_xdata()) > 2]
    assert [line.get_label() for line in lines] == ["lr=0.5", "lr=1.5", "lr=2.5"]
    oscillating = lines[1].get_ydata()
    np.testing.assert_allclose(oscillating, 1.5 * (-0.5) ** np.arange(31.0))  # w after each step, as run
    assert np.all(np.diff(np.sign(oscillating[:10])) != 0)  # its sign flips every step: it oscillates
    (answer,) = [line for line in gd.lines if line.get_linestyle() == "--"]
    assert set(answer.get_ydata()) == {0.0}
    (mark,) = _x_marks(gd)
    assert mark.get_xdata()[0] == 11 and gd.get_ylim()[0] <= mark.get_ydata()[0] <= gd.get_ylim()[1]
    assert gd.get_ylim() == pytest.approx((-1.95, 1.95))  # the start and the answer, with a margin
    assert "diverged" in _legend_texts(fig) and gd.get_ylabel() == "w"
    _inside_figure(fig)
    with pytest.raises(ValueError, match="one parameter's values"):
        F.parameter_steps(summary, {0: np.zeros((5, 2))})


def test_save_writes_the_formats_asked_for(tmp_path):
    summary = pd.DataFrame({"label": ["gd", "gd"], "lr": [0.01, 0.1], "seed": [0, 0], "final_train_loss": [1.0, 0.5]})
    times = {}
    files = F.save(F.lr_sensitivity(summary), tmp_path, "png-only", formats=("png",), times=times)
    assert [f.name for f in files] == ["png-only.png"] and sorted(p.name for p in tmp_path.iterdir()) == ["png-only.png"]
    assert "png" in times and "svg" not in times
    for bad in ((), ("pdf",), "png"):
        with pytest.raises(ValueError, match="formats="):
            F.save(F.lr_sensitivity(summary), tmp_path, "bad", formats=bad)


def test_the_data_and_each_optimizers_fitted_model():
    """Seed 004's figures 6-10 (the orbit over its samples) and seed 003's fitted line: the samples, each label's
    model along x, the known answer dashed, a representative that does not count named in the legend."""
    x = np.linspace(-1, 1, 50)
    xs = np.linspace(-1, 1, 400)
    fits = {"gd": (xs, 2 * xs), "adam": (xs, 1.9 * xs + 0.1), "sgd": (xs, np.full(400, np.nan))}
    fig = F.fitted_model((x, 2 * x + 0.1), fits, truth=(xs, 2 * xs + 0.05), title="line",
                         colours={"gd": "#111111", "adam": "#222222", "sgd": "#333333"}, notes={"sgd": "diverged"})
    (ax,) = fig.axes
    (dots,) = ax.collections
    np.testing.assert_array_equal(dots.get_offsets(), np.column_stack([x, 2 * x + 0.1]))
    lines = {line.get_label(): line for line in ax.lines}
    np.testing.assert_array_equal(lines["adam"].get_ydata(), 1.9 * xs + 0.1)
    assert lines["gd"].get_color() == "#111111" and lines["known answer"].get_linestyle() == "--"
    assert len(lines["sgd (diverged)"].get_xdata()) == 0  # named, nothing drawn
    assert "training data (50 samples)" in _legend_texts(fig)
    _inside_figure(fig)
    with pytest.raises(ValueError, match="data must be \\(x, y\\) of the same length"):
        F.fitted_model((x, x[:3]), fits)


def test_dollars_in_the_users_names_are_drawn_as_they_are_not_as_mathtext():
    """A CSV named "cost $_per_$ unit.csv" (the task's title) failed to parse as mathtext: the report lost every
    static figure and `descend tune` its whole report; "budget $10k-$20k" lost its dollars."""
    xs = np.linspace(-1, 1, 20)
    for name in ("cost $_per_$ unit", "budget $10k-$20k", "us$ vs eur$"):
        fig = F.fitted_model((xs, xs), {"adam $x$": (xs, xs)}, title=name, xlabel=f"{name} x", ylabel="$y$")
        FigureCanvasAgg(fig).draw()  # mathtext would raise here for the first name
        (ax,) = fig.axes
        texts = [fig._suptitle, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]
        drawn = [t._preprocess_math(t.get_text()) for t in texts]
        assert all(not math_ for _, math_ in drawn)
        assert drawn[0][0].startswith(name) and drawn[1][0] == f"{name} x" and drawn[2][0] == "$y$"
        assert "adam $x$" in [text for text, _ in drawn[3:]]


def test_the_report_draws_the_fitted_model_of_a_one_feature_regression_at_each_representatives_end():
    from descend import tasks
    from descend.report.build import fitted_models

    line = tasks.get("line")
    paths = {3: np.array([[0.0, 0.0], [1.5, -0.5]]), 7: np.array([[0.0, 0.0], [np.nan, np.nan]])}
    got = fitted_models(line, paths, {3: "gd", 7: "adam", 9: "sgd"}, {3: "ok", 7: "diverged"})
    x = line.data.train.x.reshape(-1).double().numpy()
    np.testing.assert_array_equal(got["data"][0], x)
    xs, ys = got["fits"]["gd"]
    assert xs[0] == x.min() and xs[-1] == x.max() and len(xs) == 400
    np.testing.assert_allclose(ys, 1.5 * xs - 0.5, rtol=1e-12, atol=1e-12)  # ŷ = w·x + b at the run's end
    known = line.known.points[0]
    np.testing.assert_allclose(got["truth"][1], known["w"] * xs + known["b"], rtol=1e-12, atol=1e-12)
    assert set(got["fits"]) == {"gd", "adam"} and got["notes"] == {"adam": "diverged"}
    assert fitted_models(tasks.get("himmelblau"), paths, {3: "gd"}, {}) is None  # no data: no such figure
    assert fitted_models(tasks.get("digits"), paths, {3: "gd"}, {}) is None  # 64 features
    assert got["scene"] is None  # the line has no setting to draw


def test_a_linear_model_of_one_feature_draws_its_fit_with_its_parameters_shapes():
    """Linear(1, 1)'s weight is [1, 1]: the figure built [1] and the whole report failed after training (a CSV of
    one feature with --task-option hidden=none)."""
    import dataclasses

    from descend import models, tasks
    from descend.report.build import fitted_models

    line = tasks.get("line")
    task = dataclasses.replace(line, model=models.Linear(1, 1))
    got = fitted_models(task, {3: np.array([[0.0, 0.0], [2.5, -0.5]])}, {3: "adam"}, {})
    xs, ys = got["fits"]["adam"]
    np.testing.assert_allclose(ys, 2.5 * xs - 0.5, rtol=1e-12, atol=1e-12)
    wide = dataclasses.replace(line, model=models.MLP((1, 2, 1)))
    assert fitted_models(wide, {3: np.zeros((2, 4))}, {3: "adam"}, {}) is None  # a parameter of several numbers


def test_the_ellipses_fitted_model_is_drawn_in_seed_004s_scene():
    """Seed 004's Figure 6: Earth's orbit (1 AU, blue) and Mars's (1.5237 AU, red) around the Sun, the launch from
    Earth at the transfer orbit's perihelion and the arrival at its aphelion, x and y at one scale."""
    from descend import tasks
    from descend.report.build import fitted_models
    from descend.tasks.cases import ELLIPSE_A, ELLIPSE_OFFSET

    ellipse = tasks.get("ellipse")
    scene = ellipse.scene
    radii = {label.split("'")[0]: radius for label, _, radius, _ in scene.circles}
    assert radii == {"Earth": 1.0, "Mars": 1.5237}
    assert abs((ELLIPSE_A - ELLIPSE_OFFSET) - radii["Earth"]) < 1e-4  # the orbit leaves Earth's circle ...
    assert abs((ELLIPSE_A + ELLIPSE_OFFSET) - radii["Mars"]) < 1e-4  # ... and meets Mars's
    points = {label: xy for label, xy, _, _ in scene.points}
    assert points == {"the Sun": (0.0, 0.0), "launch from Earth": (1.0, 0.0), "arrival at Mars": (-1.5237, 0.0)}
    got = fitted_models(ellipse, {3: np.array([[0.1, 1.8], [ELLIPSE_A, 1.234378]])}, {3: "adam"}, {})
    assert got["scene"] is scene
    fig = F.fitted_model(got["data"], got["fits"], truth=got["truth"], scene=got["scene"], title="ellipse")
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.lines}
    mars = lines["Mars's orbit (1.5237 AU)"]
    np.testing.assert_allclose(np.hypot(mars.get_xdata(), mars.get_ydata()), 1.5237, rtol=1e-12)
    assert mars.get_xdata().min() == pytest.approx(-1.5237, abs=1e-3) and max(mars.get_xdata()) > 1.52
    assert mars.get_color() == "tab:red" and lines["Earth's orbit (1 AU)"].get_color() == "tab:blue"
    assert lines["arrival at Mars"].get_xdata()[0] == -1.5237 and lines["the Sun"].get_marker() == "*"
    assert ax.get_aspect() == 1.0
    fig.draw_without_rendering()
    x0, x1 = ax.get_xlim()
    assert x0 < -1.5237 and x1 > 1.5237 and ax.get_ylim()[0] < 0  # every circle across, the points in view
    box = fig.bbox
    for label in (ax.xaxis.label, ax.yaxis.label):  # the one scale does not push the axes' labels off the figure
        extent = label.get_window_extent()
        assert box.x0 <= extent.x0 and extent.x1 <= box.x1 and box.y0 <= extent.y0, label.get_text()
    assert {"training data (512 samples)", "known answer", "adam", "launch from Earth"} <= set(_legend_texts(fig))
    _inside_figure(fig)


def test_loss_curves_of_long_runs_that_all_diverged_early_are_drawn_and_saved(tmp_path):
    """Over 1,000 points matplotlib draws only the visible slice of a line, and the markers' positions indexed
    that slice: when every run diverged at step 2 (the x-axis then spans [0, 2]) the figure failed to save, and
    with it the whole report of `descend compare rosenbrock --lr 1e3`."""
    steps = 1500
    summary = pd.DataFrame({"label": ["gd", "adam"], "optimizer": ["gd", "adam"], "lr": [1e3, 1e3],
                            "batch_size": ["full", "full"], "seed": [0, 0], "final_train_loss": [np.nan, np.nan],
                            "status": ["diverged", "diverged"], "status_at": [2, 2]},
                           index=pd.Index([0, 1], name="run"))
    values = np.full(steps, np.nan)
    values[:2] = [5.0, 1e6]
    curves = pd.concat([pd.DataFrame({"run": run, "step": np.arange(steps), "epoch": np.arange(steps),
                                      "split": "batch", "metric": "loss", "value": values}) for run in (0, 1)])
    written = F.save(F.loss_curves(summary, curves), tmp_path, "loss")
    assert written and all(path.stat().st_size > 0 for path in written)


def test_a_figure_or_animation_cut_short_leaves_the_previous_file_whole(tmp_path, monkeypatch):
    """descend landscape --animate wrote into its file directly: a Ctrl-C while the GIF was written left 0 bytes
    where a good animation had been, and kill -9 a file of one frame; its figures likewise."""
    from descend.report.figures import animation

    previous = tmp_path / "paths.gif"
    previous.write_bytes(b"the previous animation")

    def cut_short(surface, paths, labels, outs, **kwargs):
        outs[0].write_bytes(b"GIF89a half")
        raise KeyboardInterrupt

    monkeypatch.setattr(animation, "_animate", cut_short)
    with pytest.raises(KeyboardInterrupt):
        F.animate(None, {}, {}, previous)
    assert previous.read_bytes() == b"the previous animation" and sorted(tmp_path.iterdir()) == [previous]

    figure = Figure()
    figure.add_subplot().plot([0, 1], [1, 0])
    (tmp_path / "fig.png").write_bytes(b"the previous figure")
    original = Figure.savefig

    def fails_on_svg(self, path, **kwargs):
        original(self, path, **kwargs)
        if str(path).endswith(".svg"):
            raise KeyboardInterrupt

    monkeypatch.setattr(Figure, "savefig", fails_on_svg)
    with pytest.raises(KeyboardInterrupt):
        F.save(figure, tmp_path, "fig")
    assert (tmp_path / "fig.png").read_bytes() == b"the previous figure"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png", "paths.gif"]


def _many_labels(n):
    """The toy comparison with its first label's runs copied under n labels of one's own."""
    base = SUMMARY[SUMMARY.label == LABELS[0]]
    rows, curves = [], []
    for k in range(n):
        offset = 1000 * (k + 1)
        rows.append(base.assign(label=f"{LABELS[0]}(v={k})").rename(index=lambda r: r + offset))
        c = CURVES[CURVES.run.isin(base.index)].copy()
        c["run"] += offset
        curves.append(c)
    summary = pd.concat(rows)
    summary.index.name = "run"
    return summary, pd.concat(curves, ignore_index=True)


def test_a_figure_of_one_panel_per_optimizer_draws_them_all_or_says_how_many_it_leaves_out(monkeypatch):
    """Past six optimizers the panels were cut without a word (lr × batch size kept the first six by name, the
    batch-size and gradient figures the first six given): a seventh optimizer was in the table and in no figure."""
    from descend.report.figures import style

    summary, curves = _many_labels(8)
    selection = select(summary)
    figures = {"lr_batch": lambda: F.lr_batch_heatmap(summary), "regimes": lambda: F.batch_regimes(
        summary, curves, selection), "grad_norms": lambda: F.grad_norms(summary, curves, selection)}
    for name, draw in figures.items():
        fig = draw()
        titles = {ax.get_title().split("\n")[0] for ax in fig.axes if ax.get_visible() and ax.get_title()}
        assert titles == set(summary.label), (name, titles)
        assert "optimizers)" not in fig._suptitle.get_text()
    monkeypatch.setattr(style, "MAX_PANELS", 3)
    for name, draw in figures.items():
        fig = draw()
        assert len({ax.get_title() for ax in fig.axes if ax.get_visible() and ax.get_title()}) == 3, name
        assert "(the first 3 of 8 optimizers)" in fig._suptitle.get_text().replace("\n", " "), name


def test_a_title_in_a_script_no_font_has_draws_without_a_warning(tmp_path):
    """A CSV file named 売上データ.csv: every figure warned 'Glyph ... missing from font(s) DejaVu Sans' once per
    character and drawing (61 lines under --quiet); the characters are boxes, the report's HTML shows the text."""
    import warnings

    from descend.report.figures.style import styled

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        with styled():
            fig = Figure(figsize=(3, 2), layout="constrained")
            fig.suptitle("売上データ 😀")
            fig.subplots().set_title("売上データ")
        assert [p.name for p in F.save(fig, tmp_path, "cjk")] == ["cjk.png", "cjk.svg"]


@pytest.mark.parametrize("message", [
    "Glyph 22770 (\\N{CJK UNIFIED IDEOGRAPH-58F2}) missing from font(s) DejaVu Sans.",  # matplotlib 3.9 and later
    "Glyph 22770 (\\N{CJK UNIFIED IDEOGRAPH-58F2}) missing from current font.",  # matplotlib 3.7 and 3.8
])
def test_every_matplotlib_the_dependencies_allow_is_kept_quiet_about_missing_glyphs(message):
    import warnings

    from descend.report.figures.style import quiet_glyphs

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with quiet_glyphs():
            warnings.warn(message, UserWarning)
        with pytest.raises(UserWarning):  # another warning is not silenced
            with quiet_glyphs():
                warnings.warn("Glyph 22770 drawn twice", UserWarning)


def test_an_installed_font_covering_what_the_font_in_use_lacks_draws_it(monkeypatch, tmp_path):
    """The fallback fonts installed are added after the font family in use (matplotlib draws a character the first
    lacks with the next one that has it): here Liberation Sans, which has no snowman, falls back on DejaVu Sans."""
    import warnings

    import matplotlib

    from descend.report.figures import style

    assert style.fallback_fonts(["DejaVu Sans", "Droid Sans Fallback", "Noto Sans CJK JP"]) == (
        "Noto Sans CJK JP", "Droid Sans Fallback")
    monkeypatch.setattr(style, "_installed_fallbacks", lambda: ("DejaVu Sans",))
    with matplotlib.rc_context({"font.family": ["Liberation Sans"]}):
        with style.styled():
            assert matplotlib.rcParams["font.family"] == ["Liberation Sans", "DejaVu Sans"]
            fig = Figure(figsize=(3, 2))
            fig.suptitle("snow ☃")
        assert matplotlib.rcParams["font.family"] == ["Liberation Sans"]  # nothing lasting
    with warnings.catch_warnings(record=True) as caught:  # drawn outside quiet_glyphs: a missing glyph would warn
        warnings.simplefilter("always")
        FigureCanvasAgg(fig).draw()
    assert not [w for w in caught if "missing from font" in str(w.message)], [str(w.message) for w in caught]


def test_figures_are_legible_whatever_style_the_user_set():
    """A dark style (plt.style.use("dark_background"), a dark matplotlibrc) made every text of every figure white on
    the figures' white background; text.usetex without LaTeX installed dropped every figure. The colours are
    matplotlib's own and the text plain while a figure is built; the user's other settings are kept, and theirs
    afterwards."""
    import matplotlib
    import numpy as np
    from matplotlib import style as mstyle

    from descend.report.figures import style

    def dark_share(strip: np.ndarray) -> float:
        return float((strip[..., :3].mean(-1) < 0.5).mean())

    shares = {}
    for name, settings in (("default", {}), ("dark", {**mstyle.library["dark_background"], "text.usetex": True})):
        with matplotlib.rc_context(settings):
            with style.styled():
                assert matplotlib.rcParams["text.color"] == "black" and not matplotlib.rcParams["text.usetex"]
                fig = Figure(figsize=(3, 2), dpi=100)
                ax = fig.add_subplot()
                ax.plot([0, 1], [0, 1])
                ax.set_title("a title")
                ax.set_xlabel("step")
                canvas = FigureCanvasAgg(fig)
                canvas.draw()
            assert matplotlib.rcParams["text.color"] == ("white" if name == "dark" else "black")
        image = np.asarray(canvas.buffer_rgba(), dtype=float) / 255
        shares[name] = (dark_share(image[:25]), dark_share(image[-20:]))  # the title's strip, the x label's
    assert shares["dark"] == shares["default"] and min(shares["default"]) > 0.005, shares
    with matplotlib.rc_context({"axes.linewidth": 3.0, "text.color": "white"}), style.styled():
        assert matplotlib.rcParams["axes.linewidth"] == 3.0 and matplotlib.rcParams["text.color"] == "black"
