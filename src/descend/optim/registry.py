"""Every optimizer by name, with its defaults, allowed ranges, state size and a one-line description.

>>> from descend.optim import get
>>> adam = get("adam")
>>> adam.defaults["lr"], adam.state_tensors(), get("amsgrad").state_tensors()
(0.001, 2, 3)
"""

from __future__ import annotations

import inspect
import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import torch
from torch import Tensor

from .._autograd import autograd_on
from .._checks import (
    dtype_name,
    NONNEGATIVE,
    UNIT,
    UNIT_OPEN,
    Interval,
    check_choice,
    check_hyperparameter,
    check_names,
    close_matches,
    run_axis_length,
)
from ..catalog import OPTIMIZERS as LISTED  # the descriptions `descend list` shows without torch
from ..catalog import RANDOM_SEARCH
from ..selection import RESULT_COLUMNS, RESULT_PREFIXES
from . import adam, adaptive, sgd


@dataclass(frozen=True)
class Hyperparameter:
    """A numeric hyperparameter: may be a number or a tensor ``[K]`` with one value per run."""

    name: str
    default: float
    allowed: Interval
    symbol: str
    description: str


@dataclass(frozen=True)
class Option:
    """A switch that selects a variant of the rule (the same for all runs)."""

    name: str
    default: object
    choices: tuple
    description: str


#: Greek letters spelt out, as a user may write a hyperparameter's symbol (see OptimizerInfo._check_symbols).
_SPELLED = {"alpha": "α", "beta": "β", "rho": "ρ", "mu": "μ", "lambda": "λ", "lambd": "λ", "epsilon": "ε",
            "tau": "τ", "gamma": "γ"}


@dataclass(frozen=True)
class OptimizerInfo:
    """What descend knows about one optimizer: its pure rule, hyperparameters and options.

    ``init`` and ``update`` are the pure rule. ``fixed`` holds the options a named variant forces
    (``amsgrad`` is ``adam`` with ``amsgrad=True``); ``init_args`` are the names ``init`` needs.
    """

    name: str
    description: str
    init: Callable[..., Any]
    update: Callable[..., Any]
    hyperparameters: tuple[Hyperparameter, ...]
    options: tuple[Option, ...]
    init_args: tuple[str, ...] = ()
    fixed: Mapping[str, object] = field(default_factory=dict)
    torch_class: str | None = None
    #: what ``descend tune`` searches by default besides ``lr`` (which it searches log-uniformly around the task's
    #: rate): the hyperparameters that change the rule's behaviour most, name → ``(low, high, log)``
    searched: Mapping[str, tuple[float, float, bool]] = field(default_factory=lambda: MappingProxyType({}))
    #: the names ``update`` takes, read once from its signature (a step inside torch.compile reads this set)
    update_args: frozenset[str] = field(init=False, repr=False, compare=False)
    #: every hyperparameter's and option's name, in order (read at every step of a torch.optim-like class)
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(h.name for h in self.hyperparameters)
                           + tuple(o.name for o in self.options))
        parameters = inspect.signature(self.update).parameters
        takes = frozenset(parameters)
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):  # update(g, s, p, **hyper)
            takes = takes | frozenset(self.names)  # takes every hyperparameter and option (none was passed)
        object.__setattr__(self, "update_args", takes)

    @property
    def defaults(self) -> dict[str, Any]:
        """Every hyperparameter and option with its default value (a fresh dict)."""
        values = {h.name: h.default for h in self.hyperparameters}
        values.update({o.name: o.default for o in self.options})
        values.update(self.fixed)
        return values

    def symbol_hint(self, name: str) -> str:
        """For a name that is not this optimizer's but spells the symbol of one of its hyperparameters (``beta``
        for RMSprop's β, which torch names ``alpha``; ``alpha`` for α, the learning rate): the words that name
        that hyperparameter, to end an error message with; ``""`` otherwise."""
        symbol = _SPELLED.get(name.lower()) if name not in self.names else None
        match = [h for h in self.hyperparameters if symbol is not None and h.symbol == symbol]
        return f"; {symbol} ({match[0].description}) is named {match[0].name!r}" if match else ""

    def configure(self, runs: int | None = None, *, group: bool = False, **given: object) -> dict[str, object]:
        """Check ``given`` hyperparameters and options; return the full keyword arguments of ``update``.

        ``runs`` is K, the length of the parameters' run axis, when they have one. Raises a
        ``ValueError`` naming the argument, its value and what is allowed. ``group=True``: a torch.optim param
        group, whose Nesterov conditions torch checks on the constructor's arguments only (a group's own
        dampening enters the buffer of ``d = g + μ·b``; its momentum 0 is plain SGD, which the class sets).
        """
        check_names(given, self.names, what=f"hyperparameter for {self.name}", hint=self.symbol_hint)
        for name, value in given.items():
            if name in self.fixed and value != self.fixed[name]:
                raise ValueError(f"{self.name} always uses {name}={self.fixed[name]!r}; it cannot be {value!r}")
        config = {**self.defaults, **given}
        for h in self.hyperparameters:
            check_hyperparameter(h.name, config[h.name], h.allowed, runs=runs)
        for o in self.options:  # a class's (group=True) as torch's: 1 and 0 are not its True and False
            check_choice(o.name, config[o.name], o.choices, strict=group)
        run_axis_length({h.name: config[h.name] for h in self.hyperparameters})  # all [K] of one length
        if self.name in _BUILT_IN and not group and config.get("nesterov"):  # SGD's Nesterov (a rule of one's
            # own may name an option nesterov for its own meaning)
            if not _all_positive(config["momentum"]) or _any_nonzero(config.get("dampening", 0.0)):
                raise ValueError("nesterov=True needs momentum > 0 and dampening = 0 (for every run)")
        return config

    def update_kwargs(self, config: Mapping[str, object]) -> dict[str, object]:
        """The part of a ``configure`` result that ``update`` takes (init-only values dropped)."""
        return {k: v for k, v in config.items() if k in self.update_args}

    def init_state(self, params: Sequence[Tensor], config: Mapping[str, object]) -> Any:
        """``init(params)`` with the options it needs taken from ``config``."""
        return self.init(params, **{name: config[name] for name in self.init_args})

    def state_tensors(self, **given: object) -> int:
        """How many tensors of a parameter's shape the state keeps per parameter (its memory)."""
        config = self.configure(**given)
        state = self.init_state((torch.zeros(()),), config)
        return sum(len(f) for f in state if isinstance(f, tuple))


