"""The engine: run specifications trained on a problem, K at a time as one batched program.

:func:`train` takes a :class:`descend.problem.Problem` and any list of :class:`descend.spec.RunSpec`. It
splits them into **cohorts**: runs that can share one program (same algorithm and switches, same batch
regime, same clipping and scheduled hyperparameters). Within a cohort every parameter has a leading run
axis ``[K, ...]`` and every hyperparameter that differs between runs is a tensor ``[K]``, so one forward,
one loss, one backward and one optimizer update serve all K runs, whatever their hyperparameters.
Cohorts that share their batches and clipping train together as one **group** (:func:`plan_groups`): one
forward, loss and backward for all their runs, then each cohort's own update rule on its rows (:class:`_Joint`),
the same numbers as each cohort alone; on a small problem most of a step is the operations around the maths,
and a group pays them once. :func:`sweep` is a grid of specifications trained on a problem; :func:`descend.fit`
builds the problem from a task or from a model and data. The engine knows nothing of tasks.

Per run, into preallocated tensors (one host read per step, of whether every run still moves, lets the
loop skip the masking of stopped runs): the training loss at every step (NaN for a batch with no valid
sample), validation/test loss (and accuracy for classification) every ``eval_every`` steps, the gradient
norm of every parameter tensor, the parameter path (always for models with at most three parameters), the
first step that reaches ``target``, and the run's **status** (:mod:`descend.outcomes`): a run that
diverges, leaves the model's domain or is pruned is frozen at that step (its parameters keep their last
values, its later losses are NaN) and no NaN reaches another run.

Hooks for a search or a server: ``stop`` (an event or a callable checked every step: training stops as
after Ctrl-C, keeping what finished), ``monitor`` (called after every evaluation with each run's current
metrics; it may ``prune`` runs or ``stop``), ``progress`` (after every step). Two trainings in two threads
give the same numbers as one after the other.

Small problems spend their step on operations around the maths, each a few microseconds, so the eager step
leaves out what it can without changing a floating-point operation (tests/test_engine_fast.py checks the
numbers bit for bit): the model's argument checks after a cohort's first step (``model.unchecked()``), the
gather of a full batch in its order, operations whose result the host already knows (every run healthy,
bounded, moving: :class:`_Known`), one operation per parameter of a landscape (``unbind``, the gradient norms
at once); records are written a few dozen steps at a time and the steps to the target read after training.
A landscape whose hand-derived gradient is autograd's own operations (``exact_grad``) gives it to the step,
which then has no backward pass (:func:`hand_gradient`), and so do the ellipse's and the line fit's MSE, its
backward pass written out as autograd runs it (``Parametric.mse_and_grad``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import math
import numbers
import statistics
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple

import torch
from torch import Tensor

from . import clipping, models, outcomes
from ._compile import (
    checked,
    checking,
    compiled_before,
    compiling,
    fingerprint,
    import_compiler,
    load_package,
    one_compile_at_a_time,
    package_name,
    prepare_inductor,
    remember_compiled,
    save_package,
    traced,
    tracing,
)
from ._allocator import check_variable, keep_freed_memory
from ._autograd import autograd_on
from ._machine import spare_cores
from ._quiet import outside
from .optim import get as get_optimizer
from .optim import random_search
from .optim._base import REDUCED
from .optim._base import unchecked as unchecked_rule  # a cohort's settings are checked once, before training
from .optim.registry import rule_origin
from .optim.registry import version as rule_version
from .problem import Objective, Problem, make_objective
from .progress import barred_when_true
from .records import STATUS_CODES, CohortResult, cut_short, per_run
from .spec import RunSpec, check_flat_start, expand_grid, grid, plain_batch_size, warn_of_scaled_schedules

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

__all__ = ["Cohort", "CohortResult", "Monitor", "Objective", "Problem", "RuleFailed", "Run", "RunSpec", "Runs",
           "expand_grid", "grid", "make_objective", "plan_cohorts", "plan_groups", "sweep", "train", "train_cohort"]

#: The registry name of random search (seed 001's gradient-free baseline), see descend.optim.random_search.
RANDOM_SEARCH = random_search.NAME
RANDOM_SEARCH_DEFAULTS = random_search.DEFAULTS

_OK, _DIVERGED, _LEFT_DOMAIN, _PRUNED = (STATUS_CODES.index(s) for s in (outcomes.OK, outcomes.DIVERGED,
                                                                       outcomes.LEFT_DOMAIN, outcomes.PRUNED))


@dataclass(frozen=True)
class Run:
    """One run of a training: its index and its (resolved) :class:`descend.spec.RunSpec`."""

    index: int
    spec: RunSpec

    @property
    def optimizer(self) -> str:
        return self.spec.optimizer

    @property
    def hyper(self) -> Mapping[str, Any]:
        return self.spec.hyper

    @property
    def batch_size(self) -> Any:
        return self.spec.batch_size

    @property
    def seed(self) -> int:
        return self.spec.seed

    @property
    def start(self) -> tuple[float, ...] | None:
        return self.spec.start


@dataclass
class Cohort:
    """Runs that train as one batched program."""

    optimizer: str
    batch_size: Any
    options: tuple[tuple[str, Any], ...]
    runs: list[Run] = field(default_factory=list)
    clip_norm: float | None = None
    clip_value: float | None = None


def _schedules_text(spec: RunSpec) -> str:
    """A run's schedules for its row of the summary: ``lr: cosine(value=1.0, total_steps=100, min_value=0.0)``
    (a function of one's own by its name); empty without one."""
    return "; ".join(f"{name}: {text}" for name, text in spec.to_dict()["schedules"].items())


def plan_cohorts(runs: Sequence[Run], *, numbers: bool = False) -> list[Cohort]:
    """Group runs by what batching cannot share: the algorithm and its switches, the batch regime, the
    clipping and which hyperparameters are scheduled (each run's schedule may differ). With ``numbers`` (float16
    and bfloat16 parameters), by the values of their hyperparameters but the learning rate too, which then reach
    the rule as numbers: torch computes a number with those parameters in float32, where a ``[K]`` tensor of the
    runs' values would be rounded to their dtype first (bfloat16 holds β₂ = 0.999 as 1.0). The learning rate is
    rounded as torch rounds it either way (:func:`descend.optim._base.minus`)."""
    cohorts: dict[Any, Cohort] = {}
    for run in runs:
        spec = run.spec
        key = (spec.optimizer, repr(spec.batch_size), spec.options, spec.clip_norm, spec.clip_value,
               tuple(sorted(spec.schedules)))
        if numbers:
            shared = ((k, repr(v)) for k, v in spec.hyper.items() if k != "lr" and k not in spec.schedules)
            key += (tuple(sorted(shared)),)
        cohort = cohorts.setdefault(key, Cohort(spec.optimizer, spec.batch_size, spec.options,
                                                clip_norm=spec.clip_norm, clip_value=spec.clip_value))
        cohort.runs.append(run)
    return list(cohorts.values())


# -- hooks ------------------------------------------------------------------------------------------------


@dataclass
class Monitor:
    """What a ``monitor`` callback sees after an evaluation of a cohort, and what it may do.

    ``step`` (updates done), ``runs`` (the :class:`Run` objects of the cohort, in the order of the arrays),
    ``metrics``: name → float64 ``[K]`` (``batch_loss`` of the last step, ``train_loss``,
    ``validation_loss``, ``test_loss``, accuracies), ``status``: each run's status (see
    :mod:`descend.outcomes`). ``prune(runs)`` freezes those runs at this step with status ``"pruned"`` (runs
    of ``runs`` or their indices ``Run.index``, a list or one); ``stop()`` ends the training as Ctrl-C does,
    keeping what finished.
    """

    step: int
    runs: list[Run]
    metrics: dict[str, Tensor]
    status: list[str]
    pruned: set[int] = field(default_factory=set)
    stopped: bool = False

    def prune(self, runs: Sequence[Run | int] | Run | int) -> None:
        indices = {run.index for run in self.runs}
        one = isinstance(runs, (Run, numbers.Integral)) or not isinstance(runs, Iterable)
        chosen = [runs] if one or (isinstance(runs, Tensor) and runs.ndim == 0) else list(runs)
        which = []
        for run in chosen:  # each checked before any is pruned
            if isinstance(run, Run):
                i = run.index
            elif isinstance(run, numbers.Integral) and not isinstance(run, bool) or (
                    isinstance(run, Tensor) and run.ndim == 0 and not run.is_floating_point()):
                i = int(run)
            else:
                raise ValueError(f"prune({run!r}): give runs of this cohort (event.runs) or their indices "
                                 f"(run.index), one or a list")
            if i not in indices:
                raise ValueError(f"prune({run!r}): run {i} is not in this cohort; its runs are {sorted(indices)}")
            which.append(i)
        self.pruned.update(which)

    def stop(self) -> None:
        self.stopped = True


class _Hooks:
    """The callbacks of one training: progress after every step, monitor after evaluations, stop requests."""

    def __init__(self, progress: Callable[[int], Any] | None, monitor: Callable[[Monitor], Any] | None,
                 stop: Any) -> None:
        if stop is not None and not (callable(stop) or hasattr(stop, "is_set")):
            raise ValueError("stop must be a threading.Event (or anything with is_set()) or a callable returning "
                             "True to stop")
        if monitor is not None and not callable(monitor):
            raise ValueError("monitor must be a callable taking a descend.engine.Monitor")
        self._progress, self._monitor, self._stop = progress, monitor, stop
        self.stopped = False

    def stop_requested(self) -> bool:
        if not self.stopped and self._stop is not None:
            self.stopped = bool(self._stop.is_set() if hasattr(self._stop, "is_set") else self._stop())
        return self.stopped

    def report_progress_to(self, progress: Callable[[int], Any] | None) -> None:
        """Send the steps of the next cohort to ``progress(t)``."""
        self._progress = progress

    def progress(self, t: int) -> None:
        if self._progress is not None:
            self._progress(t)

    def report(self, cohort: Cohort, step: int, metrics: dict[str, Tensor], status: Tensor) -> list[int]:
        """Call the monitor; return the positions in the cohort of the runs it pruned."""
        if self._monitor is None:
            return []
        event = Monitor(step, list(cohort.runs), {k: v.detach().double().clone() for k, v in metrics.items()},
                        [STATUS_CODES[int(c)] for c in status])
        self._monitor(event)
        if event.stopped:
            self.stopped = True
        position = {run.index: j for j, run in enumerate(cohort.runs)}
        return [position[i] for i in sorted(event.pruned)]

    @staticmethod
    def code(status: str) -> int:
        return STATUS_CODES.index(status)


# -- one cohort ----------------------------------------------------------------------------------------




def _freeze(alive: Tensor, new: Any, old: Any) -> Any:
    """Keep ``old`` values for runs that are not alive; works on tensors, tuples and state records."""
    if isinstance(new, Tensor):
        if new.ndim == 0 or new.shape[0] != alive.shape[0]:
            return new  # shared scalars such as the step count
        return torch.where(per_run(alive, new), new, old)
    if isinstance(new, tuple) and hasattr(new, "_fields"):
        return type(new)(*(_freeze(alive, n, o) for n, o in zip(new, old)))
    if isinstance(new, tuple):
        return tuple(_freeze(alive, n, o) for n, o in zip(new, old))
    return new


def _rows_of(keep: Tensor, k: int, value: Any) -> Any:
    """The rows ``keep`` of every per-run tensor in ``value`` (first axis of length ``k``); tensors, tuples and
    state records, as :func:`_freeze` tells them apart (shared scalars such as the step count stay whole)."""
    if isinstance(value, Tensor):
        if value.ndim == 0 or value.shape[0] != k:
            return value
        return value.index_select(0, keep)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_rows_of(keep, k, v) for v in value))
    if isinstance(value, tuple):
        return tuple(_rows_of(keep, k, v) for v in value)
    return value


def _spread(rows: Tensor, values: Tensor, others: Tensor | float, k: int) -> Tensor:
    """``values`` of the rows ``rows`` of a cohort's ``k`` runs put back among all of them; the other runs get
    ``others``' rows (a tensor of every run) or ``others`` itself (a number)."""
    if isinstance(others, Tensor):
        out = others.clone()
    else:
        out = torch.full((k, *values.shape[1:]), others, dtype=values.dtype)
    out[rows] = values
    return out


def _cohort_hyper(cohort: Cohort, info: Any, numbers: bool = False) -> dict[str, Any]:
    """The update's hyperparameters for the cohort: options as they are, a tensor ``[K]`` for a
    hyperparameter some run sets away from its default, the default itself otherwise; with ``numbers`` (float16
    and bfloat16 parameters: :func:`plan_cohorts`), a value every run of the cohort shares as that number, the
    learning rate and a scheduled one aside."""
    options = {o.name for o in info.options}
    defaults = info.defaults
    hyper: dict[str, Any] = {}
    for name in {n for run in cohort.runs for n in run.hyper}:
        values = [run.hyper.get(name, defaults.get(name)) for run in cohort.runs]
        scheduled = any(name in run.spec.schedules for run in cohort.runs)
        if name in options:
            hyper[name] = values[0]
        elif numbers and name != "lr" and len(set(values)) == 1 and not scheduled:
            hyper[name] = values[0]
        elif any(v != defaults.get(name) for v in values) or scheduled:
            hyper[name] = torch.tensor(values, dtype=torch.float64)
    return hyper


def _schedule_factors(cohort: Cohort, steps: int) -> dict[str, Tensor]:
    """For each scheduled hyperparameter, its factor at every step for every run ``[T, K]`` (float64)."""
    factors: dict[str, Tensor] = {}
    try:
        info = get_optimizer(cohort.optimizer)
    except ValueError:  # random search: its own checks
        info = None
    for name in sorted({n for run in cohort.runs for n in run.spec.schedules}):
        table = torch.ones(steps, len(cohort.runs), dtype=torch.float64)
        by_schedule: dict[int, list[int]] = {}
        for j, run in enumerate(cohort.runs):
            if name in run.spec.schedules:
                by_schedule.setdefault(id(run.spec.schedules[name]), []).append(j)
        for columns in by_schedule.values():
            schedule = cohort.runs[columns[0]].spec.schedules[name]
            numbers_ = []
            for t in range(steps):
                value = schedule(t)
                try:
                    number = _one_number(value)
                except (TypeError, ValueError, RuntimeError):
                    number = math.nan
                if math.isnan(number):
                    raise ValueError(f"the schedule of {name!r} gave {value!r} at step {t}; it must give one number "
                                     "per step (a multiplier of the value)")
                numbers_.append(number)
            values = torch.tensor(numbers_, dtype=torch.float64)
            if (values < 0).any():  # a negative rate would climb instead of descending, with status "ok"
                t = int(torch.nonzero(values < 0)[0, 0])
                raise ValueError(f"the schedule of {name!r} gives {values[t].item():g} at step {t}: a factor of a "
                                 "hyperparameter must be >= 0")
            if name == "lr" and len(values) and bool((values == 0).all()):  # every run "ok" where none moved
                raise ValueError("the schedule of 'lr' is 0 at every step, so no run would move from its start: "
                                 "give a schedule that is above 0 somewhere")
            table[:, columns] = values.unsqueeze(1)
            if info is not None:
                _check_scheduled(info, name, values, [cohort.runs[j] for j in columns])
        factors[name] = table
    return factors


def _check_scheduled(info: Any, name: str, factors: Tensor, runs: Sequence[Run]) -> None:
    """Each run's ``name`` times its schedule stays where the optimizer allows it at every step (β₁ = 0.9 × 1.2
    trained as 1.08 while the summary said 0.9 and "ok"): refused before training, naming the step."""
    from ._checks import check_hyperparameter

    allowed = next((h.allowed for h in info.hyperparameters if h.name == name), None)
    if allowed is None:
        return
    low, high = int(factors.argmin()), int(factors.argmax())
    for run in runs:
        base = run.hyper.get(name, info.defaults.get(name))
        if isinstance(base, Tensor) or base is None:
            continue
        if float(base) == 0.0 and bool((factors != 1).any()):  # 0 × any factor: a schedule that does nothing
            raise ValueError(f"the schedule of {name!r} multiplies {name}, which is 0 for this run of {info.name}, "
                             f"so it would do nothing; give {name}=1 for the schedule to give the value itself, or "
                             "the base it scales")
        for t in dict.fromkeys((low, high)):
            value = float(base) * float(factors[t])
            if not math.isfinite(value):  # a factor grown past the largest float: the run diverges, a result
                continue
            try:
                check_hyperparameter(name, value, allowed)
            except ValueError as e:
                raise ValueError(f"the schedule of {name!r} takes it to {value:g} at step {t} ({float(base):g} × "
                                 f"{float(factors[t]):g}), outside what {info.name} allows: {e}") from None


def _one_number(value: Any) -> float:
    """A schedule's value at one step as a number, NaN unless it holds exactly one. A Python or NumPy number keeps
    its double precision (``torch.as_tensor`` would round a Python float to float32, 6e-8 relative, a float64
    training's rate then off torch's by as much); a tensor keeps its own dtype's value."""
    if isinstance(value, numbers.Real):
        return float(value)
    value = value if isinstance(value, Tensor) else torch.as_tensor(value, dtype=torch.float64)
    return float(value.reshape(-1)[0]) if value.numel() == 1 else math.nan


def plan_groups(cohorts: Sequence[Cohort]) -> list[list[Cohort]]:
    """Cohorts that can train as one program (a group): the same batch regime, data seeds and clipping, so the
    same plan and the same step around the update; each keeps its own rule on its own rows (:class:`_Joint`).
    A gradient-free cohort (random search) has its own loop and stays alone. On small problems a step costs
    the operations around the maths, so one step for several optimizers' cohorts saves much of it: Himmelblau
    with four optimizers, 500 steps, took 283-361 ms instead of 446-494 (benchmarks/small.py)."""
    groups: dict[Any, list[Cohort]] = {}
    for cohort in cohorts:
        if cohort.optimizer == RANDOM_SEARCH:
            key: Any = ("alone", id(cohort))
        else:
            key = (repr(cohort.batch_size), tuple(sorted({run.seed for run in cohort.runs})), cohort.clip_norm,
                   cohort.clip_value)
        groups.setdefault(key, []).append(cohort)
    return list(groups.values())


