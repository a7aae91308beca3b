"""Ledger record types: what a deal, an entity, a financial figure or a holding is.

Records are parsed from text (YAML, CSV, JSON), so they are pydantic v2 models. Each field checks
itself; checks across records (unknown ids, stakes above 100%, supersession cycles) live in
:mod:`circularity.ledger.validation`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from circularity.ledger.dates import parse_date, parse_quarter, period_bounds
from circularity.ledger.vocabulary import (
    METRICS,
    TABLES,
    Confidence,
    DealKind,
    EntityKind,
    OutcomeEvent,
    PeriodType,
    Status,
    Unit,
)

__all__ = [
    "Deal",
    "Entity",
    "Financial",
    "Holding",
    "MarketReaction",
    "Outcome",
    "RECORD_TYPES",
    "Revision",
    "Schedule",
    "Source",
    "Tranche",
]

#: Largest amount accepted for one record, in USD billions (ten times world GDP is absurd).
MAX_AMOUNT_USD_BN = 1_000_000.0


def _partial_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date")
    period_bounds(value)
    return value.strip()


def _full_date(value: Any) -> date:
    return parse_date(value)


def _blank_to_none(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str) and value.strip() == "":
        return None
    return value


def _amount(value: float | None) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number; amounts are finite USD billions")
    if value < 0:
        raise ValueError(f"{value} is negative; amounts are >= 0 (direction is payer -> payee)")
    if value > MAX_AMOUNT_USD_BN:
        raise ValueError(f"{value} is absurdly large; amounts are USD billions, at most 1e6")
    return value


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


def _quarter_key(value: str) -> str:
    parse_quarter(value)
    return value


PartialDate = Annotated[str, BeforeValidator(_partial_date)]
FullDate = Annotated[date, BeforeValidator(_full_date)]
Amount = Annotated[float | None, BeforeValidator(_blank_to_none), AfterValidator(_amount)]
Finite = Annotated[float, AfterValidator(_finite)]
Text = Annotated[str, BeforeValidator(lambda v: "" if _blank_to_none(v) is None else v)]
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
RecordId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-.]*$", max_length=64)]
Share = Annotated[float, Field(gt=0.0, le=1.0)]
#: Record time: the first day the ledger counts a record as known, when later than its own date
#: (e.g. a fact dated in February that entered the fact base only with a later update).
KnownFrom = Annotated[FullDate | None, BeforeValidator(_blank_to_none)]


def _takes_number(annotation: Any) -> bool:
    """Whether a field's type admits a float or int (through Optional and Annotated)."""
    if annotation in (float, int):
        return True
    return any(_takes_number(arg) for arg in get_args(annotation) if arg is not type(None))


def _takes_bool(annotation: Any) -> bool:
    return annotation is bool or any(_takes_bool(arg) for arg in get_args(annotation))


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """``true`` in a number field (a YAML boolean, an Excel TRUE cell) is refused, not read as 1."""
        if isinstance(value, bool) and info.field_name is not None:
            annotation = cls.model_fields[info.field_name].annotation
            if _takes_number(annotation) and not _takes_bool(annotation):
                raise ValueError(f"{value!r} is true/false, not a number")
        return value


class Source(_Record):
    """Where a figure comes from: publisher, title, URL and date."""

    id: RecordId
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    url: Annotated[str | None, BeforeValidator(_blank_to_none), Field(pattern=r"^https?://\S+$")] = None
    published: PartialDate
    language: str = "en"
    notes: Text = ""

    @model_validator(mode="after")
    def _locatable(self) -> Source:
        if self.url is None and not self.notes:
            raise ValueError("no url: give an http(s) URL, or say in 'notes' where the document can be found")
        return self


