"""The engine: K configurations trained as one batched program, and :func:`fit`, the one entry point.

A sweep (learning rates × betas × seeds × optimizers × ...) is split into **cohorts**: runs that can share
one program (same optimizer algorithm and switches, same batch size). Within a cohort every parameter has a
leading run axis ``[K, ...]`` and every numeric hyperparameter is a tensor ``[K]``, so one forward, one loss,
one backward and one optimizer update serve all K runs.

Per run, into preallocated tensors (one host read per step, of whether every run still moves, lets the
loop skip the masking of frozen runs): the training loss at every step, validation/test loss (and
accuracy for classification) every ``eval_every`` steps, the gradient norm of every parameter tensor, the
parameter path (always for models with at most three parameters), the first step that reaches ``target``,
and divergence: a run whose loss or parameters become non-finite is marked diverged at that step and frozen
(its parameters keep their last finite values, its later losses are NaN), and no NaN reaches another run.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from . import clipping, losses, models
from ._compile import traced, tracing
from ._checks import POSITIVE, check_choice, check_hyperparameter, check_names
from .optim import get as get_optimizer

@dataclass(frozen=True)
class Run:
    """One configuration of a sweep: its index, optimizer, hyperparameters, batch size, seed and start.

    ``start`` (or None: the model's own initialisation from ``seed``) holds the initial values of all
    parameters, flattened in the model's order.
    """

    index: int
    optimizer: str
    hyper: Mapping[str, Any]
    batch_size: Any
    seed: int
    start: tuple[float, ...] | None = None


def expand_grid(**arguments: Any) -> list[dict[str, Any]]:
    """Every combination of the arguments given as lists (the others are held fixed), in a stable order.

    >>> [g["lr"] for g in expand_grid(lr=[0.1, 0.01], seed=0)]
    [0.1, 0.01]
    """
    keys = list(arguments)
    values = [v if isinstance(v, list) else [v] for v in arguments.values()]
    for key, v in zip(keys, values):
        if len(v) == 0:
            raise ValueError(f"{key} is an empty list; give at least one value")
    return [dict(zip(keys, combo)) for combo in itertools.product(*values)]


@dataclass
class Cohort:
    """Runs that train as one batched program."""

    optimizer: str
    batch_size: Any
    options: tuple[tuple[str, Any], ...]
    runs: list[Run] = field(default_factory=list)


#: The gradient-free baseline of seed 001: draw N random parameter sets, keep the best.
RANDOM_SEARCH = "random-search"
#: Its hyperparameters: candidates are drawn from U(−scale, scale) or N(0, scale²) per parameter.
RANDOM_SEARCH_DEFAULTS = {"scale": 1.0, "distribution": "uniform"}


def plan_cohorts(runs: Sequence[Run]) -> list[Cohort]:
    """Group runs by what batching cannot share: the optimizer algorithm and its switches, the batch size."""
    cohorts: dict[Any, Cohort] = {}
    for run in runs:
        if run.optimizer == RANDOM_SEARCH:
            name, switches = RANDOM_SEARCH, (("distribution", run.hyper.get("distribution", "uniform")),)
        else:
            info = get_optimizer(run.optimizer)
            name = info.name
            switches = tuple(sorted((k, v) for k, v in run.hyper.items() if k in {o.name for o in info.options}))
        key = (name, repr(run.batch_size), switches)
        cohorts.setdefault(key, Cohort(name, run.batch_size, switches)).runs.append(run)
    return list(cohorts.values())


# -- one cohort ----------------------------------------------------------------------------------------


@dataclass
class CohortResult:
    """What one cohort recorded; tensors have the run axis last or first as named."""

    cohort: Cohort
    train_loss: Tensor  #: [T, K] loss of the batch at the parameters before each update (NaN once diverged)
    eval_steps: list[int]  #: steps at which validation/test were evaluated (after that many updates)
    evals: dict[tuple[str, str], Tensor]  #: (split, metric) → [E, K]
    grad_norms: Tensor | None  #: [T, K, P] norm of each parameter tensor's gradient per run
    diverged_at: Tensor  #: [K] step of divergence, −1 if none
    target_at: Tensor  #: [K] first step whose training loss ≤ target, −1 if none
    params: tuple[Tensor, ...]  #: final parameters [K, ...]
    path: Tensor | None  #: [T + 1, K, n_params] parameters before each step and at the end
    seconds: float
    interrupted: bool = False  #: stopped by Ctrl-C after len(train_loss) steps (the results cover those)
    epochs: Tensor | None = None  #: [T + 1] epochs completed before each step and at the end (float64)
    compile_seconds: float = 0.0  #: time spent compiling the step (``compile=True``), not in ``seconds``


def _per_run(x: Tensor, like: Tensor) -> Tensor:
    """A [K] tensor shaped to broadcast against ``like`` [K, ...]."""
    return x.view(-1, *([1] * (like.ndim - 1)))


def _freeze(alive: Tensor, new: Any, old: Any) -> Any:
    """Keep ``old`` values for runs that are not alive; works on tensors, tuples and state records."""
    if isinstance(new, Tensor):
        if new.ndim == 0 or new.shape[0] != alive.shape[0]:
            return new  # shared scalars such as the step count
        return torch.where(_per_run(alive, new), new, old)
    if isinstance(new, tuple) and hasattr(new, "_fields"):
        return type(new)(*(_freeze(alive, n, o) for n, o in zip(new, old)))
    if isinstance(new, tuple):
        return tuple(_freeze(alive, n, o) for n, o in zip(new, old))
    return new


@dataclass(frozen=True)
class Objective:
    """How a model's output meets the targets: the loss, whether it takes logits, the task kind."""

    loss: Callable[..., Tensor]
    logits: bool = False
    kind: str = "regression"  #: "regression", "binary", "multiclass" or "cost" (a landscape)

    def predict(self, model: Any, params: Sequence[Tensor], x: Tensor) -> Tensor:
        return model.forward(params, x, logits=True) if self.logits else model.forward(params, x)

    def value(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor, *, empty: float = 0.0) -> Tensor:
        """The cost J of each run on (x, y): ``[K]``.

        For a model that masks samples out (the ellipse's undefined square roots), a run with no valid
        sample gets ``empty``: 0 for a training batch (no gradient, as in the seed), NaN when evaluating a
        whole split, so that a model that has made every sample invalid cannot look perfect.
        """
        pred = self.predict(model, params, x)
        mask = model.valid(params, x)
        value = self.loss(pred, y, reduction="mean", mask=mask, runs=True)
        if mask is not None and empty != 0.0:
            value = torch.where(mask.reshape(mask.shape[0], -1).any(dim=1), value, empty)
        return value

    def accuracy(self, model: Any, params: Sequence[Tensor], x: Tensor, y: Tensor) -> Tensor | None:
        """Fraction of correct predictions per run ``[K]``, for classification; None otherwise."""
        if self.kind not in ("binary", "multiclass"):
            return None
        pred = self.predict(model, params, x)
        if self.kind == "multiclass":
            correct = pred.argmax(dim=-1) == y
        else:
            threshold = 0.0 if self.logits else 0.5
            correct = (pred > threshold) == (y > 0.5)
            correct = correct.reshape(correct.shape[0], -1)
        return correct.to(torch.float64).mean(dim=-1)


def train_cohort(
    model: Any,
    cohort: Cohort,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    plan: Sequence[Tensor],
    *,
    evals: Mapping[str, tuple[Tensor, Tensor]] = {},
    eval_every: int = 0,
    target: float | None = None,
    stop_at_target: bool = False,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    schedules: Mapping[str, Callable[[int], Any]] = {},
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool = False,
    progress: Callable[[int], Any] | None = None,
) -> CohortResult:
    """Train every run of ``cohort`` together for ``len(plan)`` steps.

    ``plan[t]`` holds the sample indices of step t: ``[B]`` when all runs see the same batch (one data
    seed) or ``[K, B]`` per run. ``schedules`` maps a hyperparameter name to a function of the step whose
    value multiplies that hyperparameter (``lr`` with ``descend.schedules.cosine(1.0, T)`` anneals every
    run's own learning rate). ``compile=True`` runs the step (batch, forward, backward, clipping, update,
    divergence check) as one compiled program (:class:`_CompiledStep`), compiled for each batch shape
    before training starts; that time is ``compile_seconds``, apart from ``seconds``.
    ``progress(t)`` is called after every step t (0-based). Ctrl-C (KeyboardInterrupt) stops the cohort
    after the last complete step: the result covers the steps done and has ``interrupted=True``.
    """
    started = time.perf_counter()
    info = get_optimizer(cohort.optimizer)
    k = len(cohort.runs)
    hyper = {}
    for name in {n for run in cohort.runs for n in run.hyper}:
        values = [run.hyper.get(name, info.defaults.get(name)) for run in cohort.runs]
        if name in {o.name for o in info.options}:
            hyper[name] = values[0]
        else:
            hyper[name] = torch.tensor(values, dtype=torch.float64)
    config = info.configure(runs=k, **hyper)
    kwargs = info.update_kwargs(config)
    # All of a run's parameters live in one row of a flat [K, n] tensor; the model sees views of it. The
    # update rules are elementwise, so one update of the flat tensor equals one per parameter tensor, with
    # a quarter of the operations for a two-layer MLP.
    initial = model.init([run.seed for run in cohort.runs], dtype=dtype)
    shapes = [p.shape[1:] for p in initial]
    flat = torch.cat([p.to(dtype).reshape(k, -1) for p in initial], dim=1)
    for j, run in enumerate(cohort.runs):
        if run.start is not None:
            flat[j] = torch.tensor(run.start, dtype=dtype)
    sizes = [p[0].numel() for p in initial]
    state = info.init_state((flat,), config)

    def unflatten(w: Tensor) -> tuple[Tensor, ...]:
        return _unflatten(w, tuple(sizes), tuple(shapes))

    if compile:
        step_fn: Callable[..., Any] = _CompiledStep(model, objective, info.update, tuple(sizes), tuple(shapes),
                                                    clip_value, clip_norm, record_grad_norms)
    else:
        def step_fn(hyper: Mapping[str, Any], *tensors: Any) -> tuple[Any, ...]:
            return _step(model, objective, info.update, hyper, tuple(sizes), tuple(shapes), clip_value, clip_norm,
                         record_grad_norms, *tensors)

    steps = len(plan)
    if record_path is None:
        record_path = flat.shape[1] <= 3
    # preallocated: many small tensors kept alive between steps would pin the allocator's freed memory
    train_loss = torch.empty(steps, k, dtype=torch.float64)
    grad_norms = torch.empty(steps, k, len(shapes), dtype=torch.float64) if record_grad_norms else None
    path = torch.empty(steps + 1, k, flat.shape[1], dtype=torch.float64) if record_path else None
    diverged_at = torch.full((k,), -1, dtype=torch.long)
    target_at = torch.full((k,), -1, dtype=torch.long)
    eval_steps: list[int] = []
    eval_values: dict[tuple[str, str], list[Tensor]] = {}

    def evaluate(step: int) -> None:
        eval_steps.append(step)
        params = unflatten(flat)
        healthy = diverged_at < 0
        with torch.no_grad():
            for split, (xs, ys) in evals.items():
                value = objective.value(model, params, xs, ys, empty=math.nan)
                eval_values.setdefault((split, "loss"), []).append(torch.where(healthy, value.double(), math.nan))
                acc = objective.accuracy(model, params, xs, ys)
                if acc is not None:
                    eval_values.setdefault((split, "accuracy"), []).append(torch.where(healthy, acc, math.nan))

    healthy = torch.ones(k, dtype=torch.bool)  # not diverged
    moving = healthy  # still updated: healthy and, with stop_at_target, not yet at the target
    interrupted, done, compile_seconds = False, 0, 0.0
    try:
        if compile:  # compile off the clock: one discarded call per batch shape (the step is pure)
            compiling = time.perf_counter()
            for index in _shapes(plan):
                step_fn(_scheduled(kwargs, schedules, 0), flat, state, healthy, moving, x, y, index)
            compile_seconds = time.perf_counter() - compiling
        for t, index in enumerate(plan):
            if path is not None:
                path[t] = flat
            if eval_every and t % eval_every == 0 and evals:
                evaluate(t)
            step_kwargs = _scheduled(kwargs, schedules, t)
            new_flat, new_state, recorded, norms, finite, all_move = step_fn(step_kwargs, flat, state, healthy,
                                                                             moving, x, y, index)
            if target is not None:  # NaN (a diverged run) never reaches it
                target_at = torch.where((target_at < 0) & (recorded <= target), t, target_at)
            if not bool(all_move):  # a host read, cheap on CPU: the masking only when a run stops moving
                keep = moving & finite
                diverged_at.masked_fill_(moving & ~finite, t)
                new_flat, new_state = _freeze(keep, new_flat, flat), _freeze(keep, new_state, state)
                healthy = diverged_at < 0
            if stop_at_target and target is not None:
                moving = healthy & (target_at < 0)
            else:
                moving = healthy
            train_loss[t] = recorded
            if grad_norms is not None:
                grad_norms[t] = norms
            flat, state = new_flat, new_state
            done = t + 1
            if progress is not None:
                progress(t)
    except KeyboardInterrupt:  # keep what finished: the steps completed before the interruption
        interrupted, steps = True, done
        train_loss = train_loss[:steps]
        grad_norms = None if grad_norms is None else grad_norms[:steps]
        path = None if path is None else path[: steps + 1]
        complete = min([len(eval_steps), *(len(v) for v in eval_values.values())])  # evaluations not cut short
        kept = sum(1 for e in eval_steps[:complete] if e < steps)
        del eval_steps[kept:]
        eval_values = {key: v[:kept] for key, v in eval_values.items()}

    if path is not None:
        path[steps] = flat
    if eval_every and evals:
        evaluate(steps)
    return CohortResult(
        cohort=cohort,
        train_loss=train_loss,
        eval_steps=eval_steps,
        evals={key: torch.stack(v) for key, v in eval_values.items() if v},
        grad_norms=grad_norms,
        diverged_at=diverged_at,
        target_at=target_at,
        params=tuple(p.clone() for p in unflatten(flat)),
        path=path,
        seconds=time.perf_counter() - started - compile_seconds,
        interrupted=interrupted,
        compile_seconds=compile_seconds,
    )


def _scheduled(kwargs: dict[str, Any], schedules: Mapping[str, Callable[[int], Any]], t: int) -> dict[str, Any]:
    """The update's keyword arguments at step ``t``: each scheduled hyperparameter times its factor."""
    if not schedules:
        return kwargs
    scheduled = dict(kwargs)
    for name, schedule in schedules.items():
        scheduled[name] = kwargs[name] * torch.as_tensor(schedule(t), dtype=torch.float64)
    return scheduled


def _shapes(plan: Sequence[Tensor]) -> list[Tensor]:
    """The first batch of each shape in ``plan`` (one for a fixed batch size, two for the hybrid schedule)."""
    if isinstance(plan, Tensor):
        return [plan[0]] if len(plan) else []
    first: dict[tuple[int, ...], Tensor] = {}
    for index in plan:
        first.setdefault(tuple(index.shape), index)
    return list(first.values())


def _unflatten(w: Tensor, sizes: tuple[int, ...], shapes: tuple[Any, ...]) -> tuple[Tensor, ...]:
    """The model's parameters as views of the flat ``[K, n]`` tensor."""
    return tuple(part.view(w.shape[0], *shape) for part, shape in zip(torch.split(w, sizes, dim=1), shapes))


def _step(model: Any, objective: Objective, update: Callable[..., Any], hyper: Mapping[str, Any],
          sizes: tuple[int, ...], shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None,
          record_norms: bool, w: Tensor, state: Any, healthy: Tensor, moving: Tensor, x: Tensor, y: Tensor,
          index: Tensor) -> tuple[Any, ...]:
    """One training step of all runs: the batch, cost per run, its gradient, clipping, the update.

    Returns the new flat parameters and state; the cost at ``w`` as recorded (float64, NaN for the runs
    not ``healthy``, those diverged earlier); the gradient norm of every parameter tensor ``[K, P]`` (or
    None); whether each run's cost and new parameters are finite ``[K]``, computed in the same pass as the
    update; and whether every ``moving`` run (healthy and not stopped at the target) stays finite, when
    the new values can be taken as they are. With ``compile=True`` all of it is one compiled program.
    """
    xb, yb = x[index], y[index]

    def total(leaf: Tensor) -> tuple[Tensor, Tensor]:
        cost = objective.value(model, _unflatten(leaf, sizes, shapes), xb, yb)
        return cost.sum(), cost  # runs are independent: the gradient of the sum is each run's gradient

    if tracing():  # traced for compilation: torch.func's transform, which the tracers follow
        grad, (_, cost) = torch.func.grad_and_value(total, has_aux=True)(w)
    else:  # the same gradient by plain autograd, which costs less per operation in eager mode
        with torch.enable_grad():
            leaf = w.detach().requires_grad_()
            summed, cost = total(leaf)
            (grad,) = torch.autograd.grad(summed, leaf)
        cost = cost.detach()
    norms = None
    if record_norms:
        norms = torch.stack([g.reshape(g.shape[0], -1).norm(dim=1) for g in _unflatten(grad, sizes, shapes)], dim=1)
    if clip_value is not None:
        (grad,) = clipping.clip_by_value((grad,), clip_value)
    if clip_norm is not None:
        (grad,) = clipping.clip_by_global_norm((grad,), clip_norm, run_axis=True)
    (new_w,), new_state = update((grad,), state, (w,), **hyper)
    # one pass: a non-finite entry makes its run's sum non-finite (and a sum of finite parameters overflows
    # only when they are within a factor n of the dtype's largest number, which is diverging too)
    finite = torch.isfinite(cost) & torch.isfinite(new_w.sum(dim=1))
    recorded = torch.where(healthy, cost.to(torch.float64), math.nan)
    return new_w, new_state, recorded, norms, finite, (moving & finite).all()


# Compiled steps of this process, by everything a trace depends on besides tensor values: the model, loss,
# optimizer and its non-tensor options, clipping, and the shape, stride and dtype of every input tensor.
_PROGRAMS: dict[Any, Callable[..., Any]] = {}


class _CompiledStep:
    """One cohort's :func:`_step` as compiled programs: the same numbers to round-off.

    The step is traced with ``make_fx`` into a graph of tensor operations and compiled by Inductor
    (torch.compile's compiler) with C++ host code, once per batch shape. Unlike ``torch.compile`` no
    guards are checked on each call: a cohort fixes everything but tensor values, and programs are kept
    per process under a key that holds all of it, so that later fits of the same shapes reuse them. That
    saves a few hundred microseconds per step, as much as the kernels take at K = 16.
    """

    def __init__(self, model: Any, objective: Objective, update: Callable[..., Any], sizes: tuple[int, ...],
                 shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None,
                 record_norms: bool) -> None:
        self.static = (model, objective, update, sizes, shapes, clip_value, clip_norm, record_norms)
        self.by_batch_shape: dict[Any, Callable[..., Any]] = {}
        self.layout: tuple[int | None, ...] | None = None  # of the optimizer state, fixed for the cohort

    def __call__(self, hyper: Mapping[str, Any], w: Tensor, state: Any, healthy: Tensor, moving: Tensor, x: Tensor,
                 y: Tensor, index: Tensor) -> tuple[Any, ...]:
        dynamic = [v for v in hyper.values() if isinstance(v, Tensor)]
        inputs = [w, healthy, moving, x, y, index, *_leaves(state), *dynamic]
        program = self.by_batch_shape.get(index.shape)
        if program is None:
            program = self.by_batch_shape[index.shape] = self._program(hyper, state, inputs)
        new_w, recorded, norms, finite, all_move, *new_state = program(*inputs)
        return (new_w, _rebuilt(state, new_state, self.layout), recorded, norms if self.static[-1] else None,
                finite, all_move)

    def _program(self, hyper: Mapping[str, Any], state: Any, inputs: list[Tensor]) -> Callable[..., Any]:
        model = self.static[0]
        statics = tuple((k, v) for k, v in hyper.items() if not isinstance(v, Tensor))
        dynamic = tuple(k for k, v in hyper.items() if isinstance(v, Tensor))
        self.layout = layout = _layout(state)
        key = (*self.static, statics, dynamic, type(state), layout, tuple((t.shape, t.stride(), t.dtype) for t in inputs))
        try:
            program = _PROGRAMS.get(key)
        except TypeError:  # an unhashable model or loss: compile for this cohort only
            key, program = None, None
        if program is None:
            program = _compile_step(*self.static, dict(statics), dynamic, state, inputs)
            if key is not None and not isinstance(model, models.ModuleModel):  # a module may change between fits
                _PROGRAMS[key] = program
        return program


def _leaves(state: Any) -> list[Tensor]:
    """The tensors of an optimizer state (a NamedTuple of tensors and tuples of tensors), in order."""
    return [leaf for part in state for leaf in (part if isinstance(part, tuple) else (part,))]


def _layout(state: Any) -> tuple[int | None, ...]:
    """For each field of a state: None for a tensor, the length for a tuple of tensors."""
    return tuple(len(part) if isinstance(part, tuple) else None for part in state)


def _rebuilt(like: Any, leaves: Sequence[Tensor], layout: tuple[int | None, ...] | None = None) -> Any:
    """A state of the same type and layout as ``like`` holding ``leaves`` (the inverse of :func:`_leaves`)."""
    parts, at = [], 0
    for n in layout if layout is not None else _layout(like):
        parts.append(leaves[at] if n is None else tuple(leaves[at:at + n]))
        at += 1 if n is None else n
    return type(like)(*parts)


def _compile_step(model: Any, objective: Objective, update: Callable[..., Any], sizes: tuple[int, ...],
                  shapes: tuple[Any, ...], clip_value: float | None, clip_norm: float | None, record_norms: bool,
                  statics: dict[str, Any], dynamic: tuple[str, ...], state: Any,
                  inputs: list[Tensor]) -> Callable[..., Any]:
    """Trace :func:`_step` with tensors as its only inputs and outputs, and compile it.

    The program returns ``new_w, recorded, norms, finite, all_move`` and then the new state's tensors
    (``norms`` is a placeholder when they are not recorded).
    """
    from torch._inductor.compile_fx import compile_fx
    from torch.fx.experimental.proxy_tensor import make_fx

    n = len(_leaves(state))

    def flat_step(w: Tensor, healthy: Tensor, moving: Tensor, x: Tensor, y: Tensor, index: Tensor,
                  *rest: Tensor) -> list[Tensor]:
        hyper = dict(statics, **dict(zip(dynamic, rest[n:])))
        new_w, new_state, recorded, norms, finite, all_move = _step(
            model, objective, update, hyper, sizes, shapes, clip_value, clip_norm, record_norms, w,
            _rebuilt(state, rest[:n]), healthy, moving, x, y, index)
        norms = torch.zeros(()) if norms is None else norms
        return [new_w, recorded, norms, finite, all_move, *_leaves(new_state)]

    with traced():
        graph = make_fx(flat_step, tracing_mode="fake")(*inputs)
    return compile_fx(graph, inputs, config_patches={"cpp_wrapper": True})


def random_search_cohort(
    model: Any,
    cohort: Cohort,
    objective: Objective,
    x: Tensor,
    y: Tensor,
    samples: int,
    *,
    evals: Mapping[str, tuple[Tensor, Tensor]] = {},
    eval_every: int = 0,
    target: float | None = None,
    dtype: torch.dtype = torch.float32,
    progress: Callable[[int], Any] | None = None,
) -> CohortResult:
    """Random search (seed 001): at step t every run draws a random parameter set and keeps the best so far.

    A candidate draws every parameter from U(−scale, scale) (``distribution="uniform"``) or N(0, scale²),
    from a generator seeded with the run's seed. The "batch" loss of step t is the candidate's cost on the
    whole training set; the parameters are the best candidate so far. The same result format as training.
    """
    started = time.perf_counter()
    k = len(cohort.runs)
    scale = torch.tensor([float(run.hyper["scale"]) for run in cohort.runs], dtype=dtype)
    normal = dict(cohort.options)["distribution"] == "normal"
    generators = [torch.Generator().manual_seed(run.seed) for run in cohort.runs]
    best = tuple(p.to(dtype) for p in model.init([run.seed for run in cohort.runs], dtype=dtype))
    shapes = [p.shape[1:] for p in best]
    best_cost = torch.full((k,), math.inf, dtype=torch.float64)
    sampled = torch.empty(samples, k, dtype=torch.float64)
    target_at = torch.full((k,), -1, dtype=torch.long)
    eval_steps: list[int] = []
    eval_values: dict[tuple[str, str], list[Tensor]] = {}
    interrupted, done = False, 0
    try:
        with torch.no_grad():
            for t in range(samples):
                candidate = []
                for shape, like in zip(shapes, best):
                    draws = [torch.randn(shape, generator=g, dtype=dtype) if normal
                             else 2 * torch.rand(shape, generator=g, dtype=dtype) - 1 for g in generators]
                    candidate.append(torch.stack(draws) * _per_run(scale, like))
                # a candidate that leaves no valid sample (a masked model) cannot be the best
                cost = objective.value(model, candidate, x, y, empty=math.nan).double()
                sampled[t] = cost
                better = torch.isfinite(cost) & (cost < best_cost)
                best = tuple(torch.where(_per_run(better, b), c, b) for c, b in zip(candidate, best))
                best_cost = torch.where(better, cost, best_cost)
                if target is not None:
                    target_at = torch.where((target_at < 0) & (best_cost <= target), t, target_at)
                if eval_every and ((t + 1) % eval_every == 0 or t + 1 == samples):
                    eval_steps.append(t + 1)
                    for split, (xs, ys) in evals.items():
                        value = objective.value(model, best, xs, ys, empty=math.nan)
                        eval_values.setdefault((split, "loss"), []).append(value.double())
                        acc = objective.accuracy(model, best, xs, ys)
                        if acc is not None:
                            eval_values.setdefault((split, "accuracy"), []).append(acc)
                done = t + 1
                if progress is not None:
                    progress(t)
    except KeyboardInterrupt:
        interrupted = True
        sampled = sampled[:done]
        complete = min([len(eval_steps), *(len(v) for v in eval_values.values())])
        del eval_steps[complete:]
        eval_values = {key: v[:complete] for key, v in eval_values.items()}
    return CohortResult(
        cohort=cohort, train_loss=sampled, eval_steps=eval_steps,
        evals={key: torch.stack(v) for key, v in eval_values.items() if v}, grad_norms=None,
        diverged_at=torch.full((k,), -1, dtype=torch.long), target_at=target_at, params=best, path=None,
        seconds=time.perf_counter() - started, interrupted=interrupted,
    )


# -- the API --------------------------------------------------------------------------------------------


@dataclass
class Runs:
    """The result of :func:`fit`.

    - ``summary``: a pandas DataFrame, one row per run: its configuration (and ``start`` when given), final
      and best training loss (on the whole training set), final validation/test loss and accuracy, steps
      done (fewer than planned after Ctrl-C), steps to target, whether and when it diverged, the
      ``distance`` to the task's known answer (with ``task=``), wall time ``seconds`` (the cohort's time
      shared among its runs; with ``compile=True`` the compile time is apart, in ``compile_seconds``). A
      masked model's loss on a split where no sample is valid is NaN.
    - ``curves``: a long DataFrame (run, step, epoch, split, metric, value; epoch = epochs completed before
      that step, fractional within an epoch): the batch loss at every step
      (split ``"batch"``), the train/validation/test loss and accuracy every ``eval_every`` steps, and the
      gradient norm of every parameter tensor (metric ``"grad_norm:<name>"``).
    - ``params``: run index → {parameter name: final tensor}; ``paths``: run index → ``[T + 1, n]`` array of
      the parameters before each step and at the end (models with ≤ 3 parameters, or ``record_path=True``).
    """

    runs: list[Run]
    results: list[CohortResult]
    names: tuple[str, ...]
    task: Any = None  #: the descend.tasks.Task trained on, if any

    def _located(self) -> list[tuple[Run, CohortResult, int]]:
        located = []
        for result in self.results:
            for j, run in enumerate(result.cohort.runs):
                located.append((run, result, j))
        return sorted(located, key=lambda item: item[0].index)

    @property
    def interrupted(self) -> bool:
        """True when Ctrl-C stopped training: the results cover what finished (see ``summary["steps_done"]``)."""
        return any(result.interrupted for result in self.results)

    @property
    def params(self) -> dict[int, dict[str, Tensor]]:
        return {run.index: {n: p[j] for n, p in zip(self.names, res.params)} for run, res, j in self._located()}

    @property
    def paths(self) -> dict[int, Any]:
        return {run.index: res.path[:, j].numpy() for run, res, j in self._located() if res.path is not None}

    @property
    def summary(self) -> Any:
        import pandas as pd

        rows = []
        compiled = any(res.compile_seconds for res in self.results)
        for run, res, j in self._located():
            row: dict[str, Any] = {"run": run.index, "optimizer": run.optimizer, "batch_size": _label(run.batch_size),
                                   "seed": run.seed}
            row.update({k: v for k, v in run.hyper.items()})
            if any(r.start is not None for r in self.runs):
                row["start"] = run.start
            for (split, metric), values in res.evals.items():
                column = values[:, j]
                row[f"final_{split}_{metric}"] = column[-1].item()
                if split == "train" and metric == "loss":
                    finite = column[torch.isfinite(column)]
                    row["best_train_loss"] = finite.min().item() if len(finite) else math.nan
            row["steps_done"] = int(res.train_loss.shape[0])
            row["steps_to_target"] = int(res.target_at[j]) if res.target_at[j] >= 0 else None
            row["diverged"] = bool(res.diverged_at[j] >= 0)
            row["diverged_at"] = int(res.diverged_at[j]) if res.diverged_at[j] >= 0 else None
            if self.task is not None and self.task.known is not None:
                row["distance"] = self.task.known.distance({n: p[j] for n, p in zip(self.names, res.params)})
            row["seconds"] = res.seconds / len(res.cohort.runs)
            if compiled:
                row["compile_seconds"] = res.compile_seconds / len(res.cohort.runs)
            rows.append(row)
        return pd.DataFrame(rows).set_index("run")

    @property
    def curves(self) -> Any:
        import pandas as pd

        frames = []
        for run, res, j in self._located():
            steps = torch.arange(res.train_loss.shape[0])
            epochs = res.epochs if res.epochs is not None else torch.arange(len(steps) + 1, dtype=torch.float64)
            frames.append(pd.DataFrame({"run": run.index, "step": steps.numpy(), "epoch": epochs[steps].numpy(),
                                        "split": "batch", "metric": "loss", "value": res.train_loss[:, j].numpy()}))
            at = torch.tensor(res.eval_steps, dtype=torch.long).clamp(max=len(epochs) - 1)
            for (split, metric), values in res.evals.items():
                frames.append(pd.DataFrame({"run": run.index, "step": res.eval_steps, "epoch": epochs[at].numpy(),
                                            "split": split, "metric": metric, "value": values[:, j].numpy()}))
            if res.grad_norms is not None:
                for i, name in enumerate(self.names):
                    frames.append(pd.DataFrame({"run": run.index, "step": steps.numpy(), "epoch": epochs[steps].numpy(),
                                                "split": "train", "metric": f"grad_norm:{name}",
                                                "value": res.grad_norms[:, j, i].numpy()}))
        return pd.concat(frames, ignore_index=True)


def _label(batch_size: Any) -> Any:
    return batch_size if batch_size is None or isinstance(batch_size, int) else repr(batch_size)


def _value_loss(pred: Tensor, target: Tensor, *, reduction: str = "mean", mask: Tensor | None = None,
                runs: bool | None = True) -> Tensor:
    """The model's output is the cost itself (a 2-D landscape): J = mean of the output per run."""
    return pred.flatten(1).mean(dim=1)


def make_objective(model: Any, loss: Any, kind: str) -> Objective:
    """The loss for ``model``'s output: by name, a callable, or ``"auto"`` (from the output and the task)."""
    objective = _objective(model, loss, kind)
    # the same Objective object for the same inputs, so that compiled steps are reused across fits
    return _OBJECTIVES.setdefault(objective, objective)


_OBJECTIVES: dict[Objective, Objective] = {}


def _objective(model: Any, loss: Any, kind: str) -> Objective:
    output = getattr(model, "output", "identity")
    if loss == "value":
        return Objective(_value_loss, logits=False, kind="cost")
    if loss == "auto":
        loss = {"sigmoid": "bce", "softmax": "cross-entropy"}.get(output, "mse")
    if callable(loss):
        return Objective(loss, logits=False, kind=kind)
    info = losses.get_loss(loss)
    if info.name in ("bce", "bce-logits") and output == "sigmoid":
        return Objective(losses.bce_with_logits, logits=True, kind="binary")
    if info.name == "cross-entropy" and output == "softmax":
        return Objective(losses.cross_entropy, logits=True, kind="multiclass")
    return Objective(info.fn, logits=False, kind=kind if info.kind == "classification" else "regression")


def fit(
    *,
    model: Any = None,
    data: Any = None,
    task: Any = None,
    loss: Any = "auto",
    optimizer: Any = "adam",
    lr: Any = None,
    batch_size: Any = None,
    steps: int | None = None,
    epochs: int | None = None,
    seed: Any = 0,
    start: Any = None,
    validation: float = 0.0,
    test: float = 0.0,
    standardize: bool = False,
    split_seed: int = 0,
    drop_last: bool = False,
    eval_every: int | None = None,
    target: float | None = None,
    stop_at_target: bool = False,
    clip_norm: float | None = None,
    clip_value: float | None = None,
    schedules: Mapping[str, Callable[[int], Any]] | None = None,
    progress: Callable[[Mapping[str, Any]], Any] | None = None,
    record_path: bool | None = None,
    record_grad_norms: bool = True,
    dtype: torch.dtype = torch.float32,
    compile: bool = False,
    **hyperparameters: Any,
) -> Runs:
    """Train ``model`` on ``data`` with every configuration of the sweep; one batched program per cohort.

    Any of ``optimizer``, ``lr``, ``batch_size``, ``seed`` and the optimizer hyperparameters (``beta1``,
    ``momentum``, ``weight_decay``, ...) given as a **list** expands into the grid of all combinations. A
    hyperparameter applies to the optimizers that have it: ``optimizer=["sgd", "adam"], momentum=[0.5, 0.9]``
    gives two SGD runs and one Adam run.
    ``data`` is ``(x, y)``, a :class:`descend.data.Dataset` (split by ``validation``/``test`` fractions with
    ``split_seed``) or a :class:`descend.data.Splits`; ``None`` for a model whose output is the cost itself
    (a 2-D landscape, ``loss="value"``). The budget is ``steps`` or ``epochs``. For a given ``seed`` every
    configuration starts from the same initial parameters and sees the same batches (paired runs).
    ``task`` (a name from ``descend list tasks`` or a :class:`descend.tasks.Task`) supplies the model, the
    data (already split), the loss and, when no budget is given, the task's default number of steps; a
    ``model`` or ``loss`` given as well replaces the task's. The summary then has the distance of each run's
    final parameters to the task's known answer, where there is one.
    ``start`` sets the initial parameters instead of the model's initialisation: one point (numbers in the
    model's parameter order, when every parameter is a scalar, as for a landscape's ``(x, y)``; or a dict
    ``{name: value}``) or a list of points, which like other lists expands the grid (K starts × optimizers
    × learning rates in one program).
    ``compile=True`` traces each cohort's step into one program compiled by Inductor (torch.compile's
    compiler): about 15 s per cohort and batch shape the first time on a 2-core machine, well under a second
    from Inductor's on-disk cache after that (the summary's ``compile_seconds``, apart from ``seconds``),
    then each step 2-4× faster (see benchmarks/sweep.py); it pays off for long runs and large sweeps.
    ``progress`` (optional) is called after every step with a dict: ``cohort`` and ``cohorts`` (1-based
    index and count), ``step`` and ``steps`` of that cohort, ``runs`` in it, ``runs_done`` and ``runs_total``.
    Ctrl-C stops training cleanly: the result holds every finished cohort and the steps the current one
    completed (``Runs.interrupted`` is True, the summary's ``steps_done`` says how far each run got).

    Example:
        >>> import torch, descend
        >>> x = torch.linspace(-1, 1, 64).unsqueeze(1); y = 3 * x + 0.5
        >>> runs = descend.fit(model=descend.models.Linear(1), data=(x, y), optimizer=["gd", "adam"],
        ...                    lr=[0.1, 0.01], steps=50, seed=[0, 1])
        >>> len(runs.summary)
        8
    """
    from . import data as data_module

    if task is not None:
        from . import tasks as tasks_module

        task = tasks_module.get(task) if isinstance(task, str) else task
        if not isinstance(task, tasks_module.Task):
            raise ValueError(f"task={task!r} must be a task name (see `descend list tasks`) or a descend.tasks.Task")
        if data is not None:
            raise ValueError(f"give data= or task=, not both (task {task.name!r} brings its data)")
        model = task.model if model is None else model
        data = task.data
        loss = task.loss if loss == "auto" else loss
        if steps is None and epochs is None:
            steps = task.steps
    if model is None:
        raise ValueError("give model=... (a descend.models model) or task=... (see `descend list tasks`)")
    if (steps is None) == (epochs is None):
        raise ValueError("give exactly one budget: steps=... or epochs=...")
    starts = _starts(model, start)
    runs = _plan_runs(expand_grid(optimizer=optimizer, lr=lr, batch_size=batch_size, seed=seed, start=starts,
                                  **hyperparameters))

    splits, kind = _splits(data, data_module, validation, test, split_seed, standardize, dtype)
    objective = make_objective(model, loss, kind)
    x_train, y_train = _arrays(splits.train, model, objective)
    evals = {"train": (x_train, y_train)}
    for split_name in ("validation", "test"):
        part = getattr(splits, split_name)
        if part is not None and len(part):
            evals[split_name] = _arrays(part, model, objective)
    m = x_train.shape[0]

    results = []
    cohorts = plan_cohorts(runs)
    runs_done = 0
    for c, cohort in enumerate(cohorts):
        plans = {}
        for run in cohort.runs:
            if run.seed not in plans:
                plans[run.seed] = data_module.batches(m, batch_size=cohort.batch_size, seed=run.seed, steps=steps,
                                                      epochs=epochs, drop_last=drop_last)
        if len(plans) == 1:
            indices = next(iter(plans.values())).indices
        else:
            indices = data_module.stack_plans(plans, [run.seed for run in cohort.runs]).indices
        every = eval_every if eval_every is not None else max(1, len(indices) // 20)
        report = None if progress is None else _reporter(progress, c, len(cohorts), len(cohort.runs), len(indices),
                                                          runs_done, len(runs))
        if cohort.optimizer == RANDOM_SEARCH:
            result = random_search_cohort(model, cohort, objective, x_train, y_train, len(indices), evals=evals,
                                          eval_every=every, target=target, dtype=dtype, progress=report)
        else:
            result = train_cohort(
                model, cohort, objective, x_train, y_train, indices, evals=evals, eval_every=every, target=target,
                stop_at_target=stop_at_target, clip_norm=clip_norm, clip_value=clip_value, schedules=schedules or {},
                record_path=record_path, record_grad_norms=record_grad_norms, dtype=dtype, compile=compile,
                progress=report,
            )
        plan = next(iter(plans.values()))
        result.epochs = _epochs_done(plan, len(result.train_loss))
        results.append(result)
        runs_done += len(cohort.runs)
        if result.interrupted:
            break
    return Runs(runs, results, tuple(model.names), task)


def _reporter(progress: Callable[[Mapping[str, Any]], Any], c: int, cohorts: int, k: int, steps: int, before: int,
              total: int) -> Callable[[int], None]:
    """The per-step callback of one cohort, turning its step into fit's progress event."""

    def report(t: int) -> None:
        progress({"cohort": c + 1, "cohorts": cohorts, "step": t + 1, "steps": steps, "runs": k,
                  "runs_done": before + (k if t + 1 == steps else 0), "runs_total": total})

    return report


def _epochs_done(plan: Any, steps: int) -> Tensor:
    """``[steps + 1]`` epochs completed before each step and after the last one (fractions within an epoch)."""
    done = plan.epochs[:steps].double() + (plan.starts[:steps] + plan.sizes[:steps]).double() / plan.m
    return torch.cat([torch.zeros(1, dtype=torch.float64), done])


def _starts(model: Any, start: Any) -> Any:
    """``start`` as one flat tuple of floats, or a list of them (a grid axis); None stays None."""
    if start is None:
        return None
    points = start if isinstance(start, list) and start and not _is_number(start[0]) else [start]
    flat = [_start(model, point, i if len(points) > 1 else None) for i, point in enumerate(points)]
    return flat if isinstance(start, list) and len(points) > 1 else flat[0]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _start(model: Any, point: Any, i: int | None) -> tuple[float, ...]:
    names = tuple(model.names)
    shapes = [tuple(s) for s in model.shapes()]
    where = "start" if i is None else f"start[{i}]"
    if isinstance(point, Mapping):
        check_names(list(point), names, what="parameter name in start")
        missing = [n for n in names if n not in point]
        if missing:
            raise ValueError(f"{where} has no value for {', '.join(missing)}; give every parameter: {', '.join(names)}")
        values = []
        for name, shape in zip(names, shapes):
            v = torch.as_tensor(point[name], dtype=torch.float64)
            if tuple(v.shape) != shape:
                raise ValueError(f"{where}[{name!r}] has shape {list(v.shape)}; {name} has shape {list(shape)}")
            values.extend(v.reshape(-1).tolist())
    else:
        if any(shape != () for shape in shapes):
            raise ValueError(f"{where}={point!r}: a start given as numbers needs scalar parameters; "
                             f"give a dict {{name: value}} for {', '.join(names)}")
        if isinstance(point, (str, bytes)) or not isinstance(point, Sequence) or len(point) != len(names) or not all(
                _is_number(v) for v in point):
            raise ValueError(f"{where}={point!r} must be {len(names)} numbers, one per parameter ({', '.join(names)})")
        values = [float(v) for v in point]
    bad = [v for v in values if not math.isfinite(v)]
    if bad:
        raise ValueError(f"{where}={point!r} has a non-finite value; starts must be finite")
    return tuple(values)


def _known(name: str) -> tuple[str, tuple[str, ...]]:
    """The canonical optimizer name and the hyperparameters it takes."""
    if isinstance(name, str) and name.lower() == RANDOM_SEARCH:
        return RANDOM_SEARCH, tuple(RANDOM_SEARCH_DEFAULTS)
    if not isinstance(name, str):
        raise ValueError(f"optimizer={name!r} must be a name such as 'adam'")
    info = get_optimizer(name)
    return info.name, ("lr", *info.names)


def _plan_runs(grid: list[dict[str, Any]]) -> list[Run]:
    """Checked runs from the grid. A hyperparameter applies to the optimizers that have it (``momentum`` to SGD,
    not to Adam), so a sweep over it does not repeat the others; a name no optimizer has is an error."""
    names = {combo["optimizer"] for combo in grid}
    known = {n: _known(n) for n in names}
    given = {k for combo in grid for k, v in combo.items() if v is not None} - {"optimizer", "batch_size", "seed",
                                                                                   "start"}
    everything = {h for _, hypers in known.values() for h in hypers}
    check_names(sorted(given), everything, what=f"hyperparameter for {', '.join(sorted(names))}")
    runs, seen = [], set()
    for combo in grid:
        name, hypers = known[combo["optimizer"]]
        hyper = {k: v for k, v in combo.items() if k in hypers and v is not None}
        start = combo.get("start")
        key = (name, repr(sorted(hyper.items(), key=str)), repr(combo["batch_size"]), combo["seed"], start)
        if key in seen:
            continue
        seen.add(key)
        i, s = len(runs), combo["seed"]
        if name == RANDOM_SEARCH:
            hyper = {**RANDOM_SEARCH_DEFAULTS, **hyper}
            check_choice("distribution", hyper["distribution"], ("uniform", "normal"))
            check_hyperparameter("scale", hyper["scale"], POSITIVE)
        else:
            try:
                get_optimizer(name).configure(**hyper)
            except ValueError as e:
                raise ValueError(f"run {i} ({name}, {hyper}): {e}") from None
        if not isinstance(s, int) or isinstance(s, bool):
            raise ValueError(f"seed={s!r} (run {i}) must be an int")
        runs.append(Run(i, name, hyper, combo["batch_size"], s, start))
    return runs


def _splits(data: Any, data_module: Any, validation: float, test: float, seed: int, standardize: bool,
            dtype: torch.dtype) -> tuple[Any, str]:
    if data is None:  # a landscape: the model's output is the cost, no samples
        dummy = data_module.as_dataset(torch.zeros(1, 1), torch.zeros(1), kind="regression", dtype=dtype)
        return data_module.Splits(dummy, None, None, None, None), "cost"
    if isinstance(data, data_module.Splits):
        return data, data.train.kind
    if isinstance(data, tuple) and len(data) == 2:
        data = data_module.as_dataset(*data, dtype=dtype)
    if not isinstance(data, data_module.Dataset):
        raise ValueError("data must be (x, y), a descend.data.Dataset or descend.data.Splits")
    return data_module.split(data.to(dtype), validation=validation, test=test, seed=seed,
                             standardize=standardize), data.kind


def _arrays(part: Any, model: Any, objective: Objective) -> tuple[Tensor, Tensor]:
    """(x, y) of a split, with y shaped for the loss: ``[m, out]`` for regression/binary, ``[m]`` labels."""
    x, y = part.x, part.y
    if objective.kind in ("regression", "binary", "cost") and y.ndim == 1:
        y = y.unsqueeze(1)
    if objective.kind == "binary":
        y = y.to(x.dtype)
    return x, y
