r"""Loss landscapes: small functions f(x, y) on which to watch and compare optimizers.

A *landscape* is a cost J(w) of a few parameters (two, ``w = (x, y)``, or one for the 1-D parabola) that
is cheap to evaluate everywhere, so its contours can be drawn and an optimizer's path traced across them.
The classic test functions are here with what a plot or a test needs: the formula as code (``f``, torch
operations only, elementwise on tensors of any broadcastable shape and vmap-friendly) and as readable text,
its gradient derived by hand (``grad``, checked against autograd and finite differences in the tests), a
plot domain, a standard start point, every critical point (minima, saddles, maxima) to full float64
precision, and a range of learning rates that works for plain gradient descent from the start.

>>> from descend.landscapes import get
>>> rosen = get("rosenbrock")
>>> rosen.formula
'(1 − x)² + 100(y − x²)²'
>>> rosen(1.0, 1.0), rosen.gradient(-1.5, 2.0)
(tensor(0., dtype=torch.float64), (tensor(-155., dtype=torch.float64), tensor(-50., dtype=torch.float64)))
>>> [p.point for p in rosen.global_minima]
[(1.0, 1.0)]
>>> import descend
>>> runs = descend.fit(model=rosen.model(), loss="value", optimizer=["gd", "momentum"], lr=1e-3, steps=20)
>>> runs.paths[0].shape  # the path of run 0 (gd): the start and 20 steps in (x, y)
(21, 2)

A landscape becomes a model for :func:`descend.fit` with :meth:`Landscape.model` (data ``None``,
``loss="value"``): the parameters are the coordinates, named ``("x", "y")``, so the recorded path of a
run is its trajectory on the plot. Such a model has exact gradients: every "step" sees the same J.

**Genuine gradient noise.** :meth:`Landscape.noisy` turns f into an empirical risk over m generated samples
ξ_1..ξ_m, J(w) = (1/m) Σ_i ℓ_i(w), so that full-batch, mini-batch and single-sample gradients differ the way
they do for real data (see :class:`NoisyLandscape`). Its model takes the samples as data.

**Your own formula.** :func:`from_formula` makes a landscape from text such as ``"x**2 + 3*sin(y)"``
(parsed safely by :mod:`descend.formula`); its gradient comes from autograd and it has no known critical
points.

The registry :data:`LANDSCAPES` holds every named landscape; :func:`get` finds one by name. The formulas and
critical points are the standard test functions'; each critical point was re-derived and refined by Newton's
method (public visualisations get some of them wrong), and ``tests/landscapes`` checks every one (a zero
gradient, the Hessian's signature, the value).
"""

from __future__ import annotations

from .base import (  # noqa: F401
    KINDS,
    NOISE_FORMS,
    UNBOUNDED_NOTE,
    CriticalPoint,
    Landscape,
    NoisyLandscape,
)
from .formula import from_formula  # noqa: F401
from .registry import LANDSCAPES, get, parabola, quadratic  # noqa: F401

__all__ = [
    "KINDS",
    "LANDSCAPES",
    "NOISE_FORMS",
    "CriticalPoint",
    "Landscape",
    "NoisyLandscape",
    "from_formula",
    "get",
    "parabola",
    "quadratic",
]
