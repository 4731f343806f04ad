"""torch.optim-compatible classes: thin adapters over descend's pure update rules.

Each class takes the same constructor arguments, with the same defaults, as its torch.optim namesake,
and behaves as it does where torch defines the behaviour:

- the state is created lazily, at a parameter's first step (Adagrad: in the constructor, as torch),
  under torch's key names, so that ``state_dict()``s load both ways, including ones saved before the
  first step or with parameters that never had a gradient;
- a state entry that a changed hyperparameter needs later (momentum switched on by ``OneCycleLR`` or
  ``CyclicLR``, or by hand) is created when it is first needed; torch's SGD starts that buffer at ``g``;
- each parameter has state tensors of its own (its step count too), updated in place: a reference to one, a
  view of it, or its memory shared with other processes (``share_memory_()``) sees every step; an optimizer
  can be copied, pickled and saved whole (one of a class made by :func:`optimizer_class`: copied, and saved by its
  ``state_dict``);
- complex parameters are updated as pairs of real numbers (``torch.view_as_real``), as torch does;
- sparse gradients (``nn.Embedding(sparse=True)``) are accepted by SGD and Adagrad, as by torch; they
  are made dense before the rule, so the state is dense (the result is torch's sparse update, whose untouched
  entries do not move, but for the last bits of some entries: torch's sparse kernels round otherwise); with weight
  decay both refuse them, as torch's do;
- a learning rate or beta given as a one-element tensor is one value for every parameter (torch's
  tensor lr), and torch's refusals are kept: a tensor lr (or Adam's tensor betas) with ``foreach=True``
  and ``capturable=False``; ``capturable=True`` for parameters on a device that cannot capture (the CPU);
  ``fused=True`` with ``foreach=True``.

Where descend accepts more than torch, each extension is deliberate:

- a **run axis**: hyperparameters may be tensors ``[K]`` for parameters of shape ``[K, ...]``;
- the convention switches of the pure rules (``eps_mode``, ``amsgrad_max``, ``lr_in_buffer``, ``eps_root``,
  ...) as keyword arguments, and ``convention="optax"`` or ``"keras"``: that library's defaults and forms for
  every argument not given (:mod:`descend.optim.conventions`), so that "the same as optax" is one argument;
- ``fused=True`` on every class: it compiles the one readable rule with ``torch.compile`` into fused
  kernels (torch's fused kernels exist for SGD, Adagrad, Adam and AdamW only).

What is refused, and why: ``differentiable=True`` (the pure functions in :mod:`descend.optim` are
differentiable; the classes update in place under ``no_grad``), and sparse gradients for the optimizers
that torch refuses them for.

Example, in any PyTorch training loop::

    model = torch.nn.Linear(3, 1)
    opt = descend.optim.Adam(model.parameters(), lr=1e-2)
    for x, y in batches:
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        opt.step()
"""

from __future__ import annotations

import functools
import inspect
import numbers
import threading
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import torch
from torch import Tensor
from torch.optim.optimizer import ParamsT

from .._checks import check_choice, check_names, dtype_name, run_axis_length
from .._compile import allow_programs
from .conventions import preset
from .registry import _BUILT_IN, CLASS_ARGUMENTS, OptimizerInfo, _all_positive, _any_nonzero, get

#: A hyperparameter: a number, or a tensor (one element: one value; ``[K]``: one value per run).
Value = float | Tensor

_NO_DEFAULT = object()  # (a switch without a default never is at it)
#: The classes' own arguments and group keys, never a rule's hyperparameter (``betas`` is read as β₁ and β₂)
_IGNORED = CLASS_ARGUMENTS - {"betas"}


#: How many sets of ``init`` options an optimizer remembers the state fields of (:meth:`_Adapter._needed`).
_NEEDED_CACHE = 16


def _pair(betas: Any) -> tuple[Any, Any]:
    """A class's ``betas``: two values (a tuple, a list, an array or a tensor of two), else a ``TypeError``."""
    try:
        if not isinstance(betas, (str, bytes, Mapping)):
            b1, b2 = betas
            return b1, b2
    except (TypeError, ValueError):
        pass
    raise TypeError(f"betas must be a pair (β₁, β₂), not {betas!r}")


