"""descend.selection: the one decision of which configuration, runs and representative run stand for each
optimizer of a comparison, on hand-built summaries."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from descend.selection import Choice, Selection, config_columns, select, statuses


def summary(rows: list[dict]) -> pd.DataFrame:
    """A summary from rows (label, lr, batch_size, seed, train, validation, status), one run per row."""
    frame = pd.DataFrame([{"label": r.get("label", "adam"), "optimizer": r.get("label", "adam").split("(")[0],
                           "batch_size": r.get("batch_size", "full"), "seed": r["seed"], "lr": r["lr"],
                           "final_train_loss": r["train"], "final_validation_loss": r.get("validation", np.nan),
                           "status": r.get("status", "ok"), "diverged": r.get("status") == "diverged",
                           "phase": r.get("phase", "final"), "seconds": 1.0, "steps_done": 10}
                          for r in rows])
    frame.index.name = "run"
    return frame


# adam: at lr 0.1 the training loss is lowest, at lr 0.01 the validation loss
TWO_WAYS = summary(
    [{"lr": 0.01, "seed": s, "train": 0.30 + 0.01 * s, "validation": [0.6, 0.5, 0.7][s]} for s in range(3)]
    + [{"lr": 0.1, "seed": s, "train": 0.10 + 0.01 * s, "validation": 0.9} for s in range(3)]
)


def test_the_configuration_with_the_lowest_median_validation_loss_and_its_median_seed():
    selection = select(TWO_WAYS)
    assert selection.by == "final_validation_loss"
    (choice,) = selection.chosen.values()
    assert choice.label == "adam" and choice.optimizer == "adam"
    assert choice.config == {"lr": 0.01, "batch_size": "full"} and choice.runs == (0, 1, 2)
    assert choice.representative == 0  # validation 0.6 is the median of 0.5, 0.6, 0.7 (run 1 has 0.5)
    assert selection.runs() == [0, 1, 2] and selection.representatives() == {0: "adam"}
    # without a validation split: the training loss decides
    train_only = select(TWO_WAYS.drop(columns="final_validation_loss"))
    assert train_only.by == "final_train_loss" and train_only.chosen["adam"].config["lr"] == 0.1
    assert train_only.chosen["adam"].representative == 4  # the median of 0.10, 0.11, 0.12


def test_a_run_without_a_result_never_wins_the_choice_nor_represents_it():
    rows = summary(
        # lr 0.1: the best validation loss of all, but two of its three seeds left the model's domain
        [{"lr": 0.1, "seed": 0, "train": 0.01, "validation": 0.01},
         {"lr": 0.1, "seed": 1, "train": np.nan, "validation": np.nan, "status": "left-domain"},
         {"lr": 0.1, "seed": 2, "train": np.nan, "validation": np.nan, "status": "left-domain"}]
        # lr 0.01: worse, every seed has a result, one diverged run would not change the median
        + [{"lr": 0.01, "seed": s, "train": 0.2, "validation": 0.2 + 0.01 * s} for s in range(3)]
        + [{"lr": 0.001, "seed": 0, "train": 0.5, "validation": 0.1},
           {"lr": 0.001, "seed": 1, "train": 0.5, "validation": 0.1, "status": "diverged"}]
    )
    choice = select(rows).chosen["adam"]
    assert choice.config["lr"] == 0.01 and choice.runs == (3, 4, 5) and choice.representative == 4
    # a left-domain run with a (spurious) finite loss counts as +inf all the same: the status decides
    spurious = rows.copy()
    spurious.loc[[1, 2], ["final_validation_loss", "final_train_loss"]] = 0.0
    assert select(spurious).chosen["adam"].config["lr"] == 0.01
    # one seed with a result out of two is a median of +inf: lr 0.001 (validation 0.1, one seed diverged)
    # loses to lr 0.01 (0.21); among configurations that all fail so, the one run first
    assert select(rows[rows.lr != 0.1]).chosen["adam"].config["lr"] == 0.01
    assert select(rows[rows.lr != 0.01]).chosen["adam"].config["lr"] == 0.1
    # when no run of the label has a result: its first configuration, represented by its lowest seed
    failed = summary([{"lr": lr, "seed": s, "train": np.nan, "status": "diverged"} for lr in (0.1, 1.0)
                      for s in (1, 0)])
    choice = select(failed).chosen["adam"]
    assert choice.config["lr"] == 0.1 and choice.runs == (0, 1) and choice.representative == 1


def test_the_representative_of_an_even_number_of_seeds_is_the_lower_of_the_two_middle_runs():
    """Of four seeds (validation 0.4, 0.1, 0.3, 0.2) the representative is the run at 0.2, and of two the better
    one: only odd counts, or two seeds of which one failed, were tested."""
    four = select(summary([{"lr": 0.01, "seed": s, "train": 0.5, "validation": v}
                           for s, v in enumerate([0.4, 0.1, 0.3, 0.2])])).chosen["adam"]
    assert four.runs == (0, 1, 2, 3) and four.representative == 3
    two = select(summary([{"lr": 0.01, "seed": s, "train": 0.5, "validation": v}
                          for s, v in enumerate([0.7, 0.6])])).chosen["adam"]
    assert two.representative == 1


def test_labels_batch_sizes_other_varying_fields_and_tuning_runs():
    rows = summary(
        [{"label": label, "lr": lr, "batch_size": b, "seed": 0, "train": t, "validation": t}
         for label in ("sgd", "sgd(momentum=0.9)")
         for lr, b, t in ((0.1, "full", 0.3), (0.1, "32", 0.1), (0.01, "full", 0.2), (0.01, "32", 0.4))]
        + [{"label": "sgd", "lr": 0.5, "seed": 0, "train": 0.0, "validation": 0.0, "phase": "tuning"}]
    )
    rows["beta"] = 0.9  # a hyperparameter that does not vary: not part of the configuration
    selection = select(rows)
    assert list(selection.chosen) == ["sgd", "sgd(momentum=0.9)"]  # in the comparison's order
    assert selection.chosen["sgd"].config == {"lr": 0.1, "batch_size": "32"}  # the tuning run never counts
    assert selection.chosen["sgd(momentum=0.9)"].optimizer == "sgd"
    by_batch = selection.by_batch["sgd"]
    assert list(by_batch) == ["full", "32"]
    assert by_batch["full"].config == {"lr": 0.01, "batch_size": "full"} and by_batch["full"].runs == (2,)
    assert by_batch["32"].runs == (1,)
    # a start that varies is part of the configuration
    starts = rows[rows.phase == "final"].assign(start=[(0.0, 1.0), (2.0, 3.0)] * 4)
    assert "start" in config_columns(starts)
    assert select(starts).chosen["sgd"].config == {"lr": 0.1, "batch_size": "32", "start": (2.0, 3.0)}


def test_to_dict_and_from_dict_round_trip_through_json():
    selection = select(TWO_WAYS, one_seed={"adam": ["full"], "gd": []})
    assert selection.one_seed == {"adam": ("full",)}
    data = json.loads(json.dumps(selection.to_dict()))
    again = Selection.from_dict(data)
    assert again == selection
    assert isinstance(again.chosen["adam"], Choice) and again.by_batch["adam"]["full"] == selection.chosen["adam"]
    with_start = Choice("gd", "gd", {"lr": None, "start": (1.0, 2.0)}, (3,), None)
    assert Choice.from_dict(json.loads(json.dumps(with_start.to_dict()))) == with_start


def test_an_old_summary_without_status_is_read_from_diverged():
    old = TWO_WAYS.drop(columns="status")
    old.loc[[0, 1], "diverged"] = True
    assert list(statuses(old)) == ["diverged", "diverged", "ok", "ok", "ok", "ok"]
    assert select(old).chosen["adam"].config["lr"] == 0.1
    assert select(old.iloc[:0]).chosen == {}


@pytest.mark.parametrize("column", ["status", "diverged"])
def test_statuses_fill_missing_values_as_ok(column):
    frame = pd.DataFrame({column: [None, "diverged" if column == "status" else True]})
    assert list(statuses(frame)) == ["ok", "diverged"]


def test_a_fit_summary_without_labels_is_chosen_per_optimizer():
    """select() on descend.fit's summary (no label column) chose nothing, silently."""
    import torch

    import descend

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g)
    y = x @ torch.tensor([[1.0], [2.0], [-1.0]])
    runs = descend.fit(model=descend.models.Linear(3, 1), data=(x, y), optimizer=["gd", "adam"],
                       lr=[1e-3, 1e-1], seed=[0, 1], steps=30, compile=False)
    summary = runs.summary
    chosen = select(summary).chosen
    assert list(chosen) == ["gd", "adam"]
    for name, choice in chosen.items():
        rows = summary[summary["optimizer"] == name]
        medians = rows.groupby("lr")["final_train_loss"].median()
        assert choice.optimizer == name and choice.config["lr"] == medians.idxmin() == 0.1
        assert set(choice.runs) == set(rows.index[rows["lr"] == 0.1]) and choice.representative in choice.runs


