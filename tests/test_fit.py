"""descend.fit as a library user calls it: the loss chosen for class labels, schedules and betas given the
obvious way, and a misspelt argument named as fit's own."""

from __future__ import annotations

import math

import numpy as np
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


def test_a_schedule_by_name_lasts_the_steps_of_the_batch_size_under_an_epochs_budget():
    """fit(epochs=3, batch_size=8, schedules={"lr": "cosine"}) was refused ("an epochs= budget leaves [total_steps]
    to the batch size") although one batch size gives the steps: it is the schedule built over them."""
    from descend.data import batches

    steps = len(batches(len(X), batch_size=8, seed=0, epochs=3).indices)
    common = dict(model=descend.models.Linear(2), data=(X, Y), epochs=3, batch_size=8, lr=0.1, optimizer="sgd")
    losses = [descend.fit(**common, schedules={"lr": s}).summary["final_train_loss"].iloc[0]
              for s in ("cosine", S.cosine, S.cosine(1.0, steps), S.cosine(1.0, 2 * steps), "cosine:min_value=0.1",
                        S.cosine(1.0, steps, min_value=0.1))]
    assert steps > 3 and losses[0] == losses[1] == losses[2] != losses[3] and losses[4] == losses[5] != losses[0]
    task = descend.tasks.get("iris")
    steps = len(batches(len(task.data.train), batch_size=16, seed=0, epochs=2).indices)
    named, built = (descend.fit(task=task, epochs=2, batch_size=16, schedules={"lr": s}).summary["final_train_loss"]
                    .iloc[0] for s in ("one_cycle", S.one_cycle(1.0, steps)))
    assert named == built
    # a landscape has no data to count epochs over: refused as compare and tune refuse it (with a schedule, the name
    # reached the engine unbuilt, "must be a function of the step t"; without, an epoch was a step, unsaid)
    for schedules in ({"lr": "cosine"}, None):
        with pytest.raises(ValueError, match=r"^epochs=5: task 'rosenbrock' has no data to count epochs over; give "
                                             r"steps=\.\.\.$"):
            descend.fit(task="rosenbrock", optimizer="adam", lr=0.01, epochs=5, schedules=schedules)
    with pytest.raises(ValueError, match=r"^schedules\['lr'\]='cosin': unknown schedule; did you mean 'cosine'\? "
                                         r"\(allowed: [a-z_, ]+\)$"):  # no steps' words for a name that is none
        descend.fit(task="iris", epochs=2, batch_size=16, schedules={"lr": "cosin"})


def test_a_schedule_fit_cannot_complete_says_what_to_give():
    with pytest.raises(ValueError, match=r"schedules\['lr'\]: step needs step_size.*descend\.schedules\.step\(1\.0, "
                                         r"step_size=\.\.\.\)"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, schedules={"lr": S.step})
    with pytest.raises(ValueError, match=r"schedules\['lr'\]=<class .*cosine'> lasts the steps of a run, which under "
                                         r"an epochs= budget its batch size decides, and batch_size=\[4, 8\] gives "
                                         r"several; train each batch size in a fit of its own"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), epochs=2, batch_size=[4, 8],
                    schedules={"lr": S.cosine})
    with pytest.raises(ValueError, match=r"^schedules\['lr'\]: total_steps=1 is out of range; allowed: \[2, inf\) "
                                         r"\(at batch size full, whose 1 epoch takes 1 step\)$"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), epochs=1, schedules={"lr": "one_cycle"})
    with pytest.raises(ValueError, match=r"unknown schedule; did you mean 'cosine'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, schedules={"lr": "cosin"})


@pytest.mark.parametrize("wrong, right", [("schedule", "schedules"), ("epoch", "epochs"), ("step", "steps")])
def test_a_misspelt_argument_of_fit_is_named_as_one(wrong, right):
    with pytest.raises(ValueError, match=rf"fit\(\) has no argument '{wrong}'; did you mean '{right}'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, **{wrong: 3})
    with pytest.raises(ValueError, match=r"unknown hyperparameter for adam 'bta1'; did you mean 'beta1'"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, bta1=0.9)
    # a search's best configuration (best.json) holds its schedule as schedule="cosine:min_value=0.1"
    with pytest.raises(ValueError, match=r"^fit\(\) has no argument 'schedule'; the learning rate's schedule is given "
                                         r"as schedules=\{'lr': 'cosine:min_value=0\.1'\}$"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, schedule="cosine:min_value=0.1")


def test_a_switch_given_as_1_or_0_is_true_or_false_in_fit():
    """fit(amsgrad=[0, 1]) trained as amsgrad False and True; a stricter check meant for the torch.optim classes
    refused it (and one_cycle's three_phase=1, and the playground's amsgrad=1)."""
    grid = descend.fit(task="rosenbrock", optimizer="adam", lr=0.1, steps=30, amsgrad=[0, 1])
    named = descend.fit(task="rosenbrock", optimizer="adam", lr=0.1, steps=30, amsgrad=[False, True])
    assert grid.summary["final_train_loss"].tolist() == named.summary["final_train_loss"].tolist()
    assert S.one_cycle(1.0, 100, three_phase=1)(60) == S.one_cycle(1.0, 100, three_phase=True)(60)


def test_betas_as_torch_takes_them():
    pair = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=(0.8, 0.99))
    apart = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, beta1=0.8, beta2=0.99)
    assert pair.summary[["beta1", "beta2"]].values.tolist() == [[0.8, 0.99]]
    assert pair.summary["final_train_loss"].tolist() == apart.summary["final_train_loss"].tolist()
    with pytest.raises(ValueError, match=r"give betas=\(beta1, beta2\) or beta2=, not both"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=(0.8, 0.99), beta2=0.9)
    with pytest.raises(ValueError, match=r"must be one pair \(beta1, beta2\).*for a grid give beta1=\[\.\.\.\]"):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, betas=[(0.8, 0.99), (0.9, 0.999)])


def test_tensor_and_numpy_hyperparameters_are_values_of_the_grid():
    """fit's own refusal says a hyperparameter may be "a tensor of shape [K] (one value per run)": a [K] tensor
    crashed in the engine, and NumPy numbers were refused. A [K] tensor (or array) is a grid axis, a 0-d tensor
    or a NumPy number its value."""
    import numpy as np

    x = torch.randn(60, 2, generator=torch.Generator().manual_seed(0))
    y = x.sum(1)
    common = dict(model=descend.models.Linear(2), data=(x, y), steps=3, compile=False)
    tensor = descend.fit(lr=torch.tensor([0.1, 0.2]), **common)
    listed = descend.fit(lr=[0.1, 0.2], **common)
    assert tensor.summary["lr"].tolist() == [0.1, 0.2]
    assert tensor.summary["final_train_loss"].tolist() == listed.summary["final_train_loss"].tolist()
    scalar = descend.fit(lr=torch.tensor(0.1), beta1=np.float64(0.8), seed=np.int64(1), **common)
    assert scalar.summary[["lr", "beta1", "seed"]].iloc[0].tolist() == [0.1, 0.8, 1]
    with pytest.raises(ValueError, match=r"batch_size lists 8 twice"):  # the same value: not silently one run
        descend.fit(batch_size=[np.int64(8), 8], **common)
    with pytest.raises(ValueError, match=r"lr is a tensor of shape \(2, 2\)"):
        descend.fit(lr=torch.ones(2, 2), **common)


