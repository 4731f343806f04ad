"""Tests for descend.models: run-axis models against the same model run alone, torch.nn and hand loops."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import torch
from torch import nn

import descend
from descend import gradients as G
from descend import losses as L
from descend.landscapes import LANDSCAPES
from descend.models import (
    HIDDEN,
    INITS,
    MLP,
    OUTPUTS,
    Linear,
    ModuleModel,
    Parametric,
    RunModel,
    ellipse,
    landscape,
    layer_groups,
    to_torch,
)

F64 = torch.float64
SEEDS = [11, 3, 7]
K, B = len(SEEDS), 9


def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def data(d: int, *, per_run: bool, seed: int = 0) -> torch.Tensor:
    shape = (K, B, d) if per_run else (B, d)
    return torch.randn(shape, generator=gen(seed), dtype=F64)


def run(params: tuple[torch.Tensor, ...], k: int) -> tuple[torch.Tensor, ...]:
    """Run k alone, as a K = 1 parameter tuple."""
    return tuple(p[k : k + 1] for p in params)


# ---------------------------------------------------------------------------------------------------------
# Linear and MLP: every run equals the model alone and its torch.nn twin
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_run", [False, True], ids=["shared-x", "per-run-x"])
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_mlp_runs_equal_torch_twin_and_single_run(hidden: str, output: str, per_run: bool) -> None:
    model = MLP((4, 6, 5, 3), hidden=hidden, output=output)
    params = model.init(SEEDS, dtype=F64)
    x = data(4, per_run=per_run)
    y, z = model.forward(params, x), model.forward(params, x, logits=True)
    assert y.shape == z.shape == (K, B, 3)
    for k in range(K):
        xk = x[k] if per_run else x
        torch.testing.assert_close(y[k], model.to_torch(params, k)(xk))
        torch.testing.assert_close(z[k], model.to_torch(params, k, logits=True)(xk))
        alone = model.forward(run(params, k), xk)  # K = 1 with the same (shared) x
        torch.testing.assert_close(y[k], alone[0])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("per_run", [False, True], ids=["shared-x", "per-run-x"])
@pytest.mark.parametrize("output", OUTPUTS)
def test_linear_equals_formula_and_torch_twin(output: str, per_run: bool, bias: bool) -> None:
    out = 3 if output == "softmax" else 1
    model = Linear(4, out, output=output, bias=bias)
    params = model.init(SEEDS, dtype=F64)
    x = data(4, per_run=per_run)
    y, z = model.forward(params, x), model.forward(params, x, logits=True)
    assert y.shape == (K, B, out)  # always 3-D, also for out = 1
    act = {"identity": lambda t: t, "sigmoid": torch.sigmoid, "softmax": lambda t: torch.softmax(t, -1)}[output]
    for k in range(K):
        xk = x[k] if per_run else x
        expected = xk @ params[0][k] + (params[1][k] if bias else 0.0)
        torch.testing.assert_close(z[k], expected)
        torch.testing.assert_close(y[k], act(expected))
        torch.testing.assert_close(y[k], to_torch(model, params, k)(xk))


def test_names_layers_and_twin_structure() -> None:
    mlp = MLP((4, 6, 3), hidden="relu", output="softmax")
    assert mlp.names == ("layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias")
    assert mlp.shapes() == ((4, 6), (6,), (6, 3), (3,))
    assert mlp.layers == ("layer0", "layer1") and mlp.layer_of == (0, 0, 1, 1)
    assert mlp.n_params == 4 * 6 + 6 + 6 * 3 + 3
    assert [type(m) for m in mlp.to_torch(mlp.init([0]))] == [nn.Linear, nn.ReLU, nn.Linear, nn.Softmax]
    lin = Linear(5, bias=False)
    assert lin.names == lin.layers == ("weight",) and lin.shapes() == ((5, 1),)
    assert layer_groups(Linear(2)) == {"weight": (0,), "bias": (1,)}
    for model in (mlp, lin, ellipse(), landscape("booth"), ModuleModel(nn.Linear(2, 1))):
        assert isinstance(model, RunModel)
    assert MLP((2, 3)) == MLP((2, 3)) and hash(MLP((2, 3))) == hash(MLP((2, 3)))


def test_from_torch_and_load_into_round_trip() -> None:
    model = MLP((3, 4, 2), hidden="sigmoid")
    modules = []
    for s in SEEDS:
        torch.manual_seed(s)
        modules.append(nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.Sigmoid(), nn.Linear(4, 2, dtype=F64)))
    params = model.from_torch(modules)
    x = data(3, per_run=False)
    y = model.forward(params, x)
    for k, m in enumerate(modules):
        torch.testing.assert_close(y[k], m(x))
    target = nn.Sequential(nn.Linear(3, 4, dtype=F64), nn.Sigmoid(), nn.Linear(4, 2, dtype=F64))
    model.load_into(target, params, 2)
    assert all(torch.equal(a, b) for a, b in zip(target.parameters(), modules[2].parameters()))


def test_forward_is_differentiable_and_casts_x() -> None:
    model = MLP((3, 4, 1))
    params = tuple(p.requires_grad_() for p in model.init(SEEDS, dtype=F64))
    y = model.forward(params, torch.randn(B, 3))  # float32 x, float64 parameters
    assert y.dtype == F64
    y.sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)


# ---------------------------------------------------------------------------------------------------------
# Initialisation
# ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("init", INITS)
def test_init_same_seed_same_parameters_whatever_k_and_position(init: str) -> None:
    model = MLP((5, 4, 2), init=init)
    many = model.init([3, 5, 7], dtype=F64)
    for seeds, where in (([7], 0), ([7, 3], 0), ([1, 2, 7, 9], 2)):
        other = model.init(seeds, dtype=F64)
        assert all(torch.equal(a[2], b[where]) for a, b in zip(many, other))
    assert all(p.dtype == F64 and not p.requires_grad for p in many)
    differ = any(not torch.equal(p[0], p[1]) for p in many)
    assert differ == (init != "zeros")


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_torch_init_is_exactly_torch_nn_linear_seeded_the_same_way(dtype: torch.dtype) -> None:
    """init="torch" draws what torch.manual_seed(s) + building the nn.Sequential twin draws, bit for bit."""
    model = MLP((4, 6, 3), hidden="tanh")
    params = model.init(SEEDS, dtype=dtype)
    for k, s in enumerate(SEEDS):
        torch.manual_seed(s)
        twin = nn.Sequential(nn.Linear(4, 6, dtype=dtype), nn.Tanh(), nn.Linear(6, 3, dtype=dtype))
        expected = model.from_torch([twin])
        assert all(torch.equal(p[k], e[0]) for p, e in zip(params, expected))
    torch.manual_seed(SEEDS[1])
    lin = nn.Linear(7, 2)
    w, b = Linear(7, 2).init(SEEDS)
    assert torch.equal(w[1], lin.weight.detach().T) and torch.equal(b[1], lin.bias.detach())


def test_init_statistics_match_their_formulas() -> None:
    fan_in, fan_out = 500, 400
    n = fan_in * fan_out

    def weights(init: str, **kw: float) -> tuple[torch.Tensor, torch.Tensor]:
        w, b = Linear(fan_in, fan_out, init=init, **kw).init([0], dtype=F64)
        return w[0], b[0]

    def close(a: float, b: float, rel: float = 0.03) -> bool:
        return abs(a - b) <= rel * b

    w, b = weights("xavier")
    assert close(w.var().item(), 2 / (fan_in + fan_out)) and w.abs().max() <= math.sqrt(6 / (fan_in + fan_out))
    assert torch.count_nonzero(b) == 0
    w, b = weights("he")
    assert close(w.var().item(), 2 / fan_in) and abs(w.mean().item()) < 5 * math.sqrt(2 / fan_in / n)
    assert torch.count_nonzero(b) == 0
    for kw, bound in (({}, 1 / math.sqrt(fan_in)), ({"init_scale": 0.3}, 0.3)):
        w, b = weights("uniform", **kw)
        assert close(w.var().item(), bound**2 / 3) and w.abs().max() <= bound and b.abs().max() <= bound
    for kw, std in (({}, 0.01), ({"init_scale": 0.5}, 0.5)):
        w, b = weights("normal", **kw)
        assert close(w.std().item(), std, 0.01) and torch.count_nonzero(b) == 0
    w, b = weights("torch")
    assert close(w.var().item(), 1 / (3 * fan_in)) and w.abs().max() <= 1 / math.sqrt(fan_in)
    w, b = weights("zeros")
    assert torch.count_nonzero(w) == torch.count_nonzero(b) == 0


def test_given_init_values_shared_or_per_run() -> None:
    w = torch.arange(6.0).reshape(3, 2)
    model = Linear(3, 2, init={"weight": w, "bias": [0.5, -0.5]})
    pw, pb = model.init(SEEDS, dtype=F64)
    assert torch.equal(pw, w.to(F64).expand(K, 3, 2)) and torch.equal(pb[1], torch.tensor([0.5, -0.5], dtype=F64))
    per_run = torch.randn(K, 3, 2, generator=gen(1), dtype=F64)
    model = Linear(3, 2, init={"weight": per_run, "bias": torch.zeros(2)})
    assert torch.equal(model.init(SEEDS, dtype=F64)[0], per_run)
    with pytest.raises(ValueError, match=r"init\['weight'\] has 3 runs but seeds has 2"):
        model.init([0, 1])


# ---------------------------------------------------------------------------------------------------------
# Parametric, ellipse, landscape
# ---------------------------------------------------------------------------------------------------------


def _affine_tanh(p: dict[str, torch.Tensor], x: torch.Tensor) -> torch.Tensor:
    return p["a"] * torch.tanh(x @ p["w"]) + p["c"]


@pytest.mark.parametrize("per_run", [False, True], ids=["shared-x", "per-run-x"])
def test_parametric_vmap_equals_hand_loop(per_run: bool) -> None:
    model = Parametric(_affine_tanh, {"a": 1.5, "w": torch.ones(3, 2), "c": [0.1, -0.2]}, out=2, init_noise=0.3)
    assert model.names == ("a", "w", "c") and model.shapes() == ((), (3, 2), (2,)) and model.n_params == 9
    params = model.init(SEEDS, dtype=F64)
    x = data(3, per_run=per_run)
    y = model.forward(params, x)
    assert y.shape == (K, B, 2) and model.valid(params, x) is None
    for k in range(K):
        p = {name: t[k] for name, t in zip(model.names, params)}
        torch.testing.assert_close(y[k], _affine_tanh(p, x[k] if per_run else x))


def test_parametric_init_values_and_noise_per_seed() -> None:
    exact = Parametric(_affine_tanh, {"a": 0.1, "w": torch.ones(3, 1), "c": 0.0}).init(SEEDS, dtype=F64)
    assert torch.equal(exact[0], torch.full((K,), 0.1, dtype=F64))  # 0.1 itself, not float32's 0.1
    noisy = Parametric(_affine_tanh, {"a": 0.1, "w": torch.ones(3, 1), "c": 0.0}, init_noise=0.2)
    many, one = noisy.init(SEEDS, dtype=F64), noisy.init([SEEDS[2]], dtype=F64)
    assert all(torch.equal(a[2], b[0]) for a, b in zip(many, one))
    assert not torch.equal(many[0][0], many[0][1])


def test_parametric_out_1_gives_3d_and_valid_is_vmapped() -> None:
    model = Parametric(lambda p, x: p["s"] * x[:, 0], {"s": 2.0}, valid=lambda p, x: x[:, 0] * p["s"] > 0)
    params = (torch.tensor([1.0, -1.0, 2.0], dtype=F64),)
    x = data(1, per_run=False)
    y, mask = model.forward(params, x), model.valid(params, x)
    assert y.shape == (K, B, 1) and mask.shape == (K, B) and mask.dtype == torch.bool
    torch.testing.assert_close(y[..., 0], params[0][:, None] * x[:, 0])
    assert torch.equal(mask, params[0][:, None] * x[:, 0] > 0)


def _orbit_data() -> tuple[torch.Tensor, torch.Tensor]:
    """x beyond both ends of the ellipse (invalid for small w_A) and the seed's noisy y."""
    x = torch.linspace(-1.8, 1.3, 41, dtype=F64)
    x = torch.cat([x, torch.tensor([-0.26185 - 0.5, -0.26185 + 1.0], dtype=F64)])  # radicand 0 for w_a 0.5 and 1
    y = 1.234378 * torch.sqrt((1 - (x + 0.26185) ** 2 / 1.261845**2).clamp(min=0))
    return x, y + 0.05 * torch.randn(x.shape, generator=gen(4), dtype=F64)


