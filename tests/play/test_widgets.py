"""The widgets' computations: the numbers are descend.fit's, the command and the Python give them again, a
seeded state gives the same result twice, a diverging run is drawn up to where it diverged."""

from __future__ import annotations

import json
import math
import shlex

import numpy as np
import pytest
import torch

import descend
from descend import compare as compare_module
from descend.play import widgets
from descend.play.state import (
    CurvatureState,
    EllipseState,
    LandscapeState,
    LineState,
    OptimizerEntry,
    TuneState,
    VanishingState,
)
from descend.data import hybrid as hybrid_schedule
from descend.spec import RunSpec

OPTIMIZERS = (
    OptimizerEntry(name="gd", lr=0.01),
    OptimizerEntry(name="momentum", lr=0.01, decay=0.02, hyper={"beta": 0.8}),
    OptimizerEntry(name="adam", lr=0.05, hyper={"beta1": 0.7}),
)


def _paths(result):
    return [np.array(run["path"], dtype=np.float64) for run in result["runs"]]


def _run_python(code):
    scope = {}
    exec(compile(code, "<play snippet>", "exec"), scope)  # noqa: S102  (the widget's own snippet)
    return scope["runs"]


def _compare(command):
    """Run a ``descend compare`` command line through the library (Config, resolve, compare)."""
    words = shlex.split(command)
    assert words[:2] == ["descend", "compare"]
    by_flag = {f: e for e in compare_module.Config.entries() for f in e.flags}
    data, i = {}, 2
    while i < len(words):
        word = words[i]
        if not word.startswith("-"):
            data["task"] = word
            i += 1
            continue
        entry = by_flag[word]
        if entry.setting.switch:
            data[entry.key] = not word.startswith("--no-")
            i += 1
            continue
        if entry.setting.repeat:
            data.setdefault(entry.key, []).append(words[i + 1])
        else:
            data[entry.key] = words[i + 1]
        i += 2
    config = compare_module.Config.from_dict(data, names=compare_module.Config.flags())
    config, task = config.resolved(names=compare_module.Config.flags())
    return compare_module.compare(config, task)


def test_landscape_paths_are_descend_fits_and_the_python_and_commands_give_them_again():
    state = LandscapeState(landscape="himmelblau", start=(-4.0, 4.0), steps=40, optimizers=OPTIMIZERS)
    result = widgets.landscape(state)
    paths = _paths(result)
    # the same runs by descend.fit directly
    from descend.compare import parse_schedule

    task = descend.tasks.landscape_task("himmelblau", start=(-4.0, 4.0))
    specs = [RunSpec("gd", {"lr": 0.01}, None, 0),
             RunSpec("momentum", {"lr": 0.01, "beta": 0.8}, None, 0,
                     schedules={"lr": parse_schedule("inverse_time:decay=0.02", 40)[1]}),
             RunSpec("adam", {"lr": 0.05, "beta1": 0.7}, None, 0)]
    runs = descend.fit(task=task, runs=specs, steps=40, compile=False)
    for i, path in enumerate(paths):
        np.testing.assert_array_equal(path, runs.paths[i])  # bit for bit
        assert path[0].tolist() == [-4.0, 4.0]
    # the Python snippet
    again = _run_python(result["python"])
    for i, path in enumerate(paths):
        np.testing.assert_array_equal(path, again.paths[i])
    # the commands: one per learning rate and schedule, each giving the same paths
    commands = result["command"].splitlines()
    assert len(commands) == 3 and all(c.startswith("descend compare himmelblau ") for c in commands)
    assert "--schedule inverse_time:decay=0.02" in commands[1]
    for command, path in zip(commands, paths):
        comparison = _compare(command)
        (compared,) = comparison.paths.values()
        np.testing.assert_array_equal(path, compared)


def test_the_command_of_a_formula_that_starts_with_a_minus_runs(tmp_path):
    """"descend compare '-exp(-x**2-y**2)' ..." was refused by the command line ("No such option: -e"): the command
    of the widget that the page offers to copy now ends its options first."""
    import shlex

    from typer.testing import CliRunner

    from descend.cli import app

    state = LandscapeState(landscape="-exp(-x**2-y**2)", start=(0.5, 0.5), steps=10,
                           optimizers=(OptimizerEntry(name="gd", lr=0.1),))
    command = widgets.landscape(state)["command"]
    assert command.endswith(" --out reports/play-exp--x-2-y-2 -- '-exp(-x**2-y**2)'"), command
    words = shlex.split(command)[1:]
    words[words.index("--out") + 1] = str(tmp_path / "out")
    result = CliRunner().invoke(app, words)
    assert result.exit_code == 0, result.output


