"""An optimizer of one's own, registered (descend.optim.register): trained by name beside descend's own, equal to a
plain torch loop of the same rule, in fit, compare and tune; a rule that cannot work refused when registered."""

from __future__ import annotations

from typing import NamedTuple

import pytest
import torch

import descend
from descend.optim import Hyperparameter, Interval, OptimizerInfo
from descend.optim._base import new_step, per_run, zeros_like


class LionState(NamedTuple):
    step: torch.Tensor
    m: tuple


def lion_init(params):
    return LionState(new_step(params), zeros_like(params))


def lion_update(grads, state, params, *, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0):
    """Lion: c = β₁·m + (1 − β₁)·g, w ← w − α·(sign(c) + λ·w), m ← β₂·m + (1 − β₂)·g."""
    new_params, new_m = [], []
    for w, g, m in zip(params, grads, state.m):
        c = per_run(beta1, w) * m + (1 - per_run(beta1, w)) * g
        new_params.append(w - per_run(lr, w) * (torch.sign(c) + per_run(weight_decay, w) * w))
        new_m.append(per_run(beta2, w) * m + (1 - per_run(beta2, w)) * g)
    return tuple(new_params), LionState(state.step + 1, tuple(new_m))


HYPER = (Hyperparameter("lr", 1e-4, Interval(0.0), "α", "learning rate"),
         Hyperparameter("beta1", 0.9, Interval(0.0, 1.0), "β₁", "interpolation of m and g"),
         Hyperparameter("beta2", 0.99, Interval(0.0, 1.0), "β₂", "decay of m"),
         Hyperparameter("weight_decay", 0.0, Interval(0.0), "λ", "decoupled weight decay"))
LION = OptimizerInfo("lion", "Lion: the sign of an interpolated momentum", lion_init, lion_update, HYPER, ())


@pytest.fixture
def lion():
    descend.optim.register(LION)
    yield LION
    descend.optim.unregister("lion")


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def test_a_registered_rule_trains_by_name_as_a_plain_torch_loop_of_it(lion):
    lrs, beta1s = [1e-3, 3e-3], [0.9, 0.5]
    runs = descend.fit(task="rosenbrock", optimizer="lion", lr=lrs, beta1=beta1s, steps=40, dtype=torch.float64,
                       record_path=True, compile=False)
    start = runs.paths[0][0]
    for run, row in runs.summary.iterrows():
        w = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        m = torch.zeros(2, dtype=torch.float64)
        path = [w.detach().clone()]
        for _ in range(40):  # the rule by hand, one run at a time
            (g,) = torch.autograd.grad(rosenbrock(w[0], w[1]), w)
            with torch.no_grad():
                c = row["beta1"] * m + (1 - row["beta1"]) * g
                w -= row["lr"] * torch.sign(c)
                m = 0.99 * m + 0.01 * g
            path.append(w.detach().clone())
        torch.testing.assert_close(torch.as_tensor(runs.paths[run]), torch.stack(path), rtol=1e-12, atol=1e-12)
    assert list(runs.summary["status"]) == ["ok"] * 4


def test_descends_own_runs_are_the_same_beside_a_registered_one(lion):
    common = dict(task="himmelblau", lr=[0.01, 0.1], seed=[0, 1], steps=60, compile=False)
    alone = descend.fit(optimizer="adam", **common).summary
    beside = descend.fit(optimizer=["adam", "lion"], **common).summary
    mine = beside[beside["optimizer"] == "adam"].reset_index(drop=True)
    assert mine["final_train_loss"].tolist() == alone.reset_index(drop=True)["final_train_loss"].tolist()
    assert set(beside["optimizer"]) == {"adam", "lion"} and descend.optim.get("lion") is lion


def test_compare_and_tune_take_a_registered_optimizer(lion, tmp_path):
    from descend import compare as C
    from descend.report.build import write_report

    config, task = C.resolve("rosenbrock", optimizers=["adam", "lion"], lr="0.01", steps=30, seeds=1)
    comparison = C.compare(config, task)
    assert list(comparison.table.index) == ["adam", "lion"]
    assert comparison.table.loc["lion", "state bytes / parameter"] == 4  # one state tensor of float32
    assert write_report(comparison, tmp_path / "report", animation=False).exists()
    result = descend.tune("rosenbrock", optimizer="lion", trials=4, cohort=4, steps=20, seeds=1)
    assert list(result.table.index) == ["lion"] and result.table.loc["lion", "seeds"] == 1


