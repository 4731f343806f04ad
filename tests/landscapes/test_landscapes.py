"""descend.landscapes against independent oracles: the reference table's numbers, autograd, finite
differences, Hessian eigenvalues, and gradient descent's known behaviour on quadratics."""

from __future__ import annotations

import math

import pytest
import torch

import descend
from descend.landscapes import (
    KINDS,
    LANDSCAPES,
    CriticalPoint,
    Landscape,
    NoisyLandscape,
    get,
    parabola,
    quadratic,
)
from descend.models import Parametric

F64 = torch.float64
NAMES = list(LANDSCAPES)

# The reference table (landscapes.md), 6 significant digits, as an independent oracle:
# name -> [(kind, point, value, is_global)]. Our points are refined further; both must agree within 1e-6.
MIN, SAD, MAX, DEG = "minimum", "saddle", "maximum", "degenerate"
TABLE = {
    "rosenbrock": [(MIN, (1, 1), 0, True)],
    "beale": [(MIN, (3, 0.5), 0, True), (SAD, (0, 1), 14.203125, False),
              (SAD, (0.100538, -2.644514), 9.864512, False)],
    "booth": [(MIN, (1, 3), 0, True)],
    "himmelblau": [(MIN, (3, 2), 0, True), (MIN, (-2.805118, 3.131313), 0, True),
                   (MIN, (-3.779310, -3.283186), 0, True), (MIN, (3.584428, -1.848127), 0, True),
                   (MAX, (-0.270845, -0.923039), 181.616522, False),
                   (SAD, (3.385154, 0.073852), 13.311926, False), (SAD, (0.086678, 2.884255), 67.719150, False),
                   (SAD, (-3.073026, -0.081353), 104.015163, False),
                   (SAD, (-0.127961, -1.953715), 178.337239, False)],
    "goldstein-price": [(MIN, (0, -1), 3, True), (MIN, (-0.6, -0.4), 30, False), (MIN, (1.8, 0.2), 84, False),
                        (MIN, (1.2, 0.8), 840, False), (SAD, (-0.4, -0.6), 35, False),
                        (SAD, (1.2, -0.2), 99, False), (SAD, (1.4, 0.6), 980, False), (SAD, (0.6, 0.4), 990, False),
                        (MAX, (0.8, 0.2), 1155, False)],
    "saddle": [(SAD, (0, 0), 0, False)],
    "monkey-saddle": [(DEG, (0, 0), 0, False)],
    "styblinski-tang": [(MIN, (-2.903534, -2.903534), -78.332331, True),
                        (MIN, (-2.903534, 2.746803), -64.195612, False),
                        (MIN, (2.746803, -2.903534), -64.195612, False),
                        (MIN, (2.746803, 2.746803), -50.058893, False)],
    "rastrigin": [(MIN, (0, 0), 0, True)],
    "six-hump-camel": [(MIN, (0.089842, -0.712656), -1.031628, True), (MIN, (-0.089842, 0.712656), -1.031628, True),
                       (MIN, (1.703607, -0.796084), -0.215464, False), (MIN, (-1.703607, 0.796084), -0.215464, False),
                       (MIN, (1.607105, 0.568651), 2.104250, False), (MIN, (-1.607105, -0.568651), 2.104250, False),
                       (SAD, (0, 0), 0, False)],
    "three-hump-camel": [(MIN, (0, 0), 0, True), (MIN, (1.747552, -0.873776), 0.298638, False),
                         (MIN, (-1.747552, 0.873776), 0.298638, False),
                         (SAD, (1.070542, -0.535271), 0.877362, False), (SAD, (-1.070542, 0.535271), 0.877362, False)],
    "matyas": [(MIN, (0, 0), 0, True)],
    "mccormick": [(MIN, (-0.547198, -1.547198), -1.913223, True), (MIN, (2.594395, 1.594395), 1.228370, False),
                  (SAD, (1.547198, 0.547198), 1.913223, False)],
    "ackley": [(MIN, (0, 0), 0, True)],
    "levi13": [(MIN, (1, 1), 0, True)],
    "banana": [(MIN, (1, 0.333333), 0, True)],
    "quadratic": [(MIN, (0, 0), 0, True)],
    "parabola": [(MIN, (0,), 0, True)],
}

