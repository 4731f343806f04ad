"""The report of a search: what each figure draws (the running best of the told values, each optimizer's colour,
trials without a result marked, not drawn at their inf), a page that works offline, and a report for the
searches that have little to show: one parameter, no trial with a result, an interrupted search."""

from __future__ import annotations

import math
import re
import threading

import numpy as np
import pytest
from optuna.trial import TrialState

import descend
from descend.report.colours import BASE
from descend.report.html import _cell_text
from descend.tune.report import (
    best_so_far_chart,
    best_so_far_figure,
    lr_figure,
    trial_kinds,
    write_report,
)

SPACE = {"gd": "lr=1e-2..50:log", "adam": "lr=1e-3..1:log, beta1=0.5..0.99"}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    """Two optimizers, some of gd's trials diverged (its range reaches far beyond 2/curvature)."""
    storage = tmp_path_factory.mktemp("study") / "study.journal"
    return descend.tune("line", optimizer=["gd", "adam"], space=SPACE, trials=8, cohort=8, steps=30, seeds=2,
                        batch_size=16, storage=str(storage))  # mini-batches: seeds that differ, re-run twice


def told(study) -> list[tuple[int, float, str]]:
    """(number, value, status) of every complete trial, in trial order, read from the study itself."""
    return [(t.number, t.value, t.user_attrs["descend"]["status"])
            for t in sorted(study.get_trials(states=(TrialState.COMPLETE,)), key=lambda t: t.number)]