def test_what_cannot_be_registered_is_refused_with_why(lion):
    def broken(grads, state, params, *, lr=1e-3):
        raise RuntimeError("not written yet")

    def swapped(grads, state, params, *, lr=1e-3):  # the pair the other way round (it said "'tuple' object has no
        return lion_update(grads, state, params, lr=lr)[::-1]  # attribute 'shape'")

    cases = [
        (LION, "an optimizer 'lion' is registered already; give replace=True"),
        (OptimizerInfo("adam", "mine", lion_init, lion_update, HYPER, ()), "'adam' is one of descend's own"),
        (OptimizerInfo("My Lion", "mine", lion_init, lion_update, HYPER, ()), "use lower-case letters"),
        (OptimizerInfo("nolr", "mine", lion_init, lion_update, HYPER[1:], ()), "has no hyperparameter 'lr'"),
        (OptimizerInfo("broken", "mine", lion_init, broken, HYPER[:1], ()),
         "'broken' cannot be trained: its rule failed on a first step \\(RuntimeError: not written yet\\)"),
        (OptimizerInfo("swapped", "mine", lion_init, swapped, HYPER[:1], ()),
         "'swapped' cannot be trained: .*update returned \\(state, params\\); it returns \\(params, state\\)"),
    ]
    for info, message in cases:
        with pytest.raises(ValueError, match=message):
            descend.optim.register(info)
    with pytest.raises(TypeError, match="takes a descend.optim.OptimizerInfo, not str"):
        descend.optim.register("lion")
    assert descend.optim.register(LION, replace=True) is LION
    with pytest.raises(ValueError, match="'sgd' is one of descend's own optimizers"):
        descend.optim.unregister("sgd")
    with pytest.raises(ValueError, match="optimizer=OptimizerInfo\\('lion', ...\\): an optimizer is given by its "
                                         "name; .* then optimizer='lion'"):
        descend.fit(task="rosenbrock", optimizer=["adam", LION], steps=3)
    with pytest.raises(ValueError, match="an optimizer is given by its name"):
        descend.tune("rosenbrock", optimizer=LION, trials=2, cohort=2)


def test_unregister_takes_it_out():
    descend.optim.register(LION)
    assert descend.optim.available(own=False) == ["lion"]
    descend.optim.unregister("lion")
    assert "lion" not in descend.optim.OPTIMIZERS and descend.optim.available(own=False) == []
    with pytest.raises(ValueError, match="unknown optimizer 'lion'"):
        descend.fit(task="rosenbrock", optimizer="lion", steps=3)
    with pytest.raises(ValueError, match="no registered optimizer 'lion' \\(registered: none\\)"):
        descend.optim.unregister("lion")


class _State(NamedTuple):
    step: torch.Tensor


class _MState(NamedTuple):
    step: torch.Tensor
    m: tuple


def _m_update(grads, state, params, *, lr=0.1, beta=0.5):
    ms = tuple(per_run(beta, w) * m + g for w, g, m in zip(params, grads, state.m))
    return tuple(w - per_run(lr, w) * m for w, m in zip(params, ms)), _MState(state.step + 1, ms)


def _stateless(params):
    return _State(new_step(params))


def _lars(grads, state, params, *, lr=0.1):  # each parameter tensor moved by lr·g/‖g‖: a norm per tensor
    return tuple(w - per_run(lr, w) * g / g.norm() for w, g in zip(params, grads)), _State(state.step + 1)


def _forgets_per_run(grads, state, params, *, lr=0.1):
    return tuple(w - lr * g for w, g in zip(params, grads)), _State(state.step + 1)


def _one_number(grads, state, params, *, lr=0.1):
    return tuple(w - float(lr) * g for w, g in zip(params, grads)), _State(state.step + 1)


def _float64(grads, state, params, *, lr=0.1):  # a [K] tensor used as float64 on float32 parameters
    return tuple(w - lr.view(-1, 1) * g if isinstance(lr, torch.Tensor) else w - lr * g
                 for w, g in zip(params, grads)), _State(state.step + 1)


def _dict_state(params):
    return {"step": new_step(params)}


def _plain(grads, state, params, *, lr=0.1):
    return tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)), state


def _truncates(grads, state, params, *, lr=0.1):  # right for the registration's first (2, 3) parameter only
    return tuple((w - per_run(lr, w) * g)[..., :3] for w, g in zip(params, grads)), _State(state.step + 1)


def _data_inplace(grads, state, params, *, lr=0.1):  # torch.optim's older idiom, p.data.add_(...)
    for w, g in zip(params, grads):
        w.data.sub_(per_run(lr, w) * g)
    return params, _State(state.step + 1)


def _state_data_inplace(grads, state, params, *, lr=0.1, beta=0.5):  # the momentum kept through m.data
    for w, g, m in zip(params, grads, state.m):
        m.data.mul_(per_run(beta, w)).add_(g)
    return tuple(w - per_run(lr, w) * m for w, m in zip(params, state.m)), _MState(state.step + 1, state.m)


def _warm_up_in_place(grads, state, params, *, lr=0.1):  # `lr *=` on the runs' [K] tensor of rates
    lr *= torch.clamp((state.step + 1) / 5, max=1.0)
    return tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)), _State(state.step + 1)


def _int_step_update(grads, state, params, *, lr=0.1, beta=0.9):  # 1 − βᵗ with an int64 t
    correction = 1 - beta ** (state.step + 1)  # float32 for a number β, float64 for a [K] tensor
    return (tuple(w - per_run(lr, w) * g / per_run(correction, w) for w, g in zip(params, grads)),
            _State(state.step + 1))


def _trust_ratio(grads, state, params, *, lr=0.1, trust=0.0):  # LAMB's ‖w‖/‖g‖ per tensor, weighed by trust
    new = []
    for w, g in zip(params, grads):
        t = per_run(trust, w)
        new.append(w - per_run(lr, w) * g * (1 - t + t * w.norm(dim=-1, keepdim=True) / g.norm(dim=-1, keepdim=True)))
    return tuple(new), _State(state.step + 1)


