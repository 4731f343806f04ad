"""descend.compare as a library: the table per selected configuration, statuses, seeds that cannot differ, and
the notes that qualify the table."""

from __future__ import annotations

import dataclasses
import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import descend
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


def test_the_generalisation_gap_is_the_median_of_each_run_s_own_gap():
    # five seeds whose own gaps are mostly positive (median +0.05), though the median test loss is below the median
    # training loss: the difference of the two medians (-0.05) took them from different seeds, and its sign
    train = [0.20, 0.40, 0.30, 0.50, 0.10]
    test = [0.25, 0.22, 0.35, 0.24, 0.26]
    rows = summary([{"label": "gd", "lr": 0.1, "seed": s, "loss": loss} for s, loss in enumerate(train)])
    rows["final_test_loss"] = test
    table, _ = C.metrics_table(rows, CURVES, None, config("gd"))
    gaps = sorted(b - a for a, b in zip(train, test))
    assert table.loc["gd", "generalisation gap"] == pytest.approx(gaps[2]) and gaps[2] > 0
    assert table.loc["gd", "test loss"] - table.loc["gd", "final train loss"] < 0


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
    # its runs have no result, so no time per step (one stopped at step 1 showed its cohort's start-up as 1,144 ms)
    assert np.isnan(table.loc["gd", "ms / step"]) and table.loc["adam", "ms / step"] > 0
    # and it wins nothing its runs measured; the rule's own state (0 bytes) wins whatever its runs did
    assert winners["state bytes / parameter"] == ["gd"]
    assert not any("gd" in won for metric, won in winners.items() if metric not in C.RULE_METRICS)
    assert "ms / step" not in winners and winners["final train loss"] == ["adam"]  # time is shared out: no winner
    assert winners["divergence rate"] == ["rmsprop"]  # gd diverged no more (0 %), but it is out
    assert winners["left-domain rate"] == ["adam"]
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
    (note,) = [n for n in comparison.table_notes if n.startswith("one seed")]
    assert note.startswith("one seed instead of 3 for gd, momentum, rmsprop, adam at full batch")
    assert "initial parameters do not depend on the seed" in note
    html = write_report(comparison, tmp_path / "report", figures=False, animation=False).read_text()
    assert "one seed instead of 3 for gd, momentum, rmsprop, adam at full batch: it draws no mini-batches" in html


def test_an_unbounded_landscape_says_so_in_the_table_notes():
    from descend.landscapes import UNBOUNDED_NOTE

    rows = summary([{"label": "gd", "lr": 0.1, "seed": 0, "loss": -1e3}, {"label": "adam", "lr": 0.1, "seed": 0,
                                                                          "loss": -1.91332}])  # float32's minimum
    selection = select(rows)
    unbounded = SimpleNamespace(bounded_below=False)
    assert C.table_notes(selection, unbounded, seeds=1) == [UNBOUNDED_NOTE]
    assert "10⁶ × max(|J₀|, 1)" in UNBOUNDED_NOTE  # what the rule is: a slow escape may stay within it
    assert C.table_notes(selection, SimpleNamespace(), seeds=1) == []  # bounded unless the task says otherwise
    # McCormick: nesterov escaped along the valley to J = −171, 0 % diverged, and won the training loss
    mccormick = SimpleNamespace(bounded_below=False, known=SimpleNamespace(value=-1.9133))
    assert C.table_notes(selection, mccormick, seeds=1, summary=rows) == [
        UNBOUNDED_NOTE, "gd (J = -1000) ended below the lowest point of the plot domain (J = -1.913): escaping toward "
        "−∞, slower than the divergence rule sees, not a better minimum"]


# -- modes, targets and interruptions (moved from tests/cli, where the command is tested) ----------------------


def _oracle_space(name: str, task) -> str:
    """The lr item of descend.tune's default space for ``name`` on ``task`` (what tuned mode searches)."""
    from descend.tune.space import default_space

    return next(p for p in default_space(name, lr=task.default_lr(name)).params if p.name == "lr").text()


def test_tuned_mode_reruns_the_best_trial_of_a_descend_tune_search():
    import descend

    # mini-batches of 16, so that two seeds can differ (at full batch the line's runs would be one seed); 18
    # trials: two cohorts (16 + 2), the second drawn by TPE's model
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=18, steps=30, seeds=2,
                             batch_size="16")
    comparison = C.compare(config, task)
    summary, search = comparison.summary, comparison.search
    assert set(summary["phase"]) == {"final"}  # the search's trials are in comparison.search, not in the summary
    assert (search.sampler, search.trials_per, search.cohort) == ("tpe", 18, 16)
    for name in ("gd", "adam"):
        oracle = descend.tune(task, optimizer=name, space=_oracle_space(name, task), trials=18, steps=30, seeds=0,
                              batch_size=16, seed=0)
        best = oracle.best[name]
        assert search.spaces[name] == _oracle_space(name, task)
        assert search.chosen[(name, "16")] == {"trial": best["trial"], "value": best["value"],
                                               "params": best["params"]}
        mine = search.trials[search.trials.label == name]
        assert len(mine) == 18 and (mine["state"] == "COMPLETE").all()  # exactly --budget trials
        assert mine["number"].tolist() == list(range(18)) and mine["seed"].tolist() == list(range(18))  # paired
        np.testing.assert_array_equal(mine["lr"].to_numpy(), oracle.trials["lr"].to_numpy())
        final = summary[summary.label == name]
        assert len(final) == 2 and (final["lr"] == best["params"]["lr"]).all()  # the chosen lr, every seed
        assert comparison.table.loc[name, "lr"] == best["params"]["lr"]
    assert set(comparison.table.index) == {"gd", "adam"} and "test loss" in comparison.table
    assert C.mode_text(config) == "tuned (tpe search, 18 trials per optimizer)"
    # each optimizer's own range, named in the report's line (it said "over each optimizer's range" only, and
    # an optimizer the task names no rate for is searched around its own default: a range unlike the others')
    spans = {name: _oracle_space(name, task).removeprefix("lr=").removesuffix(":log") for name in ("gd", "adam")}
    assert spans["gd"] != spans["adam"]
    assert f"log-uniform over {spans['gd']} for gd, {spans['adam']} for adam;" in search.text()
    # an optimizer with fixed options: its range, not the rest of its space ("0.003..30:log, momentum=0.9 for ...")
    search.spaces = {"sgd(momentum=0.9)": "lr=0.003..30:log, momentum=0.9", "adam(beta1=0.5)": "lr=5e-4..5:log, beta1=0.5"}
    assert search.ranges() == "0.003..30 for sgd(momentum=0.9), 5e-4..5 for adam(beta1=0.5)"


