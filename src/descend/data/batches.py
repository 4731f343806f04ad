"""Mini-batches of a whole training run, drawn once: batch plans, the hybrid schedule, plans stacked per run."""

from __future__ import annotations

import functools
import numbers
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import torch

from .dataset import BatchSize, Dataset, _whole
from .splits import _samples

# ---------------------------------------------------------------------------------------------------------------
# Mini-batches
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class hybrid:  # noqa: N801 - a schedule, named like the schedules in descend.schedules
    """Seed 004's hybrid batch size: ``first`` samples per batch for the first ``epochs`` epochs, then ``then``.

    ``hybrid()(e)`` is 32 for epochs e = 0..7 and 512 from epoch 8 on; ``then=None`` means the full
    training set (GD) whatever its size.

        >>> hybrid()
        hybrid(first=32, epochs=8, then=512)
        >>> [hybrid()(e) for e in (0, 7, 8, 100)]
        [32, 32, 512, 512]
    """

    first: int = 32
    epochs: int = 8
    then: int | None = 512

    def __post_init__(self) -> None:
        object.__setattr__(self, "first", _whole("first", self.first, 1, "a batch size (an int)"))
        object.__setattr__(self, "epochs", _whole("epochs", self.epochs, 0, "a number of epochs (an int)"))
        if self.then is not None:
            object.__setattr__(self, "then", _whole("then", self.then, 1, "a batch size (an int) or None"))

    def __call__(self, epoch: int) -> int | None:
        return self.first if epoch < self.epochs else self.then


class Batch(NamedTuple):
    """One step of a :class:`BatchPlan` (a named tuple: ``for index, epoch, step, last in plan`` works too).

    ``index``: int64 ``[b]`` sample indices (``[K, b]`` for a stacked plan, one row per run);
    ``epoch``: 0-based epoch of this step; ``step``: 0-based step number; ``last_in_epoch``: whether this
    batch completes its epoch (with a ``steps=`` budget the final step may stop mid-epoch and then says False).
    """

    index: torch.Tensor
    epoch: int
    step: int
    last_in_epoch: bool

    @property
    def size(self) -> int:
        """b, the number of samples in this batch."""
        return self.index.shape[-1]


