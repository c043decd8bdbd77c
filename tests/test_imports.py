"""The shape of the code: the first-level packages and modules of forwarder/ import each other in no cycle.

Every import counts, function-level ones too: a lazy import still ties two parts together. The order
the data path needs (sources -> normalize -> detect -> delivery -> sinks / tickets) follows from it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "forwarder"
PARTS = {
    p.stem for p in PACKAGE.iterdir() if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()
}


def _part(module: str) -> str | None:
    names = module.split(".")
    return names[1] if len(names) > 1 and names[0] == "forwarder" and names[1] in PARTS else None


def import_graph() -> dict[str, dict[str, list[str]]]:
    """part -> part it imports -> where (`path:line`)."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(ROOT).with_suffix("")
        module = ".".join(relative.parts[:-1] if relative.name == "__init__" else relative.parts)
        package = module if relative.name == "__init__" else module.rpartition(".")[0]
        source = _part(module) if module != "forwarder" else None
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                part = _part(target)
                if source and part and part != source:
                    graph[source][part].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return graph


def cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in list(graph):
        if v not in index:
            visit(v)
    return found


def test_the_packages_import_each_other_in_no_cycle():
    graph = import_graph()
    found = cycles(graph)
    where = {f"{a} -> {b}": graph[a][b][:3] for c in found for a in c for b in c if b in graph.get(a, {})}
    assert not found, where


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert "pipeline" in graph["wiring"] and "oci" in graph["collect"]  # `from forwarder.oci...` inside build()
    assert cycles({"a": {"b": []}, "b": {"a": []}}) == [["a", "b"]]


def test_the_low_parts_import_nothing_above_them():
    graph = import_graph()
    for low, above in {
        "retry": {"pipeline", "sinks", "delivery", "oci", "tickets"},
        "normalize": {"sources", "detect", "delivery", "sinks", "tickets", "pipeline", "settings"},
        "formats": {"sinks", "delivery", "pipeline"},
        "sinks": {"delivery", "pipeline", "settings"},
        "oci": {"collect", "report", "delivery", "pipeline", "settings", "sources"},
    }.items():
        assert not set(graph.get(low, {})) & above, (low, dict(graph.get(low, {})))
    # sinks carry encoded payloads and know nothing of formats: only their keys name the payload formats
    assert {where.split(":")[0] for where in graph["sinks"].get("formats", [])} <= {"forwarder/sinks/config.py"}
