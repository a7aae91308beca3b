"""The projector: every entity, quarter by quarter, every scenario at once, through the named steps.

:func:`run_projection` is a pure function of a compiled :class:`~circularity.compile.Web`, a
:class:`~circularity.projection.scenario.Scenario` and optional per-scenario parameter arrays.
Scenarios run in blocks of :data:`BLOCK`; within a block, each quarter maps one frozen
:class:`~circularity.projection.state.State` to the next through the steps of
:mod:`circularity.projection.steps`, in this order:

1. ``obligations_due`` (contracts' dues, power pacing, pay-ratio events),
2. ``outside_flows`` (revenue, costs, capex, interest, tax),
3. ``financing`` (new debt and equity, maturities),
4. ``clearing`` (greatest clearing vector, cash after payments),
5. ``resolution`` (defaults),
6. ``stock_update`` (capital by vintage, debt, earnings, market value, funding need).

The only Python loops are over blocks and quarters.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from circularity._threads import available_threads, on_pool_thread
from circularity._typing import Array
from circularity.compile import Web
from circularity.errors import ScenarioError
from circularity.projection.accounting import check_balance, check_quarter
from circularity.projection.aggregation import Aggregation, build_aggregation
from circularity.projection.balance import BalanceState
from circularity.projection.channels import ChannelState, renew_contracts
from circularity.projection.channels.context import AI_KINDS
from circularity.projection.channels.fleet import HistoryLives
from circularity.projection.creditors import CreditorContext, build_creditors
from circularity.projection.parameters import (
    event_arrays,
    override_paths,
    resolve_params,
    scenario_count,
    slice_events,
    slice_params,
)
from circularity.projection.results import BOOL_COLUMNS, COLUMNS, ProjectionResult, headlines_from
from circularity.projection.scenario import Scenario
from circularity.projection.state import Context, State, build_context, initial_state
from circularity.projection.steps import (
    DefaultRecord,
    clearing,
    financing,
    obligations_due,
    outside_flows,
    relet,
    resolution,
    stock_update,
    unpaid_outside,
    wound_down,
)
from circularity.projection.steps.stocks import BALANCE_COLUMNS
from circularity.projection.succession import assume_contracts

__all__ = ["BLOCK", "override_paths", "run_projection"]


BLOCK = 1024  # scenarios per block: few enough that the [n, S] working set stays in cache (L2 and L3),
#: enough that the per-quarter Python overhead is spread (measured: 1,024 beats 512 and 2,048)
#: columns of the one valuation (Merton); the solve is skipped when none is recorded
VALUATION_COLUMNS = ("equity_value", "enterprise_value", "distance_to_default", "credit_spread")
#: what one block returns: cut, funding need by year end, cash-out quarter, first default,
#: market value at start and end, the web's 2030 revenue pair, defaults of scenario 0
_BlockOut = tuple[Array, dict[int, Array], Array, Array, Array, Array, Array, tuple[DefaultRecord, ...]]


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
    threads: int | None = None,
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
    threads : blocks run at once on threads (default: the cores this process may use, see
        :func:`circularity._threads.available_threads`); the result does not depend on it.

    Returns
    -------
    ProjectionResult

    Notes
    -----
    Quarter ``t``, arrays ``[S, n]``, steps in :mod:`circularity.projection.steps`:

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
       value ``MV = (I − H)^{-1} own``, own equity a going concern
       (:mod:`circularity.valuation.going_concern`).

    Everything that does not depend on the quarter's state (schedules, paths, event multipliers,
    the contract → entity aggregation matrices) is computed before the loop; parameters equal in
    every scenario stay ``(1, n)`` and broadcast.
    """
    # One BLAS thread: the products here are small ((n, n) @ (n, S)), so a second thread only
    # spins, and on a loaded two-core machine it cost 1.3 ms of CPU per product against 0.12 ms
    # (measured: 1,024 Monte Carlo draws 1.80 s → 1.19 s CPU).
    # The limit is process-wide: on a pool's thread (a Monte Carlo chunk) the pool's owner holds
    # it for all of them, since one call restoring it would lift it under a sibling still running.
    limit = contextlib.nullcontext() if on_pool_thread() else threadpool_limits(limits=1, user_api="blas")
    with limit:
        return _project(
            web, scenario, overrides, n_scenarios, record, check, scenario_names, progress, threads
        )


