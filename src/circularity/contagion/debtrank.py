"""DebtRank: single hit (Battiston et al. 2012) and linear (Bardoscia et al. 2015)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array
from circularity.contagion._sparse import as_edges, as_vector, csc_matvec_sparse, csc_operator
from circularity.errors import ConvergenceError, NetworkError, OptionError, unknown_option

__all__ = ["DebtRankResult", "debtrank", "impact_matrix"]

_DEFAULT_AT = 1.0 - 1e-12


@dataclass(frozen=True, slots=True, kw_only=True)
class DebtRankResult:
    """DebtRank outcome; per-node arrays ``(n,)`` or ``(S, n)``, summaries scalar or ``(S,)``.

    Attributes
    ----------
    h : relative equity loss in [0, 1] at the end.
    stress : the same before the cap at 1 (``h0 + W.T h`` for linear; cumulative for single hit).
    h0 : the initial relative loss.
    original_stress, additional_stress : ``sum(w * h0)``, ``sum(w * (h - h0))``, weights sum to 1.
    original_losses, additional_losses : ``sum(equity * h0)``, ``sum(equity * (h - h0))``.
    additional_defaults : nodes with ``h >= 1`` that started below 1.
    rounds : propagation rounds (the largest over scenarios).
    history : ``h`` after each round, when asked for.
    """

    variant: str
    h: Array
    stress: Array
    h0: Array
    original_stress: Any
    additional_stress: Any
    original_losses: Any
    additional_losses: Any
    additional_defaults: Any
    rounds: int
    history: Array | None = None

    def to_frame(self, ids: Any = None) -> Any:
        """A pandas DataFrame with ``h0``, ``h``, ``stress`` per node (and scenario)."""
        import pandas as pd

        cols = {"h0": self.h0, "h": self.h, "stress": self.stress}
        if self.h.ndim == 1:
            idx = pd.Index(range(self.h.shape[0]) if ids is None else list(ids), name="node")
            return pd.DataFrame(cols, index=idx)
        S, n = self.h.shape
        nodes = list(range(n)) if ids is None else list(ids)
        idx = pd.MultiIndex.from_product([range(S), nodes], names=["scenario", "node"])
        return pd.DataFrame({k: v.ravel() for k, v in cols.items()}, index=idx)


def impact_matrix(L: Any, equity: Any, *, edge_cap: bool = False) -> sp.csc_matrix:
    """Sparse ``M`` with ``M[i, j] = L[j, i] / equity[i]``: impact on lender ``i`` of borrower ``j``.

    Raises :class:`~circularity.errors.NetworkError` when a lender has equity <= 0.
    """
    debtor, creditor, amount, n = as_edges(L)
    eq = as_vector(equity, n, "equity", batched=False)
    bad = np.unique(creditor[eq[creditor] <= 0])
    if bad.size:
        shown = ", ".join(f"node {int(i)} (equity {eq[i]:g})" for i in bad[:5])
        raise NetworkError(
            f"DebtRank divides each exposure by the lender's equity, so every lender needs "
            f"equity > 0; got {shown}{' ...' if bad.size > 5 else ''}. Give positive equity, or "
            f"start such a node as defaulted with initial_relative_loss = 1 and equity > 0."
        )
    with np.errstate(over="ignore"):
        vals = amount / eq[creditor]
    if edge_cap:
        vals = np.minimum(vals, 1.0)  # an overflowing ratio is capped like any ratio over 1
    elif not np.all(np.isfinite(vals)):
        over = np.unique(creditor[~np.isfinite(vals)])
        shown = ", ".join(f"node {int(i)} (equity {eq[i]:g})" for i in over[:5])
        raise NetworkError(
            "DebtRank divides each exposure by the lender's equity, and for "
            f"{shown}{' ...' if over.size > 5 else ''} the ratio passes the largest float; "
            "give equity in the amounts' unit, or cap each impact at 1 (edge_cap)"
        )
    return csc_operator(creditor, debtor, vals, n)


def debtrank(
    L: Any,
    equity: Any,
    initial_relative_loss: Any,
    variant: Literal["linear", "single_hit"] = "linear",
    weights: Any = None,
    edge_cap: bool = False,
    *,
    tol: float = 1e-14,
    max_rounds: int = 100_000,
    history: bool = False,
) -> DebtRankResult:
    """DebtRank relative equity losses after a shock.

    Parameters
    ----------
    L : (n, n) array or scipy.sparse matrix
        ``L[i, j]`` is what ``i`` owes ``j``; lender ``i``'s exposure to borrower ``j`` is
        ``L[j, i]`` and its impact ``W[j, i] = L[j, i] / equity[i]``.
    equity : (n,)
        Equity (capital buffer) of each node; > 0 for every lender.
    initial_relative_loss : (n,) or (S, n)
        ``h0`` in [0, 1]; a 2-d array runs ``S`` scenarios at once.
    variant : "linear" or "single_hit"
        Linear: ``h = min(1, h0 + W.T h)`` iterated to its fixed point (Bardoscia et al. 2015).
        Single hit: a node passes on its stress only in the round after it became distressed
        (Battiston et al. 2012).
    weights : (n,), optional
        Economic weight of each node (default 1 each); normalised to sum to 1.
    edge_cap : bool
        Cap each impact ``W[j, i]`` at 1 (Battiston et al. 2012's ``min(1, A_ij / E_i)``).
    tol : float
        Linear variant stops when no ``h`` moves by more than ``tol``.
    max_rounds : int
        Raise :class:`~circularity.errors.ConvergenceError` beyond this many rounds.
    history : bool
        Keep ``h`` after each round.

    Returns
    -------
    DebtRankResult

    References
    ----------
    Battiston, S., Puliga, M., Kaushik, R., Tasca, P. and Caldarelli, G. (2012). DebtRank:
    too central to fail? Scientific Reports 2, 541.
    Bardoscia, M., Battiston, S., Caccioli, F. and Caldarelli, G. (2015). DebtRank: a
    microscopic foundation for shock propagation. PLoS ONE 10(6), e0130406.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0.0, 1.0], [0.0, 0.0]])  # 0 owes 1 one unit; 1 has equity 2
    >>> debtrank(L, [1.0, 2.0], [1.0, 0.0]).h.tolist()
    [1.0, 0.5]
    """
    if variant not in ("linear", "single_hit"):
        raise unknown_option("variant", variant, ("linear", "single_hit"))
    M = impact_matrix(L, equity, edge_cap=edge_cap)
    n = M.shape[0]
    eq = as_vector(equity, n, "equity", batched=False)
    h0 = as_vector(initial_relative_loss, n, "initial_relative_loss")
    if (h0 < 0).any() or (h0 > 1).any():
        raise OptionError("initial_relative_loss must lie in [0, 1]")
    w = as_vector(weights, n, "weights", default=1.0, batched=False)
    if (w < 0).any() or w.sum() <= 0:
        raise OptionError("weights must be >= 0 with a positive sum")
    w = w / w.sum()
    batched = h0.ndim == 2
    H0 = np.ascontiguousarray(np.atleast_2d(h0).T)  # (n, S)
    if variant == "linear":
        h, stress, rounds, hist = _linear(M, H0, tol, max_rounds, history)
    else:
        h, stress, rounds, hist = _single_hit(M, H0, max_rounds, history)
    dh = h - H0
    orig_s, add_s = w @ H0, w @ dh
    orig_l, add_l = eq @ H0, eq @ dh
    add_d = ((h >= _DEFAULT_AT) & (H0 < _DEFAULT_AT)).sum(axis=0)
    hT, sT = h.T, stress.T
    hist_out = None if hist is None else np.stack(hist).transpose(0, 2, 1) if hist else None
    if not batched:
        hT, sT = hT[0], sT[0]
        orig_s, add_s, orig_l, add_l = (float(x[0]) for x in (orig_s, add_s, orig_l, add_l))
        add_d = int(add_d[0])
        if hist_out is not None:
            hist_out = hist_out[:, 0]
    return DebtRankResult(
        variant=variant,
        h=np.ascontiguousarray(hT),
        stress=np.ascontiguousarray(sT),
        h0=np.asarray(h0),
        original_stress=orig_s,
        additional_stress=add_s,
        original_losses=orig_l,
        additional_losses=add_l,
        additional_defaults=add_d,
        rounds=rounds,
        history=hist_out,
    )


def _product(M: sp.csc_matrix, X: Array) -> Array:
    """``M @ X``; one scenario goes column-sparse (only nodes whose stress moved)."""
    if X.shape[1] == 1:
        return csc_matvec_sparse(M, X[:, 0])[:, None]
    return np.asarray(M @ X)


def _linear(
    M: sp.csc_matrix, H0: Array, tol: float, max_rounds: int, keep: bool
) -> tuple[Array, Array, int, list[Array] | None]:
    h = H0.copy()
    Mh = _product(M, h)
    hist: list[Array] | None = [] if keep else None
    change = np.inf
    for rounds in range(1, max_rounds + 1):
        stress = H0 + Mh
        new = np.minimum(stress, 1.0)
        delta = new - h  # >= 0: the iteration rises monotonically from h0
        change = float(np.max(delta, initial=0.0))
        h = new
        if hist is not None:
            hist.append(h.copy())
        if change <= tol:
            # the running product is a sum of increments: recompute it once, exactly
            stress = H0 + np.asarray(M @ h)
            h = np.minimum(stress, 1.0)
            return h, stress, rounds, hist
        Mh = Mh + _product(M, delta)
    raise ConvergenceError("linear DebtRank did not converge; raise max_rounds", max_rounds, change)


def _single_hit(
    M: sp.csc_matrix, H0: Array, max_rounds: int, keep: bool
) -> tuple[Array, Array, int, list[Array] | None]:
    h = H0.copy()
    stress = H0.copy()
    distressed = h > 0
    inactive = np.zeros_like(distressed)
    hist: list[Array] | None = [] if keep else None
    rounds = 0
    while distressed.any():
        if rounds >= max_rounds:
            raise ConvergenceError("single-hit DebtRank did not stop", rounds, float("nan"))
        rounds += 1
        spread = _product(M, h * distressed)
        stress = stress + spread
        h = np.minimum(1.0, h + spread)
        inactive |= distressed
        distressed = (h > 0) & ~inactive
        if hist is not None:
            hist.append(h.copy())
    return h, stress, rounds, hist
