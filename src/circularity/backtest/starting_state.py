"""Each entity's starting state at a cutoff: reported where the ledger has it, filled by a rule where not.

The rules are the same for every dataset and every entity, and each filled value says which
rule filled it:

=================  =====================================  ===================================================
field              data (the latest figure known)          fill rule, in order
=================  =====================================  ===================================================
revenue_annual     revenue (annualised)                    median revenue of the entity's kind (peers with data)
opex_ratio         1 − EBITDA / revenue                    median (1 − EBITDA / revenue) of its kind
cash               cash                                    median cash / revenue of its kind × its revenue
debt               total debt                              median debt / revenue of its kind × its revenue
capex_ratio        capex / revenue                         median capex / revenue of its kind; else the
                                                           engine's default ``capex_ratio``
market_value       market capitalisation                   book equity: total assets − debt (if assets are
                                                           reported); else median value / revenue of its kind
=================  =====================================  ===================================================

"Of its kind" means the median over the other entities of the same kind that report the figure,
when at least :data:`MIN_PEERS` do (a carrier is never filled from an equipment maker). Cash with neither data nor a peer ratio is
one quarter of EBITDA (the engine baseline's rule for a firm without a cash figure), else left
unknown (the engine holds it at 0; the basis says so). Unknown debt is likewise shown as unknown.
``data_share`` of an entity is the share of these six fields that are data. Pools of outside
capital (kinds ``investor`` and ``lender``) have no operating state and are not filled.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circularity.ledger.vocabulary import POOL_KINDS

__all__ = ["FIELDS", "MIN_PEERS", "POOL_KINDS", "EntityState", "starting_states"]

#: Fields of the starting state, in the order of the table above.
FIELDS: tuple[str, ...] = ("revenue_annual", "opex_ratio", "cash", "debt", "capex_ratio", "market_value")
#: Fewest peers whose median may fill a figure: a median of one or two firms is not a class's.
MIN_PEERS = 3


@dataclass(frozen=True, slots=True)
class EntityState:
    """One entity's starting values, each with ``data`` or the rule that filled it."""

    entity: str
    kind: str
    values: dict[str, float] = field(default_factory=dict)
    basis: dict[str, str] = field(default_factory=dict)
    #: for a field filled by a peer median: the ``(peer, value)`` pairs it is the median of, sorted
    #: by peer (revenue as a level; cash, debt and market value as ratios to revenue; the cost
    #: ratios as ratios); what the Monte Carlo draws a filled value from
    #: (:mod:`~circularity.backtest.uncertainty`)
    peers: dict[str, tuple[tuple[str, float], ...]] = field(default_factory=dict)

    @property
    def data_share(self) -> float:
        return sum(1 for f in FIELDS if self.basis.get(f, "").startswith("data")) / len(FIELDS)

    @property
    def filled(self) -> tuple[str, ...]:
        return tuple(f for f in FIELDS if not self.basis.get(f, "").startswith("data"))


def _median(values: Iterable[float]) -> float:
    v = [x for x in values if math.isfinite(x)]
    return float(np.median(v)) if v else math.nan


def _latest(records: Iterable[Any], metric: str) -> dict[str, float]:
    """Latest USD figure of a metric per entity (by period end)."""
    best: dict[str, tuple[Any, float]] = {}
    for f in records:
        if getattr(f, "metric", None) != metric or getattr(f, "unit", None) != "USD_bn" or f.value is None:
            continue
        if f.entity not in best or f.period_end > best[f.entity][0]:
            best[f.entity] = (f.period_end, float(f.value))
    return {e: v for e, (_, v) in best.items()}


