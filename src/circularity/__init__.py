"""circularity: map, measure and stress-test circular financing webs.

The Python API in a few names: :func:`load` a dataset as of a date, :func:`read_ledger` a
folder of your own, :func:`open_store` the DuckDB store, :func:`check_claims` the published
claims, :func:`find_circulation` how much money goes round, :func:`stress_test` who loses what,
:func:`project` a scenario quarter by quarter, :func:`simulate` a Monte Carlo run. Areas are
imported when first used, so ``import circularity`` stays light.
"""

from __future__ import annotations

import importlib
from typing import Any

from circularity.errors import CircularityError
from circularity.ledger import Ledger, load, read_ledger

__version__ = "0.1.0"

#: Public name → module that defines it, imported on first use.
_LAZY = {
    "check_claims": "circularity.claims",
    "find_circulation": "circularity.analytics",
    "open_store": "circularity.store",
    "project": "circularity.projection.run",
    "simulate": "circularity.montecarlo",
    "stress_test": "circularity.stress",
}

__all__ = ["CircularityError", "Ledger", "__version__", "load", "read_ledger", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circularity' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
