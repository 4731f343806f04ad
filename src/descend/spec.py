"""Run specifications: one training run as a value.

A :class:`RunSpec` is everything that makes one run what it is: the optimizer and every hyperparameter in
effect (defaults filled in, ``lr`` included), the batch regime, the seed, the start, the schedules and the
clipping. The engine (:func:`descend.engine.train`) trains any list of them, grouping into one batched
program the runs that can share it. A grid is one way to make a list (:func:`grid`); a search draws each
run's hyperparameters independently and builds the specifications itself::

    specs = [RunSpec("adam", {"lr": lr, "beta1": b1}) for lr, b1 in zip(lrs, beta1s)]
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._checks import check_names, plain_number
from .optim import get as get_optimizer
from .optim import random_search

__all__ = ["RunSpec", "grid", "seeds_can_differ"]


@dataclass(frozen=True, eq=True)
class RunSpec:
    """One run: optimizer, hyperparameters, batch regime, seed, start, schedules and clipping.

    - ``hyper``: hyperparameters and options by name (``lr``, ``beta1``, ``momentum``, ``nesterov``, ...);
      after :meth:`resolved`, every one the optimizer has, with its default where none was given.
    - ``batch_size``: ``None`` (the full batch: GD), an int, or a :class:`descend.data.hybrid` schedule.
    - ``seed``: the model's initialisation and the order of the batches (paired runs share it).
    - ``start``: the initial values of all parameters, flattened in the model's order, or None.
    - ``schedules``: ``{hyperparameter: f}`` where ``f(t)`` multiplies that hyperparameter at step t.
    - ``clip_norm``/``clip_value``: gradient clipping by global norm / by value, or None.
    """

    optimizer: str
    hyper: Mapping[str, Any] = field(default_factory=dict)
    batch_size: Any = None
    seed: int = 0
    start: tuple[float, ...] | None = None
    schedules: Mapping[str, Callable[[int], Any]] = field(default_factory=dict)
    clip_norm: float | None = None
    clip_value: float | None = None

    __hash__ = None  # type: ignore[assignment]  # hyper and schedules are mappings

    def resolved(self) -> RunSpec:
        """The same run with the canonical optimizer name and every hyperparameter in effect, checked.

        Raises ``ValueError`` naming the argument, its value and what is allowed.
        """
        if not isinstance(self.optimizer, str):
            raise ValueError(f"optimizer={self.optimizer!r} must be a name such as 'adam'")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ValueError(f"seed={self.seed!r} must be an int")
        seed = int(self.seed)  # a NumPy integer is one
        for what, given in (("hyper", self.hyper), ("schedules", self.schedules)):
            if given is not None and not isinstance(given, Mapping) or what == "hyper" and given is None:
                example = "{'lr': 0.1}" if what == "hyper" else "{'lr': descend.schedules.cosine(1.0, 100)}"
                raise ValueError(f"{what}={given!r} must be a dict of hyperparameter names and values, such as "
                                 f"{example}")
        hyper = dict(self.hyper)
        for key, value in hyper.items():  # one run: one number each (a tensor of K values is K runs: descend.fit)
            several = isinstance(value, (list, tuple)) and key != "betas"
            if several or type(value).__module__.split(".")[0] in ("torch", "numpy") and hasattr(value, "ndim"):
                if several or value.ndim != 0:
                    raise ValueError(f"{key}={value!r}: a RunSpec is one run, so {key} is one number; several values "
                                     f"are several runs: one RunSpec each, or descend.fit({key}=[...])")
                hyper[key] = _plain(key, value)  # a float32 number as written, as descend.fit reads it
        self = replace(self, seed=seed, hyper=hyper, clip_norm=plain_number(self.clip_norm),
                       clip_value=plain_number(self.clip_value))
        if not 0 <= self.seed < 2**62:  # the model's and the batches' generators; descend derives others from it
            raise ValueError(f"seed={self.seed!r} is out of range: a seed is a whole number in [0, 2**62)")
        for name, value in (("clip_norm", self.clip_norm), ("clip_value", self.clip_value)):
            if value is not None and not (isinstance(value, (int, float)) and not isinstance(value, bool)
                                          and math.isfinite(value) and value > 0):
                raise ValueError(f"{name}={value!r} must be a finite positive number or None")
        if self.optimizer.lower() == random_search.NAME:
            name, hyper = random_search.NAME, random_search.configure(**self.hyper)
            allowed: Sequence[str] = tuple(hyper)
        else:
            info = get_optimizer(self.optimizer)
            name, allowed = info.name, ("lr", *info.names)
            check_names(list(self.hyper), allowed, what=f"hyperparameter for {info.name}", hint=info.symbol_hint)
            info.configure(**self.hyper)
            hyper = {**info.defaults, **self.hyper}
        schedules = dict(self.schedules or {})
        if name != random_search.NAME:  # what a schedule, a multiplier of a number at every step, can scale
            switches = {o.name for o in info.options}
            for key in schedules:
                if key in switches:
                    raise ValueError(f"schedules[{key!r}]: {key} is an option of {name} (a switch or a choice), which "
                                     "a schedule, a multiplier, cannot scale; schedule a number such as lr or "
                                     "momentum")
                if key in allowed and key not in info.update_args:  # initial_accumulator_value: read once, by init
                    raise ValueError(f"schedules[{key!r}]: {key} sets where {name}'s state starts, once, before the "
                                     "first step, so a schedule, a multiplier at every step, has nothing to scale; "
                                     "give it as a value, and schedule a number the steps use, such as lr")
        check_names(list(schedules), allowed if name == random_search.NAME else _scalable(name),
                    what=f"scheduled hyperparameter for {name}")
        for key, schedule in schedules.items():
            if isinstance(schedule, type):  # descend.schedules.cosine, not cosine(1.0, total_steps): fails at step 0
                raise ValueError(f"schedules[{key!r}] is the class {schedule.__name__}; give a schedule made from "
                                 f"it, such as descend.schedules.{schedule.__name__}(1.0, ...) with its settings "
                                 "(descend.fit also takes the name or the class, and fills in what it can)")
            if not callable(schedule):
                raise ValueError(f"schedules[{key!r}] must be a function of the step t, such as "
                                 "descend.schedules.cosine(1.0, total_steps)")
        return replace(self, optimizer=name, hyper=hyper, schedules=schedules)

    @property
    def options(self) -> tuple[tuple[str, Any], ...]:
        """The switches of the rule (the same for every run of a program), sorted by name."""
        if self.optimizer == random_search.NAME:
            names = set(random_search.OPTIONS)
        else:
            names = {o.name for o in get_optimizer(self.optimizer).options}
        return tuple(sorted((k, v) for k, v in self.hyper.items() if k in names))

    def to_dict(self) -> dict[str, Any]:
        """The run as plain values (schedules by name of the function, a batch size as the summary writes it)."""
        schedules = {k: getattr(f, "__name__", repr(f)) for k, f in self.schedules.items()}
        return {"optimizer": self.optimizer, **dict(self.hyper), "batch_size": plain_batch_size(self.batch_size),
                "seed": self.seed,
                "start": self.start, "schedules": schedules, "clip_norm": self.clip_norm, "clip_value": self.clip_value}


#: Whether the schedules trained now were checked by :func:`warn_of_scaled_schedules` already (a search's, before its
#: trials) or are multipliers by their own words (``--schedule``'s texts): its warning is then not said again.
_CHECKED: contextvars.ContextVar[bool] = contextvars.ContextVar("descend_schedules_checked", default=False)


@contextlib.contextmanager
def schedules_checked() -> Iterator[None]:
    """Within it, :func:`warn_of_scaled_schedules` says nothing: a search's trainings, whose schedules it said once
    before the first, or a comparison's, whose ``--schedule`` is a multiplier of ``--lr`` in its own words."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _scale(schedule: Any) -> tuple[str, float] | None:
    """What a schedule of :mod:`descend.schedules` multiplies its hyperparameter by at its start, or at its peak
    where it rises to one (one_cycle's ``max_value``, a warm-up's schedule's), with the words for it; None for any
    other function, whose values are its author's, and for a run axis (a RunSpec's schedule gives one number)."""
    from . import schedules as S

    if isinstance(schedule, S.warmup):
        inner = _scale(schedule.schedule)
        return None if inner is None else ("peaks at" if inner[0] == "starts at" else inner[0], inner[1])
    if isinstance(schedule, S.one_cycle):
        words, value = "peaks at", schedule.max_value
    elif type(schedule).__module__ == S.__name__ and hasattr(schedule, "value"):
        words, value = "starts at", schedule.value
    else:
        return None
    return None if not isinstance(value, float) else (words, value)


