"""descend.report.saved and write_report's files: a report moved into place whole (an error or a killed
process while writing leaves the previous report or nothing), its saved results read back exactly, and a
report.html that needs no file next to it."""

from __future__ import annotations

import html
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from descend import compare as C
from descend.report import build, saved


@pytest.fixture(scope="module")
def comparison():
    config, task = C.resolve("himmelblau", optimizers=["gd", "adam"], lr="0.01", steps=20, seeds=1)
    return C.compare(config, task)


@pytest.fixture(scope="module")
def small():
    config, task = C.resolve("parabola", optimizers=["gd"], steps=5, seeds=1)
    return C.compare(config, task)


@pytest.fixture(scope="module")
def written(comparison, tmp_path_factory):
    out = tmp_path_factory.mktemp("saved") / "report"
    build.write_report(comparison, out)
    return out


def files(directory) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in directory.rglob("*") if p.is_file()}


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data", "action", "background"):
                self.found.append((tag, name, value or ""))


def test_report_html_embeds_its_figures_and_animation_and_works_moved_alone(written, tmp_path):
    alone = tmp_path / "somewhere" / "moved.html"
    alone.parent.mkdir()
    shutil.copy(written / "report.html", alone)
    parser = _References()
    parser.feed(alone.read_text(encoding="utf-8"))
    assert parser.found, "the report shows its static figures"
    relative = [ref for ref in parser.found if not ref[2].startswith(("data:", "#"))]
    assert relative == [], relative
    kinds = sorted({value.split(";")[0] for _, _, value in parser.found})
    assert kinds == ["data:image/gif", "data:image/png"]
    # every figure embedded (the map of the paths twice: its download link, and in place of the animation for a
    # browser set to reduce motion)
    pngs = len({value for _, _, value in parser.found if value.startswith("data:image/png")})
    assert pngs == len(list((written / "figures").glob("*.png")))
    assert [tag for tag, name, value in parser.found if name == "srcset"] == ["source"]


def test_the_saved_results_read_back_equal(comparison, written):
    again, drawn = saved.load(written)
    assert drawn == {"figures": True, "animation": True, "svg": False, "mp4": False}
    pd.testing.assert_frame_equal(again.summary, comparison.summary)
    pd.testing.assert_frame_equal(again.table, comparison.table)
    pd.testing.assert_frame_equal(again.curves, comparison.curves)
    assert again.winners == comparison.winners and again.notes == comparison.notes
    assert again.seconds == comparison.seconds and again.interrupted == comparison.interrupted
    assert again.config.to_dict() == comparison.config.to_dict() and again.task.name == comparison.task.name
    assert sorted(again.paths) == sorted(comparison.paths)
    for run, path in comparison.paths.items():
        assert np.array_equal(again.paths[run], path)
    if getattr(comparison, "selection", None) is not None:  # saved as decided, never decided again
        assert json.loads((written / "comparison.json").read_text())["selection"] == comparison.selection.to_dict()
        assert again.selection == comparison.selection


def test_a_tuned_comparisons_search_reads_back_equal(tmp_path):
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=3, steps=10, seeds=1)
    comparison = C.compare(config, task)
    out = build.write_report(comparison, tmp_path / "out", animation=False, figures=False).parent
    again, _ = saved.load(out)
    assert again.search.to_dict() == comparison.search.to_dict() and len(again.search.chosen) == 2
    pd.testing.assert_frame_equal(again.search.trials, comparison.search.trials)
    named = html.escape(comparison.search.text())
    assert named in (out / "report.html").read_text()
    build.write_report(again, out, animation=False, figures=False, force=True)
    assert named in (out / "report.html").read_text()  # a rebuilt report still names its search
    assert saved.load(tmp_path / "out")[0].search is not None


