"""descend's torch-compatible classes driven by torch's own test inputs, side by side with torch.optim.

torch ships the inputs its own optimizer suite runs (``torch/testing/_internal/common_optimizers.py``,
``optim_db``): for every optimizer, the constructor keywords it tests (with ``foreach``, ``fused`` and
``differentiable`` switched on in turn), the inputs that must be refused, the schedulers it runs, and whether
sparse and complex parameters are supported. Here each of those inputs builds torch's optimizer and descend's
class of the same name, on the same parameters, and both are compared **per step from a shared state**: before
every step descend loads torch's ``state_dict()`` and parameters, both step from the same gradients, and the
parameters and every state entry must agree to 1e-12 relative (rounding cannot accumulate, so this holds on any
CPU). The parameters are chosen to reach the cases that once differed silently: two param groups, a 0-d
parameter (a learnable scale), a complex parameter, and a parameter without a gradient for its first steps (its
state is created late).

Besides those inputs: what torch accepts and refuses (measured on torch itself, not written down), state_dicts
saved before the first step or with parameters that have no state (both ways), schedulers that switch momentum
on, sparse gradients, and the optimizer hooks.

Every input passes, or is refused for a reason written in ``REFUSED`` below.
"""

from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch
from torch.nn import Parameter
from torch.testing._internal.common_optimizers import (
    ErrorOptimizerInput,
    OptimizerErrorEnum,
    _get_optim_inputs_including_global_cliquey_kwargs,
    optim_db,
)

import descend.optim as D

#: torch's optimizers that descend offers, by class name (the others in optim_db are not claimed:
#: ASGD, Adafactor, LBFGS, Muon, Rprop, SparseAdam).
OFFERED = ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"]
INFO = {info.name: info for info in optim_db if info.name in OFFERED}

#: torch's inputs that descend refuses, each with its reason. Nothing else may be refused.
REFUSED = {
    "differentiable": "descend's classes update parameters in place under no_grad; the pure rules "
    "(descend.optim.adam_update, ...) are the differentiable form, and return new tensors",
}

#: Where descend accepts what torch refuses, or refuses what torch accepts, and why (checked below).
DIFFERS = {
    # (class, probe): reason
    ("Adamax", "tensor betas with foreach"): "torch's foreach kernel fails at the first step; descend's rule takes tensors",
    ("NAdam", "tensor betas with foreach"): "torch's foreach kernel fails at the first step; descend's rule takes tensors",
    ("RAdam", "tensor betas with foreach"): "torch's foreach kernel fails at the first step; descend's rule takes tensors",
    ("SGD", "dampening above 1"): "1 − τ < 0 turns the gradient's sign in the buffer: descend allows τ in [0, 1]",
    ("RMSprop", "alpha above 1"): "1 − α < 0 weighs g² negatively, s turns negative and √s undefined: α in [0, 1]",
}

RTOL, ATOL = 1e-12, 1e-14
STEPS = 8
LATE = 3  # the step from which the late parameter has a gradient


def make_params(dtype=torch.float64, complex_param=True, seed=0):
    """Weights [4, 3], bias [4], a 0-d scale, a late parameter [3] (no gradient before step LATE) and a complex [2]."""
    g = torch.Generator().manual_seed(seed)
    params = {
        "weight": torch.randn(4, 3, generator=g, dtype=dtype),
        "bias": torch.randn(4, generator=g, dtype=dtype),
        "scale": torch.tensor(1.3, dtype=dtype),
        "late": torch.randn(3, generator=g, dtype=dtype),
    }
    if complex_param:
        params["phase"] = torch.randn(2, generator=g, dtype=torch.complex128 if dtype == torch.float64 else torch.complex64)
    return params


def loss_of(params, step, data):
    x, y, target = data
    out = params["scale"] * (x @ params["weight"].T + params["bias"])
    loss = ((out - y) ** 2).mean()
    if step >= LATE and "late" in params:
        loss = loss + ((params["late"] - 1.5) ** 2).sum()
    if "phase" in params:
        loss = loss + 0.5 * (params["phase"] - target).abs().pow(2).sum()
    return loss


def make_data(dtype=torch.float64):
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(8, 3, generator=g, dtype=dtype), torch.randn(8, 4, generator=g, dtype=dtype)
    target = torch.tensor([0.5 + 1j, -1 - 0.5j], dtype=torch.complex128 if dtype == torch.float64 else torch.complex64)
    return x, y, target


def groups_of(params, kwargs):
    """Two param groups; the second with half the learning rate when the lr is a number."""
    second = {"params": [params[k] for k in ("scale", "late", "phase") if k in params]}
    lr = kwargs.get("lr")
    if isinstance(lr, float):
        second["lr"] = lr / 2
    return [{"params": [params["weight"], params["bias"]]}, second]


def build(cls, values, kwargs):
    params = {k: Parameter(v.clone()) for k, v in values.items()}
    return params, cls(groups_of(params, kwargs), **copy.deepcopy(kwargs))


def deviation(a, b):
    """max |a − b| / (RTOL·|b| + ATOL): at most 1 passes. Equal entries (infinities, NaN on both sides) count 0 and
    a NaN on one side only counts ∞ (a NaN would otherwise vanish in the callers' ``max(worst, ...)``)."""
    if not a.numel():
        return 0.0
    apart = ((a - b).abs() / (RTOL * b.abs() + ATOL)).nan_to_num(nan=math.inf)
    return torch.where((a == b) | (a.isnan() & b.isnan()), 0.0, apart).max().item()


def compare_state(ours, theirs, ours_params, their_params):
    """Every state entry torch keeps must be in descend's state and agree; descend adds at most 'step'."""
    worst = 0.0
    for name, p in their_params.items():
        mine, tstate = ours.state[ours_params[name]], theirs.state[p]
        assert set(mine) - set(tstate) <= {"step"}, f"{name}: descend keeps {set(mine) - set(tstate)}"
        assert bool(mine) == bool(tstate), f"{name}: state created at another step than torch's"
        for key, value in tstate.items():
            if value is None:
                continue
            assert key in mine, f"{name}: no {key!r} in descend's state"
            if key == "step":
                assert float(mine[key]) == float(value), f"{name}: step {float(mine[key])} != {float(value)}"
                continue
            value = value.to_dense() if value.is_sparse else value
            assert mine[key].shape == value.shape and mine[key].dtype == value.dtype, f"{name}.{key}"
            worst = max(worst, deviation(mine[key], value))
    return worst


