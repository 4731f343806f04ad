"""Pruning inside a cohort: decided by descend over every run of the cohort at once, as masking.

Optuna's successive-halving and Hyperband pruners compare a trial against the rung values written so
far, so in a cohort that reports all at once their decisions depend on the order of the calls (a trial
reported first is compared with fewer values). descend holds every run of the cohort: at a checkpoint it
decides for all of them together, from the cohort's values and the values earlier cohorts' trials of the study
reached at the same checkpoint, and a pruned run is frozen in place by the engine (``Monitor.prune``). The
decision depends on the set of values, never on an order. A cohort that trains as several programs (a choice of
optimizers, or a searched batch size: one per optimizer and batch size, trained one after another) is decided
program by program, each from its own values and the earlier cohorts': no optimizer is judged against more
values than another for coming later.

- ``"sha"`` (asynchronous successive halving over the cohort): checkpoints at the fractions
  η⁻ⁿ, …, η⁻¹ of the budget; at each, a run is kept when its value is among the best ⌊N/η⌋ (at least one)
  of the N values at that checkpoint (this cohort's runs still training and the earlier cohorts' trials that
  reached it), as Optuna's SuccessiveHalvingPruner and asynchronous successive halving (Li et al., 2020) keep.
- ``"median"``: checkpoints at every tenth of the budget from the first; a run is pruned when its best value so
  far is worse than the median of the values the completed trials of earlier cohorts reached at the same
  checkpoint, as Optuna's MedianPruner (``n_startup_trials=5``): nothing is pruned until the study holds
  ``startup`` completed trials (nothing in its first cohort), whatever checkpoint they reached (a trial that
  diverged before it counts, as one told complete), nor at a checkpoint none of them reached.
- ``"none"``: no checkpoint.

The values are kept in memory during training; they are written to the study (``trial.report``) after
the cohort, with its results, so that storage stays off the training loop.

A pruned run's row leaves the cohort's batched program where the steps are eager (the engine drops stopped
runs' rows), so pruning saves its share of every later step; a compiled cohort keeps its rows frozen in place.
The cohort stops at the first evaluation where no run is still training (pruned or diverged). What dropping
saves is measured in :mod:`descend.tune.runner`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import outcomes

PRUNERS = ("none", "sha", "median")
#: A run's statuses that end it for good (a run cut short by Ctrl-C, interrupted, is trained again).
STOPPED = frozenset({outcomes.PRUNED, outcomes.DIVERGED, outcomes.LEFT_DOMAIN})

#: Successive halving's reduction factor and number of rungs; the median rule's checkpoints and start-up.
ETA = 3
RUNGS = 2
MEDIAN_FRACTIONS = tuple(i / 10 for i in range(1, 10))
MEDIAN_STARTUP = 5


def fractions(kind: str, *, eta: int = ETA, rungs: int = RUNGS) -> tuple[float, ...]:
    """The checkpoints of a pruner as fractions of the budget."""
    if kind == "sha":
        return tuple(eta ** -i for i in range(rungs, 0, -1))
    if kind == "median":
        return MEDIAN_FRACTIONS
    return ()


def evaluation_every(kind: str, steps: int, *, eta: int = ETA, rungs: int = RUNGS) -> int:
    """How often a cohort of ``steps`` steps is evaluated by default: every first checkpoint's fraction of
    the budget (η⁻ⁿ for ``"sha"``: 10 evaluations whatever the budget), so that the checkpoints fall near
    their fractions with few evaluations; at the end only without a pruner. An evaluation of the reference
    sweep workload at K = 64 costs as much as 18 steps (``benchmarks/tune.py --frozen``)."""
    first = fractions(kind, eta=eta, rungs=rungs)
    return max(1, math.ceil(steps * first[0])) if first else steps


def checkpoint_steps(kind: str, steps: int, eval_every: int, *, eta: int = ETA, rungs: int = RUNGS) -> list[int]:
    """The steps (evaluations of the engine, every ``eval_every`` steps) at which a cohort of ``steps`` steps
    is checked: each fraction's first evaluation at or after it, strictly before the end, each step once."""
    return [step for _, step in checkpoints(kind, steps, eval_every, eta=eta, rungs=rungs)]


