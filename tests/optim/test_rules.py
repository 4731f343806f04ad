"""The pure rules: the seeds' forms and the optax/Keras switches by hand, the run axis, purity,
the registry and bad input."""

from __future__ import annotations

import inspect
import math

import pytest
import torch

import descend.optim as D
from descend.optim import get

GRADS = [3.0, -0.1, 0.2, -2.0, 0.05, 1.5]  # a fixed gradient sequence; magnitudes vary so max/EMA matter
W0 = 1.0


def run_rule(name: str, **hyper):
    """Feed GRADS to a pure rule on one scalar parameter; return the parameter after each step."""
    info = get(name)
    config = info.configure(**hyper)
    w = (torch.tensor(W0, dtype=torch.float64),)
    state = info.init_state(w, config)
    out = []
    for g in GRADS:
        w, state = info.update((torch.tensor(g, dtype=torch.float64),), state, w, **info.update_kwargs(config))
        out.append(w[0].item())
    return out


def by_hand(step):
    """Apply ``step(t, g, w, memory) -> w`` (plain Python floats) to GRADS, the seeds' equations.

    The gradients are a fixed sequence, not a function of ``w``: a rounding difference never feeds back
    into later steps, so comparing the six steps within 1e-15 (a few ulps) holds on any CPU.
    """
    w, memory, out = W0, {}, []
    for t, g in enumerate(GRADS, start=1):
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


@pytest.mark.parametrize("name", D.available())
def test_pure_rule_run_axis_equals_each_run_alone(name):
    """Every registered rule: K runs with per-run lr (and β where it has one) in one call equal K calls.

    Each step from a shared state (each run alone is given its run's batched parameters, state and gradient):
    parameters and state within 1e-12 relative. Whole trajectories of 20 steps: within 1e-12, on a gradient
    field where they are well-conditioned (a 4-ulp move of a run's start stays within 1e-14).
    """
    info = get(name)
    g = torch.Generator().manual_seed(0)
    start = (torch.randn(K, 3, 2, generator=g, dtype=torch.float64), torch.randn(K, 2, generator=g, dtype=torch.float64))
    hyper = {"lr": torch.tensor([1e-3, 1e-2, 3e-2, 1e-1], dtype=torch.float64)}
    for beta in ("beta", "beta1", "alpha", "rho"):
        if beta in info.names:
            hyper[beta] = torch.tensor([0.5, 0.8, 0.9, 0.95], dtype=torch.float64)
    if name in ("sgd", "nesterov"):
        hyper["momentum"] = torch.tensor([0.1, 0.5, 0.9, 0.95], dtype=torch.float64)
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
                worst = max(worst, ((a - b).abs() / (1e-12 * b.abs() + 1e-15)).max().item())
        params, state = new_params, new_state
    assert worst <= 1, f"a step differs by {worst:.2g} × (1e-12·|value| + 1e-15)"
    for k in range(K):
        single = alone(k)
        spread = max((a - b).abs().max().item() for a, b in zip(single, alone(k, ulps=4)))
        assert spread <= 1e-14, f"run {k}: ill-conditioned, 4 ulps at the start grow to {spread:.1e}"
        for batched, p in zip(params, single):
            torch.testing.assert_close(batched[k], p, rtol=0, atol=1e-12)
    moved = min((p - p0).abs().amax(dim=tuple(range(1, p.ndim))).min().item() for p, p0 in zip(params, start))
    assert moved > 1e-6, "every run must move its parameters far beyond the tolerance"


@pytest.mark.parametrize("name", D.available())
def test_update_is_pure(name):
    """update changes none of its inputs."""
    info = get(name)
    config = info.configure()
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
        (lambda: D.RMSprop(_params(), eps=0.0), r"eps=0 is out of range; allowed: \(0, inf\)"),
        (lambda: D.Adagrad(_params(), eps=-1e-10), r"eps=-1e-10"),
        (lambda: D.Adam(_params(), lrr=0.1), r"unknown argument for Adam 'lrr'; did you mean 'lr'"),
        (lambda: D.Adam(_params(), eps_mode="sometimes"), r"eps_mode='sometimes' is not allowed; choose one of"),
        (lambda: D.Adam(_params(4), lr=torch.tensor([0.1, 0.2, 0.3])), r"run axis of K = 3 runs, but parameter 0"),
        (lambda: D.Adam(_params(3), lr=torch.tensor([0.1, 0.2, 0.3]), betas=(torch.tensor([0.9, 0.9]), 0.99)),
         r"beta1 has 2 values but lr has 3"),
        (lambda: D.SGD(_params(3), lr=torch.tensor([0.1, 0.2, -0.3])), r"lr=-0\.3 for run 2 is out of range"),
        (lambda: D.SGD(_params(), lr=0.1, nesterov=True), r"nesterov=True needs momentum > 0"),
        (lambda: D.SGD(_params(), lr=0.1, momentum=-0.5), r"momentum=-0\.5"),
        (lambda: D.Adadelta(_params(), rho=1.5), r"rho=1\.5 .*\[0, 1\]"),
        (lambda: D.Adam(_params(), lr="fast"), r"lr='fast' must be a number"),
        (lambda: D.Adam(_params(), differentiable=True), r"differentiable=True is not supported"),
        (lambda: get("adma"), r"unknown optimizer 'adma'; did you mean .*'adam'"),
        (lambda: get("adam").configure(beta3=0.5), r"unknown hyperparameter for adam 'beta3'"),
        (lambda: get("amsgrad").configure(amsgrad=False), r"amsgrad always uses amsgrad=True"),
    ],
)
def test_bad_input_is_a_clear_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_group_added_later_is_rejected_and_not_kept():
    opt = D.Adam(_params())
    with pytest.raises(ValueError, match="lr=-1"):
        opt.add_param_group({"params": _params(), "lr": -1.0})
    assert len(opt.param_groups) == 1
