"""Closed vocabularies of the ledger: every kind, status, confidence, metric and unit allowed."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "TABLES",
    "CONFIDENCES",
    "DEAL_KINDS",
    "ENTITY_KINDS",
    "METRICS",
    "PERIOD_TYPES",
    "STATUSES",
    "UNITS",
    "Confidence",
    "DealKind",
    "EntityKind",
    "PeriodType",
    "Status",
    "Unit",
]

DealKind = Literal["equity", "compute", "hardware", "loan", "bond", "warrant", "backstop", "lease"]
Status = Literal["announced", "signed", "binding", "non_binding", "superseded", "cancelled"]
Confidence = Literal["confirmed", "single_source", "estimate", "disputed"]
EntityKind = Literal[
    "lab", "chipmaker", "hyperscaler", "neocloud", "datacenter", "investor", "lender", "spv", "government"
]
PeriodType = Literal["FY", "Q", "H1", "9M", "TTM", "5Y", "point"]
Unit = Literal["USD_bn", "RMB_bn", "JPY_bn", "pct", "days", "MW"]

#: The ledger's tables, in dependency order (``records.RECORD_TYPES`` maps each to its record type).
TABLES: tuple[str, ...] = ("sources", "entities", "deals", "financials", "holdings", "market_reactions")
DEAL_KINDS: tuple[str, ...] = get_args(DealKind)
STATUSES: tuple[str, ...] = get_args(Status)
CONFIDENCES: tuple[str, ...] = get_args(Confidence)
ENTITY_KINDS: tuple[str, ...] = get_args(EntityKind)
PERIOD_TYPES: tuple[str, ...] = get_args(PeriodType)
UNITS: tuple[str, ...] = get_args(Unit)

#: Statuses under which a deal still binds money in the model (live commitments).
LIVE_STATUSES: tuple[str, ...] = ("announced", "signed", "binding", "non_binding")

#: Financial metrics, as named in the fact base (``shared/research/financials.csv``).
METRICS: tuple[str, ...] = (
    "accounts_receivable",
    "active_power_mw",
    "adjusted_ebita",
    "adjusted_ebitda",
    "ai_backlog",
    "ai_revenue",
    "announced_customer_investments",
    "annualized_revenue",
    "aws_backlog",
    "aws_operating_income",
    "aws_revenue",
    "capex",
    "capex_cash_ppe",
    "capex_derived",
    "capex_guidance",
    "capex_guidance_high",
    "capex_guidance_low",
    "capex_incl_finance_leases",
    "cash",
    "cash_and_equivalents",
    "cash_and_liquid_investments",
    "cash_and_marketable_securities",
    "cash_burn",
    "cloud_backlog",
    "commercial_rpo",
    "compute_commitments",
    "cumulative_cash_burn_projection",
    "data_center_revenue",
    "days_sales_outstanding",
    "debt",
    "depreciation",
    "ebitda",
    "ebitda_or_profit",
    "free_cash_flow",
    "interest_expense",
    "inventory",
    "loan_to_value",
    "long_term_debt",
    "market_cap",
    "net_income",
    "net_income_gaap",
    "net_income_projection",
    "openai_stake",
    "openai_valuation_gain",
    "operating_cash_flow",
    "operating_income",
    "operating_income_gaap",
    "operating_income_nongaap",
    "revenue",
    "revenue_backlog",
    "revenue_guidance",
    "revenue_guidance_mid",
    "rpo",
    "total_backlog",
    "total_debt",
    "valuation",
    "valuation_post",
    "valuation_pre",
    "valuation_secondary",
)
