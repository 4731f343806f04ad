"""Studies that outlive a process: resume on a journal file and SQLite, refusal of a different study,
Ctrl-C/stop keeping what finished, kill -9 of a worker (its trials retried with the same parameters)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pandas as pd
import pytest
import torch
from optuna.trial import TrialState

import descend
from descend.tune import storage as storage_module

SEARCH = dict(optimizer="adam", space="lr=1e-3..0.5:log, beta1=0.5..0.99", batch_size=16, steps=40, eval_every=10,
              seeds=0, dtype=torch.float64)


def load(target: str, name: str = "line") -> optuna.Study:
    return optuna.load_study(study_name=name, storage=storage_module.open_storage(target))


def states(study: optuna.Study) -> dict[str, int]:
    out: dict[str, int] = {}
    for t in study.get_trials(deepcopy=False):
        out[t.state.name] = out.get(t.state.name, 0) + 1
    return out


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_re_running_resumes_the_study_keeping_every_finished_trial(tmp_path, kind):
    target = str(tmp_path / "study.journal") if kind == "journal" else f"sqlite:///{tmp_path / 'study.db'}"
    first = descend.tune("line", trials=8, cohort=4, storage=target, **SEARCH)
    before = {t.number: (t.params, t.value, t.datetime_complete) for t in first.study.get_trials()}
    assert first.outcomes["adam"].told == 8
    again = descend.tune("line", trials=12, cohort=4, storage=target, **SEARCH)
    assert again.outcomes["adam"].told == 4  # the budget counts the 8 it already had: nothing trained twice
    trials = load(target).get_trials()
    assert [t.number for t in trials] == list(range(12)) and all(t.state == TrialState.COMPLETE for t in trials)
    assert {t.number: (t.params, t.value, t.datetime_complete) for t in trials[:8]} == before
    done = descend.tune("line", trials=12, cohort=4, storage=target, **SEARCH)
    assert done.outcomes["adam"].told == 0 and len(done.trials) == 12


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_a_finished_search_run_again_reads_its_re_runs_from_the_study(tmp_path, kind, monkeypatch):
    """The final re-runs are kept in the study: the same command again trains nothing, and gives the same numbers;
    a larger budget whose best configuration is another re-runs that one."""
    from descend import engine

    target = str(tmp_path / "study.journal") if kind == "journal" else f"sqlite:///{tmp_path / 'study.db'}"
    search = {**SEARCH, "optimizer": ["sgd", "adam"], "space": None, "seeds": 2}
    first = descend.tune("line", trials=4, cohort=4, storage=target, **search)
    assert first.final is not None and len(first.final_summary) == 4
    pd.testing.assert_frame_equal(first.final_summary, first.final.summary)
    trained = []
    train = engine.train
    monkeypatch.setattr(engine, "train", lambda problem, specs, **kw: trained.append(specs) or train(problem, specs,
                                                                                                      **kw))
    again = descend.tune("line", trials=4, cohort=4, storage=target, **search)
    assert trained == [] and again.final is None
    assert "the re-runs of sgd, adam were read from the study" in " ".join(again.notes)
    # the same file, byte for byte (sgd's True/False columns are empty for adam: read back, they stayed True/False)
    assert again.final_summary.to_csv() == first.final_summary.to_csv()
    pd.testing.assert_frame_equal(again.final_summary, first.final_summary, check_dtype=False, check_exact=True)
    pd.testing.assert_frame_equal(again.table, first.table, check_exact=True)
    # another budget: an optimizer whose best stayed reads its re-runs, one whose best moved trains them again
    more = descend.tune("line", trials=8, cohort=4, storage=target, **search)
    stayed = [name for name in ("sgd", "adam") if more.best[name]["trial"] == first.best[name]["trial"]]
    read = [note for note in more.notes if "were read from the study" in note]
    assert read == ([f"the re-runs of {', '.join(stayed)} were read from the study: trained before with the same "
                     "configuration, seeds and budget"] if stayed else [])
    assert (more.final is None) == (len(stayed) == 2)
    assert set(() if more.final is None else more.final.summary["optimizer"]) == {"sgd", "adam"} - set(stayed)
    for name in ("sgd", "adam"):
        rows = more.final_summary[more.final_summary["optimizer"] == name]
        assert list(rows["lr"].unique()) == [more.best[name]["config"]["lr"]] and len(rows) == 2


def test_a_resumed_study_does_not_compute_the_first_cohort_again(tmp_path, monkeypatch):
    """The baseline and the Sobol spread are queued once, by the process that creates the study; a process that
    resumes it (or a worker that joins it) does not compute them."""
    from descend.tune.space import Space

    target = str(tmp_path / "study.journal")
    calls = []
    spread = Space.spread
    monkeypatch.setattr(Space, "spread", lambda self, n, seed: calls.append(n) or spread(self, n, seed))
    descend.tune("line", trials=4, cohort=4, storage=target, **SEARCH)
    assert calls == [3]  # the cohort less the baseline
    again = descend.tune("line", trials=8, cohort=4, storage=target, **SEARCH)
    assert calls == [3] and again.outcomes["adam"].told == 4
    roles = [t.user_attrs.get("descend:role") for t in load(target).get_trials()]
    assert roles == ["baseline", "spread", "spread", "spread", None, None, None, None]


def test_the_default_storage_is_a_journal_file_in_the_output_directory(tmp_path):
    result = descend.tune("line", trials=4, cohort=4, out=tmp_path / "out", **SEARCH)
    assert result.storage == str(tmp_path / "out" / "study.journal")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".descend-tune", "best.json", "study.journal",
                                                                   "table.csv", "trials.csv"]
    assert len(load(result.storage).get_trials()) == 4


def test_the_journal_is_forced_to_disk_once_per_cohort_and_reads_as_optunas_own(tmp_path, monkeypatch):
    """descend's journal writes Optuna's lines under Optuna's lock, and forces them to the disk after asking a
    cohort's trials and after telling them (plus once at the end), not after every operation."""
    import os

    from optuna.storages.journal import JournalFileBackend

    calls = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (calls.append(fd), real(fd))[1])
    target = str(tmp_path / "study.journal")
    result = descend.tune("line", trials=8, cohort=4, storage=target, **SEARCH)
    assert result.outcomes["adam"].told == 8
    assert 2 * 2 <= len(calls) <= 2 * 2 + 2  # two cohorts: after the asks and after the tells; then the end
    mine = {t.number: (t.state, t.params, t.value, t.intermediate_values, t.user_attrs)
            for t in result.study.get_trials()}
    plain = optuna.load_study(study_name="line", storage=optuna.storages.JournalStorage(JournalFileBackend(target)))
    assert {t.number: (t.state, t.params, t.value, t.intermediate_values, t.user_attrs)
            for t in plain.get_trials()} == mine
    assert sorted(mine) == list(range(8)) and all(state == TrialState.COMPLETE for state, *_ in mine.values())


