"""Progress bars (descend.progress, and the command line's bar of a comparison)."""

from __future__ import annotations

import io
import re

import pytest


@pytest.fixture
def no_threads(monkeypatch):
    """Starting a thread fails, as under a limit of processes (``docker --pids-limit``, ``ulimit -u``)."""
    import rich.live

    def refused(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(rich.live._RefreshThread, "start", refused)


def test_a_bar_whose_refresh_thread_cannot_start_is_drawn_once_at_its_end(no_threads):
    """Under a limit of processes the bar's refresh thread cannot start: the command ended in "can't start new
    thread" before any work. The bar is now drawn when it stops, with the last figures."""
    from rich.console import Console

    from descend.progress import SearchBar, TrainingBar

    out = io.StringIO()
    with TrainingBar(console=Console(file=out, force_terminal=True, width=100)) as bar:
        bar({"runs": 4, "step": 10, "steps": 10, "runs_total": 4, "runs_done": 4})
    assert "4/4 runs" in out.getvalue()
    out = io.StringIO()
    with SearchBar(console=Console(file=out, force_terminal=True, width=100)) as bar:
        bar({"kind": "study", "optimizer": "adam", "done": 8, "total": 16, "best": 0.5, "rate": 10.0})
    assert "8/16 trials" in out.getvalue()


def test_the_comparisons_bar_whose_refresh_thread_cannot_start_is_drawn_once_at_its_end(no_threads, capsys):
    from descend.cli import _Progress

    with _Progress(2, quiet=False) as bar:
        bar({"runs": 3, "step": 5, "steps": 5})
    assert "3 runs" in capsys.readouterr().err


def test_a_searchs_divergence_rate_is_written_as_every_report_writes_it():
    """descend tune wrote a rate as a whole percentage: 1 of 201 re-runs diverged read "diverged 0%", 1 of 3
    "33%" where descend compare's table wrote 33.33%."""
    from descend.progress import value_text
    from descend.report.cells import _cell_text

    for rate in (1 / 3, 1 / 201, 0.0, 1.0, 0.5):
        assert value_text("divergence rate", rate) == _cell_text("divergence rate", rate)
    assert value_text("divergence rate", 1 / 201) == "0.4975%" and value_text("divergence rate", 1 / 3) == "33.33%"


def test_a_searchs_bar_says_the_re_runs_and_no_time_left_once_the_search_is_over():
    """Its last estimate stood still while the best's re-runs trained ("30 s left" for 5 s, after a timeout)."""
    from rich.console import Console

    from descend.progress import SearchBar

    out = io.StringIO()
    with SearchBar(console=Console(file=out, force_terminal=True, width=120)) as bar:
        bar({"kind": "study", "optimizer": "adam", "done": 8, "total": 64, "best": 0.5, "rate": 2.0})
        bar({"kind": "final", "optimizer": "adam", "runs": 3, "done": 8, "total": 64, "best": None, "rate": None,
             "elapsed": 4.0})
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", out.getvalue())  # the terminal's codes out
    last = [line for line in text.replace("\r", "\n").splitlines() if line.strip()][-1]
    assert "re-running the best of adam" in last and "3 runs" in last and "left" not in last, last
