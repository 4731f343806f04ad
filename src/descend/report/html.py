"""The HTML report of a comparison: one self-contained file with interactive Plotly charts.

:func:`write_html` writes a single page that works offline: the plotly.js bundle shipped with the Plotly
package is embedded once, inline, and nothing is fetched from the network (no external script, style sheet
or font). The page reads top to bottom the way a newcomer needs it:

1. a header: the task's title and card text, the comparison mode, the budget, notes (e.g. an interrupted
   run), and what reproduces its numbers: the versions of descend, Python, PyTorch, NumPy and pandas, the
   runs' seeds and how often they were evaluated;
2. the summary table, one row per optimizer, with the winner of each metric highlighted, a line naming the
   winners, what the columns mean and every run's configuration (collapsed);
3. the views, each shown once with a one-sentence caption saying what to look at: loss against step (or
   epoch), learning-rate sensitivity, learning rate × batch size, GD / SGD / mini-batch, a one-parameter
   task's parameter after each step, per-layer gradient norms and, for a task with a 2-parameter cost
   surface, a contour map, a 3-D surface with each run's path and their animation. A view with an
   interactive chart is drawn once, interactively, its static PNG a download link under it (:data:`STILLS`);
   a view that only has a static figure shows that figure (embedded as a data: URI, so the page works
   moved alone);
4. the resolved configuration (TOML text) and the versions.

Every string that comes from the user (task text, labels, configuration, notes) is escaped.
"""

from __future__ import annotations

import functools
import html
import math
import os
import pathlib
import urllib.parse
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import outcomes
from .._files import versions_text
from .._names import metric_words
from ..catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE
from ..selection import Selection, scores, status_steps, statuses
from . import overlap
from .cells import SETTINGS, _cell_text, _key, _number, column_texts  # noqa: F401 - the page's cells, the terminal's
from .colours import COST_COLORSCALE, MARKS_PER_LINE, Style, batch_order, depth_colours, optimizer_of
from .colours import colours as palette_of
from .colours import markers as marker_shapes
from .thinning import extremes
from .ticks import label as tick_label
from .ticks import capped_top, round_log_ticks

__all__ = ["write_html"]

#: The most points drawn per run and curve (loss curves, gradient norms, paths); longer runs are thinned.
MAX_POINTS = 500

#: Plotly marker symbols of the runs that do not count, by status (the table and hover text name them).
STATUS_SYMBOLS = {outcomes.DIVERGED: "x", outcomes.LEFT_DOMAIN: "diamond-open", outcomes.PRUNED: "line-ns-open",
                  outcomes.INTERRUPTED: "triangle-right-open"}

#: The static figures (by file stem) that are the still version of an interactive chart (by its div id):
#: a download link under that chart, never drawn a second time.
STILLS = {"fig-loss": ("loss-step", "loss-epoch"), "fig-lr": ("lr-sensitivity",), "fig-grad": ("grad-norms",),
          "fig-contour": ("landscape",)}
#: The views that only have a static figure (by file stem): heading and caption, in the page's order, and
#: the chart after which each comes.
VIEWS = {
    "lr-batch": ("fig-lr", "Learning rate \u00d7 batch size", "The {metric} (what each optimizer's configuration "
                 "is chosen on) of every learning rate and batch size: the median over seeds, its value in the "
                 "cell, a run without a result counting as infinite, as in that choice (hatched: half of the "
                 "cell's runs or more have no result); the lighter, the smaller the loss: a light row that stays "
                 "light across learning rates is a batch size that forgives the choice of rate."),
    "batch-regimes": ("fig-lr", "GD, SGD, mini-batch and hybrid batch sizes", "The training loss per update of "
                      "every batch size: the dots are the loss of each update's own batch (one sample for SGD, the "
                      "whole set for GD), thinned as the legend says, the line the loss on the whole training set. "
                      "Look at how much noisier small batches are, and how far each gets in the same number of "
                      "updates."),
    "parameter-steps": ("fig-lr", "The parameter after each step", "The one parameter of the task after each "
                        "step, one panel per optimizer and a line per learning rate: a rate below 1/c creeps "
                        "towards the answer, one between 1/c and 2/c overshoots it and oscillates while "
                        "converging, one above 2/c runs away (c the curvature)."),
    "fitted-model": ("fig-loss", "The data and the fitted models", "The training samples (grey) and the model "
                     "each optimizer ended with (its representative run), the known answer dashed: where the loss "
                     "curves say how close each came, this shows what the difference looks like in the data."),
    "paths": ("fig-surface3d", "The paths as an animation", "Every optimizer's path drawn step by step over the "
              "contours, again and again (with --mp4, the report's folder holds it as a video too); a browser set to "
              "reduce motion shows the still map of the paths instead."),
}
#: The still figure (by file stem) a browser that asks for reduced motion shows in place of an animation: the
#: map of every path, as the animation's last frame shows it.
STILL_OF = {"paths": "landscape"}
#: The labels of the static figures' download links.
_KINDS = {".png": "PNG", ".svg": "SVG", ".gif": "GIF", ".mp4": "MP4"}
#: Table columns shown under "more columns" (every other column is in the table itself).
#: The resolution of the page's own contour of a surface (points a side).
SURFACE_GRID = 100

SECONDARY_COLUMNS = ("best train loss", "generalisation gap", "state bytes / parameter", "ms / step",
                     "pruned rate", "interrupted rate")

_SUMMARY_COLUMNS = ("label", "lr", "seed", "final_train_loss")
_CURVES_COLUMNS = ("run", "step", "split", "metric", "value")
_CONFIG = {"displaylogo": False, "responsive": True}

#: What the usual columns of the summary table mean (shown under the table for the columns present).
def _power(value: float) -> str:
    """A power of ten as the page writes it: ``1e6`` → ``10⁶``."""
    return "10" + str(round(math.log10(value))).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))


_GLOSSARY = {
    "final train loss": "the loss on the whole training set at the end of the run (lower is better)",
    "best train loss": "the lowest training-set loss seen during the run: at every step of a full batch (its loss "
                       "is the training loss), at the evaluations of the training split after mini-batches",
    "test loss": "the loss on held-out test data at the end: how well the model generalises",
    TEST_LOSS_UNSTANDARDISED: "the test loss with the predictions and targets in the target column's own scale "
                              "(the training standardised the target), in the loss's own units: for the MSE "
                              "(half-MSE, L2) and the Huber loss, the target's units squared (g\u00b2 for a "
                              "target in grams: the test RMSE is the error in grams); for the MAE, the target's "
                              "units; for the MAPE, percent of the target",
    _key(TEST_RMSE): "the test root-mean-square error in the target column's own units (the square root of the "
                     "squared error the loss is a multiple of): how far a prediction typically is from the truth",
    "test accuracy": "the share of test samples classified correctly at the end (higher is better)",
    "validation loss": "the loss on the validation split at the end",
    "validation accuracy": "the share of validation samples classified correctly at the end",
    "steps to target": "the first step at which the training loss reached the target (the median over the row's "
                       "seeds; a seed that diverged before reaching it missed it): read at every step of a full "
                       "batch and of a hybrid's full phase (its loss is the training loss), at the evaluations of "
                       "the training split after mini-batches (one batch's loss is not the training loss); "
                       "\u201c> N\u201d means not within the N steps of the budget (a seed that missed counts as "
                       "beyond it: the median is a number while fewer than half of the seeds missed)",
    "epochs to target": "the epochs the steps to target took (passes over the training set; a full-batch step is "
                        "one epoch); \u201cnot reached\u201d when half of the row's runs or more did not reach the "
                        "target",
    "seeds": "the number of runs (seeds) of the row's configuration behind its medians and rates",
    "divergence rate": "the share of the row's runs (its seeds) that diverged: the training loss or the parameters "
                       f"became non-finite, or the loss grew beyond {_power(outcomes.DIVERGENCE_FACTOR)} \u00d7 "
                       "max(|J\u2080|, 1)",
    "left-domain rate": "the share of the row's runs whose parameters left the region where the model is defined "
                        "for any training sample: they have no result and win nothing",
    "pruned rate": "the share of the row's runs a search stopped early",
    "interrupted rate": "the share of the row's runs cut short by an interruption (Ctrl-C) before the end of their "
                        "budget: they have no result and win nothing",
    "generalisation gap": "test loss minus final training loss, each run's own (the median over the row's "
                          "seeds): how much worse the model does on unseen data; it wins nothing, as a model that "
                          "learned little has a small gap",
    "state bytes / parameter": "the memory the optimizer keeps per model parameter (momentum, moments, ...)",
    "ms / step": "wall time per training step and run, in milliseconds: the runs trained together (one program "
                 "for several optimizers and seeds) share out their time, so it compares little and wins nothing",
    "distance to answer": "the distance of the final parameters from the task's known answer (its card says which: "
                          "a minimum, a least-squares solution, or the ground truth that generated the data, "
                          "which noise moves the cost's minimum away from)",
}

_CSS = """
/* plotly.js's toolbar shows on hover: a button reached with Tab shows it too, and where the focus is */
.js-plotly-plot .plotly .modebar--hover > .modebar-group:focus-within { opacity: 1; }
.js-plotly-plot .plotly .modebar-btn:focus-visible { outline: 2px solid #1a73e8; outline-offset: 1px; }
g.updatemenu-button:focus rect, g.updatemenu-header:focus rect { stroke: #1a73e8 !important;
  stroke-width: 2px !important; }
g.updatemenu-button:focus, g.updatemenu-header:focus { outline: none; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       color: #222; background: #fff; margin: 0; line-height: 1.5; }
main { max-width: 1120px; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; margin: 0.2rem 0 0.6rem; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 0.5rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.intro { white-space: pre-line; margin: 0.4rem 0 0.8rem; }
.meta { color: #444; margin: 0.2rem 0; }
.meta span { margin-right: 1.4rem; }
.notes { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.5rem 0.8rem 0.5rem 2rem; }
.caption { color: #444; margin: 0.3rem 0 0.6rem; }
.figure { border: 1px solid #e6e6e6; border-radius: 4px; padding: 0.3rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.95rem; margin: 0.4rem 0; }
th, td { padding: 0.35rem 0.55rem; border-bottom: 1px solid #e3e3e3; text-align: right; white-space: nowrap; }
thead th { min-width: 3.2rem; }
th { background: #f4f6f8; }
thead th { border-bottom: 2px solid #ccc; vertical-align: bottom; white-space: normal; }
th[scope="row"] { text-align: left; background: #fafafa; }
tbody tr:hover td { background: #f7fbff; }
td.best, tbody tr:hover td.best { font-weight: bold; background: #d7f0d2; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 0.45em; }
.winners { margin: 0.3rem 0; }
details { margin: 0.6rem 0; }
summary { cursor: pointer; color: #1f5f9f; }
dl { margin: 0.4rem 0; } dt { font-weight: bold; } dd { margin: 0 0 0.4rem 1.2rem; color: #444; }
pre { background: #f6f8fa; border: 1px solid #e3e3e3; border-radius: 4px; padding: 0.8rem; overflow-x: auto;
      font-size: 0.9rem; }
img { max-width: 100%; border: 1px solid #e6e6e6; }
figure.still { margin: 0.4rem 0; text-align: center; }
.downloads { font-size: 0.9rem; color: #555; margin: 0.3rem 0 0; }
.downloads .file { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
.downloads .hint { color: #666; }  /* 5.7:1 on white (#888 was 3.5:1) */
footer { margin-top: 2.5rem; color: #666; font-size: 0.9rem; border-top: 1px solid #ddd; padding-top: 0.5rem; }
.on-paper { display: none; }
.no-script { background: #fff8e1; border-left: 4px solid #f0b400; padding: 0.4rem 0.8rem; }
@media print {  /* a printed page cannot scroll: wide tables wrap their cells, figures stay whole on a page */
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  table { font-size: 0.75rem; }
  th, td { white-space: normal; padding: 0.2rem 0.3rem; }
  td { overflow-wrap: anywhere; }  /* a long path or configuration breaks; a heading keeps its words whole */
  thead th { min-width: 0; overflow-wrap: normal; }
  .figure, figure.still, img, tr { break-inside: avoid; }
  h2, h3, .caption { break-after: avoid-page; }  /* a heading and its caption stay with their figure, */
  .caption { break-inside: avoid; }  /* and a caption of several lines is not broken between them */
  /* the collapsed sections (the glossary, more columns, the runs) are printed open: a page cannot be clicked */
  details::details-content { content-visibility: visible; display: block; }
  details > summary { list-style: none; font-weight: bold; }
  .on-screen { display: none; }  /* a chart paper cannot show (a 3-D view prints blank): its note instead */
  .on-paper { display: block; }
}
"""