class _JointState(tuple):
    """The optimizer states of a group's cohorts, their fields one after the other: one level of tensors and
    tuples of tensors, as one cohort's state is (the compiled step flattens and rebuilds it so)."""

    _fields = ()

    def __new__(cls, *fields: Any) -> "_JointState":
        return super().__new__(cls, fields)


class RuleFailed(RuntimeError):
    """An optimizer's update rule raised while training: a plugin's bug, or descend's own for one of descend's
    rules. Names the optimizer, where its rule comes from (:func:`descend.optim.registry.rule_origin`), the step
    (counted from 0, as a run's ``status_at``) and the rule's own ``TypeName: message``; ``__cause__`` is the rule's
    exception, with its traceback. A compiled step runs the rule only while it is traced (``compiling``): a rule
    that cannot be traced fails there, at the step where its program was compiled, and a rule that raises on
    some values only (a check of a tensor's value) cannot be traced at all: the message then says that a branch on
    a tensor's value cannot be traced, and ``torch.where`` can. The training stops: the cohort returns no results,
    as with any other error."""

    def __init__(self, optimizer: str, origin: str, error: BaseException, step: int | None = None,
                 compiling: bool = False) -> None:
        super().__init__(optimizer, origin, error, step, compiling)
        self.optimizer, self.origin, self.error, self.step = optimizer, origin, error, step
        self.compiling = compiling  #: raised while the step was traced to be compiled

    def at(self, step: int) -> "RuleFailed":
        """This failure, at ``step`` if its step is not known yet (the rule does not know it; its caller does)."""
        if self.step is None:
            self.step = step
        return self

    def __str__(self) -> str:
        at = "" if self.step is None else f" at step {self.step}"
        at += ", while its step was traced to be compiled" if self.compiling else ""
        text = str(self.error).strip().splitlines()
        # torch's words alone ("Could not guard on data-dependent expression") do not say what in the rule it was
        hint = f". {_UNTRACEABLE_HINT}" if self.compiling and _reads_a_value(self.error) else ""
        return (f"optimizer {self.optimizer!r} ({self.origin}) failed{at}: {type(self.error).__name__}"
                + (f": {text[0]}" if text else "") + hint)


#: What a rule that cannot be traced does instead, said by compile="auto"'s warning and by compile=True's
#: :class:`RuleFailed` when tracing could not read a tensor's value.
_UNTRACEABLE_HINT = ("A rule that branches on a tensor's value (`if state.step < 10`) cannot be traced; "
                     "torch.where(...) can")


def _reads_a_value(error: BaseException) -> bool:
    """Whether ``error`` is tracing's refusal to read a tensor's value (a branch on it, ``int(t)``, ``t.item()``),
    which the traced program could not hold for every step."""
    from torch.fx.experimental.symbolic_shapes import GuardOnDataDependentSymNode

    return isinstance(error, GuardOnDataDependentSymNode)


def _warn_of_vanishing_eps(specs: Sequence[RunSpec]) -> None:
    """Say so when an ε is 0 in float16 (below its smallest number, 6e-8; Adam's default 1e-8): a gradient entry of
    0 then divides 0 by 0 at the first step, and the run is marked diverged, as torch.optim's would be."""
    import warnings

    lost = set()
    for spec in specs:
        try:
            info = get_optimizer(spec.optimizer)
        except ValueError:  # random search: no ε
            continue
        eps = spec.hyper.get("eps", info.defaults.get("eps"))
        if isinstance(eps, (int, float)) and eps > 0 and float(torch.tensor(eps, dtype=torch.float16)) == 0:
            lost.add((spec.optimizer, float(eps)))
    if lost:
        named = ", ".join(f"{name} (eps={eps:g})" for name, eps in sorted(lost))
        warnings.warn(f"in float16, ε is 0 for {named}: float16's smallest number is 6e-8, so a gradient entry of 0 "
                      "divides 0 by 0 at the first step and its run diverges (as torch.optim's does); give eps=1e-7 or "
                      "more, or train in bfloat16 or float32", RuntimeWarning, stacklevel=outside())


#: The updates whose rule could not be traced (a branch on a tensor's value): ``compile="auto"`` trains them eagerly
#: and does not try again in this process.
_UNTRACEABLE: set[Any] = set()


def _cannot_trace(update: Any, failure: RuleFailed) -> None:
    """``compile="auto"`` chose to compile a rule that cannot be traced: say so once, and train it eagerly."""
    import warnings

    _UNTRACEABLE.add(update)
    text = str(failure.error).strip().splitlines()
    warnings.warn(f"optimizer {failure.optimizer!r} ({failure.origin}) is trained eagerly: its rule cannot be "
                  f"compiled ({type(failure.error).__name__}{': ' + text[0] if text else ''}). {_UNTRACEABLE_HINT}",
                  RuntimeWarning, stacklevel=outside())


@dataclass(frozen=True)
class _Rule:
    """An optimizer's update rule as the engine calls it for a cohort: the rule itself, except that what it raises
    (beyond KeyboardInterrupt, SystemExit and MemoryError) is a :class:`RuleFailed` naming the optimizer. Compared
    by its fields, so that a compiled program's key (:class:`_CompiledStep`) is the same for the same rule."""

    update: Callable[..., Any]
    optimizer: str
    #: the registration it comes from (:func:`descend.optim.registry.version`): a rule registered again, its
    #: helpers or constants changed, keys other programs than the ones traced before
    version: int = 0

    def __call__(self, grads: Sequence[Tensor], state: Any, params: Sequence[Tensor], **hyper: Any) -> Any:
        try:
            return self.update(grads, state, params, **hyper)
        except MemoryError:
            raise
        except Exception as e:  # noqa: BLE001 - the rule's own error, named
            raise RuleFailed(self.optimizer, rule_origin(self.optimizer), e, compiling=tracing()) from e


@dataclass(frozen=True)
class _Joint:
    """The update of a group of cohorts trained as one program: cohort i's own rule on its rows ``rows[i]`` of
    the flat parameters, with its hyperparameters (named ``"i:name"`` in the group's keyword arguments); the
    new rows concatenated. The rules are per row, so each cohort's numbers are those it gets alone."""

    updates: tuple[Callable[..., Any], ...]
    rows: tuple[tuple[int, int], ...]
    kinds: tuple[type, ...]  #: each cohort's state type
    widths: tuple[int, ...]  #: how many fields each cohort's state has
    #: each part's cohort in the group (its keyword arguments are named after it): all of them, in order, until
    #: stopped runs' rows are dropped (:meth:`subset`)
    members: tuple[int, ...]
    #: seconds each cohort of the group took in its rule's eager steps (the shared forward and backward are shared
    #: out by runs), one entry per cohort of the group, shared by its subsets
    spent: list[float] = field(compare=False, hash=False)

    def states(self, state: Sequence[Any]) -> list[Any]:
        parts, at = [], 0
        for kind, width in zip(self.kinds, self.widths):
            parts.append(kind(*state[at:at + width]))
            at += width
        return parts

    def __call__(self, grads: Sequence[Tensor], state: Sequence[Any], params: Sequence[Tensor],
                 **hyper: Any) -> tuple[tuple[Tensor], _JointState]:
        (g,), (w,) = grads, params
        mine: dict[int, dict[str, Any]] = {i: {} for i in self.members}
        for name, value in hyper.items():
            i, key = _member_key(name)
            mine[i][key] = value
        sizes = [b - a for a, b in self.rows]
        timed = not tracing()
        new_w, fields = [], []
        for i, update, g_i, w_i, part in zip(self.members, self.updates, g.split_with_sizes(sizes),
                                             w.split_with_sizes(sizes), self.states(state)):
            began = time.perf_counter() if timed else 0.0
            (w_i,), s_i = update((g_i,), part, (w_i,), **mine[i])
            if timed:
                self.spent[i] += time.perf_counter() - began
            new_w.append(w_i)
            fields.extend(s_i)
        return (torch.cat(new_w),), _JointState(*fields)

    def freeze(self, alive: Tensor, new: Sequence[Any], old: Sequence[Any]) -> _JointState:
        """:func:`_freeze` of each cohort's state with its own rows of ``alive``."""
        fields = []
        for (a, b), n, o in zip(self.rows, self.states(new), self.states(old)):
            fields.extend(_freeze(alive[a:b], n, o))
        return _JointState(*fields)

    def subset(self, keep: Tensor, state: Sequence[Any], hyper: Mapping[str, Any], factors: Mapping[str, Tensor]
               ) -> tuple[_Joint, _JointState, dict[str, Any], dict[str, Tensor]]:
        """The group on the rows ``keep`` (ascending) of its rows: each cohort's rule on its kept rows, a cohort
        with none left out altogether; with the state, keyword arguments and schedule factors of those rows."""
        parts, fields, kept_hyper, kept_factors, at = [], [], {}, {}, 0
        by_member: dict[int, tuple[Tensor, int]] = {}  # a kept cohort's rows kept, and how many it had
        for i, update, kind, width, (a, b), part in zip(self.members, self.updates, self.kinds, self.widths,
                                                         self.rows, self.states(state)):
            mine = keep[(keep >= a) & (keep < b)] - a
            if len(mine) == 0:
                continue
            parts.append((i, update, kind, width, (at, at + len(mine))))
            fields.extend(_rows_of(mine, b - a, part))
            at += len(mine)
            by_member[i] = mine, b - a
        members = {p[0] for p in parts}
        for name, value in hyper.items():
            if (i := _member_key(name)[0]) in members:
                kept_hyper[name] = _rows_of(by_member[i][0], by_member[i][1], value)
        for name, table in factors.items():
            if (i := _member_key(name)[0]) in members:
                kept_factors[name] = table[:, by_member[i][0]]
        joint = _Joint(tuple(p[1] for p in parts), tuple(p[4] for p in parts), tuple(p[2] for p in parts),
                       tuple(p[3] for p in parts), tuple(p[0] for p in parts), self.spent)
        return joint, _JointState(*fields), kept_hyper, kept_factors


@functools.lru_cache(maxsize=1024)
def _member_key(name: str) -> tuple[int, str]:
    """``"i:lr"`` → ``(i, "lr")``: a group's keyword argument, its cohort and name."""
    i, _, key = name.partition(":")
    return int(i), key


def _settled(info: Any, config: Mapping[str, Any], kwargs: Mapping[str, Any], params: Tensor) -> Any:
    """The initial state of a cohort whose parameters are ``params`` ``[K, n]``, in the shapes its rule keeps it in
    from the first step on. A rule may make a value shared by the runs one per run at its first step (NAdam's
    momentum product Πₜ is 0-d at t = 0 and ``[K]`` once β₁ differs between runs): a compiled step, traced once
    from the initial state, would then read every run's value as the first run's. The shapes are found on a
    one-column slice, ``[K, 1]`` (a step of K numbers, not of the model), and each value that grows is broadcast
    to its later shape: the same numbers, in the shape every step sees."""
    state = info.init_state((params,), config)
    probe = params[:, :1]
    small = info.init_state((probe,), config)
    rule = _Rule(unchecked_rule(info.update), info.name, rule_version(info.name))
    after = rule((torch.zeros_like(probe),), small, (probe,), **kwargs)[1]
    return _grown(state, small, after)


def _grown(state: Any, small: Any, after: Any) -> Any:
    """``state`` with each tensor whose probe (``small``) changed shape in a step (``after``) broadcast to it."""
    if isinstance(state, Tensor):
        if isinstance(after, Tensor) and small.shape != after.shape and state.shape == small.shape:
            return state.expand(after.shape).clone()
        return state
    if isinstance(state, tuple) and hasattr(state, "_fields"):
        return type(state)(*(_grown(*fields) for fields in zip(state, small, after)))
    if isinstance(state, tuple):
        return tuple(_grown(*fields) for fields in zip(state, small, after))
    return state


def _rules(group: Sequence[Cohort], flat: Tensor, steps: int) -> tuple[Any, ...]:
    """The update, its keyword arguments, the schedules' factors, the initial state and the freezing of stopped
    runs' state, for one cohort (its rule itself) or a group (:class:`_Joint`)."""
    parts, at = [], 0
    for cohort in group:
        info = get_optimizer(cohort.optimizer)
        k = len(cohort.runs)
        config = info.configure(runs=k, **_cohort_hyper(cohort, info, numbers=flat.dtype in REDUCED))
        kwargs = info.update_kwargs(config)
        rule = _Rule(unchecked_rule(info.update), info.name, rule_version(info.name))
        parts.append((rule, kwargs, _schedule_factors(cohort, steps),
                      _settled(info, config, kwargs, flat[at:at + k]), (at, at + k)))
        at += k
    if len(parts) == 1:
        update, kwargs, factors, state, _ = parts[0]
        return update, kwargs, factors, state, _freeze
    joint = _Joint(tuple(p[0] for p in parts), tuple(p[4] for p in parts), tuple(type(p[3]) for p in parts),
                   tuple(len(p[3]) for p in parts), tuple(range(len(parts))), [0.0] * len(parts))
    kwargs = {f"{i}:{name}": v for i, p in enumerate(parts) for name, v in p[1].items()}
    factors = {f"{i}:{name}": v for i, p in enumerate(parts) for name, v in p[2].items()}
    state = _JointState(*(f for p in parts for f in p[3]))
    return joint, kwargs, factors, state, joint.freeze


