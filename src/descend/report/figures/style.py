"""Style, names and checks shared by every figure: the style applied while a figure is built, the
marks of a run's status, the order of batch sizes, and the checks of the tables a figure reads."""

from __future__ import annotations

import contextlib
import functools
import math
import textwrap
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib import font_manager, ticker
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ... import outcomes
from ..._quiet import ignoring
from ...selection import status_steps, statuses
from ..colours import batch_order as _batch_key
from ..colours import colours as palette_of
from ..colours import regime_colours as _regime_colours
from ..ticks import label as tick_label
from ..ticks import plain_power, round_log_ticks
from .grid import MAX_POINTS, POINT_STYLES  # noqa: F401 - shared with every figure

#: The style every figure is built with (applied locally, never globally).
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "legend.fontsize": 8,
    "figure.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "grid.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "lines.linewidth": 1.5,
    "image.cmap": "viridis",
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "svg.hashsalt": "descend",  # reproducible SVG ids
    "text.usetex": False,  # the labels need no LaTeX (set by the user without one installed, every figure failed)
}

#: The smallest text of any figure, in points (a heat map's cell values, a crowded legend): a figure on a page
#: is shown smaller than drawn (a report's 1,656 px heat map at 1,122 css px), and 7 pt read as about 6.
SMALLEST_TEXT = 8

SPLITS = ("batch", "train", "validation", "test")
#: Line styles of the splits in :func:`loss_curves`: the training loss solid, held-out losses dashed.
SPLIT_STYLES = {"batch": "-", "train": "-", "validation": ":", "test": "--"}
SPLIT_NAMES = {
    "batch": "training loss (mini-batch)",
    "train": "training loss (full training set)",
    "validation": "validation loss",
    "test": "test loss",
}
X_LABELS = {"step": "step (optimizer updates)", "epoch": "epoch (passes over the training set)"}
#: The panels a figure of one panel per optimizer draws at most (eight rows of three); past it, its title says
#: which part of the optimizers it shows (:func:`_panels`).
MAX_PANELS = 24
GRAD_PREFIX = "grad_norm:"
DIVERGED_MARK = {"marker": "x", "markersize": 8, "markeredgewidth": 2.0, "linestyle": "none"}
#: How a run that does not count is marked, by status (the legend says :data:`descend.outcomes.STATUSES`).
STATUS_MARKS = {
    outcomes.DIVERGED: DIVERGED_MARK,
    outcomes.LEFT_DOMAIN: {"marker": "D", "markersize": 6, "markeredgewidth": 1.5, "markerfacecolor": "none",
                           "linestyle": "none"},
    outcomes.PRUNED: {"marker": "|", "markersize": 9, "markeredgewidth": 2.0, "linestyle": "none"},
    outcomes.INTERRUPTED: {"marker": ">", "markersize": 7, "markeredgewidth": 1.5, "markerfacecolor": "none",
                           "linestyle": "none"},
}
#: The short words of a status in a heat-map cell.
STATUS_SHORT = {outcomes.DIVERGED: "div", outcomes.LEFT_DOMAIN: "left dom.", outcomes.PRUNED: "pruned",
                outcomes.INTERRUPTED: "cut"}



# ---------------------------------------------------------------------------------------------------------
# Style, colours and names
# ---------------------------------------------------------------------------------------------------------


#: Fonts covering scripts that matplotlib's DejaVu Sans lacks (Chinese, Japanese, Korean, symbols): those installed
#: draw the characters the font in use has no glyph for (a CSV file named 売上データ.csv, in a figure's title).
#: None is ever downloaded.
FALLBACK_FONTS = ("Noto Sans CJK JP", "Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK KR", "Source Han Sans",
                  "Source Han Sans JP", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Droid Sans Fallback",
                  "IPAexGothic", "IPAGothic", "TakaoGothic", "VL Gothic", "Noto Sans", "Noto Emoji", "Symbola")


def fallback_fonts(installed: Iterable[str] | None = None) -> tuple[str, ...]:
    """The fonts of :data:`FALLBACK_FONTS` among ``installed`` (font family names; by default those matplotlib's
    font manager found on this system), in that order.

    >>> fallback_fonts(["DejaVu Sans", "WenQuanYi Zen Hei", "Noto Sans CJK JP"])
    ('Noto Sans CJK JP', 'WenQuanYi Zen Hei')
    """
    if installed is None:
        return _installed_fallbacks()
    names = set(installed)
    return tuple(name for name in FALLBACK_FONTS if name in names)


@functools.lru_cache(maxsize=1)
def _installed_fallbacks() -> tuple[str, ...]:
    return fallback_fonts({font.name for font in font_manager.fontManager.ttflist})


