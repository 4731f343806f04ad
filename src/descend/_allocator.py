"""The C allocator's settings for training: freed blocks kept for the next step instead of handed back.

PyTorch's CPU tensors come from the C library's ``malloc``. glibc's serves a block of 128 KB or more (at first;
the limit grows with the blocks freed) by mapping fresh pages, and unmaps it when it is freed; the next step asks
for the same sizes again, and the kernel hands out zeroed pages again, one page fault per 4 KB on first touch. An
eager step of a batched cohort allocates dozens of such temporaries (the vanishing-gradients task's default
comparison, 36 runs of a 600 × 16 network: about 1.4 MB each): measured on a 2-core machine, a process training
305 of its steps had 371,000 page faults at 17.0-20.6 ms a step, and 65,000 at 14.3-15.9 ms once freed blocks stay
in the heap.

:func:`keep_freed_memory` sets glibc's ``M_MMAP_THRESHOLD`` to its largest value (32 MB: smaller blocks come from
the heap) and ``M_TRIM_THRESHOLD`` to 64 MB (the heap keeps up to that much free memory at its top rather than
giving it back), once per process, when training first starts (:func:`descend.engine.train_cohort`). The numbers
do not change: PyTorch aligns every block to 64 bytes either way. What a process holds can grow by the freed
memory kept, at most 64 MB at the heap's top for a cohort of blocks under 4 MB.

Larger cohorts need more. The engine tells :func:`keep_freed_memory` the size of a cohort's largest block (its
parameters, or an activation), and the heap then keeps up to 16 times that free at its top (at least 64 MB, at most
2 GB): an eager Adam step frees about ten blocks of the parameters' size, and with 64 MB the heap handed most of
them back at every step (64 runs of a 64-1024-10 network, 20 MB of parameters: 640-733 µs per run-step eagerly,
516-614 with the blocks kept, in alternating processes). And a block larger than 32 MB is always mapped afresh by
glibc, whatever the threshold: a cohort with such blocks (256 runs of that network: 80 MB for each of the
parameters, the gradient and Adam's two moments) had about 110,000 page faults a step and trained at about a third
of its speed (890 µs per run-step compiled against 290 µs, on a 2-core machine). For it, ``M_MMAP_MAX`` is also set
to 0: no block is mapped, every one comes from the heap. These stay so for the rest of the process, which holds on
to the memory its largest steps freed rather than handing it back: measured there, a compiled fit's peak 1.3 GB
against 1.0 GB, an eager fit's 2.8 against 1.2 GB (its out-of-place temporaries leave holes in the heap).

It does nothing where the C library is not glibc, where another allocator is preloaded (jemalloc, tcmalloc,
mimalloc), where the environment already sets one of glibc's ``MALLOC_*_`` tunables (the user's choice is kept),
or with ``DESCEND_MALLOC=system`` in the environment (or ``0``, ``no``, ``false``, ``off``; another value is
refused before training, :func:`check_variable`).
"""

from __future__ import annotations

import ctypes
import os
import threading
from typing import Any

__all__ = ["MMAP_THRESHOLD", "SYSTEM_VALUES", "TRIM_THRESHOLD", "check_variable", "keep_freed_memory",
           "large_blocks_kept", "large_blocks_unmapped", "state"]

#: glibc's largest ``M_MMAP_THRESHOLD`` on 64-bit systems (``DEFAULT_MMAP_THRESHOLD_MAX``).
MMAP_THRESHOLD = 32 * 2**20
#: Free memory the heap keeps at its top before giving it back.
TRIM_THRESHOLD = 64 * 2**20
#: The environment variable that turns the settings off (``system``).
VARIABLE = "DESCEND_MALLOC"

#: How many times its largest block a cohort of large blocks keeps free at the heap's top, and the most.
LARGE_TRIM_FACTOR, LARGE_TRIM_MAX = 16, 2**31 - 1
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4  # glibc's <malloc.h>
_OWN_TUNABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
_OTHER_ALLOCATORS = ("jemalloc", "tcmalloc", "mimalloc")
_LOCK = threading.Lock()
_STATE: dict[str, Any] = {"state": None, "trim": TRIM_THRESHOLD, "unmapped": False}


#: The values of :data:`VARIABLE` that keep glibc's defaults (``system``, and the words for "off").
SYSTEM_VALUES = ("system", "0", "no", "false", "off")


def check_variable() -> None:
    """Refuse a value of :data:`VARIABLE` that says nothing this module reads (``DESCEND_MALLOC=sytem`` kept the
    settings on without a word): unset, empty, or one of :data:`SYSTEM_VALUES`."""
    value = os.environ.get(VARIABLE, "").strip().lower()
    if value and value not in SYSTEM_VALUES:
        raise ValueError(f"{VARIABLE}={os.environ[VARIABLE]!r}: give {VARIABLE}=system to keep the C library's own "
                         "allocator settings, or leave it unset")


def _why_not() -> str | None:
    """Why the settings are not made in this process (None: they can be)."""
    if os.environ.get(VARIABLE, "").strip().lower() in SYSTEM_VALUES:
        return f"{VARIABLE}={os.environ[VARIABLE].strip()}"
    tunables = [name for name in _OWN_TUNABLES if name in os.environ]
    if tunables or "GLIBC_TUNABLES" in os.environ and "glibc.malloc" in os.environ["GLIBC_TUNABLES"]:
        return "the environment sets malloc's tunables (" + ", ".join(tunables or ["GLIBC_TUNABLES"]) + ")"
    preload = os.environ.get("LD_PRELOAD", "")
    if any(name in preload for name in _OTHER_ALLOCATORS):
        return "another allocator is preloaded (LD_PRELOAD)"
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018  (glibc only)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return "the C library is not glibc"
    return None


def keep_freed_memory(largest: int = 0) -> bool:
    """Keep freed blocks of up to 32 MB in the heap for the next step (once per process; see the module's text),
    with up to 16 × ``largest`` (the bytes of a cohort's largest block: its parameters, or an activation; at least
    64 MB) kept free at the heap's top, and, when ``largest`` is over 32 MB, blocks of any size. True when the
    settings are in effect, set now or before."""
    with _LOCK:
        if _STATE["state"] is None:
            reason = _why_not()
            if reason is None:
                done = _mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD) and _mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD)
                reason = None if done else "glibc refused the settings"
            _STATE["state"] = "set" if reason is None else f"not set: {reason}"
        if _STATE["state"] != "set":
            return False
        trim = min(LARGE_TRIM_MAX, LARGE_TRIM_FACTOR * largest)
        if largest > MMAP_THRESHOLD and not _STATE["unmapped"]:
            _STATE["unmapped"] = _mallopt(_M_MMAP_MAX, 0)
        if trim > _STATE["trim"] and _mallopt(_M_TRIM_THRESHOLD, trim):
            _STATE["trim"] = trim
        return True


def large_blocks_kept() -> int | None:
    """The free bytes the heap keeps at its top since a cohort of blocks over 4 MB trained (16 × its largest, more
    than the 64 MB set for every cohort), or None before."""
    return _STATE["trim"] if _STATE["trim"] > TRIM_THRESHOLD else None


def large_blocks_unmapped() -> bool:
    """Whether glibc maps no block (``M_MMAP_MAX`` = 0), since a cohort of blocks over 32 MB trained."""
    return bool(_STATE["unmapped"])


def _mallopt(option: int, value: int) -> bool:
    libc = ctypes.CDLL(None)
    libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(libc.mallopt(option, value) == 1)


def state() -> str | None:
    """``"set"``, ``"not set: <why>"``, or None before training first started in this process."""
    return _STATE["state"]
