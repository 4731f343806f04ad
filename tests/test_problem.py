"""Problems: built from a model and data; a standardised target's losses also in the original units."""

from __future__ import annotations

import math

import pytest
import torch

import descend
from descend.problem import problem

F64 = torch.float64


def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 3, generator=g, dtype=F64)
    y = 400 + 50 * (x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=F64)) + 5 * torch.randn(200, 1, generator=g, dtype=F64)
    return x, y


def test_the_feature_scaling_is_kept_to_predict_new_rows():
    """fit(data=..., standardize=True) kept the target's mean and std but not the features': to_torch's module,
    which maps standardised features, could not be given new rows as the training split scaled them (a user's own
    x.std(0) is the sample std, not the population std trained on)."""
    from descend.data import as_dataset, split

    x, y = data()
    x = x * torch.tensor([1.0, 100.0, 0.01], dtype=F64) + 5
    runs = descend.fit(model=descend.models.Linear(3), data=(x, y), validation=0.2, standardize=True,
                       standardize_target=True, optimizer="adam", lr=0.05, steps=300, dtype=F64)
    splits = split(as_dataset(x, y), validation=0.2, test=0.0, standardize=True, standardize_target=True)
    built = runs.problem
    assert torch.allclose(built.feature_mean, splits.mean.double(), rtol=1e-6) and torch.allclose(built.feature_std,
                                                                                         splits.std.double(), rtol=1e-6)
    net = runs.to_torch(0)
    with torch.no_grad():
        mine = net((x - built.feature_mean) / built.feature_std) * built.target_std + built.target_mean
    assert float(((mine - y) ** 2).mean()) < 0.05 * float(y.var())  # the rows in the target's units
    plain = descend.fit(model=descend.models.Linear(3), data=(x, y), steps=5, dtype=F64)
    assert plain.problem.feature_mean is None and plain.problem.feature_std is None


@pytest.mark.parametrize("loss, power", [("mse", 2), ("mae", 1)])
def test_losses_in_the_original_units_of_a_standardised_target(loss, power):
    x, y = data()
    runs = descend.fit(model=descend.models.Linear(3), data=(x, y), loss=loss, validation=0.2, test=0.2,
                       standardize_target=True, optimizer="adam", lr=0.05, steps=300, dtype=F64)
    built = problem(descend.models.Linear(3), (x, y), validation=0.2, test=0.2, standardize_target=True, dtype=F64)
    std = float(built.target_std)
    assert 50 < std < 200 and built.standardized
    row = runs.summary.iloc[0]
    for split in ("train", "validation", "test"):
        assert math.isclose(row[f"final_{split}_loss_original"], row[f"final_{split}_loss"] * std**power, rel_tol=1e-9)
    plain = descend.fit(model=descend.models.Linear(3), data=(x, y), loss=loss, validation=0.2, test=0.2,
                        optimizer="adam", lr=0.05, steps=300, dtype=F64)
    assert "final_test_loss_original" not in plain.summary
    assert row["final_test_loss_original"] < plain.summary.iloc[0]["final_test_loss"], \
        "at the same lr and budget, Adam gets much further on the standardised target"


def test_standardize_target_is_for_regression():
    x, _ = data()
    labels = (x[:, 0] > 0).long()
    with pytest.raises(ValueError, match="standardize_target=True standardises regression targets"):
        problem(descend.models.Linear(3, 2, output="softmax"), (x, labels), standardize_target=True, validation=0.2)


@pytest.mark.parametrize("name", ["digits", "breast-cancer", "ellipse", "diabetes"])
def test_value_and_accuracy_from_one_forward_equal_each_alone(name):
    from descend import tasks

    task = tasks.get(name)
    problem = task.problem()
    params = problem.model.init([0, 1, 2], dtype=torch.float64)
    x, y = problem.train
    objective = problem.objective
    value, accuracy = objective.value_and_accuracy(problem.model, params, x.double(), y, empty=math.nan)
    assert torch.equal(value, objective.value(problem.model, params, x.double(), y, empty=math.nan))
    alone = objective.accuracy(problem.model, params, x.double(), y)
    assert (accuracy is None) == (alone is None) and (alone is None or torch.equal(accuracy, alone))
    assert (alone is None) == (name in ("ellipse", "diabetes"))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("layout", ["class-major", "row-major"])
