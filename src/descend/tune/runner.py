"""The cohort runner: ask Optuna for K trials, train them as one batched program, tell K results.

One study per optimizer, or per choice of optimizers (:class:`descend.tune.space.ChoiceSpace`: a
cohort then mixes optimizers, each trained as its own engine cohort). Each cohort:

1. fails stale trials of dead workers and re-queues them (:func:`descend.tune.storage.fail_stale`);
2. counts what the study holds: the budget is reached when ``trials`` trials are complete or pruned;
   the trials other workers are running count as taken;
3. asks K trials, each suggested right after its ask (TPE draws them all from one model of the finished
   trials, :mod:`descend.tune.tpe`), checks that none is beyond the budget (two workers that ask at the
   same moment), and beats for them (:class:`descend.tune.storage.Heartbeat`);
4. builds K :class:`descend.spec.RunSpec` (seed: the trial number, or the number of the trial a retry
   repeats) and trains them with :func:`descend.engine.train`, one batched program per batch size and
   switch of the rule, with a :class:`descend.tune.pruning.CohortPruner` as monitor;
5. tells every trial in the order of its number: COMPLETE with the objective, PRUNED with its last
   checkpoint value, a diverged run COMPLETE with the worst value (so that samplers learn to avoid it);
   after Ctrl-C or a stop, a trial that had not finished is failed and re-queued with the same parameters,
   so a re-run trains it again, and every finished trial is kept.

A new study gets, as its first trials, each optimizer's defaults (the baseline) and, for TPE and GP, a spread
of the space around it, :meth:`descend.tune.space.Space.spread` (they draw their first trials at random, having
seen nothing; CMA-ES too, until a trial has completed, and then its first generation around the defaults).

A pruned run's row leaves the batched program (the engine drops the rows of stopped runs from an eager
cohort, :func:`descend.engine.train_cohort`), so the rest of the cohort trains on fewer rows; its records are
those it would have frozen in place. Measured with ``benchmarks/tune.py --frozen`` (successive halving, the
reference sweep workload, K = 64, 256 trials in 4 cohorts of 200 steps, 4 rounds, load 0.5-1.2 on 2 cores):
with the pruned rows kept, 67 % of the row-steps went to rows already pruned, and training took 6.7 s; with
them dropped 3.3 s (2.1× faster, the same trials and the same best value). A compiled cohort keeps its rows
(another number of rows is another program). Freed rows are not refilled with new trials (continuous
batching: about a third less again, modelled from the useful row-steps): a refilled row would need its own step count
(a rule's state shares one, for bias correction), its own batch plan and schedule offsets, and checkpoints
per row.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import engine, outcomes
from .._quiet import ignoring
from ..spec import RunSpec, schedules_for
from . import pruning
from . import storage as storage_module
from .seeding import per_trial
from .space import BATCH_SIZE, ChoiceSpace, Space, trial_schedules

SAMPLERS = ("tpe", "gp", "cmaes", "qmc", "random", "grid")
METRICS = ("loss", "accuracy")

#: The user attribute every told trial carries: its seed, status, steps done (named in
#: :mod:`descend.tune.storage`, whose retries leave it out).
INFO = storage_module.INFO
#: The status of a trial asked once the study's budget was spent (by other workers): told FAIL, never trained.
OVER_BUDGET = "over-budget"

#: Seconds a worker waits for a database that stopped answering (a server restarted, a dropped connection) before
#: it gives up, trying again after 1, 2, 4, 8 and then every 15 seconds: a restart of the server is waited out,
#: rather than ending every worker of a study, each to be started again by hand.
PATIENCE = 120.0
#: The statuses of a failed trial that is no failure of its run: cut short by a stop (Ctrl-C), or left running
#: by a worker that stopped (killed) and failed by the next one; each was queued again with its parameters and
#: seed (its retry).
RETRIED = (outcomes.INTERRUPTED, storage_module.STALE)
ROLE = "descend:role"
#: The study attribute its creator sets once the first cohort is queued; how long a worker waits for it.
READY = "descend:ready"
READY_TIMEOUT = 120.0
UNMARKED_WAIT = 3.0


@dataclass(frozen=True)
class Target:
    """What a trial is judged on: ``split`` (validation, or train when the task has none) and ``metric``."""

    split: str
    metric: str

    @property
    def key(self) -> str:
        return f"{self.split}_{self.metric}"

    @property
    def column(self) -> str:
        return f"final_{self.key}"

    @property
    def direction(self) -> str:
        return "maximize" if self.metric == "accuracy" else "minimize"

    @property
    def loss_column(self) -> str:
        """The loss on the same split: what decides between trials of equal accuracy (:func:`ranked`)."""
        return f"final_{self.split}_loss"


def trial_status(trial: Any) -> str | None:
    """A trial's status, as trials.csv and the search's report say it: what the runner recorded of its run
    (:data:`descend.outcomes.STATUSES`, ``"interrupted"``, :data:`OVER_BUDGET`); for a trial another worker
    failed, its own having stopped, ``"stale"`` (:func:`descend.tune.storage.fail_stale`); None for a trial
    that has not ended (running, or queued: a retry too, whatever the trial it repeats was)."""
    if not trial.state.is_finished():
        return None
    info = trial.user_attrs.get(INFO)
    status = info.get("status") if isinstance(info, dict) else None
    failed = trial.system_attrs.get(storage_module.FAILED_KEY) if trial.state.name == "FAIL" else None
    if failed is not None and status not in ("interrupted", OVER_BUDGET):  # failed as stale, even where its worker
        status = failed  # had recorded its run's status (ok) and lost the database before telling its value (a
        # trial its own worker failed first, interrupted or over the budget, keeps what that worker said)
    return status if isinstance(status, str) else None


def trial_seed(number: int, system_attrs: Mapping[str, Any]) -> int:
    """The seed trial ``number`` trains with: its own number, or for a retry the number of the trial it repeats
    (``system_attrs``: the trial's system attributes, where :func:`descend.tune.storage.retry` records it)."""
    return int(system_attrs.get("failed_trial", number))


def seed_of(trial: Any) -> int | None:
    """The seed of a trial, as trials.csv writes it: the one its run was told with; for a trial that has not
    been told, the one it trains with (:func:`trial_seed`: running, queued, or left by a worker that stopped);
    None for a trial told without one (:data:`OVER_BUDGET`: never trained)."""
    info = trial.user_attrs.get(INFO)
    if isinstance(info, dict) and "status" in info and trial.state.is_finished():
        seed = info.get("seed")
        return int(seed) if isinstance(seed, int) else None
    return trial_seed(trial.number, trial.system_attrs)


def ranked(trial: Any, sign: int) -> tuple[float, float, int]:
    """How trials are ordered, best first: by value, then (for an accuracy, where a small validation set gives
    many ties) by the lower loss on the same split, then by the lower number."""
    info = trial.user_attrs.get(INFO)
    loss = info.get("loss") if isinstance(info, dict) else None
    return sign * trial.value, loss if isinstance(loss, (int, float)) and math.isfinite(loss) else math.inf, \
        trial.number


def _masks(problem: Any) -> bool:
    """Whether the problem's model masks samples out (as the engine decides it: ``valid`` is not None)."""
    params = problem.model.init([0])
    return problem.model.valid(params, problem.train[0][:1]) is not None


@dataclass(frozen=True)
class Budget:
    steps: int | None = None
    epochs: int | None = None

    def steps_for(self, problem: Any, batch_size: Any) -> int:
        """The number of steps of one run at ``batch_size``."""
        if self.steps is not None:
            return int(self.steps)
        from ..data import batches

        return len(batches(problem.samples, batch_size=batch_size, seed=0, epochs=self.epochs).indices)

    def text(self) -> str:
        return f"steps={self.steps}" if self.steps is not None else f"epochs={self.epochs}"


def make_sampler(name: str, space: Space | ChoiceSpace, *, seed: int, cohort: int, trials: int) -> Any:
    """The Optuna sampler called ``name`` (one of :data:`SAMPLERS`), seeded; where it draws at random, each
    trial from its own seed (:mod:`descend.tune.seeding`: workers on one study never draw alike). QMC's points
    are numbered by the study; CMA-ES draws a generation at a time."""
    import optuna

    with ignoring(category=optuna.exceptions.ExperimentalWarning), ignoring(category=FutureWarning):
        if name == "tpe":  # group: a choice of optimizers is a conditional space, one group per optimizer
            from .tpe import cohort_tpe

            return cohort_tpe(seed=seed, multivariate=True, group=isinstance(space, ChoiceSpace))
        if name == "gp":  # each trial's draws from its own seed (descend.tune.seeding), as TPE's
            return per_trial(optuna.samplers.GPSampler, seed)
        if name == "cmaes":
            x0 = {p.name: v for p, v in zip(space.searched, space.baseline().values()) if p.kind != "choice"}
            # choices are drawn at random: the plan's note says so once, not Optuna's warning at every trial
            return optuna.samplers.CmaEsSampler(seed=seed, x0=x0 or None, popsize=cmaes_popsize(cohort),
                                                warn_independent_sampling=False)
        if name == "qmc":
            return optuna.samplers.QMCSampler(qmc_type="sobol", scramble=True, seed=seed,
                                              warn_asynchronous_seeding=False)
        if name == "random":
            return per_trial(optuna.samplers.RandomSampler, seed)
        if name == "grid":
            return _Grid(grid(space, trials), seed=seed)
    raise ValueError(f"unknown sampler {name!r}")


def cmaes_popsize(cohort: int) -> int:
    """CMA-ES's population: a generation per cohort of completed trials (four at least)."""
    return max(4, cohort)


def _grid_sampler() -> type:
    import optuna

    class Grid(optuna.samplers.GridSampler):
        """Optuna's grid sampler without its ``study.stop()`` once the grid is done: that works only inside
        ``study.optimize``, and descend's budget (the grid's size) ends the search anyway."""

        def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
            return None

    return Grid


def _Grid(search_space: dict[str, list[Any]], seed: int) -> Any:  # noqa: N802 - builds the class above
    return per_trial(_grid_sampler(), seed, search_space=search_space)


def grid(space: Space, trials: int) -> dict[str, list[Any]]:
    """A grid over the space with about ``trials`` points: ``n`` values per range (log-spaced on a log
    range), every choice, with n the largest whole number such that the grid has at most ``trials`` points."""
    dims = space.searched
    choices = math.prod(len(p.choices) for p in dims if p.kind == "choice")
    ranges = [p for p in dims if p.kind != "choice"]
    n = 2
    if ranges:
        n = max(2, int((max(trials, 1) / max(choices, 1)) ** (1 / len(ranges)) + 1e-9))
    out: dict[str, list[Any]] = {}
    for p in dims:
        if p.kind == "choice":
            out[p.name] = list(p.choices)
        else:
            values = [p.from_unit(i / (n - 1) if n > 1 else 0.5) if i < n - 1 else p.clip(p.high) for i in range(n)]
            # six digits to show (0.000123457), never one past an end of the range (0.9999999 is not 1)
            out[p.name] = list(dict.fromkeys(_rounded(v, p) if p.kind == "float" else v for v in values))
    return out


def _rounded(value: float, p: Any) -> float:
    """``value`` to six significant digits where that stays in ``p``'s range (and on its step), else as it is."""
    short = float(f"{value:.6g}")
    on_step = p.step is None or abs((short - p.low) / p.step - round((short - p.low) / p.step)) < 1e-9
    return short if p.low <= short <= p.high and on_step else value


def grid_size(space: Space, trials: int) -> int:
    return math.prod(len(v) for v in grid(space, trials).values())


def grid_text(space: Space, trials: int) -> str:
    """The values of :func:`grid`, as said to the user: ``lr 0.0005, 0.05, 5; beta1 0.5, 0.745, 0.99``."""
    return "; ".join(f"{k} " + ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in vs)
                     for k, vs in grid(space, trials).items())


