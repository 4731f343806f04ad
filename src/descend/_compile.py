"""What descend's compiled paths share: torch.compile limits for the ``fused=True`` classes, the flag
that marks a step being traced for compilation by ``fit(compile=True)``, Inductor's lowering of descend's own op
(:func:`lower_per_step`), where compiled programs are cached on disk, which of them a process of this user
compiled before, which vector instruction sets this machine's compiler was found to build
(:func:`known_vector_sets`), and the packages that later processes read compiled programs from without compiling
(:func:`package_name`, :func:`load_package`, :func:`save_package`)."""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import functools
import hashlib
import inspect
import json
import os
import platform
import re
import shutil
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from . import _source
from ._files import write_text
from ._interrupts import interrupt_after  # noqa: F401  (import_compiler holds Ctrl-C with it)
from ._quiet import ignoring


def allow_programs() -> None:
    """Let one compiled function hold a program per optimizer, model and option set.

    The ``fused=True`` classes compile one generic update that serves every optimizer: each new
    combination is a new program, and torch's default limit of 8 per function would soon send the rest
    back to eager. This raises the process-wide limits (never lowers them). A ``config.patch`` around
    every call would be local, but costs about a millisecond per call.
    """
    prepare_inductor()
    config = torch._dynamo.config
    config.recompile_limit = max(config.recompile_limit, 256)
    config.accumulated_recompile_limit = max(config.accumulated_recompile_limit, 4096)


_TRACING = threading.local()  # per thread: a trace in one thread must not change another's eager step


def tracing() -> bool:
    """True while descend traces a step for compilation in this thread (see ``descend.engine``), or under
    torch.compile."""
    return getattr(_TRACING, "active", False) or torch.compiler.is_compiling()


_CHECKED = threading.local()  # per thread, as _TRACING


def checking() -> bool:
    """Whether the checks that read tensor values run: not while a step is traced for compilation
    (:func:`tracing`), nor inside :func:`checked`."""
    return not (getattr(_CHECKED, "active", False) or tracing())


@contextlib.contextmanager
def checked() -> Iterator[None]:
    """Mark calls whose inputs were checked before, in this thread: the engine's eager steps after a cohort's
    first, which see the same data, labels and hyperparameters (checked when the data were made and at the
    first step) as that step did, as a compiled step does not read them either. The values computed are the
    same; only checks that would raise are left out."""
    was = getattr(_CHECKED, "active", False)
    _CHECKED.active = True
    try:
        yield
    finally:
        _CHECKED.active = was


#: One trace and compile at a time in a process: torch.fx's tracing keeps process-wide state (two threads tracing
#: at once failed with torch's "CURRENT_PATCHER is None"), as Inductor's settings do while it compiles.
_ONE_COMPILE = threading.RLock()


@contextlib.contextmanager
def one_compile_at_a_time() -> Iterator[None]:
    """Hold the process's compiling to this thread: a step or an evaluation traced (make_fx) and compiled
    (Inductor) while another thread's waits for it (its program may then be the one just compiled)."""
    with _ONE_COMPILE:
        yield


@contextlib.contextmanager
def traced() -> Iterator[None]:
    """Mark a make_fx trace of a step that Inductor will compile, in this thread (see :func:`tracing`)."""
    _TRACING.active = True
    try:
        yield
    finally:
        _TRACING.active = False


#: The version of what descend gives Inductor beyond a traced graph (today: the lowering of
#: :func:`lower_per_step`). Inductor's on-disk cache keys a program by its graph and Inductor's own settings, so a
#: program compiled under another version would be read back unchanged: each version keeps its programs in a
#: folder of its own (``inductor-2``; the first version's was ``inductor``, which can be deleted).
PROGRAM_FORMAT = 2


def cache_directory() -> Path:
    """Where compiled programs are kept between processes: ``$DESCEND_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/descend`` (``~/.cache/descend``), subfolder ``inductor-2`` (:data:`PROGRAM_FORMAT`).

    Inductor's own default is a folder under ``/tmp``, which many systems empty at every boot: a program
    compiled yesterday would be compiled again (15-25 s on a 2-core machine) instead of read back. A user with no
    home (no ``HOME`` and no entry in the password database: a container run under an arbitrary user id) keeps
    them in a folder of this process's own, removed when it ends (:func:`_homeless`), unless
    ``DESCEND_CACHE_DIR`` says where.
    """
    root = os.environ.get("DESCEND_CACHE_DIR")
    if not root:
        cache = os.environ.get("XDG_CACHE_HOME")
        if not cache:
            try:
                cache = os.path.join(Path.home(), ".cache")
            except RuntimeError:  # "Could not determine home directory": every training failed with it
                cache = _homeless()
        root = os.path.join(cache, "descend")
    return Path(root) / f"inductor-{PROGRAM_FORMAT}"


