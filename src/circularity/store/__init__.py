"""The store: the ledger in a DuckDB file (bitemporal, all-or-nothing imports) and its exports.

Only :data:`DB_ENV`, :func:`default_db_path` and :data:`FORMATS` load at once; the rest loads on first
use, so that the CLI does not import DuckDB and pandas before it parses its arguments.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from circularity.store.location import DB_ENV, FORMATS, default_db_path

if TYPE_CHECKING:  # the names as the type checker sees them; at run time they load on first use
    from circularity.store.duckdb_store import ImportResult, Store, open_store
    from circularity.store.export import export

__all__ = ["DB_ENV", "FORMATS", "ImportResult", "Store", "default_db_path", "export", "open_store"]

#: Public name → module that defines it, imported on first use.
_LAZY = {
    "ImportResult": "circularity.store.duckdb_store",
    "Store": "circularity.store.duckdb_store",
    "open_store": "circularity.store.duckdb_store",
    "export": "circularity.store.export",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circularity.store' has no attribute '{name}'")