@autograd_on
def train_cohort(
    problem: Problem,
    cohort: Cohort | Sequence[Cohort],
    plan: Sequence[Tensor],
    *,
    eval_every: int = 0,
    target: float | None = None,
    stop_at_target: bool = False,
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool | str = "auto",
    hooks: _Hooks | None = None,
    drop_stopped: bool = True,
    eval_start: bool = True,
    threads: CohortThreads | None = None,
) -> CohortResult | list[CohortResult]:
    """Train every run of ``cohort`` on ``problem`` together for ``len(plan)`` steps.

    ``cohort`` may be several cohorts that share the plan and the clipping (a group, :func:`plan_groups`):
    they train as one program, each cohort's rule on its own rows (:class:`_Joint`), and the result is one
    :class:`CohortResult` per cohort, each the same as that cohort trained alone.

    ``plan[t]`` holds the sample indices of step t: ``[B]`` when all runs see the same batch (one data
    seed, or seeds whose plans are the same: a full batch) or ``[K, B]`` per run. Each run's schedules multiply
    its hyperparameters step by step.
    ``compile=True`` runs the step (batch, forward, backward, clipping, update, divergence check) as one
    compiled program (:class:`_CompiledStep`), compiled for each batch shape before training starts; that
    time is ``compile_seconds``, apart from ``seconds``. ``compile="auto"`` runs compiled from the first step
    when the programs are held or on disk as packages (:func:`descend._compile.package_name`), else times the first
    :data:`PROBE_STEPS` eager steps and compiles the rest when that pays (:func:`worth_compiling`); float16 and
    bfloat16 parameters train eagerly then (a compiled step keeps their intermediates in float32).
    Ctrl-C (KeyboardInterrupt) or a stop request ends the cohort after the last complete step: the result
    covers the steps done, ``interrupted=True``.

    A run that stops (pruned by a monitor, diverged, left the model's domain) is frozen: the step it stopped at
    records the loss and gradient norms that stopped it, its later steps NaN, and its later evaluations keep the
    values of its parameters as they stopped (a diverged run's are NaN: :mod:`descend.outcomes`). With
    ``drop_stopped`` (the default) eager steps also drop the rows of stopped runs from the program (in a group,
    each cohort's own; a cohort with none left leaves it), so that they cost nothing and the other runs' steps
    need no masking; the records are the same as with the rows kept in place. A compiled step keeps its rows
    (another number of rows would be another program), and so does a model that draws random numbers (a module's
    dropout: its masks are drawn for the rows in the program, so fewer rows would give the others other masks).

    Evaluations come at step 0 (not with ``eval_start=False``), every ``eval_every`` steps and at the end; a run
    dropped before the first of them has NaN for its evaluations.
    """
    hooks = hooks if hooks is not None else _Hooks(None, None, None)
    started = time.perf_counter()
    model, objective = problem.model, problem.objective
    x, y = problem.train
    evals = problem.evals
    group = [cohort] if isinstance(cohort, Cohort) else list(cohort)
    all_runs = [run for member in group for run in member.runs]
    k = len(all_runs)
    offsets = [sum(len(member.runs) for member in group[:i]) for i in range(len(group))]
    steps = len(plan)
    # All of a run's parameters live in one row of a flat [K, n] tensor; the model sees views of it. The
    # update rules are elementwise, so one update of the flat tensor equals one per parameter tensor, with
    # a quarter of the operations for a two-layer MLP.
    initial = model.init([run.seed for run in all_runs], dtype=dtype)
    shapes = [p.shape[1:] for p in initial]
    flat = torch.cat([p.to(dtype).reshape(k, -1) for p in initial], dim=1)
    for j, run in enumerate(all_runs):
        if run.start is not None:
            flat[j] = torch.tensor(run.start, dtype=dtype)
    sizes = [p[0].numel() for p in initial]
    # a step's blocks from the heap, not from fresh pages (descend._allocator): its largest, the parameters or an
    # activation of the widest batch through the widest layer (estimated by the largest dimension of a parameter)
    widest = max((int(max(shape, default=1)) for shape in shapes), default=1)
    keep_freed_memory(k * max(sum(sizes), _widest_batch(plan) * widest) * flat.element_size())
    try:
        update, kwargs, factors, state, freeze = _rules(group, flat, steps)
    except RuleFailed as failure:  # each rule is tried once on the initial state (_settled): its first step
        raise failure.at(0)
    clip_value, clip_norm = group[0].clip_value, group[0].clip_norm

    sizes_, shapes_ = tuple(sizes), tuple(shapes)

    def unflatten(w: Tensor) -> tuple[Tensor, ...]:
        return _unflatten(w, sizes_, shapes_)

    if _draws_random(problem.model):  # its draws are per row of the program: the rows stay, as the runs' masks
        drop_stopped = False
    gradient = hand_gradient(problem)

    def compiled_step() -> _CompiledStep:
        return _CompiledStep(model, objective, update, sizes_, shapes_, clip_value, clip_norm, record_grad_norms,
                             gradient if gradient is not None and gradient.in_compiled else None)

    # The eager step's model and loss: checked at the first step, then without the argument and value checks of
    # every call (the same parameters, data and labels, only the batch changes: _compile.checked). The whole
    # training set in its order is x itself.
    step_model, unchecked, in_order = model, _unchecked(model), _InOrder(x, y)
    checks: Callable[[], Any] = contextlib.nullcontext

    # A step whose gradient is descend's own takes no autograd: it runs in torch's inference mode, which leaves out
    # autograd's bookkeeping of every operation (about half of a small tensor's operation: Himmelblau's four
    # optimizers 1.07-1.18× faster, the reference sweep 1.06× at K = 64 and 1.2× at K = 16), the same numbers. Its
    # outputs are inference tensors, which the loop and the results only read (the results are copies).
    inference = torch.inference_mode if gradient is not None and gradient.inference else contextlib.nullcontext

    def eager_step(hyper: Mapping[str, Any], w: Tensor, state: Any, healthy: Tensor, moving: Tensor, bound: Tensor,
                   x: Tensor, y: Tensor, index: Tensor) -> tuple[Any, ...]:
        nonlocal step_model, checks
        with checks(), inference():
            out = _step(step_model, objective, update, hyper, sizes_, shapes_, clip_value, clip_norm,
                        record_grad_norms, w, state, healthy, moving, bound, x, y, None if in_order(index) else index,
                        gradient=gradient, known=_Known(live_healthy, bounded, live_healthy and not stopping_at_target))
        step_model, checks = unchecked, checked
        return out

    # every split's evaluation: eager, or one compiled program where the steps are compiled (_CompiledEval)
    compiled_eval = _CompiledEval(problem.evaluation_model, objective, sizes_, shapes_, evals, problem.target_mean,
                                  problem.target_std)
    eval_fn: Callable[[Tensor], list[tuple[Tensor, Tensor | None, Tensor | None]]] = compiled_eval.eager

    evaluate_compiled = True  # once the steps are compiled
    # a module of one's own may draw from torch's generator (its dropout), and a compiled program draws other numbers
    # (Inductor's own generator): "auto" and "cached" run it compiled only once eager steps have drawn nothing
    if compile in ("cached", "auto") and flat.dtype in REDUCED:
        # Inductor computes float16 and bfloat16 in float32 between loads and stores: compiled and eager steps differ
        # by more than round-off there (Adam's ε = 1e-8 is 0 in an eager float16 step, not in a compiled one, which
        # trains where the eager one diverged), so that a result would depend on what an earlier run left on disk
        compile = False
    draws = _draws_random(problem.model) and compile in ("cached", "auto")
    drawn_from = torch.random.get_rng_state() if draws else None
    if draws and compile == "cached":
        compile = False
    if compile in ("cached", "auto", True) and steps and not draws:
        # the programs this process holds, or reads from their packages on disk in milliseconds, run from the first
        # step; otherwise "cached" trains eagerly (never a compile), "auto" decides after its probe and True
        # compiles them (for the cohort's thread count, which follows the machine's load: one compiled for another
        # count is taken rather than compiled again, which a second `descend compare --compile` did for 24 s)
        candidate, hyper_0, shapes_0 = compiled_step(), _scheduled(kwargs, factors, 0), _shapes(plan)
        evaluating = bool(evals) and eval_every > 0

        def ready() -> bool:
            # "cached" runs compiled only when the evaluation's program is ready too: a result is then all compiled
            # or all eager, never compiled steps with eager evaluations (and the playground, seeing it eager,
            # compiles both on the side)
            return candidate.ready(hyper_0, state, flat, x, y, shapes_0) and (
                compile != "cached" or not evaluating or compiled_eval.ready(flat))

        found = ready()
        # compiled for another thread count (the machine was busier or quieter then): still faster than eager steps
        for count in [] if found or threads is None else threads.others():
            torch.set_num_threads(count)
            if found := ready():
                threads.hold(count)
                break
        if threads is not None and not found and torch.get_num_threads() != threads.count:
            torch.set_num_threads(threads.count)
        if found and compile is not True:
            compile = True
            evaluate_compiled = compiled_eval.ready(flat)
        elif compile == "cached":
            compile = False
    step_fn: Callable[..., Any] = compiled_step() if compile is True else eager_step
    probing = compile == "auto" and steps > PROBE_STEPS
    probe_times: list[float] = []

    if record_path is None:
        record_path = flat.shape[1] <= 3
    # preallocated: many small tensors kept alive between steps would pin the allocator's freed memory; each
    # step's rows are written a few dozen steps at a time (_Rows)
    train_loss = torch.empty(steps, k, dtype=torch.float64)
    grad_norms = torch.empty(steps, k, len(shapes), dtype=torch.float64) if record_grad_norms else None
    path = torch.empty(steps + 1, k, flat.shape[1], dtype=torch.float64) if record_path else None
    loss_rows = _Rows(train_loss)
    no_loss = torch.full((k,), math.nan, dtype=torch.float64)  # a step's records where every run has stopped
    norm_rows = None if grad_norms is None else _Rows(grad_norms)
    no_norms = None if grad_norms is None else torch.full((k, len(shapes)), math.nan, dtype=torch.float64)
    path_rows = None if path is None else _Rows(path)
    status = torch.zeros(k, dtype=torch.long)
    status_at = torch.full((k,), -1, dtype=torch.long)
    target_at = torch.full((k,), -1, dtype=torch.long)
    bound = torch.full((k,), math.inf, dtype=torch.float64)  # |J| beyond this is divergence (descend.outcomes)
    bounded = False
    floor = _bound_floor(problem, unflatten(flat), plan) if steps else None
    eval_steps: list[int] = []
    eval_values: dict[tuple[str, str], list[Tensor]] = {}
    original: dict[str, list[Tensor]] = {}
    masked = model.valid(unflatten(flat[:1]), x[:1]) is not None
    if masked:  # the share of the training samples the model holds for at each run's start (descend.outcomes)
        with torch.no_grad():
            held_at_start = model.valid(unflatten(flat), x).to(torch.float64).mean(dim=-1)
    # a step whose batch is the whole training set records the training loss itself, at every step; after a
    # mini-batch, only the evaluations of the training split tell whether a run reached the target (or its best)
    whole = [index.shape[-1] == x.shape[0] for index in plan]

    healthy = torch.ones(k, dtype=torch.bool)  # status "ok", updated where a status is set
    all_healthy = True  # healthy.all(), read once where a status is set
    stopping_at_target = stop_at_target and target is not None
    # Stopped runs' rows dropped from the program (drop_stopped): the step trains the rows ``rows`` of the k runs
    # (None: all), and ``held`` keeps every run's parameters as they were when rows were last dropped.
    rows: Tensor | None = None
    held = flat
    live_healthy = True  # every row in the program is healthy
    held_back = False  # rows of stopped runs kept in the program until the next evaluation (dropped())
    # every run has stopped (diverged, left the domain, pruned, or at its target with stop_at_target): the steps left
    # train nothing, so they are not taken; each records what a stopped run's step records (no loss, no gradient
    # norm, its parameters where they stopped), and the evaluations go on as before
    idle = False
    measured_last: tuple[Tensor, Any] | None = None  # the last evaluation: the parameters it read, what it measured

    def settle() -> None:
        """Whether any run still moves (:data:`idle`), after a run stopped or reached its target."""
        nonlocal idle
        idle = not bool((healthy & (target_at < 0) if stopping_at_target else healthy).any())

    def stop_runs(which: Tensor, code: int, t: int) -> None:
        nonlocal healthy, all_healthy, live_healthy, held_back
        which = which & healthy
        status.masked_fill_(which, code)
        status_at.masked_fill_(which, t)
        healthy = status == _OK
        all_healthy = bool(healthy.all())
        live_healthy = all_healthy if rows is None else bool(healthy[rows].all())
        if held_back and bool(which.any()):  # a run stopped: drop rows again
            held_back = False
        settle()

    def every_run(live: Tensor) -> Tensor:
        """The parameters of all k runs: the rows in the program from ``live``, the others as they stopped."""
        return live if rows is None else held.index_copy(0, rows, live)

    def dropped() -> None:
        """Drop the rows of the runs that have stopped since the last call (not all of them: then no row). A run
        that left the domain between evaluations stays until the next one, which evaluates it where it stopped (as
        for a run frozen in place: a dropped run's evaluations keep the values of its last)."""
        nonlocal rows, held, flat, state, kwargs, factors, update, freeze, live_healthy, drop_stopped, held_back
        keep = healthy
        if evals and eval_every:
            waiting = (status == _LEFT_DOMAIN) & (status_at > (eval_steps[-1] if eval_steps else -1))
            held_back, keep = bool(waiting.any()), keep | waiting
        keep = (keep if rows is None else keep[rows]).nonzero().squeeze(1)
        n = flat.shape[0]
        if len(keep) == n:  # nothing to drop yet
            return
        if len(keep) == 0:
            drop_stopped = False  # every run stopped: nothing left to save
            return
        if isinstance(update, _Joint):  # a group: each cohort's rows apart, a cohort with none left out
            joint, kept_state, kept_kwargs, kept_factors = update.subset(keep, state, kwargs, factors)
            rules: tuple[Any, Any] = (joint, joint.freeze)
        else:
            kept_state = _rows_of(keep, n, state)
            kept_kwargs = {name: _rows_of(keep, n, value) for name, value in kwargs.items()}
            kept_factors = {name: table[:, keep] for name, table in factors.items()}
            rules = (update, freeze)
        new = (every_run(flat), keep if rows is None else rows[keep], flat.index_select(0, keep), kept_state,
               kept_kwargs, kept_factors, *rules)
        # at once: an interruption sees the old rows or the new
        held, rows, flat, state, kwargs, factors, update, freeze = new
        live_healthy = not held_back

    def evaluate(step: int, last_batch: Tensor | None) -> None:
        nonlocal held_back, target_at, measured_last
        held_back = False  # the rows held back for this evaluation may go
        eval_steps.append(step)
        shown = status != _DIVERGED
        if idle and measured_last is not None and measured_last[0] is flat:  # the parameters of the last evaluation
            measured = measured_last[1]  # (no step since, the same rows): the same values
        else:
            with torch.no_grad():
                measured = eval_fn(flat)
            measured_last = (flat, measured)
        for split, (value, acc, in_units) in zip(evals, measured):
            value = value.double()
            if rows is not None:  # a dropped run: the values of its last evaluation, where its parameters stopped
                # (NaN when it stopped before the first: with eval_start=False, a run that diverged early)
                value = _spread(rows, value, _last(eval_values.get((split, "loss"))), k)
                acc = None if acc is None else _spread(rows, acc, _last(eval_values.get((split, "accuracy"))), k)
                in_units = None if in_units is None else _spread(rows, in_units.double(), _last(original.get(split)), k)
            if split == "train":
                # undefined on every training sample: no gradient and no result (descend.outcomes)
                stop_runs(torch.isnan(value), _LEFT_DOMAIN if masked else _DIVERGED, step)
                shown = status != _DIVERGED
                if target is not None:  # NaN never reaches it; with stop_at_target the run stops here
                    target_at = torch.where((target_at < 0) & healthy & (value <= target), step, target_at)
                    if stopping_at_target:
                        settle()
            eval_values.setdefault((split, "loss"), []).append(torch.where(shown, value, math.nan))
            if acc is not None:
                eval_values.setdefault((split, "accuracy"), []).append(torch.where(shown, acc, math.nan))
            if in_units is not None:
                original.setdefault(split, []).append(torch.where(shown, in_units.double(), math.nan))
        metrics = {f"{split}_{metric}": v[-1] for (split, metric), v in eval_values.items()}
        if last_batch is not None:
            metrics["batch_loss"] = last_batch
        for offset, member in zip(offsets, group):
            mine = slice(offset, offset + len(member.runs))
            for position in hooks.report(member, step, {name: v[mine] for name, v in metrics.items()}, status[mine]):
                # a run that stopped at its target has finished: a search cannot prune it afterwards (it was
                # "pruned" with the steps of the others, after reaching the target in fewer)
                done_at_target = stopping_at_target and bool(target_at[offset + position] >= 0)
                if not done_at_target:
                    stop_runs(torch.arange(k) == offset + position, _PRUNED, step)

    moving = healthy  # still updated: ok and, with stop_at_target, not yet at the target
    interrupted, done, compile_seconds = False, 0, 0.0

    def compile_all(fn: _CompiledStep, t: int) -> float:
        """Compile off the clock: one discarded call per batch shape (the step is pure), and the evaluation;
        the seconds it took."""
        nonlocal eval_fn
        compiling = time.perf_counter()
        for index in _shapes(plan):  # healthy and moving as two tensors: a trace given one tensor for both takes
            # them as one input, and the program read moving where healthy was meant (a run stopped at its target
            # recorded NaN at that step, where the eager step records its loss)
            fn(_scheduled(kwargs, factors, t), flat, state, healthy, moving.clone(), bound, x, y, index)
        if evals and eval_every and evaluate_compiled:
            compiled_eval.prepare(flat)
            eval_fn = compiled_eval
        return time.perf_counter() - compiling

    try:
        if compile is True:
            compile_seconds = compile_all(step_fn, 0)
        for t, index in enumerate(plan):
            if probing:
                probe_times.append(time.perf_counter())
                if t == PROBE_STEPS:
                    probing = False
                    candidate = compiled_step()
                    per_step = statistics.median(b - a for a, b in zip(probe_times[1:], probe_times[2:]))
                    hyper_t, shapes_t = _scheduled(kwargs, factors, t), _shapes(plan)
                    cached = candidate.cached(hyper_t, state, flat, x, y, shapes_t)
                    before = not cached and candidate.compiled_before(hyper_t, state, flat, x, y, shapes_t)
                    # steps held by the process: free; then the evaluation too only if it is held
                    evaluate_compiled = not cached or compiled_eval.cached(flat)
                    # a model that drew random numbers stays eager: a compiled step would draw other masks
                    drew = drawn_from is not None and not torch.equal(torch.random.get_rng_state(), drawn_from)
                    if not drew and update not in _UNTRACEABLE and worth_compiling(per_step, steps - t, cached,
                                                                                    before):
                        try:
                            compile_seconds = compile_all(candidate, t)
                            step_fn = candidate
                        except RuleFailed as failure:  # "auto" decided to compile, not the caller: eager goes on
                            if not failure.compiling:
                                raise
                            _cannot_trace(update, failure)
            if hooks.stop_requested():
                interrupted = True
                break
            if path_rows is not None:
                path_rows.add(every_run(flat))
            if eval_every and t % eval_every == 0 and evals and (t or eval_start):
                evaluate(t, loss_rows.last if t else None)
                if hooks.stopped:
                    interrupted = True
                    break
            # nothing moves: the step a stopped run takes, without training anything (a run that reached its target
            # at this step's evaluation records this step's batch loss, as it would beside a run still training)
            if idle and not (stopping_at_target and bool((target_at == t).any())):
                probing = False  # (nor timing steps that take no time, to decide whether to compile)
                loss_rows.add(no_loss)
                if norm_rows is not None:
                    norm_rows.add(no_norms)
                done = t + 1
                hooks.progress(t)
                continue
            moving = healthy & (target_at < 0) if stopping_at_target else healthy
            if rows is None:
                new_flat, new_state, recorded, norms, finite, all_move = step_fn(
                    _scheduled(kwargs, factors, t), flat, state, healthy, moving, bound, x, y, index)
            else:  # the rows in the program; a dropped run records nothing, as it would frozen in place
                new_flat, new_state, recorded, norms, finite, all_move = step_fn(
                    _scheduled(kwargs, factors, t), flat, state, healthy[rows], moving[rows], bound[rows], x, y,
                    index[rows] if index.ndim > 1 else index)
                recorded, finite = _spread(rows, recorded, math.nan, k), _spread(rows, finite, True, k)
                norms = None if norms is None else _spread(rows, norms, math.nan, k)
            if not bounded:  # each run's bound from its first finite loss (a first batch may have no valid sample)
                fresh = torch.isinf(bound) & torch.isfinite(recorded)
                first = outcomes.divergence_bound(recorded)
                bound = torch.where(fresh, first if floor is None else torch.maximum(first, floor), bound)
                bounded = bool(torch.isfinite(bound).all())
            reached = None
            # a whole batch's loss is the training loss (NaN, a stopped run, never reaches it); without a stop, the
            # steps to the target are read after training
            if stopping_at_target and whole[t]:
                target_at = torch.where((target_at < 0) & (recorded <= target), t, target_at)
                # a run at the target before this update stops there: the update is not applied (t updates done)
                reached = target_at == t
                reached = reached if bool(reached.any()) else None
            if not bool(all_move) or reached is not None:  # host reads, cheap on CPU: masking only when one stops
                left = None
                if masked:  # a batch with no valid sample: are the parameters outside the domain for every sample?
                    suspect = moving & torch.isnan(recorded)
                    if bool(suspect.any()):  # those runs alone: usually one or two
                        which = suspect.nonzero().squeeze(1)
                        outside = _outside(model, unflatten(every_run(flat).index_select(0, which)), x)
                        left = torch.zeros_like(suspect).index_put_((which,), outside)
                        left = left if bool(left.any()) else None
                stop_runs(moving & ~finite, _DIVERGED, t)
                still = moving & finite if reached is None else moving & finite & ~reached
                if left is not None:  # stopped before this step, as an evaluation at this step would have
                    stop_runs(left, _LEFT_DOMAIN, t)
                    still = still & ~left
                    norms = None if norms is None else torch.where(left.unsqueeze(1), math.nan, norms)
                keep = still if rows is None else still[rows]
                new_flat, new_state = _freeze(keep, new_flat, flat), freeze(keep, new_state, state)
            loss_rows.add(recorded)
            if norm_rows is not None:
                norm_rows.add(norms)
            flat, state = new_flat, new_state
            done = t + 1
            if not live_healthy and not held_back and drop_stopped and step_fn is eager_step and not probing:
                dropped()
            hooks.progress(t)
            if threads is not None and step_fn is eager_step:
                threads.recheck()
    except KeyboardInterrupt:  # keep what finished: the steps completed before the interruption
        interrupted = True
    except RuleFailed as failure:  # at the step being taken (or compiled)
        raise failure.at(done)
    flat, rows = every_run(flat), None  # every run again: the final evaluation and the results see all of them
    for recorded_rows in (loss_rows, norm_rows, path_rows):  # the steps done (a step cut short recorded nothing)
        if recorded_rows is not None:
            recorded_rows.flush(done)
    if interrupted:
        if done < steps:  # the runs still training are cut short (descend.outcomes), not finished
            cut_short(status, status_at, target_at, stopped_at_target=stopping_at_target, done=done)
        steps = done
        train_loss = train_loss[:steps]
        grad_norms = None if grad_norms is None else grad_norms[:steps]
        path = None if path is None else path[: steps + 1]
        complete = min([len(eval_steps), *(len(v) for v in eval_values.values()),
                        *(len(v) for v in original.values())])  # evaluations not cut short
        kept = sum(1 for e in eval_steps[:complete] if e <= steps)
        del eval_steps[kept:]
        eval_values = {key: v[:kept] for key, v in eval_values.items()}
        original = {key: v[:kept] for key, v in original.items()}

    if path is not None:
        path[steps] = flat
    if target is not None and not stopping_at_target:  # the earlier of the whole batches' and the evaluations'
        exact = _first_reached(train_loss.masked_fill(~torch.tensor(whole[:steps]).unsqueeze(1), math.nan), target)
        target_at = torch.where((exact >= 0) & ((target_at < 0) | (exact < target_at)), exact, target_at)
    if stopping_at_target and bool((target_at >= 0).any()):
        # a run stopped at its target took no step after it: nothing is recorded there (it sat frozen in place,
        # and its batch losses and gradient norms at the frozen parameters would read like a plateau)
        after = torch.arange(steps).unsqueeze(1) > torch.where(target_at >= 0, target_at, steps)
        train_loss = train_loss.masked_fill(after, math.nan)
        grad_norms = None if grad_norms is None else grad_norms.masked_fill(after.unsqueeze(2), math.nan)
    if eval_every and evals and (not eval_steps or eval_steps[-1] != steps):
        try:
            evaluate(steps, train_loss[steps - 1] if steps else None)
        except KeyboardInterrupt:  # the final evaluation cut short: the results keep the earlier ones
            interrupted = True
            eval_values = {key: v[:len(eval_steps) - 1] for key, v in eval_values.items()}
            original = {key: v[:len(eval_steps) - 1] for key, v in original.items()}
            del eval_steps[-1:]
    seconds = time.perf_counter() - started - compile_seconds
    evals_ = {key: torch.stack(v) for key, v in eval_values.items() if v}
    original_ = {key: torch.stack(v) for key, v in original.items() if v}
    params = unflatten(flat)
    if masked and steps:  # a run that ends where the model holds for a minority of the training samples, fewer
        # than at its start, has left its domain as well (descend.outcomes): its losses average over those few
        with torch.no_grad():
            held = model.valid(params, x).to(torch.float64).mean(dim=-1)
        few = (status == _OK) & (held < outcomes.DOMAIN_SHARE) & (held < held_at_start)
        status.masked_fill_(few, _LEFT_DOMAIN)
        status_at.masked_fill_(few, steps)
    # a target "reached" by the loss that ended a run (on a cost unbounded below, the one past the divergence bound,
    # evaluated before the step's check) is not: the run has no result from the step it stopped at
    ended = _ended_by_its_loss(status, status_at, train_loss)
    target_at = torch.where(ended & (target_at >= status_at), -1, target_at)
    results = []
    # each cohort's time: the group's shared out by runs, except its own rule's eager steps, which are its own
    own = list(getattr(update, "spent", None) or [0.0] * len(group))
    shared = max(0.0, seconds - sum(own))
    for offset, member, mine in zip(offsets, group, own):
        j = slice(offset, offset + len(member.runs))
        share = len(member.runs) / k
        results.append(CohortResult(
            cohort=member,
            train_loss=train_loss[:, j].clone() if len(group) > 1 else train_loss,
            eval_steps=list(eval_steps),
            evals={key: v[:, j].clone() for key, v in evals_.items()},
            grad_norms=None if grad_norms is None else grad_norms[:, j].clone(),
            status=status[j].clone(),
            status_at=status_at[j].clone(),
            target_at=target_at[j].clone(),
            params=tuple(p[j].clone() for p in params),
            path=None if path is None else path[:, j].clone(),
            seconds=shared * share + mine,
            interrupted=interrupted,
            compile_seconds=compile_seconds * share,
            evals_original={key: v[:, j].clone() for key, v in original_.items()},
            stopped_at_target=stopping_at_target,
            whole_batches=torch.tensor(whole[:steps], dtype=torch.bool),
        ))
    return results[0] if isinstance(cohort, Cohort) else results