def test_multiclass_accuracy_counts_argmax_hits_with_ties_nan_and_infinities(dtype, layout):
    # the scores' layouts the models write (the narrow dense layer's is class-major); ties, NaN and ±inf decided
    # as torch.argmax decides them: the first of equal maxima, NaN as the largest
    from descend.problem import Objective

    g = torch.Generator().manual_seed(0)
    k, b, c = 5, 300, 10
    scores = torch.randint(0, 3, (k, c, b), generator=g).to(dtype)
    for value in (math.nan, math.inf, -math.inf):
        scores[torch.rand(scores.shape, generator=g) < 0.05] = value
    pred = scores.transpose(1, 2) if layout == "class-major" else scores.transpose(1, 2).contiguous()
    y = torch.randint(0, c, (b,), generator=g)
    expected = (pred.argmax(dim=-1) == y).to(torch.float64).mean(dim=-1)
    got = Objective(loss=descend.losses.cross_entropy, logits=True, kind="multiclass")._accuracy_of(pred, y)
    assert torch.equal(got, expected)
    assert 0 < got.min() and got.max() < 1


@pytest.mark.parametrize("targets", ["labels", "floats"])
def test_bce_logits_on_a_raw_output_is_a_binary_classifier_deciding_at_a_logit_of_zero(targets):
    # bce-logits reads an identity output as a logit: σ(z) > 0.5 is z > 0; the accuracy thresholded the raw
    # output at 0.5 (0.825 for a classifier right on every sample), and 0/1 float targets reported no accuracy
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200, 2, generator=g, dtype=F64)
    y = (x[:, 0] > 0).long() if targets == "labels" else (x[:, 0] > 0).to(F64)
    model = descend.models.Linear(2, 1)
    built = problem(model, (x, y), loss="bce-logits", dtype=F64)
    assert built.objective.kind == "binary"
    params = (torch.tensor([[[1.0], [0.0]]], dtype=F64), torch.tensor([[0.0]], dtype=F64))
    xt, yt = built.train
    z = model.forward(params, xt)[0, :, 0]
    assert ((z > 0) & (z < 0.5)).any(), "some logits between 0 and 0.5: where the two thresholds disagree"
    assert built.objective.accuracy(model, params, xt, yt).item() == 1.0
    runs = descend.fit(model=model, data=(x, y), loss="bce-logits", optimizer="adam", lr=0.1, steps=100, dtype=F64,
                       compile=False)
    p = runs.params[0]
    z = model.forward((p["weight"][None], p["bias"][None]), x)[0, :, 0]
    expected = ((z > 0) == (y > 0.5)).to(F64).mean().item()
    assert runs.summary.iloc[0]["final_train_accuracy"] == pytest.approx(expected, abs=1e-12)


# -- what a user's data and loss make of the problem (a Python user's edge cases) -------------------------------


def _labelled(n: int = 60, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g, dtype=torch.float64)
    return x, (x[:, 0] - x[:, 1] > 0).long()


def test_labels_of_two_classes_for_one_raw_output_take_binary_cross_entropy_on_logits():
    """loss="auto" fitted integer 0/1 labels by the MSE, as a regression without an accuracy, where the data set
    itself reads them as binary."""
    x, y = _labelled()
    auto = problem(descend.models.MLP((3, 4, 1)), (x, y), dtype=torch.float64)
    given = problem(descend.models.MLP((3, 4, 1)), (x, y), loss="bce-logits", dtype=torch.float64)
    assert auto.objective == given.objective and auto.objective.kind == "binary"
    assert auto.objective.loss is descend.losses.bce_with_logits
    runs = descend.fit(model=descend.models.MLP((3, 4, 1)), data=(x, y), optimizer="adam", lr=0.05, steps=5,
                       compile=False, dtype=torch.float64)
    assert "final_train_accuracy" in runs.summary
    # floats stay a regression target, and a sigmoid output keeps its bce
    floats = problem(descend.models.MLP((3, 4, 1)), (x, y.double() * 2.5), dtype=torch.float64)
    assert floats.objective.kind == "regression" and floats.objective.loss is descend.losses.mse


