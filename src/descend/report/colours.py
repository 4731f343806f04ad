"""The one palette of every report: an optimizer's colour is keyed by its registry name, and its marker
shape by its place among the labels compared. Every figure that tells labels apart by colour tells them apart
by that shape too (:func:`styles`, :class:`Style`): some pairs of the palette look alike to a colour-blind
reader (momentum's orange and rmsprop's green under protanopia).

The same optimizer has the same colour in every PNG, SVG, animation frame and HTML chart of every report
descend writes, whatever else is compared: :data:`BASE` fixes a colour per registry name (an optimizer not
listed, one of one's own, gets one of :data:`EXTRA`, none of them near a colour of :data:`BASE`, chosen by a
checksum of its name, so it is stable too; where two such optimizers of one report would share it, the later in
alphabetical order takes the next free one). When several
labels of one optimizer are compared (``sgd`` and ``sgd(momentum=0.9)``), the plain label (or, without one,
the first in sorted order) keeps the optimizer's colour and the others get darker and lighter shades of it,
so every label stays distinguishable. A batch size has a colour of its own in the batch-size figure
(:func:`regime_colours`), the same whatever other sizes are run, and none near an optimizer's.

>>> colours({"adam": "adam", "sgd": "sgd", "sgd(momentum=0.9)": "sgd"})["adam"] == BASE["adam"]
True
>>> optimizer_of("sgd(momentum=0.9) (lr 0.1)")
'sgd'
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from matplotlib import colors as mcolors

from .._names import optimizer_of  # decided there: the selection reads it too

__all__ = ["BASE", "COST_COLOURMAP", "COST_COLORSCALE", "DASHES", "EXTRA", "FULL_BATCH_COLOUR", "MARKERS",
           "MARKS_PER_LINE", "PLOTLY_SYMBOLS", "REGIME_COLOURS", "Style", "batch_order", "colours", "contrast",
           "marks_at", "markers", "optimizer_of", "regime_colour", "regime_colours", "styles", "text_colour"]

#: The colours of a cost J (contours, surfaces, the animation's frames): viridis reversed, the lighter the
#: colour, the smaller the cost, as seed 003 reads its figures; Matplotlib's name, and Plotly's scale with its
#: direction (the playground's page, ``descend/play/static/app.js``, draws ``"Viridis"`` reversed alike).
COST_COLOURMAP = "viridis_r"
COST_COLORSCALE = dict(colorscale="Viridis", reversescale=True)

#: The colour of every optimizer of the registry (and of random search), by registry name.
BASE: dict[str, str] = {
    "gd": "#1f77b4",  # blue
    "momentum": "#ff7f0e",  # orange
    "rmsprop": "#2ca02c",  # green
    "adam": "#d62728",  # red
    "sgd": "#9467bd",  # purple
    "nesterov": "#8c564b",  # brown
    "adagrad": "#e377c2",  # pink
    "adadelta": "#7f7f7f",  # grey
    "amsgrad": "#bcbd22",  # olive
    "adamw": "#17becf",  # cyan
    "adamax": "#393b79",  # indigo
    "nadam": "#637939",  # moss
    "radam": "#843c39",  # brick
    "random-search": "#7b4173",  # plum
}
#: Colours for an optimizer that :data:`BASE` does not list, picked by the CRC-32 of its name: each at least 25
#: apart (CIELAB ΔE) from every colour of :data:`BASE` and from each other (the earlier ten were shades of gd's
#: blue, momentum's orange and rmsprop's green), and dark enough to read on white.
EXTRA = ("#1b9e77", "#e7298a", "#e6ab02", "#a6761d", "#222222", "#01665e", "#fb8072", "#3f007d", "#9e0142",
         "#00441b")
#: How far the k-th extra label of one optimizer moves from its colour: < 0 towards black, > 0 towards white; the
#: last eight halve the steps between the first nine (seventeen labels of one optimizer, then the shades repeat:
#: their markers differ, :func:`markers`).
SHADES = (0.0, -0.4, 0.45, -0.65, 0.7, -0.2, 0.25, -0.55, 0.6,
          -0.3, 0.35, -0.6, 0.65, -0.1, 0.125, -0.475, 0.525)


def base(optimizer: str) -> str:
    """The colour of an optimizer (its registry name)."""
    name = str(optimizer).strip().lower()
    if name in BASE:
        return BASE[name]
    return EXTRA[zlib.crc32(name.encode()) % len(EXTRA)]


def shade(colour: str, k: int) -> str:
    """The k-th shade of a colour (k = 0: the colour itself), as #rrggbb; past :data:`SHADES`, those away from the
    colour again (the tenth label was once the colour itself, the first's).

    >>> len({shade("#9467bd", k) for k in range(17)}), shade("#9467bd", 17) == shade("#9467bd", 1)
    (17, True)
    """
    t = SHADES[k] if k < len(SHADES) else SHADES[1 + (k - 1) % (len(SHADES) - 1)]
    r, g, b = mcolors.to_rgb(colour)
    mixed = [c * (1 + t) if t < 0 else c + (1 - c) * t for c in (r, g, b)]
    return mcolors.to_hex([min(max(c, 0.0), 1.0) for c in mixed])


def colours(labels: Mapping[str, str] | Iterable[str]) -> dict[str, str]:
    """The colour of every label: ``labels`` maps a label to its optimizer's registry name (or is a list of
    labels, each read with :func:`optimizer_of`). Returned in the order given.

    A label's colour depends only on its optimizer and on the other labels of the same optimizer: the plain
    label (equal to the registry name) or else the first in sorted order gets the optimizer's colour, the
    others its shades in sorted order.
    """
    if isinstance(labels, Mapping):
        pairs = {str(label): str(name).strip().lower() for label, name in labels.items()}
    else:
        pairs = {str(label): optimizer_of(label) for label in labels}
    by_optimizer: dict[str, list[str]] = {}
    for label, name in pairs.items():
        by_optimizer.setdefault(name, []).append(label)
    own = _own_colours(sorted(name for name in by_optimizer if name not in BASE))
    out: dict[str, str] = {}
    for name, mine in by_optimizer.items():
        ordered = sorted(mine, key=lambda label: (label.strip().lower() != name, label))
        for k, label in enumerate(ordered):
            out[label] = shade(own.get(name) or base(name), k)
    return {label: out[label] for label in pairs}


def _own_colours(names: list[str]) -> dict[str, str]:
    """The colours of optimizers that :data:`BASE` does not list, compared in one report (``names`` sorted): each
    its own (:func:`base`), unless an earlier one took it: then the next :data:`EXTRA` colour free.

    >>> _own_colours(["adan", "lion"]) == {"adan": base("adan"), "lion": EXTRA[EXTRA.index(base("adan")) + 1]}
    True
    """
    taken: dict[str, str] = {}
    for name in names:
        at = EXTRA.index(base(name))
        for step in range(len(EXTRA)):
            colour = EXTRA[(at + step) % len(EXTRA)]
            if colour not in taken.values() or step == len(EXTRA) - 1:  # more than ten: shared at last
                break
        taken[name] = colour
    return taken


#: The marker shapes (matplotlib's names) that tell labels apart where their lines or paths overlap: the k-th
#: label compared gets the k-th. None is a star (a minimum), an × (diverged) or a large circle (the start).
MARKERS = ("o", "s", "^", "D", "v", "P", "h", "<", ">", "p", "d", "H")
#: The same shapes in Plotly's names, for the HTML charts.
PLOTLY_SYMBOLS = {"o": "circle", "s": "square", "^": "triangle-up", "D": "diamond", "v": "triangle-down",
                  "P": "cross", "h": "hexagon", "<": "triangle-left", ">": "triangle-right", "p": "pentagon",
                  "d": "diamond-tall", "H": "hexagon2"}


def markers(labels: Iterable[str]) -> dict[str, str]:
    """The marker shape of every label, in the order given (a report gives its labels' order, as for
    :func:`colours`): the k-th label gets ``MARKERS[k]``, so that up to twelve labels drawn together never
    share a shape (past twelve the shapes repeat; two labels that share one differ in colour).

    >>> markers(["gd", "momentum", "adam"])
    {'gd': 'o', 'momentum': 's', 'adam': '^'}
    """
    return {label: MARKERS[k % len(MARKERS)] for k, label in enumerate(dict.fromkeys(map(str, labels)))}


#: How many times a line carries its label's marker shape where its points are too many to mark each (a loss
#: curve, a best so far, a cost against the step): evenly, :func:`marks_at` in a still figure, Plotly's
#: ``marker.maxdisplayed`` in a page's chart.
MARKS_PER_LINE = 10
#: The line dash (Plotly's names, the same in 2-D and 3-D) that goes with each marker shape of :data:`MARKERS`, in
#: turn: for a line that cannot carry its shape (plotly.js draws a 3-D marker in eight shapes only, so a path on a
#: 3-D surface is told apart by its dash).
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


@dataclass(frozen=True)
class Style:
    """How a label is drawn in every figure: its ``colour`` (:func:`colours`) and its ``marker`` shape
    (matplotlib's name, :func:`markers`), with what the shape decides: its Plotly :attr:`symbol` and its line
    :attr:`dash`.

    >>> Style("#ff7f0e", "s").symbol, Style("#ff7f0e", "s").dash
    ('square', 'dash')
    """

    colour: str
    marker: str

    @property
    def symbol(self) -> str:
        """The marker shape in Plotly's name (:data:`PLOTLY_SYMBOLS`)."""
        return PLOTLY_SYMBOLS.get(self.marker, "circle")

    @property
    def dash(self) -> str:
        """The line dash that goes with the shape (:data:`DASHES`)."""
        at = MARKERS.index(self.marker) if self.marker in MARKERS else 0
        return DASHES[at % len(DASHES)]


def styles(labels: Mapping[str, str] | Iterable[str], order: Iterable[str] | None = None) -> dict[str, Style]:
    """Every label's :class:`Style`, in the order of ``labels``: its colour, :func:`colours` of ``labels`` (a dict
    label → optimizer, or a list of labels), and its marker shape, :func:`markers` of the labels in ``order``
    (default: the order of ``labels``; it must hold every label). Every figure of a report reads its labels'
    styles from here, so that a label has one colour and one shape throughout.

    >>> {label: (s.colour, s.marker) for label, s in styles(["momentum", "rmsprop"]).items()}
    {'momentum': ('#ff7f0e', 'o'), 'rmsprop': ('#2ca02c', 's')}
    """
    palette = colours(labels)
    shapes = markers(order if order is not None else palette)
    missing = [label for label in palette if label not in shapes]
    if missing:
        raise ValueError(f"order has no place for {', '.join(map(repr, missing))}")
    return {label: Style(palette[label], shapes[label]) for label in palette}


def marks_at(count: int, k: int = 0, n: int = 1) -> list[int]:
    """Where a line of ``count`` points carries its marker shape: :data:`MARKS_PER_LINE` times, evenly, the k-th
    of n lines starting a little later than the one before, so that the marks of lines on top of each other fall
    side by side.

    >>> marks_at(100), marks_at(100, 1, 2)
    ([5, 15, 25, 35, 45, 55, 65, 75, 85, 95], [7, 17, 27, 37, 47, 57, 67, 77, 87, 97])
    """
    if count < 2:
        return []
    spacing = count / MARKS_PER_LINE
    start = spacing * (k + 0.5) / max(n, 1)
    return np.unique(np.minimum(np.arange(start, count, spacing).astype(int), count - 1)).tolist()


def luminance(colour: str | tuple) -> float:
    """The relative luminance of a colour (WCAG 2.x: its linear sRGB weighted 0.2126, 0.7152, 0.0722), from 0
    (black) to 1 (white).

    >>> luminance("#ffffff"), luminance("#000000")
    (1.0, 0.0)
    """
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in mcolors.to_rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str | tuple, second: str | tuple) -> float:
    """The contrast ratio of two colours (WCAG 2.x), from 1 (the same) to 21 (black on white); text needs 4.5.

    >>> round(contrast("#888888", "#ffffff"), 2), round(contrast("#000000", "#ffffff"), 1)
    (3.54, 21.0)
    """
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_colour(background: str | tuple) -> str:
    """Black or white, whichever contrasts more with ``background`` (:func:`contrast`): the colour of a value
    written on a coloured cell. On every colour of viridis, either gives at least 4.5.

    >>> text_colour("#50c46a"), text_colour("#440154")
    ('black', 'white')
    """
    return "black" if contrast("#000000", background) >= contrast("#ffffff", background) else "white"


