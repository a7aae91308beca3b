"""How the market priced contract news: value per dollar of announced (or cancelled) backlog.

From announcement-day market reactions, per entity class (ledger kind) and period (year), the
slope of the market-value change on the deal's amount through the origin, with a Student-t
interval, its data points and residuals. A cell with too few points falls back to a named prior:
the pooled fit of its direction across classes and years if that has enough points, else the
stated prior of the assumptions. Pure: frames in, frames out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from circularity.errors import LedgerError, Problem

__all__ = ["BacklogFit", "fit_backlog_value", "reaction_points"]

#: Words in an event that mark a contract cancelled, stalled or delayed (a documented rule,
#: applied to the event text before any figure is looked at).
CANCEL_WORDS = re.compile(r"cancel|delay|on ice|abandon|pulled out|never a commitment|pushed|stall", re.I)

#: Deal kinds that are backlog (contracted sales to the payee); equity, loans and asset sales are not.
BACKLOG_KINDS = frozenset({"compute", "hardware", "lease", "backstop"})

POINT_COLUMNS = (
    "date",
    "entity",
    "class",
    "period",
    "direction",
    "deal",
    "amount_usd_bn",
    "value_change_usd_bn",
    "value_basis",
    "ratio",
)


def _value_change(
    row: Mapping[str, Any], cap_now: float, tolerance: float, where: Problem
) -> tuple[float, str]:
    dollar, pct, before = (
        row.get("market_cap_change_usd_bn"),
        row.get("pct_change"),
        row.get("market_cap_before_usd_bn"),
    )
    dollar, pct, before = (float(x) if x is not None and x == x else None for x in (dollar, pct, before))
    if dollar is not None and pct is not None and before is not None and before > 0:
        implied = pct / 100.0 * before
        if abs(implied - dollar) > tolerance * max(abs(dollar), abs(implied)):
            raise LedgerError(
                Problem(
                    where.file,
                    where.row,
                    "market_cap_change_usd_bn",
                    f"{dollar:g} contradicts pct_change {pct:g}% of market_cap_before_usd_bn {before:g} "
                    f"(= {implied:.1f}) beyond the {tolerance:.0%} tolerance; correct one of them",
                )
            )
    if dollar is not None:
        return dollar, "reported dollar change"
    if pct is not None and before is not None and before > 0:
        return pct / 100.0 * before, "pct × reported cap before"
    if pct is not None and np.isfinite(cap_now) and cap_now > 0:
        return pct / 100.0 * cap_now, "pct × ledger market value (a later date)"
    return float("nan"), "no market value to apply the pct to"


def reaction_points(
    reactions: pd.DataFrame,
    deals: pd.DataFrame,
    kinds: Mapping[str, str],
    market_values: Mapping[str, float],
    *,
    window_days: int = 7,
    tolerance: float = 0.10,
    file: str = "market_reactions",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Data points of the fit from reaction rows, and the rows left out with the reason.

    Parameters
    ----------
    reactions : one row per reaction: ``date``, ``entity`` (ledger id), ``deal`` (id or empty),
        ``event``, and at least one of ``market_cap_change_usd_bn``, ``pct_change`` (percent),
        with ``market_cap_before_usd_bn`` optional.
    deals : ``id, kind, payer, payee, amount_usd_bn, announced`` (central amount; NaN if unstated).
    kinds : entity id → ledger kind (the class fitted).
    market_values : entity id → market value in the ledger, to size a percentage move when the
        row gives no value before (labelled as such in ``value_basis``).
    window_days : a reaction counts as the announcement's if within this many days of it.
    tolerance : relative disagreement allowed between a row's dollar and percentage moves.

    Returns
    -------
    points, excluded : ``points`` with :data:`POINT_COLUMNS`; ``excluded`` with ``date``,
        ``entity``, ``deal``, ``reason``.

    Raises
    ------
    LedgerError
        A row whose dollar move and percentage of the value before contradict each other.

    Notes
    -----
    *announced*: the deal is backlog (:data:`BACKLOG_KINDS`), the entity is its payee (it gains
    the backlog) and the reaction is within ``window_days`` of the announcement. *cancelled*: the event text says the contract was
    cancelled, stalled or delayed (:data:`CANCEL_WORDS`) and the entity is a party to the deal.
    Repeated rows of one (date, entity, deal) count once (corroborating sources).
    """
    deal_by_id = {str(d["id"]): d for d in deals.to_dict("records")}
    points: list[dict[str, Any]] = []
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for i, row in enumerate(reactions.to_dict("records")):
        entity, deal_id = str(row.get("entity") or ""), row.get("deal")
        deal_id = "" if deal_id is None or deal_id != deal_id else str(deal_id)
        when = pd.Timestamp(row["date"])
        key = (str(when.date()), entity, deal_id)

        def skip(reason: str, key: tuple[str, str, str] = key) -> None:
            out.append({"date": key[0], "entity": key[1], "deal": key[2], "reason": reason})

        if key in seen:
            skip("repeats an earlier row of the same event (corroboration)")
            continue
        seen.add(key)
        if entity not in kinds:
            skip("entity not in the ledger")
            continue
        deal = deal_by_id.get(deal_id)
        if deal is None:
            skip("no deal in the ledger" if deal_id else "no deal named")
            continue
        event = str(row.get("event") or "")
        party = entity in (deal["payer"], deal["payee"])
        if CANCEL_WORDS.search(event) and party:
            direction = "cancelled"
        elif (
            deal["kind"] in BACKLOG_KINDS
            and entity == deal["payee"]
            and abs((when - pd.Timestamp(deal["announced"])).days) <= window_days
        ):
            direction = "announced"
        else:
            skip("not the payee of backlog on its announcement, nor a party to a cancellation or delay")
            continue
        amount = (
            float(deal["amount_usd_bn"]) if deal["amount_usd_bn"] == deal["amount_usd_bn"] else float("nan")
        )
        if not amount > 0:
            skip("deal amount not stated")
            continue
        change, basis = _value_change(
            row, float(market_values.get(entity, np.nan)), tolerance, Problem(file, i + 1, "", "")
        )
        if change != change:
            skip(basis)
            continue
        points.append(
            {
                "date": key[0],
                "entity": entity,
                "class": kinds[entity],
                "period": str(when.year),
                "direction": direction,
                "deal": deal_id,
                "amount_usd_bn": amount,
                "value_change_usd_bn": change,
                "value_basis": basis,
                "ratio": change / amount,
            }
        )
    return pd.DataFrame(points, columns=list(POINT_COLUMNS)), pd.DataFrame(
        out, columns=["date", "entity", "deal", "reason"]
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class BacklogFit:
    """Fitted market value per dollar of backlog, by class, period and direction."""

    table: pd.DataFrame
    points: pd.DataFrame

    def coefficient(self, cls: str, period: str, direction: str = "announced") -> tuple[float, str]:
        """The coefficient of a cell and where it comes from (the fit or the named prior)."""
        t = self.table
        for c in (cls, "all"):
            hit = t[(t["class"] == c) & (t["period"] == period) & (t["direction"] == direction)]
            if len(hit):
                return float(hit["coefficient"].iloc[0]), str(hit["method"].iloc[0])
        pooled = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == direction)]
        return float(pooled["coefficient"].iloc[0]), str(pooled["method"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()


def _slope(
    x: np.ndarray[Any, Any], y: np.ndarray[Any, Any], level: float
) -> tuple[float, float, float, float]:
    """Least squares through the origin: slope, interval and residual standard deviation."""
    from scipy import stats  # a second of import time, only when a fit is asked for

    b = float((x * y).sum() / (x * x).sum())
    n = x.size
    if n < 2:
        return b, float("nan"), float("nan"), float("nan")
    resid = y - b * x
    s = float(np.sqrt((resid**2).sum() / (n - 1)))
    half = float(stats.t.ppf(0.5 + level / 2.0, n - 1)) * s / float(np.sqrt((x * x).sum()))
    return b, b - half, b + half, s


def _fallback(parent: str, n: int, min_points: int) -> str:
    method = f"{parent}; this cell has {n} < {min_points} points"
    return method if method.startswith("prior") else "prior: " + method


def fit_backlog_value(
    points: pd.DataFrame,
    priors: Mapping[str, tuple[float, str]],
    *,
    min_points: int = 3,
    level: float = 0.90,
) -> BacklogFit:
    """Fit value per dollar of backlog per (class, period, direction), with intervals.

    Parameters
    ----------
    points : from :func:`reaction_points`.
    priors : direction → (coefficient, source) used when even the pooled fit has too few points.
    min_points : fewest points for a cell's own fit; fewer fall back (named in ``method``).
    level : two-sided confidence level of the interval.

    Returns
    -------
    BacklogFit
        ``table``: class, period, direction, n, coefficient, low, high, residual_sd, method
        (``fit``, ``prior: <the fit it borrows>`` or ``prior: <source>``); rows with ``class = "all"``
        hold the pooled fits per period (2025 against 2026) and over all periods, per direction; a
        class cell with too few points borrows its period's pooled fit, else the all-period one. ``points`` gains ``fitted`` and ``residual`` (from the
        coefficient its cell uses). No NaN in ``coefficient``; an interval is NaN only where a
        prior stands in (a prior has no sampling interval).

    Notes
    -----
    ``ΔV_k = b · amount_k + ε_k`` through the origin (no news, no move):
    ``b = Σ x y / Σ x²``, interval ``b ± t_{n-1} s / √Σx²``.
    """
    rows: list[dict[str, Any]] = []
    pts = points.copy()
    pooled: dict[str, dict[str, Any]] = {}
    for direction in ("announced", "cancelled"):
        sub = pts[pts["direction"] == direction]
        if len(sub) >= min_points:
            b, lo, hi, s = _slope(
                sub["amount_usd_bn"].to_numpy(), sub["value_change_usd_bn"].to_numpy(), level
            )
            method = "fit (pooled over classes and periods)"
        else:
            b, src = priors[direction]
            lo = hi = s = float("nan")
            method = f"prior: {src} (pooled fit has {len(sub)} < {min_points} points)"
        pooled[direction] = {"coefficient": b, "method": method}
        rows.append(
            {
                "class": "all",
                "period": "all",
                "direction": direction,
                "n": len(sub),
                "coefficient": b,
                "low": lo,
                "high": hi,
                "residual_sd": s,
                "method": method,
            }
        )
    by_period: dict[tuple[str, str], dict[str, Any]] = {}
    for (period, direction), sub in pts.groupby(["period", "direction"], sort=True):
        if len(sub) >= min_points:
            b, lo, hi, s = _slope(
                sub["amount_usd_bn"].to_numpy(), sub["value_change_usd_bn"].to_numpy(), level
            )
            method = f"fit (pooled over classes in {period})"
        else:
            b, lo, hi, s = pooled[direction]["coefficient"], float("nan"), float("nan"), float("nan")
            method = _fallback(pooled[direction]["method"], len(sub), min_points)
        by_period[(str(period), str(direction))] = {"coefficient": b, "method": method}
        rows.append(
            {
                "class": "all",
                "period": period,
                "direction": direction,
                "n": len(sub),
                "coefficient": b,
                "low": lo,
                "high": hi,
                "residual_sd": s,
                "method": method,
            }
        )
    for (cls, period, direction), sub in pts.groupby(["class", "period", "direction"], sort=True):
        if len(sub) >= min_points:
            b, lo, hi, s = _slope(
                sub["amount_usd_bn"].to_numpy(), sub["value_change_usd_bn"].to_numpy(), level
            )
            method = "fit"
        else:
            parent = by_period[(str(period), str(direction))]
            if not parent["method"].startswith("fit"):
                parent = pooled[direction]
            b, lo, hi, s = parent["coefficient"], float("nan"), float("nan"), float("nan")
            method = _fallback(parent["method"], len(sub), min_points)
        rows.append(
            {
                "class": cls,
                "period": period,
                "direction": direction,
                "n": len(sub),
                "coefficient": b,
                "low": lo,
                "high": hi,
                "residual_sd": s,
                "method": method,
            }
        )
    table = pd.DataFrame(rows)
    fit = BacklogFit(table=table, points=pts)
    coef = [
        fit.coefficient(c, p, d)[0]
        for c, p, d in zip(pts["class"], pts["period"], pts["direction"], strict=True)
    ]
    pts["fitted"] = np.asarray(coef, dtype=float) * pts["amount_usd_bn"].to_numpy(dtype=float)
    pts["residual"] = pts["value_change_usd_bn"] - pts["fitted"]
    return BacklogFit(table=table, points=pts)
