"""Holding Ctrl-C back while a block must run whole: the one place that decides how."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


@contextlib.contextmanager
def interrupt_after(*, act: bool = True) -> Iterator[list[int]]:
    """Hold Ctrl-C back until the block has run, then act on it (``KeyboardInterrupt`` by default); with
    ``act=False`` only note it, in the list the block is given (the caller decides what it means).

    An import cut short by ``KeyboardInterrupt`` leaves the modules it had finished without the package that
    imports them (``torch._dynamo.utils`` without ``torch._dynamo``): every later compile of the process then
    fails ("module 'torch._dynamo' has no attribute 'utils'"), in a notebook until its kernel restarts; a
    comparison cut short while it sorts the runs that finished would lose some of them. Only the main thread
    receives signals; elsewhere the block runs as it is."""
    import signal

    caught: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield caught
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and act:
        if callable(previous):
            previous(signal.SIGINT, None)
        elif previous != signal.SIG_IGN:
            raise KeyboardInterrupt