def test_a_formula_and_its_errors():
    state = LandscapeState(landscape="x**2 + 3*y**2", start=(2.0, -1.0), steps=20,
                           optimizers=(OptimizerEntry(name="gd", lr=0.1),))
    result = widgets.landscape(state)
    assert result["formula"] == "x**2 + 3*y**2" and result["critical_points"] == []
    assert result["command"].startswith("descend compare 'x**2 + 3*y**2' ")
    np.testing.assert_array_equal(_paths(result)[0], _run_python(result["python"]).paths[0])
    for text, words in (("x^2 + y", "'^' is not allowed"), ("2x + y", "missing '*'"), ("3", "neither x nor y"),
                        ("rosenbrok", "rosenbrock"), ("__import__('os')", "unknown function '__import__'")):
        with pytest.raises(widgets.PlayError) as info:
            widgets.landscape(LandscapeState(landscape=text, steps=5))
        assert info.value.field == "landscape" and words in str(info.value), (text, str(info.value))


def test_a_diverging_optimizer_is_drawn_up_to_where_it_diverged():
    state = LandscapeState(landscape="rosenbrock", steps=200, optimizers=(
        OptimizerEntry(name="gd", lr=0.5), OptimizerEntry(name="adam", lr=0.01)))
    result = widgets.landscape(state)
    bad, good = result["runs"]
    assert bad["status"] == "diverged" and len(bad["path"]) == bad["status_at"] + 1 < 201
    assert good["status"] == "ok" and len(good["path"]) == 201
    assert all(v is None or np.isfinite(v) for v in json.loads(json.dumps(bad["cost"])) if v is not None)


def test_noise_makes_batches_differ_and_is_seeded():
    entries = (OptimizerEntry(name="gd", lr=0.01),)
    one = widgets.landscape(LandscapeState(landscape="booth", steps=30, noise=2.0, batch_size=1, optimizers=entries))
    full = widgets.landscape(LandscapeState(landscape="booth", steps=30, noise=2.0, batch_size=256,
                                            optimizers=entries))
    again = widgets.landscape(LandscapeState(landscape="booth", steps=30, noise=2.0, batch_size=1,
                                             optimizers=entries))
    assert _paths(one)[0].tolist() != _paths(full)[0].tolist()
    assert _paths(one)[0].tolist() == _paths(again)[0].tolist()
    np.testing.assert_array_equal(_paths(one)[0], _run_python(one["python"]).paths[0])


def test_compute_caches_by_state_and_gives_the_same_numbers():
    widgets.clear_cache()
    state = LineState(steps=20, batch_size=4)
    first = widgets.compute(state)
    second = widgets.compute(LineState.from_query(state.to_query()))
    assert not first["cached"] and second["cached"]
    widgets.clear_cache()
    third = widgets.compute(state)
    strip = lambda r: {k: v for k, v in r.items() if k not in ("cached", "seconds")}  # noqa: E731
    assert json.dumps(strip(first)) == json.dumps(strip(third))


def test_line_fit_is_descend_fit_on_the_line_task(tmp_path):
    state = LineState(m=64, start=(1.0, 2.0), lr=0.2, batch_size=8, steps=25)
    result = widgets.line(state)
    task = descend.tasks.get("line", m=64, slope=2.0, intercept=-1.0, noise=0.5, data_seed=0, start=(1.0, 2.0))
    runs = descend.fit(task=task, optimizer="gd", lr=0.2, batch_size=8, steps=25, compile=False)
    np.testing.assert_array_equal(np.array(result["path"]), runs.paths[0])
    assert result["path"][0] == [1.0, 2.0] and result["train_size"] == 64  # m is the training set, as in seed 003
    assert len(result["batch_loss"]) == 25 and result["batch_label"] == "mini-batches of 8"
    # the full-set cost along the path is the task's cost J(w, b)
    w, b = runs.paths[0][-1]
    x, y = task.data.train.x.double()[:, 0].numpy(), task.data.train.y.double().reshape(-1).numpy()
    assert result["cost"][-1] == pytest.approx(float(np.mean((w * x + b - y) ** 2)), rel=1e-12)
    assert "--task-option m=64 " in result["command"]  # the line's options as the command line takes them
    paths = _run_command(result["command"], tmp_path)
    np.testing.assert_array_equal(np.array(result["path"]), paths[0])


def _run_command(command, folder):
    """Run a widget's ``descend compare ...`` command as a user pastes it (its report in ``folder``): its paths."""
    from typer.testing import CliRunner

    from descend.cli import app

    argv = shlex.split(command)
    assert argv[:2] == ["descend", "compare"]
    out = argv.index("--out")
    argv[out + 1] = str(folder / "report")
    result = CliRunner().invoke(app, [*argv[1:], "--quiet", "--no-animation"])
    assert result.exit_code == 0, result.output
    with np.load(folder / "report" / "paths.npz") as saved:
        return {int(k[3:]): saved[k] for k in saved.files}


