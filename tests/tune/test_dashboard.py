"""descend dashboard: optuna-dashboard serving a study of descend tune in its own process, reached over HTTP and
stopped with no process left; bad input refused in one line naming the flag, before anything starts."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from typer.testing import CliRunner

import descend
from descend.cli import app
from descend.tune import dashboard
from descend.tune.storage import open_storage

pytest.importorskip("optuna_dashboard")  # the test extra installs it

runner = CliRunner()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output directory holding the study.journal of a small search (4 trials of gd on line)."""
    out = tmp_path_factory.mktemp("tune")
    descend.tune("line", optimizer="gd", space="lr=1e-3..1:log", trials=4, cohort=4, steps=20, seeds=0,
                 storage=str(out / "study.journal"))
    return out


def test_the_library_serves_the_study_and_stops(study: Path):
    target = dashboard.target_of(study)
    assert target == str(study / "study.journal")
    assert dashboard.studies(target) == ["line"]
    port = free_port()
    with dashboard.Dashboard(target, port=port).start() as board:
        pid = board.process.pid
        assert board.url == f"http://127.0.0.1:{port}/dashboard"
        # the child's error output is read by a thread that blocks Ctrl-C and SIGTERM, so the kernel hands them to
        # the main thread (one handed to the reader left the command waiting for the child: a hang seen twice)
        status_lines = Path(f"/proc/self/task/{board.reader.native_id}/status").read_text().splitlines()
        blocked = int(next(line for line in status_lines if line.startswith("SigBlk:")).split()[1], 16)
        assert blocked & (1 << (signal.SIGINT - 1)) and blocked & (1 << (signal.SIGTERM - 1))
        assert not signal.pthread_sigmask(signal.SIG_BLOCK, set()) & {signal.SIGINT, signal.SIGTERM}  # main: not
        status, page = get(board.url)
        assert status == 200 and b"Optuna Dashboard" in page
        status, body = get(f"http://127.0.0.1:{port}/api/studies")
        summaries = json.loads(body)["study_summaries"]
        assert [s["study_name"] for s in summaries] == ["line"]
        status, body = get(f"http://127.0.0.1:{port}/api/studies/{summaries[0]['study_id']}")
        assert len(json.loads(body)["trials"]) == 4  # the search's 4 trials
        # a web page whose own name was made to resolve to 127.0.0.1 (DNS rebinding) is refused
        rebound = urllib.request.Request(f"http://127.0.0.1:{port}/api/studies",
                                         headers={"Host": f"evil.example:{port}"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(rebound, timeout=30)
        assert refused.value.code == 400 and b"answers only at localhost" in refused.value.read()
    assert board.process is None and gone(pid)
    with pytest.raises(OSError):  # nothing listens any more
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_another_sites_page_cannot_read_or_delete_studies(study: Path, tmp_path: Path):
    """The dashboard answered any Host and any Origin: a web page that had its own name resolved to 127.0.0.1 (DNS
    rebinding), or sent a cross-site DELETE, could read and delete the studies."""
    import shutil
    from wsgiref.util import setup_testing_defaults

    from optuna_dashboard import wsgi

    journal = tmp_path / "study.journal"
    shutil.copy(study / "study.journal", journal)
    storage = open_storage(str(journal))
    study_id = storage.get_all_studies()[0]._study_id

    def call(application, method: str, path: str, **headers: str) -> tuple[str, bytes]:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "HTTP_HOST": "127.0.0.1:8080"}
        environ.update({"HTTP_" + k.upper(): v for k, v in headers.items()})
        setup_testing_defaults(environ)
        said = []
        body = b"".join(application(environ, lambda status, headers, *_: said.append(status)))
        return said[0], body

    local = dashboard.answering_only_its_pages(wsgi(storage), local_only=True)
    for host in ("evil.example:8080", "127.0.0.1.evil.example", ""):
        status, body = call(local, "GET", "/api/studies", host=host)
        assert status.startswith("400") and b"answers only at localhost" in body, host
    assert call(local, "DELETE", f"/api/studies/{study_id}", host="evil.example:8080")[0].startswith("400")
    for headers in ({"origin": "https://evil.example"}, {"sec_fetch_site": "cross-site"},
                    {"origin": "null"}, {"origin": "http://localhost:8080"}):
        status, body = call(local, "DELETE", f"/api/studies/{study_id}", **headers)
        assert status.startswith("403") and b"answers only its own pages" in body, headers
    assert [s.study_name for s in storage.get_all_studies()] == ["line"]  # not deleted
    # the dashboard's own page, on any loopback name; and served to every machine (--host 0.0.0.0), any Host
    own = {"origin": "http://127.0.0.1:8080", "sec_fetch_site": "same-origin"}
    assert call(local, "GET", "/api/studies", **own)[0].startswith("200")
    assert call(local, "GET", "/api/studies", host="localhost:8080")[0].startswith("200")
    assert call(local, "GET", "/api/studies", host="[::1]:8080")[0].startswith("200")
    served = dashboard.answering_only_its_pages(wsgi(storage), local_only=False)
    assert call(served, "GET", "/api/studies", host="box.lan:8080")[0].startswith("200")
    assert call(served, "GET", "/api/studies", host="box.lan:8080", sec_fetch_site="cross-site")[0].startswith("403")
    assert call(local, "DELETE", f"/api/studies/{study_id}", **own)[0].startswith("204")  # its own page may
    assert storage.get_all_studies() == []


def test_the_command_prints_the_url_and_ctrl_c_stops_it(study: Path):
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # python -m descend dashboard ..., which prints its threads' stacks on SIGUSR1 (should Ctrl-C not stop it)
    main = ("import faulthandler, runpy, signal; faulthandler.register(signal.SIGUSR1, all_threads=True); "
            "runpy.run_module('descend', run_name='__main__', alter_sys=True)")
    command = subprocess.Popen([sys.executable, "-c", main, "dashboard", str(study), "--port", str(port),
                                "--no-browser"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = command.stdout.readline()  # printed once the dashboard listens
        assert line.startswith(f"descend dashboard: http://127.0.0.1:{port}/dashboard"), (line, command.stderr)
        assert "line" in line  # the study it serves
        children = Path(f"/proc/{command.pid}/task/{command.pid}/children").read_text().split()
        assert len(children) == 1
        status, body = get(f"http://127.0.0.1:{port}/api/studies")
        assert [s["study_name"] for s in json.loads(body)["study_summaries"]] == ["line"]
        command.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            assert command.wait(timeout=30) == 0
        except subprocess.TimeoutExpired:  # say where it hangs: its stack (faulthandler on SIGUSR1) and output
            command.send_signal(signal.SIGUSR1)
            time.sleep(1.0)
            command.kill()
            out, err = command.communicate()
            pytest.fail(f"descend dashboard still ran 30 s after Ctrl-C; its child {children} "
                        f"{'ended' if gone(int(children[0])) else 'runs'}\nstdout: {out}\nstderr: {err}")
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
    deadline = time.monotonic() + 10
    while not gone(int(children[0])) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gone(int(children[0]))


def test_a_journal_file_and_a_sqlite_url_are_storages_too(study: Path, tmp_path: Path):
    journal = str(study / "study.journal")
    assert dashboard.target_of(journal) == journal
    import optuna

    url = f"sqlite:///{tmp_path / 'copy.db'}"
    optuna.copy_study(from_study_name="line", from_storage=open_storage(journal), to_storage=url)
    assert dashboard.target_of(url) == url
    assert dashboard.studies(url) == ["line"]


def test_a_search_folder_whose_study_is_elsewhere_opens_the_storage_its_best_json_names(study: Path, tmp_path: Path):
    """``descend tune ... --storage sqlite:///s.db --out OUT`` and then ``descend dashboard OUT``: refused as "a
    directory without study.journal", though OUT's best.json names the study's storage. It opens that storage; a
    server whose password the files hide, or a study that was in memory, is said in one line."""
    import optuna

    out = tmp_path / "out"
    out.mkdir()
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    optuna.copy_study(from_study_name="line", from_storage=open_storage(str(study / "study.journal")), to_storage=url)
    record = {"storage": url, "resume": f"descend tune line --storage {url} --out {out}", "studies": {"adam": "line"}}
    (out / "best.json").write_text(json.dumps(record))
    assert dashboard.target_of(out, "OUT_DIR") == url
    for storage, said in (("postgresql://me:***@db/d", "its search's study is in postgresql://me:***@db/d; give "
                                                        "--storage with that URL and its password"),
                          (":memory:", "its search's study was in memory")):
        (out / "best.json").write_text(json.dumps({**record, "storage": storage}))
        with pytest.raises(ValueError, match=re.escape(said)):
            dashboard.target_of(out, "OUT_DIR")


@pytest.mark.parametrize(("args", "message"), [
    (["--storage", "{tmp}/missing.journal"], "--storage '{tmp}/missing.journal' does not exist"),
    (["{tmp}"], "OUT_DIR '{tmp}' is a directory without study.journal"),
    (["{tmp}/gone"], "OUT_DIR '{tmp}/gone' does not exist; give the output directory of descend tune"),
    (["--storage", "{tmp}/study.txt"], "--storage '{tmp}/study.txt': give a journal file ending in .journal"),
    (["--storage", "redis://host/0"], "--storage redis://host/0: unknown database 'redis'"),
    (["--storage", "sqlite:///{tmp}/none.db"], "the database file '{tmp}/none.db' does not exist"),
    (["--storage", "{tmp}/a.journal", "{tmp}"], "give OUT_DIR ('{tmp}') or --storage URL, not both"),
    ([], "give the output directory of descend tune (OUT_DIR) or --storage URL"),
])
def test_bad_input_is_one_line_naming_the_flag(tmp_path: Path, args: list[str], message: str):
    result = runner.invoke(app, ["dashboard", *[a.format(tmp=tmp_path) for a in args], "--no-browser"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == result.stderr.strip().splitlines()[0]  # one line
    assert message.format(tmp=tmp_path) in result.stderr


def test_a_busy_port_is_refused_before_starting(study: Path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["dashboard", str(study), "--port", str(port), "--no-browser"])
    assert result.exit_code == 2
    assert f"--port {port}: port {port} on 127.0.0.1 is already in use; choose another with --port" in result.stderr


def test_host_0000_is_warned_about(study: Path, monkeypatch: pytest.MonkeyPatch):
    started = []
    monkeypatch.setattr(dashboard.Dashboard, "start", lambda self: started.append(self.url) or self)
    monkeypatch.setattr(dashboard.Dashboard, "wait", lambda self: 0)
    result = runner.invoke(app, ["dashboard", str(study), "--host", "0.0.0.0", "--port", str(free_port()),
                                 "--no-browser"])
    assert result.exit_code == 0, result.output
    assert "warning: --host 0.0.0.0 serves the dashboard to every machine" in result.output
    assert started and started[0].startswith("http://127.0.0.1:")


def test_without_optuna_dashboard_the_command_says_how_to_install_it(study: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(dashboard, "installed", lambda: False)
    result = runner.invoke(app, ["dashboard", str(study), "--no-browser"])
    assert result.exit_code == 2
    assert result.stderr.strip() == ("error: descend dashboard needs optuna-dashboard: pip install optuna-dashboard "
                                     "(or pip install -e '.[dashboard]' in descend's clone)")


def test_a_child_that_cannot_start_is_a_one_line_error():
    board = dashboard.Dashboard("redis://host/0", port=free_port())  # not checked first, as serve() does
    with pytest.raises(ValueError, match=r"^error: --storage redis://host/0: unknown database 'redis'"):
        board.start()
    assert board.process is None
