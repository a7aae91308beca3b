"""Step 6, stock update: capital by vintage, debt, earnings, market value, standalone cash."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.projection.balance import assets_liabilities, balance_step
from circularity.projection.channels.capacity import gw_delivered
from circularity.projection.channels.context import ChannelState
from circularity.projection.channels.fleet import (
    borrowing_base,
    collateral_value,
    fleet_step,
    retired_vintage,
)
from circularity.projection.channels.required_revenue import required_revenue
from circularity.projection.creditors import used_after
from circularity.projection.state import Context, State, reported_at
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.financing import Financing
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside
from circularity.projection.steps.resolution import Resolved
from circularity.valuation.going_concern import (
    GoingConcern,
    ValuationAnchor,
    anchor_going_concern,
    value_going_concern,
)
from circularity.valuation.market_value import value_entities

__all__ = ["stock_update"]


def want(ctx: Context, column: str) -> bool:
    """Whether the run reads ``column`` of the quarter's row (``ctx.columns``; None: every column)."""
    return ctx.columns is None or column in ctx.columns


def _retired(ctx: Context, hist: tuple[Array, ...], t: int, shape: tuple[int, int]) -> Array | None:
    """Depreciation charge of the vintages whose last charge fell in quarter ``t`` (None: none).

    A vintage bought at ``v`` charges ``1 / L`` of its cost for ``L`` quarters, ``L`` the life in
    force when it was bought: a history vintage keeps the history's life when the projection's
    differs (``ctx.past_lives``), so no vintage is depreciated beyond its cost."""
    past = ctx.past_lives
    if past is None:
        if not any(t - life >= 0 for life, _ in ctx.lives):
            return None
        charge: Array = retired_vintage(hist, ctx.lives, t, shape) * ctx.inv_life
        return charge
    charge = retired_vintage(hist, ctx.lives, t, shape, first=past.first) * ctx.inv_life
    charge += retired_vintage(hist, past.lives, t, shape, stop=past.first) * past.inv_life
    return charge