def share_scalars(ours, theirs, ours_p, theirs_p):
    """After ``ours.load_state_dict(theirs.state_dict())``: the scalars other than the step (NAdam's μ product)
    as ``theirs`` holds them. Loading casts them to the parameters' dtype, in torch as in descend (see
    test_against_torch's NAdam resume test), so the loaded state is torch's resumed state, not its running one."""
    for name, p in ours_p.items():
        for key, value in theirs.state[theirs_p[name]].items():
            if key != "step" and isinstance(value, torch.Tensor) and value.ndim == 0:
                ours.state[p][key] = value.clone()


def run_side_by_side(cls_name, kwargs, *, values=None, schedulers=(), steps=STEPS, grads_of=None):
    """Per step from a shared state: descend loads torch's state and parameters, both step; return the worst deviation."""
    values = make_params() if values is None else values
    data = make_data()
    theirs_p, theirs = build(getattr(torch.optim, cls_name), values, kwargs)
    ours_p, ours = build(getattr(D, cls_name), values, kwargs)
    their_sched = [make(theirs) for make in schedulers]
    our_sched = [make(ours) for make in schedulers]
    worst, moved = 0.0, 0.0
    for step in range(steps):
        ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
        share_scalars(ours, theirs, ours_p, theirs_p)
        with torch.no_grad():
            for name in values:
                ours_p[name].copy_(theirs_p[name])
        before = {k: v.detach().clone() for k, v in theirs_p.items()}
        for params, opt in ((theirs_p, theirs), (ours_p, ours)):
            opt.zero_grad()
            if grads_of is None:
                loss = loss_of(params, step, data)
                loss.backward()
            else:
                grads_of(params, step)
                loss = torch.tensor(1.0)
            opt.step()
        for name in values:
            worst = max(worst, deviation(ours_p[name].detach(), theirs_p[name].detach()))
            moved = max(moved, (theirs_p[name].detach() - before[name]).abs().max().item())
        worst = max(worst, compare_state(ours, theirs, ours_p, theirs_p))
        for their, our in zip(their_sched, our_sched):
            if isinstance(their, torch.optim.lr_scheduler.ReduceLROnPlateau):
                their.step(loss.item())
                our.step(loss.item())
            else:
                their.step()
                our.step()
        for g_t, g_o in zip(theirs.param_groups, ours.param_groups):
            for key in ("lr", "momentum", "betas"):
                if key in g_t:
                    assert _plain(g_o[key]) == _plain(g_t[key]), f"scheduler moved {key} differently"
    return worst, moved


def _plain(x):
    if isinstance(x, tuple):
        return tuple(_plain(v) for v in x)
    return x.item() if isinstance(x, torch.Tensor) else x


# -- torch's own inputs ---------------------------------------------------------------------------------------


def _inputs():
    for name, info in INFO.items():
        for optim_input in _get_optim_inputs_including_global_cliquey_kwargs("cpu", torch.float64, info):
            yield pytest.param(name, optim_input.kwargs, id=f"{name}-{optim_input.desc}")


@pytest.mark.parametrize("name, kwargs", list(_inputs()))
def test_optim_db_input_matches_torch_per_step(name, kwargs):
    refused = [flag for flag in REFUSED if kwargs.get(flag)]
    if refused:
        with pytest.raises(ValueError, match=refused[0]):
            getattr(D, name)([Parameter(torch.zeros(2, dtype=torch.float64))], **kwargs)
        return
    values = make_params(complex_param=not kwargs.get("fused"))
    if kwargs.get("fused"):
        # torch's fused kernels take real floating-point parameters only, and torch's fused SGD fails when a
        # parameter's first gradient comes after the others' (TypeError inside torch._fused_sgd_)
        del values["late"]
    worst, moved = run_side_by_side(name, kwargs, values=values)
    assert worst <= 1, f"a step differs from torch's by {worst:.2g} × (1e-12·|value| + 1e-14)"
    assert moved > 1e-6, "the parameters must move, or the comparison proves nothing"


def _scheduler_inputs():
    for name, info in INFO.items():
        for schedulers in info.scheduler_inputs:
            ids = "+".join(type(s(torch.optim.SGD([Parameter(torch.zeros(1))], lr=0.1))).__name__ for s in schedulers)
            yield pytest.param(name, schedulers, id=f"{name}-{ids}")


@pytest.mark.parametrize("name, schedulers", list(_scheduler_inputs()))
def test_optim_db_schedulers_match_torch(name, schedulers):
    kwargs = {"lr": 0.01} if name not in ("SGD",) else {"lr": 0.01, "momentum": 0.9}
    worst, moved = run_side_by_side(name, kwargs, schedulers=schedulers, steps=12)
    assert worst <= 1
    assert moved > 1e-6


def _error_inputs():
    for name, info in INFO.items():
        for error_input in info.optim_error_inputs_func("cpu", torch.float64):
            yield pytest.param(name, error_input, id=f"{name}-{error_input.optimizer_error_input.desc}")


@pytest.mark.parametrize("name, error_input", list(_error_inputs()))
def test_optim_db_error_inputs_refused_like_torch(name, error_input: ErrorOptimizerInput):
    """torch's error inputs: descend refuses each with the same error type, no later than torch.

    A refusal at the first step in torch may come at construction in descend (before any work starts).
    """
    optim_input = error_input.optimizer_error_input
    params = optim_input.params
    if params is None:
        params = [Parameter(torch.randn(1, 1, dtype=torch.float64))]
    kwargs = optim_input.kwargs
    error_type = error_input.error_type
    if issubclass(error_type, Warning):
        with pytest.warns(error_type, match=error_input.error_regex):
            getattr(D, name)(params, **kwargs)
        return
    with pytest.raises(error_type) as raised:
        opt = getattr(D, name)(params, **kwargs)
        if error_input.error_on == OptimizerErrorEnum.STEP_ERROR:
            for p in opt.param_groups[0]["params"]:
                p.grad = torch.ones_like(p)
            opt.step()
    assert str(raised.value), "the error says what is wrong"


# -- acceptance: the same as torch's, measured on torch ----------------------------------------------------------