@functools.cache
def _homeless() -> str:
    """A folder of this process's own (mode 0700, made by :func:`tempfile.mkdtemp`: no other user can have put
    programs there to be loaded), removed when the process that made it ends."""
    import tempfile

    folder, owner = tempfile.mkdtemp(prefix="descend-cache-"), os.getpid()
    # only by the process that made it: a forked child that ended by sys.exit would take it from its parent
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
    return folder


#: The compiler's modules, imported by the first compile of a process: Dynamo and Inductor (about a second).
COMPILER_MODULES = ("torch._dynamo", "torch.fx.experimental.proxy_tensor", "torch._inductor.config",
                    "torch._inductor.compile_fx",
                    "torch._inductor.cpp_builder", "torch._inductor.cpu_vec_isa", "torch._inductor.lowering")


def import_compiler() -> None:
    """Import :data:`COMPILER_MODULES` whole: a Ctrl-C during the imports takes effect once they are done."""
    import importlib

    if all(name in sys.modules for name in COMPILER_MODULES):
        return
    with interrupt_after():
        for name in COMPILER_MODULES:
            importlib.import_module(name)


def prepare_inductor() -> None:
    """What every compile of descend needs first: the compiler's modules imported whole (:func:`import_compiler`),
    Inductor's cache in :func:`cache_directory` (:func:`use_cache_directory`), its lowering of
    ``descend::per_step`` (:func:`lower_per_step`), and the vector instruction sets found on this machine before
    (:func:`known_vector_sets`)."""
    import_compiler()
    use_cache_directory()
    lower_per_step()
    known_vector_sets()


_VECTOR_SETS = threading.Lock()


