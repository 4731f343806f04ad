"""descend's own source as this process loaded it: what names its compiled programs (:mod:`descend._compile`) and
records which descend trained a study's trials (:func:`descend.tune.api.source_digest`).

The digest is taken when ``descend`` is imported (3-4 ms: about a hundred files), not when a program is first
named: a process that had run eagerly, then met an upgrade (``pip install -U``, a ``git pull`` into an editable
install) and then compiled, named its program after the new source while it had traced the old code, and every
later process of the new version read that program and ran the old rule without a word. A process whose files
changed since it imported descend (:func:`changed`: their sizes or times, then their contents) holds code that no
digest names, so it neither reads nor writes compiled programs in the cache, and says so once.
"""

from __future__ import annotations

import hashlib
import threading
import time
import warnings
from pathlib import Path

__all__ = ["ROOT", "changed", "digest"]

#: The folder of descend's source files.
ROOT = Path(__file__).resolve().parent


def _files() -> list[Path]:
    return sorted(ROOT.rglob("*.py"))


def _stats(files: list[Path]) -> tuple[tuple[str, int, int], ...]:
    """Each file's path, modification time and size (a removed file: -1, -1)."""
    out = []
    for path in files:
        try:
            stat = path.stat()
            out.append((str(path), stat.st_mtime_ns, stat.st_size))
        except OSError:
            out.append((str(path), -1, -1))
    return tuple(out)


def _digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        try:
            text = path.read_bytes()
        except OSError:  # removed since it was listed
            text = b"\0removed"
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + text + b"\0")
    return digest.hexdigest()


_FILES = _files()
_STATS = _stats(_FILES)
_DIGEST = _digest(_FILES)
_LOCK = threading.Lock()
_changed = False
_told = False
#: When :func:`changed` last looked at the files (monotonic seconds): it looks again after :data:`LOOK_EVERY`.
_looked = float("-inf")
LOOK_EVERY = 1.0


def digest() -> str:
    """The digest of descend's source as it was when this process imported descend (SHA-256, hexadecimal)."""
    return _DIGEST


def changed() -> bool:
    """Whether descend's source files changed since this process imported descend (files added, removed, or
    written with other contents; a file written again with the same contents is not a change), looked at once a
    second at most. Once changed, always changed: the process keeps the code it loaded, and a module it imports
    later is the new code."""
    global _changed, _told, _looked
    with _LOCK:
        if not _changed and time.monotonic() - _looked >= LOOK_EVERY:  # 1-2 ms a look: a cohort's fit asks often
            _looked = time.monotonic()
            files = _files()
            _changed = (files != _FILES or _stats(files) != _STATS) and _digest(files) != _DIGEST
        if _changed and not _told:
            _told = True
            warnings.warn("descend's source files changed since this process imported descend (an upgrade or an "
                          "edit): its compiled programs are neither read from nor written to the cache, and a "
                          "search records its trials as trained by an edited descend; restart Python to run the "
                          "new code", RuntimeWarning, stacklevel=3)
        return _changed
