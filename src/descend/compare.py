"""Compare optimizers on a task, following a declared protocol; the library behind ``descend compare``.

The protocol (after DeepOBS, AlgoPerf and Crowded Valley, see the README):

- **paired runs**: for a given seed every optimizer starts from the same parameters and sees the same batches;
- **modes**, named in every table and figure (tuned mode with its search: :func:`mode_text`):
  ``same-lr`` — every optimizer with the same learning rates (a grid, default three across the task's range);
  ``defaults`` — every optimizer at its own default hyperparameters, its learning rate included (Adam's 0.001),
  not the rates the task knows to work (:attr:`descend.tasks.Task.lrs`, which ``tuned`` searches around);
  ``tuned`` — per optimizer (and batch size), the learning rate searched by :func:`descend.tune` (sampler
  :data:`SEARCH_SAMPLER`, seeded, ``budget`` trials, in memory: see :func:`search`) on validation loss
  (training loss when the task has no validation split), then the best trial's learning rate re-run with
  ``seeds`` seeds through the same path as the other modes' runs, and reported on test data; ``budget``
  is the number of trials per optimizer, the same for every optimizer;
- **metrics per optimizer** (:data:`METRICS`): final and best training loss, validation/test loss and accuracy,
  steps and epochs to the target loss (censored: "> T" when not every seed reached it), divergence rate,
  generalisation gap, optimizer state memory in bytes per parameter, time per step, distance to the known
  answer; each over the seeds of the one configuration per optimizer that :func:`descend.selection.select`
  chooses (the lowest median validation loss), which every table, figure and chart of the report shows;
- **seeds that cannot differ** (full batch, an initialisation that ignores the seed) are run once.

:func:`compare` returns a :class:`Comparison`; :func:`descend.report.build.write_report` turns it into files.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from . import __version__, outcomes
from ._autograd import autograd_on
from ._files import versions  # what a comparison's files record, and a search's: decided there
from ._interrupts import interrupt_after
from ._names import counted
from .catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE
from .compare_config import (  # noqa: F401  (the settings, split out so that the command line starts light)
    MODES,
    Config,
    OptimizerSpec,
    batch_label,
    batch_text,
    budget_steps,
    get_task,
    initialised,
    parse_batch_sizes,
    parse_optimizer,
    parse_schedule,
    parse_values,
    resolve,
    unrecorded_plugins,
)
from .data import hybrid  # noqa: F401
from .models import INITS  # noqa: F401
from .selection import Selection, counting, select, statuses, without_result

__all__ = ["INITS", "METRICS", "MODES", "SEARCH_SAMPLER", "SEARCH_SEED", "Comparison", "Config", "OptimizerSpec",
           "Search", "batch_label", "batch_text", "compare", "decided_winners", "get_task", "hybrid", "lr_range",
           "metrics_table", "mode_text", "parse_batch_sizes", "parse_optimizer", "parse_schedule", "parse_values",
           "resolve", "search", "search_space", "seed_ranges", "seeds_can_differ", "spread_only", "table_notes",
           "trainings", "unrecorded_plugins", "unsearched", "versions", "winners"]

#: The per-optimizer metrics of the table, and whether lower (min) or higher (max) wins (None: none wins it).
METRICS: dict[str, str | None] = {
    "final train loss": "min",
    "best train loss": "min",
    "validation loss": "min",
    "test loss": "min",
    TEST_LOSS_UNSTANDARDISED: "min",
    TEST_RMSE: "min",
    "test accuracy": "max",
    "steps to target": "min",
    "epochs to target": "min",
    "divergence rate": "min",
    "left-domain rate": "min",
    "pruned rate": "min",
    # described, never won: an optimizer that learned nothing has the smallest gap (its train and test losses
    # both high), so the smallest could reward underfitting
    "generalisation gap": None,
    "state bytes / parameter": "min",
    "distance to answer": "min",
}


# -- running it ---------------------------------------------------------------------------------------------------


@dataclass
class Comparison:
    """A finished (or interrupted) comparison: the runs, what is reported per optimizer, the table and winners.

    ``selection`` (:class:`descend.selection.Selection`) is the one decision of which configuration, runs and
    representative run stand for each optimizer label; the table, every figure, the animation and the HTML
    charts read it. ``table_notes`` qualify the table's numbers (one seed where seeds cannot differ, an
    unbounded landscape).
    """

    config: Config
    task: Any
    summary: Any  #: pandas DataFrame, one row per run (with ``label``, ``phase``)
    curves: Any  #: pandas DataFrame (run, step, epoch, split, metric, value)
    table: Any  #: pandas DataFrame, one row per label, the columns of METRICS that apply
    winners: dict[str, list[str]]  #: metric column → the labels that win it (several when they tie)
    paths: dict[int, np.ndarray]
    interrupted: bool = False
    seconds: float = 0.0
    version: str = __version__
    #: the versions its numbers depend on (descend, Python, PyTorch, NumPy, pandas), those of the process that trained
    #: the runs: a report rebuilt later keeps them (empty where an earlier release did not record them)
    versions: dict[str, str] = field(default_factory=lambda: versions())
    notes: list[str] = field(default_factory=list)
    selection: Selection | None = None
    table_notes: list[str] = field(default_factory=list)
    search: Search | None = None  #: tuned mode: how each optimizer's learning rate was searched and chosen
    #: label → its representative run's trained model (a :class:`descend.Predictor`), where that run finished with
    #: a result and its model is one a file keeps; the report writes each to the file its record names,
    #: ``about["comparison"]["file"]`` (``model-<label>.pt``)
    models: dict[str, Any] = field(default_factory=dict, repr=False)
    #: the report folder a rebuilt comparison was read from (:func:`descend.report.saved.load`), whose model files a
    #: report written from it copies as they are
    saved_from: Any = field(default=None, repr=False)
    #: whether the comparison says which models it kept (False for a report of an earlier descend, read back)
    models_recorded: bool = field(default=True, repr=False)

    def __repr__(self) -> str:
        """One line (the dataclass's printed every run's path and the tables: 220,000 characters for the ellipse's
        default comparison)."""
        labels = list(self.table.index) if self.table is not None else []
        state = ", interrupted" if self.interrupted else ""
        from .tasks.task import told

        said = told(len(self.table_notes) + len(self.notes), ".table_notes, .notes", getattr(self.task, "facts", ()),
                    ".task.facts")
        return (f"<Comparison: {getattr(self.task, 'name', self.task)}, {self.config.mode} mode, {len(self.summary)} "
                f"run{'s' * (len(self.summary) != 1)} of {', '.join(map(str, labels)) or 'nothing'}{state}{said}>")

    @property
    def stopped_before_any_step(self) -> bool:
        """Interrupted before any run recorded a result (its first evaluation; in tuned mode, before any re-run of
        its best trials): there is nothing to report or draw."""
        steps = self.summary["steps_done"] if "steps_done" in self.summary else None
        return self.interrupted and (steps is None or not (steps > 0).any())


#: Tuned mode's search: :func:`descend.tune`'s default sampler, seeded with :data:`SEARCH_SEED`.
SEARCH_SAMPLER = "tpe"
SEARCH_SEED = 0


@dataclass
class Search:
    """How tuned mode chose each optimizer's learning rate: one :func:`descend.tune` search per optimizer
    label and batch size, and the best trial of each, passed on as data to the final re-runs (never
    re-derived).

    ``spaces``: label → the space searched (``lr=LOW..HIGH:log``); ``chosen``: (label, batch size as
    :func:`batch_label` shows it) → ``{"trial", "value", "params"}`` of the best trial (``params``: what was
    searched, ``{"lr": ...}``); ``trials``: a DataFrame, one row per trial (``label``, ``batch_size``,
    ``number``, ``state``, ``value``, ``lr``, ``seed``, ``status``).
    """

    sampler: str
    seed: int
    trials_per: int  #: trials per optimizer (and per batch size): the budget, the same for every optimizer
    cohort: int
    batch_sizes: int
    spaces: dict[str, str] = field(default_factory=dict)
    chosen: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    trials: Any = None
    #: the summary column the search chose on (its objective): the validation loss, or the training loss on a
    #: task without a validation split (a landscape)
    objective: str = "final_validation_loss"
    #: the labels not searched (random search, which has no learning rate): trained as in the other modes
    unsearched: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Everything but the trials, as JSON (``chosen`` a list with ``label`` and ``batch_size``);
        :meth:`from_dict` reads it back."""
        return {"sampler": self.sampler, "seed": self.seed, "trials_per": self.trials_per, "cohort": self.cohort,
                "batch_sizes": self.batch_sizes, "spaces": dict(self.spaces),
                "chosen": [{"label": label, "batch_size": batch, **chosen}
                           for (label, batch), chosen in self.chosen.items()],
                "objective": self.objective, "unsearched": list(self.unsearched)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], trials: Any = None) -> Search:
        chosen = {(c["label"], c["batch_size"]): {k: v for k, v in c.items() if k not in ("label", "batch_size")}
                  for c in data["chosen"]}
        return cls(data["sampler"], int(data["seed"]), int(data["trials_per"]), int(data["cohort"]),
                   int(data["batch_sizes"]), dict(data["spaces"]), chosen, trials,
                   str(data.get("objective", "final_validation_loss")), list(data.get("unsearched", ())))

    @property
    def objective_words(self) -> str:
        """The objective as a sentence says it: "validation loss", "training loss"."""
        from ._names import metric_words

        return metric_words(self.objective).removeprefix("final ")

    def text(self) -> str:
        """One line for a report: what was searched, how, over which range for each optimizer, and how it was
        chosen."""
        per = "per optimizer" + (" and batch size" if self.batch_sizes > 1 else "")
        chosen = f"the best trial on {self.objective_words} re-run with every seed"
        failed = [c for c in self.chosen.values() if c.get("diverged")]
        if failed:
            words = {c.get("failed", "diverged") for c in failed}
            chosen += (f" (where every trial {words.pop() if len(words) == 1 else 'failed'}, the lowest rate "
                       "tried)")
        if self.unsearched:
            chosen += f"; {', '.join(self.unsearched)} not searched (no learning rate), run as in the other modes"
        if self.trials_per <= self.cohort:  # one cohort: no trial drawn from the sampler's model (spread_only)
            return (f"learning rate searched with descend tune: {self.trials_per} trials {per} in one cohort, the "
                    "optimizer's baseline rate (the task's rate for it, else its own default) and a Latin hypercube "
                    f"around it, log-uniform over {self.ranges()} (a {self.sampler} model of the results would only "
                    f"start after a first cohort); {chosen}")
        return (f"learning rate searched with descend tune: {self.sampler} sampler (seed {self.seed}), "
                f"{self.trials_per} trials {per} in cohorts of {self.cohort}, log-uniform over {self.ranges()}; "
                f"{chosen}")

    def ranges(self) -> str:
        """The learning rates each optimizer's search spanned: "0.0001..1 for every optimizer", or each label's
        own ("0.0001..1 for sgd, 1e-05..0.1 for lion": an optimizer the task names no rate for is searched
        around its own default, see :func:`search_space`)."""
        # each label's space is its lr item, then the values its options fix (sgd(momentum=0.9): momentum=0.9)
        spans = {label: text.split(",")[0].strip().removeprefix("lr=").removesuffix(":log")
                 for label, text in self.spaces.items()}
        if len(set(spans.values())) == 1 and (len(spans) > 1 or not self.unsearched):
            return f"{next(iter(spans.values()))} for every optimizer" + (" searched" if self.unsearched else "")
        return ", ".join(f"{span} for {label}" for label, span in spans.items())