@contextlib.contextmanager
def quiet_glyphs() -> Iterator[None]:
    """Draw without matplotlib's warning for each character no font in use has (one per character and drawing: 61
    lines under --quiet for a file named in Japanese on a system without such a font): the character is drawn as
    a box, and the report's HTML shows the text. matplotlib 3.9 words it "missing from font(s) ...", 3.7 and 3.8
    "missing from current font"."""
    with ignoring(r"Glyph \d+ .*missing from (current )?font", category=UserWarning):
        yield


@functools.lru_cache(maxsize=1)
def _default_colours() -> dict[str, Any]:
    """matplotlib's own colours (every setting named ``...color``, and the colour cycle), whatever style the user
    set: a figure's background is white (:data:`STYLE`), and a dark style's white text, ticks and axes on it left
    every label unreadable (``plt.style.use("dark_background")``, a dark matplotlibrc)."""
    defaults = matplotlib.rcParamsDefault
    return {key: defaults[key] for key in defaults
            if key.rpartition(".")[2].endswith("color") or key == "axes.prop_cycle"}


@contextlib.contextmanager
def styled() -> Iterator[None]:
    """The settings every figure is built in, none of them lasting: matplotlib's default colours
    (:func:`_default_colours`), :data:`STYLE`, the installed fallback fonts (:func:`fallback_fonts`) after the font
    family in use, and :func:`quiet_glyphs`. The user's other settings (sizes, fonts, line widths) are kept."""
    with matplotlib.rc_context({**_default_colours(), **STYLE}), quiet_glyphs():
        family = list(matplotlib.rcParams["font.family"])
        extra = [name for name in fallback_fonts() if name not in family]
        if extra:
            matplotlib.rcParams["font.family"] = family + extra  # undone with the rest when the context ends
        yield


def _styled(function: Callable) -> Callable:
    """Build the figure inside :func:`styled` so that no global matplotlib state changes."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with styled():
            return function(*args, **kwargs)

    return wrapper


def _colours(s: pd.DataFrame, given: Mapping[str, str] | None) -> dict[str, str]:
    """Every label's colour: ``given`` (a report's colours), else the palette of the labels' optimizers."""
    labels = list(dict.fromkeys(s["label"]))
    if given is not None:
        missing = [label for label in labels if label not in given]
        if missing:
            raise ValueError(f"colours has no colour for {', '.join(map(repr, missing))}")
        return {label: given[label] for label in labels}
    if "optimizer" in s:
        return palette_of(dict(zip(s["label"], s["optimizer"].astype(str))))
    return palette_of(labels)


def _order(s: pd.DataFrame, given: Mapping[str, str] | None = None) -> list[str]:
    """The labels of ``s`` in the order a figure lists them (its legend, its panels): the order of ``given`` (a
    report's colours, in its table's order, decided once for every figure and chart of the report), else the
    order in which they first come in the summary (a comparison's summary lists its optimizers in its order)."""
    labels = list(dict.fromkeys(s["label"]))
    if given is None:
        return labels
    place = {label: k for k, label in enumerate(given)}
    return sorted(labels, key=lambda label: place.get(label, len(place)))  # stable: any other after, as they come


def _shade(colour: str, i: int, n: int) -> tuple[float, float, float]:
    """The i-th of n shades of a colour, from darker to lighter (several configurations of one label)."""
    rgb = np.array(mcolors.to_rgb(colour))
    if n <= 1:
        return tuple(rgb)
    t = -0.35 + 0.8 * i / (n - 1)  # < 0 mixes with black, > 0 with white
    mixed = rgb * (1 + t) if t < 0 else rgb + (1 - rgb) * t
    return tuple(np.clip(mixed, 0, 1))




def _regime_name(batch_size: str) -> str:
    text = str(batch_size)
    if text == "full":
        return "GD (full batch)"
    if text == "1":
        return "SGD (batch 1)"
    if text.isdigit():
        return f"mini-batch ({text})"
    return text




def _batch_text(batch_size: str) -> str:
    text = str(batch_size)
    return "full batch" if text == "full" else f"batch {text}" if text.isdigit() else text


def _metric_name(metric: str) -> str:
    return metric.replace("_", " ")


def _split_name(split: str, batch_sizes: Iterable[str] = ()) -> str:
    """The legend's name of a split; the loss measured at every step ("batch") is named by the batches it
    was measured on: the full training set for full-batch runs (GD), the step's mini-batch otherwise."""
    if split != "batch":
        return SPLIT_NAMES[split]
    sizes = {str(b) for b in batch_sizes}
    if sizes and sizes <= {"full"}:
        return "training loss (full batch, every step)"
    if "full" in sizes:
        return "training loss (every step: its batch, the whole set for full-batch runs)"
    return SPLIT_NAMES["batch"]


#: The widest a character of a title is taken to be, in ems (DejaVu Sans' widest common letters).
_EM = 0.62


