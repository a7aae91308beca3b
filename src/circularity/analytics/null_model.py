"""Is a web more circular than chance? Degree- and strength-preserving null models.

Default (``method="degree-strength"``): the null webs keep every payer-payee pair of the
observed web (so every entity's in- and out-degree) and every entity's dollar in-flow and
out-flow, and randomise the amounts by moves along *alternating cycles* of the payer-payee
graph (fundamental cycles of a spanning forest, which span every direction that keeps the
margins), never driving an edge to zero. ``method="strength"`` keeps strengths only and
shuffles who pays whom, by *flow swaps*: take edges ``a -> b`` carrying ``x`` and ``c -> d`` carrying ``y`` and move an
amount ``delta`` in ``(0, min(x, y)]`` onto ``a -> d`` and ``c -> b``. Entity ``a`` still pays
``x``-worth in total, ``b`` still receives it, and so on: row and column sums of the flow matrix
are invariant, which is the classical Markov move on contingency tables with fixed margins.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from circularity.analytics.circulation import max_circulation
from circularity.analytics.edgelist import merge_edges
from circularity.errors import OptionError, unknown_option

__all__ = [
    "NullModelResult",
    "circulation_null_model",
    "flow_swaps",
    "support_moves",
    "NULL_MODEL_DEFINITION",
    "NULL_MODEL_DEFINITIONS",
]

DEGREE_STRENGTH_DEFINITION = (
    "Null webs keep every payer->payee pair of the observed web (so each entity's in- and "
    "out-degree) and each entity's total dollar in-flow and out-flow; only the amounts move. "
    "In the bipartite payer/payee graph, each edge outside a BFS spanning forest closes one "
    "fundamental alternating cycle; a move picks one such cycle uniformly, adds delta to its "
    "edges at even positions and subtracts it at odd ones, with delta uniform on the open "
    "interval that keeps every edge positive (coordinate hit-and-run on the polytope of "
    "positive amounts with the observed margins; its stationary law is uniform). Each null "
    "web is its own chain of swaps_per_edge * m moves from the observed web. Webs with no "
    "alternating cycle admit no other amounts (std 0, z undefined). p-value = "
    "(1 + #{null ratio >= observed}) / (n + 1)."
)

STRENGTH_DEFINITION = (
    "Null webs keep each entity's total dollar in-flow and out-flow exactly and randomise who "
    "pays whom by flow swaps: pick two edges a->b (x) and c->d (y) uniformly among the edges "
    "present so far (an emptied edge stays pickable and moves nothing), with a, b, c, d giving no self-loop (a != d, c != b) and a != c, b != d; move "
    "delta = u*min(x, y), u ~ Uniform(0, 1], from a->b and c->d onto a->d and c->b (creating "
    "them if absent). Each null web is its own chain of swaps_per_edge * m swaps started from "
    "the observed web. Degrees are not kept: a swap can create edges. p-value = "
    "(1 + #{null ratio >= observed}) / (n + 1)."
)

NULL_MODEL_DEFINITIONS = {"degree-strength": DEGREE_STRENGTH_DEFINITION, "strength": STRENGTH_DEFINITION}
NULL_MODEL_DEFINITION = DEGREE_STRENGTH_DEFINITION  # the default method's

_TIE_TOL = 1e-9
_BATCH_EDGES = 20_000


def _batched_volumes(webs: list[tuple[np.ndarray, np.ndarray, np.ndarray]], n_nodes: int) -> np.ndarray:
    """Maximum circulating volume of each web, solved as one block-diagonal LP."""
    shift = np.arange(len(webs), dtype=np.int64) * n_nodes
    sizes = np.array([w[0].shape[0] for w in webs], dtype=np.int64)
    block = np.repeat(np.arange(len(webs)), sizes)
    src = np.concatenate([w[0] for w in webs]) + shift[block]
    tgt = np.concatenate([w[1] for w in webs]) + shift[block]
    amt = np.concatenate([w[2] for w in webs])
    flows = max_circulation(src, tgt, amt, n_nodes * len(webs))
    return np.bincount(block, weights=flows, minlength=len(webs))


@dataclass(frozen=True, slots=True, kw_only=True)
class NullModelResult:
    """Observed circularity ratio against ``n`` null webs (degree- and strength-preserving by default).

    Attributes
    ----------
    observed
        Circularity ratio of the observed web.
    null
        Circularity ratio of each null web (read-only array, length ``n``).
    mean, std
        Mean and standard deviation (ddof=1) of ``null``.
    z_score
        ``(observed - mean) / std``; NaN when ``std`` is below 1e-9 (every null web equally circular).
    p_value
        Empirical one-sided p-value ``(1 + #{null >= observed}) / (n + 1)``; null ratios within
        1e-9 of the observed count as ties, i.e. as ``>=``.
    n, swaps_per_edge, seed, method
        The settings that reproduce the run (``seed`` is None when a Generator was passed).
    definition
        The null model in words.
    """

    observed: float
    null: np.ndarray
    mean: float
    std: float
    z_score: float
    p_value: float
    n: int
    swaps_per_edge: int
    seed: int | None
    method: str = "degree-strength"
    definition: str = NULL_MODEL_DEFINITION

    def to_frame(self) -> pd.DataFrame:
        """One row per null web: ``ratio``."""
        return pd.DataFrame({"ratio": self.null}, index=pd.RangeIndex(self.n, name="null_web"))

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON summary (no per-web ratios); NaN z-score becomes None."""
        return {
            "observed": self.observed,
            "mean": self.mean,
            "std": self.std,
            "z_score": None if math.isnan(self.z_score) else self.z_score,
            "p_value": self.p_value,
            "n": self.n,
            "swaps_per_edge": self.swaps_per_edge,
            "seed": self.seed,
            "method": self.method,
            "definition": self.definition,
        }


def flow_swaps(
    source: np.ndarray,
    target: np.ndarray,
    amount: np.ndarray,
    n_swaps: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Apply ``n_swaps`` proposed flow swaps to a web; return its new ``(source, target, amount)``.

    Array core of :func:`circulation_null_model` (see its Notes). Proposals that would create a
    self-loop, or pick two edges sharing a payer or a payee, are rejected and count as swaps.
    Edges that reach zero stay in the list (a later pick of one moves nothing), so edges are
    chosen uniformly among all edges ever present; the output drops them.
    """
    keys: list[tuple[int, int]] = list(zip(source.tolist(), target.tolist(), strict=True))
    weight: list[float] = amount.tolist()
    where: dict[tuple[int, int], int] = {k: i for i, k in enumerate(keys)}
    if not keys:
        return source.copy(), target.copy(), amount.copy()
    draws = rng.random((n_swaps, 3))
    for u_i, u_j, u_d in draws.tolist():
        m = len(keys)
        i = int(u_i * m)
        j = int(u_j * m)
        a, b = keys[i]
        c, d = keys[j]
        if a == c or b == d or a == d or c == b:
            continue
        x, y = weight[i], weight[j]
        delta = (1.0 - u_d) * (x if x < y else y)  # 1 - u in (0, 1]
        if delta <= 0.0:
            continue
        weight[i] = x - delta
        weight[j] = y - delta
        for key in ((a, d), (c, b)):
            k = where.get(key)
            if k is None:
                where[key] = len(keys)
                keys.append(key)
                weight.append(delta)
            else:
                weight[k] += delta
    w = np.asarray(weight, dtype=np.float64)
    st = np.asarray(keys, dtype=np.int64).reshape(-1, 2)
    keep = w > 0
    return st[keep, 0], st[keep, 1], w[keep]


def alternating_cycles(source: np.ndarray, target: np.ndarray) -> list[tuple[list[int], list[int]]]:
    """Fundamental alternating cycles of the payer/payee graph: ``(plus edges, minus edges)`` each.

    Payer ``u`` and payee ``v`` are distinct bipartite nodes; a BFS spanning forest is grown in
    edge order (deterministic), and each non-tree edge with its tree path closes one even cycle,
    whose edges alternate between the ``plus`` and ``minus`` lists (the non-tree edge is plus).
    """
    m = int(source.shape[0])
    if m == 0:
        return []
    off = int(max(source.max(), target.max())) + 1
    adj: dict[int, list[tuple[int, int]]] = {}
    for e, (u, v) in enumerate(zip(source.tolist(), target.tolist(), strict=True)):
        adj.setdefault(u, []).append((v + off, e))
        adj.setdefault(v + off, []).append((u, e))
    parent_edge: dict[int, int] = {}
    depth: dict[int, int] = {}
    parent: dict[int, int] = {}
    tree = [False] * m
    for root in adj:
        if root in depth:
            continue
        depth[root], parent[root], parent_edge[root] = 0, -1, -1
        frontier = [root]
        while frontier:
            nxt = []
            for x in frontier:
                for y, e in adj[x]:
                    if y not in depth:
                        depth[y], parent[y], parent_edge[y] = depth[x] + 1, x, e
                        tree[e] = True
                        nxt.append(y)
            frontier = nxt
    cycles = []
    for e in range(m):
        if tree[e]:
            continue
        x, y = int(source[e]), int(target[e]) + off
        up_y: list[int] = []  # edges from y up to the common ancestor
        up_x: list[int] = []
        while depth[x] > depth[y]:
            up_x.append(parent_edge[x])
            x = parent[x]
        while depth[y] > depth[x]:
            up_y.append(parent_edge[y])
            y = parent[y]
        while x != y:
            up_x.append(parent_edge[x])
            up_y.append(parent_edge[y])
            x, y = parent[x], parent[y]
        order = [e, *up_y, *reversed(up_x)]  # around the cycle: x -> y, y .. lca, lca .. x
        cycles.append((order[0::2], order[1::2]))
    return cycles


def support_moves(
    source: np.ndarray,
    target: np.ndarray,
    amount: np.ndarray,
    n_moves: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Apply ``n_moves`` alternating-cycle moves to a web's amounts; return the new amounts.

    Array core of the ``"degree-strength"`` null model (see :func:`circulation_null_model`):
    edges and their order are unchanged, every amount stays > 0 (the input's must be), and
    every entity's in- and out-flow is kept up to float rounding. A move that rounding would
    take to an amount <= 0 is rejected and counts as a move.
    """
    weight: list[float] = np.asarray(amount, dtype=np.float64).tolist()
    cycles = alternating_cycles(np.asarray(source), np.asarray(target))
    if not cycles or n_moves <= 0:
        return np.asarray(weight, dtype=np.float64)
    k = len(cycles)
    for u_c, u_d in rng.random((n_moves, 2)).tolist():
        plus, minus = cycles[int(u_c * k)]
        lo = -min(weight[i] for i in plus)
        hi = min(weight[i] for i in minus)
        if u_d == 0.0:
            continue
        delta = lo + u_d * (hi - lo)  # open interval (lo, hi): no amount reaches zero
        new_plus = [weight[i] + delta for i in plus]
        new_minus = [weight[i] - delta for i in minus]
        if min(new_plus) <= 0.0 or min(new_minus) <= 0.0:
            continue
        for i, w in zip(plus, new_plus, strict=True):
            weight[i] = w
        for i, w in zip(minus, new_minus, strict=True):
            weight[i] = w
    return np.asarray(weight, dtype=np.float64)


def circulation_null_model(
    source: Any,
    target: Any = None,
    amount: Any = None,
    *,
    n: int = 1000,
    rng: np.random.Generator | None = None,
    seed: int | None = None,
    swaps_per_edge: int = 10,
    nodes: Sequence[Hashable] | None = None,
    method: str = "degree-strength",
) -> NullModelResult:
    """Compare a web's circularity ratio with webs that keep every entity's in- and out-flow.

    Parameters
    ----------
    source, target, amount
        The web, as for :func:`~circularity.analytics.circulation.find_circulation`.
    n
        Number of null webs.
    rng, seed
        A ``numpy.random.Generator``, or a seed to make one; give one of them (neither: a
        fresh, unseeded generator, not reproducible). Null web ``i`` uses child generator
        ``i`` of ``rng.spawn(n)``, so results do not depend on the order they are computed in.
    swaps_per_edge
        Proposed moves (or swaps) per edge of the observed web, per null web.
    nodes
        Entities and their order, as for ``find_circulation``.
    method
        ``"degree-strength"`` (default): keep every payer-payee pair and every in- and
        out-flow, move amounts along alternating cycles (:func:`support_moves`).
        ``"strength"``: keep in- and out-flows only, flow swaps that may open new pairs
        (:func:`flow_swaps`).

    Returns
    -------
    NullModelResult
        Observed ratio, null ratios, mean, std, z-score, empirical p-value, definition.

    Raises
    ------
    NetworkError
        Malformed web.
    ValueError
        ``n < 1``, ``swaps_per_edge < 0``, both ``rng`` and ``seed`` given, or an unknown
        ``method``.

    Notes
    -----
    **Degree and strength (default).** With ``E`` the observed payer-payee pairs, the null
    webs are the matrices ``W`` with ``W[e] > 0`` exactly on ``E`` and the observed margins
    ``W 1 = s_out``, ``W^T 1 = s_in``: degrees and strengths are both kept, exactly (strengths
    up to float rounding, ~1e-15 relative per move). This set is the interior of a polytope
    whose directions are the alternating cycles of the bipartite payer/payee graph; the
    fundamental cycles of a spanning forest are a basis, so moving along a random one by a
    uniform amount (coordinate hit-and-run) reaches every such ``W``. Its dimension is
    ``|E| - (#payers + #payees) + #components``: a sparse web can have few free directions
    (the AI web, 2) and then tests only whether its *amounts* are arranged more circularly
    than chance given who deals with whom, not its topology.

    **Strength only.** Let ``W`` be the payer-by-payee flow matrix with out-strengths ``s_out = W 1`` and
    in-strengths ``s_in = W^T 1``. A flow swap on distinct payers ``a != c`` and payees
    ``b != d`` (with ``a != d``, ``c != b``) adds ``delta`` to ``W[a, d]`` and ``W[c, b]`` and
    takes it from ``W[a, b]`` and ``W[c, d]``, with ``0 < delta <= min(W[a, b], W[c, d])``, so
    ``s_out`` and ``s_in`` are unchanged and ``W >= 0`` with a zero diagonal (no new
    self-loops). The total volume is therefore the same in every null web, and the ratio
    compares circulating volumes directly. The null keeps strengths exactly, not degrees: a
    swap can open a payer-payee pair that had no deal. Webs whose margins force their shape
    (a chain ``a -> b -> c``) have null ratios equal to the observed one, a std of 0 and a
    NaN z-score.

    The circularity ratio of each null web is that of
    :func:`~circularity.analytics.circulation.find_circulation` (the maximum circulation,
    a linear program per web).

    References
    ----------
    .. [1] P. Diaconis, B. Sturmfels, "Algebraic algorithms for sampling from conditional
       distributions", Annals of Statistics 26(1), 363-397, 1998.
    .. [2] S. Maslov, K. Sneppen, "Specificity and stability in topology of protein
       networks", Science 296, 910-913, 2002.

    Examples
    --------
    >>> res = circulation_null_model(["a", "b", "b", "c"], ["b", "a", "c", "a"],
    ...                              [1.0, 1.0, 1.0, 1.0], n=50, seed=1)
    >>> res.observed, res.n
    (0.75, 50)
    """
    if n < 1:
        raise OptionError(f"n must be >= 1, got {n}")
    if swaps_per_edge < 0:
        raise OptionError(f"swaps_per_edge must be >= 0, got {swaps_per_edge}")
    if rng is not None and seed is not None:
        raise OptionError("give rng or seed, not both")
    if method not in NULL_MODEL_DEFINITIONS:
        raise unknown_option("method", method, sorted(NULL_MODEL_DEFINITIONS))
    gen = rng if rng is not None else np.random.default_rng(seed)
    arr = merge_edges(source, target, amount, nodes=nodes)
    total = float(arr.amount.sum())

    live = arr.amount > 0
    s0, t0, a0 = arr.source[live], arr.target[live], arr.amount[live]
    nn = arr.n_nodes
    observed = float(max_circulation(s0, t0, a0, nn).sum()) / total if total > 0 else 0.0
    n_swaps = swaps_per_edge * int(s0.shape[0])
    null = np.empty(n, dtype=np.float64)
    # Null webs are solved as one block-diagonal LP per batch (disjoint copies of the entities):
    # its optimum is the sum of the webs' optima, and one HiGHS call replaces hundreds.
    batch: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    first = 0
    for i, child in enumerate(gen.spawn(n)):
        if method == "strength":
            batch.append(flow_swaps(s0, t0, a0, n_swaps, child))
        else:
            batch.append((s0, t0, support_moves(s0, t0, a0, n_swaps, child)))
        if sum(b[0].shape[0] for b in batch) >= _BATCH_EDGES or i == n - 1:
            null[first : i + 1] = _batched_volumes(batch, nn) / total if total > 0 else 0.0
            first, batch = i + 1, []
    null.setflags(write=False)
    mean = float(null.mean())
    std = float(null.std(ddof=1)) if n > 1 else 0.0
    z = (observed - mean) / std if std > _TIE_TOL else math.nan
    hits = int(np.count_nonzero(null >= observed - _TIE_TOL))
    return NullModelResult(
        observed=observed,
        null=null,
        mean=mean,
        std=std,
        z_score=z,
        p_value=(1 + hits) / (n + 1),
        n=n,
        swaps_per_edge=swaps_per_edge,
        seed=seed,
        method=method,
        definition=NULL_MODEL_DEFINITIONS[method],
    )
