"""Tasks: a data set, a model, a loss and what is known about the answer, ready to train and compare.

A :class:`Task` bundles everything :func:`descend.fit` needs, so ``descend.fit(task="ellipse",
optimizer=["gd", "adam"], lr=0.01)`` and later ``descend compare ellipse`` need nothing else. Three kinds:

- the seeds' case studies (:mod:`descend.tasks.cases`): ``line``, ``house-prices``, ``ellipse``,
  ``student-performance``, ``bbox``, ``vanishing``;
- real data sets shipped inside scikit-learn (:mod:`descend.tasks.real`): ``digits``, ``breast-cancer``,
  ``diabetes``, ``wine``, ``iris``, and any CSV file (:func:`descend.tasks.real.from_csv`);
- every 2-D landscape of :mod:`descend.landscapes` (``rosenbrock``, ``himmelblau``, ...), exact or as a noisy
  empirical risk (``get("rosenbrock", noise=1.0)``), and custom formulas (:func:`formula`).

``get(name, **options)`` builds a task (``get("house-prices", loss="huber")``); :data:`TASKS` lists the
built-in ones with one line each, and every task has a :meth:`Task.card`.

    >>> task = get("line")
    >>> task.kind, task.model.names
    ('regression', ('w', 'b'))
    >>> runs = task.fit(optimizer="gd", lr=0.1, steps=500)
    >>> bool(runs.summary["distance"].iloc[0] < 1e-3)   # to the closed-form least-squares solution
    True
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._checks import check_names, close_matches
from .._machine import one_thread
from .task import (  # noqa: F401
    PLAIN_GRADIENT_STEPS,
    _check_counts,
    TASKS,
    Known,
    Scene,
    Surface,
    Task,
    _key,
    model_surface,
    register,
)

__all__ = ["Task", "Known", "Surface", "Scene", "TASKS", "get", "names", "formula", "landscape_task", "register",
           "option_names"]


def names() -> dict[str, list[str]]:
    """Task names by group: case studies, real data, landscapes."""
    from .. import landscapes

    out: dict[str, list[str]] = {}
    for name, entry in TASKS.items():
        out.setdefault(entry.group, []).append(name)
    out["landscape"] = list(landscapes.LANDSCAPES)
    return out


def get(name: str, **options: Any) -> Task:
    """The task called ``name`` (a built-in task or a landscape), built with ``options``.

    Options are the builder's keyword arguments (see each task's card and :mod:`descend.tasks.cases`);
    for a landscape: ``noise`` (> 0 makes it a noisy empirical risk over ``m`` samples), ``m``, ``form``,
    ``data_seed``. Unknown names and options raise a ``ValueError`` suggesting close matches.
    """
    from .. import landscapes

    if isinstance(name, Task):
        if options:
            raise ValueError("options apply to a task name, not to a Task that is already built")
        return name
    if not isinstance(name, str):
        raise ValueError(f"task={name!r} must be a task name such as 'ellipse' (see `descend list tasks`)")
    key = _key(name)
    if key in TASKS:
        build = TASKS[key].build
    elif key in landscapes.LANDSCAPES:  # its options checked as a task's are (a misspelt one was a TypeError)
        _check_options(key, landscape_task, options, given=("landscape",))
        return _described(landscape_task(key, **options), key)
    else:
        if looks_like_file(name):  # told "did you mean 'house-prices'?" for houses.csv
            raise ValueError(f"task {name!r} is a file, not a task: descend.tasks.real.from_csv({name!r}, "
                             "target='COL') builds its task (COL: the column to predict)")
        everything = [*TASKS, *landscapes.LANDSCAPES]
        raise ValueError(f"unknown task {name!r}{close_matches(key, everything)}; "
                         f"see `descend list tasks` and `descend list landscapes`")
    _check_options(key, build, options)
    _check_counts(options)
    with one_thread():  # a built-in task's data is small: see SMALL_DATA
        return _described(build(**options), key)


def looks_like_file(name: str) -> bool:
    """Whether a task's name is a data file's (``houses.csv``, or a file that exists): a task of its own is read with
    :func:`descend.tasks.real.from_csv` (``--csv`` on the command line)."""
    import os

    return name.strip().lower().endswith((".csv", ".tsv", ".txt", ".csv.gz")) or os.path.isfile(name)


def _described(task: Task, name: str) -> Task:
    """``task`` with every option its builder takes and its default, for its card (:func:`option_defaults`)."""
    return dataclasses.replace(task, option_defaults=option_defaults(name))


def option_defaults(task: Any, *, csv: Any = None) -> dict[str, Any]:
    """:func:`option_names` with each option's default (``inspect.Parameter.empty`` where it has none)."""
    build = _builder(task, csv)
    if build is None:
        return dict.fromkeys(option_names(task, csv=csv), inspect.Parameter.empty)
    parameters = inspect.signature(build).parameters
    return {name: parameters[name].default for name in option_names(task, csv=csv)}


