"""Where a study lives: a journal file in the output directory by default, any SQLAlchemy URL otherwise
(PostgreSQL for several worker processes on one machine or many), and the heartbeat of running trials.

- **Default**: ``OUT/study.journal``, Optuna's journal file storage: no set-up, several processes on one
  machine may share it, and it is the cheapest per trial (asking and telling 256 trials costs about 1-4 s on a
  journal file, 25-65 s on SQLite). A path ending in ``.journal`` or ``.log`` is a journal file too. Optuna
  writes each operation under the file's lock and then forces it to the disk (``fsync``), eight or more times
  per trial; descend's journal (:class:`CohortJournal`) writes the same lines under the same lock and forces
  them to the disk once per cohort (:func:`sync`: after asking its trials, after telling them). A killed
  process loses nothing it wrote (the operating system holds it); a crash of the machine loses at most the
  operations since the last sync, and Optuna's reader skips a last line cut short, which descend's next write
  removes (written after it, the next line would join it into one that no reader can parse).
- ``sqlite:///study.db``: Optuna's RDB storage on SQLite (one machine, few processes).
- ``postgresql://user:password@host:port/db`` (or ``postgresql+psycopg://...``): the distributed
  engine; every worker runs the same command with the same ``--storage`` and ``--study``.

**Faults.** A worker killed with ``kill -9`` leaves its cohort's trials RUNNING. A :class:`Heartbeat`
thread beats for the running trials of this process every few seconds (Optuna's own heartbeat only runs
inside ``study.optimize``); before each cohort, :func:`fail_stale` fails the trials whose heartbeat is older
than the grace period (or whose process, on this machine, is gone) and re-creates each as a WAITING
trial with the same parameters, which the next ``ask()`` takes: the retry trains with the same seed. On
every storage the beat is a system attribute of the trial, stamped by the worker's clock (Optuna's own heartbeat
table knows nothing of a trial asked outside ``study.optimize``, so such a trial would never be found stale):
workers on several machines need clocks that agree to well within the grace period, as NTP keeps them. A worker of
this machine that still runs (suspended with Ctrl-Z, say) is never taken for dead; should another machine's worker
fail its trials meanwhile, it leaves them to their retries when it resumes.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import socket
import threading
import time
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from .._quiet import ignoring

#: Seconds between two beats, and how old a beat may be before its trial counts as stale.
HEARTBEAT_INTERVAL = 10
GRACE_PERIOD = 60
#: How many times a trial whose worker died is retried with the same parameters.
MAX_RETRY = 2

#: The longest study name a storage takes: a database's (Optuna's column of study names holds 512 characters,
#: optuna.storages._rdb.models.MAX_INDEXED_STRING_LENGTH), and so every storage's, so that a study can be copied
#: into a database.
MAX_STUDY_NAME = 512

BEAT_KEY = "descend:heartbeat"
WORKER_KEY = "descend:worker"
#: The user attribute holding what the runner recorded of a trial's run (its status, seed, steps, ...); a retry
#: starts without it: it has not run.
INFO = "descend"
#: The system attribute of a trial another worker failed, its own having stopped (:func:`fail_stale`): why
#: (:data:`STALE`). Set before the trial is failed: one that finished meanwhile keeps its own status.
FAILED_KEY = "descend:failed"
#: Why :func:`fail_stale` failed a trial: its worker stopped (killed, or silent longer than the grace period).
STALE = "stale"


def mask(url: str) -> str:
    """A storage URL with its password hidden, in the user part or the query string (libpq takes both): every
    query parameter whose name ends in ``password``, ``passwd`` or ``pwd`` (libpq's ``sslpassword``, the client
    key's, too).

    >>> mask("postgresql://me:pw@db/d"), mask("postgresql://:pw@db/d")
    ('postgresql://me:***@db/d', 'postgresql://:***@db/d')
    >>> mask("postgresql://me@db:5432/d?sslmode=require&password=pw"), mask("postgresql://db:5432/d")
    ('postgresql://me@db:5432/d?sslmode=require&password=***', 'postgresql://db:5432/d')
    >>> mask("postgresql://me@db/d?sslkey=k.pem&sslpassword=kpw&SSL_Password=x")
    'postgresql://me@db/d?sslkey=k.pem&sslpassword=***&SSL_Password=***'

    A command line holding the URL keeps the rest of its words (a value ends at a space or a quote):

    >>> mask("descend tune digits --storage 'postgresql://me@db/d?password=pw' --study s --out /x@y")
    "descend tune digits --storage 'postgresql://me@db/d?password=***' --study s --out /x@y"
    >>> mask("descend tune t --storage postgresql://db:5432/d --study me@home")
    'descend tune t --storage postgresql://db:5432/d --study me@home'
    >>> mask("postgresql://me:p@ss/w@db/d")  # not a URL libpq reads (see check), but no part of it shown
    'postgresql://me:***@db/d'
    >>> mask("postgresql://me:pw@db:5432/d?application_name=me@laptop")
    'postgresql://me:***@db:5432/d?application_name=me@laptop'
    >>> mask("postgresql://db:5432/d?user=bob&password=secret@part2")
    'postgresql://db:5432/d?user=bob&password=***'
    """
    # to the last @ before the query (p@ss not half shown; an @ in the query's values is not the user's part's)
    text = re.sub(r"(://[^:/@\s'\"?]*:)[^\s'\"?]*@", r"\1***@", str(url))
    return re.sub(r"([?&][\w.-]*(?:password|passwd|pwd)=)[^&#\s'\"]*", r"\1***", text, flags=re.IGNORECASE)


def shown(target: str) -> str:
    """A study's storage as a search's files record it (``best.json``'s ``storage``, the folder's marker): a URL
    with its password hidden (:func:`mask`), a journal file's absolute path (the same file from any folder), or
    ``:memory:``."""
    if target == ":memory:":
        return target
    return mask(target) if is_url(target) else os.path.abspath(target)


def is_url(text: str) -> bool:
    return bool(re.match(r"^[A-Za-z][\w+.-]*://", str(text)))


def absolute(where: str | None) -> str | None:
    """A file's path, a journal's or an SQLite database's (``sqlite:///study.db``) made absolute, so that the
    command that resumes a search runs from any folder (a relative one started a new study where it ran); a
    server's URL, or nothing, as it is.

    >>> absolute("td/study.journal") == str(Path.cwd() / "td" / "study.journal")
    True
    >>> absolute("sqlite:///s.db") == f"sqlite:///{Path.cwd() / 's.db'}", absolute("postgresql://me@db/d")
    (True, 'postgresql://me@db/d')
    """
    if where is None or where == ":memory:":
        return where
    text = str(where)
    if text.lower().startswith("sqlite:///"):
        path = text[len("sqlite:///"):]
        kept = not path or path.startswith(("/", "file:")) or path == ":memory:"
        return text if kept else "sqlite:///" + str(Path(path).resolve())
    if is_url(text):
        return text
    return str(Path(text).resolve())


def is_journal(target: str) -> bool:
    return not is_url(target) and str(target).endswith((".journal", ".log"))


def check(target: str, what: str = "--storage") -> str:
    """Refuse a storage that cannot be what it says, before anything is trained or written: an unknown
    URL scheme, a database driver that is not installed. Returns the target."""
    target = str(target).strip()
    if not target:
        raise ValueError(f"{what} is empty; give a journal file (study.journal), sqlite:///study.db or "
                         "postgresql://user:password@host:port/database")
    if is_url(target):
        scheme = target.split("://", 1)[0].lower()
        authority, _, query = target.split("://", 1)[1].partition("?")
        in_query = re.search(r"(?:^|&)[\w.-]*(?:password|passwd|pwd)=[^&#]*@", query, flags=re.IGNORECASE)
        if (authority.count("@") > 1 or in_query) and not scheme.startswith("sqlite"):  # a password holding @: the
            # host was read from inside it, and the database's error showed the password's end
            raise ValueError(f"{what} {mask(target)}: the user or password holds '@' (or '/', ':'), which a URL "
                             "takes percent-encoded: write @ as %40, / as %2F, : as %3A and % as %25 "
                             "(python -c \"import urllib.parse; print(urllib.parse.quote('PASSWORD', safe=''))\")")
        if scheme.startswith(("postgresql", "postgres")):
            try:
                import psycopg  # noqa: F401
            except ImportError:
                raise ValueError(f"{what} {mask(target)}: PostgreSQL needs psycopg; pip install 'psycopg[binary]'"
                                 ) from None
        elif scheme.startswith("sqlite") and target.split("://", 1)[1][:1] not in ("", "/"):  # sqlite:// is memory
            rest = target.split("://", 1)[1]
            raise ValueError(f"{what} {target!r}: a SQLite file is sqlite:///{rest} (three slashes, "
                             f"four for an absolute path: sqlite:////home/me/study.db); with two the study would live "
                             "in memory and be gone with the command")
        elif not scheme.startswith(("sqlite", "mysql", "mariadb", "oracle", "mssql")):
            raise ValueError(f"{what} {mask(target)}: unknown database {scheme!r}; give a journal file "
                             "(study.journal), sqlite:///study.db or postgresql://user:password@host:port/database")
        else:
            _check_driver(target, scheme, what)
    elif not is_journal(target):
        raise ValueError(f"{what} {target!r}: give a journal file ending in .journal, or a database URL such as "
                         "sqlite:///study.db or postgresql://user:password@host:port/database")
    return target


def _check_driver(target: str, scheme: str, what: str) -> None:
    """Refuse a database URL whose SQLAlchemy driver is not installed (``mysql://`` needs ``MySQLdb``,
    ``mysql+pymysql://`` ``pymysql``) or does not exist, naming the module, before anything is written."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(target).get_dialect().import_dbapi()
    except ImportError as e:
        raise ValueError(f"{what} {mask(target)}: the database driver for {scheme!r} is not installed (Python module "
                         f"{e.name or e}); install it, or give a journal file (study.journal), sqlite:///study.db or "
                         "postgresql://user:password@host:port/database") from None
    except (ArgumentError, NoSuchModuleError) as e:
        raise ValueError(f"{what} {mask(target)}: SQLAlchemy knows no such database driver ({_reason(e)})") from None


_JOURNALS: "weakref.WeakKeyDictionary[Any, Any]" = weakref.WeakKeyDictionary()


def _journal(path: Path) -> Any:
    """Optuna's journal storage on ``path`` through :class:`CohortJournal` (an open lock: it works on every
    file system, the symlink lock needs symlinks)."""
    import optuna
    from optuna.storages.journal import JournalFileBackend, JournalFileOpenLock

    class CohortJournal(JournalFileBackend):
        """Optuna's journal file, each operation written as Optuna writes it (one line, under the file's lock),
        forced to the disk by :meth:`sync` rather than after every operation."""

        def __init__(self, file: str) -> None:
            self._own_lock = JournalFileOpenLock(file)
            super().__init__(file, lock_obj=self._own_lock)
            self._own_path = file

        def append_logs(self, logs: list[dict[str, Any]]) -> None:
            text = "\n".join(json.dumps(log, separators=(",", ":")) for log in logs) + "\n"
            self._own_lock.acquire()
            try:
                with open(self._own_path, "r+b") as f:  # closing it hands the bytes to the operating system
                    _cut_unfinished_line(f)
                    f.write(text.encode("utf-8"))
            finally:
                self._own_lock.release()

        def sync(self) -> None:
            fd = os.open(self._own_path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    backend = CohortJournal(str(path))
    storage = optuna.storages.JournalStorage(backend)
    _JOURNALS[storage] = backend
    return storage


#: How every operation of Optuna's journal begins (descend writes it without spaces, Optuna with).
_OPERATION = re.compile(rb'\s*\{\s*"op_code"\s*:')


def _check_journal(path: Path, target: str, what: str) -> None:
    """Refuse a file that is not a study journal, before anything is appended to it: another file named by mistake
    (its first line, even cut short, is not one of Optuna's operations), or a journal with a line no reader can
    parse (Optuna's reader fails on it, after its own first write). An empty file, or one not there yet, is a new
    journal; a last line without its newline is an operation cut short by a crash, which the readers skip."""
    if not path.is_file():
        return
    with open(path, "rb") as f:
        for number, line in enumerate(f, start=1):
            if not line.endswith(b"\n"):  # the last line, cut short: it must at least begin as an operation
                whole = number > 1 or _OPERATION.match(line) is not None
                operation = {"op_code": None} if whole else None
            else:
                try:
                    operation = json.loads(line)
                except ValueError:
                    operation = None
            if isinstance(operation, dict) and "op_code" in operation:
                continue
            if number == 1:
                raise ValueError(f"{what} {target!r} is not a study journal (its first line is not an operation of "
                                 "Optuna's journal); name a journal file of descend tune or Optuna, or a new file")
            raise ValueError(f"{what} {target!r}: line {number} of the journal is not an operation of Optuna's "
                             "journal (the file was changed or damaged), so its studies cannot be read; restore "
                             "it from a copy, or name a new file")


def _cut_unfinished_line(f: Any) -> None:
    """Leave ``f`` (a journal open for reading and writing, under its lock) at its end, less a last line cut short.

    Every writer ends each operation's line with a newline under the lock, so a last line without one was cut
    short by a crash or a full disk; Optuna's reader skips it, but a line appended after it would join it into
    one line that no reader can parse, and the study could no longer be read."""
    end = f.seek(0, os.SEEK_END)
    if end == 0:
        return
    f.seek(end - 1)
    if f.read(1) == b"\n":
        return
    at = end
    while at > 0:  # the last newline, read backwards in blocks
        start = max(0, at - 65536)
        f.seek(start)
        block = f.read(at - start)
        cut = block.rfind(b"\n")
        if cut >= 0:
            at = start + cut + 1
            break
        at = start
    f.truncate(at)
    f.seek(at)


def sync(storage: Any) -> None:
    """Force what ``storage`` wrote to the disk, for descend's journal (:func:`_journal`); other storages commit
    each operation themselves."""
    backend = _JOURNALS.get(storage)
    if backend is not None:
        backend.sync()


def _url(target: str) -> str:
    """SQLAlchemy 2 maps ``postgresql://`` to psycopg2; descend installs psycopg 3, so ask for it."""
    for prefix in ("postgresql://", "postgres://"):
        if target.startswith(prefix):
            return "postgresql+psycopg://" + target[len(prefix):]
    return target


def storage_file(target: str) -> str | None:
    """The file a storage keeps its study in: a journal's path, a SQLite database's; None for a server's."""
    if not is_url(target):
        return target if target != ":memory:" else None
    database = _sqlite_database(target)
    return database if database not in (None, "", ":memory:") else None


def _sqlite_database(url: str) -> str | None:
    """The database a SQLite URL names (``""`` or ``":memory:"`` for SQLite's in-memory one), or None for
    another URL or a malformed one (SQLAlchemy's own error is raised where the storage is opened)."""
    if not url.lower().startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).database or ""
    except Exception:  # noqa: BLE001
        return None


def in_memory(url: str) -> bool:
    """Whether ``url`` is SQLite's in-memory database (``sqlite://``, ``sqlite:///:memory:``): a study there is
    gone with the process, as descend's own in-memory storage."""
    return _sqlite_database(url) in ("", ":memory:")


def _sqlite_folder(url: str, what: str) -> None:
    """A SQLite file's folder, created when missing, as a journal file's is (SQLite itself refuses it with
    "unable to open database file")."""
    database = _sqlite_database(url)
    if database and database != ":memory:" and not database.startswith("file:"):
        folder = Path(database).expanduser().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ValueError(f"{what} {mask(url)}: the folder {str(folder)!r} cannot be created: "
                             f"{e.strerror or e}") from None


#: Tables of Optuna's RDB storage, one of which a database that holds its studies has.
_OPTUNA_TABLES = {"studies", "version_info", "alembic_version"}


def _check_sqlite(url: str, what: str) -> None:
    """Refuse a SQLite file that holds another application's tables and none of Optuna's (named by mistake: Optuna
    would add its thirteen tables to it), before anything is written to it, as a file that is not a journal is."""
    import sqlite3

    database = _sqlite_database(url)
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if not path.is_file() or path.stat().st_size == 0:
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error:
        return  # not a SQLite file, or locked: the storage says so when it opens it
    if tables and not tables & _OPTUNA_TABLES:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        raise ValueError(f"{what} {mask(url)}: the database holds other tables ({shown}) and no study of Optuna's; "
                         "name a database of descend tune or Optuna, or a new file")


def open_storage(target: str, *, what: str = "--storage", heartbeat_interval: int = HEARTBEAT_INTERVAL,
                 grace_period: int = GRACE_PERIOD) -> Any:
    """The Optuna storage at ``target`` (checked with :func:`check`), connected: an unreachable server or
    a wrong password is a one-line ``ValueError`` naming ``what``."""
    import optuna

    target = check(target, what)
    if not is_url(target):
        path = Path(target)
        blocking = next((a for a in path.parents if a.exists() and not a.is_dir()), None)
        if blocking is not None:
            raise ValueError(f"{what} {target!r} cannot be opened: {str(blocking)!r} is a file, not a directory")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _check_journal(path, target, what)
            return _journal(path)
        except OSError as e:
            raise ValueError(f"{what} {target!r} cannot be opened: {e.strerror or e}") from None
    url = _url(target)
    _sqlite_folder(url, what)
    _check_sqlite(url, what)
    engine_kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        engine_kwargs["connect_args"] = {"connect_timeout": 10}
    last: Exception | None = None
    for attempt in range(5):  # several workers starting at once may race on creating the tables
        try:
            with ignoring(category=optuna.exceptions.ExperimentalWarning):
                return optuna.storages.RDBStorage(url, engine_kwargs=engine_kwargs,
                                                  heartbeat_interval=heartbeat_interval, grace_period=grace_period)
        except Exception as e:  # sqlalchemy's OperationalError, ArgumentError, ...
            last = e
            text = _reason(e)
            if any(w in text.lower() for w in ("already exists", "duplicate", "unique")) and attempt < 4:
                time.sleep(0.2 * (attempt + 1))
                continue
            raise ValueError(f"{what} {mask(target)}: cannot use it: {text}") from None
    raise ValueError(f"{what} {mask(target)}: cannot use it: {_reason(last)}")


#: SQLAlchemy's errors of a database that stopped answering (a server stopped or restarted, a dropped connection);
#: its others (ProgrammingError, InternalError, ...) are a database that answered and refused (a role that may not
#: write, a database made read-only).
UNREACHABLE = ("OperationalError", "InterfaceError", "DisconnectionError")


def database_failure(error: BaseException) -> tuple[str, bool] | None:
    """The database's own words when ``error`` (or what caused it) is a database that failed (Optuna's
    StorageInternalError around SQLAlchemy's), and whether it stopped answering (else it refused); else None."""
    import optuna

    seen: BaseException | None = error
    while seen is not None:
        if type(seen).__module__.startswith("sqlalchemy") and hasattr(seen, "orig"):
            reason = _reason(seen)
            # a server shutting down or gone answers with an OperationalError; a read-only database refuses with one
            # too ("cannot execute ... in a read-only transaction")
            refused = "read-only" in reason or "permission denied" in reason
            return reason, type(seen).__name__ in UNREACHABLE and not refused
        if type(seen).__module__.startswith("sqlalchemy") and type(seen).__name__ in UNREACHABLE:
            return _reason(seen), True
        seen = seen.__cause__ or seen.__context__
    if isinstance(error, optuna.exceptions.StorageInternalError):
        return (str(error).splitlines()[0][:300] if str(error) else type(error).__name__), True
    return None


def _reason(e: BaseException | None) -> str:
    """The first line of a database error, without SQLAlchemy's background link."""
    if e is None:
        return "unknown error"
    # SQLAlchemy's error holds the driver's as orig; Optuna's StorageInternalError raises from it (__cause__), and
    # its own text ("... exceeding max length") hid the database's ("permission denied for table studies")
    cause = getattr(e, "orig", None) or getattr(e.__cause__, "orig", None) or e.__cause__ or e
    text = str(cause).strip()
    line = next((part.strip() for part in text.splitlines() if part.strip()), type(e).__name__)
    return re.sub(r"\s*\(Background on this error at:.*\)$", "", line)[:300]


def _is_rdb(storage: Any) -> bool:
    import optuna

    return isinstance(storage, optuna.storages.RDBStorage)


def _sqlite_file(storage: Any) -> str | None:
    """The database file of a study on SQLite (Optuna's cache around its RDB storage looked through), else None
    (a journal file, PostgreSQL, SQLite in memory)."""
    storage = getattr(storage, "_backend", storage)
    url = str(getattr(storage, "url", "") or "")
    if not _is_rdb(storage) or not url.lower().startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return database if database and database != ":memory:" else None


def takes_turns(storage: Any) -> bool:
    """Whether :func:`taking_trials` holds a lock for ``storage`` (a study on an SQLite file)."""
    return _sqlite_file(storage) is not None


@contextlib.contextmanager
def taking_trials(storage: Any) -> Iterator[None]:
    """Hold, against the other processes of this machine, the right to take queued trials from ``storage`` and
    to re-queue stale ones: the cohort's asks, :func:`fail_stale`.

    Optuna's RDB storage hands a WAITING trial (the first cohort's spread, a baseline, a retry) to one worker
    alone by locking its row (``SELECT ... FOR UPDATE``), which SQLite ignores: two workers on one SQLite file
    both took a queued trial, trained it, and the second to tell it stopped with a traceback
    (``UpdateFinishedTrialError``). On SQLite the asks of a cohort are therefore taken under an exclusive lock
    of the file ``DATABASE.lock`` beside the database (``fcntl.flock``; the file stays, empty), and the cohort
    counts the budget left under it (no trial asked beyond the budget, told FAIL). A journal file (its own lock)
    and PostgreSQL (the row lock) need none."""
    database = _sqlite_file(storage)
    if database is None:
        yield
        return
    import fcntl

    with open(database + ".lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# -- heartbeat --------------------------------------------------------------------------------------------------


def worker_id() -> str:
    """This process as ``host:pid:start`` (the start time tells a reused pid apart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid())}"


def _started(pid: int) -> str:
    return _stat(pid)[1]


def _stat(pid: int) -> tuple[str, str]:
    """A process's state (``Z``: a zombie, dead but not yet reaped by its parent) and its start time, from
    ``/proc``; ``("?", "?")`` where it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], fields[19]
    except (OSError, IndexError):
        return "?", "?"


def _dead_here(worker: Any) -> bool | None:
    """Whether ``worker`` (a :func:`worker_id`) names a process of this machine that no longer runs (ended, or a
    zombie its parent has not reaped): True, False when it still runs (stopped or suspended too: it goes on when
    resumed), None when that cannot be told (another machine's, or a process this user may not signal)."""
    if not isinstance(worker, str) or worker.count(":") < 2:
        return None
    host, pid_text, start = worker.rsplit(":", 2)
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return None
    if start == "?":
        return None
    state, started = _stat(pid)
    if started == "?":
        return None
    # a zombie (killed, its parent not waiting for it yet: a multiprocessing.Process of one's own) runs no more; as
    # running it was waited for forever, by a parent that joins this worker first too
    return started != start or state in ("Z", "X")


class Heartbeat:
    """A thread that beats for the running trials of this process every ``interval`` seconds.

    ``add(trials)`` before training a cohort, ``remove(trials)`` after telling them; ``close()`` at the end.
    """

    def __init__(self, storage: Any, interval: float = HEARTBEAT_INTERVAL) -> None:
        self.storage, self.interval = storage, float(interval)
        self._ids: set[int] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors = 0

    def add(self, trial_ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.update(trial_ids)
        self.beat()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="descend-heartbeat", daemon=True)
            self._thread.start()

    def remove(self, trial_ids: Iterable[int]) -> None:
        with self._lock:
            self._ids.difference_update(trial_ids)

    def beat(self) -> None:
        with self._lock:
            ids = sorted(self._ids)
        now = time.time()
        for trial_id in ids:
            try:
                self.storage.set_trial_system_attr(trial_id, BEAT_KEY, now)
            except Exception:  # a finished trial, a dropped connection: the next beat tries again
                self.errors += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.beat()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


def fail_stale(study: Any, *, grace_period: float = GRACE_PERIOD, max_retry: int = MAX_RETRY) -> list[int]:
    """Fail the RUNNING trials of ``study`` whose worker is gone, and re-create each as a WAITING trial with
    the same parameters (at most ``max_retry`` times per original trial). Returns the numbers failed here.

    A trial is stale at once when its worker was a process of this machine that no longer runs, never while that
    process runs, and otherwise when its heartbeat is older than ``grace_period`` seconds.
    Two workers doing this at the same time fail each trial once: the storage refuses the second update.
    """
    import optuna
    from optuna.trial import TrialState

    storage = study._storage
    running = study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))
    if not running:
        return []
    stale: set[int] = set()
    now = time.time()
    for trial in running:
        beat = trial.system_attrs.get(BEAT_KEY)
        dead = _dead_here(trial.system_attrs.get(WORKER_KEY))
        if dead:
            stale.add(trial._trial_id)
        elif dead is None:  # another machine's (or unknown): by the age of its last beat
            started = trial.datetime_start.timestamp() if trial.datetime_start is not None else now
            last = float(beat) if isinstance(beat, (int, float)) else started
            if now - last > grace_period:
                stale.add(trial._trial_id)
    failed = []
    for trial_id in sorted(stale):
        try:
            storage.set_trial_system_attr(trial_id, FAILED_KEY, STALE)  # what trials.csv says of it
            if not storage.set_trial_state_values(trial_id, state=TrialState.FAIL):
                continue
        except (optuna.exceptions.UpdateFinishedTrialError, KeyError):
            continue  # another worker failed it first (or it finished meanwhile)
        frozen = copy.deepcopy(storage.get_trial(trial_id))
        retry(study, frozen, max_retry=max_retry, reason="stale")
        failed.append(frozen.number)
    return failed


