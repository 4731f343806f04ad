"""Optuna's web dashboard (optuna-dashboard) for the studies of ``descend tune``: ``descend dashboard``.

    descend dashboard reports/tune-digits                  # the study.journal that descend tune wrote there
    descend dashboard --storage sqlite:///study.db --port 8081 --no-browser

The storage is any that ``descend tune --storage`` takes (a journal file, ``sqlite:///...``,
``postgresql://...``), or an output directory of ``descend tune`` (its ``study.journal``); it is opened and
its studies listed before the dashboard starts, so that a wrong path or URL is a one-line error naming the
flag. The dashboard runs as its own child process (:class:`Dashboard`: optuna-dashboard's WSGI application on
Python's threading WSGI server, listening on ``host:port``; it cannot be mounted under a prefix of another
server), opened with descend's own :func:`descend.tune.storage.open_storage` (a journal file with the lock
descend tune uses), and stopped with it (Ctrl-C, or :meth:`Dashboard.stop`). It answers no request sent by another
site's page, and on a loopback address only requests addressed to ``localhost`` or a loopback address
(:func:`answering_only_its_pages`): the dashboard can delete studies.

optuna-dashboard is an optional dependency: ``pip install -e '.[dashboard]'`` in descend's clone, or
``pip install optuna-dashboard``.
"""

from __future__ import annotations

import collections
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .._hosts import is_loopback, refusal

#: The file ``descend tune --out DIR`` keeps its studies in (its default storage).
JOURNAL = "study.journal"

MISSING = ("descend dashboard needs optuna-dashboard: pip install optuna-dashboard (or pip install -e '.[dashboard]' "
           "in descend's clone)")

#: Seconds the child process may take to listen (it imports optuna, optuna-dashboard and descend's storage).
START_TIMEOUT = 120.0


def installed() -> bool:
    """Whether optuna-dashboard can be imported (without importing it)."""
    import importlib.util

    return importlib.util.find_spec("optuna_dashboard") is not None


def target_of(storage: str | os.PathLike[str], what: str = "--storage") -> str:
    """The storage a dashboard opens: ``storage`` as :func:`descend.tune.storage.check` takes it, or, for an
    output directory of ``descend tune``, its ``study.journal``. A journal or SQLite file must exist (a
    dashboard shows a study, it does not create one)."""
    from .storage import check, is_url

    text = str(storage).strip()
    if not text:
        raise ValueError(f"{what} is empty; give a descend tune output directory, a journal file "
                         "(study.journal), sqlite:///study.db or postgresql://user:password@host:port/database")
    if not is_url(text) and Path(text).is_dir():
        journal = Path(text) / JOURNAL
        if journal.is_file():
            return str(journal)
        recorded = _recorded_storage(Path(text))  # a search whose --storage was elsewhere: its best.json names it
        if recorded is None or not is_url(recorded) and Path(recorded).is_dir():  # (a storage is never a folder)
            raise ValueError(f"{what} {text!r} is a directory without {JOURNAL}: give the output directory of "
                             "descend tune, or the storage its --storage named")
        if "***" in recorded:  # a server's URL, its password hidden in the files: only the user has it
            raise ValueError(f"{what} {text!r}: its search's study is in {recorded}; give --storage with that URL "
                             "and its password")
        if recorded == ":memory:":
            raise ValueError(f"{what} {text!r}: its search's study was in memory, gone with the search that ran it")
        return target_of(recorded, what)
    if what == "OUT_DIR" and not is_url(text) and not Path(text).exists():
        raise ValueError(f"{what} {text!r} does not exist; give the output directory of descend tune (its --out), "
                         "or --storage URL")
    target = check(text, what)
    if not is_url(target) and not Path(target).is_file():
        raise ValueError(f"{what} {target!r} does not exist; give the journal file descend tune wrote (its "
                         f"--out directory holds {JOURNAL})")
    if target.lower().startswith("sqlite:///"):
        path = target[len("sqlite:///"):]
        if path and path != ":memory:" and not Path(path).is_file():
            raise ValueError(f"{what} {target}: the database file {path!r} does not exist")
    return target


