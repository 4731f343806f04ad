"""What `descend compare` does with its report directory (checked before training, --force replacing only a
report's own files) and `descend report DIR`, which rebuilds a report from its saved results."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from descend import compare as C
from descend.cli import app

runner = CliRunner()
TINY = ["--steps", "20", "--seeds", "1", "--quiet"]
PARABOLA = ["compare", "parabola", *TINY, "-o", "gd", "--no-animation"]


@pytest.fixture(scope="module")
def landscape_report(tmp_path_factory):
    """A finished report of a 2-D task, with figures and the animation of the paths."""
    out = tmp_path_factory.mktemp("reports") / "himmelblau"
    result = runner.invoke(app, ["compare", "himmelblau", *TINY, "-o", "gd", "-o", "adam", "--lr", "0.01",
                                 "--svg", "--mp4", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def files(directory) -> set[str]:
    return {p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file()}


@pytest.fixture
def no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(C, "compare", refuse)


def test_an_unwritable_out_fails_before_training_with_one_line(tmp_path, no_training):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    for out in (a_file / "report", "/proc/descend-report", "/sys/descend-report"):
        result = runner.invoke(app, [*PARABOLA, "--out", str(out)])
        assert result.exit_code == 2, (out, result.output)
        assert result.output.count("\n") == 1 and "cannot be written" in result.output, result.output
        assert f"--out {str(out)!r}" in result.output
    result = runner.invoke(app, [*PARABOLA, "--out", str(tmp_path / "r"), "--json", str(a_file / "runs.json")])
    assert result.exit_code == 2 and "--json" in result.output and "cannot be written" in result.output
    assert a_file.read_text() == "mine" and sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_an_out_name_too_long_for_the_file_system_fails_before_training(tmp_path, no_training):
    """A name of 240 characters passed the check and failed once trained (the report is staged under a longer
    one); one of 300 was a traceback."""
    for length in (240, 300):
        out = tmp_path / ("n" * length)
        result = runner.invoke(app, [*PARABOLA, "--out", str(out)])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert result.output.count("\n") == 1 and "cannot be written" in result.output, result.output


def test_an_out_that_is_a_link_to_a_folder_writes_into_that_folder_and_keeps_the_link(tmp_path):
    """The link itself was replaced by a folder, and a hidden copy of it left behind for ever."""
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target, target_is_directory=True)
    for force in ([], ["--force"]):  # a new report, then one replacing it
        result = runner.invoke(app, [*PARABOLA, *force, "--out", str(link)])
        assert result.exit_code == 0, result.output
    assert link.is_symlink() and (target / "report.html").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "link"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only directory")
def test_a_read_only_parent_fails_before_training(tmp_path, no_training):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = runner.invoke(app, [*PARABOLA, "--out", str(locked / "report")])
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2 and "cannot be written" in result.output and "Permission denied" in result.output


def test_force_removes_the_previous_reports_files_and_only_those(tmp_path, landscape_report):
    out = tmp_path / "report"
    shutil.copytree(landscape_report, out)
    assert {"paths.gif", "paths.mp4", "figures/landscape.png"} <= files(out)
    refused = runner.invoke(app, [*PARABOLA, "--out", str(out)])
    assert refused.exit_code == 2 and "--force" in refused.output
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--force"])
    assert result.exit_code == 0, result.output
    # nothing of the landscape's report is left: no animation, no landscape figure, parabola's table
    now = files(out)
    assert not now & {"paths.gif", "paths.mp4", "figures/landscape.png", "figures/landscape.svg"}
    record = json.loads((out / "comparison.json").read_text())
    assert now == set(record["files"]) | {"comparison.json"}
    assert 'task = "parabola"' in (out / "config.toml").read_text()
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]  # no staging directory left behind


def test_force_never_removes_files_a_report_did_not_write(tmp_path, landscape_report, no_training):
    out = tmp_path / "report"
    shutil.copytree(landscape_report, out)
    (out / "my notes.txt").write_text("mine")
    (out / "figures" / "sketch.png").write_bytes(b"mine")
    before = {f: (out / f).read_bytes() for f in files(out)}
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--force"])
    assert result.exit_code == 2 and "did not write" in result.output and "'my notes.txt'" in result.output
    assert {f: (out / f).read_bytes() for f in files(out)} == before
    # a directory of other things, without a report, is not taken over either
    other = tmp_path / "mine"
    other.mkdir()
    (other / "data.csv").write_text("a\n1\n")
    for force in ([], ["--force"]):
        result = runner.invoke(app, [*PARABOLA, "--out", str(other), *force])
        assert result.exit_code == 2 and "holds no descend report" in result.output, result.output
    assert os.listdir(other) == ["data.csv"]
    # an empty directory is fine
    (tmp_path / "empty").mkdir()
    from descend.report.build import check_out

    assert check_out(tmp_path / "empty") == tmp_path / "empty"


def test_descend_report_rebuilds_the_report_from_its_saved_results(tmp_path, landscape_report):
    out = tmp_path / "copy"
    shutil.copytree(landscape_report, out)
    for gone in ("report.html", "figures/landscape.png", "paths.gif"):
        (out / gone).unlink()
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert f"report: {out / 'report.html'}" in result.output
    assert files(out) == files(landscape_report)
    for name in ("summary.csv", "table.csv", "curves.csv", "config.toml", "comparison.json", "paths.npz",
                 "report.html", "figures/landscape.png"):
        assert (out / name).read_bytes() == (landscape_report / name).read_bytes(), name
    # elsewhere, leaving the original as it is
    result = runner.invoke(app, ["report", str(landscape_report), "--out", str(tmp_path / "elsewhere"),
                                 "--no-animation"])
    assert result.exit_code == 0, result.output
    assert "paths.gif" not in files(tmp_path / "elsewhere") and (tmp_path / "elsewhere" / "report.html").exists()


def test_a_rebuild_says_how_the_model_was_initialised(tmp_path):
    """The rebuilt page said "weights drawn as torch.nn draws them" for runs initialised with --init normal
    --init-scale 0.5 (the task was rebuilt from config.toml, but its model not initialised as compare does)."""
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "iris", *TINY, "-o", "adam", "--lr", "0.01", "--init", "normal",
                                 "--init-scale", "0.5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    written = (out / "report.html").read_bytes()
    assert b"normal weights, scale 0.5" in written
    result = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "again")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again" / "report.html").read_bytes() == written


def test_a_rebuild_keeps_the_versions_that_trained_the_runs(tmp_path, landscape_report):
    """comparison.json (and a --json file in the folder) record the versions the numbers depend on: a rebuild by
    another environment (descend, PyTorch upgraded since) wrote its own there, claiming numbers it did not compute,
    and stamped them into a report of a release that recorded none."""
    out = tmp_path / "copy"
    shutil.copytree(landscape_report, out)
    record = json.loads((out / "comparison.json").read_text())
    trained = {**record["versions"], "torch": "1.0.0", "descend": "0.0.1"}  # as another environment wrote it
    record["versions"], record["json"] = trained, "results.json"  # as if written with --json OUT/results.json
    (out / "comparison.json").write_text(json.dumps(record))
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads((out / "comparison.json").read_text())["versions"] == trained
    assert json.loads((out / "results.json").read_text())["versions"] == trained
    record = json.loads((out / "comparison.json").read_text())
    del record["versions"]  # an earlier release's report: they are not known, and not made up
    (out / "comparison.json").write_text(json.dumps(record))
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert json.loads((out / "comparison.json").read_text())["versions"] == {}


def test_descend_report_refuses_what_is_not_a_report(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "none")])
    assert result.exit_code == 2 and "not a directory" in result.output and "Traceback" not in result.output
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "table.csv").write_text("optimizer,lr\n")
    result = runner.invoke(app, ["report", str(tmp_path / "mine")])
    assert result.exit_code == 2 and "comparison.json" in result.output and "Traceback" not in result.output


def test_svg_and_mp4_are_written_only_when_asked_and_a_rebuild_keeps_the_choice(tmp_path, landscape_report):
    plain = tmp_path / "plain"
    result = runner.invoke(app, ["compare", "himmelblau", *TINY, "-o", "gd", "--lr", "0.01", "--out", str(plain)])
    assert result.exit_code == 0, result.output
    written = files(plain)
    assert {"paths.gif", "figures/landscape.png", "figures/loss-step.png"} <= written
    assert not [f for f in written if f.endswith((".svg", ".mp4"))]
    html = (plain / "report.html").read_text()
    assert "paths.mp4" not in html and "loss-step.svg" not in html and "download=\"loss-step.png\"" in html
    # descend report rebuilds what the report had: none here, both for the fixture (written with --svg --mp4)
    assert runner.invoke(app, ["report", str(plain)]).exit_code == 0
    assert not [f for f in files(plain) if f.endswith((".svg", ".mp4"))]
    rebuilt = tmp_path / "rebuilt"
    assert runner.invoke(app, ["report", str(landscape_report), "--out", str(rebuilt)]).exit_code == 0
    assert {"paths.mp4", "figures/landscape.svg"} <= files(rebuilt)
    # and the flags add or drop them
    assert runner.invoke(app, ["report", str(plain), "--svg"]).exit_code == 0
    assert "figures/landscape.svg" in files(plain) and "paths.mp4" not in files(plain)


def test_json_naming_the_reports_own_directory_is_refused_before_training(tmp_path, no_training):
    """--json j1 --out j1 trained, wrote the report, then said it could not be written and "it is as it was"."""
    out = tmp_path / "j1"
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--json", str(out)])
    assert result.exit_code == 2 and "is the report's directory (--out); give a file name" in result.output
    assert not out.exists()


def test_a_json_file_that_cannot_be_written_leaves_the_report_as_it_was(tmp_path, monkeypatch):
    """The --json file was written after the report was in place; its failure said the report was as it was."""
    from descend.report import saved

    out, runs = tmp_path / "r", tmp_path / "runs.json"
    real = saved.write_text

    def full(path, text, *args, **kwargs):
        if Path(path).name.startswith(".runs.json"):  # written aside first
            raise OSError(28, "No space left on device")
        return real(path, text, *args, **kwargs)

    monkeypatch.setattr(saved, "write_text", full)
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--json", str(runs)])
    assert result.exit_code == 2 and "it is as it was" in result.output
    assert f"(--json {str(runs)!r}: No space left on device)" in result.output, result.output  # not --out's disk
    assert not out.exists() and not runs.exists() and not list(tmp_path.iterdir())


def test_a_report_that_cannot_be_written_leaves_the_json_file_as_it_was(tmp_path, monkeypatch):
    """The --json file was in place before the report failed (a full disk, SIGTERM while drawing), while the
    command said everything was as it was."""
    from descend.report import build

    out, runs = tmp_path / "r", tmp_path / "runs.json"
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--json", str(runs)])
    assert result.exit_code == 0, result.output
    before = runs.read_bytes()

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build, "_write", full)
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--json", str(runs), "--force"])
    assert result.exit_code == 2 and "it is as it was" in result.output
    assert runs.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["r", "runs.json"]


def test_descend_report_writes_again_the_json_file_inside_the_report(tmp_path):
    """`descend report DIR` deleted the --json file the comparison wrote inside DIR (listed among its files),
    silently, exit 0; --out OTHER left it out too."""
    out = tmp_path / "r"
    result = runner.invoke(app, [*PARABOLA, "--out", str(out), "--json", str(out / "data" / "runs.json")])
    assert result.exit_code == 0, result.output
    before = (out / "data" / "runs.json").read_bytes()
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "data" / "runs.json").read_bytes() == before  # written again from the saved results: the same
    assert json.loads((out / "comparison.json").read_text())["json"] == "data/runs.json"
    assert "data/runs.json" in json.loads((out / "comparison.json").read_text())["files"]
    # elsewhere: the rebuilt report holds it too, at the same place, and the original keeps its own
    result = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "other")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "other" / "data" / "runs.json").read_bytes() == before
    assert (out / "data" / "runs.json").read_bytes() == before
    # a report of an earlier descend, whose comparison.json lists the file without naming it
    record = json.loads((out / "comparison.json").read_text())
    del record["json"]
    (out / "comparison.json").write_text(json.dumps(record))
    result = runner.invoke(app, ["report", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / "data" / "runs.json").read_bytes() == before
    # a --json file outside the report is not the report's: a rebuild neither writes nor removes it
    outside = tmp_path / "runs.json"
    result = runner.invoke(app, [*PARABOLA, "--out", str(tmp_path / "s"), "--json", str(outside)])
    assert result.exit_code == 0, result.output
    outside.write_text("{\"descend\": \"mine\"}")
    assert json.loads((tmp_path / "s" / "comparison.json").read_text())["json"] is None
    assert runner.invoke(app, ["report", str(tmp_path / "s")]).exit_code == 0
    assert outside.read_text() == "{\"descend\": \"mine\"}" and not (tmp_path / "s" / "runs.json").exists()


def _interrupted_at_first_step(monkeypatch):
    """C.compare with Ctrl-C (a SIGINT to this process, as a terminal sends it) at the first step of training."""
    import signal

    real = C.compare

    def compare(config, task, **kwargs):
        sent = []

        def progress(event):
            if not sent:
                sent.append(True)
                signal.raise_signal(signal.SIGINT)
        return real(config, task, progress=progress)

    monkeypatch.setattr(C, "compare", compare)


def test_ctrl_c_in_descend_landscape_says_so_and_exits_130(tmp_path, monkeypatch):
    """It exited 0 with a table of dashes and no word."""
    _interrupted_at_first_step(monkeypatch)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "50", "-o", "gd", "--out", str(tmp_path)])
    assert result.exit_code == 130 and "note: interrupted" in result.stderr, result.output


def test_ctrl_c_while_descend_landscape_animates_says_the_animation_beside_the_figure_is_an_earlier_runs(
        tmp_path, monkeypatch):
    """It exited 130 with no word, the new figure beside an earlier run's animation of other optimizers."""
    from descend.report import figures

    gif = tmp_path / "paths.gif"
    args = ["landscape", "himmelblau", "--steps", "20", "--out", str(tmp_path / "fig"), "--animate", str(gif)]
    assert runner.invoke(app, [*args, "-o", "adam"]).exit_code == 0 and gif.exists()

    def cut(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(figures, "animate", cut)
    result = runner.invoke(app, [*args, "-o", "gd"])
    assert result.exit_code == 130, result.output
    assert f"interrupted while writing the animation: the figure is written ({tmp_path / 'fig'}" in result.stderr
    assert f"the animation is not ({gif} is an earlier run's)" in result.stderr


def test_descend_landscape_before_any_step_or_out_of_memory_writes_no_figure(tmp_path, monkeypatch):
    """A Ctrl-C before the first step wrote an empty figure and a table with no row; --steps 1000000000000 ended in
    a traceback (MemoryError while planning the batches), where descend compare says it in one line."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(C, "compare", interrupted)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o")])
    assert result.exit_code == 130 and "interrupted before any run finished a step: no figure written" in \
        result.stderr, result.output
    assert not (tmp_path / "o").exists()
    monkeypatch.undo()
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "1000000000000", "-o", "gd", "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output and not (tmp_path / "o").exists()
    assert result.stderr.strip().splitlines()[-1] == ("error: --steps 1000000000000: a whole number from 1 to "
                                                      "1,000,000,000 is required")

    def out_of_memory(*args, **kwargs):  # a training past memory (planning its batches, its records)
        raise MemoryError

    monkeypatch.setattr(C, "compare", out_of_memory)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output and not (tmp_path / "o").exists()
    assert result.stderr.strip().splitlines()[-1] == ("error: not enough memory for this figure: give fewer --steps "
                                                      "or fewer runs (--lr values, -o)")
    monkeypatch.undo()
    real = C.compare

    def none_stepped(config, task, progress=None):
        import dataclasses

        done = real(config, task, progress=progress)
        return dataclasses.replace(done, summary=done.summary.assign(steps_done=0), interrupted=True)

    monkeypatch.setattr(C, "compare", none_stepped)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o")])
    assert result.exit_code == 130 and "no figure written" in result.stderr and not (tmp_path / "o").exists()


def test_descend_landscape_names_its_start_and_says_random_search_has_no_path(tmp_path):
    """--start nan,0 was refused as "--task-option start", a flag descend landscape does not have; random search's
    row was in the table and in no figure, and alone with --animate the note said that no run had finished."""
    result = runner.invoke(app, ["landscape", "himmelblau", "--start", "nan,0", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and result.stderr.startswith("error: --start 'nan,0': "), result.output
    result = runner.invoke(app, ["landscape", "himmelblau", "-o", "random-search", "--steps", "5", "--out",
                                 str(tmp_path / "o"), "--animate", str(tmp_path / "o" / "a.gif")])
    assert result.exit_code == 0, result.output
    assert "note: no animation: random-search has no path" in result.output
    assert "note: random-search samples points rather than following a path: not drawn" in result.output


def test_descend_landscape_draws_a_path_that_walks_off_the_domain_whole(tmp_path, monkeypatch):
    """x + y**2 at lr 0.1 ends at x = -13.75: the figure cut its path at the domain's edge, x = -5, with no word
    (a report's map grows to hold every finished path; descend landscape now draws the same map)."""
    from descend.report import figures

    drawn = []
    real = figures.landscape
    monkeypatch.setattr(figures, "landscape", lambda surface, *a, **k: drawn.append(surface) or real(surface, *a, **k))
    result = runner.invoke(app, ["landscape", "x + y**2", "--lr", "0.1", "--steps", "100", "-o", "gd", "--out",
                                 str(tmp_path)])
    assert result.exit_code == 0, result.output
    (x0, x1), _ = drawn[0].domain
    assert x0 < -13.75 and x1 == 5.0


def test_descend_landscape_checks_animate_and_start_before_training_and_animates_nothing_after_an_early_ctrl_c(
        tmp_path, monkeypatch):
    """--animate DIR/d.gif (a directory) or FILE/a.gif ended in a traceback after training; "1,,2" was read as
    (1, 2); a Ctrl-C before any run finished ended in "paths is empty: there is nothing to animate"."""
    (tmp_path / "d.gif").mkdir()
    (tmp_path / "plain").write_text("x")
    for animate, message in ((tmp_path / "d.gif", "is a directory; give a file name ending in .gif or .mp4"),
                             (tmp_path / "plain" / "a.gif", "is a file, not a directory")):
        result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "--out", str(tmp_path / "o"),
                                     "--animate", str(animate)])
        assert result.exit_code == 2 and message in result.stderr and not (tmp_path / "o").exists()
    result = runner.invoke(app, ["landscape", "rosenbrock", "--start", "1,,2", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "give two numbers X,Y" in result.stderr
    from descend import compare as C

    real = C.compare

    def nothing_finished(config, task, progress=None):
        import dataclasses

        return dataclasses.replace(real(config, task, progress=progress), paths={}, interrupted=True)

    monkeypatch.setattr(C, "compare", nothing_finished)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o"),
                                 "--animate", str(tmp_path / "o" / "a.gif")])
    assert result.exit_code == 130 and "no animation: no run finished" in result.output + result.stderr
    assert not (tmp_path / "o" / "a.gif").exists() and "Traceback" not in result.output


