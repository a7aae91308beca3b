"""What a backtest run may see: the ledger at the cutoff, without outcomes, and its scenario.

:func:`model_view` is the point-in-time gate: deals announced, financials published and
sources out by the cutoff; entities that appear in one of those records (an entity known only
from later records is not in the web); no outcomes at all. :func:`backtest_scenario` is the
engine's baseline scenario (its default assumptions, without the entity- and deal-specific
settings of another dataset), the period's market facts, and the starting state of each entity.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from circularity.backtest.period import Period
from circularity.backtest.starting_state import FIELDS, EntityState
from circularity.ledger import Ledger
from circularity.ledger.dates import period_bounds
from circularity.ledger.records import Deal, Entity, Financial, Source

__all__ = ["backtest_scenario", "model_view", "quarters_for"]


def model_view(ledger: Ledger, cutoff: date) -> Ledger:
    """The ledger as public on ``cutoff``, with only entities known then and no outcomes."""
    led = ledger.at(cutoff)
    deals = [d for d in led.records.get("deals", ()) if isinstance(d, Deal)]
    fins = [f for f in led.records.get("financials", ()) if isinstance(f, Financial)]
    known = {d.payer for d in deals} | {d.payee for d in deals} | {f.entity for f in fins}
    entities = tuple(e for e in led.records.get("entities", ()) if isinstance(e, Entity) and e.id in known)
    used = {s for d in deals for s in d.sources} | {s for f in fins for s in f.sources}
    sources = tuple(
        s
        for s in led.records.get("sources", ())
        if isinstance(s, Source) and (s.id in used or period_bounds(s.published)[1] <= cutoff)
    )
    records = dict(led.records)
    records.update(entities=entities, sources=sources, outcomes=())
    return Ledger(records=records, meta=led.meta, as_of=cutoff)


def _quarter(d: date) -> tuple[int, int]:
    return d.year, (d.month - 1) // 3 + 1


def quarters_for(cutoff: date, horizon: date) -> tuple[str, str]:
    """First quarter that starts after the cutoff, and the horizon's quarter."""
    y, q = _quarter(cutoff)
    y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    hy, hq = _quarter(horizon)
    return f"{y}Q{q}", f"{hy}Q{hq}"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "value" not in v:
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def backtest_scenario(
    base: Any,
    period: Period,
    *,
    name: str,
    start: str,
    end: str,
    headline: str,
    states: dict[str, EntityState] | None = None,
) -> Any:
    """The engine's scenario for a backtest.

    Parameters
    ----------
    base : the engine's baseline :class:`~circularity.projection.Scenario` (its defaults).
    period : the period's market facts (:func:`~circularity.backtest.period.load_period`).
    states : starting states; each value becomes an entity assumption whose source says
        ``data: ...`` or ``filled: <rule>``.
    """
    from circularity.projection import Scenario
    from circularity.projection.scenario import Channels

    data = base.model_dump(mode="json", exclude_none=True)
    # the baseline's named entities, deals and prices belong to its own dataset, not this one
    data["entities"] = {}
    contracts = dict(data.get("contracts") or {})
    for key in ("exclude_deals", "deal_overrides", "per_gw_usd_bn", "payer_paths", "scope"):
        contracts[key] = {}
    data["contracts"] = contracts
    if data.get("channels"):
        data["channels"] = {k: ({} if k in Channels.ENTITY_MAPS else v) for k, v in data["channels"].items()}
    data.pop("resolution", None)
    data.pop("creditors", None)  # the AI web's bond, bank and private-credit holders are not this dataset's
    data["events"] = []
    data.pop("extends", None)
    data.update(name=name, horizon={"start": start, "end": end}, headline_entity=headline)
    data["description"] = f"engine baseline defaults + period {period.name} + starting states"
    data = _merge(data, period.scenario)
    for e, st in (states or {}).items():
        data["entities"][e] = {
            f: {"value": st.values[f], "source": st.basis[f]} for f in FIELDS if f in st.values
        }
    return Scenario.model_validate(data)
