""":func:`fit`, the one entry point: a task or a model with data, and a grid of configurations, trained.

``fit`` turns what a user has (a task name, or a model and ``(x, y)``) into a
:class:`descend.problem.Problem`, its grid arguments into :class:`descend.spec.RunSpec` values, and hands
both to :func:`descend.engine.train`. A search that draws its configurations itself passes ``runs=``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from . import engine
from .problem import problem as make_problem
from .spec import RunSpec


def fit(
    *,
    model: Any = None,
    data: Any = None,
    task: Any = None,
    loss: Any = "auto",
    optimizer: Any = "adam",
    lr: Any = None,
    batch_size: Any = None,
    steps: int | None = None,
    epochs: int | None = None,
    seed: Any = 0,
    start: Any = None,
    runs: Sequence[RunSpec] | None = None,
    validation: float = 0.0,
    test: float = 0.0,
    standardize: bool = False,
    standardize_target: bool = False,
    split_seed: int = 0,
    drop_last: bool = False,
    eval_every: int | None = None,
    target: float | None = None,
    stop_at_target: bool = False,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    schedules: Mapping[str, Callable[[int], Any]] | None = None,
    progress: Callable[[Mapping[str, Any]], Any] | None = None,
    monitor: Callable[[engine.Monitor], Any] | None = None,
    stop: Any = None,
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool = False,
    **hyperparameters: Any,
) -> engine.Runs:
    """Train ``model`` on ``data`` with every configuration of the sweep; one batched program per cohort.

    Any of ``optimizer``, ``lr``, ``batch_size``, ``seed`` and the optimizer hyperparameters (``beta1``,
    ``momentum``, ``weight_decay``, ...) given as a **list** expands into the grid of all combinations. A
    hyperparameter applies to the optimizers that have it: ``optimizer=["sgd", "adam"], momentum=[0.5, 0.9]``
    gives two SGD runs and one Adam run. Configurations that are not a grid (a search drawing each run's
    hyperparameters independently) are given as ``runs=[descend.spec.RunSpec(...), ...]`` instead.
    ``data`` is ``(x, y)``, a :class:`descend.data.Dataset` (split by ``validation``/``test`` fractions with
    ``split_seed``; ``standardize``/``standardize_target`` standardise the features / a regression target on the
    training split, and the summary then has each loss also in the target's units, ``final_<split>_loss_original``)
    or a :class:`descend.data.Splits`; ``None`` for a model whose output is the cost itself
    (a 2-D landscape, ``loss="value"``). The budget is ``steps`` or ``epochs``. For a given ``seed`` every
    configuration starts from the same initial parameters and sees the same batches (paired runs).
    ``task`` (a name from ``descend list tasks`` or a :class:`descend.tasks.Task`) supplies the model, the
    data (already split), the loss, the known answer, and when not given the task's default number of steps
    and, per optimizer, the task's learning rate known to work (``Task.lrs``; the optimizer's default where
    the task has none); a ``model`` or ``loss`` given as well replaces the task's. The summary always shows
    every hyperparameter in effect, ``lr`` included.
    ``start`` sets the initial parameters instead of the model's initialisation: one point (numbers in the
    model's parameter order, when every parameter is a scalar, as for a landscape's ``(x, y)``; or a dict
    ``{name: value}``) or a list of points, which like other lists expands the grid (K starts × optimizers
    × learning rates in one program).
    ``compile``, ``progress``, ``monitor`` and ``stop``: see :func:`descend.engine.train`. Ctrl-C stops
    training cleanly: the result holds every finished cohort and the steps the current one completed.

    Example:
        >>> import torch, descend
        >>> x = torch.linspace(-1, 1, 64).unsqueeze(1); y = 3 * x + 0.5
        >>> runs = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer=["gd", "adam"],
        ...                    lr=[0.1, 0.01], steps=50, seed=[0, 1])
        >>> len(runs.summary)
        8
    """
    options = dict(drop_last=drop_last, eval_every=eval_every, target=target, stop_at_target=stop_at_target,
                   record_path=record_path, record_grad_norms=record_grad_norms, dtype=dtype, compile=compile,
                   progress=progress, monitor=monitor, stop=stop)
    grid = dict(optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed, start=start, schedules=schedules,
                clip_norm=clip_norm, clip_value=clip_value, **hyperparameters)
    if runs is not None:
        given = [k for k, v in grid.items() if v != {"optimizer": "adam", "seed": 0}.get(k)]
        if given:
            raise ValueError(f"give runs=[RunSpec, ...] or grid arguments ({', '.join(given)}), not both: "
                             "a RunSpec holds its own optimizer, hyperparameters, batch size, seed and schedules")
    if task is not None:
        from . import tasks as tasks_module

        task = tasks_module.get(task) if isinstance(task, str) else task
        if not isinstance(task, tasks_module.Task):
            raise ValueError(f"task={task!r} must be a task name (see `descend list tasks`) or a descend.tasks.Task")
        if data is not None:
            raise ValueError(f"give data= or task=, not both (task {task.name!r} brings its data)")
        if runs is not None:
            steps = task.steps if steps is None and epochs is None else steps
            return engine.train(task.problem(model=model, loss=loss), runs, steps=steps, epochs=epochs, **options)
        return task.fit(model=model, loss=loss, steps=steps, epochs=epochs, **grid, **options)
    if model is None:
        raise ValueError("give model=... (a descend.models model) or task=... (see `descend list tasks`)")
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one budget: steps=... or epochs=...")
    problem = make_problem(model, data, loss=loss, validation=validation, test=test, standardize=standardize,
                           standardize_target=standardize_target, split_seed=split_seed, dtype=dtype)
    if runs is not None:
        return engine.train(problem, runs, steps=steps, epochs=epochs, **options)
    return engine.sweep(problem, steps=steps, epochs=epochs, **grid, **options)