def test_what_a_later_group_refuses_is_refused_before_the_first_trains():
    """A batch size larger than the data, or a schedule with a negative factor, was refused only when its group
    started (after the others had trained) or not at all (a negative rate climbed with status ok)."""
    x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    y = x.sum(1, keepdim=True)
    events = []
    common = dict(model=descend.models.Linear(3), data=(x, y), steps=50, compile=False, progress=events.append)
    with pytest.raises(ValueError, match="batch_size=1000 is larger than the training set"):
        descend.fit(batch_size=[8, 1000], **common)
    with pytest.raises(ValueError, match=r"the schedule of 'lr' gives -1 at step 0: .* must be >= 0"):
        descend.fit(optimizer="gd", lr=0.1, batch_size=[8, 100], schedules={"lr": lambda t: -1.0}, **common)
    assert events == []  # nothing trained


def test_bce_on_a_model_whose_output_is_not_a_probability_is_refused_before_training():
    """A run whose output left [0, 1] raised bce's ValueError mid-training and lost every run of the sweep."""
    x = torch.randn(60, 2, generator=torch.Generator().manual_seed(0))
    y = (x[:, :1] > 0).float()
    with pytest.raises(ValueError, match="loss='bce' takes probabilities in \\[0, 1\\], but the model's output is "
                                         "'identity'; use loss='bce-logits'"):
        descend.fit(model=descend.models.Linear(2, 1), data=(x, y), loss="bce", lr=[0.01, 5.0], steps=5)
    runs = descend.fit(model=descend.models.Linear(2, 1, output="sigmoid"), data=(x, y), loss="bce",
                       optimizer="gd", lr=[0.01, 5.0], steps=50, compile=False)
    assert runs.summary["status"].tolist() == ["ok", "ok"]


@pytest.mark.parametrize("given", [dict(validation=0.2), dict(test=0.1), dict(standardize=True),
                                   dict(standardize_target=True), dict(split_seed=3),
                                   # the values fit took by default were ignored silently with a task (whose
                                   # regression target is standardised: standardize_target=False kept it so)
                                   dict(standardize_target=False), dict(validation=0.0)])
def test_splitting_options_that_would_be_ignored_are_refused(given):
    """validation, test, standardize(_target) and split_seed split data=(x, y) or a Dataset; with a task, a
    Splits or no data they were silently ignored (a user's held-out fraction never held out)."""
    (name, value), = given.items()
    with pytest.raises(ValueError, match=f"task 'ellipse' brings its own data, already split, so {name}="):
        descend.fit(task="ellipse", steps=2, **given)
    splits = descend.data.split(descend.data.as_dataset(X, Y), validation=0.2)
    with pytest.raises(ValueError, match=f"{name}=.* would be ignored: data is a descend.data.Splits"):
        descend.fit(model=descend.models.Linear(2), data=splits, steps=2, **given)
    with pytest.raises(ValueError, match=f"{name}=.* would be ignored: data=None has no samples"):
        descend.fit(model=descend.landscapes.get("himmelblau").model(), data=None, loss="value", steps=2, **given)
    # where they apply they still apply
    runs = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=2, validation=0.2, test=0.1, split_seed=3,
                       standardize=True, standardize_target=True)
    assert "final_validation_loss_original" in runs.summary


@pytest.mark.parametrize("given, message", [
    (dict(eval_every=-1), "eval_every=-1 must be a whole number of steps >= 1"),
    (dict(eval_every=2.5), "eval_every=2.5 must be a whole number"),
    (dict(eval_every=True), "eval_every=True must be a whole number"),
    (dict(target=float("nan")), "target=nan must be a finite number"),
    (dict(target="0.1"), "target='0.1' must be a finite number"),
    (dict(stop_at_target=True), "stop_at_target=True needs target="),
])
def test_record_options_that_make_no_sense_are_refused_before_training(given, message):
    events = []
    with pytest.raises(ValueError, match=message):
        descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, progress=events.append, **given)
    assert events == []


def test_eval_every_zero_evaluates_nothing_and_a_target_stops_runs():
    runs = descend.fit(model=descend.models.Linear(2), data=(X, Y), steps=5, eval_every=0, compile=False)
    assert runs.curves.query("metric == 'loss' and split == 'train'").empty
    assert len(runs.curves.query("split == 'batch'")) == 5
    runs = descend.fit(model=descend.models.Linear(2), data=(X, Y), optimizer="gd", lr=0.1, steps=200, target=1.0,
                       stop_at_target=True, compile=False)
    assert runs.summary["steps_to_target"].iloc[0] is not None


def test_half_mse_is_seed_002s_cost_whose_gradient_is_half_mses():
    """Seed 002's cost j = 1/(2n) Σ (θ₀ + θ₁x − y)²: GD at α on it takes the steps of GD at α/2 on mse."""
    half = descend.fit(task="line", optimizer="gd", lr=0.2, steps=40, loss="half-mse", dtype=torch.float64,
                       record_path=True, compile=False)
    full = descend.fit(task="line", optimizer="gd", lr=0.1, steps=40, loss="mse", dtype=torch.float64,
                       record_path=True, compile=False)
    torch.testing.assert_close(torch.as_tensor(half.paths[0]), torch.as_tensor(full.paths[0]), rtol=1e-12, atol=1e-12)
    assert half.summary["final_train_loss"].iloc[0] == pytest.approx(full.summary["final_train_loss"].iloc[0] / 2,
                                                                      rel=1e-12)


