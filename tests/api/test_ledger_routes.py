"""Ledger, graph and circulation routes against a real server process."""

from __future__ import annotations

import json

import httpx
import pytest

import circularity
from circularity.analytics import find_circulation
from circularity.analytics.attribution import flow_graph


def assert_error(resp: httpx.Response, status: int) -> dict:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert set(body) == {"error"}
    err = body["error"]
    assert set(err) == {"status", "type", "message", "detail"}
    assert err["status"] == status
    assert isinstance(err["message"], str) and err["message"]
    return err


def test_health_and_meta(client: httpx.Client) -> None:
    assert client.get("/api/health").json()["status"] == "ok"
    meta = client.get("/api/meta").json()
    full = circularity.load("ai").counts()
    assert meta["counts"]["entities"] == full["entities"]
    assert meta["read_only"] is True
    assert meta["features"]["import"] is False
    assert meta["limits"]["max_draws"] == 20_000
    assert meta["first_date"] <= "2025-09-22" <= meta["last_date"]


def test_entities_match_the_ledger(client: httpx.Client) -> None:
    ledger = circularity.load("ai", as_of="2026-03-31")
    body = client.get("/api/entities", params={"as_of": "2026-03-31"}).json()
    assert body["count"] == len(ledger.entities)
    assert {r["id"] for r in body["records"]} == set(ledger.entities["id"])


def test_deals_as_of_follow_the_revisions(client: httpx.Client) -> None:
    early = client.get("/api/deals/D01", params={"as_of": "2025-12-31"}).json()
    assert early["deal"]["status"] == "non_binding"
    assert early["deal"]["amount_usd_bn"] == 100
    assert all(s["url"].startswith("http") for s in early["sources"])
    late = client.get("/api/deals/D01", params={"as_of": "2026-03-31"}).json()
    assert late["deal"]["status"] == "superseded"
    assert late["deal"]["superseded_by"] == "D03"
    assert late["history"], "the revision that superseded D01 is listed"
    before = client.get("/api/deals/D03", params={"as_of": "2025-12-31"})
    assert_error(before, 404)


def test_deal_filters(client: httpx.Client) -> None:
    body = client.get("/api/deals", params={"kind": ["compute", "hardware"], "live_only": True}).json()
    assert body["count"] > 0
    assert {r["kind"] for r in body["records"]} <= {"compute", "hardware"}
    assert all(r["live"] for r in body["records"])
    big = client.get("/api/deals", params={"min_amount": 100}).json()
    assert all(r["amount_central_usd_bn"] >= 100 for r in big["records"])
    openai = client.get("/api/deals", params={"entity": "openai"}).json()
    assert all("openai" in (r["payer"], r["payee"]) for r in openai["records"])


def test_entity_card_has_deals_and_sources(client: httpx.Client) -> None:
    card = client.get("/api/entities/openai", params={"as_of": "2026-03-31"}).json()
    assert card["entity"]["name"] == "OpenAI"
    assert card["deals"] and card["sources"]
    cited = {s for d in card["deals"] for s in d["sources"]}
    assert cited <= {s["id"] for s in card["sources"]}
    assert_error(client.get("/api/entities/no-such-firm"), 404)


@pytest.mark.parametrize(("as_of", "has_d01"), [("2025-12-31", True), ("2026-03-31", False)])
def test_graph_shows_the_letter_of_intent_until_superseded(
    client: httpx.Client, as_of: str, has_d01: bool
) -> None:
    g = client.get("/api/graph", params={"as_of": as_of}).json()
    edges = {e["data"]["id"]: e["data"] for e in g["elements"]["edges"]}
    assert ("D01" in edges) is has_d01
    if has_d01:
        assert edges["D01"]["amount"] == 100 and edges["D01"]["dashed"]
        assert (edges["D01"]["source"], edges["D01"]["target"]) == ("nvidia", "openai")
    ledger = circularity.load("ai", as_of=as_of)
    live = ledger.live_deals
    assert g["n_edges"] == len(live)
    assert g["n_nodes"] == len({x for d in live for x in (d.payer, d.payee)})
    every = client.get("/api/graph", params={"as_of": as_of, "include_inactive": True}).json()
    assert "D01" in {e["data"]["id"] for e in every["elements"]["edges"]}


def test_graph_filters(client: httpx.Client) -> None:
    g = client.get("/api/graph", params={"kind": "equity", "confidence": "confirmed"}).json()
    assert g["n_edges"] > 0
    assert all(
        e["data"]["kind"] == "equity" and e["data"]["confidence"] == "confirmed"
        for e in g["elements"]["edges"]
    )


def _cli_json(*args: str) -> dict:
    from typer.testing import CliRunner

    from circularity.cli import app

    out = CliRunner().invoke(app, list(args))
    assert out.exit_code == 0, out.output
    return json.loads(out.stdout)


