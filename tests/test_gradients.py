"""Tests for descend.gradients: the hand-derived gradients against autograd."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
import torch.nn.functional as F

from descend import gradients as G
from descend import losses as L

F64 = torch.float64
TOL = {"rtol": 1e-10, "atol": 1e-10}

# The seed's transfer orbit (x + c)²/A² + y²/B² = 1.
A_TRUE, B_TRUE, C_OFFSET = 1.261845, 1.234378, 0.26185


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------------------------------------------------
# Linear regression
# ---------------------------------------------------------------------------------------------------------


def autograd_linear(w: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """∂J/∂w, ∂J/∂b of J = F.mse_loss(w·x + b, y) for a single run, by autograd."""
    w = w.detach().clone().requires_grad_()
    b = b.detach().clone().requires_grad_()
    y_hat = x @ w + b if x.ndim == 2 else w * x + b
    F.mse_loss(y_hat, y).backward()
    return w.grad, b.grad


M, D, K = 11, 3, 4

# id -> make(g) -> (w, b, x, y, runs: whether w/b/y carry a run axis, y_per_run)
LINEAR_CASES: dict[str, Callable] = {
    "x[m]-scalar-w": lambda g: (torch.randn((), generator=g, dtype=F64), torch.randn((), generator=g, dtype=F64),
                                torch.randn(M, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)),
    "x[m,d]-w[d]": lambda g: (torch.randn(D, generator=g, dtype=F64), torch.randn((), generator=g, dtype=F64),
                              torch.randn(M, D, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)),
    "runs-x[m]-w[K]": lambda g: (torch.randn(K, generator=g, dtype=F64), torch.randn(K, generator=g, dtype=F64),
                                 torch.randn(M, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)),
    "runs-x[m,d]-w[K,d]": lambda g: (torch.randn(K, D, generator=g, dtype=F64), torch.randn(K, generator=g, dtype=F64),
                                     torch.randn(M, D, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)),
    "runs-per-run-y": lambda g: (torch.randn(K, D, generator=g, dtype=F64), torch.randn(K, generator=g, dtype=F64),
                                 torch.randn(M, D, generator=g, dtype=F64), torch.randn(K, M, generator=g, dtype=F64)),
}


@pytest.mark.parametrize("case", LINEAR_CASES)
def test_linear_mse_grad_equals_autograd(case: str) -> None:
    w, b, x, y = LINEAR_CASES[case](gen(0))
    grad_w, grad_b = G.linear_mse_grad(w, b, x, y)
    assert grad_w.shape == w.shape and grad_b.shape == b.shape
    run_axis = b.ndim == 1
    if not run_axis:
        expected_w, expected_b = autograd_linear(w, b, x, y)
        torch.testing.assert_close(grad_w, expected_w, **TOL)
        torch.testing.assert_close(grad_b, expected_b, **TOL)
        return
    for k in range(K):
        expected_w, expected_b = autograd_linear(w[k], b[k], x, y[k] if y.ndim == 2 else y)
        torch.testing.assert_close(grad_w[k], expected_w, **TOL)
        torch.testing.assert_close(grad_b[k], expected_b, **TOL)


def test_linear_mse_grad_equals_autograd_of_descend_mse_with_runs() -> None:
    g = gen(1)
    w = torch.randn(K, D, generator=g, dtype=F64, requires_grad=True)
    b = torch.randn(K, generator=g, dtype=F64, requires_grad=True)
    x, y = torch.randn(M, D, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)
    y_hat = w @ x.T + b[:, None]  # [K, m]
    L.mse(y_hat, y).sum().backward()  # one cost per run; their sum has each run's gradient
    grad_w, grad_b = G.linear_mse_grad(w.detach(), b.detach(), x, y)
    torch.testing.assert_close(grad_w, w.grad, **TOL)
    torch.testing.assert_close(grad_b, b.grad, **TOL)


def test_linear_mse_grad_accepts_numbers() -> None:
    g = gen(2)
    x, y = torch.randn(M, generator=g, dtype=F64), torch.randn(M, generator=g, dtype=F64)
    expected = autograd_linear(torch.tensor(0.7, dtype=F64), torch.tensor(-0.2, dtype=F64), x, y)
    got = G.linear_mse_grad(0.7, -0.2, x, y)
    for a, e in zip(got, expected):
        torch.testing.assert_close(a, e, **TOL)


# ---------------------------------------------------------------------------------------------------------
# The transfer-orbit ellipse
# ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def orbit() -> tuple[torch.Tensor, torch.Tensor]:
    """512 noisy samples of the upper half (y ≥ 0) of the seed's ellipse, noise 0.1, fixed seed."""
    g = gen(2021)
    theta = math.pi * torch.rand(512, generator=g, dtype=F64)
    x = A_TRUE * torch.cos(theta) - C_OFFSET + 0.1 * torch.randn(512, generator=g, dtype=F64)
    y = B_TRUE * torch.sin(theta) + 0.1 * torch.randn(512, generator=g, dtype=F64)
    return x, y