# -- the page -------------------------------------------------------------------------------------------


def write_html(path: str | os.PathLike, *, title: str, intro: str, table: Any, winners: Mapping[str, Any],
               summary: Any, curves: Any, config_text: str, version: str, mode: str, surface: Any = None,
               paths: Mapping[int, Any] | None = None, labels: Mapping[int, str] | None = None,
               images: Mapping[str, str] | None = None, notes: list[str] | None = None,
               selection: Selection, colours: Mapping[str, str] | None = None,
               table_notes: list[str] | None = None, markers: Mapping[str, str] | None = None,
               budget: str | None = None, search_runs: Any = None,
               versions: Mapping[str, str] | None = None) -> pathlib.Path:
    """Write the HTML report of a comparison to ``path`` and return that path.

    ``table``: a pandas DataFrame, one row per optimizer label (the index), one column per metric; numbers
    are shown with 4 significant digits, rates and accuracies as percentages, NaN as "—", strings (e.g. a
    censored "> 400" steps to target) as they are. ``winners``: metric column → the winning labels (one, or
    several that tie), highlighted.
    ``summary``: one row per run (index ``run``) with at least the columns ``label, lr, seed,
    final_train_loss`` and each run's ``status`` (or, from an older summary, ``diverged``); ``curves``: the
    long table ``run, step, split, metric, value`` (and ``epoch``) of :attr:`descend.Runs.curves`.
    ``config_text`` (the resolved TOML configuration), ``version`` and ``mode`` (the comparison mode) are
    shown as text, and so is ``budget``, the budget each run was given ("400 steps", "50 epochs"; without it,
    the steps the curves reach). ``versions``: package → version, those the runs' numbers depend on
    (:func:`descend.compare.versions`; without it, ``version`` alone), said with the runs' seeds and how often they
    were evaluated, each read from ``summary`` and ``curves``.

    ``selection`` (:class:`descend.selection.Selection`, the comparison's) says which runs each chart shows
    for a label: the loss chart its chosen configuration's runs, the gradient-norm chart its representative
    run; no chart chooses again. ``colours``: label → colour (a report passes the one palette of all its
    figures), else :func:`descend.report.colours.colours` of the labels' optimizers. ``table_notes``: lines
    shown under the table (what qualifies its numbers). A run that does not count is drawn with its
    status's mark and named by its status, never judged from its values; on a log axis a value that is
    not positive (a batch with no valid sample) is a gap.

    ``surface`` (optional): an object with ``names``, ``domain``, ``log_scale``, ``points`` and ``grid(n)
    -> (A, B, J)``; with it the page has a contour map and a 3-D surface with each run's path
    (``paths[run]``, ``[T + 1, 2]``), named by ``labels[run]`` (default: the run's label in ``summary``).
    ``images``: caption → file name (relative to the HTML file) of static figures. A figure named as the
    still of a chart (:data:`STILLS`: figures/loss-step.png, ...) is a download link under that chart; any
    other is shown in its own section (:data:`VIEWS` places and explains the known ones; the caption is the
    heading), and the still of a chart that has nothing to draw is shown in its place. Files that exist are
    embedded (data: URIs, links included), so the page works when moved alone. ``markers``: label → marker
    shape (:data:`descend.report.colours.MARKERS`; default :func:`descend.report.colours.markers` of the
    labels in the table's order), worn by each optimizer's path. ``notes``: short lines shown under the
    header. ``search_runs`` (tuned mode): the learning-rate search's trials as runs (:func:`search_runs`), which
    the learning-rate chart draws instead of the final runs, each at its optimizer's one chosen rate. Bad input
    raises :class:`ValueError` naming the argument or column.
    """
    notes = _check_strings(notes, "notes")
    images = _check_images(images)
    return prepare_html(title=title, intro=intro, table=table, winners=winners, summary=summary, curves=curves,
                        config_text=config_text, version=version, mode=mode, surface=surface, paths=paths,
                        labels=labels, selection=selection, colours=colours, table_notes=table_notes,
                        markers=markers, budget=budget, search_runs=search_runs,
                        versions=versions).write(path, images=images, notes=notes)


def prepare_html(*, title: str, intro: str, table: Any, winners: Mapping[str, Any], summary: Any, curves: Any,
                 config_text: str, version: str, mode: str, surface: Any = None,
                 paths: Mapping[int, Any] | None = None, labels: Mapping[int, str] | None = None,
                 selection: Selection, colours: Mapping[str, str] | None = None,
                 table_notes: list[str] | None = None, markers: Mapping[str, str] | None = None,
                 budget: str | None = None, search_runs: Any = None,
                 versions: Mapping[str, str] | None = None) -> "Prepared":
    """The part of :func:`write_html` that does not depend on the static figures or the notes (the charts, the
    tables, the configuration): :meth:`Prepared.write` finishes the page once the figures are drawn. A report
    prepares its page while other processes draw its figures; the page is the same as :func:`write_html`'s."""
    import pandas as pd

    for name, value in (("title", title), ("intro", intro), ("config_text", config_text), ("version", version),
                        ("mode", mode)):
        if not isinstance(value, str):
            raise ValueError(f"{name} must be a str, not {type(value).__name__}")
    for name, value in (("table", table), ("summary", summary), ("curves", curves)):
        if not isinstance(value, pd.DataFrame):
            raise ValueError(f"{name} must be a pandas DataFrame, not {type(value).__name__}")
    if not isinstance(winners, Mapping):
        raise ValueError(f"winners must be a dict (metric column -> labels), not {type(winners).__name__}")
    if budget is not None and not isinstance(budget, str):
        raise ValueError(f"budget must be a str or None, not {type(budget).__name__}")
    if versions is not None and not (isinstance(versions, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in versions.items())):
        raise ValueError("versions must be a dict (package -> version, both str) or None, not "
                         f"{type(versions).__name__}")
    summary = _check_summary(summary)
    if curves.empty and not len(curves.columns):
        curves = curves.reindex(columns=list(_CURVES_COLUMNS))
    _require(curves, "curves", _CURVES_COLUMNS)
    if not table.index.is_unique:
        raise ValueError("table has a label more than once in its index; give one row per optimizer label")
    winners = _check_winners(winners, table)
    paths = _check_paths(paths)
    run_labels = {int(run): str(label) for run, label in summary["label"].items()}
    if labels is not None:
        if not isinstance(labels, Mapping):
            raise ValueError(f"labels must be a dict (run -> label), not {type(labels).__name__}")
        run_labels.update({int(run): str(label) for run, label in labels.items()})
    if not isinstance(selection, Selection):
        raise ValueError(f"selection must be a descend.selection.Selection, not {type(selection).__name__}")
    table_notes = _check_strings(table_notes, "table_notes")
    order = list(dict.fromkeys([str(label) for label in table.index] + list(selection.chosen)
                               + [str(x) for x in summary["label"]]))
    colours = _colours(order, selection, summary, colours)
    if markers is None:
        markers = marker_shapes(order)
    elif not isinstance(markers, Mapping) or any(label not in markers for label in order):
        raise ValueError("markers must be a dict (label -> marker shape) with every label of the table and summary")
    looks = {label: Style(colours[label], markers[label]) for label in order}  # each label's colour and shape
    chosen = {label: [run for run in c.runs if run in summary.index] for label, c in selection.chosen.items()}
    shown = {label: c.representative for label, c in selection.chosen.items() if c.representative in summary.index}

    loss = _loss_figure(summary, curves, chosen, looks)
    chosen_on = selection.chosen_on(summary)  # what the chart of the learning rates shows
    figures = [
        ("Loss during training", _loss_caption(curves, summary, chosen, epochs=bool(loss.layout.updatemenus)),
         "fig-loss", 480, loss),
        ("Learning-rate sensitivity", f"The {metric_words(chosen_on)} (what each optimizer's configuration is "
         "chosen on) against the learning rate, one marker per run (at the "
         "top, the runs without a result: \u00d7 diverged, \u25c7 left the model's domain); a line joins "
         "the medians over seeds (one per batch size, each in its own dash, which the legend names; a run without a "
         "result counts as infinite, as in the choice of each optimizer's configuration, so a rate where half of the "
         "runs or more failed has none), and a wide flat valley means the optimizer forgives a poorly chosen "
         "learning rate.", "fig-lr", 440,
         _lr_figure(summary, order, looks, metric=chosen_on)) if search_runs is None else
        ("Learning-rate sensitivity", "Tuned mode reports each optimizer at the one learning rate its search chose, "
         f"so this chart shows the search: its {_objective_words(search_runs)} (the search's objective) against the "
         "learning rate, one marker per trial (at the top, the trials without a result: \u00d7 diverged, \u25c7 left "
         "the model's domain); a line joins the trials of one batch size (each in its own dash, which the legend "
         "names), and a wide flat valley means the optimizer forgives a poorly chosen learning rate.", "fig-lr", 440,
         _lr_figure(search_runs, order, looks, metric=search_objective(search_runs), what="trial")),
    ]
    grads = _grad_figure(summary, curves, shown)
    if grads is not None:
        which = "one representative run per optimizer (choose it in the menu)" if grads.layout.updatemenus else \
            "a representative run"
        figures.append(("Gradient norms per parameter tensor", f"The gradient norm of every parameter tensor during "
                        f"{which}, coloured by depth: norms that shrink layer after layer point to vanishing "
                        "gradients, sudden spikes to instability (a run of more than "
                        f"{MAX_POINTS} steps is drawn through each stretch's lowest and highest norm, so that no "
                        "spike is left out).", "fig-grad", 440, grads))
    if surface is not None:
        contour, surface3d, names, coincide = _surface_figures(surface, paths, run_labels, summary, colours, markers)
        away = _outside(surface, paths, run_labels)
        figures.append(("The cost surface seen from above", f"Each run's path over the cost J({names}) from the "
                        "start (open circle) towards the known answer (star), ending on its optimizer's marker: "
                        "look for zig-zags across a valley, overshooting, and which runs get there."
                        + (f" Note: {coincide}." if coincide else "") + (f" Note: {away}." if away else ""),
                        "fig-contour", 600, contour))
        figures.append(("The cost surface in 3-D", "The same cost as a surface (height J, coloured as the map "
                        "above) with the paths drawn on it, each in its optimizer's line dash: drag to turn it and "
                        "see the valleys and plateaus the optimizers had to cross.", "fig-surface3d", 560, surface3d))
    # each view: its chart's HTML, or (no chart to draw) the reason in place of the caption
    charts = [(heading, caption, div_id, None, figure) if isinstance(figure, str) else
              (heading, caption, div_id, _chart(figure, div_id, height), None)
              for heading, caption, div_id, height, figure in figures]
    alts = _alt_texts(summary, order, [run_labels.get(run, f"run {run}") for run in sorted(paths)],
                      tuple(str(n) for n in surface.names) if surface is not None else None,
                      metric_words(chosen_on if search_runs is None else search_objective(search_runs)))
    # what reproduces the numbers: the versions, the runs' seeds and their evaluations (steps to target after
    # mini-batch steps is read at them), in the header and, the versions, with the configuration
    made = versions_text(versions) if versions else f"descend {version}"
    reproduce = [("Versions", made), ("Seeds", _seeds_text(summary)),
                 ("Evaluations", _evaluations_text(summary, curves, "steps to target" in table.columns))]
    return Prepared(title=title, intro=intro, mode=mode, version=version, summary=summary, curves=curves,
                    budget=budget, charts=charts, alts=alts, chosen_on=metric_words(chosen_on),
                    tables=[_table_section(table, winners, colours, table_notes, selection), _runs_details(summary)],
                    configuration=_config_section(config_text, version, made if versions else None),
                    reproduce=[(key, text) for key, text in reproduce if text])


