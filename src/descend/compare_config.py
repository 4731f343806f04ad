"""The settings of a comparison, declared once (:class:`Config`), and the small languages of their values
(``sgd:momentum=0.9``, ``1e-4..1e-1:4``, ``full,32,hybrid``, ``cosine:total_steps=2000``).

Split from :mod:`descend.compare` (which re-exports every name) so that the command line builds ``descend
compare``'s options, and ``descend --help``, without importing torch, numpy or pandas: this module imports
nothing heavy at its top; parsing a value imports what that value needs (the optimizer registry for an
optimizer, the tasks for a task) on first use.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from . import schema
from ._names import check_names, close_matches, join_items, shell_word, split_items
from .catalog import INITS

if TYPE_CHECKING:
    from .tasks.task import Task

MODES = ("same-lr", "defaults", "tuned")


# -- parsing the command line's small languages ---------------------------------------------------------------


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer of a comparison: its registry name, fixed hyperparameters, and the label shown. Equal specs
    hash alike (a dict key, a set)."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def __hash__(self) -> int:  # the dataclass's hashed the options' dict: "unhashable type: 'dict'"
        return hash((self.name, tuple(sorted(self.options.items()))))

    @property
    def label(self) -> str:
        if not self.options:
            return self.name
        return f"{self.name}(" + ", ".join(f"{k}={_show(v)}" for k, v in self.options.items()) + ")"

    def to_text(self) -> str:
        """As ``-o`` takes it, every number written in full (a configuration re-runs it exactly; the label
        rounds it for the eye)."""
        if not self.options:
            return self.name
        return self.name + ":" + ",".join(f"{k}={_show(v, exact=True)}" for k, v in self.options.items())


def _show(v: Any, *, exact: bool = False) -> str:
    if isinstance(v, float):
        return repr(v) if exact else f"{v:g}"
    return str(v).lower() if isinstance(v, bool) else str(v)


def parse_scalar(text: str, what: str) -> Any:
    """A value written in a flag: ``true``/``false``, a whole number, a finite number, or else the word itself
    (``eps_mode=inside``; whoever takes it checks it). ``what`` names the flag in the error.

    >>> parse_scalar("0.9", "--optimizer"), parse_scalar("true", "--optimizer"), parse_scalar("inside", "--optimizer")
    (0.9, True, 'inside')
    """
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    try:
        return int(t)
    except ValueError:
        pass
    try:
        value = float(t)
    except ValueError:
        return t  # a word, such as eps_mode=inside; the optimizer checks it
    if not math.isfinite(value):
        raise ValueError(f"{what}: {text!r} is not a finite number")
    return value


def parse_optimizer(text: str, what: str = "--optimizer") -> OptimizerSpec:
    """``"adam"`` or ``"sgd:momentum=0.9,nesterov=true"`` → :class:`OptimizerSpec` (checked against the registry).

    >>> parse_optimizer("sgd:momentum=0.9").label
    'sgd(momentum=0.9)'

    ``what`` names the setting in errors (``--optimizer`` on the command line, ``optimizer`` in a file).
    """
    from .engine import RANDOM_SEARCH, RANDOM_SEARCH_DEFAULTS
    from .optim import get

    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{what} {text!r}: give a name such as adam or sgd:momentum=0.9")
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    options: dict[str, Any] = {}
    if rest.strip():
        for part in rest.split(","):
            key, eq, value = part.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise ValueError(f"{what} {text!r}: options are key=value pairs separated by commas, "
                                 f"e.g. sgd:momentum=0.9,nesterov=true ({part.strip()!r} is not)")
            if key.strip() in options:  # the last would have won without a word
                raise ValueError(f"{what} {text!r}: {key.strip()} is given twice; one value per optimizer (to compare "
                                 f"several, give {what} once for each)")
            options[key.strip()] = parse_scalar(value, f"{what} {text!r}")
            if isinstance(options[key.strip()], str) and any(c in value for c in ";|"):
                raise ValueError(f"{what} {text!r}: {key.strip()}={value.strip()!r} is one value, not several; to "
                                 f"compare several, give {what} once for each, e.g. {what} "
                                 f"{name}:{key.strip()}={value.replace('|', ';').split(';')[0].strip()}")
    if name == RANDOM_SEARCH:
        from .optim import random_search

        try:
            check_names(list(options), RANDOM_SEARCH_DEFAULTS, what=f"option of {name}")
            random_search.configure(**options)  # scale=0: refused here, not by the first run's training
        except ValueError as e:
            raise ValueError(f"{what} {text!r}: {e}") from None
        return OptimizerSpec(name, options)
    try:
        info = get(name)
    except ValueError as e:
        raise ValueError(f"{what} {text!r}: {e}") from None
    if "lr" in options:
        lr = "--lr" if what.startswith("--") else "lr"
        raise ValueError(f"{what} {text!r}: give learning rates with {lr} (they are what a comparison varies)")
    try:
        # (not lr: a comparison's rates are --lr's, refused above)
        check_names(list(options), [n for n in info.names if n != "lr"], what=f"hyperparameter of {info.name}",
                    hint=info.symbol_hint)
        options = as_switches(info, options)
        for option in info.options:  # a switch in the words of the command line and of config.toml, not Python's
            given = options.get(option.name, option.default)
            if set(option.choices) == {False, True} and not isinstance(given, bool):
                raise ValueError(f"{option.name}={given} is not allowed; choose true or false")
        info.configure(**options)
    except ValueError as e:
        raise ValueError(f"{what} {text!r}: {e}") from None
    return OptimizerSpec(info.name, options)


def as_switches(info: Any, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` with a switch given as 1 or 0 (``amsgrad=1``) made True or False, as its rule reads it: it ran
    as True, and the summary and the label said 1."""
    return {k: bool(v) if isinstance(info.defaults.get(k), bool) and not isinstance(v, bool) and v in (0, 1)
            else v for k, v in options.items()}


def out_of_memory(error: BaseException, what: str,
                  fewer: str = "fewer --steps (or --epochs), fewer runs (--lr values, --seeds, optimizers) or a "
                               "smaller --batch-size", *, task_options: bool = False) -> str | None:
    """The words for ``error`` when a training ran out of memory (its batch plans and records grow with the
    steps: Python's MemoryError, or torch's "can't allocate memory", a RuntimeError), else None; ``fewer``
    says which flags of the command make it smaller, and ``task_options`` that the task's options given do too (a
    model's width)."""
    if not isinstance(error, MemoryError) and "allocat" not in str(error) and "bad_alloc" not in str(error):
        return None
    return f"not enough memory for this {what}: give {fewer}" + (
        ", or smaller --task-option values" if task_options else "")


def task_too_large(options: Any) -> str:
    """The words for a task that could not be built in memory (``--task-option m=1000000000``): the task options
    given (``KEY=VALUE`` items or a table of them), to make smaller."""
    given = (" ".join(f"{k}={v}" for k, v in options.items()) if isinstance(options, Mapping) else
             " ".join(map(str, options)) if isinstance(options, (list, tuple)) else "")
    return ("not enough memory to build the task" + (f" with --task-option {given}" if given else "")
            + ": give smaller --task-option values (the data's size: m, n, size; the model's: width, depth, hidden)")


def no_space(error: BaseException) -> str | None:
    """The words for ``error`` when compiling ran out of disk space for its programs (Inductor wraps the OSError
    in an error of its own, a RuntimeError, after pages of compiler output), else None."""
    import errno

    seen: BaseException | None = error
    for _ in range(8):  # the error, and what it was raised from
        if seen is None:
            return None
        if (isinstance(seen, OSError) and seen.errno == errno.ENOSPC) or "No space left on device" in str(seen):
            from ._compile import cache_directory

            return (f"no space left on the device for the compiled programs (in {cache_directory()}): free some "
                    "space there, set DESCEND_CACHE_DIR to a folder with room, or train without --compile")
        seen = seen.__cause__ or seen.__context__
    return None


#: The most values a range LOW..HIGH:N gives (each is a configuration trained, times the seeds and optimizers).
MAX_RANGE = 1000
#: The most steps (or epochs) a comparison takes: a run's records hold a value per step, and a count no index holds
#: (2**62) failed inside the engine, naming no flag.
MAX_BUDGET = 10**9


def parse_values(text: str, what: str = "--lr") -> list[float]:
    """``"0.1"``, ``"0.1,0.01"`` or a log range ``"1e-4..1e-1"`` (7 points) / ``"1e-4..1e-1:4"`` (4 points).

    >>> parse_values("1e-3..1e-1:3")
    [0.001, 0.01, 0.1]
    """
    t = str(text).strip()
    if "..." in t:  # 1e-3...1e-1 read as 1e-3 .. .1e-1 (0.01): another range than the one meant
        raise ValueError(f"{what} {t!r}: a range is LOW..HIGH[:N], with two dots, e.g. {t.replace('...', '..')}")
    if re.fullmatch(r"0,\d+|\d+,0\d*", t):  # 0,01: a decimal comma, not the rates 0 and 1
        raise ValueError(f"{what} {t!r}: decimals take a point, {what} {t.replace(',', '.')} (a comma separates "
                         "several values: 0.1,0.01)")
    m = re.fullmatch(r"([^:]*?[^.:])\.\.([^:]+)(?::(\d+))?", t)  # .001..0.1 too: a low end may start with a dot
    if m:
        lo, hi = _positive(m.group(1), what, t), _positive(m.group(2), what, t)
        n = int(m.group(3) or 7)
        if lo >= hi or not 2 <= n <= MAX_RANGE:
            raise ValueError(f"{what} {t!r}: a range LOW..HIGH[:N] needs 0 < LOW < HIGH and N from 2 to {MAX_RANGE:,}")
        import numpy as np

        return [float(f"{v:.6g}") for v in np.geomspace(lo, hi, n)]
    values = [_positive(part, what, t) for part in t.split(",")]
    if not values:
        raise ValueError(f"{what} {t!r}: give values such as 0.1,0.01 or a range 1e-4..1e-1")
    return values


