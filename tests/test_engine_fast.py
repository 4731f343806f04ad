"""The engine's fast path for small problems gives the plain step's numbers.

Two kinds of shortcut, two kinds of check:

- **the eager shortcuts** (the model without its per-call checks after a cohort's first step, a full batch in its
  order taken as the data itself, the ellipse's mask computed with its values, scalar parameters as one
  ``unbind``, their gradient norms in one operation, the host's knowledge of a healthy, bounded cohort, the
  steps to the target read after training) change no floating-point operation: whole trainings equal the
  plain step's (the shortcuts undone, the reference code below) **bit for bit**, in float32 and float64;
- **the hand-derived gradient** (:func:`descend.engine.hand_gradient`), taken in training only where it is
  autograd's own operations: the MSE of the ellipse and of the line fit with its gradient written out as
  autograd's backward pass, and a landscape that declares it so (``exact_grad``). There it gives autograd's
  bits: the whole trainings above are compared with autograd's (the plain step takes no hand gradient), and
  each landscape's gradient at points;
  any hand gradient is autograd's to round-off, compared **each step from a shared state** (the autograd
  path's), never along two trajectories that round-off would separate.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

import descend
from descend import _compile, engine, landscapes, models, tasks
from descend.data import hybrid
from descend.landscapes import LANDSCAPES
from descend.models import MLP, Parametric
from descend.optim import get as get_optimizer
from descend.problem import make_objective
from descend.problem import problem as make_problem

# -- the plain step: the shortcuts undone -----------------------------------------------------------------------


def _plain_unflatten(w, sizes, shapes):
    return tuple(part.view(w.shape[0], *shape) for part, shape in zip(torch.split(w, sizes, dim=1), shapes))


def _plain_norms(grad, sizes, shapes):
    return torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in _plain_unflatten(grad, sizes, shapes)], dim=1)


@pytest.fixture
def plain(monkeypatch):
    """Within the block, the engine's eager step without its shortcuts (as before they were made)."""

    def undo():
        step = engine._step
        monkeypatch.setattr(engine, "_unchecked", lambda model: model)
        monkeypatch.setattr(engine._InOrder, "__call__", lambda self, index: False)
        monkeypatch.setattr(engine, "_unflatten", _plain_unflatten)
        monkeypatch.setattr(engine, "_grad_norms", _plain_norms)
        monkeypatch.setattr(engine, "hand_gradient", lambda problem: None)  # autograd for every model
        monkeypatch.setattr(engine, "_step", lambda *a, known=None, **kw: step(*a, known=engine._UNKNOWN, **kw))

    return undo


def _records(runs):
    """Everything a training recorded, as tensors and text (NaN compared as equal by torch.equal on bits)."""
    out = {"summary": runs.summary.drop(columns=["seconds"]).to_csv(), "curves": runs.curves.to_csv()}
    for i, p in runs.params.items():
        for name, value in p.items():
            out[f"params {i} {name}"] = value
    for i, path in runs.paths.items():
        out[f"path {i}"] = torch.as_tensor(path)
    for r, result in enumerate(runs.results):
        out[f"train_loss {r}"] = result.train_loss
        if result.grad_norms is not None:
            out[f"grad_norms {r}"] = result.grad_norms
        for key, values in result.evals.items():
            out[f"evals {r} {key}"] = values
    return out


def _assert_bitwise(a, b):
    assert a.keys() == b.keys()
    for key in a:
        if isinstance(a[key], str):
            assert a[key] == b[key], key
        else:
            u, v = a[key], b[key]
            same = (u == v) | (torch.isnan(u) & torch.isnan(v))
            assert u.dtype == v.dtype and u.shape == v.shape and bool(same.all()), key


def _prune_first_at(step):
    def monitor(event):
        if event.step == step:
            event.prune([event.runs[0].index])
    return monitor


ELLIPSE = tasks.get("ellipse")
LINE = tasks.get("line")
X = torch.randn(48, 3, generator=torch.Generator().manual_seed(0))
Y = torch.sin(X.sum(dim=1, keepdim=True))
LABELS = torch.arange(48) % 10  # 10 classes, each sample's at random
LABELS = LABELS[torch.randperm(48, generator=torch.Generator().manual_seed(1))]


def _user_surface(x, y):  # through vmap: no broadcasting mark
    return (x - 1) ** 2 + 3 * torch.sin(y) ** 2


