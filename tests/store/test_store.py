"""The DuckDB store: imports are all-or-nothing, corrections retire rows, exports round-trip."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from circularity import open_store, read_ledger
from circularity.errors import LedgerError, StoreError
from circularity.store import export
from circularity.testing.ledgers import DEALS, write_sample


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write_sample(tmp_path / "sample")


@pytest.fixture
def store(tmp_path: Path, sample: Path):
    s = open_store(tmp_path / "web.duckdb")
    s.import_path(sample)
    yield s
    s.close()


def test_import_then_ledger_reproduces_the_files(store, sample: Path) -> None:
    assert store.ledger().content_hash() == read_ledger(sample).content_hash()
    assert store.ledger().meta["name"] == "sample"
    [first] = store.imports()
    assert first["added"] == 19 and first["counts"]["deals"]["added"] == 6


def test_identical_reimport_is_a_no_op(store, sample: Path) -> None:
    before = store.snapshot()
    result = store.import_path(sample)
    assert not result.changed and result.import_id is None
    assert sum(result.unchanged.values()) == 19
    assert store.snapshot() == before


def test_correction_retires_the_old_row_and_keeps_it_known_at_the_earlier_time(store, sample: Path) -> None:
    t0 = store.imports()[0]["time"]
    changed = dict(DEALS[2], amount_usd_bn=310.0)
    (sample / "deals" / "D10.yaml").write_text(yaml.safe_dump(changed))
    result = store.import_path(sample)
    assert result.corrected == {"deals": 1} and result.added == {}
    assert store.ledger().deal("D10").amount_usd_bn == 310.0
    assert store.ledger(known_at=t0).deal("D10").amount_usd_bn == 300.0
    rows = [r for r in store.snapshot()["deals"] if r[0] == "D10"]
    assert len(rows) == 2  # never overwritten, never deleted
    assert sum(r[-2] is None for r in rows) == 1  # exactly one current row


def test_as_of_views_come_from_valid_time(store) -> None:
    assert store.ledger(as_of="2025-12-31").deal("D01").status == "non_binding"
    later = store.ledger(as_of="2026-03-31").deal("D01")
    assert (later.status, later.superseded_by) == ("superseded", "D03")
    with pytest.raises(KeyError):
        store.ledger(as_of="2025-12-31").deal("D03")


def test_a_deals_file_may_name_stored_entities_and_sources(store, tmp_path: Path) -> None:
    new = dict(DEALS[3], id="D20", amount_usd_bn=5.0)
    (tmp_path / "deals").mkdir()
    path = tmp_path / "deals" / "D20.yaml"
    path.write_text(yaml.safe_dump(new))
    assert store.import_path(path).added == {"deals": 1}
    assert store.ledger().deal("D20").amount_usd_bn == 5.0


def test_a_supersession_cycle_across_store_and_file_is_refused(store, tmp_path: Path) -> None:
    before = store.snapshot()
    d03 = dict(DEALS[1], status="superseded", superseded_by="D01")
    d01 = dict(DEALS[0], revisions=[], status="superseded", superseded_by="D03")
    (tmp_path / "new" / "deals").mkdir(parents=True)
    (tmp_path / "new" / "deals" / "D03.yaml").write_text(yaml.safe_dump(d03))
    (tmp_path / "new" / "deals" / "D01.yaml").write_text(yaml.safe_dump(d01))
    with pytest.raises(LedgerError, match="cycle"):
        store.import_path(tmp_path / "new")
    assert store.snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_then_import_reproduces_the_ledger(store, tmp_path: Path, fmt: str) -> None:
    files = export(store, fmt, tmp_path / fmt)
    assert files
    original = store.ledger().content_hash()
    assert read_ledger(tmp_path / fmt).content_hash() == original
    with open_store(tmp_path / f"{fmt}.duckdb") as again:
        again.import_path(tmp_path / fmt)
        assert again.ledger().content_hash() == original


def test_csv_export_has_the_promised_files_and_columns(store, tmp_path: Path) -> None:
    names = {p.name for p in export(store, "csv", tmp_path / "out")}
    assert names == {
        f"{t}.csv"
        for t in ("entities", "sources", "deals", "financials", "holdings", "market_reactions", "outcomes")
    }
    header = (tmp_path / "out" / "deals.csv").read_text().splitlines()[0].split(",")
    for col in (
        "id",
        "kind",
        "payer",
        "payee",
        "amount_usd_bn",
        "announced",
        "status",
        "confidence",
        "sources",
    ):
        assert col in header


def test_excel_export_keeps_source_urls_as_links(store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    [path] = export(store, "xlsx", tmp_path)
    wb = load_workbook(path)
    assert set(wb.sheetnames) >= {"deals", "sources", "entities"}
    ws = wb["sources"]
    url_col = [c.value for c in ws[1]].index("url") + 1
    cell = ws.cell(row=2, column=url_col)
    assert cell.value.startswith("https://") and cell.hyperlink.target == cell.value


def test_an_empty_store_says_how_to_fill_it(tmp_path: Path) -> None:
    with (
        open_store(tmp_path / "empty.duckdb") as s,
        pytest.raises(StoreError, match="circularity ledger import"),
    ):
        s.ledger()


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.duckdb"
    bad.write_text("hello, I am not a database")
    with pytest.raises(StoreError, match="cannot open the store"):
        open_store(bad)
    with pytest.raises(StoreError, match="is a folder"):
        open_store(tmp_path)


def test_env_var_chooses_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "env.duckdb"))
    with open_store() as s:
        assert s.path == tmp_path / "env.duckdb"


def _write_big(root: Path, n: int) -> Path:
    write_sample(root, deals=[])
    (root / "deals").rmdir()
    lines = ["id,kind,payer,payee,amount_usd_bn,announced,status,sources,confidence"]
    lines += [f"G{i},compute,openai,oracle,{1 + i % 7}.5,2025-10-01,signed,s2,estimate" for i in range(n)]
    (root / "deals.csv").write_text("\n".join(lines) + "\n")
    fin = ["entity,period,period_end,period_type,metric,value,unit,sources,confidence"]
    fin += [f"oracle,P{i},2025-05-31,FY,capex,{i}.25,USD_bn,s2,estimate" for i in range(n)]
    (root / "financials.csv").write_text("\n".join(fin) + "\n")
    return root


@pytest.mark.slow
def test_sigkill_in_the_middle_of_an_import_leaves_the_store_as_it_was(store, tmp_path: Path) -> None:
    big = _write_big(tmp_path / "big", 1500)
    db = store.path
    before = store.snapshot()
    store.close()
    # A process that imports the big folder and stalls after each table it writes (inside the
    # import's transaction), saying which; it is killed once deals are written.
    script = (
        "import sys, time\n"
        "from circularity.store import open_store\n"
        "store = open_store(sys.argv[1])\n"
        "def stall(table):\n"
        "    print(f'wrote {table}', file=sys.stderr, flush=True)\n"
        "    time.sleep(60)\n"
        "store.on_table_written = stall\n"
        "store.import_path(sys.argv[2])\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(big)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        seen = []
        assert proc.stderr is not None
        for line in proc.stderr:  # one line per table written inside the transaction
            seen.append(line)
            if "wrote deals" in line:  # deals written, financials not yet: mid-transaction
                break
        assert any("wrote deals" in s for s in seen), "".join(seen)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.kill()
        proc.wait(timeout=30)
        if proc.stderr is not None:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with open_store(db) as again:
        assert again.snapshot() == before
        assert again.ledger().counts()["deals"] == 6
        again.import_path(big)  # and the next command works
        assert again.ledger().counts()["deals"] == 1506


def test_a_store_in_use_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "busy.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="in use by another process"):
            open_store(db)
    finally:
        holder.kill()
        holder.wait(timeout=30)
        if holder.stdout is not None:
            holder.stdout.close()