@dataclass(frozen=True, eq=False)
class BatchPlan:
    """The mini-batches of a whole training run, drawn once before training.

    Stored per epoch, so that memory is the number of samples visited (and GD epochs share one order):
    ``orders[e]`` is the visiting order of epoch e (int64 ``[m]``, or ``[K, m]`` for a plan stacked over K
    runs by :func:`stack_plans`); step t takes ``orders[epochs[t]][..., starts[t] : starts[t] + sizes[t]]``.
    The per-step tensors ``[T]`` are ``sizes`` (int64, the batch size b of each of the T steps), ``epochs``
    (int64, each step's 0-based epoch), ``starts`` (int64, where the batch starts in its epoch's order) and
    ``last_in_epoch`` (bool, whether the step completes its epoch). ``m`` is the number of training samples
    and ``seeds`` the data seed of each run (one entry unless stacked); ``visits`` (int64 ``[epochs]``) the samples
    each epoch visits, m or, with ``drop_last``, its full batches' (None for a plan built by hand).

    Use: ``len(plan)`` is T; ``plan[t]`` the index tensor of step t (``[b_t]`` or ``[K, b_t]``, a view);
    ``for batch in plan`` yields :class:`Batch` objects; ``plan.indices`` is the list of all index tensors.
    """

    m: int
    orders: tuple[torch.Tensor, ...]
    sizes: torch.Tensor
    epochs: torch.Tensor
    starts: torch.Tensor
    last_in_epoch: torch.Tensor
    seeds: tuple[int, ...]
    visits: torch.Tensor | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "orders", tuple(self.orders))
        t = self.sizes.shape[0]
        if not (self.epochs.shape == self.starts.shape == self.last_in_epoch.shape == (t,)):
            raise ValueError("sizes, epochs, starts and last_in_epoch must all have shape [T]")
        # Python lists for cheap per-step slicing.
        object.__setattr__(self, "_steps", (self.epochs.tolist(), self.starts.tolist(), self.sizes.tolist()))

    def __len__(self) -> int:
        return self.sizes.shape[0]

    def __repr__(self) -> str:
        sizes = sorted(set(self._steps[2]))
        sizes_text = ", ".join(map(str, sizes[:4])) + (", ..." if len(sizes) > 4 else "")
        runs = "" if self.runs is None else f", runs={self.runs}"
        return (
            f"BatchPlan(m={self.m}, steps={len(self)}, epochs={self.n_epochs}, batch sizes {{{sizes_text}}}, "
            f"seeds={self.seeds}{runs})"
        )

    @property
    def runs(self) -> int | None:
        """K for a stacked plan (each order is ``[K, m]``), ``None`` for a single run."""
        return self.orders[0].shape[0] if self.orders and self.orders[0].ndim == 2 else None

    @property
    def seed(self) -> int:
        """The seed of a single-run plan."""
        if len(self.seeds) != 1:
            raise ValueError(f"this plan stacks {len(self.seeds)} runs with seeds {self.seeds}; use .seeds")
        return self.seeds[0]

    def same_batches(self, other: BatchPlan) -> bool:
        """Whether ``other`` visits the same samples in the same order at every step (the full batch, whose order no
        seed changes): runs with either plan see the same batches, so they can share one."""
        return (self.m == other.m and self._steps == other._steps and len(self.orders) == len(other.orders)
                and all(a is b or torch.equal(a, b) for a, b in zip(self.orders, other.orders)))

    @property
    def n_epochs(self) -> int:
        """The number of epochs the plan touches (the last one possibly partial with a ``steps=`` budget)."""
        return len(self.orders)

    def __getitem__(self, t: int) -> torch.Tensor:
        n = len(self)
        if isinstance(t, bool) or not isinstance(t, numbers.Integral):
            raise ValueError(f"step t={t!r} must be an int")
        if not -n <= t < n:
            raise ValueError(f"step t={t} is out of range; the plan has {n} steps")
        t = int(t) % n
        epochs, starts, sizes = self._steps
        return self.orders[epochs[t]][..., starts[t] : starts[t] + sizes[t]]

    def __iter__(self) -> Iterator[Batch]:
        orders = self.orders
        epochs, starts, sizes = self._steps
        for t, (e, s, b, last) in enumerate(zip(epochs, starts, sizes, self.last_in_epoch.tolist())):
            yield Batch(orders[e][..., s : s + b], e, t, last)

    @property
    def indices(self) -> list[torch.Tensor]:
        """Every step's index tensor, in order (views of ``orders``)."""
        orders = self.orders
        return [orders[e][..., s : s + b] for e, s, b in zip(*self._steps)]


def _batch_size(batch_size: BatchSize, epoch: int, m: int) -> int:
    """The batch size b of ``epoch``, checked against the m training samples."""
    if callable(batch_size):
        name, value = f"batch_size({epoch})", batch_size(epoch)
    else:
        name, value = "batch_size", batch_size
    if value is None:
        return m
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(
            f"{name}={value!r} must be a whole number of samples (an int), None for the full training set, "
            f"or a schedule epoch -> int such as hybrid(); not {type(value).__name__}"
        )
    if value <= 0:
        raise ValueError(f"{name}={value} is out of range; allowed: 1..{m}, or None for the full set")
    if value > m:
        raise ValueError(
            f"{name}={value} is larger than the training set ({_samples(m)}); allowed: 1..{m}, or None for the full set"
        )
    return int(value)


def _steps_per_epoch(m: int, b: int, drop_last: bool) -> int:
    """m // b full batches, plus one partial batch of m mod b samples unless it is dropped."""
    full, rest = divmod(m, b)
    return full + (1 if rest and not drop_last else 0)


