"""Financial ratios from the ledger's financials: are the builders paying from profits or debt?

Each ratio is computed from reported figures of one entity and one period; a ratio whose inputs
are not in the ledger is absent, never guessed. The long table names its numerator and
denominator so each figure can be traced back to the financial records and deals behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from circularity.analytics.attribution import attribute_deals, select_deals
from circularity.analytics.vendor_financing import PURCHASE_KINDS, latest_annual

__all__ = ["RATIO_DEFINITIONS", "FinancialRatios", "financial_ratios"]

RATIO_DEFINITIONS = {
    "capex_to_ebitda": "capex / EBITDA; EBITDA as reported (ebitda, else adjusted_ebitda), else "
    "operating_income + depreciation of the same period",
    "capex_to_operating_cash_flow": "capex / operating cash flow of the same period",
    "capex_funded_by_debt": "principal of live loan and bond deals to the entity starting in the "
    "period / capex of the period",
    "commitments_to_revenue": "live purchase commitments the entity has signed (compute, "
    "hardware, lease; full amounts) / its latest fiscal-year revenue",
    "backlog_share_of_top_customer": "the largest single customer's live purchase deals with "
    "the vendor (full amounts) / the vendor's latest reported RPO or backlog",
}

_PERIOD_YEARS = {"FY": 1.0, "TTM": 1.0, "Q": 0.25, "H1": 0.5, "H2": 0.5, "9M": 0.75}
_CAPEX = ("capex", "capex_incl_finance_leases", "capex_cash_ppe", "capex_derived")
_RPO = (
    "rpo",
    "commercial_rpo",
    "revenue_backlog",
    "total_backlog",
    "cloud_backlog",
    "aws_backlog",
    "ai_backlog",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FinancialRatios:
    """Ratios per entity and period (long table)."""

    table: pd.DataFrame
    definitions: dict[str, str]

    def to_frame(self) -> pd.DataFrame:
        """Columns ``entity, period, period_end, ratio, value, numerator, denominator, basis``."""
        return self.table.copy()

    def for_entity(self, entity: str) -> pd.DataFrame:
        """The rows of one entity."""
        return self.table[self.table["entity"] == entity].reset_index(drop=True)


def _first(metrics: dict[str, float], names: tuple[str, ...]) -> tuple[float, str] | None:
    for name in names:
        if name in metrics and np.isfinite(metrics[name]):
            return metrics[name], name
    return None


def financial_ratios(ledger: Any) -> FinancialRatios:
    """Capex/EBITDA, capex/operating cash flow, capex funded by debt, commitments/revenue and
    customer concentration of backlog, per entity and period.

    Parameters
    ----------
    ledger
        A :class:`circularity.Ledger`.

    Returns
    -------
    FinancialRatios
        Long table, one row per (entity, period, ratio) that the ledger's figures allow.

    Notes
    -----
    Definitions (:data:`RATIO_DEFINITIONS`): capex/EBITDA with EBITDA = operating income +
    depreciation where EBITDA is not reported; capex funded by debt = loan and bond principal
    received in the period / capex; commitments/revenue and the top customer's share of backlog
    use the live deals at full amount (no window), against the latest fiscal-year revenue and
    the latest reported remaining performance obligations.

    Examples
    --------
    >>> import circularity
    >>> t = financial_ratios(circularity.load("ai")).to_frame()
    >>> row = t[(t.entity == "alphabet") & (t.ratio == "capex_to_ebitda")].iloc[0]
    >>> round(float(row.value), 3)
    0.619
    """
    fin = ledger.financials
    rows: list[dict[str, Any]] = []

    def add(entity: str, period: str, end: Any, ratio: str, num: float, den: float, basis: str) -> None:
        if den == 0 or not np.isfinite(den) or not np.isfinite(num):
            return
        rows.append(
            {
                "entity": entity,
                "period": period,
                "period_end": end,
                "ratio": ratio,
                "value": num / den,
                "numerator": num,
                "denominator": den,
                "basis": basis,
            }
        )

    deals = attribute_deals(select_deals(ledger.deals), None)
    debt = deals[deals["kind"].isin(("loan", "bond"))]
    for (entity, period), grp in fin.groupby(["entity", "period"], sort=True):
        metrics = dict(zip(grp["metric"], grp["value"].astype(float), strict=False))
        end = grp["period_end"].iloc[0]
        ptype = str(grp["period_type"].iloc[0])
        capex = _first(metrics, _CAPEX)
        if capex is None:
            continue
        ebitda = _first(metrics, ("ebitda", "adjusted_ebitda"))
        if ebitda is not None:
            add(entity, period, end, "capex_to_ebitda", capex[0], ebitda[0], f"{capex[1]} / {ebitda[1]}")
        elif "operating_income" in metrics and "depreciation" in metrics:
            add(
                entity,
                period,
                end,
                "capex_to_ebitda",
                capex[0],
                metrics["operating_income"] + metrics["depreciation"],
                f"{capex[1]} / (operating_income + depreciation)",
            )
        if "operating_cash_flow" in metrics:
            add(
                entity,
                period,
                end,
                "capex_to_operating_cash_flow",
                capex[0],
                metrics["operating_cash_flow"],
                f"{capex[1]} / operating_cash_flow",
            )
        years = _PERIOD_YEARS.get(ptype)
        if years is not None and not pd.isna(end):
            end_ts = pd.Timestamp(end)
            end_y = end_ts.year + (end_ts.day_of_year / 366.0)
            mine = debt[
                (debt["payee"] == entity)
                & (debt["start_year"] > end_y - years)
                & (debt["start_year"] <= end_y)
            ]
            if not mine.empty:
                add(
                    entity,
                    period,
                    end,
                    "capex_funded_by_debt",
                    float(mine["amount_used"].fillna(0.0).sum()),
                    capex[0],
                    f"loans/bonds {';'.join(mine['id'])} / {capex[1]}",
                )

    buys = deals[deals["kind"].isin(PURCHASE_KINDS)]
    for entity in sorted(set(buys["payer"])):
        rev = latest_annual(fin, entity, "revenue")
        if rev is None:
            continue
        mine = buys[buys["payer"] == entity]
        end = fin[(fin["entity"] == entity) & (fin["period"] == rev[1])]["period_end"].iloc[0]
        add(
            entity,
            rev[1],
            end,
            "commitments_to_revenue",
            float(mine["amount_used"].fillna(0.0).sum()),
            rev[0],
            f"purchase deals {';'.join(mine['id'])} / revenue {rev[1]}",
        )

    for vendor in sorted(set(buys["payee"])):
        rpo = fin[(fin["entity"] == vendor) & fin["metric"].isin(_RPO)]
        if rpo.empty:
            continue
        latest = rpo.sort_values(["period_end", "metric"]).iloc[-1]
        per_customer = buys[buys["payee"] == vendor].groupby("payer")["amount_used"].sum()
        if per_customer.empty or not per_customer.max() > 0:
            continue
        top = str(per_customer.idxmax())
        ids = buys[(buys["payee"] == vendor) & (buys["payer"] == top)]["id"]
        add(
            vendor,
            str(latest["period"]),
            latest["period_end"],
            "backlog_share_of_top_customer",
            float(per_customer.max()),
            float(latest["value"]),
            f"{top}: deals {';'.join(ids)} / {latest['metric']} {latest['period']}",
        )

    table = pd.DataFrame(
        rows,
        columns=["entity", "period", "period_end", "ratio", "value", "numerator", "denominator", "basis"],
    )
    return FinancialRatios(table=table, definitions=dict(RATIO_DEFINITIONS))