# Hessian facts from the table: eigenvalues (relative 1e-4) or the exact matrix.
EIGENVALUES = {"rosenbrock": (0.3994, 1001.6), "matyas": (0.04, 1.0), "banana": (1.383, 520.6), "saddle": (-2.0, 2.0)}


def all_points(*, smooth_only: bool = False):
    return [
        pytest.param(name, p, id=f"{name}-{p.kind}-{i}")
        for name, land in LANDSCAPES.items()
        if land.smooth or not smooth_only
        for i, p in enumerate(land.critical_points)
    ]


def random_points(land: Landscape, n: int = 20, seed: int = 0) -> tuple[torch.Tensor, ...]:
    g = torch.Generator().manual_seed(seed)
    return tuple(low + (high - low) * torch.rand(n, generator=g, dtype=F64) for low, high in land.domain)


def autograd(land: Landscape, coords: tuple[torch.Tensor, ...]) -> tuple[torch.Tensor, ...]:
    leaves = [c.clone().requires_grad_(True) for c in coords]
    return torch.autograd.grad(land.f(*leaves).sum(), leaves)


def descend_gd(land: Landscape, lr: float, steps: int) -> tuple[float, float]:
    """f at the start and after ``steps`` of plain gradient descent with the hand gradient (float64)."""
    w = tuple(torch.tensor(v, dtype=F64) for v in land.start)
    f0 = land(*w).item()
    for _ in range(steps):
        w = tuple(wi - lr * gi for wi, gi in zip(w, land.gradient(*w)))
    return f0, land(*w).item()


# -- the registry --------------------------------------------------------------------------------------


def test_registry_holds_every_function_of_the_table():
    assert set(LANDSCAPES) == set(TABLE)
    for name, land in LANDSCAPES.items():
        assert land.name == name and get(name) is land
        assert land.dim == len(land.names) == len(land.domain) == len(land.start)
        assert all(low < high for low, high in land.domain)
        assert all(low <= v <= high for v, (low, high) in zip(land.start, land.domain)), name
        assert all(p.kind in KINDS for p in land.critical_points)
        assert bool(land.global_minima) == (name not in ("saddle", "monkey-saddle"))  # those are unbounded below


@pytest.mark.parametrize("alias, name", [("Rosenbrock", "rosenbrock"), ("six_hump_camel", "six-hump-camel"),
                                         ("Goldstein Price", "goldstein-price"), (" MONKEY-saddle ", "monkey-saddle")])
def test_get_accepts_case_underscores_and_spaces(alias, name):
    assert get(alias) is LANDSCAPES[name]


def test_unknown_names_suggest_close_ones():
    with pytest.raises(ValueError, match="did you mean 'rosenbrock'"):
        get("rosenbrok")
    with pytest.raises(ValueError, match="unknown landscape"):
        get("no-such-surface")
    with pytest.raises(ValueError, match="must be a string"):
        get(3)


@pytest.mark.parametrize("name", NAMES)
def test_card_mentions_the_formula_and_every_critical_point(name):
    land = LANDSCAPES[name]
    card = land.card()
    assert land.title in card and land.formula in card
    for p in land.critical_points:
        word = "degenerate saddle" if p.kind == "degenerate" else None  # the monkey saddle's origin
        assert p.describe(word) in card
        assert all(f"{v:.6g}" in card for v in p.point)
    assert f"{land.lr_range[0]:g}" in card


# -- bounded below or not ------------------------------------------------------------------------------

UNBOUNDED = {"saddle", "monkey-saddle", "mccormick"}


