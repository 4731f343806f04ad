"""The paths moving over the contours, as a GIF or an MP4."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

from ..._files import written_aside
from .saving import _freeze_layout
from .style import _check_title, _legend_right, _styled, _suptitle
from .surface import (
    HALO,
    START_STYLE,
    _check_paths,
    _clip_path,
    _coincide_note,
    _contour_panel,
    _failed,
    _Grid,
    _legend_name,
    _path_colours,
    _path_markers,
    _path_width,
    _point_handles,
    _start_point,
)

# ---------------------------------------------------------------------------------------------------------
# Animation
# ---------------------------------------------------------------------------------------------------------


def animate(
    surface: object,
    paths: Mapping[object, np.ndarray],
    labels: Mapping[object, str],
    path: str | Path,
    *,
    fps: int = 20,
    max_frames: int = 120,
    title: str = "",
    dpi: int = 100,
    n: int = 120,
    status: Mapping[object, str] | None = None,
    colours: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
) -> Path:
    """Write an animation of the paths moving over the contours of ``surface`` to ``path``: a GIF
    (Pillow) for a ``.gif`` suffix, an MP4 (H.264 through the ffmpeg that imageio-ffmpeg ships) for
    ``.mp4``. Long paths are subsampled to at most ``max_frames`` frames (at least 2; the last frame
    shows the last step). Each frame shows every run's trail up to the step, its current position and
    the step number, in its label's colour (``colours`` as in :func:`landscape`), each trail with a white edge
    and narrower than the one before, its head in its label's marker shape (``markers`` as in
    :func:`landscape`), and paths that coincide named above the contours; the legend names the
    status of a run that does not count (``status``). Every frame of a GIF uses one palette that holds
    each label's exact colour, so no colour changes from frame to frame. A frame is 7.2 × 5.6 inches at
    ``dpi`` (720 × 560 pixels by default); ``n`` is the contour grid's resolution. Returns the path written.
    :func:`animate_files` writes several files from one drawing of the frames.
    """
    return animate_files(surface, paths, labels, [path], fps=fps, max_frames=max_frames, title=title, dpi=dpi, n=n,
                         status=status, colours=colours, markers=markers)[0]


def animate_files(
    surface: object,
    paths: Mapping[object, np.ndarray],
    labels: Mapping[object, str],
    files: Sequence[str | Path],
    *,
    fps: int = 20,
    max_frames: int = 120,
    title: str = "",
    dpi: int = 100,
    n: int = 120,
    status: Mapping[object, str] | None = None,
    colours: Mapping[str, str] | None = None,
    markers: Mapping[str, str] | None = None,
    times: dict[str, float] | None = None,
) -> list[Path]:
    """:func:`animate` into each of ``files`` (``.gif`` and ``.mp4``), the frames drawn once for all of them
    (as :func:`animate` draws them: the files are the same as written one by one). ``times``, if given, gets
    the seconds spent drawing the frames (``frames``) and finishing each file (``gif``, ``mp4``). Returns the
    paths written."""
    outs = [Path(f) for f in files]
    for out in outs:
        suffix = out.suffix.lower()
        if suffix not in (".gif", ".mp4"):
            raise ValueError(f"path {str(out)!r} must end in .gif or .mp4, not {suffix or 'no suffix'!r}")
    if not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"max_frames={max_frames!r} must be an int >= 2")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ValueError(f"fps={fps!r} must be a positive number")
    times = {} if times is None else times
    # an MP4's frames need an even number of pixels each way: a size that is not is drawn again for it
    for out in outs:  # before the files are made aside, next to where they go
        out.parent.mkdir(parents=True, exist_ok=True)
    with written_aside(outs) as partials:  # each written aside, then renamed: never half an animation
        groups: dict[bool, list[Path]] = {}
        for out, partial in zip(outs, partials):
            groups.setdefault(out.suffix.lower() == ".mp4" and not _even(dpi), []).append(partial)
        for resized, group in groups.items():
            _animate(surface, paths, labels, group, fps=fps, max_frames=max_frames, title=title, dpi=dpi, n=n,
                     status=status, colours=colours, markers=markers, times=times, resize=resized)
    return outs


def _even(dpi: float) -> bool:
    """Whether a frame of 7.2 × 5.6 inches at ``dpi`` is an even number of pixels each way (as H.264 needs)."""
    from matplotlib.animation import adjusted_figsize

    return adjusted_figsize(7.2, 5.6, dpi, 2) == (7.2, 5.6)


@_styled
def _animate(surface, paths, labels, outs: list[Path], *, fps, max_frames, title, dpi, n, status, colours, markers,
             times: dict[str, float], resize: bool) -> None:
    """Draw the animation's frames once and write them into every file of ``outs``."""
    import time

    title = _check_title(title)
    started = time.perf_counter()
    grid = _Grid(surface, n)
    paths = _check_paths(paths, labels)
    if not paths:
        raise ValueError("paths is empty: there is nothing to animate")
    clipped = {run: _clip_path(xy, grid)[0] for run, xy in paths.items()}
    run_labels = {run: str(labels[run]) for run in paths}
    colours = _path_colours(run_labels, colours)
    failed = _failed(paths, status)
    steps = max(len(xy) for xy in paths.values()) - 1  # the steps of the longest path
    if steps < 1:
        raise ValueError("paths hold only their start point: there is nothing to animate")
    frames = np.unique(np.linspace(0, steps, min(max_frames, steps + 1)).round().astype(int))

    fig = Figure(figsize=(7.2, 5.6), dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    _contour_panel(fig, ax, grid, colorbar=False)  # a log colour bar's labels cost more than the frame
    start_xy = _start_point(None, paths)
    handles = []
    if start_xy is not None:
        ax.plot([start_xy[0]], [start_xy[1]], **START_STYLE)
        handles.append(Line2D([], [], label="start", **START_STYLE))
    handles += _point_handles(ax, grid)
    shapes = _path_markers(run_labels, markers)
    trails, heads = {}, {}
    for k, run in enumerate(paths):
        colour = colours[run_labels[run]]
        (trails[run],) = ax.plot([], [], color=colour, linewidth=_path_width(k, len(paths)), zorder=4 + 0.01 * k,
                                 path_effects=HALO, solid_capstyle="round")
        (heads[run],) = ax.plot([], [], color=colour, marker=shapes[run_labels[run]], markersize=8,
                                markeredgecolor="white", linestyle="none", zorder=5 + 0.01 * k)
    _coincide_note(ax, paths, run_labels, grid)
    counter = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=9,
                      bbox=dict(facecolor="white", alpha=0.8, edgecolor="none"))
    handles = [Line2D([], [], color=c, marker=shapes[label], markersize=6, markeredgecolor="white",
                      label=_legend_name(label, run_labels, failed)) for label, c in colours.items()] + handles
    _legend_right(ax, handles)
    _suptitle(fig, title, "optimizers' paths")

    def update(step: int) -> None:
        for run, xy in clipped.items():
            k = min(step, len(xy) - 1)
            trails[run].set_data(xy[: k + 1, 0], xy[: k + 1, 1])
            heads[run].set_data(xy[k : k + 1, 0], xy[k : k + 1, 1])
        counter.set_text(f"step {step} / {steps}")

    _freeze_layout(fig)  # lay out once, not for every frame
    if resize:  # as matplotlib's FFMpegWriter does for H.264: the nearest size of even pixels
        from matplotlib.animation import adjusted_figsize

        fig.set_size_inches(*adjusted_figsize(7.2, 5.6, dpi, 2), forward=True)
    writers = []
    for out in outs:
        writers.append(_Gif(out, fig, fps, keep=list(colours.values())) if out.suffix.lower() == ".gif"
                       else _Mp4(out, fig, fps, dpi))
    try:
        for frame in _Frames(fig, ax, [*trails.values(), *heads.values(), counter]).each(update, frames):
            for writer in writers:
                writer.add(frame)
        times["frames"] = times.get("frames", 0.0) + time.perf_counter() - started
        for writer in writers:
            began = time.perf_counter()
            writer.finish()
            kind = writer.out.suffix.lower().lstrip(".")
            times[kind] = times.get(kind, 0.0) + time.perf_counter() - began
    finally:
        for writer in writers:
            writer.close()