def told_by(study: Any, trial: Any, worker: str) -> bool:
    """Whether ``trial`` was finished by ``worker`` (not failed as stale by another): its tell reached the study,
    though the database stopped answering before saying so."""
    try:
        stored = study._storage.get_trial(trial._trial_id)
    except Exception:  # noqa: BLE001 - the database again: not known, so not counted as told
        return False
    return stored.state.is_finished() and FAILED_KEY not in stored.system_attrs and \
        stored.system_attrs.get(WORKER_KEY) == worker


def retry(study: Any, trial: Any, *, max_retry: int | None = MAX_RETRY, reason: str) -> bool:
    """Re-create a failed ``trial`` as a WAITING trial with the same parameters (and seed), as Optuna's
    ``RetryHeartbeatStaleTrialCallback`` does, unless it was retried ``max_retry`` times already. The retry
    keeps the trial's user attributes but :data:`INFO`, what the failed trial's run was (``"interrupted"``):
    the retry has not run."""
    import optuna
    from optuna.trial import TrialState

    system = dict(trial.system_attrs)
    history = list(system.get("retry_history", []))
    if max_retry is not None and len(history) >= max_retry:
        return False
    original = system.get("failed_trial", trial.number)
    system.pop(BEAT_KEY, None)
    system.pop(WORKER_KEY, None)
    system.pop(FAILED_KEY, None)
    system.update({"failed_trial": original, "retry_history": [*history, trial.number],
                   "descend:retry_reason": reason})
    study.add_trial(optuna.create_trial(state=TrialState.WAITING, params=trial.params,
                                        distributions=trial.distributions,
                                        user_attrs={k: v for k, v in trial.user_attrs.items() if k != INFO},
                                        system_attrs=system))
    return True