def warn_of_scaled_schedules(schedules: Iterable[tuple[str, Any]]) -> None:
    """Warn, once for all of them, of the schedules of :mod:`descend.schedules` among ``(hyperparameter,
    schedule)`` that start (or peak) elsewhere than at 1 (or 0). descend.fit, descend.tune and a RunSpec multiply the
    hyperparameter by the schedule, where :class:`descend.schedules.ScheduleHyperparameters` sets it to the
    schedule's value: ``lr=0.1`` with ``cosine(0.1, 50)`` trains from 0.01, silently, where the schedule was read
    as the rate itself. A scale chosen on purpose (``one_cycle(10.0, ...)``) is said too, as what it does."""
    import warnings

    from ._quiet import outside

    if _CHECKED.get():
        return
    said, seen = [], set()
    for name, schedule in schedules:
        scale = _scale(schedule)
        # (one from 0 rises to another value, polynomial(0.0, end_value=1.0), or is refused as doing nothing)
        if scale is None or scale[1] in (0.0, 1.0) or (name, id(schedule)) in seen:
            continue
        seen.add((name, id(schedule)))
        said.append(f"schedules[{name!r}]={schedule!r} {scale[0]} {scale[1]:g}")
    if said:
        warnings.warn(f"{'; '.join(said)}: a schedule given to descend.fit, descend.tune or a RunSpec multiplies "
                      "its hyperparameter at every step (lr × f(t)), where ScheduleHyperparameters sets it to f(t), so "
                      "each trains at that many times the value given; give the schedule value=1.0 (one_cycle "
                      "max_value=1.0) to start from the value given", UserWarning, stacklevel=outside())


