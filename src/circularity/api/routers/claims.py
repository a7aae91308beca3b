"""Published claims recomputed from the ledger, with verdicts and sources."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from circularity.api import limits
from circularity.api.deps import AsOf, ServiceDep
from circularity.api.errors import ERROR_RESPONSES
from circularity.api.timing import run_with_deadline

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
def claims(service: ServiceDep, as_of: AsOf) -> Claims:
    result = run_with_deadline(lambda: service.claims(as_of), limits.MAX_RUN_SECONDS)
    rows = [_json(r.to_dict()) for r in result.results]
    return Claims(as_of=result.as_of, counts=dict(result.counts()), claims=rows)
