"""Schedules against torch.optim.lr_scheduler (the oracle), closed forms, and their own run axis."""

from __future__ import annotations

import dataclasses
import math
import re
import pickle
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as L

import descend
from descend import schedules as S
from descend.schedules import (
    SCHEDULES,
    ScheduleHyperparameters,
    constant,
    cosine,
    cosine_restarts,
    exponential,
    get_schedule,
    inverse_time,
    multistep,
    one_cycle,
    polynomial,
    step,
    warmup,
)

STEPS = 241  # t = 0 .. 240
LR = 0.1

# (id, our schedule, torch scheduler built on an SGD optimizer with lr=LR). Every torch schedule here is
# compared over t = 0 .. 240, inside each schedule's horizon where torch's cosine would turn back up.
TORCH_CASES = [
    ("step", step(LR, step_size=7, gamma=0.5), lambda o: L.StepLR(o, step_size=7, gamma=0.5)),
    ("step-gamma>1", step(LR, step_size=60, gamma=1.5), lambda o: L.StepLR(o, step_size=60, gamma=1.5)),
    ("multistep", multistep(LR, [10, 40, 41, 150], gamma=0.3), lambda o: L.MultiStepLR(o, [10, 40, 41, 150], 0.3)),
    ("exponential", exponential(LR, gamma=0.98), lambda o: L.ExponentialLR(o, gamma=0.98)),
    ("polynomial-p2", polynomial(LR, 150, power=2.0), lambda o: L.PolynomialLR(o, total_iters=150, power=2.0)),
    ("polynomial-p0.5", polynomial(LR, 300, power=0.5), lambda o: L.PolynomialLR(o, total_iters=300, power=0.5)),
    ("cosine", cosine(LR, 240, min_value=1e-3), lambda o: L.CosineAnnealingLR(o, T_max=240, eta_min=1e-3)),
    ("cosine-long", cosine(LR, 1000), lambda o: L.CosineAnnealingLR(o, T_max=1000)),
    ("restarts", cosine_restarts(LR, 10), lambda o: L.CosineAnnealingWarmRestarts(o, T_0=10)),
    (
        "restarts-mult2",
        cosine_restarts(LR, 5, period_mult=2, min_value=0.01),
        lambda o: L.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=0.01),
    ),
    ("restarts-mult3", cosine_restarts(LR, 3, 3), lambda o: L.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=3)),
    (
        "warmup-cosine",
        warmup(cosine(LR, 230, min_value=1e-4), 10, start_factor=0.1),
        lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.1, 1.0, total_iters=10), L.CosineAnnealingLR(o, T_max=230, eta_min=1e-4)], [10]
        ),
    ),
    (
        "warmup-step",
        warmup(step(LR, 30, gamma=0.5), 25, start_factor=0.01),
        lambda o: L.SequentialLR(o, [L.LinearLR(o, 0.01, 1.0, total_iters=25), L.StepLR(o, 30, 0.5)], [25]),
    ),
    (
        "warmup-restarts",
        warmup(cosine_restarts(LR, 7, 2), 3, start_factor=0.5),
        lambda o: L.SequentialLR(
            o, [L.LinearLR(o, 0.5, 1.0, total_iters=3), L.CosineAnnealingWarmRestarts(o, 7, 2)], [3]
        ),
    ),
    (
        "one_cycle",
        one_cycle(LR, STEPS),
        lambda o: L.OneCycleLR(o, max_lr=LR, total_steps=STEPS, cycle_momentum=False),
    ),
    (
        "one_cycle-linear-3phase",
        one_cycle(
            LR, STEPS, pct_start=0.25, div_factor=10.0, final_div_factor=100.0, anneal="linear", three_phase=True
        ),
        lambda o: L.OneCycleLR(
            o, max_lr=LR, total_steps=STEPS, pct_start=0.25, anneal_strategy="linear",
            div_factor=10.0, final_div_factor=100.0, three_phase=True, cycle_momentum=False,
        ),
    ),
    (
        "one_cycle-cos-3phase",
        one_cycle(LR, STEPS, pct_start=0.4, three_phase=True),
        lambda o: L.OneCycleLR(o, max_lr=LR, total_steps=STEPS, pct_start=0.4, three_phase=True, cycle_momentum=False),
    ),
]


