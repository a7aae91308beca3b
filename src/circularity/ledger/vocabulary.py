"""Closed vocabularies of the ledger: every kind, status, confidence, metric and unit allowed."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "TABLES",
    "CONFIDENCES",
    "DEFAULT_EVENTS",
    "OUTCOME_EVENTS",
    "SURVIVAL_EVENTS",
    "DEAL_KINDS",
    "ENTITY_KINDS",
    "POOL_KINDS",
    "METRICS",
    "PERIOD_TYPES",
    "STATUSES",
    "UNITS",
    "Confidence",
    "DealKind",
    "EntityKind",
    "OutcomeEvent",
    "PeriodType",
    "Status",
    "Unit",
]

DealKind = Literal["equity", "compute", "hardware", "loan", "bond", "warrant", "backstop", "lease"]
Status = Literal["announced", "signed", "binding", "non_binding", "superseded", "cancelled"]
Confidence = Literal["confirmed", "single_source", "estimate", "disputed"]
EntityKind = Literal[
    "lab",
    "chipmaker",
    "hyperscaler",
    "neocloud",
    "datacenter",
    "investor",
    "lender",
    "spv",
    "government",
    "carrier",
    "vendor",
]
PeriodType = Literal["FY", "Q", "H1", "9M", "TTM", "5Y", "point"]
#: ``GW`` for capacity; ``rating`` and ``date`` only for rows whose figure is not a number (value empty,
#: ``missing`` says what the source gives instead).
Unit = Literal[
    "USD_bn",
    "RMB_bn",
    "JPY_bn",
    "pct",
    "days",
    "MW",
    "CAD_bn",
    "EUR_bn",
    "SEK_bn",
    "USD_per_share",
    "count",
    "thousand_lines",
    "GW",
    "rating",
    "date",
]
#: What happened to an entity (the ``outcomes`` table): defaults, survivals, write-offs, prices.
OutcomeEvent = Literal[
    "chapter11_filed",
    "bankruptcy_filed",
    "insolvent",
    "liquidated",
    "default",
    "acquired_in_distress",
    "survived_through_2002",
    "emerged_from_ch11",
    "delisted",
    "market_cap_peak",
    "market_cap_trough",
    "vendor_writeoff",
    "vendor_loan_default",
    "vendor_litigation_loss",
    "vendor_provision_stock",
    "equity_impairment",
]

#: The ledger's tables, in dependency order (``records.RECORD_TYPES`` maps each to its record type).
TABLES: tuple[str, ...] = (
    "sources",
    "entities",
    "deals",
    "financials",
    "holdings",
    "market_reactions",
    "outcomes",
)
DEAL_KINDS: tuple[str, ...] = get_args(DealKind)
STATUSES: tuple[str, ...] = get_args(Status)
CONFIDENCES: tuple[str, ...] = get_args(Confidence)
ENTITY_KINDS: tuple[str, ...] = get_args(EntityKind)
#: Entity kinds that are outside capital pools (lenders and investors): they hold the web's debt
#: and equity and have no operating business of their own.
POOL_KINDS: tuple[str, ...] = ("lender", "investor")
PERIOD_TYPES: tuple[str, ...] = get_args(PeriodType)
UNITS: tuple[str, ...] = get_args(Unit)
OUTCOME_EVENTS: tuple[str, ...] = get_args(OutcomeEvent)
#: Outcome events that count as a default (the backtest's positive class).
DEFAULT_EVENTS: tuple[str, ...] = (
    "chapter11_filed",
    "bankruptcy_filed",
    "insolvent",
    "liquidated",
    "default",
    "acquired_in_distress",
)
#: Outcome events that count as survival through their date.
SURVIVAL_EVENTS: tuple[str, ...] = ("survived_through_2002",)

#: Statuses under which a deal still binds money in the model (live commitments).
LIVE_STATUSES: tuple[str, ...] = ("announced", "signed", "binding", "non_binding")

#: Financial metrics, as named in the fact base (``shared/research/financials.csv``).
METRICS: tuple[str, ...] = (
    "accounts_receivable",
    "active_power_mw",
    "adjusted_ebita",
    "adjusted_ebitda",
    "adjusted_operating_margin",
    "ai_backlog",
    "ai_revenue",
    "announced_customer_investments",
    "annualized_revenue",
    "aws_backlog",
    "aws_operating_income",
    "aws_revenue",
    "bad_debt_provision_expense",
    "bad_debt_writeoffs",
    "bank_debt",
    "bonds_issued",
    "bonds_outstanding",
    "capacity_at_risk",
    "capex",
    "capex_cash_ppe",
    "capex_derived",
    "capex_guidance",
    "capex_guidance_high",
    "capex_guidance_low",
    "capex_incl_finance_leases",
    "capital_raised",
    "cash",
    "cash_and_equivalents",
    "cash_and_liquid_investments",
    "cash_and_marketable_securities",
    "cash_burn",
    "cloud_backlog",
    "commercial_rpo",
    "compute_commitments",
    "credit_facilities",
    "contracted_us_compute_capacity",
    "credit_rating_sp",
    "cumulative_cash_burn_projection",
    "customer_financing_provision",
    "data_center_revenue",
    "days_sales_outstanding",
    "debt",
    "depreciation",
    "dsl_lines_thousand",
    "ebitda",
    "ebitda_or_profit",
    "employees",
    "financing_share_of_revenue",
    "free_cash_flow",
    "impaired_finance_receivables",
    "interest_expense",
    "inventory",
    "ipo_proceeds_gross",
    "ipo_target_window",
    "loan_to_value",
    "long_term_debt",
    "market_cap",
    "net_income",
    "net_income_gaap",
    "net_income_projection",
    "openai_stake",
    "openai_stake_value",
    "openai_valuation_gain",
    "operating_cash_flow",
    "operating_income",
    "operating_income_gaap",
    "operating_income_nongaap",
    "revenue",
    "revenue_backlog",
    "revenue_guidance",
    "revenue_guidance_mid",
    "revenue_projection",
    "rpo",
    "rpo_customer_funded",
    "short_term_debt",
    "total_assets",
    "total_backlog",
    "total_debt",
    "total_liabilities",
    "uncollectibles_pct_revenue",
    "undrawn_credit",
    "valuation",
    "valuation_post",
    "valuation_pre",
    "valuation_secondary",
    "vendor_financing_available_undrawn",
    "vendor_financing_commitments",
    "vendor_financing_commitments_guarantees",
    "vendor_financing_commitments_loans",
    "vendor_financing_cumulative_5yr",
    "vendor_financing_drawn",
    "vendor_financing_drawn_loans",
    "vendor_financing_exposure_gross",
    "vendor_financing_guarantees_contingent",
)
