"""`descend compare`, `descend show` and `descend landscape`, as a user runs them (the library behind them:
tests/test_compare.py, tests/test_compare_config.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

import descend
from descend import cli
from descend.cli import app

runner = CliRunner()
SMALL = ["--steps", "20", "--seeds", "1", "--lr", "0.05", "--quiet"]


# -- the command -------------------------------------------------------------------------------------------------


class _Counter(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, int] = {}

    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1


def test_compare_ellipse_writes_the_report_figures_csv_and_json(tmp_path):
    out, js = tmp_path / "report", tmp_path / "runs.json"
    result = runner.invoke(app, ["compare", "ellipse", *SMALL, "--batch-size", "full,32", "--out", str(out),
                                 "--json", str(js), "--svg", "--mp4"])
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.html'}" in result.stdout
    html = (out / "report.html").read_text()
    parser = _Counter()
    parser.feed(html)
    assert html.count("Plotly.newPlot") >= 3 and parser.tags.get("table", 0) >= 1
    for label in ("gd", "momentum", "rmsprop", "adam"):
        assert f">{label}<" in html
    assert "<script src=" not in html and descend.__version__ in html
    # figures: PNG of the size the figure declares, and SVG (asked for)
    for stem in ("loss-step", "loss-epoch", "batch-regimes", "grad-norms", "landscape", "fitted-model"):
        png = matplotlib.image.imread(out / "figures" / f"{stem}.png")
        assert png.ndim == 3 and png.shape[0] > 200 and png.shape[1] > 300, stem
        assert (out / "figures" / f"{stem}.svg").read_text().lstrip().startswith(("<?xml", "<svg"))
    # the animation has more than one frame
    import imageio.v3 as iio

    frames = iio.imread(out / "paths.gif", index=None)
    assert frames.shape[0] > 1
    assert (out / "paths.mp4").stat().st_size > 0
    # the numbers equal descend.fit's for the same configuration (read back to the bit, as pandas 2 reads them too)
    from descend._files import read_csv_exact

    summary = read_csv_exact(out / "summary.csv", index_col=0)
    runs = descend.fit(task="ellipse", optimizer="adam", lr=0.05, batch_size=[None, 32], steps=20, seed=[0])
    mine = summary[summary["label"] == "adam"]
    assert np.allclose(mine["final_train_loss"].to_numpy(), runs.summary["final_train_loss"].to_numpy(), rtol=0,
                       atol=0)
    records = json.loads(js.read_text())
    assert {r["optimizer"] for r in records["optimizers"]} == {"gd", "momentum", "rmsprop", "adam"}
    adam_runs = [r for r in records["runs"] if r["label"] == "adam"]
    assert [r["final_train_loss"] for r in adam_runs] == runs.summary["final_train_loss"].tolist()
    assert records["config"]["task"] == "ellipse" and records["descend"] == descend.__version__
    # what the numbers depend on, for a reader who must reproduce them (PyTorch's version was in no file)
    import torch

    assert records["versions"]["torch"] == torch.__version__ and records["versions"]["python"].count(".") == 2
    assert json.loads((out / "comparison.json").read_text())["versions"] == records["versions"]
    # a report directory is not overwritten without --force
    again = runner.invoke(app, ["compare", "ellipse", *SMALL, "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output and "Traceback" not in again.output
    # descend show prints the table
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "adam" in shown.stdout and "train loss" in shown.stdout
    assert "interrupted" not in shown.stdout.split("┏")[0]  # the title, above the table
    # ... and says what qualifies it: an interrupted comparison's title and notes (it said nothing of them)
    saved = json.loads((out / "comparison.json").read_text())
    saved["fields"].update(interrupted=True, notes=["interrupted (Ctrl-C): 8 runs kept"])
    (out / "comparison.json").write_text(json.dumps(saved))
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "— interrupted" in " ".join(shown.stdout.split("┏")[0].split())
    assert "note: interrupted (Ctrl-C): 8 runs kept" in shown.stdout


def test_the_written_config_reruns_the_same_comparison(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    result = runner.invoke(app, ["compare", "line", "-o", "gd", "-o", "sgd:momentum=0.9", *SMALL,
                                 "--no-animation", "--out", str(first)])
    assert result.exit_code == 0, result.output
    config = (first / "config.toml").read_text()
    assert 'optimizer = [\n    "gd",\n    "sgd:momentum=0.9",\n]' in config or '"sgd:momentum=0.9"' in config
    result = runner.invoke(app, ["compare", "--config", str(first / "config.toml"), "--quiet", "--no-animation",
                                 "--out", str(second)])
    assert result.exit_code == 0, result.output
    a = pd.read_csv(first / "summary.csv", index_col=0)
    b = pd.read_csv(second / "summary.csv", index_col=0)
    assert a["final_train_loss"].tolist() == b["final_train_loss"].tolist()
    assert list(a["label"].unique()) == ["gd", "sgd(momentum=0.9)"]


def test_compile_gives_the_same_numbers_and_is_kept_in_the_config(tmp_path):
    """--compile runs the compiled step: the eager numbers to round-off, compile time kept out of ms / step.

    Guarded: the same training (line, adam, lr 0.05, batch 16, 20 steps, seed 0, float32) from its start moved
    by 4 ulps ends within 1e-6 of the eager loss (measured 4e-7, no more than the move itself): rounding is not
    amplified, so compiled and eager, at most an ulp or two apart per step, stay within 1e-5 (~80 ulps) on any CPU.
    """
    import torch

    import descend.tasks

    eager, compiled = tmp_path / "eager", tmp_path / "compiled"
    args = ["compare", "line", "-o", "adam", "--batch-size", "16", *SMALL, "--no-animation"]
    assert runner.invoke(app, [*args, "--out", str(eager)]).exit_code == 0
    result = runner.invoke(app, [*args, "--compile", "--out", str(compiled)])
    assert result.exit_code == 0, result.output
    assert "compile = true" in (compiled / "config.toml").read_text()
    assert "compile" not in (eager / "config.toml").read_text()
    a = pd.read_csv(eager / "summary.csv", index_col=0)
    b = pd.read_csv(compiled / "summary.csv", index_col=0)
    model = descend.tasks.get("line").model
    start = {}
    for name, value, toward in zip(model.names, (p[0] for p in model.init([0])), (float("inf"), float("-inf"))):
        for _ in range(4):
            value = torch.nextafter(value, torch.tensor(toward))
        start[name] = value
    moved = descend.fit(task="line", optimizer="adam", lr=0.05, batch_size=16, steps=20, seed=0, start=start)
    assert moved.summary["final_train_loss"].to_numpy() == pytest.approx(a["final_train_loss"].to_numpy(), rel=1e-6)
    assert (moved.summary["final_train_loss"].to_numpy() != a["final_train_loss"].to_numpy()).all(), "moved: no effect"
    assert b["final_train_loss"].to_numpy() == pytest.approx(a["final_train_loss"].to_numpy(), rel=1e-5)
    assert (b["compile_seconds"] > 0).all() and "compile_seconds" not in a
    assert (b["seconds"] < b["compile_seconds"]).all(), "20 steps take less than compiling them"


def test_bad_input_exits_with_code_2_and_one_line(tmp_path):
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("a,b\n1,2\n3,\n")
    cases = [
        (["compare", "elipse"], "did you mean 'ellipse'"),
        (["compare", "ellipse", "-o", "adamm"], "did you mean 'adam'"),
        (["compare", "ellipse", "-o", "sgd:momentum"], "key=value"),
        (["compare", "ellipse", "--lr", "1..0.1"], "LOW < HIGH"),
        (["compare", "--csv", str(bad_csv), "--column", "b"], "missing value"),
        (["compare", "--csv", str(bad_csv), "--column", "c"], "--column c is not a column of the file (columns: a, b)"),
        (["compare", "--config", str(tmp_path / "none.toml")], "does not exist"),
        (["compare", "ellipse", "--target", "low"], "must be a number"),
        (["compare", "ellipse", "--mode", "tuned", "--budget", "1"], "--budget 1: a whole number >= 2"),
        (["compare", "ellipse", "--mode", "tuned", "--lr", "0.1"], "--lr 0.1: --mode tuned searches the learning "
                                                                  "rate between the lowest and highest value"),
        # a second value of a one-value option was kept alone, without a word
        (["compare", "line", "--lr", "0.1", "--lr", "0.01"], "--lr is given twice (0.1, 0.01): give it once; several "
                                                             "values go in one, comma-separated: --lr 0.1,0.01"),
        (["compare", "line", "--steps=10", "--steps", "20"], "--steps is given twice (10, 20): give it once"),
        (["compare", "--csv", str(bad_csv), "--csv", "b.csv"], "--csv is given twice"),
        # 20,000 rates: checked for repeats in quadratic time, minutes before any word
        (["compare", "line", "--lr", "1e-3..1e-1:20000"], "N from 2 to 1,000"),
        # in the command line's words (they spoke of tensors, Errno 21 and Python)
        (["compare", "line", "-o", "adam:beta1=abc"], "beta1='abc' must be a number; allowed: [0, 1)"),
        (["compare", "--config", str(tmp_path)], "is a directory; give the TOML file of the settings"),
        (["compare", "line", "--schedule", "warmup"], "which --schedule cannot hold; use one_cycle"),
        (["compare", "line", "--schedule", "multistep:milestones=abc"], "must be a whole number of steps"),
        # a start where the cost is not a number trained and was reported as diverged at once
        (["compare", "sqrt(x) + y**2", "--start", "-1,1"], "--start -1,1: the cost is nan there"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, "--out", str(tmp_path / "never")])
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output, (args, result.output)
        # nothing before it (--mode tuned's --lr was refused under the header and a progress bar at 0 %)
        assert len([line for line in result.output.splitlines() if line.strip()]) == 1, (args, result.output)
    assert not (tmp_path / "never").exists()


def test_compare_a_csv_file(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 2))
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "colour": rng.choice(["red", "blue"], 80),
                          "y": x @ [1.0, -2.0] + 0.1 * rng.normal(size=80)})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    result = runner.invoke(app, ["compare", "--csv", str(path), "--target", "y", *SMALL, "-o", "adam", "-o", "sgd",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").exists()
    assert "csv = " in (tmp_path / "r" / "config.toml").read_text()


def test_classes_a_file_writes_as_numbers_are_predicted_as_it_writes_them(tmp_path):
    """Codes 01, 02 and 10 were read as the numbers 1, 2 and 10: every prediction missed the file's own label as
    text, and --dropna's rows were left out without a word after the table."""
    rng = np.random.default_rng(0)
    labels = rng.choice(["01", "02", "10"], 120)
    x = rng.normal(size=(120, 2)) + (labels == "02")[:, None] * 3 + (labels == "10")[:, None] * 6
    lines = ["a,b,label"] + [f"{u:.4f},{v:.4f},{t}" for (u, v), t in zip(x, labels)] + ["0.5,,02"]
    path = tmp_path / "codes.csv"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "label", "--kind", "classification",
                                 "--dropna", "-o", "adam", "--lr", "0.1", "--seeds", "1", "--batch-size", "full",
                                 "--steps", "60", "--out", str(out)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "note: dropped: 1 of the 121 rows left out for their missing values (dropna)" in said
    predicted, rows = tmp_path / "predicted.csv", tmp_path / "rows.csv"
    rows.write_text("\n".join(lines[:-1]) + "\n")  # (a new row is predicted from every feature)
    result = runner.invoke(app, ["predict", str(out / "model-adam.pt"), str(rows), "--probabilities", "--out",
                                 str(predicted)])
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(predicted, dtype=str, keep_default_na=False)
    assert list(frame.columns)[-3:] == ["probability_01", "probability_02", "probability_10"]
    assert set(frame["predicted_label"]) == {"01", "02", "10"}
    assert (frame["predicted_label"] == frame["label"]).mean() > 0.9  # separable: the labels, as written, match