LR = (Hyperparameter("lr", 0.1, Interval(0.0), "α", "learning rate"),)
USED = "is a name descend.fit, the summary, descend tune's tables or the optimizer classes use already"
BETA = Hyperparameter("beta", 0.5, Interval(0.0, 1.0), "β", "a decay")
TRUST = Hyperparameter("trust", 0.0, Interval(0.0, 1.0, closed_high=True), "τ", "weight of the trust ratio")


@pytest.mark.parametrize("info, message", [
    (OptimizerInfo("lars", "per tensor", _stateless, _lars, LR, ()), "does not treat each number apart.*LARS"),
    (OptimizerInfo("noperrun", "mine", _stateless, _forgets_per_run, LR, ()),
     "failed on a step as the engine takes it \\(two runs, each hyperparameter a \\[K\\] tensor"),
    (OptimizerInfo("scalar", "mine", _stateless, _one_number, LR, ()), "failed on a step as the engine takes it"),
    (OptimizerInfo("widens", "mine", _stateless, _float64, LR, ()), "float32 parameters came back as torch.float64"),
    (OptimizerInfo("dictstate", "mine", _dict_state, _plain, LR, ()), "the state must be a NamedTuple"),
    (OptimizerInfo("truncates", "mine", _stateless, _truncates, LR, ()),
     r"update returned parameters of shapes \[\(2, 3\)\] for parameters of shapes \[\(2, 6\)\]"),
    (OptimizerInfo("unused", "mine", _stateless, _plain, LR + (BETA,), ()),
     "declares 'beta' but its update does not take it"),
    (OptimizerInfo("steps", "mine", _stateless, _plain, LR + (Hyperparameter("steps", 1.0, Interval(0.0), "s", "s"),),
                   ()), f"'steps' {USED}"),
    (OptimizerInfo("label", "mine", _stateless, _plain, LR + (Hyperparameter("label", 1.0, Interval(0.0), "s", "s"),),
                   ()), f"'label' {USED}"),
    # a trial's objective: with a hyperparameter named so, the trials table held the hyperparameter instead
    (OptimizerInfo("valued", "mine", _stateless, _plain, LR + (Hyperparameter("value", 1.0, Interval(0.0), "v", "v"),),
                   ()), f"'value' {USED}"),
    # AdaBound's final_lr: read as a result by descend.selection, two rates chosen between as one configuration
    (OptimizerInfo("bounded", "mine", _stateless, _plain, LR + (Hyperparameter("final_lr", 0.1, Interval(0.0), "f",
                                                                                "f"),), ()),
     "'final_lr' starts with 'final_' or '_', which marks the summary's results"),
    # the re-runs' count in descend tune's table.csv: a searched hyperparameter named so was replaced by it
    (OptimizerInfo("seeded", "mine", _stateless, _plain, LR + (Hyperparameter("seeds", 1.0, Interval(0.0), "s", "s"),),
                   ()), f"'seeds' {USED}"),
    (OptimizerInfo("nanrule", "mine", _stateless, lambda grads, state, params, *, lr=0.1: (
        tuple(w + per_run(lr, w) * g / 0.0 * 0.0 for w, g in zip(params, grads)), _State(state.step + 1)), LR, ()),
     "its rule returned NaN or inf on a first step"),  # was said not to be elementwise
    (OptimizerInfo("random-search", "mine", _stateless, _plain, LR, ()), "'random-search' is one of descend's own"),
    # each passed and ended the command line in a traceback: a state update made as a dict, None, an int or a list
    (OptimizerInfo("dictafter", "mine", _stateless, lambda grads, state, params, *, lr=0.1: (
        tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)), {"step": state.step + 1}), LR, ()),
     "update returned a dict state; it must return the state init made \\(_State\\)"),
    (OptimizerInfo("intafter", "mine", _stateless, lambda grads, state, params, *, lr=0.1: (
        tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)), _State(1)), LR, ()),
     "update returned step=1; it must be a tensor"),
    (OptimizerInfo("listfield", "mine", lambda params: _MState(new_step(params), [torch.zeros_like(p) for p in params]),
                   _m_update, LR + (BETA,), ()), "init made m a list; each field of the state must be a tensor"),
    # a rule that couples the runs through its state (the last gradient's norm over all of them) showed only from
    # its second step: registered, its runs' numbers depended on the runs beside them
    (OptimizerInfo("coupled", "mine", lambda params: _MState(new_step(params), zeros_like(params)),
                   lambda grads, state, params, *, lr=0.1, beta=0.5: (
                       tuple(w - per_run(lr, w) * g / (1 + m.norm()) for w, g, m in zip(params, grads, state.m)),
                       _MState(state.step + 1, tuple(grads))), LR + (BETA,), ()),
     "does not treat each number apart"),
    # a state widened to float64 by a [K] hyperparameter: every compiled run read it as float32 and "diverged"
    (OptimizerInfo("widestate", "mine", lambda params: _MState(new_step(params), zeros_like(params)),
                   lambda grads, state, params, *, lr=0.1, beta=0.5: (
                       tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)),
                       _MState(state.step + 1, tuple((beta.view(-1, 1) if isinstance(beta, torch.Tensor) else beta)
                                                     * m + g for m, g in zip(state.m, grads)))), LR + (BETA,), ()),
     "update returned m in float64 where init made it float32"),
    # torch.optim's habit: the recorded path was the final point at every step, and compiled runs trained wrong
    (OptimizerInfo("inplace", "mine", _stateless, lambda grads, state, params, *, lr=0.1: (
        tuple(w.sub_(per_run(lr, w) * g) for w, g in zip(params, grads)), _State(state.step + 1)), LR, ()),
     r"update changed its inputs in place \(w.sub_"),
    # the same through .data, whose version counter is its own: the recorded path started a step late (at the
    # point after the first step), and compiled runs trained to other numbers
    (OptimizerInfo("datainplace", "mine", _stateless, _data_inplace, LR, ()),
     r"update changed its inputs in place \(w.sub_\(...\), w.data.sub_"),
    (OptimizerInfo("statedata", "mine", lambda params: _MState(new_step(params), zeros_like(params)),
                   _state_data_inplace, LR + (BETA,), ()), r"update changed its inputs in place \(w.sub_"),
    # was refused as not elementwise (a norm, as LARS or LAMB take), which it has none of: its [K] rates were
    # changed for the step that came after
    (OptimizerInfo("warmup", "mine", _stateless, _warm_up_in_place, LR, ()),
     r"update changed its hyperparameter 'lr' in place \(lr \*= ...\).*write lr = lr \* ..."),
    (OptimizerInfo("intstep", "mine", lambda params: _State(torch.zeros((), dtype=torch.int64)), _int_step_update,
                   LR + (Hyperparameter("beta", 0.9, Interval(0.0, 1.0), "β", "a decay"),), ()),
     r"'intstep' computes otherwise with its hyperparameters as numbers than as \[K\] tensors .*int64"),
    # a weight whose default 0 switched a norm per tensor off: registered, and trained wrong with trust=1
    (OptimizerInfo("trusty", "mine", _stateless, _trust_ratio, LR + (TRUST,), ()),
     r"'trusty' does not treat each number apart: .* in two parts \(at lr=0.1, trust=0.5\).*LAMB"),
    # descend tune's searched schedule: a hyperparameter so named broke every search of the rule
    (OptimizerInfo("scheduled", "mine", _stateless, _plain, LR + (Hyperparameter("schedule", 1.0, Interval(0.0), "s",
                                                                                  "s"),), ()),
     f"'schedule' {USED}"),
    (OptimizerInfo("spaced", "mine", _stateless, lambda grads, state, params, **hyper: _plain(grads, state, params,
                                                                                              lr=hyper["lr"]),
                   LR + (Hyperparameter("beta 1", 1.0, Interval(0.0), "s", "s"),), ()),
     "'beta 1' cannot be written on the command line"),
    # a range given as a tuple (or None) failed as "its rule failed on a first step (AttributeError: ...)"
    (OptimizerInfo("tuplerange", "mine", _stateless, _plain, (Hyperparameter("lr", 0.1, (0, 1), "α", "rate"),), ()),
     r"hyperparameter 'lr' has allowed=\(0, 1\); give a descend.optim.Interval"),
])
def test_a_rule_that_would_train_wrong_is_refused_when_registered(info, message):
    # each was accepted and then trained silently wrong (a norm over every parameter at once, one run's rate for
    # another's parameters, float64 parameters), failed deep in training without naming the optimizer, ignored a
    # declared hyperparameter, or took an argument of fit's
    with pytest.raises(ValueError, match=message):
        descend.optim.register(info)
    assert info.name not in descend.optim.available(own=False)


