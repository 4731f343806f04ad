"""Progress bars: a training's (``descend.fit(progress=True)``) and a search's (``descend tune``'s, and
``descend.tune(progress=True)``'s), in a terminal or a notebook (Rich draws them in Jupyter through ipywidgets, and
says to install it where it is missing); the words of a value as the terminal shows it."""

from __future__ import annotations

import functools
import math
import re
import time
from collections.abc import Callable, Mapping
from typing import Any, ParamSpec, TypeVar

__all__ = ["TrainingBar", "SearchBar"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def barred_when_true(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """``function`` (a training: ``descend.fit``, ``descend.engine.train``) with ``progress=True`` given a progress
    bar (:class:`TrainingBar`) for the time of the call, and ``progress=False`` taken as None: drawn from the first
    step, so that an argument refused before training draws none."""
    @functools.wraps(function)
    def barred(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if kwargs.get("progress") is False:  # no bar, as None
            kwargs = {**kwargs, "progress": None}  # type: ignore[assignment]
        if kwargs.get("progress") is not True:
            return function(*args, **kwargs)
        with TrainingBar() as bar:
            return function(*args, **{**kwargs, "progress": bar})  # type: ignore[arg-type]
    return barred


def start(progress: Any) -> None:
    """Start a Rich ``progress``; where its refresh thread cannot be started (a limit of processes or threads: a
    container's ``--pids-limit``, ``ulimit -u``), it is drawn when it stops instead (one final line), where the
    command ended in "can't start new thread" before any work."""
    try:
        progress.start()
    except RuntimeError:
        progress.live.auto_refresh = False  # stop() then draws once, without the thread that never started
        progress.live._refresh_thread = None


class _Bar:
    """A Rich progress bar drawn from the first event it is called with, so that input refused before any work
    (an argument, a study that cannot be resumed) draws none; a context manager that stops it."""

    def __init__(self, *columns: Any, console: Any = None, quiet: bool = False) -> None:
        from rich.console import Console
        from rich.progress import Progress

        self.progress = Progress(*columns, console=console if console is not None else Console(stderr=True),
                                 disable=quiet, transient=False)
        self.drawn = False
        self.started = 0.0
        self.last = 0.0

    def __enter__(self) -> Any:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.drawn:
            self.progress.stop()

    def draw(self) -> None:
        """Show the bar (at the first event)."""
        if not self.drawn:
            self.drawn = True
            start(self.progress)


class TrainingBar(_Bar):
    """The Rich progress bar of a training (``descend.fit(progress=True)``): runs done of all, steps a second
    (a run's step each), time elapsed and left. A context manager, called with each event of
    :func:`descend.engine.train`'s ``progress``."""

    def __init__(self, console: Any = None) -> None:
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        super().__init__(
            TextColumn("[bold]training"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[runs]} runs"), TextColumn("{task.fields[rate]} steps/s"), TextColumn("•"),
            TimeElapsedColumn(), TextColumn("•"), TimeRemainingColumn(), TextColumn("left"), console=console)
        self.task = self.progress.add_task("training", total=None, runs="0", rate="-")
        self.steps = 0

    def __call__(self, event: Mapping[str, Any]) -> None:
        self.draw()
        self.steps += event["runs"]
        now = time.perf_counter()
        last = event["step"] == event["steps"]
        if now - self.last < 0.2 and not last:
            return
        self.last = now
        total = event["runs_total"]
        done = event["runs_done"] + (0 if last else event["runs"] * event["step"] / event["steps"])
        self.progress.update(self.task, total=total, completed=min(done, total),
                             runs=f"{event['runs_done']}/{total}",
                             rate=f"{self.steps / max(now - self.started, 1e-9):,.0f}")


class SearchBar(_Bar):
    """The Rich progress bar of a search (``descend tune``'s, and ``descend.tune(progress=True)``'s): trials done of
    the budget (``total``; by default the one the search's events carry), best so far, trials/s, time left. A
    context manager, called with each event of :func:`descend.tune.run`'s ``progress``."""

    def __init__(self, total: int | None = None, quiet: bool = False, metric: str = "loss",
                 console: Any = None) -> None:
        from rich.progress import BarColumn, TextColumn, TimeElapsedColumn

        super().__init__(
            # short enough for an 80-column terminal: the bar takes what the rest leaves
            TextColumn("[bold]{task.description}"), BarColumn(), TextColumn("{task.fields[done]}"),
            TextColumn("best {task.fields[best]}"), TextColumn("{task.fields[rate]}/s"), TextColumn("•"),
            TimeElapsedColumn(), TextColumn("•"), _search_left(), console=console, quiet=quiet)
        self.total = total
        self.metric = metric
        self.task = self.progress.add_task("tuning", total=total, done="0 trials" if total is None else
                                           f"0/{total} trials", best="-", rate="-", phase="search")

    def __call__(self, event: Mapping[str, Any]) -> None:
        self.draw()
        if event["kind"] == "database":  # the study's database stopped answering: the search waits for it
            self.progress.update(self.task, description=f"database not answering, trying again "
                                                        f"({event['waited']:.0f} of {event['patience']:.0f} s)")
            return
        if self.total is None:  # the budget of every study, which the search's events carry (the bar's too: without
            self.total = int(event["total"])  # it the bar never fills and shows no time left)
            self.progress.update(self.task, total=self.total)
        if event["kind"] == "final":  # the search is over (its budget met, or its timeout): the best's re-runs
            self.progress.update(self.task, description=f"re-running the best of {event['optimizer']}",
                                 done=f"{event['runs']} runs", rate="-", phase="final")  # (trials/s: the search's)
            return
        done = int(event.get("done", 0))
        completed = float(done)
        if event["kind"] == "step" and event.get("steps"):
            completed += event["runs"] * event["step"] / event["steps"]
        now = time.perf_counter()
        if event["kind"] == "step" and now - self.last < 0.2 and event["step"] != event["steps"]:
            return
        self.last = now
        best = event.get("best")
        rate = event.get("rate")
        self.progress.update(self.task, completed=min(completed, self.total),
                             description=f"tuning {event['optimizer']}",
                             done=f"{done}/{self.total} trials" if done <= self.total else
                             f"{done}/{self.total} trials: budget met",  # short: a narrow terminal cut it
                             best="-" if best is None else value_text(self.metric, best),
                             rate="-" if rate is None else f"{rate:.3g}")


def _search_left() -> Any:
    """The time a search has left, from its trials' pace; nothing once the search is over and the best's re-runs
    train (the estimate was the search's: "30 s left" stood still while they ran)."""
    from rich.progress import TimeRemainingColumn
    from rich.text import Text

    class Left(TimeRemainingColumn):
        def render(self, task: Any) -> Text:
            if task.fields.get("phase") == "final":
                return Text("")
            shown = super().render(task)
            shown.append(" left")
            return shown

    return Left()


def value_text(metric: str, v: Any) -> str:
    """A value of ``metric`` (``loss``, ``accuracy``, ``test loss``, ``divergence rate``, ...): an accuracy or a
    rate as the reports show it, a percentage to 4 significant digits (``97.77%``, ``33.33%``, ``100%``; 1 of 201
    runs diverged is ``0.4975%``, where a whole percentage said ``0%``), anything else :func:`short`."""
    from .report.html import _cell_text

    return _cell_text(metric, v) if "accuracy" in metric or metric == "divergence rate" else short(v)


def short(v: Any) -> str:
    """A number in 4 significant digits, an exponent without its zeros (``1e-5``), a batch size of None as ``full``."""
    if v is None:
        return "full"
    if isinstance(v, float):
        return "—" if math.isnan(v) else re.sub(
            r"e([+-])0*(\d)", lambda m: "e" + "-" * (m.group(1) == "-") + m.group(2), f"{v:.4g}")
    return str(v).lower() if isinstance(v, bool) else str(v)
