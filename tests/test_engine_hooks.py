"""Hooks for a search and a web server: stop requests, monitor callbacks, pruning, fits in threads."""

from __future__ import annotations

import threading
import time

import pytest
import torch

import descend
from descend import engine
from descend._compile import traced, tracing
from descend.models import MLP

MODEL = MLP((3, 8, 1), hidden="tanh", output="identity", init="torch")
KW = dict(model=MODEL, optimizer="adam", lr=[1e-3, 1e-2, 3e-2], batch_size=16, dtype=torch.float64)


def data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 3, generator=g, dtype=torch.float64)
    return x, torch.sin(x.sum(dim=1, keepdim=True))


def test_a_stop_event_ends_training_after_the_current_step_and_keeps_what_finished():
    stop = threading.Event()

    def progress(event):
        if event["step"] == 10:
            stop.set()

    runs = descend.fit(data=data(), steps=50, progress=progress, stop=stop, **KW)
    assert runs.interrupted
    assert (runs.summary["steps_done"] == 10).all()
    full = descend.fit(data=data(), steps=10, **KW)
    for run in range(3):
        for n in MODEL.names:
            assert torch.equal(runs.params[run][n], full.params[run][n])


def test_a_stop_callable_is_checked_before_every_step():
    calls = []
    runs = descend.fit(data=data(), steps=30, stop=lambda: calls.append(1) or len(calls) > 7, **KW)
    assert runs.interrupted and (runs.summary["steps_done"] == 7).all()
    with pytest.raises(ValueError, match="stop must be a threading.Event"):
        descend.fit(data=data(), steps=3, stop=3, **KW)


def test_monitor_sees_each_runs_metrics_and_prunes_in_place():
    seen = []

    def monitor(event: engine.Monitor) -> None:
        seen.append((event.step, {k: v.clone() for k, v in event.metrics.items()}, list(event.status)))
        if event.step == 20:
            event.prune([event.runs[0].index])

    runs = descend.fit(data=data(), steps=50, eval_every=10, monitor=monitor, **KW)
    assert [s for s, _, _ in seen] == [0, 10, 20, 30, 40, 50]
    summary = runs.summary
    assert summary["status"].tolist() == ["pruned", "ok", "ok"]
    assert summary.loc[0, "status_at"] == 20 and summary.loc[0, "steps_done"] == 20
    assert seen[3][2] == ["pruned", "ok", "ok"]
    # the metrics are the ones recorded in the curves
    curves = runs.curves
    for step, metrics, _ in seen:
        recorded = curves[(curves["split"] == "train") & (curves["metric"] == "loss") & (curves["step"] == step)]
        if step <= 20:
            torch.testing.assert_close(metrics["train_loss"], torch.tensor(recorded["value"].to_numpy()))
    batch = curves[(curves["run"] == 0) & (curves["split"] == "batch")]["value"].to_numpy()
    assert not any(batch[20:] == batch[20:]), "no batch loss after pruning"
    # frozen in place: the pruned run holds the parameters of 20 steps; the others are untouched
    short = descend.fit(data=data(), steps=20, **KW)
    whole = descend.fit(data=data(), steps=50, **KW)
    for n in MODEL.names:
        assert torch.equal(runs.params[0][n], short.params[0][n])
        assert torch.equal(runs.params[1][n], whole.params[1][n])
        assert torch.equal(runs.params[2][n], whole.params[2][n])


def test_monitor_can_stop_and_refuses_an_unknown_run():
    def stopper(event):
        if event.step == 10:
            event.stop()

    runs = descend.fit(data=data(), steps=50, eval_every=5, monitor=stopper, **KW)
    assert runs.interrupted and (runs.summary["steps_done"] == 10).all()

    def bad(event):
        event.prune([99])

    with pytest.raises(ValueError, match="run 99 is not in this cohort"):
        descend.fit(data=data(), steps=5, eval_every=5, monitor=bad, **KW)


