"""Merton (1974): equity as a call option on the firm's assets.

Conventions, stated once: values in USD bn, rates continuously compounded per year, ``T`` in
years; every function broadcasts over any array shape (scenarios × entities). A firm with no
debt (``D == 0``) has equity equal to its assets, an infinite distance to default and no spread:
the formulas' limits, returned exactly rather than as ``log(V / 0)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import ndtr

from circularity.errors import ConvergenceError

__all__ = [
    "MertonFit",
    "credit_spread",
    "default_probability",
    "distance_to_default",
    "merton_debt",
    "merton_equity",
    "solve_merton",
]

Array = np.ndarray[Any, Any]

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _pdf(x: Array) -> Array:
    return np.asarray(np.exp(-0.5 * x * x) / _SQRT_2PI)


def _d1_d2(V: Array, sigma: Array, D: Array, r: Array, T: Array) -> tuple[Array, Array]:
    """Black–Scholes–Merton ``d1, d2``; ``+inf`` where there is no debt."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = sigma * np.sqrt(T)
        d1 = (np.log(V / D) + (r + 0.5 * sigma * sigma) * T) / s
    d1 = np.where(D > 0, d1, np.inf)
    d1 = np.where((V <= 0) & (D > 0), -np.inf, d1)
    return d1, d1 - np.where(np.isfinite(d1), s, 0.0)


def _arrays(*xs: Any) -> tuple[Array, ...]:
    return tuple(np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in xs)))


def merton_equity(V: Any, sigma_V: Any, D: Any, r: Any, T: Any) -> Array:
    """Equity value as a European call on the assets with the debt's face as strike.

    Parameters
    ----------
    V : asset value (USD bn); sigma_V : asset volatility (per year);
    D : face value of debt due at ``T`` (USD bn); r : risk-free rate; T : years to maturity.

    Returns
    -------
    ndarray
        ``E = V N(d1) - D exp(-rT) N(d2)``, in ``[max(0, V - D e^{-rT}), V]``.

    Notes
    -----
    ``d1 = (ln(V/D) + (r + σ²/2) T) / (σ √T)``, ``d2 = d1 - σ √T``. Equity falls smoothly as
    assets fall or leverage and volatility rise, and is zero only when ``V`` is.

    References
    ----------
    Merton, R. C. (1974). On the pricing of corporate debt: the risk structure of interest
    rates. Journal of Finance 29(2), 449-470. Hull, J. C., *Options, Futures, and Other
    Derivatives*, chapter "Credit risk", section "Using equity prices to estimate default
    probabilities".

    Examples
    --------
    >>> round(float(merton_equity(12.40, 0.2123, 10.0, 0.05, 1.0)), 2)
    3.0
    """
    V, sigma_V, D, r, T = _arrays(V, sigma_V, D, r, T)
    d1, d2 = _d1_d2(V, sigma_V, D, r, T)
    with np.errstate(invalid="ignore"):
        E = V * ndtr(d1) - D * np.exp(-r * T) * ndtr(d2)
    return np.asarray(np.clip(np.where(D > 0, E, V), 0.0, None))


def merton_debt(V: Any, sigma_V: Any, D: Any, r: Any, T: Any) -> Array:
    """Market value of the debt, ``V - E`` (what the creditors' claim is worth today)."""
    return np.asarray(np.asarray(V, dtype=float) - merton_equity(V, sigma_V, D, r, T))


def distance_to_default(V: Any, sigma_V: Any, D: Any, r: Any, T: Any) -> Array:
    """Merton's (risk-neutral) distance to default ``d2``, in standard deviations of
    ``ln V_T``; ``+inf`` without debt, ``-inf`` with no assets left."""
    V, sigma_V, D, r, T = _arrays(V, sigma_V, D, r, T)
    return _d1_d2(V, sigma_V, D, r, T)[1]


def default_probability(V: Any, sigma_V: Any, D: Any, r: Any, T: Any) -> Array:
    """Risk-neutral probability that assets end below the debt at ``T``: ``N(-d2)``."""
    return np.asarray(ndtr(-distance_to_default(V, sigma_V, D, r, T)))


def credit_spread(V: Any, sigma_V: Any, D: Any, r: Any, T: Any) -> Array:
    """Yield spread of the debt over ``r``: ``-ln(B / D) / T - r`` with ``B`` the debt's value.

    Zero without debt; grows without bound as the assets vanish (the debt is worth nothing).
    """
    V, sigma_V, D, r, T = _arrays(V, sigma_V, D, r, T)
    B = merton_debt(V, sigma_V, D, r, T)
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = -np.log(B / D) / T - r
    spread = np.where(D > 0, np.maximum(spread, 0.0), 0.0)
    return np.asarray(np.where(np.isnan(spread), np.inf, spread))


