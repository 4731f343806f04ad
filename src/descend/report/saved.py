"""A report directory's saved results, and writing a report so that a crash never leaves half of one.

A report directory holds, besides report.html, figures/ and the animation, everything ``descend report DIR``
needs to rebuild them without training again:

- ``config.toml``: the resolved configuration (the task is rebuilt from it);
- ``summary.csv`` (one row per run), ``table.csv`` (one row per optimizer), ``curves.csv``;
- ``comparison.json``: the comparison's own record: the summary and table with their exact types, the
  curves' column types, the winners, notes, interruption, time, version, the selection of the runs that
  stand for each optimizer (when the comparison made one), tuned mode's search (its settings, the trial
  chosen per optimizer and batch size, every trial), what the report drew, ``json``, the JSON file of
  ``--json`` written inside the report (or null; ``descend report`` writes it again), for a CSV file's task
  ``data``, a digest of its numbers, and ``csv_from_report``, the path from the report's folder to the file (where
  a rebuild looks for it, :func:`csv_places`), ``facts``, what ``descend compare`` said of the data (which
  ``descend show`` says again), and ``files``, the list of every file the report wrote (what ``--force`` removes,
  and nothing else: a CSV file the report reads from inside its folder is not one of them, and is kept);
- ``paths.npz``: each run's path, for tasks with two parameters;
- ``model-<label>.pt``: each optimizer label's representative run's trained model (a :class:`descend.Predictor`,
  which ``descend predict`` reads), where the task's model is one a file keeps; comparison.json's ``models`` maps
  each label to its file.

:func:`staged` writes a report into a hidden temporary directory next to its destination and moves it into
place only once it is complete, so a process killed while writing leaves the previous report or nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import socket
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .._files import TUNE_MARKER, entries  # noqa: F401  (a tune folder's marker; read here, named there)
from .._files import read_csv_exact, write_text  # noqa: F401  (the report writes its files with write_text)
from ..outcomes import STEP_COLUMNS, whole_steps  # noqa: F401  (decided there: a search's tables write them too)
from .._interrupts import interrupt_after
from ..catalog import FORMER_COLUMNS

#: How a message names the output directory the command chose, --out not given (reports/TASK): the user is
#: not told an option they did not give is wrong, and learns the one that changes it.
DEFAULT_OUT = "the default --out"

#: The record of a report: its saved results and the list of its files.
RECORD = "comparison.json"
#: Format of :data:`RECORD` (raised when what it holds changes incompatibly).
FORMAT = 1
#: What a report written before :data:`RECORD` existed holds (read as its files by :func:`report_files`).
OLD_FILES = ("report.html", "summary.csv", "curves.csv", "table.csv", "config.toml", "paths.gif", "paths.mp4")
#: Comparison fields saved and read back by the rebuild in their own way (the rest, if JSON-ready, as they are).
_OWN = ("config", "task", "summary", "curves", "table", "paths", "selection", "models", "saved_from",
        "models_recorded")


# -- which files are a report's ---------------------------------------------------------------------------------


def report_files(directory: Path) -> set[str] | None:
    """The files under ``directory`` that its report wrote (relative POSIX paths), or None when it holds no
    report. A report lists its files in :data:`RECORD`; an older one is recognised by its files' names."""
    directory = Path(directory)
    record = directory / RECORD
    if record.is_file():
        try:
            listed = json.loads(record.read_text(encoding="utf-8"))["files"]
        except (OSError, ValueError, KeyError, TypeError):
            listed = None
        if isinstance(listed, list) and all(isinstance(f, str) for f in listed):
            return set(listed) | {RECORD}
    present = set(entries(directory)) if directory.is_dir() else set()
    if not any(name in present for name in ("report.html", "summary.csv", "table.csv")):
        return None  # a lone config.toml is the user's, not a report
    return {f for f in present if f in OLD_FILES or (f.startswith("figures/") and f.endswith((".png", ".svg")))
            or f == "figures/"}


# -- writing a report in one move -----------------------------------------------------------------------------


