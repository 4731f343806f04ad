""":func:`fit`, the one entry point: a task or a model with data, and a grid of configurations, trained.

``fit`` turns what a user has (a task name, or a model and ``(x, y)``) into a
:class:`descend.problem.Problem`, its grid arguments into :class:`descend.spec.RunSpec` values, and hands
both to :func:`descend.engine.train`. A search that draws its configurations itself passes ``runs=``.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ParamSpec, TypeVar

import torch

from . import engine
from ._autograd import autograd_on
from .problem import problem as make_problem
from .progress import barred_when_true
from .spec import RunSpec

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _memory_said(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` with a bare ``MemoryError`` (no words: a batch plan or records of ``steps=10**12``), or torch's
    RuntimeError of an allocation that failed ("std::bad_alloc"), said: what
    grows with the budget, and what to give instead (still a MemoryError, as the command line reads it)."""
    @functools.wraps(function)
    def said(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return function(*args, **kwargs)
        except (MemoryError, RuntimeError) as e:
            # torch's own words (a RuntimeError: "std::bad_alloc", "can't allocate memory") say no more than bare
            if isinstance(e, MemoryError) and str(e) or isinstance(e, RuntimeError) and not any(
                    words in str(e) for words in ("bad_alloc", "can't allocate memory", "tried to allocate")):
                raise
            budget = {k: kwargs[k] for k in ("steps", "epochs") if kwargs.get(k) is not None}
            size = re.search(r"allocate (\d+) bytes", str(e))
            failed = f"; {int(size.group(1)) / 1e9:.3g} GB could not be had at once" if size else ""
            raise MemoryError(f"not enough memory for this training ({', '.join(f'{k}={v}' for k, v in budget.items())}"
                              f"{failed}): a step holds every run's activations, which grow with the runs and the "
                              "batch size, and the batch plan and records grow with the steps and the runs; give "
                              "fewer runs, a smaller batch size, or fewer steps (or epochs)") from None
    return said


@barred_when_true
@_memory_said
@autograd_on
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
    validation: float | None = None,
    test: float | None = None,
    standardize: bool | None = None,
    standardize_target: bool | None = None,
    split_seed: int | None = None,
    drop_last: bool = False,
    eval_every: int | None = None,
    target: float | None = None,
    stop_at_target: bool = False,
    clip_norm: Any = None,
    clip_value: Any = None,
    schedules: Mapping[str, Callable[..., Any] | str] | None = None,
    progress: bool | Callable[[Mapping[str, Any]], Any] | None = None,
    monitor: Callable[[engine.Monitor], Any] | None = None,
    stop: Any = None,
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool | str = "auto",
    **hyperparameters: Any,
) -> engine.Runs:
    """Train ``model`` on ``data`` with every configuration of the sweep; one batched program per cohort, or per
    group of cohorts that share their batches (:func:`descend.engine.plan_groups`).

    Any of ``optimizer``, ``lr``, ``batch_size``, ``seed``, the optimizer hyperparameters (``beta1``,
    ``momentum``, ``weight_decay``, ...) and the gradient clipping thresholds ``clip_norm`` and ``clip_value`` (by
    global norm per run, by value; None for none; with both, by value first, then by the global norm, as
    ``clip_grad_value_`` then ``clip_grad_norm_``; the summary then shows each run's) given as a **list** expands
    into the grid of all combinations (a batch size is None or ``"full"`` for the whole training set, a whole
    number, a :class:`descend.data.hybrid`, or a text of the command line's ``--batch-size``). A
    hyperparameter applies to the optimizers that have it: ``optimizer=["sgd", "adam"], momentum=[0.5, 0.9]``
    gives two SGD runs and one Adam run. Configurations that are not a grid (a search drawing each run's
    hyperparameters independently) are given as ``runs=[descend.spec.RunSpec(...), ...]`` instead.
    ``data`` is ``(x, y)``, a :class:`descend.data.Dataset` (split by ``validation``/``test`` fractions with
    ``split_seed``, by default 0, 0 and 0; ``standardize``/``standardize_target`` (False by default) standardise the
    features / a regression target on the training split, and the summary then has each loss also in the target's units,
    ``final_<split>_loss_original``) or a :class:`descend.data.Splits`; ``None`` for a model whose output is the cost
    itself (a 2-D landscape, ``loss="value"``). The budget is ``steps`` or ``epochs``. For a given ``seed`` every
    configuration starts from the same initial parameters and sees the same batches (paired runs).
    ``task`` (a name from ``descend list tasks`` or a :class:`descend.tasks.Task`) supplies the model, the
    data (already split), the loss, the known answer, and when not given the task's default number of steps
    and, per optimizer, the task's learning rate for it (:meth:`Task.default_lr`: the one known to work; for plain
    gradient steps without one, the geometric middle of the task's ``lr_range``; else the optimizer's default); a
    ``model`` or ``loss`` given as well replaces the task's. The summary always shows
    every hyperparameter in effect, ``lr`` included.
    ``start`` sets the initial parameters instead of the model's initialisation: one point (numbers in the
    model's parameter order, when every parameter is a scalar, as for a landscape's ``(x, y)``; or a dict
    ``{name: value}``) or a list of points, which like other lists expands the grid (K starts × optimizers
    × learning rates in one program).
    ``progress=True`` draws a progress bar (runs done, steps a second, time left:
    :class:`descend.progress.TrainingBar`, in a terminal or a notebook).
    ``compile``, ``progress``, ``monitor`` and ``stop``: see :func:`descend.engine.train`. Ctrl-C stops
    training cleanly: the result holds every finished cohort and the steps the current one completed.
    ``schedules`` maps a hyperparameter to a function f(t) that multiplies it at step t; a schedule of
    :mod:`descend.schedules` given by its class or name (``schedules={"lr": descend.schedules.cosine}`` or
    ``{"lr": "cosine"}``, or with its options as ``--schedule`` writes them, ``"cosine:min_value=0.1"``) is built as
    a multiplier from 1 over the ``steps`` budget (under an ``epochs`` budget, over the steps the runs' batch size
    takes: one batch size, since each takes its own). ``betas=(b1, b2)``, as
    torch's Adam takes them, is the same as ``beta1=b1, beta2=b2``. With ``loss="auto"`` the loss follows the
    model's output and the targets: BCE for a sigmoid, cross-entropy for a softmax or for integer class
    labels (multiclass, on the model's raw scores), BCE on logits for labels of two classes and one raw output,
    the model's output itself without data (``data=None``: a cost surface, ``loss="value"``), MSE otherwise. A
    sigmoid or softmax output trained with BCE or cross-entropy (``"auto"`` or named) has its loss computed from the
    scores before that output (BCE on logits, a log-softmax): the same loss where the output does not saturate,
    without the clamp of the probabilities' form (torch's ``binary_cross_entropy`` stops log at −100). A loss of
    one's own (a function, or an ``nn.Module`` whose forward takes these) is called for all runs at once as
    ``loss(pred, target, reduction="mean", mask=None, runs=True)`` and returns one value per run, ``[K]``: ``pred``
    is ``[K, b, out]`` (the model's output, after its ``output`` activation), ``target`` the batch's targets,
    ``[b]`` class labels or ``[b, out]`` values shared by the runs, or ``[K, b]`` / ``[K, b, out]`` when each run
    draws its own batch (mini-batches of several seeds); ``mask`` (or None) the samples that count; see
    :func:`descend.losses.mse`. torch.nn's loss modules (``nn.CrossEntropyLoss()``) compute one model's loss and are
    refused: their names (``"cross-entropy"``) give the same loss. ``dtype`` is
    the precision every run trains and
    is evaluated in (float32 by default, whatever the data's: float64 data are rounded to it; ``torch.float64``
    for double precision, as the checks against torch.optim use). In ``torch.float16`` and ``torch.bfloat16`` runs whose
    hyperparameters other than the learning rate differ train as cohorts of their own, each taking its values as
    numbers, as torch.optim does (a tensor of the runs' values would be rounded to the parameters' dtype: bfloat16 holds
    β₂ = 0.999 as 1.0; a scheduled one, whose value changes at each step, still is); SGD's learning rate is rounded to
    float16 as torch rounds it (below about 6e-5 it loses precision, 1e-8 becomes 0), and Adam's ε = 1e-8 is 0 there as
    in torch.optim (a warning says so): train such values in float32.

    Example:
        >>> import torch, descend
        >>> x = torch.linspace(-1, 1, 64).unsqueeze(1); y = 3 * x + 0.5
        >>> runs = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer=["gd", "adam"],
        ...                    lr=[0.1, 0.01], steps=50, seed=[0, 1])
        >>> len(runs.summary)
        8
    """
    hyperparameters = _hyperparameters(hyperparameters)
    if schedules is not None:
        if task is None and (steps is None) == (epochs is None):  # before the schedules' own words on a budget
            raise ValueError("give exactly one budget: steps=... or epochs=...")
        budget = steps if steps is not None or epochs is not None or task is None else _task_steps(task)
        # under an epochs budget one that lasts the steps (cosine) lasts those of the runs' batch size, known below
        if not (epochs is not None and steps is None and _lasting(schedules)):
            schedules = _schedules(schedules, budget)
    engine.check_hooks(progress, monitor)
    options = dict(drop_last=drop_last, eval_every=eval_every, target=target, stop_at_target=stop_at_target,
                   record_path=record_path, record_grad_norms=record_grad_norms, dtype=dtype, compile=compile,
                   progress=progress, monitor=monitor, stop=stop)
    grid = dict(optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed, start=start, schedules=schedules,
                clip_norm=clip_norm, clip_value=clip_value, **hyperparameters)
    if runs is not None:
        defaults = {"optimizer": "adam", "seed": 0}  # the others default to None
        # (a value compared only as a plain word or number: an array compared with == is an array)
        given = [k for k, v in grid.items()
                 if not (v is None if k not in defaults else type(v) in (str, int) and v == defaults[k])]
        if given:
            raise ValueError(f"give runs=[RunSpec, ...] or grid arguments ({', '.join(given)}), not both: "
                             "a RunSpec holds its own optimizer, hyperparameters, batch size, seed and schedules")
    grid["batch_size"] = _batch_sizes(batch_size)  # "full" as a comparison writes it (refused with runs, above)
    splitting = {name: value for name, value in (("validation", validation), ("test", test),
                                                  ("standardize", standardize),
                                                  ("standardize_target", standardize_target),
                                                  ("split_seed", split_seed))
                 if value is not None}  # given: a task's data is split already (False too: its target may be scaled)
    if task is not None:
        from . import tasks as tasks_module

        task = tasks_module.get(task) if isinstance(task, str) else task
        if not isinstance(task, tasks_module.Task):
            raise ValueError(f"task={task!r} must be a task name (see `descend list tasks`) or a descend.tasks.Task")
        if data is not None:
            raise ValueError(f"give data= or task=, not both (task {task.name!r} brings its data)")
        if epochs is not None and task.data is None:  # as compare and tune refuse it (an epoch a step, unsaid)
            raise ValueError(f"epochs={epochs!r}: task {task.name!r} has no data to count epochs over; give steps=...")
        task = task.with_loss(loss)  # its answer of the loss trained
        if splitting:
            scaled = (f"; descend.tasks.get({task.name!r}, standardize_target=...) builds a regression task so"
                      if "standardize_target" in splitting else "")
            raise ValueError(f"task {task.name!r} brings its own data, already split, so "
                             f"{', '.join(f'{k}={v!r}' for k, v in splitting.items())} would be ignored: these "
                             f"split data=(x, y) or a descend.data.Dataset{scaled}")
        if runs is not None:
            steps = task.steps if steps is None and epochs is None else steps
            return engine.train(task.problem(model=model, loss=loss), _task_rates(task, runs), steps=steps,
                                epochs=epochs, **options)
        if schedules is not None and _lasting(schedules):
            grid["schedules"] = _epoch_schedules(schedules, len(task.data.train), grid["batch_size"], epochs,
                                                 drop_last)
        return task.fit(model=model, loss=loss, steps=steps, epochs=epochs, **grid, **options)
    if model is None:
        raise ValueError("give model=... (a descend.models model) or task=... (see `descend list tasks`)")
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one budget: steps=... or epochs=...")
    from .data import Splits

    if splitting and (data is None or isinstance(data, Splits)):
        raise ValueError(f"{', '.join(f'{k}={v!r}' for k, v in splitting.items())} would be ignored: "
                         + ("data=None has no samples to split" if data is None else
                            "data is a descend.data.Splits, already split (and standardised or not)")
                         + "; these split data=(x, y) or a descend.data.Dataset")
    split = {**SPLIT_DEFAULTS, **splitting}
    problem = make_problem(model, data, loss=loss, dtype=dtype, **split)
    if schedules is not None and _lasting(schedules):
        grid["schedules"] = _epoch_schedules(schedules, problem.samples, grid["batch_size"], epochs, drop_last)
    if runs is not None:
        return engine.train(problem, runs, steps=steps, epochs=epochs, **options)
    return engine.sweep(problem, steps=steps, epochs=epochs, **grid, **options)