@pytest.mark.parametrize("lr, regime, status", [(0.5, "monotone", "ok"), (1.0, "one-step", "ok"),
                                                (1.5, "oscillating", "ok"), (2.5, "diverging", "diverged")])
def test_curvature_names_the_regime(lr, regime, status):
    result = widgets.curvature(CurvatureState(curvature=1.0, lr=lr, start=1.5, steps=60))
    assert result["regime"] == regime and result["status"] == status
    w = np.array(result["path"])
    if status == "ok":
        assert abs(w[-1]) < abs(w[0])
        assert len(w) == 61
    else:
        assert len(w) == result["status_at"] + 1 < 61
    # the tangent's error at the next iterate is c·Δw²/2 (to round-off)
    np.testing.assert_allclose(result["error"], 0.5 * np.diff(w) ** 2, rtol=1e-9, atol=1e-12)
    runs = descend.fit(model=descend.landscapes.parabola(1.0).model((1.5,)), loss="value", optimizer="gd", lr=lr,
                       steps=60, compile=False)
    np.testing.assert_array_equal(w, runs.paths[0][: len(w), 0])
    # the parabola is drawn wide enough to hold every iterate (a growing run stays on the drawn curve)
    assert result["curve"]["w"][-1] == pytest.approx(max(2.5, 1.1 * float(np.abs(w[np.isfinite(w)]).max())))


def test_the_curvature_regime_calls_neither_side_of_1_over_c_slow():
    """α·c = 0.95 was "monotone, slow convergence" though each of its steps keeps 5 % of w, less than the 50 % of
    α·c = 1.5, "oscillates and converges"."""
    for lr, words in ((0.2, "monotone convergence"), (0.95, "monotone convergence"), (1.5, "oscillates and converges"),
                      (1.8, "oscillates and converges")):
        result = widgets.curvature(CurvatureState(curvature=1.0, lr=lr, start=1.5, steps=3))
        runs = descend.fit(model=descend.landscapes.parabola(1.0).model((1.5,)), loss="value", optimizer="gd",
                           lr=lr, steps=3, compile=False)
        w = runs.paths[0][:, 0]
        kept = np.abs(w[1:] / w[:-1])  # the part of w each step keeps, |1 − αc|
        np.testing.assert_allclose(kept, abs(1 - lr), rtol=1e-5)
        text = result["regime_text"]
        assert words in text and "slow" not in text and "1 − αc" in text, text


def test_ellipse_paths_and_batch_sizes():
    state = EllipseState(steps=30, epochs=1, batch_sizes=("full", "32", "hybrid"), grid=20,
                         optimizers=(OptimizerEntry(name="gd", lr=0.1), OptimizerEntry(name="adam", lr=0.05)))
    result = widgets.ellipse(state)
    task = descend.tasks.get("ellipse", start=(0.1, 1.8))
    runs = descend.fit(task=task, runs=[RunSpec("gd", {"lr": 0.1}, None, 0), RunSpec("adam", {"lr": 0.05}, None, 0)],
                       steps=30, compile=False)
    for i, path in enumerate(_paths(result)):
        np.testing.assert_array_equal(path, runs.paths[i])
        # the cost along the path as training measured it (the whole training set at every step, float32), and
        # the surface's float64 cost at the same points to float32's round-off: each residual y − ŷ is about a
        # tenth of y and ŷ, so its relative error is about 10 ε₃₂ (6e-7), its square's twice that, and how the
        # 512 squares are summed depends on the CPU's vector width (1.3e-6 apart on an AVX2 CPU)
        cost = np.asarray(result["runs"][i]["cost"], dtype=np.float64)
        np.testing.assert_array_equal(cost[:-1], runs.curve(i, "loss", "batch")[2])
        assert cost[-1] == runs.curve(i, "loss", "train")[2][-1]
        surface = task.surface.cost(torch.as_tensor(path[:, 0]), torch.as_tensor(path[:, 1])).numpy()
        np.testing.assert_allclose(cost, surface, rtol=1e-5)
    labels = [b["label"] for b in result["batches"]]
    assert labels == ["full", "32", "hybrid(32→512)"]
    # the command of the paths trains them as the widget does, on the whole training set (the task's default batch
    # sizes ran instead: another training)
    lines = result["command"].splitlines()
    first = lines[0]
    assert "--batch-size full" in first and first.startswith("descend compare ellipse --optimizer gd --lr 0.1")
    # each command writes its own folder: pasted together, the second would find the first's report there
    assert [line.rsplit(" --out ", 1)[1] for line in lines] == ["reports/play-ellipse", "reports/play-ellipse-2",
                                                               "reports/play-ellipse-batches"]
    assert [b["updates"] for b in result["batches"]] == [1, 16, 16]