@pytest.mark.parametrize("how", [lambda event: [event.runs[0]], lambda event: event.runs[0], lambda event: 0,
                                 lambda event: [torch.tensor(0)]])
def test_monitor_prunes_the_runs_it_is_given_or_their_indices_one_or_a_list(how):
    """The README's event.prune([run, ...]) failed with int()'s TypeError on a run, and prune(0) said 'int' object
    is not iterable."""
    runs = descend.fit(data=data(), steps=20, eval_every=10, monitor=lambda event: event.step == 10 and
                       event.prune(how(event)), **KW)
    assert runs.summary["status"].tolist() == ["pruned", "ok", "ok"]


@pytest.mark.parametrize("given", [["0"], "first", [0.0]])
def test_monitor_refuses_what_is_not_a_run_naming_what_it_takes(given):
    def bad(event):
        event.prune(given)

    with pytest.raises(ValueError, match=r"prune\(.*\): give runs of this cohort \(event.runs\) or their indices"):
        descend.fit(data=data(), steps=5, eval_every=5, monitor=bad, **KW)


def in_two_threads(call):
    """``call(0)`` and ``call(1)`` in two threads at once: their results, once both have ended (an error of either
    raised here)."""
    results: list = [None, None]
    errors: list = []

    def work(i):
        try:
            results[i] = call(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    return results


def test_two_fits_in_two_threads_equal_the_same_fits_one_after_the_other():
    x, y = data()
    jobs = [dict(optimizer="adam", lr=[1e-3, 1e-2]), dict(optimizer="sgd", lr=[0.05, 0.1], momentum=0.9)]
    alone = [descend.fit(model=MODEL, data=(x, y), steps=60, batch_size=8, dtype=torch.float64, **job)
             for job in jobs]
    together = in_two_threads(lambda i: descend.fit(model=MODEL, data=(x, y), steps=60, batch_size=8,
                                                    dtype=torch.float64, **jobs[i]))
    for a, b in zip(alone, together):
        for run in a.params:
            for n in MODEL.names:
                assert torch.equal(a.params[run][n], b.params[run][n])


def test_two_fits_of_a_module_with_dropout_in_two_threads_equal_them_one_after_the_other():
    """Its dropout draws from torch's global generator, which each fit forked and seeded: two threads interleaved
    their draws and restored each other's states (0 of 4 pairs equal). descend holds the generator while such a
    group trains (descend.models.module.global_generator)."""
    x, y = data()

    def module():
        return descend.models.ModuleModel(torch.nn.Sequential(torch.nn.Linear(x.shape[1], 16), torch.nn.Dropout(0.5),
                                                              torch.nn.Linear(16, 1)))

    def fit(model, optimizer):
        return descend.fit(model=model, data=(x, y), optimizer=optimizer, lr=0.01, seed=[0, 1], batch_size=8,
                           steps=40, compile=False).summary["final_train_loss"].tolist()

    alone = [fit(module(), "adam"), fit(module(), "sgd")]
    for _ in range(3):
        models = [module(), module()]
        assert in_two_threads(lambda i: fit(models[i], ("adam", "sgd")[i])) == alone


def test_a_fit_of_descends_own_model_leaves_torchs_generator_to_the_other_threads():
    """A fit of a model that draws nothing seeded torch's generator and put it back as it was without holding it:
    a dropout fit in another thread was reseeded in the middle of its steps (it differed from itself alone in 1
    to 3 of 5 tries), and what a thread of the caller drew meanwhile was taken back (its stream repeated)."""
    x, y = data()
    model = descend.models.ModuleModel(torch.nn.Sequential(torch.nn.Linear(x.shape[1], 16), torch.nn.Dropout(0.5),
                                                           torch.nn.Linear(16, 1)))

    def dropout_fit():
        return descend.fit(model=model, data=(x, y), optimizer="adam", lr=0.01, seed=[0, 1], batch_size=8, steps=60,
                           compile=False).results[0].train_loss

    def plain_fits():
        for _ in range(3):
            descend.fit(task="ellipse", optimizer=["gd", "adam"], lr=[0.02, 0.1], steps=30, compile=False)

    alone = dropout_fit()
    for _ in range(3):
        other = threading.Thread(target=plain_fits)
        other.start()
        beside = dropout_fit()
        other.join()
        assert torch.equal(beside, alone)
    torch.manual_seed(42)
    expected = torch.rand(4000)
    torch.manual_seed(42)
    other = threading.Thread(target=plain_fits)
    other.start()
    drawn = []
    while other.is_alive() or len(drawn) < 4000:
        drawn.append(torch.rand(1))
    other.join()
    assert torch.equal(torch.cat(drawn)[:4000], expected)


def test_the_tracing_flag_belongs_to_one_thread():
    seen = []
    inside = threading.Event()
    release = threading.Event()

    def trace():
        with traced():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=trace)
    t.start()
    inside.wait(5)
    seen.append(tracing())
    release.set()
    t.join()
    assert seen == [False]