TRAININGS = {
    # a masked model: full batch (the data in order), mini-batches per seed, the hybrid regime; steps with no
    # valid sample, runs leaving the domain (the large learning rates) and diverging
    "ellipse": lambda dtype: ELLIPSE.fit(optimizer=["sgd", "adam"], lr=[0.05, 5.0], steps=40, seed=[0, 1],
                                         batch_size=[None, 8, hybrid(first=8, epochs=1, then=None)], eval_every=5,
                                         dtype=dtype, compile=False),
    "ellipse left domain": lambda dtype: ELLIPSE.fit(optimizer="momentum", lr=0.05, steps=30, seed=[0, 1],
                                                     start=[(0.1, 1.8), (1e-6, 1.0)], batch_size=[None, 8],
                                                     eval_every=5, dtype=dtype, compile=False),
    # a broadcasting model on a full batch, with a target and with stopping there
    "line target": lambda dtype: LINE.fit(optimizer=["gd", "rmsprop"], lr=[0.01, 0.3], steps=60, target=2.0,
                                          dtype=dtype, compile=False),
    "line stop at target": lambda dtype: LINE.fit(optimizer="momentum", lr=[0.01, 0.1], steps=60, target=1.0,
                                                  stop_at_target=True, dtype=dtype, compile=False),
    # the line fit's mini-batches per seed and a diverging run (its hand-written MSE gradient, as autograd's)
    "line mini-batch": lambda dtype: LINE.fit(optimizer=["sgd", "adam"], lr=[0.01, 3.0], steps=40, seed=[0, 1],
                                              batch_size=[8, hybrid(first=8, epochs=1, then=None)], eval_every=5,
                                              dtype=dtype, compile=False),
    # an MLP with a batch per run, clipping, a schedule, and a run pruned by a monitor
    "mlp": lambda dtype: descend.fit(model=MLP((3, 8, 1)), data=(X, Y), optimizer="adam", lr=[1e-2, 0.5],
                                     batch_size=16, seed=[0, 1], steps=40, clip_norm=1.0, eval_every=4,
                                     schedules={"lr": lambda t: 0.98 ** t}, monitor=_prune_first_at(8), dtype=dtype,
                                     compile=False),
    # an MLP on the full batch with a plan per seed (every row the data in order), a diverging run and a pruned one
    "mlp full batch": lambda dtype: descend.fit(model=MLP((3, 8, 1)), data=(X, Y), optimizer=["sgd", "adam"],
                                                lr=[1e-2, 60.0], seed=[0, 1], steps=30, eval_every=5,
                                                monitor=_prune_first_at(10), dtype=dtype, compile=False),
    # dense models' written-out backward pass (descend.models.dense._DenseBackward) from the loss's
    # (descend.losses.cost_and_grad): each hidden activation, the narrow layer's transposed product (10 classes over
    # batches of 32 per run), the full batch's labels shared by every run, several outputs, no bias
    "mlp classifier": lambda dtype: descend.fit(model=MLP((3, 8, 6, 10), hidden="relu", output="softmax"),
                                                data=(X, LABELS), optimizer=["sgd", "adam"], lr=[0.05, 40.0],
                                                batch_size=32, seed=[0, 1], steps=30, eval_every=5, dtype=dtype,
                                                compile=False),
    "mlp classifier full batch": lambda dtype: descend.fit(model=MLP((3, 8, 10), hidden="sigmoid", output="softmax"),
                                                           data=(X, LABELS), optimizer="momentum", lr=[0.1, 1.0],
                                                           seed=[0, 1], steps=30, eval_every=5, dtype=dtype,
                                                           compile=False),
    "linear two outputs": lambda dtype: descend.fit(model=models.Linear(3, 2, bias=False),
                                                    data=(X, torch.cat([Y, -2 * Y], dim=1)), optimizer="rmsprop",
                                                    lr=[0.01, 0.1], batch_size=12, seed=[0, 1], steps=30,
                                                    eval_every=5, dtype=dtype, compile=False),
    # three outputs: the MSE's mean over the features divides by 3, which no power of two's reciprocal stands for
    "linear three outputs": lambda dtype: descend.fit(model=models.Linear(3, 3, bias=False),
                                                      data=(X, torch.cat([Y, -2 * Y, Y ** 2], dim=1)),
                                                      optimizer="rmsprop", lr=[0.01, 0.1], batch_size=12, seed=[0, 1],
                                                      steps=30, eval_every=5, dtype=dtype, compile=False),
    "mlp binary": lambda dtype: descend.fit(model=MLP((3, 6, 1), output="sigmoid"), data=(X, (Y > 0).float()),
                                            optimizer=["sgd", "adam"], lr=[0.1, 30.0], batch_size=16, seed=[0, 1],
                                            steps=30, eval_every=5, dtype=dtype, compile=False),
    # batches of 12: the mean over a batch whose size is not a power of two
    "mlp binary batch 12": lambda dtype: descend.fit(model=MLP((3, 6, 1), output="sigmoid"), data=(X, (Y > 0).float()),
                                                     optimizer="adam", lr=[0.01, 0.3], batch_size=12, seed=[0, 1],
                                                     steps=30, eval_every=5, dtype=dtype, compile=False),
    "mlp linear hidden": lambda dtype: descend.fit(model=MLP((3, 5, 4, 3), hidden="linear", output="softmax"),
                                                   data=(X, LABELS % 3), optimizer="adam", lr=0.05, batch_size=40,
                                                   seed=[0, 1], steps=30, dtype=dtype, compile=False),
    # landscapes: divergence, clipping by value, a path, gradient norms; a user function through vmap
    "himmelblau": lambda dtype: descend.fit(model=landscapes.get("himmelblau").model(init_noise=0.5), data=None,
                                            loss="value", optimizer=["gd", "momentum", "adam"], lr=[0.01, 0.2],
                                            seed=[0, 1], steps=50, dtype=dtype, compile=False),
    "user surface": lambda dtype: descend.fit(model=models.landscape(_user_surface, start=(0.3, 0.5)), data=None,
                                              loss="value", optimizer="adam", lr=[0.01, 0.1], steps=40, clip_value=0.5,
                                              dtype=dtype, compile=False),
}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", list(TRAININGS))
def test_the_eager_shortcuts_give_the_plain_steps_numbers_bit_for_bit(name, dtype, plain):
    fast = _records(TRAININGS[name](dtype))
    plain()
    _assert_bitwise(fast, _records(TRAININGS[name](dtype)))


