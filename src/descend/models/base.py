"""What every model shares: the interface the engine needs (:class:`RunModel`), argument checks, the common
base class and parameter groups (layers)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import torch
from torch import Tensor

from descend._checks import POSITIVE, check_float_dtype, check_hyperparameter, close_matches
from descend.catalog import INITS  # noqa: F401  (decided there: the command line reads it without torch)

#: Hidden activations of :class:`MLP`.
HIDDEN: tuple[str, ...] = ("tanh", "sigmoid", "relu", "linear")
#: Output activations of every model.
OUTPUTS: tuple[str, ...] = ("identity", "sigmoid", "softmax")
#: The other name of the activation that changes nothing (the seeds' "Linear"), taken for the one each list holds.
ALIASES: dict[str, str] = {"identity": "linear", "linear": "identity"}

_NORMAL_STD = 0.01


@runtime_checkable
class RunModel(Protocol):
    """What the engine needs from a model (see the module docstring for the conventions).

    Optional, for the engine's step: ``model.unchecked()``, the same model without the argument checks of every
    call of ``forward`` and ``valid`` (the engine calls it after a cohort's first step), and ``model.grad``, the
    hand-derived gradient of a cost surface's output (see :class:`Parametric`). For its evaluations:
    ``model.for_evaluation()``, the model as it is evaluated where that differs from training (a module's dropout
    off, see :class:`ModuleModel`; ``Problem.evaluation_model``).
    """

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
    """``value`` if it is one of ``choices`` (or the other name of one, :data:`ALIASES`: "linear" and "identity");
    else a ValueError with close matches."""
    if isinstance(value, str) and value not in choices and ALIASES.get(value) in choices:
        return ALIASES[value]
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
    return float(check_hyperparameter(arg, value, allowed))  # (a NumPy number as Python's)


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
    return check_float_dtype("dtype", dtype)


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
            if p.dtype != params[0].dtype:  # torch's "expected scalar type Double but found Float" inside forward
                raise ValueError(f"params[{i}] ({name!r}) has dtype {p.dtype} but params[0] ({self.names[0]!r}) has "
                                 f"{params[0].dtype}: every parameter must have one dtype (cast them alike)")
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
            if x.ndim > sample_ndim + 1:  # images for a dense model
                hint = (" (flatten each sample, x.reshape(len(x), -1), or train a torch.nn.Module that takes this "
                        f"shape: ModuleModel(module, input_ndim={x.ndim}))")
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

    >>> from descend.models import MLP
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