def writable(out: Path, what: str = "--out") -> None:
    """Raise a one-line ValueError unless a directory ``out`` can be created (or replaced): its parent, or
    the nearest existing ancestor, must be a directory this process can write into."""
    ancestor = Path(os.path.abspath(out)).parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ValueError(f"{what} {str(out)!r} cannot be written: {str(ancestor)!r} is a file, not a directory")
    try:  # the longest name the report's writing gives a folder there (staged's, with its 8 random characters)
        probe = tempfile.mkdtemp(dir=ancestor, prefix=_partial_prefix(Path(out)))
        os.rmdir(probe)
    except OSError as e:
        raise ValueError(f"{what} {str(out)!r} cannot be written: {e.strerror or e} in {str(ancestor)!r}") from None


def writable_into(out: Path, what: str = "--out") -> None:
    """Raise a one-line ValueError unless files can be written into the directory ``out``: an existing one this
    process can write into, or one it can create (:func:`writable`)."""
    if not Path(out).is_dir():
        writable(out, what)
        return
    try:
        os.rmdir(tempfile.mkdtemp(dir=out, prefix=".descend-probe-"))
    except OSError as e:
        raise ValueError(f"{what} {str(out)!r} cannot be written: {e.strerror or e}") from None


@contextlib.contextmanager
def staged(out: Path, recheck: Callable[[], Any] | None = None) -> Iterator[Path]:
    """A new hidden directory next to ``out`` to write a report into; when the block ends without an error
    it replaces ``out`` (a previous report is moved aside, the new one moved in, the old one removed),
    otherwise it is removed and ``out`` is untouched. ``recheck``, called just before ``out`` is replaced,
    refuses (by raising) what was written to ``out`` while the report was drawn: another command's report. A
    process killed meanwhile leaves ``out`` as it was
    (or, killed between the two moves, no ``out``), never a half-written report; its leftovers are hidden
    (``.NAME.partial-PID-...``) and removed by the next report written next to them."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _sweep(out)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=_partial_prefix(out)))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(staging, 0o777 & ~umask)  # mkdtemp makes it private; a report directory is like any other
    try:
        yield staging
        # the swap whole, whenever Ctrl-C comes: once the new report is in place the command has written it (a
        # Ctrl-C between the two moves left no report at all, one while the old was removed a new report said to
        # be "as it was"); after the swap the Ctrl-C is spent
        with interrupt_after(act=False):
            if recheck is not None:
                recheck()
            if out.exists():
                old = out.parent / f".{out.name}.old-{os.getpid()}-{_here()}-{uuid.uuid4().hex[:8]}"
                os.rename(out, old)
                try:
                    os.rename(staging, out)
                except OSError:
                    os.rename(old, out)
                    raise
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


#: How old a leftover of another machine's or container's writer must be to be swept (its process cannot be seen).
STALE_SECONDS = 3600


def _partial_prefix(out: Path) -> str:
    return f".{out.name}.partial-{os.getpid()}-{_here()}-"


def _here() -> str:
    """This machine and its process namespace, in 8 hexadecimal digits: a writer's process number means something
    only where it was given (another container's, or another machine's on a shared folder, looks gone)."""
    try:
        namespace = os.readlink("/proc/self/ns/pid")
    except OSError:
        namespace = ""
    return hashlib.sha256(f"{socket.gethostname()}\0{namespace}".encode()).hexdigest()[:8]


def _sweep(out: Path) -> None:
    """Remove what killed writers of ``out`` left next to it: a leftover of a process of this machine and namespace
    that is gone, or one written elsewhere (another container, another machine sharing the folder) or by an
    earlier descend (no namespace in its name) untouched for :data:`STALE_SECONDS`: there a writer still at work
    looked gone, and its report was removed under it."""
    here = _here()
    for left in out.parent.iterdir():
        for prefix in (f".{out.name}.partial-", f".{out.name}.old-"):
            if left.name.startswith(prefix) and left.is_dir() and not left.is_symlink():
                parts = left.name[len(prefix):].split("-")
                pid, where = parts[0], parts[1] if len(parts) > 2 else None
                if not pid.isdigit():
                    continue
                if where == here:
                    gone = not _alive(int(pid))
                else:
                    try:
                        gone = time.time() - left.stat().st_mtime > STALE_SECONDS
                    except OSError:
                        continue
                if gone:
                    shutil.rmtree(left, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- saving and reading the results -----------------------------------------------------------------------------


def python_value(value: Any) -> Any:
    """One value of a table as Python's own, as every JSON file of descend writes it: a numpy scalar as its
    Python value, pandas' missing values (``pd.NA``, of a nullable integer column such as a search's
    ``retry_of``, and ``pd.NaT``) as None, anything else as it is. What a non-finite float becomes is the
    caller's to say (null in ``--json``, read back exactly from comparison.json)."""
    import pandas as pd

    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _cell(value: Any) -> Any:
    """One value as JSON (:func:`python_value`), non-finite floats as {"float": "nan"}."""
    value = python_value(value)
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_cell(v) for v in value]
    return str(value)


