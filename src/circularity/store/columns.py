"""Column types of the stored and exported tables, derived once from the record types.

The export columns are :data:`circularity.ledger.tables.COLUMNS`; each gets a SQL type
(DuckDB), an Arrow type (Parquet) and a converter from the flat row value.
"""

from __future__ import annotations

import types
from datetime import date
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pyarrow as pa

from circularity.ledger.records import RECORD_TYPES
from circularity.ledger.tables import COLUMNS

__all__ = ["ARROW_TYPES", "KEYS", "SQL_TYPES", "arrow_table", "typed_value"]

#: What identifies a record across imports: a re-import with the same key and other content
#: is a correction (the stored row is retired, the new one inserted).
KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("id",),
    "entities": ("id",),
    "deals": ("id",),
    "financials": ("entity", "period", "metric"),
    "holdings": ("holder", "issuer", "valid_from"),
    "market_reactions": ("date", "entity", "deal"),
    "outcomes": ("entity", "event", "date"),
}


def _sql_type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _sql_type(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return _sql_type(args[0]) if len(args) == 1 else "VARCHAR"
    if origin is Literal:
        return "VARCHAR"
    if annotation is bool:
        return "BOOLEAN"
    if annotation is float or annotation is int:
        return "DOUBLE"
    if annotation is date:
        return "DATE"
    return "VARCHAR"


#: Table → column → DuckDB type, in export column order.
SQL_TYPES: dict[str, dict[str, str]] = {
    table: {col: _sql_type(model.model_fields[col].annotation) for col in COLUMNS[table]}
    for table, model in RECORD_TYPES.items()
}

_ARROW = {"VARCHAR": pa.string(), "DOUBLE": pa.float64(), "BOOLEAN": pa.bool_(), "DATE": pa.date32()}

#: Table → Arrow schema of the export columns.
ARROW_TYPES: dict[str, pa.Schema] = {
    table: pa.schema([(col, _ARROW[t]) for col, t in cols.items()]) for table, cols in SQL_TYPES.items()
}


def typed_value(sql_type: str, value: Any) -> Any:
    """A flat-row value (from :func:`record_to_row`, JSON mode) as the column's Python type."""
    if value is None:
        return None
    if sql_type == "DATE":
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if sql_type == "DOUBLE":
        return float(value)
    if sql_type == "BOOLEAN":
        return bool(value)
    return str(value)


def arrow_table(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Flat rows of one table as an Arrow table with the export schema."""
    types_ = SQL_TYPES[table]
    columns = {col: [typed_value(t, row.get(col)) for row in rows] for col, t in types_.items()}
    return pa.table(columns, schema=ARROW_TYPES[table])
