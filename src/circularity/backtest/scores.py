"""Scores of predictions against outcomes: ROC AUC, Brier score, rank correlation, calibration.

Pure functions over arrays. ``p`` is a predicted probability (or any risk score for the
ranking scores), ``y`` is 1 for an entity that defaulted by the horizon and 0 for one known to
have survived; entities with an unknown outcome are never passed in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

from circularity._typing import Array

__all__ = ["auc", "brier", "calibration_table", "rank_correlation"]


def auc(score: Array | Sequence[float], y: Array | Sequence[int]) -> float | None:
    """Area under the ROC curve: the chance that a random defaulter scores above a survivor.

    Ties count one half (the Mann–Whitney form). None when either class is empty.

    Examples
    --------
    >>> auc([0.9, 0.8, 0.3, 0.1], [1, 1, 0, 0])
    1.0
    >>> auc([0.5, 0.5], [1, 0])
    0.5
    """
    s, t = np.asarray(score, dtype=float), np.asarray(y, dtype=int)
    pos, neg = s[t == 1], s[t == 0]
    if pos.size == 0 or neg.size == 0:
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (pos.size * neg.size))


def brier(p: Array | list[float], y: Array | list[int]) -> float | None:
    """Mean squared error of probabilities against 0/1 outcomes (0 is perfect, 0.25 a coin).

    Examples
    --------
    >>> brier([1.0, 0.0], [1, 0])
    0.0
    >>> brier([0.5, 0.5], [1, 0])
    0.25
    """
    q, t = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    if q.size == 0:
        return None
    return float(np.mean((q - t) ** 2))


def rank_correlation(predicted: Array | Sequence[float], actual: Array | Sequence[float]) -> float | None:
    """Spearman rank correlation of predicted and actual default dates (pairs with both known).

    None with fewer than three pairs or when either side is constant.
    """
    a, b = np.asarray(predicted, dtype=float), np.asarray(actual, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    if a.size < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    rho = stats.spearmanr(a, b).statistic
    return None if math.isnan(rho) else float(rho)


def calibration_table(
    p: Array | list[float], y: Array | list[int], *, bins: int = 5
) -> list[dict[str, float | int | None]]:
    """Predicted against observed default frequency in equal-width probability bins.

    Each row: ``bin_low``, ``bin_high``, ``n``, ``mean_predicted``, ``observed_rate`` (None in an
    empty bin). The last bin includes 1.
    """
    q, t = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.searchsorted(edges, q, side="right") - 1, 0, bins - 1)
    rows: list[dict[str, float | int | None]] = []
    for b in range(bins):
        sel = which == b
        n = int(sel.sum())
        rows.append(
            {
                "bin_low": float(edges[b]),
                "bin_high": float(edges[b + 1]),
                "n": n,
                "mean_predicted": float(q[sel].mean()) if n else None,
                "observed_rate": float(t[sel].mean()) if n else None,
            }
        )
    return rows
