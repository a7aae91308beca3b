"""The AI-web stress test: who loses what if some entities pay only part of what they owe."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response, with_run_id

router = APIRouter(prefix="/api", tags=["models"], responses=ERROR_RESPONSES)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class Shock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: Slug
    pays: float = Field(ge=0.0, le=1.0, description="Share of what it owes that it still pays")


class StressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shocks: list[Shock] = Field(min_length=1, max_length=limits.MAX_SHOCKS)
    as_of: date | None = Field(default=None, ge=date(2025, 1, 1), le=date(2032, 12, 31))
    model: Literal["eisenberg-noe", "rogers-veraart"] = "eisenberg-noe"
    alpha: float = Field(default=1.0, gt=0.0, le=1.0, description="Rogers-Veraart: outside assets")
    beta: float = Field(default=1.0, gt=0.0, le=1.0, description="Rogers-Veraart: receipts")

    @model_validator(mode="after")
    def _unique(self) -> StressRequest:
        ids = [s.entity for s in self.shocks]
        if len(set(ids)) != len(ids):
            raise ValueError("each entity may be shocked once")
        return self


class Column(BaseModel):
    key: str
    label: str
    numeric: bool = False
    percent: bool = False


class StressResult(BaseModel):
    as_of: date
    model: str
    from_quarter: str
    to_quarter: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    totals: dict[str, float]
    defaulted: list[str]
    articles: list[dict[str, str]]
    assumptions: dict[str, Any]


class StressResponse(StressResult):
    run_id: str = Field(description="Fetch this run again at /api/runs/{run_id}")


COLUMNS = [
    Column(key="name", label="entity"),
    Column(key="pay_share", label="pays", numeric=True, percent=True),
    Column(key="obligations_usd_bn", label="owes ($bn)", numeric=True),
    Column(key="receipts_lost_usd_bn", label="receipts lost ($bn)", numeric=True),
    Column(key="equity_loss_usd_bn", label="equity loss ($bn)", numeric=True),
    Column(key="market_value_usd_bn", label="market value ($bn)", numeric=True),
    Column(key="market_value_lost_usd_bn", label="value lost ($bn)", numeric=True),
    Column(key="mv_change_pct", label="change", numeric=True, percent=True),
    Column(key="defaulted", label="default"),
]


def format_stress(result: Any, service: Any) -> dict[str, Any]:
    """A :class:`~circularity.stress.StressResult` as JSON rows, totals and assumptions."""
    names = {
        e.id: e.name for e in service.ledger(result.as_of).records.get("entities", ())
    }
    rows = []
    for r in result.to_frame().itertuples(index=False):
        mv_change = _num(r.mv_change)
        rows.append(
            {
                "id": r.entity,
                "name": names.get(r.entity, r.entity),
                "pay_share": _num(r.pay_share),
                "obligations_usd_bn": _num(r.obligations),
                "receipts_lost_usd_bn": _num(r.receipts_lost),
                "equity_loss_usd_bn": _num(r.equity_loss),
                "stake_loss_usd_bn": _num(r.stake_loss),
                "market_value_usd_bn": _num(r.market_value),
                "market_value_lost_usd_bn": None if mv_change is None else max(0.0, -mv_change),
                "mv_change_pct": _num(r.mv_change_pct),
                "defaulted": bool(r.defaulted),
            }
        )
    a = result.assumptions
    return {
        "as_of": result.as_of,
        "model": result.model,
        "from_quarter": result.from_quarter,
        "to_quarter": result.to_quarter,
        "columns": [c.model_dump() for c in COLUMNS],
        "rows": rows,
        "totals": {k: float(v) for k, v in result.totals().items()},
        "defaulted": [r["id"] for r in rows if r["defaulted"]],
        "articles": result.article_comparison(),
        "assumptions": {k: {"value": a.values[k], "source": a.sources.get(k, "")} for k in a.values},
    }


def _num(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


@router.post("/stress", response_model=StressResponse, summary="Shock the web and clear it")
async def stress(body: StressRequest, service: ServiceDep, request: Request) -> Response:
    shocks = {s.entity: s.pays for s in body.shocks}
    when = body.as_of or date.today()

    def make() -> tuple[bytes, dict[str, Any]]:
        result = service.stress(shocks, when, model=body.model, alpha=body.alpha, beta=body.beta)
        out = format_stress(result, service)
        if not out["rows"]:
            raise ApiError(422, "no entity in the web is touched by this shock on this date")
        return dump(StressResult(**out)), out

    key = ("stress.json", tuple(sorted(shocks.items())), when, body.model, body.alpha, body.beta)
    payload, out = await cached_json(
        service, key, make, seconds=limits.MAX_RUN_SECONDS, pair=True
    )
    run_id = request.app.state.runs.add(
        "stress", body.model_dump(mode="json"), out["totals"], {**out, "as_of": str(out["as_of"])}
    )
    return json_response(with_run_id(payload, run_id))
