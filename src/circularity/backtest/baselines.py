"""Naive credit baselines the network model must beat, on the same point-in-time data.

* **Cash runway**: (cash + undrawn credit) / quarterly burn, burn = −EBITDA / 4 where EBITDA
  is negative (else −net income / 4 where that is negative); an entity that burns nothing has
  a runway of :data:`RUNWAY_CAP` quarters. Its predicted default quarter is the cutoff plus the
  runway. Risk score: −runway.
* **Altman Z″** (non-manufacturers: ``6.56·WC/TA + 3.26·RE/TA + 6.72·EBIT/TA + 1.05·BE/TL``)
  where working capital, retained earnings, EBIT, total assets, book equity and total
  liabilities are all reported; **leverage ranking** (debt / total assets) otherwise. Risk:
  −Z″, or leverage.

An entity whose inputs are missing gets the median risk of the others (a neutral rank), so
every baseline is scored on the same entities as the model; the count with inputs is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["RUNWAY_CAP", "altman_z2", "leverage", "neutral_fill", "runway_quarters"]

#: Runway (quarters) given to an entity that burns no cash: ten years, beyond any horizon here.
RUNWAY_CAP = 40.0


def runway_quarters(
    cash: float, undrawn: float, ebitda_annual: float, net_income_annual: float
) -> float | None:
    """Quarters of burn that cash and undrawn credit cover; None without cash or a burn measure.

    Examples
    --------
    >>> runway_quarters(1.0, 0.0, -0.8, math.nan)
    5.0
    >>> runway_quarters(1.0, 0.0, 0.5, math.nan)
    40.0
    """
    if not math.isfinite(cash):
        return None
    liquid = cash + (undrawn if math.isfinite(undrawn) else 0.0)
    if math.isfinite(ebitda_annual):
        burn = max(-ebitda_annual, 0.0) / 4.0
    elif math.isfinite(net_income_annual):
        burn = max(-net_income_annual, 0.0) / 4.0
    else:
        return None
    if burn <= 0:
        return RUNWAY_CAP
    return float(min(max(liquid, 0.0) / burn, RUNWAY_CAP))


def altman_z2(
    working_capital: float,
    retained_earnings: float,
    ebit: float,
    total_assets: float,
    book_equity: float,
    total_liabilities: float,
) -> float | None:
    """Altman's Z″ for non-manufacturers (1995); None unless every input is reported.

    Examples
    --------
    >>> round(altman_z2(1.0, 2.0, 1.0, 10.0, 4.0, 6.0), 3)
    2.68
    """
    xs = (working_capital, retained_earnings, ebit, total_assets, book_equity, total_liabilities)
    if not all(math.isfinite(x) for x in xs) or total_assets <= 0 or total_liabilities <= 0:
        return None
    return float(
        6.56 * working_capital / total_assets
        + 3.26 * retained_earnings / total_assets
        + 6.72 * ebit / total_assets
        + 1.05 * book_equity / total_liabilities
    )


def leverage(debt: float, total_assets: float) -> float | None:
    """Debt over total assets; None unless both are reported."""
    if not (math.isfinite(debt) and math.isfinite(total_assets)) or total_assets <= 0:
        return None
    return float(debt / total_assets)


def neutral_fill(risk: Sequence[float | None]) -> np.ndarray[Any, Any]:
    """Risk scores with missing ones set to the median of the known (a tie in the middle)."""
    known = [r for r in risk if r is not None]
    mid = float(np.median(known)) if known else 0.0
    return np.array([mid if r is None else r for r in risk], dtype=float)


def latest_by_entity(records: Sequence[Any], metric: str, *, annualise: bool = False) -> Mapping[str, float]:
    """Latest USD figure of ``metric`` per entity (flows annualised when asked)."""
    factor = {"FY": 1.0, "Q": 4.0, "H1": 2.0, "9M": 4.0 / 3.0}
    best: dict[str, tuple[Any, float]] = {}
    for f in records:
        if getattr(f, "metric", None) != metric or f.unit != "USD_bn" or f.value is None:
            continue
        if annualise and f.period_type not in factor:
            continue
        v = float(f.value) * (factor[f.period_type] if annualise else 1.0)
        if f.entity not in best or f.period_end > best[f.entity][0]:
            best[f.entity] = (f.period_end, v)
    return {e: v for e, (_, v) in best.items()}


__all__ += ["latest_by_entity"]