def _sgd(lr: float = LR) -> torch.optim.SGD:
    w = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    return torch.optim.SGD([w], lr=lr, momentum=0.9)


@pytest.mark.parametrize("ours, make_torch", [c[1:] for c in TORCH_CASES], ids=[c[0] for c in TORCH_CASES])
def test_matches_torch_lr_scheduler(ours, make_torch):
    theirs_opt, ours_opt = _sgd(), _sgd(lr=123.0)  # ours sets lr itself; the initial lr must not matter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # SequentialLR calls the deprecated step(epoch)
        scheduler = make_torch(theirs_opt)
        hyper = ScheduleHyperparameters(ours_opt, lr=ours)
        expected, got = [], []
        for t in range(STEPS):
            expected.append(theirs_opt.param_groups[0]["lr"])
            got.append(ours_opt.param_groups[0]["lr"])
            assert got[-1] == ours(t) == ours(torch.tensor(t))
            theirs_opt.step()
            scheduler.step()
            ours_opt.step()
            hyper.step()
    assert all(isinstance(v, float) for v in got)
    # torch updates most of these recursively (lr_t = lr_{t-1} · factor, CosineAnnealingLR included), so its
    # values carry round-off that accumulates over the steps; the closed forms here agree with it to a few
    # 1e-14 relative after 240 steps, and 1e-10 leaves room for other step counts without hiding a wrong formula.
    torch.testing.assert_close(
        torch.tensor(got, dtype=torch.float64), torch.tensor(expected, dtype=torch.float64), rtol=1e-10, atol=1e-15
    )


@pytest.mark.parametrize("value, decay", [(0.1, 0.0), (0.1, 1.0), (0.5, 0.01), (2.0, 3.5)])
def test_inverse_time_formula(value, decay):
    f = inverse_time(value, decay)
    for t in [0, 1, 2, 7, 100, 2.5]:
        assert f(t) == pytest.approx(value / (1 + decay * t), rel=1e-15)


# Closed forms checked by hand: (schedule, t, expected).
CLOSED_FORM_CASES = [
    (constant(0.3), 10_000, 0.3),
    (polynomial(1.0, 4, power=1.0, end_value=0.2), 2, 0.6),  # optax polynomial_schedule
    (polynomial(0.2, 4, power=2.0, end_value=1.0), 2, 0.8),  # rising
    (polynomial(1.0, 4, end_value=0.2), 50, 0.2),
    (cosine(1.0, 10, min_value=0.1), 10, 0.1),
    (cosine(1.0, 10, min_value=0.1), 11, 0.1),  # stays at min_value past total_steps (torch turns back up)
    (cosine(1.0, 10, min_value=0.1), 1_000_000, 0.1),
    (cosine(1.0, 10), 2.5, 0.5 * (1 + math.cos(math.pi * 0.25))),  # fractional epoch
    (step(1.0, 3, gamma=0.5), 5.9, 0.5),
    (multistep(1.0, [2, 4], gamma=0.5), 3.5, 0.5),
    (cosine_restarts(1.0, 2, 2), 2 + 4 + 8 + 16, 1.0),  # restarts at 2, 6, 14, 30
    (cosine_restarts(1.0, 2, 2), 29, 0.5 * (1 + math.cos(math.pi * 15 / 16))),
    (warmup(constant(2.0), 4), 0, 0.0),  # start_factor=0, which torch's LinearLR does not allow
    (warmup(constant(2.0), 4), 1, 0.5),
    (warmup(constant(2.0), 4), 4, 2.0),
    (one_cycle(1.0, 100, div_factor=10.0, final_div_factor=100.0), 99, 1e-3),
    (one_cycle(1.0, 100, div_factor=10.0, final_div_factor=100.0), 100, 1e-3),  # stays at the end (torch raises)
    (one_cycle(1.0, 100, div_factor=10.0, final_div_factor=100.0), 10**6, 1e-3),
]