def test_stop_at_target_stops_after_the_updates_that_reached_it():
    """The update of the step whose loss met the target was applied (the parameters were those of one step more)
    and steps_done said the whole budget."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(100, 4, generator=g, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]], dtype=torch.float64)
    kw = dict(model=descend.models.MLP((4, 8, 1)), data=(x, y), optimizer="adam", lr=0.1, compile=False,
              dtype=torch.float64)
    runs = descend.fit(steps=100, target=1.0, stop_at_target=True, **kw)
    n = int(runs.summary.steps_to_target[0])
    assert 0 < n < 100 and runs.summary.steps_done[0] == n
    # nothing is recorded after the stop (the losses and gradient norms at the frozen parameters read as a plateau)
    step, _, loss = runs.curve(0, "loss", "batch")
    assert step.tolist() == list(range(100)) and loss[n] <= 1.0 < loss[:n].min() and np.isnan(loss[n + 1:]).all()
    for name in runs.names:
        _, _, norm = runs.curve(0, f"grad_norm:{name}", "train")
        assert np.isfinite(norm[:n + 1]).all() and np.isnan(norm[n + 1:]).all()
    alone = descend.fit(steps=n, **kw)
    for name, value in runs.params[0].items():
        assert torch.equal(value, alone.params[0][name]), name


def _noisy_line(n: int = 200) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    return x, x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64) + 0.5 * torch.randn(n, 1, generator=g,
                                                                                                 dtype=torch.float64)


def test_a_mini_batch_reaches_the_target_when_the_training_loss_does_not_when_one_batch_does():
    """A mini-batch's loss is one batch's: a lucky batch (one sample's loss 0.38 at step 1, the training loss
    7.9) said the run had reached the target at step 1. The steps to the target are those of the first evaluation
    of the training split at or below it; a full batch's loss is the training loss, read at every step."""
    kw = dict(model=descend.models.Linear(3, 1), data=_noisy_line(), optimizer="sgd", lr=0.01, steps=300,
              target=0.5, eval_every=10, compile=False, dtype=torch.float64)
    runs = descend.fit(batch_size=[1, None], **kw)
    _, _, batch = runs.curve(0, "loss", "batch")
    assert (batch[:5] <= 0.5).any()  # a lucky batch early on, far from the target
    for j in (0, 1):
        step, _, train = runs.curve(j, "loss", "train")
        first = int(step[np.argmax(train <= 0.5)])
        assert train.min() <= 0.5 and (train[step < first] > 0.5).all()
        reached = int(runs.summary.steps_to_target[j])
        if j == 0:  # known at the evaluations only
            assert reached == first > 50
        else:  # known at every step: at or before the first evaluation that shows it
            _, _, loss = runs.curve(j, "loss", "batch")
            assert first - 10 < reached <= first and loss[reached] <= 0.5 < loss[:reached].min()
    stopped = descend.fit(batch_size=[1, None], stop_at_target=True, **kw)
    for j in (0, 1):
        n = int(stopped.summary.steps_to_target[j])
        assert n == runs.summary.steps_to_target[j] and stopped.summary.steps_done[j] == n
        assert stopped.summary.final_train_loss[j] <= 0.5


def test_a_hybrid_batch_reads_the_target_at_every_step_once_its_batch_is_whole():
    """seed 004's hybrid: mini-batches, then the whole training set, whose loss is read at every step."""
    kw = dict(model=descend.models.Linear(3, 1), data=_noisy_line(64), optimizer="sgd", lr=0.02, steps=120,
              eval_every=50, compile=False, dtype=torch.float64, batch_size=descend.data.hybrid(8, 2, None))
    free = descend.fit(**kw)
    _, _, loss = free.curve(0, "loss", "batch")
    # steps 0-15 are mini-batches (2 epochs of 8 batches); a target that the whole batches reach first at step t
    t = 30
    target = float((loss[16:t].min() + loss[t]) / 2) if loss[t] < loss[16:t].min() else None
    assert target is not None and loss[16:t].min() > target >= loss[t]
    runs = descend.fit(target=target, **kw)
    assert int(runs.summary.steps_to_target[0]) == t


def test_a_tasks_known_answer_is_not_measured_on_another_model():
    """descend.fit(task=..., model=another) raised KeyError in its summary: the distance to the task's answer,
    which names the task model's parameters."""
    runs = descend.fit(task="line", model=descend.models.Linear(1), steps=5, compile=False)
    assert "distance" not in runs.summary and len(runs.summary) == 1
    assert descend.fit(task="line", steps=5, compile=False).summary["distance"].notna().all()


@pytest.mark.parametrize("kwargs, message", [
    (dict(model=torch.nn.Linear(4, 1)), r"model=Linear\(\.\.\.\) is a torch\.nn\.Module: wrap it as "
                                        r"descend\.models\.ModuleModel\(module\)"),
    (dict(model="mlp"), r"model='mlp' is not a descend model"),
    (dict(model=descend.models.Linear(4), loss=torch.nn.functional.mse_loss),
     r"loss=mse_loss does not take mask, runs: a loss function of one's own is called as"),
    # torch's loss modules take anything through nn.Module.__call__: they failed at the first evaluation with
    # torch's "unexpected keyword argument 'reduction'"
    (dict(model=descend.models.Linear(4), loss=torch.nn.MSELoss()),
     r"loss=MSELoss\(\) is torch\.nn's loss module, called on one model's output; .*: loss='mse' is torch's "
     r"MSELoss with its default settings"),
    (dict(model=descend.models.Linear(4), loss=torch.nn.SmoothL1Loss()),
     r"loss=SmoothL1Loss\(\) is torch\.nn's loss module, .*: give a loss by name \(descend list losses\)"),
    (dict(model=descend.models.Linear(4), loss=torch.nn.CrossEntropyLoss(label_smoothing=0.1)),
     r"loss=CrossEntropyLoss\(\) is torch\.nn's loss module"),
    (dict(model=descend.models.Linear(4), progress=3), r"progress=3 must be a function"),
])
def test_a_model_loss_or_hook_descend_cannot_call_is_refused_before_training(kwargs, message):
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    with pytest.raises(ValueError, match=message):
        descend.fit(data=(x, y), steps=5, compile=False, **kwargs)


def test_two_class_labels_train_a_model_with_an_output_per_class():
    """Integer labels 0/1 were read as binary (one output, y as [m, 1] floats), so a model with two outputs failed
    on the loss's shapes, although fit promises cross-entropy for integer class labels."""
    x = torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long()
    runs = descend.fit(model=descend.models.Linear(4, 2), data=(x, y), steps=50, lr=0.1, compile=False)
    assert runs.summary["final_train_accuracy"].iloc[0] > 0.9
    alike = descend.fit(model=descend.models.Linear(4, 2), data=descend.data.as_dataset(x, y, kind="multiclass"),
                        steps=50, lr=0.1, compile=False)
    assert runs.summary["final_train_loss"].iloc[0] == alike.summary["final_train_loss"].iloc[0]


@pytest.mark.parametrize("optimizer, hyper, schedules, message", [
    ("adam", {"beta1": 0.9}, {"beta1": lambda t: 1.2},
     r"the schedule of 'beta1' takes it to 1\.08 at step 0 \(0\.9 × 1\.2\), outside what adam allows"),
    ("sgd", {"momentum": 0.5, "dampening": 0.5}, {"dampening": lambda t: 1.0 + t / 10},
     r"the schedule of 'dampening' takes it to 1\.45 at step 19"),
    ("sgd", {"momentum": 0.5}, {"nesterov": lambda t: 1.0}, r"nesterov is an option of sgd .* which a schedule"),
])
def test_a_schedule_that_takes_a_hyperparameter_out_of_range_is_refused(optimizer, hyper, schedules, message):
    """beta1 = 0.9 scheduled × 1.2 trained as 1.08, the summary saying 0.9 and "ok"; a switch was scaled."""
    x, y = torch.randn(64, 4), torch.randn(64, 1)
    with pytest.raises(ValueError, match=message):
        descend.fit(model=descend.models.Linear(4), data=(x, y), optimizer=optimizer, steps=20, compile=False,
                    schedules=schedules, **hyper)


