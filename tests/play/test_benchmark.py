"""The playground's latency benchmark (descend.play.benchmark) runs, waits for a quiet machine and says what other
processes took while it measured."""

from __future__ import annotations

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