def test_ellipse_matches_hand_derived_model_mask_and_gradients() -> None:
    model = ellipse()
    start = model.init([0], dtype=F64)
    assert model.names == ("w_a", "w_b") and start[0].item() == 0.1 and start[1].item() == 1.8
    w_a = torch.tensor([0.1, 0.5, 1.0, 1.3], dtype=F64, requires_grad=True)
    w_b = torch.tensor([1.8, 1.0, 1.2, 1.25], dtype=F64, requires_grad=True)
    x, y = _orbit_data()
    pred, mask = model.forward((w_a, w_b), x[:, None]), model.valid((w_a, w_b), x[:, None])
    expected, expected_mask = G.ellipse_predict(w_a.detach(), w_b.detach(), x)
    torch.testing.assert_close(pred[..., 0], expected)
    assert torch.equal(mask, expected_mask) and (~mask).any(dim=1).all()  # every run has invalid samples
    # Gradients of every sample's prediction are finite, masked ones included.
    grads = torch.autograd.grad(pred.sum(), (w_a, w_b), retain_graph=True)
    assert all(torch.isfinite(g).all() for g in grads)
    # The masked cost (seed eq. 18) has the seed's hand-derived gradients.
    cost = L.mse(pred[..., 0], y, mask=mask)
    ga, gb = torch.autograd.grad(cost.sum(), (w_a, w_b))
    ha, hb = G.ellipse_grad(w_a.detach(), w_b.detach(), x, y)
    torch.testing.assert_close(ga, ha)
    torch.testing.assert_close(gb, hb)


