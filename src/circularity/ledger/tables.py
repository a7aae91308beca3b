"""Flat rows ⇄ records: the one column layout shared by CSV/Parquet/Excel export, the store and JSON.

Lists (``sources``, ``aliases``) are ``|``-separated; nested values (``schedule``, ``revisions``)
are JSON text; empty cells are missing values.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pydantic import BaseModel

from circularity.errors import InputError
from circularity.input_files import load_json
from circularity.ledger.records import RECORD_TYPES

__all__ = ["COLUMNS", "LIST_FIELDS", "NESTED_FIELDS", "REQUIRED_COLUMNS", "record_to_row", "row_to_data"]

_TRUE, _FALSE = ("true", "1", "yes"), ("false", "0", "no")
LIST_FIELDS = frozenset({"sources", "aliases"})
NESTED_FIELDS = frozenset({"schedule", "revisions"})

#: Export columns of each table, in order: the record fields.
COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(model.model_fields) for name, model in RECORD_TYPES.items()
}

#: Columns a file of each table must have (the record's required fields).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(f for f, info in model.model_fields.items() if info.is_required())
    for name, model in RECORD_TYPES.items()
}


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() == ""


def record_to_row(record: BaseModel) -> dict[str, Any]:
    """One record as a flat row of scalars (str, float, bool, date, None)."""
    data = record.model_dump(mode="json")
    row: dict[str, Any] = {}
    for name, value in data.items():
        if name in LIST_FIELDS:
            row[name] = "|".join(value)
        elif name in NESTED_FIELDS:
            row[name] = None if value in (None, []) else json.dumps(value, sort_keys=True)
        else:
            row[name] = value
    return row


def row_to_data(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """A flat row (strings or scalars) as the dict a record type validates; blanks dropped.

    Raises ``ValueError`` naming the column when a nested JSON cell is malformed.
    """
    data: dict[str, Any] = {}
    for name, value in row.items():
        if name is None:
            raise ValueError("row has more cells than the header has columns")
        key = str(name).strip()
        if _is_blank(value):
            continue
        if key in LIST_FIELDS and isinstance(value, str):
            data[key] = [part.strip() for part in value.split("|") if part.strip()]
        elif key in NESTED_FIELDS and isinstance(value, str):
            try:  # strict: depth bounded, repeated keys, NaN and Infinity refused
                data[key] = load_json(value, key)
            except InputError as exc:
                raise ValueError(str(exc)) from None
        elif key == "listed" and isinstance(value, str):
            word = value.strip().lower()
            if word not in _TRUE + _FALSE:
                raise ValueError(
                    f"listed: {value!r} is not true or false (give one of {', '.join(_TRUE + _FALSE)})"
                )
            data[key] = word in _TRUE
        else:
            data[key] = value
    return data
