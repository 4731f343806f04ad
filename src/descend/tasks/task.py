"""A task and what is known about it: :class:`Task`, :class:`Known`, :class:`Surface`, :class:`Scene`, and the
registry of built-in tasks that :mod:`descend.tasks.cases` and :mod:`descend.tasks.real` fill."""

from __future__ import annotations

import dataclasses
import math
import numbers
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from .._autograd import autograd_on

if TYPE_CHECKING:
    from ..engine import Runs
    from ..problem import Problem


@dataclass(frozen=True)
class Known:
    """What is known about the answer: one or more points in parameter space and the cost there.

    ``points`` are ``{parameter name: value}`` (a closed-form solution, the ground truth, every global
    minimum); :meth:`distance` is the Euclidean distance of a run's parameters to the nearest one, over the
    parameters the points name. ``label`` says what the points are ("least-squares solution", ...).
    """

    points: tuple[Mapping[str, Any], ...]
    label: str
    value: float | None = None
    #: the loss these points minimise (``value`` is its cost there): a least-squares solution's ``"mse"``; None for
    #: a ground truth or a landscape's minima, which no choice of loss moves (:meth:`Task.with_loss`)
    loss: str | None = None

    def applies_to(self, model: Any) -> bool:
        """Whether the points are of ``model``'s parameters (names and shapes): a task's answer is not that of
        another model put in its place (``descend.fit(task="line", model=...)``)."""
        try:
            shapes = dict(zip(model.names, model.shapes()))
        except (AttributeError, TypeError):
            return False
        return all(name in shapes and tuple(torch.as_tensor(value).shape) == tuple(shapes[name])
                   for point in self.points for name, value in point.items())

    def distance(self, params: Mapping[str, Tensor]) -> float:
        """Distance of ``params`` (one run: ``{name: tensor}``) to the nearest known point."""
        best = math.inf
        for point in self.points:
            total = 0.0
            for name, value in point.items():
                diff = torch.as_tensor(params[name], dtype=torch.float64) - torch.as_tensor(value, dtype=torch.float64)
                total += float((diff**2).sum())
            best = min(best, math.sqrt(total))
        return best

    def describe(self) -> str:
        def fmt(point: Mapping[str, Any]) -> str:
            return ", ".join(f"{k} = {_fmt(v)}" for k, v in point.items())

        text = "; ".join(f"({fmt(p)})" for p in self.points)
        cost = "" if self.value is None else f", cost {self.value:.6g}"
        return f"{self.label}: {text}{cost}"


def _fmt(v: Any) -> str:
    t = torch.as_tensor(v, dtype=torch.float64)
    if t.numel() == 1:
        return f"{t.item():.7g}"
    return "[" + ", ".join(f"{x:.4g}" for x in t.reshape(-1).tolist()) + "]"


def grown_domain(domain: Sequence[Sequence[float]], points: Sequence[Sequence[float] | None],
                 ) -> tuple[tuple[float, float], ...]:
    """A plot domain grown to hold ``points`` (their finite coordinates), by 5 % of the new span beyond each point
    outside; the domain itself where every point is inside.

    >>> grown_domain(((0.0, 1.0), (0.0, 1.0)), [(0.5, 0.5)])
    ((0.0, 1.0), (0.0, 1.0))
    >>> grown_domain(((0.0, 1.0), (0.0, 1.0)), [(-1.0, 0.5), (float("nan"), 3.0)])
    ((-1.1, 1.0), (0.0, 3.15))
    """
    out = []
    for axis, (low, high) in enumerate(domain):
        values = [p[axis] for p in points if p is not None and math.isfinite(p[axis])]
        lo, hi = min([low, *values]), max([high, *values])
        if lo < low or hi > high:
            pad = 0.05 * (hi - lo)
            lo, hi = (lo - pad if lo < low else lo), (hi + pad if hi > high else hi)
        out.append((float(lo), float(hi)))
    return tuple(out)


_GRID_LOCK = threading.Lock()  # one grid evaluated at a time: a prefetch and a report never compute it twice


