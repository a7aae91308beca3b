"""Where Monte Carlo runs are written: DuckDB tables (prefixed ``mc_``) and Parquet files.

This is the simulation's only I/O module. Tables, in the store's DuckDB file:

- ``mc_runs``: one row per run: id, kind, scenario, seed, draws, times, manifest and summary
  (JSON text);
- ``mc_draws``: per draw, the drawn parameters and headline outputs, long form
  (``run_id, draw, name, value``);
- ``mc_quantiles``: quantile bands per variable, entity and quarter;
- ``mc_cells``: with ``--keep``, full outputs per draw, entity and quarter (kept columns).

Under ``--out DIR``: ``draws/part-*.parquet``, ``cells/part-*.parquet`` (with ``--keep``),
``quantiles.parquet``, ``summary.json``, ``manifest.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from circularity.errors import StoreError
from circularity.montecarlo.manifest import RunManifest
from circularity.montecarlo.results import SimulationResult
from circularity.montecarlo.summaries import ChunkStats

__all__ = ["RunWriter", "list_runs", "load_run", "save_sensitivity"]

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS mc_runs (run_id VARCHAR PRIMARY KEY, kind VARCHAR,
       scenario VARCHAR, seed BIGINT, draws BIGINT, started_at VARCHAR, finished_at VARCHAR,
       elapsed_s DOUBLE, manifest VARCHAR, summary VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS mc_draws (run_id VARCHAR, draw BIGINT, name VARCHAR,
       value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS mc_quantiles (run_id VARCHAR, variable VARCHAR,
       entity VARCHAR, quarter VARCHAR, q DOUBLE, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS mc_cells (run_id VARCHAR, draw BIGINT, entity VARCHAR,
       quarter VARCHAR, variable VARCHAR, value DOUBLE)""",
]


def _connect(db: Path) -> duckdb.DuckDBPyConnection:
    try:
        db.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(db))
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open {db}: {str(exc).splitlines()[0]}") from None
    for stmt in _SCHEMA:
        con.execute(stmt)
    return con


def _wide_draws(stats: ChunkStats) -> pa.Table:
    cols: dict[str, Any] = {"draw": np.arange(stats.start, stats.stop, dtype=np.int64)}
    cols.update({f"param:{k}": v for k, v in stats.params.items()})
    cols.update(stats.headlines)
    return pa.table(cols)


def _long_draws(run_id: str, stats: ChunkStats) -> pa.Table:
    named = [*((k, v) for k, v in stats.params.items()), *stats.headlines.items()]
    size = stats.stop - stats.start
    draws = np.arange(stats.start, stats.stop, dtype=np.int64)
    return pa.table(
        {
            "run_id": pa.array([run_id] * (size * len(named)), pa.string()),
            "draw": np.tile(draws, len(named)),
            "name": pa.array(np.repeat([k for k, _ in named], size).tolist(), pa.string()),
            "value": np.concatenate([np.asarray(v, np.float64) for _, v in named]),
        }
    )


def _cells(run_id: str, stats: ChunkStats, entities: tuple[str, ...], quarters: tuple[str, ...]) -> pa.Table:
    size, n, T = stats.stop - stats.start, len(entities), len(quarters)
    d, e, t = np.meshgrid(np.arange(stats.start, stats.stop), np.arange(n), np.arange(T), indexing="ij")
    base: dict[str, Any] = {
        "run_id": pa.array([run_id] * (size * n * T), pa.string()),
        "draw": d.ravel().astype(np.int64),
        "entity": pa.DictionaryArray.from_arrays(e.ravel().astype(np.int32), list(entities)),
        "quarter": pa.DictionaryArray.from_arrays(t.ravel().astype(np.int32), list(quarters)),
    }
    base.update({k: np.asarray(v, np.float64).ravel() for k, v in stats.full.items()})
    return pa.table(base)