@pytest.mark.parametrize("name", NAMES)
def test_bounded_below_says_whether_f_goes_to_minus_infinity(name):
    land = LANDSCAPES[name]
    assert land.bounded_below == (name not in UNBOUNDED)
    axes = [torch.linspace(-60.0, 60.0, 241, dtype=F64) for _ in land.names]
    values = land.f(*torch.meshgrid(*axes, indexing="xy")) if land.dim == 2 else land.f(axes[0])
    lowest = min((p.value for p in land.minima), default=0.0)
    if land.bounded_below:
        # far out on a wide grid f stays above the lowest listed minimum
        assert values.min().item() >= lowest - 1e-9
    else:
        # far out f is lower than anywhere near the critical points, and keeps falling along a ray
        assert values.min().item() < lowest - 50
        ray = {"saddle": (0.0, 1.0), "monkey-saddle": (-1.0, 0.0), "mccormick": (-1.0, -1.0)}[name]
        far = [land(*(t * d for d in ray)).item() for t in (1e2, 1e4, 1e6)]
        assert far[0] > far[1] > far[2] and far[2] < -1e5
        assert "unbounded below: a run that escapes to −∞ is counted as diverged once |J| passes" in land.card()
    if land.bounded_below:
        assert "unbounded" not in land.card()


def test_bounded_below_must_be_a_bool():
    land = LANDSCAPES["saddle"]
    with pytest.raises(ValueError, match="bounded_below='no' must be True or False"):
        Landscape(land.name, land.title, land.formula, land.f, land.grad, land.domain, land.start,
                  land.critical_points, bounded_below="no")


# -- critical points -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_table_agrees_within_1e6(name):
    land = LANDSCAPES[name]
    for kind, point, value, is_global in TABLE[name]:
        matches = [
            p for p in land.critical_points
            if max(abs(a - b) for a, b in zip(p.point, point)) < 1e-6 and abs(p.value - value) < 1e-6
        ]
        assert len(matches) == 1, (name, point)
        assert matches[0].kind == kind and matches[0].is_global == is_global, (name, point)


@pytest.mark.parametrize("name, point", all_points())
def test_critical_points_are_exact(name, point: CriticalPoint):
    land = LANDSCAPES[name]
    coords = [torch.tensor(v, dtype=F64) for v in point.point]
    assert land(*coords).item() == pytest.approx(point.value, abs=1e-9 * (1 + abs(point.value)))
    grad = torch.stack(land.gradient(*coords))
    assert grad.abs().max().item() < 1e-9 * (1 + abs(point.value))  # Goldstein–Price reaches 1155
    hessian = land.hessian(point.point)
    assert hessian.shape == (land.dim, land.dim) and hessian.dtype == F64
    if point.kind != "degenerate" and land.smooth:  # one Newton step barely moves it: ≥ 12 digits are right
        step = torch.linalg.solve(hessian, grad)
        assert step.abs().max().item() < 1e-12 * (1 + max(abs(v) for v in point.point))


@pytest.mark.parametrize("name, point", all_points(smooth_only=True))  # Ackley has a cone at its minimum
def test_hessian_signs_match_the_kind(name, point: CriticalPoint):
    land = LANDSCAPES[name]
    eig = torch.linalg.eigvalsh(land.hessian(point.point))
    scale = 1e-9 * (1 + eig.abs().max().item())
    if point.kind == "minimum":
        assert (eig > scale).all()
    elif point.kind == "maximum":
        assert (eig < -scale).all()
    elif point.kind == "saddle":
        assert eig.min() < -scale and eig.max() > scale
    else:
        assert torch.equal(land.hessian(point.point).abs(), torch.zeros_like(eig).diag())


def test_hessian_facts_of_the_table():
    for name, expected in EIGENVALUES.items():
        (point,) = LANDSCAPES[name].critical_points
        eig = torch.linalg.eigvalsh(LANDSCAPES[name].hessian(point.point))
        assert eig.tolist() == pytest.approx(expected, rel=1e-3, abs=1e-4), name
    booth = LANDSCAPES["booth"].hessian((1.0, 3.0))
    assert torch.equal(booth, torch.tensor([[10.0, 8.0], [8.0, 10.0]], dtype=F64))
    assert LANDSCAPES["rosenbrock"].hessian((1, 1)).tolist() == [[802.0, -400.0], [-400.0, 200.0]]


def test_styblinski_tang_coordinates_are_roots_of_the_cubic():
    for p in LANDSCAPES["styblinski-tang"].critical_points:
        for t in p.point:
            assert 4 * t**3 - 32 * t + 5 == pytest.approx(0.0, abs=1e-12)


