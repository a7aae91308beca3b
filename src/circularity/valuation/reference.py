"""Plain reference solvers kept beside the fast, vectorised ones and asserted equal in tests."""

from __future__ import annotations

import math

from scipy.optimize import brentq
from scipy.stats import norm

__all__ = ["solve_merton_scalar"]


def solve_merton_scalar(E: float, sigma_E: float, D: float, r: float, T: float) -> tuple[float, float]:
    """Merton's ``(V, σ_V)`` for one firm by nested bracketing (no shared code with the fast
    Newton solve of :func:`circularity.valuation.solve_merton`).

    For a trial ``σ``, the equity equation is increasing in ``V`` with the root in
    ``[E, E + D e^{-rT}]``; the volatility equation ``N(d1) σ V(σ) - σ_E E`` is negative as
    ``σ → 0`` and non-negative at ``σ = σ_E``, so both roots are bracketed.
    """
    if D <= 0:
        return E, sigma_E
    pv = D * math.exp(-r * T)

    def call(V: float, s: float) -> float:
        d1 = (math.log(V / D) + (r + s * s / 2) * T) / (s * math.sqrt(T))
        return float(V * norm.cdf(d1) - pv * norm.cdf(d1 - s * math.sqrt(T)))

    def assets(s: float) -> float:
        return float(brentq(lambda V: call(V, s) - E, E, E + pv + 1e-12, xtol=1e-14, rtol=1e-15))

    def vol_gap(s: float) -> float:
        V = assets(s)
        d1 = (math.log(V / D) + (r + s * s / 2) * T) / (s * math.sqrt(T))
        return float(norm.cdf(d1) * s * V - sigma_E * E)

    s = float(brentq(vol_gap, 1e-9, sigma_E, xtol=1e-15, rtol=1e-14))
    return assets(s), s
