"""Where compiled programs are kept: a per-user cache directory, not Inductor's /tmp default."""

from __future__ import annotations

from torch._inductor.runtime.cache_dir_utils import default_cache_dir

from descend import _compile


def test_compiled_programs_go_to_descends_cache_directory(monkeypatch, tmp_path):
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", default_cache_dir())  # torch's own default: not a choice
    _compile.use_cache_directory()
    assert _compile.cache_directory() == tmp_path / "cache" / "inductor"
    assert (tmp_path / "cache" / "inductor").is_dir()
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "cache" / "inductor")


def test_the_users_choice_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("TORCHINDUCTOR_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("DESCEND_CACHE_DIR", str(tmp_path / "cache"))
    _compile.use_cache_directory()
    import os

    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(tmp_path / "mine")


def test_default_is_under_the_users_cache_home(monkeypatch, tmp_path):
    monkeypatch.delenv("DESCEND_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert _compile.cache_directory() == tmp_path / "descend" / "inductor"