def stock_update(
    ctx: Context,
    st: State,
    dues: Dues,
    out: Outside,
    fin: Financing,
    cl: Cleared,
    res: Resolved,
    t: int,
    going: Outside | None = None,
) -> tuple[State, dict[str, Array]]:
    """The next state and the quarter's recorded row.

    Capital by vintage (straight line over the useful life; capital held before the horizon
    over half a life); market value ``MV = (I − H)^{-1} own``, own equity valued as a going concern
    (:mod:`circularity.valuation.going_concern`: enterprise value from the market-implied cash
    flows at the quarter's cost of capital plus the calibrated value of backlog news, plus cash,
    equity as Merton's call against the debt), less ``default_value_loss`` of own value once
    defaulted (resolution); standalone cash (no new money, every commitment honoured as
    scheduled before any cut for a shortfall; for a resolved entity, ``going``: its outside flows
    as a going concern) for the funding need.
    """
    web, agg = ctx.web, ctx.agg
    shape = st.cash.shape
    capex = cl.ratio * dues.due_hw
    capex += out.capex
    hist = (*st.capex_hist, capex)
    leg = np.minimum(ctx.legacy_dep, st.legacy)
    legacy = st.legacy - leg
    fl = None
    if ctx.ch is not None and st.ch is not None:  # chips and buildings by vintage (channels.fleet)
        fl = fleet_step(ctx.ch, st.ch, capex, out.replacement, ctx.life_q, ctx.inv_life, t, ctx.past_lives)
        dep = fl.depreciation + leg
        dep_rate = st.dep_rate
        hist = st.capex_hist
    else:
        dep = st.dep_rate + leg
        dep_rate = st.dep_rate + capex * ctx.inv_life
        gone = _retired(ctx, hist, t, shape)
        if gone is not None:
            dep_rate = np.maximum(dep_rate - gone, 0.0)
    if st.defaulted.any():  # resolved before: its fixed assets went to its creditors
        dep = np.where(st.defaulted, 0.0, dep)
        dep_rate = np.where(st.defaulted, 0.0, dep_rate)
    capital = st.capital + capex - dep
    cum_transferred = st.cum_transferred
    transferred = np.zeros(shape)
    if res.newly.any():  # resolved now: its fixed assets are sold for its creditors
        transferred = np.where(res.newly, capital, 0.0)
        capital = capital - transferred
        dep_rate = np.where(res.newly, 0.0, dep_rate)
        legacy = np.where(res.newly, 0.0, legacy)
        cum_transferred = transferred if cum_transferred is None else cum_transferred + transferred
    revenue = out.revenue + cl.received_revenue
    rep = reported_at(ctx, "revenue", t, flow=True)
    if rep is not None:
        # history: revenue is what the filing reports; web receipts beyond it (the compiled
        # schedule ahead of the filing) are cash received ahead of revenue (a contract liability)
        revenue = np.where(rep[1], rep[0], revenue)
    op_costs = out.opex + cl.ratio * dues.due_op
    interest = out.interest + cl.ratio * dues.due_int
    pre_tax = revenue - op_costs
    pre_tax -= dep
    pre_tax -= interest
    tax_due = ctx.tax_rate * np.maximum(pre_tax, 0.0)
    if res.defaulted.any():  # a resolved estate owes no tax of its own (its claims are settled)
        tax_due = np.where(res.defaulted, 0.0, tax_due)
    earnings = pre_tax - tax_due
    ebitda_ann = st.ebitda_ann * 0.75
    ebitda_ann += revenue - op_costs
    debt_out = st.debt_out + fin.new_debt
    debt_out -= fin.debt_repaid
    if res.unpaid_bills is not None:  # outside bills left unpaid stay owed (payables, outside debt)
        debt_out += res.unpaid_bills
    debt_web = np.maximum(st.debt_web + cl.received_lending - cl.ratio * dues.due_rep, 0.0)
    if res.debt_moved is not None:  # web loans an estate sold: the borrower owes outside investors
        moved = np.minimum(res.debt_moved, debt_web)
        debt_web = debt_web - moved
        debt_out = debt_out + moved
    if res.defaulted.any():  # resolved: its debt is settled by what its creditors recover, the rest lost
        debt_out = np.where(res.defaulted, 0.0, debt_out)
        debt_web = np.where(res.defaulted, 0.0, debt_web)
    cash = cl.cash_after
    if res.newly.any():  # the estates' cash to their creditors (resolution_out / resolution_in)
        cash = cash - res.resolution_out
        cash += res.resolution_in
    ring = list(st.rev_ring)
    trail = st.trail + revenue - ring[t % 4]
    ring[t % 4] = revenue
    if t + 1 < web.T:
        backlog = agg.backlog_of @ (cl.cut * agg.suffix_next[t][:, None])
        # backlog cancelled or terminated: what the contracts would still owe uncut, less what they do
        cancelled = (agg.backlog_of @ agg.suffix_next[t])[:, None] - backlog
        backlog -= ctx.backlog0
    else:
        backlog = -ctx.backlog0
        cancelled = np.zeros(shape)
    debt = debt_out + debt_web
    own, gc, anchor = _own_value(ctx, st, res, debt, cl.cash_after, backlog, trail, t, cancelled)
    mv = own.copy()
    if agg.mv_cols.size:
        mv[agg.mv_cols] += agg.mv_mix_T @ own
        if res.defaulted.any():  # a resolved entity's estate sold its stakes: it holds none
            mv = np.where(res.defaulted, own, mv)
    # history is data: a history row shows (and values) the market value reported by the quarter's
    # end, not the horizon's value the engine starts from (value lost counts from there): OpenAI's
    # 2025Q2 row shows its $300bn, and its enterprise value is that less its cash
    rep = reported_at(ctx, "market_value", t)
    shown = mv if rep is None else np.where(rep[1], rep[0], mv)
    stakes_paid = st.stakes_paid
    if agg.eq_by is not None and agg.eq_due is not None and agg.eq_due[t]:
        paid = agg.eq_by[: web.n] @ (dues.amount * cl.ratio[web.payer])
        stakes_paid = paid if stakes_paid is None else stakes_paid + paid
    if stakes_paid is not None and res.newly.any():
        stakes_paid = np.where(res.newly, 0.0, stakes_paid)
    sched = dues.base_due * dues.cut_ev
    owed_sched = agg.payer_all @ sched
    net = out.cash_in - out.cash_out
    net += cl.received
    net -= owed_sched
    net -= fin.cash_out
    if going is not None and st.defaulted.any():
        # the funding need is a counterfactual (no new money, every commitment honoured as
        # scheduled), so a default in the financed path does not end it: a resolved entity's
        # standalone cash goes on with its own outside flows as a going concern and its contracts
        # as scheduled. Stopping it at the default made the need shrink as the entity got weaker
        # (OpenAI's baseline need to 2030 read 29.8 against 405.7, and fell as its revenue fell).
        gc_net = going.cash_in - going.cash_out
        gc_net += agg.payee_all @ sched
        gc_net -= owed_sched
        net = np.where(st.defaulted, gc_net, net)
    standalone = st.standalone + net
    need_min = np.minimum(st.need_min, standalone)
    cash_out = np.where((standalone < 0) & (st.cash_out < 0), t, st.cash_out)
    ch_state, ch_row = _channels(ctx, st, out, fin, fl, legacy, debt_out, t)
    bs, bs_row = _balance(
        ctx,
        st,
        dues,
        out,
        fin,
        cl,
        revenue,
        earnings,
        own,
        mv,
        cash,
        capital,
        debt_out,
        debt_web,
        tax_due,
        t,
        res,
        transferred,
    )
    cred_used = st.cred_used
    if ctx.cred is not None and t >= web.first_projected:  # history: new money is the filings'
        cred_used = used_after(
            ctx.cred, st.cred_used, fin.new_debt, fin.debt_repaid, fin.new_equity, res.out_recovered
        )
    new = State(
        cash=cash,
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
        cut=res.cut,
        cut_ev=dues.cut_ev if res.cut_ev is None else res.cut_ev,
        defaulted=res.defaulted,
        first_default=res.first_default,
        market_value=mv,
        standalone=standalone,
        need_min=need_min,
        cash_out=cash_out,
        ch=ch_state,
        anchor=anchor,
        default_prob=None if gc is None else gc.default_probability,
        credit_spread=None if gc is None else gc.credit_spread,
        bs=bs,
        cum_transferred=cum_transferred,
        stakes_paid=stakes_paid,
        cred_used=cred_used,
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
        "resolution_in": res.resolution_in,
        "resolution_out": res.resolution_out,
        "cash": cash,
        "debt": debt,
        "capital_transferred": transferred,
        "capital_stock": capital,
        "defaulted": res.defaulted,
        "resolved": res.newly,
    }
    # the derived columns are built only when the run reads them (ctx.columns)
    if want(ctx, "shortfall"):
        row["shortfall"] = cl.shortfall + res.unpaid_outside
    if want(ctx, "credit_losses"):
        # what the web owed this entity this quarter and did not pay (its creditors' side of
        # every shortfall: the same clearing books the payer's shortfall and the payee's loss),
        # plus, when a debtor is resolved, the damages on its terminated contracts less what its
        # estate paid (resolution_in)
        row["credit_losses"] = np.maximum(dues.due_in - cl.received, 0.0) + res.web_losses
        if res.out_losses is not None:  # the named holders of its outside debt (creditors.debt)
            row["credit_losses"] += res.out_losses
    if want(ctx, "market_value"):
        # unknown is not zero: an entity whose own value neither the ledger nor the peer-multiple
        # fill gives is NaN here (the engine's state holds 0 for it only as its base for raising
        # equity), and is excluded from the value-lost headline with a count
        row["market_value"] = np.where(ctx.value_known, shown, np.nan)
    if ctx.valuation:  # nothing else reads them: a run that records none of them skips them
        row.update(_valuation_row(ctx, shown, own, gc, debt, cl.cash_after, res.defaulted, t))
    if want(ctx, "interest_cover"):
        cover = np.full(shape, np.nan)  # no interest: cover undefined, not infinite
        np.divide(ebitda_ann, 4.0 * interest, out=cover, where=interest > 1e-9)
        row["interest_cover"] = cover
    row.update(ch_row)
    row.update(bs_row)
    if ctx.cred is not None and ctx.cred.any_limited and want(ctx, "lending_capacity"):
        # a creditor with a capacity (creditors.capacity): what it has not yet put in
        left = ctx.cred.capacity - (0.0 if cred_used is None else cred_used)
        row["lending_capacity"] = np.where(ctx.cred.limited, left, row["lending_capacity"])
    return new, row


