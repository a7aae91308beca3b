"""The projection engine: every entity, quarter by quarter, every scenario at once.

:func:`run_projection` is a pure function of a compiled :class:`~circularity.compile.Web`, a
:class:`~circularity.projection.scenario.Scenario` and optional per-scenario parameter arrays.
Arrays are ``[scenarios, entities]`` (and ``[scenarios, contracts]``); the only Python loop is
over quarters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity.compile import Web
from circularity.contagion import clear_payments, prepare_clearing
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
    "compute": 0,
    "lease": 0,
    "backstop": 0,
    "hardware": 1,
    "equity": 2,
    "loan": 3,
    "bond": 3,
    "repayment": 4,
    "interest": 5,
}
_EPS = 1e-6  # USD bn (USD 1,000): below this a revenue or EBITDA base is treated as zero
_FIN_FALLBACK = {
    "cash": "cash",
    "debt": "debt",
    "market_value": "market_value",
    "revenue_annual": "revenue_annual",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Params:
    ent: dict[str, Array]  # (S, n)
    glob: dict[str, Array]  # (S,) scalars, (S, T) paths
    out_rev: Array  # (S or 1, n, T) outside revenue per quarter before shocks
    opex_fixed: Array  # (S or 1, n, T) fixed outside opex per quarter
    capex_fixed: Array  # (1, n, T) outside capex per quarter from a capex path (added to the ratio)
    ncf: Array  # (n,) bool: entity follows a net cash flow path
    ncf_q: Array  # (n, T) quarterly net cash flow for those


def override_paths(web: Web, scenario: Scenario) -> tuple[str, ...]:
    """Every dotted path :func:`run_projection` accepts in ``overrides``."""
    out = [
        f"globals.{k}"
        for k in (
            "gpu_life_years",
            "backlog_multiple",
            "rate_floor",
            "value_revenue_elasticity",
            "default_value_loss",
            "credit_appetite",
            "equity_appetite",
            "power_delivery",
        )
    ]
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
    for f, fill in (
        ("cash", 0.0),
        ("debt", 0.0),
        ("market_value", 0.0),
        ("revenue_annual", 0.0),
        ("capital_stock", 0.0),
        ("revenue_scale", 1.0),
        ("refinance_share", 0.0),
    ):
        ent[f] = np.nan_to_num(ent[f], nan=fill)

    glob: dict[str, Array] = {}
    for f in (
        "gpu_life_years",
        "backlog_multiple",
        "rate_floor",
        "default_value_loss",
        "value_revenue_elasticity",
    ):
        val = getattr(sc.globals, f).value
        if (
            f == "backlog_multiple"
            and sc.globals.use_ledger_backlog_multiple
            and np.isfinite(web.backlog_multiple)
        ):
            val = web.backlog_multiple
        glob[f] = np.asarray(ov.get(f"globals.{f}", val), dtype=float) * np.ones(S)
    for f in ("credit_appetite", "equity_appetite", "power_delivery"):
        base = path_values(getattr(sc.globals, f), q)[None, :] * np.ones((S, 1))
        if f"globals.{f}" in ov:
            base = np.asarray(ov[f"globals.{f}"], dtype=float).reshape(S, -1) * np.ones((S, T))
        glob[f] = base

    glob = {k: (_squeeze(v) if v.ndim == 2 else _squeeze(v[:, None])[:, 0]) for k, v in glob.items()}
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
    return _Params(
        ent=ent,
        glob=glob,
        out_rev=out_rev,
        opex_fixed=opex_fixed,
        capex_fixed=capex_fixed,
        ncf=ncf,
        ncf_q=ncf_q,
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
    return path_values(Path(value=points, source=source, interpolate="log"), q)


def _web_receipts_first_year(web: Web) -> Array:
    """Average quarterly operating receipts of each entity in the first year (to net out)."""
    rec = np.zeros(web.n)
    first = min(4, web.T)
    for k in range(web.m):
        if web.kind[k] in (*_OPERATING, "hardware"):
            rec[web.payee[k]] += web.schedule[k, :first].sum() / first
    return rec


def _event_arrays(web: Web, sc: Scenario, ov: Mapping[str, Any], S: int) -> dict[str, Any]:
    """Event multipliers ``(T, 1 or S, n)`` for revenue, credit and equity capacity, and the
    one-off pay cuts ``{t: (1 or S, n)}`` (``(1, n)`` unless an event value is overridden)."""
    T, n = web.T, web.n
    Se = S if any(k.startswith("events.") for k in ov) else 1
    out: dict[str, Any] = {k: np.ones((T, Se, n)) for k in ("revenue", "credit", "equity")}
    pay: dict[int, Array] = {}
    qabs = [int(x[:4]) * 4 + int(x[-1]) - 1 for x in web.quarters]
    for k, ev in enumerate(sc.events):
        val = np.asarray(ov.get(f"events.{k}.value", ev.value), dtype=float) * np.ones(Se)
        targets = (
            range(n) if ev.entity == "*" else [web.index(ev.entity)] if ev.entity in web.entities else None
        )
        if targets is None:
            raise ScenarioError(f"event {k} ({ev.kind} {ev.quarter}) names unknown entity '{ev.entity}'")
        a = int(ev.quarter[:4]) * 4 + int(ev.quarter[-1]) - 1
        b = (int(ev.until[:4]) * 4 + int(ev.until[-1]) - 1) if ev.until else 10**9
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


def run_projection(
    web: Web,
    scenario: Scenario,
    overrides: Mapping[str, Any] | None = None,
    *,
    n_scenarios: int | None = None,
    record: Sequence[str] | None = None,
    check: bool = True,
    scenario_names: Sequence[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
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
        for large S (10,000 × 37 entities × 32 quarters is 95 MB per column).
    check : verify the accounting identities every quarter (raises ``AccountingError``).
    scenario_names : one label per scenario (default ``"<name>"`` or ``"<name>#k"``).
    progress : called as ``progress(quarters_done, T)`` after each quarter (CLI progress bar).

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
       ``leverage_limit·EBITDA·credit_appetite − D`` plus ``refinance_share`` of the web debt falling
       due (× credit appetite), then equity up to ``equity_raise_q·MV·equity_appetite``;
    4. clearing: ``clear_payments`` (greatest Eisenberg–Noe vector on cash, Rogers–Veraart when
       ``globals.default_costs`` is set); scenarios where every entity can pay in full skip the
       solver (``p = p̄`` is then the greatest clearing vector). A payer paying a ratio ``ρ < 1``
       has its future commitments cut by ``ρ``;
    5. stocks: capital by vintage (straight line over the useful life), debt, book equity, market
       value ``MV = (I − H)^{-1}(own0·(R̄/R̄0)^ε + β·(backlog − backlog0))``.

    Everything that does not depend on the quarter's state (schedules, paths, event multipliers,
    the contract → entity aggregation matrices) is computed before the loop; parameters equal in
    every scenario stay ``(1, n)`` and broadcast.
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
    # recorded columns are kept entity-major (T, n, S): the block loop writes whole rows
    rec_T = {c: np.empty((T, n, S), dtype=bool if c == "defaulted" else np.float64) for c in keep}
    dc = scenario.globals.default_costs
    alpha, beta_rv = (dc.alpha.value, dc.beta.value) if dc is not None else (1.0, 1.0)

    payer, payee = web.payer, web.payee
    kinds_arr = np.array(web.kind, dtype=object)
    cat = np.array([_CAT_OF.get(k, 0) for k in web.kind], dtype=np.int64)
    # contract -> entity totals as sparse (rows, m) matrices applied to (m, S) contract arrays;
    # payer rows: all dues, operating, hardware, repayment, interest; payee rows: all receipts,
    # operating + hardware, operating + hardware + interest (revenue), lending
    pay_sel = (np.ones(m, bool), cat == 0, cat == 1, cat == 4, cat == 5)
    rec_sel = (np.ones(m, bool), cat <= 1, (cat <= 1) | (cat == 5), cat == 3)
    suffix = np.cumsum(web.schedule[:, ::-1], axis=1)[:, ::-1]  # remaining from t (incl.)
    outside_payer = np.isin(np.array(web.entity_kinds, dtype=object)[payer], ("investor", "lender"))
    Minv_T = np.linalg.inv(np.eye(n) - web.holdings).T if n else np.zeros((0, 0))
    mv_cols = np.flatnonzero(np.abs(Minv_T - np.eye(n)).sum(axis=0) > 0)
    debt_web0 = np.zeros(n)
    rep = kinds_arr == "repayment"
    np.add.at(debt_web0, payer[rep], web.principal[rep])
    pre = _Pre(
        by_payer=_sum_matrix(payer, pay_sel, n),
        by_payee=_sum_matrix(payee, rec_sel, n),
        backlog_of=_sum_matrix(payee, (cat <= 1,), n),
        suffix_next=np.concatenate([suffix[:, 1:], np.zeros((m, 1))], axis=1).T.copy(),
        sched_T=web.schedule.T.copy(),
        cum_T=np.cumsum(web.schedule, axis=1).T.copy(),
        mkt_eq=outside_payer & (kinds_arr == "equity"),
        mkt_cr=outside_payer & np.isin(kinds_arr, ("loan", "bond")),
        mv_cols=mv_cols,
        mv_mix_T=np.ascontiguousarray((Minv_T - np.eye(n))[:, mv_cols].T),
        debt_web0=debt_web0,
        alpha=alpha,
        beta=beta_rv,
    )
    blocks = [slice(k, min(k + _BLOCK, S)) for k in range(0, S, _BLOCK)]
    parts = []
    for b_i, sl in enumerate(blocks):

        def tick(done: int, total: int, b_i: int = b_i) -> None:
            if progress is not None:
                progress(b_i * total + done, len(blocks) * total)

        parts.append(
            _block(
                web,
                pre,
                _slice_params(P, sl, S),
                _slice_events(ev, sl, S),
                sl.stop - sl.start,
                sl,
                rec_T,
                keep,
                check,
                tick,
            )
        )
    cut = np.concatenate([x[0] for x in parts])
    need_by = {t: np.concatenate([x[1][t] for x in parts]) for t in parts[0][1]}
    cash_out_q, first_def_q, mv_start, mv_end = (np.concatenate([x[k] for x in parts]) for k in range(2, 6))
    names = (
        tuple(scenario_names)
        if scenario_names is not None
        else ((scenario.name,) if S == 1 else tuple(f"{scenario.name}#{k}" for k in range(S)))
    )
    heads = headlines_from(
        web,
        scenario.headline_entity,
        need_by=need_by,
        cash_out_q=cash_out_q,
        first_def_q=first_def_q,
        mv_start=mv_start,
        mv_end=mv_end,
    )
    return ProjectionResult(
        scenario=scenario.name,
        scenario_names=names,
        entities=web.entities,
        quarters=web.quarters,
        data={c: v.transpose(0, 2, 1) for c, v in rec_T.items()},
        headline_arrays=heads,
        cut=cut,
        skipped=web.skipped,
        notes=tuple(zip(web.deal_id, web.kind, web.notes, strict=True)),
        headline_entity=scenario.headline_entity,
    )


_BLOCK = 512  # scenarios per block: the [n, S] working set stays in cache


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pre:
    """What does not depend on the scenarios' state: computed once per run."""

    by_payer: Any  # (5n, m) sparse: all dues, operating, hardware, repayment, interest
    by_payee: Any  # (4n, m) sparse: all receipts, op + hw, op + hw + interest, lending
    backlog_of: Any  # (n, m) sparse: operating + hardware contracts by payee
    suffix_next: Array  # (T, m) remaining after t
    sched_T: Array  # (T, m)
    cum_T: Array  # (T, m)
    mkt_eq: Array
    mkt_cr: Array
    mv_cols: Array
    mv_mix_T: Array
    debt_web0: Array
    alpha: float
    beta: float


