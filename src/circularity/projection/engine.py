"""The projection engine: every entity, quarter by quarter, every scenario at once.

:func:`run_projection` is a pure function of a compiled :class:`~circularity.compile.Web`, a
:class:`~circularity.projection.scenario.Scenario` and optional per-scenario parameter arrays.
Arrays are ``[scenarios, entities]`` (and ``[scenarios, contracts]``); the only Python loop is
over quarters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity.compile import Web
from circularity.contagion import clear_payments
from circularity.errors import ScenarioError
from circularity.projection.accounting import check_quarter
from circularity.projection.results import COLUMNS, ProjectionResult, headlines_from
from circularity.projection.scenario import (
    ENTITY_PATHS,
    ENTITY_SCALARS,
    Path,
    Scenario,
    path_values,
)

__all__ = ["run_projection", "override_paths"]

Array = np.ndarray[Any, Any]

_OPERATING = ("compute", "lease", "backstop")
# contract categories: how a payment shows in the payer's and the payee's books
_CATS = ("operating", "hardware", "equity", "lending", "repayment", "interest")
_CAT_OF = {
    "compute": 0, "lease": 0, "backstop": 0, "hardware": 1, "equity": 2, "loan": 3, "bond": 3,
    "repayment": 4, "interest": 5,
}
_EPS = 1e-6  # USD bn (USD 1,000): below this a revenue or EBITDA base is treated as zero
_FIN_FALLBACK = {"cash": "cash", "debt": "debt", "market_value": "market_value",
                 "revenue_annual": "revenue_annual"}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Params:
    ent: dict[str, Array]  # (S, n)
    glob: dict[str, Array]  # (S,) scalars, (S, T) paths
    out_rev: Array  # (S or 1, n, T) outside revenue per quarter before shocks
    opex_fixed: Array  # (S or 1, n, T) fixed outside opex per quarter
    ncf: Array  # (n,) bool: entity follows a net cash flow path
    ncf_q: Array  # (n, T) quarterly net cash flow for those


def override_paths(web: Web, scenario: Scenario) -> tuple[str, ...]:
    """Every dotted path :func:`run_projection` accepts in ``overrides``."""
    out = [f"globals.{k}" for k in ("gpu_life_years", "backlog_multiple", "rate_floor",
                                     "value_revenue_elasticity",
                                     "default_value_loss", "credit_appetite", "equity_appetite",
                                     "power_delivery")]
    out += [f"defaults.{f}" for f in (*ENTITY_SCALARS, *ENTITY_PATHS)]
    out += [f"entities.{e}.{f}" for e in web.entities for f in (*ENTITY_SCALARS, *ENTITY_PATHS)]
    out += [f"events.{k}.value" for k in range(len(scenario.events))]
    return tuple(out)


def _n_scen(overrides: Mapping[str, Any], n_scenarios: int | None) -> int:
    sizes = {np.shape(v)[0] for v in overrides.values() if np.ndim(v) >= 1}
    if len(sizes) > 1:
        raise ScenarioError(f"override arrays have different lengths {sorted(sizes)}; give one S")
    S = sizes.pop() if sizes else (n_scenarios or 1)
    if n_scenarios is not None and S != n_scenarios:
        raise ScenarioError(f"override arrays have {S} rows but n_scenarios={n_scenarios}")
    return int(S)


def _resolve(web: Web, sc: Scenario, ov: Mapping[str, Any], S: int) -> _Params:
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
            raise ScenarioError(f"scenario names entity '{e}' that is not in the ledger; entities: {', '.join(web.entities)}")

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
    ent["useful_life_years"] = np.where(np.isnan(ent["useful_life_years"]), g_life[:, None], ent["useful_life_years"])
    for f, fill in (("cash", 0.0), ("debt", 0.0), ("market_value", 0.0), ("revenue_annual", 0.0),
                    ("capital_stock", 0.0), ("revenue_scale", 1.0)):
        ent[f] = np.nan_to_num(ent[f], nan=fill)

    glob: dict[str, Array] = {}
    for f in ("gpu_life_years", "backlog_multiple", "rate_floor", "default_value_loss",
              "value_revenue_elasticity"):
        val = getattr(sc.globals, f).value
        if f == "backlog_multiple" and sc.globals.use_ledger_backlog_multiple and np.isfinite(web.backlog_multiple):
            val = web.backlog_multiple
        glob[f] = np.asarray(ov.get(f"globals.{f}", val), dtype=float) * np.ones(S)
    for f in ("credit_appetite", "equity_appetite", "power_delivery"):
        base = path_values(getattr(sc.globals, f), q)[None, :] * np.ones((S, 1))
        if f"globals.{f}" in ov:
            base = np.asarray(ov[f"globals.{f}"], dtype=float).reshape(S, -1) * np.ones((S, T))
        glob[f] = base

    # outside revenue: path (absolute, by year) or base × growth; then × revenue_scale
    web_rev = _web_receipts_first_year(web)
    per_entity_paths = any(f"entities.{e}.revenue_growth" in ov for e in web.entities) or "defaults.revenue_growth" in ov
    Sr = S if per_entity_paths else 1
    out_rev = np.zeros((Sr, n, T))
    opex_fixed = np.zeros((1, n, T))
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
            for key in (f"defaults.revenue_growth", f"entities.{e}.revenue_growth"):
                if key in ov and (key.startswith("entities") or own is None or own.revenue_growth is None):
                    g = np.asarray(ov[key], dtype=float).reshape(-1, 1) * np.ones((Sr, T))
            # quarterly compounding of the yearly growth in force, from the first quarter
            step = np.log1p(np.maximum(g, -0.99)) / 4.0
            factor = np.exp(np.cumsum(step, axis=1) - step[:, :1])
            out_rev[:, i, :] = base_q * factor
        op = pick(e, "opex_path")
        if op is not None:
            opex_fixed[0, i, :] = path_values(op, q) / 4.0
    del years
    return _Params(ent=ent, glob=glob, out_rev=out_rev, opex_fixed=opex_fixed, ncf=ncf, ncf_q=ncf_q)


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
        years = set.intersection(*[set(s.size.value) if isinstance(s.size.value, dict) else set() for s in own.revenue_segments])
        for y in years:
            qy = [f"{y}Q1"] if y.isdigit() else [y]
            points[y] = float(sum(path_values(s.size, qy)[0] * path_values(s.share, qy)[0] for s in own.revenue_segments))
    return path_values(Path(value=points, source=source, interpolate="log"), q)


def _web_receipts_first_year(web: Web) -> Array:
    """Average quarterly operating receipts of each entity in the first year (to net out)."""
    rec = np.zeros(web.n)
    first = min(4, web.T)
    for k in range(web.m):
        if web.kind[k] in (*_OPERATING, "hardware"):
            rec[web.payee[k]] += web.schedule[k, :first].sum() / first
    return rec


def _event_arrays(web: Web, sc: Scenario, ov: Mapping[str, Any], S: int) -> dict[str, Array]:
    """(S, n, T) multipliers from events: revenue, credit and equity capacity; pay cuts (S, n, T)."""
    T, n = web.T, web.n
    out = {k: np.ones((S, n, T)) for k in ("revenue", "credit", "equity")}
    pay = np.ones((S, n, T))  # one-off cut applied in that quarter
    qabs = [int(x[:4]) * 4 + int(x[-1]) - 1 for x in web.quarters]
    for k, ev in enumerate(sc.events):
        val = np.asarray(ov.get(f"events.{k}.value", ev.value), dtype=float) * np.ones(S)
        targets = range(n) if ev.entity == "*" else [web.index(ev.entity)] if ev.entity in web.entities else None
        if targets is None:
            raise ScenarioError(f"event {k} ({ev.kind} {ev.quarter}) names unknown entity '{ev.entity}'")
        a = int(ev.quarter[:4]) * 4 + int(ev.quarter[-1]) - 1
        b = (int(ev.until[:4]) * 4 + int(ev.until[-1]) - 1) if ev.until else 10**9
        mask = np.array([a <= x <= b for x in qabs])
        for i in targets:
            if ev.kind == "revenue_shock":
                out["revenue"][:, i, mask] *= val[:, None]
            elif ev.kind == "credit_closed":
                out["credit"][:, i, mask] *= val[:, None]
            elif ev.kind == "equity_closed":
                out["equity"][:, i, mask] *= val[:, None]
            elif ev.kind == "pay_ratio" and a in qabs:
                pay[:, i, qabs.index(a)] *= val
    out["pay"] = pay
    return out


def run_projection(
    web: Web,
    scenario: Scenario,
    overrides: Mapping[str, Any] | None = None,
    *,
    n_scenarios: int | None = None,
    record: Sequence[str] | None = None,
    check: bool = True,
    scenario_names: Sequence[str] | None = None,
) -> ProjectionResult:
    """Project every entity of ``web`` quarter by quarter under ``scenario``, S scenarios at once.

    Parameters
    ----------
    web : the compiled web (:func:`circularity.compile.compile_web`).
    scenario : validated scenario (:func:`~circularity.projection.scenario.load_scenario`).
    overrides : ``{dotted path: array (S,)}`` per-scenario values, e.g.
        ``{"globals.gpu_life_years": np.array([3, 4, 5]), "entities.openai.revenue_scale": ...}``;
        paths from :func:`override_paths`. Paths (appetites, growth) take ``(S,)`` (constant in
        time) or ``(S, T)``. All arrays share one ``S``.
    n_scenarios : S when no override array gives it (copies of one scenario).
    record : output columns to keep per quarter (default all of :data:`COLUMNS`); drop columns
        for large S (10,000 × 30 entities × 32 quarters is 77 MB per column).
    check : verify the accounting identities every quarter (raises ``AccountingError``).
    scenario_names : one label per scenario (default ``"<name>"`` or ``"<name>#k"``).

    Returns
    -------
    ProjectionResult

    Notes
    -----
    Quarter ``t``, arrays ``[S, n]``:

    1. outside flows: revenue ``R`` (path × events), costs ``opex·revenue``, outside capex,
       interest ``r·D_out/4`` with ``r = min(max_rate, max(rate, floor) + spread·max(0, D/EBITDA − 1))``,
       tax on last quarter's profit;
    2. obligations ``O = schedule[:, t] × cut`` (GW-linked schedules slowed by power delivered);
    3. financing: need ``= max(0, min_cash + O_out + maturities − cash − O_in)`` met by new debt up to
       ``leverage_limit·EBITDA·credit_appetite − D`` then equity up to ``equity_raise_q·MV·equity_appetite``;
    4. clearing: ``clear_payments`` (greatest Eisenberg–Noe vector on cash); a payer paying a
       ratio ``ρ < 1`` has its future commitments cut by ``ρ``;
    5. stocks: capital by vintage (straight line over the useful life), debt, book equity, market
       value ``MV = (I − H)^{-1}(own0·R̄/R̄0 + β·(backlog − backlog0))``.
    """
    ov = dict(overrides or {})
    S = _n_scen(ov, n_scenarios)
    P = _resolve(web, scenario, ov, S)
    ev = _event_arrays(web, scenario, ov, S)
    n, m, T = web.n, web.m, web.T
    keep = tuple(COLUMNS) if record is None else tuple(record)
    bad = [c for c in keep if c not in COLUMNS]
    if bad:
        raise ScenarioError(f"record: unknown column(s) {bad}; columns: {', '.join(COLUMNS)}")
    rec = {c: np.empty((T, S, n)) for c in keep}

    payer, payee = web.payer, web.payee
    cat = np.array([_CAT_OF.get(k, 0) for k in web.kind], dtype=np.int64)
    rows = np.concatenate([cat * n + payer, (6 + cat) * n + payee]) if m else np.zeros(0, np.int64)
    cols = np.concatenate([np.arange(m), np.arange(m)])
    Mt = sp.csr_matrix((np.ones(2 * m), (rows, cols)), shape=(12 * n, m))
    rec_mask = np.isin(np.array(web.kind), (*_OPERATING, "hardware")) if m else np.zeros(0, bool)
    Bin = sp.csr_matrix((rec_mask.astype(float), (np.arange(m), payee)), shape=(m, n))
    suffix = np.cumsum(web.schedule[:, ::-1], axis=1)[:, ::-1]  # remaining from t (incl.)
    sched = web.schedule
    cum_sched = np.cumsum(sched, axis=1)
    gw = web.gw_linked
    outside_payer = np.isin(np.array(web.entity_kinds)[payer], ("investor", "lender")) if m else np.zeros(0, bool)
    kinds_arr = np.array(web.kind)
    mkt_eq = outside_payer & (kinds_arr == "equity") if m else np.zeros(0, bool)
    mkt_cr = outside_payer & np.isin(kinds_arr, ("loan", "bond")) if m else np.zeros(0, bool)

    e = P.ent
    cash = e["cash"].copy()
    cash0 = cash.copy()
    debt_web = np.zeros((S, n))
    for k in range(m):  # principal outstanding at the start (loans drawn before the horizon)
        if web.kind[k] == "repayment":
            debt_web[:, payer[k]] += web.principal[k]
    debt_out = np.maximum(e["debt"] - debt_web, 0.0)
    life_q = np.maximum(np.rint(4 * e["useful_life_years"]).astype(np.int64), 1)
    K = e["capital_stock"].copy()
    legacy = K.copy()
    legacy_dep = K / np.maximum(life_q / 2.0, 1.0)
    dep_rate = np.zeros((S, n))
    cum_capex = np.zeros((S, n))
    cum_dep = np.zeros((S, n))
    capex_hist = np.zeros((T, S, n))
    ebitda_ann = np.where(np.isfinite(web.financials["ebitda_annual"]), web.financials["ebitda_annual"], 0.0) * np.ones((S, 1))
    rev0 = np.maximum(e["revenue_annual"], 0.0)
    rev_ring = np.repeat((rev0 / 4.0)[None], 4, axis=0)
    cut = np.ones((S, m))
    defaulted = np.zeros((S, n), dtype=bool)
    tax_due = np.zeros((S, n))
    H = web.holdings
    Minv = np.linalg.inv(np.eye(n) - H) if n else np.zeros((0, 0))
    mv0 = e["market_value"]
    own0 = np.maximum(mv0 - mv0 @ H.T, 0.0)
    backlog0 = np.asarray((Bin.T @ (cut * suffix[:, min(1, T - 1)]).T).T) if m else np.zeros((S, n))
    beta = P.glob["backlog_multiple"][:, None]
    loss = P.glob["default_value_loss"][:, None]
    elast = P.glob["value_revenue_elasticity"][:, None]
    mv = mv0.copy()
    ncf, ncf_q = P.ncf, P.ncf_q
    s_idx = np.arange(S)[:, None]
    n_idx = np.arange(n)[None, :]
    standalone = cash0.copy()
    need_min = np.zeros((S, n))
    need_by: dict[int, Array] = {}
    cash_out_q = np.full((S, n), -1, dtype=np.int64)
    first_def_q = np.full((S, n), -1, dtype=np.int64)

    for t in range(T):
        # 1. outside flows
        R_out = P.out_rev[:, :, t] * e["revenue_scale"] * ev["revenue"][:, :, t]
        R_out = np.where(ncf, np.maximum(ncf_q[:, t], 0.0), R_out)
        # 2. obligations due (GW-linked pacing by power delivered, cumulative)
        f_now = P.glob["power_delivery"][:, t][:, None]
        cut *= ev["pay"][:, payer, t]
        if gw.any():
            f_prev = P.glob["power_delivery"][:, t - 1][:, None] if t else np.zeros((S, 1))
            prev = cum_sched[:, t - 1] if t else np.zeros(m)
            gw_due = np.maximum(np.minimum(f_now, 1.0) * cum_sched[:, t] - np.minimum(f_prev, 1.0) * prev, 0.0)
            base_due = np.where(gw, gw_due, sched[:, t])
        else:
            base_due = np.broadcast_to(sched[:, t], (S, m))
        A = base_due * cut
        if mkt_eq.any() or mkt_cr.any():  # outside money moves only while markets are open
            A = A * np.where(mkt_eq, P.glob["equity_appetite"][:, t][:, None], 1.0)
            A = A * np.where(mkt_cr, P.glob["credit_appetite"][:, t][:, None], 1.0)
        flows_due = np.asarray((Mt @ A.T).T) if m else np.zeros((S, 12 * n))
        due_out = flows_due[:, :6 * n].reshape(S, 6, n).sum(axis=1)
        due_in = flows_due[:, 6 * n:].reshape(S, 6, n).sum(axis=1)
        exp_web_op_in = flows_due[:, 6 * n:7 * n] + flows_due[:, 7 * n:8 * n]
        revenue_est = R_out + exp_web_op_in
        opex_out = np.where(ncf, 0.0, e["opex_ratio"] * revenue_est + P.opex_fixed[:, :, t])
        capex_out = np.where(ncf, 0.0, e["capex_ratio"] * revenue_est)
        opex_out = np.where(ncf, np.maximum(-ncf_q[:, t], 0.0), opex_out)
        debt = debt_out + debt_web
        lev = np.where(ebitda_ann > _EPS, debt / np.where(ebitda_ann > _EPS, ebitda_ann, 1.0), np.inf)
        base_rate = np.maximum(e["rate"], P.glob["rate_floor"][:, None])
        rate = np.minimum(base_rate + e["spread_per_turn"] * np.maximum(lev - 1.0, 0.0), np.maximum(e["max_rate"], base_rate))
        rate = np.where(debt_out > 0, rate, base_rate)
        interest_out = rate * debt_out / 4.0
        outside_in = R_out
        outside_out = opex_out + capex_out + interest_out + tax_due
        cash_a = cash + outside_in - outside_out
        # 3. financing
        maturing = debt_out / np.maximum(4.0 * e["debt_maturity_years"], 1.0)
        need = np.maximum(e["min_cash"] + due_out + maturing - cash_a - due_in, 0.0)
        credit = P.glob["credit_appetite"][:, t][:, None] * ev["credit"][:, :, t]
        cap_debt = np.maximum(e["leverage_limit"] * np.maximum(ebitda_ann, 0.0) * credit - (debt - maturing), 0.0)
        new_debt = np.where(defaulted, 0.0, np.minimum(need, cap_debt))
        equity_ok = P.glob["equity_appetite"][:, t][:, None] * ev["equity"][:, :, t]
        cap_eq = e["equity_raise_q"] * np.maximum(mv, 0.0) * equity_ok
        new_equity = np.where(defaulted, 0.0, np.minimum(need - new_debt, cap_eq))
        fin_in = new_debt + new_equity
        fin_out = maturing
        cash_b = cash_a + fin_in - fin_out
        # 4. clearing
        if m:
            res = clear_payments(payer, payee, A, np.maximum(cash_b, 0.0), n=n)
            ep = res.edge_payments
            flows = np.asarray((Mt @ ep.T).T)
            ratio = res.ratio
        else:
            flows = np.zeros((S, 12 * n))
            ratio = np.ones((S, n))
        paid_c = flows[:, :6 * n].reshape(S, 6, n)
        recv_c = flows[:, 6 * n:].reshape(S, 6, n)
        paid, received = paid_c.sum(axis=1), recv_c.sum(axis=1)
        shortfall = np.maximum(due_out - paid, 0.0)
        cut *= np.where(ratio < 1.0, ratio, 1.0)[:, payer]
        cash_new = cash_b - paid + received
        # 5. stocks and books
        capex = capex_out + paid_c[:, 1]
        capex_hist[t] = capex
        dep_new = dep_rate.copy()
        leg = np.minimum(legacy_dep, legacy)
        legacy -= leg
        dep = dep_new + leg
        dep_rate = dep_rate + capex / life_q
        old = t - life_q  # the vintage bought at t - L had its last charge this quarter
        old_capex = np.where(old >= 0, capex_hist[np.clip(old, 0, None), s_idx, n_idx], 0.0)
        dep_rate = np.maximum(dep_rate - old_capex / life_q, 0.0)
        K = K + capex - dep
        cum_capex += capex
        cum_dep += dep
        revenue = R_out + recv_c[:, 0] + recv_c[:, 1] + recv_c[:, 5]
        op_costs = opex_out + paid_c[:, 0]
        interest = interest_out + paid_c[:, 5]
        pre_tax = revenue - op_costs - dep - interest
        tax_due = np.where(ncf, 0.0, e["tax_rate"] * np.maximum(pre_tax, 0.0))
        earnings = pre_tax - tax_due
        ebitda_ann = 0.75 * ebitda_ann + 0.25 * 4.0 * (revenue - op_costs)
        debt_out = debt_out + new_debt - maturing
        debt_web = np.maximum(debt_web + recv_c[:, 3] - paid_c[:, 4], 0.0)
        newly = ((shortfall > 1e-9 * np.maximum(due_out, 1.0)) | (cash_new < -1e-9)) & ~defaulted
        first_def_q = np.where(newly & (first_def_q < 0), t, first_def_q)
        defaulted |= newly
        rev_ring[t % 4] = revenue
        rev_ratio = np.where(rev0 > _EPS, rev_ring.sum(axis=0) / np.where(rev0 > _EPS, rev0, 1.0), 1.0)
        backlog = np.asarray((Bin.T @ (cut * suffix[:, min(t + 1, T - 1)] * (t + 1 < T)).T).T) if m else 0.0
        own = np.maximum(own0 * np.maximum(rev_ratio, 0.0) ** elast + beta * (backlog - backlog0), 0.0)
        own = np.where(defaulted, own * (1.0 - loss), own)
        mv = own @ Minv.T
        # standalone cash (no new money, every commitment honoured): funding need and run-out
        standalone = standalone + outside_in - outside_out + received - due_out - fin_out
        need_min = np.minimum(need_min, standalone)
        need_by[t] = -need_min.copy()
        cash_out_q = np.where((standalone < 0) & (cash_out_q < 0), t, cash_out_q)

        if check:
            check_quarter(
                web, t, cash_before=cash, cash_after=cash_new, outside_in=outside_in,
                outside_out=outside_out, received=received, paid=paid, fin_in=fin_in,
                fin_out=fin_out, capital=K, capital0=e["capital_stock"], cum_capex=cum_capex,
                cum_dep=cum_dep,
            )
        cash = cash_new
        row = {
            "revenue": revenue, "operating_costs": op_costs, "interest": interest,
            "depreciation": dep, "capex": capex, "earnings": earnings, "payments_due": due_out,
            "payments_made": paid, "payments_received": received, "financing_in": fin_in,
            "financing_out": fin_out, "outside_cash_in": outside_in, "outside_cash_out": outside_out,
            "cash": cash, "debt": debt_out + debt_web, "capital_stock": K, "shortfall": shortfall,
            "defaulted": defaulted, "market_value": mv,
        }
        for c in keep:
            rec[c][t] = row[c]

    names = tuple(scenario_names) if scenario_names is not None else (
        (scenario.name,) if S == 1 else tuple(f"{scenario.name}#{k}" for k in range(S))
    )
    heads = headlines_from(
        web, scenario.headline_entity, need_by=need_by, cash_out_q=cash_out_q,
        first_def_q=first_def_q, mv_start=_mv_first(rec, mv0), mv_end=mv,
    )
    return ProjectionResult(
        scenario=scenario.name, scenario_names=names, entities=web.entities, quarters=web.quarters,
        data=rec, headline_arrays=heads, cut=cut,
        skipped=web.skipped, notes=tuple(zip(web.deal_id, web.kind, web.notes, strict=True)),
    )


def _mv_first(rec: Mapping[str, Array], mv0: Array) -> Array:
    return rec["market_value"][0] if "market_value" in rec else mv0