@pytest.mark.parametrize("name", ["foreach", "fused", "param_names", "differentiable", "capturable", "convention",
                                  "betas", "params"])
def test_a_name_the_optimizer_classes_take_is_refused_when_registered(name):
    """optimizer_class's class took fused=0.5 (foreach, param_names) as its own switch and ran the rule at the
    hyperparameter's default, silently; differentiable, capturable and convention failed with the class's words about
    its switch, and descend.fit and the classes read betas as (beta1, beta2)."""
    mine = Hyperparameter(name, 1.0, Interval(0.0), "s", "s")
    info = OptimizerInfo("mine", "mine", _stateless, lambda grads, state, params, **hyper: _plain(
        grads, state, params, lr=hyper["lr"]), LR + (mine,), ())
    with pytest.raises(ValueError, match=f"'{name}' {USED}"):
        descend.optim.register(info)
    assert "mine" not in descend.optim.available(own=False)


def test_a_rule_that_couples_the_runs_elementwise_within_each_is_refused_when_registered():
    """A rule that scales each number by the mean |g| over the runs (dim 0) is elementwise within a run, so its step
    in two parts equals its step whole; only one run alone against the same run beside another shows it, and that
    check was untested."""
    def runmix(grads, state, params, *, lr=0.1):
        return (tuple(w - per_run(lr, w) * g / (1 + g.abs().mean(dim=0, keepdim=True)) for w, g in zip(params, grads)),
                _State(state.step + 1))

    info = OptimizerInfo("runmix", "couples the runs", _stateless, runmix, LR, ())
    with pytest.raises(ValueError, match="on one run alone from the same run beside another"):
        descend.optim.register(info)
    assert "runmix" not in descend.optim.available(own=False)


