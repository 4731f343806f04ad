"""docs/api.md is the API reference of this version of descend (scripts/api_reference.py writes it)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("api_reference", ROOT / "scripts" / "api_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_current():
    # a public signature or docstring changed without the page: run python scripts/api_reference.py
    assert (ROOT / "docs" / "api.md").read_text(encoding="utf-8") == _script().page()


def test_api_reference_names_every_public_name_and_its_text():
    import descend.optim

    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    for name in descend.optim.__all__:
        assert f"### `descend.optim.{name}`" in text
    assert "```text\nv ← β₁·v + (1 − β₁)·g" in text  # adam_update's equations, as a literal block
    assert not re.search(r":(func|class|mod|data|meth):`", text)  # roles read as code, not as reST
    assert " at 0x" not in text  # no memory address from a default's repr
    assert "ForwardRef" not in text  # a NamedTuple's fields under postponed annotations, as written


def test_every_module_with_a_public_list_is_described_or_declared_internal():
    """descend.spec, descend.formula and three more had an ``__all__`` and no section."""
    script = _script()
    declared = set(script.MODULES) | script.INTERNAL
    found = set()
    for path in (ROOT / "src" / "descend").rglob("*.py"):
        if re.search(r"^__all__\b", path.read_text(encoding="utf-8"), flags=re.M):
            parts = path.relative_to(ROOT / "src").with_suffix("").parts
            found.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    assert found - declared == set(), "add each to MODULES (documented) or INTERNAL in scripts/api_reference.py"
    assert declared - found - {"descend.tune.result"} == set()  # (its names are EXTRA: no __all__)


def test_markdown_of_a_docstring():
    markdown = _script().markdown
    doc = ("Uses :func:`descend.fit` and ``x``, ``a\nb``.\n\n.. code-block:: text\n\n    w ← w − α·g\n\n"
           "Example::\n\n    f(1)\n\nThen:\n\n>>> 1 + 1\n2\n")
    assert markdown(doc) == ("Uses `descend.fit` and `x`, `a\nb`.\n\n```text\nw ← w − α·g\n```\n\nExample:\n\n"
                             "```text\nf(1)\n```\n\nThen:\n\n```python\n>>> 1 + 1\n2\n```")