def _uncell(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"float"}:
        return float(value["float"])
    return value


def frame_to_json(frame: Any) -> dict[str, Any]:
    """A DataFrame as JSON that :func:`frame_from_json` reads back equal: values, types, index and its name."""
    return {"index": {"name": frame.index.name, "dtype": str(frame.index.dtype),
                      "values": [_cell(v) for v in frame.index]},
            "columns": [{"name": column, "dtype": str(frame[column].dtype),
                         "values": [_cell(v) for v in frame[column].tolist()]} for column in frame.columns]}


def frame_from_json(data: dict[str, Any]) -> Any:
    import pandas as pd

    index = pd.Index([_uncell(v) for v in data["index"]["values"]], dtype=object, name=data["index"]["name"])
    index = _as(index, data["index"]["dtype"])
    columns = {c["name"]: _as(pd.Series([_uncell(v) for v in c["values"]], dtype=object, index=index), c["dtype"])
               for c in data["columns"]}
    return pd.DataFrame(columns, index=index)


def _as(values: Any, dtype: str) -> Any:
    """``values`` as the recorded ``dtype``. pandas 3 records text as ``"str"``, whose missing values are missing;
    pandas 2 reads ``astype("str")`` as Python's str, which writes a missing value as the text "nan" (150 cells of
    a report rebuilt under pandas 2): there the text stays text and a missing value stays missing."""
    missing = values.isna()
    if dtype == "str" and missing.any():
        converted = values.astype(dtype)
        return converted if converted[missing].isna().all() else values.where(missing, converted)
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):  # a type this pandas does not know: keep the values
        return values


#: Rows of a table written at a time (:func:`write_csv`): the text of a chunk, not of the whole table, is in memory.
CSV_ROWS = 200_000


