"""Debt as a ladder of fixed and floating pieces; market rates on a path; borrowing capacity.

- Each entity's outside debt at the start splits into a fixed-coupon piece (``1 −
  channels.floating_share``, per entity in ``channels.floating_share_of``) paying the entity's
  starting ``rate`` until it matures (the engine's ``debt_maturity_years``), and the rest.
- The rest, and everything borrowed or refinanced in the horizon, pays the market rate
  ``r_t = min(max_rate, max(rate + Δpath_t, rate_floor) + spread·max(0, D/EBITDA − 1))``, with
  ``Δpath_t`` the move of the scenario's ``channels.rate_path`` since the first quarter: floating and
  refinanced debt reprice with the rate path plus the entity's own spread, fixed bonds do not.
- Borrowing capacity (total debt lenders will carry) is the tightest of the leverage limit
  ``leverage_limit·EBITDA``, the interest-cover limit (the debt ``D`` at which
  ``EBITDA / (coupon·F + I_web + r_t·(D − F − D_web)) = interest_cover_min``, with ``F`` the fixed
  pieces and ``I_web`` the interest on web loans, a year) and,
  for an entity with asset-backed lenders, unsecured debt plus the borrowing base; all × the
  quarter's credit appetite. Such an entity borrows ``channels.secured_share`` of its new debt from
  those lenders, so new debt is also at most (borrowing base − secured debt) / secured share.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.channels.context import ChannelContext, ChannelState
from circularity.projection.state import EPS, Context, State
from circularity.valuation.going_concern import lending_spread

__all__ = ["Limits", "borrowing_limits", "ladder_interest", "market_rate"]


def market_rate(ctx: Context, cc: ChannelContext, st: State, t: int) -> Array:
    """The rate new, floating and refinanced debt pays in quarter ``t``, ``(n, S)``: the base rate
    plus the leverage rule's spread, or, where the scenario sets ``globals.market_priced_financing``,
    Merton's credit spread of the quarter before (:func:`~circularity.valuation.going_concern.lending_spread`)."""
    debt = st.debt_out + st.debt_web
    lev = np.full(debt.shape, 1e300)  # no EBITDA: the rate goes to its cap
    np.divide(debt, st.ebitda_ann, out=lev, where=st.ebitda_ann > EPS)
    lev -= 1.0
    np.maximum(lev, 0.0, out=lev)
    lev *= ctx.spread
    if ctx.market_financing and st.credit_spread is not None:
        # globals.market_priced_financing: Merton's spread of last quarter replaces the leverage rule
        lev = lending_spread(lev, st.credit_spread)
    base = np.maximum(ctx.e["rate"] + cc.rate_delta[t], cc.floor)
    lev += base
    return np.asarray(np.minimum(lev, np.maximum(ctx.top_rate, base), out=lev))


def ladder_interest(ctx: Context, cc: ChannelContext, cs: ChannelState, st: State, r_mkt: Array) -> Array:
    """Interest of the quarter on outside debt: fixed pieces at their coupon, the rest at ``r_mkt``."""
    fixed = np.minimum(cs.fixed_debt, st.debt_out)
    out = fixed * ctx.e["rate"]
    out += (st.debt_out - fixed) * r_mkt
    out *= 0.25
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The quarter's borrowing limits, ``(n, S)``."""

    capacity: Array  # total debt lenders will carry (× credit appetite)
    room: Array  # new debt possible this quarter
    forced: Array  # asset-backed debt to repay now (loan-to-value covenant breached)
    secured_left: Array  # asset-backed debt after maturities and the forced repayment


def borrowing_limits(
    ctx: Context,
    cc: ChannelContext,
    cs: ChannelState,
    st: State,
    r_mkt: Array,
    collateral: Array,
    credit: Array,
    maturing: Array,
    web_interest_q: Array,
) -> Limits:
    """Borrowing capacity, the room left under it, and the covenant's forced repayment."""
    eb = np.maximum(st.ebitda_ann, 0.0)
    debt = st.debt_out + st.debt_web
    lev_lim = ctx.lev_cap * eb
    # interest cover: fixed pieces and web loans keep their interest, the rest pays r_mkt
    fixed = np.minimum(cs.fixed_debt, st.debt_out)
    locked = fixed * ctx.e["rate"] + 4.0 * web_interest_q
    ic_lim = np.full(eb.shape, np.inf)
    np.divide(eb / cc.ic_min - locked, r_mkt, out=ic_lim, where=r_mkt > 0)
    ic_lim += fixed + st.debt_web
    np.maximum(ic_lim, 0.0, out=ic_lim)
    cap = np.minimum(lev_lim, ic_lim)
    cap *= credit
    room = cap - (debt - maturing)
    forced = np.zeros(cap.shape)
    sec_left = cs.secured * (1.0 - ctx.mat_q)
    a = cc.asset_idx  # rows with asset-backed lenders (few): the covenant and the base
    if a.size:
        cr = np.broadcast_to(credit, cap.shape)[a]
        coll = np.broadcast_to(collateral, cap.shape)[a]
        sec = sec_left[a]
        f = np.maximum(sec - cc.covenant[a] * coll, 0.0)
        sec = sec - f
        base = cc.ltv[a] * coll
        cap[a] = np.minimum(cap[a], (np.maximum(debt[a] - cs.secured[a], 0.0) + base) * cr)
        # a share of new debt comes from the asset-backed lenders, within the borrowing base
        room[a] = np.minimum(cap[a] - (debt[a] - maturing[a] - f), (base * cr - sec) / cc.secured_share[a])
        forced[a] = f
        sec_left[a] = sec
    np.maximum(room, 0.0, out=room)
    return Limits(capacity=cap, room=room, forced=forced, secured_left=sec_left)