def check_sizes(m: int, batch_size: BatchSize, *, steps: int | None, epochs: int | None, drop_last: bool) -> None:
    """Refuse, before any training, a batch size that does not fit the m training samples at some epoch the budget
    reaches: for a schedule of batch sizes (:class:`hybrid`), each epoch's, so that a later phase larger than the
    training set is not met epochs into training (the groups trained before it lost).

    >>> check_sizes(120, hybrid(), steps=None, epochs=3, drop_last=False)  # epochs 0-2 take batches of 32
    >>> check_sizes(120, hybrid(), steps=100, epochs=None, drop_last=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: batch_size=hybrid(first=32, epochs=8, then=512) gives batches of 512 from epoch 8, which the ...
    """
    if not callable(batch_size):
        _batch_size(batch_size, 0, m)
        return
    epoch, done = 0, 0
    while (epoch < epochs) if epochs is not None else (done < (steps or 0)):
        try:
            b = _batch_size(batch_size, epoch, m)
        except ValueError:
            value = batch_size(epoch)
            if isinstance(value, numbers.Integral) and not isinstance(value, bool) and value > m:
                raise ValueError(f"batch_size={batch_size!r} gives batches of {value} from epoch {epoch}, which the "
                                 f"budget reaches, larger than the training set ({_samples(m)}); allowed: 1..{m} at "
                                 "every epoch, or None for the full set") from None
            raise
        done += _steps_per_epoch(m, b, drop_last)
        epoch += 1


def plan_length(m: int, batch_size: BatchSize, *, steps: int | None, epochs: int | None, drop_last: bool) -> int:
    """How many steps :func:`batches` plans for m samples, without planning them: ``steps``, or the batches of
    every epoch (a batch-size schedule's included)."""
    if steps is not None:
        return steps
    return sum(_steps_per_epoch(m, _batch_size(batch_size, e, m), drop_last) for e in range(epochs or 0))


def batches(
    n: int | Dataset,
    *,
    batch_size: BatchSize,
    seed: int,
    steps: int | None = None,
    epochs: int | None = None,
    drop_last: bool = False,
) -> BatchPlan:
    """Plan the mini-batches of a training run over m = ``n`` samples (or ``len(n)`` for a Dataset).

    ``batch_size`` b is an int (1: SGD; b: mini-batch; m: GD), ``None`` (the full set: GD), or a schedule
    ``epoch -> int | None`` such as :class:`hybrid` (epochs count from 0). The budget is exactly one of
    ``steps`` (stop after that many batches, crossing epoch boundaries) or ``epochs`` (exactly that many
    full epochs). ``drop_last`` drops the final partial batch of each epoch (the m mod b left-over samples)
    instead of keeping it as a smaller batch.

    The exact rule: one generator ``g = torch.Generator().manual_seed(seed)`` is created; for each epoch
    e = 0, 1, ... with batch size b_e < m the epoch's order is ``torch.randperm(m, generator=g)``; an epoch
    with b_e = m (GD) uses ``torch.arange(m)`` and does not advance g. The order is cut into consecutive
    batches ``order[0:b], order[b:2b], ...``. Equal seeds give equal plans; different seeds different orders.

    Returns a :class:`BatchPlan`; iterate it for :class:`Batch` objects. Planning 10⁵ steps of b = 32 on
    m = 512 takes a few tens of milliseconds. Checks: m ≥ 1; b an int in 1..m (or None) for every epoch;
    exactly one of steps or epochs, each ≥ 1; seed a non-negative int.
    """
    m = len(n) if isinstance(n, Dataset) else n
    if isinstance(m, bool) or not isinstance(m, numbers.Integral):
        raise ValueError(f"n={m!r} must be the number of training samples (an int), not {type(m).__name__}")
    m = int(m)
    if m <= 0:
        raise ValueError(f"n={m}: the training set is empty; batches need at least one training sample")
    seed = _whole("seed", seed, 0, "a non-negative int")
    if (steps is None) == (epochs is None):
        both = "both" if steps is not None else "neither"
        raise ValueError(
            f"give exactly one budget, steps= (number of batches) or epochs= (passes over the data); got {both}"
        )
    if steps is not None:
        steps = _whole("steps", steps, 1, "a number of steps (an int)")
    if epochs is not None:
        epochs = _whole("epochs", epochs, 1, "a number of epochs (an int)")
    if not isinstance(drop_last, bool):
        raise ValueError(f"drop_last={drop_last!r} must be True or False")

    # The batch size b_e and the number of steps of each epoch e, then every per-step tensor at once.
    if callable(batch_size):
        sizes_e, counts, sum_counts = [], [], 0
        while (epochs is not None and len(sizes_e) < epochs) or (steps is not None and sum_counts < steps):
            b = _batch_size(batch_size, len(sizes_e), m)
            sizes_e.append(b)
            counts.append(_steps_per_epoch(m, b, drop_last))
            sum_counts += counts[-1]
        sizes, epoch_of, starts, last, visits = _layout(m, tuple(sizes_e), tuple(counts), steps)
    else:
        b = _batch_size(batch_size, 0, m)
        sizes_e, (sizes, epoch_of, starts, last, visits) = _fixed_layout(m, b, steps, epochs, drop_last)
    g = torch.Generator().manual_seed(seed)
    full_order = torch.arange(m)
    orders = [full_order if b == m else torch.randperm(m, generator=g) for b in sizes_e]
    return BatchPlan(
        m=m, orders=tuple(orders), sizes=sizes, epochs=epoch_of, starts=starts, last_in_epoch=last, seeds=(seed,),
        visits=visits,
    )