def test_ellipse_per_run_x_equals_hand_loop() -> None:
    model = ellipse(init_noise=0.05)
    params = model.init([0, 1, 2], dtype=F64)
    x = torch.rand(3, B, 1, generator=gen(5), dtype=F64) * 0.3 - 0.4
    pred = model.forward(params, x)
    for k in range(3):
        torch.testing.assert_close(pred[k, :, 0], G.ellipse_predict(params[0][k], params[1][k], x[k, :, 0])[0])


@pytest.mark.parametrize("name", [n for n in LANDSCAPES if LANDSCAPES[n].dim == 2])
def test_named_landscapes_cost_and_minimum(name: str) -> None:
    scape = LANDSCAPES[name]
    start = scape.start
    model = landscape(name)
    assert model.names == ("x", "y") and not model.uses_data and model.valid(model.init([0]), None) is None
    points = (torch.tensor([start[0], 0.3, -1.0], dtype=F64), torch.tensor([start[1], 0.7, 2.0], dtype=F64))
    cost = model.forward(points, None)
    assert cost.shape == (3, 1, 1)
    for k in range(3):
        torch.testing.assert_close(cost[k, 0, 0], scape.f(points[0][k], points[1][k]))
    at_start = scape.f(torch.tensor(start[0], dtype=F64), torch.tensor(start[1], dtype=F64)).expand(2)
    torch.testing.assert_close(model.forward(model.init([0, 1], dtype=F64), None)[:, 0, 0], at_start)
    for minimum in scape.global_minima:
        if not scape.smooth:
            continue
        at = tuple(torch.tensor([v], dtype=F64, requires_grad=True) for v in minimum.point)
        grads = torch.autograd.grad(model.forward(at, None).sum(), at)
        assert all(g.abs().max() < 1e-6 for g in grads)


def test_landscape_from_a_function_ignores_data() -> None:
    model = landscape(lambda x, y: (x - 1) ** 2 + 3 * y**2, start=(2.0, -1.0))
    params = model.init([0, 1], dtype=F64)
    torch.testing.assert_close(model.forward(params, None)[:, 0, 0], torch.tensor([4.0, 4.0], dtype=F64))
    torch.testing.assert_close(model.forward(params, torch.randn(5, 3)), model.forward(params, None))


# ---------------------------------------------------------------------------------------------------------
# ModuleModel
# ---------------------------------------------------------------------------------------------------------


def _sequential(dtype: torch.dtype = F64) -> nn.Sequential:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 6, dtype=dtype), nn.Tanh(), nn.Linear(6, 3, dtype=dtype))


@pytest.mark.parametrize("per_run", [False, True], ids=["shared-x", "per-run-x"])
def test_module_model_equals_functional_call_loop_and_mlp(per_run: bool) -> None:
    module = _sequential()
    model = ModuleModel(module)
    assert model.names == ("0.weight", "0.bias", "2.weight", "2.bias") and model.layers == ("0", "2")
    params = model.init(SEEDS, dtype=F64)
    x = data(4, per_run=per_run)
    y = model.forward(params, x)
    for k in range(K):
        p = {n: t[k] for n, t in zip(model.names, params)}
        torch.testing.assert_close(y[k], torch.func.functional_call(module, p, (x[k] if per_run else x,)))
        torch.testing.assert_close(y[k], model.to_torch(params, k)(x[k] if per_run else x))
    # The same network as an MLP: same initial parameters (reset = torch's init per seed), same outputs.
    mlp = MLP((4, 6, 3), hidden="tanh")
    mlp_params = mlp.init(SEEDS, dtype=F64)
    as_mlp = tuple(p.transpose(1, 2) if p.ndim == 3 else p for p in params)
    assert all(torch.equal(a, b) for a, b in zip(as_mlp, mlp_params))
    torch.testing.assert_close(mlp.forward(mlp_params, x), y)


