r"""Models whose parameters carry a leading run axis K: K configurations train as one batched program.

Every model is a small frozen object that holds **no tensors**; its parameters are passed explicitly as a
tuple of tensors in the order of ``model.names``, each of shape ``[K, ...]`` (run ``k`` is ``params[i][k]``),
the layout of :mod:`descend.optim`'s pure rules. The interface (:class:`RunModel`)::

    model.names                       # parameter names, e.g. ("layer0.weight", "layer0.bias", ...)
    model.shapes()                    # per-run shape of each parameter (without K)
    model.n_params                    # parameters per run
    model.layers                      # parameter groups for per-layer gradient norms
    model.layer_of                    # for each parameter, its group's index in model.layers
    params = model.init(seeds, dtype=torch.float32)   # tuple of [K, ...] tensors, K = len(seeds)
    y_hat = model.forward(params, x)                  # [K, B, out], always 3-D (also for out = 1)
    z = model.forward(params, x, logits=True)         # the same before the output activation
    mask = model.valid(params, x)                     # [K, B] bool (samples that count), or None

Data
    ``x`` is ``[B, D]``, shared by all runs, or ``[K, B, D]``, one batch per run; it is cast to the dtype
    of the parameters. (:class:`ModuleModel` takes other sample shapes, see ``input_ndim``.)

Outputs and logits
    ``output`` is ``"identity"``, ``"sigmoid"`` (probabilities of independent labels) or ``"softmax"``
    (probabilities over the last axis). ``forward`` applies it, so its result feeds the losses on
    probabilities (``bce``, ``cross_entropy`` with probability targets is not meant for this);
    ``forward(params, x, logits=True)`` returns the values *before* it, for the numerically stable
    ``bce_with_logits`` and ``cross_entropy`` (which takes logits). With ``output="identity"`` both are the same.

Seeds and paired comparisons
    ``init(seeds)`` draws run ``k`` from its own ``torch.Generator`` seeded with ``seeds[k]``, always in the
    same order, so the same seed gives the same initial parameters whatever K, the position of the seed in
    ``seeds`` and the other runs are. Parameters are created on the CPU (then moved to ``device``) and do
    not require gradients.

Layers
    A parameter belongs to the group ``L`` of ``model.layers`` when its name is ``L`` or starts with
    ``L + "."`` (:func:`layer_groups` applies this rule to any model).

The models:

- :class:`Linear` — linear, logistic and softmax regression (``names = ("weight", "bias")``);
- :class:`MLP` — a multilayer perceptron (``names = ("layer0.weight", "layer0.bias", "layer1.weight", ...)``);
- :class:`Parametric` — any function of named parameters written for one run, batched with ``torch.func.vmap``;
  :func:`ellipse` (the seed's transfer orbit) and :func:`landscape` (a 2-D cost surface) are built on it;
- :class:`ModuleModel` — any ``torch.nn.Module`` through ``torch.func.functional_call`` and ``vmap``.

:class:`Linear` and :class:`MLP` have a ``torch.nn`` twin: ``model.to_torch(params, k)`` builds the
equivalent ``torch.nn.Sequential(Linear, activation, ...)`` holding run ``k``'s parameters (descend's weight
``[in, out]`` is torch's ``[out, in]`` transposed), ``model.load_into(module, params, k)`` copies them into an
existing one and ``model.from_torch(modules)`` stacks the parameters of K such modules into ``[K, ...]``.

>>> import torch
>>> from descend.models import MLP
>>> model = MLP((3, 8, 2), hidden="relu", output="softmax")
>>> model.names
('layer0.weight', 'layer0.bias', 'layer1.weight', 'layer1.bias')
>>> params = model.init([0, 1, 2, 3])
>>> [tuple(p.shape) for p in params]
[(4, 3, 8), (4, 8), (4, 8, 2), (4, 2)]
>>> model.forward(params, torch.randn(5, 3)).shape
torch.Size([4, 5, 2])

Every constructor and method raises a ``ValueError`` naming the argument for bad input.
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from descend._checks import ANY as _ANY
from descend._checks import NONNEGATIVE, POSITIVE, check_hyperparameter, close_matches
from descend.gradients import ELLIPSE_OFFSET

__all__ = [
    "HIDDEN",
    "INITS",
    "OUTPUTS",
    "Linear",
    "MLP",
    "ModuleModel",
    "Parametric",
    "RunModel",
    "ellipse",
    "landscape",
    "layer_groups",
    "to_torch",
]

#: Hidden activations of :class:`MLP`.
HIDDEN: tuple[str, ...] = ("tanh", "sigmoid", "relu", "linear")
#: Output activations of every model.
OUTPUTS: tuple[str, ...] = ("identity", "sigmoid", "softmax")
#: Initialisations of :class:`Linear` and :class:`MLP` (or a dict ``{name: values}``).
INITS: tuple[str, ...] = ("torch", "zeros", "uniform", "normal", "xavier", "he")

_NORMAL_STD = 0.01


@runtime_checkable
class RunModel(Protocol):
    """What the engine needs from a model (see the module docstring for the conventions)."""

    names: tuple[str, ...]
    layers: tuple[str, ...]
    output: str
    uses_data: bool

    @property
    def n_params(self) -> int: ...

    def shapes(self) -> tuple[tuple[int, ...], ...]: ...

    def init(self, seeds: Sequence[int], *, dtype: torch.dtype = torch.float32) -> tuple[Tensor, ...]: ...

    def forward(self, params: Sequence[Tensor], x: Tensor, *, logits: bool = False) -> Tensor: ...

    def valid(self, params: Sequence[Tensor], x: Tensor) -> Tensor | None: ...


# ---------------------------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------------------------


def _choice(arg: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``; else a ValueError with close matches."""
    if not isinstance(value, str) or value not in choices:
        hint = close_matches(value, choices) if isinstance(value, str) else ""
        raise ValueError(f"{arg}={value!r} is not allowed{hint} (allowed: {', '.join(map(repr, choices))})")
    return value