class _Frames:
    """The frames of an animation as RGBA bytes, each exactly what ``fig.savefig(format="rgba")`` writes after
    the frame's update, drawn without drawing again what does not move: the figure is drawn once without the
    ``moving`` artists and the static ones drawn after them that they could touch, and each frame restores that
    picture and draws only those, in the order a full drawing draws them."""

    def __init__(self, fig: Figure, ax, moving: Sequence) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        self.fig, self.ax, self.moving = fig, ax, list(moving)
        self.canvas = FigureCanvasAgg(fig)
        # what savefig does for a writer that keeps no transparency: the face colour made opaque
        face = mcolors.to_rgba(matplotlib.rcParams["savefig.facecolor"])
        fig.set_facecolor(tuple(v * face[3] + (1 - face[3]) for v in face[:3]))

    def _top(self, renderer) -> list:
        """The artists of the axes that a full drawing draws from the first moving one on (the moving ones and
        the static ones they could touch), in that drawing's order."""
        from operator import attrgetter

        artists = sorted((a for a in self.ax.get_children() if a is not self.ax.patch and a.get_visible()),
                         key=attrgetter("zorder"))
        moving = {id(a) for a in self.moving}
        first = min(i for i, a in enumerate(artists) if id(a) in moving)
        region = self.ax.bbox.padded(4)
        top = []
        for a in artists[first:]:
            if id(a) in moving:
                top.append(a)
                continue
            try:
                extent = a.get_window_extent(renderer)
                apart = not extent.overlaps(region) and np.isfinite(extent.bounds).all()
            except Exception:  # anything that cannot say where it is is drawn with the moving ones
                apart = False
            if not apart:
                top.append(a)
        return top

    def each(self, update, steps) -> Iterator[bytes]:
        renderer = self.canvas.get_renderer()
        update(int(steps[0]))
        top = self._top(renderer)
        for a in top:
            a.set_animated(True)  # left out of the figure's drawing: drawn over it for every frame
        self.canvas.draw()
        background = self.canvas.copy_from_bbox(self.fig.bbox)
        renderer = self.canvas.get_renderer()
        for step in steps:
            update(int(step))
            self.canvas.restore_region(background)
            for a in top:
                a.draw(renderer)
            yield bytes(renderer.buffer_rgba())


