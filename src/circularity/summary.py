"""The main job's numbers: the web as known on a date, in one summary structure.

A pure function of a :class:`~circularity.ledger.Ledger`; the CLI (``circularity summary``) and
the demo format it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from circularity.ledger.dates import parse_quarter, period_bounds, quarter_of
from circularity.ledger.ledger import Ledger
from circularity.ledger.records import Deal, Entity
from circularity.ledger.vocabulary import CONFIDENCES, LIVE_STATUSES

__all__ = ["PAYMENT_RULE", "UNSCHEDULED", "Commitment", "Summary", "spread_by_year", "summarize"]

#: Key of the payments whose timing the ledger does not give.
UNSCHEDULED = "unscheduled"

#: How a commitment is spread over years, stated wherever the figures are shown.
PAYMENT_RULE = (
    "live deals only (not superseded or cancelled); amount = headline, else midpoint of low/high; "
    "an explicit quarterly schedule is used as given; otherwise, with a start and a term (or an end), "
    "the amount is spread evenly over the quarters of the term from the start's first quarter; "
    "tranches with a start date fall in that year; anything else is 'unscheduled'"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Commitment:
    """One live deal, as listed among the largest."""

    id: str
    kind: str
    payer: str
    payee: str
    amount_usd_bn: float
    status: str
    confidence: str
    announced: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    """The web as known on ``as_of``: counts, largest live commitments, the centre's payments."""

    as_of: date | None
    counts: dict[str, int]
    entities_by_kind: dict[str, int]
    deals_by_kind: dict[str, dict[str, float]]
    deals_by_status: dict[str, int]
    largest_live: tuple[Commitment, ...]
    #: live deals with an amount (``largest_live`` is the first of them) and live deals without one
    live_with_amount: int
    live_amount_unknown: int
    centre: str
    centre_payments: dict[str, dict[str, float]]
    payment_rule: str
    confidence: dict[str, dict[str, int]]

    @property
    def centre_total_usd_bn(self) -> float:
        """Everything the centre has committed to pay (live deals with an amount)."""
        return sum(sum(by_payee.values()) for by_payee in self.centre_payments.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO text)."""
        data = asdict(self)
        data["as_of"] = self.as_of.isoformat() if self.as_of else None
        data["largest_live"] = [{**c, "announced": c["announced"].isoformat()} for c in data["largest_live"]]
        data["centre_total_usd_bn"] = self.centre_total_usd_bn
        return data


def _quarters(start: date, n: int) -> list[tuple[int, int]]:
    year, q = quarter_of(start)
    out = []
    for _ in range(n):
        out.append((year, q))
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return out


def spread_by_year(deal: Deal) -> dict[str, float]:
    """The deal's amount by calendar year (``"2027"``), or under ``"unscheduled"``; see :data:`PAYMENT_RULE`.

    Examples
    --------
    >>> from circularity.ledger import Deal
    >>> d = Deal(id="X", kind="compute", payer="a", payee="b", amount_usd_bn=300.0, start="2027",
    ...          term_years=5, announced="2025-09-10", status="signed", sources=["s"], confidence="confirmed")
    >>> spread_by_year(d)
    {'2027': 60.0, '2028': 60.0, '2029': 60.0, '2030': 60.0, '2031': 60.0}
    """
    out: dict[str, float] = defaultdict(float)
    sched = deal.schedule
    if sched is not None and sched.quarters:
        for label, value in sched.quarters.items():
            out[str(parse_quarter(label)[0])] += value
        return dict(out)
    amount = deal.amount_central
    if amount is None:
        return {}
    if deal.start and (deal.term_years or deal.end):
        first = period_bounds(deal.start)[0]
        if deal.term_years:
            n = max(1, round(deal.term_years * 4))
        else:
            assert deal.end is not None
            last = quarter_of(period_bounds(deal.end)[1])
            n = max(1, (last[0] - first.year) * 4 + last[1] - quarter_of(first)[1] + 1)
        for year, _ in _quarters(first, n):
            out[str(year)] += amount / n
        return dict(out)
    if sched is not None and sched.tranches and all(t.amount_usd_bn is not None for t in sched.tranches):
        for t in sched.tranches:
            key = str(period_bounds(t.start)[0].year) if t.start else UNSCHEDULED
            out[key] += float(t.amount_usd_bn or 0.0)
        return dict(out)
    return {UNSCHEDULED: amount}


def summarize(ledger: Ledger, *, centre: str = "openai", top: int = 10) -> Summary:
    """Summarise a ledger (already cut to its as-of date with :meth:`Ledger.at`).

    Parameters
    ----------
    ledger : Ledger
        The web to summarise.
    centre : str
        Entity whose payment commitments are broken down by year and payee.
    top : int
        How many of the largest live commitments to list.
    """
    deals = [d for d in ledger.records.get("deals", ()) if isinstance(d, Deal)]
    live = [d for d in deals if d.status in LIVE_STATUSES]
    by_kind: dict[str, dict[str, float]] = {}
    for d in deals:
        row = by_kind.setdefault(d.kind, {"count": 0, "live": 0, "live_usd_bn": 0.0})
        row["count"] += 1
        if d.status in LIVE_STATUSES:
            row["live"] += 1
            row["live_usd_bn"] += d.amount_central or 0.0
    ranked = sorted(
        (d for d in live if d.amount_central is not None), key=lambda d: (-(d.amount_central or 0), d.id)
    )
    largest = tuple(
        Commitment(
            id=d.id,
            kind=d.kind,
            payer=d.payer,
            payee=d.payee,
            amount_usd_bn=float(d.amount_central or 0.0),
            status=d.status,
            confidence=d.confidence,
            announced=d.announced,
        )
        for d in ranked[:top]
    )
    payments: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for d in live:
        if d.payer != centre:
            continue
        for year, value in spread_by_year(d).items():
            payments[year][d.payee] += value
    years = sorted(payments, key=lambda y: (y == UNSCHEDULED, y))
    confidence = {
        table: dict(
            sorted(
                Counter(str(getattr(r, "confidence", "")) for r in recs).items(),
                key=lambda kv: CONFIDENCES.index(kv[0]),
            )
        )
        for table, recs in ledger.records.items()
        if recs and hasattr(recs[0], "confidence")
    }
    return Summary(
        as_of=ledger.as_of,
        counts=ledger.counts(),
        entities_by_kind=dict(
            sorted(
                Counter(e.kind for e in ledger.records.get("entities", ()) if isinstance(e, Entity)).items()
            )
        ),
        deals_by_kind=dict(sorted(by_kind.items())),
        deals_by_status=dict(sorted(Counter(d.status for d in deals).items())),
        largest_live=largest,
        live_with_amount=len(ranked),
        live_amount_unknown=len(live) - len(ranked),
        centre=centre,
        centre_payments={y: dict(sorted(payments[y].items())) for y in years},
        payment_rule=PAYMENT_RULE,
        confidence=confidence,
    )
