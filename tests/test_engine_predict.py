"""``Runs.predict``: new rows through what a run learnt, in the data's own terms.

The oracle is what training computed: the rows a run trained on, given again as the table they came from, are
encoded and scaled as they were (bit for bit in float64) and give the model's own outputs on the training
features, decided as the run's accuracy decides them (its final training accuracy is the share of the training
table's targets that ``predict`` gets right, exactly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import descend
from descend.data import features_of, from_csv, from_frame


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 240
    frame = pd.DataFrame({"size": rng.normal(3.0, 2.0, size=n), "colour": rng.choice(["red", "blue", "green"], n),
                          "zip": rng.choice([10, 20], n), "rooms": rng.integers(1, 6, size=n)})
    frame["price"] = (40 * frame["size"] + 25 * (frame["colour"] == "red") + 5 * frame["rooms"]
                      + rng.normal(scale=4.0, size=n) + 300)
    frame["band"] = np.where(frame["price"] > 420, "high", np.where(frame["price"] > 380, "mid", "low"))
    return frame


def _forward(runs: descend.engine.Runs, run: int, x: torch.Tensor) -> torch.Tensor:
    """The run's model on features as it trained on them (standardised), through the objective."""
    res, j = runs._locate(run, "parameters")
    params = [p[j:j + 1] for p in res.params]
    with torch.no_grad():
        return runs.problem.objective.predict(runs.problem.evaluation_model, params, x)[0]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_regression_predicts_in_the_targets_units_from_the_table(table, dtype):
    ds = from_frame(table.drop(columns="band"), target="price", categorical=["zip"], dtype=dtype)
    runs = descend.fit(model=descend.models.MLP((ds.n_features, 8, 1)), data=ds, standardize=True,
                       standardize_target=True, optimizer="adam", lr=[0.01, 0.05], steps=60, dtype=dtype)
    p = runs.problem
    assert p.columns == (("size", None), ("colour", ("blue", "green", "red")), ("zip", (10, 20)), ("rooms", None))
    for run in (0, 1):
        predicted = runs.predict(run, table)  # every training row, in order (no validation or test split)
        expected = (_forward(runs, run, p.train[0]) * p.target_std + p.target_mean)[:, 0].numpy()
        assert predicted.shape == (len(table),) and predicted.dtype == expected.dtype
        # scaled with the split's own float64 moments, as it scaled the training rows: the same bits in either dtype
        np.testing.assert_array_equal(predicted, expected)
        # the features themselves, as the table's encoding gives them, predict the same
        np.testing.assert_array_equal(runs.predict(run, features_of(table, ds)), predicted)
        np.testing.assert_array_equal(runs.predict(run, ds.x.numpy()), predicted)
    # the run learnt the prices: its predictions are near them, in dollars (not standardised units)
    assert np.abs(runs.predict(1, table) - table["price"].to_numpy()).mean() < 0.3 * table["price"].std()


def test_a_classification_predicts_the_classes_by_name_as_its_accuracy_counts_them(table):
    ds = from_frame(table.drop(columns="price"), target="band")
    assert ds.classes == ("high", "low", "mid")
    runs = descend.fit(model=descend.models.MLP((ds.n_features, 8, 3), output="softmax"), data=ds,
                       standardize=True, optimizer=["sgd", "adam"], lr=0.1, steps=40)  # float32: to the bit too
    for run in range(2):
        predicted = runs.predict(run, table)
        assert predicted.dtype.kind == "U" and set(predicted) <= set(ds.classes)
        decided = _forward(runs, run, runs.problem.train[0]).max(dim=-1).indices
        np.testing.assert_array_equal(predicted, np.array(ds.classes)[decided.numpy()])
        accuracy = float(np.mean(predicted == table["band"].to_numpy()))
        assert accuracy == runs.summary.loc[run, "final_train_accuracy"]
    assert runs.summary["final_train_accuracy"].max() > 0.6  # the classes are learnt, not one of them everywhere


