"""Quarterly projection of the web: scenario files in, per-quarter books and headlines out.

>>> import circularity
>>> from circularity.compile import compile_web
>>> from circularity.projection import load_scenario, run_projection
>>> sc = load_scenario("baseline")
>>> web = compile_web(circularity.load("ai"), assumptions=sc.contracts.to_schedule_assumptions("2025Q1", "2032Q4"))  # doctest: +SKIP
>>> run_projection(web, sc).headlines()  # doctest: +SKIP
"""

from circularity.projection.accounting import check_result
from circularity.projection.pipeline import project
from circularity.projection.projector import override_paths, run_projection
from circularity.projection.results import COLUMNS, ProjectionResult
from circularity.projection.scenario import (
    PRESETS,
    Event,
    Param,
    Path,
    Scenario,
    apply_sets,
    load_scenario,
    path_values,
    scenario_schema,
)

__all__ = [
    "COLUMNS",
    "PRESETS",
    "Event",
    "Param",
    "Path",
    "ProjectionResult",
    "Scenario",
    "apply_sets",
    "check_result",
    "load_scenario",
    "override_paths",
    "path_values",
    "project",
    "run_projection",
    "scenario_schema",
]