def test_a_csv_path_given_relative_is_written_absolute_so_the_report_rebuilds_from_elsewhere(tmp_path, monkeypatch):
    """config.toml kept the path as typed, so `descend report` (and --config) failed from another directory."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    (tmp_path / "data").mkdir()
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "y": x @ [1.0, -2.0]}).to_csv(tmp_path / "data" / "d.csv", index=False)
    monkeypatch.chdir(tmp_path / "data")
    result = runner.invoke(app, ["compare", "--csv", "d.csv", "--column", "y", *SMALL, "-o", "adam", "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f"csv = {json.dumps(str(tmp_path / 'data' / 'd.csv'))}" in (tmp_path / "r" / "config.toml").read_text()
    monkeypatch.chdir(tmp_path)
    again = runner.invoke(app, ["report", str(tmp_path / "r"), "--out", str(tmp_path / "r2")])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "r2" / "report.html").exists()


def test_a_decimal_comma_file_is_refused_naming_decimal_and_read_with_it(tmp_path):
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f};{b:.3f};{a - 2 * b:.3f}\n".replace(".", ",") for a, b in rng.normal(size=(60, 2)))
    (tmp_path / "e.csv").write_text("a;b;y\n" + rows)
    base = ["compare", "--csv", str(tmp_path / "e.csv"), "--column", "y", "--sep", ";", *SMALL, "-o", "adam"]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "holds numbers written with a decimal comma" in result.stderr
    assert result.stderr.rstrip().endswith("read the file with --decimal ,") and not (tmp_path / "no").exists()
    result = runner.invoke(app, [*base, "--decimal", ",", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "decimal = \",\"" in (tmp_path / "r" / "config.toml").read_text()


def test_a_decimal_point_file_read_with_a_decimal_comma_says_so(tmp_path):
    """--decimal , on a file written 1.5 read every number as text: the target was refused as an identifier."""
    rng = np.random.default_rng(0)
    rows = "".join(f"{a:.3f},{b:.3f},{a - 2 * b:.3f}\n" for a, b in rng.normal(size=(60, 2)))
    (tmp_path / "d.csv").write_text("a,b,y\n" + rows)
    result = runner.invoke(app, ["compare", "--csv", str(tmp_path / "d.csv"), "--column", "y", "--decimal", ",",
                                 *SMALL, "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and not (tmp_path / "no").exists()
    assert "column 'a' holds numbers written with a decimal point" in result.stderr, result.stderr
    assert result.stderr.rstrip().endswith("read the file with --decimal .")


def test_landscape_command_draws_paths(tmp_path):
    result = runner.invoke(app, ["landscape", "himmelblau", "-o", "gd", "-o", "adam", "--lr", "0.01", "--start",
                                 "0,0", "--steps", "30", "--out", str(tmp_path), "--animate",
                                 str(tmp_path / "paths.gif")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "landscape-himmelblau.png").exists() and (tmp_path / "paths.gif").exists()
    bad = runner.invoke(app, ["landscape", "himmelblau", "--start", "0"])
    assert bad.exit_code == 2 and "X,Y" in bad.output
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("mine")
    bad = runner.invoke(app, ["landscape", "himmelblau", "-o", "gd", "--steps", "5", "--out", str(a_file)])
    assert bad.exit_code == 2 and "--out" in bad.output and "is a file" in bad.output, bad.output
    assert a_file.read_text() == "mine"
    # a directory under a file, or where nothing can be created: a traceback after the training (NotADirectoryError,
    # PermissionError), where compare and tune say it before
    for where, words in ((a_file / "x", "is a file, not a directory"), (Path("/proc/descend-x"), "cannot be written")):
        bad = runner.invoke(app, ["landscape", "himmelblau", "-o", "gd", "--steps", "5", "--out", str(where)])
        assert bad.exit_code == 2 and f"error: --out '{where}' cannot be written" in bad.output and words in \
            bad.output and bad.exception is None or isinstance(bad.exception, SystemExit), bad.output
    assert "outside the map" not in result.output
    # a start far off the map: a finished path is drawn on a map grown to hold it; a diverged one, which the map
    # does not follow, had no path to draw, and said nothing
    held = runner.invoke(app, ["landscape", "booth", "--start", "20,-20", "-o", "gd", "--lr", "0.01", "--steps", "5",
                               "--out", str(tmp_path / "held")])
    assert held.exit_code == 0 and "outside the map" not in held.output, held.output
    off = runner.invoke(app, ["landscape", "booth", "--start", "20,-20", "-o", "gd", "--lr", "1", "--steps", "5",
                              "--out", str(tmp_path / "off")])
    assert off.exit_code == 0 and "note: the path of gd lr=1 lies outside the map (x in [-10, 10], y in [-10, " \
        "10]): it starts at (20, -20); give a --start inside it" in off.output.replace("\n", " "), off.output


def test_landscape_names_each_path_with_its_batch_size_where_several_ran(tmp_path, monkeypatch):
    """ellipse runs at four batch sizes (its own): the figure drew four paths per optimizer under one name,
    "gd lr=0.05", the batch-1 one far from the rest, beside a table of one row; --batch-size (as descend compare
    takes it) draws the sizes asked for."""
    from descend.compare_config import batch_label
    from descend.report import figures

    drawn = []
    real = figures.landscape

    def spy(surface, paths, labels, **kwargs):
        drawn.append({run: labels[run] for run in paths})
        return real(surface, paths, labels, **kwargs)

    monkeypatch.setattr(figures, "landscape", spy)
    argv = ["landscape", "ellipse", "-o", "gd", "--lr", "0.05", "--steps", "5"]
    result = runner.invoke(app, [*argv, "--out", str(tmp_path / "task")])
    assert result.exit_code == 0, result.output
    sizes = [batch_label(b) for b in descend.tasks.get("ellipse").batch_sizes]
    assert sorted(drawn[-1].values()) == sorted(f"gd lr=0.05 batch {b}" for b in sizes)
    assert "--batch-size full (or another one size) draws one path per optimizer and rate" in \
        result.output.replace("\n", " "), result.output
    result = runner.invoke(app, [*argv, "--batch-size", "full,1", "--out", str(tmp_path / "two")])
    assert result.exit_code == 0 and "note: the paths are drawn" not in result.output, result.output
    assert sorted(drawn[-1].values()) == ["gd lr=0.05 batch 1", "gd lr=0.05 batch full"]
    result = runner.invoke(app, [*argv, "--batch-size", "full", "--out", str(tmp_path / "one")])
    assert result.exit_code == 0 and list(drawn[-1].values()) == ["gd lr=0.05"], result.output
    bad = runner.invoke(app, [*argv, "--batch-size", "1,x", "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "error: --batch-size '1,x': 'x' is not a batch size" in bad.output, bad.output
    assert len(drawn) == 3 and not (tmp_path / "bad").exists()
    help_text = runner.invoke(app, ["landscape", "--help"], env={"COLUMNS": "300"}).output
    assert "--batch-size" in help_text and "hybrid: batches of 32 for 8 epochs" in " ".join(help_text.split())


def test_a_start_whose_cost_overflows_says_why_every_run_diverged_in_one_note_per_start(tmp_path):
    """--start 1e20,1e20 on Rosenbrock (a cost of 1e82, beyond float32): every run "diverged" at step 0 without a
    word on why, and the map's note was printed once per run (15 times with the default grid)."""
    result = runner.invoke(app, ["landscape", "rosenbrock", "--start", "1e20,1e20", "-o", "gd", "-o", "adam", "--lr",
                                 "0.001,0.01", "--steps", "5", "--out", str(tmp_path)])
    text = result.output.replace("\n", " ")
    assert result.exit_code == 0 and "every run diverged at step 0, before any update: the cost or its gradient " \
        "at the initial parameters is not a finite number" in text, result.output
    assert text.count("outside the map") == 1 and "the paths of 4 runs (gd lr=0.001, ...) lie outside the map" in text


