"""Vendor financing: how much of a vendor's sales to its customers the vendor funds itself.

A vendor that invests in, lends to or guarantees its own customers, who then buy its product,
books revenue it partly paid for. The measure here is the one the telecom bubble made famous
(Lucent, Nortel and Cisco lent to the carriers that bought their gear) and that Tunguz (2025)
applied to Nvidia: money sent to customers over money received from them, and over revenue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import yaml

from circularity.analytics.attribution import LIVE_STATUSES, attributed_columns

if TYPE_CHECKING:
    from circularity.ledger.ledger import Ledger

__all__ = [
    "FINANCING_KINDS",
    "PURCHASE_KINDS",
    "VENDOR_FINANCING_DEFINITION",
    "HistoricalComparison",
    "VendorFinancing",
    "lucent_comparison",
    "vendor_financing",
]

#: What a vendor sends its customers: cash for a stake, loans, bonds, backstops, warrants
#: (valued at grant).
FINANCING_KINDS = ("equity", "loan", "bond", "backstop", "warrant")
#: What customers send the vendor for its product.
PURCHASE_KINDS = ("compute", "hardware", "lease")

VENDOR_FINANCING_DEFINITION = (
    "Vendor financing ratio = money the vendor sends to its own customers (equity, loans, bonds, "
    "backstops, warrants valued at grant) / money it receives from those customers (compute, "
    "hardware, lease deals), both attributed to the window by the flow-graph rule; revenue "
    "ratio = the same numerator / the vendor's latest fiscal-year revenue in the ledger. A "
    "customer is an entity with a live purchase deal paying the vendor (priced or not), unless "
    "customers are named."
)


@dataclass(frozen=True, slots=True, kw_only=True)
class VendorFinancing:
    """Vendor financing of one vendor over a window (USD bn)."""

    vendor: str
    window: tuple[int, int] | None
    customers: tuple[str, ...]
    financing: float
    purchases: float
    revenue: float | None
    revenue_period: str | None
    ratio_to_purchases: float | None
    ratio_to_revenue: float | None
    financing_deals: tuple[str, ...]
    purchase_deals: tuple[str, ...]
    unpriced_deals: tuple[str, ...]
    note: str = ""
    definition: str = VENDOR_FINANCING_DEFINITION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON."""
        return {
            "vendor": self.vendor,
            "window": None if self.window is None else list(self.window),
            "customers": list(self.customers),
            "financing": self.financing,
            "purchases": self.purchases,
            "revenue": self.revenue,
            "revenue_period": self.revenue_period,
            "ratio_to_purchases": self.ratio_to_purchases,
            "ratio_to_revenue": self.ratio_to_revenue,
            "financing_deals": list(self.financing_deals),
            "purchase_deals": list(self.purchase_deals),
            "unpriced_deals": list(self.unpriced_deals),
            "note": self.note,
            "definition": self.definition,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row: the figures, ids joined by ``;``."""
        d = self.to_dict()
        for k in ("customers", "financing_deals", "purchase_deals", "unpriced_deals"):
            d[k] = ";".join(d[k])
        d["window"] = None if self.window is None else f"{self.window[0]}:{self.window[1]}"
        return pd.DataFrame([d]).set_index("vendor")


def latest_annual(financials: pd.DataFrame, entity: str, metric: str) -> tuple[float, str] | None:
    """The latest fiscal-year value of a metric for an entity: ``(value, period)`` or None."""
    return _value_and_period(financials, _annual_rows(financials).get((entity, metric), []))


def latest_annual_of(ledger: Any, entity: str, metric: str) -> tuple[float, str] | None:
    """:func:`latest_annual` of a ledger's financials, from an index built once per ledger."""
    return _value_and_period(ledger.financials, _annual_rows_of(ledger).get((entity, metric), []))


def _value_and_period(financials: pd.DataFrame, rows: list[int]) -> tuple[float, str] | None:
    if not rows:
        return None
    return float(financials["value"].iat[rows[-1]]), str(financials["period"].iat[rows[-1]])


def _annual_rows_of(ledger: Ledger) -> dict[tuple[Any, Any], list[int]]:
    fin = ledger.financials
    return ledger.derived("annual_rows", lambda: _annual_rows(fin))


def _annual_rows(financials: pd.DataFrame) -> dict[tuple[Any, Any], list[int]]:
    """Positions of the fiscal-year rows of each (entity, metric), by ``period_end`` (a stable
    sort with missing ends last, as ``sort_values`` sorts)."""
    entity, metric, ptype, end = (
        financials[c].to_numpy(dtype=object) for c in ("entity", "metric", "period_type", "period_end")
    )
    rows: dict[tuple[Any, Any], list[int]] = {}
    for i in np.flatnonzero(ptype == "FY").tolist():
        rows.setdefault((entity[i], metric[i]), []).append(i)
    for found in rows.values():
        found.sort(key=lambda i: (True, "") if pd.isna(end[i]) else (False, end[i]))
    return rows


def vendor_financing(
    ledger: Any,
    vendor: str,
    window: tuple[int, int] | None = (2025, 2030),
    *,
    customers: Iterable[str] | None = None,
    include_statuses: Iterable[str] = LIVE_STATUSES,
) -> VendorFinancing:
    """Money a vendor sends to its own customers, over what it receives from them and revenue.

    Parameters
    ----------
    ledger
        A :class:`circularity.Ledger`.
    vendor
        Entity id (``nvidia``, ``amd``, ``oracle``, ``microsoft``, ``amazon``, ``coreweave``).
    window
        Inclusive years; deals are attributed as in
        :func:`~circularity.analytics.attribution.flow_graph`. ``None``: every deal in full.
    customers
        Entity ids to treat as the vendor's customers; by default, every entity with a live
        purchase deal (compute, hardware, lease) paying the vendor.
    include_statuses
        Deal statuses kept.

    Returns
    -------
    VendorFinancing
        Both ratios (None where the denominator is zero or missing), the deals behind each
        figure, deals left out for lack of a dollar figure, and the definition.

    Notes
    -----
    {definition}

    Examples
    --------
    >>> import circularity
    >>> vf = vendor_financing(circularity.load("ai", as_of="2026-07-03"), "amd")
    >>> vf.customers, vf.financing_deals
    (('meta', 'openai'), ('D09', 'D66'))
    """
    a = attributed_columns(ledger, window, include_statuses)
    is_buy = (a.payee == vendor) & a.isin("kind", PURCHASE_KINDS)
    if customers is None:
        cust = tuple(sorted(set(a.payer[is_buy]) - {vendor}))
    else:
        cust = tuple(sorted(set(customers)))
    is_buy &= a.isin("payer", cust)
    is_sent = (a.payer == vendor) & a.isin("payee", cust) & a.isin("kind", FINANCING_KINDS)
    counted = a.attributed > 0  # NaN (no dollar figure) compares False
    financing = float(a.attributed[is_sent & counted].sum())
    purchases = float(a.attributed[is_buy & counted].sum())
    unpriced_row = np.isnan(a.amount_used)
    unpriced = tuple(a.id[is_sent & unpriced_row]) + tuple(a.id[is_buy & unpriced_row])
    rev = latest_annual_of(ledger, vendor, "revenue")
    note = ""
    if not cust:
        note = (
            f"no live purchase deal pays {vendor} in the ledger, so it has no customers here; "
            "name them with customers=[...] to measure financing of known buyers"
        )
    return VendorFinancing(
        vendor=vendor,
        window=None if window is None else (int(window[0]), int(window[1])),
        customers=cust,
        financing=financing,
        purchases=purchases,
        revenue=None if rev is None else rev[0],
        revenue_period=None if rev is None else rev[1],
        ratio_to_purchases=financing / purchases if purchases > 0 else None,
        ratio_to_revenue=(financing / rev[0] if cust and rev is not None and rev[0] > 0 else None),
        financing_deals=tuple(a.id[is_sent & counted]),
        purchase_deals=tuple(a.id[is_buy & counted]),
        unpriced_deals=unpriced,
        note=note,
    )


vendor_financing.__doc__ = (vendor_financing.__doc__ or "").replace(
    "{definition}", VENDOR_FINANCING_DEFINITION
)


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoricalComparison:
    """Vendor financing / revenue, then and now, with every denominator the sources use."""

    rows: pd.DataFrame  # vendor, numerator, denominator, basis, ratio, source, confidence
    note: str

    def to_frame(self) -> pd.DataFrame:
        """The comparison table."""
        return self.rows.copy()


@cache
def _historical() -> dict[str, Any]:
    """The published figures (parsed once; read, never modified)."""
    text = resources.files("circularity.analytics").joinpath("data/lucent.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def lucent_comparison(ledger: Any | None = None) -> HistoricalComparison:
    """Lucent 1999-2000 against Nvidia 2025, each with both revenue denominators used.

    Lucent: $8.1B of vendor-financing commitments over its 1999 peak revenue ($37.92B, the
    Tunguz thread's "~20%") and over the ~$33.8B FY2000 base the seed article's "24%" implies.
    Nvidia as published: $110B over FY2025 revenue ($130.5B, "85%") and $110B + $15B GPU-backed
    debt over trailing revenue ($187.1B, "67%"). With a ledger, Nvidia as the ledger has it
    today: every live Nvidia financing deal (equity, loans, backstops, warrants; any window)
    over its latest and previous fiscal-year revenue. Figures and sources come from
    ``analytics/data/lucent.yaml``; ratios are computed here.
    """
    data = _historical()
    fin = {r["id"]: r for r in data["vendor_financing"]}
    rev = {r["id"]: r for r in data["revenue_denominators"]}
    nv = {r["id"]: r for r in data["nvidia_published"]}
    rows: list[dict[str, Any]] = []

    def add(
        vendor: str, num: float, num_basis: str, den: float, den_basis: str, source: str, confidence: str
    ) -> None:
        rows.append(
            {
                "vendor": vendor,
                "numerator": num,
                "numerator_basis": num_basis,
                "denominator": den,
                "denominator_basis": den_basis,
                "ratio": num / den,
                "source": source,
                "confidence": confidence,
            }
        )

    lucent = fin["lucent_vendor_financing"]
    for key in ("lucent_revenue_1999_peak", "lucent_revenue_fy2000_implied"):
        r = rev[key]
        add(
            "lucent",
            lucent["value"],
            "vendor-financing commitments 1999-2000",
            r["value"],
            f"revenue {r['period']} ({r['used_by']})",
            r["url"],
            r["confidence"],
        )
    inv = nv["nvidia_vendor_financing_tunguz"]
    add(
        "nvidia (published)",
        inv["value"],
        "direct investments incl. $100B OpenAI LOI",
        nv["nvidia_revenue_fy2025"]["value"],
        "revenue FY2025 (Tunguz thread)",
        nv["nvidia_revenue_fy2025"]["url"],
        "single_source",
    )
    add(
        "nvidia (published)",
        inv["value"] + 15.0,
        "direct investments + $15B GPU-backed debt",
        nv["nvidia_revenue_ttm_2025_10"]["value"],
        "trailing revenue to Oct-2025 (67% reading)",
        nv["nvidia_revenue_ttm_2025_10"]["url"],
        "estimate",
    )
    if ledger is not None:
        a = attributed_columns(ledger, None)
        sent = (a.payer == "nvidia") & a.isin("kind", FINANCING_KINDS)
        num = float(np.where(np.isnan(a.attributed), 0.0, a.attributed)[sent].sum())
        ids = ";".join(a.id[sent])
        fin = ledger.financials
        for i in _annual_rows_of(ledger).get(("nvidia", "revenue"), [])[-2:]:
            add(
                "nvidia (ledger)",
                num,
                f"live financing deals {ids}",
                float(fin["value"].iat[i]),
                f"revenue {fin['period'].iat[i]}",
                "ledger",
                str(fin["confidence"].iat[i]),
            )
    frame = pd.DataFrame(rows)
    frame["ratio"] = frame["ratio"].astype(np.float64)
    return HistoricalComparison(
        rows=frame,
        note=(
            "Same numerators, different revenue bases: each vendor appears once per revenue "
            "base its sources divide by. The published Nvidia numerator counts the $100B OpenAI "
            "letter of intent at face value; the ledger rows use the live deals instead."
        ),
    )
