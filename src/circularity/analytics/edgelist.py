"""Edge lists: validate, merge parallel edges, index the entities, read a user's CSV.

Every analytics function that takes a money-flow network accepts it in one of three forms,
normalised here into one :class:`EdgeArrays`:

- three equal-length sequences ``source, target, amount`` (plus optional ``ids``);
- a :class:`pandas.DataFrame` with columns ``source, target, amount`` (and optionally ``id``);
- a :class:`~circularity.analytics.flowgraph.FlowGraph`.

Parallel edges (same payer and payee) are merged: amounts add up and the deal ids behind them
are kept, so each merged edge can be traced back to its deals.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from circularity.errors import InputError, NetworkError
from circularity.input_files import read_text

__all__ = ["EdgeArrays", "Graph", "merge_edges", "read_edge_list"]


@runtime_checkable
class _Edge(Protocol):
    source: str
    target: str
    amount: float
    deal_ids: tuple[str, ...]


@runtime_checkable
class Graph(Protocol):
    """What :func:`merge_edges` reads from a graph: ordered ``nodes`` and ``edges`` with ``source``,
    ``target``, ``amount`` and ``deal_ids`` (a :class:`~circularity.analytics.flowgraph.FlowGraph`
    is one; this module does not import it, since ``flowgraph`` builds on this one)."""

    @property
    def nodes(self) -> Sequence[str]: ...

    @property
    def edges(self) -> Sequence[_Edge]: ...


_MAX_LISTED_PROBLEMS = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class EdgeArrays:
    """A validated network: entities ``0..n-1`` and merged edges sorted by (source, target)."""

    nodes: tuple[Hashable, ...]
    source: np.ndarray  # int64 node index per edge
    target: np.ndarray  # int64 node index per edge
    amount: np.ndarray  # float64, >= 0
    deal_ids: tuple[tuple[str, ...], ...]

    @property
    def n_nodes(self) -> int:
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        return int(self.source.shape[0])


def _frozen(a: np.ndarray) -> np.ndarray:
    a.setflags(write=False)
    return a


def merge_edges(
    source: Any,
    target: Any = None,
    amount: Any = None,
    *,
    ids: Sequence[Hashable] | None = None,
    nodes: Sequence[Hashable] | None = None,
) -> EdgeArrays:
    """Validate an edge list and merge parallel edges, keeping the deal ids behind each.

    Parameters
    ----------
    source, target, amount
        Equal-length sequences (payer, payee, amount >= 0), or ``source`` alone as a
        DataFrame with columns ``source, target, amount`` (optional ``id``) or a ``FlowGraph``.
    ids
        Deal id per row; defaults to the ``id`` column of a frame, else the row number.
    nodes
        The entities and their order. Defaults to the sorted labels found in the edges.
        Entities listed here but absent from the edges stay as isolated nodes.

    Raises
    ------
    NetworkError
        Lengths differ, an amount is negative, NaN or infinite, or an endpoint is not in
        ``nodes``.
    """
    if isinstance(source, Graph):
        graph = source
        if nodes is None:
            nodes = graph.nodes
        src_vals: Any = [e.source for e in graph.edges]
        tgt_vals: Any = [e.target for e in graph.edges]
        amt_vals: Any = [e.amount for e in graph.edges]
        id_groups: list[tuple[str, ...]] | None = [tuple(e.deal_ids) for e in graph.edges]
        ids = None
    elif isinstance(source, pd.DataFrame):
        frame = source
        missing = [c for c in ("source", "target", "amount") if c not in frame.columns]
        if missing:
            raise NetworkError(f"edge-list frame lacks column(s) {missing}; it needs source, target, amount")
        src_vals, tgt_vals, amt_vals = frame["source"], frame["target"], frame["amount"]
        if ids is None and "id" in frame.columns:
            ids = list(frame["id"])
        id_groups = None
    else:
        if target is None or amount is None:
            raise NetworkError("give source, target and amount, or a DataFrame or FlowGraph")
        src_vals, tgt_vals, amt_vals = source, target, amount
        id_groups = None

    src_arr = np.asarray(src_vals, dtype=object).ravel()
    tgt_arr = np.asarray(tgt_vals, dtype=object).ravel()
    try:
        amt = np.asarray(amt_vals, dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise NetworkError(f"amounts must be numbers: {exc}") from exc
    m = src_arr.shape[0]
    if tgt_arr.shape[0] != m or amt.shape[0] != m:
        raise NetworkError(
            f"source, target and amount differ in length ({m}, {tgt_arr.shape[0]}, "
            f"{amt.shape[0]}); give one value per edge in each"
        )
    if ids is not None and len(ids) != m:
        raise NetworkError(f"ids has {len(ids)} entries for {m} edges; give one id per edge")
    bad = np.flatnonzero(~np.isfinite(amt) | (amt < 0))
    if bad.size:
        i = int(bad[0])
        raise NetworkError(
            f"edge {i} ({src_arr[i]!r} -> {tgt_arr[i]!r}) has amount {amt[i]!r}; amounts must "
            f"be finite and >= 0 ({bad.size} bad edge(s) in all)"
        )
    with np.errstate(over="ignore"):
        total = float(np.sum(amt))
    if not math.isfinite(total):
        raise NetworkError(
            f"the edges' amounts are too large to add up: their sum passes {np.finfo(float).max:.3g}, "
            f"the largest number a float holds (largest amount {float(np.max(amt)):.3g}); "
            "give the amounts in a larger unit (e.g. billions)"
        )

    if nodes is None:
        labels = pd.unique(np.concatenate([src_arr, tgt_arr]))
        try:
            node_tuple: tuple[Hashable, ...] = tuple(sorted(labels))
        except TypeError:  # mixed label types: keep first appearance
            node_tuple = tuple(labels)
    else:
        node_tuple = tuple(nodes)
        if len(set(node_tuple)) != len(node_tuple):
            raise NetworkError("nodes contains duplicates; list each entity once")
    index = pd.Index(node_tuple, dtype=object)
    s = index.get_indexer(pd.Index(src_arr, dtype=object)) if m else np.zeros(0, np.int64)
    t = index.get_indexer(pd.Index(tgt_arr, dtype=object)) if m else np.zeros(0, np.int64)
    unknown = sorted(
        {repr(src_arr[i]) for i in np.flatnonzero(s < 0)} | {repr(tgt_arr[i]) for i in np.flatnonzero(t < 0)}
    )
    if unknown:
        raise NetworkError(
            f"edge endpoint(s) {', '.join(unknown[:10])} not in nodes; add them to nodes or leave nodes=None"
        )

    n = len(node_tuple)
    key = s.astype(np.int64) * max(n, 1) + t.astype(np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    merged_amount = np.bincount(inverse, weights=amt, minlength=uniq.shape[0]).astype(np.float64)
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(uniq.shape[0] + 1))
    if id_groups is not None:
        per_row = id_groups
        deal_ids = tuple(
            tuple(d for r in order[bounds[k] : bounds[k + 1]] for d in per_row[r])
            for k in range(uniq.shape[0])
        )
    else:
        row_ids = [str(i) for i in ids] if ids is not None else [str(i) for i in range(m)]
        deal_ids = tuple(
            tuple(row_ids[r] for r in order[bounds[k] : bounds[k + 1]]) for k in range(uniq.shape[0])
        )
    return EdgeArrays(
        nodes=node_tuple,
        source=_frozen((uniq // max(n, 1)).astype(np.int64)),
        target=_frozen((uniq % max(n, 1)).astype(np.int64)),
        amount=_frozen(merged_amount),
        deal_ids=deal_ids,
    )


def read_edge_list(path: str | Path) -> pd.DataFrame:
    """Read a user's edge-list CSV with header ``source,target,amount``.

    Extra columns are kept; an ``id`` column names the deal behind each row. Rows are counted
    as in a spreadsheet: the header is row 1, the first edge row 2.

    Parameters
    ----------
    path
        A CSV file (UTF-8, comma separated).

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target`` (str), ``amount`` (float64), then any extra columns.

    Raises
    ------
    NetworkError
        The file is missing or empty, lacks a column, or a row has an empty name or an
        amount that is not a finite number >= 0. The message names ``file:row: field``
        for every bad row (the first 20).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "web.csv"
    >>> _ = p.write_text("source,target,amount\\na,b,2\\nb,a,1.5\\n")
    >>> read_edge_list(p)["amount"].tolist()
    [2.0, 1.5]
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise NetworkError(f"{name}: no such edge-list file")
    try:
        text = read_text(path, what="CSV")  # regular file, bounded, UTF-8 (BOM dropped), no control bytes
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except InputError as exc:
        raise NetworkError(str(exc)) from None
    except csv.Error as exc:
        raise NetworkError(f"{name}: malformed CSV: {exc}") from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise NetworkError(
            f"{name}:1: header: file is empty; it needs a header 'source,target,amount' and one row per edge"
        )
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("source", "target", "amount") if c not in header]
    if missing:
        raise NetworkError(
            f"{name}:1: {', '.join(missing)}: missing column(s); the header must include "
            f"source,target,amount (found {','.join(header)})"
        )
    col = {h: i for i, h in enumerate(header)}
    problems: list[str] = []
    records: list[list[Any]] = []
    for rowno, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            problems.append(f"{name}:{rowno}: row: has {len(row)} fields, header has {len(header)}")
            continue
        cells: list[str | float] = [c.strip() for c in row]
        ok = True
        for field in ("source", "target"):
            if not cells[col[field]]:
                problems.append(f"{name}:{rowno}: {field}: empty; name the entity")
                ok = False
        raw = cells[col["amount"]]
        try:
            value = float(raw)
        except ValueError:
            problems.append(f"{name}:{rowno}: amount: {raw!r} is not a number")
            ok = False
        else:
            if not math.isfinite(value):
                problems.append(f"{name}:{rowno}: amount: {raw!r} is not finite")
                ok = False
            elif value < 0:
                problems.append(
                    f"{name}:{rowno}: amount: {raw!r} is negative; amounts are "
                    ">= 0 with the direction given by source -> target"
                )
                ok = False
        if ok:
            cells[col["amount"]] = value
            records.append(cells)
    if problems:
        shown = problems[:_MAX_LISTED_PROBLEMS]
        more = len(problems) - len(shown)
        tail = f"\n... and {more} more" if more else ""
        raise NetworkError(f"{len(problems)} bad row(s) in edge list\n" + "\n".join(shown) + tail)
    if not records:
        raise NetworkError(f"{name}:2: row: no edges after the header; add one row per edge")
    frame = pd.DataFrame(records, columns=header)
    frame["amount"] = frame["amount"].astype(np.float64)
    frame["source"] = frame["source"].astype(str)
    frame["target"] = frame["target"].astype(str)
    rest = [h for h in header if h not in ("source", "target", "amount")]
    return frame[["source", "target", "amount", *rest]]
