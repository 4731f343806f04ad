"""Every torch-compatible class against torch.optim's for-loop implementation (the oracle), in float64.

Two checks for each case, answering two questions:

- **Each step, from a shared state: is it torch's rule?** Before every one of 200 steps on a random
  least-squares problem, descend's class is given torch.optim's parameters and state bit for bit; both take
  one step from the same gradient; the parameters and every state entry must then agree to 1e-12 relative.
  Rounding cannot accumulate from step to step, so this holds on any CPU however the trajectory is
  conditioned, including near the minimum, where adaptive rules hover and a one-ulp difference can grow
  chaotically (Adam with betas (0.5, 0.9): one ulp at step 2, 3e-5 by step 200).
- **Whole trajectories: does descend carry its own state from step to step as torch does?** 200 steps each on
  its own, within 1e-10 at every step, on problems whose trajectories are well-conditioned. A guard measures
  that: torch.optim trained again from its own start moved by 4 ulps must stay within 1e-13 (TOL / 1000) of
  its first trajectory, so the comparison measures the rule and not the CPU's rounding (FMA, vector width).
"""

from __future__ import annotations

import copy
import math
import statistics

import pytest
import torch

import descend.optim as D

STEPS = 200
TOL = 1e-10  # whole trajectories, absolute
GUARD = TOL / 1000  # how far a 4-ulp move of torch's start may take torch's own trajectory
RTOL, ATOL = 1e-12, 1e-14  # one step from a shared state; ATOL is a few ulps of the problem's values (10-100)
# Each step from a shared state must resolve the update: every step moves each parameter tensor by more than
# the difference tolerated, and a typical (the median) step by a million times more.
RESOLVED = 1e6

# (class name, constructor keywords): defaults, and each option switched on.
CASES = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.5)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.5, weight_decay=0.1)),
    ("SGD", dict(lr=1e-3, momentum=0.5, maximize=True)),
    ("Adagrad", dict()),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.1, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, weight_decay=0.1)),
    ("Adagrad", dict(lr=1e-3, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.5, eps=1e-3)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-3, alpha=0.9, eps=1e-4)),
    ("RMSprop", dict(lr=1e-3, centered=True)),
    ("RMSprop", dict(lr=1e-3, momentum=0.9)),
    ("RMSprop", dict(lr=1e-3, momentum=0.5, centered=True, weight_decay=0.1)),
    ("RMSprop", dict(lr=1e-4, maximize=True)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.01, betas=(0.5, 0.9), eps=1e-4)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(lr=1e-3, maximize=True)),
    ("AdamW", dict()),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.5, 0.9), weight_decay=0.1)),
    ("Adamax", dict(lr=1e-3, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, momentum_decay=0.01, betas=(0.8, 0.99))),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.99))),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=False)),
]


def _ids(case):
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.fixture(autouse=True)
def float64_default():
    """torch.optim keeps some scalar state (step, NAdam's μ product) in the default dtype."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def problem(seed: int, runs: int | None = None, far: bool = False):
    """A random least-squares problem J(W, b) = mean((XW + b − Y)²); params with an optional run axis.

    Its minimum is near 0 (|W|, |b| < 1). ``far=True`` starts every parameter at least 20 from 0. SGD contracts
    towards the minimum from anywhere; the adaptive rules, which move about lr per step, hover around it once
    there and their trajectories become chaotic. From far away they do not reach it within 200 steps: every
    trajectory is then well-conditioned.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(32, 5, generator=g)
    y = torch.randn(32, 3, generator=g)
    lead = () if runs is None else (runs,)
    params = [10 * torch.randn(*lead, 5, 3, generator=g), 10 * torch.randn(*lead, 3, generator=g)]
    if far:
        params = [p.sign() * (20 + p.abs()) for p in params]
    return x, y, params


def loss_fn(x, y, w, b):
    """Sum over runs of each run's cost, so each run's gradient is that of its own cost."""
    pred = x @ w + b.unsqueeze(-2)
    return ((pred - y) ** 2).mean(dim=(-2, -1)).sum()


def train(opt, params, x, y, steps):
    trajectory = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(x, y, *params).backward()
        opt.step()
        trajectory.append([p.detach().clone() for p in params])
    return trajectory


def max_diff(traj_a, traj_b):
    return max((a - b).abs().max().item() for sa, sb in zip(traj_a, traj_b) for a, b in zip(sa, sb))


def moved_by_ulps(t, ulps=4, seed=0):
    """``t`` with every element moved by ``ulps`` units in the last place, up or down at random."""
    up = torch.rand(t.shape, generator=torch.Generator().manual_seed(seed)) < 0.5
    toward = torch.where(up, torch.full_like(t, math.inf), torch.full_like(t, -math.inf))
    for _ in range(ulps):
        t = torch.nextafter(t, toward)
    return t


def torch_trajectory(name, kw, init, x, y, steps=STEPS, ulps=0):
    """torch.optim's trajectory from ``init`` (moved by ``ulps`` for the conditioning guard)."""
    params = [(moved_by_ulps(p, ulps) if ulps else p.clone()).requires_grad_() for p in init]
    return train(getattr(torch.optim, name)(params, foreach=False, **kw), params, x, y, steps)


def assert_well_conditioned(name, kw, init, x, y, reference, steps=STEPS):
    """The guard: a 4-ulp move of torch's own start stays orders of magnitude below the tolerance."""
    spread = max_diff(reference, torch_trajectory(name, kw, init, x, y, steps, ulps=4))
    assert spread <= GUARD, (
        f"ill-conditioned: 4 ulps at the start grow to {spread:.1e} in torch's own trajectory; a whole-trajectory "
        f"comparison here would measure the CPU's rounding, not the rule"
    )


# -- one step from a shared state ------------------------------------------------------------------------------

def run_of(t, k):
    """Run ``k`` of a tensor with a run axis, or the tensor itself (``k`` None)."""
    return t if k is None else t[k]