def plain_batch_size(batch_size: Any) -> Any:
    """A batch size as plain data, as the summary's column and :meth:`RunSpec.to_dict` write it: None (the full
    batch) or a whole number as it is, any other (a hybrid) as its text.

    >>> from descend.data import hybrid
    >>> plain_batch_size(None), plain_batch_size(32), plain_batch_size(hybrid(32, 8, 512))
    (None, 32, 'hybrid(first=32, epochs=8, then=512)')
    """
    return batch_size if batch_size is None or isinstance(batch_size, int) else repr(batch_size)


def expand_grid(**arguments: Any) -> list[dict[str, Any]]:
    """Every combination of the arguments given as lists (the others are held fixed), in a stable order.

    >>> [g["lr"] for g in expand_grid(lr=[0.1, 0.01], seed=0)]
    [0.1, 0.01]
    """
    keys = list(arguments)
    values = [v if isinstance(v, list) else [v] for v in arguments.values()]
    for key, v in zip(keys, values):
        if len(v) == 0:
            raise ValueError(f"{key} is an empty list; give at least one value")
        same = [same_value(x) for x in v]  # 1 and 1.0 are one value (they trained as two identical runs)
        twice = next(((same.index(x), i) for i, x in enumerate(same) if x in same[:i]), None)
        if twice is not None and key != "start":  # (a start's points are checked where they are made)
            first, second = repr(v[twice[0]]), repr(v[twice[1]])
            listed = f"{second} twice" if first == second else f"{first} and {second}, the same value"
            raise ValueError(f"{key} lists {listed}: each value of a grid is a run of its own, and the results "
                             f"are in the order of the values; give each once (another seed repeats a run)")
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


def same_value(x: Any) -> Any:
    """What makes two values of a list the same value (a grid's runs, a search space's choices): a number by its
    value (1 is 1.0), anything else by its text (a bool is not a number here: True is not 1)."""
    if isinstance(x, (int, float)) and not isinstance(x, bool) and x == x:
        return ("number", float(x))
    return ("text", repr(x))


