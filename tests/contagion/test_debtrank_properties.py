"""Hypothesis invariants of DebtRank."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.contagion import debtrank
from circularity.contagion.reference import reference_debtrank
from circularity.testing.strategies import exposure_networks

SETTINGS = settings(max_examples=60, deadline=None)


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
