"""``descend tune`` as a user runs it: its help, a search, bad input (one line naming the option, exit code 2,
nothing trained or written) and Ctrl-C (exit code 130, finished trials kept)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
from typer.testing import CliRunner

import descend
from descend.cli import app
from descend.report.html import _cell_text
from descend.tune import result as api_result
from descend.tune import storage as storage_module
from descend.tune.command import _short

runner = CliRunner()
FAST = ["--steps", "30", "--trials", "8", "--cohort", "4", "--seeds", "2", "--quiet"]


def more(argv: list[str], flag: str, value: str) -> list[str]:
    """``argv`` with ``flag``'s value replaced (a command line refuses an option given twice)."""
    i = argv.index(flag)
    return [*argv[:i + 1], value, *argv[i + 2:]]


def test_help_shows_examples_and_every_option():
    result = runner.invoke(app, ["tune", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for text in ("Examples:", "descend tune digits", "--space", "--trials", "--cohort", "--sampler", "--pruner",
                 "--storage", "--study", "--timeout", "--seeds", "--metric", "--out", "tpe|gp|cmaes|qmc|random|grid",
                 'descend tune digits -o "adam|sgd|rmsprop"', "'adam|sgd': a choice of"):
        assert text in result.stdout, text


def test_a_search_prints_its_table_and_how_to_resume(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "line", "-o", "gd", "-o", "adam", *FAST, "--out", str(out)],
                           env={"COLUMNS": "150"})
    assert result.exit_code == 0, result.output
    assert "study: 'line-gd', 'line-adam' in " in result.stdout
    assert "resume or add workers: descend tune line -o gd -o adam" in result.stdout
    resume = next(line for line in result.stdout.splitlines() if line.startswith("resume or add workers:"))
    assert " --seeds 2 " in resume  # the re-runs as given (left out when they are the default 3)
    assert "│ gd " in result.stdout and "│ adam " in result.stdout
    # what each study searches, said as it starts and in the report: the optimizers' ranges differ (gd's around
    # the task's middle, Adam's around its own default), which nothing showed
    from descend.tune.space import default_space

    report = (out / "report.html").read_text()
    for name in ("gd", "adam"):
        text = default_space(name, lr=__import__("descend").tasks.get("line").default_lr(name)).text()
        assert f"{name}: <code>{text}</code>" in report
    said = runner.invoke(app, ["tune", "line", "-o", "gd", "-o", "adam", "--steps", "5", "--trials", "2", "--cohort",
                               "2", "--seeds", "0", "--storage", ":memory:", "--out", str(tmp_path / "said")])
    assert said.exit_code == 0, said.output
    assert "study 'line-gd' in :memory:\n    searching lr=0.003..30:log\n" in said.stderr
    assert "study 'line-adam' in :memory:\n    searching lr=0.0005..5:log, beta1=0.5..0.99\n" in said.stderr
    best = json.loads((out / "best.json").read_text())
    assert Path(best["storage"]).is_absolute()  # descend show from another folder names the study's file
    assert best["interrupted"] is False and set(best["best"]) == {"gd", "adam"}
    assert best["studies"] == {"gd": "line-gd", "adam": "line-adam"}
    assert sorted(p.name for p in out.iterdir()) == [".descend-tune", "best.json", "figures", "final_summary.csv",
                                                     "report.html",
                                                     "study.journal", "table.csv", "trials.csv"]
    # the page's list of files names each of them (it named trials.csv and figures/ alone), and no other
    files = report[report.index('<section id="files">'):]
    named = set(re.findall(r"<li><code>([^<]+)</code>", files))
    assert named == {"trials.csv", "table.csv", "final_summary.csv", "figures/", "best.json", "study.journal"}
    in_memory = (tmp_path / "said" / "report.html").read_text()
    named = set(re.findall(r"<li><code>([^<]+)</code>", in_memory[in_memory.index('<section id="files">'):]))
    assert named == {"trials.csv", "table.csv", "figures/", "best.json"}  # no re-runs, no study file
    again = runner.invoke(app, ["tune", "line", "-o", "gd", "-o", "adam", *FAST, "--out", str(out)])
    assert again.exit_code == 0  # resumed: the budget is already spent, nothing is trained again
    frame = (out / "trials.csv").read_text().splitlines()
    assert len(frame) == 1 + 16


def test_descend_show_prints_a_search_s_table_as_the_search_did(tmp_path):
    # descend show on a search's directory printed a comparison's table under "report DIR": the learning rate
    # alone, without the best trials, the other hyperparameters searched, the studies or how to resume them
    out = tmp_path / "out"
    searched = runner.invoke(app, ["tune", "line", "-o", "adam", *FAST, "--out", str(out)], env={"COLUMNS": "150"})
    assert searched.exit_code == 0, searched.output
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "150"})
    assert shown.exit_code == 0, shown.output
    table = [line for line in searched.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and table == [line for line in shown.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    best = json.loads((out / "best.json").read_text())["best"]["adam"]
    assert "beta1=" + _short(best["config"]["beta1"]) in shown.stdout
    for line in ("study: 'line' in ", "resume or add workers: descend tune line -o adam"):
        assert line in searched.stdout and line in shown.stdout
    assert shown.stdout.startswith(f"search results in {out}")
    # descend report on it said "run the comparison again": the search's own command writes its report again
    (out / "report.html").unlink()
    before = {name: (out / name).read_text() for name in ("trials.csv", "final_summary.csv")}
    rebuilt = runner.invoke(app, ["report", str(out)])
    resume = next(line for line in searched.stdout.splitlines() if line.startswith("resume or add workers: "))
    assert rebuilt.exit_code == 2 and "holds a search of descend tune, not a comparison" in rebuilt.output
    assert resume.removeprefix("resume or add workers: ") in rebuilt.output.replace("\n", "")
    again = runner.invoke(app, shlex.split(resume.removeprefix("resume or add workers: descend ")))
    assert again.exit_code == 0 and (out / "report.html").exists()
    assert before == {name: (out / name).read_text() for name in before}  # nothing trained again
    # moved: its resume line named the old folder, and started a new study there
    moved = tmp_path / "moved"
    out.rename(moved)
    shown = runner.invoke(app, ["show", str(moved)], env={"COLUMNS": "300"})
    assert f"note: this search was written in {out} and moved here" in shown.stdout
    assert f"--storage {moved / 'study.journal'}" in shown.stdout and f"--out {moved}" in shown.stdout
    assert str(out) + os.sep not in shown.stdout.split("moved here")[1]
    # descend report on the moved folder gave the old command, which would start a new study at the old place
    rebuilt = runner.invoke(app, ["report", str(moved)], env={"COLUMNS": "300"})
    told = rebuilt.output.replace("\n", "")
    assert f"(the folder was written in {out} and moved here: the command names this folder)" in told
    assert f"--storage {moved / 'study.journal'}" in told and f"--out {moved}" in told
    assert "descend show FOLDER</code> prints the command with the folder" in (moved / "report.html").read_text()
    moved.rename(out)
    (out / "best.json").write_text('{"studies": {}}')  # cut short by hand: one line, no traceback
    broken = runner.invoke(app, ["show", str(out)])
    assert broken.exit_code == 2 and "its results cannot be read (best.json, table.csv: KeyError" in broken.output
    assert "Traceback" not in broken.output


def test_descend_show_on_a_search_without_a_finished_trial_prints_why(tmp_path):
    """Every trial diverged, so the search wrote no table.csv: descend show called the directory "no descend
    report" (exit 2) where the search itself had printed its note, studies and resume command."""
    out = tmp_path / "out"
    searched = runner.invoke(app, ["tune", "rosenbrock", "-o", "gd", "--space", "lr=10..100:log", "--trials", "4",
                                   "--cohort", "4", "--steps", "20", "--seeds", "1", "--out", str(out)])
    assert searched.exit_code == 0 and not (out / "table.csv").exists(), searched.output
    shown = runner.invoke(app, ["show", str(out)])
    assert shown.exit_code == 0, shown.output
    ending = searched.stdout[searched.stdout.index("note: gd: none of its 4 trials"):].split("results: ")[0]
    assert shown.stdout == f"search results in {out}\n" + ending


def test_the_table_fits_a_narrow_terminal_with_every_hyperparameter_whole(tmp_path):
    out = tmp_path / "out"
    args = ["tune", "line", "-o", "adam", "-o", "rmsprop", *FAST, "--out", str(out)]
    wide = runner.invoke(app, args, env={"COLUMNS": "150"})
    assert wide.exit_code == 0, wide.output
    best = json.loads((out / "best.json").read_text())["best"]
    entries = [f"{k}={_short(v)}" for b in best.values() for k, v in b["config"].items()]
    assert any(line.count("=") >= 2 for line in wide.stdout.splitlines())  # side by side where there is room
    narrow = runner.invoke(app, args, env={"COLUMNS": "80"})  # resumed: the same table, nothing trained
    assert narrow.exit_code == 0, narrow.output
    table = [line for line in narrow.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert table and max(len(line) for line in table) <= 80
    for entry in entries:  # each hyperparameter whole on its line, not cut by the column's edge
        assert any(entry in line for line in table), (entry, narrow.stdout)
    for columns in ("60", "40"):  # too narrow for the compact table: a line per value, every value whole
        narrower = runner.invoke(app, args, env={"COLUMNS": columns})
        assert narrower.exit_code == 0, narrower.output
        lines = narrower.stdout.splitlines()
        assert not any(line[:1] in "┏┃┡│└" for line in lines)
        for entry in entries:
            assert any(line.strip() == entry for line in lines), (entry, narrower.stdout)
        assert any(line.startswith("adam: trial ") for line in lines)


def test_accuracies_are_shown_as_percentages(tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "iris", "-o", "adam", *FAST, "--metric", "accuracy", "--out", str(out)],
                           env={"COLUMNS": "150"})
    assert result.exit_code == 0, result.output
    best = json.loads((out / "best.json").read_text())["best"]["adam"]["value"]
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ adam"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    # the best validation accuracy as the reports write accuracies (97.33%, 100%), not 0.9733 or 1, and the same
    # text in report.html's table of best configurations
    assert cells[2] == _cell_text("accuracy", best) and cells[2].endswith("%")
    assert f"<td>{cells[2]}</td>" in (out / "report.html").read_text()
    assert cells[-2].endswith("%") and 0 <= float(cells[-2][:-1]) <= 100  # the re-runs' test accuracy


def test_the_training_accuracy_is_shown_beside_the_test_accuracy(tmp_path):
    """The re-runs' training accuracy (a gap to the test accuracy: overfitting) was only in final_summary.csv."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "iris", "-o", "adam", *FAST, "--out", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    head = next(line for line in result.stdout.splitlines() if line.startswith("┃ optimizer"))
    names = [c.strip() for c in head.strip("┃").split("┃")]
    assert names[-3:] == ["train accuracy", "test accuracy", "diverged"], names
    row = next(line for line in result.stdout.splitlines() if line.startswith("│ adam"))
    cells = [c.strip() for c in row.strip("│").split("│")]
    summary = pd.read_csv(out / "final_summary.csv")
    table = pd.read_csv(out / "table.csv", index_col="optimizer")
    assert table.loc["adam", "train accuracy"] == pytest.approx(summary["final_train_accuracy"].mean(), rel=1e-12)
    assert cells[-3] == _cell_text("train accuracy", table.loc["adam", "train accuracy"])
    assert "train accuracy (mean \u00b1 sd)" in (out / "report.html").read_text()


@pytest.mark.parametrize("args, message", [
    # a budget no index holds failed inside the engine, naming no flag
    (["--steps", str(2**62)], f"--steps {2**62}: a whole number from 1 to 1,000,000,000 is required"),
    (["--space", "lr=1e-5.."], "error: --space 'lr=1e-5..': a range LOW..HIGH needs both ends"),
    (["--space", ""], "error: --space '' is empty"),
    (["-o", "adam:beta1=0.8,beta1=0.9"], "error: --optimizer 'adam:beta1=0.8,beta1=0.9': beta1 is given twice"),
    (["--space", "bta1=0.8..0.9"], "error: --space 'bta1=0.8..0.9': adam has no hyperparameter 'bta1'; did you "
                                   "mean 'beta1'"),
    (["--space", "beta1=0.8..1.0"], "error: --space 'beta1=0.8..1.0': beta1=1 is outside what adam allows"),
    (["--space", "lr=-1..1"], "lr=-1 is outside what adam allows for lr, [0, inf)"),
    (["-o", "sgd", "--space", "lr=1e-3..1:log, beta1=0.8..0.9"], "sgd has no hyperparameter 'beta1'"),
    (["-o", "adam", "-o", "sgd", "--space", "lr=1e-3..1:log, bta1=0.8..0.9"],
     "error: --space 'bta1=0.8..0.9': none of adam, sgd has a hyperparameter 'bta1'; did you mean 'beta1'"),
    (["-o", "rmsprop", "--space", "beta=0.8..0.99"], "error: --space 'beta=0.8..0.99': rmsprop has no hyperparameter "
                                                    "'beta'; β (decay of the squared-gradient EMA s) is named 'alpha'"),
    (["--space", "sgd: momentum=0..0.9"], "error: --space sgd: ...: sgd is not one of the optimizers tuned"),
    (["-o", "adamm"], "error: --optimizer 'adamm': unknown optimizer 'adamm'; did you mean 'adam'"),
    (["-o", "random-search"], "error: --optimizer 'random-search': random search draws its points at random and "
                              "has no hyperparameters to tune; descend compare and descend.fit run it"),
    (["-o", "adam|Random_Search"], "error: --optimizer 'Random_Search': random search draws its points"),
    (["-o", "adam", "-o", "adam"], "names an optimizer twice"),
    (["-o", "adam|sgx"], "error: --optimizer 'sgx': unknown optimizer 'sgx'; did you mean 'sgd'"),
    (["-o", "adam|"], "error: --optimizer 'adam|': an empty choice; a choice of optimizers in one study is NAME|NAME"),
    (["-o", "|"], "error: --optimizer '|': an empty choice"),
    (["-o", "adam|adam"], "error: --optimizer 'adam|adam' names an optimizer twice"),
    (["-o", "adam|sgd", "-o", "sgd"], "names an optimizer twice"),
    (["-o", "adam|sgd", "--space", "lr=1e-3..1:log, bta1=0.8..0.9"],
     "error: --space 'bta1=0.8..0.9': none of adam, sgd has a hyperparameter 'bta1'; did you mean 'beta1'"),
    (["-o", "adam|sgd", "--space", "sgd: beta1=0.8..0.9"], "sgd has no hyperparameter 'beta1'"),
    (["-o", "adam|sgd", "--sampler", "grid"], ("error: --sampler grid: a choice of optimizers in one study "
                                              "(--optimizer adam|sgd) is a conditional space")),
    (["--sampler", "tpx"], "error: --sampler 'tpx': unknown sampler; did you mean 'tpe'?"),
    (["--pruner", "hyperband"], "error: --pruner 'hyperband': unknown pruner"),
    (["--storage", "postgresql://me:secret@127.0.0.1:1/db"],
     "error: --storage postgresql://me:***@127.0.0.1:1/db: cannot use it: "),
    (["--storage", "redis://localhost"], "error: --storage redis://localhost: unknown database 'redis'"),
    (["--storage", "study.txt"], "error: --storage 'study.txt': give a journal file ending in .journal"),
    (["--storage", "/etc/passwd/x.journal"], "error: --storage '/etc/passwd/x.journal' cannot be opened: "
                                            "'/etc/passwd' is a file, not a directory"),  # it said "File exists"
    (["--storage", "sqlite://x.db"], "error: --storage 'sqlite://x.db': a SQLite file is sqlite:///x.db (three "
                                     "slashes"),  # with two it was a study in memory, gone with the command
    (["--out", "/proc/descend-out"], "error: --out '/proc/descend-out' cannot be written"),  # found after the search
    (["--cohort", "9"], "error: --cohort 9 is larger than the trial budget --trials 8; give --cohort 1..8"),
    (["-o", "adam|sgd|rmsprop", "--trials", "2", "--cohort", "1"], "error: --trials 2 is smaller than the 3 "
     "optimizers of --optimizer adam|sgd|rmsprop, each of which gets a first trial at its defaults; give --trials 3"),
    (["--trials", "0"], "error: --trials 0: a whole number >= 1 is required"),
    (["--trials", "many"], "error: --trials 'many': a whole number is required"),
    (["--metric", "accuracy"], "error: --metric accuracy: task 'line' is regression, which has no accuracy"),
    (["--metric", "los"], "error: --metric 'los': unknown metric; did you mean 'loss'?"),
    (["--epochs", "2", "--steps", "3"], "error: give --steps or --epochs, not both"),
    (["--batch-size", "1000"], "error: --batch-size 1000 is larger than the training set"),
    (["--timeout", "-1"], "error: --timeout -1.0: a positive, finite number of seconds is required"),
    # the space's batch size won over --batch-size's without a word; equal choices were two choices
    (["--batch-size", "full", "--space", "lr=1e-3..1e-1:log, batch_size=32"], "error: --batch-size and --space's "
     "batch_size both set the batch size of adam's trials; give it in one place"),
    (["--space", "lr=1|1.0"], "error: --space 'lr=1|1.0': a choice is given twice"),
    (["--space", "lr=1e-3..1e-1:log, amsgrad=true|1"], "error: --space 'amsgrad=true|1': a choice is given twice"),
    # a database refused it with a traceback, having created the first optimizer's study of several
    (["--study", "s" * 600], f"error: --study {'s' * 30!r}... (600 characters): a study's name is at most 512 "
                             "characters; give a shorter one"),
    (["-o", "adam", "-o", "rmsprop", "--study", "q" * 506], "512 characters, and each optimizer's study adds its name "
                                                            "('...-rmsprop': 514 characters)"),
])
def test_bad_input_is_one_line_naming_the_option_and_nothing_is_written(tmp_path, args, message):
    out = tmp_path / "out"
    # the case's own value replaces the default (an option given twice is refused)
    defaults = {"--trials": "8", "--cohort": "4", "--steps": "30", "--out": str(out)}
    argv = ["tune", "line", *[x for flag, value in defaults.items() if flag not in args for x in (flag, value)]]
    result = runner.invoke(app, [*argv, *args])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "secret" not in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_accuracy_of_classes_read_as_a_number_says_how_to_read_them_as_classes(tmp_path):
    path = tmp_path / "codes.csv"
    path.write_text("x,label\n" + "".join(f"{i / 10},{1.0 + i % 3}\n" for i in range(30)))
    result = runner.invoke(app, ["tune", "--csv", str(path), "--column", "label", "--metric", "accuracy", "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 2 and " ".join(result.stderr.split()).startswith(
        "error: --metric accuracy: task 'codes' is regression, which has no accuracy; use --metric loss; target "
        "'label' read as a number (regression): its 3 values are whole numbers written as decimals (1.0, 2.0, 3.0); "
        "if they are classes, give --kind classification"), result.output


@pytest.mark.parametrize("task, message", [
    ("rosenbrock", "error: --metric accuracy: task 'rosenbrock' is a landscape (a cost function of its parameters), "
                   "which has no accuracy; use --metric loss"),  # (it said "is cost")
    ("houses.csv", "error: 'houses.csv' is a file, not a task: descend compare and descend tune read a CSV file with "
                   "--csv houses.csv --column COL"),
])
def test_a_task_that_cannot_be_searched_so_is_said_in_the_command_lines_words(tmp_path, task, message):
    result = runner.invoke(app, ["tune", task, "--metric", "accuracy", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and result.stderr.startswith(message), result.output


def test_an_unknown_optimizer_is_offered_only_what_a_search_tunes(tmp_path):
    """The registry's list ends "and random-search where runs are trained", which a search refuses."""
    result = runner.invoke(app, ["tune", "line", "-o", "adma", "--trials", "4", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "did you mean 'adamax' or 'adam'" in result.stderr, result.output
    assert "random" not in result.stderr and "gd, momentum" in result.stderr


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_a_storage_file_at_the_output_directory_is_refused_before_training(tmp_path, kind):
    """--storage same.journal --out same.journal trained the whole search, then failed to write its results
    (FileExistsError, a traceback)."""
    out = tmp_path / ("same.journal" if kind == "journal" else "same.db")
    storage = str(out) if kind == "journal" else f"sqlite:///{out}"
    result = runner.invoke(app, ["tune", "line", "--trials", "4", "--cohort", "2", "--steps", "20", "--seeds", "1",
                                 "--storage", storage, "--out", str(out)])
    assert result.exit_code == 2 and not out.exists(), result.output
    assert f"error: --out {str(out)!r} is the study's file (--storage)" in result.stderr


@pytest.mark.parametrize("task, args", [
    ("rosenbrock", ["--batch-size", "32"]),
    ("rosenbrock", ["--space", "batch_size=4|full"]),
    ("x**2 + y**2", ["--batch-size", "2"]),
])
def test_a_batch_size_for_a_task_without_data_is_refused_before_a_study_is_written(tmp_path, task, args):
    """A landscape's cost is one function: a whole-number batch size was refused by the engine, after the study
    had been made with it (whose recorded batch size then refused the corrected command)."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", task, *FAST, *args, "--out", str(out)])
    assert result.exit_code == 2 and not out.exists(), result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and args[0] in lines[0] and "has no data" in lines[0] and "allowed: full" in lines[0]
    assert runner.invoke(app, ["tune", task, *FAST, "--batch-size", "full", "--out", str(out)]).exit_code == 0


def test_an_unknown_task_or_formula_is_refused():
    result = runner.invoke(app, ["tune", "nosuchtask", *FAST])
    assert result.exit_code == 2 and "unknown task 'nosuchtask'" in result.stderr
    result = runner.invoke(app, ["tune", "x**", *FAST])
    assert result.exit_code == 2 and "is neither a task nor a formula" in result.stderr


def test_resuming_with_another_space_is_refused_and_the_study_is_untouched(tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "line", *FAST, "--out", str(out)]).exit_code == 0
    journal = out / "study.journal"
    size = journal.stat().st_size
    result = runner.invoke(app, ["tune", "line", *FAST, "--out", str(out), "--space", "lr=1e-4..1e-1:log"])
    assert result.exit_code == 2
    assert "error: --space: study 'line' searches 'lr=0.0005..5:log, beta1=0.5..0.99', not 'lr=0.0001..0.1:log'" \
        in result.stderr
    assert journal.stat().st_size == size


def test_ctrl_c_stops_after_telling_what_finished(tmp_path):
    out = tmp_path / "out"
    # a long cohort on a landscape: interrupted in its middle
    process = subprocess.Popen([sys.executable, "-m", "descend", "tune", "rosenbrock", "-o", "adam", "--steps",
                                "200000", "--trials", "8", "--cohort", "4", "--out", str(out), "--quiet"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    journal = out / "study.journal"
    deadline = time.time() + 120
    try:
        while time.time() < deadline:
            if process.poll() is not None:
                raise AssertionError(process.communicate())
            if journal.exists():
                try:
                    study = optuna.load_study(study_name="rosenbrock", storage=storage_module.open_storage(
                        str(journal)))
                    if len(study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) == 4:
                        break
                except KeyError:
                    pass
            time.sleep(0.2)
        time.sleep(1.0)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, stderr
    assert "note: interrupted" in stdout
    best = json.loads((out / "best.json").read_text())
    assert best["interrupted"] is True  # its files never look like a finished search's
    study = optuna.load_study(study_name="rosenbrock", storage=storage_module.open_storage(str(journal)))
    trials = study.get_trials()
    assert [t.state.name for t in trials] == ["FAIL"] * 4 + ["WAITING"] * 4  # re-queued with their parameters
    assert [t.params for t in trials[4:]] == [t.params for t in trials[:4]]
    assert not Path(out / "final_summary.csv").exists()


def test_a_choice_of_optimizers_in_one_study(tmp_path):
    out = tmp_path / "out"
    loud = [a for a in FAST if a != "--quiet"]
    result = runner.invoke(app, ["tune", "line", "-o", "adam|sgd", *loud, "--out", str(out)], env={"COLUMNS": "150"})
    assert result.exit_code == 0, result.output
    assert "study: 'line' in " in result.stdout and "resume or add workers: descend tune line -o 'adam|sgd'" in \
        result.stdout
    best = json.loads((out / "best.json").read_text())
    assert best["studies"] == {"adam|sgd": "line"} and set(best["best"]) == {"adam", "sgd"}
    assert best["spaces"]["adam|sgd"].startswith("optimizer=adam|sgd; adam: lr=")
    assert "│ adam " in result.stdout and "│ sgd " in result.stdout
    study = optuna.load_study(study_name="line", storage=storage_module.open_storage(str(out / "study.journal")))
    assert len(study.trials) == 8 and {t.params["optimizer"] for t in study.trials} == {"adam", "sgd"}
    assert "tuning adam|sgd on line: 8 trials, cohorts of" in result.stderr  # in all, not "each"


def test_a_grid_search_resumed_with_another_grid_is_refused(tmp_path):
    """A grid search resumed with a larger --trials trained points of a second grid beside the first (repeating some
    configurations, leaving most of the new grid out) and called the budget done."""
    out = tmp_path / "out"
    argv = ["tune", "line", "--sampler", "grid", "--cohort", "4", "--steps", "20", "--seeds", "1", "--out", str(out)]
    first = runner.invoke(app, [*argv, "--trials", "10"])
    assert first.exit_code == 0, first.output
    before = (out / "study.journal").read_bytes()
    finer = runner.invoke(app, [*argv, "--trials", "20"])
    assert finer.exit_code == 2, finer.output
    assert "error: --trials: study 'line' searches a grid of 9 points: lr 0.0005, 0.05, 5; beta1 0.5, 0.745, 0.99, " \
           "not one of 16 points (a grid search's budget is its grid); give --trials 9 to resume it" in finer.stderr
    assert (out / "study.journal").read_bytes() == before
    again = runner.invoke(app, [*argv, "--trials", "9"])  # the same grid: resumed, nothing trained again
    assert again.exit_code == 0 and "resumed: 9 trials done" in again.stderr, again.output


def test_resuming_with_other_optimizers_is_refused_naming_the_flag(tmp_path):
    # radam resumed adam's study (the optimizer was not recorded) and reported adam's best trial as radam's
    single = tmp_path / "single"
    assert runner.invoke(app, ["tune", "line", "-o", "adam", *FAST, "--out", str(single)]).exit_code == 0
    size = (single / "study.journal").stat().st_size
    result = runner.invoke(app, ["tune", "line", "-o", "radam", *FAST, "--out", str(single)])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: --optimizer: study 'line' tunes adam, not radam; give adam to resume it, "
                                     "or another --out directory")
    assert (single / "study.journal").stat().st_size == size
    # the advice, followed: another --study name in the same --out was refused as another search's directory
    assert runner.invoke(app, ["tune", "line", "-o", "radam", *FAST, "--out", str(single),
                               "--study", "other"]).exit_code == 2
    assert runner.invoke(app, ["tune", "line", "-o", "radam", *FAST, "--out", str(tmp_path / "s2")]).exit_code == 0
    # a choice against another choice, or against one optimizer
    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "line", "-o", "adam|sgd", *FAST, "--out", str(out)]).exit_code == 0
    size = (out / "study.journal").stat().st_size
    result = runner.invoke(app, ["tune", "line", "-o", "adam|rmsprop", *FAST, "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: --optimizer: study 'line' was made with adam|sgd, not adam|rmsprop; give "
                                     "the same to resume it, or another --out directory")
    result = runner.invoke(app, ["tune", "line", "-o", "adam", *FAST, "--out", str(out)])
    assert result.exit_code == 2
    assert "error: --optimizer: study 'line' was made with adam|sgd, not one optimizer;" in result.stderr
    assert (out / "study.journal").stat().st_size == size


def test_resuming_with_another_formula_or_csv_column_is_refused(tmp_path):
    """Two formulas are both the task 'formula', two columns of a file both its stem: resuming one's study with the
    other mixed their trials (a best of -9.99 reported for x² + y²). The study keeps what its task is."""
    out = tmp_path / "out"
    first = runner.invoke(app, ["tune", "x**2 + 10*sin(y)", "-o", "adam", *FAST, "--out", str(out)])
    assert first.exit_code == 0, first.output
    journal = (out / "study.journal").read_bytes()
    other = runner.invoke(app, ["tune", "x**2 + y**2", "-o", "adam", *FAST, "--out", str(out)])
    assert other.exit_code == 2 and "was made with task" in other.output and "x**2 + y**2" in other.output
    assert "model=" not in other.output  # the task as given, its model following from it
    assert (out / "study.journal").read_bytes() == journal
    csv = tmp_path / "data.csv"
    csv.write_text("a,b,price\n" + "".join(f"{i % 7},{(3 * i) % 5},{2 * i + 1}.5\n" for i in range(40)))
    table = ["tune", "--csv", str(csv), "-o", "adam", *FAST, "--out", str(tmp_path / "csv")]
    assert runner.invoke(app, [*table, "--column", "price"]).exit_code == 0
    again = runner.invoke(app, [*table, "--column", "b"])
    assert again.exit_code == 2 and "was made with task" in again.output, again.output
    # the same file edited since: its study (and the re-runs kept in it) describe other data
    journal = (tmp_path / "csv" / "study.journal").read_bytes()
    csv.write_text("a,b,price\n" + "".join(f"{i % 7},{(3 * i) % 5},{3 * i + 1}.5\n" for i in range(30)))
    edited = runner.invoke(app, [*table, "--column", "price"])
    assert edited.exit_code == 2 and "error: --csv: study 'data' was made from other data" in edited.stderr, \
        edited.output
    assert (tmp_path / "csv" / "study.journal").read_bytes() == journal


def test_a_batch_size_beyond_the_training_set_is_refused_before_the_study_exists(tmp_path):
    """It was refused once the study had been created, whose space then refused the corrected command."""
    out = tmp_path / "out"
    bad = runner.invoke(app, ["tune", "line", "--space", "batch_size=1000000|full, lr=0.01..0.1", *FAST,
                              "--out", str(out)])
    assert bad.exit_code == 2 and "--space: batch_size=1000000 is larger than the training set" in bad.output
    assert not out.exists()
    good = runner.invoke(app, ["tune", "line", "--space", "batch_size=64|full, lr=0.01..0.1", *FAST,
                               "--out", str(out)])
    assert good.exit_code == 0, good.output


def test_spaces_given_twice_for_one_optimizer_are_one_space(tmp_path):
    """'OPTIMIZER: ...' is repeatable: the second replaced the first (lr was no longer searched)."""
    from descend.tune import api

    plan = api.plan("line", optimizer=["adam", "sgd"], space=["adam: lr=1e-3..1e-1:log", "adam: beta1=0.8..0.9",
                                                              "lr=1e-2..1:log", "momentum=0..0.9"], trials=8, cohort=8)
    assert plan.spaces["adam"].text() == "lr=0.001..0.1:log, beta1=0.8..0.9"
    assert plan.spaces["sgd"].text() == "lr=0.01..1:log, momentum=0..0.9"
    twice = runner.invoke(app, ["tune", "line", "-o", "adam", "--space", "adam: lr=1e-3..1e-1:log", "--space",
                                "adam: lr=0.01..0.1", *FAST, "--out", str(tmp_path / "out")])
    assert twice.exit_code == 2 and "lr is given twice" in twice.output


def test_cmaes_with_a_choice_says_so_once_not_at_every_trial(tmp_path, capfd):
    """Optuna's CMA-ES warned at every trial that a choice is sampled independently (also with --quiet): a note
    says it once."""
    result = runner.invoke(app, ["tune", "line", "--sampler", "cmaes", "--space", "lr=1e-3..1e-1:log, batch_size=32|64",
                                 *FAST, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    printed = result.output + "".join(capfd.readouterr())
    assert "sampled independently using" not in printed
    assert printed.count("note: cmaes sampler: batch_size (choices) sampled independently at random") == 1


def test_a_csv_file_is_read_with_compares_options_and_its_errors_name_the_flags(tmp_path):
    """descend tune --csv took none of compare's CSV options: a file with ';', missing values or an ID column
    could not be tuned, and its errors advised Python arguments (sep=';', dropna=True)."""
    csv = tmp_path / "semi.csv"
    rows = "".join(f"{i};{i % 7 / 7:.3f};{'' if i == 5 else f'{(3 * i) % 5}'};{2 * (i % 7) + 1}.5\n" for i in range(60))
    csv.write_text("id;a;b;price\n" + rows)
    base = ["tune", "--csv", str(csv), "--column", "price", "-o", "adam", *FAST]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "the separator is probably ';': read it with --sep ';'" in result.stderr
    result = runner.invoke(app, [*base, "--sep", ";", "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "drop those rows with --dropna, leave out the column with --drop b" in (
        result.stderr)
    assert not (tmp_path / "no").exists()
    out = tmp_path / "out"
    result = runner.invoke(app, [*base, "--sep", ";", "--dropna", "--drop", "id", "--out", str(out)],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    resume = next(line for line in result.stdout.splitlines() if line.startswith("resume or add workers: "))
    assert "--drop id --dropna --sep ';'" in resume
    attrs = optuna.load_study(study_name="semi", storage=storage_module.open_storage(str(out / "study.journal"))
                              ).user_attrs
    assert "drop=['id']" in attrs["descend:task_identity"] and "sep=';'" in attrs["descend:task_identity"]
    result = runner.invoke(app, ["tune", "line", "--sep", ";", *FAST, "--out", str(tmp_path / "no")])
    assert result.exit_code == 2 and "--sep applies to a CSV file (--csv PATH --column COL)" in result.stderr


def test_ctrl_c_while_the_report_is_written_says_so_and_leaves_no_earlier_page(tmp_path, monkeypatch):
    """Ctrl-C while the report was drawn ended with exit code 130 and no word, and a resumed search's folder kept
    the earlier search's report.html beside its new results."""
    from descend.tune import report

    out = tmp_path / "out"
    first = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)])
    assert first.exit_code == 0 and (out / "report.html").exists() and list((out / "figures").glob("*.png"))

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "write_report", interrupted)
    again = runner.invoke(app, ["tune", "line", "-o", "gd", *[a if a != "8" else "12" for a in FAST], "--out",
                                str(out)])
    assert again.exit_code == 130
    assert f"interrupted while writing the results to {str(out)!r}: the study keeps every trial" in again.stderr
    assert not (out / "report.html").exists() and json.loads((out / "best.json").read_text())["best"]
    assert not list((out / "figures").glob("*"))  # nor its figures
    monkeypatch.undo()
    third = runner.invoke(app, ["tune", "line", "-o", "gd", *[a if a != "8" else "12" for a in FAST], "--out",
                                str(out)])
    assert third.exit_code == 0 and (out / "report.html").exists()


