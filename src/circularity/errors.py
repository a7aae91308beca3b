"""The one exception tree of circularity.

::

    CircularityError
    ├── InputError         a user file cannot be read safely (not a regular file, too big, too deep)
    ├── LedgerError        bad ledger input; carries every problem with file, row and field
    ├── ClaimsError        the claims registry is invalid (file, line, claim and field)
    ├── StoreError         the DuckDB store cannot do what was asked
    ├── ScenarioError      a scenario file or override is invalid
    ├── NetworkError       a user's network file (contagion, loops) is invalid
    ├── AccountingError    a projection broke an accounting identity (entity, quarter, residual)
    └── ClearingError      a clearing algorithm did not converge (iterations, residual)

The CLI turns each into one line and exit code 1; the HTTP API into a 4xx JSON error.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccountingError",
    "CircularityError",
    "ClaimsError",
    "ClearingError",
    "InputError",
    "LedgerError",
    "NetworkError",
    "Problem",
    "ScenarioError",
    "StoreError",
]


class CircularityError(Exception):
    """Base of every error circularity raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in input: ``file:row: field: message``."""

    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        return f"{where}: {self.field}: {self.message}"


class InputError(CircularityError):
    """A user's file cannot be read safely: not a regular file, too large, too deeply nested,
    not UTF-8, holding control characters or repeated keys (``file:line: what``)."""


class LedgerError(CircularityError):
    """Ledger input is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("<ledger>", None, "-", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        head = f"{len(self.problems)} problem(s) in ledger input"
        super().__init__(head + "\n" + "\n".join(str(p) for p in self.problems))


class ClaimsError(CircularityError):
    """The claims registry is invalid; ``problems`` lists every problem with file, line and field."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the claims registry"
        super().__init__(head + "\n" + "\n".join(str(p) for p in self.problems))


class StoreError(CircularityError):
    """The store cannot do what was asked (missing file, locked database, unknown table)."""


class ScenarioError(CircularityError):
    """A scenario file, preset name or ``--set`` override is invalid."""


class NetworkError(CircularityError):
    """A user's network input (nodes, liabilities, edge list) is invalid."""


class AccountingError(CircularityError):
    """An accounting identity failed in a projection."""

    def __init__(self, identity: str, entity: str, quarter: str, residual: float) -> None:
        self.identity = identity
        self.entity = entity
        self.quarter = quarter
        self.residual = residual
        super().__init__(
            f"accounting identity '{identity}' fails for {entity} in {quarter}: "
            f"residual {residual:.6g} USD bn"
        )


class ClearingError(CircularityError):
    """A clearing or contagion algorithm failed to converge."""

    def __init__(self, message: str, iterations: int, residual: float) -> None:
        self.iterations = iterations
        self.residual = residual
        super().__init__(f"{message} (after {iterations} iterations, residual {residual:.3g})")
