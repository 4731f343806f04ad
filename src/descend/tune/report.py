"""The report of a search: one HTML page in the style of ``descend compare``'s, static figures of its main
views, and the trials as CSV.

:func:`write_report` writes into ``OUT``:

- ``report.html``: one self-contained page that works offline (the plotly.js bundle of the Plotly package
  embedded once, nothing fetched), each chart once, interactive, as wide as a 1,280 px window. It reads top
  to bottom: the header (task, objective, budget, trials, notes; an interrupted search says so first), the
  best configuration of each optimizer and its seeded re-runs on test data (mean ± sd over the seeds), the
  study's storage (password masked) and the exact command that resumes it, then the views: best so far
  against the trial number and against wall time (one line per optimizer), learning-rate sensitivity,
  parameter importances, and for each optimizer Optuna's slice plot, the contour of its two most important
  parameters (from its best :data:`CONTOUR_TRIALS` trials where it has more) and parallel coordinates;
- ``figures/best-so-far.png`` (both best-so-far panels), ``figures/lr-sensitivity.png`` and
  ``figures/importances.png`` (matplotlib, each with its SVG, as :func:`descend.report.figures.save` writes
  them);
- ``trials.csv``: every trial, as :func:`descend.tune.result.write` writes it too.

What a trial counts as is decided once, by :func:`trial_kinds`, from what the runner told Optuna (its
state and the run's ``status``, :mod:`descend.outcomes`), never from its value: a trial that counts has a
finite value and enters the best-so-far lines, the sensitivity and the importances; a diverged, pruned or
failed trial is drawn with its status's mark at the top edge of the chart, so that no told ``inf`` ever
sets an axis. An optimizer has the colour :mod:`descend.report.colours` gives it in every report.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import outcomes
from .._files import versions_text
from .._quiet import ignoring
from ..catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE

__all__ = ["FAILED", "best_so_far", "importances", "trial_kinds", "write_report"]

#: The kind of a trial that ended without a result of its own: failed (its run was interrupted and the
#: trial re-queued, it was asked beyond the budget, or it was told no finite value).
FAILED = "failed"
#: The kinds of trials without a result, with the words the report uses for them, in the legends' order.
NO_RESULT = {outcomes.DIVERGED: outcomes.STATUSES[outcomes.DIVERGED],
             outcomes.LEFT_DOMAIN: outcomes.STATUSES[outcomes.LEFT_DOMAIN],
             outcomes.PRUNED: outcomes.STATUSES[outcomes.PRUNED], FAILED: "failed"}
#: Plotly marker symbols of the trials without a result (the comparison's, plus one for a failed trial).
SYMBOLS = {outcomes.DIVERGED: "x", outcomes.LEFT_DOMAIN: "diamond-open", outcomes.PRUNED: "line-ns-open",
           FAILED: "circle-open"}
#: The fewest trials with a result for which parameter importances are estimated.
MIN_IMPORTANCE_TRIALS = 4
#: The most trials a contour is drawn from (the best of them): Optuna's contour is a grid with a cell for each
#: distinct pair of values, so its size grows with the square of the trials (48 MB of a page at 2,000 trials), and
#: so does the time a browser takes to draw it (Chromium: 0.2 s at 64 trials, 2.7 s at 256, 4-6 s at 300, each
#: contour of a page: six optimizers' page of 512 trials each took 28-32 s to appear).
CONTOUR_TRIALS = 100
#: The static figures, by file stem: the caption of their download link.
STILLS = {"best-so-far": "Best so far against trial and wall time", "lr-sensitivity": "Learning-rate sensitivity",
          "importances": "Parameter importances"}

_CSS = """
.banner { background: #fdecea; border-left: 4px solid #d62728; padding: 0.6rem 0.9rem; margin: 0.6rem 0; }
td.config, th.config { text-align: left; white-space: normal; max-width: 26rem; }
.command { white-space: pre-wrap; word-break: break-all; }
"""


# -- what the views read ------------------------------------------------------------------------------------


def _kind(state: str, status: Any, value: Any) -> str | None:
    """What a trial counts as: ``"ok"`` (a result), a status of :data:`descend.outcomes.STATUSES` or
    :data:`FAILED` (no result), None (running or queued). Read from the state Optuna holds and the status the
    runner recorded; a complete trial without a recorded status (a study another program filled) counts when
    its value is finite."""
    if state == "PRUNED":
        return outcomes.PRUNED
    if state != "COMPLETE":
        return FAILED if state == "FAIL" else None
    finite = value is not None and isinstance(value, (int, float)) and math.isfinite(value)
    if not isinstance(status, str):
        return outcomes.OK if finite else FAILED
    if outcomes.counts(status):
        return outcomes.OK if finite else FAILED
    return status if status in NO_RESULT else FAILED


def trial_kinds(result: Any) -> Any:
    """Every trial of the result's studies, one row each, read from the studies as they are now: ``study`` (the
    key of its study in ``result.studies``), ``optimizer`` (the study's, or the one a trial of a study that
    chooses the optimizer chose), ``number``, ``state``, ``value``, ``status`` (what the runner recorded),
    ``kind`` (what the trial counts as, see :func:`_kind`; None for a running or queued trial), ``lr`` (its
    learning rate, ``OPTIMIZER:lr`` in a study that chooses; NaN without one) and ``elapsed`` (seconds from the
    start of its study's first trial to the end of this one; NaN when it has not ended)."""
    import pandas as pd

    from .runner import trial_status
    from .space import OPTIMIZER

    rows = []
    for key, study in result.studies.items():
        trials = study.get_trials(deepcopy=False)
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        first = min(starts) if starts else None
        for t in trials:
            status = trial_status(t)
            optimizer = str(t.params.get(OPTIMIZER, key))
            lr = t.params.get("lr", t.params.get(f"{optimizer}:lr"))
            rows.append({"study": key, "optimizer": optimizer, "number": t.number, "state": t.state.name,
                         "value": t.value, "status": status, "kind": _kind(t.state.name, status, t.value),
                         "lr": float(lr) if isinstance(lr, (int, float)) and not isinstance(lr, bool) else math.nan,
                         "elapsed": (t.datetime_complete - first).total_seconds()
                         if t.datetime_complete is not None and first is not None else math.nan})
    columns = ["study", "optimizer", "number", "state", "value", "status", "kind", "lr", "elapsed"]
    return pd.DataFrame(rows, columns=columns)


def best_so_far(trials: Any, direction: str, *, by: str = "number") -> dict[str, Any]:
    """Optimizer → its trials that count, in the order of ``by`` (``"number"``: the trial number, or
    ``"elapsed"``: when they ended), with the column ``best``: the best value told so far (the running
    minimum, or maximum for a maximized objective)."""
    out = {}
    for optimizer in dict.fromkeys(trials["optimizer"]):
        mine = trials[(trials["optimizer"] == optimizer) & (trials["kind"] == outcomes.OK)]
        mine = mine[np.isfinite(mine[by].to_numpy(dtype=float))].sort_values([by, "number"])
        values = mine["value"].astype(float)
        best = values.cummin() if direction == "minimize" else values.cummax()
        out[optimizer] = mine.assign(best=best.to_numpy())
    return out


def _target(trial: Any) -> float:
    """A trial's value for Optuna's importances and figures: NaN for a trial without a result (:func:`_kind`),
    which they leave out, so that the ``inf`` told for a diverged run sets no axis and no importance."""
    from .runner import trial_status

    return float(trial.value) if _kind(trial.state.name, trial_status(trial), trial.value) == outcomes.OK \
        else math.nan


def _pair(study: Any, ranked: Sequence[str]) -> tuple[str, str] | None:
    """The two parameters of the contour: the first pair in ``ranked`` (by importance) that two trials with a
    result both have, the choice of optimizer left out. In a choice study, ``optimizer × adam:lr`` had ``adam:lr``
    in adam's trials alone, and Optuna's contour filled sgd's row between them with values no trial had."""
    from .space import OPTIMIZER

    trials = [t.params for t in study.get_trials(deepcopy=False) if math.isfinite(_target(t))]
    names = [p for p in ranked if p != OPTIMIZER]
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            if sum(first in params and second in params for params in trials) >= 2:
                return first, second
    return None


def _with_results(study: Any) -> Any:
    """A study in memory holding ``study``'s trials with a result (:func:`_target`), for Optuna's figures drawn
    without a ``target``: they then colour by the study's direction, the best trials darkest."""
    import optuna

    copy = optuna.create_study(direction=study.direction)
    copy.add_trials([t for t in study.get_trials(deepcopy=False) if math.isfinite(_target(t))])
    return copy


def _best_trials(study: Any, params: Sequence[str], most: int) -> tuple[Any, int]:
    """``study``, or a study in memory holding its best ``most`` trials with a result and every one of ``params``
    where it has more (ties by trial number); with the number of those it has."""
    import optuna

    having = [t for t in study.get_trials(deepcopy=False)
              if math.isfinite(_target(t)) and all(p in t.params for p in params)]
    if len(having) <= most:
        return study, len(having)
    sign = -1.0 if study.direction.name == "MAXIMIZE" else 1.0
    best = sorted(having, key=lambda t: (sign * _target(t), t.number))[:most]
    copy = optuna.create_study(direction=study.direction)
    copy.add_trials(sorted(best, key=lambda t: t.number))
    return copy, len(having)


def _counted(study: Any) -> int:
    return sum(1 for t in study.get_trials(deepcopy=False) if math.isfinite(_target(t)))


def importances(result: Any) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Optimizer → parameter → its importance (Optuna's fANOVA, seeded, over the trials that count; they sum
    to 1), and optimizer → why it has none: one parameter searched, fewer than
    :data:`MIN_IMPORTANCE_TRIALS` trials with a result, values that do not vary, or Optuna's own reason. Optuna's
    fANOVA computed over each tree's leaves at once (:mod:`descend.tune.fanova`: the same numbers to round-off)."""
    import optuna

    from . import fanova

    found: dict[str, dict[str, float]] = {}
    why: dict[str, str] = {}
    for optimizer, study in result.studies.items():
        searched = _searched(result, optimizer)
        n = _counted(study)
        if len(searched) < 2:
            why[optimizer] = (f"{optimizer}: one parameter searched ({', '.join(searched) or 'none'}), so there is "
                              "nothing to rank")
            continue
        if n < MIN_IMPORTANCE_TRIALS:
            why[optimizer] = (f"{optimizer}: {n} trial{'s' * (n != 1)} with a result, too few to estimate importances "
                              f"(at least {MIN_IMPORTANCE_TRIALS})")
            continue
        if len({_target(t) for t in study.get_trials(deepcopy=False) if math.isfinite(_target(t))}) < 2:
            why[optimizer] = f"{optimizer}: every trial with a result has the same value: no parameter matters"
            continue
        try:
            with ignoring():
                values = optuna.importance.get_param_importances(study, evaluator=fanova.evaluator(seed=0),
                                                                 target=_target)
        except (ValueError, RuntimeError, ZeroDivisionError) as e:
            why[optimizer] = f"{optimizer}: no importances ({str(e).splitlines()[0] if str(e) else type(e).__name__})"
            continue
        values = {str(k): float(v) for k, v in values.items() if math.isfinite(float(v))}
        if not values:
            why[optimizer] = f"{optimizer}: no importances (the estimate is not finite)"
            continue
        if len(values) == 1:  # a choice: Optuna ranks what every trial has, the optimizer alone (always 1.0)
            only = next(iter(values))
            rest = ", ".join(p for p in searched if p != only)
            why[optimizer] = (f"{optimizer}: only {only} is in every trial ({rest}: searched only in some of its "
                              "trials, when their optimizer was chosen), so there is nothing to rank")
            continue
        found[optimizer] = values
    return found, why


def _searched(result: Any, optimizer: str) -> list[str]:
    """The parameters a study searched: its space's, else those its trials hold."""
    space = result.spaces.get(optimizer)
    if space is not None:
        return [p.name for p in space.searched]
    return sorted({k for t in result.studies[optimizer].get_trials(deepcopy=False) for k in t.params})


def _optimizers(result: Any, trials: Any) -> list[str]:
    """The optimizers a report shows, in the order of the studies (each optimizer a study that chooses chose)."""
    return list(dict.fromkeys([*map(str, trials["optimizer"]), *result.best]))


def _styles(result: Any, trials: Any | None = None) -> dict[str, Any]:
    """Each optimizer's colour and marker shape (:func:`descend.report.colours.styles`: the colour keyed by its
    registry name, the same in every report) and each study's (a study that chooses the optimizer has one of its
    own): the shapes in the order of the optimizers the report shows, then of the studies, in every figure alike
    (``trials``: :func:`trial_kinds` of the result, read here when not given)."""
    from ..report.colours import styles

    trials = trial_kinds(result) if trials is None else trials
    names = [*_optimizers(result, trials), *result.studies]
    return styles({name: name for name in dict.fromkeys(names)})


def _colours(result: Any, trials: Any | None = None) -> dict[str, str]:
    """Each optimizer's colour and each study's (:func:`_styles`)."""
    return {name: look.colour for name, look in _styles(result, trials).items()}


def _top(values: np.ndarray, log: bool) -> float:
    """The height at which trials without a result are marked: above every value drawn (as compare's charts)."""
    values = values[np.isfinite(values)]
    if log:
        values = values[values > 0]
    if not values.size:
        return 1.0
    top, bottom = float(values.max()), float(values.min())
    if log:
        return top * 10 ** max(0.3, 0.08 * math.log10(top / bottom))
    return top + 0.1 * ((top - bottom) or abs(top) or 1.0)


def _log_values(trials: Any, direction: str) -> bool:
    """Whether an axis of the trials' values is logarithmic: a minimized objective whose values that count are
    all positive (a loss), never an accuracy."""
    ok = trials[trials["kind"] == outcomes.OK]["value"].to_numpy(dtype=float)
    ok = ok[np.isfinite(ok)]
    return direction == "minimize" and bool(ok.size) and bool((ok > 0).all())


def _objective(result: Any) -> str:
    return f"{result.target.split} {result.target.metric}"


# -- static figures (matplotlib) --------------------------------------------------------------------------


def _beside(x: str, i: int, n: int) -> float:
    """The shift of the ``i``-th of ``n`` optimizers' marks along a trial-number axis, so that trial 6 of adam and
    trial 6 of sgd, both diverged, are two marks side by side, not one over the other (within ±0.3 of the trial)."""
    return (i - (n - 1) / 2) * min(0.2, 0.6 / n) if x == "number" and n > 1 else 0.0


def _no_result_marks(ax: Any, trials: Any, x: str, colours: Mapping[str, str], marked: set[str]) -> None:
    """The trials without a result in a band just above the top edge of ``ax``, a row per kind (axes coordinates:
    they set no limit and sit among no value)."""
    from ..report.figures.style import STATUS_MARKS

    marks = {**STATUS_MARKS, FAILED: {"marker": "o", "markersize": 6, "markeredgewidth": 1.5,
                                      "markerfacecolor": "none", "linestyle": "none"}}
    optimizers = list(dict.fromkeys(trials["optimizer"]))
    for i, optimizer in enumerate(optimizers):
        mine = trials[trials["optimizer"] == optimizer]
        for k, kind in enumerate(NO_RESULT):
            rows = mine[(mine["kind"] == kind) & np.isfinite(mine[x].to_numpy(dtype=float))]
            if not len(rows):
                continue
            marked.add(kind)
            ax.plot(rows[x].to_numpy(dtype=float) + _beside(x, i, len(optimizers)), np.full(len(rows), 1.0 + 0.035 * k),
                    color=colours[optimizer], clip_on=False, transform=ax.get_xaxis_transform(), zorder=5,
                    gid=f"{kind}:{optimizer}", **marks[kind])


def _handles(marked: set[str]) -> list[Any]:
    from matplotlib.lines import Line2D

    from ..report.figures.style import STATUS_MARKS

    marks = {**STATUS_MARKS, FAILED: {"marker": "o", "markersize": 6, "markerfacecolor": "none", "linestyle": "none"}}
    return [Line2D([], [], color="0.3", label=NO_RESULT[kind], **marks[kind]) for kind in NO_RESULT if kind in marked]


def best_so_far_figure(result: Any, trials: Any | None = None, *, title: str = "") -> Any:
    """Two panels: the best value so far against the trial number and against wall time, one line per optimizer
    (a step at each improvement) over its trials' values (dots); trials without a result marked at the top."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    from ..report.colours import marks_at
    from ..report.figures.style import _legend_right, _log_ticks, _suptitle, styled

    trials = trial_kinds(result) if trials is None else trials
    looks = _styles(result, trials)
    colours = {name: look.colour for name, look in looks.items()}
    direction = result.target.direction
    log = _log_values(trials, direction)
    with styled():
        fig = Figure(figsize=(10.5, 4.2), layout="constrained")
        axes = fig.subplots(1, 2, sharey=True)
        marked: set[str] = set()
        for ax, x, label in zip(axes, ("number", "elapsed"), ("trial", "wall time (s since the study started)")):
            lines = best_so_far(trials, direction, by=x)
            for k, (optimizer, rows) in enumerate(lines.items()):
                xs = rows[x].to_numpy(dtype=float)
                shape = looks[optimizer].marker  # each optimizer's shape, as its colour: the trials and its line
                ax.plot(xs, rows["value"].to_numpy(dtype=float), linestyle="none", marker=shape,
                        color=colours[optimizer], markersize=4, alpha=0.35, gid=f"trials:{optimizer}")
                ax.step(xs, rows["best"].to_numpy(dtype=float), where="post", color=colours[optimizer],
                        linewidth=2, label=optimizer, gid=f"best:{optimizer}", marker=shape, markersize=6,
                        markeredgecolor="white", markeredgewidth=0.6, markevery=marks_at(len(xs), k, len(lines)))
            _no_result_marks(ax, trials, x, colours, marked)
            ax.set_xlabel(label)
        # a search of a few seconds or less: ten ticks of 5 digits each ran into each other ("0.016250.0165")
        axes[1].xaxis.set_major_locator(MaxNLocator(nbins=5))
        if log:
            axes[0].set_yscale("log", nonpositive="mask")
            axes[0].autoscale_view()
            _log_ticks(axes[0])
        axes[0].set_ylabel(f"best {_objective(result)} so far" + (" (log scale)" if log else ""))
        handles = [Line2D([], [], color=colours[o], linewidth=2, marker=looks[o].marker, markersize=6,
                          markeredgecolor="white", markeredgewidth=0.6, label=o) for o in _optimizers(result, trials)]
        _legend_right(axes[1], handles + _handles(marked))
        _suptitle(fig, title, f"best {_objective(result)} so far ({'lower' if direction == 'minimize' else 'higher'}"
                  " is better)")
    return fig


def _positive_rates(trials: Any) -> bool:
    """Whether every trial's learning rate is above 0, so that the axis can be logarithmic (a searched ``lr=0|0.01``
    drew its trials at 0 nowhere on a log axis)."""
    rates = trials["lr"].to_numpy(dtype=float)
    return bool((rates[np.isfinite(rates)] > 0).all())


def lr_figure(result: Any, trials: Any | None = None, *, title: str = "") -> Any | None:
    """Every trial's value against its learning rate (log scale), one colour per optimizer; trials without a
    result marked at the top by their status. None when no study searched ``lr``."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from ..report.figures.style import _legend_right, _log_ticks, _suptitle, styled

    trials = trial_kinds(result) if trials is None else trials
    if "lr" not in trials or not np.isfinite(trials["lr"].to_numpy(dtype=float)).any():
        return None
    looks = _styles(result, trials)
    colours = {name: look.colour for name, look in looks.items()}
    log = _log_values(trials, result.target.direction)
    with styled():
        fig = Figure(figsize=(7.5, 4.2), layout="constrained")
        ax = fig.subplots()
        marked: set[str] = set()
        for optimizer in _optimizers(result, trials):
            rows = trials[(trials["optimizer"] == optimizer) & (trials["kind"] == outcomes.OK)]
            rows = rows[np.isfinite(rows["lr"].to_numpy(dtype=float))].sort_values("lr")
            ax.plot(rows["lr"].to_numpy(dtype=float), rows["value"].to_numpy(dtype=float), linestyle="none",
                    marker=looks[optimizer].marker, color=colours[optimizer], markersize=5, label=optimizer,
                    gid=f"trials:{optimizer}")
        _no_result_marks(ax, trials[np.isfinite(trials["lr"].to_numpy(dtype=float))], "lr", colours, marked)
        log_lr = _positive_rates(trials)
        if log_lr:
            ax.set_xscale("log")
        if log:
            ax.set_yscale("log", nonpositive="mask")
        ax.autoscale_view()
        if log_lr:
            _log_ticks(ax, "x")
        _log_ticks(ax)
        ax.set_xlabel("learning rate (log scale)" if log_lr else "learning rate")
        ax.set_ylabel(_objective(result) + (" (log scale)" if log else ""))
        handles = [Line2D([], [], color=colours[o], marker=looks[o].marker, linestyle="none", label=o)
                   for o in _optimizers(result, trials)]
        _legend_right(ax, handles + _handles(marked))
        _suptitle(fig, title, f"learning-rate sensitivity: each trial's {_objective(result)}")
    return fig