@pytest.mark.parametrize("change, flag", [
    (dict(space="lr=1e-4..0.5:log, beta1=0.5..0.99"), "space"),
    (dict(metric="accuracy"), "metric"),
    (dict(steps=50), "steps"),
    (dict(batch_size=8), "batch_size"),
])
def test_an_existing_study_made_otherwise_is_refused_before_anything_is_written(tmp_path, change, flag):
    target = str(tmp_path / "study.journal")
    task = "iris" if flag == "metric" else "line"  # iris has accuracy: its study resumed on another objective
    descend.tune(task, trials=4, cohort=4, storage=target, **SEARCH)
    size = Path(target).stat().st_size
    with pytest.raises(ValueError, match=rf"^{flag}: study '{task}'"):
        descend.tune(task, trials=8, cohort=4, storage=target, **{**SEARCH, **change})
    assert Path(target).stat().st_size == size


def test_a_stop_keeps_the_finished_trials_and_re_queues_the_rest_with_their_parameters(tmp_path):
    target = str(tmp_path / "study.journal")
    stop = threading.Event()

    def progress(event):
        if event["kind"] == "step" and event["done"] >= 4 and event["step"] >= 20:
            stop.set()  # in the middle of the second cohort

    result = descend.tune("line", trials=12, cohort=4, storage=target, progress=progress, stop=stop, **SEARCH)
    assert result.interrupted and result.final is None and "interrupted" in result.notes[0]
    study = load(target)
    assert states(study) == {"COMPLETE": 4, "FAIL": 4, "WAITING": 4}
    failed = [t for t in study.get_trials() if t.state == TrialState.FAIL]
    waiting = [t for t in study.get_trials() if t.state == TrialState.WAITING]
    assert [t.params for t in waiting] == [t.params for t in failed]
    assert [t.system_attrs["failed_trial"] for t in waiting] == [t.number for t in failed]
    complete = {t.number: t.value for t in study.get_trials() if t.state == TrialState.COMPLETE}
    resumed = descend.tune("line", trials=12, cohort=4, storage=target, **SEARCH)
    assert resumed.outcomes["adam"].told == 8 and not resumed.interrupted
    study = load(target)
    assert states(study) == {"COMPLETE": 12, "FAIL": 4}
    retried = {t.system_attrs["failed_trial"]: t for t in study.get_trials() if "failed_trial" in t.system_attrs}
    for t in failed:  # trained again with the same parameters and the seed of the trial it repeats
        assert retried[t.number].params == t.params
        assert retried[t.number].user_attrs["descend"]["seed"] == t.number
    assert {n: v for n, v in complete.items()} == {t.number: t.value for t in study.get_trials()[:4]}