PROBES = {
    "eps = 0": dict(eps=0.0),
    "alpha = 1": dict(alpha=1.0),
    "rho = 1": dict(rho=1.0),
    "beta1 = 0": dict(betas=(0.0, 0.99)),
    "beta2 = 0": dict(betas=(0.9, 0.0)),
    "momentum_decay = 0": dict(momentum_decay=0.0),
    "one-element tensor lr": dict(lr=torch.tensor([0.01])),
    "0-d tensor lr": dict(lr=torch.tensor(0.01)),
    "tensor lr with foreach": dict(lr=torch.tensor(0.01), foreach=True),
    "capturable on the CPU": dict(capturable=True),
    "fused with foreach": dict(fused=True, foreach=True),
    "betas of a number and a tensor": dict(betas=(0.9, torch.tensor(0.99))),
    "tensor betas with foreach": dict(betas=(torch.tensor(0.9), torch.tensor(0.99)), foreach=True),
    "negative lr": dict(lr=-0.1),
    "negative weight_decay": dict(weight_decay=-0.1),
    "negative momentum": dict(momentum=-0.1),
    "nesterov without momentum": dict(nesterov=True),
    "dampening above 1": dict(momentum=0.9, dampening=1.5),
    "momentum above 1": dict(momentum=1.5),
    "alpha above 1": dict(alpha=1.5),
    "rho above 1": dict(rho=1.5),
    "negative lr_decay": dict(lr_decay=-0.1),
    "negative initial_accumulator_value": dict(initial_accumulator_value=-0.1),
    "negative momentum_decay": dict(momentum_decay=-0.1),
    "beta1 = 1": dict(betas=(1.0, 0.99)),
    "negative eps": dict(eps=-1e-8),
}


def _accepts(cls, kwargs):
    """'accepted' (constructed, and one step taken), 'refused', or None when the class has no such argument."""
    p = Parameter(torch.randn(3, dtype=torch.float64))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            opt = cls([p], **copy.deepcopy(kwargs))
        except TypeError as e:
            if "unexpected keyword" in str(e) or "unknown argument" in str(e):
                return None
            return "refused"
        except (ValueError, RuntimeError, AssertionError):
            return "refused"
        try:
            p.grad = torch.randn(3, dtype=torch.float64)
            opt.step()
        except (ValueError, RuntimeError, AssertionError, TypeError):
            return "refused"
    return "accepted"


@pytest.mark.parametrize("probe", list(PROBES))
@pytest.mark.parametrize("name", OFFERED)
def test_accepts_what_torch_accepts(name, probe):
    theirs = _accepts(getattr(torch.optim, name), PROBES[probe])
    if theirs is None:
        return  # torch's class has no such argument (descend refuses unknown names; tested elsewhere)
    ours = _accepts(getattr(D, name), PROBES[probe])
    if (name, probe) in DIFFERS:
        assert ours != theirs, f"listed as differing, but both are {ours}: remove it from DIFFERS"
        return
    assert ours == theirs, f"torch: {theirs}, descend: {ours}"


# -- silent differences once found -------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("name, kwargs", [("Adam", dict(lr=0.1)), ("SGD", dict(lr=0.1, momentum=0.9)),
                                          ("AdamW", dict(lr=0.1)), ("Adagrad", dict(lr=0.1))])
def test_fused_updates_0d_parameters(name, kwargs, dtype):
    """fused=True beside a 1-d parameter: a learnable scalar's state must be written back (3 steps)."""
    out = []
    for fused in (False, True):
        a = Parameter(torch.tensor(1.0, dtype=dtype))
        b = Parameter(torch.ones(3, dtype=dtype))
        opt = getattr(D, name)([a, b], fused=fused, **kwargs)
        for _ in range(3):
            a.grad, b.grad = torch.tensor(2.0, dtype=dtype), torch.full((3,), 2.0, dtype=dtype)
            opt.step()
        out.append((a.detach().clone(), {k: v.clone() for k, v in opt.state[a].items()}))
    (eager, eager_state), (fused, fused_state) = out
    ref = torch.optim.__dict__[name]
    t = Parameter(torch.tensor(1.0, dtype=dtype))
    opt = ref([t, Parameter(torch.ones(3, dtype=dtype))], **kwargs)
    for _ in range(3):
        for p in opt.param_groups[0]["params"]:
            p.grad = torch.full_like(p, 2.0)
        opt.step()
    ulps = 4 * torch.finfo(dtype).eps
    assert abs(fused.item() - t.item()) <= ulps * 3, f"fused {fused.item()} torch {t.item()}"
    assert abs(eager.item() - t.item()) <= ulps * 3
    for key, value in opt.state[t].items():
        assert torch.allclose(fused_state[key].double(), value.double(), rtol=ulps * 3, atol=0), key


def test_state_is_created_lazily_as_torch_does():
    """Before the first step the state is empty (torch's SGD then treats the first step as b = g)."""
    p = Parameter(torch.ones(2, dtype=torch.float64))
    ours = D.SGD([p], lr=0.1, momentum=0.9, dampening=0.5)
    saved = ours.state_dict()
    assert saved["state"] == {}
    q = Parameter(torch.ones(2, dtype=torch.float64))
    theirs = torch.optim.SGD([q], lr=0.1, momentum=0.9, dampening=0.5)
    theirs.load_state_dict(saved)
    q.grad = torch.ones(2, dtype=torch.float64)
    theirs.step()
    assert torch.allclose(theirs.state[q]["momentum_buffer"], torch.ones(2, dtype=torch.float64))  # not 0.5
    assert torch.allclose(q.detach(), torch.full((2,), 0.9, dtype=torch.float64))


@pytest.mark.parametrize("name", OFFERED)
def test_torch_state_dict_with_parameters_without_state(name):
    """A torch state_dict saved after a step in which one parameter had no gradient: descend loads it and steps."""
    values = make_params()
    kwargs = {"lr": 0.01}
    data = make_data()
    theirs_p, theirs = build(getattr(torch.optim, name), values, kwargs)
    loss_of(theirs_p, 0, data).backward()  # 'late' has no gradient: torch keeps no state for it
    theirs.step()
    assert not theirs.state[theirs_p["late"]] or name == "Adagrad"  # torch's Adagrad creates state at once
    ours_p, ours = build(getattr(D, name), values, kwargs)
    ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
    share_scalars(ours, theirs, ours_p, theirs_p)
    with torch.no_grad():
        for k in values:
            ours_p[k].copy_(theirs_p[k])
    for params, opt in ((theirs_p, theirs), (ours_p, ours)):
        opt.zero_grad()
        loss_of(params, LATE, data).backward()
        opt.step()
    for k in values:
        assert deviation(ours_p[k].detach(), theirs_p[k].detach()) <= 1, k
    assert compare_state(ours, theirs, ours_p, theirs_p) <= 1


@pytest.mark.parametrize("name", OFFERED)
def test_state_dict_saved_before_the_first_step_loads_both_ways(name):
    for first, second in ((torch.optim, D), (D, torch.optim)):
        values = make_params()
        kwargs = {"lr": 0.01, "momentum": 0.9, "dampening": 0.5} if name == "SGD" else {"lr": 0.01}
        a_p, a = build(getattr(first, name), values, kwargs)
        b_p, b = build(getattr(second, name), values, kwargs)
        b.load_state_dict(copy.deepcopy(a.state_dict()))
        data = make_data()
        for params, opt in ((a_p, a), (b_p, b)):
            for step in range(3):
                opt.zero_grad()
                loss_of(params, step, data).backward()
                opt.step()
        for k in values:
            assert deviation(b_p[k].detach(), a_p[k].detach()) <= 1e3, (first.__name__, k)  # 3 steps, any CPU


