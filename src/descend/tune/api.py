""":func:`tune`: hyperparameter search on Optuna, K trials trained as one batched program.

Every input is checked before anything is trained or written to a study (:func:`plan`); then each
optimizer's study runs to its trial budget (:class:`descend.tune.runner.Runner`), and the best
configuration of each is re-run with ``seeds`` seeds over the whole budget and reported on test data.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._autograd import autograd_on
from .._checks import close_matches, plain_number
from .._names import counted
from . import logs, pruning
from .space import BATCH_SIZE, SCHEDULE, ChoiceSpace, Space, share, space_for, trial_schedules

if TYPE_CHECKING:
    from .result import TuneResult
    from .runner import Budget

#: How each argument is named in errors, in Python; the command line passes its flags instead.
NAMES = {"task": "task", "optimizer": "optimizer", "space": "space", "trials": "trials", "cohort": "cohort",
         "sampler": "sampler", "pruner": "pruner", "steps": "steps", "epochs": "epochs", "seeds": "seeds",
         "storage": "storage", "study": "study", "timeout": "timeout", "metric": "metric", "batch_size": "batch_size",
         "out": "out", "seed": "seed", "eval_every": "eval_every", "csv": "task", "loss": "loss",
         "schedules": "schedules", "start": "the task's start="}

DEFAULT_TRIALS = 64
DEFAULT_COHORT = 16
DEFAULT_SEEDS = 3  #: re-runs of each best configuration


@dataclass
class Plan:
    """A checked search: everything :func:`run` needs, decided before any training."""

    task: Any
    problem: Any
    optimizers: list[tuple[str, dict[str, Any]]]  #: (label, fixed values); a choice's label is "adam|sgd"
    spaces: dict[str, Space | ChoiceSpace]
    trials: int
    cohort: int
    sampler: str
    pruner: str
    budget: Any
    target: Any
    batch_size: Any
    seeds: int
    storage: str
    study: str
    timeout: float | None
    seed: int
    eval_every: int | None
    clip_norm: float | None = None
    clip_value: float | None = None
    names: Mapping[str, str] = field(default_factory=lambda: dict(NAMES))
    #: every run's schedules (:class:`descend.spec.RunSpec`'s), e.g. descend compare's --schedule; not in the study
    schedules: Mapping[str, Callable[[int], Any]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: a digest of a file task's numbers (:func:`descend.tasks.task.data_digest`), computed once; None for others
    data: str | None = None
    #: whether the studies are kept in ``out`` (``out/study.journal``, no storage given): then another ``out``
    #: keeps another search apart from them, as another study name does
    kept_in_out: bool = False

    def study_name(self, optimizer: str) -> str:
        return self.study if len(self.optimizers) == 1 else f"{self.study}-{optimizer}"


def _task(task: Any, names: Mapping[str, str]) -> Any:
    from .. import tasks

    if isinstance(task, tasks.Task):
        return task
    if not isinstance(task, str) or not task.strip():
        raise ValueError(f"{names['task']} {task!r}: give a task name (see `descend list tasks`), a landscape or a "
                         "formula in x and y, or a descend.tasks.Task")
    from ..formula import is_name

    if not is_name(task) and tasks.looks_like_file(task):  # read as a formula: "attribute access ('.csv')" (the
        # command line's --csv is read before: its words are compare's)
        raise ValueError(f"{names['task']} {task!r} is a file, not a task: descend.tasks.real.from_csv({task!r}, "
                         "target='COL') builds its task, to give as task (COL: the column to predict)")
    word = is_name(task)  # a name, not a formula: its error is the task's
    try:
        return tasks.get(task)
    except ValueError as e:
        if word:
            raise ValueError(f"{names['task']}: {e}") from None
    from ..formula import FormulaError

    try:
        return tasks.formula(task)
    except FormulaError as bad:
        raise ValueError(f"{names['task']} {task!r} is neither a task nor a formula: {bad}") from None


def parse_optimizer(text: Any, names: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    """``"adam"`` or ``"sgd:nesterov=true,momentum=0.9"`` → (registry name, fixed values), checked."""
    from ..catalog import RANDOM_SEARCH
    from ..compare_config import as_switches, parse_scalar
    from ..optim import get
    from ..optim.registry import OPTIMIZERS, unknown

    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{names['optimizer']} {text!r}: give a name such as adam, or sgd:nesterov=true")
    name, _, rest = text.strip().partition(":")
    key = name.strip().lower().replace("_", "-")
    if key == RANDOM_SEARCH[0]:  # the registry's words would send a search back here
        raise ValueError(f"{names['optimizer']} {text!r}: random search draws its points at random and has no "
                         "hyperparameters to tune; descend compare and descend.fit run it beside the optimizers")
    if key not in OPTIMIZERS and "," not in key:  # the registry's list names random search, which a search refuses
        raise ValueError(f"{names['optimizer']} {text!r}: {unknown(name.strip(), random_search=False)}")
    try:
        info = get(name.strip())
    except ValueError as e:
        raise ValueError(f"{names['optimizer']} {text!r}: {e}") from None
    fixed: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = part.partition("=")
        if not eq or not key.strip():
            raise ValueError(f"{names['optimizer']} {text!r}: fixed values are key=value pairs, e.g. "
                             "sgd:nesterov=true,momentum=0.9")
        if key.strip() in fixed:  # the last would have won without a word
            raise ValueError(f"{names['optimizer']} {text!r}: {key.strip()} is given twice; give each value once "
                             f"(a range to search goes in {names['space']})")
        fixed[key.strip()] = parse_scalar(value, f"{names['optimizer']} {text!r}")
    try:
        from .._checks import check_names

        check_names(list(fixed), info.names, what=f"hyperparameter of {info.name}")
        fixed = as_switches(info, fixed)  # nesterov=1 is nesterov=True, as descend compare reads it
        # each value alone: nesterov=true needs momentum > 0, which the space gives (checked with it, space.py)
        sgd_nesterov = fixed.get("nesterov") is True and "momentum" not in fixed and "momentum" in info.names
        info.configure(**({"momentum": 0.9} if sgd_nesterov else {}), **fixed)
    except ValueError as e:
        raise ValueError(f"{names['optimizer']} {text!r}: {e}") from None
    return info.name, fixed


def _spaces_by_optimizer(space: Any, optimizers: Sequence[str],
                         names: Mapping[str, str]) -> tuple[dict[str, str | None], str | None]:
    """``space`` as text per optimizer: one text for all, ``{optimizer: text}``, or a list of texts each
    either for all or prefixed ``OPTIMIZER:`` (``"sgd: lr=1e-3..1:log, momentum=0..0.99"``); and the text
    for all (the first, or None)."""
    from ..optim import get

    out: dict[str, str | None] = {name: None for name in optimizers}
    shared = None
    if space is None:
        return out, shared
    if isinstance(space, Mapping):
        items = [(k, v) for k, v in space.items()]
        for key, text in items:  # the texts of a dict are read as those of a list are
            if not isinstance(text, str):
                raise ValueError(f"{names['space']} {{{key!r}: {text!r}}}: give each optimizer's space as text, "
                                 "e.g. {'adam': 'lr=1e-5..1e-1:log, beta1=0.8..0.999'}")
    else:
        if not isinstance(space, (str, list, tuple)):
            raise ValueError(f"{names['space']} {space!r}: give the space as text, e.g. 'lr=1e-5..1e-1:log' (or a "
                             "list of texts, or a dict of them by optimizer)")
        texts = [space] if isinstance(space, str) else list(space)
        items = []
        for text in texts:
            if not isinstance(text, str):
                raise ValueError(f"{names['space']} {text!r}: give the space as text, e.g. 'lr=1e-5..1e-1:log'")
            m = re.match(r"^\s*([A-Za-z][\w-]*)\s*:(?!\s*[\w.]+\s*=\s*)(.*)$", text) or re.match(
                r"^\s*([A-Za-z][\w-]*)\s*:\s*([A-Za-z_]\w*\s*=.*)$", text)
            items.append((m.group(1), m.group(2)) if m else (None, text))
    # texts for all are one space together, and so are the texts of one optimizer (a name given twice is then
    # refused by the parser); an optimizer's own space adds to the one for all, replacing the items it names
    # (``--space 'lr=1e-3..1e-1:log' --space 'sgd: momentum=0..0.9'``: sgd searches both), and leaves out the
    # items for all that it does not have (adam's beta1 for sgd)
    shared_texts: list[str] = []
    own: dict[str, list[str]] = {}
    for key, text in items:
        if key is None:
            shared_texts.append(text)
            continue
        try:
            name = get(str(key)).name
        except ValueError as e:
            raise ValueError(f"{names['space']} {key}: ...: {e}") from None
        if name not in out:
            raise ValueError(f"{names['space']} {key}: ...: {name} is not one of the optimizers tuned "
                             f"({', '.join(optimizers)}); add {names['optimizer']} {name}")
        own.setdefault(name, []).append(text)
    shared = ", ".join(shared_texts) if shared_texts else None
    # with several optimizers, each item for all goes to those that have it (as in a choice: adam's beta1 is not
    # sgd's), and one that none has is refused with the close matches
    split = share(shared, list(optimizers), what=names["space"]) if shared and len(optimizers) > 1 else None
    for name in optimizers:
        if name not in own:
            out[name] = shared if split is None else split[name]
            continue
        mine = [item for text in own[name] for item in _items(text)]
        # with no space for all, an optimizer's own items are its whole space (the playground's link to descend
        # tune gives "adam: lr=..." to search the rate alone)
        out[name] = _merged(shared or "", mine, {*get(name).names, BATCH_SIZE, SCHEDULE})
    return out, shared


def _merged(base: str, mine: Sequence[str], has: set[str]) -> str:
    """The items of ``base`` that the optimizer has (``has``) and ``mine`` does not name, then ``mine``."""
    named = {_item_name(item) for item in mine}
    inherited = [item for item in _items(base) if _item_name(item) not in named and _item_name(item) in has]
    return ", ".join(inherited + list(mine))


def _items(text: str) -> list[str]:
    """The items of a space's text, ``name=...`` each (a comma separates them; a step or a log mark is part of
    its item)."""
    return [item.strip() for item in re.split(r",\s*(?=[A-Za-z_][\w-]*\s*=)", text) if item.strip()]


def _item_name(item: str) -> str:
    return item.partition("=")[0].strip()


def _parse_choice(text: Any, names: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """``"adam"`` → one optimizer (its own study); ``"adam|sgd:nesterov=true,momentum=0.9"`` → a choice of
    optimizers inside one study, each checked as :func:`parse_optimizer`."""
    if not isinstance(text, str) or "|" not in text:
        return [parse_optimizer(text, names)]
    parts = [part.strip() for part in text.split("|")]
    if any(not part for part in parts):
        raise ValueError(f"{names['optimizer']} {text!r}: an empty choice; a choice of optimizers in one study is "
                         "NAME|NAME..., e.g. adam|sgd")
    members = [parse_optimizer(part, names) for part in parts]
    labels = [name for name, _ in members]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{names['optimizer']} {text!r} names an optimizer twice; choose each once")
    return members


def _whole(value: Any, name: str, low: int, high: int | None = None) -> int:
    """``value`` as a Python int (a NumPy integer is one), refused unless a whole number in [``low``, ``high``]."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} {value!r}: a whole number is required, not {type(value).__name__}")
    if high is not None and not low <= value <= high:
        raise ValueError(f"{name} {value!r}: a whole number from {low} to {high} is required")
    if value < low:
        raise ValueError(f"{name} {value!r}: a whole number >= {low} is required")
    return int(value)


