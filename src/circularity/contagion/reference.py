"""Plain dense reference implementations, kept beside the fast path and asserted equal in tests.

Written for clarity, not speed: dense ``n x n`` arrays, one scenario, Python loops over rounds.
Conventions are those of :mod:`circularity.contagion.clearing` (``L[i, j]`` = what ``i`` owes
``j``).
"""

from __future__ import annotations

import numpy as np

from circularity._typing import Array

__all__ = [
    "reference_clearing",
    "reference_debtrank",
    "reference_default_cascade",
    "reference_picard",
]


def _pi(L: Array, el: Array) -> tuple[Array, Array]:
    p_bar = L.sum(axis=1) + el
    Pi = np.zeros_like(L)
    pos = p_bar > 0
    Pi[pos] = L[pos] / p_bar[pos, None]
    return p_bar, Pi


def reference_clearing(
    L: Array,
    e: Array,
    el: Array | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> tuple[Array, int]:
    """Greatest clearing vector by the (Rogers–Veraart) greatest-clearing-vector algorithm.

    Dense ``numpy.linalg.solve`` of the defaulted block each round. Returns ``(p, rounds)``.
    """
    L = np.asarray(L, dtype=float)
    e = np.asarray(e, dtype=float)
    n = L.shape[0]
    el = np.zeros(n) if el is None else np.asarray(el, dtype=float)
    p_bar, Pi = _pi(L, el)
    p = p_bar.copy()
    D = np.zeros(n, dtype=bool)
    rounds = 0
    while True:
        value = e + Pi.T @ p - p_bar
        newD = D | (value < -1e-9 * np.maximum(1.0, p_bar))
        if rounds > 0 and (newD == D).all():
            return p, rounds
        D = newD
        rounds += 1
        N = ~D
        A = np.eye(D.sum()) - beta * Pi.T[np.ix_(D, D)]
        b = alpha * e[D] + beta * Pi.T[np.ix_(D, N)] @ p_bar[N]
        p = p_bar.copy()
        if D.any():
            p[D] = np.clip(np.linalg.solve(A, b), 0.0, p_bar[D])
        if rounds > n + 1:
            return p, rounds


def reference_picard(
    L: Array,
    e: Array,
    el: Array | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    tol: float = 1e-13,
    max_iter: int = 1_000_000,
) -> Array:
    """Greatest clearing vector by monotone fixed-point iteration from ``p_bar``."""
    L = np.asarray(L, dtype=float)
    e = np.asarray(e, dtype=float)
    el = np.zeros(L.shape[0]) if el is None else np.asarray(el, dtype=float)
    p_bar, Pi = _pi(L, el)
    p = p_bar.copy()
    for _ in range(max_iter):
        inflow = Pi.T @ p
        new = np.where(e + inflow >= p_bar, p_bar, np.maximum(0.0, alpha * e + beta * inflow))
        if np.max(np.abs(new - p), initial=0.0) <= tol:
            return new
        p = new
    return p


def reference_default_cascade(
    L: Array, e: Array, el: Array | None = None, recovery_rate: float = 0.0
) -> tuple[Array, Array, int]:
    """Threshold (Furfine) cascade: a defaulter pays ``recovery_rate`` of each debt.

    A node defaults when ``e + received - p_bar < 0``, received counting full payment from
    solvent nodes and ``recovery_rate`` of the debt from defaulted ones. Returns
    ``(payments, defaulted, rounds)``.
    """
    L = np.asarray(L, dtype=float)
    e = np.asarray(e, dtype=float)
    n = L.shape[0]
    el = np.zeros(n) if el is None else np.asarray(el, dtype=float)
    p_bar = L.sum(axis=1) + el
    D = np.zeros(n, dtype=bool)
    rounds = 0
    while True:
        paid = np.where(D, recovery_rate, 1.0)
        received = (L * paid[:, None]).sum(axis=0)
        newD = D | (e + received - p_bar < -1e-9 * np.maximum(1.0, p_bar))
        if (newD == D).all():
            return p_bar * paid, D, rounds
        D = newD
        rounds += 1


def reference_debtrank(
    L: Array,
    equity: Array,
    h0: Array,
    variant: str = "linear",
    edge_cap: bool = False,
    max_rounds: int = 100_000,
) -> Array:
    """DebtRank relative equity losses ``h`` (dense loops).

    Impact of borrower ``j`` on lender ``i``: ``W[j, i] = L[j, i] / equity[i]`` (capped at 1
    when ``edge_cap``). Linear (Bardoscia et al. 2015):
    ``h(t+1) = min(1, h(0) + W.T @ h(t))`` iterated to a fixed point. Single hit
    (Battiston et al. 2012): a node propagates its stress only in the round after it became
    distressed; ``h(t+1) = min(1, h(t) + W.T @ (h(t) - h(t-1)) restricted to distressed
    nodes)``, nodes that already propagated become inactive.
    """
    L = np.asarray(L, dtype=float)
    equity = np.asarray(equity, dtype=float)
    h0 = np.asarray(h0, dtype=float)
    n = L.shape[0]
    W = np.zeros((n, n))
    for j in range(n):
        for i in range(n):
            if L[j, i] > 0:
                W[j, i] = L[j, i] / equity[i]
    if edge_cap:
        W = np.minimum(W, 1.0)
    if variant == "linear":
        h = h0.copy()
        for _ in range(max_rounds):
            new = np.minimum(1.0, h0 + W.T @ h)
            if np.max(np.abs(new - h), initial=0.0) <= 1e-15:
                return np.asarray(new)
            h = new
        return h
    # single hit: distressed nodes pass on their whole h once, in the round after distress
    h = h0.copy()
    distressed = h > 0
    inactive = np.zeros(n, dtype=bool)
    for _ in range(max_rounds):
        if not distressed.any():
            break
        spread = np.zeros(n)
        for j in range(n):
            if distressed[j]:
                for i in range(n):
                    spread[i] += W[j, i] * h[j]
        h = np.minimum(1.0, h + spread)
        inactive |= distressed
        distressed = (h > 0) & ~inactive
    return h
