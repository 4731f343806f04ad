"""The README's examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_blocks_run(code):
    from descend import optim

    try:
        exec(compile(code, str(README), "exec"), {})
    finally:  # an optimizer a block registered (descend.optim.register) is not left to the other tests
        for name in optim.available(own=False):
            optim.unregister(name)


def test_readme_has_the_two_setup_commands_and_ci_runs_the_second():
    text = README.read_text()
    commands = re.findall(r"```bash\n(python3 -m venv .*?)\n```", text)
    assert len(commands) == 2 and "descend compare" in commands[0] and "pytest" in commands[1]
    ci = (README.parent / ".ci" / "run").read_text()
    assert commands[1] in ci