def _positive_int(arg: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{arg}={value!r} is not allowed; a positive integer is required")
    return int(value)


def _flag(arg: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{arg}={value!r} is not allowed; choose True or False")
    return value


def _number(arg: str, value: object, allowed=POSITIVE) -> float:
    if isinstance(value, Tensor) and value.ndim > 0:
        raise ValueError(f"{arg} has shape {list(value.shape)}; give a single number")
    check_hyperparameter(arg, value, allowed)
    return float(value)


def _seeds(seeds: object) -> list[int]:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, (Sequence, range, Tensor)):
        raise ValueError(f"seeds={seeds!r} must be a sequence of integers, one per run (K = len(seeds))")
    values = seeds.tolist() if isinstance(seeds, Tensor) else list(seeds)
    if not values:
        raise ValueError("seeds is empty; give one integer seed per run (K = len(seeds) >= 1)")
    for i, s in enumerate(values):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral) or not 0 <= s < 2**64:
            raise ValueError(f"seeds[{i}]={s!r} is not allowed; a seed is an integer in [0, 2**64)")
    return [int(s) for s in values]


def _dtype(dtype: object) -> torch.dtype:
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise ValueError(f"dtype={dtype!r} is not allowed; a floating-point torch.dtype is required")
    return dtype


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _frozen_values(arg: str, value: object) -> tuple[tuple[int, ...], Any]:
    """A number, nested sequence or tensor as ``(shape, nested tuple of floats)``: hashable, tensor-free."""
    if isinstance(value, bool):
        raise ValueError(f"{arg}={value!r} must be a number or a tensor of real values, not bool")
    try:  # Python numbers in float64 (torch.as_tensor would round 0.1 to float32)
        t = value if isinstance(value, Tensor) else torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as err:
        raise ValueError(f"{arg}={value!r} must be a number or a tensor of real values") from err
    if t.is_complex() or t.dtype == torch.bool:
        raise ValueError(f"{arg} has dtype {t.dtype}; real values are required")
    t = t.detach().to("cpu", torch.float64)
    if not torch.isfinite(t).all():
        raise ValueError(f"{arg} contains {t[~torch.isfinite(t)].reshape(-1)[0].item():g}; finite values are required")

    def freeze(v: Any) -> Any:
        return tuple(freeze(u) for u in v) if isinstance(v, list) else v

    return tuple(t.shape), freeze(t.tolist())


def _thaw(values: Any, dtype: torch.dtype) -> Tensor:
    return torch.tensor(values, dtype=torch.float64).to(dtype)


