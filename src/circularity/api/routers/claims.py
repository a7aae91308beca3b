"""Published claims recomputed from the ledger, with verdicts and sources."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from circularity.api import limits
from circularity.api.deps import AsOf, ServiceDep
from circularity.api.errors import ERROR_RESPONSES
from circularity.api.respond import cached_json, dump, json_response

router = APIRouter(prefix="/api", tags=["claims"], responses=ERROR_RESPONSES)


class Claims(BaseModel):
    as_of: date | None
    counts: dict[str, int]
    claims: list[dict[str, Any]]


def _json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


@router.get("/claims", response_model=Claims, summary="Every claim: computed, claimed, verdict")
async def claims(service: ServiceDep, as_of: AsOf) -> Response:
    when = as_of or date.today()

    def make() -> bytes:
        result = service.claims(when)
        rows = [_json(r.to_dict()) for r in result.results]
        return dump(Claims(as_of=result.as_of, counts=dict(result.counts()), claims=rows))

    return json_response(
        await cached_json(service, ("claims.json", when), make, seconds=limits.MAX_RUN_SECONDS, slow=True)
    )
