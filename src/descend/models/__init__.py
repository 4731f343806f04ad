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
- :class:`ModuleModel` — a ``torch.nn.Module`` of one's own through ``torch.func.functional_call`` and ``vmap``.

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

from .base import HIDDEN, INITS, OUTPUTS, RunModel, layer_groups
from .dense import MLP, Linear
from .module import ModuleModel, to_torch
from .parametric import Parametric, ellipse, landscape


def with_init(model: RunModel, init: str, scale: float | None = None) -> RunModel:
    """The same :class:`Linear` or :class:`MLP` with another initialisation (one of :data:`INITS`); ``scale``:
    its ``init_scale``, the bound a of ``"uniform"`` or the standard deviation σ of ``"normal"`` (None: theirs,
    1/√fan_in and 0.01).

    A large scale shows seed 002's exploding gradients: ReLU units with N(0, σ²) weights multiply the signal by
    about σ√(width/2) per layer (2.8 with σ = 1 and 16 units), and the gradients of a deep network explode
    (``descend.tasks.get("vanishing", hidden="relu", init="normal", init_scale=1.0)``, or ``--init normal
    --init-scale 1`` on the command line).

    Other models start from given values (a :class:`Parametric` model's start point, a
    :class:`ModuleModel`'s module) and are refused with a ValueError saying so.
    """
    from .base import _choice

    init = _choice("init", init, INITS)
    if isinstance(model, Linear):
        return Linear(model.in_features, model.out_features, model.output, init, model.bias, init_scale=scale)
    if isinstance(model, MLP):
        return MLP(model.sizes, model.hidden, model.output, init, model.bias, init_scale=scale)
    what = ("starts from given values of its named parameters (a start point)" if isinstance(model, Parametric)
            else "is initialised by its own module")
    raise ValueError(f"init={init!r}: the model {type(model).__name__} {what}; an initialisation scheme applies to "
                     "Linear and MLP models")

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
    "with_init",
]