def schedules_for(optimizer: str, schedules: Mapping[str, Callable[[int], Any]] | None) -> dict[str, Any]:
    """The schedules of ``schedules`` that apply to ``optimizer``: those of its hyperparameters (a schedule of
    momentum schedules the SGD runs of a grid or a search, and leaves Adam's alone, as a hyperparameter's values
    do). A name no optimizer has is refused where the schedules are given (:func:`grid`, ``descend.tune``)."""
    hypers = _known(optimizer)[1]
    return {k: f for k, f in (schedules or {}).items() if k in hypers}


def grid(*, optimizer: Any = "adam", lr: Any = None, batch_size: Any = None, seed: Any = 0, start: Any = None,
         model: Any = None, schedules: Mapping[str, Callable[[int], Any]] | None = None,
         clip_norm: Any = None, clip_value: Any = None,
         lrs: Mapping[str, float] | None = None, **hyperparameters: Any) -> list[RunSpec]:
    """Run specifications for every combination of the arguments given as lists, checked.

    A hyperparameter applies to the optimizers that have it: ``optimizer=["sgd", "adam"], momentum=[0.5,
    0.9]`` gives two SGD runs and one Adam run, and a schedule of momentum schedules the SGD runs'; a name no
    optimizer has is an error. With no ``lr``, each optimizer takes ``lrs[name]`` when given and not None (a
    task's learning rate for it), else its default.
    ``start`` (one point or a list of points, see :func:`starts`) needs the ``model``.

    >>> [(s.optimizer, s.hyper["lr"]) for s in grid(optimizer=["gd", "adam"], lr=[0.1, 0.01])]
    [('gd', 0.1), ('gd', 0.01), ('adam', 0.1), ('adam', 0.01)]
    """
    points = starts(model, start) if start is not None else None
    for name in optimizer if isinstance(optimizer, list) else [optimizer]:
        if not isinstance(name, str):  # before the grid hashes them
            _known(name)
    lr, batch_size, seed = _plain("lr", lr), _plain("batch_size", batch_size), _plain("seed", seed)
    clip_norm, clip_value = _plain("clip_norm", clip_norm), _plain("clip_value", clip_value)
    hyperparameters = {k: _plain(k, v) for k, v in hyperparameters.items()}
    combos = expand_grid(optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed, start=points,
                         clip_norm=clip_norm, clip_value=clip_value, **hyperparameters)
    names = {combo["optimizer"] for combo in combos}
    known = {n: _known(n) for n in names}
    by_name: dict[str, Any] = {}
    for given_name in optimizer if isinstance(optimizer, list) else [optimizer]:  # in the order given
        other = by_name.setdefault(known[given_name][0], given_name)
        if other != given_name:  # 'adam' and 'Adam': one optimizer, whose runs were merged without a word
            raise ValueError(f"optimizer lists {other!r} and {given_name!r}, the same optimizer "
                             f"({known[given_name][0]}): give each once")
    given = {k for combo in combos for k, v in combo.items() if v is not None} - {
        "optimizer", "batch_size", "seed", "start", "clip_norm", "clip_value"}
    everything = {h for _, hypers in known.values() for h in hypers}
    # a name spelt as a symbol (beta for RMSprop's β, named alpha): the name it has, as the command line says
    hints = [get_optimizer(name).symbol_hint for name, _ in known.values() if name != random_search.NAME]
    check_names(sorted(given), everything, what=f"hyperparameter for {', '.join(sorted(map(str, names)))}",
                hint=lambda given_name: next((h(given_name) for h in hints if h(given_name)), ""))
    # a schedule applies to the optimizers whose hyperparameter it schedules, as a hyperparameter's values do; the
    # names listed are those a schedule can scale (a switch's schedule is refused by its run, in its own words)
    scalable = {h for name, _ in known.values() for h in _scalable(name)}
    check_names(sorted(k for k in schedules or {} if k not in everything), scalable,
                what=f"scheduled hyperparameter for {', '.join(sorted(map(str, names)))}")
    specs, seen = [], set()
    for combo in combos:
        name, hypers = known[combo["optimizer"]]
        hyper = {k: v for k, v in combo.items() if k in hypers and v is not None}
        if "lr" in hypers and "lr" not in hyper and lrs and lrs.get(name) is not None:
            hyper["lr"] = float(lrs[name])
        key = (name, repr(sorted(hyper.items(), key=str)), repr(combo["batch_size"]), combo["seed"], combo["start"],
               combo["clip_norm"], combo["clip_value"])
        if key in seen:
            continue
        seen.add(key)
        spec = RunSpec(name, hyper, combo["batch_size"], combo["seed"], combo["start"],
                       schedules_for(name, schedules), combo["clip_norm"], combo["clip_value"])
        try:
            specs.append(spec.resolved())
        except ValueError as e:
            raise ValueError(f"run {len(specs)} ({name}, {hyper}): {e}") from None
    return specs


