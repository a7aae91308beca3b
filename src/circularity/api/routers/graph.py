"""The web as a graph, and how much of its money goes round in circles."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from circularity.api.deps import AsOf, ServiceDep
from circularity.api.errors import ERROR_RESPONSES

router = APIRouter(prefix="/api", tags=["graph"], responses=ERROR_RESPONSES)

DealKind = Literal["equity", "compute", "hardware", "loan", "bond", "warrant", "backstop", "lease"]
Confidence = Literal["confirmed", "single_source", "estimate", "disputed"]


class Elements(BaseModel):
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]


class Graph(BaseModel):
    """Cytoscape.js elements: nodes are entities, edges are deals (payer → payee)."""

    as_of: date | None
    elements: Elements
    n_nodes: int
    n_edges: int
    live_volume_usd_bn: float


@router.get("/graph", response_model=Graph, summary="The deal network as Cytoscape.js elements")
def graph(
    service: ServiceDep,
    as_of: AsOf,
    include_inactive: Annotated[
        bool, Query(description="Also draw superseded and cancelled deals (dashed)")
    ] = False,
    kind: Annotated[list[DealKind] | None, Query(description="Keep these deal kinds")] = None,
    confidence: Annotated[list[Confidence] | None, Query()] = None,
    min_amount: Annotated[float, Query(ge=0, le=1e6, description="USD bn")] = 0.0,
) -> Graph:
    data = service.graph(
        as_of,
        include_inactive=include_inactive,
        kinds=frozenset(kind) if kind else None,
        confidences=frozenset(confidence) if confidence else None,
        min_amount=min_amount,
    )
    return Graph(**data)


class CycleOut(BaseModel):
    entities: list[str]
    amount: float
    deal_ids: list[list[str]]


class EntityCircularity(BaseModel):
    inflow: float
    outflow: float
    circular: float
    circular_share_in: float
    circular_share_out: float


class Loops(BaseModel):
    """The largest circulation in the web of live deals (USD bn) and its top cycles."""

    as_of: date | None
    total_volume: float
    circulating_volume: float
    circularity_ratio: float
    cycles: list[CycleOut]
    n_cycles: int
    entities: dict[str, EntityCircularity]
    components: list[list[str]]
    deals_used: int
    deals_without_amount: list[str]


@router.get("/loops", response_model=Loops, summary="Circulating volume, ratio and top cycles")
def loops(
    service: ServiceDep,
    as_of: AsOf,
    top: Annotated[int, Query(ge=1, le=100, description="Cycles to list")] = 10,
) -> Loops:
    data = dict(service.loops(as_of))
    data["cycles"] = data["cycles"][:top]
    return Loops(as_of=as_of or date.today(), **data)