def test_the_ellipse_batch_figure_shows_the_hybrid_change_to_512_by_default():
    """The widget allowed at most 8 epochs (default 4) and the hybrid changes to 512 after 8: its curve was the
    batch of 32's, update for update. Thinned as the seed's figure 3: 1 of 32 updates of batch 1, 1 of 2 of
    batch 32 (the hybrid's too while its batches are of 32), every update of larger batches."""
    result = widgets.ellipse(EllipseState(steps=10, grid=20))
    batches = {b["label"]: b for b in result["batches"]}
    assert result["epochs"] == 12 and set(batches) == {"full", "1", "32", "hybrid(32→512)"}
    hybrid, small = batches["hybrid(32→512)"], batches["32"]
    assert (small["updates"], hybrid["updates"]) == (12 * 16, 8 * 16 + 4)
    assert hybrid["train_loss"][-1] != small["train_loss"][-1]
    assert batches["1"]["update"] == list(range(0, 12 * 512, 32)) and small["update"] == list(range(0, 192, 2))
    assert hybrid["update"] == list(range(0, 128, 2)) + [128, 129, 130, 131]
    assert hybrid["thinning"] == "every 2nd update of batch 32" and small["thinning"] == "every 2nd update"
    assert batches["full"]["thinning"] == "" and batches["full"]["update"] == list(range(12))
    runs = descend.fit(task="ellipse", optimizer="gd", lr=0.1, batch_size=hybrid_schedule(), epochs=12,
                       compile=False)
    _, epoch, loss = runs.curve(0, "loss", "batch")
    assert hybrid["loss"] == pytest.approx(loss[hybrid["update"]].tolist(), rel=0, abs=0)
    assert hybrid["epoch"] == epoch[hybrid["update"]].tolist()


def test_vanishing_records_every_layer():
    result = widgets.vanishing(VanishingState(depth=4, width=8, steps=10))
    assert len(result["layers"]) == 5 and len(result["norms"]) == 5
    assert all(len(n) == 10 for n in result["norms"])
    first = result["first_norms"]
    assert first[0] < first[-1]  # sigmoid: the first layer's gradient is the smallest's side
    assert "--task-option depth=4 --task-option width=8 --task-option hidden=sigmoid" in result["command"]
    assert "--init xavier" in result["command"]


def test_vanishing_draws_a_diverged_run_up_to_where_it_diverged():
    """Its curves went on to the budget with empty values (an axis of 200 steps for a run that ended at 10), and
    the last step's bars were all empty (non-finite): they are the last finite norms."""
    result = widgets.vanishing(VanishingState(depth=8, activation="relu", lr=10, steps=200))
    at = result["status_at"]
    assert result["status"] == "diverged" and at < 50
    assert result["steps"][-1] == at and result["loss_step"][-1] <= at and result["accuracy_step"][-1] <= at
    assert all(len(n) == len(result["steps"]) for n in result["norms"])
    assert all(v is not None and math.isfinite(v) for v in result["final_norms"])
    assert result["final_norms"] == [next(v for v in reversed(n) if v is not None) for n in result["norms"]]


@pytest.mark.parametrize("lr", [0.5, 2.5])
def test_the_parabola_is_drawn_smoothly_in_every_view_the_page_takes(lr):
    """A diverging run's parabola was 201 points over ±2439, one every 24: in the page's view of the first steps
    (±5.6) a V whose points were 16× above the cost of the iterates on it. Every view (±2.5, or 1.1·max|w| of the
    iterates shown so far, as app.js's curvatureSpan) holds at least 134 points, its largest gap a hundredth of it."""
    result = widgets.curvature(CurvatureState(curvature=1.0, lr=lr, start=1.5, steps=25))
    w = np.array(result["curve"]["w"])
    assert np.allclose(result["curve"]["cost"], w**2 / 2, rtol=1e-12)
    path = [abs(v) for v in result["path"] if v is not None and math.isfinite(v)]
    for t in range(len(path)):
        span = max(2.5, 1.1 * max(path[: t + 2]))
        inside = w[np.abs(w) <= span]
        assert len(inside) >= 134 and np.diff(inside).max() <= span / 66, (t, span)
        assert inside.min() <= -span * 0.98 and inside.max() >= span * 0.98  # to within the next spacing


def test_tune_finds_settings_and_fills_them_into_the_other_widget():
    target = LandscapeState(landscape="booth", steps=30, optimizers=(OptimizerEntry(name="gd", lr=0.001),))
    result = widgets.tune(TuneState(target="landscape", query=target.to_query(), trials=4))
    assert [b["optimizer"] for b in result["best"]] == ["gd"] and len(result["trials"]) == 4
    applied = LandscapeState.from_query(result["applied_query"])
    assert applied.optimizers[0].lr == pytest.approx(result["best"][0]["config"]["lr"])
    assert applied.steps == 30 and applied.landscape == "booth"


