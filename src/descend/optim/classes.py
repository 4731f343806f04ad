"""torch.optim-compatible classes: thin adapters over descend's pure update rules.

Each class takes the same constructor arguments, with the same defaults, as its torch.optim namesake,
stores its state under torch's key names (so ``state_dict()``s load both ways), works with
torch's learning-rate schedulers, and adds descend's extras:

- a **run axis**: hyperparameters may be tensors ``[K]`` for parameters of shape ``[K, ...]``;
- the convention switches of the pure rules (``eps_mode``, ``amsgrad_max``) as keyword arguments;
- ``fused=True`` compiles the one readable rule with ``torch.compile`` into fused kernels.

Example, in any PyTorch training loop::

    model = torch.nn.Linear(3, 1)
    opt = descend.optim.Adam(model.parameters(), lr=1e-2)
    for x, y in batches:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor

from .._checks import check_names, run_axis_length
from .._compile import allow_programs
from .registry import OptimizerInfo, get

_IGNORED = ("params", "param_names", "foreach", "capturable", "differentiable", "fused")


class _Adapter(torch.optim.Optimizer):
    """Base of the torch-compatible classes. Subclasses set ``info`` and ``state_keys``."""

    info: ClassVar[OptimizerInfo]
    #: record field → key in ``self.state[p]`` (torch's name, so that state dicts load both ways)
    state_keys: ClassVar[Mapping[str, str]]

    def __init__(self, params: Any, defaults: dict[str, Any], unknown: Mapping[str, Any]) -> None:
        check_names(unknown, [*defaults, "foreach", "capturable", "differentiable", "fused"],
                    what=f"argument for {type(self).__name__}")
        if defaults.get("differentiable"):
            raise ValueError(
                "differentiable=True is not supported by descend's classes; "
                "the pure functions in descend.optim are differentiable"
            )
        self._compiled = None
        self._record_type = type(self.info.init_state((), self.info.defaults))
        super().__init__(params, defaults)

    # -- the rule's view of a parameter group ---------------------------------------------------

    def _given(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's keyword arguments set by a param group (``betas`` split in two)."""
        given = {}
        for key, value in group.items():
            if key == "betas":
                given["beta1"], given["beta2"] = value
            elif key not in _IGNORED and key not in self.info.fixed:
                given[key] = value
        return given

    def _config(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """Check a param group and return the full keyword arguments of the pure rule."""
        return self.info.configure(runs=_runs(group), **self._given(group))

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        try:
            config = self._config(group)
        except ValueError:
            self.param_groups.pop()
            raise
        record = self.info.init_state(group["params"], config)
        self._store(group["params"], record)

    # -- state: one named record per group, stored under torch's keys per parameter --------------

    def _store(self, params: list[Tensor], record: Any) -> None:
        for i, p in enumerate(params):
            state = self.state[p]
            for name, value in zip(record._fields, record):
                if isinstance(value, tuple):
                    if value:
                        state[self.state_keys[name]] = value[i]
                else:  # a scalar shared by the group: the step count, NAdam's μ product
                    state[self.state_keys.get(name, name)] = value

    def _record(self, params: list[Tensor]) -> Any:
        """The rule's state record for ``params``, read from ``self.state`` (absent or None: unused)."""
        first = self.state[params[0]]
        fields = {}
        for name in self._record_type._fields:
            key = self.state_keys.get(name, name)
            if name in self.state_keys:  # one tensor per parameter
                fields[name] = tuple(self.state[p][key] for p in params) if first.get(key) is not None else ()
            else:  # one value shared by the group
                fields[name] = first[key]
        return self._record_type(**fields)

    # -- the step ------------------------------------------------------------------------------

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            config = self.info.update_kwargs({**self.info.defaults, **self._given(group)})  # checked before
            buckets: dict[int, list[Tensor]] = {}
            for p in group["params"]:
                if p.grad is not None:
                    buckets.setdefault(id(self.state[p]["step"]), []).append(p)
            for params in buckets.values():
                grads = [p.grad for p in params]
                if any(g.is_sparse for g in grads):
                    raise ValueError(f"{type(self).__name__} does not support sparse gradients")
                record = self._record(params)
                if group.get("fused"):
                    record = self._fused_update(params, grads, record, config)
                else:
                    new_params, record = self.info.update(grads, record, params, **config)
                    torch._foreach_copy_(params, list(new_params))
                self._store(params, record)
        return loss

    def _fused_update(self, params: list[Tensor], grads: list[Tensor], record: Any, config: dict[str, Any]) -> Any:
        """One compiled program: the pure rule, then its results written over the inputs in place.

        Nonzero numbers become 0-d tensors so that a changing learning rate (a schedule) does not
        recompile; zeros stay numbers so that the rule can skip their terms.
        """
        if self._compiled is None:
            allow_programs()  # one compiled function serves every optimizer class and option set
            self._compiled = torch.compile(_update_in_place, dynamic=False, fullgraph=True)
        config = {
            k: torch.tensor(v, dtype=torch.float64) if isinstance(v, float) and v != 0 else v
            for k, v in config.items()
        }
        return self._compiled(self.info.update, params, grads, record, config)

    def state_dict(self) -> dict[str, Any]:
        """torch's format; every parameter gets its own copy of the group's shared scalars (the step)."""
        packed = super().state_dict()
        packed["state"] = {
            index: {key: value.clone() if isinstance(value, Tensor) and value.ndim == 0 else value
                    for key, value in state.items()}
            for index, state in packed["state"].items()
        }
        return packed

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            self._share_steps(group["params"])

    def _share_steps(self, params: list[Tensor]) -> None:
        """After loading, parameters whose step counts are equal share one step tensor again."""
        shared: dict[float, Tensor] = {}
        for p in params:
            state = self.state[p]
            if "step" not in state:  # torch's SGD keeps no step: any buffer means a step was taken
                state["step"] = torch.tensor(float(state.get("momentum_buffer") is not None), dtype=torch.float64)
            step = torch.as_tensor(state["step"], dtype=torch.float64).reshape(())
            state["step"] = shared.setdefault(float(step), step)
            if "mu_product" in state:
                state["mu_product"] = torch.as_tensor(state["mu_product"], dtype=torch.float64).reshape(())


def _update_in_place(update: Any, params: list[Tensor], grads: list[Tensor], record: Any, config: dict) -> Any:
    """Apply ``update`` and write its results over ``params`` and the record's tensors, in place.

    Returns the new record; its per-parameter tensors are the old ones, updated. Scalars (the step
    count) are returned as new tensors: writes into 0-d inputs do not survive torch.compile on CPU.
    """
    new_params, new_record = update(grads, record, params, **config)
    for old, new in zip(params, new_params):
        old.copy_(new)
    fields = []
    for old, new in zip(record, new_record):
        if isinstance(old, tuple):
            for o, n in zip(old, new):
                o.copy_(n)
            fields.append(old)
        else:
            fields.append(new)
    return type(record)(*fields)


def _runs(group: Mapping[str, Any]) -> int | None:
    """K when the group's hyperparameters carry a run axis; checks the parameters' leading axis."""
    named = {}
    for key, value in group.items():
        if key == "betas":
            named["beta1"], named["beta2"] = value
        elif key != "params":
            named[key] = value
    k = run_axis_length(named)
    if k is not None:
        for i, p in enumerate(group["params"]):
            if p.ndim == 0 or p.shape[0] != k:
                raise ValueError(
                    f"hyperparameters carry a run axis of K = {k} runs, but parameter {i} has shape "
                    f"{list(p.shape)}; its leading axis must be K"
                )
    return k


_ADAM_KEYS = {"v": "exp_avg", "s": "exp_avg_sq", "s_max": "max_exp_avg_sq"}


class SGD(_Adapter):
    """torch.optim.SGD over :func:`descend.optim.sgd.sgd_update` (heavy ball, dampening, Nesterov)."""

    info = get("sgd")
    state_keys = {"b": "momentum_buffer"}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None, **unknown):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class Momentum(_Adapter):
    """The seeds' EMA momentum ``v ← βv + (1−β)g, w ← w − αv̂`` (:func:`descend.optim.sgd.momentum_update`)."""

    info = get("momentum")
    state_keys = {"v": "exp_avg"}

    def __init__(self, params, lr, beta=0.9, bias_correction=False, *, weight_decay=0, maximize=False,
                 foreach=None, differentiable=False, fused=None, **unknown):
        defaults = dict(lr=lr, beta=beta, bias_correction=bias_correction, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class Adagrad(_Adapter):
    """torch.optim.Adagrad over :func:`descend.optim.adaptive.adagrad_update`; ``eps_mode="inside"`` for optax/Keras."""

    info = get("adagrad")
    state_keys = {"s": "sum"}

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None, eps_mode="outside", **unknown):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused, eps_mode=eps_mode)
        super().__init__(params, defaults, unknown)


