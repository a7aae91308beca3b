"""The :class:`Ledger`: validated records as of a date, with pandas views."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from circularity._cache import SingleFlightCache
from circularity.errors import UnknownNameError
from circularity.ledger.dates import parse_date, period_bounds
from circularity.ledger.io import read_raw
from circularity.ledger.records import (
    RECORD_TYPES,
    Deal,
    Financial,
    Holding,
    MarketReaction,
    Outcome,
    Source,
)
from circularity.ledger.tables import COLUMNS, record_to_row
from circularity.ledger.validation import validate_located
from circularity.ledger.vocabulary import LIVE_STATUSES

if TYPE_CHECKING:  # pandas loads with the first table asked for, not with the ledger
    import pandas as pd

__all__ = ["DATASETS", "Ledger", "horizon_warning", "load", "read_ledger"]

DATASETS = ("ai", "telecom")

T = TypeVar("T")

#: Values a ledger keeps derived from its own views (attribution per window and statuses, the
#: fiscal-year index): a handful per ledger.
_DERIVED_SIZE = 64


@dataclass(frozen=True, slots=False, kw_only=True)
class Ledger:
    """Every record of a dataset; ``as_of`` set means the web as known on that date.

    Views (``deals``, ``entities``, ``financials``, ``sources``, ``holdings``,
    ``market_reactions``) are DataFrames with the export columns; ``records`` holds the records.
    """

    records: dict[str, tuple[BaseModel, ...]]
    meta: dict[str, Any] = field(default_factory=dict)
    as_of: date | None = None
    #: Every record with its full history (revisions, all holdings); ``at`` always starts here.
    history: dict[str, tuple[BaseModel, ...]] | None = field(default=None, repr=False)
    _derived: SingleFlightCache = field(
        default_factory=lambda: SingleFlightCache(_DERIVED_SIZE), init=False, repr=False, compare=False
    )

    # -- views ---------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """One table as a DataFrame with the export columns (same as the CSV export)."""
        if name not in RECORD_TYPES:
            raise UnknownNameError(f"unknown table '{name}'; tables: {', '.join(RECORD_TYPES)}")
        rows = [record_to_row(r) for r in self.records.get(name, ())]
        import pandas as pd

        return pd.DataFrame(rows, columns=list(COLUMNS[name]))

    @cached_property
    def deals(self) -> pd.DataFrame:
        return self.table("deals")

    @cached_property
    def entities(self) -> pd.DataFrame:
        return self.table("entities")

    @cached_property
    def financials(self) -> pd.DataFrame:
        return self.table("financials")

    @cached_property
    def sources(self) -> pd.DataFrame:
        return self.table("sources")

    @cached_property
    def holdings(self) -> pd.DataFrame:
        return self.table("holdings")

    @cached_property
    def market_reactions(self) -> pd.DataFrame:
        return self.table("market_reactions")

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        return self.table("outcomes")

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """``make()``, computed once per ledger and ``key`` and kept on the ledger.

        For values derived from the ledger's own views (attribution, the fiscal-year index): the
        views are built once and never modified in place, so a value derived from them stays true
        while the ledger lives, and goes with it. Analytics that read the same live deals for every
        vendor or entity derive them once per ledger instead of once per call. Concurrent callers
        of one key share one computation; a pickled ledger starts with none kept.
        """
        return self._derived.get_or_set(key, make)

    # -- access --------------------------------------------------------------
    def deal(self, deal_id: str) -> Deal:
        """The deal with this id (as of the ledger's date)."""
        for d in self.records.get("deals", ()):
            assert isinstance(d, Deal)
            if d.id == deal_id:
                return d
        raise UnknownNameError(f"unknown deal '{deal_id}'")

    @property
    def live_deals(self) -> tuple[Deal, ...]:
        """Deals whose status still binds money (not superseded or cancelled)."""
        return tuple(
            d for d in self.records.get("deals", ()) if isinstance(d, Deal) and d.status in LIVE_STATUSES
        )

    def at(self, when: date | str | None) -> Ledger:
        """The web as known on ``when``: deals announced by then with revisions applied,
        holdings and market reactions dated by then, financials and outcomes whose source was
        out by then (knowledge time, not the period or event date they describe)."""
        if when is None:
            return self
        when = parse_date(when) if not isinstance(when, date) else when
        base = self.history if self.history is not None else self.records
        published = {
            s.id: period_bounds(s.published)[0] for s in base.get("sources", ()) if isinstance(s, Source)
        }
        deals = tuple(
            d2 for d in base.get("deals", ()) if isinstance(d, Deal) and (d2 := d.as_of(when)) is not None
        )
        latest: dict[tuple[str, str], Holding] = {}
        for h in base.get("holdings", ()):
            if isinstance(h, Holding) and _known(h.valid_from, h.known_from) <= when:
                key = (h.holder, h.issuer)
                if key not in latest or latest[key].valid_from <= h.valid_from:
                    latest[key] = h
        reactions = tuple(
            m
            for m in base.get("market_reactions", ())
            if isinstance(m, MarketReaction) and _known(m.date, m.known_from) <= when
        )
        financials = tuple(
            f
            for f in base.get("financials", ())
            if isinstance(f, Financial)
            and _known(min(published.get(s, date.min) for s in f.sources), f.known_from) <= when
        )
        outcomes = tuple(
            o
            for o in base.get("outcomes", ())
            if isinstance(o, Outcome) and min(published.get(s, date.min) for s in o.sources) <= when
        )
        records = dict(base)
        records.update(
            deals=deals,
            holdings=tuple(latest.values()),
            market_reactions=reactions,
            financials=financials,
            outcomes=outcomes,
        )
        return Ledger(records=records, meta=self.meta, as_of=when, history=base)

    def knowledge_horizon(self) -> date | None:
        """The latest publication date of a source the records cite: what the ledger can know.

        A source dated only to a month or year counts from its first day (the latest date the
        ledger is sure it had). Facts after the horizon are unknown to the ledger; None when no
        record cites a dated source.
        """
        cited: set[str] = set()
        for table, rows in self.records.items():
            if table == "sources":
                continue
            for r in rows:
                cited.update(getattr(r, "sources", None) or ())
                if isinstance(r, Deal):
                    for rev in r.revisions:
                        cited.update(rev.sources)
        days = [
            period_bounds(s.published)[0]
            for s in self.records.get("sources", ())
            if isinstance(s, Source) and s.id in cited
        ]
        horizon = max(days, default=None)
        if horizon is not None and self.as_of is not None:
            horizon = min(horizon, self.as_of)
        return horizon

    def horizon_lines(self, as_of: date | None = None) -> list[str]:
        """What an answer says about what the ledger knows: its knowledge horizon (the latest
        source of the full history) and, when ``as_of`` (default: this view's date) is later,
        that facts after the horizon are unknown to the ledger.

        Examples
        --------
        >>> from datetime import date
        >>> from circularity.ledger import load
        >>> load("ai").horizon_lines(date(2026, 12, 4))
        ['knowledge horizon: 2026-07-03', 'facts after 2026-07-03 are unknown to the ledger']
        """
        full = Ledger(records=self.history, meta=self.meta) if self.history is not None else self
        horizon = Ledger(records=full.records, meta=self.meta).knowledge_horizon()
        if horizon is None:
            return ["knowledge horizon: none (no record cites a dated source)"]
        lines = [f"knowledge horizon: {horizon.isoformat()}"]
        when = as_of or self.as_of
        if when is not None and when > horizon:
            lines.append(horizon_warning(horizon))
        return lines

    def content_hash(self) -> str:
        """SHA-256 of every record (order-independent): the dataset's identity in run manifests."""
        digest = hashlib.sha256()
        for name in RECORD_TYPES:
            rows = sorted(
                json.dumps(r.model_dump(mode="json"), sort_keys=True) for r in self.records.get(name, ())
            )
            digest.update(name.encode())
            for row in rows:
                digest.update(row.encode())
        return digest.hexdigest()

    def counts(self) -> dict[str, int]:
        """Number of records per table."""
        return {name: len(self.records.get(name, ())) for name in RECORD_TYPES}

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={v}" for k, v in self.counts().items())
        return f"Ledger({self.meta.get('name', '?')}, as_of={self.as_of}, {counts})"


def horizon_warning(horizon: date) -> str:
    """The one line said when an answer's date is later than the ledger's knowledge horizon."""
    return f"facts after {horizon.isoformat()} are unknown to the ledger"


def _known(valid: date, known_from: date | None) -> date:
    """The day a record enters the web: its valid date, or its record date when later."""
    return valid if known_from is None else max(valid, known_from)


def read_ledger(path: str | Path) -> Ledger:
    """Read and validate a ledger folder or file; raise ``LedgerError`` listing every problem."""
    located, meta = read_raw(path)
    records = validate_located(located)
    return Ledger(records={k: tuple(r for r, _, _ in v) for k, v in records.items()}, meta=meta)


def dataset_path(name: str) -> Path:
    """Folder of a bundled dataset."""
    if name not in DATASETS:
        from circularity.errors import LedgerError

        raise LedgerError(f"unknown dataset '{name}'; bundled datasets: {', '.join(DATASETS)}")
    return Path(str(resources.files("circularity.data") / name))


@lru_cache(maxsize=4)
def _bundled(name: str) -> Ledger:
    return read_ledger(dataset_path(name))


def load(dataset: str = "ai", as_of: date | str | None = None) -> Ledger:
    """The bundled dataset as known on ``as_of`` (default: today).

    Examples
    --------
    >>> import circularity
    >>> ledger = circularity.load("ai", as_of="2025-12-31")
    >>> ledger.deal("D01").status
    'non_binding'
    """
    return _bundled(dataset).at(as_of or date.today())


__all__ += ["dataset_path"]