def test_one_hot_targets_have_an_accuracy():
    """One-hot float targets failed in the accuracy's comparison of predicted and given classes."""
    x = torch.randn(64, 4, generator=torch.Generator().manual_seed(0))
    labels = torch.randint(0, 3, (64,), generator=torch.Generator().manual_seed(1))
    one_hot = torch.nn.functional.one_hot(labels, 3).float()
    runs = descend.fit(model=descend.models.Linear(4, 3, output="softmax"), data=(x, one_hot), steps=5,
                       compile=False)
    w, b = runs.params[0]["weight"], runs.params[0]["bias"]  # [4, 3] and [3]
    expected = float(((x @ w + b).argmax(-1) == labels).double().mean())
    assert runs.summary["final_train_accuracy"].iloc[0] == pytest.approx(expected)


def test_a_list_of_clipping_thresholds_is_a_grid_axis_each_run_as_alone():
    # clip_norm=[...] was refused ("must be a positive number or None") although every other list expands
    common = dict(task="line", optimizer=["gd", "adam"], lr=0.5, steps=40, seed=[0, 1], dtype=torch.float64,
                  compile=False)
    runs = descend.fit(clip_norm=[0.5, None], clip_value=[None, 0.2], **common)
    summary = runs.summary
    assert len(summary) == 2 * 2 * 2 * 2 and {"clip_norm", "clip_value"} <= set(summary.columns)
    for (norm, value), rows in summary.groupby(["clip_norm", "clip_value"], dropna=False):
        alone = descend.fit(clip_norm=None if norm != norm else norm, clip_value=None if value != value else value,
                            **common).summary
        got = rows.drop(columns=["clip_norm", "clip_value", "seconds"]).reset_index(drop=True)
        expected = alone.drop(columns=[c for c in ("clip_norm", "clip_value", "seconds") if c in alone])
        assert got.equals(expected.reset_index(drop=True))
    assert "clip_norm" not in descend.fit(**common).summary.columns


def test_an_epoch_that_drops_its_last_partial_batch_still_counts_one():
    # the epochs column divided the samples taken by m: with drop_last, an epoch of 50 samples in batches of 12
    # ended at 0.96 epochs, and the run's last evaluation (after 3 epochs) said 2.96
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    runs = descend.fit(model=descend.models.Linear(3, 1), data=(x, x.sum(1, keepdim=True)), optimizer="sgd",
                       lr=0.01, batch_size=12, epochs=3, drop_last=True, eval_every=4, compile=False)
    batch = runs.curves.query("split == 'batch'").sort_values("step")
    assert batch["epoch"].tolist()[:5] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])
    assert runs.curves.query("split == 'train'")["epoch"].max() == 3.0
    kept = descend.fit(model=descend.models.Linear(3, 1), data=(x, x.sum(1, keepdim=True)), optimizer="sgd",
                       lr=0.01, batch_size=12, epochs=1, compile=False)
    assert kept.curves.query("split == 'batch'").sort_values("step")["epoch"].tolist() == pytest.approx(
        [0.0, 0.24, 0.48, 0.72, 0.96])  # the fifth batch (2 samples) ends the epoch after the last recorded step


def test_an_epoch_cut_short_by_the_steps_budget_counts_the_samples_it_would_visit():
    # with drop_last and a steps budget that ends within an epoch, that epoch's fraction divided by m (2.6 after
    # 8 batches of 30 of 100 samples) where its complete epochs divide by the 90 they visit (2 + 60/90)
    x = torch.randn(100, 3, generator=torch.Generator().manual_seed(0))
    runs = descend.fit(model=descend.models.Linear(3, 1), data=(x, x.sum(1, keepdim=True)), optimizer="sgd",
                       lr=0.01, batch_size=30, steps=8, drop_last=True, eval_every=1, compile=False)
    epochs = runs.curves.query("split == 'train' and metric == 'loss'").sort_values("step")["epoch"].tolist()
    assert epochs == pytest.approx([0, 1 / 3, 2 / 3, 1, 4 / 3, 5 / 3, 2, 7 / 3, 8 / 3])


def test_labels_outside_the_classes_present_say_how_fit_declares_them():
    x, y = torch.randn(20, 3), torch.tensor([1, 2] * 10)
    # labels 1 and 2: the fix the message gives fits them (range(C) with C = 2 distinct labels did not)
    with pytest.raises(ValueError, match=r"they run 1\.\.2: give y - 1, or declare the classes, "
                                         r"descend\.data\.as_dataset\(x, y, classes=range\(3\)\) as fit's data"):
        descend.fit(model=descend.models.Linear(3, 3, output="softmax"), data=(x, y), steps=2, compile=False)
    with pytest.raises(ValueError, match=r"they run 2\.\.3: give y - 2, or declare the classes, .*range\(4\)"):
        descend.fit(model=descend.models.Linear(3, 3, output="softmax"), data=(x, y + 1), steps=2, compile=False)
    with pytest.raises(ValueError, match=r"labels with gaps: declare the classes, .*classes=range\(10\)"):
        descend.fit(model=descend.models.Linear(3, 10, output="softmax"), data=(x, torch.tensor([3, 7, 9, 3] * 5)),
                    steps=2, compile=False)
    runs = descend.fit(model=descend.models.Linear(3, 3, output="softmax"),
                       data=descend.data.as_dataset(x, y, classes=range(3)), steps=2, compile=False)
    assert runs.summary["status"].tolist() == ["ok"]


def test_a_diverged_runs_steps_done_are_the_steps_it_took():
    # steps_done said the whole budget for a run that diverged at step 2 (a pruned run's said where it stopped)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(40, 3, generator=g, dtype=torch.float64)
    kw = dict(model=descend.models.MLP((3, 8, 1)), data=(x, x.sum(1, keepdim=True)), optimizer="sgd",
              dtype=torch.float64, compile=False)
    runs = descend.fit(lr=[0.01, 50.0], steps=30, **kw)
    ok, diverged = runs.summary.iloc[0], runs.summary.iloc[1]
    assert ok["status"] == "ok" and ok["steps_done"] == 30
    assert diverged["status"] == "diverged" and diverged["steps_done"] == diverged["status_at"] < 30
    alone = descend.fit(lr=50.0, steps=int(diverged["steps_done"]), **kw)  # those steps, and no other, were taken
    assert alone.summary.iloc[0]["status"] == "ok"
    assert all(torch.equal(alone.params[0][n], runs.params[1][n]) for n in runs.params[1])


def test_python_callers_get_what_they_give_or_an_error_before_any_training():
    """A RunSpec's lr as a [K] tensor passed the checks and failed when its group started (after another group
    had trained); as a 0-d tensor it put tensor(0.01) in the summary; steps=np.int64(5) was refused as not a whole
    number; a landscape task's model replaced by another was minimised as the cost; RunSpecs without lr on a task
    took the optimizer's default where optimizer="gd" takes the task's; repr(runs) printed the data."""
    import numpy as np

    from descend.spec import RunSpec

    with pytest.raises(ValueError, match=r"a RunSpec is one run, so lr is one number"):
        descend.fit(task="line", runs=[RunSpec("gd"), RunSpec("adam", {"lr": torch.tensor([0.01, 0.1])})], steps=5)
    runs = descend.fit(task="line", runs=[RunSpec("adam", {"lr": np.float64(0.1)}, seed=np.int64(2)),
                                          RunSpec("adam", {"lr": torch.tensor(0.5, dtype=torch.float64)})], steps=5)
    assert runs.summary["lr"].tolist() == [0.1, 0.5] and runs.summary["lr"].dtype == np.float64
    assert runs.summary["seed"].tolist() == [2, 0]
    assert descend.fit(task="line", steps=np.int64(5)).summary["steps_done"].tolist() == [5]
    with pytest.raises(ValueError, match=r"task 'himmelblau' is a cost landscape, whose model is the cost"):
        descend.fit(task="himmelblau", model=descend.models.Linear(1), steps=5)
    spec = descend.fit(task="line", runs=[RunSpec("gd"), RunSpec("adam"), RunSpec("adam", {"lr": 0.01})], steps=5)
    grid = descend.fit(task="line", optimizer=["gd", "adam"], steps=5)
    assert spec.summary["lr"].tolist() == grid.summary["lr"].tolist() + [0.01]
    text = repr(spec)
    assert text == "<Runs: 3 runs of gd, adam on line, 5 steps; 3 ok>" and str(spec) == text


