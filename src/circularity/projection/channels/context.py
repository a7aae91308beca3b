"""The channels' fixed arrays (:class:`ChannelContext`) and stocks (:class:`ChannelState`).

Arrays are entity-major ``(n, S or 1)`` like the rest of the engine; paths ``(T,)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array
from circularity.compile import Web
from circularity.projection.aggregation import Aggregation
from circularity.projection.scenario import Channels, path_values

__all__ = ["AI_KINDS", "ChannelContext", "ChannelState", "build_channels", "initial_channels"]


#: kinds of entity whose capex is the AI build-out (required revenue is summed over these)
AI_KINDS = ("lab", "hyperscaler", "neocloud", "datacenter")
#: contract kinds whose capacity the payee holds (it builds and runs the data centres)
SELLER_KINDS = ("compute", "lease", "backstop")


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelContext:
    """What the channels read that does not change from quarter to quarter."""

    chip_share: Array  # (n, 1) share of capex that is chips (economic life = GPU life)
    bldg_inv: float  # 1 / building life in quarters
    replace: float  # share of a retiring chip vintage replaced
    sec_index: Array  # (T,) secondary-market price of chips relative to book
    asset: Array  # (n, 1) bool: borrows from asset-backed lenders
    asset_idx: Array  # their rows
    ltv: Array  # (n, 1) loan-to-value those lenders lend at (0 where none)
    secured_share: Array  # (n, 1) share of new debt that is asset-backed (1 where no such lender)
    covenant: (
        Array  # (n, 1) covenant maximum of debt / collateral (1 if unstated; 0 and unused where no lender)
    )
    rate_delta: Array  # (T, 1, S or 1) rate path less its first value, plus the run's shift: the
    # move every market rate (and the cost of capital) takes
    lives: tuple[tuple[int, Array], ...]  # each distinct chip life in quarters, with its (n, S) mask
    floor: Array  # (1, S or 1) the scenario's rate floor (globals.rate_floor) on market rates
    float_share: Array  # (n, 1) share of starting outside debt that floats
    ic_min: Array  # (n, 1) lenders' minimum EBITDA / interest
    lead_q: int  # quarters construction runs ahead of the receipts it builds for
    lead_ok: Array  # (n, 1) builds ahead: its starting cash is known (unknown cash is not zero cash)
    coc: float  # cost of capital (required revenue)
    opex_req: Array  # (n, 1) operating-cost ratio for required revenue (< 1)
    ai: Array  # (n,) bool: entity of the AI build-out (AI_KINDS)
    lab: Array  # (n, 1) bool: compute buyer whose revenue follows the compute it receives
    elast: float  # compute → revenue elasticity of a lab
    paced: Array  # (m,) contracts paced by power delivered (GW-linked hardware, GW compute)
    any_paced: bool
    sched_buy: Array  # (T, n, 1) compute + hardware dues as scheduled, by payer (uncut, unpaced)
    by_payer_buy: Any  # (n, m) sparse: compute + hardware contracts by payer
    by_payee_ophw: Any  # (n, m) sparse: operating + hardware contracts by payee
    gw_hold: Array  # (n, m) GW of each contract by the entity that holds the capacity
    gw_idx: Array  # contracts with GW (the only ones gw_delivered reads)
    gw_hold_k: Any  # (n, k) sparse: gw_hold on those contracts
    gw_live: Array  # (T, m) 1 while a contract is contracted (started or not, not yet ended)
    gw_frac: Array  # (T, m) share of a contract's GW delivered as scheduled (before power)
    gw_contracted: Array  # (T, n, 1) GW contracted by holder (before cuts)
    util: Array  # (n, 1) share of capacity offered outside a take-or-pay contract that is rented
    relet_out: Array | None = (
        None  # (T, n, 1) by seller: ended, unrenewed capacity rented (× util; None: none)
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelState:
    """The channels' stocks at the end of a quarter, ``(n, S)``."""

    chip_hist: tuple[Array, ...]  # chip purchases by quarter (the vintages)
    chip_dep: Array  # depreciation charge per quarter of the chip vintages in service
    bldg_dep: Array  # of buildings and power
    chip_book: Array  # net book value of the chips bought in the horizon
    chip_gross: Array  # purchase cost of the chips in service (not yet retired)
    bldg_gross: Array  # purchase cost of the buildings bought in the horizon
    retired: Array  # chips retired at the end of this quarter (replaced next quarter)
    fixed_debt: Array  # outside debt at its fixed coupon (runs off at maturity)
    secured: Array  # debt drawn from asset-backed lenders in the horizon


