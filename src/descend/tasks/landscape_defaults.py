"""What ``descend compare LANDSCAPE`` starts from: a learning-rate grid and a budget per landscape, measured.

A landscape's own :attr:`descend.landscapes.Landscape.lr_range` is where plain gradient descent from the
standard start stays finite and decreases f; a comparison needs more: in same-lr mode every optimizer runs
at the same three learning rates, geometrically spaced across the task's ``lr_range``, and each is reported
at the one that worked best for it. Plain gradient steps (gd, momentum, nesterov) scale with the gradient,
RMSprop and Adam move about lr per step whatever the gradient, so one grid must span both. Each entry below
was chosen by running every default optimizer (gd, momentum, nesterov, rmsprop, adam) from the standard
start at 19 learning rates from 1e-6 to 1 for 3000 steps in float32, and taking the smallest budget and a
grid at which each optimizer has a learning rate that ends at the minimum; where no grid can serve all
five, the entry says which one it leaves out and why (tests/tasks/test_fair_defaults.py checks that the
default comparison's winner ends there).

``lrs`` is, per optimizer, the learning rate of the grid it is reported at in the default comparison: the
one :meth:`descend.tasks.Task.fit` uses when none is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Defaults:
    """A landscape's default comparison: ``lr_range`` (three rates geometrically spaced across it), ``steps``,
    ``lrs`` (a rate known to work per optimizer) and ``note`` (what the defaults show, for the card)."""

    lr_range: tuple[float, float]
    steps: int
    lrs: Mapping[str, float] = field(default_factory=dict)
    note: str = ""


def _plain(gd: float, momentum: float, nesterov: float, rmsprop: float, adam: float) -> dict[str, float]:
    return {"gd": gd, "sgd": gd, "momentum": momentum, "nesterov": nesterov, "rmsprop": rmsprop, "adam": adam}


#: Landscape name -> its default comparison. A landscape built by hand or from a formula uses its own lr_range
#: and 300 steps.
DEFAULTS: dict[str, Defaults] = {
    "rosenbrock": Defaults(
        (1e-3, 0.1), 2000, _plain(0.001, 0.01, 0.001, 0.01, 0.1),
        note="momentum, nesterov and adam end within 1e-3 of (1, 1) in 2000 steps; plain GD cannot in a budget of "
        "seconds: its lr is capped near 2e-3 by the valley's curvature (condition number 2508), and at 1e-3 it "
        "needs about 12,000 steps to come within 0.01; RMSprop with a constant lr hovers about 0.1 away",
    ),
    "beale": Defaults((2e-3, 0.2), 1000, _plain(0.02, 0.02, 0.002, 0.02, 0.2),
                      note="every default optimizer ends within 0.03 of (3, 0.5) in 1000 steps"),
    "booth": Defaults((0.01, 0.5), 300, _plain(0.0707, 0.0707, 0.01, 0.0707, 0.5),
                      note="every default optimizer ends at (1, 3) in 300 steps"),
    "himmelblau": Defaults((2e-3, 0.2), 300, _plain(0.02, 0.2, 0.002, 0.2, 0.2),
                           note="every default optimizer ends at one of the four minima in 300 steps"),
    "goldstein-price": Defaults(
        (1e-5, 0.15), 1000, _plain(1e-05, 1e-05, 2e-06, 0.15, 0.15),
        note="f spans 3 to 10⁶, so plain gradient steps need lr about 1e-5 and RMSprop and Adam about 0.15; gd, "
        "momentum, rmsprop and adam end at (0, −1) in 1000 steps; nesterov diverges at 1e-5 (it needs 2e-6 or "
        "less, where plain GD ends in the local minimum f = 30: no three-point grid serves both)",
    ),
    "six-hump-camel": Defaults(
        (0.02, 0.5), 300, _plain(0.02, 0.1, 0.02, 0.1, 0.5),
        note="momentum, nesterov, rmsprop and adam end at a global minimum; plain GD descends into the local "
        "minimum (−1.7036, 0.7961) whose basin holds the start up to lr 0.04, and from 0.05 its first steps "
        "overshoot into the local minimum (−1.6071, −0.5687), f = 2.104",
    ),
    "three-hump-camel": Defaults((0.01, 0.2), 300, _plain(0.2, 0.2, 0.2, 0.0447, 0.2),
                                 note="every default optimizer ends at (0, 0) in 300 steps"),
    "matyas": Defaults((0.1, 1.9), 300, _plain(1.9, 1.9, 0.436, 0.436, 1.9),
                       note="every default optimizer ends at (0, 0) in 300 steps"),
    "quadratic": Defaults((0.01, 0.19), 300, _plain(0.19, 0.19, 0.0436, 0.0436, 0.19),
                          note="every default optimizer ends at (0, 0) in 300 steps"),
    "parabola": Defaults((0.1, 1.9), 300, _plain(0.436, 0.1, 0.436, 0.1, 0.436),
                         note="every default optimizer ends at 0 in 300 steps"),
    "saddle": Defaults(
        (0.01, 0.2), 300, _plain(0.01, 0.01, 0.01, 0.2, 0.2),
        note="no minimum to reach: at lr 0.01 GD first slows down towards the saddle, then escapes along y "
        "(f < 0 after 300 steps); larger steps run off to −∞, which counts as divergence",
    ),
    "monkey-saddle": Defaults(
        (1e-4, 1e-3), 300, _plain(0.001, 0.001, 0.000316, 0.001, 0.001),
        note="no minimum to reach: in 300 steps GD and momentum are still crawling along the ridge towards the "
        "flat point (0, 0), while nesterov, RMSprop and Adam have escaped into a valley (f < 0)",
    ),
    "mccormick": Defaults(
        (0.01, 0.05), 500, _plain(0.0224, 0.05, 0.01, 0.0224, 0.05),
        note="every default optimizer ends at the domain's minimum in 500 steps; above lr 0.05 nesterov "
        "overshoots into the valley x = y and runs off to −∞",
    ),
    "levi13": Defaults(
        (1e-3, 0.1), 300, _plain(0.01, 0.01, 0.001, 0.1, 0.1),
        note="from the start (−4, 7) momentum, nesterov and adam settle in a local minimum in 300 steps, gd and "
        "rmsprop at these rates keep bouncing between its walls (the old grid, 2e-5 to 2e-4, had not settled "
        "anywhere); reaching (1, 1) from there is luck, not a property of the optimizer",
    ),
    "styblinski-tang": Defaults(
        (1e-3, 0.04), 300, _plain(0.04, 0.04, 0.001, 0.04, 0.04),
        note="from the start (0.5, 4.5) descent ends in a local minimum, (2.7468, 2.7468) with f = −50.06 or, "
        "with larger steps, (2.7468, −2.9035) with f = −64.20; the global minimum (−2.9035, −2.9035) lies "
        "beyond a ridge in each coordinate, out of reach of local descent from there",
    ),
    "rastrigin": Defaults(
        (1e-4, 4e-3), 300, _plain(0.004, 0.000632, 0.000632, 0.004, 0.004),
        note="from the start (3.2, 2.2) every optimizer settles in the local minimum (2.9849, 1.9899), f = "
        "12.934, within 300 steps; the global minimum (0, 0) is beyond a dozen ridges, out of reach of local "
        "descent (larger learning rates only bounce between basins)",
    ),
    "ackley": Defaults(
        (1e-3, 0.02), 300, _plain(0.001, 0.001, 0.001, 0.00447, 0.02),
        note="from the start (3.2, 2.2) every optimizer settles in the local minimum (2.9731, 1.9821), f = "
        "7.9617; the global minimum (0, 0) is out of reach of local descent from there",
    ),
    "banana": Defaults(
        (2.5e-3, 0.05), 1500, _plain(0.0025, 0.0112, 0.0025, 0.0025, 0.05),
        note="gd, momentum, nesterov and adam end within 0.01 of (1, 1/3) in 1500 steps (plain GD's lr is "
        "capped near 3.8e-3, nesterov's near 2.5e-3); RMSprop with a constant lr hovers about 0.1 away",
    ),
}
