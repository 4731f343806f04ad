"""Which runs stand for each optimizer of a comparison: decided once, by :func:`descend.compare.compare`.

A comparison trains, per optimizer label, several configurations (learning rate α, batch size, ...) with
several seeds each. :func:`select` decides, from the runs' summary, which configuration each label is
reported at, which runs belong to it and which single run represents it; the result, a :class:`Selection`,
is what the table, every figure, the animation and every HTML chart read (none of them chooses again).

The rule, per label, over the runs of its final phase (a tuned comparison's tuning runs never count):

- a run *counts* when its status (see :mod:`descend.outcomes`) lets its numbers enter medians and win:
  a run that diverged, left the model's domain or was pruned has no result;
- configurations are the distinct values of the varying configuration columns (``lr``, ``batch_size``,
  any other hyperparameter or start that varies), every seed of one configuration together;
- the chosen configuration has the lowest median, over its seeds, of ``by`` (the final validation loss,
  or the final training loss when there is no validation split), a run that does not count (or whose
  value is not finite) counting as +∞: a configuration where half of the seeds or more failed loses to
  any configuration where most seeds have a result. Ties go to the configuration run first;
- its representative is, among its runs that count, the one with the median value of ``by`` (the lower
  of the two middle ones for an even number; ties by seed). Only when no run of the configuration counts
  is the representative its lowest seed, shown with its status (it then wins nothing: see
  :func:`descend.compare.winners`).

The same rule, restricted to one batch size, gives each label's configuration per batch size
(:attr:`Selection.by_batch`, the batch-regime figure). :attr:`Selection.one_seed` records the batch sizes
at which a label ran a single seed because seeds cannot differ there (decided in compare).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import outcomes
from ._names import optimizer_of

#: Summary columns that are results or bookkeeping, never part of a run's configuration.
RESULT_COLUMNS = frozenset({
    "run", "label", "phase", "seed", "optimizer", "status", "status_at", "diverged", "diverged_at", "steps_done",
    "steps_to_target", "distance", "seconds", "compile_seconds", "best_train_loss",
})
#: Prefixes of the summary's result columns (``final_train_loss``, ``final_test_accuracy``, ...) and of its
#: private ones: a column starting with one of them is never part of a configuration.
RESULT_PREFIXES = ("final_", "_")
#: Configuration columns always part of a chosen configuration (when the summary has them).
ALWAYS = ("lr", "batch_size")


def statuses(summary: Any) -> Any:
    """The status of every run of ``summary`` (a pandas Series of :data:`descend.outcomes.STATUSES` keys).

    The summary's ``status`` column; a summary written before runs had a status (an old report's
    summary.csv) has only ``diverged``, read as "diverged" or "ok".
    """
    import pandas as pd

    if "status" in summary:
        return summary["status"].fillna(outcomes.OK).astype(str)
    if "diverged" in summary:
        diverged = summary["diverged"].fillna(False).astype(bool)
        return pd.Series(np.where(diverged, outcomes.DIVERGED, outcomes.OK), index=summary.index, dtype=object)
    return pd.Series(outcomes.OK, index=summary.index, dtype=object)


def status_steps(summary: Any) -> Any:
    """The step at which each run's status took effect (float, NaN for "ok"): ``status_at``, or an old
    summary's ``diverged_at``."""
    import pandas as pd

    for column in ("status_at", "diverged_at"):
        if column in summary:
            return pd.to_numeric(summary[column], errors="coerce")
    return pd.Series(np.nan, index=summary.index, dtype=float)


def counting(summary: Any) -> Any:
    """Whether each run's numbers may enter medians and win (:func:`descend.outcomes.counts`)."""
    return statuses(summary).map(outcomes.counts).astype(bool)


def _plain(value: Any) -> Any:
    """A summary cell as a plain, hashable, JSON-ready value: NaN/None → None, numpy → Python, list → tuple."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, np.ndarray)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass(frozen=True)
class Choice:
    """One label's chosen configuration: its values, the runs that belong to it (every seed), the one run
    that represents it, and that run's registry optimizer (what its colour is keyed by)."""

    label: str
    optimizer: str
    config: Mapping[str, Any]  #: column -> value: lr (None without one), batch_size, every other varying field
    runs: tuple[int, ...]
    representative: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "optimizer": self.optimizer,
                "config": {k: list(v) if isinstance(v, tuple) else v for k, v in self.config.items()},
                "runs": list(self.runs), "representative": self.representative}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Choice:
        config = {k: tuple(v) if isinstance(v, list) else v for k, v in dict(data["config"]).items()}
        representative = data.get("representative")
        return cls(label=str(data["label"]), optimizer=str(data["optimizer"]), config=config,
                   runs=tuple(int(r) for r in data["runs"]),
                   representative=None if representative is None else int(representative))