def test_runs_that_start_outside_the_models_domain_are_said_to(tmp_path):
    """ellipse on 5 samples: its model is undefined on every training sample at its start (A = 0.1), so every run
    was "left-domain" at step 0, 100 % in the table, without a word (it had never been inside); with a start inside
    the domain the same data trains, and nothing is said."""
    argv = ["compare", "ellipse", "--task-option", "n=5", "--batch-size", "full", "-o", "gd", "--lr", "0.05",
            "--steps", "20", "--seeds", "1", "--no-animation"]
    result = runner.invoke(app, [*argv, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "note: every run started outside the model's domain: at the initial parameters the model is defined on " \
        "no training sample, so they trained no step (left-domain at step 0); move the start inside it (--start)" in \
        result.output.replace("\n", " "), result.output
    inside = runner.invoke(app, [*argv, "--start", "1.3,1.2", "--out", str(tmp_path / "inside")])
    assert inside.exit_code == 0 and "outside the model's domain" not in inside.output, inside.output


def test_a_first_update_that_overflows_is_not_said_to_be_the_start(tmp_path):
    """At lr 1e38 Adam's first step leaves float32 (its start's cost is 1.23): the note said the cost at the initial
    parameters was not a finite number."""
    result = runner.invoke(app, ["compare", "iris", "-o", "sgd", "-o", "adam", "--lr", "1e38", "--steps", "3",
                                 "--seeds", "1", "--out", str(tmp_path / "r")])
    text = " ".join(result.output.split())
    assert result.exit_code == 0, result.output
    assert "the runs of adam diverged at the first update: the cost at the start is finite, but the parameters " \
        "after one step are not finite numbers" in text, text
    assert "before any update" not in text


@pytest.mark.parametrize("task, start, words", [
    ("ellipse", "1", "--start 1: give 2 numbers (w_A, w_B)"),
    ("line", "1,2,3", "--start 1,2,3: give 2 numbers (w, b)"),
    ("himmelblau", "1", "--start 1: give 2 numbers (x, y)"),
])
def test_a_start_of_the_wrong_length_is_one_line_naming_the_flag(tmp_path, task, start, words):
    """One number for a task of two parameters crashed the ellipse and the line fit (IndexError); three were
    accepted, the last ignored."""
    result = runner.invoke(app, ["compare", task, "--start", start, "--steps", "5", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and words in result.output, result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("start", ["1", "abc", "None", "[1,2]", "1,2,3", "12"])
def test_a_landscapes_start_as_a_task_option_is_checked_in_the_flags_words(tmp_path, start):
    """start=1 was a traceback (TypeError: 'int' object is not iterable), start=abc "Unknown format code 'g'",
    start=[1,2] "could not convert string to float"."""
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "--steps", "3", "--task-option",
                                 f"start={start}", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    assert result.output.startswith("error: --task-option start: start=") and result.output.rstrip().endswith(
        "is not allowed; give 2 numbers (x, y)"), result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("task, option", [("rosenbrock", "data_seed=abc"), ("rosenbrock", "m=0"),
                                          ("line", "steps=abc"), ("digits", "steps=0"), ("rosenbrock", "steps=abc")])
def test_a_task_option_of_the_wrong_kind_names_the_option(tmp_path, task, option):
    """data_seed=abc on a noisy landscape said "seed='abc' is not allowed", steps=abc "steps 'abc'", naming
    neither the option nor --task-option (and with --steps given, steps=abc was kept on the task)."""
    key = option.partition("=")[0]
    budget = [] if key == "steps" else ["--steps", "3"]  # (both: refused as a setting given twice)
    result = runner.invoke(app, ["compare", task, "-o", "adam", *budget, "--task-option", "noise=0.1"
                                 if task == "rosenbrock" else "data_seed=0", "--task-option", option,
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and result.output.startswith(f"error: --task-option {key}: {key}="), result.output
    assert "is not allowed; a whole number >= " in result.output and not (tmp_path / "r").exists()


def _long_comparison(out: Path, background: bool = False) -> subprocess.Popen:
    """``descend compare ellipse`` of 400,000 steps (far more than the few seconds before a signal can finish,
    however fast the machine) into ``out``, once it has said that training starts; ``background``: ignoring Ctrl-C,
    as a job a script starts in the background does."""
    process = subprocess.Popen(
        [sys.executable, "-m", "descend", "compare", "ellipse", "--steps", "400000", "--seeds", "1", "--lr", "0.05",
         "--batch-size", "full", "--no-animation", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        # a shell running the suite in the background ignores SIGINT, and nohup SIGHUP; its children inherit that
        # (descend keeps an ignored signal ignored: the comparison would train on)
        preexec_fn=_background_signals if background else _default_signals)
    first = process.stderr.readline()  # "training ... runs": the comparison has started
    assert first.startswith("training"), first
    return process


def _default_signals() -> None:
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, signal.SIG_DFL)


def _background_signals() -> None:
    _default_signals()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _finished(process: subprocess.Popen) -> tuple[str, str]:
    """The process's output once it ends; killed if it has not ended in 300 s (not left training 400,000 steps)."""
    try:
        return process.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise


def test_ctrl_c_leaves_a_readable_partial_report(tmp_path):
    out = tmp_path / "partial"
    process = _long_comparison(out)
    time.sleep(10)  # past the first fit's one-time costs on a loaded machine; 400,000 steps take far longer
    process.send_signal(signal.SIGINT)
    stdout, stderr = _finished(process)
    assert process.returncode == 130, (stdout, stderr)
    assert "interrupted" in stderr and "Traceback" not in stderr
    # the table's cells are empty (a run cut short has no result): the terminal says why
    assert "cut short before the end of their budget" in stderr and "win nothing" in stderr, stderr
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert len(summary) >= 1 and (summary["steps_done"] < 400000).all()
    assert "interrupted" in (out / "report.html").read_text()


@pytest.mark.parametrize("sent, background", [("SIGTERM", False), ("SIGHUP", False), ("SIGTERM", True)])
def test_sigterm_and_sighup_stop_as_ctrl_c_and_keep_what_finished(tmp_path, sent, background):
    """kill, timeout, a batch scheduler (SIGTERM) and a closed ssh session (SIGHUP) ended the comparison with nothing
    written (exit 143 and 129): they stop it as Ctrl-C does now, in a job a script started in the background (which
    ignores Ctrl-C) too."""
    out = tmp_path / "partial"
    process = _long_comparison(out, background)
    time.sleep(6)
    process.send_signal(getattr(signal, sent))
    stdout, stderr = _finished(process)
    assert process.returncode == 130, (stdout, stderr)
    assert "interrupted: writing the report from what finished" in stderr and "Traceback" not in stderr
    summary = pd.read_csv(out / "summary.csv", index_col=0)
    assert len(summary) >= 1 and (summary["status"] == "interrupted").all()


def test_ctrl_c_before_training_is_said_not_a_traceback(tmp_path, monkeypatch):
    """A Ctrl-C while the report's figure modules were imported (just after the "training ..." line) printed a
    traceback of a hundred lines ending in ImportError, or nothing with exit 130."""
    from descend.report import build

    def cut(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "prefetch_surface", cut)
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "--steps", "5", "--seeds", "1",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 130 and "interrupted before training started: nothing written" in result.output
    assert not (tmp_path / "r").exists()


def test_ctrl_c_while_the_figures_are_drawn_writes_the_report_without_them(tmp_path, monkeypatch):
    """Ctrl-C (or kill, timeout) after the training, while the figures were drawn, lost the whole comparison ("is as
    it was"), where the report takes longer than the training of the default comparisons. The report is written
    without its figures (exit 130), and descend report --figures draws them later from the saved results."""
    from descend.report import build

    original = build.write_report

    def interrupted(*args, **kwargs):
        if kwargs.get("figures", True):
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    out = tmp_path / "r"
    with monkeypatch.context() as patched:
        patched.setattr(build, "write_report", interrupted)
        result = runner.invoke(app, ["compare", "rosenbrock", "-o", "adam", "--steps", "5", "--seeds", "1",
                                     "--out", str(out)])
    assert result.exit_code == 130, result.output
    assert "interrupted while the report was written: writing it without its figures" in result.output
    assert f"descend report {out} --figures draws them" in result.output
    assert (out / "report.html").exists() and (out / "summary.csv").exists() and not (out / "figures").exists()
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0 and not (out / "figures").exists()  # as it was
    result = runner.invoke(app, ["report", str(out), "--figures"])
    assert result.exit_code == 0, result.output
    assert (out / "figures" / "loss-step.png").exists() and (out / "paths.gif").exists()
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0 and (out / "paths.gif").exists()  # kept since
    result = runner.invoke(app, ["report", str(out), "--no-figures"])
    assert result.exit_code == 0 and not (out / "figures").exists() and not (out / "paths.gif").exists()


def test_a_ctrl_c_in_the_reports_first_import_of_matplotlib_still_writes_the_report(tmp_path):
    """A task without a surface imports matplotlib first in this process as the report begins: a SIGTERM or Ctrl-C
    there cut the import short, and the report written without figures after it failed on the half-made module
    (208 lines of traceback, "module 'matplotlib' has no attribute 'get_data_path'", exit 1, nothing written)."""
    script = tmp_path / "interrupted.py"
    script.write_text(
        "import os, signal, sys\n"
        "class Interrupting:\n"
        "    fired = False\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'matplotlib.colors' and not Interrupting.fired:  # in the middle of matplotlib's import\n"
        "            Interrupting.fired = True\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Interrupting())\n"
        "from descend.cli import main\n"
        "sys.argv = ['descend', 'compare', 'iris', '-o', 'adam', '--steps', '5', '--seeds', '1', '--quiet', '--out',"
        " sys.argv[1]]\n"
        "main()\n")
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, str(script), str(out)], capture_output=True, text=True, timeout=300,
                          preexec_fn=_default_signals)
    assert done.returncode == 130, done.stderr[-2000:]
    assert "Traceback" not in done.stderr and "writing it without its figures" in done.stderr
    assert (out / "report.html").exists() and (out / "summary.csv").exists()


def test_ctrl_c_keeps_what_both_processes_finished(tmp_path):
    """Two batch sizes are two groups, trained by this process and a forked child (descend._forked); Ctrl-C sent
    to the parent alone reaches the child too, and each group keeps the steps it finished."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DESCEND_PROCESSES": "2"}
    # on a loaded machine the child may not have taken its first step by the signal: then again, waiting longer
    for attempt, wait in enumerate((10, 30, 60)):
        out = tmp_path / f"partial-{attempt}"
        process = subprocess.Popen(
            [sys.executable, "-m", "descend", "compare", "ellipse", "--steps", "400000", "--seeds", "1", "--lr",
             "0.05", "--batch-size", "full,32", "--no-animation", "--out", str(out)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
            preexec_fn=_default_signals)
        first = process.stderr.readline()
        assert first.startswith("training"), first
        time.sleep(wait)
        process.send_signal(signal.SIGINT)
        stdout, stderr = _finished(process)
        assert process.returncode == 130, (stdout, stderr)
        assert "interrupted" in stderr and "Traceback" not in stderr
        summary = pd.read_csv(out / "summary.csv", index_col=0)
        assert set(summary["batch_size"].astype(str)) == {"full", "32"}  # the child's group came back too
        assert (summary["steps_done"] < 400000).all() and (summary["status"] == "interrupted").all()
        if (summary["steps_done"] >= 1).all():
            return
    raise AssertionError(f"a group had not started after {wait} s:\n{summary[['batch_size', 'steps_done']]}")


def test_tuned_mode_runs_budget_trials_per_optimizer_and_names_its_search(tmp_path):
    out, runs = tmp_path / "out", tmp_path / "runs.json"
    result = runner.invoke(app, ["compare", "line", "-o", "gd", "-o", "adam", "--mode", "tuned", "--budget", "3",
                                 "--steps", "10", "--seeds", "1", "--quiet", "--no-animation", "--json", str(runs),
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    record = json.loads(runs.read_text())
    search = record["search"]
    trials = pd.DataFrame(search["trials"])
    assert trials.groupby("label").size().to_dict() == {"adam": 3, "gd": 3}  # --budget trials each
    assert (search["sampler"], search["trials_per_optimizer"]) == ("tpe", 3)
    chosen = {c["optimizer"]: c["params"]["lr"] for c in search["chosen"]}
    for label, lr in chosen.items():
        best = trials[trials.label == label].sort_values(["value", "number"]).iloc[0]
        assert lr == best["lr"]  # the best trial's learning rate
        assert {r["lr"] for r in record["runs"] if r["label"] == label} == {lr}  # is the one every run used
    assert not list(out.glob("*.journal")) and not list(out.glob("*.db"))  # the study stayed in memory
    assert "<b>Comparison mode:</b> tuned (a spread of 3 trials per optimizer)" in (out / "report.html").read_text()
    assert "budget = 3" in (out / "config.toml").read_text()


@pytest.mark.parametrize("args", [
    ["himmelblau", "--mode", "defaults"],  # every optimizer at its own default learning rate
    ["rosenbrock", "-o", "random-search", "-o", "adam", "--lr", "0.01"],  # random search has no learning rate
    ["parabola", "--lr", "0.5,1.5"],  # a 1-D problem: no surface to draw
    ["vanishing", "--lr", "0.1", "--schedule", "cosine"],
])
def test_other_tasks_and_modes_write_a_report(tmp_path, args):
    result = runner.invoke(app, ["compare", *args, "--steps", "10", "--seeds", "1", "--quiet", "--no-animation",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "table.csv", index_col=0)
    assert len(table) >= 2 and (tmp_path / "report.html").exists()
    if "defaults" in args:
        from descend.optim import get

        for name, row in table.iterrows():
            assert row["lr"] == pytest.approx(get(name).defaults["lr"])


@pytest.mark.parametrize("formula, why", [
    ("()", "tuples"),
    ("(lambda: 1)()", "lambda expressions are not allowed"),
    ("3", "uses neither x nor y"),
    ("x**2 +", "ends too early"),
])
def test_a_typed_text_that_is_not_a_formula_says_why(tmp_path, formula, why):
    result = runner.invoke(app, ["compare", formula, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"{formula!r} is neither a task nor a formula" in result.output and why in result.output, result.output
    assert "unknown task" not in result.output


def test_an_over_long_formula_is_not_echoed_whole(tmp_path):
    formula = "x+" * 20000 + "y"
    result = runner.invoke(app, ["compare", formula, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and len(result.output) < 400, len(result.output)
    assert "(40001 characters)" in result.output and "at most 200" in result.output


# -- a CSV file that can't be used as it is: the error names the flag that fixes it ---------------------------


def _houses(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 2))
    return pd.DataFrame({"size": x[:, 0], "age": x[:, 1], "city": ["Zürich", "Köln", "Genève"] * (n // 3),
                         "price": x @ [1.0, -2.0] + 0.1 * rng.normal(size=n)})


def _bad_files(tmp_path):
    frame = _houses()
    files = {}
    files["latin1"] = tmp_path / "latin1.csv"
    frame.to_csv(files["latin1"], index=False, encoding="latin-1")
    files["semi"] = tmp_path / "semi.csv"
    frame.to_csv(files["semi"], index=False, sep=";")
    files["id"] = tmp_path / "id.csv"
    frame.assign(id=[f"A{i:04d}" for i in range(len(frame))]).to_csv(files["id"], index=False)
    files["missing"] = tmp_path / "missing.csv"
    holes = frame.copy()
    holes.loc[[3, 7], "size"] = np.nan
    holes.loc[5, "age"] = np.nan
    holes.to_csv(files["missing"], index=False)
    files["three"] = tmp_path / "three.csv"
    frame.head(3).to_csv(files["three"], index=False)
    files["six"] = tmp_path / "six.csv"
    frame.head(6).to_csv(files["six"], index=False)
    files["constant"] = tmp_path / "constant.csv"
    frame.assign(price=3.0).to_csv(files["constant"], index=False)
    files["label"] = tmp_path / "label.csv"
    frame.assign(label=range(len(frame))).to_csv(files["label"], index=False)
    files["binary"] = tmp_path / "binary.csv"
    files["binary"].write_bytes(bytes(range(256)) * 20)
    return files


@pytest.mark.parametrize("name, args, message", [
    ("latin1", [], "is not UTF-8 text: byte 0xfc at position"),  # ü in Zürich
    ("latin1", [], "read it with --encoding latin-1"),
    ("semi", [], "the separator is probably ';': read it with --sep ';'"),
    ("id", [], "column 'id' has a different text in every row (60 of 60"),
    ("id", [], "leave it out with --drop id"),
    ("missing", [], "3 of 60 rows have missing values (per column: 'size': 2, 'age': 1); drop those rows with "
                    "--dropna, leave out the columns with --drop size,age, or fill them in"),
    ("three", [], "the data set 'three' is too small: it has 3 rows"),
    ("six", ["--batch-size", "32"], "--batch-size 32 is larger than the training set of --csv "),
    ("six", ["--batch-size", "32"], "(6 rows, 4 of them for training): give --batch-size 1..4 or full"),
    ("constant", [], "target column 'price' has the same value (3) in every one of the 60 rows: there is nothing "
                     "to learn"),
    ("label", ["--column", "label"], "has a different value in every row (60 classes for 60 rows"),
    ("label", ["--column", "label"], "to predict it as a number, use --kind regression"),
    ("binary", [], "is not a text file: it holds binary data"),
    ("semi", ["--sep", ";", "--drop", "ciity"], "--drop ciity: 'ciity' is not a column; did you mean 'city'?"),
    ("semi", ["--sep", ";", "--column", "city", "--kind", "binary"],
     "but --kind binary needs exactly 2; use --kind classification"),
    ("semi", ["--sep", ";", "--column", "prize"], "--column prize is not a column of the file; did you mean "
                                                 "--column price or --column size?"),
    ("semi", ["--sep", ";", "--categorical", "ciity"], "--categorical ciity: 'ciity' is not a column; did you mean "
                                                       "'city'?"),
    ("semi", ["--sep", ";", "--features", "size", "--categorical", "city"],
     "--categorical city lists 'city', which is not one of the features ('size')"),
    ("semi", ["--sep", ";", "--categorical", "price"], "--categorical price lists the target column 'price'"),
    ("semi", ["--sep", ";", "--drop", "age", "city"], "--drop takes several columns in one, separated by commas "
                                                      "without spaces: --drop age,city"),
    ("semi", ["--sep", ";", "--categorical", "age", "city"], "--categorical takes several columns in one, separated "
                                                             "by commas without spaces: --categorical age,city"),
    ("semi", ["--sep", ";", "--drop", "age", '"city, x"'], "--drop takes several columns in one, separated by commas "
                                                          "without spaces: --drop 'age,\"city, x\"'"),
    ("semi", ["--sep", ";", "--drop", "age,", "city"], "--drop takes several columns in one, separated by commas "
                                                       "without spaces: --drop age,city"),
    ("semi", ["--sep", ";", "--drop", "age", "city", "size"], "--drop takes several columns in one, separated by "
                                                              "commas without spaces: --drop age,city,size"),
    ("semi", ["--sep", ";", "--na-values", "k.A.", "n.c."], "--na-values takes several texts in one, separated by "
                                                            "commas without spaces: --na-values k.A.,n.c."),
])
def test_a_bad_csv_file_is_refused_with_the_flag_that_fixes_it(tmp_path, name, args, message):
    path = _bad_files(tmp_path)[name]
    column = [] if "--column" in args else ["--column", "price"]
    result = runner.invoke(app, ["compare", "--csv", str(path), *column, *args, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert message in result.output, result.output
    for python in ("encoding=", "sep=", "drop=", "dropna=", "kind=", "from_frame", "pd.read_csv", "DataFrame"):
        assert python not in result.output, (python, result.output)
    assert not (tmp_path / "never").exists()


def test_the_flags_fix_the_files(tmp_path):
    files = _bad_files(tmp_path)
    fixes = [("latin1", ["--encoding", "latin-1"]), ("semi", ["--sep", ";"]), ("id", ["--drop", "id"]),
             ("missing", ["--dropna"]), ("label", ["--column", "label", "--kind", "regression"])]
    for name, flags in fixes:  # each flag as the command line reads it (training: the next test)
        config = cli._settings(descend.compare.Config, {"csv": str(files[name]), "column": "price",
                                                         **_as_keys(flags)}, None)
        resolved, task = config.resolved(names=descend.compare.Config.flags())
        assert task.kind == "regression", name
        if name == "missing":
            assert len(task.data.train) + len(task.data.validation) + len(task.data.test) == 57
            assert "(3 rows with missing values dropped)" in task.description


def _as_keys(flags):
    out, i = {}, 0
    while i < len(flags):
        key = flags[i][2:].replace("-", "_")
        if i + 1 < len(flags) and not flags[i + 1].startswith("--"):
            out[key], i = flags[i + 1], i + 2
        else:
            out[key], i = True, i + 1
    return out


def test_a_csv_setting_given_as_a_task_option_is_written_as_its_setting(tmp_path):
    """--task-option categorical=zip (or drop=id) was applied, and left out of config.toml: --config trained on
    other features."""
    path = _bad_files(tmp_path)["missing"]
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price", "--dropna", "--task-option",
                                 "drop=city", *SMALL, "-o", "adam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'drop = [\n    "city",\n]' in (out / "config.toml").read_text()
    again = runner.invoke(app, ["compare", "--config", str(out / "config.toml"), "--out", str(tmp_path / "again"),
                                "--quiet"])
    assert again.exit_code == 0, again.output
    left, right = (pd.read_csv(p / "summary.csv").drop(columns="seconds") for p in (out, tmp_path / "again"))
    pd.testing.assert_frame_equal(left, right)  # the same runs (bar their times): the same features
    assert "from 2 features" in (tmp_path / "again" / "report.html").read_text()


def _european(tmp_path, sep=";"):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=80).round(3), "b": rng.normal(size=80).round(3)})
    frame["y"] = (2 * frame["a"] - frame["b"]).round(3)
    path = tmp_path / "eu.csv"
    path.write_text(frame.to_csv(index=False, sep=sep, decimal=","))
    return path


@pytest.mark.parametrize("options", [["--task-option", "decimal=,", "--sep", ";"],
                                     ["--task-option", "sep=;", "--task-option", "decimal=,"],
                                     ["--task-option", "sep=;", "--decimal", ","]])
def test_a_reading_setting_given_as_a_task_option_is_read_as_its_flag(tmp_path, options):
    """--task-option decimal=, was read as a task option's comma list (two empty texts): pandas' "Only length-1
    decimal markers supported". Each is read by its flag's own parser, and written as the setting."""
    path = _european(tmp_path)
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", *options, *SMALL, "-o", "adam",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = (out / "config.toml").read_text()
    assert 'sep = ";"' in written and 'decimal = ","' in written and "task_options" not in written, written


@pytest.mark.parametrize("options, message", [
    (["--task-option", "decimal=,", "--decimal", ","], "--decimal and --task-option decimal=, both set decimal; "
                                                       "give it in one place"),
    (["--task-option", "decimal=", "--sep", ";"], "--task-option decimal '': give the decimal mark, one character"),
    (["--task-option", "decimal=,", "--task-option", "decimal=.", "--sep", ";"],
     "--task-option 'decimal=.': decimal is given twice"),
])
def test_a_reading_setting_given_as_a_task_option_is_refused_as_its_flag(tmp_path, options, message):
    path = _european(tmp_path)
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", *options, *SMALL, "-o", "adam",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "r").exists()


def _compared_with_separator(tmp_path, written: str, sep: str):
    """The file of :func:`_european` written with ``written`` between its columns, compared with ``--sep sep``:
    its path and the report's directory, the file read as its two features."""
    path = _european(tmp_path, sep=";")
    path.write_text(path.read_text().replace(";", written))
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", "--sep", sep, "--decimal", ",",
                                 *SMALL, "-o", "adam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "from 2 features" in (out / "report.html").read_text()
    return path, out


def _small_search(path, out) -> list[str]:
    """`descend tune` of the file made by :func:`_european` (its decimal commas), small, without its separator."""
    return ["tune", "--csv", str(path), "--column", "y", "--decimal", ",", "--trials", "2", "--cohort", "2", "--steps",
            "5", "--seeds", "0", "--quiet", "--out", str(out)]


@pytest.mark.parametrize("sep", ["||", "..", "::", "; "])
def test_a_separator_of_several_characters_is_read_as_written(tmp_path, sep):
    """pandas reads a separator of several characters as a regular expression: --sep '||' split the empty text
    between every two characters (a file of 9 columns refused), --sep '..' any two characters."""
    path, out = _compared_with_separator(tmp_path, sep, sep)
    assert f'sep = "{sep}"' in (out / "config.toml").read_text()
    new = tmp_path / "new.csv"
    new.write_text(f"a{sep}b\n1,5{sep}-0,5\n")
    predicted = runner.invoke(app, ["predict", str(out / "model-adam.pt"), str(new)])
    assert predicted.exit_code == 0 and len(predicted.stdout.splitlines()) == 2, predicted.output
    given = runner.invoke(app, ["predict", str(out / "model-adam.pt"), str(new), "--sep", sep])  # as compare reads it
    assert given.exit_code == 0 and given.stdout == predicted.stdout, given.output
    # the search's study records it as given: resumed with the same flags, another separator refused by name
    tune = _small_search(path, tmp_path / "t")
    assert runner.invoke(app, [*tune, "--sep", sep]).exit_code == 0
    assert runner.invoke(app, [*tune, "--sep", sep]).exit_code == 0
    other = runner.invoke(app, [*tune, "--sep", sep, "--max-categories", "5"])  # (sep='; ' split its record)
    assert other.exit_code == 2 and other.stderr.startswith(
        "error: --max-categories: study 'eu' was made with max_categories not set (the task's default), not "
        "max_categories=5;"), other.output


def test_a_search_made_with_a_separator_holding_a_semicolon_and_a_space_names_it(tmp_path):
    """A study's record of its task is "name; key=value; ...": sep='; ' was split inside its value, and the refusal
    of another separator named "--task-option ', --sep" with settings "'=" and "sep='"."""
    path = _european(tmp_path)
    path.write_text(path.read_text().replace(";", "; "))
    tune = _small_search(path, tmp_path / "t")
    assert runner.invoke(app, [*tune, "--sep", "; "]).exit_code == 0
    other = runner.invoke(app, [*tune, "--sep", ";"])  # (the space after it is read as the values' own)
    assert other.exit_code == 2 and other.stderr.startswith(
        "error: --sep: study 'eu' was made with sep='; ', not sep=';'; give the same"), other.output


@pytest.mark.parametrize("sep, written", [(r"\s+", "  \t "), (" +", "   "), (r"\s*;\s*", " ;  "),
                                          (r"\|\|", "||")])
def test_a_separator_written_as_a_pattern_is_read_as_pandas_reads_it(tmp_path, sep, written):
    """--sep '\\s+' (any run of spaces and tabs), ' +', and '\\|\\|' (how '||' was read before it was read as
    written) stay the regular expressions pandas reads them as: the reports and studies made with them read alike."""
    _, out = _compared_with_separator(tmp_path, written, sep)
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0


def test_a_reading_setting_given_as_a_task_option_over_a_settings_file(tmp_path):
    """With --config, the --task-option items were read as the task options' numbers and lists before they became
    their settings: decimal=, was "('', '')", na_values=-1 the number -1; both refused."""
    path = _european(tmp_path)
    (tmp_path / "c.toml").write_text(f'csv = "{path}"\ncolumn = "y"\nsep = ";"\noptimizer = ["adam"]\n'
                                     'steps = 20\nseeds = 1\nlr = "0.05"\n')
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--config", str(tmp_path / "c.toml"), "--task-option", "decimal=,",
                                 "--task-option", "na_values=-1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = (out / "config.toml").read_text()
    assert 'decimal = ","' in written and 'na_values = [\n    "-1",\n]' in written, written
    # over a file's [task_options] of the same key, the command line's wins (it was refused as "--decimal and
    # --task-option decimal=, both set decimal", naming what was not typed)
    (tmp_path / "t.toml").write_text(f'csv = "{path}"\ncolumn = "y"\noptimizer = ["adam"]\nsteps = 20\nseeds = 1\n'
                                     'lr = "0.05"\n[task_options]\nsep = ","\ndecimal = "."\n')
    for given in (["--task-option", "sep=;", "--task-option", "decimal=,"], ["--sep", ";", "--decimal", ","]):
        again = runner.invoke(app, ["compare", "--config", str(tmp_path / "t.toml"), *given, "--quiet", "--out",
                                    str(tmp_path / given[0])])
        assert again.exit_code == 0, again.output
        assert 'decimal = ","' in (tmp_path / given[0] / "config.toml").read_text()


def test_csv_flags_reach_the_report_and_its_config(tmp_path):
    path = _bad_files(tmp_path)["missing"]
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price", "--dropna", "--drop", "city",
                                 "--no-standardize-target", "--loss", "huber", "--init", "zeros", "--clip-norm", "1",
                                 *SMALL, "-o", "adam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = (out / "config.toml").read_text()
    for line in ("dropna = true", 'drop = [\n    "city",\n]', "loss = \"huber\"", 'init = "zeros"', "clip_norm = 1.0",
                 "standardize_target = false"):
        assert line in written, (line, written)
    again = runner.invoke(app, ["compare", "--config", str(out / "config.toml"), "--out", str(tmp_path / "again"),
                                "--quiet"])
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again" / "config.toml").read_text().split("\n", 2)[2] == written.split("\n", 2)[2]


def test_standardizing_a_class_column_is_refused(tmp_path):
    """--standardize-target on a column of classes was accepted and did nothing."""
    path = tmp_path / "churn.csv"
    path.write_text("a,b,left\n" + "".join(f"{i % 5}.5,{(7 * i) % 11}.25,{'yes' if i % 3 else 'no'}\n"
                                            for i in range(40)))
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "left", "--standardize-target", *SMALL,
                                 "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and not (tmp_path / "never").exists()
    assert "--standardize-target: --csv" in result.output and "is binary classification (column 'left' holds " \
        "classes), which has no scale to standardize; leave it out" in result.output, result.output


def test_a_column_whose_name_holds_a_comma_is_given_in_double_quotes(tmp_path):
    path = tmp_path / "sales.csv"
    rows = ["size,\"row, id\",\"price, usd\""] + [f"{i % 7 + 1},{i + 1},{2 * (i % 7) + 3.5 + i % 2}"
                                                  for i in range(40)]
    path.write_text("\n".join(rows) + "\n")
    # a column numbering the rows is refused, its fix naming the column as the flag reads it back
    refused = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price, usd", *SMALL, "--out",
                                  str(tmp_path / "no")])
    assert refused.exit_code == 2 and "--drop '\"row, id\"'" in refused.output, refused.output
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price, usd", "--drop", '"row, id"',
                                 *SMALL, "-o", "adam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'drop = [\n    "row, id",\n]' in (out / "config.toml").read_text()


@pytest.mark.parametrize("workers", ["0", "2"])
def test_quiet_prints_only_the_report_for_a_file_named_in_japanese(tmp_path, workers):
    """売上データ.csv: --quiet printed 61 lines of matplotlib's 'Glyph ... missing from font(s)' warnings, from the
    process writing the report and from its drawing workers."""
    path = tmp_path / "売上データ.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 7}.5,{i % 5}.25,{'yes' if i % 3 else 'no'}\n" for i in range(40)))
    done = subprocess.run([sys.executable, "-m", "descend", "compare", "--csv", str(path), "--column", "label", "-o",
                           "adam", "-o", "sgd", *SMALL, "--out", str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "DESCEND_REPORT_WORKERS": workers})
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr
    assert done.stdout == f"report: {tmp_path / 'r' / 'report.html'}\n", done.stdout


