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
SCRIPT = textwrap.dedent("""
    import json, resource, sys
    import descend
    from descend import _allocator
    from descend.spec import RunSpec

    before = _allocator.state()
    runs = [RunSpec("sgd", {"lr": lr}, seed=s) for lr in (0.01, 0.1, 1.0) for s in range(4)]
    descend.fit(task="vanishing", runs=runs, steps=3, compile=False)
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    descend.fit(task="vanishing", runs=runs, steps=40, compile=False)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start
    print(json.dumps({"before": before, "after": _allocator.state(), "faults": faults}))
""")


def _run(**env: str) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != _allocator.VARIABLE}
    environment.update(env)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=environment, capture_output=True, text=True,
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_training_keeps_freed_blocks_in_the_heap_so_their_pages_are_not_faulted_in_again():
    kept = _run()
    handed_back = _run(DESCEND_MALLOC="system")
    assert kept["before"] is None and kept["after"] == "set"
    assert handed_back["after"] == "not set: DESCEND_MALLOC=system"
    # measured: 1,500-2,300 against 9,000-10,400
    assert kept["faults"] < handed_back["faults"] / 2, (kept, handed_back)


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