@pytest.mark.parametrize("f, t, expected", CLOSED_FORM_CASES, ids=[repr(c[0])[:40] for c in CLOSED_FORM_CASES])
def test_closed_form(f, t, expected):
    assert f(t) == pytest.approx(expected, rel=1e-14, abs=1e-15)


K = 3
V = torch.tensor([0.1, 0.01, 0.5], dtype=torch.float64)

# (id, factory, keyword arguments with some [K] tensors): a [K] schedule must equal K scalar schedules stacked.
RUN_AXIS_CASES = [
    ("constant", constant, dict(value=V)),
    ("step", step, dict(value=V, step_size=7, gamma=torch.tensor([0.5, 0.9, 0.1]))),
    ("step-value-only", step, dict(value=V, step_size=7, gamma=0.5)),
    ("multistep", multistep, dict(value=0.1, milestones=[5, 20], gamma=torch.tensor([0.5, 0.9, 0.1]))),
    ("exponential", exponential, dict(value=V, gamma=torch.tensor([0.99, 0.9, 1.01]))),
    ("inverse_time", inverse_time, dict(value=V, decay=torch.tensor([0.0, 0.1, 1.0]))),
    (
        "polynomial",
        polynomial,
        dict(value=V, total_steps=50, power=torch.tensor([1.0, 2.0, 0.5]), end_value=torch.tensor([0.0, 0.001, 1.0])),
    ),
    ("cosine", cosine, dict(value=V, total_steps=50, min_value=torch.tensor([0.0, 0.001, 0.2]))),
    (
        "cosine_restarts",
        cosine_restarts,
        dict(value=V, period=5, period_mult=2, min_value=torch.tensor([0.0, 1e-3, 0.0])),
    ),
    (
        "warmup",
        lambda value, start_factor: warmup(cosine(value, 50), 10, start_factor),
        dict(value=V, start_factor=torch.tensor([0.0, 0.5, 1.0])),
    ),
    ("warmup-inner-only", lambda value: warmup(step(value, 5), 10, 0.1), dict(value=V)),
    (
        "one_cycle",
        one_cycle,
        dict(
            max_value=V,
            total_steps=60,
            div_factor=torch.tensor([25.0, 10.0, 2.0]),
            final_div_factor=torch.tensor([1e4, 1.0, 10.0]),
        ),
    ),
]


@pytest.mark.parametrize("make, kwargs", [c[1:] for c in RUN_AXIS_CASES], ids=[c[0] for c in RUN_AXIS_CASES])
def test_run_axis_equals_stacked_single_runs(make, kwargs):
    batched = make(**kwargs)
    singles = [
        make(**{k: float(v[i]) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}) for i in range(K)
    ]
    for t in list(range(80)) + [torch.tensor(3), 1000]:
        got = batched(t)
        assert got.dtype == torch.float64 and got.shape == (K,)
        expected = torch.tensor([f(t) for f in singles], dtype=torch.float64)
        # Equal up to the last bit: torch's pow special-cases small integer exponents (x**3 as x·x·x).
        torch.testing.assert_close(got, expected, rtol=1e-15, atol=0)


def test_every_schedule_has_a_run_axis_case():
    covered = {c[0].split("-")[0] for c in RUN_AXIS_CASES}
    assert covered == set(SCHEDULES)


def test_run_axis_result_is_a_new_tensor_and_parameters_are_copied():
    value = V.clone()
    f = constant(value)
    value[0] = 99.0  # changing the caller's tensor afterwards does not change the schedule
    out = f(0)
    out[1] = 42.0  # nor does changing a returned value
    assert torch.equal(f(0), V)


def test_zero_dim_tensor_parameters_give_floats():
    f = cosine(torch.tensor(0.1, dtype=torch.float64), 10, min_value=torch.tensor(0.0))
    assert f(5) == cosine(0.1, 10)(5) and isinstance(f(5), float)


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_registry(name):
    info = SCHEDULES[name]
    assert info.name == name == info.factory.__name__ and getattr(S, name) is info.factory
    assert info.parameters == tuple(f.name for f in dataclasses.fields(info.factory))
    assert info.description and "\n" not in info.description
    assert name in S.__all__


