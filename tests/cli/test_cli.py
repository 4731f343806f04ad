"""The command line, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

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
