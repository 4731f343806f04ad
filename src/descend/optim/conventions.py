"""Other libraries' conventions as presets: one argument to make a descend rule equal optax's or Keras's.

descend's defaults and switches are torch.optim 2.13's. :func:`preset` returns the hyperparameters and
options (by the registry's names: ``beta1``/``beta2``, not ``betas``) that make descend's rule equal the
optimizer of the same name in that library, at that library's defaults::

    >>> from descend.optim import get
    >>> from descend.optim.conventions import preset
    >>> settings = preset("rmsprop", "optax")
    >>> settings["alpha"], settings["eps_mode"], settings["lr_in_buffer"]
    (0.9, 'inside', True)
    >>> config = get("rmsprop").configure(**{**settings, "lr": 0.01})  # optax.rmsprop(0.01)

A preset holds every hyperparameter and option of the registry entry, including the values ``init``
needs (Adagrad's ``initial_accumulator_value``, RMSprop's ``initial_scale``), except:

- ``lr`` in the optax presets: optax has no default learning rate (it is a required argument; adadelta's
  ``learning_rate=None`` applies no step at all, not even the minus sign, so optax's default adadelta
  climbs). Give ``lr`` yourself. Keras's defaults (and torch's) include ``lr``;
- the options a named variant fixes (``amsgrad`` is ``adam`` with ``amsgrad=True``).

What each preset changes from descend's (torch's) defaults; "—" is no change, "no" raises ValueError:

==========  ====================================================  ==========================================
optimizer   optax 0.2.8                                           Keras 3
==========  ====================================================  ==========================================
gd          —                                                     lr=0.01 (descend's gd default too)
sgd         —                                                     lr=0.01, lr_in_buffer=True
nesterov    — (optax.sgd(momentum=0.9, nesterov=True))            lr=0.01, lr_in_buffer=True
momentum    no (the seeds' EMA form is descend's own)             no
adagrad     initial_accumulator_value=0.1, eps=1e-7,              lr=0.001, initial_accumulator_value=0.1,
            eps_mode="inside"                                     eps=1e-7, eps_mode="inside"
adadelta    — (pass lr: optax's default applies none)             lr=0.001, rho=0.95, eps=1e-7
rmsprop     alpha=0.9, eps_mode="inside", lr_in_buffer=True       lr=0.001, alpha=0.9, eps=1e-7,
                                                                  eps_mode="inside", lr_in_buffer=True
adam        —                                                     eps=1e-7, eps_mode="uncorrected"
amsgrad     amsgrad_max="corrected"                               eps=1e-7, eps_mode="uncorrected"
adamw       weight_decay=0.0001                                   eps=1e-7, eps_mode="uncorrected",
                                                                  weight_decay=0.004
adamax      —                                                     lr=0.001, eps=1e-7, eps_mode="outside"
nadam       momentum_schedule=False                               lr=0.001, eps=1e-7, momentum_decay=1.0
radam       eps_mode="outside", threshold_inclusive=True          no (Keras has no RAdam)
==========  ====================================================  ==========================================

Decisions:

- ``"torch"`` is every optimizer's registry defaults (descend's defaults are torch's; for ``gd`` and the
  seeds' ``momentum``, which torch names differently or lacks, they are descend's own).
- ``"keras"`` exists for every optimizer Keras has, even where its form is optax's (Adagrad, RMSprop):
  Keras's defaults (lr, ε 1e-7) differ from optax's anyway. It raises ValueError for the optimizers Keras
  lacks (RAdam), naming the conventions that exist.
- ``nesterov`` keeps descend's μ = 0.9: optax's ``sgd`` has no default momentum (``None``, then no
  momentum at all) and Keras's is 0 (then ``nesterov=True`` changes nothing).
- Switches that only change round-off are set anyway (``lr_in_buffer`` with a constant lr): under a
  learning-rate schedule they decide the result.

Not reproduced: Keras's ``weight_decay`` argument of every optimizer (decoupled, ``w ← w − αλw`` before the
step; default off) maps to descend's ``weight_decay`` only for AdamW (and NAdam/RAdam with
``decoupled_weight_decay=True``); elsewhere descend's is torch's coupled L2. Outside the presets: optax's
``radam(nesterov=True)``, ``amsgrad(bias_correction_mu=False)`` or ``bias_correction_nu=False``, weight-decay
masks and ``mu_dtype``. (optax's ``adam(nesterov=True)`` is its ``nadam``: ``preset("nadam", "optax")``.)
"""

