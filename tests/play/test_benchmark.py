"""The playground's latency benchmark (descend.play.benchmark) runs, waits for a quiet machine and says what other
processes took while it measured."""

from __future__ import annotations

import pytest

from descend.play import benchmark


def test_a_case_is_measured_and_says_how_busy_the_machine_was(monkeypatch, capsys):
    monkeypatch.setattr(benchmark, "CASES", {"curvature, default": "/api/curvature"})
    benchmark.main(["--requests", "3", "--max-busy", "1e9", "--wait", "0"])
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith("curvature, default, eager: median "))
    assert "over 3 requests" in line and "from the cache" in line
    assert "other processes " in line and "cores" in line and "BUSY" not in line
    assert "curvature, default: always eager" in out


def test_a_busy_machine_is_refused_unless_forced(monkeypatch, capsys):
    monkeypatch.setattr(benchmark, "CASES", {"curvature, default": "/api/curvature"})
    benchmark.main(["--requests", "1", "--max-busy", "-1", "--wait", "0", "--force"])
    captured = capsys.readouterr()
    assert "(BUSY)" in captured.out and "running anyway" in captured.err


def test_requests_below_one_is_one_line_before_any_training(monkeypatch, capsys):
    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking --requests")

    monkeypatch.setattr(benchmark, "_measure", no_training)
    monkeypatch.setattr(benchmark, "CASES", {"curvature, default": "/api/curvature"})
    with pytest.raises(SystemExit) as exit_:
        benchmark.main(["--requests", "0", "--force", "--wait", "0"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--requests takes a positive number" in err and "Traceback" not in err