def test_mccormick_critical_points_in_closed_form():
    # ∇f = 0 ⇔ x − y = 1 and cos(x + y) = −½
    for p, s in zip(LANDSCAPES["mccormick"].critical_points, (-2 * math.pi / 3, 4 * math.pi / 3, 2 * math.pi / 3)):
        assert p.point == pytest.approx(((s + 1) / 2, (s - 1) / 2), abs=1e-15)


def test_classification_helpers():
    him = LANDSCAPES["himmelblau"]
    assert len(him.minima) == len(him.global_minima) == 4
    assert len(him.saddles) == 4 and len(him.maxima) == 1
    assert LANDSCAPES["monkey-saddle"].critical_points[0].kind == "degenerate"
    # the monkey saddle is named for its degenerate saddle: it counts as one (f is above and below 0 around it)
    assert LANDSCAPES["monkey-saddle"].saddles == LANDSCAPES["monkey-saddle"].critical_points
    assert "degenerate saddle (0, 0): f = 0" in LANDSCAPES["monkey-saddle"].card()


def test_a_degenerate_minimum_is_not_a_saddle():
    quartic = Landscape("quartic", "Quartic", "x⁴ + y⁴", lambda x, y: x**4 + y**4, None, ((-1, 1), (-1, 1)),
                        (0.5, 0.5), (CriticalPoint((0.0, 0.0), 0.0, "degenerate"),))
    assert quartic.saddles == () and "degenerate (0, 0)" in quartic.card()


@pytest.mark.parametrize("name", ["rastrigin", "ackley", "levi13"])
def test_a_grid_of_local_minima_lists_more_than_the_global_one(name):
    land = LANDSCAPES[name]
    assert land.more_minima and len(land.minima) > 1 and len(land.global_minima) == 1
    assert "many more" in land.card() and "many more" in land.points_summary()
    assert not LANDSCAPES["himmelblau"].more_minima and "many" not in LANDSCAPES["himmelblau"].card()
    assert not LANDSCAPES["ackley"].smooth and all(LANDSCAPES[n].smooth for n in NAMES if n != "ackley")


# -- gradients -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_hand_gradient_equals_autograd_and_finite_differences(name):
    land = LANDSCAPES[name]
    coords = random_points(land)
    if name == "ackley":  # not differentiable at the origin
        assert torch.stack(coords).norm(dim=0).min() > 1e-2
    hand = torch.stack(land.gradient(*coords))
    auto = torch.stack(autograd(land, coords))
    assert ((hand - auto).abs() <= 1e-9 * (1 + auto.abs())).all()
    h, values = 1e-6, land(*coords)
    for i in range(land.dim):
        up = [c + h * (j == i) for j, c in enumerate(coords)]
        down = [c - h * (j == i) for j, c in enumerate(coords)]
        fd = (land(*up) - land(*down)) / (2 * h)
        # rounding in f(w ± h) is ~1e-16·|f|/h; the truncation error is O(h²)
        assert ((fd - hand[i]).abs() <= 1e-5 * (1 + hand[i].abs()) + 1e-9 * values.abs()).all(), (name, i)


@pytest.mark.parametrize("name", NAMES)
def test_f_and_gradient_broadcast_and_vmap(name):
    land = LANDSCAPES[name]
    coords = random_points(land, n=6)
    if land.dim == 2:
        grid = land(coords[0][:, None], coords[1][None, :])
        assert grid.shape == (6, 6)
        assert grid.diagonal().tolist() == pytest.approx(land(*coords).tolist(), rel=1e-12)
        assert all(g.shape == (6, 6) for g in land.gradient(coords[0][:, None], coords[1][None, :]))
    points = torch.stack(coords, dim=1)
    vmapped = torch.func.vmap(lambda p: land.f(*p.unbind()))(points)
    assert torch.equal(vmapped, land(*coords))
    grads = torch.func.vmap(lambda p: torch.stack(land.gradient(*p.unbind())))(points)
    assert torch.equal(grads, torch.stack(land.gradient(*coords), dim=1))


def test_numbers_and_float32():
    rosen = LANDSCAPES["rosenbrock"]
    assert rosen(-1.5, 2.0).dtype == F64 and rosen(-1.5, 2.0).item() == 12.5
    assert rosen(torch.tensor(-1.5), 2.0).dtype == torch.float32
    assert [g.item() for g in rosen.gradient(-1.5, 2)] == [-155.0, -50.0]
    with pytest.raises(ValueError, match="give 2"):
        rosen(1.0)


