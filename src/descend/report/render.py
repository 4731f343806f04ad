"""Drawing a report's figures and animation: each drawing is a :class:`Job`, and the jobs are independent, so
they run in worker processes when the machine has cores to spare, while the process writing the report writes
its results and its HTML charts; otherwise they run in that process. The files are the same either way.

The workers are started by a fork server (``multiprocessing``'s "forkserver" method, "spawn" where there is
none): a fresh process that imports matplotlib and the figure modules once, and never torch, then forks a
worker per job slot. No worker is forked from a process that runs torch's threads. A worker draws what it is
sent: the tables, the selection, and a surface already evaluated (:class:`descend.report.figures.surface.
Evaluated`), with the matplotlib settings of the process writing the report.

``DESCEND_REPORT_WORKERS`` sets how many workers draw (0: every drawing in the process writing the report);
by default, as many as there are cores (two on the machines this was measured on), and none on one core.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The environment variable that sets how many worker processes draw a report (0: none).
WORKERS_VARIABLE = "DESCEND_REPORT_WORKERS"
#: What the fork server imports once, for every worker it forks: the figures' modules and what drawing them
#: imports on first use (the renderers, the 3-D axes, the image formats).
PRELOAD = ["descend.report.figures.animation", "descend.report.figures.curves", "descend.report.figures.surface",
           "descend.report.figures.saving", "matplotlib.backends.backend_agg", "matplotlib.backends.backend_svg",
           "mpl_toolkits.mplot3d", "PIL.PngImagePlugin", "PIL.GifImagePlugin", "imageio_ffmpeg"]


@dataclass
class Job:
    """One drawing of a report. A figure (``files`` empty): ``figures.FUNCTION(*args, **kwargs)`` saved as
    ``figures/NAME.png`` (and ``.svg`` with ``formats=("png", "svg")``); an animation: ``figures.animate_files``
    into ``files`` (relative to the report's directory)."""

    name: str
    function: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()
    formats: tuple[str, ...] = ("png",)


@dataclass
class Done:
    """What a job did: whether it drew anything, why not (a ValueError's message: nothing to draw; or
    ``failed``: the drawing raised another error, said in ``skipped``), and its times in seconds
    (``process``: the id of the process that drew it; ``began``: when, as ``time.time()``)."""

    name: str
    drawn: bool
    skipped: str | None
    times: dict[str, float]
    failed: bool = False


def run(job: Job, directory: str | Path) -> Done:
    """Draw ``job`` into the report directory ``directory``."""
    from . import figures

    directory = Path(directory)
    times: dict[str, float] = {"began": time.time()}
    started = time.perf_counter()
    draw = None if job.files else getattr(figures, job.function)  # a name of no figure: descend's own error
    try:
        if job.files:
            figures.animate_files(*job.args, [directory / f for f in job.files], **job.kwargs, times=times)
            return Done(job.name, True, None, {"process": os.getpid(), **times, "total": time.perf_counter() - started})
        figure = draw(*job.args, **job.kwargs)
        times["draw"] = time.perf_counter() - started
        if figure is None:  # nothing to draw, and nothing to say
            return Done(job.name, False, None, {"process": os.getpid(), **times, "total": times["draw"]})
        figures.save(figure, directory / "figures", job.name, formats=job.formats, times=times)
    except ValueError as e:  # nothing to draw (e.g. an interrupted run before its first step)
        return Done(job.name, False, str(e), {"process": os.getpid(), "began": times["began"],
                                              "total": time.perf_counter() - started})
    except (OSError, MemoryError):  # the disk or the machine: the report cannot be whole, as the caller says
        raise
    except Exception as e:  # noqa: BLE001 - one figure that fails is said in the report, not the end of it
        return Done(job.name, False, f"it could not be drawn ({type(e).__name__}: {e})",
                    {"process": os.getpid(), "began": times["began"], "total": time.perf_counter() - started},
                    failed=True)
    return Done(job.name, True, None, {"process": os.getpid(), **times, "total": time.perf_counter() - started})


def workers(jobs: int) -> int:
    """How many worker processes draw ``jobs`` drawings: :data:`WORKERS_VARIABLE` if set, else one per core
    (at most one per job), and none on a single core or for a single job."""
    from .._checks import whole_number_variable
    from .._machine import usable_cores

    count = whole_number_variable(WORKERS_VARIABLE, "0: draw in this process")
    if count is not None and count < 0:
        raise ValueError(f"{WORKERS_VARIABLE}={count} must be at least 0 (0: draw in this process)")
    if count is not None:
        return min(count, jobs)
    cores = usable_cores()
    return 0 if cores < 2 or jobs < 2 else min(cores, jobs)


def _settings() -> dict[str, Any]:
    """The matplotlib settings this process changed since it read them (a worker applies them too)."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:
        return {}
    current, original = matplotlib.rcParams, matplotlib.rcParamsOrig
    # the keys first: reading "backend" would import pyplot to resolve it
    keys = [key for key in current.keys() if not key.startswith("backend") and key in original]
    return {key: current[key] for key in keys if original[key] != current[key]}


def _start_worker(settings: dict[str, Any], alive: Any) -> None:
    import importlib
    import threading

    import matplotlib

    for module in PRELOAD:  # imported once per worker (already, when the fork server preloaded them)
        importlib.import_module(module)
    if settings:
        matplotlib.rcParams.update(settings)
    threading.Thread(target=_watch, args=(alive,), daemon=True, name="descend-report-writer").start()


def _watch(alive: Any) -> None:
    """End this worker when the process writing the report is gone (killed, crashed): ``alive`` is the reading
    end of a pipe whose only writing end that process holds, so reading it ends when that process does. A
    worker holds both ends of the queue it waits on and would otherwise wait forever (and the fork server,
    and whoever reads their output, with it)."""
    try:
        alive.recv()  # nothing is ever sent
    except (EOFError, OSError):
        pass
    os._exit(1)


class Drawing:
    """The jobs of one report, drawn by ``count`` worker processes and, once their results are asked for, by
    this process too (0 workers: all here, one after the other, in order).

    A thread of its own starts the pool and hands each worker a job when it is free, so that this process
    goes on with its own work while the fork server starts, and jobs not yet handed out stay here: when this
    process asks for the results, it draws those itself, the last submitted first (the workers take the
    first), instead of waiting idle. A job that pickle cannot take (a surface of a class defined in a script)
    is drawn here. Use as a context manager: leaving it waits for every worker to stop, so that none is still
    writing into the report's directory when an error removes it."""

    def __init__(self, directory: str | Path, count: int) -> None:
        import collections
        import threading

        self.directory = str(directory)
        self.count = count
        self.jobs: list[Job] = []
        self.futures: dict[int, Any] = {}  # job index -> its future, or the error that kept it from a worker
        self.executor: Any = None
        self._pending: Any = collections.deque()  # (index, job) not handed to a worker yet
        self._here: list[tuple[int, Job]] = []  # jobs that cannot go to a worker
        self._busy = 0  # jobs handed to workers and not finished
        self._closed = False
        self._condition = threading.Condition()
        self._alive: Any = None  # the writing end of the workers' pipe of life (see _watch)
        self._thread: Any = None
        if count > 0:
            self._thread = threading.Thread(target=self._hand_over, args=(_settings(),), daemon=True,
                                            name="descend-report-drawings")
            self._thread.start()

    def submit(self, job: Job) -> None:
        with self._condition:
            self.jobs.append(job)
            self._pending.append((len(self.jobs) - 1, job))
            self._condition.notify_all()

    def _finished(self, _future: Any) -> None:
        with self._condition:
            self._busy -= 1
            self._condition.notify_all()

    def _hand_over(self, settings: dict[str, Any]) -> None:
        """Start the pool, then hand a job to each free worker until no job is left and results are asked."""
        import pickle

        executor, self._alive = _executor(self.count, settings)
        with self._condition:
            self.executor = executor
        if executor is None:  # no processes here: every job is drawn here
            return
        while True:
            with self._condition:
                while not (self._pending and self._busy < self.count) and not (self._closed and not self._pending):
                    self._condition.wait()
                if not self._pending:
                    return
                index, job = self._pending.popleft()
                self._busy += 1
            try:
                pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # e.g. a surface of a class defined in a script: drawn here
                with self._condition:
                    self._here.append((index, job))
                self._finished(None)
                continue
            try:
                with _main_not_imported():
                    future = executor.submit(run, job, self.directory)
            except Exception:  # noqa: BLE001 - no worker could be started or take it: drawn here, as when the pool
                # could not be made (with 16-22 file descriptors, or the fork server's EOFError under a limit of
                # processes, which the command line took for a Ctrl-C, a comparison that had trained lost its report;
                # a broken pool too)
                with self._condition:
                    self._here.append((index, job))
                self._finished(None)
                continue
            except BaseException as e:  # a Ctrl-C or an exit: raised by results()
                self.futures[index] = e
                self._finished(None)
                continue
            self.futures[index] = future
            future.add_done_callback(self._finished)

    def _close(self, *, drop: bool = False) -> None:
        with self._condition:
            self._closed = True
            if drop:
                self._pending.clear()
            self._condition.notify_all()

    def results(self) -> list[Done]:
        """Every job's result, in the order they were submitted (an error of a job is raised here). A job whose
        worker died (killed, or ended by the system for want of memory) is drawn here, as are the jobs the broken
        pool had not finished: a comparison that had trained lost its whole report to one dead worker."""
        from concurrent.futures.process import BrokenProcessPool

        self._close()
        done: dict[int, Done] = {}
        while True:
            with self._condition:
                if not self._pending:
                    self._condition.notify_all()  # the hand-over thread ends: nothing left (its workers may never
                    break  # finish, to wake it: a pool that could not start its queue's thread)
                index, job = self._pending.pop() if self._thread is not None else self._pending.popleft()
            done[index] = run(job, self.directory)
        if self._thread is not None:
            self._thread.join()
        for index, job in self._here:
            done[index] = run(job, self.directory)
        for index, future in sorted(self.futures.items()):
            if isinstance(future, BaseException):
                raise future
            if not self._finishes(future):  # its pool can no longer finish it (the pool's thread could not start
                done[index] = run(self.jobs[index], self.directory)  # the queue's: waited for forever)
                continue
            try:
                done[index] = future.result()
            except BrokenProcessPool:
                done[index] = run(self.jobs[index], self.directory)
        return [done[index] for index in range(len(self.jobs))]

    def _finishes(self, future: Any) -> bool:
        """Wait for ``future``; whether it finished, False where the pool's own thread ended before it did (it
        could not start the thread that feeds the workers, or died): nothing would finish it then."""
        import concurrent.futures

        while True:
            try:
                future.exception(timeout=0.5)
                return True
            except concurrent.futures.TimeoutError:
                manager = getattr(self.executor, "_executor_manager_thread", None)
                if manager is not None and not manager.is_alive() and not future.done():
                    return False
            except concurrent.futures.CancelledError:
                return False

    def __enter__(self) -> "Drawing":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._close(drop=True)
        # on the way out of a Ctrl-C: not waiting for ever on a thread (a daemon) that a second Ctrl-C may have
        # left waiting on a lock it will never get (an import's, taken where the interrupt cut an import short:
        # the command hung until a third Ctrl-C), nor on workers drawing what no one will read
        interrupted = exc[0] is not None and issubclass(exc[0], KeyboardInterrupt)
        if self._thread is not None:
            self._thread.join(timeout=INTERRUPTED_WAIT if interrupted else None)
        if self.executor is not None:
            self.executor.shutdown(wait=not interrupted, cancel_futures=True)
        if self._alive is not None:
            self._alive.close()


#: How long a drawing stopped by Ctrl-C waits for its hand-over thread (seconds): it ends at once unless stuck.
INTERRUPTED_WAIT = 2.0


@contextlib.contextmanager
def _main_not_imported() -> Iterator[None]:
    """While worker processes start: the "spawn" and "forkserver" methods make each import this process's
    main script again (as ``__mp_main__``) unless it runs as a package's ``__main__`` module, and the
    ``descend`` command's script imports the command line and torch with it (a user's script may do
    anything). The drawings need nothing from it: meanwhile the main module says it is such a module."""
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    missing = object()
    spec = main.__dict__.get("__spec__", missing)
    main.__spec__ = types.SimpleNamespace(name="descend.report.__main__")
    try:
        yield
    finally:
        if spec is missing:
            del main.__spec__
        else:
            main.__spec__ = spec


def warm_up() -> None:
    """Start the fork server now, so that it imports the figure modules while this process does something else
    (``descend compare`` calls it first, while it imports torch, on a machine with cores to spare): the
    report's workers are then forked at once. Nothing happens where there is no fork server or a single core."""
    if workers(2) == 0:
        return
    import multiprocessing

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return
    from multiprocessing import forkserver

    multiprocessing.get_context("forkserver").set_forkserver_preload(PRELOAD)
    # the server inherits Ctrl-C ignored: the terminal sends it to every process of the command, and one that came
    # while the server imported the figure modules printed its traceback (the command itself stops as it does);
    # only the few milliseconds of starting the server are deaf to it here
    import signal
    import threading

    # and SIGHUP likewise: a closed terminal or ssh session sends it to every process of the command, and
    # multiprocessing's resource tracker, which the server starts, ignores only SIGINT and SIGTERM: it died, and
    # the command printed its tracebacks ("resource_tracker: process died unexpectedly", KeyError: '/mp-...')
    main = threading.current_thread() is threading.main_thread()
    deaf = [s for s in (signal.SIGINT, getattr(signal, "SIGHUP", None)) if s is not None] if main else []
    previous = {s: signal.signal(s, signal.SIG_IGN) for s in deaf}
    try:
        with _main_not_imported():
            forkserver.ensure_running()
    except (OSError, ValueError):  # no processes here: the report draws in its own process
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def stop_fork_server() -> None:
    """End the fork server now, at the end of a command that drew with it. Idle, it would end only after this
    process, tearing down the modules it imported (about a third of a second) while whoever reads the command's
    output waits: its standard output is the command's. It is told with SIGTERM, whose default action it keeps
    (it ends at once, imports nothing, writes nothing); every worker it forked has ended by then (:class:`Drawing`
    waits for them). It is then reaped and multiprocessing told that it ended: a killed process ends its other
    threads (numpy's BLAS pool) after its first, and meanwhile looks ended in /proc but not to ``waitpid``, so that
    multiprocessing, asked at once for another, kept the ending one. A later :func:`warm_up` or report starts
    another."""
    forkserver = sys.modules.get("multiprocessing.forkserver")
    server = getattr(forkserver, "_forkserver", None)
    pid = getattr(server, "_forkserver_pid", None)
    if pid is None:
        return
    import signal

    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:  # already gone
        pass
    try:
        server._stop()  # closes its "alive" pipe, waits for it and forgets its pid and address
    except ChildProcessError:  # reaped elsewhere
        server._forkserver_pid = server._forkserver_address = None
    except AttributeError:  # no _stop in this Python: multiprocessing reaps it when it starts another
        pass


def _executor(count: int, settings: dict[str, Any]) -> tuple[Any, Any]:
    """A pool of ``count`` worker processes forked by a fork server that imported the figure modules (spawned
    where there is no fork server), drawing with ``settings``, and the writing end of the pipe that keeps its
    workers alive; (None, None) when processes cannot be started here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
        else:
            context = multiprocessing.get_context("spawn")
        reading, writing = context.Pipe(duplex=False)
        return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_worker,
                                   initargs=(settings, reading)), writing
    except (OSError, ValueError, ImportError):  # no processes here (a sandbox): draw in this process
        return None, None
