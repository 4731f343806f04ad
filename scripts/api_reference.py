"""The Python API reference, docs/api.md, written from the public names' signatures and docstrings.

Regenerate it after changing a public signature or docstring (from the repository's root)::

    .venv/bin/python scripts/api_reference.py            # writes docs/api.md
    .venv/bin/python scripts/api_reference.py --check    # exit 1 if docs/api.md is not what it would write

``tests/test_docs.py`` runs the check, so the page never describes another version of descend. The public names
are each module's ``__all__`` (:data:`MODULES`); a docstring's reStructuredText roles and literal blocks become
Markdown (:func:`markdown`); nothing else is rewritten.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import textwrap
import types
import typing
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "api.md"
WIDTH = 100  # a longer signature is laid out one parameter a line

#: The modules described, in the page's order, each with what it is for (the package's own summary).
MODULES = {
    "descend": "The package: `fit` (K configurations trained as one batched program), `RunSpec`, `Runs` and `tune`.",
    "descend.optim": "Optimizers as pure update rules with a run axis, and torch.optim-compatible classes.",
    "descend.losses": "Losses (the cost J and friends) with one value per run.",
    "descend.schedules": "Schedules as plain functions of the step, for any hyperparameter.",
    "descend.clipping": "Gradient clipping by value, norm and global norm, per run.",
    "descend.models": "Models whose parameters carry a run axis `[K, ...]`.",
    "descend.data": "Data sets, splits and batch plans.",
    "descend.landscapes": "Two-parameter cost surfaces with their critical points.",
    "descend.tasks": "The tasks `descend compare` and `descend tune` take: case studies, real data, landscapes, CSV.",
    "descend.spec": "Run specifications: one training run as a value (`RunSpec`), and the grids that list them.",
    "descend.formula": "Cost surfaces typed as formulas (`descend compare \"x^2 + 3*y^2\"`): the language and its "
                       "parser.",
    "descend.gradients": "The seeds' hand-derived gradients as plain functions (no autograd), with a run axis.",
    "descend.tasks.generators": "The case studies' data, generated as the seeds generate it.",
    "descend.tasks.real": "Real data as tasks: the data sets inside scikit-learn, and any CSV file (`from_csv`, the "
                          "Python twin of `--csv`).",
    "descend.play.widgets": "What `descend play` shows, computed by the library: one function per widget, from "
                            "its state to JSON-able results.",
    "descend.compare": "`descend compare` from Python: a comparison's configuration, its runs and its table.",
    "descend.engine": "The batched training loop under `descend.fit`: `train` (runs as `RunSpec` values), its hooks "
                      "(`Monitor`, `stop`, `progress`), `compile`, and `Runs`.",
    "descend.outcomes": "What became of a run: the one definition of divergence, and the other ways a run stops.",
    "descend.tune": "`descend tune` from Python: hyperparameter search on Optuna, K trials per batched cohort. "
                    "`descend.tune` itself is the function (above): import these names with `from descend.tune "
                    "import NAME` (`descend.tune.NAME` does not reach them).",
    "descend.tune.result": "What a search returns: `from descend.tune.result import TuneResult`.",
    "descend.progress": "The progress bars of `fit(progress=True)`, `tune(progress=True)` and the command line.",
}
#: Modules with an ``__all__`` of their own that are not described here: the command line's and the web page's
#: internals, whose names the modules above use (a new module with an ``__all__`` is one or the other).
INTERNAL = {"descend._allocator", "descend._machine", "descend._source", "descend.play", "descend.play.commands",
            "descend.play.state", "descend.play.warm", "descend.report.colours", "descend.report.figures",
            "descend.report.html", "descend.tune.fanova", "descend.tune.report"}
#: Names of the package itself that are modules described on their own (listed there, not again here).
SUBMODULES = {"clipping", "compare", "data", "landscapes", "losses", "models", "optim", "schedules", "spec", "tasks",
              "tune"}
#: Extra names of a module that its ``__all__`` does not hold but its users read (returned values' classes).
EXTRA = {"descend.tune.result": ["TuneResult"]}


def markdown(doc: str) -> str:
    """A docstring's reStructuredText as Markdown: ``.. code-block::`` and ``::`` literal blocks fenced, roles
    (``:func:`x```) and double back-quotes as code, ``>>>`` examples fenced as Python."""
    lines = doc.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = re.match(r"\s*\.\. code-block::\s*(\w*)\s*$", line)
        literal = line.rstrip().endswith("::") and not directive
        if directive or literal:
            language = directive.group(1) if directive else "text"
            if literal:
                text = line.rstrip()[:-1]  # "text::" reads "text:", a lone "::" nothing
                if text.strip() not in ("", ":"):
                    out.append(text)
            indent = len(line) - len(line.lstrip())  # the block is what is indented deeper (in a list item too)
            i += 1
            block: list[str] = []
            while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            while block and not block[0].strip():
                block.pop(0)
            out += ["", f"```{language}", *textwrap.dedent("\n".join(block)).splitlines(), "```", ""]
            continue
        if line.lstrip().startswith(">>>"):
            indent = len(line) - len(line.lstrip())
            block = []
            while i < len(lines) and lines[i].strip() and len(lines[i]) - len(lines[i].lstrip()) >= indent:
                block.append(lines[i][indent:])
                i += 1
            out += ["", "```python", *block, "```", ""]
            continue
        out.append(line)
        i += 1
    chunks = re.split(r"(\n```\w*\n.*?\n```\n)", "\n".join(out), flags=re.S)  # the fenced blocks stay as written
    text = "".join(chunk if chunk.startswith("\n```") else _inline(chunk) for chunk in chunks)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _inline(text: str) -> str:
    """Roles (``:func:`x```) and double back-quotes as Markdown code, also where they span lines."""
    text = re.sub(r":(?:func|class|mod|data|meth|attr|exc|obj):`~?([^`]+)`", r"`\1`", text)
    return re.sub(r"``([^`]+?)``", r"`\1`", text, flags=re.S)


def _constants(module: types.ModuleType) -> dict[str, str]:
    """The ``#:`` comments above the top-level assignments of a module, and of its package's modules for a
    package (where the names it re-exports are defined): what each constant is."""
    found: dict[str, str] = {}
    for name in [m.name for m in pkgutil.iter_modules(getattr(module, "__path__", []), module.__name__ + ".")]:
        found.update(_comments(Path(importlib.util.find_spec(name).origin).read_text(encoding="utf-8")))
    found.update(_comments(Path(module.__file__).read_text(encoding="utf-8")))
    return found


def _comments(source: str) -> dict[str, str]:
    lines = source.splitlines()
    found: dict[str, str] = {}
    for node in ast.parse(source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign) else []
        comment: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#:"):
            comment.insert(0, lines[row].lstrip()[2:].strip())
            row -= 1
        for target in targets:
            if isinstance(target, ast.Name) and comment:
                found[target.id] = " ".join(comment)
    return found


class _Text:
    """An annotation shown as written: descend's are strings (``from __future__ import annotations``), which a
    signature would show quoted."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _signature(obj: object, drop_return: bool = False, wrap: bool = True) -> str:
    try:
        signature = inspect.signature(obj)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""

    def shown(annotation: object) -> object:
        if isinstance(annotation, typing.ForwardRef):  # a NamedTuple's field under postponed annotations
            annotation = annotation.__forward_arg__
        return _Text(annotation) if isinstance(annotation, str) else annotation

    signature = signature.replace(
        parameters=[p.replace(annotation=shown(p.annotation)) for p in signature.parameters.values()],
        return_annotation=shown(signature.return_annotation))
    if drop_return:
        signature = signature.replace(return_annotation=inspect.Signature.empty)
    text = str(signature)
    if wrap and len(text) > WIDTH:  # one parameter a line, as a formatter lays out a long definition
        parts, previous = [], None
        for p in signature.parameters.values():
            if previous == inspect.Parameter.POSITIONAL_ONLY and p.kind != previous:
                parts.append("/")
            if p.kind == inspect.Parameter.KEYWORD_ONLY and previous not in (
                    inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.VAR_POSITIONAL):
                parts.append("*")
            parts.append(str(p))
            previous = p.kind
        if previous == inspect.Parameter.POSITIONAL_ONLY:
            parts.append("/")
        returns = "" if signature.return_annotation is inspect.Signature.empty else (
            f" -> {inspect.formatannotation(signature.return_annotation)}")
        text = "(\n" + "".join(f"    {part},\n" for part in parts) + ")" + returns
    return re.sub(r" at 0x[0-9a-f]+", "", text)  # a default's repr must not name a memory address


