"""Checks across records report every problem with file, row and field."""

from pathlib import Path

import pytest
import yaml

from circularity.errors import LedgerError
from circularity.ledger import read_ledger

SOURCES = [{"id": "s1", "publisher": "P", "title": "T", "url": "https://e.com/1", "published": "2025-09-22"}]
ENTITIES = [
    {"id": "openai", "name": "OpenAI", "kind": "lab", "sources": ["s1"]},
    {
        "id": "nvidia",
        "name": "Nvidia",
        "kind": "chipmaker",
        "ticker": "NVDA",
        "listed": True,
        "sources": ["s1"],
    },
]


def write_ledger(root: Path, deals: list[dict], holdings: list[dict] | None = None) -> Path:
    (root / "deals").mkdir(parents=True)
    (root / "sources.yaml").write_text(yaml.safe_dump(SOURCES))
    (root / "entities.yaml").write_text(yaml.safe_dump(ENTITIES))
    for d in deals:
        (root / "deals" / f"{d['id']}.yaml").write_text(yaml.safe_dump(d))
    if holdings:
        (root / "holdings.yaml").write_text(yaml.safe_dump(holdings))
    return root


def deal(id: str, **changes: object) -> dict:
    return {
        "id": id,
        "kind": "equity",
        "payer": "nvidia",
        "payee": "openai",
        "amount_usd_bn": 1.0,
        "announced": "2025-09-22",
        "status": "binding",
        "sources": ["s1"],
        "confidence": "confirmed",
        **changes,
    }


def problems(root: Path) -> list[str]:
    with pytest.raises(LedgerError) as info:
        read_ledger(root)
    return [str(p) for p in info.value.problems]


def test_every_problem_is_reported_not_only_the_first(tmp_path: Path) -> None:
    root = write_ledger(
        tmp_path, [deal("A", payee="nobody"), deal("B", sources=["s9"]), deal("C", amount_usd_bn=-2)]
    )
    found = problems(root)
    assert len(found) == 3
    assert any("deals/A.yaml:1: payee: unknown entity 'nobody'" in p for p in found)
    assert any("deals/B.yaml:1: sources.0: unknown source 's9'" in p for p in found)
    assert any("deals/C.yaml:1: amount_usd_bn:" in p and "negative" in p for p in found)


def test_missing_successor_and_supersession_cycle(tmp_path: Path) -> None:
    root = write_ledger(
        tmp_path,
        [
            deal("A", status="superseded", superseded_by="B"),
            deal("B", status="superseded", superseded_by="A"),
            deal("C", status="superseded", superseded_by="Z"),
        ],
    )
    found = problems(root)
    assert any("superseded_by: unknown deal 'Z'" in p for p in found)
    assert any("cycle (A -> B -> A)" in p or "cycle (B -> A -> B)" in p for p in found)


def test_stakes_above_100_percent(tmp_path: Path) -> None:
    holdings = [
        {
            "holder": "nvidia",
            "issuer": "openai",
            "share": 0.7,
            "valid_from": "2025-10-01",
            "sources": ["s1"],
            "confidence": "confirmed",
        },
        {
            "holder": "openai",
            "issuer": "openai",
            "share": 0.5,
            "valid_from": "2025-10-01",
            "sources": ["s1"],
            "confidence": "confirmed",
        },
    ]
    found = problems(write_ledger(tmp_path, [deal("A")], holdings))
    assert any("stakes in 'openai' add up to 120.0%" in p for p in found)


def test_duplicate_ids(tmp_path: Path) -> None:
    root = write_ledger(tmp_path, [deal("A")])
    (root / "deals" / "A2.yaml").write_text(yaml.safe_dump(deal("A")))
    assert any("duplicate id 'A'" in p for p in problems(root))


def test_a_valid_ledger_reads(tmp_path: Path) -> None:
    ledger = read_ledger(
        write_ledger(tmp_path, [deal("A"), deal("B", status="superseded", superseded_by="A")])
    )
    assert ledger.counts()["deals"] == 2
    assert [d.id for d in ledger.live_deals] == ["A"]


def test_a_dated_view_can_be_moved_to_any_other_date(tmp_path: Path) -> None:
    rev = {
        "valid_from": "2026-02-27",
        "status": "superseded",
        "superseded_by": "B",
        "sources": ["s1"],
        "note": "x",
    }
    ledger = read_ledger(
        write_ledger(
            tmp_path, [deal("A", status="non_binding", revisions=[rev]), deal("B", announced="2026-02-27")]
        )
    )
    later = ledger.at("2026-03-31")
    assert later.deal("A").status == "superseded"
    assert later.at("2025-12-31").deal("A").status == "non_binding"
    assert [d.id for d in later.at("2025-12-31").records["deals"]] == ["A"]
