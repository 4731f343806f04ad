"""Gradient clipping against torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (the oracles), run by run."""

from __future__ import annotations

import pytest
import torch
from torch.nn.utils import clip_grad_norm_, clip_grad_value_

from descend.clipping import clip_by_global_norm, clip_by_norm, clip_by_value, global_norm, tensor_norms

K = 4
SHAPES = [(3,), (2, 5), (), (4, 1, 2)]  # the 0-d gradient only appears in single-run cases


def _grads(scale: float, shapes=SHAPES, seed: int = 0, dtype=torch.float64) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [scale * torch.randn(shape, generator=gen, dtype=dtype) for shape in shapes]


def _run_grads(scales: list[float], seed: int = 1) -> list[torch.Tensor]:
    """Gradients [K, ...] whose run k has size ~scales[k]."""
    gen = torch.Generator().manual_seed(seed)
    s = torch.tensor(scales, dtype=torch.float64)
    return [s.reshape([-1] + [1] * len(shape)) * torch.randn((K, *shape), generator=gen, dtype=torch.float64)
            for shape in [(3,), (2, 5), (1,), ()]]


def _torch_clip(clip, grads: list[torch.Tensor], *args) -> tuple[list[torch.Tensor], object]:
    """Apply a torch.nn.utils clipping function to parameters holding ``grads``; return the clipped grads."""
    params = [torch.zeros_like(g, requires_grad=True) for g in grads]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    out = clip(params, *args)
    return [p.grad for p in params], out


def _assert_all_equal(got: list[torch.Tensor], expected: list[torch.Tensor]) -> None:
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == b.shape and a.dtype == b.dtype
        assert torch.equal(a, b), (a, b)