def test_reset_draws_what_torch_draws_building_a_transformer_layer_after_the_seed() -> None:
    """nn.MultiheadAttention has _reset_parameters (no reset_parameters): its in_proj was the module's in every run
    whatever the seed, and its out_proj's bias drawn where torch sets it to 0. Each submodule is reset after its
    own submodules, as torch's constructors build them, so every tensor is torch's for the seed."""
    def built(seed: int) -> nn.Module:
        torch.manual_seed(seed)
        return nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True)

    model = ModuleModel(built(0), input_ndim=3)
    params = model.init([5, 6])
    for k, seed in enumerate((5, 6)):
        torch_s = dict(built(seed).named_parameters())
        for name, p in zip(model.names, params):
            assert torch.equal(p[k], torch_s[name].detach()), (seed, name)
    assert not torch.equal(params[0][0], params[0][1])  # in_proj differs by seed


def test_module_model_init_module_output_and_global_rng_untouched() -> None:
    module = _sequential()
    kept = ModuleModel(module, init="module").init(SEEDS, dtype=F64)
    assert all(torch.equal(p[k], q) for p, q in zip(kept, module.parameters()) for k in range(K))
    state = torch.random.get_rng_state()
    ModuleModel(module).init(SEEDS)
    assert torch.equal(state, torch.random.get_rng_state())
    soft = ModuleModel(module, output="softmax")
    x = data(4, per_run=False)
    torch.testing.assert_close(soft.forward(kept, x), torch.softmax(soft.forward(kept, x, logits=True), -1))
    torch.testing.assert_close(soft.forward(kept, x)[0], soft.to_torch(kept, 0)(x))


def _dropout_net() -> nn.Sequential:
    return nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 1))


def test_a_module_with_dropout_is_evaluated_without_it_and_trains_the_same_in_every_call() -> None:
    # dropout was active in the evaluations (the recorded losses were those of random sub-networks) and drew from
    # torch's global generator: two identical fits differed, and training moved the caller's random state
    torch.manual_seed(0)
    x = torch.randn(200, 4)
    y = 2 * x[:, :1] + 0.1 * torch.randn(200, 1)
    model = ModuleModel(_dropout_net())
    state = torch.random.get_rng_state()
    first = descend.fit(model=model, data=(x, y), optimizer="adam", lr=0.01, steps=40, seed=[0, 1])
    assert torch.equal(state, torch.random.get_rng_state()), "the caller's generator is left as it was"
    again = descend.fit(model=model, data=(x, y), optimizer="adam", lr=0.01, steps=40, seed=[0, 1])
    pd.testing.assert_frame_equal(first.curves, again.curves)
    for run in (0, 1):
        twin = model.to_torch([first.params[run][name].unsqueeze(0) for name in model.names], 0)
        evaluated = nn.functional.mse_loss(twin.eval()(x), y).item()
        assert first.summary.loc[run, "final_train_loss"] == pytest.approx(evaluated, rel=1e-5)
        twin.train()
        assert nn.functional.mse_loss(twin(x), y).item() != pytest.approx(evaluated, rel=1e-2)
    assert model.module.training, "the user's module keeps its mode"


def test_compile_auto_keeps_a_module_that_drew_random_numbers_eager(monkeypatch) -> None:
    # a long run (or a slow machine) under the default compile="auto" compiled the rest after its probe, and the
    # compiled program drew its dropout masks from Inductor's generator: final losses up to a third apart from the
    # same call run eagerly, the numbers depending on the machine's speed
    from collections import OrderedDict

    from descend import engine

    torch.manual_seed(0)
    x = torch.randn(64, 4)
    y = 2 * x[:, :1] + 0.1 * torch.randn(64, 1)
    model = ModuleModel(_dropout_net())
    common = dict(model=model, data=(x, y), optimizer="adam", lr=0.01, steps=engine.PROBE_STEPS + 8, seed=[0, 1],
                  batch_size=16)
    eager = descend.fit(compile=False, **common)
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(engine, "COMPILE_SECONDS", 0.0)  # compiling free: every remaining step would pay
    monkeypatch.setattr(engine, "COMPILE_SECONDS_AGAIN", 0.0)
    for compile in ("auto", "cached"):
        default = descend.fit(compile=compile, **common)
        assert "compile_seconds" not in default.summary and len(engine._PROGRAMS) == 0, compile
        pd.testing.assert_frame_equal(default.curves, eager.curves)


def test_a_classifier_with_dropout_leaves_the_callers_random_state_as_it_was() -> None:
    # the check that the model has one output per class ran a forward in training mode, outside training's own
    # generator: with class labels, fit moved the caller's random state
    x = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    model = ModuleModel(nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.5), nn.Linear(8, 2)))
    torch.manual_seed(5)
    state = torch.random.get_rng_state()
    descend.fit(model=model, data=(x, (x[:, 0] > 0).long()), optimizer="sgd", lr=0.1, steps=3, compile=False)
    assert torch.equal(state, torch.random.get_rng_state())


