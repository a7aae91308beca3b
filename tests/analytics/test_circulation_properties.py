"""Hypothesis invariants of the maximum circulation and its cycle decomposition.

The OR-Tools fast path is asserted equal to the HiGHS reference within its rounding bound.
Maximality is checked twice, independently of HiGHS: (1) networkx's network simplex on the
same problem as a min-cost circulation (cost -1 per unit on every edge, integer amounts)
reaches the same total; (2) the residual graph of our flows (forward arcs with spare
capacity at cost -1, backward arcs with flow at cost +1) holds no negative-cost cycle, the
optimality condition of a min-cost circulation.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.analytics import find_circulation
from circularity.analytics.null_model import flow_swaps, support_moves

SETTINGS = settings(max_examples=80, deadline=None)


@st.composite
def webs(draw, max_n=9, integer=False, acyclic=False):
    n = draw(st.integers(1, max_n))
    seed = draw(st.integers(0, 2**32 - 1))
    density = draw(st.floats(0.05, 0.9))
    rng = np.random.default_rng(seed)
    mask = rng.random((n, n)) < density
    if acyclic:
        mask = np.triu(mask, 1)
    elif not draw(st.booleans()):
        mask &= ~np.eye(n, dtype=bool)
    s, t = np.nonzero(mask)
    if draw(st.booleans()):  # parallel edges
        k = s.size // 3
        s, t = np.r_[s, s[:k]], np.r_[t, t[:k]]
    if integer:
        a = rng.integers(0, 20, s.size).astype(float)
    else:
        a = rng.lognormal(0, 1.5, s.size) * (rng.random(s.size) > 0.1)
    return [f"e{i}" for i in s], [f"e{i}" for i in t], a


def networkx_max_circulation(result) -> float:
    g = nx.DiGraph()
    total = 0.0
    for u, v, c in zip(result.edge_source, result.edge_target, result.edge_amount, strict=True):
        if u == v:
            total += c  # network simplex has no self-loops; they circulate in full
        elif c > 0:
            g.add_edge(int(u), int(v), capacity=int(c), weight=-1)
    if g.number_of_edges() == 0:
        return total
    cost, _ = nx.network_simplex(g)
    return total - cost


@SETTINGS
@given(webs())
def test_result_is_a_feasible_circulation(web):
    r = find_circulation(*web)
    f, c = r.edge_flows, r.edge_amount
    scale = max(1.0, float(c.max(initial=0.0)))
    assert (f >= 0).all() and (f <= c).all()
    net = np.zeros(len(r.nodes))
    np.add.at(net, r.edge_target, f)
    np.add.at(net, r.edge_source, -f)
    assert np.abs(net).max(initial=0.0) <= 1e-9 * scale * max(1, f.size)
    assert r.circulating_volume == np.float64(f.sum())
    assert 0.0 <= r.circularity_ratio <= 1.0 + 1e-12
    np.testing.assert_allclose(
        r.circular, np.bincount(r.edge_source, f, len(r.nodes)), atol=1e-9 * scale * max(1, f.size)
    )


@SETTINGS
@given(webs())
def test_cycle_amounts_times_lengths_sum_to_circulating_volume(web):
    r = find_circulation(*web)
    scale = max(1.0, float(r.edge_amount.max(initial=0.0)))
    assert abs(r.cycles.volume - r.circulating_volume) <= 1e-8 * scale * max(1, r.edge_flows.size)
    # Each cycle is simple and made of edges of the web, with a positive amount.
    pairs = set(zip(r.edges_frame().source, r.edges_frame().target, strict=False))
    for cyc in r.cycles:
        assert cyc.amount > 0
        assert len(set(cyc.entities)) == len(cyc.entities)
        for i, u in enumerate(cyc.entities):
            assert (u, cyc.entities[(i + 1) % len(cyc.entities)]) in pairs


@SETTINGS
@given(webs(integer=True))
def test_total_equals_networkx_network_simplex(web):
    r = find_circulation(*web)
    assert r.circulating_volume == np.float64(networkx_max_circulation(r)) or abs(
        r.circulating_volume - networkx_max_circulation(r)
    ) <= 1e-7 * max(1.0, r.circulating_volume)


@SETTINGS
@given(webs())
def test_no_negative_cycle_in_the_residual_graph(web):
    r = find_circulation(*web)
    scale = max(1.0, float(r.edge_amount.max(initial=0.0)))
    eps = 1e-7 * scale
    g = nx.DiGraph()
    for u, v, c, f in zip(r.edge_source, r.edge_target, r.edge_amount, r.edge_flows, strict=True):
        u, v = int(u), int(v)
        if u == v:
            assert f >= c - eps  # a self-loop with spare capacity is a gain cycle
            continue
        if c - f > eps:
            g.add_edge(u, v, weight=min(g.get_edge_data(u, v, {"weight": 1})["weight"], -1))
        if f > eps:
            g.add_edge(v, u, weight=min(g.get_edge_data(v, u, {"weight": 1})["weight"], 1))
    assert not nx.negative_edge_cycle(g, weight="weight")


@SETTINGS
@given(webs())
def test_ortools_equals_the_highs_reference_within_the_rounding_bound(web):
    from circularity.analytics.circulation import circulation_quantum

    fast = find_circulation(*web, method="ortools")
    ref = find_circulation(*web, method="highs")
    f, c = fast.edge_flows, fast.edge_amount
    assert (f >= 0).all() and (f <= c).all()
    n = len(fast.nodes)
    x = fast.edge_source != fast.edge_target  # self-loops carry their amount, unrounded
    fx = f[x]
    assert (np.bincount(fast.edge_target[x], fx, n) == np.bincount(fast.edge_source[x], fx, n)).all()
    # Floored capacities cost at most q per edge per cycle through it; HiGHS itself is ~1e-9.
    bound = circulation_quantum(c) * max(1, c.size) * max(1, n)
    slack = 1e-9 * max(1.0, float(c.max(initial=0.0))) * max(1, c.size)
    assert -slack <= ref.circulating_volume - fast.circulating_volume <= bound + slack


@SETTINGS
@given(webs(acyclic=True))
def test_an_acyclic_web_has_zero_circulation(web):
    r = find_circulation(*web)
    assert r.circulating_volume == 0.0
    assert len(r.cycles) == 0


@SETTINGS
@given(webs(), st.integers(0, 2**32 - 1))
def test_null_model_keeps_every_entitys_in_and_out_flow(web, seed):
    r = find_circulation(*web)
    s, t, a = r.edge_source, r.edge_target, r.edge_amount
    s2, t2, a2 = flow_swaps(s, t, a, 20 * max(1, s.size), np.random.default_rng(seed))
    n = len(r.nodes)
    tol = 1e-9 * max(1.0, float(a.sum()))
    np.testing.assert_allclose(np.bincount(s2, a2, n), np.bincount(s, a, n), atol=tol)
    np.testing.assert_allclose(np.bincount(t2, a2, n), np.bincount(t, a, n), atol=tol)
    assert (a2 > 0).all()
    # no self-loop is created; existing ones may only shrink
    loops_before = {int(u): w for u, v, w in zip(s, t, a, strict=True) if u == v}
    for u, v, w in zip(s2, t2, a2, strict=True):
        if u == v:
            assert w <= loops_before[int(u)] + tol


@SETTINGS
@given(webs(), st.integers(0, 2**32 - 1))
def test_degree_strength_null_keeps_degrees_and_every_in_and_out_flow(web, seed):
    r = find_circulation(*web)
    live = r.edge_amount > 0
    s, t, a = r.edge_source[live], r.edge_target[live], r.edge_amount[live]
    a2 = support_moves(s, t, a, 20 * max(1, s.size), np.random.default_rng(seed))
    assert a2.shape == a.shape and (a2 > 0).all()  # same pairs, none emptied: degrees kept
    n = len(r.nodes)
    tol = 1e-9 * max(1.0, float(a.sum()))
    np.testing.assert_allclose(np.bincount(s, a2, n), np.bincount(s, a, n), atol=tol)
    np.testing.assert_allclose(np.bincount(t, a2, n), np.bincount(t, a, n), atol=tol)
