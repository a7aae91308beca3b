"""The AI-web stress test: who loses what if some entities pay only part of what they owe."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response, with_run_id
from circularity.stress.losses import LOSS_PARTS

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


def format_stress(result: Any, service: Any, scenario: int = 0) -> dict[str, Any]:
    """Scenario ``scenario`` of a :class:`~circularity.stress.StressResult` as JSON rows, totals
    and assumptions: the rows of ``result.to_frame(scenario)``, in its order."""
    s = scenario
    names = service.entity_names(result.as_of)
    obligations = result.obligations_base[s]
    mv_change = result.mv_change[s]
    lost = result.receipts_lost[s]
    order = result.row_order(s)  # to_frame's rows, in its order
    value_lost = np.where(np.isnan(mv_change), np.nan, np.maximum(0.0, -mv_change))
    columns = {
        "pay_share": result.pay_share[s],
        "obligations_usd_bn": obligations,
        "receipts_lost_usd_bn": lost,
        "equity_loss_usd_bn": result.equity_loss[s],
        "stake_loss_usd_bn": result.stake_loss[s],
        "market_value_usd_bn": result.market_value,
        "market_value_lost_usd_bn": value_lost,
        "mv_change_pct": result.mv_change_pct[s],
        "market_value_after_usd_bn": result.losses.value_after[s],
        **{f"{part}_usd_bn": getattr(result.losses, part)[s] for part in LOSS_PARTS},
        "distance_to_default_before": result.losses.distance_to_default_before[s],
        "distance_to_default_after": result.losses.distance_to_default_after[s],
    }
    defaulted = result.defaulted[s][order].tolist()
    ids = [result.entities[i] for i in order]
    keys = ("id", "name", *columns, "defaulted")
    values = zip(
        ids,
        [names.get(e, e) for e in ids],
        *(_nums(v[order]) for v in columns.values()),
        defaulted,
        strict=True,
    )
    rows = [dict(zip(keys, row, strict=True)) for row in values]
    a = result.assumptions
    return {
        "as_of": result.as_of,
        "model": result.model,
        "from_quarter": result.from_quarter,
        "to_quarter": result.to_quarter,
        "columns": [c.model_dump() for c in COLUMNS],
        "rows": rows,
        "totals": {k: float(v) for k, v in result.totals(s).items()},
        "defaulted": [e for e, d in zip(ids, defaulted, strict=True) if d],
        "articles": result.article_comparison(s),
        "assumptions": {k: {"value": a.values[k], "source": a.sources.get(k, "")} for k in a.values},
    }


def _nums(values: Any) -> list[float | None]:
    """Floats, with None for NaN and infinities (JSON has neither)."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def _answer(result: Any, scenario: int, service: Any) -> tuple[bytes, dict[str, Any]]:
    out = format_stress(result, service, scenario)
    if not out["rows"]:
        raise ApiError(422, "no entity in the web is touched by this shock on this date")
    return dump(StressResult(**out)), out


def _key(shocks: dict[str, float], when: date, model: str, alpha: float, beta: float) -> tuple[Any, ...]:
    return ("stress.json", tuple(sorted(shocks.items())), when, model, alpha, beta)


def answers(service: Any, group: tuple[Any, ...], items: list[dict[str, float]]) -> list[tuple[Any, Any]]:
    """``(key, (json, data))`` for every shock set of one date and model, from one vectorised
    stress test; sets it cannot answer are left out (each request then gets its own error).

    Unlike the projection, a moved slider's line is not answered ahead: formatting an answer
    costs more than clearing it, and answering 21 positions ahead made the load test slower."""
    when, model, alpha, beta = group
    todo: dict[tuple[Any, ...], dict[str, float]] = {}
    for shocks in items:
        todo.setdefault(_key(shocks, when, model, alpha, beta), shocks)
    result, index = service.stress_many(list(todo.values()), when, model=model, alpha=alpha, beta=beta)
    out = []
    for key, j in zip(todo, index, strict=True):
        if j >= 0:
            try:
                out.append((key, _answer(result, j, service)))
            except ApiError:
                continue
    return out


@router.post("/stress", response_model=StressResponse, summary="Shock the web and clear it")
async def stress(body: StressRequest, service: ServiceDep, request: Request) -> Response:
    shocks = {s.entity: s.pays for s in body.shocks}
    when = body.as_of or date.today()
    key = _key(shocks, when, body.model, body.alpha, body.beta)
    if service.peek(key) is None:
        group = ("stress", when, body.model, body.alpha, body.beta)
        await request.app.state.batchers["stress"].submit(group, shocks)

    def make() -> tuple[bytes, dict[str, Any]]:
        result = service.stress(shocks, when, model=body.model, alpha=body.alpha, beta=body.beta)
        return _answer(result, 0, service)

    payload, out = await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS, pair=True)
    run_id = request.app.state.runs.add(
        "stress", body.model_dump(mode="json"), out["totals"], {**out, "as_of": str(out["as_of"])}
    )
    return json_response(with_run_id(payload, run_id))
