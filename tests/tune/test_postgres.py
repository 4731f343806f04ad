"""Several worker processes share one study on PostgreSQL: no lost and no duplicated trial, every trial's value
equal to its configuration trained alone.

The server comes from ``DESCEND_TEST_POSTGRES`` (a URL; ``.ci/run`` starts a throw-away cluster on a loopback port
and exports it). Under ``CI=true`` a missing or unreachable server is a failure; elsewhere these tests are skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import optuna
import pytest
import torch
from optuna.trial import TrialState

import descend
from descend.spec import RunSpec
from descend.tune import storage as storage_module

WORKERS = 4


@pytest.fixture(scope="module")
def postgres() -> str:
    url = os.environ.get("DESCEND_TEST_POSTGRES")
    problem = None if url else "DESCEND_TEST_POSTGRES is not set (.ci/run starts PostgreSQL and sets it)"
    if url:
        try:
            storage_module.open_storage(url)
        except ValueError as e:
            problem = f"PostgreSQL at DESCEND_TEST_POSTGRES cannot be used: {e}"
    if problem:
        if os.environ.get("CI") == "true":
            pytest.fail(problem)
        pytest.skip(problem)
    return url


def test_workers_on_one_postgresql_study_share_it_without_losing_or_repeating_a_trial(postgres, tmp_path):
    name = f"workers-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "descend", "tune", "line", "-o", "adam", "--space",
               "lr=1e-3..0.5:log, beta1=0.5..0.99", "--batch-size", "16", "--steps", "40", "--trials", "32",
               "--cohort", "4", "--seeds", "0", "--storage", postgres, "--study", name, "--quiet"]
    workers = [subprocess.Popen([*command, "--out", str(tmp_path / f"w{i}")], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for i in range(WORKERS)]
    outputs = [w.communicate(timeout=600) for w in workers]
    for w, (out, err) in zip(workers, outputs):
        assert w.returncode == 0, err
    study = optuna.load_study(study_name=name, storage=storage_module.open_storage(postgres))
    trials = study.get_trials()
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == 32  # the budget exactly: none lost
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    assert len({t.number for t in trials}) == len(trials)  # none duplicated
    # asked beyond the budget by two workers at the same moment: failed untrained, marked so
    assert all(t.user_attrs["descend"]["status"] == "over-budget" for t in trials if t.state == TrialState.FAIL)
    assert len({t.user_attrs["descend"]["seed"] for t in complete}) == 32
    workers_seen = {t.system_attrs[storage_module.WORKER_KEY] for t in complete}
    assert len(workers_seen) >= 2  # the work was shared
    for t in complete:  # each equals its configuration trained alone (the cohort it was in does not matter)
        runs = descend.fit(task="line", runs=[RunSpec("adam", dict(t.params), 16, t.user_attrs["descend"]["seed"])],
                           steps=40, record_grad_norms=False)
        assert t.value == pytest.approx(runs.summary["final_validation_loss"].iloc[0], rel=1e-5)
    # the study was created once: its baseline and spread enqueued once
    roles = [t.user_attrs.get("descend:role") for t in trials]
    assert roles.count("baseline") == 1 and roles.count("spread") == 3


def test_a_wrong_password_or_database_is_one_line(postgres):
    bad = postgres.rsplit("/", 1)[0] + "/no_such_database"
    with pytest.raises(ValueError, match="cannot use it: .*no_such_database"):
        storage_module.open_storage(bad)


def test_resume_on_postgresql(postgres):
    name = f"resume-{uuid.uuid4().hex[:8]}"
    kw = dict(optimizer="gd", space="lr=1e-3..1:log", steps=30, seeds=0, storage=postgres, study=name,
              dtype=torch.float64)
    assert descend.tune("line", trials=4, cohort=4, **kw).outcomes["gd"].told == 4
    assert descend.tune("line", trials=6, cohort=4, **kw).outcomes["gd"].told == 2


def test_a_study_name_longer_than_the_database_takes_is_refused_before_any_study_is_created(postgres):
    """A 506-character --study with two optimizers: the '-adam' study (511 characters) was created, then the
    '-rmsprop' one (514) failed with a traceback, leaving the first behind."""
    name = f"long-{uuid.uuid4().hex[:8]}-".ljust(506, "q")
    with pytest.raises(ValueError, match=r"^study 'long-.*\(506 characters\): a study's name is at most 512"):
        descend.tune("line", optimizer=["adam", "rmsprop"], trials=2, cohort=2, steps=5, seeds=0, storage=postgres,
                     study=name)
    storage = storage_module.open_storage(postgres)
    assert not [s for s in storage.get_all_studies() if s.study_name.startswith(name[:14])]


def test_a_user_who_may_only_read_is_told_so_in_one_line(postgres, tmp_path):
    """A role with SELECT alone: a new study ended in a 541-line traceback whose last line was Optuna's "invalid
    data in the commit, e.g. exceeding max length" (the database's "permission denied" buried in it)."""
    import sqlalchemy

    role = f"reader_{uuid.uuid4().hex[:8]}"
    storage_module.open_storage(postgres)  # the tables exist
    engine = sqlalchemy.create_engine(postgres.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as connection:
        database = connection.execute(sqlalchemy.text("SELECT current_database()")).scalar()
        for statement in (f"CREATE ROLE {role} LOGIN PASSWORD 'pw'",
                          f'GRANT CONNECT ON DATABASE "{database}" TO {role}',
                          f"GRANT USAGE ON SCHEMA public TO {role}",
                          f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"):
            connection.execute(sqlalchemy.text(statement))
    engine.dispose()
    scheme, rest = postgres.split("://", 1)
    reader = f"{scheme}://{role}:pw@{rest.rsplit('@', 1)[-1]}"
    out = subprocess.run([sys.executable, "-m", "descend", "tune", "line", "-o", "adam", "--trials", "2", "--cohort",
                          "2", "--steps", "5", "--seeds", "0", "--storage", reader, "--study", f"s-{role}", "--out",
                          str(tmp_path / "out"), "--quiet"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stderr
    assert len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith(f"error: --storage {scheme}://{role}:***@") and "pw@" not in out.stderr
    assert "the database refused to write the study (permission denied for table" in out.stderr