def test_the_wall_time_axis_of_a_fast_search_has_labels_that_do_not_run_together(result):
    """A search of a few hundredths of a second drew ten labels of five digits ("0.016250.0165...")."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = best_so_far_figure(result)
    FigureCanvasAgg(fig).draw()
    by_time = fig.axes[1]
    left, right = by_time.get_xlim()
    labels = [t for t in by_time.get_xticklabels() if left <= t.get_position()[0] <= right and t.get_text()]
    boxes = sorted((t.get_window_extent() for t in labels), key=lambda box: box.x0)
    assert len(labels) <= 6 and all(a.x1 < b.x0 for a, b in zip(boxes, boxes[1:])), [t.get_text() for t in labels]


def test_best_so_far_is_the_running_minimum_of_the_told_values_in_each_optimizers_colour(result):
    assert any(status == "diverged" for _, _, status in told(result.studies["gd"]))  # the case that matters
    fig = best_so_far_figure(result)
    by_trial, by_time = fig.axes[:2]
    for optimizer, study in result.studies.items():
        ok = [(n, v) for n, v, status in told(study) if status == "ok"]
        running = np.minimum.accumulate([v for _, v in ok])
        (line,) = [line for line in by_trial.lines if line.get_gid() == f"best:{optimizer}"]
        assert list(line.get_xdata()) == [n for n, _ in ok]
        np.testing.assert_allclose(line.get_ydata(), running)
        assert line.get_color() == BASE[optimizer]
        (timed,) = [line for line in by_time.lines if line.get_gid() == f"best:{optimizer}"]
        assert timed.get_color() == BASE[optimizer] and np.all(np.diff(timed.get_xdata()) >= 0)
    # the diverged trials (told inf) are marks at the top edge, in axes coordinates: no axis reaches inf
    diverged = [n for n, _, status in told(result.studies["gd"]) if status == "diverged"]
    (marks,) = [line for line in by_trial.lines if line.get_gid() == "diverged:gd"]
    assert [round(v) for v in marks.get_xdata()] == diverged and marks.get_marker() == "x"  # beside the other's
    assert all(math.isfinite(limit) for limit in by_trial.get_ylim())
    assert by_trial.get_xlabel() == "trial" and "wall time" in by_time.get_xlabel()
    assert by_trial.get_ylabel().startswith("best validation loss so far")
    assert by_trial.get_yscale() == "log"


def test_the_interactive_best_so_far_draws_the_same_lines(result):
    chart = best_so_far_chart(result, trial_kinds(result), "number")
    lines = {trace.name: trace for trace in chart.data
             if trace.mode == "lines+markers" and trace.showlegend is not False}
    for optimizer, study in result.studies.items():
        ok = [v for _, v, status in told(study) if status == "ok"]
        np.testing.assert_allclose(lines[optimizer].y, np.minimum.accumulate(ok))
        assert lines[optimizer].line.color == BASE[optimizer]
    finite = [y for trace in chart.data for y in np.asarray(trace.y, dtype=float)]
    assert all(math.isfinite(y) for y in finite)  # the diverged trials' inf is nowhere


def test_lr_sensitivity_draws_each_trial_at_its_lr_and_marks_the_diverged(result):
    fig = lr_figure(result)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "learning rate (log scale)"
    for optimizer, study in result.studies.items():
        trials = {t.number: t for t in study.get_trials()}
        ok = sorted((trials[n].params["lr"], v) for n, v, status in told(study) if status == "ok")
        (points,) = [line for line in ax.lines if line.get_gid() == f"trials:{optimizer}"]
        np.testing.assert_allclose(np.c_[points.get_xdata(), points.get_ydata()], ok)
        assert points.get_color() == BASE[optimizer]
    (marks,) = [line for line in ax.lines if line.get_gid() == "diverged:gd"]
    lrs = {t.number: t.params["lr"] for t in result.studies["gd"].get_trials()}
    assert sorted(marks.get_xdata()) == sorted(lrs[n] for n, _, status in told(result.studies["gd"])
                                               if status == "diverged")


def test_the_final_re_runs_are_reported_as_mean_and_sd_over_the_seeds_in_one_table(result, tmp_path):
    """The terminal and table.csv gave the median over the seeds, the page the mean ± sd, each computed apart."""
    stats = result.table
    summary = result.final.summary
    page = write_report(result, tmp_path).read_text()
    for optimizer in ("gd", "adam"):
        mine = summary[(summary["optimizer"] == optimizer) & (summary["status"] == "ok")]["final_test_loss"]
        assert stats.loc[optimizer, "seeds"] == 2 and stats.loc[optimizer, "no result"] == 0
        assert stats.loc[optimizer, "test loss"] == pytest.approx(float(np.mean(mine)), rel=1e-12)
        assert stats.loc[optimizer, "test loss sd"] == pytest.approx(float(np.std(mine, ddof=1)), rel=1e-12)
        assert f"{_cell_text('test loss', stats.loc[optimizer, 'test loss'])} \u00b1 " in page
        # the re-runs' own validation loss beside the chosen trial's (the best of many trials is a lucky one)
        assert f"{_cell_text('validation loss', stats.loc[optimizer, 'validation loss'])} \u00b1 " in page
    assert "validation loss (mean \u00b1 sd)" in page


def test_the_page_works_offline_and_shows_each_view_once(result, tmp_path):
    command = "descend tune line -o gd -o adam --storage postgresql://me:s3cret@db.example:5432/tune"
    path = write_report(result, tmp_path, command=command)
    page = path.read_text()
    assert not re.search(r"<script[^>]*\ssrc\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?\s*(https?:)?//", page, re.I)
    assert "s3cret" not in page and "postgresql://me:***@db.example:5432/tune" in page
    assert re.search(r"with the database(&#x27;|')s password in place of \*\*\*", page)  # said, as the terminal
    for div in ("fig-best-trial", "fig-best-time", "fig-lr", "fig-importance", "fig-slice-adam", "fig-contour-adam",
                "fig-parallel-adam", "fig-slice-gd", "fig-parallel-gd"):
        assert page.count(f'id="{div}"') == 1, div
    assert "gd: one parameter searched (lr)" in page  # no importance and no contour for it, said so
    assert re.search(r"fANOVA over the trials with a result: \d+ for adam\)", page)  # what the ranking rests on
    assert "gd searched one parameter (lr): no pair to draw." in page
    assert "<b>Interrupted.</b>" not in page and "(interrupted)" not in page
    # two studies trained in turn: each one's clock counts the other's cohorts, and the caption says so
    assert "each one&#x27;s clock (from its own first trial) also counts the others&#x27; cohorts trained since" in page
    for name in ("best-so-far", "lr-sensitivity", "importances"):
        assert (tmp_path / "figures" / f"{name}.png").is_file()
    assert (tmp_path / "trials.csv").read_text().count("\n") == 1 + 16


def test_a_search_with_one_parameter_gets_a_report(tmp_path):
    result = descend.tune("line", optimizer="gd", space="lr=1e-2..1:log", trials=4, cohort=4, steps=20, seeds=0)
    page = write_report(result, tmp_path).read_text()
    assert "one parameter searched" in page and "No final re-runs" in page
    assert "clock also counts" not in page  # one study: its clock is its own
    assert (tmp_path / "figures" / "best-so-far.png").is_file()
    assert not (tmp_path / "figures" / "importances.png").exists()


def test_a_search_whose_every_trial_diverged_gets_a_report(tmp_path):
    result = descend.tune("line", optimizer="gd", space="lr=10..100:log", trials=4, cohort=4, steps=20, seeds=2)
    assert set(trial_kinds(result)["kind"]) == {"diverged"}
    page = write_report(result, tmp_path).read_text()
    assert "No trial has a result (each one diverged" in page and "no trial with a result" in page
    assert "4 diverged" in page
    # "yet" said a finished search might still draw something; its best-so-far figure drew marks over an axis of
    # nothing (−0.04..0.04) and was linked from the page
    assert "has a result yet" not in page and "best-so-far.png" not in page
    assert not (tmp_path / "figures" / "best-so-far.png").exists()


def test_a_choice_of_optimizers_says_which_parameters_its_importances_leave_out(tmp_path):
    """-o 'adam|sgd': Optuna ranks only the parameters every trial has, so the chart gave "optimizer" 100 % and
    dropped adam's and sgd's own without a word; and the page did not say how many trials it rests on."""
    result = descend.tune("iris", optimizer="adam|sgd", trials=24, cohort=12, steps=40, seeds=0)
    page = write_report(result, tmp_path).read_text()
    assert "searched only in some of its trials, when their optimizer was chosen" in page
    # the optimizer alone is in every trial: ranked alone it was always 1.0, drawn as if it explained everything
    assert "only optimizer is in every trial" in page and not (tmp_path / "figures" / "importances.png").exists()


def test_an_interrupted_search_reports_what_finished(tmp_path):
    stop = threading.Event()

    def progress(event):  # stop in the middle of the second cohort
        if event["kind"] == "step" and event["done"] >= 4:
            stop.set()

    result = descend.tune("line", optimizer="adam", trials=8, cohort=4, steps=30, seeds=2, progress=progress,
                          stop=stop, out=tmp_path)
    assert result.interrupted and result.final is None
    kinds = trial_kinds(result)["kind"]
    assert (kinds == "ok").sum() == 4
    page = write_report(result, tmp_path, command="descend tune line -o adam").read_text()
    assert "descend tune line (interrupted)" in page and "<b>Interrupted.</b>" in page
    assert "the search was interrupted" in page and "descend tune line -o adam" in page


def test_a_task_without_test_data_is_not_said_to_be_measured_on_it(tmp_path):
    result = descend.tune("rosenbrock", optimizer="adam", trials=4, cohort=4, steps=20, seeds=2)
    html = write_report(result, tmp_path).read_text()
    assert "measured on the training cost (the task has no test data)" in html and "on test data" not in html


def test_equal_values_over_the_seeds_have_an_sd_of_zero():
    """Three seeds at 93.33 % test accuracy were shown as "93.33% ± 1.36e-14%": pandas' std of equal values."""
    import pandas as pd

    from descend.tune.result import final_table

    summary = pd.DataFrame({"optimizer": ["adam"] * 3, "status": ["ok"] * 3, "final_test_accuracy": [14 / 15] * 3,
                            "final_test_loss": [0.2, 0.3, 0.4]})
    target = type("Target", (), {"split": "validation", "metric": "loss"})()
    table = final_table({"adam": {"trial": 3, "value": 0.1, "config": {"lr": 0.01}}}, summary, target)
    assert pd.Series([14 / 15] * 3).std(ddof=1) != 0  # what was shown
    assert table.loc["adam", "test accuracy sd"] == 0.0
    assert table.loc["adam", "test loss sd"] == pytest.approx(0.1, rel=1e-12)