def test_the_compiled_program_cache_is_bounded():
    assert engine.MAX_PROGRAMS > 0
    assert len(engine._PROGRAMS) <= engine.MAX_PROGRAMS


def _kept_in_place(monkeypatch):
    """descend.fit with stopped runs' rows kept in the program (engine.train_cohort(drop_stopped=False))."""
    import functools

    monkeypatch.setattr(engine, "train_cohort", functools.partial(engine.train_cohort, drop_stopped=False))


def _rows_per_step(monkeypatch):
    """The number of rows of every eager step, as the engine calls it."""
    sizes = []
    step = engine._step

    def counted(*args, **kwargs):
        sizes.append(args[9].shape[0])  # w
        return step(*args, **kwargs)

    monkeypatch.setattr(engine, "_step", counted)
    return sizes


@pytest.mark.parametrize("seeds", [[0], [0, 1]], ids=["shared batches", "a plan per data seed"])
def test_stopped_runs_leave_the_program_with_the_same_records(monkeypatch, seeds):
    # four learning rates of momentum per data seed, the largest diverging, with a scheduled lr; runs 0 and 2
    # pruned at steps 10 and 20: the records of every run are those of the same training with the stopped rows
    # frozen in place
    kw = dict(model=MODEL, optimizer="momentum", lr=[1e-3, 1e-2, 3e-2, 40.0], seed=seeds, batch_size=16,
              dtype=torch.float64, steps=40, eval_every=5, compile=False,
              schedules={"lr": descend.schedules.get_schedule("cosine", value=1.0, total_steps=40)})

    def monitor(event: engine.Monitor) -> None:
        index = {run.index for run in event.runs}
        for at, position in ((10, 0), (20, 2)):
            if event.step == at and event.runs[position].index in index:
                event.prune([event.runs[position].index])

    with monkeypatch.context() as m:
        sizes = _rows_per_step(m)
        dropped = descend.fit(data=data(), monitor=monitor, **kw)
    with monkeypatch.context() as m:
        _kept_in_place(m)
        kept_sizes = _rows_per_step(m)
        kept = descend.fit(data=data(), monitor=monitor, **kw)
    runs = 4 * len(seeds)
    assert set(kept_sizes) == {runs}, "one cohort, every row in every step"
    statuses = dropped.summary["status"].value_counts()
    assert statuses["pruned"] == 2 and statuses["diverged"] == len(seeds)
    assert len(sizes) == len(kept_sizes) and sizes[0] == runs and min(sizes) == runs - 2 - len(seeds)
    pd_testing = pytest.importorskip("pandas").testing
    pd_testing.assert_frame_equal(dropped.summary.drop(columns="seconds"),
                                  kept.summary.drop(columns="seconds"))
    pd_testing.assert_frame_equal(dropped.curves, kept.curves)
    for run in range(runs):
        for n in MODEL.names:
            assert torch.equal(dropped.params[run][n], kept.params[run][n])
    # a pruned run's evaluations keep its values; no step, no gradient recorded once it stopped
    curves = dropped.curves
    pruned = curves[(curves["run"] == 0) & (curves["split"] == "train") & (curves["metric"] == "loss")]
    assert pruned["step"].tolist() == list(range(0, 41, 5))
    assert pruned[pruned["step"] >= 10]["value"].nunique() == 1
    norms = curves[(curves["run"] == 0) & curves["metric"].str.startswith("grad_norm")]
    assert norms[norms["step"] < 10]["value"].notna().all() and norms[norms["step"] >= 10]["value"].isna().all()


