"""Creditors as entities (issue 12, item 5): who holds the debt outside the web, who provides the
projection's new money, and how much of it they have left.

A scenario's ``creditors:`` section maps each borrower (an entity id, or an entity kind for every
entity of that kind not named) to the lender or investor entity of the ledger that holds its
outside debt (the reported debt that is not a web deal) and lends its new debt, and each issuer
to the entity that buys its new equity; ``creditors.capacity`` gives a creditor the new money it
will put in over the projected quarters. Then, each projected quarter:

- the new debt (equity) the financing rule would raise from creditor ``c`` is rationed pro rata
  among its borrowers (issuers) to ``room_c = capacity_c − used_c + repaid_c``: what it has not yet
  lent in the projection, plus the principal its borrowers repay this quarter (a rollover uses no
  capacity); a creditor without a capacity has no limit;
- ``used_c`` grows by the new money it lends or invests and falls by the principal repaid to it
  and what it recovers from a resolved borrower, so its ``lending_capacity`` (``capacity_c −
  used_c``, an output) falls as it lends and by the part of a default it does not recover;
- when a borrower is resolved, the holder of its outside debt books ``claim − recovery`` on it as
  its ``credit_losses`` and in ``defaults.csv`` (unpaid outside bills stay with ``outside
  creditors``: suppliers and tax, not a lender).

The holdings are a memo account of the creditor: the interest and principal of outside debt
leave the web as outside flows (the engine's convention for every borrower), so a creditor's
cash, assets and book equity do not carry them; its capacity and losses do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.projection.scenario import Holder, Scenario

__all__ = ["CreditorContext", "build_creditors", "holders_of", "ration", "used_after"]


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditorContext:
    """The fixed creditor arrays of a run (``creditors:`` in the scenario)."""

    debt_holder: Array  # (n,) creditor index holding each borrower's outside debt (−1: none named)
    equity_holder: Array  # (n,) creditor index buying each issuer's new equity (−1: none named)
    debt_of: Array  # (n, n): [c, i] = 1 where c holds i's outside debt
    equity_of: Array  # (n, n): [c, i] = 1 where c buys i's new equity
    capacity: Array  # (n, 1) new money each creditor puts in over the projection (inf: no limit)
    limited: Array  # (n, 1) bool: a creditor with a capacity
    any_limited: bool


def holders_of(web: Web, mapping: dict[str, Holder]) -> Array:
    """Each entity's creditor index under ``mapping`` (entity id first, then its kind; −1: none)."""
    idx = {e: i for i, e in enumerate(web.entities)}
    out = np.full(web.n, -1, dtype=np.int64)
    for i, (e, kind) in enumerate(zip(web.entities, web.entity_kinds, strict=True)):
        h = mapping.get(e) or mapping.get(kind)
        if h is not None and h.creditor in idx and h.creditor != e:
            out[i] = idx[h.creditor]
    return out


def _matrix(holder: Array, n: int) -> Array:
    m = np.zeros((n, n))
    rows = np.flatnonzero(holder >= 0)
    m[holder[rows], rows] = 1.0
    return m


def build_creditors(web: Web, scenario: Scenario) -> CreditorContext | None:
    """The creditor arrays of ``scenario`` on ``web`` (None: the scenario names no creditor)."""
    cr = scenario.creditors
    if not (cr.debt or cr.equity or cr.capacity):
        return None
    n = web.n
    debt_h, eq_h = holders_of(web, cr.debt), holders_of(web, cr.equity)
    cap = np.full((n, 1), np.inf)
    for e, p in cr.capacity.items():
        if e in web.entities:
            cap[web.entities.index(e), 0] = float(p.value)
    return CreditorContext(
        debt_holder=debt_h,
        equity_holder=eq_h,
        debt_of=_matrix(debt_h, n),
        equity_of=_matrix(eq_h, n),
        capacity=cap,
        limited=np.isfinite(cap),
        any_limited=bool(np.isfinite(cap).any()),
    )


def _scale(holder: Array, room: Array, demand: Array) -> Array:
    """Each borrower's share of its demand its creditor can meet, ``(n, S)`` (1: no limit)."""
    s = np.ones_like(demand)
    np.divide(np.maximum(room, 0.0), demand, out=s, where=demand > 1e-12)
    np.minimum(s, 1.0, out=s)
    has = holder >= 0
    return np.where(has[:, None], s[np.where(has, holder, 0)], 1.0)


def ration(
    cc: CreditorContext,
    used: Array | None,
    new_debt: Array,
    repaid: Array,
    new_equity: Callable[[Array], Array],
) -> tuple[Array, Array]:
    """New debt and equity as the creditors' remaining capacity allows, ``(n, S)`` each.

    Debt first: creditor ``c`` lends at most ``capacity_c − used_c + Σ repaid`` (its borrowers'
    principal repaid this quarter), pro rata to what its borrowers ask; then equity from what it
    has left. ``new_equity`` is called with the rationed debt and returns the equity asked for
    (it depends on the need the debt left).
    """
    if not cc.any_limited:
        return new_debt, new_equity(new_debt)
    u = np.zeros_like(new_debt) if used is None else used
    room = cc.capacity - u
    room = room + cc.debt_of @ repaid
    new_debt = new_debt * _scale(cc.debt_holder, room, cc.debt_of @ new_debt)
    room = room - cc.debt_of @ new_debt
    eq = new_equity(new_debt)
    eq = eq * _scale(cc.equity_holder, room, cc.equity_of @ eq)
    return new_debt, eq


def used_after(
    cc: CreditorContext,
    used: Array | None,
    new_debt: Array,
    repaid: Array,
    new_equity: Array,
    recovered: Array | None,
) -> Array:
    """Each creditor's new money used at the quarter's end: lent and invested less principal
    repaid to it and recoveries from resolved borrowers (by creditor, ``(n, S)``)."""
    u: Array = np.zeros_like(new_debt) if used is None else used
    u = u + cc.debt_of @ (new_debt - repaid)
    u += cc.equity_of @ new_equity
    if recovered is not None:
        u -= recovered
    return u