def _task_rates(task: Any, runs: Any) -> Any:
    """``runs`` with the task's learning rate (:meth:`descend.tasks.Task.default_lr`) where a RunSpec gives none,
    as the grid arguments take it (``optimizer="gd"`` on line trains at 0.3, where gd's own default is 0.01)."""
    import dataclasses

    from .spec import RunSpec

    if not isinstance(runs, (list, tuple)):
        return runs  # refused by the engine, naming what it takes
    out = []
    for spec in runs:
        rate = task.default_lr(spec.optimizer) if isinstance(spec, RunSpec) and isinstance(spec.optimizer, str) \
            and isinstance(spec.hyper, Mapping) and "lr" not in spec.hyper else None
        out.append(dataclasses.replace(spec, hyper={**spec.hyper, "lr": rate}) if rate is not None else spec)
    return out


#: fit's arguments that split and standardise data=(x, y) or a Dataset, at their defaults
#: How ``data=`` is split when fit is given no other value (None there: a value given, even one of these, is
#: refused with a task, whose data is split already).
SPLIT_DEFAULTS = {"validation": 0.0, "test": 0.0, "standardize": False, "standardize_target": False, "split_seed": 0}


def _hyperparameters(given: dict[str, Any]) -> dict[str, Any]:
    """The optimizer hyperparameters of a ``fit`` call: ``betas=(b1, b2)`` as ``beta1``/``beta2``, and a
    misspelt argument of ``fit`` itself (``schedule=``, ``epoch=``) named as such instead of as an unknown
    hyperparameter."""
    from ._checks import close_matches
    from .optim import OPTIMIZERS, random_search

    given = dict(given)
    if "betas" in given:
        betas = given.pop("betas")
        both = [k for k in ("beta1", "beta2") if k in given]
        if both:
            raise ValueError(f"give betas=(beta1, beta2) or {' and '.join(f'{k}=' for k in both)}, not both")
        if (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(isinstance(b, (int, float, torch.Tensor)) and not isinstance(b, bool) for b in betas)):
            given["beta1"], given["beta2"] = betas
        else:
            raise ValueError(f"betas={betas!r} must be one pair (beta1, beta2), e.g. betas=(0.9, 0.999); for a grid "
                             "give beta1=[...] and beta2=[...], for pairs that are not a grid runs=[RunSpec(...), ...]")
    known = {"lr", *random_search.DEFAULTS}.union(*(info.names for info in OPTIMIZERS.values()))
    own = [name for name in inspect.signature(fit).parameters if name != "hyperparameters" and name not in known]
    for name in given:
        if name == "schedule" and isinstance(given[name], str):  # a search's configuration (best.json) names it so
            raise ValueError(f"fit() has no argument 'schedule'; the learning rate's schedule is given as "
                             f"schedules={{'lr': {given[name]!r}}}")
        if name not in known and close_matches(name, own):
            raise ValueError(f"fit() has no argument {name!r}{close_matches(name, own)}; the other keyword "
                             "arguments are optimizer hyperparameters (see descend.optim.get(name).names)")
    return given