def test_mape_on_a_standardised_target_is_refused_from_python_as_from_the_command_line():
    """descend compare refused it (rows near the mean would weigh most); descend.fit and descend.tune trained it
    without a word, to a training MAPE of 90-114 % in standardised units."""
    with pytest.raises(ValueError, match=r"loss='mape' divides each error by the target \|y\|, and the target is "
                                         r"standardised"):
        descend.fit(task="diabetes", loss="mape", optimizer="adam", lr=0.01, steps=2)
    x = torch.randn(40, 3)
    y = 10 * x[:, :1] + 100
    with pytest.raises(ValueError, match="standardize_target=False"):
        descend.fit(model=descend.models.Linear(3), data=(x, y), loss="mape", standardize_target=True, steps=2)
    with pytest.raises(ValueError, match="standardised"):
        descend.tune("diabetes", optimizer="adam", loss="mape", trials=2, cohort=2, steps=2, seeds=0)
    own = descend.tasks.get("diabetes", standardize_target=False)
    trained = descend.fit(task=own, loss="mape", optimizer="adam", lr=0.01, steps=2)
    assert trained.summary["final_train_loss"].notna().all()
    trained = descend.fit(model=descend.models.Linear(3), data=(x, y), loss="mape", steps=2)
    assert trained.summary["final_train_loss"].notna().all()


def test_class_labels_train_alike_whatever_holds_them_and_a_wrong_width_names_y():
    """0/1 labels for a two-output classifier trained only as a 1-D tensor: as NumPy, a list, a Series or a column
    [m, 1] they reached the loss, whose error spoke of a run axis; float labels for three outputs did too."""
    import pandas as pd

    x = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    labels = (x[:, 0] > 0).long()
    model = descend.models.MLP((4, 8, 2))
    reference = descend.fit(model=model, data=(x, labels), steps=5).summary
    assert "final_train_accuracy" in reference
    for y in (labels.numpy(), labels.tolist(), pd.Series(labels.numpy()), labels[:, None]):
        summary = descend.fit(model=model, data=(x, y), steps=5).summary
        pd.testing.assert_series_equal(summary["final_train_loss"], reference["final_train_loss"])
    with pytest.raises(ValueError, match=r"y has 1 value per sample \(regression\) but the model has 3 outputs: give "
                                         r"a model with 1 output \(or, for class labels, y as whole numbers"):
        descend.fit(model=descend.models.MLP((4, 8, 3)), data=(x, labels.float() * 2), steps=2)


def test_a_dataset_of_two_classes_read_as_binary_for_a_two_output_model_says_how_to_give_it_as_classes():
    """0/1 labels through as_dataset (the form a Task takes) are binary data: a model of two outputs was told to
    give "y as whole numbers: y.long()" (they were), and cross-entropy failed on the target's shape once training
    began; each now names as_dataset(..., kind='multiclass'), which trains as (x, y) does."""
    x = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    labels = (x[:, 0] > 0).long()
    model = descend.models.MLP((4, 8, 2))
    binary = descend.data.as_dataset(x, labels)
    assert binary.kind == "binary"
    fix = r"descend\.data\.as_dataset\(x, y, kind='multiclass'\)"
    with pytest.raises(ValueError, match=r"^y holds labels of two classes, read as binary .* but the model has 2 "
                                         r"outputs: .*" + fix):
        descend.fit(model=model, data=binary, steps=2)
    for data in (binary, descend.data.split(binary)):
        with pytest.raises(ValueError, match=r"^loss='cross-entropy' takes a score per class .* read as binary .*"
                                             + fix):
            descend.fit(model=model, data=data, loss="cross-entropy", steps=2)
    as_classes = descend.fit(model=model, data=descend.data.as_dataset(x, labels, kind="multiclass"), steps=5)
    as_tuple = descend.fit(model=model, data=(x, labels), steps=5)
    import pandas as pd

    pd.testing.assert_series_equal(as_classes.summary["final_train_loss"], as_tuple.summary["final_train_loss"])

def test_float_labels_with_cross_entropy_say_to_give_them_as_integers_before_training():
    """0./1. labels as floats (a CSV's column, ``(y > 0).float()``) with cross-entropy and a model of two outputs
    failed on the target's shape (``[200]`` against ``[1, 200, 2]``), read as probabilities; they are refused before
    training saying ``y.long()``, and floats that are not whole numbers say to choose a regression loss."""
    x = torch.randn(60, 4, generator=torch.Generator().manual_seed(0))
    model = descend.models.MLP((4, 8, 2))
    for data in ((x, (x[:, 0] > 0).float()), descend.data.as_dataset(x, (x[:, 0] > 0).double())):
        with pytest.raises(ValueError, match=r"^loss='cross_entropy' takes class labels, but y holds numbers of dtype "
                                             r"torch\.float32, read as a regression target: give the labels as whole "
                                             r"numbers of an integer dtype \(y\.long\(\)\)$"):
            descend.fit(model=model, data=data, loss="cross_entropy", steps=2)
    with pytest.raises(ValueError, match=r"class labels are whole numbers 0\.\.C-1 \(y\.long\(\)\), or choose a "
                                         r"regression loss such as loss='mse'$"):
        descend.fit(model=model, data=(x, x[:, 0]), loss="cross_entropy", steps=2)
    labels = (x[:, 0] > 0).long()
    assert torch.isfinite(descend.fit(model=model, data=(x, labels), loss="cross_entropy", steps=2)
                          .results[0].train_loss).all()



def test_a_run_specs_start_is_checked_as_fit_start_is():
    """RunSpec(start=(1.0,)) on Himmelblau started at (1, 1), a NaN start trained and was "diverged", and a start too
    long was torch's "expanded size" error."""
    from descend import RunSpec

    for start, words in (((1.0,), r"must be 2 numbers, one per value of the model's parameters \(x, y, in order\)"),
                         ((math.nan, 1.0), "has a non-finite value; starts must be finite"),
                         ((1.0, 2.0, 3.0), "must be 2 numbers")):
        with pytest.raises(ValueError, match=r"run 0 \(adam, .*\): start=.*" + words):
            descend.fit(task="himmelblau", runs=[RunSpec("adam", start=start)], steps=2)
    run = descend.fit(task="himmelblau", runs=[RunSpec("adam", start=(1, 2.5))], steps=2)
    assert run.paths[0][0].tolist() == [1.0, 2.5]


