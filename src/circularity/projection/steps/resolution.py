"""Step 5, resolution: who defaults this quarter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity.projection.state import State
from circularity.projection.steps.clearing import Cleared
from circularity.projection.steps.obligations import Dues

__all__ = ["Resolved", "resolution"]

Array = np.ndarray[Any, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Resolved:
    """Defaults after quarter ``t``, ``(n, S)``."""

    defaulted: Array
    first_default: Array


def resolution(st: State, dues: Dues, cl: Cleared, t: int, first_projected: int = 0) -> Resolved:
    """An entity defaults when it leaves dues unpaid or its cash is negative; never in history
    (the quarters before ``first_projected``), where only the ledger records defaults."""
    if t < first_projected:
        return Resolved(defaulted=st.defaulted, first_default=st.first_default)
    newly = (cl.shortfall > 1e-9 * np.maximum(dues.due_out, 1.0)) | (cl.cash_after < -1e-9)
    newly &= ~st.defaulted
    if not newly.any():
        return Resolved(defaulted=st.defaulted, first_default=st.first_default)
    first = np.where(newly & (st.first_default < 0), t, st.first_default)
    return Resolved(defaulted=st.defaulted | newly, first_default=first)
