"""Where the time of writing a report goes: phase durations recorded as the report is written, always on (a
clock read per phase), saved with the report as ``timings.json``.

The file holds::

    {"format": 1,
     "phases": {"results": 1.1, "surface": 2.0, "html": 1.4, ..., "report": 6.2},   # wall seconds, in order
     "figures": {"loss-step": {"draw": 0.1, "layout": 0.3, "png": 0.2, "svg": 0.1, "process": 12345}, ...},
     "animations": {"paths": {"frames": 0.6, "gif": 0.3, "mp4": 0.4, "process": 12346}},
     "workers": 2,
     "command": {"startup": 2.9, "task": 0.1, "training": 15.0}}                    # when a command ran it

``phases`` are the report's steps in the process that writes it, one after the other, so they add up to
``report`` (up to the clock reads between them); ``render`` is the wall time of drawing every figure and the
animation (in worker processes when ``workers`` > 0, while the results and the HTML charts are written here).
``figures`` and ``animations`` give each drawing's own time (in the process named by ``process``: they
overlap one another when drawn in parallel). ``command`` holds what happened before the report, when the
command that ran the comparison said: ``startup`` from the start of the process to the command (Python,
imports), ``task`` building the task, ``training`` the comparison. ``benchmarks/compare.py`` reads this file.
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
