"""The GPU fleet by vintage: chips apart from buildings, replacement, collateral and the borrowing base.

Conventions (quarters; ``L`` the chips' economic life ``globals.gpu_life_years`` in quarters,
``B`` the buildings' life ``channels.building_life_years``):

- a quarter's capex ``c`` (less replacement, which is all chips) splits into chips ``s·c``
  (``s = channels.chip_share``, per entity ``chip_share_of``) and buildings ``(1 − s)·c``; each vintage is depreciated straight line from the next quarter, chips over ``L``,
  buildings over ``B``;
- a chip vintage bought in quarter ``v`` has its last charge in ``v + L``; it is then retired, and
  ``channels.replacement_share`` of its cost is bought again in ``v + L + 1`` (replacement capex, to
  keep the capacity), becoming a new vintage;
- collateral value ``= chip book value × secondary price index(t)``: the chips' value to a lender
  declines over their economic life and with the secondary market (``channels.secondary_price_index``);
  capital bought before the horizon counts with its chip share of the book value the scenario states;
- borrowing base ``= loan-to-value × collateral`` for an entity with asset-backed lenders
  (``channels.ltv``); NaN for one without;
- covenant: asset-backed debt above ``channels.ltv_covenant × collateral`` must be repaid at once
  (a breach); what cash cannot cover leaves the borrower short, and it defaults (step 5).

References
----------
Burry, M. (2025): hyperscalers' extended useful lives understate depreciation. Tunguz, T. (2025):
GPU-backed debt assumes 4–6-year collateral lives against a 1–3-year practical life
(``../shared/research/published-models.md`` §7–8).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.channels.context import ChannelContext, ChannelState

__all__ = [
    "FleetStep",
    "HistoryLives",
    "borrowing_base",
    "collateral_value",
    "fleet_step",
    "replacement_capex",
    "retired_vintage",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetStep:
    """Depreciation of the quarter and the fleet's stocks after it, ``(n, S)``."""

    depreciation: Array  # chips + buildings (vintages bought in the horizon)
    chip_hist: tuple[Array, ...]
    chip_dep: Array
    bldg_dep: Array
    chip_book: Array
    chip_gross: Array
    bldg_gross: Array
    retired: Array


def retired_vintage(
    hist: tuple[Array, ...],
    lives: tuple[tuple[int, Array], ...],
    t: int,
    shape: tuple[int, int],
    first: int = 0,
    stop: int | None = None,
) -> Array:
    """Purchases of the vintage whose last charge fell in quarter ``t`` (bought in ``t − L``);
    ``lives`` pairs each distinct life ``L`` (quarters) with the mask of the cells that have it.
    Only vintages bought in ``first ≤ t − L < stop`` count (the history's vintages keep the life
    they were bought with when a projection overrides it: see :class:`HistoryLives`)."""
    gone = np.zeros(shape)
    for life, mask in lives:  # a few distinct lives: one pass each
        if first <= t - life and (stop is None or t - life < stop):
            np.copyto(gone, hist[t - life], where=mask)
    return gone


@dataclass(frozen=True, slots=True)
class HistoryLives:
    """The useful lives the history quarters ran with, where a projection's differ (overrides: a
    Monte Carlo draws the future only). A vintage is depreciated straight line over the life in
    force when it was bought: one bought in history (before ``first``, the first projected
    quarter) keeps charging ``1 / L_history`` of its cost and is retired after ``L_history``
    quarters, whatever life the projection gives its own purchases."""

    first: int
    lives: tuple[tuple[int, Array], ...]  # each distinct history life with its (n, 1) mask
    inv_life: Array  # (n, 1) 1 / history life


def replacement_capex(cc: ChannelContext, cs: ChannelState) -> Array:
    """Capex of the quarter to replace the chips retired at the end of the last one."""
    return cc.replace * cs.retired


def fleet_step(
    cc: ChannelContext,
    cs: ChannelState,
    capex: Array,
    replacement: Array | None,
    life_q: Array,
    inv_life: Array,
    t: int,
    past: HistoryLives | None = None,
) -> FleetStep:
    """Depreciate the vintages, add the quarter's purchases (replacement capex is all chips),
    retire the vintage that reached its life (a history vintage: its history life, ``past``)."""
    new_build = capex if replacement is None else capex - replacement
    chip = cc.chip_share * new_build
    bldg = new_build - chip
    if replacement is not None:
        chip = chip + replacement
    dep = cs.chip_dep + cs.bldg_dep
    hist = (*cs.chip_hist, chip)
    if past is None:
        gone = retired_vintage(hist, cc.lives, t, capex.shape)
        chip_dep = np.maximum(cs.chip_dep + (chip - gone) * inv_life, 0.0)
    else:
        gone = retired_vintage(hist, cc.lives, t, capex.shape, first=past.first)
        old = retired_vintage(hist, past.lives, t, capex.shape, stop=past.first)
        chip_dep = np.maximum(cs.chip_dep + (chip - gone) * inv_life - old * past.inv_life, 0.0)
        gone = gone + old
    return FleetStep(
        depreciation=dep,
        chip_hist=hist,
        chip_dep=chip_dep,
        bldg_dep=cs.bldg_dep + bldg * cc.bldg_inv,
        chip_book=np.maximum(cs.chip_book + chip - cs.chip_dep, 0.0),
        chip_gross=np.maximum(cs.chip_gross + chip - gone, 0.0),
        bldg_gross=cs.bldg_gross + bldg,
        retired=gone,
    )


def collateral_value(cc: ChannelContext, chip_book: Array, legacy: Array, t: int) -> Array:
    """Value of the chips to a lender: book value (with the chip share of capital held before the
    horizon) × the secondary-market price index of quarter ``t``."""
    return np.asarray((chip_book + cc.chip_share * legacy) * cc.sec_index[t])


def borrowing_base(cc: ChannelContext, collateral: Array) -> Array:
    """Loan-to-value × collateral for entities with asset-backed lenders; NaN for the others."""
    return np.where(cc.asset, cc.ltv * collateral, np.nan)