#: The largest sampler seed: Optuna's samplers take NumPy's seeds, 0 to 2³² − 1.
MAX_SEED = 2**32 - 1


def plan(task: Any, *, optimizer: Any = "adam", space: Any = None, trials: int = DEFAULT_TRIALS,
         cohort: int | None = None, sampler: str = "tpe", pruner: str = "none", steps: int | None = None,
         epochs: int | None = None, seeds: int = DEFAULT_SEEDS, storage: str | None = None, study: str | None = None,
         timeout: float | None = None, out: Any = None, metric: str = "loss", batch_size: Any = "task",
         seed: int = 0, eval_every: int | None = None, loss: Any = None, clip_norm: float | None = None,
         clip_value: float | None = None, names: Mapping[str, str] | None = None,
         schedules: Mapping[str, Callable[[int], Any]] | None = None) -> Plan:
    """Check every argument of :func:`tune` and decide what the task leaves open; a ``ValueError`` names the
    argument (``names``: how the interface spells it). Nothing is trained and no study is opened."""
    from ..optim import get
    from .runner import METRICS, SAMPLERS, Budget, Target, grid_size
    from .storage import absolute, check, in_memory, storage_file

    names = {**NAMES, **(names or {})}
    built = _task(task, names)
    if "path" in built.options:  # a CSV file's task: named by the argument that gave it (--csv, not TASK)
        names["task"] = names["csv"]
    from ..optim import OptimizerInfo

    if isinstance(optimizer, OptimizerInfo) or (isinstance(optimizer, (list, tuple)) and any(
            isinstance(o, OptimizerInfo) for o in optimizer)):
        raise ValueError(f"{names['optimizer']}: an optimizer is given by its name; add one of your own with "
                         "descend.optim.register(info), then give its name")
    if not (optimizer is None or isinstance(optimizer, (str, list, tuple))) or isinstance(optimizer, (list, tuple)) \
            and not all(isinstance(o, str) for o in optimizer):
        raise ValueError(f"{names['optimizer']} {optimizer!r}: give an optimizer's name, e.g. 'adam', or a list "
                         "of names")
    optimizers = [optimizer] if isinstance(optimizer, str) else list(optimizer or [])
    if not optimizers:
        raise ValueError(f"{names['optimizer']}: give at least one optimizer, e.g. adam")
    studies = [_parse_choice(o, names) for o in optimizers]  # one study each: an optimizer or a choice
    parsed = [item for members in studies for item in members]
    labels = [name for name, _ in parsed]
    if len(set(labels)) != len(labels):
        raise ValueError(f"{names['optimizer']}: {', '.join(labels)} names an optimizer twice; tune each once")
    trials = _whole(trials, names["trials"], 1)
    cohort = min(DEFAULT_COHORT, trials) if cohort is None else _whole(cohort, names["cohort"], 1)
    if cohort > trials:
        raise ValueError(f"{names['cohort']} {cohort} is larger than the trial budget {names['trials']} {trials}; "
                         f"give {names['cohort']} 1..{trials}")
    for members in studies:  # each optimizer of a choice starts from a trial at its defaults (its baseline)
        if len(members) > trials:
            label = "|".join(name for name, _ in members)
            raise ValueError(f"{names['trials']} {trials} is smaller than the {len(members)} optimizers of "
                             f"{names['optimizer']} {label}, each of which gets a first trial at its defaults; give "
                             f"{names['trials']} {len(members)} or more")
    if not isinstance(sampler, str) or sampler.strip().lower() not in SAMPLERS:
        raise ValueError(f"{names['sampler']} {sampler!r}: unknown sampler{close_matches(str(sampler), SAMPLERS)} "
                         f"(allowed: {', '.join(SAMPLERS)})")
    sampler = sampler.strip().lower()
    if not isinstance(pruner, str) or pruner.strip().lower() not in pruning.PRUNERS:
        raise ValueError(f"{names['pruner']} {pruner!r}: unknown pruner"
                         f"{close_matches(str(pruner), pruning.PRUNERS)} (allowed: {', '.join(pruning.PRUNERS)})")
    pruner = pruner.strip().lower()
    if steps is not None and epochs is not None:
        raise ValueError(f"give {names['steps']} or {names['epochs']}, not both")
    from ..compare_config import MAX_BUDGET

    if steps is not None:
        _whole(steps, names["steps"], 1, MAX_BUDGET)
    if epochs is not None:
        _whole(epochs, names["epochs"], 1, MAX_BUDGET)
        if built.data is None:
            raise ValueError(f"{names['epochs']}: task {built.name!r} has no data to count epochs over; give "
                             f"{names['steps']}")
    budget = Budget(steps if steps is not None or epochs is not None else built.steps, epochs)
    seeds = _whole(seeds, names["seeds"], 0)
    seed = _whole(seed, names["seed"], 0, MAX_SEED)
    if eval_every is not None:
        _whole(eval_every, names.get("eval_every", "eval_every"), 1)  # Python's alone: no flag sets it
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, numbers.Real)
                                or not math.isfinite(timeout) or timeout <= 0):
        raise ValueError(f"{names['timeout']} {timeout!r}: a positive, finite number of seconds is required (no "
                         "timeout: leave it out)")
    timeout = float(timeout) if timeout is not None else None  # (numpy's numbers too)
    if not isinstance(metric, str) or metric.strip().lower() not in METRICS:
        raise ValueError(f"{names['metric']} {metric!r}: unknown metric{close_matches(str(metric), METRICS)} "
                         f"(allowed: {', '.join(METRICS)})")
    metric = metric.strip().lower()
    if metric == "accuracy" and built.kind not in ("binary", "multiclass"):
        kind = "a landscape (a cost function of its parameters)" if built.kind == "cost" else built.kind
        reading = next((text for key, text in built.facts if key == "reading"), None)  # classes read as a number?
        raise ValueError(f"{names['metric']} accuracy: task {built.name!r} is {kind}, which has no accuracy; use "
                         + (f"{names['metric']} loss" if names["metric"].startswith("-") else
                            f"{names['metric']}='loss'") + (f"; {reading}" if reading else ""))
    try:
        problem = built.problem(loss=loss if loss is not None else "auto")
    except ValueError as e:  # the loss given, or the task's own
        raise ValueError(f"{names['loss'] if loss is not None else names['task']}: {e}") from None
    built = built.with_loss(loss)  # its card, answer and surface of the loss trained
    target = Target("validation" if "validation" in problem.evals else "train", metric)
    batch = _batch_size(batch_size, built, names, problem.samples)
    if callable(batch):  # a schedule of batch sizes (hybrid): every epoch the budget reaches, before any study
        from ..data.batches import check_sizes  # (its words name batch_size=, which only Python can give)

        check_sizes(problem.samples, batch, steps=budget.steps if budget.epochs is None else None,
                    epochs=budget.epochs, drop_last=False)
    # the schedules that last the trials' steps, which under an epochs budget their batch size decides
    lasting: list[tuple[str, str]] = []
    if isinstance(schedules, Mapping):  # a schedule by its name or class, as fit takes it: a multiplier over the steps
        schedules, lasting = _built_schedules(schedules, budget, problem, batch, names)
    texts, shared = _spaces_by_optimizer(space, labels, names)
    for members in studies:
        if len(members) > 1 and shared is not None:  # in a choice, each item goes to the optimizers that have it
            split = share(shared, [name for name, _ in members], what=names["space"])
            texts.update({name: split[name] for name, _ in members if texts[name] == shared})
    choices = [members for members in studies if len(members) > 1]
    if choices and sampler not in ("tpe", "random"):
        label = "|".join(name for name, _ in choices[0])
        raise ValueError(f"{names['sampler']} {sampler}: a choice of optimizers in one study ({names['optimizer']} "
                         f"{label}) is a conditional space, which only tpe and random sample; use one of those, or "
                         f"tune each optimizer in its own study ("
                         + " ".join(f"{names['optimizer']} {n}" for n, _ in choices[0]) + ")")
    spaces = {}
    for name, fixed in parsed:
        lr = built.default_lr(name)
        try:
            spaces[name] = space_for(name, texts[name], lr=lr, fixed=fixed, what=names["space"])
        except ValueError as e:
            if texts[name] is None:
                raise ValueError(f"{names['optimizer']} {name}: {e}") from None
            raise
        if not spaces[name].searched and not any(len(m) > 1 and name in dict(m) for m in studies):
            empty = not (texts[name] or "").replace(",", "").strip() if isinstance(texts[name], str) else False
            raise ValueError(f"{names['space']} {texts[name]!r}: " + ("the space is empty" if empty else
                             f"nothing to search for {name} (every item is fixed)")
                             + "; give a range LOW..HIGH or choices A|B")
        _check_batch_sizes(spaces[name], built, names, problem.samples)  # before any study is created
        in_space = BATCH_SIZE in spaces[name].defaults or any(q.name == BATCH_SIZE for q in spaces[name].params)
        if in_space and not (isinstance(batch_size, str) and batch_size == "task"):  # the space's won silently
            raise ValueError(f"{names['batch_size']} and {names['space']}'s {BATCH_SIZE} both set the batch size "
                             f"of {name}'s trials; give it in one place")
        defaults = dict(spaces[name].defaults)
        defaults.setdefault(BATCH_SIZE, batch)
        spaces[name] = Space(spaces[name].optimizer, spaces[name].params, defaults)
        get(name)
        _check_searched_schedule(spaces[name], schedules, budget, problem, names)
        if lasting and any(b != batch for b in _batch_sizes(spaces[name])):
            from ..compare_config import batch_text, schedule_name

            key, text = lasting[0]
            flag = names["schedules"].startswith("-")
            given = f"{names['schedules']} {text!r}" if flag else f"{names['schedules']}[{key!r}]={text!r}"
            options = "".join(f", {o.strip()}" for o in text.partition(":")[2].split(",") if o.strip())
            total = (f"{text}{',' if ':' in text else ':'}total_steps=..." if flag else
                     f"descend.schedules.{schedule_name(text)}(1.0, total_steps=...{options})")
            sizes = _batch_sizes(spaces[name])
            where = (f"put the schedule in the space, {names['space']} '..., {SCHEDULE}={text}' (each trial's over its "
                     "own steps), " if key == "lr" else "")
            if len(sizes) == 1:  # fixed by the space: the batch size every trial takes, given in another place
                value = sizes[0] if isinstance(sizes[0], int) else repr(batch_text(sizes[0]))
                fixed = f"{names['batch_size']} {batch_text(sizes[0])}" if flag else f"{names['batch_size']}={value}"
                raise ValueError(f"{given} lasts the steps of a trial, which under an {names['epochs']} budget its "
                                 f"batch size decides, and {names['space']} fixes it at {batch_text(sizes[0])}: "
                                 f"{where}give the batch size as {fixed} (every optimizer's), or give {total}")
            searched = "|".join(batch_text(b) for b in sizes)
            raise ValueError(f"{given} lasts the steps of a trial, which under an {names['epochs']} budget its batch "
                             f"size decides, and {names['space']} searches the batch size ({searched}); {where}give "
                             f"{total}, or give {names['steps']}")
    if eval_every is not None and pruner != "none":  # at every budget in steps a trial may train with
        for steps_ in sorted({budget.steps_for(problem, size) for s in spaces.values() for size in _batch_sizes(s)}):
            if (lost := pruning.lost_checkpoints(pruner, steps_, eval_every, what=names["eval_every"])) is not None:
                raise ValueError(f"{names['eval_every']} {eval_every}: {lost}")
    if schedules:  # checked as every trial's RunSpec checks them, for each optimizer searched (a schedule applies
        # to those that have its hyperparameter, as in a grid), and where a trial may have it at 0 (a schedule of it
        # is refused there, after the study was written: every retry failed again)
        from ..spec import RunSpec, schedules_for

        owned = ({k for name, _ in parsed for k in schedules_for(name, schedules)} if isinstance(schedules, Mapping)
                 else set())
        if not isinstance(schedules, Mapping) or set(schedules) - owned:
            try:
                RunSpec(parsed[0][0], {}, schedules=schedules).resolved()  # its words for what is wrong
            except ValueError as e:
                raise ValueError(_schedules_said(e, names)) from None
        for name, _ in parsed:
            mine = schedules_for(name, schedules)
            try:
                RunSpec(name, {}, schedules=mine).resolved()
            except ValueError as e:
                raise ValueError(_schedules_said(e, names)) from None
            for key in mine:
                if 0.0 in _possible_values(spaces[name], key):
                    given = next((q for q in spaces[name].params if q.name == key), None)
                    where = (f"{name}'s default, 0, not searched" if given is None else
                             f"{names['space']} fixes it at 0" if given.kind == "fixed" else f"{names['space']} reaches 0")
                    raise ValueError(f"{names['schedules']}: the schedule of {key!r} multiplies {key}, which "
                                     f"{name}'s trials may have at 0 ({where}), where a schedule does nothing; search "
                                     f"{key} over a range above 0 in {names['space']} (such as {key}=0.1..0.99), or "
                                     "leave its schedule out")
    clip_norm, clip_value = plain_number(clip_norm), plain_number(clip_value)
    if clip_norm is not None and not (isinstance(clip_norm, (int, float)) and clip_norm > 0):
        raise ValueError(f"clip_norm {clip_norm!r}: a positive number is required")
    if clip_value is not None and not (isinstance(clip_value, (int, float)) and clip_value > 0):
        raise ValueError(f"clip_value {clip_value!r}: a positive number is required")
    notes = []
    warming = sorted(name for name, space in spaces.items() if _warms_up(space))
    if warming and pruner != "none":  # a checkpoint's value judges a warming schedule by its first, small steps
        notes.append(f"{', '.join(warming)}: the pruner judges each trial at checkpoints from early on, where "
                     f"one_cycle's warm-up still has a small rate: its trials may be pruned for their schedule "
                     f"rather than their lr ({names['pruner']} none compares whole trainings)")
    if sampler == "grid":
        from .runner import grid_text

        sizes = {name: grid_size(s, trials) for name, s in spaces.items()}
        if max(sizes.values()) < trials:
            largest = max(sizes, key=sizes.get)
            values = grid_text(spaces[largest], trials)
            notes.append(f"grid sampler: {sizes[largest]} grid points ({values}: each range's values from its low "
                         f"end to its high end), fewer than {trials} trials; the budget becomes the grid (more "
                         f"{names['trials']} make it finer)")
            trials = max(sizes.values())
            cohort = min(cohort, trials)
        for name, space_ in spaces.items():  # a smaller grid than the budget: searched once, never repeated
            if (size := grid_size(space_, trials)) < trials and len(spaces) > 1:
                notes.append(f"grid sampler: {name}'s grid has {size} points ({grid_text(space_, trials)}), "
                             f"searched in {size} trials of the {trials}")
            elif size > trials:  # two values of each range at least, every choice: more points than the budget
                whose = f"{name}'s grid" if len(spaces) > 1 else "the grid"
                notes.append(f"grid sampler: {whose} has {size} points ({grid_text(space_, trials)}), more than "
                             f"the {counted(trials, 'trial')}: only {trials} of them {'is' if trials == 1 else 'are'} "
                             f"trained (give {names['trials']} {size} for all)")
    if sampler == "cmaes":  # said once here, instead of Optuna's warning at every trial
        chosen = sorted({p.name for s in spaces.values() for p in s.searched if p.kind == "choice"})
        if chosen:
            notes.append(f"cmaes sampler: {', '.join(chosen)} (choices) sampled independently at random; CMA-ES "
                         "models the ranges")
    if (note := _pruned_unseen(sampler, pruner, cohort, names)) is not None:
        notes.append(note)
    if (note := _few_looks(sampler, trials, cohort, names)) is not None:
        notes.append(note)
    if sampler == "gp" and trials > GP_SLOW_TRIALS:  # Optuna's GP, its cost per trial growing with the study
        notes.append(f"gp sampler: each trial's draw fits a Gaussian process to every finished trial, as in "
                     f"Optuna's own loop (cohorts do not shorten it): about 0.1 s a trial up to {GP_SLOW_TRIALS} "
                     f"trials, 1 s from about 600; the time left shown grows as the search goes on ({names['sampler']} "
                     "tpe draws in milliseconds)")
    kept_in_out = storage is None and out is not None
    if storage is None:
        storage = str(Path(out) / "study.journal") if out is not None else ":memory:"
    if storage != ":memory:":
        storage = absolute(check(storage, names["storage"]))  # the same file from any folder (descend show)
        if in_memory(storage):  # SQLite's in-memory database: a study no other run can open
            storage = ":memory:"
        file = storage_file(storage)
        if out is not None and file is not None and Path(out).resolve() == Path(file).resolve():
            raise ValueError(f"{names['out']} {str(out)!r} is the study's file ({names['storage']}); the results "
                             "need a directory of their own (by default the study is kept in it, as study.journal)")
    study_name = study if study is not None else _slug(built.name)
    if not isinstance(study_name, str) or not study_name.strip():
        raise ValueError(f"{names['study']} {study!r}: give a name for the study")
    spaces = {members[0][0]: spaces[members[0][0]] if len(members) == 1 else
              ChoiceSpace(tuple(spaces[name] for name, _ in members)) for members in studies}
    spaces = {(s.optimizer if isinstance(s, ChoiceSpace) else label): s for label, s in spaces.items()}
    studied = [(members[0] if len(members) == 1 else ("|".join(n for n, _ in members), {})) for members in studies]
    planned = Plan(task=built, problem=problem, optimizers=studied, spaces=spaces, trials=trials, cohort=cohort,
                   sampler=sampler, pruner=pruner, budget=budget, target=target, batch_size=batch, seeds=seeds,
                   storage=storage, study=study_name.strip(), timeout=timeout, seed=seed, eval_every=eval_every,
                   clip_norm=clip_norm, clip_value=clip_value, names=names, notes=notes,
                   schedules=dict(schedules or {}), data=_data_digest(built), kept_in_out=kept_in_out)
    _check_study_names(planned)
    if not names["schedules"].startswith("-"):  # (--schedule is a multiplier in its own words: max_value=10 is 10 × lr)
        from ..spec import warn_of_scaled_schedules

        warn_of_scaled_schedules(planned.schedules.items())  # once, here: the trials' trainings do not say it again
    return planned