def importance_figure(result: Any, found: Mapping[str, Mapping[str, float]], *, title: str = "") -> Any | None:
    """Horizontal bars: each parameter's importance, one bar per optimizer that searched it (its colour, ending on
    its marker shape). None without importances."""
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from ..report.figures.style import _legend_right, _suptitle, styled

    if not found:
        return None
    looks = _styles(result)
    params = list(dict.fromkeys(p for values in found.values() for p in values))
    with styled():
        fig = Figure(figsize=(7.5, 1.2 + 0.45 * len(params) * max(1, len(found)) ** 0.5), layout="constrained")
        ax = fig.subplots()
        width = 0.8 / len(found)
        handles = []
        for k, (optimizer, values) in enumerate(found.items()):
            at = [i for i, p in enumerate(params) if p in values]
            where, sizes = np.array(at) - 0.4 + width * (k + 0.5), [values[params[i]] for i in at]
            look = looks[optimizer]
            bars = ax.barh(where, sizes, height=width, color=look.colour, label=optimizer,
                           gid=f"importance:{optimizer}")
            # each bar ends on its optimizer's shape, as the optimizer is marked in every figure
            shape = dict(marker=look.marker, markersize=7, color=look.colour, markeredgecolor="white",
                         markeredgewidth=0.8)
            ax.plot(sizes, where, linestyle="none", clip_on=False, zorder=3, gid=f"shape:{optimizer}", **shape)
            handles.append((bars.patches[0] if bars.patches else Line2D([], [], color=look.colour),
                            Line2D([], [], linestyle="none", **shape)))
        ax.set_yticks(range(len(params)), params)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("importance (fANOVA over the trials with a result; each optimizer's sum to 1)")
        _legend_right(ax, handles, labels=list(found))
        _suptitle(fig, title, "parameter importances")
    return fig


