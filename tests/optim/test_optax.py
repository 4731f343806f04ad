"""descend's rules with ``preset(name, "optax")`` against optax itself (0.2.8), in float64.

Skipped when optax is not installed (``pip install descend[optax]``). Each case uses non-default
hyperparameters, given to both libraries. **Each step from a shared state**: before every one of 30 steps
descend is given optax's parameters and optax's state (mapped field by field: optax's ``mu``/``nu`` are
descend's ``v``/``s``, optax's momentum ``trace`` of negative updates is ``−b``), both take one step from
the same gradient, and the new parameters and every new state entry agree within 1e-12 relative. The
gradients are random with a scale drawn from 0.1..10 at each step, so that running maxima (AMSGrad,
Adamax) and the ε terms matter; ε is 1e-3 and ε̄ (``eps_root``) 1e-4, so that an ε in the wrong place is
wrong by ~1e-4 relative, 10⁸ times the tolerance. Every step must move the parameters. And each case
must fail when a switch of its preset is set otherwise (``WRONG``): the comparison can fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pytest
import torch

from descend.optim import adam, adaptive, get, sgd
from descend.optim.conventions import preset

optax = pytest.importorskip("optax")
jax = pytest.importorskip("jax")
jax.config.update("jax_enable_x64", True)
jnp = jax.numpy

STEPS = 30
SHAPES = ((3, 4), (5,))
TOLERANCE = 1e-12  # relative, plus 1e-15 absolute for entries near zero

#: a learning rate that changes at every step (optax reads it from a schedule of its step count)
LRS = 0.02 * 0.9 ** np.arange(STEPS) * (1 + 0.5 * (-1.0) ** np.arange(STEPS))
SCHEDULED = -1.0  # ``lr`` of a case that follows LRS


def _schedule(count):
    return jnp.asarray(LRS)[count]


# -- optax's state → descend's state ----------------------------------------------------------------------------

def _t(tree) -> tuple[torch.Tensor, ...]:
    return tuple(torch.from_numpy(np.array(x, dtype=np.float64)) for x in tree)


def _has(record, name: str) -> bool:
    """Whether an optax state record (a NamedTuple: ``count`` would find tuple.count) has the field ``name``."""
    return name in getattr(record, "_fields", ())


def _step(count) -> torch.Tensor:
    return torch.tensor(float(count), dtype=torch.float64)


def _sgd_state(state, t):
    trace = state[0].trace if _has(state[0], "trace") else ()
    return sgd.SGDState(step=_step(t), b=_t(trace))


def _gd_state(state, t):
    return sgd.GDState(step=_step(t))


def _rmsprop_state(state, t):
    rms, _, momentum = state
    step = rms.count if _has(rms, "count") else t
    b = tuple(-x for x in _t(momentum.trace)) if _has(momentum, "trace") else ()
    return adaptive.RMSpropState(step=_step(step), s=_t(rms.nu), g_avg=_t(rms.mu) if _has(rms, "mu") else (), b=b)


def _adagrad_state(state, t):
    return adaptive.AdagradState(step=_step(t), s=_t(state[0].sum_of_squares))


def _adadelta_state(state, t):
    return adaptive.AdadeltaState(step=_step(t), s=_t(state[1].e_g), u=_t(state[1].e_x))


def _adam_state(state, t):
    s = state[0]
    return adam.AdamState(step=_step(s.count), v=_t(s.mu), s=_t(s.nu), s_max=_t(s.nu_max) if _has(s, "nu_max") else ())


def _adamax_state(state, t):
    s = state[0]
    return adam.AdamaxState(step=_step(s.count), v=_t(s.mu), u=_t(s.nu))


def _nadam_state(beta1):
    def mapping(state, t):
        s = state[0]
        mu_product = torch.tensor(beta1, dtype=torch.float64) ** _step(s.count)
        return adam.NAdamState(step=_step(s.count), mu_product=mu_product, v=_t(s.mu), s=_t(s.nu))
    return mapping


def _radam_state(state, t):
    s = state[0]
    return adam.RAdamState(step=_step(s.count), v=_t(s.mu), s=_t(s.nu))


# -- the cases ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    id: str
    name: str  #: descend's optimizer
    hyper: dict[str, Any]  #: non-default hyperparameters, given to both (lr SCHEDULED: LRS)
    optax: Callable[[Any], Any]  #: lr (a number or a schedule) → optax's optimizer with the same hyperparameters
    state: Callable[[Any, int], Any]  #: optax's state after t steps → descend's
    wrong: tuple[dict[str, Any], ...] = field(default=())  #: settings that must make the comparison fail


ADAM_HYPER = dict(lr=0.01, beta1=0.8, beta2=0.95, eps=1e-3, eps_root=1e-4)
ADAM_OPTAX = dict(b1=0.8, b2=0.95, eps=1e-3, eps_root=1e-4)
RMS = dict(lr=0.01, alpha=0.8, eps=1e-3)
RHO_6_IS_5 = 0.8397685748659791  # RAdam's ρₜ at t = 6 computes to exactly 5.0


def _rmsprop(**kw):
    return lambda lr: optax.rmsprop(lr, decay=0.8, eps=1e-3, **kw)


CASES = [
    Case("gd", "gd", dict(lr=0.05), lambda lr: optax.sgd(lr), _gd_state, wrong=({"maximize": True},)),
    Case("sgd", "sgd", dict(lr=0.05), lambda lr: optax.sgd(lr), _sgd_state, wrong=({"weight_decay": 0.1},)),
    Case("sgd-momentum", "sgd", dict(lr=0.05, momentum=0.7), lambda lr: optax.sgd(lr, momentum=0.7), _sgd_state,
         wrong=({"nesterov": True}, {"lr_in_buffer": True})),
    Case("sgd-nesterov", "sgd", dict(lr=0.05, momentum=0.8, nesterov=True),
         lambda lr: optax.sgd(lr, momentum=0.8, nesterov=True), _sgd_state, wrong=({"nesterov": False},)),
    Case("nesterov", "nesterov", dict(lr=0.05, momentum=0.8),
         lambda lr: optax.sgd(lr, momentum=0.8, nesterov=True), _sgd_state, wrong=({"lr_in_buffer": True},)),
    Case("rmsprop", "rmsprop", RMS, _rmsprop(), _rmsprop_state, wrong=({"eps_mode": "outside"},)),
    Case("rmsprop-eps-outside", "rmsprop", {**RMS, "eps_mode": "outside"}, _rmsprop(eps_in_sqrt=False),
         _rmsprop_state, wrong=({"eps_mode": "inside"},)),
    Case("rmsprop-centered", "rmsprop", {**RMS, "centered": True}, _rmsprop(centered=True), _rmsprop_state,
         wrong=({"eps_mode": "outside"},)),
    Case("rmsprop-initial-scale", "rmsprop", {**RMS, "initial_scale": 0.5}, _rmsprop(initial_scale=0.5),
         _rmsprop_state, wrong=({"initial_scale": 0.0},)),
    Case("rmsprop-bias-correction", "rmsprop", {**RMS, "bias_correction": True}, _rmsprop(bias_correction=True),
         _rmsprop_state, wrong=({"bias_correction": False},)),
    Case("rmsprop-centered-bias-correction", "rmsprop", {**RMS, "centered": True, "bias_correction": True},
         _rmsprop(centered=True, bias_correction=True), _rmsprop_state, wrong=({"bias_correction": False},)),
    Case("rmsprop-momentum", "rmsprop", {**RMS, "momentum": 0.6}, _rmsprop(momentum=0.6), _rmsprop_state,
         wrong=({"lr_in_buffer": False},)),
    Case("rmsprop-nesterov", "rmsprop", {**RMS, "momentum": 0.6, "nesterov": True},
         _rmsprop(momentum=0.6, nesterov=True), _rmsprop_state, wrong=({"nesterov": False},)),
    Case("rmsprop-momentum-lr-schedule", "rmsprop", {**RMS, "lr": SCHEDULED, "momentum": 0.6},
         _rmsprop(momentum=0.6), _rmsprop_state, wrong=({"lr_in_buffer": False},)),
    Case("rmsprop-everything-lr-schedule", "rmsprop",
         {**RMS, "lr": SCHEDULED, "momentum": 0.6, "nesterov": True, "centered": True, "bias_correction": True,
          "initial_scale": 0.5},
         _rmsprop(momentum=0.6, nesterov=True, centered=True, bias_correction=True, initial_scale=0.5),
         _rmsprop_state, wrong=({"lr_in_buffer": False}, {"nesterov": False}, {"bias_correction": False})),
    Case("adagrad", "adagrad", dict(lr=0.1, initial_accumulator_value=0.3, eps=1e-3),
         lambda lr: optax.adagrad(lr, initial_accumulator_value=0.3, eps=1e-3), _adagrad_state,
         wrong=({"eps_mode": "outside"},)),
    Case("adagrad-defaults", "adagrad", dict(lr=0.1), lambda lr: optax.adagrad(lr), _adagrad_state,
         wrong=({"initial_accumulator_value": 0.0},)),
    Case("adadelta", "adadelta", dict(lr=0.5, rho=0.7, eps=1e-3, weight_decay=0.05),
         lambda lr: optax.adadelta(lr, rho=0.7, eps=1e-3, weight_decay=0.05), _adadelta_state,
         wrong=({"weight_decay": 0.0},)),
    Case("adam", "adam", ADAM_HYPER, lambda lr: optax.adam(lr, **ADAM_OPTAX), _adam_state,
         wrong=({"eps_root": 0.0}, {"eps_mode": "uncorrected"})),
    Case("adam-defaults", "adam", dict(lr=0.01), lambda lr: optax.adam(lr), _adam_state,
         wrong=({"eps_mode": "inside"},)),
    Case("amsgrad", "amsgrad", ADAM_HYPER, lambda lr: optax.amsgrad(lr, **ADAM_OPTAX), _adam_state,
         wrong=({"amsgrad_max": "raw"},)),
    Case("adamw", "adamw", {**ADAM_HYPER, "weight_decay": 0.05},
         lambda lr: optax.adamw(lr, weight_decay=0.05, **ADAM_OPTAX), _adam_state, wrong=({"eps_root": 0.0},)),
    Case("adamw-defaults", "adamw", dict(lr=0.01), lambda lr: optax.adamw(lr), _adam_state,
         wrong=({"weight_decay": 1e-2},)),  # torch's default decay, not optax's 1e-4
    Case("adam-decoupled", "adam", {**ADAM_HYPER, "weight_decay": 0.05, "decoupled_weight_decay": True},
         lambda lr: optax.adamw(lr, weight_decay=0.05, **ADAM_OPTAX), _adam_state,
         wrong=({"decoupled_weight_decay": False},)),
    Case("adamax", "adamax", dict(lr=0.01, beta1=0.8, beta2=0.95, eps=1e-3),
         lambda lr: optax.adamax(lr, b1=0.8, b2=0.95, eps=1e-3), _adamax_state, wrong=({"eps_mode": "outside"},)),
    Case("nadam", "nadam", ADAM_HYPER, lambda lr: optax.nadam(lr, **ADAM_OPTAX), _nadam_state(0.8),
         wrong=({"momentum_schedule": True}, {"eps_root": 0.0})),
    Case("nadamw", "nadam", {**ADAM_HYPER, "weight_decay": 0.05, "decoupled_weight_decay": True},
         lambda lr: optax.nadamw(lr, weight_decay=0.05, **ADAM_OPTAX), _nadam_state(0.8),
         wrong=({"decoupled_weight_decay": False},)),
    Case("radam", "radam", {**ADAM_HYPER, "beta2": 0.9}, lambda lr: optax.radam(lr, **{**ADAM_OPTAX, "b2": 0.9}),
         _radam_state, wrong=({"eps_mode": "uncorrected"},)),
    # ρ₆ = 5.0 exactly for this β₂ (in both libraries' float64 arithmetic): optax rectifies from step 6, torch from 7
    Case("radam-rho-exactly-5", "radam", {**ADAM_HYPER, "beta2": RHO_6_IS_5},
         lambda lr: optax.radam(lr, **{**ADAM_OPTAX, "b2": RHO_6_IS_5}), _radam_state,
         wrong=({"threshold_inclusive": False},)),
    # at ε = 1e-8 torch's form is off by ~1e-14 only (ε·(1 − √(1 − β₂ᵗ))): no wrong setting here
    Case("radam-defaults", "radam", dict(lr=0.01, beta2=0.9), lambda lr: optax.radam(lr, b2=0.9), _radam_state),
]
# The cases that must fail for their wrong settings: (case id, settings)
WRONG = [(case.id, w) for case in CASES for w in case.wrong]
BY_ID = {case.id: case for case in CASES}


def compare(case: Case, **override: Any) -> tuple[float, float]:
    """Run ``case`` each step from optax's state; return (worst deviation in tolerances, smallest move).

    The initial states are compared too (RMSprop's ``initial_scale``, Adagrad's initial accumulator).
    """
    info = get(case.name)
    scheduled = case.hyper.get("lr") == SCHEDULED
    hyper = {k: v for k, v in case.hyper.items() if k != "lr"}
    config = info.configure(**{**preset(case.name, "optax"), **hyper, **override})
    rng = np.random.default_rng(0)
    params = tuple(jnp.asarray(rng.normal(size=shape)) for shape in SHAPES)
    opt = case.optax(_schedule if scheduled else case.hyper["lr"])
    ref_state = opt.init(params)
    worst = _worst(_tensors(info.init_state(_t(params), config)), _tensors(case.state(ref_state, 0)))
    moved = np.inf
    for t in range(STEPS):
        scale = 10 ** rng.uniform(-1, 1)
        grads = tuple(jnp.asarray(scale * rng.normal(size=shape)) for shape in SHAPES)
        updates, new_ref_state = opt.update(grads, ref_state, params)
        new_params = optax.apply_updates(params, updates)
        kwargs = info.update_kwargs({**config, "lr": float(LRS[t]) if scheduled else case.hyper["lr"]})
        ours, new_state = info.update(_t(grads), case.state(ref_state, t), _t(params), **kwargs)
        worst = max(worst, _worst((*ours, *_tensors(new_state)),
                                  (*_t(new_params), *_tensors(case.state(new_ref_state, t + 1)))))
        moved = min(moved, max(np.abs(np.asarray(n) - np.asarray(p)).max() for n, p in zip(new_params, params)))
        params, ref_state = new_params, new_ref_state
    return worst, moved


def _worst(got, expected) -> float:
    """The largest deviation in units of the tolerance (1e-12·|expected| + 1e-15)."""
    worst = 0.0
    for a, b in zip(tuple(got), tuple(expected), strict=True):
        apart = ((a - b).abs() / (TOLERANCE * b.abs() + 1e-15)).nan_to_num(nan=math.inf)  # a NaN on one side: ∞
        worst = max(worst, torch.where((a == b) | (a.isnan() & b.isnan()), 0.0, apart).max().item())
    return worst


def _tensors(state):
    for f in state:
        yield from (f if isinstance(f, tuple) else (f,))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_each_step_equals_optax(case):
    worst, moved = compare(case)
    assert worst <= 1, f"a step differs from optax's by {worst:.3g} × (1e-12·|value| + 1e-15)"
    assert moved > 1e-6, "every step must move the parameters far beyond the tolerance"


@pytest.mark.parametrize("case_id, wrong", WRONG, ids=[f"{c}-{'-'.join(f'{k}={v}' for k, v in w.items())}"
                                                        for c, w in WRONG])
def test_a_wrong_setting_fails(case_id, wrong):
    """The comparison can fail: a switch of the preset (or an option of the case) set otherwise is far off."""
    worst, _ = compare(BY_ID[case_id], **wrong)
    assert worst > 1e3, f"{wrong} should differ from optax, but agrees within {worst:.3g} tolerances"


def test_every_optax_optimizer_descend_claims_is_compared():
    claimed = {name for name in ("gd", "sgd", "nesterov", "adagrad", "adadelta", "rmsprop", "adam", "amsgrad",
                                 "adamw", "adamax", "nadam", "radam")}
    assert claimed == {case.name for case in CASES}


# -- the torch-compatible classes with convention="optax" --------------------------------------------------------

CLASS_CASES = [
    # (descend class, keywords, optax optimizer at optax's defaults but the learning rate)
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), lambda: optax.sgd(0.05, momentum=0.9, nesterov=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.9), lambda: optax.rmsprop(0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True), lambda: optax.rmsprop(0.01, centered=True)),
    ("Adagrad", dict(lr=0.1), lambda: optax.adagrad(0.1)),
    ("Adadelta", dict(lr=0.5), lambda: optax.adadelta(0.5)),
    ("Adam", dict(lr=0.01), lambda: optax.adam(0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True), lambda: optax.amsgrad(0.01)),
    ("AdamW", dict(lr=0.01), lambda: optax.adamw(0.01)),
    ("Adamax", dict(lr=0.01), lambda: optax.adamax(0.01)),
    ("NAdam", dict(lr=0.01), lambda: optax.nadam(0.01)),
    ("RAdam", dict(lr=0.01, eps=1e-3), lambda: optax.radam(0.01, eps=1e-3)),
]


@pytest.mark.parametrize("name, kwargs, make", CLASS_CASES, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CLASS_CASES])
def test_class_with_optax_convention_equals_optax(name, kwargs, make):
    """``descend.optim.X(params, lr, convention="optax")`` equals ``optax.x(lr)``: one argument, 12 steps.

    Whole trajectories on a well-conditioned quadratic J = ½Σ aᵢwᵢ² (a in 1..3, gradients never near 0),
    within 1e-11: 12 contracting steps amplify no rounding. Without the convention the same run differs.
    """
    import descend.optim as D

    a = np.linspace(1.0, 3.0, 6)
    w0 = np.linspace(-2.0, 2.5, 6)
    opt = make()
    w, state = jnp.asarray(w0), opt.init(jnp.asarray(w0))
    theirs = []
    for _ in range(12):
        updates, state = opt.update(jnp.asarray(a) * w, state, w)
        w = optax.apply_updates(w, updates)
        theirs.append(np.array(w))
    results = {}
    for convention in ("optax", "torch"):
        p = torch.nn.Parameter(torch.tensor(w0))
        ours = getattr(D, name)([p], convention=convention, **kwargs)
        out = []
        for _ in range(12):
            p.grad = torch.tensor(a) * p.detach()
            ours.step()
            out.append(p.detach().numpy().copy())
        results[convention] = np.abs(np.array(out) - np.array(theirs)).max()
    assert results["optax"] <= 1e-11, results
    if name not in ("SGD", "Adam", "Adadelta", "Adamax") or kwargs.get("amsgrad"):  # these are torch's forms
        assert results["torch"] > 1e-6, "the convention must be what makes them equal"
