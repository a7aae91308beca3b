"""The AI-web stress test: who loses what if a node pays only part of what it owes.

Builds the exposure network of remaining scheduled payments from the ledger as of a date,
clears it with the contagion engine, and revalues market caps: lost contracted revenue priced
by a multiple, equity of defaulted nodes wiped, stakes marked to market through holdings.
"""

from circularity.stress.revaluation import (
    StressAssumptions,
    StressBase,
    StressResult,
    exposure_network,
    prepare_stress,
    stress_test,
)

__all__ = [
    "StressAssumptions",
    "StressBase",
    "StressResult",
    "exposure_network",
    "prepare_stress",
    "stress_test",
]