def share_torch_state(ours_opt, ours, oracles):
    """Give descend's optimizer the parameters and state of the torch.optim oracles, bit for bit, in place.

    ``oracles``: (torch optimizer, its parameters, k): the parameters of run ``k`` of descend's run axis, or of
    all (``k`` None). A scalar that descend keeps once for the group (the step count, or NAdam's μ product
    when the hyperparameters are numbers) is equal in every oracle.
    """
    with torch.no_grad():
        for opt, params, k in oracles:
            for p, q in zip(params, ours):
                run_of(q, k).copy_(p)
                theirs, mine = opt.state[p], ours_opt.state[q]
                if not theirs:  # no step taken yet: both create their state at the first step
                    if k is None:
                        mine.clear()
                    continue
                if k is None:
                    assert set(mine) - set(theirs) <= {"step"}, "descend's state has keys torch's has not"
                for key, value in theirs.items():
                    if value is None:
                        assert mine.get(key) is None, key
                    else:
                        target = mine[key]
                        (target if target.ndim == 0 else run_of(target, k)).copy_(value)


def step_deviation(a, b):
    """max |a − b| / (RTOL·|b| + ATOL): at most 1 passes. Equal entries (infinities, NaN on both sides) count 0 and
    a NaN on one side only counts ∞ (a NaN would otherwise vanish in the callers' ``max(worst, ...)``)."""
    apart = ((a - b).abs() / (RTOL * b.abs() + ATOL)).nan_to_num(nan=math.inf)
    return torch.where((a == b) | (a.isnan() & b.isnan()), 0.0, apart).max().item()


def check_each_step(ours_opt, ours, oracles, x, y, steps=STEPS):
    """Before every step share torch's parameters and state with descend's optimizer, give both the same
    gradient, take one step, and compare parameters and every state entry. Returns the worst deviation
    (≤ 1 passes) and each step's resolution: the smallest, over parameter tensors, of the step's largest move
    over the largest difference tolerated (a rule whose update is off by 1/resolution of itself fails).
    """
    worst, resolutions = 0.0, []
    for _ in range(steps):
        share_torch_state(ours_opt, ours, oracles)
        for q in ours:
            q.grad = torch.zeros_like(q)
        for opt, params, k in oracles:
            opt.zero_grad()
            loss_fn(x, y, *params).backward()
            for p, q in zip(params, ours):
                run_of(q.grad, k).copy_(p.grad)
        before = [[p.detach().clone() for p in params] for _, params, _ in oracles]
        ours_opt.step()
        resolution = math.inf
        for (opt, params, k), start in zip(oracles, before):
            opt.step()
            for p, q, p0 in zip(params, ours, start):
                p = p.detach()
                worst = max(worst, step_deviation(run_of(q.detach(), k), p))
                tolerated = (RTOL * p.abs() + ATOL).max().item()
                resolution = min(resolution, (p - p0).abs().max().item() / tolerated)
                mine = ours_opt.state[q]
                for key, value in opt.state[p].items():
                    if value is None:
                        continue
                    target = mine[key]
                    if key == "step":
                        assert float(target) == float(value), f"step {float(target)} != {float(value)}"
                    else:
                        target = target if target.ndim == 0 else run_of(target, k)
                        worst = max(worst, step_deviation(target, value))
        resolutions.append(resolution)
    return worst, resolutions


def assert_steps_agree_and_move(worst, resolutions):
    assert worst <= 1, f"a step differs from the oracle's by {worst:.2g} × ({RTOL:g}·|value| + {ATOL:g})"
    assert min(resolutions) > 1, "a step that moves the parameters less than the tolerance proves nothing"
    assert statistics.median(resolutions) >= RESOLVED, "a typical step must move far beyond the tolerance"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_each_step_equals_torch_optim_from_the_same_state(case):
    """200 steps on the problem where whole trajectories are chaotic for some rules: each step from torch's state."""
    name, kw = case
    x, y, init = problem(0)
    ours = [p.clone().requires_grad_() for p in init]
    theirs = [p.clone().requires_grad_() for p in init]
    opt = getattr(torch.optim, name)(theirs, foreach=False, **kw)
    worst, resolutions = check_each_step(getattr(D, name)(ours, **kw), ours, [(opt, theirs, None)], x, y)
    assert_steps_agree_and_move(worst, resolutions)
    assert (theirs[0] - init[0]).abs().max() > 1e-3, "the problem must actually move the parameters"


#: Left out: RAdam, whose step's four factors torch multiplies one by one (in float32, 0.2 % of entries differ in
#: the last bit); and the steps torch ends with ``add_(d, alpha=−α)`` (SGD's, RMSprop's with momentum, Adadelta's
#: with lr ≠ 1), which torch rounds once with the CPU's FMA instructions and twice without: descend rounds them
#: twice on every CPU (descend.optim._base.minus), so that its runs do not depend on the CPU's instructions.
TO_THE_BIT = [(name, kw) for name, kw in CASES
              if name not in ("RAdam", "SGD") and not (name == "RMSprop" and kw.get("momentum"))
              and not (name == "Adadelta" and kw.get("lr", 1.0) != 1.0)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16, torch.float16], ids=str)
