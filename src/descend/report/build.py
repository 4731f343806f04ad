"""Write a comparison to a directory: the HTML report, PNG/SVG figures, the animation, CSV/JSON and the config."""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import sys
import time
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from . import saved
from .timings import FILE as TIMINGS
from .timings import Timings

#: What a report directory holds; a directory with any of these is "a report" (refused unless force=True).
REPORT_FILES = ("report.html", "summary.csv", "curves.csv", "table.csv", "config.toml")


#: How the messages of :func:`write_report` name its arguments: to a Python caller, and on the command line (which
#: checks them in its own words before training, and passes these to the report's checks after it).
PYTHON_NAMES = {"out": "out", "force": "force=True", "json": "json_path"}
CLI_NAMES = {"out": "--out", "force": "--force", "json": "--json"}


class ReportExists(ValueError):
    """The output directory already holds a report."""


class DrawingFailed(UserWarning):
    """A figure or the animation raised an error while it was drawn (a defect, in descend or in matplotlib): the
    report is written without it, says so in its notes, and :func:`write_report` warns with this category."""


def check_out(out: str | Path, *, force: bool = False, flag: str = "--out", force_flag: str | None = "--force",
              data: str | Path | None = None) -> Path:
    """The output directory, checked before any work starts. Refused when it is a file, cannot be written,
    already holds a report (unless ``force``: then the new report replaces that report's files, and only
    those), or holds anything a report did not write (never removed, with or without ``force``) but ``data``, the
    CSV file the report reads, which may lie in its folder (:func:`write_report` keeps it there). ``flag``: how
    the messages name the directory (``"the default --out"`` when the user gave none); ``force_flag``: how they name
    ``force`` (``"force=True"`` to a Python caller; None where the command replaces its own report without being
    asked to, a rebuild in place, whose user is told of ``--out`` instead)."""
    out = Path(out)
    try:
        out.exists()
    except OSError as e:  # a name too long for the file system, ...: before any training
        raise ValueError(f"{flag} {str(out)!r} cannot be written: {e.strerror or e}") from None
    if out.is_symlink() and out.is_dir():  # a link to a folder: the report goes into the folder, the link stays
        out = Path(os.path.realpath(out))
    if out.exists() and not out.is_dir():
        raise ValueError(f"{flag} {str(out)!r} is a file; give a directory for the report")
    here, where = os.path.abspath(os.getcwd()), os.path.abspath(out)
    if here == where or here.startswith(where.rstrip(os.sep) + os.sep):  # moved into place whole: not a folder in use
        raise ValueError(f"{flag} {str(out)!r} is the folder this command runs in (or holds it): a report is written "
                         "aside and moved into place whole, which the folder in use cannot be; give another folder, "
                         "or run the command from outside it")
    if out.is_dir() and ((out / "best.json").is_file() or (out / saved.TUNE_MARKER).is_file()) and not (
            out / "comparison.json").exists():
        raise ValueError(f"{flag} {str(out)!r} holds the results of descend tune (best.json, its study); a comparison "
                         "writes files of its own: give another directory")
    if out.is_dir():
        ours = saved.report_files(out)
        if ours is not None and not force:
            raise ReportExists(f"{flag} {str(out)!r} already holds a report; use {force_flag} to overwrite it or "
                               "choose another directory")
        other = [f for f in saved.entries(out) if f not in (ours or set()) and f != kept_inside(data, out)]
        if other:
            shown = ", ".join(repr(f) for f in other[:3]) + (f" and {len(other) - 3} more" if len(other) > 3 else "")
            if ours is None:
                raise ValueError(f"{flag} {str(out)!r} is not empty ({shown}) and holds no descend report; a report "
                                 "takes a directory of its own: give a new or empty one")
            if force_flag is None:
                raise ValueError(f"{flag} {str(out)!r} holds files its report did not write ({shown}), which a "
                                 "rebuild never replaces: move them away, or write the rebuilt report to another "
                                 "folder with --out OTHER")
            raise ValueError(f"{flag} {str(out)!r} holds files its report did not write ({shown}); {force_flag} "
                             "replaces only a report's own files: move them away or choose another directory")
    saved.writable(out, flag)
    return out


def kept_inside(data: str | Path | None, out: str | Path) -> str | None:
    """The CSV file ``data`` as a path inside the report's folder ``out`` (POSIX), where it lies there and is none of
    the files a report writes: the report reads it, and a report written there keeps it; else None."""
    inner = _inside(data, out)
    return inner if inner is not None and not _report_own(inner) else None


