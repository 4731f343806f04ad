"""The pure rules: the seeds' forms and the optax/Keras switches by hand, the run axis, purity,
the registry and bad input."""

from __future__ import annotations

import inspect
import math
import re

import pytest
import torch

import descend.optim as D
from descend.optim import get
from descend.optim.conventions import conventions_for, preset

GRADS = [3.0, -0.1, 0.2, -2.0, 0.05, 1.5]  # a fixed gradient sequence; magnitudes vary so max/EMA matter
W0 = 1.0


def run_rule(name: str, lrs=None, grads=GRADS, **hyper):
    """Feed ``grads`` to a pure rule on one scalar parameter; return the parameter after each step.

    ``lrs``: a learning rate per step (a schedule), else ``hyper``'s lr throughout.
    """
    info = get(name)
    config = info.configure(**hyper)
    w = (torch.tensor(W0, dtype=torch.float64),)
    state = info.init_state(w, config)
    out = []
    for t, g in enumerate(grads):
        kwargs = info.update_kwargs(config if lrs is None else {**config, "lr": lrs[t]})
        w, state = info.update((torch.tensor(g, dtype=torch.float64),), state, w, **kwargs)
        out.append(w[0].item())
    return out


def by_hand(step, grads=GRADS):
    """Apply ``step(t, g, w, memory) -> w`` (plain Python floats) to ``grads``, the seeds' equations.

    The gradients are a fixed sequence, not a function of ``w``: a rounding difference never feeds back
    into later steps, so comparing the six steps within 1e-15 (a few ulps) holds on any CPU.
    """
    w, memory, out = W0, {}, []
    for t, g in enumerate(grads, start=1):
        w = step(t, g, w, memory)
        out.append(w)
    return out


def test_momentum_ema_form_seed_004():
    """v ← βv + (1−β)g; w ← w − αv (eqs. 5-6)."""
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        return w - 0.1 * m["v"]
    assert run_rule("momentum", lr=0.1, beta=0.9) == pytest.approx(by_hand(step), abs=1e-15)


def test_momentum_ema_with_bias_correction_seed_004():
    """v̂ = v / (1 − βᵗ) (eq. 8)."""
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        return w - 0.1 * m["v"] / (1 - 0.9**t)
    assert run_rule("momentum", lr=0.1, beta=0.9, bias_correction=True) == pytest.approx(by_hand(step), abs=1e-15)


def test_momentum_with_beta_zero_is_gradient_descent():
    assert run_rule("momentum", lr=0.1, beta=0.0) == pytest.approx(run_rule("gd", lr=0.1), abs=0)


def test_gd_seed_001():
    assert run_rule("gd", lr=0.2) == pytest.approx(by_hand(lambda t, g, w, m: w - 0.2 * g), abs=1e-15)


def test_adagrad_seed_002_and_optax_keras_form():
    """G ← G + g²; w ← w − η·g/√(G + ε), with optax/Keras's initial accumulator 0.1."""
    def step(t, g, w, m):
        m["G"] = m.get("G", 0.1) + g * g
        return w - 0.5 * g / math.sqrt(m["G"] + 1e-7)
    got = run_rule("adagrad", lr=0.5, eps=1e-7, eps_mode="inside", initial_accumulator_value=0.1)
    assert got == pytest.approx(by_hand(step), abs=1e-15)


def test_rmsprop_optax_keras_eps_inside_root():
    """s ← βs + (1−β)g²; w ← w − α·g/√(s + ε)."""
    def step(t, g, w, m):
        m["s"] = 0.9 * m.get("s", 0.0) + 0.1 * g * g
        return w - 0.01 * g / math.sqrt(m["s"] + 1e-7)
    got = run_rule("rmsprop", lr=0.01, alpha=0.9, eps=1e-7, eps_mode="inside")
    assert got == pytest.approx(by_hand(step), abs=1e-15)


def test_rmsprop_seed_004_form():
    """s ← βs + (1−β)g²; w ← w − α·g/(√s + ε) (eqs. 9-10), β = 0.99 as quoted in seed 004."""
    def step(t, g, w, m):
        m["s"] = 0.99 * m.get("s", 0.0) + 0.01 * g * g
        return w - 0.01 * g / (math.sqrt(m["s"]) + 1e-8)
    assert run_rule("rmsprop", lr=0.01, alpha=0.99) == pytest.approx(by_hand(step), abs=1e-15)


def _adam_by_hand(denominator, amsgrad_corrected=False):
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        m["s"] = 0.999 * m.get("s", 0.0) + 0.001 * g * g
        v_hat, s_hat = m["v"] / (1 - 0.9**t), m["s"] / (1 - 0.999**t)
        if amsgrad_corrected:
            m["s_max"] = s_hat = max(m.get("s_max", 0.0), s_hat)
        return w - 0.01 * v_hat / denominator(t, m["s"], s_hat)
    return by_hand(step)


def test_adam_seed_004_form():
    """m̂/(√ŝ + ε), eqs. 11-15."""
    expected = _adam_by_hand(lambda t, s, s_hat: math.sqrt(s_hat) + 1e-8)
    assert run_rule("adam", lr=0.01) == pytest.approx(expected, abs=1e-15)


