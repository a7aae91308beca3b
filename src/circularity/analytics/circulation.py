"""The largest circulation in a money-flow graph, and its decomposition into cycles.

How circular is a web of payments? Count loops and the answer explodes with the graph (30
entities already hold millions of simple cycles). Instead, ask how many dollars can go round:
the largest *circulation* contained in the graph, a flow that never exceeds an edge's amount
and balances at every entity. This is the quantity that multilateral trade-credit set-off
cancels, and it answers in dollars.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from circularity.analytics.cycles import (
    DEFAULT_MAX_CYCLES,
    CycleList,
    SimpleCycle,
    list_cycles,
)
from circularity.analytics.edgelist import EdgeArrays, merge_edges
from circularity.errors import CircularityError

__all__ = ["Circulation", "find_circulation", "max_circulation"]

# Flows below this fraction of the largest edge amount are solver noise (HiGHS works to ~1e-9).
_REL_TOL = 1e-9


@dataclass(frozen=True, slots=True, kw_only=True)
class Circulation:
    """Result of :func:`find_circulation`. All amounts in the units of the input (USD bn).

    Attributes
    ----------
    nodes
        Entities, indexing the per-entity arrays.
    edge_source, edge_target, edge_amount, edge_flows, edge_deal_ids
        Merged edges (one per payer-payee pair, sorted), their amounts, the circulating flow on
        each (``0 <= flow <= amount``), and the deals behind each.
    total_volume
        Sum of edge amounts.
    circulating_volume
        Total flow on the edges of the maximal circulation, ``sum(edge_flows)``.
    circularity_ratio
        ``circulating_volume / total_volume``; 0 for an empty graph.
    cycles
        Decomposition of the circulation, largest amount first (a :class:`CycleList`,
        decomposed on first use); ``sum(c.amount * c.length) == circulating_volume`` up to
        float rounding.
    inflow, outflow
        Per entity, the total amount received and paid.
    circular
        Per entity, the dollars that go round through it (its circular inflow, which equals its
        circular outflow since a circulation balances).
    circular_share_in, circular_share_out
        ``circular / inflow`` and ``circular / outflow`` (0 where the denominator is 0): the
        share of what an entity receives, and of what it pays, that goes round in circles.
    components
        Strongly connected components that can hold a cycle (two or more entities, or one
        with a self-loop), largest first; entities within sorted as in ``nodes``.
    simple_cycles
        Bounded simple-cycle listing for display (empty unless ``length_bound`` was given).
    """

    nodes: tuple[Hashable, ...]
    edge_source: np.ndarray
    edge_target: np.ndarray
    edge_amount: np.ndarray
    edge_flows: np.ndarray
    edge_deal_ids: tuple[tuple[str, ...], ...]
    total_volume: float
    circulating_volume: float
    circularity_ratio: float
    cycles: CycleList
    inflow: np.ndarray
    outflow: np.ndarray
    circular: np.ndarray
    circular_share_in: np.ndarray
    circular_share_out: np.ndarray
    components: tuple[tuple[Hashable, ...], ...]
    simple_cycles: tuple[SimpleCycle, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Per entity: ``inflow, outflow, circular, circular_share_in, circular_share_out``."""
        return pd.DataFrame(
            {
                "inflow": self.inflow,
                "outflow": self.outflow,
                "circular": self.circular,
                "circular_share_in": self.circular_share_in,
                "circular_share_out": self.circular_share_out,
            },
            index=pd.Index(list(self.nodes), name="entity"),
        )

    def edges_frame(self) -> pd.DataFrame:
        """Per merged edge: ``source, target, amount, flow, deal_ids`` (ids joined by ``;``)."""
        labels = np.asarray(self.nodes, dtype=object)
        return pd.DataFrame(
            {
                "source": labels[self.edge_source] if len(labels) else [],
                "target": labels[self.edge_target] if len(labels) else [],
                "amount": self.edge_amount,
                "flow": self.edge_flows,
                "deal_ids": [";".join(d) for d in self.edge_deal_ids],
            }
        )

    def cycles_frame(self) -> pd.DataFrame:
        """Per cycle: ``entities`` (joined by `` -> ``), ``length``, ``amount``, ``volume``."""
        return pd.DataFrame(
            {
                "entities": [" -> ".join(map(str, c.entities)) for c in self.cycles],
                "length": self.cycles.lengths,
                "amount": self.cycles.amounts,
                "volume": self.cycles.amounts * self.cycles.lengths,
            }
        )

    def to_dict(self, *, top: int | None = None) -> dict[str, Any]:
        """Plain-JSON summary: totals, ``cycles`` (the ``top`` largest), per-entity figures."""
        cycles = self.cycles if top is None else self.cycles[:top]
        return {
            "total_volume": self.total_volume,
            "circulating_volume": self.circulating_volume,
            "circularity_ratio": self.circularity_ratio,
            "cycles": [
                {
                    "entities": [str(v) for v in c.entities],
                    "amount": c.amount,
                    "deal_ids": [list(d) for d in c.deal_ids],
                }
                for c in cycles
            ],
            "entities": {
                str(v): {
                    "inflow": float(self.inflow[i]),
                    "outflow": float(self.outflow[i]),
                    "circular": float(self.circular[i]),
                    "circular_share_in": float(self.circular_share_in[i]),
                    "circular_share_out": float(self.circular_share_out[i]),
                }
                for i, v in enumerate(self.nodes)
            },
            "components": [[str(v) for v in comp] for comp in self.components],
        }


