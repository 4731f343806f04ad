"""What descend's compiled paths share: torch.compile limits for the ``fused=True`` classes, the flag
that marks a step being traced for compilation by ``fit(compile=True)``, and where compiled programs are
cached on disk."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import torch


def allow_programs() -> None:
    """Let one compiled function hold a program per optimizer, model and option set.

    The ``fused=True`` classes compile one generic update that serves every optimizer: each new
    combination is a new program, and torch's default limit of 8 per function would soon send the rest
    back to eager. This raises the process-wide limits (never lowers them). A ``config.patch`` around
    every call would be local, but costs about a millisecond per call.
    """
    use_cache_directory()
    config = torch._dynamo.config
    config.recompile_limit = max(config.recompile_limit, 256)
    config.accumulated_recompile_limit = max(config.accumulated_recompile_limit, 4096)


_TRACING = threading.local()  # per thread: a trace in one thread must not change another's eager step


def tracing() -> bool:
    """True while descend traces a step for compilation in this thread (see ``descend.engine``), or under
    torch.compile."""
    return getattr(_TRACING, "active", False) or torch.compiler.is_compiling()


@contextlib.contextmanager
def traced() -> Iterator[None]:
    """Mark a make_fx trace of a step that Inductor will compile, in this thread (see :func:`tracing`)."""
    _TRACING.active = True
    try:
        yield
    finally:
        _TRACING.active = False


def cache_directory() -> Path:
    """Where compiled programs are kept between processes: ``$DESCEND_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/descend`` (``~/.cache/descend``), subfolder ``inductor``.

    Inductor's own default is a folder under ``/tmp``, which many systems empty at every boot: a program
    compiled yesterday would be compiled again (15-25 s on a 2-core machine) instead of read back.
    """
    root = os.environ.get("DESCEND_CACHE_DIR")
    if not root:
        root = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "descend")
    return Path(root) / "inductor"


def use_cache_directory() -> None:
    """Point Inductor's cache at :func:`cache_directory` unless the user chose one (``TORCHINDUCTOR_CACHE_DIR``).

    Called before descend compiles anything. torch sets ``TORCHINDUCTOR_CACHE_DIR`` to its ``/tmp`` default
    the first time it looks, so that value counts as not chosen.
    """
    from torch._inductor.runtime.cache_dir_utils import default_cache_dir

    chosen = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if chosen and chosen != default_cache_dir():
        return
    target = cache_directory()
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError:  # an unwritable home: Inductor's default stays
        return
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(target)
