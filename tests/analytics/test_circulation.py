"""Hand-computed circulations, result shape and input errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from circularity.analytics import FlowGraph, find_circulation, list_cycles
from circularity.errors import NetworkError


def cycles_of(result):
    return [(c.entities, pytest.approx(c.amount)) for c in result.cycles]


def test_two_node_loop():
    r = find_circulation(["a", "b"], ["b", "a"], [5.0, 3.0])
    assert r.total_volume == 8.0
    assert r.circulating_volume == pytest.approx(6.0)
    assert r.circularity_ratio == pytest.approx(0.75)
    assert cycles_of(r) == [(("a", "b"), 3.0)]
    assert r.edge_flows.tolist() == pytest.approx([3.0, 3.0])
    assert r.components == (("a", "b"),)


def test_triangle_with_a_tail():
    # a -> b -> c -> a round 2 (c -> a binds); the tail c -> d never comes back.
    r = find_circulation(["a", "b", "c", "c"], ["b", "c", "a", "d"], [4.0, 4.0, 2.0, 7.0])
    assert r.total_volume == 17.0
    assert r.circulating_volume == pytest.approx(6.0)
    assert r.circularity_ratio == pytest.approx(6.0 / 17.0)
    assert cycles_of(r) == [(("a", "b", "c"), 2.0)]
    frame = r.to_frame()
    assert frame.loc["d", "inflow"] == 7.0 and frame.loc["d", "circular"] == 0.0
    assert frame.loc["c", "circular_share_out"] == pytest.approx(2.0 / 9.0)
    assert frame.loc["a", "circular_share_in"] == pytest.approx(1.0)
    assert r.components == (("a", "b", "c"),)


def test_two_cycles_sharing_an_edge():
    # a -> b (5) is shared by a-b-a (b -> a = 3) and a-b-c-a (4, 4). Each dollar on the long
    # loop counts on 3 edges, so the shared edge goes 4 to the triangle and 1 to the pair.
    r = find_circulation(["a", "b", "b", "c"], ["b", "a", "c", "a"], [5.0, 3.0, 4.0, 4.0])
    assert r.circulating_volume == pytest.approx(14.0)
    assert r.circularity_ratio == pytest.approx(14.0 / 16.0)
    flows = dict(
        zip(zip(r.edges_frame().source, r.edges_frame().target, strict=False), r.edge_flows, strict=False)
    )
    assert flows[("a", "b")] == pytest.approx(5.0)  # the shared edge binds
    assert flows[("b", "a")] == pytest.approx(1.0)
    assert cycles_of(r) == [(("a", "b", "c"), 4.0), (("a", "b"), 1.0)]
    assert r.cycles.volume == pytest.approx(r.circulating_volume)


def test_acyclic_graph_has_no_circulation():
    r = find_circulation(["a", "a", "b"], ["b", "c", "c"], [1.0, 2.0, 3.0])
    assert r.circulating_volume == 0.0
    assert r.circularity_ratio == 0.0
    assert len(r.cycles) == 0
    assert r.components == ()


def test_empty_graph():
    r = find_circulation([], [], [])
    assert r.total_volume == 0.0 and r.circularity_ratio == 0.0
    assert len(r.cycles) == 0 and r.nodes == ()


def test_isolated_nodes_kept_in_given_order():
    r = find_circulation(["b"], ["a"], [1.0], nodes=["z", "b", "a"])
    assert r.nodes == ("z", "b", "a")
    assert r.inflow.tolist() == [0.0, 0.0, 1.0]


def test_self_loop_circulates_in_full():
    r = find_circulation(["a", "a"], ["a", "b"], [2.0, 1.0])
    assert r.circulating_volume == pytest.approx(2.0)
    assert cycles_of(r) == [(("a",), 2.0)]
    assert r.components == (("a",),)


def test_parallel_edges_are_merged_with_their_deal_ids():
    r = find_circulation(["a", "a", "b"], ["b", "b", "a"], [1.0, 2.0, 3.0], ids=["d1", "d2", "d3"])
    assert r.edge_amount.tolist() == [3.0, 3.0]
    assert r.edge_deal_ids == (("d1", "d2"), ("d3",))
    (cycle,) = r.cycles
    assert cycle.deal_ids == (("d1", "d2"), ("d3",))
    assert r.circulating_volume == pytest.approx(6.0)


def test_frame_and_flow_graph_inputs_agree():
    frame = pd.DataFrame(
        {
            "source": ["a", "b", "b", "c"],
            "target": ["b", "a", "c", "a"],
            "amount": [5.0, 3.0, 4.0, 4.0],
            "id": ["x1", "x2", "x3", "x4"],
        }
    )
    by_frame = find_circulation(frame)
    by_graph = find_circulation(FlowGraph.from_edges(frame))
    assert by_frame.circulating_volume == pytest.approx(by_graph.circulating_volume)
    assert by_frame.edge_deal_ids == by_graph.edge_deal_ids == (("x1",), ("x2",), ("x3",), ("x4",))


def test_row_order_does_not_change_the_result():
    rng = np.random.default_rng(7)
    n, m = 30, 150
    s, t = rng.integers(n, size=m), rng.integers(n, size=m)
    a = rng.integers(1, 10, size=m).astype(float)
    perm = rng.permutation(m)
    r1 = find_circulation(s, t, a)
    r2 = find_circulation(s[perm], t[perm], a[perm])
    assert r1.circulating_volume == pytest.approx(r2.circulating_volume)
    assert np.array_equal(r1.edge_flows, r2.edge_flows)
    assert [c.entities for c in r1.cycles] == [c.entities for c in r2.cycles]


def test_result_is_frozen_and_read_only():
    r = find_circulation(["a", "b"], ["b", "a"], [1.0, 1.0])
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.total_volume = 2.0  # type: ignore[misc]
    with pytest.raises(ValueError):
        r.edge_flows[0] = 9.0
    with pytest.raises(ValueError):
        r.inflow[0] = 9.0


def test_to_dict_has_the_cli_keys():
    r = find_circulation(["a", "b", "b"], ["b", "a", "c"], [3.0, 2.0, 5.0])
    d = r.to_dict(top=1)
    assert set(d) >= {"total_volume", "circulating_volume", "circularity_ratio", "cycles", "entities"}
    assert d["cycles"] == [{"entities": ["a", "b"], "amount": 2.0, "deal_ids": [["0"], ["1"]]}]
    assert d["entities"]["c"]["inflow"] == 5.0
    assert list(r.cycles_frame().columns) == ["entities", "length", "amount", "volume"]


@pytest.mark.parametrize(
    ("source", "target", "amount", "match"),
    [
        (["a"], ["b"], [-1.0], "finite and >= 0"),
        (["a"], ["b"], [float("nan")], "finite and >= 0"),
        (["a"], ["b"], [float("inf")], "finite and >= 0"),
        (["a", "b"], ["b"], [1.0, 1.0], "differ in length"),
        (["a"], ["b"], ["x"], "must be numbers"),
    ],
)
def test_bad_input_raises_network_error(source, target, amount, match):
    with pytest.raises(NetworkError, match=match):
        find_circulation(source, target, amount)


def test_unknown_entity_and_missing_column():
    with pytest.raises(NetworkError, match="not in nodes"):
        find_circulation(["a"], ["q"], [1.0], nodes=["a", "b"])
    with pytest.raises(NetworkError, match="lacks column"):
        find_circulation(pd.DataFrame({"source": ["a"], "target": ["b"]}))


def test_bounded_cycle_listing():
    s = ["a", "b", "b", "c", "c", "d"]
    t = ["b", "a", "c", "a", "d", "a"]
    listed = list_cycles(s, t, [1, 2, 3, 4, 5, 6], length_bound=3)
    assert sorted(c.entities for c in listed) == [("a", "b"), ("a", "b", "c")]
    assert len(list_cycles(s, t, [1] * 6, length_bound=4)) == 3
    assert len(list_cycles(s, t, [1] * 6, length_bound=4, max_cycles=2)) == 2
    r = find_circulation(s, t, [1, 2, 3, 4, 5, 6], length_bound=2)
    assert [c.entities for c in r.simple_cycles] == [("a", "b")]
    assert r.simple_cycles[0].bottleneck == 1
    with pytest.raises(ValueError, match="length_bound"):
        list_cycles(s, t, [1] * 6, length_bound=0)


def test_bounded_listing_stays_fast_on_a_dense_graph():
    # 30 nodes / ~300 edges hold millions of simple cycles; the cap stops the listing.
    rng = np.random.default_rng(0)
    s, t = np.nonzero((rng.random((30, 30)) < 0.35) & ~np.eye(30, dtype=bool))
    listed = list_cycles(s, t, np.ones(s.size), length_bound=6, max_cycles=500)
    assert len(listed) == 500
    assert all(len(c.entities) <= 6 for c in listed)


HAND_CASES = [
    (["a", "b"], ["b", "a"], [5.0, 3.0], 6.0),
    (["a", "b", "c", "c"], ["b", "c", "a", "d"], [4.0, 4.0, 2.0, 7.0], 6.0),
    (["a", "b", "b", "c"], ["b", "a", "c", "a"], [5.0, 3.0, 4.0, 4.0], 14.0),
    (["a", "a", "b"], ["b", "c", "c"], [1.0, 2.0, 3.0], 0.0),
    (["a", "a"], ["a", "b"], [2.0, 1.0], 2.0),
    # Amounts that are not multiples of any power of two: the OR-Tools path floors them.
    (["a", "b", "c", "b"], ["b", "c", "a", "a"], [0.35, 0.1, 0.7, 1.0 / 3.0], 0.8),  # a->b full; 0.1 via c
]


@pytest.mark.parametrize(("source", "target", "amount", "volume"), HAND_CASES)
def test_ortools_equals_highs_reference_within_the_rounding_bound(source, target, amount, volume):
    from circularity.analytics.circulation import circulation_quantum

    fast = find_circulation(source, target, amount, method="ortools")
    ref = find_circulation(source, target, amount, method="highs")
    assert ref.circulating_volume == pytest.approx(volume, abs=1e-12)
    q = circulation_quantum(np.asarray(amount))
    bound = q * len(amount) * len(fast.nodes)
    assert 0.0 <= ref.circulating_volume - fast.circulating_volume <= bound + 1e-12
    f, c = fast.edge_flows, fast.edge_amount
    assert (f >= 0).all() and (f <= c).all()
    net = np.bincount(fast.edge_target, f, len(fast.nodes)) - np.bincount(
        fast.edge_source, f, len(fast.nodes)
    )
    assert (net == 0.0).all()  # multiples of a power of two: conservation holds exactly


def test_auto_switches_to_ortools_on_large_webs_and_agrees_with_highs():
    from circularity.analytics.circulation import AUTO_ORTOOLS_EDGES, circulation_quantum, max_circulation

    rng = np.random.default_rng(4)
    n, m = 400, AUTO_ORTOOLS_EDGES + 500
    s = rng.integers(n, size=m)
    t = (s + rng.integers(1, n, size=m)) % n
    a = rng.lognormal(size=m)
    auto = max_circulation(s, t, a, n)
    fast = max_circulation(s, t, a, n, method="ortools")
    ref = max_circulation(s, t, a, n, method="highs")
    assert np.array_equal(auto, fast)
    assert 0.0 <= ref.sum() - fast.sum() <= circulation_quantum(a) * m * n
    assert fast.sum() == pytest.approx(ref.sum(), rel=1e-7)  # ~ m * q / total, 2**-40 per edge
    with pytest.raises(ValueError, match="method: unknown value"):
        max_circulation(s, t, a, n, method="simplex")