def _sum_matrix(ent: Array, selections: Sequence[Array], n: int) -> Any:
    """Sparse ``(k·n, m)`` matrix: row ``j·n + i`` sums the contracts of entity ``i`` in selection ``j``.

    Applied to an ``(m, S)`` contract array it gives every (selection, entity) total for all
    scenarios in one sparse × dense product (contiguous rows of length S, no BLAS threads).
    """
    rows = np.concatenate([j * n + ent[sel] for j, sel in enumerate(selections)]).astype(np.int64)
    cols = np.concatenate([np.flatnonzero(sel) for sel in selections]).astype(np.int64)
    m = ent.shape[0]
    return sp.csr_matrix((np.ones(rows.size), (rows, cols)), shape=(len(selections) * n, m))


def _slice_params(P: _Params, sl: slice, S: int) -> _Params:
    def cut(a: Array) -> Array:
        return a[sl] if a.shape[0] == S and S > 1 else a

    return _Params(
        ent={k: cut(v) for k, v in P.ent.items()},
        glob={k: cut(v) for k, v in P.glob.items()},
        out_rev=cut(P.out_rev),
        opex_fixed=P.opex_fixed,
        capex_fixed=P.capex_fixed,
        ncf=P.ncf,
        ncf_q=P.ncf_q,
    )


