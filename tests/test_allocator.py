"""descend._allocator: glibc's malloc keeps freed blocks for the next step once training starts, unless told not to.

Each case runs in a fresh process: the settings are process-wide and made once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from descend import _allocator

pytestmark = pytest.mark.skipif(_allocator._why_not() == "the C library is not glibc" or sys.platform != "linux",
                                reason="glibc's malloc only")

# An eager cohort of 12 runs of the vanishing-gradients network (temporaries of 12 x 600 x 16 floats, about 0.5
# MB, dozens a step): the minor page faults of a second fit, after a first one made the settings (or did not).
# On one thread: with two, whether the cohort takes the second depends on the machine's load at that moment, and
# each thread allocates from its own arena, so the counts moved with the load (a run beside other tests counted
# 4,054 against 5,822 where a quiet one counts 1,500-2,800 against 8,900-21,000).
SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import torch
    import descend
    from descend import _allocator
    from descend.spec import RunSpec

    torch.set_num_threads(1)
    before = _allocator.state()
    runs = [RunSpec("sgd", {"lr": lr}, seed=s) for lr in (0.01, 0.1, 1.0) for s in range(4)]
    descend.fit(task="vanishing", runs=runs, steps=3, compile=False)
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    descend.fit(task="vanishing", runs=runs, steps=120, compile=False)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
    print(json.dumps({"before": before, "after": _allocator.state(), "faults": faults,
                      "large": _allocator.large_blocks_kept()}))
""")

# A cohort of RUNS runs of a 1000-1024-10 network (1,035,274 parameters, 4.1 MB a run): with 9, 37 MB for the
# parameters, the gradient and each of Adam's moments, which glibc would map afresh at every step; with 3, 12 MB,
# of which an eager Adam step frees about ten, more than the 64 MB the heap keeps for every cohort. With "blind",
# the engine does not tell the allocator how large they are. On one thread, as SCRIPT: with two, the second
# thread's arena made the counts follow the machine's load (a run in the full suite counted 27,298 kept against
# 39,398 trimmed, and beside two spinning processes kept exceeded trimmed; on one thread 15,000-21,000 against
# 45,000-56,000, quiet or beside them).
LARGE = textwrap.dedent("""
    import json, resource, sys
    import torch
    import descend
    from descend import _allocator, engine

    torch.set_num_threads(1)
    runs = int(sys.argv[1])
    if sys.argv[2:] == ["blind"]:
        engine.keep_freed_memory = lambda largest=0: _allocator.keep_freed_memory()

    model = descend.models.MLP((1000, 1024, 10), hidden="tanh", output="softmax")
    g = torch.Generator().manual_seed(0)
    data = (torch.randn(64, 1000, generator=g), torch.randint(0, 10, (64,), generator=g))
    kwargs = dict(model=model, data=data, optimizer="adam", lr=[1e-3 * (i + 1) for i in range(runs)], batch_size=16,
                  eval_every=0, compile=False)
    descend.fit(steps=2, **kwargs)
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    descend.fit(steps=10, **kwargs)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
    print(json.dumps({"after": _allocator.state(), "faults": faults, "large": _allocator.large_blocks_kept(),
                      "unmapped": _allocator.large_blocks_unmapped()}))
""")


# A step's blocks, as the C library sees them: twelve blocks of ``size`` bytes allocated, written and freed, twice,
# after the settings made for a cohort whose largest block is ``size`` (0: for a cohort of small blocks).
HEAP = textwrap.dedent("""
    import ctypes, json, resource, sys
    from descend import _allocator

    size = int(sys.argv[1]) or 3 * 1_035_274 * 4
    _allocator.keep_freed_memory(int(sys.argv[1]))
    libc = ctypes.CDLL(None)
    libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]

    def step():
        blocks = [libc.malloc(size) for _ in range(12)]
        for block in blocks:
            ctypes.memset(block, 1, size)
        for block in reversed(blocks):
            libc.free(block)

    step()
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    step()
    print(json.dumps({"faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start}))
""")

