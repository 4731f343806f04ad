"""Saving a figure as PNG and SVG from one layout."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

from ..._files import written_aside

# ---------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------


def _freeze_layout(fig: Figure) -> None:
    """Run the figure's layout engine once and keep the positions it found: without an engine, savefig
    draws once instead of twice (a layout pass, then the drawing). The engine runs as a drawing runs it (after
    the axes' aspect is applied), without the drawing that ``draw_without_rendering`` does after it: the
    positions, and so the files, are the same."""
    engine = fig.get_layout_engine()
    if engine is None:
        return
    try:
        from matplotlib.backend_bases import _get_renderer

        renderer = _get_renderer(fig)
        with renderer._draw_disabled():
            fig._get_draw_artists(renderer)  # applies every axes' aspect, as Figure.draw does before the layout
            try:
                engine.execute(fig)
            except ValueError:  # as Figure.draw: a figure too small for its layout keeps its positions
                pass
    except AttributeError:  # a matplotlib without these internals: a whole drawing without output
        fig.draw_without_rendering()
    with matplotlib.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # None, not "none": "none" keeps a placeholder engine


#: The formats :func:`save` writes: PNG (120 dpi) and SVG.
FORMATS = ("png", "svg")


def save(fig: Figure, directory: str | Path, stem: str, *, formats: tuple[str, ...] = FORMATS,
         times: dict[str, float] | None = None) -> list[Path]:
    """Write ``fig`` as ``directory/stem.png`` (120 dpi) and ``directory/stem.svg``, or in the ``formats``
    given (the directory is created if needed), close it (release it from pyplot if pyplot manages it) and
    return the paths. The figure is laid out once for all of them. ``times``, if given, gets the seconds spent
    laying the figure out and writing each file."""
    if not isinstance(fig, Figure):
        raise ValueError(f"fig must be a matplotlib Figure, not {type(fig).__name__}")
    if isinstance(formats, str) or not formats or any(f not in FORMATS for f in formats):
        raise ValueError(f"formats={formats!r} must be a non-empty tuple of {', '.join(FORMATS)}")
    if not isinstance(stem, str) or not stem or Path(stem).name != stem or stem in (".", ".."):
        raise ValueError(f"stem={stem!r} must be a plain file name without a directory")
    times = {} if times is None else times
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    files = [directory / f"{stem}.{f}" for f in dict.fromkeys(formats)]
    started = time.perf_counter()
    from .style import plain_log_labels, quiet_glyphs

    plain_log_labels(fig)  # 10⁻² as text, not mathtext: the same labels, parsed in no time
    with quiet_glyphs():
        _freeze_layout(fig)  # lay out once for every file (savefig would lay out twice for each)
    times["layout"] = time.perf_counter() - started
    with matplotlib.rc_context({"svg.hashsalt": "descend"}), quiet_glyphs(), written_aside(files) as partials:
        for file, partial in zip(files, partials):  # each written aside, then renamed: never half a file
            started = time.perf_counter()
            if file.suffix == ".png":
                fig.savefig(partial, dpi=120, facecolor="white")
            else:
                fig.savefig(partial, facecolor="white", metadata={"Date": None})
            times[file.suffix[1:]] = time.perf_counter() - started
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return files