# -- opening a study ------------------------------------------------------------------------------------------


@dataclass
class StudyPlan:
    """One optimizer's study: its space, the Optuna study, whether this process created it, its budget."""

    optimizer: str
    space: Space
    study: Any
    created: bool
    trials: int
    sampler: str
    notes: tuple[str, ...] = ()  #: a resumed study's settings that differ from its first search's


def open_study(storage: Any, name: str, space: Space, *, sampler: str, seed: int, cohort: int, trials: int,
               target: Target, attrs: Mapping[str, Any], names: Mapping[str, str],
               kept_in_out: bool = False) -> StudyPlan:
    """Load the study ``name`` or create it; a loaded study made with another space, objective or budget is
    refused (naming the option, and advising another study name, or another output directory when the study is
    ``kept_in_out``: no storage was given), before anything is written to it.

    The process that creates the study marks it not ready, writes its attributes and enqueues the first
    cohort (the baseline, one per optimizer of a choice even past the first cohort, and the spread points), then
    marks it ready; a worker that loads it meanwhile waits for that, so it neither checks against attributes not
    yet written nor asks trials before the first cohort is queued (which would leave queued trials beyond the
    budget).
    """
    import optuna

    made = make_sampler(sampler, space, seed=seed, cohort=cohort, trials=trials)
    first = min(cohort, trials)
    if sampler == "grid":  # its points follow from the budget: a study resumed with another would mix two grids
        attrs = {**attrs, "descend:grid": f"{grid_size(space, trials)} points: {grid_text(space, trials)}"}
        # a study's budget is its own grid where that is smaller (another optimizer's larger grid set the
        # budget): past it, the sampler would repeat points
        trials = min(trials, grid_size(space, trials))
    created = False
    points: list[tuple[dict[str, Any], str]] = []
    try:
        study = optuna.load_study(study_name=name, storage=storage, sampler=made)
    except KeyError:
        # the first cohort's points, computed before the study exists (the window in which another worker
        # finds it not ready stays short) and only for a new study: a resumed one never reads them
        if sampler != "grid":  # every optimizer's of a choice, even past the first cohort (api.plan checks that
            # the budget holds them): one left out might never be drawn, and its optimizer never reported
            points += [(p, "baseline") for p in space.baselines()]
        if sampler in ("tpe", "gp"):
            points += [(p, "spread") for p in space.spread(first - len(points), seed)]
        try:
            study = optuna.create_study(study_name=name, storage=storage, sampler=made, direction=target.direction)
            created = True
        except optuna.exceptions.DuplicatedStudyError:  # another worker created it meanwhile
            study = optuna.load_study(study_name=name, storage=storage, sampler=made)
    if not created:
        _wait_ready(study)
        _check_same(study, name, space, target, attrs, names, kept_in_out)
        return StudyPlan(space.optimizer, space, study, False, trials, sampler, _changed(study, name, attrs, names))
    study.set_user_attr(READY, False)
    recorded = {"descend:optimizer": space.optimizer, "descend:space": space.text(), "descend:metric": target.key,
                "descend:rules": _rules(space)}
    for key, value in {**recorded, **attrs}.items():
        study.set_user_attr(key, value)
    for params, role in points:
        study.enqueue_trial(params, user_attrs={ROLE: role})
    study.set_user_attr(READY, True)
    return StudyPlan(space.optimizer, space, study, True, trials, sampler)