def test_a_search_run_again_without_re_runs_leaves_no_earlier_re_runs_in_its_folder(tmp_path):
    out = tmp_path / "out"
    args = ["tune", "line", "-o", "adam", "--steps", "30", "--trials", "4", "--cohort", "4", "--quiet", "--out",
            str(out)]
    assert runner.invoke(app, [*args, "--seeds", "2"]).exit_code == 0
    assert (out / "final_summary.csv").exists() and "seeds" in (out / "table.csv").read_text()
    again = runner.invoke(app, [*args, "--seeds", "0"])
    assert again.exit_code == 0, again.output
    assert not (out / "final_summary.csv").exists() and "seeds" not in (out / "table.csv").read_text()
    assert "final_summary.csv" not in again.output


def test_a_resumed_study_says_what_it_holds():
    """It counted every trial (failed ones and their queued copies too) as done."""
    import optuna

    from descend.tune.command import _resumed_text

    study = optuna.create_study()
    for value in (1.0, 2.0):
        study.add_trial(optuna.trial.create_trial(params={}, distributions={}, value=value))
    study.add_trial(optuna.trial.create_trial(params={}, distributions={}, state=optuna.trial.TrialState.FAIL))
    storage_module.retry(study, study.trials[-1], max_retry=None, reason="interrupted")
    assert _resumed_text(study) == "2 trials done, 1 queued to train again"
    study.enqueue_trial({})  # a first cohort's point that never began (a study stopped before it): not "again"
    assert _resumed_text(study) == "2 trials done, 1 queued to train again, 1 queued, not begun yet"
    study.ask()  # the retry, now running
    assert _resumed_text(study) == ("2 trials done, 1 queued, not begun yet, 1 running in another worker or left by a "
                                    "stopped one")
    assert _resumed_text(optuna.create_study()) == ""