def _plain(name: str, value: Any) -> Any:
    """A grid argument in Python's own numbers: a 0-d tensor or a NumPy number is that number, a 1-D tensor or
    array the list of its values (one run each, a grid axis), as a list of numbers is."""
    import numpy as np
    import torch

    def number(v: Any) -> Any:  # a float32 value as written (0.1, not 0.10000000149), as the user typed it
        if isinstance(v, torch.Tensor):
            v = v.detach().cpu().numpy()[()]
        return plain_number(v)

    if type(value).__module__.partition(".")[0] == "pandas" and hasattr(value, "to_numpy"):  # a Series, an Index
        value = value.to_numpy()
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.ndim > 1:
            raise ValueError(f"{name} is a tensor of shape {tuple(value.shape)}; give one value, or a list or 1-D "
                             "tensor of values (a grid axis: one run each)")
        return number(value) if value.ndim == 0 else [number(v) for v in value]
    if isinstance(value, np.generic):
        return number(value)
    if isinstance(value, list):
        return [number(v) if isinstance(v, np.generic) or isinstance(v, torch.Tensor) and v.ndim == 0 else v
                for v in value]
    return value


def _scalable(name: str) -> tuple[str, ...]:
    """The hyperparameters of the optimizer ``name`` (canonical) that a schedule, a multiplier at every step, can
    scale: the numbers its steps read, neither a switch (amsgrad, eps_mode) nor a start of its state
    (initial_accumulator_value)."""
    if name == random_search.NAME:
        return tuple(k for k in random_search.DEFAULTS if k not in random_search.OPTIONS)
    info = get_optimizer(name)
    switches = {o.name for o in info.options}
    return tuple(n for n in dict.fromkeys(("lr", *info.names)) if n not in switches and n in info.update_args)


def _known(name: Any) -> tuple[str, tuple[str, ...]]:
    """The canonical optimizer name and the hyperparameters it takes."""
    if isinstance(name, str) and name.lower() == random_search.NAME:
        return random_search.NAME, tuple(random_search.DEFAULTS)
    from .optim import OptimizerInfo

    if isinstance(name, OptimizerInfo):
        raise ValueError(f"optimizer=OptimizerInfo({name.name!r}, ...): an optimizer is given by its name; add one of "
                         f"your own with descend.optim.register(info), then optimizer={name.name!r}")
    if callable(name):  # an update rule of one's own (or its init), given where its name goes
        what = getattr(name, "__name__", type(name).__name__)
        raise ValueError(f"optimizer={what}: an optimizer is given by its name, such as 'adam'; add a rule of your "
                         "own with descend.optim.register(descend.optim.OptimizerInfo(name, description, init, update, "
                         "hyperparameters, options)), then optimizer=name")
    if not isinstance(name, str):
        raise ValueError(f"optimizer={name!r} must be a name such as 'adam'")
    info = get_optimizer(name)
    return info.name, ("lr", *info.names)


