"""Market valuation: one module for the projection, the stress test and the dashboard.

Equity as a Merton call on the firm's assets (distance to default, credit spread), enterprise
value from discounted cash flows at a cost of capital that moves with the scenario's rates, and
the calibration of how the market priced contract news.
"""

from circularity.valuation.calibration import BacklogFit, fit_backlog_value, reaction_points
from circularity.valuation.discounting import (
    annuity_factor,
    cost_of_capital,
    discount_factors,
    enterprise_value,
    present_value,
)
from circularity.valuation.market_value import (
    EntityValues,
    fill_equity_values,
    value_entities,
    volatility_by_kind,
)
from circularity.valuation.merton import (
    MertonFit,
    credit_spread,
    default_probability,
    distance_to_default,
    merton_debt,
    merton_equity,
    solve_merton,
)

__all__ = [
    "BacklogFit",
    "EntityValues",
    "MertonFit",
    "annuity_factor",
    "cost_of_capital",
    "credit_spread",
    "default_probability",
    "discount_factors",
    "distance_to_default",
    "enterprise_value",
    "fill_equity_values",
    "fit_backlog_value",
    "merton_debt",
    "merton_equity",
    "present_value",
    "reaction_points",
    "solve_merton",
    "value_entities",
    "volatility_by_kind",
]