def test_trials_csv_gives_a_stopped_trial_its_status_once_and_its_retry_none(tmp_path):
    """After Ctrl-C the retries queued for the cut trials (never run) were written "interrupted" as the trials they
    repeat, so that counting that status counted each cut trial twice."""
    stop = threading.Event()

    def progress(event):
        if event["kind"] == "step" and event["done"] >= 4 and event["step"] >= 20:
            stop.set()  # in the middle of the second cohort

    result = descend.tune("line", trials=12, cohort=4, storage=str(tmp_path / "study.journal"), progress=progress,
                          stop=stop, **SEARCH)
    trials = result.trials.set_index("number")
    failed, waiting = trials[trials["state"] == "FAIL"], trials[trials["state"] == "WAITING"]
    assert len(failed) == len(waiting) == 4
    assert failed["status"].tolist() == ["interrupted"] * 4 and waiting["status"].isna().all()
    assert (trials["status"] == "interrupted").sum() == 4
    # each retry trains with the seed of the trial it repeats, and says so
    assert waiting["seed"].tolist() == waiting["retry_of"].tolist() == failed.index.tolist()
    assert failed["seed"].tolist() == failed.index.tolist()
    for t in load(str(tmp_path / "study.journal")).get_trials():
        if t.state == TrialState.WAITING:
            assert "descend" not in t.user_attrs  # what the failed trial's run was is not the retry's


def test_trials_csv_says_a_trial_failed_as_stale_and_its_seed(tmp_path):
    """The trials of a worker killed with kill -9, failed by the next worker, had no status and no seed."""
    from descend.tune.report import _counts_text, trial_kinds
    from descend.tune.result import trials_frame

    study = optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "s.journal")), study_name="s")
    stale = study.ask()
    stale.suggest_float("lr", 0.1, 1)
    # its worker had recorded its run's status and lost the database before telling the value: trials.csv said
    # FAIL with status ok
    stale.set_user_attr("descend", {"status": "ok", "seed": 0})
    study._storage.set_trial_system_attr(stale._trial_id, storage_module.BEAT_KEY, time.time() - 30)
    assert storage_module.fail_stale(study, grace_period=10) == [stale.number]
    trials = trials_frame({"adam": study}).set_index("number")
    assert trials.loc[0, "state"] == "FAIL" and trials.loc[0, "status"] == "stale" and trials.loc[0, "seed"] == 0
    assert trials.loc[1, "state"] == "WAITING" and pd.isna(trials.loc[1, "status"]) and trials.loc[1, "seed"] == 0
    assert "failed_trial" not in study.get_trials()[0].system_attrs
    assert storage_module.FAILED_KEY not in study.get_trials()[1].system_attrs  # the retry has not failed
    # the search's page counts it as no failure of its run
    text = _counts_text(trial_kinds(type("R", (), {"studies": {"adam": study}})()))
    assert "1 left running by a worker that stopped (each queued again)" in text and "failed" not in text, text