def test_every_optimizers_configuration_comes_before_the_results():
    """SGD's momentum, after Adam's row, came after the divergence rate in table.csv and the report."""
    import pandas as pd

    from descend.tune.result import final_table

    summary = pd.DataFrame({"optimizer": ["adam", "sgd"], "status": ["ok"] * 2, "final_test_loss": [0.2, 0.3]})
    target = type("Target", (), {"split": "validation", "metric": "loss"})()
    best = {"adam": {"trial": 3, "value": 0.1, "config": {"lr": 0.01, "beta1": 0.9}},
            "sgd": {"trial": 5, "value": 0.2, "config": {"lr": 0.1, "momentum": 0.5}}}
    table = final_table(best, summary, target)
    assert list(table.columns)[:6] == ["trial", "best validation loss", "lr", "beta1", "momentum", "seeds"]
    assert table.loc["sgd", "momentum"] == 0.5 and pd.isna(table.loc["adam", "momentum"])


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_optunas_charts_draw_the_best_trials_darkest_in_either_direction(direction):
    """Optuna reverses its colour scale whenever a target is given: the best accuracies were the palest."""
    import optuna

    from descend.tune.report import _optuna_charts

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction=direction, sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        trial.set_user_attr("descend", {"status": "ok"})
        return trial.suggest_float("a", 0, 1) + trial.suggest_float("b", 0, 1)

    study.optimize(objective, n_trials=12)
    charts = {div: figure for _, _, div, figure in _optuna_charts("adam", study, ["a", "b"], None, "value", False)}
    (contour,) = [t for t in charts["fig-contour-adam"].data if t.type == "contour"]
    assert contour.reversescale is (direction == "minimize")  # Optuna's own choice for the study's direction
    assert contour.reversescale == optuna.visualization.plot_contour(study).data[0].reversescale
    (scale,) = [t for t in charts["fig-parallel-adam"].data
                if t.marker is not None and t.marker.reversescale is not None]
    assert scale.marker.reversescale is (direction == "minimize")