def _wait_ready(study: Any, *, timeout: float = READY_TIMEOUT, unmarked: float = UNMARKED_WAIT) -> None:
    """Wait until the process that created ``study`` has marked it ready (see :func:`open_study`).

    A study not marked at all is waited for ``unmarked`` seconds while it has no trial (its creator may be
    between creating it and marking it); one made by plain Optuna, or by a creator that died before
    marking it ready, is then checked (and one that records no search refused, :func:`_check_same`).
    """
    started = time.monotonic()
    while True:
        marked = study.user_attrs.get(READY)
        waited = time.monotonic() - started
        if marked is True or waited >= timeout:
            return
        if marked is None and (waited >= unmarked or study.get_trials(deepcopy=False)):
            return
        time.sleep(0.1)


def _rules(space: Space) -> str:
    """The digests of the study's optimizers of one's own (:func:`descend.optim.registry.rule_digest`), as
    ``name=digest`` items; empty for descend's own."""
    from ..optim.registry import rule_digest

    return ", ".join(f"{n}={d}" for n in space.optimizer.split("|") if (d := rule_digest(n)))


def _check_same(study: Any, name: str, space: Space, target: Target, attrs: Mapping[str, Any],
                names: Mapping[str, str], kept_in_out: bool = False) -> None:
    stored = study.user_attrs
    where = f"study {name!r}"
    # a search not meant as a resume (another task, the same default output directory) changes either; in a
    # storage given, shared by every output directory, only the study's name tells two searches apart
    # (a study kept in its out directory: another name there is refused, the directory holding this search's results)
    other = f"another {names['out']} directory" if kept_in_out else f"another {names['study']} name"
    # plain Optuna's with finished trials, of another objective: its values are not this search's (one that only
    # holds trials queued for descend to train, enqueue_trial, is resumed)
    if "descend:space" not in stored and any(t.state.is_finished() for t in study.get_trials(deepcopy=False)):
        raise ValueError(f"{names['study']}: {where} was not made by descend tune (it records no search space, and "
                         "its finished trials are another objective's); give " + other)
    # the task first: another task's objective (with or without validation data) or default space
    # differs too, and giving those would only be refused next
    for key in ("descend:task", "descend:task_identity"):
        if key in stored and key in attrs and not _same_task(key, stored[key], attrs[key]):
            if key == "descend:task_identity" and _only_settings(stored[key], attrs[key]):
                raise ValueError(_other_settings(stored[key], attrs[key], where, other, names))
            then, now = (_shown(key, v) for v in (stored[key], attrs[key]))
            raise ValueError(f"{names['task']}: {where} was made with task {then}, not {now}; give the same to "
                             f"resume it, or {other}")
    if study.direction.name.lower() != target.direction or stored.get("descend:metric", target.key) != target.key:
        raise ValueError(f"{names['metric']}: {where} optimizes {stored.get('descend:metric', '?')} "
                         f"({study.direction.name.lower()}), not {target.key}; give that metric or "
                         f"{other}")
    tuned = str(stored.get("descend:optimizer", space.optimizer))
    if tuned != space.optimizer and "|" not in tuned + space.optimizer:  # (a choice's are told apart below)
        raise ValueError(f"{names['optimizer']}: {where} tunes {tuned}, not {space.optimizer}; give {tuned} to "
                         f"resume it, or {other}")
    if stored.get("descend:space", space.text()) != space.text():
        chose, choose = (text.partition(";")[0].partition("optimizer=")[2] if text.startswith("optimizer=")
                         else "one optimizer" for text in (str(stored["descend:space"]), space.text()))
        if chose != choose:  # a choice of optimizers against another, or against one optimizer
            raise ValueError(f"{names['optimizer']}: {where} was made with {chose}, not {choose}; give the same to "
                             f"resume it, or {other}")
        # only fixed values differ (-o adam:amsgrad=true, or amsgrad=true in --space): both flags may have set them
        searched = [{item for item in text.split(", ") if ".." in item or "|" in item}
                    for text in (str(stored["descend:space"]), space.text())]
        flag = names["space"] if searched[0] != searched[1] else f"{names['optimizer']}'s options or {names['space']}"
        raise ValueError(f"{flag}: {where} searches {stored['descend:space']!r}, not {space.text()!r}; give that "
                         f"space to resume it, or {other}")
    if "descend:grid" in stored and "descend:grid" in attrs and stored["descend:grid"] != attrs["descend:grid"]:
        then, now = (str(v).partition(" points")[0] for v in (stored["descend:grid"], attrs["descend:grid"]))
        raise ValueError(f"{names['trials']}: {where} searches a grid of {stored['descend:grid']}, not one of {now} "
                         f"points (a grid search's budget is its grid); give {names['trials']} {then} to resume it, "
                         f"or {other}")
    # the budget before the training: a schedule over the budget's steps (cosine:total_steps=20) differs with it, and
    # --steps 30 was blamed on the --schedule given as before
    for key in ("descend:budget", "descend:batch_size"):
        if key in stored and key in attrs and stored[key] != attrs[key]:
            # the flag given now (--epochs 2 where the study trained steps=20 names --epochs)
            flag = "batch_size" if key == "descend:batch_size" else str(attrs[key]).partition("=")[0]
            if key == "descend:budget":  # "steps=3" as the interface gives it: --steps 3, or steps=3
                then, now = (_as_given(str(v), names) for v in (stored[key], attrs[key]))
                raise ValueError(f"{names.get(flag, names['steps'])}: {where} was made with {then}, not {now}; give "
                                 f"the same to resume it, or {other}")
            then, now = (_shown(key, v) for v in (stored[key], attrs[key]))
            raise ValueError(f"{names.get(flag, names['steps'])}: {where} was made with {key.split(':')[1]} {then}, "
                             f"not {now}; give the same to resume it, or {other}")
    if "descend:training" in stored and "descend:training" in attrs and (changed := _changed_training(
            stored["descend:training"], attrs["descend:training"])):  # another loss, clipping or dtype
        (_, before), (_, after) = (_settings(f"-; {v}") for v in (stored["descend:training"], attrs["descend:training"]))
        raise ValueError(f"{', '.join(names.get(k, k) for k in changed)}: {where} was made with "
                         f"{', '.join(f'{k}={before.get(k)}' for k in changed)}, not "
                         f"{', '.join(f'{k}={after.get(k)}' for k in changed)}; give the same to resume it, or "
                         f"{other}")
    if stored.get("descend:rules") and stored["descend:rules"] != _rules(space):
        raise ValueError(f"{names['optimizer']}: {where} was made with another rule of "
                         f"{space.optimizer} (its init or update, or its hyperparameters, have been edited since: "
                         f"{stored['descend:rules']}, now {_rules(space) or 'none'}); its trials would mix the two "
                         f"rules: give {other} to search the edited rule")
    if "descend:data" in stored and "descend:data" in attrs and stored["descend:data"] != attrs["descend:data"]:
        raise ValueError(f"{names.get('csv', names['task'])}: {where} was made from other data: the file's rows "
                         f"or values have changed since (digest {stored['descend:data']}, now "
                         f"{attrs['descend:data']}); give {other} to search the new data")