def test_a_convolutional_module_trains_on_images_as_a_torch_loop_does() -> None:
    # x of more than two axes was refused by fit's data check ("x must be [m, D]"), so input_ndim could not be used
    torch.manual_seed(0)
    x, y = torch.randn(40, 1, 6, 6, dtype=F64), torch.randint(0, 3, (40,))
    module = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Tanh(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3)).double()
    model = ModuleModel(module, input_ndim=4, output="softmax")
    runs = descend.fit(model=model, data=(x, y), optimizer="sgd", lr=0.1, steps=15, seed=[0, 1], dtype=F64)
    for run in (0, 1):
        twin = model.to_torch(model.init([run], dtype=F64), 0, logits=True)
        opt = torch.optim.SGD(twin.parameters(), lr=0.1)
        for _ in range(15):
            opt.zero_grad()
            nn.functional.cross_entropy(twin(x), y).backward()
            opt.step()
        for name, value in twin.named_parameters():
            torch.testing.assert_close(runs.params[run][name], value.detach(), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"x has shape \[40, 1, 6, 6\].*x\.reshape\(len\(x\), -1\).*input_ndim=4"):
        descend.fit(model=MLP((36, 4, 3), output="softmax"), data=(x, y), steps=1)


def test_frozen_parameters_of_a_module_are_not_trained_and_keep_their_values() -> None:
    # every parameter was trained, requires_grad=False or not, and init="reset" redrew the frozen ones too
    torch.manual_seed(0)
    module = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 1))
    module[0].weight.requires_grad_(False)
    kept = module[0].weight.detach().clone()
    model = ModuleModel(module)
    assert model.names == ("0.bias", "2.weight", "2.bias") and model.shapes() == ((6,), (1, 6), (1,))
    x, y = torch.randn(50, 4), torch.randn(50, 1)
    runs = descend.fit(model=model, data=(x, y), optimizer="sgd", lr=0.1, steps=20, seed=[0, 1], dtype=F64)
    assert set(runs.params[0]) == {"0.bias", "2.weight", "2.bias"}
    for run in (0, 1):
        twin = model.to_torch([runs.params[run][name].unsqueeze(0) for name in model.names], 0)
        assert torch.equal(twin[0].weight, kept.to(F64)), "the frozen weight as the module holds it, in the runs' dtype"
        loss = nn.functional.mse_loss(twin(x.to(F64)), y.to(F64)).item()
        assert runs.summary.loc[run, "final_train_loss"] == pytest.approx(loss, rel=1e-12)
    assert torch.equal(module[0].weight, kept)
    module[0].bias.requires_grad_(False)
    module[2].requires_grad_(False)
    with pytest.raises(ValueError, match=r"every parameter of module has requires_grad=False"):
        ModuleModel(module)


# ---------------------------------------------------------------------------------------------------------
# Bad input: a ValueError that names the argument
# ---------------------------------------------------------------------------------------------------------

_MLP = MLP((64, 8, 2))
_P = _MLP.init([0, 1])
_X = torch.randn(B, 64)