def test_tuned_mode_gives_the_same_result_twice():
    def once():
        config, task = C.resolve("line", optimizers=["gd", "momentum"], mode="tuned", budget=5, steps=25,
                                 seeds=2, batch_size="16,full")
        return C.compare(config, task)

    first, second = once(), once()
    assert first.search.chosen == second.search.chosen and len(first.search.chosen) == 4  # 2 optimizers x 2 sizes
    columns = ["label", "batch_size", "number", "lr", "value", "seed"]
    pd.testing.assert_frame_equal(first.search.trials[columns], second.search.trials[columns])
    assert (first.search.trials.groupby(["label", "batch_size"]).size() == 5).all()  # --budget at each batch size
    pd.testing.assert_frame_equal(first.table.drop(columns="ms / step"), second.table.drop(columns="ms / step"))


def test_a_diverging_trial_is_never_chosen_and_a_search_that_only_diverges_is_a_note():
    # gd on the line diverges above α ≈ 1: part of 0.01..100 diverges, all of 20..100 does
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=6, steps=40, seeds=1,
                             lr="0.01..100")
    comparison = C.compare(config, task)
    trials = comparison.search.trials
    gd = trials[trials.label == "gd"]
    assert (gd["status"] == "diverged").any() and (gd["status"] == "ok").any()
    chosen = comparison.search.chosen[("gd", "full")]
    assert gd.set_index("number").loc[chosen["trial"], "status"] == "ok" and np.isfinite(chosen["value"])
    assert comparison.table.loc["gd", "divergence rate"] == 0.0

    # every trial diverged: the optimizer had no row in the table, the JSON or the winners (as if the comparison
    # held one optimizer fewer); its row is the lowest rate tried, re-run with every seed, and a note says so
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=3, steps=40, seeds=2,
                             lr="20..100")
    comparison = C.compare(config, task)
    gd = comparison.search.trials[comparison.search.trials.label == "gd"]
    assert (gd["status"] == "diverged").all() and len(gd) == 3
    chosen = comparison.search.chosen[("gd", "full")]
    assert chosen["diverged"] and chosen["params"]["lr"] == gd["lr"].min() and chosen["value"] is None
    assert comparison.table.loc["gd", "divergence rate"] == 1.0 and "adam" in comparison.winners["divergence rate"]
    lowest = f"{gd['lr'].min():.4g}"
    assert comparison.notes == [f"gd: every trial of the learning-rate search diverged; its row is the lowest rate "
                                f"tried (lr={lowest}), re-run with every seed"]
    assert "(where every trial diverged, the lowest rate tried)" in comparison.search.text()
    from descend.report.build import records

    assert comparison.notes[0] in records(comparison)["notes"]  # the --json file says it too
    # of several batch sizes, the row is the selection's choice among them: a note said "its row is" the failed
    # search's lowest rate while the row came from another batch size's search
    config, task = C.resolve("line", optimizers=["gd"], mode="tuned", budget=3, steps=20, seeds=1, lr="20..100",
                             batch_size="full,32")
    notes = C.compare(config, task).notes
    assert [n.split(";")[0] for n in notes] == [f"gd: every trial of the learning-rate search diverged at batch size "
                                                f"{b}" for b in ("full", "32")]
    assert all("the lowest rate tried there (lr=" in n and "its row" not in n for n in notes)


def test_a_tuned_search_whose_trials_left_the_domain_says_so_not_that_they_diverged():
    """Every trial of AdaGrad's search left the ellipse's domain: the note and the report said "every trial of the
    learning-rate search diverged", beside a table at 0 % diverged and 100 % left the domain."""
    config, task = C.resolve("ellipse", optimizers=["adagrad", "rmsprop"], mode="tuned", budget=2, steps=100,
                             seeds=1, lr="0.03..0.032", batch_size=["1"])
    comparison = C.compare(config, task)
    ada = comparison.search.trials[comparison.search.trials.label == "adagrad"]
    assert (ada["status"] == "left-domain").all()
    assert comparison.notes == ["adagrad: every trial of the learning-rate search left the model's domain; its row is "
                                "the lowest rate tried (lr=0.03), re-run with every seed"]
    assert "(where every trial left the model's domain, the lowest rate tried)" in comparison.search.text()
    assert C._failed_words(ada.assign(status=["diverged", "left-domain"])) == "diverged or left the model's domain"


def test_a_tuned_search_on_a_landscape_says_it_chose_on_the_training_loss_and_names_what_it_did_not_search(
        tmp_path):
    """A landscape has no validation split: the search chose on the training loss and said "the best trial on
    validation loss"; random search, never searched, was counted among the optimizers of "for every optimizer"."""
    config, task = C.resolve("x**2 + 3*y**2", optimizers=["gd", "random-search"], mode="tuned", budget=3,
                             steps=20, seeds=1)
    comparison = C.compare(config, task)
    found = comparison.search
    assert found.objective == "final_train_loss" and found.unsearched == ["random-search"]
    text = found.text()
    assert "the best trial on training loss" in text and "validation" not in text
    assert "for gd" in text and "for every optimizer" not in text and "random-search not searched" in text
    assert C.Search.from_dict(found.to_dict()).text() == text


def test_tuned_mode_searches_with_the_comparisons_schedule():
    def trials(schedule):
        config, task = C.resolve("line", optimizers=["gd"], mode="tuned", budget=3, steps=30, seeds=1,
                                 schedule=schedule)
        return C.compare(config, task).search.trials

    plain, cosine = trials(None), trials("cosine")
    assert plain["lr"].tolist() == cosine["lr"].tolist()  # the same trials, trained with the schedule
    assert not np.allclose(plain["value"].to_numpy(), cosine["value"].to_numpy())


