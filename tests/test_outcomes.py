"""A run's status, decided once by the engine (descend.outcomes): diverged, left the model's domain, ok."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import descend
import descend.tasks
from descend import outcomes
from descend.models import Linear


def test_a_finite_but_exploding_loss_is_divergence():
    # RAdam at lr 10 on the line reached a loss of 2.85e11 and was reported as "0 % diverged"
    runs = descend.fit(task="line", optimizer="radam", lr=10.0, steps=300, seed=[0, 1])
    summary = runs.summary
    assert (summary["status"] == "diverged").all() and summary["diverged"].all()
    at = int(summary["status_at"].iloc[0])
    batch = runs.curves.query("run == 0 and split == 'batch'")["value"].to_numpy()
    first = batch[0]
    assert np.isfinite(batch[: at + 1]).all(), "diverged on a finite loss: the bound, not a NaN"
    assert abs(batch[at]) > outcomes.divergence_bound(first)
    assert np.isnan(batch[at + 1:]).all()


def test_a_run_escaping_to_minus_infinity_on_an_unbounded_landscape_is_diverged():
    runs = descend.fit(task="saddle", optimizer="momentum", lr=[0.01, 0.1], steps=300)
    summary = runs.summary
    assert summary["status"].tolist() == ["ok", "diverged"]
    assert all(math.isfinite(v) for v in runs.params[1].values()), "frozen at its last parameters"


def test_the_bound_is_relative_to_the_runs_own_first_loss():
    x = torch.linspace(-1, 1, 32, dtype=torch.float64).unsqueeze(1)
    y = 3 * x + 0.5
    # GD with lr 1.2 on this problem grows by a factor of ~1.4 per step: finite for hundreds of steps
    runs = descend.fit(model=Linear(1), data=(x, y), optimizer="gd", lr=[0.1, 1.2], steps=200, dtype=torch.float64)
    summary = runs.summary
    assert summary["status"].tolist() == ["ok", "diverged"]
    batch = runs.curves.query("run == 1 and split == 'batch'")["value"].to_numpy()
    at = int(summary.loc[1, "status_at"])
    bound = outcomes.divergence_bound(batch[0])
    assert abs(batch[at - 1]) <= bound < abs(batch[at])
    assert math.isfinite(batch[at]), "the loss that crossed the bound is recorded as it was"


def test_a_run_starting_below_minus_one_diverges_past_a_million_times_its_first_loss():
    """A first loss J0 < -1 sets the bound at 1e6·|J0|, not 1e6 (only positive or small J0 were tested): the run
    escaping to -infinity on -5 - x² - y² diverges at the first step whose |J| passes 1e6·|J0|, not before."""
    task = descend.tasks.formula("-5 - x**2 - y**2")
    runs = descend.fit(task=task, optimizer="gd", lr=0.5, steps=20, dtype=torch.float64)
    summary = runs.summary
    assert summary["status"].tolist() == ["diverged"]
    batch = runs.curves.query("run == 0 and split == 'batch'")["value"].to_numpy()
    at = int(summary.loc[0, "status_at"])
    assert batch[0] < -10, "a first loss whose magnitude is well above 1"
    bound = outcomes.divergence_bound(batch[0])
    assert bound == 1e6 * abs(batch[0])
    assert abs(batch[at - 1]) <= bound < abs(batch[at])
    assert abs(batch[at - 1]) > 1e6 * 2, "a step between 1e6 and the bound, where a bound of 1e6 would stop it"


def test_runs_that_leave_the_ellipse_domain_are_marked_and_never_drawn_as_zero():
    # rmsprop at lr 0.01 with batch 1, 32 or the hybrid schedule sends A to 0, where no sample is valid: its
    # train, validation and test losses are NaN; it was reported as not diverged, its batch loss 0 every step
    runs = descend.fit(task="ellipse", optimizer="rmsprop", lr=0.01, batch_size=[None, 1, 32], seed=[0, 1], steps=200)
    summary = runs.summary
    full, small = summary[summary["batch_size"].isna()], summary[summary["batch_size"].notna()]
    assert (full["status"] == "ok").all()
    assert (small["status"] == "left-domain").all() and not small["diverged"].any()
    assert small["final_train_loss"].isna().all()
    batch = runs.curves.query("split == 'batch'")
    for run in small.index:
        values = batch[batch["run"] == run]["value"].to_numpy()
        assert not (values == 0).any(), "a batch with no valid sample is NaN, never a loss of 0"
    assert outcomes.STATUSES["left-domain"] == "left the model's domain"
    assert not outcomes.counts("left-domain") and not outcomes.counts("diverged") and outcomes.counts("ok")


def test_leaving_the_domain_is_decided_at_its_step_however_often_the_runs_are_evaluated():
    # decided at evaluations, a run's status depended on eval_every: with 0 the runs that left stayed "ok" (and
    # counted, at their distance); with 50 they were found at step 50, having stepped on with no gradient
    def trained(eval_every: int) -> descend.Runs:
        return descend.fit(task="ellipse", optimizer=["rmsprop", "momentum"], lr=[0.01, 0.05], batch_size=[None, 1, 32],
                           seed=[0, 1], steps=120, eval_every=eval_every, dtype=torch.float64, compile=False)

    every = trained(1)
    left = every.summary["status"] == "left-domain"
    during = every.summary.loc[left, "status_at"] < 120  # the others ended where the model holds for few samples
    assert during.sum() >= 3 and (every.summary.loc[left, "status_at"][during] < 30).all()
    for eval_every in (0, 7, 50):
        runs = trained(eval_every)
        assert runs.summary["status"].tolist() == every.summary["status"].tolist()
        np.testing.assert_array_equal(runs.summary["status_at"], every.summary["status_at"])
        assert runs.params.keys() == every.params.keys()
        for run, mine in runs.params.items():
            for name, value in mine.items():
                torch.testing.assert_close(value, every.params[run][name], rtol=0, atol=0)
        batch = runs.curves.query("split == 'batch'")["value"].to_numpy()
        np.testing.assert_array_equal(batch, every.curves.query("split == 'batch'")["value"].to_numpy())


def test_a_run_that_ends_where_the_model_holds_for_few_samples_has_left_its_domain():
    """The ellipse's Adam at lr 0.01, batch 32, ended at w_A = 0.006 after 20 steps, where 2 of 512 training samples
    and 1 of 128 test samples are valid: its test loss over that one sample (0.0024, below the noise) was the best
    of the table, and its validation loss made it Adam's representative. It has no result now."""
    runs = descend.fit(task="ellipse", optimizer="adam", lr=[0.01, 0.1], batch_size=[32, None], steps=20,
                       dtype=torch.float64, compile=False)
    task = descend.tasks.get("ellipse")
    x = task.data.train.x.to(torch.float64)
    start = [torch.tensor([value], dtype=torch.float64) for _, _, value in task.model.start]
    start_held = float(task.model.valid(start, x).double().mean())  # 27 of 512 samples at the seed's (0.1, 1.8)
    assert start_held < descend.outcomes.DOMAIN_SHARE
    for run, row in runs.summary.iterrows():
        params = [runs.params[run][name].unsqueeze(0) for name in task.model.names]
        held = float(task.model.valid(params, x).double().mean())
        if held < min(descend.outcomes.DOMAIN_SHARE, start_held):  # at its last step, or where none held any more
            assert row["status"] == "left-domain" and row["status_at"] <= 20, (run, held)
        else:
            assert row["status"] == "ok", (run, held)
    ended = runs.summary.query("status == 'left-domain' and status_at == 20")
    assert len(ended) and "ok" in runs.summary["status"].tolist()