@pytest.mark.parametrize("name", ["ellipse", "line mini-batch", "mlp", "mlp binary", "mlp linear hidden"])
def test_the_eager_shortcuts_in_half_precision_give_the_plain_steps_numbers_bit_for_bit(name, plain):
    """float16: the costs are summed and divided in float32 (descend.losses.accumulator), as autograd's pass."""
    fast = _records(TRAININGS[name](torch.float16))
    plain()
    _assert_bitwise(fast, _records(TRAININGS[name](torch.float16)))


def test_the_trainings_cover_what_the_shortcuts_decide():
    """The comparisons above see runs leave the domain, diverge, be pruned, reach the target and stop there."""
    assert set(TRAININGS["ellipse"](torch.float32).summary["status"]) == {"ok", "diverged"}
    assert set(TRAININGS["ellipse left domain"](torch.float32).summary["status"]) == {"ok", "left-domain"}
    assert set(TRAININGS["mlp"](torch.float64).summary["status"]) == {"ok", "pruned"}
    assert TRAININGS["himmelblau"](torch.float64).summary["diverged"].any()
    assert TRAININGS["line target"](torch.float64).summary["steps_to_target"].notna().any()
    assert TRAININGS["line stop at target"](torch.float64).summary["steps_to_target"].notna().any()


def test_the_steps_to_target_are_the_first_recorded_loss_at_most_the_target():
    runs = TRAININGS["line target"](torch.float64)
    for run, row in runs.summary.iterrows():
        batch = runs.curves.query(f"run == {run} and split == 'batch'")["value"].to_numpy()
        hits = (batch <= 2.0).nonzero()[0]
        assert (row["steps_to_target"] == hits[0]) if len(hits) else math.isnan(row["steps_to_target"])


# -- the pieces ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_norms_of_single_numbers_in_one_operation_equal_each_parameters_norm(dtype):
    big = torch.finfo(dtype).max
    special = torch.tensor([0.0, -0.0, 3.0, -big, big, math.inf, -math.inf, math.nan, torch.finfo(dtype).tiny,
                            torch.finfo(dtype).tiny / 8, 1e-20, -7.5e30], dtype=dtype)
    g = torch.cat([torch.stack([special, special.flip(0), special.roll(3)], dim=1),
                   torch.randn(200, 3, dtype=dtype) * 10.0 ** torch.randint(-30, 30, (200, 3)).to(dtype)])
    sizes, shapes = (1, 1, 1), ((), (), ())
    a, b = engine._grad_norms(g, sizes, shapes), _plain_norms(g, sizes, shapes)
    assert bool(((a == b) | (a.isnan() & b.isnan())).all())


def test_scalar_parameters_are_one_unbind_with_the_same_gradients():
    w = torch.randn(5, 2, dtype=torch.float64)
    scape = LANDSCAPES["goldstein-price"]
    grads = []
    for unflatten in (engine._unflatten, _plain_unflatten):
        leaf = w.clone().requires_grad_()
        params = unflatten(leaf, (1, 1), ((), ()))
        assert [p.shape for p in params] == [torch.Size([5])] * 2
        grads.append(torch.autograd.grad(scape.f(*params).sum(), leaf)[0])
    assert torch.equal(*grads)