def _check_study_names(p: Plan) -> None:
    """Refuse a study name (``study``, or with several optimizers each ``study-optimizer``) longer than a storage
    takes (:data:`descend.tune.storage.MAX_STUDY_NAME`), naming the study argument, before any study is created
    (a database refused the second optimizer's study after the first was made)."""
    from .storage import MAX_STUDY_NAME

    longest = max((p.study_name(name) for name, _ in p.optimizers), key=len)
    if len(longest) <= MAX_STUDY_NAME:
        return
    shown = repr(p.study) if len(p.study) <= 40 else f"{p.study[:30]!r}... ({len(p.study)} characters)"
    added = "" if longest == p.study else (f", and each optimizer's study adds its name ('...{longest[len(p.study):]}'"
                                           f": {len(longest)} characters)")
    raise ValueError(f"{p.names['study']} {shown}: a study's name is at most {MAX_STUDY_NAME} characters{added}; "
                     "give a shorter one")


def _pruned_unseen(sampler: str, pruner: str, cohort: int, names: Mapping[str, str]) -> str | None:
    """What a pruner costs a sampler that learns from completed trials only (Optuna's GP and CMA-ES: a pruned
    trial teaches them nothing), said before the search starts; None where it costs nothing. The pruner stays the
    one given."""
    from .runner import cmaes_popsize

    if pruner == "none" or sampler not in ("gp", "cmaes"):
        return None
    sha = pruner == "sha"
    done = ("successive halving completes about 1 trial in 9" if sha else
            "the median rule completes only the trials never worse than the median at a checkpoint")
    if sampler == "gp":
        learns = ("GP learns only from completed trials and draws at random until 10 have completed; "
                  f"{done}, so it stays a random search " + ("for about 90 trials" if sha else "for longer"))
    else:
        learns = (f"CMA-ES learns only from completed trials and advances a generation once {cmaes_popsize(cohort)} "
                  f"of them have completed (a cohort, without a pruner); {done}, so a generation takes "
                  + ("about 9 cohorts" if sha else "more than a cohort"))
    return f"{sampler} sampler with pruner {pruner}: {learns} ({names['pruner']} none trains every trial to the end)"


