"""The distributions a user installs from: the wheel holds the whole package (its files that are not Python too,
which ``descend play`` serves), and the source distribution the whole repository (its tests run from it).

Both are built from a copy of the files git tracks, by setuptools' own build hooks (PEP 517), without fetching a
build environment.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "descend"


def _tracked() -> list[str]:
    if not (ROOT / ".git").exists():
        pytest.fail("tests/test_packaging.py needs a git checkout: it compares the source distribution with the "
                    "files git tracks")
    out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], list[str], list[str]]:
    """The tracked files, and the names in the wheel and in the sdist (without the sdist's top folder)."""
    tree, out = tmp_path_factory.mktemp("tree"), tmp_path_factory.mktemp("dist")
    tracked = _tracked()
    for name in tracked:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, tree / name)
    hooks = ("import sys, setuptools.build_meta as hooks; out = sys.argv[1]; "  # the hooks rewrite sys.argv
             "names = hooks.build_sdist(out), hooks.build_wheel(out); print('built:', *names)")
    done = subprocess.run([sys.executable, "-c", hooks, str(out)], cwd=tree, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    sdist, wheel = [line for line in done.stdout.splitlines() if line.startswith("built: ")][-1].split()[1:]
    with zipfile.ZipFile(out / wheel) as archive:
        in_wheel = archive.namelist()
    with tarfile.open(out / sdist) as archive:
        in_sdist = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    return tracked, in_wheel, in_sdist


def test_the_wheel_holds_every_file_of_the_package(built):
    _, in_wheel, _ = built
    files = [p.relative_to(PACKAGE.parent).as_posix() for p in PACKAGE.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    assert "descend/play/static/index.html" in files  # the page descend play serves
    assert "descend/py.typed" in files  # PEP 561: type checkers and editors read descend's annotations
    missing = sorted(set(files) - set(in_wheel))
    assert not missing, f"the wheel lacks {missing}: declare them in pyproject.toml's [tool.setuptools.package-data]"


def test_the_wheel_holds_the_package_only_and_its_licence(built):
    _, in_wheel, _ = built
    others = [name for name in in_wheel if not name.startswith(("descend/", "descend-"))]
    assert not others, others
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in in_wheel), in_wheel[-8:]
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in in_wheel)


def test_the_sdist_holds_every_tracked_file(built):
    tracked, _, in_sdist = built
    missing = sorted(set(tracked) - set(in_sdist))
    assert not missing, f"the source distribution lacks {missing[:20]}: add them to MANIFEST.in"
    assert not any("__pycache__" in name or name.endswith(".pyc") for name in in_sdist)