#: The training samples whose loss at the start sets the least divergence bound of mini-batch runs: four first
#: batches' worth, at least 256 and at most 4,096 (a forward pass without gradient of a few batches: a network of
#: one's own on images holds its activations for each run, and the step fits in memory).
BOUND_SAMPLES = (256, 4096)


def _bound_floor(problem: Problem, params: Sequence[Tensor], plan: Sequence[Tensor]) -> Tensor | None:
    """The least divergence bound of each run whose first step takes a mini-batch: the bound
    (:func:`descend.outcomes.divergence_bound`) of its loss on the training set at its start (on
    :data:`BOUND_SAMPLES` of its samples, spread over it); None where the first step takes the whole training set.

    A first batch's loss is one sample of the training loss: a run bounded by it alone was "diverged" when a later
    batch held a sample a million times costlier than the first (a regression on a raw target with outliers in
    batches of 1), at lr 0 too. NaN where no sample is valid (the bound then comes from the first batch alone)."""
    x, y = problem.train
    batch = plan[0].shape[-1]
    if batch == x.shape[0]:
        return None
    least, most = BOUND_SAMPLES
    every = -(-x.shape[0] // min(most, max(least, 4 * batch)))
    with torch.no_grad():
        value, _ = problem.objective.value_and_accuracy(problem.evaluation_model, params, x[::every], y[::every],
                                                        empty=math.nan)
    bound = outcomes.divergence_bound(value.to(torch.float64))
    return torch.where(torch.isfinite(bound), bound, 0.0)


def _outside(model: Any, params: Sequence[Tensor], x: Tensor) -> Tensor:
    """``[K]``: the runs whose parameters are outside the model's domain for every training sample, the definition
    of "left-domain" (:mod:`descend.outcomes`). Checked at the step where a run's batch had no valid sample, so that
    the status and its step do not depend on how often the runs are evaluated."""
    with torch.no_grad():
        return ~model.valid(params, x).any(dim=-1)


def _last(values: list[Tensor] | None) -> Tensor | float:
    """The last of a metric's evaluations so far, or NaN before the first."""
    return values[-1] if values else math.nan


class _Rows:
    """Rows ``out[t]`` recorded step after step, written a few dozen at a time: each step's row is kept (the engine
    never changes a tensor once made) and a chunk of them is stacked into ``out`` in one copy, instead of one
    indexing and one copy every step. Chunks hold at most :data:`ROWS_ELEMENTS` numbers."""

    def __init__(self, out: Tensor) -> None:
        self.out, self.pending, self.written = out, [], 0
        self.chunk = max(1, min(64, ROWS_ELEMENTS // max(1, out[0].numel()))) if len(out) else 1

    @property
    def last(self) -> Tensor:
        """The row added last (its values, as ``out`` will hold them)."""
        return self.pending[-1] if self.pending else self.out[self.written - 1]

    def add(self, row: Tensor) -> None:
        self.pending.append(row)
        if len(self.pending) >= self.chunk:
            self.flush()

    def flush(self, upto: int | None = None) -> None:
        """Write the pending rows (those before ``upto`` only, the rest dropped)."""
        rows = self.pending if upto is None else self.pending[:max(0, upto - self.written)]
        if rows:
            self.out[self.written:self.written + len(rows)] = torch.stack(rows) if len(rows) > 1 else rows[0]
        self.written += len(rows)
        self.pending = []


#: The most numbers :class:`_Rows` keeps before writing them: small rows (a landscape's path, a cohort's losses)
#: go 64 steps at a time, a large model's path every step.
ROWS_ELEMENTS = 1 << 12


def hand_gradient(problem: Problem) -> Callable[..., Any] | None:
    """The gradient the engine takes without autograd, or None. Two kinds, each autograd's numbers bit for bit:

    - the model's hand-derived gradient of its own output (``model.grad``), which is the cost's gradient when the
      cost is that output (``loss="value"``). A landscape's model carries it only where the formula is autograd's
      own operations (:attr:`descend.landscapes.Landscape.exact_grad`); a ``Parametric(grad=...)`` of one's own
      is trusted to be autograd's to round-off;
    - the cost and its gradient together, where the model writes out autograd's backward pass for the MSE over
      its valid samples (``model.mse_and_grad()``: the ellipse's, the line fit's) and the loss is
      :func:`descend.losses.mse`.

    - the cost and its gradient of a model that writes out its own backward pass (``model.with_backward``: the
      dense models, :class:`descend.models.MLP`) from a loss that writes out its gradient with respect to the
      model's output (:func:`descend.losses.cost_and_grad`: the MSE, BCE on logits, class labels'
      cross-entropy). Eager steps only (``in_compiled`` False): it saves autograd's bookkeeping, about a fifth of
      the reference sweep's forward and backward pass (0.85 ms against 1.06 at K = 64), which a compiled program
      does not pay, and a compiled step keeps the program traced from autograd's pass.

    The one place where that is decided: :func:`_step` (eager, and compiled where ``in_compiled``) takes it from
    here, and evaluates the cost without a graph and takes no backward pass. Where the gradient is descend's own
    (``inference``), the eager step runs in torch's inference mode."""
    from . import losses

    model, objective = problem.model, problem.objective
    grad = getattr(model, "grad", None)
    if grad is not None and objective.kind == "cost":
        return _HandGradient(grad, tuple(model.names))
    with_cost = getattr(model, "mse_and_grad", None)
    with_cost = with_cost() if callable(with_cost) else None
    mse = objective.loss is losses.mse and objective.kind == "regression" and not objective.logits
    if with_cost is not None and mse:
        # as (object, function): Python compares bound methods by their object's identity, which would give each
        # newly built task (a playground request's) a compiled program of its own
        owner = getattr(with_cost, "__self__", None)
        return _HandCostGradient(owner, getattr(with_cost, "__func__", with_cost), tuple(model.names))
    with_backward = getattr(model, "with_backward", None)
    loss_grad = losses.cost_and_grad(objective.loss, problem.train[1]) if objective.kind != "cost" else None
    if callable(with_backward) and loss_grad is not None:
        backward = with_backward(loss_grad, logits=objective.logits)
        return None if backward is None else _HandBackward(backward)
    return None


@dataclass(frozen=True)
class _HandBackward:
    """A model's written-out backward pass (``model.with_backward``): ``(cost, valid, gradients)`` in one pass.
    At a cohort's first step (:func:`descend._compile.checking`) the model and the loss are also called as
    autograd's step calls them, once, for their checks of the parameters, the data and the labels."""

    backward: Callable[..., tuple[Tensor, Tensor | None, Sequence[Tensor]]]
    in_compiled = False

    @property
    def inference(self) -> bool:
        return _descends(self.backward)

    def __call__(self, model: Any, objective: Objective, params: Sequence[Tensor], x: Tensor, y: Tensor,
                 ) -> tuple[Tensor, Tensor | None, Sequence[Tensor]]:
        if checking():
            objective.value_and_valid(model, params, x, y)
        return self.backward(params, x, y)


@dataclass(frozen=True)
class _HandGradient:
    """A model's ``grad`` called on the flat parameters' views (one gradient ``[K, ...]`` per parameter), the
    cost evaluated without a graph: ``(cost, valid, gradients)`` as :func:`_step` takes them."""

    grad: Callable[[dict[str, Tensor]], Sequence[Tensor]]
    names: tuple[str, ...]
    in_compiled = True

    @property
    def inference(self) -> bool:
        return _descends(self.grad)

    def __call__(self, model: Any, objective: Objective, params: Sequence[Tensor], x: Tensor, y: Tensor,
                 ) -> tuple[Tensor, Tensor | None, Sequence[Tensor]]:
        cost, valid = objective.value_and_valid(model, params, x, y)
        return cost, valid, self.grad(dict(zip(self.names, params)))


@dataclass(frozen=True)
class _HandCostGradient:
    """A model's ``mse_and_grad``: the cost, the runs with a valid sample and the gradients in one pass, on the
    data in the parameters' dtype (as the model and the loss convert it)."""

    owner: Any  # the model function whose method it is (compared by value), or None for a plain function
    cost_and_grad: Callable[..., tuple[Tensor, Tensor | None, Sequence[Tensor]]]
    names: tuple[str, ...]
    in_compiled = True

    @property
    def inference(self) -> bool:
        return _descends(self.cost_and_grad)

    def __call__(self, model: Any, objective: Objective, params: Sequence[Tensor], x: Tensor, y: Tensor,
                 ) -> tuple[Tensor, Tensor | None, Sequence[Tensor]]:
        dtype = params[0].dtype
        args = (dict(zip(self.names, params)), x.to(dtype), y.to(dtype))
        return self.cost_and_grad(*args) if self.owner is None else self.cost_and_grad(self.owner, *args)


def _descends(fn: Any) -> bool:
    """Whether a gradient's function is descend's own, which calls no autograd: its eager steps may run in torch's
    inference mode (a model of one's own may compute its ``grad`` with autograd or ``torch.func``)."""
    module = getattr(fn, "__module__", None) or type(fn).__module__
    return module == "descend" or module.startswith("descend.")


def _unchecked(model: Any) -> Any:
    """The model without its per-call argument checks (``model.unchecked()``), or the model itself."""
    unchecked = getattr(model, "unchecked", None)
    return unchecked() if callable(unchecked) else model


class _InOrder:
    """Whether a step's index is the whole training set in its order (a full batch), so that ``x[index]`` is
    ``x``: decided once per index tensor of the plan (full-batch epochs share theirs)."""

    def __init__(self, x: Tensor, y: Tensor) -> None:
        self.m = x.shape[0] if x.is_contiguous() and y.is_contiguous() else -1  # a gather makes them contiguous
        self.seen: dict[tuple[int, tuple[int, ...]], bool] = {}

    def __call__(self, index: Tensor) -> bool:
        if index.ndim != 1 or index.shape[0] != self.m:
            return False
        key = (index.data_ptr(), index.stride())
        known = self.seen.get(key)
        if known is None:
            known = self.seen[key] = bool(torch.equal(index, torch.arange(self.m, dtype=index.dtype)))
        return known


def _ended_by_its_loss(status: Tensor, status_at: Tensor, train_loss: Tensor) -> Tensor:
    """``[K]`` the runs that stopped (diverged, left the domain) at a step whose recorded loss ended them: not a finite
    number, or past the divergence bound (:data:`descend.outcomes.DIVERGENCE_FACTOR` times max(|J₀|, 1)); not a
    run whose loss there was a value and whose parameters after that step's update were not."""
    stopped = ((status == _DIVERGED) | (status == _LEFT_DOMAIN)) & (status_at >= 0) & (status_at < len(train_loss))
    if not len(train_loss) or not bool(stopped.any()):
        return stopped
    at = status_at.clamp(0, len(train_loss) - 1)
    last = train_loss[at, torch.arange(train_loss.shape[1])].double()
    bound = outcomes.DIVERGENCE_FACTOR * train_loss[0].double().abs().nan_to_num(nan=1.0).clamp(min=1.0)
    return stopped & (~torch.isfinite(last) | (last.abs() > bound))


def _first_reached(train_loss: Tensor, target: float) -> Tensor:
    """``[K]`` the first step whose recorded loss is at most ``target`` (−1 if none; NaN never is)."""
    hit = train_loss <= target
    return torch.where(hit.any(dim=0), hit.to(torch.uint8).argmax(dim=0), -1) if len(hit) else torch.full(
        (train_loss.shape[1],), -1, dtype=torch.long)


def _scheduled(kwargs: dict[str, Any], factors: Mapping[str, Tensor], t: int) -> dict[str, Any]:
    """The update's keyword arguments at step ``t``: each scheduled hyperparameter times its factors ``[K]``."""
    if not factors:
        return kwargs
    scheduled = dict(kwargs)
    for name, table in factors.items():
        scheduled[name] = kwargs[name] * table[t]
    return scheduled


def _shapes(plan: Sequence[Tensor]) -> list[Tensor]:
    """The first batch of each shape in ``plan`` (one for a fixed batch size, two for the hybrid schedule)."""
    if isinstance(plan, Tensor):
        return [plan[0]] if len(plan) else []
    first: dict[tuple[int, ...], Tensor] = {}
    for index in plan:
        first.setdefault(tuple(index.shape), index)
    return list(first.values())


def _unflatten(w: Tensor, sizes: tuple[int, ...], shapes: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """The model's parameters as views of the flat ``[K, n]`` tensor (one ``unbind`` when every parameter is a
    single number, as for a landscape: one operation instead of one per parameter, and as many fewer in the
    backward pass)."""
    if all(len(shape) == 0 for shape in shapes):
        return w.unbind(1)
    return tuple(part.view(w.shape[0], *shape) for part, shape in zip(torch.split(w, sizes, dim=1), shapes))


def _flatten(parts: Sequence[Tensor], k: int) -> Tensor:
    """Per-parameter tensors ``[K, ...]`` as one flat ``[K, n]`` tensor (the inverse of :func:`_unflatten`)."""
    if all(p.ndim == 1 for p in parts):
        return torch.stack(tuple(parts), dim=1)
    return torch.cat([p.reshape(k, -1) for p in parts], dim=1)


def _grad_norms(grad: Tensor, sizes: tuple[int, ...], shapes: tuple[Any, ...]) -> Tensor:
    """``[K, P]``: the norm of each parameter tensor's gradient per run. When every parameter is one number the
    P norms are one operation on ``[K, P, 1]`` (the same kernel on the same single elements, so the same values)."""
    if all(size == 1 for size in sizes):
        return torch.linalg.vector_norm(grad.unsqueeze(2), dim=2)
    return torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in _unflatten(grad, sizes, shapes)], dim=1)


class _Known(NamedTuple):
    """What the training loop knows on the host before a step, so that the eager step leaves out operations
    whose result this already decides (the numbers are the same): every run is ``healthy`` (no recorded cost to
    mask), every run has its divergence ``bound`` (a cost within a finite bound is finite), every run is
    ``moving``. A traced step knows nothing (:data:`_UNKNOWN`): it serves every case."""

    healthy: bool = False
    bounded: bool = False
    moving: bool = False


_UNKNOWN = _Known()


def _gather(data: Tensor, index: Tensor) -> Tensor:
    """``data[index]``: the rows of ``data`` at ``index`` (``[B]`` or ``[K, B]``), as one ``index_select`` of the
    flattened index. The same rows as advanced indexing, a third of its time for a cohort's batches (eager,
    K = 32 batches of 32 rows of 64 features: 9 µs against 30)."""
    return data.index_select(0, index.reshape(-1)).view(*index.shape, *data.shape[1:])


def _step(model: Any, objective: Objective, update: Callable[..., Any], hyper: Mapping[str, Any],
          sizes: tuple[int, ...], shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None,
          record_norms: bool, w: Tensor, state: Any, healthy: Tensor, moving: Tensor, bound: Tensor, x: Tensor,
          y: Tensor, index: Tensor | None, *, gradient: Callable[..., Any] | None = None,
          known: _Known = _UNKNOWN) -> tuple[Any, ...]:
    """One training step of all runs: the batch, cost per run, its gradient, clipping, the update.

    Returns the new flat parameters and state; the cost at ``w`` as recorded (float64; NaN for the runs
    not ``healthy``, and for a batch with no valid sample); the gradient norm of every parameter tensor
    ``[K, P]`` (or None); whether each run stays within :mod:`descend.outcomes`' definition — its cost
    finite and ``|J| ≤ bound``, its new parameters finite — computed in the same pass as the update; and
    whether every ``moving`` run (ok and not stopped at the target) does and, for a model that masks samples,
    had a valid sample in its batch, when the new values can be taken as they are (otherwise the host checks
    whether a run left the model's domain). A run whose batch has no valid sample gets a zero gradient, whatever the
    model's masked-out branch would give (seed 004's code takes a mean over no sample there: NaN); its rule still
    steps, so momentum and Adam coast on their state. With ``compile=True`` all of it is one compiled program.

    ``index=None`` is the whole training set in its order (``x`` itself, no gather). ``gradient`` is the
    model's hand-derived gradient (:func:`hand_gradient`): the cost is then evaluated without a graph and
    the gradient taken from it instead of autograd. ``known`` (eager steps only) is what the caller knows of
    the cohort (:class:`_Known`).
    """
    xb, yb = (x, y) if index is None else (_gather(x, index), _gather(y, index))

    def total(leaf: Tensor) -> tuple[Tensor, tuple[Tensor, ...]]:
        cost, valid = objective.value_and_valid(model, _unflatten(leaf, sizes, shapes), xb, yb)
        # runs are independent: the gradient of the sum is each run's gradient
        return cost.sum(), (cost,) if valid is None else (cost, valid)

    if gradient is not None:  # the hand-derived gradient: the cost without a graph, no backward pass
        cost, valid, parts = gradient(model, objective, _unflatten(w, sizes, shapes), xb, yb)
        grad, aux = _flatten(parts, w.shape[0]), (cost,) if valid is None else (cost, valid)
    elif tracing():  # traced for compilation: torch.func's transform, which the tracers follow
        grad, (_, aux) = torch.func.grad_and_value(total, has_aux=True)(w)
    else:  # the same gradient by plain autograd, which costs less per operation in eager mode
        with torch.enable_grad():
            leaf = w.detach().requires_grad_()
            summed, aux = total(leaf)
            (grad,) = torch.autograd.grad(summed, leaf)
    cost, valid = aux[0].detach(), (aux[1] if len(aux) > 1 else None)
    if valid is not None:  # no valid sample in the batch: a zero gradient (the seed's NaN), not the model's 0·∞
        grad = torch.where(valid.unsqueeze(1), grad, 0.0)
    norms = _grad_norms(grad, sizes, shapes) if record_norms else None
    if norms is not None and not known.healthy:  # a stopped run takes no step: no gradient recorded
        norms = torch.where(healthy.unsqueeze(1), norms, math.nan)
    if clip_value is not None:
        (grad,) = clipping.clip_by_value((grad,), clip_value)
    if clip_norm is not None:
        (grad,) = clipping.clip_by_global_norm((grad,), clip_norm, run_axis=True)
    (new_w,), new_state = update((grad,), state, (w,), **hyper)
    # one pass: a non-finite entry makes its run's sum non-finite (and a sum of finite parameters overflows
    # only when they are within a factor n of the dtype's largest number, which is diverging too)
    cost64 = cost.to(torch.float64)
    within = cost64.abs() <= bound  # false for NaN, and for ±inf once every bound is finite
    # |sum| < ∞ is isfinite(sum) (false for NaN and ±∞) in two operations rather than isfinite's four
    finite = (within if known.bounded else torch.isfinite(cost) & within) & (new_w.sum(dim=1).abs() < math.inf)
    if valid is None and known.healthy:
        recorded = cost64
    else:
        recorded = torch.where(healthy if valid is None else healthy & valid, cost64, math.nan)
    every = finite if known.moving else moving & finite
    if valid is not None:  # a batch with no valid sample: the host checks whether the run left the model's domain
        every = every & (valid if known.moving else valid | ~moving)
    return new_w, new_state, recorded, norms, finite, every.all()


#: When a cohort's operations are large enough to share out between threads. ``work`` = runs × batch ×
#: parameters per run (about the multiply-adds of its forward pass), ``update`` = runs × parameters per run (the
#: size of the update's elementwise operations, the smallest of a step). Below LARGE_WORK both must be reached:
#: the ellipse comparison's operations, a few thousand numbers each, trained in 13.5 s on one thread against
#: 62 s on two (load 4, 2 cores), and the playground's vanishing-gradients network (one run of 2,000 parameters
#: on 600 samples: work 1.2 million, update 2,000) answered in 860-900 ms on two threads against 175 ms on one.
#: Above them two threads pay on a quiet 2-core machine: the reference sweep's cohort of 64 runs (work 4.9
#: million, update 154,000) 1.5× faster compiled and 1.25× eagerly, of 16 runs (1.2 million, 39,000) about
#: 1.2× compiled (benchmarks/sweep.py).
SMALL_WORK, SMALL_UPDATE, LARGE_WORK = 1 << 20, 1 << 15, 1 << 24


def shared_out(work: int, update: int) -> bool:
    """Whether a cohort of ``work`` and ``update`` numbers (see :data:`SMALL_WORK`) is worth more than one thread."""
    return work >= LARGE_WORK or (work >= SMALL_WORK and update >= SMALL_UPDATE)


def threads_for(shared: bool, threads: int, spare: float | None) -> int:
    """The intra-op threads a cohort gets: one unless it is ``shared`` out (:func:`shared_out`), else as many of
    ``threads`` (torch's setting) as other processes leave cores free (``spare``,
    :func:`descend._machine.spare_cores`; rounded to the nearest core, at least one; all of them where it is not
    known). Two threads that share a core with another process are slower than one: every parallel operation
    waits for the thread that is not running (the reference sweep's cohort of 64 runs 2× slower compiled, 3×
    eagerly, beside one spinning process on 2 cores)."""
    if not shared or threads <= 1:
        return 1
    if spare is None:
        return threads
    return max(1, min(threads, math.floor(spare + 0.5)))


#: While a cohort's steps run eagerly, how often its threads are decided again (:class:`CohortThreads`).
RECHECK_SECONDS = 0.5


class CohortThreads:
    """A cohort's intra-op threads, as a ``with`` block: :func:`threads_for` it at the start, and again
    every :data:`RECHECK_SECONDS` while its steps run eagerly (:meth:`recheck`), so that a process starting or
    ending beside it (a report's drawing processes, another user's job) changes the count; a compiled program
    keeps the count it was compiled with. torch's setting is restored at the end. ``count``: the threads now.

    Only a cohort of two runs or more follows the machine's load: each of its reductions (a loss's sum over the
    batch, a gradient's norm) has a result per run, which torch computes on one thread, so its numbers are the
    same bit for bit on any count (tested). A single run's are reductions to one number, which torch splits
    between its threads, each summing a part: the last bits of the loss and of its gradient change with the
    count. So a single run large enough to share out (``runs`` 1) takes torch's setting whatever the machine is
    doing, as a plain torch loop does: one command gives the same numbers on a quiet machine and a busy one."""

    def __init__(self, work: int, update: int, runs: int) -> None:
        self.limit = torch.get_num_threads()
        self.count, self.due = self.limit, 0.0
        self.shared = shared_out(work, update) and self.limit > 1
        self.watching = self.shared and runs > 1

    def __enter__(self) -> CohortThreads:
        self.decide()
        return self

    def __exit__(self, *exc: object) -> None:
        if torch.get_num_threads() != self.limit:
            torch.set_num_threads(self.limit)

    def decide(self, now: float | None = None) -> None:
        self.due = (time.monotonic() if now is None else now) + RECHECK_SECONDS
        self.count = threads_for(self.shared, self.limit, spare_cores() if self.watching else None)
        if torch.get_num_threads() != self.count:
            torch.set_num_threads(self.count)

    def recheck(self) -> None:
        """Decide again when :data:`RECHECK_SECONDS` have passed since the last decision."""
        if self.watching and (now := time.monotonic()) >= self.due:
            self.decide(now)

    def others(self) -> list[int]:
        """The counts this cohort could take other than its own: where a compiled program of another count is at
        hand, it beats eager steps on this one (:func:`train_cohort`)."""
        return [n for n in range(self.limit, 0, -1) if n != self.count] if self.watching else []

    def hold(self, count: int) -> None:
        """Take ``count`` threads for the rest of the cohort (a compiled program's)."""
        self.count, self.watching = count, False
        if torch.get_num_threads() != count:
            torch.set_num_threads(count)


def cohort_threads(work: int, update: int, runs: int) -> CohortThreads:
    """The threads of a cohort of ``runs`` runs, ``work`` and ``update`` numbers (:data:`SMALL_WORK`,
    :class:`CohortThreads`)."""
    return CohortThreads(work, update, runs)


def _widest_batch(plan: Any) -> int:
    """The largest batch of a plan (a tensor of steps, or a list of each step's indices)."""
    if isinstance(plan, Tensor):
        return plan.shape[-1] if plan.numel() else 0
    return max((index.shape[-1] for index in plan), default=0)


def _parameter_count(model: Any, dtype: torch.dtype) -> int:
    """Numbers in one run's parameters."""
    return sum(p[0].numel() for p in model.init([0], dtype=dtype))


#: ``compile="auto"``: the eager steps timed before deciding (the first one, which pays one-time costs, not
#: counted), what a compiled step costs against an eager one (about a third: benchmarks/sweep.py, K = 16 to
#: 256), what compiling a cohort's programs costs on a 2-core machine the first time, and what it costs when a
#: process of this user compiled them before, so that Inductor's on-disk cache holds them (Inductor's imports,
#: tracing and loading). benchmarks/compile_cache.py, with the evaluation's program, for the reference sweep,
#: digits, the ellipse and Himmelblau: compiled into packages (AOTInductor, the default), 23-32 s for a new shape
#: at load 0.3 (compiled in the process alone, DESCEND_PACKAGES=0: 10-17 s at load 0.75-1, a machine's very first
#: program about 25 s), 3.3-5.2 s again from Inductor's cache where there is no package (a program that cannot
#: be named); a package is read in milliseconds (then "auto" runs compiled from the first step, unasked).
PROBE_STEPS = 12
COMPILED_FRACTION = 1 / 3
COMPILE_SECONDS = 30.0
COMPILE_SECONDS_AGAIN = 5.0


def worth_compiling(eager_seconds_per_step: float, remaining_steps: int, cached: bool,
                    compiled_before: bool = False) -> bool:
    """Whether compiling the remaining steps saves more time than compiling costs.

    ``cached``: this process already holds the programs (a second fit of the same shapes), so compiling is
    free and always pays. Otherwise compile when ``remaining · t_eager · (1 − COMPILED_FRACTION)`` exceeds
    what compiling costs: ``COMPILE_SECONDS`` the first time (at K = 64 on the reference sweep, about 1.4 ms per
    eager step, after about 32,000 steps), ``COMPILE_SECONDS_AGAIN`` when ``compiled_before`` (a process of this
    user compiled the same programs, :func:`descend._compile.compiled_before`: about 5,300 steps there).
    """
    if remaining_steps <= 0:
        return False
    if cached:
        return True
    cost = COMPILE_SECONDS_AGAIN if compiled_before else COMPILE_SECONDS
    return remaining_steps * eager_seconds_per_step * (1 - COMPILED_FRACTION) > cost


# Compiled steps of this process, by everything a trace depends on besides tensor values: the model, loss,
# optimizer and its non-tensor options, clipping, the shape, stride and dtype of every input tensor, and the
# intra-op threads (Inductor writes their count into the program). Bounded (least recently used first out)
# and shared by threads under a lock.
_PROGRAMS: OrderedDict[Any, Callable[..., Any]] = OrderedDict()
_PROGRAMS_LOCK = threading.Lock()
MAX_PROGRAMS = 64


class _CompiledStep:
    """One cohort's :func:`_step` as compiled programs: the same numbers to round-off.

    The step is traced with ``make_fx`` into a graph of tensor operations and compiled by Inductor
    (torch.compile's compiler) with C++ host code, once per batch shape. Unlike ``torch.compile`` no
    guards are checked on each call: a cohort fixes everything but tensor values, and programs are kept
    per process under a key that holds all of it, so that later fits of the same shapes reuse them. That
    saves a few hundred microseconds per step, as much as the kernels take at K = 16.
    """

    def __init__(self, model: Any, objective: Objective, update: Callable[..., Any], sizes: tuple[int, ...],
                 shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None,
                 record_norms: bool, gradient: Callable[..., Any] | None = None) -> None:
        self.static = (model, objective, update, sizes, shapes, clip_value, clip_norm, record_norms, gradient)
        self.record_norms = record_norms
        self.by_batch_shape: dict[Any, Callable[..., Any]] = {}
        self.layout: tuple[int | None, ...] | None = None  # of the optimizer state, fixed for the cohort
        self.dynamic: tuple[str, ...] | None = None  # the hyperparameters given as tensors, likewise

    def __call__(self, hyper: Mapping[str, Any], w: Tensor, state: Any, healthy: Tensor, moving: Tensor,
                 bound: Tensor, x: Tensor, y: Tensor, index: Tensor) -> tuple[Any, ...]:
        if self.dynamic is None:  # which hyperparameters are tensors is fixed for a cohort: read once, not per step
            self.dynamic = _split(hyper)[1]
        inputs = [w, healthy, moving, bound, x, y, index, *_leaves(state), *(hyper[k] for k in self.dynamic)]
        program = self.by_batch_shape.get(index.shape)
        if program is None:
            program = self.by_batch_shape[index.shape] = self._program(hyper, state, inputs)
        new_w, recorded, norms, finite, all_move, *new_state = program(*inputs)
        return (new_w, _rebuilt(state, new_state, self.layout), recorded, norms if self.record_norms else None,
                finite, all_move)

    def _key(self, hyper: Mapping[str, Any], state: Any, inputs: list[Tensor]) -> tuple[Any, ...]:
        return (*self.static, *_split(hyper), type(state), _layout(state),
                tuple((t.shape, t.stride(), t.dtype) for t in inputs), torch.get_num_threads())

    def _keys(self, hyper: Mapping[str, Any], state: Any, w: Tensor, x: Tensor, y: Tensor,
              indices: Sequence[Tensor]) -> list[tuple[Any, ...]]:
        k = w.shape[0]
        flags = torch.ones(k, dtype=torch.bool)
        bound = torch.full((k,), math.inf, dtype=torch.float64)
        dynamic = [hyper[k] for k in _split(hyper)[1]]
        return [self._key(hyper, state, [w, flags, flags, bound, x, y, index, *_leaves(state), *dynamic])
                for index in indices]

    def cached(self, hyper: Mapping[str, Any], state: Any, w: Tensor, x: Tensor, y: Tensor,
               indices: Sequence[Tensor]) -> bool:
        """Whether this process holds the programs for every batch shape of ``indices`` already."""
        return _holds(lambda: self._keys(hyper, state, w, x, y, indices))

    def compiled_before(self, hyper: Mapping[str, Any], state: Any, w: Tensor, x: Tensor, y: Tensor,
                        indices: Sequence[Tensor]) -> bool:
        """Whether a process of this user compiled the programs for every batch shape of ``indices`` before
        (:func:`descend._compile.compiled_before`): then compiling them again reads Inductor's on-disk cache."""
        if isinstance(self.static[0], models.ModuleModel):
            return False
        return compiled_before([fingerprint(key) for key in self._keys(hyper, state, w, x, y, indices)])

    def ready(self, hyper: Mapping[str, Any], state: Any, w: Tensor, x: Tensor, y: Tensor,
              indices: Sequence[Tensor]) -> bool:
        """Whether the program for every batch shape of ``indices`` is held by this process or on disk as a package
        (:func:`descend._compile.package_name`, read in milliseconds): then the steps run compiled from the
        first one without compiling."""
        return _ready(lambda: self._keys(hyper, state, w, x, y, indices), self.static[0])

    def _program(self, hyper: Mapping[str, Any], state: Any, inputs: list[Tensor]) -> Callable[..., Any]:
        model = self.static[0]
        statics, dynamic = _split(hyper)
        self.layout = _layout(state)
        return _held_or_compiled(lambda: self._key(hyper, state, inputs), model,
                                 lambda name: _compile_step(*self.static, dict(statics), dynamic, state, inputs,
                                                            name=name))


def _split(hyper: Mapping[str, Any]) -> tuple[tuple[tuple[str, Any], ...], tuple[str, ...]]:
    """A step's hyperparameters as (the numbers, name and value: part of the program) and (the names of those
    given as tensors: inputs of the program, in this order)."""
    return (tuple((k, v) for k, v in hyper.items() if not isinstance(v, Tensor)),
            tuple(k for k, v in hyper.items() if isinstance(v, Tensor)))


def _not_held(keys_of: Callable[[], Sequence[Any]]) -> list[Any] | None:
    """The keys of ``keys_of()`` this process holds no program under, or None when they cannot be held (an
    unhashable model or loss: never kept between fits)."""
    try:
        keys = keys_of()
        with _PROGRAMS_LOCK:
            return [key for key in keys if key not in _PROGRAMS]
    except TypeError:
        return None


def _holds(keys_of: Callable[[], Sequence[Any]]) -> bool:
    """Whether this process holds a program under every key of ``keys_of()``."""
    return _not_held(keys_of) == []


def _ready(keys_of: Callable[[], Sequence[Any]], model: Any) -> bool:
    """Whether this process holds a program under every key of ``keys_of()``, once it has read the package of each
    one it did not hold (never for a module, which may change between fits). Read when deciding, a package is held
    from then on: one that cannot be read (damaged, or pruned by another process since it was written) is not ready,
    and ``compile="cached"``, which never compiles, trains eagerly where it compiled it when it looked for the
    packages first and read them only after deciding (16-30 s for an answer of the playground)."""
    missing = _not_held(keys_of)
    if missing is None or missing and isinstance(model, models.ModuleModel):
        return False
    for key in missing:
        program = load_package(package_name(key))
        if program is None:
            return False
        _hold(key, program)
    return True


def _held_or_compiled(key_of: Callable[[], Any], model: Any, compile: Callable[[str | None], Callable[..., Any]],
                      ) -> Callable[..., Any]:
    """This process's program under ``key_of()``, else ``compile(name)``'s, then kept under that key (least recently
    used first out) and noted as compiled for later processes (:func:`descend._compile.remember_compiled`); not
    kept for an unhashable key (a model or loss that cannot be compared) or a module, which may change between
    fits. ``name`` is the name of the key's package on disk (:func:`descend._compile.package_name`), None where
    the key cannot be named: ``compile`` reads the package when it is there, else compiles and writes it."""
    try:
        key: Any = key_of()
        with _PROGRAMS_LOCK:
            program = _PROGRAMS.get(key)
            if program is not None:
                _PROGRAMS.move_to_end(key)
                return program
    except TypeError:  # an unhashable model or loss: compile for this cohort only
        key = None
    name = None if key is None or isinstance(model, models.ModuleModel) else package_name(key)
    program = compile(name)
    if key is not None and not isinstance(model, models.ModuleModel):
        _hold(key, program)
    return program


def _hold(key: Any, program: Callable[..., Any]) -> None:
    """Keep ``program`` under ``key`` (least recently used first out), noted as compiled for later processes
    (:func:`descend._compile.remember_compiled`)."""
    with _PROGRAMS_LOCK:
        _PROGRAMS[key] = program
        while len(_PROGRAMS) > MAX_PROGRAMS:
            _PROGRAMS.popitem(last=False)
    remember_compiled(fingerprint(key))


def _leaves(state: Any) -> list[Tensor]:
    """The tensors of an optimizer state (a NamedTuple of tensors and tuples of tensors), in order."""
    return [leaf for part in state for leaf in (part if isinstance(part, tuple) else (part,))]


def _layout(state: Any) -> tuple[int | None, ...]:
    """For each field of a state: None for a tensor, the length for a tuple of tensors."""
    return tuple(len(part) if isinstance(part, tuple) else None for part in state)


def _rebuilt(like: Any, leaves: Sequence[Tensor], layout: tuple[int | None, ...] | None = None) -> Any:
    """A state of the same type and layout as ``like`` holding ``leaves`` (the inverse of :func:`_leaves`)."""
    parts, at = [], 0
    for n in layout if layout is not None else _layout(like):
        parts.append(leaves[at] if n is None else tuple(leaves[at:at + n]))
        at += 1 if n is None else n
    return type(like)(*parts)


def _compile_step(model: Any, objective: Objective, update: Callable[..., Any], sizes: tuple[int, ...],
                  shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None, record_norms: bool,
                  gradient: Callable[..., Any] | None, statics: dict[str, Any], dynamic: tuple[str, ...], state: Any,
                  inputs: list[Tensor], name: str | None = None) -> Callable[..., Any]:
    """Trace :func:`_step` with tensors as its only inputs and outputs, and compile it; with a package ``name``
    (:func:`descend._compile.package_name`), read the package when it is on disk, else compile into it (or wait
    for another process compiling the same program, then read its package: :func:`descend._compile.compiling`).

    The program returns ``new_w, recorded, norms, finite, all_move`` and then the new state's tensors
    (``norms`` is a placeholder when they are not recorded).
    """
    program = load_package(name)  # (reading a package imports no compiler)
    if program is not None:
        return program
    with compiling(name):  # another process compiling the same program: its package, once written
        program = load_package(name)
        if program is not None:
            return program
        return _traced_step(model, objective, update, sizes, shapes, clip_value, clip_norm, record_norms, gradient,
                            statics, dynamic, state, inputs, name)


def _traced_step(model: Any, objective: Objective, update: Callable[..., Any], sizes: tuple[int, ...],
                 shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None, record_norms: bool,
                 gradient: Callable[..., Any] | None, statics: dict[str, Any], dynamic: tuple[str, ...], state: Any,
                 inputs: list[Tensor], name: str | None) -> Callable[..., Any]:
    """:func:`_compile_step`'s tracing and compiling, once no package is to be had."""
    import_compiler()  # whole, before a Ctrl-C can cut an import short
    from torch.fx.experimental.proxy_tensor import make_fx

    prepare_inductor()
    n = len(_leaves(state))

    def flat_step(w: Tensor, healthy: Tensor, moving: Tensor, bound: Tensor, x: Tensor, y: Tensor, index: Tensor,
                  *rest: Tensor) -> list[Tensor]:
        hyper = dict(statics, **dict(zip(dynamic, rest[n:])))
        new_w, new_state, recorded, norms, finite, all_move = _step(
            model, objective, update, hyper, sizes, shapes, clip_value, clip_norm, record_norms, w,
            _rebuilt(state, rest[:n]), healthy, moving, bound, x, y, index, gradient=gradient)
        norms = torch.zeros(()) if norms is None else norms
        return [new_w, recorded, norms, finite, all_move, *_leaves(new_state)]

    with one_compile_at_a_time():
        with traced():
            graph = make_fx(flat_step, tracing_mode="fake", _allow_non_fake_inputs=_holds_tensors(model))(*inputs)
        return _compiled_graph(graph, inputs, name)


def _holds_tensors(model: Any) -> bool:
    """Whether ``model``'s forward reads tensors of its own besides its inputs: a module's frozen parameters and
    buffers (BatchNorm's running statistics in evaluation mode), which its program holds as constants. Tracing with
    fake tensors refused them ("Please convert all Tensors to FakeTensors first"): such a module failed with
    ``compile=True``, and with ``"auto"`` where compiling paid. A module's program is kept for its fit alone
    (:func:`_held_or_compiled`), during which those tensors do not change."""
    return isinstance(model, models.ModuleModel)


def _compiled_graph(graph: Any, inputs: list[Tensor], name: str | None) -> Callable[..., Any]:
    """Inductor's program of a traced graph: written to the package ``name`` and read back from it (AOTInductor),
    or, without a name or where the package cannot be written, compiled in this process alone."""
    if name is not None:
        program = save_package(name, graph, inputs)
        if program is not None:
            return program
    from torch._inductor.compile_fx import compile_fx

    return compile_fx(graph, inputs, config_patches={"cpp_wrapper": True})


class _CompiledEval:
    """Every split's evaluation as one compiled program, kept per process as the steps are.

    For each split (in the problem's order): the cost J of each run (NaN for a run with no valid sample), the
    accuracy for classification (else None), and for a standardised target the cost in the target's units
    (else None). :meth:`eager` computes the same operations uncompiled: the same numbers to round-off.
    An evaluation is a few dozen small operations per split, as many as a step of a small model, so where the
    steps are compiled the evaluations are too (:func:`train_cohort`).
    """

    def __init__(self, model: Any, objective: Objective, sizes: tuple[int, ...], shapes: tuple[Any, ...],
                 evals: Mapping[str, tuple[Tensor, Tensor]], mean: Tensor | None, std: Tensor | None) -> None:
        self.model, self.objective, self.sizes, self.shapes = model, objective, sizes, shapes
        self.data = [t for xs_ys in evals.values() for t in xs_ys]
        self.units = [] if mean is None or std is None else [mean, std]
        self.accuracy = objective.kind in ("binary", "multiclass")
        self.program: Callable[..., Any] | None = None

    def _measure(self, w: Tensor, *data: Tensor) -> list[Tensor]:
        params = _unflatten(w, self.sizes, self.shapes)
        n = len(self.data)
        out = []
        for i in range(0, n, 2):
            xs, ys = data[i], data[i + 1]
            value, acc = self.objective.value_and_accuracy(self.model, params, xs, ys, empty=math.nan)
            out += [value, acc if acc is not None else torch.zeros(())]
            if self.units:
                mean, std = data[n], data[n + 1]
                out.append(self.objective.original_units(self.model, params, xs, ys, mean, std))
        return out

    def _split(self, out: Sequence[Tensor]) -> list[tuple[Tensor, Tensor | None, Tensor | None]]:
        width = 3 if self.units else 2
        return [(out[i], out[i + 1] if self.accuracy else None, out[i + 2] if self.units else None)
                for i in range(0, len(out), width)]

    def eager(self, w: Tensor) -> list[tuple[Tensor, Tensor | None, Tensor | None]]:
        return self._split(self._measure(w, *self.data, *self.units))

    def _key(self, w: Tensor) -> tuple[Any, ...]:
        return ("evaluate", self.model, self.objective, self.sizes, self.shapes,
                tuple((t.shape, t.stride(), t.dtype) for t in (w, *self.data, *self.units)), torch.get_num_threads())

    def cached(self, w: Tensor) -> bool:
        """Whether this process holds the program for ``w``'s shape already."""
        return _holds(lambda: [self._key(w)])

    def prepare(self, w: Tensor) -> None:
        """Compile the program for ``w``'s shape now (or take this process's), without evaluating."""
        if self.program is None:
            self.program = self._compiled(w)

    def __call__(self, w: Tensor) -> list[tuple[Tensor, Tensor | None, Tensor | None]]:
        self.prepare(w)
        return self._split(self.program(w, *self.data, *self.units))

    def ready(self, w: Tensor) -> bool:
        """Whether the program for ``w``'s shape is held by this process or on disk as a package."""
        return _ready(lambda: [self._key(w)], self.model)

    def _compiled(self, w: Tensor) -> Callable[..., Any]:
        def compile(name: str | None) -> Callable[..., Any]:
            program = load_package(name)
            if program is not None:
                return program
            with compiling(name):  # another process compiling the same program: its package, once written
                program = load_package(name)
                if program is not None:
                    return program
                from torch.fx.experimental.proxy_tensor import make_fx

                prepare_inductor()
                inputs = [w, *self.data, *self.units]
                with one_compile_at_a_time():
                    with traced():
                        graph = make_fx(self._measure, tracing_mode="fake",
                                        _allow_non_fake_inputs=_holds_tensors(self.model))(*inputs)
                    return _compiled_graph(graph, inputs, name)

        return _held_or_compiled(lambda: self._key(w), self.model, compile)


# -- the API --------------------------------------------------------------------------------------------


def check_hooks(progress: Any, monitor: Any) -> None:
    """Refuse a ``progress`` or ``monitor`` hook that cannot be called (before any work)."""
    for name, hook, argument in (("progress", progress, "a dict of the step and cohort; or True for a bar"),
                                 ("monitor", monitor, "a descend.engine.Monitor")):
        if hook is not None and not callable(hook):
            raise ValueError(f"{name}={hook!r} must be a function (called with {argument}), or None")


@barred_when_true
@autograd_on
def train(
    problem: Problem,
    specs: Sequence[RunSpec],
    *,
    steps: int | None = None,
    epochs: int | None = None,
    drop_last: bool = False,
    eval_every: int | None = None,
    target: float | None = None,
    stop_at_target: bool = False,
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool | str = "auto",
    progress: bool | Callable[[Mapping[str, Any]], Any] | None = None,
    monitor: Callable[[Monitor], Any] | None = None,
    stop: Any = None,
    eval_start: bool = True,
    processes: int = 1,
) -> Runs:
    """Train every run specification on ``problem``; one batched program per group of cohorts.

    Cohorts with the same batches and clipping train as one group (:func:`plan_groups`): one forward, loss and
    backward for all their runs, then each cohort's rule on its own rows, with the same numbers as each cohort
    alone (tests/test_engine_groups.py). A ``monitor`` judges each cohort on its own, so with one every cohort
    trains alone. ``progress`` events count groups (``cohort`` and ``cohorts``; ``members``: the cohorts in it).
    A cohort's ``seconds`` is its share by runs of its group's time, plus the time of its own update rule
    where the steps were eager (with ``compile=True`` the shares are by runs alone).

    The budget is ``steps`` or ``epochs``. For a given ``seed`` every specification starts from the same
    initial parameters and sees the same batches (paired runs). ``eval_every`` (default: 20 evaluations
    per run) sets how often the splits of ``problem.evals`` are evaluated: at step 0, every ``eval_every``
    steps and at the end; ``eval_start=False`` leaves out step 0 (a search without pruning reads only the last).
    A run reaches ``target`` at the first step where its training loss is at most the target: read at every step
    where the step's batch is the whole training set (a landscape, a full batch, a hybrid's full phase), whose
    loss is the training loss, and otherwise at the evaluations of the training split (a mini-batch's loss is
    one batch's: a lucky batch is not the training loss), so to within ``eval_every`` steps; with
    ``stop_at_target`` the run stops there, its parameters those the training loss was measured at. With
    ``eval_every=0`` there are no evaluations, so a ``monitor`` (called after each) or a ``target`` with
    mini-batches (read at them) is refused.
    ``compile=True`` traces each group's step into one program compiled by Inductor (torch.compile's
    compiler), the evaluations as one more: about 23-32 s per group and batch shape the first time on a 2-core
    machine (into a package; 10-17 s in the process alone), 3-5 s from Inductor's on-disk cache after that (the summary's ``compile_seconds``, apart from
    ``seconds``), then each step 2-4× faster (see benchmarks/sweep.py); it pays off for long runs and large
    sweeps. Each compiled program is also written as a package (AOTInductor) named after everything its trace
    depends on and descend's own code (:func:`descend._compile.package_name`); a later process reads it in
    milliseconds, without tracing or importing Inductor. ``compile="auto"`` (the default) runs a group compiled
    from its first step when this process holds its programs or their packages are on disk; otherwise it times
    the first steps in eager mode and compiles the rest when the time saved exceeds what compiling costs
    (:func:`worth_compiling`: less when a process of this user compiled the same programs before); a module of
    one's own that drew random numbers in those steps (its dropout) stays eager, as a compiled program would draw
    other masks.
    ``compile=False`` never compiles. ``compile="cached"`` runs a group compiled only when this process holds its
    programs (the step's and the evaluation's) or reads them from their packages, eagerly otherwise (steps and
    evaluations alike), and never compiles: for a server that answers at once and compiles on the side
    (``descend play``). Compiled programs and packages are kept on disk in a per-user cache
    (``~/.cache/descend/inductor-2``, or ``$DESCEND_CACHE_DIR``), not under ``/tmp`` (only Inductor's precompiled
    header, which torch keeps in ``/tmp/torchinductor_$USER`` whatever the cache directory). A program
    whose trace depends on something descend cannot name (a function, loss or rule of one's own, a closure, a
    tensor in a model's settings) is compiled in each process, as before.

    Hooks: ``progress`` (optional) is called after every step with a dict: ``cohort`` and ``cohorts``
    (1-based index and count of the groups), ``step`` and ``steps`` of that group, ``runs`` in it,
    ``runs_done``, ``runs_total`` and ``members`` (the cohorts in the group); ``progress=True`` draws a progress
    bar instead (:class:`descend.progress.TrainingBar`), as ``descend.fit``'s. ``monitor`` is called after every
    evaluation with a :class:`Monitor` (each run's current metrics; it may ``prune`` runs or ``stop``).
    ``stop`` is a ``threading.Event`` or a callable checked before every step (a compile, 10-30 s for a new shape,
    runs to its end first; so does the import of the compiler under Ctrl-C,
    :func:`descend._compile.import_compiler`). Ctrl-C or a stop ends training cleanly: the result holds every
    finished cohort and the steps the current one completed (``Runs.interrupted`` is True, the summary's
    ``steps_done`` says how far each run got; a run of a group that never started is in the summary, ``interrupted``
    at 0 steps, with no metrics and no curves).

    ``processes=2`` trains the groups in two processes, this one and a forked child (:mod:`descend._forked`),
    when there are several groups, each small enough for one thread at any batch size (:func:`shared_out`), with
    ``compile=False`` and neither a ``monitor`` nor a ``stop``: such steps are Python-bound, one core per
    process. The results are the same, bit for bit (tests/test_engine_groups.py); the ellipse comparison's four
    groups trained in 2.0-2.6 s instead of 2.8-3.7 s. Ctrl-C stops both processes, each keeping what finished.
    ``descend compare`` asks for it where the process may run on two cores (:func:`descend._forked.processes`).
    """
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one budget: steps=... or epochs=...")
    check_variable()  # DESCEND_MALLOC, read when training starts: a value it does not read is said before
    for name, value in (("steps", steps), ("epochs", epochs)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1):
            raise ValueError(f"{name}={value!r} must be a whole number >= 1")
        if value is not None and value >= 2**62:  # a count no index holds (an OverflowError deep in the batch plan)
            raise ValueError(f"{name}={value!r} is out of range: a budget is a whole number below 2**62")
    steps, epochs = (None if v is None else int(v) for v in (steps, epochs))  # a NumPy integer is one
    if compile not in (True, False, "auto", "cached"):
        raise ValueError(f"compile={compile!r} is not allowed; choose True, False, 'auto' or 'cached'")
    _check_records(eval_every, target, stop_at_target, record_path=record_path, record_grad_norms=record_grad_norms,
                   eval_start=eval_start)
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes={processes!r} must be a whole number >= 1")
    if not specs:
        raise ValueError("no runs to train: give at least one descend.spec.RunSpec")
    check_hooks(progress, monitor)
    resolved = []
    for i, spec in enumerate(specs):
        if not isinstance(spec, RunSpec):
            raise ValueError(f"run {i} is {type(spec).__name__}; give descend.spec.RunSpec values")
        try:
            resolved.append(spec.resolved())
            if spec.start is not None:
                resolved[-1] = replace(resolved[-1], start=check_flat_start(problem.model, spec.start, "start"))
        except ValueError as e:
            hyper = dict(spec.hyper) if isinstance(spec.hyper, Mapping) else spec.hyper
            raise ValueError(f"run {i} ({spec.optimizer}, {hyper}): {e}") from None
    warn_of_scaled_schedules((name, f) for spec in resolved for name, f in spec.schedules.items())
    if dtype == torch.float16:
        _warn_of_vanishing_eps(resolved)
    hooks = _Hooks(None, monitor, stop)
    runs = [Run(i, spec) for i, spec in enumerate(resolved)]
    m = problem.samples
    results = []
    cohorts = plan_cohorts(runs, numbers=dtype in REDUCED)
    # cohorts that share a plan train as one program, unless a monitor judges each cohort on its own (its stop
    # ends its cohort)
    groups = plan_groups(cohorts) if monitor is None else [[c] for c in cohorts]
    _check_groups(groups, m, steps=steps, epochs=epochs, drop_last=drop_last)  # before the first group trains
    if eval_every == 0:  # no evaluation: what is read at evaluations would never be read
        batched = next((run for run in runs if run.spec.batch_size is not None), None)
        if monitor is not None:
            raise ValueError("monitor=...: a monitor is called after each evaluation, and eval_every=0 makes none; "
                             "give eval_every=N")
        if target is not None and batched is not None:
            raise ValueError(f"target={target!r}: after a mini-batch step the training loss is read at the "
                             f"evaluations (run {batched.index} has batch_size={batched.spec.batch_size!r}), and "
                             "eval_every=0 makes none; give eval_every=N")
    plan = functools.partial(_prepare_group, m=m, steps=steps, epochs=epochs, drop_last=drop_last,
                             eval_every=eval_every)
    options = dict(target=target, stop_at_target=stop_at_target, record_path=record_path,
                   record_grad_norms=record_grad_norms, dtype=dtype, compile=compile, eval_start=eval_start)
    if processes > 1 and compile is False and monitor is None and stop is None and len(groups) > 1 and _small(
            groups, m, _parameter_count(problem.model, dtype)):
        from .data.batches import plan_length

        planned = [plan_length(m, group[0].batch_size, steps=steps, epochs=epochs, drop_last=drop_last)
                   for group in groups]
        results = _train_in_two_processes(problem, runs, groups, plan, progress, hooks, planned, **options)
        return Runs(runs, results, problem)
    runs_done = 0
    for c, group in enumerate(groups):
        indices, every, shared = plan(group)  # each group's batches when it starts (a long plan takes seconds)
        members = [run for cohort in group for run in cohort.runs]
        hooks.report_progress_to(None if progress is None else _reporter(progress, c, len(groups), len(members),
                                                                         len(indices), runs_done, len(runs),
                                                                         len(group)))
        done = _train_group(problem, group, indices, every, shared, hooks, **options)
        results.extend(done)
        runs_done += len(members)
        if any(result.interrupted for result in done):
            break
    return Runs(runs, results, problem)


def _check_records(eval_every: Any, target: Any, stop_at_target: Any, **switches: Any) -> None:
    """The options a run's records depend on, refused before any work when they make no sense; ``switches``
    (``record_path=...``) are True or False (``record_path="no"`` recorded the paths)."""
    for name, value in {"stop_at_target": stop_at_target, **switches}.items():
        if not isinstance(value, bool) and not (name == "record_path" and value is None):  # None: where drawn
            raise ValueError(f"{name}={value!r} must be True or False" + (" (or None)" if name == "record_path"
                                                                           else ""))
    if eval_every is not None and (isinstance(eval_every, bool) or not isinstance(eval_every, numbers.Integral)
                                   or eval_every < 0):
        raise ValueError(f"eval_every={eval_every!r} must be a whole number of steps >= 1 (0: no evaluations; "
                         "None: about 20 per run)")
    if target is not None and (isinstance(target, bool) or not isinstance(target, numbers.Real)
                               or not math.isfinite(target)):
        raise ValueError(f"target={target!r} must be a finite number (the training loss to reach) or None")
    if stop_at_target and target is None:
        raise ValueError("stop_at_target=True needs target=... (the training loss at which a run stops)")


def _check_groups(groups: Sequence[Sequence[Cohort]], m: int, *, steps: int | None, epochs: int | None,
                  drop_last: bool) -> None:
    """What a group's batches and schedules would refuse when it starts, checked for every group before the first
    trains: a batch size larger than the training set, a schedule giving no number or a negative one (the
    batches themselves are planned when each group starts, :func:`_prepare_group`)."""
    from .data.batches import check_sizes, plan_length

    for group in groups:
        batch_size = group[0].batch_size
        # a schedule of batch sizes (hybrid) at every epoch the budget reaches
        check_sizes(m, batch_size, steps=steps, epochs=epochs, drop_last=drop_last)
        length = plan_length(m, batch_size, steps=steps, epochs=epochs, drop_last=drop_last)
        for cohort in group:
            _schedule_factors(cohort, length)


def _prepare_group(group: Sequence[Cohort], *, m: int, steps: int | None, epochs: int | None, drop_last: bool,
                   eval_every: int | None) -> tuple[Any, int, Any]:
    """A group's batches: the step's sample indices, the evaluations' cadence, and a plan (for the epochs)."""
    from . import data as data_module

    members = [run for cohort in group for run in cohort.runs]
    first = group[0]
    plans = {}
    for run in members:
        if run.seed not in plans:
            plans[run.seed] = data_module.batches(m, batch_size=first.batch_size, seed=run.seed, steps=steps,
                                                  epochs=epochs, drop_last=drop_last)
    shared = next(iter(plans.values()))
    if all(shared.same_batches(plan) for plan in plans.values()):  # one plan (a full batch: every seed's)
        indices = shared.indices
    else:
        indices = data_module.stack_plans(plans, [run.seed for run in members]).indices
    every = eval_every if eval_every is not None else max(1, len(indices) // 20)
    return indices, every, shared


def _small(groups: Sequence[Sequence[Cohort]], m: int, per_run: int) -> bool:
    """Whether every group's steps stay on one thread whatever its batches (:func:`shared_out` at the largest
    batch there can be, the whole training set; ``per_run``: the numbers in a run's parameters), so that its
    records do not depend on the process that trains it. A random search has its own loop: never small."""
    for group in groups:
        update = sum(len(cohort.runs) for cohort in group) * per_run
        if group[0].optimizer == RANDOM_SEARCH or shared_out(update * m, update):
            return False
    return True


def _train_group(problem: Problem, group: Sequence[Cohort], indices: Any, every: int, shared: Any, hooks: _Hooks,
                 **options: Any) -> list[CohortResult]:
    """One group's training (:func:`train_cohort`, or a random search's own loop), its results' epochs filled in."""
    first = group[0]
    members = [run for cohort in group for run in cohort.runs]
    with _seeded_generator((run.seed for run in members), draws=_draws_random(problem.model)):
        if first.optimizer == RANDOM_SEARCH:  # gradient-free: the algorithm's own loop, the same records
            done = [random_search.train_cohort(problem, first, len(indices), eval_every=every,
                                               target=options["target"], stop_at_target=options["stop_at_target"],
                                               dtype=options["dtype"], hooks=hooks)]
        else:
            update = len(members) * _parameter_count(problem.model, options["dtype"])
            with cohort_threads(update * _widest_batch(indices), update, len(members)) as threads:
                done = train_cohort(problem, group, indices, eval_every=every, hooks=hooks, threads=threads,
                                    **options)
    for result in done:
        result.epochs = _epochs_done(shared, len(result.train_loss))
    return done


def _draws_random(model: Any) -> bool:
    """Whether a model may draw from torch's global generator while it trains
    (:func:`descend.models.module.draws_random`)."""
    from .models.module import draws_random

    return draws_random(model)


@contextlib.contextmanager
def _seeded_generator(seeds: Iterable[int], *, draws: bool = True) -> Iterator[None]:
    """torch's global generator seeded from a group's run seeds while it trains, then as it was: what a model draws
    during training (a module's dropout, :class:`descend.models.ModuleModel`) is the same in every call, in either
    process of a comparison, and the caller's own draws are left as they were. descend itself draws nothing from
    it (each batch order and initialisation has a generator of its own). The generator is the process's: a
    model that ``draws`` holds it for its group's training, so that two such fits in two threads give the numbers
    of one after the other (their draws interleaved otherwise); the others train side by side and leave it alone
    (seeding it and putting it back as it was, without holding it, took back what other threads drew meanwhile
    and reseeded a dropout fit in another thread in the middle of its steps)."""
    from .models.module import global_generator

    if not draws:
        yield
        return
    mixed = 0
    for seed in seeds:
        mixed = (mixed * 1_000_003 + int(seed) + 1) % (1 << 63)
    with global_generator(mixed):
        yield


def _train_in_two_processes(problem: Problem, runs: list[Run], groups: list[list[Cohort]],
                            plan: Callable[[Sequence[Cohort]], tuple[Any, int, Any]],
                            progress: Callable[[Mapping[str, Any]], Any] | None, hooks: _Hooks,
                            planned: list[int], **options: Any) -> list[CohortResult]:
    """:func:`train`'s groups shared out between this process and a forked child (:mod:`descend._forked`),
    each group's results the same as in one process (a small group runs on one thread and shares nothing).

    The groups go to the two processes by their cost (``planned`` steps × cohorts, the longest first); each
    process plans a group's batches when it starts it. This process passes on the child's progress between its
    own steps: every step of its own groups, the last step of the child's. Ctrl-C stops both after their
    current step; the results then cover the groups that finished and the steps done of those cut short. A
    child that fails, dies or hangs leaves its groups to this process, which trains them."""
    from . import _forked

    cost = [steps * len(group) for group, steps in zip(groups, planned)]
    mine: list[int] = []
    theirs: list[int] = []
    for c in sorted(range(len(groups)), key=lambda c: -cost[c]):
        (mine if sum(cost[i] for i in mine) <= sum(cost[i] for i in theirs) else theirs).append(c)
    mine.sort()
    theirs.sort()
    sizes = [sum(len(cohort.runs) for cohort in group) for group in groups]
    finished = [0]  # runs of the groups done so far, in either process

    def train_these(which: list[int], on_step: Callable[[int, int, int], None]
                    ) -> tuple[dict[int, list[Any]], bool]:
        """Train the groups ``which`` one after the other: their results, and whether training was interrupted."""
        done: dict[int, list[Any]] = {}
        try:
            for c in which:
                indices, every, shared = plan(groups[c])
                hooks.report_progress_to(lambda t, c=c, n=len(indices): on_step(c, t, n))
                done[c] = _train_group(problem, groups[c], indices, every, shared, hooks, **options)
                if any(result.interrupted for result in done[c]):
                    return done, True
        except KeyboardInterrupt:  # between two groups
            return done, True
        return done, False

    def tell(c: int, t: int, steps: int) -> None:
        """A step of group ``c`` as :func:`train`'s progress event (runs_done counts the groups finished)."""
        if t + 1 == steps:
            finished[0] += sizes[c]
        if progress is not None:
            progress({"cohort": c + 1, "cohorts": len(groups), "step": t + 1, "steps": steps, "runs": sizes[c],
                      "runs_done": finished[0], "runs_total": len(runs), "members": len(groups[c])})

    def in_child(send: Callable[[Any], None]) -> tuple[dict[int, list[Any]], bool]:
        # word every tenth step (the parent's sign of life) and at each group's last (its progress event)
        done, interrupted = train_these(
            theirs, lambda c, t, steps: send((c, t, steps)) if t % 10 == 9 or t + 1 == steps else None)
        # the cohorts stay here (a schedule may be a function that cannot be pickled): only the records travel
        return {c: [dataclasses.replace(r, cohort=None) for r in results] for c, results in done.items()}, \
            interrupted

    try:
        child = _forked.Child(in_child)
    except OSError:  # no process to fork (a limit of processes, no memory for one): every group here, in turn
        part, _ = train_these(sorted(mine + theirs), tell)
        return [result for c in sorted(part) for result in part[c]]

    def forward(message: tuple[int, int, int]) -> None:  # the child's groups count when they finish
        c, t, steps = message
        if t + 1 == steps:
            tell(c, t, steps)

    def own_step(c: int, t: int, steps: int) -> None:
        child.poll(forward)
        tell(c, t, steps)

    try:
        done, interrupted = ({}, True) if child.release() else train_these(mine, own_step)
    except BaseException:
        child.interrupt()
        child.result(lambda _: None)
        raise
    if interrupted:
        child.interrupt()
    ok, answer = child.result(forward)
    if ok:
        for c, results in answer[0].items():
            done[c] = [dataclasses.replace(r, cohort=cohort) for r, cohort in zip(results, groups[c])]
    elif not interrupted:  # the child failed, died or hung: its groups here, one after the other
        part, _ = train_these(theirs, tell)
        done.update(part)
    return [result for c in sorted(done) for result in done[c]]


@autograd_on
def sweep(problem: Problem, *, steps: int | None = None, epochs: int | None = None, optimizer: Any = "adam",
          lr: Any = None, batch_size: Any = None, seed: Any = 0, start: Any = None,
          schedules: Mapping[str, Callable[[int], Any]] | None = None, clip_norm: float | None = None,
          clip_value: float | None = None, lrs: Mapping[str, float] | None = None, **kwargs: Any) -> Runs:
    """:func:`train` on the grid of every combination of the arguments given as lists (:func:`descend.spec.grid`).

    Keywords that are not :func:`train`'s are hyperparameters of the grid (``beta1=[0.8, 0.9]``).
    """
    options = {k: kwargs.pop(k) for k in list(kwargs) if k in TRAIN_OPTIONS}
    specs = grid(optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed, start=start, model=problem.model,
                 schedules=schedules, clip_norm=clip_norm, clip_value=clip_value, lrs=lrs, **kwargs)
    return train(problem, specs, steps=steps, epochs=epochs, **options)


#: The keywords of :func:`train` besides the problem, the runs and the budget (the rest of a sweep's are its grid).
TRAIN_OPTIONS = ("drop_last", "eval_every", "target", "stop_at_target", "record_path", "record_grad_norms", "dtype",
                 "compile", "progress", "monitor", "stop", "processes")


def _reporter(progress: Callable[[Mapping[str, Any]], Any], c: int, cohorts: int, k: int, steps: int, before: int,
              total: int, members: int = 1) -> Callable[[int], None]:
    """The per-step callback of one group, turning its step into fit's progress event."""

    def report(t: int) -> None:
        progress({"cohort": c + 1, "cohorts": cohorts, "step": t + 1, "steps": steps, "runs": k,
                  "runs_done": before + (k if t + 1 == steps else 0), "runs_total": total, "members": members})

    return report


def _epochs_done(plan: Any, steps: int) -> Tensor:
    """``[steps + 1]`` epochs completed before each step and after the last one (fractions within an epoch: of
    the samples the epoch visits, all m unless it drops its last partial batch, so that a completed epoch counts
    one whatever ``drop_last``)."""
    epochs, ends = plan.epochs[:steps], (plan.starts[:steps] + plan.sizes[:steps]).double()
    if plan.visits is not None:  # the samples each epoch visits, whether or not the plan takes it to its end
        visits = plan.visits.double()
    else:  # a plan built by hand: m, or what an epoch that ends within the plan took
        last = plan.last_in_epoch[:steps]
        visits = torch.full((int(epochs.max()) + 1 if steps else 1,), float(plan.m), dtype=torch.float64)
        visits[epochs[last]] = ends[last]
    done = epochs.double() + ends / visits[epochs]
    return torch.cat([torch.zeros(1, dtype=torch.float64), done])


def _whole_splits(rows: Any, splits: Sequence[Tensor]) -> bool:
    """Whether the array ``rows`` holds the rows of one or more of ``splits`` as a whole (in any order), to the bit
    in their dtype: a copy, in float64, the splits made again. Never the rows of a data set before its split
    standardised them, which equal a standardised split's as a whole only where standardising changed nothing (and
    scaling them again changes nothing either); a row alone might (a raw row of zeros, a standardised row at the
    training mean)."""
    import itertools

    import numpy as np

    known = [(s.float() if s.dtype == torch.bfloat16 else s).numpy() for s in splits if len(s)]
    if rows.dtype.kind != "f" or not rows.size or not known or any(k.shape[1:] != rows.shape[1:] for k in known):
        return False
    cast = rows.astype(known[0].dtype)
    if not np.array_equal(cast.astype(rows.dtype), rows):  # values the splits' dtype does not hold: not theirs
        return False

    def whole(a: Any) -> Any:  # each row as one value, compared by its bytes, sorted
        flat = np.ascontiguousarray(a.reshape(len(a), -1))
        return np.sort(flat.view(np.dtype((np.void, flat.shape[1] * flat.itemsize))).ravel())

    given = None
    for n in range(1, len(known) + 1):
        for chosen in itertools.combinations(known, n):
            if sum(len(k) for k in chosen) == len(rows):
                given = whole(cast) if given is None else given
                if np.array_equal(given, whole(np.concatenate(chosen))):
                    return True
    return False


@dataclass(eq=False)  # results hold tensors: == is identity (a field-wise == would compare tensors)
class Runs:
    """The result of :func:`train` (and :func:`descend.fit`).

    - ``summary``: a pandas DataFrame, one row per run: its configuration (the optimizer, every hyperparameter in
      effect — ``lr`` included —, batch size, seed, and ``start`` when given), final and best training loss (on the
      whole training set), final validation/test loss and accuracy (and ``final_<split>_loss_original``, in the
      target's units, when the problem's regression target was standardised), ``steps_done`` (fewer than planned
      after Ctrl-C or a stop, 0 for a run whose group never started; where a run was pruned, diverged or left the
      model's domain, the step it stopped at: the steps it took), steps to target, the run's ``status`` and
      ``status_at`` (:mod:`descend.outcomes`: ok, diverged, left-domain, pruned, interrupted), ``diverged`` and
      ``diverged_at``, the ``distance`` to the problem's known answer (where there is one), wall time
      ``seconds`` (the cohort's time shared among its runs; with ``compile=True`` the compile time is apart, in
      ``compile_seconds``).
    - ``curves``: a long DataFrame (run, step, epoch, split, metric, value; epoch = epochs completed before
      that step, fractional within an epoch): the batch loss at every step (split ``"batch"``; NaN for a
      batch with no valid sample), the train/validation/test loss and accuracy every ``eval_every`` steps,
      and the gradient norm of every parameter tensor (metric ``"grad_norm:<name>"``).
    - ``params``: run index → {parameter name: final tensor}; ``paths``: run index → ``[T + 1, n]`` array of
      the parameters before each step and at the end (models with ≤ 3 parameters, or ``record_path=True``).
    - :meth:`to_torch`: one run's model as a ``torch.nn`` module with its final parameters.
    """

    runs: list[Run]
    results: list[CohortResult]
    problem: Problem

    def __repr__(self) -> str:
        """One line (the dataclass's repr printed the problem's data and every tensor: 11,000 characters)."""
        summary = self.summary
        optimizers = list(dict.fromkeys(summary["optimizer"])) if "optimizer" in summary else []
        steps = max((len(result.train_loss) for result in self.results), default=0)
        counted = summary["status"].value_counts(sort=False) if "status" in summary else {}
        statuses = ", ".join(f"{n} {s}" for s, n in counted.items())
        name = getattr(self.problem, "name", None)
        return (f"<Runs: {len(self.runs)} run{'s' * (len(self.runs) != 1)} of {', '.join(optimizers) or 'nothing'}"
                f"{f' on {name}' if name else ''}, {steps} steps{'; ' + statuses if statuses else ''}"
                f"{'; interrupted' if self.interrupted else ''}>")

    @property
    def names(self) -> tuple[str, ...]:
        return self.problem.names

    def _located(self) -> list[tuple[Run, CohortResult, int]]:
        located = []
        for result in self.results:
            for j, run in enumerate(result.cohort.runs):
                located.append((run, result, j))
        return sorted(located, key=lambda item: item[0].index)

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C or a stop ended training: the results cover what finished (``summary["steps_done"]``),
        and a run whose group never started has none."""
        trained = sum(len(result.cohort.runs) for result in self.results)
        return any(result.interrupted for result in self.results) or trained < len(self.runs)

    @property
    def params(self) -> dict[int, dict[str, Tensor]]:
        """Each run's final parameters by name: copies, so that changing them (``add_``) changes nothing here (the
        summary's distance to the answer, a later read)."""
        return {run.index: {n: p[j].clone() for n, p in zip(self.names, res.params)}
                for run, res, j in self._located()}

    @property
    def paths(self) -> dict[int, np.ndarray]:
        """Each recorded run's parameters after every step, ``[steps + 1, n]`` arrays: copies, as :attr:`params`."""
        return {run.index: res.path[:, j].numpy().copy() for run, res, j in self._located() if res.path is not None}

    @property
    def summary(self) -> pd.DataFrame:
        """The summary table (built once, a copy each time: changing it changes nothing here)."""
        built = self.__dict__.get("_summary")
        if built is None:
            built = self.__dict__["_summary"] = self._summary()
        return built.copy()

    def _summary(self) -> Any:
        import pandas as pd

        rows = []
        compiled = any(res.compile_seconds for res in self.results)
        known = self.problem.known
        for run, res, j in self._located():
            row: dict[str, Any] = {"run": run.index, "optimizer": run.optimizer,
                                   "batch_size": plain_batch_size(run.batch_size), "seed": run.seed}
            row.update({k: v for k, v in run.hyper.items()})
            if any(r.start is not None for r in self.runs):
                row["start"] = run.start
            if any(r.spec.schedules for r in self.runs):  # runs differing only by their schedules told apart
                row["schedules"] = _schedules_text(run.spec) or "none"
            for clip in ("clip_norm", "clip_value"):  # where some run clips: each run's threshold (None: none)
                if any(getattr(other.cohort, clip) is not None for other in self.results):
                    row[clip] = getattr(res.cohort, clip)
            status, at = STATUS_CODES[int(res.status[j])], int(res.status_at[j])
            for (split, metric), values in res.evals.items():
                column = values[:, j]
                row[f"final_{split}_{metric}"] = column[-1].item()
                if split == "train" and metric == "loss":  # the evaluations', and every whole batch's loss,
                    # which is the training loss (as "steps to target" reads it): a full batch's best between two
                    # evaluations was missed, and a run at its target could show a best above it
                    if bool(_ended_by_its_loss(res.status[j:j + 1], res.status_at[j:j + 1],
                                               res.train_loss[:, j:j + 1])):  # the evaluations before the step
                        # whose loss ended it (the one there, past the bound, made the best depend on how often the
                        # runs were evaluated)
                        column = column[: sum(1 for e in res.eval_steps if e < at)]
                    if res.whole_batches is not None and bool(res.whole_batches.any()):
                        # not the loss that ended a run (past the bound, or outside the model's domain): on a cost
                        # unbounded below a diverged run's would be the lowest of all
                        ended = at if status in (outcomes.DIVERGED, outcomes.LEFT_DOMAIN) and at >= 0 else None
                        whole = res.whole_batches[:ended]
                        at_whole = res.train_loss[: len(whole), j][whole]
                        column = torch.cat([column, at_whole.to(column.dtype)])
                    finite = column[torch.isfinite(column)]
                    row["best_train_loss"] = finite.min().item() if len(finite) else math.nan
            for split, values in res.evals_original.items():
                row[f"final_{split}_loss_original"] = values[-1, j].item()
            reached = res.stopped_at_target and res.target_at[j] >= 0
            # a run stopped (pruned, diverged, left the domain) took the steps before the one it stopped at
            row["steps_done"] = at if status in (outcomes.PRUNED, outcomes.DIVERGED, outcomes.LEFT_DOMAIN) else (
                int(res.target_at[j]) if reached else int(res.train_loss.shape[0]))
            row["steps_to_target"] = int(res.target_at[j]) if res.target_at[j] >= 0 else None
            row["status"] = status
            row["status_at"] = at if at >= 0 else None
            row["diverged"] = status == outcomes.DIVERGED
            row["diverged_at"] = at if status == outcomes.DIVERGED else None
            if known is not None:
                row["distance"] = known.distance({n: p[j] for n, p in zip(self.names, res.params)})
            row["seconds"] = res.seconds / len(res.cohort.runs)
            if compiled:
                row["compile_seconds"] = res.compile_seconds / len(res.cohort.runs)
            rows.append(row)
        trained = {row["run"] for row in rows}
        for run in self.runs:  # a stop before its group: in the table, with no step taken and no metric
            if run.index not in trained:
                row = {"run": run.index, "optimizer": run.optimizer, "batch_size": plain_batch_size(run.batch_size),
                       "seed": run.seed, **run.hyper}
                if any(r.start is not None for r in self.runs):
                    row["start"] = run.start
                if any(r.spec.schedules for r in self.runs):
                    row["schedules"] = _schedules_text(run.spec) or "none"
                row.update(steps_done=0, steps_to_target=None, status=outcomes.INTERRUPTED, status_at=0,
                           diverged=False, diverged_at=None, seconds=0.0)
                rows.append(row)
        frame = pd.DataFrame(rows)
        if frame["batch_size"].isna().any():  # None (the full batch) beside numbers: kept as given, not 8.0 and NaN
            frame["batch_size"] = pd.Series([row["batch_size"] for row in rows], dtype=object, index=frame.index)
        return frame.set_index("run").sort_index()

    def _curves_of(self, res: CohortResult, j: int) -> Iterator[tuple[str, str, Any, Any, Any]]:
        """Row ``j`` of a cohort's records as curves ``(split, metric, step, epoch, value)``: the batch loss at
        every step, each evaluated split and metric, each parameter tensor's gradient norm."""
        steps = torch.arange(res.train_loss.shape[0])
        epochs = res.epochs if res.epochs is not None else torch.arange(len(steps) + 1, dtype=torch.float64)
        yield "batch", "loss", steps.numpy(), epochs[steps].numpy(), res.train_loss[:, j].numpy()
        at = torch.tensor(res.eval_steps, dtype=torch.long).clamp(max=len(epochs) - 1)
        for (split, metric), values in res.evals.items():
            yield split, metric, res.eval_steps, epochs[at].numpy(), values[:, j].numpy()
        if res.grad_norms is not None:
            for i, name in enumerate(self.names):
                yield ("train", f"grad_norm:{name}", steps.numpy(), epochs[steps].numpy(),
                       res.grad_norms[:, j, i].numpy())

    def curve(self, run: int, metric: str = "loss", split: str = "train") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One run's curve as arrays ``(step, epoch, value)`` of its own (changing them changes nothing here): the
        rows of :attr:`curves` for that run, split and metric (``split="batch"`` for the loss of every step's
        batch; ``metric="grad_norm:<name>"`` for a parameter tensor's gradient norm at every step), without
        building the whole table.

        Example:
            >>> import descend
            >>> runs = descend.fit(task="himmelblau", optimizer="adam", steps=20, eval_every=5)
            >>> step, epoch, value = runs.curve(0, "loss", "train")
            >>> step.tolist()
            [0, 5, 10, 15, 20]
        """
        curves = self._curves_of_run(run)
        if (split, metric) not in curves:
            raise KeyError(f"no {split}/{metric} curve (recorded: {', '.join(f'{s}/{m}' for s, m in curves)})")
        step, epoch, value = curves[split, metric]
        # copies: the arrays are views of the records, which a caller's "value /= value[0]" would change
        return torch.tensor(step, dtype=torch.long).numpy(), epoch.copy(), value.copy()

    def _curves_of_run(self, run: int) -> dict[tuple[str, str], tuple[Any, Any, Any]]:
        """Every curve of one run by (split, metric), gathered at its first :meth:`curve` (a widget reads a dozen)."""
        cache = self.__dict__.setdefault("_run_curves", {})
        if isinstance(run, bool) or not isinstance(run, numbers.Integral):
            self._locate(run, "curves")  # says what a run is
        run = int(run)
        if run not in cache:
            res, j = self._locate(run, "curves")
            cache[run] = {(split, metric): (step, epoch, value)
                          for split, metric, step, epoch, value in self._curves_of(res, j)}
        return cache[run]

    def _locate(self, run: object, what: str) -> tuple[CohortResult, int]:
        """The cohort's result that holds ``run`` and its row there; a KeyError that says why where there is none
        (``what`` the run has not: "curves", "parameters")."""
        if isinstance(run, bool) or not isinstance(run, numbers.Integral):  # "0" said there was no run 0
            raise KeyError(f"run={run!r}: a run is its index, a whole number 0..{len(self.runs) - 1} (the summary's "
                           "index)")
        for r, res, j in self._located():
            if r.index == run:
                return res, j
        if any(r.index == run for r in self.runs):
            raise KeyError(f"run {run} has no {what}: training stopped before it started (its status in the summary "
                           "is 'interrupted', steps_done 0)")
        raise KeyError(f"no run {run} (runs 0..{len(self.runs) - 1})")

    def to_torch(self, run: int, *, logits: bool = False) -> Any:
        """The ``torch.nn`` twin of one run's model (:class:`~descend.models.Linear`, :class:`~descend.models.MLP`,
        :class:`~descend.models.ModuleModel`) holding that run's final parameters, by its index in the summary
        (:func:`descend.models.to_torch` takes a cohort's ``[K, ...]`` parameters and a row of that cohort,
        which is not the run's index where runs train in several cohorts). ``logits=True`` leaves out the
        output's activation (sigmoid, softmax), as :func:`descend.models.to_torch`. The module maps what the run
        trained on to what it predicted: standardised features (a task's ``standardize``, fit's
        ``standardize=True``: new rows ``x`` as ``(x - runs.problem.feature_mean) / runs.problem.feature_std``, the
        training split's) and, for a standardised regression target, standardised predictions, whose units are
        ``ŷ·σ + μ`` with the problem's ``target_std`` σ and ``target_mean`` μ.

        Example:
            >>> import descend, torch
            >>> runs = descend.fit(task="iris", optimizer=["sgd", "adam"], lr=[0.01, 0.1], steps=20)
            >>> net = runs.to_torch(3)  # adam at lr 0.1
            >>> net(torch.zeros(1, 4)).shape
            torch.Size([1, 3])
        """
        from .models import to_torch

        res, j = self._locate(run, "parameters")
        return to_torch(self.problem.model, res.params, j, logits=logits)

    def predictor(self, run: int) -> Any:
        """One run's trained model with what turns new rows into its predictions (a
        :class:`descend.predictor.Predictor`), by its index in the summary: its final parameters, how a table's
        rows became the features, the training split's moments that scaled them, what the outputs stand for.
        ``.save(path)`` writes it to a file that ``descend.Predictor.load(path)`` and ``descend predict`` read."""
        res, j = self._locate(run, "parameters")
        try:
            return self._predictor(run, res, j, self.summary.loc[run].to_dict())
        except ValueError as e:
            raise ValueError(f"run {run}: {e}") from None

    def predictors(self) -> dict[int, Any]:
        """Every run's :meth:`predictor` that has one (its parameters, a model of rows), by its index in the summary,
        the summary read once (a comparison keeps each optimizer's representative run's)."""
        rows = self.summary.to_dict("index")
        out = {}
        for run, res, j in self._located():
            try:
                out[run.index] = self._predictor(run.index, res, j, rows[run.index])
            except ValueError:  # a landscape's cost: no rows to predict
                return {}
        return out

    def _predictor(self, run: int, res: Any, j: int, row: Mapping[str, Any]) -> Any:
        """Run ``run``'s predictor: row ``j`` of its cohort's result ``res``, ``row`` its summary's row."""
        from .predictor import of_run

        about = {"run": run, **{k: v for k, v in row.items() if not k.startswith(("final_", "best_", "seconds"))
                                and not (isinstance(v, float) and math.isnan(v))},  # (another's setting)
                 "problem": self.problem.name}
        return of_run(self.problem, res.params, j, about)

    def predict(self, run: int, rows: Any) -> Any:
        """What one run's model (its final parameters, by its index in the summary) predicts for new rows, in the
        data's own terms: a NumPy array of ``n`` predictions (``[n, out]`` for several outputs);
        ``runs.predictor(run).predict(rows)`` (:meth:`predictor`).

        ``rows``: a pandas DataFrame with the table's columns, for data read from a table (a CSV task,
        :func:`descend.data.from_csv`, :func:`descend.data.from_frame`), encoded as its rows were
        (:func:`descend.data.features_of`: numbers as they are, a categorical column one-hot over the values it
        held); or the features themselves, ``[n, D]`` (a tensor or array), as the data gave them. Either way the
        features are then standardised as the training ones were, with the training split's own float64 moments
        (``runs.problem.feature_moments``): the training rows given back are the training features to the bit. The
        features of the runs' own splits (``task.data.test.x``, a view of it, a whole split's rows copied or in
        float64, the splits put together), standardised already, are told and used as they are; other standardised
        features (some rows copied from a split) are given to ``runs.predictor(run).predict(x, scaled=True)``.

        A regression's predictions are in the target's units (``ŷ·σ + μ`` for a standardised target); a
        classification's are the classes as the data names them (``runs.problem.classes``: ``'setosa'``,
        ``'pass'``), decided as the accuracy decides them (the largest score, or the output above the decision
        boundary). A run that diverged predicts from its last parameters (numbers far off, NaN, or any class).

        Example:
            >>> import descend, torch
            >>> runs = descend.fit(task="iris", optimizer="adam", lr=0.1, steps=50)
            >>> runs.predict(0, torch.tensor([[5.1, 3.5, 1.4, 0.2]])).tolist()  # sepal and petal lengths, widths
            ['setosa']
        """
        return self.predictor(run).predict(rows, scaled=self._of_splits(rows))

    def _of_splits(self, rows: Any) -> bool:
        """Whether ``rows`` are features of the runs' own splits as they trained on them, standardised already where
        the features were: a view of a split's ``x``, an array sharing its memory, or the rows of whole splits to
        the bit (``x.double()``, a copy, the task's splits made again by ``descend.tasks.get``, the splits put
        together: :func:`_whole_splits`). Scaled again, iris' training split given as ``task.data.train.x`` was
        predicted 53 % right by a run 100 % right on it."""
        import numpy as np

        if self.problem.feature_moments is None:
            return False
        splits = list({id(x): x.detach().cpu() for x in (self.problem.train[0],
                                                          *(x for x, _ in self.problem.evals.values()))}.values())
        if isinstance(rows, torch.Tensor):
            if rows.layout != torch.strided:
                return False
            if any(rows.untyped_storage().data_ptr() == x.untyped_storage().data_ptr() for x in splits):
                return True
            rows = rows.detach().cpu()
            rows = rows.float().numpy() if rows.dtype == torch.bfloat16 else rows.numpy()
        elif isinstance(rows, np.ndarray):
            if any(x.dtype != torch.bfloat16 and np.shares_memory(rows, x.numpy()) for x in splits):
                return True
        else:
            return False
        return _whole_splits(rows, splits)

    @property
    def curves(self) -> pd.DataFrame:
        """Every run's curves as one long table: run, step, epoch, split, metric, value (built from the
        records' arrays at once: a comparison of 120 runs has 2,000 curves)."""
        import numpy as np
        import pandas as pd

        runs, steps, epochs, values, names, counts = [], [], [], [], [], []
        for run, res, j in self._located():
            for split, metric, step, epoch, value in self._curves_of(res, j):
                n = len(value)
                runs.append(np.full(n, run.index, dtype=np.int64))
                steps.append(np.asarray(step, dtype=np.int64))
                epochs.append(np.asarray(epoch, dtype=np.float64))
                values.append(np.asarray(value, dtype=np.float64))
                names.append((split, metric))
                counts.append(n)

        def joined(parts: list[Any], dtype: Any) -> Any:
            return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)

        split_of = np.array([split for split, _ in names], dtype=object)
        metric_of = np.array([metric for _, metric in names], dtype=object)
        return pd.DataFrame({"run": joined(runs, np.int64), "step": joined(steps, np.int64),
                             "epoch": joined(epochs, np.float64),
                             "split": pd.array(np.repeat(split_of, counts), dtype="str"),
                             "metric": pd.array(np.repeat(metric_of, counts), dtype="str"),
                             "value": joined(values, np.float64)})