def _all_positive(x: object) -> bool:
    return bool((torch.as_tensor(x) > 0).all())


def _any_nonzero(x: object) -> bool:
    return bool((torch.as_tensor(x) != 0).any())


def _lr(default: float) -> Hyperparameter:
    return Hyperparameter("lr", default, NONNEGATIVE, "α", "learning rate (step size)")


_WD = Hyperparameter("weight_decay", 0.0, NONNEGATIVE, "λ", "weight decay: adds λ·w to the gradient (L2)")
_MAXIMIZE = Option("maximize", False, (False, True), "follow +g: maximize the objective")


def _eps(default: float) -> Hyperparameter:
    """ε ≥ 0, as torch.optim accepts (ε = 0 may divide by zero, which is the caller's choice, as in torch)."""
    return Hyperparameter("eps", default, NONNEGATIVE, "ε", "added to the denominator for numerical stability")


#: optax's eps_root: added inside the square root (Adam, NAdam, RAdam), 0 in torch and Keras.
_EPS_ROOT = Hyperparameter("eps_root", 0.0, NONNEGATIVE, "ε̄", "added inside the root: √(ŝ + ε̄) (optax's eps_root)")
_LR_IN_BUFFER = Option(
    "lr_in_buffer", False, (False, True), "momentum buffer accumulates α·step (optax/Keras) instead of the step (torch)"
)


def _betas() -> tuple[Hyperparameter, Hyperparameter]:
    return (
        Hyperparameter("beta1", 0.9, UNIT_OPEN, "β₁", "decay of the first-moment EMA v"),
        Hyperparameter("beta2", 0.999, UNIT_OPEN, "β₂", "decay of the second-moment EMA s"),
    )


_EPS_MODE = Option("eps_mode", "outside", ("outside", "inside"), "ε outside the root (torch) or inside (optax/Keras)")
_DECOUPLED = Option("decoupled_weight_decay", False, (False, True), "AdamW-style decay w ← w(1 − αλ)")

_ADAM_HYPER = (_lr(1e-3), *_betas(), _eps(1e-8), _WD, _EPS_ROOT)
_ADAM_OPTIONS = (
    Option("amsgrad", False, (False, True), "divide by the running maximum of the second moment"),
    _DECOUPLED,
    _MAXIMIZE,
    Option("eps_mode", "outside", ("outside", "inside", "uncorrected"), "√ŝ+ε (torch), √(ŝ+ε), or Keras's √s+ε"),
    Option("amsgrad_max", "raw", ("raw", "corrected"), "AMSGrad max over raw s (torch) or ŝ (optax)"),
)
#: The default search (``OptimizerInfo.searched``) of the Adam family.
_SEARCH_BETA1 = MappingProxyType({"beta1": (0.5, 0.99, False)})
_MOMENTUM = Hyperparameter("momentum", 0.0, NONNEGATIVE, "μ", "heavy-ball momentum factor")
_SGD_HYPER = (_lr(1e-3), _MOMENTUM, Hyperparameter("dampening", 0.0, UNIT, "τ", "dampening of the buffer"), _WD)
_NESTEROV = Option("nesterov", False, (False, True), "Nesterov momentum (NAG)")
_SGD_OPTIONS = (_NESTEROV, _MAXIMIZE, _LR_IN_BUFFER)


def _with_default(hypers: tuple[Hyperparameter, ...], **defaults: float) -> tuple[Hyperparameter, ...]:
    return tuple(
        Hyperparameter(h.name, defaults[h.name], h.allowed, h.symbol, h.description) if h.name in defaults else h
        for h in hypers
    )


