"""The command line, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

import descend
from descend.cli import app
from descend.losses import LOSSES
from descend.optim import OPTIMIZERS
from descend.schedules import SCHEDULES

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"descend {descend.__version__}"


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "list" in result.stdout


@pytest.mark.parametrize("command", [[], ["compare"], ["tune"], ["play"], ["report"], ["landscape"]])
def test_dash_h_is_help_as_most_tools_take_it(command):
    """`descend compare -h` was "No such option: -h"."""
    result = runner.invoke(app, [*command, "-h"], env={"COLUMNS": "120"})
    assert result.exit_code == 0 and result.stdout.startswith("Usage:") and "-h, --help" in result.stdout


def test_list_all_shows_every_optimizer_loss_and_schedule():
    result = runner.invoke(app, ["list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in [*OPTIMIZERS, *LOSSES, *SCHEDULES]:
        assert f"│ {name} " in result.stdout, name


def test_list_one_kind():
    result = runner.invoke(app, ["list", "losses"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "cross-entropy" in result.stdout and "adam" not in result.stdout


def test_list_unknown_kind_is_a_usage_error():
    result = runner.invoke(app, ["list", "optimisers"])
    assert result.exit_code == 2
    assert "did you mean 'optimizers'?" in result.output and "Traceback" not in result.output


def test_list_optimizers_shows_random_search():
    result = runner.invoke(app, ["list", "optimizers"], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and "│ random-search " in result.stdout


def test_list_landscapes_counts_degenerate_saddles_and_grids_of_minima():
    result = runner.invoke(app, ["list", "landscapes"], env={"COLUMNS": "200"})
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("│")}
    assert rows["monkey-saddle"][1:] == ["0", "1"]
    assert rows["ackley"][1] == "9+" and rows["rastrigin"][1] == "9+" and rows["himmelblau"][1] == "4"


@pytest.mark.parametrize("command", ["list", "card", "compare", "landscape", "show", "report"])
def test_help_shows_types_as_words(command):
    import re

    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert not re.search(r"<(str|int|float|path|list\[[a-z]+\]|bool)>|\{[A-Z]+\}", result.stdout), result.stdout


def test_allowed_names_are_listed_once():
    from descend._checks import check_names

    with pytest.raises(ValueError) as e:
        check_names(["lrr"], ["lr", "beta1", "lr", "beta1"], what="hyperparameter")
    assert str(e.value).endswith("(allowed: beta1, lr)") and "'lr'?" in str(e.value)


def test_console_script_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "descend", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"descend {descend.__version__}"


_EXITING = """
import atexit, sys, threading, time
from pathlib import Path
import descend.cli

out = Path(sys.argv[1])
atexit.register(lambda: ((out / "at-exit").write_text("ran"), sys.stdout.write("; at exit, not flushed")))
if sys.argv[2] == "thread":  # a thread the interpreter waits for: so must the command
    threading.Thread(target=lambda: (time.sleep(0.5), (out / "thread").write_text("done"))).start()
sys.stdout.write("before the command, not flushed; ")
sys.argv = ["descend", *sys.argv[3:]]
descend.cli.run()
"""


@pytest.mark.parametrize(("args", "code"), [(["list", "optimizers"], 0), (["compare", "line", "--lr", "abc"], 2),
                                            (["list", "nothing"], 2)])
@pytest.mark.parametrize("thread", ["no thread", "thread"])
def test_a_command_ends_with_its_exit_code_its_output_and_its_exit_functions(tmp_path, args, code, thread):
    """The program ends without tearing down every module it imported (``cli.run``), but as the interpreter
    would end it: the same exit code, every line written (through a pipe: buffered), the at-exit functions
    run, and a thread that is not a daemon waited for."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe's output is then buffered
    done = subprocess.run([sys.executable, "-c", _EXITING, str(tmp_path), thread, *args], capture_output=True,
                          text=True, timeout=120, env=env)
    assert done.returncode == code, done.stderr
    assert done.stdout.startswith("before the command, not flushed; ")
    assert done.stdout.endswith("; at exit, not flushed")
    if code == 0:
        assert "adam" in done.stdout and "sgd" in done.stdout
    else:
        assert "error" in (done.stdout + done.stderr).lower()
    assert (tmp_path / "at-exit").read_text() == "ran"
    assert (tmp_path / "thread").exists() == (thread == "thread")


