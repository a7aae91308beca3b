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

from circularity._typing import Array
from circularity.errors import ConvergenceError, unknown_option

__all__ = [
    "MertonFit",
    "credit_spread",
    "default_probability",
    "distance_to_default",
    "merton_debt",
    "merton_equity",
    "solve_merton",
]


_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _pdf(x: Array) -> Array:
    with np.errstate(over="ignore"):  # |x| beyond 1e154: the density is 0
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
    """Market value of the debt, ``V - E`` (what the creditors' claim is worth today).

    Computed as ``D e^{-rT} N(d2) + V N(-d1)`` (the risk-free debt less the put the creditors
    wrote), equal to ``V - E`` but without its cancellation: a firm whose debt is a sliver of its
    assets keeps a debt value (and a spread) accurate to its own size, not to ``eps V``.
    """
    V, sigma_V, D, r, T = _arrays(V, sigma_V, D, r, T)
    d1, d2 = _d1_d2(V, sigma_V, D, r, T)
    with np.errstate(invalid="ignore"):
        B = V * ndtr(-d1) + D * np.exp(-r * T) * ndtr(d2)
    return np.asarray(np.where(D > 0, np.minimum(B, V), 0.0))


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
    """Asset value and volatility implied by an equity value and volatility.

    ``converged`` says, firm by firm, whether the two equations were solved; where they were not
    (only with ``on_failure="unknown"``) ``V`` and ``sigma_V`` are NaN: unknown, never a guess.
    """

    V: Array
    sigma_V: Array
    iterations: int
    residual: float
    converged: Array

    @property
    def n_unsolved(self) -> int:
        """How many firms the solver left unknown."""
        return int(np.size(self.converged) - np.count_nonzero(self.converged))


#: How many units of rounding of ``V`` and ``σ_V`` a residual may be off by at convergence.
#: Each equation's residual is only known to what a one-ulp change of ``V`` and ``σ_V`` does
#: to it (``eps (V |∂f/∂V| + σ_V |∂f/∂σ_V|)``): a firm whose equity is a sliver of its assets
#: (a projected near-default, ``E / V`` of 1e-8) cannot be solved to ``1e-10 E`` in float64, and
#: ``V`` would otherwise step between neighbouring doubles forever. Its tolerance is that floor.
_ULPS = 16.0
_EPS = float(np.finfo(float).eps)
#: The coarsest floor accepted: a firm whose equity float64 cannot resolve to one part in 10,000
#: of itself (``E / V`` below ~4e-11) is left unknown rather than solved to noise (assumption:
#: finer than any figure is printed, three significant digits, and far coarser than the 2e-8 of
#: the thinnest equity a projection has produced).
_COARSEST = 1e-4


def solve_merton(
    E: Any,
    sigma_E: Any,
    D: Any,
    r: Any,
    T: Any,
    *,
    tol: float = 1e-10,
    max_iter: int = 100,
    on_failure: str = "raise",
) -> MertonFit:
    """Asset value ``V`` and volatility ``σ_V`` from equity ``E`` and its volatility ``σ_E``.

    Parameters
    ----------
    E, sigma_E : equity value (USD bn, > 0) and equity volatility (per year, > 0).
    D, r, T : face of debt (USD bn, >= 0), risk-free rate, years to maturity (> 0).
    tol : largest relative residual of either equation at convergence, or what float64 can
        resolve where that is coarser (about ``16 eps V / E``; a firm whose equity is not
        resolvable to 1e-4 of itself, ``E / V`` below ~4e-11, is never solved).
    max_iter : Newton steps before giving up on the firms not yet solved.
    on_failure : ``"raise"`` (:class:`~circularity.errors.ConvergenceError`) or ``"unknown"``
        (those firms' ``V`` and ``sigma_V`` are NaN and ``converged`` False).

    Returns
    -------
    MertonFit
        ``V``, ``sigma_V`` (shaped like the broadcast inputs), the iterations used, the largest
        relative residual over the solved firms, and which firms were solved.

    Raises
    ------
    ConvergenceError
        If, with ``on_failure="raise"``, a firm's two equations are not solved to its tolerance
        within ``max_iter`` steps.

    Notes
    -----
    Solves ``E = V N(d1) - D e^{-rT} N(d2)`` and ``σ_E E = N(d1) σ_V V`` together by Newton's
    method on all firms at once, with the analytic Jacobian (``∂d1/∂σ = -d2/σ``), steps halved
    while they would leave ``V > E``, ``σ_V > 0``. Start: ``V = E + D e^{-rT}``,
    ``σ_V = σ_E E / V``. Firms without debt get ``V = E``, ``σ_V = σ_E`` exactly. A firm stops
    moving once solved, so one slow firm does not move the others.

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
    if on_failure not in ("raise", "unknown"):
        raise unknown_option("on_failure", on_failure, ("raise", "unknown"))
    E, sigma_E, D, r, T = _arrays(E, sigma_E, D, r, T)
    levered = D > 0
    V = E + D * np.exp(-r * T)
    sig = sigma_E * E / V
    done = ~levered
    res = np.zeros_like(V)
    scale = np.maximum(E, 1e-300)
    scale2 = np.maximum(sigma_E, 1e-300) * scale
    sqT = np.sqrt(T)
    for it in range(1, max_iter + 1):
        d1, d2 = _d1_d2(V, sig, D, r, T)
        Nd1, Nd2, pd1 = ndtr(d1), ndtr(d2), _pdf(d1)
        f1 = V * Nd1 - D * np.exp(-r * T) * Nd2 - E
        f2 = V * Nd1 * sig - sigma_E * E
        a11 = Nd1
        a12 = V * pd1 * sqT
        with np.errstate(invalid="ignore", divide="ignore"):  # no debt: masked by `levered`
            a21 = sig * (Nd1 + pd1 / (sig * sqT))
            a22 = V * Nd1 - V * np.where(np.isfinite(d2), pd1 * d2, 0.0)
            floor1 = _ULPS * _EPS * (V * np.abs(a11) + sig * np.abs(a12)) / scale
            floor2 = _ULPS * _EPS * (V * np.abs(a21) + sig * np.abs(a22)) / scale2
        res1, res2 = np.abs(f1) / scale, np.abs(f2) / scale2
        within = (res1 <= np.fmax(tol, floor1)) & (res2 <= np.fmax(tol, floor2)) & (floor1 <= _COARSEST)
        res = np.where(done, res, np.maximum(res1, res2))
        done = done | (levered & within)
        if done.all():
            return _fit(V, sig, E, sigma_E, levered, done, it, res)
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
        V = np.where(done, V, V - step * dV)
        sig = np.where(done, sig, sig - step * ds)
    if on_failure == "raise":
        raise ConvergenceError(
            f"Merton asset value and volatility did not converge for {int((~done).sum())} of {done.size} "
            "firms: raise max_iter, or check that equity and its volatility are positive and the debt not "
            "absurdly large against the equity",
            max_iter,
            float(res[~done].max()),
        )
    return _fit(V, sig, E, sigma_E, levered, done, max_iter, res)


def _fit(
    V: Array, sig: Array, E: Array, sigma_E: Array, levered: Array, done: Array, it: int, res: Array
) -> MertonFit:
    solved = np.where(done, res, 0.0)
    return MertonFit(
        V=np.where(done, np.where(levered, V, E), np.nan),
        sigma_V=np.where(done, np.where(levered, sig, sigma_E), np.nan),
        iterations=it,
        residual=float(solved.max()) if solved.size else 0.0,
        converged=done,
    )
