"""Capacity: gigawatts contracted and delivered, power delays, revenue that follows compute, renewals.

- GW of a contract: as the deal states; else derived from its dollars (compute: annual spend /
  ``channels.usd_bn_per_gw_year``; hardware: amount / chip cost per GW, ``usd_bn_per_gw ×
  chip_share``). The entity holding the capacity is the payee of a compute, lease or backstop
  contract (it builds and runs the data centre) and the payer of a hardware contract.
- Contracted GW are those of contracts not yet ended (hardware: bought so far stays); delivered GW
  are the part in use as scheduled (compute: the quarter's payment over the contract's peak;
  hardware: cumulative purchases), × the power delivered for contracts paced by power, × the share
  of the contract still honoured.
- A compute contract that states its GW is paid as its GW are delivered (power-paced like GW-linked
  hardware): a power delay delays the seller's revenue, while its construction spending, a share
  of the revenue as *scheduled*, continues.
- A lab's outside revenue × ``(compute received / compute scheduled)^ε`` (received: as power
  delivers it and as the scenario's events leave the contracts)
  (``channels.compute_revenue_elasticity``; 0 reproduces revenue independent of compute, 1 is
  proportional).
- A compute or lease contract that ends inside the horizon renews for the rest of it at
  ``channels.renewal_share`` of its last year's payments × the GPU rental-price index relative to
  its last quarter (``channels.rental_price_index``), so the baseline does not run off by
  construction; the rest of its capacity, ``1 − renewal_share``, is offered outside the web at the
  same index and rented at ``channels.utilisation`` (:func:`relet_revenue`). ``renewal_share`` 0
  switches renewing and re-letting ended contracts off.
- A compute seller's revenue from capacity rented outside any take-or-pay contract (an ended
  contract's unrenewed share; a defaulted buyer's capacity, re-let at ``1 − relet_haircut`` of
  its price) is delivered capacity × utilisation × price: the payments a full rental would bring
  × ``channels.utilisation`` (per entity ``utilisation_of``). Contracted payments are for
  reserved capacity, paid whatever the buyer uses.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.projection.channels.context import ChannelContext
from circularity.projection.scenario import Scenario, path_values

__all__ = ["compute_share", "gw_delivered", "price_flags", "renew_contracts", "scheduled_receipts"]


RENEWING = ("compute", "lease")


def renew_contracts(web: Web, scenario: Scenario) -> Web:
    """``web`` with every compute and lease contract that ends inside the horizon renewed to its end.

    The renewal pays ``renewal_share × mean(last four payments) × index(t) / index(end)`` a quarter.
    Unchanged when the scenario has no channels or renews nothing.
    """
    ch = scenario.channels
    if ch is None or ch.renewal_share.value == 0 or web.m == 0:
        return web
    index = path_values(ch.rental_price_index, web.quarters)
    sched = web.schedule.copy()
    offered = np.zeros_like(sched)
    notes = list(web.notes)
    T = web.T
    for k in range(web.m):
        if web.kind[k] not in RENEWING:
            continue
        paid = np.flatnonzero(sched[k] > 0)
        if paid.size == 0 or paid[-1] >= T - 1 or paid[-1] < web.first_projected - 1:
            continue
        end = int(paid[-1])
        last = sched[k, max(end - 3, int(paid[0])) : end + 1].mean()
        ratio = index[end + 1 :] / index[end] if index[end] > 0 else np.zeros(T - end - 1)
        sched[k, end + 1 :] = ch.renewal_share.value * last * ratio
        offered[k, end + 1 :] = (1.0 - ch.renewal_share.value) * last * ratio
        if k < len(notes):
            notes[k] = f"{notes[k]}; renews from {web.quarters[end + 1]} at the rental-price index"
    return dataclasses.replace(
        web, schedule=sched, notes=tuple(notes), relet_outside=offered if offered.any() else None
    )


def compute_share(cc: ChannelContext, base_due: Array, cut_ev: Array, t: int) -> Array:
    """Compute (and chips) received as a share of what was scheduled, by buyer, in ``[0, 1]``.

    Received: as delivered (power pacing) and as the scenario's events leave the contracts
    (renegotiation); not the cuts that follow a buyer's own shortfall, so that the funding need
    (every commitment honoured) keeps the revenue those commitments buy.
    """
    due_buy = np.asarray(cc.by_payer_buy @ (base_due * cut_ev))
    sched = cc.sched_buy[t]
    share = np.ones(np.broadcast_shapes(due_buy.shape, sched.shape))
    np.divide(due_buy, sched, out=share, where=sched > 1e-9)
    return np.clip(share, 0.0, 1.0, out=share)


def scheduled_receipts(cc: ChannelContext, sched_t: Array, cut: Array) -> Array:
    """Operating + hardware receipts as scheduled (before power pacing), by payee: what construction
    spending follows."""
    return np.asarray(cc.by_payee_ophw @ (sched_t[:, None] * cut))


def gw_delivered(cc: ChannelContext, power_t: Array, cut: Array, t: int) -> Array:
    """GW delivered by holder in quarter ``t``, ``(n, S)``: scheduled share × power × honoured."""
    k = cc.gw_idx
    frac = cc.gw_frac[t, k][:, None] * cut[k]
    if cc.any_paced:
        frac = np.where(cc.paced[k][:, None], frac * power_t, frac)
    return np.asarray(cc.gw_hold_k @ frac)


def price_flags(web: Web, scenario: Scenario) -> list[tuple[str, str, str]]:
    """Deals whose GW and dollars imply a price per GW outside ``channels.usd_bn_per_gw_band``:
    ``(deal id, implied price, why flagged)``, for ``--explain`` (flagged, not changed).

    Hardware is priced per GW of chips (``usd_bn_per_gw_band`` × ``chip_share``); compute and
    leases per GW-year (``usd_bn_per_gw_year_band``).
    """
    ch = scenario.channels
    if ch is None or web.gigawatts is None:
        return []
    lo, hi = ch.usd_bn_per_gw_band.low, ch.usd_bn_per_gw_band.high
    out: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for k in range(web.m):
        gw = web.gigawatts[k]
        if not np.isfinite(gw) or gw <= 0 or web.deal_id[k] in seen:
            continue
        total = float(web.schedule[k].sum())
        if web.kind[k] == "hardware":
            price, a, b, what = total / gw, lo * ch.chip_share.value, hi * ch.chip_share.value, "chips"
        elif web.kind[k] in RENEWING:
            years = max(float((web.schedule[k] > 0).sum()) / 4.0, 0.25)
            band = ch.usd_bn_per_gw_year_band
            price, a, b, what = total / gw / years, band.low, band.high, "compute per GW-year"
        else:
            continue
        if not a <= price <= b:
            seen.add(web.deal_id[k])
            out.append(
                (
                    web.deal_id[k],
                    f"{price:,.1f} USD bn/GW ({what})",
                    f"outside the stated band {a:,.1f}-{b:,.1f}; "
                    "the deal's own dollars are used, the GW only for capacity",
                )
            )
    return out
