"""Where the time of writing a report goes: phase durations recorded as the report is written, always on (a
clock read per phase), saved with the report as ``timings.json``.

The file holds (seconds)::

    {"format": 1,
     "phases": {"surface": 1.8, "results": 0.7, "html charts": 1.2, "waiting for the drawings": 1.9,
                "drawings": 5.6, "html": 0.1, "report": 5.9},
     "figures": {"loss-step": {"process": 12345, "at": 1.2, "draw": 0.1, "layout": 0.3, "png": 0.2, "svg": 0.1,
                               "total": 0.7}, ...},
     "animations": {"paths": {"process": 12346, "at": 2.0, "frames": 0.6, "gif": 0.1, "mp4": 0.2, "total": 0.9}},
     "workers": 2,
     "command": {"startup": 2.9, "task": 0.1, "training": 15.0}}

``phases``, in the process that writes the report: ``surface`` (a 2-D task's cost evaluated for its figures),
``results`` (CSV, JSON, config), ``html charts`` (the page's Plotly charts), ``waiting for the drawings`` (what
is left of drawing the figures once those are done), and ``html`` (the page written) follow one another;
``drawings`` is the wall time from the first figure sent to be drawn to the last one drawn (it holds the first
four); ``report`` is the whole. ``figures`` and ``animations`` give each drawing's own time in the process
that drew it (``process``; ``workers`` of them drew, 0: this process), and ``at`` when it began, in seconds
after the report began: drawings in parallel overlap one another. ``command``, when the command that ran the
comparison gave it (and kept by ``descend report``'s rebuild, which does not run them again): ``startup`` from the
start of its process to the command (Python, imports), ``task`` building the task and checking the options,
``training`` the comparison. ``benchmarks/compare.py`` reads this.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: The file a report's timings are saved in.
FILE = "timings.json"
FORMAT = 1


class Timings:
    """Phase durations in seconds, in the order they were first recorded."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.clock = time.time()  # the same moment on the clock that other processes share
        self.phases: dict[str, float] = {}
        self.figures: dict[str, dict[str, Any]] = {}
        self.animations: dict[str, dict[str, Any]] = {}
        self.command: dict[str, float] = {}
        self.workers = 0

    @contextlib.contextmanager
    def __call__(self, phase: str) -> Iterator[None]:
        """Add the time the block takes to ``phase``."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases[phase] = self.phases.get(phase, 0.0) + time.perf_counter() - start

    def drawn(self, name: str, times: dict[str, Any], *, animation: bool = False) -> None:
        """Record a drawing's times; its start (``began``, a ``time.time()``) as ``at``, seconds after the
        report's start."""
        times = dict(times)
        if "began" in times:
            times["at"] = times.pop("began") - self.clock
        (self.animations if animation else self.figures)[name] = times

    def to_dict(self) -> dict[str, Any]:
        phases = {k: round(v, 4) for k, v in self.phases.items()}
        phases["report"] = round(time.perf_counter() - self.started, 4)
        out: dict[str, Any] = {"format": FORMAT, "phases": phases, "figures": _rounded(self.figures),
                               "animations": _rounded(self.animations), "workers": self.workers}
        if self.command:
            out["command"] = _rounded(self.command)
        return out

    def write(self, directory: str | Path) -> None:
        (Path(directory) / FILE).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, float):
        return round(value, 4)
    return value


def since_start() -> float | None:
    """Seconds since this process started (Linux: from /proc, to 10 ms), or None where that is not known: what
    a command spent starting (Python, imports) before its own work."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        import os

        return max(0.0, uptime - int(fields[19]) / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def read(directory: str | Path) -> dict[str, Any] | None:
    """A report directory's timings, or None when it has none (or they cannot be read)."""
    try:
        data = json.loads((Path(directory) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