@pytest.mark.parametrize("case", TO_THE_BIT, ids=_ids)
def test_each_step_is_torchs_to_the_bit_in_every_float_dtype(case, dtype):
    """Each step from torch's state equals torch's bit for bit, in float16 and bfloat16 too, where torch computes
    each kernel in float32 and rounds once: a step rounded term by term in float16 took Adam steps of 3e-5 95 %
    too long and ones of 1e-5 as none. Both sides run torch's kernels, so this holds on any CPU."""
    name, kw = case
    g = torch.Generator().manual_seed(0)
    start = [(0.02 * torch.randn(40, 25, generator=g)).to(dtype), (0.02 * torch.randn(25, generator=g)).to(dtype)]
    ours, theirs = [p.clone().requires_grad_() for p in start], [p.clone().requires_grad_() for p in start]
    mine, oracle = getattr(D, name)(ours, **kw), getattr(torch.optim, name)(theirs, foreach=False, **kw)
    moved = 0
    for _ in range(6):
        share_torch_state(mine, ours, [(oracle, theirs, None)])
        for p, q in zip(theirs, ours):
            p.grad = (1e-2 * torch.randn(p.shape, generator=g)).to(dtype)
            q.grad = p.grad.clone()
        before = [p.detach().clone() for p in theirs]
        mine.step()
        oracle.step()
        for p, q, p0 in zip(theirs, ours, before):
            torch.testing.assert_close(q.detach(), p.detach(), rtol=0, atol=0, equal_nan=True)
            moved += int((p.detach() != p0).sum())
        for p, q in zip(theirs, ours):
            for key, value in oracle.state[p].items():
                if isinstance(value, torch.Tensor) and value.ndim > 0:
                    torch.testing.assert_close(mine.state[q][key], value, rtol=0, atol=0, equal_nan=True)
    assert moved > 600, "the steps must move a tenth of the entries at least, or the equality proves little"


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_class_equals_torch_optim(case):
    """Whole trajectories, descend's state carried by descend, on a well-conditioned problem (guarded)."""
    name, kw = case
    x, y, init = problem(0, far=True)
    ours = [p.clone().requires_grad_() for p in init]
    a = train(getattr(D, name)(ours, **kw), ours, x, y, STEPS)
    b = torch_trajectory(name, kw, init, x, y)
    assert_well_conditioned(name, kw, init, x, y, b)
    assert max_diff(a, b) <= TOL
    assert (a[-1][0] - init[0]).abs().max() > 1e-3, "the problem must actually move the parameters"


K = 8

# Per-run hyperparameters [K] for the batched cases: every run differs from the others.
LRS = torch.logspace(-3, -1, K)
RUN_CASES = [
    ("SGD", dict(lr=LRS, momentum=torch.linspace(0.0, 0.9, K), weight_decay=torch.linspace(0, 0.1, K))),
    ("SGD", dict(lr=LRS, momentum=torch.linspace(0.1, 0.9, K), nesterov=True)),
    ("SGD", dict(lr=LRS, momentum=torch.linspace(0.0, 0.9, K), dampening=0.5)),  # run 0: no momentum, τ ignored
    ("Adagrad", dict(lr=LRS, lr_decay=torch.linspace(0, 0.1, K), eps=torch.logspace(-10, -4, K))),
    ("Adadelta", dict(lr=LRS * 10, rho=torch.linspace(0.5, 0.95, K))),
    ("RMSprop", dict(lr=LRS / 100, alpha=torch.linspace(0.8, 0.99, K), momentum=torch.linspace(0, 0.9, K),
                     centered=True)),
    ("Adam", dict(lr=LRS, betas=(torch.linspace(0.5, 0.95, K), torch.linspace(0.9, 0.999, K)), amsgrad=True)),
    ("AdamW", dict(lr=LRS, weight_decay=torch.linspace(0, 0.2, K))),
    ("Adamax", dict(lr=LRS, betas=(torch.linspace(0.5, 0.95, K), 0.999))),
    ("NAdam", dict(lr=LRS, momentum_decay=torch.linspace(1e-3, 1e-2, K))),
    ("RAdam", dict(lr=LRS, betas=(0.9, torch.linspace(0.95, 0.999, K)))),
]


def _run_k(kw, k):
    """The k-th run's hyperparameters as plain numbers."""
    def pick(v):
        if isinstance(v, torch.Tensor):
            return v[k].item()
        if isinstance(v, tuple):
            return tuple(pick(u) for u in v)
        return v
    return {key: pick(v) for key, v in kw.items()}


# Whole trajectories need well-conditioned runs. Centered RMSprop divides by √(s − ḡ²): with α = 0.8 and a
# slowly changing gradient that difference decays like αᵗ towards rounding level, and a 4-ulp move of the start
# grows several hundred-fold by step 200. The trajectories keep α ≥ 0.97; each step from a shared state covers
# α = 0.8.
WELL_CONDITIONED = {"RMSprop": dict(alpha=torch.linspace(0.97, 0.99, K))}


@pytest.mark.parametrize("case", RUN_CASES, ids=lambda c: c[0])
def test_run_axis_each_step_equals_torch_optim_from_the_same_state(case):
    """K = 8 runs batched in one optimizer; before every step, run k gets the state of its own torch.optim."""
    name, kw = case
    x, y, init = problem(1, runs=K)
    ours = [p.clone().requires_grad_() for p in init]
    oracles = []
    for k in range(K):
        alone = [p[k].clone().requires_grad_() for p in init]
        oracles.append((getattr(torch.optim, name)(alone, foreach=False, **_run_k(kw, k)), alone, k))
    worst, resolutions = check_each_step(getattr(D, name)(ours, **kw), ours, oracles, x, y)
    assert_steps_agree_and_move(worst, resolutions)


@pytest.mark.parametrize("case", RUN_CASES, ids=lambda c: c[0])
def test_run_axis_equals_each_run_alone(case):
    """K = 8 runs batched in one optimizer: run k equals torch.optim trained with run k's values (guarded)."""
    name, kw = case
    kw = {**kw, **WELL_CONDITIONED.get(name, {})}
    x, y, init = problem(1, runs=K, far=True)
    ours = [p.clone().requires_grad_() for p in init]
    batched = train(getattr(D, name)(ours, **kw), ours, x, y, STEPS)
    for k in range(K):
        alone = [p[k] for p in init]
        trajectory = torch_trajectory(name, _run_k(kw, k), alone, x, y)
        assert_well_conditioned(name, _run_k(kw, k), alone, x, y, trajectory)
        assert max_diff([[p[k] for p in s] for s in batched], trajectory) <= TOL, f"run {k}"
    assert (batched[-1][0] - init[0]).abs().amax(dim=(1, 2)).min() > 1e-3, "every run must move"


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam", "RAdam"])
def test_state_dict_round_trip_mid_run(name):
    """Save after 100 steps, load into a fresh optimizer, continue: identical to never stopping."""
    kw = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    x, y, init = problem(2)
    straight = [p.clone().requires_grad_() for p in init]
    expected = train(getattr(D, name)(straight, **kw), straight, x, y, 200)

    first = [p.clone().requires_grad_() for p in init]
    opt = getattr(D, name)(first, **kw)
    train(opt, first, x, y, 100)
    saved = copy.deepcopy(opt.state_dict())
    resumed = [p.detach().clone().requires_grad_() for p in first]
    opt2 = getattr(D, name)(resumed, **kw)
    opt2.load_state_dict(saved)
    rest = train(opt2, resumed, x, y, 100)
    assert max_diff(rest, expected[100:]) == 0.0


