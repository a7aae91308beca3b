"""Vendor financing: how much of a vendor's sales to its customers the vendor funds itself.

A vendor that invests in, lends to or guarantees its own customers, who then buy its product,
books revenue it partly paid for. The measure here is the one the telecom bubble made famous
(Lucent, Nortel and Cisco lent to the carriers that bought their gear) and that Tunguz (2025)
applied to Nvidia: money sent to customers over money received from them, and over revenue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from circularity.analytics.attribution import LIVE_STATUSES, attribute_deals, select_deals

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
    rows = financials[
        (financials["entity"] == entity)
        & (financials["metric"] == metric)
        & (financials["period_type"] == "FY")
    ]
    if rows.empty:
        return None
    row = rows.sort_values("period_end").iloc[-1]
    return float(row["value"]), str(row["period"])


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
    >>> vf = vendor_financing(circularity.load("ai"), "amd")
    >>> vf.customers, vf.financing_deals
    (('openai',), ('D09',))
    """
    deals = attribute_deals(select_deals(ledger.deals, include_statuses=include_statuses), window)
    buys = deals[(deals["payee"] == vendor) & deals["kind"].isin(PURCHASE_KINDS)]
    if customers is None:
        cust = tuple(sorted(set(buys["payer"]) - {vendor}))
    else:
        cust = tuple(sorted(set(customers)))
    buys = buys[buys["payer"].isin(cust)]
    sent = deals[(deals["payer"] == vendor) & deals["payee"].isin(cust) & deals["kind"].isin(FINANCING_KINDS)]
    in_window = lambda f: f[f["attributed"].fillna(0.0) > 0]  # noqa: E731
    financing = float(in_window(sent)["attributed"].sum())
    purchases = float(in_window(buys)["attributed"].sum())
    unpriced = tuple(pd.concat([sent, buys]).loc[lambda f: f["amount_used"].isna(), "id"])
    rev = latest_annual(ledger.financials, vendor, "revenue")
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
        financing_deals=tuple(in_window(sent)["id"]),
        purchase_deals=tuple(in_window(buys)["id"]),
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


def _historical() -> dict[str, Any]:
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
        deals = attribute_deals(select_deals(ledger.deals), None)
        sent = deals[(deals["payer"] == "nvidia") & deals["kind"].isin(FINANCING_KINDS)]
        num = float(sent["attributed"].fillna(0.0).sum())
        ids = ";".join(sent["id"])
        fy = ledger.financials[
            (ledger.financials["entity"] == "nvidia")
            & (ledger.financials["metric"] == "revenue")
            & (ledger.financials["period_type"] == "FY")
        ].sort_values("period_end")
        for _, r in fy.iloc[-2:].iterrows():
            add(
                "nvidia (ledger)",
                num,
                f"live financing deals {ids}",
                float(r["value"]),
                f"revenue {r['period']}",
                "ledger",
                str(r["confidence"]),
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
