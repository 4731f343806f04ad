"""descend.compare as a library: the table per selected configuration, statuses, seeds that cannot differ, and
the notes that qualify the table."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from descend import compare as C
from descend import tasks
from descend.selection import select

CURVES = pd.DataFrame(columns=["run", "step", "epoch", "split", "metric", "value"])


def config(*labels: str, target: float | None = None) -> SimpleNamespace:
    """What metrics_table reads of a Config: the optimizers and the target."""
    return SimpleNamespace(optimizers=tuple(C.parse_optimizer(label) for label in labels), target=target)


def summary(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([{"label": r["label"], "optimizer": r["label"], "lr": r["lr"],
                           "batch_size": r.get("batch_size", "full"), "seed": r["seed"],
                           "final_train_loss": r.get("loss", np.nan), "best_train_loss": r.get("loss", np.nan),
                           "final_validation_loss": r.get("loss", np.nan), "steps_done": 100,
                           "steps_to_target": None, "status": r.get("status", "ok"),
                           "status_at": r.get("at"), "diverged": r.get("status") == "diverged",
                           "seconds": r.get("seconds", 0.1), "phase": "final"} for r in rows])
    frame.index.name = "run"
    return frame


def test_the_divergence_rate_is_the_rate_of_the_row_configuration():
    # rmsprop at lr 0.01 (the row: three seeds, none diverged) beside lr 1, where every seed diverged
    rows = summary([{"label": "rmsprop", "lr": 0.01, "seed": s, "loss": 0.1} for s in range(3)]
                   + [{"label": "rmsprop", "lr": 1.0, "seed": s, "status": "diverged", "at": 5} for s in range(3)]
                   + [{"label": "adam", "lr": lr, "seed": s, "loss": 0.2, "status": "diverged" if s == 0 else "ok"}
                      for lr in (0.01, 1.0) for s in range(3)])
    table, _ = C.metrics_table(rows, CURVES, None, config("rmsprop", "adam"))
    assert table.loc["rmsprop", "lr"] == 0.01 and table.loc["rmsprop", "divergence rate"] == 0.0
    assert table.loc["adam", "divergence rate"] == pytest.approx(1 / 3)
    assert table.loc["rmsprop", "seeds"] == 3
    # the rate does not depend on which other configurations finished (after Ctrl-C, say)
    cut = rows.drop(index=[3, 4])
    assert C.metrics_table(cut, CURVES, None, config("rmsprop", "adam"))[0].loc["rmsprop", "divergence rate"] == 0


def test_the_table_reports_the_selection_it_is_given():
    rows = summary([{"label": "gd", "lr": lr, "seed": 0, "loss": loss} for lr, loss in ((0.1, 0.5), (0.2, 0.3))])
    selection = select(rows)
    assert C.metrics_table(rows, CURVES, None, config("gd"))[0].loc["gd", "lr"] == 0.2
    forced = select(rows[rows.lr == 0.1])  # a selection made otherwise: the table follows it
    table, _ = C.metrics_table(rows, CURVES, None, config("gd"), selection=forced)
    assert table.loc["gd", "lr"] == 0.1 and table.loc["gd", "final train loss"] == 0.5
    assert selection.chosen["gd"].config["lr"] == 0.2


def test_a_run_that_left_the_domain_has_its_own_rate_and_never_wins():
    rows = summary(
        # gd: every run left the model's domain (and would be the fastest)
        [{"label": "gd", "lr": 0.1, "seed": s, "status": "left-domain", "at": 20, "seconds": 0.01} for s in range(2)]
        # rmsprop: the seed with the lowest loss left the domain (its loss would win if it counted)
        + [{"label": "rmsprop", "lr": 0.1, "seed": 0, "loss": 0.001, "status": "left-domain", "at": 20},
           {"label": "rmsprop", "lr": 0.1, "seed": 1, "loss": 0.4}, {"label": "rmsprop", "lr": 0.1, "seed": 2,
                                                                     "loss": 0.5}]
        + [{"label": "adam", "lr": 0.1, "seed": s, "loss": 0.3, "status": "diverged" if s == 2 else "ok"}
           for s in range(3)]
    )
    table, winners = C.metrics_table(rows, CURVES, None, config("gd", "rmsprop", "adam"))
    columns = list(table.columns)
    assert columns.index("left-domain rate") == columns.index("divergence rate") + 1
    assert table.loc["gd", "left-domain rate"] == 1.0 and table.loc["gd", "divergence rate"] == 0.0
    assert table.loc["rmsprop", "left-domain rate"] == pytest.approx(1 / 3)
    assert table.loc["rmsprop", "final train loss"] == pytest.approx(0.45)  # the median of the runs that count
    assert np.isnan(table.loc["gd", "final train loss"])
    assert "gd" not in winners.values()  # not even "ms / step", where it is the fastest
    assert winners["ms / step"] in ("rmsprop", "adam") and winners["final train loss"] == "adam"
    assert winners["divergence rate"] == "rmsprop"  # gd diverged no more (0 %), but it is out
    assert winners["left-domain rate"] == "adam"
    # without such a run, no such column
    assert "left-domain rate" not in C.metrics_table(rows[rows.label == "adam"], CURVES, None, config("adam"))[0]
    # the table read back from table.csv (descend show) gives the same winners
    assert C.winners(pd.read_csv(pd.io.common.StringIO(table.to_csv()), index_col=0)) == winners


def test_seeds_that_cannot_differ():
    ellipse, digits, saddle = tasks.get("ellipse"), tasks.get("digits"), tasks.get("saddle")
    adam, search = C.parse_optimizer("adam"), C.parse_optimizer("random-search")
    assert not C.seeds_can_differ(ellipse, adam, None)  # full batch, A = 0.1, B = 1.8 for every seed
    assert C.seeds_can_differ(ellipse, adam, 32) and C.seeds_can_differ(ellipse, adam, C.hybrid(32, 8, 512))
    assert not C.seeds_can_differ(ellipse, adam, len(ellipse.data.train))  # a batch of all m samples is GD
    assert C.seeds_can_differ(digits, adam, None)  # the network's initialisation is drawn from the seed
    assert not C.seeds_can_differ(saddle, adam, None)  # no data, a fixed start
    assert C.seeds_can_differ(saddle, search, None)  # random search draws its candidates


def test_the_ellipse_runs_one_seed_per_full_batch_configuration_and_says_why(tmp_path):
    from descend.report.build import write_report

    config_, task = C.resolve("ellipse", steps=20)
    assert config_.seeds == 3 and None in config_.batch_size
    comparison = C.compare(config_, task)
    final = comparison.summary
    seeds = final.groupby(["label", "batch_size", "lr"])["seed"].nunique()
    assert (seeds.xs("full", level="batch_size") == 1).all()
    assert (seeds.drop("full", level="batch_size") == 3).all()
    assert comparison.selection.one_seed == {label: ("full",) for label in ("gd", "momentum", "rmsprop", "adam")}
    (note,) = comparison.table_notes
    assert note.startswith("one seed instead of 3 for gd, momentum, rmsprop, adam at full batch")
    assert "initial parameters do not depend on the seed" in note
    html = write_report(comparison, tmp_path / "report", figures=False, animation=False).read_text()
    assert "one seed instead of 3 for gd, momentum, rmsprop, adam at full batch: it draws no mini-batches" in html


def test_an_unbounded_landscape_says_so_in_the_table_notes():
    selection = select(summary([{"label": "gd", "lr": 0.1, "seed": 0, "loss": -1e3}]))
    unbounded = SimpleNamespace(bounded_below=False)
    assert C.table_notes(selection, unbounded, seeds=1) == [
        "unbounded below: a run that escapes to −∞ is counted as diverged"]
    assert C.table_notes(selection, SimpleNamespace(), seeds=1) == []  # bounded unless the task says otherwise


# -- modes, targets and interruptions (moved from tests/cli, where the command is tested) ----------------------


def test_tuned_mode_selects_on_validation_and_reruns_with_seeds():
    # mini-batches of 16, so that two seeds can differ (at full batch the line's runs would be one seed)
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=3, lr="0.01..0.3:3",
                             steps=30, seeds=2, batch_size="16")
    comparison = C.compare(config, task)
    summary = comparison.summary
    assert (summary[summary.phase == "tuning"].groupby("label").size() == 3).all()
    final = summary[summary.phase == "final"]
    assert (final.groupby("label").size() == 2).all() and (final.groupby("label")["lr"].nunique() == 1).all()
    for label, group in summary[summary.phase == "tuning"].groupby("label"):
        best = group.loc[group["final_validation_loss"].idxmin(), "lr"]
        assert final[final.label == label]["lr"].iloc[0] == best
    assert set(comparison.table.index) == {"gd", "adam"} and "test loss" in comparison.table


def test_target_steps_are_censored_and_divergence_is_a_result():
    config, task = C.resolve("line", optimizers=["gd", "adam"], lr="0.01,5", steps=40, seeds=1, target=0.3)
    comparison = C.compare(config, task)
    summary = comparison.summary
    assert summary[(summary.label == "gd") & (summary.lr == 5)]["diverged"].all()  # GD at α = 5 diverges
    table = comparison.table
    # the row is gd's configuration at lr 0.01, none of whose runs diverged; the per-lr rates are the summary's
    assert table.loc["gd", "lr"] == 0.01 and table.loc["gd", "divergence rate"] == 0.0
    assert summary[summary.label == "gd"].groupby("lr")["diverged"].mean().to_dict() == {0.01: 0.0, 5.0: 1.0}
    assert isinstance(table.loc["gd", "steps to target"], (float, str))
    reached = summary[summary.steps_to_target.notna()]
    assert len(reached)  # somebody reached 0.3


def test_ctrl_c_during_the_warm_up_step_stops_the_comparison():
    """The discarded first step of a comparison passes a Ctrl-C on instead of swallowing it."""
    config, task = C.resolve("line", optimizers=["gd", "adam"], steps=20, seeds=1, lr="0.05")
    fit, calls = task.fit, []

    def interrupt(event):
        raise KeyboardInterrupt

    def first_fit_interrupted(**kwargs):
        if not calls:
            calls.append(kwargs)
            kwargs["progress"] = interrupt
        return fit(**kwargs)

    object.__setattr__(task, "fit", first_fit_interrupted)
    comparison = C.compare(config, task)
    assert comparison.interrupted and len(comparison.summary) == 0 and calls[0]["steps"] == 1