def max_circulation(source: np.ndarray, target: np.ndarray, capacity: np.ndarray, n_nodes: int) -> np.ndarray:
    """Edge flows of a maximum circulation: ``max sum(f)`` s.t. ``B f = 0``, ``0 <= f <= c``.

    Array core of :func:`find_circulation` (node indices, no validation). Only edges inside a
    strongly connected component can lie on a cycle, so the linear program is built on those
    alone; self-loops carry their full capacity. Solved with HiGHS (dual simplex, a vertex
    solution, deterministic for a given input).

    Raises
    ------
    CircularityError
        HiGHS reports anything but an optimum (it cannot for a valid input: f = 0 is feasible
        and the flows are bounded).
    """
    source = np.asarray(source, dtype=np.int64)
    target = np.asarray(target, dtype=np.int64)
    capacity = np.asarray(capacity, dtype=np.float64)
    m = source.shape[0]
    flows = np.zeros(m, dtype=np.float64)
    if m == 0:
        return flows
    loops = (source == target) & (capacity > 0)
    flows[loops] = capacity[loops]
    live = (capacity > 0) & ~loops
    if not live.any():
        return flows
    graph = sp.csr_array((np.ones(int(live.sum())), (source[live], target[live])), shape=(n_nodes, n_nodes))
    _, comp = connected_components(graph, directed=True, connection="strong")
    cand = np.flatnonzero(live & (comp[source] == comp[target]))
    if cand.size == 0:
        return flows
    scale = float(capacity[cand].max())
    s, t = source[cand], target[cand]
    used, local = np.unique(np.concatenate([s, t]), return_inverse=True)
    k = cand.size
    ls, lt = local[:k], local[k:]
    cols = np.arange(k)
    # Row v: inflow - outflow at entity v = 0.
    a_eq = sp.csr_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.concatenate([lt, ls]), np.concatenate([cols, cols])),
        ),
        shape=(used.size, k),
    )
    res = linprog(
        -np.ones(k),
        A_eq=a_eq,
        b_eq=np.zeros(used.size),
        bounds=np.column_stack([np.zeros(k), capacity[cand] / scale]),
        method="highs-ds",
        # Presolve finds little to remove in a network LP and costs ~25% of the solve time.
        options={"presolve": False},
    )
    if res.status != 0 or res.x is None:
        raise CircularityError(f"HiGHS did not find the maximum circulation: {res.message}")
    # (c / scale) * scale can exceed c by an ulp: clip in the original units.
    flows[cand] = np.clip(res.x * scale, 0.0, capacity[cand])
    return flows


