"""Every answer says what the ledger knows: the knowledge horizon (the latest source a record
cites, 2026-07-03 for the bundled dataset after the 2026 update) on ``summary``, ``loops``,
``stress`` and ``project``, and one line when the answer's date is later than the horizon."""

from __future__ import annotations

import json
import sys
from datetime import date

import pytest

from circularity.cli import main
from circularity.ledger import load
from circularity.report.captions import horizon_note, knowledge_horizon

HORIZON = "knowledge horizon: 2026-07-03"
UNKNOWN = "facts after 2026-07-03 are unknown to the ledger"


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


def test_the_ledger_says_its_horizon_and_what_it_cannot_know() -> None:
    ledger = load("ai", as_of="2026-12-04")
    assert ledger.horizon_lines() == [HORIZON, UNKNOWN]
    assert ledger.horizon_lines(date(2026, 7, 3)) == [HORIZON]  # on the horizon: nothing unknown yet
    # a dated view keeps the full history's horizon, and says nothing when it is before it
    assert load("ai", as_of="2026-03-31").horizon_lines() == [HORIZON]


def test_report_header_uses_the_ledger_rule() -> None:
    full = load("ai")
    assert knowledge_horizon(full, date(2026, 12, 4)) == "2026-07-03"
    assert knowledge_horizon(full, date(2026, 3, 31)) == "2026-03-31"
    assert horizon_note(full, date(2026, 12, 4)) == UNKNOWN
    assert horizon_note(full, date(2026, 7, 3)) is None


@pytest.mark.parametrize(
    ("as_of", "unknown"), [("2026-12-04", True), ("2026-07-03", False), ("2026-03-31", False)]
)
def test_summary_prints_the_horizon(as_of, unknown, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("CIRCULARITY_DB", str(tmp_path / "fresh.duckdb"))
    code, out, err = run(["summary", "--as-of", as_of], monkeypatch, capsys)
    assert code == 0, err
    assert HORIZON in out and (UNKNOWN in out) is unknown
    assert out.count(UNKNOWN) <= 1
    code, out, _ = run(["summary", "--as-of", as_of, "--json"], monkeypatch, capsys)
    assert json.loads(out)["knowledge_horizon"] == ([HORIZON, UNKNOWN] if unknown else [HORIZON])


def test_loops_prints_the_horizon(monkeypatch, capsys) -> None:
    code, out, err = run(["loops", "--as-of", "2026-12-04"], monkeypatch, capsys)
    assert code == 0, err
    assert HORIZON in out and UNKNOWN in out
    code, out, _ = run(["loops", "--as-of", "2026-06-30", "--json"], monkeypatch, capsys)
    assert json.loads(out)["knowledge_horizon"] == [HORIZON]


def test_stress_prints_the_horizon(monkeypatch, capsys) -> None:
    code, out, err = run(["stress", "--shock", "openai=0.5", "--as-of", "2026-12-04"], monkeypatch, capsys)
    assert code == 0, err
    assert HORIZON in out and UNKNOWN in out
    code, out, _ = run(
        ["stress", "--shock", "openai=0.5", "--as-of", "2026-07-03", "--json"], monkeypatch, capsys
    )
    assert json.loads(out)["knowledge_horizon"] == [HORIZON]


def test_project_prints_the_horizon(monkeypatch, capsys) -> None:
    code, out, err = run(["project", "--as-of", "2026-12-04", "--no-progress"], monkeypatch, capsys)
    assert code == 0, err
    assert HORIZON in out and UNKNOWN in out
    code, out, _ = run(["project", "--as-of", "2026-03-31", "--json"], monkeypatch, capsys)
    assert json.loads(out)["knowledge_horizon"] == [HORIZON]
