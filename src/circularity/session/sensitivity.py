"""One-at-a-time sensitivity (tornado) of a projection headline, as every shell shows it.

The same code path as ``circularity sensitivity``: :func:`circularity.montecarlo.projection_model.
load_projection_model` builds the engine and the parameter space of a preset (the scenario's
distributions, or the shipped default uncertainty), :func:`circularity.montecarlo.sensitivity.tornado`
moves each parameter alone. The dashboard's levers enter as the CLI's ``--set`` overrides.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

from circularity.projection.levers import LEVER_PATHS, lever_overrides, lever_sets

__all__ = ["OUTPUTS", "Output", "SensitivityResult", "TornadoRow", "tornado_table"]

Output = Literal["funding_need_2030", "funding_need_2032", "market_value_lost"]

#: The headlines the route ranks assumptions for (all USD bn); ``{focus}`` is the preset's
#: headline entity. The CLI also takes ``variable:entity[:quarter]``.
OUTPUTS: dict[str, str] = {
    "funding_need_2030": "{focus}'s funding need to the end of 2030 (deepest cumulative deficit "
    "with no new money)",
    "funding_need_2032": "{focus}'s funding need to the end of 2032 (deepest cumulative deficit "
    "with no new money)",
    "market_value_lost": "market value lost across the web, start to end of the horizon",
}


class TornadoRow(BaseModel):
    parameter: str = Field(description="Override path; scale:<path> multiplies a time path")
    low: float = Field(description="Parameter value at low_q")
    high: float = Field(description="Parameter value at high_q")
    output_low: float | None = Field(description="Output with this parameter alone at low_q")
    output_high: float | None = Field(description="Output with this parameter alone at high_q")
    swing: float | None = Field(description="|output_high - output_low|")


class SensitivityResult(BaseModel):
    scenario: str
    output: str
    unit: str
    description: str
    focus: str
    levers: dict[str, float]
    levers_moved_by_tornado: list[str] = Field(
        description="Levers whose parameter the tornado moves itself (their value does not enter)"
    )
    low_q: float
    high_q: float
    base: float | None = Field(description="Output with every parameter at its median")
    evaluations: int
    uncertainty: str = Field(description="Where the parameter distributions come from")
    table: list[TornadoRow] = Field(description="One row per parameter, largest swing first")


def _num(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def tornado_table(
    service: Any,
    scenario: str,
    output: str = "funding_need_2030",
    levers: Mapping[str, float] | None = None,
    *,
    low_q: float = 0.05,
    high_q: float = 0.95,
) -> SensitivityResult:
    """The tornado of ``output`` for a preset, as the route answers it (also used by the report).

    The engine and parameter space of a preset and lever set are built once per day and kept in
    the service's cache, so another output or quantile pair reuses them.
    """
    from circularity.montecarlo.projection_model import load_projection_model
    from circularity.montecarlo.sensitivity import tornado

    service.scenario(scenario)  # a preset name, never a path
    given = {k: float(v) for k, v in (levers or {}).items() if v is not None}
    sets = lever_sets(lever_overrides(given))
    sim, model = service.cached(
        ("sensitivity-model", scenario, sets, date.today()),
        lambda: load_projection_model(scenario, sets),
    )
    res = tornado(model, sim.space, output, low_q=low_q, high_q=high_q)
    paths = {path: key for key, path in LEVER_PATHS.items()}
    moved = [paths[n] for n in sim.space.names if paths.get(n) in given]
    return SensitivityResult(
        scenario=scenario,
        output=output,
        unit="USD bn",
        description=OUTPUTS[output].format(focus=model.focus),
        focus=model.focus,
        levers=given,
        levers_moved_by_tornado=moved,
        low_q=low_q,
        high_q=high_q,
        base=_num(res.base),
        evaluations=1 + 2 * len(sim.space.names),
        uncertainty=sim.uncertainty_source,
        table=[
            TornadoRow(
                parameter=r.parameter,
                low=float(r.low),
                high=float(r.high),
                output_low=_num(r.output_low),
                output_high=_num(r.output_high),
                swing=_num(r.swing),
            )
            for r in res.table.itertuples(index=False)
        ],
    )
