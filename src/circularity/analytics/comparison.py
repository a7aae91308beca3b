"""Two webs side by side on the same definitions: circularity, vendor financing, concentration.

What the seed articles compare in words (the telecom vendor-financing web of 2000 against the
AI web today), computed. Each web is a ledger as of its own date; its window is the five years
centred on that date (``year − 2 .. year + 2``), attributed by the flow-graph rule.

* **circularity ratio**: the largest circulation's share of the window's money flows
  (:func:`~circularity.analytics.circulation.find_circulation`).
* **vendor financing**: over every entity that sells to customers in the web (payee of a
  compute, hardware or lease deal) and sends them money (equity, loans, bonds, backstops):
  financing sent / purchases received, summed over those vendors, and the highest single
  vendor's ratio (:func:`~circularity.analytics.vendor_financing.vendor_financing`).
* **concentration**: Herfindahl–Hirschman index (0–10,000) of money received by entity, the
  largest receiver's share, and the share of flows touching the most connected entity.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity.analytics.attribution import flow_graph
from circularity.analytics.circulation import find_circulation
from circularity.analytics.vendor_financing import PURCHASE_KINDS, vendor_financing

__all__ = ["COMPARISON_DEFINITIONS", "WebMeasures", "web_measures"]

COMPARISON_DEFINITIONS = {
    "window": "five years centred on the web's date (year - 2 .. year + 2), deals attributed by the flow-graph rule",
    "circularity_ratio": "largest circulation / total money flows in the window",
    "vendor_financing_ratio": "sum over vendors of financing sent to own customers / purchases received from them",
    "top_vendor_financing_ratio": "the highest single vendor's financing / purchases",
    "hhi_received": "Herfindahl-Hirschman index of money received by entity (0-10,000)",
    "top_receiver_share": "largest single receiver's share of money flows",
    "hub_share": "share of money flows paid or received by the most connected entity",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class WebMeasures:
    """The measures of one web (USD bn, ratios as fractions)."""

    dataset: str
    as_of: str
    window: tuple[int, int]
    deals: int
    entities: int
    total_flows: float
    circulating: float
    circularity_ratio: float | None
    vendors: tuple[str, ...]
    vendor_financing_ratio: float | None
    top_vendor: str | None
    top_vendor_financing_ratio: float | None
    hhi_received: float | None
    top_receiver: str | None
    top_receiver_share: float | None
    hub: str | None
    hub_share: float | None

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def web_measures(ledger: Any, dataset: str) -> WebMeasures:
    """Circularity, vendor financing and concentration of a ledger as of its date."""
    year = ledger.as_of.year
    window = (year - 2, year + 2)
    g = flow_graph(ledger, window=window)
    src = np.array([e.source for e in g.edges], dtype=object)
    dst = np.array([e.target for e in g.edges], dtype=object)
    amt = np.array([e.amount for e in g.edges], dtype=float)
    total = float(amt.sum())
    circ = find_circulation(g) if total > 0 else None
    received: dict[str, float] = {}
    touched: dict[str, float] = {}
    for s, t, a in zip(src, dst, amt, strict=True):
        received[t] = received.get(t, 0.0) + a
        touched[s] = touched.get(s, 0.0) + a
        touched[t] = touched.get(t, 0.0) + a
    shares = np.array(list(received.values())) / total if total > 0 else np.array([])
    deals = ledger.deals
    sellers = sorted(set(deals.loc[deals["kind"].isin(PURCHASE_KINDS), "payee"]))
    fin = pur = 0.0
    vendors: list[str] = []
    best: tuple[float, str] | None = None
    for v in sellers:
        vf = vendor_financing(ledger, v, window)
        if vf.financing <= 0 or vf.purchases <= 0:
            continue
        vendors.append(v)
        fin += vf.financing
        pur += vf.purchases
        r = vf.financing / vf.purchases
        if best is None or r > best[0]:
            best = (r, v)
    top_r = max(received, key=received.__getitem__) if received else None
    hub = max(touched, key=touched.__getitem__) if touched else None
    return WebMeasures(
        dataset=dataset,
        as_of=ledger.as_of.isoformat(),
        window=window,
        deals=len(deals),
        entities=len(set(src) | set(dst)),
        total_flows=total,
        circulating=0.0 if circ is None else float(circ.circulating_volume),
        circularity_ratio=None if circ is None else float(circ.circularity_ratio),
        vendors=tuple(vendors),
        vendor_financing_ratio=fin / pur if pur > 0 else None,
        top_vendor=None if best is None else best[1],
        top_vendor_financing_ratio=None if best is None else best[0],
        hhi_received=float((shares**2).sum() * 10_000) if shares.size else None,
        top_receiver=top_r,
        top_receiver_share=received[top_r] / total if top_r and total > 0 else None,
        hub=hub,
        hub_share=touched[hub] / total if hub and total > 0 else None,
    )