@dataclass(frozen=True, eq=False)
class Surface:
    """A cost over two scalar parameters, for contour and surface plots: ``cost(a, b)`` on grids.

    ``cost`` takes two float64 tensors of the same shape and returns the cost at every point;
    ``domain`` is the plotting box per parameter, ``log_scale`` asks for log colours, ``points`` marks the
    known minima (and saddles) as ``(kind, (a, b))``.
    """

    names: tuple[str, str]
    cost: Callable[[Tensor, Tensor], Tensor]
    domain: tuple[tuple[float, float], tuple[float, float]]
    log_scale: bool = False
    points: tuple[tuple[str, tuple[float, float]], ...] = ()
    _grids: dict[int, tuple[Tensor, Tensor, Tensor]] = field(default_factory=dict, init=False, repr=False)

    def grid(self, n: int = 120) -> tuple[Tensor, Tensor, Tensor]:
        """``(A, B, J)`` float64 ``[n, n]`` meshgrids over the domain (``indexing="xy"``), each ``n`` evaluated
        once (copies are returned; :meth:`prefetch` may have evaluated it already)."""
        with _GRID_LOCK:
            if n not in self._grids:
                (a0, a1), (b0, b1) = self.domain
                a = torch.linspace(a0, a1, n, dtype=torch.float64)
                b = torch.linspace(b0, b1, n, dtype=torch.float64)
                aa, bb = torch.meshgrid(a, b, indexing="xy")
                with torch.no_grad():
                    self._grids[n] = (aa, bb, self.cost(aa, bb))
            return tuple(t.clone() for t in self._grids[n])  # type: ignore[return-value]

    def holding(self, points: Iterable[Sequence[float]]) -> Surface:
        """This surface over its domain grown to hold ``points`` (the finite ones, with a margin: see
        :func:`grown_domain`), or itself when they are all inside: a path that ends beyond the domain (the
        ellipse's momentum at the mirror answer −A) is drawn whole, not as a stub."""
        domain = grown_domain(self.domain, list(points))
        return self if domain == tuple(tuple(d) for d in self.domain) else dataclasses.replace(self, domain=domain)

    def prefetch(self, sizes: Iterable[int]) -> threading.Thread:
        """Evaluate the grids of ``sizes`` in a background thread (the large tensor operations leave the GIL, so
        this runs beside a training on the other core) and return it; :meth:`grid` then takes them as made.
        The values do not depend on the number of intra-op threads (each grid point is one whole reduction).
        Not a daemon: a process that ends meanwhile (Ctrl-C in the first seconds of a comparison) waits for it, as
        a daemon thread inside a torch operation at the interpreter's end aborted the process ("terminate called
        without an active exception", status 134)."""
        thread = threading.Thread(target=lambda: [self.grid(int(n)) for n in sizes], name="descend-surface")
        thread.start()
        return thread


@dataclass(frozen=True)
class Scene:
    """What a case study's data figure draws around its samples, in the data's own units: the setting the seed
    draws with them (seed 004's Figure 6: the Sun, Earth's and Mars's circular orbits, the launch and the
    arrival), so that a report shows the fitted model where the seed shows it.

    ``circles`` are ``(label, (x, y) centre, radius, colour)``, ``points`` ``(label, (x, y), colour, marker)``
    (a Matplotlib marker); the figure keeps x and y at one scale (a circle is drawn round)."""

    circles: tuple[tuple[str, tuple[float, float], float, str], ...] = ()
    points: tuple[tuple[str, tuple[float, float], str, str], ...] = ()


#: A model surface evaluates this many (grid point, sample) pairs at a time: its temporaries then stay in the
#: CPU's cache (1 MB each in float64). The ellipse's report grids took 0.97 s on one thread 4,096 points at a
#: time (16 MB temporaries), 0.32 s 256 at a time; the values are the same, each point being one reduction.
SURFACE_CHUNK = 1 << 17