def test_the_reports_card_says_the_learning_rates_its_runs_used_not_the_tasks_default_grid(tmp_path):
    """A tuned comparison's card said "lr range: 0.001 .. 0.1 (the default comparison's grid...)" while its search
    spanned 0.0001..1: the card says the range searched, and a grid's card the rates given."""
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", lr="1e-4..1", budget=3, steps=10,
                             seeds=1)
    out = build.write_report(C.compare(config, task), tmp_path / "tuned", animation=False, figures=False).parent
    page = html.unescape((out / "report.html").read_text())
    assert "lrs:        searched log-uniform over 0.0001..1 for every optimizer (tuned mode" in page
    assert "the default comparison's grid" not in page and "lr range:" not in page
    config, task = C.resolve("line", optimizers=["gd"], lr=[0.02, 0.3], steps=10, seeds=1)
    out = build.write_report(C.compare(config, task), tmp_path / "grid", animation=False, figures=False).parent
    page = html.unescape((out / "report.html").read_text())
    assert "lrs:        0.02, 0.3 (this comparison's grid" in page and "lr range:" not in page
    assert "lr range:" in task.card()  # the task's own card, for no run of it


def test_the_json_document_writes_pandas_missing_values_as_null_as_comparison_json_does(tmp_path):
    """A tuned comparison's --json wrote every trial's retry_of (a nullable integer) as the text "<NA>", where
    comparison.json's copy of the same trials has null."""
    config, task = C.resolve("rosenbrock", optimizers=["adam"], mode="tuned", budget=3, steps=10, seeds=1)
    comparison = C.compare(config, task)
    assert str(comparison.search.trials["retry_of"].dtype) == "Int64"
    document = json.loads(json.dumps(build.records(comparison)))
    assert [trial["retry_of"] for trial in document["search"]["trials"]] == [None] * 3
    column = saved.frame_to_json(comparison.search.trials)["columns"]
    assert [c["values"] for c in column if c["name"] == "retry_of"] == [[None] * 3]
    for value in (pd.NA, pd.NaT, np.int64(3), np.float32(0.5), np.bool_(True)):  # one rule for both files
        assert saved.python_value(value) == saved._cell(value)
    assert saved.python_value(pd.NA) is None and type(saved.python_value(np.int64(3))) is int


def test_step_counts_are_written_as_whole_numbers_whatever_the_other_runs(tmp_path):
    """summary.csv wrote status_at, diverged_at and steps_to_target as 1.0 where another run had none (and as
    9245 where every run had one), and the JSON document's runs carried 1.0."""
    config, task = C.resolve("rosenbrock", optimizers=["gd"], lr="1e-3,0.5", steps=20, seeds=1, target=12)
    comparison = C.compare(config, task)
    assert comparison.summary["status"].tolist() == ["ok", "diverged"]  # a value beside a missing one
    out = build.write_report(comparison, tmp_path / "r", json_path=tmp_path / "r" / "runs.json", figures=False,
                             animation=False).parent
    written = pd.read_csv(out / "summary.csv", dtype=str, keep_default_na=False)
    runs = json.loads((out / "runs.json").read_text())["runs"]
    for column in ("steps_done", "steps_to_target", "status_at", "diverged_at"):
        texts = written[column].tolist()
        assert all(t == "" or t.isdigit() for t in texts) and any(texts), (column, texts)
        values = [run[column] for run in runs]
        assert all(v is None or type(v) is int for v in values) and values != [None, None], (column, values)
    assert written["status_at"].tolist() == ["", "1"] and [run["diverged_at"] for run in runs] == [None, 1]
    # the saved results keep the summary's own types: a rebuild reads it back equal, and writes the same files
    again, _ = saved.load(out)
    pd.testing.assert_frame_equal(again.summary, comparison.summary)
    before = {name: (out / name).read_bytes() for name in ("summary.csv", "runs.json", "comparison.json")}
    build.write_report(again, out, json_path=out / "runs.json", figures=False, animation=False, force=True)
    assert {name: (out / name).read_bytes() for name in before} == before
    # and so does a search's final_summary.csv
    from types import SimpleNamespace

    from descend.tune.result import write_files

    write_files(SimpleNamespace(trials=pd.DataFrame({"number": [0]}), table=None, final_summary=comparison.summary,
                                final=None, models=None, best={}, storage="", read={}), tmp_path / "search")
    assert (tmp_path / "search" / "final_summary.csv").read_text() == (out / "summary.csv").read_text()


