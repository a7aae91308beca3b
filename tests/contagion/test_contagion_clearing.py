"""The shared clearing core: batched solver == dense reference, guard rails, shapes."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.contagion import _solvers, clear_payments, eisenberg_noe, rogers_veraart
from circularity.contagion.reference import reference_clearing, reference_picard


def _random(seed, n=12, m=30, S=40):
    rng = np.random.default_rng(seed)
    payer = rng.integers(0, n, m)
    payee = (payer + rng.integers(1, n, m)) % n
    amount = rng.lognormal(0, 1, (S, m))
    e = rng.random((S, n)) * 2
    el = rng.random((S, n))
    return payer, payee, amount, e, el, n


def _dense(payer, payee, amount, n):
    L = np.zeros((n, n))
    np.add.at(L, (payer, payee), amount)
    return L


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 0.7), (0.9, 0.3)])
@pytest.mark.parametrize("solver", ["batched_lu", "dense", "superlu", "iterative"])
def test_batched_equals_reference(alpha, beta, solver, monkeypatch):
    if solver != "batched_lu":
        monkeypatch.setattr(_solvers, "_BATCHED_LU_MAX_N", 0)
    if solver == "superlu":
        monkeypatch.setattr(_solvers, "_DENSE_MAX_BLOCK", 0)
        monkeypatch.setattr(_solvers, "_DIRECT_MAX_BLOCK", 10**9)
    if solver == "iterative":
        monkeypatch.setattr(_solvers, "_DENSE_MAX_BLOCK", 0)
        monkeypatch.setattr(_solvers, "_DIRECT_MAX_BLOCK", 0)
    payer, payee, amount, e, el, n = _random(1)
    r = clear_payments(payer, payee, amount, e, el, n=n, alpha=alpha, beta=beta)
    assert r.payments.shape == e.shape
    for s in range(e.shape[0]):
        L = _dense(payer, payee, amount[s], n)
        p_ref, _ = reference_clearing(L, e[s], el[s], alpha, beta)
        np.testing.assert_allclose(r.payments[s], p_ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(r.payments[s], reference_picard(L, e[s], el[s], alpha, beta), atol=1e-9)


@pytest.mark.parametrize("solver", ["dense", "superlu", "iterative"])
def test_single_scenario_paths_equal_reference(solver, monkeypatch):
    monkeypatch.setattr(_solvers, "_DENSE_MAX_BLOCK", 10**9 if solver == "dense" else 0)
    monkeypatch.setattr(_solvers, "_DIRECT_MAX_BLOCK", 0 if solver == "iterative" else 10**9)
    rng = np.random.default_rng(11)
    n = 300
    payer = rng.integers(0, n, 3000)
    payee = (payer + rng.integers(1, n, 3000)) % n
    amount = rng.lognormal(0, 1, 3000)
    e = rng.random(n) * 3
    L = _dense(payer, payee, amount, n)
    for alpha, beta in ((1.0, 1.0), (0.5, 0.7)):
        r = clear_payments(payer, payee, amount, e, n=n, alpha=alpha, beta=beta)
        assert r.defaulted.sum() > 20
        p_ref, _ = reference_clearing(L, e, None, alpha, beta)
        np.testing.assert_allclose(r.payments, p_ref, rtol=1e-9, atol=1e-10)


def test_shared_amount_and_single_scenario_shapes():
    payer, payee, amount, e, el, n = _random(2, S=5)
    r = clear_payments(payer, payee, amount[0], e, el[0], n=n)
    assert r.payments.shape == (5, n)
    assert r.edge_payments.shape == (5, payer.size)
    one = clear_payments(payer, payee, amount[0], e[3], el[0], n=n)
    assert one.payments.shape == (n,)
    np.testing.assert_allclose(one.payments, r.payments[3], atol=1e-12)
    assert one.edge_payments.shape == (payer.size,)


def test_edge_payments_add_up_to_totals():
    payer, payee, amount, e, el, n = _random(3, S=7)
    r = clear_payments(payer, payee, amount, e, el, n=n)
    network_paid = np.zeros((7, n))
    for s in range(7):
        network_paid[s] = np.bincount(payer, weights=r.edge_payments[s], minlength=n)
    outside_paid = el * r.ratio
    np.testing.assert_allclose(network_paid + outside_paid, r.payments, atol=1e-10)
    received = np.stack([np.bincount(payee, weights=r.edge_payments[s], minlength=n) for s in range(7)])
    np.testing.assert_allclose(received, r.received, atol=1e-10)
    np.testing.assert_allclose(r.net_worth, e + r.received - r.obligations, atol=1e-12)


def test_closed_cycle_without_outside_assets_is_finite():
    # 0 owes 1 two, 1 owes 0 one, nobody has outside assets
    r = clear_payments([0, 1], [1, 0], [2.0, 1.0], [0.0, 0.0], n=2)
    assert np.isfinite(r.payments).all()
    np.testing.assert_allclose(r.payments, [1.0, 1.0])
    # three-cycle fed by a node with nothing
    r = clear_payments([0, 1, 2, 3], [1, 2, 0, 0], [1.0, 1.0, 1.0, 5.0], np.zeros(4), n=4)
    np.testing.assert_allclose(r.payments, [1.0, 1.0, 1.0, 0.0])
    assert r.defaulted.tolist() == [False, False, False, True]


def test_singular_block_falls_back_to_picard(monkeypatch):
    # force the batched path to report every block singular: results must still be exact
    payer, payee, amount, e, el, n = _random(4, S=6)
    want = clear_payments(payer, payee, amount, e, el, n=n).payments

    class Singular(_solvers.Solver):
        def solve(self, pi, D, rhs, beta, x0=None):
            return np.zeros_like(rhs), np.ones(rhs.shape[1], dtype=bool)

    monkeypatch.setattr(_solvers, "pick_solver", lambda *a: Singular())
    got = clear_payments(payer, payee, amount, e, el, n=n).payments
    np.testing.assert_allclose(got, want, atol=1e-7)


def test_zero_obligation_nodes_and_empty_network():
    r = clear_payments(np.array([], int), np.array([], int), np.array([]), [1.0, 2.0], n=2)
    assert r.payments.tolist() == [0.0, 0.0]
    assert r.net_worth.tolist() == [1.0, 2.0]
    assert r.ratio.tolist() == [1.0, 1.0]
    r = clear_payments([0], [1], [0.0], [0.0, 0.0], n=2)
    assert r.edge_payments.tolist() == [0.0]
    assert not r.defaulted.any()


def test_negative_external_assets_match_picard():
    L = np.array([[0.0, 2.0, 0.0], [1.0, 0.0, 1.0], [0.5, 0.5, 0.0]])
    e = np.array([-1.0, 0.3, 0.2])
    r = eisenberg_noe(L, e)
    np.testing.assert_allclose(r.payments, reference_picard(L, e), atol=1e-9)
    r = rogers_veraart(L, e, alpha=0.5, beta=0.5)
    np.testing.assert_allclose(r.payments, reference_picard(L, e, None, 0.5, 0.5), atol=1e-9)


def test_history_and_rounds():
    L = np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.9], [0.0, 0.0, 0.0]])
    r = eisenberg_noe(L, [1.0, 0.0, 0.0], history=True)
    assert r.rounds == 2
    assert r.history.shape == (2, 3)
    np.testing.assert_allclose(r.history[-1], r.payments)
    frame = r.to_frame(["a", "b", "c"])
    assert list(frame.columns) == ["payment", "obligation", "received", "net_worth", "defaulted"]
    assert frame.loc["b", "defaulted"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"amount": [-1.0]}, "non-negative"),
        ({"amount": [np.nan]}, "non-negative"),
        ({"alpha": 0.0}, "alpha"),
        ({"external_assets": [1.0]}, "shape"),
        ({"payee": [5]}, "indices"),
    ],
)
def test_bad_input(kwargs, match):
    args = {"payer": [0], "payee": [1], "amount": [1.0], "external_assets": [1.0, 1.0]}
    extra = {k: kwargs.pop(k) for k in list(kwargs) if k in ("alpha",)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        clear_payments(**args, n=2, **extra)


def test_batched_small_network_many_scenarios_never_nan():
    rng = np.random.default_rng(9)
    n, m, S = 40, 60, 2000
    payer = rng.integers(0, n, m)
    payee = (payer + rng.integers(1, n, m)) % n
    amount = rng.lognormal(0, 1, (S, m))
    e = rng.random((S, n)) * rng.choice([0.0, 1.0, 3.0], (S, n))
    r = clear_payments(payer, payee, amount, e, n=n, alpha=0.6, beta=0.8)
    assert np.isfinite(r.payments).all()
    assert (r.payments >= 0).all() and (r.payments <= r.obligations + 1e-12).all()
