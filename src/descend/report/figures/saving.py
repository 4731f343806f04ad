"""Saving a figure as PNG and SVG from one layout."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

# ---------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------


def _freeze_layout(fig: Figure) -> None:
    """Run the figure's layout engine once and keep the positions it found: without an engine, savefig
    draws once instead of twice (a layout pass, then the drawing)."""
    if fig.get_layout_engine() is not None:
        fig.draw_without_rendering()
        with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)  # None, not "none": "none" keeps a placeholder engine


def save(fig: Figure, directory: str | Path, stem: str) -> list[Path]:
    """Write ``fig`` as ``directory/stem.png`` (120 dpi) and ``directory/stem.svg`` (the directory is
    created if needed), close it (release it from pyplot if pyplot manages it) and return both paths."""
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, not {type(fig).__name__}")
    if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"stem={stem!r} must be a plain file name without a directory")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    png, svg = directory / f"{stem}.png", directory / f"{stem}.svg"
    _freeze_layout(fig)  # lay out once for both files (savefig would lay out twice for each)
    with matplotlib.rc_context({"svg.hashsalt": "descend"}):
        fig.savefig(png, dpi=120, facecolor="white")
        fig.savefig(svg, facecolor="white", metadata={"Date": None})
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return [png, svg]
