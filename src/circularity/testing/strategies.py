"""Hypothesis strategies for contagion networks (needs the ``test`` extra: ``hypothesis``).

Each draws a small random network from a seed, so a failing example shrinks to a few integers
and replays exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from circularity._typing import Array

__all__ = ["clearing_networks", "exposure_networks"]

Draw = Callable[[st.SearchStrategy[Any]], Any]


@st.composite
def clearing_networks(
    draw: Draw, max_n: int = 8
) -> tuple[Array, Array, Array, Array, Array, int, float, float]:
    """``(payer, payee, amount, external_assets, external_liabilities, n, alpha, beta)`` for
    :func:`~circularity.contagion.clear_payments`: up to ``max_n`` nodes, some zero amounts,
    outside assets from none to ample, and Rogers-Veraart costs or none."""
    n = draw(st.integers(2, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.floats(0.1, 0.9))
    rng = np.random.default_rng(seed)
    mask = (rng.random((n, n)) < density) & ~np.eye(n, dtype=bool)
    payer, payee = np.nonzero(mask)
    amount = rng.lognormal(0, 1, payer.size) * rng.choice([0.0, 1.0], payer.size, p=[0.1, 0.9])
    e = rng.random(n) * draw(st.sampled_from([0.0, 0.5, 2.0, 10.0]))
    el = rng.random(n) * draw(st.sampled_from([0.0, 1.0]))
    alpha = draw(st.sampled_from([1.0, 0.5, 0.9]))
    beta = draw(st.sampled_from([1.0, 0.6, 0.95]))
    return payer, payee, amount, e, el, n, alpha, beta


@st.composite
def exposure_networks(draw: Draw, max_n: int = 8) -> tuple[Array, Array, Array]:
    """``(L, equity, h0)`` for :func:`~circularity.contagion.debtrank`: a liabilities matrix,
    positive equity and an initial relative loss on about a third of the nodes."""
    n = draw(st.integers(2, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mask = (rng.random((n, n)) < draw(st.floats(0.1, 0.9))) & ~np.eye(n, dtype=bool)
    L = np.where(mask, rng.lognormal(0, 1, (n, n)), 0.0)
    equity = rng.random(n) * draw(st.sampled_from([0.5, 2.0, 20.0])) + 0.05
    h0 = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    return L, equity, h0
