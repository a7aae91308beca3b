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

from circularity._typing import Array
from circularity.contagion import _solvers
from circularity.contagion._batched_lu import BatchedSparseLU
from circularity.contagion._solvers import Inflow, Solver
from circularity.contagion._sparse import as_index
from circularity.errors import ClearingError, OptionError

__all__ = ["ClearingPattern", "ClearingResult", "clear_payments", "prepare_clearing"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ClearingPattern:
    """An obligation structure prepared for clearing many times (:func:`prepare_clearing`).

    Holds the symbolic LU factorisation of the pattern, which costs more than a batched solve on a
    small network; a projection clears one web every quarter, and a server one web per request.
    The caller keeps it (the session caches it with the web); the clearing core keeps nothing.
    """

    payer: Array
    payee: Array
    n: int
    lu: BatchedSparseLU | None
    by_payer: Any = None  # (n, m) sparse: the edges summed by payer (what each node owes)

    def matches(self, payer: Array, payee: Array, n: int) -> bool:
        return (
            n == self.n
            and payer.shape == self.payer.shape
            and bool(np.array_equal(payer, self.payer))
            and bool(np.array_equal(payee, self.payee))
        )


def prepare_clearing(payer: Array, payee: Array, n: int) -> ClearingPattern:
    """Prepare the pattern ``payer[e] owes payee[e]`` on ``n`` nodes for repeated clearing.

    Examples
    --------
    >>> pattern = prepare_clearing([0, 1], [1, 0], n=2)
    >>> clear_payments([0, 1], [1, 0], [[2.0, 1.0]] * 2, [0.5, 0.0], n=2, pattern=pattern).payments
    array([[1.5, 1. ],
           [1.5, 1. ]])
    """
    payer, payee = as_index(payer), as_index(payee)
    return ClearingPattern(
        payer=payer, payee=payee, n=n, lu=_solvers.symbolic_lu(payer, payee, n), by_payer=_by_payer(payer, n)
    )


def _by_payer(payer: Array, n: int) -> Any:
    """``(n, m)`` sparse 0/1: an edge vector times it sums the edges by payer (what each owes)."""
    m = payer.shape[0]
    return sp.csr_matrix((np.ones(m), (payer, np.arange(m))), shape=(n, m))


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
        raise OptionError(f"{name} has shape {np.shape(x)}; expected ({n},) or ({S}, {n})")
    if not np.all(np.isfinite(a)):
        raise OptionError(f"{name} has non-finite values; give finite numbers")
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
    pattern: ClearingPattern | None = None,
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
    pattern : ClearingPattern, optional
        The same ``payer``, ``payee`` and ``n`` prepared by :func:`prepare_clearing`, when the
        caller clears this structure many times (the result is identical; it skips the
        symbolic factorisation).

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
        raise OptionError("payer and payee must be 1-d arrays of the same length")
    if check_edges and m and (payer.min() < 0 or payee.min() < 0 or payer.max() >= n or payee.max() >= n):
        raise OptionError(f"payer/payee indices must lie in [0, {n})")
    if amt.shape[-1:] != (m,) or amt.ndim not in (1, 2):
        raise OptionError(f"amount has shape {amt.shape}; expected ({m},) or (S, {m})")
    if check_edges and (not np.all(np.isfinite(amt)) or (amt < 0).any()):
        raise OptionError("amount must be finite and non-negative")
    if not (0.0 < alpha <= 1.0 and 0.0 < beta <= 1.0):
        raise OptionError(f"alpha={alpha}, beta={beta}: both must lie in (0, 1]")
    shapes = [
        np.shape(amount),
        np.shape(external_assets),
        () if external_liabilities is None else np.shape(external_liabilities),
    ]
    batched = any(len(s) == 2 for s in shapes)
    S = max([s[0] for s in shapes if len(s) == 2], default=1)

    A2 = amt[None, :] if amt.ndim == 1 else amt
    if A2.shape[0] not in (1, S):
        raise OptionError(f"amount has {A2.shape[0]} scenarios; others have {S}")
    e = _as_2d(external_assets, n, S, "external_assets")
    el = _as_2d(external_liabilities, n, S, "external_liabilities")
    if (el < 0).any():
        raise OptionError("external_liabilities must be non-negative")

    if pattern is not None and not pattern.matches(payer, payee, n):
        raise OptionError("pattern was prepared for other edges; prepare_clearing(payer, payee, n)")
    # p_bar and Pi per scenario (A2 may have 1 row: structure and amounts shared).
    if A2.shape[0] == 1:
        owed = np.bincount(payer, weights=A2[0], minlength=n)[None, :]
    else:
        by_payer = (
            pattern.by_payer if pattern is not None and pattern.by_payer is not None else _by_payer(payer, n)
        )
        owed = np.asarray(by_payer @ A2.T).T  # (S, n)
    p_bar = owed + el
    safe = np.where(p_bar > 0, p_bar, 1.0)
    pi_e = np.broadcast_to(A2 / safe[:, payer], (S, m))

    inflow_op = Inflow(payer, payee, n, S, pi_e[0] if S == 1 else None)
    solver = _solvers.pick_solver(payer, payee, n, S, None if pattern is None else pattern.lu)
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


def _phi(inflow_op: Inflow, p: Array, pi: Array, e: Array, p_bar: Array, a: float, b: float) -> Array:
    inflow = inflow_op(pi, p)
    solvent = e + inflow >= p_bar
    return np.where(solvent, p_bar, np.maximum(0.0, a * e + b * inflow))


def _fictitious_default(
    inflow_op: Inflow,
    pi: Array,
    e: Array,
    p_bar: Array,
    alpha: float,
    beta: float,
    tol: float,
    solver: Solver,
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
            newD, newZ, pia, ea, pba, sla, pa = (
                newD[:, keep],
                newZ[:, keep],
                pia[:, keep],
                ea[:, keep],
                pba[:, keep],
                sla[:, keep],
                pa[:, keep],
            )
        rounds += 1
        paying_full = ~(newD | newZ)
        x, bad = solver.solve_round(inflow_op, pia, newD, paying_full, ea, pba, alpha, beta, x0=pa)
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
    inflow_op: Inflow,
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
