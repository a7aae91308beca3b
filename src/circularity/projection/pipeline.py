"""The pipeline from a scenario to a result: load the ledger, compile it for the scenario, project.

:func:`compile_for` compiles a ledger with a scenario's contract assumptions, horizon and history
cut-off; :func:`project` runs the whole pipeline in one call. The quarterly engine itself is
:mod:`~circularity.projection.projector`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from circularity.compile import Web, compile_web
from circularity.projection.projector import run_projection
from circularity.projection.results import ProjectionResult
from circularity.projection.scenario import Scenario, load_scenario

__all__ = ["compile_for", "entities_without_revenue", "project"]


def compile_for(
    scenario: Scenario,
    ledger: Any,
    start: str | None = None,
    end: str | None = None,
    *,
    history_to: Any = "horizon",
) -> Web:
    """Compile ``ledger`` with the scenario's contract assumptions and horizon.

    Quarters that ended by ``history_to`` are history (pinned to the reported figures, never
    the site of a shortfall or a default): by default the ledger's knowledge horizon (the latest
    source it cites, capped at its as-of date), since what happened before it is known, not
    projected; ``None`` projects every quarter (a what-if from the horizon's start).
    """
    from circularity.projection.references import check_references

    check_references(scenario, ledger)
    s = start or scenario.horizon.start
    e = end or scenario.horizon.end
    if isinstance(history_to, str) and history_to == "horizon":
        history_to = ledger.knowledge_horizon() if hasattr(ledger, "knowledge_horizon") else None
    return compile_web(ledger, s, e, scenario.contracts.to_schedule_assumptions(s, e), as_of=history_to)


def project(
    scenario: str | Scenario,
    *,
    sets: Sequence[str] = (),
    as_of: str | None = None,
    start: str | None = None,
    end: str | None = None,
    ledger: Any = None,
    overrides: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> ProjectionResult:
    """Load a scenario (preset or file), the bundled ledger as of a date, and run it."""
    from circularity.ledger import load

    sc = load_scenario(scenario, tuple(sets)) if isinstance(scenario, str) else scenario
    led = ledger if ledger is not None else load("ai", as_of=as_of or sc.as_of)
    web = compile_for(sc, led, start, end)
    return run_projection(web, sc, overrides, **kwargs)


def entities_without_revenue(web: Web, scenario: Scenario) -> tuple[str, ...]:
    """Entities with no business in a run of ``scenario`` on ``web``: no outside revenue path and no
    operating or hardware contract paying them. The ledger records their financing only (a
    data-centre project's construction loans, not its lease income), so a default of theirs marks
    a gap in the data, not a forecast (``defaults.csv``: revenue ``unknown``)."""
    import numpy as np

    from circularity.projection.aggregation import categories
    from circularity.projection.parameters import resolve_params
    from circularity.projection.steps.resolution import revenue_known

    P = resolve_params(web, scenario, {}, 1)
    outside = np.asarray((np.asarray(P.out_rev) > 0).any(axis=(0, 2)))
    known = revenue_known(web, categories(web), outside)
    return tuple(e for e, k in zip(web.entities, known.tolist(), strict=True) if not k)