def _unchecked_cases():
    x1 = torch.rand(40, 1, dtype=torch.float64) * 0.6 - 0.45
    yield "ellipse", models.ellipse(init_noise=0.1), x1
    yield "ellipse per-run x", models.ellipse(init_noise=0.1), torch.stack([x1 + 0.01 * i for i in range(4)])
    yield "ellipse float32 x", models.ellipse(init_noise=0.1), x1.float()
    yield "line", LINE.model, torch.randn(30, 1, dtype=torch.float64)
    yield "vmapped", Parametric(lambda p, x: p["a"] * torch.tanh(x[..., 0] * p["b"]), {"a": 1.0, "b": 0.5},
                                valid=lambda p, x: x[..., 0] > -0.5, init_noise=0.3), torch.randn(30, 1, dtype=torch.float64)
    yield "landscape", landscapes.get("rosenbrock").model(init_noise=0.3), None
    yield "mlp", MLP((3, 5, 2), output="softmax"), torch.randn(20, 3, dtype=torch.float64)
    yield "linear", models.Linear(3, 1), torch.randn(20, 3, dtype=torch.float64)


@pytest.mark.parametrize("name, model, x", list(_unchecked_cases()), ids=[c[0] for c in _unchecked_cases()])
def test_an_unchecked_model_gives_the_checked_models_values_masks_and_gradients(name, model, x):
    fast = model.unchecked()
    params = tuple(p.requires_grad_() for p in model.init([0, 1, 2, 3], dtype=torch.float64))
    for logits in (False, True):
        a, b = fast.forward(params, x, logits=logits), model.forward(params, x, logits=logits)
        assert torch.equal(a, b)
        ga, gb = torch.autograd.grad(a.sum(), params), torch.autograd.grad(b.sum(), params)
        assert all(torch.equal(u, v) for u, v in zip(ga, gb))
    mask = model.valid(params, x)
    fast.forward(params, x)
    assert (fast.valid(params, x) is None) if mask is None else torch.equal(fast.valid(params, x), mask)
    if mask is not None:  # without a forward just before (or another one since), the mask is computed again
        assert torch.equal(fast.valid(params, x), mask)
        fast.forward(params, x[:5])
        assert torch.equal(fast.valid(params, x), mask)


def test_the_ellipse_computes_its_mask_with_its_values():
    model = models.ellipse()
    fast = model.unchecked()
    assert fast.and_valid is not None  # ... and a model with another validity function does not
    other = Parametric(model.fn, {"w_a": 0.1, "w_b": 1.8}, valid=lambda p, x: x[..., 0] > 0, in_features=1)
    assert other.unchecked().and_valid is None


def test_a_full_batch_in_order_is_the_data_itself():
    x, y = torch.randn(6, 2), torch.randn(6, 1)
    in_order = engine._InOrder(x, y)
    assert in_order(torch.arange(6)) and in_order(torch.arange(6))
    assert not in_order(torch.arange(6).flip(0)) and not in_order(torch.arange(5))
    assert not in_order(torch.arange(6).expand(2, 6))  # one batch per run
    assert not engine._InOrder(x.T.contiguous().T, y)(torch.arange(6))  # x[index] would be laid out otherwise


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
def test_runs_whose_seeds_give_the_same_batches_share_one_plan_with_the_same_numbers(monkeypatch, dtype):
    # a full batch visits the data in the same order whatever the seed: the cohort gets one plan [B] (the data
    # itself, no copy gathered per run), and the numbers of a plan stacked per seed [K, B], bit for bit
    from descend.data import BatchPlan

    kw = dict(model=MLP((3, 8, 1)), data=(X, Y), optimizer=["sgd", "adam"], lr=[1e-2, 60.0], seed=[0, 1, 2],
              steps=30, eval_every=5, dtype=dtype, compile=False)
    seen = []
    train = engine.train_cohort

    def recorded(problem, group, plan, **options):
        seen.append(plan[0].shape)
        return train(problem, group, plan, **options)

    monkeypatch.setattr(engine, "train_cohort", recorded)
    shared = _records(descend.fit(**kw))
    monkeypatch.setattr(BatchPlan, "same_batches", lambda self, other: self is other)
    stacked = _records(descend.fit(**kw))
    assert seen == [torch.Size([48]), torch.Size([12, 48])]  # 2 optimizers × 2 rates × 3 seeds
    _assert_bitwise(shared, stacked)


