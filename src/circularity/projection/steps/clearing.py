"""Step 4, clearing: who pays what inside the web, and cash after the web's payments."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.contagion import clear_payments
from circularity.projection.state import Context
from circularity.projection.steps.financing import Financing
from circularity.projection.steps.obligations import Dues

__all__ = ["Cleared", "clearing"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Cleared:
    """The cleared payments, ``(n, S)`` (``ratio`` per payer)."""

    ratio: Array  # share of its dues each entity pays
    paid: Array
    received: Array
    received_revenue: Array  # operating + hardware + interest received (revenue)
    received_lending: Array  # loans received from the web
    shortfall: Array  # dues unpaid
    cash_after: Array
    cut: Array  # (m, S) contracts still honoured after this quarter's ratios


def clearing(ctx: Context, dues: Dues, fin: Financing) -> Cleared:
    """Greatest clearing vector on cash (Eisenberg–Noe; Rogers–Veraart with default costs).

    Scenarios in which every entity can pay in full skip the solver (``p = p̄`` is then the
    greatest clearing vector). A payer paying ``ρ < 1`` has its future commitments cut by ``ρ``.
    """
    web, agg = ctx.web, ctx.agg
    n = web.n
    assets = np.maximum(fin.cash_after, 0.0)
    short = ((assets + dues.due_in) < dues.due_out).any(axis=0)
    got = dues.due4
    cut = dues.cut
    if web.m and short.any():
        ratio = np.ones(assets.shape)
        cols = np.flatnonzero(short)
        res = clear_payments(
            web.payer,
            web.payee,
            dues.amount[:, cols].T,
            assets[:, cols].T,
            n=n,
            alpha=agg.alpha,
            beta=agg.beta,
            pattern=agg.clearing,
        )
        ratio[:, cols] = res.ratio.T
        got = agg.by_payee @ (dues.amount * ratio[web.payer])
        paid = ratio * dues.due_out
        cut = cut * np.minimum(ratio, 1.0)[web.payer]
    else:
        ratio = np.ones(assets.shape)
        paid = dues.due_out.copy()
    received = got[:n]
    shortfall = dues.due_out - paid
    np.maximum(shortfall, 0.0, out=shortfall)
    cash_new = fin.cash_after - paid
    cash_new += received
    return Cleared(
        ratio=ratio,
        paid=paid,
        received=received,
        received_revenue=got[2 * n : 3 * n],
        received_lending=got[3 * n :],
        shortfall=shortfall,
        cash_after=cash_new,
        cut=cut,
    )