#: balance-sheet columns (NaN when the balance sheet is not kept: a run with ``check=False``
#: that records none of them)
BALANCE_COLUMNS = ("assets", "liabilities", "book_equity", "lending_capacity")


def _balance(
    ctx: Context,
    st: State,
    dues: Dues,
    out: Outside,
    fin: Financing,
    cl: Cleared,
    revenue: Array,
    earnings: Array,
    own: Array,
    mv: Array,
    cash: Array,
    capital: Array,
    debt_out: Array,
    debt_web: Array,
    tax_due: Array,
    t: int,
    res: Resolved | None = None,
    transferred: Array | None = None,
) -> tuple[Any, dict[str, Array]]:
    """The next balance state and the balance-sheet columns (:mod:`circularity.projection.balance`).

    Every web payment is classified by its contract's category: operating and interest are
    costs (payer) and revenue (payee), hardware is capex (payer) and revenue (payee), equity
    buys a stake (payer) and raises equity (payee), a loan is lent (payer, a receivable) and
    borrowed (payee, web debt), a repayment reduces both.
    """
    if st.bs is None:
        nan = np.full(cash.shape, np.nan)
        return None, dict.fromkeys(BALANCE_COLUMNS, nan)
    agg, web, n = ctx.agg, ctx.web, ctx.web.n
    ratio = cl.ratio
    short = bool((ratio < 1.0).any())
    eq_paid = eq_recv = None
    if agg.eq_by is not None and agg.eq_due is not None and agg.eq_due[t]:
        eq = agg.eq_by @ (dues.amount * ratio[web.payer] if short else dues.amount)
        eq_paid, eq_recv = eq[:n], eq[n:]
    rep_paid = ratio * dues.due_rep if short else dues.due_rep
    known = dues.due_op + dues.due_hw
    known += dues.due_rep
    known += dues.due_int
    if short:
        known *= ratio
    lend_paid = np.subtract(cl.paid, known, out=known)
    repay_recv = cl.received - cl.received_revenue
    repay_recv -= cl.received_lending
    if eq_paid is not None and eq_recv is not None:
        lend_paid -= eq_paid
        repay_recv -= eq_recv
    debt_adj = st.debt_out + fin.new_debt
    debt_adj -= fin.debt_repaid
    if res is not None and res.unpaid_bills is not None:
        debt_adj += res.unpaid_bills  # bills left unpaid: owed on (a flow, not an adjustment)
    np.subtract(debt_out, debt_adj, out=debt_adj)
    web_flow = st.debt_web + cl.received_lending
    web_flow -= rep_paid
    debt_adj += debt_web
    debt_adj -= web_flow
    revaluation = mv - own
    bs = balance_step(
        st.bs,
        eq_paid=eq_paid,
        eq_recv=eq_recv,
        lend_paid=lend_paid,
        repay_recv=repay_recv,
        new_equity=fin.new_equity,
        # history only: other uses a filing shows (projected: financing out is the debt repaid)
        distributions=None if fin.cash_out is fin.debt_repaid else fin.cash_out - fin.debt_repaid,
        # history only: revenue pinned to a filing (projected: revenue is what was received)
        deferred=(out.revenue + cl.received_revenue) - revenue if t < web.first_projected else None,
        earnings=earnings,
        stakes_value=revaluation,
        debt_adjust=debt_adj,
        cash_adjust=None if cash is cl.cash_after else cash - cl.cash_after,
        # resolution: the estate's fixed assets handed over (their sale proceeds are in the cash
        # adjustment), and loans lent to a resolved borrower written off (recoveries: cash)
        capital_out=None if res is None or not res.newly.any() else transferred,
        lent_off=None if res is None or not res.newly.any() else res.lent_off,
        sold=None if res is None or not res.newly.any() else res.sold,
    )
    row = {"book_equity": bs.book_equity}
    if want(ctx, "assets") or want(ctx, "liabilities"):
        row["assets"], row["liabilities"] = assets_liabilities(bs, cash, capital, debt_out, debt_web, tax_due)
    if want(ctx, "lending_capacity"):
        # outside capital pools (lender and investor kinds): the capacity the scenario gives them
        # (their starting cash) less what they have lent and invested and not had back; NaN for the rest
        lent = bs.loans_lent + bs.stakes_cost
        row["lending_capacity"] = (
            np.where(ctx.lender, ctx.e["cash"] - lent, np.nan) if ctx.lender is not None else lent * np.nan
        )
    return bs, row


