"""`descend --help`, `descend COMMAND --help`, `descend --version` and `descend list` start without the heavy
libraries (torch, numpy, pandas, the report's, Optuna, the web servers): each run in a fresh interpreter, as a
user runs it, and what it imported checked afterwards (a check of what is imported, not a timing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from descend.cli import app

HEAVY = ("torch", "numpy", "pandas", "matplotlib", "plotly", "sklearn", "scipy", "optuna", "optuna_dashboard",
         "fastapi", "uvicorn")

COMMANDS = sorted(c.name for c in app.registered_commands)


def run(argv: list[str]) -> tuple[str, list[str]]:
    """What ``descend ARGV`` prints, and the heavy modules loaded when it is done."""
    script = textwrap.dedent(f"""
        import contextlib, io, json, sys
        sys.argv = ["descend", *{argv!r}]
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                import descend.cli
                descend.cli.main()
            except SystemExit as e:
                assert e.code in (0, None), e.code
        print(json.dumps([out.getvalue(), [m for m in {HEAVY!r} if m in sys.modules]]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    printed, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    return printed, loaded


def test_every_command_is_checked():
    assert {"list", "card", "compare", "show", "report", "landscape", "tune", "play", "dashboard"} <= set(COMMANDS)


@pytest.mark.parametrize("argv", [["--help"], ["--version"], *[[c, "--help"] for c in COMMANDS]],
                         ids=lambda argv: " ".join(argv))
def test_help_and_version_load_no_heavy_library(argv: list[str]):
    printed, loaded = run(argv)
    assert printed.strip(), argv  # it did print its help
    assert loaded == [], (argv, loaded)


@pytest.mark.parametrize("kind", ["all", "optimizers", "losses", "schedules", "tasks", "landscapes"])
def test_list_loads_no_heavy_library(kind: str):
    printed, loaded = run(["list", kind])
    assert loaded == [], (kind, loaded)
    # what it lists is the real registries' (descend.catalog, checked against them in tests/test_catalog.py)
    from descend import catalog

    names = {"optimizers": [*catalog.OPTIMIZERS, catalog.RANDOM_SEARCH[0]], "losses": list(catalog.LOSSES),
             "schedules": list(catalog.SCHEDULES), "tasks": list(catalog.TASKS),
             "landscapes": list(catalog.LANDSCAPES)}
    shown = {n for what, listed in names.items() if kind in ("all", what) for n in listed}
    for name in {n for listed in names.values() for n in listed}:  # bbox is a loss and a task
        assert (f"│ {name} " in printed) == (name in shown), (kind, name)


def test_the_check_sees_a_heavy_import():
    """The same check, on a command that does import torch: it would fail the tests above."""
    _, loaded = run(["card", "line"])
    assert "torch" in loaded
