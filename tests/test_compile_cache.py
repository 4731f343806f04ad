"""Where compiled programs are kept: a per-user cache directory, not Inductor's /tmp default."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from torch._inductor.runtime.cache_dir_utils import default_cache_dir

from descend import _compile


def test_compiled_programs_go_to_descends_cache_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", default_cache_dir())  # torch's own default: not a choice
    _compile.use_cache_directory()
    assert _compile.cache_directory() == tmp_path / "cache" / "inductor-2"
    machine = _compile.machine_directory()  # Inductor's, in a folder per kind of machine
    assert machine.parent == tmp_path / "cache" / "inductor-2" and machine.name.startswith("machine-")
    assert machine.is_dir()
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(machine)
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "default")  # other vector instructions: another folder
    assert _compile.machine_directory() != machine


def test_the_users_choice_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path / "cache"))
    _compile.use_cache_directory()
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "mine")


def test_default_is_under_the_users_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("DESCEND_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _compile.cache_directory() == tmp_path / "descend" / "inductor-2"


def test_a_user_with_no_home_keeps_the_cache_in_a_folder_of_the_process_removed_at_its_end(tmp_path):
    """No HOME and no passwd entry (a container's arbitrary user id): Path.home() raises RuntimeError, and every
    training failed with it (the check for packages before each cohort, and the data sets' cache)."""
    code = """
import pathlib, os, descend
def no_home():
    raise RuntimeError("Could not determine home directory.")
pathlib.Path.home = staticmethod(no_home)
from descend import _compile
folder = _compile.cache_directory()
runs = descend.fit(task="iris", optimizer="adam", steps=3)
print(folder)
print(len(runs.summary), (folder.parent / "data").is_dir(), oct(os.stat(folder.parents[1]).st_mode & 0o777))
"""
    import descend

    env = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME", "DESCEND_CACHE_DIR")}
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(descend.__file__))  # this descend, from another folder
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    folder, facts = out.stdout.split("\n")[:2]
    assert facts == "1 True 0o700"  # trained, its data set kept meanwhile, in a folder of this user alone
    assert os.path.basename(os.path.dirname(os.path.dirname(folder))).startswith("descend-cache-")
    assert not os.path.exists(os.path.dirname(os.path.dirname(folder)))  # removed when the process ended


FUSED_CODE = """
import torch
import descend.optim as D
torch.manual_seed(0)
w0 = torch.randn(37, 29, dtype=torch.float64)
def run(fused):
    w = w0.clone().requires_grad_()
    opt = D.Adam([w], lr=0.01, fused=fused)
    for _ in range(3):
        opt.zero_grad()
        (w.sin() ** 2).sum().backward()
        opt.step()
    return w.detach()
import os
print(float((run(True) - run(False)).abs().max()), os.environ["TORCHINDUCTOR_CACHE_DIR"])
"""


def test_a_program_compiled_for_one_cpus_instructions_is_not_read_back_for_anothers(tmp_path):
    """Inductor keys its cache by the graph alone and its C++ holds the vector width of the CPU that wrote it: read
    back under other instructions (a home folder shared by a cluster's nodes; ATEN_CPU_CAPABILITY) a fused Adam was
    0.05 from the eager rule, or its program did not build ('at::vec' has not been declared)."""
    import descend

    env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "TORCHINDUCTOR_CACHE_DIR")}
    env.update(DESCEND_CACHE_DIR=str(tmp_path), PYTHONPATH=os.path.dirname(os.path.dirname(descend.__file__)))
    folders = []
    for capability in (None, "default"):  # this CPU's best instructions, then none (any x86-64 CPU has both)
        # the second as a child of the first would be: the first's folder in its environment, as descend left it
        run_env = env if capability is None else {**env, "ATEN_CPU_CAPABILITY": capability,
                                                  "TORCHINDUCTOR_CACHE_DIR": folders[0]}
        out = subprocess.run([sys.executable, "-c", FUSED_CODE], capture_output=True, text=True, env=run_env,
                             timeout=600)
        assert out.returncode == 0, out.stderr[-2000:]
        difference, folder = out.stdout.split()[-2:]
        assert float(difference) < 1e-12, (capability, out.stdout)
        folders.append(folder)
    assert folders[0] != folders[1] and len(list(tmp_path.glob("inductor-2/machine-*"))) == 2
    # a folder the user chose is kept
    out = subprocess.run([sys.executable, "-c", FUSED_CODE], capture_output=True, text=True, timeout=600,
                         env={**env, "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / "mine")})
    assert out.returncode == 0 and out.stdout.split()[-1] == str(tmp_path / "mine"), out.stderr[-2000:]


KEY_CODE = """
import torch
from descend import _compile, models
from descend.optim import get
from descend.problem import make_objective
model = models.MLP((3, 8, 1), hidden="tanh", output="identity", init="torch")
key = (model, make_objective(model, "mse", "regression"), get("adam").update, (torch.Size([4, 3]), torch.float32))
"""


def test_a_programs_fingerprint_is_the_same_in_every_process():
    import subprocess
    import sys

    namespace: dict = {}
    exec(KEY_CODE, namespace)  # noqa: S102  (the code above)
    here = _compile.fingerprint(namespace["key"])
    out = subprocess.run([sys.executable, "-c", KEY_CODE + "print(_compile.fingerprint(key))"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == here
    assert "0x" not in repr(_compile._stable(namespace["key"]))
    other = (*namespace["key"][:3], (namespace["key"][3][0], __import__("torch").float64))
    assert _compile.fingerprint(other) != here  # another dtype, another program


def test_auto_compiles_at_the_lower_cost_what_this_user_compiled_before(monkeypatch, tmp_path):
    """compile="auto" counts a first compile at COMPILE_SECONDS and one that Inductor's on-disk cache holds (a
    process of this user compiled it) at COMPILE_SECONDS_AGAIN."""
    from collections import OrderedDict

    import torch

    import descend
    from descend import engine, models

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(engine, "package_name", lambda key: None)  # no package: Inductor's on-disk cache alone
    monkeypatch.setattr(engine, "COMPILE_SECONDS", 1e9)  # a first compile never pays
    monkeypatch.setattr(engine, "COMPILE_SECONDS_AGAIN", 0.0)  # one compiled before always does
    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, generator=g)
    common = dict(model=models.MLP((3, 8, 1), hidden="tanh", output="identity", init="torch"),
                  data=(x, x.sum(dim=1, keepdim=True)), optimizer="adam", lr=[1e-2, 3e-2], batch_size=8,
                  steps=engine.PROBE_STEPS + 10)
    first = descend.fit(**common)
    assert "compile_seconds" not in first.summary  # never compiled: eager
    descend.fit(compile=True, **common)
    assert len(list(_compile.machine_directory().joinpath("descend-programs").iterdir())) == 2  # the step, the
    # evaluation
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())  # as a new process: nothing held in memory
    again = descend.fit(**common)
    assert (again.summary["compile_seconds"] > 0).all()


VECTOR_SETS_CODE = """
import json
from torch._inductor import config, cpu_vec_isa
checks = []  # Inductor's test library of a vector set: built, then loaded in a child Python
original = cpu_vec_isa.VecISA.check_build
def counted(self, code):
    if code == cpu_vec_isa.VecISA._avx_code:
        checks.append(str(self))
    return original(self, code)
cpu_vec_isa.VecISA.check_build = counted
from descend import _compile
_compile.known_vector_sets()
sets = [str(isa) for isa in cpu_vec_isa.valid_vec_isa_list()]
print(json.dumps({"checks": checks, "sets": sets, "setting": config.cpp.vec_isa_ok}))
"""


def test_the_vector_sets_are_checked_once_per_machine(tmp_path):
    """The first process runs Inductor's check and records it; the next takes the recorded answer without building
    a test library, with the same sets and Inductor's setting left as it was (the on-disk cache's keys); a record
    whose two answers differ means Inductor checks every time."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "DESCEND_CACHE_DIR": str(tmp_path)}
    env.pop("TORCHINDUCTOR_VEC_ISA_OK", None)

    def run() -> dict:
        out = subprocess.run([sys.executable, "-c", VECTOR_SETS_CODE], capture_output=True, text=True, env=env,
                             check=True)
        return json.loads(out.stdout.strip().splitlines()[-1])

    first = run()
    record = tmp_path / "inductor-2" / "vector-sets.json"
    (entry,) = json.loads(record.read_text()).values()
    assert entry["checked"] == first["sets"]
    if first["sets"]:  # a CPU with a vector set Inductor uses: its test library was built and loaded
        assert first["checks"]
    second = run()
    assert second == {"checks": [], "sets": first["sets"], "setting": None}
    assert first["setting"] is None

    key = next(iter(json.loads(record.read_text())))
    record.write_text(json.dumps({key: {"checked": entry["checked"], "flags": entry["flags"] + ["avx9000"]}}))
    third = run()
    assert third["sets"] == first["sets"] and third["checks"] == first["checks"]  # Inductor's check again
    assert json.loads(record.read_text())[key]["flags"][-1] == "avx9000"  # and the record is left alone


def test_the_users_vector_set_choice_is_kept(monkeypatch, tmp_path):
    from torch._inductor import config, cpu_vec_isa

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    before = config.cpp.vec_isa_ok
    cpu_vec_isa.valid_vec_isa_list.cache_clear()  # as in a process that has not asked yet
    try:
        with config.patch({"cpp.vec_isa_ok": True}):  # TORCHINDUCTOR_VEC_ISA_OK=1 (config.patch restores it)
            _compile.known_vector_sets()
            assert cpu_vec_isa.valid_vec_isa_list.cache_info().currsize == 0  # not asked on the user's behalf
            assert not (tmp_path / "inductor-2" / "vector-sets.json").exists()
            assert config.cpp.vec_isa_ok is True
    finally:
        cpu_vec_isa.valid_vec_isa_list.cache_clear()
    assert config.cpp.vec_isa_ok == before


# -- packages: compiled programs read back by later processes without compiling ----------------------------------


def _small_fit() -> dict:
    import torch

    from descend import engine, models

    g = torch.Generator().manual_seed(0)
    x = torch.randn(32, 3, generator=g)
    return dict(model=models.MLP((3, 8, 1), hidden="tanh", output="identity", init="torch"),
                data=(x, x.sum(dim=1, keepdim=True)), optimizer="adam", lr=[1e-2, 3e-2], batch_size=8,
                steps=engine.PROBE_STEPS + 10, eval_every=5, dtype=torch.float64)


def _forbid_compiling(monkeypatch) -> None:
    from descend import engine

    def compiled(*args, **kwargs):
        raise AssertionError("compiled, where a package should have been read")

    monkeypatch.setattr(engine, "save_package", compiled)
    monkeypatch.setattr("torch._inductor.compile_fx.compile_fx", compiled)


def test_a_compiled_program_is_kept_as_a_package_and_read_back_without_compiling(monkeypatch, tmp_path):
    """compile=True writes each program as a package, whose numbers are those of the program compiled in the
    process bit for bit; a later fit with the default compile="auto" (or the playground's "cached") reads them from
    its first step without tracing or compiling, and gives the same numbers bit for bit; eager ones to round-off
    (float64, 22 steps). DESCEND_PACKAGES=0 writes none."""
    from collections import OrderedDict

    import numpy as np

    import descend
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", "1")  # tests/conftest.py leaves them off elsewhere
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    common = _small_fit()
    eager = descend.fit(compile=False, **common)
    with monkeypatch.context() as off:
        off.setenv("DESCEND_PACKAGES", "0")  # the programs compiled in this process alone, as before packages
        in_process = descend.fit(compile=True, **common)
    assert not (tmp_path / "inductor-2" / "packages").exists() or not any(
        (tmp_path / "inductor-2" / "packages").iterdir())
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    first = descend.fit(compile=True, **common)
    assert np.array_equal(first.curves["value"].to_numpy(), in_process.curves["value"].to_numpy(), equal_nan=True)
    packages = sorted((tmp_path / "inductor-2" / "packages").iterdir())
    assert len(packages) == 2 and all(p.suffix == ".pt2" and not p.name.startswith(".") for p in packages)

    for mode in ("auto", "cached"):
        monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())  # as a new process: nothing held in memory
        with monkeypatch.context() as patched:
            _forbid_compiling(patched)
            again = descend.fit(compile=mode, **common)
        assert (again.summary["compile_seconds"] > 0).all()  # compiled programs, from the first step
        pd_first, pd_again = first.curves, again.curves
        assert np.array_equal(pd_first["value"].to_numpy(), pd_again["value"].to_numpy(), equal_nan=True)
    np.testing.assert_allclose(first.curves["value"].to_numpy(), eager.curves["value"].to_numpy(), rtol=1e-9)


PACKAGE_CODE = """
import sys, torch
from descend import models
import descend
g = torch.Generator().manual_seed(0)
x = torch.randn(32, 3, generator=g)
runs = descend.fit(model=models.MLP((3, 8, 1), hidden="tanh", output="identity", init="torch"),
                   data=(x, x.sum(dim=1, keepdim=True)), optimizer="adam", lr=[1e-2, 3e-2], batch_size=8, steps=22,
                   eval_every=0, compile=sys.argv[1] == "compile" or "auto")
print(repr(runs.curves["value"].tolist()))
print("compile_fx" if "torch._inductor.compile_fx" in sys.modules else "no compiler")
print(float(runs.summary["compile_seconds"].min()) if "compile_seconds" in runs.summary else 0.0)
if sys.argv[2:] == ["as-the-command-line-ends"]:  # the at-exit functions, then os._exit (descend.cli._exit)
    from descend.cli import _exit
    _exit(SystemExit(0))
"""


def test_a_new_process_reads_the_packages_without_importing_the_compiler(tmp_path):
    import os
    import subprocess
    import sys

    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "DESCEND_CACHE_DIR": str(tmp_path), "DESCEND_PACKAGES": "1", "TMPDIR": str(temporary)}

    def run(mode: str, *end: str) -> list[str]:
        out = subprocess.run([sys.executable, "-c", PACKAGE_CODE, mode, *end], capture_output=True, text=True,
                             env=env, check=True)
        return out.stdout.strip().splitlines()[-3:]

    values, compiler, seconds = run("compile")
    assert compiler == "compile_fx" and float(seconds) > 0
    again, compiler, seconds = run("auto", "as-the-command-line-ends")
    assert compiler == "no compiler" and float(seconds) > 0  # compiled programs, read back: Inductor never imported
    assert again == values  # the same numbers, bit for bit
    # each package read unpacks its library into a directory of the temporary directory, removed with its loader:
    # released at exit, none is left behind (a command that ended with os._exit left one of about 1.7 MB per
    # program it read)
    assert not list(temporary.glob("aotinductor_*"))


def test_a_damaged_package_is_compiled_again_and_replaced(monkeypatch, tmp_path):
    from collections import OrderedDict

    import numpy as np

    import descend
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", "1")  # tests/conftest.py leaves them off elsewhere
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    common = {**_small_fit(), "eval_every": 0}  # the step's program alone (the evaluation's is read as it is)
    first = descend.fit(compile=True, **common)
    packages = sorted((tmp_path / "inductor-2" / "packages").iterdir())
    assert len(packages) == 1
    # read once per process: a package read again (its program gone from the engine's cache) mapped another copy
    # of its library for good, as torch never unloads one
    read = [_compile.load_package(p.stem) for p in packages]
    assert all(r is not None and _compile.load_package(p.stem) is r for r, p in zip(read, packages))
    for package in packages:
        package.write_bytes(package.read_bytes()[:1000])  # cut short
        assert _compile.load_package(package.stem) is None
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    again = descend.fit(compile=True, **common)
    assert np.array_equal(first.curves["value"].to_numpy(), again.curves["value"].to_numpy(), equal_nan=True)
    assert all(_compile.load_package(p.stem) is not None for p in packages)  # whole again
    assert all(_compile.load_package(p.stem) is not r for r, p in zip(read, packages))  # the new file's


def test_without_a_writable_cache_programs_are_compiled_in_the_process(monkeypatch, tmp_path):
    from collections import OrderedDict

    import descend
    from descend import engine

    blocked = tmp_path / "a file"
    blocked.write_text("")
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(blocked))  # its directories cannot be made
    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    assert _compile.package_name(("descend", 1)) is None
    runs = descend.fit(compile=True, **{**_small_fit(), "eval_every": 0})
    assert (runs.summary["compile_seconds"] > 0).all()


def test_only_what_descends_code_decides_names_a_package(monkeypatch):
    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    for variable in ("ATEN_CPU_CAPABILITY", "TORCHINDUCTOR_MAX_AUTOTUNE"):
        monkeypatch.delenv(variable, raising=False)
    import math

    import numpy as np
    import torch

    from descend import models
    from descend.optim import get

    model = models.MLP((3, 8, 1), hidden="tanh", output="identity", init="torch")
    key = (model, get("adam").update, (torch.Size([4, 3]), torch.float32), 2)
    name = _compile.package_name(key)
    assert name is not None and name == _compile.package_name(key)
    assert _compile.package_name((*key[:3], 1)) != name  # another thread count, another program
    for variable, value in (("ATEN_CPU_CAPABILITY", "avx2"), ("TORCHINDUCTOR_MAX_AUTOTUNE", "1")):
        monkeypatch.setenv(variable, value)  # the vector instructions of Inductor's code, its settings
        assert _compile.package_name(key) not in (name, None), variable
        monkeypatch.delenv(variable)
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", "/elsewhere")  # where the cache is changes no program
    assert _compile.package_name(key) == name

    def local(x):
        return x

    offset = 2.0
    for unnameable in (lambda x: x, local, math.sin, torch.ones(3), np.ones(3), object(), model.grad if hasattr(
            model, "grad") else model.init, lambda x: x + offset):
        assert _compile.package_name((*key, unnameable)) is None, unnameable
    monkeypatch.setattr(_compile, "_source_digest", lambda: "descend's code changed")
    _compile._named.cache_clear()  # (a process names each key once)
    assert _compile.package_name(key) != name
    _compile._named.cache_clear()


def test_a_key_without_a_name_is_not_kept_alive_by_the_names_cache(monkeypatch, tmp_path):
    """Every fit asks for its groups' package names (compile="auto"); a key holding a closure, new at every call of a
    notebook's loop, was kept in the names' cache (up to 1,024 of them) with the model or loss and every tensor it
    captured: 4 MB more resident memory per call, though nothing was compiled."""
    import gc
    import weakref

    import torch

    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    def closure():
        captured = torch.ones(1000)
        return (lambda x: x * captured), weakref.ref(captured)

    model, seen = closure()
    before = _compile._named.cache_info().currsize
    assert _compile.package_name(("descend", model)) is None
    del model
    gc.collect()
    assert seen() is None, "the names' cache keeps the closure and its tensor alive"
    assert _compile._named.cache_info().currsize == before


def test_the_least_recently_used_packages_and_stale_partial_ones_are_dropped(tmp_path):
    import os
    import time

    now = time.time()
    for i, name in enumerate(["a", "b", "c"]):
        (tmp_path / f"{name}.pt2").write_text(name)
        os.utime(tmp_path / f"{name}.pt2", (now - 100 + i, now - 100 + i))
    (tmp_path / ".d.1.2.partial.pt2").write_text("being written")
    (tmp_path / ".e.1.2.partial.pt2").write_text("left by a killed process")
    os.utime(tmp_path / ".e.1.2.partial.pt2", (now - 7200, now - 7200))
    _compile._prune(tmp_path, keep=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".d.1.2.partial.pt2", "b.pt2", "c.pt2"]


def _aged_packages(monkeypatch, tmp_path, names: list[str]):
    """Packages ``names`` in a cache of their own, last used about 1,000 s ago, each a second after the one before;
    their folder and the time now."""
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    directory = _compile.packages_directory()
    directory.mkdir(parents=True)
    now = time.time()
    for i, name in enumerate(names):
        (directory / f"{name}.pt2").write_text(name)
        os.utime(directory / f"{name}.pt2", (now - 1000 + i, now - 1000 + i))
    return directory, now


def test_reading_a_package_makes_it_the_most_recently_used(monkeypatch, tmp_path):
    """A package read back is used: its time is refreshed, so that the oldest written but recently read one outlives
    a newer one never read (the test above sets the times itself, and none read a package)."""
    import torch

    monkeypatch.setattr(torch._C._aoti, "AOTIModelPackageLoader", lambda *args: object())  # any file reads
    directory, now = _aged_packages(monkeypatch, tmp_path, ["old", "new"])
    assert _compile.load_package("old") is not None
    assert (directory / "old.pt2").stat().st_mtime > now - 100
    _compile._prune(directory, keep=1)
    assert sorted(p.name for p in directory.iterdir()) == ["old.pt2"]


def test_a_package_found_for_cached_is_read_and_held_when_it_is_found(monkeypatch, tmp_path):
    """compile="cached" looked for its packages, then read them: another process pruning the cache in between
    dropped the least recently used, which could be the one just found, and "cached", which never compiles, compiled
    (16 s). A package is now read as it is found, and held by the process: a prune afterwards takes nothing from it.
    Keys none of whose packages is there, or one without a name, are not ready."""
    from collections import OrderedDict

    import torch

    from descend import engine, models

    monkeypatch.setattr(torch._C._aoti, "AOTIModelPackageLoader", lambda *args: object())  # any file reads
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(engine, "remember_compiled", lambda fingerprint: None)
    directory, _ = _aged_packages(monkeypatch, tmp_path, ["found", "newer"])
    monkeypatch.setattr(engine, "package_name", lambda key: key[1])  # the key's package, by name
    model = models.MLP((2, 1))
    assert not engine._ready(lambda: [("k", "found"), ("k", "missing")], model)
    assert not engine._ready(lambda: [("k", None)], model)
    assert engine._ready(lambda: [("k", "found")], model)
    _compile._prune(directory, keep=0)  # another process's prune, after "cached" found it
    assert not (directory / "found.pt2").exists() and engine._holds(lambda: [("k", "found")])
    assert engine._ready(lambda: [("k", "found")], model)


@pytest.mark.skipif(__import__("torch").get_num_threads() < 2, reason="one intra-op thread only")
@pytest.mark.parametrize("compile, evaluations", [("auto", {"eval_every": 0}), (True, {})])
def test_a_package_compiled_for_another_thread_count_is_taken(monkeypatch, tmp_path, compile, evaluations):
    """A program is compiled for a thread count (the cohort's when it was compiled: how many cores other processes
    left free). A later cohort that would take another count takes the package's rather than stepping eagerly
    ("auto") or compiling again (True: a second `descend compare --compile` on a quieter machine compiled for 24 s
    what the first had left on disk), the same numbers; where there is none, True compiles at its own count."""
    from collections import OrderedDict

    import numpy as np
    import torch

    import descend
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    monkeypatch.setattr(engine, "SMALL_WORK", 1)  # this small cohort counts as large enough to share out
    monkeypatch.setattr(engine, "SMALL_UPDATE", 1)
    limit = torch.get_num_threads()
    common = {**_small_fit(), **evaluations}  # (with True, its evaluations' program too)
    monkeypatch.setattr(engine, "spare_cores", lambda: 0.0)  # a busy machine: one thread
    first = descend.fit(compile=True, **common)
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())  # as a new process
    monkeypatch.setattr(engine, "spare_cores", lambda: float(limit))  # a quiet one: every thread
    counts = []
    original = engine._CompiledStep.__call__
    monkeypatch.setattr(engine._CompiledStep, "__call__",
                        lambda self, *a: counts.append(torch.get_num_threads()) or original(self, *a))
    with monkeypatch.context() as patched:
        _forbid_compiling(patched)
        again = descend.fit(compile=compile, **common)
    assert (again.summary["compile_seconds"] > 0).all() and set(counts) == {1}
    assert torch.get_num_threads() == limit  # torch's setting restored
    assert np.array_equal(first.curves["value"].to_numpy(), again.curves["value"].to_numpy(), equal_nan=True)


def _cached_runs_eagerly(monkeypatch, common: dict) -> None:
    """A fit with compile="cached" in a new process (nothing held) compiles nothing and gives the eager numbers,
    bit for bit."""
    from collections import OrderedDict

    import numpy as np

    import descend
    from descend import engine

    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())  # as a new process
    with monkeypatch.context() as patched:
        _forbid_compiling(patched)
        cached = descend.fit(compile="cached", **common)
    eager = descend.fit(compile=False, **common)
    assert "compile_seconds" not in cached.summary.columns or (cached.summary["compile_seconds"] == 0).all()
    assert np.array_equal(cached.curves["value"].to_numpy(), eager.curves["value"].to_numpy(), equal_nan=True)


def test_cached_never_compiles_a_package_it_cannot_read(monkeypatch, tmp_path):
    """compile="cached" (the playground's) never compiles: a package that is on disk but cannot be read (damaged)
    trains eagerly, with the eager numbers bit for bit, where it was compiled again (16-30 s for an answer) when the
    packages were read only after deciding. To "auto" such a package is as none (its probe decides whether to compile);
    compile=True compiles it again and replaces it."""
    from collections import OrderedDict

    import numpy as np

    import descend
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    common = {**_small_fit(), "eval_every": 0}  # the step's program alone
    compiled = descend.fit(compile=True, **common)
    [package] = sorted((tmp_path / "inductor-2" / "packages").iterdir())
    package.write_bytes(package.read_bytes()[:1000])  # cut short
    _cached_runs_eagerly(monkeypatch, common)
    again = descend.fit(compile=True, **common)
    assert np.array_equal(again.curves["value"].to_numpy(), compiled.curves["value"].to_numpy(), equal_nan=True)
    assert _compile.load_package(package.stem) is not None  # whole again


def test_cached_runs_eagerly_when_the_steps_program_is_ready_but_the_evaluations_is_not(monkeypatch, tmp_path):
    """compile="cached" (the playground's) gives an all-compiled or an all-eager result, never compiled steps with
    eager evaluations: a step's package written by a fit that evaluated nothing (or other splits) is not enough.
    Once a fit with compile=True has written the evaluation's package too, "cached" runs both compiled."""
    from collections import OrderedDict

    import numpy as np

    import descend
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", "1")
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    common = _small_fit()
    descend.fit(compile=True, **{**common, "eval_every": 0})  # the step's package alone
    assert len(list((tmp_path / "inductor-2" / "packages").iterdir())) == 1
    calls = []
    original = engine._CompiledEval.eager
    monkeypatch.setattr(engine._CompiledEval, "eager", lambda self, w: calls.append(1) or original(self, w))

    _cached_runs_eagerly(monkeypatch, common)
    assert calls  # the evaluations ran eagerly, and so did the steps: the eager numbers, bit for bit

    compiled = descend.fit(compile=True, **common)  # writes the evaluation's package
    assert len(list((tmp_path / "inductor-2" / "packages").iterdir())) == 2
    calls.clear()
    monkeypatch.setattr(engine, "_PROGRAMS", OrderedDict())
    with monkeypatch.context() as patched:
        _forbid_compiling(patched)
        again = descend.fit(compile="cached", **common)
    assert (again.summary["compile_seconds"] > 0).all() and not calls
    assert np.array_equal(again.curves["value"].to_numpy(), compiled.curves["value"].to_numpy(), equal_nan=True)


def test_ctrl_c_during_the_compiler_s_first_import_leaves_it_whole():
    """A Ctrl-C while a fit's first compile imported Dynamo left ``torch._dynamo`` half made: the fit ended as
    interrupted, and every later compile of the process failed ("partially initialized module 'torch._dynamo' has
    no attribute 'decorators'"). The imports now finish first; the Ctrl-C takes effect after them."""
    code = """
import os, signal, sys, threading
import torch
from descend import _compile
assert "torch._dynamo" not in sys.modules
threading.Timer(0.05, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
try:
    _compile.import_compiler()
    print("no interrupt")
except KeyboardInterrupt:
    print("interrupted after the imports:", all(name in sys.modules for name in _compile.COMPILER_MODULES))
import torch._dynamo.decorators
print("compiles:", torch.compile(lambda x: x + 1, backend="eager")(torch.ones(2)).tolist())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["interrupted after the imports: True", "compiles: [2.0, 2.0]"]


def test_interrupt_after_holds_ctrl_c_back_to_the_end_of_its_block():
    ran = []
    with pytest.raises(KeyboardInterrupt):
        with _compile.interrupt_after():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)
            ran.append("after the signal")
    assert ran == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("value, named", [("1", True), ("0", False), ("off", False), ("No", False),
                                          ("false", False)])
def test_packages_are_turned_off_by_the_usual_words(monkeypatch, tmp_path, value, named):
    """Only "0" turned them off: DESCEND_PACKAGES=no left them on without a word."""
    from descend import _compile

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("DESCEND_PACKAGES", value)
    assert (_compile.package_name(("a key", 1)) is not None) == named


def test_a_process_whose_descend_files_changed_since_it_imported_them_keeps_no_package(tmp_path):
    """A process that had run eagerly, then met an upgrade of descend's files and compiled, named its program after
    the new source while it had traced the old code: every later process of the new version read that package and
    ran the old rule. The digest is now the source's as the process imported it, and once the files change the
    process neither reads nor writes packages (said once), and a search records its trials as an edited descend's;
    writing a file again with the same contents changes nothing."""
    import shutil
    from pathlib import Path

    copy = tmp_path / "src"
    shutil.copytree(Path(_compile.__file__).resolve().parent, copy / "descend",
                    ignore=shutil.ignore_patterns("__pycache__"))
    script = f"""
import os, time, warnings
from pathlib import Path
import torch
import descend
from descend import _compile, _source
from descend.optim import get
from descend.tune.api import source_digest

warnings.simplefilter("error")
assert Path(descend.__file__).parent == Path({str(copy / "descend")!r})
key = (get("sgd").update, (torch.Size([4, 3]), torch.float32), 2)
before, digest = _compile.package_name(key), source_digest()
assert before is not None and len(digest) == 12
rule = Path(_source.ROOT) / "optim" / "sgd.py"
text = rule.read_text()
time.sleep(0.01)
rule.write_text(text)  # written again, the same: no change
_source._looked = float("-inf")
assert not _source.changed() and _compile.package_name(key) == before and source_digest() == digest
rule.write_text(text + "\\n# an upgrade\\n")
_source._looked = float("-inf")
with warnings.catch_warnings(record=True) as told:
    warnings.simplefilter("always")
    assert _compile.package_name(key) is None and _compile.package_name(key) is None
    assert source_digest() == "edited-" + digest[:5]
assert len(told) == 1 and "changed since this process imported descend" in str(told[0].message), told
rule.write_text(text)  # back as it was: this process still holds what it imported since
_source._looked = float("-inf")
assert _source.changed()
print("ok")
"""
    env = {**os.environ, "PYTHONPATH": str(copy), "DESCEND_CACHE_DIR": str(tmp_path / "cache"),
           "DESCEND_PACKAGES": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr


def test_a_program_another_process_is_compiling_is_waited_for_and_read_from_its_package(monkeypatch, tmp_path):
    """Three processes given the same new shape at once each compiled it in full (45-53 s each): the second waits
    on the package's lock and reads the package the first wrote; a wait past COMPILE_WAIT compiles anyway, and a
    lock's holder that ends (killed or not) lets the next one in."""
    from descend import engine

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    _compile.packages_directory().mkdir(parents=True)
    env = {**os.environ, "DESCEND_CACHE_DIR": str(tmp_path)}
    code = ("import time\nfrom descend import _compile\nwith _compile.compiling('shape'):\n"
            "    print('held', flush=True)\n    time.sleep(3)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with _compile.compiling("shape"):  # in once the holder's block has ended
            assert time.monotonic() - started > 1.5
        holder.wait()
        holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
        assert holder.stdout.readline().strip() == "held"
        monkeypatch.setattr(_compile, "COMPILE_WAIT", 0.3)
        started = time.monotonic()
        with _compile.compiling("shape"):  # waited too long: compiles anyway
            assert time.monotonic() - started < 2.0 and holder.poll() is None
        holder.kill()  # a killed holder's lock ends with it
        holder.wait()
        monkeypatch.setattr(_compile, "COMPILE_WAIT", 600.0)
        started = time.monotonic()
        with _compile.compiling("shape"):
            assert time.monotonic() - started < 1.0
    finally:
        holder.kill()
        holder.wait()
    # the package another process wrote while this one waited is read, and nothing is traced or compiled
    packages = iter([None, "the other process's program"])
    monkeypatch.setattr(engine, "load_package", lambda name: next(packages))
    monkeypatch.setattr(engine, "_traced_step", lambda *args: pytest.fail("compiled again"))
    assert engine._compile_step(None, None, None, (), (), None, None, False, None, {}, (), None, [],
                                name="shape") == "the other process's program"
    with _compile.compiling(None):  # a program without a name: nothing held
        pass
    # a lock outlives its package by an hour at most
    locks, now = _compile.locks_directory(), time.time()
    for name, age in (("gone-old", 7200), ("gone-new", 60), ("kept-old", 7200)):
        (locks / f"{name}.lock").touch()
        os.utime(locks / f"{name}.lock", (now - age, now - age))
    (_compile.packages_directory() / "kept-old.pt2").write_text("kept")
    _compile._prune(_compile.packages_directory())
    assert sorted(p.stem for p in locks.glob("*.lock")) == ["gone-new", "kept-old", "shape"]
