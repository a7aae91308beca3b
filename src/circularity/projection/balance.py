"""Whole balance sheets: every entity's assets, liabilities and book equity, quarter by quarter.

Assets ``A = cash + loans lent to the web + fixed assets (capital stock) + stakes``, where stakes
are the equity paid into web entities inside the horizon (at cost) plus the stakes the ledger's
holdings give, at the value the valuation gives them (market value less own value).
Liabilities ``L = outside debt + web debt + tax payable + contract liabilities`` (cash received
from the web ahead of the revenue a filing reports, in history; negative: revenue reported ahead
of its cash).

Book equity is not the difference: it is accumulated from the opening balance sheet
(``E_0 = A_0 − L_0``) by what changes it,

``E_t = E_{t−1} + earnings + equity raised (markets and web) − distributions (history)
+ revaluation of stakes + adjustments``,

where the adjustments are named stock changes that no flow of the quarter explains (debt or loans
the flows would take below zero, debt extinguished in a resolution, a resolution's cash
transfers). The engine checks ``A − L − E = 0`` every quarter for every entity (raises
:class:`~circularity.errors.AccountingError`): it holds only when every cash flow is classified
once and the income statement (revenue, costs, depreciation, interest, tax) agrees with the stocks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array

__all__ = ["BalanceState", "assets_liabilities", "balance_step", "opening_balance"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceState:
    """Balance-sheet stocks the main state does not carry, ``(n, S)``."""

    loans_lent: Array  # principal lent to web entities and not yet repaid (receivables from the web)
    stakes_cost: Array  # equity paid into web entities inside the horizon, at cost
    stakes_value: Array  # the ledger's holdings at the valuation's value (market value − own value)
    deferred: Array  # contract liabilities (history: web cash ahead of the reported revenue)
    book_equity: Array  # accumulated: opening equity + earnings + raises − distributions + ...


def assets_liabilities(
    bs: BalanceState, cash: Array, capital: Array, debt_out: Array, debt_web: Array, tax_due: Array
) -> tuple[Array, Array]:
    """``(assets, liabilities)`` of a balance state and the main stocks."""
    assets = cash + bs.loans_lent
    assets += capital
    assets += bs.stakes_cost
    assets += bs.stakes_value
    liabilities = debt_out + debt_web
    liabilities += tax_due
    liabilities += bs.deferred
    return assets, liabilities


def opening_balance(
    lent0: Array,
    cash: Array,
    capital: Array,
    debt_out: Array,
    debt_web: Array,
    tax_due: Array,
    stakes_value: Array,
) -> BalanceState:
    """The opening balance sheet from the starting figures; its equity is assets less liabilities."""
    shape = cash.shape
    bs = BalanceState(
        loans_lent=np.broadcast_to(lent0, shape).copy(),
        stakes_cost=np.zeros(shape),
        stakes_value=np.array(np.broadcast_to(stakes_value, shape)),
        deferred=np.zeros(shape),
        book_equity=np.zeros(shape),
    )
    a, li = assets_liabilities(bs, cash, capital, debt_out, debt_web, tax_due)
    return BalanceState(
        loans_lent=bs.loans_lent,
        stakes_cost=bs.stakes_cost,
        stakes_value=bs.stakes_value,
        deferred=bs.deferred,
        book_equity=a - li,
    )


def balance_step(
    bs: BalanceState,
    *,
    eq_paid: Array | None,
    eq_recv: Array | None,
    lend_paid: Array,
    repay_recv: Array,
    new_equity: Array,
    distributions: Array | None,
    deferred: Array | None,
    earnings: Array,
    stakes_value: Array,
    debt_adjust: Array,
    cash_adjust: Array | None,
    capital_out: Array | None = None,
    lent_off: Array | None = None,
    sold: Array | None = None,
) -> BalanceState:
    """The next balance state.

    ``eq_paid``, ``eq_recv``: equity paid into web entities (stakes at cost) and received from
    them (raised); None when no equity contract was due. ``debt_adjust``: the change in debt that
    no flow explains (a repayment beyond the debt recorded, debt extinguished in a resolution), a
    gain to equity when negative; ``cash_adjust``: cash moved outside the checked flows (a
    resolution's transfers), None when none. ``capital_out``: fixed assets a resolution hands to
    the creditors (a charge; their sale proceeds are in ``cash_adjust``); ``lent_off``: loans lent
    to a borrower resolved now, written off (what the lender recovers is cash, in ``cash_adjust``);
    None when none; ``sold``: estates resolved now, which sell every loan they made and every
    stake bought inside the horizon (a charge at book; the proceeds are in ``cash_adjust``).
    ``distributions``: other uses of cash a filing shows
    (buybacks, dividends), None when none; ``deferred``: cash revenue less the revenue booked (a
    contract liability when positive), None when they agree.
    """
    lent = bs.loans_lent + lend_paid
    lent -= repay_recv
    # repaid beyond the principal recorded: a gain of the lender (its receivable stops at zero)
    over = np.maximum(lent, 0.0)
    over -= lent
    np.maximum(lent, 0.0, out=lent)
    equity = bs.book_equity + earnings
    if lent_off is not None:
        off = np.minimum(np.maximum(lent_off, 0.0), lent)
        lent = lent - off
        equity -= off
    stakes_cost = bs.stakes_cost
    if sold is not None:
        equity -= np.where(sold, lent, 0.0)
        lent = np.where(sold, 0.0, lent)
    if capital_out is not None:
        equity -= capital_out
    equity += new_equity
    if distributions is not None:
        equity -= distributions
    equity += stakes_value
    equity -= bs.stakes_value
    equity += over
    equity -= debt_adjust
    if cash_adjust is not None:
        equity += cash_adjust
    if eq_paid is not None and eq_recv is not None:
        equity += eq_recv
        stakes_cost = stakes_cost + eq_paid
    if sold is not None:
        equity -= np.where(sold, stakes_cost, 0.0)
        stakes_cost = np.where(sold, 0.0, stakes_cost)
    return BalanceState(
        loans_lent=lent,
        stakes_cost=stakes_cost,
        stakes_value=stakes_value,
        deferred=bs.deferred if deferred is None else bs.deferred + deferred,
        book_equity=equity,
    )
