"""Part of a training in a forked child process: :func:`descend.engine.train` hands some of its groups to one.

The small groups of a comparison (two parameters, a few dozen runs) each run on one thread, and their steps are
Python-bound: one process holding the GIL is one core. A child forked from the training process (it has every
import and the data already) trains some of the groups on the other core and sends their results back through a
pipe, as pickled tensors; the parent trains the rest meanwhile. Each group's numbers are its own whichever
process trains it: a group runs on one thread, and shares nothing with the others.

The child:
- sends progress events and then its result (or its error's text), each one message (a length, then the pickle);
- never enters an OpenMP parallel region (one intra-op thread: GNU OpenMP's threads do not survive a fork);
- ends with ``os._exit``, so that none of the parent's exit handlers, buffers or threads run twice.

:class:`Child` is the parent's side. Ctrl-C reaches both processes from a terminal; the parent also passes it on
(:meth:`Child.interrupt`), and each keeps what finished. A child that ends without a result (killed, or failing)
or says nothing for :data:`SILENCE_LIMIT` seconds leaves its groups to the parent, which trains them itself.
"""

from __future__ import annotations

import os
import pickle
import select
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ._interrupts import ctrl_c_ignored
from ._quiet import ignoring

#: The environment variable that sets how many processes train a comparison's groups: ``1`` keeps them in one.
PROCESSES_VARIABLE = "DESCEND_PROCESSES"

#: Children forked in this process so far, and those whose result never came (their groups then trained in the
#: parent): the tests read them, so that a split that quietly trained in one process fails.
started = 0
failed = 0

#: Seconds without a word from a child (its progress comes every few steps of a small group) after which it is
#: taken as stuck, ended, and its groups trained by the parent.
SILENCE_LIMIT = 120.0

_HEADER = struct.Struct("<Q")
_IN_CHILD = False


def processes() -> int:
    """How many processes may train a comparison's groups: :data:`PROCESSES_VARIABLE` if set, else 2 where this
    process may run on two cores or more, else 1. Always 1 in a child (it never forks again) and off Linux (macOS
    does not support forking a process that has started system frameworks' threads; Windows cannot fork)."""
    from ._checks import whole_number_variable
    from ._machine import usable_cores

    count = whole_number_variable(PROCESSES_VARIABLE, "1: one process")
    if count is None:
        count = 2 if usable_cores() >= 2 else 1
    elif count < 1:
        raise ValueError(f"{PROCESSES_VARIABLE}={count} must be at least 1 (1: one process)")
    return 1 if _IN_CHILD or not sys.platform.startswith("linux") else min(count, 2)


def _send(fd: int, message: Any) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _in_child() -> None:
    """What the child does first: one intra-op thread; nothing written to the terminal (a lock another thread
    of the parent held when it forked, such as a progress bar's on stderr, is never released here); one
    KeyboardInterrupt at most. The tests replace it to make a child fail or hang."""
    import warnings

    import torch

    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    sys.stdout = sys.stderr = open(os.devnull, "w")
    # a parent that ignores Ctrl-C (a job a script started in the background) has its child ignore it too, and
    # tells it to stop with SIGTERM instead (:meth:`Child.interrupt`)
    signal.signal(signal.SIGTERM if ctrl_c_ignored() else signal.SIGINT, _interrupted_once)


def _interrupted_once(signum: int, frame: Any) -> None:
    """Ctrl-C in the child: one KeyboardInterrupt, however many times it comes (the terminal sends it to both
    processes, and the parent passes it on too), so that the child's result is sent whole."""
    signal.signal(signum, signal.SIG_IGN)
    raise KeyboardInterrupt


#: No handler of Ctrl-C was replaced (not the main thread, or already put back).
_NOT_HELD = object()


