"""eisenberg_noe, rogers_veraart, default_cascade, debtrank, shock_each_node."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import circularity.contagion as contagion
from circularity.contagion import (
    debtrank,
    default_cascade,
    eisenberg_noe,
    rogers_veraart,
    shock_each_node,
)
from circularity.contagion.reference import (
    reference_clearing,
    reference_debtrank,
    reference_default_cascade,
)
from circularity.errors import NetworkError


def _net(seed, n=30, density=0.15):
    rng = np.random.default_rng(seed)
    L = sp.random(n, n, density=density, random_state=rng, data_rvs=lambda k: rng.lognormal(0, 1, k))
    L = sp.csr_matrix(L - sp.diags(L.diagonal()))
    L.eliminate_zeros()
    e = rng.random(n) * 2
    el = rng.random(n)
    return L, e, el, rng


def test_public_api_is_curated():
    assert sorted(contagion.__all__) == sorted(
        name for name in dir(contagion) if not name.startswith("_") and name in contagion.__all__
    )
    for name in contagion.__all__:
        assert getattr(contagion, name).__doc__


def test_en_rv_equal_reference_and_rv_defaults_to_en():
    L, e, el, _ = _net(1)
    en = eisenberg_noe(L, e, el)
    np.testing.assert_allclose(en.payments, reference_clearing(L.toarray(), e, el)[0], atol=1e-10)
    np.testing.assert_allclose(rogers_veraart(L, e, el).payments, en.payments, atol=1e-12)
    rv = rogers_veraart(L, e, el, alpha=0.4, beta=0.6)
    np.testing.assert_allclose(rv.payments, reference_clearing(L.toarray(), e, el, 0.4, 0.6)[0], atol=1e-10)
    assert (rv.payments <= en.payments + 1e-12).all()


def test_batched_scenarios_reuse_structure():
    L, e, el, rng = _net(2)
    E = e * rng.random((25, e.size))
    r = eisenberg_noe(L, E, el)
    assert r.payments.shape == E.shape
    for s in (0, 7, 24):
        np.testing.assert_allclose(r.payments[s], eisenberg_noe(L, E[s], el).payments, atol=1e-12)
    assert r.to_frame().shape == (25 * e.size, 5)


def test_cascade_equals_reference_and_batches():
    L, e, el, rng = _net(3)
    for rr in (0.0, 0.4):
        c = default_cascade(L, e * 0.5, el, recovery_rate=rr)
        p, d, _ = reference_default_cascade(L.toarray(), e * 0.5, el, rr)
        np.testing.assert_allclose(c.payments, p)
        assert c.defaulted.tolist() == d.tolist()
    E = e * rng.random((4, e.size))
    cb = default_cascade(L, E, el)
    assert cb.defaulted[2].tolist() == default_cascade(L, E[2], el).defaulted.tolist()


@pytest.mark.parametrize("variant", ["linear", "single_hit"])
@pytest.mark.parametrize("edge_cap", [False, True])
def test_debtrank_equals_reference(variant, edge_cap):
    L, _, _, rng = _net(4)
    equity = rng.random(L.shape[0]) * 3 + 0.5
    h0 = np.where(rng.random(L.shape[0]) < 0.2, rng.random(L.shape[0]), 0.0)
    d = debtrank(L, equity, h0, variant=variant, edge_cap=edge_cap)
    want = reference_debtrank(L.toarray(), equity, h0, variant, edge_cap)
    np.testing.assert_allclose(d.h, want, atol=1e-12)
    assert ((d.h >= 0) & (d.h <= 1)).all()
    assert (d.stress >= d.h - 1e-15).all()


def test_debtrank_summaries_and_batch():
    L = np.array([[0.0, 10.0, 3.0], [1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    H0 = np.eye(3)
    d = debtrank(L, [2.0, 5.0, 2.0], H0, weights=[10, 100, 30], history=True)
    np.testing.assert_allclose(d.additional_stress, [130 / 140, 35 / 140, 105 / 140])
    assert d.additional_defaults.tolist() == [2, 1, 1]
    np.testing.assert_allclose(d.additional_losses, [7, 3, 6])
    assert d.history.shape[1:] == (3, 3)
    assert d.to_frame().shape == (9, 3)


@pytest.mark.parametrize("equity", [[2.0, 0.0, 2.0], [2.0, -1.0, 2.0]])
def test_debtrank_refuses_non_positive_lender_equity(equity):
    L = np.array([[0.0, 10.0, 3.0], [1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    with pytest.raises(NetworkError, match="node 1"):
        debtrank(L, equity, [1.0, 0.0, 0.0])


def test_debtrank_zero_equity_non_lender_is_fine():
    L = np.array([[0.0, 1.0], [0.0, 0.0]])  # node 0 borrows only
    d = debtrank(L, [0.0, 2.0], [1.0, 0.0])
    assert np.isfinite(d.h).all()
    np.testing.assert_allclose(d.h, [1.0, 0.5])


def test_shock_each_node_matches_single_runs():
    L, e, el, rng = _net(5, n=15)
    equity = rng.random(15) + 0.5
    imp = shock_each_node("debtrank", L, equity=equity, chunk=4)
    for k in (0, 9, 14):
        h0 = np.zeros(15)
        h0[k] = 1.0
        assert imp.loss[k] == pytest.approx(debtrank(L, equity, h0).additional_losses)
    imp = shock_each_node("eisenberg_noe", L, external_assets=e, external_liabilities=el, chunk=4)
    for k in (0, 9):
        ek = e.copy()
        ek[k] = 0.0
        r = eisenberg_noe(L, ek, el)
        assert imp.loss[k] == pytest.approx((r.obligations - r.payments).sum())
        assert imp.defaults[k] == r.defaulted.sum()
    for model in ("rogers_veraart", "cascade"):
        out = shock_each_node(model, L, external_assets=e, external_liabilities=el, alpha=0.5)
        assert np.isfinite(out.loss).all() and out.to_frame().shape == (15, 3)


@pytest.mark.parametrize(
    ("L", "match"),
    [
        (np.array([[1.0, 0.0], [0.0, 0.0]]), "owe itself"),
        (np.array([[0.0, -1.0], [0.0, 0.0]]), "negative"),
        (np.array([[0.0, np.inf], [0.0, 0.0]]), "non-finite"),
        (np.zeros((2, 3)), "square"),
    ],
)
def test_bad_matrix(L, match):
    with pytest.raises(ValueError, match=match):
        eisenberg_noe(L, [1.0, 1.0])
