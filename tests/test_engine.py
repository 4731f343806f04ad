"""The engine against its oracles: each run alone, and a plain PyTorch loop with torch.nn + torch.optim.

Two kinds of check, as for the optimizer classes (tests/optim/test_against_torch.py):

- **each step from a shared point**: torch.optim driven along descend's own path (``record_path=True``): before
  every step torch's net is given descend's parameters at that step bit for bit, its state is built from the
  gradients at those same points, and after the step the parameters must agree with descend's next point
  within 1e-12 relative. Rounding cannot accumulate, so this holds on any CPU.
- **whole trajectories** (final parameters within 1e-8 of the torch loop; cohort against alone, compiled
  against eager) only where they are well-conditioned, which a guard measures: the oracle trained again from
  its own start moved by 4 ulps must stay orders of magnitude below the tolerance (1/1000 of it; 1/100 for
  the 1e-12 comparisons, which are only a few thousand ulps).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import sys

import numpy as np
import pandas as pd
import pytest
import torch

import descend
from descend import engine, tasks
from descend.data import batches, hybrid
from descend.models import MLP, ModuleModel
from descend.optim import _base

M = 64  # samples


def regression_data(seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(M, 3, generator=g, dtype=torch.float64)
    y = torch.sin(x.sum(dim=1, keepdim=True)) + 0.1 * torch.randn(M, 1, generator=g, dtype=torch.float64)
    return x, y


MODEL = MLP((3, 8, 1), hidden="tanh", output="identity", init="torch")


def moved_by_ulps(t, ulps=4, seed=0):
    """``t`` with every element moved by ``ulps`` units in the last place, up or down at random."""
    up = torch.rand(t.shape, generator=torch.Generator().manual_seed(seed), dtype=t.dtype) < 0.5
    toward = torch.where(up, torch.full_like(t, math.inf), torch.full_like(t, -math.inf))
    for _ in range(ulps):
        t = torch.nextafter(t, toward)
    return t


def moved_start(seed, ulps=4):
    """The MLP's initial parameters for ``seed`` moved by ``ulps``, as ``fit(start=...)`` takes them."""
    init = MODEL.init([seed], dtype=torch.float64)
    return {n: moved_by_ulps(p[0], ulps, seed=i) for i, (n, p) in enumerate(zip(MODEL.names, init))}


def torch_loop(name, kw, batch_size, steps, seed, x, y, *, factor=None, clip_norm=None, ulps=0):
    """What users write today: torch.nn + torch.optim, with descend's batch plan and initial parameters.

    ``factor``: torch's LambdaLR of the learning rate; ``clip_norm``: clip_grad_norm_; ``ulps``: the start moved
    by that many ulps (the conditioning guard).
    """
    net = MODEL.to_torch(MODEL.init([seed], dtype=torch.float64), 0)
    with torch.no_grad():
        for i, p in enumerate(net.parameters()):
            p.copy_(moved_by_ulps(p, ulps, seed=i))
    opt = getattr(torch.optim, name)(net.parameters(), foreach=False, **kw)
    sched = None if factor is None else torch.optim.lr_scheduler.LambdaLR(opt, lambda t: factor(t))
    for index in batches(M, batch_size=batch_size, seed=seed, steps=steps).indices:
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x[index]), y[index]).backward()
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip_norm)
        opt.step()
        if sched is not None:
            sched.step()
    return net


def final_net(runs, run):
    params = tuple(runs.params[run][n].unsqueeze(0) for n in MODEL.names)
    return MODEL.to_torch(params, 0)


def net_distance(a, b):
    return max((pa - pb).abs().max().item() for pa, pb in zip(a.parameters(), b.parameters()))


def assert_same_net(a, b, tol):
    for (na, pa), (nb, pb) in zip(a.named_parameters(), b.named_parameters()):
        assert na == nb
        assert (pa - pb).abs().max().item() <= tol, na


def assert_well_conditioned(spread, tol, margin=1000):
    """The guard: what 4 ulps at the oracle's start grow to stays ``margin`` times below the tolerance."""
    assert spread <= tol / margin, (
        f"ill-conditioned: 4 ulps at the start grow to {spread:.1e}; a whole-trajectory comparison within {tol:g} "
        f"would measure the CPU's rounding, not the engine"
    )


def mlp_point(row):
    """A row of ``Runs.paths`` (the MLP's parameters, flat in MODEL.names order) as torch's net parameters."""
    params, at = [], 0
    for shape in MODEL.shapes():
        n = math.prod(shape)
        params.append(torch.as_tensor(row[at:at + n]).reshape(1, *shape))
        at += n
    return list(MODEL.to_torch(tuple(params), 0).parameters())


def assert_each_step_equals_torch(path, name, kw, batch_size, seed, x, y, *, factor=None, clip_norm=None,
                                  point=mlp_point, clip_value=None):
    """torch.optim driven along descend's path: from each of descend's points, torch's step lands on the next.

    ``path``: ``Runs.paths[run]``, the parameters before every step and at the end. Before every step torch's
    net is set to descend's point bit for bit; torch's optimizer state is built from the gradients at those
    same points. After the step its parameters must equal descend's next point within 1e-12 relative (1e-15
    floor: a few ulps of these parameters, ~0.5). Every step must move the parameters far beyond that.
    """
    steps = len(path) - 1
    net = MODEL.to_torch(MODEL.init([seed], dtype=torch.float64), 0)
    opt = getattr(torch.optim, name)(net.parameters(), foreach=False, **kw)
    sched = None if factor is None else torch.optim.lr_scheduler.LambdaLR(opt, lambda t: factor(t))
    worst, resolution = 0.0, math.inf
    for t, index in enumerate(batches(M, batch_size=batch_size, seed=seed, steps=steps).indices):
        here, there = point(path[t]), point(path[t + 1])
        with torch.no_grad():
            for p, q in zip(net.parameters(), here):
                p.copy_(q)
        opt.zero_grad()
        torch.nn.functional.mse_loss(net(x[index]), y[index]).backward()
        if clip_value is not None:  # by value first, then by the global norm (descend.fit's documented order)
            torch.nn.utils.clip_grad_value_(net.parameters(), clip_value)
        if clip_norm is not None:
            torch.nn.utils.clip_grad_norm_(net.parameters(), clip_norm)
        opt.step()
        if sched is not None:
            sched.step()
        for p, q, q0 in zip(net.parameters(), there, here):
            tolerated = 1e-12 * q.abs() + 1e-15
            apart = ((p.detach() - q).abs() / tolerated).nan_to_num(nan=math.inf)  # a NaN on one side only: ∞
            worst = max(worst, torch.where((p.detach() == q) | (p.isnan() & q.isnan()), 0.0, apart).max().item())
            resolution = min(resolution, (q - q0).abs().max().item() / tolerated.max().item())
    assert worst <= 1, f"a step differs from torch's by {worst:.2g} × (1e-12·|value| + 1e-15)"
    assert resolution > 1e3, f"every step must move the parameters far beyond the tolerance ({resolution:.2g})"
    return worst, resolution


# (torch.optim class, descend name, hyperparameters): every optimizer torch has.
OPTIMIZERS = [
    ("SGD", "sgd", dict(lr=0.05, momentum=0.9)),
    ("Adagrad", "adagrad", dict(lr=0.05)),
    ("Adadelta", "adadelta", dict(lr=1.0)),
    ("RMSprop", "rmsprop", dict(lr=1e-3, centered=True)),
    ("Adam", "adam", dict(lr=1e-2)),
    ("AdamW", "adamw", dict(lr=1e-2, weight_decay=0.1)),
    ("Adamax", "adamax", dict(lr=1e-2)),
    ("NAdam", "nadam", dict(lr=1e-2)),
    ("RAdam", "radam", dict(lr=1e-2)),
]


