"""``--dataset telecom`` on every command that takes a dataset: run where meaningful, one-line refusal where not."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from circularity.cli import app

runner = CliRunner()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from circularity.cli import main; sys.argv = ['circularity', *sys.argv[1:]]; main()"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=600)


def test_project_runs_the_telecom_web_as_of_a_cutoff_on_the_backtest_scenario() -> None:
    out = runner.invoke(app, ["project", "--dataset", "telecom", "--as-of", "2000-12-31", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert (data["dataset"], data["as_of"], data["quarters"]) == (
        "telecom",
        "2000-12-31",
        ["2001Q1", "2002Q4"],
    )
    assert data["period_scenario"] == "telecom-2001"
    assert "winstar" in data["data_share"] and "openai" not in data["data_share"]


def test_project_on_telecom_needs_a_cutoff_and_refuses_the_ai_presets() -> None:
    out = cli("project", "--dataset", "telecom")
    assert out.returncode == 1 and "give --as-of" in out.stderr and out.stderr.strip().count("\n") == 0
    out = cli("project", "--dataset", "telecom", "--as-of", "2000-12-31", "--scenario", "funding-freeze")
    assert out.returncode == 1 and "scenario presets" in out.stderr


def test_stress_shocks_a_telecom_carrier() -> None:
    out = cli("stress", "--dataset", "telecom", "--as-of", "2000-12-31", "--shock", "winstar=1", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    text = json.dumps(data)
    assert "winstar" in text and "lucent" in text and "openai" not in text


def test_simulate_and_claims_refuse_telecom_in_one_line() -> None:
    for args, word in (
        (("simulate", "--dataset", "telecom", "--n", "4"), "circularity backtest --dataset telecom"),
        (("claims", "--dataset", "telecom"), "claims runs on: ai"),
    ):
        out = cli(*args)
        assert out.returncode == 1, out.stdout
        assert word in out.stderr and out.stderr.strip().count("\n") == 0, out.stderr