def test_a_loss_given_in_place_of_the_tasks_own_has_its_card_answer_and_surface():
    """--loss mse on bbox: the card said "loss: bbox" and its baseline, a sum over the box's four numbers, made the
    table look 17x better than it, not 4.4x; --loss mae on the line drew the MSE's bowl, marked the least-squares
    solution and measured each run's distance to it."""
    import torch

    from descend import losses

    _, bbox = C.resolve("bbox", optimizers=["adam"], loss="mse", steps=5, seeds=1)
    assert bbox.loss == "mse" and "loss:       mse" in bbox.card()
    assert [key for key, _ in bbox.facts] == ["own loss"]
    assert dict(bbox.facts)["own loss"] == ("bbox: the task's description and lr range are of that loss, not of mse; "
                                            "its baseline is too, and left out")
    _, line = C.resolve("line", optimizers=["adam"], loss="mae", steps=5, seeds=1)
    assert line.known is None and line.surface.points == ()
    assert dict(line.facts)["own loss"] == ("mse: the task's description, lr range and known lrs are of that loss, "
                                            "not of mae; its least-squares solution and Hessian are too, and left out")
    own = tasks.get("line")
    x, y = own.data.train.x.double()[:, 0], own.data.train.y.double().reshape(-1)
    w, b = torch.tensor([[1.5]], dtype=torch.float64), torch.tensor([[-0.25]], dtype=torch.float64)
    expected = losses.mae(1.5 * x - 0.25, y).item()
    assert line.surface.cost(w, b).item() == pytest.approx(expected, rel=1e-12)
    assert own.surface.cost(w, b).item() == pytest.approx(losses.mse(1.5 * x - 0.25, y).item(), rel=1e-12)
    _, same = C.resolve("line", optimizers=["adam"], loss="mse", steps=5, seeds=1)
    assert same.known is not None and "own loss" not in dict(same.facts)
    _, half = C.resolve("line", optimizers=["adam"], loss="half-mse", steps=5, seeds=1)  # the MSE's minimum
    assert half.known.points == own.known.points and half.known.value is None and half.surface.points
    assert dict(half.facts)["own loss"].endswith("; its Hessian is too, and left out")
    fitted = descend.fit(task="line", loss="mae", optimizer="adam", lr=0.05, steps=5)  # descend.fit alike
    assert "distance" not in fitted.summary
    _, ellipse = C.resolve("ellipse", optimizers=["adam"], loss="mae", steps=5, seeds=1)
    assert ellipse.known is not None and ellipse.known.label.startswith("ground truth")  # no loss moves it


def test_a_schedule_or_hybrid_that_the_budget_does_not_fit_is_said():
    """A one_cycle of 1000 steps over a budget of 50 trained at 4-10 % of its peak, a step schedule of 1000 steps
    never moved the rate, a hybrid never reached its later batches under its hybrid label: without a word."""
    notes = {}
    for name, kw in {"long": dict(steps=50, schedule="one_cycle:total_steps=1000"),
                     "short": dict(steps=500, schedule="cosine:total_steps=100"),
                     "still": dict(steps=50, schedule="step:step_size=1000"),
                     "constant": dict(steps=50, schedule="constant"),
                     "fits": dict(steps=50, schedule="cosine"),
                     "epochs": dict(epochs=3, schedule="multistep:milestones=10;20", batch_size="full,8")}.items():
        config, task = C.resolve("iris" if name == "epochs" else "line", optimizers=["adam"], seeds=1, **kw)
        notes[name] = C._schedule_notes(config, task)
    assert notes["long"] == ["the schedule one_cycle:total_steps=1000 lasts 1000 steps and the budget 50: the runs "
                             "train its first 5 %"]
    assert notes["short"] == ["the schedule cosine:total_steps=100 lasts 100 steps and the budget 500: from step 100 "
                              "on, the rate stays where the schedule ends"]
    assert notes["still"] == ["the schedule step:step_size=1000 never changes the learning rate within the budget's "
                              "steps (50): the runs train as with a constant rate"]
    assert notes["constant"] == notes["fits"] == []
    assert notes["epochs"] == ["the schedule multistep:milestones=10;20 never changes the learning rate within the "
                               "budget's steps (3 at batch full): the runs at batch full train as with a constant "
                               "rate"]
    config, task = C.resolve("ellipse", optimizers=["adam"], batch_size="hybrid", epochs=4, seeds=1)
    assert C._schedule_notes(config, task) == [
        "the batch size hybrid(32,8,512) never reaches its batches of 512 within the budget (they begin after 8 "
        "epochs): its runs train with batches of 32 throughout"]
    config, task = C.resolve("ellipse", optimizers=["adam"], batch_size="hybrid", epochs=9, seeds=1)
    assert C._schedule_notes(config, task) == []
    config, task = C.resolve("iris", optimizers=["adam"], batch_size="hybrid(8,5,full)", epochs=3, seeds=1)
    assert C._schedule_notes(config, task) == [
        "the batch size hybrid(8,5,full) never reaches its full batches within the budget (they begin after 5 "
        "epochs): its runs train with batches of 8 throughout"]


def test_under_an_epochs_budget_each_batch_size_s_schedule_lasts_its_own_steps():
    """--epochs with --schedule cosine was refused, and cosine:total_steps=65 (the refusal's advice) was one schedule
    for every batch size: at batch 1 (450 steps in 5 epochs of iris) the rate was 0 from step 65 on, at the full
    batch (5 steps) it hardly annealed, without a word. Each batch size's cosine now lasts its own steps, as a run of
    descend.fit given that schedule; a total_steps given is kept, and the report says where it ends elsewhere."""
    from descend.schedules import cosine

    config, task = C.resolve("iris", optimizers=["sgd"], lr="0.05", batch_size="7,full", epochs=3, seeds=1,
                             schedule="cosine")
    comparison = C.compare(config, task)
    summary = comparison.summary.set_index("batch_size")
    for batch, size, steps in (("7", 7, 39), ("full", None, 3)):
        alone = task.fit(optimizer="sgd", lr=0.05, batch_size=size, epochs=3, seed=0,
                         schedules={"lr": cosine(1.0, total_steps=steps)})
        assert summary.loc[batch, "steps_done"] == steps
        assert summary.loc[batch, "final_train_loss"] == alone.summary["final_train_loss"].iloc[0]
    given, _ = C.resolve("iris", optimizers=["sgd"], lr="0.05", batch_size="7,full", epochs=3, seeds=1,
                         schedule="cosine:total_steps=39")
    assert C._schedule_notes(given, task) == [
        "the schedule cosine:total_steps=39 lasts 39 steps at every batch size, where 3 epochs take 3 at batch full: "
        "give it without total_steps for each batch size's own number of steps"]
    assert C._schedule_notes(config, task) == []
    tuned, _ = C.resolve("iris", optimizers=["sgd"], mode="tuned", budget=2, batch_size="full", epochs=3, seeds=1,
                         schedule="cosine")
    trial = C.compare(tuned, task).search.trials.iloc[0]  # trial 0 trains from seed 0
    alone = task.fit(optimizer="sgd", lr=float(trial["lr"]), batch_size=None, epochs=3, seed=0,
                     schedules={"lr": cosine(1.0, total_steps=3)})
    assert trial["value"] == pytest.approx(alone.summary["final_validation_loss"].iloc[0], rel=1e-6)


