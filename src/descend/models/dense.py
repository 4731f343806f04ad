"""Dense models with a torch.nn twin: :class:`Linear` (linear, logistic, softmax regression) and :class:`MLP`."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from descend._checks import close_matches

from .base import (
    _NORMAL_STD,
    HIDDEN,
    INITS,
    _Base,
    _choice,
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

# ---------------------------------------------------------------------------------------------------------
# Dense models: Linear and MLP
# ---------------------------------------------------------------------------------------------------------

_TORCH_ACT: dict[str, Callable[[], nn.Module]] = {
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "relu": nn.ReLU,
    "linear": nn.Identity,
}

_ACT: dict[str, Callable[[Tensor], Tensor]] = {
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "linear": lambda z: z,
}


class _Dense(_Base):
    """Layers ``z = h @ W + b`` with ``W [K, in, out]`` and ``b [K, out]``; subclasses name the parameters."""

    sizes: tuple[int, ...]
    hidden: str
    init_scheme: str | tuple
    init_scale: float | None
    bias: bool

    def _configure(self, output: object, init: object, init_scale: object) -> None:
        """Check and set output, init and init_scale (``sizes`` and ``bias`` are already set)."""
        set_ = object.__setattr__
        set_(self, "output", _output_check(output, self.sizes[-1]))
        set_(self, "init_scheme", self._check_init(init))
        if init_scale is not None:
            if self.init_scheme not in ("uniform", "normal"):
                raise ValueError(
                    f"init_scale={init_scale!r} is not allowed with init={self._init_repr()}; it is the bound a of "
                    "init='uniform' or the standard deviation of init='normal'"
                )
            init_scale = _number("init_scale", init_scale)
        set_(self, "init_scale", init_scale)

    # --- names and shapes --------------------------------------------------------------------------------

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def _param_names(self, i: int) -> tuple[str, str]:
        raise NotImplementedError

    @property
    def names(self) -> tuple[str, ...]:
        out: list[str] = []
        for i in range(self.n_layers):
            w, b = self._param_names(i)
            out += [w, b] if self.bias else [w]
        return tuple(out)

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        out: list[tuple[int, ...]] = []
        for d_in, d_out in zip(self.sizes[:-1], self.sizes[1:]):
            out += [(d_in, d_out), (d_out,)] if self.bias else [(d_in, d_out)]
        return tuple(out)

    def _split(self, params: tuple[Tensor, ...]) -> list[tuple[Tensor, Tensor | None]]:
        step = 2 if self.bias else 1
        return [(params[step * i], params[step * i + 1] if self.bias else None) for i in range(self.n_layers)]

    # --- initialisation ----------------------------------------------------------------------------------

    def _check_init(self, init: object) -> str | tuple:
        if isinstance(init, str):
            return _choice("init", init, INITS)
        if not isinstance(init, Mapping):
            raise ValueError(
                f"init={init!r} is not allowed; choose one of {', '.join(map(repr, INITS))} or give a dict "
                "{name: values} with every parameter"
            )
        names, shapes = self.names, dict(zip(self.names, self.shapes()))
        for key in init:
            if key not in shapes:
                raise ValueError(
                    f"init has an unknown parameter {key!r}{close_matches(str(key), names)} "
                    f"(parameters: {', '.join(names)})"
                )
        missing = [n for n in names if n not in init]
        if missing:
            raise ValueError(
                f"init is missing the parameter(s) {', '.join(map(repr, missing))}; give every one of {names}"
            )
        frozen = []
        for name in names:
            shape, values = _frozen_values(f"init[{name!r}]", init[name])
            if shape != shapes[name] and (len(shape) != len(shapes[name]) + 1 or shape[1:] != shapes[name]):
                raise ValueError(
                    f"init[{name!r}] has shape {list(shape)}; expected {list(shapes[name])} (the same for all runs) "
                    f"or [K, {', '.join(map(str, shapes[name]))}] (one per run)"
                )
            frozen.append((name, shape, values))
        return tuple(frozen)

    def _init_words(self) -> str:
        """How the weights start, in words (a task's card)."""
        scheme = self.init_scheme
        if not isinstance(scheme, str):
            return "weights given"
        scale = "" if self.init_scale is None else f", scale {self.init_scale:g}"
        return {"torch": "weights drawn as torch.nn draws them", "zeros": "weights at zero",
                "uniform": f"uniform weights{scale}", "normal": f"normal weights{scale}",
                "xavier": "Glorot (Xavier) weights", "he": "He (Kaiming) weights"}.get(scheme, f"init {scheme}")

    def _output_words(self) -> str:
        return {"identity": "no output function", "sigmoid": "a sigmoid output",
                "softmax": "a softmax output"}.get(self.output, f"{self.output} output")

    def _init_repr(self) -> str:
        if isinstance(self.init_scheme, str):
            return repr(self.init_scheme)
        return "{" + ", ".join(f"{n!r}: {_nested_list(v)}" for n, _, v in self.init_scheme) + "}"

    def _draw_layer(self, d_in: int, d_out: int, g: torch.Generator, dtype: torch.dtype) -> tuple[Tensor, Tensor]:
        """One run's (W [in, out], b [out]); drawn in torch's layout [out, in] so that seeds match torch.nn."""
        w = torch.empty(d_out, d_in, dtype=dtype)
        b = torch.zeros(d_out, dtype=dtype)
        scheme = self.init_scheme
        if scheme == "torch":
            # Exactly torch.nn.Linear.reset_parameters: weight, then (if present) bias.
            nn.init.kaiming_uniform_(w, a=math.sqrt(5), generator=g)
            if self.bias:
                bound = 1 / math.sqrt(d_in)
                nn.init.uniform_(b, -bound, bound, generator=g)
        elif scheme == "zeros":
            w.zero_()
        elif scheme == "uniform":
            a = self.init_scale if self.init_scale is not None else 1 / math.sqrt(d_in)
            nn.init.uniform_(w, -a, a, generator=g)
            if self.bias:
                nn.init.uniform_(b, -a, a, generator=g)
        elif scheme == "normal":
            nn.init.normal_(w, 0.0, self.init_scale if self.init_scale is not None else _NORMAL_STD, generator=g)
        elif scheme == "xavier":
            nn.init.xavier_uniform_(w, generator=g)
        elif scheme == "he":
            nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu", generator=g)
        return w.T, b

    def init(
        self, seeds: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> tuple[Tensor, ...]:
        """Initial parameters ``[K, ...]``, K = len(seeds); run k is drawn from a generator seeded with seeds[k].

        Per run, layer by layer, the weight is drawn before the bias. ``init="torch"`` draws exactly what
        ``torch.manual_seed(seeds[k])`` followed by building the :meth:`to_torch` twin in ``dtype`` gives.
        Another scheme makes its own draws alone, from ``g = torch.Generator().manual_seed(seeds[k])`` (not after
        ``nn.Linear``'s): in torch, ``nn.init.xavier_uniform_(layer.weight, generator=g)`` for each layer in turn
        with one ``g`` (``"he"``: ``kaiming_normal_(..., mode="fan_in", nonlinearity="relu")``; the bias at zero for
        both).
        Given values (a dict) are copied: a value without the run axis to every run.
        """
        seeds, dtype = _seeds(seeds), _dtype(dtype)
        k = len(seeds)
        if not isinstance(self.init_scheme, str):
            out = []
            for _, shape, values in self.init_scheme:
                t = _thaw(values, dtype)
                if len(shape) == len(self.shapes()[len(out)]) + 1:
                    if shape[0] != k:
                        raise ValueError(
                            f"init[{self.names[len(out)]!r}] has {shape[0]} runs but seeds has {k}; "
                            "give one value per run or one for all"
                        )
                else:
                    t = t.expand(k, *shape)
                out.append(t.clone().to(device))
            return tuple(out)
        per_run: list[list[Tensor]] = []
        for seed in seeds:
            g = _generator(seed)
            run: list[Tensor] = []
            for d_in, d_out in zip(self.sizes[:-1], self.sizes[1:]):
                w, b = self._draw_layer(d_in, d_out, g, dtype)
                run += [w, b] if self.bias else [w]
            per_run.append(run)
        return tuple(torch.stack([run[i] for run in per_run]).contiguous().to(device) for i in range(len(self.names)))

    # --- forward -----------------------------------------------------------------------------------------

    def forward(self, params: Sequence[Tensor], x: Tensor, *, logits: bool = False) -> Tensor:
        """``[K, B, out]``: the output activation applied, or the pre-activation values if ``logits=True``."""
        params, k = self._check_params(params)
        h, _ = self._check_x(x, k, params[0].dtype, in_features=self.sizes[0])
        return self._forward(params, h, logits)

    __call__ = forward

    def _forward(self, params: tuple[Tensor, ...], h: Tensor, logits: bool) -> Tensor:
        layers = self._split(params)
        for i, (w, b) in enumerate(layers):
            z = _affine(h, w, b)
            h = _ACT[self.hidden](z) if i < len(layers) - 1 else z
        return self._activate_output(h, logits)

    def unchecked(self) -> _UncheckedDense:
        """This model without the argument checks of :meth:`forward` (the same numbers), for a caller that
        checked its parameters and data once: the engine, after the first step of a cohort."""
        return _UncheckedDense(self)

    def with_backward(self, cost_and_grad: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]], *, logits: bool,
                      ) -> _DenseBackward | None:
        """The cost and its gradient for every parameter, the backward pass written out (:class:`_DenseBackward`),
        from a loss's cost and gradient with respect to the model's output (:func:`descend.losses.cost_and_grad`)
        applied to the raw scores (``logits=True``, or an identity output); None where the loss meets a sigmoid or
        softmax output."""
        if not logits and self.output != "identity":
            return None
        return _DenseBackward(self, cost_and_grad)

    def valid(self, params: Sequence[Tensor], x: Tensor) -> None:
        """Every sample counts: None."""
        return None

    # --- the torch.nn twin -------------------------------------------------------------------------------

    def to_torch(self, params: Sequence[Tensor], k: int = 0, *, logits: bool = False) -> nn.Sequential:
        """A ``torch.nn.Sequential`` equivalent to run ``k``, holding a copy of its parameters.

        ``Sequential(Linear, act, Linear, act, ..., Linear[, output])``: ``nn.Tanh``/``nn.Sigmoid``/``nn.ReLU``/
        ``nn.Identity`` between the layers, then ``nn.Sigmoid()`` or ``nn.Softmax(dim=-1)`` unless
        ``output="identity"`` or ``logits=True``. So torch's layer ``i`` is ``module[2 * i]``. Its parameters
        are fresh leaves (with gradients) in the dtype and on the device of ``params``.
        """
        params, n = self._check_params(params)
        k = self._run_index(k, n)
        dtype, device = params[0].dtype, params[0].device
        modules: list[nn.Module] = []
        for i, (d_in, d_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:])):
            if i:
                modules.append(_TORCH_ACT[self.hidden]())
            modules.append(nn.Linear(d_in, d_out, bias=self.bias, dtype=dtype, device=device))
        if not logits and self.output == "sigmoid":
            modules.append(nn.Sigmoid())
        elif not logits and self.output == "softmax":
            modules.append(nn.Softmax(dim=-1))
        module = nn.Sequential(*modules)
        self.load_into(module, params, k)
        return module

    def load_into(self, module: nn.Module, params: Sequence[Tensor], k: int = 0) -> nn.Module:
        """Copy run ``k``'s parameters into the ``nn.Linear`` layers of ``module`` (in order); returns module.

        Only the ``nn.Linear`` layers are checked (count and shapes), not the activations between them.
        """
        params, n = self._check_params(params)
        k = self._run_index(k, n)
        linears = self._linears(module)
        with torch.no_grad():
            for lin, (w, b) in zip(linears, self._split(params)):
                lin.weight.copy_(w[k].T)
                if b is not None:
                    lin.bias.copy_(b[k])
        return module

    def from_torch(self, modules: Sequence[nn.Module]) -> tuple[Tensor, ...]:
        """Stack the ``nn.Linear`` parameters of K torch modules into descend's ``[K, ...]`` parameters."""
        if isinstance(modules, nn.Module) or not isinstance(modules, Sequence) or not modules:
            raise ValueError("modules must be a non-empty sequence of torch.nn.Modules (one per run)")
        per_run = []
        for m in modules:
            run = []
            for lin in self._linears(m):
                run.append(lin.weight.detach().T)
                if self.bias:
                    run.append(lin.bias.detach())
            per_run.append(run)
        return tuple(torch.stack([run[i] for run in per_run]).contiguous() for i in range(len(self.names)))

    def _linears(self, module: object) -> list[nn.Linear]:
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
        if len(linears) != self.n_layers:
            raise ValueError(f"module has {len(linears)} nn.Linear layers but the model has {self.n_layers}")
        for i, (lin, d_in, d_out) in enumerate(zip(linears, self.sizes[:-1], self.sizes[1:])):
            if (lin.in_features, lin.out_features) != (d_in, d_out) or (lin.bias is not None) != self.bias:
                raise ValueError(
                    f"module's nn.Linear layer {i} is Linear({lin.in_features}, {lin.out_features}, "
                    f"bias={lin.bias is not None}) but the model's layer {i} is "
                    f"Linear({d_in}, {d_out}, bias={self.bias})"
                )
        return linears

    @staticmethod
    def _run_index(k: object, n: int) -> int:
        if isinstance(k, bool) or not isinstance(k, numbers.Integral) or not -n <= k < n:
            raise ValueError(f"k={k!r} is not allowed; the parameters have K = {n} runs (0 <= k < {n})")
        return int(k) % n