class RunWriter:
    """Stream a run's chunks to DuckDB (``db``) and Parquet (``out``), then its summaries."""

    def __init__(
        self,
        run_id: str,
        *,
        db: Path | None,
        out: Path | None,
        entities: tuple[str, ...],
        quarters: tuple[str, ...],
    ) -> None:
        self.run_id, self.db, self.out = run_id, db, out
        self.entities, self.quarters = entities, quarters
        self.con = _connect(db) if db is not None else None
        if out is not None:
            (out / "draws").mkdir(parents=True, exist_ok=True)

    def write_chunk(self, stats: ChunkStats) -> None:
        part = f"part-{stats.start:010d}.parquet"
        if self.out is not None:
            pq.write_table(_wide_draws(stats), self.out / "draws" / part)
        if self.con is not None:
            tbl = _long_draws(self.run_id, stats)  # noqa: F841 - read by DuckDB below
            self.con.execute("INSERT INTO mc_draws SELECT * FROM tbl")
        if stats.full:
            cells = _cells(self.run_id, stats, self.entities, self.quarters)
            if self.out is not None:
                (self.out / "cells").mkdir(exist_ok=True)
                pq.write_table(cells.drop(["run_id"]), self.out / "cells" / part)
            if self.con is not None:
                kept = list(stats.full)
                unpivot = " UNION ALL ".join(
                    f"SELECT run_id, draw, entity::VARCHAR, quarter::VARCHAR, '{c}', \"{c}\" FROM cells"
                    for c in kept
                )
                self.con.execute(f"INSERT INTO mc_cells {unpivot}")

    def finish(self, result: SimulationResult) -> None:
        manifest = result.manifest
        assert manifest is not None
        summary = result.summary()
        frame = result.quantiles() if result.fan else None
        if self.out is not None:
            (self.out / "manifest.json").write_text(manifest.to_json())
            (self.out / "summary.json").write_text(json.dumps(summary, indent=2))
            if frame is not None:
                frame.to_parquet(self.out / "quantiles.parquet", index=False)
        if self.con is not None:
            if frame is not None:
                qtab = pa.Table.from_pandas(  # noqa: F841 (read by DuckDB's replacement scan)
                    frame.assign(run_id=self.run_id)[
                        ["run_id", "variable", "entity", "quarter", "q", "value"]
                    ],
                    preserve_index=False,
                )
                self.con.execute("INSERT INTO mc_quantiles SELECT * FROM qtab")
            _insert_run(self.con, manifest, summary)
            self.con.close()
            self.con = None

    def abort(self) -> None:
        """Remove what a failed run wrote to the database."""
        if self.con is not None:
            for t in ("mc_draws", "mc_cells", "mc_quantiles"):
                self.con.execute(f"DELETE FROM {t} WHERE run_id = ?", [self.run_id])
            self.con.close()
            self.con = None


def _insert_run(con: duckdb.DuckDBPyConnection, m: RunManifest, summary: dict[str, Any]) -> None:
    con.execute(
        "INSERT OR REPLACE INTO mc_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            m.run_id,
            m.kind,
            m.scenario,
            m.seed,
            m.draws,
            m.started_at,
            m.finished_at,
            m.elapsed_s,
            m.to_json(),
            json.dumps(summary),
        ],
    )


def save_sensitivity(
    db: Path | None, out: Path | None, manifest: RunManifest, table: Any, extra: dict[str, Any]
) -> None:
    """Save a sensitivity run: its manifest and ranked table (as the run's summary)."""
    summary = {**extra, "table": json.loads(table.to_json(orient="records"))}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "manifest.json").write_text(manifest.to_json())
        (out / "sensitivity.json").write_text(json.dumps(summary, indent=2))
        table.to_csv(out / "sensitivity.csv", index=False)
    if db is not None:
        con = _connect(db)
        try:
            _insert_run(con, manifest, summary)
        finally:
            con.close()


def list_runs(db: Path) -> list[dict[str, Any]]:
    """Every run in the database, newest first."""
    if not db.exists():
        return []
    con = _connect(db)
    try:
        rows = con.execute(
            "SELECT run_id, kind, scenario, seed, draws, started_at, elapsed_s "
            "FROM mc_runs ORDER BY started_at DESC, run_id DESC"
        ).fetchall()
    finally:
        con.close()
    keys = ("run_id", "kind", "scenario", "seed", "draws", "started_at", "elapsed_s")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def load_run(db: Path, run_id: str) -> tuple[RunManifest, dict[str, Any]]:
    """A run's manifest and summary; ``run_id`` may be a unique prefix."""
    if not db.exists():
        raise StoreError(f"no database at {db}; run `circularity simulate` first")
    con = _connect(db)
    try:
        rows = con.execute(
            "SELECT run_id, manifest, summary FROM mc_runs WHERE starts_with(run_id, ?)", [run_id]
        ).fetchall()
    finally:
        con.close()
    if not rows:
        raise StoreError(f"no run '{run_id}' in {db}; `circularity runs list` shows the ids")
    if len(rows) > 1:
        raise StoreError(f"'{run_id}' matches {len(rows)} runs; give more of the id")
    _, manifest, summary = rows[0]
    return RunManifest.from_dict(json.loads(manifest)), json.loads(summary)
