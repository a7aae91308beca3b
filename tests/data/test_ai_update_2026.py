"""The 2026 update of the bundled ``ai`` dataset: D49-D84, the 2026 financials, the market reactions,
and every change to an existing deal as a dated revision (never an edit)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from circularity.ledger import read_ledger
from circularity.ledger.ledger import dataset_path
from circularity.ledger.records import Deal, MarketReaction

REPO = Path(__file__).resolve().parents[2]
MARCH = date(2026, 3, 31)
HORIZON = date(2026, 7, 3)
KNOWN_FROM = date(2026, 4, 1)

#: The "Changes to existing deals" table of update-2026.md: existing deal -> the new rows that change it.
CHANGES: dict[str, tuple[str, ...]] = {
    "D03": ("D49",),
    "D04": ("D49",),
    "D05": ("D49", "D51", "D52"),
    "D06": ("D50",),
    "D15": ("D50",),
    "D11": ("D83",),
    "D14": ("D73",),
    "D21": ("D54",),
    "D31": ("D63",),
    "D44": ("D63", "D64", "D67"),
    "D38": ("D59",),
    "D39": ("D56",),
    "D40": ("D58",),
    "D41": ("D60",),
    "D48": ("D53",),
    "D07": ("D51", "D52"),
    "D32": ("D69",),
    "D34": ("D62", "D84"),
    "D47": ("D55", "D79", "D80"),
}


def _research() -> Path:
    for root in (REPO.parent / "shared", REPO / "shared"):
        if (root / "research" / "deals_2026_update.csv").is_file():
            return root / "research"
    pytest.skip("shared/research/deals_2026_update.csv not found beside the repository")


def _rows(name: str) -> list[dict[str, str]]:
    with open(_research() / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


@pytest.fixture(scope="module")
def ledger():
    return read_ledger(dataset_path("ai"))


def test_march_web_has_d15_live_and_none_of_the_update(ledger) -> None:
    march = ledger.at(MARCH)
    ids = {d.id for d in march.records["deals"]}
    assert not ids & {f"D{i}" for i in range(49, 85)}
    assert march.deal("D15").status == "binding" and march.deal("D15").superseded_by is None
    assert march.deal("D06").status == "announced"
    assert len(march.records["market_reactions"]) == 0  # the March fact base had none


def test_july_web_has_d50_and_d15_superseded_by_it(ledger) -> None:
    july = ledger.at(HORIZON)
    assert july.deal("D50").status == "binding" and july.deal("D50").amount_usd_bn == 100
    for old in ("D15", "D06"):
        assert july.deal(old).status == "superseded" and july.deal(old).superseded_by == "D50"
    live_aws = [d for d in july.live_deals if d.payer == "openai" and d.payee == "amazon"]
    assert [d.id for d in live_aws] == ["D50"]  # $100B in total, not 100 + 38


def test_every_change_of_the_table_is_a_dated_revision_not_an_edit(ledger) -> None:
    march, july = ledger.at(MARCH), ledger.at(HORIZON)
    march_ids = {d.id for d in march.records["deals"]}
    for old, new in CHANGES.items():
        deal = ledger.deal(old)
        mine = [r for r in deal.revisions if any(n in r.note for n in new)]
        assert mine and all(r.known > MARCH for r in mine), old
        text = july.deal(old).notes + (july.deal(old).superseded_by or "")
        for n in new:
            assert n in text, (old, n)
        if old in march_ids:  # D14 enters the ledger only in June 2026 (its own date)
            assert not any(n in march.deal(old).notes for n in new), old


def test_update_deals_match_the_research_rows(ledger) -> None:
    deals = {d.id: d for d in ledger.records["deals"]}
    rows = _rows("deals_2026_update.csv")
    assert [r["deal_id"] for r in rows] == [f"D{i}" for i in range(49, 85)]
    for row in rows:
        did = row["deal_id"]
        if did == "D77":  # a delivery-risk figure, not a flow: kept as a financial row
            assert did not in deals
            continue
        d = deals[did]
        assert d.known_from == KNOWN_FROM, did
        want = tuple(_num(row[c]) for c in ("amount_usd_bn", "amount_low_usd_bn", "amount_high_usd_bn"))
        got = (d.amount_usd_bn, d.amount_low_usd_bn, d.amount_high_usd_bn)
        if did == "D49":  # the round's total less D03-D05, which carry their own amounts
            assert want == (122, 110, 122)
            assert d.amount_usd_bn == 122 - sum(deals[x].amount_usd_bn for x in ("D03", "D04", "D05"))
            continue
        assert got == want, did
        if d.amount_usd_bn is None:
            assert d.missing, did
        assert d.confidence == row["confidence"].replace("single-source", "single_source"), did
    # Disputed figures keep both values.
    assert (deals["D61"].confidence, deals["D61"].amount_low_usd_bn, deals["D61"].amount_high_usd_bn) == (
        "disputed",
        7.5,
        45,
    )


def test_every_update_url_is_a_source_and_every_party_an_entity(ledger) -> None:
    urls = {s.url for s in ledger.records["sources"]}
    entities = {e.id: e for e in ledger.records["entities"]}
    for name in ("deals_2026_update.csv", "financials_2026_update.csv", "market_reactions.csv"):
        for row in _rows(name):
            others = [u.strip() for u in row.get("other_source_urls", "").split(" | ") if u.strip()]
            for url in [row["source_url"], *others]:
                assert url in urls, (name, url)
    for eid, ticker in (("nebius", "NBIS"), ("iren", "IREN"), ("apollo", "APO"), ("spacex", "SPCX")):
        assert entities[eid].ticker == ticker and entities[eid].listed
    assert entities["nscale"].kind == "neocloud" and not entities["nscale"].listed
    assert entities["blue-owl"].ticker == "OWL"


def test_every_market_reaction_row_is_a_record(ledger) -> None:
    reactions = [m for m in ledger.records["market_reactions"] if isinstance(m, MarketReaction)]
    rows = _rows("market_reactions.csv")
    assert len(rows) == 54 and len(reactions) == 55  # one merged corroboration, two split pairs
    by_url = {s.url: s.id for s in ledger.records["sources"]}
    for row in rows:
        sid = by_url[row["source_url"]]
        hits = [m for m in reactions if sid in m.sources and m.date.isoformat().startswith(row["date"])]
        assert hits, row
        assert any(m.pct_change == _num(row["pct_change"]) for m in hits), row
        for m in hits:
            if m.pct_change is None and m.market_cap_change_usd_bn is None:
                assert m.missing
    assert all(m.known_from == KNOWN_FROM for m in reactions)


def test_knowledge_horizon_is_the_latest_cited_source(ledger) -> None:
    assert ledger.knowledge_horizon() == HORIZON
    assert ledger.at(HORIZON).knowledge_horizon() == HORIZON
    assert ledger.at(MARCH).knowledge_horizon() <= MARCH


def test_d49_d84_ids_are_kept_and_revisions_sorted(ledger) -> None:
    for d in ledger.records["deals"]:
        assert isinstance(d, Deal)
        assert [r.valid_from for r in d.revisions] == sorted(r.valid_from for r in d.revisions)
