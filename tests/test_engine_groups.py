"""Cohorts that share a plan train as one program (a group): each cohort's numbers are those it gets alone.

The group's step evaluates the model and its gradient once for all rows and applies each cohort's own rule to
its rows (``descend.engine._Joint``); every operation is per row, so the comparison here is bit for bit, except for
networks: MKL's batched matrix products may round a row differently with how many rows share the call (about
1e-16 relative in float64, 3e-8 in float32 after tens of steps, on this AVX-512 machine), so a network group is
compared to round-off.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

import descend
from descend import engine, landscapes, schedules, tasks
from descend.spec import RunSpec

OPTIMIZERS = ["gd", "momentum", "rmsprop", "adam"]


def _alone(fit_kwargs: dict, optimizers: list[str]) -> list:
    return [descend.fit(**{**fit_kwargs, "optimizer": name}) for name in optimizers]


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _equal(a: list, b: list) -> bool:
    """Equal element for element, None and NaN alike (a column of a group's summary mixes optimizers)."""
    return len(a) == len(b) and all(x == y or (_missing(x) and _missing(y)) for x, y in zip(a, b))


def _assert_same(together, alone: list, optimizers: list[str], rtol: float = 0.0) -> None:
    """Each optimizer's runs in the group equal its fit alone: bit for bit, or (``rtol``) to that relative
    round-off in every parameter, curve value and number of the summary."""
    summary = together.summary
    curves = together.curves
    for name, runs in zip(optimizers, alone):
        mine = summary[summary.optimizer == name]
        for column in runs.summary.columns.drop("seconds"):  # results and the hyperparameters in effect
            got, want = mine[column].tolist(), runs.summary[column].tolist()
            if rtol and all(isinstance(v, float) for v in got + want):
                assert got == pytest.approx(want, rel=rtol, abs=rtol, nan_ok=True), (name, column)
            else:
                assert _equal(got, want), (name, column)
        for j, (i, k) in enumerate(zip(mine.index, runs.summary.index)):
            for n in together.names:
                torch.testing.assert_close(together.params[i][n], runs.params[k][n], rtol=rtol, atol=rtol)
            if together.paths:
                assert (together.paths[i] == runs.paths[k]).all()
            a = curves[curves.run == i].drop(columns="run").reset_index(drop=True)
            b = runs.curves[runs.curves.run == k].drop(columns="run").reset_index(drop=True)
            pd.testing.assert_frame_equal(a, b, check_exact=not rtol, rtol=rtol or 1e-5, atol=rtol or 1e-8)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_landscape_group_equals_each_optimizer_alone(dtype):
    scape = landscapes.get("himmelblau")
    common = dict(model=scape.model((-1.0, 1.0)), data=None, loss="value", lr=[0.001, 0.01], steps=60,
                  compile=False, dtype=dtype, schedules={"lr": schedules.inverse_time(1.0, decay=0.05)})
    together = descend.fit(optimizer=OPTIMIZERS, **common)
    assert len(together.results) == 4 and len({id(r.train_loss) for r in together.results}) == 4
    _assert_same(together, _alone(common, OPTIMIZERS), OPTIMIZERS)


def test_a_network_group_with_minibatches_and_two_seeds_equals_each_alone():
    task = tasks.get("digits")
    common = dict(task=task, lr=[0.003, 0.05], batch_size=32, seed=[0, 1], steps=25, eval_every=10, compile=False,
                  dtype=torch.float64)
    names = ["sgd", "adam"]
    together = descend.fit(optimizer=names, **common)
    _assert_same(together, _alone(common, names), names, rtol=1e-12)


def test_a_diverging_run_of_one_cohort_freezes_alone_and_the_others_train_on():
    scape = landscapes.get("himmelblau")
    common = dict(model=scape.model((-1.0, 1.0)), data=None, loss="value", steps=40, compile=False,
                  dtype=torch.float64)
    specs = [RunSpec("gd", {"lr": 0.2}), RunSpec("adam", {"lr": 0.05}), RunSpec("gd", {"lr": 0.001}),
             RunSpec("momentum", {"lr": 0.001})]
    together = descend.fit(runs=specs, **common)
    summary = together.summary
    assert summary["status"].tolist() == ["diverged", "ok", "ok", "ok"]
    for i, spec in enumerate(specs):
        alone = descend.fit(runs=[spec], **common)
        assert _equal([summary.loc[i, "diverged_at"]], [alone.summary.loc[0, "diverged_at"]])  # a step, or none
        for n in together.names:
            assert torch.equal(together.params[i][n], alone.params[0][n])


def test_groups_are_cohorts_with_one_plan_and_one_clipping():
    def cohort(optimizer, batch_size=None, seeds=(0,), clip_norm=None):
        runs = [engine.Run(i, RunSpec(optimizer, {}, batch_size, seed, clip_norm=clip_norm))
                for i, seed in enumerate(seeds)]
        return engine.Cohort(optimizer, batch_size, (), runs, clip_norm=clip_norm)

    a, b = cohort("adam"), cohort("sgd")
    assert engine.plan_groups([a, b]) == [[a, b]]
    c, d, e = cohort("sgd", batch_size=8), cohort("sgd", seeds=(0, 1)), cohort("sgd", clip_norm=1.0)
    f = cohort(engine.RANDOM_SEARCH)
    g = cohort(engine.RANDOM_SEARCH)
    assert engine.plan_groups([a, c, d, e, f, g, b]) == [[a, b], [c], [d], [e], [f], [g]]


def test_groups_that_differ_by_clip_value_each_equal_their_runs_fitted_alone():
    """Cohorts clipped by different values are different groups: the clipping around the update is the group's,
    so gd clipped at 5.0 beside adam and gd at 0.1 trains as gd at 5.0 alone (only clip_norm was checked)."""
    scape = landscapes.get("himmelblau")
    common = dict(model=scape.model((-1.0, 1.0)), data=None, loss="value", steps=30, compile=False, dtype=torch.float64)
    specs = [RunSpec(name, {"lr": 0.05}, clip_value=clip) for name in ("gd", "adam") for clip in (0.1, 5.0)]
    together = descend.fit(runs=specs, **common)
    for i, spec in enumerate(specs):
        alone = descend.fit(runs=[spec], **common)
        assert together.summary.loc[i, "final_train_loss"] == alone.summary.loc[0, "final_train_loss"], spec
        for n in together.names:
            assert torch.equal(together.params[i][n], alone.params[0][n]), spec


def test_a_monitor_sees_each_cohort_on_its_own():
    x = torch.linspace(-1, 1, 32, dtype=torch.float64).unsqueeze(1)
    seen = []
    descend.fit(model=descend.models.Linear(1), data=(x, 2 * x), optimizer=["gd", "adam"], lr=0.1, steps=10,
                eval_every=5, dtype=torch.float64, monitor=lambda event: seen.append([r.optimizer for r in event.runs]))
    assert seen and all(len(set(names)) == 1 for names in seen)


def test_a_compiled_group_equals_the_eager_group():
    scape = landscapes.get("booth")
    common = dict(model=scape.model((-4.0, 4.0)), data=None, loss="value", lr=0.02, steps=30, dtype=torch.float64)
    eager = descend.fit(optimizer=OPTIMIZERS, compile=False, **common)
    compiled = descend.fit(optimizer=OPTIMIZERS, compile=True, **common)
    assert compiled.summary["compile_seconds"].gt(0).all()
    for i in eager.params:
        for n in eager.names:
            torch.testing.assert_close(compiled.params[i][n], eager.params[i][n], rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(torch.tensor(compiled.summary["final_train_loss"].to_numpy()),
                               torch.tensor(eager.summary["final_train_loss"].to_numpy()), rtol=1e-12, atol=1e-12)


def test_compile_cached_uses_the_process_programs_and_never_compiles(monkeypatch):
    """``compile="cached"``: eager (the eager numbers) until a ``compile=True`` fit built the programs, then
    those programs from the first step (the compiled numbers), for a group as for one cohort."""
    monkeypatch.setattr(engine, "package_name", lambda key: None)  # no package on disk: tests/test_compile_cache.py
    with engine._PROGRAMS_LOCK:
        engine._PROGRAMS.clear()
    scape = landscapes.get("matyas")
    common = dict(model=scape.model((3.0, -2.0)), data=None, loss="value", optimizer=["adam", "rmsprop"],
                  lr=[0.01, 0.03], steps=40, dtype=torch.float32)
    before = descend.fit(compile="cached", **common)
    eager = descend.fit(compile=False, **common)
    assert "compile_seconds" not in before.summary.columns
    compiled = descend.fit(compile=True, **common)
    after = descend.fit(compile="cached", **common)
    assert (after.summary["compile_seconds"] < 5).all()  # a discarded call per batch shape, no compiling
    for i in eager.params:
        for n in eager.names:
            assert torch.equal(before.params[i][n], eager.params[i][n])
            assert torch.equal(after.params[i][n], compiled.params[i][n])
            torch.testing.assert_close(after.params[i][n], eager.params[i][n], rtol=1e-5, atol=1e-6)
    assert (after.paths[0] == compiled.paths[0]).all()
    with pytest.raises(ValueError, match="compile='yes' is not allowed; choose True, False, 'auto' or 'cached'"):
        descend.fit(compile="yes", **common)



def test_stopped_runs_leave_a_group_and_a_cohort_with_none_left_leaves_it(monkeypatch):
    # the ellipse on mini-batches of 32 with two data seeds and a scheduled lr: GD's runs (lr 3) both diverge, so
    # its cohort leaves the program; RMSprop's lr 0.01 runs leave the model's domain. Each cohort's records are
    # those it gets alone, and those of the group with the stopped rows kept in place.
    import functools

    cosine = schedules.get_schedule("cosine", value=1.0, total_steps=60)
    hyper = {"gd": [3.0], "momentum": [0.0707], "rmsprop": [0.01, 0.5], "adam": [0.01, 0.0707]}
    specs = {name: [RunSpec(name, {"lr": lr}, 32, seed, schedules={"lr": cosine}) for lr in lrs for seed in (0, 1)]
             for name, lrs in hyper.items()}
    common = dict(task="ellipse", steps=60, eval_every=10, compile=False, dtype=torch.float64)
    rows = []
    step = engine._step

    def counted(*args, **kwargs):
        rows.append(args[9].shape[0])  # w
        return step(*args, **kwargs)

    with monkeypatch.context() as m:
        m.setattr(engine, "_step", counted)
        together = descend.fit(runs=[s for name in hyper for s in specs[name]], **common)
    statuses = together.summary.groupby("optimizer")["status"].agg(lambda s: sorted(set(s)))
    assert statuses["gd"] == ["diverged"] and statuses["rmsprop"] == ["left-domain", "ok"]
    assert len(rows) == 60 and rows[0] == 12 and rows[-1] == 12 - 2 - 2, "GD's and RMSprop's stopped rows left"
    names = list(hyper)
    _assert_same(together, [descend.fit(runs=specs[name], **common) for name in names], names)
    with monkeypatch.context() as m:
        m.setattr(engine, "train_cohort", functools.partial(engine.train_cohort, drop_stopped=False))
        kept = descend.fit(runs=[s for name in hyper for s in specs[name]], **common)
    pd.testing.assert_frame_equal(together.summary.drop(columns="seconds"), kept.summary.drop(columns="seconds"))
    pd.testing.assert_frame_equal(together.curves, kept.curves, check_exact=True)
    for i in together.params:
        assert (together.paths[i] == kept.paths[i]).all()


# -- groups trained in two processes (descend._forked) ---------------------------------------------------------------


def _ellipse_specs(steps_schedule: bool = False) -> tuple:
    """The ellipse with four optimizers at four batch sizes and two seeds: four groups, each small (one thread);
    a schedule of its own (a closure, which cannot be pickled) on one optimizer when asked."""
    task = tasks.get("ellipse")
    problem = task.problem()
    sizes = [None, 1, 32, descend.data.hybrid(32, 8, 512)]
    extra = {"schedules": {"lr": lambda t: 1.0 / (1.0 + 0.01 * t)}} if steps_schedule else {}
    specs = [RunSpec(optimizer=name, hyper={"lr": 0.02}, batch_size=b, seed=seed, **(extra if name == "adam" else {}))
             for name in OPTIMIZERS for b in sizes for seed in (0, 1)]
    return problem, specs


def _assert_identical(a, b) -> None:
    """Two trainings of the same runs: the same records, bit for bit (the wall times apart)."""
    left = a.summary.drop(columns=[c for c in a.summary.columns if c.endswith("seconds")])
    right = b.summary.drop(columns=[c for c in b.summary.columns if c.endswith("seconds")])
    pd.testing.assert_frame_equal(left, right, check_exact=True)
    pd.testing.assert_frame_equal(a.curves, b.curves, check_exact=True)
    assert a.paths.keys() == b.paths.keys()
    for k in a.paths:
        assert torch.equal(torch.as_tensor(a.paths[k]).nan_to_num(7.0), torch.as_tensor(b.paths[k]).nan_to_num(7.0))


def test_groups_trained_in_two_processes_equal_one_process():
    from descend import _forked

    problem, specs = _ellipse_specs(steps_schedule=True)
    one = engine.train(problem, specs, steps=120, compile=False)
    started, failed = _forked.started, _forked.failed
    events = []
    two = engine.train(problem, specs, steps=120, compile=False, processes=2, progress=events.append)
    assert (_forked.started, _forked.failed) == (started + 1, failed)  # a child trained, and its result came
    assert len(engine.plan_groups(engine.plan_cohorts(one.runs))) == 4
    _assert_identical(one, two)
    assert [r.cohort for r in two.results] == [r.cohort for r in one.results]
    # each group's last step is told once, and the runs done add up to every run
    last = [e for e in events if e["step"] == e["steps"]]
    assert sorted(e["cohort"] for e in last) == [1, 2, 3, 4]
    assert max(e["runs_done"] for e in events) == len(specs) == last[-1]["runs_done"]


def test_a_child_that_fails_or_hangs_leaves_its_groups_to_the_parent(monkeypatch):
    import os
    import time

    from descend import _forked

    problem, specs = _ellipse_specs()
    one = engine.train(problem, specs, steps=60, compile=False)
    for behaviour in (lambda: os._exit(3), lambda: time.sleep(3600)):
        monkeypatch.setattr(_forked, "_in_child", behaviour)
        monkeypatch.setattr(_forked, "SILENCE_LIMIT", 2.0)
        failed = _forked.failed
        started = time.perf_counter()
        two = engine.train(problem, specs, steps=60, compile=False, processes=2)
        assert _forked.failed == failed + 1 and time.perf_counter() - started < 60
        _assert_identical(one, two)


def test_a_child_that_cannot_be_forked_leaves_every_group_to_the_parent(monkeypatch):
    """Under a limit of processes (a container's, ``ulimit -u``) fork raised EAGAIN and the comparison ended in a
    traceback: the parent trains every group, in order, with the same records."""
    import os

    from descend import _forked

    problem, specs = _ellipse_specs()
    one = engine.train(problem, specs, steps=40, compile=False)

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    events = []
    two = engine.train(problem, specs, steps=40, compile=False, processes=2, progress=events.append)
    _assert_identical(one, two)
    assert [r.cohort for r in two.results] == [r.cohort for r in one.results]
    assert max(e["runs_done"] for e in events) == len(specs)
    assert _forked._IN_CHILD is False


def test_two_processes_only_where_they_can_change_nothing(monkeypatch):
    from descend import _forked

    problem, specs = _ellipse_specs()
    started = _forked.started
    engine.train(problem, specs, steps=5, compile=False, processes=1)
    engine.train(problem, specs, steps=5, compile="auto", processes=2)  # a program may be compiled: one process
    engine.train(problem, specs[:2], steps=5, compile=False, processes=2)  # one group
    engine.train(problem, specs, steps=5, compile=False, processes=2, stop=lambda: False)  # a stop: one process
    assert _forked.started == started
    with pytest.raises(ValueError, match="processes=0 must be a whole number >= 1"):
        engine.train(problem, specs, steps=5, processes=0)
    monkeypatch.setenv(_forked.PROCESSES_VARIABLE, "1")
    assert _forked.processes() == 1
    monkeypatch.setenv(_forked.PROCESSES_VARIABLE, "two")
    with pytest.raises(ValueError, match="DESCEND_PROCESSES='two' must be a whole number"):
        _forked.processes()


@pytest.mark.parametrize("batch_size", [None, 1, 32, 250, descend.data.hybrid(32, 8, 512), descend.data.hybrid(5, 2, 40)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_a_groups_planned_steps_are_its_plans_steps(batch_size, drop_last):
    """How two processes share out groups (their steps, known before any plan is made) is the plans' own count."""
    from descend.data.batches import plan_length

    for budget in ({"steps": 37}, {"epochs": 3}):
        plan = descend.data.batches(600, batch_size=batch_size, seed=0, drop_last=drop_last, **budget)
        assert plan_length(600, batch_size, drop_last=drop_last, steps=budget.get("steps"),
                           epochs=budget.get("epochs")) == len(plan.indices)


def test_a_ctrl_c_while_the_child_is_forked_interrupts_the_training(monkeypatch):
    """A Ctrl-C arriving while the process forked was lost in the hooks around the fork (the whole budget then
    trained, and the command exited 0) or ended the child before its handler was set (the parent then trained the
    child's groups too). It is held back during the fork, then both processes stop before their first step."""
    import os
    import signal

    from descend import _forked

    problem, specs = _ellipse_specs()
    fork = os.fork

    def fork_on_ctrl_c():
        os.kill(os.getpid(), signal.SIGINT)  # the terminal's Ctrl-C, arriving as the process forks
        return fork()

    monkeypatch.setattr(os, "fork", fork_on_ctrl_c)
    runs = engine.train(problem, specs, steps=400, compile=False, processes=2)
    monkeypatch.setattr(os, "fork", fork)
    assert runs.interrupted and set(runs.summary["status"]) == {"interrupted"}, runs.summary["status"].value_counts()
    assert runs.summary["steps_done"].max() < 400


def test_a_compiled_step_sees_each_runs_own_nadam_momentum_product():
    """NAdam's Πₜ is 0-d at t = 0 and one per run once β₁ differs between runs: the compiled step, traced from
    the initial state, read every run's Πₜ as the first run's (1e-3 off at step 2, growing; status "ok")."""
    from descend.spec import RunSpec

    scape = landscapes.get("himmelblau")
    runs = [RunSpec("nadam", {"lr": 0.1, "beta1": beta1}) for beta1 in (0.8, 0.95)] + [
        RunSpec("nadam", {"lr": 0.1, "beta1": 0.9, "momentum_decay": 0.002}), RunSpec("adam", {"lr": 0.1})]
    common = dict(model=scape.model((0.0, 0.0)), data=None, loss="value", runs=runs, steps=8, dtype=torch.float64)
    eager, compiled = descend.fit(compile=False, **common), descend.fit(compile=True, **common)
    assert compiled.summary["compile_seconds"].gt(0).all()
    for i in eager.params:
        for n in eager.names:
            torch.testing.assert_close(compiled.params[i][n], eager.params[i][n], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", descend.optim.available())
def test_a_cohorts_initial_state_has_the_shapes_of_every_later_step(name):
    """What a compiled step is traced from: each state tensor in the shape its rule keeps it in (engine._settled),
    with every hyperparameter one value per run."""
    from descend import engine

    info = descend.optim.get(name)
    numbers = {h.name: torch.tensor([h.default, h.default * 0.9 if 0 < h.default < 1 else h.default])
               for h in info.hyperparameters if isinstance(h.default, float) and h.name != "lr"}
    config = info.configure(runs=2, **numbers)
    kwargs = info.update_kwargs(config)
    params = torch.randn(2, 5, dtype=torch.float64)
    state = engine._settled(info, config, kwargs, params)
    after = info.update((torch.randn(2, 5, dtype=torch.float64),), state, (params,), **kwargs)[1]
    shapes = [tuple(t.shape) for t in torch.utils._pytree.tree_leaves(state)]
    assert shapes == [tuple(t.shape) for t in torch.utils._pytree.tree_leaves(after)]