# -- the hand-derived gradient ------------------------------------------------------------------------------------


def _exact(name):
    """The named landscape declared ``exact_grad`` (as the registry may declare it)."""
    return dataclasses.replace(LANDSCAPES[name], exact_grad=True)


def test_the_hand_gradient_is_decided_in_one_place():
    scape = _exact("himmelblau")
    model = scape.model()
    assert model.grad is not None
    assert engine.hand_gradient(make_problem(model, None, loss="value")) is not None
    assert engine.hand_gradient(make_problem(model, None, loss="value")).grad is model.grad
    # not where the cost is something else than the model's output, nor for a model without one
    mse = descend.problem.Problem(model, make_objective(model, "mse", "regression"), (torch.zeros(1, 1),) * 2)
    assert engine.hand_gradient(mse) is None
    noisy = scape.noisy(m=16)
    assert engine.hand_gradient(make_problem(noisy.model(), noisy.dataset(), loss="value")) is None
    # the ellipse's MSE and its gradient in one pass, for that loss of that model's output only
    ellipse = engine.hand_gradient(ELLIPSE.problem())
    assert ellipse is not None and ellipse.owner == ELLIPSE.model.fn
    assert ellipse.cost_and_grad is type(ELLIPSE.model.fn).mse_and_grad
    for loss in ("mae", "huber"):
        assert engine.hand_gradient(ELLIPSE.problem(loss=loss)) is None
    assert engine.hand_gradient(make_problem(models.ellipse(), ELLIPSE.data, loss="mse")) is not None
    without_mask = Parametric(ELLIPSE.model.fn, {"w_a": 0.1, "w_b": 1.8})
    assert without_mask.mse_and_grad() is None
    # the line fit's, which masks nothing
    line = engine.hand_gradient(LINE.problem())
    assert line is not None and line.owner == LINE.model.fn
    # a task built again (each playground request builds its own) has the same gradient by value, so that it
    # shares the compiled program of the same shapes, held in the process or on disk
    for task in ("line", "ellipse"):
        first, again = (engine.hand_gradient(descend.tasks.get(task).problem()) for _ in range(2))
        assert first is not None and first == again and hash(first) == hash(again)
        assert _compile._describe(first) == _compile._describe(again)  # raises for what a package cannot name
    assert engine.hand_gradient(LINE.problem(loss="huber")) is None
    assert Parametric(LINE.model.fn, {"w": 0.0, "b": 0.0}, valid=lambda p, x: x[..., 0] > 0).mse_and_grad() is None
    formula = landscapes.from_formula("x**2 + 3*y**2")
    assert formula.model().grad is None and engine.hand_gradient(make_problem(formula.model(), None, loss="value")) is None
    assert models.landscape(_user_surface, start=(0.0, 0.0)).grad is None
    # a hand gradient that is autograd's to round-off only is not taken in training
    assert dataclasses.replace(scape, exact_grad=False).model().grad is None
    with pytest.raises(ValueError, match="exact_grad=True needs a hand-derived grad"):
        dataclasses.replace(scape, grad=None, exact_grad=True)
    with pytest.raises(ValueError, match="grad is for a cost surface"):
        Parametric(lambda p, x: p["a"] * x[0], {"a": 1.0}, grad=lambda p: (p["a"],))
    # dense models: their written-out backward pass from the MSE's or the class labels' cross-entropy, eager only
    for model, data, loss in ((MLP((3, 8, 10), output="softmax"), (X, LABELS), "auto"),
                              (MLP((3, 8, 1)), (X, Y), "auto"), (models.Linear(3, 1), (X, Y), "mse"),
                              (MLP((3, 4, 10)), (X, LABELS), "cross-entropy"),
                              (MLP((3, 8, 1), output="sigmoid"), (X, (Y > 0).float()), "auto"),  # bce on logits
                              (MLP((3, 8, 1)), (X, (Y > 0).float()), "bce-logits")):
        dense = engine.hand_gradient(make_problem(model, data, loss=loss))
        assert isinstance(dense, engine._HandBackward) and not dense.in_compiled, (model, loss)
    for model, data, loss in ((MLP((3, 8, 1)), (X, Y), "huber"), (MLP((3, 8, 1), output="sigmoid"), (X, Y), "mse"),
                              (MLP((3, 4, 10), output="softmax"), (X, torch.eye(10)[LABELS]), "cross-entropy")):
        assert engine.hand_gradient(make_problem(model, data, loss=loss)) is None, (model, loss)