def test_a_fit_summarys_full_batch_none_has_its_own_choice_per_batch_size():
    """descend.fit writes the full batch as None, which pandas 3 turns into a missing value as text: the choice per
    batch size left the full batch out (a fit of one batch size had none at all), and the figures' panels too."""
    from descend.report import figures as F

    rows = [{"label": "gd", "lr": lr, "batch_size": batch, "seed": 0, "train": lr + (batch or 0)}
            for lr in (0.01, 0.1) for batch in (None, 16)]
    def fit_like(rows):  # as descend.fit writes it: an object column holding None and integers
        frame = summary(rows).drop(columns=["label"])
        frame["batch_size"] = pd.Series([r["batch_size"] for r in rows], index=frame.index, dtype=object)
        return frame

    by_batch = select(fit_like(rows)).by_batch["gd"]
    assert sorted(by_batch) == ["16", "None"]
    assert by_batch["None"].config == {"lr": 0.01, "batch_size": None}
    assert sorted(select(fit_like(rows[::2])).by_batch["gd"]) == ["None"]
    panels = [ax for ax in F.lr_sensitivity(fit_like(rows).assign(label="gd")).axes if ax.lines]
    assert len(panels) == 2


def test_a_label_names_its_optimizer_by_one_rule_for_the_choice_and_the_colours():
    """Without an optimizer column the choice read "adam:beta1=0.8" as the optimizer "adam:beta1=0.8" (its text
    before a bracket), where the colours read "adam": the page coloured it #3f007d, the figures Adam's red."""
    from descend.report.colours import colours

    rows = summary([{"label": "adam:beta1=0.8", "lr": 0.1, "seed": 0, "train": 0.2},
                    {"label": "sgd(momentum=0.9)", "lr": 0.1, "seed": 0, "train": 0.3}]).drop(columns="optimizer")
    chosen = select(rows).chosen
    assert [c.optimizer for c in chosen.values()] == ["adam", "sgd"]
    assert colours({label: c.optimizer for label, c in chosen.items()}) == colours(list(chosen))


def test_the_model_offered_for_new_rows_is_the_lowest_median_among_the_winners():
    """Adam and RMSprop won the validation loss together (their seeds overlap: descend.compare.winners); the hint
    named Adam, the first in the table, at 0.0090 beside RMSprop's 0.0049."""
    from descend.selection import chosen_label

    losses = {"sgd": 0.0316, "adam": 0.0090, "rmsprop": 0.0049}
    assert chosen_label({"validation loss": ["adam", "rmsprop"]}, losses) == "rmsprop"
    assert chosen_label({"validation loss": ["adam"]}, losses) == "adam"  # a winner by the rule's other reasons
    assert chosen_label({}, losses) == "rmsprop"  # no one wins it: the lowest median
    assert chosen_label({}, {"sgd": float("nan")}) is None