def test_stopped_points_keep_their_path_when_their_rows_are_dropped(monkeypatch):
    # a landscape's paths (recorded for two parameters) and a diverging run; the compiled step keeps its rows
    kw = dict(task="himmelblau", optimizer="gd", lr=[0.001, 0.01, 0.5], start=[(0.0, 0.0), (1.0, -2.0)],
              steps=60, dtype=torch.float64, compile=False)
    with monkeypatch.context() as m:
        sizes = _rows_per_step(m)
        dropped = descend.fit(**kw)
    with monkeypatch.context() as m:
        _kept_in_place(m)
        kept = descend.fit(**kw)
    assert max(sizes) == 6 and min(sizes) < 6
    assert (dropped.summary["status"] == "diverged").sum() == 2
    for run in range(6):
        assert torch.equal(torch.as_tensor(dropped.paths[run]), torch.as_tensor(kept.paths[run]))
    import pandas as pd

    pd.testing.assert_frame_equal(dropped.curves, kept.curves)


def test_runs_of_a_group_that_never_started_are_in_the_summary_as_interrupted():
    """A stop during one group left the later groups' runs out of the summary while Runs.runs listed them."""
    calls = []
    x, y = data()
    runs = descend.fit(data=(x, y), steps=20, stop=lambda: calls.append(1) or len(calls) > 25, compile=False,
                       **{**KW, "lr": [1e-3, 1e-2], "batch_size": [16, 32, 64]})
    summary = runs.summary
    assert runs.interrupted and list(summary.index) == [r.index for r in runs.runs] == list(range(6))
    assert summary["batch_size"].tolist() == [16, 32, 64] * 2
    assert summary["steps_done"].tolist() == [20, 5, 0] * 2
    assert summary["status"].tolist() == ["ok", "interrupted", "interrupted"] * 2
    never = summary.loc[[2, 5]]
    assert never["final_train_loss"].isna().all() and (never["status_at"] == 0).all() and (never["lr"] > 0).all()
    assert set(runs.curves["run"]) == {0, 1, 3, 4}
    with pytest.raises(KeyError, match="run 2 has no curves: training stopped before it started"):
        runs.curve(2)
    with pytest.raises(KeyError, match="no run 9"):
        runs.curve(9)


def test_a_run_stopped_at_its_target_is_not_pruned_afterwards():
    """With stop_at_target a monitor pruned a run that had stopped at its target 14 steps before: status "pruned",
    steps_done 21, beside steps_to_target 7."""
    from descend import RunSpec
    from descend.engine import train

    def monitor(event):
        if event.step == 21:
            event.prune(event.runs)  # everything still "ok"

    runs = train(descend.tasks.get("line").problem(), [RunSpec("gd", {"lr": 0.3}, batch_size=8, seed=0),
                                                      RunSpec("gd", {"lr": 0.01}, batch_size=8, seed=0)],
                 steps=60, eval_every=7, dtype=torch.float64, compile=False, target=0.35, stop_at_target=True,
                 monitor=monitor)
    s = runs.summary
    assert s.loc[0, ["status", "steps_done", "steps_to_target"]].tolist() == ["ok", 7, 7]
    assert s.loc[1, ["status", "steps_done"]].tolist() == ["pruned", 21]