def _positive(part: str, what: str, whole: str) -> float:
    try:
        value = float(part.strip())
    except ValueError:
        raise ValueError(f"{what} {whole!r}: {part.strip()!r} is not a number; give values such as 0.1,0.01 "
                         "or a log range 1e-4..1e-1[:N]") from None
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{what} {whole!r}: {part.strip()!r} must be a positive number")
    return value


def parse_batch_sizes(text: str, what: str = "--batch-size") -> list[Any]:
    """``"full,1,32,hybrid"`` → ``[None, 1, 32, hybrid(32, 8, 512)]``; ``hybrid(16,4,256)`` sets its parts (its
    last may be ``full``), and a label as the summary shows one, ``hybrid(16 for 4 epochs→full)``, is read back."""
    from .data import hybrid

    out: list[Any] = []
    for part in re.split(r",(?![^()]*\))", str(text)):
        p = part.strip().lower()
        # a label as the summary and tables show it, hybrid(32→512) or hybrid(16 for 4 epochs→full), read back
        label = re.fullmatch(r"hybrid\(\s*(\d+)\s*(?:for\s+(\d+)\s+epochs?\s*)?(?:→|->)\s*(\d+|full)\s*\)", p)
        if label is not None:
            epochs = label.group(2) or str(hybrid.__dataclass_fields__["epochs"].default)
            p = f"hybrid({label.group(1)},{epochs},{label.group(3)})"
        # and as descend.fit's summary writes one: hybrid(first=16, epochs=2, then=None)
        written = re.fullmatch(r"hybrid\(\s*first=(\d+),\s*epochs=(\d+),\s*then=(\d+|none)\s*\)", p)
        if written is not None:
            then = "full" if written.group(3) == "none" else written.group(3)
            p = f"hybrid({written.group(1)},{written.group(2)},{then})"
        if any(len(digits) > 18 for digits in re.findall(r"\d+", p)):  # (int() refuses 4,300 digits in Python's words)
            shown = str(text) if len(str(text)) <= 40 else str(text)[:37] + "..."
            raise ValueError(f"{what} {shown!r}: a batch size of more than 18 digits is larger than any training set")
        if p in ("full", "gd", "none", "all"):
            out.append(None)
        elif p == "hybrid":
            out.append(hybrid())
        elif p.startswith("hybrid(") and p.endswith(")"):
            args = [a.strip() for a in p[7:-1].split(",")]
            if len(args) != 3 or not all(a.isdigit() for a in args[:2]) or not (
                    args[2].isdigit() or args[2] == "full"):
                raise ValueError(f"{what} {text!r}: hybrid(FIRST,EPOCHS,THEN) takes three whole numbers (THEN may be "
                                 "full: the whole training set)")
            try:
                out.append(hybrid(int(args[0]), int(args[1]), None if args[2] == "full" else int(args[2])))
            except ValueError as e:  # a part of 0: "first=0 is out of range; allowed: [1, inf)", in the flag's words
                raise ValueError(f"{what} {text!r}: {e}") from None
        elif p.isdecimal() and int(p) > 0:  # (² is a digit to Python, not a number to int(); ３２ is 32 to both)
            out.append(int(p))
        else:
            raise ValueError(f"{what} {text!r}: {part.strip()!r} is not a batch size; use full (GD), 1 (SGD), "
                             "a positive whole number, or hybrid")
        if out[-1] in out[:-1]:  # one run per batch size (and seed): a repeat would be dropped
            raise ValueError(f"{what} {text!r}: {batch_label(out[-1])} is given twice; each batch size is one "
                             "configuration (its repeats are its seeds)")
    return out


def batch_label(b: Any) -> str:
    """How a batch size is shown: ``full``, ``1``, ``32``, ``hybrid(32→512)`` (seed 004's 8 epochs of the first
    size), ``hybrid(16 for 1 epoch→full)`` (other epochs, said: the label is what tells two regimes apart).

    >>> from descend.data import hybrid
    >>> batch_label(hybrid()), batch_label(hybrid(16, 1, None)), batch_label(hybrid(16, 4, None))
    ('hybrid(32→512)', 'hybrid(16 for 1 epoch→full)', 'hybrid(16 for 4 epochs→full)')
    """
    from .data import hybrid

    if b is None:
        return "full"
    if isinstance(b, hybrid):
        then = "full" if b.then is None else b.then
        if b.epochs == hybrid.__dataclass_fields__["epochs"].default:
            return f"hybrid({b.first}→{then})"
        return f"hybrid({b.first} for {b.epochs} epoch{'s' * (b.epochs != 1)}→{then})"
    return str(b)


def batch_text(b: Any) -> str:
    """The inverse of :func:`parse_batch_sizes` for one value."""
    from .data import hybrid

    if b is None:
        return "full"
    if isinstance(b, hybrid):
        return f"hybrid({b.first},{b.epochs},{'full' if b.then is None else b.then})"
    return str(b)


def parse_schedule(text: str | None, steps: int, what: str = "schedule"
                   ) -> tuple[str | None, Callable[[int], float] | None]:
    """``"cosine"`` or ``"step:step_size=100,gamma=0.5"`` → a multiplier of every run's learning rate."""
    from .schedules import SCHEDULES, get_schedule

    if text is None or not str(text).strip() or schedule_name(text) == "constant" and ":" not in str(text):
        return None, None
    key, kwargs = schedule_options(text, what)
    params = SCHEDULES[key].parameters
    if "milestones" in kwargs and not isinstance(kwargs["milestones"], list):  # one milestone: milestones=100
        kwargs["milestones"] = [kwargs["milestones"]]
    first = "max_value" if key == "one_cycle" else "value"
    kwargs.setdefault(first, 1.0)
    if "total_steps" in params:
        kwargs.setdefault("total_steps", steps)
    try:
        schedule = get_schedule(key, **kwargs)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{what} {text!r}: {e}") from None
    if all(float(schedule(t)) == 0.0 for t in range(min(steps, 100_000))):  # every run "ok", and none moved
        raise ValueError(f"{what} {text!r} is 0 at every step, so no run would move from its start: give a schedule "
                         "that is above 0 somewhere")
    return str(text).strip(), schedule


def schedule_options(text: str, what: str = "schedule") -> tuple[str, dict[str, Any]]:
    """The schedule ``text`` names and its options as given (``"step:step_size=100,gamma=0.5"`` → ``("step",
    {"step_size": 100, "gamma": 0.5})``), checked as far as they can be without the steps of a run: a schedule
    that exists (warmup excepted), options written key=value, each once, and each a parameter of the schedule.
    Their values, and what depends on the steps (one_cycle's warm-up over total_steps), are checked when
    :func:`parse_schedule` builds it."""
    from .schedules import SCHEDULES, parameter_hint

    name, _, rest = str(text).strip().partition(":")
    key = schedule_name(name)
    if key == "warmup":
        holder = "a schedule choice" if what.endswith(":") else what  # --space 'schedule=...': or --schedule
        raise ValueError(f"{what} {text!r}: warmup wraps another schedule, which {holder} cannot hold; use one_cycle "
                         "(a warm-up, then annealing)")
    if key not in SCHEDULES:
        allowed = [s for s in SCHEDULES if s != "warmup"]
        raise ValueError(f"{what} {text!r}: unknown schedule{close_matches(key, allowed)} "
                         f"(allowed: {', '.join(allowed)})")
    kwargs: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        k, eq, v = part.partition("=")
        if not eq:
            raise ValueError(f"{what} {text!r}: options are key=value pairs, e.g. step:step_size=100,gamma=0.5")
        if k.strip() in kwargs:  # the last one won without a word (-o and --task-option refuse a repeat)
            raise ValueError(f"{what} {text!r}: {k.strip()} is given twice")
        # a list (multistep's milestones) is its values separated by semicolons: milestones=100;200
        kwargs[k.strip()] = ([parse_scalar(u, f"{what} {text!r}") for u in v.split(";") if u.strip()] if ";" in v
                             else parse_scalar(v, f"{what} {text!r}"))
    params = SCHEDULES[key].parameters
    try:
        check_names(kwargs, params, what=f"parameter of schedule {key!r}",
                    hint=lambda given: parameter_hint(given, params))
    except ValueError as e:
        raise ValueError(f"{what} {text!r}: {e}") from None
    return key, kwargs


def lasts_steps(text: Any) -> bool:
    """Whether the schedule ``text`` lasts a number of steps it is not given (``cosine``, not
    ``cosine:total_steps=500``): under an epochs budget, the steps a run's batch size takes."""
    from .schedules import SCHEDULES

    key = schedule_name(text)
    return key in SCHEDULES and "total_steps" in SCHEDULES[key].parameters and "total_steps" not in str(text)