@pytest.mark.parametrize("name", ["gd", "momentum", "sgd", "nesterov", "adagrad", "adadelta", "rmsprop", "adam",
                                  "adamw", "adamax", "nadam", "radam"])
def test_descends_own_rules_pass_the_checks_inside_their_ranges_too(name):
    """Each of descend's own rules, elementwise and pure, registered under another name: tried inside every
    hyperparameter's range as well as at the defaults, none is refused."""
    import dataclasses

    info = dataclasses.replace(descend.optim.get(name), name=f"own-{name}")
    descend.optim.register(info)
    descend.optim.unregister(info.name)


class _LastState(NamedTuple):
    step: torch.Tensor
    last: tuple


def test_a_state_holding_nan_that_the_rule_leaves_alone_is_not_changed_in_place():
    """NaN equals nothing, itself included: a state's NaN the rule does not touch is no change of its inputs."""
    def momentum_from_the_second_step(grads, state, params, *, lr=0.1):  # `last` NaN until a gradient is kept
        step = [torch.where(last.isnan(), g, (g + last) / 2) for g, last in zip(grads, state.last)]
        return (tuple(w - per_run(lr, w) * d for w, d in zip(params, step)),
                _LastState(state.step + 1, tuple(g.clone() for g in grads)))

    info = OptimizerInfo("nanstart", "mine", lambda params: _LastState(new_step(params), tuple(
        torch.full_like(p, float("nan")) for p in params)), momentum_from_the_second_step, LR, ())
    descend.optim.register(info)
    descend.optim.unregister("nanstart")


def test_the_default_search_of_a_rule_stays_in_its_own_learning_rate_range(tmp_path):
    # the default space (two decades either side of the rate: 0.001..10) went past a plugin's allowed [0, 1): the
    # search failed after its first cohort began, leaving a study that could not be resumed with a valid space
    capped = OptimizerInfo("capped", "mine", _stateless, _plain,
                           (Hyperparameter("lr", 0.1, Interval(0.0, 1.0), "α", "learning rate"),), ())
    descend.optim.register(capped)
    try:
        from descend.tune.space import default_space

        assert default_space("capped").text() == "lr=0.001..0.999:log"
        result = descend.tune("rosenbrock", optimizer="capped", trials=8, cohort=8, steps=20, seeds=0,
                              storage=str(tmp_path / "s.journal"))
        assert len(result.trials) == 8 and (result.trials["lr"] < 1).all()
    finally:
        descend.optim.unregister("capped")


def test_a_plugin_says_what_descend_tune_searches_by_default(tmp_path):
    # a registered optimizer was searched over lr alone when --space was left out, while descend's own had their
    # own hyperparameters searched too (Adam's β₁): a comparison of tuned optimizers that favoured the built-ins
    import dataclasses

    from descend.tune.space import default_space

    mine = dataclasses.replace(LION, name="lion-searched", searched={"beta1": (0.8, 0.95, False),
                                                                     "weight_decay": (1e-4, 1e-1, True)})
    descend.optim.register(mine)
    try:
        assert default_space("lion-searched", lr=1e-3).text() == (
            "lr=1e-05..0.1:log, beta1=0.8..0.95, weight_decay=0.0001..0.1:log")
        result = descend.tune("rosenbrock", optimizer="lion-searched", trials=8, cohort=8, steps=10, seeds=0,
                              storage=str(tmp_path / "s.journal"))
        trials = result.trials
        assert trials["beta1"].between(0.8, 0.95).all() and trials["weight_decay"].between(1e-4, 1e-1).all()
        assert trials["beta1"].nunique() > 1
    finally:
        descend.optim.unregister("lion-searched")


@pytest.mark.parametrize("searched, message", [
    ({"lr": (1e-4, 1e-1, True)}, r"searched\['lr'\]: lr is always searched"),
    ({"beta": (0.5, 0.9, False)}, r"searched\['beta'\]: not one of its hyperparameters \(beta1, beta2, weight_decay"),
    ({"beta1": (0.9, 0.5, False)}, r"0.9..0.5; give finite low < high"),
    ({"beta1": (0.5, 1.5, False)}, r"0.5..1.5 is not inside beta1's allowed range \[0, 1\)"),
    ({"weight_decay": (0.0, 0.1, True)}, r"on a log scale needs low > 0"),
    ({"beta1": (0.5, 0.9)}, r"give \(low, high, log\)"),
    ({"beta1": (0.5, 0.9, "yes")}, r"log = 'yes', give True"),
])
def test_a_default_search_the_rule_cannot_take_is_refused_when_registered(searched, message):
    import dataclasses

    with pytest.raises(ValueError, match=message):
        descend.optim.register(dataclasses.replace(LION, name="lion-bad", searched=searched))
    assert "lion-bad" not in descend.optim.available(own=False)