@pytest.mark.parametrize("name, kw", [("Adam", dict(eps_root=1.0)), ("AdamW", dict(eps_root=0.5)),
                                      ("SGD", dict(momentum=0.9, lr_in_buffer=True)),
                                      ("SGD", dict(momentum=0.9, convention="keras")),
                                      ("RMSprop", dict(momentum=0.9, convention="optax")),
                                      ("NAdam", dict(convention="optax")), ("RAdam", dict(convention="optax"))])
def test_a_switch_the_constructor_was_not_given_is_followed_from_a_loaded_state_dict(name, kw):
    """A fresh optimizer built without a switch (eps_root, lr_in_buffer, a convention's forms) loading the state
    dict of one built with it continues as the saved one: the switch showed in the loaded groups and was ignored
    (RMSprop's optax form 0.18 away after 3 steps, SGD's Keras form 2.3). A switch set on a group by hand is still
    read only when the constructor took it (a foreign key to torch's class: the test below)."""
    x, y, init = problem(2)
    straight = [p.clone().requires_grad_() for p in init]
    expected = train(getattr(D, name)(straight, lr=0.01, **kw), straight, x, y, 20)
    first = [p.clone().requires_grad_() for p in init]
    opt = getattr(D, name)(first, lr=0.01, **kw)
    train(opt, first, x, y, 10)
    resumed = [p.detach().clone().requires_grad_() for p in first]
    fresh = getattr(D, name)(resumed, lr=0.01)
    fresh.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert max_diff(train(fresh, resumed, x, y, 10), expected[10:]) == 0.0


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "NAdam", "RAdam"])
def test_state_dict_loads_both_ways_with_torch(name):
    """A torch.optim checkpoint continues in descend, and descend's continues in torch.optim."""
    kw = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    x, y, init = problem(3)
    expected = torch_trajectory(name, kw, init, x, y, steps=100)
    assert_well_conditioned(name, kw, init, x, y, expected, steps=100)

    for first_cls, second_cls in ((getattr(torch.optim, name), getattr(D, name)),
                                  (getattr(D, name), getattr(torch.optim, name))):
        first = [p.clone().requires_grad_() for p in init]
        opt = first_cls(first, **kw)
        train(opt, first, x, y, 50)
        resumed = [p.detach().clone().requires_grad_() for p in first]
        opt2 = second_cls(resumed, **kw)
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        assert max_diff(train(opt2, resumed, x, y, 50), expected[50:]) <= TOL


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
                                  "RAdam"])
def test_a_torch_distributed_checkpoint_of_torch_optim_loads_into_descends_class(name, tmp_path):
    """torch.distributed.checkpoint (FSDP2's, torchtitan's) plans its load from the keys of the state dict it loads
    into: descend's groups carried their own switches at their defaults (convention, eps_mode, fused, ...), and a
    checkpoint saved with torch.optim failed ("Missing key in checkpoint state_dict: optim.param_groups.0.eps_mode").
    A group whose switches are all at their defaults saves torch's keys alone; one with a switch keeps them all."""
    import warnings

    import torch.distributed.checkpoint as dcp
    from torch.distributed.checkpoint.state_dict import get_state_dict, set_state_dict

    torch.manual_seed(0)
    model = torch.nn.Linear(4, 1)
    opt = getattr(torch.optim, name)(model.parameters(), lr=1e-2)
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(8, 4)).pow(2).mean().backward()
        opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (single process: torch.distributed is not initialised)
        model_state, optim_state = get_state_dict(model, opt)
        dcp.save({"model": model_state, "optim": optim_state}, checkpoint_id=str(tmp_path))
        ours_model = torch.nn.Linear(4, 1)
        ours = getattr(D, name)(ours_model.parameters(), lr=1e-2)
        model_state, optim_state = get_state_dict(ours_model, ours)
        target = {"model": model_state, "optim": optim_state}
        dcp.load(target, checkpoint_id=str(tmp_path))
        set_state_dict(ours_model, ours, model_state_dict=target["model"], optim_state_dict=target["optim"])
    assert set(ours.state_dict()["param_groups"][0]) == set(opt.state_dict()["param_groups"][0])
    for p, q in zip(model.parameters(), ours_model.parameters()):
        assert torch.equal(p, q)
        for key, value in opt.state[p].items():
            assert torch.equal(torch.as_tensor(value).double(), torch.as_tensor(ours.state[q][key]).double()), key
    if name == "Adam":  # a switch of its own: every one kept, so that it loads as that form
        inside = D.Adam(torch.nn.Linear(4, 1).parameters(), eps_mode="inside")
        assert inside.state_dict()["param_groups"][0]["eps_mode"] == "inside"
        assert inside.state_dict()["param_groups"][0]["convention"] == "torch"


def test_drop_in_with_nn_module_and_lr_scheduler():
    """A plain PyTorch loop: nn.Module parameters, a torch LR scheduler, closures (losses within 1e-12)."""
    torch.manual_seed(0)
    model_a = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    model_b = copy.deepcopy(model_a)
    model_c = copy.deepcopy(model_a)  # the guard: torch's loop again from a start moved by 4 ulps
    with torch.no_grad():
        for i, p in enumerate(model_c.parameters()):
            p.copy_(moved_by_ulps(p, seed=i))
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    runs = []
    for model, cls in ((model_a, D.SGD), (model_b, torch.optim.SGD), (model_c, torch.optim.SGD)):
        opt = cls(model.parameters(), lr=0.1, momentum=0.9)
        sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
        losses = []
        for _ in range(50):
            def closure():
                opt.zero_grad()
                loss = torch.nn.functional.mse_loss(model(x), y)
                loss.backward()
                return loss
            losses.append(opt.step(closure).item())
            sched.step()
        runs.append(losses)
    assert runs[2] == pytest.approx(runs[1], abs=1e-14), "well-conditioned: 100 times below the tolerance"
    assert runs[0] == pytest.approx(runs[1], abs=1e-12)
    assert runs[0][-1] < runs[0][0]