def test_random_search_beside_gradient_runs_stops_at_its_target_and_is_cut_short_by_a_stop():
    """It drew on to the end of the budget after reaching the target (steps_done 40, steps_to_target 23), and a stop
    request left its runs "ok" after 25 of 40 steps, counted as finished runs."""
    r = descend.fit(task="line", optimizer=["gd", "random-search"], lr=0.3, seed=0, batch_size=8, steps=40,
                    eval_every=5, dtype=torch.float64, target=3.0, stop_at_target=True)
    row = r.summary.set_index("optimizer").loc["random-search"]
    assert row["status"] == "ok" and row["steps_done"] == row["steps_to_target"] < 40
    calls = [0]

    def stop():
        calls[0] += 1
        return calls[0] > 25

    r = descend.fit(task="line", optimizer="random-search", seed=[0, 1], batch_size=8, steps=40, eval_every=5,
                    dtype=torch.float64, stop=stop)
    assert r.interrupted and r.summary["status"].tolist() == ["interrupted"] * 2
    assert r.summary["steps_done"].tolist() == [25, 25] and r.summary["status_at"].tolist() == [25, 25]


def test_a_stopped_run_beside_runs_of_a_module_with_dropout_leaves_their_numbers_alone():
    """Dropping a pruned or diverged run's row from the program drew the others' dropout masks anew: a do-nothing
    monitor moved their results by 3.5 %, and a pruned neighbour a final loss from 0.929 to 1.062."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(128, 4, generator=g, dtype=torch.float64)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]], dtype=torch.float64)

    def fit(prune, lrs=(0.01, 0.02, 0.03)):
        def monitor(event):
            if prune and event.step == 10:
                event.prune([run for run in event.runs if run.hyper["lr"] == 0.02])

        model = descend.models.ModuleModel(torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(),
                                                               torch.nn.Dropout(0.3), torch.nn.Linear(16, 1)))
        return descend.fit(model=model, data=(x, y), optimizer="adam", lr=list(lrs), seed=0, batch_size=16, steps=30,
                           eval_every=5, dtype=torch.float64, compile=False, monitor=monitor)

    kept, pruned = fit(False), fit(True)
    diverged = fit(False, (0.01, 1e9, 0.03))
    assert pruned.summary.loc[1, "status"] == "pruned" and diverged.summary.loc[1, "status"] == "diverged"
    for run in (0, 2):
        for other in (pruned, diverged):
            assert torch.equal(other.results[0].train_loss[:, run], kept.results[0].train_loss[:, run])


def test_what_evaluations_read_is_refused_without_evaluations():
    """eval_every=0 with mini-batches trained the whole budget without a word: the target never read (it is read at
    the evaluations after a mini-batch step), the monitor never called."""
    with pytest.raises(ValueError, match=r"target=0.35: after a mini-batch step the training loss is read at the "
                                         r"evaluations \(run 0 has batch_size=8\), and eval_every=0 makes none"):
        descend.fit(task="line", optimizer="gd", lr=0.3, batch_size=8, steps=40, eval_every=0, target=0.35)
    with pytest.raises(ValueError, match="a monitor is called after each evaluation, and eval_every=0 makes none"):
        descend.fit(task="line", optimizer="gd", lr=0.3, steps=40, eval_every=0, monitor=lambda event: None)
    full = descend.fit(task="line", optimizer="gd", lr=0.3, steps=40, eval_every=0, target=0.35, stop_at_target=True)
    assert full.summary.loc[0, "steps_to_target"] is not None  # a full batch's loss is read at every step


@pytest.mark.parametrize("how", ["diverged", "pruned", "at its target"])
def test_once_every_run_has_stopped_no_step_is_taken_and_the_records_are_the_same(monkeypatch, how):
    """Runs that had all stopped (diverged, pruned, or at their target with stop_at_target) still took every step
    of the budget: 64 runs diverged at step 2 took 6 s for 4,000 steps, and stop_at_target saved no time. No step
    is taken once every run has stopped, nor an evaluation of the same parameters again; every record is the one the
    same runs make beside a run that trains to the end (which keeps the steps going)."""
    from descend.spec import RunSpec

    stopping = {"diverged": [RunSpec("gd", {"lr": 0.5}, start=(0.0, 0.0)),
                             RunSpec("gd", {"lr": 0.6}, start=(1.0, -2.0))],
                "pruned": [RunSpec("gd", {"lr": 0.001}, start=(0.0, 0.0)),
                           RunSpec("gd", {"lr": 0.002}, start=(1.0, 1.0))],
                "at its target": [RunSpec("gd", {"lr": 0.01}, start=(3.0, 2.0)),
                                  RunSpec("gd", {"lr": 0.02}, start=(3.0, 2.0001))]}[how]
    companion = RunSpec("gd", {"lr": 1e-6}, start=(0.0, 0.0))  # trains to the end, far from the target
    kw = dict(task="himmelblau", steps=300, eval_every=5, dtype=torch.float64, compile=False)
    if how == "at its target":
        kw.update(target=1e-3, stop_at_target=True)

    def monitor(event: engine.Monitor) -> None:  # prunes the stopping runs (0 and 1) at step 10
        if how == "pruned" and event.step == 10:
            event.prune([run.index for run in event.runs if run.index < 2])

    with monkeypatch.context() as m:
        taken = _rows_per_step(m)
        alone = descend.fit(runs=stopping, monitor=monitor, **kw)
    beside = descend.fit(runs=[*stopping, companion], monitor=monitor, **kw)
    # the steps until the last run stopped: a divergence at its step, after it; a prune at an evaluation, before
    # it; the target reached at the first evaluation (step 0), that step (whose batch loss it records)
    expected = int(alone.summary["diverged_at"].max()) + 1 if how == "diverged" else {"pruned": 10,
                                                                                      "at its target": 1}[how]
    assert set(alone.summary["status"]) == {"ok" if how == "at its target" else how}
    assert len(taken) == expected <= 11, taken
    pd_testing = pytest.importorskip("pandas").testing
    columns = [c for c in alone.summary.columns if c not in ("seconds", "run")]
    pd_testing.assert_frame_equal(alone.summary[columns], beside.summary[columns].iloc[:2], check_dtype=False)
    curves = beside.curves[beside.curves["run"] < 2].reset_index(drop=True)
    pd_testing.assert_frame_equal(alone.curves, curves)
    for run in range(2):
        assert alone.paths[run].tolist() == beside.paths[run].tolist() and len(alone.paths[run]) == 301


def test_two_threads_compile_one_after_the_other(monkeypatch):
    """Two fits with compile=True in two threads, each tracing its step (make_fx) at once: one failed with torch.fx's
    "CURRENT_PATCHER is None in finally block", its process-wide tracing state taken by the other thread. A trace
    and its compile now hold the process (the compiler stood in for: the traced graph itself runs as the program)."""
    at_once, most = [0], [0]
    lock = threading.Lock()

    def compiled(graph, inputs, name):
        with lock:
            at_once[0] += 1
            most[0] = max(most[0], at_once[0])
        time.sleep(0.3)  # a compile takes its time: the other thread reaches its own trace meanwhile
        with lock:
            at_once[0] -= 1
        return graph

    monkeypatch.setattr(engine, "_compiled_graph", compiled)
    monkeypatch.setenv("DESCEND_PACKAGES", "0")
    monkeypatch.setattr(engine, "_PROGRAMS", type(engine._PROGRAMS)())  # nothing held: both threads compile
    x, y = data()
    jobs = [dict(optimizer="adam", lr=[1e-3, 1e-2]), dict(optimizer="sgd", lr=[0.05, 0.1], momentum=0.9)]
    start = threading.Barrier(2)

    def fit(i):
        start.wait(5)
        return descend.fit(model=MODEL, data=(x, y), steps=6, batch_size=8, eval_every=0, compile=True, **jobs[i])

    results = in_two_threads(fit)
    assert most[0] == 1
    assert all(r.summary["steps_done"].tolist() == [6, 6] for r in results)
