"""The project command via Typer's runner and once as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from circularity.cli import app
from circularity.projection import COLUMNS

runner = CliRunner()


def test_project_json_and_out(tmp_path: Path) -> None:
    res = runner.invoke(app, ["project", "--scenario", "funding-freeze", "--json", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    heads = json.loads(res.output)
    assert heads["scenario"] == "funding-freeze" and "funding_need_2030" in heads
    q = pd.read_csv(tmp_path / "quarters.csv")
    assert list(q.columns) == ["scenario", "entity", "quarter", "basis", *COLUMNS]
    assert q["quarter"].iloc[0] == "2025Q1" and "openai" in set(q["entity"])
    pq = pd.read_parquet(tmp_path / "quarters.parquet")
    assert list(pq.columns) == list(q.columns) and len(pq) == len(q)


def test_project_explain_lists_assumptions_with_sources() -> None:
    res = runner.invoke(
        app, ["project", "--scenario", "baseline", "--explain", "--no-progress"], env={"COLUMNS": "250"}
    )
    assert res.exit_code == 0, res.output
    assert "globals.gpu_life_years" in res.output and "fact base 3c" in res.output
    assert "refinance_share" in res.output and "D44" in res.output


def test_project_table_with_set_and_horizon() -> None:
    res = runner.invoke(
        app,
        [
            "project",
            "--scenario",
            "hsbc-2025",
            "--set",
            "globals.gpu_life_years=4",
            "--start",
            "2025Q1",
            "--end",
            "2030Q4",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "funding need" in res.output and "2030Q4" in res.output and "first default" in res.output


def test_project_error_is_one_line_exit_1() -> None:
    exe = Path(sys.executable).parent / "circularity"
    proc = subprocess.run(
        [str(exe), "project", "--scenario", "nope"], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().startswith("error: unknown scenario 'nope'")
    assert "Traceback" not in proc.stderr