def _rates(ctx: Context, t: int) -> tuple[Array, Array]:
    """The quarter's risk-free rate and cost of capital ``k = r + ERP``, ``(1, S or 1)``: the
    valuation's rate moves with the scenario's rate path (channels.rate_path and rate_shift)."""
    r = np.asarray(ctx.risk_free, dtype=float).reshape(1, 1)
    if ctx.ch is not None:
        r = r + ctx.ch.rate_delta[t]
    r = np.maximum(r, 0.0)
    return r, r + ctx.equity_premium


def _own_value(
    ctx: Context,
    st: State,
    res: Resolved,
    debt: Array,
    cash: Array,
    backlog: Array,
    trail: Array,
    t: int,
    cancelled: Array,
) -> tuple[Array, GoingConcern | None, ValuationAnchor | None]:
    """Each entity's own equity value (without stakes), its going-concern values and anchor.

    History quarters (before the first projected one) carry the market's own value; the first
    projected quarter anchors the going concern on it (so its equity equals the stress test's
    "before" value), and every later quarter values it (:func:`value_going_concern`).
    """
    loss = 1.0 - ctx.loss * res.defaulted if res.defaulted.any() else None
    if t < ctx.web.first_projected:
        own = np.broadcast_to(ctx.own0, debt.shape).copy()
        return (own if loss is None else own * loss), None, None
    r, k = _rates(ctx, t)
    g = ctx.terminal_growth
    shape = debt.shape
    # only entities whose value is known are valued (the rest are NaN): a row subset when the
    # known set is the same in every scenario, which is most of the time cost
    kn = ctx.value_known
    rows = np.flatnonzero(kn[:, 0]) if kn.shape[1] == 1 else None

    def sub(a: Array) -> Array:
        return a if rows is None or a.shape[0] != shape[0] else a[rows]

    anchor = st.anchor
    if anchor is None:
        own0 = np.where(kn, ctx.own0, np.nan)
        anchor = anchor_going_concern(
            sub(own0),
            sub(ctx.equity_vol),
            sub(debt),
            sub(cash),
            r,
            ctx.merton_years,
            k,
            g,
            sub(backlog),
            sub(trail),
            sub(cancelled),
        )
    gc = value_going_concern(
        anchor,
        sub(debt),
        sub(cash),
        r,
        ctx.merton_years,
        k,
        g,
        sub(backlog),
        ctx.beta,
        revenue=sub(trail) if ctx.revenue_multiple else None,
        elasticity=ctx.elast,
        credit=ctx.valuation or ctx.market_financing,
        cancelled=sub(cancelled),
        cancel_value=ctx.beta_cancel,
    )
    if rows is not None:
        gc = _scatter(gc, rows, shape, full=ctx.valuation or ctx.market_financing)
    own = np.nan_to_num(gc.equity_value)  # unknown: no equity to raise on (NaN in the columns)
    return (own if loss is None else own * loss), gc, anchor