@pytest.mark.parametrize("scheduler", ["OneCycleLR", "CyclicLR", "by hand"])
@pytest.mark.parametrize("name", ["SGD", "RMSprop"])
def test_schedulers_that_switch_momentum_on(name, scheduler):
    """Built with momentum 0; OneCycleLR and CyclicLR cycle momentum (on by default): as torch, per step."""
    def make(opt):
        if scheduler == "OneCycleLR":
            return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20)
        if scheduler == "CyclicLR":
            return torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.001, max_lr=0.05, step_size_up=4)
        return _MomentumOnAt(opt, at=3)

    worst, moved = run_side_by_side(name, {"lr": 0.01, "momentum": 0.0}, schedulers=[make], steps=10)
    assert worst <= 1
    assert moved > 1e-6


class _MomentumOnAt:
    """Raises every group's momentum to 0.9 at a given step, as a user would by hand.

    torch's RMSprop then fails (KeyError: 'momentum_buffer': it creates the buffer only at the first step);
    descend creates it when needed, at zero, which is what torch's oracle here is given by hand.
    """

    def __init__(self, opt, at):
        self.opt, self.at, self.count = opt, at, 0

    def step(self):
        self.count += 1
        if self.count == self.at:
            for group in self.opt.param_groups:
                group["momentum"] = 0.9
                if type(self.opt) is torch.optim.RMSprop:
                    for p in group["params"]:
                        if self.opt.state[p]:
                            self.opt.state[p].setdefault("momentum_buffer", torch.zeros_like(p))


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, momentum=0.9), dict(lr=0.1, momentum=0.9, dampening=0.3),
                                    dict(lr=0.1, momentum=0.9, nesterov=True), dict(lr=0.1, maximize=True)])
def test_sgd_sparse_gradients_match_torch(kwargs):
    _sparse_against_torch("SGD", kwargs)


@pytest.mark.parametrize("kwargs", [dict(lr=0.1), dict(lr=0.1, lr_decay=0.1), dict(lr=0.1, initial_accumulator_value=0.2),
                                    dict(lr=0.1, maximize=True), dict(lr=0.1, eps=0.0)])
def test_adagrad_sparse_gradients_match_torch(kwargs):
    """With ε = 0 the rows no gradient has held yet (sum 0) would be 0/0 in the dense rule: torch leaves them."""
    _sparse_against_torch("Adagrad", kwargs)


def _sparse_against_torch(name, kwargs):
    """An embedding table with sparse gradients (rows 1, 3, 3 then 0, 3): per step from torch's state."""
    rows = [torch.tensor([1, 3, 3]), torch.tensor([0, 3]), torch.tensor([2])]
    values = {"table": torch.randn(5, 3, dtype=torch.float64, generator=torch.Generator().manual_seed(2))}

    def grads_of(params, step):
        out = torch.nn.functional.embedding(rows[step % 3], params["table"], sparse=True)
        (out**2).sum().backward()
        assert params["table"].grad.is_sparse

    def build_plain(cls):
        params = {"table": Parameter(values["table"].clone())}
        return params, cls([params["table"]], **kwargs)

    theirs_p, theirs = build_plain(getattr(torch.optim, name))
    ours_p, ours = build_plain(getattr(D, name))
    worst = 0.0
    for step in range(6):
        ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
        with torch.no_grad():
            ours_p["table"].copy_(theirs_p["table"])
        for params, opt in ((theirs_p, theirs), (ours_p, ours)):
            opt.zero_grad()
            grads_of(params, step)
            opt.step()
        worst = max(worst, deviation(ours_p["table"].detach(), theirs_p["table"].detach()))
        worst = max(worst, compare_state(ours, theirs, ours_p, theirs_p))
    assert worst <= 1


@pytest.mark.parametrize("name", [n for n in OFFERED if n not in ("SGD", "Adagrad")])
def test_sparse_gradients_refused_where_torch_refuses_them(name):
    p = Parameter(torch.randn(5, 3, dtype=torch.float64))
    opt = getattr(D, name)([p])
    torch.nn.functional.embedding(torch.tensor([1]), p, sparse=True).sum().backward()
    with pytest.raises(RuntimeError, match="sparse"):
        opt.step()


def test_adagrad_sparse_with_weight_decay_refused_as_torch():
    p = Parameter(torch.randn(5, 3, dtype=torch.float64))
    opt = D.Adagrad([p], weight_decay=0.1)
    torch.nn.functional.embedding(torch.tensor([1]), p, sparse=True).sum().backward()
    with pytest.raises(RuntimeError, match="weight_decay"):
        opt.step()


@pytest.mark.parametrize("name", OFFERED)
def test_complex_parameters_match_torch(name):
    """A complex parameter alone is updated as torch updates it: real and imaginary parts as two reals."""
    kwargs = {"lr": 0.05}
    values = {"z": torch.tensor([1 + 2j, -0.5 + 0.1j, 3 - 1j], dtype=torch.complex128)}
    c = torch.tensor([0.2 - 1j, 1 + 1j, -1 + 0.5j], dtype=torch.complex128)

    def grads_of(params, step):
        ((params["z"] - c).abs() ** 2 + (params["z"] ** 2).real).sum().backward()

    theirs_p = {"z": Parameter(values["z"].clone())}
    ours_p = {"z": Parameter(values["z"].clone())}
    theirs = getattr(torch.optim, name)([theirs_p["z"]], **kwargs)
    ours = getattr(D, name)([ours_p["z"]], **kwargs)
    worst = 0.0
    for step in range(6):
        ours.load_state_dict(copy.deepcopy(theirs.state_dict()))
        with torch.no_grad():
            ours_p["z"].copy_(theirs_p["z"])
        for params, opt in ((theirs_p, theirs), (ours_p, ours)):
            opt.zero_grad()
            grads_of(params, step)
            opt.step()
        worst = max(worst, deviation(torch.view_as_real(ours_p["z"].detach()), torch.view_as_real(theirs_p["z"].detach())))
        for key, value in theirs.state[theirs_p["z"]].items():
            if key != "step" and value is not None and value.ndim:
                mine = ours.state[ours_p["z"]][key]
                assert mine.is_complex() == value.is_complex(), key
                worst = max(worst, deviation(torch.view_as_real(mine), torch.view_as_real(value)))
    assert worst <= 1


