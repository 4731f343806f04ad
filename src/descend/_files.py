"""Writing files so that a killed process never leaves half of one: the one place that decides how."""

from __future__ import annotations

import os
from pathlib import Path


def write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` in one move (a temporary file next to it, then renamed): a killed process
    leaves the old file or the new one, never half of one. The file gets the user's usual permissions."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.partial-{os.getpid()}")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
