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
    if threading.current_thread() is not threading.main_thread() or ctrl_c_ignored():
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


def ctrl_c_ignored() -> bool:
    """Whether this process ignores Ctrl-C (SIGINT), as a job a script starts in the background does, so that the
    script's own Ctrl-C spares it: descend then installs no handler of its own (each took the signal, and stopped
    the job the shell meant to protect), and it stays ignored."""
    import signal

    return signal.getsignal(signal.SIGINT) == signal.SIG_IGN


_RELAYED = threading.Event()


def relayed() -> bool:
    """Whether a SIGTERM or SIGHUP came and was sent on as Ctrl-C (:func:`stops_as_ctrl_c`): a part that keeps
    ignoring Ctrl-C where the process was started with it ignored stops on such a one."""
    return _RELAYED.is_set()


def stops_as_ctrl_c() -> None:
    """SIGTERM (``kill``, ``timeout``, a batch scheduler) and SIGHUP (a closed terminal or ssh session) stop the
    process as Ctrl-C does, where their default action ended it with nothing written: each sends the process a
    SIGINT, so that every handler of Ctrl-C acts on it as on Ctrl-C (a block held whole, a search that ends its
    cohort after the current step, the forked trainer told). A signal already ignored (``nohup``) stays so. Where
    Ctrl-C itself is ignored (a job a script started in the background: the script's own Ctrl-C spares it), the
    first such signal makes Ctrl-C heard again and stops the process as Ctrl-C would (it took the signal's default
    action: the process ended with nothing written, the training so far lost and a search's cohort left running in
    its study). For the ``descend`` program, in its main thread."""
    import os
    import signal

    def relay(signum: int, frame: object) -> None:
        if ctrl_c_ignored():  # the handlers of Ctrl-C the process set up while it was ignored are not there: the
            signal.signal(signal.SIGINT, signal.default_int_handler)  # KeyboardInterrupt, which each part handles
        _RELAYED.set()  # a handler that keeps ignoring Ctrl-C (descend play's server) still stops on this one
        os.kill(os.getpid(), signal.SIGINT)

    if threading.current_thread() is not threading.main_thread():
        return
    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) == signal.SIG_DFL:
            signal.signal(number, relay)
