"""The ids a scenario names (entities, deals, entity kinds) must exist in the ledger it runs on.

A misspelt id in ``entities``, ``events`` or ``contracts.deal_overrides`` would otherwise be
ignored without a word and the projection would run on the defaults instead.
"""

from __future__ import annotations

from typing import Any

from circularity.errors import ScenarioError
from circularity.ledger.vocabulary import ENTITY_KINDS
from circularity.projection.scenario import Scenario

__all__ = ["check_references"]


def _ids(ledger: Any, table: str) -> set[str]:
    records = (getattr(ledger, "history", None) or {}).get(table) or ledger.records.get(table, ())
    return {r.id for r in records}


def _suggest(name: str, known: set[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean '{close[0]}'?" if close else ""


def check_references(scenario: Scenario, ledger: Any) -> None:
    """Raise :class:`ScenarioError` naming the key of the first unknown entity, deal or kind.

    Deals and entities count if the ledger knew them at any time (its history), so a scenario
    runs on an earlier as-of date even when it overrides a deal announced later.
    """
    entities, deals = _ids(ledger, "entities"), _ids(ledger, "deals")
    c = scenario.contracts
    named: list[tuple[str, str, set[str], str]] = [
        ("headline_entity", scenario.headline_entity, entities, "entity"),
        *((f"entities.{e}", e, entities, "entity") for e in scenario.entities),
        *((f"events.{i}.entity", ev.entity, entities, "entity") for i, ev in enumerate(scenario.events)),
        *((f"contracts.scope.{e}", e, entities, "entity") for e in c.scope),
        *((f"contracts.payer_paths.{e}", e, entities, "entity") for e in c.payer_paths),
        *((f"contracts.deal_overrides.{d}", d, deals, "deal") for d in c.deal_overrides),
        *((f"contracts.exclude_deals.{d}", d, deals, "deal") for d in c.exclude_deals),
        *((f"kind_defaults.{k}", k, set(ENTITY_KINDS), "entity kind") for k in scenario.kind_defaults),
    ]
    for key, value, known, what in named:
        if value not in known:
            raise ScenarioError(
                f"scenario {scenario.name}: {key}: unknown {what} '{value}'{_suggest(value, known)}"
            )