def depth_order(names: Iterable[str]) -> list[str]:
    """Parameter (or layer) names from the input to the output: in natural order, ``layer2`` before
    ``layer10``, a layer's bias before its weight (the order every gradient-norm figure draws and colours them).

    >>> depth_order(["layer10.weight", "layer2.weight", "layer2.bias"])
    ['layer2.bias', 'layer2.weight', 'layer10.weight']
    """
    return sorted(dict.fromkeys(map(str, names)), key=lambda name: [
        int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)])


def depth_colours(names: Iterable[str]) -> dict[str, str]:
    """The colour of each parameter or layer in a gradient-norm figure, by depth (:func:`depth_order`): viridis
    from its darkest to 90 % of the way, the same in the still figures and the HTML charts (an optimizer's
    colour would say another thing there).

    >>> depth_colours(["b", "a"])
    {'a': '#440154', 'b': '#bddf26'}
    """
    import matplotlib

    ordered = depth_order(names)
    cmap = matplotlib.colormaps["viridis"]
    return {name: mcolors.to_hex(cmap(0.9 * k / max(1, len(ordered) - 1))) for k, name in enumerate(ordered)}


def batch_order(batch_size: str) -> tuple:
    """Sort batch sizes (as shown: ``"32"``, ``"full"``, a hybrid's text): numbers ascending, then hybrid
    schedules, then the full batch."""
    text = str(batch_size)
    if text.isdigit():
        return (0, int(text), text)
    if text == "full":
        return (2, 0, text)
    return (1, 0, text)