@pytest.mark.parametrize("lr", ["0.1", "0.1,0.1"])
def test_tuned_mode_refuses_an_lr_that_bounds_no_range(lr):
    if "," in lr:  # a rate given twice is refused as the flag is read, in every mode
        with pytest.raises(ValueError, match=r"^--lr 0\.1,0\.1: 0\.1 is given twice"):
            C.resolve("line", optimizers=["gd"], mode="tuned", budget=3, steps=5, lr=lr)
        return
    with pytest.raises(ValueError, match=r"^--lr 0\.1: --mode tuned searches the learning rate between"):
        C.resolve("line", optimizers=["gd"], mode="tuned", budget=3, steps=5, lr=lr)  # before any output
    config, task = C.resolve("line", optimizers=["gd"], mode="tuned", budget=3, steps=5, lr="0.1,1")
    config = dataclasses.replace(config, lr=(0.1,))  # a configuration made otherwise: compare refuses it too
    fit = task.fit

    def never(**kwargs):  # the refusal comes before any training
        raise AssertionError("trained")

    object.__setattr__(task, "fit", never)
    with pytest.raises(ValueError, match=r"^--lr 0\.1(,0\.1)?: --mode tuned searches the learning rate between"):
        C.compare(config, task)
    object.__setattr__(task, "fit", fit)


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


def test_a_row_whose_runs_were_all_cut_short_wins_nothing():
    """Runs cut short by an interruption have no result (descend.outcomes): a row of them wins no metric, even
    one its numbers would win (its distance), as a row whose runs all diverged; and the one row with results wins
    each metric (it won the distance, where the other row had a number, but not the training loss, where the other
    had none: an optimizer whose rival diverged everywhere won nothing but the divergence rate)."""
    table = pd.DataFrame({"final train loss": [0.5, np.nan], "distance to answer": [2.0, 1.0],
                          "interrupted rate": [0.0, 1.0]}, index=pd.Index(["adam", "sgd"], name="optimizer"))
    assert C.winners(table) == {"final train loss": ["adam"], "distance to answer": ["adam"]}
    diverged = pd.DataFrame({"final train loss": [0.5, np.nan], "divergence rate": [0.0, 1.0]},
                            index=pd.Index(["adam", "gd"], name="optimizer"))
    assert C.winners(diverged) == {"final train loss": ["adam"], "divergence rate": ["adam"]}
    assert C.winners(diverged.loc[["adam"]]) == {}  # one optimizer: nothing to win against


def test_labels_that_tie_all_win():
    """A tie named only the first row: three optimizers at a divergence rate of 0 % gave "sgd" alone."""
    table = pd.DataFrame({"final train loss": [0.5, 0.2, 0.2, 0.9], "divergence rate": [0.0, 0.0, 0.5, 0.0],
                          "test accuracy": [0.9, 0.95, 0.95, 0.95]},
                         index=pd.Index(["sgd", "momentum", "rmsprop", "adam"], name="optimizer"))
    assert C.winners(table.assign(**{"divergence rate": [0.0, 0.0, 0.25, 0.0]})) == {
        "final train loss": ["momentum", "rmsprop"], "divergence rate": ["sgd", "momentum", "adam"],
        "test accuracy": ["momentum", "rmsprop", "adam"]}
    # half of rmsprop's runs diverged: the rule scores its median +∞ (no result), so it wins nothing
    assert C.winners(table) == {"final train loss": ["momentum"], "divergence rate": ["sgd", "momentum", "adam"],
                                "test accuracy": ["momentum", "adam"]}


def test_a_row_most_of_whose_runs_failed_wins_nothing_as_the_rule_gives_it_no_result():
    """Adam with 3 of 5 runs out of the ellipse's domain (median score +∞ by the selection's rule) was starred best
    in every loss for the medians of its two survivors, beside AdaDelta's five finished runs."""
    from descend.selection import without_result

    table = pd.DataFrame({"final train loss": [0.01, 0.28], "test loss": [0.02, 0.3], "divergence rate": [0.0, 0.0],
                          "left-domain rate": [0.6, 0.0]}, index=pd.Index(["adam", "adadelta"], name="optimizer"))
    assert C.winners(table) == {"final train loss": ["adadelta"], "test loss": ["adadelta"],
                                "left-domain rate": ["adadelta"]}
    assert without_result(0.5) and without_result(0.6) and not without_result(0.4)


def test_values_equal_within_round_off_tie_and_a_metric_all_tie_on_has_no_winner():
    """Winners were declared on float noise: five optimizers at 0.2447 differing by 1.5e-8, distances of 1.4e-45
    and 2.8e-45 (float32 subnormals)."""
    import pandas as pd

    table = pd.DataFrame({"final train loss": [0.24470001, 0.2447, 0.24470002], "distance to answer": [1.4e-45,
                          2.8e-45, 0.5], "test loss": [0.3, 0.2, 0.2000000001]}, index=["gd", "adam", "rmsprop"])
    won = C.winners(table)
    assert "final train loss" not in won
    assert won["distance to answer"] == ["gd", "adam"] and won["test loss"] == ["adam", "rmsprop"]


