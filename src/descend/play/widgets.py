"""The playground's computations: one function per widget, from a validated state to JSON-able results.

Every number comes from descend itself: the optimizers' paths from :func:`descend.fit` (the engine, the pure
update rules with their run axis), the tasks and landscapes from :mod:`descend.tasks` and
:mod:`descend.landscapes`, the search from :func:`descend.tune`. The page only draws them. Each result holds
``query`` (the state as a URL query string), ``state`` (the state's fields), ``command`` (the equivalent
``descend compare`` command, or None where the command line cannot say it, with ``command_note`` saying why)
and ``python`` (a script giving the same numbers). Results are cached by state (:func:`compute`), and training
runs one request at a time (two cores are better used by one run than shared by two).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch

from .._names import ordinal
from . import warm
from .commands import compare_command, python_snippet, run_spec_code
from .state import (
    CurvatureState,
    EllipseState,
    LandscapeState,
    LineState,
    OptimizerEntry,
    TuneState,
    VanishingState,
    WidgetState,
    _short,
)

__all__ = ["compute", "curvature", "ellipse", "landscape", "line", "tune", "vanishing", "WIDGETS", "clear_cache"]

_TRAINING = threading.Lock()
_CACHE: OrderedDict[str, dict[str, Any]] = OrderedDict()
_CACHE_LOCK = threading.Lock()
#: The states being computed, each with the event its requests wait for (under _CACHE_LOCK).
_COMPUTING: dict[str, threading.Event] = {}
CACHE_SIZE = 256


class Cancelled(Exception):
    """The request went away (its page asked for a newer state) while it waited for its turn to train."""


#: The current request's ``cancelled()`` (see :func:`compute`) and the seconds it waited for its turn.
_REQUEST = threading.local()
#: Set while the server stops (Ctrl-C): the requests still waiting for their turn to train give it up.
_STOPPING = threading.Event()


def stop_waiting(stopping: bool = True) -> None:
    """While the server stops, the requests waiting for their turn to train give it up (:class:`Cancelled`)
    instead of training one after another before it can end; the one training finishes. ``False`` undoes it."""
    if stopping:
        _STOPPING.set()
    else:
        _STOPPING.clear()


@contextlib.contextmanager
def _training() -> Iterator[None]:
    """One training at a time. A request whose page went away while it waited, or whose server is stopping
    (:func:`stop_waiting`), stops here (:class:`Cancelled`) rather than train for no one, and its wait is not
    counted in its ``seconds``."""
    asked = time.perf_counter()
    cancelled = getattr(_REQUEST, "cancelled", None)

    def given_up() -> bool:
        return _STOPPING.is_set() or (cancelled is not None and cancelled())

    while not _TRAINING.acquire(timeout=0.1):  # checked while it waits, not only once its turn comes
        if given_up():
            raise Cancelled()
    try:
        _REQUEST.waited = getattr(_REQUEST, "waited", 0.0) + time.perf_counter() - asked
        if given_up():
            raise Cancelled()
        yield
    finally:
        _TRAINING.release()


class PlayError(ValueError):
    """A state the library refused when building or training (a formula, a start outside the model's domain):
    ``field`` names the control it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


# -- small helpers ---------------------------------------------------------------------------------------------


def _list(values: Any) -> list[Any]:
    """Numbers as JSON: a (nested) list of floats with NaN and ±inf as None."""
    array = np.asarray(values, dtype=np.float64)
    out = array.astype(object)
    out[~np.isfinite(array)] = None
    return out.tolist()


def _steps(values: Any) -> list[int]:
    """Step numbers as JSON: whole numbers (``0, 1, ...``, as every widget and descend's files write steps, not
    ``0.0, 1.0``)."""
    return [int(v) for v in np.asarray(values).reshape(-1).tolist()]


def _schedule_text(entry: OptimizerEntry) -> str | None:
    if entry.schedule.strip():
        return entry.schedule.strip()
    if entry.decay:
        return f"inverse_time:decay={entry.decay!r}"
    return None


def _spec(entry: OptimizerEntry, steps: int, batch_size: Any = None, start: Any = None, index: int = 0) -> Any:
    """The entry's run (``index``: its row); ``start`` given to the run rather than the task, so that every start
    shares one model (and one compiled program, :mod:`descend.play.warm`): the same initial values either way."""
    from ..compare import parse_schedule
    from ..spec import RunSpec

    text = _schedule_text(entry)
    try:  # (the state built it over its steps already: a state made without its checks is refused here)
        schedules = {"lr": parse_schedule(text, steps, what="schedule")[1]} if text else {}
    except ValueError as e:
        raise PlayError(f"optimizers.{index}", f"optimizer {index + 1}: {e} (at steps={steps})") from None
    return RunSpec(entry.name, {"lr": entry.lr, **entry.hyper}, batch_size, 0,
                   None if start is None else tuple(start), schedules)


def _spec_code(entry: OptimizerEntry, steps: int, batch_size: Any = None) -> str:
    return run_spec_code(entry.name, {"lr": entry.lr, **entry.hyper}, batch_size=batch_size,
                         schedule=_schedule_text(entry), steps=steps)


def _fit(task: Any, specs: Sequence[Any], *, grad_norms: bool = False, **budget: Any) -> Any:
    """:func:`descend.fit` in float32 as ``descend compare`` runs it, one training at a time; the gradient norms
    only where a widget draws them (recording them changes no other number).

    With :mod:`descend.play.warm` on (the default), ``compile="cached"``: the process's compiled programs when it
    holds them, else eager, and then the same fit compiled on the side for the next request (a module of one's
    own is never kept between fits, so it stays eager). :func:`_compiled` says which ran."""
    import descend
    from ..models import ModuleModel

    kwargs = dict(task=task, runs=list(specs), record_grad_norms=grad_norms, **budget)
    if getattr(_PREPARING, "on", False):  # building a default state's programs on the side (prepare_defaults)
        return descend.fit(compile=True, **kwargs)
    warming = warm.enabled() and not isinstance(task.model, ModuleModel)
    with _training():
        runs = descend.fit(compile="cached" if warming else False, **kwargs)
        compiled = [result.compile_seconds > 0 for result in runs.results]
        if any(compiled) and not all(compiled):  # groups compiled for an earlier state beside new ones: the
            runs = descend.fit(compile=False, **kwargs)  # answer all eager, as its script (compile=False) gives it
    if warming and not _compiled(runs):
        warm.submit(lambda: descend.fit(compile=True, **kwargs))
    return runs


_PREPARING = threading.local()


def prepare_defaults() -> None:
    """Queue the programs of every widget's default state on the side (:func:`descend.play.warm.prepare`), so
    that a page opened once they are built answers compiled from its first request. ``descend play`` calls it
    at start; a request's own job goes first."""
    from .state import STATES

    def job(state: WidgetState) -> Callable[[], None]:
        def run() -> None:
            _PREPARING.on = True
            try:
                WIDGETS[state.widget](state)
            finally:
                _PREPARING.on = False
        return run

    warm.prepare([job(cls()) for name, cls in STATES.items() if name not in ("curvature", "tune")])


def _compiled(runs: Any) -> bool:
    """Whether ``runs`` trained on compiled programs (every group: the warm-up compiles a fit's groups together)."""
    return all(result.compile_seconds > 0 for result in runs.results)


def _colours(entries: Sequence[OptimizerEntry]) -> dict[str, str]:
    """Each row's colour (by its label), as the report of the widget's ``descend compare`` commands gives it: by
    the label the comparison names the optimizer with, its hyperparameters without the learning rate
    (``sgd(momentum=0.9)``), so that the plain ``sgd`` keeps SGD's own colour whatever the rows' learning rates;
    rows a report would name alike (one optimizer at two learning rates) are told apart by their whole labels."""
    from ..compare_config import OptimizerSpec
    from ..report.colours import colours

    named = {e.label: OptimizerSpec(e.name, dict(e.hyper)).label for e in entries}
    if len(set(named.values())) < len(named):
        return colours({e.label: e.name for e in entries})
    by_name = colours({named[e.label]: e.name for e in entries})
    return {label: by_name[name] for label, name in named.items()}


def _looks(entries: Sequence[OptimizerEntry]) -> dict[str, dict[str, str]]:
    """Each row's colour (:func:`_colours`) and marker shape, as every report draws a label
    (:func:`descend.report.colours.styles`: the k-th row the k-th shape): its ``colour``, its ``marker``
    (matplotlib's name), the same shape in Plotly's name (``symbol``), the line ``dash`` that goes with it, and
    how many times a line of many points carries the shape (``marks``), so that rows whose colours look alike to a
    colour-blind reader are told apart."""
    from ..report.colours import MARKS_PER_LINE, Style, markers

    colours = _colours(entries)
    shapes = markers(e.label for e in entries)
    looks = {label: Style(colour, shapes[label]) for label, colour in colours.items()}
    return {label: {"colour": look.colour, "marker": look.marker, "symbol": look.symbol, "dash": look.dash,
                    "marks": MARKS_PER_LINE} for label, look in looks.items()}


def _status(summary: Any, i: int) -> tuple[str, int | None]:
    row = summary.loc[i]
    at = row.get("status_at")
    return str(row["status"]), (None if at is None or (isinstance(at, float) and math.isnan(at)) else int(at))


def _commands(groups: Sequence[dict[str, Any]], *, compiled: bool = False,
              out: str | None = None) -> tuple[str | None, str]:
    """One ``descend compare`` command per group of settings (optimizers sharing a learning rate and schedule:
    a comparison runs each optimizer at each of its learning rates), or None with the reason. ``compiled``: the
    widget's numbers came from compiled programs, and so do the command's (``--compile``: compiled and eager
    steps agree to round-off, which a long path of small batches amplifies). Each command writes its own report
    folder (``out``, default ``reports/play-TASK``, apart from ``descend compare TASK``'s own ``reports/TASK``;
    ``-2``, ``-3``, ... after it for the next groups), so that the lines can be pasted together."""
    from .._names import slug

    lines = []
    try:
        for i, g in enumerate(groups):
            settings = {**g, **({"compile": True} if compiled else {})}
            folder = out or f"reports/play-{slug(g['task'])}"
            lines.append(compare_command(settings, config_file=f"play{i + 1 if len(groups) > 1 else ''}.toml",
                                         out=folder if i == 0 else f"{folder}-{i + 1}"))
    except ValueError as e:
        return None, f"descend compare cannot say this: {e}"
    return "\n".join(lines), ""


def _grouped(entries: Sequence[OptimizerEntry], base: dict[str, Any]) -> list[dict[str, Any]]:
    """``descend compare`` settings for the entries: those with the same lr and schedule share a command."""
    groups: dict[tuple[float, str | None], list[OptimizerEntry]] = {}
    for e in entries:
        groups.setdefault((e.lr, _schedule_text(e)), []).append(e)
    out = []
    for (lr, schedule), members in groups.items():
        settings = {**base, "optimizer": [_optimizer_text(e) for e in members], "lr": [lr], "seeds": 1}
        if schedule:
            settings["schedule"] = schedule
        out.append(settings)
    return out


def _optimizer_text(e: OptimizerEntry) -> str:
    if not e.hyper:
        return e.name
    return e.name + ":" + ",".join(f"{k}={str(v).lower() if isinstance(v, bool) else repr(v)}"
                                   for k, v in e.hyper.items())


def _common(state: WidgetState) -> dict[str, Any]:
    return {"widget": state.widget, "query": state.to_query(), "state": state.model_dump(mode="json")}


def _thin(n: int, limit: int) -> np.ndarray:
    """At most ``limit`` indices of ``range(n)``, evenly spread, the last one included."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


# -- 1. line fit -------------------------------------------------------------------------------------------------


def _line_task(state: LineState, with_start: bool = False) -> tuple[Any, str]:
    """``(task, Python that builds it)``: the task with its own start (the widget's goes with the runs, _spec: one
    model for every start), or ``with_start`` the state's, as the Python builds it."""
    from .. import tasks

    options = dict(m=state.m, slope=state.slope, intercept=state.intercept, noise=state.noise,
                   data_seed=state.data_seed, start=tuple(state.start))
    code = "descend.tasks.get('line', " + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"
    return tasks.get("line", **{k: v for k, v in options.items() if with_start or k != "start"}), code


def line(state: LineState) -> dict[str, Any]:
    """Seed 003's line fit: the data, the ground truth, the least-squares answer, the cost J(w, b) over a grid,
    and the path of (w, b), the full-set cost and the batch's cost at every step, with each update's numbers."""
    task, code = _line_task(state)
    batch = state.batch_size or None
    entry = OptimizerEntry(name=state.optimizer, lr=state.lr)
    runs = _fit(task, [_spec(entry, state.steps, batch, state.start)], steps=state.steps)
    compiled = _compiled(runs)
    path = runs.paths[0]
    status, at = _status(runs.summary, 0)
    if status == "diverged" and at is not None:
        path = path[: at + 1]
    surface = task.surface
    # the task's domain is drawn around its own start; the state's (a typed one may be far) is drawn too
    domain = _grown(surface.domain, [state.start])
    axes = [torch.linspace(low, high, state.grid, dtype=torch.float64) for low, high in domain]
    w, b = torch.meshgrid(*axes, indexing="xy")
    with torch.no_grad():
        j = surface.cost(w, b)
        cost = surface.cost(torch.as_tensor(path[:, 0]), torch.as_tensor(path[:, 1])).numpy()
    batch_loss = runs.curve(0, "loss", "batch")[2]
    x = task.data.train.x.double()[:, 0].numpy()
    y = task.data.train.y.double().reshape(-1).numpy()
    ls = task.known.points[0]
    whole = batch is None or batch >= len(x)  # each step's batch is the whole training set: its gradient is J's
    settings = {"task": "line", "optimizer": [state.optimizer], "lr": [state.lr], "steps": state.steps, "seeds": 1,
                "start": list(state.start), "batch_size": [batch if batch else "full"],
                "task_options": {k: v for k, v in task.options.items() if k != "start"}}
    command, note = _commands([settings], compiled=compiled)
    return {
        **_common(state),
        "title": "Line fit",
        "train_size": len(x), "data": {"x": _list(x), "y": _list(y)},
        "truth": {"w": state.slope, "b": state.intercept},
        "least_squares": {"w": float(ls["w"]), "b": float(ls["b"]), "cost": task.known.value},
        "grid": {"w": _list(w[0]), "b": _list(b[:, 0]), "cost": _list(j), "domain": _list(domain)},
        "path": _list(path), "cost": _list(cost), "batch_loss": _list(batch_loss[: len(path) - 1]),
        "status": status, "status_at": at, "lr": state.lr, "optimizer": state.optimizer,
        "whole_batch": whole, "batch_label": "GD: the whole training set" if whole else (
            "SGD: one sample" if batch == 1 else f"mini-batches of {batch}"),
        "command": command, "command_note": note,
        "compiled": compiled,
        "python": python_snippet(code, [_spec_code(entry, state.steps, batch)], f"steps={state.steps}",
                                 compiled=compiled),
    }


# -- 2. learning rate and curvature ----------------------------------------------------------------------------


def _regime(product: float) -> tuple[str, str]:
    """What gradient descent does on c·w²/2 with α·c = ``product`` (w ← (1 − αc)w). How fast it converges is
    |1 − αc|, the part of w each step keeps, on either side of 1/c: α·c = 0.95 keeps 5 %, faster than 1.5 (50 %),
    so neither side is called slow."""
    if math.isclose(product, 1.0, rel_tol=1e-9):
        return "one-step", "α = 1/c: the minimum in one step"
    if product < 1:
        return "monotone", "α < 1/c: monotone convergence (each step keeps 1 − αc of w, on the same side)"
    if math.isclose(product, 2.0, rel_tol=1e-9):
        return "oscillating-forever", "α = 2/c: oscillates between ±w for ever"
    if product < 2:
        return "oscillating", ("1/c < α < 2/c: oscillates and converges (each step keeps |1 − αc| of w, on the "
                               "other side)")
    return "diverging", "α > 2/c: oscillates with growing amplitude and diverges"


def curvature(state: CurvatureState) -> dict[str, Any]:
    """Gradient descent on J(w) = c·w²/2: at each iterate the tangent (the linear model GD follows), where it
    predicts the next cost, the true cost there and the difference (the approximation error, c·Δw²/2)."""
    import descend

    from .. import landscapes

    scape = landscapes.parabola(state.curvature)
    with _training():
        runs = descend.fit(model=scape.model((state.start,)), loss="value", optimizer="gd", lr=state.lr,
                           steps=state.steps, compile=False)
    path = runs.paths[0][:, 0]
    status, at = _status(runs.summary, 0)
    if status == "diverged" and at is not None:
        path = path[: at + 1]
    w = torch.as_tensor(path, dtype=torch.float64)
    with torch.no_grad():
        cost = scape(w)
        (slope,) = scape.gradient(w)
    predicted = cost[:-1] + slope[:-1] * (w[1:] - w[:-1])
    error = cost[1:] - predicted
    kind, words = _regime(state.lr * state.curvature)
    # the parabola over its own span, widened to every iterate: a run that grows stays on the drawn curve. The page's
    # view follows the iterates shown so far (±2.5, or 1.1·max|w|): 201 points over each of a ladder of spans, each
    # 1.5× the last, so that every view holds at least 134 (over the whole span alone, a diverging run's first
    # steps saw a few straight segments)
    finite = w[torch.isfinite(w)]
    span = max(2.5, 1.1 * float(finite.abs().max())) if len(finite) else 2.5
    ladder = [2.5 * 1.5**i for i in range(int(math.log(span / 2.5, 1.5)) + 1) if 2.5 * 1.5**i < span] + [span]
    curve_w = torch.unique(torch.cat([torch.linspace(-s, s, 201, dtype=torch.float64) for s in ladder]))
    code = f"descend.landscapes.parabola({state.curvature!r})"
    python = "\n".join([
        "import descend", "",
        f"scape = {code}",
        f"runs = descend.fit(model=scape.model(({state.start!r},)), loss='value', optimizer='gd', lr={state.lr!r}, "
        f"steps={state.steps}, compile=False)",
        "print(runs.paths[0][:, 0])  # w after each step", "print(runs.summary)"])
    if state.curvature == 1.0:
        command, note = _commands([{"task": "parabola", "optimizer": ["gd"], "lr": [state.lr], "steps": state.steps,
                                    "seeds": 1, "start": [state.start]}])
    else:
        command, note = None, ("descend compare parabola has curvature c = 1; for c = "
                               f"{state.curvature:g} use the Python below")
    return {
        **_common(state),
        "title": "Learning rate and curvature",
        "curve": {"w": _list(curve_w), "cost": _list(scape(curve_w))},
        "path": _list(path), "cost": _list(cost), "slope": _list(slope),
        "predicted": _list(predicted), "error": _list(error),
        "regime": kind, "regime_text": words, "factor": 1 - state.lr * state.curvature,
        "thresholds": {"one_step": 1 / state.curvature, "diverge": 2 / state.curvature},
        "status": status, "status_at": at,
        "command": command, "command_note": note, "python": python,
    }


# -- 3. optimizers on a landscape ----------------------------------------------------------------------------------


def _landscape_task(state: LandscapeState, with_start: bool = False) -> tuple[Any, Any, str, dict[str, Any] | None]:
    """``(task, landscape, Python that builds the task, settings of descend compare or None)``; the task starts
    where the landscape does (the state's start goes with the runs) or, ``with_start``, at the state's start, as
    the Python builds it."""
    from .. import landscapes, tasks
    from .._checks import close_matches
    from ..formula import FormulaError, is_name

    text = state.landscape
    key = "-".join(text.strip().lower().replace("_", " ").replace("-", " ").split())
    start = tuple(state.start) if state.start is not None else None
    noise = dict(noise=state.noise, m=state.m, data_seed=state.data_seed) if state.noise > 0 else {}
    try:
        if key in landscapes.LANDSCAPES:
            scape = landscapes.get(key)
            if scape.dim != 2:
                raise PlayError("landscape", f"{key!r} is 1-D: see the learning-rate-and-curvature widget")
            options = {**noise, **({"start": start} if start is not None else {})}
            code = f"descend.tasks.landscape_task({key!r}" + "".join(f", {k}={v!r}" for k, v in options.items()) + ")"
            task = tasks.landscape_task(key, **noise, **({"start": start} if with_start and start else {}))
            settings = {"task": key, **({"start": list(start)} if start else {}),
                        **({"task_options": noise} if noise else {})}
            return task, scape, code, settings
        if is_name(text):  # a name, not a formula (descend.formula.is_name): not one of the list
            raise PlayError("landscape", f"unknown landscape {text!r}{close_matches(key, landscapes.LANDSCAPES)}; "
                                         "choose one of the list or type a formula in x and y")
        # one parsed task per formula and noise (the start goes with the runs), so that every start shares its model
        cache_key = f"formula-task:{text!r}:{sorted(noise.items())}"
        built = _cached(cache_key)
        if built is None:
            scape = landscapes.from_formula(text)
            built = (tasks.landscape_task(scape, **noise) if noise else tasks.formula(text), scape)
            _store(cache_key, built)
        task, scape = built
        if start is not None:  # the runs start there: a start where the formula is not a number trains nothing
            tasks.check_start(scape, start)
        if with_start and start is not None:
            task = (tasks.landscape_task(landscapes.from_formula(text, start=start), **noise) if noise
                    else tasks.formula(text, start=start))
        if noise:
            code = (f"descend.tasks.landscape_task(descend.landscapes.from_formula({text!r}, start={start!r}), "
                    + ", ".join(f"{k}={v!r}" for k, v in noise.items()) + ")")
            return task, scape, code, None
        code = f"descend.tasks.formula({text!r}, start={start!r})"
        settings = {"task": text, **({"start": list(start)} if start else {})}
        return task, scape, code, settings
    except PlayError:
        raise
    except FormulaError as e:
        raise PlayError("landscape", str(e)) from None
    except ValueError as e:
        from ..landscapes.formula import ANOTHER_DOMAIN, DOMAIN_HINT

        # the widget draws a formula over the domain found for it: the library's advice on giving one is not its
        text = str(e).replace(DOMAIN_HINT, "write a formula that is a finite number somewhere in [-5, 5]² (the "
                                           "playground draws it where it is)")
        text = text.replace(ANOTHER_DOMAIN, "write a formula with a finite gradient somewhere in [-5, 5]²")
        raise PlayError("start" if "start" in text else "landscape", text) from None


def _critical_points(scape: Any) -> list[dict[str, Any]]:
    saddles = set(id(p) for p in scape.saddles)
    out = []
    for p in scape.critical_points:
        kind = "saddle" if id(p) in saddles else p.kind
        out.append({"kind": kind, "point": list(p.point), "value": p.value, "global": p.is_global})
    return out


def _grown(domain: Sequence[Sequence[float]], points: Sequence[Sequence[float]]) -> tuple[tuple[float, float], ...]:
    """:func:`descend.tasks.task.grown_domain` (imported when a widget draws: not at the module's import)."""
    from ..tasks.task import grown_domain

    return grown_domain(domain, points)


def _surface(f: Callable[..., Any], domain: Sequence[Sequence[float]], n: int, log: bool) -> dict[str, Any]:
    (x0, x1), (y0, y1) = domain
    x = torch.linspace(x0, x1, n, dtype=torch.float64)
    y = torch.linspace(y0, y1, n, dtype=torch.float64)
    xx, yy = torch.meshgrid(x, y, indexing="xy")
    with torch.no_grad():
        z = torch.broadcast_to(f(xx, yy), xx.shape).double()
    finite = torch.isfinite(z)
    shown = z
    if log and finite.any():
        shown = torch.log10(1.0 + z - z[finite].min())
    zmin = float(z[finite].min()) if finite.any() else 0.0
    return {"x": _list(x), "y": _list(y), "z": _list(z), "shown": _list(shown), "log": bool(log), "zmin": zmin,
            "shown_label": "log₁₀(1 + J − min J)" if log else "J"}


def landscape(state: LandscapeState) -> dict[str, Any]:
    """Optimizers on a landscape: the contour (and 3-D) grid, the critical points, and each optimizer's path and
    cost J(w_t) at every step; a diverging run is drawn up to where it diverged, with its status."""
    task, scape, code, settings = _landscape_task(state)
    batch = state.batch_size if state.noise > 0 else None
    specs = [_spec(e, state.steps, batch, state.start, i) for i, e in enumerate(state.optimizers)]
    try:
        runs = _fit(task, specs, steps=state.steps)
    except ValueError as e:
        raise PlayError("start" if "start" in str(e) else "optimizers", str(e)) from None
    compiled = _compiled(runs)
    start = list(runs.paths[0][0]) if state.start is None else [float(v) for v in state.start]
    looks = _looks(state.optimizers)
    out_runs, ends = [], [start]
    for i, entry in enumerate(state.optimizers):
        path = runs.paths[i]
        status, at = _status(runs.summary, i)
        if status != "ok" and at is not None:
            path = path[: at + 1]
        with torch.no_grad():
            cost = scape.f(torch.as_tensor(path[:, 0]), torch.as_tensor(path[:, 1])).double().numpy()
        ends.append(path[-1].tolist())
        out_runs.append({"label": entry.label, "optimizer": entry.name, **looks[entry.label],
                         "hyper": {k: v for k, v in runs.summary.loc[i].items() if k in _hyper_names(entry.name)},
                         "schedule": _schedule_text(entry), "path": _list(path), "cost": _list(cost),
                         "status": status, "status_at": at, "final": _list(path[-1]),
                         "final_cost": _list(cost[-1:])[0]})
    domain = _grown(scape.domain, [start])
    base = dict(settings or {}, steps=state.steps)
    if settings is not None and batch is not None:
        base["batch_size"] = [batch]
    command, note = _commands(_grouped(state.optimizers, base), compiled=compiled) if settings is not None else (
        None, "descend compare has no gradient noise for a typed formula; use the Python below")
    return {
        **_common(state),
        "title": getattr(scape, "title", state.landscape), "formula": scape.formula, "names": list(scape.names),
        "critical_points": _critical_points(scape), "start": start, "domain": _list(domain),
        "grid": _surface(scape.f, domain, state.grid, bool(scape.log_scale)),
        "runs": out_runs, "steps": state.steps, "noise": state.noise,
        "command": command, "command_note": note,
        "compiled": compiled,
        "python": python_snippet(code, [_spec_code(e, state.steps, batch) for e in state.optimizers],
                                 f"steps={state.steps}", compiled=compiled),
    }


def _hyper_names(name: str) -> set[str]:
    from ..optim import get

    info = get(name)
    return {"lr", *(h.name for h in info.hyperparameters)}


# -- 4. the Earth–Mars ellipse ---------------------------------------------------------------------------------------


def ellipse(state: EllipseState) -> dict[str, Any]:
    """Seed 004: each optimizer's path of (A, B) over the cost surface from the start, and the batch-size
    comparison (the loss of every update against epochs, thinned as the seed's figure 3, and the whole training
    set's loss)."""
    from .. import tasks

    task = tasks.get("ellipse")  # the start goes with the runs (_spec): one model for every start
    code = f"descend.tasks.get('ellipse', start={tuple(state.start)!r})"
    paths = _ellipse_paths(state, task)
    batches = _ellipse_batches(state)
    surface = task.surface
    # around the start and every finished path (from A < 0 the paths go to the mirror answer, -A)
    domain = _grown(surface.domain, [state.start, *(point for run in paths["runs"] if run["status"] == "ok"
                                                     for point in run["path"])])
    key = f"ellipse-surface:{domain}:{state.grid}"
    grid = _cached(key)
    if grid is None:
        grid = _surface(lambda a, b: surface.cost(a, b), domain, state.grid, True)
        _store(key, grid)
    looks = _looks(state.optimizers)
    for run in paths["runs"]:
        run.update(looks[run["label"]])
    base = {"task": "ellipse", "steps": state.steps, "start": list(state.start), "batch_size": ["full"]}
    command, note = _commands(_grouped(state.optimizers, base), compiled=paths["compiled"])
    batch_command, _ = _commands([{"task": "ellipse", "optimizer": [state.batch_optimizer], "lr": [state.batch_lr],
                                   "epochs": state.epochs, "seeds": 1, "batch_size": list(state.batch_sizes)}],
                                 compiled=batches["batches_compiled"], out="reports/play-ellipse-batches")
    specs = [_spec_code(e, state.steps) for e in state.optimizers]
    from ..compare import parse_batch_sizes

    batch_specs = [run_spec_code(state.batch_optimizer, {"lr": state.batch_lr}, batch_size=b)
                   for s in state.batch_sizes for b in parse_batch_sizes(s)]
    python = python_snippet(code, specs, f"steps={state.steps}", imports=["from descend.data import hybrid"],
                            compiled=paths["compiled"])
    python += "\n\n# the batch-size comparison (from the seed's start)\n" + python_snippet(
        "descend.tasks.get('ellipse')", batch_specs, f"epochs={state.epochs}",
        imports=["from descend.data import hybrid"], compiled=batches["batches_compiled"])
    return {
        **_common(state),
        "title": "Earth–Mars transfer orbit", "names": ["A", "B"], "domain": _list(domain),
        "truth": {"A": tasks.cases.ELLIPSE_A, "B": tasks.cases.ELLIPSE_B}, "grid": grid, "start": list(state.start),
        **paths, **batches,
        "command": (command or "") + ("\n" + batch_command if batch_command else ""), "command_note": note,
        "python": python,
    }


def _ellipse_paths(state: EllipseState, task: Any) -> dict[str, Any]:
    key = f"ellipse-paths:{state.start}:{state.steps}:{[e.to_text() for e in state.optimizers]}"
    cached = _cached(key)
    if cached is not None:
        return cached
    runs = _fit(task, [_spec(e, state.steps, start=state.start, index=i) for i, e in enumerate(state.optimizers)],
                steps=state.steps)
    out = []
    for i, entry in enumerate(state.optimizers):
        path = runs.paths[i]
        status, at = _status(runs.summary, i)
        # the cost at every point of the path, as training measured it: each step's batch is the whole training
        # set, so its loss is J at the step's start; the last evaluation of the training set is J at the end
        # (reading them back costs nothing; evaluating the surface along the paths again took 15-40 ms)
        cost = np.append(runs.curve(i, "loss", "batch")[2], runs.curve(i, "loss", "train")[2][-1])
        if status != "ok" and at is not None:
            path, cost = path[: at + 1], cost[: at + 1]
        out.append({"label": entry.label, "optimizer": entry.name, "path": _list(path), "cost": _list(cost),
                    "status": status, "status_at": at, "final": _list(path[-1])})
    result = {"runs": out, "compiled": _compiled(runs)}
    _store(key, result)
    return result


def _every(size: Any) -> int:
    """Seed 004's figure 3 plots 1 of every 32 updates of batch 1 and 1 of every 2 of batch 32 (and of smaller
    mini-batches), every update of larger ones."""
    return 32 if size == 1 else 2 if isinstance(size, int) and size <= 32 else 1


def _thinned(size: Any, epoch: Any) -> tuple[Any, str]:
    """The updates of a batch-size curve that are plotted (their 0-based numbers) and the legend's words for the
    thinning: a hybrid is thinned as its batch size is in each epoch."""
    number = np.arange(len(epoch))
    if not callable(size):
        every = _every(size)
        return number[number % every == 0], f"every {ordinal(every)} update" if every > 1 else ""
    sizes = [size(int(e)) for e in np.floor(np.asarray(epoch, dtype=np.float64))]
    keep, seen = [], {}
    for i, b in enumerate(sizes):
        seen[b] = seen.get(b, 0) + 1
        if (seen[b] - 1) % _every(b) == 0:
            keep.append(i)
    words = "; ".join(f"every {ordinal(_every(b))} update of batch {b}" for b in seen if _every(b) > 1)
    return np.asarray(keep, dtype=np.int64), words


def _ellipse_batches(state: EllipseState) -> dict[str, Any]:
    """Seed 004's figure 3 from its start (A, B) = (0.1, 1.8), whatever start the paths take."""
    from .. import tasks
    from ..compare import batch_label, parse_batch_sizes
    from ..report.colours import regime_colours

    key = f"ellipse-batches:{state.batch_optimizer}:{state.batch_lr}:{state.epochs}:{state.batch_sizes}"
    cached = _cached(key)
    if cached is not None:
        return cached
    from ..spec import RunSpec

    sizes = [b for s in state.batch_sizes for b in parse_batch_sizes(s)]
    specs = [RunSpec(state.batch_optimizer, {"lr": state.batch_lr}, b, 0) for b in sizes]
    runs = _fit(tasks.get("ellipse"), specs, epochs=state.epochs)
    colours = regime_colours([batch_label(b) for b in sizes])  # the report's batch-size figure's
    out = []
    for i, b in enumerate(sizes):
        _, batch_epoch, batch_loss = runs.curve(i, "loss", "batch")
        kept, thinning = _thinned(b, batch_epoch)
        train_update, train_epoch, train_loss = runs.curve(i, "loss", "train")
        status, at = _status(runs.summary, i)
        label = batch_label(b)
        out.append({"label": label, "colour": colours[label], "thinning": thinning,
                    "updates": len(batch_loss), "update": kept.tolist(), "epoch": _list(batch_epoch[kept]),
                    "loss": _list(batch_loss[kept]), "train_update": train_update.tolist(),
                    "train_epoch": _list(train_epoch), "train_loss": _list(train_loss),
                    "status": status, "status_at": at, "final": _list(runs.params[i]["w_a"].reshape(1).tolist()
                                                                       + runs.params[i]["w_b"].reshape(1).tolist())})
    result = {"batches": out, "epochs": state.epochs, "batch_optimizer": state.batch_optimizer,
              "batch_lr": state.batch_lr, "batches_compiled": _compiled(runs)}
    _store(key, result)
    return result


# -- 5. vanishing and exploding gradients --------------------------------------------------------------------------


def vanishing(state: VanishingState) -> dict[str, Any]:
    """Seed 002: a deep MLP on two circles; the gradient norm of every layer's weights at every step (each layer in
    the colour the report's gradient-norm figures give it), and the training loss and accuracy."""
    from .. import tasks
    from ..models import with_init
    from ..report.colours import depth_colours

    options = dict(depth=state.depth, width=state.width, hidden=state.activation)
    task = tasks.get("vanishing", **options)
    code = "descend.tasks.get('vanishing', " + ", ".join(f"{k}={v!r}" for k, v in options.items()) + ")"
    task = dataclasses.replace(task, model=with_init(task.model, state.init, state.init_scale))
    scale = f", {state.init_scale!r}" if state.init_scale is not None else ""
    code = f"dataclasses.replace(task := {code}, model=descend.models.with_init(task.model, {state.init!r}{scale}))"
    entry = OptimizerEntry(name=state.optimizer, lr=state.lr)
    runs = _fit(task, [_spec(entry, state.steps)], steps=state.steps, grad_norms=True)
    compiled = _compiled(runs)
    names = [n for n in runs.names if n.endswith(".weight")]
    status, at = _status(runs.summary, 0)
    # a run that diverged is drawn up to that step (its records after it are empty: the axis ended at the budget)
    last = at if status != "ok" and at is not None else math.inf
    norms = []
    steps = None
    for name in names:
        when, _, values = runs.curve(0, f"grad_norm:{name}")
        values = values[when <= last]
        keep = _thin(len(values), 250)
        steps = when[when <= last][keep]
        norms.append(_list(values[keep]))
    loss_step, _, loss = runs.curve(0, "loss")
    accuracy_step, _, accuracy = runs.curve(0, "accuracy")
    loss, loss_step = loss[loss_step <= last], loss_step[loss_step <= last]
    accuracy, accuracy_step = accuracy[accuracy_step <= last], accuracy_step[accuracy_step <= last]
    first_last = [next((v for v in reversed(n) if v is not None), None) for n in norms]  # the last finite one
    first_step = [n[0] if n else None for n in norms]
    settings = {"task": "vanishing", "optimizer": [state.optimizer], "lr": [state.lr], "steps": state.steps,
                "seeds": 1, "init": state.init, "task_options": options,
                **({"init_scale": state.init_scale} if state.init_scale is not None else {})}
    command, note = _commands([settings], compiled=compiled)
    colours = depth_colours(names)  # the report's gradient-norm figures' (viridis by depth)
    return {
        **_common(state),
        "title": "Vanishing and exploding gradients",
        "layers": [f"layer {i + 1}" if i < len(names) - 1 else "output" for i in range(len(names))],
        "colours": [colours[name] for name in names],
        "steps": _steps(steps if steps is not None else []), "norms": norms, "final_norms": first_last,
        "first_norms": first_step,
        "loss_step": _steps(loss_step), "loss": _list(loss),
        "accuracy_step": _steps(accuracy_step), "accuracy": _list(accuracy),
        "status": status, "status_at": at,
        "command": command, "command_note": note,
        "compiled": compiled,
        "python": python_snippet(code, [_spec_code(entry, state.steps)], f"steps={state.steps}",
                                 imports=["import dataclasses"], compiled=compiled),
    }


# -- 6. tune it -------------------------------------------------------------------------------------------------------


#: A search stops starting new cohorts after this many seconds (it keeps what finished, and says so).
TUNE_SECONDS = 20.0


#: The largest learning rate the other widgets take (their ``lr`` fields): a search's range ends there, so that its
#: best configuration can be carried back to them.
WIDGET_LR_MAX = 10.0


def _within_widgets(space: Any) -> Any:
    """``space`` with its ``lr`` range ending at :data:`WIDGET_LR_MAX` (Adadelta's default range reaches 100)."""
    params = tuple(dataclasses.replace(p, high=min(p.high, WIDGET_LR_MAX), low=min(p.low, WIDGET_LR_MAX / 10))
                   if p.name == "lr" and p.kind == "float" else p for p in space.params)
    return dataclasses.replace(space, params=params)


def tune(state: TuneState) -> dict[str, Any]:
    """A small search by :func:`descend.tune` over each optimizer of another widget's problem (its task, start,
    steps and batch size): the best configuration found per optimizer, every trial, and the other widget's URL
    with the best settings filled in."""
    import descend

    # the other widget's problem, from its start; the space is what the link back can carry (_applied): the line
    # widget sets lr alone, the others lr and each optimizer's own hyperparameters (the default space's), the
    # rest of each row (its switches, decay or schedule) as the row has them
    target = state.target_state()
    if isinstance(target, LandscapeState):
        try:
            task, _, code, _ = _landscape_task(target, with_start=True)
        except PlayError as e:  # the other widget's control is this widget's query
            raise PlayError("query", f"query (the landscape widget's state): {e}") from None
        steps, batch = target.steps, (target.batch_size if target.noise > 0 else None)
    elif isinstance(target, LineState):
        task, code = _line_task(target, with_start=True)
        steps, batch = target.steps, (target.batch_size or None)
    else:
        from .. import tasks

        task = tasks.get("ellipse", start=tuple(target.start))
        code = f"descend.tasks.get('ellipse', start={tuple(target.start)!r})"
        steps, batch = target.steps, None
    searches = _searches(target, task)
    best, rows, notes, configs, timed_out, calls = [], [], [], {}, False, []
    # the page going away stops the search after the step it is at (it trained on for up to TUNE_SECONDS, every
    # other page's new state waiting for it), and what finished is for no one: not answered, not cached
    gone = getattr(_REQUEST, "cancelled", None) or (lambda: False)
    with _training():
        started = time.perf_counter()
        for search in searches:  # one descend.tune per schedule and per repeated optimizer: each row as it is
            left = max(0.01, TUNE_SECONDS - (time.perf_counter() - started))  # a first cohort at least
            arguments = dict(optimizer=list(search.spaces), space=search.spaces, trials=state.trials,
                             cohort=min(state.trials, 16), steps=steps, seeds=1, sampler=state.sampler, seed=0,
                             batch_size=batch, timeout=left if len(searches) > 1 else TUNE_SECONDS)
            result = descend.tune(task, compile=False, schedules=search.schedules(steps), stop=gone, **arguments)
            if gone():
                raise Cancelled()
            calls.append((search, arguments))
            timed_out = timed_out or bool(result.timed_out)
            notes += [n for n in result.notes if n not in notes]
            # the link back trains seed 0, as every widget does, where the best trial trained with the seed of its
            # number: with sampled batches the two differ; the seed-0 re-run (seeds=1) is what the link shows
            final = result.final_summary
            for name, info in result.best.items():
                config = {k: v for k, v in info["config"].items() if k != "batch_size"}
                mine = final[final["optimizer"] == name] if final is not None and "optimizer" in final else None
                column = result.target.column
                link = (float(mine[column].iloc[0]) if mine is not None and len(mine) and column in mine
                        and math.isfinite(float(mine[column].iloc[0])) else None)
                best.append({"optimizer": search.labels[name], "value": info["value"], "trial": info["trial"],
                             "seed": info.get("seed"), "link_value": link, "config": config})
                configs[search.labels[name]] = config
            for _, row in result.trials.iterrows():
                value = row.get("value")
                status = row.get("status")  # descend tune's (a diverged trial is COMPLETE to Optuna, told +inf)
                rows.append({"optimizer": search.labels[row["optimizer"]], "number": int(row["number"]),
                             "state": row["state"],
                             "status": status if isinstance(status, str) else None,
                             "value": None if value is None or not math.isfinite(float(value)) else float(value),
                             "lr": _list([row.get("lr", math.nan)])[0]})
    seconds = time.perf_counter() - started
    applied = _applied(target, configs)
    # what the search minimised, in words: a few held-out samples' loss is not the cost J the widget shows
    objective = f"{result.target.split} {result.target.metric}"
    held = getattr(getattr(task, "data", None), result.target.split, None)
    if held is not None and result.target.split != "train":
        objective += f" ({len(held.x)} held-out samples)"
    missing = sum(1 for r in rows if r["value"] is None)
    if missing:
        notes.append(f"{missing} of the {len(rows)} trial{'s' * (len(rows) != 1)} {'has' if missing == 1 else 'have'} "
                     "no value to draw (diverged or stopped)")
    if timed_out:
        notes.append(f"stopped starting new trials after {TUNE_SECONDS:g} s: the best of what finished")
    scheduled = any(search.schedule for search, _ in calls)
    python = ["import descend", *(["from descend.compare import parse_schedule"] if scheduled else []), "",
              f"task = {code}"]
    for i, (search, arguments) in enumerate(calls):
        name = "result" if len(calls) == 1 else f"result_{i + 1}"
        # the timeout is what was left of the page's budget when the search began (19.99999957700129): written
        # rounded where it ended a search, and not at all where none ended (the same trials without it)
        shown = {k: (math.ceil(v * 10) / 10 if k == "timeout" else v) for k, v in arguments.items()
                 if k != "timeout" or timed_out}  # (rounded up: 0.01 s left was written 0.0, which tune refuses)
        words = ", ".join(f"{k}={v!r}" for k, v in shown.items())
        schedule = f", schedules={{'lr': parse_schedule({search.schedule!r}, {steps})[1]}}" if search.schedule else ""
        python += [f"{name} = descend.tune(task, {words}{schedule})", f"print({name}.table)"]
    python = "\n".join(python)
    return {
        **_common(state),
        "title": "Tune it", "target": state.target, "best": best, "trials": rows, "seconds": seconds,
        "looks": _tuned_looks(target),
        "objective": objective,
        "timed_out": bool(result.timed_out), "notes": notes, "applied_query": applied,
        "command": None, "command_note": "descend tune's command line takes the same search: see descend tune --help",
        "python": python,
    }


@dataclasses.dataclass
class _Search:
    """One :func:`descend.tune` of the tune widget: rows of the other widget with one schedule (or none) and
    distinct optimizers; ``spaces``: optimizer → the searched space's text (the row's switches and other values
    fixed in it); ``labels``: optimizer → the row's label in the answer; ``entries``: label → the row."""

    schedule: str | None
    spaces: dict[str, str] = dataclasses.field(default_factory=dict)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    entries: dict[str, Any] = dataclasses.field(default_factory=dict)

    def schedules(self, steps: int) -> dict[str, Any]:
        from ..compare import parse_schedule

        return {"lr": parse_schedule(self.schedule, steps)[1]} if self.schedule else {}


def _searches(target: WidgetState, task: Any) -> list[_Search]:
    """The searches of the tune widget for the other widget's rows: each row's default space (its lr within what
    the widgets take), with what the row sets beyond it (nesterov, amsgrad, eps, ...) fixed, and its decay or
    schedule applied to every trial; rows of one schedule and distinct optimizers share a search."""
    from ..tune.space import default_space

    if isinstance(target, LineState):  # lr alone: the line widget sets nothing else
        name = target.optimizer
        space = _within_widgets(default_space(name, lr=task.default_lr(name))).params[0].text()
        return [_Search(None, {name: space}, {name: name}, {name: None})]
    searches: list[_Search] = []
    for e in target.optimizers:
        label, fixed, schedule = _tuned_row(e)
        if any(label in s.entries for s in searches):  # the same row twice: one search
            continue
        search = next((s for s in searches if s.schedule == schedule and e.name not in s.spaces), None)
        if search is None:
            search = _Search(schedule)
            searches.append(search)
        search.spaces[e.name] = _within_widgets(default_space(e.name, lr=task.default_lr(e.name), fixed=fixed)).text()
        search.labels[e.name] = label
        search.entries[label] = e
    return searches


def _tuned_looks(target: WidgetState) -> dict[str, dict[str, str]]:
    """Each searched row's colour and marker shape (by its label in the answer, :func:`_tuned_row`): its row's in
    the other widget (:func:`_looks`), so that an optimizer keeps its colour and shape from one widget to the
    next; the line widget's one optimizer, the colour every report gives it."""
    if isinstance(target, LineState):
        (look,) = _looks([OptimizerEntry(name=target.optimizer, lr=target.lr)]).values()
        return {target.optimizer: look}
    looks = _looks(target.optimizers)
    tuned: dict[str, dict[str, str]] = {}
    for e in target.optimizers:
        tuned.setdefault(_tuned_row(e)[0], looks[e.label])
    return tuned


def _tuned_row(e: OptimizerEntry) -> tuple[str, dict[str, Any], str | None]:
    """A row of the other widget as the tune widget searches it: its label in the answer (the optimizer, and what
    stays as the row has it), the values fixed (switches such as nesterov, values the default space does not
    search, a momentum of 0: plain SGD stays plain) and its decay or schedule."""
    from ..optim import get as info_of

    searched = set(info_of(e.name).searched) | {"lr"}
    fixed = {k: v for k, v in e.hyper.items() if k not in searched or (k == "momentum" and not v)}
    schedule = _schedule_text(e)
    parts = [f"{k}={_short(v)}" for k, v in fixed.items()] + ([schedule] if schedule else [])
    return (f"{e.name} ({', '.join(parts)})" if parts else e.name), fixed, schedule


def _applied(target: WidgetState, configs: dict[str, dict[str, Any]]) -> str:
    """The target widget's query string with each row's best settings filled in (``configs``: by the row's label,
    :func:`_tuned_row`)."""
    from .state import KEY_HYPERPARAMETERS

    if isinstance(target, LineState):
        config = configs.get(target.optimizer, {})
        return target.model_copy(update={"lr": float(config.get("lr", target.lr))}).to_query()
    entries = []
    for e in target.optimizers:
        config = configs.get(_tuned_row(e)[0])
        if config is None:
            entries.append(e)
            continue
        hyper = dict(e.hyper)
        hyper.update({k: v for k, v in config.items() if k in KEY_HYPERPARAMETERS})
        entries.append(OptimizerEntry(name=e.name, lr=float(config.get("lr", e.lr)), decay=e.decay,
                                      schedule=e.schedule, hyper=hyper))
    unique: list[OptimizerEntry] = []
    for e in entries:
        if e.label not in [u.label for u in unique]:
            unique.append(e)
    return type(target).model_validate({**target.model_dump(), "optimizers": unique}).to_query()


# -- dispatch and cache --------------------------------------------------------------------------------------------

WIDGETS: dict[str, Callable[[Any], dict[str, Any]]] = {
    "line": line, "curvature": curvature, "landscape": landscape, "ellipse": ellipse, "vanishing": vanishing,
    "tune": tune,
}


def _cached(key: str) -> Any:
    with _CACHE_LOCK:
        value = _CACHE.get(key)
        if value is not None:
            _CACHE.move_to_end(key)
        return value


def _store(key: str, value: Any) -> None:
    with _CACHE_LOCK:
        _CACHE[key] = value
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)