@pytest.mark.parametrize("f", [c[1] for c in TORCH_CASES] + [inverse_time(0.1, 0.5), constant(1.0)])
def test_repr_rebuilds_and_pickles(f):
    rebuilt = eval(repr(f), vars(S))
    copy = pickle.loads(pickle.dumps(f))
    for t in (0, 1, 17, 200):
        assert rebuilt(t) == copy(t) == f(t)


def test_get_schedule():
    f = get_schedule("cosine_restarts", value=0.1, period=10, period_mult=2)
    assert repr(f) == repr(cosine_restarts(0.1, 10, 2))
    g = get_schedule("warmup", schedule=f, warmup_steps=5)
    assert g(7) == f(2)


def test_hyperparameters_follow_schedules():
    a = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    sgd = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9, weight_decay=1e-4)
    adam = torch.optim.Adam([a.detach().clone().requires_grad_()], lr=1e-3, betas=(0.9, 0.99))
    sgd_schedules = dict(lr=cosine(0.1, 30), momentum=warmup(constant(0.95), 5, 0.5), weight_decay=step(1e-3, 4))
    adam_schedules = dict(beta1=polynomial(0.9, 20, end_value=0.5), eps=exponential(1e-8, 1.1), lr=constant(0.01))
    h_sgd = ScheduleHyperparameters(sgd, **sgd_schedules)
    h_adam = ScheduleHyperparameters(adam, **adam_schedules)
    for t in range(30):
        assert h_sgd.t == h_adam.t == t
        for group in sgd.param_groups:
            assert all(group[name] == f(t) for name, f in sgd_schedules.items())
        group = adam.param_groups[0]
        assert group["betas"] == (adam_schedules["beta1"](t), 0.99)  # beta2 untouched
        assert group["eps"] == adam_schedules["eps"](t) and group["lr"] == 0.01
        for opt in (sgd, adam):
            opt.zero_grad()
            sum((p - 1).pow(2).sum() for g in opt.param_groups for p in g["params"]).backward()
            opt.step()
        h_sgd.step()
        h_adam.step()
    state = h_sgd.state_dict()
    fresh = ScheduleHyperparameters(sgd, **sgd_schedules)
    assert fresh.t == 0 and sgd.param_groups[0]["lr"] == 0.1
    fresh.load_state_dict(state)
    assert fresh.t == 30 and sgd.param_groups[1]["lr"] == sgd_schedules["lr"](30)


def test_hyperparameters_with_a_run_axis_put_tensors_in_the_group():
    opt = _sgd()
    ScheduleHyperparameters(opt, lr=cosine(V, 10))
    assert torch.equal(opt.param_groups[0]["lr"], V)


