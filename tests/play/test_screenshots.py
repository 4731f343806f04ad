"""``python -m descend.play.screenshots``: its command line (the screenshots themselves are the README's pictures)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from descend.play import screenshots


def test_help_is_an_answer_not_a_directory(tmp_path, monkeypatch, capsys):
    """--help was taken as the output folder: 20 s of headless Chromium, then six pictures in ./--help/."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        screenshots.main(["--help"])
    assert stop.value.code == 0 and "play-WIDGET.png in DIRECTORY" in capsys.readouterr().out
    with pytest.raises(SystemExit) as stop:
        screenshots.main(["--out", "x"])
    assert stop.value.code == 2 and "unrecognized arguments: --out" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_the_module_runs_as_the_readme_says():
    done = subprocess.run([sys.executable, "-m", "descend.play.screenshots", "-h"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m descend.play.screenshots")
