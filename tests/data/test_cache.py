"""Data read from scikit-learn, kept on disk: later processes get the same arrays without importing it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from descend.data import cache, load_sklearn

READ = """
import sys, torch
from descend.data import load_sklearn
import descend.tasks as tasks
ds = load_sklearn("wine")
x = tasks.get("vanishing").problem().train[0]
print("sklearn" in sys.modules, float(ds.x.sum()), ds.classes, float(x.sum()))
"""


def test_a_second_process_reads_the_same_data_without_scikit_learn(tmp_path):
    env = {**os.environ, "DESCEND_CACHE_DIR": str(tmp_path)}
    env.pop("TORCHINDUCTOR_CACHE_DIR", None)
    first = subprocess.run([sys.executable, "-c", READ], env=env, capture_output=True, text=True, check=True)
    second = subprocess.run([sys.executable, "-c", READ], env=env, capture_output=True, text=True, check=True)
    assert first.stdout.startswith("True ") and second.stdout.startswith("False ")
    assert first.stdout.split(" ", 1)[1] == second.stdout.split(" ", 1)[1]  # the same numbers and names
    assert len(list((tmp_path / "data").glob("*.npz"))) == 2 and not list((tmp_path / "data").glob("*.part"))


@pytest.mark.parametrize("name", ["digits", "breast-cancer", "diabetes", "wine", "iris"])
def test_cached_data_equal_scikit_learns(name, monkeypatch, tmp_path):
    import sklearn.datasets

    from descend.data.bundled import _SKLEARN_LOADERS

    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path))
    stored, read = load_sklearn(name, dtype=torch.float64), load_sklearn(name, dtype=torch.float64)  # built, read
    bunch = getattr(sklearn.datasets, _SKLEARN_LOADERS[name][0])()
    for ds in (stored, read):
        assert np.array_equal(ds.x.numpy(), np.asarray(bunch.data, dtype=np.float64))
        assert np.array_equal(ds.y.numpy(), np.asarray(bunch.target, dtype=np.float64))
        assert list(ds.feature_names) == [str(n) for n in bunch.feature_names]
    assert read.classes == stored.classes and read.kind == stored.kind


def test_an_unwritable_cache_is_no_error(monkeypatch, tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(cache, "_directory", lambda: blocked / "data")
    calls = []
    got = cache.cached_arrays("thing", (1,), lambda: calls.append(1) or {"a": np.arange(3)})
    again = cache.cached_arrays("thing", (1,), lambda: calls.append(1) or {"a": np.arange(3)})
    assert calls == [1, 1] and np.array_equal(got["a"], again["a"])


@pytest.mark.parametrize("damage", ["empty", "cut", "changed"])
def test_a_damaged_cache_file_is_built_again(monkeypatch, tmp_path, damage):
    """An empty file ended every later command with "Aborted!" (EOFError), a cut or changed one with a BadZipFile
    traceback, until the user found and removed the hidden file."""
    monkeypatch.setattr(cache, "_directory", lambda: tmp_path)
    calls = []

    def build():
        calls.append(1)
        return {"a": np.arange(1000.0), "names": ["x", "y"]}

    cache.cached_arrays("thing", (1,), build)
    (path,) = tmp_path.glob("thing-*.npz")
    data = path.read_bytes()
    path.write_bytes({"empty": b"", "cut": data[: len(data) // 2],
                      "changed": data[:200] + bytes([data[200] ^ 0xFF]) + data[201:]}[damage])
    got = cache.cached_arrays("thing", (1,), build)
    assert calls == [1, 1] and np.array_equal(got["a"], np.arange(1000.0)) and got["names"] == ["x", "y"]
    assert cache.cached_arrays("thing", (1,), build)["names"] == ["x", "y"] and calls == [1, 1]  # written again


def test_a_cache_file_has_the_mode_of_any_file_written_under_the_umask(monkeypatch, tmp_path):
    """The file was written private (a temporary file's 0600), where packages and reports follow the umask: a cache
    shared by a group (``DESCEND_CACHE_DIR`` on a lab's disk) could not be read by the others."""
    monkeypatch.setattr(cache, "_directory", lambda: tmp_path)
    before = os.umask(0o022)
    try:
        cache.cached_arrays("thing", (1,), lambda: {"a": np.arange(3)})
    finally:
        os.umask(before)
    (path,) = tmp_path.glob("thing-*.npz")
    assert path.stat().st_mode & 0o777 == 0o644
