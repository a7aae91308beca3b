"""``circularity ledger …`` and ``circularity summary`` as a user runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from circularity.cli import main  # noqa: E402
from circularity.testing.ledgers import DEALS, write_sample


def run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["circularity", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "web.duckdb"
    monkeypatch.setenv("CIRCULARITY_DB", str(path))
    code, _, err = run(
        ["ledger", "import", "--no-seed", str(write_sample(tmp_path / "sample"))], monkeypatch, capsys
    )
    assert code == 0, err
    return path


def test_every_command_has_help(monkeypatch, capsys) -> None:
    for cmd in (
        ["ledger", "validate"],
        ["ledger", "import"],
        ["ledger", "export"],
        ["ledger", "show"],
        ["ledger", "diff"],
        ["summary"],
    ):
        code, out, _ = run([*cmd, "--help"], monkeypatch, capsys)
        assert code == 0 and "Usage" in out


def test_validate_counts_or_lists_problems(tmp_path: Path, monkeypatch, capsys) -> None:
    good = write_sample(tmp_path / "good")
    code, out, _ = run(["ledger", "validate", str(good)], monkeypatch, capsys)
    assert code == 0 and "is valid" in out and "6 deals" in out
    (good / "deals" / "D10.yaml").write_text(yaml.safe_dump({**DEALS[2], "amount_usd_bn": -1}))
    (good / "deals" / "D11.yaml").write_text(yaml.safe_dump({**DEALS[3], "payee": "nobody"}))
    code, _, err = run(["ledger", "validate", str(good)], monkeypatch, capsys)
    assert code == 1
    assert "D10.yaml:1: amount_usd_bn:" in err and "D11.yaml:1: payee: unknown entity 'nobody'" in err
    code, out, _ = run(["ledger", "validate", "--json", str(good)], monkeypatch, capsys)
    assert code == 1 and json.loads(out)["valid"] is False


def test_a_negative_amount_is_refused_and_show_prints_what_it_printed_before(
    db, tmp_path, monkeypatch, capsys
) -> None:
    _, shown_before, _ = run(["ledger", "show", "deals"], monkeypatch, capsys)
    bad = tmp_path / "mine" / "deals"
    bad.mkdir(parents=True)
    (bad / "D50.yaml").write_text(yaml.safe_dump({**DEALS[1], "id": "D50", "amount_usd_bn": -4.0}))
    code, _, err = run(["ledger", "import", str(bad.parent)], monkeypatch, capsys)
    assert code == 1
    assert "D50.yaml:1: amount_usd_bn:" in err and "negative" in err and "store is unchanged" in err
    assert "Traceback" not in err
    _, shown_after, _ = run(["ledger", "show", "deals"], monkeypatch, capsys)
    assert shown_after == shown_before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ledger", "show", "deals", "--as-of", "2025-02-30"], "--as-of"),
        (["ledger", "show", "deals", "--as-of", "yesterday"], "YYYY-MM-DD"),
        (["ledger", "show", "planets"], "unknown table 'planets'"),
        (["ledger", "show", "deals", "--entity", "nobody"], "unknown entity 'nobody'"),
        (["ledger", "show", "deals", "--kind", "gift"], "unknown kind 'gift'"),
        (["ledger", "diff", "--from", "2026-01-01", "--to", "2025-01-01"], "after --to"),
        (["ledger", "export", "--format", "pdf", "--out", "x"], "unknown format 'pdf'"),
    ],
)
def test_errors_are_one_line_and_exit_1(db, args, needle, monkeypatch, capsys) -> None:
    code, _, err = run(args, monkeypatch, capsys)
    assert code == 1
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_show_json_has_the_csv_export_fields_and_filters(db, monkeypatch, capsys) -> None:
    code, out, _ = run(
        ["ledger", "show", "deals", "--json", "--as-of", "2026-03-31", "--entity", "nvidia"],
        monkeypatch,
        capsys,
    )
    rows = json.loads(out)
    assert code == 0 and {r["id"] for r in rows} == {"D01", "D03", "D12"}
    assert {
        "id",
        "kind",
        "payer",
        "payee",
        "amount_usd_bn",
        "announced",
        "status",
        "confidence",
        "sources",
    } <= set(rows[0])
    _, out, _ = run(["ledger", "show", "entities", "--kind", "hyperscaler", "--json"], monkeypatch, capsys)
    assert {r["id"] for r in json.loads(out)} == {"oracle", "amazon"}


def test_diff_lists_added_and_superseded_deals(db, monkeypatch, capsys) -> None:
    code, out, _ = run(
        ["ledger", "diff", "--from", "2025-12-31", "--to", "2026-03-31", "--json"], monkeypatch, capsys
    )
    data = json.loads(out)
    assert code == 0
    assert [d["id"] for d in data["added"]] == ["D03"]
    assert [(d["id"], d["superseded_by"]) for d in data["superseded"]] == [("D01", "D03")]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_then_import_round_trips(db, tmp_path, fmt, monkeypatch, capsys) -> None:
    code, out, _ = run(
        ["ledger", "export", "--format", fmt, "--out", str(tmp_path / fmt)], monkeypatch, capsys
    )
    assert code == 0 and out.strip()
    code, out, _ = run(["ledger", "import", str(tmp_path / fmt)], monkeypatch, capsys)
    assert code == 0 and "nothing to import" in out


def test_a_workbook_of_a_zip_version_zipfile_cannot_read_is_refused_in_one_line(
    db, tmp_path, monkeypatch, capsys
) -> None:
    """``make fuzz`` found it (a byte flip set 'version needed to extract' to 9.7): zipfile raises
    NotImplementedError, which escaped as a traceback."""
    code, _, _ = run(
        ["ledger", "export", "--format", "xlsx", "--out", str(tmp_path / "x")], monkeypatch, capsys
    )
    assert code == 0
    [book] = (tmp_path / "x").glob("*.xlsx")
    raw = bytearray(book.read_bytes())
    at = raw.find(b"PK\x01\x02")  # the first central-directory header
    raw[at + 6 : at + 8] = (97).to_bytes(2, "little")  # version needed to extract: 9.7
    book.write_bytes(bytes(raw))
    code, _, err = run(["ledger", "import", str(tmp_path / "x")], monkeypatch, capsys)
    assert code == 1 and "Traceback" not in err
    assert "not a readable Excel workbook" in err and "zip file version 9.7" in err


def test_summary_json_spreads_the_centre_payments(db, monkeypatch, capsys) -> None:
    code, out, _ = run(["summary", "--as-of", "2026-03-31", "--json"], monkeypatch, capsys)
    data = json.loads(out)
    assert code == 0
    assert data["centre_payments"]["2027"]["oracle"] == pytest.approx(60.0)
    assert data["largest_live"][0]["id"] == "D10"
    assert "D01" not in {c["id"] for c in data["largest_live"]}  # superseded by then
    # the list is the top of a stated number, and live deals without an amount are counted
    assert len(data["largest_live"]) == min(10, data["live_with_amount"])
    assert data["live_amount_unknown"] >= 0
    amounts = [c["amount_usd_bn"] for c in data["largest_live"]]
    assert amounts == sorted(amounts, reverse=True)
    code, out, _ = run(["summary", "--as-of", "2026-03-31"], monkeypatch, capsys)
    assert code == 0 and "committed to pay" in out


def test_done_when_the_bundled_dataset_shows_the_nvidia_loi_then_its_successor(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "fresh.duckdb"))
    code, out, err = run(["ledger", "show", "deals", "--as-of", "2025-12-31", "--json"], monkeypatch, capsys)
    assert code == 0 and "built it from the bundled dataset 'ai'" in err
    d01 = next(d for d in json.loads(out) if d["id"] == "D01")
    assert (
        d01["status"] in ("non_binding", "announced", "signed", "binding") and d01["amount_usd_bn"] == 100.0
    )
    code, out, err = run(["ledger", "show", "deals", "--as-of", "2026-03-31", "--json"], monkeypatch, capsys)
    d01 = next(d for d in json.loads(out) if d["id"] == "D01")
    assert (d01["status"], d01["superseded_by"]) == ("superseded", "D03") and "bundled" not in err
    code, out, _ = run(["ledger", "show", "deals", "--as-of", "2026-03-31"], monkeypatch, capsys)
    assert code == 0 and "D03" in out


def test_done_when_the_2026_update_shows_d15_then_d50_and_diff_lists_every_change(
    tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "fresh.duckdb"))
    code, out, _ = run(["ledger", "show", "deals", "--as-of", "2026-03-31", "--json"], monkeypatch, capsys)
    march = {d["id"]: d for d in json.loads(out)}
    assert code == 0 and march["D15"]["status"] == "binding" and not march["D15"]["superseded_by"]
    assert not {f"D{i}" for i in range(49, 85)} & set(march)
    code, out, _ = run(["ledger", "show", "deals", "--as-of", "2026-07-03", "--json"], monkeypatch, capsys)
    july = {d["id"]: d for d in json.loads(out)}
    assert july["D50"]["status"] == "binding"
    assert (july["D15"]["status"], july["D15"]["superseded_by"]) == ("superseded", "D50")
    code, out, _ = run(["ledger", "show", "deals", "--as-of", "2026-07-03"], monkeypatch, capsys)
    assert code == 0 and "D50" in out and "superseded" in out
    code, out, _ = run(
        ["ledger", "diff", "--from", "2026-03-31", "--to", "2026-07-03", "--json"], monkeypatch, capsys
    )
    data = json.loads(out)
    assert {d["id"] for d in data["added"]} >= {f"D{i}" for i in range(49, 85) if i != 77}
    assert {(d["id"], d["superseded_by"]) for d in data["superseded"]} == {("D06", "D50"), ("D15", "D50")}
    touched = {d["id"]: d.get("note", "") for k in ("changed", "revised", "superseded") for d in data[k]}
    # Every row of update-2026.md's "Changes to existing deals" table (D14 enters the web in June
    # 2026, its own date, so it is listed as added with its revision in its notes).
    table = {
        "D03": "D49", "D04": "D49", "D05": "D51", "D06": "D50", "D15": "D50", "D11": "D83",
        "D21": "D54", "D31": "D63", "D44": "D67", "D38": "D59", "D39": "D56", "D40": "D58",
        "D41": "D60", "D48": "D53", "D07": "D52", "D32": "D69", "D34": "D84", "D47": "D80",
    }  # fmt: skip
    for old, new in table.items():
        assert new in touched[old], (old, new)
    added = {d["id"]: d.get("note", "") for d in data["added"]}
    assert "D73" in added["D14"]  # D14 enters in June 2026 already amended by D73
    assert not added["D50"]  # a new deal with no revision has no note
    code, out, _ = run(["ledger", "diff", "--from", "2026-03-31", "--to", "2026-07-03"], monkeypatch, capsys)
    assert code == 0 and "revised" in out and "D73" in out


def test_an_empty_store_file_is_built_from_the_bundled_dataset_but_import_does_not_seed_it(
    tmp_path, monkeypatch, capsys
) -> None:
    from circularity.store import open_store

    path = tmp_path / "empty.duckdb"
    open_store(path).close()  # a command that only opened the store leaves an empty file behind
    monkeypatch.setenv("CIRCULARITY_DB", str(path))
    code, out, err = run(["summary", "--json"], monkeypatch, capsys)
    assert code == 0 and "an empty store at" in err and "built it from the bundled dataset 'ai'" in err
    assert json.loads(out)["counts"]["deals"] > 0

    other = tmp_path / "other.duckdb"
    open_store(other).close()
    monkeypatch.setenv("CIRCULARITY_DB", str(other))
    code, out, err = run(["ledger", "import", str(write_sample(tmp_path / "sample"))], monkeypatch, capsys)
    assert code == 0 and "bundled" not in err
    store = open_store(other)
    try:
        assert set(store.ledger().deals["id"]) == {d["id"] for d in DEALS}
    finally:
        store.close()