def _keep(source: Path, target: Path) -> None:
    """Put the file ``source`` at ``target`` too: a second name for the same file where the file system allows (the
    file is in both folders until the old one is removed, never in neither, and a large one is not copied), else
    a copy; a symbolic link as a link."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def check_json(json_path: str | Path | None, out: str | Path, *, flag: str = "--json", out_flag: str = "--out",
               data: str | Path | None = None) -> None:
    """Refuse, before any work starts, a --json file that cannot be written (or that the report writes, or ``data``,
    the CSV file the report reads). ``flag`` and ``out_flag``: how the messages name the two (``"json_path"`` and
    ``"out"`` to a Python caller)."""
    if json_path is None:
        return
    if os.path.abspath(json_path) == os.path.abspath(out):
        raise ValueError(f"{flag} {str(json_path)!r} is the report's directory ({out_flag}); give a file name, such as "
                         "runs.json")
    inner = _inside(json_path, out)
    if inner is not None:
        if _report_own(inner):
            raise ValueError(f"{flag} {str(json_path)!r} is a file of the report itself; give another name")
        if inner == kept_inside(data, out):  # (outside the folder, the check of a file not descend's refuses it)
            raise ValueError(f"{flag} {str(json_path)!r} is the CSV file the comparison reads; give another name, "
                             "such as runs.json")
        return
    if str(json_path).strip() == "-":  # the shell's "standard output": a file named - was written silently
        raise ValueError(f"{flag} -: the results are written whole to a file, then moved into place, which standard "
                         "output cannot be; give a file name, such as runs.json (then cat it)")
    if Path(json_path).is_dir():
        raise ValueError(f"{flag} {str(json_path)!r} is a directory; give a file name")
    if Path(json_path).exists() and not Path(json_path).is_file():  # /dev/stdout, a pipe: reading it to see
        # whether it was descend's hung, waiting for the pipe's writer, which is this process
        raise ValueError(f"{flag} {str(json_path)!r} is not a regular file (a device or a pipe): the results are "
                         "written whole to a file, then moved into place; give a file name, such as runs.json")
    if Path(json_path).exists() and not _descend_json(Path(json_path)):  # a data file, a config: never replaced
        raise ValueError(f"{flag} {str(json_path)!r} exists and is not a JSON file of descend's (the runs would "
                         "replace it): give another name")
    saved.writable(Path(json_path), flag)


def _report_own(inner: str) -> bool:
    """Whether ``inner``, a path inside a report's directory (POSIX), is one of the files the report itself writes
    (not the JSON file of ``--json``, which the user names)."""
    return inner.split("/")[0] in (*REPORT_FILES, saved.RECORD, TIMINGS, "figures", "paths.npz", "paths.gif",
                                   "paths.mp4")


def json_inside(directory: str | Path) -> str | None:
    """The JSON file of ``--json`` that the report in ``directory`` holds, as a path inside it (POSIX), or None:
    the one its :data:`~descend.report.saved.RECORD` names or, in a report of an earlier descend, which did not
    name it, the one file it lists that is not the report's own. ``descend report`` writes it again."""
    try:
        record = json.loads((Path(directory) / saved.RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    if "json" in record:
        found = [record["json"]]
    else:
        listed = record.get("files")
        found = [f for f in listed if isinstance(f, str) and not _report_own(f)] if isinstance(listed, list) else []
    if len(found) != 1 or not isinstance(found[0], str):
        return None
    inner = found[0]
    # a name inside the directory, not the directory itself nor one of the report's own files
    if Path(inner).is_absolute() or any(part in ("", ".", "..") for part in inner.split("/")) or _report_own(inner):
        return None
    return inner


def _descend_json(path: Path) -> bool:
    """Whether ``path`` begins as the JSON file of an earlier ``--json`` (``{"descend": ...``): that one is replaced."""
    import re

    try:
        with open(path, "rb") as f:
            head = f.read(256)
    except OSError:
        return False
    return re.match(rb'\s*\{\s*"descend"\s*:', head) is not None


def _inside(path: str | Path | None, out: str | Path) -> str | None:
    """``path`` relative to the directory ``out`` (POSIX), when it lies inside it; else None."""
    if path is None:
        return None
    try:
        inner = Path(os.path.abspath(path)).relative_to(os.path.abspath(out))
    except ValueError:
        return None
    return inner.as_posix() if inner.parts else None


def config_toml(comparison: Any) -> str:
    """The resolved configuration as TOML: ``descend compare --config FILE`` re-runs exactly this comparison."""
    import tomli_w

    data = comparison.config.to_dict()
    return ("# descend compare --config config.toml --out NEW_FOLDER re-runs this comparison\n"
            f"# descend {comparison.version}\n" + tomli_w.dumps(_plain(data)))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    return value


def records(comparison: Any) -> dict[str, Any]:
    """The JSON document: one record per run and one per optimizer, plus the configuration, the winners and the
    selection (which configuration, runs and representative run stand for each optimizer), the model file of each
    optimizer that has one (label → its name in the report's directory), the versions its numbers depend on and,
    for a CSV file, its data's digest."""
    from ..tasks.task import data_digest

    def clean(v: Any) -> Any:
        v = saved.python_value(v)  # pandas' missing integer is null, not the text "<NA>"
        if isinstance(v, float):
            return None if not math.isfinite(v) else v
        if isinstance(v, tuple):
            return list(v)
        if v is None or isinstance(v, (str, int, bool, list, dict)):
            return v
        return str(v)

    runs = [{"run": int(i), **{k: clean(v) for k, v in row.items()}}
            for i, row in saved.whole_steps(comparison.summary).iterrows()]
    optimizers = [{"optimizer": str(i), **{k: clean(v) for k, v in row.items()}}
                  for i, row in comparison.table.iterrows()]
    return {"descend": comparison.version, "task": comparison.task.name, "mode": comparison.config.mode,
            "config": _plain(comparison.config.to_dict()), "interrupted": comparison.interrupted,
            "winners": comparison.winners, "optimizers": optimizers, "runs": runs,
            "selection": selection.to_dict() if (selection := getattr(comparison, "selection", None)) else None,
            "notes": list(dict.fromkeys([*getattr(comparison, "table_notes", []), *getattr(comparison, "notes", [])])),
            "search": _search(comparison, clean), "models": saved.model_names(comparison),
            "versions": comparison.versions,
            **({"data": digest} if (digest := data_digest(comparison.task)) is not None else {})}


def _search(comparison: Any, clean: Any) -> dict[str, Any] | None:
    """Tuned mode's search as the JSON document records it (None in the other modes): how it searched, the
    space of each optimizer, the trial chosen per optimizer and batch size, and every trial."""
    found = getattr(comparison, "search", None)
    if found is None:
        return None
    trials = found.trials if found.trials is not None else []
    return {"text": found.text(), "sampler": found.sampler, "seed": found.seed, "trials_per_optimizer": found.trials_per,
            "cohort": found.cohort, "spaces": dict(found.spaces),
            "chosen": [{"optimizer": label, "batch_size": batch, **{k: clean(v) if not isinstance(v, dict) else
                                                                   {p: clean(x) for p, x in v.items()}
                                                                   for k, v in chosen.items()}}
                       for (label, batch), chosen in found.chosen.items()],
            "trials": [{k: clean(v) for k, v in row.items()} for _, row in trials.iterrows()] if len(trials) else []}


def selection_of(comparison: Any) -> Any:
    """The comparison's :class:`descend.selection.Selection`: what every figure and chart of its report shows
    for each optimizer, as :func:`descend.compare.compare` decided it (never decided again here)."""
    selection = getattr(comparison, "selection", None)
    if selection is None:
        raise ValueError("the comparison carries no selection of the run that stands for each optimizer; build it "
                         "with descend.compare.compare (or give Comparison(selection=descend.selection.select(...)))")
    return selection


def path_labels(selection: Any, summary: Any) -> dict[int, str]:
    """run → how its path is named, for each label's representative run: the label and its lr."""
    out = {}
    for run, label in selection.representatives().items():
        lr = summary.at[run, "lr"] if run in summary.index and "lr" in summary else None
        out[run] = f"{label} (lr {lr:g})" if isinstance(lr, float) and math.isfinite(lr) else str(label)
    return out


def page_title(task: Any, config: Any) -> str:
    """The report's title: the command that compares on its task, as it is typed (``descend compare ellipse``,
    ``descend compare 'x**2 + 10*sin(y)'``, ``descend compare --csv /data/sales.csv --column price``: a file by
    its absolute path), the task's other options left out."""
    import shlex

    from .._names import formula_of

    csv = getattr(config, "csv", None)
    if csv is not None:  # by its absolute path, as config.toml names it: the same page when descend report rebuilds
        csv = os.path.abspath(csv)
        column = getattr(config, "column", None)
        return f"descend compare --csv {shlex.quote(str(csv))}" + (
            f" --column {shlex.quote(str(column))}" if column is not None else "")
    formula = formula_of(task)
    return f"descend compare {shlex.quote(formula) if formula else task.name}"


def budget_text(config: Any) -> str | None:
    """The budget each run of a comparison was given, as its report says it: ``"400 steps"``, ``"50 epochs"``."""
    for count, unit in ((config.steps, "step"), (config.epochs, "epoch")):
        if count is not None:
            return f"{count:,} {unit}{'s' * (count != 1)}"
    return None


def lrs_text(comparison: Any) -> str:
    """The learning rates a comparison's runs used, as its report's card says them in place of the task's range
    (which its default comparison's grid spans): decided by the comparison's configuration, its mode, grid and
    search."""
    config, search = comparison.config, comparison.search
    if config.mode == "tuned":
        return (f"searched log-uniform over {search.ranges()} (tuned mode: each row's rate is its search's best "
                "trial)" if search is not None else "none searched (tuned mode; no optimizer with a learning rate)")
    if config.mode == "defaults" or not config.lr:
        return "each optimizer's own default (defaults mode)"
    return f"{', '.join(f'{lr:g}' for lr in config.lr)} (this comparison's grid, for every optimizer)"


def write_report(comparison: Any, out: str | Path, *, json_path: str | Path | None = None, figures: bool = True,
                 animation: bool = True, svg: bool = False, mp4: bool = False, force: bool = False,
                 command: Mapping[str, float] | None = None, names: Mapping[str, str | None] = PYTHON_NAMES,
                 replacing: str | None = None) -> Path:
    """Write ``comparison`` into ``out``: report.html (self-contained: its figures and animation embedded),
    figures/*.png (and *.svg with ``svg``), paths.gif for 2-D tasks (and paths.mp4 with ``mp4``), summary.csv,
    curves.csv, table.csv, config.toml, the saved
    results ``descend report`` rebuilds it from (comparison.json, paths.npz; see :mod:`descend.report.saved`),
    timings.json (where the time went: :mod:`descend.report.timings`; ``command`` adds the phases before the
    report, e.g. ``{"startup": ..., "task": ..., "training": ...}``), and ``json_path`` if given. Returns
    report.html's path.

    The report is written into a hidden directory next to ``out`` and moved into place once complete, so an
    error, Ctrl-C or a killed process leaves the previous report (or nothing), never half of one. ``out`` is
    checked first (:func:`check_out`): with ``force`` a previous report's files are replaced, and a directory
    holding anything else is refused, but the CSV file the comparison reads, which a report in its folder keeps
    there. ``names``: how messages name ``out``, ``force`` and ``json_path`` (:data:`PYTHON_NAMES`; the command line
    passes :data:`CLI_NAMES`; ``force`` None: :func:`check_out`). ``mp4`` without ``animation`` is refused
    (the video is the animation's); comparison.json records the extra files as written (no SVG without
    ``figures``, no video where no animation is drawn), which ``descend report`` writes again by default.
    ``replacing``: the :func:`descend.report.saved.digest` of the report a rebuild in place replaces (with
    ``force``); a report another command wrote there meanwhile is kept then (:class:`ReportExists`).
    """
    if mp4 and not animation:  # nothing would be written, and the report would say it was
        raise ValueError("mp4=True writes the animation of the paths as a video, and animation=False writes no "
                         "animation: give one of them")
    timings = Timings()
    timings.command.update(command or {})
    data = getattr(comparison.config, "csv", None)  # a CSV file the report reads from inside its folder: kept there
    out = check_out(out, force=force, flag=names["out"], force_flag=names["force"], data=data)
    # before any drawing (the command line checks it before training, too)
    check_json(json_path, out, flag=names["json"], out_flag=names["out"], data=data)
    inner, kept = _inside(json_path, out), kept_inside(data, out)
    pending = None
    if json_path is not None and inner is None:  # first, aside: a file that cannot be written (a full disk) leaves
        # the report as it was, and it is put in place only with the report (a report that fails leaves it too)
        target = Path(json_path)
        pending = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            saved.write_text(pending, json.dumps(records(comparison), indent=1))
        except OSError as e:
            pending.unlink(missing_ok=True)
            raise ValueError(f"{names['json']} {str(json_path)!r}: {e.strerror or e}") from None
    try:
        def recheck() -> None:  # once drawn (seconds later): a report another command wrote meanwhile is kept
            check_out(out, force=force, flag=names["out"], force_flag=names["force"], data=data)
            if replacing is not None and saved.digest(out) != replacing:
                raise ReportExists(f"{names['out']} {str(out)!r}: another command wrote a report there while this "
                                   "one was drawn; it is kept")

        with saved.staged(out, recheck=recheck) as staging:
            _write(comparison, staging, json_name=inner, figures=figures, animation=animation, svg=svg, mp4=mp4,
                   timings=timings, home=out)
            if kept is not None and (out / kept).is_file():  # the report's data, not its file: in the new folder too,
                _keep(out / kept, staging / kept)  # unlisted (finish is done), so that --force never removes it
    except BaseException:
        if pending is not None:
            pending.unlink(missing_ok=True)
        raise
    if pending is not None:
        os.replace(pending, json_path)
    return out / "report.html"


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    """torch on one thread while a report evaluates a surface on its grids: operations too small for a second
    thread to pay (ellipse's grids: 2.4 s on two threads, 0.9 s on one), while the second core draws figures.
    The numbers are the same: each grid point is computed by one thread either way."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


#: How long each drawing takes, roughly, relative to the others (measured: the gradient norms and the batch
#: sizes' panels about 2.5 times a loss figure): the order in which they are handed out.
COST = {"grad-norms": 5, "batch-regimes": 5, "paths": 4, "lr-sensitivity": 3, "landscape": 3, "parameter-steps": 3,
        "lr-batch": 2, "fitted-model": 1, "loss-step": 1, "loss-epoch": 1}

#: Points along x at which a one-feature regression's fitted models are drawn.
FIT_POINTS = 400


def fitted_models(task: Any, paths: Mapping[int, Any], representatives: Mapping[int, str],
                  status: Mapping[int, str]) -> dict[str, Any] | None:
    """What the "data and fitted model" figure draws for a regression on one feature whose runs recorded their
    paths (the line, the ellipse): the training samples, each label's model along x at the parameters its
    representative run ended with (``representatives``: run → label, the selection's), the known answer's, and
    a word for a representative that does not count, and the task's :class:`~descend.tasks.Scene` (or None); None
    for any other task."""
    import torch

    from .. import outcomes

    data = getattr(task, "data", None)
    train = getattr(data, "train", None)
    x = getattr(train, "x", None)
    if x is None or getattr(task, "kind", None) != "regression" or x.ndim != 2 or x.shape[1] != 1 or len(x) < 2:
        return None
    model, names = task.model, tuple(task.model.names)
    # a path holds one number per parameter: each parameter one number, of its own shape (Linear(1, 1)'s weight is
    # [1, 1]; [1] failed the model's check, and the report with it)
    shapes = tuple(model.shapes()) if callable(getattr(model, "shapes", None)) else tuple(() for _ in names)
    if len(shapes) != len(names) or any(math.prod(shape) != 1 for shape in shapes):
        return None
    runs = [run for run in representatives if run in paths and np.shape(paths[run])[-1] == len(names)]
    if not runs:
        return None
    grid = torch.linspace(float(x.min()), float(x.max()), FIT_POINTS, dtype=torch.float64).unsqueeze(1)

    def along(point: Any) -> Any:
        params = tuple(torch.tensor(float(v), dtype=torch.float64).reshape(1, *shape)
                       for v, shape in zip(point, shapes))
        with torch.no_grad():
            return model.forward(params, grid, logits=True).reshape(-1).numpy()

    xs = grid.reshape(-1).numpy()
    fits = {representatives[run]: (xs, along(np.asarray(paths[run])[-1])) for run in runs}
    notes = {representatives[run]: outcomes.STATUSES.get(status.get(run, outcomes.OK), status.get(run))
             for run in runs if status.get(run, outcomes.OK) != outcomes.OK}
    known = getattr(task, "known", None)
    truth = None
    if known is not None and known.points and all(n in known.points[0] for n in names):
        truth = (xs, along([known.points[0][n] for n in names]))
    return {"data": (x.reshape(-1).double().numpy(), train.y.reshape(-1).double().numpy()), "fits": fits,
            "truth": truth, "notes": notes, "scene": getattr(task, "scene", None)}


#: The contour grids' resolutions: the landscape figure's and the animation's (their functions' defaults).
LANDSCAPE_GRID, ANIMATION_GRID = 150, 120


def holding_paths(surface: Any, paths: Mapping[int, Any], status: Mapping[int, str]) -> Any:
    """``surface`` over a domain that holds every finished path whole (the ellipse's momentum can end at the mirror
    answer −A, beyond the task's domain: a stub on the map; ``x + y**2`` walks off any box); a diverged one ends
    where it may. The map of a report and of ``descend landscape`` alike."""
    from .. import outcomes

    if not paths or not hasattr(surface, "holding"):
        return surface
    ends = [_last_finite(path) for k, path in paths.items() if status.get(k) == outcomes.OK]
    return surface.holding([end for end in ends if end is not None])


def _last_finite(path: Any) -> Any:
    """A path's last point whose coordinates are all finite (a run that stopped records NaN after); None if none."""
    points = np.asarray(path, dtype=np.float64)
    finite = np.flatnonzero(np.isfinite(points).all(axis=1)) if points.ndim == 2 else []
    return points[finite[-1]] if len(finite) else None


def surface_grids(animation: bool = True) -> tuple[int, ...]:
    """The grids a report evaluates a two-parameter task's surface on: the landscape figure's, the animation's
    (when drawn) and the page's contour."""
    from .html import SURFACE_GRID

    return (LANDSCAPE_GRID, *((ANIMATION_GRID,) if animation else ()), SURFACE_GRID)


def prefetch_surface(task: Any, *, animation: bool = True) -> None:
    """Start evaluating ``task``'s surface on the report's grids (:func:`surface_grids`) in a background thread,
    while it trains: a small training leaves the second core idle, and the report then finds them made."""
    surface = getattr(task, "surface", None)
    if surface is not None and hasattr(surface, "prefetch"):
        surface.prefetch(surface_grids(animation))


def _write(comparison: Any, out: Path, *, json_name: str | None, figures: bool, animation: bool, svg: bool,
           mp4: bool, timings: Timings, home: Path | None = None) -> None:
    """Every file of the report, into the (new, empty) directory ``out`` (``home``: the folder it is moved to once
    written, :func:`descend.report.saved.save`).

    The figures and the animation are drawn by :mod:`descend.report.render`'s jobs (in worker processes when
    there are cores to spare) while this process writes the results and prepares the HTML page; the page is
    finished once they are drawn. ``timings`` records each phase (:mod:`descend.report.timings`)."""
    from .._interrupts import interrupt_after
    from ..compare import mode_text
    from ..selection import statuses

    # whole imports, a Ctrl-C (or kill, timeout) held back until they are done: matplotlib's import cut short
    # (its first one in this process, for a task without a surface) left it half made, and the report written
    # without figures after the interrupt failed on it ("module 'matplotlib' has no attribute 'get_data_path'")
    with interrupt_after():
        from . import render
        from .colours import styles
        from .html import prepare_html, search_objective, search_runs

    task, config = comparison.task, comparison.config
    skipped: list[str] = []  # figures whose data could not be computed: said in the page's notes
    mode = mode_text(config)  # with tuned mode's search: its sampler and trials per optimizer
    title = f"{task.title} — {mode}"
    summary, curves = comparison.summary, comparison.curves
    final = summary[summary["phase"] == "final"] if "phase" in summary else summary
    # tuned mode: each optimizer at its one chosen rate; the learning-rate figures draw its search instead
    found = getattr(comparison, "search", None)
    searched_runs = search_runs(found.trials, found.objective) if found is not None else None
    surface = task.surface
    # what each optimizer is shown at, decided once by compare(), and its one colour in every figure
    selection = selection_of(comparison)
    looks = styles(selection.optimizers())  # each optimizer's colour and marker shape: one for every figure
    colours = {label: look.colour for label, look in looks.items()}
    markers = {label: look.marker for label, look in looks.items()}
    status = statuses(summary).to_dict()
    # on the landscape, one path per optimizer: its representative run in the selection, in its order (the
    # legends' order in every figure)
    shown = path_labels(selection, summary)
    paths = {k: comparison.paths[k] for k in shown if k in comparison.paths} if surface is not None else {}
    named = {k: shown[k] for k in paths}
    surface = holding_paths(surface, paths, status)
    path_colours = {named[k]: colours[selection.representatives()[k]] for k in paths}
    path_markers = {named[k]: markers[selection.representatives()[k]] for k in paths}
    # a one-parameter task: its parameter after each step, every run of the final comparison
    single = {k: v for k, v in comparison.paths.items() if k in final.index and np.ndim(v) == 2 and np.shape(v)[1] == 1}
    parameter = str(getattr(task.model, "names", ("w",))[0]) if single else "w"
    known = ([float(point[parameter]) for point in task.known.points if parameter in point]
             if single and task.known is not None else [])

    # the drawings, in the order the page lists them: (job, caption); the surface's only once it is evaluated
    drawings: list[tuple[render.Job, str]] = []
    on_surface: list[tuple[render.Job, str]] = []
    if figures and len(final):
        final_curves = curves[curves["run"].isin(final.index)]
        best = summary.loc[selection.runs()]
        best_curves = curves[curves["run"].isin(best.index)]
        drawn = {
            "loss-step": ("Loss against step: each optimizer's reported configuration (median and inter-quartile "
                          "band over seeds)", "loss_curves", (best, best_curves),
                          dict(x="step", title=title, colours=colours, markers=markers)),
            "loss-epoch": ("Loss against epoch", "loss_curves", (best, best_curves),
                           dict(x="epoch", title=title, colours=colours, markers=markers)),
            "lr-sensitivity": ("Learning-rate sensitivity (× = diverged)", "lr_sensitivity", (summary,),
                               dict(title=title, colours=colours, markers=markers,
                                    metric=selection.chosen_on(summary)))
                              if searched_runs is None else
                              ("Learning-rate sensitivity of the search (× = diverged)", "lr_sensitivity",
                               (searched_runs,),
                               dict(title=title, colours=colours, markers=markers,
                                    metric=search_objective(searched_runs))),
            "lr-batch": ("Learning rate × batch size", "lr_batch_heatmap", (final,),
                         dict(title=title, metric=selection.chosen_on(final))),
            "batch-regimes": ("GD, SGD, mini-batch and hybrid batch sizes", "batch_regimes",
                              (final, final_curves, selection), dict(title=title)),
            "grad-norms": ("Gradient norm per parameter tensor", "grad_norms", (final, final_curves, selection),
                           dict(title=title, colours=colours)),
        }
        try:  # what the figure draws, computed here: an error in it leaves the figure out, as one in its drawing does
            fitted = fitted_models(task, comparison.paths, selection.representatives(), status)
        except Exception as e:  # noqa: BLE001 - the report without one figure, not no report (it said "not written")
            fitted = None
            skipped.append(f"figure fitted-model skipped: {type(e).__name__}: {e}")
            warnings.warn(f"figure fitted-model is not in the report: {type(e).__name__}: {e}", DrawingFailed,
                          stacklevel=2)
        if fitted is not None:
            drawn["fitted-model"] = ("The training data and each optimizer's fitted model", "fitted_model",
                                     (fitted["data"], fitted["fits"]),
                                     dict(truth=fitted["truth"], notes=fitted["notes"], scene=fitted["scene"],
                                          title=title, colours=colours, markers=markers))
        if single:
            drawn["parameter-steps"] = (f"{parameter} after each step", "parameter_steps", (final, single),
                                        dict(name=parameter, known=known, title=title, colours=colours))
        if final["batch_size"].nunique() < 2:
            drawn.pop("batch-regimes")
        if searched_runs is not None:  # a grid of rates, each at every batch size: a tuned one's are its own
            drawn.pop("lr-batch")
        if "lr" not in summary or summary["lr"].nunique() < 2:  # random search alone has no learning rate
            drawn.pop("lr-sensitivity")
        formats = ("png", "svg") if svg else ("png",)  # the page shows the PNGs; SVGs only when asked
        for stem, (caption, function, args, kwargs) in drawn.items():
            drawings.append((render.Job(stem, function, args, kwargs, formats=formats), caption))
        if surface is not None and paths:
            on_surface.append((render.Job("landscape", "landscape", (None, paths, named),
                                          dict(title=title, status=status, colours=path_colours,
                                               markers=path_markers, n=LANDSCAPE_GRID), formats=formats),
                               "The cost surface with every optimizer's path"))
    animated = bool(figures and len(final) and animation and surface is not None and paths)
    if animated:
        on_surface.append((render.Job("paths", "animate_files", (None, paths, named),
                                      dict(title=title, max_frames=40, dpi=80, status=status, colours=path_colours,
                                           markers=path_markers, n=ANIMATION_GRID),
                                      files=("paths.gif", "paths.mp4") if mp4 else ("paths.gif",)),
                           "Animation of the paths" + (" (also paths.mp4)" if mp4 else "")))

    if figures and len(final):
        (out / "figures").mkdir(exist_ok=True)
    notes = list(comparison.notes) + skipped
    results: dict[str, render.Done] = {}
    timings.workers = render.workers(len(drawings) + len(on_surface))
    with render.Drawing(out, timings.workers) as drawing:
        started = time.perf_counter()
        # the longest first: the workers take them in this order, and this process takes the shortest left once
        # its own work is done, so that all end together (the page keeps its order)
        for job, _ in sorted(drawings, key=lambda item: -COST.get(item[0].name, 1)):
            drawing.submit(job)
        if on_surface:
            with timings("surface"):
                from .figures.grid import Evaluated

                try:
                    with _one_torch_thread():
                        evaluated = Evaluated(surface, [job.kwargs["n"] for job, _ in on_surface], paths)
                except ValueError as e:  # the surface cannot be drawn: the figure and animation say why
                    results.update({job.name: render.Done(job.name, False, str(e), {}) for job, _ in on_surface})
                    on_surface = [(job, caption) for job, caption in on_surface if job.name not in results]
                else:
                    for job, _ in on_surface:
                        job.args = (evaluated, *job.args[1:])
                        drawing.submit(job)
        with timings("results"):
            # what was written: the SVGs are the figures', the video the animation's
            saved.save(comparison, out, drawn={"figures": figures, "animation": animation, "svg": figures and svg,
                                               "mp4": mp4 and animated}, json_name=json_name, home=home)
            toml_text = config_toml(comparison)
            (out / "config.toml").write_text(toml_text, encoding="utf-8")
            if json_name is not None:
                (out / json_name).parent.mkdir(parents=True, exist_ok=True)
                (out / json_name).write_text(json.dumps(records(comparison), indent=1), encoding="utf-8")
        with timings("html charts"):
            intro = task.card(lrs=lrs_text(comparison))
            with _one_torch_thread():  # the HTML's own grid of the surface
                page = prepare_html(title=page_title(task, config), table=comparison.table,
                                    winners=comparison.winners, intro=intro, summary=final, curves=curves,
                                    config_text=toml_text, version=comparison.version, mode=mode,
                                    surface=surface, paths=paths or None, labels=named, selection=selection,
                                    colours=colours, markers=markers, budget=budget_text(config),
                                    table_notes=list(getattr(comparison, "table_notes", [])),
                                    search_runs=searched_runs, versions=comparison.versions)
        with timings("waiting for the drawings"):
            results.update({done.name: done for done in drawing.results()})
        timings.phases["drawings"] = time.perf_counter() - started
    images: dict[str, str] = {}
    for job, caption in drawings + on_surface:
        done = results[job.name]
        timings.drawn(job.name, done.times, animation=bool(job.files))
        if done.skipped is not None:
            notes.append(f"animation skipped: {done.skipped}" if job.files else
                         f"figure {job.name} skipped: {done.skipped}")
            if done.failed:  # not a figure with nothing to draw: an error, said where the report is asked for too
                warnings.warn(f"{'the animation' if job.files else f'figure {job.name}'} is not in the report: "
                              f"{done.skipped}", DrawingFailed, stacklevel=2)
        elif done.drawn:
            images[caption] = job.files[0] if job.files else f"figures/{job.name}.png"
    seeds = config.seeds
    if selection.one_seed and _seeds_run(final) == 1:  # every configuration ran one: none had seeds to differ
        seeds, one_seed = 1, f" (not {config.seeds}: seeds cannot differ here, see under the table)"
    else:
        one_seed = " (one where seeds cannot differ: see under the table)" if selection.one_seed else ""
    # the runs the header's budget counts (the final comparison's), and apart from them a search's trials
    searched = len(found.trials) if found is not None and found.trials is not None else len(summary) - len(final)
    search = f" (and {searched} trial{'s' * (searched != 1)} of the learning-rate search)" if searched else ""
    notes.append(f"{len(final)} run{'s' * (len(final) != 1)}{search} in {comparison.seconds:.1f} s; mode "
                 f"{mode}; {seeds} seed{'s' * (seeds != 1)} per configuration{one_seed}")
    if found is not None:  # how tuned mode chose what each row reports
        notes.append(f"how each learning rate was chosen: {found.text()}")
    models = saved.model_names(comparison)
    if models:
        notes.append(f"trained models: {', '.join(models.values())}, each optimizer's representative run, beside this "
                     "page (descend predict MODEL NEW_ROWS.csv predicts new rows)")
    with timings("html"):
        page.write(out / "report.html", images=images, notes=notes)
    timings.write(out)
    saved.finish(out)


def _seeds_run(final: Any) -> int:
    """The most seeds any configuration of the final comparison ran (0 for none)."""
    keys = [c for c in ("label", "lr", "batch_size") if c in final]
    if "seed" not in final or not keys or not len(final):
        return 0
    return int(final.astype({k: str for k in keys}).groupby(keys)["seed"].nunique().max())
