"""The command line, as a user runs it."""

from __future__ import annotations

import subprocess
import sys

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
    assert "optimizers" in result.output


def test_console_script_and_module_entry_point():
    out = subprocess.run([sys.executable, "-m", "descend", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == f"descend {descend.__version__}"