def test_a_tuned_comparison_draws_no_grid_of_rates_it_did_not_try(tmp_path):
    """Its learning rate × batch size figure put every optimizer's tuned rates in one grid: most cells blank."""
    config, task = C.resolve("line", optimizers=["gd", "adam"], mode="tuned", budget=3, steps=10, seeds=1,
                             batch_size=[8, None])
    out = build.write_report(C.compare(config, task), tmp_path / "out", animation=False).parent
    figures = {p.stem for p in (out / "figures").iterdir()}
    assert "lr-sensitivity" in figures and "batch-regimes" in figures and "lr-batch" not in figures
    config, task = C.resolve("line", optimizers=["gd"], lr=[0.01, 0.1], steps=10, seeds=1, batch_size=[8, None])
    out = build.write_report(C.compare(config, task), tmp_path / "grid", animation=False).parent
    assert (out / "figures" / "lr-batch.png").is_file()


def test_frames_keep_their_types_and_values_exactly():
    frame = pd.DataFrame({"a": [0.1, np.nan, np.inf], "b": [1, 2, 3], "c": ["x", "y", None],
                          "d": [None, 30, "> 20"], "e": [True, False, True]},
                         index=pd.Index([5, 7, 9], name="run"))
    frame["d"] = frame["d"].astype(object)
    again = saved.frame_from_json(json.loads(json.dumps(saved.frame_to_json(frame))))
    pd.testing.assert_frame_equal(again, frame)
    assert again["d"].tolist()[1:] == [30, "> 20"] and type(again["d"].iloc[1]) is int


class Boom(OSError):
    """A full disk (a figure that fails otherwise is a note in the report: tests/report/test_render.py)."""


@pytest.mark.parametrize("fails_in", ["descend.report.figures.save",
                                      "descend.report.saved.finish"])