@pytest.fixture(autouse=True)
def float64_default():
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)  # torch.optim keeps some scalar state in the default dtype
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("torch_name, name, kw", OPTIMIZERS, ids=[o[0] for o in OPTIMIZERS])
def test_cohort_equals_plain_pytorch_loop(torch_name, name, kw):
    """A cohort of 3 seeds: each run equals torch.nn + torch.optim with the same start and batches.

    Each of the 100 steps from descend's point (1e-12 relative); the final parameters within 1e-8 (guarded).
    """
    x, y = regression_data()
    runs = descend.fit(model=MODEL, data=(x, y), loss="mse", optimizer=name, batch_size=16, steps=100,
                       seed=[0, 1, 2], dtype=torch.float64, record_path=True, **kw)
    assert len(runs.results) == 1, "one cohort"
    for run, seed in enumerate([0, 1, 2]):
        assert_each_step_equals_torch(runs.paths[run], torch_name, kw, 16, seed, x, y)
        expected = torch_loop(torch_name, kw, 16, 100, seed, x, y)
        assert_well_conditioned(net_distance(expected, torch_loop(torch_name, kw, 16, 100, seed, x, y, ulps=4)), 1e-8)
        assert_same_net(final_net(runs, run), expected, 1e-8)


REGIMES = {"GD": None, "SGD": 1, "mini-batch": 16, "hybrid": hybrid(first=8, epochs=2, then=32)}


@pytest.mark.parametrize("regime", list(REGIMES))
def test_batch_regimes_equal_plain_pytorch_loop(regime):
    x, y = regression_data(1)
    b = REGIMES[regime]
    runs = descend.fit(model=MODEL, data=(x, y), loss="mse", optimizer=["gd", "sgd"], lr=0.05, batch_size=b,
                       steps=120, seed=3, dtype=torch.float64, record_path=True)
    expected = torch_loop("SGD", dict(lr=0.05), b, 120, 3, x, y)
    assert_well_conditioned(net_distance(expected, torch_loop("SGD", dict(lr=0.05), b, 120, 3, x, y, ulps=4)), 1e-8)
    for run in (0, 1):
        assert_each_step_equals_torch(runs.paths[run], "SGD", dict(lr=0.05), b, 3, x, y)
        assert_same_net(final_net(runs, run), expected, 1e-8)


def test_each_run_of_a_cohort_equals_the_same_configuration_alone():
    """Every step of every run of a cohort of 12 within 1e-12 of the run trained alone.

    1e-12 is only a few thousand ulps of these parameters: the guard needs 4 ulps at the start to stay within
    1e-14. With beta1 0.5 they grow to 1.3e-14 at lr 0.1 and up to 5e-15 at lr 0.03 (depending on the CPU's
    vector kernels); the largest lr here is 0.02 (at most 2.2e-15).
    """
    x, y = regression_data(2)
    grid = dict(lr=[1e-3, 1e-2, 2e-2], beta1=[0.5, 0.9], seed=[0, 1])
    common = dict(model=MODEL, data=(x, y), optimizer="adam", batch_size=8, steps=100, dtype=torch.float64,
                  record_path=True)
    together = descend.fit(**common, **grid)
    assert len(together.summary) == 12 and len(together.results) == 1
    for run, row in together.summary.iterrows():
        alone_kw = dict(common, lr=row["lr"], beta1=row["beta1"], seed=int(row["seed"]))
        alone = descend.fit(**alone_kw)
        moved = descend.fit(start=moved_start(int(row["seed"])), **alone_kw)
        assert_well_conditioned(abs(moved.paths[0] - alone.paths[0]).max(), 1e-12, margin=100)
        assert abs(together.paths[run] - alone.paths[0]).max() <= 1e-12, f"run {run}"
        for n in MODEL.names:
            torch.testing.assert_close(together.params[run][n], alone.params[0][n], rtol=0, atol=1e-12)
        assert abs(alone.paths[0][-1] - alone.paths[0][0]).max() > 1e-3, "the runs must move"


@pytest.mark.parametrize("optimizer, other", [("adam", {"beta2": 0.99}), ("rmsprop", {"alpha": 0.9}),
                                              ("adam", {"beta1": 0.5})])
def test_a_run_beside_one_with_another_decay_is_the_run_alone_to_the_bit(optimizer, other):
    """A run at the default β₂ beside one at 0.99 takes β₂ as a [K] tensor, whose EMA of squares rounded otherwise
    than the number's (1 ulp at step 7 on Himmelblau, float64), against the README's "bit for bit"."""
    scape = descend.landscapes.get("himmelblau")
    common = dict(model=scape.model((0.0, 0.0)), data=None, loss="value", optimizer=optimizer, lr=0.05, steps=40,
                  dtype=torch.float64, record_path=True, compile=False)
    alone = descend.fit(**common)
    (name, value), = other.items()
    default = descend.optim.get(optimizer).defaults[name]
    beside = descend.fit(**common, **{name: [default, value]})
    assert beside.summary[name].tolist() == [default, value]
    assert torch.equal(torch.as_tensor(beside.paths[0]), torch.as_tensor(alone.paths[0]))


@pytest.mark.parametrize("index_shape", [(7,), (3, 5)], ids=["shared batch", "a batch per run"])
@pytest.mark.parametrize("data_shape", [(11,), (11, 4), (11, 2, 3)], ids=["targets", "features", "images"])
def test_a_batch_is_gathered_as_advanced_indexing_gathers_it(index_shape, data_shape):
    """The step takes its batch with one index_select of the flattened index (faster): the same rows, the same
    shape as ``data[index]``, for a shared ``[B]`` index and a ``[K, B]`` one, from a non-contiguous index too."""
    g = torch.Generator().manual_seed(0)
    data = torch.randn(*data_shape, generator=g)
    orders = torch.stack([torch.randperm(11, generator=g) for _ in range(index_shape[0] if len(index_shape) > 1
                                                                           else 1)])
    index = orders[..., 2:2 + index_shape[-1]] if len(index_shape) > 1 else orders[0, 2:2 + index_shape[-1]]
    assert len(index_shape) == 1 or not index.is_contiguous()
    got = engine._gather(data, index)
    assert got.shape == data[index].shape == (*index_shape, *data_shape[1:])
    assert torch.equal(got, data[index])


def test_a_diverging_run_is_marked_and_frozen_and_the_others_are_untouched():
    x, y = regression_data(3)
    lrs = [0.01, 1e4, 0.05]
    runs = descend.fit(model=MODEL, data=(x, y), optimizer="sgd", lr=lrs, batch_size=16, steps=100,
                       dtype=torch.float64)
    summary = runs.summary
    assert summary["diverged"].tolist() == [False, True, False]
    at = int(summary.loc[1, "diverged_at"])
    assert 0 <= at < 100
    assert all(torch.isfinite(p).all() for p in runs.params[1].values()), "frozen at its last finite values"
    batch_loss = runs.curves.query("run == 1 and split == 'batch'")["value"].to_numpy()
    assert all(math.isnan(v) for v in batch_loss[at + 1:])
    calm = descend.fit(model=MODEL, data=(x, y), optimizer="sgd", lr=[0.01, 0.05], batch_size=16, steps=100,
                       dtype=torch.float64)
    for ours, theirs in ((0, 0), (2, 1)):
        for n in MODEL.names:
            assert torch.equal(runs.params[ours][n], calm.params[theirs][n])


