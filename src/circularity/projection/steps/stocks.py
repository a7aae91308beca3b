"""Step 6, stock update: capital by vintage, debt, earnings, market value, standalone cash."""

from __future__ import annotations

from typing import Any

import numpy as np

from circularity.projection.state import Context, State
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.financing import Financing
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside
from circularity.projection.steps.resolution import Resolved
from circularity.valuation.market_value import value_entities

__all__ = ["stock_update"]

Array = np.ndarray[Any, Any]


def _retired(ctx: Context, hist: tuple[Array, ...], t: int, shape: tuple[int, int]) -> Array | None:
    """Purchases of the vintage whose last depreciation charge fell in quarter ``t`` (None: none)."""
    old = t - ctx.life_q  # the vintage bought at t - L had its last charge this quarter
    if not (old >= 0).any():
        return None
    gone = np.zeros(shape)
    old_b = np.broadcast_to(old, shape)
    for v in np.unique(old_b[old_b >= 0]):  # a few distinct lives: one pass each
        gone = np.where(old_b == v, hist[int(v)], gone)
    return gone


def stock_update(
    ctx: Context,
    st: State,
    dues: Dues,
    out: Outside,
    fin: Financing,
    cl: Cleared,
    res: Resolved,
    t: int,
) -> tuple[State, dict[str, Array]]:
    """The next state and the quarter's recorded row.

    Capital by vintage (straight line over the useful life; capital held before the horizon
    over half a life); market value ``MV = (I − H)^{-1}(own0·(R̄/R̄0)^ε + β·(backlog − backlog0))``,
    less ``default_value_loss`` of own value once defaulted; standalone cash (no new money, every
    commitment honoured as scheduled before any cut for a shortfall) for the funding need.
    """
    web, agg = ctx.web, ctx.agg
    shape = st.cash.shape
    capex = cl.ratio * dues.due_hw
    capex += out.capex
    hist = (*st.capex_hist, capex)
    leg = np.minimum(ctx.legacy_dep, st.legacy)
    legacy = st.legacy - leg
    dep = st.dep_rate + leg
    dep_rate = st.dep_rate + capex * ctx.inv_life
    gone = _retired(ctx, hist, t, shape)
    if gone is not None:
        dep_rate = np.maximum(dep_rate - gone * ctx.inv_life, 0.0)
    capital = st.capital + capex - dep
    revenue = out.revenue + cl.received_revenue
    rep = web.reported.get("revenue")
    if rep is not None and t < min(web.first_projected, rep.shape[1]):
        # history: revenue is what the filing reports; web receipts beyond it (the compiled
        # schedule ahead of the filing) are cash received ahead of revenue (a contract liability)
        r_rep = rep[:, t][:, None]
        revenue = np.where(np.isfinite(r_rep), np.nan_to_num(r_rep), revenue)
    op_costs = out.opex + cl.ratio * dues.due_op
    interest = out.interest + cl.ratio * dues.due_int
    pre_tax = revenue - op_costs
    pre_tax -= dep
    pre_tax -= interest
    tax_due = ctx.tax_rate * np.maximum(pre_tax, 0.0)
    earnings = pre_tax - tax_due
    ebitda_ann = st.ebitda_ann * 0.75
    ebitda_ann += revenue - op_costs
    debt_out = st.debt_out + fin.new_debt
    debt_out -= fin.debt_repaid
    debt_web = np.maximum(st.debt_web + cl.received_lending - cl.ratio * dues.due_rep, 0.0)
    ring = list(st.rev_ring)
    trail = st.trail + revenue - ring[t % 4]
    ring[t % 4] = revenue
    rev_ratio = trail / ctx.rev0_safe
    if not ctx.rev_has.all():
        rev_ratio = np.where(ctx.rev_has, rev_ratio, 1.0)
    if t + 1 < web.T:
        backlog = agg.backlog_of @ (cl.cut * agg.suffix_next[t][:, None])
        backlog -= ctx.backlog0
    else:
        backlog = -ctx.backlog0
    grown = np.maximum(rev_ratio, 0.0, out=rev_ratio)
    if ctx.elast_v == 0.5:
        np.sqrt(grown, out=grown)
    elif ctx.elast_v != 1.0:
        grown = grown**ctx.elast
    own = ctx.own0 * grown
    own = own + backlog * ctx.beta
    np.maximum(own, 0.0, out=own)
    if res.defaulted.any():
        own *= 1.0 - ctx.loss * res.defaulted
    mv = own.copy()
    if agg.mv_cols.size:
        mv[agg.mv_cols] += agg.mv_mix_T @ own
    net = out.cash_in - out.cash_out
    net += cl.received
    net -= agg.by_payer[: web.n] @ (dues.base_due * dues.cut_ev)
    net -= fin.cash_out
    standalone = st.standalone + net
    need_min = np.minimum(st.need_min, standalone)
    cash_out = np.where((standalone < 0) & (st.cash_out < 0), t, st.cash_out)
    new = State(
        cash=cl.cash_after,
        debt_out=debt_out,
        debt_web=debt_web,
        capital=capital,
        legacy=legacy,
        dep_rate=dep_rate,
        capex_hist=hist,
        cum_capex=st.cum_capex + capex,
        cum_dep=st.cum_dep + dep,
        rev_ring=tuple(ring),
        trail=trail,
        ebitda_ann=ebitda_ann,
        tax_due=tax_due,
        cut=cl.cut,
        cut_ev=dues.cut_ev,
        defaulted=res.defaulted,
        first_default=res.first_default,
        market_value=mv,
        standalone=standalone,
        need_min=need_min,
        cash_out=cash_out,
    )
    row = {
        "revenue": revenue,
        "operating_costs": op_costs,
        "interest": interest,
        "depreciation": dep,
        "capex": capex,
        "earnings": earnings,
        "payments_due": dues.due_out,
        "payments_made": cl.paid,
        "payments_received": cl.received,
        "financing_in": fin.cash_in,
        "financing_out": fin.cash_out,
        "outside_cash_in": out.cash_in,
        "outside_cash_out": out.cash_out,
        "cash": cl.cash_after,
        "debt": debt_out + debt_web,
        "capital_stock": capital,
        "shortfall": cl.shortfall,
        "defaulted": res.defaulted,
        "market_value": mv,
    }
    # one valuation for the projection and the stress test: Merton on this quarter's equity
    # value, debt and cash (equity still from the scenario's revenue/backlog rule, see docs)
    values = value_entities(mv, ctx.equity_vol, row["debt"], cl.cash_after, ctx.risk_free, ctx.merton_years)
    row["equity_value"] = values.equity_value
    row["enterprise_value"] = values.enterprise_value
    row["distance_to_default"] = values.distance_to_default
    row["credit_spread"] = values.credit_spread
    return new, row
