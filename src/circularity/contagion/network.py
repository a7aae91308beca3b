"""Read a user's exposure network: one JSON file, or a folder with two CSV files.

JSON::

    {"nodes": [{"id": "a", "external_assets": 1.0, "external_liabilities": 0.5,
                "equity": 0.4, "weight": 1.0, "initial_relative_loss": 0.0}, ...],
     "liabilities": [{"debtor": "a", "creditor": "b", "amount": 2.0}, ...]}

CSV folder: ``nodes.csv`` (column ``id`` plus any of the node fields) and ``liabilities.csv``
(columns ``debtor``, ``creditor``, ``amount``). Missing optional fields are 0; ``weight`` is 1.
``debtor`` owes ``creditor`` the ``amount``: ``L[debtor, creditor] = amount``. Repeated
``(debtor, creditor)`` pairs add up. Every problem found is reported as
``file:row: field: message`` in one :class:`~circularity.errors.NetworkError`.
"""

from __future__ import annotations

import csv
import io
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array
from circularity.errors import InputError, NetworkError, Problem
from circularity.input_files import control_character, load_json, read_text

__all__ = ["NODE_FIELDS", "Network", "load_network", "network_from_records"]


NODE_FIELDS: dict[str, float] = {
    "external_assets": 0.0,
    "external_liabilities": 0.0,
    "equity": 0.0,
    "weight": 1.0,
    "initial_relative_loss": 0.0,
}
EDGE_FIELDS = ("debtor", "creditor", "amount")
# Column names that suggest another orientation convention; we refuse to guess.
_ORIENTATION_HINTS = {
    "lender": "creditor",
    "borrower": "debtor",
    "from": "debtor",
    "to": "creditor",
    "source": "debtor",
    "target": "creditor",
    "payer": "debtor",
    "payee": "creditor",
    "exposure": "amount",
    "asset": "amount",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Network:
    """A validated network: ``L[i, j]`` is what ``ids[i]`` owes ``ids[j]`` (CSR, never dense)."""

    ids: tuple[str, ...]
    L: sp.csr_matrix
    external_assets: Array
    external_liabilities: Array
    equity: Array
    weight: Array
    initial_relative_loss: Array

    @property
    def n(self) -> int:
        return len(self.ids)

    def index(self, node_id: str) -> int:
        """Position of ``node_id``; NetworkError naming the known ids if absent."""
        try:
            return self.ids.index(node_id)
        except ValueError:
            known = ", ".join(self.ids[:10]) + (" ..." if self.n > 10 else "")
            raise NetworkError(f"unknown node id {node_id!r}; known ids: {known}") from None


def _number(raw: Any, file: str, row: int, field: str, default: float, problems: list[Problem]) -> float:
    if raw is None or (isinstance(raw, str) and raw.strip() == ""):
        return default
    if isinstance(raw, bool):
        problems.append(Problem(file, row, field, f"{raw!r} is not a number"))
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.append(Problem(file, row, field, f"{raw!r} is not a number"))
        return default
    if not math.isfinite(value):
        problems.append(Problem(file, row, field, f"{raw!r} is not finite; give a finite number"))
        return default
    if value < 0:
        problems.append(Problem(file, row, field, f"{value:g} is negative; must be >= 0"))
        return default
    return value


def _unknown(keys: set[str], allowed: tuple[str, ...], file: str, row: int, problems: list[Problem]) -> None:
    """A misspelt field (``equtiy``) would silently default to 0: refuse it with a did-you-mean."""
    import difflib

    for key in sorted(k for k in keys if k not in allowed and k.lower() not in _ORIENTATION_HINTS):
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else f"; allowed: {', '.join(allowed)}"
        problems.append(Problem(file, row, key, f"unknown field{hint}"))


def _hint(keys: set[str], file: str, row: int, problems: list[Problem]) -> None:
    wrong = sorted(k for k in keys if k.lower() in _ORIENTATION_HINTS)
    if wrong:
        fix = ", ".join(f"{k} -> {_ORIENTATION_HINTS[k.lower()]}" for k in wrong)
        problems.append(
            Problem(
                file,
                row,
                ",".join(wrong),
                "liabilities are given as debtor (who owes), creditor (who is owed), amount; "
                f"rename {fix} after checking the direction",
            )
        )


def network_from_records(
    nodes: list[dict[str, Any]],
    liabilities: list[dict[str, Any]],
    *,
    nodes_file: str = "<nodes>",
    edges_file: str = "<liabilities>",
    first_row: int = 0,
) -> Network:
    """Validate node and liability records (dicts) into a :class:`Network`."""
    problems: list[Problem] = []
    ids: list[str] = []
    seen: dict[str, int] = {}
    values = {f: [] for f in NODE_FIELDS}  # type: dict[str, list[float]]
    for k, rec in enumerate(nodes):
        row = k + first_row
        if not isinstance(rec, dict):
            problems.append(Problem(nodes_file, row, "-", "each node must be an object"))
            continue
        _unknown({str(k) for k in rec}, ("id", *NODE_FIELDS), nodes_file, row, problems)
        raw_id = rec.get("id")
        bad = control_character(str(raw_id), newlines=False) if raw_id is not None else None
        if bad is not None:  # before strip(): Python strips U+0085 as white space
            problems.append(Problem(nodes_file, row, "id", bad))
        if raw_id is None or str(raw_id).strip() == "":
            problems.append(Problem(nodes_file, row, "id", "missing node id"))
            raw_id = f"<row {row}>"
        node_id = str(raw_id).strip()
        if node_id in seen:
            problems.append(
                Problem(nodes_file, row, "id", f"duplicate id {node_id!r} (first at row {seen[node_id]})")
            )
        seen.setdefault(node_id, row)
        ids.append(node_id)
        for f, default in NODE_FIELDS.items():
            values[f].append(_number(rec.get(f), nodes_file, row, f, default, problems))
        irl = values["initial_relative_loss"][-1]
        if irl > 1:
            problems.append(
                Problem(
                    nodes_file, row, "initial_relative_loss", f"{irl:g} is above 1; give a share in [0, 1]"
                )
            )
    index = {node_id: i for i, node_id in enumerate(ids)}
    rows: list[int] = []
    cols: list[int] = []
    amounts: list[float] = []
    for k, rec in enumerate(liabilities):
        row = k + first_row
        if not isinstance(rec, dict):
            problems.append(Problem(edges_file, row, "-", "each liability must be an object"))
            continue
        _hint(set(rec), edges_file, row, problems)
        _unknown({str(k) for k in rec}, EDGE_FIELDS, edges_file, row, problems)
        ends: list[int | None] = []
        for f in ("debtor", "creditor"):
            raw = rec.get(f)
            bad = control_character(str(raw), newlines=False) if raw is not None else None
            if bad is not None:
                problems.append(Problem(edges_file, row, f, bad))
                ends.append(None)
                continue
            if raw is None or str(raw).strip() == "":
                if not any(k.lower() in _ORIENTATION_HINTS for k in rec):
                    problems.append(Problem(edges_file, row, f, "missing"))
                ends.append(None)
                continue
            key = str(raw).strip()
            if key not in index:
                problems.append(Problem(edges_file, row, f, f"unknown node id {key!r}"))
                ends.append(None)
            else:
                ends.append(index[key])
        if "amount" not in rec and not any(k.lower() in _ORIENTATION_HINTS for k in rec):
            problems.append(Problem(edges_file, row, "amount", "missing"))
            continue
        amount = _number(rec.get("amount"), edges_file, row, "amount", 0.0, problems)
        d, c = ends
        if d is None or c is None:
            continue
        if d == c:
            problems.append(Problem(edges_file, row, "creditor", f"self-loop: {ids[d]!r} cannot owe itself"))
            continue
        rows.append(d)
        cols.append(c)
        amounts.append(amount)
    if problems:
        head = f"{len(problems)} problem(s) in network input"
        shown = problems[:50]
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        raise NetworkError(head + "\n" + "\n".join(str(p) for p in shown) + more)
    n = len(ids)
    L = sp.csr_matrix(
        (np.asarray(amounts, dtype=float), (np.asarray(rows, int), np.asarray(cols, int))),
        shape=(n, n),
    )
    L.sum_duplicates()
    fields = {f: np.asarray(v, dtype=float) for f, v in values.items()}
    _check_sums_finite(fields, np.asarray(amounts, dtype=float))
    return Network(ids=tuple(ids), L=L, **fields)


def _check_sums_finite(fields: dict[str, Array], amounts: Array) -> None:
    """Refuse amounts whose sums overflow a float: every balance the models form (assets plus
    receipts, less what is owed) is at most the sum of all balance-sheet amounts plus twice all
    liabilities, so when that is finite no model sees ``inf`` or ``NaN``."""
    money = ("external_assets", "external_liabilities", "equity")
    with np.errstate(over="ignore"):
        parts = [float(np.sum(fields[f])) for f in money] + [2.0 * float(np.sum(amounts))]
        total = float(np.sum(parts))
    if not math.isfinite(total):
        biggest = max(
            (float(np.max(a)) for a in (*(fields[f] for f in money), amounts) if a.size), default=0.0
        )
        raise NetworkError(
            f"the network's amounts are too large to add up: their sum passes {sys.float_info.max:.3g}, "
            f"the largest number a float holds (largest amount {biggest:.3g}); "
            "give the amounts in a larger unit (e.g. billions)"
        )


def _load_json(path: Path) -> Network:
    try:
        doc = load_json(read_text(path, what="JSON"), str(path))  # BOM, duplicate keys, depth, NaN
    except InputError as exc:
        raise NetworkError(str(exc)) from None
    if not isinstance(doc, dict):
        raise NetworkError(f"{path}: -: top level must be an object with 'nodes' and 'liabilities'")
    missing = [k for k in ("nodes", "liabilities") if k not in doc]
    if missing:
        raise NetworkError(f"{path}: {', '.join(missing)}: missing; expected keys 'nodes' and 'liabilities'")
    if not isinstance(doc["nodes"], list) or not isinstance(doc["liabilities"], list):
        raise NetworkError(f"{path}: nodes/liabilities: must be lists")
    return network_from_records(
        doc["nodes"],
        doc["liabilities"],
        nodes_file=f"{path} nodes[]",
        edges_file=f"{path} liabilities[]",
    )


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, Any]]:
    if not path.exists():
        raise NetworkError(f"{path}: missing file; a network folder needs nodes.csv and liabilities.csv")
    try:
        text = read_text(path, what="CSV")
    except InputError as exc:
        raise NetworkError(str(exc)) from None
    try:
        with io.StringIO(text, newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            header = [h.strip() for h in (reader.fieldnames or [])]
            if path.name == "liabilities.csv":
                wrong = [h for h in header if h.lower() in _ORIENTATION_HINTS]
                if wrong:
                    fix = ", ".join(f"{h} -> {_ORIENTATION_HINTS[h.lower()]}" for h in wrong)
                    raise NetworkError(
                        f"{path}:1: {','.join(wrong)}: columns are debtor (who owes), creditor "
                        f"(who is owed), amount; rename {fix} after checking the direction"
                    )
            absent = [c for c in required if c not in header]
            if absent:
                raise NetworkError(
                    f"{path}:1: {', '.join(absent)}: missing column(s); found {', '.join(header) or 'none'}"
                )
            records = []
            for rec in reader:
                if None in rec:
                    raise NetworkError(f"{path}:{reader.line_num}: -: more values than columns")
                if any(v is None for v in rec.values()):
                    raise NetworkError(f"{path}:{reader.line_num}: -: fewer values than columns")
                records.append({(k or "").strip(): v for k, v in rec.items()})
            return records
    except csv.Error as exc:
        raise NetworkError(f"{path}: -: malformed CSV: {exc}") from None
    except UnicodeDecodeError:
        raise NetworkError(f"{path}: -: not UTF-8 text") from None


def load_network(path: str | Path) -> Network:
    """Load a network from a JSON file or a folder holding ``nodes.csv`` and ``liabilities.csv``.

    Raises
    ------
    NetworkError
        Naming file, row and field: unknown node id, negative or non-finite amount, duplicate
        ids, missing columns, malformed JSON/CSV, self-loops, lender/borrower-style columns.
    """
    p = Path(path)
    if p.is_dir():
        nodes = _read_csv(p / "nodes.csv", ("id",))
        edges = _read_csv(p / "liabilities.csv", EDGE_FIELDS)
        return network_from_records(
            nodes,
            edges,
            nodes_file=str(p / "nodes.csv"),
            edges_file=str(p / "liabilities.csv"),
            first_row=2,
        )
    if not p.exists():
        raise NetworkError(f"{p}: no such file or folder")
    return _load_json(p)
