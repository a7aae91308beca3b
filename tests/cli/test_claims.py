"""``circularity claims`` through Typer's runner and as a subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from circularity.claims import load_registry
from circularity.cli import app

runner = CliRunner()
KEYS = ["id", "claim", "source", "computed", "claimed", "unit", "verdict", "reason", "model"]


def test_json_lists_every_claim_with_the_documented_keys():
    registry = load_registry()
    out = runner.invoke(app, ["claims", "--json", "--as-of", "2026-06-30"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert len(rows) == len(registry.claims)
    assert all(list(r) == KEYS for r in rows)
    loi = next(r for r in rows if r["id"] == "nvidia-openai-loi-live")
    assert loi["verdict"] == "does not hold" and loi["computed"] == 0.0
    assert all(r["computed"] is None for r in rows if r["verdict"] == "not computable")


def test_as_of_changes_date_dependent_verdicts():
    out = runner.invoke(app, ["claims", "--json", "--as-of", "2025-12-31", "--id", "nvidia-openai-loi-live"])
    assert json.loads(out.output)[0]["verdict"] == "holds"


def test_table_shows_verdicts_and_counts():
    out = runner.invoke(app, ["claims", "--as-of", "2026-06-30"])
    assert out.exit_code == 0, out.output
    assert "cahn-600b-question" in out.output and "not computable" in out.output
    assert "holds," in out.output.splitlines()[-1]


def test_unknown_id_is_a_usage_error():
    out = runner.invoke(app, ["claims", "--id", "nope"])
    assert out.exit_code != 0
    assert "unknown claim 'nope'" in out.output


def test_subprocess_json():
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from circularity.cli import main; main()",
            "claims",
            "--json",
            "--id",
            "ms-1-5t-gap",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["computed"] == 1500