def test_ackley_origin_has_no_nan():
    ackley = LANDSCAPES["ackley"]
    assert [g.item() for g in ackley.gradient(0.0, 0.0)] == [0.0, 0.0]
    zero = torch.zeros(2, dtype=F64, requires_grad=True)
    ackley.f(*zero.unbind()).backward()  # autograd (the engine's path) gives the subgradient 0, not NaN
    assert zero.grad.tolist() == [0.0, 0.0] and abs(ackley(0.0, 0.0).item()) < 1e-15


# -- learning rates and starts --------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_lr_range_works_for_gradient_descent_from_the_start(name):
    """At every rate of the range, not only its ends (levi13's (0.001, 0.02) held at both ends and GD diverged at
    its geometric middle); in float64 by hand and in the engine's float32, as a comparison trains."""
    import numpy as np

    land = LANDSCAPES[name]
    assert torch.stack(land.gradient(*land.start)).abs().max() > 1e-3  # not at a critical point
    rates = [float(lr) for lr in np.geomspace(*land.lr_range, 9)]
    for lr in rates:
        f0, f1 = descend_gd(land, lr, 300)
        assert math.isfinite(f1) and f1 < f0, (name, lr, f0, f1)
    if land.bounded_below:
        runs = descend.fit(task=name, optimizer="gd", lr=rates, steps=300, dtype=torch.float32)
        assert (runs.summary["status"] == "ok").all(), runs.summary[["lr", "status", "status_at"]]


# -- grid and model ------------------------------------------------------------------------------------


def test_grid_for_contour_plots():
    beale = LANDSCAPES["beale"]
    x, y, z = beale.grid(5)
    assert x.shape == y.shape == z.shape == (5, 5) and z.dtype == F64
    assert x[0].tolist() == [-4.5, -2.25, 0.0, 2.25, 4.5] and torch.equal(x[0], y[:, 0])
    assert torch.equal(z, beale(x, y))
    x, y, z = beale.grid(3, domain=((0, 3), (0, 1)))
    assert z[1, 2].item() == beale(3.0, 0.5).item() == 0.0
    w, f = LANDSCAPES["parabola"].grid(5)
    assert w.tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0] and f.tolist() == [2.0, 0.5, 0.0, 0.5, 2.0]
    with pytest.raises(ValueError, match="n=1"):
        beale.grid(1)
    with pytest.raises(ValueError, match="low must be less than high"):
        beale.grid(3, domain=((1, 0), (0, 1)))


def test_model_is_a_cost_surface():
    rosen = LANDSCAPES["rosenbrock"]
    model = rosen.model()
    assert isinstance(model, Parametric) and not model.uses_data and model.names == ("x", "y")
    assert model == rosen.model() and model != rosen.model(start=(0.0, 0.0)) and "landscape('rosenbrock')" in repr(model)
    params = model.init([0, 1], dtype=F64)
    assert model.forward(params, None)[:, 0, 0].tolist() == [12.5, 12.5]
    jittered = rosen.model(init_noise=0.1).init([0, 1], dtype=F64)
    assert not torch.equal(jittered[0], params[0])
    assert LANDSCAPES["parabola"].model().names == ("w",)
    with pytest.raises(ValueError, match="start"):
        rosen.model(start=(1.0,))
    with pytest.raises(ValueError, match="finite"):
        rosen.model(start=(math.nan, 0.0))


# -- noisy landscapes ----------------------------------------------------------------------------------


def test_noisy_samples():
    noisy = LANDSCAPES["booth"].noisy(m=64, noise=2.0, seed=3)
    assert isinstance(noisy, NoisyLandscape) and noisy.samples.shape == (64, 2) and noisy.samples.dtype == F64
    assert noisy.samples.sum(dim=0).abs().max() < 1e-12  # centred
    assert noisy.samples.std(dim=0).tolist() == pytest.approx([2.0, 2.0], rel=0.3)
    assert torch.equal(noisy.samples, LANDSCAPES["booth"].noisy(m=64, noise=2.0, seed=3).samples)
    assert not torch.equal(noisy.samples, LANDSCAPES["booth"].noisy(m=64, noise=2.0, seed=4).samples)
    data = noisy.dataset(dtype=F64)
    assert torch.equal(data.x, noisy.samples) and torch.equal(data.y, torch.zeros(64, dtype=F64))
    assert data.kind == "regression" and noisy.dataset().x.dtype == torch.float32