def _schedules_said(error: Exception, names: Mapping[str, str]) -> str:
    """A refusal of the schedules, starting with the argument that gave them: once (``schedules['lr']: ...`` is
    said as it is, where ``schedules: schedules['lr']: ...`` named the argument twice)."""
    said = str(error)
    return said if said.startswith(f"{names['schedules']}[") else f"{names['schedules']}: {said}"


def _built_schedules(schedules: Mapping[str, Any], budget: Budget, problem: Any, batch: Any,
                     names: Mapping[str, str]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Every trial's ``schedules`` built: one of :mod:`descend.schedules` by its class or name (as fit takes it,
    or with its options as ``--schedule`` writes them, ``cosine:min_value=0.1``) as a multiplier over the trials'
    steps: the budget's, or under an epochs budget those the batch size ``batch`` takes. Also ``(key, text)`` of
    those that last the steps (cosine without its total_steps), which a searched batch size would make differ."""
    from ..compare_config import epochs_steps, lasting, parse_schedule
    from ..fitting import _schedules

    steps = budget.steps if budget.epochs is None else budget.steps_for(problem, batch)
    flag = names["schedules"].startswith("-")  # the command line's --schedule, the schedule of lr
    try:
        texts = {k: parse_schedule(v, steps, what=names["schedules"] if flag else f"schedules[{k!r}]")[1]
                 for k, v in schedules.items() if isinstance(v, str) and (":" in v or flag)}
        try:
            built = _schedules({k: v for k, v in schedules.items() if k not in texts}, steps, who="tune")
        except ValueError as e:
            raise ValueError(_schedules_said(e, names)) from None
    except ValueError as e:
        if budget.epochs is None or "total_steps" not in str(e):  # wrong whatever the steps: said without them
            raise
        raise ValueError(f"{e} ({epochs_steps(batch, budget.epochs, steps)})") from None
    return {k: texts.get(k, built.get(k)) for k in schedules}, lasting(schedules) if budget.epochs is not None else []


def _batch_size(batch_size: Any, task: Any, names: Mapping[str, str], samples: int) -> Any:
    """The batch size of every run whose space does not search it: the task's first by default."""
    from ..data import hybrid

    if isinstance(batch_size, str) and batch_size == "task":
        first = task.batch_sizes[0] if task.batch_sizes else None
        beyond = _beyond_training_set(first, task, samples)  # bbox's 32 on a few samples: before any study
        if beyond:
            raise ValueError(f"the task's default batch size {first} is larger than the training set of task "
                             f"{task.name!r} ({samples} samples): give {names['batch_size']} 1..{samples} or full")
        return first
    if batch_size is None or isinstance(batch_size, hybrid):
        return batch_size
    if isinstance(batch_size, str):
        text = batch_size.strip().lower()
        if text in ("full", "gd", "none", "all"):
            return None
        if text.isdigit() and int(text) > 0:
            batch_size = int(text)
        else:
            raise ValueError(f"{names['batch_size']} {batch_size!r}: give one batch size (full or a positive whole "
                             f"number); to search it: {names['space']} 'batch_size=full|32|128'")
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"{names['batch_size']} {batch_size!r}: give full or a positive whole number")
    batch_size = int(batch_size)  # a NumPy integer is one, as trials= and steps= take them
    beyond = _beyond_training_set(batch_size, task, samples)
    if beyond:
        raise ValueError(f"{names['batch_size']} {batch_size} {beyond}")
    return batch_size


def _beyond_training_set(batch_size: Any, task: Any, samples: int) -> str | None:
    """Why a whole-number ``batch_size`` cannot train ``task``, whose problem has ``samples`` training samples (it
    is larger than the training set, or the task's cost is one function with no samples to batch), or None."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size <= samples:
        return None
    if getattr(task, "data", None) is None and samples == 1:
        return (f"does not apply: task {task.name!r} has no data (its cost is one function, with no samples to "
                "batch); allowed: full")
    return (f"is larger than the training set of task {task.name!r} ({samples} samples); allowed: "
            f"1..{samples}, or full")


def _check_batch_sizes(space: Space, task: Any, names: Mapping[str, str], samples: int) -> None:
    """Refuse a searched or fixed batch size larger than the task's training set, naming the space's flag."""
    for param in space.params:
        if param.name != BATCH_SIZE:
            continue
        for value in param.choices if param.kind == "choice" else (param.value,) if param.kind == "fixed" else ():
            beyond = _beyond_training_set(value, task, samples)
            if beyond:
                raise ValueError(f"{names['space']}: batch_size={value} {beyond}")


def _slug(name: str) -> str:
    from .._names import slug

    return slug(name, "study")


def training_text(p: Plan, dtype: Any = None) -> str:
    """How a study's trials train beyond the task, the space and the budget: the loss, the clipping and the
    dtype, as ``key=value`` items (compared when a study is resumed: its trials would otherwise mix two
    objectives, or clipped and unclipped runs)."""
    loss = p.problem.objective.loss
    name = getattr(loss, "__qualname__", None) or type(loss).__qualname__
    module = getattr(loss, "__module__", None) or type(loss).__module__
    # a loss of one's own by its name and a digest of its code: two notebook functions named loss (or two lambdas)
    # were one loss, and a study of one resumed with the other reported the first one's numbers
    shown = name if module == "descend.losses" else f"{module}.{name}#{code_digest(loss)}"
    return (f"loss={shown}; clip_norm={p.clip_norm}; clip_value={p.clip_value}; "
            f"dtype={str(dtype or 'torch.float32').removeprefix('torch.')}; schedules={_schedules_text(p.schedules)}")


def _schedules_text(schedules: Mapping[str, Any]) -> str:
    """Every trial's schedules as text: descend's own by their settings (``lr:cosine(value=1.0, ...)``), one's own
    function by its name and a digest of its code (a study resumed with other schedules mixed two kinds of trial)."""
    if not schedules:
        return "none"
    parts = []
    for key in sorted(schedules):
        f = schedules[key]
        if type(f).__module__ == "descend.schedules":
            parts.append(f"{key}:{f!r}")
        else:
            name = getattr(f, "__qualname__", None) or type(f).__qualname__
            parts.append(f"{key}:{name}#{code_digest(f)}")
    return ",".join(parts)


def code_digest(function: Any) -> str:
    """A digest of what a function of one's own computes: its source where Python has it (the same in every
    process and Python version), else its code object; with its closure's and defaults' values (a factory's
    ``scaled(100)`` and ``scaled(1)`` share their code). 12 hexadecimal digits."""
    import hashlib
    import inspect
    import types

    target = function if isinstance(function, types.FunctionType) else getattr(type(function), "__call__", function)
    digest = hashlib.sha256()
    try:
        digest.update(inspect.getsource(target).encode())
    except (OSError, TypeError):
        code = getattr(target, "__code__", None)

        def parts(c: Any) -> Iterator[bytes]:
            yield c.co_code + repr(c.co_names).encode()
            for k in c.co_consts:  # a frozenset's order is its strings' hashes', another in every process
                yield from parts(k) if isinstance(k, types.CodeType) else [
                    repr(sorted(map(repr, k)) if isinstance(k, frozenset) else k).encode()]

        for part in parts(code) if code is not None else [repr(target).encode()]:
            digest.update(part)
    cells = getattr(function, "__closure__", None) or ()
    values = [getattr(function, "__defaults__", None), getattr(function, "__kwdefaults__", None)]
    for cell in cells:
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell
            values.append(None)
    # the same in every process: without memory addresses (a closure over a function, <function f at 0x7f...>)
    digest.update(re.sub(r" at 0x[0-9a-fA-F]+", "", repr(values)).encode())
    return digest.hexdigest()[:12]


def _batch_sizes(space: Space) -> list[Any]:
    """The batch sizes ``space``'s trials may train at (None: the full batch)."""
    param = next((q for q in space.params if q.name == BATCH_SIZE), None)
    if param is None:
        return [dict(space.defaults).get(BATCH_SIZE)]
    return list(param.choices) if param.kind == "choice" else [param.value]