def _slice_events(ev: Mapping[str, Any], sl: slice, S: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k in ("revenue", "credit", "equity"):
        out[k] = ev[k][:, sl] if ev[k].shape[1] == S and S > 1 else ev[k]
    out["pay"] = {t: (v[sl] if v.shape[0] == S and S > 1 else v) for t, v in ev["pay"].items()}
    return out


def _col(a: Array) -> Array:
    """``(S or 1, n)`` → contiguous ``(n, S or 1)``, squeezed to ``(n, 1)`` when scenarios agree."""
    return np.ascontiguousarray(_squeeze(np.asarray(a)).T)


def _row(a: Array) -> Array:
    """Per-scenario ``(S,)`` (or ``(1,)``) → ``(1, S)`` row broadcasting over entities."""
    return np.asarray(a)[None, :]


def _block(
    web: Web,
    pre: _Pre,
    P: _Params,
    ev: Mapping[str, Any],
    S: int,
    sl: slice,
    rec: dict[str, Array],
    keep: tuple[str, ...],
    check: bool,
    progress: Callable[[int, int], None],
) -> tuple[Array, dict[int, Array], Array, Array, Array, Array]:
    """The quarter loop for one block of ``S`` scenarios; writes ``rec[c][:, :, sl]``.

    State is entity-major, ``(n, S)`` (contracts ``(m, S)``): parameters equal in every scenario
    are ``(n, 1)`` columns, per-scenario globals ``(1, S)`` rows, and every contract → entity
    sum is one sparse product over contiguous rows. Returns ``(S, ·)`` arrays.
    """
    n, m, T = web.n, web.m, web.T
    payer, payee = web.payer, web.payee
    gw = web.gw_linked[:, None]
    any_gw = bool(web.gw_linked.any())
    suffix_next, sched_T, cum_T = pre.suffix_next, pre.sched_T, pre.cum_T
    alpha, beta_rv = pre.alpha, pre.beta
    by_payer, by_payee, backlog_of = pre.by_payer, pre.by_payee, pre.backlog_of
    power = np.minimum(P.glob["power_delivery"], 1.0)  # (1 or S, T)
    eq_app, cr_app = P.glob["equity_appetite"], P.glob["credit_appetite"]
    e = {k: _col(v) for k, v in P.ent.items()}  # (n, 1 or S)
    ev_rev = [np.ascontiguousarray(x.T) for x in ev["revenue"]]  # T × (n, 1 or S)
    ev_cr = [np.ascontiguousarray(x.T) for x in ev["credit"]]
    ev_eq = [np.ascontiguousarray(x.T) for x in ev["equity"]]
    mkt_eq = pre.mkt_eq[:, None] if pre.mkt_eq.any() else None
    mkt_cr = pre.mkt_cr[:, None] if pre.mkt_cr.any() else None
    shape = (n, S)
    cash = np.broadcast_to(e["cash"], shape).copy()
    debt_web0 = pre.debt_web0[:, None]
    debt_out = np.maximum(e["debt"] - debt_web0, 0.0) * np.ones(shape)
    debt_web = np.broadcast_to(debt_web0, shape).copy()
    life_q = np.maximum(np.rint(4 * e["useful_life_years"]).astype(np.int64), 1)
    inv_life = 1.0 / life_q
    K0 = e["capital_stock"]
    K = np.broadcast_to(K0, shape).copy()
    legacy = K.copy()
    legacy_dep = K0 / np.maximum(life_q / 2.0, 1.0)
    dep_rate = np.zeros(shape)
    cum_capex = np.zeros(shape)
    cum_dep = np.zeros(shape)
    capex_hist = np.zeros((T, n * S))
    flat_is = np.arange(n)[:, None] * S + np.arange(S)[None, :]

    rev0 = np.maximum(e["revenue_annual"], 0.0)
    rev_has = rev0 > _EPS
    rev0_safe = np.where(rev_has, rev0, 1.0)
    rev_ring = np.repeat(np.broadcast_to(rev0 / 4.0, shape)[None], 4, axis=0)
    trail = rev_ring.sum(axis=0)
    cut = np.ones((m, S))
    cut_ev = np.ones((m, S))  # scenario events only: the commitments as the scenario means them
    owes = by_payer[:n]
    defaulted = np.zeros(shape, dtype=bool)
    tax_due = np.zeros(shape)
    mv0 = np.broadcast_to(e["market_value"], shape)
    own0 = np.maximum(mv0 - web.holdings @ mv0, 0.0)
    backlog0 = (backlog_of @ suffix_next[0])[:, None]  # (n, 1)
    beta = _row(P.glob["backlog_multiple"])
    loss = _row(P.glob["default_value_loss"])
    elast = _row(P.glob["value_revenue_elasticity"])
    elast_v = float(elast.flat[0]) if elast.size == 1 or (elast == elast.flat[0]).all() else None
    mv = np.array(mv0)
    ncf = P.ncf[:, None]
    any_ncf = bool(P.ncf.any())
    standalone = cash.copy()
    need_min = np.zeros(shape)
    need_by: dict[int, Array] = {}
    cash_out_q = np.full(shape, -1, dtype=np.int64)
    first_def_q = np.full(shape, -1, dtype=np.int64)
    base_rate = np.maximum(e["rate"], _row(P.glob["rate_floor"]))
    top_rate = np.maximum(e["max_rate"], base_rate)
    spread = e["spread_per_turn"]
    mat_q = 1.0 / np.maximum(4.0 * e["debt_maturity_years"], 1.0)
    lev_cap = e["leverage_limit"]
    refi = e["refinance_share"]
    any_refi = bool((refi != 0).any())
    no_ncf = ~ncf
    # EBITDA: reported, else derived from the scenario's own margin (revenue × (1 − opex ratio))
    eb0 = web.financials["ebitda_annual"][:, None]
    derived = np.maximum(e["revenue_annual"], 0.0) * (1.0 - e["opex_ratio"]) * no_ncf
    ebitda_ann = np.broadcast_to(np.where(np.isfinite(eb0), eb0, derived), shape).copy()
    opex_ratio = e["opex_ratio"] * no_ncf
    capex_ratio = e["capex_ratio"] * no_ncf
    tax_rate = e["tax_rate"] * no_ncf
    eq_cap_q = e["equity_raise_q"]
    rev_scale = e["revenue_scale"]
    out_rev = np.ascontiguousarray(P.out_rev.transpose(2, 1, 0))  # (T, n, 1 or S)
    opex_fixed = (P.opex_fixed[0].T * ~P.ncf)[:, :, None]  # (T, n, 1)
    capex_fixed = (P.capex_fixed[0].T * ~P.ncf)[:, :, None]
    any_capex_path = bool(capex_fixed.any())
    ncf_in = np.maximum(P.ncf_q, 0.0).T[:, :, None]  # (T, n, 1)
    ncf_out = np.maximum(-P.ncf_q, 0.0).T[:, :, None]
    min_cash = e["min_cash"]
    year_end = {t for t in range(T) if web.quarters[t].endswith("Q4")} | {T - 1}
    pattern = prepare_clearing(payer, payee, n) if m else None  # one factorisation pattern a run
    ones = np.ones(shape)
    lev = np.empty(shape)
    zero_m = np.zeros((m, 1))
    nS = n * S

    for t in range(T):
        # 1. outside flows
        R_out = out_rev[t] * rev_scale * ev_rev[t]
        if any_ncf:
            R_out = np.where(ncf, ncf_in[t], R_out)
        # 2. obligations due (GW-linked pacing by power delivered, cumulative)
        if t in ev["pay"]:
            cut *= ev["pay"][t][:, payer].T
            cut_ev *= ev["pay"][t][:, payer].T
        if any_gw:
            prev = cum_T[t - 1][:, None] if t else zero_m
            f_prev = power[:, t - 1][None, :] if t else np.zeros((1, 1))
            gw_due = np.maximum(power[:, t][None, :] * cum_T[t][:, None] - f_prev * prev, 0.0)
            base_due = np.where(gw, gw_due, sched_T[t][:, None])
        else:
            base_due = sched_T[t][:, None]
        if mkt_eq is not None:  # outside money moves only while markets are open
            base_due = base_due * np.where(mkt_eq, eq_app[:, t][None, :], 1.0)
        if mkt_cr is not None:
            base_due = base_due * np.where(mkt_cr, cr_app[:, t][None, :], 1.0)
        A = base_due * cut  # (m, S)
        due5 = by_payer @ A  # (5n, S)
        due_out, due_op, due_hw = due5[:n], due5[n : 2 * n], due5[2 * n : 3 * n]
        due_rep, due_int = due5[3 * n : 4 * n], due5[4 * n :]
        due4 = by_payee @ A
        due_in, exp_web_op_in = due4[:n], due4[n : 2 * n]
        revenue_est = R_out + exp_web_op_in
        opex_out = opex_ratio * revenue_est
        opex_out += opex_fixed[t]
        capex_out = capex_ratio * revenue_est
        if any_capex_path:
            capex_out += capex_fixed[t]
        if any_ncf:
            opex_out = np.where(ncf, ncf_out[t], opex_out)
        debt = debt_out + debt_web
        # leverage; no EBITDA: a sentinel so large the rate hits its cap (no inf·0 = nan)
        lev.fill(1e300)
        np.divide(debt, ebitda_ann, out=lev, where=ebitda_ann > _EPS)
        lev -= 1.0
        np.maximum(lev, 0.0, out=lev)
        lev *= spread
        lev += base_rate
        rate = np.minimum(lev, top_rate, out=lev)  # interest is r·D_out: where D_out = 0 it is 0
        interest_out = rate * debt_out
        interest_out *= 0.25
        outside_in = R_out
        outside_out = opex_out + capex_out
        outside_out += interest_out
        outside_out += tax_due
        cash_a = cash + outside_in
        cash_a -= outside_out
        # 3. financing
        maturing = debt_out * mat_q
        need = min_cash + due_out
        need += maturing
        need -= cash_a
        need -= due_in
        np.maximum(need, 0.0, out=need)
        credit = cr_app[:, t][None, :] * ev_cr[t]
        cap_debt = lev_cap * np.maximum(ebitda_ann, 0.0)
        cap_debt *= credit
        cap_debt -= debt - maturing
        np.maximum(cap_debt, 0.0, out=cap_debt)
        if any_refi:  # sponsor-rolled debt (SPVs): what falls due on web and outside debt is refinanced
            roll = due_rep + due_int
            roll += maturing
            roll += interest_out
            roll *= refi
            roll *= credit
            cap_debt += roll
        new_debt = np.minimum(need, cap_debt)
        new_debt[defaulted] = 0.0
        cap_eq = eq_cap_q * np.maximum(mv, 0.0)
        cap_eq *= eq_app[:, t][None, :] * ev_eq[t]
        new_equity = np.minimum(need - new_debt, cap_eq)
        new_equity[defaulted] = 0.0
        fin_in = new_debt + new_equity
        fin_out = maturing
        cash_b = cash_a + fin_in
        cash_b -= fin_out
        # 4. clearing: p = p_bar is the greatest clearing vector wherever everyone can pay in full
        assets = np.maximum(cash_b, 0.0)
        short = ((assets + due_in) < due_out).any(axis=0)
        got = due4
        if m and short.any():
            ratio = ones.copy()
            cols = np.flatnonzero(short)
            res = clear_payments(
                payer, payee, A[:, cols].T, assets[:, cols].T, n=n, alpha=alpha, beta=beta_rv, pattern=pattern
            )
            ratio[:, cols] = res.ratio.T
            got = by_payee @ (A * ratio[payer])
            paid = ratio * due_out
            cut *= np.minimum(ratio, 1.0)[payer]
        else:
            ratio = ones
            paid = due_out.copy()
        received = got[:n]
        rec_rev, rec_lend = got[2 * n : 3 * n], got[3 * n :]
        shortfall = due_out - paid
        np.maximum(shortfall, 0.0, out=shortfall)
        cash_new = cash_b - paid
        cash_new += received
        # 5. stocks and books
        capex = ratio * due_hw
        capex += capex_out
        capex_hist[t] = capex.reshape(-1)
        leg = np.minimum(legacy_dep, legacy)
        legacy -= leg
        dep = dep_rate + leg
        dep_rate = dep_rate + capex * inv_life
        old = t - life_q  # the vintage bought at t - L had its last charge this quarter
        if (old >= 0).any():
            gone = np.where(old >= 0, capex_hist.reshape(-1)[np.maximum(old, 0) * nS + flat_is], 0.0)
            dep_rate = np.maximum(dep_rate - gone * inv_life, 0.0)
        K = K + capex - dep
        cum_capex += capex
        cum_dep += dep
        revenue = R_out + rec_rev
        op_costs = opex_out + ratio * due_op
        interest = interest_out + ratio * due_int
        pre_tax = revenue - op_costs
        pre_tax -= dep
        pre_tax -= interest
        tax_due = tax_rate * np.maximum(pre_tax, 0.0)
        earnings = pre_tax - tax_due
        ebitda_ann *= 0.75
        ebitda_ann += revenue - op_costs
        debt_out += new_debt
        debt_out -= maturing
        debt_web = np.maximum(debt_web + rec_lend - ratio * due_rep, 0.0)
        newly = (shortfall > 1e-9 * np.maximum(due_out, 1.0)) | (cash_new < -1e-9)
        newly &= ~defaulted
        if newly.any():
            first_def_q[newly & (first_def_q < 0)] = t
            defaulted |= newly
        trail += revenue - rev_ring[t % 4]
        rev_ring[t % 4] = revenue
        rev_ratio = trail / rev0_safe
        if not rev_has.all():
            rev_ratio = np.where(rev_has, rev_ratio, 1.0)
        if t + 1 < T:
            backlog = backlog_of @ (cut * suffix_next[t][:, None])
            backlog -= backlog0
        else:
            backlog = -backlog0
        grown = np.maximum(rev_ratio, 0.0, out=rev_ratio)
        if elast_v == 0.5:
            np.sqrt(grown, out=grown)
        elif elast_v != 1.0:
            grown = grown**elast
        own = own0 * grown
        own += backlog * beta  # backlog is (n, 1) in the last quarter: no in-place broadcast
        np.maximum(own, 0.0, out=own)
        if defaulted.any():
            own *= 1.0 - loss * defaulted
        mv = own.copy()
        if pre.mv_cols.size:
            mv[pre.mv_cols] += pre.mv_mix_T @ own
        # standalone cash (no new money, every commitment honoured as scheduled, before any cut
        # for a shortfall): funding need and run-out
        net = outside_in - outside_out
        net += received
        net -= owes @ (base_due * cut_ev)
        net -= fin_out
        standalone += net
        np.minimum(need_min, standalone, out=need_min)
        if t in year_end:
            need_by[t] = -need_min.T
        cash_out_q[(standalone < 0) & (cash_out_q < 0)] = t

        if check:
            check_quarter(
                web,
                t,
                cash_before=cash.T,
                cash_after=cash_new.T,
                outside_in=outside_in.T,
                outside_out=outside_out.T,
                received=received.T,
                paid=paid.T,
                fin_in=fin_in.T,
                fin_out=fin_out.T,
                capital=K.T,
                capital0=K0.T,
                cum_capex=cum_capex.T,
                cum_dep=cum_dep.T,
            )
        cash = cash_new
        row = {
            "revenue": revenue,
            "operating_costs": op_costs,
            "interest": interest,
            "depreciation": dep,
            "capex": capex,
            "earnings": earnings,
            "payments_due": due_out,
            "payments_made": paid,
            "payments_received": received,
            "financing_in": fin_in,
            "financing_out": fin_out,
            "outside_cash_in": outside_in,
            "outside_cash_out": outside_out,
            "cash": cash,
            "debt": debt_out + debt_web,
            "capital_stock": K,
            "shortfall": shortfall,
            "defaulted": defaulted,
            "market_value": mv,
        }
        for c in keep:
            rec[c][t, :, sl] = row[c]
        if progress is not None:
            progress(t + 1, T)

    mv_start = rec["market_value"][0, :, sl].T if "market_value" in rec else mv0.T
    return cut.T, need_by, cash_out_q.T, first_def_q.T, mv_start, mv.T


def _squeeze(a: Array) -> Array:
    """``(S, n)`` → ``(1, n)`` when every scenario holds the same values (broadcasts)."""
    a = np.asarray(a)
    if a.ndim == 2 and a.shape[0] > 1 and (a == a[:1]).all():
        return a[:1].copy()
    return a
