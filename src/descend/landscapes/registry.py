"""Every built-in landscape with its domain, start, learning-rate range and every critical point:
:data:`LANDSCAPES` and :func:`get`."""

from __future__ import annotations

import math

from descend._checks import close_matches
from descend.models import parametric as _parametric

from .base import CriticalPoint, Landscape, _positive
from .functions import (
    _ackley,
    _ackley_grad,
    _banana,
    _banana_grad,
    _beale,
    _beale_grad,
    _booth,
    _booth_grad,
    _goldstein_price,
    _goldstein_price_grad,
    _himmelblau,
    _himmelblau_grad,
    _levi13,
    _levi13_grad,
    _matyas,
    _matyas_grad,
    _mccormick,
    _mccormick_grad,
    _monkey_saddle,
    _monkey_saddle_grad,
    _Parabola,
    _Quadratic,
    _rastrigin,
    _rastrigin_grad,
    _rosenbrock,
    _rosenbrock_grad,
    _saddle,
    _saddle_grad,
    _six_hump_camel,
    _six_hump_camel_grad,
    _styblinski_tang,
    _styblinski_tang_grad,
    _three_hump_camel,
    _three_hump_camel_grad,
)

# ---------------------------------------------------------------------------------------------------------
# The registry
# ---------------------------------------------------------------------------------------------------------


def _minimum(point: tuple[float, ...], value: float, *, is_global: bool = False) -> CriticalPoint:
    return CriticalPoint(point, value, "minimum", is_global)


def _saddle_point(point: tuple[float, ...], value: float) -> CriticalPoint:
    return CriticalPoint(point, value, "saddle")


def _maximum(point: tuple[float, ...], value: float) -> CriticalPoint:
    return CriticalPoint(point, value, "maximum")


def _coefficient(c: float) -> str:
    return "" if c == 1 else f"{c:g}"


def quadratic(a: float = 1.0, b: float = 10.0) -> Landscape:
    r"""The quadratic bowl ½(a x² + b y²) with curvatures 0 < a ≤ b (condition number b/a).

    Gradient descent w ← w − α∇f multiplies x by (1 − αa) and y by (1 − αb): it converges iff 0 < α < 2/b,
    fastest at α = 2/(a + b) (both factors then have size (b − a)/(b + a)). Heavy ball (momentum) is best at
    α = (2/(√a + √b))², β = ((√b − √a)/(√b + √a))², rate (√b − √a)/(√b + √a).

    >>> quadratic(1, 4).notes.split(";")[0]
    'GD converges iff 0 < α < 2/b = 0.5'
    """
    a, b = _positive("a", a), _positive("b", b)
    if a > b:
        raise ValueError(f"quadratic needs a <= b (b is the larger curvature); got a={a:g}, b={b:g}")
    ra, rb = math.sqrt(a), math.sqrt(b)
    notes = (
        f"GD converges iff 0 < α < 2/b = {2 / b:.4g}; best α = 2/(a+b) = {2 / (a + b):.4g} "
        f"(rate (b−a)/(b+a) = {(b - a) / (b + a):.4g}); heavy ball best α = (2/(√a+√b))² = "
        f"{(2 / (ra + rb)) ** 2:.4g}, β = ((√b−√a)/(√b+√a))² = {((rb - ra) / (rb + ra)) ** 2:.4g}"
    )
    q = _Quadratic(a, b)
    return Landscape(
        name="quadratic",
        title="Quadratic bowl",
        formula=f"½({_coefficient(a)}x² + {_coefficient(b)}y²)",
        f=q.f,
        grad=q.grad,
        exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        start=(-4.0, 1.0),
        critical_points=(_minimum((0.0, 0.0), 0.0, is_global=True),),
        lr_range=(0.1 / b, 1.9 / b),
        notes=notes,
    )