@pytest.mark.parametrize("name", OFFERED)
def test_hooks_fire_as_on_torch(name):
    """The optimizer hooks torch's base class offers: step pre/post, state_dict and load_state_dict."""
    calls = []
    p = Parameter(torch.ones(2, dtype=torch.float64))
    opt = getattr(D, name)([p], lr=0.01)
    opt.register_step_pre_hook(lambda o, a, k: calls.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: calls.append("post"))
    opt.register_state_dict_pre_hook(lambda o: calls.append("sd-pre"))
    opt.register_state_dict_post_hook(lambda o, sd: calls.append("sd-post"))
    opt.register_load_state_dict_pre_hook(lambda o, sd: calls.append("load-pre"))
    opt.register_load_state_dict_post_hook(lambda o: calls.append("load-post"))
    p.grad = torch.ones(2, dtype=torch.float64)
    opt.step()
    opt.load_state_dict(opt.state_dict())
    assert calls == ["pre", "post", "sd-pre", "sd-post", "load-pre", "load-post"]


def test_loading_a_torch_state_dict_keeps_descends_own_options():
    """torch's param groups lack descend's switches: loading one must not reset them to their defaults."""
    p = Parameter(torch.ones(2, dtype=torch.float64))
    ours = D.Adam([p], lr=0.01, eps_mode="inside", amsgrad_max="corrected")
    q = Parameter(torch.ones(2, dtype=torch.float64))
    ours.load_state_dict(torch.optim.Adam([q], lr=0.02).state_dict())
    group = ours.param_groups[0]
    assert group["eps_mode"] == "inside" and group["amsgrad_max"] == "corrected"
    assert group["lr"] == 0.02


def test_load_hooks_see_the_dict_and_the_optimizer_as_torchs_do():
    """A pre-hook may return the state dict fixed up (an old format migrated): descend checked the dict before its
    hooks ran, and refused one a hook would have fixed ("its param group 0 has no 'betas'"). A post-hook saw the
    optimizer before descend's own loading ended: its switches unset and the step counts torch's float32, which
    descend then replaced (a step the hook shared was no longer the optimizer's)."""
    torch.manual_seed(0)
    p = Parameter(torch.randn(3, dtype=torch.float64))
    src = torch.optim.Adam([p], lr=0.01)
    p.grad = torch.ones_like(p)
    src.step()
    old = src.state_dict()
    for group in old["param_groups"]:  # an old format: the betas apart
        group["beta1"], group["beta2"] = group.pop("betas")

    def migrate(optimizer, state_dict):
        for group in state_dict["param_groups"]:
            group["betas"] = (group.pop("beta1"), group.pop("beta2"))
        return state_dict

    seen = {}

    def after(optimizer):
        state = optimizer.state[optimizer.param_groups[0]["params"][0]]
        seen.update(eps_mode=optimizer.param_groups[0].get("eps_mode"), step=state["step"].dtype)
        state["step"].share_memory_()

    for cls in (torch.optim.Adam, D.Adam):
        q = Parameter(p.detach().clone())
        opt = cls([q], lr=0.01, **({"eps_mode": "inside"} if cls is D.Adam else {}))
        opt.register_load_state_dict_pre_hook(migrate)
        if cls is D.Adam:
            opt.register_load_state_dict_post_hook(after)
        opt.load_state_dict(copy.deepcopy(old))
        assert opt.param_groups[0]["betas"] == (0.9, 0.999), cls
    assert seen == {"eps_mode": "inside", "step": torch.float64}
    assert opt.state[q]["step"].is_shared()  # what the hook did to the loaded state stays


@pytest.mark.parametrize("schedule", ["lambda", "warm-restarts"])
def test_a_loaded_group_keeps_no_key_the_old_group_had_and_the_saved_one_lacks(schedule):
    """An earlier scheduler's initial_lr (or any key of one's own) goes with the old group, as in torch: a schedule
    made after loading starts from the loaded rate, not 10x it (descend kept every old key, silently)."""
    from torch.optim.lr_scheduler import CosineAnnealingWarmRestarts, LambdaLR, StepLR

    saved = torch.optim.Adam([Parameter(torch.zeros(2, dtype=torch.float64))], lr=0.01).state_dict()
    trained = {}
    for module in (torch.optim, D):
        p = Parameter(torch.zeros(2, dtype=torch.float64))
        opt = module.Adam([p], lr=0.1)
        StepLR(opt, step_size=100)  # sets the group's initial_lr = 0.1
        opt.param_groups[0]["note"] = "mine"
        opt.load_state_dict(saved)
        assert "note" not in opt.param_groups[0]
        sched = LambdaLR(opt, lambda e: 1 / (e + 1)) if schedule == "lambda" else CosineAnnealingWarmRestarts(opt, 5)
        rates = []
        for _ in range(3):
            p.grad = torch.ones(2, dtype=torch.float64)
            opt.step()
            sched.step()
            rates.append(opt.param_groups[0]["lr"])
        trained[module.__name__] = (opt.param_groups[0]["initial_lr"], rates, p.detach().clone())
    (torch_initial, torch_rates, torch_p), (initial, rates, ours) = trained.values()
    assert initial == torch_initial == 0.01 and rates == pytest.approx(torch_rates, rel=1e-15)
    torch.testing.assert_close(ours, torch_p, rtol=1e-14, atol=0)


@pytest.mark.parametrize("source, target, missing", [("SGD", "Adam", "'betas', 'eps'"),
                                                     ("Adam", "SGD", "'momentum', 'dampening'"),
                                                     ("SGD", "Momentum", "'beta'")])
def test_a_state_dict_saved_by_another_optimizer_is_refused_before_anything_is_loaded(source, target, missing):
    """SGD's groups have no betas: torch's Adam fails at its step (KeyError), descend's trained Adam's rule at SGD's
    learning rate with the betas the old group had, silently. It is refused at loading now, naming what is missing,
    and the optimizer is left as it was."""
    saved = getattr(torch.optim, source)([Parameter(torch.zeros(3))], lr=0.5).state_dict()
    p = Parameter(torch.zeros(3))
    opt = getattr(D, target)([p], lr=0.01)
    p.grad = torch.ones(3)
    opt.step()
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=rf"param group 0 has no {missing}.*saved by another optimizer"):
        opt.load_state_dict(saved)
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert after["state"].keys() == before["state"].keys()
    assert all(torch.equal(torch.as_tensor(a), torch.as_tensor(before["state"][i][k]))
               for i, state in after["state"].items() for k, a in state.items())
    # a torch state dict of the same class that lacks the settings torch's loading fills in: filled as torch fills
    # them (maximize=False), not kept from the old group
    p2 = Parameter(torch.zeros(3))
    ours = D.Adam([p2], lr=0.01, maximize=True)
    reference = torch.optim.Adam([Parameter(torch.zeros(3))], lr=0.01, maximize=True)
    plain = torch.optim.Adam([Parameter(torch.zeros(3))], lr=0.02).state_dict()
    for group in plain["param_groups"]:
        del group["maximize"], group["foreach"]
    ours.load_state_dict(copy.deepcopy(plain))
    reference.load_state_dict(copy.deepcopy(plain))
    settings = {k: v for k, v in reference.param_groups[0].items() if k != "params"}
    assert {k: ours.param_groups[0][k] for k in settings} == settings and settings["maximize"] is False


