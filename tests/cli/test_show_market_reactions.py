"""``circularity ledger show market_reactions`` returns every row of the research file
``market_reactions.csv`` (54 rows -> 55 records: one corroborating row merged into its event, two
two-company rows split per company), with ``--as-of`` and ``--entity``."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

from circularity.cli import main

REPO = Path(__file__).resolve().parents[2]


def _rows() -> list[dict[str, str]]:
    for root in (REPO.parent / "shared", REPO / "shared"):
        path = root / "research" / "market_reactions.csv"
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as fh:
                return list(csv.DictReader(fh))
    pytest.skip("shared/research/market_reactions.csv not found beside the repository")


def _json(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> list[dict]:
    monkeypatch.setattr(sys, "argv", ["circularity", *args, "--json"])
    try:
        main()
    except SystemExit as exc:
        assert not exc.code, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _num(text: str) -> float | None:
    return float(text) if text.strip() else None


def test_show_market_reactions_json_returns_every_row_of_the_file(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "fresh.duckdb"))
    rows = _rows()
    got = _json(["ledger", "show", "market_reactions", "--as-of", "2026-07-03"], monkeypatch, capsys)
    sources = {s["url"]: s["id"] for s in _json(["ledger", "show", "sources"], monkeypatch, capsys)}
    tickers = {e["id"]: e["ticker"] for e in _json(["ledger", "show", "entities"], monkeypatch, capsys)}
    assert len(rows) == 54 and len(got) == 55
    used: set[int] = set()
    for n, row in enumerate(rows, start=2):
        sid = sources[row["source_url"]]
        hits = [
            i
            for i, m in enumerate(got)
            if m["date"].startswith(row["date"]) and sid in m["sources"].split("|")  # "2026-05": dated to the month
            and (_num(row["pct_change"]) is None or m["pct_change"] == _num(row["pct_change"]))
            and (_num(row["market_cap_change_usd_bn"]) is None
                 or m["market_cap_change_usd_bn"] == _num(row["market_cap_change_usd_bn"]))
            and (_num(row["market_cap_before_usd_bn"]) is None
                 or m["market_cap_before_usd_bn"] == _num(row["market_cap_before_usd_bn"]))
            and (not row["deal_id"] or m["deal"] == row["deal_id"])
            and m["confidence"] == row["confidence"].replace("single-source", "single_source")
        ]  # fmt: skip
        assert hits, f"research row {n} has no record: {row}"
        # a one-company row is that company (by ticker); a two-company row gives one record per company
        named = row["ticker"].split("/")
        if len(named) <= 2:
            assert {tickers[got[i]["entity"]] for i in hits} <= set(named), (n, row["ticker"])
        used.update(hits)
    assert used == set(range(len(got)))  # and every record comes from a row of the file


def test_show_market_reactions_as_of_and_entity(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "fresh.duckdb"))
    # the March fact base had none: every reaction is known from the 2026 update
    assert _json(["ledger", "show", "market_reactions", "--as-of", "2026-03-31"], monkeypatch, capsys) == []
    crwv = _json(["ledger", "show", "market_reactions", "--entity", "coreweave"], monkeypatch, capsys)
    want = [r for r in _rows() if "CRWV" in r["ticker"].split("/")]
    assert {m["entity"] for m in crwv} == {"coreweave"} and len(crwv) == len(want)
