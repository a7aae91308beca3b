"""Scenario files: every assumption of a projection, each with its value and its source.

A scenario is YAML validated by :class:`Scenario` (JSON Schema: :func:`scenario_schema`). Every
number the ledger does not state is a :class:`Param` (``{value, source}``) or a :class:`Path`
(values by year ``"2027"`` or quarter ``"2027Q2"``, held until the next key); ``source`` is a
citation or starts with ``assumption:`` and says why. ``--set key=value`` overrides any of them
by dotted path (:func:`apply_sets`); :func:`run_projection` takes arrays of values per path to run
many scenarios at once.
"""

from __future__ import annotations

import re
import types
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path as FsPath
from typing import Annotated, Any, ClassVar, Literal, Union, get_args, get_origin

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from circularity.compile import ScheduleAssumptions
from circularity.errors import InputError, ScenarioError
from circularity.input_files import check_text, load_yaml, read_text
from circularity.ledger.dates import parse_date, parse_quarter
from circularity.projection.bounds import In, Number

__all__ = [
    "Channels",
    "ContractAssumptions",
    "CreditorAssumptions",
    "DefaultCosts",
    "EntityAssumptions",
    "Event",
    "GlobalAssumptions",
    "Holder",
    "Param",
    "Path",
    "PRESETS",
    "ResolutionAssumptions",
    "SecuredDebt",
    "Successor",
    "Scenario",
    "apply_sets",
    "load_scenario",
    "path_values",
    "scenario_schema",
]

PRESETS: tuple[str, ...] = (
    "baseline",
    "funding-freeze",
    "gpu-life-3y",
    "power-gap",
    "openai-slowdown",
    "rates-14pct",
    "hsbc-2025",
    "openai-plan",
)


