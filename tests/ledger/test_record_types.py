"""Each record type checks its own fields; Deal.as_of applies revisions by valid time."""

from datetime import date

import pytest
from pydantic import ValidationError

from circularity.ledger.records import Deal, Financial, Holding, MarketReaction, Source

BASE = dict(
    id="D01",
    kind="equity",
    payer="nvidia",
    payee="openai",
    amount_usd_bn=100.0,
    announced="2025-09-22",
    status="non_binding",
    sources=["s1"],
    confidence="confirmed",
)


def deal(**changes: object) -> Deal:
    return Deal.model_validate({**BASE, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"amount_usd_bn": -1}, "amount_usd_bn", "negative"),
        ({"amount_usd_bn": float("nan")}, "amount_usd_bn", "finite"),
        ({"amount_usd_bn": float("inf")}, "amount_usd_bn", "finite"),
        ({"amount_usd_bn": 1e9}, "amount_usd_bn", "absurdly large"),
        ({"kind": "gift"}, "kind", "Input should be"),
        ({"status": "maybe"}, "status", "Input should be"),
        ({"confidence": "sure"}, "confidence", "Input should be"),
        ({"announced": "2025-02-30"}, "announced", "day is out of range"),
        ({"announced": "1989-12-31"}, "announced", "outside 1990-2100"),
        ({"payee": "nvidia"}, "", "both"),
        ({"start": "2027", "end": "2026"}, "", "before start"),
        ({"status": "superseded"}, "", "superseded_by"),
        ({"sources": []}, "sources", "at least 1"),
        (
            {
                "amount_usd_bn": 10,
                "schedule": {"profile": "explicit", "quarters": {"2027Q1": 4, "2027Q2": 5}},
            },
            "",
            "add up to 9",
        ),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_deals_are_refused_with_the_field(changes: dict, field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        deal(**changes)
    err = info.value.errors()[0]
    assert ".".join(map(str, err["loc"])) == field
    assert words in err["msg"]


def test_amount_central_uses_range_when_no_headline() -> None:
    assert deal(amount_usd_bn=None, amount_low_usd_bn=30, amount_high_usd_bn=90).amount_central == 60
    assert deal(amount_usd_bn=None, amount_high_usd_bn=350).amount_central == 350
    with pytest.raises(ValidationError, match="no amount"):
        deal(amount_usd_bn=None)
    assert deal(amount_usd_bn=None, missing="not disclosed").amount_central is None


def test_revisions_apply_by_valid_time_and_never_before_announcement() -> None:
    d = deal(
        revisions=[
            {
                "valid_from": "2026-02-27",
                "status": "superseded",
                "superseded_by": "D03",
                "sources": ["s2"],
                "note": "replaced",
            }
        ]
    )
    assert d.as_of(date(2025, 9, 21)) is None
    assert d.as_of(date(2025, 12, 31)).status == "non_binding"
    later = d.as_of(date(2026, 3, 31))
    assert (later.status, later.superseded_by, later.sources) == ("superseded", "D03", ["s1", "s2"])
    with pytest.raises(ValidationError, match="before the deal was announced"):
        deal(revisions=[{"valid_from": "2025-01-01", "status": "cancelled", "sources": ["s2"], "note": "x"}])


def test_other_record_types_check_themselves() -> None:
    with pytest.raises(ValidationError, match="unknown metric"):
        Financial(
            entity="nvidia",
            period="FY2026",
            period_end="2026-01-25",
            period_type="FY",
            metric="vibes",
            value=1.0,
            unit="USD_bn",
            sources=["s1"],
            confidence="confirmed",
        )
    with pytest.raises(ValidationError):
        Holding(
            holder="microsoft",
            issuer="openai",
            share=1.5,
            valid_from="2025-10-28",
            sources=["s1"],
            confidence="confirmed",
        )
    with pytest.raises(ValidationError, match="market_cap_change_usd_bn or pct_change"):
        MarketReaction(date="2025-10-06", entity="amd", sources=["s1"], confidence="confirmed")
    with pytest.raises(ValidationError):
        Source(id="s1", publisher="x", title="y", url="ftp://nope", published="2025")