def test_param_groups_and_params_without_grad():
    """Per-group hyperparameters; a parameter without a gradient is skipped (its state untouched)."""
    x, y, init = problem(4)

    def train_groups(cls, params, **kw):
        opt = cls([{"params": [params[0]], "lr": 0.01}, {"params": [params[1]]}], lr=0.1, **kw)
        trajectory = []
        for step in range(30):
            opt.zero_grad()
            loss_fn(x, y, *params).backward()
            if step % 3 == 0:
                params[1].grad = None  # b gets no gradient on these steps
            opt.step()
            trajectory.append([p.detach().clone() for p in params])
        return trajectory

    ours = train_groups(D.Adam, [p.clone().requires_grad_() for p in init])
    theirs = train_groups(torch.optim.Adam, [p.clone().requires_grad_() for p in init], foreach=False)
    moved = train_groups(torch.optim.Adam, [moved_by_ulps(p).requires_grad_() for p in init], foreach=False)
    assert max_diff(moved, theirs) <= GUARD, "well-conditioned"
    assert max_diff(ours, theirs) <= TOL


def test_every_fused_optimizer_shares_one_compiled_function():
    """A torch.compile per fused optimizer kept one more wrapper in torch's cache of backends for good: a process
    making optimizers in a loop grew without end."""
    from descend.optim import classes

    try:
        from torch._dynamo.eval_frame import cached_backends
    except ImportError:  # pragma: no cover - another torch
        cached_backends = {}
    made, backends = [], []
    for cls in (D.Adam, D.SGD, D.Adam):
        p = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
        opt = cls([p], lr=0.1, fused=True)
        p.grad = torch.ones(3, dtype=torch.float64)
        opt.step()
        made.append(opt._compiled)
        backends.append(len(cached_backends))
    assert made[0] is made[1] is made[2] is classes._FUSED[0]
    assert backends[0] == backends[1] == backends[2]


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_fused_compiled_rule_equals_eager(name):
    """fused=True compiles the same rule; it must give the same numbers as eager mode.

    Each step from a shared state (the eager optimizer's parameters and state written into the compiled one's
    tensors): ≤ 1e-12 relative. Whole trajectories of 30 steps: within 1e-12, on parameters of size ~1 (1e-12
    is then thousands of ulps) whose trajectories are well-conditioned: a 4-ulp move of the eager start stays
    within 1e-14.
    """
    kw = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01, amsgrad=True)
    x, y, init = problem(5, runs=3)
    init = [p / 10 for p in init]
    kw_runs = dict(kw, lr=torch.tensor([1e-3, 1e-2, 1e-1]))
    out = []
    for fused, ulps in ((False, 0), (True, 0), (False, 4)):
        params = [(moved_by_ulps(p, ulps) if ulps else p.clone()).requires_grad_() for p in init]
        opt = getattr(D, name)(params, fused=fused, **kw_runs)
        out.append(train(opt, params, x, y, 30))
        if fused:
            eager = [p.clone().requires_grad_() for p in init]
            worst, resolutions = check_each_step(opt, params, [(getattr(D, name)(eager, **kw_runs), eager, None)], x, y,
                                                 steps=30)
            assert_steps_agree_and_move(worst, resolutions)
    eager, compiled, moved = out
    assert max_diff(moved, eager) <= 1e-14, "well-conditioned: 100 times below the tolerance"
    assert max_diff(compiled, eager) <= 1e-12


def test_a_rate_per_run_under_a_scheduler_of_one_number_is_refused_before_a_step():
    """OneCycleLR computes the rate from its own max_lr and fill_ed a [K] rate with it: every run then trained at
    the same rate, silently. A number rate under it, and a [K] rate scaled by StepLR (which torch refuses itself),
    are as before."""
    w = torch.nn.Parameter(torch.zeros(3, 2))
    opt = D.SGD([w], lr=torch.tensor([1e-3, 1e-2, 1e-1]))
    torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
    w.grad = torch.ones(3, 2)
    with pytest.raises(ValueError, match=r"param group 0's lr holds one value per run \(\[3\]\), and a torch "
                                         r"scheduler that computes the rate from one number"):
        opt.step()
    assert torch.equal(w.detach(), torch.zeros(3, 2))
    for cls in (D.SGD, torch.optim.SGD):  # a number rate: torch's schedule, step for step
        v = torch.nn.Parameter(torch.zeros(3, 2))
        opt = cls([v], lr=0.1)
        schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=10)
        for _ in range(3):
            v.grad = torch.ones(3, 2)
            opt.step()
            schedule.step()
        if cls is D.SGD:
            ours = v.detach().clone()
    assert torch.equal(ours, v.detach())
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        torch.optim.lr_scheduler.StepLR(D.SGD([w], lr=torch.tensor([1e-3, 1e-2, 1e-1])), step_size=2).step()