def oracle_loss(w_a: torch.Tensor, w_b: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Eq. 18 written out independently: keep the samples with a positive radicand, then the plain mean."""
    radicand = 1 - (x + C_OFFSET) ** 2 / w_a.detach() ** 2
    keep = radicand > 0
    x, y = x[keep], y[keep]
    y_hat = w_b * torch.sqrt(1 - (x + C_OFFSET) ** 2 / w_a**2)
    return ((y_hat - y) ** 2).mean()


def random_points(n: int) -> list[tuple[float, float]]:
    g = gen(7)
    a = 0.3 + 2.2 * torch.rand(n, generator=g, dtype=F64)
    b = 0.3 + 2.2 * torch.rand(n, generator=g, dtype=F64)
    return [(float(ai), float(bi)) for ai, bi in zip(a, b)]


# Random points, the seed's starting point (0.1, 1.8), the truth, and a negative w_B.
POINTS = random_points(6) + [(0.1, 1.8), (A_TRUE, B_TRUE), (1.5, -0.8)]


@pytest.mark.parametrize(("a", "b"), POINTS)
def test_ellipse_grad_equals_autograd(orbit, a: float, b: float) -> None:
    x, y = orbit
    w_a = torch.tensor(a, dtype=F64, requires_grad=True)
    w_b = torch.tensor(b, dtype=F64, requires_grad=True)
    grad_a, grad_b = G.ellipse_grad(w_a.detach(), w_b.detach(), x, y)

    loss = G.ellipse_loss(w_a, w_b, x, y)
    auto_a, auto_b = torch.autograd.grad(loss, (w_a, w_b))
    torch.testing.assert_close(grad_a, auto_a, **TOL)
    torch.testing.assert_close(grad_b, auto_b, **TOL)

    independent = oracle_loss(w_a, w_b, x, y)
    torch.testing.assert_close(loss, independent, **TOL)
    ind_a, ind_b = torch.autograd.grad(independent, (w_a, w_b))
    torch.testing.assert_close(grad_a, ind_a, **TOL)
    torch.testing.assert_close(grad_b, ind_b, **TOL)


def test_orbit_data_has_invalid_samples_at_the_truth(orbit) -> None:
    """The noise pushes some x beyond the ellipse's ends, so the mask matters (N′ < N)."""
    x, _ = orbit
    _, valid = G.ellipse_predict(A_TRUE, B_TRUE, x)
    assert 0 < int(valid.sum()) < 512


def test_ellipse_run_axis_equals_loop(orbit) -> None:
    x, y = orbit
    a = torch.tensor([p[0] for p in POINTS], dtype=F64)
    b = torch.tensor([p[1] for p in POINTS], dtype=F64)
    grad_a, grad_b = G.ellipse_grad(a, b, x, y)
    losses = G.ellipse_loss(a, b, x, y)
    y_hat, valid = G.ellipse_predict(a, b, x)
    assert grad_a.shape == grad_b.shape == losses.shape == (len(POINTS),)
    assert y_hat.shape == valid.shape == (len(POINTS), 512)
    for k in range(len(POINTS)):
        ga, gb = G.ellipse_grad(a[k], b[k], x, y)
        torch.testing.assert_close(grad_a[k], ga, **TOL)
        torch.testing.assert_close(grad_b[k], gb, **TOL)
        torch.testing.assert_close(losses[k], G.ellipse_loss(a[k], b[k], x, y), **TOL)
        yk, vk = G.ellipse_predict(a[k], b[k], x)
        assert torch.equal(valid[k], vk)
        torch.testing.assert_close(y_hat[k], yk, **TOL)


def test_ellipse_per_run_targets(orbit) -> None:
    x, y = orbit
    y_runs = torch.stack([y, y.flip(0), 0.5 * y])
    a = torch.tensor([1.0, 1.3, 0.9], dtype=F64)
    b = torch.tensor([1.1, 1.2, 1.4], dtype=F64)
    grad_a, grad_b = G.ellipse_grad(a, b, x, y_runs)
    for k in range(3):
        ga, gb = G.ellipse_grad(a[k], b[k], x, y_runs[k])
        torch.testing.assert_close(grad_a[k], ga, **TOL)
        torch.testing.assert_close(grad_b[k], gb, **TOL)


def test_ellipse_predict_excludes_the_boundary_and_beyond() -> None:
    # With offset 0 and w_A = 2: x = ±2 gives radicand exactly 0 (excluded), |x| > 2 negative (excluded).
    x = torch.tensor([-3.0, -2.0, -1.0, 0.0, 1.5, 2.0, 2.5], dtype=F64)
    w_a = torch.tensor(2.0, dtype=F64, requires_grad=True)
    w_b = torch.tensor(3.0, dtype=F64, requires_grad=True)
    y_hat, valid = G.ellipse_predict(w_a, w_b, x, offset=0.0)
    assert valid.tolist() == [False, False, True, True, True, False, False]
    expected = torch.where(valid, 3.0 * torch.sqrt((1 - x**2 / 4).clamp(min=0)), torch.zeros_like(x))
    torch.testing.assert_close(y_hat.detach(), expected, **TOL)
    y_hat.sum().backward()  # no NaN from the square root of invalid samples
    assert torch.isfinite(w_a.grad) and torch.isfinite(w_b.grad)


def test_ellipse_without_valid_samples_gives_zero(orbit) -> None:
    x, y = orbit
    far = x + 100.0
    w_a = torch.tensor(1.0, dtype=F64, requires_grad=True)
    loss = G.ellipse_loss(w_a, 1.0, far, y)
    assert loss.item() == 0.0
    loss.backward()
    assert w_a.grad.item() == 0.0
    grad_a, grad_b = G.ellipse_grad(1.0, 1.0, far, y)
    assert grad_a.item() == 0.0 and grad_b.item() == 0.0


def test_ellipse_grad_at_w_b_zero_is_defined(orbit) -> None:
    x, y = orbit
    w_a = torch.tensor(1.2, dtype=F64, requires_grad=True)
    w_b = torch.tensor(0.0, dtype=F64, requires_grad=True)
    auto = torch.autograd.grad(G.ellipse_loss(w_a, w_b, x, y), (w_a, w_b))
    for got, expected in zip(G.ellipse_grad(w_a.detach(), w_b.detach(), x, y), auto):
        torch.testing.assert_close(got, expected, **TOL)


# ---------------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------------

_x = torch.linspace(-1, 1, 5, dtype=F64)
_X = torch.zeros(5, 3, dtype=F64)

BAD_INPUTS: dict[str, tuple[Callable[[], object], str]] = {
    "linear-x-not-tensor": (lambda: G.linear_mse_grad(1.0, 0.0, [1.0, 2.0], _x), r"x must be a torch.Tensor"),
    "linear-x-3d": (lambda: G.linear_mse_grad(1.0, 0.0, torch.zeros(5, 2, 2, dtype=F64), _x), r"x has shape \[5, 2, 2\]"),
    "linear-x-empty": (lambda: G.linear_mse_grad(1.0, 0.0, torch.zeros(0, dtype=F64), torch.zeros(0, dtype=F64)), r"x has shape \[0\].*no samples"),
    "linear-x-int": (lambda: G.linear_mse_grad(1.0, 0.0, torch.arange(5), _x), r"x has dtype torch.int64"),
    "linear-w-shape": (lambda: G.linear_mse_grad(torch.zeros(4, dtype=F64), 0.0, _X, _x), r"w has shape \[4\] but x has shape \[5, 3\]"),
    "linear-w-scalar-for-matrix-x": (lambda: G.linear_mse_grad(1.0, 0.0, _X, _x), r"w has shape \[\] but x has shape \[5, 3\]"),
    "linear-w-2d-for-vector-x": (lambda: G.linear_mse_grad(torch.zeros(2, 2, dtype=F64), 0.0, _x, _x), r"w has shape \[2, 2\]"),
    "linear-w-type": (lambda: G.linear_mse_grad("1", 0.0, _x, _x), r"w='1'"),
    "linear-b-shape": (lambda: G.linear_mse_grad(1.0, torch.zeros(2, 2, dtype=F64), _x, _x), r"b has shape \[2, 2\]"),
    "linear-y-shape": (lambda: G.linear_mse_grad(1.0, 0.0, _x, torch.zeros(4, dtype=F64)), r"y has shape \[4\] but x has shape \[5\]"),
    "linear-runs-mismatch": (
        lambda: G.linear_mse_grad(torch.zeros(3, dtype=F64), torch.zeros(2, dtype=F64), _x, _x),
        r"b has 2 runs but w has 3",
    ),
    "linear-y-runs-mismatch": (
        lambda: G.linear_mse_grad(torch.zeros(3, dtype=F64), 0.0, _x, torch.zeros(2, 5, dtype=F64)),
        r"y has 2 runs but w has 3",
    ),
    "ellipse-w_a-zero": (lambda: G.ellipse_grad(0.0, 1.0, _x, _x), r"w_a=0 is not allowed"),
    "ellipse-w_a-zero-run": (lambda: G.ellipse_loss(torch.tensor([1.0, 0.0], dtype=F64), 1.0, _x, _x), r"w_a=0 for run 1"),
    "ellipse-w_b-nan": (lambda: G.ellipse_predict(1.0, float("nan"), _x), r"w_b=nan is not finite"),
    "ellipse-w_a-2d": (lambda: G.ellipse_predict(torch.ones(2, 2, dtype=F64), 1.0, _x), r"w_a has shape \[2, 2\]"),
    "ellipse-runs-mismatch": (
        lambda: G.ellipse_grad(torch.ones(3, dtype=F64), torch.ones(2, dtype=F64), _x, _x),
        r"w_b has 2 runs but w_a has 3",
    ),
    "ellipse-x-2d": (lambda: G.ellipse_predict(1.0, 1.0, _X), r"x has shape \[5, 3\]"),
    "ellipse-y-shape": (lambda: G.ellipse_loss(1.0, 1.0, _x, torch.zeros(6, dtype=F64)), r"y has shape \[6\] but x has shape \[5\]"),
    "ellipse-y-runs": (
        lambda: G.ellipse_grad(torch.ones(3, dtype=F64), 1.0, _x, torch.zeros(2, 5, dtype=F64)),
        r"y has 2 runs but w_a/w_b have 3",
    ),
    "ellipse-offset": (lambda: G.ellipse_predict(1.0, 1.0, _x, offset="0.26"), r"offset='0.26'"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_value_error_naming_the_argument(case: str) -> None:
    call, match = BAD_INPUTS[case]
    with pytest.raises(ValueError, match=match):
        call()