class _Gif:
    """A GIF from RGBA frames with one palette for every frame: the colours of ``keep`` exactly, white and
    black, then the most common others of the last frame (every trail drawn). Pillow would otherwise quantise
    each frame to a palette of its own, and a label's colour would change from frame to frame."""

    def __init__(self, out: Path, fig: Figure, fps: float, keep: Sequence[str] = ()) -> None:
        self.out, self.fps = out, fps
        self.size = tuple(int(v) for v in fig.get_size_inches() * fig.dpi)
        self.keep = [tuple(round(255 * v) for v in mcolors.to_rgb(c)) for c in keep]
        self.frames: list = []

    def add(self, rgba: bytes) -> None:
        self.frames.append(Image.frombuffer("RGBA", self.size, rgba, "raw", "RGBA", 0, 1).convert("RGB"))

    def finish(self) -> None:
        fixed = list(dict.fromkeys([*self.keep, (255, 255, 255), (0, 0, 0)]))[:128]
        room = 256 - len(fixed)
        rest = self.frames[-1].quantize(colors=room, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * room]
        palette = Image.new("P", (1, 1))
        palette.putpalette([v for c in fixed for v in c] + list(rest))
        frames = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in self.frames]
        frames[0].save(self.out, save_all=True, append_images=frames[1:], duration=int(1000 / self.fps),
                       loop=0, optimize=False)

    def close(self) -> None:
        self.frames = []


class _Mp4:
    """An MP4 (H.264) from RGBA frames, piped to ffmpeg (the one imageio-ffmpeg ships) as matplotlib's
    FFMpegWriter pipes them: the same command, so the same file."""

    def __init__(self, out: Path, fig: Figure, fps: float, dpi: float) -> None:
        import imageio_ffmpeg
        from matplotlib.animation import FFMpegWriter

        self.out = out
        with matplotlib.rc_context({"animation.ffmpeg_path": imageio_ffmpeg.get_ffmpeg_exe()}):
            self.writer = FFMpegWriter(fps=fps, codec="h264", extra_args=["-pix_fmt", "yuv420p"])
            self.writer.setup(fig, out, dpi=dpi)  # starts ffmpeg, reading frames from a pipe

    def add(self, rgba: bytes) -> None:
        self.writer._proc.stdin.write(rgba)

    def finish(self) -> None:
        self.writer.finish()

    def close(self) -> None:
        proc = self.writer._proc
        if proc.poll() is None:  # an error before finish: stop ffmpeg
            proc.kill()
            proc.communicate()