BAD = {
    "hidden": (lambda: MLP((3, 2), hidden="rellu"), r"hidden='rellu'.*did you mean 'relu'"),
    "output": (lambda: MLP((3, 2), output="softmx"), r"output='softmx'.*did you mean 'softmax'"),
    "init": (lambda: MLP((3, 2), init="xavir"), r"init='xavir'.*did you mean 'xavier'"),
    "init-type": (lambda: Linear(3, init=3), r"init=3"),
    "init-missing": (lambda: Linear(3, init={"weight": torch.zeros(3, 1)}), r"init is missing.*'bias'"),
    "init-unknown": (lambda: Linear(3, init={"weigth": 0, "bias": 0}), r"init has an unknown.*did you mean 'weight'"),
    "init-shape": (lambda: Linear(3, init={"weight": torch.zeros(2), "bias": [0.0]}), r"init\['weight'\] has shape"),
    "init_scale-unused": (lambda: Linear(3, init="xavier", init_scale=0.1), r"init_scale=0.1"),
    "init_scale-negative": (lambda: Linear(3, init="normal", init_scale=-1.0), r"init_scale=-1"),
    "sizes-short": (lambda: MLP((64,)), r"sizes=\(64,\) needs at least 2"),
    "sizes-zero": (lambda: MLP((64, 0)), r"sizes\[1\]=0"),
    "sizes-type": (lambda: MLP(64), r"sizes=64"),
    "in_features": (lambda: Linear(0), r"in_features=0"),
    "out_features": (lambda: Linear(3, 2.5), r"out_features=2.5"),
    "softmax-one-output": (lambda: Linear(3, 1, output="softmax"), r"output='softmax' needs at least 2"),
    "bias": (lambda: Linear(3, bias=1), r"bias=1"),
    "x-features": (lambda: _MLP.forward(_P, torch.randn(B, 5)), r"x has 5 features but the model expects 64"),
    "x-runs": (lambda: _MLP.forward(_P, torch.randn(3, B, 64)), r"x has shape \[3, 9, 64\].*K = 2"),
    "x-ndim": (lambda: _MLP.forward(_P, torch.randn(64)), r"x has shape \[64\]"),
    "x-type": (lambda: _MLP.forward(_P, [[1.0] * 64]), r"x must be a torch.Tensor"),
    "params-count": (lambda: _MLP.forward(_P[:2], _X), r"params has 2 tensors but the model has 4"),
    "params-shape": (lambda: _MLP.forward((_P[0][:, :3],) + _P[1:], _X), r"params\[0\] \('layer0.weight'\) has shape"),
    "params-runs": (lambda: _MLP.forward((_P[0], _P[1][:1]) + _P[2:], _X), r"params\[1\] \('layer0.bias'\) has 1 runs"),
    "params-type": (lambda: _MLP.forward(_P[0], _X), r"params must be a sequence"),
    "seeds-empty": (lambda: _MLP.init([]), r"seeds is empty"),
    "seeds-negative": (lambda: _MLP.init([0, -1]), r"seeds\[1\]=-1"),
    "seeds-type": (lambda: _MLP.init(3), r"seeds=3"),
    "dtype": (lambda: _MLP.init([0], dtype=torch.int64), r"dtype=torch.int64"),
    "k": (lambda: _MLP.to_torch(_P, 5), r"k=5"),
    "load_into": (lambda: _MLP.load_into(nn.Linear(64, 8), _P), r"module has 1 nn.Linear layers but the model has 2"),
    "load_into-shape": (
        lambda: Linear(4).load_into(nn.Linear(3, 1), Linear(4).init([0])),
        r"module's nn.Linear layer 0",
    ),
    "fn": (lambda: Parametric(3, {"a": 1.0}), r"fn=3"),
    "params-empty": (lambda: Parametric(_affine_tanh, {}), r"params=\{\}"),
    "params-value": (lambda: Parametric(_affine_tanh, {"a": "x"}), r"params\['a'\]"),
    "params-nan": (lambda: Parametric(_affine_tanh, {"a": math.nan}), r"params\['a'\] contains nan"),
    "valid": (lambda: Parametric(_affine_tanh, {"a": 1.0}, valid=1), r"valid=1"),
    "out": (lambda: Parametric(_affine_tanh, {"a": 1.0}, out=0), r"out=0"),
    "init_noise": (lambda: Parametric(_affine_tanh, {"a": 1.0}, init_noise=-0.1), r"init_noise=-0.1"),
    "fn-shape": (
        lambda: Parametric(lambda p, x: p["a"] * x, {"a": 1.0}).forward((torch.ones(2),), torch.ones(4, 3)),
        r"fn returned shape \[4, 3\]",
    ),
    "ellipse-x": (
        lambda: ellipse().forward(ellipse().init([0]), torch.ones(4, 2)),
        r"x has 2 features but the model expects 1",
    ),
    "w_a": (lambda: ellipse(w_a=0.0), r"w_a=0"),
    "offset": (lambda: ellipse(offset="c"), r"offset='c'"),
    "landscape": (lambda: landscape("rosenbrok"), r"f='rosenbrok'.*did you mean 'rosenbrock'"),
    "landscape-start": (lambda: landscape(lambda x, y: x * y), r"start=None"),
    "landscape-start-len": (lambda: landscape("booth", start=(1.0,)), r"start"),
    "module": (lambda: ModuleModel("net"), r"module must be a torch.nn.Module"),
    "module-empty": (lambda: ModuleModel(nn.ReLU()), r"module has no parameters"),
    "module-init": (lambda: ModuleModel(nn.Linear(2, 1), init="resett"), r"init='resett'.*did you mean 'reset'"),
    "module-x": (lambda: ModuleModel(nn.Linear(2, 1)).forward((torch.ones(1, 1, 2), torch.ones(1, 1)), torch.ones(2)),
                 r"x has shape \[2\]"),
    "to_torch": (lambda: to_torch(ellipse(), ellipse().init([0])), r"model=Parametric has no torch.nn twin"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_input_raises_value_error_naming_the_argument(case: str) -> None:
    call, message = BAD[case]
    with pytest.raises(ValueError, match=message):
        call()


def test_a_module_updating_its_running_statistics_is_refused_with_what_to_use():
    from torch import nn

    from descend.models import ModuleModel

    def net(**norm):
        return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8, **norm), nn.ReLU(), nn.Linear(8, 1))

    with pytest.raises(ValueError, match=r"BatchNorm1d '1', whose running mean and variance .*"
                                         r"track_running_stats=False.*module\.eval\(\).*LayerNorm"):
        ModuleModel(net())
    x, y = torch.randn(30, 4), torch.randn(30, 1)
    for module in (net(track_running_stats=False), net().eval()):
        runs = descend.fit(model=ModuleModel(module), data=(x, y), steps=3, optimizer=["adam", "sgd"], seed=[0, 1])
        assert torch.isfinite(torch.tensor(runs.summary["final_train_loss"].to_numpy())).all()
    frozen = net().eval()
    model = ModuleModel(frozen)
    frozen.train()  # put back in training mode after construction: refused when training starts
    with pytest.raises(ValueError, match=r"BatchNorm1d '1'"):
        descend.fit(model=model, data=(x, y), steps=1)


def test_a_module_that_cannot_take_the_samples_says_so_in_their_terms() -> None:
    # torch's vmap error about "batch2 tensor" dimensions came through as it was, a RuntimeError
    model = ModuleModel(nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1)))
    x = torch.randn(30, 3)
    with pytest.raises(ValueError, match=r"the module's forward failed on samples of shape \[3\] \(x \[30, 3\]\): "):
        descend.fit(model=model, data=(x, x.sum(1, keepdim=True)), optimizer="sgd", lr=0.1, steps=3, compile=False)


def test_the_activation_that_changes_nothing_is_linear_or_identity_in_either_place() -> None:
    """The seeds' "Linear" activation: MLP took hidden="linear" and refused "identity", and output="identity"
    while refusing "linear"; both names are taken in both places, as one activation."""
    same = descend.models.MLP((3, 4, 2), hidden="identity", output="linear")
    plain = descend.models.MLP((3, 4, 2), hidden="linear", output="identity")
    assert (same.hidden, same.output) == (plain.hidden, plain.output) == ("linear", "identity")
    x = torch.randn(5, 3)
    a, b = same.init([0, 1]), plain.init([0, 1])
    assert torch.equal(same.forward(a, x), plain.forward(b, x))
    with pytest.raises(ValueError, match="did you mean 'linear'"):
        descend.models.MLP((3, 4, 2), hidden="linaer")


def test_a_module_whose_forward_returns_a_tuple_is_told_to_return_one_tensor() -> None:
    """(prediction, extra), as many modules return: an AttributeError ('tuple' object has no attribute 'ndim')."""

    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(3, 1)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return self.layer(x), x.mean()

    x, y = torch.randn(16, 3), torch.randn(16, 1)
    with pytest.raises(ValueError, match=r"the module's forward returned a tuple, where descend trains a module "
                                         r"whose forward returns one tensor"):
        descend.fit(model=ModuleModel(Two()), data=(x, y), optimizer="sgd", lr=0.1, steps=2, compile=False)