def test_the_contour_of_a_choice_study_draws_two_parameters_its_trials_have_together():
    """The top pair of "adam|sgd" was optimizer × adam:lr: Optuna filled sgd's row, which has no adam:lr, with
    values interpolated from adam's trials."""
    import optuna

    from descend.tune.report import _optuna_charts, _pair

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))

    def objective(trial):
        trial.set_user_attr("descend", {"status": "ok"})
        name = trial.suggest_categorical("optimizer", ["adam", "sgd"])
        lr = trial.suggest_float(f"{name}:lr", 1e-3, 1, log=True)
        return lr + (trial.suggest_float("adam:beta1", 0.5, 0.99) if name == "adam" else
                     trial.suggest_float("sgd:momentum", 0.0, 0.9))

    study.optimize(objective, n_trials=16)
    ranked = ["optimizer", "adam:lr", "sgd:lr", "sgd:momentum", "adam:beta1"]
    assert _pair(study, ranked) == ("adam:lr", "adam:beta1")  # adam:lr × sgd:lr: never in one trial
    assert _pair(study, ["optimizer", "adam:lr"]) is None
    charts = {div: (heading, figure) for heading, _, div, figure in _optuna_charts(
        "adam|sgd", study, ranked, {p: 1 / len(ranked) for p in ranked}, "value", False)}
    heading, figure = charts["fig-contour-adam-sgd"]
    assert heading == "adam|sgd: adam:lr \u00d7 adam:beta1" and not isinstance(figure, str)


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_the_contour_of_many_trials_is_drawn_from_the_best_of_them_and_says_so(direction):
    """Optuna's contour is a grid with a cell for each distinct pair of values: a report of 2,000 trials was 54 MB,
    48 of them the contour's."""
    import optuna
    from optuna.trial import create_trial

    from descend.tune.report import CONTOUR_TRIALS, _optuna_charts

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(0)
    study = optuna.create_study(direction=direction)
    distributions = {"lr": optuna.distributions.FloatDistribution(1e-3, 1, log=True),
                     "beta1": optuna.distributions.FloatDistribution(0.5, 0.99)}
    n = CONTOUR_TRIALS + 100
    for lr, beta1 in zip(10 ** rng.uniform(-3, 0, n), rng.uniform(0.5, 0.99, n)):
        study.add_trial(create_trial(params={"lr": lr, "beta1": beta1}, distributions=distributions,
                                     value=abs(math.log10(lr) + 2) + beta1, user_attrs={"descend": {"status": "ok"}}))
    charts = {div: (caption, figure) for _, caption, div, figure in _optuna_charts(
        "adam", study, ["lr", "beta1"], {"lr": 0.7, "beta1": 0.3}, "value", False)}
    caption, figure = charts["fig-contour-adam"]
    assert caption.startswith(f"The value of the best {CONTOUR_TRIALS} of adam's {n} trials with both (a contour of "
                              "every trial grows with the square of their number) over its two most important ")
    dots = next(t for t in figure.data if t.type == "scatter" and t.mode == "markers")
    grid = next(t for t in figure.data if t.type == "contour")
    assert len(dots.x) == CONTOUR_TRIALS and np.shape(grid.z)[0] <= CONTOUR_TRIALS + 2  # not n × n
    values = sorted(t.value for t in study.trials)
    best = values[:CONTOUR_TRIALS] if direction == "minimize" else values[-CONTOUR_TRIALS:]
    assert figure.layout.xaxis.title.text == "beta1" and figure.layout.yaxis.title.text == "lr"
    drawn = set(zip(dots.x, dots.y))
    assert drawn == {(t.params["beta1"], t.params["lr"]) for t in study.trials if t.value in set(best)}
    # a study of fewer trials draws every one, with the caption it had
    small = optuna.create_study(direction=direction)
    small.add_trials(study.trials[:20])
    caption, figure = {div: (c, f) for _, c, div, f in _optuna_charts("adam", small, ["lr", "beta1"], None, "value",
                                                                      False)}["fig-contour-adam"]
    assert caption.startswith("The value of adam's trials over its first two parameters (no importances)")
    assert len(next(t for t in figure.data if t.type == "scatter" and t.mode == "markers").x) == 20