def test_user_module_path_equals_builtin_mlp():
    """The torch.nn.Module path equals the built-in MLP within 1e-10 (guarded); each step of both equals torch's."""
    x, y = regression_data(4)
    net = torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    common = dict(data=(x, y), loss="mse", optimizer="adam", lr=[1e-2, 1e-1], batch_size=16, steps=60,
                  seed=[0, 1], dtype=torch.float64, record_path=True)
    builtin = descend.fit(model=MODEL, **common)
    module = descend.fit(model=ModuleModel(net.double()), **common)
    moved = [descend.fit(model=MODEL, **dict(common, seed=seed, start=moved_start(seed))) for seed in (0, 1)]
    shapes = [p.shape for p in net.parameters()]

    def module_point(row):  # ModuleModel's flat parameters are torch's, in torch's order
        sizes = [math.prod(shape) for shape in shapes]
        return [t.reshape(shape) for t, shape in zip(torch.as_tensor(row).split(sizes), shapes)]

    for run, (lr, seed) in enumerate([(1e-2, 0), (1e-2, 1), (1e-1, 0), (1e-1, 1)]):
        assert builtin.summary.loc[run, "lr"] == lr and builtin.summary.loc[run, "seed"] == seed
        assert_each_step_equals_torch(builtin.paths[run], "Adam", dict(lr=lr), 16, seed, x, y)
        assert_each_step_equals_torch(module.paths[run], "Adam", dict(lr=lr), 16, seed, x, y, point=module_point)
        alone_moved = moved[seed].paths[[0.01, 0.1].index(lr)]
        assert_well_conditioned(abs(alone_moved - builtin.paths[run]).max(), 1e-10)
        a = final_net(builtin, run)
        b = [p for p in module.params[run].values()]
        for pa, pb in zip(a.parameters(), b):
            torch.testing.assert_close(pa, pb, rtol=0, atol=1e-10)


def test_target_and_stop_at_target():
    x, y = regression_data(5)
    runs = descend.fit(model=MODEL, data=(x, y), optimizer="adam", lr=[1e-3, 3e-2], steps=200, target=0.3,
                       stop_at_target=True, dtype=torch.float64)
    s = runs.summary
    assert s.loc[0, "steps_to_target"] is None or s.loc[0, "steps_to_target"] > s.loc[1, "steps_to_target"]
    hit = s.loc[1, "steps_to_target"]
    batch = runs.curves.query("run == 1 and split == 'batch'")["value"].to_numpy()
    assert batch[hit] <= 0.3 and (batch[:hit] > 0.3).all()
    assert not s["diverged"].any()


@pytest.mark.parametrize("target", [None, 0.24503])
def test_the_best_training_loss_counts_every_whole_batch_s_loss(target):
    """A full batch's loss is the training loss at every step, which "steps to target" reads: the best training
    loss read only the evaluations (every 15 steps), so RMSprop at lr 3 on the line fit reached the target 0.24503
    at step 9 and showed a best of 0.245054, above it. A mini-batch run's best stays the evaluations'."""
    line = tasks.get("line")
    runs = descend.fit(task=line, optimizer=["rmsprop", "adam"], lr=3.0, batch_size=["full", 32], steps=60,
                       target=target, eval_every=15)
    curves, summary = runs.curves, runs.summary
    for run, row in summary.iterrows():
        mine = curves[(curves.run == run) & (curves.metric == "loss")]
        evaluated = mine[mine.split == "train"].value.min()
        if row["batch_size"] is None:  # the full batch
            assert row["best_train_loss"] == min(evaluated, mine[mine.split == "batch"].value.min())
        else:
            assert row["best_train_loss"] == evaluated
        if target is not None and pd.notna(row["steps_to_target"]):
            assert row["best_train_loss"] <= target
    rmsprop = summary[(summary.optimizer == "rmsprop") & summary.batch_size.isna()].iloc[0]
    if target is not None:
        assert rmsprop["steps_to_target"] == 9 and rmsprop["best_train_loss"] <= target


def test_the_best_training_loss_of_a_diverged_run_leaves_out_the_loss_that_ended_it():
    """On the saddle, unbounded below, GD's loss past the bound (-1.7e6 at lr 0.5) was its best training loss: the
    lowest of the whole summary, for a run whose final loss is NaN. Its best is now the lowest before it diverged."""
    runs = descend.fit(task="saddle", optimizer=["gd", "adam"], lr=[0.1, 0.5], start=(1.0, 0.01), steps=200,
                       eval_every=20, compile=False)
    summary, curves = runs.summary, runs.curves
    diverged = summary[summary.status == "diverged"]
    assert len(diverged) == 2
    for run, row in diverged.iterrows():
        at = int(row["status_at"])
        batch = curves[(curves.run == run) & (curves.split == "batch") & (curves.metric == "loss")]
        ended = batch[batch.step == at].value.item()
        before = batch[batch.step < at].value.min()
        assert np.isfinite(ended) and ended < before  # the loss that ended it: past the bound, below every other
        assert row["best_train_loss"] == before


@pytest.mark.parametrize("every", [7, 10])
def test_the_loss_that_ended_a_diverged_run_reaches_no_target_and_is_not_its_best(every):
    """Nesterov on the saddle diverges at step 20 with a loss of -1.67e6: evaluated before the step's check, it set
    steps_to_target=20 for a target of -1e6, and was the best training loss when an evaluation fell on step 20 (every
    10 steps, not every 7): the summary changed with eval_every."""
    runs = descend.fit(task="saddle", optimizer="nesterov", lr=0.2, steps=100, target=-1e6, eval_every=every,
                       compile=False)
    row = runs.summary.iloc[0]
    assert row["status"] == "diverged" and row["steps_to_target"] is None
    batch = runs.curves.query("run == 0 and split == 'batch' and metric == 'loss'")
    assert row["best_train_loss"] == batch[batch.step < row["status_at"]].value.min() > -1e6


def test_random_search_reaches_its_target_after_the_draws_it_counts():
    """steps_to_target was one less than the draws taken (the draw's index): stopped at its target, random search
    was the run of one draw more, and its curve read above the target at its own step to target."""
    common = dict(task="himmelblau", optimizer="random-search", seed=0, compile=False)
    stopped = descend.fit(**common, steps=100, eval_every=10, target=140.0, stop_at_target=True)
    hit = int(stopped.summary["steps_to_target"].iloc[0])
    twin = descend.fit(**common, steps=hit)
    assert stopped.summary["steps_done"].iloc[0] == hit
    assert twin.summary["final_train_loss"].iloc[0] == stopped.summary["final_train_loss"].iloc[0] <= 140.0
    before = descend.fit(**common, steps=hit - 1)
    assert before.summary["final_train_loss"].iloc[0] > 140.0


def test_to_torch_gives_each_runs_own_model_whichever_cohort_trained_it():
    """A run's torch module came from descend.models.to_torch(model, runs.results[c].params, k), whose k is a row
    of one cohort: on a fit of several cohorts, row 2 of the first was run 4, another run's model."""
    import torch.nn.functional as F

    runs = descend.fit(task="iris", optimizer=["sgd", "adam"], lr=[0.01, 0.1], batch_size=[None, 16], seed=[0, 1],
                       steps=15, compile=False)
    assert any(j != run.index for run, _, j in runs._located())  # rows of a cohort are not run indices
    x, y = runs.problem.train
    for run, row in runs.summary.iterrows():
        net = runs.to_torch(run, logits=True)
        assert F.cross_entropy(net(x.float()), y).item() == pytest.approx(row["final_train_loss"], rel=1e-5)
        assert torch.equal(net[0].weight.detach().T, runs.params[run]["layer0.weight"])
    with pytest.raises(KeyError, match=r"no run 16 \(runs 0..15\)"):
        runs.to_torch(16)
    with pytest.raises(KeyError, match="a run is its index"):
        runs.to_torch("3")


def test_classification_records_accuracy_and_gradient_norms_per_layer():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g)
    y = (x[:, 0] * x[:, 1] > 0).long() + (x[:, 0] > 1).long()  # 3 classes
    model = MLP((2, 16, 3), hidden="relu", output="softmax")
    runs = descend.fit(model=model, data=(x, y), optimizer="adam", lr=0.05, batch_size=32, epochs=20, seed=0,
                       validation=0.25, eval_every=10)
    s = runs.summary
    assert 0.6 < s.loc[0, "final_validation_accuracy"] <= 1.0
    metrics = set(runs.curves["metric"])
    assert {"loss", "accuracy", "grad_norm:layer0.weight", "grad_norm:layer1.bias"} <= metrics