@dataclass(frozen=True, slots=True, kw_only=True)
class MertonFit:
    """Asset value and volatility implied by an equity value and volatility."""

    V: Array
    sigma_V: Array
    iterations: int
    residual: float


def solve_merton(
    E: Any,
    sigma_E: Any,
    D: Any,
    r: Any,
    T: Any,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> MertonFit:
    """Asset value ``V`` and volatility ``σ_V`` from equity ``E`` and its volatility ``σ_E``.

    Parameters
    ----------
    E, sigma_E : equity value (USD bn, > 0) and equity volatility (per year, > 0).
    D, r, T : face of debt (USD bn, >= 0), risk-free rate, years to maturity (> 0).
    tol : largest relative residual of either equation at convergence.
    max_iter : Newton steps before :class:`~circularity.errors.ConvergenceError`.

    Returns
    -------
    MertonFit
        ``V``, ``sigma_V`` (shaped like the broadcast inputs), the iterations used and the
        largest relative residual.

    Raises
    ------
    ConvergenceError
        If the two equations are not solved to ``tol`` within ``max_iter`` steps.

    Notes
    -----
    Solves ``E = V N(d1) - D e^{-rT} N(d2)`` and ``σ_E E = N(d1) σ_V V`` together by Newton's
    method on all firms at once, with the analytic Jacobian (``∂d1/∂σ = -d2/σ``), steps halved
    while they would leave ``V > E``, ``σ_V > 0``. Start: ``V = E + D e^{-rT}``,
    ``σ_V = σ_E E / V``. Firms without debt get ``V = E``, ``σ_V = σ_E`` exactly.

    References
    ----------
    Hull, J. C., *Options, Futures, and Other Derivatives*: the worked example with
    ``E = 3, σ_E = 0.80, D = 10, r = 0.05, T = 1`` gives ``V = 12.40, σ_V = 0.2123``.

    Examples
    --------
    >>> fit = solve_merton(3.0, 0.80, 10.0, 0.05, 1.0)
    >>> round(float(fit.V), 2), round(float(fit.sigma_V), 4)
    (12.4, 0.2123)
    """
    E, sigma_E, D, r, T = _arrays(E, sigma_E, D, r, T)
    levered = D > 0
    V = E + D * np.exp(-r * T)
    sig = sigma_E * E / V
    residual = np.inf
    for it in range(1, max_iter + 1):
        d1, d2 = _d1_d2(V, sig, D, r, T)
        Nd1, Nd2, pd1 = ndtr(d1), ndtr(d2), _pdf(d1)
        f1 = V * Nd1 - D * np.exp(-r * T) * Nd2 - E
        f2 = V * Nd1 * sig - sigma_E * E
        # relative to equity; where equity is below ~1e-5 of assets, double precision cannot
        # resolve f1 (a difference of terms of size V) to tol × E: measure it against 1e-5·V then
        scale = np.maximum(np.maximum(E, 1e-5 * np.abs(V)), 1e-300)
        res = np.where(levered, np.maximum(np.abs(f1), np.abs(f2) / np.maximum(sigma_E, 1e-300)) / scale, 0.0)
        residual = float(res.max()) if res.size else 0.0
        if residual <= tol:
            return MertonFit(
                V=np.where(levered, V, E),
                sigma_V=np.where(levered, sig, sigma_E),
                iterations=it,
                residual=residual,
            )
        sqT = np.sqrt(T)
        a11 = Nd1
        a12 = V * pd1 * sqT
        a21 = sig * (Nd1 + pd1 / (sig * sqT))
        with np.errstate(invalid="ignore"):  # 0 × inf where a firm has no debt; masked below
            a22 = V * Nd1 - V * np.where(np.isfinite(d2), pd1 * d2, 0.0)
        det = a11 * a22 - a12 * a21
        det = np.where(np.abs(det) > 1e-300, det, 1e-300)
        dV = (f1 * a22 - f2 * a12) / det
        ds = (a11 * f2 - a21 * f1) / det
        step = np.ones_like(V)
        for _ in range(30):  # halve steps that would leave the domain
            bad = (V - step * dV <= E) | (sig - step * ds <= 0)
            if not bad.any():
                break
            step = np.where(bad, step / 2.0, step)
        V = np.where(levered, V - step * dV, E)
        sig = np.where(levered, sig - step * ds, sigma_E)
    raise ConvergenceError(
        "Merton asset value and volatility did not converge: raise max_iter, or check that equity and its "
        "volatility are positive and the debt not absurdly large against the equity",
        max_iter,
        residual,
    )
