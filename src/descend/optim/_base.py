"""Maths helpers shared by the update rules, named after the maths.

Conventions of every rule in :mod:`descend.optim`:

- ``params`` and ``grads`` are sequences of tensors. With a **run axis** every tensor has shape
  ``[K, ...]`` and run ``k`` is ``params[i][k]``.
- A hyperparameter is a Python number (all runs alike), a 0-d tensor, or a tensor ``[K]`` (run ``k``
  uses its ``k``-th value). :func:`per_run` reshapes it to broadcast against a parameter ``[K, ...]``.
- The state is a :class:`~typing.NamedTuple` created in full by ``init``: a step count ``step`` (a
  0-d float64 tensor shared by all tensors and runs, the seeds' ``t`` before the update) and one tuple
  of tensors per moment, with the parameters' shapes.
- ``update`` is pure: it returns new parameters and a new state and changes none of its inputs.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Sequence
from typing import Any, Literal

import torch
from torch import Tensor

from .._compile import tracing

Hyper = float | Tensor
Tensors = tuple[Tensor, ...]
#: The dtypes torch's kernels compute in float32 ("opmath"), rounding once per kernel.
REDUCED = (torch.float16, torch.bfloat16)


def per_run(x: Hyper, like: Tensor) -> Hyper:
    """Make hyperparameter ``x`` broadcast against ``like`` (shape ``[K, ...]`` when ``x`` is ``[K]``).

    Numbers pass through unchanged (the fast path of torch's scalar kernels), and so does a 0-d tensor, in its own
    dtype: a kernel reads it as a number, in ``like``'s dtype, or in float32 for float16 and bfloat16, as torch.optim's
    Python numbers (the per-step scalars, ``1 − β₂ᵗ``, are float64 tensors: rounded to float32 first, Adam's step
    differed from torch's in a fifth of its entries). A ``[K]`` tensor is cast to ``like``'s dtype, so that a float64
    hyperparameter never promotes float32 parameters: a scalar derived from it is computed before (in float64), not
    after.
    """
    if not isinstance(x, Tensor):
        return x
    if x.ndim == 0 and like.ndim > 0:  # a number: kept in its dtype, as torch.optim keeps a Python number, and
        return x.to(device=like.device)  # read by the kernel as one (a 0-d tensor promotes no tensor with a shape)
    x = x.to(dtype=x.dtype if x.dtype == torch.bool else like.dtype, device=like.device)
    if x.ndim == 1:
        return x.view(-1, *([1] * (like.ndim - 1)))
    return x


def minus(w: Tensor, a: Hyper, x: Tensor, y: Tensor | None = None) -> Tensor:
    """``w − a·x``, or ``w − a·x/y`` with ``y``: the last line of most rules, in torch.optim's order.

    ``w − a·x/y`` is ``(a·x)/y`` then ``w −``, as torch's ``addcdiv_(x, y, value=−a)``; ``w − a·x`` is ``a·x`` then
    ``w −``. torch's ``add_(x, alpha=−a)`` rounds that once where the CPU has FMA instructions (AVX2, AVX-512) and
    twice where it has not: rounded twice everywhere, a run's numbers do not depend on the CPU's instructions (a
    chaotic run, Himmelblau's Nesterov at lr 0.02, ends 13.2 or 19.3 by them), and a step of SGD differs from torch's
    in the last bit of 0.3-1 % of its entries on such a CPU. In float16 and bfloat16 torch computes each kernel in
    float32 and rounds once at the end (with ``a`` rounded to the parameters' dtype first in the add): so does this.
    Rounded to float16 term by term, ``a·x`` alone falls below float16's normal range (6.1e-5) at ordinary steps: an
    Adam step of 3e-5 came out 95 % too long, one of 1e-5 as none.
    """
    if w.dtype not in REDUCED:
        step = per_run(a, w) * x
        # w − step/y in one pass: addcdiv's kernel negates the quotient (exact) and adds, as the two operations round
        return w - step if y is None else torch.addcdiv(w, step, y, value=-1)
    w32, x32 = w.float(), x.float()
    if y is None:  # torch rounds alpha to the parameters' dtype
        a32 = per_run(a, w).to(w.dtype).float() if isinstance(a, Tensor) else float(torch.tensor(a, dtype=w.dtype))
        return (w32 - a32 * x32).to(w.dtype)
    return (w32 - per_run(a, w32) * x32 / y.float()).to(w.dtype)


def plus(w: Tensor, a: Hyper, x: Tensor, y: Tensor | None = None) -> Tensor:
    """``w + a·x``, or ``w + a·x/y``, as :func:`minus` computes ``w − (−a)·x`` (a negation is exact)."""
    return minus(w, -a, x, y)


def zeros_like(params: Sequence[Tensor]) -> Tensors:
    """A zero tensor of each parameter's shape, dtype, device and layout: a state's moments at t = 0."""
    return tuple(torch.zeros_like(p, memory_format=torch.preserve_format) for p in params)


def new_step(params: Sequence[Tensor]) -> Tensor:
    """The step count t = 0 (float64, on the parameters' device; on the CPU for parameters on the ``meta``
    device, which holds no values: torch.optim keeps its step counts there)."""
    device = params[0].device if len(params) else None
    return torch.zeros((), dtype=torch.float64, device="cpu" if device is not None and device.type == "meta"
                       else device)


def direction(g: Tensor, w: Tensor, weight_decay: Hyper, maximize: bool) -> Tensor:
    """The gradient the rule follows: ``−g`` when maximizing, plus the coupled L2 term ``λ·w``.

    This is torch.optim's order: negate first, then add weight decay.
    """
    if maximize:
        g = -g
    if isinstance(weight_decay, Tensor):  # g + λ·w rounded once, as torch.add(g, w, alpha=λ) for a number λ
        return torch.addcmul(g, per_run(weight_decay, w), w)
    return torch.add(g, w, alpha=weight_decay) if weight_decay != 0 else g


def with_weight_decay(
    g: Tensor, w: Tensor, lr: Hyper, weight_decay: Hyper, decoupled: bool, maximize: bool
) -> tuple[Tensor, Tensor]:
    """The gradient to follow and the weights to update, for coupled or decoupled weight decay λ.

    Coupled (L2, torch's Adam): ``g ← g + λ·w`` (see :func:`direction`). Decoupled (AdamW):
    ``w ← w·(1 − α·λ)``, applied before the moments, and ``g`` is left alone.
    """
    if not decoupled:
        return direction(g, w, weight_decay, maximize), w
    g = direction(g, w, 0.0, maximize)
    if not _nonzero(weight_decay):
        return g, w
    factor = 1 - in_float64(lr) * in_float64(weight_decay)
    if w.dtype in REDUCED and isinstance(factor, Tensor) and factor.ndim:  # one rate per run: w·(1 − α·λ) in float32,
        return g, (w.float() * per_run(factor, w.float())).to(w.dtype)  # rounded once, as torch's mul_ of a number
    return g, w * per_run(factor, w)


def ema(avg: Tensor, x: Tensor, decay: Hyper) -> Tensor:
    """Exponential moving average ``decay·avg + (1 − decay)·x`` (one fused lerp).

    ``decay`` is the hyperparameter as given (a number, or a 0-d or ``[K]`` tensor). Its weight ``1 − decay``
    is computed in float64 before it meets ``avg``'s dtype: for float32 parameters ``1 − round₃₂(β)`` would be
    off by up to 1e-5 relative for β₂ = 0.999 (torch rounds the difference, not β).
    """
    if isinstance(decay, Tensor):
        return torch.lerp(avg, x, per_run(1 - in_float64(decay), avg))
    return torch.lerp(avg, x, 1 - decay)


def over(x: Hyper, t: Tensor) -> Tensor:
    """``x / t`` rounded once, for a number ``x`` as for a tensor (``number / tensor`` is torch's
    ``t.reciprocal() * number``: two roundings, where torch.optim divides Python numbers once)."""
    return (x if isinstance(x, Tensor) else torch.tensor(x, dtype=t.dtype, device=t.device)) / t


def in_float64(x: Hyper) -> Hyper:
    """A tensor hyperparameter in float64, for the scalar maths done once per step (numbers pass)."""
    return x.to(torch.float64) if isinstance(x, Tensor) else x


def ema_sq(avg: Tensor, g: Tensor, decay: Hyper) -> Tensor:
    """Exponential moving average of squares ``decay·avg + (1 − decay)·g²`` (``decay`` as given, see :func:`ema`).

    It is torch's own ``addcmul`` kernel, so that it rounds as torch.optim does: ``fma((1 − decay)·g, g,
    decay·avg)``; a ``[K]`` ``decay`` takes the same kernel as ``addcmul(decay·avg, (1 − decay)·g, g)``, so that a
    run rounds alike whether its decay is a number or one of K values (a run trained beside others with another
    β₂ is the run trained alone, to the bit).
    """
    if isinstance(decay, Tensor):  # the weight 1 − decay in float64 first, as in :func:`ema`
        return torch.addcmul(per_run(decay, avg) * avg, per_run(1 - in_float64(decay), avg) * g, g)
    return torch.addcmul(avg * decay, g, g, value=1 - decay)


def bias_correction(beta: Hyper, t: Tensor) -> Tensor:
    """``1 − βᵗ``: divides an EMA started at zero so that it estimates the mean from the first step.

    Computed in float64 (``t`` is the float64 step count) whatever the dtype of a tensor ``beta``.
    """
    return per_step(1.0 - in_float64(beta) ** t)


# A plain library op (a copy) that torch.compile cannot see into. descend._compile.lower_per_step gives Inductor
# its lowering (the value computed once, in a buffer of its own), so that a compiled step never calls the eager
# kernel below; that kernel serves a torch whose Inductor lacks the lowering's functions. Declared through
# torch.library.Library rather than the torch.library.custom_op decorator: a quarter of the call cost.
_LIBRARY = torch.library.Library("descend", "DEF")
_LIBRARY.define("per_step(Tensor x) -> Tensor")


def _eager_copy(x: Tensor) -> Tensor:
    return x.clone()


_LIBRARY.impl("per_step", _eager_copy, "CompositeExplicitAutograd")
_LIBRARY.impl("per_step", lambda x: torch.empty_like(x), "Meta")
_computed_once = torch.ops.descend.per_step.default


def per_step(x: Hyper) -> Hyper:
    """Mark a scalar computed once per step from ``t`` and the hyperparameters (a bias correction).

    Eagerly this returns ``x``. When compiled (``torch.compile``, or a step that ``fit(compile=True)``
    traces) the value is computed once per step, into a buffer of its own (:func:`descend._compile.lower_per_step`):
    otherwise the compiler inlines it into every element's arithmetic, where a ``pow`` per element
    (which the C compiler may not hoist) makes a fused step several times slower.
    """
    if isinstance(x, Tensor) and tracing():
        return _computed_once(x)
    return x


def checked(rule: Callable[..., Any]) -> Callable[..., Any]:
    """A pure rule that checks its call: its switches and its sequences, which it cannot check from its maths.

    A switch annotated ``bool`` must be True or False (``nesterov="no"`` is a true string: Nesterov's rule), one
    annotated with a ``Literal`` one of its values (``eps_mode="insid"`` fell through to another form); ``grads``
    and every tuple of the state (but an empty one: a moment a form does not keep) must have one tensor per
    parameter (``zip`` would drop the parameters beyond the shortest). A ``ValueError`` (``TypeError`` for a
    switch that is not a bool) names the rule, the argument and what is allowed. Hyperparameters are not checked
    here (a tensor's values would have to be read): :meth:`descend.optim.OptimizerInfo.configure` checks them,
    as ``fit`` and the classes do. The rule itself is ``checked(rule).unchecked``, which the engine calls: its
    settings were checked once, before training.
    """
    allowed: dict[str, tuple[Any, ...]] = {}  # read here, not in a call that torch.compile may be tracing
    for name, hint in typing.get_type_hints(rule).items():
        if hint is bool:
            allowed[name] = (False, True)
        elif typing.get_origin(hint) is Literal:
            allowed[name] = typing.get_args(hint)

    @functools.wraps(rule)
    def call(grads: Sequence[Tensor], state: Any, params: Sequence[Tensor], **options: Any) -> Any:
        for name, value in options.items():
            if name in allowed and not isinstance(value, Tensor) and not _one_of(value, allowed[name]):
                words = f"{rule.__name__}: {name}={value!r} is not allowed"
                if allowed[name] == (False, True):
                    raise TypeError(f"{words}; give True or False")
                from .._names import close_matches

                raise ValueError(f"{words}; choose one of {', '.join(map(repr, allowed[name]))}"
                                 + (close_matches(value, allowed[name]) if isinstance(value, str) else ""))
        count = len(params)
        if len(grads) != count:
            raise ValueError(f"{rule.__name__}: {len(grads)} gradient{'s' * (len(grads) != 1)} for {count} "
                             f"parameter{'s' * (count != 1)}; give one per parameter")
        for field, value in zip(getattr(state, "_fields", ()), state):
            if isinstance(value, tuple) and value and len(value) != count:
                raise ValueError(f"{rule.__name__}: the state's {field} holds {len(value)} tensor"
                                 f"{'s' * (len(value) != 1)} for {count} parameter{'s' * (count != 1)}: make the "
                                 "state from these parameters (the rule's init)")
        return rule(grads, state, params, **options)

    call.unchecked = rule  # type: ignore[attr-defined]
    return call


def unchecked(rule: Callable[..., Any]) -> Callable[..., Any]:
    """The rule :func:`checked` wraps (any other rule as it is)."""
    return getattr(rule, "unchecked", rule)


def _one_of(value: Any, allowed: tuple[Any, ...]) -> bool:
    """``value`` is one of ``allowed``, of its kind: a switch's True or False (NumPy's too), not a string or 1."""
    if allowed == (False, True):
        return type(value) is bool or type(value).__module__ == "numpy" and getattr(value, "dtype", None) is not None \
            and value.dtype.kind == "b" and value.ndim == 0
    return isinstance(value, str) and value in allowed


def _nonzero(x: Hyper) -> bool:
    """False only for a hyperparameter known to be zero without reading tensor values."""
    return isinstance(x, Tensor) or x != 0