def _project(
    web: Web,
    scenario: Scenario,
    overrides: Mapping[str, Any] | None,
    n_scenarios: int | None,
    record: Sequence[str] | None,
    check: bool,
    scenario_names: Sequence[str] | None,
    progress: Callable[[int, int], None] | None,
    threads: int | None,
) -> ProjectionResult:
    ov = dict(overrides or {})
    web = renew_contracts(web, scenario)  # channels: contracts that end renew (unchanged without)
    web = assume_contracts(web, scenario)  # successors' dormant twins (unchanged without)
    S = scenario_count(ov, n_scenarios)
    P = resolve_params(web, scenario, ov, S)
    ev = event_arrays(web, scenario, ov, S)
    n, T = web.n, web.T
    keep = tuple(COLUMNS) if record is None else tuple(record)
    bad = [c for c in keep if c not in COLUMNS]
    if bad:
        raise ScenarioError(f"record: unknown column(s) {bad}; columns: {', '.join(COLUMNS)}")
    # recorded columns are kept entity-major (T, n, S): the block loop writes whole rows
    rec_T = {c: np.empty((T, n, S), dtype=bool if c in BOOL_COLUMNS else np.float64) for c in keep}
    agg = build_aggregation(web, scenario)
    cred = build_creditors(web, scenario)
    past = _history(web, agg, scenario, rec_T, keep, check, cred)
    blocks = [slice(k, min(k + BLOCK, S)) for k in range(0, S, BLOCK)]
    done = [0] * len(blocks)
    lock = threading.Lock()

    def one(b_i: int) -> _BlockOut:
        sl = blocks[b_i]

        def tick(d: int, total: int) -> None:
            if progress is not None:
                with lock:  # blocks may run on several threads: one count, reported in order
                    done[b_i] = d
                    progress(sum(done), len(blocks) * total)

        ctx = build_context(web, agg, slice_params(P, sl, S), slice_events(ev, sl, S), sl.stop - sl.start)
        ctx = dataclasses.replace(
            ctx,
            valuation=any(c in keep for c in VALUATION_COLUMNS),
            balance=check or any(c in keep for c in BALANCE_COLUMNS),
            past_lives=_past_lives(past, ctx),
            columns=_columns(keep, check),
            cred=cred,
        )
        return _block(ctx, past, sl, rec_T, keep, check, tick)

    width = min(len(blocks), available_threads() if threads is None else threads)
    if width > 1:
        # blocks are independent (each writes its own slice of the recorded arrays), and numpy
        # releases the GIL inside its loops: a second core runs a second block, bit-identical
        with ThreadPoolExecutor(max_workers=width, thread_name_prefix="circularity-block") as ex:
            parts = list(ex.map(one, range(len(blocks))))
    else:
        parts = [one(b_i) for b_i in range(len(blocks))]
    cut = np.concatenate([x[0] for x in parts])
    need_by = {t: np.concatenate([x[1][t] for x in parts]) for t in parts[0][1]}
    cash_out_q, first_def_q, mv_start, mv_end, web_2030 = (
        np.concatenate([x[k] for x in parts]) for k in range(2, 7)
    )
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
    heads.update(_required_revenue_heads(web_2030, scenario.channels is not None, S))
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
        basis=basis_of(web),
        defaults=parts[0][7] if S == 1 else (),
    )


def _required_revenue_heads(web_2030: Array, on: bool, S: int) -> dict[str, Array]:
    """The web's required revenue in 2030 (AI build-out entities), its projected revenue and the gap
    (``web_2030`` is ``(S, 2)``: required, projected; NaN when the horizon has no 2030)."""
    if not on:
        web_2030 = np.full((S, 2), np.nan)
    need, got = web_2030[:, 0], web_2030[:, 1]
    return {
        "web_required_revenue_2030": need,
        "web_projected_revenue_2030": got,
        "required_revenue_gap_2030": need - got,
    }


