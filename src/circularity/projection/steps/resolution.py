"""Step 5, resolution: who defaults this quarter, and what a default does (a court's resolution).

An entity defaults when what it leaves unpaid is material. In that quarter its estate (its cash
and the realised value of its fixed assets) goes to its creditors, secured claims first from their
collateral (``resolution.secured``) and the rest pro rata to their claims, its
contracts are terminated, its debt is settled by what its creditors recover and its equity goes
to zero; from then on it has no cash, no revenue and no costs of its own. A successor named by
the scenario (``resolution.successors``) assumes its operating and hardware contracts at a new
price and carries its business (:mod:`circularity.projection.succession`); without one they are
terminated. Its creditors book ``claim − recovery`` as a credit loss.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.projection.aggregation import Aggregation
from circularity.projection.channels.fleet import collateral_value
from circularity.projection.state import Context, State
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside

__all__ = ["DefaultRecord", "Resolved", "relet", "resolution", "unpaid_outside", "wound_down"]

#: the creditor name for claims held outside the web (outside lenders, suppliers, tax)
OUTSIDE = "outside creditors"


@dataclass(frozen=True, slots=True, kw_only=True)
class DefaultRecord:
    """One default of scenario 0 (``circularity project --out``: ``defaults.csv``)."""

    entity: str
    quarter: str
    trigger: str
    shortfall: float  # left unpaid in the quarter (web dues and outside bills)
    obligations: float  # the quarter's obligations the materiality test compares it with
    claims: float  # creditors' claims at resolution (unpaid dues, damages, debt)
    recovered: float  # what the estate paid them
    recovery_rate: float  # recovered / claims
    secured_claims: float = 0.0  # claims secured on named collateral (paid first from it)
    secured_recovery_rate: float = float("nan")  # what secured claims recovered (NaN: none)
    unsecured_recovery_rate: float = 0.0  # what unsecured claims (and deficiencies) recovered
    losses: dict[str, float]  # creditor → claim − recovery
    terminated: tuple[str, ...]  # contracts terminated (deal ids)
    assumed: tuple[str, ...] = ()  # contracts assumed by a successor (resolution.successors)
    #: ``reported`` where the ledger gives the entity's cash, debt or capex, else ``unknown``: its
    #: estate holds only what the projection built for it, so the recovery is a floor, not an estimate
    estate: str = "reported"
    #: ``reported`` where the entity has revenue (an outside revenue path, or operating receipts
    #: in the web), else ``unknown``: the ledger records its financing but not its business (a
    #: data-centre project's lease income), so the model pays its debt service from nothing and
    #: its default says what the data lack, not what the firm will do
    revenue: str = "reported"


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """Defaults after quarter ``t``, ``(n, S)``; contracts ``(m, S)``."""

    defaulted: Array
    first_default: Array
    newly: Array  # defaulted in this quarter (resolved now)
    resolution_in: Array  # cash received in resolution: a creditor's recovery; the estate's asset sales
    resolution_out: Array  # cash paid out in resolution: the estate's whole cash to its creditors
    asset_sales: Array  # realised value of the estate's fixed assets (inside resolution_in)
    web_losses: Array  # damages on contracts of debtors resolved now, less recoveries (by creditor)
    unpaid_outside: Array  # outside bills and maturing debt left unpaid (the liquidity order's last step)
    unpaid_bills: Array | None = None  # the outside bills among them: owed on as outside debt (payables)
    lent_off: Array | None = None  # by lender: web loan principal owed by a debtor resolved now (written off)
    sold: Array | None = None  # (n, S) estates resolved now that sold their loans and stakes (None: none)
    debt_moved: Array | None = (
        None  # by borrower: web debt an estate sold to outside investors (now outside debt)
    )
    cut: Array  # contracts still honoured: those of a defaulted payer or payee are terminated
    cut_ev: Array | None = None  # the events-only share, with the twins a successor takes up woken
    #: by creditor (``creditors.debt``): claim − recovery on the outside debt it held of a debtor
    #: resolved now, and what it recovered (None: no named holder)
    out_losses: Array | None = None
    out_recovered: Array | None = None
    detail: tuple[DefaultRecord, ...] = ()


def _unresolved(
    st: State, cl: Cleared, defaulted: Array, newly: Array, owed: Array, bills: Array | None
) -> Resolved:
    """A quarter in which nobody is resolved: no transfers, contracts as cleared."""
    zero = np.zeros_like(cl.cash_after)
    return Resolved(
        defaulted=defaulted,
        first_default=st.first_default,
        newly=newly,
        resolution_in=zero,
        resolution_out=zero,
        asset_sales=zero,
        web_losses=zero,
        unpaid_outside=owed,
        unpaid_bills=bills,
        cut=cl.cut,
    )


def unpaid_outside(cash_after: Array, out: Outside, repaid: Array) -> tuple[Array, Array]:
    """The liquidity order's last step: a cash gap left after cash, new money, capex cuts and
    the web's clearing is not paid. Outside bills (operating costs, interest, tax) are left
    unpaid first (they stay owed, as outside debt: payables), then maturing outside debt (it stays
    owed); returns ``(bills, debt)`` unpaid."""
    gap = np.maximum(-cash_after, 0.0)
    bills = np.minimum(gap, np.maximum(out.cash_out, 0.0))
    return bills, np.minimum(gap - bills, np.maximum(repaid, 0.0))


def resolution(
    ctx: Context,
    st: State,
    dues: Dues,
    out: Outside,
    cl: Cleared,
    debt_out: Array,
    capital: Array,
    t: int,
    unpaid_bills: Array | None = None,
    unpaid_debt: Array | None = None,
) -> Resolved:
    """Who defaults in quarter ``t`` and the resolution of those who do.

    Trigger: dues left unpaid in the web plus outside bills left unpaid (``unpaid_bills``) exceed
    ``default_materiality`` of the quarter's obligations (web dues plus outside outflows). Never
    in history (before ``first_projected``), where only the ledger records defaults.

    Claims on a defaulting entity ``i``: its dues unpaid this quarter; for each of its contracts
    as payer, terminated, the damages: ``relet_haircut`` of the remaining operating and hardware
    payments (the payee re-lets the capacity at that discount, :func:`relet`) and the whole
    remaining principal of its web loans (future interest and investment commitments lapse);
    outside, its debt and its unpaid bills.

    Seniority (``resolution.secured``; and the debt an entity with ``channels.ltv`` drew from
    its asset-backed lenders): secured claims ``C_s`` are paid first from their collateral
    ``V`` (chips at collateral value, or every fixed asset at book; at most ``K``), ``P_s =
    min(C_s, V)``. The rest, ``U = C − P_s`` (unsecured claims and the secured deficiency),
    recovers ``R_u = min(U, cash + K − P_s, max(cash, recovery_rate·U))`` (``K`` its fixed
    assets at book: creditors never get more than the estate holds, and at least its cash),
    pro rata; a secured claim recovers ``P_s / C_s + (1 − P_s / C_s)·R_u / U``. Without secured
    claims this is ``R = min(C, cash + K, max(cash, recovery_rate·C))`` pro rata. Its cash and
    asset sales go out
    (``resolution_out``): it ends the quarter with no cash, no debt and no fixed assets.
    """
    zero = np.zeros_like(cl.cash_after)
    web = ctx.web
    if t < web.first_projected:
        return _unresolved(st, cl, st.defaulted, np.zeros_like(st.defaulted), zero, None)
    bills = zero if unpaid_bills is None else unpaid_bills
    owed = bills if unpaid_debt is None else bills + unpaid_debt
    unpaid = cl.shortfall + owed
    obligations = dues.due_out + out.cash_out + owed
    newly = unpaid > ctx.materiality * np.maximum(obligations, 1e-9)
    newly &= ~st.defaulted
    defaulted = st.defaulted | newly
    if not newly.any():
        return _unresolved(st, cl, defaulted, newly, owed, bills)
    first = np.where(newly & (st.first_default < 0), t, st.first_default)
    agg = ctx.agg
    cat = ctx.agg.category
    # claims per contract (m, S): unpaid now, plus damages on the terminated remainder
    weight = np.where((cat <= 1)[:, None], ctx.relet_haircut, (cat == 4)[:, None] * 1.0)
    if agg.assumed_k is not None and agg.succ_price is not None:
        # a contract a successor assumes: the counterparty claims the price cut, not re-letting
        cut_price = (1.0 - agg.succ_price[web.payer])[:, None]
        weight = np.where(agg.assumed_k[:, None], cut_price, weight)
    by_new = newly[web.payer]  # (m, S) contracts whose payer is resolved now
    unpaid_k = dues.amount * np.maximum(1.0 - cl.ratio[web.payer], 0.0)
    future_k = _remaining(agg, dues, t)
    future_k *= weight
    claim_k = np.where(by_new, unpaid_k + future_k, 0.0)
    web_claims = agg.payer_all @ claim_k  # (n, S) by debtor
    out_claims = np.where(newly, np.maximum(debt_out, 0.0), 0.0)  # with the bills left unpaid
    claims = web_claims + out_claims
    # the estate sells the loans it made and the stakes it held to outside investors
    sold_k = np.where(
        newly[web.payee] & ~defaulted[web.payer] & (cat == 4)[:, None], _remaining(agg, dues, t), 0.0
    )
    proceeds = agg.payee_all @ sold_k
    moved = agg.payer_all @ sold_k
    proceeds += np.where(newly, _stakes_value(ctx, st), 0.0)
    cash = np.where(newly, np.maximum(cl.cash_after, 0.0) + proceeds, 0.0)
    book = np.where(newly, np.maximum(capital, 0.0), 0.0)
    rr = ctx.recovery
    # seniority: secured claims are paid first from their collateral, at its value
    sec_k = agg.secured_k
    sec_claims = _secured_outside(st, newly, out_claims)
    out_sec = sec_claims.copy()
    if sec_k is not None:
        sec_claims = sec_claims + agg.payer_all @ (claim_k * sec_k[:, None])
    paid_sec = np.zeros_like(cash)
    cover = np.zeros_like(cash)
    if (sec_claims > 0).any():
        coll = _collateral(ctx, st, dues, out, cl, book, t)
        paid_sec = np.minimum(sec_claims, coll)
        np.divide(paid_sec, sec_claims, out=cover, where=sec_claims > 1e-12)
    unsec = claims - paid_sec
    # recoveries received by a creditor resolved in the same quarter join its estate: a few
    # passes reach the fixed point (recoveries only grow and are bounded by the claims)
    got = np.zeros_like(cash)
    rate_u = np.zeros_like(cash)
    rate_s = cover
    rec_k = np.zeros_like(claim_k)
    for _ in range(4):
        rate_u, rate_s, rec_k = _class_rates(
            web, agg, cash + np.where(newly, got, 0.0), book, paid_sec, unsec, cover, rr, claim_k
        )
        new_got = agg.payee_all @ rec_k
        if np.allclose(new_got, got, rtol=0.0, atol=1e-12):
            got = new_got
            break
        got = new_got
    estate_cash = cash + np.where(newly, got, 0.0)
    rate_u, rate_s, _ = _class_rates(web, agg, estate_cash, book, paid_sec, unsec, cover, rr, claim_k)
    recovered = paid_sec + rate_u * unsec
    held_loss = out_losses = out_rec = None
    if ctx.cred is not None:  # the named holder of its outside debt (creditors.debt) books its loss
        has = (ctx.cred.debt_holder >= 0)[:, None] & newly
        held = np.where(has, np.maximum(out_claims - bills, 0.0), 0.0)  # unpaid bills: suppliers, tax
        held_sec = np.minimum(out_sec, held)
        held_loss = held_sec * (1.0 - rate_s) + (held - held_sec) * (1.0 - rate_u)
        out_losses = ctx.cred.debt_of @ held_loss
        out_rec = ctx.cred.debt_of @ (held - held_loss)
    rate = np.zeros_like(cash)
    np.divide(recovered, claims, out=rate, where=claims > 1e-12)
    sales = np.where(newly, np.maximum(recovered - estate_cash, 0.0), 0.0)
    res_out = np.where(newly, estate_cash + sales, 0.0)  # the estate's cash: creditors, then owners
    res_in = got + sales
    res_in += np.where(newly, proceeds, 0.0)
    damages = agg.payee_all @ np.where(by_new, future_k, 0.0)  # unpaid dues are booked as they fall due
    alive = ~defaulted
    live = alive[web.payer] & alive[web.payee]
    cut = cl.cut * live
    cut_ev = None
    if agg.twins is not None:  # successors take up the contracts of those resolved now
        tw, orig, src = agg.twins
        wake = newly[src]
        cut[tw] = np.where(wake, dues.cut[orig] * live[tw], cut[tw])  # before the payer's shortfall cut
        cut_ev = dues.cut_ev.copy()
        cut_ev[tw] = np.where(wake, dues.cut_ev[orig], cut_ev[tw])
    detail: tuple[DefaultRecord, ...] = ()
    if ctx.S == 1:
        detail = _records(
            ctx,
            t,
            newly,
            unpaid,
            obligations,
            claims,
            recovered,
            claim_k,
            rec_k,
            (out_claims, out_sec),
            (rate, rate_s, rate_u, sec_claims),
            cl.cut,
            held_loss,
        )
    return Resolved(
        defaulted=defaulted,
        first_default=first,
        newly=newly,
        resolution_in=res_in,
        resolution_out=res_out,
        asset_sales=sales,
        web_losses=damages - got,
        unpaid_outside=owed,
        unpaid_bills=bills,
        lent_off=agg.payee_all @ np.where(by_new & (cat == 4)[:, None], claim_k, 0.0),
        cut=cut,
        cut_ev=cut_ev,
        sold=newly,
        debt_moved=moved,
        out_losses=out_losses,
        out_recovered=out_rec,
        detail=detail,
    )


def _records(
    ctx: Context,
    t: int,
    newly: Array,
    unpaid: Array,
    obligations: Array,
    claims: Array,
    recovered: Array,
    claim_k: Array,
    rec_k: Array,
    outside: tuple[Array, Array],
    rates: tuple[Array, Array, Array, Array],
    cut_before: Array,
    held_loss: Array | None = None,
) -> tuple[DefaultRecord, ...]:
    """The defaults of scenario 0 in quarter ``t``, with each creditor's loss (the named holder
    of its outside debt, ``creditors.debt``, else ``outside creditors``)."""
    web = ctx.web
    q = web.quarters[t]
    mat = float(np.asarray(ctx.materiality).flat[0])
    out_claims, out_sec = outside
    rate, rate_s, rate_u, sec_claims = rates
    revenue = revenue_basis(ctx)
    recs = []
    for i in np.flatnonzero(newly[:, 0]):
        losses: dict[str, float] = {}
        for k in np.flatnonzero((web.payer == i) & (claim_k[:, 0] > 0)):
            name = web.entities[int(web.payee[k])]
            losses[name] = losses.get(name, 0.0) + float(claim_k[k, 0] - rec_k[k, 0])
        oc, os_ = float(out_claims[i, 0]), float(out_sec[i, 0])
        if oc > 0:
            ru, rs = float(rate_u[i, 0]), float(rate_s[i, 0])
            lost = os_ * (1.0 - rs) + (oc - os_) * (1.0 - ru)
            cc = ctx.cred
            if held_loss is not None and cc is not None and held_loss[i, 0] > 0:
                name = web.entities[int(cc.debt_holder[i])]
                losses[name] = losses.get(name, 0.0) + float(held_loss[i, 0])
                lost -= float(held_loss[i, 0])
            if lost > 1e-9:  # outside bills left unpaid, and debt whose holder is not named
                losses[OUTSIDE] = lost
        mine = ((web.payer == i) | (web.payee == i)) & (cut_before[:, 0] > 0)
        assumed = np.zeros(web.m, dtype=bool)
        if ctx.agg.assumed_k is not None:
            assumed = mine & ctx.agg.assumed_k
            mine &= ~ctx.agg.assumed_k
        u, o = float(unpaid[i, 0]), float(obligations[i, 0])
        recs.append(
            DefaultRecord(
                entity=web.entities[int(i)],
                quarter=q,
                trigger=(
                    f"material shortfall: {u:.3f} unpaid of {o:.3f} due "
                    f"({u / max(o, 1e-12):.1%} > default_materiality {mat:.1%})"
                ),
                shortfall=u,
                obligations=o,
                claims=float(claims[i, 0]),
                recovered=float(recovered[i, 0]),
                recovery_rate=float(rate[i, 0]),
                secured_claims=float(sec_claims[i, 0]),
                secured_recovery_rate=float(rate_s[i, 0]) if sec_claims[i, 0] > 0 else float("nan"),
                unsecured_recovery_rate=float(rate_u[i, 0]),
                losses={k: v for k, v in sorted(losses.items(), key=lambda kv: -kv[1]) if v > 0},
                terminated=tuple(dict.fromkeys(web.deal_id[int(k)] for k in np.flatnonzero(mine))),
                assumed=tuple(dict.fromkeys(web.deal_id[int(k)] for k in np.flatnonzero(assumed))),
                estate=_estate(web, int(i)),
                revenue=revenue[int(i)],
            )
        )
    return tuple(recs)


#: starting figures that give an estate something of its own to recover from
_ESTATE_FIELDS = ("cash", "debt", "capex_annual", "depreciation_annual")


def _estate(web: Web, i: int) -> str:
    """``reported`` if the ledger gives entity ``i`` a balance-sheet or capex figure, else
    ``unknown`` (unknown is not zero: a data-centre project whose construction is not in the
    ledger has an empty estate in the model, so its creditors' recovery is a floor)."""
    known = any(np.isfinite(web.financials[f][i]) for f in _ESTATE_FIELDS if f in web.financials)
    return "reported" if known else "unknown"


def revenue_basis(ctx: Context) -> tuple[str, ...]:
    """Per entity, ``reported`` if it has a business in the run (an outside revenue path in some
    quarter, or operating or hardware contracts paying it), else ``unknown``."""
    outside = np.asarray(ctx.out_rev).reshape(ctx.web.T, ctx.web.n, -1).max(axis=(0, 2)) > 0
    known = revenue_known(ctx.web, ctx.agg.category, outside)
    return tuple("reported" if k else "unknown" for k in known.tolist())


def revenue_known(web: Web, category: Array, outside: Array) -> Array:
    """``(n,)`` bool: the entity has an outside revenue path (``outside``) or operating or hardware
    contracts paying it (``category`` ≤ 1, :data:`~circularity.projection.aggregation.CATEGORY_OF`)."""
    paid = np.zeros(web.n, dtype=bool)
    paid[np.asarray(web.payee)[(category <= 1) & (web.schedule.sum(axis=1) > 0)]] = True
    return np.asarray(outside, dtype=bool) | paid


def _remaining(agg: Aggregation, dues: Dues, t: int) -> Array:
    """Each contract's payments still scheduled after quarter ``t`` as honoured now, ``(m, S)``."""
    return np.asarray(agg.suffix_next[t][:, None] * dues.cut)


def _stakes_value(ctx: Context, st: State) -> Array:
    """What each entity's stakes fetch when its estate sells them: the ledger's holdings at the
    start of the quarter's market value (``H · MV``, the valuation's value of the stakes) plus
    the equity it paid into web entities inside the horizon, at cost."""
    held = ctx.web.holdings @ st.market_value if ctx.web.holdings.any() else np.zeros_like(st.cash)
    return held if st.stakes_paid is None else held + st.stakes_paid


def _secured_outside(st: State, newly: Array, out_claims: Array) -> Array:
    """Outside debt drawn from asset-backed lenders (channels: ``secured_share`` of the new debt of
    an entity with ``channels.ltv``), secured on its chips, at the start of the quarter."""
    if st.ch is None:
        return np.zeros_like(out_claims)
    return np.where(newly, np.minimum(np.maximum(st.ch.secured, 0.0), out_claims), 0.0)


def _collateral(ctx: Context, st: State, dues: Dues, out: Outside, cl: Cleared, book: Array, t: int) -> Array:
    """The value of each estate's collateral at the quarter's end, at most its fixed assets:
    its chips at their collateral value (book × the secondary-market index), or every fixed
    asset at book where ``resolution.secured`` says ``fixed_assets`` (or without channels)."""
    cc = ctx.ch
    if cc is None or st.ch is None:
        return book
    repl = 0.0 if out.replacement is None else out.replacement
    chips = cc.chip_share * (out.capex - repl + cl.ratio * dues.due_hw) + repl
    chip_book = np.maximum(st.ch.chip_book + chips - st.ch.chip_dep, 0.0)
    legacy = st.legacy - np.minimum(ctx.legacy_dep, st.legacy)
    coll = np.minimum(collateral_value(cc, chip_book, legacy, t), book)
    if ctx.agg.coll_fixed is not None:
        coll = np.where(ctx.agg.coll_fixed, book, coll)
    return coll


def _class_rates(
    web: Web,
    agg: Aggregation,
    estate_cash: Array,
    book: Array,
    paid_sec: Array,
    unsec: Array,
    cover: Array,
    rr: Array,
    claim_k: Array,
) -> tuple[Array, Array, Array]:
    """Recovery rates of the unsecured class (unsecured claims and the secured claims'
    deficiencies: ``min(U, cash + K − P_sec, max(cash, recovery_rate·U)) / U``) and of the
    secured class (``cover + (1 − cover)·rate_u``), and each contract's recovery."""
    rec_u = np.minimum(unsec, np.minimum(estate_cash + book - paid_sec, np.maximum(estate_cash, rr * unsec)))
    rate_u = np.zeros_like(rec_u)
    np.divide(rec_u, unsec, out=rate_u, where=unsec > 1e-12)
    rate_s = cover + (1.0 - cover) * rate_u
    k_rate = rate_u[web.payer]
    if agg.secured_k is not None:
        k_rate = np.where(agg.secured_k[:, None], rate_s[web.payer], k_rate)
    return rate_u, rate_s, claim_k * k_rate


def wound_down(ctx: Context, st: State, out: Outside) -> Outside:
    """Outside flows of a resolved entity: none of its own (no revenue, costs, capex, interest or
    tax once resolved). A successor (``resolution.successors``) carries its business: the
    resolved entity's outside revenue and operating costs as a going concern become the
    successor's (its capex, interest and tax do not: the estate settled its debt)."""
    if not st.defaulted.any():
        return out
    a = ~st.defaulted
    revenue, opex = out.revenue * a, out.opex * a
    succ = ctx.agg.successor
    if succ is not None and (st.defaulted & (succ >= 0)[:, None]).any():
        carried = st.defaulted & (succ >= 0)[:, None]
        rev_c = np.zeros_like(revenue)
        opx_c = np.zeros_like(opex)
        rows = np.flatnonzero(succ >= 0)
        np.add.at(rev_c, succ[rows], np.where(carried[rows], out.revenue[rows], 0.0))
        np.add.at(opx_c, succ[rows], np.where(carried[rows], out.opex[rows], 0.0))
        rev_c *= a  # a successor resolved itself carries nothing
        opx_c *= a
        revenue = revenue + rev_c
        opex = opex + opx_c
        return replace(
            out,
            revenue=revenue,
            opex=opex,
            capex=out.capex * a,
            interest=out.interest * a,
            cash_in=out.cash_in * a + rev_c,
            cash_out=out.cash_out * a + opx_c,
            replacement=None if out.replacement is None else out.replacement * a,
        )
    return replace(
        out,
        revenue=revenue,
        opex=opex,
        capex=out.capex * a,
        interest=out.interest * a,
        cash_in=out.cash_in * a,
        cash_out=out.cash_out * a,
        replacement=None if out.replacement is None else out.replacement * a,
    )


def relet(ctx: Context, st: State, dues: Dues, out: Outside, t: int) -> Outside:
    """Capacity rented outside the web, as outside revenue of the seller (compute seller revenue
    = capacity × utilisation × price, ``channels.utilisation``; 1 without channels):

    - of contracts terminated by a resolved payer: re-let at ``1 − relet_haircut`` of the
      contract's price (operating and hardware contracts, as scheduled and cut by the scenario's
      own events), unless a successor assumed them;
    - of contracts that ended and were not renewed (``1 − renewal_share`` of their capacity, at the
      rental-price index: ``web.relet_outside``), while the seller is not resolved.
    """
    web = ctx.web
    cc = ctx.ch
    extra = None
    if st.defaulted.any() and web.m:
        gone = st.defaulted[web.payer] & ~st.defaulted[web.payee]
        if ctx.agg.assumed_k is not None:  # a successor pays these: nothing to re-let
            gone &= ~ctx.agg.assumed_k[:, None]
        if gone.any():
            share = (1.0 - ctx.relet_haircut) * (ctx.agg.category <= 1)[:, None]
            money = dues.base_due * dues.cut_ev * share * gone
            extra = np.asarray(ctx.agg.payee_all @ money)
            if cc is not None:
                extra *= cc.util
    if cc is not None and cc.relet_out is not None and cc.relet_out[t].any():
        offered = cc.relet_out[t] * ~st.defaulted if st.defaulted.any() else cc.relet_out[t]
        extra = offered if extra is None else extra + offered
    if extra is None:
        return out
    # the re-let capacity carries the operating cost ratio of any revenue (it was already built)
    cost = ctx.opex_ratio * extra
    return replace(
        out,
        revenue=out.revenue + extra,
        opex=out.opex + cost,
        cash_in=out.cash_in + extra,
        cash_out=out.cash_out + cost,
    )
