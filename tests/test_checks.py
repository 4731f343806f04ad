"""A NumPy number is read as one number everywhere (``descend._checks.plain_number``), and the Python API's
arguments of the wrong kind are refused before any work, naming the argument."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import descend
from descend import clipping, losses, schedules
from descend._checks import plain_number
from descend.compare import Config
from descend.spec import RunSpec


def test_plain_number_reads_a_float32_as_written_and_others_by_value():
    assert plain_number(np.float32(0.1)) == 0.1 and type(plain_number(np.float32(0.1))) is float
    assert plain_number(np.float16(0.5)) == 0.5
    assert plain_number(np.float64(0.1)) == 0.1
    assert plain_number(np.int64(5)) == 5 and type(plain_number(np.int64(5))) is int
    assert plain_number(np.array(0.25, dtype=np.float32)) == 0.25
    assert plain_number(np.True_) is True
    for other in (0.1, 3, "0.1", None, torch.tensor(0.5), np.array([1.0, 2.0])):
        assert plain_number(other) is other


def test_numpy_numbers_are_taken_where_python_numbers_are():
    f32 = np.float32(0.5)
    assert schedules.cosine(f32, 10)(5) == schedules.cosine(0.5, 10)(5)
    assert schedules.step(0.1, 10, gamma=f32)(20) == schedules.step(0.1, 10, gamma=0.5)(20)
    g = [torch.tensor([3.0, -4.0])]
    assert torch.equal(clipping.clip_by_value(g, np.float32(1.0))[0], clipping.clip_by_value(g, 1.0)[0])
    assert torch.equal(clipping.clip_by_global_norm(g, f32)[0], clipping.clip_by_global_norm(g, 0.5)[0])
    pred, target = torch.zeros(1, 4, 1), torch.ones(4, 1)
    assert torch.equal(losses.huber(pred, target, delta=f32, runs=True), losses.huber(pred, target, delta=0.5,
                                                                                        runs=True))
    assert Config.from_dict({"task": "line", "steps": np.int64(5), "seeds": np.int64(2)}) == \
        Config.from_dict({"task": "line", "steps": 5, "seeds": 2})


def test_a_runspec_reads_numpy_numbers_as_fit_does():
    spec = RunSpec("adam", {"lr": np.float32(0.01)}, clip_norm=np.float32(0.5)).resolved()
    assert spec.hyper["lr"] == 0.01 and spec.clip_norm == 0.5  # not 0.009999999776 (a float32's float64 value)
    with pytest.raises(ValueError, match="clip_norm=True must be a finite positive number"):
        RunSpec("adam", {"lr": 0.01}, clip_norm=True).resolved()
    fitted = descend.fit(task="line", optimizer="adam", lr=np.float32(0.01), steps=3, compile=False)
    assert fitted.summary.lr[0] == 0.01


def test_grid_arguments_from_pandas_and_numpy():
    by_series = descend.fit(task="line", optimizer="adam", lr=0.01, steps=3, seed=pd.Series([0, 1]), compile=False)
    by_list = descend.fit(task="line", optimizer="adam", lr=0.01, steps=3, seed=[0, 1], compile=False)
    assert by_series.summary.seed.tolist() == [0, 1]
    assert torch.equal(by_series.results[0].train_loss, by_list.results[0].train_loss)
    point = descend.fit(task="himmelblau", optimizer="adam", lr=0.1, steps=3, start=np.array([0.5, 0.5]),
                        compile=False)
    numbers = descend.fit(task="himmelblau", optimizer="adam", lr=0.1, steps=3, start=(0.5, 0.5), compile=False)
    assert point.params[0] == numbers.params[0]
    two = descend.fit(task="himmelblau", optimizer="adam", lr=0.1, steps=3, start=torch.tensor([[0.5, 0.5], [1, 1]]),
                      compile=False)
    assert len(two.summary) == 2


def test_arguments_of_the_wrong_kind_are_named():
    with pytest.raises(ValueError, match=r"steps=10{30} is out of range: a budget is a whole number below 2\*\*62"):
        descend.fit(task="line", optimizer="sgd", lr=0.01, steps=10**30, compile=False)
    with pytest.raises(ValueError, match="data=None is for a model whose output is the cost itself"):
        descend.fit(model=descend.models.Linear(3), data=None, optimizer="sgd", lr=0.01, steps=3)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduled = schedules.ScheduleHyperparameters(opt, lr=schedules.cosine(0.1, 10))
    for state in ({}, {"t": 5.5}, {"t": -1}, {"t": True}, [5]):
        with pytest.raises(ValueError, match="must hold the step t, a whole number >= 0"):
            scheduled.load_state_dict(state)
    scheduled.load_state_dict({"t": 5})
    assert scheduled.t == 5 and opt.param_groups[0]["lr"] == pytest.approx(0.05)


def test_train_draws_a_bar_for_true_and_refuses_what_it_cannot_call():
    problem = descend.tasks.get("line").problem()
    specs = [RunSpec("adam", {"lr": 0.01})]
    for bad in ("yes", 1):
        with pytest.raises(ValueError, match=rf"progress={bad!r} must be a function"):
            descend.engine.train(problem, specs, steps=3, progress=bad)
    for flag in (True, False):
        runs = descend.engine.train(problem, specs, steps=3, progress=flag)
        assert runs.summary.steps_done.tolist() == [3]
