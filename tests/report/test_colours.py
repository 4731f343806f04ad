"""descend.report.colours: one palette keyed by the optimizer's registry name, read by every figure, chart and
animation of a report."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from matplotlib import colors as mcolors
from PIL import Image

from descend.optim import registry
from descend.report import colours as P
from descend.report import figures as F


@dataclass
class Bowl:
    """A fake cost surface: J = a² + b² over [-2, 2]²."""

    names: tuple = ("a", "b")
    domain: tuple = ((-2.0, 2.0), (-2.0, 2.0))
    log_scale: bool = False
    points: tuple = (("minimum", (0.0, 0.0)),)

    def grid(self, n):
        a = torch.linspace(-2, 2, n, dtype=torch.float64)
        A, B = torch.meshgrid(a, a, indexing="xy")
        return A, B, A**2 + B**2


def _paths():
    t = np.linspace(0, 1, 41)[:, None]
    return ({0: (1 - t) * np.array([-1.5, 1.5]), 1: (1 - t) * np.array([1.5, 1.0]) + 0.1 * np.sin(9 * t)},
            {0: "gd", 1: "momentum"})


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[k:k + 2], 16) for k in (1, 3, 5))


def test_an_optimizer_has_its_colour_whatever_else_is_compared_and_in_any_order():
    alone = P.colours({"adam": "adam"})
    crowd = P.colours({"rmsprop": "rmsprop", "gd": "gd", "adam": "adam", "momentum": "momentum"})
    other = P.colours(["sgd", "nesterov", "adam", "radam"])
    assert alone["adam"] == crowd["adam"] == other["adam"] == P.BASE["adam"]
    assert list(crowd) == ["rmsprop", "gd", "adam", "momentum"]  # in the order given
    assert P.colours(list(reversed(crowd))) == crowd
    # every optimizer of the registry (and random search) has a colour of its own
    names = [*registry.OPTIMIZERS, "random-search"]
    assert set(names) <= set(P.BASE) and len({P.BASE[n] for n in names}) == len(names)
    # one the palette does not list gets a stable one
    assert P.colours(["lbfgs"])["lbfgs"] == P.colours(["adam", "lbfgs"])["lbfgs"] in P.EXTRA


def _lab(colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour."""
    rgb = np.array(mcolors.to_rgb(colour))
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ linear
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def test_optimizers_of_ones_own_get_colours_apart_from_descends_and_from_each_other():
    """Lion and Adan (registered) shared one colour, told apart by their markers alone, and the extra colours were
    shades of gd's blue, momentum's orange and rmsprop's green: where a new optimizer is compared with them."""
    extra = [_lab(c) for c in P.EXTRA]
    for i, colour in enumerate(extra):
        assert min(np.linalg.norm(colour - _lab(b)) for b in P.BASE.values()) >= 25, P.EXTRA[i]
        assert all(np.linalg.norm(colour - other) >= 25 for other in extra[:i]), P.EXTRA[i]
    assert P.base("lion") == P.base("adan")  # their checksums pick one colour
    both = P.colours(["adam", "lion", "adan"])
    assert both["lion"] != both["adan"] and both["adan"] == P.base("adan")  # the first in alphabetical order keeps it
    names = [f"own{i}" for i in range(10)]
    assert len(set(P.colours(names).values())) == 10  # ten of one's own: ten colours


def test_two_labels_of_one_optimizer_are_distinguishable_and_the_plain_one_keeps_its_colour():
    labels = {"sgd": "sgd", "sgd(momentum=0.9)": "sgd", "sgd(momentum=0.9, nesterov=true)": "sgd", "adam": "adam"}
    colours = P.colours(labels)
    assert colours["sgd"] == P.BASE["sgd"] and colours["adam"] == P.BASE["adam"]
    assert len(set(colours.values())) == len(colours)
    # far enough apart to tell on a chart: at least 0.15 in some RGB channel
    rgb = [np.array(_rgb(c)) / 255 for c in colours.values()]
    assert min(np.abs(a - b).max() for i, a in enumerate(rgb) for b in rgb[i + 1:]) > 0.15
    # without the plain label, the first in sorted order has the optimizer's colour
    assert P.colours(["sgd(momentum=0.9)", "sgd(dampening=0.5)"])["sgd(dampening=0.5)"] == P.BASE["sgd"]
    assert P.optimizer_of("sgd(momentum=0.9) (lr 0.1)") == "sgd" and P.optimizer_of("random-search") == "random-search"


