"""descend.fit as a library user calls it: the loss chosen for class labels, schedules and betas given the
obvious way, and a misspelt argument named as fit's own."""

from __future__ import annotations

import pytest
import torch

import descend
from descend import schedules as S

X = torch.linspace(-1, 1, 60).reshape(30, 2)
LABELS = torch.arange(30) % 3
Y = X @ torch.tensor([[1.0], [-2.0]]) + 0.5


def test_integer_class_labels_get_cross_entropy_by_default():
    runs = descend.fit(model=descend.models.MLP((2, 8, 3)), data=(X, LABELS), steps=30, lr=0.05)
    same = descend.fit(model=descend.models.MLP((2, 8, 3)), data=(X, LABELS), steps=30, lr=0.05,
                       loss="cross-entropy")
    assert "final_train_accuracy" in runs.summary
    assert runs.summary["final_train_loss"].tolist() == same.summary["final_train_loss"].tolist()


def test_class_labels_with_a_regression_loss_or_too_few_outputs_say_so():
    with pytest.raises(ValueError, match=r"loss='mse' does not take class labels.*use loss='cross-entropy'"):
        descend.fit(model=descend.models.MLP((2, 8, 3)), data=(X, LABELS), steps=2, loss="mse")
    with pytest.raises(ValueError, match=r"class labels of 3 classes \(0\.\.2\) but the model has 1 output: .*"
                                         r"MLP\(\(2, 32, 3\)\) or Linear\(2, 3\)"):
        descend.fit(model=descend.models.MLP((2, 8, 1)), data=(X, LABELS), steps=2)


def test_a_schedule_class_or_name_is_built_over_the_budget():
    by_class = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=40, lr=0.1, optimizer="gd",
                           schedules={"lr": S.cosine})
    by_name = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=40, lr=0.1, optimizer="gd",
                          schedules={"lr": "cosine"})
    built = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=40, lr=0.1, optimizer="gd",
                        schedules={"lr": S.cosine(1.0, total_steps=40)})
    plain = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=40, lr=0.1, optimizer="gd")
    losses = [r.summary["final_train_loss"].iloc[0] for r in (by_class, by_name, built, plain)]
    assert losses[0] == losses[1] == losses[2] != losses[3]
    task = descend.fit(task="line", optimizer="gd", schedules={"lr": S.cosine})  # the task's 300 steps
    assert task.summary["steps_done"].iloc[0] == 300


def test_a_schedule_fit_cannot_complete_says_what_to_give():
    with pytest.raises(ValueError, match=r"schedules\['lr'\]: step needs step_size.*descend\.schedules\.step\(1\.0, "
                                         r"step_size=\.\.\.\)"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, schedules={"lr": S.step})
    with pytest.raises(ValueError, match=r"cosine lasts total_steps, which an epochs= budget leaves to the batch size"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), epochs=2, schedules={"lr": S.cosine})
    with pytest.raises(ValueError, match=r"unknown schedule; did you mean 'cosine'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, schedules={"lr": "cosin"})


@pytest.mark.parametrize("wrong, right", [("schedule", "schedules"), ("epoch", "epochs"), ("step", "steps")])
def test_a_misspelt_argument_of_fit_is_named_as_one(wrong, right):
    with pytest.raises(ValueError, match=rf"fit\(\) has no argument '{wrong}'; did you mean '{right}'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, **{wrong: 3})
    with pytest.raises(ValueError, match=r"unknown hyperparameter for adam 'bta1'; did you mean 'beta1'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, bta1=0.9)


def test_betas_as_torch_takes_them():
    pair = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=(0.8, 0.99))
    apart = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, beta1=0.8, beta2=0.99)
    assert pair.summary[["beta1", "beta2"]].values.tolist() == [[0.8, 0.99]]
    assert pair.summary["final_train_loss"].tolist() == apart.summary["final_train_loss"].tolist()
    with pytest.raises(ValueError, match=r"give betas=\(beta1, beta2\) or beta2=, not both"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=(0.8, 0.99), beta2=0.9)
    with pytest.raises(ValueError, match=r"must be one pair \(beta1, beta2\).*for a grid give beta1=\[\.\.\.\]"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=[(0.8, 0.99), (0.9, 0.999)])