@pytest.mark.parametrize("kind", ["landscape", "line"])
def test_tune_searches_only_learning_rates_the_other_widget_takes(kind):
    """Adadelta's default range reaches lr 100, past the widgets' 10: a best trial there made the link back refused
    (the landscape's whole search thrown away with a 422 about a field never set, the line widget opened with its
    defaults)."""
    target = (LandscapeState(landscape="himmelblau", steps=20, optimizers=(OptimizerEntry(name="adadelta", lr=1.0),))
              if kind == "landscape" else LineState(optimizer="adadelta", lr=1.0, steps=20))
    result = widgets.tune(TuneState(target=kind, query=target.to_query(), trials=8))
    assert 0 < max(t["lr"] for t in result["trials"]) <= widgets.WIDGET_LR_MAX
    assert "..10:log" in result["python"]
    applied = type(target).from_query(result["applied_query"])  # the link back is taken
    lr = applied.lr if kind == "line" else applied.optimizers[0].lr
    assert lr == pytest.approx(result["best"][0]["config"]["lr"])


@pytest.mark.parametrize("target", [
    LineState(optimizer="adam", steps=30, start=(0.5, -1.0)),
    LandscapeState(landscape="booth", steps=30, start=(1.0, -2.5), optimizers=(OptimizerEntry(name="adam", lr=0.05),)),
], ids=["line", "landscape"])
def test_tune_searches_what_its_link_carries_from_the_other_widgets_start(target):
    """The link back fills in every tuned setting (the line widget has lr alone, so only lr is searched there), and
    the best value is that of the other widget's problem from its own start: its Python script, run as it is, finds
    the same best trial and value."""
    kind = "line" if isinstance(target, LineState) else "landscape"
    result = widgets.tune(TuneState(target=kind, query=target.to_query(), trials=4))
    best = result["best"][0]
    applied = type(target).from_query(result["applied_query"])
    if kind == "line":
        assert set(best["config"]) == {"lr"} and applied.lr == pytest.approx(best["config"]["lr"])
    else:
        entry = applied.optimizers[0]
        assert set(best["config"]) == {"lr", "beta1"}
        assert (entry.lr, entry.hyper["beta1"]) == pytest.approx((best["config"]["lr"], best["config"]["beta1"]))
    assert applied.start == target.start
    scope = {}
    exec(compile(result["python"], "<play snippet>", "exec"), scope)  # noqa: S102  (the widget's own snippet)
    again = scope["result"].best[best["optimizer"]]
    assert (again["trial"], again["value"]) == (best["trial"], best["value"])


def test_tune_searches_each_row_as_it_is_and_its_link_back_gives_the_best_value():
    """Rows with a decay, a schedule and a switch (nesterov) were searched without them, and the link back kept
    them: a best value of 2.38 whose link diverged. Each row is searched with what it sets beyond the searched
    values; two rows of one optimizer are two searches; the link back's final cost is the best value."""
    rows = (OptimizerEntry(name="sgd", lr=0.001, hyper={"momentum": 0.9, "nesterov": True}),
            OptimizerEntry(name="adam", lr=0.05, schedule="cosine"), OptimizerEntry(name="adam", lr=0.05),
            OptimizerEntry(name="gd", lr=0.01, decay=1.0))
    target = LandscapeState(landscape="rosenbrock", steps=60, optimizers=rows)
    result = widgets.tune(TuneState(target="landscape", query=target.to_query(), trials=4))
    # one search per schedule (none, cosine, the decay), each optimizer once in a search
    assert [b["optimizer"] for b in result["best"]] == ["sgd (nesterov=true)", "adam", "adam (cosine)",
                                                         "gd (inverse_time:decay=1.0)"]
    best = {b["optimizer"]: b for b in result["best"]}
    assert best["sgd (nesterov=true)"]["config"]["nesterov"] is True
    back = widgets.landscape(LandscapeState.from_query(result["applied_query"]))
    assert len(back["runs"]) == 4
    for row, run in zip(rows, back["runs"]):
        label = widgets._tuned_row(row)[0]
        assert run["final_cost"] == pytest.approx(best[label]["value"], rel=1e-5, abs=1e-9), label
    assert "schedules={'lr': parse_schedule('cosine', 60)[1]}" in result["python"]
    # what was left of the page's 20 s when each search began (timeout=14.790336150001167) is no setting to copy:
    # none of these searches was cut by it, so the script leaves it out
    assert not result["timed_out"] and "timeout" not in result["python"]
    scope = {}
    exec(compile(result["python"], "<play snippet>", "exec"), scope)  # noqa: S102  (the widget's own snippet)
    assert sorted(name for name in scope if name.startswith("result")) == ["result_1", "result_2", "result_3"]
    assert scope["result_1"].best["sgd"]["value"] == best["sgd (nesterov=true)"]["value"]