def test_random_search_is_an_algorithm_like_the_others():
    from descend.optim import random_search

    runs = descend.fit(task="booth", optimizer=["random-search", "gd"], lr=0.01, steps=50, seed=[0, 1])
    summary = runs.summary
    searched = summary[summary["optimizer"] == random_search.NAME]
    assert len(searched) == 2 and (searched["status"] == "ok").all()
    assert searched["scale"].tolist() == [1.0, 1.0] and searched["distribution"].tolist() == ["uniform"] * 2
    batch = runs.curves.query("run == 0 and split == 'batch'")["value"].to_numpy()
    best = np.minimum.accumulate(batch)
    assert math.isclose(summary.loc[0, "final_train_loss"], best[-1], rel_tol=1e-6)


def test_a_first_loss_below_one_bounds_at_a_million_not_a_million_times_it():
    """The engine's bound is max(|J0|, 1)·1e6 (divergence_bound, which it now calls): every engine test started
    at |J0| > 1, so a bound of 1e6·|J0| went unseen; it declares a run diverged 1/|J0| times too early (GD at lr
    1.05 on x² + y² from (0.1, 0): J0 = 0.01, the loss grows past 1e4 but stays below 1e6 for 80 steps)."""
    task = descend.tasks.formula("x**2 + y**2")
    runs = descend.fit(task=task, optimizer="gd", lr=1.05, steps=80, start=(0.1, 0.0), dtype=torch.float64)
    batch = runs.curves.query("run == 0 and split == 'batch'")["value"].to_numpy()
    assert batch[0] == pytest.approx(0.01) and 1e4 < np.nanmax(np.abs(batch)) < 1e6
    assert runs.summary["status"].tolist() == ["ok"]
    assert outcomes.divergence_bound(torch.tensor([0.01, -3.0, math.nan])).tolist() == [1e6, 3e6, math.inf]


def test_parameters_that_overflow_on_a_finite_loss_are_divergence_at_that_step():
    """GD at lr 1e308 from (1, 1) on x² + y²: the first update overflows the parameters to -inf while the loss it
    was taken at is finite; the run is diverged at step 0 and frozen at its start, not one step later at -inf."""
    task = descend.tasks.formula("x**2 + y**2")
    runs = descend.fit(task=task, optimizer="gd", lr=1e308, steps=5, start=(1.0, 1.0), dtype=torch.float64)
    summary = runs.summary
    assert summary["status"].tolist() == ["diverged"] and int(summary.loc[0, "status_at"]) == 0
    assert {k: float(v) for k, v in runs.params[0].items()} == {"x": 1.0, "y": 1.0}


def test_a_mini_batch_run_is_bounded_by_the_training_loss_at_its_start_not_its_first_batchs():
    """A regression on a raw target with outliers (a tenth of the targets 1e4, the rest 0) in batches of 1: a run's
    bound came from its first batch alone, and the first outlier's loss passed it, at lr 0 too (every batch-1 run
    "diverged", its results thrown away). The least bound of a mini-batch run is now its loss on the training set
    at its start; full-batch runs are as before. A run that does blow up still diverges."""
    torch.manual_seed(0)
    x = torch.randn(100, 1)
    y = torch.zeros(100)
    y[::10] = 1e4
    runs = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer=["sgd", "adam"], lr=0.0,
                       batch_size=[1, None], epochs=1, seed=[0, 1])
    assert (runs.summary["status"] == "ok").all(), runs.summary[["batch_size", "status", "status_at"]]
    exploding = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer="sgd", lr=10.0, batch_size=1,
                            epochs=1, seed=0)
    assert exploding.summary["status"].iloc[0] == "diverged"
