"""The store: the ledger in a DuckDB file (bitemporal, all-or-nothing imports) and its exports."""

from circularity.store.duckdb_store import DB_ENV, ImportResult, Store, default_db_path, open_store
from circularity.store.export import FORMATS, export

__all__ = ["DB_ENV", "FORMATS", "ImportResult", "Store", "default_db_path", "export", "open_store"]
