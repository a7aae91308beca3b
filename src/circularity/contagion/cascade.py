"""Threshold (Furfine) default cascade."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity.contagion._sparse import as_edges, as_vector
from circularity.contagion.clearing import ClearingResult
from circularity.errors import OptionError

__all__ = ["default_cascade"]


def default_cascade(
    L: Any,
    external_assets: Any,
    external_liabilities: Any = None,
    recovery_rate: float = 0.0,
    *,
    history: bool = False,
) -> ClearingResult:
    """Threshold default cascade (Furfine 2003) with an exogenous recovery rate.

    Parameters
    ----------
    L : (n, n) array or scipy.sparse matrix
        ``L[i, j]`` is what ``i`` owes ``j``.
    external_assets : (n,) or (S, n)
    external_liabilities : (n,) or (S, n), optional
    recovery_rate : float in [0, 1]
        Share of each debt a defaulted node pays.
    history : bool
        Keep payments after each round.

    Returns
    -------
    ClearingResult
        ``payments`` are ``p_bar`` for survivors and ``recovery_rate * p_bar`` for defaulters.

    Notes
    -----
    Round ``t``: node ``i`` defaults when
    ``e_i + sum_j L[j, i] * (1 if j solvent else recovery_rate) - p_bar_i < 0``.
    Defaults never reverse; at most ``n`` rounds.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.5], [0.0, 0.0, 0.0]])
    >>> default_cascade(L, [1.0, 0.0, 0.0]).defaulted.tolist()
    [True, True, False]
    """
    if not 0.0 <= recovery_rate <= 1.0:
        raise OptionError(f"recovery_rate={recovery_rate} must lie in [0, 1]")
    debtor, creditor, amount, n = as_edges(L)
    e = as_vector(external_assets, n, "external_assets")
    el = as_vector(external_liabilities, n, "external_liabilities")
    batched = e.ndim == 2 or el.ndim == 2
    e2 = np.atleast_2d(e)
    el2 = np.atleast_2d(el)
    S = max(e2.shape[0], el2.shape[0])
    e_t = np.ascontiguousarray(np.broadcast_to(e2, (S, n)).T)
    el_t = np.ascontiguousarray(np.broadcast_to(el2, (S, n)).T)
    LT = sp.csr_matrix((amount, (creditor, debtor)), shape=(n, n))  # LT[j, i] = L[i, j]
    p_bar = np.bincount(debtor, weights=amount, minlength=n)[:, None] + el_t
    slack = 1e-9 * np.maximum(1.0, p_bar)
    D = np.zeros((n, S), dtype=bool)
    hist: list[Any] = []
    rounds = 0
    while True:
        paid = np.where(D, recovery_rate, 1.0)
        received = np.asarray(LT @ paid)
        newD = D | (e_t + received - p_bar < -slack)
        if (newD == D).all():
            break
        D = newD
        rounds += 1
        if history:
            hist.append((p_bar * np.where(D, recovery_rate, 1.0)).T.copy())
    pay = p_bar * np.where(D, recovery_rate, 1.0)
    net = e_t + received - p_bar
    out = [pay.T, D.T, net.T, p_bar.T, received.T]
    h = np.stack(hist) if hist else np.empty((0, S, n))
    if not batched:
        out = [a[0] for a in out]
        h = h[:, 0]
    return ClearingResult(
        payments=np.ascontiguousarray(out[0]),
        defaulted=np.ascontiguousarray(out[1]),
        net_worth=np.ascontiguousarray(out[2]),
        obligations=np.ascontiguousarray(out[3]),
        received=np.ascontiguousarray(out[4]),
        rounds=rounds,
        history=h if history else None,
        payer=debtor,
        amount=amount,
    )
