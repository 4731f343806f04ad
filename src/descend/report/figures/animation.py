"""The paths moving over the contours, as a GIF or an MP4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from io import BytesIO
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.animation import AbstractMovieWriter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from PIL import Image

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


@_styled
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
    """
    title = _check_title(title)
    out = Path(path)
    suffix = out.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"path {str(out)!r} must end in .gif or .mp4, not {suffix or 'no suffix'!r}")
    if not isinstance(max_frames, int) or max_frames < 2:
        raise ValueError(f"max_frames={max_frames!r} must be an int >= 2")
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise ValueError(f"fps={fps!r} must be a positive number")
    from matplotlib.animation import FFMpegWriter, FuncAnimation

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

    def update(step: int):
        for run, xy in clipped.items():
            k = min(step, len(xy) - 1)
            trails[run].set_data(xy[: k + 1, 0], xy[: k + 1, 1])
            heads[run].set_data(xy[k : k + 1, 0], xy[k : k + 1, 1])
        counter.set_text(f"step {step} / {steps}")
        return [*trails.values(), *heads.values(), counter]

    _freeze_layout(fig)  # lay out once, not twice for every frame
    animation = FuncAnimation(fig, update, frames=[int(f) for f in frames], blit=False, repeat=False,
                              cache_frame_data=False)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".gif":
        animation.save(out, writer=_GifWriter(fps=fps, keep=list(colours.values())), dpi=dpi)
    else:
        import imageio_ffmpeg

        with matplotlib.rc_context({"animation.ffmpeg_path": imageio_ffmpeg.get_ffmpeg_exe()}):
            writer = FFMpegWriter(fps=fps, codec="h264", extra_args=["-pix_fmt", "yuv420p"])
            animation.save(out, writer=writer, dpi=dpi)
    return out


class _GifWriter(AbstractMovieWriter):
    """matplotlib's PillowWriter with one palette for every frame: the colours of ``keep`` exactly, white and
    black, then the most common others of the last frame (every trail drawn). Pillow would otherwise
    quantise each frame to a palette of its own, and a label's colour would change from frame to frame."""

    def __init__(self, *args, keep: Sequence[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.keep = [tuple(round(255 * v) for v in mcolors.to_rgb(c)) for c in keep]
        self.frames: list = []

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi=dpi)
        self.frames = []

    def grab_frame(self, **savefig_kwargs):
        buffer = BytesIO()
        self.fig.savefig(buffer, **{**savefig_kwargs, "format": "rgba", "dpi": self.dpi})
        rgba = Image.frombuffer("RGBA", self.frame_size, buffer.getbuffer(), "raw", "RGBA", 0, 1)
        self.frames.append(rgba.convert("RGB"))

    def finish(self):
        fixed = list(dict.fromkeys([*self.keep, (255, 255, 255), (0, 0, 0)]))[:128]
        room = 256 - len(fixed)
        rest = self.frames[-1].quantize(colors=room, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * room]
        palette = Image.new("P", (1, 1))
        palette.putpalette([v for c in fixed for v in c] + list(rest))
        frames = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in self.frames]
        frames[0].save(self.outfile, save_all=True, append_images=frames[1:], duration=int(1000 / self.fps),
                       loop=0, optimize=False)