def test_without_the_start_evaluation_the_runs_are_the_same():
    """``eval_start=False`` (a search that reads only the last evaluation) leaves out the evaluation at step 0 and
    changes nothing else: the same steps, the same later evaluations, the same summary."""
    from descend import tasks
    from descend.spec import RunSpec

    problem = tasks.get("iris").problem()
    specs = [RunSpec("adam", {"lr": lr}, 16, seed) for lr, seed in ((0.01, 0), (0.1, 1))]
    common = dict(steps=30, eval_every=10, compile=False)
    full, late = engine.train(problem, specs, **common), engine.train(problem, specs, eval_start=False, **common)
    assert sorted(set(full.curves["step"][full.curves["split"] == "validation"])) == [0, 10, 20, 30]
    assert sorted(set(late.curves["step"][late.curves["split"] == "validation"])) == [10, 20, 30]
    c = full.curves
    evaluated = (c["split"] != "batch") & ~c["metric"].str.startswith("grad_norm")
    assert c[~(evaluated & (c["step"] == 0))].reset_index(drop=True).equals(late.curves.reset_index(drop=True))
    timing = ["seconds"]
    assert full.summary.drop(columns=timing).equals(late.summary.drop(columns=timing))


def test_two_parameter_models_record_their_path():
    runs = descend.fit(model=descend.models.landscape("rosenbrock", start=(-1.5, 2.0)), loss="value",
                       optimizer=["gd", "momentum"], lr=1e-3, steps=50)
    path = runs.paths[0]
    assert path.shape == (51, 2)
    assert path[0].tolist() == pytest.approx([-1.5, 2.0])


# -- bad input: a clear ValueError before any training -----------------------------------------------

def _fit(**kw):
    x, y = regression_data()
    args = dict(model=MODEL, data=(x, y), optimizer="adam", steps=5)
    args.update(kw)
    return descend.fit(**args)


@pytest.mark.parametrize("kw, message", [
    (dict(batch_size=500), r"batch_size=500 is larger than the training set"),
    (dict(data=(torch.zeros(0, 3), torch.zeros(0))), r"empty"),
    (dict(data=(torch.tensor([[0.0, 1.0, math.nan]]), torch.zeros(1))), r"non-finite value \(nan\) at row 0"),
    (dict(data=(torch.zeros(10, 3), torch.zeros(9))), r"10 .*9|9 .*10"),
    (dict(optimizer="adma"), r"unknown optimizer 'adma'; did you mean"),
    (dict(lrr=0.1), r"unknown hyperparameter .*'lrr'"),
    (dict(lr=[0.1, -0.1]), r"run 1 .*lr=-0\.1"),
    (dict(beta1=1.5), r"beta1=1\.5"),
    (dict(steps=None), r"exactly one budget"),
    (dict(model=MLP((3, 8, 3), output="softmax"), data=(torch.zeros(10, 3), torch.tensor([0, 1, 2, 5] * 2 + [0, 1]))),
     r"label|class"),
    (dict(model=MLP((3, 8, 1), output="sigmoid"), loss="bce",
          data=(torch.zeros(4, 3), torch.tensor([0.0, 1.0, 2.0, 1.0]))), r"\[0, 1\]|label|class"),
])
def test_bad_input_is_a_clear_value_error(kw, message):
    with pytest.raises(ValueError, match=message):
        _fit(**kw)


def test_random_search_keeps_the_best_candidate():
    """Seed 001's baseline: N random parameter sets per run, the best kept; same result format."""
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    y = 3 * x + 0.5
    model = descend.models.Linear(1)
    runs = descend.fit(model=model, data=(x, y), optimizer="random-search", steps=100, seed=[0, 1],
                       scale=[1.0, 4.0], dtype=torch.float64)
    s = runs.summary
    for run in range(4):
        sampled = runs.curves.query(f"run == {run} and split == 'batch'")["value"].to_numpy()
        assert s.loc[run, "final_train_loss"] == pytest.approx(sampled.min(), abs=1e-12)
        w = runs.params[run]["weight"].reshape(1, 1, 1)
        b = runs.params[run]["bias"].reshape(1, 1)
        assert torch.mean((x @ w + b - y) ** 2).item() == pytest.approx(sampled.min(), abs=1e-12)
    assert s.loc[1, "final_train_loss"] < s.loc[0, "final_train_loss"], "scale 4 can reach w = 3, scale 1 cannot"
    again = descend.fit(model=model, data=(x, y), optimizer="random-search", steps=100, seed=1, scale=4.0,
                        dtype=torch.float64)
    assert again.summary.loc[0, "final_train_loss"] == s.loc[3, "final_train_loss"], "seeded: reproducible"
    with pytest.raises(ValueError, match="distribution='grid' is not allowed"):
        descend.fit(model=model, data=(x, y), optimizer="random-search", steps=5, distribution="grid")


def test_random_search_reports_a_standardised_targets_losses_in_its_units_as_the_engine_does():
    """Its final_test_loss_original was missing, so a report's "test loss (target's units)" left it out (and
    starred a worse optimizer)."""
    x = torch.linspace(-1, 1, 64, dtype=torch.float64).unsqueeze(1)
    y = 300 * x + 2000
    runs = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer="random-search", steps=30, seed=[0, 1],
                       validation=0.25, standardize_target=True, dtype=torch.float64)
    summary = runs.summary
    splits = runs.problem
    mean, std = splits.target_mean, splits.target_std
    xv, yv = splits.evals["validation"]
    for run in (0, 1):
        w, b = runs.params[run]["weight"], runs.params[run]["bias"]
        pred = (xv @ w.reshape(1, 1) + b) * std + mean
        expected = torch.mean((pred - (yv * std + mean)) ** 2).item()
        assert summary.loc[run, "final_validation_loss_original"] == pytest.approx(expected, rel=1e-12)


def test_schedule_and_gradient_clipping_equal_the_torch_loop():
    """schedules={"lr": factor(t)} multiplies each run's lr (torch's LambdaLR); clip_norm clips per run."""
    x, y = regression_data(6)
    factor = descend.schedules.cosine(1.0, total_steps=80)
    runs = descend.fit(model=MODEL, data=(x, y), loss="mse", optimizer="sgd", lr=[0.05, 0.2], momentum=0.9,
                       batch_size=16, steps=80, seed=4, schedules={"lr": factor}, clip_norm=0.5, dtype=torch.float64,
                       record_path=True)
    for run, lr in enumerate([0.05, 0.2]):
        kw = dict(lr=lr, momentum=0.9)
        assert_each_step_equals_torch(runs.paths[run], "SGD", kw, 16, 4, x, y, factor=factor, clip_norm=0.5)
        net = torch_loop("SGD", kw, 16, 80, 4, x, y, factor=factor, clip_norm=0.5)
        moved = torch_loop("SGD", kw, 16, 80, 4, x, y, factor=factor, clip_norm=0.5, ulps=4)
        assert_well_conditioned(net_distance(net, moved), 1e-8)
        assert_same_net(final_net(runs, run), net, 1e-8)


def test_both_clipping_thresholds_clip_by_value_then_by_the_global_norm_as_documented():
    """The order changes the step (torch's norm-then-value gave a bias step of -0.01005 against -0.02), and was not
    said: by value first, then by the global norm, each step from descend's own point against torch's."""
    x, y = regression_data(8)
    runs = descend.fit(model=MODEL, data=(x, y), loss="mse", optimizer="sgd", lr=0.1, batch_size=16, steps=40,
                       seed=2, clip_norm=0.3, clip_value=0.05, dtype=torch.float64, record_path=True)
    assert_each_step_equals_torch(runs.paths[0], "SGD", dict(lr=0.1), 16, 2, x, y, clip_norm=0.3, clip_value=0.05)


def test_a_hyperparameter_applies_to_the_optimizers_that_have_it():
    x, y = regression_data(7)
    runs = descend.fit(model=MODEL, data=(x, y), optimizer=["sgd", "adam"], lr=0.01, momentum=[0.5, 0.9], steps=3)
    s = runs.summary
    assert s["optimizer"].tolist() == ["sgd", "sgd", "adam"]
    assert s.loc[2, "momentum"] != s.loc[2, "momentum"]  # NaN: Adam has no momentum
    with pytest.raises(ValueError, match=r"unknown hyperparameter .*'momentun'; did you mean 'momentum'"):
        descend.fit(model=MODEL, data=(x, y), optimizer=["sgd", "adam"], momentun=0.9, steps=3)