# -- interactive charts (Plotly) ----------------------------------------------------------------------------


def _plotly_marks(trials: Any, x: str, top: float, colours: Mapping[str, str]) -> list[Any]:
    import plotly.graph_objects as go

    from ..report.html import _esc

    traces = []
    optimizers = list(dict.fromkeys(trials["optimizer"]))
    for i, optimizer in enumerate(optimizers):
        mine = trials[trials["optimizer"] == optimizer]
        for kind, words in NO_RESULT.items():
            rows = mine[(mine["kind"] == kind) & np.isfinite(mine[x].to_numpy(dtype=float))]
            if not len(rows):
                continue
            text = [_esc(f"{optimizer} trial {n}: {words}") for n in rows["number"]]
            traces.append(go.Scatter(x=rows[x].to_numpy(dtype=float) + _beside(x, i, len(optimizers)),
                                     y=np.full(len(rows), top), mode="markers",
                                     name=_esc(f"{optimizer} ({words})"), legendgroup=optimizer, showlegend=False,
                                     text=text, hovertemplate="%{text}<extra></extra>",
                                     marker=dict(color=colours[optimizer], size=11, symbol=SYMBOLS[kind])))
    return traces


def _marks_line(figure: Any, trials: Any, x: str, top: float) -> None:
    """A dotted line at the height of the marks, naming what they are (a trace: safe on a log axis)."""
    import plotly.graph_objects as go

    present = [kind for kind in NO_RESULT if (trials["kind"] == kind).any()]
    span = trials[x].to_numpy(dtype=float)
    span = span[np.isfinite(span)]
    if not present or not span.size:
        return
    figure.add_trace(go.Scatter(x=[span.min(), span.max()], y=[top, top], mode="lines+text",
                                text=[" / ".join(NO_RESULT[k] for k in present), ""], textposition="top right",
                                showlegend=False, hoverinfo="skip", line=dict(color="#999", width=1, dash="dot"),
                                textfont=dict(color="#666")))


