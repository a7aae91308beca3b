"""Cycles of a money-flow web: the decomposition of a circulation, and a bounded listing.

Two different things share the word. The *decomposition* splits a circulation's flows into
cycles whose amounts add up to the circulating volume: it measures. The *listing* enumerates
simple cycles up to a length and a count, for display: it never measures, because the number of
simple cycles explodes with the size of the graph.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, overload

import networkx as nx
import numpy as np

from circularity.analytics.edgelist import EdgeArrays, merge_edges
from circularity.errors import OptionError

__all__ = ["Cycle", "CycleList", "SimpleCycle", "decompose_circulation", "list_cycles"]

DEFAULT_MAX_CYCLES = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    """One cycle of the decomposition: ``amount`` goes round ``entities`` in order.

    ``deal_ids[i]`` lists the deals behind the edge ``entities[i] -> entities[i+1]`` (the last
    edge closes the loop back to ``entities[0]``).
    """

    entities: tuple[Hashable, ...]
    amount: float
    deal_ids: tuple[tuple[str, ...], ...]

    @property
    def length(self) -> int:
        """Number of edges (= number of entities)."""
        return len(self.entities)


@dataclass(frozen=True, slots=True, kw_only=True)
class SimpleCycle:
    """A simple cycle from the bounded listing, with the smallest edge amount on it.

    The bottleneck is what the cycle could carry alone; listed cycles share edges, so their
    bottlenecks do not add up to anything. Use :class:`Circulation` for dollar figures.
    """

    entities: tuple[Hashable, ...]
    bottleneck: float


def decompose_circulation(
    source: np.ndarray,
    target: np.ndarray,
    flow: np.ndarray,
    n_nodes: int,
    *,
    tol: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Decompose a circulation into cycles, as flat arrays.

    Standard flow decomposition (Ahuja, Magnanti and Orlin 1993, sec. 3.5): walk along
    positive-flow edges until an entity repeats, take the cycle closed there, subtract its
    bottleneck, and resume the walk from where the cycle began. The walk keeps its path and a
    per-entity pointer to the next unexhausted edge, so the work is O(m + total cycle length).

    A walk that reaches an entity with no positive outflow left (possible only through solver
    noise; flows ``<= tol`` count as zero) drops the edge it came in on, so the cycles describe
    an exactly balanced circulation within ``tol`` per edge of the input.

    Returns
    -------
    offsets, nodes, edges, amounts
        Cycle ``i`` visits ``nodes[offsets[i]:offsets[i+1]]`` in order over the edges
        ``edges[offsets[i]:offsets[i+1]]`` (edge ``j`` leaves node ``j``) and carries
        ``amounts[i]``.
    """
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    flow = np.asarray(flow, dtype=np.float64)
    pos_edges = np.flatnonzero(flow > tol)
    order = pos_edges[np.argsort(source[pos_edges], kind="stable")]
    starts = np.searchsorted(source[order], np.arange(n_nodes + 1))
    head: list[int] = target[order].tolist()
    rem: list[float] = flow[order].tolist()
    ptr: list[int] = starts[:-1].tolist()
    end: list[int] = starts[1:].tolist()
    # on_path[v] is where v was last pushed; it is current only if path still holds v there,
    # which spares clearing it on every pop.
    on_path = [0] * n_nodes
    out_nodes: list[int] = []
    out_pos: list[int] = []
    offsets: list[int] = [0]
    amounts: list[float] = []
    get = rem.__getitem__
    for root in range(n_nodes):
        if ptr[root] == end[root]:
            continue
        path = [root]
        path_edges: list[int] = []  # positions into `order`
        on_path[root] = 0
        while path:
            u = path[-1]
            p = ptr[u]
            e_end = end[u]
            while p < e_end and rem[p] <= tol:
                p += 1
            ptr[u] = p
            if p == e_end:
                path.pop()
                if path_edges:
                    rem[path_edges.pop()] = 0.0
                continue
            v = head[p]
            k = on_path[v]
            if k >= len(path) or path[k] != v:
                on_path[v] = len(path)
                path.append(v)
                path_edges.append(p)
                continue
            cyc = path_edges[k:]
            cyc.append(p)
            amount = min(map(get, cyc))
            for q in cyc:
                left = rem[q] - amount
                rem[q] = left if left > tol else 0.0
            out_nodes.extend(path[k:])
            out_pos.extend(cyc)
            offsets.append(len(out_pos))
            amounts.append(amount)
            del path[k + 1 :]
            del path_edges[k:]
    return (
        np.asarray(offsets, dtype=np.int64),
        np.asarray(out_nodes, dtype=np.int64),
        order[np.asarray(out_pos, dtype=np.int64)],
        np.asarray(amounts, dtype=np.float64),
    )