def _gw_per_contract(web: Web, ch: Channels, chip_price: float) -> Array:
    """GW of each contract: as the deal states, else derived from its dollars (compute: annual
    spend / price per GW-year; hardware: amount / chip cost per GW); 0 for money that builds none."""
    m = web.m
    stated = web.gigawatts if web.gigawatts is not None else np.full(m, np.nan)
    total = web.schedule.sum(axis=1)
    active = np.maximum((web.schedule > 0).sum(axis=1), 1) / 4.0  # years paid
    gw = np.zeros(m)
    for k in range(m):
        kind = web.kind[k]
        if kind not in (*SELLER_KINDS, "hardware"):
            continue
        if np.isfinite(stated[k]) and stated[k] > 0:
            gw[k] = stated[k]
        elif kind == "hardware":
            gw[k] = total[k] / chip_price
        else:
            gw[k] = total[k] / active[k] / ch.usd_bn_per_gw_year.value
    return gw


def build_channels(
    web: Web, agg: Aggregation, ch: Channels, e: dict[str, Array], floor: Array, shift: Array
) -> ChannelContext:
    """The channels' fixed arrays for one block (pure)."""
    n, m, T, q = web.n, web.m, web.T, web.quarters
    ids = web.entities
    asset = np.array([x in ch.ltv for x in ids])[:, None]
    ltv = np.array([ch.ltv[x].value if x in ch.ltv else 0.0 for x in ids])[:, None]
    cov = np.array(
        [ch.ltv_covenant[x].value if x in ch.ltv_covenant else (0.0 if x not in ch.ltv else 1.0) for x in ids]
    )[:, None]
    fl = np.array(
        [ch.floating_share_of[x].value if x in ch.floating_share_of else ch.floating_share.value for x in ids]
    )[:, None]
    rate = path_values(ch.rate_path, q)
    kinds = np.array(web.kind, dtype=object)
    seller = np.isin(kinds, SELLER_KINDS)
    hw = kinds == "hardware"
    chip_price = ch.usd_bn_per_gw.value * ch.chip_share.value
    gw = _gw_per_contract(web, ch, max(chip_price, 1e-9))
    holder = np.where(hw, web.payer, web.payee)
    gw_hold = np.zeros((n, m))
    gw_hold[holder, np.arange(m)] = gw
    sched = web.schedule
    started = np.cumsum(sched, axis=1) > 0
    ends = np.array([np.flatnonzero(r).max() if r.any() else -1 for r in sched])
    live = (np.arange(T)[None, :] <= ends[:, None]) | (hw[:, None] & started)
    peak = np.maximum(sched.max(axis=1, keepdims=True), 1e-12)
    total = np.maximum(sched.sum(axis=1, keepdims=True), 1e-12)
    # compute: capacity in use ∝ the quarter's payment; hardware: the chips bought so far
    frac = np.where(hw[:, None], np.cumsum(sched, axis=1) / total, sched / peak)
    stated = web.gigawatts if web.gigawatts is not None else np.full(m, np.nan)
    # a compute contract that states its GW is paid as its GW are delivered (power-paced)
    paced = web.gw_linked | (seller & np.isfinite(stated) & (np.nan_to_num(stated) > 0))
    buy_sel = agg.by_payer[n : 3 * n]  # operating and hardware dues by payer
    by_payer_buy = (buy_sel[:n] + buy_sel[n:]).tocsr()
    # a successor's dormant twins are not scheduled for it (they wake only on a resolution)
    mine = sched if agg.twin_k is None else np.where(agg.twin_k[:, None], 0.0, sched)
    sched_buy = by_payer_buy @ mine
    opex = np.minimum(np.maximum(e["opex_ratio"][:, :1], 0.0), 0.95)
    life_q = np.maximum(np.rint(4 * e["useful_life_years"]).astype(np.int64), 1)  # as the Context's
    lab = np.array([k == "lab" for k in web.entity_kinds])[:, None]
    util = np.array(
        [ch.utilisation_of[x].value if x in ch.utilisation_of else ch.utilisation.value for x in ids]
    )[:, None]
    return ChannelContext(
        chip_share=np.array(
            [ch.chip_share_of[x].value if x in ch.chip_share_of else ch.chip_share.value for x in ids]
        )[:, None],
        bldg_inv=1.0 / max(round(4 * ch.building_life_years.value), 1),
        replace=ch.replacement_share.value,
        sec_index=path_values(ch.secondary_price_index, q),
        asset=asset,
        asset_idx=np.flatnonzero(asset[:, 0]),
        ltv=ltv,
        covenant=cov,
        secured_share=np.array([ch.secured_share[x].value if x in ch.secured_share else 1.0 for x in ids])[
            :, None
        ],
        rate_delta=(rate - rate[0])[:, None, None] + shift[None, :, :],
        lives=tuple((int(v), life_q == v) for v in np.unique(life_q)),
        floor=floor,
        float_share=fl,
        ic_min=np.array(
            [
                ch.interest_cover_min_of[x].value
                if x in ch.interest_cover_min_of
                else ch.interest_cover_min.value
                for x in ids
            ]
        )[:, None],
        lead_q=round(ch.lead_time_quarters.value),
        lead_ok=(np.isfinite(web.financials["cash"])[:, None] | (e["cash"][:, :1] > 0)),
        coc=ch.cost_of_capital.value,
        opex_req=opex,
        ai=np.array([k in AI_KINDS for k in web.entity_kinds]),
        lab=lab,
        elast=ch.compute_revenue_elasticity.value,
        paced=np.asarray(paced, dtype=bool),
        any_paced=bool(np.any(paced)),
        sched_buy=np.ascontiguousarray(sched_buy.T)[:, :, None],
        by_payer_buy=by_payer_buy,
        by_payee_ophw=agg.by_payee[n : 2 * n],
        gw_hold=gw_hold,
        gw_idx=np.flatnonzero(gw > 0),
        gw_hold_k=sp.csr_matrix(gw_hold[:, gw > 0]),
        gw_live=np.ascontiguousarray(live.T.astype(float)),
        gw_frac=np.ascontiguousarray(frac.T),
        util=util,
        relet_out=None
        if web.relet_outside is None
        else np.ascontiguousarray(np.asarray(agg.by_payee[:n] @ web.relet_outside).T)[:, :, None] * util,
        gw_contracted=np.ascontiguousarray(
            (gw_hold @ (live if agg.twin_k is None else live & ~agg.twin_k[:, None])).T
        )[:, :, None],
    )


def initial_channels(cc: ChannelContext, debt_out: Array) -> ChannelState:
    """The channels' stocks before the first quarter: no vintages bought in the horizon yet."""
    z = np.zeros(debt_out.shape)
    return ChannelState(
        chip_hist=(),
        chip_dep=z,
        bldg_dep=z,
        chip_book=z,
        chip_gross=z,
        bldg_gross=z,
        retired=z,
        fixed_debt=debt_out * (1.0 - cc.float_share),
        secured=z,
    )