def test_cross_entropy_on_one_hot_rows_is_a_classification_with_its_accuracy():
    x, y = _labelled()
    onehot = torch.nn.functional.one_hot(y, 2).double()
    kw = dict(model=descend.models.MLP((3, 4, 2)), optimizer="adam", lr=0.05, steps=5, compile=False,
              dtype=torch.float64)
    labels = descend.fit(data=(x, y), **kw).summary
    rows = descend.fit(data=(x, onehot), loss="cross-entropy", **kw).summary
    assert rows["final_train_accuracy"].tolist() == labels["final_train_accuracy"].tolist()
    assert rows["final_train_loss"].tolist() == pytest.approx(labels["final_train_loss"].tolist(), rel=1e-12)
    with pytest.raises(ValueError, match=r"standardize_target=True standardises a regression target, but "
                                         r"loss='cross-entropy' takes class labels"):
        descend.fit(data=(x, onehot), loss="cross-entropy", standardize_target=True, **kw)
    with pytest.raises(ValueError, match=r"y has 2 values per sample \(multiclass\) but the model has 3 outputs"):
        descend.fit(data=(x, onehot), loss="cross-entropy", **{**kw, "model": descend.models.MLP((3, 4, 3))})


def _module_ending_in(last: torch.nn.Module, outputs: int = 1) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(3, 8), torch.nn.Tanh(),
                               torch.nn.Sequential(torch.nn.Linear(8, outputs), last))


def test_a_module_ending_in_a_sigmoid_trains_on_its_probabilities_as_bce_loss_does_in_torch():
    """torch's BCELoss pattern (the module ends in nn.Sigmoid): loss='bce' was refused, its advice bce-logits
    squashed the probabilities again, and the accuracy, thresholded at a logit of 0, was the share of positives."""
    from descend.models import ModuleModel

    x, y = _labelled(200)  # labels of two classes: binary
    for loss in ("bce", "auto"):
        runs = descend.fit(model=ModuleModel(_module_ending_in(torch.nn.Sigmoid())), data=(x, y), loss=loss,
                           optimizer="adam", lr=0.05, steps=60, compile=False, dtype=F64)
        net = runs.to_torch(0)
        with torch.no_grad():
            p = net(x.to(F64))[:, 0]
        assert ((p > 0) & (p < 1)).all()
        expected = ((p > 0.5) == (y > 0.5)).to(F64).mean().item()
        row = runs.summary.iloc[0]
        assert row["final_train_accuracy"] == pytest.approx(expected, abs=1e-12) and expected > 0.9
        bce = torch.nn.functional.binary_cross_entropy(p, y.to(F64)).item()
        assert row["final_train_loss"] == pytest.approx(bce, rel=1e-9)
    for module, loss, said in [
            (_module_ending_in(torch.nn.Sigmoid()), "bce-logits", r"loss='bce-logits' applies a sigmoid to the "
             r"model's outputs, read as raw scores, and the module ends in nn.Sigmoid, which squashes them first; "
             r".* output='sigmoid'.* or loss='bce'"),
            (_module_ending_in(torch.nn.Softmax(dim=-1), 2), "cross-entropy", r"loss='cross-entropy' applies a "
             r"softmax .* ends in nn.Softmax, .*ModuleModel\(module, output='softmax'\)"),
            (_module_ending_in(torch.nn.Softmax(dim=-1), 2), "auto", r"loss='auto' \('cross-entropy', for class "
             r"labels\) applies a softmax .* ends in nn.Softmax")]:
        with pytest.raises(ValueError, match=said):
            descend.fit(model=ModuleModel(module), data=(x, y), loss=loss, steps=1)
    with pytest.raises(ValueError, match=r"loss='auto' \('cross-entropy', for class labels\) applies a softmax .* "
                                         r"ends in nn.Sigmoid, which squashes them first; take the module's last "
                                         r"nn.Sigmoid off \(ModuleModel\(module\) then gives the loss raw scores\)$"):
        descend.fit(model=ModuleModel(_module_ending_in(torch.nn.Sigmoid(), 3)), data=(x, torch.arange(200) % 3),
                    steps=1)
    with pytest.raises(ValueError, match=r"module ends in nn.Sigmoid and output='sigmoid' applies another"):
        ModuleModel(_module_ending_in(torch.nn.Sigmoid()), output="sigmoid")
    # the same module without its sigmoid, trained on logits, is not refused
    ModuleModel(_module_ending_in(torch.nn.Identity()), output="sigmoid")
    # what follows the sigmoid changes no value: it still ends in one
    flat = torch.nn.Sequential(_module_ending_in(torch.nn.Sigmoid()), torch.nn.Flatten(0), torch.nn.Sequential())
    assert ModuleModel(flat).ends_in == "sigmoid" and ModuleModel(_module_ending_in(torch.nn.Tanh())).ends_in is None