def best_so_far_chart(result: Any, trials: Any, by: str) -> Any:
    """The interactive best-so-far chart against ``by`` (``"number"`` or ``"elapsed"``)."""
    import plotly.graph_objects as go

    from ..report.colours import MARKS_PER_LINE
    from ..report.html import _esc, _log_ticks

    looks = _styles(result, trials)
    colours = {name: look.colour for name, look in looks.items()}
    direction = result.target.direction
    log = _log_values(trials, direction)
    lines = best_so_far(trials, direction, by=by)
    what = "trial" if by == "number" else "s"
    traces = []
    for optimizer, rows in lines.items():
        xs = rows[by].to_numpy(dtype=float)
        text = [_esc(f"{optimizer} trial {n}") for n in rows["number"]]
        symbol = looks[optimizer].symbol  # each optimizer's shape, as its colour: its trials and its line
        traces.append(go.Scatter(x=xs, y=rows["value"].to_numpy(dtype=float), mode="markers", name=_esc(optimizer),
                                 legendgroup=optimizer, showlegend=False, text=text, opacity=0.45,
                                 marker=dict(color=colours[optimizer], size=7, symbol=symbol),
                                 hovertemplate=f"%{{text}}<br>{what} %{{x:.4g}}<br>value %{{y:.4g}}<extra></extra>"))
        traces.append(go.Scatter(x=xs, y=rows["best"].to_numpy(dtype=float), mode="lines+markers", name=_esc(optimizer),
                                 marker=dict(color=colours[optimizer], size=9, symbol=symbol,
                                             line=dict(color="white", width=1), maxdisplayed=MARKS_PER_LINE),
                                 legendgroup=optimizer, line=dict(color=colours[optimizer], width=2.5, shape="hv"),
                                 hovertemplate=f"{_esc(optimizer)}<br>{what} %{{x:.4g}}<br>best so far %{{y:.4g}}"
                                               "<extra></extra>"))
    ok = trials[trials["kind"] == outcomes.OK]["value"].to_numpy(dtype=float)
    top = _top(ok, log)
    traces += _plotly_marks(trials, by, top, colours)
    figure = go.Figure(traces)
    _marks_line(figure, trials, by, top)
    figure.update_xaxes(title_text="trial" if by == "number" else "wall time (s since the study started)")
    figure.update_yaxes(type="log" if log else "linear", title_text=f"best {_objective(result)} so far"
                        + (" (log scale)" if log else ""), **(_log_ticks(figure) if log else {}))
    figure.update_layout(legend_title_text="optimizer", hovermode="closest")
    return figure


