"""The bundled ``telecom`` dataset: every research row, its knowledge time, its kind, through the store."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

import circularity
from circularity.ledger import Deal, Financial, Ledger, Outcome, Source, read_ledger
from circularity.ledger.dates import period_bounds
from circularity.ledger.ledger import dataset_path
from circularity.store import open_store

REPO = Path(__file__).resolve().parents[2]
RESEARCH = next(
    (p for p in (REPO.parent / "shared/research/telecom", REPO / "shared/research/telecom") if p.is_dir()),
    None,
)


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    return read_ledger(dataset_path("telecom"))


def test_load_gives_every_table_and_as_of_views_shrink(ledger: Ledger) -> None:
    counts = ledger.counts()
    assert (counts["deals"], counts["financials"], counts["outcomes"]) == (51, 257, 48)
    mid, end = (
        circularity.load("telecom", as_of="2000-06-30"),
        circularity.load("telecom", as_of="2000-12-31"),
    )
    assert 0 < mid.counts()["deals"] < end.counts()["deals"] < 51
    assert 0 < mid.counts()["financials"] < end.counts()["financials"] < 257


@pytest.mark.skipif(RESEARCH is None, reason="shared/research/telecom not beside the checkout")
def test_flow_types_map_onto_kinds_by_the_written_rule(ledger: Ledger) -> None:
    assert RESEARCH is not None
    rule = {
        "vendor_loan": "loan",
        "credit_line": "loan",
        "lease": "loan",
        "bond": "bond",
        "equipment_purchase": "hardware",
        "service_purchase": "compute",
        "equity_cash": "equity",
        "guarantee": "backstop",
    }
    with (RESEARCH / "deals.csv").open(encoding="utf-8") as fh:
        rows = {r["deal_id"]: r for r in csv.DictReader(fh)}
    deals = {d.id: d for d in ledger.records["deals"] if isinstance(d, Deal)}
    assert set(rows) == set(deals)
    for i, r in rows.items():
        assert deals[i].flow_type == r["flow_type"] and deals[i].kind == rule[r["flow_type"]]


def test_partial_dates_are_known_at_the_end_of_their_period(ledger: Ledger) -> None:
    deals = {d.id: d for d in ledger.records["deals"] if isinstance(d, Deal)}
    assert deals["T01"].announced == date(1998, 10, 31)  # announce_date '1998-10'
    assert deals["T13"].announced == date(1999, 12, 31)  # '1999'
    sources = {s.id: s for s in ledger.records["sources"] if isinstance(s, Source)}
    approx = [s for s in sources.values() if "(approx" in s.notes]
    assert approx and all(period_bounds(s.published)[0] == period_bounds(s.published)[1] for s in approx)
    # WSJ on Lucent's FY2000 reserves, dated '2000-12 (approx)': known from 2000-12-31, not 2000-12-01
    wsj = [
        f
        for f in ledger.records["financials"]
        if isinstance(f, Financial) and f.entity == "lucent" and f.metric == "customer_financing_provision"
    ]
    assert any(sources[f.sources[0]].published == "2000-12-31" for f in wsj)


def test_a_later_termination_is_a_revision_not_a_fact_at_announcement() -> None:
    assert circularity.load("telecom", as_of="2000-12-31").deal("T44").status == "binding"
    assert circularity.load("telecom", as_of="2002-12-31").deal("T44").status == "cancelled"


def test_outcomes_are_known_from_their_source_not_their_event_date() -> None:
    end2000 = circularity.load("telecom", as_of="2000-12-31")
    events = {(o.entity, o.event) for o in end2000.records["outcomes"] if isinstance(o, Outcome)}
    assert ("icg-communications", "chapter11_filed") in events
    # Jato was liquidated in 2000-12 but the source (eWeek, '2001') is known only from 2001-12-31
    assert ("jato-communications", "liquidated") not in events


def test_the_dataset_imports_into_the_store_through_the_same_validation(
    tmp_path: Path, ledger: Ledger
) -> None:
    with open_store(tmp_path / "t.duckdb") as store:
        res = store.import_path(dataset_path("telecom"))
        assert res.added["outcomes"] == 48
        assert store.ledger().content_hash() == ledger.content_hash()
