"""The model's predictions at a cutoff: Monte Carlo over the engine from the cutoff to the horizon.

Nothing here reads outcomes: :func:`predict` takes the ledger and keeps only what
:func:`~circularity.backtest.model_input.model_view` lets through. The engine is used through its
public entry points (``compile_for``/``compile_web``, the Monte Carlo
:class:`~circularity.montecarlo.projection_model.ProjectionModel`), with the engine's baseline
defaults and the shipped default uncertainty restricted to the parameters this web has.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import yaml

from circularity._typing import Array
from circularity.backtest.baselines import (
    altman_z2,
    latest_by_entity,
    leverage,
    runway_quarters,
)
from circularity.backtest.model_input import backtest_scenario, model_view, quarters_for
from circularity.backtest.period import Period, load_period, period_for
from circularity.backtest.starting_state import POOL_KINDS, EntityState, starting_states
from circularity.backtest.uncertainty import firm_draws, load_firm_uncertainty, recovery_draws
from circularity.errors import BacktestError
from circularity.ledger import Ledger
from circularity.ledger.dates import period_bounds
from circularity.ledger.records import Deal, Entity, Financial, Source

__all__ = ["Predictions", "RunSetup", "knowledge_start", "predict", "setup_run", "uncertainty_for"]

_UNCERTAINTY = "circularity/montecarlo/default_uncertainty.yaml"


@dataclass(frozen=True, slots=True, kw_only=True)
class Predictions:
    """Per-entity predictions of one backtest run (arrays over ``entities``)."""

    dataset: str
    cutoff: date
    horizon: date
    draws: int
    seed: int
    period: Period
    quarters: tuple[str, ...]
    entities: tuple[str, ...]  # operating entities of the web at the cutoff
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    p_default: Array
    median_default_q: Array  # quarter index among defaulting draws; -1 when none defaults
    states: dict[str, EntityState]
    runway: tuple[float | None, ...]
    z_score: tuple[float | None, ...]
    leverage: tuple[float | None, ...]
    vendor_losses: dict[str, Array]  # vendor id → (draws,) projected losses, USD bn
    market_value_lost: Array  # (draws,) USD bn, operating entities
    parameters: tuple[str, ...]
    recovery_rate: float
    notes: list[str] = field(default_factory=list)


def knowledge_start(ledger: Ledger) -> date:
    """The first day any record of the ledger was public (earliest announcement or publication)."""
    days = [d.announced for d in ledger.records.get("deals", ()) if isinstance(d, Deal)]
    days += [
        period_bounds(s.published)[1] for s in ledger.records.get("sources", ()) if isinstance(s, Source)
    ]
    if not days:
        raise BacktestError("the ledger has no dated records")
    return min(days)


def uncertainty_for(web: Any, scenario: Any) -> Any:
    """The shipped default uncertainty, restricted to the parameters of this web and scenario."""
    from circularity.montecarlo.distributions import parse_parameter_space
    from circularity.projection import override_paths

    raw = yaml.safe_load(
        resources.files("circularity.montecarlo").joinpath("default_uncertainty.yaml").read_text()
    )
    known = set(override_paths(web, scenario))
    dists = {}
    for key, spec in (raw.get("distributions") or {}).items():
        if key.removeprefix("scale:") in known:
            dists[key] = {k: v for k, v in spec.items() if k != "source"}
    corr = raw.get("correlation")
    if corr:
        keep = [i for i, p in enumerate(corr["params"]) if p in dists]
        corr = (
            {
                "params": [corr["params"][i] for i in keep],
                "matrix": [[corr["matrix"][i][j] for j in keep] for i in keep],
            }
            if len(keep) > 1
            else None
        )
    return parse_parameter_space(dists, corr, source=f"{_UNCERTAINTY} (restricted to this web)")


def _vendor_exposure(web: Any, vendor: int) -> list[tuple[int, Array]]:
    """(customer, exposure by quarter) of each loan or guarantee a vendor gave.

    A loan's exposure in quarter ``t`` is its principal at the start of the horizon plus what was
    drawn by ``t`` less what was repaid before ``t``; a guarantee's is what it still has to pay.
    """
    T = web.T
    out: list[tuple[int, Array]] = []
    legs: dict[str, dict[str, list[int]]] = {}
    for k in range(web.m):
        legs.setdefault(web.deal_id[k], {}).setdefault(web.kind[k], []).append(k)
    for ks in legs.values():
        for k in ks.get("backstop", []):
            if int(web.payer[k]) == vendor:
                out.append((int(web.payee[k]), np.cumsum(web.schedule[k, ::-1])[::-1]))
        draw = [k for k in ks.get("loan", []) if int(web.payer[k]) == vendor]
        back = [k for k in ks.get("interest", []) + ks.get("repayment", []) if int(web.payee[k]) == vendor]
        if not draw and not back:
            continue
        borrower = int(web.payee[draw[0]]) if draw else int(web.payer[back[0]])
        p0 = max((float(web.principal[k]) for k in back), default=0.0)
        drawn = np.cumsum(sum((web.schedule[k] for k in draw), np.zeros(T)))
        rep = sum(
            (web.schedule[k] for k in ks.get("repayment", []) if int(web.payee[k]) == vendor), np.zeros(T)
        )
        repaid = np.concatenate([[0.0], np.cumsum(rep)[:-1]])
        out.append((borrower, np.maximum(p0 + drawn - repaid, 0.0)))
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSetup:
    """What a run at a cutoff is built from: the gated view, the period, the compiled web and scenario."""

    period: Period
    view: Ledger
    web: Any
    scenario: Any
    states: dict[str, EntityState]
    headline: str
    vendors: list[str]
    financials: list[Financial]


def setup_run(
    ledger: Ledger, *, dataset: str, cutoff: date, horizon: date, period: str | None = None
) -> RunSetup:
    """The engine's web and scenario for ``ledger`` as public at ``cutoff``, projected to ``horizon``.

    The engine's baseline defaults (without another dataset's named settings), the period's market
    facts and each entity's labelled starting state (:func:`~.model_input.backtest_scenario`); used by
    :func:`predict` and by ``project``/``stress`` on a historical dataset.

    Raises
    ------
    BacktestError
        Cutoff on or after the horizon, before the ledger's first record, or a period fact known
        only after the cutoff.
    """
    from circularity.projection import load_scenario
    from circularity.projection.pipeline import compile_for

    if cutoff >= horizon:
        raise BacktestError(f"cutoff {cutoff} is not before the horizon {horizon}")
    first = knowledge_start(ledger)
    if cutoff < first:
        raise BacktestError(f"cutoff {cutoff} is before the dataset's first record ({first})")
    per = load_period(period or period_for(cutoff))
    if per.latest_fact() > cutoff:
        raise BacktestError(
            f"period {per.name} holds a fact known on {per.latest_fact()}, after the cutoff {cutoff}"
        )
    view = model_view(ledger, cutoff)
    start, end = quarters_for(cutoff, horizon)
    kinds_of = {e.id: e.kind for e in view.records["entities"] if isinstance(e, Entity)}
    vendors = sorted(e for e, k in kinds_of.items() if k == "vendor")
    headline = vendors[0] if vendors else next(iter(kinds_of), "")
    base = load_scenario("baseline")
    name = f"backtest-{dataset}-{cutoff.isoformat()}"
    sc0 = backtest_scenario(base, per, name=name, start=start, end=end, headline=headline)
    web = compile_for(sc0, view)
    fins = [f for f in view.records.get("financials", ()) if isinstance(f, Financial)]
    states = starting_states(
        web.entities,
        web.entity_kinds,
        web.financials,
        fins,
        default_capex_ratio=sc0.defaults.capex_ratio.value,
        default_opex_ratio=sc0.defaults.opex_ratio.value,
    )
    sc = backtest_scenario(base, per, name=name, start=start, end=end, headline=headline, states=states)
    return RunSetup(
        period=per,
        view=view,
        web=web,
        scenario=sc,
        states=states,
        headline=headline,
        vendors=vendors,
        financials=fins,
    )


def predict(
    ledger: Ledger,
    *,
    dataset: str,
    cutoff: date,
    horizon: date,
    n: int = 2000,
    seed: int = 7,
    period: str | None = None,
    recovery_rate: float | None = None,
) -> Predictions:
    """Run the engine from ``cutoff`` to ``horizon`` on what was public at the cutoff.

    ``recovery_rate`` replaces the period's recovery on defaulted customer financing (a calibrated
    value, :mod:`~circularity.backtest.calibrate`); it changes the vendor losses only.

    Raises
    ------
    BacktestError
        Cutoff on or after the horizon, before the ledger's first record, or a period fact
        known only after the cutoff.
    """
    from circularity.montecarlo.projection_model import ProjectionModel
    from circularity.montecarlo.sampling import draw_parameters

    if n < 1:
        raise BacktestError(f"--n {n}: give at least one draw")
    setup = setup_run(ledger, dataset=dataset, cutoff=cutoff, horizon=horizon, period=period)
    per, view, web, sc, states, headline = (
        setup.period,
        setup.view,
        setup.web,
        setup.scenario,
        setup.states,
        setup.headline,
    )
    vendors, fins = setup.vendors, setup.financials
    space = uncertainty_for(web, sc)
    params = draw_parameters(space, seed, 0, n)
    firm = load_firm_uncertainty()
    ops = [i for i, k in enumerate(web.entity_kinds) if k not in POOL_KINDS]
    # the firm's growth is the draw's common growth plus its own error (backtest/uncertainty.yaml)
    g = sc.defaults.revenue_growth.value
    if "defaults.revenue_growth" in params:
        common = np.asarray(params["defaults.revenue_growth"], dtype=float)
    elif isinstance(g, int | float):
        common = np.full(n, float(g))
    else:
        raise BacktestError("the engine's default revenue_growth is a path by year; a backtest draws a rate")
    params = {
        **params,
        **firm_draws(states, [web.entities[i] for i in ops], common, n=n, seed=seed, settings=firm),
    }
    model = ProjectionModel(
        web=web, scenario=sc, entities=tuple(web.entities), quarters=tuple(web.quarters), focus=headline
    )
    out = model(params)
    dflt = np.asarray(out["defaulted"], dtype=bool)  # (S, n, T)
    ever = dflt[:, :, -1]
    first_q = np.where(ever, dflt.argmax(axis=2), -1)
    p = ever[:, ops].mean(axis=0)
    med = np.array(
        [int(np.median(first_q[ever[:, i], i])) if ever[:, i].any() else -1 for i in ops], dtype=np.int64
    )
    mv = np.asarray(out["market_value"], dtype=float)
    mv_lost = np.nansum(np.maximum(mv[:, ops, 0] - mv[:, ops, -1], 0.0), axis=1)  # NaN: unknown, left out
    rec = per.recovery_rate if recovery_rate is None else recovery_rate
    rec_draw = recovery_draws(rec, n=n, seed=seed, settings=firm)
    losses: dict[str, Array] = {}
    for v in vendors:
        vi = web.index(v)
        total = np.zeros(n)
        for b, exposure in _vendor_exposure(web, vi):
            q = first_q[:, b]
            hit = q >= 0
            total[hit] += exposure[q[hit]] * (1.0 - rec_draw[hit])
        losses[v] = total
    # baselines on the same point-in-time data
    ids = tuple(web.entities[i] for i in ops)
    ni = latest_by_entity(fins, "net_income", annualise=True)
    undrawn = latest_by_entity(fins, "undrawn_credit")
    assets = latest_by_entity(fins, "total_assets")
    wc = latest_by_entity(fins, "working_capital")
    re_ = latest_by_entity(fins, "retained_earnings")
    ebit = latest_by_entity(fins, "operating_income", annualise=True)
    liab = latest_by_entity(fins, "total_liabilities")
    nan = float("nan")
    runway, zs, levs = [], [], []
    for i in ops:
        e = web.entities[i]
        runway.append(
            runway_quarters(
                float(web.financials["cash"][i]),
                undrawn.get(e, nan),
                float(web.financials["ebitda_annual"][i]),
                ni.get(e, nan),
            )
        )
        debt = float(web.financials["debt"][i])
        ta = assets.get(e, nan)
        tl = liab.get(e, nan)
        zs.append(altman_z2(wc.get(e, nan), re_.get(e, nan), ebit.get(e, nan), ta, ta - tl, tl))
        levs.append(leverage(debt, ta))
    names = {e.id: e.name for e in view.records["entities"] if isinstance(e, Entity)}
    return Predictions(
        dataset=dataset,
        cutoff=cutoff,
        horizon=horizon,
        draws=n,
        seed=seed,
        period=per,
        quarters=tuple(web.quarters),
        entities=ids,
        names=tuple(names[e] for e in ids),
        kinds=tuple(web.entity_kinds[i] for i in ops),
        p_default=p,
        median_default_q=med,
        states=states,
        runway=tuple(runway),
        z_score=tuple(zs),
        leverage=tuple(levs),
        vendor_losses=losses,
        market_value_lost=mv_lost,
        parameters=(*space.names, *firm.describe()),
        recovery_rate=rec,
        notes=[f"skipped deal {d}: {why}" for d, why in web.skipped],
    )