_ALL = (
    OptimizerInfo(
        "gd",
        LISTED["gd"].description,
        sgd.gd_init,
        sgd.gd_update,
        (_lr(1e-2), _WD),
        (_MAXIMIZE,),
    ),
    OptimizerInfo(
        "momentum",
        LISTED["momentum"].description,
        sgd.momentum_init,
        sgd.momentum_update,
        (_lr(1e-2), Hyperparameter("beta", 0.9, UNIT_OPEN, "β", "decay of the velocity EMA"), _WD),
        (Option("bias_correction", False, (False, True), "divide v by 1 − βᵗ"), _MAXIMIZE),
        searched=MappingProxyType({"beta": (0.5, 0.99, False)}),
    ),
    OptimizerInfo(
        "sgd",
        LISTED["sgd"].description,
        sgd.sgd_init,
        sgd.sgd_update,
        _SGD_HYPER,
        _SGD_OPTIONS,
        init_args=("momentum",),
        torch_class="SGD",
        searched=MappingProxyType({"momentum": (0.0, 0.99, False)}),
    ),
    OptimizerInfo(
        "nesterov",
        LISTED["nesterov"].description,
        sgd.sgd_init,
        sgd.sgd_update,
        _with_default(_SGD_HYPER, momentum=0.9),
        _SGD_OPTIONS,
        init_args=("momentum",),
        fixed=MappingProxyType({"nesterov": True}),
        torch_class="SGD",
        searched=MappingProxyType({"momentum": (0.5, 0.99, False)}),
    ),
    OptimizerInfo(
        "adagrad",
        LISTED["adagrad"].description,
        adaptive.adagrad_init,
        adaptive.adagrad_update,
        (
            _lr(1e-2),
            Hyperparameter("lr_decay", 0.0, NONNEGATIVE, "", "α/(1 + (t−1)·lr_decay)"),
            _eps(1e-10),
            _WD,
            Hyperparameter("initial_accumulator_value", 0.0, NONNEGATIVE, "s₀", "starting value of s"),
        ),
        (_EPS_MODE, _MAXIMIZE),
        init_args=("initial_accumulator_value",),
        torch_class="Adagrad",
    ),
    OptimizerInfo(
        "adadelta",
        LISTED["adadelta"].description,
        adaptive.adadelta_init,
        adaptive.adadelta_update,
        (_lr(1.0), Hyperparameter("rho", 0.9, UNIT, "ρ", "decay of both running averages"), _eps(1e-6), _WD),
        (_MAXIMIZE,),
        torch_class="Adadelta",
        searched=MappingProxyType({"rho": (0.8, 0.99, False)}),
    ),
    OptimizerInfo(
        "rmsprop",
        LISTED["rmsprop"].description,
        adaptive.rmsprop_init,
        adaptive.rmsprop_update,
        (
            _lr(1e-2),
            Hyperparameter("alpha", 0.99, UNIT, "β", "decay of the squared-gradient EMA s"),
            _eps(1e-8),
            _WD,
            _MOMENTUM,
            Hyperparameter("initial_scale", 0.0, NONNEGATIVE, "s₀", "starting value of s"),
        ),
        (
            Option("centered", False, (False, True), "divide by the running variance instead"),
            _EPS_MODE,
            _MAXIMIZE,
            _NESTEROV,
            Option("bias_correction", False, (False, True), "divide s (and ḡ) by 1 − βᵗ"),
            _LR_IN_BUFFER,
        ),
        init_args=("momentum", "centered", "initial_scale"),
        torch_class="RMSprop",
        searched=MappingProxyType({"alpha": (0.9, 0.999, False)}),
    ),
    OptimizerInfo(
        "adam",
        LISTED["adam"].description,
        adam.adam_init,
        adam.adam_update,
        _ADAM_HYPER,
        _ADAM_OPTIONS,
        init_args=("amsgrad",),
        torch_class="Adam",
        searched=_SEARCH_BETA1,
    ),
    OptimizerInfo(
        "amsgrad",
        LISTED["amsgrad"].description,
        adam.adam_init,
        adam.adam_update,
        _ADAM_HYPER,
        _ADAM_OPTIONS,
        init_args=("amsgrad",),
        fixed=MappingProxyType({"amsgrad": True}),
        torch_class="Adam",
        searched=_SEARCH_BETA1,
    ),
    OptimizerInfo(
        "adamw",
        LISTED["adamw"].description,
        adam.adam_init,
        adam.adam_update,
        _with_default(_ADAM_HYPER, weight_decay=1e-2),
        _ADAM_OPTIONS,
        init_args=("amsgrad",),
        fixed=MappingProxyType({"decoupled_weight_decay": True}),
        torch_class="AdamW",
        searched=MappingProxyType({"beta1": (0.5, 0.99, False), "weight_decay": (1e-5, 1e-1, True)}),
    ),
    OptimizerInfo(
        "adamax",
        LISTED["adamax"].description,
        adam.adamax_init,
        adam.adamax_update,
        (_lr(2e-3), *_betas(), _eps(1e-8), _WD),
        (
            _MAXIMIZE,
            Option("eps_mode", "inside", ("inside", "outside"), "ε inside the max (torch, optax) or added to u (Keras)"),
        ),
        torch_class="Adamax",
        searched=_SEARCH_BETA1,
    ),
    OptimizerInfo(
        "nadam",
        LISTED["nadam"].description,
        adam.nadam_init,
        adam.nadam_update,
        (
            _lr(2e-3),
            *_betas(),
            _eps(1e-8),
            _WD,
            Hyperparameter("momentum_decay", 4e-3, NONNEGATIVE, "ψ", "speed of the momentum schedule μₜ"),
            _EPS_ROOT,
        ),
        (
            _DECOUPLED,
            _MAXIMIZE,
            Option("momentum_schedule", True, (True, False), "μₜ = β₁(1 − ½·0.96^(tψ)) (torch) or μₜ = β₁ (optax)"),
        ),
        torch_class="NAdam",
        searched=_SEARCH_BETA1,
    ),
    OptimizerInfo(
        "radam",
        LISTED["radam"].description,
        adam.radam_init,
        adam.radam_update,
        (_lr(1e-3), *_betas(), _eps(1e-8), _WD, _EPS_ROOT),
        (
            _DECOUPLED,
            _MAXIMIZE,
            Option("eps_mode", "uncorrected", ("uncorrected", "outside"), "ε on √s (torch) or on √ŝ (optax)"),
            Option("threshold_inclusive", False, (False, True), "rectify from ρₜ ≥ 5 (optax) instead of ρₜ > 5"),
        ),
        torch_class="RAdam",
        searched=_SEARCH_BETA1,
    ),
)

