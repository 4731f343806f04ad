"""What became of a run: the one definition of divergence, and the other ways a run stops counting.

Every table, figure, animation and search reads a run's ``status`` (a column of ``Runs.summary``) and the
step it took effect (``status_at``); none of them re-derives it from the losses.

- ``"ok"``: the run trained to the end of its budget (or to its target with ``stop_at_target``).
- ``"diverged"``: at some step its training loss or its parameters became non-finite, or the magnitude
  of its training loss exceeded :data:`DIVERGENCE_FACTOR` times ``max(|J₀|, 1)``, where ``J₀`` is the run's
  loss at its first step; for a run whose first step takes a mini-batch, the bound is at least that of its loss
  on the training set at its start (a later batch holding an outlier is not a run that grew). The run is frozen at
  its last parameters before that step and its later losses are NaN. On a landscape that is unbounded below (the
  saddles) a run that escapes to −∞ is diverged by the same rule; the task's card says the landscape is unbounded.
- ``"left-domain"``: its parameters left the region where the model is defined for any training sample
  (the ellipse's square root of a negative number): its loss on the whole training set is undefined (NaN),
  so it has no gradient and no result. It is not divergence, but it never wins a metric either. It is found at
  the step it happens (the first whose batch has no valid sample while the whole training set has none either),
  however often the runs are evaluated. A run that ends where the model is defined for fewer than
  :data:`DOMAIN_SHARE` of the training samples, and for fewer than at its start, has left it too (at its last
  step): its losses, means over the samples where it is defined (the seed's N′), would rest on a few of them (1 of
  128 test samples gave the ellipse's best test loss, below the noise) and fit no data. (The ellipse starts where
  the model holds for 5 % of the samples: a short run still on its way in has not left.)
- ``"pruned"``: a search stopped it early (``prune``) at that step; its records stop there.
- ``"interrupted"``: training was stopped (Ctrl-C, a stop request, a search's timeout) before the run reached
  the end of its budget; its records stop at the last complete step. It has no result: a run cut short is not
  compared with runs that finished.

A run that stops any of these ways takes no more steps: the step it stopped at records the loss and the gradient
norms that stopped it, its later ones are NaN, and its later evaluations keep the values of the parameters it
stopped at, but for a diverged run's, which are NaN (it has no result). So does a run stopped at its target
(``stop_at_target``), from the step after the one whose loss reached it.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["OK", "DIVERGED", "LEFT_DOMAIN", "PRUNED", "INTERRUPTED", "STATUSES", "DIVERGENCE_FACTOR", "DOMAIN_SHARE",
           "divergence_bound", "counts"]

OK = "ok"
DIVERGED = "diverged"
LEFT_DOMAIN = "left-domain"
PRUNED = "pruned"
INTERRUPTED = "interrupted"

#: Every status, with the words a report uses for it.
STATUSES: dict[str, str] = {
    OK: "finished",
    DIVERGED: "diverged",
    LEFT_DOMAIN: "left the model's domain",
    PRUNED: "pruned",
    INTERRUPTED: "cut short (interrupted)",
}

#: A run has diverged once |J| exceeds this factor times max(|J₀|, 1) (J₀: its loss at its first step).
DIVERGENCE_FACTOR = 1e6

#: A run whose final parameters leave the model defined for fewer than this share of the training samples (and for
#: fewer than its start did) has left the model's domain (see the module's docstring).
DOMAIN_SHARE = 0.5


def divergence_bound(initial_loss: Any) -> Any:
    """The largest magnitude of the training loss that is not divergence, for a run that started at J₀: a
    number, or a tensor of every run's first losses (the engine's, one bound per run; infinite where J₀ is not
    finite, as for a number).

    >>> divergence_bound(2.5)
    2500000.0
    >>> divergence_bound(-0.01)
    1000000.0
    """
    if hasattr(initial_loss, "clamp"):  # a tensor (this module imports no torch)
        bound = DIVERGENCE_FACTOR * initial_loss.abs().clamp(min=1.0)
        return bound.where(initial_loss.isfinite(), math.inf)
    if not math.isfinite(initial_loss):
        return math.inf
    return DIVERGENCE_FACTOR * max(abs(initial_loss), 1.0)


def counts(status: str) -> bool:
    """Whether a run with this status has a result that may enter medians and win metrics."""
    return status == OK


#: The summary's columns that count steps: whole numbers, missing for a run without one (no target reached, a run
#: that is "ok", one that did not diverge).
STEP_COLUMNS = ("steps_done", "steps_to_target", "status_at", "diverged_at")


def whole_steps(summary: Any) -> Any:
    """``summary`` (a copy) with its step counts (:data:`STEP_COLUMNS`) as pandas' nullable whole numbers, as
    summary.csv, final_summary.csv and the JSON document write them: ``9245`` and, for a run without one, nothing
    (null), where pandas keeps a column with a missing value as floats (``1.0`` beside a blank, ``9245`` in a
    report whose every run had one). The summary itself keeps its floats (NaN), which its readers compute with.

    >>> import pandas as pd
    >>> whole_steps(pd.DataFrame({"run": [0, 1], "status_at": [1.0, float("nan")]})).to_csv(index=False)
    'run,status_at\\n0,1\\n1,\\n'
    """
    import numpy as np

    out = summary.copy()
    for column in STEP_COLUMNS:
        if column in out and out[column].dtype.kind == "f":
            values = out[column].to_numpy()
            known = values[~np.isnan(values)]
            if np.isfinite(known).all() and (known == np.round(known)).all():
                out[column] = out[column].astype("Int64")
    return out