def test_a_resumed_search_says_so_on_its_first_lines(tmp_path):
    out = tmp_path / "out"
    args = ["tune", "line", "-o", "adam", "--steps", "20", "--cohort", "4", "--seeds", "0", "--out", str(out)]
    assert runner.invoke(app, [*args, "--trials", "4", "--quiet"]).exit_code == 0
    again = runner.invoke(app, [*args, "--trials", "8"])
    assert again.exit_code == 0 and "(resumed: 4 trials done)" in again.stderr, again.stderr


def test_a_standardised_target_shows_its_test_loss_in_its_own_units_as_compare_does(tmp_path):
    csv = tmp_path / "homes.csv"
    rows = [(40 + (37 * i) % 160, 1 + i % 6, (i * 7919) % 20000) for i in range(60)]
    csv.write_text("area,rooms,price\n" + "".join(f"{a}.5,{r},{3000 * a + 10000 * r + e}.5\n" for a, r, e in rows))
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "--csv", str(csv), "--column", "price", *FAST, "--out", str(out)],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    table = (out / "table.csv").read_text().splitlines()[0]
    # the MSE's loss in the target's scale, in its units squared, and the error in them (as compare's table)
    assert "test loss (target unstandardised)" in table and "test RMSE (target's units)" in table
    saved = pd.read_csv(out / "table.csv", index_col=0)
    runs = pd.read_csv(out / "final_summary.csv")
    for optimizer, row in saved.iterrows():  # the mean over the re-runs of each one's root-mean-square error
        losses = runs.loc[runs["optimizer"] == optimizer, "final_test_loss_original"].to_numpy(dtype=float)
        assert row["test RMSE (target's units)"] == pytest.approx(np.sqrt(losses).mean(), rel=1e-6)
    page = (out / "report.html").read_text()
    assert "test loss (target unstandardised)" in result.stdout and "test RMSE (target&#x27;s units)" in page
    assert "<b>Task:</b> 60 rows of homes.csv: regression of the column &#x27;price&#x27; from 2 features" in page