class Child:
    """``work(send)`` in a forked child, where ``send(event)`` passes a progress event to the parent; its result
    comes back through :meth:`result`."""

    def __init__(self, work: Callable[[Callable[[Any], None]], Any]) -> None:
        global started
        reading, writing = os.pipe()
        # Ctrl-C noted, not raised, while the process forks: raised in the hooks that run around a fork, it was lost
        # (the whole budget then trained) or ended the child before its handler was set; :meth:`release` acts on it
        self.came = False
        self.background = ctrl_c_ignored()  # the child ignores Ctrl-C too, and stops on SIGTERM (_in_child)
        self._previous = (signal.signal(signal.SIGINT, self._note)
                          if threading.current_thread() is threading.main_thread() and not ctrl_c_ignored()
                          else _NOT_HELD)
        try:
            # Python 3.12+ warns at every fork of a process with threads (the progress bar's, torch's pool): a
            # lock another thread held at the fork stays held in the child. The child here takes none of theirs:
            # one intra-op thread, no terminal, its own pipe, os._exit (see this module's docstring)
            with ignoring(r".*is multi-threaded, use of fork\(\) may lead to deadlocks", category=DeprecationWarning):
                pid = os.fork()
        except BaseException:
            self.release()
            raise
        if pid == 0:  # the child: compute, send, leave without running anything of the parent's
            global _IN_CHILD
            _IN_CHILD = True
            code = 0
            try:
                os.close(reading)
                _in_child()
                if self.came:  # a Ctrl-C while the process forked: the interrupt its handler raises
                    signal.signal(signal.SIGINT, signal.SIG_IGN)
                    raise KeyboardInterrupt
                result = work(lambda event: _send(writing, ("progress", event)))
                _send(writing, ("result", result))
            except BaseException as e:  # noqa: BLE001  (the parent trains these groups itself)
                code = 1
                try:
                    _send(writing, ("error", f"{type(e).__name__}: {e}"))
                except BaseException:  # noqa: BLE001
                    pass
            finally:
                os._exit(code)
        started += 1
        os.close(writing)
        self.pid, self.fd, self.buffer, self.done = pid, reading, b"", False
        self.early: tuple[str, Any] | None = None  # a result that arrived while progress was being passed on

    def _messages(self, wait: bool) -> Iterator[tuple[str, Any]]:
        """The complete messages that have arrived (waiting for one when ``wait``); ("eof", None) at the end."""
        while not self.done:
            ready, _, _ = select.select([self.fd], [], [], None if wait else 0)
            if not ready:
                return
            chunk = os.read(self.fd, 1 << 20)
            if not chunk:
                self.done = True
                yield "eof", None
                return
            self.buffer += chunk
            while len(self.buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self.buffer)
                if len(self.buffer) < _HEADER.size + size:
                    break
                message = pickle.loads(self.buffer[_HEADER.size:_HEADER.size + size])
                self.buffer = self.buffer[_HEADER.size + size:]
                yield message
                if message[0] != "progress":
                    return

    def _note(self, signum: int, frame: Any) -> None:
        self.came = True

    def release(self) -> bool:
        """Ctrl-C acts again in this process (the parent); True when one came while the child was being made: it
        is then passed on to the child, and the caller has been interrupted before its first step."""
        if self._previous is _NOT_HELD:
            return False
        # None: a handler set outside Python (an embedding program), which cannot be put back: the default then
        signal.signal(signal.SIGINT, signal.default_int_handler if self._previous is None else self._previous)
        self._previous = _NOT_HELD
        if self.came and hasattr(self, "pid"):
            self.interrupt()
        return self.came

    def poll(self, progress: Callable[[Any], None]) -> None:
        """Pass on the progress events that have arrived, without waiting (nothing more once the result is in)."""
        if self.early is not None:
            return
        for kind, value in self._messages(wait=False):
            if kind == "progress":
                progress(value)
            else:  # a result before the parent asked: kept for result()
                self.early = (kind, value)
                return

    def result(self, progress: Callable[[Any], None]) -> tuple[bool, Any]:
        """Wait for the child's result, passing on its progress: ``(True, result)``, or ``(False, why)`` when it
        failed, died or said nothing for :data:`SILENCE_LIMIT` seconds (it is then ended). Ctrl-C meanwhile is
        passed on to the child, whose result then covers what it finished."""
        outcome: tuple[bool, Any] | None = None
        if self.early is not None:
            kind, value = self.early
            outcome = (True, value) if kind == "result" else (
                False, value if kind == "error" else "the process ended without a result")
        while outcome is None:
            if self.done:  # the end already read, and no result before it
                outcome = (False, "the process ended without a result")
                break
            try:
                if not select.select([self.fd], [], [], SILENCE_LIMIT)[0]:
                    os.kill(self.pid, signal.SIGKILL)
                    outcome = (False, f"no word from the process for {SILENCE_LIMIT:g} s")
                    break
                for kind, value in self._messages(wait=False):
                    if kind == "progress":
                        progress(value)
                    elif kind == "result":
                        outcome = (True, value)
                    else:
                        outcome = (False, value if kind == "error" else "the process ended without a result")
                    if outcome is not None:
                        break
            except KeyboardInterrupt:
                self.interrupt()
        self._reap()
        if not outcome[0]:
            global failed
            failed += 1
        return outcome

    def interrupt(self) -> None:
        """Ctrl-C for the child too (it stops after its current step and sends what it finished); SIGTERM where it
        ignores Ctrl-C (it trained its groups to their end: 2 minutes in a test where the parent took a second)."""
        try:
            os.kill(self.pid, signal.SIGTERM if self.background else signal.SIGINT)
        except ProcessLookupError:
            pass

    def _reap(self) -> None:
        os.close(self.fd)
        while True:
            try:
                os.waitpid(self.pid, 0)
                return
            except ChildProcessError:
                return
            except KeyboardInterrupt:
                continue
