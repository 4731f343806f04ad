"""The stream a command's progress bar writes to, which may close under it: ``descend compare ... 2>&1 | head -1``
ended the training at the bar's next write (a BrokenPipeError, exit 1, no report). The bar is a courtesy: once its
stream is gone it writes nothing more, and the work goes on to its files and its exit code."""

from __future__ import annotations

import sys
from typing import Any, TextIO


class Unbroken:
    """``stream`` (standard error by default) whose writes stop, silently, once its reader has gone."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self.stream.write(text)
            except (BrokenPipeError, ValueError, OSError):  # a closed pipe, or a closed file
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except (BrokenPipeError, ValueError, OSError):
                self.broken = True

    def isatty(self) -> bool:
        try:
            return self.stream.isatty()
        except (ValueError, OSError, AttributeError):  # closed, or no stream at all (None)
            return False

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, ... as the stream has them
        return getattr(self.stream, name)