def test_a_value_eight_times_smaller_wins_however_small_both_are():
    """Any two values below 1e-30 tied: gd's final loss 2.3e-34 and momentum's 1.9e-33 (float32 normal numbers, from
    x² + y² started at 1e-16) were starred neither, and beside a worse third both were starred."""
    import pandas as pd

    table = pd.DataFrame({"final train loss": [2.3058e-34, 1.8865e-33, 0.5]}, index=["gd", "momentum", "adam"])
    assert C.winners(table)["final train loss"] == ["gd"]
    assert C.winners(table.iloc[:2])["final train loss"] == ["gd"]


def test_the_generalisation_gap_is_shown_and_won_by_no_one():
    """The smallest |gap| won, in bold: SGD at its default rate 0.001 on iris learned almost nothing (train loss
    0.94, test accuracy 50 %) and won the gap, 0.0018, beside optimizers that fit the data."""
    table = pd.DataFrame({"final train loss": [0.94, 0.06, 0.05], "generalisation gap": [0.0018, 0.15, 0.2]},
                         index=pd.Index(["sgd", "adam", "rmsprop"], name="optimizer"))
    assert C.winners(table) == {"final train loss": ["rmsprop"]}
    assert C.METRICS["generalisation gap"] is None


def test_a_difference_within_the_seeds_spread_names_no_single_winner():
    """Momentum's median test loss 0.3141 was starred against SGD's 0.3148, momentum's own seeds spreading from 0.3137
    to 0.3184: medians alone named a winner the seeds do not tell apart. A row whose seeds' interquartile range
    overlaps the best's wins with it; one whose range lies beyond it does not; when every row overlaps, no one wins
    (the quartiles by hand: three values a ≤ b ≤ c give a + (b − a)/2 and b + (c − b)/2)."""
    table = pd.DataFrame({"test loss": [0.3148, 0.3141, 0.36], "validation loss": [0.29, 0.27, 0.28]},
                         index=pd.Index(["sgd", "momentum", "adam"], name="optimizer"))
    seeds = {"sgd": [0.3146, 0.3148, 0.3150], "momentum": [0.3137, 0.3141, 0.3184], "adam": [0.35, 0.36, 0.37]}
    quartiles = {label: (a + (b - a) / 2, b + (c - b) / 2) for label, (a, b, c) in seeds.items()}
    ranges = {"test loss": quartiles, "validation loss": {"sgd": (0.28, 0.30), "momentum": (0.26, 0.285),
                                                         "adam": (0.27, 0.29)}}
    assert C.winners(table) == {"test loss": ["momentum"], "validation loss": ["momentum"]}
    assert C.winners(table, ranges) == {"test loss": ["sgd", "momentum"]}  # validation: every range overlaps
    apart = {"test loss": {**quartiles, "sgd": (0.3170, 0.3190)}}  # momentum's upper quartile is 0.31625
    assert C.winners(table, apart)["test loss"] == ["momentum"]
    # the quartiles seed_ranges computes from a summary, and the note that says which metrics they decided
    import descend.selection as S

    rows = [dict(label=label, optimizer=label, seed=seed, lr=0.1, batch_size="16", phase="final",
                 final_train_loss=0.1, best_train_loss=0.1, final_test_loss=value, status="ok", steps_done=10,
                 seconds=0.01) for label, values in seeds.items() for seed, value in enumerate(values)]
    summary = pd.DataFrame(rows).rename_axis("run")
    got = C.seed_ranges(summary, CURVES, S.select(summary))["test loss"]
    assert got.keys() == quartiles.keys()
    assert all(got[label] == pytest.approx(quartiles[label], rel=1e-12) for label in quartiles)
    (note,) = C._spread_note(table, ranges)
    assert "less than the spread between seeds: test loss (sgd, momentum); and every optimizer's" in note
    assert note.endswith("so no one wins validation loss")
    # a row without a result (two of three seeds diverged) neither ties by its survivor's range nor takes a win away
    failed = pd.DataFrame({"test loss": [0.30, 0.29], "divergence rate": [2 / 3, 0]}, index=["sgd", "adam"])
    assert C.winners(failed, {"test loss": {"sgd": (0.30, 0.30), "adam": (0.28, 0.31)}}) == {
        "test loss": ["adam"], "divergence rate": ["adam"]}


def test_the_one_configuration_that_reached_the_target_wins_steps_and_epochs_to_target():
    """Adam reached --target at step 21, SGD did not ("> 68"): the metric named no winner (one number left)."""
    table = pd.DataFrame({"steps to target": ["> 68", 21.0, "> 68"], "epochs to target": [C.NOT_REACHED, 0.62,
                          C.NOT_REACHED], "divergence rate": [0.0, 0.0, 0.0]}, index=["sgd", "adam", "gd"])
    won = C.winners(table)
    assert won["steps to target"] == ["adam"] and won["epochs to target"] == ["adam"]
    table = pd.DataFrame({"steps to target": ["> 68", "> 68"], "epochs to target": [C.NOT_REACHED] * 2},
                         index=["sgd", "adam"])
    assert C.winners(table) == {}  # none reached it: no winner
    table = pd.DataFrame({"steps to target": [30.0, 21.0, "> 68"]}, index=["sgd", "adam", "gd"])
    assert C.winners(table) == {"steps to target": ["adam"]}


def test_a_target_no_one_reached_is_not_won_and_the_rates_of_a_failed_row_still_compete():
    """SGD all diverged, Adam never reached --target: Adam, the only row with a result, won "steps to target" with
    "> 200"; and SGD at 100 % diverged against Adam and AdamW at 0 % named no winner of the divergence rate (the
    failed row left out, the two 0 % a tie of everyone)."""
    table = pd.DataFrame({"final train loss": [math.nan, 0.9], "steps to target": [math.nan, "> 200"],
                          "epochs to target": [math.nan, C.NOT_REACHED], "divergence rate": [1.0, 0.0]},
                         index=["sgd", "adam"])
    assert C.winners(table) == {"final train loss": ["adam"], "divergence rate": ["adam"]}
    table = pd.DataFrame({"final train loss": [math.nan, 0.9, 0.8], "divergence rate": [1.0, 0.0, 0.0]},
                         index=["sgd", "adam", "adamw"])
    assert C.winners(table) == {"final train loss": ["adamw"], "divergence rate": ["adam", "adamw"]}


