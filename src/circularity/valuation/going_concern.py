"""A going concern's value quarter by quarter: enterprise value from cash flows, equity as
Merton's call on the assets, anchored on the market's own price at the start.

Conventions: every array is ``(n, S)`` (entities × scenarios) or broadcasts to it; rates are
annual; values in USD bn. The projection calls :func:`anchor_going_concern` once, in its first
projected quarter, and :func:`value_going_concern` every quarter after.

Rule
----
At the anchor quarter ``f`` the market's equity value ``E_f`` (reported, or filled from
financials by :func:`~circularity.valuation.fill_equity_values`) with the quarter's debt
``D_f`` and rate ``r_f`` gives Merton's assets ``V_f`` and asset volatility ``σ_V``
(:func:`~circularity.valuation.solve_merton`). The enterprise value is what the assets are
worth beyond the cash held, ``EV_f = V_f − C_f``: the market's price of the business's future
free cash flows, a growing perpetuity ``EV_f = CF*/(k_f − g)`` at the cost of capital
``k = r + ERP`` (the implied long-run cash flow ``CF*`` is what the market expects, growth
included). In a later quarter ``t``

- ``EV_t = CF*/(k_t − g) + β (B_t − B_f) + (β + β_c)(X_t − X_f)``: the same expected cash
  flows discounted at the quarter's rates (a scenario's rate path moves every value), plus the
  market's calibrated price of contract news since the anchor
  (:func:`~circularity.valuation.fit_backlog_value`, ``circularity reactions --fit``): ``β`` per
  dollar of backlog ``B`` won or run down, and ``β_c`` (negative) per dollar of backlog ``X``
  cancelled or terminated (a payer that pays only part, a resolution): since ``B`` already lost
  the cancelled dollars at ``β``, the second term makes their price ``β_c`` in all;
- ``V_t = max(EV_t + C_t, 0)``: the cash the entity's realised cash flows leave it with
  (burn lowers it, earnings and money raised add to it) is part of its assets;
- ``E_t = V_t N(d1) − D_t e^{−r_t T} N(d2)`` (:func:`~circularity.valuation.merton_equity`):
  equity falls smoothly as leverage and asset volatility rise and is never zero while assets
  remain; a default wipes it only through the projection's resolution step.

Realised cash flows are not capitalised a second time: the anchor already prices the growth
the market expects, so a business that grows as priced keeps its value and adds the cash it
earns (a business that burns more than it raises loses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.valuation.merton import (
    credit_spread,
    default_probability,
    distance_to_default,
    merton_equity,
    solve_merton,
)

__all__ = [
    "GoingConcern",
    "ValuationAnchor",
    "anchor_going_concern",
    "lending_spread",
    "value_going_concern",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ValuationAnchor:
    """The market's price of each business at the anchor quarter.

    Attributes
    ----------
    cash_flow : implied long-run free cash flow ``CF* = EV_f (k_f − g)`` (USD bn a year).
    sigma_V : Merton's asset volatility (held from the anchor on, Merton's assumption).
    backlog : contract backlog at the anchor (USD bn).
    cancelled : backlog cancelled or terminated by the anchor (USD bn).
    revenue : trailing annual revenue at the anchor (USD bn; NaN where none), for the multiple
        method.
    known : whether the equity value was known and Merton solved (else the entity is unknown:
        NaN in every valuation column, never 0).
    """

    cash_flow: Array
    sigma_V: Array
    backlog: Array
    known: Array
    revenue: Array
    cancelled: Array | float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class GoingConcern:
    """One quarter's values (``(n, S)``; NaN where the anchor is unknown)."""

    equity_value: Array
    enterprise_value: Array
    asset_value: Array
    distance_to_default: Array
    default_probability: Array
    credit_spread: Array


def anchor_going_concern(
    equity_value: Any,
    equity_volatility: Any,
    debt: Any,
    cash: Any,
    risk_free: Any,
    horizon_years: float,
    cost_of_capital: Any,
    terminal_growth: float,
    backlog: Any,
    revenue: Any = np.nan,
    cancelled: Any = 0.0,
) -> ValuationAnchor:
    """Anchor the going-concern values on the market's equity value at one quarter.

    Parameters
    ----------
    equity_value : (n, S) USD bn, NaN where unknown.
    equity_volatility : (n, 1) annual.
    debt, cash : (n, S) USD bn.
    risk_free, cost_of_capital : annual rates, broadcasting to (n, S).
    horizon_years : Merton's ``T``.
    terminal_growth : ``g``, below every cost of capital.
    backlog : (n, S) contract backlog, USD bn.
    revenue : (n, S) trailing annual revenue, USD bn (only the multiple method reads it).
    cancelled : (n, S) contract backlog cancelled or terminated so far, USD bn.

    Examples
    --------
    >>> a = anchor_going_concern([[3.0]], [[0.8]], [[10.0]], [[0.0]], 0.05, 1.0, 0.10, 0.03, [[0.0]])
    >>> v = value_going_concern(a, [[10.0]], [[0.0]], 0.05, 1.0, 0.10, 0.03, [[0.0]], 0.5)
    >>> round(float(v.equity_value[0, 0]), 6)
    3.0
    """
    E = np.asarray(equity_value, dtype=float)
    D = np.maximum(np.nan_to_num(np.asarray(debt, dtype=float)), 0.0)
    C = np.nan_to_num(np.asarray(cash, dtype=float))
    ok = np.isfinite(E) & (E > 0)
    E_b, sig_b, D_b, r_b = np.broadcast_arrays(
        np.where(ok, E, 1.0),
        np.asarray(equity_volatility, dtype=float),
        D,
        np.asarray(risk_free, dtype=float),
    )
    fit = solve_merton(E_b, sig_b, D_b, r_b, horizon_years, on_failure="unknown")
    known = ok & fit.converged
    ev = np.where(known, fit.V, 0.0) - C
    k = np.asarray(cost_of_capital, dtype=float)
    return ValuationAnchor(
        cash_flow=np.where(known, ev * (k - terminal_growth), 0.0),
        sigma_V=np.where(known, fit.sigma_V, 1.0),
        backlog=np.asarray(backlog, dtype=float) * np.ones(E.shape),
        known=known,
        revenue=np.asarray(revenue, dtype=float) * np.ones(E.shape),
        cancelled=np.asarray(cancelled, dtype=float) * np.ones(E.shape),
    )