def lr_chart(result: Any, trials: Any) -> Any | None:
    """The interactive learning-rate sensitivity: each trial's value against its lr; None without an lr."""
    import plotly.graph_objects as go

    from ..report.html import _esc, _log_ticks

    if "lr" not in trials or not np.isfinite(trials["lr"].to_numpy(dtype=float)).any():
        return None
    looks = _styles(result, trials)
    colours = {name: look.colour for name, look in looks.items()}
    log = _log_values(trials, result.target.direction)
    with_lr = trials[np.isfinite(trials["lr"].to_numpy(dtype=float))]
    traces = []
    for optimizer in _optimizers(result, trials):
        rows = with_lr[(with_lr["optimizer"] == optimizer) & (with_lr["kind"] == outcomes.OK)]
        text = [_esc(f"{optimizer} trial {n}") for n in rows["number"]]
        traces.append(go.Scatter(x=rows["lr"].to_numpy(dtype=float), y=rows["value"].to_numpy(dtype=float),
                                 mode="markers", name=_esc(optimizer), legendgroup=optimizer, text=text,
                                 marker=dict(color=colours[optimizer], size=9, symbol=looks[optimizer].symbol),
                                 hovertemplate="%{text}<br>lr %{x:.4g}<br>value %{y:.4g}<extra></extra>"))
    top = _top(with_lr[with_lr["kind"] == outcomes.OK]["value"].to_numpy(dtype=float), log)
    traces += _plotly_marks(with_lr, "lr", top, colours)
    figure = go.Figure(traces)
    _marks_line(figure, with_lr, "lr", top)
    if _positive_rates(trials):
        figure.update_xaxes(type="log", title_text="learning rate (log scale)", **_log_ticks(figure, "x"))
    else:
        figure.update_xaxes(type="linear", title_text="learning rate")
    figure.update_yaxes(type="log" if log else "linear", title_text=_objective(result) + (" (log scale)" if log else ""),
                        **(_log_ticks(figure) if log else {}))
    figure.update_layout(legend_title_text="optimizer", hovermode="closest")
    return figure


def importance_chart(result: Any, found: Mapping[str, Mapping[str, float]]) -> Any | None:
    import plotly.graph_objects as go

    from ..report.html import _esc

    if not found:
        return None
    looks = _styles(result)
    params = list(dict.fromkeys(p for values in found.values() for p in values))
    traces = []
    for optimizer, values in found.items():  # each optimizer's bars end on its shape, which names it in the legend
        ys, xs = [p for p in params if p in values], [values[p] for p in params if p in values]
        look, hover = looks[optimizer], "%{y}: %{x:.3f}<extra>" + _esc(optimizer) + "</extra>"
        traces.append(go.Bar(y=ys, x=xs, orientation="h", name=_esc(optimizer), marker=dict(color=look.colour),
                             legendgroup=optimizer, offsetgroup=optimizer, showlegend=False, hovertemplate=hover))
        traces.append(go.Scatter(y=ys, x=xs, orientation="h", mode="markers", name=_esc(optimizer),
                                 legendgroup=optimizer, offsetgroup=optimizer, cliponaxis=False, hovertemplate=hover,
                                 marker=dict(color=look.colour, symbol=look.symbol, size=11,
                                             line=dict(color="white", width=1))))
    figure = go.Figure(traces)
    figure.update_layout(barmode="group", scattermode="group", legend_title_text="optimizer")
    figure.update_xaxes(range=[0, 1], title_text="importance (fANOVA; each optimizer's sum to 1)")
    figure.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=params)
    return figure


def _optuna_charts(optimizer: str, study: Any, searched: list[str], found: Mapping[str, float] | None,
                   objective: str, log: bool) -> list[tuple[str, str, str, Any]]:
    """Optuna's slice, contour (the two most important parameters) and parallel-coordinates figures of one
    optimizer's trials with a result: (heading, caption, div id, figure or the reason there is none)."""
    import optuna.visualization as vis

    slug = "".join(c if c.isalnum() else "-" for c in optimizer)
    out: list[tuple[str, str, str, Any]] = []
    n = _counted(study)
    none = f"No trial of {optimizer} has a result, so there is nothing to draw."
    with ignoring():

        def draw(function: Any, *args: Any, source: Any = study, **kwargs: Any) -> Any:
            if not n:
                return none
            try:
                if function is vis.plot_slice or source.direction.name != "MAXIMIZE":
                    figure = function(source, *args, target=_target, target_name=objective, **kwargs)
                else:  # Optuna reverses the colours whenever a target is given: the best accuracy was the palest
                    figure = function(_with_results(source), *args, target_name=objective, **kwargs)
            except (ValueError, RuntimeError, KeyError, IndexError) as e:
                return f"Optuna could not draw it: {str(e).splitlines()[0] if str(e) else type(e).__name__}."
            figure.update_layout(width=None, title=None)
            return figure

        out.append((f"{optimizer}: slice plot", f"Each trial of {optimizer} with a result: its {objective} against "
                    "each searched parameter (colour: the trial number, later trials darker). A parameter whose "
                    "best values gather in one place matters; one whose dots spread evenly does not.",
                    f"fig-slice-{slug}", draw(vis.plot_slice)))
        if log and not isinstance(out[-1][3], str):  # a loss over decades, as every chart of the page
            out[-1][3].update_yaxes(type="log")
        ranked = sorted(found, key=lambda p: -found[p]) if found else []
        pair = _pair(study, ranked + [p for p in searched if p not in ranked]) if n >= 2 else None
        if pair is not None:
            important = found and all(p in ranked[:2] for p in pair)
            how = ("its two most important parameters" if important else "the most important two it searched "
                   "together" if found else "its first two parameters (no importances)")
            source, drawn = _best_trials(study, pair, CONTOUR_TRIALS)
            which = (f"the best {CONTOUR_TRIALS} of {optimizer}'s {drawn} trials with both (a contour of every "
                     "trial grows with the square of their number)" if source is not study else f"{optimizer}'s trials")
            out.append((f"{optimizer}: {pair[0]} \u00d7 {pair[1]}", f"The {objective} of {which} over {how}, "
                        "interpolated between the trials (dots): where the best region lies and how the two interact.",
                        f"fig-contour-{slug}", draw(vis.plot_contour, params=pair, source=source)))
        else:
            why = (f"{optimizer} searched one parameter ({', '.join(searched)}): no pair to draw." if len(searched) < 2
                   else "Fewer than two trials with a result: no contour." if n < 2 else
                   f"No two parameters of {optimizer} were searched together in two trials with a result (each "
                   "optimizer's own are searched when it is chosen): no pair to draw.")
            out.append((f"{optimizer}: contour of the top pair", "", f"fig-contour-{slug}", why))
        out.append((f"{optimizer}: parallel coordinates", f"One line per trial of {optimizer} with a result, through "
                    f"its value of each parameter to its {objective} (colour): follow the best lines back to the "
                    "values they share.", f"fig-parallel-{slug}", _visible(draw(vis.plot_parallel_coordinate))))
    return out


