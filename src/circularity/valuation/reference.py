"""Plain reference solvers kept beside the fast, vectorised ones and asserted equal in tests."""

from __future__ import annotations

import math

from scipy.optimize import fsolve
from scipy.stats import norm

__all__ = ["solve_merton_scalar"]


def solve_merton_scalar(E: float, sigma_E: float, D: float, r: float, T: float) -> tuple[float, float]:
    """Merton's ``(V, σ_V)`` for one firm by :func:`scipy.optimize.fsolve` on the two textbook
    equations, written out directly (no shared code with :func:`circularity.valuation.solve_merton`)."""
    if D <= 0:
        return E, sigma_E

    def equations(x: list[float]) -> list[float]:
        V, s = x
        d1 = (math.log(V / D) + (r + s * s / 2) * T) / (s * math.sqrt(T))
        d2 = d1 - s * math.sqrt(T)
        return [
            V * norm.cdf(d1) - D * math.exp(-r * T) * norm.cdf(d2) - E,
            norm.cdf(d1) * s * V - sigma_E * E,
        ]

    V0 = E + D * math.exp(-r * T)
    V, s = fsolve(equations, [V0, sigma_E * E / V0], xtol=1e-13)
    return float(V), float(s)
