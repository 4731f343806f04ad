"""Tests for descend.data: data sets from arrays/tensors/lists/DataFrames, seeded splits with standardization,
and mini-batch plans for every batch regime of seed 004 (m = 512: batch 1 / 32 / 512 / hybrid), checked against
a plain-Python oracle of the documented rule, and every bad input against its ValueError."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch

from descend.data import (
    Batch,
    BatchPlan,
    Dataset,
    Splits,
    as_dataset,
    batches,
    hybrid,
    split,
    stack_plans,
)

M = 512  # seed 004's training set


def epoch_batches(plan: BatchPlan) -> dict[int, list[torch.Tensor]]:
    out: dict[int, list[torch.Tensor]] = {}
    for batch in plan:
        out.setdefault(batch.epoch, []).append(batch.index)
    return out


def reference(m, batch_size, seed, *, steps=None, epochs=None, drop_last=False):
    """The documented rule written out step by step: (index, epoch, last_in_epoch) per step."""
    g = torch.Generator().manual_seed(seed)
    out, e = [], 0
    while epochs is None or e < epochs:
        b = batch_size(e) if callable(batch_size) else batch_size
        b = m if b is None else b
        order = torch.arange(m) if b == m else torch.randperm(m, generator=g)
        cuts = [order[k : k + b] for k in range(0, m, b) if not (drop_last and k + b > m)]
        for i, index in enumerate(cuts):
            out.append((index, e, i == len(cuts) - 1))
            if steps is not None and len(out) == steps:
                return out
        e += 1
    return out


# ---------------------------------------------------------------------------------------------------------------
# Batch regimes
# ---------------------------------------------------------------------------------------------------------------

REGIMES = {"sgd": 1, "mini-batch": 32, "gd": 512, "gd-none": None, "hybrid": hybrid(), "odd": 100}


@pytest.mark.parametrize("batch_size", REGIMES.values(), ids=REGIMES.keys())
def test_each_epoch_is_a_permutation_when_keeping_the_last_batch(batch_size):
    plan = batches(M, batch_size=batch_size, seed=3, epochs=10)
    per_epoch = epoch_batches(plan)
    assert sorted(per_epoch) == list(range(10))
    for e, parts in per_epoch.items():
        union = torch.cat(parts)
        assert union.dtype == torch.int64
        assert torch.equal(torch.sort(union).values, torch.arange(M)), e


@pytest.mark.parametrize("m, b", [(100, 32), (512, 100), (10, 3), (512, 32)])
def test_drop_last_drops_m_mod_b_samples_per_epoch(m, b):
    keep = batches(m, batch_size=b, seed=1, epochs=3)
    drop = batches(m, batch_size=b, seed=1, epochs=3, drop_last=True)
    assert len(keep) == 3 * -(-m // b)
    assert len(drop) == 3 * (m // b)
    assert set(drop.sizes.tolist()) == {b}
    for parts in epoch_batches(drop).values():
        union = torch.cat(parts)
        assert union.numel() == m - m % b and union.unique().numel() == union.numel()
    if m % b:
        assert epoch_batches(keep)[0][-1].numel() == m % b


@pytest.mark.parametrize("batch_size", [M, None])
def test_gd_yields_all_samples_every_step(batch_size):
    plan = batches(M, batch_size=batch_size, seed=0, epochs=5)
    assert len(plan) == 5
    for t, batch in enumerate(plan):
        assert torch.equal(batch.index, torch.arange(M))
        assert (batch.epoch, batch.step, batch.last_in_epoch) == (t, t, True)


def test_sgd_yields_m_batches_of_one_per_epoch():
    plan = batches(M, batch_size=1, seed=0, epochs=2)
    assert len(plan) == 2 * M
    assert set(plan.sizes.tolist()) == {1}
    assert plan.epochs.tolist() == [0] * M + [1] * M
    assert plan.last_in_epoch.nonzero().flatten().tolist() == [M - 1, 2 * M - 1]


def test_hybrid_is_32_for_8_epochs_then_512():
    plan = batches(M, batch_size=hybrid(first=32, epochs=8, then=512), seed=0, epochs=12)
    assert len(plan) == 8 * 16 + 4
    for e, parts in epoch_batches(plan).items():
        assert [p.numel() for p in parts] == ([32] * 16 if e < 8 else [512])
    assert hybrid()(7) == 32 and hybrid()(8) == 512 and hybrid(then=None)(8) is None
    full = batches(M, batch_size=hybrid(then=None), seed=0, epochs=12)
    assert torch.equal(full.sizes, plan.sizes)


def test_schedule_callable_and_dataset_as_n():
    ds = as_dataset(torch.randn(40, 2), torch.randn(40))
    plan = batches(ds, batch_size=lambda e: [4, 8, None][min(e, 2)], seed=0, epochs=4)
    assert plan.m == 40
    assert [len(p) for p in epoch_batches(plan).values()] == [10, 5, 1, 1]


def test_same_seed_same_order_different_seed_different_order():
    a = batches(M, batch_size=32, seed=7, epochs=3)
    b = batches(M, batch_size=32, seed=7, epochs=3)
    c = batches(M, batch_size=32, seed=8, epochs=3)
    assert all(torch.equal(x, y) for x, y in zip(a.indices, b.indices))
    assert not all(torch.equal(x, y) for x, y in zip(a.indices, c.indices))
    # a fresh permutation every epoch
    per_epoch = epoch_batches(a)
    assert not torch.equal(torch.cat(per_epoch[0]), torch.cat(per_epoch[1]))


def test_steps_budget_crosses_epochs_and_is_a_prefix_of_the_epochs_budget():
    by_steps = batches(M, batch_size=32, seed=2, steps=50)
    by_epochs = batches(M, batch_size=32, seed=2, epochs=4)
    assert len(by_steps) == 50 and len(by_epochs) == 64
    assert by_steps.n_epochs == 4
    assert all(torch.equal(x, y) for x, y in zip(by_steps.indices, by_epochs.indices[:50]))
    assert torch.equal(by_steps.epochs, by_epochs.epochs[:50])
    assert not by_steps.last_in_epoch[-1]  # 50 = 3 * 16 + 2: stops mid-epoch
    assert by_steps.last_in_epoch.sum() == 3
    exact = batches(M, batch_size=32, seed=2, steps=48)
    assert len(exact) == 48 and exact.last_in_epoch[-1] and exact.n_epochs == 3


def test_plan_access_iteration_and_batch_fields():
    plan = batches(100, batch_size=32, seed=0, epochs=2)
    listed = list(plan)
    assert all(isinstance(b, Batch) for b in listed)
    assert [b.step for b in listed] == list(range(len(plan)))
    assert [b.size for b in listed] == [32, 32, 32, 4] * 2
    assert [b.last_in_epoch for b in listed] == [False, False, False, True] * 2
    for t, b in enumerate(listed):
        assert torch.equal(plan[t], b.index)
    assert torch.equal(plan[-1], listed[-1].index)
    index, epoch, step, last = listed[5]
    assert (epoch, step, last) == (1, 5, False)
    assert plan.seed == 0 and plan.runs is None and "BatchPlan(m=100" in repr(plan)


CASES = list(
    itertools.product(
        [7, 33],
        [1, 3, 7, None, "hybrid"],
        [False, True],
        [{"steps": 1}, {"steps": 23}, {"epochs": 1}, {"epochs": 4}],
    )
)


@pytest.mark.parametrize("m, batch_size, drop_last, budget", CASES)
def test_plan_matches_the_documented_rule(m, batch_size, drop_last, budget):
    if batch_size == "hybrid":
        batch_size = hybrid(first=2, epochs=2, then=None)
    plan = batches(m, batch_size=batch_size, seed=5, drop_last=drop_last, **budget)
    expected = reference(m, batch_size, 5, drop_last=drop_last, **budget)
    got = [(b.index, b.epoch, b.last_in_epoch) for b in plan]
    assert len(got) == len(expected)
    for (i1, e1, l1), (i2, e2, l2) in zip(got, expected):
        assert torch.equal(i1, i2) and (e1, l1) == (e2, l2)


def test_planning_is_a_permutation_per_epoch_and_a_layout_of_tensors(monkeypatch):
    # what keeps planning 10^5 steps cheap (a few tens of milliseconds): no Python object per step
    permutations, randperm = [], torch.randperm
    monkeypatch.setattr(torch, "randperm", lambda *a, **k: permutations.append(randperm(*a, **k)) or permutations[-1])
    plan = batches(M, batch_size=32, seed=0, steps=100_000)
    assert len(plan) == 100_000 and plan.n_epochs == 6250
    assert len(permutations) == 6250 and all(o is p for o, p in zip(plan.orders, permutations))
    for layout in (plan.sizes, plan.epochs, plan.starts, plan.last_in_epoch):
        assert isinstance(layout, torch.Tensor) and layout.shape == (100_000,)


# ---------------------------------------------------------------------------------------------------------------
# Stacking plans for a cohort
# ---------------------------------------------------------------------------------------------------------------


def test_stack_plans_gives_one_row_per_run():
    plans = [batches(M, batch_size=32, seed=s, steps=40) for s in (0, 1, 2)]
    stacked = stack_plans(plans, [0, 2, 2, 1])
    assert stacked.runs == 4 and stacked.seeds == (0, 2, 2, 1) and len(stacked) == 40
    for t in (0, 17, 39):
        index = stacked[t]
        assert index.shape == (4, 32) and index.dtype == torch.int64
        for k, s in enumerate((0, 2, 2, 1)):
            assert torch.equal(index[k], plans[s][t])
    batch = next(iter(stacked))
    assert batch.index.shape == (4, 32) and batch.size == 32
    by_mapping = stack_plans({s: p for s, p in zip((0, 1, 2), plans)}, torch.tensor([1, 0]))
    assert torch.equal(by_mapping[3], torch.stack([plans[1][3], plans[0][3]]))
    assert stack_plans(plans).seeds == (0, 1, 2)
    # GD epochs of a hybrid plan share their order
    hyb = stack_plans([batches(M, batch_size=hybrid(), seed=s, epochs=10) for s in (0, 1)])
    assert hyb[-1].shape == (2, M) and torch.equal(hyb[-1][1], torch.arange(M))


def test_plans_with_the_same_batches_whatever_their_seeds():
    full = [batches(M, batch_size=None, seed=s, steps=30) for s in (0, 1)]
    assert full[0].same_batches(full[1]) and full[1].same_batches(full[0])  # the full batch ignores the seed
    assert full[0].same_batches(batches(M, batch_size=None, seed=0, epochs=30))
    mini = [batches(M, batch_size=32, seed=s, steps=30) for s in (0, 1)]
    assert mini[0].same_batches(batches(M, batch_size=32, seed=0, steps=30)) and not mini[0].same_batches(mini[1])
    assert not full[0].same_batches(batches(M, batch_size=None, seed=0, steps=31))  # another number of steps
    assert not full[0].same_batches(batches(M + 1, batch_size=None, seed=0, steps=30))  # another training set
    # a hybrid regime's full-batch epochs come after mini-batches drawn by the seed
    hyb = [batches(M, batch_size=hybrid(), seed=s, epochs=10) for s in (0, 1)]
    assert not hyb[0].same_batches(hyb[1])


def test_stack_plans_errors():
    a = batches(M, batch_size=32, seed=0, epochs=10)
    b = batches(M, batch_size=hybrid(first=32, epochs=2), seed=1, epochs=10)
    with pytest.raises(ValueError, match="can't share a cohort"):
        stack_plans([a, b])
    c = batches(M, batch_size=32, seed=1, steps=100)
    with pytest.raises(ValueError, match="can't share a cohort: .*160 steps .* 100"):
        stack_plans([a, c])
    d = batches(M, batch_size=hybrid(first=32, epochs=2, then=64), seed=1, steps=160)
    message = r"at step 32 run 0 \(seed 0\) has a batch of 32 samples but run 1 \(seed 1\) has 64"
    with pytest.raises(ValueError, match=message):
        stack_plans([a, d])
    with pytest.raises(ValueError, match="can't share a cohort: run 0 has 512 training samples but run 1 has 500"):
        stack_plans([a, batches(500, batch_size=32, seed=1, epochs=10)])
    with pytest.raises(ValueError, match=r"run_seeds\[1\]=5 has no plan; plans were drawn with seeds 0"):
        stack_plans([a], [0, 5])
    with pytest.raises(ValueError, match="plans is empty"):
        stack_plans([])
    with pytest.raises(ValueError, match=r"plans\[0\] must be a BatchPlan"):
        stack_plans([[1, 2]])
    with pytest.raises(ValueError, match="already stacked"):
        stack_plans([stack_plans([a])])
    with pytest.raises(ValueError, match="run_seeds"):
        stack_plans([a], [])


# ---------------------------------------------------------------------------------------------------------------
# Bad batch arguments
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"batch_size": 600},
            r"^batch_size=600 is larger than the training set \(512 samples\); allowed: 1\.\.512, or None",
        ),
        ({"batch_size": 0}, r"batch_size=0 is out of range; allowed: 1\.\.512"),
        ({"batch_size": -4}, r"batch_size=-4 is out of range"),
        ({"batch_size": 2.5}, r"batch_size=2\.5 must be a whole number of samples"),
        ({"batch_size": 32.0}, r"batch_size=32\.0 must be a whole number"),
        ({"batch_size": "32"}, r"batch_size='32' must be a whole number"),
        ({"batch_size": True}, r"batch_size=True must be a whole number"),
        ({"batch_size": hybrid(then=600)}, r"batch_size\(8\)=600 is larger than the training set \(512 samples\)"),
        ({"batch_size": lambda e: 0.5}, r"batch_size\(0\)=0\.5 must be a whole number"),
        ({"batch_size": 32, "epochs": None}, "exactly one budget.*got neither"),
        ({"batch_size": 32, "steps": 10}, "exactly one budget.*got both"),
        ({"batch_size": 32, "epochs": 0}, r"epochs=0 is out of range; allowed: \[1, inf\)"),
        ({"batch_size": 32, "epochs": None, "steps": 0}, r"steps=0 is out of range"),
        ({"batch_size": 32, "epochs": 1.5}, r"epochs=1\.5 must be a number of epochs"),
        ({"batch_size": 32, "seed": -1}, r"seed=-1 is out of range"),
        ({"batch_size": 32, "seed": 0.5}, r"seed=0\.5 must be a non-negative int"),
        ({"batch_size": 32, "drop_last": "yes"}, r"drop_last='yes' must be True or False"),
    ],
)
def test_bad_batch_arguments(kwargs, message):
    args = {"seed": 0, "epochs": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        batches(M, **args)


def test_bad_training_set_size_and_hybrid_fields():
    with pytest.raises(ValueError, match="n=0: the training set is empty"):
        batches(0, batch_size=1, seed=0, epochs=1)
    with pytest.raises(ValueError, match="n=3.0 must be the number of training samples"):
        batches(3.0, batch_size=1, seed=0, epochs=1)
    with pytest.raises(ValueError, match=r"first=0 is out of range; allowed: \[1, inf\)"):
        hybrid(first=0)
    with pytest.raises(ValueError, match=r"epochs=-1 is out of range"):
        hybrid(epochs=-1)
    with pytest.raises(ValueError, match=r"then=2\.5 must be a batch size"):
        hybrid(then=2.5)
    plan = batches(10, batch_size=3, seed=0, epochs=1)
    with pytest.raises(ValueError, match="step t=4 is out of range; the plan has 4 steps"):
        plan[4]


# ---------------------------------------------------------------------------------------------------------------
# Data sets
# ---------------------------------------------------------------------------------------------------------------


def test_as_dataset_from_numpy_torch_and_lists():
    x = np.arange(12.0).reshape(6, 2)
    y = np.linspace(0, 1, 6)
    for xs, ys in [(x, y), (torch.from_numpy(x), torch.from_numpy(y)), (x.tolist(), y.tolist())]:
        ds = as_dataset(xs, ys)
        assert isinstance(ds, Dataset) and len(ds) == 6
        assert ds.x.dtype == torch.float32 and ds.x.shape == (6, 2) and ds.y.dtype == torch.float32
        assert ds.kind == "regression" and ds.classes is None
        assert ds.feature_names == ("x0", "x1") and ds.target_name == "y"
        assert torch.allclose(ds.x.double(), torch.from_numpy(x))
    one = as_dataset(np.arange(5.0), np.arange(5.0), dtype=torch.float64)
    assert one.x.shape == (5, 1) and one.x.dtype == torch.float64
    multi = as_dataset(x, np.ones((6, 3)) * np.arange(6.0)[:, None], feature_names=["a", "b"], target=None)
    assert multi.y.shape == (6, 3) and multi.feature_names == ("a", "b")


def test_as_dataset_copies_its_input():
    x = np.zeros((3, 1), dtype=np.float32)
    ds = as_dataset(x, np.array([0.0, 1.0, 2.0], dtype=np.float32))
    x[0, 0] = 5.0
    assert ds.x[0, 0] == 0.0


def test_kind_inference():
    x = np.zeros((6, 1))
    assert as_dataset(x, np.array([0.0, 1, 0, 1, 1, 0])).kind == "regression"  # float y: regression
    binary = as_dataset(x, np.array([0, 1, 0, 1, 1, 0]))
    assert binary.kind == "binary" and binary.y.dtype == torch.float32 and binary.classes == (0, 1)
    assert as_dataset(x, np.array([True, False] * 3)).kind == "binary"
    multi = as_dataset(x, np.array([0, 1, 2, 1, 2, 0]))
    assert multi.kind == "multiclass" and multi.y.dtype == torch.int64 and multi.classes == (0, 1, 2)
    assert multi.n_classes == 3
    assert as_dataset(x, np.array([0.0, 1, 0, 1, 1, 0]), kind="binary").kind == "binary"
    soft = as_dataset(x, np.array([0.1, 0.9, 0.5, 0.5, 1, 0]), kind="binary")
    assert soft.y.dtype == torch.float32
    declared = as_dataset(x, [0.0, 1, 1, 0, 1, 0], kind="multiclass", classes=["cat", "dog", "bird"])
    assert declared.classes == ("cat", "dog", "bird") and declared.y.dtype == torch.int64
    column = as_dataset(x, np.array([[0], [1], [2], [0], [1], [2]]))
    assert column.kind == "multiclass" and column.y.shape == (6,)


def test_classes_naming_more_than_two_make_labels_0_and_1_multiclass():
    """as_dataset(x, y, classes=range(3)) with labels 0 and 1 only (a class unseen in these rows) was read as
    binary from the labels, then refused: "kind='binary' needs exactly 2 classes", a kind the user never gave."""
    x, y = torch.randn(6, 2), torch.tensor([0, 1, 0, 1, 0, 1])
    ds = as_dataset(x, y, classes=range(3))
    assert ds.kind == "multiclass" and ds.classes == (0, 1, 2) and ds.y.tolist() == y.tolist()
    assert as_dataset(x, y.reshape(-1, 1), classes=["a", "b", "c"]).kind == "multiclass"  # a column of them too
    assert as_dataset(x, y).kind == "binary" and as_dataset(x, y, classes=["no", "yes"]).kind == "binary"
    with pytest.raises(ValueError, match=r"classes=\(0, 1, 2\) has 3 entries; kind='binary' needs exactly 2"):
        as_dataset(x, y, classes=range(3), kind="binary")  # given: its own words


def test_integer_one_hot_rows_are_their_class_labels():
    """torch.nn.functional.one_hot's rows read as C binary labels: fit trained C sigmoids with binary cross-entropy
    where a C-class softmax was meant, and a softmax model was refused for having more outputs than "2 classes"."""
    x = torch.randn(200, 5, generator=torch.Generator().manual_seed(0))
    labels = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    onehot = torch.nn.functional.one_hot(labels, 4)  # class 3 absent: C is the columns
    ds = as_dataset(x, onehot)
    assert ds.kind == "multiclass" and ds.classes == (0, 1, 2, 3) and torch.equal(ds.y, labels)
    assert as_dataset(x, onehot.bool()).kind == "multiclass"
    kept = as_dataset(x, onehot, kind="binary")  # several binary labels, as asked
    assert kept.kind == "binary" and kept.y.shape == (200, 4)
    several = onehot.clone()
    several[0, 3] = 1  # two labels in a row: binary labels, as before
    assert as_dataset(x, several).kind == "binary"
    import descend

    kw = dict(optimizer="adam", lr=0.05, steps=20, compile=False, dtype=torch.float64)
    rows = descend.fit(model=descend.models.Linear(5, 4), data=(x, onehot), **kw).summary
    ints = descend.fit(model=descend.models.Linear(5, 4), data=as_dataset(x, labels, classes=range(4)), **kw).summary
    assert rows["final_train_loss"].tolist() == ints["final_train_loss"].tolist()
    assert rows["final_train_accuracy"].tolist() == ints["final_train_accuracy"].tolist()


def test_dataframe_with_target_column():
    df = pd.DataFrame(
        {"age": [20, 30, 40, 50], "income": [1.0, 2.5, 3.0, 4.5], "member": [True, False, True, False],
         "bought": [0, 1, 1, 0]}
    )
    ds = as_dataset(df, target="bought")
    assert ds.feature_names == ("age", "income", "member") and ds.target_name == "bought"
    assert ds.kind == "binary" and ds.x.shape == (4, 3)
    assert torch.equal(ds.x[:, 2], torch.tensor([1.0, 0.0, 1.0, 0.0]))
    reg = as_dataset(df[["age", "member"]], df["income"])
    assert reg.target_name == "income" and reg.kind == "regression"
    assert torch.allclose(reg.y, torch.tensor([1.0, 2.5, 3.0, 4.5]))


def test_dataset_to_and_subset():
    ds = as_dataset(np.arange(10.0).reshape(5, 2), np.array([0, 1, 2, 1, 0]))
    wide = ds.to(torch.float64)
    assert wide.x.dtype == torch.float64 and wide.y.dtype == torch.int64 and wide.classes == ds.classes
    sub = ds.subset([3, 0])
    assert torch.equal(sub.y, torch.tensor([1, 0])) and torch.equal(sub.x[0], ds.x[3])
    assert len(ds.subset(torch.tensor([True, False, True, False, False]))) == 2
    assert len(ds.subset([])) == 0
    message = r"indices\[1\]=5 is out of range for a data set of 5 samples; allowed: 0\.\.4"
    with pytest.raises(ValueError, match=message):
        ds.subset([0, 5])
    with pytest.raises(ValueError, match="boolean mask of length 2 but the data set has 5 samples"):
        ds.subset([True, False])
    with pytest.raises(ValueError, match="indices has dtype torch.float32"):
        ds.subset([0.5])
    with pytest.raises(ValueError, match="dtype=torch.int64 is not allowed; give a floating-point torch dtype"):
        ds.to(torch.int64)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: as_dataset(np.zeros((0, 2)), np.zeros(0)), r"x is empty \(0 samples\)"),
        (lambda: as_dataset(np.zeros((100, 2)), np.zeros(99)), r"^x has 100 rows but y has 99"),
        (
            lambda: as_dataset(np.array([[0.0, 1], [2, np.nan]]), [0.0, 1], feature_names=["a", "b"]),
            r"x has a non-finite value \(nan\) at row 1, feature 'b' \(column 1\)",
        ),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, np.inf, 1]), r"y has a non-finite value \(inf\) at row 1"),
        (
            lambda: as_dataset(np.zeros((2, 1)), [[0.0, 1], [2, -np.inf]]),
            r"y has a non-finite value \(-inf\) at row 1, column 1",
        ),
        (
            lambda: as_dataset(np.array([[1e39], [0.0]]), [0.0, 1]),
            r"x has the value 1e\+39, which overflows torch.float32",
        ),
        (
            lambda: as_dataset(np.zeros((3, 1)), [0.0, 1.5, 1], kind="binary"),
            r"y=1\.5 at row 1 is outside \[0, 1\]; kind='binary'",
        ),
        (
            lambda: as_dataset(np.zeros((4, 1)), [0, 1, 3, 1]),
            r"y: class label 3 at row 2 is not in 0\.\.2",
        ),
        (
            lambda: as_dataset(np.zeros((3, 1)), [0, -1, 1], kind="multiclass"),
            r"y: class label -1 at row 1 is not in 0\.\.2",
        ),
        (
            lambda: as_dataset(np.zeros((3, 1)), [0.0, 0.5, 1], kind="multiclass"),
            r"y=0\.5 at row 1 is not a whole number",
        ),
        (
            lambda: as_dataset(np.zeros((3, 1)), [0, 1, 2], classes=["a", "b"]),
            r"class label 2 at row 2 is not in 0\.\.1 \(C = 2 classes given\)",
        ),
        (lambda: as_dataset(np.zeros((3, 1)), [1, 1, 1]), r"y has a single class \(every label is 1\)"),
        (lambda: as_dataset(np.zeros((3, 1)), [0, 0, 0]), r"y has a single class \(every label is 0\)"),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, 0, 0], kind="binary"), r"y has a single class"),
        (lambda: as_dataset(np.zeros((3, 1)), [2, 2, 2], kind="multiclass"), r"y has a single class"),
        (lambda: as_dataset(np.zeros((3, 1)), [[0, 1, 2]] * 3), "its kind can't be inferred"),
        (lambda: as_dataset(np.zeros((3, 1)), [[0, 1], [1, 2], [2, 0]], kind="multiclass"), "one column"),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, 1, 2], kind="clustering"), r"kind='clustering' is not allowed"),
        (
            lambda: as_dataset(np.zeros((3, 2)), [0.0, 1, 2], feature_names=["a"]),
            "feature_names has 1 names but x has 2",
        ),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, 1, 2], dtype=torch.int32), "dtype=torch.int32 is not allowed"),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, 1, 2], classes=["a", "b"]), "classes=.* only for kind='binary'"),
        (lambda: as_dataset(np.zeros((3, 1))), "y is required"),
        (lambda: as_dataset([["a"], ["b"]], [0.0, 1]), "x has dtype <U1; numeric values are required"),
        (lambda: as_dataset([[1.0, 2.0], [3.0]], [0.0, 1]), r"x could not be read as an array"),
        (lambda: as_dataset(np.float64(2.0), [0.0]), r"x is a single number; x must be \[m, D\]"),
        (lambda: as_dataset(np.zeros((2, 3, 0)), [0.0, 1]), r"x has 0 features \(shape \[2, 3, 0\]\)"),
        (lambda: as_dataset(np.zeros((2, 2, 2)), [0.0, 1], feature_names=["a", "b"]),
         r"feature_names has 2 names but x has 4 features \(the 4 numbers of each sample \[2, 2\]\)"),
        (lambda: as_dataset(np.zeros((3, 0)), [0.0, 1, 2]), "x has 0 features"),
        (lambda: as_dataset(np.zeros((3, 1)), [0.0, 1, 2], target="y"), "target='y' names a column of a pandas"),
    ],
)
def test_bad_data(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_dataframes():
    df = pd.DataFrame({"city": ["a", "b", "c"], "size": [1.0, 2.0, 3.0], "label": [0, 1, 0], "name": ["x", "y", "z"]})
    with pytest.raises(ValueError, match=r"x: column 'city' \(column 1\) has dtype .*only numeric columns"):
        as_dataset(df[["size", "city", "label"]], target="label")
    with pytest.raises(ValueError, match=r"target='lable' is not a column of the DataFrame; did you mean 'label'\?"):
        as_dataset(df, target="lable")
    with pytest.raises(ValueError, match="target column 'name' has dtype"):
        as_dataset(df[["size", "name"]], target="name")
    with pytest.raises(ValueError, match="give either target='label' .* or y, not both"):
        as_dataset(df[["size", "label"]], df["label"], target="label")
    with pytest.raises(ValueError, match=r"x has a non-finite value \(nan\) at row 1, feature 'size' \(column 0\)"):
        as_dataset(pd.DataFrame({"size": [1.0, None, 3.0], "t": [0.0, 1.0, 2.0]}), target="t")


def test_dataset_construction_checks():
    x, y = torch.zeros(3, 2), torch.zeros(3)
    with pytest.raises(ValueError, match="x must be a floating-point tensor of shape"):
        Dataset(torch.zeros(3, 2, dtype=torch.int64), y, ("a", "b"))
    with pytest.raises(ValueError, match=r"y has shape \[4\] but x has 3 rows"):
        Dataset(x, torch.zeros(4), ("a", "b"))
    with pytest.raises(ValueError, match="feature_names has 1 names but x has 2 features"):
        Dataset(x, y, ("a",))
    with pytest.raises(ValueError, match="kind='multiclass' needs int64 class indices"):
        Dataset(x, y, ("a", "b"), kind="multiclass", classes=(0, 1))
    with pytest.raises(ValueError, match="kind='multiclass' needs a tuple of at least 2 classes"):
        Dataset(x, torch.zeros(3, dtype=torch.int64), ("a", "b"), kind="multiclass")


# ---------------------------------------------------------------------------------------------------------------
# Splits
# ---------------------------------------------------------------------------------------------------------------


def numbered(m: int = 100) -> Dataset:
    """Row i has features (i, 2i + noise, 7) and target i, so rows can be traced through a split."""
    g = torch.Generator().manual_seed(0)
    i = torch.arange(m, dtype=torch.float64)
    x = torch.stack([i, 2 * i + torch.randn(m, generator=g, dtype=torch.float64), torch.full((m,), 7.0)], 1)
    return as_dataset(x, i, feature_names=["id", "twice", "const"], dtype=torch.float64)


def test_split_sizes_disjoint_and_deterministic():
    ds = numbered()
    parts = split(ds, validation=0.2, test=0.1, seed=4)
    assert isinstance(parts, Splits)
    assert (len(parts.train), len(parts.validation), len(parts.test)) == (70, 20, 10)
    ids = [set(p.y.tolist()) for p in (parts.train, parts.validation, parts.test)]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])
    assert set.union(*ids) == set(range(100))
    for p in (parts.train, parts.validation, parts.test):
        assert torch.equal(p.x[:, 0], p.y)  # rows keep their targets
        assert p.feature_names == ds.feature_names and p.kind == ds.kind
    again = split(ds, validation=0.2, test=0.1, seed=4)
    assert torch.equal(again.train.y, parts.train.y) and torch.equal(again.test.y, parts.test.y)
    other = split(ds, validation=0.2, test=0.1, seed=5)
    assert not torch.equal(other.train.y, parts.train.y)
    assert parts.mean is None and parts.std is None


def test_split_with_zero_fractions_gives_empty_sets():
    parts = split(numbered(10), validation=0.0, test=0.0)
    assert len(parts.train) == 10 and len(parts.validation) == 0 and len(parts.test) == 0
    assert parts.validation.x.shape == (0, 3)
    small = split(numbered(4), validation=0.1, test=0.0)
    assert len(small.validation) == 1  # a positive fraction keeps at least one sample


def test_standardize_uses_training_statistics_only():
    ds = numbered()
    parts = split(ds, validation=0.2, test=0.2, seed=1, standardize=True)
    train = parts.train.x
    assert torch.allclose(train[:, :2].mean(0), torch.zeros(2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(train[:, :2].std(0, correction=0), torch.ones(2, dtype=torch.float64))
    assert torch.equal(train[:, 2], torch.zeros(60, dtype=torch.float64))  # constant feature: std taken as 1
    assert parts.std[2] == 1.0 and parts.mean[2] == 7.0
    raw = split(ds, validation=0.2, test=0.2, seed=1)
    assert torch.allclose(parts.mean, raw.train.x.mean(0))
    for scaled, original in [(parts.validation, raw.validation), (parts.test, raw.test)]:
        assert torch.allclose(scaled.x, (original.x - parts.mean) / parts.std)
        assert not torch.allclose(scaled.x[:, :2].mean(0), torch.zeros(2, dtype=torch.float64), atol=1e-3)
    assert torch.equal(parts.train.y, raw.train.y)  # targets are not standardized
    assert parts.target_mean is None and parts.target_std is None and not parts.target_standardized


def test_standardize_target_uses_training_statistics_only():
    ds = numbered()
    raw = split(ds, validation=0.2, test=0.2, seed=1)
    parts = split(ds, validation=0.2, test=0.2, seed=1, standardize_target=True)
    assert parts.target_standardized and parts.mean is None  # independent of the features' standardization
    y = raw.train.y
    assert parts.target_mean.shape == () and parts.target_mean.dtype == torch.float64
    assert parts.target_mean == y.mean() and torch.isclose(parts.target_std, y.std(correction=0))
    assert torch.allclose(parts.train.y.mean(), torch.zeros((), dtype=torch.float64), atol=1e-12)
    assert torch.isclose(parts.train.y.std(correction=0), torch.ones((), dtype=torch.float64))
    for scaled, original in [(parts.train, raw.train), (parts.validation, raw.validation), (parts.test, raw.test)]:
        assert torch.equal(scaled.x, original.x)  # features untouched
        assert torch.allclose(scaled.y, (original.y - parts.target_mean) / parts.target_std)
        # and back to the original units: y·σ + μ
        assert torch.allclose(scaled.y * parts.target_std + parts.target_mean, original.y)
    # the held-out targets are scaled with the training statistics, not their own
    assert not torch.allclose(parts.test.y.mean(), torch.zeros((), dtype=torch.float64), atol=1e-3)
    both = split(ds, validation=0.2, test=0.2, seed=1, standardize=True, standardize_target=True)
    assert torch.equal(both.train.y, parts.train.y) and torch.equal(both.mean, split(
        ds, validation=0.2, test=0.2, seed=1, standardize=True).mean)


def test_standardize_target_per_column_constant_and_float32():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(50, 2, generator=g)
    y = torch.stack([400 + 50 * torch.randn(50, generator=g), torch.full((50,), 3.0)], 1)
    parts = split(as_dataset(x, y), validation=0.2, test=0.2, seed=0, standardize_target=True)
    assert parts.target_mean.shape == (2,) and parts.target_mean.dtype == torch.float32
    assert parts.target_std[1] == 1.0 and parts.target_mean[1] == 3.0  # a constant target: std taken as 1
    assert torch.equal(parts.test.y[:, 1], torch.zeros(10))
    assert abs(float(parts.train.y[:, 0].mean())) < 1e-5 and abs(float(parts.train.y[:, 0].std(correction=0)) - 1) < 1e-5


def test_standardize_target_is_for_regression_only():
    labels = as_dataset(torch.randn(20, 2), torch.tensor([0.0, 1.0] * 10), kind="binary")
    with pytest.raises(ValueError, match="standardize_target=True standardises regression targets.*binary"):
        split(labels, standardize_target=True)
    assert split(labels).target_mean is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"validation": 1.0}, r"validation=1 is out of range; allowed: \[0, 1\)"),
        ({"test": -0.1}, r"test=-0\.1 is out of range; allowed: \[0, 1\)"),
        ({"validation": "0.2"}, r"validation='0\.2' must be a number in \[0, 1\)"),
        ({"validation": 0.5, "test": 0.5}, "validation=0.5 and test=0.5 sum to 1; they must sum to less than 1"),
        ({"seed": -3}, r"seed=-3 is out of range"),
        ({"standardize": "yes"}, "standardize='yes' must be True or False"),
        ({"standardize_target": 1}, "standardize_target=1 must be True or False"),
    ],
)
def test_bad_split_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        split(numbered(), **kwargs)


def test_split_needs_a_dataset_and_training_samples():
    with pytest.raises(ValueError, match="dataset must be a Dataset"):
        split(np.zeros((10, 2)))
    with pytest.raises(ValueError, match=r"of 2 samples leave no training samples"):
        split(numbered(2), validation=0.4, test=0.4)


def test_plans_that_differ_only_in_the_samples_their_epochs_visit_are_refused_in_words():
    """Two runs cut short within their first epoch, one dropping its last partial batch: the same batches so far,
    other epochs; stacking them raised an IndexError where it names the difference."""
    kept = batches(100, batch_size=30, seed=0, steps=2)
    dropped = batches(100, batch_size=30, seed=1, steps=2, drop_last=True)
    assert torch.equal(kept.sizes, dropped.sizes) and torch.equal(kept.starts, dropped.starts)
    with pytest.raises(ValueError, match="visit different samples per epoch"):
        stack_plans([kept, dropped])


def test_a_float8_dtype_is_refused_before_any_work_naming_those_allowed(tmp_path):
    """float8 passed every check (a floating-point type), then failed deep inside torch ("not implemented for
    'Float8_e4m3fn'") after the work had started; descend.tune had written it into a new study."""
    import descend
    from descend.data import as_dataset

    x, y = torch.randn(32, 2), torch.randn(32, 1)
    allowed = r"is not allowed; give a floating-point torch dtype: torch.float16, torch.bfloat16, torch.float32, " \
              r"torch.float64"
    for dtype in (torch.float8_e4m3fn, torch.float8_e5m2):
        with pytest.raises(ValueError, match=rf"dtype={dtype} {allowed}"):
            as_dataset((x, y), dtype=dtype)
        with pytest.raises(ValueError, match=rf"dtype={dtype} {allowed}"):
            descend.fit(model=descend.models.Linear(2, 1), data=(x, y), steps=2, dtype=dtype)
        with pytest.raises(ValueError, match=rf"dtype={dtype} {allowed}"):
            descend.tune("line", optimizer="gd", trials=2, cohort=2, steps=2, dtype=dtype,
                         storage=f"sqlite:///{tmp_path / 'study.db'}")
        assert not (tmp_path / "study.db").exists()


def test_a_dataset_whose_values_overflow_the_training_dtype_is_refused_naming_the_value():
    """A float64 Dataset with features of 1e5 trained in float16 became infinite without a word (the run "diverged"
    at step 0); the same numbers as arrays were refused, but with "remove or impute it" about a finite value."""
    import descend
    from descend.data import Dataset

    x = torch.tensor([[1.0, 2.0], [3.0, 1e5]], dtype=torch.float64)
    y = torch.tensor([[0.5], [1.0]], dtype=torch.float64)
    words = r"x has the value (1e\+05|100000), which overflows torch.float16, at row 1, feature '(b|x1)' " \
            r"\(column 1\); rescale it .*or train in torch.float32"
    model = descend.models.Linear(2, 1)
    with pytest.raises(ValueError, match=words):
        descend.fit(model=model, data=Dataset(x, y, ("a", "b")), steps=2, dtype=torch.float16)
    with pytest.raises(ValueError, match=words):
        descend.fit(model=model, data=(x.numpy(), y.numpy()), steps=2, dtype=torch.float16)
