"""Writing files so that a killed process never leaves half of one, and reading descend's own tables back to the
bit: the one place that decides how."""

from __future__ import annotations

import contextlib
import math
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

def plain(value: Any, *, finite: bool = False) -> Any:
    """``value`` as the plain values a file holds (JSON, or torch's ``weights_only`` kind): dicts with text keys,
    lists, texts, numbers, booleans and None; a NumPy or 0-d torch scalar as its number, anything else as its
    ``repr``. ``finite=True`` (JSON): an infinite or NaN number as None."""
    if isinstance(value, Mapping):
        return {str(k): plain(v, finite=finite) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, finite=finite) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if finite and isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def versions() -> dict[str, str]:
    """The versions a run's numbers depend on, as a comparison's and a search's files record them: descend, Python,
    PyTorch, NumPy and pandas (a float32 run differs in its last bits from one version of PyTorch to another)."""
    import platform

    import numpy
    import pandas
    import torch

    from . import __version__

    return {"descend": __version__, "python": platform.python_version(), "torch": torch.__version__,
            "numpy": numpy.__version__, "pandas": pandas.__version__}


#: How the reports name the packages of :func:`versions`.
VERSION_NAMES = {"descend": "descend", "python": "Python", "torch": "PyTorch", "numpy": "NumPy", "pandas": "pandas"}


def versions_text(recorded: Mapping[str, Any]) -> str:
    """:func:`versions` (or a record's) as a report says them.

    >>> versions_text({"descend": "0.1.0", "python": "3.11.9", "torch": "2.5.1"})
    'descend 0.1.0, Python 3.11.9, PyTorch 2.5.1'
    """
    return ", ".join(f"{VERSION_NAMES.get(str(k), k)} {v}" for k, v in recorded.items())


#: The file descend tune leaves in a folder it takes (descend.tune.result.take): such a folder is a search's, not
#: a comparison's, with or without its best.json.
TUNE_MARKER = ".descend-tune"

#: A model file's name (a :class:`descend.Predictor`'s): ``model-<optimizer>.pt``, one per optimizer of a search
#: (``descend tune``) and per optimizer label of a comparison (``descend compare``).
MODEL = "model-{}.pt"


#: The longest stem of a model file's name (:func:`model_file`): with the name a save writes aside first
#: (``.model-STEM.pt.PID.part``), within the 143 bytes of the most restrictive file systems (eCryptfs).
MODEL_STEM = 80


def model_file(name: str, n: int = 1) -> str:
    """The name of an optimizer's (or a comparison label's) model file, ``model-adam.pt``, a name of one's own kept
    to the characters a file name takes anywhere, one ``_`` for each run of others (``sgd(momentum=0.9)``:
    ``model-sgd_momentum_0.9.pt``), and to :data:`MODEL_STEM` of them (a longer one cut, with 8 hexadecimal digits
    of its hash after it, so that two long names stay two files). ``n`` > 1: the n-th of several names that give the
    same file (``model-a_b-2.pt``)."""
    import hashlib
    import re

    stem = re.sub(r"_+", "_", re.sub(r"[^A-Za-z0-9_.-]", "_", name)).strip("_.") or "_"
    if len(stem) > MODEL_STEM:
        stem = f"{stem[:MODEL_STEM - 9]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return MODEL.format(stem if n == 1 else f"{stem}-{n}")


def model_files(labels: Iterable[str]) -> dict[str, str]:
    """label → the name of its model file (:func:`descend._files.model_file`), distinct for labels whose names
    differ only in characters a file name does not take or in case (``a:b``, ``a_b`` and ``A_B``: ``model-a_b.pt``,
    ``model-a_b-2.pt``, ``model-A_B-3.pt``: one file on a file system that ignores case)."""
    names: dict[str, str] = {}
    for label in labels:
        name, n = model_file(label), 1
        while name.lower() in {v.lower() for v in names.values()}:
            n += 1
            name = model_file(label, n)
        names[label] = name
    return names


def entries(directory: Path) -> list[str]:
    """Every file (and symbolic link, and empty directory) under ``directory``, as a relative POSIX path."""
    out = []
    for root, dirs, files in os.walk(directory, followlinks=False):
        here = Path(root).relative_to(directory)
        for name in files:
            out.append((here / name).as_posix())
        for name in list(dirs):
            full = Path(root) / name
            if full.is_symlink():
                out.append((here / name).as_posix())
                dirs.remove(name)
            elif not any(full.iterdir()):
                out.append((here / name).as_posix() + "/")
    return sorted(out)


def read_csv_exact(source: Any, **kwargs: Any) -> Any:
    """``pd.read_csv(source, **kwargs)`` with every number read back to the bit of the float64 written (a table
    descend wrote: its numbers are Python's shortest round-trip forms). pandas before 3 reads them with its
    faster parser by default, which may miss the last binary digit (0.03975564247492616 read back as
    0.0397556424749261); pandas 3 reads them exactly by default."""
    import pandas as pd

    if int(pd.__version__.split(".")[0]) < 3:
        kwargs = {"float_precision": "round_trip", **kwargs}
    return pd.read_csv(source, **kwargs)


def write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` in one move (a temporary file next to it, then renamed): a killed process
    leaves the old file or the new one, never half of one. The file gets the user's usual permissions."""
    with written_aside([path]) as (partial,):
        partial.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def written_aside(paths: Sequence[Path | str]) -> Iterator[list[Path]]:
    """Temporary files next to ``paths`` (hidden, with the same suffix, so that a writer choosing its format by the
    suffix still does; each created empty by :func:`_created_aside`): the block writes them, and each is then
    renamed over its path; an error or Ctrl-C in the block removes them. A killed writer leaves the old files or the
    new ones, never half of one."""
    finals = [Path(p) for p in paths]
    partials: list[Path] = []
    try:
        for final in finals:
            partials.append(_created_aside(final))
        yield partials
        for partial, final in zip(partials, finals):
            os.replace(partial, final)
    except BaseException:
        for partial in partials:
            partial.unlink(missing_ok=True)
        raise


def _created_aside(final: Path) -> Path:
    """A new empty file next to ``final``, ``.STEM.partial-RANDOM.SUFFIX``, with the user's usual permissions (as
    the umask gives): created only if nothing is at its name, so that a file or symbolic link planted there is
    never written through; its name is not predictable either."""
    for _ in range(100):
        partial = final.with_name(f".{final.stem}.partial-{secrets.token_hex(8)}{final.suffix}")
        try:
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666))
        except FileExistsError:
            continue
        return partial
    raise FileExistsError(f"cannot create a temporary file next to {str(final)!r}: every name tried is taken")