@contextlib.contextmanager
def calls_of(function):
    """The calls of a Python function in this thread while the block runs (one entry per call), including
    calls from C++ code such as an op's Python kernel run by a compiled program."""
    seen: list[int] = []

    def profile(frame, event, arg):
        if event == "call" and frame.f_code is function.__code__:
            seen.append(1)

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(None)


def test_compiled_step_equals_eager_step(monkeypatch):
    """compile=True runs the same step through torch.compile: same numbers, same records.

    Each compiled step from its own point equals torch.optim's (1e-12 relative); parameters and every record
    within 1e-10 of the eager step, on trajectories where 4 ulps at the eager start stay below 1e-13.
    """
    monkeypatch.setattr(engine, "package_name", lambda key: None)  # packages: tests/test_compile_cache.py
    x, y = regression_data(8)
    common = dict(model=MODEL, data=(x, y), loss="mse", optimizer="adam", lr=[1e-2, 1e-1], batch_size=16,
                  steps=30, seed=[0, 1], clip_norm=1.0, dtype=torch.float64, record_path=True)
    eager = descend.fit(**common)
    with calls_of(_base._eager_copy) as copies:
        compiled = descend.fit(compile=True, **common)
    # Adam's bias corrections are computed in the program (descend._compile.lower_per_step): the step never
    # calls back into per_step's eager kernel, which used to cost 13-20 µs twice per step
    assert copies == []
    for seed in (0, 1):  # the guard: the eager runs of this seed again, from its start moved by 4 ulps
        moved = descend.fit(**{**common, "seed": seed, "start": moved_start(seed)})
        for j, lr in enumerate([1e-2, 1e-1]):
            run = 2 * j + seed
            assert (eager.summary.loc[run, "lr"], eager.summary.loc[run, "seed"]) == (lr, seed)
            assert_well_conditioned(abs(moved.paths[j] - eager.paths[run]).max(), 1e-10)
            records = eager.curves[eager.curves.run == run]["value"].to_numpy()
            assert_well_conditioned(abs(moved.curves[moved.curves.run == j]["value"].to_numpy() - records).max(), 1e-10)
            assert_each_step_equals_torch(compiled.paths[run], "Adam", dict(lr=lr), 16, seed, x, y, clip_norm=1.0)
    for run in range(4):
        for n in MODEL.names:
            torch.testing.assert_close(compiled.params[run][n], eager.params[run][n], rtol=0, atol=1e-10)
        assert abs(compiled.paths[run] - eager.paths[run]).max() <= 1e-10
    a, b = eager.curves["value"].to_numpy(), compiled.curves["value"].to_numpy()
    assert a == pytest.approx(b, abs=1e-10, nan_ok=True)
    assert (compiled.summary["compile_seconds"] > 0).all() and "compile_seconds" not in eager.summary
    # a later fit of the same shapes reuses the program, whatever the tensor values (here the learning rates)
    programs = len(engine._PROGRAMS)
    again = descend.fit(compile=True, **{**common, "lr": [3e-2, 3e-1]})
    assert len(engine._PROGRAMS) == programs
    alone = descend.fit(**{**common, "lr": [3e-2, 3e-1]})
    moved = descend.fit(**{**common, "lr": 3e-1, "seed": 1, "start": moved_start(1)})
    assert_well_conditioned(abs(moved.paths[0] - alone.paths[3]).max(), 1e-10)
    for n in MODEL.names:
        torch.testing.assert_close(again.params[3][n], alone.params[3][n], rtol=0, atol=1e-10)


def test_a_module_with_buffers_and_frozen_parameters_trains_compiled_as_eagerly():
    """Tracing with fake tensors refused the module's own tensors (a frozen bias, BatchNorm's running statistics in
    evaluation mode, a buffer of one's own): compile=True failed with torch's "Please convert all Tensors to
    FakeTensors first", and so did compile="auto" wherever compiling paid, losing the whole fit. The program holds
    them as constants (a module's program is kept for its fit alone) and gives the eager numbers."""
    from torch import nn

    class Shifted(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Linear(8, 1))
            self.register_buffer("shift", torch.linspace(-0.5, 0.5, 3))

        def forward(self, x):
            return self.body(x - self.shift)

    torch.manual_seed(3)
    net = Shifted().double()
    net.body[0].bias.requires_grad_(False)
    net.body[1].eval()
    with torch.no_grad():
        net.body[1].running_mean.uniform_(-1, 1)
        net.body[1].running_var.uniform_(0.5, 2.0)
    x, y = regression_data(4)
    common = dict(model=ModuleModel(net, init="module"), data=(x, y), loss="mse",
                  optimizer="adam", lr=[1e-2, 1e-1], steps=6, eval_every=3, dtype=torch.float64)
    eager, compiled = descend.fit(compile=False, **common), descend.fit(compile=True, **common)
    assert (compiled.summary["compile_seconds"] > 0).all()
    for run in range(2):
        for name in common["model"].names:
            torch.testing.assert_close(compiled.params[run][name], eager.params[run][name], rtol=0, atol=1e-12)
        assert not torch.equal(eager.params[run]["body.3.weight"], net.body[3].weight)  # the runs moved
    assert compiled.curves["value"].to_numpy() == pytest.approx(eager.curves["value"].to_numpy(), abs=1e-12)


def test_a_submodule_held_under_two_names_is_refused_before_it_can_break_the_users_module():
    """Sequential(lin, act, lin) was accepted, then failed inside torch's vmap ("Cannot access storage of
    BatchedTensorImpl"), and left lin.weight a batched tensor: the user's own module no longer ran."""
    from torch import nn

    lin = nn.Linear(4, 4)
    weight = lin.weight
    net = nn.Sequential(lin, nn.Tanh(), lin, nn.Tanh(), nn.Linear(4, 1))
    with pytest.raises(ValueError, match=r"module holds the submodule '0' \(Linear\) twice, also as '2': .* "
                                         r"register it once and call it twice in forward"):
        ModuleModel(net)
    assert lin.weight is weight and net(torch.randn(3, 4)).shape == (3, 1)  # the module as it was
    act = nn.Tanh()  # a layer without tensors used twice, and one weight shared by two layers: accepted, as in torch
    a, b = nn.Linear(4, 4), nn.Linear(4, 4)
    b.weight = a.weight
    model = ModuleModel(nn.Sequential(a, act, b, act, nn.Linear(4, 1)))
    assert model.names == ("0.weight", "0.bias", "2.bias", "4.weight", "4.bias")


def test_compiled_step_of_a_rule_whose_state_is_only_tensors_equals_the_eager_step():
    """Plain GD keeps only its step count (no tuples of tensors, as Adam's state has): its compiled step gives
    the same numbers as eagerly, to round-off, every step."""
    assert all(n is None for n in engine._layout(descend.optim.get("gd").init(MODEL.init([0]))))
    x, y = regression_data(8)
    common = dict(model=MODEL, data=(x, y), loss="mse", optimizer="gd", lr=[1e-2, 1e-1], batch_size=16,
                  steps=30, seed=[0, 1], dtype=torch.float64, record_path=True)
    eager, compiled = descend.fit(**common), descend.fit(compile=True, **common)
    assert (compiled.summary["compile_seconds"] > 0).all()
    for run in range(4):
        assert abs(compiled.paths[run] - eager.paths[run]).max() <= 1e-10
        assert abs(compiled.paths[run][-1] - compiled.paths[run][0]).max() > 1e-3  # the runs moved
    a, b = eager.curves["value"].to_numpy(), compiled.curves["value"].to_numpy()
    assert a == pytest.approx(b, abs=1e-10, nan_ok=True)