# (gradient scale, threshold): scale 0.01 leaves every gradient below the thresholds, 100 clips all of them.
SINGLE_CASES = [(0.01, 1.0), (1.0, 1.0), (1.0, 2.5), (100.0, 0.5), (100.0, 1e3)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("scale, max_norm", SINGLE_CASES)
def test_global_norm_matches_clip_grad_norm(scale, max_norm, dtype):
    grads = _grads(scale, dtype=dtype)
    before = [g.clone() for g in grads]
    expected, total = _torch_clip(clip_grad_norm_, grads, max_norm)
    got = clip_by_global_norm(grads, max_norm)
    _assert_all_equal(got, expected)
    assert torch.equal(global_norm(grads), total)
    _assert_all_equal(grads, before)  # inputs untouched
    assert all(a is not b for a, b in zip(got, grads))


@pytest.mark.parametrize("scale, max_norm", SINGLE_CASES)
def test_norm_matches_clip_grad_norm_per_tensor(scale, max_norm):
    grads = _grads(scale)
    got = clip_by_norm(grads, max_norm)
    expected = [_torch_clip(clip_grad_norm_, [g], max_norm)[0][0] for g in grads]
    _assert_all_equal(got, expected)
    norms = tensor_norms(grads)
    assert all(torch.equal(n, torch.linalg.vector_norm(g)) for n, g in zip(norms, grads))


@pytest.mark.parametrize("scale, clip_value", SINGLE_CASES)
def test_value_matches_clip_grad_value(scale, clip_value):
    grads = _grads(scale)
    before = [g.clone() for g in grads]
    expected, _ = _torch_clip(clip_grad_value_, grads, clip_value)
    _assert_all_equal(clip_by_value(tuple(grads), clip_value), expected)
    _assert_all_equal(grads, before)


@pytest.mark.parametrize("clip", [clip_by_value, clip_by_norm, clip_by_global_norm])
def test_gradients_below_the_threshold_are_unchanged(clip):
    grads = _grads(0.01)
    _assert_all_equal(clip(grads, 10.0), grads)


SCALES = [0.01, 1.0, 10.0, 1000.0]  # run 0 below every threshold, run 3 above
RUN_THRESHOLDS = [2.0, torch.tensor([2.0, 0.5, 50.0, 1.0], dtype=torch.float64)]


def _per_run_threshold(threshold, k):
    return float(threshold[k]) if isinstance(threshold, torch.Tensor) else threshold


@pytest.mark.parametrize("threshold", RUN_THRESHOLDS, ids=["shared", "per-run"])
def test_global_norm_run_axis_equals_clipping_each_run_alone(threshold):
    grads = _run_grads(SCALES)
    got = clip_by_global_norm(grads, threshold, run_axis=True)
    norms = global_norm(grads, run_axis=True)
    assert norms.shape == (K,)
    for k in range(K):
        expected, total = _torch_clip(clip_grad_norm_, [g[k] for g in grads], _per_run_threshold(threshold, k))
        # Equal up to round-off: the per-run norms reduce along dim 1 of a [K, n] view, in another order.
        torch.testing.assert_close(norms[k], total, rtol=1e-14, atol=0)
        for a, b in zip(got, expected):
            torch.testing.assert_close(a[k], b, rtol=1e-14, atol=0)
    for g, c in zip(got, grads):  # run 0 is below every threshold: unchanged
        assert torch.equal(g[0], c[0])


@pytest.mark.parametrize("threshold", RUN_THRESHOLDS, ids=["shared", "per-run"])
def test_norm_run_axis_equals_clipping_each_run_alone(threshold):
    grads = _run_grads(SCALES)
    got = clip_by_norm(grads, threshold, run_axis=True)
    for k in range(K):
        for a, g in zip(got, grads):
            expected = _torch_clip(clip_grad_norm_, [g[k]], _per_run_threshold(threshold, k))[0][0]
            torch.testing.assert_close(a[k], expected, rtol=1e-14, atol=0)
    assert torch.equal(tensor_norms(grads, run_axis=True)[1], torch.linalg.vector_norm(grads[1].reshape(K, -1), dim=1))


def test_value_run_axis_equals_clipping_each_run_alone():
    grads = _run_grads(SCALES)
    c = RUN_THRESHOLDS[1]
    got = clip_by_value(grads, c)
    for k in range(K):
        expected, _ = _torch_clip(clip_grad_value_, [g[k] for g in grads], float(c[k]))
        _assert_all_equal([a[k] for a in got], expected)


def test_per_run_threshold_implies_run_axis():
    grads = _run_grads(SCALES)
    c = RUN_THRESHOLDS[1]
    _assert_all_equal(clip_by_global_norm(grads, c), clip_by_global_norm(grads, c, run_axis=True))
    _assert_all_equal(clip_by_norm(grads, c), clip_by_norm(grads, c, run_axis=True))


def test_float32_gradients_with_float64_thresholds_keep_their_dtype():
    grads = [g.float() for g in _run_grads(SCALES)]
    for clip in (clip_by_value, clip_by_norm, clip_by_global_norm):
        assert all(g.dtype == torch.float32 for g in clip(grads, RUN_THRESHOLDS[1]))


def test_empty_gradients():
    assert clip_by_global_norm([], 1.0) == [] and clip_by_norm([], 1.0) == [] and clip_by_value([], 1.0) == []
    assert global_norm([]) == 0.0


BAD = [
    (lambda: clip_by_value(_grads(1.0), -1.0), r"clip_value=-1 is out of range; allowed: \(0, inf\)"),
    (lambda: clip_by_value(_grads(1.0), 0.0), r"clip_value=0 is out of range"),
    (lambda: clip_by_value(_run_grads(SCALES), torch.ones(3)), r"clip_value has 3 values but .* 4 runs"),
    (lambda: clip_by_norm(_grads(1.0), 0.0), r"max_norm=0 is out of range"),
    (lambda: clip_by_norm(_grads(1.0), "1"), r"max_norm='1' must be a number"),
    (lambda: clip_by_global_norm(_grads(1.0), float("inf")), r"max_norm=inf is not finite"),
    (lambda: clip_by_global_norm(_grads(1.0), torch.ones(2, 2)), r"max_norm has shape \[2, 2\]"),
    (lambda: clip_by_global_norm(_run_grads(SCALES), torch.ones(5)), r"max_norm has 5 values but .* 4 runs"),
    (lambda: clip_by_global_norm(_run_grads(SCALES), torch.tensor([1.0, -1, 1, 1])), r"max_norm=-1 for run 1"),
    (lambda: clip_by_global_norm(torch.ones(3), 1.0), r"grads must be a list or tuple of tensors"),
    (lambda: clip_by_global_norm([torch.ones(3), 2.0], 1.0), r"grads\[1\] is a float, not a tensor"),
    (lambda: clip_by_norm([torch.ones(3, dtype=torch.int64)], 1.0), r"grads\[0\] has dtype torch.int64"),
    (lambda: clip_by_global_norm([torch.ones(4, 2), torch.ones(3)], 1.0, run_axis=True), r"grads\[1\] has 3 runs"),
    (lambda: clip_by_norm([torch.ones(3), torch.tensor(1.0)], 1.0, run_axis=True), r"grads\[1\] is 0-d"),
    (lambda: clip_by_norm(_grads(1.0), 1.0, run_axis="yes"), r"run_axis='yes' must be True or False"),
    (lambda: global_norm([], run_axis=True), r"grads is empty"),
    (lambda: global_norm(_grads(1.0), run_axis=1), r"run_axis=1 must be True or False"),
]


@pytest.mark.parametrize("build, match", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_arguments_raise_value_error_naming_them(build, match):
    with pytest.raises(ValueError, match=match):
        build()


@pytest.mark.parametrize("half", [torch.bfloat16, torch.float16])
def test_half_precision_gradients_beside_float32_are_clipped_as_torch_clips_them(half):
    """The factor was rounded to the gradient's dtype before multiplying: a bfloat16 gradient beside a float32 one
    had 96 of 1,000 entries an ulp away from clip_grad_norm_'s (torch multiplies by the float32 factor)."""
    g = torch.Generator().manual_seed(0)
    grads = [torch.randn(1000, generator=g) * 3, (torch.randn(1000, generator=g) * 2).to(half)]
    params = [torch.zeros_like(x, requires_grad=True) for x in grads]
    for p, x in zip(params, grads):
        p.grad = x.clone()
    clip_grad_norm_(params, 1.0)
    for got, p in zip(clip_by_global_norm(grads, 1.0), params):
        assert got.dtype == p.grad.dtype and torch.equal(got, p.grad)
    for got, p in zip(clip_by_norm(grads, 1.0), grads):  # each alone, as clip_grad_norm_ of that one tensor
        alone = p.clone().requires_grad_(False)
        leaf = torch.zeros_like(alone, requires_grad=True)
        leaf.grad = alone
        clip_grad_norm_([leaf], 1.0)
        assert torch.equal(got, leaf.grad)