def _recorded_storage(directory: Path) -> str | None:
    """The storage a search folder's best.json names (moved with the folder where it was under it), or None."""
    import json

    from .result import RECORD, where_now

    try:
        storage = where_now(directory, json.loads((directory / RECORD).read_text(encoding="utf-8")))[1]
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    return storage if isinstance(storage, str) and storage else None


def studies(target: str, what: str = "--storage") -> list[str]:
    """The names of the studies that the storage ``target`` holds (it is opened, so a storage that cannot be
    read is a one-line ``ValueError`` naming ``what``)."""
    from .storage import mask, open_storage

    storage = open_storage(target, what=what)
    try:
        return [s.study_name for s in storage.get_all_studies()]
    except Exception as e:  # a database of something else, a journal file that is not one
        raise ValueError(f"{what} {mask(target)}: cannot read its studies: {str(e).splitlines()[0][:200]}"
                         ) from None


def check_port(host: str, port: int) -> None:
    """Raise a ``ValueError`` (one line, naming the flag that picks another) when ``host:port`` cannot be
    bound."""
    if not 0 < port < 65536:
        raise ValueError(f"--port {port}: give a port between 1 and 65535, e.g. 8080")
    if not isinstance(host, str) or not host.strip():  # an unset $HOST in a script: it listened on every address
        raise ValueError(f"--host {host!r}: give the address to listen on, such as 127.0.0.1 (this machine alone) or "
                         "0.0.0.0 (every machine that can reach it)")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server binds
        try:
            probe.bind((host, port))
        except socket.gaierror:
            raise ValueError(f"--host {host!r} is not an address of this machine; e.g. 127.0.0.1") from None
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise ValueError(f"--port {port}: port {port} on {host} is already in use; choose another with "
                                 f"--port {port + 1 if port < 65535 else 8081}") from None
            if e.errno in (errno.EACCES, errno.EPERM):
                raise ValueError(f"--port {port} needs privileges on this machine; choose one above 1023, "
                                 "e.g. --port 8080") from None
            raise ValueError(f"--host {host!r}: cannot listen on {host}:{port} ({e.strerror})") from None


def url_of(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else
                                                          f"[{host}]" if ":" in host else host)
    return f"http://{shown}:{port}/dashboard"