def _stepped(module, name, steps=3, **kwargs):
    """An optimizer of ``module`` over one parameter [3] after ``steps`` steps."""
    p = Parameter(torch.zeros(3, dtype=torch.float64))
    opt = getattr(module, name)([p], lr=0.1, **kwargs)
    for _ in range(steps):
        p.grad = torch.ones(3, dtype=torch.float64)
        opt.step()
    return p, opt


@pytest.mark.parametrize("source, target", [("Adamax", "Adam"), ("Adamax", "AdamW"), ("Adam", "Adamax"),
                                            ("RAdam", "Adamax"), ("NAdam", "Adamax"), ("Adamax", "RAdam")])
@pytest.mark.parametrize("saver", [torch.optim, D], ids=["torch", "descend"])
def test_a_parameter_state_saved_by_another_optimizer_is_refused_before_anything_is_loaded(source, target, saver):
    """Adamax's groups hold every setting Adam's need, but its state has no exp_avg_sq: torch's Adam raises a
    KeyError at its step; descend's started exp_avg_sq at 0 beside the saved step count 3, and Adam's next step was
    twice as long, silently. It is refused at loading, naming the parameter and the field, and the optimizer is left
    as it was."""
    saved = _stepped(saver, source)[1].state_dict()
    q = Parameter(torch.zeros(3, dtype=torch.float64))
    oracle = getattr(torch.optim, target)([q], lr=0.1)
    oracle.load_state_dict(copy.deepcopy(saved))
    q.grad = torch.ones(3, dtype=torch.float64)
    with pytest.raises(KeyError) as caught:
        oracle.step()
    missing = caught.value.args[0]
    p, opt = _stepped(D, target, steps=1)
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=rf"the state of its parameter 0 has no '{missing}', which {target} needs "
                                         rf"\(the state holds step, .*\): was it saved by another optimizer\?"):
        opt.load_state_dict(copy.deepcopy(saved))
    after = opt.state_dict()
    assert after["param_groups"] == before["param_groups"]
    assert all(torch.equal(after["state"][0][k], v) for k, v in before["state"][0].items())
    assert after["state"][0].keys() == before["state"][0].keys()


def test_a_refusal_says_which_optimizer_the_state_looks_saved_by():
    with pytest.raises(ValueError, match=r"holds step, exp_avg, exp_inf, as Adamax's does\)"):
        D.Adam([Parameter(torch.zeros(3))]).load_state_dict(_stepped(torch.optim, "Adamax")[1].state_dict())
    with pytest.raises(ValueError, match=r"exp_avg_sq, as Adam's, AdamW's or RAdam's do\)"):
        D.Adamax([Parameter(torch.zeros(3))]).load_state_dict(_stepped(torch.optim, "RAdam")[1].state_dict())


def test_nadams_mu_product_missing_from_a_state_is_refused_at_loading():
    """A scalar of the state is a field too: torch's NAdam raises KeyError 'mu_product' (at loading)."""
    saved = _stepped(torch.optim, "NAdam")[1].state_dict()
    del saved["state"][0]["mu_product"]
    with pytest.raises(KeyError, match="mu_product"):
        torch.optim.NAdam([Parameter(torch.zeros(3, dtype=torch.float64))]).load_state_dict(copy.deepcopy(saved))
    with pytest.raises(ValueError, match=r"parameter 0 has no 'mu_product', which NAdam needs"):
        D.NAdam([Parameter(torch.zeros(3, dtype=torch.float64))]).load_state_dict(saved)


@pytest.mark.parametrize("name, switch, value", [("Adam", "amsgrad", True), ("RMSprop", "momentum", 0.9),
                                                 ("RMSprop", "centered", True)])
def test_a_buffer_switched_on_before_saving_still_loads_and_starts_when_needed(name, switch, value):
    """A switch turned on after some steps and saved before the next: the buffer it needs is not in the state yet.
    Loaded, it starts at its first step, as it does in the optimizer that saved it (whose steps are the oracle)."""
    p, opt = _stepped(D, name)
    opt.param_groups[0][switch] = value
    saved = copy.deepcopy(opt.state_dict())
    q = Parameter(p.detach().clone())
    loaded = getattr(D, name)([q], lr=0.5)
    loaded.load_state_dict(saved)
    for _ in range(2):
        for w, o in ((p, opt), (q, loaded)):
            w.grad = torch.ones(3, dtype=torch.float64)
            o.step()
    assert torch.equal(q, p)


