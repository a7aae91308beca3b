"""The projection's state: one frozen :class:`State` per quarter, and the block's fixed :class:`Context`.

Every array is entity-major ``(n, S)`` (contracts ``(m, S)``): parameters equal in every scenario
are ``(n, 1)`` columns and broadcast, per-scenario globals ``(1, S)`` rows.

State fields (stocks at the end of a quarter, the start of the next)
-------------------------------------------------------------------
cash : cash held.
debt_out : debt owed to lenders outside the web (bonds, loans, revolvers).
debt_web : principal owed inside the web (loans whose repayments are web contracts).
capital : fixed assets at book value (``K``); ``legacy`` the part bought before the horizon.
dep_rate : depreciation charge per quarter of the vintages bought inside the horizon.
capex_hist : purchases by quarter (one ``(n, S)`` array per quarter: the vintages).
cum_capex, cum_dep : purchases and depreciation since the start (capital identity).
cum_transferred : fixed assets handed to creditors in resolution since the start (None: none).
stakes_paid : equity paid into web entities inside the horizon, at cost (an estate sells them).
cred_used : by creditor, the new money it has lent and invested in the projection, less principal
    repaid to it and recoveries (:mod:`circularity.projection.creditors`).
rev_ring, trail : the last four quarters' revenue and their sum (market value).
ebitda_ann : annualised EBITDA, exponentially smoothed (leverage).
tax_due : tax on last quarter's profit, paid this quarter.
cut : ``(m, S)`` share of each contract still honoured (a payer paying ``ρ`` has it cut by ``ρ``).
cut_ev : ``(m, S)`` share cut by the scenario's own events only (funding need).
defaulted : has defaulted; ``first_default`` the quarter it did (−1 never).
market_value : market value (own value plus stakes held).
standalone, need_min, cash_out : cash with no new money and every commitment honoured, its
    running minimum (funding need) and the quarter it first turns negative (−1 never).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.compile import Web
from circularity.ledger.vocabulary import POOL_KINDS
from circularity.projection.aggregation import Aggregation
from circularity.projection.balance import BalanceState, opening_balance
from circularity.projection.channels.context import (
    ChannelContext,
    ChannelState,
    build_channels,
    initial_channels,
)
from circularity.projection.channels.fleet import HistoryLives
from circularity.projection.creditors import CreditorContext
from circularity.projection.parameters import Params, squeeze
from circularity.valuation.assumptions import valuation_assumptions
from circularity.valuation.going_concern import ValuationAnchor
from circularity.valuation.market_value import volatility_by_kind

__all__ = ["EPS", "Context", "State", "build_context", "initial_state", "reported_at"]


EPS = 1e-6  # USD bn (USD 1,000): below this a revenue or EBITDA base is treated as zero


def _col(a: Array) -> Array:
    """``(S or 1, n)`` → contiguous ``(n, S or 1)``, squeezed to ``(n, 1)`` when scenarios agree."""
    return np.ascontiguousarray(squeeze(np.asarray(a)).T)


def _row(a: Array) -> Array:
    """Per-scenario ``(S,)`` (or ``(1,)``) → ``(1, S)`` row broadcasting over entities."""
    return np.asarray(a)[None, :]


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """Everything a step reads that does not change from quarter to quarter (one block of S)."""

    web: Web
    agg: Aggregation
    S: int
    e: dict[str, Array]  # entity parameters, (n, 1 or S)
    power: Array  # (1 or S, T) share of GW delivered (≤ 1)
    eq_app: Array  # (1 or S, T) equity appetite
    cr_app: Array  # (1 or S, T) credit appetite
    ev_rev: list[Array]  # T × (n, 1 or S) revenue multipliers of events
    ev_cr: list[Array]
    ev_eq: list[Array]
    pay_cut: dict[int, Array]  # quarter → (1 or S, n) one-off pay ratios of events
    mkt_eq: Array | None  # (m, 1) outside equity contracts, None when there are none
    mkt_cr: Array | None
    life_q: Array  # useful life in quarters
    inv_life: Array
    lives: tuple[tuple[int, Array], ...]  # each distinct life in quarters with its mask of cells
    capital0: Array
    legacy_dep: Array
    rev0_safe: Array
    rev_has: Array
    own0: Array  # own market value at the start
    backlog0: Array  # (n, 1)
    beta: Array  # (1, S) market value per USD of backlog
    beta_cancel: Array  # (1, S) market value per USD of backlog cancelled or terminated (negative)
    loss: Array  # (1, S) share of own value lost on default
    materiality: Array  # (1, S) share of the quarter's obligations unpaid that marks a default
    recovery: Array  # (1, S) share of creditors' claims a resolved estate pays (at least its cash)
    relet_haircut: Array  # (1, S) price cut at which a terminated contract's capacity is re-let
    elast: Array  # (1, S) value–revenue elasticity
    elast_v: float | None  # the elasticity when every scenario shares it
    equity_vol: Array  # (n, 1) equity volatility by kind (valuation/assumptions.yaml), for Merton
    risk_free: float  # Merton's r (valuation/assumptions.yaml: the one valuation assumption set)
    merton_years: float  # Merton's debt horizon T
    equity_premium: float  # cost of capital k = r + ERP (valuation/assumptions.yaml)
    terminal_growth: float  # g of the going-concern perpetuity (valuation/assumptions.yaml)
    value_known: Array  # (n, 1 or S) bool: the entity's equity is reported or filled from financials
    market_financing: bool  # globals.market_priced_financing: Merton's default probability scales credit
    revenue_multiple: bool  # globals.valuation_method == "revenue_multiple": value scales with revenue^elast
    ncf: Array  # (n, 1) bool: entity follows a net cash flow path
    any_ncf: bool
    base_rate: Array
    top_rate: Array
    spread: Array
    mat_q: Array  # share of outside debt maturing per quarter
    lev_cap: Array
    refi: Array
    any_refi: bool
    opex_ratio: Array
    capex_ratio: Array
    tax_rate: Array
    eq_cap_q: Array
    rev_scale: Array
    out_rev: Array  # (T, n, 1 or S)
    opex_fixed: Array  # (T, n, 1)
    capex_fixed: Array
    any_capex_path: bool
    ncf_in: Array  # (T, n, 1)
    ncf_out: Array
    min_cash: Array
    year_end: frozenset[int]
    mv0: Array
    ch: ChannelContext | None = None  # the channels of issue 13 (None: a scenario without them)
    valuation: bool = True  # compute the Merton columns (skipped when none of them is recorded)
    balance: bool = True  # keep whole balance sheets (checked, or their columns recorded)
    lender: Array | None = None  # (n, 1) bool: a lender or investor kind (outside capital pools)
    cred: CreditorContext | None = None  # creditors as entities (creditors:; None: none named)
    #: the history's lives where this block's differ (its vintages keep them; None: the same)
    past_lives: HistoryLives | None = None
    #: the row columns the run reads (recorded, checked or summed into a headline; None: every
    #: one): a derived column nothing reads is not built
    columns: frozenset[str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    """Stocks at the end of a quarter (see the module docstring for each field)."""

    cash: Array
    debt_out: Array
    debt_web: Array
    capital: Array
    legacy: Array
    dep_rate: Array
    capex_hist: tuple[Array, ...]
    cum_capex: Array
    cum_dep: Array
    rev_ring: tuple[Array, ...]
    trail: Array
    ebitda_ann: Array
    tax_due: Array
    cut: Array
    cut_ev: Array
    defaulted: Array
    first_default: Array
    market_value: Array
    standalone: Array
    need_min: Array
    cash_out: Array
    ch: ChannelState | None = None  # the channels' stocks (None: a scenario without them)
    anchor: ValuationAnchor | None = (
        None  # the going-concern anchor (valuation), from the first projected quarter
    )
    default_prob: Array | None = None  # Merton's default probability of the quarter (NaN: unknown)
    credit_spread: Array | None = None  # Merton's credit spread of the quarter (NaN: unknown)
    bs: BalanceState | None = None  # the balance sheet's other stocks (None: not kept)
    cum_transferred: Array | None = None  # fixed assets handed over in resolution (None: none yet)
    stakes_paid: Array | None = None  # equity paid into web entities, at cost (None: none yet)
    cred_used: Array | None = None  # by creditor: new money put in during the projection, net (None: none)


def reported_at(ctx: Context, name: str, t: int, *, flow: bool = False) -> tuple[Array, Array] | None:
    """The filings' ``name`` (:attr:`~circularity.compile.Web.reported`) in history quarter ``t``:
    ``(values, pinned)``, ``(n, 1)`` each, values NaN → 0 and ``pinned`` where a filing gives one;
    a ``flow`` is not pinned for an entity on a net cash-flow path (its outside flows are net of its
    costs). None past the history or where no filing gives the figure at all."""
    rep = ctx.web.reported.get(name)
    if rep is None or t >= min(ctx.web.first_projected, rep.shape[1]):
        return None
    v = rep[:, t][:, None]
    pinned = np.isfinite(v)
    if flow and ctx.any_ncf:
        pinned = pinned & ~ctx.ncf
    return np.nan_to_num(v), pinned


def build_context(web: Web, agg: Aggregation, P: Params, ev: dict[str, Any], S: int) -> Context:
    """The fixed arrays of one block of ``S`` scenarios (pure)."""
    e = {k: _col(v) for k, v in P.ent.items()}
    n = web.n
    life_q = np.maximum(np.rint(4 * e["useful_life_years"]).astype(np.int64), 1)
    capital0 = e["capital_stock"]
    rev0 = np.maximum(e["revenue_annual"], 0.0)
    rev_has = rev0 > EPS
    mv0 = np.broadcast_to(e["market_value"], (n, S))
    elast = _row(P.glob["value_revenue_elasticity"])
    elast_v = float(elast.flat[0]) if elast.size == 1 or (elast == elast.flat[0]).all() else None
    base_rate = np.maximum(e["rate"], _row(P.glob["rate_floor"]))
    ncf = P.ncf[:, None]
    no_ncf = ~ncf
    va, _ = valuation_assumptions()  # the one valuation set, shared with the stress test
    return Context(
        web=web,
        agg=agg,
        S=S,
        e=e,
        equity_vol=volatility_by_kind(web.entity_kinds, va["equity_volatility"])[:, None],
        risk_free=float(va["risk_free_rate"]),
        merton_years=float(va["merton_horizon_years"]),
        equity_premium=float(va["equity_risk_premium"]),
        terminal_growth=float(va["terminal_growth"]),
        value_known=e["market_value_known"] > 0.5,
        market_financing=bool(P.market_financing),
        revenue_multiple=bool(P.revenue_multiple),
        power=np.minimum(P.glob["power_delivery"], 1.0),
        eq_app=P.glob["equity_appetite"],
        cr_app=P.glob["credit_appetite"],
        ev_rev=[np.ascontiguousarray(x.T) for x in ev["revenue"]],
        ev_cr=[np.ascontiguousarray(x.T) for x in ev["credit"]],
        ev_eq=[np.ascontiguousarray(x.T) for x in ev["equity"]],
        pay_cut=ev["pay"],
        mkt_eq=agg.mkt_eq[:, None] if agg.mkt_eq.any() else None,
        mkt_cr=agg.mkt_cr[:, None] if agg.mkt_cr.any() else None,
        life_q=life_q,
        inv_life=1.0 / life_q,
        lives=tuple((int(v), life_q == v) for v in np.unique(life_q)),
        capital0=capital0,
        legacy_dep=capital0 / np.maximum(life_q / 2.0, 1.0),
        rev0_safe=np.where(rev_has, rev0, 1.0),
        rev_has=rev_has,
        own0=np.maximum(mv0 - web.holdings @ mv0, 0.0),
        backlog0=(agg.backlog_of @ _dormant_off(agg, agg.suffix_next[0]))[:, None],
        beta=_row(P.glob["backlog_multiple"]),
        beta_cancel=_row(P.glob["cancel_multiple"]),
        loss=_row(P.glob["default_value_loss"]),
        materiality=_row(P.glob["default_materiality"]),
        recovery=_row(P.glob["recovery_rate"]),
        relet_haircut=_row(P.glob["relet_haircut"]),
        elast=elast,
        elast_v=elast_v,
        ncf=ncf,
        any_ncf=bool(P.ncf.any()),
        base_rate=base_rate,
        top_rate=np.maximum(e["max_rate"], base_rate),
        spread=e["spread_per_turn"],
        mat_q=1.0 / np.maximum(4.0 * e["debt_maturity_years"], 1.0),
        lev_cap=e["leverage_limit"],
        refi=e["refinance_share"],
        any_refi=bool((e["refinance_share"] != 0).any()),
        opex_ratio=e["opex_ratio"] * no_ncf,
        capex_ratio=e["capex_ratio"] * no_ncf,
        tax_rate=e["tax_rate"] * no_ncf,
        eq_cap_q=e["equity_raise_q"],
        rev_scale=e["revenue_scale"],
        out_rev=np.ascontiguousarray(P.out_rev.transpose(2, 1, 0)),
        opex_fixed=(P.opex_fixed[0].T * ~P.ncf)[:, :, None],
        capex_fixed=(P.capex_fixed[0].T * ~P.ncf)[:, :, None],
        any_capex_path=bool(P.capex_fixed.any()),
        ncf_in=np.maximum(P.ncf_q, 0.0).T[:, :, None],
        ncf_out=np.maximum(-P.ncf_q, 0.0).T[:, :, None],
        min_cash=e["min_cash"],
        year_end=frozenset({t for t in range(web.T) if web.quarters[t].endswith("Q4")} | {web.T - 1}),
        mv0=mv0,
        lender=np.isin(np.array(web.entity_kinds, dtype=object), POOL_KINDS)[:, None],
        ch=None
        if P.channels is None
        else build_channels(web, agg, P.channels, e, _row(P.glob["rate_floor"]), _row(P.glob["rate_shift"])),
    )


def _dormant_off(agg: Aggregation, a: Array) -> Array:
    """``a`` with the successors' dormant twins at zero (they wake when the party they replace
    is resolved: :mod:`circularity.projection.succession`)."""
    if agg.twin_k is None:
        return a
    return np.where(agg.twin_k.reshape((-1,) + (1,) * (a.ndim - 1)), 0.0, a)


def initial_state(ctx: Context) -> State:
    """The state before the first quarter, from the starting figures (pure)."""
    e, S, n, m = ctx.e, ctx.S, ctx.web.n, ctx.web.m
    shape = (n, S)
    cash = np.broadcast_to(e["cash"], shape).copy()
    debt_web0 = ctx.agg.debt_web0[:, None]
    no_ncf = ~ctx.ncf
    # EBITDA: reported, else derived from the scenario's own margin (revenue × (1 − opex ratio))
    eb0 = ctx.web.financials["ebitda_annual"][:, None]
    derived = np.maximum(e["revenue_annual"], 0.0) * (1.0 - e["opex_ratio"]) * no_ncf
    rev0 = np.maximum(e["revenue_annual"], 0.0)
    ring = np.broadcast_to(rev0 / 4.0, shape)
    debt_out = np.maximum(e["debt"] - debt_web0, 0.0) * np.ones(shape)
    capital = np.broadcast_to(ctx.capital0, shape).copy()
    bs = None
    if ctx.balance:
        lent0 = ctx.agg.lent0 if ctx.agg.lent0 is not None else np.zeros(n)
        bs = opening_balance(
            lent0[:, None],
            cash,
            capital,
            debt_out,
            np.broadcast_to(debt_web0, shape),
            np.zeros(shape),
            np.broadcast_to(ctx.mv0 - ctx.own0, shape),
        )
    return State(
        cash=cash,
        debt_out=debt_out,
        debt_web=np.broadcast_to(debt_web0, shape).copy(),
        capital=capital,
        legacy=np.broadcast_to(ctx.capital0, shape).copy(),
        dep_rate=np.zeros(shape),
        capex_hist=(),
        cum_capex=np.zeros(shape),
        cum_dep=np.zeros(shape),
        rev_ring=(ring, ring, ring, ring),
        trail=4.0 * ring,
        ebitda_ann=np.broadcast_to(np.where(np.isfinite(eb0), eb0, derived), shape).copy(),
        tax_due=np.zeros(shape),
        cut=_dormant_off(ctx.agg, np.ones((m, S))),
        cut_ev=_dormant_off(ctx.agg, np.ones((m, S))),
        defaulted=np.zeros(shape, dtype=bool),
        first_default=np.full(shape, -1, dtype=np.int64),
        market_value=np.array(ctx.mv0),
        standalone=cash.copy(),
        need_min=np.zeros(shape),
        cash_out=np.full(shape, -1, dtype=np.int64),
        ch=None if ctx.ch is None else initial_channels(ctx.ch, debt_out),
        bs=bs,
    )
