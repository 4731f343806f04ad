"""Tests for descend.losses: every loss against an independent oracle (torch.nn.functional or the formula
written out in numpy), the run axis against a loop over runs, masking against filtered samples, and every
bad input against its ValueError."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from descend import losses as L

F64 = torch.float64
REDUCTIONS = ("mean", "sum", "none")
B, K, C = 7, 3, 5


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape: int, g: torch.Generator) -> torch.Tensor:
    return torch.randn(*shape, generator=g, dtype=F64)


def rand(*shape: int, g: torch.Generator, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    return low + (high - low) * torch.rand(*shape, generator=g, dtype=F64)


def probs(*shape: int, g: torch.Generator) -> torch.Tensor:
    return torch.softmax(randn(*shape, g=g), dim=-1)


def labels(*shape: int, g: torch.Generator) -> torch.Tensor:
    return torch.randint(0, C, shape, generator=g)


def torch_per_sample(full: torch.Tensor) -> torch.Tensor:
    """torch's reduction="none" output [B, ...] averaged over the feature axes to [B]."""
    return full.reshape(full.shape[0], -1).mean(dim=1) if full.ndim > 1 else full


# ---------------------------------------------------------------------------------------------------------
# Against torch.nn.functional
# ---------------------------------------------------------------------------------------------------------

# id -> (our loss, torch oracle(pred, target, reduction), make(pred_shape, g) -> (pred, target))
TORCH_CASES: dict[str, tuple[Callable, Callable, Callable]] = {
    "mse": (
        L.mse,
        lambda p, t, r: F.mse_loss(p, t, reduction=r),
        lambda s, g: (randn(*s, g=g), randn(*s, g=g)),
    ),
    "half-mse": (
        L.half_mse,
        lambda p, t, r: 0.5 * F.mse_loss(p, t, reduction=r),
        lambda s, g: (randn(*s, g=g), randn(*s, g=g)),
    ),
    "mae": (
        L.mae,
        lambda p, t, r: F.l1_loss(p, t, reduction=r),
        lambda s, g: (randn(*s, g=g), randn(*s, g=g)),
    ),
    "huber-delta-1": (
        L.huber,
        lambda p, t, r: F.huber_loss(p, t, reduction=r, delta=1.0),
        lambda s, g: (2 * randn(*s, g=g), randn(*s, g=g)),
    ),
    "huber-delta-0.3": (
        lambda p, t, **kw: L.huber(p, t, delta=0.3, **kw),
        lambda p, t, r: F.huber_loss(p, t, reduction=r, delta=0.3),
        lambda s, g: (randn(*s, g=g), randn(*s, g=g)),
    ),
    "bce-soft-targets": (
        L.bce,
        lambda p, t, r: F.binary_cross_entropy(p, t, reduction=r),
        lambda s, g: (rand(*s, g=g, low=0.02, high=0.98), rand(*s, g=g)),
    ),
    "bce-binary-targets": (
        L.bce,
        lambda p, t, r: F.binary_cross_entropy(p, t, reduction=r),
        lambda s, g: (rand(*s, g=g, low=0.02, high=0.98), (rand(*s, g=g) > 0.5).to(F64)),
    ),
    "bce-logits": (
        L.bce_with_logits,
        lambda p, t, r: F.binary_cross_entropy_with_logits(p, t, reduction=r),
        lambda s, g: (3 * randn(*s, g=g), rand(*s, g=g)),
    ),
}

