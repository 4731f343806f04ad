"""A search's trained models: each optimizer's best configuration re-run with the first seed, kept in a file that
predicts what the re-run predicts, and kept or removed with the search's results."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import descend
from descend.cli import app
from descend.predictor import Predictor
from descend.tune.result import write_models

runner = CliRunner()


@pytest.fixture()
def houses(tmp_path):
    rng = np.random.default_rng(2)
    n = 150
    frame = pd.DataFrame({"area": rng.uniform(50, 200, n), "city": rng.choice(["Lyon", "Nice", "Paris"], n)})
    frame["price"] = frame["area"] * frame["city"].map({"Lyon": 4000, "Nice": 5000, "Paris": 9000}) \
        + rng.normal(0, 20_000, n)
    path = tmp_path / "houses.csv"
    frame.to_csv(path, index=False, sep=";", decimal=",")
    return path, frame


def test_each_optimizers_model_is_its_best_configurations_first_seed(tmp_path, houses):
    path, frame = houses
    task = descend.tasks.real.from_csv(path, target="price", sep=";", decimal=",")
    result = descend.tune(task, optimizer=["adam", "sgd"], trials=4, cohort=2, steps=20, seeds=2,
                          out=tmp_path / "td")
    summary = result.final.summary
    for name in ("adam", "sgd"):
        model = Predictor.load(tmp_path / "td" / f"model-{name}.pt")
        run = int(summary[(summary["optimizer"] == name) & (summary["seed"] == 0)].index[0])
        new = frame.drop(columns="price").head(7)
        np.testing.assert_array_equal(model.predict(new), result.final.predict(run, new))
        assert model.about["search"]["trial"] == result.best[name]["trial"]
        assert model.about["lr"] == pytest.approx(result.best[name]["config"]["lr"], rel=0, abs=0)
        assert model.about["seed"] == 0 and model.about["status"] == "ok"
        assert model.about["read"] == {"sep": ";", "decimal": ","}  # the task's file's: new rows' defaults


def test_descend_predict_reads_new_rows_as_the_search_read_its_file(tmp_path, houses, monkeypatch):
    path, frame = houses
    monkeypatch.chdir(tmp_path)
    tuned = runner.invoke(app, ["tune", "--csv", str(path), "--column", "price", "--sep", ";", "--decimal", ",",
                                "--trials", "2", "--cohort", "2", "--steps", "10", "--seeds", "1", "--quiet",
                                "--out", "td"])
    assert tuned.exit_code == 0, tuned.output
    assert "td/model-adam.pt" in tuned.stdout
    assert "model-adam.pt" in (tmp_path / "td" / "report.html").read_text()  # the report's files say what it is
    frame.drop(columns="price").head(4).to_csv("new.csv", index=False, sep=";", decimal=",")
    shown = runner.invoke(app, ["predict", "td", "new.csv"])  # no --sep: the search's own
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "area;city;predicted_price" and len(lines) == 5
    model = Predictor.load(tmp_path / "td" / "model-adam.pt")
    assert model.about["read"] == {"sep": ";", "decimal": ","}
    expected = model.predict(frame.drop(columns="price").head(4))
    assert [np.float32(line.split(";")[2].replace(",", ".")) for line in lines[1:]] == list(expected)
    # the same command again resumes: the re-runs read from the study, the model file kept as it was
    before = (tmp_path / "td" / "model-adam.pt").read_bytes()
    again = runner.invoke(app, ["tune", "--csv", str(path), "--column", "price", "--sep", ";", "--decimal", ",",
                                "--trials", "2", "--cohort", "2", "--steps", "10", "--seeds", "1", "--quiet",
                                "--out", "td"])
    assert again.exit_code == 0 and (tmp_path / "td" / "model-adam.pt").read_bytes() == before


def test_a_model_file_that_is_not_the_searchs_best_goes(tmp_path, houses):
    path, _ = houses
    task = descend.tasks.real.from_csv(path, target="price", sep=";", decimal=",")
    result = descend.tune(task, optimizer="adam", trials=2, cohort=2, steps=10, seeds=1, out=tmp_path / "td")
    other = result.final.predictor(0)
    ours = {"storage": result.storage, "study": result.names["adam"]}
    other = Predictor(**{**other.__dict__, "about": {**other.about, "search": {**ours, "trial": 0}}})
    other.save(tmp_path / "td" / "model-sgd.pt")  # of this search's storage, for an optimizer it did not tune
    stale = Predictor(**{**other.__dict__, "about": {**other.about, "search": {**ours, "trial": 99}}})
    kept = (tmp_path / "td" / "model-adam.pt").read_bytes()
    assert write_models(result, tmp_path / "td") == [tmp_path / "td" / "model-adam.pt"]
    assert not (tmp_path / "td" / "model-sgd.pt").exists()
    result.final = None  # re-runs read from the study: the file of the same best trial stays, another goes
    assert write_models(result, tmp_path / "td") == [tmp_path / "td" / "model-adam.pt"]
    assert (tmp_path / "td" / "model-adam.pt").read_bytes() == kept
    stale.save(tmp_path / "td" / "model-adam.pt")
    assert write_models(result, tmp_path / "td") == []
    assert not (tmp_path / "td" / "model-adam.pt").exists()


def test_a_landscape_search_writes_no_model(tmp_path):
    result = descend.tune("rosenbrock", optimizer="adam", trials=2, cohort=2, steps=5, seeds=1, out=tmp_path / "td")
    assert result.final is not None and not list((tmp_path / "td").glob("model-*.pt"))
    assert torch.is_tensor(result.final.results[0].params[0])


def test_a_lost_model_file_is_trained_again_and_others_files_are_left_alone(tmp_path, houses, monkeypatch):
    path, frame = houses
    monkeypatch.chdir(tmp_path)
    command = ["tune", "--csv", str(path), "--column", "price", "--sep", ";", "--decimal", ",", "--trials", "2",
               "--cohort", "2", "--steps", "10", "--seeds", "2", "--quiet", "--out", "td"]
    assert runner.invoke(app, command).exit_code == 0
    new = frame.drop(columns="price").head(5)
    before = Predictor.load("td/model-adam.pt").predict(new)
    (tmp_path / "td" / "model-adam.pt").unlink()
    mine = descend.tasks.real.from_csv(path, target="price", sep=";", decimal=",").fit(steps=3)
    mine.predictor(0).save("td/model-mine.pt")  # a user's own, beside the search's
    (tmp_path / "td" / "model-notes.pt").write_text("not a model")
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "the model file of adam was missing: its best configuration's re-run with the first seed was trained " \
           "again for it" in again.output
    np.testing.assert_array_equal(Predictor.load("td/model-adam.pt").predict(new), before)
    assert (tmp_path / "td" / "model-mine.pt").exists() and (tmp_path / "td" / "model-notes.pt").exists()
    shown = runner.invoke(app, ["show", "td"])
    assert "model: td/model-adam.pt (descend predict td/model-adam.pt NEW_ROWS.csv)" in shown.stdout


def test_a_search_that_writes_no_model_says_why(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = runner.invoke(app, ["tune", "line", "--trials", "2", "--cohort", "2", "--steps", "5", "--out", "tl"])
    assert line.exit_code == 0, line.output
    assert "no model file" not in line.output  # a case study's own model: no file keeps it (the README says so)
    none = runner.invoke(app, ["tune", "iris", "--trials", "2", "--cohort", "2", "--steps", "5", "--seeds", "0",
                               "--out", "ti"])
    assert none.exit_code == 0 and "note: no model file: --seeds 0 re-runs no configuration" in none.output
    landscape = runner.invoke(app, ["tune", "rosenbrock", "--trials", "2", "--cohort", "2", "--steps", "5",
                                    "--out", "tr"])
    assert landscape.exit_code == 0 and "no model file" not in landscape.output


def test_a_code_column_read_as_categories_from_the_command_line_keeps_its_codes(tmp_path, monkeypatch):
    """A ZIP code written as a number (06000) was used as the number 6000 from the command line, which had no way
    to say it is a category: --categorical reads it as the file writes it, for the search and for new rows."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    zips = rng.choice(["06000", "75001", "01000"], 120)
    area = rng.uniform(30, 150, 120)
    price = area * 3000 + np.vectorize({"06000": 50_000, "75001": 300_000, "01000": 0}.get)(zips)
    lines = ["zip,area,price", *(f"{z},{a:.1f},{p:.0f}" for z, a, p in zip(zips, area, price))]
    (tmp_path / "homes.csv").write_text("\n".join(lines) + "\n")
    tuned = runner.invoke(app, ["tune", "--csv", "homes.csv", "--column", "price", "--kind", "regression",
                                "--categorical", "zip", "--trials", "2", "--cohort", "2", "--steps", "10",
                                "--seeds", "1", "--quiet", "--out", "td"])
    assert tuned.exit_code == 0, tuned.output
    model = Predictor.load(tmp_path / "td" / "model-adam.pt")
    assert model.columns == (("zip", ("01000", "06000", "75001")), ("area", None))
    assert "--categorical zip" in tuned.stdout  # the command that resumes the search says it
    (tmp_path / "new.csv").write_text("zip,area\n06000,80\n75001, 80\n")
    shown = runner.invoke(app, ["predict", "td", "new.csv"])
    assert shown.exit_code == 0, shown.output
    lines = shown.stdout.splitlines()
    assert lines[0] == "zip,area,predicted_price" and lines[1].startswith("06000,80,")
    expected = model.predict(pd.DataFrame({"zip": ["06000", "75001"], "area": [80.0, 80.0]}))
    assert [np.float32(line.split(",")[-1]) for line in lines[1:]] == list(expected)
    (tmp_path / "other.csv").write_text("zip,area\n6000,80\n")  # not a code the search saw
    refused = runner.invoke(app, ["predict", "td", "other.csv"])
    assert refused.exit_code == 2 and "column 'zip' has '6000' at row 0 (line 2), a value the training data did " \
        "not hold (it held '01000', '06000', '75001')" in refused.output, refused.output