def test_additive_noise_keeps_f_and_perturbs_batch_gradients():
    land = LANDSCAPES["himmelblau"]
    noisy = land.noisy(m=128, noise=1.0)
    coords = random_points(land)
    assert (noisy.value(*coords) - land(*coords)).abs().max() < 1e-10
    leaves = [c.clone().requires_grad_(True) for c in coords]
    full = torch.autograd.grad(noisy.value(*leaves).sum(), leaves)
    for a, b in zip(full, land.gradient(*coords)):
        assert (a - b).abs().max() < 1e-10
    # through the model, as the engine sees it: a batch's gradient is ∇f + the mean of its ξ
    model, point = noisy.model(start=(0.5, -1.0)), torch.tensor([0.5, -1.0], dtype=F64)
    params = model.init([0], dtype=F64)
    grad_f = torch.stack(land.gradient(*point.unbind()))
    for batch in (noisy.samples[:1], noisy.samples[:16], noisy.samples):
        leaves = [p.clone().requires_grad_(True) for p in params]
        loss = model.forward(leaves, batch).mean()
        g = torch.cat(torch.autograd.grad(loss, leaves))
        assert torch.allclose(g, grad_f + batch.mean(dim=0), atol=1e-12)
    single = grad_f + noisy.samples[0]
    assert (single - grad_f).abs().max() > 1e-3


def test_shift_noise_is_a_smoothed_f():
    land = LANDSCAPES["rosenbrock"]
    noisy = land.noisy(m=32, noise=0.3, seed=1, form="shift")
    coords = random_points(land, n=5)
    expected = torch.stack([land(coords[0] - xi[0], coords[1] - xi[1]) for xi in noisy.samples]).mean(dim=0)
    assert torch.allclose(noisy.value(*coords), expected, rtol=1e-13)
    model = noisy.model(start=(0.2, 0.4))
    out = model.forward(model.init([0], dtype=F64), noisy.samples)[0, :, 0]
    assert torch.allclose(out, land(0.2 - noisy.samples[:, 0], 0.4 - noisy.samples[:, 1]), rtol=1e-13)
    # the smoothed risk's minimum moves: its gradient at (1, 1) is not zero
    leaves = [torch.tensor(1.0, dtype=F64, requires_grad=True) for _ in range(2)]
    assert torch.stack(torch.autograd.grad(noisy.value(*leaves), leaves)).abs().max() > 1e-2
    # a quadratic only gains a constant (the samples are centred)
    bowl = quadratic().noisy(m=16, noise=1.0, form="shift")
    diff = bowl.value(*coords) - LANDSCAPES["quadratic"](*coords)
    assert torch.allclose(diff, diff[0].expand(5), atol=1e-12) and diff[0] > 0


def test_noisy_fit_smoke_run():
    noisy = LANDSCAPES["booth"].noisy()
    runs = descend.fit(model=noisy.model(), data=noisy.dataset(), loss="value", optimizer="sgd", lr=0.01,
                       batch_size=1, steps=100)
    curve = runs.curves
    assert not runs.summary["diverged"].any()
    assert curve[curve.metric == "loss"]["value"].map(math.isfinite).all()
    assert runs.summary["final_train_loss"].iloc[0] < noisy.value(*LANDSCAPES["booth"].start).item()


def test_full_batch_additive_noise_is_exact_gradient_descent():
    land = LANDSCAPES["three-hump-camel"]
    noisy = land.noisy(m=32, noise=1.0)
    kw = dict(loss="value", optimizer="gd", lr=0.05, steps=30, dtype=F64)
    exact = descend.fit(model=land.model(), **kw).paths[0]
    full = descend.fit(model=noisy.model(), data=noisy.dataset(dtype=F64), **kw).paths[0]
    assert abs(exact - full).max() < 1e-10