SLOW_WORKER = """
import sys, time
import torch
import descend

def slow(event):  # the second cohort trains slowly, so that it can be killed in the middle
    if event["kind"] == "step" and event["done"] >= 4:
        time.sleep(0.5)

descend.tune("line", optimizer="adam", space="lr=1e-3..0.5:log, beta1=0.5..0.99", batch_size=16, steps=40,
             eval_every=10, seeds=0, dtype=torch.float64, trials=8, cohort=4, storage=sys.argv[1], progress=slow)
"""


def _wait_for(predicate, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_kill_9_of_a_worker_loses_only_its_cohort_whose_trials_are_retried(tmp_path):
    target = str(tmp_path / "study.journal")
    worker = subprocess.Popen([sys.executable, "-c", SLOW_WORKER, target])
    try:
        def midway():
            if worker.poll() is not None:
                raise AssertionError(f"the worker ended early ({worker.returncode})")
            if not Path(target).exists():
                return False
            try:
                study = load(target)
            except KeyError:  # the study is not created yet
                return False
            running = [t for t in study.get_trials() if t.state == TrialState.RUNNING]
            # the second cohort asked, claimed and suggested (the worker's mark comes at once, before the
            # suggestions: waiting for any parameter, the test killed a trial with lr and without beta1, which its
            # retry then drew, once in a loaded run): killed now, each of its trials has every parameter to repeat
            return states(study) == {"COMPLETE": 4, "RUNNING": 4} and all(
                set(t.params) == {"lr", "beta1"} and storage_module.WORKER_KEY in t.system_attrs for t in running)

        _wait_for(midway)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    study = load(target)
    before = {t.number: (t.params, t.value) for t in study.get_trials() if t.state == TrialState.COMPLETE}
    killed = {t.number: t.params for t in study.get_trials() if t.state == TrialState.RUNNING}
    # the worker was a process of this machine that is gone: its trials are stale at once (no grace period)
    result = descend.tune("line", trials=8, cohort=4, storage=target, **SEARCH)
    assert sorted(result.outcomes["adam"].retried_stale) == sorted(killed)
    assert result.outcomes["adam"].told == 4
    study = load(target)
    assert states(study) == {"COMPLETE": 8, "FAIL": 4}
    assert {t.number: (t.params, t.value) for t in study.get_trials() if t.number in before} == before
    retried = [t for t in study.get_trials() if t.state == TrialState.COMPLETE and t.number not in before]
    assert sorted((t.system_attrs["failed_trial"], tuple(sorted(t.params.items()))) for t in retried) == sorted(
        (n, tuple(sorted(p.items()))) for n, p in killed.items())
    assert sorted(t.user_attrs["descend"]["seed"] for t in retried) == sorted(killed)


def test_a_trial_whose_heartbeat_stopped_is_failed_and_retried_once(tmp_path):
    study = optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "s.journal")), study_name="s")
    alive, stale, elsewhere = study.ask(), study.ask(), study.ask()
    for trial in (alive, stale, elsewhere):
        trial.suggest_float("x", 0, 1)
    storage = study._storage
    now = time.time()
    storage.set_trial_system_attr(alive._trial_id, storage_module.BEAT_KEY, now)
    storage.set_trial_system_attr(stale._trial_id, storage_module.BEAT_KEY, now - 30)
    storage.set_trial_system_attr(elsewhere._trial_id, storage_module.WORKER_KEY, "another-host:1:1")
    storage.set_trial_system_attr(elsewhere._trial_id, storage_module.BEAT_KEY, now)
    assert storage_module.fail_stale(study, grace_period=10) == [stale.number]
    assert storage_module.fail_stale(study, grace_period=10) == []  # failed once, retried once
    trials = study.get_trials()
    assert [t.state.name for t in trials] == ["RUNNING", "FAIL", "RUNNING", "WAITING"]
    assert trials[3].params == trials[1].params and trials[3].system_attrs["failed_trial"] == stale.number


