"""Step 5, resolution: who defaults this quarter, and what a default does to its cash and contracts."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from circularity.projection.state import Context, State
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside

__all__ = ["Resolved", "resolution", "wound_down"]

Array = np.ndarray[Any, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """Defaults after quarter ``t``, ``(n, S)``; contracts ``(m, S)``."""

    defaulted: Array
    first_default: Array
    resolution_in: Array  # a defaulted entity's cash gap, left unpaid to outside claimants (their loss)
    resolution_out: Array  # a defaulted entity's cash, handed to its creditors
    cut: Array  # contracts still honoured: those of a defaulted payer or payee are terminated


def resolution(ctx: Context, st: State, dues: Dues, out: Outside, cl: Cleared, t: int) -> Resolved:
    """An entity defaults when what it leaves unpaid is material: its dues unpaid plus any cash
    gap left after cash, new money and capex cuts exceed ``default_materiality`` (a scenario
    parameter) of the quarter's obligations (web dues plus outside outflows). Never in history
    (the quarters before ``first_projected``), where only the ledger records defaults.

    In the quarter it defaults, and after: its cash goes to its creditors (``resolution_out``)
    and a cash gap is left unpaid to the outside claimants (``resolution_in``), so it holds no
    cash; its web contracts, as payer and as payee, are terminated (the counterparty keeps its
    unpaid claim, booked in ``credit_losses`` as it falls due and is not paid).
    """
    zero = np.zeros_like(cl.cash_after)
    if t < ctx.web.first_projected:
        return Resolved(
            defaulted=st.defaulted,
            first_default=st.first_default,
            resolution_in=zero,
            resolution_out=zero,
            cut=cl.cut,
        )
    unpaid = cl.shortfall + np.maximum(-cl.cash_after, 0.0)
    obligations = dues.due_out + out.cash_out
    newly = unpaid > ctx.materiality * np.maximum(obligations, 1e-9)
    newly &= ~st.defaulted
    defaulted = st.defaulted | newly
    first = np.where(newly & (st.first_default < 0), t, st.first_default) if newly.any() else st.first_default
    if not defaulted.any():
        return Resolved(
            defaulted=defaulted, first_default=first, resolution_in=zero, resolution_out=zero, cut=cl.cut
        )
    res_out = np.where(defaulted, np.maximum(cl.cash_after, 0.0), 0.0)
    res_in = np.where(defaulted, np.maximum(-cl.cash_after, 0.0), 0.0)
    web = ctx.web
    alive = ~defaulted
    cut = cl.cut * (alive[web.payer] & alive[web.payee])
    return Resolved(defaulted=defaulted, first_default=first, resolution_in=res_in, resolution_out=res_out, cut=cut)


def wound_down(st: State, out: Outside) -> Outside:
    """Outside flows of a defaulted entity: none (no revenue, costs, capex, interest or tax of
    its own once resolved; no successor carries its business in this version)."""
    if not st.defaulted.any():
        return out
    a = ~st.defaulted
    return replace(
        out,
        revenue=out.revenue * a,
        opex=out.opex * a,
        capex=out.capex * a,
        interest=out.interest * a,
        cash_in=out.cash_in * a,
        cash_out=out.cash_out * a,
        replacement=None if out.replacement is None else out.replacement * a,
    )
