"""Optuna's log level while descend works with it, and the caller's again afterwards.

Optuna logs at INFO a line per study created and per trial told; descend says what a search does itself, so it
quiets Optuna while it works (:func:`quiet`). The level is the process's: a search inside another (a comparison's
tuned mode, the playground's search), or two in two threads, share it, so the level the caller had is kept by
the first to enter and put back by the last to leave (each saving the level it found put back a neighbour's
WARNING for good).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"depth": 0, "caller": None}


@contextlib.contextmanager
def quiet(level: int | None = None) -> Iterator[None]:
    """Optuna's log level at ``level`` (default WARNING) inside the block; the caller's once every block of every
    thread has ended."""
    import optuna

    level = optuna.logging.WARNING if level is None else level
    with _LOCK:
        if _STATE["depth"] == 0:
            _STATE["caller"] = optuna.logging.get_verbosity()
        _STATE["depth"] += 1
        before = optuna.logging.get_verbosity()
        optuna.logging.set_verbosity(level)
    try:
        yield
    finally:
        with _LOCK:
            _STATE["depth"] -= 1
            optuna.logging.set_verbosity(_STATE["caller"] if _STATE["depth"] == 0 else before)