def test_an_error_while_writing_leaves_the_old_report_or_nothing(small, written, tmp_path, monkeypatch, fails_in):
    monkeypatch.setenv("DESCEND_REPORT_WORKERS", "0")  # the figures drawn here, where save is replaced
    module, _, name = fails_in.rpartition(".")
    real = getattr(sys.modules[module], name)
    calls = []

    def fail_midway(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2 or name != "save":
            raise Boom("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(fails_in, fail_midway)
    fresh = tmp_path / "fresh"
    with pytest.raises(Boom):
        build.write_report(small, fresh)
    assert not fresh.exists()
    old = tmp_path / "old"
    shutil.copytree(written, old)
    before = files(old)
    calls.clear()
    with pytest.raises(Boom):
        build.write_report(small, old, force=True)
    assert files(old) == before
    assert sorted(os.listdir(tmp_path)) == ["old"], "nothing half-written is left next to it"


def test_a_killed_writer_leaves_the_old_report_and_its_leftovers_are_swept(small, written, tmp_path):
    out = tmp_path / "report"
    shutil.copytree(written, out)
    before = files(out)
    script = textwrap.dedent(f"""
        import os, signal
        os.environ["DESCEND_REPORT_WORKERS"] = "0"  # the figures drawn here, where save is replaced
        import descend.report.figures as figures
        from descend import compare as C
        from descend.report import build

        real, calls = figures.save, []
        def save(*args, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                os.kill(os.getpid(), signal.SIGKILL)  # kill -9, halfway through the figures
            return real(*args, **kwargs)
        figures.save = save
        config, task = C.resolve("parabola", optimizers=["gd"], steps=5, seeds=1)
        build.write_report(C.compare(config, task), {str(out)!r}, force=True)
    """)
    process = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert process.returncode == -9, process.stderr
    assert files(out) == before
    left = [p for p in os.listdir(tmp_path) if p != "report"]
    assert len(left) == 1 and left[0].startswith(".report.partial-"), left
    from typer.testing import CliRunner

    from descend.cli import app

    shown = CliRunner().invoke(app, ["show", str(out)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and 'task = "himmelblau"' in shown.stdout
    # the next report written there removes what the killed one left
    build.write_report(small, out, force=True, figures=False)
    assert os.listdir(tmp_path) == ["report"]
    assert 'task = "parabola"' in (out / "config.toml").read_text()


def test_report_files_are_listed_and_old_reports_recognised(written, tmp_path):
    record = json.loads((written / "comparison.json").read_text())
    assert set(record["files"]) | {"comparison.json"} == set(files(written))
    old = tmp_path / "old"
    old.mkdir()
    for name in ("report.html", "summary.csv", "table.csv", "figures/loss-step.png"):
        (old / name).parent.mkdir(exist_ok=True)
        (old / name).write_text("x")
    (old / "mine.txt").write_text("x")
    assert saved.report_files(old) == {"report.html", "summary.csv", "table.csv", "figures/loss-step.png"}
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "config.toml").write_text('task = "line"\n')
    assert saved.report_files(alone) is None  # a lone config.toml is the user's own


def test_the_curves_csv_is_pandas_text_exactly():
    """saved.csv_text writes what DataFrame.to_csv(index=False) writes, for every kind of value a table of
    curves holds, and hands anything else (a comma or quote in a string, float32, categories) to pandas."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    specials = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-300, 5e-324, 1e20, 1.5e16, 123456789.125, 0.1, 1 / 3, -2.5e-7]
    n = 200
    frame = pd.DataFrame({
        "run": rng.integers(-5, 10**12, n),
        "step": np.arange(n),
        "epoch": rng.choice(specials, n),
        "split": pd.array(rng.choice(["train", "validation", "batch", None], n), dtype="string"),
        "metric": rng.choice(["loss", "grad_norm:layer0.weight", "accuracy"], n).astype(object),
        "value": np.concatenate([rng.standard_normal(n - 40) * 10.0 ** rng.integers(-30, 30, n - 40),
                                 rng.choice(specials, 40)]),
        "flag": rng.integers(0, 2, n).astype(bool),
    })
    assert saved.csv_text(frame) == frame.to_csv(index=False)
    assert saved.csv_text(frame.iloc[:0]) == frame.iloc[:0].to_csv(index=False)
    for odd in ({"metric": ["a,b"] * n}, {"metric": ['say "x"'] * n}, {"value": frame["value"].astype("float32")},
                {"split": frame["split"].astype("category")}):
        other = frame.assign(**odd)
        assert saved.csv_text(other) == other.to_csv(index=False)


def test_a_table_is_written_a_chunk_of_rows_at_a_time_with_pandas_text_exactly(tmp_path, monkeypatch):
    """saved.write_csv writes the curves a chunk of rows at a time (the whole text of 3 million rows took 2 GB
    more than the table, and the report of a finished training was lost to a MemoryError): the file is
    to_csv's text, whichever way each chunk is written (a chunk with a comma in a string is pandas' own)."""
    import numpy as np
    import pandas as pd

    monkeypatch.setattr(saved, "CSV_ROWS", 7)
    n = 50
    frame = pd.DataFrame({"step": np.arange(n), "value": np.linspace(-1, 1, n) ** 3,
                          "metric": ["loss"] * 30 + ["a,b"] * 5 + ["x"] * 15})
    for table in (frame, frame.iloc[:0], frame.iloc[:7], frame.iloc[:8]):
        saved.write_csv(table, tmp_path / "t.csv")
        assert (tmp_path / "t.csv").read_bytes() == table.to_csv(index=False).encode()
    written = []
    monkeypatch.setattr(saved, "csv_text", lambda chunk, header: written.append(len(chunk)) or "")
    saved.write_csv(frame, tmp_path / "t.csv")
    assert written == [7] * 7 + [1]


def test_winners_saved_as_one_label_by_an_earlier_release_read_back_as_lists(comparison, written, tmp_path):
    """An earlier release saved one label per metric; a tie now names every label that ties."""
    old = tmp_path / "old"
    shutil.copytree(written, old)
    record = json.loads((old / "comparison.json").read_text())
    assert all(isinstance(v, list) for v in record["fields"]["winners"].values())
    record["fields"]["winners"] = {k: v[0] for k, v in record["fields"]["winners"].items()}
    (old / "comparison.json").write_text(json.dumps(record))
    again, _ = saved.load(old)
    assert again.winners == {k: v[:1] for k, v in comparison.winners.items()}


def test_a_ctrl_c_while_the_new_report_is_moved_in_is_spent_on_a_whole_report(tmp_path, monkeypatch):
    """A Ctrl-C while the previous report was removed (the new one already in place) ended the command with "it is
    as it was"; one between the two moves left no report at all."""
    import signal

    out = tmp_path / "r"
    out.mkdir()
    (out / "report.html").write_text("the previous report")
    rmtree = shutil.rmtree

    def interrupted(path, *args, **kwargs):
        if ".old-" in str(path):
            os.kill(os.getpid(), signal.SIGINT)
        return rmtree(path, *args, **kwargs)

    monkeypatch.setattr(saved.shutil, "rmtree", interrupted)
    with saved.staged(out) as staging:
        (staging / "report.html").write_text("the new report")
    assert (out / "report.html").read_text() == "the new report" and sorted(os.listdir(tmp_path)) == ["r"]


def test_a_writer_still_running_keeps_its_staging_directory_and_a_dead_ones_is_swept(tmp_path):
    """Leftovers are removed once their process is gone: the folders of a writer still at work next to the same
    report are left alone (only a dead writer's were tested)."""
    out = tmp_path / "r"
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        here = saved._here()
        live = [tmp_path / f".r.partial-{running.pid}-{here}-abc", tmp_path / f".r.old-{running.pid}-{here}-12ab"]
        dead = [tmp_path / f".r.partial-{gone.pid}-{here}-abc", tmp_path / f".r.old-{gone.pid}-{here}-12ab"]
        # another container's or machine's writer (its number means nothing here), and an earlier descend's
        # leftover (no namespace in its name): swept once untouched for an hour, not before
        elsewhere = [tmp_path / f".r.partial-{gone.pid}-0badcafe-abc", tmp_path / f".r.partial-{gone.pid}-abc"]
        stale = [tmp_path / f".r.partial-{gone.pid}-0badcafe-def", tmp_path / f".r.old-{gone.pid}-1234abcd"]
        for folder in live + dead + elsewhere + stale:
            folder.mkdir()
            (folder / "report.html").write_text("being written")
        for folder in stale:
            os.utime(folder, (time.time() - saved.STALE_SECONDS - 60,) * 2)
        with saved.staged(out) as staging:
            (staging / "report.html").write_text("the new report")
        kept = live + elsewhere
        assert sorted(os.listdir(tmp_path)) == sorted(["r", *(p.name for p in kept)])
        assert all((folder / "report.html").read_text() == "being written" for folder in kept)
    finally:
        running.kill()
        running.wait()


def test_a_config_toml_edited_after_the_report_was_written_is_refused_by_descend_report(written, tmp_path):
    """descend report rebuilt the page from an edited config.toml: "60 steps per run" and another noise over curves
    that ended at step 50, the figures of the task redrawn from other data, and no word of it."""
    edited = tmp_path / "edited"
    shutil.copytree(written, edited)
    text = (edited / "config.toml").read_text()
    (edited / "config.toml").write_text(text.replace("steps = ", "steps = 1").replace("seeds = ", "seeds = 1", 1))
    with pytest.raises(ValueError, match=r"config.toml was changed after the report was written \(seeds: .* when "
                                         r"written, .* now; steps: "):
        saved.load(edited)
    saved.load(written)  # as written: read


def test_write_report_speaks_to_a_python_caller_in_its_arguments(small, tmp_path):
    """A second write_report into the same folder said "use --force to overwrite it" to a Python caller, who has
    force=True; a --json path likewise."""
    out = tmp_path / "out"
    build.write_report(small, out, animation=False, figures=False)
    with pytest.raises(build.ReportExists) as info:
        build.write_report(small, out, animation=False, figures=False)
    assert f"out {str(out)!r} already holds a report; use force=True to overwrite it" in str(info.value)
    (out / "mine.txt").write_text("")
    with pytest.raises(ValueError) as info:
        build.write_report(small, out, animation=False, figures=False, force=True)
    assert "force=True replaces only a report's own files" in str(info.value) and "--" not in str(info.value)
    with pytest.raises(ValueError, match=r"^json_path -: the results are written whole"):
        build.write_report(small, tmp_path / "other", json_path="-", animation=False, figures=False)
    with pytest.raises(ValueError, match=r"is the report's directory \(out\)"):
        build.write_report(small, tmp_path / "other", json_path=tmp_path / "other", animation=False, figures=False)


def test_write_report_records_the_extra_files_it_wrote_and_refuses_a_video_without_the_animation(small, tmp_path):
    """write_report(animation=False, mp4=True) wrote no video and recorded mp4: true (the command line refuses
    --mp4 --no-animation); with figures=False, svg=True wrote no SVG and recorded svg: true, which every later
    descend report then claimed again."""
    with pytest.raises(ValueError, match=r"^mp4=True writes the animation of the paths as a video, and "
                                         r"animation=False writes no animation: give one of them"):
        build.write_report(small, tmp_path / "never", animation=False, mp4=True)
    assert not (tmp_path / "never").exists()
    out = tmp_path / "out"
    build.write_report(small, out, figures=False, svg=True)
    drawn = json.loads((out / "comparison.json").read_text())["drawn"]
    assert drawn["svg"] is False and drawn["mp4"] is False and not list(out.rglob("*.svg"))


def test_recorded_text_keeps_its_missing_values_under_pandas_2s_str(monkeypatch):
    """A report written under pandas 3 records text columns as "str"; pandas 2 reads astype("str") as Python's str,
    and a rebuild there showed 150 cells of the text "nan" (eps_mode of optimizers without it). Pandas 2's astype
    is played here by one that writes str(value), as it does."""
    import pandas as pd

    from descend.report.saved import _as

    values = pd.Series(["outside", None, float("nan"), "raw"], dtype=object)
    kept = _as(values, "str")  # this pandas: missing stays missing
    assert kept.isna().tolist() == [False, True, True, False] and kept[0] == "outside"
    plain = pd.Series.astype
    monkeypatch.setattr(pd.Series, "astype", lambda self, dtype, *a, **k: plain(self, object).map(str)
                        if dtype == "str" else plain(self, dtype, *a, **k))
    assert values.astype("str").tolist() == ["outside", "None", "nan", "raw"]  # pandas 2's way
    kept = _as(values, "str")
    assert kept.isna().tolist() == [False, True, True, False] and kept[3] == "raw"


def test_a_reports_csv_file_is_looked_for_where_it_lay_relative_to_the_folder_and_in_and_beside_it(tmp_path):
    """A project copied whole (data and reports/NAME): the CSV file two levels up from the report's folder was looked
    for in the folder and beside it only. The path from the folder to the file is recorded when the report is
    written, and tried from the folder's place now, after the path config.toml gives."""
    from types import SimpleNamespace

    home = tmp_path / "proj" / "reports" / "plots"
    relative = saved.csv_from_report(SimpleNamespace(csv=str(tmp_path / "proj" / "plots.csv")), home)
    assert relative == "../../plots.csv"
    moved = tmp_path / "copy" / "reports" / "plots"
    places = saved.csv_places(str(tmp_path / "proj" / "plots.csv"), moved, {"csv_from_report": relative})
    assert places == [tmp_path / "proj" / "plots.csv", tmp_path / "copy" / "plots.csv", moved / "plots.csv",
                      tmp_path / "copy" / "reports" / "plots.csv"]
    # a report of an earlier descend records none; a relative csv of config.toml is read from its folder; each once
    assert saved.csv_places("../../plots.csv", moved, {}) == [tmp_path / "copy" / "plots.csv", moved / "plots.csv",
                                                             tmp_path / "copy" / "reports" / "plots.csv"]
    assert saved.csv_from_report(SimpleNamespace(csv=None), home) is None
