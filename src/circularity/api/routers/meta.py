"""Health and metadata: what this server holds and which panels it can fill."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel

from circularity import __version__
from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.respond import cached_json, dump, json_response
from circularity.ledger.records import Deal
from circularity.ledger.vocabulary import CONFIDENCES, DEAL_KINDS, ENTITY_KINDS, STATUSES
from circularity.session.service import features

router = APIRouter(prefix="/api", tags=["meta"])


class Health(BaseModel):
    status: str
    version: str


class Meta(BaseModel):
    version: str
    dataset: str
    store: bool
    read_only: bool
    counts: dict[str, int]
    first_date: date | None
    last_date: date | None
    knowledge_horizon: date | None
    horizon_note: str | None
    today: date
    vocabulary: dict[str, list[str]]
    features: dict[str, bool]
    limits: dict[str, float]


@router.get("/health", response_model=Health, summary="Liveness check")
async def health() -> Health:
    return Health(status="ok", version=__version__)


@router.get("/meta", response_model=Meta, summary="Dataset, vocabulary, features and limits")
async def meta(service: ServiceDep, request: Request) -> Response:
    allow_writes = bool(request.app.state.allow_writes)
    key = ("meta.json", date.today(), allow_writes)
    make = lambda: dump(_meta(service, allow_writes))  # noqa: E731
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS))


def _meta(service: ServiceDep, allow_writes: bool) -> Meta:
    full = service.full_ledger()
    dates = [d.announced for d in full.records.get("deals", ()) if isinstance(d, Deal)]
    revs = [r.valid_from for d in full.records.get("deals", ()) if isinstance(d, Deal) for r in d.revisions]
    all_dates = dates + revs
    info: dict[str, Any] = dict(full.meta)
    return Meta(
        version=__version__,
        dataset=str(info.get("name", service.dataset)),
        store=service.db is not None,
        read_only=not allow_writes,
        counts=full.counts(),
        first_date=min(all_dates) if all_dates else None,
        last_date=max(all_dates) if all_dates else None,
        knowledge_horizon=service.knowledge_horizon(),
        horizon_note=service.horizon_note(date.today()),
        today=date.today(),
        vocabulary={
            "deal_kinds": list(DEAL_KINDS),
            "statuses": list(STATUSES),
            "confidences": list(CONFIDENCES),
            "entity_kinds": list(ENTITY_KINDS),
        },
        features={**features(), "import": allow_writes},
        limits={
            "max_body_bytes": limits.MAX_BODY_BYTES,
            "max_draws": limits.MAX_DRAWS,
            "max_run_seconds": limits.MAX_RUN_SECONDS,
            "max_shocks": limits.MAX_SHOCKS,
            "max_null_webs": limits.MAX_NULL_WEBS,
        },
    )