class _Adapter(torch.optim.Optimizer):
    """Base of the torch-compatible classes. Subclasses set ``info`` and ``state_keys``."""

    info: ClassVar[OptimizerInfo]
    #: record field → key in ``self.state[p]`` (torch's name, so that state dicts load both ways)
    state_keys: ClassVar[Mapping[str, str]]
    #: torch creates this optimizer's state in the constructor (Adagrad), not at the first step (except for a
    #: group added later, whose state starts at its first gradient, as torch's)
    eager_state: ClassVar[bool] = False
    #: torch accepts sparse gradients for this optimizer (SGD, Adagrad)
    supports_sparse: ClassVar[bool] = False
    #: torch's update with a sparse gradient moves only the entries the gradient holds (Adagrad; SGD's momentum
    #: buffer moves the entries of earlier gradients too): the others keep their values, whatever the dense rule
    #: computes for them (Adagrad with ε = 0 divides 0 by 0 where the sum is still 0)
    sparse_moves_held_only: ClassVar[bool] = False
    #: torch keeps no step count for this optimizer (SGD): the rule's ``t`` only says whether the momentum
    #: buffer is new, so it is read from the buffer's presence (absent: the first step, ``b = g``)
    keeps_step: ClassVar[bool] = True
    #: torch refuses ``betas`` that mix numbers and tensors (Adam, AdamW)
    betas_alike: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _noting_given(cls.__init__)

    def __init__(self, params: Any, defaults: dict[str, Any], unknown: Mapping[str, Any]) -> None:
        unknown = dict(unknown)
        convention = unknown.pop("convention", "torch")
        # every switch of the pure rule is a keyword argument too (lr_in_buffer, eps_root, initial_scale, ...)
        defaults.update({k: unknown.pop(k) for k in list(unknown) if k in self.info.names and k not in defaults
                         and k not in ("beta1", "beta2") and k not in self.info.fixed})
        split = [name for name in ("beta1", "beta2") if name in unknown]
        if split and "betas" in defaults:
            b1, b2 = (unknown.get(name, default) for name, default in zip(("beta1", "beta2"), defaults["betas"]))
            raise TypeError(  # an argument torch's class does not take, as every other: a TypeError
                f"{type(self).__name__} takes betas=(β₁, β₂) as torch.optim does, not {' and '.join(split)}: "
                f"write betas=({b1!r}, {b2!r}) (the pure rules take beta1 and beta2; descend.fit takes either form)"
            )
        try:  # torch's signatures make an unknown keyword argument a TypeError; the message names close matches
            check_names(unknown, [name for name in (*defaults, "convention", *self.info.names)
                                  if name not in self.info.fixed  # nor beta1/beta2 where the class takes betas=
                                  and not (name in ("beta1", "beta2") and "betas" in defaults)],
                        what=f"argument for {type(self).__name__}", hint=self.info.symbol_hint)
        except ValueError as e:
            raise TypeError(str(e)) from None
        if convention != "torch":
            self._apply_convention(defaults, convention)
        defaults["convention"] = convention
        if defaults.get("differentiable"):
            raise ValueError(
                "differentiable=True is not supported by descend's classes; "
                "the pure functions in descend.optim are differentiable"
            )
        if defaults.get("fused") and defaults.get("foreach"):
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        if self.betas_alike:  # torch checks the constructor's betas, not a group's
            b1, b2 = _pair(defaults["betas"])
            if isinstance(b1, Tensor) != isinstance(b2, Tensor):
                raise ValueError("betas must be either both floats or both Tensors")
            if isinstance(b1, Tensor) and defaults.get("foreach") and not defaults.get("capturable"):
                raise ValueError("betas[0] as a Tensor is not supported for capturable=False and foreach=True")
        self._derived()
        self._constructing = True
        super().__init__(params, defaults)
        self._constructing = False

    def _derived(self) -> None:
        """What the class derives from its rule: the state record's type and its scalars' names (the step
        count, NAdam's μ product; the other fields hold a tensor per parameter), no compiled step yet."""
        template = self.info.init_state((), self.info.defaults)
        self._record_type = type(template)
        self._scalar_names = tuple(n for n, v in zip(template._fields, template) if not isinstance(v, tuple))
        self._compiled = None

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Unpickled or copied (``copy.deepcopy``, ``torch.load``): torch.optim keeps the defaults, state and
        groups; what descend derives from them is made again."""
        super().__setstate__(state)
        for group in self.param_groups:  # AdamW's groups say decoupled_weight_decay=True after loading a state_dict
            group.update(self.info.fixed)  # of Adam's, as torch's AdamW.__setstate__ makes them, and step so
        self._derived()
        self._constructing = False

    def _apply_convention(self, defaults: dict[str, Any], convention: str) -> None:
        """``convention="optax"`` or ``"keras"``: that library's defaults and forms for every argument not given.

        The values are :func:`descend.optim.conventions.preset`'s, decided there once; an argument given
        explicitly keeps its value (``Adam(p, lr=1e-2, convention="keras")`` is Keras's Adam at lr 1e-2).
        """
        name = "amsgrad" if self.info.name == "adam" and defaults.get("amsgrad") else self.info.name
        explicit = getattr(self, "_explicit", frozenset())
        for key, value in preset(name, convention).items():
            if key in ("beta1", "beta2"):
                if "betas" not in explicit:
                    betas = list(defaults["betas"])
                    betas[key == "beta2"] = value
                    defaults["betas"] = tuple(betas)
            elif key not in explicit and key not in self.info.fixed and key != "amsgrad":
                defaults[key] = value

    # -- the rule's view of a parameter group ---------------------------------------------------

    def _given(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """The rule's keyword arguments set by a param group (``betas`` split in two where the rule has β₁ and β₂).

        A one-element tensor (torch's tensor lr) is one value for all parameters, a 0-d tensor. Other keys
        of a group are the user's, as in torch.optim (a ``"name"``, a scheduler's ``"initial_lr"``): kept in
        the group, not read; so is a switch of descend's that torch's class does not have (``"nesterov"`` in a
        group dict shared with SGD code, given to RMSprop) unless the constructor took it, or a state dict saved
        by descend's class with it was loaded (:meth:`load_state_dict`); so are ``betas`` for a rule without
        them (a group dict shared with Adam code, given to SGD).
        """
        given = {}
        for key, value in group.items():
            if key == "betas" and ("betas" in self.defaults or {"beta1", "beta2"} <= set(self.info.names)):
                given["beta1"], given["beta2"] = (_one_value(b) for b in _pair(value))
            elif key in self.defaults and key in self.info.names and key not in _IGNORED and key not in self.info.fixed:
                given[key] = _one_value(value)
        return given

    def _config(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """Check a param group and return the full keyword arguments of the pure rule."""
        self._check_torch_refusals(group)
        self._check_fixed(group)
        given = self._given(group)
        return self.info.configure(runs=_runs(given, group["params"]), group=True, **given)

    def _check_fixed(self, group: Mapping[str, Any]) -> None:
        """A group keeps the values this class fixes (AdamW's ``decoupled_weight_decay=True``, as torch's groups
        say it): when a group is added, and at every step, since a group may be changed in between."""
        for key, value in self.info.fixed.items():
            if key in group and group[key] != value:
                raise ValueError(
                    f"{type(self).__name__}'s param groups keep {key}={value!r}; with {key}={group[key]!r} a group "
                    "follows another optimizer's rule: give its parameters an optimizer of their own"
                )

    def _check_switches(self, given: Mapping[str, Any], index: int) -> None:
        """A group's switches (``eps_mode``, ``amsgrad``, ...) at a step: one of their values, as when the group was
        added, since a group may be changed in between (``eps_mode="insid"`` stepped another form of the rule)."""
        for option in self.info.options:
            if option.name in given and option.name not in self.info.fixed:
                try:
                    check_choice(option.name, given[option.name], option.choices, strict=True)
                except ValueError as e:
                    raise ValueError(f"param group {index}: {e}") from None

    def _check_torch_refusals(self, group: Mapping[str, Any]) -> None:
        """What torch.optim refuses for this group, refused with torch's words (and error types)."""
        tensor_lr = isinstance(group.get("lr"), Tensor)
        foreach, capturable = group.get("foreach"), group.get("capturable")
        if tensor_lr and group["lr"].numel() != 1 and group["lr"].ndim != 1:
            raise ValueError("Tensor lr must be 1-element (or have shape [K], one value per run)")
        if tensor_lr and foreach and not capturable and self._torch_refuses_tensor_lr_with_foreach:
            raise ValueError("lr as a Tensor is not supported for capturable=False and foreach=True")
        if capturable:
            supported = _capturable_devices()
            for p in group["params"]:
                if p.device.type not in supported:
                    raise ValueError(
                        f"capturable=True needs the parameters on a device that can capture "
                        f"({', '.join(supported)}), but a parameter is on {p.device.type}; "
                        "leave capturable=False"
                    )

    #: torch refuses a tensor lr with foreach=True for Adam and AdamW; the others accept it
    _torch_refuses_tensor_lr_with_foreach: ClassVar[bool] = False

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        own = set(param_group) - {"params", "param_names"}  # torch's fills in the defaults: what the group set
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        try:
            config = self._config(group)
        except (ValueError, TypeError) as e:
            self.param_groups.pop()
            if not own:  # the constructor's arguments: torch's words
                raise
            raise type(e)(f"param group {len(self.param_groups)}: {e}") from None
        if self.eager_state and getattr(self, "_constructing", False):  # a group added later: at its first step
            self._start_state(group["params"], config)

    # -- state: one named record per group of parameters that share a step count ----------------

    def _needed(self, config: Mapping[str, Any]) -> tuple[str, ...]:
        """The per-parameter state fields the rule uses with ``config`` (a momentum buffer only with μ ≠ 0).

        They follow from the options ``init`` takes (``init_args``): found once per distinct set of their values
        where those are plain numbers, flags or words (read at every step)."""
        options = tuple((name, config[name]) for name in self.info.init_args)
        plain = all(value is None or type(value) in (bool, int, float, str) for _, value in options)
        cache = self.__dict__.setdefault("_needed_for", {})
        if plain and options in cache:
            return cache[options]
        if len(cache) >= _NEEDED_CACHE:  # a scheduler cycling SGD's momentum gives a new value at every step
            cache.clear()
        template = self.info.init_state((torch.zeros(()),), config)
        needed = tuple(name for name, value in zip(template._fields, template) if isinstance(value, tuple) and value)
        if plain:
            cache[options] = needed
        return needed

    def _start_state(self, params: list[Tensor], config: Mapping[str, Any]) -> None:
        """A fresh state for ``params`` (t = 0), each with tensors of its own, as torch's."""
        record = self.info.init_state([_real(p) for p in params], config)
        for i, p in enumerate(params):
            state = self.state[p]
            state.clear()
            for name, value in zip(record._fields, record):
                if isinstance(value, tuple):
                    if value:
                        state[self.state_keys[name]] = _like(p, value[i])
                elif name == "step":
                    if self.keeps_step:
                        state[name] = value.clone()
                else:  # a scalar of the rule's own (NAdam's μ product)
                    state[self.state_keys.get(name, name)] = self._scalar(value).clone()

    def _complete_state(self, params: list[Tensor], config: Mapping[str, Any], needed: Sequence[str]) -> None:
        """Create the state the rule needs (``needed``, :meth:`_needed`) and the parameters lack, as torch does
        when it is first needed."""
        if not self.keeps_step:  # SGD: a missing buffer is the rule's first step, see _record
            return
        fresh = []
        for p in params:
            state = self.state[p]
            missing = [n for n in needed if state.get(self.state_keys[n]) is None]
            if not state:
                fresh.append(p)
            elif missing:  # e.g. RMSprop's momentum switched on after some steps: the buffer starts at 0
                record = self.info.init_state([_real(p)], config)
                for name in missing:
                    state[self.state_keys[name]] = _like(p, getattr(record, name)[0])
        if fresh:
            self._start_state(fresh, config)

    def _record(self, params: list[Tensor], needed: Sequence[str], config: Mapping[str, Any]) -> Any:
        """The rule's state record for ``params`` (real views of complex state; unused fields empty).

        Without a step count (SGD) the parameters share the presence of their buffer (see ``_buckets``): t = 0
        and a fresh buffer when it is absent, else t = 1.
        """
        first = self.state.get(params[0], {})
        if not self.keeps_step:
            fresh = self.info.init_state([_real(p) for p in params], config)
        fields = {}
        for name in self._record_type._fields:
            key = self.state_keys.get(name, name)
            if name in self.state_keys:  # one tensor per parameter
                if name not in needed:
                    fields[name] = ()
                elif not self.keeps_step and first.get(key) is None:
                    fields[name] = getattr(fresh, name)
                else:
                    fields[name] = tuple(_real(_dense(self.state[p][key])) for p in params)
            elif name == "step" and not self.keeps_step:
                has_buffer = any(first.get(self.state_keys[n]) is not None for n in needed)
                fields[name] = fresh.step + float(has_buffer)
            else:  # a scalar, equal for every parameter of the bucket (_buckets)
                fields[name] = first[key]
        return self._record_type(**fields)

    def _buckets(self, params: list[Tensor], needed: Sequence[str]) -> list[list[int]]:
        """The parameters that step together, as one call of the rule: those whose scalars (the step count,
        NAdam's μ product) are equal, in value and dtype, so that the rule's one value is each one's own.
        Without a step count (SGD), those whose buffers are all present or all absent."""
        scalars = [self.state_keys.get(name, name) for name in self._scalar_names]
        buckets: dict[object, list[int]] = {}
        for i, p in enumerate(params):
            state = self.state.get(p, {})
            if not self.keeps_step:
                key: object = tuple(state.get(self.state_keys[n]) is not None for n in needed)
            else:
                key = tuple((tuple(state[k].reshape(-1).tolist()), state[k].dtype) for k in scalars)  # one per run
            buckets.setdefault(key, []).append(i)
        return list(buckets.values())

    def _store(self, params: list[Tensor], record: Any) -> None:
        """Write the rule's new state into ``self.state`` in place, as torch.optim does: into the tensors
        already there (a reference to ``state[p]["exp_avg"]``, a view of it, or its memory shared with other
        processes by ``share_memory_()``, sees each step), each parameter's step count and NAdam's μ product
        included. The rule keeps the μ product in the dtype it is given (torch's loading casts it to the
        parameters' dtype)."""
        targets: list[Tensor] = []
        values: list[Tensor] = []
        for i, p in enumerate(params):
            for name, value in zip(record._fields, record):
                if isinstance(value, tuple):
                    if value:
                        _put(self.state[p], self.state_keys[name], _like(p, value[i]), targets, values)
                elif name != "step" or self.keeps_step:  # one value for the bucket: each parameter its copy
                    _put(self.state[p], self.state_keys.get(name, name), value, targets, values, copy=True)
        if targets:
            torch._foreach_copy_(targets, values)

    def _scalar(self, x: Any) -> Tensor:
        """A scalar of the state other than the step (NAdam's μ product) in torch's dtype for it: float64 when
        that is the default dtype, else float32 (torch.optim's ``_get_scalar_dtype``), so that a state_dict
        holds what torch's would and the rule rounds the product as torch does. Other conventions (optax
        keeps β₁ᵗ in the parameters' precision) keep it in float64."""
        torch_like = self.defaults.get("convention", "torch") == "torch"
        dtype = torch.float32 if torch_like and torch.get_default_dtype() != torch.float64 else torch.float64
        return torch.as_tensor(x).to(dtype)

    # -- the step ------------------------------------------------------------------------------

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for index, group in enumerate(self.param_groups):
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            if group.get("fused") and any(p.grad.is_sparse for p in params):
                raise RuntimeError(f"`fused` does not support sparse grad (torch.optim's {type(self).__name__} "
                                   "refuses it too): leave fused unset")
            self._check_fixed(group)  # the rest was checked when the group was added
            _check_runs_rate(group, index)
            given = self._given(group)
            self._check_switches(given, index)
            config = {**self.info.defaults, **given}
            grads = [self._gradient(p, config) for p in params]
            needed = self._needed(config)
            self._complete_state(params, config, needed)
            kwargs = self.info.update_kwargs(config)
            for members in self._buckets(params, needed):
                bucket = [params[i] for i in members]
                record = self._record(bucket, needed, config)
                reals = [_real(p) for p in bucket]
                bucket_grads = [_real(grads[i]) for i in members]
                if group.get("fused"):
                    record = self._fused_update(reals, bucket_grads, record, kwargs)
                else:
                    new_params, record = self.info.update(bucket_grads, record, reals, **kwargs)
                    if self.sparse_moves_held_only:
                        new_params = [_held_only(p, new, old) for p, new, old in zip(bucket, new_params, reals)]
                    torch._foreach_copy_(reals, list(new_params))
                self._store(bucket, record)
        return loss

    def _gradient(self, p: Tensor, config: Mapping[str, Any]) -> Tensor:
        """``p.grad``, with a sparse gradient made dense where torch accepts sparse gradients."""
        g = p.grad
        name = type(self).__name__
        if g.dtype != p.dtype:  # torch 2.13 allows it after `p.grad_dtype = None`
            raise RuntimeError(f"{name}: a {dtype_name(p.dtype)} parameter has a {dtype_name(g.dtype)} gradient "
                               f"(p.grad_dtype allows it); descend's optimizers step a gradient of the parameter's "
                               "dtype (torch's keep their state in the gradient's for some): cast it, "
                               "p.grad = p.grad.to(p.dtype)")
        if not g.is_sparse:
            return g
        if not self.supports_sparse:
            raise RuntimeError(f"{name} does not support sparse gradients (torch's does not either); "
                               "SGD and Adagrad accept them")
        # a weight decay of tensor(0.) is none, as torch reads it (its `weight_decay != 0` is a false tensor)
        if self.info.name == "adagrad" and _any_nonzero(config.get("weight_decay", 0)):
            raise RuntimeError("weight_decay option is not compatible with sparse gradients")
        if _any_nonzero(config.get("weight_decay", 0)):  # SGD: torch's g + λ·w fails on a sparse g
            raise RuntimeError(f"{name} with weight_decay does not support sparse gradients (torch's does not "
                               "either: add(sparse, dense) is not supported); set weight_decay=0 for these "
                               "parameters, e.g. in a param group of their own")
        return g.coalesce().to_dense()

    def _fused_update(self, params: list[Tensor], grads: list[Tensor], record: Any, config: dict[str, Any]) -> Any:
        """One compiled program: the pure rule, then its results written over the inputs in place.

        Nonzero numbers become 0-d tensors so that a changing learning rate (a schedule) does not
        recompile; zeros stay numbers so that the rule can skip their terms. 0-d parameters and
        state go in as one-element views: a compiled program's writes into 0-d inputs are lost.
        """
        if self._compiled is None:
            self._compiled = _fused_program()
        config = {
            k: torch.tensor(v, dtype=torch.float64) if isinstance(v, float) and v != 0 else v
            for k, v in config.items()
        }
        views = type(record)(*(tuple(_at_least_1d(t) for t in f) if isinstance(f, tuple) else f for f in record))
        new = self._compiled(self.info.update, [_at_least_1d(p) for p in params],
                             [_at_least_1d(g) for g in grads], views, config)
        # the per-parameter tensors were updated in place: keep them (not their views); take the new scalars
        return type(record)(*(old if isinstance(old, tuple) else n for old, n in zip(record, new)))

    def state_dict(self) -> dict[str, Any]:
        """torch's ``state_dict``, with descend's own switches (``convention``, ``eps_mode``, ``amsgrad_max``, ``fused``
        where torch's class has none, ...) left out of a group in which every one holds its default: the dict then
        has torch's keys alone, as the same optimizer of torch.optim's would save. torch.distributed.checkpoint
        builds its load plan from the keys of the state dict it loads into, and required descend's of a checkpoint
        saved with torch.optim ("Missing key in checkpoint state_dict: optim.param_groups.0.eps_mode"). A group with
        any switch of its own keeps them all, so that a descend optimizer of another form loads as that form."""
        out = super().state_dict()
        taken, filled = self._torch_settings()
        if taken is None:  # a class torch does not have: nothing to match
            return out
        for group in out["param_groups"]:
            own = [k for k in group if k not in taken and k not in filled and k not in ("params", "param_names")]
            if all(self._at_default(k, group[k]) for k in own):
                for k in own:
                    del group[k]
        return out

    def _at_default(self, key: str, value: Any) -> bool:
        """Whether descend's own switch ``key`` holds the value a torch.optim class of the name behaves as."""
        if key == "convention":
            return value == "torch"
        if key == "fused":
            return value in (None, False)
        default = self.info.defaults.get(key, _NO_DEFAULT)
        return (isinstance(value, (str, bool, int, float)) and type(value) is type(default) and value == default)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """torch's loading: each group's settings are the saved group's, as in torch.optim (a key only the old
        group had, a scheduler's ``initial_lr`` say, is gone), and a setting the saved group lacks is what torch's
        class of the same name makes it (its loading fills in ``maximize``, ``foreach``, ...); one it needs and
        cannot fill in (``betas`` in a state dict saved by SGD), and a parameter's state that lacks a field the rule
        needs with the loaded settings (``exp_avg_sq`` in a state dict saved by Adamax, loaded into Adam), are refused
        here, before anything is loaded, where torch's step raises a KeyError (a buffer that a switch turned on after
        the state was made, AMSGrad's maximum say, starts at its first step instead). descend's own switches, which
        torch's class does not have, keep their values when a state dict saved by torch.optim lacks them. A state
        dict saved by descend's class (its groups name their ``convention``) brings the switches its constructor was
        given (``eps_root``, a convention's ``lr_in_buffer``), which this optimizer then reads as if its constructor
        had taken them: a fresh ``RMSprop(params)`` loading ``RMSprop(params, convention="optax")``'s continues as
        that one (it showed the optax settings in its groups and stepped with torch's)."""
        # torch runs the load hooks of the user first (a pre-hook may return the dict fixed up: an old format
        # migrated) and last (a post-hook sees the optimizer as loaded): descend's check and fix-ups go between,
        # where torch's own loading is (the check refused a dict a pre-hook would have fixed, and a post-hook saw
        # the switches and step counts before descend restored them)
        pre, post = self._optimizer_load_state_dict_pre_hooks, self._optimizer_load_state_dict_post_hooks
        state_dict = state_dict.copy() if isinstance(state_dict, Mapping) else state_dict
        for hook in pre.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        self._optimizer_load_state_dict_pre_hooks = type(pre)()
        self._optimizer_load_state_dict_post_hooks = type(post)()
        try:
            self._load_state_dict(state_dict)
        finally:
            self._optimizer_load_state_dict_pre_hooks, self._optimizer_load_state_dict_post_hooks = pre, post
        for hook in post.values():
            hook(self)

    def _load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """:meth:`load_state_dict` between the user's hooks."""
        taken, filled = self._torch_settings()
        # what a group cannot do without: torch's class's settings its loading does not fill in; for a class torch
        # does not have (Momentum), the rule's hyperparameters (an option added later keeps the old group's value)
        needed = [key for key in taken if key not in filled and key not in _IGNORED] if taken is not None else [
            h.name for h in self.info.hyperparameters if h.name in self.defaults]
        saved_groups = state_dict.get("param_groups", []) if isinstance(state_dict, Mapping) else []
        if len(saved_groups) == len(self.param_groups):  # (another count: torch's own error)
            for i, saved in enumerate(saved_groups):
                missing = [key for key in needed if key not in saved]
                if missing:
                    held = ", ".join(k for k in saved if k not in ("params", "param_names")) or "nothing"
                    raise ValueError(
                        f"cannot load this state_dict into {type(self).__name__}: its param group {i} has no "
                        f"{', '.join(map(repr, missing))}, which {type(self).__name__} needs (the group holds "
                        f"{held}): was it saved by another optimizer?")
            self._check_saved_state(state_dict.get("state", {}), saved_groups, taken, filled)
        before = [{k: v for k, v in group.items() if k != "params"} for group in self.param_groups]
        super().load_state_dict(state_dict)
        for group, old in zip(self.param_groups, before):
            if "convention" in group:  # saved by descend's class: its switches are settings, not foreign keys
                for key, value in group.items():
                    if key in self.info.names and key not in _IGNORED and key not in self.info.fixed:
                        self.defaults.setdefault(key, value)
            for key, value in filled.items():  # what torch's loading fills in
                group.setdefault(key, value)
            for key, value in old.items():  # descend's switches: the user's and schedulers' keys go, as in torch
                if key in self.defaults and (taken is None or key not in taken):
                    group.setdefault(key, value)
            self._loaded_scalars(group["params"])

    def _check_saved_state(self, state: Any, saved_groups: Sequence[Mapping[str, Any]], taken: Any,
                           filled: Mapping[str, Any]) -> None:
        """Each parameter's saved state holds every field the rule needs with its group's settings as loaded, else
        the state dict is refused, naming them, before anything is loaded: torch's step raises a KeyError, and the
        missing field started at 0 beside the saved step count (Adam loading Adamax's state took its next step
        twice as long as torch's Adam would). A buffer that a switch needs (AMSGrad's maximum, RMSprop's momentum)
        may be missing, as in a state made before the switch was turned on: it starts when it is first needed
        (:meth:`_complete_state`). A parameter without state (saved before its first step) starts at its first
        step. Without a step count (SGD) a missing buffer is the rule's first step, as in torch."""
        if not self.keeps_step or not isinstance(state, Mapping):
            return
        always = set(self._needed(self.info.defaults))  # the buffers no switch turns on
        scalars = [self.state_keys.get(name, name) for name in self._scalar_names]
        for saved, old in zip(saved_groups, self.param_groups):
            group = {key: value for key, value in saved.items() if key != "params"}
            for key, value in filled.items():  # the group as loading makes it (see _load_state_dict)
                group.setdefault(key, value)
            for key, value in old.items():
                if key in self.defaults and (taken is None or key not in taken):
                    group.setdefault(key, value)
            try:
                needed = self._needed({**self.info.defaults, **self._given(group)})
            except (TypeError, ValueError):  # settings the rule cannot read: refused at the step, in its words
                continue
            keys = [self.state_keys[name] for name in needed if name in always] + scalars
            for index in saved.get("params", ()):
                held = state.get(index)
                missing = [key for key in keys if held and held.get(key) is None]
                if missing:
                    name = type(self).__name__
                    like = _state_of(set(held), but=type(self))  # "as Adamax's does"
                    raise ValueError(
                        f"cannot load this state_dict into {name}: the state of its parameter {index} has no "
                        f"{', '.join(map(repr, missing))}, which {name} needs (the state holds "
                        f"{', '.join(map(str, held))}{', ' + like if like else ''}): was it saved by another "
                        "optimizer?")

    def _torch_settings(self) -> tuple[tuple[str, ...] | None, dict[str, Any]]:
        """The settings of torch.optim's class of this class's name: those its constructor takes (None where
        torch has no such class) and those its loading fills in, with their values (:func:`_torch_settings`)."""
        for cls in type(self).__mro__:  # a subclass of one's own: the class of descend's it derives from
            if cls.__dict__.get("of_rule"):  # made by optimizer_class: torch's class of its name is another's
                return None, {}
            if cls.__module__ == __name__ and cls.__name__ != "_Adapter":
                return _torch_settings(cls.__name__)
        return None, {}

    def _loaded_scalars(self, params: list[Tensor]) -> None:
        """After loading, each parameter's step count is a float64 0-d tensor of its own (an int or a float32
        one in an older or torch's state_dict), NAdam's μ product a 0-d tensor as torch's loading cast it (to
        the parameter's dtype). A parameter without state (saved before its first step) keeps none: it starts
        at its first step."""
        for p in params:
            state = self.state.get(p)
            if not state:
                continue
            if not self.keeps_step:
                state.pop("step", None)
                continue
            state["step"] = torch.as_tensor(state["step"], dtype=torch.float64).reshape(()).clone()
            if "mu_product" in state:
                state["mu_product"] = torch.as_tensor(state["mu_product"]).reshape(()).clone()


_FUSED: list[Any] = []  # the one compiled update of every fused optimizer (made at the first fused step)
_FUSED_LOCK = threading.Lock()


def _fused_program() -> Any:
    """One compiled function serves every optimizer class and option set (its programs are told apart by their
    inputs): a ``torch.compile`` per optimizer kept one more wrapper in torch's cache of backends for good, for
    every fused optimizer a process ever made."""
    with _FUSED_LOCK:
        if not _FUSED:
            allow_programs()
            _FUSED.append(torch.compile(_update_in_place, dynamic=False, fullgraph=True))
        return _FUSED[0]


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


def _noting_given(init: Any) -> Any:
    """Wrap a class's ``__init__`` to note which arguments the caller gave (a convention fills in the rest)."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> None:
        try:
            bound = signature.bind(self, *args, **kwargs).arguments
        except TypeError:
            bound = {}
        self._explicit = frozenset(set(bound) - {"self", "params", "unknown"} | set(bound.get("unknown", {})))
        init(self, *args, **kwargs)

    return wrapper


def _capturable_devices() -> list[str]:
    """The device types on which torch's optimizers accept ``capturable=True``."""
    from torch.optim.optimizer import _get_capturable_supported_devices

    return list(_get_capturable_supported_devices())


def _put(state: dict[str, Any], key: str, new: Tensor, targets: list[Tensor], values: list[Tensor], *,
         copy: bool = False) -> None:
    """``state[key] = new``, into the tensor there where it is of the same shape and kind, so that every reference
    to it sees the new values (else, a sparse buffer from torch's SGD, ``new`` in its place). A state of another
    floating dtype than the step's (a float32 moment after ``model.double()``) keeps its dtype, as torch's in-place
    steps keep it: ``new`` is copied into it, rounded (the step itself took the moment before that rounding, so the
    parameters differ from torch's by the state's round-off, about 1e-7 of a step in float32). A tensor whose memory
    nothing else uses takes ``new``'s memory (``set_``: no copy, and the memory the step freed is the old one, which the
    next step's temporaries reuse); one whose memory is shared with
    other processes (``share_memory_()``, Hogwild training) or seen through a view, and any with ``copy`` (a
    value the rule gives a whole bucket: the step count, NAdam's μ product), is copied into (appended to
    ``targets`` and ``values``, for one ``_foreach_copy_``)."""
    old = state.get(key)
    if isinstance(old, Tensor) and old is not new and old.device == new.device and old.shape == new.shape \
            and not old.is_sparse and (old.dtype == new.dtype or old.is_floating_point() and new.is_floating_point()):
        if copy or _shared_or_seen(old) or old.dtype != new.dtype:
            targets.append(old)
            values.append(new)
        else:
            old.set_(new)
    else:
        state[key] = new.clone() if copy else new


def _shared_or_seen(t: Tensor) -> bool:
    """Whether ``t``'s memory is shared with other processes (``share_memory_()``) or used by another tensor too
    (a view of it, or ``t`` a view), or ``t`` itself is held outside Python (a DLPack export: NumPy's, JAX's or
    another torch's ``from_dlpack`` view, which holds the tensor, not a second reference to its memory); True
    where torch does not say. ``Tensor.is_shared`` in one look at the storage (it builds a TypedStorage, a tenth
    of a small step's time)."""
    if getattr(t, "_use_count", lambda: 2)() > 1:
        return True
    storage = t.untyped_storage()
    if storage.is_shared():
        return True
    count = getattr(torch._C, "_storage_Use_Count", None)
    return count is None or count(storage._cdata) - 1 > 1  # less the storage object made here


def _one_value(x: Any) -> Any:
    """A tensor with one element and more than one dimension, or shape [1], as a 0-d tensor (torch's tensor lr);
    a NumPy number (``np.float32(1e-3)``, a 0-d array), which torch.optim takes, as the Python number it holds."""
    if isinstance(x, Tensor):
        return x.reshape(()) if x.numel() == 1 and x.ndim > 0 else x
    if type(x).__module__ == "numpy" and getattr(x, "ndim", None) == 0 and x.dtype.kind in "iuf":
        return x.item()
    return x


def _held_only(p: Tensor, new: Tensor, old: Tensor) -> Tensor:
    """``new`` where ``p``'s sparse gradient holds an entry, ``old`` elsewhere (real views of ``p``); ``new`` itself
    for a dense gradient."""
    g = p.grad
    if g is None or not g.is_sparse:
        return new
    g = g.coalesce()
    held = torch.sparse_coo_tensor(g.indices(), torch.ones_like(g.values(), dtype=torch.float32), g.shape).to_dense()
    held = held != 0
    if p.is_complex():  # the real view's pairs
        held = held.unsqueeze(-1).expand(*held.shape, 2)
    return torch.where(held, new, old)


def _check_runs_rate(group: Mapping[str, Any], index: int) -> None:
    """A group's ``[K]`` rate (one per run) under a torch scheduler that computes the rate from numbers of its own
    (OneCycleLR's ``max_lr``: its ``initial_lr`` is a number): the scheduler filled every run with the same rate
    (``fill_``), silently; refused at the step. (Schedulers that scale the group's rate, StepLR or LambdaLR,
    refuse a ``[K]`` rate themselves.)"""
    lr, initial = group.get("lr"), group.get("initial_lr")
    if isinstance(lr, Tensor) and lr.ndim == 1 and lr.numel() > 1 and isinstance(initial, numbers.Real):
        raise ValueError(
            f"param group {index}'s lr holds one value per run ([{lr.numel()}]), and a torch scheduler that "
            f"computes the rate from one number (initial_lr={initial!r}: OneCycleLR, say) set the same rate for "
            "every run; schedule a [K] rate with descend.schedules.ScheduleHyperparameters, or give the runs a "
            "number lr")


def _real(t: Tensor) -> Tensor:
    """A complex tensor as pairs of real numbers (a view), as torch's optimizers update it."""
    return torch.view_as_real(t) if t.is_complex() else t


def _like(p: Tensor, value: Tensor) -> Tensor:
    """A state tensor computed on ``_real(p)``, stored as torch stores it: complex for a complex ``p``."""
    return torch.view_as_complex(value.contiguous()) if p.is_complex() and not value.is_complex() else value


def _dense(t: Any) -> Any:
    """torch's SGD keeps a sparse momentum buffer after sparse gradients; descend's state is dense."""
    return t.to_dense() if isinstance(t, Tensor) and t.is_sparse else t


def _at_least_1d(t: Tensor) -> Tensor:
    return t.view(1) if t.ndim == 0 else t


def _nonzero(x: Any) -> bool:
    return isinstance(x, Tensor) or x != 0


@functools.cache
def _torch_settings(name: str) -> tuple[tuple[str, ...] | None, dict[str, Any]]:
    """``torch.optim.<name>``'s group settings: the keyword arguments its constructor takes (in its order), and
    what its loading (its ``__setstate__``) sets where a saved group lacks them, with the values it sets;
    ``(None, {})`` where torch has no such optimizer."""
    cls = getattr(torch.optim, name, None)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        return None, {}
    taken = tuple(k for k in inspect.signature(cls.__init__).parameters if k not in ("self", "params"))
    try:  # its loading, on one empty group
        probe = cls.__new__(cls)
        probe.__setstate__({"defaults": {}, "state": {}, "param_groups": [{"params": []}]})
        filled = {k: v for k, v in probe.param_groups[0].items() if k != "params"}
    except Exception:  # noqa: BLE001 - a torch whose loading needs more: nothing is taken as filled in
        filled = {}
    return taken, filled


def _state_of(held: set[str], but: type) -> str:
    """Which of descend's classes (other than ``but`` and those it derives from) keep a parameter's state under
    the keys ``held`` (torch's names), as words for a refusal: "as Adamax's does", "as Adam's or RAdam's do"."""
    names = []
    for cls in _Adapter.__subclasses__():
        if cls.__module__ != __name__ or cls.__dict__.get("of_rule") or issubclass(but, cls):
            continue
        template = cls.info.init_state((torch.zeros(()),), cls.info.defaults)  # the buffers no switch turns on
        scalars = {cls.state_keys.get(name, name) for name, value in zip(template._fields, template)
                   if not isinstance(value, tuple) and (name != "step" or cls.keeps_step)}
        always = {cls.state_keys[name] for name, value in zip(template._fields, template) if isinstance(value, tuple)
                  and value}
        if scalars | always <= held <= scalars | set(cls.state_keys.values()):
            names.append(f"{cls.__name__}'s")
    if len(names) < 2:
        return f"as {names[0]} does" if names else ""
    return f"as {', '.join(names[:-1])} or {names[-1]} do"


def _runs(given: Mapping[str, Any], params: Sequence[Tensor]) -> int | None:
    """K when the group's hyperparameters carry a run axis; checks the parameters' leading axis."""
    k = run_axis_length(dict(given))
    if k is not None:
        for i, p in enumerate(params):
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
    supports_sparse = True
    keeps_step = False

    def __init__(self, params: ParamsT, lr: Value = 1e-3, momentum: Value = 0, dampening: Value = 0,
                 weight_decay: Value = 0, nesterov: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False, fused: bool | None = None,
                 **unknown: Any) -> None:
        if nesterov and (not _all_positive(momentum) or _any_nonzero(dampening)):  # the constructor's, as torch
            raise ValueError("Nesterov momentum requires a momentum and zero dampening "
                             "(nesterov=True needs momentum > 0 and dampening = 0 for every run)")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)

    def _given(self, group: Mapping[str, Any]) -> dict[str, Any]:
        """A group's ``nesterov`` with its own momentum 0 is plain SGD, as in torch (which skips momentum then)."""
        given = super()._given(group)
        momentum = given.get("momentum", 0)
        if given.get("nesterov") and not isinstance(momentum, Tensor) and momentum == 0:
            given["nesterov"] = False
        return given