def _batch_sizes(given: Any) -> Any:
    """``batch_size`` with a text read as the command line reads it
    (:func:`descend.compare_config.parse_batch_sizes`: ``"full"`` is None, the whole training set, as a
    comparison's summary writes it; ``"32"``, ``"hybrid"``; several separated by commas are a grid axis, as a list
    is), in a list too; any other value as it is."""
    from .compare_config import parse_batch_sizes

    if isinstance(given, str):
        sizes = parse_batch_sizes(given, what="batch_size")
        return sizes[0] if len(sizes) == 1 else sizes
    if isinstance(given, list) and any(isinstance(b, str) for b in given):
        return [size for b in given for size in (parse_batch_sizes(b, what="batch_size") if isinstance(b, str)
                                                 else [b])]
    return given


def _task_steps(task: Any) -> int | None:
    from . import tasks as tasks_module

    try:
        return (tasks_module.get(task) if isinstance(task, str) else task).steps
    except (ValueError, AttributeError):
        return None  # the task's own error, raised where it is built


def _lasting(schedules: Any) -> list[str]:
    """The hyperparameters whose schedule lasts a number of steps it is not given (cosine, one_cycle)."""
    from .compare_config import lasting

    return [key for key, _ in lasting(schedules)]


def _epoch_schedules(schedules: Mapping[str, Any], samples: int, batch_size: Any, epochs: int,
                     drop_last: bool) -> Mapping[str, Callable[[int], Any]]:
    """``schedules`` built as :func:`_schedules` builds them, over the steps ``epochs`` epochs of ``samples``
    training samples take at the runs' batch size; refused for a grid of several batch sizes, whose runs take
    different numbers of steps."""
    from .data.batches import plan_length

    sizes = list(dict.fromkeys(batch_size if isinstance(batch_size, (list, tuple)) else [batch_size]))
    if len(sizes) > 1:
        name = _lasting(schedules)[0]
        raise ValueError(f"schedules[{name!r}]={schedules[name]!r} lasts the steps of a run, which under an epochs= "
                         f"budget its batch size decides, and batch_size={batch_size!r} gives several; train each "
                         "batch size in a fit of its own, give the schedule its total_steps, or give a steps= budget")
    steps = plan_length(samples, sizes[0], steps=None, epochs=epochs, drop_last=drop_last)
    try:
        return _schedules(schedules, steps)
    except ValueError as e:  # one_cycle over the full batch's 1 step of 1 epoch: the steps it was built over
        if "total_steps" not in str(e):
            raise  # wrong whatever the steps: said without them
        from .compare_config import epochs_steps

        said = str(e) if str(e).startswith("schedules[") else f"schedules[{_lasting(schedules)[0]!r}]: {e}"
        raise ValueError(f"{said} ({epochs_steps(sizes[0], epochs, steps)})") from None


