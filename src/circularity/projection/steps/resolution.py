"""Step 5, resolution: who defaults this quarter."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.projection.state import Context, State
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.obligations import Dues
from circularity.projection.steps.outside import Outside

__all__ = ["Resolved", "resolution"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """Defaults after quarter ``t``, ``(n, S)``."""

    defaulted: Array
    first_default: Array


def resolution(ctx: Context, st: State, dues: Dues, out: Outside, cl: Cleared, t: int) -> Resolved:
    """An entity defaults when what it leaves unpaid is material: its dues unpaid plus any cash
    gap left after cash, new money and capex cuts exceed ``default_materiality`` (a scenario
    parameter) of the quarter's obligations (web dues plus outside outflows). Never in history
    (the quarters before ``first_projected``), where only the ledger records defaults."""
    if t < ctx.web.first_projected:
        return Resolved(defaulted=st.defaulted, first_default=st.first_default)
    unpaid = cl.shortfall + np.maximum(-cl.cash_after, 0.0)
    obligations = dues.due_out + out.cash_out
    newly = unpaid > ctx.materiality * np.maximum(obligations, 1e-9)
    newly &= ~st.defaulted
    if not newly.any():
        return Resolved(defaulted=st.defaulted, first_default=st.first_default)
    first = np.where(newly & (st.first_default < 0), t, st.first_default)
    return Resolved(defaulted=st.defaulted | newly, first_default=first)