def checkpoints(kind: str, steps: int, eval_every: int, *, eta: int = ETA,
                rungs: int = RUNGS) -> list[tuple[int, int]]:
    """:func:`checkpoint_steps` with the fraction each stands for: ``(i, step)``, ``i`` the index in
    :func:`fractions` of the largest fraction whose first evaluation is that step (the share of the budget the
    run has then reached), so that trials of budgets that keep other steps (batch sizes under an epochs budget:
    5 steps keep 4 of the median rule's nine, 450 all nine) are compared at the same fraction, not the same
    position in their lists.

    >>> checkpoints("median", 5, 1)  # at 5 steps, the steps 1-4 are 2/10 to 8/10 of the budget
    [(1, 1), (3, 2), (5, 3), (7, 4)]
    >>> checkpoints("median", 100, 10)[:3]
    [(0, 10), (1, 20), (2, 30)]
    """
    out: dict[int, int] = {}  # step -> the largest fraction's index
    for i, f in enumerate(fractions(kind, eta=eta, rungs=rungs)):
        step = max(eval_every, math.ceil(f * steps / eval_every) * eval_every)
        if step < steps:
            out[step] = i
    return [(i, step) for step, i in out.items()]


def lost_checkpoints(kind: str, steps: int, eval_every: int, *, what: str = "eval_every") -> str | None:
    """Why evaluations every ``eval_every`` steps cannot carry the checkpoints of pruner ``kind`` over ``steps``
    steps, or None when they can: successive halving needs an evaluation of its own for each rung before the end
    (two rungs on one step would keep a third where it keeps a ninth, none would prune nothing), the median rule
    one for some tenth at least (it checks at each evaluation from the first tenth: fewer only check less often).
    Only what the default cadence (:func:`evaluation_every`) keeps is asked for; ``what`` names the setting.

    >>> lost_checkpoints("sha", 45, 5) is None
    True
    >>> lost_checkpoints("sha", 45, 20)
    'pruner sha checks at 1/9 and 1/3 of the 45 steps (steps 5 and 15), and evaluations every 20 steps fall on \
one step for both (20); give eval_every 5 (the default) or leave it out'
    """
    default = checkpoint_steps(kind, steps, evaluation_every(kind, steps))
    given = checkpoint_steps(kind, steps, eval_every)
    if len(given) >= (len(default) if kind == "sha" else min(1, len(default))):
        return None
    if kind == "sha":
        wanted = " and ".join(f"1/{round(1 / f)}" for f in fractions(kind))
        reached = (f"fall on one step for both ({given[0]})" if given else "reach none of them before the end")
        checks = (f"checks at {wanted} of the {steps} steps (step{'s' if len(default) > 1 else ''} "
                  f"{' and '.join(map(str, default))})")
    else:
        checks = f"checks at every tenth of the {steps} steps from the first (step {default[0]})"
        reached = "reach none of them before the end"
    return (f"pruner {kind} {checks}, and evaluations every {eval_every} steps {reached}; give "
            f"{what} {evaluation_every(kind, steps)} (the default) or leave it out")


def _best(values: Any, direction: str) -> float:
    """The best of a run's values so far (NaN left out, as Optuna's pruners do); NaN when it has none."""
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan
    return min(finite) if direction == "minimize" else max(finite)


def worst(direction: str) -> float:
    return math.inf if direction == "minimize" else -math.inf


def _score(value: float, direction: str) -> float:
    """Lower is better; a missing or non-finite value is the worst."""
    if value is None or not math.isfinite(value):
        return math.inf
    return value if direction == "minimize" else -value


