"""The modules' dependencies form layers: no import cycles, and the engine knows nothing of tasks."""

from __future__ import annotations

import ast
from pathlib import Path

import descend

ROOT = Path(descend.__file__).parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _graph() -> dict[str, set[str]]:
    """Module → the descend modules it imports, anywhere in its body (lazy imports in functions too)."""
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        tree = ast.parse(path.read_text())
        if name == "descend":  # the package imports its parts lazily, by name (``descend.fit``); its imports for
            # type checkers only (``if TYPE_CHECKING:``) name them for editors and never run, as the lazy ones add
            # no edge
            tree.body = [n for n in tree.body if not (isinstance(n, ast.If) and isinstance(n.test, ast.Name)
                                                      and n.test.id == "TYPE_CHECKING")]
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - (node.level - 1)]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    hit = sub if sub in modules else target
                    if hit in modules and hit != name:
                        graph[name].add(hit)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in modules and alias.name != name:
                        graph[name].add(alias.name)
    return graph


def _reaches(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph[todo.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles_between_descend_modules():
    assert _cycles(_graph()) == []


def test_the_engine_does_not_import_the_task_catalogue():
    graph = _graph()
    for module in ("descend.engine", "descend.problem", "descend.spec", "descend.models", "descend.optim"):
        reached = _reaches(graph, module)
        assert not any(m == "descend.tasks" or m.startswith("descend.tasks.") for m in reached), module
    assert "descend.landscapes" not in _reaches(graph, "descend.models")
