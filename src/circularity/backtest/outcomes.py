"""What happened to each entity by the horizon: default, survival or unknown.

Defaults are the events of :data:`~circularity.ledger.vocabulary.DEFAULT_EVENTS`; a survival
is an event of :data:`~circularity.ledger.vocabulary.SURVIVAL_EVENTS` dated at or after the
horizon. An entity with neither is **unknown** and is never scored (its absence from the
outcomes says nothing). An entity whose first default is dated on or before the cutoff was
already resolved when the model starts and is left out of the scores, with a count.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

from circularity.ledger.dates import period_bounds
from circularity.ledger.vocabulary import DEFAULT_EVENTS, SURVIVAL_EVENTS

__all__ = ["EntityOutcome", "OutcomeLike", "classify_outcomes", "event_date"]

Status = Literal["default", "survived", "unknown", "resolved_before_cutoff"]


class OutcomeLike(Protocol):
    """An outcome row: an :class:`~circularity.ledger.Outcome` or a parsed ``--outcomes`` row."""

    @property
    def entity(self) -> str: ...

    @property
    def event(self) -> str: ...

    @property
    def date(self) -> str: ...


@dataclass(frozen=True, slots=True)
class EntityOutcome:
    """One entity's outcome over the backtest window."""

    entity: str
    status: Status
    default_date: date | None = None
    event: str | None = None

    @property
    def scored(self) -> bool:
        return self.status in ("default", "survived")

    @property
    def defaulted(self) -> int:
        return int(self.status == "default")


def event_date(text: str) -> tuple[date, date]:
    """First and last day of an outcome's (possibly partial) date."""
    return period_bounds(str(text))


def _middle(text: str) -> date:
    a, b = event_date(text)
    return a + timedelta(days=(b - a).days // 2)


def classify_outcomes(
    rows: Iterable[OutcomeLike], entities: Iterable[str], cutoff: date, horizon: date
) -> dict[str, EntityOutcome]:
    """Each entity's status over ``(cutoff, horizon]``.

    A default dated only by year or month counts by the horizon when the period starts by then;
    its date for timing is the middle of the period. Entities not in ``entities`` are ignored.
    """
    wanted = set(entities)
    defaults: dict[str, list[tuple[date, str, str]]] = {}
    survives: dict[str, tuple[date, str]] = {}
    for r in rows:
        if r.entity not in wanted:
            continue
        start, end = event_date(r.date)
        if r.event in DEFAULT_EVENTS:
            defaults.setdefault(r.entity, []).append((start, r.event, r.date))
        elif r.event in SURVIVAL_EVENTS:
            survives[r.entity] = max((end, r.event), survives.get(r.entity, (date.min, "")))
    out: dict[str, EntityOutcome] = {}
    for e in sorted(wanted):
        first = min(defaults.get(e, []), default=None)
        if first is not None and first[0] <= cutoff:
            out[e] = EntityOutcome(e, "resolved_before_cutoff", _middle(first[2]), first[1])
        elif first is not None and first[0] <= horizon:
            out[e] = EntityOutcome(e, "default", max(_middle(first[2]), first[0]), first[1])
        elif e in survives and survives[e][0] >= horizon:
            out[e] = EntityOutcome(e, "survived", None, survives[e][1])
        else:
            out[e] = EntityOutcome(e, "unknown")
    return out
