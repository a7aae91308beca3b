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
    ├── OptionError        an option or argument has a value the call cannot use (also a ValueError)
    │   └── UnknownNameError  ... a name (deal, claim, entity, quarter, table, language) the data
    │                         does not hold (also a KeyError)
    ├── FormulaError       a claim formula cannot be parsed or names an unknown computation (a ValueError)
    ├── ConvergenceError   an iterative solver stopped before converging (iterations, residual)
    │   └── ClearingError  ... a clearing algorithm (Eisenberg-Noe, Rogers-Veraart)
    ├── BacktestError      a backtest cannot run as asked (outcomes file, cutoff, horizon)
    ├── SolverError        an LP or flow solver failed (status)
    └── ModelProcessGone   the server's model process ended; the server computes instead

The CLI turns each into one line and exit code 1; the HTTP API into a 4xx JSON error.
An unknown choice (a format, a variant, a preset) is reported by one rule, :func:`unknown_option`.
Inside a pydantic validator a plain ``ValueError`` is pydantic's protocol: the model's loader turns
the validation error into :class:`LedgerError`, :class:`ScenarioError` or :class:`ClaimsError`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "AccountingError",
    "BacktestError",
    "CircularityError",
    "ClaimsError",
    "ClearingError",
    "InputError",
    "LedgerError",
    "ConvergenceError",
    "FormulaError",
    "ModelProcessGone",
    "NetworkError",
    "OptionError",
    "Problem",
    "ScenarioError",
    "SolverError",
    "StoreError",
    "UnknownNameError",
    "unknown_option",
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


class BacktestError(CircularityError):
    """A backtest cannot run as asked; ``problems`` lists located problems of an input file."""

    def __init__(self, problems: list[Problem] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            super().__init__(problems)
            return
        self.problems = list(problems)
        head = f"{len(self.problems)} problem(s) in the outcomes file; no scores computed"
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


class OptionError(CircularityError, ValueError):
    """An option or argument has a value the call cannot use; the message names the value and what is allowed.

    It is also a :class:`ValueError`, so code that validates arguments the Python way still catches it.
    """


class UnknownNameError(OptionError, KeyError):
    """A name the data does not hold: a deal, claim, entity, quarter, table or language id.

    It is also a :class:`KeyError` (a lookup that failed); unlike a bare ``KeyError`` its text is the
    message as written, not its quoted repr.

    Examples
    --------
    >>> str(UnknownNameError("unknown deal 'D999'"))
    "unknown deal 'D999'"
    """

    def __str__(self) -> str:
        return Exception.__str__(self)


def unknown_option(option: str, value: object, allowed: Iterable[object]) -> OptionError:
    """The one error for a value outside a fixed set of choices.

    Examples
    --------
    >>> str(unknown_option("--format", "pdf", ["csv", "json"]))
    "--format: unknown value 'pdf'; choose one of: csv, json"
    """
    return OptionError(f"{option}: unknown value '{value}'; choose one of: {', '.join(map(str, allowed))}")


class FormulaError(CircularityError, ValueError):
    """A claim formula that cannot be parsed or names an unknown computation or parameter."""


class ConvergenceError(CircularityError):
    """An iterative algorithm stopped before it converged.

    ``iterations`` is how many it ran and ``residual`` the last change (NaN where none was measured);
    the message says what to raise or change.
    """

    def __init__(self, message: str, iterations: int, residual: float) -> None:
        self.iterations = iterations
        self.residual = residual
        super().__init__(f"{message} (after {iterations} iterations, residual {residual:.3g})")


class ClearingError(ConvergenceError):
    """A clearing algorithm (Eisenberg-Noe, Rogers-Veraart) failed to converge."""


class SolverError(CircularityError):
    """A linear-programming or network-flow solver failed (infeasible, unbounded, or its own error)."""

    def __init__(self, message: str, status: object = None) -> None:
        self.status = status
        super().__init__(message if status is None else f"{message} (solver status {status})")


class ModelProcessGone(CircularityError):
    """The model process ended (or cannot be reached from here); the server computes instead."""

    offload = True  # not the model's own error: the caller may compute the answer itself