#: Where the colours of the parallel-coordinates lines start on Optuna's scale (Blues): its palest end, the
#: worst trials, is white at half opacity on a white page.
PALEST = 0.35


def _visible(figure: Any) -> Any:
    """Optuna's parallel-coordinates figure with its lines' colours taken from the darker part of their scale
    (from :data:`PALEST` on), the colour bar with them: every trial's line can be seen, the best still darkest."""
    if isinstance(figure, str):
        return figure
    from plotly.colors import sample_colorscale, unlabel_rgb

    bars = [t for t in figure.data if getattr(t, "marker", None) is not None and t.marker.colorscale]
    if not bars:
        return figure
    scale = [list(stop) for stop in bars[0].marker.colorscale]
    positions = [i / 255 for i in range(256)]
    samples = [unlabel_rgb(c) for c in sample_colorscale(scale, positions)]
    for trace in figure.data:
        colour = getattr(getattr(trace, "line", None), "color", None)
        if trace.mode != "lines" or not isinstance(colour, str) or not colour.startswith("rgb"):
            continue
        rgb = unlabel_rgb(colour)
        at = min(range(256), key=lambda i: sum((a - b) ** 2 for a, b in zip(samples[i], rgb)))
        trace.line.color = sample_colorscale(scale, PALEST + (1 - PALEST) * positions[at])[0]
    darker = sample_colorscale(scale, [PALEST + (1 - PALEST) * k / 8 for k in range(9)])
    bars[0].marker.colorscale = [[k / 8, c] for k, c in enumerate(darker)]
    return figure


# -- the page -----------------------------------------------------------------------------------------------


def _cell(column: str, value: Any) -> str:
    from ..report.html import _cell_text

    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        return f"{value:.4g}"
    if value is None:
        return "full" if column == "batch_size" else "\u2014"
    return _cell_text(column, value)


def _mean_sd(row: Mapping[str, Any], name: str) -> str:
    from ..report.html import _cell_text

    mean, sd = row.get(name, math.nan), row.get(f"{name} sd", math.nan)
    if not isinstance(mean, float) or not math.isfinite(mean):
        return "\u2014"
    if not math.isfinite(sd):
        return _cell_text(name, mean)
    return f"{_cell_text(name, mean)} \u00b1 {_cell_text(name, sd)}"


