"""circularity backtest and compare as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circularity.cli import app

runner = CliRunner()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from circularity.cli import main; sys.argv = ['circularity', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def result() -> dict:
    out = runner.invoke(
        app, ["backtest", "--dataset", "telecom", "--cutoff", "2000-12-31", "--n", "64", "--json"]
    )
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_backtest_json_has_the_keys_the_issue_names(result: dict) -> None:
    assert {"dataset", "cutoff", "horizon", "draws", "entities", "vendors", "scores"} <= set(result)
    assert (result["dataset"], result["cutoff"], result["horizon"], result["draws"]) == (
        "telecom",
        "2000-12-31",
        "2002-12-31",
        64,
    )
    for e in result["entities"]:
        assert {
            "id",
            "name",
            "p_default",
            "median_default_quarter",
            "data_share",
            "runway_quarters",
            "z_score",
        } <= set(e)
        assert 0 <= e["p_default"] <= 1 and 0 <= e["data_share"] <= 1
    names = {e["name"] for e in result["entities"]}
    assert {"Winstar", "Lucent", "Teligent", "Rhythms NetConnections"} <= names  # as the sources write them
    for v in result["vendors"]:
        assert {"id", "name", "projected_losses", "reported_losses"} <= set(v)
    s = result["scores"]
    assert {"auc", "brier", "timing_rank_correlation", "n_scored"} <= set(s)
    assert {"runway", "z_score"} == set(s["baselines"])
    for b in s["baselines"].values():
        assert {"auc", "timing_rank_correlation"} <= set(b)


def test_unknown_outcomes_are_not_scored_as_survivals(result: dict) -> None:
    s = result["scores"]
    by_outcome = {e["outcome"] for e in result["entities"]}
    assert "unknown" in by_outcome
    assert s["n_scored"] == s["n_defaults"] + s["n_survivors"]
    assert s["n_scored"] == sum(1 for e in result["entities"] if e["outcome"] in ("default", "survived"))


def test_lucent_losses_compare_against_its_reported_provisions(result: dict) -> None:
    lucent = next(v for v in result["vendors"] if v["id"] == "lucent")
    assert lucent["reported_losses"] == pytest.approx(0.705 + 0.192)  # Q2 FY2001 + Q2 FY2002 in the ledger
    assert lucent["projected_losses"] >= 0


def test_a_bad_outcomes_file_gets_located_errors_and_no_scores(tmp_path: Path) -> None:
    bad = tmp_path / "outcomes.csv"
    bad.write_text(
        "entity,event,date\nWinstar,chapter11_filed,2001-04-18\nNobody,default,2001-02\nWinstar,default,April\n"
    )
    out = cli("backtest", "--outcomes", str(bad), "--n", "8", "--json")
    assert out.returncode == 1
    assert f"{bad}:3: entity: unknown entity 'Nobody'" in out.stderr
    assert f"{bad}:4: date: 'April' is not a date" in out.stderr
    assert "auc" not in out.stdout


def test_a_cutoff_after_the_horizon_is_refused_in_one_line() -> None:
    out = cli("backtest", "--cutoff", "2003-01-01", "--horizon", "2002-12-31", "--n", "8")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "is not before the horizon" in out.stderr
    out = cli("backtest", "--cutoff", "1990-01-01", "--n", "8")
    assert out.returncode == 1
    assert out.stderr.strip().count("\n") == 0 and "before the dataset's first record" in out.stderr


def test_compare_puts_both_webs_on_the_same_definitions() -> None:
    out = runner.invoke(
        app, ["compare", "telecom", "ai", "--cutoff", "2000-12-31", "--as-of", "2026-11-22", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    tel, ai = data["webs"]
    assert (tel["dataset"], ai["dataset"]) == ("telecom", "ai")
    for w in (tel, ai):
        assert 0 < w["circularity_ratio"] < 1
        assert w["vendor_financing_ratio"] > 0 and 0 < w["hhi_received"] <= 10_000
    assert tel["window"] == [1998, 2002] and ai["window"] == [2024, 2028]
    assert "lucent" in tel["vendors"]


def test_analytics_commands_take_the_telecom_dataset() -> None:
    out = runner.invoke(
        app, ["loops", "--dataset", "telecom", "--as-of", "2000-12-31", "--window", "1998:2002", "--json"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert any({"lucent", "winstar"} <= set(c["entities"]) for c in data["cycles"])