BAD = [
    (lambda: constant(-1.0), r"value=-1 .*allowed: \[0, inf\)"),
    (lambda: constant("0.1"), r"value='0.1' must be a number"),
    (lambda: constant(float("nan")), r"value=nan is not finite"),
    (lambda: constant(torch.tensor([[0.1]])), r"value has shape \[1, 1\]"),
    (lambda: step(0.1, 0), r"step_size=0 is out of range; allowed: \[1, inf\)"),
    (lambda: step(0.1, 2.5), r"step_size=2.5 must be a whole number"),
    (lambda: step(0.1, True), r"step_size=True must be a whole number"),
    (lambda: step(0.1, 5, gamma=0.0), r"gamma=0 is out of range; allowed: \(0, inf\)"),
    (lambda: step(0.1, 5, gamma=torch.tensor([0.5, -0.5])), r"gamma=-0.5 for run 1"),
    (lambda: multistep(0.1, [10, 5]), r"milestones=\[10, 5\] must be strictly increasing"),
    (lambda: multistep(0.1, [10, 10]), r"milestones=\[10, 10\] must be strictly increasing"),
    (lambda: multistep(0.1, []), r"milestones=\[\] must be a non-empty list"),
    (lambda: multistep(0.1, 10), r"milestones=10 must be a non-empty list"),
    (lambda: multistep(0.1, [0, 3]), r"milestones\[0\]=0 .*allowed: \[1, inf\)"),
    (lambda: multistep(0.1, [2, 3.5]), r"milestones\[1\]=3.5"),
    (lambda: exponential(0.1, gamma=-0.9), r"gamma=-0.9"),
    (lambda: inverse_time(0.1, decay=-1.0), r"decay=-1"),
    (lambda: polynomial(0.1, total_steps=0), r"total_steps=0"),
    (lambda: polynomial(0.1, 10, power=0.0), r"power=0"),
    (lambda: polynomial(0.1, 10, end_value=-0.1), r"end_value=-0.1"),
    (lambda: cosine(0.1, total_steps=-5), r"total_steps=-5"),
    (lambda: cosine(-0.1, 10), r"value=-0.1"),
    (lambda: cosine(0.1, 10, min_value=-1.0), r"min_value=-1"),
    (lambda: cosine(V, 10, min_value=torch.zeros(2)), r"min_value has 2 values but value has 3"),
    (lambda: cosine_restarts(0.1, period=0), r"period=0"),
    (lambda: cosine_restarts(0.1, 10, period_mult=0), r"period_mult=0"),
    (lambda: cosine_restarts(0.1, 10, period_mult=1.5), r"period_mult=1.5"),
    (lambda: warmup(cosine(0.1, 10), warmup_steps=0), r"warmup_steps=0"),
    (lambda: warmup(cosine(0.1, 10), 5, start_factor=1.5), r"start_factor=1.5 .*allowed: \[0, 1\]"),
    (lambda: warmup(0.1, 5), r"schedule=0.1 must be a schedule"),
    (
        lambda: warmup(cosine(V, 10), 5, start_factor=torch.zeros(2)),
        r"schedule\(0\) has 3 values but start_factor has 2",
    ),
    (lambda: one_cycle(0.1, 100, pct_start=1.0), r"pct_start=1 .*allowed: \(0, 1\)"),
    (lambda: one_cycle(0.1, 100, pct_start=0.005), r"pct_start=0.005 with total_steps=100"),
    (lambda: one_cycle(0.1, 10, pct_start=0.6, three_phase=True), r"pct_start=0.6 with total_steps=10 and three_phase"),
    (lambda: one_cycle(0.1, 100, pct_start=torch.tensor([0.3, 0.4])), r"pct_start must be a number"),
    (lambda: one_cycle(0.1, 100, anneal="cosine"), r"anneal='cosine' is not allowed"),
    (lambda: one_cycle(0.1, 100, three_phase="yes"), r"three_phase='yes' is not allowed"),
    (lambda: one_cycle(0.1, 100, div_factor=0.0), r"div_factor=0"),
    (lambda: one_cycle(0.1, 100, final_div_factor=-1.0), r"final_div_factor=-1"),
    (lambda: one_cycle(0.1, total_steps=1), r"total_steps=1 .*allowed: \[2, inf\)"),
    (lambda: cosine(0.1, 10)(-1), r"t=-1 is out of range"),
    (lambda: cosine(0.1, 10)(torch.tensor([1, 2])), r"t has shape \[2\]"),
    (lambda: cosine(0.1, 10)("3"), r"t='3' must be a number"),
    (lambda: cosine(0.1, 10)(float("inf")), r"t=inf is out of range"),
    (lambda: get_schedule("cosin", value=0.1), r"unknown schedule 'cosin'; did you mean 'cosine'"),
    (lambda: get_schedule("cosine", value=0.1, total_step=10), r"'total_step'; did you mean 'total_steps'"),
    (lambda: get_schedule("cosine", value=0.1), r"schedule 'cosine' needs total_steps"),
    (lambda: ScheduleHyperparameters(_sgd(), momentun=constant(0.9)), r"'momentun'; did you mean 'momentum'"),
    (lambda: ScheduleHyperparameters(_sgd(), beta1=constant(0.9)), r"unknown hyperparameter of SGD 'beta1'"),
    (lambda: ScheduleHyperparameters(_sgd(), nesterov=constant(1.0)), r"unknown hyperparameter of SGD 'nesterov'"),
    (lambda: ScheduleHyperparameters(_sgd(), lr=0.1), r"lr=0.1 must be a schedule"),
    (lambda: ScheduleHyperparameters(_sgd()), r"give at least one schedule"),
    (lambda: ScheduleHyperparameters(object(), lr=constant(0.1)), r"optimizer=object has no param_groups"),
]