def value_going_concern(
    anchor: ValuationAnchor,
    debt: Any,
    cash: Any,
    risk_free: Any,
    horizon_years: float,
    cost_of_capital: Any,
    terminal_growth: float,
    backlog: Any,
    backlog_value: Any,
    *,
    revenue: Any = None,
    elasticity: Any = 0.0,
    credit: bool = True,
    cancelled: Any = None,
    cancel_value: Any = None,
) -> GoingConcern:
    """Equity, enterprise value and Merton's credit measures of one quarter (see the module
    docstring for the rule). ``credit=False`` skips the distance to default, probability and
    spread (NaN), for a run that records none of them.

    ``cancelled`` (backlog cancelled or terminated so far, USD bn) with ``cancel_value`` (``β_c``,
    market value per dollar cancelled, negative) prices cancellations at the market's own
    coefficient; without them a cancelled dollar is priced like any backlog run down (``β``).

    With ``revenue`` given (the multiple method a scenario picks,
    ``globals.valuation_method: revenue_multiple``) the implied cash flow scales with trailing
    revenue, ``CF*·(R̄_t/R̄_f)^ε``: the market's multiple of the anchor held on realised revenue
    (growth the anchor already priced is then counted again, which is why it is not the default);
    an entity without revenue at the anchor keeps ``CF*``."""
    D = np.maximum(np.nan_to_num(np.asarray(debt, dtype=float)), 0.0)
    C = np.nan_to_num(np.asarray(cash, dtype=float))
    k = np.asarray(cost_of_capital, dtype=float)
    cf = anchor.cash_flow
    if revenue is not None:
        R0 = anchor.revenue
        has = np.isfinite(R0) & (R0 > 0)
        ratio = np.where(has, np.maximum(np.asarray(revenue, dtype=float), 0.0) / np.where(has, R0, 1.0), 1.0)
        cf = cf * ratio ** np.asarray(elasticity, dtype=float)
    ev = cf / (k - terminal_growth)
    ev = ev + np.asarray(backlog_value, dtype=float) * (np.asarray(backlog, dtype=float) - anchor.backlog)
    if cancelled is not None and cancel_value is not None:
        extra = np.asarray(backlog_value, dtype=float) + np.asarray(cancel_value, dtype=float)
        ev = ev + extra * (np.asarray(cancelled, dtype=float) - anchor.cancelled)
    V = np.maximum(ev + C, 0.0)
    E = merton_equity(V, anchor.sigma_V, D, risk_free, horizon_years)
    nan = np.full(E.shape, np.nan)
    k_ = anchor.known
    if credit:
        dd = np.where(k_, distance_to_default(V, anchor.sigma_V, D, risk_free, horizon_years), nan)
        pd_ = np.where(k_, default_probability(V, anchor.sigma_V, D, risk_free, horizon_years), nan)
        cs = np.where(k_, credit_spread(V, anchor.sigma_V, D, risk_free, horizon_years), nan)
    else:  # not computed: NaN (one array for the three; nothing writes into them)
        dd = pd_ = cs = nan
    return GoingConcern(
        equity_value=np.where(k_, E, nan),
        enterprise_value=np.where(k_, ev, nan),
        asset_value=np.where(k_, V, nan),
        distance_to_default=dd,
        default_probability=pd_,
        credit_spread=cs,
    )


def lending_spread(rule_spread: Any, merton_spread: Any) -> Array:
    """The spread over its base rate that an entity's new, floating and refinanced debt pays
    where the scenario prices financing on the valuation (``globals.market_priced_financing``):
    Merton's credit spread of the entity in the quarter before (:func:`value_going_concern`),
    and the scenario's leverage rule ``spread·max(0, D/EBITDA − 1)`` where the valuation does not
    know it (NaN: an entity of unknown value, or a quarter not yet valued).

    An entity whose assets are gone has an infinite Merton spread; the caller caps the rate at
    the scenario's maximum, as the leverage rule's is.

    Examples
    --------
    >>> lending_spread([[0.02, 0.03]], [[0.005, float("nan")]]).tolist()
    [[0.005, 0.03]]
    """
    rule = np.asarray(rule_spread, dtype=float)
    m = np.asarray(merton_spread, dtype=float)
    return np.asarray(np.where(np.isnan(m), rule, m))