def test_tunes_script_writes_a_timeout_that_cut_a_search_as_one_tune_takes(monkeypatch):
    """The second search of a page that overran its budget began with 0.01 s left, written timeout=0.0, which
    descend.tune refuses: the script failed."""
    import re

    monkeypatch.setattr(widgets, "TUNE_SECONDS", 0.05)
    rows = (OptimizerEntry(name="adam", lr=0.05, schedule="cosine"), OptimizerEntry(name="adam", lr=0.05))
    target = LandscapeState(landscape="rosenbrock", steps=60, optimizers=rows)
    result = widgets.tune(TuneState(target="landscape", query=target.to_query(), trials=32))
    assert result["timed_out"]
    written = [float(v) for v in re.findall(r"timeout=([0-9.e-]+)", result["python"])]
    assert len(written) == 2 and min(written) >= 0.1, result["python"]


def test_every_widgets_python_runs_in_a_fresh_interpreter(tmp_path):
    """Each widget's script uses only ``import descend`` and what it imports: every ``descend.NAME`` it reads
    resolves in a new interpreter (a name outside descend's lazy imports failed there and nowhere else), and the
    scripts run there as they are."""
    import re
    import subprocess
    import sys

    line = LineState(optimizer="adam", steps=10)
    states = [(widgets.line, line), (widgets.curvature, CurvatureState(steps=10)),
              (widgets.landscape, LandscapeState(landscape="booth", steps=10)),
              (widgets.ellipse, EllipseState(steps=10)), (widgets.vanishing, VanishingState(steps=5)),
              (widgets.tune, TuneState(target="line", query=line.to_query(), trials=4))]
    scripts = [compute(state)["python"] for compute, state in states]
    code = "\n".join(line for script in scripts for line in script.splitlines()
                     if not line.startswith(("import ", "from ")))
    names = sorted(set(re.findall(r"\bdescend\.(\w+)", code)))
    assert "tasks" in names
    check = f"import descend\nfor name in {names!r}:\n    getattr(descend, name)\n"
    for i, script in enumerate(scripts):
        (tmp_path / f"widget{i}.py").write_text(script)
    runs = "\n".join(f"import runpy; runpy.run_path({str(tmp_path / f'widget{i}.py')!r})" for i in range(len(scripts)))
    for code in (check, runs):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]


def test_the_ellipse_takes_a_hybrid_of_ones_own_and_says_it_in_its_command():
    """hybrid(16,1,256) passed the state's check, then failed on int() while the command was written."""
    result = widgets.ellipse(EllipseState(steps=10, epochs=2, grid=20, batch_sizes=("full", "hybrid(16,1,256)")))
    assert [b["label"] for b in result["batches"]] == ["full", "hybrid(16 for 1 epoch→256)"]
    assert "--batch-size 'full,hybrid(16,1,256)' --epochs 2" in result["command"].splitlines()[-1]


def test_tune_names_what_it_minimised_and_counts_the_trials_it_cannot_draw():
    """Its best value is a validation loss on a few held-out samples, not the cost J the line widget shows."""
    line = LineState(m=16, batch_size=4, steps=30)
    result = widgets.tune(TuneState(target="line", query=line.to_query(), trials=6))
    held = len(descend.tasks.get("line", m=16).data.validation.x)
    assert result["objective"] == f"validation loss ({held} held-out samples)"
    missing = sum(1 for t in result["trials"] if t["value"] is None)
    assert any(f"{missing} of the 6 trials have no value" in n for n in result["notes"]) == bool(missing)


def test_the_line_fit_draws_the_cost_around_a_start_typed_far_away():
    result = widgets.line(LineState(start=(15.0, -15.0), steps=5))
    (w0, w1), (b0, b1) = result["grid"]["domain"]
    assert w0 < 15.0 < w1 and b0 < -15.0 < b1
    assert result["grid"]["w"][0] == w0 and result["grid"]["b"][-1] == b1


def test_the_ellipse_from_a_negative_a_draws_the_mirror_answer_its_paths_reach():
    # the map grew to hold the start only: the paths ended at A = -1.26, the mirror answer, off the map
    result = widgets.ellipse(EllipseState(start=(-1.0, 1.8), steps=100, epochs=1, batch_sizes=("full",), grid=20))
    (a_low, a_high), (b_low, b_high) = result["domain"]
    for run in result["runs"]:
        assert run["status"] == "ok"
        a, b = run["final"]
        assert a_low <= a <= a_high and b_low <= b <= b_high
    assert min(run["final"][0] for run in result["runs"]) < -1.2