@pytest.mark.parametrize("sgd, said, winner", [([10, 12, None], 12, None), ([10, None, None], "> 100", "adam")])
def test_a_seed_that_diverged_before_the_target_missed_it(sgd, said, winner):
    """SGD's seeds reached the target at steps 10 and 12 and its third diverged at step 5: its steps to target
    were 11 (the median of the two that finished). A seed that missed counts as beyond the budget: the median is 12,
    against Adam's 21; with two of three missing it is beyond the budget ("> 100", which showed for one missing of
    five, whose median the seeds decide). With one of three missing, SGD's upper quartile is beyond the budget,
    overlapping Adam's seeds (20 to 22): no one wins; with two, SGD has no number of steps and Adam wins."""
    config, task = C.resolve("iris", optimizers=["sgd", "adam"], target=0.5, seeds=3, lr="0.1", batch_size="16",
                             steps=100)
    rows = []
    for label, reached in (("sgd", sgd), ("adam", [20, 21, 22])):
        for seed, at in enumerate(reached):
            failed = at is None
            rows.append(dict(label=label, optimizer=label, seed=seed, lr=0.1, batch_size="16", phase="final",
                             final_train_loss=math.nan if failed else 0.3, best_train_loss=math.nan if failed else 0.3,
                             steps_to_target=at, status="diverged" if failed else "ok", status_at=5 if failed else None,
                             steps_done=5 if failed else 100, seconds=0.01))
    summary = pd.DataFrame(rows).rename_axis("run")
    table, won = C.metrics_table(summary, pd.DataFrame(columns=["run", "step", "epoch", "split", "metric", "value"]),
                                 task, config)
    assert table.loc["sgd", "steps to target"] == said and table.loc["adam", "steps to target"] == 21
    assert (table.loc["sgd", "epochs to target"] == C.NOT_REACHED) == (said == "> 100")
    assert won.get("steps to target") == (None if winner is None else [winner])


def test_epochs_to_target_of_a_run_that_reached_it_at_the_last_evaluation():
    """A run whose training loss reached the target only after its last update (the final evaluation) had no
    batch row at that step: its epochs to target were dropped (an empty cell, no winner)."""
    config, task = C.resolve("line", optimizers=["gd", "adam"], lr="0.1", batch_size="full", steps=10, target=0.9,
                             seeds=1)
    comparison = C.compare(config, task)
    assert comparison.table.loc["gd", "steps to target"] == 10 and comparison.table.loc["gd", "epochs to target"] == 10
    assert comparison.winners["epochs to target"] == ["gd"]


def test_two_hybrid_regimes_differing_in_their_epochs_are_two_configurations():
    """hybrid(16,1,full) and hybrid(16,4,full) were both labelled hybrid(16→full): one configuration of both's
    runs, its medians mixing them."""
    config, task = C.resolve("line", optimizers=["gd"], lr="0.1", batch_size="hybrid(16,1,full),hybrid(16,4,full)",
                             steps=30, seeds=1)
    comparison = C.compare(config, task)
    assert sorted(set(comparison.summary["batch_size"])) == ["hybrid(16 for 1 epoch→full)",
                                                              "hybrid(16 for 4 epochs→full)"]


def test_steps_to_target_is_a_median_over_the_runs_with_a_result():
    """A run that diverged (every other cell of its row "—") showed 0 steps to target, and "> N" counted the step
    a diverged run stopped at as the budget."""
    config, task = C.resolve("x**2 + y**2", optimizers=["gd", "adam"], lr="1.5", start=(0.1, 0.1), steps=40,
                             target=0.05, seeds=1)
    table = C.compare(config, task).table
    assert table.loc["gd", "divergence rate"] == 1.0 and math.isnan(table.loc["gd", "steps to target"])
    assert table.loc["adam", "steps to target"] == 0


@pytest.mark.parametrize("where", ["sorting the runs", "choosing the representatives"])
def test_a_ctrl_c_after_training_keeps_every_run_that_finished(where, monkeypatch):
    """A Ctrl-C in the moment after training (the bar at 100 %) dropped the runs not yet sorted into the summary
    (a report of 3 of 4 optimizers, the fourth's runs silently gone) or, later, ended the command with nothing."""
    import os
    import signal

    calls = {"n": 0}
    if where == "sorting the runs":
        batch_label = C.batch_label

        def labelling(*args, **kwargs):  # the runs are labelled one by one as they are sorted
            calls["n"] += 1
            if calls["n"] == 3:
                os.kill(os.getpid(), signal.SIGINT)
            return batch_label(*args, **kwargs)

        monkeypatch.setattr(C, "batch_label", labelling)
    else:
        select = C.select

        def choosing(*args, **kwargs):
            os.kill(os.getpid(), signal.SIGINT)
            return select(*args, **kwargs)

        monkeypatch.setattr(C, "select", choosing)
    config, task = C.resolve("line", optimizers=["gd", "momentum", "adam"], lr="0.01,0.1", steps=5, seeds=1)
    comparison = C.compare(config, task)
    assert len(comparison.summary) == 6 and set(comparison.summary["label"]) == {"gd", "momentum", "adam"}
    assert (comparison.summary["status"] == "ok").all() and comparison.curves["run"].nunique() == 6
    assert comparison.interrupted == (where == "sorting the runs")  # a Ctrl-C after everything: nothing cut


def test_a_ctrl_c_between_two_batch_sizes_searches_says_which_an_optimizer_lacks(monkeypatch):
    """Tuned mode searches one batch size after another: a Ctrl-C in adam's second search left adam compared at
    the full batch only, against gd's best of both, and the only note counted runs."""
    import os
    import signal

    search, calls = C.search, []

    def searching(spec, task, config, b, **kwargs):
        calls.append((spec.label, C.batch_label(b)))
        if len(calls) == 4:  # adam at batch 32
            os.kill(os.getpid(), signal.SIGINT)
        return search(spec, task, config, b, **kwargs)

    monkeypatch.setattr(C, "search", searching)
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=2, steps=10, seeds=1,
                             batch_size="full,32")
    comparison = C.compare(config, task)
    assert comparison.interrupted and calls[-1] == ("adam", "32")
    assert set(comparison.summary.loc[comparison.summary.label == "adam", "batch_size"]) == {"full"}
    assert "adam has no runs at batch size 32 (the comparison stopped before it): its row is chosen among full " \
           "only" in comparison.notes
    assert not any(n.startswith("gd has no runs") for n in comparison.notes)


