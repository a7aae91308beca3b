"""``circularity reactions --fit``: the calibration printed, as a table and as JSON."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from circularity.cli import app

CSV = Path(__file__).resolve().parents[1] / "valuation" / "data" / "market_reactions.csv"


def test_fit_json_has_points_intervals_and_named_priors() -> None:
    out = CliRunner().invoke(
        app, ["reactions", "--fit", "--json", "--file", str(CSV), "--as-of", "2026-12-04"]
    )
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert all(row["coefficient"] is not None for row in data["fit"])
    own = [r for r in data["fit"] if r["method"] == "fit" and r["class"] != "all"]
    assert own and all(r["low"] <= r["coefficient"] <= r["high"] for r in own)
    assert any(r["method"].startswith("prior:") for r in data["fit"])
    assert len(data["points"]) + len(data["excluded"]) == len(CSV.read_text().splitlines()) - 1
    assert all("residual" in p for p in data["points"])


def test_table_and_a_contradicting_row(tmp_path: Path) -> None:
    ok = CliRunner().invoke(app, ["reactions", "--fit", "--file", str(CSV), "--as-of", "2026-12-04"])
    assert ok.exit_code == 0 and "per dollar of backlog" in ok.output
    # both directions, and which model uses each
    flat = " ".join(ok.output.split())
    assert "In use, all/all/announced" in flat and "engine.backlog_multiple" in flat
    assert "In use, all/all/cancelled" in flat and "engine.cancel_multiple" in flat
    bad = tmp_path / "bad.csv"
    lines = CSV.read_text().splitlines()
    bad.write_text(
        "\n".join(
            [lines[0], lines[1].replace("2025-09-10,Oracle,ORCL,36,244", "2025-09-10,Oracle,ORCL,10,244")]
        )
    )
    out = CliRunner().invoke(app, ["reactions", "--fit", "--file", str(bad), "--as-of", "2026-12-04"])
    assert out.exit_code == 1
    assert "bad.csv:1: market_cap_change_usd_bn: 244 contradicts pct_change 10%" in str(out.exception)
