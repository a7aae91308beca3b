"""Export a ledger (or the store's current ledger) to CSV, Parquet or Excel.

Every format holds the same tables with the same columns
(:data:`circularity.ledger.tables.COLUMNS`), and :func:`circularity.read_ledger` reads each back
to the same records (``content_hash()`` equal).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from circularity.errors import StoreError
from circularity.ledger.ledger import Ledger
from circularity.ledger.records import RECORD_TYPES
from circularity.ledger.tables import COLUMNS, record_to_row
from circularity.store.columns import SQL_TYPES, arrow_table, typed_value
from circularity.store.location import FORMATS

if TYPE_CHECKING:
    from circularity.store.duckdb_store import Store

__all__ = ["FORMATS", "WORKBOOK_NAME", "export"]

#: File name of the Excel export inside the output folder.
WORKBOOK_NAME = "ledger.xlsx"


def _rows(ledger: Ledger, table: str) -> list[dict[str, Any]]:
    return [record_to_row(r) for r in ledger.records.get(table, ())]


def _write_csv(ledger: Ledger, out: Path) -> list[Path]:
    paths = []
    for table in RECORD_TYPES:
        path = out / f"{table}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(COLUMNS[table]))
            writer.writeheader()
            for row in _rows(ledger, table):
                writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        paths.append(path)
    return paths


def _write_parquet(ledger: Ledger, out: Path) -> list[Path]:
    import pyarrow.parquet as pq

    paths = []
    for table in RECORD_TYPES:
        path = out / f"{table}.parquet"
        pq.write_table(arrow_table(table, _rows(ledger, table)), path)
        paths.append(path)
    return paths


def _write_xlsx(ledger: Ledger, out: Path) -> list[Path]:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    wb = Workbook()
    wb.remove(wb.active)
    bold, link = Font(bold=True), Font(color="0563C1", underline="single")
    for table in RECORD_TYPES:
        ws = wb.create_sheet(table)
        types = SQL_TYPES[table]
        ws.append(list(COLUMNS[table]))
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        for r, row in enumerate(_rows(ledger, table), start=2):
            for c, col in enumerate(COLUMNS[table], start=1):
                value = typed_value(types[col], row[col])
                if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                    # a control byte stored before the ledger refused them: shown as \xNN, never a crash
                    value = ILLEGAL_CHARACTERS_RE.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, never a formula (=, +, -, @ included)
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                if col == "url" and isinstance(value, str):
                    cell.hyperlink = value
                    cell.font = link
    path = out / WORKBOOK_NAME
    wb.save(path)
    return [path]


_WRITERS = {"csv": _write_csv, "parquet": _write_parquet, "xlsx": _write_xlsx}


def export(
    source: Ledger | Store,
    format: str = "csv",
    out: str | Path = ".",
    *,
    as_of: date | str | None = None,
) -> list[Path]:
    """Write every table of ``source`` to the folder ``out``; return the files written.

    Parameters
    ----------
    source : Ledger or Store
        A ledger, or a store (its current records).
    format : {"csv", "parquet", "xlsx"}
        ``csv``: one ``<table>.csv`` per table; ``parquet``: one ``<table>.parquet`` per table;
        ``xlsx``: one workbook ``ledger.xlsx`` with a sheet per table (source URLs as links).
    out : path
        Folder to write into (created if needed).
    as_of : date, optional
        Export the web as known on this date (revisions up to then applied) instead of every record.

    Examples
    --------
    >>> import tempfile
    >>> from circularity.ledger import Ledger
    >>> [p.name for p in export(Ledger(records={}), "csv", tempfile.mkdtemp())][:2]
    ['sources.csv', 'entities.csv']
    """
    if format not in _WRITERS:
        raise StoreError(f"unknown export format '{format}'; use one of {', '.join(FORMATS)}")
    ledger = source if isinstance(source, Ledger) else source.ledger()
    if as_of is not None:
        ledger = ledger.at(as_of)
    folder = Path(out).expanduser()
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"--out {folder} is a file; give a folder to write the {format} export into")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return _WRITERS[format](ledger, folder)
    except OSError as exc:
        raise StoreError(f"cannot write the {format} export to {folder}: {exc.strerror or exc}") from None
