"""Ledger → arrays: the web as entity indices, contract schedules and starting stocks.

:func:`compile_web` turns a :class:`~circularity.ledger.Ledger` (as of a date) into a frozen
:class:`Web`: ``n`` entities, ``T`` quarters and ``m`` contracts, each contract a payer, a payee,
a kind and a per-quarter schedule of nominal amounts (USD bn). Loans and bonds become three
contracts: the drawdown (lender → borrower), ``interest`` and ``repayment`` (borrower → lender).

Whatever the deal terms leave open (a missing term, the price of a GW, the rate of a loan) comes
from :class:`ScheduleAssumptions`, which the projection's scenario files fill with sourced values;
every schedule records how it was built in :attr:`Web.notes`, every dropped deal why in
:attr:`Web.skipped`.

:func:`remaining_payments` gives, for any quarter, what each contract still has to pay from then
to the horizon: the stress test's "remaining scheduled payments".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from circularity._typing import Array

# The backlog rule lives with the other market-reaction analytics; it reads ledger tables only
# (no Web), so compile can use it without a cycle.
from circularity.analytics.backlog_value import fitted_backlog_multiple, fitted_backlog_prices
from circularity.analytics.market_reactions import backlog_multiple, backlog_reactions
from circularity.errors import OptionError, UnknownNameError
from circularity.ledger.dates import (
    parse_date,
    period_bounds,
    quarter_from_number,
    quarter_number,
    quarter_of,
)
from circularity.ledger.records import Deal
from circularity.ledger.tables import COLUMNS, record_to_row
from circularity.ledger.vocabulary import LIVE_STATUSES

__all__ = [
    "CONTRACT_KINDS",
    "FINANCIAL_FIELDS",
    "ScheduleAssumptions",
    "Web",
    "compile_web",
    "principal_outstanding",
    "quarter_range",
    "remaining_payments",
]


#: Contract kinds in a compiled web: the ledger's deal kinds plus the two legs of debt service.
CONTRACT_KINDS: tuple[str, ...] = (
    "equity",
    "compute",
    "hardware",
    "loan",
    "bond",
    "warrant",
    "backstop",
    "lease",
    "interest",
    "repayment",
)

#: Starting figures taken from the financials, one array per name (NaN where not reported).
FINANCIAL_FIELDS: tuple[str, ...] = (
    "revenue_annual",
    "ebitda_annual",
    "cash",
    "debt",
    "market_value",
    "capex_annual",
    "depreciation_annual",
)

_METRICS: dict[str, tuple[str, ...]] = {
    "revenue_annual": ("revenue",),
    "ebitda_annual": ("ebitda", "adjusted_ebitda"),
    "cash": ("cash", "cash_and_marketable_securities", "cash_and_equivalents", "cash_and_liquid_investments"),
    "debt": ("total_debt", "debt", "long_term_debt"),
    "market_value": ("market_cap", "valuation_post", "valuation", "valuation_secondary"),
    "capex_annual": ("capex", "capex_incl_finance_leases", "capex_derived", "capex_cash_ppe"),
    "depreciation_annual": ("depreciation",),
}
_FLOWS = {"revenue_annual", "ebitda_annual", "capex_annual", "depreciation_annual"}
_ANNUALISE = {"FY": 1.0, "TTM": 1.0, "Q": 4.0, "H1": 2.0, "9M": 4.0 / 3.0}


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleAssumptions:
    """What deal terms leave open, each value set by a scenario file (with its source there).

    Attributes
    ----------
    amount_basis : ``central`` (headline, else mid-range), ``low`` or ``high``.
    statuses : deal statuses that bind money in the run.
    default_term_years : term by kind when a deal gives none (``compute``, ``lease``, ``backstop``,
        ``hardware``, ``loan``, ``bond``).
    default_profile : ``flat`` or ``ramp`` for spread deals without a schedule.
    per_gw_usd_bn : price of one GW by payee id (``"*"`` for any) for GW deals without an amount.
    loan_rate : yearly rate on loans and bonds that state none.
    exclude_deals : deal ids left out on purpose (e.g. umbrella frameworks).
    scope : entity ids; when given, only deals with one of them as payer or payee are kept (a
        published model of one firm and its contracts, e.g. HSBC's OpenAI model).
    deal_overrides : per deal id, any of ``amount``, ``start``, ``term_years``, ``profile``.
    payer_paths : payer id → (kinds, {quarter label: annual rate}): the payer's contracts of
        those kinds are rescaled, quarter by quarter, to add up to rate / 4 (counterparty shares
        kept; quarters not in the mapping are left as scheduled).
    """

    amount_basis: str = "central"
    statuses: tuple[str, ...] = LIVE_STATUSES
    default_term_years: Mapping[str, float] = field(
        default_factory=lambda: {
            "compute": 5.0,
            "lease": 5.0,
            "backstop": 5.0,
            "hardware": 4.0,
            "loan": 5.0,
            "bond": 10.0,
        }
    )
    default_profile: str = "flat"
    per_gw_usd_bn: Mapping[str, float] = field(default_factory=dict)
    loan_rate: float = 0.06
    exclude_deals: tuple[str, ...] = ()
    scope: tuple[str, ...] = ()
    deal_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    payer_paths: Mapping[str, tuple[tuple[str, ...], Mapping[str, float]]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Web:
    """The web as arrays: ``n`` entities, ``T`` quarters, ``m`` contracts.

    Attributes
    ----------
    entities, entity_kinds : ledger ids and kinds, index ``0..n-1``.
    quarters : labels ``2025Q1`` … of the horizon, index ``0..T-1``.
    payer, payee : ``(m,)`` entity indices; money moves payer → payee.
    kind : ``(m,)`` contract kinds (:data:`CONTRACT_KINDS`).
    deal_id : ``(m,)`` the ledger deal each contract comes from.
    schedule : ``(m, T)`` nominal amount due per quarter, USD bn.
    gw_linked : ``(m,)`` paced by gigawatts delivered (slowed by power delivery).
    gigawatts : ``(m,)`` gigawatts the deal states (NaN where it states none; 0 for debt legs).
    principal : ``(m,)`` loan principal outstanding at the start of the horizon (debt contracts).
    financials : name → ``(n,)`` starting figures (:data:`FINANCIAL_FIELDS`), NaN if unreported.
    holdings : ``(n, n)`` share of ``j``'s equity held by ``i``.
    backlog_multiple : market value per USD of announced backlog from announcement-day moves: the
        pooled least-squares fit of :func:`~circularity.valuation.fit_backlog_value` (``circularity
        reactions --fit``), else the median ratio where the pooled fit has too few points (NaN
        when the ledger has no usable reaction); ``backlog_evidence`` the ratios used.
    cancel_multiple, cancel_interval : market value per USD of backlog cancelled or delayed
        (negative) and its 90% interval, the pooled ``cancelled`` fit of ``circularity reactions
        --fit`` (NaN where it has too few points: the scenario's ``cancel_multiple`` stands).
    notes : ``(m,)`` how each schedule was built; ``skipped`` (deal id, reason) for deals left out.
    first_projected : index of the first projected quarter; quarters before it are history
        (every quarter that ended on or before the ``as_of`` date the web was compiled for; 0
        when compiled without one).
    reported : name → ``(n, T)`` figures the filings give for a history quarter (NaN where
        none): ``revenue`` (quarterly revenue, by the calendar quarter its period ends in),
        ``cash`` and ``debt`` (balances at the end of that quarter), ``market_value`` (the latest
        valuation or market cap dated by the quarter's end: shown in the history rows; the
        projection starts from the value at the horizon).
    as_of : the date the history runs to (ISO), or None.
    """

    entities: tuple[str, ...]
    entity_kinds: tuple[str, ...]
    quarters: tuple[str, ...]
    payer: Array
    payee: Array
    kind: tuple[str, ...]
    deal_id: tuple[str, ...]
    schedule: Array
    gw_linked: Array
    principal: Array
    financials: Mapping[str, Array]
    holdings: Array
    gigawatts: Array | None = None
    backlog_multiple: float = math.nan
    backlog_evidence: tuple[float, ...] = ()
    cancel_multiple: float = math.nan
    cancel_interval: tuple[float, float] = (math.nan, math.nan)
    notes: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()
    first_projected: int = 0
    reported: Mapping[str, Array] = field(default_factory=dict)
    as_of: str | None = None
    #: ``(m,)`` for a successor's dormant twin, the contract it assumes; −1 for the ledger's own
    #: (None: no twins; :func:`circularity.projection.succession.assume_contracts`)
    assumes: Array | None = None
    #: ``(m, T)`` payments a full rental of an ended contract's capacity that its buyer did not
    #: renew would bring, at the rental-price index (the seller offers it outside the web; None:
    #: none; :func:`circularity.projection.channels.capacity.renew_contracts`)
    relet_outside: Array | None = None

    @property
    def n(self) -> int:
        return len(self.entities)

    @property
    def m(self) -> int:
        return int(self.payer.shape[0])

    @property
    def T(self) -> int:  # noqa: N802 - T for quarters, as in the model
        return len(self.quarters)

    def index(self, entity: str) -> int:
        """Index of an entity id; ``KeyError`` lists the ids."""
        try:
            return self.entities.index(entity)
        except ValueError:
            raise UnknownNameError(
                f"unknown entity '{entity}'; entities: {', '.join(self.entities)}"
            ) from None

    def quarter_index(self, quarter: str) -> int:
        """Index of a quarter label inside the horizon."""
        try:
            return self.quarters.index(quarter)
        except ValueError:
            raise UnknownNameError(
                f"quarter '{quarter}' is outside {self.quarters[0]}..{self.quarters[-1]}"
            ) from None

    def to_frame(self) -> pd.DataFrame:
        """One row per contract and quarter with a non-zero amount (long format)."""
        k, t = np.nonzero(self.schedule)
        return pd.DataFrame(
            {
                "deal_id": np.asarray(self.deal_id, dtype=object)[k],
                "kind": np.asarray(self.kind, dtype=object)[k],
                "payer": np.asarray(self.entities, dtype=object)[self.payer[k]],
                "payee": np.asarray(self.entities, dtype=object)[self.payee[k]],
                "quarter": np.asarray(self.quarters, dtype=object)[t],
                "amount_usd_bn": self.schedule[k, t],
            }
        )


def quarter_range(start: str, end: str) -> tuple[str, ...]:
    """Quarter labels from ``start`` to ``end`` inclusive (``2025Q1``, ``2032Q4``)."""
    a, b = _qabs(start), _qabs(end)
    if b < a:
        raise OptionError(f"end quarter {end} is before start quarter {start}")
    return tuple(quarter_from_number(q) for q in range(a, b + 1))


_qabs = quarter_number


def _date_q(text: str) -> int:
    y, q = quarter_of(period_bounds(text)[0])
    return 4 * y + q - 1


def remaining_payments(web: Web, quarter: str | int, *, schedule: Array | None = None) -> Array:
    """What each contract still has to pay from ``quarter`` (inclusive) to the horizon's end.

    Parameters
    ----------
    web : the compiled web.
    quarter : a label (``2027Q1``) or an index into ``web.quarters``.
    schedule : ``(m, T)`` or ``(S, m, T)`` schedules to use instead of ``web.schedule`` (e.g. a
        projection's cut schedules).

    Returns
    -------
    ``(m,)`` (or ``(S, m)``) remaining nominal amounts, USD bn.
    """
    t = web.quarter_index(quarter) if isinstance(quarter, str) else int(quarter)
    sched = web.schedule if schedule is None else np.asarray(schedule)
    return np.asarray(sched[..., t:].sum(axis=-1))


def _amount(deal: Deal, basis: str) -> float | None:
    lo, hi = deal.amount_low_usd_bn, deal.amount_high_usd_bn
    if basis == "low" and lo is not None:
        return lo
    if basis == "high" and hi is not None:
        return hi
    return deal.amount_central


def _spread(total: float, q0: int, quarters: int, profile: str) -> dict[int, float]:
    quarters = max(1, quarters)
    w = np.arange(1, quarters + 1, dtype=float) if profile == "ramp" else np.ones(quarters)
    w = w / w.sum()
    return {q0 + i: total * float(w[i]) for i in range(quarters)}


def _deal_schedule(deal: Deal, a: ScheduleAssumptions) -> tuple[dict[int, float], bool, str] | str:
    """Absolute quarter → amount, whether GW-linked, and a note; or the reason it is skipped."""
    over = dict(a.deal_overrides.get(deal.id, {}))
    kind = deal.kind
    if kind == "warrant":
        return "no cash moves (warrant: shares on milestones)"
    amount = over.get("amount", _amount(deal, a.amount_basis))
    sched = deal.schedule
    gw = deal.gigawatts
    price = a.per_gw_usd_bn.get(deal.payee, a.per_gw_usd_bn.get("*"))
    if sched is not None and sched.per_gw_usd_bn is not None:
        price = sched.per_gw_usd_bn
    note = ""
    if amount is None:
        if gw and price is not None:
            amount = gw * price
            note = f"amount = {gw:g} GW x {price:g} USD bn/GW (assumption); "
        else:
            return f"no amount and no per-GW price for {deal.payee}: {deal.missing or 'missing'}"
    start_text = over.get("start", deal.start or deal.announced.isoformat())
    q0 = _date_q(str(start_text))
    term = over.get("term_years", deal.term_years)
    if term is None:
        term = a.default_term_years.get(kind)
        if term is not None and kind not in ("loan", "bond"):
            note += f"term {term:g} y by default for {kind}; "
    profile = over.get("profile", sched.profile if sched else None)
    gw_linked = bool(gw) and kind == "hardware"
    if profile == "explicit" and sched is not None and sched.quarters:
        given = {_qabs(k): float(v) for k, v in sched.quarters.items()}
        scale = amount / sum(given.values()) if sum(given.values()) > 0 else 0.0
        return {k: v * scale for k, v in given.items()}, gw_linked, note + "explicit schedule"
    if profile == "tranches" and sched is not None and sched.tranches:
        out: dict[int, float] = {}
        known = [t.amount_usd_bn for t in sched.tranches if t.amount_usd_bn is not None]
        rest = max(0.0, amount - sum(known))
        n_unknown = sum(1 for t in sched.tranches if t.amount_usd_bn is None)
        for i, tr in enumerate(sched.tranches):
            amt = tr.amount_usd_bn if tr.amount_usd_bn is not None else rest / max(1, n_unknown)
            if tr.start:
                tq = _date_q(tr.start)
            else:  # undated tranches are spread evenly over the term (GW deployed evenly)
                span = int(round(4 * (term or a.default_term_years.get("hardware", 4.0))))
                tq = q0 + (i * span) // len(sched.tranches)
            if kind in ("compute", "lease", "backstop") and term is not None:
                # a dated tranche of a capacity contract is a contract value spread over the term
                for qq, v in _spread(amt, tq, int(round(4 * term)), a.default_profile).items():
                    out[qq] = out.get(qq, 0.0) + v
            else:
                out[tq] = out.get(tq, 0.0) + amt
        gw_linked = gw_linked or (sched.per_gw_usd_bn is not None and kind == "hardware")
        return out, gw_linked, note + f"{len(sched.tranches)} tranches"
    if profile == "one_off" or (profile is None and kind in ("equity", "loan", "bond")):
        return {q0: float(amount)}, False, note + "one-off at start"
    if term is None:
        return {q0: float(amount)}, gw_linked, note + "one-off (no term)"
    prof = profile if profile in ("flat", "ramp") else a.default_profile
    return _spread(float(amount), q0, int(round(4 * term)), prof), gw_linked, note + f"{prof} over {term:g} y"


def _add(rows: list[dict[str, Any]], **row: Any) -> None:
    rows.append(row)


def _financials(records: Mapping[str, Iterable[Any]], entities: Sequence[str]) -> dict[str, Array]:
    """Latest figure per entity and field (flows annualised; FY preferred on the same end date)."""
    best: dict[tuple[str, str], tuple[Any, int, int, float]] = {}
    for f in records.get("financials", ()):
        if getattr(f, "unit", None) != "USD_bn":
            continue
        for name, metrics in _METRICS.items():
            if f.metric not in metrics:
                continue
            if name in _FLOWS and f.period_type not in _ANNUALISE:
                continue
            factor = _ANNUALISE.get(f.period_type, 1.0) if name in _FLOWS else 1.0
            key = (f.period_end, -int(f.period_type != "FY"), -metrics.index(f.metric))
            cur = best.get((f.entity, name))
            if cur is None or key > cur[:3]:
                best[(f.entity, name)] = (*key, float(f.value) * factor)
    return {
        name: np.array([best[(e, name)][3] if (e, name) in best else math.nan for e in entities])
        for name in FINANCIAL_FIELDS
    }


def compile_web(
    ledger: Any,
    start: str = "2025Q1",
    end: str = "2032Q4",
    assumptions: ScheduleAssumptions | None = None,
    *,
    as_of: date | str | None = None,
) -> Web:
    """Compile a ledger into a :class:`Web` of per-quarter contract schedules.

    Parameters
    ----------
    ledger : :class:`~circularity.ledger.Ledger` (as of a date); its deal records, entities,
        financials, holdings and market reactions are read.
    start, end : first and last quarter of the horizon.
    assumptions : what the deal terms leave open (defaults: :class:`ScheduleAssumptions`).
    as_of : the date history runs to: every quarter that ended by then is history
        (``first_projected``) and carries the figures the filings report for it (``reported``).

    Returns
    -------
    Web

    Notes
    -----
    Amounts due before ``start`` are dropped (paid before the horizon); loans drawn before
    ``start`` keep their principal, which accrues interest and is repaid at maturity
    (``term_years``, else the default term for its kind) if that falls inside the horizon.

    Examples
    --------
    >>> import circularity
    >>> web = compile_web(circularity.load("ai", as_of="2026-06-30"))  # doctest: +SKIP
    >>> web.schedule.shape  # doctest: +SKIP
    (61, 32)
    """
    a = assumptions or ScheduleAssumptions()
    quarters = quarter_range(start, end)
    q_start, T = _qabs(start), len(quarters)
    n_hist = 0
    if as_of is not None:
        day = parse_date(as_of) if not isinstance(as_of, date) else as_of
        y, q = quarter_of(day)
        # the quarter containing as_of is history only if it ended that day
        ended = quarter_of(day + timedelta(days=1)) != (y, q)
        last_done = 4 * y + q - 1 - (0 if ended else 1)
        n_hist = min(max(last_done - q_start + 1, 0), T)
    records = getattr(ledger, "records", {})
    ent_records = list(records.get("entities", ()))
    entities = tuple(e.id for e in ent_records)
    kinds = tuple(e.kind for e in ent_records)
    idx = {e: i for i, e in enumerate(entities)}
    n = len(entities)

    rows: list[dict[str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for deal in records.get("deals", ()):
        if not isinstance(deal, Deal):
            continue
        if deal.id in a.exclude_deals:
            skipped.append((deal.id, "excluded by the scenario"))
            continue
        if a.scope and deal.payer not in a.scope and deal.payee not in a.scope:
            skipped.append(
                (deal.id, f"outside the scenario's scope ({', '.join(a.scope)} and their contracts)")
            )
            continue
        if deal.status not in a.statuses:
            skipped.append((deal.id, f"status {deal.status} does not bind money in this run"))
            continue
        if deal.payer not in idx or deal.payee not in idx:
            skipped.append((deal.id, "payer or payee is not an entity of the ledger"))
            continue
        built = _deal_schedule(deal, a)
        if isinstance(built, str):
            skipped.append((deal.id, built))
            continue
        flows, gw_linked, note = built
        i, j = idx[deal.payer], idx[deal.payee]
        base = np.zeros(T)
        for q, v in flows.items():
            if 0 <= q - q_start < T:
                base[q - q_start] += v
        if deal.kind in ("loan", "bond"):
            _debt_legs(rows, deal, flows, i, j, base, q_start, T, a)
            continue
        if not base.any():
            skipped.append((deal.id, "every amount falls outside the horizon"))
            continue
        _add(
            rows,
            payer=i,
            payee=j,
            kind=deal.kind,
            deal_id=deal.id,
            schedule=base,
            gw=gw_linked,
            principal=0.0,
            note=note,
            gigawatts=math.nan if deal.gigawatts is None else float(deal.gigawatts),
        )

    _apply_payer_paths(rows, a, idx, q_start, T)
    m = len(rows)
    sched = np.array([r["schedule"] for r in rows]).reshape(m, T)
    financials = _financials(records, entities)
    holdings = np.zeros((n, n))
    for h in records.get("holdings", ()):
        if h.holder in idx and h.issuer in idx:
            holdings[idx[h.holder], idx[h.issuer]] = h.share
    # the market's price of announced backlog: the pooled fit of the valuation's calibration
    # (circularity reactions --fit); the median ratio where the ledger has no entity table
    multiple, evidence = fitted_backlog_multiple(ledger)
    if not math.isfinite(multiple):
        multiple, evidence = _backlog_multiple(records)
    # and of a cancelled or delayed contract (NaN: too few reactions; the scenario's prior stands)
    cancel = fitted_backlog_prices(ledger)["cancelled"]
    return Web(
        entities=entities,
        entity_kinds=kinds,
        quarters=quarters,
        payer=np.array([r["payer"] for r in rows], dtype=np.int64),
        payee=np.array([r["payee"] for r in rows], dtype=np.int64),
        kind=tuple(r["kind"] for r in rows),
        deal_id=tuple(r["deal_id"] for r in rows),
        schedule=sched,
        gw_linked=np.array([r["gw"] for r in rows], dtype=bool),
        gigawatts=np.array([r.get("gigawatts", 0.0) for r in rows], dtype=float),
        principal=np.array([r["principal"] for r in rows], dtype=float),
        financials=financials,
        holdings=holdings,
        backlog_multiple=multiple,
        backlog_evidence=evidence,
        cancel_multiple=cancel.coefficient,
        cancel_interval=(cancel.low, cancel.high),
        notes=tuple(r["note"] for r in rows),
        skipped=tuple(skipped),
        first_projected=n_hist,
        reported=_reported(records, idx, q_start, n_hist),
        as_of=None if as_of is None else day.isoformat(),
    )


def principal_outstanding(web: Web) -> tuple[Array, Array]:
    """``(owed, lent)``, ``(n,)`` each: the principal of the web's loans and bonds outstanding at
    the start of its horizon, by borrower and by lender (the ``repayment`` legs carry it)."""
    owed, lent = np.zeros(web.n), np.zeros(web.n)
    rep = np.asarray(web.kind) == "repayment"
    np.add.at(owed, np.asarray(web.payer)[rep], np.asarray(web.principal)[rep])
    np.add.at(lent, np.asarray(web.payee)[rep], np.asarray(web.principal)[rep])
    return owed, lent


#: balance metrics read as reported stocks at the end of a history quarter
_STOCKS = {"cash": _METRICS["cash"], "debt": _METRICS["debt"]}
#: capex metrics read as reported flows of history quarters, and the quarters each period spans
_CAPEX = _METRICS["capex_annual"]
_SPAN = {"Q": 1, "H1": 2, "9M": 3, "FY": 4, "TTM": 4}


def _reported(
    records: Mapping[str, Iterable[Any]], idx: Mapping[str, int], q_start: int, h: int
) -> dict[str, Array]:
    """``(n, h)``-wide figures per history quarter: quarterly revenue, cash and debt at quarter end,
    the market value known then (the latest valuation or market cap dated by the quarter's end),
    and capex (a quarter's, or a longer period's spread evenly over its quarters; the shortest
    period covering a quarter wins).

    A fiscal quarter counts in the calendar quarter its period ends in (Oracle's quarter to
    30 November is 2025Q4). Of two metrics for one balance (cash, cash and marketable
    securities) the first of :data:`_METRICS` wins.
    """
    n = len(idx)
    out = {k: np.full((n, h), math.nan) for k in ("revenue", "cash", "debt", "market_value", "capex")}
    rank: dict[tuple[str, int, int], int] = {}
    capex_rank = np.full((n, h), np.inf)  # (quarters the figure spans, metric rank): shorter wins
    values: dict[int, list[tuple[int, int, int, float]]] = {}
    mv_metrics = _METRICS["market_value"]
    for f in records.get("financials", ()):
        if getattr(f, "unit", None) != "USD_bn" or f.entity not in idx:
            continue
        end = f.period_end if isinstance(f.period_end, date) else parse_date(f.period_end)
        y, q = quarter_of(end)
        t = 4 * y + q - 1 - q_start
        i = idx[f.entity]
        if f.metric in mv_metrics and t < h:
            values.setdefault(i, []).append((t, end.toordinal(), -mv_metrics.index(f.metric), float(f.value)))
        span = _SPAN.get(getattr(f, "period_type", ""), 0)
        if f.metric in _CAPEX and span and f.value is not None and 0 <= t < h + span - 1:
            # a period's capex spread evenly over the quarters it spans (stated rule); a shorter
            # period's figure wins where two cover one quarter (Oracle's H1 FY2026 over its FY2025)
            r = span + _CAPEX.index(f.metric) / 10.0
            for k in range(max(t - span + 1, 0), min(t + 1, h)):
                if r < capex_rank[i, k]:
                    capex_rank[i, k] = r
                    out["capex"][i, k] = float(f.value) / span
        if not 0 <= t < h:
            continue
        if f.metric == "revenue" and f.period_type == "Q":
            out["revenue"][i, t] = float(f.value)
            continue
        for name, metrics in _STOCKS.items():
            if f.metric in metrics:
                r = metrics.index(f.metric)
                if rank.get((name, i, t), 99) > r:
                    rank[(name, i, t)] = r
                    out[name][i, t] = float(f.value)
    # a market value is known from its date on: each history quarter shows the latest valuation
    # or market cap dated in or before it (later the same quarter wins; on one date the more
    # direct metric), NaN before the first
    for i, rows in values.items():
        rows.sort()
        for t, _, _, v in rows:
            out["market_value"][i, max(t, 0) :] = v
    return out


def _debt_legs(
    rows: list[dict[str, Any]],
    deal: Deal,
    flows: Mapping[int, float],
    i: int,
    j: int,
    base: Array,
    q_start: int,
    T: int,
    a: ScheduleAssumptions,
) -> None:
    """Drawdown (lender → borrower) plus interest and repayment (borrower → lender)."""
    rate = deal.rate if deal.rate is not None else a.loan_rate
    term = a.deal_overrides.get(deal.id, {}).get("term_years", deal.term_years)
    term = term if term is not None else a.default_term_years.get(deal.kind, 5.0)
    life = int(round(4 * term))
    interest, repay = np.zeros(T), np.zeros(T)
    principal_at_start = 0.0
    for q, amt in flows.items():
        if q < q_start:
            principal_at_start += amt
        for k in range(1, life + 1):  # interest from the quarter after drawdown to maturity
            t = q + k - q_start
            if 0 <= t < T:
                interest[t] += amt * rate / 4.0
        t_mat = q + life - q_start
        if 0 <= t_mat < T:
            repay[t_mat] += amt
    src = f"rate {rate:.2%}{'' if deal.rate is not None else ' (default)'}, term {term:g} y"
    if base.any():
        _add(
            rows,
            payer=i,
            payee=j,
            kind=deal.kind,
            deal_id=deal.id,
            schedule=base,
            gw=False,
            principal=0.0,
            note="drawdown; " + src,
        )
    if interest.any():
        _add(
            rows,
            payer=j,
            payee=i,
            kind="interest",
            deal_id=deal.id,
            schedule=interest,
            gw=False,
            principal=principal_at_start,
            note="interest; " + src,
        )
    if repay.any():
        _add(
            rows,
            payer=j,
            payee=i,
            kind="repayment",
            deal_id=deal.id,
            schedule=repay,
            gw=False,
            principal=principal_at_start,
            note="bullet repayment; " + src,
        )


def _apply_payer_paths(
    rows: list[dict[str, Any]], a: ScheduleAssumptions, idx: Mapping[str, int], q_start: int, T: int
) -> None:
    for payer, (kinds, path) in a.payer_paths.items():
        if payer not in idx:
            continue
        mine = [r for r in rows if r["payer"] == idx[payer] and r["kind"] in kinds]
        if not mine:
            continue
        totals = np.array([r["schedule"].sum() for r in mine])
        weights = totals / totals.sum() if totals.sum() > 0 else np.full(len(mine), 1 / len(mine))
        for t in range(T):
            label = quarter_from_number(q_start + t)
            if label not in path:
                continue
            target = path[label] / 4.0
            now = np.array([r["schedule"][t] for r in mine])
            share = now / now.sum() if now.sum() > 0 else weights
            for r, s in zip(mine, share, strict=True):
                r["schedule"][t] = target * s
        for r in mine:
            r["note"] += f"; rescaled to the {payer} path of the scenario"


def _backlog_multiple(records: Mapping[str, Iterable[Any]]) -> tuple[float, tuple[float, ...]]:
    """Median market value per dollar of announced backlog over the announcement-day reactions of
    a backlog deal's payee (the rule of :mod:`circularity.analytics.market_reactions`)."""
    frames = {
        t: pd.DataFrame([record_to_row(r) for r in records.get(t, ())], columns=list(COLUMNS[t]))
        for t in ("market_reactions", "deals", "entities")
    }
    table = backlog_reactions(frames["market_reactions"], frames["deals"], frames["entities"])
    return backlog_multiple(table)
