"""A run's model kept in a file: read back, it predicts what the run predicts, bit for bit, without its data."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import descend
from descend.cli import app
from descend.data import from_frame
from descend.predictor import FORMAT, Predictor, find

runner = CliRunner()


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({"area": rng.uniform(50, 200, n), "city": rng.choice(["Lyon", "Nice", "Paris"], n)})
    frame["price"] = frame["area"] * frame["city"].map({"Lyon": 4000, "Nice": 5000, "Paris": 9000}) \
        + rng.normal(0, 20_000, n)
    frame["dear"] = np.where(frame["price"] > 600_000, "yes", "no")
    return frame


def _runs(table: pd.DataFrame, target: str, model: object, **kwargs: object) -> descend.Runs:
    ds = from_frame(table.drop(columns=({"price", "dear"} - {target})), target=target)
    return descend.fit(model=model, data=ds, standardize=True, optimizer="adam", lr=0.05, steps=40, **kwargs)


@pytest.mark.parametrize("target, model, kwargs", [
    ("price", descend.models.MLP((4, 8, 1)), {"standardize_target": True}),
    ("price", descend.models.Linear(4, 1), {"dtype": torch.float64}),
    ("dear", descend.models.MLP((4, 8, 1), output="sigmoid"), {}),
    ("dear", descend.models.Linear(4, 1), {"loss": "bce-logits"}),
])
def test_a_saved_model_predicts_what_its_run_predicts(tmp_path, table, target, model, kwargs):
    runs = _runs(table, target, model, **kwargs)
    predictor = runs.predictor(0)
    loaded = Predictor.load(predictor.save(tmp_path / "model.pt"))
    new = table.sample(30, random_state=0).drop(columns=[target])
    np.testing.assert_array_equal(loaded.predict(new), runs.predict(0, new))
    assert torch.equal(loaded.outputs(new), predictor.outputs(new))
    assert loaded.classes == predictor.classes and loaded.columns == predictor.columns
    assert loaded.about["optimizer"] == "adam" and loaded.about["lr"] == 0.05 and loaded.target == target
    # plain values and tensors only: torch's safe loading reads it, and it says what it is
    record = torch.load(tmp_path / "model.pt", weights_only=True)
    assert record["format"] == FORMAT and record["model"]["class"] == type(model).__name__


def test_a_model_of_a_bundled_data_set_takes_its_features_by_name(tmp_path):
    runs = descend.fit(task="iris", optimizer="adam", lr=0.1, steps=50)
    predictor = Predictor.load(runs.predictor(0).save(tmp_path / "iris.pt"))
    raw = torch.tensor([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    rows = pd.DataFrame(raw.numpy(), columns=["sepal length (cm)", "sepal width (cm)", "petal length (cm)",
                                              "petal width (cm)"])
    assert predictor.predict(rows).tolist() == runs.predict(0, raw).tolist() == ["setosa", "virginica"]
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    assert predictor.predict_csv(path)["predicted_species"].tolist() == ["setosa", "virginica"]


def test_new_rows_of_a_csv_file_are_read_as_the_training_file_was(tmp_path, table):
    runs = _runs(table, "price", descend.models.MLP((4, 8, 1)), standardize_target=True)
    predictor = runs.predictor(0)
    predictor = Predictor(**{**predictor.__dict__, "about": {**predictor.about, "read": {"sep": ";", "decimal": ","}}})
    new = table.head(6).drop(columns=["price", "dear"])
    path = tmp_path / "new.csv"
    new.to_csv(path, index=False, sep=";", decimal=",")
    frame = predictor.predict_csv(path)
    assert list(frame.columns) == ["area", "city", "predicted_price"]
    expected = runs.predict(0, new)  # float32: written as the shortest decimal that reads back as it
    assert [np.float32(v) for v in frame["predicted_price"]] == list(expected)
    assert all(len(repr(v)) <= 12 for v in frame["predicted_price"])
    with pytest.raises(ValueError, match=r"CSV file '.*new.csv': line 2 has"):
        predictor.predict_csv(path, sep=",", decimal=".")  # other marks given: the file's fields are not the columns


def test_what_a_file_cannot_keep_or_read_is_refused_in_words(tmp_path, table):
    module = descend.models.ModuleModel(torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(),
                                                            torch.nn.Linear(8, 1)))
    runs = _runs(table, "price", module)
    with pytest.raises(ValueError, match=r"a ModuleModel model is not saved .* torch\.save\(predictor\.to_torch"):
        runs.predictor(0).save(tmp_path / "m.pt")
    assert not list(tmp_path.iterdir())  # nothing left behind
    ellipse = descend.fit(task="ellipse", optimizer="adam", steps=5)
    with pytest.raises(ValueError, match="a Parametric model is not saved"):
        ellipse.predictor(0).save(tmp_path / "e.pt")
    with pytest.raises(ValueError, match="does not exist"):
        Predictor.load(tmp_path / "none.pt")
    with pytest.raises(ValueError, match="is a folder"):
        Predictor.load(tmp_path)
    (tmp_path / "text.pt").write_text("not a model")
    with pytest.raises(ValueError, match="is not a model file descend wrote"):
        Predictor.load(tmp_path / "text.pt")
    torch.save({"weights": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="is a torch file, but not a model file descend wrote"):
        Predictor.load(tmp_path / "other.pt")
    saved = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0).save(tmp_path / "later.pt")
    record = torch.load(saved, weights_only=True)
    torch.save({**record, "version": record["version"] + 1}, saved)
    with pytest.raises(ValueError, match="written by a later descend"):
        Predictor.load(saved)


def test_a_folder_gives_its_one_model(tmp_path, table):
    with pytest.raises(ValueError, match="holds no model file"):
        find(tmp_path)
    predictor = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0)
    predictor.save(tmp_path / "model-adam.pt")
    assert find(tmp_path) == tmp_path / "model-adam.pt"
    predictor.save(tmp_path / "model-sgd.pt")
    with pytest.raises(ValueError, match=r"holds 2 model files \(model-adam.pt, model-sgd.pt\): give one of them"):
        find(tmp_path)


def test_a_comparisons_folder_of_several_models_names_the_one_best_on_validation_loss(tmp_path, table):
    """A folder of several model files said "give one of them": a comparison's names the one of the row with the
    lowest validation loss in its table (the first that wins it; where no row wins it, as when an earlier release
    saved one label a metric or none, the lowest value), with the files."""
    import json

    predictor = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0)
    for name in ("model-adam.pt", "model-sgd.pt", "model-rmsprop.pt"):
        predictor.save(tmp_path / name)
    losses = {"sgd": 0.31, "rmsprop": 0.12, "adam": 0.2}
    record = {"models": {label: f"model-{label}.pt" for label in losses},
              "table": {"index": {"name": "optimizer", "dtype": "str", "values": list(losses)},
                        "columns": [{"name": "validation loss", "dtype": "float64", "values": list(losses.values())}]},
              "fields": {"winners": {"validation loss": [min(losses, key=losses.get)]}}}
    (tmp_path / "comparison.json").write_text(json.dumps(record))
    files = r"holds 3 model files \(model-adam.pt, model-rmsprop.pt, model-sgd.pt\): give one of them"
    with pytest.raises(ValueError, match=files + r" \(model-rmsprop.pt, rmsprop's, has the lowest median validation loss of "
                                                 r"the comparison\)$"):
        find(tmp_path)
    record["fields"]["winners"] = {"validation loss": "rmsprop"}  # an earlier release's one label
    (tmp_path / "comparison.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"\(model-rmsprop.pt, rmsprop's, has the lowest median validation loss"):
        find(tmp_path)
    record["fields"]["winners"] = {}
    (tmp_path / "comparison.json").write_text(json.dumps(record))
    with pytest.raises(ValueError, match=r"\(model-rmsprop.pt, rmsprop's, has the lowest median validation loss"):
        find(tmp_path)


def test_descend_predict_writes_the_rows_with_their_predictions(tmp_path, table):
    runs = _runs(table, "dear", descend.models.MLP((4, 8, 1), output="sigmoid"))
    runs.predictor(0).save(tmp_path / "model-adam.pt")
    new = table.head(5).drop(columns=["price", "dear"])
    new.to_csv(tmp_path / "new.csv", index=False)
    shown = runner.invoke(app, ["predict", str(tmp_path), str(tmp_path / "new.csv")])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.splitlines()[0] == "area,city,predicted_dear"
    written = pd.read_csv(pd.io.common.StringIO(shown.stdout))
    assert written["predicted_dear"].tolist() == runs.predict(0, new).tolist()
    out = tmp_path / "predicted.csv"
    saved = runner.invoke(app, ["predict", str(tmp_path / "model-adam.pt"), str(tmp_path / "new.csv"), "-o", str(out)])
    assert saved.exit_code == 0 and saved.stdout == ""
    assert "5 rows predicted by" in saved.stderr and "(optimizer adam, lr 0.05)" in saved.stderr
    assert out.read_text() == shown.stdout


@pytest.mark.parametrize("args, said", [
    (["none.pt", "new.csv"], "error: 'none.pt' does not exist: give a model file descend tune or descend compare "
                             "wrote"),
    (["model-adam.pt", "old.csv"], "error: CSV file 'old.csv' does not exist"),
    (["model-adam.pt", "purple.csv"], "error: CSV file 'purple.csv': column 'city' has 'Rome' at row 1 (line 3), a "
                                      "value the training data did not hold (it held 'Lyon', 'Nice', 'Paris')"),
    (["model-adam.pt", "new.csv", "--decimal", "12"], "error: --decimal '12': give the decimal mark"),
])
def test_descend_predict_refuses_in_one_line(tmp_path, table, monkeypatch, args, said):
    monkeypatch.chdir(tmp_path)
    _runs(table, "price", descend.models.Linear(4, 1)).predictor(0).save(tmp_path / "model-adam.pt")
    table.head(3).to_csv(tmp_path / "new.csv", index=False)
    table.head(3).assign(city=["Lyon", "Rome", "Nice"]).to_csv(tmp_path / "purple.csv", index=False)
    result = runner.invoke(app, ["predict", *args])
    assert result.exit_code == 2 and result.stderr.startswith(said), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and result.stdout == ""


@pytest.fixture()
def semicolons(tmp_path, table):
    """A model of a file written with ';' between columns and ',' as the decimal mark, as it records them."""
    runs = _runs(table, "price", descend.models.MLP((4, 8, 1)), standardize_target=True)
    predictor = runs.predictor(0)
    about = {**predictor.about, "read": {"sep": ";", "decimal": ",", "nrows": 1}}  # (nrows: not a reading option)
    Predictor(**{**predictor.__dict__, "about": about}).save(tmp_path / "model-adam.pt")
    return tmp_path / "model-adam.pt", runs


def test_descend_predict_writes_the_files_cells_as_they_are(tmp_path, semicolons):
    model, runs = semicolons
    (tmp_path / "ids.csv").write_text('id;zip;note;area;city;qty\n00123;01000;"a;b";100;Paris;3\n'
                                      '00456;75001;;90,5;Nice;\nNA;1;x;145;Lyon;2\n')
    shown = runner.invoke(app, ["predict", str(model), str(tmp_path / "ids.csv")])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert len(lines) == 4  # every row: the model file's nrows is not an option new rows are read with
    assert [line.rsplit(";", 1)[0] for line in lines] == [
        "id;zip;note;area;city;qty", '00123;01000;"a;b";100;Paris;3', "00456;75001;;90,5;Nice;", "NA;1;x;145;Lyon;2"]
    expected = runs.predict(0, pd.DataFrame({"area": [100.0, 90.5, 145.0], "city": ["Paris", "Nice", "Lyon"]}))
    assert [np.float32(line.rsplit(";", 1)[1].replace(",", ".")) for line in lines[1:]] == list(expected)


@pytest.mark.parametrize("cells, flags, said", [
    ("area;city\n1.145,5;Paris\n", [], "column 'area' holds numbers, and has '1.145,5' at row 0 (line 2), not a "
                                       "number written with the decimal mark ',': if '.' separates its thousands, "
                                       "read the file with --thousands ."),
    ("area;city\n1.145,5;Paris\n145.5;Nice\n", ["--thousands", "."],
     "column 'area' has '145.5' at row 1 (line 3), which does not group its digits by three around the thousands "
     "separator '.' (as 1.234,5 does) and would be read as 1455"),
    ("area,city\n145.5,Nice\n", [], "the new rows have one column, 'area,city': the names are not split into "
                                    "columns; the separator is probably ',': read the file with --sep ,"),
    ("area;city\n80,5;Paris\n1.050;Paris\n", [],
     "column 'area' holds numbers, and has '1.050' at row 1 (line 3), not a number written with the decimal mark ',': "
     "if '.' separates its thousands, read the file with --thousands ."),
    ("area;city\n1.050;Paris\n", [], "column 'area' holds numbers written with a point between thousands ('1.050' at "
                                     "row 0 (line 2)), which the decimal mark ',' reads as text: read the file with "
                                     "--thousands . as well"),
    ("area;city\n1.050;Paris\n", ["--sep", ","], "the separator is probably ';': read the file with --sep ';'"),
])
def test_descend_predict_says_how_to_read_a_file_written_otherwise(tmp_path, semicolons, cells, flags, said):
    model, _ = semicolons
    (tmp_path / "new.csv").write_text(cells)
    result = runner.invoke(app, ["predict", str(model), str(tmp_path / "new.csv"), *flags])
    assert result.exit_code == 2 and said in result.stderr, result.output


def test_descend_predict_writes_a_separator_of_one_character(tmp_path, table):
    predictor = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0)
    predictor = Predictor(**{**predictor.__dict__, "about": {**predictor.about, "read": {"sep": "::"}}})
    predictor.save(tmp_path / "model-adam.pt")
    (tmp_path / "new.csv").write_text("area::city\n100::Paris\n")
    result = runner.invoke(app, ["predict", str(tmp_path / "model-adam.pt"), str(tmp_path / "new.csv")])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "area,city,predicted_price"
    assert "note: the predictions are written with ',' between columns (--sep :: is read, not written" in result.stderr


def test_descend_predict_refuses_to_write_over_its_model_and_says_what_a_file_is(tmp_path, table, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _runs(table, "price", descend.models.Linear(4, 1)).predictor(0).save(tmp_path / "model-adam.pt")
    table.head(3).to_csv("new.csv", index=False)
    over = runner.invoke(app, ["predict", "model-adam.pt", "new.csv", "-o", "model-adam.pt"])
    assert over.exit_code == 2 and "--out 'model-adam.pt' is the model file" in over.stderr
    swapped = runner.invoke(app, ["predict", "new.csv", "model-adam.pt"])
    assert swapped.exit_code == 2 and "error: 'new.csv' is not a model file descend wrote: it is not a torch file" \
        in swapped.stderr and "the model comes first" in swapped.stderr
    import pickle
    from pathlib import PurePosixPath

    with open("code.pt", "wb") as f:  # an object of a class: what loading a pickle would build, running its code
        pickle.dump(PurePosixPath("/etc"), f)
    coded = runner.invoke(app, ["predict", "code.pt", "new.csv"])
    assert coded.exit_code == 2 and "it holds objects other than plain values and tensors" in coded.stderr
    assert "weights_only" not in coded.stderr


def test_class_probabilities_are_the_outputs_as_the_loss_read_them(tmp_path, table):
    iris = descend.fit(task="iris", optimizer="adam", lr=0.1, steps=50)
    predictor = Predictor.load(iris.predictor(0).save(tmp_path / "iris.pt"))
    raw = torch.tensor([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]])
    shares = predictor.probabilities(raw)
    with torch.no_grad():
        logits = iris.to_torch(0, logits=True)(predictor.features(raw))
    np.testing.assert_allclose(shares, torch.softmax(logits, dim=-1).numpy(), rtol=1e-5, atol=1e-7)
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    assert [predictor.classes[i] for i in shares.argmax(axis=1)] == list(predictor.predict(raw))
    for model, loss, squash in [(descend.models.MLP((4, 8, 1), output="sigmoid"), "auto", "sigmoid"),
                                (descend.models.Linear(4, 1), "bce-logits", "sigmoid")]:
        runs = _runs(table, "dear", model, loss=loss)
        binary = runs.predictor(0)
        assert binary.squash == squash
        new = table.head(20).drop(columns=["price", "dear"])
        shares = binary.probabilities(new)
        assert shares.shape == (20, 2) and np.allclose(shares.sum(axis=1), 1.0, atol=1e-6)
        np.testing.assert_array_equal(np.where(shares[:, 1] > 0.5, "yes", "no"), binary.predict(new))
    module = torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid())  # probabilities already: bce reads them
    runs = _runs(table, "dear", descend.models.ModuleModel(module), loss="bce")
    assert runs.predictor(0).squash == "identity"
    rows = table.head(5).drop(columns=["price", "dear"])
    with torch.no_grad():
        own = runs.to_torch(0)(runs.predictor(0).features(rows))[:, 0].numpy()
    np.testing.assert_array_equal(runs.predictor(0).probabilities(rows)[:, 1], own)


def test_probabilities_are_refused_where_there_are_none(tmp_path, table):
    regression = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0)
    with pytest.raises(ValueError, match=r"probabilities are a classification's, and this model predicts the values "
                                         r"of 'price' \(a regression\)"):
        regression.probabilities(table.head(2))

    def own(pred, target, reduction="mean", mask=None, runs=True):
        return ((pred.reshape(pred.shape[0], -1) - target.reshape(1, -1)) ** 2).mean(dim=1)

    ds = from_frame(table.drop(columns="price"), target="dear")
    mine = descend.fit(model=descend.models.Linear(4, 1), data=ds, loss=own, standardize=True, steps=3).predictor(0)
    with pytest.raises(ValueError, match="a loss of one's own, which does not say how its outputs are probabilities"):
        mine.probabilities(table.head(2))
    regression.save(tmp_path / "model-adam.pt")
    table.head(3).to_csv(tmp_path / "new.csv", index=False)
    said = runner.invoke(app, ["predict", str(tmp_path), str(tmp_path / "new.csv"), "--probabilities"])
    assert said.exit_code == 2 and said.stderr.startswith("error: --probabilities: probabilities are a "
                                                          "classification's"), said.output


def test_descend_predict_adds_a_column_per_class(tmp_path, table):
    ds = from_frame(table.drop(columns="dear").assign(price=np.where(table["price"] > 600_000, "dear", np.where(
        table["price"] > 400_000, "fair", "cheap"))), target="price")
    runs = descend.fit(model=descend.models.MLP((4, 8, 3), output="softmax"), data=ds, standardize=True, lr=0.1,
                       steps=40)
    runs.predictor(0).save(tmp_path / "model-adam.pt")
    table.head(4).drop(columns=["price", "dear"]).to_csv(tmp_path / "new.csv", index=False)
    shown = runner.invoke(app, ["predict", str(tmp_path), str(tmp_path / "new.csv"), "--probabilities"])
    assert shown.exit_code == 0, shown.output
    written = pd.read_csv(pd.io.common.StringIO(shown.stdout))
    assert list(written.columns) == ["area", "city", "predicted_price", "probability_cheap", "probability_dear",
                                     "probability_fair"]
    shares = written[["probability_cheap", "probability_dear", "probability_fair"]].to_numpy()
    assert np.allclose(shares.sum(axis=1), 1.0, atol=1e-6)
    assert written["predicted_price"].tolist() == [("cheap", "dear", "fair")[i] for i in shares.argmax(axis=1)]
    record = torch.load(tmp_path / "model-adam.pt", weights_only=True)
    del record["squash"]  # a file written before the record said how its outputs are probabilities
    torch.save(record, tmp_path / "old.pt")
    assert Predictor.load(tmp_path / "old.pt").squash == "softmax"


def test_a_comma_decimal_is_told_to_a_model_of_points(tmp_path, table):
    _runs(table, "price", descend.models.Linear(4, 1)).predictor(0).save(tmp_path / "model-adam.pt")
    (tmp_path / "new.csv").write_text("area;city\n99,90;Paris\n")
    said = runner.invoke(app, ["predict", str(tmp_path), str(tmp_path / "new.csv"), "--sep", ";"])
    assert said.exit_code == 2 and ("has '99,90' at row 0 (line 2), not a number written with the decimal mark '.': "
                                    "if the comma is its decimal mark, read the file with --decimal ,") in said.stderr


def test_a_comparisons_folder_without_a_model_says_why(tmp_path):
    (tmp_path / "comparison.json").write_text("{}")
    with pytest.raises(ValueError, match="is a comparison's report without a model file: it was written by an "
                                         "earlier descend, which kept none"):
        find(tmp_path)
    statuses = {"columns": [{"name": "status", "values": ["diverged", "interrupted"]}]}
    (tmp_path / "comparison.json").write_text(json.dumps({"models": {}, "summary": statuses}))
    with pytest.raises(ValueError, match="keeps an optimizer's representative run where it finished with a result, "
                                         "and none of this comparison's runs did"):
        find(tmp_path)
    (tmp_path / "comparison.json").write_text('{"models": {"adam": "model-adam.pt"}}')
    with pytest.raises(ValueError, match=r"its model files \(model-adam.pt\) were removed"):
        find(tmp_path)
    (tmp_path / "comparison.json").write_text('{"models": ["model-adam.pt"]}')  # edited: said, not a traceback
    with pytest.raises(ValueError, match=r"its comparison.json does not list its models as descend writes them"):
        find(tmp_path)


def test_a_model_saved_twice_is_the_same_file(tmp_path, table):
    """The archive inside a model file was named after the file written aside (its process number): the same model
    saved again, or a report rebuilt, gave other bytes."""
    predictor = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0)
    first = predictor.save(tmp_path / "a.pt").read_bytes()
    assert predictor.save(tmp_path / "b.pt").read_bytes() == first
    assert Predictor.load(tmp_path / "a.pt").save(tmp_path / "c.pt").read_bytes() == first


def test_a_damaged_record_is_refused(tmp_path, table):
    saved = _runs(table, "price", descend.models.Linear(4, 1)).predictor(0).save(tmp_path / "m.pt")
    record = torch.load(saved, weights_only=True)
    torch.save({**record, "kind": "poetry"}, saved)
    with pytest.raises(ValueError, match=r"a model file whose record is damaged \(its kind 'poetry', dtype "
                                         r"'float32'\)"):
        Predictor.load(saved)
