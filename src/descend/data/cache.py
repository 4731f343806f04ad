"""Arrays read from scikit-learn, kept on disk so that later processes need not import it.

Importing scikit-learn takes about 2 s on a 2-core machine, as long as training a small comparison; the data
sets descend reads from it (the bundled real data, ``make_circles``) are a few hundred kilobytes. The first
process stores each as an ``.npz`` file under ``$DESCEND_CACHE_DIR`` (else ``~/.cache/descend``), ``data/``,
named after the data set, its arguments and scikit-learn's version; later processes read that file: the same
float64 and int64 arrays, bit for bit, and the same names. A file that cannot be read or written is no error:
the data then come from scikit-learn, as without the cache.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def _directory() -> Path:
    from .._compile import cache_directory

    return cache_directory().parent / "data"


@functools.cache  # the installed version's metadata, looked up once per process (2 ms a lookup)
def _sklearn_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("scikit-learn")
    except PackageNotFoundError:
        return "missing"


def cached_arrays(name: str, arguments: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``build()`` (a dict of arrays, and lists of strings or numbers) for ``name`` and ``arguments``, from the
    disk when a process stored it before with the same scikit-learn version."""
    key = hashlib.sha256(repr((name, arguments, _sklearn_version())).encode()).hexdigest()[:16]
    path = _directory() / f"{name}-{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as stored:
            return {k: _plain(stored[k]) for k in stored.files}
    except Exception:  # noqa: BLE001  (missing, or damaged: an empty file is EOFError, a cut or changed one
        pass  # zipfile.BadZipFile or zlib.error; any such is rebuilt, as without the cache)
    arrays = build()
    temporary = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz.part", delete=False) as f:
            temporary = f.name
            np.savez(f, **{k: np.asarray(v) for k, v in arrays.items()})
        umask = os.umask(0)
        os.umask(umask)
        # the mode of a file written as usual (a temporary file is private: a cache shared by a group was unreadable
        # to the others, who built their data again every time)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)  # whole or absent: a killed process leaves no half file under the name
    except OSError:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)
    return arrays


def _plain(value: np.ndarray) -> Any:
    """A stored array as built: a list of strings (stored as a text array) back as a list."""
    if value.dtype.kind == "U":
        return value.tolist()
    return value