def _check_searched_schedule(space: Space, schedules: Any, budget: Any, problem: Any,
                             names: Mapping[str, str]) -> None:
    """A space's ``schedule`` choice: refused beside a schedule of lr given to every trial (two in one place),
    where a trial's lr may be 0 (a schedule then does nothing), and where a choice fails over the steps a trial
    trains (each batch size's), before any study is created."""
    param = next((q for q in space.params if q.name == SCHEDULE), None)
    if param is None:
        return
    if isinstance(schedules, Mapping) and "lr" in schedules:
        raise ValueError(f"{names['schedules']} and {names['space']}'s {SCHEDULE} both set the schedule of "
                         f"{space.optimizer}'s lr; give it in one place")
    if 0.0 in _possible_values(space, "lr"):
        raise ValueError(f"{names['space']}: {SCHEDULE} multiplies lr, which {space.optimizer}'s trials may have at 0, "
                         "where a schedule does nothing; search lr over a range above 0")
    from .space import schedule_of

    for size in _batch_sizes(space):
        steps = budget.steps_for(problem, size)
        for text in param.choices if param.kind == "choice" else (param.value,):
            try:
                schedule_of(text, steps)
            except ValueError as e:
                raise ValueError(f"{names['space']} {SCHEDULE}={text} over {counted(steps, 'step')}: {e}") from None


#: Past this many trials a GP search is said to slow down (Optuna's GP sampler: 88 ms a trial up to 320 trials,
#: about 1 s at 640-768, measured in cohorts of 64 on a 2-core machine; Optuna's own loop 1.1 s at 704).
GP_SLOW_TRIALS = 300

#: A budget from which a model-based sampler is meant to learn: four cohorts of the default size.
LEARNING_BUDGET = 4 * DEFAULT_COHORT


def _few_looks(sampler: str, trials: int, cohort: int, names: Mapping[str, str]) -> str | None:
    """A note where TPE or GP would learn from what finished fewer than three times (its first cohort is a spread
    of the space, and each cohort after is drawn from the trials finished before it) in a budget meant for
    learning (:data:`LEARNING_BUDGET`): cohorts of 64 for 128 trials found a best 1 % worse than cohorts of 32 on
    the reference sweep (``benchmarks/tune.py --quality``, median of 12 sampler seeds), where cohorts of 32 were as
    good as one trial at a time and as Optuna's loop."""
    cohorts = -(-trials // cohort)
    if sampler not in ("tpe", "gp") or trials < LEARNING_BUDGET or cohorts >= 4:
        return None
    learns = ("learns from what finished once" if cohorts == 2 else "learns from what finished twice" if cohorts == 3
              else "does not learn from what finished")
    return (f"{sampler} sampler: {cohorts} cohort{'s' * (cohorts > 1)} of {cohort} for {trials} trials, so it "
            f"{learns} (the first cohort is a spread of the space); {names['cohort']} "
            f"{trials // 4} or less lets it learn three times or more, for a better best in the same number of "
            "trials, in more time (a cohort of half the size takes most of a whole one's time)")


def _warms_up(space: Space) -> bool:
    """Whether a space's ``schedule`` choice sets a warm-up beside schedules without one (one_cycle among others):
    its trials start at a fraction of their rate where the others start at it."""
    param = next((q for q in space.params if q.name == SCHEDULE and q.kind == "choice"), None)
    names = {str(c).partition(":")[0].strip().lower().replace("-", "_") for c in (param.choices if param else ())}
    return "one_cycle" in names and len(names) > 1


def _possible_values(space: Space, name: str) -> set[float]:
    """The values of hyperparameter ``name`` at the ends of what ``space``'s trials may take: the optimizer's
    default where the space leaves it out, else its range's ends, its choices or its fixed value (the baseline trial
    takes the default moved into the range); numbers only."""
    from ..optim import get

    param = next((q for q in space.params if q.name == name), None)
    if param is None:
        values: list[Any] = [dict(space.defaults).get(name, get(space.optimizer).defaults.get(name))]
    elif param.kind == "fixed":
        values = [param.value]
    else:
        values = list(param.choices) if param.kind == "choice" else [param.low, param.high]
    return {float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)}


def open_studies(p: Plan, *, heartbeat_interval: float, grace_period: float,
                 dtype: Any = None) -> tuple[Any, dict[str, Any]]:
    """The storage and every optimizer's study (created or loaded and checked), before any training; ``dtype``
    is the one the trials train in (None: float32, :func:`descend.engine.train`'s)."""
    with logs.quiet():
        return _open_studies(p, heartbeat_interval=heartbeat_interval, grace_period=grace_period, dtype=dtype)


def _open_studies(p: Plan, *, heartbeat_interval: float, grace_period: float, dtype: Any
                  ) -> tuple[Any, dict[str, Any]]:
    import optuna

    from .runner import SOURCE, open_study
    from .storage import open_storage

    if p.storage == ":memory:":
        store = optuna.storages.InMemoryStorage()
    else:
        store = open_storage(p.storage, what=p.names["storage"], heartbeat_interval=max(1, int(heartbeat_interval)),
                             grace_period=max(1, int(grace_period)))
    attrs = {"descend:task": p.task.name, "descend:task_identity": task_identity(p.task),
             "descend:budget": p.budget.text(), "descend:batch_size": repr(p.batch_size),
             "descend:version": _version(__name__), "descend:sampler": p.sampler, "descend:pruner": p.pruner,
             "descend:seed": p.seed, "descend:training": training_text(p, dtype), SOURCE: source_digest()}
    if p.data is not None:
        attrs["descend:data"] = p.data
    plans = {}
    for name, _ in p.optimizers:
        plans[name] = open_study(store, p.study_name(name), p.spaces[name], sampler=p.sampler, seed=p.seed,
                                 cohort=p.cohort, trials=p.trials, target=p.target,
                                 attrs=attrs, names=p.names, kept_in_out=p.kept_in_out)
    return store, plans


def task_identity(task: Any) -> str:
    """What a study's task is beyond its name, compared when a study is resumed: its options (a CSV file's path
    and column, a case study's settings) and a formula's text. Two formulas are both the task ``formula``, two
    columns of one file both ``data``: resuming one's study with the other mixed their trials.

    >>> from descend import tasks
    >>> task_identity(tasks.formula("x**2 + y**2")).split("; model=")[0]
    'formula; formula=x**2 + y**2'
    """
    formula = dict(task.facts).get("formula")
    parts = [f"{k}={v!r}" for k, v in sorted(task.options.items())] + ([f"formula={formula}"] if formula else [])
    # the model too: a Task of one's own with another model (descend.models.with_init) under the same name and
    # options resumed the first one's study and read back its re-runs (studies made before hold no model=)
    # a module of one's own prints alike (ModuleModel(module=Sequential(...))) whatever its layers: its fingerprint
    fingerprint = getattr(task.model, "fingerprint", None)
    model = fingerprint() if callable(fingerprint) else repr(task.model)
    if len(model) > 160 or "\n" in model or "; " in model:
        import hashlib

        model = hashlib.sha256(model.encode()).hexdigest()[:12]
    return "; ".join([task.name, *parts, f"model={model}"])


def _data_digest(task: Any) -> str | None:
    from ..tasks.task import data_digest

    return data_digest(task)


def source_digest() -> str:
    """Which descend trains a study's trials: the digest of its source as this process imported it
    (:func:`descend._compile._source_digest`, which names its compiled programs too), 12 hexadecimal digits; any
    change of the code changes it. ``edited-`` and 5 digits where the files changed since (this process runs code
    no digest names: :func:`descend._source.changed`)."""
    from .. import _source
    from .._compile import _source_digest

    return f"edited-{_source_digest()[:5]}" if _source.changed() else _source_digest()[:12]


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package.split(".")[0])
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "unknown"


class _Interrupt:
    """Ctrl-C sets ``stop`` (the cohort ends after its current step, what finished is told); a second Ctrl-C
    raises KeyboardInterrupt as usual. Installed only in the main thread."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop, self.previous, self.unraisable = stop, None, None

    def __enter__(self) -> _Interrupt:
        import sys

        from .._interrupts import ctrl_c_ignored

        if threading.current_thread() is threading.main_thread() and not ctrl_c_ignored():
            self.previous = signal.signal(signal.SIGINT, self._handle)
            self.unraisable = sys.unraisablehook
            sys.unraisablehook = self._unraisable
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()

    def _unraisable(self, unraisable: Any) -> None:
        """The second Ctrl-C's KeyboardInterrupt, raised where Python cannot raise it (a weakref's callback as torch
        frees the stopped cohort's tensors): Python printed "Exception ignored in ..." and its traceback. Said
        nowhere: the first Ctrl-C has already stopped the cohort after its current step."""
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            self.unraisable(unraisable)

    def __exit__(self, *exc: Any) -> None:
        import sys

        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        if self.unraisable is not None and sys.unraisablehook == self._unraisable:
            sys.unraisablehook = self.unraisable


def run(p: Plan, *, progress: Callable[[Mapping[str, Any]], Any] | None = None, stop: Any = None,
        heartbeat_interval: float | None = None, grace_period: float | None = None, compile: bool = False,
        dtype: Any = None, opened: tuple[Any, dict[str, Any]] | None = None, out: Path | None = None) -> Any:
    """Run a checked :class:`Plan`: every study to its budget, then the final re-runs. Returns a
    :class:`descend.tune.result.TuneResult`. Optuna logs only warnings meanwhile (:func:`descend.tune.logs.quiet`).
    ``out``: the folder the results go to; where the re-runs are read from the study and it lacks an optimizer's
    model file (:func:`descend.tune.result.write_models`), that re-run's first seed is trained again for it."""
    from ..spec import schedules_checked

    with logs.quiet(), schedules_checked():  # (the plan said what its schedules do)
        return _run(p, progress=progress, stop=stop, heartbeat_interval=heartbeat_interval, out=out,
                    grace_period=grace_period, compile=compile, dtype=dtype, opened=opened)


