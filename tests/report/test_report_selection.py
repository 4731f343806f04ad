"""A report shows, in its table and in every figure, chart and animation, the configuration and runs the
comparison selected: checked on a comparison whose validation-best and training-best configurations differ,
by the data each figure draws (not by pixels)."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import numpy as np
import pytest
from matplotlib import colors as mcolors

from descend import compare as C
from descend.report import build
from descend.report import figures as F
from descend.report.colours import colours as palette
from descend.selection import select


def plotly_figures(text: str) -> dict:
    """div id -> (data, layout) of every Plotly.newPlot call of a page."""
    decoder, found = json.JSONDecoder(), {}
    for match in re.finditer(r"Plotly\.newPlot\(\s*", text):
        at, args = match.end(), []
        for _ in range(3):
            value, at = decoder.raw_decode(text, at)
            args.append(value)
            at = re.compile(r"\s*,?\s*").match(text, at).end()
        found[args[0]] = (args[1], args[2])
    return found


def array(value) -> np.ndarray:
    if isinstance(value, dict):
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"])).astype(float)
    return np.asarray(value, dtype=float)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """A noisy Himmelblau comparison (a surface, three batch sizes, two seeds where they can differ) whose
    validation loss is made to rank the configurations the other way round from the training loss."""
    config, task = C.resolve("himmelblau", optimizers=["gd", "adam"], lr="0.001,0.01", seeds=2, steps=30,
                             task_options={"noise": 1.0})
    comparison = C.compare(config, task)
    summary = comparison.summary.copy()
    summary["final_validation_loss"] = 1.0 / summary["final_train_loss"]
    selection = select(summary)
    table, winners = C.metrics_table(summary, comparison.curves, task, config, selection=selection)
    comparison = dataclasses.replace(comparison, summary=summary, selection=selection, table=table, winners=winners)
    drawn, animated = {}, []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESCEND_REPORT_WORKERS", "0")  # drawn here, where the figures are caught
        patch.setattr(F, "save", lambda figure, directory, stem, **_: drawn.__setitem__(stem, figure))
        patch.setattr(F, "animate_files", lambda *args, **kwargs: animated.append((args, kwargs)))
        html = build.write_report(comparison, tmp_path_factory.mktemp("report") / "out", mp4=True).read_text()
    return comparison, drawn, animated, plotly_figures(html)


def _median(curves, runs, split):
    rows = curves[curves["run"].isin(runs) & (curves["split"] == split) & (curves["metric"] == "loss")]
    return rows.groupby("step")["value"].median().to_numpy(float)


def test_the_scenario_validation_and_training_disagree(report):
    comparison, *_ = report
    s = comparison.summary
    for label, choice in comparison.selection.chosen.items():
        by_train = s[s.label == label].groupby(["lr", "batch_size"])["final_train_loss"].median().idxmin()
        assert (choice.config["lr"], choice.config["batch_size"]) != by_train
    assert comparison.selection.by == "final_validation_loss"


def test_the_table_is_the_selection(report):
    comparison, *_ = report
    for label, choice in comparison.selection.chosen.items():
        row = comparison.table.loc[label]
        assert (row["lr"], row["batch size"]) == (choice.config["lr"], choice.config["batch_size"])
        mine = comparison.summary.loc[list(choice.runs)]
        assert row["final train loss"] == pytest.approx(mine["final_train_loss"].median())
        assert row["seeds"] == len(choice.runs)


def test_the_loss_figures_draw_the_selected_runs(report):
    comparison, drawn, _, _ = report
    colours = palette(comparison.selection.optimizers())
    for stem in ("loss-step", "loss-epoch"):
        lines = {line.get_label(): line for line in drawn[stem].axes[0].lines if not line.get_label().startswith("_")}
        assert set(lines) == set(comparison.selection.chosen)
        for label, choice in comparison.selection.chosen.items():
            np.testing.assert_allclose(lines[label].get_ydata(), _median(comparison.curves, choice.runs, "batch"))
            assert mcolors.to_hex(lines[label].get_color()) == colours[label]


def test_the_batch_regime_figure_draws_each_batch_size_at_its_selected_configuration(report):
    comparison, drawn, _, _ = report
    for ax in drawn["batch-regimes"].axes:
        if not ax.get_visible() or not ax.get_title():
            continue
        label = ax.get_title()
        choices = comparison.selection.by_batch[label]
        lines = [line for line in ax.lines if not line.get_label().startswith("_")]
        assert len(lines) == len(choices) == 3
        for line in lines:
            batch = {"GD (full batch)": "full", "SGD (batch 1)": "1", "mini-batch (32)": "32"}[
                line.get_label().split(", lr=")[0]]
            choice = choices[batch]
            assert line.get_label().endswith(f"lr={choice.config['lr']:g}")
            np.testing.assert_allclose(line.get_ydata(), _median(comparison.curves, choice.runs, "train"))


def test_the_lr_batch_heat_map_is_lightest_at_each_selected_configuration(report):
    """The heat map showed the final training loss while the table chose on the validation loss: on the
    ellipse, Adam's row was lr 0.0707 while the map's lightest cell was lr 0.01."""
    comparison, drawn, _, _ = report
    panels = [ax for ax in drawn["lr-batch"].axes if ax.images]
    assert [ax.get_title() for ax in panels] == list(comparison.selection.chosen)  # the table's order
    assert "final validation loss" in drawn["lr-batch"].axes[-1].get_ylabel()  # the colour bar
    for ax in panels:
        choice = comparison.selection.chosen[ax.get_title()]
        grid = np.ma.filled(ax.images[0].get_array().astype(float), np.nan)
        i, j = np.unravel_index(np.nanargmin(grid), grid.shape)
        lrs = [float(t.get_text()) for t in panels[0].get_xticklabels()]
        batches = [t.get_text() for t in panels[0].get_yticklabels()]
        assert (lrs[j], batches[i]) == (pytest.approx(choice.config["lr"]), choice.config["batch_size"])


def test_gradient_norms_landscape_and_animation_show_the_representatives(report):
    comparison, drawn, animated, _ = report
    selection = comparison.selection
    colours = palette(selection.optimizers())
    shown = [ax for ax in drawn["grad-norms"].axes if ax.get_visible() and ax.get_title()]
    assert [ax.get_title().split("\n")[0] for ax in shown] == list(selection.chosen)
    for ax, choice in zip(shown, selection.chosen.values()):
        assert f"(run {choice.representative}:" in ax.get_title()
    flat = drawn["landscape"].axes[0]
    paths = [line for line in flat.lines if len(line.get_xdata()) > 10]  # not the critical points
    assert len(paths) == len(selection.chosen)
    for choice in selection.chosen.values():
        path = comparison.paths[choice.representative]
        (line,) = [line for line in paths if np.allclose(line.get_xydata(), path)]
        assert mcolors.to_hex(line.get_color()) == colours[choice.label]
    (args, kwargs), = animated  # the GIF and the MP4 from one drawing of the frames
    assert [f.name for f in args[3]] == ["paths.gif", "paths.mp4"]
    for args, kwargs in animated:
        _, paths, labels, _ = args
        assert set(paths) == {c.representative for c in selection.chosen.values()}
        assert all(labels[c.representative] == f"{c.label} (lr {c.config['lr']:g})" for c in selection.chosen.values())
        assert {kwargs["colours"][labels[c.representative]] for c in selection.chosen.values()} == {
            colours[c.label] for c in selection.chosen.values()}


def test_the_html_charts_show_the_selection(report):
    comparison, _, _, charts = report
    selection = comparison.selection
    colours = palette(selection.optimizers())
    data, _ = charts["fig-loss"]
    for label, choice in selection.chosen.items():
        mine = [t for t in data if t.get("legendgroup") == label]
        runs = {int(r) for t in mine for r in re.findall(r"run (\d+)", t["meta"])}
        assert runs == set(choice.runs)
        assert {t["line"]["color"] for t in mine} == {colours[label]}
        (median,) = [t for t in mine if t.get("showlegend")]
        y = array(median["y"])
        np.testing.assert_allclose(y, _median(comparison.curves, choice.runs, "batch")[array(median["x"]).astype(int)],
                                   rtol=1e-6)
    _, layout = charts["fig-grad"]
    titles = [b["args"][1]["title.text"] for b in layout["updatemenus"][0]["buttons"]]
    assert [f"run {c.representative}," in t for t, c in zip(titles, selection.chosen.values())] == [True, True]
    data, _ = charts["fig-contour"]
    lines = [t for t in data if t.get("mode") == "lines+markers"]
    assert len(lines) == len(selection.chosen)
    for choice in selection.chosen.values():
        path = comparison.paths[choice.representative]
        (line,) = [t for t in lines if np.allclose(np.column_stack([array(t["x"]), array(t["y"])]), path)]
        assert line["line"]["color"] == colours[choice.label]


def test_the_header_counts_the_seeds_each_configuration_ran(tmp_path):
    """A landscape from a fixed start with full batches cannot differ by seed: every configuration ran one, and
    the header said "3 seeds per configuration (one where seeds cannot differ...)"."""
    config, task = C.resolve("rosenbrock", optimizers=["gd", "adam"], lr="0.001", seeds=3, steps=10)
    comparison = C.compare(config, task)
    assert comparison.summary.groupby("label")["seed"].nunique().max() == 1
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESCEND_REPORT_WORKERS", "0")
        patch.setattr(F, "save", lambda *args, **kwargs: None)
        patch.setattr(F, "animate_files", lambda *args, **kwargs: None)
        text = build.write_report(comparison, tmp_path / "out").read_text()
    assert "; 1 seed per configuration (not 3: seeds cannot differ here, see under the table)" in text
    assert "3 seeds per configuration" not in text
