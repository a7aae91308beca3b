"""Small synthetic ledgers for projection tests (no bundled data needed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from circularity.ledger import Deal, Entity, Financial, Ledger
from circularity.ledger.vocabulary import DealKind, EntityKind, PeriodType
from circularity.projection.scenario import Scenario

SRC = ["s1"]


def entity(id_: str, kind: EntityKind = "hyperscaler") -> Entity:
    return Entity(id=id_, name=id_.title(), kind=kind, sources=SRC)


def deal(
    id_: str,
    kind: DealKind,
    payer: str,
    payee: str,
    amount: float,
    start: str,
    term: float | None = None,
    **kw: Any,
) -> Deal:
    if term is not None:
        kw["term_years"] = term
    return Deal(
        id=id_,
        kind=kind,
        payer=payer,
        payee=payee,
        amount_usd_bn=amount,
        announced=date(2024, 1, 1),
        start=start,
        status="binding",
        sources=SRC,
        confidence="confirmed",
        **kw,
    )


def fin(entity_: str, metric: str, value: float, period_type: PeriodType = "FY") -> Financial:
    return Financial(
        entity=entity_,
        period="FY2024",
        period_end=date(2024, 12, 31),
        period_type=period_type,
        metric=metric,
        value=value,
        unit="USD_bn",
        sources=SRC,
        confidence="confirmed",
    )


def ledger(entities: list[Entity], deals: list[Deal], financials: Sequence[Financial] = ()) -> Ledger:
    return Ledger(
        records={
            "entities": tuple(entities),
            "deals": tuple(deals),
            "financials": tuple(financials),
            "holdings": (),
            "market_reactions": (),
            "sources": (),
        }
    )


def P(v: Any, why: str = "assumption: test") -> dict[str, Any]:
    return {"value": v, "source": why}


def scenario_dict(**over: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "name": "test",
        "horizon": {"start": "2025Q1", "end": "2027Q4"},
        "headline_entity": "lab",
        "globals": {
            "gpu_life_years": P(4.0),
            "credit_appetite": P(1.0),
            "equity_appetite": P(1.0),
            "power_delivery": P(1.0),
            "backlog_multiple": P(0.5),
        },
        "defaults": {
            "revenue_growth": P(0.0),
            "opex_ratio": P(0.5),
            "capex_ratio": P(0.1),
            "min_cash": P(0.0),
            "leverage_limit": P(3.0),
            "rate": P(0.05),
            "spread_per_turn": P(0.01),
            "max_rate": P(0.14),
            "equity_raise_q": P(0.02),
            "debt_maturity_years": P(5.0),
            "tax_rate": P(0.2),
        },
    }
    base.update(over)
    return base


def scenario(**over: Any) -> Scenario:
    return Scenario.model_validate(scenario_dict(**over))


def triangle() -> Ledger:
    """lab buys compute from cloud, cloud buys hardware from chips, chips invest in lab."""
    return ledger(
        [entity("lab", "lab"), entity("cloud"), entity("chips", "chipmaker"), entity("banks", "lender")],
        [
            deal("C1", "compute", "lab", "cloud", 40.0, "2025", 2.0),
            deal("H1", "hardware", "cloud", "chips", 16.0, "2025-H2", 2.0),
            deal("E1", "equity", "chips", "lab", 10.0, "2026-Q1"),
            deal("L1", "loan", "banks", "cloud", 8.0, "2025", 2.0, rate=0.08),
        ],
        [
            fin("lab", "revenue", 8.0),
            fin("lab", "cash", 10.0),
            fin("cloud", "revenue", 60.0),
            fin("cloud", "cash", 20.0),
            fin("chips", "revenue", 100.0),
            fin("chips", "cash", 50.0),
            fin("lab", "market_cap", 100.0),
            fin("cloud", "market_cap", 500.0),
            fin("chips", "market_cap", 1000.0),
            fin("banks", "cash", 1000.0),
        ],
    )


#: entity defaults that switch off every flow but the contracts (hand-computed channel cases)
QUIET: dict[str, Any] = {
    "opex_ratio": P(0.0),
    "capex_ratio": P(0.0),
    "equity_raise_q": P(0.0),
    "tax_rate": P(0.0),
    "min_cash": P(0.0),
    "rate": P(0.0),
    "spread_per_turn": P(0.0),
    "debt_maturity_years": P(100.0),
}


def channels(**kw: Any) -> dict[str, Any]:
    """A neutral channels section (no renewals, no elasticity, flat paths); ``kw`` overrides."""
    base: dict[str, Any] = {
        "chip_share": P(0.75),
        "building_life_years": P(25.0),
        "replacement_share": P(1.0),
        "secondary_price_index": P(1.0),
        "rate_path": P(0.04),
        "floating_share": P(0.0),
        "interest_cover_min": P(2.0),
        "usd_bn_per_gw": P(50.0),
        "usd_bn_per_gw_band": {"low": 20.0, "high": 100.0, "source": "assumption: test"},
        "usd_bn_per_gw_year": P(10.0),
        "usd_bn_per_gw_year_band": {"low": 2.0, "high": 40.0, "source": "assumption: test"},
        "lead_time_quarters": P(0.0),
        "compute_revenue_elasticity": P(0.0),
        "renewal_share": P(0.0),
        "rental_price_index": P(1.0),
        "cost_of_capital": P(0.1),
    }
    return base | kw