class _UncheckedDense:
    """:meth:`_Dense.unchecked`: :meth:`_Dense.forward` without the checks of its arguments."""

    def __init__(self, model: _Dense) -> None:
        self.model = model
        self.names = model.names

    def forward(self, params: Sequence[Tensor], x: Tensor, *, logits: bool = False) -> Tensor:
        dtype = params[0].dtype
        return self.model._forward(tuple(params), x if x.dtype == dtype else x.to(dtype), logits)

    __call__ = forward

    def valid(self, params: Sequence[Tensor], x: Tensor) -> None:
        return None


#: Each hidden activation's backward pass as autograd computes it, from the gradient and the activation's output
#: (None: the identity, no operation).
_ACT_BACKWARD: dict[str, Callable[[Tensor, Tensor], Tensor] | None] = {
    "tanh": torch.ops.aten.tanh_backward,
    "sigmoid": torch.ops.aten.sigmoid_backward,
    "relu": lambda grad, out: torch.ops.aten.threshold_backward(grad, out, 0),
    "linear": None,
}


class _DenseBackward:
    r"""A dense model's cost and gradients without autograd: the forward pass of :meth:`_Dense._forward` (each
    layer's :func:`_affine` in the form it takes), the loss's cost and ∂J/∂z of the last layer, then each layer's
    backward pass as autograd's runs it, node by node, so that the numbers are autograd's bit for bit (whole
    trainings in ``tests/test_engine_fast.py``)::

        ∂J/∂b = Σ_batch ∂J/∂z,    ∂J/∂W = hᵀ ∂J/∂z,    ∂J/∂h = ∂J/∂z Wᵀ,    ∂J/∂z_prev = act'(·) ∂J/∂h

    (the narrow layer's transposed product through the transposes of its own form). The engine's eager step
    takes it where the loss has such a form (:func:`descend.engine.hand_gradient`): a step without a graph.
    Called as ``(params, x, y)`` with the parameters ``[K, ...]`` and a batch ``x [B, D]`` or ``[K, B, D]``;
    returns the cost ``[K]``, None (every sample counts) and one gradient per parameter."""

    def __init__(self, model: _Dense, cost_and_grad: Callable[[Tensor, Tensor], tuple[Tensor, Tensor]]) -> None:
        self.model, self.cost_and_grad = model, cost_and_grad
        self.act, self.act_backward = _ACT[model.hidden], _ACT_BACKWARD[model.hidden]

    def __call__(self, params: Sequence[Tensor], x: Tensor, y: Tensor) -> tuple[Tensor, None, tuple[Tensor, ...]]:
        layers = self.model._split(tuple(params))
        h = x if x.dtype == params[0].dtype else x.to(params[0].dtype)
        saved = []  # each layer's input (after the hidden activation) and whether its product was transposed
        for i, (w, b) in enumerate(layers):
            if h.ndim == 2:
                h = h.expand(w.shape[0], *h.shape)
            narrow = _narrow(h, w)
            saved.append((h, narrow))
            z = _affine(h, w, b)
            h = self.act(z) if i < len(layers) - 1 else z
        cost, grad = self.cost_and_grad(h, y)
        grads: list[Tensor] = []
        for i in range(len(layers) - 1, -1, -1):
            (w, b), (h, narrow) = layers[i], saved[i]
            if b is not None:
                grads.append(grad.sum(dim=1))
            if narrow:  # z = (wᵀ hᵀ)ᵀ
                grad_t = grad.transpose(1, 2)
                grads.append(torch.bmm(grad_t, h).transpose(1, 2))
                grad = torch.bmm(w, grad_t).transpose(1, 2) if i else grad
            else:  # z = h w
                grads.append(torch.bmm(h.transpose(1, 2), grad))
                grad = torch.bmm(grad, w.transpose(1, 2)) if i else grad
            if i and self.act_backward is not None:
                grad = self.act_backward(grad, h)
        return cost, None, tuple(reversed(grads))


