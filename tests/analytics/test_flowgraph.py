"""FlowGraph: merging, validation and the GraphML / GEXF / Cytoscape exports."""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest

from circularity.analytics import FlowEdge, FlowGraph
from circularity.errors import NetworkError


@pytest.fixture
def graph():
    return FlowGraph.from_edges(
        ["nvidia", "openai", "openai", "oracle"],
        ["openai", "nvidia", "nvidia", "nvidia"],
        [100.0, 20.0, 15.0, 40.0],
        ids=["nv-eq", "oa-hw-1", "oa-hw-2", "or-hw"],
        node_attributes={
            "nvidia": {"kind": "chipmaker", "name": "Nvidia", "cap": np.int64(4)},
            "openai": {"kind": "lab", "ticker": None},
        },
        graph_attributes={"as_of": "2025-10-31", "window": "2025:2030"},
    )


def test_parallel_edges_merge(graph):
    edge = next(e for e in graph.edges if (e.source, e.target) == ("openai", "nvidia"))
    assert edge.amount == 35.0 and edge.deal_ids == ("oa-hw-1", "oa-hw-2")
    assert graph.total_volume == 175.0
    assert graph.to_frame()["deal_ids"].tolist() == ["nv-eq", "oa-hw-1;oa-hw-2", "or-hw"]


def test_invalid_graphs_are_refused():
    with pytest.raises(NetworkError, match="not in nodes"):
        FlowGraph(nodes=("a",), edges=(FlowEdge(source="a", target="b", amount=1.0),))
    with pytest.raises(NetworkError, match="two edges"):
        FlowGraph(nodes=("a", "b"), edges=(FlowEdge(source="a", target="b", amount=1.0),) * 2)


def test_graphml_round_trip(graph, tmp_path):
    path = graph.to_graphml(tmp_path / "web.graphml")
    back = nx.read_graphml(path)
    assert set(back.nodes) == {"nvidia", "openai", "oracle"}
    assert back.nodes["nvidia"]["kind"] == "chipmaker"
    assert back.edges["openai", "nvidia"]["amount"] == 35.0
    assert back.edges["openai", "nvidia"]["deal_ids"] == "oa-hw-1;oa-hw-2"
    assert back.graph["as_of"] == "2025-10-31"


def test_gexf_round_trip(graph, tmp_path):
    path = graph.to_gexf(tmp_path / "web.gexf")
    back = nx.read_gexf(path)
    assert back.number_of_edges() == 3
    assert back.edges["nvidia", "openai"]["amount"] == 100.0
    assert back.nodes["openai"]["kind"] == "lab"


def test_cytoscape_json(graph):
    cy = graph.to_cytoscape()
    text = json.dumps(cy)  # plain JSON
    assert json.loads(text) == cy
    nodes = {n["data"]["id"]: n["data"] for n in cy["elements"]["nodes"]}
    assert nodes["nvidia"] == {
        "id": "nvidia",
        "kind": "chipmaker",
        "name": "Nvidia",
        "cap": 4,
        "label": "nvidia",
    }
    assert "ticker" not in nodes["openai"]
    edges = cy["elements"]["edges"]
    assert {
        "source": "openai",
        "target": "nvidia",
        "amount": 35.0,
        "deal_ids": ["oa-hw-1", "oa-hw-2"],
    }.items() <= next(e["data"] for e in edges if e["data"]["source"] == "openai").items()
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    assert cy["data"]["window"] == "2025:2030"
