"""Ledger records as of a date: entities, deals, sources, financials, holdings."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel

from circularity.api import limits
from circularity.api.deps import AsOf, ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response
from circularity.ledger.records import Deal, Financial
from circularity.ledger.vocabulary import LIVE_STATUSES
from circularity.session.views import deal_json, entity_card, market_values, record_json, sources_for

router = APIRouter(prefix="/api", tags=["ledger"], responses=ERROR_RESPONSES)

Id = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$", max_length=64)]
DealKind = Literal["equity", "compute", "hardware", "loan", "bond", "warrant", "backstop", "lease"]
Status = Literal["announced", "signed", "binding", "non_binding", "superseded", "cancelled"]
Confidence = Literal["confirmed", "single_source", "estimate", "disputed"]


class Records(BaseModel):
    """A list of ledger records as known on ``as_of``."""

    as_of: date | None
    knowledge_horizon: date | None
    horizon_note: str | None
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


def _when(as_of: date | None) -> date:
    return as_of or date.today()


async def _answer(service: ServiceDep, key: tuple[Any, ...], make: Any) -> Response:
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS))


def _records(service: ServiceDep, as_of: date, rows: list[dict[str, Any]]) -> bytes:
    return dump(
        Records(
            as_of=as_of,
            knowledge_horizon=service.knowledge_horizon(),
            horizon_note=service.horizon_note(as_of),
            count=len(rows),
            records=rows,
        )
    )


@router.get("/entities", response_model=Records, summary="Entities, with latest market value")
async def entities(service: ServiceDep, as_of: AsOf) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        ledger = service.ledger(when)
        mv = market_values(ledger)
        rows = []
        for e in ledger.records.get("entities", ()):
            row = record_json(e)
            row["market_value_usd_bn"] = mv.get(row["id"], {}).get("value_usd_bn")
            rows.append(row)
        return _records(service, when, rows)

    return await _answer(service, ("entities.json", when), make)


@router.get("/entities/{entity_id}", response_model=EntityDetail, summary="One entity and its records")
async def entity(entity_id: Id, service: ServiceDep, as_of: AsOf) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        card = entity_card(service.ledger(when), entity_id)
        if card is None:
            raise ApiError(404, f"unknown entity '{entity_id}'; list them at /api/entities")
        return dump(EntityDetail(as_of=when, **card))

    return await _answer(service, ("entity.json", when, entity_id), make)


def _all_deals(service: Any, when: date) -> list[dict[str, Any]]:
    return service.cached(  # type: ignore[no-any-return]
        ("deals", when),
        lambda: [deal_json(d) for d in service.ledger(when).records.get("deals", ()) if isinstance(d, Deal)],
    )


@router.get("/deals", response_model=Records, summary="Deals as known on a date, filtered")
async def deals(
    service: ServiceDep,
    as_of: AsOf,
    kind: Annotated[list[DealKind] | None, Query(description="Keep these kinds")] = None,
    status: Annotated[list[Status] | None, Query(description="Keep these statuses")] = None,
    confidence: Annotated[list[Confidence] | None, Query()] = None,
    entity: Annotated[str | None, Query(max_length=64, description="Payer or payee id")] = None,
    min_amount: Annotated[float, Query(ge=0, le=1e6, description="USD bn, central amount")] = 0.0,
    live_only: Annotated[bool, Query(description="Only deals that still bind money")] = False,
) -> Response:
    when = _when(as_of)
    kinds = frozenset(kind or ())
    statuses = frozenset(status or ())
    confidences = frozenset(confidence or ())

    def make() -> bytes:
        rows = [
            d
            for d in _all_deals(service, when)
            if (not kinds or d["kind"] in kinds)
            and (not statuses or d["status"] in statuses)
            and (not confidences or d["confidence"] in confidences)
            and (not entity or entity in (d["payer"], d["payee"]))
            and (not live_only or d["status"] in LIVE_STATUSES)
            and (min_amount <= 0 or (d["amount_central_usd_bn"] or 0.0) >= min_amount)
        ]
        return _records(service, when, rows)

    key = ("deals.json", when, kinds, statuses, confidences, entity, min_amount, live_only)
    return await _answer(service, key, make)


@router.get("/deals/{deal_id}", response_model=DealDetail, summary="One deal, its sources and revisions")
async def deal(deal_id: Id, service: ServiceDep, as_of: AsOf) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        ledger = service.ledger(when)
        try:
            d = ledger.deal(deal_id)
        except KeyError:
            raise ApiError(404, f"no deal '{deal_id}' known on {when}; list them at /api/deals") from None
        # revisions known on the date, oldest first: how the record changed, never overwritten
        full = service.full_ledger().deal(deal_id)
        history = [record_json(r) for r in full.revisions if r.valid_from <= when]
        cited = list(dict.fromkeys([*d.sources, *(s for r in history for s in r["sources"])]))
        return dump(
            DealDetail(as_of=when, deal=deal_json(d), sources=sources_for(ledger, cited), history=history)
        )

    return await _answer(service, ("deal.json", when, deal_id), make)


@router.get("/sources", response_model=Records, summary="Sources (publisher, title, URL, date)")
async def sources(service: ServiceDep, as_of: AsOf) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        return _records(
            service, when, [record_json(s) for s in service.ledger(when).records.get("sources", ())]
        )

    return await _answer(service, ("sources.json", when), make)


@router.get("/financials", response_model=Records, summary="Reported and estimated figures")
async def financials(
    service: ServiceDep,
    as_of: AsOf,
    entity: Annotated[str | None, Query(max_length=64)] = None,
    metric: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        rows = [
            record_json(f)
            for f in service.ledger(when).records.get("financials", ())
            if isinstance(f, Financial)
            and (entity is None or f.entity == entity)
            and (metric is None or f.metric == metric)
        ]
        return _records(service, when, rows)

    return await _answer(service, ("financials.json", when, entity, metric), make)


@router.get("/holdings", response_model=Records, summary="Equity stakes held")
async def holdings(service: ServiceDep, as_of: AsOf) -> Response:
    when = _when(as_of)

    def make() -> bytes:
        return _records(
            service, when, [record_json(h) for h in service.ledger(when).records.get("holdings", ())]
        )

    return await _answer(service, ("holdings.json", when), make)