def test_keys_of_ones_own_in_a_param_group_are_kept_as_torch_keeps_them():
    """torch.optim keeps any key in a param group (a name, a scheduler's initial_lr): so does descend, in the
    constructor and in add_param_group, and the numbers are torch's."""
    x, y, init = problem(5)
    trajectories, groups = [], []
    for cls in (D.AdamW, torch.optim.AdamW):
        params = [p.clone().requires_grad_() for p in init]
        opt = cls([{"params": [params[0]], "name": "weight"}], lr=0.01)
        torch.optim.lr_scheduler.StepLR(opt, step_size=5)  # sets initial_lr in every group
        opt.add_param_group({"params": [params[1]], "name": "bias", "weight_decay": 0.0, "initial_lr": 0.01})
        trajectories.append(train(opt, params, x, y, 20))
        groups.append([{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups])
    assert [g["name"] for g in groups[0]] == ["weight", "bias"]
    assert [g["initial_lr"] for g in groups[0]] == [0.01, 0.01]
    assert all(g["decoupled_weight_decay"] is True for g in groups[0])  # torch's AdamW groups say so
    assert set(groups[1][0]) <= set(groups[0][0])  # every key torch's groups have
    assert max_diff(trajectories[0], trajectories[1]) <= TOL


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adagrad", "Adadelta"])
def test_a_betas_key_in_a_group_is_ignored_by_an_optimizer_without_betas_as_torch_ignores_it(name):
    """A group dict shared with Adam code carries betas: torch's SGD keeps it and steps without it; descend's read it
    as β₁ and β₂ and refused the group ("unknown hyperparameter for sgd 'beta1'")."""
    x, y, init = problem(6)
    trajectories, groups = [], []
    for cls in (getattr(D, name), getattr(torch.optim, name)):
        params = [p.clone().requires_grad_() for p in init]
        opt = cls([{"params": [params[0]], "betas": (0.9, 0.99)}], lr=0.01)
        opt.add_param_group({"params": [params[1]], "betas": (0.5, 0.9)})
        trajectories.append(train(opt, params, x, y, 10))
        groups.append([g["betas"] for g in opt.param_groups])
    assert groups[0] == groups[1] == [(0.9, 0.99), (0.5, 0.9)]
    assert max_diff(trajectories[0], trajectories[1]) <= TOL


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "NAdam"])
def test_state_tensors_are_updated_in_place_as_torch_updates_them(name):
    """A reference to an optimizer's state tensor (a moment, a buffer) sees every later step's values, as with
    torch.optim. (The step count is shared by the parameters that step together, a new tensor at each step.)"""
    kw = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    x, y, init = problem(6)
    for cls in (getattr(D, name), getattr(torch.optim, name)):
        params = [p.clone().requires_grad_() for p in init]
        opt = cls(params, **kw)
        train(opt, params, x, y, 1)
        held = {key: value for key, value in opt.state[params[0]].items()
                if isinstance(value, torch.Tensor) and value.ndim}
        assert held
        before = {key: value.clone() for key, value in held.items()}
        train(opt, params, x, y, 1)
        for key, value in held.items():
            assert value is opt.state[params[0]][key], f"{cls.__module__}: {key} replaced"
            assert not torch.equal(value, before[key]), f"{cls.__module__}: {key} not updated"


def test_nadam_resumed_from_a_torch_checkpoint_equals_torch_resumed():
    """torch's loading casts NAdam's μ product to the parameters' dtype and torch keeps it there: so does
    descend (it used to cast it back to float32, 4e-8 off torch's product)."""
    x, y, init = problem(7)
    first = [p.clone().requires_grad_() for p in init]
    opt = torch.optim.NAdam(first, lr=0.01)
    train(opt, first, x, y, 3)
    saved = copy.deepcopy(opt.state_dict())
    resumed = []
    for cls in (D.NAdam, torch.optim.NAdam):
        params = [p.detach().clone().requires_grad_() for p in first]
        again = cls(params, lr=0.01)
        again.load_state_dict(copy.deepcopy(saved))
        resumed.append((train(again, params, x, y, 20), again.state[params[0]]["mu_product"]))
    (ours, ours_mu), (theirs, theirs_mu) = resumed
    assert ours_mu.dtype == theirs_mu.dtype == torch.float64
    assert abs(ours_mu.item() - theirs_mu.item()) <= 1e-15
    assert max_diff(ours, theirs) <= TOL


def test_sparse_gradients_with_weight_decay_are_refused_as_torch_refuses_them():
    for cls in (D.SGD, torch.optim.SGD):
        embedding = torch.nn.Embedding(4, 2, sparse=True)
        opt = cls(embedding.parameters(), lr=0.1, weight_decay=0.1)
        embedding(torch.tensor([0])).sum().backward()
        with pytest.raises(RuntimeError, match="sparse"):
            opt.step()


def test_an_unknown_keyword_argument_is_a_type_error_as_in_torch():
    params = [torch.zeros(2, requires_grad=True)]
    with pytest.raises(TypeError, match="unexpected keyword argument 'lrr'"):
        torch.optim.Adam(params, lrr=0.1)
    with pytest.raises(TypeError, match=r"unknown argument for Adam 'lrr'; did you mean 'lr'") as error:
        D.Adam(params, lrr=0.1)
    allowed = str(error.value).split("allowed: ")[1]
    assert "betas" in allowed and "beta1" not in allowed  # the class takes betas=, as torch's (beta1= is refused)
    with pytest.raises(TypeError, match="decoupled_weight_decay"):  # AdamW's is not a choice, in torch neither
        D.AdamW(params, decoupled_weight_decay=False)
    with pytest.raises(TypeError, match=r"Adam takes betas=\(β₁, β₂\) as torch.optim does, not beta1"):  # was a
        D.Adam(params, beta1=0.8)  # ValueError: code catching torch's TypeError missed it


def test_adamw_loading_adams_state_dict_keeps_its_groups_decoupled_as_torch():
    """torch's AdamW.__setstate__ sets decoupled_weight_decay=True in every group it loads; descend's kept the
    saved False (stepping as AdamW all the same), and its state_dict then made torch's Adam step as Adam."""
    p = torch.nn.Parameter(torch.randn(4, dtype=torch.float64))
    adam = torch.optim.Adam([p], lr=0.1, weight_decay=0.5)
    p.grad = torch.randn(4, dtype=torch.float64)
    adam.step()
    for lib in (torch.optim, D):
        q = torch.nn.Parameter(p.detach().clone())
        opt = lib.AdamW([q], lr=0.1, weight_decay=0.5)
        opt.load_state_dict(adam.state_dict())
        assert opt.param_groups[0]["decoupled_weight_decay"] is True, lib.__name__
        assert opt.state_dict()["param_groups"][0]["decoupled_weight_decay"] is True


