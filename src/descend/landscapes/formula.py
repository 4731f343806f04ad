"""Landscapes from a typed formula, parsed safely by :mod:`descend.formula`."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from .base import Landscape, _domain

# ---------------------------------------------------------------------------------------------------------
# Landscapes from a formula
# ---------------------------------------------------------------------------------------------------------

_FORMULA_BOX = ((-5.0, 5.0), (-5.0, 5.0))


def from_formula(
    text: str,
    *,
    domain: Sequence[Sequence[float]] | None = None,
    start: Sequence[float] | None = None,
    name: str | None = None,
) -> Landscape:
    r"""A landscape f(x, y) from a formula such as ``"x**2 + 3*sin(y)"``, parsed by :func:`descend.formula.parse`.

    Its gradient is autograd's (``grad=None``) and it lists no critical points. Without ``domain`` it is
    [−5, 5]² shrunk to the bounding box of the points of a 101 × 101 grid where f is finite (``log(x)`` gets
    x > 0); a ValueError says so when f is finite nowhere (or only on a line) there. Without ``start`` it is
    the point 3/4 of the way from the domain's centre towards its upper-left corner, or if f is not finite
    there the nearest point of the grid where it is. Bad formulas raise :class:`descend.formula.FormulaError` (a ValueError).
    """
    from descend.formula import parse

    formula = parse(text)
    if domain is None:
        domain = _finite_box(formula, _FORMULA_BOX, text)
    else:
        domain = _domain("domain", domain, 2, ("x", "y"))
    if start is None:
        start = _finite_start(formula, domain, text)
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise ValueError(f"name={name!r} must be a non-empty string")
    return Landscape(
        name=name or "formula",
        title=name or formula.text,
        formula=formula.text,
        f=formula,
        grad=None,
        domain=domain,
        start=start,
        critical_points=(),
        notes="a user formula: gradient by autograd, no known critical points; lr_range is a generic guess",
    )


#: How to give a formula's domain, from Python and from the command line (where a --task-option cannot hold it).
DOMAIN_HINT = ("give the domain to draw: domain=((x0, x1), (y0, y1)) in Python (descend.tasks.formula(TEXT, "
               "domain=...)), or on the command line --task-option domain=x0,x1,y0,y1")


#: The advice when a given domain holds no point to start from (the playground, which has no domain to give, words
#: it otherwise).
ANOTHER_DOMAIN = "give another domain"


def _finite_grid(f: Callable[..., Tensor], domain, n: int = 101) -> tuple[Tensor, Tensor, Tensor]:
    # rounded to 12 decimals: linspace(-5, 5, 101) puts -2.8e-16 where 0 belongs (sqrt(x) is NaN there, and the
    # domain lost the column at x = 0)
    axes = [torch.round(torch.linspace(low, high, n, dtype=torch.float64), decimals=12) for low, high in domain]
    x, y = torch.meshgrid(*axes, indexing="xy")
    with torch.no_grad():
        finite = torch.isfinite(torch.broadcast_to(f(x, y), x.shape))
    return x, y, finite


def _finite_box(f: Callable[..., Tensor], box, text: str) -> tuple[tuple[float, float], ...]:
    x, y, finite = _finite_grid(f, box)
    if not finite.any():
        raise ValueError(f"the formula {text!r} is not finite anywhere in [-5, 5]²; {DOMAIN_HINT}")
    domain = tuple((round(c[finite].min().item(), 12) + 0.0, round(c[finite].max().item(), 12) + 0.0)
                   for c in (x, y))  # (+ 0.0: never -0)
    for n, (low, high) in zip("xy", domain):
        if not low < high:
            raise ValueError(
                f"the formula {text!r} is finite only at {n} = {low:g} in [-5, 5]²; {DOMAIN_HINT}"
            )
    return domain


def is_flat(f: Callable[..., Tensor], domain) -> bool:
    """Whether ``f`` takes one value wherever it is finite on a grid over ``domain`` (``x*0``: nothing to
    minimise, and a surface Matplotlib cannot scale)."""
    x, y, finite = _finite_grid(f, domain)
    with torch.no_grad():
        values = torch.broadcast_to(f(x, y), x.shape)[finite]
    return bool(values.numel()) and bool((values == values[0]).all())


def _usable(f: Callable[..., Tensor], x: Tensor, y: Tensor, *, float32: bool = True) -> Tensor:
    """Where a start can be: f and its gradient finite (sqrt(x·y) is finite at (−3.8, −0.0), its gradient not:
    every optimizer diverged at its first step), in float64 and, with ``float32``, in float32 too, the precision
    runs train in by default (exp(−30·x) + y² is 7e48 at x = −3.75, finite in float64, beyond float32's 3.4e38:
    every run diverged at step 0)."""
    usable = _usable_in(f, x, y)
    return usable & _usable_in(f, x.float(), y.float()) if float32 else usable


def _usable_in(f: Callable[..., Tensor], x: Tensor, y: Tensor) -> Tensor:
    """:func:`_usable` in the dtype of ``x`` and ``y``."""
    x, y = x.detach().clone().requires_grad_(True), y.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        value = torch.broadcast_to(f(x, y), x.shape)
        gx, gy = torch.autograd.grad(value.sum(), (x, y), allow_unused=True) if value.requires_grad else (None, None)
    gx = torch.zeros_like(x) if gx is None else gx
    gy = torch.zeros_like(y) if gy is None else gy
    return torch.isfinite(value.detach()) & torch.isfinite(gx) & torch.isfinite(gy)


def _finite_start(f: Callable[..., Tensor], domain, text: str) -> tuple[float, float]:
    (x0, x1), (y0, y1) = domain
    target = (x0 + 0.125 * (x1 - x0), y1 - 0.125 * (y1 - y0))  # 3/4 of the way from the centre to (x0, y1)
    if _usable(f, *(torch.tensor(t, dtype=torch.float64) for t in target)).all():
        return target
    x, y, finite = _finite_grid(f, domain)
    # the start is given rounded to 12 decimals: finite where it is given (log(x·y) is finite at the grid's
    # y = −2.8e-16, not at the −0.0 it rounds to)
    x, y = torch.round(x, decimals=12), torch.round(y, decimals=12)
    usable = finite & _usable(f, x, y)
    # a formula finite nowhere in float32 (exp(100·(x + 6)) on [-5, 1]) still starts where float64 can train it
    finite = usable if usable.any() else finite & _usable(f, x, y, float32=False)
    if not finite.any():
        raise ValueError(f"the formula {text!r} has no point in domain={domain} where both its value and its "
                         f"gradient are finite (a descent needs both); {ANOTHER_DOMAIN}")
    distance = torch.where(finite, (x - target[0]) ** 2 + (y - target[1]) ** 2, torch.inf)
    i = int(distance.argmin())
    return (x.reshape(-1)[i].item(), y.reshape(-1)[i].item())