def test_a_dataset_built_directly_has_its_values_checked_as_x_y_have():
    """A NaN feature or an infinite target in a descend.data.Dataset trained, every run "diverged" at step 0."""
    x = torch.randn(32, 3)
    y = x.sum(1, keepdim=True)
    x[4, 1] = math.nan
    with pytest.raises(ValueError, match=r"x has a non-finite value \(nan\) at row 4, feature 'b' \(column 1\)"):
        descend.fit(model=descend.models.Linear(3), data=descend.data.Dataset(x, y, ("a", "b", "c")), steps=2)
    x[4, 1], y[7, 0] = 0.0, math.inf
    with pytest.raises(ValueError, match=r"the train split's y has a non-finite value \(inf\) at row 7"):
        splits = descend.data.Splits(descend.data.Dataset(x, y, ("a", "b", "c")), None, None, None, None)
        descend.fit(model=descend.models.Linear(3), data=splits, steps=2)


def test_two_results_compare_as_objects():
    """a == b on two Runs raised torch's "Boolean value of Tensor with more than one value is ambiguous"."""
    a = descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=3)
    b = descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=3)
    assert a == a and a != b and b in [a, b] and b not in [a]


def test_whole_numbers_read_as_classes_say_how_to_train_them_as_numbers():
    """An integer price column was read as class labels, and the error only said how to declare more classes."""
    x = torch.randn(30, 2)
    prices = torch.randint(100_000, 500_000, (30,))
    with pytest.raises(ValueError, match=r"if y is a number to predict rather than a class, give it as floats "
                                         r"\(y.float\(\), or descend.data.as_dataset\(x, y, kind='regression'\)\)"):
        descend.fit(model=descend.models.Linear(2), data=(x, prices), steps=2)
    assert descend.fit(model=descend.models.Linear(2), data=(x, prices.float()), steps=2).summary["final_train_loss"] \
        .notna().all()


def test_a_schedule_of_a_hyperparameter_that_is_zero_is_refused_and_no_budget_is_named_first():
    """weight_decay=0 with schedules={"weight_decay": constant(0.5)} trained as no schedule (a schedule multiplies
    its hyperparameter) while the summary named the schedule; with no budget at all, the schedule's words about an
    epochs= budget came first."""
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(0))
    y = x.sum(1, keepdim=True)
    with pytest.raises(ValueError, match=r"the schedule of 'weight_decay' multiplies weight_decay, which is 0 for this "
                                         r"run of adamw, so it would do nothing; give weight_decay=1"):
        descend.fit(model=descend.models.Linear(2), data=(x, y), optimizer="adamw", weight_decay=0.0, steps=5,
                    schedules={"weight_decay": S.constant(0.5)})
    with pytest.raises(ValueError, match="momentum, which is 0 for this run of sgd"):
        descend.fit(model=descend.models.Linear(2), data=(x, y), optimizer="sgd", steps=5,
                    schedules={"momentum": S.constant(0.9)})
    scheduled = descend.fit(model=descend.models.Linear(2), data=(x, y), optimizer="adamw", weight_decay=1.0,
                            steps=5, schedules={"weight_decay": S.constant(0.5)})
    plain = descend.fit(model=descend.models.Linear(2), data=(x, y), optimizer="adamw", weight_decay=0.5, steps=5)
    assert scheduled.summary["final_train_loss"].tolist() == plain.summary["final_train_loss"].tolist()
    with pytest.raises(ValueError, match="give exactly one budget: steps=... or epochs=..."):
        descend.fit(model=descend.models.Linear(2), data=(x, y), schedules={"lr": "cosine"})


def test_a_budget_beyond_memory_is_a_memory_error_that_says_what_to_give():
    """steps=10**12 was a MemoryError with no words (the command line said what to do, Python did not)."""
    with pytest.raises(MemoryError, match=r"not enough memory for this training \(steps=1000000000000\): .* the batch "
                                          r"plan and records grow with the steps and the runs; give fewer runs, a "
                                          r"smaller batch size, or fewer steps \(or epochs\)$"):
        descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=10**12)


def test_torchs_failed_allocation_is_a_memory_error_that_says_what_to_give(monkeypatch):
    """Under `ulimit -v` torch raised its own RuntimeError ("std::bad_alloc"), which descend.fit passed on as it was."""
    from descend import engine

    def no_memory(*args, **kwargs):
        raise RuntimeError("std::bad_alloc")

    monkeypatch.setattr(engine, "train", no_memory)
    with pytest.raises(MemoryError, match=r"not enough memory for this training \(steps=5\)"):
        descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=5)
    # activations that did not fit (1,024 runs of a wide network, full batch): a larger batch, which the message
    # advised, would not have helped; torch's size is said
    monkeypatch.setattr(engine, "train", lambda *a, **k: (_ for _ in ()).throw(RuntimeError(
        "[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: not enough memory: you tried to allocate "
        "2262827008 bytes.")))
    with pytest.raises(MemoryError, match=r"\(steps=5; 2\.26 GB could not be had at once\): a step holds every run's "
                                          r"activations, which grow with the runs and the batch size"):
        descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=5)
    monkeypatch.setattr(engine, "train", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("a shape mismatch")))
    with pytest.raises(RuntimeError, match="a shape mismatch"):  # any other error as it is
        descend.fit(task="himmelblau", optimizer="adam", lr=0.01, steps=5)


def test_a_full_batch_beside_mini_batches_is_none_in_the_summary_not_nan():
    """batch_size=[None, 8] gave a float column: NaN and 8.0."""
    x = torch.randn(32, 2)
    y = x.sum(1, keepdim=True)
    summary = descend.fit(model=descend.models.Linear(2), data=(x, y), batch_size=[None, 8], steps=3).summary
    assert summary["batch_size"].tolist() == [None, 8]


def test_a_huber_loss_in_the_targets_units_is_the_trained_loss_there():
    """With a standardised target, "test loss (target's units)" was the Huber loss with δ = 1 on raw errors (6.09
    on a price column), not the trained loss, whose δ applies to standardised errors: σ²·H_δ(e/σ) = H_{δσ}(e)
    (32.08). MSE's and MAE's were right (σ² and σ times the standardised loss)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, generator=g, dtype=torch.float64)
    y = 40 * x[:, :1] + 5 * torch.randn(200, 1, generator=g, dtype=torch.float64) + 300
    for loss, power in (("huber", 2), ("mse", 2), ("mae", 1)):
        runs = descend.fit(model=descend.models.Linear(3, 1), data=(x, y), loss=loss, lr=0.05, steps=30,
                           test=0.25, standardize=True, standardize_target=True, dtype=torch.float64, compile=False)
        row = runs.summary.iloc[0]
        problem = descend.problem.problem(descend.models.Linear(3, 1), (x, y), loss=loss, test=0.25,
                                          standardize=True, standardize_target=True)
        sigma = float(problem.target_std)  # the training split's σ
        assert row["final_test_loss_original"] == pytest.approx(sigma ** power * row["final_test_loss"], rel=1e-6), loss


@pytest.mark.parametrize("optimizer, name", [("adagrad", "initial_accumulator_value"), ("rmsprop", "initial_scale")])
def test_a_schedule_of_what_only_the_state_starts_from_is_refused_before_training(optimizer, name):
    """A bare KeyError inside training: the step's update never takes it."""
    from descend.schedules import constant

    with pytest.raises(ValueError, match=rf"schedules\['{name}'\]: {name} sets where {optimizer}'s state starts, "
                                         "once, before the first step"):
        descend.fit(task="line", optimizer=optimizer, lr=0.01, steps=3, schedules={name: constant(0.9)})


