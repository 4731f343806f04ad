"""Schedules: plain functions of the step, for any hyperparameter.

A schedule is a pure callable ``f(t) -> value``, where ``t = 0, 1, 2, ...`` counts steps (or epochs: the
caller decides what ``t`` counts). Nothing is stored between calls, so ``f(t)`` may be asked for any ``t`` in
any order, plotted, or handed to several optimizers at once.

What ``f(t)`` is depends on who reads it: :class:`ScheduleHyperparameters` sets the hyperparameter *to* ``f(t)``,
while ``descend.fit``, ``descend.tune`` and a ``RunSpec`` *multiply* the hyperparameter given by ``f(t)`` (as
``--schedule`` multiplies ``--lr``), so there a schedule starts (or, warming up, peaks) at 1: ``lr=0.1`` with
``cosine(1.0, total_steps=50)`` anneals 0.1 to 0, where ``cosine(0.1, total_steps=50)`` would start at 0.01 (a
warning says so).

``f(t)`` is a Python float, or a float64 tensor ``[K]`` when any real-valued parameter is a tensor ``[K]``: a
*run axis*, K runs each with its own schedule parameters. Step counts (``step_size``, ``milestones``,
``total_steps``, ``period``, ``period_mult``, ``warmup_steps``) are Python ints shared by every run.
``t`` is a non-negative number or a 0-d tensor; fractional ``t`` (fractional epochs) is allowed.

Each schedule is a small frozen dataclass whose repr is the call that rebuilds it, so schedules print
readably, pickle, and can be logged next to results. A learning rate of 0.1 warmed up and annealed, as the
value itself (for :class:`ScheduleHyperparameters`) and as a multiplier of ``lr=0.1`` (for ``descend.fit``)::

    >>> from descend.schedules import cosine, warmup
    >>> f = warmup(cosine(0.1, total_steps=100), warmup_steps=5)
    >>> f
    warmup(schedule=cosine(value=0.1, total_steps=100, min_value=0.0), warmup_steps=5, start_factor=0.0)
    >>> [round(f(t), 4) for t in (0, 1, 5, 55, 105)]
    [0.0, 0.02, 0.1, 0.05, 0.0]
    >>> factor = warmup(cosine(1.0, total_steps=100), warmup_steps=5)  # descend.fit(lr=0.1, schedules={"lr": factor})
    >>> [round(0.1 * factor(t), 4) for t in (0, 1, 5, 55, 105)]
    [0.0, 0.02, 0.1, 0.05, 0.0]

Any hyperparameter of a torch.optim-compatible optimizer can follow a schedule with
:class:`ScheduleHyperparameters`; :data:`SCHEDULES` and :func:`get_schedule` build schedules by name.

Where torch differs: torch's ``lr_scheduler`` classes *multiply* each param group's initial learning rate
and update it recursively as the optimizer steps; here a schedule is a closed form, of the value itself for
:class:`ScheduleHyperparameters` (of a factor, as torch's, for ``descend.fit``).
The values agree with torch's (up to round-off accumulated by torch's recursive forms), except where a
schedule's docstring says otherwise.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from descend._checks import (
    NONNEGATIVE,
    POSITIVE,
    UNIT,
    Interval,
    check_choice,
    check_hyperparameter,
    check_names,
    close_matches,
    run_axis_length,
)
from descend.catalog import SCHEDULES as LISTED  # the descriptions `descend list` shows without torch

__all__ = [
    "Schedule",
    "constant",
    "step",
    "multistep",
    "exponential",
    "inverse_time",
    "polynomial",
    "cosine",
    "cosine_restarts",
    "warmup",
    "one_cycle",
    "ScheduleInfo",
    "SCHEDULES",
    "get_schedule",
    "ScheduleHyperparameters",
]

Value = float | torch.Tensor
Schedule = Callable[[Any], Value]
"""Anything called as ``f(t)`` that returns a float or a tensor ``[K]``."""


# ---------------------------------------------------------------------------------------------------------------
# Helpers: checking and normalising arguments, and the step t.
# ---------------------------------------------------------------------------------------------------------------


def _real(obj: object, name: str, allowed: Interval) -> None:
    """Check a real-valued parameter and store it as a float, or as a float64 tensor ``[K]`` (a copy)."""
    value = check_hyperparameter(name, getattr(obj, name), allowed)  # (a NumPy number as Python's)
    if isinstance(value, torch.Tensor):
        value = float(value) if value.ndim == 0 else value.detach().to(torch.float64, copy=True)
    else:
        value = float(value)
    object.__setattr__(obj, name, value)


def _count(obj: object, name: str, minimum: int) -> None:
    """Check a step count (or ``period_mult``, a whole multiplier): a whole number ``>= minimum`` (10.0, as the
    command line reads 1e1, is 10)."""
    value = getattr(obj, name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        what = "a whole number (the growth of each period)" if name == "period_mult" else "a whole number of steps"
        raise ValueError(f"{name}={value!r} must be {what}")
    if value < minimum:
        raise ValueError(f"{name}={value} is out of range; allowed: [{minimum}, inf)")
    object.__setattr__(obj, name, int(value))


def _same_runs(obj: object, *names: str) -> None:
    """Every ``[K]`` parameter must have the same K."""
    run_axis_length({name: getattr(obj, name) for name in names})


def _decayed(value: Value, gamma: Value, n: float | int) -> Value:
    """``value · gamma^n``. A power of Python numbers beyond the largest float is ∞, as the product of n factors
    (torch's schedulers multiply step by step) reaches, rather than Python's OverflowError: a run whose rate
    grows without bound diverges, a result rather than a crash; a value of 0 stays 0 (per run too)."""
    try:
        out = value * gamma**n
    except OverflowError:
        out = value * math.inf if not (isinstance(value, (int, float)) and value == 0) else 0.0
    if isinstance(out, torch.Tensor) and isinstance(value, torch.Tensor):  # per run: a value of 0 stays 0 where
        out = torch.where(value == 0, torch.zeros_like(out), out)  # γⁿ overflowed (0 · ∞ would be NaN)
    return out


def _step_number(t: object) -> float | int:
    """The step ``t`` as a Python number: a non-negative int or float, or a 0-d tensor holding one."""
    if isinstance(t, torch.Tensor):
        if t.ndim != 0:
            raise ValueError(f"t has shape {list(t.shape)}; the step t must be a number or a 0-d tensor")
        t = t.item()
    if isinstance(t, bool) or not isinstance(t, numbers.Real):
        raise ValueError(f"t={t!r} must be a number or a 0-d tensor, not {type(t).__name__}")
    if not (math.isfinite(t) and t >= 0):
        raise ValueError(f"t={t!r} is out of range; allowed: [0, inf)")
    return int(t) if isinstance(t, numbers.Integral) else float(t)


def _out(x: Value) -> Value:
    """A Python float, or the float64 tensor ``[K]`` when a parameter has a run axis."""
    return x if isinstance(x, torch.Tensor) else float(x)


def _cosine_between(start: Value, end: Value, fraction: float) -> Value:
    """Half a cosine from ``start`` (fraction 0) to ``end`` (fraction 1)."""
    return end + (start - end) * (1.0 + math.cos(math.pi * fraction)) / 2.0


def _linear_between(start: Value, end: Value, fraction: float) -> Value:
    """A straight line from ``start`` (fraction 0) to ``end`` (fraction 1)."""
    return (end - start) * fraction + start


# ---------------------------------------------------------------------------------------------------------------
# Schedules.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class constant:
    """A constant: ``f(t) = value``.

    torch: ``ConstantLR(factor=1)``; optax: ``constant_schedule``; Keras: a plain float.

    >>> constant(0.01)(1000)
    0.01
    """

    value: float | torch.Tensor

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)

    def __call__(self, t: object) -> Value:
        _step_number(t)
        return self.value.clone() if isinstance(self.value, torch.Tensor) else self.value


@dataclass(frozen=True, eq=False)
class step:
    """Step decay: ``f(t) = value · gamma^⌊t / step_size⌋``; multiply by gamma every ``step_size`` steps.

    torch: ``StepLR(step_size, gamma)``; optax: ``exponential_decay(..., transition_steps=step_size,
    staircase=True)``; Keras: ``ExponentialDecay(..., staircase=True)``.

    >>> f = step(0.1, step_size=30, gamma=0.1)
    >>> [f(t) for t in (0, 29, 30, 60)]
    [0.1, 0.1, 0.010000000000000002, 0.0010000000000000002]
    """

    value: float | torch.Tensor
    step_size: int
    gamma: float | torch.Tensor = 0.1

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _count(self, "step_size", 1)
        _real(self, "gamma", POSITIVE)
        _same_runs(self, "value", "gamma")

    def __call__(self, t: object) -> Value:
        n = int(_step_number(t) // self.step_size)
        return _out(_decayed(self.value, self.gamma, n))


@dataclass(frozen=True, eq=False)
class multistep:
    """Decay at given steps: ``f(t) = value · gamma^n(t)``, n(t) = how many milestones are ``<= t``.

    ``milestones`` must be strictly increasing step numbers.

    torch: ``MultiStepLR(milestones, gamma)``; optax: ``piecewise_constant_schedule`` with every scale = gamma;
    Keras: ``PiecewiseConstantDecay`` (which switches one step later: its boundaries are ``t > b``).

    >>> f = multistep(1.0, milestones=[10, 15], gamma=0.5)
    >>> [f(t) for t in (0, 9, 10, 14, 15, 100)]
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    value: float | torch.Tensor
    milestones: Sequence[int]
    gamma: float | torch.Tensor = 0.1

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        m = self.milestones
        if isinstance(m, (str, bytes, torch.Tensor)) or not isinstance(m, Sequence) or len(m) == 0:
            raise ValueError(f"milestones={m!r} must be a non-empty list of step numbers (ints)")
        m = [int(x) if isinstance(x, float) and x.is_integer() else x for x in m]  # 1e2, as _count reads it
        for i, x in enumerate(m):
            if isinstance(x, bool) or not isinstance(x, numbers.Integral) or x < 1:
                raise ValueError(f"milestones[{i}]={x!r} must be a whole number of steps; allowed: [1, inf)")
            if i > 0 and x <= m[i - 1]:
                raise ValueError(
                    f"milestones={list(m)!r} must be strictly increasing: milestones[{i}]={x} <= "
                    f"milestones[{i - 1}]={m[i - 1]}"
                )
        object.__setattr__(self, "milestones", tuple(int(x) for x in m))
        _real(self, "gamma", POSITIVE)
        _same_runs(self, "value", "gamma")

    def __call__(self, t: object) -> Value:
        n = bisect.bisect_right(self.milestones, _step_number(t))
        return _out(_decayed(self.value, self.gamma, n))


@dataclass(frozen=True, eq=False)
class exponential:
    """Exponential decay: ``f(t) = value · gamma^t``.

    torch: ``ExponentialLR(gamma)``; optax: ``exponential_decay(value, transition_steps=1, decay_rate=gamma)``;
    Keras: ``ExponentialDecay(value, decay_steps=1, decay_rate=gamma)``.

    >>> exponential(1.0, gamma=0.5)(3)
    0.125
    """

    value: float | torch.Tensor
    gamma: float | torch.Tensor

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _real(self, "gamma", POSITIVE)
        _same_runs(self, "value", "gamma")

    def __call__(self, t: object) -> Value:
        return _out(_decayed(self.value, self.gamma, _step_number(t)))


@dataclass(frozen=True, eq=False)
class inverse_time:
    """Inverse-time decay: ``f(t) = value / (1 + decay · t)``, t counting the steps: the decay the playground's
    landscape widget gives each optimizer (seed 003's "Learning Rate Decay" control, whose formula the seed does not
    print).

    Keras: ``InverseTimeDecay(value, decay_steps=1, decay_rate=decay)``; torch has no class for it
    (``LambdaLR(lambda t: 1 / (1 + decay * t))``).

    >>> inverse_time(0.2, decay=1.0)(3)
    0.05
    """

    value: float | torch.Tensor
    decay: float | torch.Tensor

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _real(self, "decay", NONNEGATIVE)
        _same_runs(self, "value", "decay")

    def __call__(self, t: object) -> Value:
        return _out(self.value / (1.0 + self.decay * _step_number(t)))


@dataclass(frozen=True, eq=False)
class polynomial:
    """Polynomial decay from ``value`` to ``end_value`` over ``total_steps``, then constant:
    ``f(t) = end_value + (value − end_value) · (1 − min(t, T) / T)^power`` with T = total_steps.

    torch: ``PolynomialLR(total_iters=T, power)`` when ``end_value=0``; optax:
    ``polynomial_schedule(value, end_value, power, transition_steps=T)``; Keras: ``PolynomialDecay(value, T,
    end_value, power)`` (without ``cycle``).

    >>> f = polynomial(1.0, total_steps=4, power=2.0)
    >>> [f(t) for t in (0, 1, 2, 4, 10)]
    [1.0, 0.5625, 0.25, 0.0, 0.0]
    """

    value: float | torch.Tensor
    total_steps: int
    power: float | torch.Tensor = 1.0
    end_value: float | torch.Tensor = 0.0

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _count(self, "total_steps", 1)
        _real(self, "power", POSITIVE)
        _real(self, "end_value", NONNEGATIVE)
        _same_runs(self, "value", "power", "end_value")

    def __call__(self, t: object) -> Value:
        remaining = 1.0 - min(_step_number(t), self.total_steps) / self.total_steps
        return _out(self.end_value + (self.value - self.end_value) * remaining**self.power)


@dataclass(frozen=True, eq=False)
class cosine:
    """Cosine annealing from ``value`` to ``min_value`` over ``total_steps``, then constant:
    ``f(t) = min_value + ½ (value − min_value) (1 + cos(π · min(t, T) / T))`` with T = total_steps.

    torch: ``CosineAnnealingLR(T_max=T, eta_min=min_value)`` for ``t <= T``. Warning: past T, torch's cosine
    keeps going and the rate climbs back up to ``value`` at 2T; here it stays at ``min_value`` (like optax
    ``cosine_decay_schedule(value, T, alpha=min_value / value)`` and Keras ``CosineDecay``). For restarts use
    :class:`cosine_restarts`.

    >>> f = cosine(1.0, total_steps=10, min_value=0.1)
    >>> [round(f(t), 6) for t in (0, 5, 10, 20)]
    [1.0, 0.55, 0.1, 0.1]
    """

    value: float | torch.Tensor
    total_steps: int
    min_value: float | torch.Tensor = 0.0

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _count(self, "total_steps", 1)
        _real(self, "min_value", NONNEGATIVE)
        _same_runs(self, "value", "min_value")

    def __call__(self, t: object) -> Value:
        fraction = min(_step_number(t), self.total_steps) / self.total_steps
        return _out(_cosine_between(self.value, self.min_value, fraction))


@dataclass(frozen=True, eq=False)
class cosine_restarts:
    """Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter 2017).

    Cycle i lasts ``T_i = period · period_mult^i`` steps; within it, at step ``t_cur = 0 .. T_i − 1``,
    ``f(t) = min_value + ½ (value − min_value) (1 + cos(π · t_cur / T_i))``, and ``f`` jumps back to ``value``
    at the start of the next cycle.

    torch: ``CosineAnnealingWarmRestarts(T_0=period, T_mult=period_mult, eta_min=min_value)``; optax:
    ``sgdr_schedule`` (with warm-up, constant periods); Keras: ``CosineDecayRestarts(value, period,
    t_mul=period_mult, m_mul=1, alpha=min_value / value)``.

    >>> f = cosine_restarts(1.0, period=2, period_mult=2)
    >>> [round(f(t), 4) for t in range(7)]
    [1.0, 0.5, 1.0, 0.8536, 0.5, 0.1464, 1.0]
    """

    value: float | torch.Tensor
    period: int
    period_mult: int = 1
    min_value: float | torch.Tensor = 0.0

    def __post_init__(self) -> None:
        _real(self, "value", NONNEGATIVE)
        _count(self, "period", 1)
        _count(self, "period_mult", 1)
        _real(self, "min_value", NONNEGATIVE)
        _same_runs(self, "value", "min_value")

    def __call__(self, t: object) -> Value:
        t_cur, t_i = _step_number(t), self.period
        if self.period_mult == 1:
            t_cur = t_cur % t_i
        else:
            while t_cur >= t_i:  # at most log_{period_mult}(t) cycles
                t_cur, t_i = t_cur - t_i, t_i * self.period_mult
        return _out(_cosine_between(self.value, self.min_value, t_cur / t_i))


@dataclass(frozen=True, eq=False)
class warmup:
    """A linear warm-up of ``warmup_steps`` = W steps, then ``schedule`` (started afresh at step W)::

        f(t) = schedule(0) · (start_factor + (1 − start_factor) · t / W)    for t < W
        f(t) = schedule(t − W)                                             for t >= W

    so f rises in a straight line from ``start_factor · schedule(0)`` towards ``schedule(0)``, reached at t = W,
    and the whole run lasts W steps longer than ``schedule``'s own horizon.

    torch: ``SequentialLR([LinearLR(start_factor, end_factor=1, total_iters=W), other], milestones=[W])``
    (torch needs ``start_factor > 0``; here 0 is allowed). optax: ``join_schedules([linear_schedule(...),
    schedule], [W])``; Keras ``CosineDecay(warmup_steps=...)`` warms up to its own target instead.

    >>> f = warmup(constant(1.0), warmup_steps=4, start_factor=0.2)
    >>> [f(t) for t in range(6)]
    [0.2, 0.4, 0.6000000000000001, 0.8, 1.0, 1.0]
    """

    schedule: Schedule
    warmup_steps: int
    start_factor: float | torch.Tensor = 0.0

    def __post_init__(self) -> None:
        if not callable(self.schedule):
            raise ValueError(f"schedule={self.schedule!r} must be a schedule: a callable f(t)")
        _count(self, "warmup_steps", 1)
        _real(self, "start_factor", UNIT)
        start = self.schedule(0)
        if isinstance(start, torch.Tensor) and start.ndim == 1:
            run_axis_length({"start_factor": self.start_factor, "schedule(0)": start})

    def __call__(self, t: object) -> Value:
        t = _step_number(t)
        if t >= self.warmup_steps:
            return self.schedule(t - self.warmup_steps)
        factor = self.start_factor + (1.0 - self.start_factor) * (t / self.warmup_steps)
        return _out(self.schedule(0) * factor)


@dataclass(frozen=True, eq=False)
class one_cycle:
    """The 1cycle policy (Smith & Topin 2018): warm up from ``max_value / div_factor`` to ``max_value``, then
    anneal to ``max_value / (div_factor · final_div_factor)``, over ``total_steps`` = T steps.

    With ``initial = max_value / div_factor`` and ``final = initial / final_div_factor``, the phases end at the
    steps (p = pct_start)::

        two phases:    initial → max_value until step pT − 1,  max_value → final until step T − 1
        three phases:  initial → max_value until step pT − 1,  max_value → initial until step 2pT − 2,
                       initial → final until step T − 1

    Within a phase from a (at step s) to b (at step e), with x = (t − s) / (e − s),
    ``anneal="cos"`` gives ``b + ½ (a − b)(1 + cos(π x))`` and ``anneal="linear"`` gives ``a + (b − a) x``.
    For ``t >= T − 1`` the value stays at ``final``.

    torch: ``OneCycleLR(max_lr=max_value, total_steps=T, pct_start, anneal_strategy=anneal, div_factor,
    final_div_factor, three_phase)`` learning rates for t = 0 .. T − 1 (torch refuses to step past T and does
    not stay at ``final``; its momentum cycling is a separate schedule here). optax's ``cosine_onecycle_schedule``
    and ``linear_onecycle_schedule`` are other schedules (the cosine one peaks a step later and ends at T; the
    linear one has three phases of its own, the second ending at 85 % of the steps).

    >>> f = one_cycle(1.0, total_steps=100, pct_start=0.25, div_factor=10.0, final_div_factor=100.0)
    >>> [round(f(t), 6) for t in (0, 24, 99, 500)]
    [0.1, 1.0, 0.001, 0.001]
    """

    max_value: float | torch.Tensor
    total_steps: int
    pct_start: float = 0.3
    div_factor: float | torch.Tensor = 25.0
    final_div_factor: float | torch.Tensor = 1e4
    anneal: str = "cos"
    three_phase: bool = False

    def __post_init__(self) -> None:
        _real(self, "max_value", NONNEGATIVE)
        _count(self, "total_steps", 2)
        if isinstance(self.pct_start, torch.Tensor):
            raise ValueError("pct_start must be a number shared by every run, not a tensor")
        _real(self, "pct_start", Interval(0.0, 1.0, closed_low=False, closed_high=False))
        _real(self, "div_factor", POSITIVE)
        _real(self, "final_div_factor", POSITIVE)
        check_choice("anneal", self.anneal, ("cos", "linear"))
        check_choice("three_phase", self.three_phase, (False, True))
        _same_runs(self, "max_value", "div_factor", "final_div_factor")
        warm = self.pct_start * self.total_steps
        if warm - 1 <= 0:
            # a value that passes: halfway between 1/T and the largest the phases allow (three: 2·p·T < T + 1)
            highest = (self.total_steps + 1) / (2 * self.total_steps) if self.three_phase else 1.0
            example = (1 / self.total_steps + highest) / 2
            raise ValueError(
                f"pct_start={self.pct_start:g} with total_steps={self.total_steps} (the run's steps) leaves the "
                f"warm-up phase pct_start·total_steps − 1 = {warm - 1:g} steps, and it must be longer than 0: give "
                f"pct_start above {1 / self.total_steps:.3g} (pct_start={example:.3g}), or more than "
                f"{1 / self.pct_start:.3g} steps"
            )
        if self.three_phase and 2 * warm - 2 >= self.total_steps - 1:
            raise ValueError(
                f"pct_start={self.pct_start:g} with total_steps={self.total_steps} and three_phase=True leaves no "
                "steps for the last phase; it needs 2·pct_start·total_steps < total_steps + 1"
            )

    def __call__(self, t: object) -> Value:
        t = min(_step_number(t), self.total_steps - 1)
        initial = self.max_value / self.div_factor
        final = initial / self.final_div_factor
        warm_end = float(self.pct_start * self.total_steps) - 1
        if self.three_phase:
            phases = [
                (warm_end, initial, self.max_value),
                (2 * warm_end, self.max_value, initial),
                (self.total_steps - 1, initial, final),
            ]
        else:
            phases = [(warm_end, initial, self.max_value), (self.total_steps - 1, self.max_value, final)]
        between = _cosine_between if self.anneal == "cos" else _linear_between
        start_step = 0.0
        for i, (end_step, a, b) in enumerate(phases):
            if t <= end_step or i == len(phases) - 1:
                return _out(between(a, b, (t - start_step) / (end_step - start_step)))
            start_step = end_step
        raise AssertionError("unreachable: the last phase always returns")


# ---------------------------------------------------------------------------------------------------------------
# Registry: schedules by name.
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleInfo:
    """A named schedule: its ``factory`` (the class), a one-line ``description`` and its ``parameters``."""

    name: str
    factory: Callable[..., Schedule]
    description: str
    parameters: tuple[str, ...]

    @property
    def required(self) -> tuple[str, ...]:
        """The parameters without a default."""
        return tuple(
            f.name
            for f in dataclasses.fields(self.factory)
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        )


def _info(factory: type) -> ScheduleInfo:
    """The schedule ``factory`` by its name, described as :data:`descend.catalog.SCHEDULES` says."""
    name = factory.__name__
    return ScheduleInfo(name, factory, LISTED[name], tuple(f.name for f in dataclasses.fields(factory)))


#: Every schedule by name.
SCHEDULES: dict[str, ScheduleInfo] = {
    info.name: info
    for info in (
        _info(constant),
        _info(step),
        _info(multistep),
        _info(exponential),
        _info(inverse_time),
        _info(polynomial),
        _info(cosine),
        _info(cosine_restarts),
        _info(warmup),
        _info(one_cycle),
    )
}


def get_schedule(name: str, **kwargs: Any) -> Schedule:
    """Build the schedule called ``name`` from keyword arguments.

    >>> get_schedule("cosine", value=0.1, total_steps=100)
    cosine(value=0.1, total_steps=100, min_value=0.0)
    """
    key = name.strip().lower().replace("-", "_") if isinstance(name, str) else name
    if key not in SCHEDULES:
        raise ValueError(
            f"unknown schedule {name!r}{close_matches(str(key), SCHEDULES)} (allowed: {', '.join(SCHEDULES)})"
        )
    info = SCHEDULES[key]
    check_names(kwargs, info.parameters, what=f"parameter of schedule {name!r}",
                hint=lambda given: parameter_hint(given, info.parameters))
    missing = [p for p in info.required if p not in kwargs]
    if missing:
        raise ValueError(f"schedule {name!r} needs {', '.join(missing)} (parameters: {', '.join(info.parameters)})")
    return info.factory(**kwargs)


def parameter_hint(name: str, parameters: Sequence[str]) -> str:
    """A ``"; did you mean 'x'?"`` suffix for an unknown parameter of a schedule: its close spellings, else the
    parameters that hold ``name`` as one of their words (``min`` is too short beside ``min_value`` to be a close
    spelling of it), or ``""``.

    >>> parameter_hint("min", SCHEDULES["cosine"].parameters)
    "; did you mean 'min_value'?"
    """
    found = close_matches(name, parameters)
    words = [p for p in parameters if name.strip().lower() in p.split("_")]
    if found or not words:
        return found
    return "; did you mean " + " or ".join(repr(p) for p in words) + "?"


# ---------------------------------------------------------------------------------------------------------------
# Driving an optimizer's hyperparameters.
# ---------------------------------------------------------------------------------------------------------------

_BETAS = {"beta1": 0, "beta2": 1}


class ScheduleHyperparameters:
    """Make hyperparameters of an optimizer follow schedules, like torch's LR schedulers but for any of them.

    ``ScheduleHyperparameters(optimizer, lr=f, momentum=g, ...)`` sets ``group[name] = f(t)`` in every param
    group: at construction (t = 0) and on each :meth:`step` (t = 1, 2, ...). Call ``step()`` after
    ``optimizer.step()``, as with a torch scheduler. A name is any numeric entry of the param groups (``lr``,
    ``momentum``, ``weight_decay``, ``eps``, ``dampening``, ...), plus ``beta1`` and ``beta2``, which set the
    first and second entry of a ``betas`` tuple (unless the group has its own ``beta1`` / ``beta2`` key).
    Unknown names raise a ValueError listing close matches.

    Unlike torch's schedulers, the schedule gives the value itself (not a factor of the group's initial
    lr), and every param group gets the same value. (``descend.fit``, ``descend.tune`` and a ``RunSpec`` read the
    same schedule as a factor of the hyperparameter given instead: there ``cosine(1.0, ...)``, not ``cosine(lr,
    ...)``.) A schedule with a run axis puts a tensor ``[K]`` in the
    group, which descend's optimizers accept and torch.optim's do not.

    >>> import torch
    >>> from descend.schedules import ScheduleHyperparameters, cosine, constant, warmup
    >>> w = torch.zeros(3, requires_grad=True)
    >>> opt = torch.optim.Adam([w], lr=1e-3)
    >>> hyper = ScheduleHyperparameters(opt, lr=warmup(cosine(1e-3, 100), 10), beta1=constant(0.95))
    >>> for t in range(20):
    ...     opt.zero_grad(); (w - 1).pow(2).sum().backward(); opt.step()
    ...     hyper.step()
    >>> hyper.t, opt.param_groups[0]["betas"], round(opt.param_groups[0]["lr"], 8)
    (20, (0.95, 0.999), 0.00097553)
    """

    def __init__(self, optimizer: Any, **schedules: Schedule) -> None:
        groups = getattr(optimizer, "param_groups", None)
        if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
            raise ValueError(
                f"optimizer={type(optimizer).__name__} has no param_groups (a non-empty list of dicts); "
                "give a torch.optim-compatible optimizer"
            )
        if not schedules:
            raise ValueError("give at least one schedule, e.g. ScheduleHyperparameters(optimizer, lr=cosine(0.1, 100))")
        for name, schedule in schedules.items():
            if not callable(schedule):
                raise ValueError(f"{name}={schedule!r} must be a schedule: a callable f(t)")
        for i, group in enumerate(groups):
            what = f"hyperparameter of {type(optimizer).__name__}" + (f" (param group {i})" if i else "")
            check_names(schedules, _schedulable(group), what=what)
        self.optimizer = optimizer
        self.schedules = dict(schedules)
        self.t = 0
        self._apply()

    def step(self) -> None:
        """Advance to the next step and set each hyperparameter to its schedule's value there (a value the
        optimizer refuses leaves the step and the hyperparameters as they were)."""
        self.t += 1
        try:
            self._apply()
        except ValueError:
            self.t -= 1
            raise

    def state_dict(self) -> dict[str, int]:
        """The step count (schedules are pure, so that is all there is to save)."""
        return {"t": self.t}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Resume at step ``state["t"]`` (a whole number, as :meth:`state_dict` saves it) and set the hyperparameters
        to their values there."""
        t = state.get("t") if isinstance(state, Mapping) else None
        if isinstance(t, bool) or not isinstance(t, numbers.Integral) or t < 0:
            raise ValueError(f"state {state!r} must hold the step t, a whole number >= 0, as state_dict() saves it")
        self.t = int(t)
        self._apply()

    def _apply(self) -> None:
        values = {name: schedule(self.t) for name, schedule in self.schedules.items()}
        new_groups = []
        for group in self.optimizer.param_groups:
            new = dict(group)
            for name, value in values.items():
                if name in new or name not in _BETAS:
                    new[name] = value
                else:
                    betas = list(new["betas"])
                    betas[_BETAS[name]] = value
                    new["betas"] = tuple(betas)
            new_groups.append(new)
        # a descend optimizer checks a group as its constructor does (the range, the number of runs), before the
        # values are set: torch.optim's own read whatever they are given
        check = getattr(self.optimizer, "_config", None)
        for i, new in enumerate(new_groups if callable(check) else []):
            try:
                check(new)
            except (ValueError, TypeError) as e:
                where = f" (param group {i})" if len(new_groups) > 1 else ""
                raise ValueError(f"ScheduleHyperparameters at step {self.t}{where}: {e}") from None
        for group, new in zip(self.optimizer.param_groups, new_groups):
            group.update({k: v for k, v in new.items() if k != "params"})

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.schedules.items())
        return f"ScheduleHyperparameters({type(self.optimizer).__name__}, {inner}, t={self.t})"


def _schedulable(group: dict) -> list[str]:
    """The names in a param group that a schedule can set: its numeric entries, and beta1/beta2 for betas."""
    names = [
        k
        for k, v in group.items()
        if k != "params"
        and not isinstance(v, bool)
        and (isinstance(v, numbers.Real) or (isinstance(v, torch.Tensor) and v.ndim <= 1))
    ]
    if isinstance(group.get("betas"), (tuple, list)) and len(group["betas"]) == 2:
        names += [b for b in _BETAS if b not in names]
    return names
