"""Runs made through this server (stress, projection, simulation), newest first."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel

from circularity.api.errors import ERROR_RESPONSES, ApiError

router = APIRouter(prefix="/api", tags=["runs"], responses=ERROR_RESPONSES)


class RunList(BaseModel):
    runs: list[dict[str, Any]]


class Run(BaseModel):
    id: str
    kind: str
    created: str
    request: dict[str, Any]
    summary: dict[str, Any]
    result: dict[str, Any]


@router.get("/runs", response_model=RunList, summary="Runs made through this server")
async def runs(request: Request) -> RunList:
    return RunList(runs=request.app.state.runs.list())


@router.get("/runs/{run_id}", response_model=Run, summary="One run with its full result")
async def run(run_id: Annotated[str, Path(max_length=80)], request: Request) -> Run:
    found = request.app.state.runs.get(run_id)
    if found is None:
        raise ApiError(404, f"no run '{run_id}' on this server; list them at /api/runs")
    return Run(**found)
