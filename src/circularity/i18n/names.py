"""Entity names in their usual Chinese forms, from the dataset's reviewed table.

A name missing from the table shows in English (never a blank or an id).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from circularity.errors import LedgerError, Problem

__all__ = ["entity_names", "short_name"]

TABLE = Path(__file__).parents[1] / "data" / "ai" / "entity_names_zh.yaml"
_FIELDS = {"zh-Hans": "zh_hans", "zh-Hant": "zh_hant"}


@cache
def _table(path: Path = TABLE) -> dict[str, dict[str, Any]]:
    if not path.exists():
        return {}
    rows = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    out: dict[str, dict[str, Any]] = {}
    for i, row in enumerate(rows.get("names", []), start=1):
        for field in ("id", "zh_hans", "zh_hant"):
            if not isinstance(row.get(field), str) or not row[field].strip():
                raise LedgerError(Problem(path.name, i, field, f"missing or empty in {row!r}"))
        out[row["id"]] = row
    return out


def entity_names(lang: str) -> dict[str, str]:
    """Entity id → display name in ``lang`` for every entity the table names (empty for English)."""
    field = _FIELDS.get(lang)
    if field is None:
        return {}
    return {k: str(v[field]) for k, v in _table().items()}


def short_name(name: str) -> str:
    """A graph label: the name without its parenthetical (``Stargate LLC (US sites)`` →
    ``Stargate LLC``), in English or Chinese brackets."""
    short = re.sub(r"\s*[(（][^()（）]*[)）]\s*$", "", name).strip()
    return short or name