def spread_only(budget: int) -> bool:
    """Whether tuned mode's search of ``budget`` trials is its first cohort alone: the baseline and a spread of
    the range, with no trial drawn from the sampler's model of the results."""
    from .tune.api import DEFAULT_COHORT

    return budget <= DEFAULT_COHORT


def mode_text(config: Config) -> str:
    """The comparison's mode as every table, figure and page of its report names it: ``same-lr``,
    ``defaults``, ``tuned (a spread of 7 trials per optimizer)`` (a budget of one cohort: :func:`spread_only`) or
    ``tuned (tpe search, 32 trials per optimizer)``."""
    if config.mode != "tuned":
        return config.mode
    per = "per optimizer" + (" and batch size" if len(config.batch_size or ()) > 1 else "")
    if spread_only(config.budget):
        return f"tuned (a spread of {config.budget} trials {per})"
    return f"tuned ({SEARCH_SAMPLER} search, {config.budget} trials {per})"


@autograd_on
def compare(config: Config, task: Any, *, progress: Callable[[Mapping[str, Any]], Any] | None = None,
            dtype: torch.dtype = torch.float32) -> Comparison:
    """Run the comparison that ``config`` describes (see :func:`resolve`) on ``task``.

    Without a search (``defaults`` and ``same-lr`` modes) every optimizer's runs train in one engine call, so
    that optimizers sharing their batches train as one group (the same numbers as one fit per optimizer), and
    small groups train in two processes where two cores allow it (:func:`descend._forked.processes`; the same
    numbers as in one).
    Where two seeds cannot give different runs (:func:`seeds_can_differ`: a full batch, an initialisation
    that ignores the seed, an optimizer that draws nothing), one seed (the first) is run instead of
    ``config.seeds``, and the table's notes say so. The selection of what each label is reported at is made
    once, here (:func:`descend.selection.select`), and handed to the table and the report. In tuned mode
    each label's learning rate at each batch size is decided once, by its :func:`search`, and recorded in
    :attr:`Comparison.search`; its final runs use that learning rate as given.
    """
    from .spec import schedules_checked

    with schedules_checked():  # its --schedule multiplies --lr in its own words (one_cycle:max_value=10: 10 × lr)
        return _compare(config, task, progress=progress, dtype=dtype)