class _Model(BaseModel):
    # unknown keys, NaN and infinities are refused in every scenario model
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class DealOverride(_Model):
    """What a scenario may change of one deal's terms (``contracts.deal_overrides.<deal id>``)."""

    amount: Annotated[Number, In(0, 1e5, unit="USD bn")] | None = None
    start: str | None = None
    term_years: Annotated[Number, In(0, 100, low_open=True, unit="years")] | None = None
    profile: Literal["flat", "ramp"] | None = None
    source: str = Field(min_length=3)

    @field_validator("start")
    @classmethod
    def _start(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                parse_date(v)
            except ValueError:
                try:
                    parse_quarter(v)
                except ValueError:
                    raise ValueError(f"{v!r} is neither a date YYYY-MM-DD nor a quarter YYYYQn") from None
        return v


class Param(_Model):
    """One number and where it comes from (a citation, or ``assumption: why``)."""

    value: Number
    source: str = Field(min_length=3)


class Path(_Model):
    """A number that changes with time: ``{"2025": 1.0, "2026Q3": 0.0}`` held until the next key.

    ``interpolate: log`` joins year keys geometrically (revenue paths given for a few years).
    """

    value: Number | dict[str, Number]
    source: str = Field(min_length=3)
    interpolate: Literal["step", "log"] = "step"

    @field_validator("value")
    @classmethod
    def _keys(cls, v: float | dict[str, float]) -> float | dict[str, float]:
        if isinstance(v, dict):
            if not v:
                raise ValueError("a path needs at least one key")
            for k in v:
                _key_q(k)
        return v


class Segment(_Model):
    """A market segment: revenue = size × share (HSBC's consumer and enterprise markets)."""

    name: str
    size: Path
    share: Path


class EntityAssumptions(_Model):
    """Assumptions for one entity; anything left out comes from ``defaults``, then financials."""

    revenue_annual: Annotated[Param | None, In(0, 1e5, unit="USD bn a year")] = None
    revenue_growth: Annotated[Path | None, In(-1, 100, unit="a year (0.1 = +10%)")] = None
    revenue_path: Annotated[Path | None, In(0, 1e5, unit="USD bn a year")] = None
    revenue_segments: list[Segment] | None = None
    revenue_scale: Annotated[Param | None, In(0, 100, unit="x the path")] = None
    net_cash_flow_path: Annotated[Path | None, In(-1e5, 1e5, unit="USD bn a year")] = None
    opex_ratio: Annotated[Param | None, In(0, 10, unit="of revenue")] = None
    opex_path: Annotated[Path | None, In(0, 10, unit="of revenue")] = None
    #: outside capex by year (USD bn a year), added to ``capex_ratio × revenue``: guided capex
    capex_path: Annotated[Path | None, In(0, 1e5, unit="USD bn a year")] = None
    capex_ratio: Annotated[Param | None, In(0, 10, unit="of revenue")] = None
    cash: Annotated[Param | None, In(0, 1e6, unit="USD bn")] = None
    debt: Annotated[Param | None, In(0, 1e6, unit="USD bn")] = None
    market_value: Annotated[Param | None, In(0, 1e6, unit="USD bn")] = None
    capital_stock: Annotated[Param | None, In(0, 1e6, unit="USD bn")] = None
    min_cash: Annotated[Param | None, In(0, 1e5, unit="USD bn")] = None
    leverage_limit: Annotated[Param | None, In(0, 100, unit="debt / EBITDA")] = None
    rate: Annotated[Param | None, In(0, 1, unit="a year")] = None
    spread_per_turn: Annotated[Param | None, In(0, 1, unit="a year per turn of leverage")] = None
    max_rate: Annotated[Param | None, In(0, 1, unit="a year")] = None
    equity_raise_q: Annotated[Param | None, In(0, 1, unit="of market value a quarter")] = None
    debt_maturity_years: Annotated[Param | None, In(0, 100, low_open=True, unit="years")] = None
    tax_rate: Annotated[Param | None, In(0, 1, unit="of profit")] = None
    useful_life_years: Annotated[Param | None, In(0, 100, low_open=True, unit="years")] = None
    refinance_share: Annotated[Param | None, In(0, 1, unit="of maturing debt")] = None


#: Entity fields that are scalars (overridable with arrays in :func:`run_projection`).
ENTITY_SCALARS: tuple[str, ...] = (
    "revenue_annual",
    "revenue_scale",
    "opex_ratio",
    "capex_ratio",
    "cash",
    "debt",
    "market_value",
    "capital_stock",
    "min_cash",
    "leverage_limit",
    "rate",
    "spread_per_turn",
    "max_rate",
    "equity_raise_q",
    "debt_maturity_years",
    "tax_rate",
    "useful_life_years",
    "refinance_share",
)
ENTITY_PATHS: tuple[str, ...] = ("revenue_growth", "opex_path")


class Defaults(EntityAssumptions):
    """Assumptions for every entity not given its own; these must all be set."""

    opex_ratio: Annotated[Param, In(0, 10, unit="of revenue")]
    capex_ratio: Annotated[Param, In(0, 10, unit="of revenue")]
    min_cash: Annotated[Param, In(0, 1e5, unit="USD bn")]
    leverage_limit: Annotated[Param, In(0, 100, unit="debt / EBITDA")]
    rate: Annotated[Param, In(0, 1, unit="a year")]
    spread_per_turn: Annotated[Param, In(0, 1, unit="a year per turn of leverage")]
    max_rate: Annotated[Param, In(0, 1, unit="a year")]
    equity_raise_q: Annotated[Param, In(0, 1, unit="of market value a quarter")]
    debt_maturity_years: Annotated[Param, In(0, 100, low_open=True, unit="years")]
    tax_rate: Annotated[Param, In(0, 1, unit="of profit")]
    revenue_growth: Annotated[Path, In(-1, 100, unit="a year (0.1 = +10%)")]


class DefaultCosts(_Model):
    """Rogers–Veraart default costs: a defaulter realises ``alpha`` of its cash and ``beta`` of
    what it receives from the web (``1, 1`` is Eisenberg–Noe)."""

    alpha: Param
    beta: Param

    @field_validator("alpha", "beta")
    @classmethod
    def _unit(cls, v: Param) -> Param:
        if not 0.0 < v.value <= 1.0:
            raise ValueError(f"{v.value} is outside (0, 1]; 1 means no loss on default")
        return v


class GlobalAssumptions(_Model):
    """Parameters of the whole web."""

    gpu_life_years: Annotated[Param, In(0, 50, low_open=True, unit="years")]
    credit_appetite: Annotated[Path, In(0, 10, unit="x normal")]
    equity_appetite: Annotated[Path, In(0, 10, unit="x normal")]
    power_delivery: Annotated[Path, In(0, 10, unit="of planned GW")]
    backlog_multiple: Annotated[Param, In(0, 1000, unit="x revenue")]
    #: market value per USD of backlog cancelled or terminated (a payer paying part, a resolution);
    #: with ``use_ledger_backlog_multiple`` the ledger's pooled fit (``cancelled``) replaces it
    cancel_multiple: Annotated[Param, In(-1000, 0, unit="per USD cancelled")] = Param(
        value=-0.5,
        source=(
            "assumption: a cancelled dollar of backlog costs what the assumed announced dollar adds "
            "(symmetric to backlog_multiple's 0.5), where the ledger has too few cancellation reactions to fit"
        ),
    )
    use_ledger_backlog_multiple: bool = True
    #: Merton's default probability of the entity in the quarter before scales its credit appetite
    #: (lenders lend ``1 − PD`` of what the fixed scales allow); off: the fixed appetite scales
    market_priced_financing: bool = False
    #: how own equity is valued: ``going_concern`` (market-anchored cash flows at the scenario's
    #: cost of capital, valuation.going_concern) or ``revenue_multiple`` (the same, with the
    #: anchor's cash flow scaled by trailing revenue^value_revenue_elasticity)
    valuation_method: Literal["going_concern", "revenue_multiple"] = "going_concern"
    value_revenue_elasticity: Annotated[Param, In(-10, 10, unit="elasticity")] = Param(
        value=1.0, source="assumption: own market value proportional to trailing revenue"
    )
    rate_floor: Annotated[Param, In(0, 1, unit="a year")] = Param(
        value=0.0, source="assumption: no floor unless a scenario sets one"
    )
    default_value_loss: Annotated[Param, In(0, 1, unit="of own equity value")] = Param(
        value=1.0, source="assumption: a defaulted entity's own equity value is wiped out"
    )
    default_materiality: Annotated[Param, In(0, 1, unit="of the quarter's obligations")] = Param(
        value=0.05,
        source=(
            "assumption: a default is a material failure to pay, not a rounding gap; 5% of the "
            "quarter's obligations (dues, operating costs, capex, interest, tax) left unpaid or "
            "uncovered, after cash, new money and capex cuts, marks one"
        ),
    )
    recovery_rate: Annotated[Param, In(0, 1, unit="of creditors' claims")] = Param(
        value=0.36,
        source=(
            "Moody's, Default and Recovery Rates of Corporate Bond Issuers, 1920-2005 (2006): "
            "recoveries on defaulted corporate bonds average 36% of par historically; applied to "
            "every unsecured claim on a resolved entity (debt, unpaid dues, contract damages)"
        ),
    )
    relet_haircut: Annotated[Param, In(0, 1, unit="of the contract price")] = Param(
        value=0.5,
        source=(
            "assumption: capacity built for a tenant that failed is re-let outside the web at half "
            "its contract price (a distressed market just lost its largest buyer; no source found), "
            "and the other half is the payee's damages claim on the estate"
        ),
    )
    default_costs: DefaultCosts | None = None


class PayerPath(_Model):
    """A payer's yearly spend on some contract kinds, as GW online × price per GW-year."""

    kinds: list[str]
    gw_online: Annotated[Path, In(0, 1e4, unit="GW")]
    usd_per_gw_year: Annotated[Param, In(0, 1e3, unit="USD bn per GW-year")]


class ContractAssumptions(_Model):
    """What deal terms leave open (see :class:`circularity.compile.ScheduleAssumptions`)."""

    amount_basis: Literal["central", "low", "high"] = "central"
    statuses: list[str] = ["announced", "signed", "binding", "non_binding"]
    default_term_years: dict[str, Annotated[Param, In(0, 100, low_open=True, unit="years")]] = {}
    default_profile: Literal["flat", "ramp"] = "flat"
    per_gw_usd_bn: dict[str, Annotated[Param, In(0, 1e3, unit="USD bn per GW")]] = {}
    loan_rate: Annotated[Param, In(0, 1, unit="a year")] = Param(
        value=0.06, source="assumption: IG coupon ~6% where a loan states none"
    )
    exclude_deals: dict[str, str] = {}
    #: entity ids: keep only the deals they pay or receive, with the reason (the published model's scope)
    scope: dict[str, str] = {}
    deal_overrides: dict[str, DealOverride] = {}
    payer_paths: dict[str, PayerPath] = {}

    def to_schedule_assumptions(self, start: str, end: str) -> ScheduleAssumptions:
        base = ScheduleAssumptions()
        terms = dict(base.default_term_years)
        terms.update({k: p.value for k, p in self.default_term_years.items()})
        from circularity.compile import quarter_range

        qs = quarter_range(start, end)
        paths = {}
        for payer, pp in self.payer_paths.items():
            gw = path_values(pp.gw_online, qs)
            first = min(_key_q(k) for k in pp.gw_online.value) if isinstance(pp.gw_online.value, dict) else -1
            paths[payer] = (
                tuple(pp.kinds),
                {
                    q: float(g) * pp.usd_per_gw_year.value
                    for q, g in zip(qs, gw, strict=True)
                    if _key_q(q) >= first
                },
            )
        overrides = {
            k: o.model_dump(exclude={"source"}, exclude_none=True) for k, o in self.deal_overrides.items()
        }
        return ScheduleAssumptions(
            amount_basis=self.amount_basis,
            statuses=tuple(self.statuses),
            default_term_years=terms,
            default_profile=self.default_profile,
            per_gw_usd_bn={k: p.value for k, p in self.per_gw_usd_bn.items()},
            loan_rate=self.loan_rate.value,
            exclude_deals=tuple(self.exclude_deals),
            scope=tuple(self.scope),
            deal_overrides=overrides,
            payer_paths=paths,
        )


class Band(_Model):
    """A plausible range ``[low, high]`` with its source (used to flag, never to clip)."""

    low: Annotated[Number, In(0, 1e4)]
    high: Annotated[Number, In(0, 1e4)]
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _order(self) -> Band:
        if self.low > self.high:
            raise ValueError(f"low {self.low:g} is above high {self.high:g}")
        return self


class Channels(_Model):
    """The channels of issue 13: capacity, the GPU fleet by vintage, the debt ladder, required revenue.

    Left out of a scenario (``channels: null``) the engine runs as before them: one useful life
    for all capital, every debt at one repricing rate, revenue independent of compute.
    See :mod:`circularity.projection.channels` for what each number does.
    """

    #: fleet: chips (economic life ``globals.gpu_life_years``) versus buildings and power
    chip_share: Annotated[Param, In(0, 1, unit="of capex")]
    chip_share_of: dict[str, Annotated[Param, In(0, 1, unit="of capex")]] = {}
    building_life_years: Annotated[Param, In(1, 60, unit="years")]
    replacement_share: Annotated[Param, In(0, 1, unit="of a retiring chip vintage")]
    secondary_price_index: Annotated[Path, In(0, 10, unit="x book value")]
    #: asset-backed lenders: borrower id -> loan-to-value they lend at / covenant maximum
    ltv: dict[str, Annotated[Param, In(0, 1, low_open=True, unit="debt / collateral")]] = {}
    ltv_covenant: dict[str, Annotated[Param, In(0, 1.5, low_open=True, unit="debt / collateral")]] = {}
    #: share of an asset-backed borrower's new debt that its asset-backed lenders provide (1 if unstated)
    secured_share: dict[str, Annotated[Param, In(0, 1, low_open=True, unit="of new debt")]] = {}
    #: debt ladder and limits
    rate_path: Annotated[Path, In(0, 1, unit="a year")]
    floating_share: Annotated[Param, In(0, 1, unit="of starting debt")]
    floating_share_of: dict[str, Annotated[Param, In(0, 1, unit="of starting debt")]] = {}
    interest_cover_min: Annotated[Param, In(0, 100, low_open=True, unit="EBITDA / interest")]
    interest_cover_min_of: dict[
        str, Annotated[Param, In(0, 100, low_open=True, unit="EBITDA / interest")]
    ] = {}
    #: capacity
    usd_bn_per_gw: Annotated[Param, In(1, 500, unit="USD bn per GW built")]
    #: a deal whose GW and dollars imply a price per GW outside this band is flagged in --explain
    usd_bn_per_gw_band: Band
    usd_bn_per_gw_year: Annotated[Param, In(0.1, 200, unit="USD bn per GW-year of compute")]
    usd_bn_per_gw_year_band: Band
    lead_time_quarters: Annotated[Param, In(0, 40, unit="quarters")]
    compute_revenue_elasticity: Annotated[Param, In(0, 2, unit="elasticity")]
    renewal_share: Annotated[Param, In(0, 1, unit="of an ending contract")]
    #: share of capacity offered outside a take-or-pay contract that is rented (re-let capacity)
    utilisation: Annotated[Param, In(0, 1, unit="of capacity offered")] = Param(
        value=1.0, source="assumption: every re-let GW is rented unless a scenario says otherwise"
    )
    utilisation_of: dict[str, Annotated[Param, In(0, 1, unit="of capacity offered")]] = {}
    rental_price_index: Annotated[Path, In(0, 10, unit="x contract price")]
    #: required revenue
    cost_of_capital: Annotated[Param, In(0, 1, unit="a year")]

    #: the fields keyed by entity id: they belong to one dataset's entities
    ENTITY_MAPS: ClassVar[tuple[str, ...]] = (
        "ltv",
        "ltv_covenant",
        "secured_share",
        "floating_share_of",
        "chip_share_of",
        "interest_cover_min_of",
        "utilisation_of",
    )

    @field_validator(*ENTITY_MAPS)
    @classmethod
    def _ids(cls, v: dict[str, Param]) -> dict[str, Param]:
        for k in v:
            if not k or not k.replace("-", "").replace("_", "").isalnum():
                raise ValueError(f"'{k}' is not an entity id")
        return v


class SecuredDebt(_Model):
    """Debts of one borrower secured on named collateral (``resolution.secured.<borrower>``):
    in a resolution their holders are paid first from that collateral, and any claim the
    collateral does not cover (the deficiency) ranks with the unsecured claims."""

    #: deal ids of the borrower's loans or bonds that are secured
    deals: list[str] = Field(min_length=1)
    #: ``chips``: the GPU fleet at its collateral value (chip book value × the secondary-market
    #: price index; all fixed assets without channels); ``fixed_assets``: every fixed asset at book
    collateral: Literal["chips", "fixed_assets"] = "chips"
    source: str = Field(min_length=3)


class Successor(_Model):
    """Who assumes a defaulted entity's contracts, at what share of their price
    (``resolution.successors.<entity>``)."""

    successor: str = Field(min_length=1)
    #: the successor pays (buyer's contracts) and is paid (seller's contracts) this share of
    #: each assumed contract's remaining payments
    price: Annotated[Number, In(0, 1, unit="of the contract price")]
    source: str = Field(min_length=3)


class ResolutionAssumptions(_Model):
    """Seniority and successors in a resolution (``resolution:``; both empty: every claim
    unsecured and pro rata, every contract terminated)."""

    secured: dict[str, SecuredDebt] = {}
    successors: dict[str, Successor] = {}

    @model_validator(mode="after")
    def _not_itself(self) -> ResolutionAssumptions:
        for e, s in self.successors.items():
            if s.successor == e:
                raise ValueError(f"successors.{e}: an entity cannot succeed itself; name another entity")
        return self


class Holder(_Model):
    """The creditor entity that holds a borrower's outside debt, or buys an issuer's new equity
    (``creditors.debt.<borrower or kind>``, ``creditors.equity.<issuer or kind>``)."""

    creditor: str = Field(min_length=1)
    source: str = Field(min_length=3)


class CreditorAssumptions(_Model):
    """Who holds the debt outside the web and provides the projection's new money
    (``creditors:``; empty: outside debt has no named holder and new money no limit).

    ``debt`` maps a borrower (an entity id, or an entity kind for every entity of that kind
    not named) to the lender or investor entity that holds its outside debt and lends its new
    debt; ``equity`` maps an issuer the same way to the entity that buys its new equity;
    ``capacity`` gives a creditor the new money it will put in over the projected quarters
    (USD bn, net of principal repaid to it and recoveries); a creditor without one has no limit.
    """

    debt: dict[str, Holder] = {}
    equity: dict[str, Holder] = {}
    capacity: dict[str, Annotated[Param, In(0, 1e6, unit="USD bn")]] = {}

    @model_validator(mode="after")
    def _not_itself(self) -> CreditorAssumptions:
        for part in ("debt", "equity"):
            for e, h in getattr(self, part).items():
                if h.creditor == e:
                    raise ValueError(
                        f"{part}.{e}: an entity cannot be its own creditor; name a lender or investor"
                    )
        return self


EventKind = Literal["revenue_shock", "credit_closed", "equity_closed", "pay_ratio"]


class Event(_Model):
    """A dated shock: ``2027Q2: openai revenue_shock 0.7`` (revenue 30% below path from then).

    ``revenue_shock``: revenue × value from ``quarter`` (until ``until``); ``credit_closed`` /
    ``equity_closed``: new debt / equity capacity × value (0 = market closed); ``pay_ratio``:
    the entity's commitments from ``quarter`` on are cut to ``value`` of their schedule.
    """

    quarter: str
    entity: str
    kind: EventKind
    #: a multiplier (revenue_shock, credit/equity_closed) or a share (pay_ratio, at most 1)
    value: Annotated[Number, In(0, 10)] = 0.0
    until: str | None = None
    source: str = Field(min_length=3)

    @field_validator("quarter", "until")
    @classmethod
    def _q(cls, v: str | None) -> str | None:
        if v is not None:
            parse_quarter(v)
        return v

    @model_validator(mode="after")
    def _share(self) -> Event:
        if self.kind == "pay_ratio" and self.value > 1:
            raise ValueError(f"pay_ratio {self.value:g} is outside the allowed range [0, 1] (a share)")
        return self


class Move(_Model):
    """An output a preset must move against the baseline, and which way (a test holds it to it).

    ``output``: a headline (``funding_need_2030``) or ``variable:entity[:quarter]`` over the
    columns of ``quarters.csv``, summed over the projected quarters when no quarter is given.
    """

    output: str = Field(min_length=3)
    direction: Literal["up", "down"]
    why: str = Field(min_length=3)


class Horizon(_Model):
    start: str = "2025Q1"
    end: str = "2032Q4"


class Scenario(_Model):
    """A projection scenario: base assumptions, global parameters, contract terms and events."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    description: str = ""
    extends: str | None = None
    as_of: str | None = None
    horizon: Horizon = Horizon()
    headline_entity: str = "openai"
    globals: GlobalAssumptions
    defaults: Defaults
    kind_defaults: dict[str, EntityAssumptions] = {}
    entities: dict[str, EntityAssumptions] = {}
    contracts: ContractAssumptions = ContractAssumptions()
    events: list[Event] = []
    channels: Channels | None = None
    resolution: ResolutionAssumptions = ResolutionAssumptions()
    creditors: CreditorAssumptions = CreditorAssumptions()
    #: the outputs this preset must move against the baseline (documentation and test)
    moves: list[Move] = []


@lru_cache(maxsize=4096)
def _key_q(key: str | int) -> int:
    """Absolute quarter of a path key: ``2027`` → 2027Q1, ``2027Q3`` → itself."""
    k = str(key).strip()
    if k.isdigit():
        return 4 * int(k)
    y, q = parse_quarter(k)
    return 4 * y + q - 1


@lru_cache(maxsize=64)
def _quarter_numbers(quarters: tuple[str, ...]) -> np.ndarray:
    """Absolute quarter numbers of a run's quarters, parsed once per run length (read-only)."""
    qs = np.array([_key_q(q) for q in quarters], dtype=float)
    qs.flags.writeable = False
    return qs


def path_values(path: Path, quarters: Sequence[str]) -> np.ndarray:
    """Value of a path in each quarter (held from each key; log-interpolated between years)."""
    qs = _quarter_numbers(tuple(quarters))
    if not isinstance(path.value, dict):
        return np.full(len(qs), float(path.value))
    items = sorted((_key_q(k), float(v)) for k, v in path.value.items())
    keys = np.array([k for k, _ in items], dtype=float)
    vals = np.array([v for _, v in items])
    if path.interpolate == "log" and len(items) > 1 and (vals > 0).all():
        # annual values at year keys, joined geometrically year by year, held within a year
        years = np.floor(qs / 4) * 4
        return np.asarray(np.exp(np.interp(years, keys, np.log(vals))))
    pos = np.searchsorted(keys, qs, side="right") - 1
    return vals[np.clip(pos, 0, None)]


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict) and "value" not in v:
            out[k] = _deep_merge(out[k], v)
        elif k == "events" and isinstance(v, list):
            out[k] = list(out.get(k, [])) + v
        else:
            out[k] = v
    return out