_REGISTRY: dict[str, OptimizerInfo] = {info.name: info for info in _ALL}
_BUILT_IN = frozenset(_REGISTRY)

#: Every optimizer by name: descend's own, then those added with :func:`register` (a read-only view).
OPTIMIZERS: Mapping[str, OptimizerInfo] = MappingProxyType(_REGISTRY)


@autograd_on  # (its trial steps read the version counters of tensors, which an inference tensor does not have)
def register(info: OptimizerInfo, *, replace: bool = False) -> OptimizerInfo:
    """Add an optimizer of one's own to the registry, so that ``descend.fit``, the engine, ``descend.tune`` and
    :func:`descend.compare.compare` train it by name beside descend's own, on the same batches and starts.

    ``info`` is an :class:`OptimizerInfo`: a lower-case ``name`` (letters, digits, ``-``), a one-line
    ``description``, the pure rule ``init(params) -> state`` and ``update(grads, state, params, **hyper) ->
    (params, state)`` (a state a NamedTuple whose fields are tensors or tuples of tensors, ``step`` first, as
    descend's own rules: see :func:`descend.optim.sgd.momentum_update`), and its hyperparameters, ``lr`` among
    them, with their defaults and allowed ranges (:class:`Hyperparameter`, ``descend.optim.Interval``). The
    rule must take each hyperparameter as a number or a ``[K]`` tensor, one value per run (the run axis:
    ``descend.optim._base.per_run``). It is tried once on two runs of a small parameter before it is added, so
    that a rule that cannot work is refused here, with its own error. A name of descend's own is refused;
    another registered one is replaced only with ``replace=True``. Returns ``info``; :func:`unregister` takes
    it out. The registry lives in the process: register in each process that trains (on the command line,
    ``--plugin FILE.py`` imports a file that registers it).
    """
    if not isinstance(info, OptimizerInfo):
        raise TypeError(f"register() takes a descend.optim.OptimizerInfo, not {type(info).__name__}")
    name = info.name
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise ValueError(f"optimizer name {name!r}: use lower-case letters, digits and '-', starting with a letter")
    if name in _BUILT_IN or name == RANDOM_SEARCH[0]:  # random search is the engine's own, found before the registry
        raise ValueError(f"{name!r} is one of descend's own optimizers; register yours under another name")
    if name in _REGISTRY and not replace:
        raise ValueError(f"an optimizer {name!r} is registered already; give replace=True to replace it")
    if "lr" not in {h.name for h in info.hyperparameters}:
        raise ValueError(f"optimizer {name!r} has no hyperparameter 'lr': every optimizer takes a learning rate")
    for h in info.hyperparameters:  # (the checks of every value read it: a tuple failed as "the rule failed")
        if not isinstance(h.allowed, Interval):
            raise ValueError(f"optimizer {name!r}: hyperparameter {h.name!r} has allowed={h.allowed!r}; give a "
                             "descend.optim.Interval, e.g. Interval(0, 1, closed_high=False) for [0, 1)")
    if len(set(info.names)) != len(info.names):
        raise ValueError(f"optimizer {name!r} names a hyperparameter or option twice: {list(info.names)}")
    _check_own_names(info)
    _check_searched(info)
    try:  # the rule on two runs of a [2, 3] parameter, each hyperparameter at its default
        config = info.configure(runs=2)
        params = (torch.zeros(2, 3, dtype=torch.float64),)
        state = info.init_state(params, config)
        new, after = info.update((torch.ones(2, 3, dtype=torch.float64),), state, params, **info.update_kwargs(config))
        if type(new) is type(state) and type(after) is not type(state):  # the pair the other way round
            raise ValueError("update returned (state, params); it returns (params, state), the new parameters first")
        if len(new) != 1 or tuple(new[0].shape) != (2, 3):
            raise ValueError(f"update returned parameters of shapes {[tuple(p.shape) for p in new]} for one "
                             "parameter of shape (2, 3)")
    except Exception as e:  # noqa: BLE001 - the rule's own error, named
        raise ValueError(f"optimizer {name!r} cannot be trained: its rule failed on a first step "
                         f"({type(e).__name__}: {e})") from None
    _check_as_trained(info)
    _REGISTRY[name] = info
    _VERSIONS[name] = next(_REGISTRATIONS)
    return info


_VERSIONS: dict[str, int] = {}
_REGISTRATIONS = itertools.count(1)


def version(name: str) -> int:
    """Which registration of ``name`` is in the registry (0 for descend's own optimizers): a compiled program holds
    the rule as it was traced, with the helpers and module constants it read then, and is keyed by this too, so
    that registering a rule again (``replace=True``) after changing them traces it again."""
    return _VERSIONS.get(name, 0)


