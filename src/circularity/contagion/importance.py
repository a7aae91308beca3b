"""Systemic importance: shock each node in turn, all scenarios on one sparse structure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from circularity._typing import Array
from circularity.contagion._sparse import as_edges, as_vector
from circularity.contagion.cascade import default_cascade
from circularity.contagion.clearing import ClearingResult, clear_payments
from circularity.contagion.debtrank import debtrank

__all__ = ["ImportanceResult", "shock_each_node"]

Model = Literal["eisenberg_noe", "rogers_veraart", "cascade", "debtrank"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportanceResult:
    """One entry per shocked node ``k`` (scenario ``k`` shocks node ``k`` only).

    ``loss``: for clearing models the total shortfall ``sum(p_bar - p)`` over all nodes; for
    DebtRank the additional losses. ``stress``: DebtRank additional stress (the DebtRank ``R``
    of node ``k``); for clearing models the shortfall as a share of all obligations.
    ``defaults``: nodes that end in default (DebtRank: additional defaults).
    """

    model: str
    loss: Array
    stress: Array
    defaults: Array

    def to_frame(self, ids: Any = None) -> Any:
        import pandas as pd

        idx = pd.Index(range(self.loss.shape[0]) if ids is None else list(ids), name="shocked")
        return pd.DataFrame({"loss": self.loss, "stress": self.stress, "defaults": self.defaults}, index=idx)


def shock_each_node(
    model: Model,
    L: Any,
    *,
    external_assets: Any = None,
    external_liabilities: Any = None,
    equity: Any = None,
    shock: float = 1.0,
    alpha: float = 1.0,
    beta: float = 1.0,
    recovery_rate: float = 0.0,
    variant: Literal["linear", "single_hit"] = "linear",
    weights: Any = None,
    chunk: int = 512,
) -> ImportanceResult:
    """Run ``n`` scenarios, scenario ``k`` shocking node ``k`` alone, in vectorised chunks.

    Clearing models: node ``k`` loses ``shock`` (a share) of its external assets. DebtRank:
    node ``k`` starts with relative loss ``shock``. Memory is ``chunk * n`` per chunk, so
    large networks never hold an ``n x n`` array.
    """
    debtor, creditor, amount, n = as_edges(L)
    out_loss = np.zeros(n)
    out_stress = np.zeros(n)
    out_def = np.zeros(n, dtype=np.int64)
    if model == "debtrank":
        eq = as_vector(equity, n, "equity", batched=False)
        for start in range(0, n, chunk):
            k = np.arange(start, min(n, start + chunk))
            H0 = np.zeros((k.size, n))
            H0[np.arange(k.size), k] = shock
            dr = debtrank(L, eq, H0, variant=variant, weights=weights)
            out_loss[k] = dr.additional_losses
            out_stress[k] = dr.additional_stress
            out_def[k] = dr.additional_defaults
        return ImportanceResult(model=model, loss=out_loss, stress=out_stress, defaults=out_def)
    e = as_vector(external_assets, n, "external_assets", batched=False)
    el = as_vector(external_liabilities, n, "external_liabilities", batched=False)
    total = float(amount.sum() + el.sum()) or 1.0
    for start in range(0, n, chunk):
        k = np.arange(start, min(n, start + chunk))
        E = np.broadcast_to(e, (k.size, n)).copy()
        E[np.arange(k.size), k] *= 1.0 - shock
        r: ClearingResult
        if model == "cascade":
            r = default_cascade(L, E, el[None, :], recovery_rate=recovery_rate)
        else:
            a, b = (alpha, beta) if model == "rogers_veraart" else (1.0, 1.0)
            r = clear_payments(debtor, creditor, amount, E, el, n=n, alpha=a, beta=b)
        short = (r.obligations - r.payments).sum(axis=1)
        out_loss[k] = short
        out_stress[k] = short / total
        out_def[k] = r.defaulted.sum(axis=1)
    return ImportanceResult(model=model, loss=out_loss, stress=out_stress, defaults=out_def)
