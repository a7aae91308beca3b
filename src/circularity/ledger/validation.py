"""Turning located raw data into records, and the checks across records.

Every problem is collected and reported together as ``file:row: field: what is wrong``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from circularity.errors import LedgerError, Problem
from circularity.input_files import control_character
from circularity.ledger.io import Located
from circularity.ledger.records import RECORD_TYPES, Deal, Entity, Holding, MarketReaction, Source

__all__ = ["Records", "check_records", "parse_records"]

#: Table name → records of that table, each with where it was read (file, row).
Records = dict[str, list[tuple[BaseModel, str, int | None]]]


def _field_of(loc: Sequence[Any]) -> str:
    return ".".join(str(p) for p in loc) or "-"


def _message(err: Mapping[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    msg = msg.removeprefix("Value error, ")
    if err.get("type") == "missing":
        return "required field is missing"
    if err.get("type") == "extra_forbidden":
        return "unknown field; remove it or check its spelling"
    if err.get("type") == "literal_error":
        return f"'{err.get('input')}' is not allowed; {msg.lower()}"
    return msg


#: Free-text fields, where a tab or a line break is allowed; every other text is one line.
_MULTILINE = frozenset({"notes", "note", "description", "title", "quote", "missing", "reason"})


def text_problems(item: Located) -> list[Problem]:
    """Control characters (NUL, C0, C1) and bidirectional overrides in any text of a record.

    Every format is checked here, Parquet and Excel included, whose text never passes the
    file-level check of :func:`circularity.input_files.read_text`.
    """
    out: list[Problem] = []
    stack: list[tuple[str, Any]] = [(k, v) for k, v in item.data.items()]
    while stack:
        field, value = stack.pop()
        if isinstance(value, str):
            bad = control_character(value, newlines=field.split(".")[0] in _MULTILINE)
            if bad is not None:
                out.append(Problem(item.file, item.row, field, bad))
        elif isinstance(value, dict):
            stack.extend((f"{field}.{k}", v) for k, v in value.items())
        elif isinstance(value, list | tuple):
            stack.extend((f"{field}.{i}", v) for i, v in enumerate(value))
    return out


def parse_records(located: Iterable[Located]) -> tuple[Records, list[Problem]]:
    """Validate each located record by its type; return the records and every problem."""
    records: Records = defaultdict(list)
    problems: list[Problem] = []
    for item in located:
        bad_text = text_problems(item)
        if bad_text:
            problems.extend(bad_text)
            continue
        model = RECORD_TYPES[item.table]
        try:
            records[item.table].append((model.model_validate(item.data), item.file, item.row))
        except ValidationError as exc:
            for err in exc.errors():
                problems.append(Problem(item.file, item.row, _field_of(err["loc"]), _message(err)))
    return dict(records), problems


def _record_id(rec: BaseModel) -> str:
    # Only sources, entities and deals carry ids; the parser builds those tables from these types.
    assert isinstance(rec, (Source, Entity, Deal)), type(rec)
    return rec.id


def _ids(records: Records, table: str) -> set[str]:
    return {_record_id(r) for r, _, _ in records.get(table, [])}


def check_records(records: Records, context: Records | None = None) -> list[Problem]:
    """Checks across records: ids unique and known, successors exist, stakes ≤ 100%.

    ``context`` holds records already in the store, so a file of new deals may name entities
    and sources stored earlier.
    """
    problems: list[Problem] = []
    context = context or {}
    for table in ("sources", "entities", "deals"):
        seen: dict[str, tuple[str, int | None]] = {}
        for rec, file, row in records.get(table, []):
            rid = _record_id(rec)
            if rid in seen:
                where = f"{seen[rid][0]}:{seen[rid][1]}"
                problems.append(
                    Problem(file, row, "id", f"duplicate id '{rid}' (first at {where}); ids must be unique")
                )
            else:
                seen[rid] = (file, row)
    sources = _ids(records, "sources") | _ids(context, "sources")
    entities = _ids(records, "entities") | _ids(context, "entities")
    deals = _ids(records, "deals") | _ids(context, "deals")

    def need(ids: set[str], value: str | None, kind: str, file: str, row: int | None, field: str) -> None:
        if value is not None and value not in ids:
            problems.append(
                Problem(file, row, field, f"unknown {kind} '{value}'; it must be defined in {kind}s")
            )

    for table, rows in records.items():
        for rec, file, row in rows:
            for i, sid in enumerate(getattr(rec, "sources", []) or []):
                need(sources, sid, "source", file, row, f"sources.{i}")
            for field in ("payer", "payee", "entity", "holder", "issuer"):
                if hasattr(rec, field):
                    need(entities, getattr(rec, field), "entity", file, row, field)
            if table in ("holdings", "market_reactions"):
                assert isinstance(rec, (Holding, MarketReaction)), type(rec)
                need(deals, rec.deal, "deal", file, row, "deal")
            if isinstance(rec, Deal):
                need(deals, rec.superseded_by, "deal", file, row, "superseded_by")
                for j, rev in enumerate(rec.revisions):
                    need(deals, rev.superseded_by, "deal", file, row, f"revisions.{j}.superseded_by")
                    for k, sid in enumerate(rev.sources):
                        need(sources, sid, "source", file, row, f"revisions.{j}.sources.{k}")
    problems.extend(_supersession_cycles(records))
    problems.extend(_overfull_stakes(records))
    return problems


def _supersession_cycles(records: Records) -> list[Problem]:
    succ: dict[str, str] = {}
    where: dict[str, tuple[str, int | None]] = {}
    for rec, file, row in records.get("deals", []):
        assert isinstance(rec, Deal)
        nxt = rec.superseded_by or next(
            (r.superseded_by for r in reversed(rec.revisions) if r.superseded_by), None
        )
        if nxt:
            succ[rec.id] = nxt
            where[rec.id] = (file, row)
    # each deal is walked once (linear time even for a 2,000-deal chain): a walk stops at a deal
    # already settled; a deal met again on the current walk closes a cycle
    problems: list[Problem] = []
    done: set[str] = set()
    for start in succ:
        if start in done:
            continue
        on_path: dict[str, int] = {}
        path: list[str] = []
        node = start
        while node in succ and node not in done and node not in on_path:
            on_path[node] = len(path)
            path.append(node)
            node = succ[node]
        if node in on_path:
            cycle = path[on_path[node] :]
            file, row = where[start]
            problems.append(
                Problem(
                    file,
                    row,
                    "superseded_by",
                    f"supersessions form a cycle ({' -> '.join([*cycle, node])}); a successor must not lead back",
                )
            )
        done.update(path)
    return problems


def _overfull_stakes(records: Records) -> list[Problem]:
    latest: dict[tuple[str, str], Holding] = {}
    where: dict[str, tuple[str, int | None]] = {}
    for rec, file, row in records.get("holdings", []):
        assert isinstance(rec, Holding)
        key = (rec.holder, rec.issuer)
        if key not in latest or latest[key].valid_from <= rec.valid_from:
            latest[key] = rec
        where[rec.issuer] = (file, row)
    total: dict[str, float] = defaultdict(float)
    for (_, issuer), rec in latest.items():
        total[issuer] += rec.share
    return [
        Problem(*where[issuer], "share", f"stakes in '{issuer}' add up to {share:.1%}; at most 100% allowed")
        for issuer, share in total.items()
        if share > 1.0 + 1e-9
    ]


def validate_located(located: Iterable[Located], context: Records | None = None) -> Records:
    """Parse and check; raise :class:`LedgerError` with every problem, else return the records."""
    records, problems = parse_records(located)
    problems.extend(check_records(records, context))
    if problems:
        raise LedgerError(problems)
    return records


__all__ += ["validate_located"]
