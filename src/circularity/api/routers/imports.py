"""``POST /api/import``: add or correct ledger records in the store (write mode only).

Mounted only when the app starts with ``allow_writes`` and a store; every request needs the
bearer token given at start-up. Records come in the body as JSON, never as a file path; the
store validates them against what it holds and writes all or nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from circularity.api.deps import ServiceDep, require_writer
from circularity.api.errors import ERROR_RESPONSES
from circularity.ledger.records import RECORD_TYPES

router = APIRouter(
    prefix="/api", tags=["write"], responses=ERROR_RESPONSES, dependencies=[Depends(require_writer)]
)


class ImportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str = Field(default="http import", max_length=200)
    records: dict[str, list[dict[str, Any]]] = Field(
        description=f"Rows per table ({', '.join(RECORD_TYPES)}), fields as in docs/ledger.md"
    )


class ImportResponse(BaseModel):
    import_id: int | None
    added: dict[str, int]
    corrected: dict[str, int]
    unchanged: dict[str, int]
    content_hash: str


@router.post("/import", response_model=ImportResponse, summary="Import records (bearer token)")
def import_records(body: ImportRequest, service: ServiceDep, request: Request) -> ImportResponse:
    result = service.import_records(body.records, label=body.label)
    return ImportResponse(
        import_id=result.import_id,
        added=result.added,
        corrected=result.corrected,
        unchanged=result.unchanged,
        content_hash=result.content_hash,
    )