def test_a_suspended_worker_of_this_machine_keeps_its_trials_and_one_that_lost_them_goes_on(tmp_path):
    """A worker stopped for longer than the grace period (Ctrl-Z, a laptop's sleep) had its trials failed by
    another, and crashed when it resumed ("Trial#4 has already finished and can not be updated")."""
    import signal
    import socket
    import subprocess
    import sys

    from descend.tune.runner import Outcome, Runner

    study = optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "s.journal")), study_name="s")
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    suspended = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        suspended.send_signal(signal.SIGSTOP)
        worker = f"{socket.gethostname()}:{suspended.pid}:{storage_module._started(suspended.pid)}"
        study._storage.set_trial_system_attr(trial._trial_id, storage_module.WORKER_KEY, worker)
        study._storage.set_trial_system_attr(trial._trial_id, storage_module.BEAT_KEY, time.time() - 1000)
        assert storage_module.fail_stale(study, grace_period=10) == []  # it runs: it beats again when resumed
    finally:
        suspended.kill()
        suspended.wait()
    assert storage_module.fail_stale(study, grace_period=10) == [trial.number]  # gone: at once
    # the worker that lost it (another machine's, resumed) tells its result: left to the retry, no crash
    runner = Runner.__new__(Runner)
    runner.plan = type("Plan", (), {"study": study})()
    runner.outcome, runner.pruner = Outcome(), "none"
    runner.target = type("Target", (), {"direction": "minimize"})()
    runner._tell([(trial, {})], {0: {"status": "ok", "seed": 0, "steps": 5, "reports": {}, "value": 1.0}})
    assert runner.outcome.taken == 1 and runner.outcome.told == 0
    assert [t.state.name for t in study.get_trials()] == ["FAIL", "WAITING"]


def test_a_killed_worker_not_yet_reaped_by_its_parent_is_dead(tmp_path):
    """A worker killed (SIGKILL, the out-of-memory killer) whose parent has not waited for it yet is a zombie: it
    answered os.kill(pid, 0) with its start time unchanged, so another worker took it for a live one and waited for
    its trials forever (a parent joining that worker first, before reaping the dead one, waited for good)."""
    import signal
    import socket
    import subprocess
    import sys

    study = optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "s.journal")), study_name="s")
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    killed = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        worker = f"{socket.gethostname()}:{killed.pid}:{storage_module._started(killed.pid)}"
        study._storage.set_trial_system_attr(trial._trial_id, storage_module.WORKER_KEY, worker)
        assert storage_module._dead_here(worker) is False
        killed.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 10
        while storage_module._stat(killed.pid)[0] != "Z" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert storage_module._stat(killed.pid)[0] == "Z"  # not reaped yet
        assert storage_module._dead_here(worker) is True
        assert storage_module.fail_stale(study, grace_period=3600) == [trial.number]  # at once, no grace period
    finally:
        killed.kill()
        killed.wait()


def test_the_heartbeat_beats_for_the_running_trials(tmp_path):
    study = optuna.create_study(storage=storage_module.open_storage(str(tmp_path / "s.journal")), study_name="s")
    trial = study.ask()
    beat = storage_module.Heartbeat(study._storage, interval=0.1)
    beat.add([trial._trial_id])
    first = study._storage.get_trial_system_attrs(trial._trial_id)[storage_module.BEAT_KEY]
    time.sleep(0.35)
    later = study._storage.get_trial_system_attrs(trial._trial_id)[storage_module.BEAT_KEY]
    beat.close()
    assert later > first and beat.errors == 0


