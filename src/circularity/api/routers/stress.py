"""The AI-web stress test: who loses what if some entities pay only part of what they owe."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response, with_run_id
from circularity.session.stress_rows import format_stress

router = APIRouter(prefix="/api", tags=["models"], responses=ERROR_RESPONSES)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]


class Shock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: Slug
    pays: float = Field(ge=0.0, le=1.0, strict=True, description="Share of what it owes that it still pays")


class StressRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shocks: list[Shock] = Field(min_length=1, max_length=limits.MAX_SHOCKS)
    as_of: date | None = Field(default=None, ge=date(2025, 1, 1), le=date(2032, 12, 31))
    model: Literal["eisenberg-noe", "rogers-veraart"] = "eisenberg-noe"
    alpha: float = Field(
        default=1.0, gt=0.0, le=1.0, strict=True, description="Rogers-Veraart: outside assets"
    )
    beta: float = Field(default=1.0, gt=0.0, le=1.0, strict=True, description="Rogers-Veraart: receipts")

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