def test_figures_draw_each_optimizer_in_its_colour():
    summary = pd.DataFrame({"label": ["gd", "adam"], "optimizer": ["gd", "adam"], "lr": [0.1, 0.1],
                            "batch_size": ["full", "full"], "seed": [0, 0], "final_train_loss": [1.0, 2.0],
                            "status": ["ok", "ok"]}, index=pd.Index([0, 1], name="run"))
    curves = pd.DataFrame({"run": [0, 0, 1, 1], "step": [0, 1, 0, 1], "epoch": [0, 1, 0, 1], "split": "batch",
                           "metric": "loss", "value": [2.0, 1.0, 3.0, 2.0]})
    ax = F.loss_curves(summary, curves).axes[0]
    drawn = {line.get_label(): mcolors.to_hex(line.get_color()) for line in ax.lines
             if not line.get_label().startswith("_")}
    assert drawn == {"gd": P.BASE["gd"], "adam": P.BASE["adam"]}
    assert {mcolors.to_hex(line.get_color()) for line in ax.lines} == set(drawn.values())  # their marks too
    paths, labels = _paths()
    flat = F.landscape(Bowl(), paths, labels).axes[0]
    assert {mcolors.to_hex(line.get_color()) for line in flat.lines if len(line.get_xdata()) > 2} == {
        P.BASE["gd"], P.BASE["momentum"]}


def test_the_gif_keeps_every_label_in_its_exact_colour_in_every_frame(tmp_path):
    paths, labels = _paths()
    gif = F.animate(Bowl(), paths, labels, tmp_path / "paths.gif", max_frames=6, dpi=50, n=40)
    image = Image.open(gif)
    assert image.n_frames > 1
    for frame in range(image.n_frames):
        image.seek(frame)
        pixels = np.asarray(image.convert("RGB")).reshape(-1, 3)
        for name in ("gd", "momentum"):  # the legend's swatch at least, in every frame
            assert (pixels == _rgb(P.BASE[name])).all(axis=1).sum() >= 10, (frame, name)


def test_many_labels_of_one_optimizer_each_have_a_colour_and_a_colour_with_a_shape():
    """The tenth label of one optimizer took the first's colour (sgd and sgd(momentum=0.9) were both #9467bd), and
    with thirteen the same colour and the same marker: two identical entries in a legend."""
    labels = ["sgd"] + [f"sgd(momentum=0.{k:02d})" for k in range(1, 30)]
    got, shapes = P.colours(labels), P.markers(labels)
    assert len(set(got[label] for label in labels[:17])) == 17  # then the shades repeat, with other markers
    assert len({(got[label], shapes[label]) for label in labels}) == len(labels)
    assert got["sgd"] == P.BASE["sgd"]


def test_a_labels_style_is_its_colour_and_its_shape_and_the_dash_goes_with_the_shape():
    """One decision for every figure: :func:`styles` gives each label the colour of :func:`colours` and the shape
    of :func:`markers`; the Plotly symbol and the line dash (a 3-D path's) follow from the shape."""
    labels = {"gd": "gd", "momentum": "momentum", "rmsprop": "rmsprop", "adam": "adam"}
    looks = P.styles(labels)
    assert {k: s.colour for k, s in looks.items()} == P.colours(labels)
    assert {k: s.marker for k, s in looks.items()} == P.markers(labels)
    assert len({s.symbol for s in looks.values()}) == len({s.dash for s in looks.values()}) == 4
    assert all(s.symbol == P.PLOTLY_SYMBOLS[s.marker] for s in looks.values())
    assert looks["momentum"].marker != looks["rmsprop"].marker  # one olive under protanopia, two shapes
    assert P.styles(labels, order=["adam", "rmsprop", "momentum", "gd"])["adam"].marker == P.MARKERS[0]


def test_batch_sizes_have_colours_no_optimizer_has_and_keep_them_whatever_else_runs():
    """A mini-batch was Dark2's orange #d95f02 (ΔE 14 from momentum's), and batch 32 orange beside the full batch
    but green where batch 1 ran too: now each batch size has its own colour, far from every optimizer's."""
    optimizers = [_lab(c) for c in (*P.BASE.values(), *P.EXTRA)]
    runs = [["32", "full"], ["1", "32", "full"], ["1", "8", "32", "64", "hybrid(32→512)", "full"], ["32", "256"]]
    for sizes in runs:
        got = P.regime_colours(sizes)
        assert list(got) == sorted(sizes, key=P.batch_order)
        for size, colour in got.items():
            if size != "full":  # GD black, as seed 004's figure draws it
                assert min(np.linalg.norm(_lab(colour) - o) for o in optimizers) >= 35, (size, colour)
        assert len(set(got.values())) == len(got)  # up to five sizes besides the full batch: each its own
    assert len({P.regime_colours(sizes)["32"] for sizes in runs}) == 1  # batch 32 the same in every report
    assert len({P.regime_colours(sizes)["full"] for sizes in runs[:3]}) == 1
    assert P.regime_colours(["1", "32"])["1"] == P.regime_colours(["1", "8", "full"])["1"]
    everything = [_lab(c) for c in (*P.REGIME_COLOURS, P.FULL_BATCH_COLOUR)]
    assert all(np.linalg.norm(a - b) >= 30 for i, a in enumerate(everything) for b in everything[i + 1:])