class _Base:
    """Shared plumbing: parameter and input checks, output activation, layer bookkeeping."""

    names: tuple[str, ...]
    layers: tuple[str, ...]
    output: str = "identity"
    uses_data: bool = True

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        raise NotImplementedError

    @property
    def n_params(self) -> int:
        """Parameters per run."""
        return sum(math.prod(s) for s in self.shapes())

    @property
    def layer_of(self) -> tuple[int, ...]:
        """For each parameter (in the order of ``names``), the index of its group in ``layers``."""
        return _layer_of(self.names, self.layers)

    def _check_params(self, params: object) -> tuple[tuple[Tensor, ...], int]:
        """The parameters as a tuple and their K; a ValueError naming ``params`` otherwise."""
        if isinstance(params, Tensor) or not isinstance(params, Sequence):
            raise ValueError(
                f"params must be a sequence of {len(self.names)} tensors (in the order of model.names), "
                f"not {type(params).__name__}"
            )
        params = tuple(params)
        if len(params) != len(self.names):
            raise ValueError(
                f"params has {len(params)} tensors but the model has {len(self.names)} parameters "
                f"({', '.join(self.names)})"
            )
        k = None
        for i, (name, shape, p) in enumerate(zip(self.names, self.shapes(), params)):
            if not isinstance(p, Tensor):
                raise ValueError(f"params[{i}] ({name!r}) must be a torch.Tensor, not {type(p).__name__}")
            if not p.is_floating_point():
                raise ValueError(f"params[{i}] ({name!r}) has dtype {p.dtype}; a floating-point tensor is required")
            if p.ndim != len(shape) + 1 or tuple(p.shape[1:]) != shape:
                raise ValueError(
                    f"params[{i}] ({name!r}) has shape {list(p.shape)}; expected [K, {', '.join(map(str, shape))}]"
                    .replace(", ]", "]")
                    + " (a leading run axis K, then the parameter's shape)"
                )
            if k is None:
                k = p.shape[0]
            elif p.shape[0] != k:
                raise ValueError(
                    f"params[{i}] ({name!r}) has {p.shape[0]} runs but params[0] ({self.names[0]!r}) has {k}: "
                    "every parameter must have the same leading run axis K"
                )
        return params, int(k)

    def _check_x(
        self, x: object, k: int, dtype: torch.dtype, *, in_features: int | None, sample_ndim: int = 2
    ) -> tuple[Tensor, bool]:
        """``(x cast to dtype, per_run)``; x is ``[B, ...]`` (shared) or ``[K, B, ...]`` (per run)."""
        if not isinstance(x, Tensor):
            raise ValueError(f"x must be a torch.Tensor, not {type(x).__name__}")
        if x.is_complex() or x.dtype == torch.bool:
            raise ValueError(f"x has dtype {x.dtype}; real values are required")
        if x.ndim not in (sample_ndim, sample_ndim + 1):
            what = "[B, D] (shared by all runs) or [K, B, D] (one batch per run)"
            if sample_ndim != 2:
                what = f"{sample_ndim} axes (shared by all runs) or {sample_ndim + 1} (a leading run axis K)"
            hint = " (for one feature use x[:, None])" if x.ndim == sample_ndim - 1 else ""
            raise ValueError(f"x has shape {list(x.shape)}; allowed: {what}{hint}")
        per_run = x.ndim == sample_ndim + 1
        if in_features is not None and x.shape[-1] != in_features:
            raise ValueError(
                f"x has {x.shape[-1]} features but the model expects {in_features} (x has shape {list(x.shape)})"
            )
        if per_run and x.shape[0] != k:
            raise ValueError(
                f"x has shape {list(x.shape)}: its leading run axis has {x.shape[0]} runs but the parameters have "
                f"K = {k}; give x of shape [B, ...] (shared) or with K = {k} runs"
            )
        return x.to(dtype), per_run

    def _activate_output(self, z: Tensor, logits: bool) -> Tensor:
        if logits or self.output == "identity":
            return z
        if self.output == "sigmoid":
            return torch.sigmoid(z)
        return torch.softmax(z, dim=-1)


