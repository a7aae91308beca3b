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

from circularity.errors import InputError, LedgerError, Problem
from circularity.input_files import MAX_INPUT_BYTES, control_character, load_yaml, read_text, regular_file
from circularity.ledger.records import RECORD_TYPES
from circularity.ledger.tables import REQUIRED_COLUMNS, row_to_data

__all__ = ["MAX_FILE_BYTES", "MAX_ROWS", "MAX_UNZIPPED_BYTES", "Located", "read_raw"]

#: Largest ledger file accepted; the whole AI dataset is well under 1 MB.
MAX_FILE_BYTES = MAX_INPUT_BYTES
#: Most rows a Parquet file or Excel sheet may hold.
MAX_ROWS = 1_000_000
#: Most bytes an ``.xlsx`` may unzip to (a small zip can unzip to gigabytes).
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
#: Largest ``dataset.yaml`` (metadata only: name, version, description, sources).
MAX_META_BYTES = 64 * 1024

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


def _problem(exc: InputError, path: Path, name: str) -> Problem:
    """An :class:`InputError` (``path:line: what`` or ``path: what``) as a located problem."""
    text = str(exc)
    for prefix in (str(path), name):
        if text.startswith(prefix):
            text = text[len(prefix) :]
            break
    head, sep, rest = text.lstrip(":").partition(":")
    if sep and head.strip().isdigit():
        return Problem(name, int(head), "-", rest.strip())
    return Problem(name, None, "-", text.lstrip(":").strip())


def _read_text(path: Path, problems: list[Problem]) -> str | None:
    name = _display(path)
    try:
        size = regular_file(path)
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: file is {size:,} bytes; at most {MAX_FILE_BYTES:,} allowed")
        text = read_text(path)
    except InputError as exc:
        problems.append(_problem(exc, path, name))
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


def _repeated(header: list[str]) -> str:
    """The first heading given twice (the second would silently win), or ``""``."""
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            return h
        seen.add(h)
    return ""


