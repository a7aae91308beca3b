"""The ids a scenario names (entities, deals, entity kinds) must exist in the ledger it runs on.

A misspelt id in ``entities``, ``events`` or ``contracts.deal_overrides`` would otherwise be
ignored without a word and the projection would run on the defaults instead.
"""

from __future__ import annotations

from typing import Any

from circularity.errors import ScenarioError
from circularity.ledger.vocabulary import ENTITY_KINDS, POOL_KINDS
from circularity.projection.scenario import Scenario

__all__ = ["check_references"]


def _records(ledger: Any, table: str) -> Any:
    """A table's records over the ledger's whole history (as of now where it keeps none)."""
    return (getattr(ledger, "history", None) or {}).get(table) or ledger.records.get(table, ())


def _ids(ledger: Any, table: str) -> set[str]:
    return {r.id for r in _records(ledger, table)}


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
    res = scenario.resolution
    named += [
        *((f"resolution.secured.{e}", e, entities, "entity") for e in res.secured),
        *(
            (f"resolution.secured.{e}.deals", d, deals, "deal")
            for e, sd in res.secured.items()
            for d in sd.deals
        ),
        *((f"resolution.successors.{e}", e, entities, "entity") for e in res.successors),
        *(
            (f"resolution.successors.{e}.successor", s.successor, entities, "entity")
            for e, s in res.successors.items()
        ),
    ]
    cr = scenario.creditors
    either = entities | set(ENTITY_KINDS)
    named += [
        *(
            (f"creditors.{part}.{e}", e, either, "entity or entity kind")
            for part in ("debt", "equity")
            for e in getattr(cr, part)
        ),
        *(
            (f"creditors.{part}.{e}.creditor", h.creditor, entities, "entity")
            for part in ("debt", "equity")
            for e, h in getattr(cr, part).items()
        ),
        *((f"creditors.capacity.{e}", e, entities, "entity") for e in cr.capacity),
    ]
    for key, value, known, what in named:
        if value not in known:
            raise ScenarioError(
                f"scenario {scenario.name}: {key}: unknown {what} '{value}'{_suggest(value, known)}"
            )
    _check_secured(scenario, ledger)
    _check_creditors(scenario, ledger)


def _check_creditors(scenario: Scenario, ledger: Any) -> None:
    """A creditor is an outside capital pool (a lender or investor entity), and a capacity is
    given to an entity the section names as a creditor."""
    kind = {r.id: r.kind for r in _records(ledger, "entities")}
    cr = scenario.creditors
    named = {h.creditor for part in (cr.debt, cr.equity) for h in part.values()}
    for part in ("debt", "equity"):
        for e, h in getattr(cr, part).items():
            if kind.get(h.creditor) not in POOL_KINDS:
                raise ScenarioError(
                    f"scenario {scenario.name}: creditors.{part}.{e}.creditor: '{h.creditor}' is a "
                    f"{kind.get(h.creditor)}, not a creditor; name a {' or '.join(POOL_KINDS)} entity"
                )
    for e in cr.capacity:
        if e not in named:
            raise ScenarioError(
                f"scenario {scenario.name}: creditors.capacity.{e}: '{e}' holds no debt or equity in "
                "creditors.debt or creditors.equity; name it there as a creditor, or drop its capacity"
            )


#: deal kinds that are debt of their payee (the borrower)
DEBT_KINDS = ("loan", "bond")


def _check_secured(scenario: Scenario, ledger: Any) -> None:
    """A seniority must name debt: each secured deal is a loan or bond the named entity owes."""
    by_id = {r.id: r for r in _records(ledger, "deals")}
    for e, sd in scenario.resolution.secured.items():
        for d in sd.deals:
            r = by_id[d]
            if r.kind not in DEBT_KINDS or r.payee != e:
                raise ScenarioError(
                    f"scenario {scenario.name}: resolution.secured.{e}.deals: {d} is a {r.kind} "
                    f"from {r.payer} to {r.payee}, not debt that {e} owes; name a loan or bond "
                    f"({'/'.join(DEBT_KINDS)}) whose borrower (payee) is {e}"
                )