class CycleList(Sequence[Cycle]):
    """The cycles of a decomposition, largest amount first, decomposed on first use.

    A decomposition of a large network can hold millions of entity visits, so it is computed
    when first asked for (length, item, iteration), kept as flat arrays, and each
    :class:`Cycle` is made on access. Each cycle starts at its entity that comes first in
    ``nodes``; ties in amount go to the shorter cycle.
    """

    __slots__ = (
        "_amounts",
        "_arr",
        "_edges",
        "_flows",
        "_nodes",
        "_offsets",
        "_order",
        "_tol",
    )

    def __init__(self, arr: EdgeArrays, flows: np.ndarray, *, tol: float) -> None:
        self._arr, self._flows, self._tol = arr, flows, tol
        self._offsets: np.ndarray | None = None

    def _decomposed(self) -> None:
        if self._offsets is not None:
            return
        offsets, nodes, edges, amounts = decompose_circulation(
            self._arr.source, self._arr.target, self._flows, self._arr.n_nodes, tol=self._tol
        )
        self._nodes, self._edges, self._amounts = nodes, edges, amounts
        self._order = np.lexsort((np.diff(offsets), -amounts))
        self._offsets = offsets

    def __len__(self) -> int:
        self._decomposed()
        return int(self._amounts.shape[0])

    @overload
    def __getitem__(self, i: int) -> Cycle: ...
    @overload
    def __getitem__(self, i: slice) -> list[Cycle]: ...
    def __getitem__(self, i: int | slice) -> Cycle | list[Cycle]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if not -len(self) <= i < len(self):
            raise IndexError(f"cycle index {i} out of range for {len(self)} cycles")
        assert self._offsets is not None
        k = int(self._order[i])
        a, b = int(self._offsets[k]), int(self._offsets[k + 1])
        nodes = self._nodes[a:b].tolist()
        edges = self._edges[a:b].tolist()
        r = nodes.index(min(nodes))
        nodes, edges = nodes[r:] + nodes[:r], edges[r:] + edges[:r]
        return Cycle(
            entities=tuple(self._arr.nodes[v] for v in nodes),
            amount=float(self._amounts[k]),
            deal_ids=tuple(self._arr.deal_ids[e] for e in edges),
        )

    @property
    def amounts(self) -> np.ndarray:
        """Cycle amounts, in list order."""
        self._decomposed()
        return self._amounts[self._order]

    @property
    def lengths(self) -> np.ndarray:
        """Cycle lengths (edges), in list order."""
        self._decomposed()
        assert self._offsets is not None
        return np.diff(self._offsets)[self._order]

    @property
    def volume(self) -> float:
        """``sum(amount * length)``: equals the circulating volume up to float rounding."""
        return float((self.amounts * self.lengths).sum())

    def __repr__(self) -> str:
        if self._offsets is None:
            return "CycleList(not yet decomposed)"
        return f"CycleList({len(self)} cycles)"


def list_cycles(
    source: Any,
    target: Any = None,
    amount: Any = None,
    *,
    length_bound: int,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    nodes: Sequence[Hashable] | None = None,
) -> list[SimpleCycle]:
    """List simple cycles of at most ``length_bound`` edges, at most ``max_cycles`` of them.

    For display only: the listing stops at the cap, its order is networkx's, and overlapping
    cycles share edges. Never used to measure circularity (use :func:`find_circulation`).

    Parameters
    ----------
    source, target, amount
        As :func:`find_circulation`; an :class:`~circularity.analytics.edgelist.EdgeArrays`
        is also accepted. Edges with amount 0 are ignored.
    length_bound
        Longest cycle listed, in edges (>= 1). Must be given: all cycles can be astronomically
        many.
    max_cycles
        Stop after this many cycles.

    Returns
    -------
    list of SimpleCycle
        Sorted by bottleneck (largest first), then length.

    Examples
    --------
    >>> [c.entities for c in list_cycles(["a", "b", "b", "c"], ["b", "a", "c", "a"],
    ...                                  [1, 1, 1, 1], length_bound=3)]
    [('a', 'b'), ('a', 'b', 'c')]
    """
    if length_bound < 1:
        raise OptionError(f"length_bound must be >= 1, got {length_bound}")
    if max_cycles < 0:
        raise OptionError(f"max_cycles must be >= 0, got {max_cycles}")
    arr = source if isinstance(source, EdgeArrays) else merge_edges(source, target, amount, nodes=nodes)
    g = nx.DiGraph()
    g.add_nodes_from(range(arr.n_nodes))
    cap: dict[tuple[int, int], float] = {}
    for s, t, a in zip(arr.source.tolist(), arr.target.tolist(), arr.amount.tolist(), strict=True):
        if a > 0:
            g.add_edge(s, t)
            cap[(s, t)] = a
    out: list[SimpleCycle] = []
    for cyc in itertools.islice(nx.simple_cycles(g, length_bound=length_bound), max_cycles):
        r = cyc.index(min(cyc))
        cyc = cyc[r:] + cyc[:r]
        bottleneck = min(cap[(cyc[i], cyc[(i + 1) % len(cyc)])] for i in range(len(cyc)))
        out.append(SimpleCycle(entities=tuple(arr.nodes[i] for i in cyc), bottleneck=bottleneck))
    out.sort(key=lambda c: (-c.bottleneck, len(c.entities), [str(v) for v in c.entities]))
    return out