def model_surface(model: Any, objective_loss: Any, x: Tensor, y: Tensor, names: tuple[str, str],
                  domain: tuple[tuple[float, float], tuple[float, float]], *, log_scale: bool = False,
                  points: tuple = ()) -> Surface:
    """The training cost of a model with two scalar parameters, evaluated for a whole grid as batches of runs
    (:data:`SURFACE_CHUNK`)."""
    from ..problem import make_objective

    objective = make_objective(model, objective_loss, "regression")
    x64, y64 = x.double(), y.double()
    if y64.ndim == 1:
        y64 = y64.unsqueeze(1)
    rows = max(1, SURFACE_CHUNK // max(1, x64.shape[0]))
    return Surface(names, _ModelCost(model, objective, x64, y64, rows), domain, log_scale, points)


class _ModelCost:
    """A model's training cost at a grid of its two parameters ``(a, b)``, ``rows`` runs at a time: a class, not a
    closure, so that a task holding it pickles (to a worker process, with a comparison)."""

    def __init__(self, model: Any, objective: Any, x: Tensor, y: Tensor, rows: int) -> None:
        self.model, self.objective, self.x, self.y, self.rows = model, objective, x, y, rows

    def __call__(self, a: Tensor, b: Tensor) -> Tensor:
        flat, rows = (a.reshape(-1), b.reshape(-1)), self.rows
        values = [self.objective.value(self.model, (flat[0][i:i + rows], flat[1][i:i + rows]), self.x, self.y)
                  for i in range(0, flat[0].numel(), rows)]
        return torch.cat(values).reshape(a.shape)


def least_squares(design: Any, y: Any) -> Any:
    """The least-squares solution of ``design @ w ≈ y`` (float64 tensors), the same to the last bit at every call:
    NumPy's SVD solver (``torch.linalg.lstsq`` with MKL answers in other last bits from one call to the next,
    and a task's known answer, its distance column, changed between two runs of one comparison)."""
    import numpy as np
    import torch

    solution = np.linalg.lstsq(design.numpy(), y.numpy(), rcond=None)[0]
    return torch.from_numpy(np.ascontiguousarray(solution)).to(torch.float64)


def _canonical(optimizer: str) -> str:
    """The registry name of an optimizer (``"Adam"`` → ``"adam"``; unknown names raise with suggestions)."""
    from ..optim import get as get_optimizer
    from ..optim import random_search

    return random_search.NAME if optimizer.lower() == random_search.NAME else get_optimizer(optimizer).name


#: Optimizers whose step is the learning rate times the gradient (or its running average): their sensible
#: learning rates are the task's ``lr_range``; adaptive ones normalise the step and keep their defaults.
PLAIN_GRADIENT_STEPS = ("gd", "sgd", "momentum", "nesterov")


def _option_text(value: Any) -> str:
    """An option's value as ``--task-option KEY=VALUE`` takes it: ``-2,3`` for a point, a name without quotes."""
    if isinstance(value, (tuple, list)):  # no hidden layer, hidden=(): none, as --task-option takes it
        return ",".join(_option_text(v) for v in value) if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


#: Losses that are a constant multiple of another, per sample: their minimum is its minimum (its known answer).
_ALIKE = {"mse": ("half-mse", "l2")}


@dataclass(frozen=True, eq=False)
class Task:
    """Everything needed to train and compare optimizers on one problem.

    ``model`` (a :mod:`descend.models` model), ``data`` (a :class:`descend.data.Splits`, or None for an exact
    landscape; a regression target is standardised unless the task says why not, and the splits then carry
    its ``target_mean`` and ``target_std``), ``loss`` (a name from ``descend list losses``, or ``"value"``
    for a landscape), ``kind`` ("regression", "binary", "multiclass", "cost"); the defaults a comparison
    starts from: ``steps``, ``lr_range`` (the default comparison runs every optimizer at three learning
    rates geometrically spaced across it, so it is chosen, and measured, to hold a rate at which each of
    the task's ``optimizers`` does well within ``steps``), ``optimizers`` and ``batch_sizes``, and ``lrs``,
    a learning rate known to work per optimizer (measured, for the defaults of a comparison); ``known``,
    what is known about the answer, and ``surface``, the cost over the two parameters when there are two;
    ``scene``, what the figure of the data and the fitted model draws around the samples (a case study's setting).
    ``bounded_below`` is False for a cost that goes to −∞ (the saddles, McCormick outside its plot domain):
    a run that escapes to −∞ is counted as diverged. ``facts`` are extra lines for the card.
    """

    name: str
    title: str
    summary: str
    description: str
    model: Any
    data: Any
    loss: Any
    kind: str
    steps: int
    lr_range: tuple[float, float]
    optimizers: tuple[str, ...] = ("gd", "momentum", "rmsprop", "adam")
    batch_sizes: tuple[Any, ...] = (None,)
    lrs: Mapping[str, float] = field(default_factory=dict)
    known: Known | None = None
    surface: Surface | None = None
    facts: tuple[tuple[str, str], ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    bounded_below: bool = True
    scene: Scene | None = None
    #: every option its builder takes, with its default (set by :func:`descend.tasks.get`; the card lists them)
    option_defaults: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a task's budget given as an option (--task-option steps=abc) is said in the option's name, before any
        # comparison reads it ("steps 'abc'" named no option)
        if isinstance(self.steps, bool) or not isinstance(self.steps, numbers.Integral) or self.steps < 1:
            raise ValueError(f"steps={self.steps!r} is not allowed; a whole number >= 1 is required")

    @autograd_on
    def problem(self, *, model: Any = None, loss: Any = "auto") -> Problem:
        """The :class:`descend.problem.Problem` this task trains on: its model (or ``model``), data, loss (or
        ``loss``) and known answer."""
        from ..problem import problem

        chosen = self.model if model is None else model
        if model is not None and self.data is None and getattr(model, "uses_data", True):
            # a landscape's model is its cost J itself: another model's output would be minimised as the cost
            raise ValueError(f"model={type(model).__name__}: task {self.name!r} is a cost landscape, whose model is "
                             "the cost J(x, y) itself, not one to replace; set where it starts with start=..., or "
                             "give data=(x, y) without task= to train a model of one's own")
        known = self.known if self.known is not None and self.known.applies_to(chosen) else None
        return problem(chosen, self.data, loss=self.loss if loss == "auto" else loss, known=known, name=self.name)

    def fit(self, *, model: Any = None, loss: Any = "auto", steps: int | None = None, epochs: int | None = None,
            **kwargs: Any) -> Runs:
        """:func:`descend.fit` on this task: its problem (``model``/``loss`` replace the task's), its default
        number of steps when no budget is given, and with no ``lr`` each optimizer's learning rate known to
        work here (:attr:`lrs`; the optimizer's default where the task has none)."""
        from ..engine import TRAIN_OPTIONS, train

        if steps is None and epochs is None:
            steps = self.steps
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in TRAIN_OPTIONS}
        problem = self.problem(model=model, loss=loss)
        return train(problem, self.runs(model=problem.model, **kwargs), steps=steps, epochs=epochs, **options)

    def runs(self, *, model: Any = None, **kwargs: Any) -> list[Any]:
        """The run specifications :meth:`fit` trains for the grid arguments ``kwargs`` (``optimizer``, ``lr``,
        ``batch_size``, ``seed``, hyperparameters, ...; see :func:`descend.spec.grid`): with no ``lr``, each
        optimizer's learning rate known to work here (:meth:`default_lr`). The one place that choice is made."""
        from ..spec import grid

        if "lrs" not in kwargs:
            names = kwargs.get("optimizer", "adam")
            names = names if isinstance(names, list) else [names]
            kwargs["lrs"] = {_canonical(name): self.default_lr(name) for name in names if isinstance(name, str)}
        return grid(model=self.model if model is None else model, **kwargs)

    def default_lr(self, optimizer: str) -> float | None:
        """The learning rate ``fit`` uses here for ``optimizer`` when none is given: the one known to work
        (:attr:`lrs`); for plain gradient steps (gd, sgd, momentum, nesterov), whose step scales with the
        gradient, the geometric middle of :attr:`lr_range`; else None (the optimizer's own default)."""
        name = _canonical(optimizer)
        if name in self.lrs:
            return float(self.lrs[name])
        if name in PLAIN_GRADIENT_STEPS:
            lo, hi = self.lr_range
            return float(f"{math.sqrt(lo * hi):.3g}")
        return None

    def with_loss(self, loss: Any) -> Task:
        """This task trained with another loss (``descend compare TASK --loss NAME`` where the task takes no loss of
        its own): its card names the loss trained, and says in a fact that its description, lr range and known lrs
        are of its own loss (half-mse's gradient is half of the MSE's: a plain gradient step at those rates moves
        half as far); what was computed for its own loss goes, said in that fact too —
        an answer that minimises the task's loss (no distance is measured to the least-squares solution of a
        fit by the MAE), and a regression's baseline and Hessian, values of that loss (bbox's baseline is a sum
        over the box's four numbers, 4× the MSE's). ``loss`` as :func:`descend.fit` takes it: a name of
        :mod:`descend.losses` in any spelling; ``"auto"``, ``"value"``, a loss of one's own or a name that is none
        give the task as it is (the problem takes or refuses them)."""
        from ..losses import get_loss

        if not isinstance(loss, str) or loss.strip().lower() in ("auto", "value"):
            return self
        try:
            loss = get_loss(loss).name
        except ValueError:
            return self
        if loss == self.loss:
            return self
        known = self.known
        if known is not None and known.loss not in (None, loss):
            # a multiple of the loss has its minimum at the same point (half-mse, l2), at another cost
            known = (dataclasses.replace(known, value=None, loss=loss)
                     if loss in _ALIKE.get(known.loss, ()) else None)
        own = ("baseline", "Hessian") if self.kind == "regression" else ()
        facts = tuple(fact for fact in self.facts if fact[0] not in own)
        left = [*([self.known.label] if known is None and self.known is not None else []),
                *(key for key, _ in self.facts if key in own)]
        # the rates were measured on the task's own loss: another one's gradient (half-mse's, half of the MSE's)
        # moves a plain gradient step at them another distance, which the card's rates alone hid
        measured = ("description, lr range and known lrs" if self.lrs else "description and lr range")
        said = f"{self.loss}: the task's {measured} are of that loss, not of {loss}"
        if (self.loss, loss) == ("mse", "half-mse"):
            said += " (half-mse's gradient is half of mse's: a plain gradient step, gd's or momentum's, at one of " \
                    "those rates moves half as far)"
        if left:
            said += f"; its {' and '.join(left)} {'is' if len(left) == 1 else 'are'} too, and left out"
        facts += (("own loss", said),)
        surface = self.surface
        if surface is not None and isinstance(surface.cost, _ModelCost):  # the line's bowl was the MSE's under mae
            from ..problem import make_objective

            cost = surface.cost
            surface = Surface(surface.names, _ModelCost(cost.model, make_objective(cost.model, loss, "regression"),
                                                        cost.x, cost.y, cost.rows), surface.domain,
                              surface.log_scale, surface.points if known is not None else ())
        return dataclasses.replace(self, loss=loss, known=known, facts=facts, surface=surface)

    def card(self, lrs: str | None = None) -> str:
        """A short plain-text card: what the task is, its data, model, loss, known answer and sensible lrs; with
        ``lrs``, the learning rates a run of it used in their place (a comparison's report says its own)."""
        lines = [f"{self.title} — descend task {self.name!r}", "", self.description, ""]
        if self.data is not None:
            splits = self.data
            parts = [f"{len(splits.train)} train"]
            for split in ("validation", "test"):
                part = getattr(splits, split)
                if part is not None and len(part):
                    parts.append(f"{len(part)} {split}")
            features = splits.train.x.shape[1]
            lines.append(f"data:       {', '.join(parts)} samples; {features} feature{'s' * (features != 1)}; "
                         f"{self.kind}")
        else:
            lines.append("data:       none (the cost is a function of the parameters alone)")
        describe = getattr(self.model, "describe", None)  # in words; a model of one's own by its repr
        lines.append(f"model:      {describe() if callable(describe) else repr(self.model)}")
        lines.append(f"loss:       {self.loss}")
        lines.append(f"budget:     {self.steps} steps by default")
        if lrs is None:
            lines.append(f"lr range:   {self.lr_range[0]:g} .. {self.lr_range[1]:g} (the default comparison's grid: "
                         "three rates across it)")
        else:
            lines.append(f"lrs:        {lrs}")
        lines.append(f"optimizers: {', '.join(self.optimizers)} (default comparison)")
        if self.lrs:
            lines.append("known lrs:  " + ", ".join(f"{k} {v:g}" for k, v in self.lrs.items()))
        if self.known is not None:
            lines.append(f"known:      {self.known.describe()}")
        for key, value in self.facts:
            lines.append(f"{key + ':':<11} {value}")
        options = self._options_text()
        if options:
            python = "descend.tasks.formula(TEXT, KEY=VALUE)" if self.name == "formula" else \
                "descend.tasks.get(TASK, KEY=VALUE)"  # (get takes names; a formula is built by formula)
            lines.append(f"options:    {options} (--task-option KEY=VALUE on the command line, {python} in Python)")
        if not self.bounded_below:
            from ..landscapes import UNBOUNDED_NOTE

            lines.append(UNBOUNDED_NOTE)
        return "\n".join(lines)

    def _options_text(self) -> str:
        """The options this task takes, each with the value it was built with (its default where not given), as
        ``--task-option`` takes them (``start=-2,3``, not Python's tuple); those left unset (None: the task's
        own) named apart."""
        import inspect

        values = {name: self.options.get(name, default) for name, default in self.option_defaults.items()}
        given = [f"{name}={_option_text(v)}" for name, v in values.items()
                 if v is not None and v is not inspect.Parameter.empty]
        unset = [name for name, v in values.items() if v is None or v is inspect.Parameter.empty]
        return "; ".join(part for part in (", ".join(given), "unset (the task's own): " + ", ".join(unset)
                                           if unset else "") if part)

    def __repr__(self) -> str:
        opts = "".join(f", {k}={v!r}" for k, v in self.options.items())
        return f"Task({self.name!r}{opts})"


# -- the registry ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    summary: str
    build: Callable[..., Task]
    group: str  # "case study", "real data"


#: Built-in tasks (not landscapes): name -> entry with a one-line summary, its builder and its group.
TASKS: dict[str, _Entry] = {}


#: The facts of a card that the command line says after its table too: what could mislead about the data (a
#: table's target read as one kind where the other was as likely, the rows dropped for missing values, a
#: classification's majority-class baseline, a class without a training row, a split of one class, a feature that is
#: the target in disguise, validation or test rows that repeat training rows, what a loss given in place of the
#: task's own leaves out).
SAID_FACTS = ("reading", "dropped", "baseline", "unseen", "one class", "leak", "copies", "own loss")


def said_facts(facts: Iterable[tuple[str, str]]) -> list[str]:
    """The lines of :data:`SAID_FACTS` among a card's ``facts``, as ``key: text``."""
    return [f"{key}: {text}" for key, text in facts if key in SAID_FACTS]


def told(notes: int, notes_at: str, facts: Iterable[tuple[str, str]], facts_at: str) -> str:
    """What a result's one-line repr adds of what the command line says after its table: how many ``notes`` it has
    (the attributes ``notes_at``), and the keys of the :data:`SAID_FACTS` among ``facts`` (``facts_at``), or nothing."""
    said = [key for key, _ in facts if key in SAID_FACTS]
    return (f"; {notes} note{'s' * (notes != 1)} ({notes_at})" if notes else "") + (
        f"; data: {', '.join(said)} ({facts_at})" if said else "")


def register(name: str, summary: str | None = None, group: str | None = None
             ) -> Callable[[Callable[..., Task]], Callable[..., Task]]:
    """Decorator adding a task builder ``build(**options) -> Task`` to :data:`TASKS`. A built-in task takes its
    summary and group from :data:`descend.catalog.TASKS` (``descend list`` reads them there, without torch);
    another task gives them."""
    from ..catalog import TASKS as LISTED

    if name in LISTED:
        summary = LISTED[name].summary if summary is None else summary
        group = LISTED[name].group if group is None else group
    if summary is None or group is None:
        raise ValueError(f"register({name!r}): give the task's summary and group (e.g. 'case study')")

    def add(build: Callable[..., Task]) -> Callable[..., Task]:
        TASKS[name] = _Entry(summary, build, group)
        return build

    return add


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def data_digest(task: Any) -> str | None:
    """For a task read from a file (a CSV file's ``path`` among its options): a digest of the numbers it trains
    and evaluates on, compared when a study is resumed or a report rebuilt (the file may have been edited
    since), else None."""
    import hashlib

    data = getattr(task, "data", None)
    if "path" not in getattr(task, "options", {}) or data is None:
        return None
    digest = hashlib.sha256()
    for part in (data.train, data.validation, data.test):
        for tensor in (() if part is None else (part.x, part.y)):
            digest.update(str((tuple(tensor.shape), tensor.dtype)).encode())
            digest.update(tensor.detach().contiguous().cpu().numpy().tobytes())
    return digest.hexdigest()[:16]


#: The options every task reads alike: a count of samples, and the seed of its data.
_COUNTS = {"m": 1, "n": 1, "data_seed": 0}  # (a task's steps: checked where every task is made, Task itself)


def _check_counts(options: Mapping[str, Any]) -> None:
    """Every option of :data:`_COUNTS` given (None: the task's own) is a whole number from its least value, said in
    the option's name (the ellipse's n=5.5 said "n=7.5", a line's data_seed=1.5 "seed=1.5": the names and values
    of what the task computed from them)."""
    for name, low in _COUNTS.items():
        value = options.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low):
            raise ValueError(f"{name}={value!r} is not allowed; a whole number >= {low} is required")