def _members(cls: type) -> list[tuple[str, object]]:
    """A class's public methods and properties defined by descend, with a docstring of their own."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_") or not getattr(value, "__doc__", None):
            continue
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property) or inspect.isfunction(value):
            found.append((name, value))
    return found


def _fields(cls: type) -> list[str]:
    if not dataclasses.is_dataclass(cls):
        return []
    return [f.name for f in dataclasses.fields(cls) if not f.name.startswith("_")]


def describe(qualified: str, obj: object, constants: dict[str, str]) -> list[str]:
    """One public name's entry: heading, signature and docstring."""
    name = qualified.rsplit(".", 1)[1]
    out = [f"### `{qualified}`", ""]
    if _alias(obj):
        out += [_value(obj) + (f" {_inline(constants[name])}" if name in constants else ""), ""]
    elif inspect.isclass(obj):
        out += ["```python", f"class {name}{_signature(obj, drop_return=True)}", "```", ""]
        doc = inspect.getdoc(obj) or ""
        if doc:
            out += [markdown(doc), ""]
        fields = _fields(obj)
        if fields:
            out += ["Fields: " + ", ".join(f"`{f}`" for f in fields) + ".", ""]
        for member, value in _members(obj):
            target = value.fget if isinstance(value, property) else value
            signature = "" if isinstance(value, property) else _signature(target, wrap=False)  # in a list item
            kind = "property " if isinstance(value, property) else ""
            out += [f"- {kind}**`{member}{signature}`**", ""]
            body = markdown(inspect.getdoc(target) or "")
            out += [textwrap.indent(body, "  "), ""]
    elif callable(obj):
        out += ["```python", f"{name}{_signature(obj)}", "```", ""]
        doc = inspect.getdoc(obj)
        if doc:
            out += [markdown(doc), ""]
    else:
        out += [_value(obj) + (f" {_inline(constants[name])}" if name in constants else ""), ""]
    return out