def test_adam_keras_epsilon_hat():
    """Keras: α·√(1−β₂ᵗ)/(1−β₁ᵗ)·m/(√v + ε), ε = 1e-7."""
    def keras(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        m["s"] = 0.999 * m.get("s", 0.0) + 0.001 * g * g
        lr_t = 0.01 * math.sqrt(1 - 0.999**t) / (1 - 0.9**t)
        return w - lr_t * m["v"] / (math.sqrt(m["s"]) + 1e-7)
    got = run_rule("adam", lr=0.01, eps=1e-7, eps_mode="uncorrected")
    assert got == pytest.approx(by_hand(keras), abs=1e-14)


def test_adam_eps_inside_root():
    expected = _adam_by_hand(lambda t, s, s_hat: math.sqrt(s_hat + 1e-8))
    assert run_rule("adam", lr=0.01, eps_mode="inside") == pytest.approx(expected, abs=1e-15)


def test_amsgrad_optax_max_over_corrected():
    expected = _adam_by_hand(lambda t, s, s_hat: math.sqrt(s_hat) + 1e-8, amsgrad_corrected=True)
    assert run_rule("amsgrad", lr=0.01, amsgrad_max="corrected") == pytest.approx(expected, abs=1e-15)
    # and the two AMSGrad forms really differ on this sequence
    assert run_rule("amsgrad", lr=0.01) != pytest.approx(expected, abs=1e-9)


# -- the other libraries' switches, each by hand ----------------------------------------------------

LRS = [0.1, 0.05, 0.2, 0.02, 0.15, 0.08]  # a learning rate per step: where "lr in the buffer" matters


def test_sgd_lr_in_buffer_keras_form_under_a_schedule():
    """Keras: m ← μm − αₜg, w ← w + m; Nesterov w ← w + μm − αₜg (m = −b)."""
    def keras(nesterov):
        def step(t, g, w, m):
            m["m"] = 0.9 * m.get("m", 0.0) - LRS[t - 1] * g
            return w + (0.9 * m["m"] - LRS[t - 1] * g if nesterov else m["m"])
        return by_hand(step)
    for nesterov in (False, True):
        got = run_rule("sgd", lrs=LRS, momentum=0.9, nesterov=nesterov, lr_in_buffer=True)
        assert got == pytest.approx(keras(nesterov), abs=1e-15)
        # torch's form differs under the schedule, and equals it at a constant lr
        assert run_rule("sgd", lrs=LRS, momentum=0.9, nesterov=nesterov) != pytest.approx(keras(nesterov), abs=1e-3)
        assert run_rule("sgd", lr=0.1, momentum=0.9, nesterov=nesterov, lr_in_buffer=True) == pytest.approx(
            run_rule("sgd", lr=0.1, momentum=0.9, nesterov=nesterov), abs=1e-15)


def test_rmsprop_lr_in_buffer_optax_form_under_a_schedule():
    """optax/Keras: b ← μb + αₜ·g/√(s + ε), w ← w − b."""
    def step(t, g, w, m):
        m["s"] = 0.9 * m.get("s", 0.0) + 0.1 * g * g
        m["b"] = 0.5 * m.get("b", 0.0) + LRS[t - 1] * g / math.sqrt(m["s"] + 1e-7)
        return w - m["b"]
    got = run_rule("rmsprop", lrs=LRS, alpha=0.9, eps=1e-7, eps_mode="inside", momentum=0.5, lr_in_buffer=True)
    assert got == pytest.approx(by_hand(step), abs=1e-15)
    torch_form = run_rule("rmsprop", lrs=LRS, alpha=0.9, eps=1e-7, eps_mode="inside", momentum=0.5)
    assert torch_form != pytest.approx(by_hand(step), abs=1e-3)


@pytest.mark.parametrize("lr_in_buffer", [False, True])
def test_rmsprop_nesterov(lr_in_buffer):
    """b ← μb + g/D, w ← w − α(g/D + μb); optax: b ← μb + αg/D, w ← w − (αg/D + μb)."""
    def step(t, g, w, m):
        m["s"] = 0.9 * m.get("s", 0.0) + 0.1 * g * g
        d = g / (math.sqrt(m["s"]) + 1e-3)
        if lr_in_buffer:
            m["b"] = 0.5 * m.get("b", 0.0) + LRS[t - 1] * d
            return w - (LRS[t - 1] * d + 0.5 * m["b"])
        m["b"] = 0.5 * m.get("b", 0.0) + d
        return w - LRS[t - 1] * (d + 0.5 * m["b"])
    got = run_rule("rmsprop", lrs=LRS, alpha=0.9, eps=1e-3, momentum=0.5, nesterov=True, lr_in_buffer=lr_in_buffer)
    assert got == pytest.approx(by_hand(step), abs=1e-15)


def test_rmsprop_initial_scale():
    """s₀ = initial_scale (optax's initial_scale; TF1 used 1)."""
    def step(t, g, w, m):
        m["s"] = 0.9 * m.get("s", 0.7) + 0.1 * g * g
        return w - 0.01 * g / (math.sqrt(m["s"]) + 1e-8)
    assert run_rule("rmsprop", lr=0.01, alpha=0.9, initial_scale=0.7) == pytest.approx(by_hand(step), abs=1e-15)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_bias_correction(centered):
    """ŝ = s/(1 − βᵗ), ḡ̂ = ḡ/(1 − βᵗ); D = √(ŝ + ε) or √(ŝ − ḡ̂² + ε).

    Centered, ŝ − ḡ̂² is 0 at t = 1 up to round-off (~1e-15), which ε = 1 keeps far below the tolerance.
    """
    eps = 1.0 if centered else 1e-3
    def step(t, g, w, m):
        m["s"] = 0.9 * m.get("s", 0.0) + 0.1 * g * g
        m["g"] = 0.9 * m.get("g", 0.0) + 0.1 * g
        s_hat, g_hat = m["s"] / (1 - 0.9**t), m["g"] / (1 - 0.9**t)
        return w - 0.01 * g / math.sqrt((s_hat - g_hat**2 if centered else s_hat) + eps)
    got = run_rule("rmsprop", lr=0.01, alpha=0.9, eps=eps, eps_mode="inside", centered=centered, bias_correction=True)
    assert got == pytest.approx(by_hand(step), abs=1e-15)


def test_adam_eps_and_eps_root_both_nonzero():
    """optax: v̂/(√(ŝ + ε̄) + ε), with ε and ε̄ both non-zero; and each other eps_mode with ε̄."""
    forms = {
        "outside": lambda t, s, s_hat: math.sqrt(s_hat + 1e-4) + 1e-3,
        "inside": lambda t, s, s_hat: math.sqrt(s_hat + 1e-3 + 1e-4),
        "uncorrected": lambda t, s, s_hat: math.sqrt(s_hat + 1e-4) + 1e-3 / math.sqrt(1 - 0.999**t),
    }
    for eps_mode, denominator in forms.items():
        got = run_rule("adam", lr=0.01, eps=1e-3, eps_root=1e-4, eps_mode=eps_mode)
        assert got == pytest.approx(_adam_by_hand(denominator), abs=1e-15), eps_mode
    expected = _adam_by_hand(forms["outside"], amsgrad_corrected=True)
    assert run_rule("amsgrad", lr=0.01, eps=1e-3, eps_root=1e-4, amsgrad_max="corrected") == pytest.approx(
        expected, abs=1e-15)


@pytest.mark.parametrize("eps_mode", ["inside", "outside"])
def test_adamax_eps_inside_the_max_torch_optax_or_on_u_keras(eps_mode):
    """torch/optax: u ← max(β₂u, |g| + ε), v̂/u; Keras: u ← max(β₂u, |g|), v̂/(u + ε)."""
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        if eps_mode == "inside":
            m["u"] = max(0.5 * m.get("u", 0.0), abs(g) + 1e-2)
            return w - 0.01 / (1 - 0.9**t) * m["v"] / m["u"]
        m["u"] = max(0.5 * m.get("u", 0.0), abs(g))
        return w - 0.01 / (1 - 0.9**t) * m["v"] / (m["u"] + 1e-2)
    got = run_rule("adamax", lr=0.01, beta2=0.5, eps=1e-2, eps_mode=eps_mode)
    assert got == pytest.approx(by_hand(step), abs=1e-15)


def _nadam_by_hand(mu, eps_root=0.0):
    """torch's NAdam with a momentum schedule ``mu(t)``; D = √(ŝ + ε̄) + ε."""
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        m["s"] = 0.999 * m.get("s", 0.0) + 0.001 * g * g
        m["prod"] = m.get("prod", 1.0) * mu(t)
        d = math.sqrt(m["s"] / (1 - 0.999**t) + eps_root) + 1e-3
        return (w - 0.01 * (1 - mu(t)) / (1 - m["prod"]) * g / d
                - 0.01 * mu(t + 1) / (1 - m["prod"] * mu(t + 1)) * m["v"] / d)
    return by_hand(step)


def test_nadam_optax_form_without_momentum_schedule():
    """optax: μₜ = β₁, i.e. w ← w − α(1 − β₁)/(1 − β₁ᵗ)·g/D − αβ₁/(1 − β₁ᵗ⁺¹)·v/D, D = √(ŝ + ε̄) + ε."""
    def optax_form(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        m["s"] = 0.999 * m.get("s", 0.0) + 0.001 * g * g
        d = math.sqrt(m["s"] / (1 - 0.999**t) + 1e-4) + 1e-3
        return w - 0.01 * ((1 - 0.9) / (1 - 0.9**t) * g + 0.9 / (1 - 0.9 ** (t + 1)) * m["v"]) / d
    got = run_rule("nadam", lr=0.01, eps=1e-3, eps_root=1e-4, momentum_schedule=False)
    assert got == pytest.approx(by_hand(optax_form), abs=1e-15)
    assert got == pytest.approx(_nadam_by_hand(lambda t: 0.9, eps_root=1e-4), abs=1e-15)


def test_nadam_keras_schedule_is_momentum_decay_one():
    """Keras: μₜ = β₁(1 − ½·0.96ᵗ), torch's schedule with ψ = 1."""
    got = run_rule("nadam", lr=0.01, eps=1e-3, momentum_decay=1.0)
    assert got == pytest.approx(_nadam_by_hand(lambda t: 0.9 * (1 - 0.5 * 0.96**t)), abs=1e-15)


RHO_6_IS_5 = 0.8397685748659791  # RAdam's ρₜ at t = 6 computes to exactly 5.0 with this β₂


def _radam_by_hand(beta2, eps_mode, inclusive, eps_root=0.0):
    def step(t, g, w, m):
        m["v"] = 0.9 * m.get("v", 0.0) + 0.1 * g
        m["s"] = beta2 * m.get("s", 0.0) + (1 - beta2) * g * g
        v_hat, c2 = m["v"] / (1 - 0.9**t), 1 - beta2**t
        rho_inf = 2 / (1 - beta2) - 1
        rho = rho_inf - 2 * t * beta2**t / c2
        if not (rho >= 5 if inclusive else rho > 5):
            return w - 0.01 * v_hat
        r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
        if eps_mode == "outside":  # optax
            return w - 0.01 * r * v_hat / (math.sqrt(m["s"] / c2 + eps_root) + 1e-3)
        return w - 0.01 * r * v_hat / (math.sqrt(m["s"] / c2 + eps_root) + 1e-3 / math.sqrt(c2))
    return step


@pytest.mark.parametrize("eps_root", [0.0, 1e-4])
def test_radam_optax_form_eps_on_the_corrected_root(eps_root):
    """optax: rₜ·v̂/(√(ŝ + ε̄) + ε); torch: rₜ·v̂·√(1 − β₂ᵗ)/(√s + ε)."""
    grads = GRADS * 2  # ρₜ > 5 from t = 6 at β₂ = 0.9
    for eps_mode in ("outside", "uncorrected"):
        got = run_rule("radam", grads=grads, lr=0.01, beta2=0.9, eps=1e-3, eps_root=eps_root, eps_mode=eps_mode)
        expected = by_hand(_radam_by_hand(0.9, eps_mode, inclusive=False, eps_root=eps_root), grads)
        assert got == pytest.approx(expected, abs=1e-14), eps_mode


def test_radam_threshold_inclusive_at_rho_exactly_5():
    """optax rectifies from ρₜ ≥ 5, torch from ρₜ > 5: they part at a step where ρₜ is 5.0 exactly."""
    grads = GRADS * 2
    got = {}
    for inclusive in (False, True):
        got[inclusive] = run_rule("radam", grads=grads, lr=0.01, beta2=RHO_6_IS_5, eps=1e-3,
                                  threshold_inclusive=inclusive)
        expected = by_hand(_radam_by_hand(RHO_6_IS_5, "uncorrected", inclusive), grads)
        assert got[inclusive] == pytest.approx(expected, abs=1e-14)
    assert got[False][:5] == got[True][:5]
    assert abs(got[False][5] - got[True][5]) > 1e-4  # at t = 6, ρₜ = 5: rectified with ≥ only


# -- the run axis and purity, for every convention and the new switches ------------------------------

K = 4


def _moved_by_ulps(t, ulps=4, seed=0):
    """``t`` with every element moved by ``ulps`` units in the last place, up or down at random."""
    up = torch.rand(t.shape, generator=torch.Generator().manual_seed(seed), dtype=t.dtype) < 0.5
    toward = torch.where(up, torch.full_like(t, math.inf), torch.full_like(t, -math.inf))
    for _ in range(ulps):
        t = torch.nextafter(t, toward)
    return t


def _run_of(state, k):
    """Run ``k`` of a rule's state: per-parameter tensors and per-run scalars sliced, shared scalars kept."""
    return type(state)(*(
        tuple(t[k] for t in field) if isinstance(field, tuple) else field if field.ndim == 0 else field[k]
        for field in state
    ))


def _gradients(params):
    return tuple(torch.sin(3 * p) + p for p in params)  # a gradient field, different for each run


def _per_run(*values):
    return torch.tensor(values, dtype=torch.float64)


MOMENTA = _per_run(0.1, 0.5, 0.9, 0.95)
EPS_ROOTS = _per_run(0.0, 1e-6, 1e-4, 1e-2)
#: (id, optimizer, settings): every convention's preset (lr left to the test), and the new switches together,
#: with a per-run tensor where the switch goes with a hyperparameter
SETTINGS = [
    (f"{name}-{convention}", name, {k: v for k, v in preset(name, convention).items() if k != "lr"})
    for name in D.available() for convention in conventions_for(name)
] + [
    ("rmsprop-optax-everything", "rmsprop", {**preset("rmsprop", "optax"), "lr": 1e-2, "centered": True,
     "nesterov": True, "bias_correction": True, "eps": 0.1, "momentum": MOMENTA,
     "initial_scale": _per_run(0.0, 0.1, 0.5, 1.0)}),
    ("rmsprop-torch-nesterov", "rmsprop", {"momentum": MOMENTA, "nesterov": True, "bias_correction": True}),
    ("sgd-keras-nesterov", "sgd", {**preset("sgd", "keras"), "momentum": MOMENTA, "nesterov": True}),
    # torch ignores τ without momentum: a run with μ = 0 beside runs with momentum (a buffer) is plain SGD
    ("sgd-dampened-some-without-momentum", "sgd", {"momentum": _per_run(0.0, 0.5, 0.9, 0.0), "dampening": 0.5}),
    ("adam-eps-root", "adam", {"eps": 1e-3, "eps_root": EPS_ROOTS}),
    ("adam-keras-eps-root", "adam", {**preset("adam", "keras"), "eps": 1e-3, "eps_root": EPS_ROOTS}),
    ("amsgrad-optax-eps-root", "amsgrad", {**preset("amsgrad", "optax"), "eps": 1e-3, "eps_root": EPS_ROOTS}),
    ("nadam-optax-eps-root", "nadam", {**preset("nadam", "optax"), "eps": 1e-3, "eps_root": EPS_ROOTS}),
    ("radam-optax-eps-root", "radam", {**preset("radam", "optax"), "eps": 1e-3, "eps_root": EPS_ROOTS}),
    ("radam-torch-eps-root", "radam", {"eps": 1e-3, "eps_root": EPS_ROOTS}),
    # a run whose μ is 0 among runs with momentum steps as alone (w − (α·g)/D, torch's order), and a per-run λ
    # is added to the gradient rounded once, as a number is (torch.add(g, w, alpha=λ))
    ("rmsprop-some-without-momentum", "rmsprop", {"momentum": _per_run(0.0, 0.5, 0.9, 0.0)}),
    ("sgd-per-run-weight-decay", "sgd", {"weight_decay": _per_run(0.0, 1e-3, 0.1, 0.5)}),
    ("adam-per-run-weight-decay", "adam", {"weight_decay": _per_run(0.0, 1e-3, 0.1, 0.5)}),
    ("adagrad-lr-decay", "adagrad", {"lr_decay": 0.1}),
]


@pytest.mark.parametrize("name, settings", [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_pure_rule_run_axis_equals_each_run_alone(name, settings):
    """Every registered rule, in every convention: K runs with per-run lr (and β where it has one) in one call
    equal K calls.

    Each step from a shared state (each run alone is given its run's batched parameters, state and gradient):
    parameters and state bit for bit (a number divided by a tensor is torch's reciprocal times the number, two
    roundings: Adam's α/(1 − β₁ᵗ) for a number α differed by an ulp from a [K] α's, and from torch.optim's).
    Whole trajectories of 20 steps: within 1e-12, on a gradient field where they are well-conditioned (a 4-ulp
    move of a run's start stays within 1e-14).
    """
    info = get(name)
    g = torch.Generator().manual_seed(0)
    start = (torch.randn(K, 3, 2, generator=g, dtype=torch.float64), torch.randn(K, 2, generator=g, dtype=torch.float64))
    hyper = {**settings, "lr": _per_run(1e-3, 1e-2, 3e-2, 1e-1)}
    for beta in ("beta", "beta1", "alpha", "rho"):
        if beta in info.names:
            hyper[beta] = _per_run(0.5, 0.8, 0.9, 0.95)
    if name in ("sgd", "nesterov") and "momentum" not in settings:
        hyper["momentum"] = MOMENTA
    config = info.configure(runs=K, **hyper)
    configs = [info.configure(**{n: (v[k].item() if isinstance(v, torch.Tensor) else v) for n, v in hyper.items()})
               for k in range(K)]

    def alone(k, ulps=0):
        pk = tuple(_moved_by_ulps(p[k], ulps) if ulps else p[k] for p in start)
        sk = info.init_state(pk, configs[k])
        for _ in range(20):
            pk, sk = info.update(_gradients(pk), sk, pk, **info.update_kwargs(configs[k]))
        return pk

    params, state, worst = start, info.init_state(start, config), 0.0
    for _ in range(20):
        grads = _gradients(params)
        new_params, new_state = info.update(grads, state, params, **info.update_kwargs(config))
        for k in range(K):
            got_params, got_state = info.update(tuple(g[k] for g in grads), _run_of(state, k),
                                                tuple(p[k] for p in params), **info.update_kwargs(configs[k]))
            expected = (*(p[k] for p in new_params), *_tensors(_run_of(new_state, k)))
            for a, b in zip((*got_params, *_tensors(got_state)), expected, strict=True):
                apart = ((a - b).abs() / b.abs().clamp(min=1e-300)).nan_to_num(nan=math.inf)  # one-sided NaN: ∞
                worst = max(worst, torch.where((a == b) | (a.isnan() & b.isnan()), 0.0, apart).max().item())
        params, state = new_params, new_state
    assert worst == 0, f"a step differs from the run alone by {worst:.2g} relative"
    for k in range(K):
        single = alone(k)
        spread = max((a - b).abs().max().item() for a, b in zip(single, alone(k, ulps=4)))
        assert spread <= 1e-14, f"run {k}: ill-conditioned, 4 ulps at the start grow to {spread:.1e}"
        for batched, p in zip(params, single):
            torch.testing.assert_close(batched[k], p, rtol=0, atol=1e-12)
    moved = min((p - p0).abs().amax(dim=tuple(range(1, p.ndim))).min().item() for p, p0 in zip(params, start))
    assert moved > 1e-6, "every run must move its parameters far beyond the tolerance"


@pytest.mark.parametrize("name, settings", [s[1:] for s in SETTINGS], ids=[s[0] for s in SETTINGS])
def test_update_is_pure(name, settings):
    """update changes none of its inputs."""
    info = get(name)
    config = info.configure(**{k: v[0].item() if isinstance(v, torch.Tensor) else v for k, v in settings.items()})
    params = (torch.randn(4, 3, dtype=torch.float64),)
    state = info.init_state(params, config)
    for _ in range(2):  # the second step exercises the moments
        grads = (torch.randn(4, 3, dtype=torch.float64),)
        snapshot = [t.clone() for t in (*params, *grads, *_tensors(state))]
        new_params, new_state = info.update(grads, state, params, **info.update_kwargs(config))
        for before, after in zip(snapshot, (*params, *grads, *_tensors(state))):
            assert torch.equal(before, after)
        assert not torch.equal(new_params[0], params[0])
        params, state = new_params, new_state


def _tensors(state):
    for field in state:
        yield from (field if isinstance(field, tuple) else (field,))


def test_float32_parameters_stay_float32_with_float64_hyperparameters():
    w = (torch.ones(3, 2),)
    state = D.adam_init(w)
    w, state = D.adam_update((torch.ones(3, 2),), state, w, lr=torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64))
    assert w[0].dtype == torch.float32
    assert w[0][:, 0].tolist() == pytest.approx([0.9, 0.8, 0.7], abs=1e-6)


# -- registry ----------------------------------------------------------------------------------

STATE_TENSORS = {
    ("gd", ()): 0, ("momentum", ()): 1, ("sgd", ()): 0, ("sgd", (("momentum", 0.9),)): 1, ("nesterov", ()): 1,
    ("adagrad", ()): 1, ("adadelta", ()): 2, ("rmsprop", ()): 1,
    ("rmsprop", (("centered", True), ("momentum", 0.9))): 3, ("adam", ()): 2, ("amsgrad", ()): 3,
    ("adamw", ()): 2, ("adamax", ()): 2, ("nadam", ()): 2, ("radam", ()): 2,
}


@pytest.mark.parametrize("key", list(STATE_TENSORS), ids=lambda k: k[0] + "".join(f"-{n}" for n, _ in k[1]))
def test_state_tensors_per_parameter(key):
    name, options = key
    assert get(name).state_tensors(**dict(options)) == STATE_TENSORS[key]


def test_registry_covers_every_algorithm_with_a_description():
    assert set(D.available()) == {n for n, _ in STATE_TENSORS}
    for name in D.available():
        info = get(name)
        assert info.description and "\n" not in info.description
        assert info.update.__doc__ and "←" in info.update.__doc__, f"{name}: equations in the docstring"


CLASSES = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"]


@pytest.mark.parametrize("name", CLASSES)
def test_class_signature_and_defaults_match_torch(name):
    ours = inspect.signature(getattr(D, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    for pname, p in theirs.items():
        assert pname in ours, f"{name} lacks torch's argument {pname}"
        assert ours[pname].default == p.default, pname
        assert ours[pname].kind == p.kind or p.kind is inspect.Parameter.KEYWORD_ONLY, pname


@pytest.mark.parametrize("name", CLASSES)
def test_registry_defaults_match_torch(name):
    info = next(get(n) for n in D.available() if get(n).torch_class == name)
    theirs = {n: p.default for n, p in inspect.signature(getattr(torch.optim, name)).parameters.items()}
    if "betas" in theirs:
        theirs["beta1"], theirs["beta2"] = theirs.pop("betas")
    for hname, value in info.defaults.items():
        if hname in theirs:
            assert value == theirs[hname], hname


def test_momentum_class_is_the_seed_form():
    w = torch.nn.Parameter(torch.tensor([1.0], dtype=torch.float64))
    opt = D.Momentum([w], lr=0.1, beta=0.9, bias_correction=True)
    for g in GRADS:
        w.grad = torch.tensor([g], dtype=torch.float64)
        opt.step()
    assert w.item() == pytest.approx(run_rule("momentum", lr=0.1, beta=0.9, bias_correction=True)[-1], abs=1e-15)


# -- bad input ---------------------------------------------------------------------------------

def _params(k=None):
    shape = (3,) if k is None else (k, 3)
    return [torch.nn.Parameter(torch.zeros(shape))]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: D.Adam(_params(), lr=-0.1), r"lr=-0\.1 is out of range; allowed: \[0, inf\)"),
        (lambda: D.SGD(_params(), lr=float("nan")), r"lr=nan is not finite"),
        (lambda: D.Adam(_params(), lr=float("inf")), r"lr=inf is not finite"),
        (lambda: D.Adam(_params(), betas=(1.0, 0.999)), r"beta1=1 is out of range; allowed: \[0, 1\)"),
        (lambda: D.NAdam(_params(), betas=(0.9, -0.1)), r"beta2=-0\.1 .*\[0, 1\)"),
        (lambda: get("rmsprop").configure(alpha=1.5), r"alpha=1\.5 is out of range; allowed: \[0, 1\]"),
        (lambda: get("rmsprop").configure(nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda: get("rmsprop").configure(initial_scale=-1.0), r"initial_scale=-1 is out of range"),
        (lambda: get("adam").configure(eps_root=-1e-8), r"eps_root=-1e-08 is out of range"),
        (lambda: get("sgd").configure(dampening=1.5), r"dampening=1\.5 is out of range; allowed: \[0, 1\]"),
        (lambda: get("radam").configure(eps_mode="inside"), r"eps_mode='inside' is not allowed"),
        (lambda: D.Adagrad(_params(), eps=-1e-10), r"eps=-1e-10"),
        (lambda: D.Adam(_params(), eps_mode="sometimes"), r"eps_mode='sometimes' is not allowed; choose one of"),
        # a switch of a class given as 1 or 0 (equal to True and False) was taken, then refused at the first step in
        # the pure rule's words (and inside a compiler's traceback with fused=True); descend.fit, the command line
        # and settings files take 1 and 0 as True and False (tests/test_fit.py)
        (lambda: D.Adam(_params(), maximize=1, fused=True), r"^maximize=1 is not allowed; choose one of False, True$"),
        (lambda: D.SGD(_params(), lr=0.1, nesterov=0), r"^nesterov=0 is not allowed; choose one of False, True$"),
        (lambda: D.RMSprop(_params(), centered=1.0), r"^centered=1\.0 is not allowed; choose one of False, True$"),
        (lambda: D.Adam(_params(4), lr=torch.tensor([0.1, 0.2, 0.3])), r"run axis of K = 3 runs, but parameter 0"),
        (lambda: D.Adam(_params(3), lr=torch.tensor([0.1, 0.2, 0.3]),
                        betas=(torch.tensor([0.9, 0.9]), torch.tensor([0.99, 0.99]))),
         r"beta1 has 2 values but lr has 3"),  # both betas tensors: torch refuses a number beside a tensor
        (lambda: D.SGD(_params(3), lr=torch.tensor([0.1, 0.2, -0.3])), r"lr=-0\.3 for run 2 is out of range"),
        (lambda: D.SGD(_params(), lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda: D.SGD(_params(), lr=0.1, momentum=-0.5), r"momentum=-0\.5"),
        (lambda: D.Adadelta(_params(), rho=1.5), r"rho=1\.5 .*\[0, 1\]"),
        (lambda: D.Adam(_params(), lr="fast"), r"lr='fast' must be a number"),
        (lambda: D.Adam(_params(), lr=True), r"lr=True must be a number"),
        (lambda: D.Adam(_params(), lr=10**400), r"lr=inf is not finite"),  # an int beyond float's range
        (lambda: D.Adam(_params(), lr=-2), r"lr=-2 is out of range; allowed: \[0, inf\)"),
        (lambda: D.Adam(_params(), lr=torch.tensor(-2.0)), r"lr=-2 is out of range; allowed: \[0, inf\)"),
        (lambda: D.Adam(_params(), differentiable=True), r"differentiable=True is not supported"),
        (lambda: get("adma"), r"unknown optimizer 'adma'; did you mean .*'adam'"),
        (lambda: get("adam").configure(beta3=0.5), r"unknown hyperparameter for adam 'beta3'"),
        # a symbol spelt out: the seeds' β of RMSprop is torch's alpha, α is lr
        (lambda: get("rmsprop").configure(beta=0.9), r"rmsprop 'beta'; β \(decay of the squared-gradient EMA s\) "
                                                     r"is named 'alpha' \(allowed: "),
        (lambda: get("adam").configure(alpha=0.1), r"adam 'alpha'; α \(learning rate \(step size\)\) is named 'lr'"),
        (lambda: get("adam").configure(beta=0.9), r"adam 'beta'; did you mean 'beta2' or 'beta1'\?"),
        (lambda: get("amsgrad").configure(amsgrad=False), r"amsgrad always uses amsgrad=True"),
    ],
)
def test_bad_input_is_a_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# torch.optim 2.13's constructors: lr ≥ 0, eps ≥ 0, 0 ≤ β < 1, weight_decay ≥ 0, momentum ≥ 0, RMSprop
# 0 ≤ alpha, Adadelta 0 ≤ rho ≤ 1, Adagrad lr_decay ≥ 0 and initial_accumulator_value ≥ 0, NAdam momentum_decay ≥ 0
TORCH_ACCEPTS = [
    *((name, "eps", 0.0) for name in D.available() if "eps" in get(name).names),
    *((name, "lr", 0.0) for name in D.available()),
    *((name, b, 0.0) for name in D.available() for b in ("beta1", "beta2") if b in get(name).names),
    ("rmsprop", "alpha", 0.0), ("rmsprop", "alpha", 1.0), ("adadelta", "rho", 0.0), ("adadelta", "rho", 1.0),
    ("sgd", "momentum", 1.5), ("rmsprop", "momentum", 1.5), ("adagrad", "lr_decay", 0.0),
    ("adagrad", "initial_accumulator_value", 0.0), ("nadam", "momentum_decay", 0.0),
]
TORCH_REFUSES = [
    *((name, b, 1.0) for name in D.available() for b in ("beta1", "beta2") if b in get(name).names),
    *((name, "eps", -1e-12) for name in D.available() if "eps" in get(name).names),
    ("rmsprop", "alpha", -0.1), ("adadelta", "rho", 1.1), ("sgd", "momentum", -0.1),
]


@pytest.mark.parametrize("name, hyper, value", TORCH_ACCEPTS, ids=lambda x: str(x))
def test_registry_accepts_what_torch_accepts(name, hyper, value):
    get(name).configure(**{hyper: value})


@pytest.mark.parametrize("name, hyper, value", TORCH_REFUSES, ids=lambda x: str(x))
def test_registry_refuses_what_torch_refuses(name, hyper, value):
    with pytest.raises(ValueError, match=f"{hyper}="):
        get(name).configure(**{hyper: value})


def test_refusals_beyond_torch_are_explained_in_the_docstring():
    """descend refuses RMSprop's alpha > 1 and SGD's dampening outside [0, 1]; torch accepts them."""
    for name, hyper, value in (("rmsprop", "alpha", 1.5), ("sgd", "dampening", -0.5), ("sgd", "dampening", 1.5)):
        with pytest.raises(ValueError, match=f"{hyper}="):
            get(name).configure(**{hyper: value})
    assert "β > 1" in D.rmsprop_update.__doc__ and "torch" in D.rmsprop_update.__doc__
    assert "τ > 1" in D.sgd_update.__doc__


# -- conventions -------------------------------------------------------------------------------

def test_every_optimizer_has_conventions_and_every_preset_is_accepted():
    from descend.optim import conventions as C
    assert set(C._CHANGES) == set(D.available())
    for name in D.available():
        assert conventions_for(name)[0] == "torch"
        for convention in conventions_for(name):
            settings = preset(name, convention)
            assert set(settings) <= set(get(name).names) - set(get(name).fixed), (name, convention)
            get(name).configure(**settings)
            assert ("lr" in settings) == (convention != "optax")


def test_torch_preset_is_the_registry_defaults():
    for name in D.available():
        info = get(name)
        assert preset(name, "torch") == {k: v for k, v in info.defaults.items() if k not in info.fixed}


def test_presets_set_what_the_table_says():
    """Spot checks of the table in descend.optim.conventions, and that the docstring shows every change."""
    from descend.optim import conventions as C
    assert preset("adagrad", "optax")["initial_accumulator_value"] == 0.1
    assert preset("rmsprop", "optax")["initial_scale"] == 0.0 and preset("rmsprop", "optax")["lr_in_buffer"]
    assert preset("amsgrad", "optax")["amsgrad_max"] == "corrected"
    assert preset("nadam", "optax")["momentum_schedule"] is False
    assert preset("adam", "keras")["eps_mode"] == "uncorrected" and preset("adam", "keras")["eps"] == 1e-7
    assert preset("adamw", "optax")["weight_decay"] == 1e-4
    assert preset("adam", "optax") == {k: v for k, v in preset("adam", "torch").items() if k != "lr"}
    assert _docstring_table(C.__doc__) == {
        (name, convention): {f"{k}={_shown(v)}" for k, v in changes.items()}
        for name, by_convention in C._CHANGES.items() for convention, changes in by_convention.items()
    }


def _shown(value):
    """A value as the table writes it: 1e-7, 0.0001, "inside", True."""
    return repr(value).replace("e-0", "e-").replace("'", '"')


def _docstring_table(doc):
    """{(optimizer, convention): {"key=value", ...}} from the module docstring's table (cells may wrap)."""
    lines = doc.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("=========="))
    spans = [(m.start(), m.end()) for m in re.finditer(r"=+", lines[rule])]
    cells, name = {}, None
    for line in lines[rule + 3:]:
        if line.startswith("=========="):
            break
        name = line[: spans[0][1]].strip() or name
        for convention, (a, b) in zip(("optax", "keras"), spans[1:]):
            cells.setdefault((name, convention), []).append(line[a:] if b == spans[-1][1] else line[a:b])
    table = {}
    for key, parts in cells.items():
        text = " ".join(parts)
        if text.strip().startswith("no"):
            continue  # the convention does not exist for this optimizer
        table[key] = set(re.findall(r"\b\w+=[^,\s]+", re.sub(r"\(.*?\)", "", text)))
    return table


@pytest.mark.parametrize(
    "name, convention, message",
    [
        ("radam", "keras", r"no 'keras' convention for radam: Keras has no RAdam \(conventions for radam: torch, optax\)"),
        ("momentum", "optax", r"no 'optax' convention for momentum: .* \(conventions for momentum: torch\)"),
        ("adam", "jax", r"unknown convention 'jax'; choose one of 'torch', 'optax', 'keras'"),
        ("adma", "optax", r"unknown optimizer 'adma'"),
    ],
)
def test_a_convention_that_does_not_exist_is_a_clear_value_error(name, convention, message):
    with pytest.raises(ValueError, match=message):
        preset(name, convention)


def test_bad_group_added_later_is_rejected_and_not_kept():
    opt = D.Adam(_params())
    with pytest.raises(ValueError, match="lr=-1"):
        opt.add_param_group({"params": _params(), "lr": -1.0})
    assert len(opt.param_groups) == 1


#: Named variants whose registry defaults differ from their rule's on purpose: Nesterov needs a momentum (torch's
#: SGD refuses nesterov=True at momentum 0), and AdamW's decay is torch's AdamW's.
VARIANT_DEFAULTS = {("nesterov", "momentum"): 0.9, ("adamw", "weight_decay"): 0.01}


@pytest.mark.parametrize("name", D.available())
def test_registry_defaults_are_the_rules_and_the_classes(name):
    """The registry's defaults (what descend.fit, compare and tune take) are the pure rule's keyword defaults and
    the descend class's: only those with a torch class were checked (against torch), so momentum's β could have
    changed for fit while D.Momentum kept 0.9."""
    info = get(name)
    rule = {n: p.default for f in (info.update, info.init) for n, p in inspect.signature(f).parameters.items()
            if p.default is not inspect.Parameter.empty}
    for hname, value in info.defaults.items():
        expected = info.fixed.get(hname, VARIANT_DEFAULTS.get((name, hname), rule[hname]))
        assert value == expected, (hname, value, expected)
    classes = {cls.__name__.lower(): cls for cls in (D.SGD, D.Momentum, D.Adagrad, D.Adadelta, D.RMSprop, D.Adam,
                                                      D.AdamW, D.Adamax, D.NAdam, D.RAdam)}
    if name in classes:
        theirs = {n: p.default for n, p in inspect.signature(classes[name]).parameters.items()
                  if p.default is not inspect.Parameter.empty}
        if "betas" in theirs:
            theirs["beta1"], theirs["beta2"] = theirs.pop("betas")
        shared = [h for h in info.defaults if h in theirs]
        assert "lr" in shared or name == "momentum"  # Momentum's lr has no default, as torch's SGD
        assert {h: info.defaults[h] for h in shared} == {h: theirs[h] for h in shared}
