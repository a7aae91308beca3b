"""Turn a liabilities matrix (dense or scipy.sparse) into a validated edge list."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity._typing import Array
from circularity.errors import OptionError

__all__ = ["as_edges", "as_index", "as_vector", "csc_operator", "csc_matvec_sparse"]


def as_edges(L: Any) -> tuple[Array, Array, Array, int]:
    """``(debtor, creditor, amount, n)`` from ``L[i, j]`` = what ``i`` owes ``j``.

    Duplicates are summed, explicit zeros dropped. Raises ``ValueError`` for a non-square
    matrix, negative or non-finite amounts, or a non-zero diagonal (a node owing itself).
    """
    if sp.issparse(L) and L.format == "csr" and L.shape[0] == L.shape[1]:
        csr = L if L.has_canonical_format else L.copy()
        csr.sum_duplicates()  # no-op (and no sort) when already canonical
        n = csr.shape[0]
        row = np.repeat(np.arange(n, dtype=np.int64), np.diff(csr.indptr))
        return _checked(row, csr.indices.astype(np.int64), csr.data.astype(np.float64), n)
    if sp.issparse(L):
        coo = sp.coo_matrix(L, dtype=np.float64)
        coo.sum_duplicates()
    else:
        dense = np.asarray(L, dtype=np.float64)
        if dense.ndim != 2:
            raise OptionError(f"L must be a 2-d matrix; got shape {dense.shape}")
        coo = sp.coo_matrix(dense)
    n_rows, n_cols = coo.shape
    if n_rows != n_cols:
        raise OptionError(f"L must be square (L[i, j] = what i owes j); got shape {coo.shape}")
    return _checked(coo.row, coo.col, coo.data, int(n_rows))


def _checked(row: Array, col: Array, data: Array, n: int) -> tuple[Array, Array, Array, int]:
    if not np.all(np.isfinite(data)):
        raise OptionError("L has non-finite entries; every liability must be a finite number")
    if (data < 0).any():
        k = int(np.flatnonzero(data < 0)[0])
        raise OptionError(f"L[{row[k]}, {col[k]}] = {data[k]} is negative; liabilities are >= 0")
    if (data == 0).any():
        keep = data != 0
        row, col, data = row[keep], col[keep], data[keep]
    if (row == col).any():
        i = int(row[row == col][0])
        raise OptionError(f"L[{i}, {i}] != 0: a node cannot owe itself; remove the self-loop")
    return as_index(row), as_index(col), data.astype(np.float64, copy=False), n


def as_index(x: Any) -> Array:
    """An integer index array, without copying when it already is one (int32 is kept)."""
    a = np.asarray(x)
    if a.dtype.kind not in "iu":
        a = a.astype(np.int64)
    return a


def csc_operator(rows: Array, cols: Array, vals: Array, n: int) -> sp.csc_matrix:
    """``A[rows[e], cols[e]] += vals[e]`` as CSC, with no sort when ``cols`` is already sorted.

    Edge lists from a CSR liabilities matrix come sorted by debtor, so the transposed operators
    (``Pi.T``, the DebtRank impacts) are built in O(m) without a sort.
    """
    if cols.size and (np.diff(cols) < 0).any():
        order = np.argsort(cols, kind="stable")
        rows, cols, vals = rows[order], cols[order], vals[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=n), out=indptr[1:])
    return sp.csc_matrix((vals, rows, indptr), shape=(n, n))


def as_vector(x: Any, n: int, name: str, *, default: float = 0.0, batched: bool = True) -> Array:
    """``(n,)`` or ``(S, n)`` float array; ``None`` gives ``default`` everywhere."""
    if x is None:
        return np.full(n, default, dtype=np.float64)
    a = np.asarray(x, dtype=np.float64)
    if a.ndim == 0:
        a = np.full(n, float(a))
    ok = a.shape[-1:] == (n,) and (a.ndim == 1 or (batched and a.ndim == 2))
    if not ok:
        raise OptionError(f"{name} has shape {a.shape}; expected ({n},)" + (" or (S, n)" if batched else ""))
    if not np.all(np.isfinite(a)):
        raise OptionError(f"{name} has non-finite values")
    return a


def csc_matvec_sparse(A: sp.csc_matrix, x: Array) -> Array:
    """``A @ x`` for a 1-d ``x``, touching only the columns where ``x`` is non-zero.

    O(edges of those columns) instead of O(all edges): contagion rounds change few nodes.
    """
    nz = np.flatnonzero(x)
    n_rows = A.shape[0]
    if nz.size * 4 >= x.size:
        return np.asarray(A @ x, dtype=np.float64)
    start, stop = A.indptr[nz], A.indptr[nz + 1]
    counts = stop - start
    idx = np.repeat(start - np.cumsum(counts) + counts, counts)
    idx += np.arange(idx.size)
    w = A.data[idx] * np.repeat(x[nz], counts)
    return np.bincount(A.indices[idx], weights=w, minlength=n_rows).astype(np.float64)
