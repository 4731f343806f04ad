"""The functions, each f next to its hand-derived gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from .base import PI

# ---------------------------------------------------------------------------------------------------------
# The functions, each f next to its hand-derived gradient
# ---------------------------------------------------------------------------------------------------------


def _rosenbrock(x: Tensor, y: Tensor) -> Tensor:
    """Rosenbrock: (1 − x)² + 100(y − x²)²."""
    return (1.0 - x) ** 2 + 100.0 * (y - x**2) ** 2


def _rosenbrock_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return -2.0 * (1.0 - x) - 400.0 * x * (y - x**2), 200.0 * (y - x**2)


def _beale(x: Tensor, y: Tensor) -> Tensor:
    """Beale: (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²."""
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    dx = 2.0 * (t1 * (y - 1.0) + t2 * (y**2 - 1.0) + t3 * (y**3 - 1.0))
    dy = 2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y**2)
    return dx, dy


def _booth(x: Tensor, y: Tensor) -> Tensor:
    """Booth: (x + 2y − 7)² + (2x + y − 5)²."""
    return (x + 2.0 * y - 7.0) ** 2 + (2.0 * x + y - 5.0) ** 2


def _booth_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    u, v = x + 2.0 * y - 7.0, 2.0 * x + y - 5.0
    return 2.0 * u + 4.0 * v, 4.0 * u + 2.0 * v


def _himmelblau(x: Tensor, y: Tensor) -> Tensor:
    """Himmelblau: (x² + y − 11)² + (x + y² − 7)²."""
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def _himmelblau_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    u, v = x**2 + y - 11.0, x + y**2 - 7.0
    return 4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v


def _goldstein_price_parts(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """Goldstein–Price is A·B with A = 1 + s²P and B = 30 + d²Q: returns s, P, ∂P/∂x (= ∂P/∂y), d, Q."""
    s = x + y + 1.0
    p = 19.0 - 14.0 * x + 3.0 * x**2 - 14.0 * y + 6.0 * x * y + 3.0 * y**2
    d = 2.0 * x - 3.0 * y
    q = 18.0 - 32.0 * x + 12.0 * x**2 + 48.0 * y - 36.0 * x * y + 27.0 * y**2
    return s, p, -14.0 + 6.0 * x + 6.0 * y, d, q


def _goldstein_price(x: Tensor, y: Tensor) -> Tensor:
    """Goldstein–Price: [1 + (x+y+1)²(19 − 14x + 3x² − 14y + 6xy + 3y²)]·[30 + (2x−3y)²(18 − 32x + 12x² + 48y
    − 36xy + 27y²)]."""
    s, p, _, d, q = _goldstein_price_parts(x, y)
    return (1.0 + s**2 * p) * (30.0 + d**2 * q)


def _goldstein_price_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    s, p, dp, d, q = _goldstein_price_parts(x, y)
    a, b = 1.0 + s**2 * p, 30.0 + d**2 * q
    da = 2.0 * s * p + s**2 * dp  # ∂A/∂x = ∂A/∂y
    db_dx = 4.0 * d * q + d**2 * (-32.0 + 24.0 * x - 36.0 * y)
    db_dy = -6.0 * d * q + d**2 * (48.0 - 36.0 * x + 54.0 * y)
    return da * b + a * db_dx, da * b + a * db_dy


def _saddle(x: Tensor, y: Tensor) -> Tensor:
    """Saddle: x² − y²."""
    return x**2 - y**2


def _saddle_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2.0 * x, -2.0 * y


def _monkey_saddle(x: Tensor, y: Tensor) -> Tensor:
    """Monkey saddle: x³ − 3xy² (three valleys, the Hessian vanishes at the origin)."""
    return x**3 - 3.0 * x * y**2


def _monkey_saddle_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 3.0 * x**2 - 3.0 * y**2, -6.0 * x * y


def _styblinski_tang(x: Tensor, y: Tensor) -> Tensor:
    """Styblinski–Tang: ½ Σ (tᵢ⁴ − 16tᵢ² + 5tᵢ) over t = (x, y)."""
    return 0.5 * (x**4 - 16.0 * x**2 + 5.0 * x + y**4 - 16.0 * y**2 + 5.0 * y)


def _styblinski_tang_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2.0 * x**3 - 16.0 * x + 2.5, 2.0 * y**3 - 16.0 * y + 2.5


def _rastrigin(x: Tensor, y: Tensor) -> Tensor:
    """Rastrigin: 20 + Σ (tᵢ² − 10 cos 2πtᵢ) over t = (x, y)."""
    return 20.0 + x**2 - 10.0 * torch.cos(2 * PI * x) + y**2 - 10.0 * torch.cos(2 * PI * y)


def _rastrigin_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2.0 * x + 20 * PI * torch.sin(2 * PI * x), 2.0 * y + 20 * PI * torch.sin(2 * PI * y)


def _six_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    """Six-hump camel: (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²."""
    return (4.0 - 2.1 * x**2 + x**4 / 3.0) * x**2 + x * y + (-4.0 + 4.0 * y**2) * y**2


def _six_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 8.0 * x - 8.4 * x**3 + 2.0 * x**5 + y, x - 8.0 * y + 16.0 * y**3


def _three_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    """Three-hump camel: 2x² − 1.05x⁴ + x⁶/6 + xy + y²."""
    return 2.0 * x**2 - 1.05 * x**4 + x**6 / 6.0 + x * y + y**2


def _three_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 4.0 * x - 4.2 * x**3 + x**5 + y, x + 2.0 * y


def _matyas(x: Tensor, y: Tensor) -> Tensor:
    """Matyas: 0.26(x² + y²) − 0.48xy."""
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _matyas_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def _mccormick(x: Tensor, y: Tensor) -> Tensor:
    """McCormick: sin(x + y) + (x − y)² − 1.5x + 2.5y + 1."""
    return torch.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1.0


def _mccormick_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    c = torch.cos(x + y)
    return c + 2.0 * (x - y) - 1.5, c - 2.0 * (x - y) + 2.5


def _ackley_radius(x: Tensor, y: Tensor) -> Tensor:
    """r = √(0.5(x² + y²)), with a zero (not NaN) autograd gradient at the origin."""
    s = 0.5 * (x**2 + y**2)
    positive = s > 0.0
    return torch.where(positive, torch.sqrt(torch.where(positive, s, torch.ones_like(s))), torch.zeros_like(s))


def _ackley(x: Tensor, y: Tensor) -> Tensor:
    """Ackley: −20 exp(−0.2 √(0.5(x² + y²))) − exp(0.5(cos 2πx + cos 2πy)) + e + 20."""
    r = _ackley_radius(x, y)
    return (-20.0 * torch.exp(-0.2 * r) - torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
            + math.e + 20.0)


def _ackley_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    # d/dx of −20e^(−0.2r) is 2x e^(−0.2r) / r (r = √(0.5(x²+y²))); at the origin the cone's subgradient 0 is used
    r = _ackley_radius(x, y)
    cone = torch.where(r > 0.0, 2.0 * torch.exp(-0.2 * r) / torch.where(r > 0.0, r, torch.ones_like(r)),
                       torch.zeros_like(r))
    wave = PI * torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    return cone * x + wave * torch.sin(2 * PI * x), cone * y + wave * torch.sin(2 * PI * y)


def _levi13(x: Tensor, y: Tensor) -> Tensor:
    """Lévi N.13: sin²(3πx) + (x − 1)²(1 + sin²(3πy)) + (y − 1)²(1 + sin²(2πy))."""
    return (
        torch.sin(3 * PI * x) ** 2
        + (x - 1.0) ** 2 * (1.0 + torch.sin(3 * PI * y) ** 2)
        + (y - 1.0) ** 2 * (1.0 + torch.sin(2 * PI * y) ** 2)
    )


def _levi13_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    # d/dt sin²(kπt) = kπ sin(2kπt)
    dx = 3 * PI * torch.sin(6 * PI * x) + 2.0 * (x - 1.0) * (1.0 + torch.sin(3 * PI * y) ** 2)
    dy = (
        3 * PI * (x - 1.0) ** 2 * torch.sin(6 * PI * y)
        + 2.0 * (y - 1.0) * (1.0 + torch.sin(2 * PI * y) ** 2)
        + 2 * PI * (y - 1.0) ** 2 * torch.sin(4 * PI * y)
    )
    return dx, dy


def _banana(x: Tensor, y: Tensor) -> Tensor:
    """Banana (the momentum article's): (1 − x)² + 20(3y − x²)²."""
    return (1.0 - x) ** 2 + 20.0 * (3.0 * y - x**2) ** 2


def _banana_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return -2.0 * (1.0 - x) - 80.0 * x * (3.0 * y - x**2), 120.0 * (3.0 * y - x**2)


@dataclass(frozen=True)
class _Quadratic:
    """½(a x² + b y²)."""

    a: float
    b: float

    def f(self, x: Tensor, y: Tensor) -> Tensor:
        return 0.5 * (self.a * x**2 + self.b * y**2)

    def grad(self, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        return self.a * x, self.b * y


@dataclass(frozen=True)
class _Parabola:
    """c·w²/2."""

    c: float

    def f(self, w: Tensor) -> Tensor:
        return 0.5 * self.c * w**2

    def grad(self, w: Tensor) -> tuple[Tensor]:
        return (self.c * w,)
