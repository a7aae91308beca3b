"""``Store.import_records``: the public path the HTTP import uses (real DuckDB, no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circularity.errors import LedgerError
from circularity.ledger import dataset_path
from circularity.store import open_store

DEAL = {
    "id": "T98",
    "kind": "compute",
    "payer": "openai",
    "payee": "oracle",
    "amount_usd_bn": 2.0,
    "announced": "2026-01-20",
    "status": "signed",
    "sources": ["ndtv_nvda_oai"],
    "confidence": "estimate",
}


def test_import_records_validates_then_writes_all_or_nothing(tmp_path: Path) -> None:
    with open_store(tmp_path / "web.duckdb") as store:
        store.import_path(dataset_path("ai"))
        before = store.snapshot()
        # one good row, one bad row, one unknown table: every problem listed, nothing written
        bad = {
            "deals": [DEAL, {**DEAL, "id": "T97", "amount_usd_bn": -1}],
            "nope": [{"id": "x"}],
        }
        with pytest.raises(LedgerError) as info:
            store.import_records(bad, label="req")
        text = "\n".join(str(p) for p in info.value.problems)
        assert "req/deals:2" in text and "amount_usd_bn" in text
        assert "nope" in text
        assert store.snapshot() == before
        # a row that points at an unknown entity fails against what the store holds
        with pytest.raises(LedgerError):
            store.import_records({"deals": [{**DEAL, "payee": "no-such-firm"}]}, label="req")
        assert store.snapshot() == before

        result = store.import_records({"deals": [DEAL]}, label="req")
        assert result.added == {"deals": 1} and result.import_id is not None
        assert store.ledger(None).deal("T98").payee == "oracle"
        again = store.import_records({"deals": [DEAL]}, label="req")
        assert again.import_id is None and again.unchanged == {"deals": 1}
