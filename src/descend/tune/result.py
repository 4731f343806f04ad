"""What a search returns and writes: the studies, the best configuration per optimizer, the trials as a
DataFrame, and the final re-runs of each best configuration over several seeds, reported on test data."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._files import MODEL, model_file  # a model file's name (descend compare's too): decided there
from .._files import versions as _versions  # what the numbers depend on (descend compare records them too)
from ..catalog import TEST_LOSS_UNSTANDARDISED, TEST_RMSE
from .space import BATCH_SIZE, Space
from .storage import shown

if TYPE_CHECKING:
    import optuna
    import pandas as pd

    from ..engine import Runs


@dataclass
class TuneResult:
    """The result of :func:`descend.tune`.

    - ``studies``: optimizer → its ``optuna.Study`` (``study``: the first one); a choice among optimizers is one
      study, under its ``"adam|sgd"``;
    - ``best``: optimizer → the best complete trial: ``trial`` (number), ``value`` (the objective on
      validation data), ``params`` (what was searched), ``config`` (every value of the space the run used: the
      searched and the fixed ones, and the batch size: None for the full batch, as :func:`descend.tune` takes it;
      best.json writes it ``"full"``, :func:`batch_shown`; what every trial shares besides, the loss, the
      clipping and the schedules given to all, is best.json's ``training``), ``seed``;
    - ``trials``: a DataFrame, one row per trial of every study (``optimizer``, ``number``, ``state``,
      ``value``, each parameter, ``seed``, ``status``, ``seconds``; in an accuracy search, ``loss``: the loss on
      the same split, which breaks ties between equal accuracies);
    - ``final_summary``: the summary (one row per run, as :attr:`descend.Runs.summary`, its ``batch_size`` as
      the search's other tables write it: :func:`batch_shown`) of every best configuration re-run with
      ``seeds`` seeds over the whole budget (None when the search was interrupted, or ``seeds=0``); the re-runs
      are kept in the study, and a search run again with the same best configurations reads them rather than
      training them again; ``final``: the :class:`descend.Runs` of the re-runs trained in this call (None when
      none was); ``table``: one row per optimizer, its best value and the mean ± sd of the re-runs on test data
      (:func:`final_table`); ``lucky``: optimizer → why its best trial's value is a lucky draw of its seed, one its
      re-runs do not give (:func:`lucky_draws`; also among the ``notes``);
    - ``interrupted`` (Ctrl-C or a stop: what finished is kept in the study), ``timed_out``, ``storage`` (the
      storage URL, password hidden), ``names`` (optimizer → study name), ``notes``, ``description`` (the
      task's, as its card gives it).
    """

    studies: dict[str, optuna.Study]
    spaces: dict[str, Space]
    best: dict[str, dict[str, Any]]
    trials: pd.DataFrame
    final: Runs | None
    table: pd.DataFrame
    target: Any
    storage: str
    names: dict[str, str]
    interrupted: bool = False
    timed_out: bool = False
    seconds: float = 0.0
    outcomes: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    final_summary: Any = None  #: a DataFrame (None: no re-runs)
    #: the first-seed re-runs trained again for a model file (:func:`write_models`) that the folder lacked where the
    #: re-runs were read from the study (a :class:`descend.Runs`, None when none was)
    models: Runs | None = None
    #: how the task's CSV file was read (:data:`descend.predictor.READ_OPTIONS` of its options): a model file's
    #: defaults for new rows
    read: dict[str, Any] = field(default_factory=dict)
    #: the task's description (its card's text: a CSV file's rows, column, features and split)
    description: str = ""
    #: what the task's card states besides (``(key, text)``: a classification's majority-class baseline, a class
    #: without a training row, a linear fit's Hessian, a standardised target's scale), as a comparison's report shows
    facts: list[tuple[str, str]] = field(default_factory=list)
    #: optimizer → why its best trial was a lucky draw of its seed (:func:`lucky_draws`), said under the report's
    #: table of the best configurations and among the notes
    lucky: dict[str, str] = field(default_factory=dict)
    #: the versions the numbers depend on (descend, Python, PyTorch, NumPy, pandas: :func:`descend.compare.versions`),
    #: those of the process that made the result; best.json and the report record them
    versions: dict[str, str] = field(default_factory=_versions)

    @property
    def study(self) -> Any:
        return next(iter(self.studies.values()))

    def __repr__(self) -> str:
        """One line a notebook can read (the dataclass's printed every study object and table: 3 kB)."""
        best = ", ".join(f"{name}: {info.get('value'):.4g}" if isinstance(info.get("value"), float) else name
                         for name, info in self.best.items())
        state = "; interrupted" if self.interrupted else "; timed out" if self.timed_out else ""
        from ..tasks.task import told

        # the trials done: a cut search's failed and queued rows counted too read as a whole budget
        done = int(self.trials["state"].isin(["COMPLETE", "PRUNED"]).sum()) if len(self.trials) else 0
        aside = len(self.trials) - done
        return (f"TuneResult({done} trials done of {', '.join(self.names)}"
                f"{f' ({aside} more cut short, failed or queued)' if aside else ''}; best {self.target.key}: "
                f"{{{best}}}; re-runs: {0 if self.final_summary is None else len(self.final_summary)}; "
                f"storage {self.storage!r}{state}{told(len(self.notes), '.notes', self.facts, '.facts')})")


def batch_shown(batch_size: Any) -> Any:
    """A batch size as a search's files write it (trials.csv, table.csv, final_summary.csv, best.json), as
    descend compare's do: a whole number as it is, the full batch and a hybrid by their label
    (:func:`descend.compare_config.batch_label`).

    >>> batch_shown(None), batch_shown(32)
    ('full', 32)
    """
    from ..compare_config import batch_label

    return batch_size if isinstance(batch_size, int) and not isinstance(batch_size, bool) else batch_label(batch_size)


def _batches_shown(values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` (a trial's parameters, a configuration) with each batch size (``batch_size``, and a choice
    study's ``adam:batch_size``) as :func:`batch_shown` writes it."""
    return {k: batch_shown(v) if k == BATCH_SIZE or k.endswith(f":{BATCH_SIZE}") else v for k, v in values.items()}


def trials_frame(studies: Mapping[str, Any]) -> Any:
    """Every trial of every study, one row each (see :class:`TuneResult`)."""
    import pandas as pd

    from ..optim.registry import TRIAL_ORDER
    from .runner import INFO, seed_of, trial_status

    rows = []
    for optimizer, study in studies.items():
        for t in study.get_trials(deepcopy=False):
            info = t.user_attrs.get(INFO, {}) if isinstance(t.user_attrs.get(INFO), dict) else {}
            seconds = (t.datetime_complete - t.datetime_start).total_seconds() if (
                t.datetime_complete is not None and t.datetime_start is not None) else math.nan
            row = {"optimizer": optimizer, "number": t.number, "state": t.state.name, "value": t.value,
                   "loss": info.get("loss")}  # an accuracy's: what breaks its ties (runner.ranked)
            # as table.csv and the report write it: the full batch is "full", not blank (a choice study's
            # "adam:batch_size" too, where blank is "adam not chosen")
            row.update(_batches_shown(t.params))
            row.update({"seed": seed_of(t), "status": trial_status(t), "steps": info.get("steps"),
                        "role": t.user_attrs.get("descend:role"), "retry_of": t.system_attrs.get("failed_trial"),
                        "seconds": seconds})
            rows.append(row)
    columns = list(TRIAL_ORDER)
    frame = pd.DataFrame(rows)
    if not len(frame):
        return pd.DataFrame(columns=columns)
    for whole in ("seed", "steps", "retry_of"):  # whole numbers with gaps (a failed trial's), not floats
        frame[whole] = pd.array([None if v is None or v != v else int(v) for v in frame[whole]], dtype="Int64")
    params = [c for c in frame.columns if c not in columns]
    if frame["loss"].isna().all():  # a search of a loss: its value is the loss
        columns.remove("loss")
    first = columns.index("loss" if "loss" in columns else "value") + 1  # the parameters after the value (its loss)
    return frame[columns[:first] + params + columns[first:]]


def best_trials(studies: Mapping[str, Any], spaces: Mapping[str, Space], batch_size: Any) -> dict[str, dict[str, Any]]:
    """Optimizer → its best complete trial with a finite value (see :class:`TuneResult`); optimizers
    without one are left out."""
    from optuna.trial import TrialState

    from .runner import ranked

    out = {}
    for optimizer, study in studies.items():
        done = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.value is not None and math.isfinite(t.value)]
        if not done:
            continue
        sign = 1 if study.direction.name.lower() == "minimize" else -1
        trial = min(done, key=lambda t: ranked(t, sign))
        config = spaces[optimizer].values(trial.params)
        config.setdefault(BATCH_SIZE, batch_size)
        info = trial.user_attrs.get("descend", {})
        out[optimizer] = {"trial": trial.number, "value": float(trial.value), "params": dict(trial.params),
                          "config": config, "seed": info.get("seed") if isinstance(info, dict) else None}
    return out


def final_table(best: Mapping[str, Mapping[str, Any]], summary: Any, target: Any, loss: Any = None,
                y: Any = None) -> Any:
    """One row per optimizer: its best trial's value and configuration (a full batch as ``"full"``) and, over
    its re-runs, ``seeds`` (runs), ``no result`` (runs without one: :func:`descend.outcomes.counts`), the mean
    of the final losses (train, validation, test; for a standardised regression target also the test loss in
    its own scale, ``test loss (target unstandardised)``, and for a squared error the error in its units, ``test
    RMSE (target's units)``, where ``loss``, the loss trained on the targets ``y``, is one:
    :func:`descend.losses.rmse`), the training accuracy, the search's objective where it is the validation
    accuracy, and the test accuracy over the runs with a result, each with its sample standard deviation (``test
    loss sd``; NaN for one run), and the share of runs that diverged. The terminal, ``table.csv`` and the report
    all read this table. ``summary``: the re-runs' summary, or None."""
    import numpy as np
    import pandas as pd

    from .. import outcomes
    from ..losses import rmse

    rows = {}
    for optimizer, b in best.items():
        row: dict[str, Any] = {"trial": b["trial"], f"best {target.split} {target.metric}": b["value"]}
        row.update(_batches_shown(b["config"]))
        if summary is not None:
            mine = summary[summary["optimizer"] == optimizer]
            counted = mine[mine["status"].map(outcomes.counts).astype(bool)]
            row["seeds"] = len(mine)
            for column, label in (("final_train_loss", "train loss"), ("final_validation_loss", "validation loss"),
                                  ("final_test_loss", "test loss"),
                                  # a standardised regression target: the test loss in the target's own scale
                                  ("final_test_loss_original", TEST_LOSS_UNSTANDARDISED),
                                  # and, for a squared error, the error in its units
                                  ("final_test_loss_original", TEST_RMSE),
                                  # an accuracy search's objective, re-run (the report shows it beside the trial's)
                                  ("final_train_accuracy", "train accuracy"),
                                  ("final_validation_accuracy", "validation accuracy"),
                                  ("final_test_accuracy", "test accuracy")):
                if label == "validation accuracy" and label != f"{target.split} {target.metric}":
                    continue
                if column not in mine or not np.isfinite(pd.to_numeric(mine[column], errors="coerce")).any():
                    continue
                values = pd.to_numeric(counted[column], errors="coerce")
                if label == TEST_RMSE:  # each run's error, then their mean and sd
                    values = rmse(loss, values, y)
                    if values is None:
                        continue
                values = values[np.isfinite(values)]
                row[label] = float(values.mean()) if len(values) else math.nan
                # equal values' sd is 0 (pandas' two-pass std left 1.4e-16 of their mean's rounding: "± 1.4e-14%")
                row[f"{label} sd"] = (math.nan if len(values) < 2 else 0.0 if values.nunique() == 1
                                      else float(values.std(ddof=1)))
            row["no result"] = len(mine) - len(counted)
            row["divergence rate"] = float((mine["status"] == outcomes.DIVERGED).mean()) if len(mine) else math.nan
        rows[optimizer] = row
    table = pd.DataFrame.from_dict(rows, orient="index")
    # every optimizer's configuration before the re-runs' results (the columns came in the order of each row's
    # keys: an optimizer's own hyperparameter, SGD's momentum after Adam's, followed the divergence rate)
    head = list(dict.fromkeys(["trial", f"best {target.split} {target.metric}",
                               *(k for b in best.values() for k in _batches_shown(b["config"]))]))
    table = table[[c for c in head if c in table.columns] + [c for c in table.columns if c not in head]]
    table.index.name = "optimizer"
    return table


def lucky_draws(best: Mapping[str, Mapping[str, Any]], summary: Any, target: Any) -> dict[str, str]:
    """Optimizer → what says that its best trial was a lucky draw of its seed: the trial's value of the search's
    objective lies beyond what its re-runs over seeds give: no re-run better, and more than half of them worse (a run
    without a result is worse than any). A configuration is chosen as the best of many trials on one
    seed each, so the best of them is often a seed's luck: rmsprop's best validation loss on iris was 0 (lr 0.93,
    seed 9), its re-runs' 7.2 ± 9.4. Nothing for an optimizer with fewer than two re-runs (one is no spread), nor
    where ``summary`` (the re-runs' summary) is None. The terminal, best.json and the report say these sentences.

    >>> import pandas as pd
    >>> from descend.tune.runner import Target
    >>> summary = pd.DataFrame({"optimizer": ["adam"] * 3, "seed": [0, 1, 2], "status": ["ok"] * 3,
    ...                         "final_validation_loss": [2.5, 1.0, 18.0]})
    >>> said = lucky_draws({"adam": {"trial": 9, "value": 0.0, "seed": 9}}, summary, Target("validation", "loss"))
    >>> said["adam"][:100]
    'adam: its best trial (number 9, seed 9) reached a validation loss of 0, better than every one of its'
    """
    import numpy as np
    import pandas as pd

    from .. import outcomes
    from ..progress import value_text

    if summary is None or target.column not in summary:
        return {}
    sign = 1.0 if target.direction == "minimize" else -1.0
    metric = f"{target.split} {target.metric}"
    out = {}
    for optimizer, b in best.items():
        mine = summary[summary["optimizer"] == optimizer]
        value = b.get("value")
        if len(mine) < 2 or not isinstance(value, (int, float)) or not math.isfinite(value):
            continue
        values = pd.to_numeric(mine[target.column], errors="coerce").to_numpy(dtype=float)
        counted = mine["status"].map(outcomes.counts).astype(bool).to_numpy() & np.isfinite(values)
        ranked = np.where(counted, sign * values, np.inf)  # lower is better; no result: worse than any
        trial = sign * float(value)
        tied = np.isclose(ranked, trial, rtol=1e-9, atol=0.0)  # its own seed among the re-runs', to the last bits
        worse = int(((ranked > trial) & ~tied).sum())
        if ((ranked < trial) & ~tied).any() or 2 * worse <= len(ranked):
            continue
        got = values[counted]
        seeds = sorted(int(s) for s in mine["seed"]) if "seed" in mine else []
        over = (f" over seeds {seeds[0]}..{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1))
                else f" over seeds {', '.join(map(str, seeds))}") if seeds else ""
        spread = [f"{value_text(target.metric, float(got.min()))} to {value_text(target.metric, float(got.max()))}, "
                  f"median {value_text(target.metric, float(np.median(got)))}"] if len(got) else []
        if len(got) < len(mine):
            spread.append(f"{len(mine) - len(got)} without a result")
        than = (f"better than every one of its {len(mine)} re-runs{over}" if worse == len(mine) else
                f"as good as {len(mine) - worse} of its {len(mine)} re-runs{over} and better than the other {worse}")
        seed = f", seed {b['seed']}" if b.get("seed") is not None else ""
        out[optimizer] = (f"{optimizer}: its best trial (number {b.get('trial')}{seed}) reached a {metric} of "
                          f"{value_text(target.metric, float(value))}, {than} ({'; '.join(spread)}): a lucky draw of "
                          "its seed, not what its configuration gives; the re-runs are the number to trust")
    return out


# -- files ----------------------------------------------------------------------------------------------------


def _atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file renamed over it (the report's
    :func:`descend._files.write_text`): a killed process leaves the old file or the new one, never half of one."""
    from .._files import write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text)


def _plain(value: Any) -> Any:
    """``value`` as JSON's plain values (:func:`descend._files.plain`: an infinite or NaN number as null)."""
    from .._files import plain

    return plain(value, finite=True)


#: The record of a search's results, written last: a directory without it holds no finished writing.
RECORD = "best.json"


def check_out(out: Path, studies: set[str] | None, flag: str, *, storage: str | None = None) -> None:
    """Refuse, before any work, an output directory a search would write over what is not its own: a file, a
    report of ``descend compare``, another search's results (its best.json names other studies, or the same
    studies' names in another ``storage``, when both are known; ``studies`` None: not checked yet), or files no
    search wrote (``report.html``, ``table.csv`` and ``figures/`` of one's own). A folder a search took holds its
    marker (:data:`descend._files.TUNE_MARKER`, kept there) or an earlier release's best.json. A new or empty
    directory is taken; so is one holding only a study's journal or database (``--storage DIR/study.journal --out
    DIR``) or hidden files. ``flag``: how the interface names the directory (``--out``, ``out``)."""
    from .._files import TUNE_MARKER, entries

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{flag} {str(out)!r} is a file; give a directory")
    if not out.is_dir():
        return
    if (out / "comparison.json").is_file():  # its report.html and table.csv would be replaced
        raise ValueError(f"{flag} {str(out)!r} holds a report of descend compare; a search writes files of its own: "
                         "give another directory")
    if studies is not None:
        try:
            record = json.loads((out / RECORD).read_text(encoding="utf-8"))
            theirs = set(record["studies"].values())
            kept = where_now(out, record)[1]  # its storage, moved with the folder where it was under it
        except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none, or not one to keep
            record, (theirs, kept) = None, _marked(out)  # a search that took the folder, its results not written
        mine = shown(storage) if storage is not None else None
        known = isinstance(kept, str) and not _relative_file(kept)  # an earlier release's relative path: not known
        if theirs is not None and theirs <= studies and known and mine is not None and kept != mine:
            named = ", ".join(sorted(map(repr, theirs)))
            raise ValueError(f"{flag} {str(out)!r} holds a search of study {named} in another storage ({kept}), "
                             f"not this one's ({mine}); its results would be replaced by another study's: give "
                             "another directory, or that storage")
        if theirs is not None and not theirs <= studies:
            named = ", ".join(sorted(map(repr, theirs)))
            if record is None:
                raise ValueError(f"{flag} {str(out)!r} is taken by another search (study {named}), which writes its "
                                 "results there when it ends: give another directory")
            resume = record.get("resume")
            raise ValueError(f"{flag} {str(out)!r} holds the results of another search (study {named}), which this "
                             "one would replace: give another directory" + (
                                 f" (that search goes on with: {resume})" if resume else ""))
    names = entries(out)
    if TUNE_MARKER in names or RECORD in names:
        return
    other = [n for n in names if not (n.startswith(".") or n.endswith((".journal", ".lock", ".db", ".sqlite",
                                                                         ".sqlite3")))]
    if other:
        listed = ", ".join(repr(f) for f in other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
        raise ValueError(f"{flag} {str(out)!r} is not empty ({listed}) and holds no search of descend tune; a "
                         "search takes a directory of its own: give a new or empty one")


def take(out: Path, studies: set[str] | None = None, storage: str | None = None) -> None:
    """Mark ``out`` as a search's (:data:`descend._files.TUNE_MARKER`), once :func:`check_out` passed, naming its
    ``studies`` and their ``storage``: another search started with the same ``out`` before this one has written
    its results is refused by :func:`check_out` then, as it is once they are written (by their best.json)."""
    from .._files import TUNE_MARKER, write_text

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / TUNE_MARKER).exists():
        named = f"studies: {json.dumps(sorted(studies))}\n" if studies else ""
        if studies and storage is not None:
            named += f"storage: {json.dumps(shown(storage))}\n"
        write_text(out / TUNE_MARKER, "descend tune writes its results here; best.json, written last, says they "
                                      f"are whole\n{named}")


def _marked(out: Path) -> tuple[set[str] | None, str | None]:
    """The studies of the search that took ``out`` and their storage (its marker's ``studies:`` and ``storage:``
    lines; None: not named)."""
    from .._files import TUNE_MARKER

    studies, storage = None, None
    try:
        for line in (Path(out) / TUNE_MARKER).read_text(encoding="utf-8").splitlines():
            if line.startswith("studies: "):
                studies = set(json.loads(line.removeprefix("studies: ")))
            elif line.startswith("storage: "):
                storage = json.loads(line.removeprefix("storage: "))
    except (OSError, ValueError, TypeError):
        pass
    return studies, storage if isinstance(storage, str) else None


def write(result: TuneResult, out: Path, *, command: str | None = None) -> list[Path]:
    """Write the result's files into ``out``: ``trials.csv``, ``table.csv``, after the final re-runs
    ``final_summary.csv`` (removed when this search has none), and last ``best.json`` (with the storage, the
    studies and how to resume). Each file is replaced whole (written aside, then renamed), and ``best.json`` is
    removed before the others are written: a process killed in between leaves no ``best.json``, never an
    earlier search's beside this one's files. An interrupted search writes ``best.json`` with
    ``"interrupted": true``, so its files never look like a finished one's."""
    out = Path(out)
    (out / RECORD).unlink(missing_ok=True)
    # a page this write does not draw: an earlier run's report.html and figures would stay beside these tables
    for stale in [out / "report.html", *(out / "figures").glob("*")]:
        if stale.is_file():
            stale.unlink()
    return [*write_files(result, out), write_record(result, out, command=command)]


def write_record(result: TuneResult, out: Path, *, command: str | None = None) -> Path:
    """Write ``best.json``, the record that the files beside it are this search's and whole (see :func:`write`)."""
    meta = {"storage": result.storage, "studies": result.names, "target": f"{result.target.key}",
            "direction": result.target.direction, "interrupted": result.interrupted,
            "timed_out": result.timed_out,
            "best": {name: {**b, **{k: _batches_shown(b[k]) for k in ("params", "config") if k in b}}
                     for name, b in result.best.items()},
            "spaces": {k: s.text() for k, s in result.spaces.items()},
            # what a trial is trained on and for how long (the task with its model and settings; steps or epochs),
            # and how besides its configuration (the loss, dtype, clipping, schedules given to all), as the report's
            # header says it: with "best", what reproduces a trial
            **_setting(result, "task", "descend:task_identity"), **_setting(result, "budget", "descend:budget"),
            "training": _training(result),
            "notes": result.notes, "resume": command,
            # what the numbers depend on besides (descend compare's comparison.json records the same)
            "versions": getattr(result, "versions", None) or _versions()}
    _atomic(Path(out) / RECORD, json.dumps(_plain(meta), indent=2) + "\n")
    return Path(out) / RECORD


def training_words(text: str) -> str:
    """A study's :func:`training_text` as a reader is told it: the loss and the dtype, and the clipping and the
    schedules where they are set.

    >>> training_words("loss=cross_entropy; clip_norm=1.0; clip_value=None; dtype=float32; schedules=none")
    'loss cross_entropy, dtype float32, clip_norm 1.0'
    """
    settings = dict(part.partition("=")[::2] for part in str(text).split("; ") if "=" in part)
    if settings.get("loss", "").startswith("descend.problem._value_loss"):  # a landscape's or a formula's cost
        settings["loss"] = "the function's value"
    shown = [f"{key} {value}" for key, value in settings.items() if value not in ("None", "none", "")]
    order = {"loss": 0, "dtype": 1}
    return ", ".join(sorted(shown, key=lambda item: order.get(item.partition(" ")[0], 2)))


def _setting(result: TuneResult, key: str, attr: str) -> dict[str, str]:
    """``{key: text}`` of the study's ``attr`` (the task it searched, the budget), or nothing for a study that
    did not record it."""
    study = getattr(result, "study", None)
    text = study.user_attrs.get(attr) if study is not None else None
    return {key: str(text)} if text else {}


def _training(result: TuneResult) -> str | None:
    """The training settings every trial of the search shares, in words (None for a study that did not record
    them)."""
    study = getattr(result, "study", None)
    text = study.user_attrs.get("descend:training") if study is not None else None
    return training_words(text) if text else None


def write_models(result: TuneResult, out: Path, *, read: Mapping[str, Any] | None = None) -> list[Path]:
    """Each optimizer's trained model, :data:`MODEL` (a :class:`descend.Predictor` file, which ``descend predict``
    reads): its best configuration's re-run with the first seed, from the re-runs this call trained or those it
    trained again for a missing file (``result.models``), where the model is one a file keeps
    (:func:`descend.predictor.savable`) and finished. ``read``: how the task's CSV file was read
    (:data:`descend.predictor.READ_OPTIONS`; by default ``result.read``), new rows' defaults. A model file of this
    search's storage that is not its best goes; one of its best stays; a file of another kind, or of another
    storage's search, is left alone."""
    import dataclasses

    from .._files import plain
    from ..predictor import Predictor

    out = Path(out)
    written: list[Path] = []
    for runs in (result.final, result.models):
        if runs is None:
            continue
        summary = runs.summary
        for name, rows in summary.groupby("optimizer", sort=False):
            run = int(rows["seed"].astype(float).idxmin())
            path = out / model_file(str(name))
            if str(name) not in result.best or rows.loc[run, "status"] != "ok" or path in written:
                continue
            try:
                predictor = runs.predictor(run)
                about = {**predictor.about, "search": _search_record(result, str(name)),
                         "read": dict(result.read if read is None else read),
                         "task": result.description}
                written.append(dataclasses.replace(predictor, about=plain(about)).save(path))
            except ValueError:  # no rows to predict (a landscape), or a model no file keeps
                continue
    optimizers = {model_file(name): name for name in result.best}
    for path in sorted(out.glob(MODEL.format("*"))):
        if path in written or not path.is_file():
            continue
        try:
            search = Predictor.load(path).about.get("search") or {}
        except ValueError:  # not a model file descend wrote: not this search's to remove
            continue
        if not isinstance(search, Mapping) or search.get("storage") != result.storage:
            continue  # a model of one's own (Runs.predictor(k).save), or another storage's search
        name = optimizers.get(path.name)
        if name is not None and _same_best(search, _search_record(result, name)):
            written.append(path)
        else:
            path.unlink(missing_ok=True)
    return written


def _search_record(result: TuneResult, optimizer: str) -> dict[str, Any]:
    """What a model file records of the search it is the best of: its storage, study, trial, value and target."""
    best = result.best[optimizer]
    study = result.names.get(optimizer) or next((v for k, v in result.names.items()
                                                 if optimizer in str(k).split("|")), None)  # a choice's one study
    return {"storage": result.storage, "study": study, "trial": best.get("trial"), "value": best.get("value"),
            "target": result.target.key}


def _same_best(recorded: Mapping[str, Any], search: Mapping[str, Any]) -> bool:
    return all(recorded.get(k) == search[k] for k in ("storage", "study", "trial"))


def model_missing(out: Path, optimizer: str, search: Mapping[str, Any]) -> bool:
    """Whether ``out`` lacks the model file of an optimizer's best (``search``: :func:`_search_record`'s storage,
    study and trial): no file, or one of another best."""
    from ..predictor import Predictor

    path = Path(out) / model_file(optimizer)
    try:
        recorded = Predictor.load(path).about.get("search") or {}
    except ValueError:
        return True
    return not (isinstance(recorded, Mapping) and _same_best(recorded, search))


def write_files(result: TuneResult, out: Path, *, read: Mapping[str, Any] | None = None) -> list[Path]:
    """The result's tables (``trials.csv``, ``table.csv``, ``final_summary.csv``) and its models
    (:func:`write_models`; ``read``: how the task's CSV file was read), without the record."""
    out = Path(out)
    written = []
    _atomic(out / "trials.csv", result.trials.to_csv(index=False))
    written.append(out / "trials.csv")
    # a file this search has no content for goes: an earlier search's (re-runs with --seeds 2, then --seeds 0)
    # would stay beside files that say there is none
    from ..outcomes import whole_steps

    files = {"table.csv": result.table if result.table is not None and len(result.table) else None,
             "final_summary.csv": whole_steps(result.final_summary) if result.final_summary is not None else None}
    for name, frame in files.items():
        if frame is not None:
            _atomic(out / name, frame.to_csv())
            written.append(out / name)
        else:
            (out / name).unlink(missing_ok=True)
    return [*written, *write_models(result, out, read=read)]


def _under(path: str, folder: str) -> bool:
    import os

    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _relative_file(storage: str) -> bool:
    """Whether a recorded storage is a file's relative path (an earlier release recorded ``--storage`` as given)."""
    import os

    from .storage import is_url

    return storage != ":memory:" and not is_url(storage) and not os.path.isabs(storage)


def where_now(directory: str | Path, best: Mapping[str, Any]) -> tuple[str | None, Any, str | None]:
    """A search folder's resume command and storage (``best.json``'s ``resume`` and ``storage``) with the paths
    under the folder where it was written (its ``--out``) moved to where ``directory`` is now, and that old place
    (None when the folder was not moved): the journal moved with the folder, and the command as written would
    start a new study at the old place. ``descend show`` and ``descend report`` say both."""
    import os
    import shlex

    storage, resume = best.get("storage"), best.get("resume")
    # a word in $'...' (a name holding control characters, :func:`descend._names.shell_word`) is not read back
    # by shlex: such a command is said as it was written
    words = shlex.split(resume) if isinstance(resume, str) and resume and "$'" not in resume else []
    old = words[words.index("--out") + 1] if "--out" in words[:-1] else None
    here = os.path.abspath(directory)
    if isinstance(storage, str) and _relative_file(storage):
        # an earlier release recorded the paths as given: a journal under the folder is the folder's, wherever the
        # folder is now (another relative path is kept as written: where it was is not known)
        if old is not None and not os.path.isabs(old) and _under(os.path.normpath(storage), os.path.normpath(old)):
            storage = here + os.path.normpath(storage)[len(os.path.normpath(old)):]
    if old is None or not os.path.isabs(old) or old == here:
        return resume, storage, None

    def moved(path: str) -> str:
        return here + path[len(old):] if _under(path, old) else path

    return (" ".join(shlex.quote(moved(w)) for w in words), moved(storage) if isinstance(storage, str) else storage,
            old)