def test_a_classification_search_states_the_task_s_facts_as_a_comparison_does(tmp_path):
    """A comparison's report states the majority-class baseline and a class without a training row (its task's
    card); a search's did not, and its 38 % test accuracy, below always predicting the most frequent class (42 %),
    had no context. Its report states the task's facts too (in tune's result: ``facts``)."""
    csv = tmp_path / "once.csv"
    labels = ["a", "d"] + ["a"] * 24 + ["b"] * 20 + ["c"] * 14  # "d" once, in a test or validation row
    csv.write_text("x1,x2,y\n" + "".join(f"{(i * 37) % 11 / 3:.3f},{(i * 13) % 7 / 2:.3f},{label}\n"
                                        for i, label in enumerate(labels)))
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "--csv", str(csv), "--column", "y", *FAST, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text()
    from descend import tasks

    facts = dict(tasks.real.from_csv(csv, "y").facts)
    assert "baseline" in facts and "most frequent class" in facts["baseline"]
    assert f"<b>baseline:</b> {facts['baseline']}".replace("'", "&#x27;") in page
    assert "class d has no training row" in facts["unseen"] and "<b>unseen:</b> class d has no training row" in page
    said = " ".join(result.stdout.split())  # and on the terminal, after the table (a comparison's too)
    assert f"note: baseline: {facts['baseline']}" in said and "note: unseen: class d has no training row" in said
    compared = runner.invoke(app, ["compare", "--csv", str(csv), "--column", "y", "-o", "adam", "--steps", "5",
                                   "--seeds", "1", "--out", str(tmp_path / "c"), "--no-animation"])
    assert compared.exit_code == 0, compared.output
    assert f"note: baseline: {facts['baseline']}" in " ".join(compared.stdout.split())


def test_sqlites_in_memory_database_is_a_study_in_memory_with_nothing_to_resume(tmp_path):
    """--storage sqlite:// printed a resume line whose storage no other command can open."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "line", "-o", "adam", "--steps", "20", "--trials", "4", "--cohort", "4",
                                 "--seeds", "0", "--storage", "sqlite://", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "resume or add workers" not in result.stdout and "in memory, gone with this command" in result.stdout
    assert "nothing resumes it" in result.stderr and not list(out.glob("*.journal"))
    assert json.loads((out / "best.json").read_text())["resume"] is None


def test_an_optimizer_whose_every_trial_diverged_is_explained(tmp_path):
    """Every trial diverged: the search printed no table and no word ("best -"), best.json an empty "best"."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "rosenbrock", "-o", "sgd", "--space", "lr=10..100:log", "--trials", "4",
                                 "--cohort", "4", "--steps", "50", "--out", str(out)])
    assert result.exit_code == 0, result.output
    note = ("sgd: none of its 4 trials reached a finite value (4 diverged), so it has no best configuration and no "
            "re-runs; search smaller learning rates (--space)")
    assert note in " ".join(result.stdout.split())
    saved = json.loads((out / "best.json").read_text())
    assert saved["best"] == {} and note in saved["notes"]
    # trials that did not diverge were said to have, with the advice of smaller rates: ellipse's model on 5 samples
    # is undefined at its start (every trial left its domain), and after 2 steps on 40 defined on no validation sample
    for n, said in ((5, "(2 left the model's domain), so it has no best configuration and no re-runs; they started "
                        "outside the model's domain (no step trained): move the start inside it (--start)"),
                    (40, "(2 ended without a finite value), so it has no best configuration and no re-runs; its "
                         "evaluations had no finite value where it stopped (the model defined on no validation sample "
                         "there): train longer (--steps) or start elsewhere (--start)")):
        result = runner.invoke(app, ["tune", "ellipse", "--task-option", f"n={n}", "-o", "gd", "--trials", "2",
                                     "--cohort", "2", "--steps", "2", "--seeds", "0", "--out", str(tmp_path / str(n))])
        assert result.exit_code == 0, result.output
        assert f"gd: none of its 2 trials reached a finite value {said}" in " ".join(result.stdout.split())



def test_a_search_does_not_write_into_a_comparison_s_report(tmp_path):
    # its report.html, table.csv and figures replaced those of the comparison, beside the comparison's other files
    out = tmp_path / "cmp"
    assert runner.invoke(app, ["compare", "line", "-o", "gd", "--steps", "20", "--out", str(out)]).exit_code == 0
    before = {f: f.read_bytes() for f in out.rglob("*") if f.is_file()}
    result = runner.invoke(app, ["tune", "line", *FAST, "--out", str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"error: --out {str(out)!r} holds a report of descend compare; a search writes "
                                     "files of its own: give another directory")
    assert {f: f.read_bytes() for f in out.rglob("*") if f.is_file()} == before


def test_a_search_stopped_before_any_trial_finished_is_not_called_diverged():
    # every trial cut short was counted as failed: "none of its 8 trials reached a finite value ... search smaller
    # learning rates"
    import threading

    import descend

    stop, calls = threading.Event(), []

    def progress(event):
        calls.append(event)
        if len(calls) > 3:
            stop.set()

    result = descend.tune("line", optimizer=["adam", "sgd"], trials=8, cohort=8, steps=5000, seeds=1, stop=stop,
                          progress=progress)
    assert result.best == {}
    assert not any("finite value" in note for note in result.notes), result.notes
    assert any(note.startswith("interrupted") for note in result.notes)


def test_resuming_with_other_task_settings_names_their_flags_in_the_user_s_words(tmp_path):
    # the refusals named TASK with descend's record of the task ('diabetes; data_seed=0; hidden=()'), and a full
    # batch as Python's None
    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "diabetes", *FAST, "--out", str(out)]).exit_code == 0
    settings = runner.invoke(app, ["tune", "diabetes", *FAST, "--out", str(out), "--no-standardize-target"])
    assert settings.exit_code == 2
    assert settings.stderr.startswith("error: --standardize-target: study 'diabetes' was made with standardize_target "
                                      "not set (the task's default), not standardize_target=False;")
    batch = runner.invoke(app, ["tune", "diabetes", *FAST, "--out", str(out), "--batch-size", "32"])
    assert batch.exit_code == 2
    assert batch.stderr.startswith("error: --batch-size: study 'diabetes' was made with batch_size full, not 32;")


def test_a_csv_search_resumes_however_its_reading_is_given(tmp_path, monkeypatch):
    """--categorical store,zip after --categorical zip,store, and --sep , (the default) given or not, read the file
    alike: they were refused as another task ("was made with categorical=['zip', 'store'], not ..."), and a search
    could only be resumed with its flags in the order first typed. Another reading is refused still."""
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(5)
    zips, stores, amount = rng.choice(["06000", "75001"], 90), rng.choice(["A1", "B2", "C3"], 90), rng.normal(size=90)
    lines = ["id,zip,store,amount,bought", *(f"{i},{z},{s},{a:.3f},{int(a > 0)}"
                                             for i, (z, s, a) in enumerate(zip(zips, stores, amount)))]
    (tmp_path / "shop.csv").write_text("\n".join(lines) + "\n")
    given = ["tune", "--csv", "shop.csv", "--column", "bought", "--drop", "id", *more(FAST, "--seeds", "1"), "--out",
             "t"]
    first = runner.invoke(app, [*given, "--categorical", "zip,store"])
    assert first.exit_code == 0, first.output
    trials = pd.read_csv(tmp_path / "t" / "trials.csv")
    for reading in (["--categorical", "store,zip"], ["--categorical", "zip,store", "--sep", ",", "--encoding", "UTF8",
                                                     "--max-categories", "100", "--no-dropna"]):
        again = runner.invoke(app, [*given, *reading])
        assert again.exit_code == 0, (reading, again.output)
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "t" / "trials.csv"), trials)  # nothing trained again
    other = runner.invoke(app, [*given, "--categorical", "zip", "--max-categories", "5"])
    assert other.exit_code == 2 and other.stderr.startswith(
        "error: --categorical, --max-categories: study 'shop' was made with categorical=['zip', 'store'], "
        "max_categories not set (the task's default), not categorical=['zip'], max_categories=5;"), other.output