def test_compiled_step_marks_divergence_and_stops_at_target_like_eager():
    """Divergence, freezing and stopping at the target happen around the compiled step exactly as eagerly.

    Guarded: from the eager start moved by 4 ulps the same steps diverge and reach the target, and the
    numbers move 1000 times less than the tolerances; no batch loss comes within 1e-3 of the target.
    """
    x, y = regression_data(3)
    common = dict(model=MODEL, data=(x, y), optimizer="sgd", lr=[0.01, 1e4, 0.05], momentum=0.9, batch_size=16,
                  steps=60, target=0.5, stop_at_target=True, dtype=torch.float64)
    eager = descend.fit(**common)
    compiled = descend.fit(compile=True, **common)
    moved = descend.fit(start=moved_start(0), **common)  # every run has seed 0
    columns = ["diverged_at", "steps_to_target", "final_train_loss"]
    assert moved.summary[columns[:2]].equals(eager.summary[columns[:2]])
    assert moved.summary[columns[2]].tolist() == pytest.approx(eager.summary[columns[2]].tolist(), abs=1e-13,
                                                               nan_ok=True)
    batch = eager.curves.query("split == 'batch'")["value"].to_numpy()
    assert abs(batch[batch == batch] - 0.5).min() > 1e-3  # NaN (the diverged run) left out
    s = compiled.summary
    assert s["diverged"].tolist() == [False, True, False] and s["steps_to_target"].notna().any()
    for column in columns:
        assert s[column].tolist() == pytest.approx(eager.summary[column].tolist(), abs=1e-10, nan_ok=True)
    for run in range(3):  # the diverged run froze at huge values: compare those relatively
        for n in MODEL.names:
            torch.testing.assert_close(moved.params[run][n], eager.params[run][n], rtol=1e-12, atol=1e-13)
            torch.testing.assert_close(compiled.params[run][n], eager.params[run][n], rtol=1e-9, atol=1e-10)
    # every record, the target step's too: the program was traced with one tensor for the runs still healthy and
    # those still moving, and read the second for the first (NaN at the step a run reached its target)
    columns = ["run", "step", "split", "metric"]
    e, c = (r.curves.sort_values(columns).reset_index(drop=True) for r in (eager, compiled))
    assert e[columns].equals(c[columns])
    assert (e["value"].isna() == c["value"].isna()).all()
    assert c["value"].to_numpy() == pytest.approx(e["value"].to_numpy(), rel=1e-9, abs=1e-10, nan_ok=True)


def test_progress_reports_every_step_and_ctrl_c_keeps_what_finished():
    """Progress comes per program: the two optimizers' cohorts at one batch size train as one group, the two
    batch sizes are two groups. Ctrl-C in the second keeps the first whole and the second's completed steps."""
    x = torch.linspace(-1, 1, 64, dtype=torch.float64).unsqueeze(1)
    y = 3 * x + 0.5
    events = []
    kwargs = dict(model=descend.models.Linear(1), data=(x, y), optimizer=["gd", "adam"], lr=[0.1, 0.01],
                  batch_size=[64, 16], steps=30, dtype=torch.float64, eval_every=5)
    runs = descend.fit(progress=events.append, **kwargs)
    assert len(events) == 60 and events[-1]["runs_done"] == events[-1]["runs_total"] == 8
    assert events[0] == {"cohort": 1, "cohorts": 2, "step": 1, "steps": 30, "runs": 4, "runs_done": 0, "runs_total": 8,
                         "members": 2}
    assert not runs.interrupted and (runs.summary["steps_done"] == 30).all()

    def interrupt(event):  # Ctrl-C during step 12 of the second group
        if event["cohort"] == 2 and event["step"] == 12:
            raise KeyboardInterrupt

    partial = descend.fit(progress=interrupt, **kwargs)
    assert partial.interrupted
    summary, full = partial.summary, runs.summary
    second = summary["batch_size"] == 16
    assert (summary.loc[~second, "steps_done"] == 30).all() and (summary.loc[second, "steps_done"] == 12).all()
    # the runs cut short say so (descend.outcomes): they are not "ok", which means trained to the end of the budget
    assert (summary.loc[~second, "status"] == "ok").all()
    assert (summary.loc[second, "status"] == "interrupted").all() and (summary.loc[second, "status_at"] == 12).all()
    # the finished group is complete and equal; the interrupted one equals the first 12 steps of a full run
    assert summary.loc[~second, "final_train_loss"].tolist() == full.loc[~second, "final_train_loss"].tolist()
    short = descend.fit(**{**kwargs, "steps": 12, "batch_size": 16})
    assert summary.loc[second, "final_train_loss"].tolist() == short.summary["final_train_loss"].tolist()
    curves = partial.curves
    cut = summary.index[second][0]
    assert curves[(curves.run == cut) & (curves.split == "batch")]["step"].max() == 11
    assert set(curves.columns) == {"run", "step", "epoch", "split", "metric", "value"}


def test_a_run_given_as_other_than_its_index_is_said():
    """curve("0") said there was no run 0, beside run 0."""
    x = torch.randn(20, 1)
    runs = descend.fit(model=descend.models.Linear(1), data=(x, 2 * x), optimizer="sgd", lr=0.01, steps=2,
                       compile=False)
    assert len(runs.curve(0)[2]) == len(runs.curve(np.int64(0))[2]) == 3  # at steps 0, 1 and 2
    for run in ("0", 0.0, True):
        with pytest.raises(KeyError, match=r"run=.*: a run is its index, a whole number 0..0"):
            runs.curve(run)


def test_curves_epochs_follow_the_batch_plan():
    x = torch.randn(100, 1)
    runs = descend.fit(model=descend.models.Linear(1), data=(x, 2 * x), optimizer="sgd", lr=0.01, batch_size=[None, 30],
                       epochs=2, eval_every=1)
    curves = runs.curves
    batch = curves[curves.split == "batch"]
    assert batch[batch.run == 0]["epoch"].tolist() == [0.0, 1.0]  # GD: one step per epoch
    assert batch[batch.run == 1]["epoch"].tolist() == pytest.approx([0, 0.3, 0.6, 0.9, 1.0, 1.3, 1.6, 1.9])


def test_a_masked_model_with_no_valid_sample_is_not_a_perfect_fit():
    # w_A tiny: (x + c)² < w_A² holds for no sample, the masked MSE averages over N′ = 0 samples
    x = torch.linspace(-1.0, 0.5, 64, dtype=torch.float64).unsqueeze(1)
    y = torch.ones(64, 1, dtype=torch.float64)
    model = descend.models.ellipse(1e-6, 1.0)
    objective = descend.engine.make_objective(model, "mse", "regression")
    params = model.init([0], dtype=torch.float64)
    assert objective.value(model, params, x, y).item() == 0.0  # a training batch: no gradient, as in the seed
    assert math.isnan(objective.value(model, params, x, y, empty=math.nan).item())  # evaluation: undefined
    runs = descend.fit(model=model, data=(x, y), loss="mse", optimizer="gd", lr=0.0, steps=2, dtype=torch.float64)
    assert math.isnan(runs.summary["final_train_loss"].iloc[0])
    search = descend.fit(model=descend.models.ellipse(), data=(x, y), loss="mse", optimizer="random-search",
                         scale=0.01, steps=20, dtype=torch.float64)  # tiny candidates leave no valid sample
    assert not (search.summary["final_train_loss"] == 0).any()