def _builder(task: Any, csv: Any) -> Callable[..., Any] | None:
    """The function that builds ``task`` from its options: a built-in task's, a landscape's, a formula's, a CSV
    file's (with ``csv``); None for anything else."""
    from .. import landscapes

    if csv is not None:
        return real.from_csv
    if not isinstance(task, str):
        return None
    if _key(task) in TASKS:
        return TASKS[_key(task)].build
    return landscape_task if _key(task) in landscapes.LANDSCAPES else formula


def option_names(task: Any, *, csv: Any = None) -> tuple[str, ...]:
    """The options a task takes (``get(task, **options)``): a built-in task's builder's, a landscape's
    (:func:`landscape_task`), a formula's (:func:`formula`), a CSV file's (with ``csv``:
    :func:`descend.tasks.real.from_csv`'s own); those a built :class:`Task` was made with."""
    if csv is None and isinstance(task, Task):
        return tuple(task.options)
    build = _builder(task, csv)
    if build is None:
        return ()
    skip = {"path", "target", "kind", "landscape", "text"}
    return tuple(p.name for p in inspect.signature(build).parameters.values()
                 if p.kind is not inspect.Parameter.VAR_KEYWORD and p.name not in skip)


def _check_options(name: str, build: Callable[..., Any], options: Mapping[str, Any], *,
                   given: tuple[str, ...] = ()) -> None:
    """Refuse an option ``build`` does not take (``given``: its parameters the caller fills, not options)."""
    allowed = [p for p in inspect.signature(build).parameters if p not in given]
    check_names(list(options), allowed, what=f"option of task {name!r}")


def check_start(scape: Any, start: Sequence[float]) -> None:
    """Refuse a start where the landscape's cost is not a number (a formula's, given: it would train nothing,
    every run diverged at step 0)."""
    if len(start) != len(scape.names):
        return
    import torch

    at = float(scape.f(*(torch.tensor(float(v), dtype=torch.float64) for v in start)))
    if not math.isfinite(at):
        raise ValueError(f"start={','.join(f'{v:g}' for v in start)} is not allowed; the cost is {at:g} there "
                         f"({scape.formula}): start where it is a finite number")