class Adadelta(_Adapter):
    """torch.optim.Adadelta over :func:`descend.optim.adaptive.adadelta_update`."""

    info = get("adadelta")
    state_keys = {"s": "square_avg", "u": "acc_delta"}

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False, fused=None, **unknown):
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach, capturable=capturable,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class RMSprop(_Adapter):
    """torch.optim.RMSprop over :func:`descend.optim.adaptive.rmsprop_update`; ``eps_mode="inside"`` for optax/Keras."""

    info = get("rmsprop")
    state_keys = {"s": "square_avg", "g_avg": "grad_avg", "b": "momentum_buffer"}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False, *, fused=None,
                 eps_mode="outside", **unknown):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused, eps_mode=eps_mode)
        super().__init__(params, defaults, unknown)


class Adam(_Adapter):
    """torch.optim.Adam over :func:`descend.optim.adam.adam_update` (AMSGrad, decoupled decay, eps/AMSGrad switches)."""

    info = get("adam")
    state_keys = _ADAM_KEYS

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False, eps_mode="outside", amsgrad_max="raw", **unknown):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, foreach=foreach,
                        maximize=maximize, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay, eps_mode=eps_mode, amsgrad_max=amsgrad_max)
        super().__init__(params, defaults, unknown)


class AdamW(_Adapter):
    """torch.optim.AdamW over :func:`descend.optim.adam.adam_update` with decoupled weight decay."""

    info = get("adamw")
    state_keys = _ADAM_KEYS

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None,
                 eps_mode="outside", amsgrad_max="raw", **unknown):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        eps_mode=eps_mode, amsgrad_max=amsgrad_max)
        super().__init__(params, defaults, unknown)


class Adamax(_Adapter):
    """torch.optim.Adamax over :func:`descend.optim.adam.adamax_update`."""

    info = get("adamax")
    state_keys = {"v": "exp_avg", "u": "exp_inf"}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False, fused=None, **unknown):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable, fused=fused)
        super().__init__(params, defaults, unknown)


class NAdam(_Adapter):
    """torch.optim.NAdam over :func:`descend.optim.adam.nadam_update`."""

    info = get("nadam")
    state_keys = {"v": "exp_avg", "s": "exp_avg_sq"}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, **unknown):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize,
                        capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class RAdam(_Adapter):
    """torch.optim.RAdam over :func:`descend.optim.adam.radam_update`."""

    info = get("radam")
    state_keys = {"v": "exp_avg", "s": "exp_avg_sq"}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None, **unknown):
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize,
                        capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)
