"""Any function of named parameters, written for one run and batched with vmap: :class:`Parametric`, the seed's
transfer-orbit :func:`ellipse`, and :func:`landscape` (a 2-D cost surface)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from descend import losses
from descend._checks import ANY as _ANY
from descend._checks import NONNEGATIVE
from descend.gradients import ELLIPSE_OFFSET

from .base import (
    _Base,
    _dtype,
    _flag,
    _frozen_values,
    _generator,
    _number,
    _output_check,
    _positive_int,
    _seeds,
    _thaw,
)
from .dense import _nested_list

# ---------------------------------------------------------------------------------------------------------
# Parametric: a function of named parameters, written for one run
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False, repr=False)
class Parametric(_Base):
    r"""A model given as a function of named parameters, written for ONE run and batched with ``vmap``.

    ``fn(p, x)`` takes ``p = {name: tensor}`` (one run's values, shapes as given in ``params``) and
    ``x [B, D]`` and returns ``[B]`` or ``[B, out]``; descend runs it for all K runs with
    ``torch.func.vmap`` (x shared or per run) and returns ``[K, B, out]``. ``fn`` must be vmap-friendly:
    torch operations only, no ``.item()`` or Python branches on values (use ``torch.where``).

    ``valid(p, x) -> bool [B]`` (optional) marks the samples that count in the loss; it is vmapped too and
    :meth:`valid` returns ``[K, B]``. ``fn`` itself must still return finite values *and gradients* for
    invalid samples: evaluate undefined parts on a safe value (see :func:`ellipse`).

    ``params`` gives the names (in order) and initial values: numbers or small tensors. :meth:`init` copies
    them to every run, plus N(0, ``init_noise``²) jitter drawn from each run's seed if ``init_noise > 0``.
    ``in_features`` (optional) checks x's last axis; ``output`` is applied after ``fn`` (``logits=True``
    skips it). Each parameter is its own group in ``layers``.

    ``uses_data=False`` makes a cost surface (see :func:`landscape`): ``fn(p, None)`` returns one value (or
    ``[out]``), x is ignored (may be None) and :meth:`forward` returns ``[K, 1, out]``.

    A function written with broadcasting may say so with an attribute ``fn.broadcasts = True``: it is then
    called once for all runs instead of through vmap (much faster for small models), with each parameter as
    ``[K, 1, *shape]`` and x as ``[B, D]`` or ``[K, B, D]`` (without data: ``[K, *shape]``); it must give the
    same values as for one run. The ellipse, the line fit and the landscapes do.

    ``grad`` (optional, ``uses_data=False`` only) is ``fn``'s hand-derived gradient, written with broadcasting:
    ``grad(p)`` takes each parameter as ``[K, *shape]`` and returns ∂fn/∂p for each parameter in the order of
    ``names``, each ``[K, *shape]``: the same numbers as autograd to round-off. The engine takes it instead of
    autograd when the cost is ``fn`` itself (``loss="value"``, see :func:`descend.engine.hand_gradient`); a
    landscape's model carries the landscape's.

    :meth:`unchecked` is the same model without the argument checks of every call, for a caller that checked
    them once (the engine, after a cohort's first step). :meth:`mse_and_grad` gives ``fn.mse_and_grad`` where
    ``fn`` writes out the MSE's backward pass as autograd runs it (the ellipse, the line fit): the engine then
    trains with it, without autograd and with the same numbers.
    """

    fn: Callable[[dict[str, Tensor], Tensor | None], Tensor]
    start: tuple[tuple[str, tuple[int, ...], Any], ...]
    valid_fn: Callable[[dict[str, Tensor], Tensor], Tensor] | None
    out: int
    init_noise: float
    in_features: int | None
    output: str
    uses_data: bool
    grad: Callable[[dict[str, Tensor]], Sequence[Tensor]] | None = None

    def __init__(
        self,
        fn: Callable[[dict[str, Tensor], Tensor | None], Tensor],
        params: Mapping[str, float | Tensor],
        valid: Callable[[dict[str, Tensor], Tensor], Tensor] | None = None,
        out: int = 1,
        *,
        init_noise: float = 0.0,
        in_features: int | None = None,
        output: str = "identity",
        uses_data: bool = True,
        grad: Callable[[dict[str, Tensor]], Sequence[Tensor]] | None = None,
    ) -> None:
        if not callable(fn):
            raise ValueError(f"fn={fn!r} must be a function fn(p: dict[str, Tensor], x: Tensor) -> Tensor")
        if not isinstance(params, Mapping) or not params:
            raise ValueError(f"params={params!r} must be a non-empty dict {{name: initial value}}")
        start = []
        for name, value in params.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"params has the key {name!r}; parameter names must be non-empty strings")
            shape, values = _frozen_values(f"params[{name!r}]", value)
            start.append((name, shape, values))
        if valid is not None and not callable(valid):
            raise ValueError(f"valid={valid!r} must be None or a function valid(p, x) -> bool tensor [B]")
        set_ = object.__setattr__
        set_(self, "fn", fn)
        set_(self, "start", tuple(start))
        set_(self, "valid_fn", valid)
        set_(self, "out", _positive_int("out", out))
        set_(self, "init_noise", _number("init_noise", init_noise, NONNEGATIVE))
        set_(self, "in_features", None if in_features is None else _positive_int("in_features", in_features))
        set_(self, "output", _output_check(output, self.out))
        set_(self, "uses_data", _flag("uses_data", uses_data))
        if not self.uses_data and valid is not None:
            raise ValueError("valid must be None with uses_data=False (a cost surface has no samples to mask)")
        if grad is not None and not callable(grad):
            raise ValueError(f"grad={grad!r} must be None or a function grad(p) -> one gradient per parameter")
        if grad is not None and self.uses_data:
            raise ValueError("grad is for a cost surface (uses_data=False): the gradient of fn itself, which is the "
                             "cost; with data the cost is a loss of fn's output, and autograd takes its gradient")
        set_(self, "grad", grad)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _, _ in self.start)

    @property
    def layers(self) -> tuple[str, ...]:
        return self.names

    @property
    def out_features(self) -> int:
        return self.out

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(shape for _, shape, _ in self.start)

    def init(
        self, seeds: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> tuple[Tensor, ...]:
        """The given values for every run ``[K, ...]``, plus N(0, init_noise²) drawn from each run's seed."""
        seeds, dtype = _seeds(seeds), _dtype(dtype)
        base = [_thaw(values, dtype) for _, _, values in self.start]
        if self.init_noise == 0:
            return tuple(b.expand(len(seeds), *b.shape).clone().to(device) for b in base)
        runs = []
        for seed in seeds:
            g = _generator(seed)
            runs.append([b + self.init_noise * torch.randn(b.shape, generator=g, dtype=dtype) for b in base])
        return tuple(torch.stack([run[i] for run in runs]).to(device) for i in range(len(base)))

    def _vmap(self, f: Callable, params: tuple[Tensor, ...], x: Tensor | None, per_run: bool) -> Tensor:
        if getattr(f, "broadcasts", False):
            return _broadcast(f, self.names, params, x)
        p = dict(zip(self.names, params))
        if x is None:
            return torch.func.vmap(lambda q: f(q, None), in_dims=(0,))(p)
        return torch.func.vmap(f, in_dims=(0, 0 if per_run else None))(p, x)

    def forward(self, params: Sequence[Tensor], x: Tensor | None, *, logits: bool = False) -> Tensor:
        """``[K, B, out]`` (``[K, 1, out]`` with ``uses_data=False``); ``logits=True`` skips ``output``."""
        params, k = self._check_params(params)
        if self.uses_data:
            x, per_run = self._check_x(x, k, params[0].dtype, in_features=self.in_features)
            b = x.shape[-2]
        else:
            x, per_run, b = None, False, 1
        y = self._shaped(self._vmap(self.fn, params, x, per_run), k)
        if tuple(y.shape) != (k, b, self.out):
            raise ValueError(
                f"fn returned shape {list(y.shape[1:])} for one run; expected [B] or [B, {self.out}] with B = {b} "
                f"(out = {self.out})"
                if self.uses_data
                else f"fn returned shape {list(y.shape[1:])} for one run; expected one value (or [{self.out}])"
            )
        return self._activate_output(y, logits)

    __call__ = forward

    def _shaped(self, y: Tensor, k: int) -> Tensor:
        """fn's values for all runs as ``[K, B, out]`` (a cost surface's as ``[K, 1, out]``)."""
        if not self.uses_data:
            if y.ndim == 1 and self.out == 1:  # one value per run: one view (one node less to differentiate)
                return y.reshape(k, 1, 1)
            y = y.reshape(k, 1, *y.shape[1:])
        return y.unsqueeze(-1) if y.ndim == 2 and self.out == 1 else y

    def mse_and_grad(self) -> Callable[..., tuple[Tensor, Tensor | None, tuple[Tensor, ...]]] | None:
        """``fn.mse_and_grad`` (the ellipse's, the line fit's: the MSE over the valid samples and its gradient,
        autograd's numbers without autograd) when it is this model's output and mask as they are (the function's
        own mask, or none for a function without one), else None."""
        fn = self.fn
        if (self.output != "identity" or self.out != 1 or not self.uses_data or not getattr(fn, "broadcasts", False)
                or getattr(fn, "valid", None) != self.valid_fn):
            return None
        return getattr(fn, "mse_and_grad", None)

    def unchecked(self) -> _Unchecked:
        """This model without the argument checks of :meth:`forward` and :meth:`valid` (the same numbers), for a
        caller that checked its parameters and data once: the engine, after the first step of a cohort."""
        return _Unchecked(self)

    def valid(self, params: Sequence[Tensor], x: Tensor | None) -> Tensor | None:
        """``[K, B]`` bool: ``valid_fn`` for every run, or None when there is none."""
        if self.valid_fn is None:
            return None
        params, k = self._check_params(params)
        x, per_run = self._check_x(x, k, params[0].dtype, in_features=self.in_features)
        mask = self._vmap(self.valid_fn, params, x, per_run)
        if not isinstance(mask, Tensor) or tuple(mask.shape) != (k, x.shape[-2]):
            shape = list(mask.shape[1:]) if isinstance(mask, Tensor) else type(mask).__name__
            raise ValueError(f"valid returned {shape} for one run; expected a bool tensor [B] with B = {x.shape[-2]}")
        return mask.to(torch.bool)

    def describe(self) -> str:
        """The model in words, as a task's card says it: its parameters and where they start."""
        start = ", ".join(f"{n} = {_start_text(v, shape)}" for n, shape, v in self.start)
        what = "the point itself" if not self.uses_data else "a function of the data"
        return f"{what}, parameters {', '.join(n for n, _, _ in self.start)} (starting at {start})"

    def __repr__(self) -> str:
        start = ", ".join(f"{n!r}: {_start_text(v, shape)}" for n, shape, v in self.start)
        parts = [f"fn={_name(self.fn)}", f"params={{{start}}}"]
        if self.valid_fn is not None:
            parts.append(f"valid={_name(self.valid_fn)}")
        parts.append(f"out={self.out}")
        if self.init_noise:
            parts.append(f"init_noise={self.init_noise!r}")
        if self.in_features is not None:
            parts.append(f"in_features={self.in_features}")
        if self.output != "identity":
            parts.append(f"output={self.output!r}")
        if not self.uses_data:
            parts.append("uses_data=False")
        return f"Parametric({', '.join(parts)})"


class _Unchecked:
    """:meth:`Parametric.unchecked`: :meth:`Parametric.forward` and :meth:`Parametric.valid` without the checks of
    their arguments, the same operations otherwise. A function that computes its validity mask on the way to its
    values (``fn.and_valid(p, x) -> (values, mask)``, ``fn.valid`` being the model's ``valid_fn``, as the ellipse's
    does) gives both in one pass: :meth:`valid` then returns the mask of the :meth:`forward` just made with the
    same parameters and data (the same operations on the same values, so the same mask)."""

    def __init__(self, model: Parametric) -> None:
        self.model = model
        self.names = model.names
        fn = model.fn
        self.broadcasts = getattr(fn, "broadcasts", False)
        self.and_valid = (fn.and_valid if self.broadcasts and model.valid_fn is not None
                          and getattr(fn, "valid", None) == model.valid_fn and hasattr(fn, "and_valid") else None)
        self.last: tuple[Any, Any, Tensor] | None = None  # (params, x, mask) of the last forward

    def _data(self, params: Sequence[Tensor], x: Tensor) -> tuple[Tensor, bool]:
        dtype = params[0].dtype
        return (x if x.dtype == dtype else x.to(dtype)), x.ndim == 3

    def forward(self, params: Sequence[Tensor], x: Tensor | None, *, logits: bool = False) -> Tensor:
        model, k = self.model, params[0].shape[0]
        if not model.uses_data:
            y = (_broadcast(model.fn, self.names, tuple(params), None) if self.broadcasts
                 else model._vmap(model.fn, tuple(params), None, False))
        elif self.and_valid is not None:
            xs, _ = self._data(params, x)
            y, mask = _broadcast(self.and_valid, self.names, tuple(params), xs)
            self.last = (params, x, mask)
        else:
            xs, per_run = self._data(params, x)
            y = model._vmap(model.fn, tuple(params), xs, per_run)
        return model._activate_output(model._shaped(y, k), logits)

    __call__ = forward

    def valid(self, params: Sequence[Tensor], x: Tensor | None) -> Tensor | None:
        model = self.model
        if model.valid_fn is None:
            return None
        last, self.last = self.last, None
        if last is not None and last[0] is params and last[1] is x:
            return last[2]
        xs, per_run = self._data(params, x)
        return model._vmap(model.valid_fn, tuple(params), xs, per_run).to(torch.bool)


def _broadcast(f: Callable, names: tuple[str, ...], params: tuple[Tensor, ...], x: Tensor | None) -> Tensor:
    """``f`` on all K runs at once, for a function written with broadcasting (``f.broadcasts``): the same
    values as through vmap, without its cost per call (about 0.7 ms, most of a small model's step).

    With data, each parameter is given as ``[K, 1, *shape]`` (a scalar as ``[K, 1]``) and x as ``[B, D]`` or
    ``[K, B, D]``, so an expression written for one run (``p["w"] * x[..., 0]``) gives ``[K, B]``. Without
    data (a cost surface) each parameter is ``[K, *shape]`` and a scalar cost comes back as ``[K]``.
    """
    k = params[0].shape[0]
    if x is None:
        return f(dict(zip(names, params)), None)
    return f({n: t.reshape(k, 1, *t.shape[1:]) for n, t in zip(names, params)}, x)


#: The most starting values a model's text lists; a larger parameter is its shape and range.
SHOWN_VALUES = 16


def _start_text(values: Any, shape: tuple[int, ...]) -> str:
    """A parameter's starting values as a model's repr and card show them: the values, or for more than
    :data:`SHOWN_VALUES` its shape and range (a 64 × 64 weight printed 20,000 characters).

    >>> _start_text((1.0, 2.0), (2,)), _start_text(tuple(float(i) for i in range(20)), (4, 5))
    ('[1.0, 2.0]', '<4×5 values from 0 to 19>')
    """
    count = math.prod(shape)
    if count <= SHOWN_VALUES:
        return str(_nested_list(values))
    flat = torch.tensor(values, dtype=torch.float64).reshape(-1)
    return f"<{'×'.join(map(str, shape))} values from {float(flat.min()):.4g} to {float(flat.max()):.4g}>"


def _name(f: object) -> str:
    if isinstance(f, (_LandscapeFn, _EllipseFn, _EllipseValid)):
        return repr(f)
    return getattr(f, "__qualname__", None) or repr(f)


# --- the transfer-orbit ellipse (seed 004) ----------------------------------------------------------------


def _radicand(p: dict[str, Tensor], x: Tensor, offset: float) -> Tensor:
    return 1.0 - (x[..., 0] + offset) ** 2 / p["w_a"] ** 2


@dataclass(frozen=True)
class _EllipseFn:
    offset: float
    broadcasts = True  # elementwise in w_a, w_b and x: all runs at once (see _broadcast)

    def __call__(self, p: dict[str, Tensor], x: Tensor) -> Tensor:
        return self.and_valid(p, x)[0]

    def and_valid(self, p: dict[str, Tensor], x: Tensor) -> tuple[Tensor, Tensor]:
        """The values and, on the way, :attr:`valid`'s mask (see :meth:`Parametric.unchecked`)."""
        r = _radicand(p, x, self.offset)
        ok = r > 0
        s = torch.sqrt(torch.where(ok, r, torch.ones_like(r)))  # never √ of a non-positive number
        return torch.where(ok, p["w_b"] * s, torch.zeros_like(s)), ok

    @property
    def valid(self) -> _EllipseValid:
        """The model's validity mask, which :meth:`and_valid` computes alongside the values."""
        return _EllipseValid(self.offset)

    def mse_and_grad(self, p: dict[str, Tensor], x: Tensor, y: Tensor) -> tuple[Tensor, Tensor, tuple[Tensor, ...]]:
        r"""The MSE over each run's valid samples, whether the run has one, and its gradient, without autograd.

        J = (1/N′) Σᵢ (ŷᵢ − yᵢ)² over the N′ samples where √ is defined (0 when there is none): the operations of
        :meth:`and_valid` and of :func:`descend.losses.mse` with that mask. Then, with gᵢ = 2(ŷᵢ − yᵢ)/N′ on the
        valid samples, sᵢ = √(1 − qᵢ) and qᵢ = (xᵢ + c)²/w_A²,

            ∂J/∂w_B = Σᵢ gᵢ·sᵢ,    ∂J/∂w_A = 2w_A · Σᵢ (gᵢ·w_B / 2sᵢ) · qᵢ/w_A²,

        computed as autograd's backward pass computes them, node by node (a division by one and ``pow(1)``, which
        are exact, left out), so that the numbers are autograd's bit for bit (tests/test_engine_fast.py): the
        engine takes this for the ellipse's MSE (:func:`descend.engine.hand_gradient`), a step without a graph.
        ``p`` holds ``[K]`` parameters, ``x`` and ``y`` are ``[B, 1]`` or ``[K, B, 1]``, in the parameters' dtype.
        Returns J ``[K]``, the runs with a valid sample ``[K]`` and (∂J/∂w_A, ∂J/∂w_B), each ``[K]``.
        """
        k = p["w_a"].shape[0]
        w_a, w_b = p["w_a"].reshape(k, 1), p["w_b"].reshape(k, 1)  # as _broadcast gives them to and_valid
        a = (x[..., 0] + self.offset) ** 2
        w_a2 = w_a ** 2
        r = 1.0 - a / w_a2
        ok = r > 0
        s = torch.sqrt(torch.where(ok, r, torch.ones_like(r)))
        d = torch.where(ok, w_b * s, torch.zeros_like(s)).unsqueeze(-1) - y  # ŷ − y, [K, B, 1] as forward gives ŷ
        per = torch.where(ok, (d ** 2).mean(dim=(2,)), torch.zeros((), dtype=d.dtype))
        count = ok.sum(dim=-1).to(losses.accumulator(d.dtype)).clamp(min=1.0)
        cost = losses.sample_mean(per, count)
        # backward from Σ_runs J: ÷ count, Σᵢ, the mask, the mean over one output, (ŷ − y)², the mask of ŷ
        g = torch.where(ok, losses.ones_over(count, cost.shape, cost.dtype).unsqueeze(-1), 0.0)
        g = torch.where(ok, g * (2.0 * d.squeeze(-1)), 0.0)
        grad_b = (g * s).sum(dim=1)  # w_B · s: ∂/∂w_B summed over the samples it was broadcast to
        g = torch.where(ok, (g * w_b) / (2 * s), 0.0)  # ∂/∂s, then √'s and the mask of r
        grad_a2 = (g * ((a / w_a2) / w_a2)).sum(dim=1)  # 1 − a/w_A²: −(−g)·(a/w_A²)/w_A², summed
        return cost, ok.any(dim=1), (grad_a2 * (2.0 * w_a.squeeze(1)), grad_b)

    def __repr__(self) -> str:
        return f"ellipse(offset={self.offset!r})"


@dataclass(frozen=True)
class _EllipseValid:
    offset: float
    broadcasts = True

    def __call__(self, p: dict[str, Tensor], x: Tensor) -> Tensor:
        return _radicand(p, x, self.offset) > 0

    def __repr__(self) -> str:
        return f"ellipse_valid(offset={self.offset!r})"


def ellipse(
    w_a: float = 0.1, w_b: float = 1.8, *, offset: float = ELLIPSE_OFFSET, init_noise: float = 0.0
) -> Parametric:
    r"""Seed 004's transfer-orbit model ŷ = w_B·√(1 − (x + c)²/w_A²), c = ``offset`` = 0.26185.

    Parameters ``("w_a", "w_b")``, starting at the seed's A = 0.1, B = 1.8. x is ``[B, 1]`` (or ``[K, B, 1]``).
    A sample is valid where the radicand is strictly positive (as :func:`descend.gradients.ellipse_predict`);
    elsewhere ŷ = 0 and :meth:`Parametric.valid` is False, so a masked loss gives the seed's eq. 18. The
    square root only ever sees a positive number, so gradients are finite for every sample.

    >>> model = ellipse()
    >>> model.forward(model.init([0, 1]), torch.tensor([[-0.26185], [0.5]])).squeeze(-1)
    tensor([[1.8000, 0.0000],
            [1.8000, 0.0000]])
    >>> model.valid(model.init([0]), torch.tensor([[-0.26185], [0.5]]))
    tensor([[ True, False]])
    """
    if isinstance(offset, bool) or not isinstance(offset, (int, float)) or not math.isfinite(offset):
        raise ValueError(f"offset={offset!r} is not allowed; a finite number is required")
    w_a = _number("w_a", w_a, _NONZERO)
    w_b = _number("w_b", w_b, _ANY)
    return Parametric(
        _EllipseFn(float(offset)),
        {"w_a": w_a, "w_b": w_b},
        valid=_EllipseValid(float(offset)),
        in_features=1,
        init_noise=init_noise,
    )


class _NonzeroInterval:
    """Every finite number but 0 (w_A divides)."""

    def contains(self, x: Tensor) -> Tensor:
        return x != 0

    def __str__(self) -> str:
        return "any finite number but 0 (the model divides by w_A)"


_NONZERO = _NonzeroInterval()


# --- cost landscapes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _LandscapeFn:
    """The ``fn`` of a :func:`landscape` model built from a user function: ``f(p["x"], p["y"])`` (named
    landscapes have theirs in :mod:`descend.landscapes`)."""

    f: Callable[[Tensor, Tensor], Tensor]

    def __call__(self, p: dict[str, Tensor], x: object = None) -> Tensor:
        return self.f(p["x"], p["y"])

    def __repr__(self) -> str:
        return f"landscape({_name(self.f)})"


#: ``descend.landscapes.get``, registered by that module when it is imported (it builds its models from this
#: module, so this module does not import it).
NAMED_LANDSCAPES: Callable[[str], Any] | None = None


def landscape(
    f: str | Callable[[Tensor, Tensor], Tensor],
    start: tuple[float, float] | None = None,
    *,
    init_noise: float = 0.0,
) -> Parametric:
    r"""A 2-D cost surface J(x, y) whose two parameters ``("x", "y")`` are the coordinates.

    ``f`` is a function ``f(x, y) -> 0-d tensor`` of two 0-d tensors (vmap-friendly), or the name of one in
    :data:`descend.landscapes.LANDSCAPES` (then ``start`` defaults to its standard start; the same model as
    ``descend.landscapes.get(name).model(start)``). The model ignores data (``uses_data=False``):
    ``forward(params, None)`` returns the cost of every run as ``[K, 1, 1]``, so run k's cost is
    ``forward(params, None)[k, 0, 0]``; the engine's loss is that value itself (no target, no mask), and its
    gradient is ∇J at run k's point.

    >>> model = landscape("booth", start=(-5.0, 5.0))
    >>> params = model.init([0, 1])
    >>> model.forward(params, None).shape, model.forward(params, None)[:, 0, 0]
    (torch.Size([2, 1, 1]), tensor([104., 104.]))
    """
    if isinstance(f, str):
        if NAMED_LANDSCAPES is None:  # descend.landscapes registers its catalogue here when imported
            import importlib

            importlib.import_module("descend.landscapes")  # by name: models sit below landscapes
        try:
            scape = NAMED_LANDSCAPES(f)
        except ValueError as e:
            raise ValueError(f"f={f!r}: {e}") from None
        return scape.model(start, init_noise=init_noise)
    if not callable(f):
        raise ValueError(f"f={f!r} must be a function f(x, y) or a landscape name (descend.landscapes.LANDSCAPES)")
    if start is None:
        raise ValueError("start=None is not allowed for a user function f; give the starting point (x0, y0)")
    if isinstance(start, (str, bytes)) or not isinstance(start, Sequence) or len(start) != 2:
        raise ValueError(f"start={start!r} is not allowed; give the starting point as two numbers (x0, y0)")
    x0 = _number("start[0]", start[0], _ANY)
    y0 = _number("start[1]", start[1], _ANY)
    return Parametric(_LandscapeFn(f), {"x": x0, "y": y0}, init_noise=init_noise, uses_data=False)