def _best_section(result: Any, stats: Any, colours: Mapping[str, str], optimizers: list[str]) -> str:
    from ..report.html import _cell_text, _esc

    # the re-runs' own value of the search's objective beside the chosen trial's (a trial chosen as the best of
    # many is luckier than its re-runs: 0.00087 for the trial, 0.06 ± 0.09 for its seeds, on iris)
    metrics = [m for m in ("train loss", _objective(result), "test loss", TEST_LOSS_UNSTANDARDISED, TEST_RMSE,
                           "train accuracy", "test accuracy") if m in stats.columns]
    metrics = list(dict.fromkeys(metrics))
    head = ["optimizer", "trial", f"best {_objective(result)}", "configuration"]
    if "seeds" in stats.columns:
        head += ["seeds"] + [f"{m} (mean \u00b1 sd)" for m in metrics] + ["no result"]
    rows = []
    for optimizer in optimizers:
        best = result.best.get(optimizer)
        cells = [f"<th scope=\"row\"><span class=\"swatch\" style=\"background:{colours[optimizer]}\"></span>"
                 f"{_esc(optimizer)}</th>"]
        if best is None:
            cells.append(f"<td colspan=\"{len(head) - 1}\" class=\"config\">no trial with a result</td>")
        else:
            config = ", ".join(f"{k}={_cell(k, v)}" for k, v in best["config"].items())
            cells += [f"<td>{best['trial']}</td>", f"<td>{_esc(_cell_text(_objective(result), best['value']))}</td>",
                      f"<td class=\"config\">{_esc(config)}</td>"]
            if "seeds" in stats.columns:
                row = stats.loc[optimizer].to_dict() if optimizer in stats.index else {}
                cells.append(f"<td>{int(row.get('seeds', 0))}</td>")
                cells += [f"<td>{_esc(_mean_sd(row, m))}</td>" for m in metrics]
                cells.append(f"<td>{int(row.get('no result', 0))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    wide = " class=\"config\""
    header = "".join(f"<th scope=\"col\"{wide if h == 'configuration' else ''}>{_esc(h)}</th>" for h in head)
    if result.final_summary is not None:
        seeds = int(stats["seeds"].max()) if len(stats) else 0
        measured = ("measured on test data" if "test loss" in stats.columns
                    else "measured on the training cost (the task has no test data)")
        caption = (f"Each optimizer's best trial on {_objective(result)} and its configuration, re-run over the "
                   f"whole budget with {seeds} seed{'s' * (seeds != 1)} (0..{seeds - 1}) and {measured}: the mean "
                   "\u00b1 the standard deviation over the seeds whose run has a result; "
                   "\u201cno result\u201d counts the others (they diverged or left the model's domain).")
    else:
        caption = (f"Each optimizer's best trial on {_objective(result)} and its configuration. No final re-runs: "
                   + ("the search was interrupted." if result.interrupted else "seeds=0, or no trial has a result."))
    # a best trial its re-runs do not bear out, said under the numbers it is read beside (decided in the result)
    lucky = [text for optimizer in optimizers if (text := getattr(result, "lucky", {}).get(optimizer))]
    said = ("<ul class=\"notes\">" + "".join(f"<li>{_esc(text)}</li>" for text in lucky) + "</ul>\n") if lucky else ""
    return (f"<section id=\"best\">\n<h2>Best configurations</h2>\n<p class=\"caption\">{_esc(caption)}</p>\n"
            f"<div class=\"scroll\"><table>\n<thead><tr>{header}</tr></thead>\n<tbody>\n" + "\n".join(rows)
            + f"\n</tbody>\n</table></div>\n{said}</section>")


def _study_section(result: Any, command: str | None) -> str:
    from ..report.html import _esc
    from .storage import mask

    storage = mask(result.storage)
    studies = ", ".join(f"{name!r} ({optimizer})" for optimizer, name in result.names.items())
    if storage == ":memory:":
        how = ("The study lived in memory and is gone: give a storage (or an output directory) to keep a study "
               "and resume it.")
        text = ""
    elif command:
        how = ("Run this command again to resume the search (its budget counts the trials already done), or on "
               "other machines at the same time to add workers (with a PostgreSQL storage):")
        if mask(command) != command:
            how = how[:-1] + ", with the database's password in place of ***:"
        text = f"<pre class=\"command\">{_esc(mask(command))}</pre>\n"
        if "--out" in command:  # the paths are where the folder was written: a moved folder has its journal with it
            text += ("<p class=\"caption\">Its paths are where this folder was written; if the folder has moved, "
                     "<code>descend show FOLDER</code> prints the command with the folder's new paths (run as written, "
                     "it would start a new study at the old place).</p>\n")
    else:
        how = ("Call descend.tune again with the same task, optimizers, space, budget, storage and study to resume "
               "the search.")
        text = ""
    return (f"<section id=\"study\">\n<h2>Study and how to resume</h2>\n<p class=\"meta\"><b>Storage:</b> "
            f"<code>{_esc(storage)}</code> &nbsp; <b>Studies:</b> {_esc(studies)}</p>\n<p class=\"caption\">"
            f"{_esc(how)}</p>\n{text}</section>")


def _files_section(result: Any, out: Path, stills: Mapping[str, str], *, record: bool) -> str:
    """What the search wrote beside the page, each file with what it holds: the tables the result has, the
    figures drawn, the record ``best.json`` where the caller writes it (``record``), and the study's own file
    where it lives in ``out``."""
    from ..report.html import _esc
    from .result import MODEL, RECORD
    from .storage import is_journal

    files = [("trials.csv", "every trial, one row each: its optimizer, number, state, value, parameters, seed and "
                            "status" + (" (and the loss that breaks ties between equal accuracies)"
                                        if "loss" in result.trials else ""))]
    if result.table is not None and len(result.table):
        files.append(("table.csv", "the best configuration of each optimizer, with its re-runs' means and spreads "
                                   "on every split"))
    if result.final_summary is not None:
        files.append(("final_summary.csv", "each re-run of the best configurations alone, one row per seed"))
    for model in sorted(out.glob(MODEL.format("*"))):
        files.append((model.name, "a trained model, the best configuration's re-run with the first seed, with what "
                                  "turns new rows into its predictions: descend predict "
                                  f"{shlex.quote(str(out / model.name))} NEW_ROWS.csv"))
    if stills:
        files.append(("figures/", "the static figures of this page (PNG and SVG)"))
    if record:
        files.append((RECORD, "the storage, the studies, the best configurations and the command that resumes "
                              "the search; written last, so that the files beside it are whole"))
    storage = Path(str(result.storage))
    if is_journal(str(result.storage)) and storage.resolve().parent == out.resolve():
        files.append((storage.name, "the study itself (Optuna's journal file): every trial, to resume the search "
                                    "or open it with descend dashboard"))
    items = "".join(f"<li><code>{_esc(name)}</code>: {_esc(what)}</li>" for name, what in files)
    return f"<section id=\"files\">\n<h2>Files</h2>\n<ul class=\"caption\">{items}</ul>\n</section>"


def _counts_text(trials: Any) -> str:
    from .runner import OVER_BUDGET
    from .storage import STALE

    # failed trials that are no failure of a run: asked beyond the budget by a worker that found it spent (never
    # trained), cut short by a stop, and left by a worker that stopped (the last two trained again as their retry)
    said = {OVER_BUDGET: "asked once the budget was spent, never trained",
            outcomes.INTERRUPTED: "cut short by a stop (each queued again)",
            STALE: "left running by a worker that stopped (each queued again)"}
    parts = []
    for optimizer in dict.fromkeys(trials["optimizer"]):
        mine = trials[trials["optimizer"] == optimizer]
        kinds = mine["kind"].value_counts()
        aside = {status: int(((mine["kind"] == FAILED) & (mine["status"] == status)).sum()) for status in said}
        counts = {k: int(kinds.get(k, 0)) for k in NO_RESULT}
        counts[FAILED] -= sum(aside.values())
        words = [f"{int(kinds.get(outcomes.OK, 0))} with a result"]
        words += [f"{counts[k]} {w}" for k, w in NO_RESULT.items() if counts[k]]
        words += [f"{n} {w}" for status, w in said.items() if (n := aside[status])]
        unfinished = int(mine["kind"].isna().sum())
        if unfinished:
            words.append(f"{unfinished} running or queued")
        parts.append(f"{optimizer}: {len(mine)} trial{'s' * (len(mine) != 1)} ({', '.join(words)})")
    return "; ".join(parts) or "no trials"


def _page(title: str, body: str, version: str) -> str:
    import plotly.offline

    from ..report.html import _CSS as CSS
    from ..report.html import PAGE_JS, _esc

    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<meta name=\"generator\" content=\"descend {_esc(version)}\">\n"
        f"<title>{_esc(title)} \u2014 descend search</title>\n<style>{CSS}{_CSS}</style>\n"
        "<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
        f"<script>{plotly.offline.get_plotlyjs()}</script>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>Made with descend {_esc(version)}; charts by plotly.js "
        f"{_esc(plotly.offline.get_plotlyjs_version())}, embedded in this file (it works offline).</footer>\n"
        f"</main>\n<script>{PAGE_JS}</script>\n</body>\n</html>\n")


def write_report(result: Any, out: str | Path, *, command: str | None = None, figures: bool = True,
                 record: bool = False) -> Path:
    """Write the report of a search (a :class:`descend.tune.result.TuneResult`) into the directory ``out``:
    ``report.html``, the static figures under ``figures/`` (unless ``figures`` is false) and ``trials.csv``, the
    result's trials, unless ``record`` (see the module's docstring). ``command``: the command that resumes the search
    (``descend tune`` passes it; its password is masked). ``record``: whether the caller writes the search's files
    beside it, ``trials.csv`` and ``best.json`` among them (:func:`descend.tune.result.write_files` and
    ``write_record``, as ``descend tune`` does), which the page's list of files names.
    Returns report.html's path.

    Works with whatever finished: an interrupted search's report says so at its top and has no final re-runs;
    a study with one parameter, too few trials or none with a result says why a view is missing instead of
    drawing it. The page is written aside and renamed over the old one: never half a page.
    """
    import optuna

    from .logs import quiet

    with quiet(optuna.logging.ERROR):  # not a line per trial left out of a figure
        return _write(result, Path(out), command=command, figures=figures, record=record)