def _scatter(gc: GoingConcern, rows: Array, shape: tuple[int, ...], *, full: bool) -> GoingConcern:
    """The values of the valued rows placed in an ``(n, S)`` frame of NaN (unknown); only the
    equity when no other column is read."""

    def put(a: Array) -> Array:
        out = np.full(shape, np.nan)
        out[rows] = a
        return out

    eq = put(gc.equity_value)
    if not full:
        return dataclasses.replace(gc, equity_value=eq)
    return GoingConcern(
        equity_value=eq,
        enterprise_value=put(gc.enterprise_value),
        asset_value=put(gc.asset_value),
        distance_to_default=put(gc.distance_to_default),
        default_probability=put(gc.default_probability),
        credit_spread=put(gc.credit_spread),
    )


def _valuation_row(
    ctx: Context,
    mv: Array,
    own: Array,
    gc: GoingConcern | None,
    debt: Array,
    cash: Array,
    defaulted: Array,
    t: int,
) -> dict[str, Array]:
    """The valuation columns: equity (with stakes), enterprise value, distance to default and
    credit spread; NaN where the entity's value is unknown. A defaulted entity's enterprise value
    is what resolution left: equity plus debt less cash; its distance to default and credit spread
    are empty (a resolved entity no longer borrows: neither is defined, and neither is 0 or −∞).
    In a history quarter ``mv`` is the market value the row shows (the one reported by the
    quarter's end, see :func:`stock_update`)."""
    known = np.broadcast_to(ctx.value_known, mv.shape)
    if gc is None:  # a history quarter: Merton on the market's value, as the stress test does
        values = value_entities(
            np.where(known, mv, np.nan), ctx.equity_vol, debt, cash, _rates(ctx, t)[0], ctx.merton_years
        )
        return {
            "equity_value": values.equity_value,
            "enterprise_value": values.enterprise_value,
            "distance_to_default": values.distance_to_default,
            "credit_spread": values.credit_spread,
        }
    wiped = own <= 0.0
    stakes = mv - own
    nan = np.nan
    dd = np.where(defaulted, nan, np.where(wiped, -np.inf, gc.distance_to_default))
    cs = np.where(
        defaulted, nan, np.where(wiped & (debt > 0), np.inf, np.where(wiped, 0.0, gc.credit_spread))
    )
    return {
        "equity_value": np.where(known, mv, nan),
        "enterprise_value": np.where(
            known, np.where(defaulted, mv + debt - cash, gc.enterprise_value + stakes), nan
        ),
        "distance_to_default": np.where(known, dd, nan),
        "credit_spread": np.where(known, cs, nan),
    }