def test_cross_entropy_over_one_column_is_refused():
    """One float column read as one class's share: every run's loss 0 and accuracy 100 % at every step."""
    x, y = _labelled()
    for model in (descend.models.MLP((3, 4, 1), output="sigmoid"), descend.models.Linear(3)):
        with pytest.raises(ValueError, match=r"loss='cross-entropy' takes a score per class, but y has one column"):
            descend.fit(model=model, data=(x, y.double()[:, None]), loss="cross-entropy", steps=1)


def test_several_binary_outputs_count_a_sample_right_when_every_label_is():
    """The accuracy counted elements: one-hot rows of 10 labels read 90 % right for a model predicting none."""
    x, y = _labelled(200)
    g = torch.Generator().manual_seed(1)
    labels = torch.stack([y, (x[:, 2] > 0).long(), torch.randint(0, 2, (200,), generator=g)], dim=1).double()
    model = descend.models.MLP((3, 6, 3))
    runs = descend.fit(model=model, data=(x, labels), loss="bce-logits", optimizer="adam", lr=0.05, steps=80,
                       compile=False, dtype=F64)
    p = runs.params[0]
    z = model.forward(tuple(p[n][None] for n in model.names), x)[0]
    right = (z > 0) == (labels > 0.5)
    expected = right.all(dim=1).to(F64).mean().item()
    assert runs.summary.iloc[0]["final_train_accuracy"] == pytest.approx(expected, abs=1e-12)
    assert expected < right.to(F64).mean().item() - 0.1, "the test tells the two definitions apart"
    from sklearn.metrics import accuracy_score
    assert expected == pytest.approx(accuracy_score(labels.numpy(), (z > 0).double().numpy()), abs=1e-12)


@pytest.mark.parametrize("reduce, said", [(lambda e: e.mean(), "one number"),
                                          (lambda e: e.mean(dim=-1), r"shape \[2, 2\]")])
def test_a_loss_of_ones_own_returning_other_than_a_value_per_run_is_refused_before_training(reduce, said):
    """It trained, then failed deep in the engine (an IndexError, or a size mismatch after every step)."""
    x = torch.randn(16, 3, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5]], dtype=torch.float64)

    def mine(pred, target, reduction="mean", mask=None, runs=True):
        return reduce((pred - target) ** 2)

    steps = []
    with pytest.raises(ValueError, match=rf"loss=.*mine returned {said} for 2 runs of 2 samples, where a loss "
                                         r"returns one value per run, shape \[K\]"):
        descend.fit(model=descend.models.Linear(3), data=(x, y), loss=mine, optimizer="sgd", lr=0.1, steps=5,
                    compile=False, progress=lambda event: steps.append(event))
    assert steps == []


def test_a_cost_surface_without_data_trains_its_value_by_default():
    """``descend.fit(model=descend.models.landscape("rosenbrock"), data=None)``: the default loss took the MSE of the
    cost against the placeholder target 0, J², so SGD at 1e-4 stepped 2J = 25 times too far from (-1.5, 2) and was
    reported diverged at step 2. With no data the cost is the model's output (as loss="value" and the task take it)."""
    import descend

    model = descend.models.landscape("rosenbrock")
    auto, value = (descend.fit(model=model, data=None, loss=loss, optimizer="sgd", lr=1e-4, steps=3, eval_every=1)
                   for loss in ("auto", "value"))
    start = float(descend.landscapes.get("rosenbrock").f(torch.tensor(-1.5), torch.tensor(2.0)))
    assert start == 12.5
    assert auto.results[0].train_loss[0].tolist() == [start] and auto.summary["status"].tolist() == ["ok"]
    assert auto.summary["final_train_loss"].tolist() == value.summary["final_train_loss"].tolist()