SHAPES = {"[B]": (B,), "[B,1]": (B, 1)}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("case", TORCH_CASES)
def test_elementwise_losses_match_torch(case: str, shape: str, reduction: str) -> None:
    ours, oracle, make = TORCH_CASES[case]
    pred, target = make(SHAPES[shape], gen(1))
    expected = oracle(pred, target, reduction)
    if reduction == "none":
        expected = torch_per_sample(expected)
    torch.testing.assert_close(ours(pred, target, reduction=reduction), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", TORCH_CASES)
def test_feature_axes_are_averaged_per_sample(case: str) -> None:
    """With features [B, D]: "mean" is torch's mean, L⁽ⁱ⁾ is the mean over sample i's D elements, "sum" is Σᵢ L⁽ⁱ⁾."""
    ours, oracle, make = TORCH_CASES[case]
    d = 4
    pred, target = make((B, 2, d), gen(2))
    torch.testing.assert_close(ours(pred, target), oracle(pred, target, "mean"), rtol=1e-12, atol=1e-12)
    per_sample = oracle(pred, target, "none").mean(dim=(1, 2))
    torch.testing.assert_close(ours(pred, target, reduction="none"), per_sample, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(ours(pred, target, reduction="sum"), per_sample.sum(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", TORCH_CASES)
@pytest.mark.parametrize("reduction", ("mean", "sum"))
def test_elementwise_gradients_match_torch(case: str, reduction: str) -> None:
    ours, oracle, make = TORCH_CASES[case]
    pred, target = make((B, 1), gen(3))
    p1 = pred.clone().requires_grad_()
    p2 = pred.clone().requires_grad_()
    ours(p1, target, reduction=reduction).backward()
    oracle(p2, target, reduction).backward()
    torch.testing.assert_close(p1.grad, p2.grad, rtol=1e-10, atol=1e-12)


# Cross-entropy: id -> (kwargs, make(g) -> (pred [B, C], target), torch oracle(pred, target, reduction))
CE_CASES: dict[str, tuple[dict, Callable, Callable]] = {
    "logits-int-labels": (
        {},
        lambda g: (2 * randn(B, C, g=g), labels(B, g=g)),
        lambda p, t, r: F.cross_entropy(p, t, reduction=r),
    ),
    "logits-prob-targets": (
        {},
        lambda g: (2 * randn(B, C, g=g), probs(B, C, g=g)),
        lambda p, t, r: F.cross_entropy(p, t, reduction=r),
    ),
    "logits-onehot-float": (
        {},
        lambda g: (2 * randn(B, C, g=g), F.one_hot(labels(B, g=g), C).to(F64)),
        lambda p, t, r: F.cross_entropy(p, t.argmax(-1), reduction=r),
    ),
    "logits-onehot-int": (
        {},
        lambda g: (2 * randn(B, C, g=g), F.one_hot(labels(B, g=g), C)),
        lambda p, t, r: F.cross_entropy(p, t.argmax(-1), reduction=r),
    ),
    "probs-int-labels": (
        {"from_logits": False},
        lambda g: (probs(B, C, g=g), labels(B, g=g)),
        lambda p, t, r: F.nll_loss(torch.log(p), t, reduction=r),
    ),
    # log p are logits whose softmax is p itself, so torch's cross_entropy on them is the oracle.
    "probs-prob-targets": (
        {"from_logits": False},
        lambda g: (probs(B, C, g=g), probs(B, C, g=g)),
        lambda p, t, r: F.cross_entropy(torch.log(p), t, reduction=r),
    ),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CE_CASES)
def test_cross_entropy_matches_torch(case: str, reduction: str) -> None:
    kwargs, make, oracle = CE_CASES[case]
    pred, target = make(gen(4))
    got = L.cross_entropy(pred, target, reduction=reduction, **kwargs)
    torch.testing.assert_close(got, oracle(pred, target, reduction), rtol=1e-12, atol=1e-12)


# Gradient oracles where the value oracle's gradient differs: cross_entropy(log p) also differentiates the
# (constant-valued) log Σ p, so for probability inputs the oracle is KL(t ‖ p), whose p-gradient −t/p is the CE's.
CE_GRAD_ORACLES: dict[str, Callable] = {
    "probs-prob-targets": lambda p, t: F.kl_div(torch.log(p), t, reduction="batchmean"),
}


@pytest.mark.parametrize("case", CE_CASES)
def test_cross_entropy_gradients_match_torch(case: str) -> None:
    kwargs, make, oracle = CE_CASES[case]
    grad_oracle = CE_GRAD_ORACLES.get(case, lambda p, t: oracle(p, t, "mean"))
    pred, target = make(gen(5))
    p1 = pred.clone().requires_grad_()
    p2 = pred.clone().requires_grad_()
    L.cross_entropy(p1, target, **kwargs).backward()
    grad_oracle(p2, target).backward()
    torch.testing.assert_close(p1.grad, p2.grad, rtol=1e-10, atol=1e-12)


def test_cross_entropy_from_probabilities_clamps() -> None:
    p = torch.tensor([[0.0, 1.0], [0.5, 0.5]], dtype=F64)
    y = torch.tensor([0, 1])
    eps = 1e-7
    got = L.cross_entropy(p, y, from_logits=False, reduction="none", eps=eps)
    expected = torch.tensor([-np.log(eps), -np.log(0.5)], dtype=F64)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Against formulas written out in numpy
# ---------------------------------------------------------------------------------------------------------


def np_reduce(per_sample: np.ndarray, reduction: str) -> np.ndarray:
    if reduction == "mean":
        return np.asarray(per_sample.mean())
    if reduction == "sum":
        return np.asarray(per_sample.sum())
    return per_sample


def np_mape(p: np.ndarray, y: np.ndarray, eps: float) -> np.ndarray:
    pct = 100.0 * np.abs(y - p) / np.maximum(np.abs(y), eps)
    return pct.reshape(len(pct), -1).mean(axis=1)


def np_l2(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    return ((y - p) ** 2).reshape(len(p), -1).sum(axis=1)


def np_bbox(p: np.ndarray, t: np.ndarray) -> np.ndarray:
    x, y, w, h = t[:, 0], t[:, 1], t[:, 2], t[:, 3]
    x_hat, y_hat, w_hat, h_hat = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    return (x - x_hat) ** 2 + (y - y_hat) ** 2 + (w - w_hat) ** 2 + (h - h_hat) ** 2


def mape_data(shape: tuple[int, ...], g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    pred, target = randn(*shape, g=g), randn(*shape, g=g)
    target.view(-1)[0] = 0.0  # exercises the eps clamp of the denominator
    return pred, target


# id -> (our loss, numpy oracle per sample, make(g) -> (pred, target))
NUMPY_CASES: dict[str, tuple[Callable, Callable, Callable]] = {
    "mape-[B]": (L.mape, lambda p, y: np_mape(p, y, 1e-7), lambda g: mape_data((B,), g)),
    "mape-[B,3]": (L.mape, lambda p, y: np_mape(p, y, 1e-7), lambda g: mape_data((B, 3), g)),
    "mape-eps-0.5": (
        lambda p, t, **kw: L.mape(p, t, eps=0.5, **kw),
        lambda p, y: np_mape(p, y, 0.5),
        lambda g: mape_data((B,), g),
    ),
    "l2-[B]": (L.l2, np_l2, lambda g: (randn(B, g=g), randn(B, g=g))),
    "l2-[B,3]": (L.l2, np_l2, lambda g: (randn(B, 3, g=g), randn(B, 3, g=g))),
    "l2-[B,2,3]": (L.l2, np_l2, lambda g: (randn(B, 2, 3, g=g), randn(B, 2, 3, g=g))),
    "bbox": (L.bbox, np_bbox, lambda g: (randn(B, 4, g=g), randn(B, 4, g=g))),
}


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", NUMPY_CASES)
def test_losses_match_numpy_formulas(case: str, reduction: str) -> None:
    ours, oracle, make = NUMPY_CASES[case]
    pred, target = make(gen(6))
    expected = np_reduce(oracle(pred.numpy(), target.numpy()), reduction)
    got = ours(pred, target, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


def test_bbox_with_several_boxes_sums_them() -> None:
    g = gen(7)
    pred, target = randn(B, 2, 4, g=g), randn(B, 2, 4, g=g)
    expected = np_bbox(pred[:, 0].numpy(), target[:, 0].numpy()) + np_bbox(pred[:, 1].numpy(), target[:, 1].numpy())
    np.testing.assert_allclose(L.bbox(pred, target, reduction="none").numpy(), expected, rtol=1e-12)


def test_l2_mean_is_torch_sum_over_samples() -> None:
    g = gen(8)
    pred, target = randn(B, 3, g=g), randn(B, 3, g=g)
    expected = F.mse_loss(pred, target, reduction="sum") / B
    torch.testing.assert_close(L.l2(pred, target), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# Extreme inputs
# ---------------------------------------------------------------------------------------------------------


def test_bce_with_logits_is_finite_and_exact_for_huge_logits() -> None:
    z = torch.tensor([1000.0, 1000.0, -1000.0, -1000.0], dtype=F64, requires_grad=True)
    y = torch.tensor([1.0, 0.0, 0.0, 1.0], dtype=F64)
    got = L.bce_with_logits(z, y, reduction="none")
    # −log σ(1000) = 0, −log(1 − σ(1000)) = 1000, and symmetrically for −1000.
    torch.testing.assert_close(got, torch.tensor([0.0, 1000.0, 0.0, 1000.0], dtype=F64), rtol=0, atol=1e-12)
    torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(z, y, reduction="none"))
    got.sum().backward()
    assert torch.isfinite(z.grad).all()
    torch.testing.assert_close(z.grad, torch.sigmoid(z.detach()) - y)


def test_bce_with_logits_gradient_at_a_zero_logit_is_torchs() -> None:
    """At z = 0, where a model initialised at zero starts, ∂L/∂z = σ(0) − y = 0.5 − y, as torch's backward gives
    (max(z, 0) and |z| written out, autograd took 1 − y there): the loss, the cost and gradient without a graph,
    and one step of logistic regression from zeros against torch.optim."""
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=F64)
    z = torch.zeros(4, dtype=F64, requires_grad=True)
    L.bce_with_logits(z, y).backward()
    torch.testing.assert_close(z.grad, (0.5 - y) / 4, rtol=0, atol=0)
    cost, grad = L.cost_and_grad(L.bce_with_logits, y)(torch.zeros(2, 4, 1, dtype=F64), y.reshape(4, 1))
    torch.testing.assert_close(grad, ((0.5 - y) / 4).reshape(1, 4, 1).expand(2, 4, 1), rtol=0, atol=0)
    torch.testing.assert_close(cost, torch.full((2,), float(np.log(2.0)), dtype=F64))

    import descend

    task = descend.tasks.get("student-performance")  # logistic regression from zeros, BCE on logits
    x, target = (t.to(F64) for t in task.problem().train)
    runs = descend.fit(task=task, optimizer="gd", lr=0.5, steps=1, dtype=F64, compile=False)
    reference = torch.nn.Linear(x.shape[1], 1, dtype=F64)
    torch.nn.init.zeros_(reference.weight), torch.nn.init.zeros_(reference.bias)
    F.binary_cross_entropy_with_logits(reference(x), target.reshape(reference(x).shape)).backward()
    torch.optim.SGD(reference.parameters(), lr=0.5).step()
    assert float(reference.bias) == pytest.approx(0.5 * (float(target.mean()) - 0.5), rel=1e-12)
    torch.testing.assert_close(runs.params[0]["bias"].reshape(-1), reference.bias.detach(), rtol=1e-14, atol=1e-15)
    torch.testing.assert_close(runs.params[0]["weight"].reshape(-1), reference.weight.detach().reshape(-1),
                               rtol=1e-14, atol=1e-15)


def test_bce_on_probabilities_zero_and_one_is_finite() -> None:
    p = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=F64, requires_grad=True)
    y = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=F64)
    got = L.bce(p, y, reduction="none")
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, F.binary_cross_entropy(p.detach(), y, reduction="none"))
    got.sum().backward()
    assert torch.isfinite(p.grad).all()


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_bce_pushes_a_confident_wrong_prediction_back_as_torch_does(dtype) -> None:
    # the clamped log had a zero gradient at p = 1 for y = 0 (and at p = 0 for y = 1): a saturated wrong prediction
    # got no push back at all; torch's is (p - y) / max(p(1 - p), 1e-12)
    p = torch.tensor([0.0, 1e-30, 0.3, 1 - 1e-7, 1.0, 1.0, 0.0], dtype=dtype)
    y = torch.tensor([0.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0], dtype=dtype)
    mine, theirs = p.clone().requires_grad_(), p.clone().requires_grad_()
    got = L.bce(mine, y, reduction="none")
    expected = F.binary_cross_entropy(theirs, y, reduction="none")
    torch.testing.assert_close(got, expected, rtol=0, atol=0)
    got.sum().backward()
    expected.sum().backward()
    torch.testing.assert_close(mine.grad, theirs.grad, rtol=0, atol=0)
    assert mine.grad[4] > 1e11 and mine.grad[6] < -1e11


# ---------------------------------------------------------------------------------------------------------
# Run axis
# ---------------------------------------------------------------------------------------------------------

# id -> (loss, kwargs, make(g) -> (pred [K, B, ...], shared target, per-run target))
RUN_CASES: dict[str, tuple[Callable, dict, Callable]] = {
    "mse": (L.mse, {}, lambda g: (randn(K, B, 2, g=g), randn(B, 2, g=g), randn(K, B, 2, g=g))),
    "half-mse": (L.half_mse, {}, lambda g: (randn(K, B, 2, g=g), randn(B, 2, g=g), randn(K, B, 2, g=g))),
    "mae": (L.mae, {}, lambda g: (randn(K, B, g=g), randn(B, g=g), randn(K, B, g=g))),
    "mape": (L.mape, {}, lambda g: (randn(K, B, g=g), rand(B, g=g, low=0.5, high=2), rand(K, B, g=g, low=0.5))),
    "huber": (L.huber, {"delta": 0.5}, lambda g: (randn(K, B, 1, g=g), randn(B, 1, g=g), randn(K, B, 1, g=g))),
    "l2": (L.l2, {}, lambda g: (randn(K, B, 3, g=g), randn(B, 3, g=g), randn(K, B, 3, g=g))),
    "bce": (L.bce, {}, lambda g: (rand(K, B, g=g, low=0.1, high=0.9), rand(B, g=g), rand(K, B, g=g))),
    "bce-logits": (L.bce_with_logits, {}, lambda g: (randn(K, B, g=g), rand(B, g=g), rand(K, B, g=g))),
    "cross-entropy-labels": (
        L.cross_entropy,
        {},
        lambda g: (randn(K, B, C, g=g), labels(B, g=g), labels(K, B, g=g)),
    ),
    "cross-entropy-probs": (
        L.cross_entropy,
        {},
        lambda g: (randn(K, B, C, g=g), probs(B, C, g=g), probs(K, B, C, g=g)),
    ),
    "cross-entropy-from-probs": (
        L.cross_entropy,
        {"from_logits": False},
        lambda g: (probs(K, B, C, g=g), labels(B, g=g), labels(K, B, g=g)),
    ),
    "bbox": (L.bbox, {}, lambda g: (randn(K, B, 4, g=g), randn(B, 4, g=g), randn(K, B, 4, g=g))),
}


def test_every_registered_loss_has_a_run_case() -> None:
    covered = {case.split("-labels")[0].split("-probs")[0].split("-from")[0] for case in RUN_CASES}
    assert set(L.LOSSES) <= covered


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", RUN_CASES)
def test_run_axis_equals_loop_over_runs(case: str, reduction: str) -> None:
    fn, kw, make = RUN_CASES[case]
    pred, shared, per_run = make(gen(9))
    expected_shared = torch.stack([fn(pred[k], shared, reduction=reduction, **kw) for k in range(K)])
    expected_per_run = torch.stack([fn(pred[k], per_run[k], reduction=reduction, **kw) for k in range(K)])
    got_shared = fn(pred, shared, reduction=reduction, **kw)  # run axis inferred
    got_shared_explicit = fn(pred, shared, reduction=reduction, runs=True, **kw)
    got_per_run = fn(pred, per_run, reduction=reduction, runs=True, **kw)
    shape = [K] if reduction != "none" else [K, B]
    for got, expected in ((got_shared, expected_shared), (got_shared_explicit, expected_shared),
                          (got_per_run, expected_per_run)):
        assert list(got.shape) == shape
        torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


def test_equal_ndim_means_no_run_axis_unless_runs_true() -> None:
    g = gen(10)
    pred, target = randn(K, B, g=g), randn(K, B, g=g)
    assert L.mse(pred, target).shape == torch.Size([])
    torch.testing.assert_close(L.mse(pred, target), F.mse_loss(pred, target))
    assert L.mse(pred, target, runs=True).shape == torch.Size([K])


def test_run_axis_gradients_are_per_run() -> None:
    """The sum over runs of the per-run costs has, for each run, that run's own gradient."""
    g = gen(11)
    pred, target = randn(K, B, 1, g=g), randn(B, 1, g=g)
    p = pred.clone().requires_grad_()
    L.mse(p, target).sum().backward()
    for k in range(K):
        pk = pred[k].clone().requires_grad_()
        F.mse_loss(pk, target).backward()
        torch.testing.assert_close(p.grad[k], pk.grad, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------------------------------------------------
# Mask
# ---------------------------------------------------------------------------------------------------------


def sample_mask(*shape: int, g: torch.Generator) -> torch.Tensor:
    mask = torch.rand(*shape, generator=g) > 0.4
    mask.view(-1)[0] = True  # at least one valid sample per call in the single-run case
    return mask


@pytest.mark.parametrize("case", RUN_CASES)
def test_mask_equals_loss_on_the_valid_samples(case: str) -> None:
    fn, kw, make = RUN_CASES[case]
    pred, shared, _ = make(gen(12))
    mask = sample_mask(B, g=gen(13))
    single = pred[0]
    for reduction in ("mean", "sum"):
        got = fn(single, shared, reduction=reduction, mask=mask, **kw)
        torch.testing.assert_close(got, fn(single[mask], shared[mask], reduction=reduction, **kw), rtol=1e-12, atol=1e-12)
    none = fn(single, shared, reduction="none", mask=mask, **kw)
    full = fn(single, shared, reduction="none", **kw)
    torch.testing.assert_close(none, torch.where(mask, full, torch.zeros_like(full)))


@pytest.mark.parametrize("case", RUN_CASES)
def test_mask_per_run_and_all_masked_run(case: str) -> None:
    fn, kw, make = RUN_CASES[case]
    pred, shared, per_run = make(gen(14))
    mask = sample_mask(K, B, g=gen(15))
    mask[-1] = False  # the last run has no valid sample
    for target, runs in ((shared, None), (per_run, True)):
        got = fn(pred, target, mask=mask, runs=runs, **kw)
        for k in range(K - 1):
            t_k = target if target is shared else target[k]
            expected = fn(pred[k][mask[k]], t_k[mask[k]], **kw)
            torch.testing.assert_close(got[k], expected, rtol=1e-12, atol=1e-12)
        assert got[-1].item() == 0.0
        assert fn(pred, target, mask=mask, runs=runs, reduction="sum", **kw)[-1].item() == 0.0


def _poisoned(values: torch.Tensor, excluded: torch.Tensor) -> torch.Tensor:
    """``values`` with the excluded samples' entries made what a missing value looks like: NaN, or the label -1."""
    keep = excluded.reshape(excluded.shape + (1,) * (values.ndim - excluded.ndim))
    bad = torch.full((), -1 if not values.is_floating_point() else math.nan, dtype=values.dtype)
    return torch.where(keep, bad, values)


@pytest.mark.parametrize("per_run", [False, True], ids=["shared-target", "per-run-target"])
@pytest.mark.parametrize("case", RUN_CASES)
def test_masked_samples_reach_neither_the_cost_nor_the_gradient_whatever_they_hold(case: str, per_run: bool) -> None:
    # a mask for missing targets: NaN there (a label of -1) gave the same cost but 0 · NaN in the gradient
    fn, kw, make = RUN_CASES[case]
    pred, shared, per_run_target = make(gen(17))
    target = per_run_target if per_run else shared
    mask = sample_mask(K, B, g=gen(18))
    mask[-1] = False
    p_clean, p_poisoned = pred.clone().requires_grad_(), _poisoned(pred, ~mask).requires_grad_()
    clean = fn(p_clean, target, mask=mask, runs=True, **kw)
    bad_target = _poisoned(target, ~mask if per_run else ~mask.any(dim=0))
    poisoned = fn(p_poisoned, bad_target, mask=mask, runs=True, **kw)
    assert torch.equal(poisoned, clean)
    (g_clean,) = torch.autograd.grad(clean.sum(), p_clean)
    (g_poisoned,) = torch.autograd.grad(poisoned.sum(), p_poisoned)
    assert torch.equal(g_poisoned, g_clean)
    assert torch.isfinite(g_poisoned).all() and (g_poisoned[~mask] == 0).all()


def test_shared_mask_with_run_axis_and_masked_gradient() -> None:
    g = gen(16)
    pred, target = randn(K, B, g=g), randn(B, g=g)
    mask = sample_mask(B, g=g)
    got = L.mse(pred, target, mask=mask)
    expected = torch.stack([F.mse_loss(pred[k][mask], target[mask]) for k in range(K)])
    torch.testing.assert_close(got, expected)
    all_masked = torch.zeros(B, dtype=torch.bool)
    p = pred.clone().requires_grad_()
    cost = L.mse(p, target, mask=all_masked)
    torch.testing.assert_close(cost, torch.zeros(K, dtype=F64))
    cost.sum().backward()
    assert torch.equal(p.grad, torch.zeros_like(pred))


# ---------------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------------


def test_registry() -> None:
    names = {"mse", "half-mse", "mae", "mape", "huber", "l2", "bce", "bce-logits", "cross-entropy", "bbox"}
    assert set(L.LOSSES) == names
    for name, info in L.LOSSES.items():
        assert info.name == name
        assert info.kind in ("regression", "classification", "localisation")
        assert info.description and "\n" not in info.description
        assert L.get_loss(name) is info
    assert L.LOSSES["bbox"].kind == "localisation"
    assert L.LOSSES["cross-entropy"].kind == "classification"
    with pytest.raises(dataclasses.FrozenInstanceError):
        L.LOSSES["mse"].name = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("alias", "name"),
    [("MSE", "mse"), ("bce_with_logits", "bce-logits"), ("cross_entropy", "cross-entropy"), ("l1", "mae"), ("CE", "cross-entropy")],
)
def test_get_loss_aliases(alias: str, name: str) -> None:
    assert L.get_loss(alias) is L.LOSSES[name]
    for target, canonical in L.LOSS_ALIASES.items():
        assert canonical in L.LOSSES, target


# ---------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------

_p = torch.zeros(8, 32, 1, dtype=F64)
_v = torch.full((4,), 0.5, dtype=F64)
_logits = torch.zeros(4, C, dtype=F64)

BAD_INPUTS: dict[str, tuple[Callable[[], object], str]] = {
    "target-shape-with-runs": (
        lambda: L.mse(_p, torch.zeros(31, 1, dtype=F64)),
        r"pred has shape \[8, 32, 1\] but target has shape \[31, 1\].*\[32, 1\].*\[8, 32, 1\]",
    ),
    "target-shape-no-broadcast": (
        lambda: L.mse(torch.zeros(4, 1, dtype=F64), torch.zeros(4, dtype=F64), runs=False),
        r"pred has shape \[4, 1\] but target has shape \[4\]",
    ),
    "target-ndim": (
        lambda: L.mae(_p, torch.zeros(1, dtype=F64)),
        r"pred has shape \[8, 32, 1\] but target has shape \[1\]",
    ),
    "runs-true-without-run-axis": (lambda: L.mse(_v, _v, runs=True), r"pred has shape \[4\].*run axis"),
    "runs-bad-value": (lambda: L.mse(_v, _v, runs="yes"), r"runs='yes'"),
    "reduction": (lambda: L.mse(_v, _v, reduction="avg"), r"reduction='avg'.*'mean', 'sum', 'none'"),
    "reduction-ce": (lambda: L.cross_entropy(_logits, torch.zeros(4, dtype=torch.int64), reduction="max"), r"reduction"),
    "pred-not-tensor": (lambda: L.mse([0.5] * 4, _v), r"pred must be a torch.Tensor"),
    "target-not-tensor": (lambda: L.mse(_v, 0.5), r"target must be a torch.Tensor"),
    "pred-int": (lambda: L.mse(torch.zeros(4, dtype=torch.int64), _v), r"pred has dtype torch.int64"),
    "bce-target-above-1": (lambda: L.bce(_v, torch.tensor([0.0, 1.0, 1.5, 0.0], dtype=F64)), r"target.*\[0, 1\].*1\.5"),
    "bce-target-negative": (lambda: L.bce(_v, torch.tensor([0.0, -0.2, 1.0, 0.0], dtype=F64)), r"target.*-0\.2"),
    "bce-target-nan": (lambda: L.bce(_v, torch.tensor([0.0, float("nan"), 1.0, 0.0], dtype=F64)), r"target.*nan"),
    "bce-pred-out-of-range": (lambda: L.bce(torch.tensor([0.5, 2.0], dtype=F64), torch.zeros(2, dtype=F64)), r"pred.*2"),
    "bce-logits-target": (lambda: L.bce_with_logits(_v, torch.full((4,), 3.0, dtype=F64)), r"target.*3"),
    "ce-label-too-large": (
        lambda: L.cross_entropy(_logits, torch.tensor([0, 1, C, 2])),
        rf"target contains the class label {C}; labels must lie in \[0, {C}\)",
    ),
    "ce-label-negative": (lambda: L.cross_entropy(_logits, torch.tensor([0, -1, 0, 2])), r"target contains the class label -1"),
    "ce-label-shape": (
        lambda: L.cross_entropy(_logits, torch.zeros(5, dtype=torch.int64)),
        rf"pred has shape \[4, {C}\] but target has shape \[5\].*class axis",
    ),
    "ce-prob-shape": (
        lambda: L.cross_entropy(_logits, torch.zeros(4, C + 1, dtype=F64)),
        rf"pred has shape \[4, {C}\] but target has shape \[4, {C + 1}\]",
    ),
    "ce-prob-target-range": (lambda: L.cross_entropy(_logits, torch.full((4, C), 2.0, dtype=F64)), r"target.*\[0, 1\]"),
    "ce-probs-pred-range": (
        lambda: L.cross_entropy(_logits - 1, torch.zeros(4, dtype=torch.int64), from_logits=False),
        r"pred must lie in \[0, 1\]",
    ),
    "ce-from-logits-bad": (lambda: L.cross_entropy(_logits, torch.zeros(4, dtype=torch.int64), from_logits=1), r"from_logits"),
    "mask-shape": (lambda: L.mse(_v, _v, mask=torch.ones(5, dtype=torch.bool)), r"mask has shape \[5\].*\[4\]"),
    "mask-runs-shape": (
        lambda: L.mse(_p, _p[0], mask=torch.ones(8, 31, dtype=torch.bool)),
        r"mask has shape \[8, 31\].*\[8, 32\]",
    ),
    "mask-run-shape-without-runs": (lambda: L.mse(_v, _v, mask=torch.ones(2, 4, dtype=torch.bool)), r"mask has shape \[2, 4\]"),
    "mask-dtype": (lambda: L.mse(_v, _v, mask=torch.ones(4)), r"mask has dtype torch.float32.*boolean"),
    "huber-delta": (lambda: L.huber(_v, _v, delta=0.0), r"delta=0"),
    "huber-delta-type": (lambda: L.huber(_v, _v, delta="1"), r"delta="),
    "mape-eps": (lambda: L.mape(_v, _v, eps=-1.0), r"eps=-1"),
    "bbox-last-dim": (lambda: L.bbox(torch.zeros(4, 3, dtype=F64), torch.zeros(4, 3, dtype=F64)), r"pred has shape \[4, 3\].*size 4"),
    "bbox-target-last-dim": (lambda: L.bbox(torch.zeros(4, 4, dtype=F64), torch.zeros(4, 5, dtype=F64)), r"target has shape \[4, 5\]"),
    "get-loss-typo": (lambda: L.get_loss("mes"), r"unknown loss 'mes'; did you mean 'mse'"),
    "get-loss-unknown": (lambda: L.get_loss("hinge"), r"unknown loss 'hinge'.*allowed: mse"),
    "get-loss-not-str": (lambda: L.get_loss(3), r"loss name must be a string"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_value_error_naming_the_argument(case: str) -> None:
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()


# log_softmax_classes reads the scores class-major where torch's kernel is faster: when they are laid out so
# (the narrow dense layer's transposed product) and when the class axis is short and the rows many. Either
# route must be torch's cross-entropy, in value and gradient, with and without a run axis.
@pytest.mark.parametrize("dtype", [torch.float32, F64])
@pytest.mark.parametrize("layout", ["class-major", "row-major"])
@pytest.mark.parametrize("classes", [2, 10, 15, 40])
def test_cross_entropy_class_major_route_matches_torch(dtype: torch.dtype, layout: str, classes: int) -> None:
    g = gen(11)
    runs, rows = 4, 300
    scores = 3 * torch.randn(runs, classes, rows, generator=g, dtype=F64).to(dtype)
    pred = scores.transpose(1, 2) if layout == "class-major" else scores.transpose(1, 2).contiguous()
    target = torch.randint(0, classes, (runs, rows), generator=g)
    p1 = pred.clone().requires_grad_() if layout == "row-major" else scores.clone().requires_grad_()
    ours = L.cross_entropy(p1 if layout == "row-major" else p1.transpose(1, 2), target, runs=True,
                           reduction="none")
    p2 = pred.detach().contiguous().requires_grad_()
    oracle = F.cross_entropy(p2.reshape(-1, classes), target.reshape(-1), reduction="none").reshape(runs, rows)
    tol = dict(rtol=1e-12, atol=1e-12) if dtype == F64 else dict(rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(ours, oracle, **tol)
    weights = torch.rand(runs, rows, generator=g, dtype=F64).to(dtype)
    (ours * weights).sum().backward()
    (oracle * weights).sum().backward()
    grad = p1.grad if layout == "row-major" else p1.grad.transpose(1, 2)
    torch.testing.assert_close(grad, p2.grad, **tol)


def test_log_softmax_classes_takes_the_class_major_route_where_it_is_faster() -> None:
    from unittest import mock

    calls = []
    real = torch.log_softmax

    def spy(x, dim):
        calls.append((x.stride(dim), dim))
        return real(x, dim)

    with mock.patch.object(torch, "log_softmax", spy):
        L.log_softmax_classes(torch.randn(4, 10, 300).transpose(1, 2))  # laid out class-major
        L.log_softmax_classes(torch.randn(4, 300, 10))  # few classes, many rows
        L.log_softmax_classes(torch.randn(4, 300, 40))  # many classes: torch's last-axis kernel
        L.log_softmax_classes(torch.randn(3, 10))  # few rows
    assert [dim for _, dim in calls] == [-2, -2, -1, -1]


# -- the cost and its gradient without a graph (losses.cost_and_grad) -------------------------------------------


def _cost_and_grad_cases():
    g = torch.Generator().manual_seed(3)

    def randn(*shape):
        return torch.randn(*shape, generator=g, dtype=torch.float64)

    yield "mse, one output, target shared", L.mse, randn(4, 30, 1), randn(30, 1)
    yield "mse, three outputs per run", L.mse, randn(4, 30, 3) * 50, randn(4, 30, 3)
    yield "bce on logits, one output", L.bce_with_logits, randn(4, 64, 1) * 5, (randn(64, 1) > 0).double()
    yield "bce on logits, two outputs per run", L.bce_with_logits, randn(3, 50, 2) * 30, randn(3, 50, 2).sigmoid()
    yield "cross-entropy, rows read class-major", L.cross_entropy, randn(4, 80, 10) * 3, torch.arange(80) % 10
    yield "cross-entropy, rows as laid out", L.cross_entropy, randn(3, 20, 5), torch.randint(0, 5, (3, 20), generator=g)
    yield ("cross-entropy, scores laid out class-major", L.cross_entropy, randn(4, 10, 50).transpose(1, 2) * 5,
           torch.randint(0, 10, (50,), generator=g).to(torch.int32))
    yield ("cross-entropy, 20 classes", L.cross_entropy, randn(2, 300, 20) * 30,
           torch.randint(0, 20, (300,), generator=g))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.float16, torch.bfloat16],
                         ids=["float32", "float64", "float16", "bfloat16"])
@pytest.mark.parametrize("name, loss, pred, target", list(_cost_and_grad_cases()),
                         ids=[c[0] for c in _cost_and_grad_cases()])
def test_cost_and_grad_is_autograds_backward_pass_bit_for_bit(name, loss, pred, target, dtype):
    pred = pred.to(dtype)
    target = target.to(dtype) if target.is_floating_point() else target
    cost, grad = L.cost_and_grad(loss, target)(pred, target)
    leaf = pred.detach().clone().requires_grad_()
    expected = loss(leaf, target, reduction="mean", runs=True)
    (expected_grad,) = torch.autograd.grad(expected.sum(), leaf)
    assert cost.dtype == dtype and torch.equal(cost, expected.detach())
    assert grad.shape == pred.shape and torch.equal(grad, expected_grad)


def test_cost_and_grad_only_for_the_forms_it_writes_out():
    labels, probs = torch.tensor([0, 2, 1]), torch.eye(3)
    assert L.cost_and_grad(L.cross_entropy, labels) is not None
    assert L.cost_and_grad(L.cross_entropy, probs) is None  # probability targets: autograd's
    assert L.cost_and_grad(L.bce_with_logits, probs) is not None
    for loss in (L.bce, L.half_mse, L.mae, L.huber):
        assert L.cost_and_grad(loss, probs) is None


def test_cost_and_grad_checks_the_class_labels_as_the_loss_does():
    pred, labels = torch.zeros(2, 3, 4), torch.tensor([0, 4, 1])
    with pytest.raises(ValueError, match=r"class label 4; labels must lie in \[0, 4\)"):
        L.cost_and_grad(L.cross_entropy, labels)(pred, labels)


def test_the_commonest_shape_mistakes_are_named_rather_than_read_as_a_run_axis():
    """mse(pred [B, 1], target [B]) and cross_entropy with float class labels [B] both said only "with a run axis
    (K = B) target must have shape ..."."""
    with pytest.raises(ValueError, match=r"read as a run axis: without one, give target \[5, 1\] "
                                         r"\(target.reshape\(5, 1\)\)"):
        L.mse(torch.randn(5, 1), torch.randn(5))
    with pytest.raises(ValueError, match=r"class labels are whole numbers of an integer dtype \(target.long\(\)\)"):
        L.cross_entropy(torch.randn(6, 4), torch.tensor([0.0, 1, 2, 3, 0, 1]))
    labels = torch.tensor([0, 1, 2, 3, 0, 1])
    logits = torch.randn(6, 4)
    assert torch.allclose(L.cross_entropy(logits, labels), torch.nn.functional.cross_entropy(logits, labels))


# -- half precisions, infinite errors, ambiguous shapes ------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["float16", "bfloat16"])
@pytest.mark.parametrize("name, ours, theirs", [
    ("mse", L.mse, F.mse_loss),
    ("mae", L.mae, F.l1_loss),
    ("bce_with_logits", L.bce_with_logits, F.binary_cross_entropy_with_logits),
])
def test_half_precision_means_are_summed_in_float32_as_torchs(name, ours, theirs, dtype):
    """A float16 sum of 1,000 losses of about 100 is past 65,504: the mean was inf (a linear fit of 2,000 samples
    in float16 was "diverged" at step 0), and a count of 70,000 samples was inf in float16, the mean 0."""
    for batch, scale in ((1000, 10.0), (70_000, 0.01), (1001, 0.01)):
        pred = (torch.linspace(-1, 1, batch) * scale).to(dtype).reshape(batch, 1)
        target = (-pred if name != "bce_with_logits" else (pred < 0).to(dtype))
        if name == "bce_with_logits":
            pred = pred * 10
        leaf, other = pred.clone().requires_grad_(), pred.clone().requires_grad_()
        got, want = ours(leaf, target), theirs(other, target)
        assert torch.isfinite(got) and got.dtype == dtype and torch.equal(got, want), (batch, got, want)
        got.backward(), want.backward()  # torch's backward kernels multiply in another order: to round-off
        torch.testing.assert_close(leaf.grad.float(), other.grad.float(), rtol=1e-2, atol=1e-7)
    # with a run axis and a mask: each run's mean over its valid samples
    pred = torch.full((2, 3000, 1), 12.0, dtype=dtype)
    mask = torch.ones(2, 3000, dtype=torch.bool)
    mask[1, 1000:] = False
    assert torch.equal(L.mse(pred, torch.zeros(3000, 1, dtype=dtype), mask=mask), torch.full((2,), 144.0, dtype=dtype))


def test_a_half_precision_fit_of_many_samples_trains_as_torchs():
    import descend

    x = torch.randn(2000, 1, generator=torch.Generator().manual_seed(0))
    runs = descend.fit(model=descend.models.Linear(1), data=(x, 10 * torch.ones(2000, 1)), optimizer="sgd",
                       lr=1e-3, steps=3, dtype=torch.float16, compile=False)
    row = runs.summary.iloc[0]
    assert row["status"] == "ok" and 50 < row["final_train_loss"] < 150


def test_huber_gradient_at_an_infinite_error_is_delta_as_torchs():
    for value in (math.inf, -math.inf):
        leaf, other = (torch.tensor([value, 0.5, -3.0], requires_grad=True) for _ in range(2))
        got, want = L.huber(leaf, torch.zeros(3)), F.huber_loss(other, torch.zeros(3))
        got.backward(), want.backward()
        assert got == want and torch.equal(leaf.grad, other.grad)
    pred = torch.tensor([400.0, 0.5], dtype=torch.float16, requires_grad=True)  # ½·400² is past float16's range
    L.huber(pred, torch.zeros(2, dtype=torch.float16)).backward()
    assert pred.grad.tolist() == [0.5, 0.25]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16])
def test_huber_equals_torchs_values_and_gradients_at_nan_and_in_half_precision(dtype):
    """A NaN error's gradient is NaN, as torch's (abs's gradient at NaN is 0: a NaN loss still moved the parameters
    by the other samples' share alone), and float16/bfloat16 values are torch's, computed in float32 and rounded once
    (the written-out form rounded each operation: up to 470 of 1,200 values a float16 ulp apart)."""
    g = torch.Generator().manual_seed(0)
    pred = (torch.randn(4, 300, generator=g, dtype=torch.float64) * 3).to(dtype)
    target = torch.randn(300, generator=g, dtype=torch.float64).to(dtype)
    pred[0, 0], target[5] = math.nan, math.nan
    for delta in (1.0, 0.3, 7.0):
        leaf, other = pred.clone().requires_grad_(), pred.clone().requires_grad_()
        got = L.huber(leaf, target, delta=delta, reduction="none")
        want = F.huber_loss(other, target.expand_as(other), delta=delta, reduction="none")
        (got.nan_to_num(0).sum() + got.sum()).backward()
        (want.nan_to_num(0).sum() + want.sum()).backward()
        assert torch.equal(got.nan_to_num(-1), want.nan_to_num(-1))
        assert torch.equal(leaf.grad.nan_to_num(-1), other.grad.nan_to_num(-1)) and leaf.grad.isnan().any()


def test_shared_one_hot_rows_are_a_target_when_runs_samples_and_classes_are_as_many():
    """K = B = C: a shared one-hot target [B, C] has the shape of pred [K, B, C] without its class axis, and was
    refused as class labels given as floats."""
    logits = torch.randn(3, 3, 3, generator=torch.Generator().manual_seed(0))
    one_hot = F.one_hot(torch.tensor([0, 2, 1]), 3).float()
    assert torch.equal(L.cross_entropy(logits, one_hot), L.cross_entropy(logits, torch.tensor([0, 2, 1])))
    with pytest.raises(ValueError, match="class labels are whole numbers of an integer dtype"):
        L.cross_entropy(logits, torch.tensor([[0.0, 2, 1], [1, 1, 0], [2, 0, 0]]))


def test_cross_entropys_listing_says_probabilities_need_from_logits_false():
    """`descend list losses` and the README said cross-entropy takes "logits (or probabilities)": probabilities given
    as they are are taken for scores and put through a softmax again (torch's cross_entropy of them)."""
    import inspect
    from pathlib import Path

    from descend.catalog import LOSSES as LISTED

    g = torch.Generator().manual_seed(0)
    probabilities = torch.softmax(torch.randn(16, 5, generator=g, dtype=torch.float64), dim=-1)
    labels = torch.randint(0, 5, (16,), generator=g)
    assert L.cross_entropy(probabilities, labels).item() == pytest.approx(
        F.cross_entropy(probabilities, labels).item())  # the default: a softmax of the probabilities
    assert L.cross_entropy(probabilities, labels, from_logits=False).item() == pytest.approx(
        F.nll_loss(probabilities.log(), labels).item())
    assert inspect.signature(L.cross_entropy).parameters["from_logits"].default is True
    assert "probabilities need from_logits=False" in LISTED["cross-entropy"].description
    readme = " ".join((Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").split())
    assert "`cross_entropy` (on logits, softmax applied; probabilities need `from_logits=False`;" in readme