def _nested_list(v: Any) -> Any:
    return [_nested_list(u) for u in v] if isinstance(v, tuple) else v


def _affine(h: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """``h w + b`` for every run: ``h [K, B, I]`` (or ``[B, I]`` shared by all runs), ``w [K, I, O]``,
    ``b [K, O]`` or None; returns ``[K, B, O]``.

    A narrow output (``O < 16``) over a batch of 32 or more is computed as the transposed product
    ``(wᵀ hᵀ)ᵀ``: the same sums, laid out class-major, which the log-softmax reads fastest
    (``python benchmarks/narrow_matmul.py`` times the products). The bias is added after the product rather
    than by ``baddbmm``: a compiled step fuses the addition into the next elementwise kernel, where ``baddbmm``
    first copies the bias into the output (a quarter of the vanishing-gradients network's compiled step);
    eagerly both cost the same, and they gave the same numbers bit for bit (the golden comparisons, the
    digits comparison's summary).
    """
    if h.ndim == 2:
        h = h.expand(w.shape[0], *h.shape)
    if _narrow(h, w):
        z = torch.bmm(w.transpose(1, 2), h.transpose(1, 2)).transpose(1, 2)
    else:
        z = torch.bmm(h, w)
    return z if b is None else z + b.unsqueeze(1)


def _narrow(h: Tensor, w: Tensor) -> bool:
    """Whether :func:`_affine` takes the transposed product: a narrow output over a batch of 32 or more."""
    return w.shape[-1] < 16 and h.shape[-2] >= 32


@dataclass(frozen=True, init=False, repr=False)
class Linear(_Dense):
    r"""Linear, logistic or softmax regression: ŷ = act(x W + b), ``W [K, D, out]``, ``b [K, out]``.

    ``output="identity"`` is linear regression (the seeds' ŷ = w·x + b), ``"sigmoid"`` logistic regression and
    ``"softmax"`` softmax regression. ``names = ("weight", "bias")`` (``("weight",)`` without bias) and each
    parameter is its own group in ``layers``, so per-layer gradient norms are those of w and b.

    ``init``: ``"torch"`` (default; torch.nn.Linear's: kaiming_uniform(a=√5) weights, U(−1/√D, 1/√D) bias,
    drawn exactly as torch draws them), ``"zeros"``, ``"uniform"`` (U(−a, a) for weights and bias,
    a = ``init_scale`` or 1/√fan_in), ``"normal"`` (N(0, σ²), σ = ``init_scale`` or 0.01), ``"xavier"``
    (Glorot uniform), ``"he"`` (Kaiming normal, fan_in, gain √2), or ``{name: values}`` (per-run shape,
    copied to every run, or ``[K, ...]``). Biases are zero for zeros/normal/xavier/he.
    """

    in_features: int
    out_features: int
    output: str
    init_scheme: str | tuple
    init_scale: float | None
    bias: bool

    def __init__(
        self,
        in_features: int,
        out_features: int = 1,
        output: str = "identity",
        init: str | Mapping[str, Any] = "torch",
        bias: bool = True,
        *,
        init_scale: float | None = None,
    ) -> None:
        d_in = _positive_int("in_features", in_features)
        d_out = _positive_int("out_features", out_features)
        object.__setattr__(self, "in_features", d_in)
        object.__setattr__(self, "out_features", d_out)
        object.__setattr__(self, "bias", _flag("bias", bias))
        self._configure(output, init, init_scale)

    @property
    def sizes(self) -> tuple[int, ...]:
        return (self.in_features, self.out_features)

    @property
    def hidden(self) -> str:
        return "linear"

    def _param_names(self, i: int) -> tuple[str, str]:
        return ("weight", "bias")

    @property
    def layers(self) -> tuple[str, ...]:
        return self.names

    def describe(self) -> str:
        """The model in words, as a task's card says it."""
        outs = f"{self.out_features} output{'s' * (self.out_features != 1)}"
        return (f"linear, {self.in_features} input{'s' * (self.in_features != 1)} → {outs} "
                f"({self._output_words()}{', with a bias' if self.bias else ', no bias'}; {self._init_words()})")

    def __repr__(self) -> str:
        extra = "" if self.init_scale is None else f", init_scale={self.init_scale!r}"
        return (
            f"Linear(in_features={self.in_features}, out_features={self.out_features}, output={self.output!r}, "
            f"init={self._init_repr()}, bias={self.bias}{extra})"
        )


@dataclass(frozen=True, init=False, repr=False)
class MLP(_Dense):
    r"""A multilayer perceptron: ``sizes = (D, h₁, ..., out)``, ``len(sizes) - 1`` dense layers.

    Layer ``i`` computes z = h W⁽ⁱ⁾ + b⁽ⁱ⁾ with ``W⁽ⁱ⁾ [K, sizes[i], sizes[i+1]]``; ``hidden``
    (``"tanh"``, ``"sigmoid"``, ``"relu"``, ``"linear"``) follows every layer but the last, ``output`` the last one.
    ``names = ("layer0.weight", "layer0.bias", "layer1.weight", ...)`` and ``layers = ("layer0", "layer1", ...)``
    (``descend.fit`` records a gradient norm per parameter tensor, so per layer for weight and bias alike). Note that torch's twin (:meth:`to_torch`) names
    the same parameters ``"0.weight"``, ``"2.weight"``, ... (its activations are modules too).
    ``init``/``init_scale``/``bias``: as for :class:`Linear`, layer by layer (fan_in = sizes[i]).
    """

    sizes: tuple[int, ...]
    hidden: str
    output: str
    init_scheme: str | tuple
    init_scale: float | None
    bias: bool

    def __init__(
        self,
        sizes: Sequence[int] = (64, 32, 10),
        hidden: str = "tanh",
        output: str = "identity",
        init: str | Mapping[str, Any] = "torch",
        bias: bool = True,
        *,
        init_scale: float | None = None,
    ) -> None:
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
            raise ValueError(f"sizes={sizes!r} must be a sequence of layer widths (D, hidden..., out)")
        if len(sizes) < 2:
            raise ValueError(
                f"sizes={tuple(sizes)!r} needs at least 2 entries: the input features D and the outputs (D, ..., out)"
            )
        sizes = tuple(_positive_int(f"sizes[{i}]", s) for i, s in enumerate(sizes))
        object.__setattr__(self, "sizes", sizes)
        object.__setattr__(self, "hidden", _choice("hidden", hidden, HIDDEN))
        object.__setattr__(self, "bias", _flag("bias", bias))
        self._configure(output, init, init_scale)

    def _param_names(self, i: int) -> tuple[str, str]:
        return (f"layer{i}.weight", f"layer{i}.bias")

    @property
    def in_features(self) -> int:
        return self.sizes[0]

    @property
    def out_features(self) -> int:
        return self.sizes[-1]

    @property
    def layers(self) -> tuple[str, ...]:
        return tuple(f"layer{i}" for i in range(self.n_layers))

    def describe(self) -> str:
        """The model in words, as a task's card says it."""
        layers = len(self.sizes) - 2
        hidden = (f"{layers} hidden layer{'s' * (layers != 1)} of {self.hidden}" if self.hidden != "linear"
                  else f"{layers} linear hidden layer{'s' * (layers != 1)}")
        return (f"network {' → '.join(str(n) for n in self.sizes)} ({hidden}, {self._output_words()}"
                f"{'' if self.bias else ', no biases'}; {self._init_words()})")

    def __repr__(self) -> str:
        extra = "" if self.init_scale is None else f", init_scale={self.init_scale!r}"
        return (
            f"MLP(sizes={self.sizes!r}, hidden={self.hidden!r}, output={self.output!r}, init={self._init_repr()}, "
            f"bias={self.bias}{extra})"
        )
