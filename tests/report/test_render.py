"""How a report's figures and animation are drawn fast without drawing anything different: in worker processes
(the same files as drawn in one process), the animation's frames drawn once for the GIF and the MP4 and over a
still background (each frame the same as a full drawing), a surface evaluated once for every figure (the same
landscape), the layout run once; and the timings a report keeps."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass

import imageio.v3 as iio
import matplotlib
import numpy as np
import pytest
import torch

from descend import compare as C
from descend.report import build, render, timings
from descend.report import figures as F
from descend.report.figures import animation
from descend.report.figures.surface import Evaluated


def _rosenbrock(a, b):
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


@dataclass
class Surface:
    names: tuple = ("x", "y")
    domain: tuple = ((-2.0, 2.0), (-1.0, 3.0))
    log_scale: bool = True
    points: tuple = (("minimum", (1.0, 1.0)), ("saddle", (0.0, 0.0)), ("minimum", (9.0, 9.0)))

    def grid(self, n):
        a = torch.linspace(*self.domain[0], n, dtype=torch.float64)
        b = torch.linspace(*self.domain[1], n, dtype=torch.float64)
        A, B = torch.meshgrid(a, b, indexing="xy")
        return A, B, _rosenbrock(A, B)

    def cost(self, a, b):
        return _rosenbrock(a, b)


def _paths():
    """Two paths that end on the minimum (under its star), one that coincides with the first, one that leaves
    the domain and diverges."""
    t = np.linspace(0, 1, 61)[:, None]
    good = (1 - t) * np.array([-1.5, 2.0]) + t * np.array([1.0, 1.0])
    wiggly = good + 0.2 * np.sin(12 * t) * np.array([1.0, -1.0])
    away = (1 - t) * np.array([-1.5, 2.0]) + t * np.array([40.0, -30.0])
    away[-5:] = np.nan
    paths = {0: good, 1: wiggly, 2: good.copy(), 3: away}
    labels = {0: "gd", 1: "momentum", 2: "adam", 3: "sgd"}
    return paths, labels, {0: "ok", 1: "ok", 2: "ok", 3: "diverged"}


def test_animation_frames_over_a_still_background_are_the_full_drawings(tmp_path, monkeypatch):
    """Every frame drawn over the still background is, byte for byte, what savefig writes for it (what the
    animation's writers wrote for every frame before): the trails and heads under the star of the minimum and
    the start's circle, the legend and the step counter."""
    real, compared = animation._Frames.each, []

    def checked(self, update, steps):
        for k, frame in enumerate(real(self, update, steps)):
            full = io.BytesIO()
            self.fig.savefig(full, format="rgba", dpi=self.fig.dpi, facecolor="white", transparent=False)
            assert frame == full.getvalue(), f"frame {k} differs from its full drawing"
            compared.append(k)
            yield frame

    monkeypatch.setattr(animation._Frames, "each", checked)
    paths, labels, status = _paths()
    written = F.animate_files(Surface(), paths, labels, [tmp_path / "p.gif", tmp_path / "p.mp4"], max_frames=12,
                              dpi=50, n=40, status=status, title="rosenbrock")
    assert len(compared) == 12 and all(p.stat().st_size > 0 for p in written)


def test_one_drawing_of_the_frames_writes_the_files_animate_writes_one_by_one(tmp_path):
    paths, labels, status = _paths()
    times = {}
    both = F.animate_files(Surface(), paths, labels, [tmp_path / "both.gif", tmp_path / "both.mp4"], max_frames=8,
                           dpi=50, n=40, status=status, times=times)
    for written in both:
        alone = F.animate(Surface(), paths, labels, tmp_path / f"alone{written.suffix}", max_frames=8, dpi=50, n=40,
                          status=status)
        assert written.read_bytes() == alone.read_bytes(), written.suffix
    assert set(times) == {"frames", "gif", "mp4"}
    # a frame size H.264 cannot take (odd pixels) is drawn again at the nearest even size for the MP4 only
    assert not animation._even(42)
    odd = F.animate_files(Surface(), paths, labels, [tmp_path / "odd.gif", tmp_path / "odd.mp4"], max_frames=4,
                          dpi=42, n=20)
    for written in odd:
        alone = F.animate(Surface(), paths, labels, tmp_path / f"alone-odd{written.suffix}", max_frames=4, dpi=42, n=20)
        assert written.read_bytes() == alone.read_bytes(), written.suffix
    assert iio.imread(odd[0], index=0).shape[:2] == (235, 302)


def test_an_evaluated_surface_draws_the_same_landscape_without_torch(tmp_path):
    paths, labels, status = _paths()
    evaluated = Evaluated(Surface(), [150, 120], paths)
    data = pickle.dumps(evaluated)
    assert b"torch" not in data  # plain numbers: a worker needs no torch to draw it
    for name, surface in (("direct", Surface()), ("evaluated", pickle.loads(data))):
        F.save(F.landscape(surface, paths, labels, status=status, title="t"), tmp_path, name)
    for suffix in ("png", "svg"):
        assert (tmp_path / f"direct.{suffix}").read_bytes() == (tmp_path / f"evaluated.{suffix}").read_bytes()
    with pytest.raises(ValueError, match="grids of"):
        evaluated.grid(99)
    with pytest.raises(KeyError, match="not evaluated"):
        F.landscape(evaluated, {0: paths[0][:5]}, labels)


@pytest.fixture(scope="module")
def comparison():
    config, task = C.resolve("himmelblau", optimizers=["gd", "adam"], lr="0.01", steps=20, seeds=1)
    return C.compare(config, task)


def files(directory) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


def test_workers_write_the_same_report_as_one_process(comparison, tmp_path, monkeypatch):
    render.warm_up()  # what descend compare does before training: the fork server started early
    written = {}
    for count in ("0", "2"):
        monkeypatch.setenv(render.WORKERS_VARIABLE, count)
        build.write_report(comparison, tmp_path / count, svg=True, mp4=True)
        written[count] = files(tmp_path / count)
        assert json.loads(written[count].pop(timings.FILE))["workers"] == int(count)
    assert written["0"] == written["2"]
    assert {"paths.gif", "paths.mp4", "figures/landscape.png", "figures/loss-step.svg"} <= set(written["2"])


def test_the_report_keeps_its_timings(comparison, tmp_path):
    build.write_report(comparison, tmp_path / "r", command={"startup": 1.5, "training": 2.0}, svg=True, mp4=True)
    kept = timings.read(tmp_path / "r")
    assert kept["command"] == {"startup": 1.5, "training": 2.0}
    assert {"results", "html charts", "drawings", "html", "report"} <= set(kept["phases"])
    assert kept["phases"]["report"] >= kept["phases"]["drawings"] > 0
    for stem in ("loss-step", "landscape"):
        assert {"draw", "layout", "png", "svg", "total", "process"} <= set(kept["figures"][stem])
    assert {"frames", "gif", "mp4"} <= set(kept["animations"]["paths"])
    record = json.loads((tmp_path / "r" / "comparison.json").read_text())
    assert timings.FILE in record["files"]
    with pytest.raises(ValueError, match="a file of the report itself"):
        build.check_json(tmp_path / "r" / timings.FILE, tmp_path / "r")


def test_an_error_in_a_worker_is_raised_by_the_writer(tmp_path):
    with render.Drawing(tmp_path, 2) as drawing:
        drawing.submit(render.Job("x", "no_such_figure"))
        with pytest.raises(AttributeError, match="no_such_figure"):
            drawing.results()
    assert not any(tmp_path.iterdir())


def test_a_drawing_stopped_by_ctrl_c_does_not_wait_for_ever_on_a_stuck_hand_over(tmp_path, monkeypatch):
    """A second Ctrl-C could leave the hand-over thread waiting on an import's lock it would never get (the first
    cut an import short): the drawing's exit joined it without a timeout, and the command hung until a third."""
    import threading
    import time

    stuck = threading.Event()
    monkeypatch.setattr(render.Drawing, "_hand_over", lambda self, settings: stuck.wait(60))
    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        with render.Drawing(tmp_path, 2):
            raise KeyboardInterrupt
    assert time.perf_counter() - started < render.INTERRUPTED_WAIT + 5
    stuck.set()


def test_the_fork_server_and_its_resource_tracker_outlive_a_closed_terminals_sighup(tmp_path):
    """A closed terminal or ssh session sends SIGHUP to every process of the command: the resource tracker, which
    ignores only SIGINT and SIGTERM, died, and the command printed its tracebacks while it wrote the report."""
    import subprocess
    import sys

    script = tmp_path / "hup.py"
    script.write_text(
        "import os, signal, time\n"
        "signal.signal(signal.SIGHUP, lambda *args: None)  # the command's own: it stops as after Ctrl-C\n"
        "from descend.report import render\n"
        "render.warm_up()\n"
        "from multiprocessing import forkserver, resource_tracker\n"
        "pids = [forkserver._forkserver._forkserver_pid, resource_tracker._resource_tracker._pid]\n"
        "os.killpg(0, signal.SIGHUP)\n"
        "time.sleep(0.5)\n"
        "print([os.waitpid(pid, os.WNOHANG)[0] == 0 for pid in pids])\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120,
                          start_new_session=True, env={**os.environ, render.WORKERS_VARIABLE: "2"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[True, True]", (done.stdout, done.stderr)


def test_how_many_workers(monkeypatch):
    monkeypatch.setenv(render.WORKERS_VARIABLE, "3")
    assert render.workers(9) == 3 and render.workers(2) == 2
    monkeypatch.setenv(render.WORKERS_VARIABLE, "0")
    assert render.workers(9) == 0
    monkeypatch.setenv(render.WORKERS_VARIABLE, "many")
    with pytest.raises(ValueError, match="whole number"):
        render.workers(9)
    monkeypatch.delenv(render.WORKERS_VARIABLE)
    assert render.workers(1) == 0


def test_workers_draw_with_the_writers_matplotlib_settings():
    with matplotlib.rc_context({"lines.linewidth": 3.25}):
        assert render._settings()["lines.linewidth"] == 3.25
    assert "lines.linewidth" not in render._settings()


def test_workers_do_not_run_the_script_that_writes_the_report(tmp_path):
    """A script without a ``__main__`` guard (and the ``descend`` command's script, which imports torch) is not
    run again by the workers as they start."""
    ran = tmp_path / "ran.txt"
    script = tmp_path / "write.py"
    script.write_text(textwrap.dedent(f"""
        import os
        with open({str(ran)!r}, "a") as f:
            f.write(f"{{os.getpid()}}\\n")
        os.environ["{render.WORKERS_VARIABLE}"] = "2"
        from descend import compare as C
        from descend.report import build, timings
        config, task = C.resolve("himmelblau", optimizers=["gd"], lr="0.01", steps=10, seeds=1)
        build.write_report(C.compare(config, task), {str(tmp_path / "report")!r})
        assert timings.read({str(tmp_path / "report")!r})["workers"] == 2
    """))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert len(ran.read_text().split()) == 1
    assert (tmp_path / "report" / "paths.gif").is_file()


def test_evaluating_a_surface_imports_no_figure_module_and_the_settings_no_pyplot():
    script = textwrap.dedent("""
        import sys
        import matplotlib
        from descend.report.figures.grid import Evaluated
        from descend.report import render
        render._settings()
        print(sorted(m for m in ("matplotlib.figure", "matplotlib.pyplot", "descend.report.figures.curves", "torch")
                     if m in sys.modules))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_workers_end_when_the_writer_is_killed(tmp_path):
    """kill -9 of the process writing a report while workers draw: they end too (and the fork server), so
    whoever reads their output is not left waiting, even before the killed process is reaped."""
    script = textwrap.dedent(f"""
        import os, signal, time
        os.environ["{render.WORKERS_VARIABLE}"] = "2"
        from descend import compare as C
        from descend.report import build, render
        real = render.Drawing.results
        def results(self):
            time.sleep(0.5)  # the workers are drawing
            os.kill(os.getpid(), signal.SIGKILL)
        render.Drawing.results = results
        config, task = C.resolve("himmelblau", optimizers=["gd", "adam"], lr="0.01", steps=20, seeds=1)
        build.write_report(C.compare(config, task), {str(tmp_path / "report")!r})
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    out, err = process.communicate(timeout=120)  # EOF only once every process holding the pipes has ended
    assert process.returncode == -9, err
    assert not (tmp_path / "report").exists()


def test_a_figure_that_fails_is_a_note_and_the_others_are_drawn(tmp_path, monkeypatch):
    """A figure whose drawing or saving failed (matplotlib's markers of a line of over 1,000 points) ended the
    whole report: nothing was written."""
    from descend.report import figures

    def broken(*args, **kwargs):
        raise TypeError("markevery=[20, 220] is iterable but not a valid numpy fancy index")

    monkeypatch.setattr(figures, "broken", broken, raising=False)
    done = render.run(render.Job("broken", "broken"), tmp_path)
    assert not done.drawn and done.skipped == ("it could not be drawn (TypeError: markevery=[20, 220] is iterable "
                                               "but not a valid numpy fancy index)")


def test_a_figure_whose_data_fails_is_left_out_and_the_report_written(tmp_path, monkeypatch):
    """The fitted-model figure's data is computed in the writer's process: an error there (Linear(1, 1)'s
    parameter shapes) ended the whole report, "could not be written" after the training."""
    config, task = C.resolve("line", optimizers=["gd"], lr="0.1", steps=10, seeds=1)
    comparison = C.compare(config, task)

    def broken(*args, **kwargs):
        raise ValueError("params[0] ('weight') has shape [1]; expected [K, 1, 1]")

    monkeypatch.setattr(build, "fitted_models", broken)
    with pytest.warns(build.DrawingFailed, match="figure fitted-model is not in the report: ValueError"):
        build.write_report(comparison, tmp_path / "r")
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    assert "figure fitted-model skipped: ValueError: params[0]" in page
    assert (tmp_path / "r" / "figures" / "loss-step.png").exists()
    assert not (tmp_path / "r" / "figures" / "fitted-model.png").exists()


def test_a_job_no_worker_can_be_started_for_is_drawn_here(tmp_path, monkeypatch):
    """With 16-22 file descriptors the pool was made, then starting a worker failed (EMFILE): a comparison that
    had trained lost its report ("Too many open files"), where a pool that cannot be made draws here."""
    import errno
    from concurrent.futures import ProcessPoolExecutor

    def no_descriptors(self, *args, **kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    from descend.report import figures

    def here(*args, **kwargs):  # known in this process only: a job drawn here finds it
        raise TypeError("drawn in the writer's process")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", no_descriptors)
    monkeypatch.setattr(figures, "here", here, raising=False)
    with render.Drawing(tmp_path, 2) as drawing:
        drawing.submit(render.Job("a", "here"))
        for _ in range(3000):  # until the pool's thread has taken the job (results() draws what it has not)
            with drawing._condition:
                if not drawing._pending:
                    break
            time.sleep(0.01)
        (done,) = drawing.results()
    assert done.skipped == "it could not be drawn (TypeError: drawn in the writer's process)"


def _taken(drawing) -> None:
    """Wait until the pool's thread has taken every job (results() draws here what it has not)."""
    for _ in range(3000):
        with drawing._condition:
            if not drawing._pending and drawing._busy == 0:
                return
        time.sleep(0.01)


def test_a_job_no_worker_could_start_for_is_drawn_here(tmp_path, monkeypatch):
    """Under a limit of processes the fork server could not fork a worker and died: starting one raised EOFError,
    which results() raised again, and the command line, taking it for a Ctrl-C, printed "Aborted!" and lost the
    comparison that had trained. Any error starting a worker now draws the job here."""
    from concurrent.futures import ProcessPoolExecutor

    from descend.report import figures

    def here(*args, **kwargs):
        raise TypeError("drawn in the writer's process")

    def no_fork(self, *args, **kwargs):
        raise EOFError("unexpected EOF")

    monkeypatch.setattr(ProcessPoolExecutor, "submit", no_fork)
    monkeypatch.setattr(figures, "here", here, raising=False)
    with render.Drawing(tmp_path, 2) as drawing:
        for name in "ab":
            drawing.submit(render.Job(name, "here"))
        _taken(drawing)
        assert len(drawing._here) == 2 and not drawing.futures  # no worker took them: drawn here
        done = drawing.results()
    assert [d.skipped for d in done] == ["it could not be drawn (TypeError: drawn in the writer's process)"] * 2


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the pool's thread, dying
def test_jobs_a_pool_can_no_longer_finish_are_drawn_here_not_waited_for(tmp_path, monkeypatch):
    """Under a limit of processes the pool's own thread could not start the thread that feeds its workers, and died:
    the jobs it had taken never finished, and results() waited for them forever (a batch job sat until its time
    ran out). They are drawn here once the pool's thread is gone."""
    import multiprocessing.queues
    import threading

    from descend.report import figures

    def here(*args, **kwargs):
        raise TypeError("drawn in the writer's process")

    def no_thread(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(multiprocessing.queues.Queue, "_start_thread", no_thread)
    monkeypatch.setattr(figures, "here", here, raising=False)
    out: list = []
    with render.Drawing(tmp_path, 2) as drawing:
        for name in "abc":
            drawing.submit(render.Job(name, "here"))
        for _ in range(3000):  # until the pool has taken two (the third waits for a free worker)
            if len(drawing.futures) == 2:
                break
            time.sleep(0.01)
        waiting = threading.Thread(target=lambda: out.append(drawing.results()), daemon=True)
        waiting.start()
        waiting.join(timeout=120)
        assert not waiting.is_alive(), "results() still waits"
    (done,) = out
    assert [d.name for d in done] == ["a", "b", "c"]
    assert {d.skipped for d in done} == {"it could not be drawn (TypeError: drawn in the writer's process)"}


class _EndsTheWorker(str):
    """A job's name that ends the worker process unpickling it, as the system ends one for want of memory."""

    def __reduce__(self):
        return (os._exit, (1,))


def test_a_job_whose_worker_died_is_drawn_here_and_the_report_goes_on(tmp_path, monkeypatch):
    """A worker killed while it drew (the system's out-of-memory killer, a kill -9) broke the pool: results()
    raised BrokenProcessPool and the comparison that had trained lost its report, with a traceback."""
    from descend.report import figures

    def here(*args, **kwargs):  # known in this process only: a job drawn here finds it
        raise TypeError("drawn in the writer's process")

    monkeypatch.setattr(figures, "here", here, raising=False)
    with render.Drawing(tmp_path, 2) as drawing:
        drawing.submit(render.Job(_EndsTheWorker("a"), "here"))
        for _ in range(3000):  # until the pool's thread has handed the job to a worker
            with drawing._condition:
                if not drawing._pending:
                    break
            time.sleep(0.01)
        (done,) = drawing.results()
    assert done.name == "a" and done.skipped == "it could not be drawn (TypeError: drawn in the writer's process)"


def test_matplotlib_gets_a_folder_in_descends_cache_where_its_own_cannot_be_written(monkeypatch, tmp_path):
    """A read-only home: matplotlib made a temporary folder in each process, and the figures' fork server, ended by
    a signal, left its own in /tmp at every report. Decided when descend.report is imported, before its modules
    import matplotlib."""
    import descend.report

    monkeypatch.delenv("MPLCONFIGDIR", raising=False)
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    descend.report.matplotlib_config()  # its own can be made: left to it
    assert "MPLCONFIGDIR" not in os.environ
    monkeypatch.setattr(descend.report.os, "access", lambda path, mode: False)  # (root may write anywhere)
    descend.report.matplotlib_config()
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "cache" / "matplotlib")
    assert (tmp_path / "cache" / "matplotlib").is_dir()
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "mine"))  # the user's choice is kept
    descend.report.matplotlib_config()
    assert os.environ["MPLCONFIGDIR"] == str(tmp_path / "mine")