def _alias(obj: object) -> bool:
    """A type alias (``Hyper = float | Tensor``), not a class or a function."""
    return isinstance(obj, (types.UnionType, types.GenericAlias)) or type(obj).__module__ in ("typing",
                                                                                               "collections.abc")


def _type_text(obj: object) -> str:
    return re.sub(r"\b(typing|collections\.abc)\.", "", str(obj).replace("torch.Tensor", "Tensor"))


def _value(obj: object) -> str:
    """What a constant holds, in a line: a type alias's type, a mapping's keys, a short collection's items."""
    if _alias(obj):
        return f"A type: `{_type_text(obj)}`."
    if isinstance(obj, Mapping):
        return f"A mapping of {len(obj)}: " + ", ".join(f"`{k}`" for k in obj) + "."
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else list(obj)
        return f"A `{type(obj).__name__}` of {len(items)}: " + ", ".join(f"`{item!r}`" for item in items) + "."
    if isinstance(obj, (int, float, str)):
        return f"`{obj!r}`."
    return f"A `{type(obj).__name__}`."


def page() -> str:
    """The whole page, as it is written to docs/api.md."""
    import descend

    out = ["# descend: Python API reference", "",
           f"Every public name of descend {descend.__version__}: each module's `__all__`, with its signature and "
           "docstring. Written by `scripts/api_reference.py` (do not edit by hand; `tests/test_docs.py` checks "
           "that it is current). The README shows how the parts fit together; `help(name)` shows the same text "
           "in Python.", ""]
    sections: list[list[str]] = []
    described: dict[int, str] = {}
    for module_name, summary in MODULES.items():
        module = importlib.import_module(module_name)
        names = [n for n in getattr(module, "__all__", []) if not n.startswith("__")]
        names += EXTRA.get(module_name, [])
        if module_name == "descend":
            names = [n for n in names if n not in SUBMODULES] + ["tune"]
        constants = _constants(module)
        entries = [f"## `{module_name}`", "", summary, ""]
        for name in names:
            obj = getattr(module, name)
            if module_name != "descend" and inspect.ismodule(obj):
                continue
            first = described.get(id(obj)) if (inspect.isclass(obj) or inspect.isroutine(obj)) else None
            if first is not None:  # a name re-exported by another module: described once, where it first came
                entries += [f"### `{module_name}.{name}`", "", f"The same as `{first}` (above).", ""]
                continue
            if inspect.isclass(obj) or inspect.isroutine(obj):
                described[id(obj)] = f"{module_name}.{name}"
            entries += describe(f"{module_name}.{name}", obj, constants)
        sections.append(entries)
    out += ["Contents: " + ", ".join(f"[`{m}`](#{_anchor(m)})" for m in MODULES) + ".", ""]
    for entries in sections:
        out += entries
    text = "\n".join(out).rstrip() + "\n"
    return re.sub(r"[ \t]+\n", "\n", text)


def _anchor(module_name: str) -> str:
    """GitHub's anchor of the heading ``## `module_name` ``."""
    return re.sub(r"[^\w\- ]", "", module_name.lower()).replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/api.md is not what would be written")
    args = parser.parse_args(argv)
    text = page()
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python scripts/api_reference.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
