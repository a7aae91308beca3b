"""Published claims checked against the ledger and the published models.

``check_claims(ledger)`` computes each registered claim's figure (never typed in) and says whether
it holds, does not hold, or is not computable, with the reason.
"""

from circularity.claims.check import VERDICTS, ClaimResult, ClaimsResult, check_claims
from circularity.claims.formulas import COMPUTATIONS, Assumption, ClaimContext, Figure, Input, NotComputable
from circularity.claims.registry import Claim, ClaimsError, Registry, load_registry, read_registry

__all__ = [
    "COMPUTATIONS",
    "VERDICTS",
    "Assumption",
    "Claim",
    "ClaimContext",
    "ClaimResult",
    "ClaimsError",
    "ClaimsResult",
    "Figure",
    "Input",
    "NotComputable",
    "Registry",
    "check_claims",
    "load_registry",
    "read_registry",
]
