"""Every torch-compatible class against torch.optim, step by step in float64 (the oracle).

Each case trains the same random least-squares problem for 200 steps with descend's class and with
torch.optim's for-loop implementation and requires the parameters to agree to 1e-10 at every step.
"""

from __future__ import annotations

import copy

import pytest
import torch

import descend.optim as D

STEPS = 200
TOL = 1e-10

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


def problem(seed: int, runs: int | None = None):
    """A random least-squares problem J(W, b) = mean((XW + b − Y)²); params with an optional run axis."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(32, 5, generator=g)
    y = torch.randn(32, 3, generator=g)
    lead = () if runs is None else (runs,)
    params = [10 * torch.randn(*lead, 5, 3, generator=g), 10 * torch.randn(*lead, 3, generator=g)]
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


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_class_equals_torch_optim(case):
    name, kw = case
    x, y, init = problem(0)
    ours = [p.clone().requires_grad_() for p in init]
    theirs = [p.clone().requires_grad_() for p in init]
    a = train(getattr(D, name)(ours, **kw), ours, x, y, STEPS)
    b = train(getattr(torch.optim, name)(theirs, foreach=False, **kw), theirs, x, y, STEPS)
    assert max_diff(a, b) <= TOL
    assert (a[-1][0] - init[0]).abs().max() > 1e-3, "the problem must actually move the parameters"


K = 8

# Per-run hyperparameters [K] for the batched cases: every run differs from the others.
LRS = torch.logspace(-3, -1, K)
RUN_CASES = [
    ("SGD", dict(lr=LRS, momentum=torch.linspace(0.0, 0.9, K), weight_decay=torch.linspace(0, 0.1, K))),
    ("SGD", dict(lr=LRS, momentum=torch.linspace(0.1, 0.9, K), nesterov=True)),
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


@pytest.mark.parametrize("case", RUN_CASES, ids=lambda c: c[0])
def test_run_axis_equals_each_run_alone(case):
    """K = 8 runs batched in one optimizer: run k equals torch.optim trained with run k's values."""
    name, kw = case
    x, y, init = problem(1, runs=K)
    ours = [p.clone().requires_grad_() for p in init]
    batched = train(getattr(D, name)(ours, **kw), ours, x, y, STEPS)
    for k in range(K):
        alone = [p[k].clone().requires_grad_() for p in init]
        trajectory = train(getattr(torch.optim, name)(alone, foreach=False, **_run_k(kw, k)), alone, x, y, STEPS)
        assert max_diff([[p[k] for p in s] for s in batched], trajectory) <= TOL, f"run {k}"


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


@pytest.mark.parametrize("name", ["SGD", "Adagrad", "RMSprop", "Adam", "NAdam", "RAdam"])
def test_state_dict_loads_both_ways_with_torch(name):
    """A torch.optim checkpoint continues in descend, and descend's continues in torch.optim."""
    kw = dict(momentum=0.9) if name in ("SGD", "RMSprop") else {}
    x, y, init = problem(3)
    ref = [p.clone().requires_grad_() for p in init]
    expected = train(getattr(torch.optim, name)(ref, foreach=False, **kw), ref, x, y, 100)

    for first_cls, second_cls in ((getattr(torch.optim, name), getattr(D, name)),
                                  (getattr(D, name), getattr(torch.optim, name))):
        first = [p.clone().requires_grad_() for p in init]
        opt = first_cls(first, **kw)
        train(opt, first, x, y, 50)
        resumed = [p.detach().clone().requires_grad_() for p in first]
        opt2 = second_cls(resumed, **kw)
        opt2.load_state_dict(copy.deepcopy(opt.state_dict()))
        assert max_diff(train(opt2, resumed, x, y, 50), expected[50:]) <= TOL


def test_drop_in_with_nn_module_and_lr_scheduler():
    """A plain PyTorch loop: nn.Module parameters, a torch LR scheduler, closures."""
    torch.manual_seed(0)
    model_a = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    model_b = copy.deepcopy(model_a)
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    runs = []
    for model, cls in ((model_a, D.SGD), (model_b, torch.optim.SGD)):
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
    assert runs[0] == pytest.approx(runs[1], abs=1e-12)
    assert runs[0][-1] < runs[0][0]


def test_param_groups_and_params_without_grad():
    """Per-group hyperparameters; a parameter without a gradient is skipped (its state untouched)."""
    x, y, init = problem(4)
    ours = [p.clone().requires_grad_() for p in init]
    theirs = [p.clone().requires_grad_() for p in init]
    opt_a = D.Adam([{"params": [ours[0]], "lr": 0.01}, {"params": [ours[1]]}], lr=0.1)
    opt_b = torch.optim.Adam([{"params": [theirs[0]], "lr": 0.01}, {"params": [theirs[1]]}], lr=0.1, foreach=False)
    for step in range(30):
        for params, opt in ((ours, opt_a), (theirs, opt_b)):
            opt.zero_grad()
            loss_fn(x, y, *params).backward()
            if step % 3 == 0:
                params[1].grad = None  # b gets no gradient on these steps
            opt.step()
    assert max(((a - b).abs().max().item() for a, b in zip(ours, theirs))) <= TOL


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_fused_compiled_rule_equals_eager(name):
    """fused=True compiles the same rule; it must give the same numbers as eager mode."""
    kw = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01, amsgrad=True)
    x, y, init = problem(5, runs=3)
    kw_runs = dict(kw, lr=torch.tensor([1e-3, 1e-2, 1e-1]))
    out = []
    for fused in (False, True):
        params = [p.clone().requires_grad_() for p in init]
        out.append(train(getattr(D, name)(params, fused=fused, **kw_runs), params, x, y, 30))
    assert max_diff(*out) <= 1e-12
