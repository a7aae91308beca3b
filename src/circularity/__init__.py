"""circularity: map, measure and stress-test circular financing webs.

The Python API in a few names: :func:`load` a dataset as of a date, :func:`read_ledger` a
folder of your own, :func:`open_store` the DuckDB store, :func:`check_claims` the published
claims, :func:`find_circulation` how much money goes round, :func:`stress_test` who loses what,
:func:`project` a scenario quarter by quarter, :func:`simulate` a Monte Carlo run. Areas are
imported when first used (the ledger too: it needs pandas), so ``import circularity`` and
the CLI's start stay light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from circularity.errors import CircularityError

if TYPE_CHECKING:  # the names as the type checker sees them; at run time they load on first use
    from circularity.analytics import find_circulation as find_circulation
    from circularity.claims import check_claims as check_claims
    from circularity.ledger import Ledger as Ledger
    from circularity.ledger import load as load
    from circularity.ledger import read_ledger as read_ledger
    from circularity.montecarlo import simulate as simulate
    from circularity.projection.pipeline import project as project
    from circularity.store import open_store as open_store
    from circularity.stress import stress_test as stress_test

__version__ = "0.1.0"

#: Public name → module that defines it, imported on first use.
_LAZY = {
    "Ledger": "circularity.ledger",
    "check_claims": "circularity.claims",
    "find_circulation": "circularity.analytics",
    "load": "circularity.ledger",
    "open_store": "circularity.store",
    "project": "circularity.projection.pipeline",
    "read_ledger": "circularity.ledger",
    "simulate": "circularity.montecarlo",
    "stress_test": "circularity.stress",
}

__all__ = ["CircularityError", "__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'circularity' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted(__all__)