def test_reserved_names_are_fits_arguments_and_the_trials_columns_whatever_is_imported():
    """RESERVED held fit's arguments only once descend.fitting was imported: a plugin that imports descend.optim
    alone (as --plugin files do) registered a hyperparameter named steps, and descend tune's trials lost it."""
    import inspect
    import subprocess
    import sys

    from descend.optim.registry import FIT_ARGUMENTS, RESERVED, TRIAL_COLUMNS

    assert FIT_ARGUMENTS == set(inspect.signature(descend.fit).parameters) - {"lr", "hyperparameters"}
    assert FIT_ARGUMENTS | TRIAL_COLUMNS <= RESERVED
    from descend.tune.space import SCHEDULE

    assert SCHEDULE in RESERVED  # descend tune's space key besides the hyperparameters (batch_size is fit's)
    trials = descend.tune("rosenbrock", optimizer="adam", space="lr=1e-3..1e-1:log", trials=2, cohort=2, steps=3,
                          seeds=0).trials
    # besides the searched parameters, exactly those (a search of a loss has no loss column: its value is it)
    assert set(trials.columns) == TRIAL_COLUMNS - {"loss"} | {"lr"}
    code = ("import sys, descend.optim as o; from descend.optim import Hyperparameter, Interval, OptimizerInfo\n"
            "sys.path.insert(0, %r)\nfrom test_register import _stateless, _plain, LR\n"
            "o.register(OptimizerInfo('multi', 'm', _stateless, _plain, LR + (Hyperparameter('steps', 1.0, "
            "Interval(0.0), 's', 's'),), ()))" % str(__import__("pathlib").Path(__file__).parent))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1 and "'steps' is a name descend.fit" in result.stderr, result.stderr


def _signed(grads, state, params, **hyper):  # its hyperparameters through **hyper
    lr, beta = hyper.get("lr", 1.0), hyper.get("beta", 0.0)
    return tuple(w - per_run(lr, w) * (g + per_run(beta, w) * w) for w, g in zip(params, grads)), _State(
        state.step + 1)


def test_a_rule_taking_its_hyperparameters_through_keywords_gets_them():
    """update(grads, state, params, **hyper) was accepted, then given none of them: every learning rate trained
    the rule's own default, while the summary listed the rates."""
    info = OptimizerInfo("kwrule", "mine", _stateless, _signed, LR + (BETA,), ())
    descend.optim.register(info)
    try:
        runs = descend.fit(task="rosenbrock", optimizer="kwrule", lr=[0.001, 0.0001], beta=[0.0, 0.5], steps=3,
                           dtype=torch.float64, compile=False)
        for i, row in runs.summary.iterrows():
            w = torch.tensor(descend.landscapes.get("rosenbrock").start, dtype=torch.float64).requires_grad_()
            for _ in range(3):
                (g,) = torch.autograd.grad(rosenbrock(*w), w)
                w = (w - row["lr"] * (g + row["beta"] * w)).detach().requires_grad_()
            assert torch.allclose(torch.as_tensor(runs.paths[i][-1]), w.detach(), rtol=1e-12, atol=1e-12)
    finally:
        descend.optim.unregister("kwrule")


class _SignState(NamedTuple):
    step: torch.Tensor
    m: tuple


def _sign_update(grads, state, params, *, lr=0.01, beta=0.9, nesterov=False):
    ws, ms = [], []
    for w, g, m in zip(params, grads, state.m):
        m = per_run(beta, w) * m + (1 - per_run(beta, w)) * g
        d = (1 - per_run(beta, w)) * g + per_run(beta, w) * m if nesterov else m
        ws.append(w - per_run(lr, w) * torch.sign(d))
        ms.append(m)
    return tuple(ws), _SignState(state.step + 1, tuple(ms))


def test_an_option_of_ones_own_named_nesterov_is_not_sgds():
    """SGD's check (nesterov needs momentum > 0) ran on every optimizer with a nesterov option: a KeyError for a
    rule without momentum (a traceback on the command line)."""
    from descend.optim import Option

    info = OptimizerInfo("signb", "mine", lambda params: _SignState(new_step(params), zeros_like(params)),
                         _sign_update, LR + (BETA,), (Option("nesterov", False, (False, True), "its own form"),))
    descend.optim.register(info)
    try:
        runs = descend.fit(task="himmelblau", optimizer="signb", nesterov=True, lr=0.01, steps=5, compile=False)
        assert runs.summary["status"].tolist() == ["ok"]
        # descend tune gave it SGD's momentum ("unknown hyperparameter for signb 'momentum'", "nesterov=true needs
        # momentum > 0")
        fixed = descend.tune("himmelblau", optimizer="signb:nesterov=true", trials=2, cohort=2, steps=5, seeds=0)
        assert len(fixed.trials) == 2
        chosen = descend.tune("himmelblau", optimizer="signb", space="lr=1e-3..1e-1:log, nesterov=true|false",
                              trials=2, cohort=2, steps=5, seeds=0)
        assert "nesterov" in chosen.trials
    finally:
        descend.optim.unregister("signb")


