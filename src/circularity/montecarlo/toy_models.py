"""Small analytic models that follow the simulation contract (for tests, docs and benchmarks).

They live in the package, not in ``tests/``, so that Dask workers can unpickle them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from circularity.montecarlo.protocol import Outputs, Params

__all__ = ["IshigamiModel", "ToyWebModel", "toy_quarters"]


def toy_quarters(start: int = 2025, end: int = 2032) -> tuple[str, ...]:
    """``("2025Q1", ..., "2032Q4")``."""
    return tuple(f"{y}Q{q}" for y in range(start, end + 1) for q in range(1, 5))


@dataclass(frozen=True, slots=True, kw_only=True)
class IshigamiModel:
    """The Ishigami function ``sin x1 + a sin² x2 + b x3⁴ sin x1`` as headline ``y``.

    With ``x_i ~ U(-π, π)``, ``a = 7``, ``b = 0.1`` its Sobol indices are known in closed
    form: S1 ≈ (0.314, 0.442, 0), ST ≈ (0.558, 0.442, 0.244) (Ishigami & Homma 1990).
    """

    a: float = 7.0
    b: float = 0.1
    entities: tuple[str, ...] = ()
    quarters: tuple[str, ...] = ()
    focus: str = ""

    def __call__(self, params: Params) -> Outputs:
        x1, x2, x3 = params["x1"], params["x2"], params["x3"]
        y = np.sin(x1) + self.a * np.sin(x2) ** 2 + self.b * x3**4 * np.sin(x1)
        return {"y": y}


@dataclass(frozen=True, slots=True, kw_only=True)
class ToyWebModel:
    """A three-entity toy web: the lab burns cash on compute bought from two suppliers.

    Parameters (all optional, defaults in brackets): ``growth`` (quarterly revenue growth of
    the lab [0.08]), ``burn`` (quarterly compute bill, USD bn [10]), ``multiple`` (suppliers'
    market value per USD bn of revenue [20]), ``credit`` (new debt the lab can raise per
    quarter [8]). Elementwise arithmetic only, so a scenario's outputs do not depend on the
    rest of its batch.
    """

    entities: tuple[str, ...] = ("openai", "oracle", "nvidia")
    quarters: tuple[str, ...] = field(default_factory=toy_quarters)
    focus: str = "openai"
    provenance: dict[str, Any] = field(default_factory=lambda: {"dataset_version": "toy"})

    def __call__(self, params: Params) -> Outputs:
        size = len(next(iter(params.values())))
        ones = np.ones(size)
        growth = params.get("growth", 0.08 * ones)
        burn = params.get("burn", 10.0 * ones)
        multiple = params.get("multiple", 20.0 * ones)
        credit = params.get("credit", 8.0 * ones)
        T, n = len(self.quarters), len(self.entities)
        t = np.arange(T)
        revenue = 3.0 * (1.0 + growth[:, None]) ** t[None, :]  # (S, T)
        bill = burn[:, None] * np.ones(T)
        gap = np.maximum(bill - revenue, 0.0)
        borrowed = np.minimum(gap, credit[:, None])
        shortfall_lab = gap - borrowed
        paid = bill - shortfall_lab
        cash_lab = 20.0 + np.cumsum(revenue + borrowed - paid, axis=1)
        cash = np.empty((size, n, T))
        debt = np.zeros((size, n, T))
        mv = np.empty((size, n, T))
        shortfall = np.zeros((size, n, T))
        cash[:, 0] = cash_lab
        debt[:, 0] = np.cumsum(borrowed, axis=1)
        shortfall[:, 0] = shortfall_lab
        mv[:, 0] = 300.0 * revenue / 3.0
        for j, share in ((1, 0.6), (2, 0.4)):
            cash[:, j] = 10.0 + np.cumsum(share * paid, axis=1) * 0.3
            debt[:, j] = 50.0 * share
            mv[:, j] = multiple[:, None] * (100.0 * share + share * paid)
        defaulted = np.logical_or.accumulate(shortfall > 1.0, axis=2)
        need = np.cumsum(gap, axis=1)
        i2030 = self.quarters.index("2030Q4") if "2030Q4" in self.quarters else T - 1
        return {
            "cash": cash,
            "debt": debt,
            "market_value": mv,
            "shortfall": shortfall,
            "defaulted": defaulted,
            "openai_funding_need_2030": need[:, i2030],
            "openai_funding_need_2032": need[:, -1],
        }