def _layer_of(names: Sequence[str], layers: Sequence[str]) -> tuple[int, ...]:
    out = []
    for name in names:
        matches = [i for i, layer in enumerate(layers) if name == layer or name.startswith(layer + ".")]
        if not matches:
            raise ValueError(f"parameter {name!r} belongs to none of the layers {tuple(layers)}")
        out.append(max(matches, key=lambda i: len(layers[i])))  # the most specific group
    return tuple(out)


def layer_groups(model: RunModel) -> dict[str, tuple[int, ...]]:
    """``{layer: indices of its parameters in model.names}`` for any model, by the naming rule.

    >>> layer_groups(MLP((2, 3, 1)))
    {'layer0': (0, 1), 'layer1': (2, 3)}
    """
    of = _layer_of(model.names, model.layers)
    return {layer: tuple(i for i, j in enumerate(of) if j == g) for g, layer in enumerate(model.layers)}


def _output_check(output: object, out_features: int | None) -> str:
    output = _choice("output", output, OUTPUTS)
    if output == "softmax" and out_features == 1:
        raise ValueError(
            "output='softmax' needs at least 2 output features (a softmax over one value is always 1); "
            "use output='sigmoid' for a binary label"
        )
    return output


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
        layers = self._split(params)
        for i, (w, b) in enumerate(layers):
            z = _affine(h, w, b)
            h = _ACT[self.hidden](z) if i < len(layers) - 1 else z
        return self._activate_output(h, logits)

    __call__ = forward

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


def _nested_list(v: Any) -> Any:
    return [_nested_list(u) for u in v] if isinstance(v, tuple) else v