class Momentum(_Adapter):
    """The seeds' EMA momentum ``v ← βv + (1−β)g, w ← w − αv̂`` (:func:`descend.optim.sgd.momentum_update`)."""

    info = get("momentum")
    state_keys = {"v": "exp_avg"}

    def __init__(self, params: ParamsT, lr: Value, beta: Value = 0.9, bias_correction: bool = False, *,
                 weight_decay: Value = 0, maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None, **unknown: Any) -> None:
        defaults = dict(lr=lr, beta=beta, bias_correction=bias_correction, weight_decay=weight_decay,
                        maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class Adagrad(_Adapter):
    """torch.optim.Adagrad over :func:`descend.optim.adaptive.adagrad_update`; ``eps_mode="inside"`` for optax/Keras."""

    info = get("adagrad")
    state_keys = {"s": "sum"}
    eager_state = True
    supports_sparse = True
    sparse_moves_held_only = True

    def __init__(self, params: ParamsT, lr: Value = 1e-2, lr_decay: Value = 0, weight_decay: Value = 0,
                 initial_accumulator_value: Value = 0, eps: Value = 1e-10, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False, fused: bool | None = None,
                 eps_mode: str = "outside", **unknown: Any) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused, eps_mode=eps_mode)
        super().__init__(params, defaults, unknown)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """torch's Adagrad starts every sum at the constructor's ``initial_accumulator_value`` and ignores a
        group's own: the sums of the constructor's groups at once, those of a group added later at their first
        gradient. A group that sets another value is refused rather than started otherwise than torch would."""
        if "initial_accumulator_value" in param_group:
            own, constructor = param_group["initial_accumulator_value"], self.defaults["initial_accumulator_value"]
            if bool(torch.as_tensor(own != constructor).any()):
                raise ValueError(
                    f"a param group's initial_accumulator_value={own!r}: torch.optim.Adagrad ignores it and starts "
                    f"every sum at the constructor's ({constructor!r}); give that value to the constructor of an "
                    "optimizer for these parameters")
        super().add_param_group(param_group)

    def share_memory(self) -> None:
        """torch's: the sums in shared memory (for several processes stepping one model: every state tensor
        is updated in place, so they stay shared)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["sum"].share_memory_()


class Adadelta(_Adapter):
    """torch.optim.Adadelta over :func:`descend.optim.adaptive.adadelta_update`."""

    info = get("adadelta")
    state_keys = {"s": "square_avg", "u": "acc_delta"}

    def __init__(self, params: ParamsT, lr: Value = 1.0, rho: Value = 0.9, eps: Value = 1e-6, weight_decay: Value = 0,
                 foreach: bool | None = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None, **unknown: Any) -> None:
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, foreach=foreach, capturable=capturable,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class RMSprop(_Adapter):
    """torch.optim.RMSprop over :func:`descend.optim.adaptive.rmsprop_update`; ``eps_mode="inside"`` for optax/Keras."""

    info = get("rmsprop")
    state_keys = {"s": "square_avg", "g_avg": "grad_avg", "b": "momentum_buffer"}

    def __init__(self, params: ParamsT, lr: Value = 1e-2, alpha: Value = 0.99, eps: Value = 1e-8,
                 weight_decay: Value = 0, momentum: Value = 0, centered: bool = False, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False, differentiable: bool = False, *,
                 fused: bool | None = None, eps_mode: str = "outside", **unknown: Any) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum, centered=centered,
                        capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused, eps_mode=eps_mode)
        super().__init__(params, defaults, unknown)


class Adam(_Adapter):
    """torch.optim.Adam over :func:`descend.optim.adam.adam_update` (AMSGrad, decoupled decay, eps/AMSGrad switches)."""

    info = get("adam")
    state_keys = _ADAM_KEYS
    betas_alike = True
    _torch_refuses_tensor_lr_with_foreach = True

    def __init__(self, params: ParamsT, lr: Value = 1e-3, betas: tuple[Value, Value] = (0.9, 0.999), eps: Value = 1e-8,
                 weight_decay: Value = 0, amsgrad: bool = False, *, foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False, eps_mode: str = "outside", amsgrad_max: str = "raw",
                 **unknown: Any) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, foreach=foreach,
                        maximize=maximize, capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay, eps_mode=eps_mode, amsgrad_max=amsgrad_max)
        super().__init__(params, defaults, unknown)


class AdamW(_Adapter):
    """torch.optim.AdamW over :func:`descend.optim.adam.adam_update` with decoupled weight decay."""

    info = get("adamw")
    state_keys = _ADAM_KEYS
    betas_alike = True
    _torch_refuses_tensor_lr_with_foreach = True

    def __init__(self, params: ParamsT, lr: Value = 1e-3, betas: tuple[Value, Value] = (0.9, 0.999), eps: Value = 1e-8,
                 weight_decay: Value = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 foreach: bool | None = None, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, eps_mode: str = "outside", amsgrad_max: str = "raw",
                 **unknown: Any) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
                        foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
                        eps_mode=eps_mode, amsgrad_max=amsgrad_max)
        super().__init__(params, defaults, unknown)
        for group in self.param_groups:  # torch's AdamW groups say so (it is Adam with this set)
            group.setdefault("decoupled_weight_decay", True)
        self.defaults.setdefault("decoupled_weight_decay", True)


class Adamax(_Adapter):
    """torch.optim.Adamax over :func:`descend.optim.adam.adamax_update`."""

    info = get("adamax")
    state_keys = {"v": "exp_avg", "u": "exp_inf"}

    def __init__(self, params: ParamsT, lr: Value = 2e-3, betas: tuple[Value, Value] = (0.9, 0.999), eps: Value = 1e-8,
                 weight_decay: Value = 0, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False, fused: bool | None = None,
                 **unknown: Any) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable, fused=fused)
        super().__init__(params, defaults, unknown)


class NAdam(_Adapter):
    """torch.optim.NAdam over :func:`descend.optim.adam.nadam_update`."""

    info = get("nadam")
    state_keys = {"v": "exp_avg", "s": "exp_avg_sq"}

    def __init__(self, params: ParamsT, lr: Value = 2e-3, betas: tuple[Value, Value] = (0.9, 0.999), eps: Value = 1e-8,
                 weight_decay: Value = 0, momentum_decay: Value = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None, **unknown: Any) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize,
                        capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


class RAdam(_Adapter):
    """torch.optim.RAdam over :func:`descend.optim.adam.radam_update`."""

    info = get("radam")
    state_keys = {"v": "exp_avg", "s": "exp_avg_sq"}

    def __init__(self, params: ParamsT, lr: Value = 1e-3, betas: tuple[Value, Value] = (0.9, 0.999), eps: Value = 1e-8,
                 weight_decay: Value = 0, decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False,
                 fused: bool | None = None, **unknown: Any) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=decoupled_weight_decay, foreach=foreach, maximize=maximize,
                        capturable=capturable, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults, unknown)


def optimizer_class(name: str) -> type[torch.optim.Optimizer]:
    """A torch.optim-compatible class for an optimizer added with :func:`descend.optim.register`, made from its
    pure rule, for a plain PyTorch loop: ``Lion = descend.optim.optimizer_class("lion")``, then
    ``Lion(model.parameters(), lr=1e-4, beta1=0.95)``.

    Its keyword arguments are the rule's hyperparameters and options, with their defaults (an unknown one is a
    TypeError naming the close matches, as the other classes'), and ``foreach``, ``fused`` (one compiled step) and
    ``differentiable`` as descend's other classes take them; param groups, schedulers and ``state_dict`` as torch's.
    ``optimizer.state[p]`` holds the rule's state fields by their names (``m`` for Lion's), updated in place, and
    ``step``. The class is made when asked for (save and load its ``state_dict``, not the optimizer: pickle finds a
    class by its module's name). descend's own optimizers have their classes (``descend.optim.Adam``, ...), named as
    torch's: asked for one, this says which."""
    info = get(name)
    title = "".join(part.capitalize() for part in info.name.split("-"))  # lion → Lion, my-mom → MyMom
    if info.name in _BUILT_IN:
        torch_name = info.torch_class or title
        fixed = ", ".join(f"{k}={v!r}" for k, v in info.fixed.items())
        raise ValueError(f"{info.name!r} is one of descend's own optimizers: its class is descend.optim.{torch_name}"
                         + (f" (with {fixed})" if fixed else ""))
    # what the classes keep as torch's do: a step count named step, and floating-point tensors, which torch's
    # loading casts to each parameter's dtype (an integer or boolean field came back as floats)
    made = info.init_state((torch.zeros(1),), info.defaults)
    per_parameter = {field: field for field, value in zip(made._fields, made) if isinstance(value, tuple)}
    odd = [field for field, value in zip(made._fields, made) if field != "step" and any(
        not t.is_floating_point() for t in (value if isinstance(value, tuple) else (value,)))]
    if "step" not in made._fields or odd:
        raise ValueError(f"optimizer {info.name!r}: a class is made of a rule whose state has a step count named "
                         "step and floating-point tensors otherwise (torch's loading casts a state's tensors to the "
                         f"parameters' dtype); its state has {', '.join(made._fields)}"
                         + (f", {', '.join(odd)} not floating-point" if odd else ""))

    def __init__(self: Any, params: ParamsT, *, foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None, **unknown: Any) -> None:
        if unknown.get("convention", "torch") != "torch":
            raise TypeError(f"{type(self).__name__} has no conventions of other libraries (convention="
                            f"{unknown['convention']!r}): give its hyperparameters")
        given = {k: unknown.pop(k) for k in list(unknown) if k in info.names}
        defaults = {**info.defaults, **given, "foreach": foreach, "differentiable": differentiable, "fused": fused}
        _Adapter.__init__(self, params, defaults, unknown)

    cls = type(title, (_Adapter,), {
        "__doc__": f"{info.description} (a torch.optim-compatible class over the rule registered as {info.name!r}).",
        "__init__": __init__, "__module__": __name__, "info": info, "state_keys": per_parameter, "of_rule": True})
    return cls
