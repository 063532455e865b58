"""The engine's modules form one pipeline: each imports only the steps before it."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "bot" / "engine"


def engine_imports(path: Path) -> set[str]:
    """The engine modules `path` imports anywhere in it, type-only imports included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module == "bot.engine":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bot.engine."):
            found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found.update(
                alias.name.split(".")[2]
                for alias in node.names
                if alias.name.startswith("bot.engine.")
            )
    return found - {path.stem}


def test_no_engine_modules_import_each_other_in_a_circle():
    """Reading the engine, each module needs only those before it: no two import each other,
    not even for a type (store and tables once did)."""
    graph = {path.stem: engine_imports(path) for path in ENGINE.glob("*.py")}
    assert len(graph) > 10 and graph["store"] >= {"tables", "segments"}

    def circle_from(start: str) -> list[str] | None:
        path, seen = [start], set()

        def visit(module: str) -> list[str] | None:
            for imported in sorted(graph.get(module, ())):
                if imported == start:
                    return [*path, start]
                if imported not in seen:
                    seen.add(imported)
                    path.append(imported)
                    if found := visit(imported):
                        return found
                    path.pop()
            return None

        return visit(start)

    circles = [" -> ".join(found) for name in graph if (found := circle_from(name))]
    assert circles == []