def literal(text: str) -> str:
    """``text`` as matplotlib draws it letter for letter: a ``$`` escaped, so that a name of the user's (a CSV file
    "cost $ per $ unit.csv", a column) is not read as mathtext between two of them (which dropped the dollars,
    or failed to parse and cost the report its figures)."""
    return text.replace("$", r"\$")


def _suptitle(fig: Figure, title: str, what: str) -> None:
    """The figure's title "title — what", wrapped to the figure's width (the title on one line, what the
    figure shows on the next, each wrapped again if needed) so that no side is ever clipped."""
    text = f"{title} — {what}" if title else what
    size = matplotlib.rcParams["figure.titlesize"]
    size = size if isinstance(size, (int, float)) else font_manager.FontProperties(size=size).get_size()
    room = max(20, int(0.96 * fig.get_figwidth() * 72 / (_EM * size)))  # characters per line
    if len(text) > room:
        parts = [title, what] if title else [what]
        text = "\n".join(line for part in parts for line in textwrap.wrap(part, room))
    fig.suptitle(literal(text))


def _panels(labels: list) -> tuple[list, str]:
    """The optimizers a figure of one panel each draws (at most :data:`MAX_PANELS`) and, when that leaves some
    out, the words its title adds to say so ("" when it draws them all)."""
    labels = list(labels)
    if len(labels) <= MAX_PANELS:
        return labels, ""
    return labels[:MAX_PANELS], f" (the first {MAX_PANELS} of {len(labels)} optimizers)"


def _panel_grid(n: int) -> tuple[int, int]:
    cols = min(n, 3)
    return math.ceil(n / cols), cols


def _legend(fig: Figure, handles: list, where: str = "outside lower center", **kwargs) -> None:
    if handles:
        fig.legend(handles=handles, loc=where, **kwargs)


def _legend_right(ax, handles: list, **kwargs) -> None:
    """A legend to the right of ``ax``, its top level with the axes' top (under the figure title; the
    layout engine makes room for it), in more columns when it is long."""
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0,
                  ncols=math.ceil(len(handles) / 24), **kwargs)


def _status_handles(statuses_drawn: Iterable[str]) -> list[Line2D]:
    """Legend entries for the statuses marked in a figure, in the order of :data:`descend.outcomes.STATUSES`."""
    drawn = set(statuses_drawn)
    return [Line2D([], [], color="0.3", label=outcomes.STATUSES[status], **STATUS_MARKS[status])
            for status in STATUS_MARKS if status in drawn]


#: The span (high / low) of a log axis from which its minor ticks are at 2 and 5 × 10^k only (see _log_ticks).
MINOR_THINNED_FROM = 1e4


def _log_ticks(ax, which: str = "y") -> None:
    """Give a log axis at least two labelled ticks, rounded (:func:`descend.report.ticks.round_log_ticks`): an
    axis spanning less than two powers of ten is labelled at 1, 2 and 5 × 10^k (or every digit, or round
    values between its limits) as plain numbers, with unlabelled minor ticks. Call it once the limits are
    final; an axis with two powers of ten or more keeps matplotlib's 10^k labels (as plain text,
    :class:`PlainLogFormatter`), and one with four or more
    has its minor ticks at 2 and 5 × 10^k only (every tick is an artist to lay out and draw: matplotlib's
    eight per power of ten made a panel of gradient norms over eight of them cost about a second more)."""
    axis = ax.yaxis if which == "y" else ax.xaxis
    if axis.get_scale() != "log":
        return
    low, high = sorted(ax.get_ylim() if which == "y" else ax.get_xlim())
    ticks = round_log_ticks(low, high)
    if ticks is None:
        axis.set_major_formatter(PlainLogFormatter())
        if low > 0 and high >= low * MINOR_THINNED_FROM:
            axis.set_minor_locator(ticker.LogLocator(subs=(2.0, 5.0)))
        return
    axis.set_major_locator(ticker.FixedLocator(ticks))
    axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: tick_label(v)))
    axis.set_minor_formatter(ticker.NullFormatter())