def _write(result: Any, out: Path, *, command: str | None, figures: bool, record: bool) -> Path:
    from ..report.figures.saving import save
    from ..report.html import _chart, _downloads, _esc, _figure_section
    from .result import _atomic

    out.mkdir(parents=True, exist_ok=True)
    if not record:  # the page's own trials (an earlier search's had been kept beside it); a recording caller wrote
        _atomic(out / "trials.csv", result.trials.to_csv(index=False))  # them already (result.write_files)
    trials = trial_kinds(result)
    colours = _colours(result, trials)
    first = next(iter(result.studies.values()), None)
    attrs = first.user_attrs if first is not None else {}
    task = attrs.get("descend:task", "")
    version = attrs.get("descend:version", "")
    title = f"descend tune {task}".strip() + (" (interrupted)" if result.interrupted else "")
    found, why = importances(result)

    stills: dict[str, str] = {}
    has_result = bool((trials["kind"] == outcomes.OK).any()) if len(trials) else False
    if figures:  # no best so far where no trial has a result (the figure drew marks over an axis of nothing)
        drawn = {"best-so-far": best_so_far_figure(result, trials, title=str(task)) if has_result else None,
                 "lr-sensitivity": lr_figure(result, trials, title=str(task)),
                 "importances": importance_figure(result, found, title=str(task))}
        for stem, fig in drawn.items():
            if fig is not None:
                save(fig, out / "figures", stem)
                stills[stem] = f"figures/{stem}.png"

    def links(stem: str) -> str:
        return _downloads([(STILLS[stem], stills[stem])], out) if stem in stills else ""

    direction = result.target.direction
    better = "lower" if direction == "minimize" else "higher"
    objective = _objective(result)
    sections = []
    empty = ("No trial has a result (each one diverged, was pruned or failed), so there is nothing to draw."
             if len(trials) else "No trial has been told yet, so there is nothing to draw.")
    for by, heading, caption, div_id in (
            ("number", "Best so far against trial", f"The best {objective} told so far ({better} is better) after "
             "each trial, one line per optimizer, over every trial's own value (dots); a trial without a result "
             "(diverged, pruned, failed) is marked at the top by its status. Where a line flattens, more trials "
             "stopped paying.", "fig-best-trial"),
            ("elapsed", "Best so far against wall time", "The same against the seconds since each study's first "
             "trial started (a resumed study counts the time between its sessions too): what a search costs for "
             "what it finds." + (" The optimizers' studies train in turn, a cohort each, so each one's clock (from "
                                 "its own first trial) also counts the others' cohorts trained since."
                                 if len(result.names) > 1 else ""), "fig-best-time")):
        chart = _chart(best_so_far_chart(result, trials, by), div_id, 420) if has_result else None
        sections.append(_figure_section(heading, caption, div_id, chart, links("best-so-far") if by == "number"
                                        else "", empty))
    lr = lr_chart(result, trials) if len(trials) else None
    sections.append(_figure_section(
        "Learning-rate sensitivity", f"Every trial's {objective} against its learning rate: a flat band of good "
        "values is a rate that forgives; marks at the top are trials without a result (\u00d7 diverged, | pruned, "
        "\u25cb failed).", "fig-lr", _chart(lr, "fig-lr", 420) if lr is not None else None,
        links("lr-sensitivity"), "No study searched the learning rate (lr), so there is no sensitivity chart."))
    importance = importance_chart(result, found)
    reasons = "; ".join(why[o] for o in result.studies if o in why)
    counted = ", ".join(f"{_counted(study)} for {o}" for o, study in result.studies.items() if o in found)
    # Optuna ranks the parameters every trial has: in a choice of optimizers, each one's own are left out
    unranked = {o: [p for p in _searched(result, o) if p not in found[o]] for o in found}
    unranked_text = "; ".join(f"for {o}, {', '.join(ps)} (searched only in some of its trials, when their optimizer "
                              "was chosen) cannot be ranked: the importances are over what every trial has"
                              for o, ps in unranked.items() if ps)
    sections.append(_figure_section(
        "Parameter importances", "How much of the variation of the objective each searched parameter explains "
        f"(Optuna's fANOVA over the trials with a result: {counted or 'none'})."
        + (f" Not estimated for {reasons}." if reasons and found else "")
        + (f" Note: {unranked_text}." if unranked_text else ""),
        "fig-importance", _chart(importance, "fig-importance", 120 + 40 * sum(map(len, found.values())))
        if importance is not None else None, links("importances"),
        f"No parameter importances: {reasons}." if reasons else "No parameter importances."))
    log = _log_values(trials, direction) if len(trials) else False
    for optimizer, study in result.studies.items():
        for heading, caption, div_id, figure in _optuna_charts(optimizer, study, _searched(result, optimizer),
                                                               found.get(optimizer), objective, log):
            if isinstance(figure, str):
                sections.append(_figure_section(heading, caption, div_id, None, "", figure))
            else:
                sections.append(_figure_section(heading, caption, div_id, _chart(figure, div_id, 460)))

    notes = []
    if result.interrupted:
        notes.append("<p class=\"banner\"><b>Interrupted.</b> This report shows the trials that finished before "
                     "the search was stopped; the study keeps them, and the command below resumes it.</p>")
    elif result.timed_out:
        notes.append("<p class=\"banner\"><b>Stopped by the timeout.</b> The command below resumes the search.</p>")
    budget = attrs.get("descend:budget", "")
    meta = [f"<span><b>Objective:</b> {_esc(objective)} ({_esc(direction)})</span>"]
    if budget:
        meta.append(f"<span><b>Budget:</b> {_esc(budget)} per trial</span>")
    if training := attrs.get("descend:training", ""):  # the loss, dtype, clipping and schedules every trial had
        from .result import training_words

        meta.append(f"<span><b>Training:</b> {_esc(training_words(training))}</span>")
    meta.append(f"<span><b>Time:</b> {result.seconds:.1f} s (this command's search and re-runs, without its "
                "start-up and this report)</span>")
    described = [f"<p class=\"meta\"><b>Task:</b> {_esc(result.description)}</p>"] if getattr(
        result, "description", "") else []
    described += [f"<p class=\"meta\"><b>{_esc(key)}:</b> {_esc(text)}</p>"
                  for key, text in getattr(result, "facts", [])]
    # what the numbers depend on besides the settings, as a comparison's page says it (best.json records them too)
    made = versions_text(getattr(result, "versions", None) or {}) or (f"descend {version}" if version else "")
    header = [f"<header>\n<h1>{_esc(title)}</h1>", *notes, *described, f"<p class=\"meta\">{''.join(meta)}</p>",
              f"<p class=\"meta\"><b>Trials:</b> {_esc(_counts_text(trials))}</p>"]
    if made:
        header.append(f"<p class=\"meta\"><b>Versions:</b> {_esc(made)}</p>")
    if result.spaces:  # what each study searched: the ranges are the search's, and may differ between optimizers
        header.append("<p class=\"meta\"><b>Searched:</b> " + "; ".join(
            f"{_esc(optimizer)}: <code>{_esc(space.text())}</code>" for optimizer, space in result.spaces.items())
            + "</p>")
    lucky = set(getattr(result, "lucky", {}).values())  # said under the table of the best configurations
    if shown := [n for n in result.notes if n not in lucky]:
        header.append("<ul class=\"notes\">" + "".join(f"<li>{_esc(n)}</li>" for n in shown) + "</ul>")
    header.append("</header>")
    body = "\n".join(["\n".join(header), _best_section(result, result.table, colours, _optimizers(result, trials)),
                      _study_section(result, command), *sections,
                      _files_section(result, out, stills, record=record)])
    path = out / "report.html"
    _atomic(path, _page(title, body, version))
    return path