def write_csv(frame: Any, path: Path) -> None:
    """Write ``frame.to_csv(index=False)``'s text to ``path``, :data:`CSV_ROWS` rows at a time (:func:`csv_text`):
    a comparison's curves of 100 runs × 30,000 steps (3 million rows, 1.1 GB as a table) took another 2 GB as one
    text and the report was lost to a MemoryError after its training; a chunk's text is about 60 MB."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        for start in range(0, max(len(frame), 1), CSV_ROWS):
            f.write(csv_text(frame.iloc[start:start + CSV_ROWS], header=start == 0))


def csv_text(frame: Any, header: bool = True) -> str:
    """``frame.to_csv(index=False)``, the same text, written faster where every column is one pandas writes as
    Python does: int64, bool, float64 (``repr``; NaN as nothing) and strings without a comma, quote or line
    break (a missing one as nothing). Any other column, and the text is pandas' own. A comparison's curves are
    such a table, up to 350,000 rows (the vanishing task's per-layer gradient norms): 1.3 s in pandas, 0.5-0.6
    here. Each distinct value is written once and the rows take its text (a float by its bits, so that -0.0
    stays -0.0). ``header=False`` leaves out the line of column names (a later chunk's, :func:`write_csv`)."""
    import numpy as np
    import pandas as pd

    columns = []
    for name in frame.columns:
        values = frame[name]
        kind = values.dtype.kind
        if kind == "i" and values.dtype.itemsize == 8 or kind == "b":
            codes, distinct = pd.factorize(values.to_numpy())
            texts = [str(v) for v in distinct.tolist()]
        elif kind == "f" and values.dtype.itemsize == 8:
            codes, bits = pd.factorize(values.to_numpy().view(np.int64))
            texts = ["" if v != v else repr(v) for v in np.asarray(bits).view(np.float64).tolist()]
        elif pd.api.types.is_string_dtype(values.dtype):
            codes, distinct = pd.factorize(values, use_na_sentinel=True)  # missing: -1
            texts = list(distinct)
            if not all(isinstance(t, str) for t in texts) or any(
                    "," in t or '"' in t or "\n" in t or "\r" in t for t in texts):
                return frame.to_csv(index=False, header=header)
        else:
            return frame.to_csv(index=False, header=header)
        # code -1 (missing) takes the last text, ""
        columns.append(np.array(texts + [""], dtype=object)[codes].tolist())
    if any("," in str(n) or '"' in str(n) or "\n" in str(n) for n in frame.columns):
        return frame.to_csv(index=False, header=header)
    lines = [",".join(str(n) for n in frame.columns)] if header else []
    lines += [",".join(row) for row in zip(*columns)]
    return "\n".join(lines) + "\n" if lines else ""


def save(comparison: Any, directory: Path, *, drawn: dict[str, bool], json_name: str | None = None,
         home: Path | None = None) -> None:
    """Write the results that :func:`load` needs into ``directory`` (CSV files, paths.npz, comparison.json
    without its list of files: :func:`finish` adds it). ``json_name``: the JSON file of ``--json`` that the
    report holds (its path inside ``directory``), which comparison.json names so that a rebuild writes it again.
    ``home``: the report's folder once in place (``directory`` is written aside, :func:`staged`), from which the path
    to a CSV file is recorded (:func:`csv_from_report`)."""
    import dataclasses

    directory = Path(directory)
    whole_steps(comparison.summary).to_csv(directory / "summary.csv")
    write_csv(comparison.curves, directory / "curves.csv")
    comparison.table.to_csv(directory / "table.csv")
    if comparison.paths:
        np.savez_compressed(directory / "paths.npz", **{f"run{int(k)}": np.asarray(v, dtype=np.float64)
                                                        for k, v in comparison.paths.items()})
    models = model_names(comparison)
    source = getattr(comparison, "saved_from", None)  # a rebuild: each model file copied as it is
    for label, name in models.items():
        if source is not None and (Path(source) / name).is_file():
            shutil.copyfile(Path(source) / name, directory / name)
        else:
            comparison.models[label].save(directory / name)
    from ..tasks.task import data_digest, said_facts

    record: dict[str, Any] = {"format": FORMAT, "descend": comparison.version, "task": comparison.task.name,
                              "drawn": drawn, "json": json_name, "config": _settings(comparison.config),
                              "versions": comparison.versions,
                              # what descend compare said of the data after its table (rows dropped, the baseline)
                              "facts": said_facts(getattr(comparison.task, "facts", ()))}
    if (digest := data_digest(comparison.task)) is not None:  # a CSV file's numbers, checked by a rebuild
        record["data"] = digest
        if home is not None and (relative := csv_from_report(comparison.config, home)) is not None:
            record["csv_from_report"] = relative  # found from the folder's new place when the two moved together
    fields = {}
    for f in dataclasses.fields(comparison):
        if f.name in _OWN or f.name == "versions":  # the record's own "versions"
            continue
        value = getattr(comparison, f.name)
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            continue
        fields[f.name] = value
    record["fields"] = fields
    from ..compare import WINNERS_RULE

    record["winners_rule"] = WINNERS_RULE  # how its winners were decided: a later rule decides them again
    selection = getattr(comparison, "selection", None)
    if selection is not None and hasattr(selection, "to_dict"):
        record["selection"] = selection.to_dict()
    search = getattr(comparison, "search", None)  # tuned mode's: the report names it
    if search is not None:
        record["search"] = {**search.to_dict(), "trials": frame_to_json(search.trials)}
    record["summary"] = frame_to_json(comparison.summary)
    record["table"] = frame_to_json(comparison.table)
    record["curves"] = {str(c): str(t) for c, t in comparison.curves.dtypes.items()}
    record["curves_rows"] = len(comparison.curves)  # a curves.csv cut short is told from a whole one
    if getattr(comparison, "models_recorded", True):  # (a rebuilt report of an earlier descend kept none: not said)
        record["models"] = models
    (directory / RECORD).write_text(json.dumps(record, indent=1), encoding="utf-8")


def model_names(comparison: Any) -> dict[str, str]:
    """label → the file name of its model (decided where the comparison kept it: its record's
    ``about["comparison"]["file"]``)."""
    return {label: model.about["comparison"]["file"] for label, model in (getattr(comparison, "models", None)
                                                                          or {}).items()}


def _settings(config: Any) -> Any:
    """The configuration as comparison.json keeps it (what config.toml held when the report was written)."""
    return json.loads(json.dumps(config.to_dict()))


def finish(directory: Path) -> None:
    """Add the list of every file under ``directory`` to its :data:`RECORD` (the report is complete)."""
    path = Path(directory) / RECORD
    record = json.loads(path.read_text(encoding="utf-8"))
    record["files"] = [f for f in entries(Path(directory)) if f != RECORD]
    path.write_text(json.dumps(record, indent=1), encoding="utf-8")


def _data_digest(task: Any) -> str:
    from ..tasks.task import data_digest

    return data_digest(task)


def csv_places(csv: Any, directory: Path, record: Mapping[str, Any]) -> list[Path]:
    """Where a CSV file's comparison may find its file ``csv`` (config.toml's), in the order tried: the path
    config.toml gives, a relative one from config.toml's own folder (as ``descend compare --config`` reads it); the
    path from the report's folder to the file when the report was written (:data:`RECORD`'s ``csv_from_report``),
    from the folder's place now: a project folder copied whole, its data and reports together; the file of the same
    name in the report's folder or beside it, where a folder moved or e-mailed with its data has it. Each once; none
    for a ``csv`` that is not a path."""
    if not isinstance(csv, str) or not csv.strip():
        return []
    directory = Path(directory)
    given = Path(csv).expanduser()
    places = [given if given.is_absolute() else directory / given]
    relative = record.get("csv_from_report")
    if isinstance(relative, str) and relative.strip() and not Path(relative).is_absolute():  # (none: an earlier one)
        places.append(directory / relative)
    places += [directory / given.name, directory.parent / given.name]
    found: dict[str, Path] = {}
    for place in places:
        found.setdefault(os.path.abspath(place), Path(os.path.normpath(place)))
    return list(found.values())


def csv_from_report(config: Any, home: Path) -> str | None:
    """The path from the report's folder ``home`` to the CSV file ``config`` reads (POSIX, relative; None for a task
    of no file, or one on another drive), recorded in :data:`RECORD`: :func:`csv_places` tries it from the folder's
    place when the two were moved together."""
    csv = getattr(config, "csv", None)
    if not isinstance(csv, str) or not csv.strip():
        return None
    try:
        return Path(os.path.relpath(os.path.abspath(os.path.expanduser(csv)), os.path.abspath(home))).as_posix()
    except ValueError:  # another drive (Windows): no relative path
        return None


def unreadable(error: BaseException) -> str:
    """Why a saved file could not be read, in a reader's words: ``config.toml is missing``, ``comparison.json is not
    valid JSON (line 2, column 1)``, rather than "[Errno 2] No such file ..." or "JSONDecodeError: Expecting ..."."""
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{Path(error.filename).name} is missing"
    if isinstance(error, json.JSONDecodeError):
        return f"not valid JSON (line {error.lineno}, column {error.colno}): cut short or edited"
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text: edited or damaged"
    if isinstance(error, OSError):
        return f"{error.strerror or error}{f' ({Path(error.filename).name})' if error.filename else ''}"
    return (str(error).splitlines() or [type(error).__name__])[0]


def digest(directory: Path) -> str | None:
    """A digest of the report in ``directory`` (its :data:`RECORD`'s bytes; None: none): a rebuild in place checks
    that the report it replaces is still the one it read."""
    try:
        return hashlib.sha256((Path(directory) / RECORD).read_bytes()).hexdigest()
    except OSError:
        return None


def described(directory: Path, record: Mapping[str, Any], settings: dict[str, Any], what: str) -> tuple[Any, Any]:
    """``(Config, Task)`` the saved results were trained with, from ``settings`` (config.toml as it is now) and
    ``record`` (comparison.json): refused (a ValueError saying why, ``what`` naming the folder) where config.toml was
    edited since, or no place :func:`csv_places` tries holds the CSV file whose numbers the runs trained on (a file
    changed since at one place does not hide the one at another: the first that holds them is read). The one check
    ``descend report`` and ``descend show`` make."""
    from .. import compare

    directory = Path(directory)
    digest = record.get("data")
    places = csv_places(settings.get("csv"), directory, record) if digest is not None else []
    missed: list[tuple[Path, str]] = []  # each place tried, and what it held instead: "missing", "changed", an error
    for place in places or [None]:
        if place is not None:
            if not place.is_file():
                missed.append((place, "missing"))
                continue
            settings = {**settings, "csv": str(place)}
        try:
            config, task = compare.Config.from_dict(settings, what=f"key in {directory / 'config.toml'}").resolved()
        except ValueError as e:
            if place is None:
                raise ValueError(f"{what}: its task cannot be rebuilt from config.toml: {e}") from None
            missed.append((place, str(e).split("; ")[0]))  # (its own advice, "dropna = True", is for a new comparison:
            continue  # config.toml edited is refused below)
        task = compare.initialised(task, config)  # the model as compare initialised it (its card says how)
        if place is None or _data_digest(task) == digest:
            break
        missed.append((place, "changed"))
    else:
        raise ValueError(_csv_missed(what, directory, missed))
    kept = record.get("config")
    same_data = bool(places) or (digest is not None and _data_digest(task) == digest)
    now = _settings(config)
    # edited since: it no longer describes these results
    changed = sorted(k for k in {*kept, *now} if kept.get(k) != now.get(k)) if kept is not None else []
    if changed == ["csv"] and same_data:  # the file moved (with the folder, or config.toml names its new place):
        changed = []  # the same numbers, which is what the results depend on
    if changed:
        shown = "; ".join(f"{k}: {kept.get(k)!r} when written, {now.get(k)!r} now" for k in changed[:3])
        raise ValueError(f"{what}: config.toml was changed after the report was written ({shown}), so it no longer "
                         "describes the saved results; restore it, or run the comparison it now describes: "
                         f"descend compare --config {directory / 'config.toml'} --out NEW_FOLDER")
    if digest is not None and not same_data:  # (a CSV file's task without a path to try: its data checked all the same)
        raise ValueError(_csv_missed(what, directory, [(Path(str(config.csv)), "changed")]))
    return config, task


def _csv_missed(what: str, directory: Path, missed: list[tuple[Path, str]]) -> str:
    """Why a report's CSV file was found nowhere (``missed``: each place tried, config.toml's first, and what it held:
    ``"missing"``, ``"changed"`` or why it could not be read), and what to do, in one line."""
    def said(place: Path, held: str, first: bool) -> str:
        name = f"the CSV file {str(place)!r}" if first else repr(str(place))
        if held == "missing":
            return f"{name} is not there"
        if held == "changed":  # the file config.toml names was the runs' own; another place's may never have been
            return (f"{name} was changed after the report was written: its numbers are not those the runs trained on"
                    if first else f"{name} holds other numbers than those the runs trained on")
        return f"{name} {'no longer reads' if first else 'does not read'} as the data the runs trained on ({held})"

    (first, held), rest = missed[0], missed[1:]
    parts = [said(first, held, True)]
    if rest and all(h == "missing" for _, h in rest):
        parts.append("no copy of it is at " + " or ".join(repr(str(p)) for p, _ in rest))
    else:
        parts += [said(p, h, False) for p, h in rest]
    beside = str(Path(os.path.normpath(directory.parent / first.name)))
    return (f"{what}: {'; '.join(parts)}; restore it, put it beside the report's folder ({beside!r}) or in it, or run "
            f"a new comparison on it: descend compare --config {directory / 'config.toml'} --out NEW_FOLDER")


def _models(directory: Path, record: Mapping[str, Any], selection: Any) -> tuple[dict[str, Any], list[str]]:
    """label → its model, read back from the files comparison.json names (a rebuilt report keeps them, copied as
    they are), and a note per file left out: one gone, damaged, or replaced by another model since (not the
    label's representative run) is left out, said (the report's results do not depend on it)."""
    from ..predictor import Predictor

    listed = record.get("models")
    models, notes = {}, []
    for label, name in (listed.items() if isinstance(listed, Mapping) else ()):
        if not isinstance(name, str) or Path(name).name != name or not name.endswith(".pt"):
            notes.append(f"{name!r}, listed as the model of {label} in {RECORD}, is not a model file of the report's "
                         "folder: left out")
            continue
        choice = selection.chosen.get(str(label)) if selection is not None else None
        try:
            model = Predictor.load(directory / name)
        except (OSError, ValueError) as e:
            why = "is gone" if not (directory / name).exists() else f"cannot be read ({unreadable(e)})"
        else:
            about = model.about.get("comparison") if isinstance(model.about, Mapping) else None
            if (isinstance(about, Mapping) and about.get("label") == label and about.get("file") == name
                    and choice is not None and model.about.get("run") == choice.representative):
                models[str(label)] = model
                continue
            why = "holds another model than its representative run"
        notes.append(f"{name}, the model of {label}, {why} since the report was written: the rebuilt report leaves it "
                     "out (and its folder, rebuilt, does not hold it)")
    return models, notes


def load(directory: Path) -> tuple[Any, dict[str, bool]]:
    """The comparison a report directory was written from, rebuilt from its saved results (its task from
    config.toml), and what the report drew. Raises a one-line ValueError for a directory that is not a
    report of this kind."""
    import dataclasses
    import sys

    from .. import compare

    directory = Path(directory)
    what = f"{str(directory)!r}"
    if not directory.is_dir():
        raise ValueError(f"{what} is not a directory; give a report directory written by descend compare")
    path = directory / RECORD
    if not path.is_file() and (directory / "best.json").is_file():  # a search's directory (descend tune)
        from ..tune.result import where_now

        try:
            resume, _, old = where_now(directory, json.loads((directory / "best.json").read_text(encoding="utf-8")))
        except (OSError, ValueError, AttributeError, TypeError):
            resume, old = None, None
        moved = f" (the folder was written in {old} and moved here: the command names this folder)" if old else ""
        raise ValueError(f"{what} holds a search of descend tune, not a comparison: the command that ran it writes "
                         f"its report again without training (the study keeps every trial and re-run){moved}"
                         + (f": {resume}" if resume else ""))
    if not path.is_file():
        raise ValueError(f"{what} holds no saved results ({RECORD}): it was not written by descend compare, or "
                         "by a version before descend report existed; run the comparison again")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("format") != FORMAT:
            raise ValueError(f"format {record.get('format')!r}, this descend reads format {FORMAT}")
        if sys.version_info >= (3, 11):
            import tomllib
        else:  # pragma: no cover - Python 3.10
            import tomli as tomllib
        settings = tomllib.loads((directory / "config.toml").read_text(encoding="utf-8"))
        summary = frame_from_json(record["summary"])
        table = frame_from_json(record["table"]).rename(columns=FORMER_COLUMNS)  # as an earlier release named them
        dtypes = record["curves"]
        curves = read_csv_exact(directory / "curves.csv")
        if "curves_rows" in record and len(curves) != record["curves_rows"]:
            raise ValueError(f"curves.csv has {len(curves)} rows of the {record['curves_rows']} written: it was cut "
                             "short or edited")
        curves = curves.reindex(columns=list(dtypes)).astype(dtypes)
        paths: dict[int, np.ndarray] = {}
        if "paths.npz" in record.get("files", ()) and not (directory / "paths.npz").is_file():
            raise ValueError(f"paths.npz is missing, though {RECORD} lists it: the landscape's figures are drawn "
                             "from it")
        if (directory / "paths.npz").is_file():
            with np.load(directory / "paths.npz", allow_pickle=False) as saved:
                paths = {int(k[3:]): saved[k] for k in saved.files}
    except (OSError, ValueError, KeyError, TypeError, zipfile.BadZipFile) as e:  # a paths.npz cut short: not a zip
        raise ValueError(f"{what}: its saved results cannot be read ({unreadable(e)})") from None
    config, task = described(directory, record, settings, what)
    known = {f.name for f in dataclasses.fields(compare.Comparison)}
    kwargs = {k: v for k, v in record.get("fields", {}).items() if k in known}
    if isinstance(kwargs.get("winners"), dict):  # as the page reads them: an earlier release saved one label each
        from .html import _check_winners

        kwargs["winners"] = _check_winners({FORMER_COLUMNS.get(k, k): v for k, v in kwargs["winners"].items()}, table)
    # the versions that trained the runs, not this process's: as the record has them (none where an earlier release
    # did not record them)
    kwargs["versions"] = dict(record.get("versions") or {})
    if "selection" in record and "selection" in known:
        from ..selection import Selection

        kwargs["selection"] = Selection.from_dict(record["selection"])
    if "search" in record and "search" in known:
        kwargs["search"] = compare.Search.from_dict(record["search"], frame_from_json(record["search"]["trials"]))
    if record.get("winners_rule") != compare.WINNERS_RULE and kwargs.get("selection") is not None and len(summary):
        # an earlier release named the best median alone (and the smallest generalisation gap): decided again by
        # this release's rule, from the runs the record keeps, with the notes the rule gives
        kwargs["winners"], said = compare.decided_winners(table, summary, curves, kwargs["selection"],
                                                          kwargs.get("search"))
        kwargs["table_notes"] = [*kwargs.get("table_notes", []), *said]
        kwargs["notes"] = [*kwargs.get("notes", []), "this report was written by an earlier descend, whose table "
                           "named the best median of each metric alone: its winners are decided again here, as "
                           "this release decides them (several where their seeds' interquartile ranges overlap; "
                           "none for the generalisation gap)"]
    kwargs["models"], lost = _models(directory, record, kwargs.get("selection"))
    kwargs["notes"] = [*kwargs.get("notes", []), *lost]
    kwargs["saved_from"] = directory
    kwargs["models_recorded"] = "models" in record
    unchecked = [words for key, words in (("config", "its settings"), ("data", "the CSV file's numbers"))
                 if record.get(key) is None and (key != "data" or settings.get("csv"))]
    if unchecked:  # a report of an earlier descend: what it did not record cannot be checked against the files
        kwargs["notes"] = [*kwargs.get("notes", []), f"this report was written by an earlier descend, which did not "
                           f"record {' or '.join(unchecked)}: config.toml and the files it names are taken as they "
                           "are now"]
    comparison = compare.Comparison(config=config, task=task, summary=summary, curves=curves, table=table,
                                    paths=paths, **kwargs)
    return comparison, dict(record.get("drawn", {}))