#: columns of the channels (NaN in a scenario without them: not computed, not zero)
CHANNEL_COLUMNS = (
    "gw_contracted",
    "gw_delivered",
    "replacement_capex",
    "collateral_value",
    "borrowing_base",
    "borrowing_capacity",
    "required_revenue",
)


def _channels(
    ctx: Context,
    st: State,
    out: Outside,
    fin: Financing,
    fl: Any,
    legacy: Array,
    debt_out: Array,
    t: int,
) -> tuple[ChannelState | None, dict[str, Array]]:
    """The channels' next stocks and recorded columns (NaN columns without channels)."""
    cc, cs = ctx.ch, st.ch
    shape = st.cash.shape
    if cc is None or cs is None or fl is None:
        nan = np.full(shape, np.nan)
        return None, dict.fromkeys(CHANNEL_COLUMNS, nan)
    mat = ctx.mat_q
    fixed = np.minimum(cs.fixed_debt * (1.0 - mat), debt_out)
    if fin.limits is not None:
        secured = fin.limits.secured_left + np.where(cc.asset, fin.new_debt * cc.secured_share, 0.0)
    else:
        secured = cs.secured * (1.0 - mat) + np.where(cc.asset, fin.new_debt * cc.secured_share, 0.0)
    secured = np.minimum(secured, np.maximum(debt_out, 0.0))
    new = ChannelState(
        chip_hist=fl.chip_hist,
        chip_dep=fl.chip_dep,
        bldg_dep=fl.bldg_dep,
        chip_book=fl.chip_book,
        chip_gross=fl.chip_gross,
        bldg_gross=fl.bldg_gross,
        retired=fl.retired,
        fixed_debt=fixed,
        secured=secured,
    )
    nan = np.full(shape, np.nan)
    row = {
        "gw_contracted": np.broadcast_to(cc.gw_contracted[t], shape),
        "replacement_capex": out.replacement if out.replacement is not None else nan,
        "borrowing_capacity": fin.limits.capacity if fin.limits is not None else nan,
    }
    # the derived columns are built only when the run reads them (ctx.columns)
    if want(ctx, "gw_delivered"):
        row["gw_delivered"] = gw_delivered(cc, ctx.power[:, t][None, :], st.cut, t)
    if want(ctx, "collateral_value") or want(ctx, "borrowing_base"):
        coll = collateral_value(cc, fl.chip_book, legacy, t)
        row["collateral_value"] = coll
        row["borrowing_base"] = borrowing_base(cc, coll)
    if want(ctx, "required_revenue"):
        row["required_revenue"] = required_revenue(cc, fl.chip_gross, fl.bldg_gross, ctx.inv_life, t)
    return new, row