@pytest.mark.parametrize("direction", ["minimize", "maximize"])
def test_every_trial_s_line_of_the_parallel_coordinates_can_be_seen_the_best_darkest(direction):
    # Optuna colours the worst trial white (at half opacity, on a white page): its line could not be seen
    import warnings

    import optuna
    import optuna.visualization as vis
    from plotly.colors import unlabel_rgb

    from descend.tune.report import _visible

    study = optuna.create_study(direction=direction, sampler=optuna.samplers.RandomSampler(seed=0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2 + t.suggest_float("y", 0, 1), n_trials=8)
        figure = _visible(vis.plot_parallel_coordinate(study))
    lines = [t for t in figure.data if t.mode == "lines"]
    brightness = [sum(unlabel_rgb(t.line.color)) for t in lines]
    assert len(lines) == 8 and max(brightness) < 3 * 235  # none white: the palest is light blue
    values = [t.value for t in study.trials]
    best = values.index(min(values) if direction == "minimize" else max(values))
    worst = values.index(max(values) if direction == "minimize" else min(values))
    assert brightness[best] == min(brightness) and brightness[worst] == max(brightness)


def test_trials_asked_beyond_the_budget_or_cut_short_are_not_counted_as_failed_runs():
    """Workers sharing a study ask beyond its budget and tell those trials FAIL untrained, and a stop re-queues the
    trials it cut short: the report counted both as failed ("16 trials (10 with a result, 6 failed)")."""
    import pandas as pd

    from descend.tune.report import FAILED, _counts_text

    trials = pd.DataFrame({"optimizer": "adam", "kind": ["ok"] * 3 + [FAILED] * 4,
                           "status": ["ok"] * 3 + ["over-budget", "over-budget", "interrupted", None]})
    assert _counts_text(trials) == ("adam: 7 trials (3 with a result, 1 failed, 2 asked once the budget was spent, "
                                    "never trained, 1 cut short by a stop (each queued again))")


def test_the_page_prints_whole_and_a_long_title_wraps_on_a_phone(result, tmp_path, browser):
    """Printed (to paper or PDF), the table of best configurations was cut at the page's edge: it sat in a box that
    scrolls sideways, which paper cannot; at 375 px a title naming a CSV file by its absolute path did not wrap."""
    path = write_report(result, tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    page.goto(path.as_uri())
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 700, "height": 1000})  # about A4's printable width
    widest = "Math.max(...[...document.querySelectorAll('table')].map(t => t.getBoundingClientRect().right))"
    assert page.evaluate("document.querySelectorAll('table').length") > 0
    assert page.evaluate(f"{widest} <= document.documentElement.clientWidth"), page.evaluate(widest)
    # a heading cell keeps its words whole ("optimize|r", "tria|l" broke mid-word while the table had room)
    page.set_viewport_size({"width": 480, "height": 1000})  # a narrow printed page: room is short
    broken = page.evaluate("""[...document.querySelectorAll('thead th')].flatMap((th) => {
        const out = [], walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const m of node.textContent.matchAll(/\\S+/g)) {  // a word laid out on two lines has two boxes
                const range = document.createRange();
                range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                if (range.getClientRects().length > 1) out.push(m[0]);
            } }
        return out; })""")
    assert broken == [], broken
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 375, "height": 800})
    page.evaluate("document.querySelector('h1').textContent = '/home/someone/' + 'data/'.repeat(12) + 'prices.csv'")
    assert page.evaluate("document.querySelector('h1').scrollWidth <= document.querySelector('h1').clientWidth")
    context.close()