@pytest.mark.parametrize("name, kw, group", [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), {"momentum": 0.0}),  # a group without momentum: plain SGD
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True), {"dampening": 0.1}),  # d = g + μ·b, b dampened
    ("Adam", dict(lr=0.01), {"betas": (torch.tensor(0.8, dtype=torch.float64), 0.99)}),
])
def test_a_group_need_not_meet_the_constructors_conditions_as_in_torch(name, kw, group):
    """torch checks Nesterov's conditions and betas of one kind on the constructor's arguments only: a group's own
    values are trained, and descend's numbers are torch's."""
    x, y, init = problem(6)
    trajectories = []
    for cls, ulps in ((getattr(D, name), 0), (getattr(torch.optim, name), 0), (getattr(torch.optim, name), 4)):
        params = [moved_by_ulps(p, ulps).requires_grad_() if ulps else p.clone().requires_grad_() for p in init]
        opt = cls([{"params": [params[0]]}, {"params": [params[1]], **group}], **kw)
        trajectories.append(train(opt, params, x, y, 30))
    ours, theirs, moved = trajectories
    assert max_diff(moved, theirs) <= GUARD, "well-conditioned"
    assert max_diff(ours, theirs) <= TOL
    for cls in (D.SGD, torch.optim.SGD):  # the constructor's own arguments are checked, as torch checks them
        with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
            cls([{"params": [init[0].clone()], "momentum": 0.9}], lr=0.1, nesterov=True)


def test_a_descend_switch_in_a_group_is_read_only_when_the_constructor_took_it():
    """A group dict shared with SGD code (``"nesterov": True``) means nothing to torch's RMSprop: nor to descend's,
    unless descend's own switch was given to the constructor."""
    x, y, init = problem(7)
    trajectories = []
    for cls, extra in ((D.RMSprop, {}), (torch.optim.RMSprop, {}), (D.RMSprop, {"nesterov": False})):
        params = [p.clone().requires_grad_() for p in init]
        opt = cls([{"params": params, "momentum": 0.9, "nesterov": True}], lr=0.01, **extra)
        trajectories.append(train(opt, params, x, y, 10))
    ours, theirs, switched = trajectories
    assert max_diff(ours, theirs) <= TOL
    assert max_diff(switched, theirs) > 1e-3  # given to the constructor, the group's switch is read


def test_adamw_refuses_a_group_that_would_follow_adams_rule():
    params = [torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)]
    opt = D.AdamW([{"params": [params[0]]}], lr=0.1)
    with pytest.raises(ValueError, match="param group 1: AdamW's param groups keep decoupled_weight_decay=True"):
        opt.add_param_group({"params": [params[1]], "decoupled_weight_decay": False})
    assert len(opt.param_groups) == 1


def test_a_refused_group_is_not_kept_and_names_itself():
    """A group refused by add_param_group leaves the optimizer as it was (the corrected group can be added), and
    the message names the group and what was wrong."""
    w, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    opt = D.Adam([w], lr=0.1)
    with pytest.raises(TypeError, match=r"param group 1: betas must be a pair \(β₁, β₂\), not 0.9"):
        opt.add_param_group({"params": [b], "betas": 0.9})
    with pytest.raises(ValueError, match=r"param group 1: lr=-0.1 is out of range"):
        opt.add_param_group({"params": [b], "lr": -0.1})
    assert len(opt.param_groups) == 1
    opt.add_param_group({"params": [b], "betas": (0.8, 0.9)})
    assert opt.param_groups[1]["betas"] == (0.8, 0.9)
    with pytest.raises(ValueError, match=r"^Invalid learning rate|^lr=-1"):  # the constructor's: no group named
        D.Adam([w], lr=-1.0)


@pytest.mark.parametrize("name", ["SGD", "Adagrad"])
def test_fused_with_a_sparse_gradient_is_refused_as_torch_refuses_it(name):
    for cls in (getattr(D, name), getattr(torch.optim, name)):
        embedding = torch.nn.Embedding(4, 2, sparse=True)
        before = embedding.weight.detach().clone()
        opt = cls(embedding.parameters(), lr=0.1, fused=True)
        embedding(torch.tensor([0])).sum().backward()
        with pytest.raises(RuntimeError, match="does not support sparse"):
            opt.step()
        assert torch.equal(embedding.weight.detach(), before)


def test_adamw_refuses_a_group_changed_to_adams_rule_after_it_was_added():
    """A group set to decoupled_weight_decay=False after construction (torch's AdamW then steps it as Adam) was
    neither refused nor followed: descend went on stepping it as AdamW."""
    p = torch.nn.Parameter(torch.ones(3))
    opt = D.AdamW([p], lr=0.1, weight_decay=0.5)
    opt.param_groups[0]["decoupled_weight_decay"] = False
    p.grad = torch.ones(3)
    with pytest.raises(ValueError, match="AdamW's param groups keep decoupled_weight_decay=True; with "
                                         "decoupled_weight_decay=False"):
        opt.step()
    assert torch.equal(p.detach(), torch.ones(3))


@pytest.mark.parametrize("kw", [dict(momentum_decay=torch.tensor(4e-3, dtype=torch.float64)),
                                dict(betas=(torch.tensor(0.9, dtype=torch.float64),
                                            torch.tensor(0.999, dtype=torch.float64)))])
