"""Warnings descend leaves out while it calls a library, in a process whose other threads go on warning.

``warnings.catch_warnings`` saves the process's whole list of filters and puts that copy back when it ends (before
Python 3.14, for every thread at once): two searches in two threads each put back the list the other had changed,
and descend's filters ("Heartbeat of storage is supposed", ...) stayed in the process for good, hiding those warnings
from one's own Optuna code. :func:`ignoring` adds its filters while any thread needs them, counted, and takes out
exactly those it added when the last one is done: nothing else of the list is touched.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator

_LOCK = threading.Lock()
#: (pattern, category) -> [the filter entry added, the threads inside]
_HELD: dict[tuple[str, type[Warning]], list] = {}


@contextlib.contextmanager
def ignoring(*patterns: str, category: type[Warning] = Warning) -> Iterator[None]:
    """Ignore the warnings of ``category`` whose message matches one of ``patterns`` (a regular expression matched
    at the message's start, any case, as ``warnings.filterwarnings`` takes it; none: every warning of
    ``category``) while the block runs."""
    keys = [(pattern, category) for pattern in patterns or ("",)]
    with _LOCK:
        for key in keys:
            held = _HELD.get(key)
            if held is None:
                if key[0]:
                    warnings.filterwarnings("ignore", message=key[0], category=category)
                else:
                    warnings.simplefilter("ignore", category)
                held = _HELD[key] = [warnings.filters[0], 0]
            held[1] += 1
    try:
        yield
    finally:
        with _LOCK:
            for key in keys:
                held = _HELD[key]
                held[1] -= 1
                if held[1] == 0:
                    del _HELD[key]
                    with contextlib.suppress(ValueError):  # taken out meanwhile by resetwarnings()
                        warnings.filters.remove(held[0])
            mutated = getattr(warnings, "_filters_mutated", None)
            if mutated is not None:  # the per-module registries of warnings already shown are read again
                mutated()


def outside() -> int:
    """The ``stacklevel`` of a warning raised by its caller that names the first frame outside descend (the user's
    line that called it), however many of descend's wrappers lie between."""
    import os
    import sys

    package = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level
