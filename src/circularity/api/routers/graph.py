"""The web as a graph, how much of its money goes round in circles, and vendor financing.

Circulation, significance and metrics are the analytics functions ``circularity loops`` and
``circularity metrics`` call, with the same defaults: one definition everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from circularity.api import limits
from circularity.api.deps import AsOf, ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response
from circularity.ledger.records import Entity

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


def _date(as_of: date | None) -> date:
    return as_of or date.today()


@router.get("/graph", response_model=Graph, summary="The deal network as Cytoscape.js elements")
async def graph(
    service: ServiceDep,
    as_of: AsOf,
    include_inactive: Annotated[
        bool, Query(description="Also draw superseded and cancelled deals (dashed)")
    ] = False,
    kind: Annotated[list[DealKind] | None, Query(description="Keep these deal kinds")] = None,
    confidence: Annotated[list[Confidence] | None, Query()] = None,
    min_amount: Annotated[float, Query(ge=0, le=1e6, description="USD bn")] = 0.0,
) -> Response:
    kinds = frozenset(kind) if kind else None
    confidences = frozenset(confidence) if confidence else None
    when = _date(as_of)

    def make() -> bytes:
        data = service.graph(
            when,
            include_inactive=include_inactive,
            kinds=kinds,
            confidences=confidences,
            min_amount=min_amount,
        )
        return dump(Graph(**data))

    key = ("graph.json", when, include_inactive, kinds, confidences, min_amount)
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS))


class CycleOut(BaseModel):
    entities: list[str] = Field(description="Entities in order; the last pays the first")
    amount: float = Field(description="USD bn that goes round the cycle")
    deal_ids: list[list[str]] = Field(description="Deal ids behind each edge, edge by edge")


class EntityCircularity(BaseModel):
    inflow: float
    outflow: float
    circular: float
    circular_share_in: float
    circular_share_out: float


class NullModel(BaseModel):
    """The observed ratio against ``n`` null webs (``method``: ``degree-strength`` keeps every
    payer-payee pair and every entity's dollar in- and out-flow; ``strength`` only the flows)."""

    observed: float
    mean: float
    std: float
    z_score: float | None
    p_value: float
    n: int
    swaps_per_edge: int
    seed: int | None
    method: str
    definition: str


class Loops(BaseModel):
    """The largest circulation in the money-flow graph (USD bn attributed to the window)."""

    as_of: date
    window: str
    total_volume: float
    circulating_volume: float
    circularity_ratio: float
    cycles: list[CycleOut]
    n_cycles: int
    n_edges: int
    entities: dict[str, EntityCircularity]
    components: list[list[str]]
    unpriced_deals: list[str]
    rule: str
    null_model: NullModel | None = None


def parse_window(text: str) -> tuple[int, int] | None:
    """``FIRST:LAST`` years or ``all`` (as ``circularity loops --window``)."""
    if text == "all":
        return None
    first, _, last = text.partition(":")
    a, b = int(first), int(last)
    if not 1990 <= a <= b <= 2100:
        raise ApiError(
            422, f"window '{text}': years must run forward within 1990-2100 (e.g. 2025:2030) or be 'all'"
        )
    return a, b


WindowQ = Annotated[
    str,
    Query(
        pattern=r"^(all|\d{4}:\d{4})$",
        description="Years FIRST:LAST whose flows count (attribution rule of flow_graph), or 'all'",
    ),
]
MinConfidenceQ = Annotated[
    Confidence | None,
    Query(description="Keep deals at or above: confirmed > single_source > estimate > disputed"),
]


@router.get("/loops", response_model=Loops, summary="Circulating volume, ratio, significance, top cycles")
async def loops(
    service: ServiceDep,
    as_of: AsOf,
    window: WindowQ = "2025:2030",
    kind: Annotated[list[DealKind] | None, Query(description="Keep these deal kinds")] = None,
    min_confidence: MinConfidenceQ = None,
    top: Annotated[int, Query(ge=1, le=100, description="Cycles to list")] = 10,
    null: Annotated[
        int, Query(ge=0, le=limits.MAX_NULL_WEBS, description="Null webs for the significance test (0: skip)")
    ] = 0,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="Seed of the null model")] = 7,
    null_method: Annotated[
        Literal["degree-strength", "strength"],
        Query(description="Null model kept margins, as `circularity loops --null-method"),
    ] = "degree-strength",
) -> Response:
    win = parse_window(window)
    kinds = frozenset(kind) if kind else None
    when = _date(as_of)

    def make() -> bytes:
        data = dict(
            service.loops(
                when,
                window=win,
                kinds=kinds,
                min_confidence=min_confidence,
                null=null,
                seed=seed,
                null_method=null_method,
            )
        )
        data["cycles"] = data["cycles"][:top]
        return dump(Loops(as_of=when, **data))

    key = ("loops.json", when, win, kinds, min_confidence, top, null, seed, null_method)
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS, slow=null > 0))


class VendorFinancingOut(BaseModel):
    vendor: str
    window: list[int] | None
    customers: list[str]
    financing: float
    purchases: float
    revenue: float | None
    revenue_period: str | None
    ratio_to_purchases: float | None
    ratio_to_revenue: float | None
    financing_deals: list[str]
    purchase_deals: list[str]
    unpriced_deals: list[str]
    note: str


class Metrics(BaseModel):
    """Financial ratios per entity and period, vendor financing, the Lucent comparison."""

    as_of: date
    window: str
    ratios: list[dict[str, Any]]
    vendor_financing: list[VendorFinancingOut]
    definition: str
    lucent_comparison: list[dict[str, Any]]


@router.get("/metrics", response_model=Metrics, summary="Ratios, vendor financing, Lucent comparison")
async def metrics(
    service: ServiceDep,
    as_of: AsOf,
    window: WindowQ = "2025:2030",
    entity: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64, description="Only this entity")
    ] = None,
) -> Response:
    win = parse_window(window)
    when = _date(as_of)

    def make() -> bytes:
        if entity is not None:
            known = {e.id for e in service.ledger(when).records.get("entities", ()) if isinstance(e, Entity)}
            if entity not in known:
                raise ApiError(404, f"unknown entity '{entity}'; list them at /api/entities")
        data = service.metrics(when, window=win, entity=entity)
        vf = [{k: v for k, v in d.items() if k != "definition"} for d in data["vendor_financing"]]
        return dump(Metrics(**{**data, "vendor_financing": vf}))

    key = ("metrics.json", when, win, entity)
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS, slow=True))
