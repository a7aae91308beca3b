"""Step 2, outside flows: revenue, costs, capex, interest and tax with the world outside the web."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.channels.capacity import compute_share, scheduled_receipts
from circularity.projection.channels.debt_ladder import ladder_interest, market_rate
from circularity.projection.channels.fleet import replacement_capex
from circularity.projection.state import EPS, Context, State, reported_at
from circularity.projection.steps.obligations import Dues
from circularity.valuation.going_concern import lending_spread

__all__ = ["Outside", "outside_flows"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outside:
    """The quarter's flows with the outside world, ``(n, S)``."""

    revenue: Array  # outside revenue
    opex: Array
    capex: Array  # outside capex (ratio of revenue plus a capex path)
    interest: Array  # on outside debt
    cash_in: Array  # = revenue
    cash_out: Array  # opex + capex + interest + tax
    replacement: Array | None = None  # channels: capex replacing retired chips (inside ``capex``)
    rate: Array | None = None  # channels: the market rate of new and floating debt


def outside_flows(ctx: Context, st: State, dues: Dues, t: int) -> Outside:
    """Outside flows of quarter ``t``.

    Revenue is the path × events (in a history quarter, the reported revenue less the web's
    share where a filing gives it); costs ``opex_ratio × (outside + expected web revenue)`` plus a
    fixed path; interest ``r·D_out/4`` with
    ``r = min(max_rate, max(rate, floor) + spread·max(0, D/EBITDA − 1))`` (with
    ``globals.market_priced_financing``, Merton's credit spread of the quarter before in place of
    the leverage term where the valuation knows it); tax on last quarter's profit.
    """
    r_out = ctx.out_rev[t] * ctx.rev_scale * ctx.ev_rev[t]
    if ctx.any_ncf:
        r_out = np.where(ctx.ncf, ctx.ncf_in[t], r_out)
    rep = reported_at(ctx, "revenue", t, flow=True)
    if rep is not None:  # history: a reported quarter's revenue is the filing's, less the web's share
        r_out = np.where(rep[1], np.maximum(rep[0] - dues.exp_web_op_in, 0.0), r_out)
    cc, cs = ctx.ch, st.ch
    if cc is not None and cc.elast and t >= ctx.web.first_projected:
        # a lab's revenue follows the compute it receives (elasticity; 0: independent of compute)
        share = compute_share(cc, dues.base_due, dues.cut_ev, t)
        r_out = np.where(cc.lab, r_out * share**cc.elast, r_out)
    revenue_est = r_out + dues.exp_web_op_in
    opex = ctx.opex_ratio * revenue_est
    opex += ctx.opex_fixed[t]
    if cc is None:
        capex = ctx.capex_ratio * revenue_est
    else:  # construction runs ahead of the receipts as scheduled: a power delay does not stop it
        receipts = scheduled_receipts(cc, ctx.agg.sched_T[t], dues.cut)
        if cc.lead_q:  # built a lead time ahead of the receipts (by an entity whose cash is known)
            ahead = scheduled_receipts(cc, ctx.agg.sched_T[min(t + cc.lead_q, ctx.web.T - 1)], dues.cut)
            receipts = np.where(cc.lead_ok, ahead, receipts)
        capex = ctx.capex_ratio * (r_out + receipts)
    if ctx.any_capex_path:
        capex += ctx.capex_fixed[t]
    replacement = None
    if cc is not None and cs is not None:
        replacement = replacement_capex(cc, cs)
        capex += replacement
    rep = reported_at(ctx, "capex", t, flow=True)
    if rep is not None and rep[1].any():
        # history: capex is what the filings report (a period's spread over its quarters), less
        # the chips the web's hardware contracts deliver in the quarter (they are capex too)
        capex = np.where(rep[1], np.maximum(rep[0] - dues.due_hw, 0.0), capex)
        if replacement is not None:
            replacement = np.minimum(replacement, capex)
    if ctx.any_ncf:
        opex = np.where(ctx.ncf, ctx.ncf_out[t], opex)
    if cc is not None and cs is not None:
        r_mkt = market_rate(ctx, cc, st, t)
        interest = ladder_interest(ctx, cc, cs, st, r_mkt)
        cash_out = opex + capex
        cash_out += interest
        cash_out += st.tax_due
        return Outside(
            revenue=r_out,
            opex=opex,
            capex=capex,
            interest=interest,
            cash_in=r_out,
            cash_out=cash_out,
            replacement=replacement,
            rate=r_mkt,
        )
    debt = st.debt_out + st.debt_web
    # leverage; no EBITDA: a sentinel so large the rate hits its cap (no inf·0 = nan)
    lev = np.full(debt.shape, 1e300)
    np.divide(debt, st.ebitda_ann, out=lev, where=st.ebitda_ann > EPS)
    lev -= 1.0
    np.maximum(lev, 0.0, out=lev)
    lev *= ctx.spread
    if ctx.market_financing and st.credit_spread is not None:
        # globals.market_priced_financing: Merton's spread of last quarter replaces the leverage rule
        lev = lending_spread(lev, st.credit_spread)
    lev += ctx.base_rate
    rate = np.minimum(lev, ctx.top_rate, out=lev)  # interest is r·D_out: where D_out = 0 it is 0
    interest = rate * st.debt_out
    interest *= 0.25
    cash_out = opex + capex
    cash_out += interest
    cash_out += st.tax_due
    return Outside(revenue=r_out, opex=opex, capex=capex, interest=interest, cash_in=r_out, cash_out=cash_out)