class Entity(_Record):
    """A company, fund, SPV or group of investors that pays or receives money in the web."""

    id: Slug
    name: str = Field(min_length=1)
    kind: EntityKind
    ticker: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    listed: bool = False
    country: Annotated[str | None, BeforeValidator(_blank_to_none)] = None
    aliases: list[str] = Field(default_factory=list)
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence = "confirmed"
    notes: Text = ""

    @model_validator(mode="after")
    def _ticker_when_listed(self) -> Entity:
        if self.listed and not self.ticker:
            raise ValueError("a listed entity needs a ticker")
        return self


class Tranche(_Record):
    """One tranche of a deal: an amount released when a condition is met (e.g. per GW deployed)."""

    amount_usd_bn: Amount = None
    condition: str = Field(min_length=1)
    start: Annotated[PartialDate | None, BeforeValidator(_blank_to_none)] = None
    gigawatts: Annotated[Annotated[float, Field(ge=0)] | None, BeforeValidator(_blank_to_none)] = None


class Schedule(_Record):
    """How a deal's amount is spread in time.

    ``explicit``: per-quarter amounts (``2027Q1: 15.0``) that must add up to the deal amount;
    ``flat``: equal per quarter over the term; ``ramp``: rising linearly over the term;
    ``tranches``: amounts released on conditions (``per GW deployed``); ``one_off``: at start.
    """

    profile: Literal["explicit", "flat", "ramp", "tranches", "one_off"]
    quarters: dict[Annotated[str, AfterValidator(_quarter_key)], Finite] | None = None
    tranches: list[Tranche] | None = None
    per_gw_usd_bn: Annotated[float | None, Field(ge=0)] = None
    basis: Text = ""

    @model_validator(mode="after")
    def _parts_match_profile(self) -> Schedule:
        if self.profile == "explicit" and not self.quarters:
            raise ValueError("an explicit schedule needs 'quarters' (e.g. {'2027Q1': 15.0})")
        if self.profile == "tranches" and not self.tranches:
            raise ValueError("a tranches schedule needs 'tranches'")
        if self.quarters and any(v < 0 or not math.isfinite(v) for v in self.quarters.values()):
            raise ValueError("quarterly amounts must be finite and >= 0")
        return self


class Revision(_Record):
    """A later fact about a deal, true from ``valid_from``: it supersedes, never overwrites."""

    valid_from: FullDate
    status: Status | None = None
    amount_usd_bn: Amount = None
    superseded_by: Annotated[RecordId | None, BeforeValidator(_blank_to_none)] = None
    confidence: Confidence | None = None
    sources: list[RecordId] = Field(min_length=1)
    note: str = Field(min_length=1)
    known_from: KnownFrom = None

    @property
    def known(self) -> date:
        """The day the ledger knows this revision: its valid date, or its record date if later."""
        return max(self.valid_from, self.known_from or self.valid_from)