def test_a_csv_file_named_dot_dot_csv_has_a_report_folder_of_its_own(tmp_path, monkeypatch):
    """'..csv' (stem '.') wrote its report into reports/. itself; '...csv' (stem '..') was refused as --out
    'reports/..', an option not given."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    rows = "a,b,y\n" + "".join(f"{i % 7}.5,{i % 5}.25,{i % 7 + 2 * (i % 5)}.75\n" for i in range(40))
    for name in ("..csv", "...csv"):
        (tmp_path / "data" / name).write_text(rows)
    first = runner.invoke(app, ["compare", "--csv", "data/..csv", "--column", "y", "-o", "adam", *SMALL])
    assert first.exit_code == 0 and "report: reports/csv/report.html" in first.output, first.output
    # the same default folder: the message names the default, not an --out the user did not give
    second = runner.invoke(app, ["compare", "--csv", "data/...csv", "--column", "y", "-o", "adam", *SMALL])
    assert second.exit_code == 2 and second.stderr.strip() == (
        "error: the default --out 'reports/csv' already holds a report; use --force to overwrite it or choose another "
        "directory"), second.output
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == ["csv"]


def test_a_column_whose_name_has_spaces_at_its_ends_is_given_in_double_quotes(tmp_path):
    """--features '"trail ",a' was read as trail and a (a quoted name lost its spaces): it could not be named."""
    path = tmp_path / "trail.csv"
    path.write_text("a,trail ,y\n" + "".join(f"{i % 7}.5,{i % 5}.25,{i % 7 + 2 * (i % 5)}.75\n" for i in range(40)))
    # unquoted, the spaces at an item's ends are not its own: the advice spells the name quoted, as typed
    refused = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", "--features", "trail ,a", *SMALL,
                                  "--out", str(tmp_path / "no")])
    assert refused.exit_code == 2 and "'trail' is not a column; did you mean --features '\"trail \",a'?" \
        in refused.output, refused.output
    for flag, given in (("--features", '"trail ",a'), ("--drop", ' "trail "')):
        out = tmp_path / flag[2:]
        result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", flag, given, *SMALL, "-o", "adam",
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        written = tomllib.loads((out / "config.toml").read_text())
        assert written.get("features", ["trail ", "a"]) == ["trail ", "a"] and written.get("drop", ["trail "]) == \
            ["trail "], written
    # and a settings file's list keeps each name as it is
    (tmp_path / "c.toml").write_text(f'csv = "{path}"\ncolumn = "y"\nfeatures = ["trail "]\n')
    result = runner.invoke(app, ["compare", "--config", str(tmp_path / "c.toml"), *SMALL, "-o", "adam", "--out",
                                 str(tmp_path / "toml")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("args, message", [
    (["line", "--loss", "bce"], "--loss bce is a binary classification loss; task 'line' is regression: choose one "
                                "of mse"),
    (["rosenbrock", "--loss", "mse"], "task 'rosenbrock' is a landscape, whose cost is the function itself"),
    (["line", "--loss", "msee"], "--loss 'msee': unknown loss 'msee'; did you mean 'mse'?"),
    (["line", "--init", "zeros"], "--init zeros: the model of task 'line' starts from given values of its named "
                                  "parameters (w, b), not from drawn weights; set them with --start"),
    (["digits", "--start", "1,2"], "--start 1,2: task 'digits' has no start point"),
    (["line", "--standardize-target"], "--standardize-target: task 'line' keeps its target as it is"),
    (["line", "--clip-norm", "0"], "--clip-norm '0': a positive number is required"),
    (["line", "--start", "a,b"], "--start 'a,b': give the start's coordinates as numbers"),
    (["ellipse", "--sep", ";"], "--sep applies to a CSV file (--csv PATH --column COL), not to a task"),
    (["ellipse", "--dropna"], "--dropna applies to a CSV file"),
    (["rosenbrock", "--batch-size", "32"], "--batch-size 32 does not apply: task 'rosenbrock' has no data (its cost is "
                                           "one function, with no samples to batch); give --batch-size full"),
    (["line", "--kind", "regresion"], "did you mean 'regression'"),
    (["diabetes", "--loss", "mape"], "--loss mape divides each error by the target |y|, and task 'diabetes' "
                                     "standardises its target on the training split (centred on 0: rows near the "
                                     "mean would weigh most): train on the column's own values with "
                                     "--no-standardize-target"),
    # house-prices takes the loss as its own option: it was built with it, unchecked
    (["house-prices", "--loss", "mape"], "--loss mape divides each error by the target |y|, and task 'house-prices' "
                                         "standardises its target"),
    (["house-prices", "--loss", "cross-entropy"], "--loss cross-entropy is a multiclass classification loss; task "
                                                  "'house-prices' is regression: choose one of mse"),
    # a novice's typing: three dots trained 0.001..0.01 (.1e-1), a decimal comma said "'0' must be positive",
    # -o adam,sgd suggested amsgrad, --task-option without a value
    (["line", "--lr", "1e-3...1e-1:3"], "--lr '1e-3...1e-1:3': a range is LOW..HIGH[:N], with two dots, e.g. "
                                        "1e-3..1e-1:3"),
    (["line", "--lr", "0,01"], "--lr '0,01': decimals take a point, --lr 0.01"),
    (["line", "--target", "0,1"], "(decimals take a point: --target 0.1)"),
    (["line", "-o", "adam,sgd"], "'adam,sgd' names 2 optimizers; give each on its own (on the command line: -o adam "
                                 "-o sgd)"),
    (["vanishing", "--task-option", "hidden"], "--task-option 'hidden': give KEY=VALUE, e.g. --task-option "
                                               "hidden=relu"),
    # lists separated by spaces: Click's usage block, not naming the flag; -o adam sgd: "unknown task 'sgd'"
    (["line", "--lr", "0.01", "0.1"], "--lr takes several values in one, separated by commas without spaces: --lr "
                                      "0.01,0.1"),
    (["rosenbrock", "--start", "-1.5", "2"], "--start -1.5,2"),
    (["-o", "adam", "sgd"], "'sgd' is an optimizer, not a task: name a task (descend list tasks); an optimizer is "
                            "given apart (-o sgd)"),
    (["iris", "--loss", "bce"], "--loss bce is a binary classification loss; task 'iris' is multiclass classification: "
                                "choose one of cross-entropy"),
    (["vanishing", "--task-option", "hiden=relu"], "unknown option of task 'vanishing' 'hiden'; did you mean "
                                                   "'hidden'?"),
])
def test_new_flags_refuse_what_does_not_apply_in_the_cli_words(tmp_path, args, message):
    result = runner.invoke(app, ["compare", *args, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert message in result.output, result.output


def test_new_flags_change_the_runs(tmp_path):
    from dataclasses import replace

    from descend.compare import resolve

    config, task = resolve("rosenbrock", start=[-1.5, 2.0], clip_norm=1.0, optimizers=["gd"], lr=[1e-3], steps=3,
                           seeds=1)
    assert task.model.init([0])[0].item() == -1.5 and config.task_options["start"] == (-1.5, 2.0)
    assert config.start is None and config.clip_norm == 1.0  # the start is the task's option: written once
    clipped = descend.compare.compare(config, task).summary["final_train_loss"].iloc[0]
    free = descend.compare.compare(replace(config, clip_norm=None), task).summary["final_train_loss"].iloc[0]
    assert clipped != free  # the gradient at (-1.5, 2) has norm ~ 1e3: clipped to 1, the steps are other steps
    config, task = resolve("house-prices", loss="mae", optimizers=["adam"], steps=2, seeds=1)
    assert task.loss == "mae" and config.task_options["loss"] == "mae" and config.loss is None
    config, task = resolve("digits", init="zeros", optimizers=["adam"], steps=2, seeds=1, batch_size="32")
    comparison = descend.compare.compare(config, task)
    assert "init='zeros'" in repr(comparison.task.model)


def test_random_search_alone_writes_its_report(tmp_path):
    """Random search has no learning rate: alone, its comparison's report failed on the missing column (and
    the process aborted); beside another optimizer it always worked."""
    result = runner.invoke(app, ["compare", "ellipse", "-o", "random-search", "--steps", "5", "--no-animation",
                                 "--out", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert summary["lr"].isna().all() and (tmp_path / "r" / "report.html").exists()


def test_a_file_with_thousands_separators_names_both_flags_and_reads_with_them(tmp_path):
    path = tmp_path / "euro.csv"
    path.write_text("area;price\n" + "".join(f"{100 + i},5;{i % 7 + 1}.{275 + i:03d},16\n" for i in range(40)))
    for given in ([], ["--decimal", ","]):
        refused = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price", "--sep", ";", *given, *SMALL,
                                      "--out", str(tmp_path / "no")])
        assert refused.exit_code == 2 and "read the file with --decimal , --thousands ." in refused.output, \
            refused.output
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price", "--sep", ";", "--decimal", ",",
                                 "--thousands", ".", *SMALL, "-o", "adam", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert 'thousands = "."' in (out / "config.toml").read_text()
    same = runner.invoke(app, ["compare", "--csv", str(path), "--column", "price", "--sep", ";", "--decimal", ",",
                               "--thousands", ",", *SMALL, "--out", str(tmp_path / "no")])
    assert same.exit_code == 2 and "--thousands , and --decimal , name the same character" in same.output, \
        same.output


def test_a_file_as_task_points_to_csv_and_max_categories_is_a_flag(tmp_path):
    path = tmp_path / "zip.csv"
    rng = np.random.default_rng(0)
    path.write_text("zip,a,y\n" + "".join(f"Z{rng.integers(0, 150)},{v:.4f},{2 * v:.4f}\n"
                                          for v in rng.normal(size=300)))
    as_task = runner.invoke(app, ["compare", str(path), "--out", str(tmp_path / "no")])
    assert as_task.exit_code == 2 and f"is a file, not a task: descend compare and descend tune read a CSV file " \
        f"with --csv {path} --column COL" \
        in as_task.output, as_task.output
    refused = runner.invoke(app, ["compare", "--csv", str(path), "--column", "Y", *SMALL, "--out",
                                  str(tmp_path / "no")])
    assert refused.exit_code == 2 and "did you mean --column y?" in refused.output, refused.output  # case aside
    many = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", *SMALL, "--out", str(tmp_path / "no")])
    assert many.exit_code == 2 and "or raise --max-categories 1" in many.output, many.output
    flag = many.output.split("raise ")[1].split(" if")[0]
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(path), "--column", "y", *flag.split(), *SMALL, "-o", "adam",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output


def test_a_learning_rate_given_twice_is_refused_naming_the_flag(tmp_path):
    result = runner.invoke(app, ["compare", "line", "--steps", "20", "--quiet", "--lr", "0.1,0.1", "--out",
                                 str(tmp_path / "no")])
    assert result.exit_code == 2 and "--lr 0.1,0.1: 0.1 is given twice" in result.output, result.output
    # a batch size twice was trained once, silently: the table had fewer rows than the flag asked for
    result = runner.invoke(app, ["compare", "line", *SMALL, "--batch-size", "8,full,8", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "--batch-size '8,full,8': 8 is given twice" in result.output, result.output


def test_a_formula_starting_with_a_minus_is_told_to_go_after_the_double_dash(tmp_path):
    """'-x**2 - y**2' read as an unknown option -x: the error said no more, and neither --help nor the README
    said how to give it."""
    result = runner.invoke(app, ["compare", "-x**2 - y**2", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and not (tmp_path / "no").exists()
    assert ("No such option: -x. A formula that starts with a minus goes after --, which ends the options: descend "
            "compare [OPTIONS] -- '-x**2 - y**2'") in result.output
    assert "goes after --" not in runner.invoke(app, ["compare", "--bogus"]).output
    # Click names the first letter after the minus: '-exp(...)' had no hint (-e), '-hypot(x, y)' one for '-y'
    for formula in ("-exp(-x**2-y**2)", "-hypot(x, y)", "-2*x**2 + y**4"):
        result = runner.invoke(app, ["compare", formula, "--out", str(tmp_path / "no")])
        assert result.exit_code == 2 and (f"A formula that starts with a minus goes after --, which ends the options: "
                                          f"descend compare [OPTIONS] -- '{formula}'") in result.output, result.output
    assert "goes after --" not in runner.invoke(app, ["compare", "-z"]).output
    # an option's value that starts with a minus is no formula: a mistyped option beside it is told no such thing
    for given in (["rosenbrock", "--start", "-1.5,2", "--stpes", "10"], ["six-hump-camel", "--target", "-1.03",
                                                                          "--stesp", "5"]):
        result = runner.invoke(app, ["compare", *given])
        assert result.exit_code == 2 and "No such option: --st" in result.output, result.output
        assert "goes after --" not in result.output, result.output
    shown = runner.invoke(app, ["compare", *SMALL, "-o", "gd", "--out", str(tmp_path / "r"), "--", "-x**2 + y**2"])
    assert shown.exit_code == 0, shown.output


def test_two_formulas_compared_with_the_default_out_write_two_reports(tmp_path, monkeypatch):
    """Every formula is a task named 'formula': the README's two formula lines, run in a row, stopped at the second
    ('reports/formula' already holds a report)."""
    monkeypatch.chdir(tmp_path)
    for formula in ("x**2 + 10*sin(y)", "x**2 - 10*sin(y)"):
        result = runner.invoke(app, ["compare", formula, *SMALL, "-o", "adam"])
        assert result.exit_code == 0, result.output
    folders = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert len(folders) == 2 and all(f.startswith("formula-x-2-") for f in folders), folders
    assert all((tmp_path / "reports" / f / "report.html").exists() for f in folders)


def test_json_never_replaces_a_file_that_is_not_descends(tmp_path):
    """--json sales.csv (the data file itself) turned the CSV into JSON, and the next run could not read it."""
    data = tmp_path / "sales.csv"
    x = np.random.default_rng(0).normal(size=(60, 2))
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "price": x @ [1.0, -2.0]}).to_csv(data, index=False)
    before = data.read_text()
    result = runner.invoke(app, ["compare", "--csv", str(data), "--column", "price", *SMALL, "-o", "adam",
                                 "--out", str(tmp_path / "r"), "--json", str(data)])
    assert result.exit_code == 2 and "--json" in result.output and "is not a JSON file of descend's" in result.output
    assert data.read_text() == before and not (tmp_path / "r").exists()
    record = tmp_path / "runs.json"  # an earlier --json of descend's is replaced, as before
    for out in ("r1", "r2"):
        result = runner.invoke(app, ["compare", "line", *SMALL, "-o", "adam", "--out", str(tmp_path / out), "--json",
                                     str(record)])
        assert result.exit_code == 0, result.output
    assert json.loads(record.read_text())["descend"]


def test_json_to_standard_output_is_refused_before_any_work(tmp_path, monkeypatch):
    """--json /dev/stdout into a pipe hung for ever (reading the pipe to see whether it held descend's JSON), and
    --json - wrote a file named - without a word."""
    monkeypatch.chdir(tmp_path)
    read, write = os.pipe()  # a pipe, as | cat gives (its writer closed: a regression reads EOF instead of hanging)
    os.close(write)
    try:
        for given, words in ((f"/dev/fd/{read}", "is not a regular file (a device or a pipe)"),
                             ("-", "--json -: the results are written whole to a file")):
            result = runner.invoke(app, ["compare", "line", *SMALL, "-o", "adam", "--out", str(tmp_path / "r"),
                                         "--json", given])
            assert result.exit_code == 2 and words in result.output, result.output
            assert not (tmp_path / "r").exists() and not (tmp_path / "-").exists()
    finally:
        os.close(read)


@pytest.mark.parametrize("where, words", [
    # --steps 99999999999 ended in a 90-line traceback (MemoryError while planning the batches)
    ("descend.compare.compare", "error: not enough memory for this comparison: give fewer --steps"),
    # 100 runs × 30,000 steps trained, then the report's files ran out of memory: a traceback, exit 1
    ("descend.report.build.write_report", "error: the report could not be written to {out!r}, which is as it was: "
                                          "not enough memory for this report: give fewer --steps"),
])
def test_a_comparison_or_its_report_out_of_memory_is_one_line_naming_the_flags(tmp_path, monkeypatch, where, words):
    def no_memory(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(where, no_memory)
    out = str(tmp_path / "r")
    result = runner.invoke(app, ["compare", "line", *SMALL, "-o", "adam", "--out", out])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.output.strip().splitlines()[-1].startswith(words.format(out=out)), result.output
    assert not (tmp_path / "r").exists()


def test_torchs_failed_allocation_and_a_full_compile_cache_are_one_line_each(tmp_path, monkeypatch):
    """Under `ulimit -v` torch's "std::bad_alloc" (a RuntimeError) was an 89-line traceback; a compile cache on a
    full disk (with --compile) 3,282 lines ending in Inductor's CppCompileError."""
    import errno

    import descend.compare as cmp

    for error, words in ((RuntimeError("std::bad_alloc"), "error: not enough memory for this comparison: give "),
                         (RuntimeError("CppCompileError: C++ compile error"), None)):
        def failing(*args, error=error, **kwargs):
            raise error

        if words is None:  # as Inductor raises it: its own error, raised from the disk's
            try:
                try:
                    raise OSError(errno.ENOSPC, "No space left on device")
                except OSError as e:
                    raise RuntimeError("InductorError: CppCompileError: C++ compile error") from e
            except RuntimeError as e:
                error = e
            words = "error: no space left on the device for the compiled programs (in "
        monkeypatch.setattr(cmp, "compare", lambda *a, error=error, **k: (_ for _ in ()).throw(error))
        result = runner.invoke(app, ["compare", "line", *SMALL, "-o", "adam", "--out", str(tmp_path / "r")])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert result.output.strip().splitlines()[-1].startswith(words), result.output
    assert "set DESCEND_CACHE_DIR to a folder with room, or train without --compile" in result.output


def test_an_option_given_no_value_is_named(tmp_path):
    """--steps --lr 0.1: --steps took "--lr" as its value, and the error spoke of an extra argument 0.1."""
    result = runner.invoke(app, ["compare", "line", "--steps", "--lr", "0.1", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and not (tmp_path / "no").exists()
    assert "--steps needs a value (it took the option --lr as its value): give --steps VALUE" in result.output


def test_a_task_option_from_the_command_line_builds_the_task_and_is_written(tmp_path):
    """Seed 002's exploding gradients needed hidden="relu", which only a configuration file could give."""
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "vanishing", "--task-option", "hidden=relu", "--task-option", "depth=8",
                                 "--init", "normal", "--init-scale", "1", "-o", "sgd", "--lr", "0.1", "--seeds", "1",
                                 "--steps", "5", "--quiet", "--no-animation", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = tomllib.loads((out / "config.toml").read_text())["task_options"]
    assert written["hidden"] == "relu" and written["depth"] == 8
    assert (pd.read_csv(out / "summary.csv")["status"] == "diverged").all()  # the gradients explode


def test_a_relative_csv_path_in_a_config_file_is_read_from_the_files_folder(tmp_path, monkeypatch):
    """A hand-written configuration file beside its data was read from the working folder instead: run from
    elsewhere, "does not exist" (or another file of the same name)."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "sales.csv").write_text("size,price\n" + "".join(f"{i % 7 + 1},{2 * (i % 7) + 3.5}\n"
                                                                       for i in range(30)))
    (project / "settings.toml").write_text('csv = "data/sales.csv"\ncolumn = "price"\noptimizer = ["adam"]\n'
                                           "steps = 5\nseeds = 1\nlr = 0.05\n")
    monkeypatch.chdir(tmp_path)  # not the file's folder
    result = runner.invoke(app, ["compare", "--config", "project/settings.toml", "--out", "r", "--quiet"])
    assert result.exit_code == 0, result.output
    assert tomllib.loads((tmp_path / "r" / "config.toml").read_text())["csv"] == str(project / "data" / "sales.csv")
    # a path given on the command line is still the working folder's
    result = runner.invoke(app, ["compare", "--config", "project/settings.toml", "--csv", "data/sales.csv",
                                 "--out", "r2", "--quiet"])
    assert result.exit_code == 2 and "data/sales.csv" in result.output, result.output


def test_a_config_files_csv_path_of_the_working_folder_is_named_not_taken(tmp_path, monkeypatch):
    """An earlier release wrote a relative csv path in config.toml from the folder the command ran in: read from the
    file's folder now, it "does not exist", and nothing said why. The message says where it was read from and how to
    name the working folder's file, which --csv then gives."""
    (tmp_path / "sales.csv").write_text("size,price\n" + "".join(f"{i % 7 + 1},{2 * (i % 7) + 3.5}\n"
                                                                 for i in range(30)))
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.toml").write_text('csv = "sales.csv"\ncolumn = "price"\noptimizer = ["adam"]\n'
                                                  "steps = 5\nseeds = 1\nlr = 0.05\n")
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", "--config", "old/config.toml", "--out", "r", "--quiet"])
    said = " ".join(result.output.split())
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert "csv = 'sales.csv' is read from the file's folder, which holds no such file ('old/sales.csv')" in said
    assert f"or give --csv {tmp_path / 'sales.csv'}" in said and not (tmp_path / "r").exists()
    given = runner.invoke(app, ["compare", "--config", "old/config.toml", "--csv", "sales.csv", "--out", "r",
                                "--quiet"])
    assert given.exit_code == 0, given.output


def test_a_path_that_ends_beyond_the_domain_is_drawn_whole_on_a_map_grown_to_hold_it(tmp_path):
    """The ellipse's momentum, at the mirror answer −A, was a stub at the start of the map and the legend named it
    with no mark: the map (its figures, animation and chart alike) now holds every finished path."""
    config = tmp_path / "far.toml"
    config.write_text('task = "(x-3)**2 + (y-3)**2"\noptimizer = ["gd"]\nlr = 0.1\nsteps = 60\nseeds = 1\n'
                      "[task_options]\ndomain = [[-1.0, 1.0], [-1.0, 1.0]]\nstart = [0.5, 0.5]\n")
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--config", str(config), "--out", str(out), "--quiet", "--no-animation"])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    assert "ends outside the map" not in page
    # the domain of the task is unchanged (its configuration, re-run, is the same comparison)
    assert tomllib.loads((out / "config.toml").read_text())["task_options"]["domain"] == [[-1.0, 1.0], [-1.0, 1.0]]


def test_a_surface_holding_points_grows_only_where_they_are_outside():
    from descend.tasks.task import Surface

    surface = Surface(("x", "y"), lambda a, b: a * a + b * b, ((-1.0, 1.0), (-1.0, 1.0)))
    assert surface.holding([(0.5, 0.5), (float("nan"), 7.0)]).domain == ((-1.0, 1.0), (-1.0, 7.4))
    assert surface.holding([(0.5, 0.5)]) is surface
    grown = surface.holding([(3.0, 0.0)])
    a, b, j = grown.grid(5)
    assert float(a.max()) == pytest.approx(3.2) and torch_equal(j, a * a + b * b)


def torch_equal(x, y):
    import torch

    return bool(torch.equal(x, y))


@pytest.mark.parametrize("value, words", [("two", "DESCEND_REPORT_WORKERS='two' must be a whole number"),
                                          ("-4", "DESCEND_REPORT_WORKERS=-4 must be at least 0")])
def test_a_bad_report_workers_variable_is_one_line_before_any_work(tmp_path, monkeypatch, value, words):
    """'two' was a traceback; -4 was taken as 0 without a word."""
    monkeypatch.setenv("DESCEND_REPORT_WORKERS", value)
    result = runner.invoke(app, ["compare", "parabola", *SMALL, "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and words in result.output and not (tmp_path / "r").exists(), result.output


@pytest.mark.parametrize("closed", ["1", "2"])
def test_a_command_with_a_closed_standard_stream_ends_as_it_would_otherwise(closed):
    """With stdout or stderr closed (`>&-`), every command ended on a traceback and exit 1 once done."""
    done = subprocess.run(["bash", "-c", f'"{sys.executable}" -m descend list {closed}>&-'], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr + done.stdout, done.stderr[-500:]


def test_with_no_color_the_best_cells_are_starred_as_the_caption_says(monkeypatch):
    """NO_COLOR in a terminal: rich keeps its colour system and strips the green as it renders, so the best cells
    had neither colour nor star, under a caption that said "green: best per metric"."""
    from rich.console import Console

    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("FORCE_COLOR", "1")
    table = cli._table_of(pd.DataFrame({"final train loss": [0.1, 0.2]}, index=["adam", "sgd"]),
                          {"final train loss": ["adam"]}, "t", width=80)
    console = Console(width=80)
    with console.capture() as captured:
        console.print(table)
    text = captured.get()
    assert "0.1*" in text and "*: best per metric" in text and "green" not in text, text


def test_a_csv_file_whose_name_is_not_utf8_is_refused_before_training(tmp_path):
    """A Latin-1 é in the file's name: trained, then the report failed ("surrogates not allowed")."""
    name = os.fsdecode(b"caf\xe9.csv")
    (tmp_path / name).write_text("a,y\n" + "".join(f"{(7 * i) % 11 / 3:.3f},{i * 0.5 + 1.25}\n" for i in range(30)))
    result = runner.invoke(app, ["compare", "--csv", str(tmp_path / name), "--column", "y", *SMALL, "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 2 and "the file's name is not UTF-8 text" in result.output, result.output
    assert not (tmp_path / "r").exists()


def test_a_value_from_a_config_file_is_named_as_the_files_when_the_task_refuses_it(tmp_path):
    """The checks that need the task named a file's value by its flag (--start 1: ...), which the user never gave."""
    config = tmp_path / "bad.toml"
    config.write_text('task = "line"\nstart = [1.0]\n')
    result = runner.invoke(app, ["compare", "--config", str(config), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and f"start (in {config}) 1: give 2 numbers (w, b)" in result.output, result.output
    config.write_text('task = "line"\nbatch_size = "500"\n')
    result = runner.invoke(app, ["compare", "--config", str(config), "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and f"batch_size (in {config}) 500 is larger" in result.output, result.output
    result = runner.invoke(app, ["compare", "--config", str(config), "--batch-size", "800", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--batch-size 800 is larger" in result.output, result.output


@pytest.mark.parametrize("args, message", [
    (["--task-option", "m=abc"], "--task-option m: m='abc' is not allowed; a whole number >= 1 is required"),
    # a key given twice, or a setting given in two places: one of them won without a word
    (["--schedule", "step:gamma=0.5,gamma=0.1,step_size=5"], "--schedule 'step:gamma=0.5,gamma=0.1,step_size=5': "
                                                             "gamma is given twice"),
    (["--task-option", "steps=7", "--steps", "3"], "--steps and --task-option steps=7 both set steps; give it in "
                                                   "one place"),
    (["--task-option", "start=1,2", "--start", "3,4"], "--start and --task-option start=1,2 both set start"),
    (["--task-option", "data_seed=1.5"], "--task-option data_seed: data_seed=1.5 is not allowed; a whole number"),
    (["-o", "random-search:scale=0"], "--optimizer 'random-search:scale=0': scale=0 is out of range"),
    (["--batch-size", "\u00b2"], "--batch-size '\u00b2': '\u00b2' is not a batch size"),
    (["--task-option", "nope=1"], "--task-option: unknown option of task 'line' 'nope'"),
    (["--batch-size", "hybrid(0,8,64)"], "--batch-size 'hybrid(0,8,64)': first=0 is out of range"),
    (["--mp4", "--no-animation"], "--mp4 writes the animation of the paths as a video, and --no-animation writes "
                                  "no animation"),
])
def test_what_the_flags_are_refused_for_names_the_flag(tmp_path, args, message):
    """Each was a message naming a Python argument or none (m='abc' ..., first=0 ...), or no word at all (--mp4
    with --no-animation wrote no video)."""
    result = runner.invoke(app, ["compare", "line", *args, "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and message in result.output and not (tmp_path / "never").exists(), result.output


def test_the_terminal_says_why_a_row_has_no_result_and_which_optimizer_has_no_row(tmp_path):
    """An ellipse row of dashes said "diverged 0%" where every run had left the model's domain (no such column on
    the terminal), and in tuned mode an optimizer whose every search trial diverged was in no row, unsaid."""
    import pandas as pd

    from descend.cli import _compact

    table = pd.DataFrame({"lr": [0.01, 0.01], "final train loss": [None, 0.04], "divergence rate": [0.0, 0.0],
                          "left-domain rate": [1.0, 0.0], "pruned rate": [0.0, 0.0]}, index=["rmsprop", "gd"])
    assert list(_compact(table).columns) == ["lr", "final train loss", "divergence rate", "left-domain rate"]
    assert "left-domain rate" not in _compact(table.assign(**{"left-domain rate": 0.0})).columns
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "gd", "-o", "adam", "--mode", "tuned", "--lr",
                                 "5..30", "--budget", "2", "--steps", "20", "--seeds", "1", "--no-animation", "--out",
                                 str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "note: gd: every trial of the learning-rate search diverged" in result.output, result.output


def test_a_schedule_from_a_config_file_under_epochs_lasts_the_epochs_steps(tmp_path):
    """--config FILE --epochs 3 with the file's cosine was refused (the advice named "steps (in FILE)", the very
    setting --epochs took out); each batch size's schedule now lasts the steps it takes in those epochs."""
    import pandas as pd

    config = tmp_path / "c.toml"
    config.write_text('task = "line"\noptimizer = ["sgd"]\nseeds = 1\nsteps = 20\nschedule = "cosine"\n'
                      'batch_size = "full,32"\n')
    result = runner.invoke(app, ["compare", "--config", str(config), "--epochs", "3", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(tmp_path / "r" / "summary.csv")
    assert sorted(summary["steps_done"].unique().tolist()) == [3, 12]  # 120 training rows: 1 and 4 batches an epoch


@pytest.mark.parametrize("args, message", [
    (["ellipse", "--task-option", "n=5.5"], "--task-option n: n=5.5 is not allowed; a whole number >= 1"),
    (["ellipse", "--task-option", "n=0"], "--task-option n: n=0 is not allowed"),
    (["rosenbrock", "--task-option", "form=bogus"], "--task-option form: form='bogus' is not allowed; choose one of"),
    (["vanishing", "--task-option", "init=xavier", "--init", "he"], "--init and --task-option init=xavier both set "
                                                                     "init; give it in one place"),
    (["iris", "--task-option", "hidden=32.0"], "give the hidden layers' widths, positive whole numbers (32, or "
                                               "64,16 for two layers"),
])
def test_a_task_option_is_read_as_given_or_refused_in_its_own_name(tmp_path, args, message):
    """The ellipse's n=5.5 said "n=7.5", n=0 "x is empty"; form=bogus vanished without noise; --init won over the
    task's own init without a word; hidden's advice, (32,) or (), was what the command line cannot write."""
    result = runner.invoke(app, ["compare", *args, "-o", "adam", "--steps", "3", "--seeds", "1",
                                 "--out", str(tmp_path / "never")])
    assert result.exit_code == 2 and message in result.output and not (tmp_path / "never").exists(), result.output


def test_what_the_small_languages_mean_is_what_runs(tmp_path):
    """--lr .001..0.1 was "not a number"; -o adam:amsgrad=1 ran as True but was recorded and labelled 1;
    step_size=1e1 was refused as a float; iris's hidden=none is a linear model."""
    import pandas as pd

    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "iris", "-o", "adam:amsgrad=1", "--lr", ".001..0.1:2", "--schedule",
                                 "step:step_size=1e1,gamma=0.5", "--task-option", "hidden=none", "--steps", "3",
                                 "--seeds", "1", "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["lr"]) == {0.001, 0.1} and set(summary["amsgrad"].astype(str)) == {"True"}
    assert set(summary["label"]) == {"adam(amsgrad=true)"}
    assert "step_size=10" in summary["schedules"][0]
    from descend import tasks

    assert tasks.get("iris", hidden="none").model.sizes == (4, 3)  # no hidden layer, as hidden=() in Python


@pytest.mark.parametrize("command", [
    ["compare", "line", "--steps", "5", "--seeds", "1", "-o", "adam"],
    ["tune", "line", "--steps", "5", "--trials", "2", "--cohort", "2", "--seeds", "1"],
])
def test_a_standard_error_whose_reader_has_gone_leaves_the_work_whole(tmp_path, command):
    """descend compare ... 2>&1 | head -1: the progress bar's next write (or the line saying where the study is)
    ended the process, exit 1, no report, and the search's trials trained for nothing."""
    read, write = os.pipe()
    os.close(read)  # no reader: every write to standard error fails
    try:
        done = subprocess.run([sys.executable, "-m", "descend", *command, "--out", str(tmp_path / "r")],
                              stdout=subprocess.PIPE, stderr=write, text=True, timeout=300)
    finally:
        os.close(write)
    assert done.returncode == 0, done.stdout
    assert (tmp_path / "r" / "report.html").is_file() and "report.html" in done.stdout, done.stdout


def test_flags_that_did_nothing_or_led_nowhere_are_refused_before_any_work(tmp_path, monkeypatch):
    """--mp4 on a task without paths wrote no video without a word; --plugin with a file that is not Python was an
    AttributeError ('NoneType' object has no attribute 'loader'); --out '' wrote tune's search and landscape's
    figures into the working directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lion.txt").write_text("x = 1\n")
    cases = [
        (["compare", "iris", "--mp4", "--out", "r"], "--mp4 writes the animation of the paths over a two-parameter "
                                                    "task's surface, and task 'iris' has none"),
        (["compare", "line", "-o", "adam", "--plugin", "./lion.txt", "--out", "r"],
         "--plugin './lion.txt': a file that is not Python (a plugin is a .py file, or a module's name)"),
        (["tune", "line", "--trials", "4", "--cohort", "4", "--steps", "5", "--out", ""], "--out '': give a directory"),
        (["landscape", "rosenbrock", "--steps", "5", "--out", ""], "--out '': give a directory"),
    ]
    for args, words in cases:
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and words in result.output, (args, result.output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lion.txt"]


def test_a_reports_config_is_rerun_with_start_and_another_mode_given_on_the_command_line(tmp_path):
    """config.toml holds line's start in [task_options]: re-running it with --start was refused ("--start and
    task_options (in FILE) start=-2.0,3.0 both set start"), though the command line wins over the file; a mode given
    takes out what of the file cannot go with it, and says so."""
    first = tmp_path / "first"
    result = runner.invoke(app, ["compare", "line", "-o", "gd", *SMALL, "--no-animation", "--out", str(first)])
    assert result.exit_code == 0, result.output
    config = first / "config.toml"
    assert "start" in tomllib.loads(config.read_text())["task_options"]
    again = tmp_path / "again"
    result = runner.invoke(app, ["compare", "--config", str(config), "--start", "1,1", "--mode", "defaults",
                                 "--no-animation", "--quiet", "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert f"note: --mode defaults takes out lr (in {config}) 0.05: defaults runs every optimizer at its default " \
        "learning rate" in result.stderr, result.output
    written = tomllib.loads((again / "config.toml").read_text())
    assert written["task_options"]["start"] == [1.0, 1.0] and written["mode"] == "defaults" and "lr" not in written


def test_a_figure_that_raises_is_said_on_the_terminal_under_quiet_too(tmp_path, monkeypatch):
    """A figure whose drawing raised an error (a defect) was left out of the report with a note in the page only:
    the command said nothing and exited 0 as if the report were whole."""
    from descend.report import figures

    def broken(*args, **kwargs):
        raise TypeError("a simulated defect")

    monkeypatch.setenv("DESCEND_REPORT_WORKERS", "0")  # drawn in this process, where the patch is
    monkeypatch.setattr(figures, "loss_curves", broken)
    result = runner.invoke(app, ["compare", "rosenbrock", "-o", "gd", "--steps", "20", "--quiet", "--no-animation",
                                 "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    said = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert said and all(line.endswith("is not in the report: it could not be drawn (TypeError: a simulated defect)")
                        for line in said), result.stderr
    assert "warning: figure loss-step is not in the report" in result.stderr
    html = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "figure loss-step skipped: it could not be drawn (TypeError: a simulated defect)" in html
    rebuilt = runner.invoke(app, ["report", str(tmp_path / "r"), "--out", str(tmp_path / "again")])
    assert rebuilt.exit_code == 0 and "warning: figure loss-step is not in the report" in rebuilt.stderr


def _rows_csv(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,a,b,y\n" + "".join(f"{i},{i % 7}.5,{(3 * i) % 5}.25,{(i % 4) * 0.5}\n" for i in range(40)))
    return path


def test_a_csv_setting_given_by_flag_and_by_task_option_is_refused_and_one_column_is_a_list(tmp_path):
    """--drop id --task-option drop=a trained with id dropped alone (the option lost without a word, and a search's
    resume command repeated it); --task-option drop=id was refused, then its advice drop=['id'] refused too."""
    path = _rows_csv(tmp_path)
    common = ["compare", "--csv", str(path), "--column", "y", "-o", "gd", "--seeds", "1", "--steps", "3"]
    for flag, option in ((["--drop", "id"], "drop=a"), (["--sep", ","], "sep=;")):
        result = runner.invoke(app, [*common, *flag, "--task-option", option, "--out", str(tmp_path / "r")])
        assert result.exit_code == 2, result.output
        key = option.partition("=")[0]
        assert f"{flag[0]} and --task-option {option} both set {key}; give it in one place" in result.output
        assert not (tmp_path / "r").exists()
    by_option = runner.invoke(app, [*common, "--task-option", "drop=id", "--out", str(tmp_path / "o")])
    by_flag = runner.invoke(app, [*common, "--drop", "id", "--out", str(tmp_path / "f")])
    assert by_option.exit_code == 0 and by_flag.exit_code == 0, by_option.output + by_flag.output
    assert (pd.read_csv(tmp_path / "o" / "summary.csv")["final_train_loss"].tolist()
            == pd.read_csv(tmp_path / "f" / "summary.csv")["final_train_loss"].tolist())


@pytest.mark.parametrize("args, message", [
    (["rosenbrock", "--epochs", "3"], "--epochs: task 'rosenbrock' has no data to count epochs over; give --steps"),
    (["rosenbrock", "--batch-size", "hybrid"], "--batch-size hybrid(32,8,512) does not apply: task 'rosenbrock' "
                                               "has no data"),
    (["rosenbrock", "--schedule", ""], "--schedule '': give a schedule such as cosine"),
    (["line", "--seeds", "1000000"], "--seeds 1000000: a whole number from 1 to 1,000 is required"),
    (["line", "--mode", "tuned", "--budget", "100000"], "--budget 100000: a whole number from 2 to 10,000"),
    (["line", "--steps", str(2**62)], f"--steps {2**62}: a whole number from 1 to 1,000,000,000"),
    (["rosenbrock", "--target", "abc"], "--target 'abc' must be a number (the target loss); the column to predict "
                                        "of a --csv file is --column"),  # (it named --csv PATH, an old way)
])
def test_command_line_values_refused_before_any_work_in_its_words(tmp_path, args, message):
    """Each was taken (an epoch of a landscape trained as one step; '' as no schedule; a million seeds ran for
    minutes without a step), or refused in Python's words ("batch_size=hybrid(first=32, ...) ... or None") or
    from inside the engine, naming no flag."""
    result = runner.invoke(app, ["compare", *args, "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split()), result.output
    assert "None" not in result.output and not (tmp_path / "r").exists()


def test_a_task_too_large_for_memory_names_the_task_options(tmp_path, monkeypatch):
    """--task-option m=1000000000 ended in a MemoryError's traceback (or the kernel's kill) while the task was built."""
    import descend.compare_config as config

    def too_large(*args, **kwargs):
        raise MemoryError("Unable to allocate 12.4 GiB")

    monkeypatch.setattr(config, "get_task", too_large)
    result = runner.invoke(app, ["compare", "line", "--task-option", "m=1000000000", "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert ("not enough memory to build the task with --task-option m=1000000000: give smaller --task-option values"
            in " ".join(result.output.split())), result.output


def test_an_animation_into_a_folder_that_cannot_be_written_is_refused_before_training(tmp_path):
    """landscape --animate /proc/a.gif failed after the whole training, its figure already written."""
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "20", "--animate", "/proc/descend-a.gif",
                                 "--out", str(tmp_path / "f")])
    assert result.exit_code == 2, result.output
    assert "--animate '/proc/descend-a.gif': its folder '/proc' cannot be written" in result.output
    assert not (tmp_path / "f").exists()


def test_descend_tunes_options_given_to_compare_name_compares_own(tmp_path):
    """--trials (descend tune's budget) on compare said only "No such option: --trials"; an optimizer misspelt
    near random-search was not told of it, which the list of optimizers left out."""
    result = runner.invoke(app, ["compare", "line", "--trials", "5", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "No such option: --trials. descend compare's trial budget is --budget N, with " \
        "--mode tuned" in result.output, result.output
    result = runner.invoke(app, ["compare", "line", "-o", "random-serch", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "did you mean 'random-search'?" in result.output, result.output
    assert "and random-search where runs are trained" in result.output


def test_the_schedule_and_clipping_of_every_run_are_said_after_the_table(tmp_path):
    """The table named neither --schedule nor --clip-norm, where descend tune says its trials' ("every trial: ...,
    clip_norm 1.0, schedules lr:cosine(...)"): a line after it says them, in the words tune uses for them."""
    from descend.tune.result import training_words

    small = ["--steps", "20", "--seeds", "1", "--lr", "0.05", "--no-animation"]
    given = runner.invoke(app, ["compare", "line", "-o", "gd", *small, "--schedule", "cosine:min_value=0.1",
                                "--clip-norm", "1", "--out", str(tmp_path / "a")], env={"COLUMNS": "150"})
    assert given.exit_code == 0, given.output
    expected = training_words("schedule=cosine:min_value=0.1; clip_norm=1.0; clip_value=None")
    assert expected == "schedule cosine:min_value=0.1, clip_norm 1.0"
    assert f"\nevery run: {expected}\n" in given.stdout
    plain = runner.invoke(app, ["compare", "line", "-o", "gd", *small, "--out", str(tmp_path / "b")])
    assert plain.exit_code == 0 and "every run:" not in plain.stdout