#: Settings a study may be resumed with that differ from its first search's (a note, not a refusal): key → flag.
MAY_CHANGE = {"descend:sampler": "sampler", "descend:pruner": "pruner", "descend:seed": "seed"}


#: What a study records of how its trials train, in words, for a study made by an earlier descend without them.
RECORDED = {"descend:task_identity": "the task's settings", "descend:data": "the data's numbers",
            "descend:training": "the loss, clipping, dtype and schedules"}
#: Which descend trained a study's trials (its source's digest): another one goes on with a note, as its numbers may
#: differ where descend changed how it computes them (a loss, a task's data) since.
SOURCE = "descend:source"


def _changed(study: Any, name: str, attrs: Mapping[str, Any], names: Mapping[str, str]) -> tuple[str, ...]:
    """A note per setting of :data:`MAY_CHANGE` that this search gives otherwise than the study's first did, and one
    for what a study made by an earlier descend did not record (:data:`RECORDED`): those are not checked, and a
    resume with others would mix two kinds of trial."""
    stored = study.user_attrs
    notes = [f"study {name!r} was begun with {names[flag]} {stored[key]} and goes on with {attrs[key]}: its "
             "later trials are drawn (or pruned) otherwise than its first"
             for key, flag in MAY_CHANGE.items() if key in stored and key in attrs and stored[key] != attrs[key]]
    unknown = [words for key, words in RECORDED.items() if key in attrs and key not in stored]
    if unknown and "descend:space" in stored:
        notes.append(f"study {name!r} was made by an earlier descend, which did not record {', '.join(unknown)}: "
                     "they are not checked, so resume it with the settings it was made with")
    if SOURCE in attrs and "descend:space" in stored and stored.get(SOURCE) != attrs[SOURCE]:
        made = (f"another descend (version {stored.get('descend:version', '?')}, source {stored[SOURCE]})"
                if SOURCE in stored else "an earlier descend, which did not record its source")
        notes.append(f"study {name!r} was begun by {made}; this is version {attrs.get('descend:version', '?')}, "
                     f"source {attrs[SOURCE]}: its earlier trials' values may differ from what this descend would "
                     f"give them (where it computes a trial otherwise); give another {names['study']} name to rank "
                     "this descend's trials alone")
    return tuple(notes)