def starts(model: Any, start: Any) -> Any:
    """``start`` as one flat tuple of floats, or a list of them (a grid axis); None stays None.

    One point is numbers in the model's parameter order, when every parameter is a scalar (a landscape's
    ``(x, y)``), or a dict ``{name: value}``; a list of points expands the grid.
    """
    if start is None:
        return None
    if model is None:
        raise ValueError("start=... needs the model, to know its parameters")
    if type(start).__module__.partition(".")[0] in ("numpy", "torch") and getattr(start, "ndim", 0) in (1, 2):
        start = start.tolist()  # an array or tensor of one point's numbers, or of several points (one per row)
    points = start if isinstance(start, list) and start and not _is_number(start[0]) else [start]
    flat = [_start(model, point, i if len(points) > 1 else None) for i, point in enumerate(points)]
    return flat if isinstance(start, list) and len(points) > 1 else flat[0]


def _is_number(v: Any) -> bool:
    v = plain_number(v)  # a NumPy number is one
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def check_flat_start(model: Any, start: Any, where: str) -> tuple[float, ...]:
    """A :class:`RunSpec`'s ``start``: one number per value of the model's parameters, in their order (what
    :func:`starts` makes of a point), finite; a ``ValueError`` naming ``where`` otherwise."""
    import torch

    count = sum(int(torch.Size(shape).numel()) for shape in model.shapes())
    if isinstance(start, (str, bytes)) or not isinstance(start, Sequence) or len(start) != count or not all(
            _is_number(v) for v in start):
        raise ValueError(f"{where}={start!r} must be {count} numbers, one per value of the model's parameters "
                         f"({', '.join(model.names)}, in order); descend.fit(start=...) takes a point or a dict")
    values = tuple(float(plain_number(v)) for v in start)
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{where}={start!r} has a non-finite value; starts must be finite")
    return values


def _start(model: Any, point: Any, i: int | None) -> tuple[float, ...]:
    import torch

    names = tuple(model.names)
    shapes = [tuple(s) for s in model.shapes()]
    where = "start" if i is None else f"start[{i}]"
    if isinstance(point, Mapping):
        check_names(list(point), names, what="parameter name in start")
        missing = [n for n in names if n not in point]
        if missing:
            raise ValueError(f"{where} has no value for {', '.join(missing)}; give every parameter: {', '.join(names)}")
        values = []
        for name, shape in zip(names, shapes):
            v = torch.as_tensor(point[name], dtype=torch.float64)
            if tuple(v.shape) != shape:
                raise ValueError(f"{where}[{name!r}] has shape {list(v.shape)}; {name} has shape {list(shape)}")
            values.extend(v.reshape(-1).tolist())
    else:
        if any(shape != () for shape in shapes):
            raise ValueError(f"{where}={point!r}: a start given as numbers needs scalar parameters; "
                             f"give a dict {{name: value}} for {', '.join(names)}")
        if isinstance(point, (str, bytes)) or not isinstance(point, Sequence) or len(point) != len(names) or not all(
                _is_number(v) for v in point):
            raise ValueError(f"{where}={point!r} must be {len(names)} numbers, one per parameter ({', '.join(names)})")
        values = [float(plain_number(v)) for v in point]
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{where}={point!r} has a non-finite value; starts must be finite")
    return tuple(values)


def seeds_can_differ(task: Any, optimizer: str, batch_size: Any) -> bool:
    """Whether two seeds can give two different runs of ``optimizer`` at ``batch_size`` on ``task`` (decided
    here for ``descend compare``, which runs such a configuration once, and for ``descend tune``'s re-runs).

    A seed draws four things: the initial parameters w₀ (``task.model.init``), the order of the
    mini-batches, random search's candidates, and what a model that draws random numbers draws while it
    trains (a module's dropout masks, :func:`descend.models.module.draws_random`, which the engine reads too).
    So seeds cannot differ when the optimizer and the model draw nothing (every gradient rule; descend's own
    models), the batch is the whole training set at every step (``None``, or b ≥ m: the batches are
    ``arange(m)``; a hybrid schedule starts with mini-batches) or there is no data (an exact landscape), and
    w₀ is the same for every seed (the ellipse's A = 0.1, B = 1.8; a landscape's start).
    """
    import torch

    from .models.module import draws_random

    if optimizer == random_search.NAME or draws_random(task.model):
        return True
    data = getattr(task, "data", None)
    if data is not None and batch_size is not None:
        m = len(data.train)
        if not (isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size >= m):
            return True
    return not all(torch.equal(p[0], p[1]) for p in task.model.init([0, 1]))