class Dashboard:
    """optuna-dashboard serving ``target`` on ``host:port`` in a child process, started by :meth:`start`.

    ``url`` is its address; :meth:`stop` ends the child (and waits for it); used as a context manager it is
    stopped on leaving. :meth:`start` returns once the child listens, or raises a one-line ``ValueError``
    with the child's own error when it ends before."""

    def __init__(self, target: str, host: str = "127.0.0.1", port: int = 8080) -> None:
        self.target, self.host, self.port = target, host, port
        self.url = url_of(host, port)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = START_TIMEOUT) -> Dashboard:
        command = [sys.executable, "-m", "descend.tune.dashboard", self.target, self.host, str(self.port)]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)
        # its error output read all along (a full pipe would block it), the last lines kept for an error
        self.errors: collections.deque[str] = collections.deque(maxlen=20)
        self.reader = reader = threading.Thread(target=_drain, args=(self.process.stderr, self.errors), daemon=True)
        # Started with Ctrl-C and SIGTERM blocked (a thread inherits its creator's mask), so that the kernel hands
        # them to the main thread: one that landed in the reader instead would leave the main thread blocked in
        # waiting for the child (wait()), since Python runs signal handlers in the main thread only.
        if hasattr(signal, "pthread_sigmask"):  # POSIX; elsewhere signals are not delivered to threads this way
            blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
            try:
                reader.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        else:
            reader.start()
        deadline = time.monotonic() + timeout
        probe = "127.0.0.1" if self.host in ("0.0.0.0", "") else ("::1" if self.host == "::" else self.host)
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise ValueError(self.error() or "optuna-dashboard ended before it listened")
            try:
                with socket.create_connection((probe, self.port), timeout=0.5):
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ValueError(f"optuna-dashboard did not listen on {self.host}:{self.port} within "
                                 f"{timeout:.0f} s")
            time.sleep(0.1)

    def error(self) -> str:
        """The last line the child wrote to its error output ("" when none)."""
        time.sleep(0.1)  # the reader thread's last lines
        return next((line for line in reversed(self.errors) if line.strip()), "").strip()

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait(self) -> int:
        """Block until the child ends (its exit code)."""
        return self.process.wait() if self.process is not None else 0

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def __enter__(self) -> Dashboard:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def serve(storage: str | os.PathLike[str], *, host: str = "127.0.0.1", port: int = 8080, open_browser: bool = True,
          what: str = "--storage", echo: Any = print) -> None:
    """Serve optuna-dashboard for ``storage`` (see :func:`target_of`) on ``host:port`` until Ctrl-C: check that
    it is installed, that the storage opens and the port is free (each a ``ValueError`` before anything
    starts), print the URL (and open a browser when ``open_browser``), and stop the child on Ctrl-C."""
    if not installed():
        raise ValueError(MISSING)
    target = target_of(storage, what)
    names = studies(target, what)
    check_port(host, port)
    if not is_loopback(host):
        echo(f"warning: --host {host} serves the dashboard to every machine that can reach this one; it has no "
             "login and can delete studies")
    if not names:
        echo(f"note: {what} {_shown(target)} holds no study yet; the dashboard shows them as descend tune adds them")
    dashboard = Dashboard(target, host, port)
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None  # a kill stops the child as Ctrl-C does
    try:
        dashboard.start()
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        echo(f"descend dashboard: {dashboard.url}  ({shown or 'no study'}; Ctrl-C to stop)")
        if open_browser:
            import webbrowser

            webbrowser.open(dashboard.url)
        code = dashboard.wait()
        if code:
            raise ValueError(f"optuna-dashboard ended with exit code {code}: {dashboard.error() or 'no message'}")
    except KeyboardInterrupt:
        pass
    finally:
        dashboard.stop()
        if main:
            signal.signal(signal.SIGTERM, previous)


def _drain(stream: Any, lines: collections.deque[str]) -> None:
    for line in stream:
        lines.append(line.decode(errors="replace"))


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def _shown(target: str) -> str:
    from .storage import mask

    return mask(target)


def answering_only_its_pages(app: Any, *, local_only: bool) -> Any:
    """``app`` (a WSGI application) answering no request sent by another site's page (HTTP 403), and when
    ``local_only`` only requests addressed to ``localhost`` or a loopback address (HTTP 400 for another name, a
    page whose own name was made to resolve to 127.0.0.1: "DNS rebinding"), by :func:`descend._hosts.refusal`:
    the dashboard can delete studies."""

    def guarded(environ: dict[str, Any], start_response: Any) -> Any:
        def header(name: str) -> str | None:
            return environ.get("HTTP_" + name.upper().replace("-", "_"))

        refused = refusal(header, loopback_only=local_only, server="this dashboard",
                          scheme=environ.get("wsgi.url_scheme", "http"), path=environ.get("PATH_INFO", "/"))
        if refused is None:
            return app(environ, start_response)
        status, message = refused
        body = (message + "\n").encode()
        start_response(f"{status} {'Bad Request' if status == 400 else 'Forbidden'}",
                       [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
        return [body]

    return guarded


def _child(target: str, host: str, port: int) -> None:
    """The child process: optuna-dashboard's application on a threading WSGI server, until terminated."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    from optuna_dashboard import wsgi

    from .storage import open_storage

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    parent = os.getppid()

    def orphaned() -> None:  # the parent killed without stopping this process: end with it
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()
    try:
        app = answering_only_its_pages(wsgi(open_storage(target)), local_only=is_loopback(host))
        httpd = make_server(host, port, app, server_class=Server, handler_class=Quiet)
    except (ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group; the parent stops this process
        pass
    finally:
        httpd.server_close()


if __name__ == "__main__":  # python -m descend.tune.dashboard TARGET HOST PORT (started by Dashboard.start)
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