def test_vanishing_shows_exploding_gradients_with_a_large_weight_scale_and_its_command_says_so():
    """Seed 002's exploding gradients had no setting in the widget: every init kept its own scale."""
    result = widgets.vanishing(VanishingState(depth=8, activation="relu", init="normal", init_scale=1.0, lr=0.1,
                                              steps=20))
    he = widgets.vanishing(VanishingState(depth=8, activation="relu", init="he", lr=0.1, steps=20))
    assert result["status"] == "diverged" and he["status"] == "ok"
    assert all(a > 100 * b for a, b in zip(result["first_norms"], he["first_norms"]))
    assert "--init normal --init-scale 1.0" in result["command"] and "--task-option hidden=relu" in result["command"]
    assert "with_init(task.model, 'normal', 1.0)" in result["python"]
    from descend.play.state import errors_of

    with pytest.raises(ValueError) as refused:
        VanishingState(init="xavier", init_scale=1.0)
    (error,) = errors_of(refused.value)
    assert error["field"] == "init_scale" and "scale of init normal" in error["message"]


def test_tune_says_what_its_link_back_gives_where_sampled_batches_make_seeds_differ():
    """The best trial trained with the seed of its number (7), the link back with seed 0 as every widget: a best
    validation loss of 0.239784 whose link gave 0.241559. The answer gives the seed-0 run's value beside it."""
    from descend.spec import RunSpec

    target = LineState(optimizer="adam", lr=0.05, batch_size=8, steps=60)
    result = widgets.tune(TuneState(target="line", query=target.to_query(), trials=8))
    (best,) = result["best"]
    applied = LineState.from_query(result["applied_query"])
    task, _ = widgets._line_task(applied, with_start=True)
    runs = descend.fit(task=task, runs=[RunSpec("adam", {"lr": applied.lr}, batch_size=8, seed=0)], steps=60,
                       compile=False)
    assert best["link_value"] == pytest.approx(float(runs.summary["final_validation_loss"].iloc[0]), rel=1e-12)
    seeded = descend.fit(task=task, runs=[RunSpec("adam", {"lr": applied.lr}, batch_size=8, seed=best["seed"])],
                         steps=60, compile=False)
    assert best["value"] == pytest.approx(float(seeded.summary["final_validation_loss"].iloc[0]), rel=1e-12)


def test_the_tune_widget_names_a_diverged_trial_as_descend_tune_does():
    """A diverged trial (told +inf, COMPLETE to Optuna) was "COMPLETE" with no value in the widget, its CSV and its
    chart's hover text, where descend tune's trials.csv says "diverged"."""
    from descend.play.app import to_csv

    result = widgets.tune(TuneState(target="landscape", query="landscape=rosenbrock&optimizers=gd;lr=0.001&steps=100",
                                    trials=8))
    statuses = {t["status"] for t in result["trials"]}
    assert "diverged" in statuses and statuses <= {"ok", "diverged", "left-domain", "pruned", "interrupted"}
    diverged = next(t for t in result["trials"] if t["status"] == "diverged")
    assert diverged["state"] == "COMPLETE" and diverged["value"] is None
    assert to_csv(result).splitlines()[0].startswith("optimizer,trial,state,status,value,lr")


def test_rows_are_coloured_as_the_report_of_their_commands_colours_them():
    """The colour went by the row's own label, which starts with its learning rate: of sgd at lr 0.1 and
    sgd(momentum=0.9) at 0.01 the second took SGD's own colour (its text sorts first), where the report of the
    commands the widget prints gives it to the plain sgd."""
    from descend.report.colours import BASE, colours

    state = LandscapeState.model_validate({"landscape": "himmelblau", "steps": 5, "grid": 20, "optimizers": [
        {"name": "sgd", "lr": 0.1}, {"name": "sgd", "lr": 0.01, "hyper": {"momentum": 0.9}}]})
    got = {run["label"]: run["colour"] for run in widgets.landscape(state)["runs"]}
    report = colours({"sgd": "sgd", "sgd(momentum=0.9)": "sgd"})
    assert got == {"sgd(lr=0.1)": BASE["sgd"], "sgd(lr=0.01, momentum=0.9)": report["sgd(momentum=0.9)"]}
    # one optimizer at two rates, which a report would name alike: still two colours
    state = LandscapeState.model_validate({"landscape": "himmelblau", "steps": 5, "grid": 20, "optimizers": [
        {"name": "adam", "lr": 0.1}, {"name": "adam", "lr": 0.01}]})
    assert len({run["colour"] for run in widgets.landscape(state)["runs"]}) == 2