def find_circulation(
    source: Any,
    target: Any = None,
    amount: Any = None,
    *,
    ids: Sequence[Hashable] | None = None,
    nodes: Sequence[Hashable] | None = None,
    length_bound: int | None = None,
    max_cycles: int = DEFAULT_MAX_CYCLES,
) -> Circulation:
    """Find the largest circulation in a money-flow graph and decompose it into cycles.

    Parameters
    ----------
    source, target, amount
        The edges: equal-length sequences (payer, payee, amount >= 0), or ``source`` alone as a
        DataFrame with columns ``source, target, amount`` (optional ``id``) or a
        :class:`~circularity.analytics.flowgraph.FlowGraph`. Parallel edges are merged and
        their deal ids kept.
    ids
        Deal id per edge row (default: a frame's ``id`` column, else the row number).
    nodes
        Entities and their order (default: sorted labels); extra entities stay isolated.
    length_bound
        If given, also list simple cycles of at most this many edges, for display
        (:func:`list_cycles`); ``None`` lists none. The circulation never depends on it.
    max_cycles
        Cap on the number of simple cycles listed.

    Returns
    -------
    Circulation
        Volumes, ratio, edge flows, cycle decomposition, per-entity figures, components.

    Raises
    ------
    NetworkError
        Malformed input (lengths differ, negative or non-finite amount, unknown entity).

    Notes
    -----
    With ``c_e`` the amount on edge ``e`` and ``B`` the entity-edge incidence matrix, the
    circulation solves the linear program

    .. math:: \\max_f \\sum_e f_e \\quad \\text{s.t.} \\quad B f = 0, \\quad 0 \\le f \\le c,

    i.e. every entity pays out in the circulation exactly what it receives in it. The optimum
    value is unique; the flows need not be (two equal routes round the same loop), and the
    vertex solution returned is deterministic for a given input. The cycle decomposition is
    the standard one (:func:`decompose_circulation`); other decompositions of the same flows
    exist, all with the same ``sum(amount * length)``.

    The same problem, as a min-cost circulation with cost -1 per unit on every edge, is what
    multilateral trade-credit set-off solves to find the debt that can be netted away.

    References
    ----------
    .. [1] R. K. Ahuja, T. L. Magnanti, J. B. Orlin, *Network Flows*, Prentice Hall, 1993,
       ch. 3 (flow decomposition) and ch. 9 (minimum cost circulation).

    Examples
    --------
    A two-entity loop with a tail: 2 of the 3 dollars a -> b go round, the tail b -> c never.

    >>> r = find_circulation(["a", "b", "b"], ["b", "a", "c"], [3.0, 2.0, 5.0])
    >>> r.total_volume, r.circulating_volume, round(r.circularity_ratio, 3)
    (10.0, 4.0, 0.4)
    >>> [(c.entities, c.amount) for c in r.cycles]
    [(('a', 'b'), 2.0)]
    """
    arr = merge_edges(source, target, amount, ids=ids, nodes=nodes)
    flows = max_circulation(arr.source, arr.target, arr.amount, arr.n_nodes)
    return _assemble(arr, flows, length_bound=length_bound, max_cycles=max_cycles)


def _assemble(
    arr: EdgeArrays, lp_flows: np.ndarray, *, length_bound: int | None, max_cycles: int
) -> Circulation:
    n, m = arr.n_nodes, arr.n_edges
    tol = _REL_TOL * float(arr.amount.max()) if m else 0.0
    flows = np.where(lp_flows > tol, lp_flows, 0.0)
    total = float(arr.amount.sum())
    circulating = float(flows.sum())
    inflow = np.bincount(arr.target, weights=arr.amount, minlength=n).astype(np.float64)
    outflow = np.bincount(arr.source, weights=arr.amount, minlength=n).astype(np.float64)
    circular = np.bincount(arr.target, weights=flows, minlength=n).astype(np.float64)
    share_in = np.divide(circular, inflow, out=np.zeros(n), where=inflow > 0)
    share_out = np.divide(circular, outflow, out=np.zeros(n), where=outflow > 0)
    listing: tuple[SimpleCycle, ...] = ()
    if length_bound is not None:
        listing = tuple(list_cycles(arr, length_bound=length_bound, max_cycles=max_cycles))
    for a in (flows, inflow, outflow, circular, share_in, share_out):
        a.setflags(write=False)
    return Circulation(
        nodes=arr.nodes,
        edge_source=arr.source,
        edge_target=arr.target,
        edge_amount=arr.amount,
        edge_flows=flows,
        edge_deal_ids=arr.deal_ids,
        total_volume=total,
        circulating_volume=circulating,
        circularity_ratio=circulating / total if total > 0 else 0.0,
        cycles=CycleList(arr, flows, tol=tol),
        inflow=inflow,
        outflow=outflow,
        circular=circular,
        circular_share_in=share_in,
        circular_share_out=share_out,
        components=_cyclic_components(arr),
        simple_cycles=listing,
    )


def _cyclic_components(arr: EdgeArrays) -> tuple[tuple[Hashable, ...], ...]:
    n = arr.n_nodes
    if n == 0:
        return ()
    live = arr.amount > 0
    graph = sp.csr_array((np.ones(int(live.sum())), (arr.source[live], arr.target[live])), shape=(n, n))
    n_comp, comp = connected_components(graph, directed=True, connection="strong")
    size = np.bincount(comp, minlength=n_comp)
    loops = arr.source[live & (arr.source == arr.target)]
    has_loop = np.zeros(n_comp, dtype=bool)
    has_loop[comp[loops]] = True
    keep = [c for c in range(n_comp) if size[c] > 1 or has_loop[c]]
    members = [tuple(arr.nodes[i] for i in np.flatnonzero(comp == c)) for c in keep]
    members.sort(key=lambda ms: -len(ms))
    return tuple(members)
