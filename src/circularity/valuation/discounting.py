"""Discounted cash flows: enterprise value at a cost of capital that moves with the rates.

Conventions: cash flows per quarter in USD bn on the last axis; rates are annual and
continuously compounded, one per quarter on the last axis (a scenario's rate path), so a
scenario with higher rates discounts the same cash flows more. Everything broadcasts over
leading axes (scenarios × entities).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from circularity._typing import Array

__all__ = ["annuity_factor", "cost_of_capital", "discount_factors", "enterprise_value", "present_value"]


def cost_of_capital(
    risk_free: Any, equity_premium: Any, credit_spread: Any, debt_weight: Any, tax_rate: Any = 0.0
) -> Array:
    """Weighted cost of capital: ``(1-w)(r + ERP) + w (r + s)(1 - tax)``.

    ``w`` is debt's share of the firm's value; the cost of debt is the risk-free rate plus the
    firm's credit spread (Merton's, so it widens as the firm weakens). The rate moves one for
    one with ``risk_free`` (the scenario's rate path).

    Examples
    --------
    >>> float(cost_of_capital(0.04, 0.05, 0.01, 0.0))
    0.09
    """
    r, erp, s, w, tax = (
        np.asarray(x, dtype=float) for x in (risk_free, equity_premium, credit_spread, debt_weight, tax_rate)
    )
    return np.asarray((1.0 - w) * (r + erp) + w * (r + s) * (1.0 - tax))


def discount_factors(rate: Any) -> Array:
    """Discount factor at the end of each quarter for a path of annual rates (last axis):
    ``exp(-Σ_{k<=t} r_k / 4)``."""
    r = np.asarray(rate, dtype=float)
    return np.asarray(np.exp(-np.cumsum(r, axis=-1) / 4.0))


def present_value(cash_flows: Any, rate: Any) -> Array:
    """Present value of quarterly cash flows (last axis) at a per-quarter rate path."""
    cf = np.asarray(cash_flows, dtype=float)
    return np.asarray((cf * discount_factors(np.broadcast_to(rate, cf.shape))).sum(axis=-1))


def enterprise_value(cash_flows: Any, rate: Any, terminal_growth: Any) -> Array:
    """Enterprise value: explicit quarterly free cash flows plus a growing perpetuity after them.

    Parameters
    ----------
    cash_flows : (..., T) free cash flow to the firm per quarter, USD bn.
    rate : (..., T) or scalar annual discount rate per quarter (cost of capital).
    terminal_growth : annual growth of cash flows after the last quarter (below the last rate).

    Returns
    -------
    ndarray
        ``Σ_t CF_t DF_t + DF_T CF_T γq / (1 - γq)`` with ``q = e^{-r_T/4}``, ``γ = (1+g)^{1/4}``;
        a negative last cash flow gives no terminal value (a firm burning cash forever would
        stop, not be worth minus infinity), and ``γq >= 1`` gives ``inf``.

    Examples
    --------
    >>> round(float(enterprise_value([1.0] * 4, 0.10, 0.0)), 1)  # 1 a quarter forever at 10%
    39.5
    """
    cf = np.asarray(cash_flows, dtype=float)
    r = np.broadcast_to(np.asarray(rate, dtype=float), cf.shape)
    g = np.asarray(terminal_growth, dtype=float)
    df = discount_factors(r)
    explicit = (cf * df).sum(axis=-1)
    x = (1.0 + g) ** 0.25 * np.exp(-r[..., -1] / 4.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        tail = np.where(x < 1.0, np.maximum(cf[..., -1], 0.0) * x / (1.0 - x), np.inf)
    return np.asarray(explicit + df[..., -1] * tail)


def annuity_factor(rate: Any, years: Any) -> Array:
    """Present value per dollar of a total paid evenly over ``years`` (continuous):
    ``(1 - e^{-r n}) / (r n)``; 1 for ``n = 0`` or ``r = 0``."""
    r, n = np.broadcast_arrays(np.asarray(rate, dtype=float), np.asarray(years, dtype=float))
    x = r * n
    with np.errstate(divide="ignore", invalid="ignore"):
        f = -np.expm1(-x) / x
    return np.asarray(np.where(np.abs(x) < 1e-12, 1.0, f))