def test_a_run_that_found_the_other_answer_of_the_ellipse_is_named_in_a_note():
    """Momentum and Adam at batch 32 ended at the mirror answer (−A, B), reported with a distance as small as the
    ground truth's and no word: seed 004 says every optimizer ends near A = 1.26."""
    config, task = C.resolve("ellipse", optimizers=["momentum", "adam", "gd"], lr="0.01", batch_size="32", seeds=1)
    comparison = C.compare(config, task)
    ends = {label: np.asarray(comparison.paths[run])[-1] for run, label in
            comparison.selection.representatives().items()}
    mirrored = [label for label, end in ends.items() if end[0] < 0]
    notes = [n for n in comparison.table_notes if "ended nearest" in n]
    if mirrored:
        assert len(notes) == 1 and notes[0].startswith(", ".join(mirrored) + " ended nearest (w_a = -1.262"), notes
        assert "−A is as good" in notes[0]
    else:
        assert notes == []
    assert any(end[0] < 0 for end in ends.values()) and any(end[0] > 0 for end in ends.values()), ends


def test_compare_given_a_config_not_yet_resolved_says_so():
    """Config.from_dict(...) handed to compare() was a bare TypeError ('NoneType' object is not iterable)."""
    given = C.Config.from_dict({"task": "line", "steps": 5, "seeds": 1, "lr": "0.1"})
    with pytest.raises(ValueError, match=r"config has not been resolved .*config, task = config\.resolved\(\)"):
        C.compare(given, tasks.get("line"))
    resolved, task = given.resolved()
    assert len(C.compare(resolved, task).summary) == 4  # gd, momentum, rmsprop and adam at one rate


@pytest.mark.parametrize("mode", ["tuned", "same-lr"])
def test_the_trainings_planned_are_the_trainings_done(mode):
    """With random search in tuned mode (no learning rate, so no search) the progress bar ended at 83-88 %: its
    whole counted a search for every optimizer."""
    config, task = C.Config.from_dict({"task": "line", "optimizer": ["adam", "random-search"], "mode": mode,
                                       "steps": 5, "seeds": 1, "lr": "0.01,0.1", "batch_size": "full,16",
                                       **({"budget": 2} if mode == "tuned" else {})}).resolved()
    done = []
    C.compare(config, task, progress=lambda e: done.append(e.get("members", 1)) if e["step"] == e["steps"] else None)
    assert sum(done) == C.trainings(config) == (6 if mode == "tuned" else 4)


def test_a_comparisons_repr_is_one_line():
    """The dataclass's repr printed every run's path and the tables: 220,000 characters for the ellipse's default
    comparison, in a notebook's output."""
    config_, task = C.resolve("rosenbrock", optimizers=["adam", "sgd"], steps=5, seeds=1, lr="0.003,0.01,0.1")
    text = repr(C.compare(config_, task))
    assert text == "<Comparison: rosenbrock, same-lr mode, 6 runs of adam, sgd>", text
    # what the command line prints after its table is said to be there (a notebook showed nothing of it)
    config_, task = C.resolve("iris", optimizers=["adam"], steps=5, seeds=1, lr="0.01")
    text = repr(C.compare(config_, task))
    assert text.endswith("; data: baseline (.task.facts)>") and "note" not in text, text
    comparison = C.compare(*C.resolve("rosenbrock", optimizers=["adam"], steps=5, seeds=2, lr="0.01"))
    assert len(comparison.table_notes) == 1 and not comparison.notes  # one seed where seeds cannot differ
    assert repr(comparison).endswith("; 1 note (.table_notes, .notes)>"), repr(comparison)


@pytest.mark.parametrize("mode", ["same-lr", "tuned"])
def test_a_schedule_applies_to_the_optimizers_with_a_learning_rate_and_random_search_trains_without_it(mode):
    """--schedule with -o random-search failed once training had started, in the engine's words ("unknown scheduled
    hyperparameter for random-search 'lr'"), and took the other optimizers' runs with it."""
    config, task = C.resolve("line", optimizers=["gd", "random-search"], mode=mode, lr="0.01,0.1", steps=5, seeds=1,
                             schedule="cosine", **({"budget": 2} if mode == "tuned" else {}))
    result = C.compare(config, task)
    final = result.summary[result.summary["phase"] == "final"]
    assert set(final["optimizer"]) == {"gd", "random-search"}
    assert "random-search has no learning rate for the schedule cosine to multiply: trained without it" in \
        result.notes, result.notes
    alone = C.compare(*C.resolve("line", optimizers=["gd"], lr="0.01,0.1", steps=5, seeds=1))
    scheduled = final[final["optimizer"] == "gd"] if mode == "same-lr" else None
    if scheduled is not None:  # gd's runs still follow the schedule: not the runs without one
        assert not np.allclose(scheduled["final_train_loss"].to_numpy(),
                               alone.summary["final_train_loss"].to_numpy())


def test_random_search_trains_without_the_clipping_and_says_so():
    """Its rows wrote clip_norm 1.0 and clip_value 0.5, clipping it never applied: it computes no gradient."""
    config, task = C.resolve("line", optimizers=["gd", "random-search"], lr="0.1", steps=5, seeds=1, clip_norm=1.0,
                             clip_value=0.5)
    result = C.compare(config, task)
    rows = result.summary.set_index("optimizer")
    assert rows.loc["gd", "clip_norm"] == 1.0 and rows.loc["gd", "clip_value"] == 0.5
    assert pd.isna(rows.loc["random-search", "clip_norm"]) and pd.isna(rows.loc["random-search", "clip_value"])
    assert "random-search computes no gradient for the clipping to clip: trained without it" in result.notes


def test_seeds_of_a_module_that_draws_random_numbers_can_differ():
    """A module's dropout draws its masks from the runs' seeds: at a full batch, with the module's own initial values,
    compare ran one seed and said every seed would give the same run."""
    import torch

    from descend.data import as_dataset, split
    from descend.models import ModuleModel
    from descend.tasks.task import Task

    x, y = torch.randn(48, 3), torch.randn(48, 1)
    net = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(16, 1))
    task = Task(name="mine", title="mine", summary="", description="", model=ModuleModel(net, init="module"),
                data=split(as_dataset(x, y), validation=0.2, test=0.0), loss="mse", kind="regression", steps=20,
                lr_range=(1e-3, 1e-1))
    assert C.seeds_can_differ(task, C.parse_optimizer("adam"), None)


