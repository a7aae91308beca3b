"""The DuckDB store: every ledger record ever imported, bitemporal, never overwritten.

Valid time lives in the records (``announced``, revisions' ``valid_from``, holdings'
``valid_from``); record time is when a row entered the store (``recorded_at``) and when a
correction retired it (``retired_at``, NULL while current). Each import is one transaction:
validated first against what is stored, then written all at once or not at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from pydantic import BaseModel

from circularity.errors import LedgerError, Problem, StoreError
from circularity.ledger.io import Located, read_raw
from circularity.ledger.ledger import Ledger
from circularity.ledger.records import RECORD_TYPES
from circularity.ledger.tables import COLUMNS, record_to_row, row_to_data
from circularity.ledger.validation import Records, check_records, parse_records
from circularity.store.columns import KEYS, SQL_TYPES, arrow_table
from circularity.store.location import DB_ENV, default_db_path

__all__ = ["DB_ENV", "ImportResult", "Store", "default_db_path", "open_store"]

#: Test-only hook: seconds to sleep after each table is written inside the import transaction.
_META_COLUMNS = ("recorded_at", "retired_at", "import_id")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _canonical(record: BaseModel) -> str:
    return json.dumps(record.model_dump(mode="json"), sort_keys=True)


def _key(table: str, record: BaseModel) -> tuple[Any, ...]:
    data = record.model_dump(mode="json")
    return tuple(data[k] for k in KEYS[table])


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportResult:
    """What one import did: records added, corrected (old row retired) and unchanged, per table."""

    import_id: int | None
    path: str
    added: dict[str, int] = field(default_factory=dict)
    corrected: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    content_hash: str = ""

    @property
    def changed(self) -> bool:
        """True when the import wrote anything."""
        return bool(sum(self.added.values()) + sum(self.corrected.values()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "import_id": self.import_id,
            "path": self.path,
            "added": self.added,
            "corrected": self.corrected,
            "unchanged": self.unchanged,
            "content_hash": self.content_hash,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class _Plan:
    added: dict[str, int]
    corrected: dict[str, int]
    unchanged: dict[str, int]
    inserts: dict[str, list[BaseModel]]
    retires: dict[str, list[tuple[Any, ...]]]
    content_hash: str


class Store:
    """A DuckDB file holding the ledger's records with their record time.

    Use :func:`open_store` to get one; close it (or use it as a context manager) when done,
    since DuckDB lets one process write a file at a time.
    """

    def __init__(self, path: Path, con: duckdb.DuckDBPyConnection, *, read_only: bool = False) -> None:
        self.path = path
        self._con = con
        #: Opened with ``read_only``: shares the file with other readers, never takes the write lock.
        self.read_only = read_only
        #: Called with a table's name each time an import has written it, inside the import's
        #: transaction (progress for long imports; tests use it to stop a process mid-import).
        self.on_table_written: Callable[[str], None] | None = None
        if not read_only:
            self._create_schema()

    # -- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        """Close the connection (idempotent)."""
        self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    def _run(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run one statement to completion (DuckDB 2 keeps a pending result otherwise)."""
        return self._con.execute(sql, params or []).fetchall()

    def _create_schema(self) -> None:
        for table, cols in SQL_TYPES.items():
            body = ", ".join(f"{_q(c)} {t}" for c, t in cols.items())
            self._run(
                f"CREATE TABLE IF NOT EXISTS {_q(table)} ({body}, recorded_at TIMESTAMP NOT NULL, "
                "retired_at TIMESTAMP, import_id INTEGER NOT NULL)"
            )
            # A store written before a field was added to a record type lacks its column.
            for c, t in cols.items():
                self._run(f"ALTER TABLE {_q(table)} ADD COLUMN IF NOT EXISTS {_q(c)} {t}")
        self._run(
            "CREATE TABLE IF NOT EXISTS imports (id INTEGER PRIMARY KEY, time TIMESTAMP NOT NULL, "
            "path VARCHAR, added INTEGER, corrected INTEGER, unchanged INTEGER, counts VARCHAR, "
            "content_hash VARCHAR, meta VARCHAR)"
        )

    # -- reading ---------------------------------------------------------------
    def is_empty(self) -> bool:
        """True when no import has been made."""
        return self._run("SELECT count(*) FROM imports")[0] == (0,)

    def _records(self, known_at: datetime | None = None) -> dict[str, tuple[BaseModel, ...]]:
        records: dict[str, tuple[BaseModel, ...]] = {}
        for table, model in RECORD_TYPES.items():
            cols = ", ".join(_q(c) for c in COLUMNS[table])
            if known_at is None:
                where, params = "retired_at IS NULL", []
            else:
                where = "recorded_at <= ? AND (retired_at IS NULL OR retired_at > ?)"
                params = [known_at, known_at]
            rows = self._con.sql(
                f"SELECT {cols} FROM {_q(table)} WHERE {where} ORDER BY recorded_at, rowid", params=params
            ).fetchall()
            records[table] = tuple(
                model.model_validate(row_to_data(table, dict(zip(COLUMNS[table], row, strict=True))))
                for row in rows
            )
        return records

    def _meta(self) -> dict[str, Any]:
        rows = self._run(
            "SELECT meta FROM imports WHERE meta IS NOT NULL AND meta <> '{}' ORDER BY id DESC LIMIT 1"
        )
        row = rows[0] if rows else None
        return json.loads(row[0]) if row else {}

    def ledger(
        self, as_of: date | str | None = None, known_at: datetime | date | str | None = None
    ) -> Ledger:
        """The stored ledger: as known to the store at ``known_at`` (record time; default now),
        as of ``as_of`` (valid time; default every record, revisions kept).

        Raises :class:`StoreError` when the store is empty, saying how to fill it.
        """
        if self.is_empty():
            raise StoreError(
                f"the store {self.path} is empty; fill it with `circularity ledger import PATH` "
                "(your files, or the bundled dataset folder, see `circularity.ledger.dataset_path('ai')`)"
            )
        ledger = Ledger(records=self._records(_as_timestamp(known_at)), meta=self._meta())
        return ledger.at(as_of) if as_of is not None else ledger

    def imports(self) -> list[dict[str, Any]]:
        """Every import, oldest first: id, time, path, counts and content hash."""
        rel = self._con.sql("SELECT * FROM imports ORDER BY id")
        out = []
        for row in rel.fetchall():
            item = dict(zip(rel.columns, row, strict=True))
            item["counts"] = json.loads(item["counts"] or "{}")
            item["meta"] = json.loads(item["meta"] or "{}")
            out.append(item)
        return out

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """The store's full content, retired rows and record times included, in a stable order.

        Two equal snapshots mean the store did not change (used to prove failed imports harmless).
        """
        out: dict[str, list[tuple[Any, ...]]] = {}
        for table in (*RECORD_TYPES, "imports"):
            rows = self._con.sql(f"SELECT * FROM {_q(table)}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out

    # -- writing ---------------------------------------------------------------
    def import_path(self, path: str | Path) -> ImportResult:
        """Validate the ledger at ``path`` against the store, then write it in one transaction.

        Records new to the store are added; a record whose key is stored with other content is a
        correction (the stored row is retired, never overwritten); identical content is left
        alone. Raises :class:`LedgerError` listing every problem; then nothing was written.
        """
        located, meta = read_raw(path)
        records, problems = parse_records(located)
        return self._import(records, problems, meta, str(path))

    def import_records(self, rows: Mapping[str, Sequence[Mapping[str, Any]]], *, label: str) -> ImportResult:
        """Import records given as plain rows per table (e.g. parsed from a JSON request).

        ``rows`` maps a table name (``entities``, ``deals``, ...) to its rows, fields as in a
        ledger file. Rows are parsed and validated against the store exactly like
        :meth:`import_path` (problems are located as ``<label>/<table>:<row>``), then written
        in one transaction. Raises :class:`LedgerError` listing every problem, an unknown
        table included; then nothing was written.
        """
        problems = [
            Problem(label, None, t, f"unknown table; tables: {', '.join(RECORD_TYPES)}")
            for t in rows
            if t not in RECORD_TYPES
        ]
        located = [
            Located(table=table, file=f"{label}/{table}", row=i + 1, data=dict(row))
            for table, table_rows in rows.items()
            if table in RECORD_TYPES
            for i, row in enumerate(table_rows)
        ]
        records, parse_problems = parse_records(located)
        return self._import(records, [*problems, *parse_problems], {}, label)

    def check_path(self, path: str | Path) -> ImportResult:
        """What importing ``path`` would do, without writing; raises :class:`LedgerError` like an import."""
        located, _ = read_raw(path)
        records, problems = parse_records(located)
        plan = self._plan(records, problems)
        return ImportResult(
            import_id=None,
            path=str(path),
            added=plan.added,
            corrected=plan.corrected,
            unchanged=plan.unchanged,
            content_hash=plan.content_hash,
        )

    def _plan(self, records: Records, problems: list[Problem]) -> _Plan:
        current = self._records()
        name = self.path.name
        context: Records = {t: [(r, name, None) for r in rs] for t, rs in current.items()}
        problems = list(problems)
        problems.extend(_duplicate_keys(records))
        problems.extend(check_records(records, context))
        if not problems:
            # Checks across the merged web (cycles, stakes) see stored and new records together.
            merged: Records = {}
            for table in RECORD_TYPES:
                new = records.get(table, [])
                new_keys = {_key(table, r) for r, _, _ in new}
                merged[table] = [c for c in context.get(table, []) if _key(table, c[0]) not in new_keys] + new
            seen = {str(p) for p in problems}
            problems.extend(p for p in check_records(merged) if str(p) not in seen)
        if problems:
            raise LedgerError(problems)

        stored = {t: {_key(t, r): _canonical(r) for r in rs} for t, rs in current.items()}
        added: dict[str, int] = {}
        corrected: dict[str, int] = {}
        unchanged: dict[str, int] = {}
        inserts: dict[str, list[BaseModel]] = {}
        retires: dict[str, list[tuple[Any, ...]]] = {}
        for table in RECORD_TYPES:
            for rec, _, _ in records.get(table, []):
                key = _key(table, rec)
                old = stored[table].get(key)
                if old is None:
                    added[table] = added.get(table, 0) + 1
                    inserts.setdefault(table, []).append(rec)
                elif old != _canonical(rec):
                    corrected[table] = corrected.get(table, 0) + 1
                    inserts.setdefault(table, []).append(rec)
                    retires.setdefault(table, []).append(key)
                else:
                    unchanged[table] = unchanged.get(table, 0) + 1
        imported = Ledger(records={t: tuple(r for r, _, _ in rs) for t, rs in records.items()})
        return _Plan(
            added=added,
            corrected=corrected,
            unchanged=unchanged,
            inserts=inserts,
            retires=retires,
            content_hash=imported.content_hash(),
        )

    def _import(
        self, records: Records, problems: list[Problem], meta: dict[str, Any], label: str
    ) -> ImportResult:
        plan = self._plan(records, problems)
        added, corrected, unchanged = plan.added, plan.corrected, plan.unchanged
        inserts, retires, result_hash = plan.inserts, plan.retires, plan.content_hash
        if not inserts:
            return ImportResult(import_id=None, path=label, unchanged=unchanged, content_hash=result_hash)

        with self._transaction():
            import_id, now = self._next_import()
            for table in RECORD_TYPES:
                if table not in inserts:
                    continue
                keys = KEYS[table]
                cond = " AND ".join(f"{_q(k)} IS NOT DISTINCT FROM ?" for k in keys)
                for key in retires.get(table, []):
                    params = [*([now] + [_param(table, k, v) for k, v in zip(keys, key, strict=True)])]
                    self._run(
                        f"UPDATE {_q(table)} SET retired_at = ? WHERE retired_at IS NULL AND {cond}", params
                    )
                arrow = arrow_table(table, [record_to_row(r) for r in inserts[table]])
                self._con.register("_incoming", arrow)
                try:
                    cols = ", ".join(_q(c) for c in COLUMNS[table])
                    self._run(
                        f"INSERT INTO {_q(table)} ({cols}, recorded_at, retired_at, import_id) "
                        f"SELECT {cols}, ?, NULL, ? FROM _incoming",
                        [now, import_id],
                    )
                finally:
                    self._con.unregister("_incoming")
                if self.on_table_written is not None:
                    self.on_table_written(table)
            counts = {
                t: {
                    "added": added.get(t, 0),
                    "corrected": corrected.get(t, 0),
                    "unchanged": unchanged.get(t, 0),
                }
                for t in RECORD_TYPES
            }
            self._run(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    import_id,
                    now,
                    label,
                    sum(added.values()),
                    sum(corrected.values()),
                    sum(unchanged.values()),
                    json.dumps(counts, sort_keys=True),
                    result_hash,
                    json.dumps(meta, sort_keys=True, default=str),
                ],
            )
        return ImportResult(
            import_id=import_id,
            path=label,
            added=added,
            corrected=corrected,
            unchanged=unchanged,
            content_hash=result_hash,
        )

    def _next_import(self) -> tuple[int, datetime]:
        row = self._run("SELECT coalesce(max(id), 0), max(time) FROM imports")[0]
        now = datetime.now(UTC).replace(tzinfo=None)
        if row[1] is not None and now <= row[1]:
            now = row[1] + timedelta(microseconds=1)  # record time strictly increases
        return int(row[0]) + 1, now

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        self._run("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self._run("ROLLBACK")
            raise
        self._run("COMMIT")


def _param(table: str, column: str, value: Any) -> Any:
    if value is not None and SQL_TYPES[table][column] == "DATE":
        return date.fromisoformat(value)
    return value


def _duplicate_keys(records: Records) -> list[Problem]:
    problems = []
    for table in ("financials", "holdings", "market_reactions", "outcomes"):
        seen: dict[tuple[Any, ...], tuple[str, int | None]] = {}
        for rec, file, row in records.get(table, []):
            key = _key(table, rec)
            if key in seen:
                where = f"{seen[key][0]}:{seen[key][1]}"
                what = ", ".join(f"{k}={v}" for k, v in zip(KEYS[table], key, strict=True))
                problems.append(
                    Problem(
                        file,
                        row,
                        KEYS[table][-1],
                        f"duplicate {table} record ({what}; first at {where}); "
                        f"each ({', '.join(KEYS[table])}) appears once",
                    )
                )
            else:
                seen[key] = (file, row)
    return problems


def _as_timestamp(value: datetime | date | str | None) -> datetime | None:
    """Record time to filter on: a datetime as given (UTC), a bare date as the end of that day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        text = value.strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise StoreError(
                f"known_at '{value}' is not a date or time; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"
            ) from None
        if len(text) > 10:
            return _as_timestamp(parsed)
        value = parsed.date()
    return datetime(value.year, value.month, value.day) + timedelta(days=1, microseconds=-1)


def open_store(path: str | Path | None = None, *, read_only: bool = False, wait_s: float = 0.0) -> Store:
    """Open (creating if needed) the store at ``path``, ``$CIRCULARITY_DB`` or the default.

    Parameters
    ----------
    path
        The store file; default ``$CIRCULARITY_DB`` or the user's data directory.
    read_only
        Open an existing store for reading only: DuckDB's shared lock, so other readers may
        open it too, and no write lock is ever taken (the server reads this way, one short
        connection per load, so ``circularity ledger import`` can write between its reads).
    wait_s
        While another process holds the store, retry for up to this many seconds before
        refusing with "in use by another process" (0: refuse at once).

    Examples
    --------
    >>> import circularity, tempfile, os
    >>> store = circularity.open_store(os.path.join(tempfile.mkdtemp(), "web.duckdb"))
    >>> store.is_empty()
    True
    >>> store.close()
    """
    target = Path(path).expanduser() if path is not None else default_db_path()
    if target.is_dir():
        raise StoreError(f"{target} is a folder; give the path of a .duckdb file")
    if read_only and not target.exists():
        raise StoreError(f"store {target} does not exist; create it with 'circularity ledger import'")
    deadline = time.monotonic() + wait_s
    pause = 0.02
    while True:
        try:
            if not read_only:
                target.parent.mkdir(parents=True, exist_ok=True)
            con = duckdb.connect(str(target), read_only=read_only)
            break
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                if time.monotonic() + pause < deadline:
                    time.sleep(pause)  # another process's import or read: it ends in moments
                    pause = min(pause * 2, 0.5)
                    continue
                raise StoreError(
                    f"the store {target} is in use by another process; try again when it ends"
                ) from None
            raise StoreError(f"cannot open the store {target}: {text.splitlines()[0]}") from None
        except (duckdb.Error, OSError) as exc:
            raise StoreError(
                f"cannot open the store {target}: {str(exc).splitlines()[0]}; is it a circularity DuckDB file?"
            ) from None
    try:
        return Store(target, con, read_only=read_only)
    except duckdb.Error as exc:
        con.close()
        raise StoreError(f"cannot use the store {target}: {str(exc).splitlines()[0]}") from None