@pytest.mark.parametrize("kw, match", [(dict(m=1), "m=1"), (dict(m=2.5), "m=2.5"), (dict(noise=-1.0), "noise=-1"),
                                       (dict(noise=math.inf), "noise=inf"), (dict(form="multiplicative"), "form"),
                                       (dict(seed=-1), "seed")])
def test_noisy_bad_input(kw, match):
    with pytest.raises(ValueError, match=match):
        LANDSCAPES["booth"].noisy(**kw)


# -- the 1-D parabola and the quadratic bowl ------------------------------------------------------------


@pytest.mark.parametrize("c", [1.0, 4.0])
def test_parabola_regimes_of_gradient_descent(c):
    land = parabola(c) if c != 1.0 else LANDSCAPES["parabola"]
    ratios = [0.5, 1.0, 1.5, 2.5]  # αc: monotone, one step, oscillating, diverging
    runs = descend.fit(model=land.model(), loss="value", optimizer="gd", lr=[r / c for r in ratios], steps=12,
                       dtype=F64)
    monotone, one_step, oscillating, diverging = (torch.as_tensor(runs.paths[i][:, 0]) for i in range(4))
    assert (monotone > 0).all() and (monotone.diff() < 0).all()
    assert one_step[0] == 1.5 and (one_step[1:] == 0).all()
    assert (oscillating[1:] * oscillating[:-1] < 0).all() and (oscillating.abs().diff() < 0).all()
    assert (diverging.abs().diff() > 0).all() and diverging.abs()[-1] > 100
    for path, r in zip((monotone, oscillating, diverging), (0.5, 1.5, 2.5)):
        assert torch.allclose(path, 1.5 * (1 - r) ** torch.arange(13, dtype=F64), rtol=1e-12)


@pytest.mark.parametrize("a, b", [(1.0, 10.0), (2.0, 50.0)])
def test_quadratic_converges_below_2_over_b_and_diverges_above(a, b):
    land = quadratic(a, b) if (a, b) != (1.0, 10.0) else LANDSCAPES["quadratic"]
    runs = descend.fit(model=land.model(), data=None, loss="value", optimizer="gd", lr=[1.9 / b, 2.1 / b],
                       steps=200, dtype=F64)
    f0 = land(*land.start).item()
    below, above = runs.summary["final_train_loss"].tolist()
    assert below < 1e-6 * f0
    # above 2/b the cost grows without bound: past 1e6·max(|J₀|, 1) the engine marks the run diverged (its
    # later losses are NaN, see descend.outcomes) and freezes it at its last finite point, already far out
    assert runs.summary["status"].tolist() == ["ok", "diverged"] and math.isnan(above)
    assert land(*runs.paths[1][-1]).item() > 1e5 * f0


def test_quadratic_and_parabola_factories():
    q = quadratic(1.0, 4.0)
    assert q.formula == "½(x² + 4y²)" and q(2.0, 1.0).item() == 4.0
    assert "2/b = 0.5" in q.notes and "2/(a+b) = 0.4" in q.notes
    assert "(2/(√a+√b))² = 0.4444" in q.notes and "β = ((√b−√a)/(√b+√a))² = 0.1111" in q.notes
    assert q.lr_range[1] < 2 / 4.0
    p = parabola(2.0)
    assert p.names == ("w",) and p(3.0).item() == 9.0 and p.gradient(3.0)[0].item() == 6.0
    assert all(regime in p.notes for regime in ("αc < 1", "αc = 1", "1 < αc < 2", "αc > 2"))


@pytest.mark.parametrize("call, match", [
    (lambda: quadratic(10.0, 1.0), "a <= b"),
    (lambda: quadratic(0.0, 1.0), "a=0"),
    (lambda: quadratic(1.0, math.inf), "b=inf"),
    (lambda: parabola(0.0), "c=0"),
    (lambda: parabola(-1.0), "c=-1"),
    (lambda: CriticalPoint((0.0, 0.0), 0.0, "valley"), "kind"),
    (lambda: LANDSCAPES["booth"].hessian((1.0, 2.0, 3.0)), "point"),
])
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# -- landscapes from a formula --------------------------------------------------------------------------