class Prepared:
    """A report page whose charts and tables are made: :meth:`write` adds the static figures and the notes."""

    def __init__(self, *, title: str, intro: str, mode: str, version: str, summary: Any, curves: Any,
                 charts: list[tuple[str, str, str, str | None, str | None]], tables: list[str],
                 configuration: str, budget: str | None = None, alts: Mapping[str, str] | None = None,
                 chosen_on: str = "final training loss", reproduce: list[tuple[str, str]] | None = None) -> None:
        self.title, self.intro, self.mode, self.version, self.budget = title, intro, mode, version, budget
        self.reproduce = list(reproduce or [])  # (key, text): the header's line of versions, seeds and evaluations
        self.summary, self.curves = summary, curves
        self.charts, self.tables, self.configuration = charts, tables, configuration
        self.alts = dict(alts or {})  # file stem -> what its figure shows (:func:`_alt_texts`)
        self.chosen_on = chosen_on  # in words: what the configurations were chosen on (a caption's "{metric}")

    def write(self, path: str | os.PathLike, *, images: Mapping[str, str] | None = None,
              notes: list[str] | None = None) -> pathlib.Path:
        """Write the page to ``path`` with ``images`` and ``notes`` as :func:`write_html` takes them."""
        notes = _check_strings(notes, "notes")
        images = _check_images(images)
        directory = pathlib.Path(path).parent
        stills = {pathlib.PurePosixPath(name).stem: (caption, name) for caption, name in images.items()}
        parts = [_header(self.title, self.intro, self.mode, self.version, self.summary, self.curves, notes,
                         self.budget, self.reproduce),
                 *self.tables]
        placed: set[str] = set()

        def still(key: str, heading: str, caption: str, name: str, more: list[tuple[str, str]] = ()) -> str:
            stem = pathlib.PurePosixPath(name).stem
            calm = stills[STILL_OF.get(stem, "")][1] if STILL_OF.get(stem) in stills else None
            return _still_section(key, heading, caption, name, directory, more,
                                  alt=self.alts.get(stem, heading), calm=calm)

        def views_after(div_id: str) -> None:
            for stem, (after, heading, caption) in VIEWS.items():
                if after == div_id and stem in stills:
                    parts.append(still(stem, heading, caption.replace("{metric}", self.chosen_on),
                                       stills[stem][1]))
                    placed.add(stem)

        drawn_ids = {div_id for _, _, div_id, _, _ in self.charts}  # every view, a chart or its reason
        for heading, caption, div_id, chart, reason in self.charts:
            links = [stills[stem] for stem in STILLS.get(div_id, ()) if stem in stills]
            placed.update(stem for stem in STILLS.get(div_id, ()) if stem in stills)
            if chart is None and links:  # no chart to draw: its still instead
                parts.append(still(div_id, heading, reason, links[0][1], links[1:]))
            else:
                parts.append(_figure_section(heading, caption, div_id, chart, _downloads(links, directory), reason,
                                             stills=[name for _, name in links]))
            views_after(div_id)
        for div_id, stems in STILLS.items():  # stills of charts that were not drawn at all (no gradient norms, ...)
            if div_id not in drawn_ids:
                for stem in stems:
                    if stem in stills and stem not in placed:
                        caption, name = stills[stem]
                        parts.append(still(stem, caption, "", name))
                        placed.add(stem)
        for div_id in ("fig-lr", "fig-surface3d"):
            if div_id not in drawn_ids:
                views_after(div_id)
        others = [(caption, name) for stem, (caption, name) in stills.items() if stem not in placed]
        for caption, name in others:
            parts.append(still(pathlib.PurePosixPath(name).stem, caption, "", name))
        parts.append(self.configuration)
        page = _page(self.title, "\n".join(parts), self.version)

        path = pathlib.Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_text(page, encoding="utf-8")
        os.replace(partial, path)
        return path


def _page(title: str, body: str, version: str) -> str:
    import plotly.offline

    bundle = plotly.offline.get_plotlyjs()
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<meta name=\"generator\" content=\"descend {_esc(version)}\">\n"
        f"<title>{_esc(title)} \u2014 descend comparison</title>\n<style>{_CSS}</style>\n"
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f"<script>{bundle}</script>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>Made with descend {_esc(version)}; charts by plotly.js "
        f"{_esc(plotly.offline.get_plotlyjs_version())}, embedded in this file (it works offline).</footer>\n"
        f"</main>\n<script>{PAGE_JS}</script>\n</body>\n</html>\n"
    )


#: plotly.js draws a figure's menus (against step / against epoch, the optimizer of the gradient norms) in SVG,
#: which takes no keyboard focus: each of their buttons gets one, Enter or Space presses it, and the focus stays on
#: the menu that plotly.js draws again after a press.
_KEYBOARD_JS = """
(function () {
  var MENU = "g.updatemenu-button, g.updatemenu-header";
  function keyed(root) {
    root.querySelectorAll(MENU).forEach(function (b) {
      if (b.getAttribute("tabindex") === "0") return;
      b.setAttribute("tabindex", "0");
      b.setAttribute("role", "button");
      var label = b.textContent.trim();
      if (label) b.setAttribute("aria-label", label);
      b.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" && e.key !== " ") return;
        e.preventDefault();
        var plot = b.closest(".js-plotly-plot");
        b.dispatchEvent(new MouseEvent("click", { bubbles: true }));
        setTimeout(function () {
          var again = plot && Array.prototype.find.call(plot.querySelectorAll(MENU), function (x) {
            return x.textContent.trim() === label; });
          if (again) { keyed(plot); again.focus(); }
        }, 50);
      });
    });
  }
  new MutationObserver(function () { keyed(document); }).observe(document.body, { childList: true, subtree: true });
  keyed(document);
})();
""" + """
(function () {
  // On a narrow screen (a phone): a legend beside the plot left it a sliver, it goes under the plot and the figure
  // grows to hold it; a title wider than the figure breaks between words; a menu goes above the title, not on it.
  var NARROW = 560, pen = document.createElement("canvas").getContext("2d");
  function broken(text, font, width) {
    pen.font = font.size + "px " + font.family;
    var out = [], line = "";
    text.split(" ").forEach(function (word) {
      var longer = line ? line + " " + word : word;
      if (line && pen.measureText(longer.replace(/<[^>]+>/g, "")).width > width) { out.push(line); line = word; }
      else line = longer;
    });
    if (line) out.push(line);
    return out;
  }
  function value(layout, key) {  // "updatemenus[0].x" in a figure's layout (undefined where it is not set)
    return key.split("[").join(".").split("]").join("").split(".").reduce(function (at, part) {
      return at === undefined || at === null ? undefined : at[part];
    }, layout);
  }
  function keep(gd, update) {  // each setting's value as the page drew it, before its first change
    var was = gd._descendWide || (gd._descendWide = {
      layout: {}, height: gd.style.height, outer: gd.parentElement ? gd.parentElement.style.height : ""});
    Object.keys(update).forEach(function (key) {
      if (key !== "title.text" && !(key in was.layout)) {
        var v = value(gd.layout, key);
        was.layout[key] = v === undefined ? null : v;  // null: plotly.js's own default again
      }
    });
  }
  function loose() {  // a height given to plotly.js pins the width it had, and a figure whose width and height are
    // both given is never resized with its box: the width let go as plotly.js's own resizing does (a relayout of
    // the width to null would take it back to the page's first width)
    if (this && this.layout) delete this.layout.width;
  }
  function pixels(text) { return /px$/.test(text || "") ? parseFloat(text) : null; }
  function widen(gd) {  // wide again (a window made wider, a phone turned): the figure as the page drew it
    var was = gd._descendWide, text = gd.layout.title && gd.layout.title.text;
    var back = Object.assign({}, was.layout);
    if (gd._descendTitle && text === gd._descendTitle[1]) back["title.text"] = gd._descendTitle[0];
    delete gd._descendWide; delete gd._descendTitle; delete gd.dataset.narrow;
    gd.style.height = was.height;
    if (gd.parentElement) gd.parentElement.style.height = was.outer;
    // a height the page gave in pixels (a figure whose style is "100%" fills its box, whose height is in pixels)
    if (back.height === null) back.height = pixels(was.height) || pixels(was.outer) || null;
    gd.dataset.fitting = "1";
    var done = function () { delete gd.dataset.fitting; };
    Plotly.relayout(gd, back).then(function () { return loose.call(gd); }).then(done, done);
  }
  function fit(gd) {
    var L = gd._fullLayout;
    if (!L || !L.width || gd.dataset.fitting) return;
    if (L.width >= NARROW) { if (gd.dataset.narrow && gd._descendWide) widen(gd); return; }
    var update = {}, menus = gd.layout.updatemenus || [], menu = menus.length > 0 && menus[0].type === "dropdown";
    var text = gd.layout.title && gd.layout.title.text, wide = L.legend && L.showlegend && L.legend.orientation !== "h";
    if (text && text.indexOf("<br>") < 0) {
      var lines = broken(text, L.title.font, L.width - 24);
      if (lines.length > 1) {
        update["title.text"] = lines.join("<br>");
        gd._descendTitle = [text, update["title.text"]];
      }
    }
    if (!gd.dataset.narrow && wide) {
      update["legend.orientation"] = "h"; update["legend.x"] = 0; update["legend.xanchor"] = "left";
      update["legend.yref"] = "container"; update["legend.y"] = 0; update["legend.yanchor"] = "bottom";
    }
    if (!Object.keys(update).length && gd.dataset.narrow) return;
    gd.dataset.fitting = "1";
    var first = !gd.dataset.narrow;
    gd.dataset.narrow = "1";
    keep(gd, update);
    Plotly.relayout(gd, update).then(function () {
      var F = gd._fullLayout, more = {};
      var rows = ((gd.layout.title && gd.layout.title.text) || "").split("<br>").length;
      var titled = text ? Math.ceil(rows * 1.3 * F.title.font.size) + 12 : 0;
      if (menu) {  // the menu at the top left, the title under it
        more["updatemenus[0].x"] = 0; more["updatemenus[0].xanchor"] = "left";
        more["updatemenus[0].yanchor"] = "top";
        var top = Math.max(F.margin.t, 62 + titled);
        more["updatemenus[0].y"] = 1 + (top - 4) / F._size.h;
        more["margin.t"] = top;
        if (text) {
          more["title.yref"] = "container"; more["title.yanchor"] = "top";
          more["title.y"] = 1 - 58 / (F.height + top - F.margin.t);
        }
      } else if (text && F.margin.t < titled + 8) more["margin.t"] = titled + 8;
      if (first && wide) {  // the figure grows by the legend's rows under it
        var legend = Math.ceil(F.legend._height || 0) + 6;
        more["margin.b"] = F.margin.b + legend;
        more.height = F.height + legend + ((more["margin.t"] || F.margin.t) - F.margin.t);
      } else if (more["margin.t"]) more.height = F.height + more["margin.t"] - F.margin.t;
      if (more.height) {  // the figure's box grows with it (plotly.js draws within the box's height)
        gd.style.height = more.height + "px";
        if (gd.parentElement && gd.parentElement.style.height) gd.parentElement.style.height = more.height + "px";
      }
      keep(gd, more);
      return Plotly.relayout(gd, more).then(function () { return loose.call(gd); });
    }).then(function () { delete gd.dataset.fitting; }, function () { delete gd.dataset.fitting; });
  }
  function all() { document.querySelectorAll(".js-plotly-plot").forEach(fit); }
  window.addEventListener("load", function () {
    all();
    document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      if (gd.on) gd.on("plotly_afterplot", function () { fit(gd); });  // a menu that sets another title
    });
  });
  window.addEventListener("resize", all);
})();
"""