@pytest.mark.parametrize("loss, output", [("bce-logits", "identity"), ("bce", "sigmoid")])
def test_a_binary_target_predicts_its_two_classes_at_its_decision_boundary(table, loss, output):
    frame = table.assign(dear=np.where(table["price"] > 400, "yes", "no")).drop(columns=["price", "band"])
    ds = from_frame(frame, target="dear")
    runs = descend.fit(model=descend.models.MLP((ds.n_features, 8, 1), output=output), data=ds, loss=loss,
                       standardize=True, optimizer="adam", lr=0.05, steps=60, dtype=torch.float64)
    predicted = runs.predict(0, frame)
    assert predicted.shape == (len(frame),) and set(predicted) <= {"no", "yes"}
    accuracy = float(np.mean(predicted == frame["dear"].to_numpy()))
    assert accuracy == runs.summary.loc[0, "final_train_accuracy"] > 0.8


def test_a_task_from_a_csv_file_takes_new_rows_of_the_file(tmp_path, table):
    path = tmp_path / "houses.csv"
    table.drop(columns="band").to_csv(path, index=False)
    task = descend.tasks.real.from_csv(path, target="price")
    runs = task.fit(optimizer="adam", lr=0.05, steps=30)
    new = pd.read_csv(path).head(4).drop(columns="price")  # the target need not be there
    predicted = runs.predict(0, new)
    assert predicted.shape == (4,) and np.isfinite(predicted).all()
    assert runs.problem.columns == from_csv(path, target="price").columns
    # a row given alone, its columns in another order, predicts what it did among the others
    alone = runs.predict(0, new.iloc[[2]][["rooms", "zip", "colour", "size"]])
    np.testing.assert_array_equal(alone, predicted[2:3])