#: ``descend.fit``'s own arguments (``lr`` and ``hyperparameters`` aside), named here because this module is below
#: it (a plugin imports descend.optim alone); tests/optim/test_register.py checks them against fit's signature.
FIT_ARGUMENTS = frozenset({
    "batch_size", "clip_norm", "clip_value", "compile", "data", "drop_last", "dtype", "epochs", "eval_every", "loss",
    "model", "monitor", "optimizer", "progress", "record_grad_norms", "record_path", "runs", "schedules", "seed",
    "split_seed", "standardize", "standardize_target", "start", "steps", "stop", "stop_at_target", "target", "task",
    "test", "validation",
})
#: The columns of ``descend tune``'s trials table besides the searched parameters, in its order
#: (descend.tune.result.trials_frame puts the parameters after the value and, in an accuracy search, its loss).
TRIAL_ORDER = ("optimizer", "number", "state", "value", "loss", "seed", "status", "steps", "role", "retry_of",
               "seconds")
TRIAL_COLUMNS = frozenset(TRIAL_ORDER)
#: The columns of ``descend tune``'s table of best configurations (``table.csv``) besides the configuration's that
#: a hyperparameter could be named (descend.tune.result.final_table; its other columns have spaces in their names).
TABLE_COLUMNS = frozenset({"trial", "seeds"})
#: The keys of ``descend tune --space`` besides the hyperparameters (descend.tune.space.SCHEDULE; batch_size is
#: fit's): a hyperparameter of that name would be read as the searched schedule.
SPACE_KEYS = frozenset({"schedule"})
#: The torch.optim-compatible classes' own arguments and param-group keys (:func:`descend.optim.optimizer_class`
#: makes a class of a registered rule): a class took a hyperparameter named fused as its switch and ran the rule at
#: its default; ``betas`` is read as ``(beta1, beta2)`` by the classes and ``descend.fit``. The classes take the
#: others as theirs (``descend.optim.classes._IGNORED``).
CLASS_ARGUMENTS = frozenset({"betas", "capturable", "convention", "differentiable", "foreach", "fused", "param_names",
                             "params"})
#: Names a registered optimizer's hyperparameter or option cannot take: the summary's columns that are not
#: configuration, ``descend.fit``'s arguments, the tune tables' columns and its space's keys, and the classes'
#: arguments, where it would be read as theirs; and none may start with :data:`descend.selection.RESULT_PREFIXES` (a
#: summary column read as a result).
RESERVED: frozenset[str] = RESULT_COLUMNS | FIT_ARGUMENTS | TRIAL_COLUMNS | TABLE_COLUMNS | SPACE_KEYS | CLASS_ARGUMENTS


def _check_searched(info: OptimizerInfo) -> None:
    """What ``descend tune`` searches by default (``info.searched``): hyperparameters of the rule other than ``lr``,
    each ``(low, high, log)`` with finite ``low < high`` inside its allowed range (``low > 0`` on a log scale)."""
    numeric = {h.name: h.allowed for h in info.hyperparameters}
    for name, bounds in dict(info.searched).items():
        where = f"optimizer {info.name!r}: searched[{name!r}]"
        if name == "lr":
            raise ValueError(f"{where}: lr is always searched (log-uniformly around the task's rate); leave it out")
        if name not in numeric:
            others = ", ".join(n for n in numeric if n != "lr") or "none but lr"
            raise ValueError(f"{where}: not one of its hyperparameters ({others})")
        try:
            low, high, log = bounds
            low, high = float(low), float(high)
        except (TypeError, ValueError):
            raise ValueError(f"{where} = {bounds!r}: give (low, high, log), e.g. (0.5, 0.99, False)") from None
        if not isinstance(log, bool):
            raise ValueError(f"{where}: log = {log!r}, give True (a log scale) or False")
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"{where}: {low:g}..{high:g}; give finite low < high")
        if log and low <= 0:
            raise ValueError(f"{where}: {low:g}..{high:g} on a log scale needs low > 0")
        if not (numeric[name].contains(low) and numeric[name].contains(high)):
            raise ValueError(f"{where}: {low:g}..{high:g} is not inside {name}'s allowed range {numeric[name]}")


def _check_own_names(info: OptimizerInfo) -> None:
    """Every hyperparameter and option is one the rule takes (``update``'s keyword or ``init_args``), and none is
    a name of ``descend.fit``, of the summary or of the classes (:data:`RESERVED`), where it would be read as theirs."""
    unspellable = [n for n in info.names if not (isinstance(n, str) and n.isidentifier())]
    if unspellable:
        raise ValueError(f"optimizer {info.name!r}: {', '.join(map(repr, unspellable))} cannot be written on the "
                         "command line (-o NAME:KEY=VALUE, --space KEY=...): name a hyperparameter or option with "
                         "letters, digits and '_', not starting with a digit")
    taken = [n for n in info.names if n in RESERVED]
    if taken:
        raise ValueError(f"optimizer {info.name!r}: {', '.join(map(repr, taken))} is a name descend.fit, the summary, "
                         "descend tune's tables or the optimizer classes use already (a batch size, a seed, a step "
                         "budget, a result, a trial's value, a searched schedule, a class's fused or betas); name the "
                         "hyperparameter otherwise")
    prefixed = [n for n in info.names if n.startswith(RESULT_PREFIXES)]
    if prefixed:
        raise ValueError(f"optimizer {info.name!r}: {', '.join(map(repr, prefixed))} starts with "
                         f"{' or '.join(map(repr, RESULT_PREFIXES))}, which marks the summary's results (final_train_loss, "
                         "...): its column would not be read as part of a configuration; name the hyperparameter "
                         "otherwise (e.g. 'lr_final' for 'final_lr')")
    parameters = inspect.signature(info.update).parameters.values()
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        unused = [n for n in info.names if n not in info.update_args and n not in info.init_args]
        if unused:
            raise ValueError(f"optimizer {info.name!r} declares {', '.join(map(repr, unused))} but its update does not "
                             "take it (nor does init, through init_args): its value would change nothing")


