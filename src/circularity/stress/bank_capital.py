"""Creditors as balance sheets: credit losses by channel, split between banks and other holders,
and banks' CET1 capital ratio after the losses (an output, checked against the minimum).

Pure arrays in and out; losses in USD bn, positive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity._typing import Array

__all__ = ["BankCapital", "capital_after_losses", "channel_losses", "collateral_lgd"]


def collateral_lgd(haircut: Any, ltv: Any, floor: float = 0.15) -> Array:
    """Loss given default on a loan secured by collateral whose value falls by ``haircut``:
    ``1 - max(floor, (1 - haircut) / LTV)``, at least 0 (the collateral's recovery per dollar
    lent, floored at ``floor``).

    Examples
    --------
    >>> round(float(collateral_lgd(0.60, 0.70)), 4)
    0.4286
    """
    h, ltv_ = np.asarray(haircut, dtype=float), np.asarray(ltv, dtype=float)
    return np.asarray(np.clip(1.0 - np.maximum(floor, (1.0 - h) / ltv_), 0.0, 1.0))


def channel_losses(principal: Any, default_share: Any, lgd: Any, bank_share: Any) -> tuple[Array, Array]:
    """Expected credit loss per channel, ``principal × default share × LGD``, split into what
    banks hold (``bank_share``) and what other holders (private credit, bond funds) hold."""
    p, d, g, b = (np.asarray(x, dtype=float) for x in (principal, default_share, lgd, bank_share))
    loss = p * d * g
    return np.asarray(loss * b), np.asarray(loss * (1.0 - b))


@dataclass(frozen=True, slots=True, kw_only=True)
class BankCapital:
    """Banks' capital before and after credit losses."""

    cet1_before: Array
    cet1_after: Array
    ratio_before: Array
    ratio_after: Array
    change_bp: Array
    breach: Array
    shortfall: Array


def capital_after_losses(cet1: Any, rwa: Any, losses: Any, minimum_ratio: Any) -> BankCapital:
    """CET1 ratio after losses: ``(CET1 - loss) / RWA`` (risk-weighted assets held fixed over the
    instant), its change in basis points, whether it breaches ``minimum_ratio`` and the capital
    short of it.

    Examples
    --------
    >>> c = capital_after_losses(950.0, 7800.0, 43.4, 0.105)
    >>> round(float(c.ratio_after), 4), round(float(c.change_bp), 1), bool(c.breach)
    (0.1162, -55.6, False)
    """
    c, r, loss, m = (np.asarray(x, dtype=float) for x in (cet1, rwa, losses, minimum_ratio))
    after = c - loss
    ratio0, ratio1 = c / r, after / r
    return BankCapital(
        cet1_before=c,
        cet1_after=after,
        ratio_before=ratio0,
        ratio_after=ratio1,
        change_bp=np.asarray((ratio1 - ratio0) * 1e4),
        breach=np.asarray(ratio1 < m),
        shortfall=np.asarray(np.maximum(m * r - after, 0.0)),
    )
