"""Compiled programs built on the side, so that the playground answers at once and then at compiled speed.

A widget trains with ``compile="cached"`` (:func:`descend.engine.train`): compiled when this process already
holds the programs for the request's shapes or reads them from their packages on disk, eagerly otherwise, never
waiting for a compile. When a request ran
eagerly, the same fit with ``compile=True`` is queued here and runs in one background thread: compiling takes
10-20 s on two cores the first time and a few seconds from Inductor's on-disk cache, and from then on
every request of the same shapes (the same landscape and optimizers, any start, learning rate or number of
steps) runs compiled. Each program is kept as a package on disk (:func:`descend._compile.save_package`), so that
a server started again answers compiled from its first request for the states compiled before. Only the newest
job waits: dragging the start queues one job, not one per position.
``descend play`` also queues, at start, the programs of every widget's default state (:func:`prepare`): those run
only while no request's job waits, so that a page opened once they are built answers compiled from the start.

The compiled program is the same operations as the eager step, so its numbers equal the eager ones to
round-off (tests/test_engine_groups.py); each result says which it is (``compiled``) and its Python snippet
passes the same ``compile=`` so that it gives the same numbers bit for bit. ``descend play --no-compile``
switches this off (:func:`set_enabled`).

A process does not end in the middle of a compile: torch's C++ code aborts a process that ends while a thread
is inside it ("terminate called without an active exception", exit code 134). At exit (and when ``descend play``
stops), :func:`stop` drops the jobs that wait and waits for the one that runs: a few seconds from the on-disk
cache, up to half a minute for a program never compiled on the machine.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["enabled", "pending", "prepare", "running", "set_enabled", "stop", "submit", "wait"]

_log = logging.getLogger(__name__)
_LOCK = threading.Condition()
_STATE: dict[str, Any] = {"enabled": True, "next": None, "later": [], "running": False, "thread": None}


def enabled() -> bool:
    """Whether widgets train with the process's compiled programs and queue the missing ones."""
    return bool(_STATE["enabled"])


def set_enabled(on: bool) -> None:
    with _LOCK:
        _STATE["enabled"] = bool(on)
        if not on:
            _STATE["next"], _STATE["later"] = None, []


def submit(job: Callable[[], Any]) -> None:
    """Queue ``job`` (a fit with ``compile=True``) in place of any job still waiting; start the worker."""
    with _LOCK:
        if not _STATE["enabled"]:
            return
        _STATE["next"] = job
        _start()


def prepare(jobs: list[Callable[[], Any]]) -> None:
    """Queue ``jobs`` behind every :func:`submit`-ted one: each runs when no other job waits, in order."""
    with _LOCK:
        if not _STATE["enabled"]:
            return
        _STATE["later"] = [*_STATE["later"], *jobs]
        _start()


def _start() -> None:
    if _STATE["thread"] is None:
        # imported now: a compile that runs while the process ends imports it, and it cannot be imported then
        # (it registers an exit hook, refused once the interpreter shuts down)
        import concurrent.futures.process  # noqa: F401

        _STATE["thread"] = threading.Thread(target=_work, name="descend-play-compile", daemon=True)
        _STATE["thread"].start()
        atexit.register(stop)
    _LOCK.notify_all()


def running() -> bool:
    """Whether a job runs now."""
    with _LOCK:
        return bool(_STATE["running"])


def stop() -> None:
    """Drop every job that waits, accept no new one, and wait for the one that runs: called at exit, so that
    the process never ends inside a compile (see the module's docstring)."""
    with _LOCK:  # a reentrant lock: set_enabled takes it again
        set_enabled(False)
        _LOCK.wait_for(lambda: not _STATE["running"])


def _idle() -> bool:
    return _STATE["next"] is None and not _STATE["later"] and not _STATE["running"]


def pending() -> bool:
    """Whether a job waits or runs."""
    with _LOCK:
        return not _idle()


def wait(timeout: float) -> bool:
    """Wait until no job waits or runs (at most ``timeout`` seconds); whether that happened."""
    with _LOCK:
        return _LOCK.wait_for(_idle, timeout)


def _work() -> None:
    while True:
        with _LOCK:
            _LOCK.wait_for(lambda: _STATE["next"] is not None or bool(_STATE["later"]))
            if _STATE["next"] is not None:
                job, _STATE["next"] = _STATE["next"], None
            else:
                job, *_STATE["later"] = _STATE["later"]
            _STATE["running"] = True
        try:
            job()
        except Exception:  # a compile that fails leaves the widget eager: it was answered already
            _log.warning("compiling a playground program failed; that widget stays eager", exc_info=True)
        finally:
            with _LOCK:
                _STATE["running"] = False
                _LOCK.notify_all()