def test_loops_are_the_cli_loops(client: httpx.Client) -> None:
    """One definition: /api/loops answers what `circularity loops --json` prints."""
    as_of = "2026-03-31"
    params = {"as_of": as_of, "top": 3, "null": 40, "seed": 3}
    body = client.get("/api/loops", params=params).json()
    cli = _cli_json("loops", "--as-of", as_of, "--top", "3", "--null", "40", "--seed", "3", "--json")
    for key in ("total_volume", "circulating_volume", "circularity_ratio"):
        assert body[key] == pytest.approx(cli[key], rel=1e-12)
    assert body["window"] == "2025:2030"
    # the CLI's --json carries the whole decomposition (--top cuts only its table); the API lists
    # the top cycles and says how many there are
    assert body["n_cycles"] == len(cli["cycles"]) > 3
    top = cli["cycles"][:3]
    assert [c["entities"] for c in body["cycles"]] == [c["entities"] for c in top]
    assert [c["deal_ids"] for c in body["cycles"]] == [c["deal_ids"] for c in top]
    assert body["null_model"]["method"] == cli["null_model"]["method"] == "degree-strength"
    for key in ("z_score", "p_value", "mean", "n", "seed"):
        assert body["null_model"][key] == pytest.approx(cli["null_model"][key], rel=1e-12)
    known = {d.id for d in circularity.load("ai", as_of=as_of).live_deals}
    for c in body["cycles"]:
        assert all(set(ids) <= known for ids in c["deal_ids"])
    # the same filters as the CLI
    g = flow_graph(circularity.load("ai", as_of=as_of), window=None, min_confidence="confirmed")
    ref = find_circulation(g)
    every = client.get(
        "/api/loops", params={"as_of": as_of, "window": "all", "min_confidence": "confirmed"}
    ).json()
    assert every["circulating_volume"] == pytest.approx(ref.circulating_volume)
    assert every["total_volume"] == pytest.approx(ref.total_volume)
    assert every["null_model"] is None
    assert_error(client.get("/api/loops", params={"null": 1001}), 422)
    assert_error(client.get("/api/loops", params={"window": "2030:2025"}), 422)
    assert_error(client.get("/api/loops", params={"window": "2025-2030"}), 422)


def test_metrics_are_the_cli_metrics(client: httpx.Client) -> None:
    as_of = "2026-03-31"
    body = client.get("/api/metrics", params={"as_of": as_of}).json()
    cli = _cli_json("metrics", "--as-of", as_of, "--json")
    assert body["definition"] == cli["definition"]
    assert [v["vendor"] for v in body["vendor_financing"]] == [
        "nvidia",
        "amd",
        "oracle",
        "microsoft",
        "amazon",
        "coreweave",
        "broadcom",
    ]
    for ours, theirs in zip(body["vendor_financing"], cli["vendor_financing"], strict=True):
        for key in ("financing", "purchases", "ratio_to_purchases", "ratio_to_revenue"):
            assert ours[key] == pytest.approx(theirs[key])
    assert len(body["ratios"]) == len(cli["ratios"])
    assert body["lucent_comparison"] == cli["lucent_comparison"]
    one = client.get("/api/metrics", params={"as_of": as_of, "entity": "oracle"}).json()
    assert {r["entity"] for r in one["ratios"]} <= {"oracle"}
    assert [v["vendor"] for v in one["vendor_financing"]] == ["oracle"]
    assert_error(client.get("/api/metrics", params={"entity": "no-such-firm"}), 404)


def test_errors_share_one_shape(client: httpx.Client) -> None:
    assert_error(client.get("/api/no-such-route"), 404)
    err = assert_error(client.get("/api/graph", params={"as_of": "not-a-date"}), 422)
    assert err["detail"][0]["loc"] == ["query", "as_of"]
    assert_error(client.get("/api/graph", params={"as_of": "1800-01-01"}), 422)
    assert_error(client.get("/api/loops", params={"top": 0}), 422)
    assert_error(client.delete("/api/graph"), 405)
    assert_error(client.post("/api/health", content=b"x" * 200_000), 413)


def test_read_only_by_default(client: httpx.Client) -> None:
    resp = client.post("/api/import", json={"records": {}})
    assert resp.status_code in (403, 404, 405)
    assert "error" in resp.json()


def test_dashboard_is_offline(client: httpx.Client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    html = page.text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    for asset in ("/static/vendor/cytoscape.min.js", "/static/vendor/plotly.min.js", "/static/app.js"):
        assert client.get(asset).status_code == 200
    assert client.get("/docs").status_code == 404  # Swagger UI would load from a CDN
    assert client.get("/openapi.json").json()["info"]["title"] == "circularity"


def test_every_ledger_answer_carries_the_knowledge_horizon(client: httpx.Client) -> None:
    horizon = circularity.load("ai").knowledge_horizon()
    assert horizon is not None and horizon.isoformat() == "2026-07-03"
    meta = client.get("/api/meta").json()
    assert meta["knowledge_horizon"] == "2026-07-03"
    # today is past the horizon for the bundled dataset, so meta says so too
    assert meta["horizon_note"] == "facts after 2026-07-03 are unknown to the ledger"
    late = client.get("/api/deals", params={"as_of": "2026-12-04"}).json()
    assert late["knowledge_horizon"] == "2026-07-03"
    assert late["horizon_note"] == "facts after 2026-07-03 are unknown to the ledger"
    early = client.get("/api/entities", params={"as_of": "2026-03-31"}).json()
    assert early["knowledge_horizon"] == "2026-07-03" and early["horizon_note"] is None