@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_a_weight_decay_of_tensor_zero_takes_sparse_gradients_as_torch_does(name):
    """torch reads `weight_decay != 0` as a tensor, false for tensor(0.): its sparse step goes on (descend refused)."""
    kwargs = {"momentum": 0.9} if name == "SGD" else {}
    steps = []
    for module in (torch.optim, D):
        torch.manual_seed(0)
        embedding = torch.nn.Embedding(5, 2, sparse=True).double()
        opt = getattr(module, name)(embedding.parameters(), lr=0.1, weight_decay=torch.tensor(0.0), **kwargs)
        for ids in ([0, 1], [1, 3]):
            opt.zero_grad()
            embedding(torch.tensor(ids)).sum().backward()
            opt.step()
        steps.append(embedding.weight.detach().clone())
    torch.testing.assert_close(steps[1], steps[0], rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_beta1_and_beta2_are_explained(name):
    """The pure rules and descend.fit take beta1/beta2; the classes take torch's betas=(β₁, β₂) and say so."""
    with pytest.raises(TypeError, match=r"betas=\(0\.8, 0\.999\)"):
        getattr(D, name)([Parameter(torch.zeros(2))], beta1=0.8)


# -- conventions --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("convention", ["optax", "keras"])
@pytest.mark.parametrize("name", OFFERED)
def test_convention_fills_every_argument_not_given(name, convention):
    """``convention=`` takes its values from descend.optim.conventions.preset (decided there once); given ones stay."""
    from descend.optim.conventions import conventions_for, preset

    cls = getattr(D, name)
    if convention not in conventions_for(cls.info.name):
        with pytest.raises(ValueError, match=f"no '{convention}' convention"):
            cls([Parameter(torch.zeros(2))], convention=convention)
        return
    opt = cls([Parameter(torch.zeros(2))], weight_decay=0.25, convention=convention)
    group = opt.param_groups[0]
    for key, value in preset(cls.info.name, convention).items():
        if key == "weight_decay":
            assert group[key] == 0.25, "an argument given keeps its value"
        elif key in ("beta1", "beta2"):
            assert group["betas"][key == "beta2"] == value
        else:
            assert group[key] == value, key
    assert group["convention"] == convention


def test_unknown_convention_is_refused():
    with pytest.raises(ValueError, match="unknown convention 'jax'"):
        D.Adam([Parameter(torch.zeros(2))], convention="jax")


def test_a_compiled_step_takes_torchs_steps_without_a_warning_of_descends_own():
    """torch.compile(opt.step), as torch's docs compile torch.optim's: the same numbers as torch's eager step, and no
    warning about descend's code (Dynamo warned of a functools cache it traced through, once per process)."""
    torch.manual_seed(0)
    ours, theirs = torch.nn.Linear(4, 1).double(), torch.nn.Linear(4, 1).double()
    theirs.load_state_dict(ours.state_dict())
    opts = D.Adam(ours.parameters(), lr=1e-2), torch.optim.Adam(theirs.parameters(), lr=1e-2)
    x, y = torch.randn(32, 4, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    step = torch.compile(opts[0].step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            for model, opt, take in zip((ours, theirs), opts, (step, opts[1].step)):
                opt.zero_grad()
                torch.nn.functional.mse_loss(model(x), y).backward()
                take()
            for p, q in zip(ours.parameters(), theirs.parameters()):
                torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)
    assert not [str(w.message) for w in caught if "descend" in str(w.message) or "descend" in w.filename]


# -- the state as torch keeps it: tensors of each parameter's own, updated in place ---------------------------------


@pytest.mark.parametrize("name", OFFERED)
def test_state_tensors_are_updated_in_place_and_each_parameter_has_its_own(name):
    """descend's state tensors took the new values' storage at each step (``set_``): a view of one, or its memory
    shared with another process (Hogwild training), went stale; parameters that stepped together shared one step
    tensor, so that changing one parameter's step changed the others'."""
    a, b = (torch.zeros(4, dtype=torch.float64, requires_grad=True) for _ in range(2))
    kwargs = dict(lr=0.1, momentum=0.9) if name in ("SGD", "RMSprop") else dict(lr=0.1)
    opt = getattr(D, name)([a, b], **kwargs)
    for t in range(2):
        a.grad, b.grad = torch.full_like(a, 1.0 + t), torch.full_like(b, 2.0 - t)
        if t == 0:
            opt.step()
            before = {key: (value, value[:2] if value.ndim else None) for key, value in opt.state[a].items()}
        else:
            opt.step()
    assert before  # every optimizer here keeps state with these settings
    for key, (tensor, view) in before.items():
        assert opt.state[a][key] is tensor, key
        if view is not None:
            assert torch.equal(view, tensor[:2]), key
    for key, value in opt.state[a].items():
        assert value is not opt.state[b][key], key
    if "step" in opt.state[a]:
        opt.state[a]["step"].zero_()
        assert float(opt.state[b]["step"]) == 2.0


@pytest.mark.parametrize("name", ["Adam", "RMSprop", "SGD"])
def test_a_dlpack_view_of_the_state_sees_each_step(name):
    """NumPy's (or JAX's) from_dlpack view holds the state tensor, not a second reference to its memory: the step
    took new memory for the state and freed the old, and the view read freed memory (4.66e-310) as torch's does
    not."""
    import numpy as np

    results = []
    for module in (torch.optim, D):
        w = torch.nn.Parameter(torch.arange(4, dtype=torch.float64))
        opt = getattr(module, name)([w], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
        w.grad = torch.full_like(w, 0.5)
        opt.step()
        key = {"Adam": "exp_avg_sq", "RMSprop": "square_avg", "SGD": "momentum_buffer"}[name]
        view = np.from_dlpack(opt.state[w][key])
        for _ in range(3):
            w.grad = torch.full_like(w, 0.25) + w.detach()
            opt.step()
            np.testing.assert_array_equal(view, opt.state[w][key].numpy())
        view[0] = 7.0  # and written through, as torch's state is
        results.append((opt.state[w][key][0].item(), w.detach().clone()))
    assert results[1][0] == 7.0 and torch.allclose(results[0][1], results[1][1], rtol=1e-13, atol=0)


def test_shared_state_sees_another_process_step():
    """Hogwild: the parameters and the optimizer's state in shared memory, a step taken in a child process is
    seen by the parent, as with torch.optim."""
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork here")
    w = torch.zeros(4, dtype=torch.float64, requires_grad=True)
    w.share_memory_()
    opt = D.Adam([w], lr=0.1)
    w.grad = torch.zeros_like(w)
    opt.step()
    for value in opt.state[w].values():
        value.share_memory_()
    w.grad = torch.ones_like(w)
    child = multiprocessing.get_context("fork").Process(target=opt.step)
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert float(opt.state[w]["step"]) == 2.0 and opt.state[w]["exp_avg"][0].item() == pytest.approx(0.1)


def test_adagrad_share_memory():
    w = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    opt = D.Adagrad([w], lr=0.1)
    opt.share_memory()
    assert opt.state[w]["sum"].is_shared()
    w.grad = torch.ones_like(w)
    opt.step()
    assert opt.state[w]["sum"].is_shared() and opt.state[w]["sum"][0].item() == 1.0


def test_nadam_resumed_with_products_of_different_steps_matches_torch():
    """Two parameters with the same step count but different μ products (β₁ cycled by OneCycleLR while each
    stepped at other times) were given the first one's product after loading."""
    generator = torch.Generator().manual_seed(0)
    start = [torch.randn(3, dtype=torch.float64, generator=generator) for _ in range(2)]
    grads = [[torch.randn(3, dtype=torch.float64, generator=generator) for _ in start] for _ in range(8)]

    def first_half(module):
        ws = [p.clone().requires_grad_() for p in start]
        opt = module.NAdam(ws, lr=0.01)
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20)
        for t in range(4):  # the first steps at t = 0, 1, the second at t = 2, 3
            for i, (w, g) in enumerate(zip(ws, grads[t])):
                w.grad = g.clone() if (i == 0) == (t < 2) else None
            opt.step()
            schedule.step()
        return ws, opt

    def resume(module, ws, saved):
        ws = [w.detach().clone().requires_grad_() for w in ws]
        opt = module.NAdam(ws, lr=0.01)
        opt.load_state_dict(copy.deepcopy(saved))
        for t in range(4, 8):
            for w, g in zip(ws, grads[t]):
                w.grad = g.clone()
            opt.step()
        return ws

    theirs, their_opt = first_half(torch.optim)
    expected = resume(torch.optim, theirs, their_opt.state_dict())
    ours, our_opt = first_half(D)
    for saved_by, (params, opt) in {"torch": (theirs, their_opt), "descend": (ours, our_opt)}.items():
        for got, want in zip(resume(D, params, opt.state_dict()), expected):
            torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-14, msg=f"saved by {saved_by}")


@pytest.mark.parametrize("how", ["deepcopy", "pickle"])
@pytest.mark.parametrize("name", OFFERED)
def test_a_copied_or_pickled_optimizer_steps_as_the_original(name, how):
    import io

    w = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
    opt = getattr(D, name)([w], lr=0.05)
    w.grad = torch.cos(w.detach())
    opt.step()
    if how == "deepcopy":
        w2, opt2 = copy.deepcopy((w, opt))
    else:
        buffer = io.BytesIO()
        torch.save((w, opt), buffer)
        buffer.seek(0)
        w2, opt2 = torch.load(buffer, weights_only=False)
    for param, o in ((w, opt), (w2, opt2)):
        param.grad = torch.sin(param.detach())
        o.step()
    assert torch.equal(w, w2)


def test_adagrad_refuses_a_group_initial_value_torch_would_ignore():
    a, b = (torch.zeros(2, dtype=torch.float64, requires_grad=True) for _ in range(2))
    with pytest.raises(ValueError, match="ignores it and starts every sum at the constructor's"):
        D.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 0.5}], lr=0.1,
                  initial_accumulator_value=0.1)
    opt = D.Adagrad([{"params": [a], "initial_accumulator_value": 0.1}], lr=0.1, initial_accumulator_value=0.1)
    with pytest.raises(ValueError, match="ignores it and starts every sum at the constructor's"):
        opt.add_param_group({"params": [b], "initial_accumulator_value": 0.5})  # torch ignores it here too
    assert len(opt.param_groups) == 1 and opt.state[a]["sum"][0].item() == 0.1


