"""Models whose function broadcasts over runs (``fn.broadcasts``) give what vmap gives, for every run.

The ellipse, the line fit and every landscape are called once for all runs instead of through vmap; the
values, validity masks and gradients must be those of the same function vmapped run by run (equal to the
last bit in float64: the same elementwise operations, in the same order).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch

from descend import landscapes, models, tasks
from descend.landscapes import LANDSCAPES
from descend.models import Parametric


@dataclass(frozen=True)
class _Vmapped:
    """The same function without its ``broadcasts`` mark: the model falls back to vmap."""

    f: object

    def __call__(self, p, x):
        return self.f(p, x)


def _pair(model):
    plain = Parametric.__new__(Parametric)
    for field in ("fn", "start", "valid_fn", "out", "init_noise", "in_features", "output", "uses_data"):
        value = getattr(model, field)
        if field in ("fn", "valid_fn") and value is not None:
            value = _Vmapped(value)
        object.__setattr__(plain, field, value)
    assert getattr(model.fn, "broadcasts", False) and not getattr(plain.fn, "broadcasts", False)
    return model, plain


def _models():
    yield "ellipse", models.ellipse(init_noise=0.05), torch.rand(40, 1, dtype=torch.float64) * 0.5 - 0.4
    yield "line", tasks.get("line").model, torch.randn(30, 1, dtype=torch.float64)
    for name, scape in LANDSCAPES.items():
        yield name, scape.model(init_noise=0.3), None
    yield "formula", landscapes.from_formula("sin(x) * y**2 + exp(-x*y)").model(init_noise=0.3), None


def _cases():
    for name, model, x in _models():
        for per_run_x in (False, True) if x is not None else (False,):
            yield pytest.param(name, model, x, per_run_x, id=f"{name}-{'per-run x' if per_run_x else 'shared x'}")


@pytest.mark.parametrize("name, model, x, per_run_x", list(_cases()))
def test_broadcast_equals_vmap(name, model, x, per_run_x):
    fast, slow = _pair(model)
    k = 5
    params = [p.requires_grad_() for p in fast.init(list(range(k)), dtype=torch.float64)]
    if per_run_x:
        x = torch.stack([x + 0.01 * i for i in range(k)])
    a, b = fast(params, x), slow(params, x)
    assert a.shape == b.shape and torch.equal(a, b)
    ga = torch.autograd.grad(a.sum(), params)
    gb = torch.autograd.grad(b.sum(), params)
    for u, v in zip(ga, gb):
        assert torch.equal(u, v)
    if fast.valid_fn is not None:
        assert torch.equal(fast.valid(params, x), slow.valid(params, x))
