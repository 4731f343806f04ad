"""Random search, the gradient-free baseline of seed 001: draw N random parameter sets, keep the best.

At step t every run draws a candidate ``w⁽ᵗ⁾`` with each parameter from ``U(−scale, scale)``
(``distribution="uniform"``) or ``N(0, scale²)``, from a generator seeded with the run's seed, and keeps
``w* = argmin J(w⁽ⁱ⁾), i ≤ t``. Its "batch" loss at step t is the candidate's cost on the whole training
set; the parameters are the best candidate so far. It has no learning rate and never diverges.

It is an algorithm like the others: :func:`descend.engine.train` trains a cohort of it with
:func:`train_cohort` where a gradient rule's cohort goes through the engine's gradient loop, and records
the same result format.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any

import torch

from .._checks import POSITIVE, check_choice, check_hyperparameter, check_names
from ..catalog import RANDOM_SEARCH  # its name and description, as `descend list` shows them
from ..outcomes import PRUNED
from ..records import CohortResult, cut_short, per_run

#: Its registry name (``descend list optimizers`` shows it; ``fit(optimizer="random-search")``).
NAME = RANDOM_SEARCH[0]
#: Its hyperparameters and their defaults.
DEFAULTS: Mapping[str, Any] = {"scale": 1.0, "distribution": "uniform"}
#: Options: what must be the same for every run of a cohort.
OPTIONS = ("distribution",)
DESCRIPTION = RANDOM_SEARCH[1]


def configure(**given: Any) -> dict[str, Any]:
    """Check the hyperparameters; return them with the defaults filled in."""
    check_names(list(given), DEFAULTS, what=f"hyperparameter for {NAME}")
    hyper = {**DEFAULTS, **given}
    check_choice("distribution", hyper["distribution"], ("uniform", "normal"))
    check_hyperparameter("scale", hyper["scale"], POSITIVE)
    return hyper


def train_cohort(problem: Any, cohort: Any, steps: int, *, eval_every: int = 0, target: float | None = None,
                 stop_at_target: bool = False, dtype: torch.dtype = torch.float32, hooks: Any = None) -> Any:
    """Every run of ``cohort`` draws ``steps`` candidates; the result has the engine's format. With
    ``stop_at_target`` a run whose best cost reached ``target`` draws no more, as a gradient run stops there; a stop
    request (``hooks``) or Ctrl-C cuts the runs still drawing short: status interrupted, as the engine's."""

    started = time.perf_counter()
    model, objective, evaluated = problem.model, problem.objective, problem.evaluation_model
    x, y = problem.train
    k = len(cohort.runs)
    scale = torch.tensor([float(run.hyper["scale"]) for run in cohort.runs], dtype=dtype)
    normal = dict(cohort.options)["distribution"] == "normal"
    generators = [torch.Generator().manual_seed(run.seed) for run in cohort.runs]
    best = tuple(p.to(dtype) for p in model.init([run.seed for run in cohort.runs], dtype=dtype))
    shapes = [p.shape[1:] for p in best]
    best_cost = torch.full((k,), math.inf, dtype=torch.float64)
    sampled = torch.empty(steps, k, dtype=torch.float64)
    target_at = torch.full((k,), -1, dtype=torch.long)
    status = torch.zeros(k, dtype=torch.long)
    status_at = torch.full((k,), -1, dtype=torch.long)
    eval_steps: list[int] = []
    eval_values: dict[tuple[str, str], list[torch.Tensor]] = {}
    original: dict[str, list[torch.Tensor]] = {}  # a standardised target's losses in its own units, as the engine's
    mean, std = ((problem.target_mean.to(dtype), problem.target_std.to(dtype)) if problem.standardized
                 else (None, None))
    interrupted, done = False, 0
    try:
        with torch.no_grad():
            for t in range(steps):
                if hooks is not None and hooks.stop_requested():
                    interrupted = True
                    break
                candidate = []
                for shape, like in zip(shapes, best):
                    draws = [torch.randn(shape, generator=g, dtype=dtype) if normal
                             else 2 * torch.rand(shape, generator=g, dtype=dtype) - 1 for g in generators]
                    candidate.append(torch.stack(draws) * per_run(scale, like))
                # a candidate that leaves no valid sample (a masked model) cannot be the best
                cost = objective.value(model, candidate, x, y, empty=math.nan).double()
                alive = (status == 0) & (target_at < 0) if stop_at_target else status == 0
                sampled[t] = torch.where(alive, cost, math.nan)
                better = alive & torch.isfinite(cost) & (cost < best_cost)
                best = tuple(torch.where(per_run(better, b), c, b) for c, b in zip(candidate, best))
                best_cost = torch.where(better, cost, best_cost)
                if target is not None:  # after t + 1 draws, as the evaluations count them (it said t: its stopped
                    # twin took one draw more than its steps_to_target, and its curve read above the target there)
                    target_at = torch.where((target_at < 0) & (best_cost <= target), t + 1, target_at)
                if eval_every and ((t + 1) % eval_every == 0 or t + 1 == steps):
                    eval_steps.append(t + 1)
                    for split, (xs, ys) in problem.evals.items():
                        value = objective.value(evaluated, best, xs, ys, empty=math.nan)
                        eval_values.setdefault((split, "loss"), []).append(value.double())
                        acc = objective.accuracy(evaluated, best, xs, ys)
                        if acc is not None:
                            eval_values.setdefault((split, "accuracy"), []).append(acc)
                        if mean is not None:
                            original.setdefault(split, []).append(
                                objective.original_units(evaluated, best, xs, ys, mean, std).double())
                    if hooks is not None:
                        metrics = {f"{split}_{metric}": v[-1] for (split, metric), v in eval_values.items()}
                        pruned = hooks.report(cohort, t + 1, {"batch_loss": sampled[t], **metrics}, status)
                        for j in pruned:
                            if status[j] == 0:
                                status[j], status_at[j] = hooks.code(PRUNED), t + 1
                done = t + 1
                if hooks is not None:
                    hooks.progress(t)
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        if done < steps:  # the runs still drawing are cut short (descend.outcomes), not finished
            cut_short(status, status_at, target_at, stopped_at_target=stop_at_target, done=done)
        sampled = sampled[:done]
        complete = min([len(eval_steps), *(len(v) for v in [*eval_values.values(), *original.values()])])
        del eval_steps[complete:]
        eval_values = {key: v[:complete] for key, v in eval_values.items()}
        original = {key: v[:complete] for key, v in original.items()}
    return CohortResult(
        cohort=cohort, train_loss=sampled, eval_steps=eval_steps,
        evals={key: torch.stack(v) for key, v in eval_values.items() if v}, grad_norms=None,
        status=status, status_at=status_at, target_at=target_at, params=best, path=None,
        seconds=time.perf_counter() - started, interrupted=interrupted, stopped_at_target=stop_at_target,
        evals_original={key: torch.stack(v) for key, v in original.items() if v},
    )