def test_nadam_with_float64_tensor_hyperparameters_keeps_torchs_momentum_product(kw):
    """torch multiplies its float32 Πₜ by a float64 tensor μ in float64 and rounds once; descend rounded μ to
    float32 first, as for a number: 7e-9 off in Πₜ, 2e-9 relative in the parameters."""
    torch.set_default_dtype(torch.float32)  # torch's Πₜ in float32, as a user's default (the fixture restores it)
    torch.manual_seed(0)
    init = torch.randn(5, dtype=torch.float64)
    ours, theirs = torch.nn.Parameter(init.clone()), torch.nn.Parameter(init.clone())
    a, b = D.NAdam([ours], lr=0.1, **kw), torch.optim.NAdam([theirs], lr=0.1, **kw)
    for _ in range(20):
        grad = torch.randn(5, dtype=torch.float64)
        ours.grad, theirs.grad = grad.clone(), grad.clone()
        a.step()
        b.step()
    assert a.state[ours]["mu_product"].item() == b.state[theirs]["mu_product"].item()
    torch.testing.assert_close(ours.detach(), theirs.detach(), rtol=1e-12, atol=1e-15)


def test_a_scheduler_cycling_momentum_does_not_grow_the_optimizer():
    """CyclicLR and OneCycleLR set a new momentum at every step: SGD and RMSprop remembered the state fields of
    each value, one entry per step for ever (250 MB per million steps)."""
    p = torch.nn.Parameter(torch.ones(3))
    opt = D.SGD([p], lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.CyclicLR(opt, base_lr=0.01, max_lr=0.1, step_size_up=7)
    for _ in range(200):
        p.grad = torch.ones(3)
        opt.step()
        scheduler.step()
    assert len(opt.__dict__.get("_needed_for", {})) <= 16


@pytest.mark.parametrize("name, kw", [("Adam", {}), ("AdamW", {}), ("Adamax", {}), ("Adagrad", {"lr_decay": 0.1})])
@pytest.mark.parametrize("lr", [0.1, 3.0])
def test_a_number_lr_over_the_bias_correction_is_torchs_one_division(name, kw, lr):
    """α/(1 − β₁ᵗ) for a number α was torch's `number / tensor`, the tensor's reciprocal times α (two roundings),
    where torch.optim divides Python numbers once: at lr 3 a float64 Adam step differed from torch.optim's in 43 %
    of the entries at t = 3 (and Adagrad summed s + g² in two roundings, where torch's addcmul_ rounds once: 15 % of
    the entries). Each step from torch's own state: bit for bit."""
    g = torch.Generator().manual_seed(1)
    start = torch.randn(5, 7, generator=g, dtype=torch.float64)
    theirs = start.clone().requires_grad_()
    ours = start.clone().requires_grad_()
    torch_opt = getattr(torch.optim, name)([theirs], lr=lr, foreach=False, **kw)
    our_opt = getattr(D, name)([ours], lr=lr, **kw)
    for _ in range(4):
        grad = torch.randn(5, 7, generator=g, dtype=torch.float64)
        theirs.grad, ours.grad = grad.clone(), grad.clone()
        torch_opt.step()
        our_opt.step()
        assert torch.equal(ours.detach(), theirs.detach())
        with torch.no_grad():
            ours.copy_(theirs)  # the next step from torch's parameters


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "Adamax", "Adagrad", "Adadelta", "RMSprop", "NAdam",
                                  "RAdam"])
def test_parameters_on_the_meta_device_step_as_torchs_do(name):
    """A model built on the meta device (no memory, as for deferred initialisation): torch.optim steps it, its
    step counts on the CPU; every class but SGD failed ("Cannot copy out of meta tensor; no data!")."""
    states = []
    for cls in (getattr(D, name), getattr(torch.optim, name)):
        p = torch.nn.Parameter(torch.zeros(3, device="meta"))
        opt = cls([p], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
        for _ in range(2):
            p.grad = torch.ones(3, device="meta")
            opt.step()
        states.append({k: v.device.type for k, v in opt.state[p].items() if isinstance(v, torch.Tensor)})
        assert p.device.type == "meta"
    assert states[0] == states[1]


@pytest.mark.parametrize("name, kw", [("SGD", dict(lr=1e-3, momentum=0.9)), ("RMSprop", dict(lr=0.01)),
                                      ("Adagrad", dict(lr=0.1))])
def test_a_state_keeps_its_dtype_when_the_model_is_cast_as_torchs_does(name, kw):
    """torch's in-place steps keep a float32 state after ``model.double()``; so do descend's, in the same tensor
    (a reference held to it sees each step), the parameters within the state's round-off of torch's."""
    runs = {}
    for lib in (torch.optim, D):
        torch.manual_seed(0)
        model = torch.nn.Linear(20, 3).float()
        opt = getattr(lib, name)(model.parameters(), **kw)
        model(torch.ones(4, 20, dtype=torch.float32)).square().sum().backward()
        opt.step()
        model.double()
        key = next(k for k in opt.state[model.weight] if k != "step")
        held = opt.state[model.weight][key]
        before = held.clone()
        for _ in range(3):
            opt.zero_grad()
            model(torch.linspace(-1, 1, 80, dtype=torch.float64).reshape(4, 20)).square().sum().backward()
            opt.step()
        assert held is opt.state[model.weight][key] and held.dtype == torch.float32
        assert not torch.equal(held, before), "a reference held to the state sees the steps"
        runs[lib] = model.weight.detach().clone()
    step = (runs[torch.optim] - runs[D]).abs().max().item()
    assert step < 1e-6 * runs[torch.optim].abs().max().item()


@pytest.mark.skipif(not hasattr(torch.nn.Parameter(torch.zeros(1)), "grad_dtype"), reason="torch before 2.13")
def test_a_gradient_of_another_dtype_than_its_parameter_is_refused():
    """torch 2.13 lets ``p.grad_dtype = None`` give a bfloat16 gradient to a float32 parameter; torch's SGD then keeps
    a bfloat16 momentum buffer, descend's would keep float32: refused, naming both dtypes and the cast."""
    p = torch.nn.Parameter(torch.ones(5, dtype=torch.float32))
    p.grad_dtype = None
    p.grad = torch.ones(5, dtype=torch.bfloat16)
    with pytest.raises(RuntimeError, match=r"float32 parameter has a bfloat16 gradient.*p\.grad\.to\(p\.dtype\)"):
        D.SGD([p], lr=0.1, momentum=0.9).step()
    assert torch.equal(p.detach(), torch.ones(5, dtype=torch.float32))