def _affine(h: Tensor, w: Tensor, b: Tensor | None) -> Tensor:
    """``h w + b`` for every run: ``h [K, B, I]`` (or ``[B, I]`` shared by all runs), ``w [K, I, O]``,
    ``b [K, O]`` or None; returns ``[K, B, O]``.

    A narrow output (``O < 16``) over a batch of 32 or more is computed as the transposed product
    ``(wᵀ hᵀ)ᵀ``: the same sums, but CPU batched matrix products are several times slower at writing
    matrices with few columns (``python benchmarks/narrow_matmul.py``: 2-3× at O = 10, B = 32).
    """
    if h.ndim == 2:
        h = h.expand(w.shape[0], *h.shape)
    bias = None if b is None else b.unsqueeze(1)
    if w.shape[-1] < 16 and h.shape[-2] >= 32:
        wt, ht = w.transpose(1, 2), h.transpose(1, 2)
        z = torch.bmm(wt, ht) if bias is None else torch.baddbmm(bias.transpose(1, 2), wt, ht)
        return z.transpose(1, 2)
    return torch.bmm(h, w) if bias is None else torch.baddbmm(bias, h, w)


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

    def __repr__(self) -> str:
        extra = "" if self.init_scale is None else f", init_scale={self.init_scale!r}"
        return (
            f"MLP(sizes={self.sizes!r}, hidden={self.hidden!r}, output={self.output!r}, init={self._init_repr()}, "
            f"bias={self.bias}{extra})"
        )


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
    """

    fn: Callable[[dict[str, Tensor], Tensor | None], Tensor]
    start: tuple[tuple[str, tuple[int, ...], Any], ...]
    valid_fn: Callable[[dict[str, Tensor], Tensor], Tensor] | None
    out: int
    init_noise: float
    in_features: int | None
    output: str
    uses_data: bool

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
        p = dict(zip(self.names, params))
        if x is None:
            return torch.func.vmap(lambda q: f(q, None), in_dims=(0,))(p)
        return torch.func.vmap(f, in_dims=(0, 0 if per_run else None))(p, x)

    def forward(self, params: Sequence[Tensor], x: Tensor | None, *, logits: bool = False) -> Tensor:
        """``[K, B, out]`` (``[K, 1, out]`` with ``uses_data=False``); ``logits=True`` skips ``output``."""
        params, k = self._check_params(params)
        if self.uses_data:
            x, per_run = self._check_x(x, k, params[0].dtype, in_features=self.in_features)
            y = self._vmap(self.fn, params, x, per_run)
            b = x.shape[-2]
        else:
            y = self._vmap(self.fn, params, None, False)
            y = y.reshape(k, 1, *y.shape[1:])
            b = 1
        if y.ndim == 2 and self.out == 1:
            y = y.unsqueeze(-1)
        if tuple(y.shape) != (k, b, self.out):
            raise ValueError(
                f"fn returned shape {list(y.shape[1:])} for one run; expected [B] or [B, {self.out}] with B = {b} "
                f"(out = {self.out})"
                if self.uses_data
                else f"fn returned shape {list(y.shape[1:])} for one run; expected one value (or [{self.out}])"
            )
        return self._activate_output(y, logits)

    __call__ = forward

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

    def __repr__(self) -> str:
        start = ", ".join(f"{n!r}: {_nested_list(v)}" for n, _, v in self.start)
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


def _name(f: object) -> str:
    if isinstance(f, (_LandscapeFn, _EllipseFn, _EllipseValid)):
        return repr(f)
    return getattr(f, "__qualname__", None) or repr(f)


# --- the transfer-orbit ellipse (seed 004) ----------------------------------------------------------------


def _radicand(p: dict[str, Tensor], x: Tensor, offset: float) -> Tensor:
    """1 − (x + c)²/w_A², and −1 (no valid sample) at w_A = 0, where the model is undefined: computed with a
    safe divisor so that the masked-out branch has a zero gradient there, not 0·∞ = NaN."""
    a = p["w_a"]
    defined = a != 0
    safe = torch.where(defined, a, torch.ones_like(a))
    return torch.where(defined, 1.0 - (x[..., 0] + offset) ** 2 / safe**2, -torch.ones_like(x[..., 0]))


@dataclass(frozen=True)
class _EllipseFn:
    offset: float

    def __call__(self, p: dict[str, Tensor], x: Tensor) -> Tensor:
        r = _radicand(p, x, self.offset)
        ok = r > 0
        s = torch.sqrt(torch.where(ok, r, torch.ones_like(r)))  # never √ of a non-positive number
        return torch.where(ok, p["w_b"] * s, torch.zeros_like(s))

    def __repr__(self) -> str:
        return f"ellipse(offset={self.offset!r})"


@dataclass(frozen=True)
class _EllipseValid:
    offset: float

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
        if NAMED_LANDSCAPES is None:  # pragma: no cover - descend/__init__ imports descend.landscapes
            raise ValueError(f"f={f!r}: import descend.landscapes to use landscapes by name")
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


# ---------------------------------------------------------------------------------------------------------
# ModuleModel: any torch.nn.Module
# ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, init=False, repr=False)
class ModuleModel(_Base):
    r"""Any ``torch.nn.Module`` with a run axis, through ``torch.func.functional_call`` and ``vmap``.

    The general, slower path: one vmapped ``functional_call`` per step instead of the batched matmuls of
    :class:`Linear`/:class:`MLP`. ``names`` are the module's ``named_parameters()`` names (torch's layout,
    e.g. a weight ``[out, in]``); ``layers`` groups them by their owning submodule (the name without its
    last component).

    ``init="reset"`` (default): for run k, a deep copy of the module (cast to ``dtype``) gets
    ``reset_parameters()`` on every submodule that has one (in ``module.modules()`` order) under
    ``torch.manual_seed(seeds[k])`` inside ``torch.random.fork_rng`` (the global RNG is left untouched);
    parameters no ``reset_parameters`` covers keep the module's values. So a ``Sequential`` of
    ``nn.Linear`` layers gets exactly the parameters torch draws when building it after
    ``torch.manual_seed(seeds[k])``. ``init="module"``: the module's current values for every run.

    Buffers are taken from the module as they are, shared by all runs and never updated: modules whose
    forward changes buffers (BatchNorm in training mode) are not supported (use ``module.eval()``).
    Random layers (dropout) draw independently per run. ``input_ndim`` is the number of axes of one run's x
    (default 2, ``[B, D]``); x with one more axis is per run. The module's output per run must be ``[B]`` or
    ``[B, out]``; ``output`` (an activation applied after the module) lets the module return logits.
    """

    module: nn.Module
    init_scheme: str
    output: str
    input_ndim: int

    def __init__(
        self, module: nn.Module, init: str = "reset", *, output: str = "identity", input_ndim: int = 2
    ) -> None:
        if not isinstance(module, nn.Module):
            raise ValueError(f"module must be a torch.nn.Module, not {type(module).__name__}")
        if not any(True for _ in module.parameters()):
            raise ValueError("module has no parameters: there is nothing to train")
        set_ = object.__setattr__
        set_(self, "module", module)
        set_(self, "init_scheme", _choice("init", init, ("reset", "module")))
        set_(self, "output", _choice("output", output, OUTPUTS))
        set_(self, "input_ndim", _positive_int("input_ndim", input_ndim))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.module.named_parameters())

    def shapes(self) -> tuple[tuple[int, ...], ...]:
        return tuple(tuple(p.shape) for _, p in self.module.named_parameters())

    @property
    def layers(self) -> tuple[str, ...]:
        out: list[str] = []
        for name in self.names:
            layer = name.rpartition(".")[0] or name
            if layer not in out:
                out.append(layer)
        return tuple(out)

    def init(
        self, seeds: Sequence[int], *, dtype: torch.dtype = torch.float32, device: torch.device | str | None = None
    ) -> tuple[Tensor, ...]:
        """``[K, ...]`` parameters: reset per run from ``seeds[k]`` (``init="reset"``) or the module's values."""
        seeds, dtype = _seeds(seeds), _dtype(dtype)
        copies = []
        for seed in seeds:
            m = copy.deepcopy(self.module).to(device="cpu", dtype=dtype)
            if self.init_scheme == "reset":
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    for sub in m.modules():
                        reset = getattr(sub, "reset_parameters", None)
                        if callable(reset):
                            reset()
            copies.append(m)
        stacked, _ = torch.func.stack_module_state(copies)
        return tuple(stacked[n].detach().to(device) for n in self.names)

    def forward(self, params: Sequence[Tensor], x: Tensor, *, logits: bool = False) -> Tensor:
        """``[K, B, out]``: the module for every run (then ``output`` unless ``logits=True``)."""
        params, k = self._check_params(params)
        x, per_run = self._check_x(x, k, params[0].dtype, in_features=None, sample_ndim=self.input_ndim)
        buffers = dict(self.module.named_buffers())
        module = self.module

        def one(p: dict[str, Tensor], xx: Tensor) -> Tensor:
            return torch.func.functional_call(module, (p, buffers), (xx,))

        p = dict(zip(self.names, params))
        y = torch.func.vmap(one, in_dims=(0, 0 if per_run else None), randomness="different")(p, x)
        b = x.shape[1] if per_run else x.shape[0]
        if y.ndim == 2:
            y = y.unsqueeze(-1)
        if y.ndim != 3 or y.shape[1] != b:
            raise ValueError(
                f"module returned shape {list(y.shape[1:])} for one run; expected [B] or [B, out] with B = {b}"
            )
        return self._activate_output(y, logits)

    __call__ = forward

    def valid(self, params: Sequence[Tensor], x: Tensor) -> None:
        """Every sample counts: None."""
        return None

    def to_torch(self, params: Sequence[Tensor], k: int = 0, *, logits: bool = False) -> nn.Module:
        """A deep copy of the module holding run ``k``'s parameters (followed by ``output`` unless logits)."""
        params, n = self._check_params(params)
        k = _Dense._run_index(k, n)
        m = copy.deepcopy(self.module).to(dtype=params[0].dtype, device=params[0].device)
        with torch.no_grad():
            for (name, p), value in zip(m.named_parameters(), params):
                p.copy_(value[k])
        if logits or self.output == "identity":
            return m
        return nn.Sequential(m, nn.Sigmoid() if self.output == "sigmoid" else nn.Softmax(dim=-1))

    def __repr__(self) -> str:
        extra = "" if self.output == "identity" else f", output={self.output!r}"
        extra += "" if self.input_ndim == 2 else f", input_ndim={self.input_ndim}"
        return f"ModuleModel(module={self.module.__class__.__name__}(...), init={self.init_scheme!r}{extra})"


def to_torch(model: RunModel, params: Sequence[Tensor], k: int = 0, *, logits: bool = False) -> nn.Module:
    """The ``torch.nn`` twin of run ``k`` of ``model`` (:class:`Linear`, :class:`MLP`, :class:`ModuleModel`)."""
    method = getattr(model, "to_torch", None)
    if method is None:
        raise ValueError(f"model={type(model).__name__} has no torch.nn twin (Linear, MLP and ModuleModel have one)")
    return method(params, k, logits=logits)
