"""The shared type aliases are defined once, in ``circularity._typing``, and imported elsewhere."""

from __future__ import annotations

import ast
from pathlib import Path

import circularity
from circularity import _typing

SRC = Path(circularity.__file__).parent


def test_each_shared_alias_is_defined_in_one_module() -> None:
    names = set(_typing.__all__)
    again = []
    for path in sorted(SRC.rglob("*.py")):
        if path.name == "_typing.py":
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            again += [
                f"{path.relative_to(SRC)}: {t.id}"
                for t in targets
                if isinstance(t, ast.Name) and t.id in names
            ]
    assert again == [], "import it from circularity._typing"