def basis_of(web: Web) -> Array:
    """``(T, n)`` basis codes: 0 projected, 1 reported (a filing gives the quarter's revenue or
    cash), 2 estimated (history filled by the stated rules of the steps)."""
    h = web.first_projected
    out = np.zeros((web.T, web.n), dtype=np.int8)
    out[:h] = 2
    for name in ("revenue", "cash"):
        rep = web.reported.get(name)
        if rep is not None and h:
            out[:h][np.isfinite(rep[:, :h]).T] = 1
    return out


@dataclass(frozen=True, slots=True)
class _Past:
    """The history run (one scenario: history is the same in every draw) up to ``first_projected``."""

    state: State | None
    need_by: dict[int, Array]
    life_q: Array | None = None  # (n, 1) the lives the history ran with


def _history(
    web: Web,
    agg: Aggregation,
    scenario: Scenario,
    rec: dict[str, Array],
    keep: tuple[str, ...],
    check: bool,
    cred: CreditorContext | None = None,
) -> _Past:
    """Run the history quarters once, with the scenario as written (no overrides: a Monte Carlo
    draws the future only), and write their rows into every scenario's columns."""
    h = web.first_projected
    if h == 0:
        return _Past(state=None, need_by={})
    ctx = build_context(web, agg, resolve_params(web, scenario, {}, 1), event_arrays(web, scenario, {}, 1), 1)
    ctx = dataclasses.replace(
        ctx,
        valuation=any(c in keep for c in VALUATION_COLUMNS),
        balance=check or any(c in keep for c in BALANCE_COLUMNS),
        columns=_columns(keep, check),
        cred=cred,
    )
    st = initial_state(ctx)
    need_by: dict[int, Array] = {}
    for t in range(h):
        st, row, _ = quarter(ctx, st, t, check=check)
        if t in ctx.year_end:
            need_by[t] = 0.0 - st.need_min.T  # 0.0 - x: no negative zero when the need is nil
        for c in keep:
            rec[c][t] = _shown(ctx, c, row[c])
    return _Past(state=st, need_by=need_by, life_q=ctx.life_q)


#: columns an outside capital pool (a lender or investor kind) does not have as figures: its
#: "cash" is the capacity the scenario gives it (10,000 in the baseline: "depth set by the
#: appetites"), so cash and the balance sheet built on it are empty, and ``lending_capacity``
#: says what it has left. Shown as figures they read as $10tn of SoftBank cash, and the Monte
#: Carlo's total-cash band summed 21 such pools to $210tn.
POOL_EMPTY = frozenset({"cash", "assets", "liabilities", "book_equity"})


def _shown(ctx: Context, column: str, values: Array) -> Array:
    """A row's column as recorded: NaN for outside capital pools in :data:`POOL_EMPTY` (the engine
    keeps and checks their placeholder balances; they are not figures)."""
    if column in POOL_EMPTY and ctx.lender is not None:
        return np.where(ctx.lender, np.nan, values)
    return values


def _columns(keep: tuple[str, ...], check: bool) -> frozenset[str]:
    """The row columns a run reads: those it records, the balance sheet it checks, and the
    web's revenue and required revenue (the 2030 headline)."""
    checked = ("assets", "liabilities", "book_equity") if check else ()
    return frozenset((*keep, *checked, "revenue", "required_revenue"))


def _past_lives(past: _Past, ctx: Context) -> HistoryLives | None:
    """The history's lives when this block's differ (an override of a useful life): the vintages
    bought in history keep the life they were bought with (None: the same lives)."""
    if past.life_q is None or (np.broadcast_to(past.life_q, ctx.life_q.shape) == ctx.life_q).all():
        return None
    life = past.life_q
    return HistoryLives(
        first=ctx.web.first_projected,
        lives=tuple((int(v), life == v) for v in np.unique(life)),
        inv_life=1.0 / life,
    )


