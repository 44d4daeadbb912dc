"""The architecture, checked over the import graph: layers only import downwards, no cycles, click in cli only.

Every `import` counts, those inside functions too (they are imported lazily for speed, not to hide
an edge). Layers, top to bottom:

    cli -> api -> engagement / validation / render -> kinds -> rules -> workbook -> data -> findings / errors
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

from tests.paths import ROOT

PACKAGE = ROOT / "toolkit"
#: Each module's layer is the first prefix here that it starts with; a module may import its own
#: layer (the rules of one kind use its model) and any layer below it, never one above.
LAYERS = [
    ("toolkit.__main__", 0),
    ("toolkit.cli", 0),
    ("toolkit.api", 1),
    ("toolkit.engagement", 2),
    ("toolkit.validation", 2),
    ("toolkit.render", 2),
    ("toolkit.survey", 2),
    ("toolkit.kinds", 3),
    ("toolkit.rules", 4),
    ("toolkit.workbook", 5),
    ("toolkit.data", 6),
    ("toolkit.findings", 7),
    ("toolkit.errors", 7),
    ("toolkit._version", 7),
    ("toolkit", 0),  # the package's __init__: re-exports the API
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports() -> dict[str, set[str]]:
    """Module -> the toolkit modules it imports (resolved to modules, not names in them)."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        graph[name]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                # `from toolkit import render` imports the module toolkit.render; `from toolkit.x import y`
                # imports the module toolkit.x (y is a name in it).
                subs = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                targets = subs or [node.module]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def layer(module: str) -> int:
    return next(level for prefix, level in LAYERS if module == prefix or module.startswith(prefix + "."))


def test_layers_only_import_downwards() -> None:
    upward = [
        f"{m} (layer {layer(m)}) imports {t} (layer {layer(t)})"
        for m, targets in sorted(imports().items())
        for t in sorted(targets)
        if layer(t) < layer(m) and not t.startswith(m + ".")
    ]
    assert upward == []


def test_no_import_cycles() -> None:
    graph = imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []


def test_only_the_cli_imports_click() -> None:
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "click" or n.startswith("click.") for n in names) and module_name(path) != "toolkit.cli":
                offenders.append(module_name(path))
    assert offenders == []