def test_a_space_for_several_optimizers_gives_each_the_items_it_has():
    # -o adam -o sgd --space "lr=..., beta1=..." was refused (sgd has no beta1), where -o "adam|sgd" and a space of
    # sgd's own beside it gave each optimizer the items it has
    from descend.tune import api

    plan = api.plan("line", optimizer=["adam", "sgd"], space="lr=1e-3..1:log, beta1=0.8..0.9", trials=4, cohort=4)
    assert plan.spaces["adam"].text() == "lr=0.001..1:log, beta1=0.8..0.9"
    assert plan.spaces["sgd"].text() == "lr=0.001..1:log"


def test_resuming_with_another_sampler_or_seed_is_said(tmp_path):
    # accepted without a word: the study's later trials were drawn otherwise than its first
    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "line", *FAST, "--out", str(out)]).exit_code == 0
    again = runner.invoke(app, ["tune", "line", *more(FAST, "--trials", "12"), "--out", str(out), "--sampler", "random",
                                "--seed", "3"], env={"COLUMNS": "400"})
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert "study 'line' was begun with --sampler tpe and goes on with random" in said
    assert "study 'line' was begun with --seed 0 and goes on with 3" in said
    quiet = runner.invoke(app, ["tune", "line", *more(FAST, "--trials", "12"), "--out", str(out), "--sampler", "random",
                                "--seed", "3"], env={"COLUMNS": "400"})
    assert "was begun with --sampler" in " ".join(quiet.output.split()), "the study's first search decides"


def test_resuming_a_study_another_descend_began_is_said(tmp_path):
    """A study records which descend trained its trials (its source's digest): resumed by another (upgraded since),
    whose numbers may differ where it computes a trial otherwise, the two kinds of trial were ranked together without
    a word. Said in a note (terminal and best.json), as is a study of a release that did not record it; the same
    descend goes on without one."""
    import optuna

    from descend.tune.api import source_digest

    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "line", *FAST, "--out", str(out)]).exit_code == 0
    study = optuna.load_study(study_name="line", storage=storage_module.open_storage(str(out / "study.journal")))
    assert study.user_attrs["descend:source"] == source_digest() and len(source_digest()) == 12
    same = runner.invoke(app, ["tune", "line", *more(FAST, "--trials", "12"), "--out", str(out)],
                         env={"COLUMNS": "400"})
    assert same.exit_code == 0 and "was begun by" not in same.output
    study.set_user_attr("descend:source", "0123456789ab")
    again = runner.invoke(app, ["tune", "line", *more(FAST, "--trials", "16"), "--out", str(out)],
                          env={"COLUMNS": "400"})
    assert again.exit_code == 0, again.output
    said = " ".join(again.output.split())
    assert (f"study 'line' was begun by another descend (version {study.user_attrs['descend:version']}, source "
            f"0123456789ab); this is version") in said and f"source {source_digest()}:" in said
    assert "may differ" in said and "give another --study name" in said
    assert any("was begun by another descend" in n for n in json.loads((out / "best.json").read_text())["notes"])


def test_a_landscape_s_re_runs_show_their_training_loss_in_the_terminal(tmp_path):
    # a task without test data: the re-runs' one result (their training loss) was in table.csv, not in the terminal
    result = runner.invoke(app, ["tune", "rosenbrock", *FAST, "--out", str(tmp_path / "out")], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    # one re-run (seeds cannot differ on a landscape): no mean over the seeds, and the objective in words
    assert "descend tune: best of each study on the training loss; re-runs on the training data" in result.stdout
    assert "means over the seeds" not in result.stdout
    assert "train loss" in result.stdout.split("descend tune:")[1]


def test_a_search_into_another_searchs_results_is_refused(tmp_path):
    """Another task's search with the same --out replaced the first one's best.json, table and report."""
    out = tmp_path / "out"
    args = ["--trials", "4", "--cohort", "4", "--steps", "20", "--seeds", "1", "--quiet", "--out", str(out)]
    assert runner.invoke(app, ["tune", "rosenbrock", *args]).exit_code == 0
    best = (out / "best.json").read_text()
    other = runner.invoke(app, ["tune", "booth", *args])
    assert other.exit_code == 2 and "holds the results of another search (study 'rosenbrock')" in other.stderr
    assert "that search goes on with: descend tune rosenbrock" in other.stderr
    assert (out / "best.json").read_text() == best
    assert runner.invoke(app, ["tune", "rosenbrock", *args]).exit_code == 0  # the same search goes on


def test_a_search_of_the_same_study_in_another_storage_is_refused_the_folder(tmp_path, monkeypatch):
    """A study is its name in its storage: the same --out and study name with another --storage (another budget,
    other steps) replaced the first search's results, while OUT/study.journal kept the first study, which descend
    dashboard OUT would then have opened. Refused, while it trains (the folder's marker) and once it has written,
    and the same search, its storage named by another path or the folder moved, goes on."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    args = ["--trials", "4", "--cohort", "4", "--steps", "20", "--seeds", "1", "--quiet"]
    assert runner.invoke(app, ["tune", "rosenbrock", *args, "--out", str(out)]).exit_code == 0
    best = (out / "best.json").read_text()
    other = runner.invoke(app, ["tune", "rosenbrock", *args, "--storage", "other.journal", "--out", str(out)])
    assert other.exit_code == 2, other.output
    said = " ".join(other.stderr.split())
    assert f"holds a search of study 'rosenbrock' in another storage ({out / 'study.journal'})" in said
    assert f"not this one's ({tmp_path / 'other.journal'})" in said
    assert (out / "best.json").read_text() == best and not (tmp_path / "other.journal").exists()
    # while a search trains there (its marker, no best.json yet): the same
    taken = tmp_path / "taken"
    api_result.take(taken, {"rosenbrock"}, str(tmp_path / "third.journal"))
    refused = runner.invoke(app, ["tune", "rosenbrock", *args, "--out", str(taken)])
    assert refused.exit_code == 2 and "in another storage" in refused.stderr
    # the same storage named by another path goes on; so does the search once its folder moved (its journal with it)
    again = runner.invoke(app, ["tune", "rosenbrock", *args, "--storage", "out/../out/study.journal", "--out", "out"])
    assert again.exit_code == 0, again.output
    out.rename(tmp_path / "moved")
    moved = runner.invoke(app, ["tune", "rosenbrock", *args, "--out", "moved"])
    assert moved.exit_code == 0, moved.output


def test_a_search_an_earlier_release_recorded_with_relative_paths_resumes_in_place(tmp_path, monkeypatch):
    """Releases before the paths were absolute recorded ``--storage`` and ``--out`` as given (``td/study.journal``,
    ``td``): the same command, and the one ``descend show`` prints, were refused as "another storage" (the same
    file). A relative journal under the recorded --out is that folder's; another relative path is not known, so it
    is not held against the search, and ``descend show`` says the folder's journal."""
    monkeypatch.chdir(tmp_path)
    args = ["rosenbrock", "--trials", "4", "--cohort", "4", "--steps", "20", "--seeds", "1", "--quiet"]
    assert runner.invoke(app, ["tune", *args, "--out", "td"]).exit_code == 0
    record = json.loads((tmp_path / "td" / "best.json").read_text())
    assert record["storage"] == str(tmp_path / "td" / "study.journal")
    record["storage"] = "td/study.journal"  # as an earlier release wrote it
    record["resume"] = record["resume"].replace(str(tmp_path / "td"), "td")
    (tmp_path / "td" / "best.json").write_text(json.dumps(record))
    shown = runner.invoke(app, ["show", "td"])
    assert shown.exit_code == 0 and str(tmp_path / "td" / "study.journal") in " ".join(shown.output.split())
    again = runner.invoke(app, ["tune", *args, "--out", "td"])
    assert again.exit_code == 0, again.output
    record = json.loads((tmp_path / "td" / "best.json").read_text())
    record["storage"] = "elsewhere/study.journal"  # relative, not under the folder: where it was is not known
    (tmp_path / "td" / "best.json").write_text(json.dumps(record))
    assert runner.invoke(app, ["tune", *args, "--out", "td"]).exit_code == 0


def test_the_printed_resume_command_resumes_from_any_folder(tmp_path, monkeypatch):
    """A search run with relative paths printed --storage res/study.journal --out res (and --csv data.csv): from
    another folder that command started a new study there. The paths are absolute, and a study resumed with its
    CSV file named by another path is the same task (the digest of the numbers tells an edited file)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 2))
    lines = ["a,b,y"] + [f"{a:.4f},{b:.4f},{1.5 * a - 2 * b:.4f}" for a, b in x]
    (tmp_path / "data.csv").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    searched = runner.invoke(app, ["tune", "--csv", "data.csv", "--column", "y", "-o", "adam", "--trials", "4",
                                   "--cohort", "4", "--steps", "10", "--seeds", "0", "--quiet", "--out", "res"])
    assert searched.exit_code == 0, searched.output
    resume = next(line for line in searched.stdout.splitlines() if line.startswith("resume or add workers: "))
    words = shlex.split(resume.removeprefix("resume or add workers: descend "))
    assert [words[words.index(flag) + 1] for flag in ("--csv", "--storage", "--out")] == [
        str(tmp_path / "data.csv"), str(tmp_path / "res" / "study.journal"), str(tmp_path / "res")]
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    again = runner.invoke(app, [*words[:words.index("--trials") + 1], "8", *words[words.index("--trials") + 2:]])
    assert again.exit_code == 0, again.output
    assert not (tmp_path / "elsewhere" / "res").exists()
    assert len((tmp_path / "res" / "trials.csv").read_text().splitlines()) == 1 + 8  # the same study, 4 more


def test_the_printed_resume_command_reads_a_csv_search_s_re_runs_and_another_setting_is_named(tmp_path,
                                                                                              monkeypatch):
    """The re-runs were kept under the CSV file's path as given: the resume command descend prints (the absolute
    path) trained them again and replaced the kept ones, and so did going back to the relative path. And with the
    file named by another path, another setting's refusal named --csv (the path), not the setting changed."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(60, 2))
    (tmp_path / "data.csv").write_text("a,b,y\n" + "".join(f"{a:.4f},{b:.4f},{a - b:.4f}\n" for a, b in x))
    monkeypatch.chdir(tmp_path)
    args = ["--column", "y", "-o", "adam", "--trials", "4", "--cohort", "4", "--steps", "10", "--seeds", "1",
            "--out", "res"]
    searched = runner.invoke(app, ["tune", "--csv", "data.csv", *args])
    assert searched.exit_code == 0, searched.output
    journal = (tmp_path / "res" / "study.journal").read_bytes()
    resume = next(line for line in searched.stdout.splitlines() if line.startswith("resume or add workers: "))
    words = shlex.split(resume.removeprefix("resume or add workers: descend "))
    for command in (words, ["tune", "--csv", "./data.csv", *args]):
        again = runner.invoke(app, command, env={"COLUMNS": "300"})
        assert again.exit_code == 0, again.output
        assert "were read from the study" in " ".join(again.output.split())
        assert (tmp_path / "res" / "study.journal").read_bytes() == journal  # nothing trained, nothing written
    changed = runner.invoke(app, ["tune", "--csv", "./data.csv", *args, "--no-standardize-target"])
    assert changed.exit_code == 2
    assert "error: --standardize-target: " in changed.stderr and "--csv" not in changed.stderr