def test_the_report_fork_server_is_stopped_and_can_start_again():
    """``stop_fork_server`` ends the idle fork server at once (the command's output is then complete when the
    command ends, not a third of a second later), and a later report starts another."""
    import multiprocessing
    import signal
    from pathlib import Path

    from descend.report import render

    if "forkserver" not in multiprocessing.get_all_start_methods() or render.workers(2) == 0:
        pytest.skip("no fork server here")

    def state(pid):  # the process state letter, "gone" when reaped
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return "gone"

    from multiprocessing import forkserver

    render.warm_up()
    first = forkserver._forkserver._forkserver_pid
    assert first is not None and state(first) in "RSD"
    render.stop_fork_server()
    # ended and reaped, its threads too (numpy's BLAS pool: the process looked ended in /proc while they were
    # still ending, and multiprocessing, asked at once for another, kept it)
    assert state(first) == "gone" and forkserver._forkserver._forkserver_pid is None
    render.warm_up()  # multiprocessing starts another
    second = forkserver._forkserver._forkserver_pid
    assert second != first and state(second) in "RSD"
    # Ctrl-C, sent by the terminal to every process of the command, is ignored by the server from its start (one
    # that came while it imported the figure modules printed a traceback); this process still takes it
    ignored = int(next(line for line in Path(f"/proc/{second}/status").read_text().splitlines()
                       if line.startswith("SigIgn:")).split()[1], 16)
    assert ignored & (1 << (signal.SIGINT - 1))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    render.stop_fork_server()