def test_on_a_phone_the_legends_go_under_the_plots_as_in_a_comparisons_report(result, tmp_path, browser):
    """At 375 px every legend stayed beside its plot, which kept 113-163 px of a 315-px figure: the page lacked the
    comparison report's script that fits the figures to a narrow screen."""
    path = write_report(result, tmp_path)
    context = browser.new_context(offline=True, viewport={"width": 375, "height": 800})
    try:
        page = context.new_page()
        page.goto(path.as_uri())
        page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length > 0")
        page.wait_for_timeout(1500)
        legends = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
            .filter((d) => d._fullLayout.showlegend).map((d) => [d.id, d._fullLayout.legend.orientation])""")
        assert legends and all(orientation == "h" for _, orientation in legends), legends
    finally:
        context.close()


def test_two_optimizers_marks_for_the_same_trial_number_stand_side_by_side():
    """adam's trial 6 and sgd's trial 6, both diverged, were one mark over the other: 10 marks for 11 trials."""
    import pandas as pd

    from descend.tune.report import _plotly_marks

    trials = pd.DataFrame({"optimizer": ["adam", "sgd", "adam"], "number": [6, 6, 7], "kind": ["diverged"] * 3,
                           "value": [math.nan] * 3})
    traces = _plotly_marks(trials, "number", 1.0, {"adam": "#000", "sgd": "#111"})
    xs = [float(v) for t in traces for v in t.x]
    assert len(set(xs)) == 3 and all(abs(v - round(v)) <= 0.3 for v in xs), xs


def test_every_figure_and_chart_tells_the_optimizers_apart_by_their_shape_not_by_colour_alone(result):
    """Momentum's orange and rmsprop's green are one olive to a protanope: the best-so-far, learning-rate and
    importance figures and charts told the optimizers apart by colour alone."""
    from descend.report.colours import styles
    from descend.tune.report import importance_chart, importance_figure, importances, lr_chart

    looks = styles({"gd": "gd", "adam": "adam"})  # the studies' order: one shape each, in every view
    assert looks["gd"].marker != looks["adam"].marker
    trials = trial_kinds(result)
    best = best_so_far_figure(result, trials)
    for ax in best.axes[:2]:
        for optimizer, look in looks.items():
            for kind in ("best", "trials"):
                (line,) = [line for line in ax.lines if line.get_gid() == f"{kind}:{optimizer}"]
                assert line.get_marker() == look.marker, (kind, optimizer)
    legend = {text.get_text(): handle for text, handle in zip(best.axes[1].get_legend().get_texts(),
                                                              best.axes[1].get_legend().legend_handles)}
    assert {o: legend[o].get_marker() for o in looks} == {o: look.marker for o, look in looks.items()}
    lr = lr_figure(result, trials).axes[0]
    for optimizer, look in looks.items():
        (points,) = [line for line in lr.lines if line.get_gid() == f"trials:{optimizer}"]
        assert points.get_marker() == look.marker
    symbols = {o: look.symbol for o, look in looks.items()}
    for chart in (best_so_far_chart(result, trials, "number"), best_so_far_chart(result, trials, "elapsed"),
                  lr_chart(result, trials)):
        drawn = [(t.name, t.marker.symbol) for t in chart.data if t.name in looks]  # its trials, its line
        assert drawn and all(symbol == symbols[name] for name, symbol in drawn), drawn
    found, _ = importances(result)
    assert list(found) == ["adam"]  # gd searched its lr alone
    chart = importance_chart(result, found)
    (ends,) = [t for t in chart.data if t.type == "scatter"]
    assert ends.marker.symbol == symbols["adam"] and ends.showlegend is not False
    assert chart.layout.scattermode == "group"
    figure = importance_figure(result, found).axes[0]
    (ends,) = [line for line in figure.lines if line.get_gid() == "shape:adam"]
    assert ends.get_marker() == looks["adam"].marker


def test_trials_without_a_result_are_marked_above_the_plot_not_among_its_values():
    """Pruned and failed marks were drawn at 92 % and 88 % of the axes' height, among the values (on an accuracy
    search, pruned trials looked like the best)."""
    import pandas as pd
    from matplotlib.figure import Figure

    from descend.tune.report import NO_RESULT, _no_result_marks

    trials = pd.DataFrame({"optimizer": "adam", "number": range(len(NO_RESULT)), "kind": list(NO_RESULT)})
    ax = Figure().subplots()
    marked: set[str] = set()
    _no_result_marks(ax, trials, "number", {"adam": "#d62728"}, marked)
    assert marked == set(NO_RESULT)
    assert min(float(y) for line in ax.lines for y in line.get_ydata()) >= 1.0  # axes fraction: the top edge


def test_an_accuracy_search_reports_its_re_runs_accuracy_beside_the_trials(tmp_path):
    """The re-runs' own value of the objective is shown beside the chosen trial's: an accuracy search's table had no
    validation accuracy, so the page left it out."""
    result = descend.tune("iris", optimizer="adam", trials=6, cohort=6, steps=30, seeds=2, metric="accuracy")
    assert "validation accuracy" in result.table.columns and "train accuracy" in result.table.columns
    page = write_report(result, tmp_path, figures=False).read_text()
    assert "validation accuracy (mean \u00b1 sd)" in page


def test_a_report_written_where_another_searchs_was_holds_its_own_trials(tmp_path):
    """write_report kept the trials.csv it found: a page of 6 trials beside the 4 rows of an earlier search."""
    import pandas as pd

    for trials in (4, 6):
        result = descend.tune("line", optimizer="gd", space="lr=1e-3..1e-1:log", trials=trials, cohort=trials,
                              steps=10, seeds=0)
        write_report(result, tmp_path, figures=False)
    assert len(pd.read_csv(tmp_path / "trials.csv")) == 6


def test_a_learning_rate_of_zero_is_drawn_on_a_linear_axis():
    """`--space "lr=0|0.01|0.1"` is accepted, and its lr = 0 trials vanished from the log-scaled chart unsaid."""
    result = descend.tune("line", optimizer="gd", space="lr=0|0.01|0.1", trials=6, cohort=6, steps=10, seeds=0)
    assert (result.trials["lr"] == 0).any()
    ax = lr_figure(result).axes[0]
    assert ax.get_xscale() == "linear" and ax.get_xlabel() == "learning rate"
    from descend.tune.report import lr_chart

    assert lr_chart(result, trial_kinds(result)).layout.xaxis.type == "linear"


def test_a_study_in_a_folder_whose_name_is_not_utf8_gets_its_report(tmp_path):
    """A file name's byte that is not UTF-8 (held by Python as a lone surrogate) in the study's path, which the page
    names, failed the page's writing: no report.html, "the report could not be written", exit 0."""
    out = tmp_path / "t\udce9"  # the byte 0xE9 of a Latin-1 name, as os.fsdecode gives it
    result = descend.tune("line", optimizer="gd", space="lr=1e-2..1:log", trials=2, cohort=2, steps=5, seeds=0,
                          storage=str(out / "study.journal"))
    page = write_report(result, out)
    text = page.read_text(encoding="utf-8")
    assert "t\ufffd" in text and "\udce9" not in text


