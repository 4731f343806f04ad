"""Where a log axis is labelled, and how high a loss axis reaches, shared by the static figures and the HTML
charts.

An axis spanning two powers of ten or more is labelled at the powers of ten (10^k). A shorter one would
carry a single label (matplotlib) or every digit of the decade (Plotly's crowd of minor labels): it is
labelled at 1, 2 and 5 × 10^k instead, or at every digit, or, when its ends are less than a factor 2
apart, at round values between them — always at least two labels, each a short round number.

>>> round_log_ticks(0.009, 0.09)
[0.01, 0.02, 0.05]
>>> round_log_ticks(0.52, 0.7)
[0.6, 0.7]
>>> round_log_ticks(1e-4, 2.0) is None
True
"""

from __future__ import annotations

import math
import re


#: A loss axis on a log scale reaches at most this many times the largest first value of its lines.
CAP = 1e2


def capped_top(references: list[float]) -> float | None:
    """The top of a loss axis on a log scale: :data:`CAP` × the largest of ``references`` (each line's first
    finite value), so that a run that blew up (to 10¹⁵) does not squash the others into the bottom of the axis;
    None without a positive finite reference.

    >>> capped_top([0.5, 2.0, float("nan")])
    200.0
    """
    finite = [r for r in references if math.isfinite(r) and r > 0]
    return CAP * max(finite) if finite else None


def round_log_ticks(low: float, high: float) -> list[float] | None:
    """The ticks of a log axis from ``low`` to ``high`` (both > 0) when it holds fewer than two powers of ten;
    None when it holds two or more (then the powers of ten are labelled) or the limits are not usable."""
    if not (low > 0 and math.isfinite(high) and high > low):
        return None
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    if sum(low <= 10.0**k <= high for k in range(first, last + 1)) >= 2:
        return None
    for subs in ((1, 2, 5), tuple(range(1, 10))):
        ticks = [float(f"{s * 10.0**k:.12g}") for k in range(first, last + 1) for s in subs]
        ticks = [t for t in ticks if low <= t <= high]
        if len(ticks) >= 2:
            return ticks
    # less than a factor 2 between the ends: round steps of 1, 2 or 5 × 10^k, at least two inside
    for exponent in range(last, first - 4, -1):
        for s in (5, 2, 1):
            step = s * 10.0**exponent
            ticks = [float(f"{k * step:.12g}") for k in range(math.ceil(low / step), math.floor(high / step) + 1)]
            if len(ticks) >= 2:
                return ticks
    return [low, high]


def label(value: float) -> str:
    """A tick's label: three significant digits, no trailing zeros."""
    return f"{value:.3g}"


#: Superscript digits and signs: a power of ten written as plain text.
_SUPERSCRIPT = str.maketrans("0123456789-+", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺")
_MATH_POWER = re.compile(r"\$\\mathdefault\{(-?)(?:([0-9.]+)\\times)?([0-9.]+)\^\{(-?\d+)\}\}\$")
_MATH_NUMBER = re.compile(r"\$\\mathdefault\{(-?[0-9.]+(?:e[-+]?\d+)?)\}\$")


def plain_power(text: str) -> str:
    r"""A label of matplotlib's log axes (``$\mathdefault{10^{-2}}$``, ``$\mathdefault{2\times10^{3}}$``,
    ``$\mathdefault{0.1}$``) as the same text without mathtext: ``10⁻²``, ``2×10³``, ``0.1``, with a true minus
    sign. Any other text is returned as it is.

    >>> plain_power(r"$\mathdefault{10^{-2}}$"), plain_power(r"$\mathdefault{-2\times10^{3}}$")
    ('10⁻²', '−2×10³')
    >>> plain_power(r"$\mathdefault{1}$"), plain_power("step")
    ('1', 'step')
    """
    if match := _MATH_POWER.fullmatch(text):
        sign, coefficient, base, exponent = match.groups()
        return ("−" if sign else "") + (f"{coefficient}×" if coefficient else "") + base + \
            exponent.translate(_SUPERSCRIPT)
    if match := _MATH_NUMBER.fullmatch(text):
        return match.group(1).replace("-", "−")
    return text
