"""What descend's compiled paths share: torch.compile limits for the ``fused=True`` classes, and the flag
that marks a step being traced for compilation by ``fit(compile=True)``."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

import torch


def allow_programs() -> None:
    """Let one compiled function hold a program per optimizer, model and option set.

    The ``fused=True`` classes compile one generic update that serves every optimizer: each new
    combination is a new program, and torch's default limit of 8 per function would soon send the rest
    back to eager. This raises the process-wide limits (never lowers them). A ``config.patch`` around
    every call would be local, but costs about a millisecond per call.
    """
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