def landscape_task(landscape: Any, *, noise: float = 0.0, m: int = 256, form: str = "additive",
                   data_seed: int = 0, steps: int | None = None, start: Sequence[float] | None = None) -> Task:
    """A task on a 2-D landscape (a name or a :class:`descend.landscapes.Landscape`).

    ``noise > 0`` turns it into an empirical risk over ``m`` samples (see
    :meth:`descend.landscapes.Landscape.noisy`), so that batch size 1, mini-batches and the full batch
    differ by genuine gradient noise. A built-in landscape's default comparison (learning-rate grid,
    budget, a learning rate per optimizer) is the one measured in :mod:`descend.tasks.landscape_defaults`;
    any other uses the landscape's own ``lr_range`` and 300 steps.
    """
    from .. import landscapes
    from ..data import Splits
    from .landscape_defaults import DEFAULTS, Defaults

    scape = landscapes.get(landscape) if isinstance(landscape, str) else landscape
    if not isinstance(scape, landscapes.Landscape):
        raise ValueError(f"landscape={landscape!r} must be a landscape name or a descend.landscapes.Landscape")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not math.isfinite(noise) or noise < 0:
        raise ValueError(f"noise={noise!r} is not allowed; a number >= 0 is required (0: the exact landscape)")
    # in the option's own name (the noisy landscape's refusals named seed and samples), checked with or without noise
    _check_counts({"m": m, "data_seed": data_seed})
    if form not in ("additive", "shift"):  # only a noisy landscape read it: form=bogus vanished without a word
        raise ValueError(f"form={form!r} is not allowed; choose one of 'additive', 'shift'")
    global_minima = [cp for cp in scape.critical_points if cp.kind == "minimum" and cp.is_global]
    known = None
    if global_minima:
        label = "global minimum" if len(global_minima) == 1 else "global minima"
        if not scape.bounded_below:  # McCormick: the lowest point of the plot domain, not of the plane
            label = "lowest minimum on the plot domain"
        known = Known(tuple(dict(zip(scape.names, cp.point)) for cp in global_minima), label, global_minima[0].value)
    surface = None
    if len(scape.names) == 2:
        points = tuple((cp.kind, tuple(cp.point)) for cp in scape.critical_points)
        surface = Surface(tuple(scape.names), scape.f, tuple(scape.domain), scape.log_scale, points)
    if start is not None:  # --task-option start=1 was a TypeError, start=abc "Unknown format code 'g'"
        try:
            if isinstance(start, (str, bytes)):  # "12" is not the point (1, 2)
                raise TypeError
            given = tuple(float(v) for v in start)  # a list, a tuple, a NumPy array or a tensor of numbers
        except (TypeError, ValueError, OverflowError):
            given = ()
        if len(given) != len(scape.names) or not all(math.isfinite(v) for v in given):
            raise ValueError(f"start={start!r} is not allowed; give {len(scape.names)} numbers "
                             f"({', '.join(scape.names)})")
        start = given
    first = scape.start if start is None else tuple(start)
    check_start(scape, first)
    facts = [("formula", scape.formula), ("start", ", ".join(f"{v:g}" for v in first)),
             ("critical", scape.points_summary())]
    registered = landscapes.LANDSCAPES.get(scape.name) is scape
    defaults = DEFAULTS.get(scape.name) if registered else None
    defaults = defaults or Defaults(tuple(scape.lr_range), 300)
    if defaults.note and start is None and noise == 0:
        facts.append(("defaults", defaults.note))
    if noise > 0:
        noisy = scape.noisy(m=m, noise=float(noise), seed=data_seed, form=form)
        model, data = noisy.model(start), Splits(noisy.dataset(), None, None, None, None)
        facts.append(("noise", f"{form} noise σ = {noise:g} over m = {m} samples (seed {data_seed})"))
        summary = f"{scape.title} as a noisy empirical risk"
        if form != "additive":
            known = None  # the shifted risk's minima move away from f's
    else:
        model, data = scape.model(start), None
        summary = scape.title
    notes = f" {scape.notes[0].upper()}{scape.notes[1:]}" if scape.notes else ""
    notes = notes if not notes or notes.endswith(".") else notes + "."
    dimensions = "1" if len(scape.names) == 1 else "2"
    description = (f"The {dimensions}-D cost surface J = {scape.formula}; the parameters are the coordinates "
                   f"({', '.join(scape.names)}).{notes}")
    if noise > 0 and form != "additive":  # what trains is f smoothed by the samples' shifts, not f
        description = (f"The smoothed risk J(w) = (1/{m}) Σᵢ f(w − ξᵢ) of the {dimensions}-D cost "
                       f"f = {scape.formula}, over {m} shifts ξᵢ of σ = {noise:g}: its minima move away from f's, and "
                       "shallow ones can vanish (the critical points listed are f's, not J's). The parameters are the "
                       f"coordinates ({', '.join(scape.names)}).{notes}")
        facts = [(key, f"{value} (of f; the smoothed risk's move away from them)" if key == "critical" else value)
                 for key, value in facts]
    return Task(
        name=scape.name, title=scape.title, summary=summary,
        description=description,
        model=model, data=data, loss="value", kind="cost", steps=steps or defaults.steps,
        lr_range=tuple(defaults.lr_range), optimizers=("gd", "momentum", "nesterov", "rmsprop", "adam"),
        batch_sizes=(None,) if noise == 0 else (None, 1, 32), lrs=dict(defaults.lrs),
        known=known, surface=surface, facts=tuple(facts), bounded_below=scape.bounded_below,
        options={**(dict(noise=noise, m=m, form=form, data_seed=data_seed) if noise > 0 else {}),
                 **({} if start is None else {"start": tuple(float(v) for v in start)})},
    )


def formula(text: str, *, domain: Any = None, start: Any = None, steps: int | None = None) -> Task:
    """A task on a custom landscape typed as a formula in x and y, such as ``"x**2 + 10*sin(y)"``.

    Parsed safely by :func:`descend.formula.parse` (no ``eval``); gradients by autograd.
    """
    from .. import landscapes
    from ..formula import FormulaError
    from ..landscapes.formula import is_flat

    scape = landscapes.from_formula(text, domain=domain, start=start)
    uses = any(re.search(rf"\b{v}\b", scape.formula) for v in scape.names)
    if not uses or is_flat(scape.f, scape.domain):
        why = "it takes one value everywhere" if uses else f"it uses neither {' nor '.join(scape.names)}"
        raise FormulaError(scape.formula, None, f"{why}: its landscape is flat, with nothing for an optimizer to "
                           "minimise; write a formula in x and y, such as x**2 + 10*sin(y)")
    task = dataclasses.replace(landscape_task(scape, steps=steps, start=start),
                               option_defaults=option_defaults(text))
    if domain is None:
        return task
    # what it was made with, so that a written configuration re-makes it (landscape_task keeps the start)
    return dataclasses.replace(task, options={**task.options,
                                              "domain": tuple(tuple(float(v) for v in d) for d in scape.domain)})


from . import cases, real  # noqa: E402,F401  (registers the built-in tasks)
