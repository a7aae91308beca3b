"""Valuation by earnings multiple: price = EPS × P/E, with the multiple de-rated under stress.

The method a user picks instead of discounted cash flows ("earnings where a user picks a
multiple method"): a change in earnings and a compression of the multiple give the change in
market value. Vectorised over any shape (cohorts, entities, scenarios).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from circularity._typing import Array

__all__ = ["derated_multiple", "index_change", "multiple_price_change"]


def derated_multiple(pe_base: Any, pe_trough: Any, severity: Any) -> Array:
    """The stressed multiple: ``PE_base - severity (PE_base - PE_trough)``, severity in [0, 1].

    Examples
    --------
    >>> float(derated_multiple(31.0, 19.0, 0.75))
    22.0
    """
    b, t, s = (np.asarray(x, dtype=float) for x in (pe_base, pe_trough, severity))
    return np.asarray(b - s * (b - t))


def multiple_price_change(eps_change: Any, pe_base: Any, pe_stress: Any) -> Array:
    """Relative change in market value when earnings change by ``eps_change`` (a share, -0.25 for
    -25%) and the multiple moves from ``pe_base`` to ``pe_stress``:
    ``(1 + ΔEPS) PE_stress / PE_base - 1``.

    Examples
    --------
    >>> round(float(multiple_price_change(-0.252, 31.0, 22.0)), 3)
    -0.469
    """
    e, b, s = (np.asarray(x, dtype=float) for x in (eps_change, pe_base, pe_stress))
    return np.asarray((1.0 + e) * s / b - 1.0)


def index_change(weights: Any, changes: Any) -> Array:
    """A cap-weighted index's change from its constituents' (weights summing to 1 on the last axis)."""
    w, c = np.asarray(weights, dtype=float), np.asarray(changes, dtype=float)
    return np.asarray((w * c).sum(axis=-1))