def lasting(schedules: Any) -> list[tuple[str, str]]:
    """``(hyperparameter, schedule)`` for each schedule of ``schedules`` (``{hyperparameter: schedule}``, one of
    :mod:`descend.schedules` by its class, its name or its text) that lasts a number of steps it is not given."""
    from .schedules import SCHEDULES

    if not isinstance(schedules, Mapping):
        return []
    found = []
    for key, schedule in schedules.items():
        if isinstance(schedule, type):
            schedule = next((name for name, info in SCHEDULES.items() if info.factory is schedule), "")
        if isinstance(schedule, str) and lasts_steps(schedule):
            found.append((key, schedule))
    return found


def epochs_steps(batch_size: Any, epochs: int, steps: int) -> str:
    """How an epochs budget's steps follow from the batch size, as an error of a schedule says it:
    ``"at batch size 16, whose 3 epochs take 12 steps"``."""
    from ._names import counted

    return (f"at batch size {batch_label(batch_size)}, whose {counted(epochs, 'epoch')} take{'s' * (epochs == 1)} "
            f"{counted(steps, 'step')}")


def budget_steps(task: Any, batch_size: Any, steps: int | None, epochs: int | None) -> int:
    """The steps of a run of ``task`` at ``batch_size``: ``steps``, or the batches of ``epochs`` epochs over its
    training set (450 at batch 1 for 5 epochs of 90 samples, 5 at the full batch)."""
    from .data.batches import plan_length

    return plan_length(len(task.data.train), batch_size, steps=steps, epochs=epochs, drop_last=False)


def schedule_name(text: Any) -> str:
    """The name of the schedule ``text`` gives (``One-Cycle:max_value=2`` is ``one_cycle``), as the schedules are
    named (:data:`descend.schedules.SCHEDULES`): any case, ``-`` for ``_``."""
    return str(text).partition(":")[0].strip().lower().replace("-", "_")


# -- the configuration ---------------------------------------------------------------------------------------------


def _parse_task(value: Any, name: str) -> Any:
    if hasattr(value, "fit") and hasattr(value, "name"):  # a Task object (the Python interface)
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} {value!r}: give a task name (see `descend list tasks`) or a landscape formula "
                         "such as 'x**2 + 10*sin(y)'")
    return value


def _parse_optimizers(value: Any, name: str) -> tuple[OptimizerSpec, ...]:
    items = [value] if isinstance(value, (str, OptimizerSpec)) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{name} {value!r}: give one or more optimizers such as adam or sgd:momentum=0.9")
    specs = tuple(o if isinstance(o, OptimizerSpec) else parse_optimizer(o, what=name) for o in items)
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{name}: {', '.join(labels)} names an optimizer twice")
    return specs


def _parse_lr(value: Any, name: str) -> tuple[float, ...]:
    if isinstance(value, str):
        rates = tuple(parse_values(value, name))
    else:
        items = value if isinstance(value, (list, tuple)) else [value]
        if not items or not all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in items):
            raise ValueError(f"{name} {value!r}: give positive numbers such as 0.1,0.01 or a log range "
                             "1e-4..1e-1[:N]")
        rates = tuple(_positive(str(v), name, str(value)) for v in items)
    seen: set[float] = set()
    twice = next((r for r in rates if r in seen or seen.add(r)), None)
    if twice is not None:  # one run per rate (and seed): a repeat would be dropped
        raise ValueError(f"{name} {value if isinstance(value, str) else ','.join(map(str, rates))}: {twice:g} is "
                         "given twice; each rate is one configuration (its repeats are its seeds)")
    return rates


def _parse_batch_sizes(value: Any, name: str) -> tuple[Any, ...]:
    from .data import hybrid

    items = value if isinstance(value, (list, tuple)) else [value]
    if not items:
        raise ValueError(f"{name} {value!r}: give full (GD), 1 (SGD), a positive whole number, or hybrid")
    out: list[Any] = []
    for item in items:
        if item is None or isinstance(item, hybrid):
            out.append(item)
        elif isinstance(item, int) and not isinstance(item, bool) and item > 0:
            out.append(item)
        elif isinstance(item, str):
            out.extend(parse_batch_sizes(item, what=name))
        else:
            raise ValueError(f"{name} {value!r}: {item!r} is not a batch size; use full (GD), 1 (SGD), a positive "
                             "whole number, or hybrid")
    return tuple(out)


