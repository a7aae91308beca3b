"""The layering of docs/architecture.md holds: no module imports from a layer above its own.

The table in the document is the source of truth; this test reads it, so the picture a reader
sees and the rule the code keeps are the same. Every import counts, including those inside
functions (a lazy import that runs upward is still an upward dependency).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "circularity"
DOC = ROOT / "docs" / "architecture.md"


def layers() -> dict[str, int]:
    """Top-level package or module name → layer number, from the document's table."""
    out: dict[str, int] = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|(.*)\|\s*$", line)
        if m:
            for name in re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)`", m.group(2)):
                out[name] = int(m.group(1))
    return out


def unit(module: str) -> str:
    """``circularity.x.y`` → ``x``; the package root → ``circularity``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "circularity"


def imports(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` for every import of a circularity module in the file."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "circularity":  # from circularity import x: x may be a subpackage
                found += [(node.lineno, f"circularity.{a.name}") for a in node.names]
            elif node.module.startswith("circularity."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "circularity"]
    return found


def upward_imports(table: dict[str, int]) -> list[str]:
    problems = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC.parent).with_suffix("")
        here = unit(".".join(p for p in rel.parts if p != "__init__"))
        if here == "circularity":
            continue  # the root is the public façade: it names every area (lazily), by design
        for line, module in imports(path):
            there = unit(module)
            if there not in table and there != "circularity":
                there = "circularity"  # from circularity import __version__ and the like
            if there == here:
                continue
            if here not in table:
                problems.append(f"{path.relative_to(ROOT)}: package '{here}' has no layer in {DOC.name}")
                break
            if table[there] >= table[here]:
                problems.append(
                    f"{path.relative_to(ROOT)}:{line}: {module} (layer {table[there]}) imported "
                    f"from '{here}' (layer {table[here]}): imports must run downward"
                )
    return problems


def test_every_import_runs_downward() -> None:
    problems = upward_imports(layers())
    assert not problems, "\n".join(problems)


def test_every_package_has_a_layer() -> None:
    table = layers()
    names = {p.stem if p.is_file() else p.name for p in SRC.iterdir() if not p.name.startswith("__")}
    names = {n for n in names if (SRC / n).is_dir() or (SRC / f"{n}.py").is_file()}
    missing = sorted(names - set(table) - {"data", "py"})
    assert not missing, f"give these a layer in docs/architecture.md: {missing}"


def test_the_check_catches_an_upward_import(tmp_path: Path) -> None:
    # The rule itself: a model layer importing the session would be reported.
    table = layers()
    assert table["session"] > table["projection"] > table["ledger"] > table["errors"]
    assert table["api"] > table["report"] > table["session"]
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from circularity.api.app import create_app\n")
    assert imports(bad) == [(2, "circularity.api.app")]


def module_graph() -> dict[str, set[str]]:
    """Module → the circularity modules it imports (at any depth of the file). ``from pkg import
    mod`` counts as an import of ``pkg.mod``; a module's own ancestor packages are not counted
    (importing ``a.b.c`` runs ``a.b`` first by definition)."""
    modules = {
        ".".join(p for p in path.relative_to(SRC.parent).with_suffix("").parts if p != "__init__"): path
        for path in SRC.rglob("*.py")
    }
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                subs = [f"{node.module}.{a.name}" for a in node.names]
                targets = [t for t in subs if t in modules] or [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for t in targets:
                if t in modules and t != name and not name.startswith(t + "."):
                    graph[name].add(t)
    return graph


def test_no_import_cycles() -> None:
    import networkx as nx

    g = nx.DiGraph([(a, b) for a, bs in module_graph().items() for b in bs])
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert not cycles, f"modules that import each other (directly or round a loop): {cycles}"


@pytest.mark.parametrize(("low", "high"), [("analytics", "session"), ("report", "api"), ("ledger", "store")])
def test_layers_are_ordered_as_drawn(low: str, high: str) -> None:
    table = layers()
    assert table[low] < table[high]