#: Printing from a browser's dialog opens every collapsed section first and closes them again afterwards (the print
#: style shows their contents too, where the browser knows ``::details-content``).
PRINT_JS = """
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details:not([open])").forEach(function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
"""

#: Every page's script (a comparison's and a search's report): the menus' keys, the figures fitted to a narrow screen
#: and back, and printing.
PAGE_JS = _KEYBOARD_JS + PRINT_JS


def _header(title: str, intro: str, mode: str, version: str, summary: Any, curves: Any,
            notes: list[str], budget: str | None = None, reproduce: list[tuple[str, str]] | None = None) -> str:
    """The page's header; ``reproduce``: (key, text) of what reproduces the numbers (the versions, the seeds, the
    evaluations), a line of their own in place of descend's ``version`` alone."""
    meta = [f"<span><b>Comparison mode:</b> {_esc(mode)}</span>",
            f"<span><b>Budget:</b> {_esc(_budget(summary, curves, budget))}</span>"]
    if not reproduce:
        meta.append(f"<span><b>descend</b> {_esc(version)}</span>")
    out = [f"<header>\n<h1>{_esc(title)}</h1>"]
    if intro.strip():
        out.append(f"<p class=\"intro\">{_esc(intro.strip())}</p>")
    out.append(f"<p class=\"meta\">{''.join(meta)}</p>")
    if reproduce:
        out.append("<p class=\"meta\">" + "".join(f"<span><b>{_esc(key)}:</b> {_esc(text)}</span>"
                                                   for key, text in reproduce) + "</p>")
    if notes:
        out.append("<ul class=\"notes\">" + "".join(f"<li>{_esc(note)}</li>" for note in notes) + "</ul>")
    out.append("</header>")
    return "\n".join(out)


def _budget(summary: Any, curves: Any, planned: str | None = None) -> str:
    """The header's budget: the one the runs were given (``planned``), with the steps each batch size took when
    it is in epochs; without it, the steps the curves reach."""
    batch = curves[curves["split"] == "batch"]
    last = _max(batch["step"])
    if last is None:
        last = _max(curves["step"])
    text = "no steps recorded" if last is None else f"{int(last) + 1} steps per run"
    if planned is not None:
        text = f"{planned} per run"
        finished = summary[summary["status"] != outcomes.INTERRUPTED] if "status" in summary else summary
        if "epoch" in planned and {"batch_size", "steps_done"} <= set(finished.columns) and len(finished):
            steps = finished.groupby("batch_size", sort=False)["steps_done"].max()
            text += " (" + ", ".join(f"{int(n):,} steps at " + ("the full batch" if str(b) == "full" else
                                                                       f"batch {b}") for b, n in steps.items()) + ")"
    elif last is not None and "epoch" in curves.columns:
        # epochs completed before each step: an evaluation after the last step has the total, else extrapolate
        after = _max(curves.loc[curves["step"] > last, "epoch"])
        before = _max(batch.loc[batch["step"] == last, "epoch"]) if last > 0 else None
        epochs = after if after is not None else (before * (last + 1) / last if before is not None else None)
        if epochs is not None and epochs > 0 and not math.isclose(epochs, last + 1):  # else 1 step = 1 epoch
            text += f" (\u2248 {_number(float(f'{epochs:.3g}'))} epochs)"
    runs = len(summary)
    seeds = summary["seed"].nunique(dropna=True)
    text += f"; {runs} run{'s' * (runs != 1)}"
    if seeds > 1:
        text += f", {seeds} seeds"
    cut = int((summary["status"] == outcomes.INTERRUPTED).sum()) if "status" in summary else 0
    if cut:  # the steps above are the furthest any run went: say which runs did not go the whole way
        text += f"; {cut} cut short by an interruption (status interrupted, see steps_done)"
    return text