def clear_cache() -> None:
    with _CACHE_LOCK:
        _CACHE.clear()


def cached_result(state: WidgetState) -> dict[str, Any] | None:
    """The widget's result for ``state`` from the cache (``cached`` true), or None where it was not computed:
    what :func:`compute` answers at once, looked up without waiting for a turn to train."""
    cached = _cached(state.key())
    return None if cached is None else {**cached, "cached": True}


def compute(state: WidgetState, cancelled: Callable[[], bool] | None = None) -> dict[str, Any]:
    """The widget's result for ``state``, from the cache when the same state was computed before (``cached``
    says which, ``seconds`` how long the computation took, without the wait for another request's training).

    ``cancelled()`` true when the request's turn to train comes (the page went away, or asked for a newer state
    meanwhile): :class:`Cancelled` is raised instead of training, and nothing is cached."""
    key = state.key()
    while True:
        cached = cached_result(state)
        if cached is not None:
            return cached
        # the same state asked by another request (a class opening one page): its answer, when it comes, rather
        # than a turn to train behind other states; computed here if that one gives up or fails
        with _CACHE_LOCK:
            other = _COMPUTING.get(key)
            if other is None:
                mine = _COMPUTING[key] = threading.Event()
        if other is None:
            break
        while not other.wait(0.1):
            if _STOPPING.is_set() or (cancelled is not None and cancelled()):
                raise Cancelled()
    _REQUEST.cancelled, _REQUEST.waited = cancelled, 0.0
    try:
        started = time.perf_counter()
        result = WIDGETS[state.widget](state)
        result["seconds"] = time.perf_counter() - started - _REQUEST.waited
        _store(key, result)
    finally:
        _REQUEST.cancelled = None
        with _CACHE_LOCK:
            del _COMPUTING[key]
        mine.set()
    return {**result, "cached": False}