def _lucky(value, values, statuses=None, metric="loss", seed=9):
    """lucky_draws of one optimizer's best trial (``value``) and its re-runs' ``values`` of the objective."""
    import pandas as pd

    from descend.tune.result import lucky_draws
    from descend.tune.runner import Target

    target = Target("validation", metric)
    summary = pd.DataFrame({"optimizer": "rmsprop", "seed": range(len(values)),
                            "status": statuses or ["ok"] * len(values), target.column: values})
    return lucky_draws({"rmsprop": {"trial": 9, "value": value, "seed": seed}}, summary, target).get("rmsprop")


def test_a_best_trial_its_re_runs_do_not_bear_out_is_said_to_be_a_lucky_draw_of_its_seed():
    """rmsprop's best trial on iris had a validation loss of 0 (lr 0.928, seed 9), its re-runs over seeds 7.19 ±
    9.43 (test 12.66 ± 13.7), and the report showed both numbers without a word."""
    import statistics

    values = [2.479, 1.032, 18.04]
    said = _lucky(0.0, values)
    assert said is not None and said.startswith("rmsprop: its best trial (number 9, seed 9) reached a validation "
                                                "loss of 0, better than every one of its 3 re-runs over seeds 0..2")
    assert f"({min(values):.4g} to {max(values):.4g}, median {statistics.median(values):.4g})" in said
    assert said.endswith("a lucky draw of its seed, not what its configuration gives; the re-runs are the number "
                         "to trust")
    # as good as one re-run (its own seed, or a loss of exactly 0 reached twice) and better than most: the same
    assert "as good as 1 of its 3 re-runs over seeds 0..2 and better than the other 2" in _lucky(0.0, [0.0, 2.0, 5.0])
    # a run without a result is worse than any; an accuracy is better higher
    assert "(0.5 to 0.5, median 0.5; 2 without a result)" in _lucky(0.25, [float("nan"), 0.5, float("nan")],
                                                                   ["diverged", "ok", "diverged"])
    assert "validation accuracy of 100%, better than every one" in _lucky(1.0, [0.9, 0.95, 0.8], metric="accuracy")
    # what the re-runs give: inside their range, or as good as half of them, or one re-run (no spread), is no luck
    for value, values in ((0.5, [0.4, 0.6, 0.7]), (0.0, [0.0, 0.0, 5.0]), (0.0, [0.0, 3.0]), (0.0, [3.0])):
        assert _lucky(value, values) is None, (value, values)
    assert _lucky(0.97, [0.9, 0.98, 0.99], metric="accuracy") is None


def test_the_report_says_a_lucky_best_trial_under_the_table_of_the_best_configurations(result, tmp_path):
    import dataclasses

    said = "adam: its best trial (number 3, seed 3) reached a validation loss of 0.001, better than every one of ..."
    lucky = dataclasses.replace(result, lucky={"adam": said}, notes=[*result.notes, said])
    page = write_report(lucky, tmp_path, figures=False).read_text()
    best = page[page.index('<section id="best">'):]
    best = best[:best.index("</section>")]
    assert best.index("</table>") < best.index(f"<li>{said}</li>")  # under the numbers it qualifies
    assert page.count(said) == 1  # not again among the header's notes


def test_the_page_says_the_versions_its_numbers_depend_on(result, tmp_path):
    """The page said descend's version alone (in its footer): not PyTorch's, Python's nor NumPy's."""
    import platform

    import pandas as pd
    import torch

    page = write_report(result, tmp_path, figures=False).read_text()
    assert (f"<b>Versions:</b> descend {descend.__version__}, Python {platform.python_version()}, PyTorch "
            f"{torch.__version__}, NumPy {np.__version__}, pandas {pd.__version__}</p>") in page
