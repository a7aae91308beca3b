"""Eisenberg–Noe (2001) clearing on a liabilities matrix."""

from __future__ import annotations

from typing import Any

from circularity.contagion._sparse import as_edges, as_vector
from circularity.contagion.clearing import ClearingResult, clear_payments

__all__ = ["eisenberg_noe"]


def eisenberg_noe(
    L: Any,
    external_assets: Any,
    external_liabilities: Any = None,
    *,
    history: bool = False,
) -> ClearingResult:
    """Greatest clearing vector of Eisenberg & Noe (2001).

    Parameters
    ----------
    L : (n, n) array or scipy.sparse matrix
        ``L[i, j]`` is what ``i`` owes ``j`` (rows are debtors, columns creditors).
    external_assets : (n,) or (S, n)
        Outside assets ``e``; a 2-d array clears ``S`` shock scenarios at once.
    external_liabilities : (n,) or (S, n), optional
        Debts to outside creditors, paid pro rata with network debts.
    history : bool
        Keep payments after each fictitious-default round.

    Returns
    -------
    ClearingResult
        ``payments`` (totals, network and outside), ``defaulted``, ``net_worth``, ``rounds``.

    Notes
    -----
    ``p_bar = L 1 + external_liabilities``, ``Pi = diag(p_bar)^-1 L``,
    ``p = min(p_bar, max(0, e + Pi.T p))``; the greatest solution, found by the
    fictitious-default algorithm with an exact sparse solve of the defaulted block per round
    (at most ``n`` rounds). See :func:`circularity.contagion.clear_payments`.

    References
    ----------
    Eisenberg, L. and Noe, T. H. (2001). Systemic risk in financial systems.
    Management Science 47(2), 236-249.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0.0, 2.0], [1.0, 0.0]])  # 0 owes 1 two, 1 owes 0 one
    >>> eisenberg_noe(L, [0.5, 0.0]).payments.tolist()
    [1.5, 1.0]
    """
    payer, payee, amount, n = as_edges(L)
    e = as_vector(external_assets, n, "external_assets")
    el = None if external_liabilities is None else as_vector(external_liabilities, n, "external_liabilities")
    return clear_payments(payer, payee, amount, e, el, n=n, history=history, check_edges=False)
