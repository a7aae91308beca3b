"""From ledger deals to the money-flow graph of a window of years.

The rule that turns a deal into dollars in a window lives here, once, for the flow graph and
vendor financing alike (see :func:`attribute_deals`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from circularity.analytics.flowgraph import FlowGraph
from circularity.errors import OptionError
from circularity.ledger.dates import period_bounds

if TYPE_CHECKING:
    from circularity.ledger.ledger import Ledger

__all__ = [
    "ATTRIBUTION_RULE",
    "CONFIDENCE_RANK",
    "LIVE_STATUSES",
    "SPREAD_KINDS",
    "AttributedColumns",
    "attribute_deals",
    "attributed_columns",
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


def _amount(a: Any, lo: Any, hi: Any) -> tuple[float | None, str]:
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
    amounts, basis, starts, terms, shares = _attribute_rows(_rule_inputs(out), window)
    out["amount_used"] = amounts
    out["amount_basis"] = basis
    out["start_year"] = starts
    out["term_used"] = terms
    out["window_share"] = shares
    out["attributed"] = out["amount_used"] * out["window_share"]
    return out


#: The columns the rule reads; the optional ones count as missing when absent.
_RULE_COLUMNS = ("kind", "amount_usd_bn", "amount_low_usd_bn", "amount_high_usd_bn")
_OPTIONAL_RULE_COLUMNS = ("start", "announced", "end", "term_years")


def _rule_inputs(deals: pd.DataFrame, rows: np.ndarray | None = None) -> list[list[Any]]:
    """The rule's columns as Python lists (of the given row positions)."""

    def column(name: str) -> list[Any]:
        if name not in deals.columns and name in _OPTIONAL_RULE_COLUMNS:
            return [None] * (len(deals) if rows is None else len(rows))
        values = deals[name]
        return list(values.tolist() if rows is None else values.to_numpy(dtype=object)[rows].tolist())

    return [column(c) for c in _RULE_COLUMNS + _OPTIONAL_RULE_COLUMNS]


def _attribute_rows(
    inputs: list[list[Any]], window: tuple[int, int] | None
) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The rule, deal by deal over plain lists (a pandas row per deal costs more than the
    rule): amount used, its basis, start year, term used and window share."""
    amounts, basis, starts, terms, shares = [], [], [], [], []
    lo, hi = (None, None) if window is None else (float(window[0]), float(window[1] + 1))
    for kind, a, a_lo, a_hi, start, announced, end, term_years in zip(*inputs, strict=True):
        amount, how = _amount(a, a_lo, a_hi)
        s = _start_year(start, announced)
        term: float | None = None
        if kind in SPREAD_KINDS and s is not None:
            if _num(term_years) and float(term_years) > 0:
                term = float(term_years)
            else:
                e = _end_year(end)
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

    def as_float(x: list[float]) -> np.ndarray:
        return np.asarray(x, dtype=np.float64)

    return as_float(amounts), basis, as_float(starts), as_float(terms), as_float(shares)


attribute_deals.__doc__ = (attribute_deals.__doc__ or "").replace("{rule}", ATTRIBUTION_RULE)


def select_deals(
    deals: pd.DataFrame,
    *,
    kinds: Iterable[str] | None = None,
    min_confidence: str | None = None,
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> pd.DataFrame:
    """Deals of the given kinds, statuses and at least the given confidence."""
    return deals[_keep(deals, kinds=kinds, min_confidence=min_confidence, include_statuses=include_statuses)]


def _keep(
    deals: pd.DataFrame,
    *,
    kinds: Iterable[str] | None = None,
    min_confidence: str | None = None,
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> pd.Series:
    """The boolean mask of :func:`select_deals`."""
    keep = deals["status"].isin(list(include_statuses))
    if "superseded_by" in deals.columns:
        keep &= deals["superseded_by"].isna() | (deals["superseded_by"] == "")
    if kinds is not None:
        keep &= deals["kind"].isin(list(kinds))
    if min_confidence is not None:
        if min_confidence not in CONFIDENCE_RANK:
            raise OptionError(f"min_confidence {min_confidence!r} is not one of {sorted(CONFIDENCE_RANK)}")
        floor = CONFIDENCE_RANK[min_confidence]
        keep &= deals["confidence"].map(CONFIDENCE_RANK).fillna(-1) >= floor
    return keep


@dataclass(frozen=True, slots=True, kw_only=True)
class AttributedColumns:
    """The columns of ``attribute_deals(select_deals(...), window)`` that per-entity loops
    read, as read-only numpy arrays (object for ids and names, float64 for dollars), so a
    lookup is an array comparison rather than a pandas mask over every column."""

    id: np.ndarray
    kind: np.ndarray
    payer: np.ndarray
    payee: np.ndarray
    amount_used: np.ndarray
    start_year: np.ndarray
    attributed: np.ndarray

    def isin(self, column: str, values: Iterable[str]) -> np.ndarray:
        """Boolean mask: ``column`` takes one of ``values`` (as ``Series.isin``)."""
        wanted = set(values)
        return np.fromiter((v in wanted for v in getattr(self, column)), dtype=bool, count=len(self.id))


def attributed_columns(
    ledger: Ledger,
    window: tuple[int, int] | None = (2025, 2030),
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> AttributedColumns:
    """``attribute_deals(select_deals(ledger.deals, include_statuses=...), window)``, the
    columns per-entity loops read, computed once per ledger, window and statuses (kept on the
    ledger: :meth:`~circularity.ledger.Ledger.derived`).

    Vendor financing runs once per vendor, and the ratios and the Lucent comparison read the
    same live deals: one attribution per ledger spares a pass over every deal per call.
    """
    deals = ledger.deals
    statuses = tuple(include_statuses)

    def make() -> AttributedColumns:
        rows = np.flatnonzero(_keep(deals, include_statuses=statuses).to_numpy(dtype=bool))
        amounts, _, starts, _, shares = _attribute_rows(_rule_inputs(deals, rows), window)

        def frozen(a: np.ndarray) -> np.ndarray:
            a.setflags(write=False)
            return a

        def names(column: str) -> np.ndarray:
            return frozen(deals[column].to_numpy(dtype=object)[rows])

        return AttributedColumns(
            id=names("id"),
            kind=names("kind"),
            payer=names("payer"),
            payee=names("payee"),
            amount_used=frozen(amounts),
            start_year=frozen(starts),
            attributed=frozen(amounts * shares),
        )

    key = ("attributed", None if window is None else (window[0], window[1]), statuses)
    return ledger.derived(key, make)


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
