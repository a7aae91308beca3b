"""One scenario against another: the value of an output in each, and which outputs moved.

An output is a headline (``funding_need_2030``, ``web_required_revenue_2030``, …) or
``variable:entity[:quarter]`` over the numeric columns of ``quarters.csv``. Without a quarter, a
flow (revenue, capex, payments, ...) is summed over the projected quarters and a level (cash,
debt, market value, ratios: ``LEVEL_COLUMNS``) is read at the last quarter, since a sum of
quarter-end levels means nothing (the same grammar as ``circularity sensitivity --output``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from circularity.errors import ScenarioError
from circularity.projection.results import BOOL_COLUMNS, COLUMNS, LEVEL_COLUMNS, ProjectionResult

__all__ = ["Moved", "compare_results", "output_value", "default_outputs"]

#: headline arrays a comparison can read (per scenario)
HEADLINE_OUTPUTS = (
    "funding_need_2030",
    "funding_need_2032",
    "market_value_lost",
    "web_required_revenue_2030",
    "web_projected_revenue_2030",
    "required_revenue_gap_2030",
)


def output_value(result: ProjectionResult, output: str, scenario: int = 0) -> float:
    """The value of ``output`` in one scenario of ``result`` (see the module docstring)."""
    if output in HEADLINE_OUTPUTS:
        arr = result.headline_arrays.get(output)
        if arr is None:
            raise ScenarioError(f"output '{output}': this run has no such headline")
        return float(np.asarray(arr)[scenario])
    var, _, rest = output.partition(":")
    ent, _, quarter = rest.partition(":")
    if var not in COLUMNS or var in BOOL_COLUMNS or var not in result.data:
        raise ScenarioError(
            f"unknown output '{output}'; give a headline ({', '.join(HEADLINE_OUTPUTS)}) or "
            f"variable:entity[:quarter] with variable one of {', '.join(c for c in COLUMNS if c not in BOOL_COLUMNS)}"
        )
    if ent not in result.entities:
        raise ScenarioError(f"output '{output}': unknown entity '{ent}'")
    col = np.asarray(result.data[var], dtype=np.float64)[:, scenario, result.entities.index(ent)]
    if quarter:
        if quarter not in result.quarters:
            raise ScenarioError(
                f"output '{output}': quarter {quarter} is outside {result.quarters[0]}..{result.quarters[-1]}"
            )
        return float(col[result.quarters.index(quarter)])
    if var in LEVEL_COLUMNS:
        return float(col[-1])
    with np.errstate(invalid="ignore"):  # a column with inf and -inf sums to NaN, which is the answer
        return float(col[result.first_projected :].sum())


@dataclass(frozen=True, slots=True, kw_only=True)
class Moved:
    """One output in the scenario and in the reference."""

    output: str
    value: float
    reference: float

    @property
    def change(self) -> float:
        return self.value - self.reference

    @property
    def moved(self) -> bool:
        a, b = self.value, self.reference
        if np.isnan(a) and np.isnan(b):
            return False
        return bool(np.isnan(a) != np.isnan(b) or abs(a - b) > 1e-9 * max(1.0, abs(b)))


def default_outputs(result: ProjectionResult) -> tuple[str, ...]:
    """Headlines, then every numeric column for the headline entity and the web's large firms."""
    ents = [e for e in (result.headline_entity, "oracle", "coreweave", "microsoft") if e in result.entities]
    cols = [c for c in COLUMNS if c not in BOOL_COLUMNS]
    return (*HEADLINE_OUTPUTS, *(f"{c}:{e}" for e in dict.fromkeys(ents) for c in cols))


def compare_results(
    result: ProjectionResult, reference: ProjectionResult, outputs: Sequence[str] | None = None
) -> list[Moved]:
    """Each output in ``result`` beside ``reference`` (scenario 0 of each)."""
    outs = tuple(outputs) if outputs is not None else default_outputs(result)
    rows: list[Moved] = []
    for o in outs:
        rows.append(Moved(output=o, value=output_value(result, o), reference=output_value(reference, o)))
    return rows