@pytest.mark.parametrize("target, message", [
    ("", "storage is empty"),
    ("study.txt", "give a journal file ending in .journal"),
    ("redis://localhost/0", "unknown database 'redis'"),
    ("mysql://user:secret@localhost/db", "storage mysql://user:***@localhost/db: the database driver for 'mysql' is "
                                         "not installed (Python module MySQLdb)"),
    ("mysql+nosuch://localhost/db", "SQLAlchemy knows no such database driver"),
    ("postgresql://user:secret@127.0.0.1:1/db", "storage postgresql://user:***@127.0.0.1:1/db: cannot use it: "),
])
def test_a_storage_that_cannot_work_is_one_line_without_its_password(target, message):
    with pytest.raises(ValueError) as error:
        storage_module.open_storage(target, what="storage")
    assert message in str(error.value) and "secret" not in str(error.value) and "\n" not in str(error.value)


@pytest.mark.parametrize("kind", ["journal", "sqlite"])
def test_a_storage_in_a_missing_folder_is_created_there_and_one_under_a_file_is_refused(tmp_path, kind):
    """A journal file's missing folder was created and SQLite's was refused ("unable to open database file")."""
    def target(folder):
        path = folder / ("study.journal" if kind == "journal" else "study.db")
        return str(path) if kind == "journal" else f"sqlite:///{path}"

    storage_module.open_storage(target(tmp_path / "a" / "b"), what="--storage")
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()][:1] == ["study.journal" if kind == "journal"
                                                                     else "study.db"]
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match="--storage .*file/x.*(cannot be created|cannot be opened): (Not a directory|"
                                         ".*file' is a file, not a directory)"):
        storage_module.open_storage(target(tmp_path / "file" / "x"), what="--storage")


def test_a_journal_cut_short_by_a_crash_resumes(tmp_path):
    """A last line without its newline (a crash or a full disk while writing) is skipped by Optuna's reader; the next
    operation was appended to it, joining the two into a line no reader could parse: the study was lost."""
    path = tmp_path / "s.journal"
    study = optuna.create_study(storage=storage_module.open_storage(str(path)), study_name="s")
    study.enqueue_trial({"x": 0.25})
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    study.tell(trial, 1.0)
    with open(path, "ab") as f:
        f.write(b'{"op_code": 5, "worker_id": "cut')  # half an operation
    again = optuna.load_study(storage=storage_module.open_storage(str(path)), study_name="s")
    trial = again.ask()
    trial.suggest_float("x", 0, 1)
    again.tell(trial, 2.0)
    fresh = optuna.load_study(storage=storage_module.open_storage(str(path)), study_name="s")
    assert [t.value for t in fresh.get_trials()] == [1.0, 2.0] and fresh.trials[0].params == {"x": 0.25}
    assert path.read_bytes().endswith(b"\n") and b"cut" not in path.read_bytes()


def test_a_file_that_is_not_a_journal_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "notes.journal"
    path.write_text("garbage\nmore\n")
    with pytest.raises(ValueError, match=r"--storage '.*notes.journal' is not a study journal \(its first line"):
        storage_module.open_storage(str(path))
    assert path.read_text() == "garbage\nmore\n"


def test_a_one_line_file_or_a_journal_with_a_damaged_line_is_refused_and_left_as_it_was(tmp_path):
    """A text file of one line without its newline was taken for an operation cut short by a crash, cut away and
    made a journal (the user's notes lost); a journal with a line that is not an operation failed in Optuna's JSON
    reader ("Expecting value: line 1 column 1"), after a new study's operation had been appended to it."""
    notes = tmp_path / "notes.log"
    notes.write_text("my notes, no newline at the end")
    with pytest.raises(ValueError, match=r"--storage '.*notes.log' is not a study journal \(its first line"):
        storage_module.open_storage(str(notes))
    assert notes.read_text() == "my notes, no newline at the end"
    damaged = tmp_path / "s.journal"
    damaged.write_text('{"op_code": 0, "worker_id": "x", "study_name": "s", "directions": [1]}\nthis is not json\n')
    before = damaged.read_bytes()
    with pytest.raises(ValueError, match=r"--storage '.*s.journal': line 2 of the journal is not an operation of "
                                         r"Optuna's journal \(the file was changed or damaged\)"):
        storage_module.open_storage(str(damaged))
    assert damaged.read_bytes() == before
    cut = tmp_path / "cut.journal"  # an operation cut short, first or later: skipped by the readers, resumed
    cut.write_bytes(b'{"op_code": 0, "worker_id": "cut')
    storage_module.open_storage(str(cut))