class Deal(_Record):
    """A contract between two entities; money moves from ``payer`` to ``payee``."""

    id: RecordId
    kind: DealKind
    flow_type: Text = ""
    payer: Slug
    payee: Slug
    description: Text = ""
    amount_usd_bn: Amount = None
    amount_low_usd_bn: Amount = None
    amount_high_usd_bn: Amount = None
    announced: FullDate
    start: Annotated[PartialDate | None, BeforeValidator(_blank_to_none)] = None
    end: Annotated[PartialDate | None, BeforeValidator(_blank_to_none)] = None
    term_years: Annotated[Annotated[float, Field(gt=0, le=100)] | None, BeforeValidator(_blank_to_none)] = (
        None
    )
    schedule: Schedule | None = None
    status: Status
    superseded_by: Annotated[RecordId | None, BeforeValidator(_blank_to_none)] = None
    gigawatts: Annotated[Annotated[float, Field(ge=0, le=1000)] | None, BeforeValidator(_blank_to_none)] = (
        None
    )
    stake: Annotated[Annotated[float, Field(gt=0, le=1)] | None, BeforeValidator(_blank_to_none)] = None
    rate: Annotated[Annotated[float, Field(ge=0, le=1)] | None, BeforeValidator(_blank_to_none)] = None
    terms: Text = ""
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence
    missing: Text = ""
    notes: Text = ""
    known_from: KnownFrom = None
    revisions: list[Revision] = Field(default_factory=list)

    @model_validator(mode="after")
    def _coherent(self) -> Deal:
        if self.payer == self.payee:
            raise ValueError(f"payer and payee are both '{self.payer}'; a deal joins two entities")
        lo, hi, mid = self.amount_low_usd_bn, self.amount_high_usd_bn, self.amount_usd_bn
        if lo is not None and hi is not None and lo > hi:
            raise ValueError(f"amount_low_usd_bn {lo} is above amount_high_usd_bn {hi}")
        if mid is None and lo is None and hi is None and not self.missing:
            raise ValueError("no amount: give amount_usd_bn, a low/high range, or say why in 'missing'")
        if self.start and self.end and period_bounds(self.end)[1] < period_bounds(self.start)[0]:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if self.status == "superseded" and not self.superseded_by:
            raise ValueError("a superseded deal needs 'superseded_by' (the id of its successor)")
        if self.schedule and self.schedule.quarters and mid is not None:
            total = sum(self.schedule.quarters.values())
            if not math.isclose(total, mid, rel_tol=1e-6, abs_tol=1e-6):
                raise ValueError(
                    f"schedule quarters add up to {total:g}, not the amount {mid:g}; "
                    "they must sum to amount_usd_bn"
                )
        if self.schedule and self.schedule.tranches and mid is not None:
            parts = [t.amount_usd_bn for t in self.schedule.tranches]
            if all(p is not None for p in parts):
                total = float(sum(p for p in parts if p is not None))
                if not math.isclose(total, mid, rel_tol=1e-6, abs_tol=1e-6):
                    raise ValueError(
                        f"tranches add up to {total:g}, not the amount {mid:g}; "
                        "they must sum to amount_usd_bn"
                    )
        dates = [r.valid_from for r in self.revisions]
        if dates != sorted(dates):
            raise ValueError("revisions must be in order of valid_from")
        if any(d < self.announced for d in dates):
            raise ValueError("a revision cannot be valid before the deal was announced")
        return self

    @property
    def amount_central(self) -> float | None:
        """Headline amount, else the midpoint of the range, else whichever bound is known."""
        if self.amount_usd_bn is not None:
            return self.amount_usd_bn
        lo, hi = self.amount_low_usd_bn, self.amount_high_usd_bn
        if lo is not None and hi is not None:
            return (lo + hi) / 2
        return hi if hi is not None else lo

    @property
    def known(self) -> date:
        """The day the ledger knows this deal: its announcement, or its record date if later."""
        return max(self.announced, self.known_from or self.announced)

    def as_of(self, when: date) -> Deal | None:
        """This deal as known on ``when`` (revisions applied), or None if not yet known.

        A deal or revision counts from its valid date, or from its ``known_from`` (record time)
        when that is later: the web as known on a date holds only what the ledger knew then.
        """
        if self.known > when:
            return None
        changes: dict[str, Any] = {}
        for rev in self.revisions:
            if rev.known > when:
                continue
            for name in ("status", "amount_usd_bn", "superseded_by", "confidence"):
                value = getattr(rev, name)
                if value is not None:
                    changes[name] = value
            changes["sources"] = list(dict.fromkeys([*changes.get("sources", self.sources), *rev.sources]))
            changes["notes"] = (changes.get("notes", self.notes) + f" [{rev.valid_from}] {rev.note}").strip()
        if not changes:
            return self
        return self.model_copy(update={**changes, "revisions": []})


