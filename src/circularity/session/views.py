"""Ledger records as JSON for the API and dashboard: record lists, entity cards, graph elements.

Pure formatting: a :class:`~circularity.ledger.Ledger` in, plain JSON-able dicts out.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from circularity.ledger import Ledger
from circularity.ledger.records import Deal, Entity, Financial, Source
from circularity.ledger.vocabulary import LIVE_STATUSES

__all__ = [
    "MARKET_VALUE_METRICS",
    "deal_json",
    "entity_card",
    "graph_elements",
    "market_values",
    "record_json",
]

#: Metrics read as an entity's market value, most direct first (private firms: valuations).
MARKET_VALUE_METRICS: tuple[str, ...] = (
    "market_cap",
    "valuation_post",
    "valuation",
    "valuation_secondary",
    "valuation_pre",
)

#: Statuses drawn dashed: money not (or no longer) committed.
DASHED_STATUSES = frozenset({"non_binding", "superseded", "cancelled"})


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def record_json(record: Any) -> dict[str, Any]:
    """One record as JSON (dates as ISO strings, nested schedule and revisions kept)."""
    return {k: _clean(v) for k, v in record.model_dump(mode="json").items()}


def deal_json(deal: Deal) -> dict[str, Any]:
    """A deal with its central amount and whether it still binds money."""
    out = record_json(deal)
    out["amount_central_usd_bn"] = deal.amount_central
    out["live"] = deal.status in LIVE_STATUSES
    return out


def market_values(ledger: Ledger) -> dict[str, dict[str, Any]]:
    """Per entity, its latest market value (USD bn) known in the ledger, with metric and date."""
    best: dict[str, tuple[tuple[date, int], Financial]] = {}
    rank = {m: i for i, m in enumerate(MARKET_VALUE_METRICS)}
    for f in ledger.records.get("financials", ()):
        if not isinstance(f, Financial) or f.metric not in rank or f.unit != "USD_bn":
            continue
        if ledger.as_of is not None and f.period_end > ledger.as_of:
            continue
        # the latest figure wins; on the same date the more direct metric wins
        score = (f.period_end, -rank[f.metric])
        cur = best.get(f.entity)
        if cur is None or score > cur[0]:
            best[f.entity] = (score, f)
    return {
        e: {
            "value_usd_bn": f.value,
            "metric": f.metric,
            "period_end": f.period_end.isoformat(),
            "sources": list(f.sources),
        }
        for e, (_, f) in best.items()
    }


def _label(amount: float | None) -> str:
    if amount is None:
        return "?"
    if amount >= 1000:
        return f"${amount / 1000:.1f}T"
    if amount >= 1:
        return f"${amount:.0f}B" if amount >= 10 else f"${amount:.1f}B"
    return f"${amount * 1000:.0f}M"


def graph_elements(
    ledger: Ledger,
    *,
    include_inactive: bool = False,
    kinds: frozenset[str] | None = None,
    confidences: frozenset[str] | None = None,
    min_amount: float = 0.0,
) -> dict[str, Any]:
    """Cytoscape.js elements: one node per entity in a shown deal, one edge per deal.

    Edges go payer → payee (the direction money moves). Superseded and cancelled deals are
    left out unless ``include_inactive``; non-binding, superseded and cancelled ones are drawn
    dashed (``data.dashed``).
    """
    entities = {e.id: e for e in ledger.records.get("entities", ()) if isinstance(e, Entity)}
    mv = market_values(ledger)
    edges: list[dict[str, Any]] = []
    used: set[str] = set()
    for d in ledger.records.get("deals", ()):
        if not isinstance(d, Deal):
            continue
        live = d.status in LIVE_STATUSES
        if not live and not include_inactive:
            continue
        if kinds is not None and d.kind not in kinds:
            continue
        if confidences is not None and d.confidence not in confidences:
            continue
        amount = d.amount_central
        if min_amount > 0 and (amount is None or amount < min_amount):
            continue
        used.update((d.payer, d.payee))
        edges.append(
            {
                "data": {
                    "id": d.id,
                    "source": d.payer,
                    "target": d.payee,
                    "kind": d.kind,
                    "amount": amount,
                    "amount_low": d.amount_low_usd_bn,
                    "amount_high": d.amount_high_usd_bn,
                    "status": d.status,
                    "confidence": d.confidence,
                    "dashed": d.status in DASHED_STATUSES,
                    "live": live,
                    "label": _label(amount),
                    "description": d.description,
                }
            }
        )
    nodes = []
    for eid in sorted(used):
        ent = entities.get(eid)
        value = mv.get(eid, {}).get("value_usd_bn")
        nodes.append(
            {
                "data": {
                    "id": eid,
                    "label": ent.name if ent else eid,
                    "kind": ent.kind if ent else "unknown",
                    "ticker": ent.ticker if ent else None,
                    "listed": bool(ent.listed) if ent else False,
                    "market_value": value,
                }
            }
        )
    total = sum(e["data"]["amount"] or 0.0 for e in edges if e["data"]["live"])
    return {
        "as_of": ledger.as_of.isoformat() if ledger.as_of else None,
        "elements": {"nodes": nodes, "edges": edges},
        "n_nodes": len(nodes),
        "n_edges": len(edges),
        "live_volume_usd_bn": total,
    }


def entity_card(ledger: Ledger, entity_id: str) -> dict[str, Any] | None:
    """An entity with its deals (both directions), financials, holdings and the sources cited."""
    ent = next(
        (e for e in ledger.records.get("entities", ()) if getattr(e, "id", None) == entity_id),
        None,
    )
    if ent is None:
        return None
    deals = [
        deal_json(d)
        for d in ledger.records.get("deals", ())
        if isinstance(d, Deal) and entity_id in (d.payer, d.payee)
    ]
    financials = [
        record_json(f)
        for f in ledger.records.get("financials", ())
        if getattr(f, "entity", None) == entity_id
    ]
    holdings = [
        record_json(h)
        for h in ledger.records.get("holdings", ())
        if entity_id in (getattr(h, "holder", None), getattr(h, "issuer", None))
    ]
    cited: set[str] = set(getattr(ent, "sources", ()))
    for group in (deals, financials, holdings):
        for r in group:
            cited.update(r.get("sources", ()))
    sources = [
        record_json(s) for s in ledger.records.get("sources", ()) if isinstance(s, Source) and s.id in cited
    ]
    return {
        "entity": record_json(ent),
        "market_value": market_values(ledger).get(entity_id),
        "deals": deals,
        "financials": financials,
        "holdings": holdings,
        "sources": sources,
    }


def sources_for(ledger: Ledger, ids: list[str]) -> list[dict[str, Any]]:
    """The source records with these ids, in the given order."""
    by_id = {s.id: s for s in ledger.records.get("sources", ()) if isinstance(s, Source)}
    return [record_json(by_id[i]) for i in ids if i in by_id]
