"""One suite over every model kind: the contract the engine relies on (descend.models.RunModel).

For each kind: names and shapes agree with init; the same seed gives the same parameters whatever K and
position; forward is [K, B, out] and each run's output depends on its own parameters only; valid is None
or [K, B] bool; the engine trains it in float32 and float64, and a run in a cohort equals the same run
alone. Every built-in task and landscape goes through the same engine path in tests/tasks/test_every_task.py.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import descend
from descend import models
from descend.problem import problem

F64 = torch.float64


def _data(d: int, kind: str, m: int = 24):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(m, d, generator=g, dtype=F64)
    if kind == "multiclass":
        return x, torch.randint(0, 3, (m,), generator=g)
    if kind == "binary":
        return x, (x[:, 0] > 0).to(F64).unsqueeze(1)
    return x, torch.sin(x.sum(dim=1, keepdim=True))


# kind id -> (model factory, features, data kind, loss, learning rate for 5 steps of GD)
KINDS = {
    "linear": (lambda: models.Linear(3), 3, "regression", "mse", 0.1),
    "logistic": (lambda: models.Linear(3, output="sigmoid"), 3, "binary", "bce", 0.1),
    "softmax-regression": (lambda: models.Linear(3, 3, output="softmax"), 3, "multiclass", "cross-entropy", 0.1),
    "mlp-tanh": (lambda: models.MLP((3, 5, 1), hidden="tanh"), 3, "regression", "mse", 0.1),
    "mlp-relu-softmax": (lambda: models.MLP((3, 5, 3), hidden="relu", output="softmax"), 3, "multiclass",
                         "cross-entropy", 0.1),
    "parametric": (lambda: models.Parametric(lambda p, x: p["a"] * x[:, 0] + p["b"], {"a": 0.5, "b": -0.2},
                                             init_noise=0.1), 1, "regression", "mse", 0.1),
    "ellipse": (lambda: models.ellipse(), 1, "regression", "mse", 0.05),
    "landscape": (lambda: models.landscape("booth"), None, "cost", "value", 0.01),
    "module": (lambda: models.ModuleModel(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))), 3,
               "regression", "mse", 0.1),
}


@pytest.fixture(params=list(KINDS))
def kind(request):
    return request.param


def _x(kind: str, batch: int = 6):
    _, d, _, _, _ = KINDS[kind]
    return None if d is None else torch.randn(batch, d, generator=torch.Generator().manual_seed(2), dtype=F64)


def test_names_shapes_and_init_agree(kind):
    model = KINDS[kind][0]()
    params = model.init([0, 1, 2], dtype=F64)
    assert len(params) == len(model.names) == len(model.shapes())
    for p, shape in zip(params, model.shapes()):
        assert tuple(p.shape) == (3, *shape) and p.dtype == F64 and not p.requires_grad
    assert model.n_params == sum(int(torch.tensor(s).prod()) if s else 1 for s in model.shapes())
    assert isinstance(model, models.RunModel)


def test_the_same_seed_gives_the_same_parameters_whatever_k_and_position(kind):
    model = KINDS[kind][0]()
    alone = model.init([7], dtype=F64)
    among = model.init([3, 7, 5], dtype=F64)
    for a, b in zip(alone, among):
        assert torch.equal(a[0], b[1])


def test_forward_is_k_b_out_and_each_run_depends_on_its_own_parameters(kind):
    model = KINDS[kind][0]()
    x = _x(kind)
    params = model.init([0, 1, 2], dtype=F64)
    out = model.forward(params, x)
    assert out.ndim == 3 and out.shape[0] == 3
    for k in range(3):
        single = model.forward(tuple(p[k:k + 1] for p in params), x)
        torch.testing.assert_close(out[k:k + 1], single, rtol=1e-12, atol=1e-12)
    mask = model.valid(params, x)
    assert mask is None or (mask.dtype == torch.bool and tuple(mask.shape) == (3, out.shape[1]))


@pytest.mark.parametrize("dtype", [torch.float32, F64], ids=["float32", "float64"])
def test_the_engine_trains_it_and_a_run_in_a_cohort_equals_itself_alone(kind, dtype):
    factory, d, data_kind, loss, lr = KINDS[kind]
    model = factory()
    data = None if d is None else _data(d, data_kind)
    fitted = descend.fit(model=model, data=data, loss=loss, optimizer="gd", lr=[lr, lr / 2], seed=[0, 1], steps=5,
                         dtype=dtype)
    summary = fitted.summary
    assert (summary["status"] == "ok").all(), summary
    assert summary["final_train_loss"].notna().all()
    alone = descend.fit(model=model, data=data, loss=loss, optimizer="gd", lr=lr / 2, seed=1, steps=5, dtype=dtype)
    run = int(summary[(summary["lr"] == lr / 2) & (summary["seed"] == 1)].index[0])
    tol = 1e-12 if dtype == F64 else 1e-6
    for n in model.names:
        torch.testing.assert_close(fitted.params[run][n], alone.params[0][n], rtol=tol, atol=tol)


def test_a_problem_holds_the_model_objective_and_splits(kind):
    factory, d, data_kind, loss, _ = KINDS[kind]
    model = factory()
    built = problem(model, None if d is None else _data(d, data_kind), loss=loss, validation=0.25 if d else 0.0)
    assert built.model is model and "train" in built.evals
    assert built.objective.kind == ("cost" if d is None else data_kind if data_kind != "regression" else "regression")
    assert (d is None) or "validation" in built.evals
