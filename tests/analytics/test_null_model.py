"""The strength-preserving null model: margins kept, reproducible, p-value and z-score."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circularity.analytics import circulation_null_model, flow_swaps


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
    r = circulation_null_model(*args, n=200, seed=5)
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