def test_a_bundled_task_takes_its_features_as_a_tensor():
    runs = descend.fit(task="iris", optimizer="adam", lr=0.1, steps=50)
    p = runs.problem
    raw = torch.tensor([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    net = runs.to_torch(0)
    with torch.no_grad():
        scores = net(((raw.double() - p.feature_mean.double()) / p.feature_std.double()).float())
    np.testing.assert_array_equal(runs.predict(0, raw), np.array(p.classes)[scores.argmax(dim=1).numpy()])
    assert runs.predict(0, raw).tolist() == ["setosa", "virginica"]


@pytest.mark.parametrize("rows, said", [
    (lambda t: t.drop(columns="colour"), "the new rows have no column 'colour', which the model takes as a feature"),
    (lambda t: t.rename(columns={"colour": "color"}), "did you mean 'color'?"),
    (lambda t: t.head(3).assign(colour=["red", "purple", "blue"]),
     "column 'colour' has 'purple' at row 1, a value the training data did not hold (it held 'blue', 'green', "
     "'red')"),
    (lambda t: t.head(3).assign(size=[1.0, None, 2.0]), "column 'size' has a missing value at row 1"),
    (lambda t: t.head(3).assign(colour=["red", " ", "blue"]), "column 'colour' has a missing value at row 1"),
    (lambda t: t.head(2).assign(size=["1.5", "big"]), "column 'size' holds numbers, and has 'big' at row 1"),
    (lambda t: t.head(2).assign(size=[1.0, np.inf]), "column 'size' holds numbers, and has inf at row 1"),
    (lambda t: torch.zeros(3, 2), "rows has shape [3, 2], and the model takes rows of shape [n, 7]"),
    (lambda t: t.iloc[0], "give the new rows as a pandas DataFrame (one row: pd.DataFrame([row]))"),
    (lambda t: "houses.csv", "rows must be a tensor or array of features [n, D] or a pandas DataFrame of the table"),
])
def test_rows_the_model_cannot_take_are_refused_in_words(table, rows, said):
    ds = from_frame(table.drop(columns="band"), target="price", categorical=["zip"])
    runs = descend.fit(model=descend.models.Linear(ds.n_features, 1), data=ds, standardize=True, steps=2)
    with pytest.raises(ValueError) as e:
        runs.predict(0, rows(table))
    assert said in str(e.value)


def test_a_category_read_as_a_number_of_another_type_is_the_same_value(table):
    ds = from_frame(table.drop(columns="band"), target="price", categorical=["zip"])
    as_float = table.assign(zip=table["zip"].astype(float))  # a file with an empty cell reads 10 as 10.0
    as_text = table.assign(zip=table["zip"].astype(str))
    np.testing.assert_array_equal(features_of(as_float, ds), ds.x.numpy())
    np.testing.assert_array_equal(features_of(as_text, ds), ds.x.numpy())


def test_features_given_as_numbers_are_columns_of_their_names(table):
    x = torch.randn(50, 3, generator=torch.Generator().manual_seed(0))
    runs = descend.fit(model=descend.models.Linear(3, 1), data=(x, x.sum(dim=1)), steps=20, lr=0.1)
    assert runs.problem.columns == (("x0", None), ("x1", None), ("x2", None))
    with torch.no_grad():
        expected = runs.to_torch(0)(x[:5])[:, 0].numpy()
    np.testing.assert_allclose(runs.predict(0, x[:5]), expected, rtol=1e-6)  # torch's product, not a batched one
    frame = pd.DataFrame(x[:5].numpy(), columns=["x0", "x1", "x2"])
    np.testing.assert_array_equal(runs.predict(0, frame[["x2", "x0", "x1"]]), runs.predict(0, x[:5]))
    np.testing.assert_array_equal(runs.predict(0, frame.to_numpy()), runs.predict(0, x[:5]))  # read-only memory
    said = r"no column 'x0', .*\(it takes x0, x1, x2\): name the columns so, or give the features as an array"
    with pytest.raises(ValueError, match=said):
        runs.predict(0, frame.set_axis(["a", "b", "c"], axis=1))


@pytest.mark.parametrize("bad, said", [
    (float("nan"), "rows: row 1 holds nan, not a finite number (1 of 2 rows): the model needs every feature"),
    (float("inf"), "rows: row 1 holds inf, not a finite number"),
    (1e40, "rows: row 1 holds 1e+40, which overflows float32, the model's dtype"),
])
def test_features_that_are_not_finite_numbers_are_refused_as_a_tables_are(bad, said):
    runs = descend.fit(task="iris", optimizer="adam", lr=0.1, steps=5)
    rows = torch.tensor([[5.1, 3.5, 1.4, 0.2], [bad, 1.0, 1.0, 1.0]], dtype=torch.float64)
    with pytest.raises(ValueError) as e:
        runs.predict(0, rows)
    assert str(e.value).startswith(said)


def test_the_ellipse_predicts_nothing_where_its_model_is_not_defined():
    runs = descend.fit(task="ellipse", optimizer="adam", lr=0.1, steps=50)
    p = runs.problem
    x = torch.tensor([[5.0], [-5.0], [float(p.train[0][0, 0])]], dtype=p.train[0].dtype)
    predicted = runs.predict(0, x)
    res, j = runs._locate(0, "parameters")
    valid = p.model.valid([t[j:j + 1] for t in res.params], x)[0]
    assert valid.tolist() == [False, False, True]
    assert np.isnan(predicted[:2]).all() and np.isfinite(predicted[2])
    np.testing.assert_array_equal(predicted[2:], (_forward(runs, 0, x[2:]) * p.target_std + p.target_mean)[:, 0]
                                  if p.standardized else _forward(runs, 0, x[2:])[:, 0])


def test_one_hot_class_targets_predict_the_class_indices():
    x = torch.randn(200, 3, generator=torch.Generator().manual_seed(0))
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    runs = descend.fit(model=descend.models.MLP((3, 8, 3)), data=(x, torch.nn.functional.one_hot(y, 3).float()),
                       loss="cross-entropy", steps=50, lr=0.1)
    predicted = runs.predict(0, x)
    assert predicted.dtype.kind == "i" and set(predicted.tolist()) <= {0, 1, 2}
    assert float(np.mean(predicted == y.numpy())) == runs.summary.loc[0, "final_train_accuracy"]


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_a_half_precision_regression_predicts_in_float32(dtype):
    runs = descend.fit(task="diabetes", optimizer="adam", lr=0.01, steps=30, dtype=dtype, eps=1e-4)
    predicted = runs.predict(0, torch.zeros(2, 10))
    assert predicted.dtype == np.float32 and np.isfinite(predicted).all() and 20 < predicted[0] < 400


def test_new_rows_with_a_column_named_twice_are_refused(table):
    ds = from_frame(table.drop(columns="band"), target="price")
    runs = descend.fit(model=descend.models.Linear(ds.n_features, 1), data=ds, standardize=True, steps=2)
    with pytest.raises(ValueError, match=r"the new rows have duplicate column names \('size'\)"):
        runs.predict(0, pd.concat([table, table[["size"]]], axis=1))


def test_a_landscape_has_no_rows_to_predict():
    runs = descend.fit(task="rosenbrock", optimizer="adam", lr=0.01, steps=3)
    with pytest.raises(ValueError, match="run 0: it minimises a cost J of its parameters .* no rows to predict"):
        runs.predict(0, torch.zeros(1, 2))


def test_a_split_of_the_runs_own_data_is_predicted_as_it_trained():
    """A task's splits hold standardised features: runs.predict(k, task.data.train.x) scaled them again, and a run
    100 % right on its training split was 53 % right on it. The runs' own splits (a view, an array sharing their
    memory) are told and used as they are; other standardised features are given with scaled=True."""
    task = descend.tasks.get("iris")
    runs = task.fit(optimizer="adam", lr=[0.05, 0.01], steps=50)
    for run in (0, 1):
        for name in ("train", "validation", "test"):
            split = getattr(task.data, name)
            truth = np.asarray(runs.problem.classes)[split.y.long().numpy()]
            accuracy = runs.summary.loc[run, f"final_{name}_accuracy"]
            assert np.mean(runs.predict(run, split.x) == truth) == accuracy, (run, name)
            assert np.mean(runs.predict(run, split.x.numpy()) == truth) == accuracy
            assert (runs.predict(run, split.x[3:9]) == runs.predict(run, split.x)[3:9]).all()
            # a whole split's rows to the bit: a copy, in float64, in another order, the task's splits made again
            again = getattr(descend.tasks.get("iris").data, name).x
            order = torch.randperm(len(split.x), generator=torch.Generator().manual_seed(run))
            expected = runs.predict(run, split.x)
            for same in (split.x.clone(), split.x.double(), split.x.numpy().copy(), again):
                assert (runs.predict(run, same) == expected).all()
            assert (runs.predict(run, split.x[order].clone()) == expected[order.numpy()]).all()
            shifted = split.x * (1 + 2 ** -20)  # not the split's: scaled, unless told otherwise
            assert (runs.predictor(run).predict(shifted, scaled=True) == runs.predict(run, shifted)).mean() < 1
        together = torch.cat([task.data.train.x, task.data.test.x])  # the splits put together
        truth = np.asarray(runs.problem.classes)[torch.cat([task.data.train.y, task.data.test.y]).long().numpy()]
        n_train, n_test = len(task.data.train.x), len(task.data.test.x)
        assert np.mean(runs.predict(run, together) == truth) == (
            n_train * runs.summary.loc[run, "final_train_accuracy"]
            + n_test * runs.summary.loc[run, "final_test_accuracy"]) / (n_train + n_test)
    rows = torch.tensor([[5.1, 3.5, 1.4, 0.2]])  # raw rows are scaled as before
    assert runs.predict(0, rows).tolist() == ["setosa"]
    frame = pd.DataFrame(rows.numpy(), columns=[c for c, _ in runs.problem.columns])
    with pytest.raises(ValueError, match="scaled=True is for features given as numbers"):
        runs.predictor(0).predict(frame, scaled=True)


def test_raw_rows_are_never_taken_for_a_split():
    """The rows a data set was made of, before its split standardised them, are scaled: never told as a split's."""
    rng = np.random.default_rng(4)
    x = torch.tensor(rng.normal(5.0, 3.0, size=(120, 3)), dtype=torch.float32)
    y = (x.sum(dim=1) > 15).long()
    runs = descend.fit(model=descend.models.MLP((3, 8, 2)), data=(x, y), optimizer="adam", lr=0.05, steps=40,
                       validation=0.2, test=0.2, standardize=True)
    assert runs.problem.feature_moments is not None
    for given in (x, x.numpy(), x[:10], x.double()):
        assert not runs._of_splits(given)
    assert runs._of_splits(runs.problem.evals["test"][0].clone())


def test_a_raw_row_equal_to_a_standardised_one_is_scaled():
    """A raw row of zeros is the standardised form of a balanced design's centre: told by its values alone, it was
    predicted as the centre (a row alone is not a split)."""
    import itertools

    x = torch.tensor(list(itertools.product([0.0, 1.0, 2.0], repeat=3)) * 10)
    y = (x.sum(dim=1) >= 3).long()
    runs = descend.fit(model=descend.models.MLP((3, 16, 2)), data=(x, y), optimizer="adam", lr=0.05, steps=300,
                       standardize=True)
    zeros = torch.zeros(1, 3)
    assert (runs.problem.train[0] == 0).all(dim=1).any()  # the centre, standardised, is a row of zeros
    assert runs.predict(0, zeros).tolist() == runs.predictor(0).predict(zeros).tolist() == [0]
