"""The named computations a claim's formula may call.

Each computation is a small pure function ``f(ctx, *args) -> Figure``: it reads the ledger or the
published assumptions through the :class:`ClaimContext` and returns the computed figure together
with every input it used. A computation that lacks an input raises :class:`NotComputable` with the
reason, which the check reports as the verdict "not computable"; it never guesses.

Families
--------
inputs
    ``financial(entity, metric, period)``, ``latest(entity, metric)``, ``assumption(key)``,
    ``series_sum(key, first, last)``, ``first_year_above(key, threshold)``, ``deal(id, field)``,
    ``deal_terms(id, field)``, ``live_amount(id)``, ``outflows(payer, kinds)``, ``claim(id)``,
    ``projection(preset, output)``, ``stress_shock(entity, shock, entities, measure)``,
    ``reaction(entity, day, field)``, ``backlog_value(year)``, ``issued(kind, payee_kind, first, last)``,
    ``not_verifiable(reason)``
arithmetic
    ``ratio``, ``sum``, ``difference``, ``product``, ``mean``, ``monthly_per_user``
published methods
    ``cahn_required_revenue`` (Sequoia), ``required_revenue`` (Bain), ``perpetuity_payment`` (JPMorgan)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from circularity.errors import CircularityError
from circularity.ledger import DATASETS, Deal, Entity, Financial, Ledger, MarketReaction, load
from circularity.ledger.vocabulary import LIVE_STATUSES

__all__ = [
    "COMPUTATIONS",
    "Assumption",
    "ClaimContext",
    "Figure",
    "Input",
    "NotComputable",
    "PublishedSource",
]


class NotComputable(CircularityError):
    """An input is missing, superseded or unpublished; the message is the reason shown."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedSource:
    """Where a published model's input was stated."""

    key: str
    publisher: str
    title: str
    url: str | None
    date: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assumption:
    """One stated input of a published model (a scalar or a year → value series)."""

    key: str
    value: float | Mapping[int, float]
    unit: str
    confidence: str
    source: PublishedSource
    note: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """One figure a computation read, with where it came from."""

    name: str
    value: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Figure:
    """A computed figure and the inputs (and caveats) behind it."""

    value: float
    unit: str | None = None
    inputs: tuple[Input, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ClaimContext:
    """What a computation may read: the ledger (as of its date), the published assumptions, and
    the other claims' figures (``claim``), supplied by the checker."""

    ledger: Ledger
    assumptions: Mapping[str, Assumption]
    claim_value: Callable[[str], Figure] = field(default=lambda cid: _no_claims(cid))

    @property
    def as_of(self) -> date | None:
        return self.ledger.as_of


def _no_claims(cid: str) -> Figure:
    raise NotComputable(f"claim '{cid}' cannot be read here")


COMPUTATIONS: dict[str, Callable[..., Figure]] = {}


def _register(fn: Callable[..., Figure]) -> Callable[..., Figure]:
    COMPUTATIONS[fn.__name__.rstrip("_")] = fn
    return fn


Arg = Figure | float | str


def _fig(x: Arg) -> Figure:
    if isinstance(x, Figure):
        return x
    if isinstance(x, (int, float)):
        return Figure(value=float(x))
    raise NotComputable(f"'{x}' is text where a number was expected")


def _combine(value: float, unit: str | None, parts: list[Figure], *notes: str) -> Figure:
    if not math.isfinite(value):
        raise NotComputable(f"the result is not a finite number ({value})")
    inputs: dict[str, Input] = {}
    all_notes: list[str] = []
    for p in parts:
        for i in p.inputs:
            inputs.setdefault(i.name, i)
        all_notes += [n for n in p.notes if n not in all_notes]
    all_notes += [n for n in notes if n not in all_notes]
    return Figure(value=value, unit=unit, inputs=tuple(inputs.values()), notes=tuple(all_notes))


def _same_unit(parts: list[Figure], what: str) -> str | None:
    units = {p.unit for p in parts if p.unit is not None}
    if len(units) > 1:
        raise NotComputable(f"{what} mixes units {sorted(units)}; convert first")
    return units.pop() if units else None


def _when(ctx: ClaimContext) -> str:
    return f"as of {ctx.as_of}" if ctx.as_of else "in the ledger"


# -- inputs -------------------------------------------------------------------------------------


@_register
def financial(ctx: ClaimContext, entity: str, metric: str, period: str) -> Figure:
    """A reported figure: ``period`` is the period label (``'Q4 2025'``) or its end date."""
    rows = [
        f
        for f in ctx.ledger.records.get("financials", ())
        if isinstance(f, Financial)
        and f.entity == entity
        and f.metric == metric
        and (f.period == period or f.period_end.isoformat() == period)
    ]
    label = f"{entity} {metric} {period}"
    if not rows:
        raise NotComputable(f"missing input: no financial '{label}' {_when(ctx)}")
    values = {r.value for r in rows if r.value is not None}
    if not values:
        why = "; ".join(sorted({r.missing for r in rows}))
        raise NotComputable(
            f"missing input: financial '{label}' is recorded without a value ({why}) {_when(ctx)}"
        )
    if len(values) > 1 or len(values) < len({r.value for r in rows}):
        shown = sorted(values) + ([None] if any(r.value is None for r in rows) else [])
        raise NotComputable(f"ambiguous input: '{label}' has values {shown}")
    value = values.pop()
    r = rows[0]
    return Figure(
        value=value,
        unit=r.unit,
        inputs=(Input(name=f"financial({label})", value=value, unit=r.unit, source="|".join(r.sources)),),
    )


@_register
def latest(ctx: ClaimContext, entity: str, metric: str) -> Figure:
    """The most recent figure of a metric known on the ledger's date."""
    rows = [
        f
        for f in ctx.ledger.records.get("financials", ())
        if isinstance(f, Financial) and f.entity == entity and f.metric == metric
    ]
    if not rows:
        raise NotComputable(f"missing input: no financial '{entity} {metric}' {_when(ctx)}")
    r = max(rows, key=lambda f: f.period_end)
    if r.value is None:
        raise NotComputable(
            f"missing input: the latest '{entity} {metric}' ({r.period}) is recorded without a value "
            f"({r.missing}) {_when(ctx)}"
        )
    return Figure(
        value=r.value,
        unit=r.unit,
        inputs=(
            Input(
                name=f"latest({entity} {metric}) = {r.period}",
                value=r.value,
                unit=r.unit,
                source="|".join(r.sources),
            ),
        ),
    )


def _assumption(ctx: ClaimContext, key: str) -> Assumption:
    try:
        return ctx.assumptions[key]
    except KeyError:
        raise NotComputable(f"missing input: no published assumption '{key}'") from None


def _cite(a: Assumption) -> str:
    return f"{a.source.publisher} {a.source.date} ({a.confidence})" + (
        f" {a.source.url}" if a.source.url else ""
    )


@_register
def assumption(ctx: ClaimContext, key: str) -> Figure:
    """A published model's stated input (``$model.key`` in a formula)."""
    a = _assumption(ctx, key)
    if not isinstance(a.value, (int, float)):
        raise NotComputable(f"'{key}' is a series; use series_sum or first_year_above")
    return Figure(
        value=float(a.value),
        unit=a.unit,
        inputs=(Input(name=f"${key}", value=float(a.value), unit=a.unit, source=_cite(a)),),
    )


def _series(ctx: ClaimContext, key: str) -> tuple[Assumption, Mapping[int, float]]:
    a = _assumption(ctx, key)
    if isinstance(a.value, (int, float)):
        raise NotComputable(f"'{key}' is a single value, not a year series")
    return a, a.value


@_register
def series_sum(ctx: ClaimContext, key: str, first: float, last: float) -> Figure:
    """Sum of a year series over ``first..last`` inclusive (e.g. cumulative cash flow)."""
    a, s = _series(ctx, key)
    years = range(int(first), int(last) + 1)
    missing = [y for y in years if y not in s]
    if missing:
        raise NotComputable(f"missing input: '{key}' has no value for {missing}")
    total = float(sum(s[y] for y in years))
    inputs = tuple(Input(name=f"${key}[{y}]", value=float(s[y]), unit=a.unit, source=_cite(a)) for y in years)
    return Figure(value=total, unit=a.unit, inputs=inputs)


@_register
def first_year_above(ctx: ClaimContext, key: str, threshold: float = 0.0) -> Figure:
    """First year in which a series is above ``threshold`` (e.g. first cash-positive year)."""
    a, s = _series(ctx, key)
    for y in sorted(s):
        if s[y] > threshold:
            return Figure(
                value=float(y),
                unit="year",
                inputs=(Input(name=f"${key}[{y}]", value=float(s[y]), unit=a.unit, source=_cite(a)),),
            )
    raise NotComputable(f"'{key}' never rises above {threshold:g}")


def _deal(ctx: ClaimContext, deal_id: str) -> Deal:
    try:
        return ctx.ledger.deal(deal_id)
    except KeyError:
        raise NotComputable(f"missing input: deal {deal_id} is not in the ledger {_when(ctx)}") from None


def _deal_field(d: Deal, name: str) -> Figure:
    value = d.amount_central if name == "amount" else getattr(d, name, None)
    if name not in (
        "amount",
        "amount_usd_bn",
        "amount_low_usd_bn",
        "amount_high_usd_bn",
        "gigawatts",
        "term_years",
        "stake",
        "rate",
    ):
        raise NotComputable(f"deal field '{name}' is not a number field")
    if value is None:
        raise NotComputable(f"missing input: deal {d.id} has no {name}")
    unit = (
        "GW"
        if name == "gigawatts"
        else "years"
        if name == "term_years"
        else ("share" if name in ("stake", "rate") else "USD_bn")
    )
    return Figure(
        value=float(value),
        unit=unit,
        inputs=(
            Input(name=f"deal({d.id}).{name}", value=float(value), unit=unit, source="|".join(d.sources)),
        ),
    )


def _status_note(d: Deal, ctx: ClaimContext) -> str:
    succ = f" (by {d.superseded_by})" if d.superseded_by else ""
    return f"{d.id} is {d.status}{succ} {_when(ctx)}"


@_register
def deal(ctx: ClaimContext, deal_id: str, name: str = "amount_usd_bn") -> Figure:
    """A number of a deal that still binds money on the ledger's date (else not computable)."""
    d = _deal(ctx, deal_id)
    if d.status not in LIVE_STATUSES:
        raise NotComputable(f"superseded input: {_status_note(d, ctx)}")
    return _deal_field(d, name)


@_register
def deal_terms(ctx: ClaimContext, deal_id: str, name: str = "amount_usd_bn") -> Figure:
    """A number from a deal's announced terms, whatever its status now (noted when not live)."""
    d = _deal(ctx, deal_id)
    fig = _deal_field(d, name)
    if d.status in LIVE_STATUSES:
        return fig
    return _combine(fig.value, fig.unit, [fig], f"terms of a deal no longer live: {_status_note(d, ctx)}")


@_register
def live_amount(ctx: ClaimContext, deal_id: str) -> Figure:
    """The deal's amount if it binds money on the ledger's date, else 0 (with the status)."""
    d = _deal(ctx, deal_id)
    if d.status in LIVE_STATUSES:
        return _deal_field(d, "amount")
    return Figure(
        value=0.0,
        unit="USD_bn",
        inputs=(Input(name=f"deal({d.id}).status", value=0.0, unit="USD_bn", source="|".join(d.sources)),),
        notes=(_status_note(d, ctx),),
    )


@_register
def outflows(ctx: ClaimContext, payer: str, kinds: str = "equity,loan,backstop,warrant") -> Figure:
    """Sum of the live deals in which ``payer`` sends money of the given kinds (comma-separated)."""
    wanted = {k.strip() for k in kinds.split(",") if k.strip()}
    found = [d for d in ctx.ledger.live_deals if d.payer == payer and d.kind in wanted]
    if not found:
        raise NotComputable(
            f"missing input: no live {'/'.join(sorted(wanted))} deals paid by {payer} {_when(ctx)}"
        )
    parts, notes = [], []
    for d in sorted(found, key=lambda d: d.id):
        if d.amount_central is None:
            notes.append(f"{d.id} has no amount and is left out")
            continue
        parts.append(_deal_field(d, "amount"))
    return _combine(sum(p.value for p in parts), "USD_bn", parts, *notes)


@_register
def claim(ctx: ClaimContext, claim_id: str) -> Figure:
    """The computed figure of another claim in the registry."""
    return ctx.claim_value(claim_id)


@_register
def projection(ctx: ClaimContext, preset: str, output: str) -> Figure:
    """A headline of the quarterly projection engine run on a preset scenario (e.g. HSBC's).

    The web is taken as known on the preset's own date when the ledger's date is later, so a
    published model is checked with what was known when it was published.
    """
    try:
        from circularity.projection import PRESETS, load_scenario, project
    except ImportError:
        raise NotComputable(
            f"needs the projection engine's preset '{preset}' (output '{output}'), "
            "which is not available in this build"
        ) from None
    if preset not in PRESETS:
        raise NotComputable(f"no projection preset '{preset}'; presets: {', '.join(PRESETS)}")
    sc = load_scenario(preset)
    ledger = ctx.ledger
    preset_date = getattr(sc, "as_of", None)
    name = ledger.meta.get("name")
    if preset_date and (ledger.as_of is None or str(ledger.as_of) > str(preset_date)) and name in DATASETS:
        # re-dating an already dated ledger backwards loses revisions, so reload the dataset
        ledger = load(name, as_of=str(preset_date))
    headlines = project(sc, ledger=ledger).headlines()
    if output not in headlines or not isinstance(headlines[output], (int, float)):
        raise NotComputable(f"projection '{preset}' has no numeric headline '{output}'")
    value = float(headlines[output])
    note = f"projection preset {preset} run on the web as of {ledger.as_of}"
    return Figure(
        value=value,
        unit="USD_bn",
        inputs=(Input(name=f"projection({preset}).{output}", value=value, unit="USD_bn", source=preset),),
        notes=(note,),
    )


@_register
def stress_shock(ctx: ClaimContext, entity: str, shock: float, entities: str, measure: str) -> Figure:
    """A market-value result of the stress test (:func:`circularity.stress.stress_test`).

    ``entity`` fails to pay ``shock`` (a share in [0, 1]) of what it owes, on the ledger as of
    its date; ``entities`` (space-separated ids) are summed: ``value_lost`` (USD bn) or
    ``value_fall`` (their loss over their value before, a ratio). The per-entity falls and the
    command that reproduces the run are in the notes. Entities of unknown value are not
    computable, never counted as 0.
    """
    from circularity.stress import stress_test

    if measure not in ("value_lost", "value_fall"):
        raise NotComputable(f"stress measure '{measure}': use value_lost or value_fall")
    share = float(_fig(shock).value)
    result = stress_test({entity: 1.0 - share}, ledger=ctx.ledger)
    ids = entities.split()
    g = result.group_loss(ids)  # the one computation the stress table's articles line shows
    if g["missing"]:
        raise NotComputable(f"not in the stress web: {', '.join(g['missing'])}")
    if g["unknown"]:
        raise NotComputable(f"market value unknown for {', '.join(g['unknown'])}")
    idx = {e: i for i, e in enumerate(result.entities)}
    before = result.losses.value_before[0]
    b, loss = g["before"], g["lost"]
    falls = "; ".join(f"{e} {-g['falls'][e]:+.1%}" for e in ids)
    when = ctx.as_of.isoformat() if ctx.as_of else "today"
    notes = (
        f"stress test, {entity} fails to pay {share:.0%}: circularity stress --shock {entity}={share:g} "
        f"--as-of {when}",
        f"per entity: {falls}",
    )
    inputs = tuple(
        Input(
            name=f"stress.value_before.{e}",
            value=float(before[idx[e]]),
            unit="USD_bn",
            source=result.value_method[idx[e]],
        )
        for e in ids
    )
    if measure == "value_lost":
        return Figure(value=loss, unit="USD_bn", inputs=inputs, notes=notes)
    return Figure(value=loss / b, unit="ratio", inputs=inputs, notes=notes)


@_register
def reaction(ctx: ClaimContext, entity: str, day: str, name: str = "market_cap_change_usd_bn") -> Figure:
    """A market-reaction record's figure (``market_cap_change_usd_bn``, ``pct_change`` or
    ``market_cap_before_usd_bn``) for ``entity`` on ``day`` (ISO date), known on the ledger's date."""
    if name not in ("market_cap_change_usd_bn", "pct_change", "market_cap_before_usd_bn"):
        raise NotComputable(
            f"reaction field '{name}': use market_cap_change_usd_bn, pct_change or market_cap_before_usd_bn"
        )
    rows = [
        m
        for m in ctx.ledger.records.get("market_reactions", ())
        if isinstance(m, MarketReaction) and m.entity == entity and m.date.isoformat() == day
    ]
    label = f"reaction({entity} {day}).{name}"
    values = {getattr(m, name) for m in rows} - {None}
    if not values:
        raise NotComputable(f"missing input: no '{label}' {_when(ctx)}")
    if len(values) > 1:
        raise NotComputable(f"ambiguous input: '{label}' has values {sorted(values)}")
    value = float(values.pop())
    unit = "pct" if name == "pct_change" else "USD_bn"
    src = "|".join(s for m in rows for s in m.sources)
    return Figure(value=value, unit=unit, inputs=(Input(name=label, value=value, unit=unit, source=src),))


@_register
def backlog_value(ctx: ClaimContext, year: float) -> Figure:
    """Median market value per dollar of announced backlog over the announcements of ``year``
    (the rule of :mod:`circularity.analytics.market_reactions`; the ratios are in the notes)."""
    from circularity.analytics.market_reactions import backlog_reactions
    from circularity.ledger.tables import COLUMNS, record_to_row

    frames = {
        t: pd.DataFrame([record_to_row(r) for r in ctx.ledger.records.get(t, ())], columns=list(COLUMNS[t]))
        for t in ("market_reactions", "deals", "entities")
    }
    table = backlog_reactions(frames["market_reactions"], frames["deals"], frames["entities"])
    y = int(_fig(year).value)
    rows = table[table["backlog"] & (pd.to_datetime(table["date"]).dt.year == y)]
    if rows.empty:
        raise NotComputable(
            f"missing input: no backlog announcement with a market reaction in {y} {_when(ctx)}"
        )
    ratios = [float(r) for r in rows["ratio"]]
    value = float(np.median(ratios))
    each = "; ".join(f"{r.date} {r.entity} {r.deal} {r.ratio:.2f}" for r in rows.itertuples())
    return Figure(
        value=value,
        unit="ratio",
        inputs=(
            Input(
                name=f"backlog_value({y}), {len(ratios)} announcements",
                value=value,
                unit="ratio",
                source="market_reactions",
            ),
        ),  # fmt: skip
        notes=(f"value per $ of backlog by announcement: {each}",),
    )


@_register
def issued(ctx: ClaimContext, kind: str, payee_kind: str, first: str, last: str) -> Figure:
    """Sum of the deals of ``kind`` (e.g. bond) whose payee is of ``payee_kind`` (e.g. hyperscaler),
    announced from ``first`` to ``last`` (ISO dates), whatever their status now: what was raised."""
    kinds = {e.id: e.kind for e in ctx.ledger.records.get("entities", ()) if isinstance(e, Entity)}
    lo, hi = date.fromisoformat(first), date.fromisoformat(last)
    found = [
        d
        for d in ctx.ledger.records.get("deals", ())
        if isinstance(d, Deal)
        and d.kind == kind
        and kinds.get(d.payee) == payee_kind
        and lo <= d.announced <= hi
    ]
    if not found:
        raise NotComputable(
            f"missing input: no {kind} deal of a {payee_kind} from {first} to {last} {_when(ctx)}"
        )
    parts = [_deal_field(d, "amount") for d in found]
    ids = ", ".join(f"{d.id} {d.payee} {p.value:g}" for d, p in zip(found, parts, strict=True))
    return _combine(
        sum(p.value for p in parts), "USD_bn", parts, f"{kind} deals of {payee_kind}s {first}..{last}: {ids}"
    )


@_register
def not_verifiable(ctx: ClaimContext, reason: str) -> Figure:
    """A claim the data cannot test; the reason is reported as the verdict's reason."""
    raise NotComputable(reason)


# -- arithmetic ---------------------------------------------------------------------------------


@_register
def ratio(ctx: ClaimContext, numerator: Arg, denominator: Arg) -> Figure:
    """numerator / denominator."""
    a, b = _fig(numerator), _fig(denominator)
    if b.value == 0:
        raise NotComputable("division by zero: the denominator is 0")
    if a.unit and b.unit and a.unit != b.unit and not {a.unit, b.unit} <= {"USD_bn", "USD_bn_per_year"}:
        unit: str | None = f"{a.unit}/{b.unit}"
    else:
        unit = None
    return _combine(a.value / b.value, unit, [a, b])


@_register
def sum_(ctx: ClaimContext, *terms: Arg) -> Figure:
    """Sum of the terms (same unit)."""
    parts = [_fig(t) for t in terms]
    return _combine(float(sum(p.value for p in parts)), _same_unit(parts, "sum"), parts)


@_register
def difference(ctx: ClaimContext, minuend: Arg, subtrahend: Arg) -> Figure:
    """minuend − subtrahend (same unit)."""
    a, b = _fig(minuend), _fig(subtrahend)
    return _combine(a.value - b.value, _same_unit([a, b], "difference"), [a, b])


@_register
def product(ctx: ClaimContext, *factors: Arg) -> Figure:
    """Product of the factors."""
    parts = [_fig(f) for f in factors]
    units = [p.unit for p in parts if p.unit is not None]
    return _combine(math.prod(p.value for p in parts), units[0] if len(units) == 1 else None, parts)


@_register
def mean(ctx: ClaimContext, *terms: Arg) -> Figure:
    """Arithmetic mean (e.g. the midpoint of a guided range)."""
    parts = [_fig(t) for t in terms]
    if not parts:
        raise NotComputable("mean of nothing")
    return _combine(sum(p.value for p in parts) / len(parts), _same_unit(parts, "mean"), parts)


@_register
def monthly_per_user(ctx: ClaimContext, annual_usd_bn: Arg, users_bn: Arg) -> Figure:
    """USD a month per user: annual revenue (USD bn) / (12 × users (bn))."""
    a, u = _fig(annual_usd_bn), _fig(users_bn)
    if u.value <= 0:
        raise NotComputable("the user count must be positive")
    return _combine(a.value / (12.0 * u.value), "USD_per_month", [a, u])


# -- published methods --------------------------------------------------------------------------


@_register
def cahn_required_revenue(
    ctx: ClaimContext, gpu_runrate: Arg, gpu_share_of_tco: Arg, end_user_gross_margin: Arg
) -> Figure:
    """Sequoia's question: GPU run-rate / GPU share of data-centre cost / (1 − end-user margin)."""
    g, s, m = _fig(gpu_runrate), _fig(gpu_share_of_tco), _fig(end_user_gross_margin)
    if not 0 < s.value <= 1 or not 0 <= m.value < 1:
        raise NotComputable("GPU share must be in (0, 1] and the margin in [0, 1)")
    return _combine(g.value / s.value / (1.0 - m.value), g.unit, [g, s, m])


@_register
def required_revenue(ctx: ClaimContext, capex: Arg, capex_to_revenue: Arg) -> Figure:
    """Bain's method: revenue that sustains ``capex`` at a capex-to-revenue ratio."""
    c, r = _fig(capex), _fig(capex_to_revenue)
    if r.value <= 0:
        raise NotComputable("the capex-to-revenue ratio must be positive")
    return _combine(c.value / r.value, c.unit, [c, r])


@_register
def perpetuity_payment(ctx: ClaimContext, investment: Arg, rate: Arg) -> Figure:
    """Level annual payment that earns ``rate`` on ``investment`` forever: investment × rate."""
    i, r = _fig(investment), _fig(rate)
    return _combine(i.value * r.value, "USD_bn_per_year", [i, r])


def figure_of(value: Any) -> Figure:
    """A literal number as a figure (used by the checker for bare constants)."""
    return _fig(value)