def _schedules(schedules: Any, steps: int | None, who: str = "fit") -> Mapping[str, Callable[[int], Any]]:
    """``{hyperparameter: f}`` with a schedule of :mod:`descend.schedules` given by its class or name built
    as a multiplier (from 1) over ``steps``; functions f(t) are kept as they are (the run checks them). ``who``:
    the function the errors name (fit, tune)."""
    from ._checks import close_matches
    from .schedules import SCHEDULES, get_schedule

    if not isinstance(schedules, Mapping):
        raise ValueError(f"schedules={schedules!r} must be a dict {{hyperparameter: schedule}}, e.g. "
                         "schedules={'lr': descend.schedules.cosine}")
    out = {}
    for name, schedule in schedules.items():
        info = None
        if isinstance(schedule, str) and ":" in schedule:  # with its options, as --schedule writes it
            from .compare_config import parse_schedule

            out[name] = parse_schedule(schedule, steps or 1, what=f"schedules[{name!r}]")[1]
            continue
        if isinstance(schedule, str):
            key = schedule.strip().lower().replace("-", "_")
            if key not in SCHEDULES:
                raise ValueError(f"schedules[{name!r}]={schedule!r}: unknown schedule{close_matches(key, SCHEDULES)} "
                                 f"(allowed: {', '.join(SCHEDULES)})")
            info = SCHEDULES[key]
        elif isinstance(schedule, type):
            info = next((i for i in SCHEDULES.values() if i.factory is schedule), None)
        if info is None:
            out[name] = schedule
            continue
        first = next((p for p in ("max_value", "value") if p in info.parameters), None)  # warmup has neither
        kwargs: dict[str, Any] = {} if first is None else {first: 1.0}
        if "total_steps" in info.parameters:
            if steps is None:
                raise ValueError(f"schedules[{name!r}]: {info.name} lasts total_steps, which an epochs= budget leaves "
                                 f"to the batch size; give descend.schedules.{info.name}(1.0, total_steps=...) or a "
                                 "steps= budget")
            kwargs["total_steps"] = int(steps)
        missing = [p for p in info.required if p not in kwargs]
        if missing:
            example = ", ".join(["1.0"] * (first is not None) + [f"{p}=..." for p in missing])
            raise ValueError(f"schedules[{name!r}]: {info.name} needs {', '.join(missing)}, which {who} can't choose; "
                             f"give descend.schedules.{info.name}({example}) (a multiplier of {name})")
        out[name] = get_schedule(info.name, **kwargs)
    return out