def _as_given(text: str, names: Mapping[str, str]) -> str:
    """A recorded ``key=value`` (a budget, ``steps=3``) as the interface gives it: ``--steps 3`` on the command
    line, ``steps=3`` in Python."""
    key, _, value = text.partition("=")
    flag = names.get(key, key)
    return f"{flag} {value}" if flag.startswith("-") else f"{flag}={value}"


def _shown(key: str, value: Any) -> str:
    """A study's recorded setting as the user gives it (a full batch is ``full``, not Python's None)."""
    if key == "descend:batch_size":
        return "full" if value == "None" else str(value)
    if key == "descend:task_identity":  # the task as given: its model follows from it
        return repr("; ".join(part for part in _parts(str(value)) if not part.startswith("model=")))
    return repr(value)


def _settings(identity: str) -> tuple[str, dict[str, str]]:
    """A task's identity (:func:`descend.tune.api.task_identity`) as its name and its settings."""
    name, *parts = _parts(str(identity))
    return name, dict(part.partition("=")[::2] for part in parts)


def _parts(identity: str) -> list[str]:
    """A task's identity's name and ``key=value`` parts: split at each ``; `` before a key, not at one inside a
    value (``sep='; '`` split there made the settings ``sep='`` and ``'``)."""
    return re.split(r"; (?=[A-Za-z_]\w*=)", identity)


#: A task's settings that do not tell it from another: a CSV file's path (the same file named from another folder,
#: as the command that resumes a search names it, by its absolute path, is the same task; the digest of its
#: numbers, ``descend:data``, tells an edited file).
NOT_IDENTITY = ("path",)


def _task_settings(identity: str) -> tuple[str, dict[str, str]]:
    """A task's identity as its name and the settings that tell it from another (without :data:`NOT_IDENTITY`); a
    CSV file's options as what they read (:func:`descend.data.tables.reading`: ``--categorical store,zip`` is
    ``zip,store``, ``--sep ,`` no ``--sep``), so that a search is resumed however its reading is given."""
    name, settings = _settings(identity)
    if "path" in settings and "target" in settings:  # a CSV file's task (descend.tasks.real.from_csv)
        settings = _read_alike(settings)
    return name, {k: v for k, v in settings.items() if k not in NOT_IDENTITY}


def _read_alike(settings: Mapping[str, str]) -> dict[str, str]:
    """A CSV task's settings (``key → repr(value)``) with its reading's options as :func:`descend.data.tables.reading`
    gives them: one at its default left out, the others' text unchanged unless the reading changed the value."""
    import ast

    from ..data.tables import reading

    values = {}
    for key, text in settings.items():
        try:
            values[key] = ast.literal_eval(text)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            pass  # not a literal (a model's text): kept as it is
    read = reading(values)
    return {key: repr(read[key]) if key in read and read[key] != values[key] else text
            for key, text in settings.items() if key not in values or key in read}


def identity_key(identity: str) -> str:
    """A task's identity without the settings that do not tell it from another (:data:`NOT_IDENTITY`): what the
    search's kept re-runs are keyed by (:func:`descend.tune.api._final_key`), as a resumed study compares it."""
    name, settings = _task_settings(identity)
    return "; ".join([name, *(f"{k}={v}" for k, v in settings.items())])


def _changed_training(then: str, now: str) -> list[str]:
    """The settings of :func:`descend.tune.api.training_text` that differ: a number by its value (clip_norm=1 is
    1.0), a loss of one's own by its name alone where a study made before its code's digest was kept has none."""
    (_, before), (_, after) = _settings(f"-; {then}"), _settings(f"-; {now}")

    def same(key: str, a: str | None, b: str | None) -> bool:
        if key == "schedules" and a is None:  # a study made before its schedules were kept: not known
            return True
        if a is None or b is None or a == b:
            return a == b
        if key == "loss" and ("#" in a) != ("#" in b):
            return a.partition("#")[0] == b.partition("#")[0]
        try:
            return float(a) == float(b)
        except ValueError:
            return False

    return sorted(k for k in {*before, *after} if not same(k, before.get(k), after.get(k)))


def _same_task(key: str, then: str, now: str) -> bool:
    """Whether a study's task (``key``: its name, or its identity) is the task given now. A CSV file's path is
    not compared: the same file named from another folder (the command that resumes a search names it by its
    absolute path) is the same task, and the digest of its numbers (``descend:data``) tells an edited file."""
    if key != "descend:task_identity":
        return then == now
    (name, before), (other_name, after) = _task_settings(then), _task_settings(now)
    if "model" not in before or _unfingerprinted(before["model"]):
        # a study made before the model was part of a task's identity, or before a module of one's own was told
        # by its fingerprint (it printed alike whatever its layers): not known
        after.pop("model", None)
        before.pop("model", None)
    return name == other_name and before == after


def _unfingerprinted(model: str) -> bool:
    """Whether a study's recorded model is a module of one's own as an earlier descend recorded it, by its class
    alone (``ModuleModel(module=Sequential(...), ...)``), before :meth:`descend.models.ModuleModel.fingerprint`."""
    return model.startswith("ModuleModel(module=")


def _only_settings(then: str, now: str) -> bool:
    """Whether two identities are one task under other settings (not another formula, file or column)."""
    (name, before), (other_name, after) = _task_settings(then), _task_settings(now)
    changed = {k for k in {*before, *after} if before.get(k) != after.get(k)}
    return name == other_name and not changed & {"formula", "column", "target"}


