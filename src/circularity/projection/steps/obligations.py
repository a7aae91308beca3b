"""Step 1, obligations due: each contract's amount this quarter and its totals by entity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.state import Context, State

__all__ = ["Dues", "obligations_due"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Dues:
    """The quarter's contract money before clearing (``(m, S)`` contracts, ``(n, S)`` entities)."""

    base_due: Array  # as scheduled (power pacing, outside appetite), before cuts for shortfalls
    amount: Array  # base_due × cut: what is asked of each payer
    cut: Array  # cut after this quarter's pay-ratio events
    cut_ev: Array
    due_out: Array  # all dues by payer
    due_op: Array  # operating (compute, lease, backstop)
    due_hw: Array  # hardware
    due_rep: Array  # repayments of web loans
    due_int: Array  # interest on web loans
    due_in: Array  # all receipts by payee
    due4: Array  # (4n, S) receipts by payee: all, op + hw, op + hw + interest, lending
    exp_web_op_in: Array  # expected operating + hardware receipts (revenue from the web)


def obligations_due(ctx: Context, st: State, t: int) -> Dues:
    """The contracts' dues in quarter ``t`` (GW-linked pacing by power delivered, cumulative)."""
    agg = ctx.agg
    payer = ctx.web.payer
    cut, cut_ev = st.cut, st.cut_ev
    if t in ctx.pay_cut:
        cut = cut * ctx.pay_cut[t][:, payer].T
        cut_ev = cut_ev * ctx.pay_cut[t][:, payer].T
    # paced by power: GW-linked hardware; with the channels also compute that states its GW
    paced = ctx.web.gw_linked if ctx.ch is None else ctx.ch.paced
    if paced.any():
        prev = agg.cum_T[t - 1][:, None] if t else np.zeros((ctx.web.m, 1))
        f_prev = ctx.power[:, t - 1][None, :] if t else np.zeros((1, 1))
        gw_due = np.maximum(ctx.power[:, t][None, :] * agg.cum_T[t][:, None] - f_prev * prev, 0.0)
        base_due = np.where(paced[:, None], gw_due, agg.sched_T[t][:, None])
    else:
        base_due = agg.sched_T[t][:, None]
    if ctx.mkt_eq is not None:  # outside money moves only while markets are open
        base_due = base_due * np.where(ctx.mkt_eq, ctx.eq_app[:, t][None, :], 1.0)
    if ctx.mkt_cr is not None:
        base_due = base_due * np.where(ctx.mkt_cr, ctx.cr_app[:, t][None, :], 1.0)
    amount = base_due * cut
    due5 = agg.by_payer @ amount
    n = ctx.web.n
    due4 = agg.by_payee @ amount
    return Dues(
        base_due=base_due,
        amount=amount,
        cut=cut,
        cut_ev=cut_ev,
        due_out=due5[:n],
        due_op=due5[n : 2 * n],
        due_hw=due5[2 * n : 3 * n],
        due_rep=due5[3 * n : 4 * n],
        due_int=due5[4 * n :],
        due_in=due4[:n],
        due4=due4,
        exp_web_op_in=due4[n : 2 * n],
    )