def _compare(config: Config, task: Any, *, progress: Callable[[Mapping[str, Any]], Any] | None,
             dtype: torch.dtype) -> Comparison:
    """:func:`compare`'s work."""
    import pandas as pd

    from ._forked import processes
    from .engine import RANDOM_SEARCH, train
    from .optim import get

    if config.optimizers is None or config.batch_size is None or (config.steps is None and config.epochs is None):
        raise ValueError("config has not been resolved (its optimizers, batch sizes or budget are still the task's "
                         "to decide): give config, task = config.resolved(), or descend.compare.resolve(TASK, ...)")
    started = time.perf_counter()
    if config.mode == "tuned":
        lr_range(config)  # a --lr that cannot bound a search is refused before any training
    seeds = list(range(config.seeds))
    budget = {"steps": config.steps} if config.steps is not None else {"epochs": config.epochs}
    built: dict[str, Any] = {}  # each batch size's schedule, built once (a check of up to 100,000 steps each)

    def scheduled(batch_size: Any) -> Any:
        key = batch_text(batch_size)
        if key not in built:
            built[key] = lr_schedule(config, task, batch_size)
        return built[key]

    schedule = scheduled(config.batch_size[0])  # whether there is one; each batch size's own below (specs_of)
    summaries, curves, paths, interrupted, notes = [], [], {}, False, []
    trained: dict[int, Any] = {}  # run → its trained model (a Predictor), where a file keeps the task's model
    notes += _schedule_notes(config, task)
    notes += _box_notes(config, task)
    for name in unrecorded_plugins(list(dict.fromkeys(spec.name for spec in config.optimizers)), config.plugin):
        notes.append(f"{name} is an optimizer of one's own registered in this process, not by a plugin of this "
                     f"comparison: its config.toml cannot name it, so descend report and --config need the file that "
                     f"registers it (plugin = [\"FILE.py\"] in config.toml, or --plugin FILE.py)")
    unscheduled = [spec.label for spec in config.optimizers if spec.name == RANDOM_SEARCH]
    if schedule is not None and unscheduled:
        notes.append(f"{', '.join(unscheduled)} {'has' if len(unscheduled) == 1 else 'have'} no learning rate for "
                     f"the schedule {config.schedule} to multiply: trained without it")
    if unscheduled and (config.clip_norm is not None or config.clip_value is not None):  # its rows said clip_norm 1
        notes.append(f"{', '.join(unscheduled)} {'computes' if len(unscheduled) == 1 else 'compute'} no gradient for "
                     "the clipping to clip: trained without it")
    task = initialised(task, config)  # the task's model, initialised as asked (its card and report show it)
    extra = _fit_settings(config, task)
    one_seed: dict[str, list[str]] = {}
    offset = 0

    problem = task.problem(loss=extra.get("loss", "auto"))

    def specs_of(spec: OptimizerSpec, lrs: Sequence[float] | None, batch_sizes: list[Any],
                 run_seeds: list[int]) -> list[Any]:
        """The runs ``task.fit`` would train for this optimizer (its grid, in its order)."""
        if lrs is None and spec.name != RANDOM_SEARCH:  # defaults mode: the optimizer's default, not the task's
            lrs = [float(get(spec.name).defaults["lr"])]
        # random search has no learning rate for the schedule to multiply: trained without it (said in a note)
        specs = task.runs(optimizer=spec.name, lr=list(lrs) if lrs is not None else None, batch_size=batch_sizes,
                          seed=run_seeds, model=problem.model, schedules={"lr": schedule} if schedule is not None
                          and spec.name != RANDOM_SEARCH else None,
                          clip_norm=extra.get("clip_norm") if spec.name != RANDOM_SEARCH else None,
                          clip_value=extra.get("clip_value") if spec.name != RANDOM_SEARCH else None,
                          **dict(spec.options))
        # under an --epochs budget each batch size takes its own number of steps, and its schedule lasts them
        return [dataclasses.replace(s, schedules={"lr": scheduled(s.batch_size)}) if s.schedules else s
                for s in specs]

    def fit(parts: Sequence[tuple[OptimizerSpec, Sequence[float] | None, list[Any], list[int], str]]) -> bool:
        """Train every part (an optimizer at its learning rates, batch sizes and seeds) in one engine call, so
        that optimizers sharing their batches train as one group (the same numbers as each alone)."""
        specs, labels, sizes = [], [], []
        for spec, lrs, batch_sizes, run_seeds, _ in parts:
            mine = specs_of(spec, lrs, batch_sizes, run_seeds)
            specs += mine
            labels += [spec.label] * len(mine)
            sizes.append(len(mine))
        result = train(problem, specs, target=config.target, progress=progress, dtype=dtype, compile=config.compile,
                       processes=processes(), **budget)
        with interrupt_after(act=False) as caught:  # what finished is kept whole, whenever Ctrl-C comes
            keep(result, parts, labels, sizes)
        return result.interrupted or bool(caught)

    def keep(result: Any, parts: Sequence[tuple[Any, ...]], labels: list[str], sizes: list[int]) -> None:
        """Sort the runs of ``result`` into each part's summary, curves and paths."""
        nonlocal offset
        combined = result.summary
        by_index = {r.index: r for r in result.runs}
        hyper = list(dict.fromkeys(k for r in result.runs for k in r.hyper))
        rest = [c for c in combined.columns if c not in hyper and c not in ("optimizer", "batch_size", "seed")]
        at = 0
        for (_, _, _, _, phase), n in zip(parts, sizes):
            # each part as its own fit's summary would be: its hyperparameters' columns only, in their place
            mine = [i for i in combined.index if at <= i < at + n]
            at += n
            if not mine:
                continue
            own = list(dict.fromkeys(k for i in mine for k in by_index[i].hyper))
            summary = combined.loc[mine, ["optimizer", "batch_size", "seed", *own, *rest]].infer_objects()
            summary["label"] = [labels[i] for i in summary.index]
            summary["phase"] = phase
            summary["batch_size"] = [batch_label(by_index[i].batch_size) for i in summary.index]
            summary.index = summary.index + offset
            summary.index.name = "run"
            summaries.append(summary)
        curve = result.curves
        curve["run"] = curve["run"] + offset
        for k, path in result.paths.items():
            paths[k + offset] = path
        curves.append(curve)
        trained.update({k + offset: model for k, model in _models_of(result).items()})
        offset += len(result.runs)

    # in the modes without a search every optimizer's runs are known at once: collected, then one fit
    pending: list[tuple[OptimizerSpec, Sequence[float] | None, list[Any], list[int], str]] = []
    collect = config.mode != "tuned"

    def run(spec: OptimizerSpec, lrs: Sequence[float] | None, run_seeds: list[int], phase: str,
            batch_sizes: Sequence[Any] | None = None) -> bool:
        # the batch sizes in their order, consecutive ones with the same seeds in one part
        groups: list[tuple[list[Any], list[int]]] = []
        for b in config.batch_size if batch_sizes is None else batch_sizes:
            mine = run_seeds if len(run_seeds) < 2 or seeds_can_differ(task, spec, b) else run_seeds[:1]
            if len(mine) < len(run_seeds) and batch_label(b) not in one_seed.setdefault(spec.label, []):
                one_seed[spec.label].append(batch_label(b))
            if groups and groups[-1][1] == mine:
                groups[-1][0].append(b)
            else:
                groups.append(([b], mine))
        parts = [(spec, lrs, sizes, mine, phase) for sizes, mine in groups]
        if collect:
            pending.extend(parts)
            return False
        return fit(parts)

    found = None
    if config.mode == "tuned":
        found = Search(SEARCH_SAMPLER, SEARCH_SEED, config.budget, _cohort(config.budget), len(config.batch_size),
                       unsearched=unsearched(config))
    trials: list[Any] = []

    def searched(spec: OptimizerSpec, b: Any) -> tuple[bool, dict[str, Any] | None]:
        """Tuned mode's search for ``spec`` at batch size ``b``: (interrupted, its best trial or None)."""
        assert found is not None
        result = search(spec, task, config, b, progress=progress, dtype=dtype)
        found.spaces[spec.label] = result.spaces[spec.name].text()
        frame = result.trials.assign(label=spec.label, batch_size=batch_label(b))
        trials.append(frame[["label", "batch_size"] + [c for c in frame.columns
                                                          if c not in ("label", "batch_size", "optimizer")]])
        found.objective = result.target.column
        best = result.best.get(spec.name)
        if best is not None and not result.interrupted:
            found.chosen[(spec.label, batch_label(b))] = {"trial": best["trial"], "value": best["value"],
                                                          "params": dict(best["params"])}
        elif not result.interrupted and len(frame) and "lr" in frame:  # no trial has a result: the lowest rate
            # tried, re-run as any choice is, so that the optimizer has its row (its failure rates) in the table;
            # what the trials did, in words, decided here ("diverged": True is kept for the reports written before)
            lowest = frame.loc[pd.to_numeric(frame["lr"]).idxmin()]
            found.chosen[(spec.label, batch_label(b))] = {"trial": int(lowest["number"]), "value": None,
                                                          "params": {"lr": float(lowest["lr"])}, "diverged": True,
                                                          "failed": _failed_words(frame)}
        return result.interrupted, found.chosen.get((spec.label, batch_label(b)))

    # one step of the first optimizer, discarded: the first fit of a process pays one-time costs (imports,
    # first torch.func transforms) that would otherwise count in that optimizer's time per step
    first = config.optimizers[0]
    interrupted = task.fit(optimizer=first.name, batch_size=config.batch_size[0], steps=1, seed=0, dtype=dtype,
                           eval_every=0, **dict(first.options), **extra).interrupted  # Ctrl-C already
    for spec in config.optimizers:
        if interrupted:
            break
        try:
            interrupted, failed = _one(spec, config, seeds, run, searched)
        except KeyboardInterrupt:  # between two fits (a fit itself returns what it finished)
            interrupted = True
        else:
            notes.extend(failed)
    if pending and not interrupted:
        try:
            interrupted = fit(pending)
        except KeyboardInterrupt:  # before the first step (training itself returns what it finished)
            interrupted = True
    with interrupt_after(act=False):  # a Ctrl-C once training is over: the comparison is finished all
        # the same (a second one, or one while the report is written, is the command's to handle)
        return _finished(config, task, summaries, curves, paths, interrupted, notes, found, trials, one_seed, dtype,
                         started, trained)


def _models_of(runs: Any) -> dict[int, Any]:
    """Each run's trained model (:meth:`descend.Runs.predictor`) by its index in ``runs``, where a file keeps the
    model (:func:`descend.predictor.savable`: an MLP or a linear model of rows, not a landscape's cost or a case
    study's own model) and the run has parameters."""
    from .predictor import savable

    if runs.problem.objective.kind == "cost" or not savable(runs.problem.evaluation_model):
        return {}
    return runs.predictors()


