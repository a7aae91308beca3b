"""One-at-a-time sensitivity (tornado) of a projection headline: ``circularity sensitivity`` over HTTP.

The same code path as the CLI: :func:`circularity.montecarlo.projection_model.load_projection_model` builds
the engine and the parameter space of a preset (the scenario's distributions, or the shipped
default uncertainty), :func:`circularity.montecarlo.sensitivity.tornado` moves each parameter
alone. The dashboard's levers enter as the CLI's ``--set`` overrides.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.errors import ERROR_RESPONSES
from circularity.api.respond import cached_json, dump, json_response
from circularity.api.routers.projection import Levers, Preset
from circularity.session.sensitivity import OUTPUTS, Output, SensitivityResult, tornado_table

__all__ = ["OUTPUTS", "SensitivityRequest", "SensitivityResult", "router", "tornado_table"]

router = APIRouter(prefix="/api", tags=["models"], responses=ERROR_RESPONSES)


class SensitivityRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Preset = "baseline"
    output: Output = Field(default="funding_need_2030", description="Headline to rank the assumptions by")
    levers: Levers = Field(default_factory=Levers)
    low_q: float = Field(
        default=0.05, ge=0.01, le=0.49, strict=True, description="Quantile for a parameter's low end"
    )
    high_q: float = Field(
        default=0.95, ge=0.51, le=0.99, strict=True, description="Quantile for its high end"
    )


@router.post(
    "/sensitivity",
    response_model=SensitivityResult,
    summary="Tornado: which assumption moves a headline most",
)
async def sensitivity(body: SensitivityRequest, service: ServiceDep) -> Response:
    service.scenario(body.scenario)  # 422 for an unknown preset before any work

    def make() -> bytes:
        return dump(
            tornado_table(
                service,
                body.scenario,
                body.output,
                body.levers.model_dump(exclude_none=True),
                low_q=body.low_q,
                high_q=body.high_q,
            )
        )

    key = (
        "sensitivity.json",
        body.scenario,
        body.output,
        tuple(sorted(body.levers.overrides().items())),
        body.low_q,
        body.high_q,
        date.today(),
    )
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS))
