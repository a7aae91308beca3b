"""Linear-solve strategies and the inflow operator behind the clearing core.

``Pi.T @ p`` (:class:`Inflow`) and the per-round solve of the defaulted block
(:class:`Solver` subclasses) in the internal layout: nodes or edges x scenarios.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from circularity._typing import Array
from circularity.contagion._batched_lu import BatchedSparseLU
from circularity.contagion._sparse import csc_operator

__all__ = ["BatchedLUSolver", "Inflow", "Solver", "SuperLUSolver", "pick_solver", "symbolic_lu"]


_BATCHED_LU_MAX_N = 600
_BATCHED_LU_MAX_VALUES = 40_000_000  # fill-in entries x scenarios held at once
_DENSE_MAX_BLOCK = 64  # defaulted nodes solved as one dense k x k block
# average defaulted nodes per scenario above which BiCGSTAB (residual-checked, LU fallback)
# replaces SuperLU: on a loaded 2-core machine a 334-node block takes 12-29 ms to factor and
# 1.7 ms by BiCGSTAB to a residual of 2e-15; a 3,000-node power-law block 290 ms vs 10 ms
_DIRECT_MAX_BLOCK = 64


class Inflow:
    """``Pi.T @ p`` in the internal layout: ``pi`` ``(m, S)``, ``p`` ``(n, S)`` -> ``(n, S)``."""

    def __init__(self, payer: Array, payee: Array, n: int, S: int, pi_one: Array | None) -> None:
        self.payer, self.payee, self.n = payer, payee, n
        m = payer.shape[0]
        # one scenario: Pi.T as a CSC operator (O(m) to build from a debtor-sorted edge list)
        self.op = csc_operator(payee, payer, pi_one, n) if pi_one is not None else None
        self.base: Array | None = None
        self.p_ref: Array | None = None
        self.scatter = sp.csr_matrix((np.ones(m), (payee, np.arange(m))), shape=(n, m)) if S > 1 else None

    def set_reference(self, p_bar: Array) -> None:
        """One scenario: remember ``Pi.T p_bar`` so later calls cost O(edges of changed nodes)."""
        if self.op is not None:
            self.p_ref = np.ascontiguousarray(p_bar[:, 0])
            self.base = np.asarray(self.op @ self.p_ref, dtype=np.float64)

    def __call__(self, pi: Array, p: Array) -> Array:
        if self.op is not None:
            if self.base is not None and p.shape[1] == 1:
                # payments differ from p_bar only at defaulted nodes: correct the cached
                # Pi.T p_bar over their out-edges instead of a full pass over all m edges
                diff = self.p_ref - p[:, 0]
                nz = np.flatnonzero(diff)
                if nz.size * 4 < self.n:
                    start, stop = self.op.indptr[nz], self.op.indptr[nz + 1]
                    counts = stop - start
                    idx = np.repeat(start - np.cumsum(counts) + counts, counts)
                    idx += np.arange(idx.size)
                    w = self.op.data[idx] * np.repeat(diff[nz], counts)
                    corr = np.bincount(self.op.indices[idx], weights=w, minlength=self.n)
                    return (self.base - corr)[:, None]
            return np.asarray(self.op @ p[:, 0], dtype=np.float64)[:, None]
        if self.scatter is None or p.shape[1] == 1:
            flows1 = pi[:, 0] * p[:, 0][self.payer]
            out = np.bincount(self.payee, weights=flows1, minlength=self.n).astype(np.float64)
            return out[:, None]
        flows = pi * p[self.payer]
        return np.asarray(self.scatter @ flows, dtype=np.float64)


class Solver:
    def solve_round(
        self,
        inflow_op: Inflow,
        pi: Array,
        D: Array,
        paying_full: Array,
        e: Array,
        p_bar: Array,
        alpha: float,
        beta: float,
        x0: Array | None = None,
    ) -> tuple[Array, Array]:
        """Payments of the defaulted nodes given who pays in full; ``(x, singular)``."""
        inflow_fixed = inflow_op(pi, p_bar * paying_full)
        rhs = inflow_fixed
        rhs *= beta
        rhs += e if alpha == 1.0 else alpha * e
        rhs *= D
        return self.solve(pi, D, rhs, beta, x0)

    def solve(
        self, pi: Array, D: Array, rhs: Array, beta: float, x0: Array | None = None
    ) -> tuple[Array, Array]:
        """Solve ``(I - beta diag(D) Pi.T diag(D)) x = rhs`` per scenario; flag singular ones.

        Internal layout: ``pi`` ``(m, S)``, ``D`` and ``rhs`` ``(n, S)``.
        """
        raise NotImplementedError


class SuperLUSolver(Solver):
    """Stack the defaulted blocks of all scenarios into one block-diagonal sparse system."""

    def __init__(self, payer: Array, payee: Array, n: int) -> None:
        self.payer, self.payee, self.n = payer, payee, n
        sorted_ = payer.size == 0 or not (np.diff(payer) < 0).any()
        self.order = None if sorted_ else np.argsort(payer, kind="stable")
        self.indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(payer, minlength=n), out=self.indptr[1:])

    def _edges_of(self, nodes: Array) -> Array:
        """Indices of the edges whose payer is in ``nodes``, in O(those edges)."""
        start, stop = self.indptr[nodes], self.indptr[nodes + 1]
        counts = stop - start
        total = int(counts.sum())
        offsets = np.repeat(start - np.cumsum(counts) + counts, counts)
        idx = offsets + np.arange(total)
        return idx if self.order is None else self.order[idx]

    def solve(
        self, pi: Array, D: Array, rhs: Array, beta: float, x0: Array | None = None
    ) -> tuple[Array, Array]:
        n, S = D.shape
        x = np.zeros(n * S)
        flat = np.flatnonzero(D.ravel())  # index node * S + s
        k = flat.size
        if k == 0:
            return x.reshape(n, S), np.zeros(S, dtype=bool)
        local = np.cumsum(D.ravel(), dtype=np.int64) - 1  # position among defaulted nodes
        if S == 1:
            d = D[:, 0]
            cand = self._edges_of(flat)  # edges out of defaulted nodes only
            cand = cand[d[self.payee[cand]]]
            gi, gj, vals = self.payee[cand], self.payer[cand], pi[cand, 0]
        else:
            keep = D[self.payee] & D[self.payer]  # (m, S)
            e_idx, s_idx = np.nonzero(keep)
            gi = self.payee[e_idx] * S + s_idx
            gj = self.payer[e_idx] * S + s_idx
            vals = pi[e_idx, s_idx]
        b = rhs.ravel()[flat]
        if k <= _DENSE_MAX_BLOCK:  # a small block: SciPy's sparse set-up would dominate
            x[flat] = _dense_block_solve(local[gi], local[gj], -beta * vals, b, k)
            x2 = x.reshape(n, S)
            bad = ~np.isfinite(x2).all(axis=0)
            x2[~np.isfinite(x2)] = 0.0
            return x2, np.asarray(bad)
        li, lj = local[gi], local[gj]  # gi, gj are defaulted nodes: local >= 0
        M = sp.csr_matrix((beta * vals, (li, lj)), shape=(k, k))  # beta Pi.T_DD
        A = (sp.identity(k, format="csr") - M).tocsc()
        sol = None
        if k > _DIRECT_MAX_BLOCK * S:  # big blocks; many small stacked blocks factor cheaply
            guess = b.copy() if x0 is None else x0.ravel()[flat]  # last round's payments
            sol = _iterate(M, A, b, guess)
        if sol is None:
            try:
                with np.errstate(all="ignore"):
                    # symmetric fill-reducing order, no pivoting: I - beta Pi.T_DD is a column
                    # diagonally dominant M-matrix, so the diagonal is a stable pivot
                    lu = spla.splu(
                        A,
                        permc_spec="MMD_AT_PLUS_A",
                        diag_pivot_thresh=0.0,
                        options={"SymmetricMode": True},
                    )
                    sol = lu.solve(b)
            except RuntimeError:  # exactly singular
                sol = np.full(k, np.nan)
        x[flat] = sol
        x2 = x.reshape(n, S)
        bad = ~np.isfinite(x2).all(axis=0)
        x2[~np.isfinite(x2)] = 0.0
        return x2, np.asarray(bad)


def _dense_block_solve(rows: Array, cols: Array, vals: Array, b: Array, k: int) -> Array:
    """Solve a small ``k x k`` defaulted block densely (``k`` is at most a few hundred)."""
    A = np.eye(k)
    np.add.at(A, (rows, cols), vals)
    try:
        return np.asarray(np.linalg.solve(A, b))
    except np.linalg.LinAlgError:  # exactly singular: handled by the caller (Picard)
        return np.full(k, np.nan)


def _iterate(M: sp.csr_matrix, A: sp.csc_matrix, b: Array, x0: Array) -> Array | None:
    """Solve ``(I - M) x = b`` for a big default block to round-off, or ``None``.

    Large blocks of power-law networks fill in badly under LU (a 10,000-node block: 1.8 s a
    round). ``M = beta Pi.T_DD`` has column sums below 1, so the fixed-point iteration
    ``x <- b + M x``, warm-started from last round's payments, converges (11 sweeps, 20 ms on
    that block); BiCGSTAB is the second try. Either is accepted only when the residual
    ``max|b - (I - M) x|`` is at most 1e-12 of ``max|b|``; otherwise the caller uses LU.
    """
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    x = x0
    with np.errstate(all="ignore"):
        for _ in range(300):
            x_new = b + M @ x
            step = float(np.max(np.abs(x_new - x), initial=0.0))  # = the residual of x
            x = x_new
            if step <= 1e-15 * scale:
                break
        if float(np.max(np.abs(A @ x - b), initial=0.0)) <= 1e-12 * scale:
            return np.asarray(x)
        x, info = spla.bicgstab(A.tocsr(), b, x0=x0, rtol=0.0, atol=1e-14 * scale, maxiter=500)
    if info != 0 or not np.all(np.isfinite(x)):
        return None
    if float(np.max(np.abs(A @ x - b), initial=0.0)) > 1e-12 * scale:
        return None
    return np.asarray(x)


class BatchedLUSolver(Solver):
    """Shared sparse LU pattern; numeric factorisation vectorised over scenarios."""

    def __init__(self, payer: Array, payee: Array, n: int, lu: BatchedSparseLU | None = None) -> None:
        self.payer, self.payee = payer, payee
        self.lu = lu if lu is not None else BatchedSparseLU(rows=payee, cols=payer, n=n)

    def solve_round(
        self,
        inflow_op: Inflow,
        pi: Array,
        D: Array,
        paying_full: Array,
        e: Array,
        p_bar: Array,
        alpha: float,
        beta: float,
        x0: Array | None = None,
    ) -> tuple[Array, Array]:
        # One system over all nodes, so no separate inflow pass is needed: rows in D read
        # x_i - beta sum_j Pi_ji x_j = alpha e_i (every payer j), other rows x_i = p_bar_i
        # (Z rows: 0). Block triangular, so it is as well posed as I - beta Pi.T_DD.
        vals = pi * D[self.payee]
        vals *= -beta
        rhs = p_bar * paying_full
        rhs += (e if alpha == 1.0 else alpha * e) * D
        return self.lu.solve(vals, rhs)

    def solve(
        self, pi: Array, D: Array, rhs: Array, beta: float, x0: Array | None = None
    ) -> tuple[Array, Array]:
        vals = pi * (D[self.payee] & D[self.payer])
        vals *= -beta
        return self.lu.solve(vals, rhs)


def symbolic_lu(payer: Array, payee: Array, n: int) -> BatchedSparseLU | None:
    """The symbolic factorisation of a network's pattern for the batched solver, or None when
    the network is too large for it (the SuperLU path needs no preparation)."""
    return BatchedSparseLU(rows=payee, cols=payer, n=n) if n <= _BATCHED_LU_MAX_N else None


def pick_solver(payer: Array, payee: Array, n: int, S: int, lu: BatchedSparseLU | None = None) -> Solver:
    """The solver for ``S`` scenarios; ``lu`` is a prepared :func:`symbolic_lu` of the pattern."""
    if S > 1 and n <= _BATCHED_LU_MAX_N:
        batched = BatchedLUSolver(payer, payee, n, lu)
        if batched.lu.n_values * S <= _BATCHED_LU_MAX_VALUES:
            return batched
    return SuperLUSolver(payer, payee, n)
