"""``descend tune``: the command's logic as a function, so that the command line is a thin layer over it.

:func:`main` checks every input (the task as ``descend compare`` reads it, the space, the sampler, the
storage and whether it can be reached, an existing study's space and objective) before anything is
trained or written, shows a Rich progress bar (trials done, best so far, trials per second, time left),
prints the table of best configurations and their re-runs on test data, and writes the result's files and
its report (``report.html`` and figures: :mod:`descend.tune.report`).
Errors are one line naming the option, exit code 2; Ctrl-C stops after telling Optuna what finished
(exit code 130).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .._files import read_csv_exact
from .._names import folder_name, shell_word
from ..catalog import FORMER_COLUMNS, TEST_LOSS_UNSTANDARDISED, TEST_RMSE
from ..progress import SearchBar as _Bar
from ..progress import short as _short
from ..progress import value_text as _value

#: How each argument of :func:`descend.tune.plan` is spelled on the command line.
FLAGS = {"task": "TASK", "optimizer": "--optimizer", "space": "--space", "trials": "--trials", "cohort": "--cohort",
         "sampler": "--sampler", "pruner": "--pruner", "steps": "--steps", "epochs": "--epochs", "seeds": "--seeds",
         "storage": "--storage", "study": "--study", "timeout": "--timeout", "metric": "--metric",
         "batch_size": "--batch-size", "out": "--out", "seed": "--seed", "csv": "--csv", "loss": "--loss",
         "clip_norm": "--clip-norm", "clip_value": "--clip-value", "schedules": "--schedule", "start": "--start"}


def _resumed_text(study: Any) -> str:
    """What a resumed study holds, in words: the trials done (complete or pruned), those queued to be trained again
    (an interrupted search's), and those another worker runs or a stopped one left; "" for none. Failed trials
    are left out: each has its queued copy."""
    from optuna.trial import TrialState

    counts: dict[TrialState, int] = {}
    retries = 0  # waiting trials that repeat one cut short; the others were queued (a first cohort) and never began
    for trial in study.get_trials(deepcopy=False):
        counts[trial.state] = counts.get(trial.state, 0) + 1
        retries += trial.state == TrialState.WAITING and "failed_trial" in trial.system_attrs
    done = counts.get(TrialState.COMPLETE, 0) + counts.get(TrialState.PRUNED, 0)
    parts = [f"{done} trial{'s' * (done != 1)} done"] if done else []
    if retries:
        parts.append(f"{retries} queued to train again")
    if fresh := counts.get(TrialState.WAITING, 0) - retries:
        parts.append(f"{fresh} queued, not begun yet")
    if running := counts.get(TrialState.RUNNING, 0):
        parts.append(f"{running} running in another worker or left by a stopped one")
    return ", ".join(parts)


def _fail(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return 2


def _task(task: str | None, csv: str | None, column: str | None, data: Mapping[str, Any], steps: int | None,
          epochs: int | None) -> tuple[Any, Any]:
    """``(settings, task)``: the task as ``descend compare`` reads TASK (a task, a landscape, a formula) or
    ``--csv PATH --column COL``, with its data options (``--sep``, ``--dropna``, ...:
    :data:`descend.compare_config.DATA_KEYS`) and how every trial trains (``--task-option``, ``--init``,
    ``--loss``, ``--schedule``, ``--clip-norm``, ...: :data:`descend.compare_config.TRAINING_KEYS`), resolved
    and refused as ``descend compare`` resolves them."""
    from ..compare_config import training_config

    if csv is None and task is None:
        raise ValueError("give TASK (see `descend list tasks`), a landscape formula, or --csv PATH --column COL")
    # under --epochs the schedule is checked by the plan, over the steps the trials' batch size takes (a
    # comparison's settings would check it at each of the task's batch sizes)
    # and the batch size by the plan too: the trials train at --batch-size or the task's first, not at each of the
    # task's batch sizes (of which one larger than a small training set refused every --batch-size)
    return training_config(task, csv=csv, column=column, steps=steps, epochs=epochs, batch_size="full",
                           **{k: v for k, v in data.items() if k != "schedule" or epochs is None})


def _schedule_notes(plan: Any, settings: Any, task: Any, schedule: str) -> list[str]:
    """descend compare's notes on ``--schedule`` and the budget (:func:`descend.compare._schedule_notes`: a
    schedule given its total_steps that the trials' steps end early or outlast, one that never changes the rate
    within them), over the batch sizes the trials train at."""
    import dataclasses

    from ..compare import _schedule_notes as notes_of
    from ..compare_config import batch_text
    from .api import _batch_sizes

    sizes = list({batch_text(b): b for space in plan.spaces.values() for b in _batch_sizes(space)}.values())
    budget = plan.budget
    trials = dataclasses.replace(settings, schedule=schedule, batch_size=tuple(sizes), epochs=budget.epochs,
                                 steps=budget.steps if budget.epochs is None else None)
    return notes_of(trials, task)


def _plugins(given: Any) -> tuple[str, ...]:
    """``--plugin`` files (or modules), imported once each as ``descend compare`` imports them."""
    from ..compare_config import _parse_plugins

    return _parse_plugins(given, "--plugin") if given else ()


def _number(text: Any, flag: str, kind: type) -> Any:
    if text is None or isinstance(text, kind) and not isinstance(text, bool):
        return text
    try:
        return kind(str(text).strip())
    except ValueError:
        word = "a whole number" if kind is int else "a number"
        raise ValueError(f"{flag} {text!r}: {word} is required") from None


def _table(result: Any, compact: bool = False) -> Any:
    """The terminal table: per optimizer its best trial, value and configuration, and the re-runs' means.
    ``compact`` (for a terminal too narrow for the table on one line a row) puts each hyperparameter and each
    word of a header on a line of its own, without padding, instead of letting Rich cut them anywhere."""
    from rich.markup import escape
    from rich.table import Table

    frame = result.table
    # names and values as they are (a CSV file's name, a plugin's option "mode=[bold]b"), never read as markup
    table = Table(title=escape(_title(result)), title_justify="left", padding=(0, 0) if compact else (0, 1))
    split = "\n" if compact else " "
    table.add_column("optimizer", style="bold")
    table.add_column("trial", justify="right", no_wrap=True)
    table.add_column(f"best{split}{result.target.metric}", justify="right", no_wrap=True)
    table.add_column("configuration", overflow="fold")
    results = _result_columns(frame)
    for column in results:
        header = {"divergence rate": "diverged"}.get(column, column).replace(" ", split)
        table.add_column(header, justify="right", no_wrap=True)
    for optimizer, row in frame.iterrows():
        best = result.best[optimizer]
        config = ("," + split).join(f"{k}={_short(v)}" for k, v in best["config"].items())
        cells = [str(best["trial"]), _value(result.target.metric, best["value"]), config]
        cells += [_value(c, row[c]) for c in results]
        table.add_row(escape(str(optimizer)), *(escape(cell) for cell in cells))
    return table


def _print_table(result: Any) -> None:
    """The table, compact where the terminal is narrower than it (80 columns when the output is not a terminal)."""
    from rich.console import Console
    from rich.measure import Measurement

    console = Console()

    def width(table: Any) -> int:
        return Measurement.get(console, console.options.update_width(10_000), table).maximum

    table = _table(result)
    if width(table) > console.width:
        table = _table(result, compact=True)
    if width(table) > console.width:  # narrower still: a line per value, nothing cut
        console.print(_listing(result), soft_wrap=True, highlight=False, markup=False)
        return
    console.print(table)


def _listing(result: Any) -> str:
    """The table's contents as lines, for a terminal too narrow for the compact table: per optimizer its best
    trial and value, then each hyperparameter and each re-run result on a line of its own."""
    frame = result.table
    lines = [_title(result)]
    for optimizer, row in frame.iterrows():
        best = result.best[optimizer]
        lines.append(f"{optimizer}: trial {best['trial']}, best {result.target.metric} "
                     f"{_value(result.target.metric, best['value'])}")
        lines += [f"  {k}={_short(v)}" for k, v in best["config"].items()]
        lines += [f"  {c}: {_value(c, row[c])}" for c in _result_columns(frame)]
    return "\n".join(lines)


#: The re-runs' columns the terminal shows, in this order, where the result has them.
_RESULTS = ("seeds", "test loss", TEST_LOSS_UNSTANDARDISED, TEST_RMSE, "train accuracy", "test accuracy",
            "divergence rate")


def _result_columns(frame: Any) -> list[str]:
    """The re-runs' columns to show: :data:`_RESULTS`, for a task without test data (a landscape) the re-runs'
    training loss, their only result (it was in table.csv and the report, not in the terminal), and the runs
    without a result where there are some."""
    shown = [c for c in _RESULTS if c in frame.columns]
    if "test loss" not in frame.columns and "train loss" in frame.columns:
        shown.insert(1 if "seeds" in shown else 0, "train loss")
    if "no result" in frame.columns and bool((frame["no result"].fillna(0) > 0).any()):
        # the means are over the runs with a result: say how many had none (3 of 5 runs out of the ellipse's
        # domain showed "seeds 5, test loss 0.2759, diverged 0%", the mean of two runs)
        shown.insert(shown.index("seeds") + 1 if "seeds" in shown else 0, "no result")
    return shown


def _title(result: Any) -> str:
    """The heading of the results: the objective, and the test data where the re-runs have some."""
    from .._names import metric_words

    columns = [str(c) for c in result.table.columns]
    seeds = result.table["seeds"] if "seeds" in result.table.columns else None  # (descend show reads the table)
    over = " (means over the seeds)" if seeds is not None and bool((seeds.fillna(0) > 1).any()) else ""
    tested = (f"; re-runs on test data{over}" if any(c.startswith("test") for c in columns) else
              f"; re-runs on the training data{over}" if "train loss" in columns else "")
    return f"descend tune: best of each study on the {metric_words(result.target.key)}{tested}"


def main(task: str | None = None, *, csv: str | None = None, column: str | None = None,
         optimizer: Sequence[str] | None = None, space: Sequence[str] | None = None, trials: Any = None,
         cohort: Any = None, sampler: str = "tpe", pruner: str = "none", steps: Any = None, epochs: Any = None,
         seeds: Any = 3, storage: str | None = None, study: str | None = None, timeout: Any = None,
         out: str | None = None, metric: str = "loss", batch_size: str | None = None, seed: Any = 0,
         quiet: bool = False, compile: bool = False, data: Mapping[str, Any] | None = None, **options: Any) -> int:
    """Run ``descend tune`` with the command line's options (texts as typed, None for not given); returns the
    exit code: 0, 2 for bad input (one line on stderr, nothing trained or written), 130 after Ctrl-C.
    ``data``: how the task's data is read and how every trial trains, as ``descend compare`` takes them
    (``{"sep": ";", "dropna": True, "schedule": "cosine"}``, keys of :data:`descend.compare_config.DATA_KEYS` and
    :data:`descend.compare_config.TRAINING_KEYS`)."""
    from ..compare_config import TRAINING_KEYS, parse_schedule, schedule_name
    from ..engine import RuleFailed
    from ..report import saved
    from . import api
    from .report import write_report
    from .result import RECORD, check_out, take, training_words, write_files, write_record
    from .storage import database_failure, mask

    try:
        data = {k: v for k, v in (data or {}).items() if v is not None and not (isinstance(v, list) and not v)}
        plugins = _plugins(data.pop("plugin", None))  # first: they may register the optimizers -o names
        steps, epochs = _number(steps, "--steps", int), _number(epochs, "--epochs", int)
        settings, built = _task(task, csv, column, data, steps, epochs)
        trials = _number(trials, "--trials", int) if trials is not None else api.DEFAULT_TRIALS
        cohort = _number(cohort, "--cohort", int)
        # every trial's schedule, over the steps it trains: with --epochs, those the trials' batch size takes, which
        # the plan knows (cosine lasts them)
        given = str(data.get("schedule") or "").strip()
        if epochs is not None and data.get("schedule") is not None and not given:  # as --steps refuses it
            raise ValueError(f"--schedule {data['schedule']!r}: give a schedule such as cosine or "
                             "step:step_size=100,gamma=0.5")
        constant = not given or schedule_name(given) == "constant" and ":" not in given
        schedule = (parse_schedule(settings.schedule, settings.steps or 1)[1] if epochs is None else
                    None if constant else given)
        seeds, seed = _number(seeds, "--seeds", int), _number(seed, "--seed", int)
        timeout = _number(timeout, "--timeout", float)
        if out is not None and not str(out).strip():  # Path("") is the working directory: written there
            raise ValueError("--out '': give a directory")
        out_dir = Path(out) if out is not None else Path("reports") / f"tune-{folder_name(built)}"
        flag = "--out" if out is not None else saved.DEFAULT_OUT
        check_out(out_dir, None, flag)
        saved.writable(out_dir, flag)  # before any training, not after the whole search
        plan = api.plan(built, optimizer=list(optimizer or ["adam"]), space=list(space) if space else None,
                        trials=trials, cohort=cohort, sampler=sampler, pruner=pruner, steps=steps, epochs=epochs,
                        seeds=seeds, storage=storage, study=study, timeout=timeout, out=out_dir, metric=metric,
                        batch_size=batch_size if batch_size is not None else "task", seed=seed, names=FLAGS,
                        loss=settings.loss, clip_norm=settings.clip_norm, clip_value=settings.clip_value,
                        schedules={"lr": schedule} if schedule is not None else None, **options)
        if given:  # what descend compare says of the schedule and the budget (its first 6 % trained), said alike
            plan.notes.extend(note for note in _schedule_notes(plan, settings, built, given) if note not in plan.notes)
        studies = {plan.study_name(name) for name, _ in plan.optimizers}
        check_out(out_dir, studies, flag, storage=plan.storage)
        opened = api.open_studies(plan, heartbeat_interval=10, grace_period=60)
        take(out_dir, studies, plan.storage)
    except ValueError as e:
        return _fail(str(e))
    except MemoryError:  # a task built larger than memory (--task-option m=1000000000): the options to make smaller
        from ..compare_config import task_too_large

        return _fail(task_too_large((data or {}).get("task_options") or ()))
    except OSError as e:  # a full disk, a directory gone: what the checks could not see
        return _fail(f"the study could not be opened or --out {str(out_dir)!r} written: "
                     f"{e.strerror or e}{f' ({e.filename})' if getattr(e, 'filename', None) else ''}")
    except Exception as e:  # noqa: BLE001 - a database that refused to create or write the study, else raised
        if (failure := database_failure(e)) is None:
            raise
        reason, unreachable = failure
        return _fail(f"--storage {mask(str(storage))}: the database " + (
            f"stopped answering ({reason}); give the same command once it answers again" if unreachable else
            f"refused to write the study ({reason}): its user needs to create tables in it and write to them"))
    where = plan.storage if storage is None else mask(plan.storage)
    in_memory = plan.storage == ":memory:"  # a study that ends with this command: nothing resumes it
    names = {name: plan.study_name(name) for name, _ in plan.optimizers}
    resumed = {name: _resumed_text(opened[1][name].study) for name in names}
    said: list[str] = []  # the plan's notes, said before the search starts (and not again at its end)
    if not quiet:
        each = " each" if len(names) > 1 else ""  # one study (one optimizer, or a choice among several): in all
        lines = [f"tuning {', '.join(names)} on {built.name}: {plan.trials} trial{'s' * (plan.trials != 1)}{each}, "
                 f"cohorts of {plan.cohort}, "
                 f"{plan.sampler} sampler, pruner {plan.pruner}, {plan.budget.text()}"]
        if any(key in data for key in TRAINING_KEYS):  # how every trial trains, as given (and the model it built)
            lines.append(f"  every trial: {training_words(api.training_text(plan))}"
                         + (f"; model {built.model!r}" if {"init", "task_options"} & set(data) else ""))
        for name, study_name in names.items():
            lines.append(f"  study {study_name!r} in {where}" + (
                f" (resumed: {resumed[name]})" if resumed[name] and not opened[1][name].created else ""))
            lines.append(f"    searching {plan.spaces[name].text()}")
        lines.append("Ctrl-C stops after telling Optuna what finished; " + (
            "the study is in memory: nothing resumes it" if in_memory else "the same command resumes"))
        said = list(plan.notes)
        lines += [f"note: {note}" for note in said]
        print("\n".join(lines), file=sys.stderr)
    try:
        from rich.console import Console

        from .._streams import Unbroken

        with _Bar(sum(p.trials for p in opened[1].values()), quiet, metric=plan.target.metric,
                  console=Console(file=Unbroken(), stderr=True)) as bar:
            result = api.run(plan, progress=bar, opened=opened, compile=compile, out=out_dir)
    except RuleFailed as e:  # not the input's fault: the rule's (a plugin's bug), while it trained
        kept = "" if in_memory else "; the trials that finished are kept in the study"
        print(f"error: {e}{kept}", file=sys.stderr)
        return 1
    except ValueError as e:  # a configuration the checks could not foresee
        return _fail(str(e))
    except (MemoryError, RuntimeError) as e:
        from ..compare_config import no_space, out_of_memory

        message = out_of_memory(e, "search", fewer="fewer --steps (or --epochs), a smaller --cohort (the trials "
                                "trained together) or a smaller --batch-size") or no_space(e)
        if message is None:
            raise
        return _fail(message + "; the trials that finished are kept")
    except OSError as e:  # a full disk, a storage gone mid-search: what finished was told and is kept
        where = f" ({e.filename})" if getattr(e, "filename", None) else ""
        _fail(f"the study could not be written: {e.strerror or e}{where}; the trials told before are kept in it, "
              "and the same command resumes the search once this is fixed")
        return 1  # not the input's fault: the machine's, as a report that cannot be written
    except Exception as e:  # noqa: BLE001 - a database that stopped answering mid-search, else raised as it is
        if (failure := database_failure(e)) is None:
            raise
        reason, unreachable = failure
        if unreachable:
            _fail(f"the study's database stopped answering ({reason}); the trials told before are kept in it, and "
                  "the same command resumes the search (retrying the cohort it was training) once it answers again")
        else:  # answered and refused: waiting would not help
            _fail(f"the study's database refused a write ({reason}); the trials told before are kept in it, and the "
                  "same command resumes the search once its user may write to it again")
        return 1
    from ..compare_config import Config

    flags = Config.flags()
    given = {"--plugin": list(plugins) or None, "--csv": csv, "--column": column,
             **{flags[k]: v for k, v in data.items()},
             "--space": list(space or []) or None, "--trials": plan.trials,
             "--cohort": plan.cohort, "--sampler": plan.sampler, "--pruner": plan.pruner, "--steps": steps,
             "--epochs": epochs, "--batch-size": batch_size, "--metric": plan.target.metric, "--seed": plan.seed,
             "--seeds": None if plan.seeds == api.DEFAULT_SEEDS else plan.seeds,  # the re-runs, when not the default
             "--storage": plan.storage, "--study": plan.study, "--out": str(out_dir)}
    from .storage import absolute

    given.update({flag: absolute(given[flag]) for flag in ("--csv", "--storage", "--out")})  # from any folder
    command = None if in_memory else mask(resume_command(task, list(optimizer or ["adam"]), given))
    writing = time.time()

    def no_stale_page() -> None:
        """An earlier search's report.html and its figures do not stay beside this search's results as if they
        were theirs (a figure this search does not draw, the page when this one's could not be written)."""
        stale = [out_dir / "report.html", *(out_dir / "figures").glob("*")]
        for path in stale:
            if path.is_file() and path.stat().st_mtime < writing:
                path.unlink()

    again = f"; the study keeps every trial; the same command writes them: {command}" if command else (
        " (the study was in memory)")
    try:  # again: a search started at the same time with the same --out may have taken it, or written there
        check_out(out_dir, studies, flag, storage=plan.storage)
    except ValueError as e:
        print(f"error: {e}; this search's results are not written there: its study keeps every trial, and the same "
              "command with another --out writes them", file=sys.stderr)
        return 1
    tables = False
    try:  # the record first out, last in: a process killed in between leaves no best.json (descend show says so)
        (out_dir / RECORD).unlink(missing_ok=True)
        (out_dir / "report.html").unlink(missing_ok=True)
        written = write_files(result, out_dir)
        tables = True
        try:
            written.append(write_report(result, out_dir, command=command, record=True))
        except OSError:
            raise
        except Exception as e:  # noqa: BLE001 - a report that cannot be drawn never costs the search's results
            print(f"note: the report could not be written: {type(e).__name__}: {e}", file=sys.stderr)
        no_stale_page()
        written.append(write_record(result, out_dir, command=command))
    except KeyboardInterrupt:  # the study holds every trial; only what is drawn from it is cut short
        no_stale_page()
        whole, tables = tables, False
        if whole:  # the tables are whole: the record says so (the page is not written, its figures are gone)
            with contextlib.suppress(OSError, KeyboardInterrupt):
                write_record(result, out_dir, command=command)
                tables = True
        print(f"interrupted while writing the results to {str(out_dir)!r}: " + (
            f"the study keeps every trial; the report is not written; the same command writes it: {command}"
            if tables and command else "the report is not written (the study was in memory)" if tables
            else f"the results are not written{again}"), file=sys.stderr)
        return 130
    except OSError as e:
        no_stale_page()
        print(f"error: the results could not be written to {str(out_dir)!r} ({e.strerror or e}){again}",
              file=sys.stderr)
        return 1
    from ..tasks.task import said_facts

    # the notes, and what could mislead about the data (as the report's card says it)
    facts = said_facts(getattr(result, "facts", ()))
    facts += _no_model(result, built, plan.seeds, written)
    _print_outcome(result, [*(note for note in result.notes if note not in said), *facts], names.values(),
                   "memory, gone with this command (without --storage, OUT/study.journal keeps it)" if in_memory
                   else where, None if in_memory else command)
    print(f"results: {', '.join(str(p) for p in written)}")
    return 130 if result.interrupted else 0


def _no_model(result: Any, task: Any, seeds: int, written: Sequence[Path]) -> list[str]:
    """Why a search wrote no model file (:func:`descend.tune.result.write_models`) where one would be looked for: a
    task whose model a file keeps (a CSV file's, a data set's), not interrupted, searched with --seeds 0."""
    from ..predictor import savable
    from .result import MODEL

    if getattr(task, "data", None) is None or not savable(task.model) or result.interrupted or any(
            p.match(MODEL.format("*")) for p in written):
        return []  # (a landscape's or a case study's own model: no file keeps it, as the README says)
    if seeds == 0:
        return ["no model file: --seeds 0 re-runs no configuration (a model file, model-<optimizer>.pt, is the best "
                "configuration's re-run with the first seed)"]
    return []


def _print_outcome(result: Any, notes: Sequence[str], studies: Iterable[str], where: str, command: str | None
                   ) -> None:
    """What a search ends with (and ``descend show`` prints again): the table of its best configurations, its
    notes, where its studies are and the command that resumes them."""
    if len(result.table):
        _print_table(result)
    for note in notes:
        print(f"note: {note}")
    print(f"study: {', '.join(repr(n) for n in studies)} in {where}")
    if command:
        masked = "***" in command  # a password (storage.mask) is never printed: the line runs once it is put back
        print(f"resume or add workers: {command}" + (" (with the database's password in place of ***)" if masked
                                                      else ""))


def show(directory: Path) -> None:
    """``descend show`` on a search's directory: the table ``descend tune`` printed at its end, read from its
    ``best.json`` and ``table.csv``, its notes, where its studies are and how to resume them."""
    import json
    from types import SimpleNamespace

    import pandas as pd

    from .result import MODEL, where_now
    from .runner import Target

    best = json.loads((directory / "best.json").read_text(encoding="utf-8"))
    split, metric = str(best["target"]).split("_", 1)  # written as Target.key, "{split}_{metric}"
    if (directory / "table.csv").exists():
        table = read_csv_exact(directory / "table.csv", index_col=0)
        table = table.rename(columns={f"{old}{sd}": f"{new}{sd}" for old, new in FORMER_COLUMNS.items()
                                      for sd in ("", " sd")})  # as an earlier release named them
        table.index = table.index.astype(str)
    else:  # no trial finished (every one diverged, or the search stopped first): its notes say why
        table = pd.DataFrame()
    ended = " (interrupted)" if best.get("interrupted") else " (timed out)" if best.get("timed_out") else ""
    print(f"search results in {directory}{ended}")
    resume, storage, old = where_now(directory, best)
    if old is not None:  # the folder was moved: its journal with it
        print(f"note: this search was written in {old} and moved here: the paths below are this folder's")
    _print_outcome(SimpleNamespace(table=table, best=best["best"], target=Target(split, metric)),
                   best.get("notes", []), best["studies"].values(),
                   storage if storage and storage != ":memory:" else "memory, gone with the search that ran it",
                   resume)
    for model in sorted(directory.glob(MODEL.format("*"))):
        print(f"model: {model} (descend predict {shlex.quote(str(model))} NEW_ROWS.csv)")
    if not (directory / "report.html").exists():  # cut short while it was drawn (the tables are whole), or removed
        print("note: its report (report.html and its figures) is not there: " + (
            f"the same command writes it: {resume}" if resume else
            "its study was in memory, so nothing writes it" if not storage or storage == ":memory:" else
            "the search ran from Python (descend.tune), which writes its report with write_report (from "
            f"descend.tune.report import write_report); descend tune with the search's options and --storage "
            f"{storage} resumes it and writes it"))


def resume_command(task: str | None, optimizers: Sequence[str], options: Mapping[str, Any]) -> str:
    """The command that resumes this search (or adds a worker to it): every option that decides the study,
    spelled out, so that a worker on another machine runs the same search.

    >>> resume_command("line", ["adam"], {"--trials": 64, "--space": ["lr=1e-3..1:log"], "--steps": None})
    'descend tune line -o adam --trials 64 --space lr=1e-3..1:log'
    >>> resume_command("-exp(-x**2-y**2)", ["adam"], {"--trials": 4})
    "descend tune -o adam --trials 4 -- '-exp(-x**2-y**2)'"
    """
    dashed = task is not None and task.startswith("-")  # a formula read as an option ('-exp(...)'): after "--"
    words = ["descend", "tune"] + ([task] if task is not None and not dashed else [])
    for name in optimizers:
        words += ["-o", name]
    for flag, value in options.items():
        if isinstance(value, bool):  # a switch: --dropna, or --no-dropna
            words.append(flag if value else f"--no-{flag[2:]}")
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is not None:
                words += [flag, str(item)]
    return " ".join([*(shell_word(w) for w in words), *(["--", shell_word(task)] if dashed else [])])