def test_a_compiled_step_traces_autograds_pass_for_a_dense_model(monkeypatch):
    seen = []
    init = engine._CompiledStep.__init__

    def recorded(self, *args):
        seen.append(args[-1])
        init(self, *args)

    monkeypatch.setattr(engine._CompiledStep, "__init__", recorded)
    descend.fit(model=MLP((3, 4, 10), output="softmax"), data=(X, LABELS), optimizer="sgd", lr=0.1, steps=2,
                compile="cached")
    assert seen and all(gradient is None for gradient in seen)
    descend.fit(model=LINE.model, data=LINE.data, optimizer="sgd", lr=0.1, steps=2, compile="cached")
    assert seen[-1] is not None  # the line fit's, traced


def test_a_constant_gradient_component_is_broadcast_to_the_runs():
    scape = descend.landscapes.Landscape(name="plane", title="plane", formula="x + 2y", f=lambda x, y: x + 2 * y,
                                         grad=lambda x, y: (1.0, torch.tensor(2.0)), domain=((-1, 1), (-1, 1)),
                                         start=(0.5, 0.5), critical_points=(), exact_grad=True)
    runs = descend.fit(model=scape.model(init_noise=0.1), data=None, loss="value", optimizer="gd", lr=0.1,
                       seed=[0, 1, 2], steps=3, dtype=torch.float64)
    for i in range(3):
        assert runs.paths[i][-1] - runs.paths[i][0] == pytest.approx([-0.3, -0.6], abs=1e-12)


#: |hand − autograd| per run, relative to the largest gradient component along the run's steps (the size of the
#: terms that cancel where the gradient vanishes): round-off, up to about 800 ulps (Goldstein–Price's
#: cancellations) on points drawn over the landscapes' domains; 4096 ulps allowed.
ULPS = 4096


def _shared_states(scape, dtype, optimizer, steps):
    """Both paths' steps from each of the autograd path's states (w, optimizer state) along ``steps`` steps from 6
    points of the domain: ``(w, (hand step, its gradient), (autograd step, its gradient), lr)`` per step."""
    model = dataclasses.replace(scape, exact_grad=True).model()  # its hand gradient, exact or not
    problem = make_problem(model, None, loss="value", dtype=dtype)
    info = get_optimizer(optimizer)
    k = 6
    lr = scape.lr_range[0] if optimizer in ("gd", "momentum") else 0.05
    config = info.configure(runs=k, lr=torch.full((k,), lr, dtype=torch.float64))
    kwargs = info.update_kwargs(config)
    g = torch.Generator().manual_seed(len(scape.name))
    low, high = (torch.tensor(v, dtype=torch.float64) for v in zip(*scape.domain))
    w = (low + (high - low) * (0.1 + 0.8 * torch.rand(k, scape.dim, generator=g, dtype=torch.float64))).to(dtype)
    state = info.init_state((w,), config)
    sizes, shapes = (1,) * scape.dim, ((),) * scape.dim
    flags, bound = torch.ones(k, dtype=torch.bool), torch.full((k,), math.inf, dtype=torch.float64)
    x, y = problem.train
    captured = []

    def capturing(grads, state, params, **hyper):
        captured.append(grads[0])
        return info.update(grads, state, params, **hyper)

    def step(w, state, gradient):
        captured.clear()
        out = engine._step(model, problem.objective, capturing, kwargs, sizes, shapes, None, None, True, w, state, flags,
                           flags, bound, x, y, torch.zeros(1, dtype=torch.long), gradient=gradient)
        return out, captured[0]

    hand = engine.hand_gradient(problem)
    out = []
    for _ in range(steps):
        out.append((w, step(w, state, hand), step(w, state, None), lr))
        (w, state, *_), _ = out[-1][2]  # along the autograd path
    return out


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", [n for n, s in LANDSCAPES.items() if s.grad is not None])
def test_the_hand_gradient_step_is_autograds_to_round_off_from_a_shared_state(name, dtype):
    scape, eps = LANDSCAPES[name], torch.finfo(dtype).eps
    for optimizer in ("gd", "adam"):
        steps = _shared_states(scape, dtype, optimizer, 8)
        scale = torch.stack([auto_grad.abs().amax(dim=1, keepdim=True) for _, _, (_, auto_grad), _ in steps]).amax(0)
        for w, ((new_w, _, recorded, norms, finite, _), grad), ((auto_w, _, auto_recorded, auto_norms, auto_finite, _),
                                                                 auto_grad), lr in steps:
            assert torch.equal(recorded, auto_recorded) and torch.equal(finite, auto_finite)  # the same forward
            assert bool(torch.isfinite(auto_grad).all())  # a learning rate where no run diverges
            assert bool(((grad - auto_grad).abs() <= ULPS * eps * scale).all()), (grad, auto_grad)
            assert bool(((norms - auto_norms).abs() <= ULPS * eps * scale).all())
            if optimizer == "gd":  # the step is linear in the gradient: its difference is lr times theirs
                allowed = lr * ULPS * eps * scale + 4 * eps * (w.abs() + (auto_w - w).abs())
                assert bool(((new_w - auto_w).abs() <= allowed).all())


