"""What a search varies: the ``--space`` mini-language, each optimizer's default space, and the points a
study starts from (the optimizer's defaults as a baseline, a Latin hypercube around it for the first cohort).

A space is a comma-separated list of items, one per hyperparameter of the optimizer (or ``batch_size``)::

    lr=1e-5..1e-1:log        a float, log-uniform between the two ends (both included)
    beta1=0.8..0.999         a float, uniform
    momentum=0..0.99:step=0.01   a float on a grid of that step
    nesterov=true|false      a choice (an option of the rule, or a few values of a hyperparameter; sgd's
                             nesterov needs momentum > 0 in the space too)
    batch_size=full|32|128   a choice of batch sizes (each one trains as its own cohort)
    schedule=constant|cosine|one_cycle   a choice of the learning rate's schedule (``descend list schedules``;
                             one option each at most, as step:step_size=100: an item ends at a comma)
    weight_decay=1e-4        held fixed: not searched, but part of every run

A choice of optimizers inside one study (``--optimizer 'adam|sgd'``) is a :class:`ChoiceSpace`: the
categorical ``optimizer`` and each optimizer's own space, conditional on it.

Every range is checked against what the optimizer allows (betas in [0, 1), lr >= 0, ...) before anything
is trained, and a hyperparameter the optimizer does not have is named with the close matches.

    >>> space = parse_space("lr=1e-5..1e-1:log, beta1=0.8..0.999", "adam")
    >>> space.text()
    'lr=1e-05..0.1:log, beta1=0.8..0.999'
    >>> parse_space("lr=1e-5..1e-1:log, bta1=0.8..0.9", "adam")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: --space 'bta1=0.8..0.9': adam has no hyperparameter 'bta1'; did you mean 'beta1' or 'beta2'? (it has: ...)
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._checks import Interval, close_matches
from ..compare_config import parse_scalar
from ..spec import same_value

#: How far the default ``lr`` range reaches on either side of the task's rate for the optimizer (decades).
LR_DECADES = 2.0

BATCH_SIZE = "batch_size"
#: The learning rate's schedule as a searched choice: ``schedule=constant|cosine|one_cycle`` (each a multiplier of
#: a trial's lr over its steps, as ``--schedule`` gives one to every trial).
SCHEDULE = "schedule"


@dataclass(frozen=True)
class Param:
    """One searched (or fixed) dimension of a space.

    ``kind`` is ``"float"`` (``low``..``high``, ``log``, optional ``step``), ``"int"`` (whole numbers
    ``low``..``high``, ``log``, optional whole ``step``), ``"choice"`` (``choices``) or ``"fixed"`` (``value``, not searched).
    """

    name: str
    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] = ()
    value: Any = None

    @property
    def searched(self) -> bool:
        return self.kind != "fixed"

    def text(self) -> str:
        """The item as the mini-language spells it (canonical: what a study records)."""
        if self.kind == "fixed":
            return f"{self.name}={_show(self.value)}"
        if self.kind == "choice":
            return f"{self.name}=" + "|".join(_show(c) for c in self.choices)
        flags = (":log" if self.log else "") + (":int" if self.kind == "int" else "")
        flags += f":step={_show(self.step)}" if self.step is not None else ""
        return f"{self.name}={_show(self.low)}..{_show(self.high)}{flags}"

    def suggest(self, trial: Any) -> Any:
        """Ask an Optuna trial for this dimension's value."""
        if self.kind == "float":
            return trial.suggest_float(self.name, self.low, self.high, log=self.log, step=self.step)
        if self.kind == "int":
            return trial.suggest_int(self.name, int(self.low), int(self.high), log=self.log,
                                     step=1 if self.step is None else int(self.step))
        if self.kind == "choice":
            return trial.suggest_categorical(self.name, list(self.choices))
        return self.value

    def from_unit(self, u: float) -> Any:
        """The value at position ``u`` in [0, 1) of this dimension (log ranges in log space)."""
        u = min(max(float(u), 0.0), 1.0 - 1e-12)
        if self.kind == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        lo, hi = float(self.low), float(self.high)
        if self.log:
            value = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        else:
            value = lo + u * (hi - lo)
        if self.step is not None:
            value = lo + round((value - lo) / self.step) * self.step
        if self.kind == "int":
            return int(min(max(round(value), lo), hi))
        return float(min(max(value, lo), hi))

    def to_unit(self, value: Any) -> float:
        """The position in [0, 1] of ``value`` in this dimension, :meth:`from_unit`'s inverse (a choice: the middle
        of its share)."""
        if self.kind == "choice":
            return (self.choices.index(value) + 0.5) / len(self.choices) if value in self.choices else 0.5
        lo, hi, v = float(self.low), float(self.high), min(max(float(value), float(self.low)), float(self.high))
        if hi == lo:
            return 0.5
        if self.log:
            return (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return (v - lo) / (hi - lo)

    def clip(self, value: Any) -> Any:
        """``value`` moved into this dimension (the nearest end of a range; the first choice if not one)."""
        if self.kind == "choice":
            return value if value in self.choices else self.choices[0]
        if self.kind == "fixed":
            return self.value
        v = min(max(float(value), float(self.low)), float(self.high))
        if self.step is not None:
            v = float(self.low) + round((v - float(self.low)) / self.step) * self.step
            v = min(v, float(self.high))
        if self.kind == "int":
            return int(round(v))
        return v


@dataclass(frozen=True)
class Space:
    """The space of one optimizer's search: its registry name and its dimensions, in the order given."""

    optimizer: str
    params: tuple[Param, ...]
    defaults: Mapping[str, Any] = field(default_factory=dict)  #: the baseline's values (lr: the task's rate)

    @property
    def searched(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.searched)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def text(self) -> str:
        return ", ".join(p.text() for p in self.params)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """Every searched dimension asked of ``trial`` (right after ``study.ask()``), in order."""
        return {p.name: p.suggest(trial) for p in self.searched}

    def values(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """A trial's parameters with the fixed dimensions added: everything a run needs from the space."""
        out = {p.name: p.value for p in self.params if not p.searched}
        out.update({k: v for k, v in params.items() if k in self.names})
        return out

    def run(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The optimizer a trial with ``params`` trains and everything its run needs from the space."""
        return self.optimizer, self.values(params)

    def baselines(self) -> list[dict[str, Any]]:
        """The points a study starts from before its spread: the baseline."""
        return [self.baseline()] if self.searched else []

    def baseline(self) -> dict[str, Any]:
        """The optimizer's defaults (the task's learning rate for it, a constant one) as a point of the space."""
        defaults = {SCHEDULE: "constant", **self.defaults}
        return {p.name: p.clip(defaults[p.name]) if p.name in defaults else p.from_unit(0.5) for p in self.searched}

    def spread(self, n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` points spread over the searched dimensions around the baseline, so that a study's first cohort
        covers the space instead of being drawn at random by a sampler that has seen nothing yet: a Latin
        hypercube of n + 1 points of which the baseline (:meth:`baseline`) is one. Each dimension is cut into
        n + 1 equal strata (in log space for a log range), the baseline's stratum is left to it, and each other
        stratum holds one point, at its centre; the points are paired across dimensions as a scrambled Sobol
        sequence (seeded) orders them, so that they cover the plane of two dimensions as that sequence does. The
        Sobol points themselves, which the first cohort took before, fell anywhere in their halves of a range:
        seeded 0, at 0.475 and 0.56 of it, beside a baseline at 0.5, so that a search of 3 trials tried three
        rates within a factor of 2.2 of each other (here 1/6 and 5/6 of the range). Drawn by torch's Sobol engine
        (``torch.quasirandom``), already imported: SciPy's would add about a second to every new study for
        importing ``scipy.stats``.

        >>> [round(p["lr"], 6) for p in parse_space("lr=1e-5..1e-1:log", "adam").spread(2, seed=0)]
        [4.6e-05, 0.021544]
        """
        dims = self.searched
        if n <= 0 or not dims:
            return []
        import torch

        engine = torch.quasirandom.SobolEngine(len(dims), scramble=True, seed=seed)
        # torch makes the first point in the default dtype whatever draw() is asked for: made as under float32,
        # torch's default, whatever the user's (under float16 it was the top of every range)
        first = (engine.quasi.to(torch.float64) / 2**engine.MAXBIT).to(torch.float32).to(torch.float64)
        sobol = engine.draw(n, dtype=torch.float64)
        sobol[0] = first
        base = self.baseline()
        columns = []
        for j, p in enumerate(dims):
            taken = min(int(p.to_unit(base[p.name]) * (n + 1)), n)  # the baseline's stratum
            centres = [(i + 0.5) / (n + 1) for i in range(n + 1) if i != taken]
            column = [0.0] * n
            for rank, k in enumerate(sorted(range(n), key=lambda k: (float(sobol[k, j]), k))):
                column[k] = centres[rank]  # the k-th point's value in the Sobol point's order
            columns.append(column)
        return [{p.name: p.from_unit(column[k]) for p, column in zip(dims, columns)} for k in range(n)]


#: The name of the categorical parameter of a :class:`ChoiceSpace`; its optimizers' own are ``OPTIMIZER:NAME``.
OPTIMIZER = "optimizer"


@dataclass(frozen=True)
class ChoiceSpace:
    """A choice of optimizer inside one study (``--optimizer 'adam|sgd'``): the categorical parameter
    ``optimizer``, and each optimizer's own :class:`Space` as conditional parameters, named
    ``OPTIMIZER:NAME`` (``adam:lr``, ``sgd:momentum``) and suggested only when that optimizer is chosen, so
    that the lr ranges of two optimizers are two parameters. ``optimizer`` is the choice's label,
    ``adam|sgd``.

    >>> choice = ChoiceSpace((default_space("adam"), default_space("sgd", lr=0.1)))
    >>> choice.optimizer, choice.text()
    ('adam|sgd', 'optimizer=adam|sgd; adam: lr=1e-05..0.1:log, beta1=0.5..0.99; sgd: lr=0.001..10:log, momentum=0..0.99')
    >>> choice.run({"optimizer": "sgd", "sgd:lr": 0.1, "sgd:momentum": 0.9})
    ('sgd', {'lr': 0.1, 'momentum': 0.9})
    """

    spaces: tuple[Space, ...]

    @property
    def optimizer(self) -> str:
        return "|".join(s.optimizer for s in self.spaces)

    @property
    def optimizers(self) -> tuple[str, ...]:
        return tuple(s.optimizer for s in self.spaces)

    @property
    def searched(self) -> tuple[Param, ...]:
        return (Param(OPTIMIZER, "choice", choices=self.optimizers),
                *(Param(f"{s.optimizer}:{p.name}", p.kind, p.low, p.high, p.log, p.step, p.choices)
                  for s in self.spaces for p in s.searched))

    @property
    def defaults(self) -> Mapping[str, Any]:
        return self.spaces[0].defaults

    def space(self, optimizer: str) -> Space:
        return self.spaces[self.optimizers.index(optimizer)]

    def text(self) -> str:
        """The choice and each optimizer's space (canonical: what a study records)."""
        return "; ".join([f"{OPTIMIZER}={self.optimizer}", *(f"{s.optimizer}: {s.text()}" for s in self.spaces)])

    def suggest(self, trial: Any) -> dict[str, Any]:
        """The optimizer asked of ``trial`` first, then only that optimizer's own dimensions (define-by-run)."""
        chosen = trial.suggest_categorical(OPTIMIZER, list(self.optimizers))
        own = self.space(chosen)
        out = {OPTIMIZER: chosen}
        for p in own.searched:
            out[f"{chosen}:{p.name}"] = Param(f"{chosen}:{p.name}", p.kind, p.low, p.high, p.log, p.step,
                                              p.choices).suggest(trial)
        return out

    def own(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """A trial's chosen optimizer and its own parameters, without the ``OPTIMIZER:`` prefix."""
        chosen = str(params[OPTIMIZER])
        return chosen, {k.partition(":")[2]: v for k, v in params.items() if k.startswith(f"{chosen}:")}

    def run(self, params: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
        """The optimizer a trial with ``params`` trains and everything its run needs from its own space."""
        chosen, own = self.own(params)
        return chosen, self.space(chosen).values(own)

    def _point(self, optimizer: str, own: Mapping[str, Any]) -> dict[str, Any]:
        return {OPTIMIZER: optimizer, **{f"{optimizer}:{k}": v for k, v in own.items()}}

    def baselines(self) -> list[dict[str, Any]]:
        """Each optimizer's defaults (the task's learning rate for it), in the order of the choice."""
        return [self._point(s.optimizer, s.baseline()) for s in self.spaces]

    def spread(self, n: int, seed: int) -> list[dict[str, Any]]:
        """``n`` points taking the optimizers in turn, each optimizer's points a spread of its own space."""
        k = len(self.spaces)
        share = [len(range(i, max(n, 0), k)) for i in range(k)]
        own = [s.spread(m, seed) if s.searched else [{}] * m for s, m in zip(self.spaces, share)]
        return [self._point(self.spaces[i % k].optimizer, own[i % k][i // k]) for i in range(max(n, 0))]


def share(text: str, optimizers: Sequence[str], *, what: str = "--space") -> dict[str, str | None]:
    """One space text given for every optimizer of a choice, split among them: each item goes to the
    optimizers that have that hyperparameter. An item none of them has is refused (with the close matches);
    an optimizer that gets no item gets None (its default space).

    >>> share("lr=1e-4..1:log, beta1=0.8..0.99", ["adam", "sgd"])
    {'adam': 'lr=1e-4..1:log, beta1=0.8..0.99', 'sgd': 'lr=1e-4..1:log'}
    """
    if not isinstance(text, str) or not text.strip():
        return {name: text for name in optimizers}  # parse_space says what is wrong
    known = {}
    for name in optimizers:
        numeric, options, _ = _allowed(name)
        known[name] = _names(numeric, options)
    out: dict[str, list[str]] = {name: [] for name in optimizers}
    for item in split_items(text):
        m = _ITEM.match(item)
        if not m:
            return {name: text for name in optimizers}  # parse_space says what is wrong
        having = [name for name in optimizers if m.group(1) in known[name]]
        if not having:
            every = list(dict.fromkeys(k for name in optimizers for k in known[name]))
            raise ValueError(f"{what} {item!r}: none of {', '.join(optimizers)} has a hyperparameter "
                             f"{m.group(1)!r}{close_matches(m.group(1), every)}")
        for name in having:
            out[name].append(item)
    return {name: ", ".join(items) if items else None for name, items in out.items()}


# -- parsing ---------------------------------------------------------------------------------------------------

_ITEM = re.compile(r"^\s*([A-Za-z_][\w]*)\s*=\s*(.+?)\s*$")


def _show(v: Any) -> str:
    if v is None:
        return "full"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(v)


def _number(text: str, item: str, what: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ValueError(f"{what} {item!r}: {text.strip()!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"{what} {item!r}: {text.strip()!r} is not a finite number")
    return value


def _names(numeric: Mapping[str, Interval], options: Mapping[str, Any]) -> list[str]:
    """What a space of an optimizer may name: its hyperparameters and options, the batch size, and the learning
    rate's schedule where it has a learning rate."""
    return [*numeric, *options, BATCH_SIZE, *([SCHEDULE] if "lr" in numeric else [])]


def schedule_of(text: str, steps: int) -> Any:
    """The schedule a trial's ``schedule`` choice names, over its ``steps`` (None for ``constant``): one object
    per choice and length, so that the trials of a cohort that share a schedule share its factors."""
    return _built(str(text), int(steps))


@functools.lru_cache(maxsize=256)
def _built(text: str, steps: int) -> Any:
    from ..compare_config import parse_schedule

    return parse_schedule(text, steps, what="the schedule")[1]


def trial_schedules(values: dict[str, Any], schedules: Mapping[str, Any], steps: int) -> dict[str, Any]:
    """A run's schedules: ``schedules`` (those every trial has) and, popped from a trial's ``values``, the
    schedule of its lr that the space chose (over the trial's ``steps``)."""
    chosen = values.pop(SCHEDULE, None)
    built = schedule_of(chosen, steps) if chosen is not None else None
    return {**schedules, "lr": built} if built is not None else dict(schedules)


def _allowed(optimizer: str) -> tuple[dict[str, Interval], dict[str, tuple[Any, ...]], Any]:
    """The numeric hyperparameters (with their allowed interval) and options (with their choices) of an
    optimizer, and its registry info."""
    from ..optim import get

    info = get(optimizer)
    numeric = {h.name: h.allowed for h in info.hyperparameters}
    options = {o.name: tuple(o.choices) for o in info.options if o.name not in info.fixed}
    return numeric, options, info


def split_items(text: str) -> list[str]:
    """The items of a space: split on commas that are not inside a value (there are none in the language)."""
    return [part for part in (p.strip() for p in str(text).split(",")) if part]


def parse_space(text: str, optimizer: str, *, what: str = "--space", defaults: Mapping[str, Any] | None = None,
                fixed: Mapping[str, Any] | None = None) -> Space:
    """``text`` (the mini-language of this module) as the :class:`Space` of ``optimizer``, checked.

    ``fixed`` are values held fixed (an optimizer given as ``sgd:nesterov=true``); ``defaults`` are the
    baseline's values (the task's learning rate). Raises a one-line ``ValueError`` that starts with ``what``.
    """
    numeric, options, info = _allowed(optimizer)
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what} {text!r} is empty; give items such as 'lr=1e-5..1e-1:log, beta1=0.8..0.999' "
                         "(or leave it out for the default space of each optimizer)")
    params: list[Param] = []
    for item in split_items(text):
        m = _ITEM.match(item)
        if not m:
            raise ValueError(f"{what} {item!r}: an item is NAME=LOW..HIGH[:log], NAME=A|B|C or NAME=VALUE, "
                             "separated by commas")
        name, body = m.group(1), m.group(2)
        known = _names(numeric, options)
        if name not in known and params and params[-1].name == SCHEDULE and _option_of(name, params[-1]):
            raise ValueError(f"{what} {item!r}: {name} reads as a second option of a schedule choice, which takes "
                             "one at most (an item ends at a comma), e.g. schedule=constant|step:step_size=100; a "
                             "schedule with more options can be given to every trial instead (--schedule, or "
                             "schedules= in Python)")
        if name not in known:
            raise ValueError(f"{what} {item!r}: {info.name} has no hyperparameter {name!r}"
                             f"{info.symbol_hint(name) or close_matches(name, known)} (it has: {', '.join(known)})")
        if name in (p.name for p in params):
            raise ValueError(f"{what} {item!r}: {name} is given twice")
        params.append(_param(name, body, item, what, numeric, options, info.name))
    for name, value in (fixed or {}).items():
        if name in (p.name for p in params):
            given = f"{info.name}:{name}={_show(value)}"
            raise ValueError(f"{what}: {name} is both fixed by " + (f"--optimizer {given}" if what.startswith("-")
                                                                    else f"optimizer={given!r}")
                             + " and searched; give it in one place")
        params.append(Param(name, "fixed", value=value))
    if "lr" in numeric and "lr" not in (p.name for p in params) and defaults and "lr" in defaults:
        # not searched: the baseline's rate (the task's for this optimizer), fixed and shown, not the library's
        params.append(Param("lr", "fixed", value=float(defaults["lr"])))
    _check_together(params, info, what)
    return Space(info.name, tuple(params), dict(defaults or {}))


def _param(name: str, body: str, item: str, what: str, numeric: Mapping[str, Interval],
           options: Mapping[str, tuple[Any, ...]], optimizer: str) -> Param:
    if ".." in body:
        if name in options:
            raise ValueError(f"{what} {item!r}: {name} is a switch of {optimizer}; give its values as choices, "
                             f"e.g. {name}=" + "|".join(_show(c) for c in options[name]))
        if name == BATCH_SIZE:
            raise ValueError(f"{what} {item!r}: give batch sizes as choices, e.g. batch_size=16|32|64 (each batch "
                             "size trains as its own cohort)")
        if name == SCHEDULE:
            raise ValueError(f"{what} {item!r}: give schedules as choices, e.g. schedule=constant|cosine|one_cycle")
        rng, *flags = [part.strip() for part in body.split(":")]
        if "..." in rng:
            raise ValueError(f"{what} {item!r}: a range is LOW..HIGH, with two dots, e.g. {name}=1e-5..1e-1:log")
        lo_text, _, hi_text = rng.partition("..")
        if not lo_text.strip() or not hi_text.strip():
            raise ValueError(f"{what} {item!r}: a range LOW..HIGH needs both ends, e.g. {name}=1e-5..1e-1:log")
        lo, hi = _number(lo_text, item, what), _number(hi_text, item, what)
        log, kind, step = False, "float", None
        for flag in flags:
            key, eq, value = flag.partition("=")
            if flag == "log":
                log = True
            elif flag == "int":
                kind = "int"
            elif key == "step" and eq:
                step = _number(value, item, what)
                if step <= 0:
                    raise ValueError(f"{what} {item!r}: step={value} must be positive")
            else:
                raise ValueError(f"{what} {item!r}: unknown flag {flag!r}{close_matches(flag, ['log', 'int'])} "
                                 "(allowed: log, int, step=NUMBER)")
        if not lo < hi:
            raise ValueError(f"{what} {item!r}: a range LOW..HIGH needs LOW < HIGH")
        if log and lo <= 0:
            raise ValueError(f"{what} {item!r}: a log range needs LOW > 0")
        if log and step is not None:
            raise ValueError(f"{what} {item!r}: a log range takes no step")
        if step is not None and (hi - lo) / step < 1 - 1e-9:  # no second point: the grid's end advice was LOW..LOW
            tenth = float(f"{(hi - lo) / 10:.3g}")
            raise ValueError(f"{what} {item!r}: the step {_show(step)} is longer than the range {_show(lo)}.."
                             f"{_show(hi)}; give a step that divides it, e.g. step={_show(tenth)}")
        if step is not None and abs((n := (hi - lo) / step) - round(n)) > 1e-9 * max(1.0, n):
            # Optuna would move HIGH down to the grid, and a point drawn at HIGH would fall off it
            raise ValueError(f"{what} {item!r}: {_show(hi)} − {_show(lo)} is not a whole number of steps of "
                             f"{_show(step)}; end the range on the grid, e.g. {name}={_show(lo)}.."
                             f"{_show(float(f'{lo + math.floor(n) * step:.12g}'))}"
                             f"{':int' if kind == 'int' else ''}:step={_show(step)}")
        if kind == "int" and not (lo.is_integer() and hi.is_integer()):
            raise ValueError(f"{what} {item!r}: an int range needs whole numbers at both ends")
        if kind == "int" and step is not None and not float(step).is_integer():
            raise ValueError(f"{what} {item!r}: an int range takes a whole step, e.g. step=2")
        allowed = numeric[name]
        _check_in(name, (lo, hi), allowed, item, what, optimizer)
        return Param(name, kind, lo, hi, log, step)
    if name == SCHEDULE:
        return _schedules(body, item, what)
    values = [parse_scalar(v, f"{what} {item!r}") for v in body.split("|")]
    if any(isinstance(v, str) and not v for v in values):
        raise ValueError(f"{what} {item!r}: an empty choice")
    if name == BATCH_SIZE:
        values = [_batch(v, item, what) for v in values]
    elif name in options:
        for v in values:
            if v not in options[name]:
                raise ValueError(f"{what} {item!r}: {name}={_show(v)} is not allowed for {optimizer}; choose "
                                 + " or ".join(_show(c) for c in options[name]))
        # each as its option's own value (amsgrad=1 is True): true|1 are one choice, not two
        values = [next(c for c in options[name] if c == v) for v in values]
    else:
        bad = [v for v in values if isinstance(v, (bool, str))]
        if bad:
            raise ValueError(f"{what} {item!r}: {_show(bad[0])} is not a number (a range is LOW..HIGH[:log])")
        _check_in(name, [float(v) for v in values], numeric[name], item, what, optimizer)
    if len({same_value(v) for v in values}) != len(values):  # lr=1|1.0 are one value, as 0.01|0.010 are
        raise ValueError(f"{what} {item!r}: a choice is given twice")
    if len(values) == 1:
        return Param(name, "fixed", value=values[0])
    return Param(name, "choice", choices=tuple(values))


def _option_of(name: str, param: Param) -> bool:
    """Whether ``name`` is an option of a schedule that ``param`` (the space's ``schedule``) names."""
    from ..compare_config import schedule_name
    from ..schedules import SCHEDULES

    texts = param.choices if param.kind == "choice" else (param.value,)
    return any(name in SCHEDULES[key].parameters for key in map(schedule_name, texts) if key in SCHEDULES)


def _schedules(body: str, item: str, what: str) -> Param:
    """``schedule=constant|cosine|step:step_size=100``: each choice checked as ``--schedule`` checks it, kept as
    its text (a trial's parameter, a categorical of Optuna's)."""
    from ..compare_config import parse_schedule, schedule_name

    values = []
    for text in (v.strip() for v in body.split("|")):
        if not text:
            raise ValueError(f"{what} {item!r}: an empty choice")
        parse_schedule(text, 1000, what=f"{what} {item!r}:")  # its words for what is wrong
        name, colon, rest = text.partition(":")
        values.append(schedule_name(name) + colon + rest.strip())  # One-Cycle is one_cycle: one choice, not two
    if len(set(values)) != len(values):
        raise ValueError(f"{what} {item!r}: a choice is given twice")
    if len(values) == 1:
        return Param(SCHEDULE, "fixed", value=values[0])
    return Param(SCHEDULE, "choice", choices=tuple(values))


def _batch(v: Any, item: str, what: str) -> Any:
    if isinstance(v, str) and v.lower() in ("full", "gd", "none", "all"):
        return None
    if isinstance(v, int) and not isinstance(v, bool) and v > 0:
        return v
    raise ValueError(f"{what} {item!r}: {_show(v)} is not a batch size; use full or a positive whole number")


def _check_in(name: str, values: Sequence[float], allowed: Interval, item: str, what: str, optimizer: str) -> None:
    import torch

    for v in values:
        if not bool(allowed.contains(torch.tensor(float(v), dtype=torch.float64))):
            raise ValueError(f"{what} {item!r}: {name}={_show(float(v))} is outside what {optimizer} allows for "
                             f"{name}, {allowed}")


def _check_together(params: Sequence[Param], info: Any, what: str) -> None:
    """Refuse combinations the optimizer refuses for every point (nesterov without momentum)."""
    by_name = {p.name: p for p in params}
    nesterov = by_name.get("nesterov")
    if "momentum" not in getattr(info, "names", ()):  # an option of that name in a rule of one's own: its own
        return
    if nesterov is not None and (nesterov.value is True or True in nesterov.choices):
        momentum = by_name.get("momentum")
        low = (momentum.value if momentum.kind == "fixed" else momentum.low if momentum.kind != "choice"
               else min(momentum.choices)) if momentum is not None else info.defaults.get("momentum", 0.0)
        if not float(low) > 0:
            raise ValueError(f"{what}: nesterov=true needs momentum > 0 at every point; give a momentum range "
                             "above 0, e.g. momentum=0.5..0.99")


def _inside(lo: float, hi: float, allowed: Interval) -> tuple[float, float]:
    """``lo..hi`` narrowed to the ``allowed`` interval (an open end kept a thousandth inside): an optimizer of
    one's own may allow a smaller learning rate range than two decades either side of its rate."""
    if hi > allowed.high or (hi == allowed.high and not allowed.closed_high):
        hi = allowed.high if allowed.closed_high else allowed.high - 1e-3 * (allowed.high - max(allowed.low, 0.0))
    if lo < allowed.low or (lo == allowed.low and not allowed.closed_low):
        lo = allowed.low if allowed.closed_low and allowed.low > 0 else allowed.low + 1e-3 * (hi - allowed.low)
    return lo, hi


def default_space(optimizer: str, *, lr: float | None = None, fixed: Mapping[str, Any] | None = None) -> Space:
    """The space searched when none is given: ``lr`` log-uniform over ``LR_DECADES`` decades either side of
    ``lr`` (the task's rate for the optimizer, else its default), and the optimizer's own hyperparameters that
    its registry entry says are searched (``OptimizerInfo.searched``: Adam's β₁, SGD's momentum, ...).

    >>> default_space("adam").text()
    'lr=1e-05..0.1:log, beta1=0.5..0.99'
    """
    from ..optim import get as info_of

    numeric, _, info = _allowed(optimizer)
    centre = float(lr) if lr is not None else float(info.defaults["lr"])
    lo, hi = _inside(float(f"{centre / 10 ** LR_DECADES:.1g}"), float(f"{centre * 10 ** LR_DECADES:.1g}"),
                     numeric["lr"])
    fixed = dict(fixed or {})
    params = [Param("lr", "float", lo, hi, True)] if "lr" not in fixed else []
    own = dict(info.searched)
    baseline = {k: v for k, v in info.defaults.items() if k in numeric and k != "lr"}
    if fixed.get("nesterov") is True and "momentum" in own:  # sgd:nesterov=true: Nesterov needs momentum > 0,
        own["momentum"] = info_of("nesterov").searched["momentum"]  # searched as for the nesterov variant,
        baseline["momentum"] = 0.9  # from its default
    for name, (low, high, log) in own.items():
        if name not in fixed:
            params.append(Param(name, "float", low, high, log))
    params.extend(Param(name, "fixed", value=value) for name, value in fixed.items())
    _check_together(params, info, "the default space")
    return Space(info.name, tuple(params), {"lr": centre, **baseline})


def space_for(optimizer: str, text: str | None, *, lr: float | None = None, fixed: Mapping[str, Any] | None = None,
              what: str = "--space") -> Space:
    """The space of ``optimizer``: ``text`` parsed, or the default space when ``text`` is None. The baseline
    is the optimizer's defaults with ``lr`` (the task's rate for it) as its learning rate."""
    if text is None:
        return default_space(optimizer, lr=lr, fixed=fixed)
    _, _, info = _allowed(optimizer)
    defaults = {k: v for k, v in info.defaults.items()}
    if lr is not None:
        defaults["lr"] = float(lr)
    return parse_space(text, optimizer, what=what, defaults=defaults, fixed=fixed)