def test_on_sqlite_one_worker_at_a_time_takes_queued_trials(tmp_path):
    """SQLite ignores the row lock by which Optuna hands a queued trial to one worker: two workers of one command
    both took the first cohort's queued trials, trained them twice, and one stopped with a traceback telling a
    trial the other had finished. The asks of a cohort are taken under a lock of the file beside the database."""
    database = tmp_path / "s.db"
    storage = storage_module.open_storage(f"sqlite:///{database}")
    held = "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)"
    with storage_module.taking_trials(storage):
        assert subprocess.run([sys.executable, "-c", held, f"{database}.lock"]).returncode != 0  # held here
    assert subprocess.run([sys.executable, "-c", held, f"{database}.lock"]).returncode == 0  # and let go
    journal = tmp_path / "s.journal"
    with storage_module.taking_trials(storage_module.open_storage(str(journal))):  # its own lock: none needed
        assert not Path(f"{journal}.lock").exists()

    command = [sys.executable, "-m", "descend", "tune", "line", "-o", "adam", "--trials", "16", "--cohort", "8",
               "--steps", "40", "--seeds", "0", "--quiet", "--storage", f"sqlite:///{database}", "--study", "w"]
    workers = [subprocess.Popen([*command, "--out", str(tmp_path / name)], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for name in ("a", "b")]
    outputs = [worker.communicate(timeout=300)[0] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    study = load(f"sqlite:///{database}", "w")
    assert states(study) == {"COMPLETE": 16}  # none failed for another worker's, none trained twice
    seeds = [t.user_attrs["descend"]["seed"] for t in study.get_trials()]
    assert sorted(seeds) == list(range(16))


def test_the_longest_study_name_is_the_one_a_database_takes():
    from optuna.storages._rdb import models

    assert storage_module.MAX_STUDY_NAME == models.MAX_INDEXED_STRING_LENGTH


def test_the_ssl_keys_password_is_masked_too():
    """mask hid password=, passwd= and pwd= but printed libpq's sslpassword= (the client key's) as it was."""
    from descend.tune.storage import mask

    url = "postgresql://me@db/d?sslmode=verify-full&sslkey=/k/me.key&sslpassword=s3cret&ssl_password=s3cret"
    assert mask(url) == ("postgresql://me@db/d?sslmode=verify-full&sslkey=/k/me.key&sslpassword=***"
                         "&ssl_password=***")
    assert "s3cret" not in mask(url.upper())


def test_a_password_holding_an_at_sign_is_refused_saying_to_percent_encode_it_and_none_of_it_shown():
    """postgresql://me:secr@tword@host/d: libpq read the host from inside the password, and the error showed
    'tword@host' beside the masked part."""
    with pytest.raises(ValueError, match=r"^--storage postgresql://me:\*\*\*@db:5432/d: the user or password holds "
                                         r"'@' .* write @ as %40") as caught:
        storage_module.check("postgresql://me:secr@tword@db:5432/d")
    assert "tword" not in str(caught.value) and "secr" not in str(caught.value)
    assert storage_module.check("postgresql://me:secr%40tword@db:5432/d")  # percent-encoded: taken
    with pytest.raises(ValueError, match=r"password=\*\*\*: the user or password holds '@'") as caught:
        storage_module.check("postgresql://db:5432/d?user=bob&password=secret@part2")  # in the query
    assert "secret" not in str(caught.value) and "part2" not in str(caught.value)
    assert storage_module.check("postgresql://me:pw@db/d?application_name=me@laptop")  # another value's @
    assert storage_module.check("sqlite:////home/me@x/a@b/study.db")  # a file's path may hold @


def test_each_trial_says_whose_it_is_as_soon_as_it_is_asked(tmp_path, monkeypatch):
    """A worker that stopped while asking its cohort (the database gone at its fourth ask) left the trials it had
    asked running with no worker: the next worker on the same machine waited a grace period for them."""
    from descend.tune import space as space_module

    calls = []
    suggest = space_module.Space.suggest

    def failing(self, trial):
        calls.append(trial.number)
        if len(calls) == 4:
            raise RuntimeError("the database stopped answering")
        return suggest(self, trial)

    monkeypatch.setattr(space_module.Space, "suggest", failing)
    storage = str(tmp_path / "s.journal")
    with pytest.raises(RuntimeError, match="stopped answering"):
        descend.tune("line", optimizer="adam", trials=8, cohort=8, steps=5, seeds=0, storage=storage, study="s")
    study = optuna.load_study(study_name="s", storage=storage_module.open_storage(storage))
    running = study.get_trials(states=(TrialState.RUNNING,))
    assert len(running) == 4 and all(storage_module.WORKER_KEY in t.system_attrs for t in running)


def _unreachable():
    import sqlalchemy

    return sqlalchemy.exc.OperationalError("UPDATE trials ...", {}, Exception(
        "server closed the connection unexpectedly"))


def test_a_database_that_stops_answering_for_a_moment_is_waited_for_not_a_worker_ended(tmp_path, monkeypatch):
    """A restart of the PostgreSQL server while a worker told its cohort ended the worker (the cohort trained again
    by the next), and one between two cohorts as well: every worker of the study to be started again by hand."""
    failures = {"ask": 1, "tell-before": 1, "tell-after": 1}
    ask, tell = optuna.study.Study.ask, optuna.study.Study.tell

    def flaky_ask(self, *args, **kwargs):
        if failures["ask"]:
            failures["ask"] -= 1
            raise _unreachable()
        return ask(self, *args, **kwargs)

    def flaky_tell(self, *args, **kwargs):
        if failures["tell-before"]:  # lost before it reached the database
            failures["tell-before"] -= 1
            raise _unreachable()
        frozen = tell(self, *args, **kwargs)
        if failures["tell-after"]:  # reached it, and the answer was lost
            failures["tell-after"] -= 1
            raise _unreachable()
        return frozen

    monkeypatch.setattr(optuna.study.Study, "ask", flaky_ask)
    monkeypatch.setattr(optuna.study.Study, "tell", flaky_tell)
    events = []
    result = descend.tune("line", optimizer="adam", trials=8, cohort=4, steps=5, seeds=0,
                          storage=str(tmp_path / "s.journal"), progress=events.append)
    assert not any(failures.values())
    waits = [e for e in events if e["kind"] == "database"]
    assert len(waits) == 3 and waits[0]["reason"] == "server closed the connection unexpectedly"
    assert result.outcomes["adam"].told == 8 and result.outcomes["adam"].taken == 0
    trials = result.study.get_trials()
    assert len(trials) == 8 and all(t.state == TrialState.COMPLETE for t in trials)


def test_a_database_that_does_not_come_back_ends_the_search_after_its_patience(tmp_path, monkeypatch):
    from descend.tune import runner

    monkeypatch.setattr(runner, "PATIENCE", 2.0)

    def gone(self, *args, **kwargs):
        raise _unreachable()

    descend.tune("line", optimizer="adam", trials=4, cohort=4, steps=5, seeds=0, storage=str(tmp_path / "s.journal"))
    monkeypatch.setattr(optuna.study.Study, "ask", gone)
    started = time.perf_counter()
    with pytest.raises(Exception) as caught:
        descend.tune("line", optimizer="adam", trials=8, cohort=4, steps=5, seeds=0,
                     storage=str(tmp_path / "s.journal"))
    assert storage_module.database_failure(caught.value) == ("server closed the connection unexpectedly", True)
    assert 2.0 <= time.perf_counter() - started < 30
