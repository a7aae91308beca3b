"""circularity: map, measure and stress-test circular financing webs.

The Python API in a few names: :func:`load` a dataset as of a date, :func:`read_ledger` a
folder of your own, :func:`open_store` the DuckDB store. Each analysis area adds its entry
points here (see the docs).
"""

from circularity.claims import check_claims
from circularity.errors import CircularityError
from circularity.ledger import Ledger, load, read_ledger
from circularity.simulate import simulate
from circularity.store import open_store

__version__ = "0.1.0"

__all__ = ["CircularityError", "Ledger", "__version__", "check_claims", "load", "open_store", "read_ledger", "simulate"]
