"""Ledger records as of a date: entities, deals, sources, financials, holdings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from circularity.api.deps import LedgerDep, ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.views import deal_json, entity_card, market_values, record_json, sources_for
from circularity.ledger.records import Deal, Financial
from circularity.ledger.vocabulary import LIVE_STATUSES

router = APIRouter(prefix="/api", tags=["ledger"], responses=ERROR_RESPONSES)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$", max_length=64)]
DealKind = Literal["equity", "compute", "hardware", "loan", "bond", "warrant", "backstop", "lease"]
Status = Literal["announced", "signed", "binding", "non_binding", "superseded", "cancelled"]
Confidence = Literal["confirmed", "single_source", "estimate", "disputed"]


class Records(BaseModel):
    """A list of ledger records as known on ``as_of``."""

    as_of: date | None
    count: int
    records: list[dict[str, Any]]


class DealDetail(BaseModel):
    as_of: date | None
    deal: dict[str, Any]
    sources: list[dict[str, Any]]
    history: list[dict[str, Any]]


class EntityDetail(BaseModel):
    as_of: date | None
    entity: dict[str, Any]
    market_value: dict[str, Any] | None
    deals: list[dict[str, Any]]
    financials: list[dict[str, Any]]
    holdings: list[dict[str, Any]]
    sources: list[dict[str, Any]]


def _records(ledger: LedgerDep, rows: list[dict[str, Any]]) -> Records:
    return Records(as_of=ledger.as_of, count=len(rows), records=rows)


@router.get("/entities", response_model=Records, summary="Entities, with latest market value")
def entities(ledger: LedgerDep, service: ServiceDep) -> Records:
    def make() -> list[dict[str, Any]]:
        mv = market_values(ledger)
        rows = []
        for e in ledger.records.get("entities", ()):
            row = record_json(e)
            row["market_value_usd_bn"] = mv.get(row["id"], {}).get("value_usd_bn")
            rows.append(row)
        return rows

    return _records(ledger, service.cached(("entities", ledger.as_of), make))


@router.get("/entities/{entity_id}", response_model=EntityDetail, summary="One entity and its records")
def entity(entity_id: Id, ledger: LedgerDep, service: ServiceDep) -> EntityDetail:
    card = service.cached(("entity", ledger.as_of, entity_id), lambda: entity_card(ledger, entity_id))
    if card is None:
        raise ApiError(404, f"unknown entity '{entity_id}'; list them at /api/entities")
    return EntityDetail(as_of=ledger.as_of, **card)


@router.get("/deals", response_model=Records, summary="Deals as known on a date, filtered")
def deals(
    ledger: LedgerDep,
    service: ServiceDep,
    kind: Annotated[list[DealKind] | None, Query(description="Keep these kinds")] = None,
    status: Annotated[list[Status] | None, Query(description="Keep these statuses")] = None,
    confidence: Annotated[list[Confidence] | None, Query()] = None,
    entity: Annotated[str | None, Query(max_length=64, description="Payer or payee id")] = None,
    min_amount: Annotated[float, Query(ge=0, le=1e6, description="USD bn, central amount")] = 0.0,
    live_only: Annotated[bool, Query(description="Only deals that still bind money")] = False,
) -> Records:
    every = service.cached(
        ("deals", ledger.as_of),
        lambda: [deal_json(d) for d in ledger.records.get("deals", ()) if isinstance(d, Deal)],
    )
    rows = [
        d for d in every
        if (not kind or d["kind"] in kind)
        and (not status or d["status"] in status)
        and (not confidence or d["confidence"] in confidence)
        and (not entity or entity in (d["payer"], d["payee"]))
        and (not live_only or d["status"] in LIVE_STATUSES)
        and (min_amount <= 0 or (d["amount_central_usd_bn"] or 0.0) >= min_amount)
    ]
    return _records(ledger, rows)


@router.get("/deals/{deal_id}", response_model=DealDetail, summary="One deal, its sources and revisions")
def deal(deal_id: Id, ledger: LedgerDep, service: ServiceDep) -> DealDetail:
    try:
        d = ledger.deal(deal_id)
    except KeyError:
        raise ApiError(
            404, f"no deal '{deal_id}' known on {ledger.as_of}; list them at /api/deals"
        ) from None
    # revisions known on the date, oldest first: how the record changed, never overwritten
    full = service.full_ledger().deal(deal_id)
    history = [
        record_json(r) for r in full.revisions if ledger.as_of is None or r.valid_from <= ledger.as_of
    ]
    cited = list(dict.fromkeys([*d.sources, *(s for r in history for s in r["sources"])]))
    return DealDetail(
        as_of=ledger.as_of, deal=deal_json(d), sources=sources_for(ledger, cited), history=history
    )


@router.get("/sources", response_model=Records, summary="Sources (publisher, title, URL, date)")
def sources(ledger: LedgerDep) -> Records:
    return _records(ledger, [record_json(s) for s in ledger.records.get("sources", ())])


@router.get("/financials", response_model=Records, summary="Reported and estimated figures")
def financials(
    ledger: LedgerDep,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    metric: Annotated[str | None, Query(max_length=64)] = None,
) -> Records:
    rows = [
        record_json(f)
        for f in ledger.records.get("financials", ())
        if isinstance(f, Financial)
        and (entity is None or f.entity == entity)
        and (metric is None or f.metric == metric)
    ]
    return _records(ledger, rows)


@router.get("/holdings", response_model=Records, summary="Equity stakes held")
def holdings(ledger: LedgerDep) -> Records:
    return _records(ledger, [record_json(h) for h in ledger.records.get("holdings", ())])