def parabola(c: float = 1.0) -> Landscape:
    r"""The 1-D parabola c·w²/2 (curvature c > 0), parameter ``"w"``.

    Gradient descent is w ← (1 − αc)w: monotone convergence if αc < 1, the minimum in one step if αc = 1,
    oscillating but converging if 1 < αc < 2, oscillating forever at αc = 2, diverging if αc > 2.
    """
    c = _positive("c", c)
    p = _Parabola(c)
    return Landscape(
        name="parabola",
        title="1-D curvature",
        formula="w²/2" if c == 1 else f"{c:g}·w²/2",
        f=p.f,
        grad=p.grad,
        exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
        domain=((-2.0, 2.0),),
        start=(1.5,),
        critical_points=(_minimum((0.0,), 0.0, is_global=True),),
        names=("w",),
        lr_range=(0.1 / c, 1.9 / c),
        notes=(
            f"GD: w ← (1 − αc)w with c = {c:g}: monotone if αc < 1, one step if αc = 1, oscillating but "
            "converging if 1 < αc < 2, diverging if αc > 2"
        ),
    )


def _landscapes() -> dict[str, Landscape]:
    items = [
        Landscape(
            name="rosenbrock",
            title="Rosenbrock",
            formula="(1 − x)² + 100(y − x²)²",
            f=_rosenbrock,
            grad=_rosenbrock_grad,
            domain=((-2.0, 2.0), (-1.0, 3.0)),
            start=(-1.5, 2.0),
            critical_points=(_minimum((1.0, 1.0), 0.0, is_global=True),),
            log_scale=True,
            lr_range=(1e-4, 1e-3),
            notes="a curved, narrow valley; Hessian eigenvalues at the minimum 0.3994 and 1001.6 (condition ≈ 2508)",
        ),
        Landscape(
            name="beale",
            title="Beale",
            formula="(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
            f=_beale,
            grad=_beale_grad,
            domain=((-4.5, 4.5), (-4.5, 4.5)),
            start=(1.0, 1.5),
            critical_points=(
                _minimum((3.0, 0.5), 0.0, is_global=True),
                _saddle_point((0.0, 1.0), 14.203125),
                _saddle_point((0.10053793732415836, -2.644513585023125), 9.86451228475556),
            ),
            log_scale=True,
            lr_range=(1e-3, 0.02),
            notes="flat plateaus and sharp ridges along the axes",
        ),
        Landscape(
            name="booth",
            title="Booth",
            formula="(x + 2y − 7)² + (2x + y − 5)²",
            f=_booth,
            grad=_booth_grad,
            exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-5.0, 5.0),
            critical_points=(_minimum((1.0, 3.0), 0.0, is_global=True),),
            lr_range=(1e-3, 0.1),
            notes="a quadratic: Hessian [[10, 8], [8, 10]], eigenvalues 2 and 18 (GD converges iff α < 1/9)",
        ),
        Landscape(
            name="himmelblau",
            title="Himmelblau",
            formula="(x² + y − 11)² + (x + y² − 7)²",
            f=_himmelblau,
            grad=_himmelblau_grad,
            exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(0.0, 0.0),
            critical_points=(
                _minimum((3.0, 2.0), 0.0, is_global=True),
                _minimum((-2.805118086952745, 3.131312518250573), 0.0, is_global=True),
                _minimum((-3.779310253377747, -3.283185991286169), 0.0, is_global=True),
                _minimum((3.584428340330492, -1.848126526964404), 0.0, is_global=True),
                _maximum((-0.2708445906673476, -0.9230385564799815), 181.6165215225827),
                _saddle_point((3.385154183607021, 0.07385187983774929), 13.31192627040559),
                _saddle_point((0.08667750455539635, 2.884254701174776), 67.71915008752614),
                _saddle_point((-3.07302575076439, -0.08135304428796751), 104.0151629175581),
                _saddle_point((-0.1279613467306801, -1.953714980244576), 178.3372392019275),
            ),
            lr_range=(1e-3, 0.02),
            notes="four global minima (which one GD reaches depends on the start), four saddles, one maximum",
        ),
        Landscape(
            name="goldstein-price",
            title="Goldstein–Price",
            formula=(
                "[1 + (x + y + 1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·"
                "[30 + (2x − 3y)²(18 − 32x + 12x² + 48y − 36xy + 27y²)]"
            ),
            f=_goldstein_price,
            grad=_goldstein_price_grad,
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-0.5, 1.0),
            critical_points=(
                _minimum((0.0, -1.0), 3.0, is_global=True),
                _minimum((-0.6, -0.4), 30.0),
                _minimum((1.8, 0.2), 84.0),
                _minimum((1.2, 0.8), 840.0),
                _saddle_point((-0.4, -0.6), 35.0),
                _saddle_point((1.2, -0.2), 99.0),
                _saddle_point((1.4, 0.6), 980.0),
                _saddle_point((0.6, 0.4), 990.0),
                _maximum((0.8, 0.2), 1155.0),
            ),
            log_scale=True,
            lr_range=(1e-6, 1e-5),
            notes="values from 3 to about 10⁶ on the plot domain: learning rates must be tiny",
        ),
        Landscape(
            name="saddle",
            title="Saddle",
            formula="x² − y²",
            f=_saddle,
            grad=_saddle_grad,
            exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-1.0, 1e-3),
            critical_points=(_saddle_point((0.0, 0.0), 0.0),),
            lr_range=(1e-2, 0.2),
            notes="unbounded below; Hessian eigenvalues ±2: GD slows down near the saddle before escaping along y",
            bounded_below=False,
        ),
        Landscape(
            name="monkey-saddle",
            title="Monkey saddle",
            formula="x³ − 3xy²",
            f=_monkey_saddle,
            grad=_monkey_saddle_grad,
            exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
            domain=((-1.5, 1.5), (-1.5, 1.5)),
            start=(1.0, 0.05),
            critical_points=(CriticalPoint((0.0, 0.0), 0.0, "degenerate"),),
            lr_range=(1e-4, 1e-3),
            notes=(
                "unbounded below (three valleys); the Hessian is zero at the origin, so GD crawls towards it "
                "along the ridge y = 0 before escaping into a valley, where it eventually diverges"
            ),
            bounded_below=False,
        ),
        Landscape(
            name="styblinski-tang",
            title="Styblinski–Tang",
            formula="½(x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
            f=_styblinski_tang,
            grad=_styblinski_tang_grad,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(0.5, 4.5),
            critical_points=(
                _minimum((-2.903534027771177, -2.903534027771177), -78.33233140754283, is_global=True),
                _minimum((-2.903534027771177, 2.746802770990837), -64.19561235905536),
                _minimum((2.746802770990837, -2.903534027771177), -64.19561235905536),
                _minimum((2.746802770990837, 2.746802770990837), -50.05889331056789),
                _saddle_point((-2.903534027771177, 0.1567312567803401), -38.97055334471606),
                _saddle_point((0.1567312567803401, -2.903534027771177), -38.97055334471606),
                _saddle_point((2.746802770990837, 0.1567312567803401), -24.83383429622859),
                _saddle_point((0.1567312567803401, 2.746802770990837), -24.83383429622859),
                _maximum((0.1567312567803401, 0.1567312567803401), 0.3912247181107161),
            ),
            lr_range=(1e-3, 0.04),
            notes="separable: each coordinate is a root of 4t³ − 32t + 5 = 0 (−2.9035, 0.1567, 2.7468)",
        ),
        Landscape(
            name="rastrigin",
            title="Rastrigin",
            formula="20 + x² − 10cos(2πx) + y² − 10cos(2πy)",
            f=_rastrigin,
            grad=_rastrigin_grad,
            domain=((-5.12, 5.12), (-5.12, 5.12)),
            start=(3.2, 2.2),
            critical_points=(
                _minimum((0.0, 0.0), 0.0, is_global=True),
                _minimum((0.9949586376523348, 0.0), 0.9949590570932914),
                _minimum((-0.9949586376523348, 0.0), 0.9949590570932914),
                _minimum((0.0, 0.9949586376523348), 0.9949590570932914),
                _minimum((0.0, -0.9949586376523348), 0.9949590570932914),
                _minimum((0.9949586376523348, 0.9949586376523348), 1.989918114186583),
                _minimum((0.9949586376523348, -0.9949586376523348), 1.989918114186583),
                _minimum((-0.9949586376523348, 0.9949586376523348), 1.989918114186583),
                _minimum((-0.9949586376523348, -0.9949586376523348), 1.989918114186583),
            ),
            lr_range=(1e-4, 4e-3),
            notes=(
                "a local minimum near every integer point (those around the origin are listed) and saddles and "
                "maxima near the half-integers: GD stops in the first basin it falls into"
            ),
            more_minima=True,
        ),
        Landscape(
            name="six-hump-camel",
            title="Six-hump camel",
            formula="(4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²",
            f=_six_hump_camel,
            grad=_six_hump_camel_grad,
            domain=((-3.0, 3.0), (-2.0, 2.0)),
            start=(-2.0, 1.5),
            critical_points=(
                _minimum((0.08984201310031806, -0.7126564030207396), -1.031628453489877, is_global=True),
                _minimum((-0.08984201310031806, 0.7126564030207396), -1.031628453489877, is_global=True),
                _minimum((1.703606714969981, -0.7960835686726251), -0.2154638243837176),
                _minimum((-1.703606714969981, 0.7960835686726251), -0.2154638243837176),
                _minimum((1.607104752920197, 0.5686514548841314), 2.104250310311258),
                _minimum((-1.607104752920197, -0.5686514548841314), 2.104250310311258),
                _saddle_point((0.0, 0.0), 0.0),
                _saddle_point((1.109205336804786, -0.7682680925095398), 0.5437186009781851),
                _saddle_point((-1.109205336804786, 0.7682680925095398), 0.5437186009781851),
                _saddle_point((1.638067984189779, 0.2286740690443941), 2.229357197530715),
                _saddle_point((-1.638067984189779, -0.2286740690443941), 2.229357197530715),
                _saddle_point((1.296070267167109, 0.6050843880386585), 2.22947081802986),
                _saddle_point((-1.296070267167109, -0.6050843880386585), 2.22947081802986),
                _maximum((1.230229876516653, 0.162334584458995), 2.496295351023577),
                _maximum((-1.230229876516653, -0.162334584458995), 2.496295351023577),
            ),
            lr_range=(1e-3, 0.05),
            notes="two global minima among six; seven saddles and two maxima in the plot domain",
        ),
        Landscape(
            name="three-hump-camel",
            title="Three-hump camel",
            formula="2x² − 1.05x⁴ + x⁶/6 + xy + y²",
            f=_three_hump_camel,
            grad=_three_hump_camel_grad,
            domain=((-2.0, 2.0), (-2.0, 2.0)),
            start=(-1.8, -1.5),
            critical_points=(
                _minimum((0.0, 0.0), 0.0, is_global=True),
                _minimum((1.747552345830289, -0.8737761729151444), 0.2986384422368598),
                _minimum((-1.747552345830289, 0.8737761729151444), 0.2986384422368598),
                _saddle_point((1.07054229182366, -0.53527114591183), 0.8773615577631402),
                _saddle_point((-1.07054229182366, 0.53527114591183), 0.8773615577631402),
            ),
            lr_range=(1e-3, 0.1),
            notes="three minima separated by two saddles",
        ),
        Landscape(
            name="matyas",
            title="Matyas",
            formula="0.26(x² + y²) − 0.48xy",
            f=_matyas,
            grad=_matyas_grad,
            exact_grad=True,  # its hand gradient is autograd's own operations: the same bits
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-8.0, 6.0),
            critical_points=(_minimum((0.0, 0.0), 0.0, is_global=True),),
            lr_range=(0.1, 1.9),
            notes="a quadratic with Hessian eigenvalues 0.04 and 1 (a narrow valley along y = x; GD needs α < 2)",
        ),
        Landscape(
            name="mccormick",
            title="McCormick",
            formula="sin(x + y) + (x − y)² − 1.5x + 2.5y + 1",
            f=_mccormick,
            grad=_mccormick_grad,
            domain=((-1.5, 4.0), (-3.0, 4.0)),
            start=(-1.0, 3.0),
            critical_points=(
                _minimum((-0.5471975511965977, -1.547197551196598), -1.913222954981036, is_global=True),
                _minimum((2.594395102393195, 1.594395102393195), 1.228369698608757),
                _saddle_point((1.547197551196598, 0.5471975511965977), 1.913222954981036),
            ),
            lr_range=(0.01, 0.3),
            notes="every critical point has x − y = 1 and cos(x + y) = −½: x + y = −2π/3 (the global minimum), "
            "4π/3 (a local minimum) or 2π/3 (the saddle) in the plot domain; the global minimum is the lowest "
            "point of the plot domain, not of the plane: along x = y = t, f = sin 2t + t + 1 goes to −∞",
            bounded_below=False,
        ),
        Landscape(
            name="ackley",
            title="Ackley",
            formula="−20·exp(−0.2·√(0.5(x² + y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20",
            f=_ackley,
            grad=_ackley_grad,
            domain=((-5.0, 5.0), (-5.0, 5.0)),
            start=(3.2, 2.2),
            critical_points=(
                _minimum((0.0, 0.0), 0.0, is_global=True),
                _minimum((0.9521665459501717, 0.0), 2.5799275570298725),
                _minimum((-0.9521665459501717, 0.0), 2.5799275570298725),
                _minimum((0.0, 0.9521665459501717), 2.5799275570298725),
                _minimum((0.0, -0.9521665459501717), 2.5799275570298725),
                _minimum((0.9684776587077244, 0.9684776587077244), 3.5744518772576797),
                _minimum((0.9684776587077244, -0.9684776587077244), 3.5744518772576797),
                _minimum((-0.9684776587077244, 0.9684776587077244), 3.5744518772576797),
                _minimum((-0.9684776587077244, -0.9684776587077244), 3.5744518772576797),
            ),
            smooth=False,
            lr_range=(1e-3, 0.02),
            notes=(
                "a cone at the origin (not differentiable at the minimum: the gradient there is taken as 0) "
                "under a grid of local minima near the integer points (the eight around the origin are listed)"
            ),
            more_minima=True,
        ),
        Landscape(
            name="levi13",
            title="Lévi N.13",
            formula="sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))",
            f=_levi13,
            grad=_levi13_grad,
            domain=((-10.0, 10.0), (-10.0, 10.0)),
            start=(-4.0, 7.0),
            critical_points=(
                _minimum((1.0, 1.0), 0.0, is_global=True),
                _minimum((0.6703805254516863, 1.0), 0.109873658358838),
                _minimum((1.329619474548314, 1.0), 0.109873658358838),
            ),
            # GD from the start stays finite and descends at every rate up to about 3.3e-3; above, its steps across
            # the sin² ripples can throw it far out (0.0045 in float32 jumped to y = 51,000 at step 14)
            lr_range=(1e-3, 3e-3),
            notes="many local minima (the two nearest the global one are listed; f is symmetric about x = 1)",
            more_minima=True,
        ),
        Landscape(
            name="banana",
            title="Banana",
            formula="(1 − x)² + 20(3y − x²)²",
            f=_banana,
            grad=_banana_grad,
            domain=((-2.0, 2.0), (-0.27, 1.07)),
            start=(-1.5, 1.0),
            critical_points=(_minimum((1.0, 1.0 / 3.0), 0.0, is_global=True),),
            lr_range=(1e-4, 2e-3),
            notes="the momentum article's curved valley; Hessian eigenvalues at the minimum 1.383 and 520.6",
        ),
        quadratic(),
        parabola(),
    ]
    return {land.name: land for land in items}


#: Every named landscape, by kebab-case name.
LANDSCAPES: dict[str, Landscape] = _landscapes()


def get(name: str) -> Landscape:
    """The landscape called ``name`` in :data:`LANDSCAPES`: case-insensitive, ``_`` or spaces for ``-``.

    >>> get("Six_Hump camel").title
    'Six-hump camel'
    """
    if not isinstance(name, str):
        raise ValueError(f"name={name!r} must be a string, one of {', '.join(LANDSCAPES)}")
    key = "-".join(name.strip().lower().replace("_", " ").replace("-", " ").split())
    if key not in LANDSCAPES:
        raise ValueError(
            f"unknown landscape {name!r}{close_matches(key, LANDSCAPES)} (allowed: {', '.join(LANDSCAPES)})"
        )
    return LANDSCAPES[key]


# descend.models.landscape("name") finds landscapes through this registration: the models, which landscapes
# build on, do not import this package.
_parametric.NAMED_LANDSCAPES = get