def _widen(st: State, S: int) -> State:
    """A one-scenario state as ``S`` scenarios (stocks copied; read-only vintages broadcast)."""

    def w(a: Array) -> Array:
        return np.broadcast_to(a, (a.shape[0], S)).copy()

    return State(
        cash=w(st.cash),
        debt_out=w(st.debt_out),
        debt_web=w(st.debt_web),
        capital=w(st.capital),
        legacy=w(st.legacy),
        dep_rate=w(st.dep_rate),
        capex_hist=st.capex_hist,
        cum_capex=w(st.cum_capex),
        cum_dep=w(st.cum_dep),
        rev_ring=st.rev_ring,
        trail=w(st.trail),
        ebitda_ann=w(st.ebitda_ann),
        tax_due=w(st.tax_due),
        cut=w(st.cut),
        cut_ev=w(st.cut_ev),
        defaulted=w(st.defaulted),
        first_default=w(st.first_default),
        market_value=w(st.market_value),
        standalone=w(st.standalone),
        need_min=w(st.need_min),
        cash_out=w(st.cash_out),
        ch=None if st.ch is None else _widen_channels(st.ch, w),
        cum_transferred=None if st.cum_transferred is None else w(st.cum_transferred),
        stakes_paid=None if st.stakes_paid is None else w(st.stakes_paid),
        cred_used=None if st.cred_used is None else w(st.cred_used),
        bs=None if st.bs is None else _widen_balance(st.bs, w),
    )


def _widen_balance(bs: BalanceState, w: Callable[[Array], Array]) -> BalanceState:
    return BalanceState(
        loans_lent=w(bs.loans_lent),
        stakes_cost=w(bs.stakes_cost),
        stakes_value=w(bs.stakes_value),
        deferred=w(bs.deferred),
        book_equity=w(bs.book_equity),
    )


def _widen_channels(cs: ChannelState, w: Callable[[Array], Array]) -> ChannelState:
    return ChannelState(
        chip_hist=cs.chip_hist,
        chip_dep=w(cs.chip_dep),
        bldg_dep=w(cs.bldg_dep),
        chip_book=w(cs.chip_book),
        chip_gross=w(cs.chip_gross),
        bldg_gross=w(cs.bldg_gross),
        retired=w(cs.retired),
        fixed_debt=w(cs.fixed_debt),
        secured=w(cs.secured),
    )


def quarter(
    ctx: Context, st: State, t: int, *, check: bool = True
) -> tuple[State, dict[str, Array], tuple[DefaultRecord, ...]]:
    """One quarter: the six steps in order; returns the next state, the recorded row and the
    quarter's defaults (scenario 0 of a one-scenario block, for ``defaults.csv``)."""
    dues = obligations_due(ctx, st, t)
    going = outside_flows(ctx, st, dues, t)  # as a going concern (a resolved entity's standalone)
    out = relet(ctx, st, dues, wound_down(ctx, st, going), t)
    fin = financing(ctx, st, dues, out, t)
    if fin.capex_cut.any():  # capex not spent (liquidity order) leaves the outside outflows
        out = replace(out, capex=out.capex - fin.capex_cut, cash_out=out.cash_out - fin.capex_cut)
    cl = clearing(ctx, dues, fin)
    bills = kept = None
    if t >= ctx.web.first_projected and (cl.cash_after < 0.0).any():
        # receipts the clearing did not deliver (a payer short): capex not yet spent is cut
        # further, within the quarter, before a cash gap is left (the same liquidity order)
        more = np.minimum(np.maximum(-cl.cash_after, 0.0), np.maximum(out.capex, 0.0))
        out = replace(out, capex=out.capex - more, cash_out=out.cash_out - more)
        cl = replace(cl, cash_after=cl.cash_after + more)
        # what is still uncovered is not paid: outside bills, then maturing debt (a shortfall)
        bills, kept = unpaid_outside(cl.cash_after, out, fin.debt_repaid)
        out = replace(out, cash_out=out.cash_out - bills)
        fin = replace(fin, debt_repaid=fin.debt_repaid - kept, cash_out=fin.cash_out - kept)
        cl = replace(cl, cash_after=cl.cash_after + bills + kept)
    debt_end = st.debt_out + fin.new_debt - fin.debt_repaid
    if bills is not None:
        debt_end = debt_end + bills  # an outside bill left unpaid is still owed (a payable)
    # fixed assets at the quarter's end (the depreciation charge of the vintages held, as in the
    # stock update): what an estate resolved now can sell
    dep = st.dep_rate if ctx.ch is None or st.ch is None else st.ch.chip_dep + st.ch.bldg_dep
    book = st.capital + out.capex + cl.ratio * dues.due_hw - dep - np.minimum(ctx.legacy_dep, st.legacy)
    res = resolution(ctx, st, dues, out, cl, debt_end, book, t, bills, kept)
    new, row = stock_update(ctx, st, dues, out, fin, cl, res, t, going)
    if check:
        check_quarter(
            ctx.web,
            t,
            cash_before=st.cash.T,
            cash_after=new.cash.T,
            outside_in=out.cash_in.T,
            outside_out=out.cash_out.T,
            received=cl.received.T,
            paid=cl.paid.T,
            fin_in=fin.cash_in.T,
            fin_out=fin.cash_out.T,
            res_in=res.resolution_in.T,
            res_out=res.resolution_out.T,
            capital=new.capital.T,
            capital0=ctx.capital0.T,
            cum_capex=new.cum_capex.T,
            cum_dep=new.cum_dep.T,
            cum_transferred=None if new.cum_transferred is None else new.cum_transferred.T,
        )
        if new.bs is not None:
            check_balance(ctx.web, t, row["assets"], row["liabilities"], row["book_equity"])
    return new, row, res.detail