def _run(p: Plan, *, progress: Callable[[Mapping[str, Any]], Any] | None, stop: Any,
         heartbeat_interval: float | None, grace_period: float | None, compile: bool, dtype: Any,
         opened: tuple[Any, dict[str, Any]] | None, out: Path | None = None) -> Any:
    from .. import engine
    from ..predictor import read_options_of
    from ..spec import RunSpec, schedules_for
    from . import storage as storage_module
    from .result import TuneResult, batch_shown, final_table, lucky_draws, trials_frame
    from .runner import Runner

    interval = storage_module.HEARTBEAT_INTERVAL if heartbeat_interval is None else heartbeat_interval
    grace = storage_module.GRACE_PERIOD if grace_period is None else grace_period
    started = time.perf_counter()
    _, plans = opened if opened is not None else open_studies(p, heartbeat_interval=interval, grace_period=grace,
                                                              dtype=dtype)
    event = stop if isinstance(stop, threading.Event) else threading.Event()
    watcher = None
    if stop is not None and not isinstance(stop, threading.Event):
        if not callable(stop):
            raise ValueError("stop must be a threading.Event or a callable returning True to stop")
        watcher = _watch(stop, event)
    deadline = time.monotonic() + p.timeout if p.timeout is not None else None  # (a clock set meanwhile: no matter)
    total = sum(plan.trials for plan in plans.values())
    outcomes = {}
    done_before: dict[str, int] = {}
    done_at_start: dict[str, int] = {}  # what each study held when this search first counted it (a resume)
    t0 = time.perf_counter()

    def forward(name: str) -> Callable[[Mapping[str, Any]], None]:
        def on(e: Mapping[str, Any]) -> None:
            if e["kind"] == "study":
                done_before[name] = int(e["done"])
                done_at_start.setdefault(name, int(e["done"]))
            if progress is None:
                return
            done = sum(done_before.values())
            elapsed = time.perf_counter() - t0
            # trials finished since the start, counted at every cohort (with other workers', on a shared study)
            finished = done - sum(done_at_start.values())
            rate = finished / elapsed if finished > 0 and elapsed > 0 else None
            progress({**e, "done": done, "total": total, "rate": rate, "elapsed": elapsed})

        return on

    interrupted = timed_out = False
    try:
        with _Interrupt(event):
            # the studies advance in turn, a cohort each, so that a timeout (checked at the start of a round)
            # stops them at the same point: one after another, the last ones were left unsearched
            runners = {name: Runner(p.problem, plans[name], cohort=p.cohort, budget=p.budget, target=p.target,
                                    pruner=p.pruner, batch_size=p.batch_size, eval_every=p.eval_every, stop=event,
                                    progress=forward(name), heartbeat_interval=interval, grace_period=grace,
                                    clip_norm=p.clip_norm, clip_value=p.clip_value, dtype=dtype, compile=compile,
                                    schedules=p.schedules) for name, _ in p.optimizers}
            active = list(runners)
            first = True
            # every study's first round runs, so that a finished study learns it is (it trains nothing) rather than
            # reading "stopped by the timeout" under a timeout shorter than opening the studies
            while active and not interrupted:
                if deadline is not None and not first and time.monotonic() >= deadline:
                    timed_out = True
                    break
                first = False
                for name in list(active):
                    if event.is_set():
                        interrupted = True
                        break
                    outcomes[name] = runners[name].run(cohorts=1)
                    interrupted = interrupted or outcomes[name].interrupted
                    if runners[name].finished:
                        active.remove(name)
                    if interrupted:
                        break
            studies = {name: plans[name].study for name, _ in p.optimizers}
            best = best_of(studies, p.spaces, p.batch_size)
            final = None
            notes = [*p.notes, *(note for plan in plans.values() for note in plan.notes),
                     *_without_best(studies, p.spaces, best, p.names),
                     *_budgets_held(studies, {name: plans[name].trials for name in studies}, p.names)]
            if interrupted:
                notes.append("interrupted (Ctrl-C or a stop): the finished trials are kept in the study; run the same "
                             "command again to resume; no final re-runs")
            elif timed_out:
                done = sum(done_before.values())
                notes.append(f"stopped by the timeout ({p.timeout:g} s) after {time.perf_counter() - t0:.3g} s, "
                             f"with {done} of {total} trials done; run again to resume"
                             + (f" (the best's re-runs on {p.seeds} seed{'s' * (p.seeds != 1)} follow the search: "
                                f"{p.names['seeds']}{' ' if p.names['seeds'].startswith('-') else '='}0 leaves them "
                                "out)" if best and p.seeds else ""))
            summary = models = None
            if best and p.seeds and not interrupted:
                from ..spec import seeds_can_differ

                specs, alike = {}, []
                for name, b in best.items():
                    config = dict(b["config"])
                    batch = config.pop(BATCH_SIZE, p.batch_size)
                    # seeds that cannot differ (full batches from one start) would give the same run N times
                    # and a spread of ± 0: one re-run, as descend compare runs one (descend.spec decides both)
                    seeds = p.seeds if seeds_can_differ(p.task, name, batch) else 1
                    if seeds < p.seeds:
                        alike.append(name)
                    scheduled = trial_schedules(config, schedules_for(name, p.schedules),
                                                p.budget.steps_for(p.problem, batch))
                    specs[name] = [RunSpec(name, config, batch, s, None, scheduled, p.clip_norm, p.clip_value)
                                   for s in range(seeds)]
                if alike:
                    notes.append(f"one re-run of {', '.join(alike)}, not {p.seeds}: seeds cannot differ there (the "
                                 "same start for every seed and the whole training set at every step)")
                homes = _homes(studies, p.spaces)
                keys = {name: _final_key(runs, p, dtype) for name, runs in specs.items()}
                kept = {name: rows for name in specs
                        if (rows := _kept_final(homes.get(name), name, keys[name])) is not None}
                read_back = set(kept)
                if kept:
                    notes.append("the re-runs of " + ", ".join(kept) + " were read from the study: trained before with "
                                 "the same configuration, seeds and budget")
                todo = [spec for name in specs if name not in kept for spec in specs[name]]
                if todo:
                    if progress is not None:  # the bar says so: its trials and time left were the search's
                        progress({"kind": "final", "optimizer": ", ".join(n for n in specs if n not in kept),
                                  "runs": len(todo), "done": sum(done_before.values()), "total": total,
                                  "best": None, "rate": None, "elapsed": time.perf_counter() - t0})
                    final = engine.train(p.problem, todo, steps=p.budget.steps, epochs=p.budget.epochs,
                                         eval_every=p.eval_every, stop=event, record_grad_norms=False,
                                         **({"dtype": dtype} if dtype is not None else {}), compile=compile)
                    if final.interrupted:
                        interrupted = True
                        notes.append("interrupted during the final re-runs: they are left out")
                        final = None
                    else:
                        trained = final.summary
                        for name in specs:
                            if name not in kept:
                                kept[name] = trained[trained["optimizer"] == name]
                                _keep_final(homes.get(name), name, keys[name], kept[name])
                if not interrupted:
                    summary = _joined([kept[name] for name in specs])
                    # each re-run's batch size as the search's other files write it ("full", not blank; not 32.0
                    # beside a blank in rows read back from the study): the batch it trained with
                    summary["batch_size"] = [batch_shown(specs[name][0].batch_size) for name in summary["optimizer"]]
                    lost = [name for name in specs if name in read_back and out is not None
                            and _model_lost(p, Path(out), name, best[name])]
                    if lost:  # a re-run read from the study has no parameters: its first seed trained again
                        models = engine.train(p.problem, [specs[name][0] for name in lost], steps=p.budget.steps,
                                              epochs=p.budget.epochs, eval_every=p.eval_every, stop=event,
                                              record_grad_norms=False, **({"dtype": dtype} if dtype is not None
                                                                          else {}), compile=compile)
                        if models.interrupted:  # (Ctrl-C: the search's results are whole, the file not written)
                            models, interrupted = None, True
                            notes.append(f"interrupted while the model file of {', '.join(lost)} was trained again: "
                                         "it is not written; the same command trains it")
                        else:
                            notes.append(f"the model file of {', '.join(lost)} was missing: its best configuration's "
                                         "re-run with the first seed was trained again for it")
    finally:
        if watcher is not None:
            watcher.set()
    if watcher is not None and watcher.error is not None:
        raise watcher.error
    storage_text = storage_module.shown(p.storage)  # a journal: from anywhere
    # a best trial its re-runs do not bear out (one seed's luck): said beside the table, and in the notes
    lucky = lucky_draws(best, summary, p.target)
    notes.extend(lucky.values())
    return TuneResult(studies=studies, spaces=dict(p.spaces), best=best, trials=trials_frame(studies), final=final,
                      final_summary=summary, models=models, read=read_options_of(p.task),
                      table=final_table(best, summary, p.target, p.problem.objective.loss,
                                        p.problem.train[1]), target=p.target, storage=storage_text,
                      names={name: p.study_name(name) for name, _ in p.optimizers}, interrupted=interrupted,
                      timed_out=timed_out, seconds=time.perf_counter() - started, outcomes=outcomes, notes=notes,
                      description=str(getattr(p.task, "description", "") or ""),
                      facts=[(str(k), str(v)) for k, v in getattr(p.task, "facts", ())], lucky=lucky)


