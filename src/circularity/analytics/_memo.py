"""Values derived from a ledger view, remembered for as long as the view lives.

Vendor financing runs once per vendor, and the ratios and the Lucent comparison read the same
live deals and fiscal-year figures; deriving those once per ledger view instead of once per
call is most of what makes ``circularity metrics`` cheap. A ledger's views (``ledger.deals``,
``ledger.financials``) are built once and never modified in place, so a value derived from one
stays true while the view lives. DataFrames cannot be hashed, so the memo is keyed on the
view's identity and dropped by a weak reference when the view is garbage-collected.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import pandas as pd

__all__ = ["remembered"]

T = TypeVar("T")

#: id(view) -> (weak reference to the view, {key: derived value}).
_MEMOS: dict[int, tuple[weakref.ref[pd.DataFrame], dict[Hashable, Any]]] = {}


def remembered(view: pd.DataFrame, key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, computed once per ``view`` (by identity) and ``key``.

    Only for a ledger's own views, which nobody modifies in place; two threads asking at once
    may both compute, and either answer is kept (they are equal).
    """
    vid = id(view)
    entry = _MEMOS.get(vid)
    if entry is None or entry[0]() is not view:

        def forget(ref: weakref.ref[pd.DataFrame]) -> None:
            if _MEMOS.get(vid, (None,))[0] is ref:
                del _MEMOS[vid]

        entry = (weakref.ref(view, forget), {})
        _MEMOS[vid] = entry
    memo = entry[1]
    if key not in memo:
        memo[key] = make()
    return memo[key]  # type: ignore[no-any-return]
