"""The shape of the package: no import cycle among tm's modules, no module over
500 lines (issue 15).

The import graph is read with ast from tm/**/*.py, without importing anything:
an edge A -> B for every `import tm.B` / `from tm.B import ...` / relative
`from .B import ...` at module level (including inside `if`/`try` at module
level, e.g. `if TYPE_CHECKING:`). Imports inside a function or method body
(lazy imports, made when the function runs) are excluded: they cannot make the
import of a module fail half-way, which is what a cycle breaks. A `from .pkg
import name` where `name` is a submodule of the package counts as an edge to
the submodule too.
"""
from __future__ import annotations

import ast
from pathlib import Path

TM = Path(__file__).resolve().parent.parent / "tm"
MAX_LINES = 500
# Modules allowed over MAX_LINES for now (none: tm/pipeline.py and tm/embed.py
# became the packages tm/pipeline/ and tm/embed/).
ALLOWED_LONG: set[str] = set()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(TM.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(TM.rglob("*.py"))}


def _module_level(tree: ast.Module):
    """Statements at module level, looking into if/try/with blocks but not into
    function or class bodies."""
    todo = list(tree.body)
    while todo:
        node = todo.pop(0)
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []):
                    todo.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    out: set[str] = set()

    def add(target: str) -> None:
        # the deepest tm module the import names (tm.a.b -> tm.a.b if a module, else tm.a)
        while target and target not in modules:
            target = target.rpartition(".")[0]
        if target and target != name:
            out.add(target)

    for node in _module_level(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "tm" or alias.name.startswith("tm."):
                    add(alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package
                for _ in range(node.level - 1):
                    base = base.rpartition(".")[0]
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target != "tm" and not target.startswith("tm."):
                continue
            add(target)
            for alias in node.names:
                if f"{target}.{alias.name}" in modules:
                    add(f"{target}.{alias.name}")
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}     # 1 = on the stack, 2 = done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_sees_known_edges():
    graph = _graph()
    assert "tm.models" in graph["tm.check"]
    assert "tm.glossary" in graph["tm.tbx"]
    assert "tm.numbers" in graph["tm.check"]


def test_a_cycle_is_found():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_among_tm_modules():
    cycle = _cycle(_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_module_over_500_lines():
    long = {}
    for path in sorted(TM.rglob("*.py")):
        rel = path.relative_to(TM.parent).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in ALLOWED_LONG:
            long[rel] = n
    assert not long, f"modules over {MAX_LINES} lines: {long}"