def _check_as_trained(info: OptimizerInfo) -> None:
    """The rule as the engine calls it: one flat ``[K, n]`` tensor of float32 parameters per cohort, each
    hyperparameter a number or a ``[K]`` tensor of the runs' values. Its state must be a NamedTuple; the new
    parameters keep their dtype; the rule changes none of its inputs, hyperparameters included; and it must treat
    every number alike, each run's and each element's apart from the others (elementwise), since the engine updates
    a run's parameters as one vector: a rule that takes a norm per parameter tensor or per run (LARS, LAMB) would
    get other numbers there than in a loop over its tensors, so it is refused here rather than trained wrong. That
    is tried at the defaults and again with every hyperparameter inside its range (:func:`_inside`), where a weight
    whose default 0 switches a norm off switches it on."""
    name, k, n = info.name, 2, 6
    g = torch.Generator().manual_seed(0)
    w = torch.randn(k, n, generator=g, dtype=torch.float64)
    grad = torch.randn(k, n, generator=g, dtype=torch.float64)

    def step(params: tuple[Tensor, ...], grads: tuple[Tensor, ...], runs: int, hyper: Mapping[str, object]):
        config = info.configure(runs=runs, **hyper)
        state = info.init_state(params, config)
        if not (isinstance(state, tuple) and hasattr(state, "_fields")):
            raise ValueError(f"init returned a {type(state).__name__}; the state must be a NamedTuple (fields of "
                             "tensors or tuples of tensors, as descend.optim.sgd.MomentumState)")
        # two steps: a rule that couples the runs through its state (a norm of the last gradient over all of
        # them) shows only once the state holds something
        for _ in range(2):
            kwargs = info.update_kwargs(config)
            inputs = [*params, *grads, *_tensors(state)]
            hypers = {key: value for key, value in kwargs.items() if isinstance(value, Tensor)}
            # the values too: `w.data.sub_(...)` changes w through a tensor with a version counter of its own
            before = [(t._version, t.clone()) for t in [*inputs, *hypers.values()]]
            new, after = info.update(grads, state, params, **kwargs)
            changed = [key for key, t, (version, copy) in zip(hypers, hypers.values(), before[len(inputs):])
                       if _changed(t, version, copy)]
            if changed:  # the engine passes the same [K] tensors at every step: the change would compound
                raise ValueError(f"update changed its hyperparameter {changed[0]!r} in place ({changed[0]} *= ...): "
                                 "a [K] tensor hyperparameter is the runs' own, given again at every step; write "
                                 f"{changed[0]} = {changed[0]} * ... (a new tensor)")
            if any(_changed(t, version, copy) for t, (version, copy) in zip(inputs, before)):
                raise ValueError("update changed its inputs in place (w.sub_(...), w.data.sub_(...), m.mul_(...)): "
                                 "a rule must be pure and return new tensors (w - lr * d, not w.sub_(lr * d)); the "
                                 "engine reads the inputs after the step (a recorded path, a compiled program)")
            _check_state(state, after)
            shapes = [tuple(p.shape) for p in new]
            if shapes != [tuple(p.shape) for p in params]:
                raise ValueError(f"update returned parameters of shapes {shapes} for parameters of shapes "
                                 f"{[tuple(p.shape) for p in params]}")
            params, state = tuple(new), after
        return params

    def runs_of(values: Mapping[str, float], runs: int = k) -> dict[str, Tensor]:  # each value a [K] tensor
        return {key: torch.tensor([float(v)] * runs, dtype=torch.float64) for key, v in values.items()}

    def trials(values: Mapping[str, float], numbers: Mapping[str, float]) -> tuple[tuple[Tensor, ...], ...]:
        """The step whole, in two parts, and on one run alone with its hyperparameters as ``numbers`` (the engine
        gives a number where every run has the same value; at the defaults, none at all)."""
        return (step((w,), (grad,), k, runs_of(values)),
                step((w[:, :2], w[:, 2:]), (grad[:, :2], grad[:, 2:]), k, runs_of(values)),
                step((w[:1],), (grad[:1],), 1, numbers))

    def as_tensors(values: Mapping[str, float], whole: Tensor) -> bool:
        """Whether the run alone with its hyperparameters as ``[1]`` tensors is the run of ``whole``."""
        try:
            return _close(whole[:1], step((w[:1],), (grad[:1],), 1, runs_of(values, 1))[0])
        except Exception:  # noqa: BLE001 - then it is not
            return False

    numeric = [h for h in info.hyperparameters
               if isinstance(h.default, (int, float)) and not isinstance(h.default, bool)]
    defaults = {h.name: h.default for h in numeric}
    inside = {h.name: _inside(h) for h in numeric}
    at = ""
    try:
        at_defaults = trials(defaults, {})
        single = step((w.float(),), (grad.float(),), k, runs_of(defaults))
        tried = [(at_defaults, defaults, "")]
        if inside != defaults:  # (a rate alone keeps its default: tried already)
            at = ", ".join(f"{key}={value:g}" for key, value in inside.items())
            tried.append((trials(inside, inside), inside, f" (at {at})"))
    except Exception as e:  # noqa: BLE001 - the rule's own error, named
        raise ValueError(f"optimizer {name!r} cannot be trained: its rule failed on a step as the engine takes it "
                         f"(two runs, each hyperparameter a [K] tensor of the runs' values: descend.optim._base."
                         f"per_run{'; at ' + at if at else ''}; {type(e).__name__}: {e})") from None
    if single[0].dtype != torch.float32:
        raise ValueError(f"optimizer {name!r}: float32 parameters came back as {single[0].dtype}; a [K] tensor "
                         "hyperparameter must take the parameters' dtype (descend.optim._base.per_run does)")
    if not all(bool(torch.isfinite(p).all()) for trial in at_defaults for p in trial):
        raise ValueError(f"optimizer {name!r}: its rule returned NaN or inf on a first step (random parameters and "
                         "gradients, each hyperparameter at its default): check its arithmetic there (a division "
                         "by a state that starts at 0, a square root of a negative number)")
    for (whole, parts, alone), values, where in tried:
        if not _close(whole[0], torch.cat([parts[0], parts[1]], dim=1)):
            raise ValueError(_NOT_ELEMENTWISE.format(name=name, differs="in two parts" + where))
        if not _close(whole[0][:1], alone[0]):
            if as_tensors(values, whole[0]):  # the run alone is the same with [1] tensors: numbers compute otherwise
                raise ValueError(
                    f"optimizer {name!r} computes otherwise with its hyperparameters as numbers than as [K] tensors "
                    f"(one value per run){where}, so a run's numbers would depend on whether the runs beside it "
                    "share its values: e.g. a step count kept as int64 makes 0.9 ** step float32 but a [K] tensor "
                    "β's float64 (keep it float64, as descend.optim.new_step makes it)")
            raise ValueError(_NOT_ELEMENTWISE.format(name=name, differs="on one run alone from the same run beside "
                                                                        "another" + where))


