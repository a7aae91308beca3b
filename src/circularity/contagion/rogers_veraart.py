"""Rogers–Veraart (2013) clearing with default costs on a liabilities matrix."""

from __future__ import annotations

from typing import Any

from circularity.contagion._sparse import as_edges, as_vector
from circularity.contagion.clearing import ClearingResult, clear_payments

__all__ = ["rogers_veraart"]


def rogers_veraart(
    L: Any,
    external_assets: Any,
    external_liabilities: Any = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    *,
    history: bool = False,
) -> ClearingResult:
    """Greatest clearing vector with default costs (Rogers & Veraart 2013).

    Parameters
    ----------
    L : (n, n) array or scipy.sparse matrix
        ``L[i, j]`` is what ``i`` owes ``j``.
    external_assets : (n,) or (S, n)
    external_liabilities : (n,) or (S, n), optional
    alpha : float in (0, 1]
        Share of outside assets a defaulted node realises.
    beta : float in (0, 1]
        Share of network receipts a defaulted node realises.
    history : bool
        Keep payments after each round.

    Returns
    -------
    ClearingResult

    Notes
    -----
    ``p_i = p_bar_i`` if ``e_i + (Pi.T p)_i >= p_bar_i``, else
    ``alpha e_i + beta (Pi.T p)_i`` (floored at 0). The greatest clearing vector algorithm
    (Definition 3.6 of the paper) grows the default set and solves
    ``(I - beta Pi.T_DD) p_D = alpha e_D + beta Pi.T_DN p_bar_N`` exactly each round.
    ``alpha = beta = 1`` is Eisenberg–Noe.

    References
    ----------
    Rogers, L. C. G. and Veraart, L. A. M. (2013). Failure and rescue in an interbank
    network. Management Science 59(4), 882-898.

    Examples
    --------
    >>> import numpy as np
    >>> L = np.array([[0.0, 2.0], [2.2, 0.0]])  # Example 3.3 of the paper
    >>> rogers_veraart(L, [1.0, 1.0], alpha=0.5, beta=0.5).payments.tolist()
    [2.0, 2.2]
    """
    payer, payee, amount, n = as_edges(L)
    e = as_vector(external_assets, n, "external_assets")
    el = None if external_liabilities is None else as_vector(external_liabilities, n, "external_liabilities")
    return clear_payments(
        payer, payee, amount, e, el, n=n, alpha=alpha, beta=beta, history=history, check_edges=False
    )