def test_a_switch_of_the_records_is_true_or_false():
    """record_path="no" recorded the paths."""
    with pytest.raises(ValueError, match=r"record_path='no' must be True or False \(or None\)"):
        descend.fit(task="line", optimizer="gd", steps=3, record_path="no")
    with pytest.raises(ValueError, match=r"record_grad_norms=1 must be True or False"):
        descend.fit(task="line", optimizer="gd", steps=3, record_grad_norms=1)


def test_what_a_runs_hands_out_is_the_callers_to_change():
    """``params``, ``paths`` and ``curve()`` gave views of the records: ``value /= value[0]`` on a curve made the
    summary's final training loss 0.0946 instead of 16.09, ``params[0][name].add_(1)`` moved the distance to the
    answer, ``paths[0] *= 2`` doubled later reads. Each is a copy now, as the summary is."""
    runs = descend.fit(task="himmelblau", optimizer="adam", lr=[0.01, 0.1], steps=20, eval_every=5)
    summary, curves = runs.summary, runs.curves
    params = {run: {n: p.clone() for n, p in named.items()} for run, named in runs.params.items()}
    paths = {run: path.copy() for run, path in runs.paths.items()}
    for run in (0, 1):
        for split, metric in (("train", "loss"), ("batch", "loss")):
            step, epoch, value = runs.curve(run, metric, split)
            value /= value[0]
            epoch += 1
            step += 1
        for p in runs.params[run].values():
            p.add_(1.0)
        runs.paths[run][:] *= 2
    del runs.__dict__["_summary"]  # built again from the records
    assert runs.summary.equals(summary) and runs.curves.equals(curves)
    assert all(torch.equal(runs.params[run][n], p) for run in params for n, p in params[run].items())
    assert all(np.array_equal(runs.paths[run], path) for run, path in paths.items())


def test_a_hybrid_batch_too_large_for_the_training_set_is_refused_before_any_group_trains(tmp_path):
    """descend.fit(batch_size=[32, hybrid()]) on the line's 120 training samples trained the batch-32 group, then
    failed at the hybrid's epoch 8, losing it ("batch_size(8)=512"); descend.tune created its study and failed
    every trial. Both refuse it before any work, naming the schedule and the epoch; a budget that never reaches
    the large phase trains."""
    import descend.data as data

    started = []
    words = r"batch_size=hybrid\(first=32, epochs=8, then=512\) gives batches of 512 from epoch 8, which the budget"
    with pytest.raises(ValueError, match=words):
        descend.fit(task="line", optimizer="gd", batch_size=[32, data.hybrid()], steps=2000,
                    progress=lambda event: started.append(event))
    assert not started
    with pytest.raises(ValueError, match=words):
        descend.tune("line", optimizer="gd", trials=4, cohort=2, steps=100, seeds=0, out=str(tmp_path / "t"),
                     batch_size=data.hybrid())
    assert not (tmp_path / "t").exists()
    runs = descend.fit(task="line", optimizer="gd", batch_size=data.hybrid(), epochs=8)  # epochs 0-7: batches of 32
    assert (runs.summary["status"] == "ok").all()


def test_a_full_batch_is_given_as_a_comparison_writes_it():
    """descend.fit(batch_size="full") was refused ("must be a whole number of samples"), though a comparison's
    summary writes "full" and descend.tune and the command line take it."""
    common = dict(task="line", optimizer="gd", lr=0.1, steps=5, compile=False)
    full = descend.fit(batch_size="full", **common).summary
    assert full.drop(columns="seconds").equals(descend.fit(**common).summary.drop(columns="seconds"))
    assert full["batch_size"].tolist() == [None]
    both = descend.fit(batch_size=["full", 8], **common).summary
    assert both["batch_size"].tolist() == [None, 8]
    with pytest.raises(ValueError, match=r"^batch_size 'fulll': 'fulll' is not a batch size; use full"):
        descend.fit(batch_size="fulll", **common)


def test_progress_true_draws_a_bar_from_the_first_step_and_none_for_a_refused_argument(capsys):
    """A notebook's descend.fit showed nothing for minutes: progress=True draws the command line's kind of bar
    (runs done, steps a second, time left), and an argument refused before training draws none."""
    runs = descend.fit(task="line", optimizer=["gd", "adam"], steps=20, progress=True)
    assert runs.summary["status"].tolist() == ["ok", "ok"]
    err = capsys.readouterr().err
    assert "training" in err and "2/2 runs" in err and "steps/s" in err, err
    with pytest.raises(ValueError, match="steps=-1"):
        descend.fit(task="line", steps=-1, progress=True)
    assert capsys.readouterr().err == ""
    with pytest.raises(ValueError, match="or True for a bar"):
        descend.fit(task="line", steps=5, progress="yes")
    assert descend.fit(task="line", steps=5, progress=False).summary["status"].tolist() == ["ok"]
    assert capsys.readouterr().err == ""


def test_a_loss_module_of_ones_own_is_checked_by_its_forward():
    """An nn.Module loss takes any arguments through __call__: its forward is what descend calls."""
    class Plain(torch.nn.Module):
        def forward(self, pred, target):
            return ((pred - target) ** 2).mean()

    class RunAxis(torch.nn.Module):
        def forward(self, pred, target, reduction="mean", mask=None, runs=True):
            return descend.losses.mse(pred, target, reduction=reduction, mask=mask, runs=runs)

    x, y = torch.randn(64, 4), torch.randn(64, 1)
    with pytest.raises(ValueError, match=r"loss=Plain does not take reduction, mask, runs: a loss function"):
        descend.fit(model=descend.models.Linear(4), data=(x, y), loss=Plain(), steps=5, compile=False)
    mine = descend.fit(model=descend.models.Linear(4), data=(x, y), loss=RunAxis(), steps=5, compile=False)
    named = descend.fit(model=descend.models.Linear(4), data=(x, y), loss="mse", steps=5, compile=False)
    assert mine.summary["final_train_loss"].tolist() == named.summary["final_train_loss"].tolist()