def starting_states(
    entities: Sequence[str],
    kinds: Sequence[str],
    financials: Mapping[str, np.ndarray[Any, Any]],
    records: Iterable[Any],
    *,
    default_capex_ratio: float,
    default_opex_ratio: float,
) -> dict[str, EntityState]:
    """Starting state of every operating entity.

    Parameters
    ----------
    entities, kinds : entity ids and kinds (a compiled web's ``entities``, ``entity_kinds``).
    financials : the web's starting figures (``revenue_annual``, ``ebitda_annual``, ``cash``,
        ``debt``, ``market_value``, ``capex_annual``), NaN where not reported.
    records : the ledger's financial records as known at the cutoff (for total assets).
    default_capex_ratio, default_opex_ratio : the engine scenario's defaults, used when no peer
        reports capex or EBITDA.
    """
    n = len(entities)
    rev = np.asarray(financials["revenue_annual"], dtype=float)
    ebitda = np.asarray(financials["ebitda_annual"], dtype=float)
    cash = np.asarray(financials["cash"], dtype=float)
    debt = np.asarray(financials["debt"], dtype=float)
    mv = np.asarray(financials["market_value"], dtype=float)
    capex = np.asarray(financials["capex_annual"], dtype=float)
    assets = _latest(records, "total_assets")
    has_rev = np.isfinite(rev) & (rev > 0)
    safe_rev = np.where(has_rev, rev, np.nan)
    ratios = {
        "opex_ratio": 1.0 - ebitda / safe_rev,
        "cash": cash / safe_rev,
        "debt": debt / safe_rev,
        "capex_ratio": capex / safe_rev,
        "market_value": mv / safe_rev,
    }
    out: dict[str, EntityState] = {}
    for i in range(n):
        kind = kinds[i]
        if kind in POOL_KINDS:
            continue
        peers = [j for j in range(n) if kinds[j] == kind and j != i]
        vals: dict[str, float] = {}
        basis: dict[str, str] = {}
        pool: dict[str, tuple[tuple[str, float], ...]] = {}

        def peer(
            name: str,
            arr: np.ndarray[Any, Any],
            peers: list[int] = peers,
            pool: dict[str, tuple[tuple[str, float], ...]] = pool,
        ) -> tuple[float, int]:
            got = sorted((entities[j], float(arr[j])) for j in peers if math.isfinite(arr[j]))
            if len(got) < MIN_PEERS:
                return math.nan, len(got)
            pool[name] = tuple(got)
            return _median(v for _, v in got), len(got)

        # revenue
        if has_rev[i]:
            vals["revenue_annual"], basis["revenue_annual"] = float(rev[i]), "data: revenue (annualised)"
        else:
            med, k = peer("revenue_annual", safe_rev)
            if math.isfinite(med):
                vals["revenue_annual"] = med
                basis["revenue_annual"] = f"filled: median revenue of {k} {kind} peer(s)"
            else:
                basis["revenue_annual"] = "unknown: no revenue and no peer with revenue"
        r = vals.get("revenue_annual", math.nan)
        # margin
        if has_rev[i] and math.isfinite(ebitda[i]):
            vals["opex_ratio"] = max(0.0, float(ratios["opex_ratio"][i]))
            basis["opex_ratio"] = "data: 1 - EBITDA / revenue"
        else:
            med, k = peer("opex_ratio", ratios["opex_ratio"])
            if math.isfinite(med):
                vals["opex_ratio"] = max(0.0, med)
                basis["opex_ratio"] = f"filled: median (1 - EBITDA / revenue) of {k} {kind} peer(s)"
            else:
                vals["opex_ratio"] = default_opex_ratio
                basis["opex_ratio"] = "filled: engine default opex_ratio (no peer reports EBITDA)"
        for name, label in (("cash", "cash"), ("debt", "debt")):
            arr = cash if name == "cash" else debt
            if math.isfinite(arr[i]):
                vals[name], basis[name] = float(arr[i]), f"data: {label}"
                continue
            med, k = peer(name, ratios[name])
            margin = 1.0 - vals.get("opex_ratio", math.nan)
            if math.isfinite(med) and math.isfinite(r):
                vals[name] = med * r
                basis[name] = f"filled: median {label} / revenue of {k} {kind} peer(s) x revenue"
            elif name == "cash" and math.isfinite(r * margin) and r * margin > 0:
                vals[name] = r * margin / 4.0
                basis[name] = "filled: one quarter of EBITDA as working cash (no cash figure, no peer ratio)"
            else:
                basis[name] = f"unknown: no {label} and no peer ratio; the engine holds it at 0"
        # capex
        if has_rev[i] and math.isfinite(capex[i]):
            vals["capex_ratio"], basis["capex_ratio"] = (
                float(ratios["capex_ratio"][i]),
                "data: capex / revenue",
            )
        else:
            med, k = peer("capex_ratio", ratios["capex_ratio"])
            if math.isfinite(med):
                vals["capex_ratio"] = med
                basis["capex_ratio"] = f"filled: median capex / revenue of {k} {kind} peer(s)"
            else:
                vals["capex_ratio"] = default_capex_ratio
                basis["capex_ratio"] = "filled: engine default capex_ratio (no peer reports capex)"
        # market value
        e = entities[i]
        if math.isfinite(mv[i]):
            vals["market_value"], basis["market_value"] = float(mv[i]), "data: market capitalisation"
        elif e in assets and "debt" in vals:
            vals["market_value"] = max(assets[e] - vals["debt"], 0.0)
            basis["market_value"] = "filled: book equity = total assets - debt"
        else:
            med, k = peer("market_value", ratios["market_value"])
            if math.isfinite(med) and math.isfinite(r):
                vals["market_value"] = med * r
                basis["market_value"] = (
                    f"filled: median market value / revenue of {k} {kind} peer(s) x revenue"
                )
            else:
                basis["market_value"] = "unknown: no market value, assets or peer ratio; engine fills 0"
        # a pool is kept only where the peer median is the value used
        used = {f: v for f, v in pool.items() if basis.get(f, "").startswith("filled: median")}
        out[e] = EntityState(e, kind, vals, basis, used)
    return out