def _seeds_text(summary: Any) -> str:
    """The seeds the runs used, as the header says them: a run of whole numbers as ``0..2``, others listed.

    >>> import pandas as pd
    >>> _seeds_text(pd.DataFrame({"seed": [0, 1, 2, 0]})), _seeds_text(pd.DataFrame({"seed": [0, 7]}))
    ('0..2', '0, 7')
    """
    seeds = sorted({int(s) for s in summary["seed"].dropna()}) if "seed" in summary else []
    if len(seeds) > 1 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}..{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _evaluations_text(summary: Any, curves: Any, target: bool) -> str:
    """How often the runs were evaluated, as the header says it: the steps between a run's first two evaluations
    (each batch size's, where they differ: under an epochs budget each takes its own steps), read from the curves'
    evaluated splits; ``target``: the table has steps to target, which after mini-batch steps is read there (at
    every step of a full batch). Empty where no run was evaluated twice."""
    evaluated = curves[(curves["split"] != "batch") & ~curves["metric"].astype(str).str.startswith("grad_norm")]
    every: dict[str, int] = {}
    for run, rows in evaluated.groupby("run", sort=True):
        steps = sorted(set(int(s) for s in rows["step"]))
        if len(steps) > 1 and run in summary.index:
            batch = summary.at[run, "batch_size"] if "batch_size" in summary else "full"
            every.setdefault("the full batch" if str(batch) in ("full", "None", "nan") else f"batch {batch}",
                             steps[1] - steps[0])
    if not every:
        return ""
    if len(set(every.values())) == 1:
        text = f"every {_steps(next(iter(every.values())))}"
    else:
        text = ", ".join(f"every {_steps(n)} at {batch}" for batch, n in every.items())
    batched = any(batch != "the full batch" for batch in every)
    return text + ("; steps to target after mini-batch steps is read at them (to within their interval)"
                   if target and batched else "")


def _steps(n: int) -> str:
    return f"{n:,} step{'s' * (n != 1)}"


def _max(column: Any) -> float | None:
    import pandas as pd

    values = pd.to_numeric(column, errors="coerce")
    values = values[np.isfinite(values.to_numpy(dtype=float))]
    return None if values.empty else float(values.max())


def _table_section(table: Any, winners: dict[str, list[str]], colours: dict[str, str],
                   table_notes: list[str], selection: Selection) -> str:
    """The summary table: one row per optimizer with the columns a reader compares first; the secondary
    columns (:data:`SECONDARY_COLUMNS`) in a second table under "More columns", collapsed, so that the table
    fits a 1,280 px window. Its caption says how each row was chosen (the selection's rule and column)."""
    columns = [str(c) for c in table.columns]
    secondary = [c for c in columns if _key(c) in SECONDARY_COLUMNS]
    primary = [c for c in columns if c not in secondary]
    out = ["<section id=\"summary\">", "<h2>Summary</h2>",
           "<p class=\"caption\">One row per optimizer, at its configuration with the lowest median "
           f"{_esc(metric_words(selection.by))} over its seeds (a run without a result counts as infinite there, so "
           "a configuration where half of the runs or more failed is chosen last); its numbers are medians over the "
           "seeds whose run has a result. In each column the winners of that metric are in bold on green: the best "
           "value, and any other whose seeds' interquartile range overlaps the best one's (a difference within "
           "the spread between seeds names no single winner).</p>",
           f"<div class=\"scroll\">{_table_html(table, primary, winners, colours)}</div>"]
    if secondary:
        out.append(f"<details class=\"more\"><summary>More columns: {_esc(', '.join(secondary))}</summary>"
                   f"<div class=\"scroll\">{_table_html(table, secondary, winners, colours)}</div></details>")
    if table_notes:
        out.append("<ul class=\"notes table-notes\">" + "".join(f"<li>{_esc(note)}</li>" for note in table_notes)
                   + "</ul>")
    if winners:
        best = "; ".join(f"{_esc(column)}: " + ", ".join(f"<b>{_esc(label)}</b>" for label in labels)
                         for column, labels in winners.items())
        out.append(f"<p class=\"winners\">Best per metric: {best}.</p>")
    known = [(c, _GLOSSARY[_key(c)]) for c in columns if _key(c) in _GLOSSARY]
    if known:
        out.append("<details><summary>What the columns mean</summary><dl>"
                   + "".join(f"<dt>{_esc(c)}</dt><dd>{_esc(text)}</dd>" for c, text in known) + "</dl></details>")
    out.append("</section>")
    return "\n".join(out)


def _table_html(table: Any, columns: list[str], winners: dict[str, list[str]], colours: dict[str, str]) -> str:
    """One table of ``columns`` of ``table``, a row per optimizer, the winner of each column highlighted."""
    position = {str(c): k for k, c in enumerate(table.columns)}
    head = "<th scope=\"col\">optimizer</th>" + "".join(f"<th scope=\"col\">{_esc(c)}</th>" for c in columns)
    labels = [str(label) for label in table.index]
    texts = {column: column_texts(column, table.iloc[:, position[column]], [label in winners.get(column, ())
                                                                            for label in labels])
             for column in columns}  # as many digits as tell each winner from the cells it beat
    rows = []
    for k, label in enumerate(labels):
        cells = [f"<th scope=\"row\"><span class=\"swatch\" style=\"background:{colours[label]}\"></span>"
                 f"{_esc(label)}</th>"]
        for column in columns:
            if label in winners.get(column, ()):
                cells.append(f"<td class=\"best\" title=\"best {_esc(column)}\">{_esc(texts[column][k])}</td>")
            else:
                cells.append(f"<td>{_esc(texts[column][k])}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody>\n</table>"


def _runs_details(summary: Any) -> str:
    summary = summary[["label"] + [c for c in summary.columns if c != "label"]]
    columns = [str(c) for c in summary.columns]
    head = "<th scope=\"col\">run</th>" + "".join(f"<th scope=\"col\">{_esc(c.replace('_', ' '))}</th>"
                                                  for c in columns)
    rows = []
    settings = {c: column_texts(c, summary[c], [False] * len(summary)) for c in columns if c in SETTINGS}
    for k, (run, row) in enumerate(zip(summary.index, summary.itertuples(index=False))):
        cells = "".join(f"<td>{_esc(settings[c][k] if c in settings else _cell_text(c, v))}</td>"
                        for c, v in zip(columns, row))
        rows.append(f"<tr><th scope=\"row\">{_esc(str(run))}</th>{cells}</tr>")
    return ("<details><summary>Every run: its configuration and results</summary>\n<div class=\"scroll\"><table>"
            f"\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + "\n</tbody>\n</table></div>\n</details>")


def _chart(figure: Any, div_id: str, height: int) -> str:
    """A Plotly chart as the HTML of its div (the page embeds plotly.js once), on the ``plotly_white`` template.

    The template, height and margin go into the figure's JSON directly: set through ``update_layout`` the
    template is rebuilt and validated for every chart, about a third of a comparison's chart-making time (the
    JSON is the same)."""
    import plotly.io

    margin = dict(l=60, r=30, t=60, b=50)
    margin.update(figure.layout.margin.to_plotly_json() if figure.layout.margin else {})
    spec = figure.to_dict()
    spec["layout"].update(template=_white_template(), height=height, margin=margin)
    return plotly.io.to_html(spec, config=_CONFIG, include_plotlyjs=False, full_html=False, div_id=div_id,
                             default_height=f"{height}px", default_width="100%", validate=False)


@functools.cache
def _white_template() -> dict[str, Any]:
    """Plotly's ``plotly_white`` template as JSON (made once per process; never changed)."""
    import plotly.io

    return plotly.io.templates["plotly_white"].to_plotly_json()


#: Charts a printed page cannot show, and what it says in their place: the 3-D surface is drawn by WebGL, which
#: prints as a blank box.
ON_SCREEN_ONLY = {"fig-surface3d": "Printed, this view is left out: it is drawn in 3-D for the screen, where it "
                                   "turns with the mouse. The map above shows the same paths over the same cost."}


def _figure_section(heading: str, caption: str, div_id: str, chart: str | None, downloads: str = "",
                    reason: str | None = None, stills: list[str] = ()) -> str:
    """A chart's section: ``chart`` the HTML of its div (:func:`_chart`); None when there is nothing to draw,
    and ``reason`` says why. A chart of :data:`ON_SCREEN_ONLY` is replaced by its note on paper. Where JavaScript
    does not run (a mail client's preview), the chart is an empty box: a line says so, naming its static figures
    (``stills``, file names in the report's folder)."""
    if chart is None:  # nothing to draw: say why
        return (f"<section>\n<h2>{_esc(heading)}</h2>\n<p class=\"caption\">{_esc(reason or '')}</p>\n{downloads}"
                "</section>")
    screen = " on-screen" if div_id in ON_SCREEN_ONLY else ""
    paper = f"<p class=\"on-paper\">{_esc(ON_SCREEN_ONLY[div_id])}</p>\n" if screen else ""
    return (f"<section id=\"{_esc(div_id.removeprefix('fig-'))}\">\n<h2>{_esc(heading)}</h2>\n"
            f"<p class=\"caption\">{_esc(caption)}</p>\n{paper}{_no_script(stills)}"
            f"<div class=\"figure{screen}\">{chart}</div>\n{downloads}</section>")


def _no_script(stills: list[str]) -> str:
    """What a reader without JavaScript sees above a chart, which is then an empty box (its buttons and menus
    too): that it needs JavaScript, and where its static figures are (``stills``: file names)."""
    where = ""
    if stills:
        files = _listed([pathlib.PurePosixPath(name).as_posix() for name in stills])
        where = (f": its static figure{'s' * (len(stills) > 1)}, {files}, {'are' if len(stills) > 1 else 'is'} in "
                 "the report's folder and linked under the chart")
    return f"<noscript><p class=\"no-script\">This chart needs JavaScript, which is off here{_esc(where)}.</p>" \
           "</noscript>\n"


def _downloads(files: list[tuple[str, str]], directory: pathlib.Path, link: bool = True) -> str:
    """Download links of the static versions of a view (caption, file name): each PNG, GIF or MP4 (embedded
    as a data: URI when the file exists, so the link works in a page moved alone; only its name when
    ``link`` is false: the page shows that figure already), and the name of its SVG when the report's
    folder has one."""
    if not files:
        return ""
    links = []
    for caption, name in files:
        pure = pathlib.PurePosixPath(name)
        kind = _KINDS.get(pure.suffix.lower(), pure.suffix.lstrip(".").upper() or "file")
        if link:
            links.append(f"<a href=\"{_esc(_image_source(name, directory))}\" download=\"{_esc(pure.name)}\" "
                         f"title=\"{_esc(caption)}\">{_esc(pure.stem)}.{kind.lower()}</a>")
        else:
            links.append(f"<span class=\"file\">{_esc(pure.as_posix())}</span>")
        svg = pure.with_suffix(".svg").as_posix()
        if pure.suffix.lower() == ".png" and (directory / svg).is_file():
            links.append(f"<span class=\"file\">{_esc(svg)}</span>")
        mp4 = pure.with_suffix(".mp4").as_posix()
        if pure.suffix.lower() == ".gif" and (directory / mp4).is_file():
            links.append(f"<span class=\"file\">{_esc(mp4)}</span>")
    return ("<p class=\"downloads\">Static figure: " + " \u00b7 ".join(links)
            + " <span class=\"hint\">(the files are in the report's folder)</span></p>\n")


def _still_section(key: str, heading: str, caption: str, name: str, directory: pathlib.Path,
                   more: list[tuple[str, str]] = (), *, alt: str | None = None, calm: str | None = None) -> str:
    """A view that only has a static figure: the image (embedded), its caption and its download link. ``alt``:
    what the figure shows, for a reader who cannot see it (:func:`_alt_texts`; the heading without one).
    ``calm``: the still figure shown instead of an animation (``name``) to a reader whose browser asks for
    reduced motion (WCAG 2.2.2: the GIF plays again and again, with no control to pause it)."""
    img = f"<img src=\"{_esc(_image_source(name, directory))}\" alt=\"{_esc(alt or heading)}\">"
    if calm is not None:
        img = (f"<picture><source media=\"(prefers-reduced-motion: reduce)\" "
               f"srcset=\"{_esc(_image_source(calm, directory))}\">{img}</picture>")
    image = f"<figure class=\"still\">{img}</figure>"
    text = f"<p class=\"caption\">{_esc(caption)}</p>\n" if caption else ""
    links = _downloads([(heading, name)], directory, link=False) + _downloads(list(more), directory)
    return f"<section id=\"{_esc(key)}\">\n<h2>{_esc(heading)}</h2>\n{text}{image}\n{links}</section>"


def _listed(words: list[str]) -> str:
    """Words as a list in a sentence: "gd, momentum and adam"."""
    words = [str(w) for w in words]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else "none"


def _alt_texts(summary: Any, order: list[str], path_labels: list[str], names: tuple[str, ...] | None,
               chosen_on: str) -> dict[str, str]:
    """What each static figure of a comparison shows (by file stem), for the alt text of its image: its axes and
    its optimizers, from the runs it was drawn from (``summary``, the labels in ``order``, the labels of the paths
    and the surface's parameter ``names``), so that a reader who cannot see it learns more than its heading."""
    import pandas as pd

    from .colours import batch_order

    labels = _listed(order)
    lr = pd.to_numeric(summary["lr"], errors="coerce") if "lr" in summary else pd.Series(dtype=float)
    lrs = sorted(float(v) for v in lr.unique() if np.isfinite(v) and v > 0)
    rates = _listed([f"{v:g}" for v in lrs]) if len(lrs) <= 6 else f"{lrs[0]:g} to {lrs[-1]:g}"
    sizes = (sorted(map(str, summary["batch_size"].map(str).unique()), key=batch_order)
             if "batch_size" in summary else [])
    batches = _listed(sizes)
    alts = {
        "loss-step": f"Line chart of the loss (y) against the step (x), one line per optimizer, each "
                     f"with its own marker shape: {labels}.",
        "loss-epoch": f"Line chart of the loss (y) against the epoch (x), one line per optimizer, each "
                      f"with its own marker shape: {labels}.",
        "lr-sensitivity": f"Line chart of the {chosen_on} (y) against the learning rate (x, log scale: {rates}), one "
                          f"line per optimizer, each with its own marker shape: {labels}; runs without a result "
                          "are marked at the top.",
        "lr-batch": f"Heat maps, one per optimizer ({labels}), of the {chosen_on} at each learning rate "
                    f"(x: {rates}) and batch size (y: {batches}), its value written in each cell.",
        "batch-regimes": f"Line charts, one per optimizer ({labels}), of the training loss (y) against the update "
                         f"(x), one line per batch size: {batches}.",
        "grad-norms": f"Line charts, one per optimizer ({labels}), of the gradient norm (y, log scale) of each "
                      "parameter tensor against the step (x).",
        "parameter-steps": f"Line charts, one per optimizer ({labels}), of the task's one parameter (y) after each "
                           f"step (x), one line per learning rate: {rates}.",
        "fitted-model": f"Scatter of the training data with the model each optimizer fitted drawn over it: {labels}.",
    }
    if names is not None and path_labels:
        paths = _listed(list(dict.fromkeys(path_labels)))
        over = f"({names[0]} horizontally, {names[1]} vertically)"
        alts["landscape"] = (f"Contour map of the cost J over {over} with the path of each optimizer from the start "
                             f"towards the minimum, each with its own marker shape: {paths}; beside it the same cost "
                             "as a 3-D surface with the paths on it.")
        alts["paths"] = (f"Animation of the paths of {paths}, drawn step by step over the contour map of the cost J "
                         f"over {over}.")
    return alts


def _config_section(config_text: str, version: str, versions: str | None = None) -> str:
    """The configuration's section: its TOML text, and descend's ``version`` (``versions``: every version the
    numbers depend on, in words, where they are known)."""
    made = f"Versions: <b>{_esc(versions)}</b>" if versions else f"descend version: <b>{_esc(version)}</b>"
    return ("<section id=\"configuration\">\n<h2>Configuration</h2>\n<p class=\"caption\">The resolved "
            "configuration of this comparison (TOML): run it again with these settings to get the same runs."
            f"</p>\n<pre>{_esc(config_text)}</pre>\n<p>{made}</p>\n</section>")


def _image_source(name: str, directory: pathlib.Path) -> str:
    """A data: URI holding the file ``directory / name``, or the quoted relative name when it does not exist."""
    import base64
    import mimetypes

    file = directory / name
    if not file.is_file():
        return urllib.parse.quote(name)
    kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    return f"data:{kind};base64," + base64.b64encode(file.read_bytes()).decode("ascii")


# -- checks ---------------------------------------------------------------------------------------------


def _require(frame: Any, name: str, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name} is missing the column{'s' * (len(missing) > 1)} {', '.join(map(repr, missing))}"
                         f" (it has {', '.join(map(repr, map(str, frame.columns))) or 'none'})")


def _check_summary(summary: Any) -> Any:
    if "run" in summary.columns and summary.index.name != "run":
        summary = summary.set_index("run")
    if summary.empty and not len(summary.columns):  # no run finished (an interrupted comparison)
        summary = summary.reindex(columns=list(_SUMMARY_COLUMNS))
    _require(summary, "summary", _SUMMARY_COLUMNS)
    try:
        summary.index = summary.index.astype(int)
    except (TypeError, ValueError):
        raise ValueError("summary's index must be the run number (int), one row per run") from None
    if not summary.index.is_unique:
        raise ValueError("summary has a run more than once in its index; give one row per run")
    return summary


def _check_winners(winners: Mapping[str, Any], table: Any) -> dict[str, list[str]]:
    """``winners`` as metric column → the labels that win it (a label alone, as a report of an earlier release
    saved it, is a list of one)."""
    columns = {str(c) for c in table.columns}
    labels = {str(x) for x in table.index}
    checked = {}
    for column, won in winners.items():
        if str(column) not in columns:
            raise ValueError(f"winners names the column {column!r}, which the table does not have "
                             f"(it has {', '.join(map(repr, sorted(columns))) or 'none'})")
        if won is None:  # no winner for this metric (e.g. every value is NaN)
            continue
        won = [won] if isinstance(won, str) else won
        if not isinstance(won, (list, tuple)) or not all(isinstance(label, str) for label in won):
            raise ValueError(f"winners[{column!r}] must be a list of labels (str), not {won!r}")
        for label in won:
            if label not in labels:
                raise ValueError(f"winners[{column!r}] names {label!r}, which is not a label of the table "
                                 f"(its labels: {', '.join(map(repr, sorted(labels)))})")
        if won:
            checked[str(column)] = list(won)
    return checked


def _check_strings(values: Any, name: str) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"{name} must be a list of str")
    return list(values)


def _check_images(images: Any) -> dict[str, str]:
    if images is None:
        return {}
    if not isinstance(images, Mapping):
        raise ValueError(f"images must be a dict (caption -> relative file name), not {type(images).__name__}")
    for caption, name in images.items():
        if not isinstance(caption, str) or not isinstance(name, str):
            raise ValueError("images must map a caption (str) to a file name (str)")
        parsed = urllib.parse.urlparse(name)
        if (not name or parsed.scheme or parsed.netloc or name.startswith(("/", "\\"))
                or pathlib.PureWindowsPath(name).is_absolute()):
            raise ValueError(f"images[{caption!r}] = {name!r}: give a file name relative to the HTML file")
    return dict(images)


def _check_paths(paths: Any) -> dict[int, np.ndarray]:
    if paths is None:
        return {}
    if not isinstance(paths, Mapping):
        raise ValueError(f"paths must be a dict (run -> [T + 1, 2] array), not {type(paths).__name__}")
    checked = {}
    for run, path in paths.items():
        array = _numpy(path)
        if array.ndim != 2 or array.shape[1] != 2:
            raise ValueError(f"paths[{run!r}] has shape {tuple(array.shape)}; expected [T + 1, 2] (a, b) points")
        checked[int(run)] = array
    return checked


# -- formatting -----------------------------------------------------------------------------------------


def _esc(text: str) -> str:
    """``text`` for a page: escaped, and a byte of a file name that is not UTF-8 (which Python holds as a lone
    surrogate, and a UTF-8 page cannot: a search's whole report was lost to one in its --out) shown as "\ufffd"."""
    text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # (a check in C: every cell of a page goes through here)
        try:  # a file name's byte, as os.fsdecode holds it
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        except UnicodeEncodeError:  # any other lone surrogate
            text = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return html.escape(text, quote=True)


def _numpy(x: Any) -> np.ndarray:
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


# -- charts ---------------------------------------------------------------------------------------------


def _thin(values: np.ndarray, keep: int | None = None) -> np.ndarray:
    """The indices of a line's ``values`` drawn: at most about MAX_POINTS, each stretch's lowest and highest
    (:func:`descend.report.thinning.extremes`, as the static figures draw them), plus ``keep``."""
    index = extremes(np.asarray(values, dtype=float), MAX_POINTS)
    if keep is not None and 0 <= keep < len(values):
        index = np.union1d(index, [keep])
    return index


def _last_finite(values: np.ndarray) -> int | None:
    finite = np.flatnonzero(np.isfinite(values))
    return int(finite[-1]) if len(finite) else None


def _run_text(summary: Any, run: int) -> str:
    row = summary.loc[run]
    parts = [f"run {run}", f"lr {_cell_text('lr', row['lr'])}", f"seed {_cell_text('seed', row['seed'])}"]
    if "batch_size" in summary.columns:
        parts.append(f"batch {_cell_text('batch size', row['batch_size'])}")
    return ", ".join(parts)


def _per_step(frame: Any) -> Any:
    """A (step x run) table of values from long rows."""
    frame = frame.drop_duplicates(["run", "step"], keep="last")
    return frame.pivot(index="step", columns="run", values="value").sort_index()


def _held_out_split(curves: Any) -> str | None:
    loss = curves[curves["metric"] == "loss"]
    for split in ("test", "validation"):
        if bool((loss["split"] == split).any()):
            return split
    return None


def _colours(order: list[str], selection: Selection, summary: Any, given: Mapping[str, str] | None) -> dict[str, str]:
    """Every label's colour: ``given``, else the one palette keyed by the labels' optimizers."""
    if given is not None:
        if not isinstance(given, Mapping):
            raise ValueError(f"colours must be a dict (label -> colour), not {type(given).__name__}")
        missing = [label for label in order if label not in given]
        if missing:
            raise ValueError(f"colours has no colour for {', '.join(map(repr, missing))}")
        return {label: str(given[label]) for label in order}
    names = dict(zip(summary["label"].astype(str), summary["optimizer"].astype(str))) if "optimizer" in summary else {}
    names.update(selection.optimizers())
    return palette_of({label: names.get(label, optimizer_of(label)) for label in order})


def _loss_caption(curves: Any, summary: Any, chosen: dict[str, list[int]], epochs: bool = False) -> str:
    held = _held_out_split(curves)
    dashed = f" and {held} loss (dashed)" if held else ""
    narrowed = any(len(runs) < int((summary["label"].astype(str) == label).sum()) for label, runs in chosen.items())
    which = "the seeds of each optimizer's configuration in the table" if narrowed else "single runs"
    return (f"Training loss of each step's batch (solid; the whole training set for a full-batch run){dashed} "
            f"against the step{' (or the epoch: the buttons above the chart)' if epochs else ''}: thin lines are "
            f"{which}, the bold line "
            "their median, marked with its optimizer's shape; lower and sooner is better, and a line that stops "
            "early belongs to a run that diverged or left the model's domain, or whose loss reached exactly 0, "
            "which a log axis cannot show (each run's status is in the details under the table). A line of more "
            f"than {MAX_POINTS} steps is drawn through the lowest and the highest loss of each of {MAX_POINTS // 2} "
            "stretches of its steps.")


def _loss_figure(summary: Any, curves: Any, chosen: dict[str, list[int]], looks: dict[str, Style]) -> Any:
    """The loss chart: each label's median line in its colour, carrying its marker shape
    :data:`descend.report.colours.MARKS_PER_LINE` times (Plotly's ``maxdisplayed``: evenly, and the lines' marks
    apart), as the still figure does; its runs' lines thin and pale."""
    import plotly.graph_objects as go

    colours = {label: look.colour for label, look in looks.items()}

    loss = curves[(curves["metric"] == "loss") & curves["run"].isin(summary.index)]
    held = _held_out_split(curves)
    styles = [("batch", "solid", "")] + ([(held, "dash", f" ({held})")] if held else [])
    traces, owners = [], []  # owners: the run whose epochs each trace's steps are
    references = []  # each line's first finite value: where a log axis is capped (ticks.capped_top)
    for n, (label, runs) in enumerate(chosen.items()):
        width = max(1.8, 3.6 - 1.8 * n / max(len(chosen) - 1, 1))  # each label's line narrower than the one
        # before: a line drawn over another leaves it showing as an edge
        for split, dash, suffix in styles:
            table = _per_step(loss[(loss["split"] == split) & loss["run"].isin(runs)])
            if table.empty:
                continue
            steps = table.index.to_numpy()
            common = dict(legendgroup=label, mode="lines", hovertemplate="%{meta}<br>step %{x}<br>loss "
                          "%{y:.4g}<extra></extra>")
            if table.shape[1] > 1:
                for run in table.columns:
                    y = table[run].to_numpy(dtype=np.float64)
                    i = _thin(y, _last_finite(y))
                    traces.append(go.Scatter(x=steps[i], y=y[i], name=_esc(label),
                                             meta=_esc(f"{label}{suffix}: {_run_text(summary, run)}"
                                                       f"{_status_text(summary, run)}"),
                                             line=dict(color=colours[label], width=1, dash=dash), opacity=0.35,
                                             showlegend=False, **common))
                    owners.append(run)
                median = table.median(axis=1, skipna=True).to_numpy(dtype=np.float64)
                name = f"{label}{suffix}: median of {table.shape[1]} runs"
            else:
                median = table.iloc[:, 0].to_numpy(dtype=np.float64)
                name = f"{label}{suffix}: {_run_text(summary, table.columns[0])}"
            i = _thin(median, _last_finite(median))
            finite = median[np.isfinite(median)]
            references += [float(finite[0])] if finite.size else []
            first = split == "batch"
            traces.append(go.Scatter(x=steps[i], y=median[i], name=_esc(label), meta=_esc(name),
                                     line=dict(color=colours[label], width=width if first else width - 0.5,
                                               dash=dash),
                                     showlegend=first, **{**common, "mode": "lines+markers"},
                                     marker=dict(symbol=looks[label].symbol, size=9, color=colours[label],
                                                 line=dict(color="white", width=1), maxdisplayed=MARKS_PER_LINE)))
            owners.append(table.columns[0])
    figure = go.Figure(traces)
    log = _log_axis(figure)
    figure.update_layout(xaxis_title="step", yaxis_title="loss" + (" (log scale)" if log else ""),
                         legend_title_text="optimizer", hovermode="closest")
    top = capped_top(references) if log else None
    figure.update_yaxes(type="log" if log else "linear", **(_log_ticks(figure, top=top) if log else {}))
    if top is not None:  # a run that blew up leaves the chart at its top, as in the still figure
        low, high = _positive_range(figure)
        if high > top:
            figure.update_yaxes(range=[math.log10(low) - 0.05 * math.log10(top / low), math.log10(top)])
    _epoch_toggle(figure, loss, owners)
    return figure


def _epoch_toggle(figure: Any, curves: Any, owners: list[int]) -> None:
    """Buttons that show the chart against the step or against the epoch (each trace's steps read as the
    epochs of its run, ``owners[i]`` for the i-th trace), when the curves have epochs that differ from the
    steps."""
    if "epoch" not in curves.columns or not len(figure.data):
        return
    epochs = curves.dropna(subset=["epoch"]).drop_duplicates(["run", "step"]).set_index(["run", "step"])["epoch"]
    if epochs.empty or bool(np.allclose(epochs.to_numpy(dtype=np.float64),
                                        epochs.index.get_level_values("step").to_numpy(dtype=np.float64))):
        return
    known = set(epochs.index.get_level_values("run"))
    steps, against_epoch, by_step, by_epoch = [], [], [], []
    for trace, run in zip(figure.data, owners):
        if run not in known:
            return
        mine = epochs.loc[run].sort_index()
        x = np.asarray(trace.x, dtype=np.float64)
        steps.append(x)
        against_epoch.append(np.interp(x, mine.index.to_numpy(dtype=np.float64), mine.to_numpy(dtype=np.float64)))
        by_step.append(trace.hovertemplate)
        by_epoch.append(trace.hovertemplate.replace("step %{x}", "epoch %{x:.3g}"))
    buttons = [dict(label="against step", method="update",
                    args=[{"x": steps, "hovertemplate": by_step}, {"xaxis.title.text": "step"}]),
               dict(label="against epoch", method="update",
                    args=[{"x": against_epoch, "hovertemplate": by_epoch},
                          {"xaxis.title.text": "epoch (passes over the training set)"}])]
    figure.update_layout(updatemenus=[dict(type="buttons", direction="right", buttons=buttons, x=0, xanchor="left",
                                           y=1.02, yanchor="bottom", showactive=True, pad=dict(t=0, r=4, b=4))])


def _log_axis(figure: Any) -> bool:
    """Whether the figure's y axis is logarithmic: when no finite, non-zero y value is negative (and some is
    positive). On a log axis every y that is not positive (a batch with no valid sample: NaN, or 0 from an
    older engine) becomes NaN, a gap, never a point drawn at the bottom."""
    ys = [np.asarray(t.y, dtype=np.float64) for t in figure.data if t.y is not None]
    finite = [y[np.isfinite(y) & (y != 0)] for y in ys]
    finite = [y for y in finite if y.size]
    log = bool(finite) and all(bool((y > 0).all()) for y in finite)
    if log:
        for trace in figure.data:
            if trace.y is not None:
                y = np.asarray(trace.y, dtype=np.float64)
                with np.errstate(invalid="ignore"):
                    trace.y = np.where(y > 0, y, np.nan)
    return log


def _positive_range(figure: Any, axis: str = "y") -> tuple[float, float]:
    """The smallest and largest finite positive values the figure's traces draw on ``axis`` (NaN, NaN for
    none)."""
    values = [np.asarray(getattr(t, axis), dtype=np.float64) for t in figure.data if getattr(t, axis) is not None]
    values = np.concatenate([v[np.isfinite(v) & (v > 0)] for v in values]) if values else np.array([])
    return (float(values.min()), float(values.max())) if values.size else (math.nan, math.nan)


def _log_ticks(figure: Any, axis: str = "y", top: float | None = None) -> dict[str, Any]:
    """Tick settings of a log axis over the finite positive values its traces draw (up to ``top``, where the
    axis is capped): powers of ten as 10^k when they span two or more, else the round ticks of
    :func:`descend.report.ticks.round_log_ticks` as plain numbers, never Plotly's crowd of minor digit labels."""
    low, high = _positive_range(figure, axis)
    if math.isnan(low):
        return {}
    high = high if top is None else min(high, top)
    ticks = round_log_ticks(low, high)
    if ticks is None:
        decades = math.log10(high / low)
        return dict(dtick=max(1, math.ceil(decades / 8)), exponentformat="power", showexponent="all",
                    minor=dict(ticks="outside", ticklen=3, showgrid=False))
    return dict(tickmode="array", tickvals=ticks, ticktext=[tick_label(t) for t in ticks],
                minor=dict(ticks="outside", ticklen=3, showgrid=False))


def _status_text(summary: Any, run: int) -> str:
    """", left the model's domain" for a run that does not count, "" for one that does."""
    status = str(statuses(summary.loc[[run]]).iloc[0])
    return "" if outcomes.counts(status) else f", {outcomes.STATUSES.get(status, status)}"


def search_runs(trials: Any, objective: str = "final_validation_loss") -> Any:
    """Tuned mode's search trials (:attr:`descend.compare.Search.trials`) as runs of a summary: ``label``,
    ``lr``, ``batch_size``, ``seed``, the trial's value as the column of the search's ``objective``
    (:attr:`descend.compare.Search.objective`) and its ``status``, indexed by ``run`` (0, 1, ...; ``trial`` keeps
    each study's trial number). Trials that did not finish are left out."""
    import pandas as pd

    if trials is None or not len(trials) or "lr" not in trials:
        return None
    done = trials[trials["status"].notna()] if "status" in trials else trials.iloc[:0]
    if not len(done):
        return None
    frame = pd.DataFrame({"label": done["label"].astype(str).to_numpy(), "lr": pd.to_numeric(done["lr"]).to_numpy(),
                          "batch_size": done["batch_size"].map(str).to_numpy(),
                          "seed": done["seed"].to_numpy() if "seed" in done else 0,
                          objective: pd.to_numeric(done["value"], errors="coerce").to_numpy(),
                          "status": done["status"].astype(str).to_numpy(),
                          "trial": done["number"].to_numpy() if "number" in done else range(len(done))})
    frame.index.name = "run"
    return frame


def _lr_figure(summary: Any, order: list[str], looks: dict[str, Style], *, metric: str = "final_train_loss",
               what: str = "run") -> Any:
    """The learning-rate chart: ``metric`` against ``lr``, one marker per ``what`` (a run of the comparison, or
    a trial of tuned mode's search: :func:`search_runs`) in its label's colour and shape."""
    import pandas as pd
    import plotly.graph_objects as go

    colours = {label: look.colour for label, look in looks.items()}

    def called(run: Any) -> str:
        if what == "run":
            return _run_text(summary, run)
        row = summary.loc[run]
        return f"trial {int(row['trial'])}, lr {_cell_text('lr', row['lr'])}, batch {row['batch_size']}"

    lr = pd.to_numeric(summary["lr"], errors="coerce")
    final = pd.to_numeric(summary[metric], errors="coerce")
    status = statuses(summary)
    failed = ~status.map(outcomes.counts).astype(bool)
    at = status_steps(summary)
    batch = (summary["batch_size"].map(str) if "batch_size" in summary
             else pd.Series("", index=summary.index, dtype=object))
    usable = lr.notna() & (lr > 0)
    if not bool(usable.any()):
        return "No run has a single numeric learning rate, so there is no sensitivity chart."
    ok = usable & ~failed & final.notna()
    log_y = bool(ok.any()) and bool((final[ok] > 0).all())
    if bool(ok.any()):
        top, bottom = float(final[ok].max()), float(final[ok].min())
        top = top * 10 ** max(0.3, 0.08 * math.log10(top / bottom)) if log_y else top + 0.1 * (top - bottom or 1.0)
    else:
        top = 1.0
    traces = []
    # each batch size's median lines in a dash of their own, the legend saying which (two dotted lines of one
    # colour, a full batch's and a mini-batch's, could not be told apart)
    sizes = sorted(pd.unique(batch[ok]), key=batch_order)
    dashes = {size: MEDIAN_DASHES[k % len(MEDIAN_DASHES)] for k, size in enumerate(sizes)}
    medians_of = "median over seeds" if what == "run" else "its trials"
    for label in order:
        mine = summary["label"].astype(str) == label
        good = mine & ok
        hover = [_esc(f"{label}: {called(run)}") for run in summary.index[good]]
        # the medians over seeds, one line per batch size (pooled, one median mixed a full batch's runs with
        # mini-batches' and matched neither the table nor the still figure's panels); a run without a result
        # counts as +∞, as in the comparison's choice: an lr where half of the runs or more failed has no median
        for size in (sorted(pd.unique(batch[good]), key=batch_order) if bool(good.any()) else ()):
            rows = mine & usable & (batch == size)
            medians = scores(summary[rows], metric).groupby(lr[rows]).median().sort_index()
            medians = medians[np.isfinite(medians.to_numpy(dtype=np.float64))]
            words = _esc(f"{label}, {_batch_words(size)}: {medians_of}")
            traces.append(go.Scatter(x=medians.index.to_numpy(dtype=np.float64), y=medians.to_numpy(dtype=np.float64),
                                     mode="lines", line=dict(color=colours[label], width=1.5, dash=dashes[size]),
                                     legendgroup=label, showlegend=False, text=[words] * len(medians),
                                     hovertemplate="%{text}<br>" + metric_words(metric) + " %{y:.4g}<extra></extra>"))
        named = bool(good.any())  # Plotly shows no legend entry for an empty trace: a label whose runs all
        # failed is named by its first mark at the top
        traces.append(go.Scatter(x=lr[good].to_numpy(dtype=np.float64), y=final[good].to_numpy(dtype=np.float64),
                                 mode="markers", name=_esc(label), legendgroup=label, text=hover, showlegend=named,
                                 marker=dict(color=colours[label], size=9, symbol=looks[label].symbol),
                                 hovertemplate="%{text}<br>" + metric_words(metric) + " %{y:.4g}<extra></extra>"))
        for kind, symbol in STATUS_SYMBOLS.items():  # the runs without a result, at the top, by status
            bad = mine & usable & (status == kind)
            if not bool(bad.any()):
                continue
            words = outcomes.STATUSES[kind]
            hover = [_esc(f"{label}: {called(run)}: {words}"
                          + (f" at step {_cell_text('step', step)}" if np.isfinite(step) else ""))
                     for run, step in zip(summary.index[bad], at[bad])]
            traces.append(go.Scatter(x=lr[bad].to_numpy(dtype=np.float64), y=np.full(int(bad.sum()), top),
                                     mode="markers", name=_esc(label if not named else f"{label} ({words})"),
                                     legendgroup=label, showlegend=not named, text=hover,
                                     hovertemplate="%{text}<extra></extra>",
                                     marker=dict(color=colours[label], size=12, symbol=symbol)))
            named = True
    for size in sizes:  # the key of the dashes: a legend entry each, of no data
        traces.append(go.Scatter(x=[None], y=[None], mode="lines", name=_esc(f"{medians_of}, {_batch_words(size)}"),
                                 line=dict(color="#666", width=1.5, dash=dashes[size]), hoverinfo="skip",
                                 legendgroup="batch sizes"))
    figure = go.Figure(traces)
    figure.update_xaxes(type="log", title_text="learning rate (log scale)", **_log_ticks(figure, "x"))
    figure.update_yaxes(type="log" if log_y else "linear",
                        title_text=metric_words(metric) + (" (log scale)" if log_y else ""),
                        **(_log_ticks(figure) if log_y else {}))
    present = [kind for kind in STATUS_SYMBOLS if bool((usable & (status == kind)).any())]
    if present:  # a dotted line at the height of the marks (a trace: log-safe)
        span = lr[usable].to_numpy(dtype=np.float64)
        words = " / ".join(outcomes.STATUSES[kind] for kind in present)
        figure.add_trace(go.Scatter(x=[span.min(), span.max()], y=[top, top], mode="lines+text",
                                    text=[words, ""], textposition="top right", showlegend=False,
                                    hoverinfo="skip", line=dict(color="#999", width=1, dash="dot"),
                                    textfont=dict(color="#666")))
    figure.update_layout(legend_title_text="optimizer")
    return figure


#: The dashes of the learning-rate chart's median lines, one per batch size (in
#: :func:`descend.report.colours.batch_order`).
MEDIAN_DASHES = ("dot", "dash", "dashdot", "longdash", "longdashdot", "solid")


def _batch_words(size: str) -> str:
    """A batch size as the learning-rate chart names it: "batch 32", "full batch", a hybrid's text."""
    text = str(size)
    return "full batch" if text == "full" else f"batch {text}" if text.isdigit() else text


def search_objective(searched: Any) -> str:
    """The column of :func:`search_runs`'s frame that holds each trial's objective (the one ``final_`` column)."""
    return next(c for c in searched.columns if str(c).startswith("final_"))


def _objective_words(searched: Any) -> str:
    return metric_words(search_objective(searched)).removeprefix("final ")


def _grad_figure(summary: Any, curves: Any, shown: dict[str, int]) -> Any:
    import pandas as pd
    import plotly.graph_objects as go

    # the metrics' names read once each, not once per row (the same rows, names in the order they first come)
    wanted = [m for m in pd.unique(curves["metric"]) if str(m).startswith("grad_norm:")]
    grads = curves[curves["metric"].isin(wanted) & curves["run"].isin(summary.index)]
    if grads.empty:
        return None
    # in the order and the colours of the still figure's (by depth: colours.depth_colours)
    depth = depth_colours(str(m).split(":", 1)[1] for m in pd.unique(grads["metric"]))
    names = list(depth)
    traces, groups, titles = [], [], []
    recorded = set(grads["run"])
    for label, run in shown.items():
        if run not in recorded:
            continue
        mine = grads[grads["run"] == run]
        start = len(traces)
        for name in names:
            rows = mine[mine["metric"] == f"grad_norm:{name}"].drop_duplicates("step", keep="last").sort_values("step")
            if rows.empty:
                continue
            y = rows["value"].to_numpy(dtype=np.float64)
            i = _thin(y, _last_finite(y))
            traces.append(go.Scatter(x=rows["step"].to_numpy()[i], y=y[i], mode="lines", name=_esc(name),
                                     line=dict(color=depth[name], width=1.5),
                                     visible=not groups, hovertemplate="%{fullData.name}<br>step %{x}<br>norm "
                                     "%{y:.4g}<extra></extra>"))
        groups.append((label, start, len(traces)))
        titles.append(_esc(f"Gradient norms: {label} ({_run_text(summary, run)}{_status_text(summary, run)})"))
    if not traces:
        return None
    figure = go.Figure(traces)
    for trace in figure.data:  # a norm is never negative: always a log axis, a norm of 0 a gap
        y = np.asarray(trace.y, dtype=np.float64)
        with np.errstate(invalid="ignore"):
            trace.y = np.where(y > 0, y, np.nan)
    figure.update_yaxes(type="log", title_text="gradient norm (log scale)", **_log_ticks(figure))
    figure.update_layout(xaxis_title="step", title_text=titles[0], legend_title_text="parameter tensor")
    if len(groups) > 1:
        buttons = []
        for (label, start, stop), text in zip(groups, titles):
            visible = [start <= i < stop for i in range(len(traces))]
            buttons.append(dict(label=_esc(label), method="update",
                                args=[{"visible": visible}, {"title.text": text}]))
        figure.update_layout(updatemenus=[dict(type="dropdown", buttons=buttons, x=1.0, xanchor="right", y=1.18,
                                               yanchor="top", showactive=True)])
    return figure


def _path_width(k: int, n: int) -> float:
    """The k-th of n paths' width: each narrower than the one drawn before it, so that a path drawn over an
    earlier one leaves it showing as an edge."""
    return max(1.5, 4.5 - 3.0 * k / max(n - 1, 1))


def _mark_sizes(count: int, k: int, n: int, size: float) -> list[float]:
    """Marker sizes along a path of ``count`` points: ``size`` at 8 evenly spaced points (starting a little
    later for each next path, so markers of paths on top of each other fall side by side), 1.5 × ``size``
    at the end, 0 elsewhere."""
    sizes = np.zeros(count)
    if count >= 3:
        spacing = (count - 1) / 9
        at = np.arange(1, 9) * spacing + spacing * (k / max(n, 1) - 0.5)
        sizes[np.clip(np.round(at), 1, count - 2).astype(np.int64)] = size
    sizes[-1] = 1.5 * size
    return sizes.tolist()


def _outside(surface: Any, paths: dict[int, np.ndarray], run_labels: dict[int, str]) -> str:
    """The runs whose path ends outside the map's domain (the ellipse's momentum at the mirror answer −A), which
    the map would otherwise show as a stub with no word: "" when none does."""
    domain = getattr(surface, "domain", None)
    if domain is None:
        return ""
    (a0, a1), (b0, b1) = domain
    ends = []
    for run, path in paths.items():
        end = np.asarray(path, dtype=np.float64)[-1]
        if np.all(np.isfinite(end)) and not (a0 <= end[0] <= a1 and b0 <= end[1] <= b1):
            ends.append(f"the path of {run_labels.get(run, run)} ends outside the map, at ({end[0]:.4g}, "
                        f"{end[1]:.4g})")
    return "; ".join(ends)


def _surface_figures(surface: Any, paths: dict[int, np.ndarray], run_labels: dict[int, str], summary: Any,
                     colours: dict[str, str], markers: Mapping[str, str]) -> tuple[Any, Any, str, str]:
    """The contour map and the 3-D surface with every path, the parameters' names, and a note naming the
    paths that coincide ("" when none do)."""
    import plotly.graph_objects as go

    for attribute in ("names", "grid", "points", "log_scale"):
        if not hasattr(surface, attribute):
            raise ValueError(f"surface has no attribute {attribute!r}; give an object with names, domain, "
                             "log_scale, points and grid(n) -> (A, B, J)")
    names = tuple(str(n) for n in surface.names)
    if len(names) != 2:
        raise ValueError(f"surface.names must name two parameters, not {len(names)}")
    grid = surface.grid(SURFACE_GRID)
    if not isinstance(grid, tuple) or len(grid) != 3:
        raise ValueError("surface.grid(n) must return (A, B, J)")
    a_grid, b_grid, cost = (_numpy(g) for g in grid)
    if not (a_grid.ndim == 2 and a_grid.shape == b_grid.shape == cost.shape):
        raise ValueError(f"surface.grid(n) returned shapes {a_grid.shape}, {b_grid.shape}, {cost.shape}; expected "
                         "three [n, n] meshgrids with indexing='xy'")
    a, b = a_grid[0, :], b_grid[:, 0]
    # the charts hold float32 (half the bytes): a height beyond its range (exp(exp(x)) at x = 5) is a gap, as a
    # non-finite one, not an overflow to ∞ with NumPy's warning on the terminal
    with np.errstate(invalid="ignore", over="ignore"):
        cost = np.where(np.abs(cost) <= np.finfo(np.float32).max, cost, np.nan)
    finite = cost[np.isfinite(cost)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    log_scale = bool(surface.log_scale)
    epsilon = max(1e-6 * (high - low), 1e-12)

    def shown(j: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.log10(np.maximum(j - low, 0.0) + epsilon) if log_scale else j

    height = np.where(np.isfinite(cost), cost, np.nan)
    z = shown(height).astype(np.float32)  # the colours (for the eye: float32 halves the bytes)
    colour_name = "J \u2212 min J (log scale)" if log_scale else "J"
    if log_scale and np.isfinite(z).any():  # the colour bar in J − min J, at powers of ten
        first, last = math.ceil(float(np.nanmin(z))), math.floor(float(np.nanmax(z)))
        powers = list(range(first, last + 1))
        if len(powers) > 7:
            powers = powers[:: math.ceil(len(powers) / 7)]
        ticks = dict(tickvals=powers, ticktext=[f"10<sup>{k}</sup>" if k not in (0, 1) else str(10**k) for k in powers])
        value_hover = "J \u2212 min J \u2248 10<sup>%{z:.2f}</sup>"
    else:
        ticks = {}
        value_hover = "J %{z:.4g}"
    point_hover = f"{_esc(names[0])} %{{x:.4g}}<br>{_esc(names[1])} %{{y:.4g}}<br>"
    contour = [go.Contour(x=a, y=b, z=z, **COST_COLORSCALE, ncontours=30, opacity=0.8,
                          contours=dict(coloring="fill", showlines=True), line=dict(width=0.5, color="white"),
                          colorbar=dict(title=dict(text=colour_name, side="right"), **ticks),
                          hovertemplate=point_hover + value_hover + "<extra></extra>", name="cost")]
    solid = [go.Surface(x=a, y=b, z=height.astype(np.float32), surfacecolor=z, **COST_COLORSCALE, opacity=0.9,
                        showscale=False, name="cost",
                        hovertemplate=point_hover + "J %{z:.4g}<extra></extra>")]
    lift = 0.01 * float(np.nanmax(height) - np.nanmin(height)) if np.isfinite(height).any() else 0.0
    shown_labels: set[str] = set()
    starts: list[tuple[float, float]] = []
    span = math.hypot(a[-1] - a[0], b[-1] - b[0])
    drawn = sorted(paths.items())
    named: dict[str, np.ndarray] = {}
    for k, (run, path) in enumerate(drawn):
        label = run_labels.get(run, f"run {run}")
        own = str(summary.at[run, "label"]) if run in summary.index else label  # the colour is the optimizer's
        look = Style(colours[own] if own in colours else palette_of([own])[own], markers.get(own, "o"))
        colour, symbol = look.colour, look.symbol
        points = _thin_path(path, span / 1000)
        if len(points) == 0:
            continue
        named.setdefault(label, path)
        first = label not in shown_labels
        shown_labels.add(label)
        text = label + (_status_text(summary, run).replace(", ", " \u2014 ", 1) if run in summary.index else "")
        name = _esc(f"{text}: run {run}")
        width = _path_width(k, len(drawn))
        contour.append(go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines", line=dict(color="white",
                                  width=width + 3), opacity=0.85, legendgroup=label, showlegend=False,
                                  hoverinfo="skip"))  # a white edge: the path stands out from any contour
        contour.append(go.Scatter(x=points[:, 0], y=points[:, 1], mode="lines+markers", name=_esc(text),
                                  legendgroup=label, showlegend=first, text=[name] * len(points),
                                  line=dict(color=colour, width=width),
                                  marker=dict(symbol=symbol, color=colour,
                                              size=_mark_sizes(len(points), k, len(drawn), 9),
                                              line=dict(color="white", width=1)),
                                  hovertemplate="%{text}<br>(%{x:.4g}, %{y:.4g})<extra></extra>"))
        solid.append(go.Scatter3d(x=points[:, 0], y=points[:, 1], z=_interpolate(a, b, height, points) + lift,
                                  mode="lines", name=_esc(text), legendgroup=label, showlegend=first,
                                  # plotly.js has few 3-D marker shapes: the path's dash goes with its shape
                                  line=dict(color=colour, width=max(3.0, width + 1.5), dash=look.dash),
                                  hovertemplate=name + "<extra></extra>"))
        start = (round(float(points[0, 0]), 9), round(float(points[0, 1]), 9))
        if start not in starts:
            starts.append(start)
    marks: dict[str, list[tuple[float, float]]] = {"start": starts}
    for kind, point in surface.points:
        marks.setdefault(str(kind), []).append(tuple(float(v) for v in point))
    symbols = {"start": ("circle-open", "circle-open", "black", 13), "minimum": ("star", "diamond", "gold", 16),
               "ground truth": ("star", "diamond", "gold", 16),
               "saddle": ("x", "x", "#444", 11), "maximum": ("triangle-up", "square", "#b22", 12)}
    for kind, where in marks.items():
        if not where:
            continue
        symbol, symbol3d, colour, size = symbols.get(kind, ("diamond", "diamond", "#444", 11))
        xy = np.asarray(where, dtype=np.float64).reshape(-1, 2)
        text = [_esc(f"{kind} ({x:.4g}, {y:.4g})") for x, y in xy]
        common = dict(mode="markers", name=_esc(kind), text=text, hovertemplate="%{text}<extra></extra>")
        contour.append(go.Scatter(x=xy[:, 0], y=xy[:, 1], marker=dict(symbol=symbol, size=size, color=colour,
                                                                       line=dict(color="black", width=1.5)),
                                  **common))
        # outlined in black as on the map: gold on the surface's yellow (its lowest cost) was 1.1:1
        solid.append(go.Scatter3d(x=xy[:, 0], y=xy[:, 1], z=_interpolate(a, b, height, xy) + lift,
                                  marker=dict(symbol=symbol3d, size=7, color=colour, line=dict(color="black", width=2)),
                                  **common))
    axis_a, axis_b = _esc(names[0]), _esc(names[1])
    flat = go.Figure(contour)
    flat.update_xaxes(range=[float(a[0]), float(a[-1])], title_text=axis_a)
    flat.update_yaxes(range=[float(b[0]), float(b[-1])], title_text=axis_b)
    flat.update_layout(legend=dict(x=0, y=-0.12, xanchor="left", yanchor="top", orientation="h"))
    steep = go.Figure(solid)
    heights = height[np.isfinite(height)]
    z_range = [float(heights.min()), float(heights.max()) + lift] if heights.size else None
    steep.update_layout(scene=dict(xaxis=dict(title=dict(text=axis_a), range=[float(a[0]), float(a[-1])]),
                                   yaxis=dict(title=dict(text=axis_b), range=[float(b[0]), float(b[-1])]),
                                   zaxis=dict(title=dict(text="J"), range=z_range),
                                   aspectmode="manual", aspectratio=dict(x=1.25, y=1.25, z=0.75),
                                   camera=dict(eye=dict(x=1.1, y=-1.1, z=0.7), center=dict(x=0, y=0, z=-0.12)),
                                   domain=dict(x=[0, 1], y=[0, 1])),
                        legend=dict(x=0.5, y=0, xanchor="center", yanchor="top", orientation="h"),
                        margin=dict(l=0, r=0, t=10, b=40))
    domain = ((float(a[0]), float(a[-1])), (float(b[0]), float(b[-1])))
    return flat, steep, f"{names[0]}, {names[1]}", overlap.note(overlap.coinciding(named, domain))


def _thin_path(path: np.ndarray, distance: float) -> np.ndarray:
    """The finite start of a path, without the points that moved less than ``distance`` from the last one
    kept (so zig-zags survive and a slow crawl is thinned), then at most about MAX_POINTS of them."""
    bad = np.flatnonzero(~np.isfinite(path).all(axis=1))
    path = path[: bad[0]] if len(bad) else path
    if len(path) <= MAX_POINTS:
        return path
    kept, last = [0], path[0]
    for i in range(1, len(path) - 1):
        if math.hypot(path[i, 0] - last[0], path[i, 1] - last[1]) >= distance:
            kept.append(i)
            last = path[i]
    kept.append(len(path) - 1)
    kept = np.asarray(kept)
    if len(kept) > MAX_POINTS:
        kept = kept[np.unique(np.linspace(0, len(kept) - 1, MAX_POINTS).round().astype(np.int64))]
    return path[kept]


def _interpolate(a: np.ndarray, b: np.ndarray, z: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Bilinear interpolation of the grid ``z[b_index, a_index]`` at ``points`` ([m, 2]); NaN outside."""
    pa, pb = points[:, 0], points[:, 1]
    fa = (pa - a[0]) / (a[-1] - a[0]) * (len(a) - 1)
    fb = (pb - b[0]) / (b[-1] - b[0]) * (len(b) - 1)
    inside = (fa >= 0) & (fa <= len(a) - 1) & (fb >= 0) & (fb <= len(b) - 1)
    i = np.clip(np.floor(np.nan_to_num(fa)), 0, len(a) - 2).astype(np.int64)
    j = np.clip(np.floor(np.nan_to_num(fb)), 0, len(b) - 2).astype(np.int64)
    t, u = np.clip(fa - i, 0, 1), np.clip(fb - j, 0, 1)
    value = ((1 - t) * (1 - u) * z[j, i] + t * (1 - u) * z[j, i + 1] + (1 - t) * u * z[j + 1, i]
             + t * u * z[j + 1, i + 1])
    return np.where(inside, value, np.nan)
