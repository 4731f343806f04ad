"""Reports of comparisons: figures (matplotlib), the HTML report (Plotly), tables."""

from __future__ import annotations

import os
from pathlib import Path


def matplotlib_config() -> None:
    """Give matplotlib a configuration folder in descend's cache where its own (``~/.config/matplotlib``) cannot be
    written (a read-only home, a container's user): it made a temporary one in every process that imported it, and
    the fork server, ended by a signal, never removed its own (a ``/tmp/matplotlib-*`` left per report, its font
    list built again each time), and ``descend tune`` and ``descend play`` warned of it. Nothing where the user
    chose one (``MPLCONFIGDIR``) or matplotlib's is writable. Called when this package is imported, before any of
    its modules imports matplotlib: every figure of descend's comes from them."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    except RuntimeError:  # no home at all
        base = None
    if base is not None:
        folder = Path(base) / "matplotlib"
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and os.access(existing, os.W_OK | os.X_OK):
            return  # matplotlib's own is (or can be made) there
    from .._compile import cache_directory

    mine = cache_directory().parent / "matplotlib"
    try:
        mine.mkdir(parents=True, exist_ok=True)
    except OSError:  # no cache either: matplotlib's temporary folder, as before
        return
    os.environ["MPLCONFIGDIR"] = str(mine)


matplotlib_config()