@pytest.mark.parametrize("steps, three_phase", [(2, False), (2, True), (3, False), (3, True), (7, True), (50, False)])
def test_a_one_cycle_too_short_for_its_warm_up_suggests_a_pct_start_that_works(steps, three_phase):
    """The message suggested pct_start=0.5 whatever the budget: at 2 steps that is refused again in the same words."""
    with pytest.raises(ValueError, match=r"give pct_start above") as refused:
        one_cycle(0.1, steps, pct_start=0.01, three_phase=three_phase)
    suggested = float(re.search(r"\(pct_start=([0-9.e-]+)\)", str(refused.value)).group(1))
    schedule = one_cycle(0.1, steps, pct_start=suggested, three_phase=three_phase)  # accepted
    assert all(math.isfinite(schedule(t)) for t in range(steps))


def test_milestones_written_as_whole_floats_are_steps():
    """1e2 is 100 for step_size (the command line reads 1e2 as a float) but was refused as a milestone, in the words
    "milestones[0]=100.0 must be a whole number of steps"."""
    assert multistep(1.0, [1e2, 2e2], gamma=0.5).milestones == (100, 200)
    assert multistep(1.0, [10.0, 20.0], gamma=0.5)(15) == 0.5


@pytest.mark.parametrize("build, match", BAD, ids=[m[:40] for _, m in BAD])
def test_bad_arguments_raise_value_error_naming_them(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_a_rate_growing_beyond_the_largest_float_is_infinite_and_its_run_diverges():
    """gamma^t past float's range is ∞ (as torch's step-by-step products reach), not Python's OverflowError; a
    run trained with it diverges: a result, not a crash (descend compare --schedule exponential:gamma=1e10)."""
    assert S.exponential(0.05, gamma=1e10)(100) == math.inf
    assert S.step(1.0, step_size=1, gamma=1e300)(5) == math.inf
    assert S.multistep(1.0, milestones=[1, 2], gamma=1e300)(3) == math.inf
    assert S.exponential(0.0, gamma=1e10)(100) == 0.0
    runs = descend.fit(model=descend.landscapes.get("booth").model((1.0, -2.5)), loss="value", optimizer="gd",
                       lr=0.01, steps=60, schedules={"lr": S.exponential(1.0, gamma=1e10)})
    assert runs.summary.status[0] == "diverged"


def test_a_schedules_factor_keeps_double_precision_in_a_float64_training():
    # a Python float factor was read through torch's default dtype: 0.1 became 0.10000000149, and a float64
    # training's rate was off torch's by 6e-8 relative
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=torch.float64)
    kw = dict(model=descend.models.Linear(3, 1), data=(x, x.sum(1, keepdim=True)), optimizer="sgd", steps=20,
              dtype=torch.float64, compile=False)
    plain = descend.fit(lr=0.1, **kw)
    scheduled = descend.fit(lr=1.0, schedules={"lr": lambda t: 0.1}, **kw)
    assert torch.equal(plain.params[0]["weight"], scheduled.params[0]["weight"])
    numpy_factor = descend.fit(lr=1.0, schedules={"lr": lambda t: np.float64(0.1)}, **kw)
    assert torch.equal(plain.params[0]["weight"], numpy_factor.params[0]["weight"])


def test_a_run_axis_value_of_zero_stays_zero_where_gamma_to_the_t_overflows():
    # exponential(tensor([0., 1.]), gamma=1e10)(100) gave [nan, inf] where the Python-number path gives 0 and inf
    for gamma in (1e10, torch.tensor([1e10, 1e10])):
        got = exponential(torch.tensor([0.0, 1.0], dtype=torch.float64), gamma=gamma)(100)
        assert got[0].item() == 0.0 and got[1].item() == math.inf
    assert exponential(0.0, gamma=1e10)(100) == 0.0
    assert torch.equal(exponential(torch.tensor([0.0, 2.0], dtype=torch.float64), gamma=0.5)(3),
                       torch.tensor([0.0, 0.25], dtype=torch.float64))