class Financial(_Record):
    """One reported or estimated figure of one entity for one period (long format)."""

    entity: Slug
    period: str = Field(min_length=1)
    period_end: FullDate
    period_type: PeriodType
    metric: str
    value: Annotated[Finite | None, BeforeValidator(_blank_to_none)] = None
    unit: Unit
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence
    missing: Text = ""
    notes: Text = ""
    known_from: KnownFrom = None

    @model_validator(mode="after")
    def _known_metric(self) -> Financial:
        if self.metric not in METRICS:
            raise ValueError(f"unknown metric '{self.metric}'; allowed: {', '.join(METRICS)}")
        if self.value is None:
            if not self.missing:
                raise ValueError("no value: give a number, or say why in 'missing'")
        elif abs(self.value) > MAX_AMOUNT_USD_BN and self.unit.endswith("_bn"):
            raise ValueError(f"value {self.value} is absurdly large for {self.unit}")
        return self


class Holding(_Record):
    """A share of an issuer's equity held by a holder, true from ``valid_from``."""

    holder: Slug
    issuer: Slug
    share: Share
    valid_from: FullDate
    deal: Annotated[RecordId | None, BeforeValidator(_blank_to_none)] = None
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence
    notes: Text = ""
    known_from: KnownFrom = None


def _percentage(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            return float(text.removesuffix("%"))
        except ValueError:
            raise ValueError(
                f"'{value}' is not a percentage; give a number such as -11.3 (per cent)"
            ) from None
    return value


class MarketReaction(_Record):
    """The change in an entity's market value after an event, usually a deal's announcement.

    ``pct_change`` is in per cent (``-11.3`` is a fall of 11.3%); ``market_cap_change_usd_bn``
    is the dollar change where the source states it; ``market_cap_before_usd_bn`` is the value
    before the move where stated (with ``pct_change`` it gives the dollar change).
    """

    date: FullDate
    entity: Slug
    pct_change: Annotated[
        Annotated[float, Field(ge=-100.0, le=10_000.0)] | None,
        BeforeValidator(_blank_to_none),
        BeforeValidator(_percentage),
    ] = None
    market_cap_change_usd_bn: Annotated[float | None, BeforeValidator(_blank_to_none)] = None
    market_cap_before_usd_bn: Annotated[
        Annotated[float, Field(gt=0.0, le=MAX_AMOUNT_USD_BN)] | None, BeforeValidator(_blank_to_none)
    ] = None
    deal: Annotated[RecordId | None, BeforeValidator(_blank_to_none)] = None
    event: Text = ""
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence
    missing: Text = ""
    notes: Text = ""
    known_from: KnownFrom = None

    @model_validator(mode="after")
    def _some_change(self) -> MarketReaction:
        if self.market_cap_change_usd_bn is None and self.pct_change is None and not self.missing:
            raise ValueError("give market_cap_change_usd_bn or pct_change, or say why in 'missing'")
        for v in (self.market_cap_change_usd_bn, self.pct_change):
            if v is not None and not math.isfinite(v):
                raise ValueError(f"{v} is not a finite number")
        return self


class Outcome(_Record):
    """What happened to an entity on a date (a filing, a write-off, a price): scored, never modelled.

    ``date`` is the valid time (when it happened, as precise as the source); the knowledge time
    is the publication date of its first source. A backtest reads outcomes only to score.
    """

    entity: Slug
    event: OutcomeEvent
    date: PartialDate
    value: Annotated[Finite | None, BeforeValidator(_blank_to_none)] = None
    unit: Annotated[Unit | None, BeforeValidator(_blank_to_none)] = None
    sources: list[RecordId] = Field(min_length=1)
    confidence: Confidence
    notes: Text = ""

    @model_validator(mode="after")
    def _unit_with_value(self) -> Outcome:
        if self.value is not None and self.unit is None:
            raise ValueError("a value needs its unit (e.g. USD_bn, USD_per_share)")
        return self


#: Table name → record type, in dependency order.
RECORD_TYPES: dict[str, type[_Record]] = {
    "sources": Source,
    "entities": Entity,
    "deals": Deal,
    "financials": Financial,
    "holdings": Holding,
    "market_reactions": MarketReaction,
    "outcomes": Outcome,
}
assert tuple(RECORD_TYPES) == TABLES, "vocabulary.TABLES names the record types in order"