def _vector_sets_key(cpu_vec_isa: Any) -> str:
    """What Inductor's check of the vector instruction sets depends on: torch, the CPU's flags and the C++
    compiler (the file it resolves to, by size and time)."""
    from torch._inductor import config
    from torch._inductor.cpp_builder import get_cpp_compiler

    compiler = get_cpp_compiler()
    found = shutil.which(compiler) or compiler
    try:
        stat = os.stat(found)
        binary = (os.path.realpath(found), stat.st_size, stat.st_mtime_ns)
    except OSError:
        binary = (found, 0, 0)
    flags = cpu_vec_isa.x86_isa_checker() if platform.machine() in ("x86_64", "AMD64") else []
    text = repr((torch.__version__, platform.machine(), sorted(flags), binary, repr(config.cpp.cxx)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def known_vector_sets() -> None:
    """Spare each compiling process Inductor's check of the CPU's vector instruction sets, when a process of this
    user ran it before with the same torch, CPU and compiler and every set the CPU reports passed.

    Before its first program a process asks which sets (AVX-512 with AMX, AVX-512 with VNNI, AVX-512, AVX2) it can
    use. For each set the CPU reports, Inductor builds a test library and loads it in a child Python, which loads
    torch's C++ library: about 0.5 s per set, 2 s on this machine's four, in every process, even when every
    program comes from the on-disk cache. The answer depends only on torch, the CPU and the compiler. The first
    process runs Inductor's check and records its answer (``vector-sets.json`` in :func:`cache_directory`) with
    what the CPU's flags alone give; when the two agree, later processes take the flags' answer (Inductor's
    ``cpp.vec_isa_ok`` while the list is made, which Inductor keeps for the process) and skip the test
    libraries. The programs are the same: the same sets, the same choice among them, and the setting is
    restored before anything is compiled, so the on-disk cache's keys do not change. Nothing happens when the
    user set ``TORCHINDUCTOR_VEC_ISA_OK``, when the record says the two differed, or on a torch whose Inductor
    lacks these functions.
    """
    with _VECTOR_SETS:
        try:
            from torch._inductor import config, cpu_vec_isa

            listing = cpu_vec_isa.valid_vec_isa_list  # a functools.cache: its answer is kept per process
        except ImportError:
            return
        if not (hasattr(listing, "cache_info") and hasattr(listing, "__wrapped__")):
            return
        if getattr(getattr(config, "cpp", None), "vec_isa_ok", False) is not None or listing.cache_info().currsize:
            return  # the user's choice (or no such setting), or this process knows already
        try:
            key = _vector_sets_key(cpu_vec_isa)
        except Exception:  # noqa: BLE001  (no compiler: Inductor will say so when it compiles)
            return
        record = cache_directory() / "vector-sets.json"
        try:
            known = json.loads(record.read_text(encoding="utf-8"))
            if not isinstance(known, dict):
                known = {}
        except (OSError, ValueError):
            known = {}
        entry = known.get(key)
        if isinstance(entry, dict) and entry.get("checked") and entry.get("checked") == entry.get("flags"):
            with config.patch({"cpp.vec_isa_ok": True}):
                taken = [str(isa) for isa in listing()]  # kept for the process, as Inductor's own answer is
            if taken != entry["checked"]:  # not what was recorded: ask Inductor after all
                listing.cache_clear()
            return
        if entry is not None:
            return  # recorded, and the flags' answer differed from the check's: Inductor checks every time
        checked = [str(isa) for isa in listing()]  # Inductor's check, kept for this process
        with config.patch({"cpp.vec_isa_ok": True}):
            flags = [str(isa) for isa in listing.__wrapped__()]  # not kept
        known[key] = {"checked": checked, "flags": flags}
        try:
            record.parent.mkdir(parents=True, exist_ok=True)
            write_text(record, json.dumps(known, indent=1))
        except OSError:  # an unwritable cache: the next process checks again
            pass


_LOWERING = threading.Lock()
_lowered = False


def lower_per_step() -> None:
    """Teach Inductor ``descend::per_step`` (:func:`descend.optim._base.per_step`): its input is computed once, in
    a buffer of its own, and the kernels that use it read that buffer.

    Without a lowering Inductor calls the op's eager kernel, a Python ``clone``, from inside the compiled step:
    the step's C++ code takes the interpreter's lock back, 13-20 µs per call, twice per step for Adam (on the
    ellipse's step of 4 optimizers, 65-82 µs without Adam, 108 µs with it). This is the lowering Inductor
    itself uses to force a buffer (``x.realize()`` and a copy that later kernels inline), so the numbers
    are the same: the value is computed by the same operations, once.
    Registered once per process; on a torch whose Inductor lacks these functions the op keeps its
    eager kernel (slower, the same numbers).
    """
    global _lowered
    with _LOWERING:
        if _lowered:
            return
        try:
            op = torch.ops.descend.per_step.default  # defined by descend.optim, which every compiling caller imports
            from torch._inductor.lowering import clone, register_lowering
        except (AttributeError, ImportError):
            return
        _lowered = True

        @register_lowering(op, type_promotion_kind=None)
        def _computed_once(x: Any) -> Any:
            x.realize()
            return clone(x)


def use_cache_directory() -> None:
    """Point Inductor's cache at :func:`machine_directory` unless the user chose one (``TORCHINDUCTOR_CACHE_DIR``).

    Called before descend compiles anything. torch sets ``TORCHINDUCTOR_CACHE_DIR`` to its ``/tmp`` default
    the first time it looks, so that value counts as not chosen.
    """
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    chosen = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    # a machine's folder is descend's choice, inherited from a process that imported it (perhaps under other
    # vector instructions): chosen again here
    ours = chosen and Path(chosen).name.startswith("machine-") and Path(chosen).parent.name == \
        f"inductor-{PROGRAM_FORMAT}"
    if chosen and chosen != default_cache_dir() and not ours:
        return
    target = machine_directory()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:  # an unwritable home: Inductor's default stays
        return
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(target)


def machine_directory() -> Path:
    """Inductor's cache, a folder of :func:`cache_directory` per kind of machine: its CPU's flags and the settings
    that choose the vector instructions (``ATEN_CPU_CAPABILITY``, ``TORCHINDUCTOR_*``), as packages are named.

    Inductor keys a program in its cache by its graph alone, and its C++ holds the vector width of the CPU that
    wrote it: read back on a CPU of other instructions (a home folder shared by the login and compute nodes of a
    cluster; ``ATEN_CPU_CAPABILITY=avx2`` on this one), it was built for that CPU and computed over part of each
    array (Adam with ``fused=True``: 0.05 from the eager step where round-off is 1e-16; a line fit 38 % off), or did
    not build at all (``'at::vec' has not been declared``). Each kind of machine reads back only its own programs.
    """
    text = repr((platform.machine(), _cpu_flags(), _program_settings()))
    return cache_directory() / f"machine-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


# -- which programs were compiled before, by any process of this user ------------------------------------------


def _stable(value: Any) -> Any:
    """A description of ``value`` that is the same in every process: functions and classes by their qualified
    names, dataclasses by their compared fields, anything else by its text without memory addresses. A hint
    (:func:`compiled_before`); a package's name takes the strict form, :func:`_describe`."""
    return _describe(value, strict=False)


def fingerprint(key: Any) -> str:
    """A name for the program of ``key`` (everything its trace depends on) that is the same in every process."""
    text = repr((torch.__version__, _stable(key)))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _index() -> Path:
    return machine_directory() / "descend-programs"  # what this kind of machine's Inductor cache holds


def compiled_before(fingerprints: Iterator[str] | list[str]) -> bool:
    """Whether a process of this user compiled every one of these programs before, so that Inductor's on-disk
    cache holds them and compiling them again takes seconds, not tens of seconds. A hint for
    ``compile="auto"`` (a program removed from the cache since only costs its first compile again)."""
    index = _index()
    return all((index / f).exists() for f in fingerprints)


def remember_compiled(name: str) -> None:
    """Note that the program ``name`` (a :func:`fingerprint`) is in Inductor's on-disk cache."""
    try:
        index = _index()
        index.mkdir(parents=True, exist_ok=True)
        (index / name).touch()
    except OSError:  # an unwritable cache: the next process assumes a first compile
        pass


# -- compiled programs kept as packages, read back by later processes without compiling ---------------------------

#: The format of the packages (bump it when what goes into a package changes beyond what names it).
PACKAGE_FORMAT = 1
#: How many packages are kept; the least recently used go first.
MAX_PACKAGES = 256


class _Unnameable(Exception):
    """A key with something whose behaviour its description would not capture."""


def _describe(value: Any, strict: bool = True) -> Any:
    """A description of ``value`` that is the same in every process and names what it does, or
    :class:`_Unnameable`: numbers, strings, dtypes and shapes; tuples, lists and dicts of them; descend's own
    module-level functions and classes (their code is in :func:`_source_digest`); descend's dataclasses by their
    compared fields. A tensor, an array, a closure, a lambda, a bound method or another library's or the user's
    function cannot be named: its program is compiled in each process, as before. With ``strict=False``
    (:func:`_stable`) every function and class is named by its qualified name and anything else by its text."""
    if isinstance(value, (str, int, float, bool, type(None), torch.dtype, torch.Size)):
        return repr(value)
    if isinstance(value, (tuple, list)):
        return tuple(_describe(v, strict) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((repr(k), _describe(v, strict)) for k, v in value.items()))
    module, name = getattr(value, "__module__", None) or "", getattr(value, "__qualname__", None)
    if not strict and (isinstance(value, type) or callable(value) and name is not None):
        return f"{getattr(value, '__module__', '')}.{name}"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (_describe(type(value), strict),) + tuple((f.name, _describe(getattr(value, f.name), strict))
                                                         for f in dataclasses.fields(value) if f.compare)
    if not strict:
        return re.sub(r" at 0x[0-9a-f]+", "", repr(value))
    own = module == "descend" or module.startswith("descend.")
    if (isinstance(value, type) or inspect.isfunction(value)) and own and name and "<" not in name:
        return f"{module}.{name}"
    raise _Unnameable(type(value).__name__)


def _source_digest() -> str:
    """A digest of descend's source as this process imported it (:mod:`descend._source`): any change to descend's
    code names every program anew."""
    return _source.digest()


@functools.lru_cache(maxsize=1)
def _cpu_flags() -> tuple[str, ...] | None:
    """The CPU's feature flags (Linux's /proc/cpuinfo), which decide the vector instructions a program uses."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith(("flags", "Features")):
                    return tuple(sorted(line.partition(":")[2].split()))
    except OSError:
        pass
    return None


#: The folder of the packages' locks (:func:`compiling`), beside the packages.
LOCKS = "locks"


def locks_directory() -> Path:
    """Where the packages' locks are (:func:`compiling`): :data:`LOCKS` in :func:`cache_directory`."""
    return cache_directory() / LOCKS


def packages_directory() -> Path:
    """Where compiled programs are kept as packages: ``packages`` in :func:`cache_directory`."""
    return cache_directory() / "packages"


def package_name(key: Any) -> str | None:
    """The name of the package of ``key``'s program (everything its trace depends on besides tensor values, with
    torch's version, the CPU's flags, Inductor's settings from the environment and descend's source), the same in
    every process; None where the key cannot be named (:func:`_describe`), on a machine whose CPU flags
    cannot be read, where the packages cannot be written, in a process whose descend files changed since it imported
    them (:func:`descend._source.changed`), or when the environment variable ``DESCEND_PACKAGES``
    is ``0`` (or ``no``, ``false``, ``off``; programs are then compiled in each process, from Inductor's on-disk
    cache after the first time)."""
    off = os.environ.get("DESCEND_PACKAGES", "1").strip().lower() in ("0", "no", "false", "off")
    if off or _cpu_flags() is None or _source.changed():  # changed: code that no digest names, said once
        return None
    directory = packages_directory()
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK):
        return None
    settings = _program_settings()
    try:
        try:
            return _named(key, settings)
        except TypeError:  # an unhashable key: named each time
            return _named.__wrapped__(key, settings)
    except _Unnameable:  # not kept in the cache: such a key (a closure's, a lambda's) is new at every call, and the
        return None  # cache would keep what it holds alive (a model or a loss and the tensors it captured)


def _program_settings() -> tuple[tuple[str, str], ...]:
    """The environment's settings that change the programs Inductor writes (:func:`_names_programs`), sorted: what
    a package's name and a machine's folder of Inductor's cache hold of the environment."""
    return tuple(sorted((k, v) for k, v in os.environ.items() if _names_programs(k)))


def _names_programs(variable: str) -> bool:
    """Whether an environment variable is a setting a user chose that changes the programs Inductor writes:
    Inductor's own (``TORCHINDUCTOR_*``, but not where its cache lies) and ``ATEN_CPU_CAPABILITY``, torch's choice
    of vector instructions, from which Inductor picks its programs' (``avx2`` on a CPU with AVX-512: programs
    that a CPU with AVX2 alone can run)."""
    return variable == "ATEN_CPU_CAPABILITY" or (variable.startswith("TORCHINDUCTOR_")
                                                 and variable != "TORCHINDUCTOR_CACHE_DIR")


@functools.lru_cache(maxsize=1024)
def _named(key: Any, settings: tuple[tuple[str, str], ...]) -> str:
    """:func:`package_name` once the environment allows packages (a cohort's fit asks for its names every time);
    raises :class:`_Unnameable` for a key that has no name."""
    description = _describe(key)
    text = repr((PACKAGE_FORMAT, torch.__version__, tuple(sys.version_info[:2]), platform.machine(), _cpu_flags(),
                 settings, _source_digest(), description))
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _package_path(name: str) -> Path:
    return packages_directory() / f"{name}.pt2"


class Packaged:
    """A program read back from its package: called as the program Inductor compiled in-process is, with the
    inputs as positional tensors, returning the list of outputs.

    torch's loader unpacks the package's library into a directory of its own under the temporary directory
    (``aotinductor_*``) and removes it when the loader is destroyed; a process that ends without destroying it
    (the command line ends with ``os._exit`` after the at-exit functions, and a held program outlives the
    interpreter's teardown) left one such directory of about 1.7 MB per program it read. So every loader is
    released at exit (:func:`_release_loaders`)."""

    def __init__(self, loader: Any, name: str) -> None:
        self.loader, self.name = loader, name
        with _LOADED_LOCK:
            if not _LOADED:
                atexit.register(_release_loaders)
            _LOADED.add(self)

    def __call__(self, *inputs: torch.Tensor) -> list[torch.Tensor]:
        return self.loader.run(list(inputs))


_LOADED: weakref.WeakSet[Packaged] = weakref.WeakSet()
_LOADED_LOCK = threading.Lock()
#: Every package this process has read, by its path, with the file read (inode and size): read again once its
#: program left the engine's cache (:data:`descend.engine.MAX_PROGRAMS`), the same program. torch never unloads a
#: package's library, so each new read mapped another copy of it for good (about 300 KB and six mappings a read: a
#: server cycling through more shapes than the cache holds grew without end).
_READ: dict[str, tuple[tuple[int, int], Packaged]] = {}


def _release_loaders() -> None:
    """At exit: drop every package's loader, whose destruction removes the directory it unpacked its library to."""
    with _LOADED_LOCK:
        for program in list(_LOADED):
            program.loader = None
        _LOADED.clear()


#: How long a process waits for another compiling the same program (:func:`compiling`) before compiling it too.
COMPILE_WAIT = 600.0


@contextlib.contextmanager
def compiling(name: str | None) -> Iterator[None]:
    """Hold package ``name``'s lock (``NAME.lock`` in :func:`locks_directory`, ``flock``) while its program is compiled:
    another process about to compile the same program waits for it, then reads its package (:func:`load_package`
    again, inside the block), rather than compiling it as well (three processes given the same new shape at once,
    three ``descend tune --compile`` workers on one machine, each compiled it in full: 45-53 s each). The lock ends
    with the process that holds it, killed or not; a wait longer than :data:`COMPILE_WAIT` compiles anyway. Nothing
    is held for a program without a name, or where the lock cannot be taken (no ``fcntl``, a read-only cache)."""
    try:
        import fcntl
    except ImportError:  # not POSIX
        fcntl = None
    if name is None or fcntl is None:
        yield
        return
    locks = locks_directory()
    path = locks / f"{name}.lock"
    try:
        locks.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+b")  # noqa: SIM115  (closed below: that releases the lock)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + COMPILE_WAIT
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                with contextlib.suppress(OSError):
                    os.utime(path)  # in use (:func:`_prune` drops locks an hour old whose package is gone)
                break
            except BlockingIOError:  # another process compiles it
                if time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            except OSError:  # a file system without locks
                break
        yield
    finally:
        handle.close()


def load_package(name: str | None) -> Packaged | None:
    """The program of the package ``name``, or None when there is none (or it cannot be read: it is then
    compiled again and replaced). Reading one takes milliseconds: no trace, no Inductor; a package this process
    read before, still the same file, is not read again (:data:`_READ`)."""
    if name is None:
        return None
    path = _package_path(name)
    try:
        found = path.stat()
    except OSError:
        return None
    file = (found.st_ino, found.st_size)  # the same file as read before: not rewritten, not cut short since
    with _LOADED_LOCK:
        read = _READ.get(str(path))
    program = read[1] if read is not None and read[0] == file else None
    if program is None:
        try:
            loader = torch._C._aoti.AOTIModelPackageLoader(str(path), "model", False, 1, -1)
        except Exception:  # noqa: BLE001  (damaged, or written by another torch: compiled again)
            with _LOADED_LOCK:
                _READ.pop(str(path), None)
            return None
        program = Packaged(loader, name)
        with _LOADED_LOCK:
            _READ[str(path)] = (file, program)
    try:
        os.utime(path)  # the least recently used go first (_prune)
    except OSError:
        pass
    return program


def save_package(name: str, graph: Any, inputs: list[torch.Tensor]) -> Packaged | None:
    """Compile the traced ``graph`` for ``inputs`` with AOTInductor into the package ``name`` and read it back.

    The package is written under a temporary name and renamed once whole, so that a process killed while
    compiling leaves no package that looks whole. None when it could not be written or read (the caller then
    compiles in-process)."""
    from torch._inductor import aoti_compile_and_package

    prepare_inductor()
    directory = packages_directory()
    final = _package_path(name)
    partial = directory / f".{name}.{os.getpid()}.{threading.get_ident()}.partial.pt2"
    try:
        with ignoring():
            exported = torch.export.export(graph, tuple(inputs), strict=False)
            aoti_compile_and_package(exported, package_path=str(partial))
        os.replace(partial, final)
    except Exception:  # noqa: BLE001  (an unwritable cache, a full disk, a graph export refuses)
        with contextlib.suppress(OSError):
            partial.unlink()
        return None
    _prune(directory)
    return load_package(name)


def _prune(directory: Path, keep: int = MAX_PACKAGES) -> None:
    """Keep the ``keep`` most recently used packages, and drop what processes killed while compiling left
    (a partial package over an hour old)."""
    try:
        found = sorted(directory.glob("*.pt2"), key=lambda p: p.stat().st_mtime, reverse=True)
        whole = [p for p in found if not p.name.startswith(".")]
        stale = [p for p in found if p.name.startswith(".") and time.time() - p.stat().st_mtime > 3600]
        for old in whole[keep:] + stale:
            old.unlink()
        for lock in (directory.parent / LOCKS).glob("*.lock"):  # (compiling): of a package no longer kept,
            if not (directory / f"{lock.stem}.pt2").exists() and time.time() - lock.stat().st_mtime > 3600:
                lock.unlink()  # unused for an hour
    except OSError:
        pass
