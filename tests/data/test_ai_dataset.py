"""The bundled ``ai`` dataset: complete, sourced, dated, and true to the research fact base."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from circularity.ledger import read_ledger
from circularity.ledger.dates import period_bounds
from circularity.ledger.ledger import dataset_path
from circularity.ledger.records import Deal

REPO = Path(__file__).resolve().parents[2]
DATA = dataset_path("ai")
RESEARCH_FINANCIAL_ROWS = 180
#: Rows of financials_2026_update.csv, plus the D77 delivery-risk figure (a financial, not a deal) and
#: Oracle's $75B of RPO from prepaid or customer-supplied GPU contracts (in the note of the RPO row of
#: the research file, kept as its own figure so the claims can read it).
UPDATE_FINANCIAL_ROWS = 53 + 1 + 1
#: Balance-sheet figures of Microsoft, Amazon and Alphabet (and Meta's operating cash flow) the fact base lacked, added from their
#: filings (as tabulated by the sources cited) so the projection starts from reported cash and debt
#: instead of assuming them (issue 12, item 6).
FILING_FINANCIAL_ROWS = 8
#: The March fact base (D01-D48) and the 2026 update (D49-D84 but D77, which is not a flow).
DEAL_IDS = [f"D{i:02d}" for i in range(1, 85) if i != 77]


def _research_dir() -> Path | None:
    """shared/research beside the repo (CI) or inside the checkout; None when absent."""
    for root in (REPO.parent / "shared", REPO / "shared"):
        if (root / "research" / "deals.csv").is_file():
            return root / "research"
    return None


@pytest.fixture(scope="module")
def ledger():
    return read_ledger(DATA)


def test_counts(ledger):
    counts = ledger.counts()
    assert counts["deals"] == len(DEAL_IDS) == 83
    assert sorted(d.id for d in ledger.records["deals"]) == DEAL_IDS
    assert counts["financials"] == RESEARCH_FINANCIAL_ROWS + UPDATE_FINANCIAL_ROWS + FILING_FINANCIAL_ROWS
    # A figure the fact base does not have stays empty and says why.
    for f in ledger.records["financials"]:
        assert f.value is not None or f.missing, f


def test_every_record_has_a_dated_web_source(ledger):
    sources = {s.id: s for s in ledger.records["sources"]}
    for s in sources.values():
        # Only the client's non-public seed articles have no URL; their notes say so.
        assert (s.url or "").startswith(("http://", "https://")) or (s.id == "seed" and s.notes), s.id
        period_bounds(s.published)  # a (partial) date, not "undated"
    for table in ("entities", "deals", "financials", "holdings", "market_reactions"):
        for rec in ledger.records.get(table, ()):
            ids = list(rec.sources)
            if isinstance(rec, Deal):
                ids += [sid for rev in rec.revisions for sid in rev.sources]
            assert rec.sources, (table, rec)
            for sid in ids:
                assert sid in sources, (table, sid)


def test_every_deal_has_a_confidence_and_a_reason_when_it_has_no_amount(ledger):
    for d in ledger.records["deals"]:
        assert d.confidence in ("confirmed", "single_source", "estimate", "disputed")
        if d.amount_usd_bn is None:
            assert d.missing, d.id


def test_nvidia_loi_is_live_then_superseded(ledger):
    d01 = next(d for d in ledger.records["deals"] if d.id == "D01")
    before = d01.as_of(date(2025, 12, 31))
    assert before is not None and before.status == "non_binding"
    after = d01.as_of(date(2026, 3, 31))
    assert after.status == "superseded" and after.superseded_by == "D03"
    assert d01.as_of(date(2025, 9, 21)) is None
    assert ledger.at("2025-12-31").deal("D01").status == "non_binding"
    assert ledger.at("2026-03-31").deal("D01").status == "superseded"


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def test_amounts_match_research_deals_csv(ledger):
    research = _research_dir()
    if research is None:
        pytest.skip("shared/research/deals.csv not found beside the repository")
    deals = {d.id: d for d in ledger.records["deals"]}
    with open(research / "deals.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 48 and all(row["deal_id"] in deals for row in rows)
    for row in rows:
        d = deals[row["deal_id"]]
        got = (d.amount_usd_bn, d.amount_low_usd_bn, d.amount_high_usd_bn)
        want = tuple(_num(row[c]) for c in ("amount_usd_bn", "amount_low_usd_bn", "amount_high_usd_bn"))
        assert got == want, d.id


def test_every_research_url_is_a_source(ledger):
    research = _research_dir()
    if research is None:
        pytest.skip("shared/research not found beside the repository")
    urls = {s.url for s in ledger.records["sources"]}
    with open(research / "deals.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            others = [u.strip() for u in row["other_source_urls"].split(" | ") if u.strip()]
            for url in [row["source_url"], *others]:
                assert url in urls, (row["deal_id"], url)
    with open(research / "financials.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == RESEARCH_FINANCIAL_ROWS
    for row in rows:
        if row["source_url"].startswith("http"):
            assert row["source_url"] in urls
