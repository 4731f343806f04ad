""""Copy as command": a widget's state as the ``descend compare`` command and the Python that give its numbers.

The command is written from :class:`descend.compare.Config`, the schema ``descend compare`` is generated from:
:func:`compare_command` checks the settings with :meth:`Config.from_dict` and spells each one with its flag, so
a command shown here is one the command line accepts. A task's options (the line's ``m``, a landscape's gradient
noise) are ``--task-option KEY=VALUE`` items; one that cannot be written so makes it a small TOML file read with
``--config``.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["compare_command", "python_snippet", "run_spec_code"]


def compare_command(settings: Mapping[str, Any], *, config_file: str = "play.toml", out: str | None = None) -> str:
    """The ``descend compare`` command for ``settings`` (keys of :class:`descend.compare.Config`), writing its
    report to ``out`` where given (``--out``, among the options: a formula that starts with ``-`` comes last,
    after ``--``).

    >>> compare_command({"task": "himmelblau", "optimizer": ["adam"], "lr": [0.05], "steps": 300, "seeds": 1,
    ...                  "start": [-4.0, 4.0]})
    'descend compare himmelblau --optimizer adam --lr 0.05 --steps 300 --start -4.0,4.0 --seeds 1'
    """
    from ..compare import Config

    config = Config.from_dict(dict(settings))  # refused here, with its message, if the CLI would refuse it
    entries = {e.key: e for e in Config.entries()}
    data = {k: v for k, v in config.to_dict().items() if k == "seeds" or v != _dumped(entries[k])}
    if any(not entries[k].flags and not entries[k].setting.argument for k in data) or any(
            isinstance(v, Mapping) and _items(v) is None for v in data.values()):
        import tomli_w

        body = tomli_w.dumps(data).strip()
        where = f" --out {shlex.quote(out)}" if out is not None else ""
        return f"cat > {config_file} <<'EOF'\n{body}\nEOF\ndescend compare --config {config_file}{where}"
    parts, last = ["descend", "compare"], []
    for key, value in data.items():
        entry = entries[key]
        if entry.setting.argument:
            if str(value).startswith("-"):  # a formula read as an option ('-exp(...)': "No such option: -e"): after
                last = ["--", shlex.quote(str(value))]  # the options' end, where nothing is one
            else:
                parts.insert(2, shlex.quote(str(value)))
            continue
        flag = next(f for f in entry.flags if f.startswith("--"))
        if entry.setting.switch:
            parts.append(flag if value else f"--no-{flag[2:]}")
        elif entry.setting.repeat:
            for v in (_items(value) if isinstance(value, Mapping) else value):  # a table: one KEY=VALUE each
                parts += [flag, shlex.quote(str(v))]
        else:
            text = ",".join(_number(v) for v in value) if isinstance(value, (list, tuple)) else _number(value)
            parts += [flag, shlex.quote(text)]
    if out is not None:
        parts += ["--out", shlex.quote(out)]
    return " ".join(parts + last)


def _items(table: Mapping[str, Any]) -> list[str] | None:
    """A table (``--task-option``'s) as the flag's ``KEY=VALUE`` items, each read back as the same value (a number,
    true/false, a word, or numbers separated by commas); None when a value cannot be written so (a list of
    pairs, a word that reads as a number): the command is then a TOML file."""
    from ..compare_config import parse_scalar

    def text(v: Any) -> str:
        return str(v).lower() if isinstance(v, bool) else _number(v)

    out = []
    for key, value in table.items():
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if not values or any(isinstance(v, (list, tuple, Mapping)) or "," in text(v) for v in values):
            return None
        if [parse_scalar(text(v), key) for v in values] != values:
            return None
        out.append(f"{key}={','.join(text(v) for v in values)}")
    return out


def _dumped(entry: Any) -> Any:
    """An entry's default as :meth:`Config.to_dict` writes it (a default is left out of the command)."""
    default = entry.default
    if default is None:
        return None
    return entry.setting.dump(default) if entry.setting.dump is not None else default


def _number(v: Any) -> str:
    if isinstance(v, float):
        return repr(v)
    return str(v)


def run_spec_code(optimizer: str, hyper: Mapping[str, Any], *, batch_size: Any = None, schedule: str | None = None,
                  steps: int = 1) -> str:
    """``RunSpec(...)`` as Python, with a schedule built by ``descend compare``'s own parser."""
    args = [repr(optimizer), "{" + ", ".join(f"{k!r}: {v!r}" for k, v in hyper.items()) + "}"]
    if batch_size is not None:
        args.append(f"batch_size={batch_size!r}")
    args.append("seed=0")
    if schedule:
        args.append(f"schedules={{'lr': parse_schedule({schedule!r}, {steps})[1]}}")
    return f"RunSpec({', '.join(args)})"


def python_snippet(task_code: str, specs: Sequence[str], budget: str, *, extra: str = "",
                   imports: Sequence[str] = (), compiled: bool = False) -> str:
    """A runnable script: build the task, train the runs with :func:`descend.fit`, print the summary; with
    ``compile=True`` where the widget's numbers came from compiled programs (the same numbers bit for bit)."""
    lines = ["import descend", "from descend.compare import parse_schedule", "from descend.spec import RunSpec",
             *imports, "", f"task = {task_code}", "runs = descend.fit(task=task, runs=["]
    lines += [f"    {s}," for s in specs]
    lines.append(f"], {budget}, compile={compiled})")
    if extra:
        lines.append(extra)
    lines.append("print(runs.summary)")
    return "\n".join(lines)