def _read_csv(path: Path, table: str, problems: list[Problem]) -> list[Located]:
    text = _read_text(path, problems)
    if text is None:
        return []
    name = _display(path)
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        twice = _repeated(header)
        if twice:
            problems.append(
                Problem(name, 1, twice, "column given twice in the header; give each column once")
            )
            return []
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
        if not text.endswith(("\n", "\r")):
            problems.append(
                Problem(
                    name,
                    text.count("\n") + 1,
                    "-",
                    "last line has no line end: the file may be cut "
                    "short; check its end and add a line break",
                )
            )
            return []
        names = {h.lower() for h in header if h}
        out = []
        for i, row in enumerate(reader, start=2):
            if None in row:
                problems.append(
                    Problem(
                        name,
                        i,
                        "-",
                        f"row has {len(row[None])} more cells than the header's {len(header)}",
                    )
                )
                continue
            if any(v is None for v in row.values()):
                given = sum(v is not None for v in row.values())
                problems.append(Problem(name, i, "-", f"row has {given} cells; the header has {len(header)}"))
                continue
            cells = {str(v).strip().lower() for v in row.values() if v}
            if len(cells & names) >= max(2, len(names) // 2):
                problems.append(
                    Problem(name, i, "-", "looks like a header row inside the table; a table has one header")
                )
                continue
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
        doc = load_yaml(text, name)  # repeated keys, depth and alias bombs refused first
        nodes = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except InputError as exc:
        problems.append(_problem(exc, path, name))
        return []
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
    try:
        regular_file(path)
    except InputError as exc:
        problems.append(_problem(exc, path, _display(path)))
        return False
    return True


def _workbook_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged ``.xlsx`` raises: a bad zip (``NotImplementedError`` for a zip
    version or method zipfile cannot read), bad deflate data, broken XML, a missing member.
    Imported here, not at module level, so a CLI that reads no workbook does not load them."""
    import zipfile
    import zlib

    return (
        OSError,
        KeyError,
        ValueError,
        NotImplementedError,
        zipfile.BadZipFile,
        zlib.error,
        EOFError,
        SyntaxError,
    )


def _check_unzipped(path: Path, problems: list[Problem]) -> bool:
    """An ``.xlsx`` is a zip: refuse one that unzips past :data:`MAX_UNZIPPED_BYTES` before opening it."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(info.file_size for info in zf.infolist())
    except _workbook_errors() as exc:
        problems.append(Problem(_display(path), None, "-", f"not a readable Excel workbook: {exc}"))
        return False
    if total > MAX_UNZIPPED_BYTES:
        problems.append(
            Problem(
                _display(path),
                None,
                "-",
                f"workbook unzips to {total:,} bytes; at most {MAX_UNZIPPED_BYTES:,} allowed",
            )
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
        n_rows = pq.ParquetFile(path).metadata.num_rows
        if n_rows > MAX_ROWS:
            problems.append(
                Problem(_display(path), None, "-", f"{n_rows:,} rows; at most {MAX_ROWS:,} allowed")
            )
            return []
        rows = pq.read_table(path).to_pylist()
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:  # text cells that are not UTF-8
        problems.append(Problem(_display(path), None, "-", f"not a readable Parquet file: {exc}"))
        return []
    return _rows_to_located(rows, table, _display(path), 1, problems)


def _read_xlsx(path: Path, problems: list[Problem]) -> list[Located]:
    """An Excel workbook with one sheet per table (header in row 1), as the export writes it."""
    import datetime as dt

    from openpyxl import load_workbook

    if not _check_size(path, problems) or not _check_unzipped(path, problems):
        return []
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except _workbook_errors() as exc:
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
            ws = wb[sheet]
            if (ws.max_row or 0) > MAX_ROWS + 1:
                problems.append(
                    Problem(name, None, "-", f"{ws.max_row:,} rows; at most {MAX_ROWS:,} allowed")
                )
                continue
            values = list(ws.iter_rows(values_only=True))
            if not values:
                continue
            header = [str(h).strip() if h is not None else "" for h in values[0]]
            twice = _repeated(header)
            if twice:
                problems.append(Problem(name, 1, twice, "column heading given twice; give each column once"))
                continue
            rows = []
            for r, raw in enumerate(values[1:], start=2):
                if all(v is None for v in raw):
                    continue
                row = {}
                for c, v in enumerate(raw):
                    h = header[c] if c < len(header) else ""
                    if not h:
                        if v is not None:  # would be dropped without a word
                            problems.append(
                                Problem(
                                    name,
                                    r,
                                    "-",
                                    f"a value ({str(v)[:40]!r}) in column {c + 1}, which has no heading",
                                )
                            )
                        continue
                    # Excel stores dates as date-times; a midnight one is a date.
                    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
                        v = v.date()
                    row[h] = v
                rows.append(row)
            out.extend(_rows_to_located(rows, table, name, 2, problems))
    except _workbook_errors() as exc:
        # a damaged member found only when its sheet is read (bad deflate data, broken XML)
        problems.append(Problem(_display(path), None, "-", f"not a readable Excel workbook: {exc}"))
        return []
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


def _read_meta(path: Path, problems: list[Problem]) -> dict[str, Any]:
    """``dataset.yaml``: a small mapping of text keys to text, numbers, dates or lists of them."""
    import datetime as dt

    name = _display(path)
    try:
        if regular_file(path) > MAX_META_BYTES:
            problems.append(Problem(name, None, "-", f"dataset.yaml is over {MAX_META_BYTES:,} bytes"))
            return {}
        doc = load_yaml(read_text(path), name)
    except InputError as exc:
        problems.append(_problem(exc, path, name))
        return {}
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        problems.append(Problem(name, None, "-", "dataset.yaml is a mapping of key: value"))
        return {}
    scalar = (str, int, float, bool, dt.date)
    for key, value in doc.items():
        if not isinstance(key, str):
            problems.append(
                Problem(name, None, str(key), "keys of dataset.yaml are text (quote a date used as a key)")
            )
        elif bad := control_character(key, newlines=False):
            problems.append(Problem(name, None, repr(key), bad))
        elif not (
            value is None
            or isinstance(value, scalar)
            or (isinstance(value, list) and all(isinstance(v, scalar) for v in value))
        ):
            problems.append(Problem(name, None, key, "a value is text, a number, a date or a list of them"))
        elif problem := _meta_value_problem(value):
            problems.append(Problem(name, None, key, problem))
    return doc


def _meta_value_problem(value: Any) -> str | None:
    """Why a ``dataset.yaml`` value (a scalar or a list of them) cannot be stored, or ``None``:
    text with control characters (it is printed and served), or a number that is not finite."""
    import math

    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and (bad := control_character(item)):
            return bad
        if isinstance(item, float) and not math.isfinite(item):
            return f"{item} is not a finite number"
    return None


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
            meta = _read_meta(meta_file, problems)
        for table in TABLES:
            for suffix in (".yaml", ".yml", ".csv", ".parquet"):
                if (root / f"{table}{suffix}").exists():
                    files.append(root / f"{table}{suffix}")
        deal_dir = root / "deals"
        if deal_dir.is_dir():
            deal_files = sorted(p for p in deal_dir.iterdir() if p.suffix.lower() in (".yaml", ".yml"))
            if len(deal_files) > MAX_ROWS:
                raise LedgerError(
                    Problem(_display(deal_dir), None, "-", f"more than {MAX_ROWS:,} deal files")
                )
            files.extend(deal_files)
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