def _other_settings(then: str, now: str, where: str, other: str, names: Mapping[str, str]) -> str:
    """The refusal of a study resumed with the same task under other settings, naming the settings that differ
    (as flags on the command line: ``--no-standardize-target``)."""
    (_, before), (_, after) = _task_settings(then), _task_settings(now)
    changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
    if len(changed) > 1 and "model" in changed:  # a task's settings that build another model: said by them
        changed.remove("model")
    # said as given (--encoding latin-1, the columns in the order typed), where they were compared as read
    (_, before), (_, after) = _settings(then), _settings(now)

    def said(settings: Mapping[str, str]) -> str:
        return ", ".join(f"{k}={settings[k]}" if k in settings else f"{k} not set (the task's default)"
                         for k in changed)

    if changed == ["model"] and all(settings.get("model", "").startswith("ModuleModel(") for settings in
                                    (before, after)):  # a module of one's own: its fingerprint says what differs
        return (f"{names['task']}: {where} was made with another torch module ({before['model']}, now "
                f"{after['model']}: its layers or their settings, its code, or the values its runs start from "
                "differ, as those of a module built without torch.manual_seed do from one process to the next); give "
                f"the same module to resume it, or {other}")

    cli = names.get("study") == "--study"
    flag = (", ".join(_setting_flag(k) for k in changed) if cli else ", ".join(changed)) or names["task"]
    return (f"{flag}: {where} was made with {said(before)}, not {said(after)}; give the same to resume it, or "
            f"{other}")


def _setting_flag(key: str) -> str:
    """The command line's flag that sets a task's setting ``key`` (of its identity): the data's and the task's
    own flags (``--sep``, ``--start``, ``--loss``), ``--init`` for the model (another initialisation of the same
    task), and ``--task-option KEY`` for the task's other options (``hidden``)."""
    from ..compare_config import DATA_KEYS, TASK_SETTINGS, Config

    if key == "model":
        return "--init"
    if key in DATA_KEYS or (key in TASK_SETTINGS and key != "steps"):  # steps: the task's option, not --steps
        return Config.flags()[key]
    return f"--task-option {key}"


# -- the runner -----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one :class:`Runner` did in this process."""

    told: int = 0
    pruned: int = 0
    retried: int = 0
    over_budget: int = 0
    taken: int = 0  #: trials another worker failed as stale while this one trained them (it was suspended)
    cohorts: int = 0
    interrupted: bool = False
    timed_out: bool = False
    seconds: float = 0.0
    train_seconds: float = 0.0
    storage_seconds: float = 0.0
    retried_stale: list[int] = field(default_factory=list)