def _run(script: str = SCRIPT, *args: str, **env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != _allocator.VARIABLE}
    environment.update(env)
    out = subprocess.run([sys.executable, "-c", script, *args], env=environment, capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_training_keeps_freed_blocks_in_the_heap_so_their_pages_are_not_faulted_in_again():
    kept = _run()
    handed_back = _run(DESCEND_MALLOC="system")
    assert kept["before"] is None and kept["after"] == "set" and kept["large"] is None  # no block over 32 MB
    assert handed_back["after"] == "not set: DESCEND_MALLOC=system"
    # measured on one thread: 2,800-6,200 against 18,700-31,000, quiet or beside two spinning processes; a full CI
    # run once counted 5,903 against 11,670 (glibc's own thresholds move as blocks are freed, and so does its count)
    assert kept["faults"] < handed_back["faults"] / 1.5, (kept, handed_back)


def test_a_cohort_of_blocks_over_32_mb_keeps_them_in_the_heap_too():
    kept = _run(LARGE, "9")
    mapped = _run(LARGE, "9", "blind")
    assert kept["after"] == "set" and kept["large"] == 16 * 9 * 1_035_274 * 4  # 16 × the parameters' bytes
    assert kept["unmapped"] and not mapped["unmapped"]
    assert mapped["after"] == "set" and mapped["large"] is None
    assert _run(LARGE, "9", DESCEND_MALLOC="system")["large"] is None
    # each block over 32 MB mapped afresh and faulted in again, 4 KB at a time (measured: 9,100 against 1,047,000)
    assert kept["faults"] < mapped["faults"] / 4, (kept, mapped)


def test_a_cohort_of_blocks_over_4_mb_keeps_16_of_them_free_at_the_heaps_top():
    kept = _run(LARGE, "3")
    assert kept["large"] == 16 * 3 * 1_035_274 * 4 and not kept["unmapped"]  # no block over 32 MB: M_MMAP_MAX kept
    assert _run(LARGE, "3", "blind")["large"] is None
    # What the setting does, on the C library's own blocks: a step's twelve freed blocks of the cohort's parameters'
    # size stay at the heap's top and are not faulted in again; with the 64 MB kept for every cohort, glibc hands
    # them back and the next step faults every page in again (nearly all of their 36,396 pages). The faults of a whole
    # fit are not compared: whether the memory a fit frees at its end is over 16 blocks, and handed back before the
    # next fit, depends on the heap's layout (a full CI run counted 30,297 kept against 48,497 handed back).
    largest = kept["large"] // 16
    assert _run(HEAP, str(largest))["faults"] < 1_000
    assert _run(HEAP, "0")["faults"] > 0.9 * 12 * largest / 4096  # (measured: 36,364 of 36,396 pages)


@pytest.mark.parametrize("env, reason", [
    ({"DESCEND_MALLOC": "system"}, "DESCEND_MALLOC=system"),
    ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, "the environment sets malloc's tunables (MALLOC_TRIM_THRESHOLD_)"),
    ({"LD_PRELOAD": "libjemalloc.so.2-not-there"}, "another allocator is preloaded (LD_PRELOAD)"),
])
def test_a_choice_of_ones_own_is_kept(env, reason):
    # (a preload that is not there only makes the loader warn: the check reads the variable)
    assert _run(**env)["after"] == f"not set: {reason}"


def test_the_numbers_are_the_same_either_way():
    script = textwrap.dedent("""
        import descend, sys
        from descend.spec import RunSpec
        runs = [RunSpec("adam", {"lr": lr}, batch_size=16, seed=s) for lr in (0.01, 1.0) for s in (0, 1)]
        r = descend.fit(task="vanishing", runs=runs, steps=20, record_grad_norms=True, compile=False)
        print(r.curves["value"].to_numpy().tobytes().hex())
    """)
    texts = []
    for env in ({}, {"DESCEND_MALLOC": "system"}):
        environment = {k: v for k, v in os.environ.items() if k != _allocator.VARIABLE}
        environment.update(env)
        out = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True,
                             timeout=300, check=True)
        texts.append(out.stdout.strip().splitlines()[-1])
    assert texts[0] == texts[1]


def test_a_value_of_descend_malloc_it_does_not_read_is_refused_before_training(monkeypatch):
    """DESCEND_MALLOC=sytem (or off) kept the settings on without a word: only "system" turned them off."""
    import descend

    for value in ("system", "off", "0", "False", " "):
        monkeypatch.setenv("DESCEND_MALLOC", value)
        _allocator.check_variable()
    monkeypatch.setenv("DESCEND_MALLOC", "sytem")
    with pytest.raises(ValueError, match="DESCEND_MALLOC='sytem': give DESCEND_MALLOC=system to keep the C "
                                         "library's own allocator settings, or leave it unset"):
        descend.fit(task="himmelblau", optimizer="gd", lr=0.01, steps=2)