@dataclass
class CohortPruner:
    """The ``monitor`` of one cohort: records the objective at its checkpoints and prunes.

    ``prior[i]`` holds the values earlier trials reached at the fraction ``i`` of their budgets
    (:func:`prior_values`; for ``"median"``: the completed trials only), ``fractions_at`` the fraction each of
    ``checkpoints`` stands for (:func:`checkpoints`; by default the i-th checkpoint the i-th fraction), and
    ``completed`` counts the study's completed trials before this cohort (the median rule's start-up,
    :func:`completed`). After training, :attr:`values` (run index → {step: value}) are what is reported.
    """

    kind: str
    metric: str  #: the Monitor's metric name, e.g. "validation_loss"
    direction: str
    checkpoints: Sequence[int]
    prior: Sequence[Sequence[float]] = ()
    eta: int = ETA
    startup: int = MEDIAN_STARTUP
    completed: int = 0
    values: dict[int, dict[int, float]] = field(default_factory=dict)
    pruned: dict[int, int] = field(default_factory=dict)  #: run index → step it was pruned at
    all_stopped: bool = False  #: every run of the cohort was frozen, so the cohort was stopped
    fractions_at: Sequence[int] = ()

    def __call__(self, event: Any) -> None:
        if self.kind != "none" and all(status in STOPPED for status in event.status):
            self.all_stopped = True  # every run is pruned or diverged: the rest of the cohort would train nothing
            event.stop()
            return
        if any(status == outcomes.INTERRUPTED for status in event.status):  # Ctrl-C: the final evaluation of runs cut
            return  # short, which decides nothing (they are trained again)
        if event.step not in self.checkpoints:
            return
        i = list(self.checkpoints).index(event.step)
        i = self.fractions_at[i] if self.fractions_at else i  # the fraction it stands for
        values = event.metrics.get(self.metric)
        if values is None:
            return
        alive = [j for j, status in enumerate(event.status) if status == "ok"]
        for j, run in enumerate(event.runs):
            if event.status[j] in ("ok",):
                self.values.setdefault(run.index, {})[event.step] = float(values[j])
        mine = [float(values[j]) for j in alive]
        if self.kind == "median":  # as Optuna's MedianPruner: each run's best value so far against the median
            mine = [_best(self.values[event.runs[j].index].values(), self.direction) for j in alive]
        prune = self.decide(mine, self.prior[i] if i < len(self.prior) else ())
        chosen = [event.runs[j].index for j, p in zip(alive, prune) if p]
        if chosen:
            event.prune(chosen)
            for index in chosen:
                self.pruned[index] = event.step
        if len(alive) == len(chosen) and self.kind != "none":
            self.all_stopped = True
            event.stop()  # every run is frozen: the rest of the cohort would train nothing

    def decide(self, values: Sequence[float], prior: Sequence[float]) -> list[bool]:
        """Which of ``values`` (this cohort's runs still training) to prune, given the earlier trials' values
        at the same checkpoint. Depends on the multiset of values only, not on their order. The median rule
        prunes nothing before the study holds ``startup`` completed trials (:attr:`completed`), as Optuna's
        ``n_startup_trials``, nor where no earlier value at the checkpoint is a number (NaN left out, as Optuna's
        ``numpy.nanpercentile``)."""
        scores = [_score(v, self.direction) for v in values]
        if self.kind == "sha":
            pool = sorted(scores + [_score(v, self.direction) for v in prior])
            keep = max(1, len(pool) // self.eta)  # Optuna's and ASHA's ⌊N/η⌋, at least one
            threshold = pool[keep - 1]
            return [s > threshold or math.isinf(s) for s in scores]
        if self.kind == "median":
            known = sorted(_score(v, self.direction) for v in prior if not math.isnan(v))
            if self.completed < self.startup or not known:
                return [False] * len(scores)
            n = len(known)
            median = known[n // 2] if n % 2 else 0.5 * (known[n // 2 - 1] + known[n // 2])
            return [s > median for s in scores]
        return [False] * len(scores)


def completed(trials: Sequence[Any]) -> int:
    """How many of ``trials`` are complete, whatever they reached or were trained with: the count behind the median
    rule's start-up, as Optuna's MedianPruner counts the study's completed trials."""
    from optuna.trial import TrialState

    return sum(trial.state == TrialState.COMPLETE for trial in trials)


def prior_values(trials: Sequence[Any], kind: str, count: int) -> list[list[float]]:
    """What earlier trials reached at each of ``count`` fractions of their budgets (:func:`fractions`), from their
    reported intermediate values: each told trial records the fraction each of its reported values stands for
    (:func:`checkpoints`: a trial of few steps keeps fewer of them), a trial of an earlier release without that
    record its i-th value as the i-th fraction. Only trials trained with the same pruner (a study resumed with
    another has other checkpoints: median's second is sha's first): each told trial records its pruner. ``"sha"``
    counts completed and pruned trials, ``"median"`` completed ones only."""
    from optuna.trial import TrialState

    states = (TrialState.COMPLETE, TrialState.PRUNED) if kind == "sha" else (TrialState.COMPLETE,)
    out: list[list[float]] = [[] for _ in range(count)]
    for trial in trials:
        if trial.state not in states:
            continue
        info = trial.user_attrs.get("descend")
        if isinstance(info, dict) and info.get("pruner", kind) != kind:
            continue
        reported = [v for _, v in sorted(trial.intermediate_values.items())]
        at = info.get("fractions") if isinstance(info, dict) else None
        if not (isinstance(at, list) and len(at) == len(reported)):
            at = range(len(reported))
        for i, value in zip(at, reported):
            if isinstance(i, int) and 0 <= i < count:
                out[i].append(float(value))
    return out