#: The full batch's colour in the batch-size figure (GD black, as seed 004's figure 3 draws it).
FULL_BATCH_COLOUR = "#000000"
#: The colours of the other batch sizes (:func:`regime_colour`): SGD's (batch 1) first, then the mini-batches' and
#: hybrid schedules'. Each is at least 35 apart (CIELAB ΔE) from every optimizer's colour (:data:`BASE`,
#: :data:`EXTRA`), so that no batch size reads as an optimizer (Dark2's orange, a mini-batch's, read as momentum's),
#: and at least 30 from each other and from black.
REGIME_COLOURS = ("#0000ff", "#0084ff", "#ff08ce", "#9c52f7", "#de00ff")


def regime_colour(batch_size: str) -> str:
    """A batch size's own colour (as shown: ``"32"``, ``"full"``, a hybrid's text), whatever other sizes are run:
    the full batch black, batch 1 (SGD) :data:`REGIME_COLOURS`' first, a mini-batch of n by the power of two
    nearest n (so that 16, 32, 64 and 128 differ), a hybrid schedule by a checksum of its text.

    >>> regime_colour("32") == regime_colour("32 ") == REGIME_COLOURS[2], regime_colour("64") == REGIME_COLOURS[3]
    (True, True)
    """
    text = str(batch_size).strip()
    if text == "full":
        return FULL_BATCH_COLOUR
    others = REGIME_COLOURS[1:]
    if text.isdigit() and int(text) <= 1:
        return REGIME_COLOURS[0]
    if text.isdigit():
        return others[round(math.log2(int(text))) % len(others)]
    return others[zlib.crc32(text.encode()) % len(others)]


def regime_colours(batch_sizes: Iterable[str]) -> dict[str, str]:
    """Batch sizes' colours (the report's batch-size figure's, the playground's chart of them), in
    :func:`batch_order`: each its own (:func:`regime_colour`), so that a size has one colour whatever else runs,
    unless a smaller size of these took it (16 and 256): then the next free one.

    >>> regime_colours(["32", "full", "1"]) == {"1": "#0000ff", "32": "#ff08ce", "full": "#000000"}
    True
    """
    out: dict[str, str] = {}
    for size in sorted(dict.fromkeys(map(str, batch_sizes)), key=batch_order):
        colour = regime_colour(size)
        if colour in REGIME_COLOURS[1:]:
            at, others = REGIME_COLOURS.index(colour) - 1, REGIME_COLOURS[1:]
            free = [others[(at + step) % len(others)] for step in range(len(others))
                    if others[(at + step) % len(others)] not in out.values()]
            colour = free[0] if free else colour  # more sizes than colours: shared at last
        out[size] = colour
    return out