def test_ctrl_c_in_a_tuned_comparisons_search_says_what_was_lost(tmp_path, monkeypatch):
    """It said no run had finished a step, after thousands of the search's steps."""
    _interrupted_at_first_step(monkeypatch)
    result = runner.invoke(app, ["compare", "line", "--mode", "tuned", "--budget", "3", *TINY, "-o", "gd",
                                 "--no-animation", "--out", str(tmp_path / "t")])
    assert result.exit_code == 130
    assert "interrupted during the learning-rate search, before any re-run of its best trials" in result.stderr


def test_damaged_saved_files_are_one_line_errors_never_a_traceback_nor_a_shorter_table(tmp_path, landscape_report):
    """descend show gave pandas' traceback for a damaged table.csv and showed fewer optimizers for one cut short;
    descend report gave BadZipFile for a damaged paths.npz and rebuilt a report from a curves.csv cut short."""
    def copy(name):
        out = tmp_path / name
        shutil.copytree(landscape_report, out)
        return out

    broken = copy("broken")
    (broken / "table.csv").write_bytes(b'optimizer,"lr\n\x00\xff')
    result = runner.invoke(app, ["show", str(broken)])
    assert result.exit_code == 2 and "its table.csv cannot be read" in result.output and "Traceback" not in result.output
    short = copy("short")
    lines = (short / "table.csv").read_text().splitlines(keepends=True)
    (short / "table.csv").write_text("".join(lines[:-1]))
    result = runner.invoke(app, ["show", str(short)])
    assert result.exit_code == 2 and "its table.csv has 1 rows where the comparison had 2" in result.output
    zipped = copy("zipped")
    (zipped / "paths.npz").write_bytes((zipped / "paths.npz").read_bytes()[:100])
    result = runner.invoke(app, ["report", str(zipped), "--out", str(tmp_path / "again")])
    assert result.exit_code == 2 and "its saved results cannot be read" in result.output, result.output
    cut = copy("cut")
    lines = (cut / "curves.csv").read_text().splitlines(keepends=True)
    (cut / "curves.csv").write_text("".join(lines[: len(lines) // 2]))
    result = runner.invoke(app, ["report", str(cut), "--out", str(tmp_path / "again2")])
    assert result.exit_code == 2 and "curves.csv has" in result.output and "cut short or edited" in result.output
    gone = copy("gone")
    (gone / "config.toml").unlink()  # it said "[Errno 2] No such file or directory: '.../config.toml'"
    result = runner.invoke(app, ["report", str(gone), "--out", str(tmp_path / "again3")])
    assert result.exit_code == 2 and "its saved results cannot be read (config.toml is missing)" in result.output


def test_descend_show_says_a_damaged_comparison_json_leaves_the_table_unchecked(tmp_path, landscape_report):
    """A comparison.json cut short was skipped without a word: a table.csv cut to one row printed as whole, without
    the task or notes. The table is shown with one note naming the file, and what can write it again."""
    damaged = tmp_path / "damaged"
    shutil.copytree(landscape_report, damaged)
    record = damaged / "comparison.json"
    record.write_text(record.read_text()[:200])
    lines = (damaged / "table.csv").read_text().splitlines(keepends=True)
    (damaged / "table.csv").write_text("".join(lines[:-1]))
    result = runner.invoke(app, ["show", str(damaged)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    said = [line for line in result.stdout.splitlines() if str(record) in line]
    # in a reader's words (it said "JSONDecodeError: Expecting ...")
    assert len(said) == 1 and said[0].startswith(f"note: {record} cannot be read (not valid JSON (line "), \
        result.output
    assert "its rows not checked against the comparison's" in said[0]
    assert "descend report cannot write them again from a damaged comparison.json, descend compare --config " \
           f"{damaged / 'config.toml'} --out NEW_FOLDER runs the comparison again" in said[0]
    (damaged / "comparison.json").unlink()  # a report of a descend before comparison.json: nothing to say
    assert "note:" not in runner.invoke(app, ["show", str(damaged)], env={"COLUMNS": "300"}).stdout


def test_a_rebuild_keeps_the_comparisons_own_timings(tmp_path, landscape_report):
    """descend report DIR rewrote timings.json without its "command" block (startup, task, training): the record of
    how long the comparison trained was gone after a rebuild."""
    copy = tmp_path / "copy"
    shutil.copytree(landscape_report, copy)
    ran = json.loads((copy / "timings.json").read_text())["command"]
    assert set(ran) == {"startup", "task", "training"}
    result = runner.invoke(app, ["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert json.loads((copy / "timings.json").read_text())["command"] == ran


def test_descend_show_says_a_config_toml_edited_since_the_report(tmp_path, landscape_report):
    """descend show printed an edited config.toml under the table as the configuration behind it, without a word,
    where descend report refuses the folder for it."""
    edited = tmp_path / "edited"
    shutil.copytree(landscape_report, edited)
    config = edited / "config.toml"
    assert "note: config.toml" not in runner.invoke(app, ["show", str(edited)], env={"COLUMNS": "300"}).stdout
    # the same settings written otherwise (a default added, a setting the task resolves left out) are no edit
    same = config.read_text() + "compile = false\n"
    config.write_text("\n".join(line for line in same.splitlines() if not line.startswith("batch_size")) + "\n")
    assert "note: config.toml" not in runner.invoke(app, ["show", str(edited)], env={"COLUMNS": "300"}).stdout
    steps = next(line for line in config.read_text().splitlines() if line.startswith("steps = "))
    config.write_text(config.read_text().replace(steps, "steps = 5000"))
    result = runner.invoke(app, ["show", str(edited)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert f"note: descend report refuses this folder: config.toml was changed after the report was written (steps: " \
        f"{steps.split()[-1]} when written, 5000 now), so it no longer describes the saved results; restore it, or " \
        f"run the comparison it now describes: descend compare --config {config} --out NEW_FOLDER" in \
        " ".join(result.stdout.split()), result.stdout
    config.write_text(config.read_text().replace("steps = 5000\n", ""))  # a setting taken out: the task's, not its
    assert "(steps: " in runner.invoke(app, ["show", str(edited)], env={"COLUMNS": "300"}).stdout


def test_descend_report_refuses_a_listed_paths_file_that_is_missing(tmp_path, landscape_report):
    """A missing paths.npz, which comparison.json lists, rebuilt the report without the landscape's figures and
    without a word (exit 0): it is one line naming the file, as a curves.csv cut short is."""
    gone = tmp_path / "gone"
    shutil.copytree(landscape_report, gone)
    (gone / "paths.npz").unlink()
    result = runner.invoke(app, ["report", str(gone), "--out", str(tmp_path / "again")])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == (f"error: '{gone}': its saved results cannot be read (paths.npz is missing, "
                                     "though comparison.json lists it: the landscape's figures are drawn from it)")
    assert not (tmp_path / "again").exists()


def test_the_folder_the_command_runs_in_is_refused_as_out_before_any_work(tmp_path, monkeypatch, no_training,
                                                                          landscape_report):
    """--out . trained, then failed renaming the folder in use ("Device or resource busy"); --out "$PWD" replaced
    it, leaving the shell in a deleted folder; descend report . inside a report failed alike."""
    monkeypatch.chdir(tmp_path)
    for out in (".", str(tmp_path), ".."):
        result = runner.invoke(app, [*PARABOLA, "--out", out])
        assert result.exit_code == 2 and "is the folder this command runs in (or holds it)" in result.output, out
    inside = tmp_path / "copy"
    shutil.copytree(landscape_report, inside)
    monkeypatch.chdir(inside)
    result = runner.invoke(app, ["report", "."])
    assert result.exit_code == 2 and "is the folder this command runs in" in result.output, result.output
    assert sorted(os.listdir(inside)) == sorted(os.listdir(landscape_report))


def test_a_report_written_to_out_by_another_command_meanwhile_is_kept(tmp_path, monkeypatch):
    """Two comparisons into one --out: the one that finished last replaced the other's report without a word."""
    out = tmp_path / "same"
    compare = C.compare

    calls = []

    def other_command_writes_first(config, task, **kwargs):
        calls.append(1)
        comparison = compare(config, task, **kwargs)
        if len(calls) == 1:  # while this one trained
            assert runner.invoke(app, [*PARABOLA, "--out", str(out)]).exit_code == 0
        return comparison

    monkeypatch.setattr(C, "compare", other_command_writes_first)
    result = runner.invoke(app, [*PARABOLA, "--lr", "0.05", "--out", str(out)])
    monkeypatch.undo()
    assert result.exit_code == 2 and "another command wrote a report there while this one ran" in result.output
    before = (out / "config.toml").read_text()
    assert 'lr = "0.05"' not in before  # the other's report, whole


def test_a_report_written_to_out_while_the_figures_are_drawn_is_kept(tmp_path, monkeypatch):
    """The second check came before the figures were drawn (seconds): a report written meanwhile was moved aside
    and removed, and both commands said they wrote theirs."""
    from descend.report import build

    out = tmp_path / "same"
    write = build._write
    calls = []

    def other_command_writes_meanwhile(*args, **kwargs):
        write(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:  # while this one drew its figures
            assert runner.invoke(app, [*PARABOLA, "--out", str(out)]).exit_code == 0

    monkeypatch.setattr(build, "_write", other_command_writes_meanwhile)
    result = runner.invoke(app, [*PARABOLA, "--lr", "0.05", "--out", str(out)])
    monkeypatch.undo()
    assert result.exit_code == 2 and "another command wrote a report there" in result.output, result.output
    assert 'lr = "0.05"' not in (out / "config.toml").read_text()  # the other's report, whole
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing left aside


def test_a_ctrl_c_before_training_starts_says_so(tmp_path, monkeypatch):
    """A Ctrl-C while the task's data or the first step was prepared ended the command with exit 130 and no word."""
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(C, "compare", interrupted)
    result = runner.invoke(app, [*PARABOLA, "--out", str(tmp_path / "r")])
    assert result.exit_code == 130 and "interrupted before any run finished a step: no report written" in \
        result.stderr, result.output
    assert not (tmp_path / "r").exists()


def _csv_report(folder, name="one.csv", out="r"):
    """A comparison of a small CSV file written into ``folder`` (the working directory), named relatively: the rows
    of its file (without the header)."""
    rows = "".join(f"{(7 * i) % 11 / 3:.3f},{(3 * i) % 5 / 2:.2f},{i % 7 * 0.5 + 1.25}\n" for i in range(40))
    (folder / name).write_text("a,b,y\n" + rows)
    result = runner.invoke(app, ["compare", "--csv", name, "--column", "y", "-o", "adam", "--steps", "5",
                                 "--seeds", "1", "--lr", "0.01", "--quiet", "--out", out])
    assert result.exit_code == 0, result.output
    return rows


def test_a_csv_report_is_rebuilt_byte_for_byte_and_an_edited_file_is_refused(tmp_path, monkeypatch):
    """Given by a relative path, the rebuilt page named the file by its absolute one (not the same bytes); the file
    edited since, the rebuild described the new data beside results trained on the old, without a word."""
    monkeypatch.chdir(tmp_path)
    rows = _csv_report(tmp_path)
    written = (tmp_path / "r" / "report.html").read_bytes()
    assert str(tmp_path / "one.csv").encode() in written
    result = runner.invoke(app, ["report", "r"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "report.html").read_bytes() == written
    (tmp_path / "one.csv").write_text("a,b,y\n" + rows.replace(",1.25\n", ",9.75\n"))
    result = runner.invoke(app, ["report", "r"])
    assert result.exit_code == 2 and "one.csv' was changed after the report was written" in result.output, \
        result.output
    assert (tmp_path / "r" / "report.html").read_bytes() == written
    # a row with a missing value added since: the rebuild advised "dropna = True", which an edited config.toml is
    # then refused for; and a file moved away
    (tmp_path / "one.csv").write_text("a,b,y\n" + rows + "1.0,2.0,\n")
    for change in ("gained a row", "moved"):
        if change == "moved":
            (tmp_path / "one.csv").rename(tmp_path / "elsewhere.csv")
        result = runner.invoke(app, ["report", "r"])
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())
        if change == "moved":  # said plainly, not as a file that "no longer reads as the data (... does not exist)"
            assert f"the CSV file {str(tmp_path / 'one.csv')!r} is not there; no copy of it is at 'r/one.csv'" in \
                said, said
        else:
            assert "one.csv' no longer reads as the data the runs trained on (" in said, said
        # the three ways: the file where it was, beside the folder (as after moving both), or a new comparison
        assert "; restore it, put it beside the report's folder ('one.csv') or in it, or run a new comparison" in said
        assert "dropna" not in result.output and "does not exist" not in result.output
        assert (tmp_path / "r" / "report.html").read_bytes() == written


def test_a_csv_report_moved_with_its_file_is_rebuilt_and_config_may_name_the_files_new_place(tmp_path, monkeypatch):
    """A project folder (data.csv and the report beside it) moved or zipped: `descend report` refused it whatever
    config.toml said (its csv the old absolute path; the new path refused as config.toml changed; a relative path
    read from the working directory, not from config.toml's folder as `descend compare --config` reads it)."""
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.chdir(project)
    rows = _csv_report(project, "data.csv")
    moved = tmp_path / "moved"
    project.rename(moved)
    monkeypatch.chdir(tmp_path)
    config = moved / "r" / "config.toml"
    for k, csv in enumerate((None, str(moved / "data.csv"), "../data.csv")):  # as written, edited, relative
        if csv is not None:
            text = config.read_text()
            line = next(line for line in text.splitlines() if line.startswith("csv = "))
            config.write_text(text.replace(line, f"csv = {json.dumps(csv)}"))
        result = runner.invoke(app, ["report", str(moved / "r"), "--out", str(tmp_path / f"again-{k}")])
        assert result.exit_code == 0, (csv, result.output)
    (moved / "data.csv").write_text("a,b,y\n" + rows.replace(",1.25\n", ",9.75\n"))  # other numbers: refused
    result = runner.invoke(app, ["report", str(moved / "r"), "--out", str(tmp_path / "edited")])
    assert result.exit_code == 2 and "was changed after the report was written" in result.output, result.output


def test_a_report_folder_holding_its_csv_file_is_rebuilt_in_place_and_keeps_the_file(tmp_path, monkeypatch):
    """A report folder e-mailed without its data was refused, saying to put the CSV file "beside the report's folder
    or in it"; put in it, the rebuild refused the folder for holding a file its report did not write, naming it
    "DIRECTORY" and telling of a --force nobody gave."""
    (tmp_path / "sent").mkdir()
    monkeypatch.chdir(tmp_path / "sent")
    _csv_report(tmp_path / "sent")
    (tmp_path / "received").mkdir()
    shutil.copytree(tmp_path / "sent" / "r", tmp_path / "received" / "colleague")
    shutil.rmtree(tmp_path / "sent")
    monkeypatch.chdir(tmp_path / "received")
    data = (tmp_path / "one.csv")
    data.write_text("a,b,y\n" + "".join(f"{(7 * i) % 11 / 3:.3f},{(3 * i) % 5 / 2:.2f},{i % 7 * 0.5 + 1.25}\n"
                                        for i in range(40)))  # the rows _csv_report wrote
    shutil.copy(data, "colleague/one.csv")
    for _ in range(2):  # and again, from the report the first rebuild wrote
        result = runner.invoke(app, ["report", "colleague"])
        assert result.exit_code == 0, result.output
        assert Path("colleague/one.csv").read_bytes() == data.read_bytes()  # kept, as it was
        assert "one.csv" not in json.loads(Path("colleague/comparison.json").read_text())["files"]  # not --force's
    listed = set(json.loads(Path("colleague/comparison.json").read_text())["files"])
    assert files(Path("colleague")) == listed | {"comparison.json", "one.csv"}
    # another file of the user's: refused in the words of the command given (no DIRECTORY, no --force)
    Path("colleague/notes.txt").write_text("mine")
    result = runner.invoke(app, ["report", "colleague"])
    assert result.exit_code == 2, result.output
    assert result.stderr == ("error: the folder 'colleague' holds files its report did not write ('notes.txt'), "
                             "which a rebuild never replaces: move them away, or write the rebuilt report to another "
                             "folder with --out OTHER\n")
    assert Path("colleague/notes.txt").read_text() == "mine"
    # the comparison run again into its folder: the file it reads is not refused, and kept (nor written over)
    Path("colleague/notes.txt").unlink()
    result = runner.invoke(app, ["compare", "--config", "colleague/config.toml", "--out", "colleague", "--force",
                                 "--json", "colleague/one.csv"])
    assert result.exit_code == 2 and "--json 'colleague/one.csv' is the CSV file the comparison reads" in \
        result.output, result.output
    result = runner.invoke(app, ["compare", "--config", "colleague/config.toml", "--out", "colleague", "--force",
                                 "--quiet"])
    assert result.exit_code == 0, result.output
    assert Path("colleague/one.csv").read_bytes() == data.read_bytes()


def test_a_project_copied_whole_finds_its_csv_file_from_the_report_folders_new_place(tmp_path, monkeypatch):
    """`cp -r work proj2`: config.toml names the CSV file by the old absolute path, and a report in reports/NAME (the
    default --out) has it two levels up, where descend report looked neither (in the folder, beside it): refused.
    The path from the report's folder to the file, recorded when written, finds it; a file changed there is
    refused still."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    rows = _csv_report(work, "plots.csv", out="reports/plots")
    shutil.copytree(work, tmp_path / "proj2")
    work.rename(tmp_path / "away")  # the old absolute path is gone
    monkeypatch.chdir(tmp_path / "proj2")
    result = runner.invoke(app, ["report", "reports/plots", "--out", "again"])
    assert result.exit_code == 0, result.output
    assert f"csv = {json.dumps(str(tmp_path / 'proj2' / 'plots.csv'))}" in Path("again/config.toml").read_text()
    # a report of an earlier descend, which recorded no such path: read as before (beside its folder)
    record = json.loads(Path("reports/plots/comparison.json").read_text())
    assert record["csv_from_report"] == "../../plots.csv"  # reports/plots/ → plots.csv
    old = {k: v for k, v in record.items() if k != "csv_from_report"}
    Path("reports/plots/comparison.json").write_text(json.dumps(old))
    result = runner.invoke(app, ["report", "reports/plots", "--out", "old"])
    assert result.exit_code == 2 and "the CSV file" in result.output, result.output  # two levels up: not found
    shutil.copy("plots.csv", "reports/plots.csv")
    result = runner.invoke(app, ["report", "reports/plots", "--out", "old"])
    assert result.exit_code == 0, result.output
    Path("reports/plots.csv").unlink()
    Path("reports/plots/comparison.json").write_text(json.dumps(record))
    Path("plots.csv").write_text("a,b,y\n" + rows.replace(",1.25\n", ",9.75\n"))  # other numbers: refused
    result = runner.invoke(app, ["report", "reports/plots", "--out", "edited"])
    assert result.exit_code == 2, result.output
    assert "'plots.csv' holds other numbers than those the runs trained on" in " ".join(result.output.split())
    assert not Path("edited").exists()


def test_compare_config_of_a_moved_report_finds_its_csv_file_or_names_csv(tmp_path, monkeypatch):
    """descend compare --config reports/plots/config.toml, the project copied elsewhere: "error: CSV file
    '/old/plots.csv' does not exist"."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    _csv_report(work, "plots.csv", out="reports/plots")
    shutil.copytree(work, tmp_path / "proj2")
    work.rename(tmp_path / "away")
    monkeypatch.chdir(tmp_path / "proj2")
    again = ["compare", "--config", "reports/plots/config.toml", "--quiet"]
    result = runner.invoke(app, [*again, "--out", "new"])
    assert result.exit_code == 0, result.output
    assert (f"note: csv (in reports/plots/config.toml): {str(work / 'plots.csv')!r} is not there; comparing on "
            "'plots.csv', the report's data where descend report finds it (--csv FILE gives another file)") in \
        " ".join(result.stderr.split()), result.stderr
    assert f"csv = {json.dumps(str(tmp_path / 'proj2' / 'plots.csv'))}" in Path("new/config.toml").read_text()
    Path("plots.csv").rename("elsewhere.csv")
    result = runner.invoke(app, [*again, "--out", "new2"])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"error: --config 'reports/plots/config.toml': the CSV file {str(work / 'plots.csv')!r} "
                             "(csv) is not there, nor at 'plots.csv' or 'reports/plots/plots.csv' or "
                             "'reports/plots.csv', where descend report looks for a report's data: give the file to "
                             "compare on with --csv FILE\n")
    result = runner.invoke(app, [*again, "--out", "new2", "--csv", "elsewhere.csv"])
    assert result.exit_code == 0, result.output
    # an edited file found first does not hide the runs' own in the report's folder: the one descend report reads
    shutil.copy("elsewhere.csv", "reports/plots/plots.csv")
    Path("plots.csv").write_text("".join(Path("elsewhere.csv").read_text().splitlines(keepends=True)[:-3]))
    result = runner.invoke(app, [*again, "--out", "new3"])
    assert result.exit_code == 0, result.output
    assert "comparing on 'reports/plots/plots.csv', the report's data where descend report finds it" in \
        " ".join(result.stderr.split()), result.stderr


def test_a_changed_file_at_the_recorded_path_does_not_hide_a_copy_beside_the_folder(tmp_path, monkeypatch):
    """The file at config.toml's path edited since, descend report refused "was changed... restore it" though the
    file the runs trained on was beside the report's folder, where it says it looks."""
    (tmp_path / "data").mkdir()
    monkeypatch.chdir(tmp_path / "data")
    rows = _csv_report(tmp_path / "data", out=str(tmp_path / "r"))
    monkeypatch.chdir(tmp_path)
    shutil.copy("data/one.csv", "one.csv")  # the runs' own numbers, beside the report's folder
    Path("data/one.csv").write_text("a,b,y\n" + rows.replace(",1.25\n", ",9.75\n"))
    result = runner.invoke(app, ["report", "r", "--out", "again"])
    assert result.exit_code == 0, result.output
    assert f"csv = {json.dumps(str(tmp_path / 'one.csv'))}" in Path("again/config.toml").read_text()
    # none holds them: refused, each place tried named with what it holds
    Path("one.csv").write_text("a,b,y\n" + rows + "1.0,2.0,\n")
    result = runner.invoke(app, ["report", "r", "--out", "other"])
    assert result.exit_code == 2, result.output
    said = " ".join(result.stderr.split())
    assert said.startswith(f"error: 'r': the CSV file {str(tmp_path / 'data' / 'one.csv')!r} was changed after the "
                           "report was written: its numbers are not those the runs trained on; 'r/one.csv' is not "
                           "there; 'one.csv' does not read as the data the runs trained on ("), said
    assert not Path("other").exists()


def test_descend_show_says_what_compare_said_of_the_data(tmp_path, monkeypatch):
    """descend show left out the notes compare printed under its table about the data (rows dropped for their missing
    values, the baseline of the most frequent class)."""
    monkeypatch.chdir(tmp_path)
    rows = "".join(f"{i % 5},{(3 * i) % 7},{'ab'[i % 3 == 0]}\n" for i in range(60))
    Path("d.csv").write_text("a,b,y\n" + rows + ",1,a\n")
    result = runner.invoke(app, ["compare", "--csv", "d.csv", "--column", "y", "--dropna", "-o", "adam", "--steps",
                                 "3", "--seeds", "1", "--lr", "0.01", "--out", "r"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    said = [line for line in result.stdout.splitlines() if line.startswith(("note: dropped", "note: baseline"))]
    assert len(said) == 2, result.stdout
    shown = runner.invoke(app, ["show", "r"], env={"COLUMNS": "300"})
    assert shown.exit_code == 0, shown.output
    assert all(line in shown.stdout.splitlines() for line in said), shown.stdout


def test_descend_landscape_on_a_full_disk_is_one_line(tmp_path, monkeypatch):
    """--out or --animate on a full disk ended in a 160-182-line traceback."""
    from descend.report import figures

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(figures, "save", full)
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert result.stderr.strip().splitlines()[-1] == (f"error: --out {str(tmp_path / 'o')!r}: the figure could not "
                                                      "be written (No space left on device)")
    monkeypatch.undo()
    monkeypatch.setattr(figures, "animate", full)
    gif = tmp_path / "a.gif"
    result = runner.invoke(app, ["landscape", "rosenbrock", "--steps", "5", "-o", "gd", "--out", str(tmp_path / "o"),
                                 "--animate", str(gif)])
    assert result.exit_code == 2 and result.stderr.strip().splitlines()[-1] == (
        f"error: --animate {str(gif)!r}: the animation could not be written (No space left on device)")


def test_a_report_of_an_earlier_descend_says_what_it_cannot_check(tmp_path, monkeypatch):
    """A report written before comparison.json kept its settings and its CSV file's digest was rebuilt from an
    edited config.toml or a changed file, describing them beside results trained on others, without a word."""
    monkeypatch.chdir(tmp_path)
    _csv_report(tmp_path)
    record = json.loads((tmp_path / "r" / "comparison.json").read_text())
    for key in ("config", "data"):  # as an earlier release wrote it
        record.pop(key)
    (tmp_path / "r" / "comparison.json").write_text(json.dumps(record))
    result = runner.invoke(app, ["report", "r", "--out", "again"])
    assert result.exit_code == 0, result.output
    assert ("note: this report was written by an earlier descend, which did not record its settings or the CSV "
            "file's numbers: config.toml and the files it names are taken as they are now") in result.stderr
    assert "which did not record its settings" in (tmp_path / "again" / "report.html").read_text()


def test_a_rebuild_without_the_animation_records_no_video(tmp_path, landscape_report):
    """descend report DIR --no-animation on a report made with --mp4 wrote no paths.mp4 but kept drawn.mp4: true in
    comparison.json, so every later rebuild said the report had a video."""
    rebuilt = tmp_path / "rebuilt"
    result = runner.invoke(app, ["report", str(landscape_report), "--out", str(rebuilt), "--no-animation"])
    assert result.exit_code == 0, result.output
    assert not [f for f in files(rebuilt) if f.endswith((".gif", ".mp4"))]
    drawn = json.loads((rebuilt / "comparison.json").read_text())["drawn"]
    assert drawn["animation"] is False and drawn["mp4"] is False and drawn["svg"] is True, drawn
    again = tmp_path / "again"
    result = runner.invoke(app, ["report", str(rebuilt), "--out", str(again)])
    assert result.exit_code == 0, result.output
    assert json.loads((again / "comparison.json").read_text())["drawn"]["mp4"] is False


def test_descend_report_keeps_a_report_another_command_wrote_there_while_it_ran(tmp_path, monkeypatch):
    """`descend report DIR` passed force to the report's last check, so a comparison written into DIR (or into its
    --out) while the rebuild was drawn was replaced by the rebuild of the old one: both said "report: ...", and the
    comparison just trained was deleted."""
    from descend.report import build

    source, other, new = tmp_path / "source", tmp_path / "other", tmp_path / "new"
    for folder in (source, other):
        assert runner.invoke(app, [*PARABOLA, "--out", str(folder)]).exit_code == 0
    real, into = build._write, []

    def meanwhile(comparison, staging, **kwargs):  # another command writes its report while this one draws
        real(comparison, staging, **kwargs)
        shutil.copytree(other, into[0], dirs_exist_ok=True)

    monkeypatch.setattr(build, "_write", meanwhile)
    for args, folder in ((["report", str(source)], source), (["report", str(source), "--out", str(new)], new)):
        into[:] = [folder]
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        assert "another command wrote a report there while this one ran; it is kept" in result.output, result.output
        assert (folder / "comparison.json").read_text() == (other / "comparison.json").read_text()


def test_svg_copies_of_figures_not_drawn_are_refused(tmp_path):
    """descend report DIR --no-figures --svg rebuilt the page without a word about the SVG files it could not write."""
    made = runner.invoke(app, ["compare", "rosenbrock", "-o", "gd", "--steps", "5", "--seeds", "1", "--no-animation",
                               "--out", str(tmp_path / "r")])
    assert made.exit_code == 0, made.output
    result = runner.invoke(app, ["report", str(tmp_path / "r"), "--no-figures", "--svg", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "--svg writes the figures as SVG too, and --no-figures draws none: give one of them" in result.output
    assert not (tmp_path / "o").exists()
    # --mp4 on a report written with --no-animation: its advice, followed, draws the video from the saved results
    result = runner.invoke(app, ["report", str(tmp_path / "r"), "--mp4", "--out", str(tmp_path / "v")])
    assert result.exit_code == 2 and "has no animation (it was written with --no-animation): add --figures" in \
        result.output, result.output
    result = runner.invoke(app, ["report", str(tmp_path / "r"), "--mp4", "--figures", "--out", str(tmp_path / "v")])
    assert result.exit_code == 0 and (tmp_path / "v" / "paths.mp4").exists(), result.output


def test_a_comparison_keeps_each_optimizers_representative_run_as_a_model_file(tmp_path):
    """descend compare wrote no model: a practitioner who chose an optimizer for a CSV file had nothing to predict
    new rows with. Each label's representative run (the report's, decided once) is kept as model-<label>.pt, with
    the accuracy of that run on its training rows; a rebuild keeps the files byte for byte; a file deleted since is
    left out of the rebuilt report."""
    import numpy as np
    import pandas as pd

    from descend.data import from_csv, split
    from descend.predictor import Predictor
    from descend.report.saved import load

    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=90), "b": rng.normal(size=90), "shop": ["x", "y", "z"] * 30})
    frame["bought"] = np.where(frame["a"] - frame["b"] + (frame["shop"] == "x") > 0, "yes", "no")
    frame.to_csv(tmp_path / "shop.csv", index=False)
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(tmp_path / "shop.csv"), "--column", "bought", "-o", "adam",
                                 "-o", "sgd:momentum=0.9", "--lr", "0.01,0.1", "--seeds", "2", "--batch-size", "16",
                                 "--steps", "40", "--out", str(out), "--json", str(tmp_path / "runs.json")],
                           env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert f"models: model-adam.pt, model-sgd_momentum_0.9.pt in {out}" in result.stdout, result.stdout
    # the --json document names them too (it named none: a script reading it had to guess the file names)
    assert json.loads((tmp_path / "runs.json").read_text())["models"] == {
        "adam": "model-adam.pt", "sgd(momentum=0.9)": "model-sgd_momentum_0.9.pt"}
    comparison, _ = load(out)
    summary = comparison.summary
    for label, name in (("adam", "model-adam.pt"), ("sgd(momentum=0.9)", "model-sgd_momentum_0.9.pt")):
        model = Predictor.load(out / name)
        run = model.about["run"]
        assert comparison.selection.chosen[label].representative == run and summary.loc[run, "label"] == label
        assert model.about["comparison"]["label"] == label and model.about["lr"] == summary.loc[run, "lr"]
        # the run's own numbers: its training rows, as the split took them, give its recorded accuracy
        train = split(from_csv(tmp_path / "shop.csv", "bought"), seed=0).train
        truth = np.asarray(model.classes)[train.y.long().numpy()]
        assert np.mean(model.predict(train.x) == truth) == summary.loc[run, "final_train_accuracy"]
    before = {p.name: p.read_bytes() for p in out.glob("model-*.pt")}
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.glob("model-*.pt")} == before
    (out / "model-adam.pt").unlink()
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert sorted(p.name for p in out.glob("model-*.pt")) == ["model-sgd_momentum_0.9.pt"]
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert f"model: model-sgd_momentum_0.9.pt in {out}" in shown.stdout, shown.stdout
    (tmp_path / "new.csv").write_text("a,b,shop\n1.0,-1.0,x\n")
    predicted = runner.invoke(app, ["predict", str(out), str(tmp_path / "new.csv")])
    assert predicted.exit_code == 0 and predicted.stdout.splitlines()[1] == "1.0,-1.0,x,yes", predicted.output


def test_the_predict_hint_names_the_model_best_on_validation_and_an_earlier_releases_columns_read_as_now(tmp_path):
    """The hint after the table named the first optimizer's model whatever the comparison chose: it names the one
    of the row with the lowest validation loss in table.csv, and says why; descend show says the same. A report of
    an earlier release, whose "test loss (target's units)" was a squared error, is shown and rebuilt with the column
    under its name now."""
    import numpy as np
    import pandas as pd

    from descend.catalog import TEST_LOSS_UNSTANDARDISED
    from descend.report.saved import load

    rng = np.random.default_rng(0)
    x = rng.normal(size=(150, 2))
    pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "grams": 300 + 30 * x[:, 0] + rng.normal(scale=20, size=150)}
                 ).to_csv(tmp_path / "grams.csv", index=False)
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "--csv", str(tmp_path / "grams.csv"), "--column", "grams", "-o", "sgd",
                                 "-o", "rmsprop", "-o", "adam", "--lr", "0.001", "--batch-size", "full", "--steps",
                                 "20", "--seeds", "1", "--out", str(out), "--no-animation"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out / "table.csv", index_col=0)
    best = str(table["validation loss"].idxmin())
    assert best != "sgd", table  # (the first optimizer, which the hint named)
    said = (f"new rows with {best}'s, the lowest median validation loss: descend predict {out / f'model-{best}.pt'} "
            "NEW_ROWS.csv")
    assert said in " ".join(result.stdout.split()), result.stdout
    assert said in " ".join(runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"}).stdout.split())
    # an earlier release's report: the same numbers under the former name
    record = json.loads((out / "comparison.json").read_text())
    for column in record["table"]["columns"]:
        if column["name"] == TEST_LOSS_UNSTANDARDISED:
            column["name"] = "test loss (target's units)"
    record["fields"]["winners"] = {("test loss (target's units)" if k == TEST_LOSS_UNSTANDARDISED else k): v
                                   for k, v in record["fields"]["winners"].items()}
    (out / "comparison.json").write_text(json.dumps(record))
    table.rename(columns={TEST_LOSS_UNSTANDARDISED: "test loss (target's units)"}).to_csv(out / "table.csv")
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "test, target scale" in shown.stdout and "target units" in shown.stdout, \
        shown.output
    comparison, _ = load(out)
    assert list(comparison.table[TEST_LOSS_UNSTANDARDISED]) == list(table[TEST_LOSS_UNSTANDARDISED])
    assert TEST_LOSS_UNSTANDARDISED in comparison.winners


def test_a_landscapes_comparison_writes_no_model_and_predict_says_why(tmp_path, landscape_report):
    out = landscape_report
    assert not list(Path(out).glob("model-*.pt"))
    (tmp_path / "new.csv").write_text("x,y\n1,2\n")
    result = runner.invoke(app, ["predict", str(out), str(tmp_path / "new.csv")])
    assert result.exit_code == 2 and "is a comparison's report without a model file: its task's model is not one a " \
        "file keeps" in result.output, result.output


def test_model_file_names_are_distinct_short_and_kept_by_a_rebuild(tmp_path):
    """Labels that give one file name (a:b, a_b, A_B on a file system that ignores case) each have their own; a
    long label's name is cut (a comparison of one was lost to 'File name too long' after its training); a rebuild
    keeps each file under the name it was written with, copied as it is (a deleted one's name was given to another
    label's model), and says which it left out."""
    from descend._files import MODEL_STEM, model_file, model_files

    assert model_files(["a:b", "a_b", "A_B", "sgd(momentum=0.9)"]) == {
        "a:b": "model-a_b.pt", "a_b": "model-a_b-2.pt", "A_B": "model-A_B-3.pt",
        "sgd(momentum=0.9)": "model-sgd_momentum_0.9.pt"}
    long = "longopt(" + ",".join(f"{'x' * 80}{i}=0.5" for i in range(3)) + ")"
    assert len(model_file(long)) == len("model-.pt") + MODEL_STEM and model_file(long) != model_file(long + " ")
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "iris", "-o", "adam", "-o", "sgd", "-o", "rmsprop", *TINY,
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    before = {p.name: p.read_bytes() for p in out.glob("model-*.pt")}
    assert sorted(before) == ["model-adam.pt", "model-rmsprop.pt", "model-sgd.pt"]
    (out / "model-adam.pt").unlink()
    (out / "model-rmsprop.pt").write_bytes(before["model-sgd.pt"])  # another label's model under its name
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert {p.name: p.read_bytes() for p in out.glob("model-*.pt")} == {"model-sgd.pt": before["model-sgd.pt"]}
    notes = json.loads((out / "comparison.json").read_text())["fields"]["notes"]
    assert "model-adam.pt, the model of adam, is gone since the report was written: the rebuilt report leaves it " \
        "out (and its folder, rebuilt, does not hold it)" in notes
    assert "model-rmsprop.pt, the model of rmsprop, holds another model than its representative run since the " \
        "report was written: the rebuilt report leaves it out" in " ".join(notes)


def test_a_rebuilt_report_of_an_earlier_descend_still_says_it_kept_no_model(tmp_path, landscape_report):
    """A rebuild wrote "models": {} into a report of an earlier descend, whose descend predict then said its task's
    model is not one a file keeps (of a CSV file's task); descend show listed names pointing out of the folder."""
    out = tmp_path / "old"
    shutil.copytree(landscape_report, out)
    record = json.loads((out / "comparison.json").read_text())
    record.pop("models", None)
    (out / "comparison.json").write_text(json.dumps(record))
    assert runner.invoke(app, ["report", str(out)]).exit_code == 0
    assert "models" not in json.loads((out / "comparison.json").read_text())
    (tmp_path / "new.csv").write_text("x,y\n1,2\n")
    said = runner.invoke(app, ["predict", str(out), str(tmp_path / "new.csv")])
    assert said.exit_code == 2 and "it was written by an earlier descend, which kept none" in said.output, said.output
    record = json.loads((out / "comparison.json").read_text())
    record["models"] = {"gd": "../elsewhere/model-gd.pt", "adam": "/etc/passwd"}
    (out / "comparison.json").write_text(json.dumps(record))
    shown = runner.invoke(app, ["show", str(out)])
    assert shown.exit_code == 0 and "passwd" not in shown.stdout and "elsewhere" not in shown.stdout


def test_show_stars_the_comparisons_own_winners_and_a_rebuild_decides_an_earlier_releases_again(tmp_path):
    """descend show starred the medians' best from table.csv (adam's 0.1642*) beside the comparison's note that no one
    won, as it never read the winners comparison.json keeps; and a report of an earlier release, rebuilt, kept its
    winners by the medians alone and its generalisation gap won, under a page describing the seeds' rule."""
    out = tmp_path / "r"
    result = runner.invoke(app, ["compare", "iris", "-o", "adam", "-o", "adamw", "--lr", "0.01", "--steps", "20",
                                 "--seeds", "3", "--batch-size", "32", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    record = json.loads((out / "comparison.json").read_text())
    decided = record["fields"]["winners"]
    record["fields"]["winners"] = {"final train loss": ["adamw"]}  # a decision table.csv's medians do not give
    (out / "comparison.json").write_text(json.dumps(record))
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.stdout.splitlines() if line.startswith(("│ adam", "│ adamw"))]
    assert [line.count("*") for line in rows] == [0, 1], shown.stdout
    # an earlier release's record: no rule named, the gap won
    del record["winners_rule"]
    record["fields"]["winners"] = {"generalisation gap": ["adam"], "test loss": ["adam"]}
    (out / "comparison.json").write_text(json.dumps(record))
    shown = runner.invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert "note: the stars are the best medians alone: an earlier descend wrote this report" in \
        " ".join(shown.stdout.split()), shown.stdout
    result = runner.invoke(app, ["report", str(out), "--out", str(tmp_path / "again"), "--no-animation"])
    assert result.exit_code == 0, result.output
    rebuilt = json.loads((tmp_path / "again" / "comparison.json").read_text())
    assert rebuilt["fields"]["winners"] == decided and rebuilt["winners_rule"] == record_rule()
    assert any("written by an earlier descend, whose table named the best median" in n
               for n in rebuilt["fields"]["notes"])


def record_rule():
    from descend.compare import WINNERS_RULE

    return WINNERS_RULE
