"""The ledger: sourced records of entities, deals, financials, holdings and market reactions.

Every name loads on first use: the records need pydantic and :class:`Ledger` needs pandas, which
the CLI should not pay for before it parses its arguments (``circularity.ledger.dates`` and
``circularity.ledger.vocabulary`` are imported on their own by light callers).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as the type checker sees them; at run time they load on first use
    from circularity.ledger.ledger import DATASETS, Ledger, dataset_path, load, read_ledger
    from circularity.ledger.records import (
        RECORD_TYPES,
        Deal,
        Entity,
        Financial,
        Holding,
        MarketReaction,
        Outcome,
        Revision,
        Schedule,
        Source,
        Tranche,
    )

__all__ = [
    "DATASETS",
    "RECORD_TYPES",
    "Deal",
    "Entity",
    "Financial",
    "Holding",
    "Ledger",
    "MarketReaction",
    "Outcome",
    "Revision",
    "Schedule",
    "Source",
    "Tranche",
    "dataset_path",
    "load",
    "read_ledger",
]

_LEDGER = ("DATASETS", "Ledger", "dataset_path", "load", "read_ledger")


def __getattr__(name: str) -> Any:
    if name in __all__:
        module = "circularity.ledger.ledger" if name in _LEDGER else "circularity.ledger.records"
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circularity.ledger' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