def test_a_study_holding_more_trials_than_the_budget_and_unequal_studies_are_said(tmp_path):
    """Two optimizers "with the same trial budget", one of whose studies already held twice --trials: its best came
    from beyond the budget, the table compared 8 trials with 4, and nothing said so."""
    shared = ["--cohort", "4", "--steps", "10", "--seeds", "0", "--storage", str(tmp_path / "s.journal")]
    first = runner.invoke(app, ["tune", "line", "-o", "adam", "-o", "sgd", "--trials", "8", *shared,
                                "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert "note:" not in first.stdout
    second = runner.invoke(app, ["tune", "line", "-o", "adam", "-o", "rmsprop", "--trials", "4", *shared,
                                 "--out", str(tmp_path / "b")], env={"COLUMNS": "400"})
    assert second.exit_code == 0, second.output
    notes = json.loads((tmp_path / "b" / "best.json").read_text())["notes"]
    assert notes == ["adam: its study holds 8 finished trials, more than --trials 4 (an earlier search of it, or other "
                     "workers'): its best is of all 8",
                     "the studies hold different numbers of finished trials (adam 8, rmsprop 4): their bests are not "
                     "of one budget; --trials 8 for every optimizer evens them"]
    assert all(f"note: {note}" in second.stdout for note in notes)


def test_descend_show_says_when_a_searchs_report_is_not_there(tmp_path):
    """A search stopped while its report was drawn keeps its tables and best.json (the command said "the same command
    writes it"); descend show printed the table and said nothing of the missing page."""
    out = tmp_path / "out"
    searched = runner.invoke(app, ["tune", "line", "-o", "adam", "--trials", "4", "--cohort", "4", "--steps", "10",
                                   "--seeds", "0", "--quiet", "--out", str(out)])
    assert searched.exit_code == 0, searched.output
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0 and "report.html" not in shown.stdout
    (out / "report.html").unlink()
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0
    assert "note: its report (report.html and its figures) is not there: the same command writes it: descend tune " \
        "line -o adam" in shown.stdout
    # a search from Python (descend.tune(out=...)) has its study on disk: it said "its study was in memory"
    descend.tune("line", optimizer="adam", trials=4, cohort=4, steps=10, seeds=0, out=str(out))
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "400"})
    assert shown.exit_code == 0 and "in memory" not in shown.stdout
    assert "is not there: the search ran from Python (descend.tune), which writes its report with write_report (from " \
        f"descend.tune.report import write_report); descend tune with the search's options and --storage " \
        f"{out / 'study.journal'} resumes it and writes it" in shown.stdout, shown.stdout


def test_a_refused_resume_names_the_flag_given(tmp_path):
    """--epochs where the study trained --steps was refused naming --steps; another task without --space was
    refused naming --space (its default space differs), whose advice would only meet the task's refusal next."""
    out = str(tmp_path / "out")
    first = runner.invoke(app, ["tune", "line", "-o", "adam", "--trials", "4", "--cohort", "4", "--steps", "10",
                                "--seeds", "0", "--quiet", "--out", out, "--study", "s"])
    assert first.exit_code == 0, first.output
    epochs = runner.invoke(app, ["tune", "line", "-o", "adam", "--trials", "4", "--cohort", "4", "--epochs", "2",
                                 "--seeds", "0", "--quiet", "--out", out, "--study", "s"])
    assert epochs.exit_code == 2 and "error: --epochs: study 's' was made with --steps 10, not --epochs 2" in \
        epochs.output  # (it said "budget 'steps=10', not 'epochs=2'")
    task = runner.invoke(app, ["tune", "rosenbrock", "-o", "adam", "--trials", "4", "--cohort", "4", "--steps", "10",
                               "--seeds", "0", "--quiet", "--storage", str(tmp_path / "out" / "study.journal"),
                               "--out", str(tmp_path / "other"), "--study", "s"])
    assert task.exit_code == 2 and "error: TASK: study 's' was made with task 'line', not 'rosenbrock'" in task.output
    # a schedule over the steps differs with them: the budget was blamed on --schedule, given as before
    common = ["tune", "line", "-o", "adam", "--trials", "4", "--cohort", "4", "--seeds", "0", "--quiet",
              "--schedule", "cosine", "--study", "cos"]
    assert runner.invoke(app, [*common, "--steps", "10", "--out", str(tmp_path / "c")]).exit_code == 0
    longer = runner.invoke(app, [*common, "--steps", "20", "--storage", str(tmp_path / "c" / "study.journal"),
                                 "--out", str(tmp_path / "c2")])
    assert longer.exit_code == 2 and "error: --steps: study 'cos' was made with --steps 10, not --steps 20" in \
        longer.output, longer.output


def test_two_csv_files_of_one_name_in_one_storage_are_told_apart_by_the_study_name(tmp_path):
    """Two data.csv files tuned into one --storage: the refusal began "TASK:" (--csv was given) and advised another
    --out directory, which cannot help: the study is in the storage given, whatever --out is."""
    for folder, column in (("A", "label"), ("B", "y")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "data.csv").write_text(f"a,b,{column}\n" + "".join(
            f"{i % 7}.5,{i % 5}.25,{i % 2 if column == 'label' else f'{i % 7 + i % 5}.5'}\n" for i in range(40)))
    storage = f"sqlite:///{tmp_path / 's.db'}"
    common = ["-o", "adam", "--trials", "2", "--cohort", "2", "--steps", "5", "--seeds", "0", "--quiet",
              "--storage", storage]
    first = runner.invoke(app, ["tune", "--csv", str(tmp_path / "A" / "data.csv"), "--column", "label", *common,
                                "--out", str(tmp_path / "tA")])
    assert first.exit_code == 0, first.output
    for out in ("tB", "tOther"):
        other = runner.invoke(app, ["tune", "--csv", str(tmp_path / "B" / "data.csv"), "--column", "y", *common,
                                    "--out", str(tmp_path / out)])
        assert other.exit_code == 2, other.output
        line = other.stderr.strip()
        assert line.startswith("error: --csv: study 'data' was made with task ") and \
            line.endswith("; give the same to resume it, or another --study name"), line
    renamed = runner.invoke(app, ["tune", "--csv", str(tmp_path / "B" / "data.csv"), "--column", "y", *common,
                                  "--study", "data-b", "--out", str(tmp_path / "tB")])
    assert renamed.exit_code == 0, renamed.output


def test_a_study_name_with_control_characters_is_printed_escaped_and_resumes_as_printed(tmp_path):
    """--study with an ESC sequence: the resume line printed it raw, which cleared the terminal."""
    out = tmp_path / "out"
    argv = ["tune", "line", "-o", "adam", "--trials", "2", "--cohort", "2", "--steps", "5", "--seeds", "0", "--quiet",
            "--out", str(out)]
    result = runner.invoke(app, [*argv, "--study", "s\x1b[2Jx"])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output
    assert "study: 's\\x1b[2Jx' in " in result.stdout
    resume = next(line for line in result.stdout.splitlines() if line.startswith("resume or add workers:"))
    assert " --study $'s\\x1b[2Jx' " in resume
    # the printed line, run by the shell, resumes the same study
    command = resume.partition(": ")[2].replace("descend tune", f"{shlex.quote(sys.executable)} -m descend tune", 1)
    again = subprocess.run(["bash", "-c", command.replace("--trials 2", "--trials 3")], capture_output=True,
                           text=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}, timeout=300)
    assert again.returncode == 0 and "resumed: 2 trials done" in again.stderr, again.stderr


def test_an_out_of_ones_own_is_refused_before_any_work_and_left_as_it_was(tmp_path):
    """--out holding a report.html, table.csv and figures of one's own: the search replaced them without a
    word (descend compare refuses such a directory)."""
    out = tmp_path / "mine"
    (out / "figures").mkdir(parents=True)
    for name in ("report.html", "table.csv", "figures/best-so-far.png"):
        (out / name).write_text("mine")
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: --out {str(out)!r} is not empty (")
    assert "holds no search of descend tune; a search takes a directory of its own" in result.stderr
    assert sorted(p.name for p in out.rglob("*")) == ["best-so-far.png", "figures", "report.html", "table.csv"]
    assert all(p.read_text() == "mine" for p in out.rglob("*") if p.is_file())
    # a folder holding only the study's journal (--storage DIR/study.journal --out DIR) is taken
    held = tmp_path / "held"
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--storage", str(held / "study.journal"),
                                 "--out", str(held)])
    assert result.exit_code == 0, result.output


class _Killed(BaseException):
    """A process killed: nothing after it runs (no handler of descend's sees it)."""


def test_a_search_killed_while_writing_leaves_no_record_and_show_says_so(tmp_path, monkeypatch):
    """kill -9 while the report was drawn left the new tables beside the earlier search's report.html and figures
    under a best.json that said nothing was amiss: best.json is now removed first and written last."""
    from descend.tune import report

    out = tmp_path / "out"
    assert runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)]).exit_code == 0

    def killed(*args, **kwargs):
        raise _Killed

    monkeypatch.setattr(report, "write_report", killed)
    more = [a if a != "8" else "12" for a in FAST]
    with pytest.raises(_Killed):
        runner.invoke(app, ["tune", "line", "-o", "gd", *more, "--out", str(out)], catch_exceptions=False)
    assert not (out / "best.json").exists() and not (out / "report.html").exists()
    assert len(open(out / "trials.csv").readlines()) == 13  # the new tables; nothing says they are whole
    monkeypatch.undo()
    shown = runner.invoke(app, ["show", str(out)])
    assert shown.exit_code == 2 and "holds a search whose results are not all written" in shown.stderr
    assert "either it is still running" in shown.stderr  # a search that is still training says nothing else
    compared = runner.invoke(app, ["compare", "line", "--steps", "5", "--out", str(out)])
    assert compared.exit_code == 2 and "holds the results of descend tune" in compared.stderr
    again = runner.invoke(app, ["tune", "line", "-o", "gd", *more, "--out", str(out)])
    assert again.exit_code == 0 and json.loads((out / "best.json").read_text())["best"]
    assert "12 trials" in (out / "report.html").read_text()


def test_results_that_cannot_be_written_are_one_line_and_the_study_keeps_the_trials(tmp_path, monkeypatch):
    """A full disk while the results were written ended in a traceback from the atomic write."""
    from descend.tune import result as result_module

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(result_module, "write_files", full)
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: the results could not be written to {str(out)!r} (No space left on "
                                    "device); the study keeps every trial; the same command writes them: descend tune")
    assert "Traceback" not in result.output and not (out / "best.json").exists()
    monkeypatch.undo()
    again = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)])
    assert again.exit_code == 0 and (out / "best.json").exists()
    assert len(json.loads((out / "best.json").read_text())["best"]) == 1


def test_a_study_that_cannot_be_opened_for_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """A full disk at the start ended in a traceback from Optuna's journal."""
    from descend.tune import api

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device", str(tmp_path / "out" / "study.journal"))

    monkeypatch.setattr(api, "open_studies", full)
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.startswith("error: the study could not be opened or --out ") and "No space left" in \
        result.stderr


