"""The shared clearing core: greatest clearing vectors for many scenarios at once.

One implementation serves every caller: :func:`eisenberg_noe`, :func:`rogers_veraart`, the
file-driven CLI and the quarterly projection engine (thousands of scenarios per quarter).

Conventions (exact)
-------------------
* Obligations are an edge list: edge ``e`` says node ``payer[e]`` owes node ``payee[e]`` the
  amount ``amount[..., e]`` (``amount`` is ``(m,)`` or ``(S, m)``; the structure is shared).
* ``p_bar[i] = sum(amount[e] for payer[e] == i) + external_liabilities[i]`` is what ``i`` owes in
  total; ``Pi[i, j] = L[i, j] / p_bar[i]`` (0 where ``p_bar[i] == 0``). Outside creditors are
  paid pro rata with network creditors, so ``i`` pays ``Pi[i, j] * p[i]`` to ``j``.
* ``payments`` are totals (to network and outside creditors); edge ``e`` is paid
  ``amount[e] * p[payer[e]] / p_bar[payer[e]]`` (:attr:`ClearingResult.edge_payments`).
* Clearing (Rogers & Veraart 2013; ``alpha = beta = 1`` is Eisenberg & Noe 2001)::

      p[i] = p_bar[i]                                   if e[i] + (Pi.T @ p)[i] >= p_bar[i]
      p[i] = max(0, alpha * e[i] + beta * (Pi.T @ p)[i])  otherwise

  The result is the *greatest* clearing vector, found by the fictitious-default / greatest
  clearing vector algorithm: start from ``p = p_bar``; the default set grows each round; the
  defaulted block is solved exactly, ``(I - beta Pi.T_DD) p_D = alpha e_D + beta Pi.T_DN p_N``.
  At most ``n`` rounds.
* ``net_worth = e + Pi.T @ p - p_bar`` (negative for a defaulted node: its shortfall).
* ``defaulted[i]`` is ``p[i] < p_bar[i]``: ``i`` is in the final default set.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from circularity.contagion._batched_lu import BatchedSparseLU
from circularity.contagion._sparse import as_index, csc_operator
from circularity.errors import ClearingError

__all__ = ["ClearingResult", "clear_payments"]

Array = np.ndarray[Any, Any]

_BATCHED_LU_MAX_N = 600
_BATCHED_LU_MAX_VALUES = 40_000_000  # fill-in entries x scenarios held at once
_DENSE_MAX_BLOCK = 200  # defaulted nodes solved as a dense k x k block (k^2 <= 40k entries)
_DIRECT_MAX_BLOCK = 1_500  # defaulted nodes (all scenarios) solved by SuperLU; above, Krylov


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearingResult:
    """Greatest clearing vector(s).

    Arrays are ``(n,)`` for a single scenario or ``(S, n)`` when a scenario axis was given.

    Attributes
    ----------
    payments : total payment of each node (network and outside creditors).
    defaulted : ``payments < obligations``.
    net_worth : ``external_assets + received - obligations``.
    obligations : ``p_bar``, total owed by each node.
    received : payments received from the network, ``Pi.T @ p``.
    rounds : fictitious-default rounds used (the largest over scenarios).
    history : payments after each round, ``(rounds, ...)``, when asked for.
    """

    payments: Array
    defaulted: Array
    net_worth: Array
    obligations: Array
    received: Array
    rounds: int
    history: Array | None = None
    payer: Array = field(repr=False)
    amount: Array = field(repr=False)

    def to_frame(self, ids: Any = None) -> Any:
        """A pandas DataFrame, one row per node (and scenario when batched).

        Columns: ``payment``, ``obligation``, ``received``, ``net_worth``, ``defaulted``.
        """
        import pandas as pd

        cols = {
            "payment": self.payments,
            "obligation": self.obligations,
            "received": self.received,
            "net_worth": self.net_worth,
            "defaulted": self.defaulted,
        }
        if self.payments.ndim == 1:
            index = pd.Index(range(self.payments.shape[0]) if ids is None else list(ids), name="node")
            return pd.DataFrame(cols, index=index)
        S, n = self.payments.shape
        nodes = list(range(n)) if ids is None else list(ids)
        index = pd.MultiIndex.from_product([range(S), nodes], names=["scenario", "node"])
        return pd.DataFrame({k: np.asarray(v).ravel() for k, v in cols.items()}, index=index)

    @property
    def ratio(self) -> Array:
        """Share of its obligations each node pays, ``p / p_bar`` (1 where ``p_bar == 0``)."""
        ob = self.obligations
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(ob > 0, self.payments / np.where(ob > 0, ob, 1.0), 1.0)

    @property
    def edge_payments(self) -> Array:
        """Payment on each edge, shaped like ``amount``: ``amount[e] * ratio[payer[e]]``."""
        r = self.ratio
        return np.asarray(self.amount * r[..., self.payer])


def _as_2d(x: Array | None, n: int, S: int, name: str) -> Array:
    if x is None:
        return np.zeros((S, n))
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 1:
        a = a[None, :]
    if a.ndim != 2 or a.shape[1] != n or a.shape[0] not in (1, S):
        raise ValueError(f"{name} has shape {np.shape(x)}; expected ({n},) or ({S}, {n})")
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name} has non-finite values; give finite numbers")
    return np.broadcast_to(a, (S, n))


def clear_payments(
    payer: Array,
    payee: Array,
    amount: Array,
    external_assets: Array,
    external_liabilities: Array | None = None,
    *,
    n: int,
    alpha: float = 1.0,
    beta: float = 1.0,
    tol: float = 1e-9,
    history: bool = False,
    check_edges: bool = True,
) -> ClearingResult:
    """Greatest clearing vector for one or many scenarios on one obligation structure.

    Parameters
    ----------
    payer, payee : int arrays ``(m,)``
        Edge ``e``: ``payer[e]`` owes ``payee[e]``. Duplicate pairs add up.
    amount : ``(m,)`` or ``(S, m)``
        Nominal obligation on each edge, per scenario; non-negative.
    external_assets : ``(n,)`` or ``(S, n)``
        Outside assets ``e`` (cash, outside receivables).
    external_liabilities : ``(n,)`` or ``(S, n)``, optional
        Debts to outside creditors, paid pro rata with network debts.
    n : int
        Number of nodes.
    alpha, beta : float in (0, 1]
        Rogers–Veraart recovery on outside assets and on interbank receipts of a defaulted node;
        ``1, 1`` is Eisenberg–Noe.
    tol : float
        A node defaults when its shortfall exceeds ``tol * max(1, p_bar)`` (guards round-off).
    history : bool
        Keep the payments after each round.
    check_edges : bool
        Validate indices and amounts (one pass each); ``False`` only for an edge list that
        is already validated (as :func:`eisenberg_noe` does for its matrix).

    Returns
    -------
    ClearingResult
        ``payments`` etc. shaped ``(n,)`` or ``(S, n)`` (``S`` from any batched input).

    Raises
    ------
    ValueError
        Shapes disagree, amounts negative or non-finite, alpha/beta outside (0, 1].
    ClearingError
        The singular-system fallback did not converge (not seen in practice).

    Notes
    -----
    Fictitious default (Eisenberg & Noe 2001, Rogers & Veraart 2013): ``D_0 = {}``,
    ``p = p_bar``; each round adds the nodes with ``e + Pi.T p < p_bar`` to ``D`` and solves
    the defaulted block exactly. Batched small networks use one sparse LU pattern shared by all
    scenarios, with the numeric phase vectorised over scenarios; large ones a SciPy SuperLU solve
    of the (block-diagonal) defaulted block. A closed default cycle with nothing coming in makes
    the block singular; those scenarios finish by monotone Picard iteration from above, which
    converges to the greatest clearing vector.

    Examples
    --------
    >>> r = clear_payments([0, 1], [1, 0], [2.0, 1.0], [0.5, 0.0], n=2)
    >>> r.payments.round(6).tolist()
    [1.5, 1.0]
    """
    payer = as_index(payer)
    payee = as_index(payee)
    amt = np.asarray(amount, dtype=np.float64)
    m = payer.shape[0]
    if payer.ndim != 1 or payee.shape != payer.shape:
        raise ValueError("payer and payee must be 1-d arrays of the same length")
    if check_edges and m and (payer.min() < 0 or payee.min() < 0 or payer.max() >= n or payee.max() >= n):
        raise ValueError(f"payer/payee indices must lie in [0, {n})")
    if amt.shape[-1:] != (m,) or amt.ndim not in (1, 2):
        raise ValueError(f"amount has shape {amt.shape}; expected ({m},) or (S, {m})")
    if check_edges and (not np.all(np.isfinite(amt)) or (amt < 0).any()):
        raise ValueError("amount must be finite and non-negative")
    if not (0.0 < alpha <= 1.0 and 0.0 < beta <= 1.0):
        raise ValueError(f"alpha={alpha}, beta={beta}: both must lie in (0, 1]")
    shapes = [np.shape(amount), np.shape(external_assets), np.shape(external_liabilities)]
    batched = any(len(s) == 2 for s in shapes)
    S = max([s[0] for s in shapes if len(s) == 2], default=1)

    A2 = amt[None, :] if amt.ndim == 1 else amt
    if A2.shape[0] not in (1, S):
        raise ValueError(f"amount has {A2.shape[0]} scenarios; others have {S}")
    e = _as_2d(external_assets, n, S, "external_assets")
    el = _as_2d(external_liabilities, n, S, "external_liabilities")
    if (el < 0).any():
        raise ValueError("external_liabilities must be non-negative")

    # p_bar and Pi per scenario (A2 may have 1 row: structure and amounts shared).
    if A2.shape[0] == 1:
        owed = np.bincount(payer, weights=A2[0], minlength=n)[None, :]
    else:
        by_payer = sp.csr_matrix((np.ones(m), (payer, np.arange(m))), shape=(n, m))
        owed = np.asarray(by_payer @ A2.T).T  # (S, n)
    p_bar = owed + el
    safe = np.where(p_bar > 0, p_bar, 1.0)
    pi_e = np.broadcast_to(A2 / safe[:, payer], (S, m))

    inflow_op = _Inflow(payer, payee, n, S, pi_e[0] if S == 1 else None)
    solver = _pick_solver(payer, payee, n, S)
    pi_t = np.ascontiguousarray(pi_e.T)  # (m, S): internal layout is nodes/edges x scenarios
    e_t = np.ascontiguousarray(e.T)
    pb_t = np.ascontiguousarray(p_bar.T)
    p_t, rounds, hist = _fictitious_default(inflow_op, pi_t, e_t, pb_t, alpha, beta, tol, solver, history)
    received_t = inflow_op(pi_t, p_t)
    p, received = p_t.T, received_t.T
    net = e + received - p_bar
    defaulted = p < p_bar * (1.0 - 1e-12)
    if not batched:
        p, net, p_bar_out, received, defaulted = p[0], net[0], p_bar[0], received[0], defaulted[0]
        hist_out = None if hist is None else hist[:, :, 0]
    else:
        p_bar_out = p_bar  # a fresh array (owed + el), safe to hand out
        hist_out = None if hist is None else hist.transpose(0, 2, 1)
    return ClearingResult(
        payments=np.ascontiguousarray(p),
        defaulted=defaulted,
        net_worth=net,
        obligations=p_bar_out,
        received=received,
        rounds=rounds,
        history=hist_out,
        payer=payer,
        amount=amt,
    )


class _Inflow:
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


def _phi(inflow_op: _Inflow, p: Array, pi: Array, e: Array, p_bar: Array, a: float, b: float) -> Array:
    inflow = inflow_op(pi, p)
    solvent = e + inflow >= p_bar
    return np.where(solvent, p_bar, np.maximum(0.0, a * e + b * inflow))


def _fictitious_default(
    inflow_op: _Inflow,
    pi: Array,
    e: Array,
    p_bar: Array,
    alpha: float,
    beta: float,
    tol: float,
    solver: _Solver,
    keep_history: bool,
) -> tuple[Array, int, Array | None]:
    """FDA / GA rounds in the internal layout (arrays ``(n, S)``, ``pi`` ``(m, S)``)."""
    n, S = e.shape
    inflow_op.set_reference(p_bar)
    p = p_bar.copy()
    D = np.zeros((n, S), dtype=bool)  # defaulted, paying from the solve
    Z = np.zeros((n, S), dtype=bool)  # defaulted, paying nothing (negative assets)
    can_zero = bool((e < 0).any())
    slack = tol * np.maximum(1.0, p_bar)
    active: Array | None = None  # None: all scenarios
    hist: list[Array] = []
    rounds = 0
    singular = np.zeros(S, dtype=bool)
    pa, pia, ea, pba, sla, Da, Za = p, pi, e, p_bar, slack, D, Z
    while rounds <= n + 1:
        inflow = inflow_op(pia, pa)
        newD = Da | ((ea + inflow) - pba < -sla)
        if can_zero:
            newZ = Za | (newD & (ea + inflow <= 0) & (alpha * ea + beta * inflow <= 0))
            newD &= ~newZ
            changed = ((newD != Da) | (newZ != Za)).any(axis=0)
        else:
            newZ = Za
            changed = (newD != Da).any(axis=0)
        if not changed.all():
            keep = np.flatnonzero(changed)
            if keep.size == 0:
                break
            active = keep if active is None else active[keep]
            newD, newZ, pia, ea, pba, sla = (
                newD[:, keep],
                newZ[:, keep],
                pia[:, keep],
                ea[:, keep],
                pba[:, keep],
                sla[:, keep],
            )
        rounds += 1
        paying_full = ~(newD | newZ)
        x, bad = solver.solve_round(inflow_op, pia, newD, paying_full, ea, pba, alpha, beta)
        # a solve above p_bar cannot happen in exact arithmetic: treat it as a (near-)singular
        # block and let the monotone iteration finish that scenario
        bad = bad | (x > pba * (1.0 + 1e-8) + 1e-12).any(axis=0)
        # clip to [0, p_bar]; nodes paying in full get exactly p_bar, Z nodes exactly 0
        np.minimum(x, pba, out=x)
        np.maximum(x, 0.0, out=x)
        np.copyto(x, pba, where=paying_full)
        if can_zero:
            x[newZ] = 0.0
        if bad.any():
            x[:, bad] = (p if active is None else p[:, active])[:, bad]
            singular[bad if active is None else active[bad]] = True
        if active is None:
            p, D, Z = x, newD, newZ
        else:
            p[:, active], D[:, active], Z[:, active] = x, newD, newZ
        pa, Da, Za = x, newD, newZ
        if keep_history:
            hist.append(p.copy())
    if singular.any():
        p = _picard_finish(p, singular, inflow_op, pi, e, p_bar, alpha, beta, tol)
    h = (np.stack(hist) if hist else np.empty((0, n, S))) if keep_history else None
    return p, rounds, h


def _picard_finish(
    p: Array,
    cols: Array,
    inflow_op: _Inflow,
    pi: Array,
    e: Array,
    p_bar: Array,
    alpha: float,
    beta: float,
    tol: float,
) -> Array:
    """Monotone iteration from above on scenarios whose defaulted block was singular."""
    idx = np.flatnonzero(cols)
    q = p[:, idx]
    args = (pi[:, idx], e[:, idx], p_bar[:, idx], alpha, beta)
    scale = max(1.0, float(np.max(p_bar[:, idx], initial=1.0)))
    change = np.inf
    it = 0
    while it < 200_000:
        it += 1
        q_new = np.minimum(q, _phi(inflow_op, q, *args))
        change = float(np.max(np.abs(q_new - q), initial=0.0))
        q = q_new
        if change <= tol * 1e-3 * scale:
            out = p.copy()
            out[:, idx] = q
            return out
    raise ClearingError("Picard iteration on a singular default block did not converge", it, change)


class _Solver:
    def solve_round(
        self,
        inflow_op: _Inflow,
        pi: Array,
        D: Array,
        paying_full: Array,
        e: Array,
        p_bar: Array,
        alpha: float,
        beta: float,
    ) -> tuple[Array, Array]:
        """Payments of the defaulted nodes given who pays in full; ``(x, singular)``."""
        inflow_fixed = inflow_op(pi, p_bar * paying_full)
        rhs = inflow_fixed
        rhs *= beta
        rhs += e if alpha == 1.0 else alpha * e
        rhs *= D
        return self.solve(pi, D, rhs, beta)

    def solve(self, pi: Array, D: Array, rhs: Array, beta: float) -> tuple[Array, Array]:
        """Solve ``(I - beta diag(D) Pi.T diag(D)) x = rhs`` per scenario; flag singular ones.

        Internal layout: ``pi`` ``(m, S)``, ``D`` and ``rhs`` ``(n, S)``.
        """
        raise NotImplementedError


class _SuperLUSolver(_Solver):
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

    def solve(self, pi: Array, D: Array, rhs: Array, beta: float) -> tuple[Array, Array]:
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
            return x2, bad
        rows = np.concatenate([local[gi], np.arange(k)])  # gi, gj are defaulted: local >= 0
        cols = np.concatenate([local[gj], np.arange(k)])
        data = np.concatenate([-beta * vals, np.ones(k)])
        A = sp.csc_matrix((data, (rows, cols)), shape=(k, k))
        # Krylov only for big blocks: stacked small blocks of many scenarios factor cheaply
        sol = _krylov(A, b) if k > _DIRECT_MAX_BLOCK * S else None
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
        return x2, bad


def _dense_block_solve(rows: Array, cols: Array, vals: Array, b: Array, k: int) -> Array:
    """Solve a small ``k x k`` defaulted block densely (``k`` is at most a few hundred)."""
    A = np.eye(k)
    np.add.at(A, (rows, cols), vals)
    try:
        return np.asarray(np.linalg.solve(A, b))
    except np.linalg.LinAlgError:  # exactly singular: handled by the caller (Picard)
        return np.full(k, np.nan)


def _krylov(A: sp.csc_matrix, b: Array) -> Array | None:
    """BiCGSTAB to round-off on a large default block; ``None`` when it does not get there.

    Large blocks of power-law networks fill in badly under LU (a 3,000-node block: 13k
    non-zeros become 145k, 0.3 s a round); the Krylov solve reaches the same residual as LU
    (about 1e-14) in milliseconds. The residual is checked, and LU is used when it is not met.
    """
    scale = max(1.0, float(np.max(np.abs(b), initial=0.0)))
    with np.errstate(all="ignore"):
        x, info = spla.bicgstab(A.tocsr(), b, rtol=1e-15, atol=1e-14 * scale, maxiter=2_000)
    if info != 0 or not np.all(np.isfinite(x)):
        return None
    if float(np.max(np.abs(A @ x - b), initial=0.0)) > 1e-12 * scale:
        return None
    return np.asarray(x)


class _BatchedLUSolver(_Solver):
    """Shared sparse LU pattern; numeric factorisation vectorised over scenarios."""

    def __init__(self, payer: Array, payee: Array, n: int) -> None:
        self.payer, self.payee = payer, payee
        self.lu = BatchedSparseLU(rows=payee, cols=payer, n=n)

    def solve_round(
        self,
        inflow_op: _Inflow,
        pi: Array,
        D: Array,
        paying_full: Array,
        e: Array,
        p_bar: Array,
        alpha: float,
        beta: float,
    ) -> tuple[Array, Array]:
        # One system over all nodes, so no separate inflow pass is needed: rows in D read
        # x_i - beta sum_j Pi_ji x_j = alpha e_i (every payer j), other rows x_i = p_bar_i
        # (Z rows: 0). Block triangular, so it is as well posed as I - beta Pi.T_DD.
        vals = pi * D[self.payee]
        vals *= -beta
        rhs = p_bar * paying_full
        rhs += (e if alpha == 1.0 else alpha * e) * D
        return self.lu.solve(vals, rhs)

    def solve(self, pi: Array, D: Array, rhs: Array, beta: float) -> tuple[Array, Array]:
        vals = pi * (D[self.payee] & D[self.payer])
        vals *= -beta
        return self.lu.solve(vals, rhs)


def _pick_solver(payer: Array, payee: Array, n: int, S: int) -> _Solver:
    if S > 1 and n <= _BATCHED_LU_MAX_N:
        lu = _BatchedLUSolver(payer, payee, n)
        if lu.lu.n_values * S <= _BATCHED_LU_MAX_VALUES:
            return lu
    return _SuperLUSolver(payer, payee, n)