def _parse_schedule(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():  # '' was taken as no schedule, and written so
        raise ValueError(f"{name} {value!r}: give a schedule such as cosine or step:step_size=100,gamma=0.5")
    # checked again with the comparison's steps by Config.resolved; until then a length any schedule accepts
    # (one_cycle needs at least 2 steps: a placeholder of 1 refused it whenever total_steps was not given)
    parse_schedule(value, 1000, what=name)
    return value.strip()


def _parse_target(value: Any, name: str) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise ValueError(f"{name} {value!r} must be a number (the target loss)"
                             f"{schema.decimal_comma(value, name)}") from None
    return schema.finite(value, name)


def _listed(value: Any) -> tuple[str, ...] | None:
    """A list's texts (a settings file's, each kept as it is), or one text's items separated by commas
    (:func:`~descend._names.split_items`: an item in double quotes is kept as it is, so that a name holding a comma
    or with spaces at its ends can be given, ``id,"price, usd"``; any other without the spaces at its ends); None
    when that is not what it is (an item with nothing but spaces included)."""
    items: Any = split_items(value) if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items or not all(isinstance(c, str) and c.strip() for c in items):
        return None
    return tuple(items)


def _parse_listed(wanted: str) -> Callable[[Any, str], tuple[str, ...]]:
    """A parser of :func:`_listed` texts, refusing anything else as not ``wanted``."""
    def parse(value: Any, name: str) -> tuple[str, ...]:
        texts = _listed(value)
        if texts is None:
            raise ValueError(f"{name} {value!r}: give {wanted}")
        return texts

    return parse


#: The texts that mark a missing value, and column names.
_parse_na_values = _parse_listed("the texts that mark a missing value, separated by commas, e.g. '?' or '?,-'")
_parse_columns = _parse_listed("column names separated by commas, e.g. id,name (a name with a comma, or spaces "
                               "at its ends, in double quotes: id,\"price, usd\")")


def _parse_sep(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} {value!r}: give the separator between columns, e.g. ';' or tab")
    return {"tab": "\t", "\\t": "\t", "space": " "}.get(value.strip().lower(), value)


#: The plugins this process imported: their absolute path (or module name) → the module.
_PLUGINS: dict[str, Any] = {}
#: The optimizers each plugin of :data:`_PLUGINS` registered while it was imported (by itself or by a module it
#: imported): what :func:`unrecorded_plugins` counts as named by the plugin.
_REGISTERED_BY: dict[str, frozenset[str]] = {}


def plugin_is_file(text: str) -> bool:
    """Whether a plugin is named as a Python file (``lion.py``, ``path/to/lion``) rather than an importable module."""
    import os

    text = text.strip()
    return text.endswith(".py") or os.sep in text or "/" in text


def load_plugin(given: str, name: str = "--plugin") -> str:
    """Import a plugin once per process: a Python file (``lion.py``, ``path/to/lion.py``) or an importable module
    (``mypkg.optimizers``), which registers what it adds (``descend.optim.register``). Returns what a written
    configuration keeps: the file's absolute path, or the module's name. A missing file, or an error raised
    while importing it, is a ValueError naming ``name``."""
    import importlib
    import importlib.util
    import os

    text = schema.text(given, name).strip()
    if not text.endswith(".py") and os.path.isfile(os.path.expanduser(text)):  # lion.txt: no loader reads it
        raise ValueError(f"{name} {text!r}: a file that is not Python (a plugin is a .py file, or a module's name)")
    is_file = plugin_is_file(text)
    key = os.path.abspath(os.path.expanduser(text)) if is_file else text
    if key in _PLUGINS:
        return key
    if is_file and os.path.isdir(key):
        raise ValueError(f"{name} {text!r}: a folder ({key}); give the Python file that registers the optimizer")
    if is_file and not os.path.isfile(key):
        raise ValueError(f"{name} {text!r}: no such file ({key})")
    imported = _imported(key) if is_file else None
    if imported is not None:  # ``import lion`` ran it already: again, it would register its optimizer twice
        _PLUGINS[key] = imported
        return key
    from .optim import available

    before = set(available(own=False))
    try:
        if is_file:  # as Python runs a script: its folder first on the path, so that it imports its neighbours
            import sys

            folder = os.path.dirname(key)
            if folder not in sys.path:
                sys.path.insert(0, folder)
            spec = importlib.util.spec_from_file_location(f"descend_plugin_{len(_PLUGINS)}", key)
            module = importlib.util.module_from_spec(spec)
            # in sys.modules, as an import puts it: its rules' __module__ then leads back to this file
            # (unrecorded_plugins), and pickling or dataclasses inside the plugin find their module
            sys.modules[spec.name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[spec.name]
                raise
        else:
            module = importlib.import_module(text)
    except Exception as e:  # noqa: BLE001 - the plugin's own error, on one line
        raise ValueError(f"{name} {text!r} failed while it was imported: {type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''}") from None
    _PLUGINS[key] = module
    _REGISTERED_BY[key] = frozenset(set(available(own=False)) - before)
    return key


def _imported(path: str) -> Any:
    """The module already imported from the file ``path`` (an absolute path), or None."""
    import os
    import sys

    for module in list(sys.modules.values()):
        where = getattr(module, "__file__", None)
        if isinstance(where, str) and os.path.abspath(where) == path:
            return module
    return None


def unrecorded_plugins(optimizers: Sequence[str], plugins: Sequence[str] | None) -> list[str]:
    """The optimizers of one's own among ``optimizers`` whose rule no plugin of ``plugins`` (a configuration's,
    as :func:`load_plugin` keeps them) defines: registered by an import in this process, which a written
    configuration cannot name, so ``descend report`` and ``--config`` cannot rebuild them."""
    import os
    import sys

    from .catalog import RANDOM_SEARCH
    from .optim import get
    from .optim.registry import _BUILT_IN

    kept = set(plugins or ())
    out = []
    for name in optimizers:
        if name in _BUILT_IN or name == RANDOM_SEARCH[0]:
            continue
        if any(name in _REGISTERED_BY.get(key, ()) for key in kept):  # registered while a kept plugin was imported
            continue
        module_name = getattr(get(name).update, "__module__", "")
        where = getattr(sys.modules.get(module_name), "__file__", None)
        if module_name not in kept and not (isinstance(where, str) and os.path.abspath(where) in kept):
            out.append(name)
    return out


def _parse_task_options(value: Any, name: str) -> dict[str, Any]:
    """A table of the task's options (a TOML table, a dict), or the command line's ``KEY=VALUE`` items: each value a
    number, true/false or a word (``hidden=relu``), or several numbers separated by commas (``start=1,2``)."""
    if isinstance(value, Mapping):  # several numbers as a tuple, as the task's own options hold them (a file's
        # list read back equals the configuration written)
        return {k: tuple(v) if isinstance(v, list) else v for k, v in schema.table(value, name).items()}
    items = [value] if isinstance(value, str) else list(value)
    out: dict[str, Any] = {}
    for item in items:
        key, eq, text = str(item).partition("=")
        if not eq or not key.strip() or not text.strip():
            raise ValueError(f"{name} {item!r}: give KEY=VALUE, e.g. {name} hidden=relu")
        if key.strip() in out:
            raise ValueError(f"{name} {item!r}: {key.strip()} is given twice")
        parts = [parse_scalar(part, f"{name} {item!r}") for part in text.split(",")]
        out[key.strip()] = parts[0] if len(parts) == 1 else tuple(parts)
    return out


def _reading_options_as_settings(schema_class: Any, data: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
    """A CSV file's reading settings given as task options (``--task-option decimal=,``, a ``[task_options]``
    table's ``sep``) taken out of them as the settings they are, each read by its own setting's parser: read as a
    task option's numbers and comma list, ``decimal=,`` was two empty texts (refused by pandas), ``sep=tab`` the
    word ``tab``; and config.toml keeps the setting."""
    given = data["task_options"]
    table = isinstance(given, Mapping)
    items = list(given.items()) if table else [
        (str(item).partition("=")[0].strip() if "=" in str(item) else None, str(item).partition("=")[2], item)
        for item in ([given] if isinstance(given, str) else given)]  # (an item without = is refused as such later)
    parsers = {e.key: e.setting.parse for e in schema_class.entries()}
    kept: Any = {} if table else []
    moved: dict[str, Any] = {}
    for key, value, *raw in items:
        if key not in _CSV_KEYS[1:]:
            if table:
                kept[key] = value
            else:
                kept.append(raw[0])
            continue
        if key in moved:
            raise ValueError(f"{names['task_options']} {repr(raw[0]) if raw else key}: {key} is given twice")
        if data.get(key) is not None:
            raise ValueError(_both_set(key, value, names))
        moved[key] = parsers[key](value, f"{names['task_options']} {key}")
    return {**data, "task_options": kept, **moved}


def _both_set(key: str, option: Any, names: Mapping[str, str]) -> str:
    """The refusal of a setting given both by its own flag and as a task option (one of them won without a word:
    a CSV file's --drop over drop=...)."""
    shown = (",".join(map(str, option)) if isinstance(option, (list, tuple)) else
             str(option).lower() if isinstance(option, bool) else str(option))
    return f"{names[key]} and {names['task_options']} {key}={shown} both set {key}; give it in one place"


def _parse_plugins(value: Any, name: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{name} {value!r}: give a Python file, e.g. lion.py")
    return tuple(load_plugin(item, name) for item in items)


def _parse_decimal(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value.strip()) != 1 or value.strip().isalnum():
        raise ValueError(f"{name} {value!r}: give the decimal mark, one character such as ',' or '.'")
    return value.strip()


#: Characters a command line spells by name (a fix's spelling, and what --sep and --thousands read back).
SPELLED = {"\t": "tab", " ": "space", "\u00a0": "nbsp", "\u202f": "narrow-nbsp"}


def _parse_thousands(value: Any, name: str) -> str:
    named = {word: char for char, word in SPELLED.items() if char != "\t"}
    value = named.get(value, value) if isinstance(value, str) else value  # as a fix spells it
    if not isinstance(value, str) or len(value) != 1 or value.isalnum():
        raise ValueError(f"{name} {value!r}: give the thousands separator, one character such as '.', ',', \"'\", "
                         "space, nbsp (a no-break space) or narrow-nbsp (a narrow one)")
    return value


def _csv_path(value: Any, name: str) -> str:
    """A CSV file's path, whose name the files descend writes in UTF-8 can hold: a name in another encoding (a
    Latin-1 é) trained and then failed to write the report (and a search printed a resume line that named
    another file)."""
    value = schema.path(value, name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        shown = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise ValueError(f"{name} {shown!r}: the file's name is not UTF-8 text, which what descend writes (a "
                         "report's config.toml, a search's resume line) cannot name; rename the file (or copy it to "
                         "a name in UTF-8)") from None
    return value


def _absolute(path: str) -> str:
    """A CSV file's path as the written configuration keeps it: absolute, so that the report is rebuilt (and the
    comparison re-run) from any directory."""
    import os

    return os.path.abspath(os.path.expanduser(path))


def _parse_encoding(value: Any, name: str) -> str:
    import codecs

    schema.text(value, name)
    try:
        codecs.lookup(value.strip())
    except LookupError:
        raise ValueError(f"{name} {value!r} is not an encoding Python knows; e.g. utf-8, latin-1, cp1252, "
                         "utf-16") from None
    return value.strip()


def _parse_loss(value: Any, name: str) -> str:
    from .losses import get_loss

    schema.text(value, name)
    try:
        return get_loss(value.strip()).name
    except ValueError as e:
        raise ValueError(f"{name} {value!r}: {e}; see `descend list losses`") from None


def _parse_point(value: Any, name: str) -> tuple[float, ...]:
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)) or not items:
        raise ValueError(f"{name} {value!r}: give the start's coordinates separated by commas, e.g. -1.5,2")
    try:
        return tuple(schema.finite(v, name) for v in items)
    except ValueError:
        raise ValueError(f"{name} {value!r}: give the start's coordinates as numbers separated by commas, "
                         "e.g. -1.5,2") from None


def _positive_number(value: Any, name: str) -> float:
    number = schema.finite(value, name)
    if number <= 0:
        raise ValueError(f"{name} {value!r}: a positive number is required")
    return number


def _plain_options(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain_options(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_options(v) for v in value]
    return value


@dataclass(frozen=True)
class Config(schema.Schema):
    """Everything a comparison depends on, declared once: each field's default, type, help text, validation
    and how the command line (``descend compare --help``), a TOML file and a dict (a web request body) spell it.

    :meth:`from_dict` checks and parses what a user gave (``None`` = not given; errors name the field in the
    words of the interface: ``names`` maps a key to ``--lr`` for the command line); :meth:`resolved` fills
    what the task decides (its optimizers, batch sizes, steps and learning rates); :meth:`to_dict` is the
    resolved configuration written with the results (config.toml), which :meth:`from_dict` reads back to
    the same comparison. Adding a setting is one field here: the command line's option is generated from it.
    """

    __hash__ = None  # type: ignore[assignment]  # its settings hold mappings and lists: a value, not a key

    _noun = "key"

    @classmethod
    def overlay(cls, file: Mapping[str, Any], given: Mapping[str, Any],
                where: str) -> tuple[dict[str, Any], list[str]]:
        """The settings of a --config file (``where``) with the command line's over them, each given one replacing
        the file's wherever the file holds it: a setting a task also takes as its own option
        (:data:`TASK_SETTINGS`, such as ``--start``) replaces the file's ``task_options`` one, and ``--task-option
        start=...`` the file's ``start``; the ``--task-option`` items are merged into the file's ``task_options``.
        The file's settings that cannot go with a given one are taken out (:data:`REPLACES`; another mode's
        budget or learning rates: :func:`not_with_mode`, said in a note). One source giving a setting twice (two
        flags, or two places of the file) is left for :meth:`resolved` to refuse. Returns the settings and the
        notes."""
        csv = given.get("csv") if given.get("csv") is not None else file.get("csv")
        if csv is not None and given.get("task_options") and not isinstance(given["task_options"], Mapping):
            # --task-option decimal=, as --decimal , (over the file's decimal), before the items are read as the
            # task options' numbers and lists below (decimal=, was two empty texts)
            given = _reading_options_as_settings(cls, dict(given), cls.flags())
        data, notes = {**file, **given}, []
        file = dict(file)
        for key, value in given.items():  # --epochs over a file's steps, another task over the file's data, ...
            if key in REPLACES and file.get(key) != value:
                for other in REPLACES[key]:
                    if other not in given:
                        data.pop(other, None)
                    file.pop(other, None)
        if "mode" in given:  # what cannot go with the mode given, and only that
            flags = cls.flags()
            mode = schema.choice(*MODES)(given["mode"], flags["mode"])
            for key, why in not_with_mode(mode).items():
                if key in data and key not in given:
                    shown = ",".join(map(str, data[key])) if isinstance(data[key], (list, tuple)) else data[key]
                    notes.append(f"{flags['mode']} {mode} takes out {key} (in {where}) {shown}: {why}")
                    del data[key]
            was = str(file.get("mode") or MODES[0])
            if mode == "tuned" and was != "tuned" and "lr" in data and "lr" not in given:
                # another mode's rates (a report's file holds the task's default grid, which no one typed) bound
                # the search, where `descend compare TASK --mode tuned` searches each optimizer's own range: said
                shown = ",".join(map(str, data["lr"])) if isinstance(data["lr"], (list, tuple)) else data["lr"]
                notes.append(f"{flags['mode']} tuned searches the rates of {was} mode in {where}, lr = {shown}, from "
                             f"the lowest to the highest, for every optimizer; leave lr out of the file for each "
                             f"optimizer's own range, or give {flags['lr']} LOW..HIGH")
        table: dict[str, Any] = {}
        if "task_options" in file:  # (not taken out with the file's task)
            # --start over the file's task_options start, --decimal (or --task-option decimal=) over its decimal
            table = {k: v for k, v in _parse_task_options(file["task_options"], f"task_options (in {where})").items()
                     if not ((k in TASK_SETTINGS or k in _CSV_KEYS[1:]) and k in given)}
        if "task_options" in given:
            options = _parse_task_options(given["task_options"], cls.flags()["task_options"])
            for key in options:  # --task-option start=... over the file's start
                if key in TASK_SETTINGS and key in file and key not in given:
                    data.pop(key, None)
            table.update(options)
        if "task_options" in data:
            data["task_options"] = table
        return data, notes

    # first: a plugin may register the optimizers (and tasks) that the settings below name
    plugin: tuple[str, ...] | None = schema.setting(
        None, repeat=True, metavar="FILE.py", parse=_parse_plugins, dump=list,
        help="A Python file (or module) to import first, repeatable: it registers optimizers of its own "
             "(descend.optim.register) that -o can then name.")
    task: Any = schema.setting(
        None, argument=True, metavar="TASK", parse=_parse_task, written=lambda v, c: c.csv is None,
        dump=lambda v: v if isinstance(v, str) else v.name,
        help="A task (descend list tasks), a landscape, or a formula in x, y such as 'x**2 + 10*sin(y)'.")
    csv: str | None = schema.setting(
        None, metavar="PATH", parse=_csv_path, dump=_absolute,
        help="A CSV file as the task: --csv PATH --column COL.")
    column: str | None = schema.setting(
        None, metavar="COLUMN", parse=schema.text, written=lambda v, c: c.csv is not None,
        help="The CSV column to predict.")
    kind: str | None = schema.setting(
        None, metavar="regression|classification|binary|multiclass", written=lambda v, c: c.csv is not None,
        parse=schema.choice("regression", "classification", "binary", "multiclass"),
        help="What --column is: numbers to predict (regression) or classes (classification; binary for two classes "
             "and multiclass for more are accepted too). Default: decimals are regression (but a column of 0.0 and "
             "1.0 alone is binary), whole numbers and text classes.")
    features: tuple[str, ...] | None = schema.setting(
        None, metavar="COLUMNS", parse=_parse_columns, dump=list, written=lambda v, c: c.csv is not None,
        help="The CSV columns to predict from, comma-separated (a name with a comma, or spaces at its ends, in "
             "double quotes; default: every other column).")
    drop: tuple[str, ...] | None = schema.setting(
        None, metavar="COLUMNS", parse=_parse_columns, dump=list, written=lambda v, c: c.csv is not None,
        help="CSV columns to leave out, comma-separated (a name with a comma, or spaces at its ends, in double "
             "quotes), e.g. an ID column.")
    categorical: tuple[str, ...] | None = schema.setting(
        None, metavar="COLUMNS", parse=_parse_columns, dump=list, written=lambda v, c: c.csv is not None,
        help="CSV columns to read as categories (one-hot encoded, each value as the file writes it), comma-separated, "
             "e.g. a ZIP code or a product code written as a number (default: text columns only).")
    dropna: bool | None = schema.setting(
        None, switch=True, metavar="BOOLEAN", parse=schema.boolean, written=lambda v, c: c.csv is not None and v,
        help="Drop the CSV rows that have a missing value (default: refuse them, counted per column).")
    na_values: tuple[str, ...] | None = schema.setting(
        None, metavar="TEXTS", parse=_parse_na_values, dump=list, written=lambda v, c: c.csv is not None,
        help="Texts that mark a missing value in the CSV file, comma-separated, e.g. '?' (besides an empty cell and "
             "pandas' NA, N/A, null, NaN, ...); --dropna then drops their rows.")
    sep: str | None = schema.setting(
        None, metavar="TEXT", parse=_parse_sep, written=lambda v, c: c.csv is not None,
        help="The CSV file's separator between columns, e.g. ';', tab or '||' (several characters are read as "
             "written; with a backslash or one of * + ? [ ] ( ) { } ^ $, or choosing between texts such as ';|,', as "
             "a regular expression: '\\s+' for any run of spaces and tabs) (default: ',').")
    encoding: str | None = schema.setting(
        None, metavar="TEXT", parse=_parse_encoding, written=lambda v, c: c.csv is not None,
        help="The CSV file's encoding, e.g. latin-1 or cp1252 (default: utf-8).")
    decimal: str | None = schema.setting(
        None, metavar="TEXT", parse=_parse_decimal, written=lambda v, c: c.csv is not None,
        help="The CSV file's decimal mark: ',' for numbers written 0,5 (default: '.').")
    max_categories: int | None = schema.setting(
        None, metavar="INTEGER", parse=schema.whole(1), written=lambda v, c: c.csv is not None,
        help="The most distinct values a text column may have to be one-hot encoded (default: 100; more is "
             "refused as a likely identifier).")
    thousands: str | None = schema.setting(
        None, metavar="TEXT", parse=_parse_thousands, written=lambda v, c: c.csv is not None,
        help="The CSV file's thousands separator: '.' for numbers written 1.234,5 (with --decimal ','), ',' for "
             "1,234.5, \"'\" for 1'234.5, space for 1 234,5, nbsp for a no-break space, narrow-nbsp for a narrow "
             "one (default: none).")
    standardize_target: bool | None = schema.setting(
        None, switch=True, metavar="BOOLEAN", parse=schema.boolean,
        help="Standardise a regression target on the training split (default for --csv, house-prices and "
             "diabetes; the test loss is then also reported unstandardised, and for a squared error the test RMSE in "
             "the target's units).")
    optimizers: tuple[OptimizerSpec, ...] | None = schema.setting(
        None, key="optimizer", flags=("--optimizer", "-o"), repeat=True, metavar="NAME[:KEY=VALUE,...]",
        parse=_parse_optimizers, dump=lambda v: [o.to_text() for o in v],
        help="An optimizer and its fixed hyperparameters, repeatable, e.g. -o adam -o sgd:momentum=0.9. "
             "Default: the task's set.")
    mode: str = schema.setting(
        "same-lr", metavar="same-lr|defaults|tuned", parse=schema.choice(*MODES),
        help="same-lr (default): every optimizer at the same learning rates; defaults: each at its own default "
             "hyperparameters, its learning rate included (Adam's 0.001), not the task's known lrs of descend card "
             "TASK (which descend.fit takes where no lr is given, and around which tuned mode searches); "
             "tuned: each optimizer's learning rate searched as descend tune does (tpe, seeded, --budget trials "
             "per optimizer and batch size, over its own range or --lr's lowest..highest; a budget of up to 16 "
             "is one cohort: the task's rate and a spread around it), the best on validation loss re-run with "
             "--seeds seeds.")
    lr: tuple[float, ...] | None = schema.setting(
        None, metavar="RATES", parse=_parse_lr, dump=lambda v: ",".join(repr(float(x)) for x in v),
        help="Learning rates: 0.1,0.01 or a log range 1e-4..1e-1[:N]. Default: three across the task's range.")
    batch_size: tuple[Any, ...] | None = schema.setting(
        None, metavar="SIZES", parse=_parse_batch_sizes, dump=lambda v: ",".join(batch_text(b) for b in v),
        help="full (GD), 1 (SGD), 32, hybrid, ... comma-separated. hybrid: batches of 32 for 8 epochs, then of 512; "
             "'hybrid(16,4,256)' sets the three, 'hybrid(32,8,full)' ends on full batches (quoted: the shell reads "
             "brackets). Default: the task's.")
    steps: int | None = schema.setting(
        None, metavar="INTEGER", parse=schema.whole(1, MAX_BUDGET),
        help="Training steps per run (default: the task's).")
    epochs: int | None = schema.setting(
        None, metavar="INTEGER", parse=schema.whole(1, MAX_BUDGET), help="Budget in epochs instead of steps.")
    schedule: str | None = schema.setting(
        None, metavar="NAME[:KEY=VALUE,...]", parse=_parse_schedule,
        help="Learning-rate schedule, a multiplier of each run's --lr (its value is 1: cosine:min_value=0.01 anneals "
             "to a hundredth of --lr; random search, which has none, trains without it): cosine, "
             "step:step_size=100,gamma=0.5, one_cycle, "
             "'multistep:milestones=100;200,gamma=0.1' (quoted: the shell reads ;), ... (descend list schedules). "
             "One that lasts a number of steps (cosine, one_cycle) lasts each run's: with --epochs, the steps its "
             "batch size takes. step and multistep count steps, not epochs: under --epochs, step_size=100 is 100 "
             "steps, another number of epochs at each batch size")
    target: float | None = schema.setting(
        None, metavar="NUMBER", parse=_parse_target,
        help="Target training loss: steps and epochs to reach it are reported (in the loss's units as trained: of "
             "the standardised target where it is standardised; after mini-batches, read at the evaluations).")
    loss: str | None = schema.setting(
        None, metavar="NAME", parse=_parse_loss,
        help="The loss instead of the task's, e.g. mae or huber (descend list losses).")
    init: str | None = schema.setting(
        None, metavar="|".join(INITS), parse=schema.choice(*INITS),
        help="How a network's weights start (Linear and MLP models) instead of the task's.")
    init_scale: float | None = schema.setting(
        None, metavar="NUMBER", parse=_positive_number,
        help="With --init normal, the weights' standard deviation; with --init uniform, their bound (default: 0.01 "
             "and 1/sqrt(fan-in)). Large weights make gradients explode: vanishing --task-option hidden=relu "
             "--init normal --init-scale 1.")
    start: tuple[float, ...] | None = schema.setting(
        None, metavar="X,Y", parse=_parse_point, dump=list,
        help="Where a landscape, a formula, line or ellipse starts: its parameters, e.g. -1.5,2.")
    clip_norm: float | None = schema.setting(
        None, metavar="NUMBER", parse=_positive_number,
        help="Clip each gradient to this global norm (after --clip-value, when both are given).")
    clip_value: float | None = schema.setting(
        None, metavar="NUMBER", parse=_positive_number,
        help="Clip each gradient component to [-NUMBER, NUMBER] (before --clip-norm, when both are given).")
    seeds: int = schema.setting(3, metavar="INTEGER", parse=schema.whole(1, MAX_RANGE),
                                help="Seeds per configuration (default 3).")
    budget: int = schema.setting(
        7, metavar="INTEGER", parse=schema.whole(2, 10 * MAX_RANGE), written=lambda v, c: c.mode == "tuned",
        help="Tuned mode: trials of the learning-rate search per optimizer (and batch size), the same for every "
             "optimizer; at least 2 (default 7).")
    compile: bool = schema.setting(
        False, switch=True, metavar="BOOLEAN", parse=schema.boolean, written=lambda v, c: v,
        help="Compile each training step (Inductor): steps 2-4x faster, but about 30 s per group of optimizers "
             "and batch shape the first time; later runs of the same shapes read the programs from disk at once. "
             "Default: no.")
    task_options: Mapping[str, Any] = schema.setting(
        default_factory=dict, flags=("--task-option",), repeat=True, metavar="KEY=VALUE", parse=_parse_task_options,
        dump=_plain_options, written=lambda v, c: bool(v),
        help="An option of the task, repeatable: --task-option hidden=relu (descend card TASK lists them; in a "
             "configuration file, a [task_options] table). The written configuration holds every option in effect.")
    out: str | None = schema.setting(
        None, metavar="DIRECTORY", parse=schema.path, written=False,
        help="Report directory (default: reports/TASK).")
    json: str | None = schema.setting(
        None, metavar="FILE", parse=schema.path, written=False,
        help="Also write FILE, one JSON document: the settings, the winners and a record per run.")

    @classmethod
    def _before(cls, data: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        target = data.get("target")
        if isinstance(target, str):
            try:
                float(target.strip())
            except ValueError:
                if data.get("csv") is None or data.get("column") is not None:
                    if comma := schema.decimal_comma(target, names["target"]):
                        raise ValueError(f"{names['target']} {target!r} must be a number (the target loss){comma}")
                    raise ValueError(f"{names['target']} {target!r} must be a number (the target loss)"
                                     + ("" if data.get("column") is not None else
                                        f"; the column to predict of a {names['csv']} file is {names['column']}")
                                     ) from None
                data = {k: v for k, v in data.items() if k != "target"}
                data["column"] = target
                import warnings

                warnings.warn(f"{names['target']} {target} for the column to predict is deprecated: use "
                              f"{names['column']} {target} ({names['target']} is the target loss)", FutureWarning,
                              stacklevel=2)
        if data.get("csv") is not None and data.get("task_options"):
            data = _reading_options_as_settings(cls, data, names)
        return data

    @classmethod
    def _after(cls, values: dict[str, Any], names: Mapping[str, str]) -> dict[str, Any]:
        get = values.get
        if get("csv") is not None:
            if get("task") is not None:
                raise ValueError(f"give {names['task']} or {names['csv']} PATH {names['column']} COL, not both")
            if get("column") is None:
                raise ValueError(f"{names['csv']} {get('csv')!r} needs {names['column']} COL: the column to predict")
        elif get("task") is None:
            raise ValueError(f"give {names['task']} (see `descend list tasks`), a landscape formula, or "
                             f"{names['csv']} PATH {names['column']} COL")
        else:
            given = [k for k in ("column", *_CSV_KEYS) if get(k) is not None]
            if given:
                raise ValueError(f"{names[given[0]]} applies to a CSV file ({names['csv']} PATH "
                                 f"{names['column']} COL), not to a task")
        if get("features") is not None and get("drop") is not None:
            raise ValueError(f"give {names['features']} (the columns to use) or {names['drop']} (the columns to "
                             "leave out), not both")
        if get("steps") is not None and get("epochs") is not None:
            raise ValueError(f"give {names['steps']} or {names['epochs']}, not both")
        unfit = not_with_mode(get("mode") or MODES[0])
        if get("budget") is not None and "budget" in unfit:  # read only by the tuned mode's search
            raise ValueError(f"{names['budget']} {get('budget')} is the trial budget of {names['mode']} tuned; "
                             f"add {names['mode']} tuned, or drop {names['budget']}")
        if get("lr") is not None and "lr" in unfit:
            raise ValueError(f"{names['mode']} defaults runs every optimizer at its default learning rate; drop "
                             f"{names['lr']} (or use {names['mode']} same-lr)")
        return values

    def resolved(self, *, names: Mapping[str, str] | None = None) -> tuple[Config, Any]:
        """``(Config, Task)``: the task built, and what it decides filled in (before any training starts)."""
        from .data import DataError
        from .tasks import option_names

        names = {**{k: k for k in self.keys()}, **(names or {})}
        options = dict(self.task_options)
        where = f"{names['csv']} {self.csv}" if self.csv is not None else f"task {self.task!r}"
        folded: dict[str, Any] = {}
        accepts = option_names(self.task, csv=self.csv)
        if isinstance(self.task, str) or self.csv is not None:  # a misspelt option: named, not a TypeError
            try:
                check_names(list(self.task_options), [*accepts, *(_CSV_KEYS[1:] if self.csv is not None else ())],
                            what=f"option of {where}")
            except ValueError as e:
                raise ValueError(f"{names['task_options']}: {e}") from None
        for key in (*TASK_SETTINGS, *(_CSV_KEYS[1:] if self.csv is not None else ())):
            if getattr(self, key) is not None and key in self.task_options:
                raise ValueError(_both_set(key, self.task_options[key], names))
        for key, value in (("standardize_target", self.standardize_target), ("start", self.start),
                           ("loss", self.loss)):
            if value is not None and key in accepts:  # the task's own option: its card says so
                options[key] = value
                folded[key] = None
            elif value is not None and key != "loss":
                raise ValueError(_not_an_option(key, value, where, names))
        if self.csv is not None:  # (one given as a task option is a setting already: _reading_options_as_settings)
            options.update({k: (list(v) if isinstance(v, tuple) else v) for k in _CSV_KEYS
                            if k != "kind" and (v := getattr(self, k)) is not None})
        try:
            task = get_task(self.task, task_options=options, csv=self.csv, column=self.column, kind=self.kind)
        except DataError as e:
            raise ValueError(e.render(_spelling(names))) from None
        except ValueError as e:  # the task's refusal of its start, in the words of the interface (--start)
            if "start" in folded and str(e).startswith("start="):
                raise ValueError(f"{names['start']} {','.join(f'{v:g}' for v in self.start)}: "
                                 f"{str(e).partition(' is not allowed; ')[2] or e}") from None
            given_option = next((k for k in self.task_options if str(e).startswith(f"{k}=")), None)
            if given_option is not None:  # --task-option m=abc: "m='abc' must be a whole number", and where
                raise ValueError(f"{names['task_options']} {given_option}: {e}") from None
            raise
        if self.standardize_target and task.kind in ("binary", "multiclass"):
            raise ValueError(f"{names['standardize_target']}: {where} is {task.kind} classification (column "
                             f"{self.column!r} holds classes), which has no scale to standardize; leave it out")
        if self.loss is not None:  # also where the task takes the loss as its own option (house-prices)
            _check_loss(self.loss, task, names, the_tasks_own="loss" in folded)
            task = task.with_loss(self.loss)  # its card, answer and surface of the loss trained
        if self.init is not None or self.init_scale is not None:
            from .models import with_init

            try:  # first: a model with no drawn weights takes neither (--init-scale was told to add --init normal)
                with_init(task.model, "normal")
            except ValueError:
                given = names["init"] if self.init is not None else names["init_scale"]
                raise ValueError(f"{given} {self.init if self.init is not None else f'{self.init_scale:g}'}: the "
                                 f"model of {where} starts from given values of its named parameters "
                                 f"({', '.join(task.model.names)}), not from drawn weights; set them with "
                                 f"{names['start']}") from None
        if self.init_scale is not None and self.init not in ("normal", "uniform"):
            raise ValueError(f"{names['init_scale']} {self.init_scale:g} is the scale of {names['init']} normal (its "
                             f"standard deviation) or uniform (its bound); add one of them"
                             + (f", not {names['init']} {self.init}" if self.init is not None else ""))
        if self.epochs is not None and task.data is None:  # a landscape: its epoch was one step, without a word
            raise ValueError(f"{names['epochs']}: {where} has no data to count epochs over; give {names['steps']}")
        specs = self.optimizers
        if specs is None:
            specs = _parse_optimizers(list(task.optimizers), f"the optimizers of task {task.name!r}")
        steps = task.steps if self.steps is None and self.epochs is None else self.steps
        lr = self.lr
        if self.mode == "same-lr" and lr is None:
            import numpy as np

            lo, hi = task.lr_range
            lr = tuple(float(f"{v:.3g}") for v in np.geomspace(lo, hi, 3))
        if self.lr is not None:  # each rate given, against each optimizer's own range (a plugin's may be narrow)
            _check_rates(lr, specs, names["lr"])
            if self.mode == "tuned":  # before any output
                tuned_range(lr, names)
        # a formula is kept as typed, so that the written configuration re-creates the same task
        given = self.task
        name = given.strip() if isinstance(given, str) and self.csv is None and given.strip() != task.name else (
            task.name)
        batch_sizes = self.batch_size if self.batch_size is not None else tuple(task.batch_sizes)
        _check_batch_sizes(batch_sizes, task, where, names, given=self.batch_size is not None, steps=steps,
                           epochs=self.epochs)
        _check_schedule(self.schedule, steps, self.epochs, batch_sizes, task, names)  # checked now, built per fit
        return replace(self, task=name, optimizers=specs, lr=lr, steps=steps, batch_size=batch_sizes,
                       task_options=_csv_options(task) if self.csv is not None else dict(task.options),
                       **folded), task


def _check_schedule(schedule: str | None, steps: int | None, epochs: int | None, batch_sizes: Sequence[Any],
                    task: Any, names: Mapping[str, str]) -> None:
    """Refuse, before any training, a schedule that cannot last the steps of a run: ``steps``, or under an epochs
    budget each batch size's own (one_cycle needs 2 at least: the full batch's 1 step of 1 epoch was "total_steps=1
    is out of range", and checked against 1 step whatever the batch size, every one_cycle under --epochs was)."""
    if steps is not None or epochs is None or getattr(task, "data", None) is None:
        parse_schedule(schedule, steps or 1, what=names["schedule"])
        return
    for b in dict.fromkeys(batch_sizes):
        taken = budget_steps(task, b, None, epochs)
        try:
            parse_schedule(schedule, taken, what=names["schedule"])
        except ValueError as e:
            raise ValueError(f"{e} ({epochs_steps(b, epochs, taken)})") from None


def tuned_range(rates: Sequence[float], names: Mapping[str, str]) -> tuple[float, float]:
    """The learning rates tuned mode searches between when rates are given: their lowest and highest, refused when
    they bound no range (``names``: how the interface spells ``lr`` and ``mode``)."""
    lo, hi = min(rates), max(rates)
    if not lo < hi:
        raise ValueError(f"{names['lr']} {','.join(f'{v:g}' for v in rates)}: {names['mode']} tuned searches the "
                         f"learning rate between the lowest and highest value of {names['lr']}; give two different "
                         f"values or a range LOW..HIGH (or leave {names['lr']} out: each optimizer's own range)")
    return lo, hi


def _check_rates(rates: Sequence[float], specs: Sequence[OptimizerSpec], flag: str) -> None:
    """Every learning rate of ``flag`` is one each optimizer that takes it allows, before anything trains."""
    from .optim import OPTIMIZERS, get

    for spec in specs:
        if "lr" in spec.options or spec.name not in OPTIMIZERS:  # its own rate given; random search (its step)
            continue
        allowed = next(h.allowed for h in get(spec.name).hyperparameters if h.name == "lr")
        for rate in rates:
            if not allowed.contains(float(rate)):
                raise ValueError(f"{flag} {rate:g}: {spec.name} takes a learning rate in {allowed}")


#: The settings that apply to a CSV file only (keys of :class:`Config`, options of
#: :func:`descend.tasks.real.from_csv` and :func:`descend.data.from_csv`).
_CSV_KEYS = ("kind", "features", "drop", "categorical", "dropna", "na_values", "sep", "encoding", "decimal",
             "thousands", "max_categories")

#: The settings that say how a task's data is read: a CSV file's (:data:`_CSV_KEYS`) and the target's
#: standardisation; ``descend tune`` takes them as ``descend compare`` does (:func:`data_task`).
DATA_KEYS = (*_CSV_KEYS, "standardize_target")
#: The settings of how every run trains, besides its optimizer, learning rate and batch size: the task's options
#: and start, the model's initialisation, the loss, the learning rate's schedule and the gradient's clipping;
#: ``descend tune`` takes them as ``descend compare`` does (:func:`training_config`).
TRAINING_KEYS = ("task_options", "start", "init", "init_scale", "loss", "schedule", "clip_norm", "clip_value")
#: What a setting given on the command line replaces of a --config file's, when it differs from the file's: the
#: settings that cannot go with it (steps and epochs; the columns to use and those to leave out), or that belonged
#: to what it changes (another task: the file's data and task options). Another mode: :func:`not_with_mode`.
REPLACES: dict[str, tuple[str, ...]] = {
    "steps": ("epochs",), "epochs": ("steps",), "features": ("drop",), "drop": ("features",),
    "task": ("csv", "column", "task_options", *DATA_KEYS), "csv": ("task", "task_options"),
}

#: The settings that a task may also take as an option of its own (``task_options``): one value, given in one place.
TASK_SETTINGS = ("standardize_target", "start", "loss", "steps", "init", "init_scale")


def not_with_mode(mode: str) -> dict[str, str]:
    """The settings that cannot go with ``mode``, and why: the trial budget in any mode but tuned (only its search
    reads it), the learning rates in defaults mode (each optimizer at its own).

    >>> list(not_with_mode("same-lr")), list(not_with_mode("defaults")), list(not_with_mode("tuned"))
    (['budget'], ['budget', 'lr'], [])
    """
    out = {}
    if mode != "tuned":
        out["budget"] = "the trial budget of tuned mode's learning-rate search"
    if mode == "defaults":
        out["lr"] = "defaults runs every optimizer at its default learning rate"
    return out


def data_task(task: Any, *, csv: str | None = None, column: str | None = None,
              names: Mapping[str, str] | None = None, **options: Any) -> Any:
    """The task of TASK or ``--csv PATH --column COL`` with the options of :data:`DATA_KEYS` (texts as typed,
    None for not given), built and refused exactly as ``descend compare`` builds its task (:meth:`Config.resolved`),
    errors naming the options as ``names`` spells them (default: the command line's flags)."""
    unknown = [k for k in options if k not in DATA_KEYS]
    if unknown:
        raise TypeError(f"data_task() got unexpected options {unknown}")
    return training_config(task, csv=csv, column=column, names=names, **options)[1]


def training_config(task: Any, *, csv: str | None = None, column: str | None = None,
                    names: Mapping[str, str] | None = None, **options: Any) -> tuple[Config, Any]:
    """``(Config, Task)`` for TASK or ``--csv PATH --column COL`` with the options of :data:`DATA_KEYS`,
    :data:`TRAINING_KEYS`, ``steps`` and ``epochs`` (texts as typed, None for not given), resolved and refused
    exactly as ``descend compare`` resolves its settings (:meth:`Config.resolved`), the model initialised as
    ``init`` asks (:func:`initialised`); errors name the options as ``names`` spells them (default: the command
    line's flags). The settings of ``descend tune``, which trains its trials as a comparison trains its runs
    (``batch_size="full"``: its own batch size is checked by its plan, not the task's several defaults)."""
    unknown = [k for k in options if k not in (*DATA_KEYS, *TRAINING_KEYS, "steps", "epochs", "batch_size")]
    if unknown:
        raise TypeError(f"training_config() got unexpected options {unknown}")
    names = {**Config.flags(), **(names or {})}
    data = {"task": task, "csv": csv, "column": column, **options}
    config = Config.from_dict({k: v for k, v in data.items() if v is not None and (v != [] or k != "task_options")},
                              names=names)
    config, built = config.resolved(names=names)
    return config, initialised(built, config)


def initialised(task: Any, config: Config) -> Any:
    """``task`` with its model initialised as ``config.init`` (and ``init_scale``) asks; ``task`` itself when
    ``init`` is not given (the task's own initialisation)."""
    if config.init is None:
        return task
    from .models import with_init

    return replace(task, model=with_init(task.model, config.init, config.init_scale))


def _spelling(names: Mapping[str, str]) -> Callable[[str, Any], str]:
    """How a :class:`descend.data.DataError`'s fix is written for the interface ``names`` is of: an option
    on the command line (``--encoding latin-1``, ``--dropna``, ``--drop id,name``), a key of a settings file
    or request body (``encoding = 'latin-1'``), and an option that is not a setting as one of
    ``task_options``."""
    def spell(key: str, value: Any) -> str:
        key = {"target": "column"}.get(key, key)  # the data's target is the column to predict
        name = names.get(key)
        if name is None:
            return f"{key} = {value!r} in task_options"
        if not name.startswith("-"):
            return f"{name} = {value!r}"
        if value is True:
            return name
        if value is False and name.startswith("--"):  # a switch's other side
            return "--no-" + name[2:]
        if isinstance(value, (list, tuple)):  # as _parse_columns reads it back: a name with a comma quoted
            value = join_items(value)
        value = SPELLED.get(value, value) if isinstance(value, str) else value
        return f"{name} {shell_word(value)}"

    return spell


def _not_an_option(key: str, value: Any, where: str, names: Mapping[str, str]) -> str:
    """Why a setting that a task takes as its own option does not apply to this one."""
    from .tasks import TASKS, option_names

    have = [n for n in TASKS if key in option_names(n)]
    shown = ", ".join(have[:4]) + (", ..." if len(have) > 4 else "")
    if key == "start":
        return (f"{names['start']} {','.join(f'{v:g}' for v in value)}: {where} has no start point (its model's "
                f"weights are drawn, see {names['init']}); a start applies to landscapes, formulas and {shown}")
    return (f"{names[key]}: {where} keeps its target as it is (see its card); it applies to a CSV file and to "
            f"{shown}")


def _check_loss(loss: str, task: Any, names: Mapping[str, str], *, the_tasks_own: bool = False) -> None:
    """Refuse a loss that does not fit the task's kind (before any training). ``the_tasks_own``: the task was
    built with this loss as its option, so its loss is the one given (no longer one it allows of its own)."""
    from .losses import LOSSES

    if task.kind == "cost":
        raise ValueError(f"{names['loss']} {loss}: task {task.name!r} is a landscape, whose cost is the function "
                         "itself; a loss applies to a task with data")
    regression = [n for n, info in LOSSES.items()
                  if info.kind == "regression" or (n == task.loss and not the_tasks_own)]
    allowed = {"binary": ["bce", "bce-logits"], "multiclass": ["cross-entropy"]}.get(task.kind, regression)
    if loss not in allowed:
        what = {"binary": "binary classification", "multiclass": "multiclass classification"}.get(task.kind, task.kind)
        kind = {"bce": "binary classification", "bce-logits": "binary classification",
                "cross-entropy": "multiclass classification"}.get(loss, LOSSES[loss].kind)
        raise ValueError(f"{names['loss']} {loss} is a {kind} loss; task {task.name!r} is "
                         f"{what}: choose one of {', '.join(allowed)}")
    if loss == "mape" and getattr(getattr(task, "data", None), "target_standardized", False):
        raise ValueError(f"{names['loss']} mape divides each error by the target |y|, and task {task.name!r} "
                         "standardises its target on the training split (centred on 0: rows near the mean would "
                         "weigh most): train on the column's own values with "
                         f"{_spelling(names)('standardize_target', False)}, or choose another loss")


def _check_batch_sizes(sizes: Sequence[Any], task: Any, where: str, names: Mapping[str, str], *,
                       given: bool, steps: int | None = None, epochs: int | None = None) -> None:
    """Refuse a batch size larger than the training set, saying how many rows the data set has: a hybrid's
    later size only where the budget (``steps`` or ``epochs``) reaches it, as :func:`descend.fit` does."""
    data = getattr(task, "data", None)
    from .data import hybrid

    if data is None:  # a landscape: one function, one "sample" (a noisy one has data)
        wrong = [b for b in sizes if isinstance(b, int) and not isinstance(b, bool) and b > 1
                 or isinstance(b, hybrid)]
        if wrong:
            raise ValueError(f"{names['batch_size']} {batch_text(wrong[0])} does not apply: {where} has no data (its "
                             f"cost is one function, with no samples to batch); give {names['batch_size']} full")
        return
    m = len(data.train)
    total = m + sum(len(p) for p in (data.validation, data.test) if p is not None)
    rows = f"{total} rows, {m} of them for training" if total != m else f"{m} rows"
    too_big = [b for b in sizes if isinstance(b, int) and not isinstance(b, bool) and b > m]
    if too_big:
        fix = (f"give {names['batch_size']} 1..{m} or full" if given else
               f"its default batch size {too_big[0]} does not fit; give {names['batch_size']} 1..{m} or full")
        raise ValueError(f"{names['batch_size']} {too_big[0]} is larger than the training set of {where} "
                         f"({rows}): {fix}")
    for b in sizes:  # both of a hybrid's sizes, before any training (its second one is used epochs later)
        if not isinstance(b, hybrid):
            continue
        if b.first > m:
            which = f"its first batches of {b.first} are"
        elif (b.then or 0) > m and hybrid_reaches(b, m, steps, epochs):
            which = f"its batches of {b.then} after {b.epochs} epoch{'s' * (b.epochs != 1)} are"
        else:
            continue
        named = (f"{names['batch_size']} {batch_text(b)}: {which}" if given else
                 f"the default batch size of {where}, {batch_text(b)}, does not fit: {which}")
        raise ValueError(f"{named} larger than the training set of {where} ({rows}); give {names['batch_size']} "
                         f"hybrid({min(b.first, m)},{b.epochs},full) (full batches then) or sizes up to {m}")


def hybrid_reaches(b: Any, m: int, steps: int | None, epochs: int | None) -> bool:
    """Whether a run of ``steps`` steps (or ``epochs`` epochs) over ``m`` training rows reaches the hybrid batch
    size ``b``'s later batches (``b.then``, after ``b.epochs`` epochs of ``b.first``)."""
    from .data.batches import plan_length

    if epochs is not None:
        return epochs > b.epochs
    return steps is not None and steps > plan_length(m, b.first, steps=None, epochs=b.epochs, drop_last=False)


def _csv_options(task: Any) -> dict[str, Any]:
    """The options of a CSV task that a re-run needs besides the file and its column: those that differ from
    :func:`descend.tasks.real.from_csv`'s defaults (``standardize_target=False``, another ``data_seed``)."""
    import inspect

    from .tasks import real

    defaults = {k: p.default for k, p in inspect.signature(real.from_csv).parameters.items()}
    return {k: v for k, v in task.options.items()
            if k not in ("path", "target", "kind") and k in defaults and v != defaults[k]}


def get_task(task: Any, *, task_options: Mapping[str, Any] | None = None, csv: str | None = None,
             column: str | None = None, kind: str | None = None) -> Any:
    """A task from a name, a landscape formula such as ``"x**2 + 10*sin(y)"``, or a CSV file and its column
    (read as ``kind``, inferred when None)."""
    from . import tasks

    options = dict(task_options or {})
    if csv is not None:
        if task is not None:
            raise ValueError("give a TASK or --csv PATH --column COL, not both")
        if not column:
            raise ValueError(f"--csv {csv!r} needs --column COL: the column to predict")
        return tasks.real.from_csv(csv, column, kind, **options)
    if task is None:
        raise ValueError("give a TASK (see `descend list tasks`), a landscape formula, or --csv PATH --column COL")
    if isinstance(task, tasks.Task):
        return task
    if not isinstance(task, str):
        return tasks.get(task, **options)
    # a bare word is a task's name (misspelt: close names are suggested); anything else (an operator, a
    # bracket, a number, a subtraction typed without spaces) was meant as a formula (descend.formula.is_name)
    from .formula import is_name

    if is_name(task):
        from .optim import OPTIMIZERS

        if task.strip().lower() in OPTIMIZERS and task.strip().lower() not in tasks.TASKS:  # -o adam sgd
            raise ValueError(f"{task.strip()!r} is an optimizer, not a task: name a task (descend list tasks); an "
                             f"optimizer is given apart (-o {task.strip()})")
        return tasks.get(task, **options)
    if tasks.looks_like_file(task):
        import shlex

        raise ValueError(f"{_clipped(task)} is a file, not a task: descend compare and descend tune read a CSV file "
                         f"with --csv {shlex.quote(task)} --column COL (COL: the column to predict)")
    try:
        return tasks.get(task, **options)
    except ValueError:
        pass
    from .formula import FormulaError

    try:
        return tasks.formula(task, **options)
    except FormulaError as bad:
        raise ValueError(f"{_clipped(task)} is neither a task nor a formula: {bad}") from None


def _clipped(text: str, limit: int = 60) -> str:
    """``text`` quoted, cut to ``limit`` characters (with its length) so that an error stays one line."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text)} characters)"


def resolve(task: Any = None, **settings: Any) -> tuple[Config, Task]:
    """Check every input and fill the defaults from the task: ``(Config, Task)``, before any training starts.

    ``settings`` are :class:`Config`'s fields by their Python names (``optimizers=["adam", "sgd:momentum=0.9"]``,
    ``lr="1e-3..1e-1:5"`` or ``[0.01, 0.1]``, ``batch_size="full,32"``, ``steps=``, ``seeds=``, ...), ``None``
    for "not given"; errors name them as the command line does (``--lr``). Defaults: the task's optimizers and
    batch sizes, its number of steps, and in ``same-lr`` mode three learning rates across the task's range.
    """
    keys = {e.name: e.key for e in Config.entries()}
    unknown = [n for n in settings if n not in keys]
    if unknown:
        raise TypeError(f"resolve() got an unexpected setting {unknown[0]!r}{close_matches(unknown[0], keys)}")
    names = Config.flags()
    config = Config.from_dict({"task": task, **{keys[n]: v for n, v in settings.items()}}, names=names)
    return config.resolved(names=names)