def test_adagrad_starts_a_group_added_later_at_its_first_gradient_as_torch():
    """torch 2.13 creates no state for a group added after construction until its first gradient, then starts its
    sums at the constructor's initial_accumulator_value (descend created them at once, from the group's own)."""
    results = []
    for module in (torch.optim, D):
        a, b = (Parameter(torch.ones(3, dtype=torch.float64)) for _ in range(2))
        opt = module.Adagrad([a], lr=0.1, initial_accumulator_value=0.3)
        opt.add_param_group({"params": [b], "lr": 0.2})
        empty = (dict(opt.state.get(b, {})), opt.state_dict()["state"].get(1))
        a.grad = torch.full_like(a, 0.5)
        opt.step()  # b has no gradient yet: no state
        before_b = dict(opt.state.get(b, {}))
        for _ in range(2):
            a.grad, b.grad = torch.full_like(a, 0.5), torch.full_like(b, 2.0)
            opt.step()
        results.append((empty, before_b, b.detach().clone(), opt.state[b]["sum"].clone(), opt.state[b]["step"]))
    (t_empty, t_before, t_b, t_sum, t_step), (d_empty, d_before, d_b, d_sum, d_step) = results
    assert t_empty == d_empty == ({}, None) and t_before == d_before == {}
    assert torch.equal(d_sum, t_sum) and float(d_step) == float(t_step) == 2
    torch.testing.assert_close(d_b, t_b, rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_a_flag_torch_does_not_take_is_refused(name):
    w = torch.zeros(2, requires_grad=True)
    with pytest.raises(TypeError) as torch_error:
        getattr(torch.optim, name)([w], capturable=True)
    with pytest.raises(TypeError, match="capturable"):
        getattr(D, name)([w], capturable=True)
    assert "capturable" in str(torch_error.value)


def test_sgd_without_momentum_keeps_no_state_and_a_state_dict_hook_may_drop_the_state():
    w = torch.zeros(2, requires_grad=True)
    opt = D.SGD([w], lr=0.1)
    w.grad = torch.ones_like(w)
    opt.step()
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}
    opt.register_state_dict_post_hook(lambda o, packed: {"param_groups": packed["param_groups"]})
    assert list(opt.state_dict()) == ["param_groups"]


def test_run_axis_scalars_stay_each_parameters_own():
    """NAdam's μ product with a run axis ([K]) is one tensor for a bucket: each parameter must keep a copy, or the
    one that stops stepping moves with the other."""
    a = torch.zeros(3, 2, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(3, 4, dtype=torch.float64, requires_grad=True)
    betas = (torch.tensor([0.9, 0.8, 0.7], dtype=torch.float64), 0.999)
    opt = D.NAdam([a, b], lr=torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64), betas=betas)
    for t in range(3):
        a.grad = torch.ones_like(a)
        b.grad = torch.ones_like(b) if t == 0 else None
        opt.step()
        if t == 0:
            after_one = opt.state[b]["mu_product"].clone()
    assert torch.equal(opt.state[b]["mu_product"], after_one)
    assert not torch.equal(opt.state[a]["mu_product"], after_one)


@pytest.mark.parametrize("name, kwargs, rtol", [
    ("Adam", dict(lr=np.array(1e-2), weight_decay=np.float32(0.01), eps=np.float32(1e-8)), 1e-14),
    ("SGD", dict(lr=np.array(0.05), momentum=np.float64(0.9)), 1e-14),
    ("RMSprop", dict(lr=np.float32(1e-2), alpha=np.float32(0.9)), 1e-14),
    ("Adagrad", dict(lr=np.int64(1)), 1e-14),
    # torch's Adam computes lr / (1 − β₁ᵗ) in Python, float32 for a NumPy float32 (NEP 50); descend in float64
    ("Adam", dict(lr=np.float32(1e-2)), 1e-8),
])
def test_numpy_numbers_are_taken_as_torch_takes_them(name, kwargs, rtol):
    """A learning rate read from a NumPy array (np.float32, a 0-d array) was refused ("must be a number or a
    tensor"), where torch.optim takes it, and was taken once written into a param group by hand."""
    results = []
    for module in (torch.optim, D):
        w = Parameter(torch.linspace(-1, 1, 5, dtype=torch.float64))
        opt = getattr(module, name)([w], **kwargs)
        for _ in range(3):
            w.grad = torch.sin(3 * w.detach())
            opt.step()
        results.append(w.detach().clone())
    torch.testing.assert_close(results[1], results[0], rtol=rtol, atol=1e-15)