#: The landscapes whose hand-derived gradient is autograd's own operations (multiplications by powers of two
#: aside, which are exact): ``exact_grad=True`` is right for them, and for no other.
EXACT = ("booth", "himmelblau", "saddle", "monkey-saddle", "matyas", "quadratic", "parabola")


def _bits_of_both(scape, dtype):
    """The hand gradient and autograd's at points over the domain and 3 times beyond, and special points."""
    g = torch.Generator().manual_seed(1)
    low, high = (torch.tensor(v, dtype=torch.float64) for v in zip(*scape.domain))
    middle, half = (low + high) / 2, (high - low) / 2
    points = middle + half * (6 * torch.rand(4000, scape.dim, generator=g, dtype=torch.float64) - 3)
    special = torch.tensor([0.0, -0.0, 1e-30, -1e-30, 1.0, -1.0, 0.5, 1e15, -1e15], dtype=torch.float64)
    points = torch.cat([points, special.unsqueeze(1).expand(-1, scape.dim),
                        torch.tensor([scape.start, *(p.point for p in scape.critical_points)], dtype=torch.float64)])
    w = points.to(dtype).requires_grad_()
    (auto,) = torch.autograd.grad(scape.f(*w.unbind(1)).sum(), w)
    hand = torch.stack(torch.broadcast_tensors(*scape.grad(*w.detach().unbind(1))), dim=1)
    return hand, auto


@pytest.mark.parametrize("name", [n for n, s in LANDSCAPES.items() if s.grad is not None])
def test_exact_grad_is_declared_only_where_the_hand_gradient_gives_autograds_bits(name):
    scape = LANDSCAPES[name]
    exact = all(bool(((h == a) | (h.isnan() & a.isnan())).all())
                for h, a in (_bits_of_both(scape, dtype) for dtype in (torch.float32, torch.float64)))
    assert exact == (name in EXACT)
    assert not scape.exact_grad or exact


def test_an_exact_hand_gradient_gives_autograds_steps_bit_for_bit():
    """Himmelblau's default comparison (tests/report/test_golden.py) does not change with the hand gradient."""
    for name in EXACT:
        for dtype in (torch.float32, torch.float64):
            for _, (step, grad), (auto_step, auto_grad), _ in _shared_states(LANDSCAPES[name], dtype, "adam", 5):
                assert torch.equal(grad, auto_grad), name
                assert all(torch.equal(u, v) for u, v in zip(engine._leaves(step[1]), engine._leaves(auto_step[1])))
                assert torch.equal(step[0], auto_step[0])


def test_a_landscape_fit_takes_the_hand_gradient_where_it_is_exact(monkeypatch):
    calls = []
    scape = _exact("himmelblau")
    original = type(scape.model().grad).__call__

    def counted(self, p):
        calls.append(1)
        return original(self, p)

    monkeypatch.setattr(type(scape.model().grad), "__call__", counted)
    exact = descend.fit(model=scape.model(), data=None, loss="value", optimizer=["adam", "gd"], lr=0.01, steps=7,
                        compile=False, dtype=torch.float64)
    assert len(calls) == 7  # both optimizers' cohorts train as one group: one gradient per step
    plain = descend.fit(model=landscapes.get("himmelblau").model(), data=None, loss="value", optimizer=["adam", "gd"],
                        lr=0.01, steps=7, compile=False, dtype=torch.float64)
    assert len(calls) == 7 or LANDSCAPES["himmelblau"].exact_grad
    _assert_bitwise(_records(exact), _records(plain))


def test_the_compiled_step_takes_the_hand_gradient_too_and_equals_the_eager_step():
    """compile=True traces the same step, the hand gradient included: eager and compiled agree to round-off
    (Adam settling into Himmelblau's minima: differences of a few ulps that do not grow, 1e-10 allowed)."""
    common = dict(model=_exact("himmelblau").model(init_noise=0.5), data=None, loss="value", optimizer="adam",
                  lr=[0.01, 0.1], seed=[0, 1], steps=100, dtype=torch.float64)
    eager, compiled = descend.fit(compile=False, **common), descend.fit(compile=True, **common)
    assert (compiled.summary["compile_seconds"] > 0).all()
    for run in range(4):
        assert abs(compiled.paths[run] - eager.paths[run]).max() <= 1e-10
    a, b = eager.curves["value"].to_numpy(), compiled.curves["value"].to_numpy()
    assert a == pytest.approx(b, rel=1e-10, abs=1e-10, nan_ok=True)