@dataclass(frozen=True)
class Selection:
    """What a comparison reports per optimizer label (see the module's docstring for the rule).

    ``chosen``: label → :class:`Choice`, in the comparison's order; ``by_batch``: label → batch size (as
    shown, e.g. ``"full"``, ``"32"``) → the choice among that batch size's configurations; ``by``: the
    summary column chosen on; ``one_seed``: label → the batch sizes at which it ran one seed, because two
    seeds could not differ there.
    """

    by: str
    chosen: Mapping[str, Choice]
    by_batch: Mapping[str, Mapping[str, Choice]] = field(default_factory=dict)
    one_seed: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def runs(self) -> list[int]:
        """Every run of every chosen configuration, label after label."""
        return [run for choice in self.chosen.values() for run in choice.runs]

    def representatives(self) -> dict[int, str]:
        """run → label, the representative run of each label (labels without one are left out)."""
        return {c.representative: label for label, c in self.chosen.items() if c.representative is not None}

    def chosen_on(self, summary: Any) -> str:
        """The column of ``summary`` the configurations were chosen on (:attr:`by`), which a chart of the learning
        rates shows; the final training loss where ``summary`` lacks it."""
        return self.by if self.by in summary else "final_train_loss"

    def optimizers(self) -> dict[str, str]:
        """label → registry name of its optimizer (what :func:`descend.report.colours.colours` is keyed by)."""
        return {label: c.optimizer for label, c in self.chosen.items()}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back to an equal Selection."""
        return {"by": self.by, "chosen": [c.to_dict() for c in self.chosen.values()],
                "by_batch": {label: [c.to_dict() for c in batches.values()]
                             for label, batches in self.by_batch.items()},
                "one_seed": {label: list(batches) for label, batches in self.one_seed.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Selection:
        chosen = [Choice.from_dict(c) for c in data["chosen"]]
        by_batch = {}
        for label, choices in dict(data.get("by_batch", {})).items():
            parsed = [Choice.from_dict(c) for c in choices]
            by_batch[str(label)] = {str(c.config.get("batch_size")): c for c in parsed}
        return cls(by=str(data["by"]), chosen={c.label: c for c in chosen}, by_batch=by_batch,
                   one_seed={str(k): tuple(str(b) for b in v) for k, v in dict(data.get("one_seed", {})).items()})


def criterion(summary: Any) -> str:
    """The column configurations are chosen on: the final validation loss, else the final training loss."""
    return "final_validation_loss" if "final_validation_loss" in summary else "final_train_loss"


def config_columns(summary: Any) -> list[str]:
    """The summary's configuration columns: every column that is not a result (:data:`RESULT_COLUMNS`,
    :data:`RESULT_PREFIXES`), ``lr`` and ``batch_size`` first."""
    columns = [c for c in summary.columns if c not in RESULT_COLUMNS and not str(c).startswith(RESULT_PREFIXES)]
    return [c for c in ALWAYS if c in columns] + [c for c in columns if c not in ALWAYS]


def configurations(rows: Any, columns: Iterable[str]) -> list[tuple[dict[str, Any], list[int]]]:
    """The distinct configurations of ``rows`` over ``columns`` in the order first run: (values, runs)."""
    columns = list(columns)
    groups: dict[tuple, list[int]] = {}
    values = rows[columns].to_numpy(dtype=object) if columns else np.empty((len(rows), 0), dtype=object)
    for run, row in zip(rows.index, values):
        groups.setdefault(tuple(_plain(v) for v in row), []).append(int(run))
    return [(dict(zip(columns, key)), runs) for key, runs in groups.items()]


def scores(rows: Any, by: str) -> Any:
    """What the rule ranks runs by: ``by`` per run, +∞ for a run that does not count or whose value is not finite."""
    import pandas as pd

    values = pd.to_numeric(rows[by], errors="coerce") if by in rows else pd.Series(np.nan, index=rows.index)
    values = values.where(counting(rows) & np.isfinite(values.to_numpy(dtype=float)), np.inf)
    return values.astype(float)


def without_result(share_not_counting: float) -> bool:
    """Whether a configuration with this share of runs that do not count has no result by the rule: half of them
    or more, so that the median of its runs' :func:`scores` (theirs +∞) is +∞. Such a configuration wins no metric
    of a table, whatever the medians of its other runs (:func:`descend.compare.winners`)."""
    return share_not_counting >= 0.5 - 1e-9


#: The table column a comparison's models are told apart by: the one a model for new rows is chosen on.
CHOSEN_ON = "validation loss"


def chosen_label(winners: Mapping[str, Iterable[str]], losses: Mapping[Any, Any]) -> str | None:
    """The optimizer label whose model a comparison offers for new rows: of the labels that win its table's
    :data:`CHOSEN_ON` (``winners``, as :func:`descend.compare.winners` gives them: several where their seeds
    overlap), the one with the lowest value (``losses``: label → its row's value, where the table has the column);
    where none wins it, the row with the lowest finite value; else None (every row without one: the caller names
    its first)."""
    finite = {str(label): float(v) for label, v in losses.items()
              if isinstance(v, (int, float, np.floating)) and not isinstance(v, bool) and math.isfinite(v)}
    won = [str(label) for label in winners.get(CHOSEN_ON) or ()]
    if won:
        return min(won, key=lambda label: finite.get(label, math.inf))  # (the first of equal ones)
    return min(finite, key=finite.__getitem__) if finite else None


def best(rows: Any, by: str, columns: Iterable[str]) -> tuple[dict[str, Any], list[int]]:
    """The configuration of ``rows`` that the rule chooses: (values, its runs)."""
    score = scores(rows, by)
    values = dict(zip(score.index, score.to_numpy()))  # run → score (a lookup per run, not a pandas .loc)
    options = configurations(rows, columns)
    ranked = sorted(range(len(options)), key=lambda i: (float(np.median([values[r] for r in options[i][1]])), i))
    return options[ranked[0]]


def representative(rows: Any, runs: list[int], by: str) -> int:
    """The run that represents a configuration: of its runs that count, the median of ``by`` (the lower
    middle one for an even count, ties by seed); its lowest seed when none counts."""
    mine = rows.loc[runs]
    seeds = mine["seed"] if "seed" in mine else np.arange(len(mine))
    order = sorted(zip(scores(mine, by), seeds, mine.index))
    good = [run for score, _, run in order if math.isfinite(score)]
    if good:
        return int(good[(len(good) - 1) // 2])
    return int(sorted(zip(seeds, mine.index))[0][1])


def _choice(rows: Any, label: str, by: str, columns: list[str]) -> Choice:
    values, runs = best(rows, by, columns)
    optimizer = str(rows["optimizer"].iloc[0]) if "optimizer" in rows else optimizer_of(label)
    return Choice(label=label, optimizer=optimizer, config=values, runs=tuple(runs),
                  representative=representative(rows, runs, by))


def select(summary: Any, *, by: str | None = None, one_seed: Mapping[str, Iterable[str]] | None = None
           ) -> Selection:
    """Decide, per label of ``summary`` (one row per run, index ``run``; columns ``label``, ``seed``, the
    configuration, ``status`` or ``diverged``, and ``by``), the configuration it is reported at, its runs
    and its representative run, by the rule of this module. ``by`` defaults to :func:`criterion`;
    ``one_seed`` (label → batch sizes run with one seed) is passed on as it is. A summary without labels
    (:func:`descend.fit`'s) is labelled by its ``optimizer`` column: each optimizer's best configuration."""
    if by is None:
        by = criterion(summary)
    one_seed = {str(k): tuple(str(b) for b in v) for k, v in (one_seed or {}).items() if v}
    if "label" not in summary and "optimizer" in summary:
        summary = summary.assign(label=summary["optimizer"])
    if not len(summary) or "label" not in summary:
        return Selection(by=by, chosen={}, one_seed=one_seed)
    final = summary[summary["phase"] == "final"] if "phase" in summary else summary
    columns = config_columns(final)
    chosen, by_batch = {}, {}
    for label, rows in final.groupby("label", sort=False):
        label = str(label)
        varying = [c for c in columns if c in ALWAYS or rows[c].map(_plain).nunique(dropna=False) > 1]
        chosen[label] = _choice(rows, label, by, varying)
        if "batch_size" in rows:
            by_batch[label] = {str(batch): _choice(part, label, by, varying)
                               for batch, part in rows.groupby(rows["batch_size"].map(str), sort=False)}
    return Selection(by=by, chosen=chosen, by_batch=by_batch, one_seed=one_seed)
