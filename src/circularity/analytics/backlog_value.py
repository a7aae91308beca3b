"""The market's price of contract news, from the ledger: reaction rows and deals → fitted value
per dollar of backlog by entity class and period (see :mod:`circularity.valuation.calibration`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from circularity.ledger.records import Deal
from circularity.valuation.calibration import BacklogFit, fit_backlog_value, reaction_points

__all__ = [
    "PRIORS",
    "BacklogPrice",
    "deal_frame",
    "fit_reactions",
    "fitted_backlog_multiple",
    "fitted_backlog_prices",
    "reaction_frame",
]

#: Named priors used where even the pooled fit has too few points.
PRIORS: dict[str, tuple[float, str]] = {
    "announced": (
        0.5,
        "assumption: USD 0.5 of market value per USD of announced backlog (the projection baseline's "
        "backlog_multiple)",
    ),
    "cancelled": (
        -0.5,
        "assumption: a cancelled or delayed dollar of backlog costs what an announced one added (symmetric)",
    ),
}


def deal_frame(ledger: Any) -> pd.DataFrame:
    """Deals with their central amount (headline, else midpoint of the range, else the bound)."""
    rows = [
        {
            "id": d.id,
            "kind": d.kind,
            "payer": d.payer,
            "payee": d.payee,
            "amount_usd_bn": np.nan if d.amount_central is None else float(d.amount_central),
            "announced": d.announced,
        }
        for d in ledger.records.get("deals", ())
        if isinstance(d, Deal)
    ]
    return pd.DataFrame(rows, columns=["id", "kind", "payer", "payee", "amount_usd_bn", "announced"])


def reaction_frame(ledger: Any, raw: pd.DataFrame | None = None) -> pd.DataFrame:
    """Reaction rows: the ledger's ``market_reactions`` records, or ``raw`` (a CSV read by the
    caller, with display names or ids in ``entity`` and ``deal_id`` or ``deal``) mapped to ids."""
    if raw is None:
        rows = [
            {
                "date": r.date,
                "entity": r.entity,
                "deal": r.deal,
                "event": " ".join(x for x in (getattr(r, "event", ""), getattr(r, "notes", "")) if x),
                "market_cap_change_usd_bn": r.market_cap_change_usd_bn,
                "pct_change": r.pct_change,
                "market_cap_before_usd_bn": getattr(r, "market_cap_before_usd_bn", None),
            }
            for r in ledger.records.get("market_reactions", ())
        ]
        return pd.DataFrame(rows)
    ents = ledger.table("entities")
    by_name = {str(n).lower(): i for i, n in zip(ents["id"], ents["name"], strict=True)}
    by_name.update({str(i): str(i) for i in ents["id"]})
    out = raw.rename(columns={"deal_id": "deal"}).copy()
    out["entity"] = [by_name.get(str(e).lower(), str(e)) for e in out["entity"]]
    return out


def fit_reactions(
    ledger: Any,
    raw: pd.DataFrame | None = None,
    *,
    priors: Mapping[str, tuple[float, str]] = PRIORS,
    min_points: int = 3,
    file: str = "market_reactions",
) -> tuple[BacklogFit, pd.DataFrame]:
    """The fit and the rows left out (with reasons) for a ledger's reactions (or ``raw``)."""
    ents = ledger.table("entities")
    kinds = dict(zip(ents["id"], ents["kind"], strict=True))
    web_mv: dict[str, float] = {}
    for f in ledger.records.get("financials", ()):
        if f.metric == "market_cap" and getattr(f, "unit", None) == "USD_bn":
            web_mv[f.entity] = float(f.value)  # records are in time order: the latest stays
    reactions = reaction_frame(ledger, raw)
    if reactions.empty:
        points, excluded = reaction_points(
            pd.DataFrame(columns=["date", "entity", "deal", "event"]), deal_frame(ledger), kinds, web_mv
        )
    else:
        points, excluded = reaction_points(reactions, deal_frame(ledger), kinds, web_mv, file=file)
    return fit_backlog_value(points, priors, min_points=min_points), excluded


@dataclass(frozen=True, slots=True)
class BacklogPrice:
    """The market's price of a dollar of contract news in one direction (pooled fit over every
    class and period, the ``all / all`` row of ``circularity reactions --fit``).

    ``coefficient`` is market value per dollar of deal amount (positive for announced backlog,
    negative for a cancelled or delayed contract), ``low``/``high`` its 90% interval, ``n`` the
    points, ``method`` the fit's or the prior's name. ``coefficient`` is NaN where the pooled fit
    has too few points (the caller's named prior then stands)."""

    direction: str
    coefficient: float
    low: float
    high: float
    n: int
    method: str


def fitted_backlog_prices(ledger: Any) -> dict[str, BacklogPrice]:
    """The pooled fitted price of announced and of cancelled backlog (:class:`BacklogPrice` per
    direction); NaN coefficients where the ledger has too few reactions or no entity table."""
    out = {d: BacklogPrice(d, math.nan, math.nan, math.nan, 0, "no fit") for d in ("announced", "cancelled")}
    if not hasattr(ledger, "table"):
        return out
    t = fit_reactions(ledger)[0].table
    for d in out:
        row = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == d)]
        if row.empty or not str(row["method"].iloc[0]).startswith("fit"):
            continue
        r = row.iloc[0]
        out[d] = BacklogPrice(
            d, float(r["coefficient"]), float(r["low"]), float(r["high"]), int(r["n"]), str(r["method"])
        )
    return out


def fitted_backlog_multiple(ledger: Any) -> tuple[float, tuple[float, ...]]:
    """The market's price of a dollar of announced backlog for the valuation: the pooled fit
    over every class and period (``circularity reactions --fit``, row ``all / all / announced``),
    and the ratios of the points it was fitted on; ``(NaN, ())`` where the pooled fit has too few
    points (then the scenario's own ``backlog_multiple`` stands) or the ledger has no entity
    table (a bare web)."""
    if not hasattr(ledger, "table"):
        return float("nan"), ()
    fit, _ = fit_reactions(ledger)
    t = fit.table
    row = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == "announced")]
    if row.empty or not str(row["method"].iloc[0]).startswith("fit"):
        return float("nan"), ()
    pts = fit.points[fit.points["direction"] == "announced"]
    return float(row["coefficient"].iloc[0]), tuple(float(x) for x in pts["ratio"])