def _read_yaml(text: str, where: str) -> dict[str, Any]:
    try:
        data = load_yaml(text, where)  # repeated keys, deep nesting and alias bombs refused
        check_text(data, where)  # control characters spelt as escapes ("\x07")
    except InputError as exc:
        raise ScenarioError(str(exc).replace("\n", " ")) from None
    if not isinstance(data, dict):
        raise ScenarioError(f"{where}: a scenario file is a YAML mapping")
    return data


def _raw(name_or_path: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name_or_path in seen:
        raise ScenarioError(f"scenario '{name_or_path}' extends itself ({' -> '.join(seen)})")
    fs = FsPath(name_or_path)
    if name_or_path in PRESETS:
        text = resources.files("circularity.projection.presets").joinpath(f"{name_or_path}.yaml").read_text()
        where = f"preset {name_or_path}"
    elif fs.suffix in (".yaml", ".yml") or fs.exists():
        if not fs.exists():
            raise ScenarioError(f"scenario file {name_or_path} does not exist; presets: {', '.join(PRESETS)}")
        try:
            text, where = read_text(fs, what="YAML"), str(fs)
        except InputError as exc:
            raise ScenarioError(str(exc)) from None
    else:
        raise ScenarioError(
            f"unknown scenario '{name_or_path}'; presets: {', '.join(PRESETS)}, or a YAML file"
        )
    data = _read_yaml(text, where)
    parent = data.get("extends")
    if parent is not None and not isinstance(parent, str):
        raise ScenarioError(f"{where}: extends: {parent!r} is not a scenario name; give a preset or a file")
    if parent:
        data = _deep_merge(_raw(parent, (*seen, name_or_path)), data)
    return data


def load_scenario(name_or_path: str, sets: Sequence[str] = ()) -> Scenario:
    """A preset by name or a YAML file, with ``--set key=value`` overrides applied.

    Raises
    ------
    ScenarioError
        Unknown preset, missing file, invalid YAML or field, or a bad override; one line.
    """
    data = _raw(name_or_path)
    data = apply_sets(data, sets)
    return _validate(data, name_or_path)


def _validate(data: dict[str, Any], where: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"])
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float | bool | type(None) | list) else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise ScenarioError(
            f"scenario {where}: {loc}: {msg}{shown[:200]} ({len(exc.errors())} problem(s))"
        ) from None


def apply_sets(data: dict[str, Any] | Scenario, sets: Sequence[str]) -> dict[str, Any]:
    """Apply ``key=value`` overrides by dotted path; a ``{value, source}`` node gets the value.

    ``globals.gpu_life_years=3`` sets ``value`` and records ``source: override: --set``;
    ``globals.power_delivery.2028=0.5`` sets one key of a path.
    """
    out = data.model_dump(mode="json", exclude_none=True) if isinstance(data, Scenario) else dict(data)
    for item in sets:
        if "=" not in item:
            raise ScenarioError(f"--set '{item}': expected key=value, e.g. globals.gpu_life_years=3")
        key, text = item.split("=", 1)
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            value = text
        parts = key.strip().split(".")
        if parts[-1] == "value" and _field_type(parts[:-1]) in (Param, Path):
            parts = parts[:-1]  # x.value=3 is x=3
        # a number for a {value, source} field the scenario does not give yet (a lever such as
        # entities.openai.revenue_scale): it becomes {value, source: override}, checked against
        # the field's range like any other
        fresh = not isinstance(value, dict) and _field_type(parts) in (Param, Path)
        out = _set(out, parts, value, key, fresh=fresh)
    return out


def _unwrap(annotation: Any) -> Any:
    """``Annotated[X, ...]`` and ``X | None`` as ``X`` (the one model of a union, if one)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        args = [_unwrap(a) for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else (args[0] if len(args) == 1 else None)
    return annotation


def _field_type(parts: list[str]) -> Any:
    """The type a dotted scenario path names (a model, ``Param``, ``Path``, a scalar), or ``None``."""
    current: Any = Scenario
    for part in parts:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            if field is None:
                return None
            current = field.annotation
        elif get_origin(current) is dict:
            current = get_args(current)[1]
        elif get_origin(current) is list and part.isdigit():
            current = get_args(current)[0]
        else:
            return None
    return _unwrap(current)


#: a path key naming a quarter (``2027Q2``): not a mapping to create under ``--set``
_QUARTER_KEY = re.compile(r"\d{4}Q[1-4]")


def _set(node: Any, parts: list[str], value: Any, key: str, *, fresh: bool = False) -> Any:
    if not parts:
        if isinstance(node, dict) and "value" in node and "source" in node:
            return {**node, "value": value, "source": f"override: --set {key}"}
        if node is None and fresh:
            return {"value": value, "source": f"override: --set {key}"}
        return value
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        if not head.isdigit() or int(head) >= len(node):
            raise ScenarioError(f"--set {key}: '{head}' is not an index of a list of {len(node)}")
        new = list(node)
        new[int(head)] = _set(node[int(head)], rest, value, key, fresh=fresh)
        return new
    if not isinstance(node, dict):
        raise ScenarioError(f"--set {key}: cannot go into '{head}' of a value")
    child = node.get(head)
    if child is None and rest and not (head.isdigit() or _QUARTER_KEY.fullmatch(head)):
        child = {}
    if isinstance(node, dict) and "value" in node and "source" in node and head not in ("value", "source"):
        # one key of a path: value.<key>
        vals = node["value"] if isinstance(node["value"], dict) else {"2000": node["value"]}
        vals = {**vals, head: value}
        return {**node, "value": vals, "source": f"{node['source']}; override: --set {key}"}
    if head in ("value",) and isinstance(node, dict) and "source" in node:
        return {
            **node,
            "value": _set(node.get("value"), rest, value, key, fresh=fresh),
            "source": f"override: --set {key}",
        }
    return {**node, head: _set(child, rest, value, key, fresh=fresh)}


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files (published as ``docs/scenario.schema.json``)."""
    return Scenario.model_json_schema()
