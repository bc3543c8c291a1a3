"""The builder's layers, enforced (issue 14): data flows one way.

Every module of ``builder/`` belongs to one layer; a module may import its own layer and the
layers below, never one above, and no group of modules may import each other in a circle.
Imports inside functions count too: hiding an import in a function does not change which
way the code depends. The picture is in docs/architecture.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BUILDER = Path(__file__).resolve().parent.parent / "builder"

# Bottom to top. A new module goes in the layer of what it does (and in docs/architecture.md).
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("socle : modèle, types de champs, textes, régions, problèmes, chemins de sortie", frozenset({
        "builder", "builder.problems", "builder.dialect", "builder.markers", "builder.themes", "builder.richtext",
        "builder.regions", "builder.models", "builder.labels", "builder.config", "builder.paths", "builder.context",
        "builder.pool",
    })),
    ("chargement", frozenset({
        "builder.yamlio", "builder.files", "builder.typed_nodes", "builder.hints", "builder.concepts",
        "builder.loader",
    })),
    ("validation", frozenset({"builder.validate", "builder.content_check", "builder.leftovers"})),
    ("rendu", frozenset({
        "builder.markdown", "builder.accessibility", "builder.views", "builder.facets", "builder.charts",
        "builder.francemap", "builder.metadata", "builder.pages",
    })),
    ("MkDocs", frozenset({"builder.site", "builder.mkdocs_parallel"})),
    ("après MkDocs", frozenset({
        "builder.exports", "builder.typography", "builder.csp", "builder.search",
        "builder.search.french", "builder.search.snowball_js", "builder.search.index",
    })),
    ("paquet", frozenset({"builder.package", "builder.links"})),
    ("chaîne", frozenset({"builder.build", "builder.incremental", "builder.runs", "builder.safety"})),
    ("commandes", frozenset({
        "builder.cli", "builder.__main__", "builder.serve", "builder.errorlog", "builder.from_issue",
        "builder.schemas", "builder.search.engine", "builder.search.cli",
    })),
)
LAYER_OF = {module: rank for rank, (_, modules) in enumerate(LAYERS) for module in modules}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BUILDER.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """The builder modules ``path`` imports, anywhere in the file (functions included)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "builder"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if module.split(".")[0] != "builder":
                continue
            # « from builder import pages »: the names may be modules themselves.
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if candidate in ALL_MODULES else module)
    return {_known(m) for m in found} - {name}


def _known(module: str) -> str:
    while module not in ALL_MODULES and "." in module:
        module = module.rpartition(".")[0]
    return module


ALL_MODULES = {module_name(p) for p in BUILDER.rglob("*.py")}
GRAPH = {module_name(p): imported_modules(p) for p in sorted(BUILDER.rglob("*.py"))}


def test_every_module_has_a_layer() -> None:
    unplaced = sorted(ALL_MODULES - LAYER_OF.keys())
    assert unplaced == [], f"modules without a layer (add them to LAYERS and docs/architecture.md): {unplaced}"
    assert sorted(LAYER_OF.keys() - ALL_MODULES) == []  # no stale names


def test_no_import_goes_up_a_layer() -> None:
    upward = sorted(
        f"{module} ({LAYERS[LAYER_OF[module]][0]}) importe {imported} ({LAYERS[LAYER_OF[imported]][0]})"
        for module, imports in GRAPH.items() for imported in imports
        if module in LAYER_OF and imported in LAYER_OF and LAYER_OF[imported] > LAYER_OF[module]
    )
    assert upward == []


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of ``graph`` (depth-first search), or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_no_import_circle() -> None:
    assert find_cycle(GRAPH) is None, " → ".join(find_cycle(GRAPH) or [])


@pytest.mark.parametrize("graph, circle", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
])
def test_the_circle_finder_finds_circles(graph: dict[str, set[str]], circle: bool) -> None:
    assert (find_cycle(graph) is not None) == circle


def test_imports_inside_functions_are_seen() -> None:
    # The layer rule would be toothless if a deferred import escaped it.
    assert "builder.validate" not in GRAPH["builder.loader"]
    assert "builder.models" in GRAPH["builder.francemap"]
    assert "builder.regions" in GRAPH["builder.models"]  # imported inside a validator