def _representatives_models(selection: Selection, summary: Any, trained: Mapping[int, Any],
                           task: Any) -> dict[str, Any]:
    """label → the trained model of its representative run (``selection``'s, decided once), where that run has a
    result (status ok) and a model a file keeps (``trained``: run → its :class:`descend.Predictor`), recording
    which run of the comparison it is (its batch size as the summary writes it), the label it stands for and the
    file it is written to (:func:`descend._files.model_files`, decided here), how the configuration was chosen,
    and how the task's CSV file was read (new rows' defaults)."""
    from ._files import model_files, plain
    from .predictor import read_options_of

    kept = {label: run for run, label in selection.representatives().items()
            if run in trained and summary.loc[run, "status"] == outcomes.OK}
    names = model_files(kept)
    models = {}
    for label, run in kept.items():
        model = trained[run]
        about = {**model.about, "run": int(run), "batch_size": summary.loc[run, "batch_size"],
                 "comparison": {"label": label, "file": names[label], "chosen on": selection.chosen_on(summary)},
                 "read": read_options_of(task), "task": str(getattr(task, "description", "") or "")}
        models[label] = dataclasses.replace(model, about=plain(about))
    return models


def _finished(config: Config, task: Any, summaries: list[Any], curves: list[Any], paths: dict[int, Any],
              interrupted: bool, notes: list[str], found: Any, trials: list[Any], one_seed: dict[str, list[str]],
              dtype: torch.dtype, started: float, trained: Mapping[int, Any] | None = None) -> Comparison:
    """The comparison from the runs that finished: their summary, curves, table and winners, and its notes."""
    import pandas as pd

    summary = pd.concat(summaries) if summaries else pd.DataFrame()
    if len(summary) and "lr" not in summary:  # random search alone: no learning rate, as its rows have beside others
        summary.insert(list(summary.columns).index("seed") + 1, "lr", math.nan)
    curve = pd.concat(curves, ignore_index=True) if curves else pd.DataFrame(
        columns=["run", "step", "epoch", "split", "metric", "value"])
    if interrupted:
        done = summary["label"].nunique() if len(summary) else 0
        cut = int((statuses(summary) == outcomes.INTERRUPTED).sum()) if len(summary) else 0
        notes.append(f"interrupted (Ctrl-C, or kill): {counted(len(summary), 'run')} of {done} of "
                     f"{counted(len(config.optimizers), 'optimizer')} kept, {cut} of them cut short before the end of "
                     "their budget (status interrupted, "
                     "see steps_done: they count in no median and win nothing)")
        planned = [batch_label(b) for b in config.batch_size]
        for label in dict.fromkeys(summary["label"]) if len(summary) and len(planned) > 1 else ():
            present = set(summary.loc[summary["label"] == label, "batch_size"].map(str))
            missing = [b for b in planned if b not in present]
            if missing:  # tuned mode searches one batch size after another: its row is chosen among fewer
                notes.append(f"{label} has no runs at batch size {', '.join(missing)} (the comparison stopped "
                             f"before {'it' if len(missing) == 1 else 'them'}): its row is chosen among "
                             f"{', '.join(b for b in planned if b in present)} only")
    if found is not None:
        found.trials = pd.concat(trials, ignore_index=True) if trials else pd.DataFrame(
            columns=["label", "batch_size", "number", "state", "value"])
    labels = set(summary["label"]) if len(summary) else set()
    selection = select(summary, one_seed={k: v for k, v in one_seed.items() if k in labels})
    table, won, said = pd.DataFrame(), {}, []
    if len(summary):
        table = _metrics_rows(summary, curve, task, config, torch.finfo(dtype).bits // 8, selection)
        won, said = decided_winners(table, summary, curve, selection, found)
    return Comparison(config=config, task=task, summary=summary, curves=curve, table=table, winners=won,
                      paths=paths, interrupted=interrupted, seconds=time.perf_counter() - started, notes=notes,
                      selection=selection,
                      table_notes=[*table_notes(selection, task, seeds=config.seeds, summary=summary, paths=paths),
                                   *said],
                      search=found, models=_representatives_models(selection, summary, trained or {}, task))


def decided_winners(table: Any, summary: Any, curves: Any, selection: Selection, search: Search | None = None
                    ) -> tuple[dict[str, list[str]], list[str]]:
    """The winners of ``table`` (:func:`winners`, with the seeds' ranges of :func:`seed_ranges`) and the notes that
    qualify them: the metrics won together or by no one because the seeds' values overlap (:func:`_spread_note`), and
    the learning rates chosen at an end of what was tried (:func:`_edge_notes`). What a comparison decides, and what
    a report of an earlier release, rebuilt, has decided again (:func:`descend.report.saved.load`)."""
    ranges = seed_ranges(summary, curves, selection)
    return winners(table, ranges), [*_spread_note(table, ranges), *_edge_notes(selection, summary, search)]


def _fit_settings(config: Config, task: Any) -> dict[str, Any]:
    """The arguments of every ``task.fit`` of a comparison that come from its settings: the loss and the
    gradient clipping (those given)."""
    out: dict[str, Any] = {}
    if config.loss is not None:
        out["loss"] = config.loss
    for key in ("clip_norm", "clip_value"):
        if getattr(config, key) is not None:
            out[key] = getattr(config, key)
    return out


def seeds_can_differ(task: Any, spec: OptimizerSpec, batch_size: Any) -> bool:
    """Whether two seeds can give two different runs of ``spec`` at ``batch_size`` on ``task``
    (:func:`descend.spec.seeds_can_differ`, which ``descend tune``'s re-runs read too)."""
    from .spec import seeds_can_differ as decided

    return decided(task, spec.name, batch_size)


def table_notes(selection: Selection, task: Any, *, seeds: int, summary: Any = None,
                paths: Mapping[int, Any] | None = None) -> list[str]:
    """What qualifies the table's numbers: the configurations run with one seed and why, a landscape that is
    unbounded below, and on it the optimizers whose reported run ended below the lowest point of the plot domain
    (McCormick's valley falls linearly: a run escaping along it stays far from the divergence bound, and its cost,
    lower than any minimum's, is not a better result). (What qualifies its winners: :func:`decided_winners`.)"""
    out = []
    if seeds > 1:
        by_batch: dict[str, list[str]] = {}
        for label, batches in selection.one_seed.items():
            for b in batches:
                by_batch.setdefault(b, []).append(label)
        for b, labels in by_batch.items():
            where = "full batch" if b == "full" else f"batch size {b}"
            out.append(f"one seed instead of {seeds} for {', '.join(labels)} at {where}: it draws no mini-batches "
                       "and the initial parameters do not depend on the seed, so every seed would give the same run")
    if not getattr(task, "bounded_below", True):
        from .landscapes import UNBOUNDED_NOTE

        out.append(UNBOUNDED_NOTE)
        lowest = getattr(getattr(task, "known", None), "value", None)
        if summary is not None and lowest is not None and "final_train_loss" in summary:
            ended = {label: float(summary.loc[run, "final_train_loss"])
                     for run, label in selection.representatives().items()}
            # below by more than float32's rounding of the minimum itself
            below = [(label, value) for label, value in ended.items()
                     if value < lowest - 1e-4 * max(1.0, abs(lowest))]
            if below:
                named = ", ".join(f"{label} (J = {value:.4g})" for label, value in below)
                out.append(f"{named} ended below the lowest point of the plot domain (J = {lowest:.4g}): escaping "
                           "toward −∞, slower than the divergence rule sees, not a better minimum")
    if summary is not None and len(summary) and "diverged_at" in summary and "label" in summary:
        at_start = summary["diverged_at"] == 0  # at the first step: the start itself, or the first update
        # the start's cost was evaluated and finite: the first update overflowed (lr 1e38), not the start
        best = summary["best_train_loss"].to_numpy(dtype=float) if "best_train_loss" in summary else None
        finite_start = at_start & (np.isfinite(best) if best is not None else False)
        precision = "in the precision trained (float32 reaches 3.4e+38)"
        for which, why in ((at_start & ~finite_start, "diverged at step 0, before any update: the cost or its "
                            f"gradient at the initial parameters is not a finite number {precision}"),
                           (finite_start, "diverged at the first update: the cost at the start is finite, but the "
                            f"parameters after one step are not finite numbers {precision}: a learning rate too "
                            "large for them, or a gradient at the start that is not a finite number (a cost not "
                            "differentiable there, as sqrt at 0: move the start)")):
            if which.any():
                labels = list(dict.fromkeys(summary.loc[which, "label"]))
                who = "every run" if which.all() else f"the runs of {', '.join(map(str, labels))}"
                out.append(f"{who} {why}")
    if summary is not None and len(summary) and {"status", "status_at", "label"} <= set(summary.columns):
        # outside the domain from the start (ellipse's A = 0.1 on a data set of few samples): trained no step, where
        # "left" reads as if the runs had moved out of it
        outside = (summary["status"] == outcomes.LEFT_DOMAIN) & (summary["status_at"] == 0)
        if outside.any():
            labels = list(dict.fromkeys(summary.loc[outside, "label"]))
            who = "every run" if outside.all() else f"the runs of {', '.join(map(str, labels))}"
            out.append(f"{who} started outside the model's domain: at the initial parameters the model is defined on "
                       "no training sample, so they trained no step (left-domain at step 0); move the start inside "
                       "it (--start)")
    out.extend(_other_answers(selection, task, paths or {}))
    return out


def _spread_note(table: Any, ranges: Mapping[str, Mapping[str, tuple[float, float]]]) -> list[str]:
    """The metrics :func:`winners` gives to several rows, or to none, because their seeds' interquartile ranges
    overlap the best row's (where the medians alone would have named one): a reader would otherwise take the
    medians' order for a result."""
    alone, spread = winners(table), winners(table, ranges)
    together = [f"{column} ({', '.join(spread[column])})" for column in spread
                if len(spread[column]) > len(alone.get(column, ()))]
    nobody = [column for column in alone if column not in spread]
    if not together and not nobody:
        return []
    said = []
    if together:
        said.append("optimizers whose seeds' middle halves of values (their interquartile ranges) overlap the best "
                    "one's win with it, as their medians differ by less than the spread between seeds: "
                    f"{'; '.join(together)}")
    if nobody:
        why = "" if together else " (their medians differ by less than the spread between seeds)"
        said.append(f"{'and ' if together else ''}every optimizer's seeds' interquartile range overlaps the best "
                    f"one's{why}, so no one wins {', '.join(nobody)}")
    return [" ".join(said) if len(said) == 1 else f"{said[0]}; {said[1]}"]


#: Within this share of a searched learning rate range's width (on its log scale) of either end, the rate a search
#: chose is said to be at the end of what was tried (:func:`_edge_notes`).
EDGE_SHARE = 0.1


def _edge_notes(selection: Selection, summary: Any, search: Search | None) -> list[str]:
    """The labels whose chosen learning rate is the largest or the smallest of the grid they ran (at the chosen
    batch size, two rates or more), or, in tuned mode, within :data:`EDGE_SHARE` of an end of the range searched:
    a rate beyond it may do better, and the table cannot say."""
    import pandas as pd

    from .tune.space import parse_space

    ends: dict[tuple[str, str], list[str]] = {}
    final = summary[summary["phase"] == "final"] if "phase" in summary else summary
    has_result = counting(summary)
    for label, choice in selection.chosen.items():
        lr = choice.config.get("lr")
        # (a row without a result was chosen by the order the rates ran in: its end says nothing)
        if lr is None or not math.isfinite(float(lr)) or not has_result.loc[list(choice.runs)].any():
            continue
        lr, end = float(lr), None
        chosen = search.chosen.get((label, str(choice.config.get("batch_size")))) if search is not None else None
        if search is not None and label in search.spaces and chosen is not None:
            try:
                space = parse_space(search.spaces[label], choice.optimizer)
            except ValueError:  # a space an earlier release wrote otherwise: nothing to say
                continue
            rate = next((p for p in space.searched if p.name == "lr"), None)
            if rate is not None:
                where = rate.to_unit(lr)
                tried = f"the range searched ({search.spaces[label].split('=', 1)[-1].split(':')[0]})"
                end = ("near the top of " + tried if where >= 1 - EDGE_SHARE else
                       "near the bottom of " + tried if where <= EDGE_SHARE else None)
        elif "lr" in final and "label" in final:
            mine = final[final["label"] == label]
            if "batch_size" in mine:
                mine = mine[mine["batch_size"].map(str) == str(choice.config.get("batch_size"))]
            rates = sorted({float(v) for v in pd.to_numeric(mine["lr"], errors="coerce") if math.isfinite(v)})
            if len(rates) >= 2:
                end = ("the largest of the rates run" if lr == rates[-1] else
                       "the smallest of the rates run" if lr == rates[0] else None)
        if end is not None:
            ends.setdefault((end, "larger" if "largest" in end or "top" in end else "smaller"), []).append(
                f"{label} ({lr:.4g})")
    return [f"the learning rate chosen for {', '.join(labels)} is {end}: a {beyond} one may do better, which the "
            f"table cannot tell (widen the rates: --lr)" for (end, beyond), labels in ends.items()]


def _other_answers(selection: Selection, task: Any, paths: Mapping[int, Any]) -> list[str]:
    """Where a task has several equally good answers (the ellipse's (A, B) and (−A, B)), the optimizers whose
    reported run ended nearest another than the first: its distance to the answer is as small, and the note says
    which answer it found (seed 004 names the first)."""
    known = getattr(task, "known", None)
    names = list(getattr(getattr(task, "model", None), "names", ()))
    if len(getattr(known, "points", ())) < 2 or not names:
        return []
    found: dict[int, list[str]] = {}
    for run, label in selection.representatives().items():
        path = paths.get(run)
        rows = np.asarray(path, dtype=np.float64).reshape(len(path), -1) if path is not None and len(path) else None
        if rows is None or rows.shape[1] < len(names):
            continue
        finite = rows[np.isfinite(rows).all(axis=1)]
        if not len(finite):
            continue
        end = dict(zip(names, finite[-1]))
        gaps = [math.sqrt(sum((end[n] - float(v)) ** 2 for n, v in point.items() if n in end))
                for point in known.points]
        nearest = int(np.argmin(gaps))
        if nearest:
            found.setdefault(nearest, []).append(str(label))

    def text(point: Mapping[str, Any]) -> str:
        return "(" + ", ".join(f"{n} = {float(v):.4g}" for n, v in point.items()) + ")"

    return [f"{', '.join(labels)} ended nearest {text(known.points[i])}, not {text(known.points[0])}: "
            f"{known.label}" for i, labels in found.items()]


def _one(spec: OptimizerSpec, config: Config, seeds: list[int], run: Callable[..., bool],
         searched: Callable[[OptimizerSpec, Any], tuple[bool, dict[str, Any] | None]]) -> tuple[bool, list[str]]:
    """One optimizer of the comparison in the configured mode: (interrupted, notes). In tuned mode, at each
    batch size in turn: its search, then the best trial's learning rate re-run with every seed."""
    from .engine import RANDOM_SEARCH

    if config.mode == "defaults" or spec.name == RANDOM_SEARCH:  # random search has no learning rate
        return run(spec, None, seeds, "final"), []
    if config.mode == "same-lr":
        return run(spec, config.lr, seeds, "final"), []
    notes = []
    for b in config.batch_size:
        interrupted, best = searched(spec, b)
        if interrupted:
            return True, notes
        if best is None:
            continue
        if best.get("diverged"):
            lr, failed = f"lr={best['params']['lr']:.4g}", best.get("failed", "diverged")
            if len(config.batch_size) > 1:  # the row is the selection's choice among the batch sizes: maybe another
                notes.append(f"{spec.label}: every trial of the learning-rate search {failed} at batch size "
                             f"{batch_label(b)}; the lowest rate tried there ({lr}) is re-run with every seed")
            else:
                notes.append(f"{spec.label}: every trial of the learning-rate search {failed}; its row is the lowest "
                             f"rate tried ({lr}), re-run with every seed")
        if run(spec, [best["params"]["lr"]], seeds, "final", [b]):
            return True, notes
    return False, notes


def _failed_words(trials: Any) -> str:
    """What a search's trials, none of which has a result, did: "diverged", "left the model's domain", or both."""
    seen = set(trials["status"]) if "status" in trials else {outcomes.DIVERGED}
    words = [w for status, w in ((outcomes.DIVERGED, "diverged"), (outcomes.LEFT_DOMAIN, "left the model's domain"))
             if status in seen]
    return " or ".join(words) if words else "failed"


def _cohort(budget: int) -> int:
    """Trials trained together in tuned mode's search: :func:`descend.tune`'s default cohort."""
    from .tune.api import DEFAULT_COHORT

    return min(DEFAULT_COHORT, budget)


def lr_range(config: Config) -> tuple[float, float] | None:
    """The learning rates tuned mode searches between when ``--lr`` is given (its lowest and highest value,
    the same range for every optimizer); None: each optimizer's own range (see :func:`search`)."""
    from .compare_config import tuned_range

    return None if config.lr is None else tuned_range(config.lr, Config.flags())


def unsearched(config: Config) -> list[str]:
    """The optimizers tuned mode trains without a search (random search: no learning rate to search)."""
    from .engine import RANDOM_SEARCH

    return [spec.label for spec in config.optimizers if spec.name == RANDOM_SEARCH] if config.mode == "tuned" else []


def trainings(config: Config) -> int:
    """How many trainings of a cohort the comparison plans, one per optimizer and batch size, and in tuned mode a
    search before each (the progress bar's whole: it ended at 83 % where random search has no search)."""
    searches = len(config.optimizers) - len(unsearched(config)) if config.mode == "tuned" else 0
    return (len(config.optimizers) + searches) * len(config.batch_size)


def search_space(spec: OptimizerSpec, task: Any, config: Config) -> str:
    """The space tuned mode searches for ``spec`` on ``task``, in :mod:`descend.tune.space`'s language: the
    learning rate only, log-uniform over :func:`lr_range` or, without ``--lr``, over the range of
    :func:`descend.tune.space.default_space` (:data:`descend.tune.space.LR_DECADES` decades either side of
    the task's rate for the optimizer, else its own default)."""
    from .tune.space import default_space

    given = lr_range(config)
    if given is not None:
        return f"lr={given[0]!r}..{given[1]!r}:log"
    lr = next(p for p in default_space(spec.name, lr=task.default_lr(spec.name)).params if p.name == "lr")
    return lr.text()


def search(spec: OptimizerSpec, task: Any, config: Config, batch_size: Any, *,
           progress: Callable[[Mapping[str, Any]], Any] | None = None, dtype: torch.dtype = torch.float32) -> Any:
    """Tuned mode's search for ``spec`` at ``batch_size``: the :class:`descend.tune.result.TuneResult` of
    :func:`descend.tune` with ``config.budget`` trials of :func:`search_space` (sampler
    :data:`SEARCH_SAMPLER` seeded with :data:`SEARCH_SEED`, :func:`descend.tune`'s default cohort, the
    comparison's steps or epochs, loss, clipping and learning-rate schedule), in memory (no storage and no file:
    ``storage`` and ``out`` are None) and without re-runs (``seeds=0``: :func:`compare` re-runs the best trial itself).

    What is searched, and why that is fair:

    - **the learning rate only.** A label of a comparison is an update rule with the hyperparameters its
      user fixed (``adam`` at its default betas, ``sgd(momentum=0.9)``), in every mode; tuned mode gives
      each the same help, the hyperparameter every rule has and is most sensitive to. Searching each
      optimizer's default space instead would search beta1 for adam and momentum for sgd (turning ``sgd``
      into the heavy ball already in the table as ``momentum``), and give a rule with more hyperparameters
      a larger space to cover with the same number of trials;
    - **over each optimizer's own range** (as :func:`descend.tune` does by default): good rates differ by
      decades between rules (adam near 1e-3, gd near the task's curvature limit), and one range for all
      would spend a different share of each one's trials on rates that cannot work. ``--lr`` sets one
      range for every optimizer instead;
    - **the same budget and the same draws**: ``config.budget`` trials for every optimizer (the fair
      protocol), the sampler seeded alike, and trial k of every search trained from seed k (its initial
      parameters and batches), so the search is paired as the final runs are; the same command gives the
      same choices (up to the floating-point of a batched program).

    A diverged trial is told as the worst value and is never the best; when every trial diverged the
    result's ``best`` has no entry for the optimizer.
    """
    from .tune import api

    def forward(event: Mapping[str, Any]) -> None:  # the training steps, as task.fit's progress reports them
        if progress is not None and event.get("kind") == "step":
            progress({"step": event["step"], "steps": event["steps"], "runs": event["runs"]})

    budget = {"steps": config.steps} if config.steps is not None else {"epochs": config.epochs}
    schedule = lr_schedule(config, task, batch_size)
    planned = api.plan(task, optimizer=_tune_text(spec), space=search_space(spec, task, config), trials=config.budget,
                       cohort=_cohort(config.budget), sampler=SEARCH_SAMPLER, seeds=0, storage=None, out=None,
                       batch_size=batch_size, seed=SEARCH_SEED, loss=config.loss, clip_norm=config.clip_norm,
                       clip_value=config.clip_value, schedules={"lr": schedule} if schedule is not None else None,
                       **budget)
    return api.run(planned, progress=forward, compile=config.compile, dtype=dtype)


def lr_schedule(config: Config, task: Any, batch_size: Any) -> Callable[[int], float] | None:
    """The comparison's learning-rate schedule (``config.schedule``) for a run at ``batch_size``: one that lasts a
    number of steps (cosine, linear, one_cycle) and is not given its ``total_steps`` lasts the run's own steps,
    ``config.steps`` or, under an epochs budget, the steps that batch size takes in ``config.epochs`` epochs (at
    batch 1 a run of 90 samples takes 450 steps in 5 epochs where the full batch takes 5): one schedule for every
    batch size had ended the small batches' rates at 0 long before their last step, or left the large ones' high."""
    if config.steps is not None or config.schedule is None or getattr(task, "data", None) is None:
        return parse_schedule(config.schedule, config.steps or 1)[1]
    return parse_schedule(config.schedule, budget_steps(task, batch_size, None, config.epochs))[1]


def _schedule_notes(config: Config, task: Any) -> list[str]:
    """Notes where the budget and a batch size's schedule or hybrid disagree: the user's choice, but one that a
    report should not leave unsaid. A schedule given its ``total_steps`` that lasts another number of steps than a
    batch size takes (its end never reached, or its last value held), one that never changes the rate within the
    budget (``step:step_size=1000`` over 50 steps), and a hybrid batch size whose later batches the budget never
    reaches (it trains as its first size throughout, under its hybrid label)."""
    import re

    from .compare_config import hybrid_reaches, schedule_name
    from .data import hybrid

    data = getattr(task, "data", None) is not None
    per_batch = config.epochs is not None and data
    steps = {b: budget_steps(task, b, None, config.epochs) if per_batch else config.steps for b in config.batch_size}
    notes = []
    given = re.search(r"total_steps\s*=\s*([0-9.eE+]+)", str(config.schedule or ""))
    if given is not None:
        total = int(float(given.group(1)))
        other = {batch_text(b): n for b, n in steps.items() if n != total}
        if other and per_batch:
            words = ", ".join(f"{n} at batch {b}" for b, n in other.items())
            notes.append(f"the schedule {config.schedule} lasts {total} steps at every batch size, where "
                         f"{counted(config.epochs, 'epoch')} take {words}: give it without total_steps for each "
                         "batch size's own number of steps")
        elif other and config.steps:
            notes.append(f"the schedule {config.schedule} lasts {total} steps and the budget {config.steps}: " +
                         (f"the runs train its first {100 * config.steps / total:.3g} %" if total > config.steps else
                          f"from step {total} on, the rate stays where the schedule ends"))
    if config.schedule is not None and schedule_name(config.schedule) != "constant":
        still = {}
        for b, n in steps.items():
            if n and n <= 100_000 and len(set(map(lr_schedule(config, task, b), range(n)))) == 1:
                still[batch_text(b)] = n
        if still:
            where = ", ".join(f"{n} at batch {b}" for b, n in still.items()) if per_batch else f"{config.steps}"
            whose = ("the runs" if len(still) == len(steps) else
                     f"the runs at batch {', '.join(still)}")  # (under --epochs, those whose steps it outlasts)
            notes.append(f"the schedule {config.schedule} never changes the learning rate within the budget's steps "
                         f"({where}): {whose} train as with a constant rate")
    if data:
        m = len(task.data.train)
        for b in config.batch_size:
            if isinstance(b, hybrid) and not hybrid_reaches(b, m, config.steps, config.epochs):
                later = f"batches of {b.then}" if b.then is not None else "full batches"
                notes.append(f"the batch size {batch_text(b)} never reaches its {later} within the budget (they "
                             f"begin after {counted(b.epochs, 'epoch')}): its runs train with batches of {b.first} "
                             "throughout")
    return notes


def _box_notes(config: Config, task: Any) -> list[str]:
    """Notes where random search's box, U(−scale, scale) for every parameter, holds none of the task's known answers:
    no draw can reach them (the line's w = 2 from the default U(−1, 1)), and its distance would read as the search's
    failure rather than the box's. Normal draws reach every point, and are not said."""
    from .engine import RANDOM_SEARCH, RANDOM_SEARCH_DEFAULTS

    known = getattr(task, "known", None)
    if known is None or not known.points:
        return []
    # how far out each answer lies: its coordinate of largest size, which the box's half-width must reach
    reach = min(max((abs(float(v)) for value in point.values() for v in torch.as_tensor(value).reshape(-1).tolist()),
                    default=0.0) for point in known.points)
    notes = []
    for spec in config.optimizers:
        options = {**RANDOM_SEARCH_DEFAULTS, **spec.options}
        if spec.name != RANDOM_SEARCH or options["distribution"] != "uniform" or reach <= float(options["scale"]):
            continue
        scale, wider = float(options["scale"]), math.ceil(reach)
        widened = dataclasses.replace(spec, options={**spec.options, "scale": wider}).to_text()
        notes.append(f"{spec.label} draws each parameter from U(−{scale:g}, {scale:g}), and no known answer of the "
                     f"task lies in that box (the nearest has a coordinate of {reach:.4g}): no draw reaches it, "
                     f"whatever the budget; -o {widened} draws from U(−{wider}, {wider}), which holds it")
    return notes


def every_run_text(config: Config) -> str:
    """The schedule and the clipping every run of the comparison trained with, in descend tune's words for its
    trials' (``schedule cosine:total_steps=500, clip_norm 1.0``), or ``""`` where none was given."""
    from .tune.result import training_words

    return training_words(f"schedule={config.schedule}; clip_norm={config.clip_norm}; "
                          f"clip_value={config.clip_value}")


def _tune_text(spec: OptimizerSpec) -> str:
    """``spec`` as :func:`descend.tune` reads an optimizer, its fixed values written exactly (``repr``)."""
    def word(v: Any) -> str:
        return str(v).lower() if isinstance(v, bool) else repr(v) if isinstance(v, (int, float)) else str(v)

    if not spec.options:
        return spec.name
    return spec.name + ":" + ",".join(f"{k}={word(v)}" for k, v in spec.options.items())


def metrics_table(summary: Any, curves: Any, task: Any, config: Config, *, itemsize: int = 4,
                  selection: Selection | None = None) -> tuple[Any, dict[str, list[str]]]:
    """One row per optimizer label: the metrics of :data:`METRICS` that apply, and the winners of each
    (:func:`winners`, with the seeds' ranges of :func:`seed_ranges`).

    Each row is the label's configuration in ``selection`` (by default :func:`descend.selection.select` of
    ``summary``, the decision :func:`compare` makes) and every metric is computed over that configuration's
    runs (its seeds): the medians over the runs that count (status "ok"), the divergence rate and, when a
    run of the comparison left the model's domain, the ``left-domain rate`` as shares of its runs, ``seeds``
    the number of runs. Steps to target are the median over seeds, censored as "> T" when a seed missed it.
    """
    import pandas as pd

    if not len(summary):
        return pd.DataFrame(), {}
    if selection is None:
        selection = select(summary)
    table = _metrics_rows(summary, curves, task, config, itemsize, selection)
    return table, winners(table, seed_ranges(summary, curves, selection))


def _metrics_rows(summary: Any, curves: Any, task: Any, config: Config, itemsize: int, selection: Selection) -> Any:
    """The table of :func:`metrics_table`, without its winners."""
    import pandas as pd

    from .engine import RANDOM_SEARCH
    from .losses import rmse
    from .optim import get

    specs = {spec.label: spec for spec in config.optimizers}
    status = statuses(summary)
    other = [s for s in (outcomes.LEFT_DOMAIN, outcomes.PRUNED, outcomes.INTERRUPTED) if bool((status == s).any())]
    rows = {}
    for label, choice in selection.chosen.items():
        best = summary.loc[list(choice.runs)]
        mine = status.loc[best.index]
        ok = best[mine.map(outcomes.counts).astype(bool)]
        row: dict[str, Any] = {"lr": best["lr"].iloc[0] if "lr" in best else math.nan,
                               "batch size": best["batch_size"].iloc[0] if "batch_size" in best else None}
        for key, value in choice.config.items():
            if key not in ("lr", "batch_size"):
                row[key.replace("_", " ")] = value
        row["seeds"] = len(best)
        row["final train loss"] = ok["final_train_loss"].median() if len(ok) else math.nan
        row["best train loss"] = ok["best_train_loss"].median() if len(ok) else math.nan
        for split in ("validation", "test"):
            column = f"final_{split}_loss"
            if column in best:
                row[f"{split} loss"] = ok[column].median() if len(ok) else math.nan
        if "final_test_loss_original" in best:  # a standardised regression target: the loss in its own scale, and
            # for a squared error the error in its units (each run's, then their median, as for every metric)
            row[TEST_LOSS_UNSTANDARDISED] = ok["final_test_loss_original"].median() if len(ok) else math.nan
            trained = config.loss if config.loss not in (None, "auto") else task.loss  # as compare trained it
            errors = rmse(trained, ok["final_test_loss_original"], task.data.train.y)
            if errors is not None:
                row[TEST_RMSE] = errors.median() if len(ok) else math.nan
        if "final_test_accuracy" in best:
            row["test accuracy"] = ok["final_test_accuracy"].median() if len(ok) else math.nan
        if config.target is not None:  # over the seeds that ran their course or failed: one that diverged (or
            # left the domain) before reaching the target missed it, as one that ran out of steps did; one cut
            # short (interrupted, pruned) is neither
            counted = best[mine.isin([outcomes.OK, outcomes.DIVERGED, outcomes.LEFT_DOMAIN])]
            reached = counted["steps_to_target"]
            if not len(ok):
                row["steps to target"] = row["epochs to target"] = math.nan
            # the median over the seeds, one that missed counted as beyond the budget: known while fewer than half
            # missed (seeds at 5, 55, 60 and 60 steps and one that missed: 60, not "> 100")
            elif math.isfinite(float(reached.astype(float).fillna(math.inf).median())):
                row["steps to target"] = float(reached.astype(float).fillna(math.inf).median())
                row["epochs to target"] = _epochs_at(curves, counted, reached)
            else:  # the budget: the steps the runs with a result took
                row["steps to target"] = f"> {int(ok['steps_done'].max())}"
                row["epochs to target"] = NOT_REACHED
        row["divergence rate"] = float((mine == outcomes.DIVERGED).mean())
        for s in other:
            row[f"{s} rate"] = float((mine == s).mean())
        if "test loss" in row:  # each run's own gap, then their median (a difference of two medians may take
            # them from different seeds, and even change the sign the runs agree on)
            gaps = ok["final_test_loss"] - ok["final_train_loss"]
            row["generalisation gap"] = gaps.median() if len(ok) else math.nan
        spec = specs[label]
        if spec.name != RANDOM_SEARCH:
            row["state bytes / parameter"] = get(spec.name).state_tensors(**spec.options) * itemsize
        # a run's seconds are its cohort's shared out, over the steps the cohort ran: those of a run that did not
        # stop (a stopped run's steps_done is where it stopped)
        # (a row without one has no time per step: a run that diverged at step 1 held its cohort's start-up alone)
        row["ms / step"] = float((ok["seconds"] / ok["steps_done"].clip(lower=1)).median() * 1e3) if len(ok) \
            else math.nan
        if "distance" in best:
            row["distance to answer"] = ok["distance"].median() if len(ok) else math.nan
        rows[label] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "optimizer"
    return table


#: The table's metrics that are medians over a configuration's seeds of a summary column: their seeds' ranges
#: (:func:`seed_ranges`) decide whether a difference between two rows is more than the spread between seeds.
SEEDED = {"final train loss": "final_train_loss", "best train loss": "best_train_loss",
          "validation loss": "final_validation_loss", "test loss": "final_test_loss",
          TEST_LOSS_UNSTANDARDISED: "final_test_loss_original", "test accuracy": "final_test_accuracy",
          "distance to answer": "distance"}


def seed_ranges(summary: Any, curves: Any, selection: Selection) -> dict[str, dict[str, tuple[float, float]]]:
    """metric column of the table → label → the interquartile range (first and third quartiles, NumPy's linear
    interpolation) of the values over the seeds of the label's chosen configuration (the runs its median is taken
    over: those that count; for steps and epochs to target, those that ran their course or failed, a seed that
    missed counting as +∞), for the metrics of :data:`SEEDED` and the target's: the band the report's figures draw
    around a median. :func:`winners` reads them: a row whose range overlaps the best row's wins with it. (The
    quartiles, not the lowest and highest seed: those spread further apart the more seeds ran, so that more seeds
    would name fewer winners.)"""
    status = statuses(summary)
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for label, choice in selection.chosen.items():
        best = summary.loc[list(choice.runs)]
        mine = status.loc[best.index]
        ok = best[mine.map(outcomes.counts).astype(bool)]
        values = {column: ok[name].astype(float) for column, name in SEEDED.items() if name in best}
        if "steps_to_target" in best:
            counted = best[mine.isin([outcomes.OK, outcomes.DIVERGED, outcomes.LEFT_DOMAIN])]
            reached = counted["steps_to_target"].astype(float).fillna(math.inf)
            values["steps to target"] = reached
            values["epochs to target"] = np.asarray(_epochs_each(curves, counted, reached), dtype=float)
        for column, each in values.items():
            each = np.asarray(each, dtype=float)
            each = each[~np.isnan(each)]
            if len(each):  # (a quartile between a seed that missed the target and one beyond it is beyond it)
                with np.errstate(invalid="ignore"):  # (∞ − ∞ between two seeds that missed it: NaN, read as ∞)
                    low, high = np.nan_to_num(np.percentile(each, [25, 75]), nan=math.inf)
                out.setdefault(column, {})[label] = (float(low), float(high))
    if TEST_LOSS_UNSTANDARDISED in out:  # each run's test RMSE grows with its loss: two rows' RMSEs overlap where
        # their losses do, and the two columns name the same winners
        out[TEST_RMSE] = out[TEST_LOSS_UNSTANDARDISED]
    return out


#: How :func:`winners` decides, as a report's comparison.json records it: a report whose record names another rule
#: (an earlier release's, the best median alone) has its winners decided again when it is rebuilt
#: (:func:`descend.report.saved.load`).
WINNERS_RULE = "the best median, and every row whose seeds' interquartile range overlaps it"
#: float32's smallest normal number: two values below it differ by float32's subnormal rounding (:func:`winners`).
FLOAT32_TINY = float(np.finfo(np.float32).tiny)
#: The table's columns that are shares of a row's runs without a result.
RATES = ("divergence rate", "left-domain rate", "pruned rate", "interrupted rate")
#: The table's columns that are properties of the rule, not of its runs: a row whose runs all failed still has
#: them, and may win them.
RULE_METRICS = ("state bytes / parameter",)
#: A configuration some of whose runs did not reach ``--target``: its "steps to target" is "> N" (the steps it
#: ran), its "epochs to target" this; :func:`winners` ranks both after every number.
NOT_REACHED = "not reached"


def winners(table: Any, ranges: Mapping[str, Mapping[str, tuple[float, float]]] | None = None
            ) -> dict[str, list[str]]:
    """The labels that win each metric of :data:`METRICS` in ``table``, in the table's order: several when they
    tie; metrics where every label ties are left out.

    Two values tie when they are equal within round-off, or, given ``ranges`` (metric → label → the interquartile
    range of its seeds' values: :func:`seed_ranges`), when a row's range overlaps the best row's: a difference of
    medians within the spread between seeds is not one to name a winner by (momentum's median test loss 0.3141
    against SGD's 0.3148, momentum's own seeds between 0.3137 and 0.3184). A row without a result by the
    selection's rule (half its runs or more without one, its rates of :data:`RATES` adding up to 0.5 or more:
    :func:`descend.selection.without_result`) wins nothing but the rule's own properties (:data:`RULE_METRICS`),
    though its rates count against the others (beside a row 100 % diverged, two at 0 % win the divergence rate
    rather than tie as everyone); a target not reached ranks after every number of steps (one configuration that
    reached it wins), and no one wins a target that none reached."""
    import pandas as pd

    rates = [c for c in RATES if c in table]
    failed = pd.Series(False, index=table.index)
    if rates:
        failed = table[rates].apply(pd.to_numeric, errors="coerce").fillna(0).sum(axis=1).map(without_result)
    out = {}
    for column, sense in METRICS.items():
        if column not in table or sense is None:
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        if column in ("steps to target", "epochs to target"):  # not reached: after every number of steps
            text = table[column].astype(str)
            values = values.mask(text.str.startswith(">") | (text == NOT_REACHED), math.inf)
        if len(values) < 2:  # one optimizer: nothing to win against
            continue
        # a label most of whose runs failed has no result to win with (the rule scored its median +∞, and its
        # medians here are those of a few survivors); its rates still count against the others
        # (SGD 100 % diverged beside Adam's and AdamW's 0 %: those two win, not a tie of everyone)
        candidates = values if column in RULE_METRICS else values[~failed]
        if candidates.notna().sum() < 1:
            continue
        best = candidates.min() if sense == "min" else candidates.max()
        if not math.isfinite(best):  # a target no one reached: nothing to win
            continue
        spread = {label: r for label, r in (ranges or {}).get(column, {}).items() if label in candidates.index}

        def equal(among: Any) -> Any:  # equal to the best within round-off: 1e-6 of the value, or both among
            # float32's subnormals (below its smallest normal number, 1.2e-38; 1e-30 tied 2.3e-34 with 1.9e-33)
            return (among == best) | (np.isfinite(among) & ((among - best).abs() <= 1e-6 * among.abs().clip(
                lower=abs(best)) + FLOAT32_TINY))

        # the best rows' band: the seeds' ranges of the rows with a result equal to the best (a row without a
        # result, whose few survivors' range is no result's, neither widens it nor ties by it)
        reach = [spread[label] for label in candidates.index[equal(candidates)] if label in spread]

        def tied(among: Any) -> Any:  # equal to the best, or a finite median whose seeds' range overlaps the best
            # rows' band (a row with most seeds short of the target, "> T", does not tie with one that reached it,
            # whatever its best seeds did)
            if not reach:
                return equal(among)
            low, high = min(r[0] for r in reach), max(r[1] for r in reach)
            within = [label in spread and spread[label][0] <= high and spread[label][1] >= low for label in among.index]
            return equal(among) | (np.isfinite(among) & pd.Series(within, index=among.index))

        # a metric every label ties on has no winner (five optimizers at 0.2447 differing by 1e-8)
        if bool(tied(values)[values.notna()].all()) and len(values.dropna()) > 1:
            continue
        out[column] = [str(label) for label in candidates.index[tied(candidates)]]
    return out


def _epochs_at(curves: Any, rows: Any, reached: Any) -> float:
    """The median over ``rows`` of the epochs done at each run's step ``reached`` (:func:`_epochs_each`)."""
    values = _epochs_each(curves, rows, reached)
    median = float(np.median(values)) if values else math.nan
    return median if math.isfinite(median) else math.nan


def _epochs_each(curves: Any, rows: Any, reached: Any) -> list[float]:
    """The epochs done by each run of ``rows`` at its step ``reached``: a step's batch row, or the training split's
    evaluation after the last update (a run that reached the target there has no batch row); a run that missed it
    (NaN) counts as beyond the budget (+∞); a run whose step has no row is left out."""
    values = []
    for run, step in zip(rows.index, reached):
        if not np.isfinite(float(step)):  # a seed that missed: beyond the budget, as its steps are counted
            values.append(math.inf)
            continue
        c = curves[(curves["run"] == run) & (curves["step"] == int(step)) & curves["split"].isin(("batch", "train"))]
        if len(c):
            values.append(float(c["epoch"].iloc[0]))
    return values