def test_a_formula_starts_where_its_gradient_is_finite():
    """sqrt(x*y) started at (-3.8, -0.0), where it is finite and its gradient (nan, -inf): every optimizer diverged
    at its first step."""
    from descend.landscapes import from_formula

    for text in ("sqrt(x*y)", "sqrt(x)+y**2", "log(x*y)"):
        land = from_formula(text)
        point = [torch.tensor(v, dtype=torch.float64) for v in land.start]
        assert all(torch.isfinite(g).all() for g in land.gradient(*point)), (text, land.start)
    from descend.compare_config import get_task

    runs = descend.fit(task=get_task("sqrt(x*y)"), optimizer="gd", lr=0.01, steps=5, compile=False)
    status_at = runs.summary["status_at"].iloc[0]
    assert status_at is None or status_at != status_at or status_at > 1  # its first steps are steps


def test_a_formula_starts_where_it_is_finite_in_the_precision_trained():
    """exp(-30*x) + y**2 started at (-3.75, 3.75), where it is 7e48: finite in float64, where the start was chosen,
    beyond float32's 3.4e38, in which every run then diverged at step 0."""
    from descend.landscapes import from_formula

    land = from_formula("exp(-30*x) + y**2")
    point = [torch.tensor(v, dtype=torch.float32) for v in land.start]
    assert torch.isfinite(land(*point)) and all(torch.isfinite(g).all() for g in land.gradient(*point)), land.start
    runs = descend.fit(task=descend.tasks.formula("exp(-30*x) + y**2"), optimizer="gd", lr=1e-40, steps=3,
                       compile=False)
    assert runs.summary["status"].iloc[0] == "ok"
    # finite nowhere in float32 (about 2.7e43 at x = -5): a start where float64 trains it, as before
    far = descend.tasks.formula("exp(100*(x+6)) + y**2")
    runs = descend.fit(task=far, optimizer="gd", lr=1e-50, steps=3, dtype=torch.float64, compile=False)
    assert runs.summary["status"].iloc[0] == "ok"


def test_from_formula():
    formula = pytest.importorskip("descend.formula")
    from descend.landscapes import from_formula

    land = from_formula("x**2 + 3*sin(x*y) + exp(0.1*y)")
    assert land.grad is None and land.critical_points == () and land.domain == ((-5.0, 5.0), (-5.0, 5.0))
    coords = random_points(land)
    grad = torch.stack(land.gradient(*coords))
    h = 1e-6
    fd = torch.stack([(land(coords[0] + h, coords[1]) - land(coords[0] - h, coords[1])) / (2 * h),
                      (land(coords[0], coords[1] + h) - land(coords[0], coords[1] - h)) / (2 * h)])
    assert ((fd - grad).abs() <= 1e-5 * (1 + grad.abs())).all()
    x0, y0 = land.start
    assert (x0, y0) == pytest.approx((-3.75, 3.75)) and "x**2" in land.card()

    log = from_formula("log(x) + y**2", name="log-valley")
    (xlow, xhigh), (ylow, yhigh) = log.domain
    assert 0 < xlow < 0.2 and xhigh == 5.0 and (ylow, yhigh) == (-5.0, 5.0)
    assert log.start[0] > 0 and math.isfinite(log(*log.start).item()) and log.name == "log-valley"
    assert from_formula("x + y", domain=((0, 1), (2, 3))).domain == ((0.0, 1.0), (2.0, 3.0))
    with pytest.raises(ValueError, match="not finite anywhere"):
        from_formula("log(-1 - x**2) + y")
    with pytest.raises(formula.FormulaError):
        from_formula("x^2")


def test_the_hessian_warns_of_nothing_in_a_new_process():
    """torch.func.hessian takes forward-mode autograd, whose first use in a process calls torch.jit.script: a
    DeprecationWarning on torch 2.13, a FutureWarning that every user sees on torch 2.14. Reverse mode twice gives
    the same matrix (Himmelblau's at its minimum (3, 2): [[74, 20], [20, 34]])."""
    import subprocess
    import sys

    code = ("import descend.landscapes as L; h = L.get('himmelblau').hessian((3.0, 2.0)); "
            "assert h.tolist() == [[74.0, 20.0], [20.0, 34.0]], h")
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-W", "error::FutureWarning", "-c",
                           code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