def test_a_rules_digest_covers_the_helpers_and_constants_of_its_file(tmp_path):
    """A search resumed after a plugin's helper (or a constant its update reads) changed mixed two rules: the digest
    read the source of init and update alone."""
    import importlib.util

    from descend.optim.registry import rule_digest

    text = """
from typing import NamedTuple
import torch
from descend.optim import Hyperparameter, Interval, OptimizerInfo, register
from descend.optim._base import new_step, per_run
SCALE = {scale}
class S(NamedTuple):
    step: torch.Tensor
def init(params):
    return S(new_step(params))
def scaled(lr, w):
    return per_run(lr, w) * SCALE
def update(grads, state, params, *, lr=0.1):
    return tuple(w - scaled(lr, w) * g for w, g in zip(params, grads)), S(state.step + 1)
register(OptimizerInfo("scaledgd", "mine", init, update, (Hyperparameter("lr", 0.1, Interval(0.0), "a", "b"),), ()))
"""
    digests = []
    for scale in (1.0, 1.5):
        path = tmp_path / f"scaled_{int(scale * 10)}.py"
        path.write_text(text.format(scale=scale))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        import sys

        sys.modules[path.stem] = module
        try:
            spec.loader.exec_module(module)
            digests.append(rule_digest("scaledgd"))
        finally:
            descend.optim.unregister("scaledgd")
            sys.modules.pop(path.stem)
    assert digests[0] != digests[1]