def test_compile_auto_compiles_only_when_it_pays(monkeypatch):
    """compile="auto" (the default) times the first eager steps and compiles the rest only when the time saved
    exceeds the cost of compiling, or at once when the process holds the program; the numbers stay the eager
    ones to round-off (on a trajectory where 4 ulps at the start stay below 1e-13)."""
    from collections import OrderedDict

    assert engine.worth_compiling(1e-3, 100, cached=True)
    assert not engine.worth_compiling(1e-3, 0, cached=True)
    assert not engine.worth_compiling(4e-3, 200, cached=False)  # the reference sweep's 200 steps: 0.5 s saved
    assert engine.worth_compiling(4e-3, 20_000, cached=False)  # 53 s saved against 25 s of compiling
    with pytest.raises(ValueError, match="compile='yes' is not allowed"):
        descend.fit(model=MODEL, data=regression_data(8), steps=3, compile="yes")

    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())  # nothing compiled in this process yet
    monkeypatch.setattr(engine, "package_name", lambda key: None)  # nor on disk (tests/test_compile_cache.py)
    x, y = regression_data(8)
    common = dict(model=MODEL, data=(x, y), loss="mse", optimizer="adam", lr=[1e-2, 3e-2], batch_size=8,
                  steps=engine.PROBE_STEPS + 10, seed=0, dtype=torch.float64, record_path=True)
    short = descend.fit(**common)  # a few milliseconds of work: never worth 25 s of compiling
    assert "compile_seconds" not in short.summary and len(engine._PROGRAMS) == 0
    monkeypatch.setattr(engine, "COMPILE_SECONDS", 0.0)  # compiling free: every remaining step pays
    monkeypatch.setattr(engine, "COMPILE_SECONDS_AGAIN", 0.0)  # (also if a process compiled it before)
    auto = descend.fit(**common)
    assert (auto.summary["compile_seconds"] > 0).all() and len(engine._PROGRAMS) == 2  # the step, the evaluation
    eager = descend.fit(compile=False, **common)
    moved = descend.fit(compile=False, **{**common, "lr": 1e-2, "start": moved_start(0)})
    assert_well_conditioned(abs(moved.paths[0] - eager.paths[0]).max(), 1e-10)
    for run in range(2):
        assert abs(auto.paths[run] - eager.paths[run]).max() <= 1e-10
    monkeypatch.setattr(engine, "COMPILE_SECONDS", 1e9)  # however costly: the program is held, so it is used
    again = descend.fit(**common)
    assert (again.summary["compile_seconds"] > 0).all() and len(engine._PROGRAMS) == 2


@pytest.mark.parametrize("name", ["diabetes", "iris", "ellipse"])
def test_compiled_evaluation_equals_eager_at_the_same_parameters(name, monkeypatch):
    """Where the steps are compiled the evaluations are too (one program for every split): at the same parameters
    its loss, accuracy and loss in the target's units equal the eager ones to round-off; a run that has left the
    ellipse's domain is NaN in both."""
    from collections import OrderedDict

    from descend import tasks

    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    problem = tasks.get(name).problem()  # float32, as the tasks train by default
    model = problem.model
    initial = model.init([0, 1, 2])
    sizes, shapes = tuple(p[0].numel() for p in initial), tuple(p.shape[1:] for p in initial)
    flat = torch.cat([p.reshape(3, -1) for p in initial], dim=1)
    if name == "ellipse":
        flat[2] = torch.tensor([0.0, -1.0])  # A = 0: undefined on every sample
    evaluation = engine._CompiledEval(model, problem.objective, sizes, shapes, problem.evals, problem.target_mean,
                                      problem.target_std)
    assert not evaluation.cached(flat)
    compiled, eager = evaluation(flat), evaluation.eager(flat)
    assert evaluation.cached(flat) and len(engine._PROGRAMS) == 1
    assert len(compiled) == len(problem.evals) == 3
    for (value, acc, units), (value_e, acc_e, units_e) in zip(compiled, eager):
        torch.testing.assert_close(value, value_e, rtol=1e-5, atol=1e-6, equal_nan=True)  # float32 round-off
        assert (acc is None) == (acc_e is None) == (problem.objective.kind == "regression")
        if acc is not None:
            torch.testing.assert_close(acc, acc_e, rtol=0, atol=0)
        assert (units is None) == (units_e is None) == (not problem.standardized)
        if units is not None:
            torch.testing.assert_close(units, units_e, rtol=1e-5, atol=1e-6)
    if name == "ellipse":
        assert all(math.isnan(float(value[2])) for value, _, _ in compiled)
        assert all(math.isfinite(float(value[0])) for value, _, _ in compiled)


def test_cached_mode_never_compiles_the_evaluation(monkeypatch):
    """compile="cached" with the step's program held but not the evaluation's: eager steps and eager evaluations
    (a result is all compiled or all eager), and nothing compiled (no package on disk either:
    tests/test_compile_cache.py has those)."""
    from collections import OrderedDict

    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(engine, "package_name", lambda key: None)
    x, y = regression_data(8)
    common = dict(model=MODEL, data=(x, y), loss="mse", optimizer="adam", lr=[1e-2, 3e-2], steps=6, seed=0,
                  dtype=torch.float64, eval_every=2)
    descend.fit(compile=True, **common)
    assert len(engine._PROGRAMS) == 2
    step_key = next(k for k in engine._PROGRAMS if k[0] != "evaluate")
    engine._PROGRAMS.pop(next(k for k in engine._PROGRAMS if k[0] == "evaluate"))
    compiled_calls = []
    original = engine._CompiledEval.__call__
    monkeypatch.setattr(engine._CompiledEval, "__call__", lambda self, w: compiled_calls.append(1) or original(self, w))
    runs = descend.fit(compile="cached", **common)
    assert "compile_seconds" not in runs.summary.columns  # the steps ran eagerly too
    assert compiled_calls == [] and list(engine._PROGRAMS) == [step_key]
    eager = descend.fit(compile=False, **common)
    assert torch.equal(torch.tensor(runs.curves["value"].to_numpy()), torch.tensor(eager.curves["value"].to_numpy()))


def test_threads_follow_the_work_and_the_cores_other_processes_leave():
    assert not engine.shared_out(engine.SMALL_WORK - 1, engine.SMALL_UPDATE)  # too small to share out
    assert not engine.shared_out(engine.SMALL_WORK, engine.SMALL_UPDATE - 1)  # the update's operations too small
    assert engine.shared_out(engine.SMALL_WORK, engine.SMALL_UPDATE)
    assert engine.shared_out(engine.LARGE_WORK, 1)  # a large forward pass is shared out whatever the update
    assert engine.threads_for(False, 8, spare=8.0) == 1  # however free the machine
    assert engine.threads_for(True, 8, spare=8.0) == 8
    assert engine.threads_for(True, 8, spare=2.6) == 3  # to the nearest core
    assert engine.threads_for(True, 2, spare=1.4) == 1  # another process keeps more than half a core
    assert engine.threads_for(True, 2, spare=0.0) == 1
    assert engine.threads_for(True, 2, spare=None) == 2  # not known: torch's setting
    assert engine.threads_for(True, 1, spare=2.0) == 1


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="one intra-op thread only")
def test_a_cohorts_numbers_do_not_depend_on_its_threads(monkeypatch):
    # the reference sweep's shape, large enough for two threads: the same records on one thread and on two
    g = torch.Generator().manual_seed(0)
    x, y = torch.randn(512, 64, generator=g), torch.randint(0, 10, (512,), generator=g)
    model = MLP((64, 32, 10), hidden="tanh", output="softmax")
    lrs = [10 ** (-4 + 3 * i / 15) for i in range(16)]
    update = 16 * (64 * 32 + 32 + 32 * 10 + 10)
    assert engine.shared_out(update * 32, update)
    used, threads = [], torch.get_num_threads()
    real = engine.cohort_threads

    def watched(work, update, runs):
        used.append(real(work, update, runs))
        return used[-1]

    monkeypatch.setattr(engine, "cohort_threads", watched)
    losses = {}
    for spare in (0.0, float(threads)):
        monkeypatch.setattr(engine, "spare_cores", lambda spare=spare: spare)
        runs = descend.fit(model=model, data=(x, y), optimizer="adam", lr=lrs, batch_size=32, steps=30,
                           eval_every=0, compile=False)
        losses[spare] = torch.stack([r.train_loss for r in runs.results])
    assert [t.count for t in used] == [1, threads]
    assert torch.get_num_threads() == threads  # restored
    assert torch.equal(losses[0.0], losses[float(threads)])  # bit for bit: each run's sums on one thread