from __future__ import annotations

from .registry import get

#: The conventions :func:`preset` knows, descend's own (torch's) first.
CONVENTIONS: tuple[str, ...] = ("torch", "optax", "keras")

_NOT_IN = {
    "momentum": "the seeds' EMA momentum v ← βv + (1−β)g is descend's own form; optax and Keras have no optimizer "
                "of this form (their SGD momentum is torch's heavy ball, descend's 'sgd')",
    "radam": "Keras has no RAdam",
}

# What each convention changes from the registry's (torch's) defaults: optimizer → convention → settings, the
# one place these are decided (the module docstring's table shows them). A convention missing for an optimizer
# does not exist for it (``_NOT_IN`` says why).
_CHANGES: dict[str, dict[str, dict[str, object]]] = {
    "gd": {"optax": {}, "keras": {"lr": 1e-2}},
    "sgd": {"optax": {}, "keras": {"lr": 1e-2, "lr_in_buffer": True}},
    "nesterov": {"optax": {}, "keras": {"lr": 1e-2, "lr_in_buffer": True}},
    "momentum": {},
    "adagrad": {
        "optax": {"initial_accumulator_value": 0.1, "eps": 1e-7, "eps_mode": "inside"},
        "keras": {"lr": 1e-3, "initial_accumulator_value": 0.1, "eps": 1e-7, "eps_mode": "inside"},
    },
    "adadelta": {"optax": {}, "keras": {"lr": 1e-3, "rho": 0.95, "eps": 1e-7}},
    "rmsprop": {
        "optax": {"alpha": 0.9, "eps_mode": "inside", "lr_in_buffer": True},
        "keras": {"lr": 1e-3, "alpha": 0.9, "eps": 1e-7, "eps_mode": "inside", "lr_in_buffer": True},
    },
    "adam": {"optax": {}, "keras": {"eps": 1e-7, "eps_mode": "uncorrected"}},
    "amsgrad": {"optax": {"amsgrad_max": "corrected"}, "keras": {"eps": 1e-7, "eps_mode": "uncorrected"}},
    "adamw": {
        "optax": {"weight_decay": 1e-4},
        "keras": {"eps": 1e-7, "eps_mode": "uncorrected", "weight_decay": 4e-3},
    },
    "adamax": {"optax": {}, "keras": {"lr": 1e-3, "eps": 1e-7, "eps_mode": "outside"}},
    "nadam": {"optax": {"momentum_schedule": False}, "keras": {"lr": 1e-3, "eps": 1e-7, "momentum_decay": 1.0}},
    "radam": {"optax": {"eps_mode": "outside", "threshold_inclusive": True}},
}

#: Conventions whose library has no default learning rate (``lr`` is left out of their presets).
_NO_DEFAULT_LR = frozenset({"optax"})


def conventions_for(optimizer_name: str) -> tuple[str, ...]:
    """The conventions that exist for an optimizer, ``"torch"`` first."""
    name = get(optimizer_name).name
    return ("torch", *_CHANGES[name])


def preset(optimizer_name: str, convention: str) -> dict[str, object]:
    """Every hyperparameter and option that make descend's ``optimizer_name`` equal ``convention``'s.

    ``convention`` is one of :data:`CONVENTIONS`. The result uses the registry's names and can be given to
    ``get(optimizer_name).configure(**...)`` as it is (a fresh dict: change it freely). Raises ValueError for an
    unknown convention, or one that has no optimizer of that name, naming the conventions that exist.

    >>> preset("amsgrad", "optax")["amsgrad_max"]
    'corrected'
    >>> preset("radam", "keras")
    Traceback (most recent call last):
    ...
    ValueError: no 'keras' convention for radam: Keras has no RAdam (conventions for radam: torch, optax)
    """
    info = get(optimizer_name)
    if convention not in CONVENTIONS:
        raise ValueError(f"unknown convention {convention!r}; choose one of {', '.join(map(repr, CONVENTIONS))}")
    available = conventions_for(info.name)
    if convention not in available:
        raise ValueError(f"no {convention!r} convention for {info.name}: {_NOT_IN[info.name]} "
                         f"(conventions for {info.name}: {', '.join(available)})")
    values = {name: value for name, value in info.defaults.items() if name not in info.fixed}
    if convention != "torch":
        values.update(_CHANGES[info.name][convention])
        if convention in _NO_DEFAULT_LR:
            del values["lr"]
    return values

