"""Hypothesis invariants of DebtRank."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.contagion import debtrank
from circularity.contagion.reference import reference_debtrank

SETTINGS = settings(max_examples=60, deadline=None)


@st.composite
def exposure_networks(draw, max_n=8):
    n = draw(st.integers(2, max_n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    mask = (rng.random((n, n)) < draw(st.floats(0.1, 0.9))) & ~np.eye(n, dtype=bool)
    L = np.where(mask, rng.lognormal(0, 1, (n, n)), 0.0)
    equity = rng.random(n) * draw(st.sampled_from([0.5, 2.0, 20.0])) + 0.05
    h0 = np.where(rng.random(n) < 0.3, rng.random(n), 0.0)
    return L, equity, h0


@SETTINGS
@given(exposure_networks(), st.sampled_from(["linear", "single_hit"]), st.booleans())
def test_h_in_unit_interval_and_equals_reference(net, variant, cap):
    L, equity, h0 = net
    d = debtrank(L, equity, h0, variant=variant, edge_cap=cap)
    assert np.isfinite(d.h).all()
    assert ((d.h >= h0 - 1e-15) & (d.h <= 1.0)).all()
    np.testing.assert_allclose(d.h, reference_debtrank(L, equity, h0, variant, cap), atol=1e-11)
    assert 0.0 <= d.original_stress <= 1.0 + 1e-12
    assert -1e-12 <= d.additional_stress <= 1.0 + 1e-12


@SETTINGS
@given(exposure_networks(), st.floats(1.0, 3.0))
def test_linear_h_never_falls_when_shock_grows(net, factor):
    L, equity, h0 = net
    bigger = np.minimum(1.0, h0 * factor + 0.01 * (h0 > 0))
    H = np.stack([h0, bigger])
    d = debtrank(L, equity, H)
    assert (d.h[1] >= d.h[0] - 1e-12).all()