def test_data_in_torchs_or_pandas_containers_is_refused_saying_how_to_give_it():
    import pandas as pd
    from torch.utils.data import DataLoader, TensorDataset

    x, y = torch.randn(64, 3), torch.randn(64, 1)
    for data, words in ((TensorDataset(x, y), r"not TensorDataset: give its tensors, data=dataset\.tensors"),
                        (DataLoader(TensorDataset(x, y), batch_size=8), r"not DataLoader: descend draws its own "
                                                                         r"batches"),
                        (pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0]}),
                         r"not DataFrame: give descend\.data\.as_dataset\(frame, target='COLUMN'\)")):
        with pytest.raises(ValueError, match=r"^data must be \(x, y\), a descend\.data\.Dataset or descend\.data\."
                                             r"Splits, " + words):
            descend.fit(model=descend.models.Linear(3), data=data, steps=2, compile=False)
    runs = descend.fit(model=descend.models.Linear(3), data=TensorDataset(x, y).tensors, steps=2, compile=False)
    assert len(runs.summary) == 1


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.bfloat16, torch.float16], ids=str)
@pytest.mark.parametrize("optimizer, grid", [
    ("adam", dict(beta2=[0.999, 0.99], beta1=[0.9, 0.5])),
    ("radam", dict(beta2=[0.999, 0.99])),
    ("rmsprop", dict(alpha=[0.99, 0.9], momentum=[0.0, 0.9])),
    ("sgd", dict(momentum=[0.0, 0.9], weight_decay=[0.0, 1e-3])),
    ("adamw", dict(weight_decay=[0.0, 0.1], lr=[0.01, 0.003])),
])
def test_a_run_beside_others_with_other_hyperparameters_is_the_run_alone_in_every_dtype(optimizer, grid, dtype):
    """Each run of a grid over β₂, α, momentum or weight decay equals itself trained alone, bit for bit. In float32,
    √(1 − β₂ᵗ) of a β₂ given per run was taken after rounding 1 − β₂ᵗ to float32, and alone in float64; in bfloat16
    β₂ = 0.999 given per run was rounded to 1.0 (the run ended at 0.945 on the line, alone at 1.39)."""
    grid = {"lr": 0.01, **grid}
    runs = descend.fit(task="rosenbrock", optimizer=optimizer, steps=300, dtype=dtype, compile=False, **grid)
    for i, row in runs.summary.iterrows():
        alone = descend.fit(task="rosenbrock", optimizer=optimizer, steps=300, dtype=dtype, compile=False,
                            **{k: row[k].item() if hasattr(row[k], "item") else row[k] for k in grid})
        for name, value in runs.params[i].items():
            assert torch.equal(value, alone.params[0][name]), (dict(row[list(grid)]), name)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_compile_auto_trains_half_precision_eagerly_whatever_is_on_disk(dtype, monkeypatch):
    """A compiled float16 step keeps its intermediates in float32 (Adam's ε = 1e-8 is not 0 there): digits' adaptive
    runs diverged eagerly and trained compiled, so "auto" gave either by what an earlier run had left on disk."""
    from descend import engine

    monkeypatch.setattr(engine, "worth_compiling", lambda *args: True)  # "auto" would compile, and read packages
    monkeypatch.setattr(engine._CompiledStep, "ready", lambda *args: True)
    runs = descend.fit(task="rosenbrock", optimizer="adam", lr=[0.01, 0.02], steps=engine.PROBE_STEPS + 5,
                       dtype=dtype, compile="auto")
    assert "compile_seconds" not in runs.summary


def test_a_loss_in_the_targets_units_is_reported_in_half_precision_too():
    """house-prices' loss in dollars² was inf in float16 (a price, and its error squared, is beyond 65,504)."""
    runs = {dtype: descend.fit(task="house-prices", optimizer="sgd", lr=0.01, steps=100, dtype=dtype, compile=False)
            for dtype in (torch.float32, torch.float16)}
    for column in ("final_train_loss_original", "final_test_loss_original"):
        half, single = (runs[dtype].summary[column].iloc[0] for dtype in (torch.float16, torch.float32))
        assert math.isfinite(half) and half == pytest.approx(single, rel=0.05), (column, half, single)


def test_an_eps_that_is_zero_in_float16_is_said_at_the_users_line():
    """Adam's ε = 1e-8 is 0 in float16: digits', iris' and house-prices' adaptive runs diverged at step 0 with
    nothing said of why (as torch.optim's do)."""
    import warnings

    with pytest.warns(RuntimeWarning, match=r"in float16, ε is 0 for adam \(eps=1e-08\).*eps=1e-7 or more") as seen:
        descend.fit(task="iris", optimizer=["adam", "sgd"], lr=0.01, steps=3, dtype=torch.float16, compile=False)
    assert all(w.filename == __file__ for w in seen if "ε is 0" in str(w.message))
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        descend.fit(task="iris", optimizer="adam", eps=1e-4, lr=0.01, steps=3, dtype=torch.float16, compile=False)
        descend.fit(task="iris", optimizer="adam", lr=0.01, steps=3, dtype=torch.bfloat16, compile=False)


def test_a_python_caller_is_told_pythons_words_for_what_the_command_line_writes():
    """optimizer="sgd:momentum=0.9" (the command line's and descend.tune's form) was told "did you mean
    'momentum'?", another optimizer; a CSV file given as a task "did you mean 'house-prices'?"."""
    with pytest.raises(ValueError, match=r"give the optimizer by its name and its hyperparameters as keywords, "
                                         r"optimizer='sgd', momentum=0.9"):
        descend.fit(task="ellipse", optimizer="sgd:momentum=0.9", lr=0.1, steps=2)
    with pytest.raises(ValueError, match=r"task 'houses\.csv' is a file, not a task: descend\.tasks\.real\.from_csv"):
        descend.fit(task="houses.csv", steps=2)
    with pytest.raises(ValueError, match=r"task 'houses\.csv' is a file, not a task: descend\.tasks\.real\.from_csv"):
        descend.tune("houses.csv", trials=2)


def test_a_schedule_read_as_the_rate_itself_is_warned_of_once_as_the_multiplier_it_is():
    """fit(optimizer="sgd", lr=0.1, schedules={"lr": cosine(0.1, 50)}) trained from 0.01 without a word: a schedule
    multiplies the rate. It is said once, before training, and the runs are those of lr=0.01 with cosine(1.0, 50)."""
    import warnings

    common = dict(task="line", optimizer="sgd", steps=50, seed=[0, 1], dtype=torch.float64)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_as_rate = descend.fit(lr=0.1, schedules={"lr": S.cosine(0.1, 50)}, **common)
        from_one = descend.fit(lr=0.1, schedules={"lr": S.cosine(1.0, 50)}, **common)
    said = [str(w.message) for w in caught if "multiplies its hyperparameter" in str(w.message)]
    assert len(said) == 1
    assert "schedules['lr']=cosine(value=0.1, total_steps=50, min_value=0.0) starts at 0.1" in said[0]
    assert all(w.category is UserWarning and w.filename == __file__ for w in caught if str(w.message) in said)
    multiplied = descend.fit(lr=0.1 * 0.1, schedules={"lr": S.cosine(1.0, 50)}, **common)  # what it trained as
    np.testing.assert_allclose(read_as_rate.summary["final_train_loss"], multiplied.summary["final_train_loss"],
                               rtol=1e-9)
    assert not np.allclose(read_as_rate.summary["final_train_loss"], from_one.summary["final_train_loss"])
