"""Scenario parameters resolved into arrays before the quarter loop.

:func:`resolve_params` turns a validated :class:`~circularity.projection.scenario.Scenario`, the
compiled web's starting figures and per-scenario ``overrides`` into :class:`Params` (arrays
``[S, n]`` and paths ``[S, T]``); :func:`event_arrays` turns the scenario's events into per-quarter
multipliers. Nothing here depends on the state of a quarter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.errors import ScenarioError
from circularity.ledger.dates import quarter_number
from circularity.projection.scenario import (
    ENTITY_PATHS,
    ENTITY_SCALARS,
    Path,
    Scenario,
    path_values,
)
from circularity.valuation.market_value import fill_equity_values

__all__ = [
    "OPERATING",
    "Params",
    "event_arrays",
    "override_paths",
    "resolve_params",
    "scenario_count",
    "slice_events",
    "slice_params",
    "squeeze",
]


#: contract kinds whose payments are operating costs of the payer and revenue of the payee
OPERATING = ("compute", "lease", "backstop")
_FIN_FALLBACK = {
    "cash": "cash",
    "debt": "debt",
    "market_value": "market_value",
    "revenue_annual": "revenue_annual",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Params:
    """Resolved parameters of S scenarios (before the quarter loop)."""

    ent: dict[str, Array]  # (S, n)
    glob: dict[str, Array]  # (S,) scalars, (S, T) paths
    out_rev: Array  # (S or 1, n, T) outside revenue per quarter before shocks
    opex_fixed: Array  # (S or 1, n, T) fixed outside opex per quarter
    capex_fixed: Array  # (1, n, T) outside capex per quarter from a capex path (added to the ratio)
    ncf: Array  # (n,) bool: entity follows a net cash flow path
    ncf_q: Array  # (n, T) quarterly net cash flow for those
    channels: Any = None  # the scenario's Channels (issue 13), None: the engine without them
    market_financing: bool = False  # globals.market_priced_financing
    revenue_multiple: bool = False  # globals.valuation_method == "revenue_multiple"


def override_paths(web: Web, scenario: Scenario) -> tuple[str, ...]:
    """Every dotted path :func:`run_projection` accepts in ``overrides``."""
    out = [
        f"globals.{k}"
        for k in (
            "gpu_life_years",
            "backlog_multiple",
            "cancel_multiple",
            "rate_floor",
            "value_revenue_elasticity",
            "default_value_loss",
            "default_materiality",
            "recovery_rate",
            "relet_haircut",
            "credit_appetite",
            "equity_appetite",
            "power_delivery",
        )
    ]
    out += ["channels.rate_shift"]  # added to the channels' rate path (Monte Carlo, tornado)
    out += [f"defaults.{f}" for f in (*ENTITY_SCALARS, *ENTITY_PATHS)]
    out += [f"entities.{e}.{f}" for e in web.entities for f in (*ENTITY_SCALARS, *ENTITY_PATHS)]
    out += [f"events.{k}.value" for k in range(len(scenario.events))]
    return tuple(out)


def scenario_count(overrides: Mapping[str, Any], n_scenarios: int | None) -> int:
    sizes = {np.shape(v)[0] for v in overrides.values() if np.ndim(v) >= 1}
    if len(sizes) > 1:
        raise ScenarioError(f"override arrays have different lengths {sorted(sizes)}; give one S")
    S = sizes.pop() if sizes else (n_scenarios or 1)
    if n_scenarios is not None and S != n_scenarios:
        raise ScenarioError(f"override arrays have {S} rows but n_scenarios={n_scenarios}")
    return int(S)


def resolve_params(web: Web, sc: Scenario, ov: Mapping[str, Any], S: int) -> Params:
    n, T, q = web.n, web.T, web.quarters
    known = set(override_paths(web, sc))
    for key in ov:
        if key not in known:
            raise ScenarioError(
                f"override '{key}' is not a parameter of this run; e.g. globals.gpu_life_years, "
                "entities.<id>.revenue_growth, defaults.opex_ratio, events.<k>.value"
            )
    for e in sc.entities:
        if e not in web.entities:
            raise ScenarioError(
                f"scenario names entity '{e}' that is not in the ledger; entities: {', '.join(web.entities)}"
            )

    kinds = dict(zip(web.entities, web.entity_kinds, strict=True))

    def pick(e: str, f: str) -> Any:
        for layer in (sc.entities.get(e), sc.kind_defaults.get(kinds[e])):
            v = getattr(layer, f, None) if layer is not None else None
            if v is not None:
                return v
        return getattr(sc.defaults, f, None)

    ent: dict[str, Array] = {}
    for f in ENTITY_SCALARS:
        col = np.full((S, n), np.nan)
        for i, e in enumerate(web.entities):
            p = pick(e, f)
            if p is not None:
                col[:, i] = p.value
            elif f in _FIN_FALLBACK:
                col[:, i] = web.financials[_FIN_FALLBACK[f]][i]
            if f"defaults.{f}" in ov and p is getattr(sc.defaults, f, None):
                col[:, i] = np.asarray(ov[f"defaults.{f}"], dtype=float)
            if f"entities.{e}.{f}" in ov:
                col[:, i] = np.asarray(ov[f"entities.{e}.{f}"], dtype=float)
        ent[f] = col
    # what the ledger and the scenario leave empty
    life = sc.globals.gpu_life_years.value
    g_life = np.asarray(ov.get("globals.gpu_life_years", life), dtype=float) * np.ones(S)
    ent["useful_life_years"] = np.where(
        np.isnan(ent["useful_life_years"]), g_life[:, None], ent["useful_life_years"]
    )
    # unknown is not zero: a market value neither the scenario nor the ledger gives is filled from
    # the entity's revenue by the valuation module's named peer multiple (the stress test's rule);
    # what stays unknown is flagged (NaN in the valuation columns) and holds 0 only as the engine's
    # base for raising equity
    fill, _ = fill_equity_values(
        web.financials["market_value"], web.financials["revenue_annual"], web.entity_kinds
    )
    ent["market_value"] = np.where(np.isnan(ent["market_value"]), fill[None, :], ent["market_value"])
    ent["market_value_known"] = np.isfinite(ent["market_value"]).astype(float)
    for f, fill_value in (
        ("cash", 0.0),
        ("debt", 0.0),
        ("market_value", 0.0),
        ("revenue_annual", 0.0),
        ("capital_stock", 0.0),
        ("revenue_scale", 1.0),
        ("refinance_share", 0.0),
    ):
        ent[f] = np.nan_to_num(ent[f], nan=fill_value)

    glob: dict[str, Array] = {}
    for f in (
        "gpu_life_years",
        "backlog_multiple",
        "cancel_multiple",
        "rate_floor",
        "default_value_loss",
        "default_materiality",
        "recovery_rate",
        "relet_haircut",
        "value_revenue_elasticity",
    ):
        val = getattr(sc.globals, f).value
        if (
            f == "backlog_multiple"
            and sc.globals.use_ledger_backlog_multiple
            and np.isfinite(web.backlog_multiple)
        ):
            val = web.backlog_multiple
        if (
            f == "cancel_multiple"
            and sc.globals.use_ledger_backlog_multiple
            and np.isfinite(getattr(web, "cancel_multiple", np.nan))
        ):
            val = web.cancel_multiple
        glob[f] = np.asarray(ov.get(f"globals.{f}", val), dtype=float) * np.ones(S)
    glob["rate_shift"] = np.asarray(ov.get("channels.rate_shift", 0.0), dtype=float) * np.ones(S)
    for f in ("credit_appetite", "equity_appetite", "power_delivery"):
        base = path_values(getattr(sc.globals, f), q)[None, :] * np.ones((S, 1))
        if f"globals.{f}" in ov:
            base = np.asarray(ov[f"globals.{f}"], dtype=float).reshape(S, -1) * np.ones((S, T))
        glob[f] = base

    glob = {k: (squeeze(v) if v.ndim == 2 else squeeze(v[:, None])[:, 0]) for k, v in glob.items()}
    # outside revenue: path (absolute, by year) or base × growth; then × revenue_scale
    web_rev = _web_receipts_first_year(web)
    per_entity_paths = (
        any(f"entities.{e}.revenue_growth" in ov for e in web.entities) or "defaults.revenue_growth" in ov
    )
    Sr = S if per_entity_paths else 1
    out_rev = np.zeros((Sr, n, T))
    opex_fixed = np.zeros((1, n, T))
    capex_fixed = np.zeros((1, n, T))
    ncf = np.zeros(n, dtype=bool)
    ncf_q = np.zeros((n, T))
    years = np.arange(T) / 4.0
    for i, e in enumerate(web.entities):
        own = sc.entities.get(e)
        base_q = max(ent["revenue_annual"][0, i] / 4.0 - web_rev[i], 0.0)
        if own is not None and own.net_cash_flow_path is not None:
            ncf[i] = True
            ncf_q[i] = path_values(own.net_cash_flow_path, q) / 4.0
            continue
        anchors = _revenue_anchors(own, q)
        if anchors is not None:
            out_rev[:, i, :] = anchors / 4.0
        else:
            g_path: Path = pick(e, "revenue_growth")
            g = path_values(g_path, q)[None, :] * np.ones((Sr, 1))
            for key in ("defaults.revenue_growth", f"entities.{e}.revenue_growth"):
                if key in ov and (key.startswith("entities") or own is None or own.revenue_growth is None):
                    g = np.asarray(ov[key], dtype=float).reshape(-1, 1) * np.ones((Sr, T))
            # quarterly compounding of the yearly growth in force, from the first quarter
            step = np.log1p(np.maximum(g, -0.99)) / 4.0
            factor = np.exp(np.cumsum(step, axis=1) - step[:, :1])
            out_rev[:, i, :] = base_q * factor
        op = pick(e, "opex_path")
        if op is not None:
            opex_fixed[0, i, :] = path_values(op, q) / 4.0
        cp = pick(e, "capex_path")
        if cp is not None:
            capex_fixed[0, i, :] = path_values(cp, q) / 4.0
    del years
    return Params(
        ent=ent,
        glob=glob,
        out_rev=out_rev,
        opex_fixed=opex_fixed,
        capex_fixed=capex_fixed,
        ncf=ncf,
        ncf_q=ncf_q,
        channels=sc.channels,
        market_financing=sc.globals.market_priced_financing,
        revenue_multiple=sc.globals.valuation_method == "revenue_multiple",
    )


def _revenue_anchors(own: Any, q: Sequence[str]) -> Array | None:
    """Annual outside revenue per quarter from a revenue path and market segments, or None."""
    if own is None or (own.revenue_path is None and not own.revenue_segments):
        return None
    points: dict[str, float] = {}
    source = "segments"
    if own.revenue_path is not None:
        v = own.revenue_path.value
        points.update(v if isinstance(v, dict) else {q[0][:4]: float(v)})
        source = own.revenue_path.source
    if own.revenue_segments:
        years = set.intersection(
            *[set(s.size.value) if isinstance(s.size.value, dict) else set() for s in own.revenue_segments]
        )
        for y in years:
            qy = [f"{y}Q1"] if y.isdigit() else [y]
            points[y] = float(
                sum(path_values(s.size, qy)[0] * path_values(s.share, qy)[0] for s in own.revenue_segments)
            )
    return path_values(Path(value=points, source=source, interpolate="log"), tuple(q))


def _web_receipts_first_year(web: Web) -> Array:
    """Average quarterly operating receipts of each entity in the first year (to net out)."""
    rec = np.zeros(web.n)
    first = min(4, web.T)
    for k in range(web.m):
        if web.kind[k] in (*OPERATING, "hardware"):
            rec[web.payee[k]] += web.schedule[k, :first].sum() / first
    return rec


def event_arrays(web: Web, sc: Scenario, ov: Mapping[str, Any], S: int) -> dict[str, Any]:
    """Event multipliers ``(T, 1 or S, n)`` for revenue, credit and equity capacity, and the
    one-off pay cuts ``{t: (1 or S, n)}`` (``(1, n)`` unless an event value is overridden)."""
    T, n = web.T, web.n
    Se = S if any(k.startswith("events.") for k in ov) else 1
    out: dict[str, Any] = {k: np.ones((T, Se, n)) for k in ("revenue", "credit", "equity")}
    pay: dict[int, Array] = {}
    qabs = [quarter_number(x) for x in web.quarters]
    for k, ev in enumerate(sc.events):
        val = np.asarray(ov.get(f"events.{k}.value", ev.value), dtype=float) * np.ones(Se)
        targets = (
            range(n) if ev.entity == "*" else [web.index(ev.entity)] if ev.entity in web.entities else None
        )
        if targets is None:
            raise ScenarioError(f"event {k} ({ev.kind} {ev.quarter}) names unknown entity '{ev.entity}'")
        a = quarter_number(ev.quarter)
        b = quarter_number(ev.until) if ev.until else 10**9
        mask = np.array([a <= x <= b for x in qabs])
        for i in targets:
            if ev.kind == "revenue_shock":
                out["revenue"][mask, :, i] *= val[None, :]
            elif ev.kind == "credit_closed":
                out["credit"][mask, :, i] *= val[None, :]
            elif ev.kind == "equity_closed":
                out["equity"][mask, :, i] *= val[None, :]
            elif ev.kind == "pay_ratio" and a in qabs:
                t = qabs.index(a)
                pay.setdefault(t, np.ones((Se, n)))[:, i] *= val
    out["pay"] = pay
    return out


def slice_params(P: Params, sl: slice, S: int) -> Params:
    def cut(a: Array) -> Array:
        return a[sl] if a.shape[0] == S and S > 1 else a

    return Params(
        ent={k: cut(v) for k, v in P.ent.items()},
        glob={k: cut(v) for k, v in P.glob.items()},
        out_rev=cut(P.out_rev),
        opex_fixed=P.opex_fixed,
        capex_fixed=P.capex_fixed,
        ncf=P.ncf,
        ncf_q=P.ncf_q,
        channels=P.channels,
        market_financing=P.market_financing,
        revenue_multiple=P.revenue_multiple,
    )


def slice_events(ev: Mapping[str, Any], sl: slice, S: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("revenue", "credit", "equity"):
        out[k] = ev[k][:, sl] if ev[k].shape[1] == S and S > 1 else ev[k]
    out["pay"] = {t: (v[sl] if v.shape[0] == S and S > 1 else v) for t, v in ev["pay"].items()}
    return out


def squeeze(a: Array) -> Array:
    """``(S, n)`` → ``(1, n)`` when every scenario holds the same values (broadcasts)."""
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[0] > 1 and (a == a[:1]).all():
        return a[:1].copy()
    return a
