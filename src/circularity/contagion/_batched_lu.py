"""Sparse LU with one symbolic pattern and a numeric phase vectorised over scenarios.

Used by the clearing core for many scenarios on one small network (the projection engine:
n ~ 40 entities, S ~ 10,000 scenarios). The matrix is ``I + V`` where ``V`` has the fixed
off-diagonal pattern ``(rows[e], cols[e])``; its values change per scenario. No pivoting: the
clearing matrices ``I - beta Pi.T_DD`` are column diagonally dominant M-matrices, for which
Gaussian elimination in any symmetric order is stable. Order: greedy minimum degree.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array

__all__ = ["BatchedSparseLU"]


_PIVOT_FLOOR = 1e-12


def _min_degree_order(n: int, pairs: set[tuple[int, int]]) -> list[int]:
    adj: list[set[int]] = [set() for _ in range(n)]
    for i, j in pairs:
        if i != j:
            adj[i].add(j)
            adj[j].add(i)
    alive = set(range(n))
    order: list[int] = []
    while alive:
        k = min(alive, key=lambda v: (len(adj[v]), v))
        nb = adj[k]
        for a in nb:
            adj[a].discard(k)
            adj[a] |= nb - {a}
        alive.remove(k)
        order.append(k)
        adj[k] = set()
    return order


class BatchedSparseLU:
    """Factor and solve ``(I + V_s) x_s = b_s`` for all scenarios ``s`` at once."""

    def __init__(self, *, rows: Array, cols: Array, n: int) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        self.n = n
        pairs = {(int(i), int(j)) for i, j in zip(rows.tolist(), cols.tolist(), strict=True)}
        order = _min_degree_order(n, pairs)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        # work in permuted indices: k-th pivot is node order[k]
        pos: dict[tuple[int, int], int] = {(k, k): k for k in range(n)}
        col_below: list[set[int]] = [set() for _ in range(n)]  # rows i > k with (i, k)
        row_right: list[set[int]] = [set() for _ in range(n)]  # cols j > k with (k, j)

        def add(i: int, j: int) -> None:
            if (i, j) in pos:
                return
            pos[(i, j)] = len(pos)
            if i > j:
                col_below[j].add(i)
            else:
                row_right[i].add(j)

        for i, j in pairs:
            add(int(rank[i]), int(rank[j]))
        self._steps_f: list[tuple[int, Array, Array, Array, Array, Array, Array]] = []
        self._steps_b: list[tuple[int, Array, Array]] = []
        for k in range(n):
            L = sorted(col_below[k])
            U = sorted(row_right[k])
            for i in L:
                for j in U:
                    add(i, j)
            if L:
                lpos = np.array([pos[(i, k)] for i in L], dtype=np.int64)
                upos = np.array([pos[(k, j)] for j in U], dtype=np.int64)
                upd = np.array([pos[(i, j)] for i in L for j in U], dtype=np.int64)
                li = np.repeat(np.arange(len(L)), len(U))
                uj = np.tile(np.arange(len(U)), len(L))
                self._steps_f.append((k, lpos, upos, upd, li, uj, np.array(L, dtype=np.int64)))
            if U:
                upos = np.array([pos[(k, j)] for j in U], dtype=np.int64)
                self._steps_b.append((k, upos, np.array(U, dtype=np.int64)))
        no_u = [k for k in range(n) if not row_right[k]]
        self._no_u = np.array(no_u, dtype=np.int64)
        self.n_values = len(pos)
        self._rank = rank
        self._order = np.asarray(order, dtype=np.int64)
        # scatter edge values into pattern slots (duplicates add up)
        slot = np.array([pos[(int(rank[i]), int(rank[j]))] for i, j in zip(rows, cols, strict=True)])
        m = rows.shape[0]
        self._scatter = (
            sp.csr_matrix((np.ones(m), (slot, np.arange(m))), shape=(self.n_values, m))
            if m
            else sp.csr_matrix((self.n_values, 0))
        )

    def solve(self, values: Array, rhs: Array) -> tuple[Array, Array]:
        """Solve for every scenario; ``values`` ``(m, S)`` on the edges, ``rhs`` ``(n, S)``.

        Returns ``x`` ``(n, S)`` and a boolean ``(S,)`` marking scenarios whose matrix was
        (numerically) singular; their ``x`` is meaningless.
        """
        S = rhs.shape[1]
        V = np.asarray(self._scatter @ values)  # (nv, S)
        V[: self.n] += 1.0
        bad = np.zeros(S, dtype=bool)
        for k, lpos, upos, upd, li, uj, _ in self._steps_f:
            piv = V[k]
            small = np.abs(piv) < _PIVOT_FLOOR
            if small.any():
                bad |= small
                piv[small] = 1.0
            lv = V[lpos] / piv
            V[lpos] = lv
            if upd.size:
                V[upd] -= lv[li] * V[upos][uj]
        diag = V[: self.n]
        small = np.abs(diag) < _PIVOT_FLOOR
        if small.any():
            bad |= small.any(axis=0)
            diag[small] = 1.0
        y = rhs[self._order]  # permuted, (n, S)
        for k, lpos, _, _, _, _, L in self._steps_f:
            y[L] -= V[lpos] * y[k]
        if self._no_u.size:
            y[self._no_u] /= diag[self._no_u]
        for k, upos, U in reversed(self._steps_b):
            y[k] = (y[k] - np.einsum("ks,ks->s", V[upos], y[U])) / diag[k]
        return y[self._rank], bad