class Runner:
    """Runs one study to its budget, cohort after cohort (see the module's docstring)."""

    def __init__(self, problem: Any, plan: StudyPlan, *, cohort: int, budget: Budget, target: Target,
                 pruner: str = "none", batch_size: Any = None, eval_every: int | None = None,
                 stop: threading.Event | None = None, progress: Callable[[Mapping[str, Any]], Any] | None = None,
                 heartbeat_interval: float = storage_module.HEARTBEAT_INTERVAL,
                 grace_period: float = storage_module.GRACE_PERIOD, deadline: float | None = None,
                 clip_norm: float | None = None, clip_value: float | None = None, dtype: Any = None,
                 compile: bool = False, schedules: Mapping[str, Callable[[int], Any]] | None = None) -> None:
        from dataclasses import replace

        # a trial is judged on its target's split alone: the test split is left to the final re-runs, and the
        # training set is evaluated only where its evaluation decides a run's status (a model that masks samples
        # out: a run undefined on every training sample has left the domain)
        keep = {target.split} | ({"train"} if _masks(problem) else set())
        problem = replace(problem, evals={k: v for k, v in problem.evals.items() if k in keep})
        self.problem, self.plan, self.cohort, self.budget, self.target = problem, plan, cohort, budget, target
        self.pruner, self.batch_size, self.eval_every = pruner, batch_size, eval_every
        self.stop = stop if stop is not None else threading.Event()
        #: a cohort was cut short by something other than ``stop`` (a KeyboardInterrupt raised by a progress
        #: callback): the search ends as after Ctrl-C (it asked the same trials again, cohort after cohort, forever)
        self.cut_short = False
        self.progress = progress
        self.heartbeat_interval, self.grace_period, self.deadline = heartbeat_interval, grace_period, deadline
        self.clip_norm, self.clip_value, self.dtype, self.compile = clip_norm, clip_value, dtype, compile
        self.schedules = dict(schedules or {})  # every trial's, e.g. {"lr": cosine}: descend compare's --schedule
        self.worker = storage_module.worker_id()
        self.finished = False  #: the study's budget is spent (by this worker or others)
        self._counted: tuple[int, int] | None = None  # the last count the progress was told
        self.best: float | None = None
        self.outcome = Outcome()

    @property
    def study(self) -> Any:
        return self.plan.study

    def run(self, cohorts: int | None = None) -> Outcome:
        """Train cohorts until the budget is spent (:attr:`finished`), a stop or the deadline; with ``cohorts``,
        return after that many turns (a cohort, or a wait for other workers' trials), so that several studies
        advance in turn (:func:`descend.tune.api.run`). The outcome adds up over calls."""
        from optuna.trial import TrialState

        started = time.perf_counter()
        beat = storage_module.Heartbeat(self.study._storage, self.heartbeat_interval)
        turns = 0
        try:
            while True:
                if self.stop.is_set() or self.cut_short:
                    self.outcome.interrupted = True
                    break
                t0 = time.perf_counter()
                trials = self._patiently(self._look)
                self.outcome.storage_seconds += time.perf_counter() - t0
                count = {state: 0 for state in TrialState}
                for trial in trials:
                    count[trial.state] += 1
                done = count[TrialState.COMPLETE] + count[TrialState.PRUNED]
                self._best(trials)
                # counted before the timeout ends the search, so that the progress shows the last cohort's trials
                if (done, count[TrialState.RUNNING]) != self._counted:  # once per count, over calls of run
                    self._counted = (done, count[TrialState.RUNNING])
                    self._event("study", done=done, running=count[TrialState.RUNNING])
                if done >= self.plan.trials:
                    self.finished = True
                    break
                if self.deadline is not None and time.time() >= self.deadline:
                    self.outcome.timed_out = True
                    break
                if cohorts is not None and turns >= cohorts:
                    break
                turns += 1
                free = self.plan.trials - done - count[TrialState.RUNNING]
                if free <= 0:  # the rest is being trained by other workers: wait for them (or for them to die)
                    self.stop.wait(min(self.heartbeat_interval, 2.0))
                    continue
                self._cohort(min(self.cohort, free), beat)
        finally:
            beat.close()
            storage_module.sync(self.study._storage)
        self.outcome.seconds += time.perf_counter() - started
        return self.outcome

    def _look(self) -> list[Any]:
        """Fail the stale trials of dead workers (re-queued), and return the study's trials."""
        with storage_module.taking_trials(self.study._storage):
            self.outcome.retried_stale += storage_module.fail_stale(self.study, grace_period=self.grace_period)
        return self.study.get_trials(deepcopy=False)

    def _patiently(self, call: Callable[[], Any]) -> Any:
        """``call()``, called again while the database does not answer (:data:`PATIENCE`; a stop ends the wait and
        raises what it failed with). While it waits, the progress hears ``kind`` ``"database"`` with ``reason``,
        ``waited`` seconds and ``patience``."""
        waited, pause = 0.0, 1.0
        while True:
            try:
                return call()
            except Exception as e:
                failure = storage_module.database_failure(e)
                if failure is None or not failure[1] or waited >= PATIENCE or self.stop.is_set():
                    raise
                # waited: by the end of this pause
                self._event("database", reason=failure[0], waited=waited + pause, patience=PATIENCE)
                if self.stop.wait(pause):
                    raise
                waited, pause = waited + pause, min(2 * pause, 15.0)

    def _best(self, trials: Sequence[Any]) -> None:
        from optuna.trial import TrialState

        values = [t.value for t in trials if t.state == TrialState.COMPLETE and t.value is not None
                  and math.isfinite(t.value)]
        if values:
            self.best = min(values) if self.target.direction == "minimize" else max(values)

    def _event(self, kind: str, **fields: Any) -> None:
        if self.progress is not None:
            self.progress({"kind": kind, "optimizer": self.plan.optimizer, "trials": self.plan.trials,
                           "best": self.best, **fields})

    # -- one cohort ---------------------------------------------------------------------------------------------

    def _cohort(self, n: int, beat: storage_module.Heartbeat) -> None:
        from optuna.trial import TrialState

        study, space = self.study, self.plan.space
        storage = study._storage
        t0 = time.perf_counter()
        asked = []
        # descend beats for the trials itself (storage.Heartbeat): Optuna's note assumes study.optimize; a diverged
        # trial is told the worst value on purpose (the sampler learns to avoid it): the GP sampler clips it to the
        # worst finite one and says so at every ask
        with ignoring("Heartbeat of storage is supposed", "Clip non-finite values"):
            with storage_module.taking_trials(storage):  # one worker at a time takes queued trials (SQLite)
                if storage_module.takes_turns(storage):  # what another worker asked meanwhile is counted
                    n = min(n, self._free())
                    if n <= 0:
                        return
                expect = getattr(study.sampler, "expect", None)
                if expect is not None:  # the cohort TPE draws the n asks together (descend.tune.tpe)
                    expect(n)
                for _ in range(n):
                    trial = self._patiently(study.ask)
                    # whose it is, at once: a worker that died (or lost the database) while asking left the trials
                    # it had asked running with no worker, which another machine's grace period held for a minute
                    self._patiently(lambda: storage.set_trial_system_attr(trial._trial_id, storage_module.WORKER_KEY,
                                                                          self.worker))
                    params = self._patiently(lambda: space.suggest(trial))  # (a value suggested before is kept)
                    asked.append((trial, params))
        storage_module.sync(storage)  # the cohort's trials are on the disk before it trains
        beat.add(trial._trial_id for trial, _ in asked)
        over = self._over_budget(asked)
        for trial, _ in over:
            trial.set_user_attr(INFO, {"status": OVER_BUDGET})
            study.tell(trial, state=TrialState.FAIL)
        self.outcome.over_budget += len(over)
        asked = [item for item in asked if item not in over]
        self.outcome.storage_seconds += time.perf_counter() - t0
        try:
            if asked:
                try:
                    results = self._train(asked)
                except BaseException:
                    # an error in the middle of the cohort (a callback of one's own, a setting the engine refuses):
                    # its trials are failed and re-queued with their parameters, as after Ctrl-C; left running, a
                    # later search of this process took them for a live worker's and waited for them forever
                    with contextlib.suppress(Exception):
                        self._tell(asked, {i: {"status": None, "seed": self._seed(trial)}
                                           for i, (trial, _) in enumerate(asked)})
                    raise
                self._tell(asked, results)
        finally:
            beat.remove(trial._trial_id for trial, _ in asked)
            beat.remove(trial._trial_id for trial, _ in over)
        self.outcome.cohorts += 1

    def _free(self) -> int:
        """The trials of the budget not finished or running yet."""
        from optuna.trial import TrialState

        taken = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING)
        return self.plan.trials - len(self.study.get_trials(deepcopy=False, states=taken))

    def _over_budget(self, asked: Sequence[tuple[Any, dict[str, Any]]]) -> list[tuple[Any, dict[str, Any]]]:
        """The asked trials beyond the budget: another worker asked at the same moment. A trial's rank among
        the study's complete, pruned, running and waiting trials (by number) must be within the budget."""
        from optuna.trial import TrialState

        taken = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
        numbers = sorted(t.number for t in self.study.get_trials(deepcopy=False, states=taken))
        rank = {number: i for i, number in enumerate(numbers)}
        return [(t, p) for t, p in asked if rank.get(t.number, 0) >= self.plan.trials]

    def _seed(self, trial: Any) -> int:
        return trial_seed(trial.number, self.study._storage.get_trial_system_attrs(trial._trial_id))

    def _spec(self, params: Mapping[str, Any], seed: int) -> RunSpec:
        optimizer, values = self.plan.space.run(params)
        batch_size = values.pop(BATCH_SIZE, self.batch_size)
        schedules = trial_schedules(values, schedules_for(optimizer, self.schedules),
                                    self.budget.steps_for(self.problem, batch_size))
        return RunSpec(optimizer, values, batch_size, seed, None, schedules, self.clip_norm, self.clip_value)

    def _train(self, asked: Sequence[tuple[Any, dict[str, Any]]]) -> dict[int, dict[str, Any]]:
        """Train the asked trials, one engine call per group that shares a program (the engine's cohort: the
        optimizer, its switches and the batch size), so that the pruner sees one engine cohort at a time.

        Returns, per position in ``asked``: ``status`` (None when it was not trained: a stop came first),
        ``value``, ``reports`` (checkpoint step → value) and ``steps``.
        """
        seeds = [self._seed(trial) for trial, _ in asked]
        specs = [self._spec(params, seed) for (_, params), seed in zip(asked, seeds)]
        groups: dict[str, list[int]] = {}
        for i, spec in enumerate(specs):
            resolved = spec.resolved()
            groups.setdefault(repr((resolved.optimizer, spec.batch_size, resolved.options)), []).append(i)
        # in an order of their own, not of the trials'; each group is judged from its own values and the earlier
        # cohorts' (descend.tune.pruning), never from the groups trained before it: those would judge a later
        # optimizer against more values than the first
        groups = dict(sorted(groups.items()))
        results: dict[int, dict[str, Any]] = {i: {"status": None, "seed": seeds[i]} for i in range(len(asked))}
        cohort_trials = self.study.get_trials(deepcopy=False) if self.pruner != "none" else []
        for members in groups.values():
            if self.stop.is_set():
                break
            steps = self.budget.steps_for(self.problem, specs[members[0]].batch_size)
            # without a pruner a trial needs one evaluation, at the end; no checkpoint is at step 0
            every = self.eval_every if self.eval_every is not None else pruning.evaluation_every(self.pruner, steps)
            marked = pruning.checkpoints(self.pruner, steps, every)  # (fraction, step): a fraction's pool
            checkpoints, fraction_of = [step for _, step in marked], {step: i for i, step in marked}
            prior = pruning.prior_values(cohort_trials, self.pruner, len(pruning.fractions(self.pruner)))
            monitor = pruning.CohortPruner(self.pruner, self.target.key, self.target.direction, checkpoints, prior,
                                           completed=pruning.completed(cohort_trials),
                                           fractions_at=[i for i, _ in marked])
            t0 = time.perf_counter()
            runs = engine.train(self.problem, [specs[i] for i in members], steps=self.budget.steps,
                                epochs=self.budget.epochs, eval_every=every,
                                monitor=monitor if checkpoints else None, stop=self.stop,
                                record_grad_norms=False, record_path=False, progress=self._step_progress(len(members)),
                                eval_start=False,
                                **({"dtype": self.dtype} if self.dtype is not None else {}), compile=self.compile)
            self.outcome.train_seconds += time.perf_counter() - t0
            rows = runs.summary.to_dict("index")  # one conversion, not a pandas row lookup per trial
            # Ctrl-C or a stop: the runs it cut short are trained again (their last values are not results)
            stopped_by_user = self.stop.is_set() or (runs.interrupted and not monitor.all_stopped)
            self.cut_short = self.cut_short or stopped_by_user
            for local, i in enumerate(members):
                row = rows.get(local)
                if row is None:
                    continue
                status = str(row["status"])
                if status in (outcomes.OK, outcomes.INTERRUPTED) and stopped_by_user:
                    continue  # not finished: failed and re-queued by _tell
                value = float(row[self.target.column]) if self.target.column in row else math.nan
                reports = monitor.values.get(local, {})
                results[i] = {"status": status, "seed": seeds[i], "value": value, "reports": reports,
                              "steps": int(row["steps_done"]), "fractions": [fraction_of[s] for s in sorted(reports)]}
                if self.target.metric != "loss" and self.target.loss_column in row:  # what breaks a tie
                    results[i]["loss"] = float(row[self.target.loss_column])
        return results

    def _step_progress(self, k: int) -> Callable[[Mapping[str, Any]], None]:
        def report(event: Mapping[str, Any]) -> None:
            if event["step"] % 10 == 0 or event["step"] == event["steps"]:
                self._event("step", step=event["step"], steps=event["steps"], runs=k)

        return report

    def _tell(self, asked: Sequence[tuple[Any, dict[str, Any]]], results: Mapping[int, Mapping[str, Any]]) -> None:
        """Tell every trial in the order of its number (see the module's docstring)."""
        import optuna

        study = self.study
        worst = pruning.worst(self.target.direction)
        t0 = time.perf_counter()
        order = sorted(range(len(asked)), key=lambda i: asked[i][0].number)
        for i in order:
            trial, _ = asked[i]
            result = results[i]
            tries = []

            def tell() -> None:
                tries.append(1)
                self._tell_one(study, trial, result, worst)

            try:
                self._patiently(tell)
            except optuna.exceptions.UpdateFinishedTrialError:
                if len(tries) > 1 and storage_module.told_by(study, trial, self.worker):  # told before the database
                    self.outcome.told += 1  # stopped answering, which lost the answer: told once
                else:  # failed as stale by another worker meanwhile (this one was suspended): its retry is that
                    self.outcome.taken += 1  # worker's; this result is not told
        storage_module.sync(study._storage)  # the cohort's results are on the disk
        self.outcome.storage_seconds += time.perf_counter() - t0

    def _tell_one(self, study: Any, trial: Any, result: Mapping[str, Any], worst: float) -> None:
        """Tell one trial its result: its value, PRUNED, or (not finished before a stop) FAIL and a retry."""
        from optuna.trial import TrialState

        status = result["status"]
        if status is None:  # not finished before the stop: failed, and re-queued with the same parameters
            trial.set_user_attr(INFO, {"status": "interrupted", "seed": result["seed"]})
            frozen = study.tell(trial, state=TrialState.FAIL)
            storage_module.retry(study, frozen, max_retry=None, reason="interrupted")
            self.outcome.retried += 1
            return
        trial.set_user_attr(INFO, {"status": status, "seed": result["seed"], "steps": result["steps"],
                                   "pruner": self.pruner, **({"loss": result["loss"]} if "loss" in result else {}),
                                   **({"fractions": result["fractions"]} if result.get("fractions") else {})})
        for step, value in sorted(result["reports"].items()):
            trial.report(value if math.isfinite(value) else worst, step)
        if status == outcomes.PRUNED:
            study.tell(trial, state=TrialState.PRUNED)
            self.outcome.pruned += 1
        else:
            value = result["value"]
            study.tell(trial, value if status == outcomes.OK and math.isfinite(value) else worst)
        self.outcome.told += 1