def test_schedule_hyperparameters_checks_a_descend_optimizers_values_before_setting_them():
    """beta1=constant(1.0) on descend's Adam turned the parameters into NaN (Adam(betas=(1, 0.999)) is refused), and
    a schedule of 2 runs on an optimizer of 3 was torch's broadcasting error at the next step."""
    import descend.optim as O

    p = torch.nn.Parameter(torch.ones(2))
    adam = O.Adam([p], lr=0.1)
    with pytest.raises(ValueError, match=r"ScheduleHyperparameters at step 0: beta1=1 is out of range; allowed: "
                                         r"\[0, 1\)"):
        ScheduleHyperparameters(adam, beta1=constant(1.0))
    assert adam.param_groups[0]["betas"] == (0.9, 0.999)  # left as it was
    hyper = ScheduleHyperparameters(adam, beta1=lambda t: 0.9 if t < 2 else 1.0)
    hyper.step()
    with pytest.raises(ValueError, match="at step 2: beta1=1 is out of range"):
        hyper.step()
    assert hyper.t == 1 and adam.param_groups[0]["betas"] == (0.9, 0.999)
    q = torch.nn.Parameter(torch.zeros(3, 2))
    sgd = O.SGD([q], lr=torch.tensor([0.1, 0.2, 0.3]))
    with pytest.raises(ValueError, match="run axis of K = 2 runs, but parameter 0 has shape"):
        ScheduleHyperparameters(sgd, lr=cosine(torch.tensor([0.1, 0.2]), 10))


def test_a_one_cycle_too_short_for_its_warm_up_says_what_to_change():
    with pytest.raises(ValueError, match=r"total_steps=2 \(the run's steps\) leaves the warm-up phase .* give "
                                         r"pct_start above 0\.5 \(pct_start=0\.75\), or more than 3\.33 steps"):
        one_cycle(1.0, total_steps=2)


def test_a_learning_rate_schedule_that_is_zero_at_every_step_is_refused():
    """Every run trained at lr 0, was reported "ok" with 0 % diverged, and the four identical results looked like a
    comparison (the mirror case, a schedule of a momentum of 0, was refused)."""
    import descend
    from descend.compare_config import parse_schedule

    # (the Python helper names its argument, not the command line's --schedule)
    with pytest.raises(ValueError, match=r"^schedule .constant:value=0. is 0 at every step, so no run would move"):
        parse_schedule("constant:value=0", 10)
    with pytest.raises(ValueError, match=r"one_cycle:max_value=0' is 0 at every step"):
        parse_schedule("one_cycle:max_value=0", 10)
    assert parse_schedule("polynomial:value=0,end_value=0.5", 10)[1] is not None  # 0 at first, then not
    with pytest.raises(ValueError, match=r"the schedule of 'lr' is 0 at every step"):
        descend.fit(task="rosenbrock", optimizer="gd", lr=0.01, steps=5, schedules={"lr": constant(0.0)})


@pytest.mark.parametrize("name, given, meant", [("cosine", "min", "min_value"), ("one_cycle", "max", "max_value"),
                                                ("step", "size", "step_size"), ("cosine", "steps", "total_steps")])
def test_a_parameter_named_by_one_of_its_words_is_suggested(name, given, meant):
    """"unknown parameter of schedule 'cosine' 'min' (allowed: min_value, ...)" suggested nothing: min is too short
    beside min_value for a close spelling of it. The parameter holding the word is suggested, in the schedule's
    own refusal and in --schedule's."""
    from descend.compare_config import parse_schedule

    assert meant in SCHEDULES[name].parameters and given in meant.split("_")  # the oracle: the schedule's own names
    with pytest.raises(ValueError, match=rf"unknown parameter of schedule '{name}' '{given}'; did you mean '{meant}'\? "
                                         r"\(allowed: "):
        get_schedule(name, **{given: 1})
    with pytest.raises(ValueError, match=rf"^schedule '{name}:{given}=1': unknown parameter .*did you mean '{meant}'"):
        parse_schedule(f"{name}:{given}=1", 100)
