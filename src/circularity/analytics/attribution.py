"""From ledger deals to the money-flow graph of a window of years.

The rule that turns a deal into dollars in a window lives here, once, for the flow graph and
vendor financing alike (see :func:`attribute_deals`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from circularity.analytics.flowgraph import FlowGraph
from circularity.ledger.dates import period_bounds

__all__ = [
    "ATTRIBUTION_RULE",
    "CONFIDENCE_RANK",
    "LIVE_STATUSES",
    "SPREAD_KINDS",
    "attribute_deals",
    "flow_graph",
]

#: Deal kinds paid as a stream over the contract's term; other kinds move at their start.
SPREAD_KINDS = frozenset({"compute", "hardware", "lease", "backstop"})
#: Statuses counted by default: everything but superseded and cancelled deals.
LIVE_STATUSES = ("announced", "signed", "binding", "non_binding")
#: Higher is surer; ``min_confidence`` keeps deals at or above the given level.
CONFIDENCE_RANK = {"disputed": 0, "estimate": 1, "single_source": 2, "confirmed": 3}

ATTRIBUTION_RULE = (
    "Amount: amount_usd_bn; where absent, the midpoint of the low and high figures, or the one "
    "given; deals with no dollar figure are left out and listed. Timing: compute, hardware, "
    "lease and backstop deals are paid evenly over their term from their start (term_years, "
    "or start to end when only the end is given), and the window gets the share of the term "
    "that falls inside it; equity, loans, bonds and warrants (valued at grant) move in full "
    "at their start, and count if the start falls inside the window. A stream deal with no "
    "term is counted in full at its start. A partial start date (2026, 2026-H2) means its "
    "first day; a missing start falls back to the announcement date."
)


def _year_fraction(d: date) -> float:
    start = date(d.year, 1, 1)
    days = (date(d.year + 1, 1, 1) - start).days
    return d.year + (d - start).days / days


def _start_year(start: Any, announced: Any) -> float | None:
    for value in (start, announced):
        if isinstance(value, date):
            return _year_fraction(value)
        if isinstance(value, str) and value.strip():
            try:
                return _year_fraction(period_bounds(value)[0])
            except ValueError:
                continue
    return None


def _end_year(end: Any) -> float | None:
    if isinstance(end, str) and end.strip():
        try:
            last = period_bounds(end)[1]
        except ValueError:
            return None
        return _year_fraction(last + timedelta(days=1))  # the end day is paid for
    return None


def _amount(row: pd.Series) -> tuple[float | None, str]:
    a, lo, hi = row["amount_usd_bn"], row["amount_low_usd_bn"], row["amount_high_usd_bn"]
    if _num(a):
        return float(a), "amount"
    if _num(lo) and _num(hi):
        return (float(lo) + float(hi)) / 2, "midpoint of low and high"
    if _num(hi):
        return float(hi), "high (only figure)"
    if _num(lo):
        return float(lo), "low (only figure)"
    return None, "no dollar figure"


def _num(x: Any) -> bool:
    return x is not None and isinstance(x, int | float | np.number) and math.isfinite(float(x))


def attribute_deals(deals: pd.DataFrame, window: tuple[int, int] | None = (2025, 2030)) -> pd.DataFrame:
    """Dollars of each deal that fall in ``window`` (inclusive calendar years).

    Parameters
    ----------
    deals
        The ledger's deal view (columns ``id, kind, payer, payee, amount_usd_bn,
        amount_low_usd_bn, amount_high_usd_bn, announced, start, end, term_years, ...``).
    window
        ``(first_year, last_year)``, inclusive; ``None`` counts every deal in full.

    Returns
    -------
    pandas.DataFrame
        The deals with ``amount_used``, ``amount_basis``, ``start_year``, ``term_used``,
        ``window_share`` (0..1) and ``attributed`` (= ``amount_used * window_share``, NaN where
        the deal has no dollar figure).

    Notes
    -----
    The rule, in words (also :data:`ATTRIBUTION_RULE`): {rule}
    """
    out = deals.copy()
    amounts, basis, starts, terms, shares = [], [], [], [], []
    lo, hi = (None, None) if window is None else (float(window[0]), float(window[1] + 1))
    for _, row in out.iterrows():
        amount, how = _amount(row)
        s = _start_year(row.get("start"), row.get("announced"))
        term: float | None = None
        if row["kind"] in SPREAD_KINDS and s is not None:
            if _num(row.get("term_years")) and float(row["term_years"]) > 0:
                term = float(row["term_years"])
            else:
                e = _end_year(row.get("end"))
                if e is not None and e > s:
                    term = e - s
        if lo is None or hi is None:
            share = 1.0
        elif s is None:
            share = 0.0
        elif term is None:
            share = 1.0 if lo <= s < hi else 0.0
        else:
            share = max(0.0, min(hi, s + term) - max(lo, s)) / term
        amounts.append(np.nan if amount is None else amount)
        basis.append(how)
        starts.append(np.nan if s is None else s)
        terms.append(np.nan if term is None else term)
        shares.append(share)
    out["amount_used"] = np.asarray(amounts, dtype=np.float64)
    out["amount_basis"] = basis
    out["start_year"] = np.asarray(starts, dtype=np.float64)
    out["term_used"] = np.asarray(terms, dtype=np.float64)
    out["window_share"] = np.asarray(shares, dtype=np.float64)
    out["attributed"] = out["amount_used"] * out["window_share"]
    return out


attribute_deals.__doc__ = (attribute_deals.__doc__ or "").replace("{rule}", ATTRIBUTION_RULE)


def select_deals(
    deals: pd.DataFrame,
    *,
    kinds: Iterable[str] | None = None,
    min_confidence: str | None = None,
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> pd.DataFrame:
    """Deals of the given kinds, statuses and at least the given confidence."""
    keep = deals["status"].isin(list(include_statuses))
    if "superseded_by" in deals.columns:
        keep &= deals["superseded_by"].isna() | (deals["superseded_by"] == "")
    if kinds is not None:
        keep &= deals["kind"].isin(list(kinds))
    if min_confidence is not None:
        if min_confidence not in CONFIDENCE_RANK:
            raise ValueError(f"min_confidence {min_confidence!r} is not one of {sorted(CONFIDENCE_RANK)}")
        floor = CONFIDENCE_RANK[min_confidence]
        keep &= deals["confidence"].map(CONFIDENCE_RANK).fillna(-1) >= floor
    return deals[keep]


def flow_graph(
    ledger: Any,
    *,
    window: tuple[int, int] | None = (2025, 2030),
    kinds: Iterable[str] | None = None,
    min_confidence: str | None = None,
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> FlowGraph:
    """The money-flow graph of a ledger (as of its date) over a window of years.

    Parameters
    ----------
    ledger
        A :class:`circularity.Ledger` (``circularity.load(...)``); its deals are those known
        at its ``as_of`` date.
    window
        ``(first_year, last_year)``, inclusive; ``None`` takes every deal in full.
    kinds
        Deal kinds to keep (``equity``, ``compute``, ``hardware``, ``loan``, ``bond``,
        ``warrant``, ``backstop``, ``lease``); ``None`` keeps all.
    min_confidence
        Keep deals at or above this confidence (``confirmed`` > ``single_source`` >
        ``estimate`` > ``disputed``); ``None`` keeps all.
    include_statuses
        Statuses kept; by default all but ``superseded`` and ``cancelled``.

    Returns
    -------
    FlowGraph
        One edge per payer-payee pair carrying the dollars attributed to the window and the
        ids of the deals behind them; node attributes from the entity records (name, kind,
        ticker, listed, country); graph attributes ``as_of``, ``window``, ``rule`` and
        ``unpriced_deals`` (deals left out for lack of a dollar figure).

    Notes
    -----
    Attribution rule: {rule}

    Examples
    --------
    >>> import circularity
    >>> g = flow_graph(circularity.load("ai"), window=(2025, 2030))
    >>> g.total_volume > 0
    True
    """
    chosen = select_deals(
        ledger.deals, kinds=kinds, min_confidence=min_confidence, include_statuses=include_statuses
    )
    attributed = attribute_deals(chosen, window)
    unpriced = attributed.loc[attributed["amount_used"].isna(), "id"].tolist()
    used = attributed[attributed["attributed"].fillna(0.0) > 0]
    entities = ledger.entities.set_index("id")
    node_ids = sorted(set(used["payer"]) | set(used["payee"]))
    columns = [c for c in ("name", "kind", "ticker", "listed", "country") if c in entities.columns]
    node_attributes = {}
    for v in node_ids:
        if v in entities.index:
            row = entities.loc[v, columns]
            node_attributes[v] = {
                c: (None if (not isinstance(x, str | bool) and pd.isna(x)) else x) for c, x in row.items()
            }
    as_of = getattr(ledger, "as_of", None)
    return FlowGraph.from_edges(
        used["payer"].tolist(),
        used["payee"].tolist(),
        used["attributed"].to_numpy(dtype=np.float64),
        ids=used["id"].tolist(),
        node_attributes=node_attributes,
        graph_attributes={
            "as_of": None if as_of is None else str(as_of),
            "window": "all" if window is None else f"{window[0]}:{window[1]}",
            "unpriced_deals": ";".join(unpriced),
            "rule": ATTRIBUTION_RULE,
        },
    )


flow_graph.__doc__ = (flow_graph.__doc__ or "").replace("{rule}", ATTRIBUTION_RULE)
