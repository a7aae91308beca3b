"""Step 3, financing: new debt and equity against the quarter's need; outside debt maturing."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.channels.debt_ladder import Limits, borrowing_limits
from circularity.projection.channels.fleet import collateral_value
from circularity.projection.creditors import ration
from circularity.projection.state import Context, State, reported_at
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside

__all__ = ["Financing", "financing"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Financing:
    """The quarter's financing, ``(n, S)``."""

    need: Array  # cash needed beyond what the entity holds and receives
    new_debt: Array
    new_equity: Array
    maturing: Array  # outside debt falling due
    debt_repaid: Array  # outside debt repaid (maturing, plus repayments a filing shows in history)
    cash_in: Array  # new_debt + new_equity
    cash_out: Array  # debt_repaid + other uses a filing shows in history (buybacks, dividends)
    cash_after: Array  # cash after outside flows and financing, before the web's payments
    capex_cut: Array  # outside capex not spent: the need new money left unmet (liquidity order)
    limits: Limits | None = None  # channels: borrowing capacity, covenant repayment (projected quarters)


def financing(ctx: Context, st: State, dues: Dues, out: Outside, t: int) -> Financing:
    """Financing of quarter ``t``.

    Need ``= max(0, min_cash + dues + maturities − cash − receipts due)``, met by new debt up to
    ``leverage_limit·EBITDA·credit_appetite − D`` plus ``refinance_share`` of the debt service
    falling due (× credit appetite), then equity up to ``equity_raise_q·MV·equity_appetite``,
    with ``MV`` the going-concern value (:mod:`circularity.valuation.going_concern`), then cuts in
    outside capex (discretionary spending, first in the order) up to the quarter's outside capex.
    Where the scenario sets ``globals.market_priced_financing``, credit appetite is also scaled
    by ``1 − PD``, Merton's default probability of the entity in the quarter before. A defaulted
    entity raises nothing.

    In a history quarter (before ``web.first_projected``) the ledger records no default, so the
    quarter is funded: debt follows the rule unless a filing gives the debt at the quarter's end
    (then the difference was issued or repaid); equity (estimated) covers what remains of the
    need; where a filing gives the cash at the quarter's end, equity in or other uses out make
    the cash after the quarter's payments equal it. Each of these is labelled ``estimated`` or
    ``reported`` in the output's ``basis``.
    """
    if t < ctx.web.first_projected:
        return _history(ctx, st, dues, out, t)
    cash_a = st.cash + out.cash_in
    cash_a -= out.cash_out
    debt = st.debt_out + st.debt_web
    maturing = st.debt_out * ctx.mat_q
    need = ctx.min_cash + dues.due_out
    need += maturing
    need -= cash_a
    need -= dues.due_in
    np.maximum(need, 0.0, out=need)
    credit = ctx.cr_app[:, t][None, :] * ctx.ev_cr[t]
    if ctx.market_financing and st.default_prob is not None:
        # globals.market_priced_financing: lenders lend the share of the fixed scales that
        # Merton's default probability (last quarter's valuation) leaves; unknown: unscaled
        credit = credit * (1.0 - np.nan_to_num(st.default_prob, nan=0.0))
    limits = None
    if ctx.ch is not None and st.ch is not None and out.rate is not None:
        # leverage, interest cover and borrowing base; a covenant breach is repaid now
        # delayed-draw lending: the chips bought this quarter secure the draw that pays for them
        repl = 0.0 if out.replacement is None else out.replacement
        buying = ctx.ch.chip_share * (out.capex - repl + dues.due_hw) + repl
        coll = collateral_value(ctx.ch, st.ch.chip_book + buying, st.legacy, t)
        limits = borrowing_limits(ctx, ctx.ch, st.ch, st, out.rate, coll, credit, maturing, dues.due_int)
        need += limits.forced
        cap_debt = limits.room.copy()
    else:
        cap_debt = ctx.lev_cap * np.maximum(st.ebitda_ann, 0.0)
        cap_debt *= credit
        cap_debt -= debt - maturing
        np.maximum(cap_debt, 0.0, out=cap_debt)
    if ctx.any_refi:  # sponsor-rolled debt (SPVs): what falls due on web and outside debt is refinanced
        roll = dues.due_rep + dues.due_int
        roll += maturing
        roll += out.interest
        roll *= ctx.refi
        roll *= credit
        cap_debt += roll
    new_debt = np.minimum(need, cap_debt)
    new_debt[st.defaulted] = 0.0
    cap_eq = ctx.eq_cap_q * np.maximum(st.market_value, 0.0)
    cap_eq *= ctx.eq_app[:, t][None, :] * ctx.ev_eq[t]
    repaid = maturing if limits is None else maturing + limits.forced
    if st.defaulted.any():  # resolved: its debt was settled at resolution, nothing falls due
        repaid = np.where(st.defaulted, 0.0, repaid)

    def equity(debt: Array) -> Array:
        eq: Array = np.minimum(need - debt, cap_eq)
        eq[st.defaulted] = 0.0
        return eq

    if ctx.cred is not None:  # creditors lend and invest only what their capacity leaves (creditors.py)
        new_debt, new_equity = ration(ctx.cred, st.cred_used, new_debt, repaid, equity)
    else:
        new_equity = equity(new_debt)
    fin_in = new_debt + new_equity
    # liquidity order: cash, new money the markets provide, then discretionary (outside) capex
    # is cut before anything is left unpaid
    capex_cut = np.minimum(np.maximum(need - fin_in, 0.0), np.maximum(out.capex, 0.0))
    cash_b = cash_a + fin_in
    cash_b += capex_cut
    cash_b -= repaid
    return Financing(
        need=need,
        new_debt=new_debt,
        new_equity=new_equity,
        maturing=maturing,
        debt_repaid=repaid,
        cash_in=fin_in,
        cash_out=repaid,
        cash_after=cash_b,
        limits=limits,
        capex_cut=capex_cut,
    )