def _model_lost(p: Plan, out: Path, optimizer: str, best: Mapping[str, Any]) -> bool:
    """Whether ``out`` lacks the model file of an optimizer's best configuration (a model a file keeps)."""
    from ..predictor import savable
    from . import storage as storage_module
    from .result import model_missing

    if p.problem.objective.kind == "cost" or not savable(p.problem.model):
        return False
    study = next(p.study_name(label) for label, _ in p.optimizers if optimizer in label.split("|"))
    return model_missing(out, optimizer, {"storage": storage_module.shown(p.storage), "study": study,
                                          "trial": best.get("trial")})


#: A study's user attribute holding the final re-runs of its best configurations: optimizer → ``key`` (what was
#: re-run: :func:`_final_key`) and ``summary`` (their rows of the summary, as CSV: floats read back exactly).
FINAL = "descend:final"


def _joined(parts: Sequence[Any]) -> Any:
    """The optimizers' summary rows as one summary, as the engine writes it for them trained together. A column one
    optimizer leaves empty (another's True/False option) reads back from CSV as floats, which joined to the other's
    booleans made them 1.0/0.0: such a column is joined as Python objects, as the engine's is."""
    import pandas as pd

    order = list(dict.fromkeys(c for part in parts for c in part.columns))
    joined = {}
    for column in order:
        pieces = [p[column].reset_index(drop=True) if column in p.columns else pd.Series([math.nan] * len(p))
                  for p in parts]
        filled = [piece for piece in pieces if not piece.isna().all()]
        if len(filled) < len(pieces) and any(piece.dtype == bool for piece in filled):
            pieces = [piece.astype(object) for piece in pieces]
        joined[column] = pd.concat(pieces, ignore_index=True)
    summary = pd.DataFrame(joined)
    summary.index.name = "run"
    return summary


def _homes(studies: Mapping[str, Any], spaces: Mapping[str, Space | ChoiceSpace]) -> dict[str, Any]:
    """Optimizer → the study its trials are in (a choice of optimizers shares one)."""
    homes = {}
    for label, study in studies.items():
        space = spaces[label]
        for name in (space.optimizers if isinstance(space, ChoiceSpace) else [label]):
            homes[name] = study
    return homes


def _final_key(specs: Sequence[Any], p: Plan, dtype: Any) -> str | None:
    """Everything the re-runs' numbers depend on, as text (None with schedules: functions, not data)."""
    from .runner import identity_key

    if p.schedules:
        return None
    # each run's own schedules too: a searched schedule is taken out of its hyperparameters (the re-runs of a best
    # configuration that differed from the kept one by its schedule alone were read back as the earlier ones')
    runs = [(s.optimizer, sorted(s.hyper.items()), s.batch_size, s.seed, s.clip_norm, s.clip_value,
             _schedules_text(s.schedules)) for s in specs]
    # the task as a resumed study compares it: the same CSV file named by another path reads the kept re-runs
    return repr((runs, p.budget.text(), p.eval_every, training_text(p, dtype), identity_key(task_identity(p.task)),
                 p.data, _version(__name__)))


def _kept_final(study: Any, name: str, key: str | None) -> Any:
    """The summary rows of ``name``'s re-runs kept in ``study`` for ``key``, or None."""
    import io

    from .._files import read_csv_exact

    if study is None or key is None:
        return None
    kept = study.user_attrs.get(FINAL, {})
    entry = kept.get(name) if isinstance(kept, dict) else None
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    try:
        return read_csv_exact(io.StringIO(entry["summary"]), index_col=0)
    except (KeyError, ValueError, TypeError):
        return None


def _keep_final(study: Any, name: str, key: str | None, rows: Any) -> None:
    """Keep ``name``'s re-runs in ``study``, so that running the search again does not train them again."""
    if study is None or key is None:
        return
    kept = study.user_attrs.get(FINAL, {})
    kept = dict(kept) if isinstance(kept, dict) else {}
    kept[name] = {"key": key, "summary": rows.to_csv()}
    study.set_user_attr(FINAL, kept)


def _without_best(studies: Mapping[str, Any], spaces: Mapping[str, Space | ChoiceSpace], best: Mapping[str, Any],
                  names: Mapping[str, str]) -> list[str]:
    """A note per optimizer whose trials all ended without a finite value (diverged, failed or pruned before
    any): it has no best configuration and no re-runs, which the table and report would otherwise leave
    unexplained."""
    from optuna.trial import TrialState

    from ..outcomes import DIVERGED, LEFT_DOMAIN
    from .runner import INFO, RETRIED, trial_status

    notes = []
    for label, study in studies.items():
        space = spaces[label]
        trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.FAIL, TrialState.PRUNED))
        # a trial cut short by Ctrl-C (or left by a worker that stopped) failed and was queued again: it neither
        # diverged nor failed to train
        trials = [t for t in trials if trial_status(t) not in RETRIED]
        chosen = space.optimizers if isinstance(space, ChoiceSpace) else [label]
        unchosen: list[str] = []
        for name in chosen:
            if name in best:
                continue
            mine = [t for t in trials if not isinstance(space, ChoiceSpace) or t.params.get("optimizer") == name]
            if not mine:
                if isinstance(space, ChoiceSpace) and trials:  # its row missing read as if it had lost
                    unchosen.append(name)
                continue
            # a complete trial without a finite value diverged, left the model's domain, or trained ("ok") to where
            # its evaluations have none (a model defined on no validation sample): each said as it is
            ended = [trial_status(t) for t in mine if t.state == TrialState.COMPLETE]
            diverged, left = ended.count(DIVERGED), ended.count(LEFT_DOMAIN)
            # outside from the start: no step trained (a smaller rate cannot help)
            outside = sum(t.state == TrialState.COMPLETE and trial_status(t) == LEFT_DOMAIN
                          and (t.user_attrs.get(INFO) or {}).get("steps") == 0 for t in mine)
            failed = sum(t.state == TrialState.FAIL for t in mine)
            counts = ((diverged, "diverged"), (left, "left the model's domain"),
                      (len(ended) - diverged - left, "ended without a finite value"), (failed, "failed"),
                      (len(mine) - len(ended) - failed, "pruned"))
            said = ", ".join(f"{n} {what}" for n, what in counts if n)
            advice = (f"search smaller learning rates ({names['space']})" if diverged or not ended else
                      f"they started outside the model's domain (no step trained): move the start inside it "
                      f"({names['start']})" if left and outside == left else
                      f"start inside the model's domain ({names['start']}) or search smaller learning rates "
                      f"({names['space']})" if left else
                      f"its evaluations had no finite value where it stopped (the model defined on no validation "
                      f"sample there): train longer ({names['steps']}) or start elsewhere ({names['start']})")
            if ended or failed:
                notes.append(f"{name}: {'its' if len(mine) == 1 else 'none of its'} {counted(len(mine), 'trial')} "
                             f"{'did not reach' if len(mine) == 1 else 'reached'} a finite value ({said}), so it has "
                             f"no best configuration and no re-runs; {advice}")
            else:  # pruned, with finite values: the ones that would complete were cut short or are still to come
                notes.append(f"{name}: {'its' if len(mine) == 1 else 'none of its'} {counted(len(mine), 'trial')} "
                             f"{'did not complete' if len(mine) == 1 else 'completed'} ({said}), so it has no best "
                             "configuration and no re-runs yet; the same command resumes the search")
        if unchosen:  # each has a first trial at its defaults queued: the search stopped before it (a timeout)
            one = len(unchosen) == 1
            notes.append(f"{', '.join(unchosen)}: no trial of {'its' if one else 'theirs'} in the study {label} "
                         f"finished (the first, at {'its' if one else 'their'} defaults, is queued in the study: the "
                         f"search stopped before it), so {'it has' if one else 'they have'} no row; the same command "
                         "resumes the search")
    return notes


def _budgets_held(studies: Mapping[str, Any], trials: Mapping[str, int], names: Mapping[str, str]) -> list[str]:
    """Notes where a study holds more finished trials (complete or pruned, as the budget counts them) than its
    budget, ``trials`` (an earlier search of it with a larger one, or other workers'): its best is of them all;
    and where the optimizers' studies hold different numbers, so that their bests are not of one budget, the
    fair protocol's comparison."""
    from optuna.trial import TrialState

    held = {name: sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in study.get_trials(deepcopy=False))
            for name, study in studies.items()}
    notes = [f"{name}: its study holds {n} finished trials, more than {names['trials']} {trials[name]} (an earlier "
             f"search of it, or other workers'): its best is of all {n}"
             for name, n in held.items() if n > trials[name]]
    if len(set(held.values())) > 1:
        counts = ", ".join(f"{name} {n}" for name, n in held.items())
        notes.append(f"the studies hold different numbers of finished trials ({counts}): their bests are not of one "
                     f"budget; {names['trials']} {max(held.values())} for every optimizer evens them")
    return notes


def best_of(studies: Mapping[str, Any], spaces: Mapping[str, Space | ChoiceSpace],
            batch_size: Any) -> dict[str, dict[str, Any]]:
    """Optimizer → its best complete trial (:func:`descend.tune.result.best_trials`); a study with a choice
    of optimizers gives the best trial of each optimizer chosen in it (ties: :func:`runner.ranked`), with its
    ``params`` without the ``OPTIMIZER:`` prefix."""
    from optuna.trial import TrialState

    from .result import best_trials
    from .runner import ranked

    out: dict[str, dict[str, Any]] = {}
    for label, study in studies.items():
        space = spaces[label]
        if not isinstance(space, ChoiceSpace):
            out.update(best_trials({label: study}, {label: space}, batch_size))
            continue
        sign = 1 if study.direction.name.lower() == "minimize" else -1
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.value is not None and math.isfinite(t.value)]
        for name in space.optimizers:
            mine = [t for t in done if t.params.get("optimizer") == name]
            if not mine:
                continue
            trial = min(mine, key=lambda t: ranked(t, sign))
            _, own = space.own(trial.params)
            _, config = space.run(trial.params)
            config.setdefault(BATCH_SIZE, batch_size)
            info = trial.user_attrs.get("descend", {})
            out[name] = {"trial": trial.number, "value": float(trial.value), "params": own, "config": config,
                         "seed": info.get("seed") if isinstance(info, dict) else None}
    return out


