"""Contagion on exposure networks: clearing, cascades and DebtRank, for any network.

Convention everywhere: ``L[i, j]`` is what node ``i`` owes node ``j`` (rows are debtors).
``clear_payments`` is the one clearing core (``prepare_clearing`` readies a structure cleared
many times); ``eisenberg_noe`` and ``rogers_veraart`` wrap it
for a liabilities matrix; ``default_cascade`` is the threshold cascade; ``debtrank`` the
single-hit and linear DebtRank; ``shock_each_node`` ranks systemic importance; ``load_network``
reads a user's JSON file or CSV folder.
"""

from __future__ import annotations

from circularity.contagion.cascade import default_cascade
from circularity.contagion.clearing import ClearingPattern, ClearingResult, clear_payments, prepare_clearing
from circularity.contagion.debtrank import DebtRankResult, debtrank, impact_matrix
from circularity.contagion.eisenberg_noe import eisenberg_noe
from circularity.contagion.importance import ImportanceResult, shock_each_node
from circularity.contagion.network import Network, load_network
from circularity.contagion.rogers_veraart import rogers_veraart

__all__ = [
    "ClearingPattern",
    "ClearingResult",
    "DebtRankResult",
    "ImportanceResult",
    "Network",
    "clear_payments",
    "debtrank",
    "default_cascade",
    "eisenberg_noe",
    "impact_matrix",
    "load_network",
    "prepare_clearing",
    "rogers_veraart",
    "shock_each_node",
]
