"""Optimizers: pure update rules with a run axis, a registry, and torch.optim-compatible classes.

Pure rules (one readable implementation per algorithm, equations in each docstring)::

    state = adam_init(params)
    params, state = adam_update(grads, state, params, lr=torch.tensor([1e-3, 1e-2]))  # K = 2 runs

Registry: ``get("adam")`` gives defaults, allowed ranges, state size and a description; ``register(info)`` adds an
optimizer of one's own (an :class:`OptimizerInfo` of its pure rule), which ``descend.fit`` then trains by name;
such a rule is written with the helpers descend's own use: ``per_run``, ``ema``, ``ema_sq``, ``bias_correction``,
``minus``, ``plus``, ``new_step`` and ``zeros_like``; ``optimizer_class(name)`` makes a torch.optim-compatible class
of it.
Classes: ``SGD, Momentum, Adagrad, Adadelta, RMSprop, Adam, AdamW, Adamax, NAdam, RAdam``.
Conventions: ``conventions.preset("rmsprop", "optax")``, or ``RMSprop(params, lr, convention="optax")``.
"""

from .adam import (
    AdamaxState,
    AdamState,
    NAdamState,
    RAdamState,
    adam_init,
    adam_update,
    adamax_init,
    adamax_update,
    nadam_init,
    nadam_update,
    radam_init,
    radam_update,
)
from .adaptive import (
    AdadeltaState,
    AdagradState,
    RMSpropState,
    adadelta_init,
    adadelta_update,
    adagrad_init,
    adagrad_update,
    rmsprop_init,
    rmsprop_update,
)
from .classes import (
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    Momentum,
    NAdam,
    RAdam,
    RMSprop,
    optimizer_class,
)
from ._base import Hyper, Tensors, bias_correction, ema, ema_sq, minus, new_step, per_run, plus, zeros_like
from .conventions import CONVENTIONS, preset
from .._checks import Interval
from .registry import OPTIMIZERS, Hyperparameter, OptimizerInfo, Option, available, get, register, unregister
from .sgd import (
    GDState,
    MomentumState,
    SGDState,
    gd_init,
    gd_update,
    momentum_init,
    momentum_update,
    sgd_init,
    sgd_update,
)

__all__ = [
    "CONVENTIONS", "preset", "OPTIMIZERS", "Hyperparameter", "Option", "OptimizerInfo", "Interval", "available", "get",
    "register", "unregister", "Hyper", "Tensors", "new_step", "per_run", "zeros_like", "ema", "ema_sq",
    "bias_correction", "minus", "plus", "optimizer_class",
    "SGD", "Momentum", "Adagrad", "Adadelta", "RMSprop", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
    "GDState", "MomentumState", "SGDState", "AdagradState", "AdadeltaState", "RMSpropState",
    "AdamState", "AdamaxState", "NAdamState", "RAdamState",
    "gd_init", "gd_update", "momentum_init", "momentum_update", "sgd_init", "sgd_update",
    "adagrad_init", "adagrad_update", "adadelta_init", "adadelta_update", "rmsprop_init", "rmsprop_update",
    "adam_init", "adam_update", "adamax_init", "adamax_update", "nadam_init", "nadam_update",
    "radam_init", "radam_update",
]
