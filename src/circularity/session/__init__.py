"""The session layer: the shell-neutral model façade the CLI, the HTTP API and the report share.

:class:`Service` holds a ledger source (the bundled dataset, a store, or a snapshot) and runs the
models on it through one cache; :mod:`~circularity.session.views` shapes records and graphs as
JSON-ready dicts; :mod:`~circularity.session.stress_rows` and :mod:`~circularity.session.sensitivity`
shape model results the same way for every shell. Nothing here knows about HTTP or terminals.
"""

from circularity._cache import SingleFlightCache
from circularity.session.service import (
    DASHBOARD_NULL,
    DEFAULT_WINDOW,
    PROJECT_RECORD,
    VENDORS,
    ScenarioView,
    Service,
    features,
)

__all__ = [
    "DASHBOARD_NULL",
    "DEFAULT_WINDOW",
    "PROJECT_RECORD",
    "VENDORS",
    "ScenarioView",
    "Service",
    "SingleFlightCache",
    "features",
]