@pytest.mark.skipif(torch.get_num_threads() < 2, reason="one intra-op thread only")
def test_a_single_runs_numbers_do_not_depend_on_how_busy_the_machine_is(monkeypatch):
    """One run over a batch of 40,000: its loss is a sum to one number, which torch splits between its threads
    (the last bits change with their count), so it takes torch's setting on a busy machine as on a quiet one,
    where it once took one thread when another process kept a core busy."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40_000, 6, generator=g)
    y = torch.sin(x[:, :1]) + x[:, 1:2] * x[:, 2:3]
    model = MLP((6, 32, 32, 1), hidden="tanh")
    threads, used = torch.get_num_threads(), []
    real = engine.cohort_threads
    monkeypatch.setattr(engine, "cohort_threads", lambda *a: used.append(real(*a)) or used[-1])
    curves = {}
    for spare in (0.0, float(threads)):
        monkeypatch.setattr(engine, "spare_cores", lambda spare=spare: spare)
        runs = descend.fit(model=model, data=(x, y), optimizer="adam", lr=1e-2, batch_size="full", steps=4,
                           eval_every=1, compile=False)
        curves[spare] = runs.curves.drop(columns=[c for c in runs.curves if "second" in c])
    assert engine.shared_out(40_000 * 1313, 1313) and [t.count for t in used] == [threads, threads]
    pd.testing.assert_frame_equal(curves[0.0], curves[float(threads)], check_exact=True)
    assert torch.get_num_threads() == threads


def test_an_eager_cohort_looks_at_the_machine_again_as_it_trains(monkeypatch):
    # another process takes a core, then leaves it: the next look after RECHECK_SECONDS follows
    spare, clock = iter([2.0, 1.0, 2.0]), iter([100.0, 100.1, 100.6, 100.7, 101.2, 102.0])
    monkeypatch.setattr(engine, "spare_cores", lambda: next(spare))
    monkeypatch.setattr(engine.time, "monotonic", lambda: next(clock))
    set_to = [2]  # torch's setting, then every change
    monkeypatch.setattr(torch, "get_num_threads", lambda: set_to[-1])
    monkeypatch.setattr(torch, "set_num_threads", set_to.append)
    with engine.cohort_threads(engine.SMALL_WORK, engine.SMALL_UPDATE, 16) as cohort:
        assert cohort.count == 2
        cohort.recheck()  # 0.1 s later: not yet
        cohort.recheck()  # 0.6 s: one core is taken
        assert cohort.count == 1
        cohort.recheck()  # 0.7 s: not yet
        cohort.recheck()  # 1.2 s: free again
        assert cohort.count == 2
    assert set_to == [2, 1, 2]
    with engine.cohort_threads(engine.SMALL_WORK - 1, engine.SMALL_UPDATE, 16) as small:  # one thread, never looks
        small.recheck()
        assert small.count == 1
    assert set_to == [2, 1, 2, 1, 2]  # torch's setting restored


def _failing_rule(error: type[BaseException]):
    """An update rule (plain gradient descent) that raises ``error`` at step 5, after registration's checks."""
    def update(grads, state, params, *, lr=0.01):
        if int(state.step.flatten()[0]) == 5:
            raise error("math domain error")
        return tuple(w - _base.per_run(lr, w) * g for w, g in zip(params, grads)), type(state)(state.step + 1)
    return update


@pytest.fixture
def failing_optimizer():
    """A registered optimizer ``failing-test`` whose rule raises what ``failing_optimizer(error)`` gives."""
    from typing import NamedTuple

    from descend.optim import Hyperparameter, Interval, OptimizerInfo

    State = NamedTuple("State", [("step", torch.Tensor)])

    def make(error):
        descend.optim.register(OptimizerInfo("failing-test", "fails at step 5", lambda p: State(_base.new_step(p)),
                                             _failing_rule(error), (Hyperparameter("lr", 0.01, Interval(0.0), "α",
                                                                                   "learning rate"),), ()),
                               replace=True)
    yield make
    descend.optim.unregister("failing-test")


@pytest.mark.parametrize("error", [ValueError, TypeError])
def test_a_rule_that_raises_while_training_is_named_with_its_step(failing_optimizer, error):
    """A rule's ValueError read as a bad input, naming no optimizer nor step: it is a RuleFailed naming both, and
    the rule's own exception is its cause, with its traceback."""
    failing_optimizer(error)
    with pytest.raises(engine.RuleFailed) as caught:
        descend.fit(task="rosenbrock", optimizer=["adam", "failing-test"], lr=1e-3, steps=20, compile=False)
    failure = caught.value
    assert (failure.optimizer, failure.step) == ("failing-test", 5)
    assert failure.origin == f"registered by {__file__}"
    assert str(failure) == (f"optimizer 'failing-test' (registered by {__file__}) failed at step 5: "
                            f"{error.__name__}: math domain error")
    assert isinstance(failure.__cause__, error) and failure.__cause__.__traceback__ is not None
    assert not isinstance(failure, ValueError)  # not a bad input


def test_a_rule_that_raises_while_compiled_is_named_too(failing_optimizer):
    """A compiled step runs the rule when it is traced: the value check cannot be, and says so."""
    failing_optimizer(ValueError)
    with pytest.raises(engine.RuleFailed, match=r"^optimizer 'failing-test' \(registered by .*\) failed at step 0, "
                                                r"while its step was traced to be compiled: "):
        descend.fit(task="rosenbrock", optimizer="failing-test", lr=1e-3, steps=20, compile=True)


def test_a_rule_that_branches_on_a_tensors_value_is_told_what_traces_when_compiled():
    """compile=True said only torch's "Could not guard on data-dependent expression", where compile="auto" warns
    that a branch on a tensor's value cannot be traced and torch.where can: it says so too, in the same words."""
    from typing import NamedTuple

    from descend.optim import Hyperparameter, Interval, OptimizerInfo

    State = NamedTuple("State", [("step", torch.Tensor)])

    def warm_up(grads, state, params, *, lr=0.01):
        factor = 0.1 if state.step < 3 else 1.0
        return tuple(w - factor * _base.per_run(lr, w) * g for w, g in zip(params, grads)), State(state.step + 1)

    descend.optim.register(OptimizerInfo("branching-test", "branches on its step", lambda p: State(_base.new_step(p)),
                                         warm_up, (Hyperparameter("lr", 0.01, Interval(0.0), "α", "rate"),), ()))
    try:
        with pytest.raises(engine.RuleFailed) as caught:
            descend.fit(task="rosenbrock", optimizer="branching-test", lr=1e-3, steps=20, compile=True)
    finally:
        descend.optim.unregister("branching-test")
    said = str(caught.value)
    assert said.startswith("optimizer 'branching-test' (registered by ") and "GuardOnDataDependentSymNode" in said
    assert said.endswith(". A rule that branches on a tensor's value (`if state.step < 10`) cannot be traced; "
                         "torch.where(...) can")
    # another failure while tracing, or a value refused eagerly, is not such a branch
    assert "torch.where" not in str(engine.RuleFailed("x", "descend's own", RuntimeError("boom"), 0, compiling=True))


def test_descends_own_rule_that_raises_is_named_as_descends(monkeypatch):
    from descend.optim import registry

    monkeypatch.setitem(registry._REGISTRY, "gd", dataclasses.replace(registry._REGISTRY["gd"],
                                                                      update=_failing_rule(RuntimeError)))
    with pytest.raises(engine.RuleFailed, match=r"^optimizer 'gd' \(descend's own\) failed at step 5: RuntimeError"):
        descend.fit(task="rosenbrock", optimizer="gd", lr=1e-3, steps=20, compile=False)


def test_ctrl_c_in_a_rule_still_keeps_what_finished(failing_optimizer):
    failing_optimizer(KeyboardInterrupt)
    runs = descend.fit(task="rosenbrock", optimizer="failing-test", lr=1e-3, steps=20, compile=False)
    assert runs.interrupted and (runs.summary["steps_done"] == 5).all()
