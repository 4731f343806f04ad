"""The playground's compiled programs built on the side (descend.play.warm): the first answer is eager, the
program of its shapes is compiled in the background, and later answers of the same shapes (another start, another
learning rate) come from it, with the numbers of ``descend.fit(compile=True)`` bit for bit and those of the eager
step to round-off."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

import descend
from descend import _compile, tasks
from descend.play import app as app_module
from descend.play import warm, widgets
from descend.play.state import STATES
from descend.spec import RunSpec


@pytest.fixture(autouse=True)
def _no_package_yet(monkeypatch, tmp_path):
    """Each test starts with no package on disk: a user's cache may hold this state's programs already, which a
    process reads at once (the last test here)."""
    monkeypatch.setattr(_compile, "packages_directory", lambda: tmp_path / "packages")


def test_a_drag_after_the_first_answer_runs_compiled_with_compiled_numbers():
    warm.set_enabled(True)
    widgets.clear_cache()
    client = TestClient(app_module.create_app())
    query = "landscape=booth&steps=40&optimizers=adam;lr=0.05&optimizers=momentum;lr=0.01"
    first = client.get(f"/api/landscape?{query}&start=-3.0,2.0").json()
    assert first["compiled"] is False and "compile=False)" in first["python"]
    assert warm.wait(300), "the program was not compiled in 300 s"
    moved = client.get(f"/api/landscape?{query}&start=1.0,-2.5").json()  # a drag: another start, same shapes
    assert moved["compiled"] is True and "compile=True)" in moved["python"]
    # the commands compile too (eager steps agree to round-off only, which a long path amplifies), one folder each
    assert "--compile" not in first["command"]
    commands = moved["command"].splitlines()
    assert len(commands) == 2 and all("--compile" in c for c in commands)
    assert [c.rsplit(" --out ", 1)[1] for c in commands] == ["reports/play-booth", "reports/play-booth-2"]
    specs = [RunSpec("adam", {"lr": 0.05}, None, 0, (1.0, -2.5)), RunSpec("momentum", {"lr": 0.01}, None, 0, (1.0, -2.5))]
    task = tasks.landscape_task("booth", start=(1.0, -2.5))  # as the Python snippet builds it
    compiled = descend.fit(task=task, runs=specs, steps=40, compile=True)
    eager = descend.fit(task=task, runs=specs, steps=40, compile=False)
    for i, run in enumerate(moved["runs"]):
        path = np.array(run["path"], dtype=np.float64)
        np.testing.assert_array_equal(path, compiled.paths[i])
        np.testing.assert_allclose(path, eager.paths[i], rtol=1e-5, atol=1e-5)  # float32, to round-off
    assert not warm.pending()  # the compiled answer queued nothing


def test_a_widget_that_builds_its_task_per_request_shares_the_compiled_program():
    """The line fit builds its task (data, model) for every request: a new start is a new task object, whose
    program of the same shapes is the same one (its key compares the model by value, not by identity)."""
    warm.set_enabled(True)
    widgets.clear_cache()
    client = TestClient(app_module.create_app())
    query = "m=64&batch_size=8&steps=30&lr=0.1"
    first = client.get(f"/api/line?{query}&start=0.5,0.5").json()
    assert first["compiled"] is False
    assert warm.wait(300), "the program was not compiled in 300 s"
    moved = client.get(f"/api/line?{query}&start=-1.0,2.0").json()
    assert moved["compiled"] is True and not warm.pending()


def test_without_warming_every_answer_is_eager():
    warm.set_enabled(False)
    widgets.clear_cache()
    client = TestClient(app_module.create_app())
    body = client.get("/api/line?steps=20&batch_size=8&start=0.5,0.5").json()
    assert body["compiled"] is False and not warm.pending()


@pytest.mark.parametrize("flag, expected", [([], True), (["--no-compile"], False)])
def test_descend_play_compiles_on_the_side_unless_told_not_to(monkeypatch, flag, expected):
    from typer.testing import CliRunner

    from descend.cli import app as cli

    seen = {}
    monkeypatch.setattr(app_module, "serve", lambda **kw: seen.update(kw))
    monkeypatch.setattr("descend.play.serve", lambda **kw: seen.update(kw))
    result = CliRunner().invoke(cli, ["play", "--no-browser", *flag])
    assert result.exit_code == 0, result.output
    assert seen["compile"] is expected


def test_prepared_jobs_wait_behind_every_submitted_one():
    import threading

    warm.set_enabled(True)
    order, gate, running = [], threading.Event(), threading.Event()
    warm.submit(lambda: (running.set(), gate.wait(30), order.append("request 1")))
    assert running.wait(30)  # (a job still waiting would be replaced by a newer one)
    warm.prepare([lambda: order.append("default 1"), lambda: order.append("default 2")])
    warm.submit(lambda: order.append("request 2"))  # a newer request's job: ahead of the defaults
    gate.set()
    assert warm.wait(60)
    assert order == ["request 1", "request 2", "default 1", "default 2"]
    warm.set_enabled(False)
    warm.prepare([lambda: order.append("ignored")])  # switched off: nothing queued
    assert not warm.pending() and order[-1] == "default 2"


def test_descend_play_prepares_every_training_widgets_default_state_compiled(monkeypatch):
    jobs, fits = [], []
    warm.set_enabled(True)
    monkeypatch.setattr(warm, "prepare", jobs.extend)
    widgets.prepare_defaults()
    assert len(jobs) == 4  # line, landscape, ellipse, vanishing (curvature has no fit, tune searches)

    def fake_fit(**kwargs):
        fits.append(kwargs["compile"])
        raise RuntimeError("enough")

    monkeypatch.setattr(descend, "fit", fake_fit)
    for job in jobs:
        with pytest.raises(RuntimeError, match="enough"):
            job()
    assert fits == [True] * 4  # compiled now, not "cached": these jobs are what builds the programs
    with pytest.raises(RuntimeError, match="enough"):  # a request itself never compiles
        widgets.compute(STATES["line"]())
    assert fits[-1] == "cached"


def test_a_process_that_ends_while_a_program_is_compiled_on_the_side_waits_for_it():
    """torch aborts a process that ends while a thread is inside its C++ code ("terminate called without an
    active exception", exit code 134, depending on where the thread is): a script whose widget queued a compile
    waits for it at exit instead, and ends cleanly."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import atexit
        from descend import engine
        from descend.play import warm, widgets
        from descend.play.state import STATES
        engine.package_name = lambda key: None  # no package to read: the program is compiled on the side
        # runs after descend's own exit hook (last registered, first run)
        atexit.register(lambda: print("at exit:", "compiling" if warm.pending() else "done", flush=True))
        warm.set_enabled(True)
        # the first test's program: read back from Inductor's on-disk cache, a few seconds
        widgets.compute(STATES["landscape"].from_query("QUERY"))
        print("compiling" if warm.pending() else "not compiling", flush=True)
    """).replace("QUERY", "landscape=booth&steps=40&optimizers=adam;lr=0.05&optimizers=momentum;lr=0.01&start=0.5,0.5")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert done.stdout.split("\n")[:2] == ["compiling", "at exit: done"], done.stdout + done.stderr[-2000:]
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]


def _compiling() -> tuple[list[str], threading.Event]:
    """A program "being compiled" on the side (a job that waits): what it appends to, and the event that ends it
    0.3 s later."""
    warm.set_enabled(True)
    release, ran = threading.Event(), []
    warm.submit(lambda: (release.wait(30), ran.append("running")))
    started = time.monotonic()
    while not warm.running() and time.monotonic() - started < 10:
        time.sleep(0.01)
    threading.Timer(0.3, release.set).start()
    return ran, release


def test_descend_play_stops_after_the_program_being_compiled_and_drops_those_waiting():
    ran, _ = _compiling()
    warm.prepare([lambda: ran.append("waiting")])
    said = []
    app_module._stop_compiling(said.append)
    assert ran == ["running"] and not warm.pending()  # the one that ran finished; the waiting one never ran
    assert said and "stopping once the program being compiled is done" in said[0]
    warm.submit(lambda: ran.append("after"))  # no new job once stopped
    assert not warm.pending() and not warm.enabled()
    said.clear()
    app_module._stop_compiling(said.append)  # nothing compiling: nothing said
    assert said == []


def test_a_stop_whose_message_cannot_be_written_still_waits_for_the_program_being_compiled():
    """descend play | head -1: the message went to a closed pipe, and its BrokenPipeError skipped the wait, so the
    process could end inside a compile (which torch aborts)."""
    ran, _ = _compiling()

    def closed_pipe(message):
        raise BrokenPipeError(32, "Broken pipe")

    app_module._stop_compiling(closed_pipe)
    assert ran == ["running"] and not warm.running()


def test_a_server_started_again_answers_compiled_from_the_packages(tmp_path):
    """The programs compiled on the side are kept as packages: a new process answers the same state compiled from
    its first request, with the same numbers bit for bit, and queues nothing."""
    import json
    import os
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent("""
        import json, sys
        from descend.play import warm, widgets
        from descend.play.state import STATES
        state = STATES["landscape"].from_query(
            "landscape=booth&steps=40&optimizers=adam;lr=0.05&optimizers=momentum;lr=0.01&start=0.5,0.5")
        warm.set_enabled(True)
        first = widgets.compute(state)
        queued = warm.pending()
        if sys.argv[1] == "compile":
            warm.wait(600)
        print(json.dumps({"compiled": first["compiled"], "queued": queued, "paths": [r["path"] for r in first["runs"]]}))
    """)
    env = {**os.environ, "DESCEND_CACHE_DIR": str(tmp_path), "DESCEND_PACKAGES": "1"}

    def run(mode: str) -> dict:
        done = subprocess.run([sys.executable, "-c", script, mode], capture_output=True, text=True, env=env,
                              timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    first = run("compile")
    assert not first["compiled"] and first["queued"]  # nothing on disk: eager, and compiled on the side
    assert list((tmp_path / "inductor-2" / "packages").glob("*.pt2"))
    again = run("read")
    assert again["compiled"] and not again["queued"]
    compiled = run("read")
    assert compiled["paths"] == again["paths"]


def test_a_fit_partly_compiled_answers_all_eager_as_its_script_says(monkeypatch):
    """Groups compiled for an earlier state beside a new one (a batch size ticked): the answer said eager and its
    script compile=False, but part of its numbers came from compiled programs (another order of operations). Such
    a fit is trained again eagerly: the answer is its script's, bit for bit."""
    calls = []
    real_fit = descend.fit

    def fit(**kwargs):
        calls.append(kwargs["compile"])
        runs = real_fit(**{**kwargs, "compile": False})
        if kwargs["compile"] == "cached":  # as if the first group's programs were held, the second's not
            runs.results[0].compile_seconds = 0.5
        return runs

    monkeypatch.setattr(descend, "fit", fit)
    warm.set_enabled(True)
    monkeypatch.setattr(warm, "submit", lambda job: None)  # nothing compiled on the side here
    widgets.clear_cache()
    state = STATES["ellipse"](batch_sizes=("full", "1", "13"), epochs=1, steps=5)
    result = widgets.compute(state)
    assert calls == ["cached", False] * 2 and result["batches_compiled"] is False  # the paths, the batch sizes