def test_a_learning_rate_chosen_at_an_end_of_what_was_tried_is_said():
    """SGD's chosen rate was the largest of its grid (1.0 of 1e-3..1) and tuned mode's 0.518 sat near the top of
    1e-4..1, each without a word, though a rate beyond it may do better; a rate inside the grid, or a row without a
    result (chosen by the order its rates ran in), says nothing."""
    import descend.selection as S

    def row(label, lr, seed=0, status="ok"):
        return dict(label=label, optimizer=label, seed=seed, lr=lr, batch_size="16", phase="final",
                    final_train_loss=0.1, final_validation_loss={0.01: 0.5, 0.1: 0.3, 1.0: 0.2}[lr] if label == "sgd"
                    else {0.01: 0.4, 0.1: 0.1, 1.0: 0.3}[lr], status=status, steps_done=10, seconds=0.01)

    rows = [row(label, lr) for label in ("sgd", "adam") for lr in (0.01, 0.1, 1.0)]
    rows += [row("gd", lr, status="diverged") for lr in (0.01, 0.1, 1.0)]
    summary = pd.DataFrame(rows).rename_axis("run")
    (note,) = C._edge_notes(S.select(summary), summary, None)
    assert note.startswith("the learning rate chosen for sgd (1) is the largest of the rates run: a larger one")
    # tuned mode: the range searched, read from the search's own record of it
    search = C.Search(sampler="tpe", seed=0, trials_per=7, cohort=7, batch_sizes=1,
                      spaces={"sgd": "lr=0.0001..1:log", "adam": "lr=1e-05..0.1:log"},
                      chosen={("sgd", "16"): {"trial": 3, "value": 0.2, "params": {"lr": 0.518}},
                              ("adam", "16"): {"trial": 2, "value": 0.1, "params": {"lr": 0.001}}})
    tuned = summary[summary["lr"] == 0.1].assign(lr=[0.518, 0.001, 0.001])
    (note,) = C._edge_notes(S.select(tuned), tuned, search)
    assert note.startswith("the learning rate chosen for sgd (0.518) is near the top of the range searched (0.0001..1):"
                           " a larger one may do better")


def _grams(tmp_path):
    """A regression CSV of masses in grams (mean about 300, sd about 40), as a reader's file would hold them."""
    from sklearn.datasets import make_regression

    x, y = make_regression(n_samples=200, n_features=3, noise=10.0, random_state=0)
    frame = pd.DataFrame(x, columns=["a", "b", "c"])
    frame["grams"] = 300 + 40 * (y - y.mean()) / y.std()
    path = tmp_path / "grams.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("loss", ["mse", "half-mse", "mae"])
def test_a_regression_table_names_its_unstandardised_loss_and_gives_the_error_in_the_targets_units(tmp_path, loss):
    """Its "test loss (target's units)" was the MSE in grams squared (649.5 for an error of about 25 g): the column
    now says no unit, and a squared error's table gives the RMSE in grams beside it, each row's the root of the mean
    squared error of its model's predictions in grams (an MAE is in grams already: no RMSE)."""
    from descend.catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE

    config, task = C.resolve(csv=str(_grams(tmp_path)), column="grams", optimizers=["sgd", "adam"], lr="0.1",
                             batch_size="full", steps=30, seeds=1, loss=loss)
    result = C.compare(config, task)
    assert "test loss (target's units)" not in result.table and TEST_LOSS_UNSTANDARDISED in result.table
    test = task.data.test
    grams = (test.y.double() * task.data.target_std.double() + task.data.target_mean.double()).numpy()
    for label, model in result.models.items():
        errors = model.predict(test.x, scaled=True).astype(np.float64) - grams
        kept = result.table.loc[label, TEST_LOSS_UNSTANDARDISED]
        if loss == "mae":
            assert kept == pytest.approx(np.abs(errors).mean(), rel=1e-4)
            assert TEST_RMSE not in result.table
        else:
            assert kept == pytest.approx((0.5 if loss == "half-mse" else 1) * (errors**2).mean(), rel=1e-4)
            assert result.table.loc[label, TEST_RMSE] == pytest.approx(np.sqrt((errors**2).mean()), rel=1e-4)
    if loss != "mae":
        assert result.winners[TEST_RMSE] == result.winners[TEST_LOSS_UNSTANDARDISED]


def test_random_search_whose_box_holds_no_known_answer_says_so_and_how_to_widen_it():
    """-o random-search on the line draws from U(−1, 1)², which does not hold w ≈ 2: its distance (1.1) read as a
    search that failed, without a word; a box that holds the answer, or normal draws, need no note."""
    task = tasks.get("line")
    x, y = task.data.train.x.double().numpy()[:, 0], task.data.train.y.double().numpy().reshape(-1)
    (w, b), *_ = np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)  # the least-squares answer
    assert abs(w) > 1
    config, task = C.resolve("line", optimizers=["random-search"], steps=20, seeds=1)
    result = C.compare(config, task)
    said = [n for n in result.notes if n.startswith("random-search draws each parameter from U(−1, 1)")]
    assert said == [f"random-search draws each parameter from U(−1, 1), and no known answer of the task lies in that "
                    f"box (the nearest has a coordinate of {max(abs(w), abs(b)):.4g}): no draw reaches it, whatever "
                    f"the budget; -o random-search:scale={math.ceil(max(abs(w), abs(b)))} draws from "
                    f"U(−{math.ceil(max(abs(w), abs(b)))}, {math.ceil(max(abs(w), abs(b)))}), which holds it"], \
        result.notes
    # and what it says is so: every point of the box is at least |w| − 1 from the answer
    assert result.summary["distance"].min() >= abs(w) - 1 - 1e-6
    for wide in ("random-search:scale=3", "random-search:distribution=normal"):
        result = C.compare(*C.resolve("line", optimizers=[wide], steps=5, seeds=1))
        assert not [n for n in result.notes if "draws each parameter" in n], (wide, result.notes)
