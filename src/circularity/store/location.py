"""Where the store lives and what it exports to: constants the CLI needs before it loads DuckDB."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DB_ENV", "FORMATS", "default_db_path"]

#: Environment variable naming the store file (``--db`` on the command line wins).
DB_ENV = "CIRCULARITY_DB"
#: Export formats, each holding the same tables with the same columns.
FORMATS = ("csv", "parquet", "xlsx")


def default_db_path() -> Path:
    """``$CIRCULARITY_DB`` if set, else ``circularity.duckdb`` in the user's data directory."""
    env = os.environ.get(DB_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs  # ~0.1 s to import: only when no store is named

    return Path(platformdirs.user_data_dir("circularity")) / "circularity.duckdb"
