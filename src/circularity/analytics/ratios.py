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

from circularity.analytics.attribution import attributed_columns
from circularity.analytics.vendor_financing import PURCHASE_KINDS, latest_annual_of

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


def _first(metrics: dict[str, float], names: tuple[str, ...]) -> tuple[float, str] | None:
    for name in names:
        if name in metrics and np.isfinite(metrics[name]):
            return metrics[name], name
    return None


def _sort_key(x: Any) -> tuple[bool, Any]:
    missing = bool(pd.isna(x))
    return missing, ("" if missing else x)


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

    # Plain lists and arrays read once: a pandas mask per entity and period costs more than
    # the arithmetic.
    cols = {c: fin[c].tolist() for c in ("entity", "period", "period_end", "period_type", "metric")}
    values = fin["value"].astype(float).tolist()
    groups: dict[tuple[Any, Any], list[int]] = {}
    for i, key in enumerate(zip(cols["entity"], cols["period"], strict=True)):
        if not (pd.isna(key[0]) or pd.isna(key[1])):  # groupby drops missing keys
            groups.setdefault(key, []).append(i)

    a = attributed_columns(ledger, None)
    debt = a.isin("kind", ("loan", "bond"))
    amount_or_zero = np.where(np.isnan(a.amount_used), 0.0, a.amount_used)
    for (entity, period), members in sorted(groups.items()):
        metrics = {cols["metric"][i]: values[i] for i in members}
        end = cols["period_end"][members[0]]
        ptype = str(cols["period_type"][members[0]])
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
            mine = debt & (a.payee == entity) & (a.start_year > end_y - years) & (a.start_year <= end_y)
            if mine.any():
                add(
                    entity,
                    period,
                    end,
                    "capex_funded_by_debt",
                    float(amount_or_zero[mine].sum()),
                    capex[0],
                    f"loans/bonds {';'.join(a.id[mine])} / {capex[1]}",
                )

    buys = a.isin("kind", PURCHASE_KINDS)
    first_end: dict[tuple[Any, Any], Any] = {}
    for key, pe in zip(zip(cols["entity"], cols["period"], strict=True), cols["period_end"], strict=True):
        first_end.setdefault(key, pe)
    for entity in sorted(set(a.payer[buys])):
        rev = latest_annual_of(ledger, entity, "revenue")
        if rev is None:
            continue
        mine = buys & (a.payer == entity)
        add(
            entity,
            rev[1],
            first_end[(entity, rev[1])],
            "commitments_to_revenue",
            float(amount_or_zero[mine].sum()),
            rev[0],
            f"purchase deals {';'.join(a.id[mine])} / revenue {rev[1]}",
        )

    # One groupby for every vendor: its (Kahan) sums are the ones a groupby per vendor gives.
    per_pair = pd.Series(a.amount_used[buys]).groupby([a.payee[buys], a.payer[buys]], sort=True).sum()
    per_vendor: dict[str, list[tuple[str, float]]] = {}
    for (vendor, payer), total in per_pair.items():
        per_vendor.setdefault(vendor, []).append((payer, total))
    rpo_rows = [i for i, m in enumerate(cols["metric"]) if m in _RPO]
    for vendor in sorted(set(a.payee[buys])):
        rpo = [i for i in rpo_rows if cols["entity"][i] == vendor]
        if not rpo:
            continue
        # sort_values(["period_end", "metric"]).iloc[-1]: stable, missing values last
        by_end = sorted(rpo, key=lambda i: _sort_key(cols["period_end"][i]) + _sort_key(cols["metric"][i]))
        latest = by_end[-1]
        per_customer = per_vendor.get(vendor, [])
        if not per_customer:
            continue
        best = max(t for _, t in per_customer)
        if not best > 0:
            continue
        top = str(next(p for p, t in per_customer if t == best))
        ids = a.id[buys & (a.payee == vendor) & (a.payer == top)]
        add(
            vendor,
            str(cols["period"][latest]),
            cols["period_end"][latest],
            "backlog_share_of_top_customer",
            float(best),
            float(values[latest]),
            f"{top}: deals {';'.join(ids)} / {cols['metric'][latest]} {cols['period'][latest]}",
        )

    table = pd.DataFrame(
        rows,
        columns=["entity", "period", "period_end", "ratio", "value", "numerator", "denominator", "basis"],
    )
    return FinancialRatios(table=table, definitions=dict(RATIO_DEFINITIONS))