def test_the_tune_widget_draws_each_row_in_its_colour_and_shape_in_the_other_widget():
    """The tune widget's traces had no colour: Plotly's own in row order, so adam after gd... matched only for the
    default rows (adam drawn in gd's blue beside sgd in momentum's orange, every trial a circle)."""
    target = LandscapeState(landscape="booth", steps=20, optimizers=(OptimizerEntry(name="adam", lr=0.05),
                                                                     OptimizerEntry(name="sgd", lr=0.01)))
    runs = {run["label"]: run for run in widgets.landscape(target)["runs"]}
    result = widgets.tune(TuneState(target="landscape", query=target.to_query(), trials=4))
    looks = result["looks"]
    assert {t["optimizer"] for t in result["trials"]} <= set(looks)
    for row, label in (("adam", "adam(lr=0.05)"), ("sgd", "sgd(lr=0.01)")):
        assert (looks[row]["colour"], looks[row]["symbol"]) == (runs[label]["colour"], runs[label]["symbol"])
    assert looks["adam"]["colour"] != looks["sgd"]["colour"] and looks["adam"]["symbol"] != looks["sgd"]["symbol"]
    line = widgets.tune(TuneState(target="line", query=LineState(optimizer="adam", steps=10).to_query(), trials=4))
    from descend.report.colours import BASE

    assert line["looks"]["adam"]["colour"] == BASE["adam"]


def test_the_batch_size_chart_colours_batch_sizes_as_the_reports_figure():
    """Batch sizes 8, 64 and a hybrid all got one purple, and full, 1 and 32 the colours of GD, Adam and
    RMSprop."""
    from descend.report.colours import regime_colours

    state = EllipseState.model_validate({"steps": 5, "grid": 20, "epochs": 1, "batch_sizes": ["full", "8", "64"]})
    rows = {row["label"]: row["colour"] for row in widgets._ellipse_batches(state)["batches"]}
    assert rows == regime_colours(["full", "8", "64"]) and len(set(rows.values())) == 3


def test_each_row_has_its_marker_shape_as_a_report_draws_its_label():
    """Momentum's orange and rmsprop's green are one olive to a protanope, and the paths and the cost charts told
    the rows apart by colour alone: each run now carries the shape (and the dash that goes with it) a report gives
    its label, from the same decision as its colour."""
    from descend.report.colours import MARKS_PER_LINE, styles

    state = LandscapeState.model_validate({"landscape": "himmelblau", "steps": 5, "grid": 20, "optimizers": [
        {"name": "gd", "lr": 0.01}, {"name": "momentum", "lr": 0.01}, {"name": "rmsprop", "lr": 0.01}]})
    runs = widgets.landscape(state)["runs"]
    looks = styles({"gd": "gd", "momentum": "momentum", "rmsprop": "rmsprop"})
    for run, look in zip(runs, looks.values()):
        assert (run["colour"], run["marker"], run["symbol"], run["dash"]) == (look.colour, look.marker, look.symbol,
                                                                              look.dash)
        assert run["marks"] == MARKS_PER_LINE
    assert len({run["symbol"] for run in runs}) == len({run["dash"] for run in runs}) == 3
    result = widgets.ellipse(EllipseState(steps=10, grid=20))
    assert len({run["symbol"] for run in result["runs"]}) == len(result["runs"]) > 1
    assert all(run["symbol"] and run["dash"] for run in result["runs"])


def test_a_state_asked_while_another_request_computes_it_takes_that_answer(monkeypatch):
    """A class opening one page asks one state many times at once: each copy waited for a turn to train (behind
    other states), then found it cached. It takes the first request's answer as soon as it comes now."""
    import threading
    import time

    from descend.play import widgets
    from descend.play.state import STATES

    durations = {11: 1.0, 12: 1.5}

    def slow(state):
        with widgets._training():
            time.sleep(durations[state.steps])
            return {"state": state.model_dump(), "steps": state.steps}

    monkeypatch.setitem(widgets.WIDGETS, "curvature", slow)
    widgets.clear_cache()
    x, y = STATES["curvature"].from_query("steps=11"), STATES["curvature"].from_query("steps=12")
    took, results = {}, {}

    def ask(name, state, delay):
        time.sleep(delay)
        started = time.perf_counter()
        results[name] = widgets.compute(state)
        took[name] = time.perf_counter() - started

    threads = [threading.Thread(target=ask, args=args) for args in (("a", x, 0.0), ("c", y, 0.1), ("b", x, 0.2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["a"]["cached"] is False and results["b"]["cached"] is True and results["b"]["steps"] == 11
    assert took["b"] < took["a"] + 0.3, took  # with a's answer, not after c's training
