"""What a cohort of runs recorded: the engine's result format, shared by every algorithm's training loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from . import outcomes

#: The statuses of descend.outcomes by their code in the [K] status tensors of a result.
STATUS_CODES = (outcomes.OK, outcomes.DIVERGED, outcomes.LEFT_DOMAIN, outcomes.PRUNED, outcomes.INTERRUPTED)


@dataclass
class CohortResult:
    """What one cohort recorded; tensors have the run axis last or first as named."""

    cohort: Any  #: the descend.engine.Cohort trained
    train_loss: Tensor  #: [T, K] loss of the batch at the parameters before each update (NaN once stopped)
    eval_steps: list[int]  #: steps at which validation/test were evaluated (after that many updates)
    evals: dict[tuple[str, str], Tensor]  #: (split, metric) → [E, K]
    grad_norms: Tensor | None  #: [T, K, P] norm of each parameter tensor's gradient per run
    status: Tensor  #: [K] code of each run's status (index into STATUS_CODES)
    status_at: Tensor  #: [K] step its status took effect, −1 for a run that is "ok"
    #: [K] first step whose training loss ≤ target, −1 if none: a whole batch's loss, or an evaluation of the
    #: training split after mini-batches (:func:`descend.engine.train`)
    target_at: Tensor
    params: tuple[Tensor, ...]  #: final parameters [K, ...]
    path: Tensor | None  #: [T + 1, K, n_params] parameters before each step and at the end
    seconds: float
    interrupted: bool = False  #: stopped (Ctrl-C or a stop request) after len(train_loss) steps
    epochs: Tensor | None = None  #: [T + 1] epochs completed before each step and at the end (float64)
    compile_seconds: float = 0.0  #: time spent compiling the step (``compile=True``), not in ``seconds``
    evals_original: dict[str, Tensor] = field(default_factory=dict)  #: split → [E, K] loss in the target's units
    #: trained with ``stop_at_target``: a run whose ``target_at`` is set stopped there, after that many updates
    stopped_at_target: bool = False
    #: [T] the steps whose batch was the whole training set, whose ``train_loss`` is the training loss (None: not
    #: known; the best training loss is then the evaluations')
    whole_batches: Tensor | None = None

    @property
    def diverged_at(self) -> Tensor:
        """[K] step of divergence, −1 if none."""
        return torch.where(self.status == STATUS_CODES.index(outcomes.DIVERGED), self.status_at, -1)


def cut_short(status: Tensor, status_at: Tensor, target_at: Tensor, *, stopped_at_target: bool, done: int) -> None:
    """Mark the runs still training when a stop or Ctrl-C came after ``done`` steps as interrupted there (in place):
    cut short (:mod:`descend.outcomes`), not finished; a run already at its target with ``stopped_at_target`` had
    finished. Every algorithm's training loop reads this rule (the engine's, random search's)."""
    finished = target_at >= 0 if stopped_at_target else torch.zeros_like(status, dtype=torch.bool)
    cut = (status == STATUS_CODES.index(outcomes.OK)) & ~finished
    status.masked_fill_(cut, STATUS_CODES.index(outcomes.INTERRUPTED))
    status_at.masked_fill_(cut, done)


def per_run(x: Tensor, like: Tensor) -> Tensor:
    """A [K] tensor shaped to broadcast against ``like`` [K, ...]."""
    return x.view(-1, *([1] * (like.ndim - 1)))
