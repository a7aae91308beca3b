"""A user's outcomes file (``--outcomes FILE``), in the layout of the fact base's ``outcomes.csv``.

Columns: ``entity,event,date`` required (``value,unit,source_*,confidence,notes`` optional).
``entity`` is a party name as the sources write it (an entity's name or alias) or its id;
``event`` one of :data:`~circularity.ledger.vocabulary.OUTCOME_EVENTS`; ``date`` ``YYYY``,
``YYYY-MM`` or ``YYYY-MM-DD``. Every problem is reported as ``file:row: field: message`` and
no scores are computed while any remains.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from circularity.errors import BacktestError, Problem
from circularity.ledger.dates import period_bounds
from circularity.ledger.vocabulary import OUTCOME_EVENTS

__all__ = ["OutcomeRow", "parse_outcomes"]

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


@dataclass(frozen=True, slots=True)
class OutcomeRow:
    """One parsed row: entity id, event, (partial) date."""

    entity: str
    event: str
    date: str


def name_index(entities: Iterable[tuple[str, str, Iterable[str]]]) -> dict[str, str]:
    """Lower-cased id, name and aliases → entity id."""
    out: dict[str, str] = {}
    for eid, name, aliases in entities:
        for key in (eid, name, *aliases):
            out[key.strip().lower()] = eid
    return out


def parse_outcomes(text: str, name: str, names: Mapping[str, str]) -> list[OutcomeRow]:
    """Rows of an outcomes CSV, or :class:`BacktestError` listing every located problem.

    Parameters
    ----------
    text : the file's content.
    name : how the file is named in messages.
    names : lower-cased entity name, alias or id → entity id (:func:`name_index`).
    """
    problems: list[Problem] = []
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
        missing = [c for c in ("entity", "event", "date") if c not in header]
        if missing:
            raise BacktestError(
                [Problem(name, 1, ",".join(missing), "missing column(s); need entity,event,date")]
            )
        rows: list[OutcomeRow] = []
        seen: dict[tuple[str, str, str], int] = {}
        for i, raw in enumerate(reader, start=2):
            row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
            ent = names.get(row["entity"].lower())
            ok = True
            if ent is None:
                problems.append(Problem(name, i, "entity", f"unknown entity '{row['entity']}'"))
                ok = False
            if row["event"] not in OUTCOME_EVENTS:
                problems.append(
                    Problem(
                        name,
                        i,
                        "event",
                        f"unknown event '{row['event']}'; allowed: {', '.join(OUTCOME_EVENTS)}",
                    )
                )
                ok = False
            if not _DATE.match(row["date"]):
                problems.append(
                    Problem(
                        name, i, "date", f"'{row['date']}' is not a date; allowed: YYYY, YYYY-MM, YYYY-MM-DD"
                    )
                )
                ok = False
            else:
                try:
                    period_bounds(row["date"])
                except ValueError as exc:
                    problems.append(Problem(name, i, "date", str(exc)))
                    ok = False
            if not ok or ent is None:
                continue
            key = (ent, row["event"], row["date"])
            if key in seen:
                problems.append(
                    Problem(
                        name,
                        i,
                        "date",
                        f"duplicate of row {seen[key]} ({ent}, {row['event']}, {row['date']})",
                    )
                )
                continue
            seen[key] = i
            rows.append(OutcomeRow(ent, row["event"], row["date"]))
    except csv.Error as exc:
        problems.append(Problem(name, None, "-", f"malformed CSV: {exc}"))
    if problems:
        raise BacktestError(problems)
    if not rows:
        raise BacktestError([Problem(name, None, "-", "no outcome rows")])
    return rows