#: The refusal of a rule whose numbers are not each updated apart (the step compared to the same step taken whole).
_NOT_ELEMENTWISE = (
    "optimizer {name!r} does not treat each number apart: its step on a run's parameters as one tensor differs from "
    "its step on them {differs}. descend updates all of a run's parameters as one vector, so only an elementwise "
    "rule trains right (a norm per parameter tensor, as LARS or LAMB take, is not supported)")


def _inside(h: Hyperparameter) -> float:
    """A value of ``h`` inside its allowed range, where a rule is tried besides its default: the middle of a
    bounded range (a weight in [0, 1] whose default 0 or 1 leaves out a part of the rule takes it in); the default
    of a range open on a side (a learning rate keeps its scale), unless it is 0 or at the range's end: then one
    further in."""
    low, high = h.allowed.low, h.allowed.high
    if math.isfinite(low) and math.isfinite(high):
        return (low + high) / 2
    value = float(h.default)
    if value != 0 and value != low and value != high:
        return value
    return low + 1 if math.isfinite(low) else high - 1 if math.isfinite(high) else 1.0


def _close(a: Tensor, b: Tensor) -> bool:
    """The same numbers to round-off: a vectorised kernel and its scalar tail may round a transcendental function
    apart by an ulp, where a norm per tensor or per run moves every number by far more (NaN where the other has
    NaN: a range's far value may overflow in two steps)."""
    return torch.allclose(a, b, rtol=1e-10, atol=1e-12, equal_nan=True)


def _changed(t: Tensor, version: int, copy: Tensor) -> bool:
    """Whether ``t`` was changed since its ``version`` and ``copy`` were taken: its version counter moved, or its
    values did (through ``t.data``, whose version counter is its own), NaN where NaN was unchanged."""
    if t._version != version:
        return True
    if t.shape != copy.shape or t.dtype != copy.dtype:
        return True
    return not (torch.equal(t, copy) or t.is_floating_point() and bool(((t == copy) | t.isnan() & copy.isnan()).all()))


def _check_state(made: Any, returned: Any) -> None:
    """The state ``update`` returns is the kind ``init`` made: the same NamedTuple, a tensor where it held a tensor,
    a tuple of as many tensors where it held a tuple (the engine keeps it between steps field by field)."""
    for name, value in zip(made._fields, made):
        if not (isinstance(value, Tensor) or isinstance(value, tuple) and all(isinstance(t, Tensor) for t in value)):
            raise ValueError(f"init made {name} a {type(value).__name__}; each field of the state must be a tensor "
                             "or a tuple of tensors (one per parameter)")
    if type(returned) is not type(made):
        raise ValueError(f"update returned a {type(returned).__name__} state; it must return the state init made "
                         f"({type(made).__name__}), with its new values")
    for name, before, after in zip(made._fields, made, returned):
        if isinstance(before, Tensor) and not isinstance(after, Tensor):
            raise ValueError(f"update returned {name}={after!r}; it must be a tensor, as init made it")
        if isinstance(before, tuple) and not (isinstance(after, tuple) and len(after) == len(before)
                                              and all(isinstance(t, Tensor) for t in after)):
            raise ValueError(f"update returned {name} as a {type(after).__name__}; it must be a tuple of "
                             f"{len(before)} tensor(s), as init made it")
        for old, new in zip(before if isinstance(before, tuple) else (before,),
                            after if isinstance(after, tuple) else (after,)):
            if new.dtype != old.dtype:  # a compiled step reads the state as the dtype it was traced with
                raise ValueError(f"update returned {name} in {dtype_name(new.dtype)} where init made "
                                 f"it {dtype_name(old.dtype)}: a state keeps its dtype (a [K] "
                                 "hyperparameter meeting it must take its dtype: descend.optim.per_run(value, "
                                 "tensor) does)")