def test_a_disk_that_fills_during_the_search_is_one_line_and_the_study_resumes(tmp_path, monkeypatch):
    """The journal's write failing mid-search (a full disk) ended in Optuna's traceback."""
    from descend.tune import storage as storage_module

    cut = storage_module._cut_unfinished_line  # called before each append to the journal
    calls = {"n": 0}

    def fills(f):
        calls["n"] += 1
        if calls["n"] > 45:  # after the first cohort was told, before the second (68 appends in all)
            raise OSError(28, "No space left on device", str(tmp_path / "out" / "study.journal"))
        return cut(f)

    monkeypatch.setattr(storage_module, "_cut_unfinished_line", fills)
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.stderr.startswith("error: the study could not be written: No space left on device (") and \
        "the same command resumes the search" in result.stderr
    monkeypatch.undo()
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(out / "study.journal")))
    trials = optuna.load_study(study_name="line", storage=storage).get_trials()
    # what was told before is kept (the rest, left running, is retried by the next run once stale)
    assert any(t.state == optuna.trial.TrialState.COMPLETE for t in trials)


def test_a_database_that_stops_answering_mid_search_is_one_line(tmp_path, monkeypatch):
    """PostgreSQL stopped or restarted while a cohort was told: a 650-line traceback, exit code 1."""
    import sqlalchemy.exc

    from descend.tune.runner import Runner

    def stopped(self, asked, results):
        try:
            raise sqlalchemy.exc.OperationalError("UPDATE trials", {}, Exception(
                "terminating connection due to administrator command\nSSL connection has been closed"))
        except sqlalchemy.exc.OperationalError as e:
            raise optuna.exceptions.StorageInternalError("An exception is raised during the commit.") from e

    monkeypatch.setattr(Runner, "_tell", stopped)
    result = runner.invoke(app, ["tune", "line", "-o", "gd", *FAST, "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.stderr.startswith("error: the study's database stopped answering (terminating connection due to "
                                    "administrator command); the trials told before are kept")


def test_a_resume_line_with_a_masked_password_says_so(capsys):
    """The printed line held *** for the password and failed as printed, while the README says it resumes."""
    import pandas as pd

    from descend.tune.command import _print_outcome

    result = type("R", (), {"table": pd.DataFrame()})()
    _print_outcome(result, [], ["s"], "postgresql://u:***@h/db", "descend tune line --storage postgresql://u:***@h/db")
    assert "(with the database's password in place of ***)" in capsys.readouterr().out
    _print_outcome(result, [], ["s"], "postgresql://u@h/db?sslpassword=***",
                   "descend tune line --storage postgresql://u@h/db?sslpassword=***")
    assert "(with the database's password in place of ***)" in capsys.readouterr().out


def test_a_switch_given_as_1_is_true_as_descend_compare_reads_it(tmp_path):
    """-o sgd:nesterov=1 was refused ("nesterov=True needs momentum > 0"), where nesterov=true was taken."""
    result = runner.invoke(app, ["tune", "line", "-o", "sgd:nesterov=1", *FAST, "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    space = json.loads((tmp_path / "out" / "best.json").read_text())["spaces"]["sgd"]
    assert space.endswith(", nesterov=true"), space


def test_the_terminal_counts_the_re_runs_without_a_result_where_there_are_some():
    """3 of 5 re-runs out of the ellipse's domain showed "seeds 5, test loss 0.2759, diverged 0%": the mean of
    the two runs with a result, as if it were the five's."""
    import pandas as pd

    from descend.tune.command import _result_columns

    frame = pd.DataFrame({"seeds": [5, 5], "test loss": [0.28, 0.3], "no result": [3, 0],
                          "divergence rate": [0.0, 0.0]}, index=["adam", "sgd"])
    assert _result_columns(frame) == ["seeds", "no result", "test loss", "divergence rate"]
    assert _result_columns(frame.assign(**{"no result": [0, 0]})) == ["seeds", "test loss", "divergence rate"]


@pytest.mark.parametrize("sampler, pruner, said", [
    ("gp", "sha", "note: gp sampler with pruner sha: GP learns only from completed trials and draws at random until 10 "
                  "have completed; successive halving completes about 1 trial in 9, so it stays a random search for "
                  "about 90 trials (--pruner none trains every trial to the end)"),
    ("cmaes", "median", "note: cmaes sampler with pruner median: CMA-ES learns only from completed trials and advances "
                        "a generation once 4 of them have completed (a cohort, without a pruner); the median rule "
                        "completes only the trials never worse than the median at a checkpoint, so a generation takes "
                        "more than a cohort (--pruner none trains every trial to the end)"),
])
def test_a_sampler_that_learns_from_completed_trials_only_says_what_a_pruner_costs_it_before_the_search(
        tmp_path, sampler, pruner, said):
    """Optuna's GP and CMA-ES learn only from completed trials, and successive halving completes about 1 trial in
    9: GP stayed a random search and CMA-ES advanced a generation every ~9 cohorts, without a word."""
    out = tmp_path / "out"
    result = runner.invoke(app, ["tune", "line", "--sampler", sampler, "--pruner", pruner, "--steps", "20",
                                 "--trials", "4", "--cohort", "4", "--seeds", "0", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.stderr.split("\n")
    assert lines[0].startswith("tuning adam on line") and said in lines
    assert lines.index(said) < next(i for i, line in enumerate(lines) if "trials best" in line)  # before the bar
    assert said not in result.stdout  # once, before the search starts
    assert said.removeprefix("note: ") in json.loads((out / "best.json").read_text())["notes"]  # the report's too
    trials = optuna.load_study(study_name="line", storage=storage_module.open_storage(str(out / "study.journal")))
    assert {t.user_attrs["descend"]["pruner"] for t in trials.trials} == {pruner}  # the pruner stays the one given


def test_two_searches_given_one_out_at_the_same_time_never_both_write_there(tmp_path, monkeypatch):
    """Two searches of other studies started together with the same --out both checked it at their start (no
    best.json yet), both trained and both said "results: OUT/..."; the folder held one search's results, and the
    other's were lost without a word."""
    from descend.tune import result as result_module

    out = tmp_path / "out"
    first = runner.invoke(app, ["tune", "line", "-o", "gd", "--study", "s-gd", *FAST, "--out", str(out)])
    assert first.exit_code == 0, first.output
    # a search that took the folder and has not written yet: its marker names its study
    taken = tmp_path / "taken"
    result_module.take(taken, {"s-adam"})
    other = runner.invoke(app, ["tune", "line", "-o", "sgd", "--study", "s-sgd", *FAST, "--out", str(taken)])
    assert other.exit_code == 2 and "is taken by another search (study 's-adam')" in other.stderr, other.output
    # both began before either took it: the one that ends second is told, and writes nothing there
    real, calls = result_module.check_out, []

    def meanwhile(folder, studies, flag, **kwargs):
        calls.append(studies)
        if len(calls) == 3:  # the check before writing: the other search wrote its results meanwhile
            (Path(folder) / "best.json").write_text(json.dumps({"studies": {"adam": "s-adam"}}))
        return real(folder, studies, flag, **kwargs)

    monkeypatch.setattr(result_module, "check_out", meanwhile)
    racing = tmp_path / "racing"
    late = runner.invoke(app, ["tune", "line", "-o", "sgd", "--study", "s-sgd", *FAST, "--out", str(racing)])
    assert late.exit_code == 1, late.output
    assert "holds the results of another search (study 's-adam')" in late.stderr
    assert "this search's results are not written there: its study keeps every trial" in late.stderr
    assert not (racing / "trials.csv").exists() and "results:" not in late.stdout


def test_every_trial_trains_with_the_settings_descend_compare_takes(tmp_path):
    """descend tune took the data's options of descend compare but none of how a run trains: a search with a
    schedule, clipping, another loss or start was possible in Python only. Each trial trains with them now and
    equals its configuration trained alone with them, bit for bit (line: per-run arithmetic)."""
    from descend import schedules, tasks
    from descend.spec import RunSpec

    out = tmp_path / "out"
    argv = ["tune", "line", "-o", "adam", "--steps", "30", "--trials", "6", "--cohort", "6", "--seeds", "0",
            "--batch-size", "16", "--schedule", "cosine:min_value=0.1", "--clip-norm", "0.5", "--clip-value", "2",
            "--start", "2,-1", "--loss", "mae", "--out", str(out)]
    result = runner.invoke(app, argv, env={"COLUMNS": "150"})
    assert result.exit_code == 0, result.output
    # said as the search starts and in the report, and part of the command that resumes it
    assert "every trial: loss mae, dtype float32, clip_norm 0.5, clip_value 2.0, schedules lr:cosine(" in result.output
    resume = next(line for line in result.stdout.splitlines() if line.startswith("resume or add workers:"))
    for given in ("--schedule cosine:min_value=0.1", "--clip-norm 0.5", "--clip-value 2", "--start 2,-1", "--loss mae"):
        assert given in resume, given
    assert "<b>Training:</b> loss mae, dtype float32, clip_norm 0.5" in (out / "report.html").read_text()
    record = json.loads((out / "best.json").read_text())  # beside the best configuration, what every trial shared
    assert record["training"].startswith("loss mae, dtype float32, clip_norm 0.5, clip_value 2.0, schedules lr:cosine(")
    # and what a trial trained on and for how long, to train it again
    assert record["budget"] == "steps=30" and record["task"].startswith("line; ")
    study = optuna.load_study(study_name="line", storage=storage_module.open_storage(str(out / "study.journal")))
    task = tasks.get("line", start=(2.0, -1.0))
    cosine = schedules.cosine(1.0, 30, min_value=0.1)
    trials = study.get_trials()
    assert len(trials) == 6
    for t in trials:
        runs = descend.fit(task=task, runs=[RunSpec("adam", dict(t.params), 16, t.number, None, {"lr": cosine}, 0.5,
                                                    2.0)], steps=30, loss="mae", record_grad_norms=False)
        assert t.value == runs.summary["final_validation_loss"].iloc[0]
    unscheduled = descend.fit(task=task, runs=[RunSpec("adam", dict(trials[0].params), 16, 0, None, {}, 0.5, 2.0)],
                              steps=30, loss="mae", record_grad_norms=False)
    assert trials[0].value != unscheduled.summary["final_validation_loss"].iloc[0]  # the schedule mattered


def test_a_study_resumed_with_other_training_settings_names_their_flags(tmp_path):
    """A study is refused when resumed with another schedule, model initialisation or task option, naming the flag
    that differs (it said --hidden and --model, which descend tune does not take)."""
    out = tmp_path / "out"
    argv = ["tune", "digits", "-o", "adam", "--steps", "5", "--trials", "2", "--cohort", "2", "--seeds", "0",
            "--task-option", "hidden=8", "--init", "he", "--schedule", "cosine", "--quiet", "--out", str(out)]
    assert runner.invoke(app, argv).exit_code == 0
    for flag, value, said in (("--task-option", "hidden=16", "error: --task-option hidden: study 'digits' was made "
                                                             "with hidden=(8,), not hidden=(16,)"),
                              ("--init", "xavier", "error: --init: study 'digits' was made with model=MLP("),
                              ("--schedule", "one_cycle", "error: --schedule: study 'digits' was made with "
                                                          "schedules=lr:cosine(")):
        result = runner.invoke(app, more(argv, flag, value))
        assert result.exit_code == 2 and said in result.output, result.output


@pytest.mark.parametrize("flags, said", [
    (["--schedule", "cosin"], "error: --schedule 'cosin': unknown schedule; did you mean 'cosine'"),
    (["--schedule", "cosine", "--epochs", "2", "--steps", None, "--space", "lr=1e-3..1e-1:log, batch_size=16|32"],
     "error: --schedule 'cosine' lasts the steps of a trial, which under an --epochs budget its batch size decides, "
     "and --space searches the batch size (16|32); put the schedule in the space, --space '..., schedule=cosine' "
     "(each trial's over its own steps), give cosine:total_steps=..., or give --steps"),
    (["--schedule", "cosine", "--epochs", "2", "--steps", None, "--space", "lr=1e-3..1e-1:log, batch_size=16"],
     "error: --schedule 'cosine' lasts the steps of a trial, which under an --epochs budget its batch size decides, "
     "and --space fixes it at 16: put the schedule in the space, --space '..., schedule=cosine' (each trial's over "
     "its own steps), give the batch size as --batch-size 16 (every optimizer's), or give cosine:total_steps=..."),
    (["--schedule", "cosin", "--epochs", "2", "--steps", None],  # no steps' suffix for a name that is none
     "error: --schedule 'cosin': unknown schedule; did you mean 'cosine'? (allowed: "),
    (["--schedule", " ", "--epochs", "2", "--steps", None],  # refused under --steps, and so under --epochs
     "error: --schedule ' ': give a schedule such as cosine or step:step_size=100,gamma=0.5"),
    (["--schedule", "one_cycle", "--epochs", "1", "--steps", None, "--batch-size", "full"],
     "error: --schedule 'one_cycle': total_steps=1 is out of range; allowed: [2, inf) (at batch size full, whose 1 "
     "epoch takes 1 step)"),
    (["--clip-norm", "0"], "error: --clip-norm '0': a positive number is required"),
    (["--loss", "hinge"], "error: --loss 'hinge': unknown loss 'hinge'"),
    (["--task-option", "hiden=8"], "error: --task-option: unknown option of task 'digits' 'hiden'"),
    (["--init", "he", "--init-scale", "2"], "error: --init-scale 2 is the scale of --init normal"),
])
def test_a_training_setting_descend_tune_refuses_is_one_line_before_any_study(tmp_path, flags, said):
    argv = ["tune", "digits", "-o", "adam", "--steps", "5", "--trials", "2", "--cohort", "2", "--seeds", "0",
            "--quiet", "--out", str(tmp_path / "out")]
    for flag, value in zip(flags[::2], flags[1::2]):
        argv = [a for i, a in enumerate(argv) if a != flag and (i == 0 or argv[i - 1] != flag)] if value is None \
            else [*argv, flag, value]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and said in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing written


def test_a_schedule_lasts_the_steps_of_the_trials_batch_size_under_epochs(tmp_path):
    """`descend tune iris --epochs 2 --schedule cosine` was refused (each trial's batch size would decide its steps),
    and with --batch-size 8 one_cycle was checked at the comparison's batch sizes (the full batch's 2 steps): with one
    batch size the trials train the schedule over the steps it takes, the numbers of descend.fit's run of it."""
    from descend.data import batches
    from descend.schedules import one_cycle
    from descend.spec import RunSpec

    task = descend.tasks.get("iris")
    steps = len(batches(len(task.data.train), batch_size=8, seed=0, epochs=2).indices)
    out = tmp_path / "out"
    argv = ["tune", "iris", "-o", "adam", "--epochs", "2", "--batch-size", "8", "--schedule", "one_cycle",
            "--trials", "2", "--cohort", "2", "--seeds", "0", "--quiet", "--out", str(out)]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    trials = optuna.load_study(study_name="iris", storage=storage_module.open_storage(str(out / "study.journal"))
                               ).get_trials()
    runs = descend.fit(task=task, runs=[RunSpec("adam", dict(t.params), 8, t.number, None,
                                                {"lr": one_cycle(1.0, steps)}) for t in trials],
                       epochs=2, record_grad_norms=False)
    assert [t.value for t in trials] == runs.summary["final_validation_loss"].tolist()
    assert "'one_cycle' lasts" not in result.output


def test_a_small_training_set_is_checked_at_the_trials_batch_size_not_the_tasks_defaults(tmp_path):
    """ellipse with n=5 has 5 training rows, and its default batch sizes include 32: every --batch-size was refused
    ("its default batch size 32 does not fit; give --batch-size 1..5 or full"), --batch-size full too, where descend
    compare trains it. The trials' batch size is checked, in descend tune's words."""
    argv = ["tune", "ellipse", "--task-option", "n=5", "-o", "gd", "--trials", "2", "--cohort", "2", "--steps", "2",
            "--seeds", "0", "--quiet"]
    for given in ([], ["--batch-size", "full"], ["--batch-size", "2"]):
        result = runner.invoke(app, [*argv, *given, "--out", str(tmp_path / f"out{len(given)}{given[-1:]}")])
        assert result.exit_code == 0, (given, result.output)
    result = runner.invoke(app, [*argv, "--batch-size", "32", "--out", str(tmp_path / "big")])
    assert result.exit_code == 2 and result.output.strip() == (
        "error: --batch-size 32 is larger than the training set of task 'ellipse' (5 samples); allowed: 1..5, or full")
    # a task whose own first batch size is larger (bbox's 32 on 12 training samples): refused before any study (it
    # failed in the middle of the search, and the study it left refused the --batch-size that fixes it)
    result = runner.invoke(app, ["tune", "bbox", "--task-option", "m=20", "-o", "adam", "--trials", "2", "--steps",
                                 "2", "--seeds", "0", "--quiet", "--out", str(tmp_path / "bbox")])
    assert result.exit_code == 2 and result.output.strip() == (
        "error: the task's default batch size 32 is larger than the training set of task 'bbox' (12 samples): give "
        "--batch-size 1..12 or full") and not (tmp_path / "bbox").exists()


def test_help_shows_the_training_settings_in_the_words_of_descend_tune():
    result = runner.invoke(app, ["tune", "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for flag in ("--schedule", "--loss", "--init", "--init-scale", "--start", "--clip-norm", "--clip-value",
                 "--task-option"):
        assert flag in result.stdout, flag
    assert "--lr" not in result.stdout and "configuration file" not in result.stdout  # compare's options, not tune's


@pytest.mark.parametrize("flags, said", [
    (["--space", "lr=1e-3..1e-1:log, schedule=constant|cosine", "--schedule", "cosine"],
     "error: --schedule and --space's schedule both set the schedule of adam's lr; give it in one place"),
    (["-o", "sgd", "--space", "lr=0|0.1, schedule=constant|cosine"],
     "error: --space: schedule multiplies lr, which sgd's trials may have at 0"),
    (["--space", "lr=1e-3..1e-1:log, schedule=constant|cosine:total_steps=2", "--steps", "5"], None),
])
def test_a_searched_schedule_is_refused_beside_another_before_any_study(tmp_path, flags, said):
    argv = ["tune", "line", "--trials", "2", "--cohort", "2", "--seeds", "0", "--quiet", "--out", str(tmp_path / "o")]
    argv += ["--steps", "5"] if "--steps" not in flags else []
    argv = [*argv[:2], *(["-o", "adam"] if "-o" not in flags else []), *argv[2:], *flags]
    result = runner.invoke(app, argv)
    if said is None:  # a schedule that ends before the steps do: allowed (cosine stays at its end)
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 2 and said in result.output, result.output
    assert not (tmp_path / "o").exists()


def test_a_pruner_beside_a_searched_warm_up_schedule_is_said_before_the_search(tmp_path):
    """Successive halving judged one_cycle's trials at step 12 of 100, in their warm-up (a 25th of their rate), and
    pruned them for it: the search says so as it starts (a note, not a refusal)."""
    argv = ["tune", "line", "-o", "adam", "--pruner", "sha", "--space",
            "lr=1e-3..1e-1:log, schedule=constant|one_cycle", "--steps", "30", "--trials", "4", "--cohort", "4",
            "--seeds", "0", "--out", str(tmp_path / "o")]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    assert "note: adam: the pruner judges each trial at checkpoints from early on, where one_cycle's warm-up" in \
        result.output
    quiet = runner.invoke(app, more(more(argv, "--pruner", "none"), "--out", str(tmp_path / "p")))
    assert quiet.exit_code == 0 and "one_cycle's warm-up" not in quiet.output


def test_the_same_model_given_another_way_resumes_its_study(tmp_path):
    """--task-option hidden=32 is digits' own network, (32,): a study made without it was refused (made with
    hidden=(32,), not hidden=32), as the option was compared as typed."""
    argv = ["tune", "digits", "-o", "adam", "--steps", "5", "--trials", "2", "--cohort", "2", "--seeds", "0",
            "--quiet", "--out", str(tmp_path / "out")]
    assert runner.invoke(app, argv).exit_code == 0
    result = runner.invoke(app, [*more(argv, "--trials", "3"), "--task-option", "hidden=32"])
    assert result.exit_code == 0, result.output


def test_a_constant_schedule_in_any_case_is_no_schedule(tmp_path):
    """--schedule Constant built constant(value=1.0), a schedule of its own: the study then refused no --schedule."""
    argv = ["tune", "line", "-o", "adam", "--steps", "5", "--trials", "2", "--cohort", "2", "--seeds", "0",
            "--quiet", "--out", str(tmp_path / "out")]
    assert runner.invoke(app, [*argv, "--schedule", "Constant"]).exit_code == 0
    result = runner.invoke(app, more(argv, "--trials", "3"))
    assert result.exit_code == 0, result.output


def test_a_landscapes_loss_is_said_in_words():
    from descend.tune.result import training_words

    text = ("loss=descend.problem._value_loss#6b01761e9a60; clip_norm=None; clip_value=None; dtype=float32; "
            "schedules=none")
    assert training_words(text) == "loss the function's value, dtype float32"


def test_a_search_where_matplotlibs_folder_cannot_be_made_says_nothing_of_it(tmp_path):
    """Where matplotlib's configuration folder cannot be made (a read-only home; here its parent is a file), the
    search's figures warned "Matplotlib created a temporary cache directory" and left it in /tmp: matplotlib's
    folder is then in descend's cache, chosen when descend.report is imported."""
    parent = tmp_path / "config-is-a-file"
    parent.write_text("")
    parent.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if k != "MPLCONFIGDIR"}
    env.update(XDG_CONFIG_HOME=str(parent), DESCEND_CACHE_DIR=str(tmp_path / "cache"))
    done = subprocess.run([sys.executable, "-m", "descend", "tune", "rosenbrock", "-o", "adam", *FAST, "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "atplotlib" not in done.stderr and (tmp_path / "out" / "report.html").exists()
    assert (tmp_path / "cache" / "matplotlib").is_dir()


def test_a_schedule_the_trials_steps_end_early_is_said_as_descend_compare_says_it(tmp_path):
    """descend compare says that --steps 30 trains the first 6 % of cosine:total_steps=500; descend tune said
    nothing, every trial training at nearly the full rate. It says it now, as the search starts and in its report."""
    out = tmp_path / "out"
    argv = ["tune", "line", "-o", "adam", "--steps", "30", "--trials", "2", "--cohort", "2", "--seeds", "0",
            "--schedule", "cosine:total_steps=500", "--out", str(out)]
    result = runner.invoke(app, argv, env={"COLUMNS": "150"})
    assert result.exit_code == 0, result.output
    note = (f"the schedule cosine:total_steps=500 lasts 500 steps and the budget 30: the runs train its first "
            f"{100 * 30 / 500:.3g} %")  # 6 %
    assert f"note: {note}" in result.output
    assert note in json.loads((out / "best.json").read_text())["notes"]
    assert note in (out / "report.html").read_text()
