"""The money-flow graph: entities, edges with amounts and the deals behind them, and export.

A :class:`FlowGraph` is what analysts open in Gephi or Cytoscape: GraphML and GEXF through the
networkx writers, and Cytoscape.js JSON elements (also read by Cytoscape desktop as ``.cyjs``).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from circularity.analytics.edgelist import merge_edges
from circularity.errors import NetworkError

__all__ = ["FlowEdge", "FlowGraph"]

_ID_SEPARATOR = ";"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowEdge:
    """Money moving from ``source`` (payer) to ``target`` (payee), in USD bn, with its deals."""

    source: str
    target: str
    amount: float
    deal_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowGraph:
    """A directed money-flow graph; at most one edge per (payer, payee) pair.

    Attributes
    ----------
    nodes
        Entity ids, in a fixed order.
    edges
        One :class:`FlowEdge` per (payer, payee) pair.
    node_attributes
        Per entity id, scalar attributes (name, kind, ticker, ...) carried into exports.
    graph_attributes
        Scalar attributes of the whole graph (as_of, window, filters) carried into exports.
    """

    nodes: tuple[str, ...]
    edges: tuple[FlowEdge, ...]
    node_attributes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    graph_attributes: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        known = set(self.nodes)
        if len(known) != len(self.nodes):
            raise NetworkError("FlowGraph nodes contain duplicates; list each entity once")
        seen: set[tuple[str, str]] = set()
        for e in self.edges:
            if e.source not in known or e.target not in known:
                raise NetworkError(f"edge {e.source!r} -> {e.target!r} names an entity not in nodes")
            if (e.source, e.target) in seen:
                raise NetworkError(
                    f"two edges {e.source!r} -> {e.target!r}; merge them (FlowGraph.from_edges)"
                )
            seen.add((e.source, e.target))

    @classmethod
    def from_edges(
        cls,
        source: Any,
        target: Any = None,
        amount: Any = None,
        *,
        ids: Sequence[Hashable] | None = None,
        nodes: Sequence[str] | None = None,
        node_attributes: Mapping[str, Mapping[str, Any]] | None = None,
        graph_attributes: Mapping[str, Any] | None = None,
    ) -> FlowGraph:
        """Build a graph from an edge list, merging parallel edges and keeping their deal ids.

        Accepts the same inputs as :func:`~circularity.analytics.edgelist.merge_edges`.

        Examples
        --------
        >>> g = FlowGraph.from_edges(["a", "a", "b"], ["b", "b", "a"], [1.0, 2.0, 3.0],
        ...                          ids=["d1", "d2", "d3"])
        >>> [(e.source, e.target, e.amount, e.deal_ids) for e in g.edges]
        [('a', 'b', 3.0, ('d1', 'd2')), ('b', 'a', 3.0, ('d3',))]
        """
        arr = merge_edges(source, target, amount, ids=ids, nodes=nodes)
        labels = [str(v) for v in arr.nodes]
        edges = tuple(
            FlowEdge(
                source=labels[int(s)],
                target=labels[int(t)],
                amount=float(a),
                deal_ids=d,
            )
            for s, t, a, d in zip(arr.source, arr.target, arr.amount, arr.deal_ids, strict=True)
        )
        return cls(
            nodes=tuple(labels),
            edges=edges,
            node_attributes=dict(node_attributes or {}),
            graph_attributes=dict(graph_attributes or {}),
        )

    @property
    def total_volume(self) -> float:
        """Sum of edge amounts (USD bn)."""
        return float(sum(e.amount for e in self.edges))

    def to_frame(self) -> pd.DataFrame:
        """One row per edge: ``source, target, amount, deal_ids`` (ids joined by ``;``)."""
        return pd.DataFrame(
            {
                "source": [e.source for e in self.edges],
                "target": [e.target for e in self.edges],
                "amount": [e.amount for e in self.edges],
                "deal_ids": [_ID_SEPARATOR.join(e.deal_ids) for e in self.edges],
            }
        )

    def to_networkx(self) -> nx.DiGraph:
        """A :class:`networkx.DiGraph`; edge ``deal_ids`` is a ``;``-joined string."""
        g = nx.DiGraph()
        g.graph.update(_scalars(self.graph_attributes))
        for v in self.nodes:
            attrs = _scalars(self.node_attributes.get(v, {}))
            attrs.setdefault("label", v)
            g.add_node(v, **attrs)
        for e in self.edges:
            g.add_edge(
                e.source,
                e.target,
                amount=float(e.amount),
                deal_ids=_ID_SEPARATOR.join(e.deal_ids),
            )
        return g

    def to_graphml(self, path: str | Path) -> Path:
        """Write GraphML (Gephi, Cytoscape, yEd); return the path."""
        path = Path(path)
        nx.write_graphml(self.to_networkx(), path)
        return path

    def to_gexf(self, path: str | Path) -> Path:
        """Write GEXF 1.2 (Gephi); return the path."""
        path = Path(path)
        nx.write_gexf(self.to_networkx(), path)
        return path

    def to_cytoscape(self) -> dict[str, Any]:
        """Cytoscape.js JSON: ``{"data": {...}, "elements": {"nodes": [...], "edges": [...]}}``.

        Each node's ``data`` has ``id`` and its attributes; each edge's ``data`` has ``id``,
        ``source``, ``target``, ``amount`` and ``deal_ids`` (a list). The dict is plain JSON.
        """
        nodes = [{"data": {"id": v, **_scalars(self.node_attributes.get(v, {}))}} for v in self.nodes]
        for n in nodes:
            n["data"].setdefault("label", n["data"]["id"])
        edges = [
            {
                "data": {
                    "id": f"e{i}",
                    "source": e.source,
                    "target": e.target,
                    "amount": float(e.amount),
                    "deal_ids": list(e.deal_ids),
                }
            }
            for i, e in enumerate(self.edges)
        ]
        return {
            "data": _scalars(self.graph_attributes),
            "elements": {"nodes": nodes, "edges": edges},
        }


def _scalars(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """Keep attributes GraphML/GEXF/JSON can hold: str, bool, int, float (None dropped)."""
    out: dict[str, Any] = {}
    for k, v in attrs.items():
        if v is None:
            continue
        if isinstance(v, bool | np.bool_):
            out[str(k)] = bool(v)
        elif isinstance(v, str):
            out[str(k)] = v
        elif isinstance(v, numbers.Integral):
            out[str(k)] = int(v)
        elif isinstance(v, numbers.Real):
            out[str(k)] = float(v)
        else:
            out[str(k)] = str(v)
    return out