def _tensors(state: Any) -> list[Tensor]:
    """Every tensor of a state, its tuples' included."""
    return [t for field_ in state for t in (field_ if isinstance(field_, tuple) else (field_,))
            if isinstance(t, Tensor)]


def rule_digest(name: str) -> str:
    """For an optimizer added with :func:`register`: a digest of its rule (the source of the module of ``init``
    and of ``update``, the helpers and constants they call included; its hyperparameters and options), so that a search resumed after the rule was edited can tell; ``""`` for
    descend's own (their rules come with descend's version)."""
    import hashlib

    info = get(name)
    if info.name in _BUILT_IN:
        return ""
    parts = []
    for function in (info.init, info.update):
        try:
            # the whole module (a plugin file): the helpers and constants the rule calls are part of it
            module = inspect.getmodule(function)
            parts.append(inspect.getsource(module) if module is not None else inspect.getsource(function))
        except (OSError, TypeError):  # defined where no source is kept (an interactive session): its code
            code = getattr(function, "__code__", None)
            parts.append(repr(code.co_code + repr(code.co_consts).encode()) if code is not None else repr(function))
    parts.append(repr((info.hyperparameters, info.options, info.init_args, dict(info.fixed))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def rule_origin(name: str) -> str:
    """Where the rule of the optimizer ``name`` comes from, as a message names it: ``"descend's own"``, or for one
    added with :func:`register` the file of the module that defines its ``update`` (a ``--plugin`` file), else
    that module's name."""
    import sys

    info = get(name)
    if info.name in _BUILT_IN:
        return "descend's own"
    module_name = getattr(info.update, "__module__", None) or ""
    where = getattr(sys.modules.get(module_name), "__file__", None)
    if isinstance(where, str):
        return f"registered by {where}"
    return f"registered by module {module_name}" if module_name else "registered in this process"


def unregister(name: str) -> None:
    """Take an optimizer added with :func:`register` out of the registry (descend's own stay)."""
    if name in _BUILT_IN:
        raise ValueError(f"{name!r} is one of descend's own optimizers; only registered ones can be taken out")
    if name not in _REGISTRY:
        raise ValueError(f"no registered optimizer {name!r} (registered: {', '.join(available(own=False)) or 'none'})")
    del _REGISTRY[name]


def get(name: str) -> OptimizerInfo:
    """The optimizer called ``name`` (case-insensitive); a ValueError lists the close matches."""
    if not isinstance(name, str):
        raise ValueError(f"optimizer {name!r} must be a name such as 'adam' (descend.optim.available() lists them)")
    key = name.lower().replace("_", "-")
    parts = [p.strip() for p in key.split(",")]
    if len(parts) > 1 and all(p in OPTIMIZERS or p == RANDOM_SEARCH[0] for p in parts):  # as --lr lists its rates
        raise ValueError(f"{name!r} names {len(parts)} optimizers; give each on its own (on the command line: "
                         + " ".join(f"-o {p}" for p in parts) + ")")
    head, colon, rest = key.partition(":")
    if colon and head.strip() in OPTIMIZERS:  # the command line's and descend.tune's NAME:KEY=VALUE (sgd:momentum=0.9
        # was told "did you mean 'momentum'?", another optimizer)
        pairs = ", ".join(p.strip() for p in rest.split(",") if p.strip())
        raise ValueError(f"{name!r}: give the optimizer by its name and its hyperparameters as keywords, "
                         f"optimizer={head.strip()!r}{', ' + pairs if pairs else ''} (NAME:KEY=VALUE is the command "
                         "line's and descend.tune's)")
    if key not in OPTIMIZERS:  # random search is taken where optimizers are trained (fit, compare, tune), not here
        if key == RANDOM_SEARCH[0]:
            raise ValueError(f"{name!r} is the gradient-free baseline, which has no update rule here: descend.fit "
                             "and descend compare train it")
        raise ValueError(unknown(name))
    return OPTIMIZERS[key]


def unknown(name: str, *, random_search: bool = True) -> str:
    """The refusal of an optimizer name that is none: the close matches and the names there are, random search
    among them where runs are trained (``random_search=False``: a search, which has nothing of it to tune)."""
    key = name.strip().lower().replace("_", "-")
    names = [*OPTIMIZERS, *([RANDOM_SEARCH[0]] if random_search else [])]
    return (f"unknown optimizer {name!r}{close_matches(key, names)} (available: {', '.join(OPTIMIZERS)}"
            + (f", and {RANDOM_SEARCH[0]} where runs are trained" if random_search else "")
            + "; one of your own: descend.optim.register, or --plugin FILE.py on the command line)")


def available(*, own: bool = True) -> list[str]:
    """The optimizers' names: descend's own and the registered ones (``own=False``: the registered ones only)."""
    return [n for n in OPTIMIZERS if own or n not in _BUILT_IN]