def test_a_tiny_cohorts_eager_step_converts_no_number_to_another_dtype():
    """An integer constant beside a float64 tensor (``x - 11``, ``state.step + 1``) is wrapped as an int64 tensor and
    copied to float64 at every operation: 15 copies a step of Himmelblau's four optimizers, about a tenth of the
    step. Counted with torch's profiler. (In float32 a float constant, a double, is converted all the same.)"""
    from torch.profiler import profile

    model = landscapes.get("himmelblau").model((-1.0, 1.0))

    def conversions(steps: int) -> int:
        with profile(record_shapes=True) as p:
            descend.fit(model=model, data=None, loss="value", optimizer=["gd", "momentum", "rmsprop", "adam"],
                        lr=0.01, steps=steps, eval_every=0, record_grad_norms=False, compile=False,
                        dtype=torch.float64)
        return sum(e.name == "aten::_to_copy" and e.input_shapes[:1] == [[]] for e in p.events())

    conversions(5)
    assert conversions(40) == conversions(20) == 0


def _inference_mode_of_steps(monkeypatch, **fit) -> tuple[list[bool], descend.Runs]:
    """Whether each eager step ran in torch's inference mode, and the fit's runs."""
    seen, step = [], engine._step

    def spied(*args, **kwargs):
        seen.append(torch.is_inference_mode_enabled())
        return step(*args, **kwargs)

    monkeypatch.setattr(engine, "_step", spied)
    runs = descend.fit(compile=False, eval_every=0, **fit)
    return seen, runs


def test_a_step_without_autograd_runs_in_inference_mode_and_its_results_are_ordinary_tensors(monkeypatch):
    """The eager step of descend's own gradients (a landscape's, the ellipse's MSE, a dense model's backward pass)
    runs in torch's inference mode, which leaves out autograd's bookkeeping of every operation; a step that takes
    autograd's backward pass does not (it could not), nor a model's ``grad`` of one's own, which may use autograd
    (here ``torch.func.grad``). The results are ordinary tensors: they take part in autograd and in-place updates
    afterwards, as before."""
    cases = [
        (True, dict(model=landscapes.get("himmelblau").model((-1.0, 1.0)), data=None, loss="value",
                    optimizer=["gd", "adam"], lr=0.01, steps=4, dtype=torch.float64)),
        (True, dict(model=ELLIPSE.model, data=ELLIPSE.data, optimizer="adam", lr=0.01, steps=4)),
        (True, dict(model=MLP((3, 8, 10), output="softmax"), data=(X, LABELS), optimizer="adam", lr=0.01, steps=4)),
        (False, dict(model=MLP((3, 8, 1)), data=(X, Y), loss="huber", optimizer="adam", lr=0.01, steps=4)),
        (False, dict(model=landscapes.from_formula("x**2 + 3*y**2").model(), data=None, loss="value",
                     optimizer="adam", lr=0.01, steps=4)),
    ]

    def bowl(p, x=None):
        return p["a"] ** 2 + 3 * p["b"] ** 2

    def by_autograd(p):  # a user's gradient computed by torch.func: it needs autograd
        return torch.func.vmap(torch.func.grad(lambda a, b: bowl({"a": a, "b": b}), argnums=(0, 1)))(p["a"], p["b"])

    own = Parametric(bowl, {"a": 1.0, "b": -1.0}, uses_data=False, grad=by_autograd)
    cases.append((False, dict(model=own, data=None, loss="value", optimizer="adam", lr=0.1, steps=4)))
    for inference, fit in cases:
        seen, runs = _inference_mode_of_steps(monkeypatch, **fit)
        assert seen == [inference] * 4, fit["model"]
        assert (runs.summary["status"] == "ok").all(), fit["model"]
        params = runs.results[0].params[0]
        assert not params.is_inference() and not runs.results[0].train_loss.is_inference()
        assert (params.clone().requires_grad_() * 2).sum().requires_grad
        params.add_(0.0)  # an in-place update of a result (an inference tensor would refuse it)
    # the user's gradient trained its runs (autograd's own gradient of the same surface, to round-off)
    plain = descend.fit(model=Parametric(bowl, {"a": 1.0, "b": -1.0}, uses_data=False), data=None, loss="value",
                        optimizer="adam", lr=0.1, steps=4, compile=False)
    assert torch.allclose(runs.results[0].train_loss, plain.results[0].train_loss, rtol=1e-6, atol=0)