class PlainLogFormatter(ticker.LogFormatterSciNotation):
    """matplotlib's labels of a log axis (10^k, 2 × 10^k) as plain text (:func:`descend.report.ticks.plain_power`):
    ``10⁻²`` instead of the mathtext ``$\\mathdefault{10^{-2}}$``. The figures look the same, and a report is
    drawn faster: mathtext's parser took 20-30 ms per label and resolution, about half a second of a figure
    with log axes."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return plain_power(super().__call__(x, pos))


class InViewLogLocator(ticker.Locator):
    """A log axis's own locator, keeping only the ticks within the axis's view (and a hair around it).

    matplotlib's :class:`~matplotlib.ticker.LogLocator` also gives the ticks of a decade beyond each end; the
    axis makes a tick (two lines and two texts) for each, positions and labels them at every layout pass and
    drawing, and then draws only those in view. Without them a figure is the same, pixel for pixel."""

    def __init__(self, locator: ticker.LogLocator) -> None:
        self.locator = locator

    def set_axis(self, axis: Any) -> None:
        super().set_axis(axis)
        self.locator.set_axis(axis)

    def __call__(self) -> Any:
        locs = np.asarray(self.locator())
        lo, hi = sorted(self.axis.get_view_interval())
        if not (np.isfinite(lo) and np.isfinite(hi) and lo > 0):
            return locs
        with np.errstate(divide="ignore", invalid="ignore"):
            keep = (locs >= lo * (1 - 1e-6)) & (locs <= hi * (1 + 1e-6))
        return locs[keep]

    def tick_values(self, vmin: float, vmax: float) -> Any:
        return self.locator.tick_values(vmin, vmax)

    def nonsingular(self, v0: float, v1: float) -> tuple[float, float]:
        return self.locator.nonsingular(v0, v1)

    def view_limits(self, vmin: float, vmax: float) -> tuple[float, float]:
        return self.locator.view_limits(vmin, vmax)


def plain_log_labels(fig: Figure) -> None:
    """Give every axis of ``fig`` labelled by matplotlib's own log formatter :class:`PlainLogFormatter` instead,
    with the same settings (which ticks it labels), and located by :class:`InViewLogLocator` around its own
    log locator."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis, getattr(ax, "zaxis", None)):
            if axis is None:
                continue
            if axis is not getattr(ax, "zaxis", None):
                for get, put in ((axis.get_major_locator, axis.set_major_locator),
                                 (axis.get_minor_locator, axis.set_minor_locator)):
                    old = get()
                    if type(old) is ticker.LogLocator:
                        put(InViewLogLocator(old))
            for get, put in ((axis.get_major_formatter, axis.set_major_formatter),
                             (axis.get_minor_formatter, axis.set_minor_formatter)):
                old = get()
                if type(old) is ticker.LogFormatterSciNotation:
                    put(PlainLogFormatter(old._base, labelOnlyBase=old.labelOnlyBase,
                                          minor_thresholds=old.minor_thresholds, linthresh=old._linthresh))


def _log_y(ax, values: Iterable[np.ndarray]) -> bool:
    """A log y axis (values <= 0 masked: gaps) unless some finite non-zero value is negative."""
    finite = [v[np.isfinite(v) & (v != 0)] for v in (np.asarray(x, float) for x in values)]
    log = all(bool((v > 0).all()) for v in finite)
    if log:
        ax.set_yscale("log", nonpositive="mask")
    return log


# ---------------------------------------------------------------------------------------------------------
# Checks of the tables
# ---------------------------------------------------------------------------------------------------------


def _check_frame(frame: object, name: str, required: Iterable[str]) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"{name} must be a pandas DataFrame, not {type(frame).__name__}")
    if frame.empty:
        raise ValueError(f"{name} is empty: there is nothing to draw")
    columns = set(frame.columns) | ({frame.index.name} if frame.index.name else set())
    missing = [c for c in required if c not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise ValueError(
            f"{name} is missing the column{plural} {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, map(str, frame.columns)))})"
        )


def _summary(summary: object, required: Iterable[str] = ("label",)) -> pd.DataFrame:
    """The summary checked and normalised: index ``run``, string labels and batch sizes, float lr, the
    ``status`` of every run and the float step ``status_at`` (from an old summary's ``diverged`` and
    ``diverged_at``), and ``counts``, whether its numbers may enter a median."""
    _check_frame(summary, "summary", required)
    s = summary.set_index("run") if "run" in summary.columns else summary.copy()
    s["label"] = s["label"].astype(str)
    s["lr"] = pd.to_numeric(s["lr"], errors="coerce") if "lr" in s else np.nan
    s["batch_size"] = s["batch_size"].map(str) if "batch_size" in s else "-"  # None stays "None" (pandas 3: NaN)
    s["status"] = statuses(s)
    s["status_at"] = status_steps(s)
    s["counts"] = s["status"].map(outcomes.counts).astype(bool)
    return s


def _curves(curves: object, *, epoch: bool = False) -> pd.DataFrame:
    _check_frame(curves, "curves", ["run", "step", "split", "metric", "value"] + (["epoch"] if epoch else []))
    return curves


def _check_title(title: object) -> str:
    if not isinstance(title, str):
        raise ValueError(f"title must be a string, not {title!r}")
    return title


def _same(values: pd.Series, value: object) -> pd.Series:
    """``values == value`` where NaN equals NaN (runs without a learning rate form one group)."""
    if isinstance(value, float) and math.isnan(value):
        return values.isna()
    return values == value