class _Watcher(threading.Event):
    """The end of a :func:`_watch` thread, and the error ``stop()`` raised (None)."""

    error: BaseException | None = None


def _watch(stop: Callable[[], Any], event: threading.Event) -> _Watcher:
    """A thread that sets ``event`` once ``stop()`` returns True, or raises (the search stops as after Ctrl-C, and
    the error is raised once what finished is kept: it printed a traceback and the search never stopped); the
    returned event ends it."""
    done = _Watcher()

    def loop() -> None:
        while not done.wait(0.05):
            try:
                asked = stop()
            except KeyboardInterrupt:  # as Ctrl-C: the search stops, keeping what finished (the thread died and
                asked = True  # the search went on to its end)
            except Exception as e:  # noqa: BLE001 - raised in the caller's thread, after the search
                done.error = e
                asked = True
            if asked:
                event.set()
                return

    threading.Thread(target=loop, name="descend-tune-stop", daemon=True).start()
    return done


@autograd_on
def tune(task: Any, *, optimizer: Any = "adam", space: Any = None, trials: int = DEFAULT_TRIALS,
         cohort: int | None = None, sampler: str = "tpe", pruner: str = "none", steps: int | None = None,
         epochs: int | None = None, seeds: int = DEFAULT_SEEDS, storage: str | None = None, study: str | None = None,
         timeout: float | None = None, out: Any = None, metric: str = "loss", batch_size: Any = "task",
         seed: int = 0, eval_every: int | None = None, loss: Any = None, clip_norm: float | None = None,
         clip_value: float | None = None, progress: bool | Callable[[Mapping[str, Any]], Any] | None = None,
         stop: Any = None, heartbeat_interval: float | None = None, grace_period: float | None = None,
         compile: bool = False, dtype: Any = None, schedules: Mapping[str, Callable[[int], Any] | str] | None = None,
         ) -> TuneResult:
    """Search hyperparameters of one or more optimizers on ``task`` with Optuna, ``cohort`` trials trained as
    one batched program at a time (by default 16, or ``trials`` where fewer); returns a
    :class:`descend.tune.result.TuneResult`.

    ``task``: a task or landscape name, a formula in x and y, or a :class:`descend.tasks.Task`.
    ``optimizer``: a name or a list (``"sgd:nesterov=true"`` fixes a value); each gets its own study
    (named ``study``, or ``study-OPTIMIZER`` for several) and the same budget of ``trials`` trials
    (complete or pruned): the fair protocol. ``"adam|sgd"`` is a choice of optimizer inside one study
    (:class:`descend.tune.space.ChoiceSpace`): the optimizer is a categorical parameter and each one's
    own hyperparameters are conditional (``adam:lr``, ``sgd:momentum``, suggested only when it is chosen;
    TPE with ``group``; tpe or random only); the result still holds the best configuration of each
    optimizer, and each is re-run. ``space``: the mini-language of :mod:`descend.tune.space` (one text
    for every optimizer, ``{optimizer: text}``, or texts prefixed ``"OPTIMIZER: ..."``, which add to the text
    for all for that optimizer, replacing the items they name; in a choice, each item of a text for all goes
    to the optimizers that have it); by default each optimizer's
    :func:`descend.tune.space.default_space`. ``sampler``: tpe (default), gp, cmaes, qmc,
    random or grid, seeded with ``seed``. ``pruner``: none (default), sha or median
    (:mod:`descend.tune.pruning`). ``metric``: the validation loss (default) or accuracy, on the training
    data for a task without a validation split. Budget: ``steps`` or ``epochs`` (default: the task's
    steps). ``storage``: a journal file, ``sqlite:///...`` or ``postgresql://...`` (default:
    ``out/study.journal`` when ``out`` is given, else in memory); re-running with the same storage and
    study resumes it (``study``: the study's name, by default the task's; ``study-optimizer`` for each of several
    optimizers; at most 512 characters, as a database takes). ``out``: a directory of the search's own, where its
    tables and best.json are written (one holding another search's results, a comparison's or other files is
    refused before any work, as the command line refuses it). ``timeout``: no new cohort after that many seconds
    (with several optimizers, no new round of one cohort per optimizer's study; each study's first round runs
    whatever the timeout; the best's re-runs follow). ``seeds``: re-runs of each
    best configuration (seeds 0..seeds-1), reported on test data. ``schedules``: every trial's and re-run's
    schedules as :class:`descend.spec.RunSpec` takes them (``{"lr": descend.schedules.cosine(1.0, 500)}``, a
    multiplier of the searched rate; not part of the study), or by name or class as :func:`descend.fit` takes them
    (``{"lr": "cosine"}``: over the budget's steps; under an ``epochs`` budget, those the trials' batch size takes,
    or with its options as ``--schedule`` writes them, ``"cosine:min_value=0.1"``). Ctrl-C (or ``stop``: an Event or a
    callable) ends the current cohort after its step, tells Optuna what finished and re-queues the rest.

    How each trial trains: ``batch_size`` (the task's first by default; ``None`` or ``"full"`` for the full
    batch; ``space`` may search it instead, ``batch_size=full|32|128``), ``eval_every`` (steps between the
    evaluations a pruner reads; by default as the pruner needs; one that loses a checkpoint is refused,
    :func:`descend.tune.pruning.lost_checkpoints`), ``loss`` (a name or a loss of one's own, as
    :func:`descend.fit` takes it; a study remembers it, and its code, and refuses to be resumed with another),
    ``clip_norm`` / ``clip_value`` (as :class:`descend.spec.RunSpec`), ``dtype`` (float32 by default), ``compile``
    (as :func:`descend.engine.train`). ``progress``: True for a progress bar (trials done, best so far,
    trials a second, time left: :class:`descend.progress.SearchBar`, in a terminal or a notebook), or
    called with a dict at each study's count (``kind`` ``"study"``) and every 10 steps of a cohort (``"step"``,
    with ``step``, ``steps`` and ``runs``), while the study's database does not answer (``"database"``, with
    ``reason`` and the seconds ``waited`` of ``patience``: a worker waits two minutes for a server that restarts,
    :data:`descend.tune.runner.PATIENCE`, before it stops as after an error), once the search is over and the
    best configurations' re-runs train (``"final"``, with their number of ``runs``; ``optimizer`` names those
    re-run, ``best`` and ``rate`` None), each with ``optimizer``, ``done``,
    ``total``, ``best``, ``rate`` (trials a second, or None) and ``elapsed`` seconds.
    ``heartbeat_interval`` and ``grace_period`` (seconds): how often this worker tells the storage its trials
    are alive, and how long another machine's silent worker is waited for before its trials are retried
    (:mod:`descend.tune.storage`). Every argument is checked before a study is opened or written; an error in
    the middle of a cohort (a callback of one's own) fails and re-queues its trials, as Ctrl-C does.

    Example:
        >>> import descend
        >>> result = descend.tune("line", optimizer="gd", space="lr=1e-3..1:log", trials=8, cohort=8,
        ...                       steps=50, seeds=2, batch_size=16)
        >>> len(result.trials), sorted(result.best), len(result.final.summary)
        (8, ['gd'], 2)
    """
    progress = None if progress is False else progress  # no bar, as None
    if progress is not None and progress is not True and not callable(progress):  # before the studies are opened
        raise ValueError(f"progress={progress!r} must be True (a progress bar), a callable taking a dict, or None")
    if stop is not None and not (isinstance(stop, threading.Event) or callable(stop)):
        raise ValueError(f"stop={stop!r} must be a threading.Event or a callable returning True to stop")
    # what the engine would refuse only at the first cohort, the study created (and, for dtype, written into it)
    if compile not in (True, False, "auto", "cached"):
        raise ValueError(f"compile={compile!r} is not allowed; choose True, False, 'auto' or 'cached'")
    if dtype is not None:
        from ..models.base import _dtype

        _dtype(dtype)
    for name, seconds in (("heartbeat_interval", heartbeat_interval), ("grace_period", grace_period)):
        if seconds is not None and (isinstance(seconds, bool) or not isinstance(seconds, (int, float))
                                    or not math.isfinite(seconds) or seconds <= 0):
            raise ValueError(f"{name}={seconds!r} must be a positive number of seconds (or None)")
    p = plan(task, optimizer=optimizer, space=space, trials=trials, cohort=cohort, sampler=sampler, pruner=pruner,
             steps=steps, epochs=epochs, seeds=seeds, storage=storage, study=study, timeout=timeout, out=out,
             metric=metric, batch_size=batch_size, seed=seed, eval_every=eval_every, loss=loss,
             clip_norm=clip_norm, clip_value=clip_value, schedules=schedules)
    if out is not None:  # a directory of its own, refused before any work as the command line refuses it
        from .result import check_out, take

        studies = {p.study_name(name) for name, _ in p.optimizers}
        check_out(Path(out), studies, "out", storage=p.storage)
        take(Path(out), studies, p.storage)  # named: another search given this out before this one writes is refused
    bar: Any = contextlib.nullcontext(progress)
    if progress is True:  # the command line's bar, in a terminal or a notebook
        from ..progress import SearchBar

        bar = SearchBar(metric=p.target.metric)
    with bar as told:
        result = run(p, progress=told, stop=stop, heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                     compile=compile, dtype=dtype, out=None if out is None else Path(out))  # (logs.quiet: Optuna's
        # log level is the caller's again afterwards)
    if out is not None:
        from .result import write

        try:  # again: a search started at the same time with the same out may have written there meanwhile
            check_out(Path(out), studies, "out", storage=p.storage)
        except ValueError as e:
            warnings.warn(f"{e}; this search's results are not written there (its study keeps every trial): write "
                          "them elsewhere with: from descend.tune.result import write; write(result, DIRECTORY)",
                          stacklevel=2)
            return result
        write(result, Path(out))
    return result