def _block(
    ctx: Context,
    past: _Past,
    sl: slice,
    rec: dict[str, Array],
    keep: tuple[str, ...],
    check: bool,
    progress: Callable[[int, int], None],
) -> _BlockOut:
    """The quarter loop for one block; writes ``rec[c][:, :, sl]``; returns ``(S, ·)`` arrays."""
    T, h = ctx.web.T, ctx.web.first_projected
    st = initial_state(ctx) if past.state is None else _widen(past.state, ctx.S)
    need_by = {t: np.broadcast_to(v, (ctx.S, v.shape[1])).copy() for t, v in past.need_by.items()}
    ai = np.array([k in AI_KINDS for k in ctx.web.entity_kinds])
    in_2030 = [t for t, q in enumerate(ctx.web.quarters) if q.startswith("2030")]
    web_2030 = np.zeros((ctx.S, 2)) if in_2030 else np.full((ctx.S, 2), np.nan)
    records: list[DefaultRecord] = []
    for t in range(h, T):
        st, row, detail = quarter(ctx, st, t, check=check)
        if sl.start == 0:
            records.extend(detail)
        if t in ctx.year_end:
            need_by[t] = 0.0 - st.need_min.T  # 0.0 - x: no negative zero when the need is nil
        if t in in_2030:  # the web's required and projected revenue (headline), without recording
            web_2030[:, 0] += row["required_revenue"][ai].sum(axis=0)
            web_2030[:, 1] += row["revenue"][ai].sum(axis=0)
        for c in keep:
            rec[c][t, :, sl] = _shown(ctx, c, row[c])
        progress(t + 1, T)
    if past.state is not None:  # value lost is counted from the nowcast, the end of history
        mv_start = np.broadcast_to(past.state.market_value.T, (ctx.S, ctx.web.n)).copy()
    else:
        mv_start = rec["market_value"][0, :, sl].T if "market_value" in rec else ctx.mv0.T
    # unknown is not zero: entities of unknown own value are NaN (excluded from the headline, counted)
    known = np.broadcast_to(ctx.value_known, st.market_value.shape).T
    mv_start = np.where(known, mv_start, np.nan)
    mv_end = np.where(known, st.market_value.T, np.nan)
    return (
        st.cut.T,
        need_by,
        st.cash_out.T,
        st.first_default.T,
        mv_start,
        mv_end,
        web_2030,
        tuple(records),
    )
