"""graph, loops and metrics as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from typer.testing import CliRunner

from circularity.cli import app

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_loops_json_has_the_documented_keys_and_traceable_cycles() -> None:
    data = json.loads(
        run("loops", "--as-of", "2026-11-22", "--json", "--null", "20", "--seed", "3", "--top", "1000")
    )
    assert {
        "total_volume",
        "circulating_volume",
        "circularity_ratio",
        "cycles",
        "entities",
        "null_model",
    } <= set(data)
    assert 0 < data["circularity_ratio"] < 1
    assert data["circulating_volume"] == pytest.approx(
        sum(c["amount"] * len(c["entities"]) for c in data["cycles"])
    )
    for c in data["cycles"]:
        assert len(c["deal_ids"]) == len(c["entities"]) and all(c["deal_ids"])
    amd = data["entities"]["amd"]
    assert set(amd) == {"inflow", "outflow", "circular"}
    assert 0 <= data["null_model"]["p_value"] <= 1
    again = json.loads(
        run("loops", "--as-of", "2026-11-22", "--json", "--null", "20", "--seed", "3", "--top", "1000")
    )
    assert again["null_model"] == data["null_model"]


def test_loops_on_a_users_edge_list(tmp_path: Path) -> None:
    f = tmp_path / "edges.csv"
    f.write_text("source,target,amount\na,b,3\nb,a,2\nb,c,5\n")
    data = json.loads(run("loops", "--network", str(f), "--json"))
    assert (data["total_volume"], data["circulating_volume"]) == (10.0, 4.0)
    assert data["cycles"][0]["amount"] == 2.0
    bad = tmp_path / "bad.csv"
    bad.write_text("source,target,amount\na,b,-3\n")
    out = runner.invoke(app, ["loops", "--network", str(bad)])
    assert out.exit_code != 0


def test_the_2025_web_holds_the_nvidia_loop_and_2026_does_not() -> None:
    before = json.loads(run("loops", "--as-of", "2025-12-31", "--json"))
    after = json.loads(run("loops", "--as-of", "2026-03-31", "--json"))
    loops_before = [sorted(c["entities"]) for c in before["cycles"]]
    assert ["nvidia", "openai"] in loops_before
    assert ["nvidia", "openai"] not in [sorted(c["entities"]) for c in after["cycles"]]


def test_graph_exports_open_in_networkx(tmp_path: Path) -> None:
    for fmt, reader in (("graphml", nx.read_graphml), ("gexf", nx.read_gexf)):
        path = tmp_path / f"web.{fmt}"
        run("graph", "--format", fmt, "--out", str(path), "--as-of", "2026-11-22")
        g = reader(path)
        assert g.number_of_nodes() > 10 and g.number_of_edges() > 10
    path = tmp_path / "web.json"
    run("graph", "--format", "json", "--out", str(path))
    elements = json.loads(path.read_text())
    assert elements["elements"]["nodes"] and elements["elements"]["edges"]


def test_metrics_json_and_bad_options() -> None:
    data = json.loads(run("metrics", "--entity", "amd", "--json"))
    vf = data["vendor_financing"][0]
    assert vf["vendor"] == "amd" and vf["financing_deals"] == ["D09", "D66"]  # D66: Meta (2026 update)
    assert any(r["vendor"] == "lucent" for r in data["lucent_comparison"])
    for args in (
        ["metrics", "--entity", "nobody"],
        ["loops", "--window", "2030:2025"],
        ["graph", "--out", "x", "--format", "png"],
    ):
        out = runner.invoke(app, args)
        assert out.exit_code != 0