@functools.lru_cache(maxsize=64)
def _fixed_layout(m: int, b: int, steps: int | None, epochs: int | None, drop_last: bool,
                  ) -> tuple[tuple[int, ...], tuple[torch.Tensor, ...]]:
    """The epochs' batch sizes and :func:`_layout` for one batch size b: the same for every seed, so kept (a
    search plans a run per trial; the tensors are never changed in place)."""
    c = _steps_per_epoch(m, b, drop_last)
    n_epochs = epochs if epochs is not None else -(-steps // c)
    return (b,) * n_epochs, _layout(m, (b,) * n_epochs, (c,) * n_epochs, steps)


def _layout(m: int, sizes_e: tuple[int, ...], counts: tuple[int, ...], steps: int | None,
            ) -> tuple[torch.Tensor, ...]:
    """Each step's batch size, epoch, start in its epoch's order and whether it ends its epoch, and the samples
    each epoch visits (all m, or the full batches' with ``drop_last``, planned to its end or not), from each
    epoch's batch size and number of steps (``steps``, when given, may stop the last epoch early)."""
    counts_l = list(counts)
    full_counts = torch.tensor(counts_l, dtype=torch.int64)
    if steps is not None:  # the budget may stop the last epoch early
        counts_l[-1] -= sum(counts_l) - steps
    counts_t = torch.tensor(counts_l, dtype=torch.int64)
    b_e = torch.tensor(sizes_e, dtype=torch.int64)
    n_total = int(counts_t.sum())
    epoch_of = torch.repeat_interleave(torch.arange(len(counts_l)), counts_t, output_size=n_total)
    first_step = torch.cumsum(counts_t, 0) - counts_t
    j = torch.arange(n_total) - first_step[epoch_of]  # position of the step within its epoch
    b_t = b_e[epoch_of]
    starts = j * b_t
    sizes = torch.minimum(b_t, m - starts)  # the kept partial batch holds the m mod b left over
    last = j == full_counts[epoch_of] - 1
    visits = torch.clamp(full_counts * b_e, max=m)
    return sizes, epoch_of, starts, last, visits


def stack_plans(
    plans: Sequence[BatchPlan] | Mapping[int, BatchPlan],
    run_seeds: Sequence[int] | torch.Tensor | None = None,
) -> BatchPlan:
    """Stack single-run plans into one plan for a cohort of K runs whose data orders differ.

    ``plans`` are plans drawn with different seeds (a sequence, each known by its ``seed``, or a mapping
    seed → plan); ``run_seeds`` gives the data seed of each of the K runs (default: one run per plan, in
    order), so several runs may share a plan. The result's ``plan[t]`` is ``[K, b_t]``: row k is run k's
    batch. Runs can share a cohort only if their plans have the same m and, at every step, the same batch
    size and epoch boundaries; otherwise a ValueError says at which step they differ.
    """
    if isinstance(plans, Mapping):
        by_seed = dict(plans.items())
        order = list(by_seed)
    else:
        if isinstance(plans, BatchPlan) or not isinstance(plans, Sequence):
            raise ValueError(
                f"plans must be a sequence of BatchPlan or a mapping seed -> BatchPlan, not {type(plans).__name__}"
            )
        by_seed, order = {}, []
        for i, p in enumerate(plans):
            if not isinstance(p, BatchPlan):
                raise ValueError(f"plans[{i}] must be a BatchPlan (from batches()), not {type(p).__name__}")
            if p.runs is not None:
                raise ValueError(f"plans[{i}] is already stacked ({p.runs} runs); stack single-run plans")
            by_seed.setdefault(p.seed, p)
            order.append(p.seed)
    if not by_seed:
        raise ValueError("plans is empty; give at least one BatchPlan")
    for s, p in by_seed.items():
        if not isinstance(p, BatchPlan) or p.runs is not None:
            raise ValueError(f"plans[{s!r}] must be a single-run BatchPlan (from batches())")
    if run_seeds is None:
        run_seeds = order
    if isinstance(run_seeds, torch.Tensor):
        if run_seeds.ndim != 1 or run_seeds.is_floating_point() or run_seeds.is_complex():
            raise ValueError(f"run_seeds has shape {list(run_seeds.shape)} and dtype {run_seeds.dtype}; give ints [K]")
        run_seeds = run_seeds.tolist()
    if isinstance(run_seeds, (str, bytes)) or not isinstance(run_seeds, Sequence) or len(run_seeds) == 0:
        raise ValueError(f"run_seeds={run_seeds!r} must be a non-empty sequence of ints, one data seed per run")
    chosen = []
    for k, s in enumerate(run_seeds):
        if s not in by_seed:
            raise ValueError(
                f"run_seeds[{k}]={s!r} has no plan; plans were drawn with seeds {', '.join(map(str, by_seed))}"
            )
        chosen.append(by_seed[s])
    ref = chosen[0]
    for k, p in enumerate(chosen[1:], start=1):
        why = None
        if p.m != ref.m:
            why = f"run 0 has {ref.m} training samples but run {k} has {p.m}"
        elif len(p) != len(ref):
            why = f"run 0 (seed {run_seeds[0]}) has {len(ref)} steps but run {k} (seed {run_seeds[k]}) has {len(p)}"
        elif not torch.equal(p.sizes, ref.sizes):
            t = int((p.sizes != ref.sizes).nonzero()[0])
            why = (
                f"at step {t} run 0 (seed {run_seeds[0]}) has a batch of {int(ref.sizes[t])} samples but "
                f"run {k} (seed {run_seeds[k]}) has {int(p.sizes[t])}"
            )
        elif not (torch.equal(p.epochs, ref.epochs) and torch.equal(p.starts, ref.starts)):
            t = int(((p.epochs != ref.epochs) | (p.starts != ref.starts)).nonzero()[0])
            why = f"at step {t} runs 0 and {k} are at different points of their epochs"
        elif not ((p.visits is None and ref.visits is None) or (p.visits is not None and ref.visits is not None
                                                                and torch.equal(p.visits, ref.visits))):
            why = f"runs 0 and {k} visit different samples per epoch (one drops its last partial batch)"
        if why is not None:
            raise ValueError(
                f"the runs can't share a cohort: {why}; every run needs the same batch sizes at every step"
            )
    stacked: dict[tuple[int, ...], torch.Tensor] = {}  # GD epochs share one order: stack it once
    orders = []
    for e in range(ref.n_epochs):
        parts = [p.orders[e] for p in chosen]
        key = tuple(id(o) for o in parts)
        if key not in stacked:
            stacked[key] = torch.stack(parts)
        orders.append(stacked[key])
    return BatchPlan(
        m=ref.m,
        orders=tuple(orders),
        sizes=ref.sizes,
        epochs=ref.epochs,
        starts=ref.starts,
        last_in_epoch=ref.last_in_epoch,
        seeds=tuple(int(s) for s in run_seeds),
        visits=ref.visits,
    )