def test_a_large_parameters_start_is_its_shape_and_range_in_the_models_text():
    """repr() and the card's describe() listed every starting value: a 64 × 64 weight made 20,670 characters."""
    from descend.models import Parametric

    start = {"w": torch.linspace(-1, 1, 4096).reshape(64, 64), "b": 0.5}
    model = Parametric(lambda p, x: (x @ p["w"]).sum(-1, keepdim=True), start)
    assert "'w': <64×64 values from -1 to 1>, 'b': 0.5" in repr(model) and len(repr(model)) < 200
    assert "w = <64×64 values from -1 to 1>, b = 0.5" in model.describe()


def test_a_trained_parameter_the_forward_does_not_use_is_refused_before_work() -> None:
    """torch leaves an unused parameter's gradient None and its optimizers skip it; descend gave it a zero gradient
    and AdamW's weight decay moved it (0.02394 in torch, 0.02277 in descend), silently."""

    class AuxHead(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body, self.aux = nn.Linear(4, 1), nn.Linear(4, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.body(x)

    x, y = torch.randn(16, 4), torch.randn(16, 1)
    net = AuxHead()
    with pytest.raises(ValueError, match=r"does not use the trained parameters 'aux\.weight', 'aux\.bias'.*"
                                         r"requires_grad=False"):
        descend.fit(model=ModuleModel(net), data=(x, y), optimizer="adamw", lr=0.1, steps=2, compile=False)
    net.aux.requires_grad_(False)  # frozen: trained as torch trains it
    runs = descend.fit(model=ModuleModel(net), data=(x, y), optimizer="adamw", lr=0.1, steps=2, compile=False)
    assert list(runs.params[0]) == ["body.weight", "body.bias"]


def test_a_forward_that_changes_its_buffers_is_refused_and_leaves_the_module_untouched() -> None:
    """A running standardiser of one's own (BatchNorm's pattern in another class) was accepted, its buffers changed
    in place by descend's checks, and trained differently from a torch loop."""

    class RunningCenter(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("mean", torch.zeros(4))
            self.layer = nn.Linear(4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if self.training:
                with torch.no_grad():
                    self.mean.mul_(0.9).add_(0.1 * x.mean(0))
            return self.layer(x - self.mean)

    x, y = torch.randn(16, 4) + 1, torch.randn(16, 1)
    net = RunningCenter()
    for dtype in (torch.float32, torch.float64):
        with pytest.raises(ValueError, match=r"module's forward changes its buffer 'mean' \(in its mode, training "
                                             r"on\).*module\.eval\(\)"):
            descend.fit(model=ModuleModel(net), data=(x, torch.arange(16) % 2), optimizer="sgd", lr=0.1, steps=2,
                        compile=False, dtype=dtype)
        assert torch.equal(net.mean, torch.zeros(4))
    net.eval()  # its statistics as they are: trained
    runs = descend.fit(model=ModuleModel(net), data=(x, y), optimizer="sgd", lr=0.1, steps=2, compile=False)
    assert runs.summary["status"].tolist() == ["ok"] and torch.equal(net.mean, torch.zeros(4))


def test_evaluations_follow_the_module_edited_between_fits_of_one_model() -> None:
    """The evaluation copy was built once per ModuleModel: a frozen layer replaced (or an activation swapped)
    between two fits reached training, and every evaluation used the old network (0.868 reported, 0.764 true)."""
    x, y = torch.randn(32, 3, dtype=torch.float64), torch.randn(32, 1, dtype=torch.float64)
    net = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Dropout(0.1), nn.Linear(8, 1)).double()
    net[0].weight.requires_grad_(False)
    model = ModuleModel(net, init="module")
    kw = dict(data=(x, y), loss="mse", optimizer="sgd", lr=0.1, batch_size=8, steps=3, dtype=torch.float64,
              compile=False)
    descend.fit(model=model, **kw)
    for edit in ("weight", "activation", "setting"):
        if edit == "weight":
            net[0].weight = nn.Parameter(torch.randn(8, 3, dtype=torch.float64), requires_grad=False)
        elif edit == "activation":
            net[1] = nn.ReLU()
        else:
            net[1] = nn.LeakyReLU(0.1)
            descend.fit(model=model, **kw)
            net[1].negative_slope = 0.5
        runs = descend.fit(model=model, **kw)
        back = model.to_torch([runs.params[0][n][None] for n in model.names]).eval()
        with torch.no_grad():
            true = nn.functional.mse_loss(back(x), y).item()
        assert runs.summary.loc[0, "final_train_loss"] == pytest.approx(true, rel=1e-12), edit


def test_a_module_that_fails_under_the_batched_call_says_why() -> None:
    """Every failure of the batched call was "the module cannot take samples of shape S", S being fine: a recurrent
    layer (no batching rule under vmap) and integer ids for an embedding (x given in the runs' dtype)."""

    class Recurrent(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gru, self.head = nn.GRU(3, 4, batch_first=True), nn.Linear(4, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.gru(x)[0][:, -1])

    class Ids(nn.Module):
        def __init__(self, convert: bool) -> None:
            super().__init__()
            self.embed, self.head, self.convert = nn.Embedding(10, 4), nn.Linear(4, 1), convert

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.embed(x.long() if self.convert else x).mean(1))

    kw = dict(optimizer="sgd", lr=0.1, steps=2, compile=False)
    x = torch.randn(16, 5, 3)
    with pytest.raises(ValueError, match=r"the module has a recurrent layer .*a loop over the time steps .*"
                                         r"\(Batching rule not implemented for aten::gru"):
        descend.fit(model=ModuleModel(Recurrent(), input_ndim=3), data=(x, torch.randn(16, 1)), **kw)
    ids = torch.randint(0, 10, (16, 3))
    with pytest.raises(ValueError, match=r"integer ids \(torch\.nn\.Embedding\).*x\.long\(\) \(Expected tensor"):
        descend.fit(model=ModuleModel(Ids(False)), data=(ids, torch.randn(16, 1)), **kw)
    runs = descend.fit(model=ModuleModel(Ids(True)), data=(ids, torch.randn(16, 1)), **kw)
    assert runs.summary["status"].tolist() == ["ok"]


def test_samples_of_another_number_of_axes_than_input_ndim_name_it_before_work() -> None:
    """[m, C, L] without input_ndim=3 were read as one batch per run: "its leading run axis has 16 runs but the
    parameters have K = 1", at the first evaluation, without a word of input_ndim."""
    x, y = torch.randn(16, 2, 8), torch.randint(0, 3, (16,))
    net = nn.Sequential(nn.Conv1d(2, 3, 3), nn.Tanh(), nn.Flatten(), nn.Linear(18, 3))
    with pytest.raises(ValueError, match=r"input_ndim=2 takes samples of 1 axis .* x has shape \[16, 2, 8\]: samples "
                                         r"of shape \[2, 8\]; give ModuleModel\(module, input_ndim=3\)"):
        descend.fit(model=ModuleModel(net), data=(x, y), steps=3, compile=False)
    runs = descend.fit(model=ModuleModel(net, input_ndim=3), data=(x, y), steps=3, compile=False)
    assert runs.summary["status"].tolist() == ["ok"]


def test_reset_leaves_a_parametrized_weight_as_the_module_holds_it_as_documented() -> None:
    """init="reset" redraws the bias per seed but not a parametrized weight (reset_parameters writes into the computed
    weight); the docstring says so."""
    from torch.nn.utils import parametrize

    class Scaled(nn.Module):
        def forward(self, w: torch.Tensor) -> torch.Tensor:
            return 2 * w

    net = nn.Sequential(nn.Linear(3, 2))
    parametrize.register_parametrization(net[0], "weight", Scaled())
    model = ModuleModel(net)
    params = dict(zip(model.names, model.init([0, 1])))
    weight, bias = params["0.parametrizations.weight.original"], params["0.bias"]
    assert torch.equal(weight[0], weight[1]) and not torch.equal(bias[0], bias[1])
    assert "parametrizations.weight.original" in ModuleModel.__doc__


def test_a_forward_that_requires_more_than_the_samples_is_refused_naming_its_signature() -> None:
    """forward(self, x, mask) failed at the first step with a raw TypeError from inside torch's vmap."""

    class Masked(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layer = nn.Linear(3, 1)

        def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
            return self.layer(x * mask)

    class Defaulted(Masked):
        def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
            return self.layer(x)

    with pytest.raises(ValueError, match=r"module's forward\(x, mask\) requires 'mask' besides the samples; "
                                         r"descend calls forward\(x\)"):
        ModuleModel(Masked())
    x = torch.randn(8, 3)
    runs = descend.fit(model=ModuleModel(Defaulted()), data=(x, x.sum(1)), steps=2, compile=False)
    assert runs.summary["status"].tolist() == ["ok"]


def test_a_module_whose_runs_start_alike_whatever_their_seed_says_so_once() -> None:
    """A module of nn.Parameter of one's own has no reset_parameters(): fit(seed=[0, 1, 2]) trained three copies of
    one run (full batch) and said nothing, as if the seeds agreed."""
    import warnings

    class Raw(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(6, 1) * 0.3)

        def forward(self, x):
            return x @ self.w

    x = torch.randn(32, 6, generator=torch.Generator().manual_seed(0))
    y = x.sum(1, keepdim=True)
    raw = descend.models.ModuleModel(Raw())
    with pytest.warns(UserWarning, match=r"every run starts from the same parameters whatever its seed .* "
                                         r"init='module'") as caught:
        runs = descend.fit(model=raw, data=(x, y), seed=[0, 1, 2], steps=3, compile=False)
    assert len([w for w in caught if "same parameters" in str(w.message)]) == 1
    assert runs.summary["final_train_loss"].nunique() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        descend.fit(model=raw, data=(x, y), seed=[0, 1], steps=3, compile=False)  # said once per model
        # one seed, init='module' (meant), and layers drawn per seed (a LayerNorm's constants among them) say nothing
        descend.fit(model=descend.models.ModuleModel(Raw()), data=(x, y), seed=0, steps=3, compile=False)
        descend.fit(model=descend.models.ModuleModel(Raw(), init="module"), data=(x, y), seed=[0, 1], steps=3,
                    compile=False)
        drawn = nn.Sequential(nn.Linear(6, 4), nn.LayerNorm(4), nn.Linear(4, 1))
        descend.fit(model=descend.models.ModuleModel(drawn), data=(x, y), seed=[0, 1], steps=3, compile=False)


def test_a_modules_fingerprint_follows_its_code_where_its_source_cannot_be_read() -> None:
    """A class of a notebook's cell (or of exec) has no source inspect can read: its forward edited, the
    fingerprint stayed the same, and a study made with the first resumed with the second."""
    source = """
from torch import nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(3, 2)
    def forward(self, x):
        return self.layer(x){}
"""
    prints = []
    for edit in ("", "", ".tanh()"):
        namespace: dict = {}
        exec(source.format(edit), namespace)  # noqa: S102
        torch.manual_seed(0)
        prints.append(descend.models.ModuleModel(namespace["Net"]()).fingerprint())
    assert prints[0] == prints[1] != prints[2]


@pytest.mark.parametrize("model", [MLP((3, 4, 2)), Linear(3, 2),
                                   ModuleModel(nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)))],
                         ids=["mlp", "linear", "module"])
def test_parameters_of_two_dtypes_are_refused_naming_both(model):
    """An MLP failed inside forward with torch's "expected scalar type Double but found Float", a ModuleModel ran
    the float32 tensors in float64 without a word: the package's constructors and methods say ValueError, naming
    the argument, for bad input."""
    params = model.init([0, 1])
    mixed = (params[0].double(), *params[1:])
    with pytest.raises(ValueError, match=r"params\[1\] \('.*'\) has dtype torch.float32 but params\[0\] \('.*'\) "
                                         r"has torch.float64: every parameter must have one dtype"):
        model.forward(mixed, torch.zeros(5, 3))
