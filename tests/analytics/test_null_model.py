"""The strength-preserving null model: margins kept, reproducible, p-value and z-score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circularity.analytics import circulation_null_model, flow_swaps
from circularity.analytics.null_model import support_moves


def margins(s, t, a, n):
    return np.bincount(s, weights=a, minlength=n), np.bincount(t, weights=a, minlength=n)


def test_flow_swaps_keep_every_in_and_out_flow():
    rng = np.random.default_rng(1)
    n = 12
    s, t = np.nonzero((rng.random((n, n)) < 0.3) & ~np.eye(n, dtype=bool))
    a = rng.lognormal(size=s.size)
    s2, t2, a2 = flow_swaps(s, t, a, 2000, np.random.default_rng(2))
    for before, after in zip(margins(s, t, a, n), margins(s2, t2, a2, n), strict=True):
        np.testing.assert_allclose(after, before, rtol=1e-12, atol=1e-12)
    assert (a2 > 0).all() and not (s2 == t2).any()
    assert len(set(zip(s2.tolist(), t2.tolist(), strict=False))) == s2.size  # no duplicate pairs
    assert not np.array_equal(np.sort(a2), np.sort(a))  # it did move money


def test_reproducible_with_a_seed_and_with_a_generator():
    args = (["a", "b", "b", "c", "c", "d", "a"], ["b", "a", "c", "a", "d", "a", "d"], [3, 1, 2, 2, 1, 1, 5])
    r1 = circulation_null_model(*args, n=60, seed=11)
    r2 = circulation_null_model(*args, n=60, seed=11)
    r3 = circulation_null_model(*args, n=60, rng=np.random.default_rng(11))
    assert np.array_equal(r1.null, r2.null) and np.array_equal(r1.null, r3.null)
    assert r1.seed == 11 and r3.seed is None
    with pytest.raises(ValueError, match="not both"):
        circulation_null_model(*args, n=5, seed=1, rng=np.random.default_rng(1))


def test_statistics_follow_their_definitions():
    args = (["a", "b", "b", "c", "c", "d", "a"], ["b", "a", "c", "a", "d", "a", "d"], [3, 1, 2, 2, 1, 1, 5])
    r = circulation_null_model(*args, n=200, seed=5, method="strength")
    assert r.observed == pytest.approx(10.0 / 15.0)  # a-b-a 2, a-d-a 2, a-b-c-a 3 (x2,x2,x3)
    assert r.mean == pytest.approx(float(np.mean(r.null)))
    assert r.std == pytest.approx(float(np.std(r.null, ddof=1)))
    assert r.z_score == pytest.approx((r.observed - r.mean) / r.std)
    hits = int(np.sum(r.null >= r.observed - 1e-9))
    assert r.p_value == pytest.approx((1 + hits) / 201)
    assert ((r.null >= 0) & (r.null <= 1 + 1e-12)).all()
    assert r.to_frame().shape == (200, 1)
    assert "in-flow and out-flow exactly" in r.definition


def test_forced_shapes_give_nan_z_and_p_one():
    # A chain's margins allow only the chain itself: every null web is acyclic.
    r = circulation_null_model(["a", "b"], ["b", "c"], [1.0, 1.0], n=20, seed=0)
    assert r.observed == 0.0 and (r.null == 0.0).all()
    assert math.isnan(r.z_score) and r.p_value == 1.0
    assert r.to_dict()["z_score"] is None


def test_batched_solution_matches_one_by_one():
    from circularity.analytics.circulation import max_circulation
    from circularity.analytics.null_model import _batched_volumes

    rng = np.random.default_rng(3)
    webs = []
    for _ in range(7):
        s, t = np.nonzero((rng.random((9, 9)) < 0.3) & ~np.eye(9, dtype=bool))
        webs.append((s, t, rng.lognormal(size=s.size)))
    batched = _batched_volumes(webs, 9)
    single = [max_circulation(s, t, a, 9).sum() for s, t, a in webs]
    np.testing.assert_allclose(batched, single, rtol=1e-9)


def _random_web(seed, n=12, p=0.3):
    rng = np.random.default_rng(seed)
    s, t = np.nonzero(rng.random((n, n)) < p)  # self-loops allowed: a payer and a payee
    return s, t, rng.lognormal(size=s.size), n


def test_support_moves_keep_degrees_and_strengths_and_move_money():
    s, t, a, n = _random_web(1)
    a2 = support_moves(s, t, a, 3000, np.random.default_rng(2))
    assert a2.shape == a.shape and (a2 > 0).all()  # same pairs, none emptied: degrees kept
    for before, after in zip(margins(s, t, a, n), margins(s, t, a2, n), strict=True):
        np.testing.assert_allclose(after, before, rtol=1e-12, atol=1e-12)
    assert np.abs(a2 - a).max() > 0.1


def test_alternating_cycles_span_the_margin_polytope():
    from circularity.analytics.null_model import alternating_cycles

    s, t, _, n = _random_web(3)
    cycles = alternating_cycles(s, t)
    # dimension = edges - bipartite nodes + bipartite components
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components

    g = sp.csr_array((np.ones(s.size), (s, t + n)), shape=(2 * n, 2 * n))
    _, lab = connected_components(g, directed=False)
    used = np.unique(np.r_[s, t + n])
    assert len(cycles) == s.size - used.size + np.unique(lab[used]).size
    directions = np.zeros((len(cycles), s.size))
    for k, (plus, minus) in enumerate(cycles):
        directions[k, plus], directions[k, minus] = 1.0, -1.0
        assert len(plus) == len(minus)
    assert np.linalg.matrix_rank(directions) == len(cycles)
    for before, after in zip(
        margins(s, t, np.zeros(s.size), n), margins(s, t, directions[0], n), strict=True
    ):
        np.testing.assert_allclose(after, before, atol=1e-12)  # a move keeps the margins


def test_degree_strength_is_the_default_and_reproducible():
    args = (["a", "b", "b", "c", "c", "d", "a"], ["b", "a", "c", "a", "d", "a", "d"], [3, 1, 2, 2, 1, 1, 5])
    r1 = circulation_null_model(*args, n=40, seed=11)
    r2 = circulation_null_model(*args, n=40, rng=np.random.default_rng(11))
    assert r1.method == "degree-strength" and "in- and out-degree" in r1.definition
    assert np.array_equal(r1.null, r2.null)
    assert r1.to_dict()["method"] == "degree-strength"
    assert circulation_null_model(*args, n=5, seed=1, method="strength").method == "strength"
    with pytest.raises(ValueError, match="method: unknown value"):
        circulation_null_model(*args, n=5, seed=1, method="degrees")


def test_ai_web_significance_under_the_degree_strength_null():
    import circularity
    from circularity.analytics import flow_graph

    g = flow_graph(circularity.load(dataset="ai"), window=(2025, 2030))
    r = circulation_null_model(g, n=200, seed=1)
    # The July 2026 web (2026 update; the March web gave 134.7 / 2021.0): Amazon's and Google's
    # loops with their labs (D04/D50, D58/D38+D59) more than doubled the circulating share.
    assert r.observed == pytest.approx(376.7 / 2848.67, abs=5e-4)
    assert math.isfinite(r.z_score) and r.std > 0
    assert 0 < r.p_value <= 1
    assert r.p_value == pytest.approx((1 + int(np.sum(r.null >= r.observed - 1e-9))) / 201)
