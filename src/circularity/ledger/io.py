"""Reading ledger files: the bundled YAML/CSV layout, the CSV export layout, or single files.

Everything read is located (file, row) so that every problem can be reported where it is.
Nothing here touches the store.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from circularity.errors import LedgerError, Problem
from circularity.ledger.records import RECORD_TYPES
from circularity.ledger.tables import REQUIRED_COLUMNS, row_to_data

__all__ = ["MAX_FILE_BYTES", "Located", "read_raw"]

#: Largest ledger file accepted; the whole AI dataset is well under 1 MB.
MAX_FILE_BYTES = 20 * 1024 * 1024

TABLES = tuple(RECORD_TYPES)


@dataclass(frozen=True, slots=True)
class Located:
    """Raw data of one record and where it was read."""

    table: str
    file: str
    row: int | None
    data: dict[str, Any]


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    name = _display(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        problems.append(Problem(name, None, "-", f"cannot read the file: {exc.strerror}"))
        return None
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(name, None, "-", f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} allowed")
        )
        return None
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(name, line, "-", f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8")
        )
        return None
    if not text.strip():
        problems.append(Problem(name, None, "-", "file is empty; expected records"))
        return None
    return text


def _table_of(path: Path) -> str | None:
    stem = path.stem.lower()
    if stem in TABLES:
        return stem
    if path.parent.name.lower() == "deals":
        return "deals"
    return None


def _read_csv(path: Path, table: str, problems: list[Problem]) -> list[Located]:
    text = _read_text(path, problems)
    if text is None:
        return []
    name = _display(path)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in REQUIRED_COLUMNS[table] if c not in header]
        if missing:
            problems.append(
                Problem(
                    name,
                    1,
                    ",".join(missing),
                    f"missing column(s); a {table} file needs {', '.join(REQUIRED_COLUMNS[table])}",
                )
            )
            return []
        out = []
        for i, row in enumerate(reader, start=2):
            try:
                data = row_to_data(table, row)
            except ValueError as exc:
                problems.append(Problem(name, i, "-", str(exc)))
                continue
            out.append(Located(table, name, i, data))
        return out
    except csv.Error as exc:
        problems.append(Problem(name, None, "-", f"malformed CSV: {exc}"))
        return []


def _read_yaml(path: Path, table: str | None, problems: list[Problem]) -> list[Located]:
    text = _read_text(path, problems)
    if text is None:
        return []
    name = _display(path)
    try:
        nodes = yaml.compose(text, Loader=yaml.SafeLoader)
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problems.append(Problem(name, line, "-", f"broken YAML: {getattr(exc, 'problem', exc)}"))
        return []
    if table is None:
        problems.append(
            Problem(name, None, "-", f"cannot tell which table this is; name it one of {', '.join(TABLES)}")
        )
        return []
    if isinstance(doc, dict) and table == "deals":
        return [Located(table, name, (nodes.start_mark.line + 1) if nodes else 1, doc)]
    if not isinstance(doc, list):
        problems.append(Problem(name, 1, "-", f"expected a list of {table} records"))
        return []
    out = []
    for item, node in zip(doc, getattr(nodes, "value", []), strict=False):
        line = node.start_mark.line + 1
        if not isinstance(item, dict):
            problems.append(Problem(name, line, "-", "expected a mapping of field: value"))
            continue
        out.append(Located(table, name, line, item))
    return out


def _check_size(path: Path, problems: list[Problem]) -> bool:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        problems.append(
            Problem(_display(path), None, "-", f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} allowed")
        )
        return False
    return True


def _rows_to_located(
    rows: list[dict[str, Any]], table: str, name: str, first_row: int, problems: list[Problem]
) -> list[Located]:
    missing = [c for c in REQUIRED_COLUMNS[table] if rows and c not in rows[0]]
    if missing:
        problems.append(
            Problem(
                name,
                None,
                ",".join(missing),
                f"missing column(s); a {table} table needs {', '.join(REQUIRED_COLUMNS[table])}",
            )
        )
        return []
    out = []
    for i, row in enumerate(rows, start=first_row):
        try:
            out.append(Located(table, name, i, row_to_data(table, row)))
        except ValueError as exc:
            problems.append(Problem(name, i, "-", str(exc)))
    return out


def _read_parquet(path: Path, table: str, problems: list[Problem]) -> list[Located]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not _check_size(path, problems):
        return []
    try:
        rows = pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError) as exc:
        problems.append(Problem(_display(path), None, "-", f"not a readable Parquet file: {exc}"))
        return []
    return _rows_to_located(rows, table, _display(path), 1, problems)


def _read_xlsx(path: Path, problems: list[Problem]) -> list[Located]:
    """An Excel workbook with one sheet per table (header in row 1), as the export writes it."""
    import datetime as dt
    import zipfile

    from openpyxl import load_workbook

    if not _check_size(path, problems):
        return []
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        problems.append(Problem(_display(path), None, "-", f"not a readable Excel workbook: {exc}"))
        return []
    out: list[Located] = []
    try:
        for sheet in wb.sheetnames:
            table = sheet.strip().lower()
            name = f"{_display(path)}[{sheet}]"
            if table not in TABLES:
                problems.append(
                    Problem(name, None, "-", f"unknown sheet; name sheets after tables: {', '.join(TABLES)}")
                )
                continue
            values = list(wb[sheet].iter_rows(values_only=True))
            if not values:
                continue
            header = [str(h).strip() if h is not None else "" for h in values[0]]
            rows = []
            for raw in values[1:]:
                if all(v is None for v in raw):
                    continue
                row = {}
                for h, v in zip(header, raw, strict=False):
                    if h:
                        # Excel stores dates as date-times; a midnight one is a date.
                        if isinstance(v, dt.datetime) and v.time() == dt.time(0):
                            v = v.date()
                        row[h] = v
                rows.append(row)
            out.extend(_rows_to_located(rows, table, name, 2, problems))
    finally:
        wb.close()
    return out


def _read_file(path: Path, problems: list[Problem]) -> list[Located]:
    table = _table_of(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        if table is None:
            problems.append(
                Problem(
                    _display(path),
                    None,
                    "-",
                    f"cannot tell which table this is; name it <table>.csv with table one of {', '.join(TABLES)}",
                )
            )
            return []
        return _read_csv(path, table, problems)
    if suffix in (".yaml", ".yml"):
        return _read_yaml(path, table, problems)
    if suffix == ".parquet" and table is not None:
        return _read_parquet(path, table, problems)
    if suffix == ".xlsx":
        return _read_xlsx(path, problems)
    problems.append(
        Problem(
            _display(path),
            None,
            "-",
            "unsupported file type; use .csv, .yaml, .yml, <table>.parquet or .xlsx",
        )
    )
    return []


def read_raw(path: str | Path) -> tuple[list[Located], dict[str, Any]]:
    """Every record found under ``path`` (a folder or one file) and the dataset metadata.

    Raises :class:`LedgerError` listing every file-level problem (unreadable, not UTF-8,
    broken YAML/CSV, missing columns) — record-level checks come later.
    """
    root = Path(path)
    problems: list[Problem] = []
    meta: dict[str, Any] = {}
    if not root.exists():
        raise LedgerError(Problem(str(path), None, "-", "no such file or folder"))
    files: list[Path] = []
    if root.is_dir():
        meta_file = root / "dataset.yaml"
        if meta_file.exists():
            text = _read_text(meta_file, problems)
            try:
                meta = yaml.safe_load(text) if text else {}
            except yaml.YAMLError as exc:
                problems.append(Problem(_display(meta_file), None, "-", f"broken YAML: {exc}"))
        for table in TABLES:
            for suffix in (".yaml", ".yml", ".csv", ".parquet"):
                if (root / f"{table}{suffix}").exists():
                    files.append(root / f"{table}{suffix}")
        deal_dir = root / "deals"
        if deal_dir.is_dir():
            files.extend(sorted(p for p in deal_dir.iterdir() if p.suffix.lower() in (".yaml", ".yml")))
        if not files:  # an Excel export: one workbook, a sheet per table
            files.extend(sorted(p for p in root.iterdir() if p.suffix.lower() == ".xlsx")[:1])
        if not files:
            raise LedgerError(
                Problem(
                    _display(root),
                    None,
                    "-",
                    f"no ledger files here; expected {', '.join(t + '.csv|.yaml' for t in TABLES)} or deals/*.yaml",
                )
            )
    else:
        files.append(root)
    located: list[Located] = []
    for f in files:
        located.extend(_read_file(f, problems))
    if problems:
        raise LedgerError(problems)
    return located, meta if isinstance(meta, dict) else {}