def _history(ctx: Context, st: State, dues: Dues, out: Outside, t: int) -> Financing:
    """Financing of a history quarter: funded in full, pinned to the reported debt and cash."""
    cash_a = st.cash + out.cash_in
    cash_a -= out.cash_out
    maturing = st.debt_out * ctx.mat_q
    need = np.maximum(ctx.min_cash + dues.due_out + maturing - cash_a - dues.due_in, 0.0)
    credit = ctx.cr_app[:, t][None, :] * ctx.ev_cr[t]
    cap_debt = np.maximum(
        ctx.lev_cap * np.maximum(st.ebitda_ann, 0.0) * credit - (st.debt_out + st.debt_web - maturing), 0.0
    )
    new_debt = np.minimum(need, cap_debt)
    repaid = maturing
    rep = reported_at(ctx, "debt", t)
    if rep is not None and rep[1].any():
        # the filing's debt is at the quarter's end: web loans drawn or repaid in the quarter
        # (paid in full in history) count in it
        d, has = rep
        n = ctx.web.n
        web_end = np.maximum(st.debt_web + dues.due4[3 * n :] - dues.due_rep, 0.0)
        delta = np.maximum(d - web_end, 0.0) - (st.debt_out - maturing)
        new_debt = np.where(has, np.maximum(delta, 0.0), new_debt)
        repaid = np.where(has, maturing + np.maximum(-delta, 0.0), maturing)
    pre = cash_a + new_debt - repaid
    equity = np.maximum(ctx.min_cash + dues.due_out - dues.due_in - pre, 0.0)
    other = np.zeros_like(pre)
    rep = reported_at(ctx, "cash", t)
    if rep is not None and rep[1].any():
        c, has = rep
        target = c + dues.due_out - dues.due_in  # cash before the web's payments
        equity = np.where(has, np.maximum(target - pre, 0.0), equity)
        other = np.where(has, np.maximum(pre - target, 0.0), other)
    fin_in = new_debt + equity
    fin_out = repaid + other
    return Financing(
        need=need,
        new_debt=new_debt,
        new_equity=equity,
        maturing=maturing,
        debt_repaid=repaid,
        cash_in=fin_in,
        cash_out=fin_out,
        cash_after=cash_a + fin_in - fin_out,
        capex_cut=np.zeros_like(fin_in),
    )
