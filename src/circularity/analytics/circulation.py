"""The largest circulation in a money-flow graph, and its decomposition into cycles.

How circular is a web of payments? Count loops and the answer explodes with the graph (30
entities already hold millions of simple cycles). Instead, ask how many dollars can go round:
the largest *circulation* contained in the graph, a flow that never exceeds an edge's amount
and balances at every entity. This is the quantity that multilateral trade-credit set-off
cancels, and it answers in dollars.
"""

from __future__ import annotations

import math
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
from circularity.errors import SolverError, unknown_option

__all__ = ["AUTO_ORTOOLS_EDGES", "Circulation", "circulation_quantum", "find_circulation", "max_circulation"]

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


def max_circulation(
    source: np.ndarray,
    target: np.ndarray,
    capacity: np.ndarray,
    n_nodes: int,
    *,
    method: str = "auto",
) -> np.ndarray:
    """Edge flows of a maximum circulation: ``max sum(f)`` s.t. ``B f = 0``, ``0 <= f <= c``.

    Array core of :func:`find_circulation` (node indices, no validation). Only edges inside a
    strongly connected component can lie on a cycle, so the problem is built on those alone;
    self-loops carry their full capacity.

    Parameters
    ----------
    source, target, capacity, n_nodes
        Edges as node indices in ``range(n_nodes)`` and their capacities (>= 0).
    method
        ``"highs"``: the linear program with HiGHS's dual simplex, exact to ~1e-9 (the
        reference). ``"ortools"``: OR-Tools' min-cost flow (cost scaling) on integer
        capacities, about 10x faster on large webs, optimal up to the rounding bound below.
        ``"auto"`` (default): OR-Tools when at least ``AUTO_ORTOOLS_EDGES`` edges lie inside
        strongly connected components, HiGHS below (milliseconds there, and exact).

    Returns
    -------
    numpy.ndarray
        Flow per edge, ``0 <= flow <= capacity``.

    Raises
    ------
    SolverError
        The solver reports anything but an optimum (it cannot for a valid input: f = 0 is
        feasible and the flows are bounded).
    OptionError
        Unknown ``method`` (also a ValueError).

    Notes
    -----
    **OR-Tools path.** The maximum circulation is the min-cost circulation with cost -1 per
    unit on every arc. OR-Tools needs integer capacities, so capacities are floored to
    multiples of a quantum ``q = 2**-k``, the smallest power of two that keeps the total
    capacity below ``2**40`` units (for a web of USD bn totalling $2,000B, ``q = 2**-29``,
    about two dollars; for the 100,000-edge bench web, ``q = 2**-14``). Flooring never lets a
    flow exceed its capacity, and the flows are exact multiples of ``q``, so inflow equals
    outflow at every entity exactly, in floating point too. Rounding bound: the optimum with
    floored capacities is at most ``q * m * L`` below the exact one, where ``m`` is the number
    of edges inside components and ``L`` the longest cycle of a decomposition of the exact
    optimum (at most the size of the largest component); lowering one capacity by ``q``
    costs at most ``q`` on each cycle through that edge, i.e. ``q * L`` of volume. With
    integer amounts (``q <= 1``) the result is exact.
    """
    if method not in ("auto", "highs", "ortools"):
        raise unknown_option("method", method, ("auto", "highs", "ortools"))
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
    s, t = source[cand], target[cand]
    used, local = np.unique(np.concatenate([s, t]), return_inverse=True)
    k = cand.size
    ls, lt = local[:k], local[k:]
    if method == "ortools" or (method == "auto" and k >= AUTO_ORTOOLS_EDGES):
        flows[cand] = _ortools_circulation(ls, lt, capacity[cand])
    else:
        flows[cand] = _highs_circulation(ls, lt, capacity[cand], used.size)
    return flows


# Below this many edges inside components HiGHS takes milliseconds: keep the exact solver.
AUTO_ORTOOLS_EDGES = 2_000
# Total capacity in integer units stays below 2**40: OR-Tools' cost-scaling multiplies costs by
# about the number of nodes, and flow x scaled cost must stay far from int64 overflow.
_ORTOOLS_TOTAL_UNITS = 2.0**40


def circulation_quantum(capacity: np.ndarray) -> float:
    """Quantum ``q = 2**-k`` to which the OR-Tools path floors capacities (see max_circulation)."""
    total = float(np.sum(capacity))
    if total <= 0.0:
        return 1.0
    return float(2.0 ** math.floor(math.log2(total / _ORTOOLS_TOTAL_UNITS)) * 2.0)


def _ortools_circulation(ls: np.ndarray, lt: np.ndarray, cap: np.ndarray) -> np.ndarray:
    from ortools.graph.python import min_cost_flow

    q = circulation_quantum(cap)
    units = np.floor(cap / q).astype(np.int64)  # q is a power of two: cap / q is exact
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        ls.astype(np.int32), lt.astype(np.int32), units, np.full(units.size, -1, dtype=np.int64)
    )
    status = solver.solve()
    if status != solver.OPTIMAL:
        raise SolverError("OR-Tools min-cost flow did not find the maximum circulation", status)
    return np.asarray(solver.flows(np.arange(units.size, dtype=np.int32)), dtype=np.float64) * q


def _highs_circulation(ls: np.ndarray, lt: np.ndarray, cap: np.ndarray, n_used: int) -> np.ndarray:
    k = cap.size
    scale = float(cap.max())
    cols = np.arange(k)
    # Row v: inflow - outflow at entity v = 0.
    a_eq = sp.csr_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (np.concatenate([lt, ls]), np.concatenate([cols, cols])),
        ),
        shape=(n_used, k),
    )
    res = linprog(
        -np.ones(k),
        A_eq=a_eq,
        b_eq=np.zeros(n_used),
        bounds=np.column_stack([np.zeros(k), cap / scale]),
        method="highs-ds",
        # Presolve finds little to remove in a network LP and costs ~25% of the solve time.
        options={"presolve": False},
    )
    if res.status != 0 or res.x is None:
        raise SolverError(f"HiGHS did not find the maximum circulation: {res.message}", res.status)
    # (c / scale) * scale can exceed c by an ulp: clip in the original units.
    return np.asarray(np.clip(res.x * scale, 0.0, cap), dtype=np.float64)


def find_circulation(
    source: Any,
    target: Any = None,
    amount: Any = None,
    *,
    ids: Sequence[Hashable] | None = None,
    nodes: Sequence[Hashable] | None = None,
    length_bound: int | None = None,
    max_cycles: int = DEFAULT_MAX_CYCLES,
    method: str = "auto",
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
    method
        Solver, as for :func:`max_circulation`: ``"highs"`` (exact LP, the reference),
        ``"ortools"`` (min-cost flow on capacities floored to a power-of-two quantum) or
        ``"auto"`` (OR-Tools from ``AUTO_ORTOOLS_EDGES`` edges inside components up).

    Returns
    -------
    Circulation
        Volumes, ratio, edge flows, cycle decomposition, per-entity figures, components.

    Raises
    ------
    NetworkError
        Malformed input (lengths differ, negative or non-finite amount, unknown entity).
    OptionError
        Unknown ``method`` (also a ValueError).

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
    multilateral trade-credit set-off solves to find the debt that can be netted away; it is
    how the OR-Tools path solves it (see :func:`max_circulation` for its rounding bound).

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
    flows = max_circulation(arr.source, arr.target, arr.amount, arr.n_nodes, method=method)
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