def test_a_plugin_imported_before_is_not_run_twice_and_one_registered_by_import_is_noted(tmp_path, monkeypatch):
    """``import lion`` then plugin=["lion.py"] ran the file again ("registered already; give replace=True"); a
    comparison of an optimizer registered by an import wrote a config.toml that descend report could not rebuild
    from, without a word."""
    from descend import compare as C

    (tmp_path / "mylion.py").write_text(  # the rule written in the plugin, as the README's Lion
        "import dataclasses, descend\nfrom test_register import LION, lion_update\n"
        "def update(grads, state, params, *, lr=1e-4, beta1=0.9, beta2=0.99, weight_decay=0.0):\n"
        "    return lion_update(grads, state, params, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay)\n"
        "descend.optim.register(dataclasses.replace(LION, update=update))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(__import__("pathlib").Path(__file__).parent))
    import importlib

    importlib.import_module("mylion")  # registers lion
    try:
        config, task = C.resolve("line", optimizers=["gd", "lion"], steps=3, seeds=1, lr="0.01")
        notes = C.compare(config, task).notes
        assert any(n.startswith("lion is an optimizer of one's own registered in this process") for n in notes)
        config, task = C.resolve("line", optimizers=["gd", "lion"], steps=3, seeds=1, lr="0.01",
                                 plugin=[str(tmp_path / "mylion.py")])
        assert not any("optimizer of one's own" in n for n in C.compare(config, task).notes)
    finally:
        descend.optim.unregister("lion")


def _nesterov_update(grads, state, params, *, lr=0.1, nesterov=0.5):
    ms = tuple(0.9 * m + g for m, g in zip(state.m, grads))
    return (tuple(w - per_run(lr, w) * (g + per_run(nesterov, w) * m) for w, g, m in zip(params, grads, ms)),
            _MState(state.step + 1, ms))


def test_a_number_of_ones_own_named_nesterov_is_the_rules_own():
    """A coefficient named nesterov was read as SGD's switch (the truth of a [K] tensor) and refused as the rule's
    failure."""
    info = OptimizerInfo("nest", "mine", lambda params: _MState(new_step(params), zeros_like(params)),
                         _nesterov_update, LR + (Hyperparameter("nesterov", 0.5, Interval(0.0, 1.0), "ν", "ν"),), ())
    descend.optim.register(info)
    try:
        runs = descend.fit(task="rosenbrock", optimizer="nest", nesterov=[0.0, 0.5], lr=1e-3, steps=5, compile=False)
        assert runs.summary["status"].eq("ok").all()
    finally:
        descend.optim.unregister("nest")


SCALE = {"factor": 1.0}  # a module constant the rule reads, as a notebook's cell would hold it


def _scaled_update(grads, state, params, *, lr=0.1):
    return tuple(w - SCALE["factor"] * per_run(lr, w) * g for w, g in zip(params, grads)), _State(state.step + 1)


def test_a_rule_registered_again_is_compiled_again():
    """A compiled program holds the constants its rule read when traced: registered again after they changed, the
    rule is traced again (the program for the first registration had been reused, with the old constant)."""
    info = OptimizerInfo("scaled", "mine", _stateless, _scaled_update, LR, ())
    fit = dict(task="rosenbrock", optimizer="scaled", lr=[1e-4, 2e-4], steps=6, dtype=torch.float64)
    descend.optim.register(info)
    try:
        first = descend.fit(compile=True, **fit).summary["final_train_loss"]
        SCALE["factor"] = 0.5
        descend.optim.register(info, replace=True)
        compiled = descend.fit(compile=True, **fit).summary["final_train_loss"]
        eager = descend.fit(compile=False, **fit).summary["final_train_loss"]
        assert not first.equals(eager)
        assert compiled.tolist() == pytest.approx(eager.tolist(), rel=1e-12)
    finally:
        SCALE["factor"] = 1.0
        descend.optim.unregister("scaled")


class _WarmState(NamedTuple):
    step: torch.Tensor


def _warm_update(grads, state, params, *, lr=0.1):  # a branch on a tensor's value: cannot be traced
    factor = 0.1 if state.step < 3 else 1.0
    return tuple(w - factor * per_run(lr, w) * g for w, g in zip(params, grads)), _WarmState(state.step + 1)


def test_compile_auto_trains_a_rule_it_cannot_trace_eagerly_and_says_so(monkeypatch):
    """"auto" decided to compile (here: always) a rule that branches on a tensor's value: the training had failed at
    the step where it decided; it goes on eagerly, with a warning that says why and what traces."""
    from descend import engine

    monkeypatch.setattr(engine, "worth_compiling", lambda *args: True)
    info = OptimizerInfo("warm", "mine", lambda params: _WarmState(new_step(params)), _warm_update, LR, ())
    fit = dict(task="rosenbrock", optimizer="warm", lr=[1e-4, 2e-4], steps=engine.PROBE_STEPS + 8)
    descend.optim.register(info)
    try:
        with pytest.warns(RuntimeWarning, match=r"optimizer 'warm' .* is trained eagerly.*torch\.where"):
            auto = descend.fit(compile="auto", **fit)
        eager = descend.fit(compile=False, **fit)
        assert auto.summary["final_train_loss"].tolist() == eager.summary["final_train_loss"].tolist()
        assert "compile_seconds" not in auto.summary
        with pytest.raises(engine.RuleFailed, match="while its step was traced to be compiled"):
            descend.fit(compile=True, **fit)
    finally:
        descend.optim.unregister("warm")


def test_a_registered_rule_is_a_torch_optim_class_for_a_plain_loop(lion):
    """A researcher's rule in a plain PyTorch loop: there was no public way (a private base class worked)."""
    Lion = descend.optim.optimizer_class("lion")
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    x, y = torch.randn(64, 4, dtype=torch.float64), torch.randn(64, 1, dtype=torch.float64)
    ws = [p.detach().clone() for p in model.parameters()]
    ms = [torch.zeros_like(w) for w in ws]
    opt = Lion(model.parameters(), lr=1e-2, beta1=0.8, weight_decay=0.1)
    hand = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    for _ in range(20):
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
        with torch.no_grad():
            for p, w in zip(hand.parameters(), ws):
                p.copy_(w)
        hand.zero_grad()
        torch.nn.functional.mse_loss(hand(x), y).backward()
        for i, p in enumerate(hand.parameters()):  # Lion's equations, by hand
            g = p.grad
            c = 0.8 * ms[i] + (1 - 0.8) * g
            ws[i] = ws[i] - 1e-2 * (torch.sign(c) + 0.1 * ws[i])
            ms[i] = 0.99 * ms[i] + (1 - 0.99) * g
    for p, w in zip(model.parameters(), ws):
        torch.testing.assert_close(p.detach(), w, rtol=1e-12, atol=1e-14)
    assert set(opt.state[next(model.parameters())]) == {"step", "m"}
    again = Lion(model.parameters(), lr=1.0)
    again.load_state_dict(opt.state_dict())
    assert again.param_groups[0]["beta1"] == 0.8 and torch.equal(again.state[next(model.parameters())]["m"],
                                                                 opt.state[next(model.parameters())]["m"])
    with pytest.raises(TypeError, match="'beta'; did you mean"):
        Lion(model.parameters(), beta=0.9)
    with pytest.raises(ValueError, match=r"descend.optim.SGD \(with nesterov=True\)"):
        descend.optim.optimizer_class("nesterov")


def test_a_rule_is_registered_inside_inference_mode_too():
    """The check that a rule changes no input in place reads version counters, which inference tensors lack."""
    with torch.inference_mode():
        descend.optim.register(LION)
    try:
        assert "lion" in descend.optim.available()
    finally:
        descend.optim.unregister("lion")


def test_a_class_of_a_rule_named_as_a_torch_optimizer_loads_its_own_state_dict():
    """A rule registered as "rprop" (one of those descend lacks) made a class named Rprop, whose loading looked
    for torch's Rprop settings ('etas', 'step_sizes') and refused its own state_dict."""
    import dataclasses

    descend.optim.register(dataclasses.replace(LION, name="rprop"))
    try:
        Rprop = descend.optim.optimizer_class("rprop")
        w = torch.nn.Parameter(torch.ones(3))
        opt = Rprop([w], lr=0.1)
        w.grad = torch.ones(3)
        opt.step()
        again = Rprop([w], lr=0.5)
        again.load_state_dict(opt.state_dict())
        assert again.param_groups[0]["lr"] == 0.1 and torch.equal(again.state[w]["m"], opt.state[w]["m"])
        with pytest.raises(TypeError, match="no conventions of other libraries"):
            Rprop([w], convention="optax")
    finally:
        descend.optim.unregister("rprop")


class _CountedState(NamedTuple):
    t: torch.Tensor
    m: tuple


def test_a_class_is_made_only_of_a_rule_whose_state_it_can_save_and_load():
    """A state without a step field trained in the class but its state_dict did not load (KeyError: 'step')."""
    info = OptimizerInfo("counted", "mine", lambda params: _CountedState(torch.zeros(()), zeros_like(params)),
                         lambda grads, state, params, *, lr=0.1: (
                             tuple(w - per_run(lr, w) * g for w, g in zip(params, grads)),
                             _CountedState(state.t + 1, state.m)), LR, ())
    descend.optim.register(info)
    try:
        with pytest.raises(ValueError, match="a step count named step"):
            descend.optim.optimizer_class("counted")
    finally:
        descend.optim.unregister("counted")