def test_list_tasks_and_landscapes_one_line_each():
    from descend.landscapes import LANDSCAPES
    from descend.tasks import TASKS

    result = runner.invoke(app, ["list", "tasks"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name, entry in TASKS.items():
        assert f"│ {name} " in result.stdout and entry.summary in result.stdout, name
    result = runner.invoke(app, ["list", "landscapes"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name, scape in LANDSCAPES.items():
        assert f"│ {name} " in result.stdout and scape.formula in result.stdout, name


def test_card_prints_the_task_card_and_refuses_unknown_names():
    result = runner.invoke(app, ["card", "ellipse"])
    assert result.exit_code == 0
    assert "1.261845" in result.stdout and "ground truth" in result.stdout and "lr range" in result.stdout
    result = runner.invoke(app, ["card", "himmelblau"])
    assert result.exit_code == 0 and "global minima" in result.stdout
    result = runner.invoke(app, ["card", "elipse"])
    assert result.exit_code == 2
    assert "did you mean 'ellipse'" in result.output and "Traceback" not in result.output


def _wide_table(tmp_path):
    import math

    import pandas as pd

    rows = {"sgd(momentum=0.9, nesterov=true)": [0.000815, "hybrid(32→512)", 0.000815123, 1.2345, 0.9712, "> 1000",
                                                 0.0, 0.00012345],
            "adam": [0.1, "32", 12345.678, math.nan, 0.5, 120.0, 1 / 3, 1.5e-7],
            "random-search": [math.nan, "full", 0.5, 0.6, 0.5, 120.0, 1.0, 1.5e-7]}
    columns = ["lr", "batch size", "final train loss", "test loss", "test accuracy", "steps to target",
               "divergence rate", "distance to answer"]
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    frame.index.name = "optimizer"
    frame.to_csv(tmp_path / "table.csv")
    return frame


@pytest.mark.parametrize("width", [60, 80, 100])
def test_the_terminal_table_fits_and_never_splits_a_number(tmp_path, width):
    _wide_table(tmp_path)
    result = runner.invoke(app, ["show", str(tmp_path)], env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= width
    cells = [c.strip() for line in lines if line.startswith(("│", "┃")) for c in line.split("│" if "│" in line
                                                                                          else "┃")[1:-1]]
    # not a terminal: no colour, so the best cells carry a star, as the caption says (it said "green")
    assert any(c.endswith("*") for c in cells) and "*: best per metric" in result.stdout
    assert "green" not in result.stdout
    shown = {c.rstrip("*") for c in cells}
    for text in ("0.000815", "0.0008151", "1.235e4", "> 1000", "97%", "33%", "1.5e-7", "0.0001234"):
        # a number is in one cell or left out with its whole column, never cut into pieces
        assert text in shown or not any(c and c != text and c in text for c in shown if len(c) > 1), text
    assert "0.0008151" in shown and "1.235e4" in shown  # the training loss is always shown
    heads = [c for line in lines if line.startswith("┃") for c in line.split("┃")[1:-1]]
    words = {w for c in heads for w in c.split()}
    assert words <= {"optimizer", "lr", "batch", "train", "loss", "test", "accuracy", "to", "target", "diverged",
                     "distance"}, words  # a heading breaks between words only
    if width < 100:
        assert "not shown at this width" in result.stdout
    else:
        assert "not shown" not in result.stdout or "distance" in result.stdout


def test_show_says_what_a_directory_holds_when_it_holds_no_results(tmp_path):
    """A search killed before its first results (kill -9) left only its study: show said it held no report, and
    a path that does not exist was called "not a directory"."""
    (tmp_path / "killed").mkdir()
    (tmp_path / "killed" / "study.journal").write_text("")
    result = runner.invoke(app, ["show", str(tmp_path / "killed")])
    assert result.exit_code == 2 and "holds the study of a search that has not written its results" in result.output
    assert "either it is still running" in result.output
    assert "resumes it" in result.output
    result = runner.invoke(app, ["show", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_card_takes_a_formula_as_compare_and_tune_do():
    result = runner.invoke(app, ["card", "x**2 + 3*y**2"])
    assert result.exit_code == 0 and "The 2-D cost surface J = x**2 + 3*y**2" in result.output


def test_a_comparison_into_a_searchs_directory_is_refused_without_offering_force(tmp_path):
    """compare --out TUNE_DIR said to use --force, which was then refused (the study's files are not a report's)."""
    out = tmp_path / "search"
    assert runner.invoke(app, ["tune", "booth", "--trials", "2", "--cohort", "2", "--steps", "10", "--seeds", "1",
                               "--quiet", "--out", str(out)]).exit_code == 0
    for force in ([], ["--force"]):
        result = runner.invoke(app, ["compare", "line", "--steps", "5", *force, "--out", str(out)])
        assert result.exit_code == 2 and "holds the results of descend tune" in result.output
        assert "--force" not in result.output


def test_landscape_of_a_one_parameter_landscape_says_what_to_run_instead():
    result = runner.invoke(app, ["landscape", "parabola"])
    assert result.exit_code == 2 and "descend compare parabola trains and reports it" in result.output


def test_show_titles_a_formulas_report_with_the_formula(tmp_path):
    out = tmp_path / "r"
    assert runner.invoke(app, ["compare", "x**2 + 3*y**2", "--steps", "5", "--seeds", "1", "-o", "adam", "--quiet",
                               "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0 and result.stdout.lstrip().startswith("x**2 + 3*y**2"), result.stdout[:200]


def test_a_terminal_tables_cells_read_as_the_reports():
    """descend show printed 90.0% and 21.0 where the page said 89.97% and 21 (table.csv read back as text)."""
    import io

    import pandas as pd
    from rich.console import Console

    from descend.cli import _table_of
    from descend.report.html import _cell_text

    frame = pd.read_csv(io.StringIO("optimizer,test accuracy,steps to target,final train loss\n"
                                    "sgd,0.899721,21.0,12345.6\nadam,0.95,> 68,1.5e-07\n"), index_col=0)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(_table_of(frame, {"test accuracy": ["adam"]}, "t", width=200))
    text = console.file.getvalue()
    assert _cell_text("test accuracy", 0.899721) == "89.97%" and "89.97%" in text and "95%" in text
    assert " 21 " in text and "> 68" in text and "1.235e4" in text and "1.5e-7" in text


def test_a_winner_is_shown_with_the_digits_that_tell_it_from_the_cells_it_beat():
    """Both models at chance: 0.69297 marked best over 0.69299, both shown as 0.693 (terminal and page)."""
    import io

    import pandas as pd
    from rich.console import Console

    from descend.cli import _table_of
    from descend.report.html import _table_html

    frame = pd.DataFrame({"final train loss": [0.69297, 0.69299], "test loss": [0.5, 0.5]}, index=["adam", "sgd"])
    winners = {"final train loss": ["adam"], "test loss": ["adam", "sgd"]}
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(_table_of(frame, winners, "t", width=200))
    text = console.file.getvalue()
    assert "0.69297*" in text and "0.69299 " in text and text.count("0.5*") == 2  # a tie keeps its digits
    page = _table_html(frame, list(frame.columns), winners, {"adam": "#000", "sgd": "#111"})
    assert ">0.69297</td>" in page and ">0.69299</td>" in page and page.count(">0.5</td>") == 2


def test_output_in_an_encoding_without_descends_characters_is_written_not_a_crash():
    """With an ISO-8859-1 terminal (PYTHONIOENCODING=latin-1 stands in for its locale), descend list, card and
    compare's table ended in UnicodeEncodeError on "—" (compare after writing its report)."""
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for args in (["list"], ["card", "rosenbrock"]):
        result = subprocess.run([sys.executable, "-m", "descend", *args], capture_output=True, env=env)
        assert result.returncode == 0 and b"UnicodeEncodeError" not in result.stderr, result.stderr[-300:]
        assert b"?" in result.stdout  # the characters latin-1 lacks, as "?"


def test_report_help_says_it_imports_the_reports_plugin():
    """descend report --help said "no training" only, while it imports the plugin file a report's config.toml
    names: a report folder from someone else is code to read first (as the README says)."""
    import re

    result = runner.invoke(app, ["report", "--help"], env={"COLUMNS": "120"})
    text = re.sub(r"\s+", " ", result.stdout.replace("│", " "))
    assert "It imports the plugin file that the report's config.toml names" in text, text
    assert "read that file first in a report folder from someone else" in text


def test_another_warning_while_a_report_is_written_is_shown_once_and_the_command_goes_on():
    """Any other warning raised while a report was written (matplotlib's, say) made the command loop for ever: the
    block that says which figures failed showed it into the record it was reading."""
    code = ("import warnings\nfrom descend.cli import _drawings_failed\n"
            "from descend.report.build import DrawingFailed\nwith _drawings_failed():\n"
            "    warnings.warn('another', UserWarning)\n"
            "    warnings.warn('figure x is not in the report', DrawingFailed)\nprint('done')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout == "done\n", done.stderr
    assert done.stderr.count("UserWarning: another") == 1, done.stderr
    assert done.stderr.count("warning: figure x is not in the report") == 1, done.stderr


def test_a_command_started_without_standard_error_runs_and_one_on_a_full_output_says_so(tmp_path):
    """``2>&-`` (Python's sys.stderr is None): every command ended with code 120 and wrote nothing. Standard output on
    a full disk (``>/dev/full``): the report was written, then a traceback ended the command. The first now runs
    (what it would say to standard error goes nowhere), the second ends with one line and code 1."""
    env = {**os.environ, "COLUMNS": "100"}
    command = [sys.executable, "-m", "descend", "compare", "line", "--steps", "20", "--seeds", "1"]
    closed = subprocess.run(["bash", "-c", " ".join([*command, "--out", str(tmp_path / "a"), "2>&-"])],
                            capture_output=True, text=True, env=env, timeout=300)
    assert closed.returncode == 0 and "report:" in closed.stdout, closed
    assert (tmp_path / "a" / "report.html").exists()
    if not os.path.exists("/dev/full"):
        return
    full = subprocess.run(["bash", "-c", " ".join([*command, "--out", str(tmp_path / "b"), ">/dev/full"])],
                          capture_output=True, text=True, env=env, timeout=300)
    assert full.returncode == 1, full
    assert full.stderr.strip().splitlines()[-1] == ("error: the standard output could not be written (No space left "
                                                    "on device)"), full.stderr
    assert "Traceback" not in full.stderr and (tmp_path / "b" / "report.html").exists()
    # descend show of a search on a full output: it said the search's files could not be read (exit 2)
    search = [sys.executable, "-m", "descend", "tune", "line", "--trials", "2", "--cohort", "2", "--steps", "5",
              "--seeds", "0", "--quiet", "--out", str(tmp_path / "s")]
    assert subprocess.run(search, capture_output=True, text=True, env=env, timeout=300).returncode == 0
    shown = subprocess.run(["bash", "-c", f"{sys.executable} -m descend show {tmp_path / 's'} >/dev/full"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert shown.returncode == 1 and shown.stderr.strip().splitlines()[-1] == (
        "error: the standard output could not be written (No space left on device)"), shown.stderr


def test_a_table_of_several_seeds_says_its_numbers_are_medians(tmp_path):
    """compare's numbers for a configuration of several seeds are their medians (the report says so); the terminal
    table did not, beside descend tune's table of the same re-runs' means: two numbers for one "test loss"."""
    frame = _wide_table(tmp_path)
    frame.insert(2, "seeds", 3)
    frame.to_csv(tmp_path / "table.csv")
    result = runner.invoke(app, ["show", str(tmp_path)], env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    assert "medians over the seeds with a result; *: best per metric" in result.stdout
    frame["seeds"] = 1
    frame.to_csv(tmp_path / "table.csv")
    result = runner.invoke(app, ["show", str(tmp_path)], env={"COLUMNS": "100"})
    assert result.exit_code == 0 and "medians" not in result.stdout


@pytest.mark.parametrize("command", [["play"], ["dashboard", "--storage", "missing.journal"]])
def test_an_empty_host_is_refused_not_every_address(command, tmp_path, monkeypatch):
    """--host '' (an unset $HOST in a script) listened on every address of the machine, with a warning saying
    "--host  serves ..."."""
    monkeypatch.chdir(tmp_path)
    if command[0] == "dashboard":
        import optuna

        from descend.tune import storage as storage_module

        optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "missing.journal")), study_name="s")
    result = runner.invoke(app, [*command, "--host", "", "--no-browser"])
    assert result.exit_code != 0 and "--host '': give the address to listen on" in result.output, result.output


def test_a_config_file_is_utf8_whatever_the_locale_with_or_without_a_byte_order_mark(tmp_path):
    """A file saved by Windows Notepad (a byte-order mark) was "Invalid statement (line 1, column 1)", and one of
    another encoding "'utf-8' codec can't decode byte 0xff"."""
    for text, encoding in (('task = "rosenbrock"\nsteps = 5\nseeds = 1\n', "utf-8-sig"),
                           ('task = "rosenbrock"\n', "utf-16")):
        config = tmp_path / "c.toml"
        config.write_text(text, encoding=encoding)
        result = runner.invoke(app, ["compare", "--config", str(config), "-o", "gd", "--no-animation",
                                     "--out", str(tmp_path / "r")])
        if encoding == "utf-8-sig":
            assert result.exit_code == 0, result.output
        else:
            assert result.exit_code == 2 and "is not UTF-8 text, which a TOML file is" in result.output, result.output


def test_a_ctrl_c_while_the_fork_server_stops_ends_the_command_as_it_was_ending(monkeypatch):
    """The report written and said, a Ctrl-C while the idle fork server was stopped printed three chained tracebacks
    (multiprocessing reaping it): the work was done, and the command ends as it was ending."""
    import signal

    import descend.cli as cli_module
    from descend.report import render

    def interrupted() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.2)  # (the signal arrives here)

    monkeypatch.setattr(render, "stop_fork_server", interrupted)
    monkeypatch.setattr(sys, "argv", ["descend", "list", "schedules"])
    with pytest.raises(SystemExit) as ended:
        cli_module.main()
    assert ended.value.code in (0, None)


@pytest.mark.parametrize("command", ["compare", "tune"])
def test_schedule_help_says_step_sizes_count_steps_not_epochs(command):
    """Under --epochs with several batch sizes, step:step_size=100 decays after another number of epochs at each
    (the steps of an epoch are the batches): --schedule's help did not say that step and multistep count steps."""
    import re

    from descend.data.batches import plan_length

    # the oracle: 100 steps are 100 / (batches per epoch) epochs, which differ between batch sizes
    assert len({100 / plan_length(64, b, steps=None, epochs=1, drop_last=False) for b in (8, 32)}) == 2
    result = runner.invoke(app, [command, "--help"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    text = " ".join(re.sub(r"[│|]", " ", result.stdout).split())
    said = text[text.index("--schedule NAME"):]
    assert "step and multistep count steps, not epochs: under --epochs, step_size=100 is 100 steps, another number " \
           "of epochs at each batch size" in said[:1200], said[:1200]
