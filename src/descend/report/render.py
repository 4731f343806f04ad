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
#: What the fork server imports once, for every worker it forks.
PRELOAD = ["descend.report.figures"]


@dataclass
class Job:
    """One drawing of a report. A figure (``files`` empty): ``figures.FUNCTION(*args, **kwargs)`` saved as
    ``figures/NAME.png`` and ``.svg``; an animation: ``figures.animate_files`` into ``files`` (relative to the
    report's directory)."""

    name: str
    function: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    files: tuple[str, ...] = ()


@dataclass
class Done:
    """What a job did: whether it drew anything, why not (a ValueError's message), and its times in seconds
    (``process``: the id of the process that drew it; ``began``: when, as ``time.time()``)."""

    name: str
    drawn: bool
    skipped: str | None
    times: dict[str, float]


def run(job: Job, directory: str | Path) -> Done:
    """Draw ``job`` into the report directory ``directory``."""
    from . import figures

    directory = Path(directory)
    times: dict[str, float] = {"began": time.time()}
    started = time.perf_counter()
    try:
        if job.files:
            figures.animate_files(*job.args, [directory / f for f in job.files], **job.kwargs, times=times)
            return Done(job.name, True, None, {"process": os.getpid(), **times, "total": time.perf_counter() - started})
        figure = getattr(figures, job.function)(*job.args, **job.kwargs)
    except ValueError as e:  # nothing to draw (e.g. an interrupted run before its first step)
        return Done(job.name, False, str(e), {"process": os.getpid(), "began": times["began"],
                                              "total": time.perf_counter() - started})
    times["draw"] = time.perf_counter() - started
    if figure is None:  # nothing to draw, and nothing to say
        return Done(job.name, False, None, {"process": os.getpid(), **times, "total": times["draw"]})
    figures.save(figure, directory / "figures", job.name, times=times)
    return Done(job.name, True, None, {"process": os.getpid(), **times, "total": time.perf_counter() - started})


def workers(jobs: int) -> int:
    """How many worker processes draw ``jobs`` drawings: :data:`WORKERS_VARIABLE` if set, else one per core
    (at most one per job), and none on a single core or for a single job."""
    given = os.environ.get(WORKERS_VARIABLE, "").strip()
    if given:
        try:
            count = int(given)
        except ValueError:
            raise ValueError(f"{WORKERS_VARIABLE}={given!r} must be a whole number (0: draw in this process)") from None
        return max(0, min(count, jobs))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return 0 if cores < 2 or jobs < 2 else min(cores, jobs)


def _settings() -> dict[str, Any]:
    """The matplotlib settings this process changed since it read them (a worker applies them too)."""
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is None:
        return {}
    original = matplotlib.rcParamsOrig
    return {key: value for key, value in matplotlib.rcParams.items()
            if not key.startswith("backend") and key in original and original[key] != value}


def _start_worker(settings: dict[str, Any]) -> None:
    import matplotlib

    from . import figures  # noqa: F401 - imported once per worker (already, when the fork server preloaded it)

    if settings:
        matplotlib.rcParams.update(settings)


class Drawing:
    """The jobs of one report, run in ``count`` worker processes (0: here, one after the other, when their
    results are asked for). The pool is started and the jobs are handed to it by a thread of its own, so that
    this process goes on with its own work while the fork server starts. A job that cannot be sent to another
    process (something in it that pickle cannot take) is drawn here. Use as a context manager: leaving it waits
    for every worker to stop, so none is still writing into the report's directory when an error removes it."""

    def __init__(self, directory: str | Path, count: int) -> None:
        import queue
        import threading

        self.directory = str(directory)
        self.count = count
        self.jobs: list[Job] = []
        self.futures: dict[int, Any] = {}  # job index -> its future (absent: drawn here)
        self.executor: Any = None
        self._queue: Any = queue.SimpleQueue()
        self._thread: Any = None
        if count > 0:
            self._thread = threading.Thread(target=self._hand_over, args=(_settings(),), daemon=True,
                                            name="descend-report-drawings")
            self._thread.start()

    def _hand_over(self, settings: dict[str, Any]) -> None:
        """Start the pool, then send it each job submitted, until None comes."""
        import pickle

        self.executor = _executor(self.count, settings)
        while (item := self._queue.get()) is not None:
            index, job = item
            if self.executor is None:
                continue
            try:
                pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # e.g. a surface of a class defined in a script: drawn here
                continue
            try:
                with _main_not_imported():
                    self.futures[index] = self.executor.submit(run, job, self.directory)
            except BaseException as e:  # a broken pool: raised by results()
                self.futures[index] = e

    def submit(self, job: Job) -> None:
        self.jobs.append(job)
        if self._thread is not None:
            self._queue.put((len(self.jobs) - 1, job))

    def _stop_handing_over(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def results(self) -> list[Done]:
        """Every job's result, in the order they were submitted (an error of a job is raised here)."""
        self._stop_handing_over()
        out = []
        for index, job in enumerate(self.jobs):
            future = self.futures.get(index)
            if isinstance(future, BaseException):
                raise future
            out.append(run(job, self.directory) if future is None else future.result())
        return out

    def __enter__(self) -> "Drawing":
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop_handing_over()
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)


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


def _executor(count: int, settings: dict[str, Any]) -> Any:
    """A pool of ``count`` worker processes forked by a fork server that imported the figure modules (spawned
    where there is no fork server), drawing with ``settings``; None when processes cannot be started here."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        if "forkserver" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
        else:
            context = multiprocessing.get_context("spawn")
        return ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_start_worker,
                                   initargs=(settings,))
    except (OSError, ValueError, ImportError):  # no processes here (a sandbox): draw in this process
        return None
