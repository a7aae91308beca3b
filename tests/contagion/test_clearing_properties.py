"""Hypothesis invariants of the clearing core and the threshold cascade."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.contagion import clear_payments, default_cascade
from circularity.contagion.reference import reference_clearing
from circularity.testing.strategies import clearing_networks as networks

SETTINGS = settings(max_examples=60, deadline=None)


def _phi(r, payer, payee, amount, e, alpha, beta, n):
    inflow = np.bincount(payee, weights=r.edge_payments, minlength=n)
    solvent = e + inflow >= r.obligations
    return np.where(solvent, r.obligations, np.maximum(0.0, alpha * e + beta * inflow))


@SETTINGS
@given(networks())
def test_bounds_fixed_point_and_reference(net):
    payer, payee, amount, e, el, n, alpha, beta = net
    r = clear_payments(payer, payee, amount, e, el, n=n, alpha=alpha, beta=beta)
    p, p_bar = r.payments, r.obligations
    assert np.isfinite(p).all()
    assert (p >= 0).all() and (p <= p_bar + 1e-12).all()
    scale = 1.0 + p_bar.max(initial=0.0)
    np.testing.assert_allclose(p, _phi(r, payer, payee, amount, e, alpha, beta, n), atol=1e-7 * scale)
    L = np.zeros((n, n))
    np.add.at(L, (payer, payee), amount)
    np.testing.assert_allclose(p, reference_clearing(L, e, el, alpha, beta)[0], atol=1e-8 * scale)


@SETTINGS
@given(networks())
def test_all_solvent_pays_in_full(net):
    payer, payee, amount, _, el, n, alpha, beta = net
    rich = np.full(n, amount.sum() + el.sum() + 1.0)
    r = clear_payments(payer, payee, amount, rich, el, n=n, alpha=alpha, beta=beta)
    np.testing.assert_array_equal(r.payments, r.obligations)
    assert not r.defaulted.any()
    assert r.rounds == 0


@SETTINGS
@given(networks(), st.floats(0.0, 3.0))
def test_more_outside_assets_never_lower_payments(net, bump):
    payer, payee, amount, e, el, n, alpha, beta = net
    rng = np.random.default_rng(int(bump * 1000))
    E = np.stack([e, e + bump * rng.random(n)])
    r = clear_payments(payer, payee, amount, E, el, n=n, alpha=alpha, beta=beta)
    assert (r.payments[1] >= r.payments[0] - 1e-9 * (1 + r.obligations[0])).all()


@SETTINGS
@given(networks(), st.floats(0.0, 1.0))
def test_cascade_defaults_monotone_in_assets(net, rr):
    payer, payee, amount, e, el, n, _, _ = net
    L = np.zeros((n, n))
    np.add.at(L, (payer, payee), amount)
    poor = default_cascade(L, e * 0.5, el, recovery_rate=rr)
    rich = default_cascade(L, e, el, recovery_rate=rr)
    assert (rich.defaulted <= poor.defaulted).all()
