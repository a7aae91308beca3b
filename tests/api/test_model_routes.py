"""Stress, projection, simulation, claims and runs through the real server, against the models."""

from __future__ import annotations

import httpx
import pytest
from test_ledger_routes import assert_error

import circularity
from circularity.projection import PRESETS


def test_stress_matches_the_stress_model(client: httpx.Client) -> None:
    from circularity.stress import stress_test

    body = client.post(
        "/api/stress", json={"shocks": [{"entity": "openai", "pays": 0.5}], "as_of": "2026-03-31"}
    ).json()
    ref = stress_test({"openai": 0.5}, as_of="2026-03-31")
    assert body["totals"]["market_value_lost"] == pytest.approx(ref.totals()["market_value_lost"])
    assert body["totals"]["receipts_lost"] == pytest.approx(ref.totals()["receipts_lost"])
    assert "openai" in body["defaulted"]
    keys = {c["key"] for c in body["columns"]}
    assert keys <= set(body["rows"][0]) and body["assumptions"]
    run = client.get(f"/api/runs/{body['run_id']}").json()
    assert run["kind"] == "stress" and run["request"]["shocks"][0]["entity"] == "openai"
    assert body["run_id"] in {r["id"] for r in client.get("/api/runs").json()["runs"]}


def test_stress_input_is_validated(client: httpx.Client) -> None:
    assert_error(client.post("/api/stress", json={"shocks": []}), 422)
    assert_error(client.post("/api/stress", json={"shocks": [{"entity": "openai", "pays": 1.5}]}), 422)
    err = assert_error(client.post("/api/stress", json={"shocks": [{"entity": "nobody", "pays": 0.5}]}), 422)
    assert "unknown entity" in err["message"]
    dup = [{"entity": "openai", "pays": 0.5}, {"entity": "openai", "pays": 0.2}]
    assert_error(client.post("/api/stress", json={"shocks": dup}), 422)
    assert_error(
        client.post("/api/stress", content=b"{not json", headers={"content-type": "application/json"}), 422
    )
    assert_error(client.get("/api/runs/no-such-run"), 404)


def test_scenarios_list_every_preset_and_lever(client: httpx.Client) -> None:
    body = client.get("/api/scenarios").json()
    assert [p["name"] for p in body["presets"]] == list(PRESETS)
    assert {lv["key"] for lv in body["levers"]} == {
        "openai_revenue_scale",
        "gpu_life_years",
        "credit_appetite",
        "power_delivery",
        "rate_floor",
    }
    assert "openai" in body["entities"]


def test_projection_matches_the_engine_and_levers_move_it(client: httpx.Client) -> None:
    from circularity.projection import project

    base = client.post("/api/project", json={"scenario": "funding-freeze"}).json()
    ref = project("funding-freeze")
    assert base["headlines"] == ref.headlines()
    assert base["series"]["openai"]["cash"] == pytest.approx(
        ref.series("cash", "openai").tolist(), nan_ok=True
    )
    low = client.post(
        "/api/project",
        json={"scenario": "funding-freeze", "levers": {"openai_revenue_scale": 0.5}},
    ).json()
    assert low["series"]["openai"]["cash"] != base["series"]["openai"]["cash"]
    assert low["levers"] == {"openai_revenue_scale": 0.5}


def test_projection_refuses_paths_and_bad_levers(client: httpx.Client) -> None:
    assert_error(client.post("/api/project", json={"scenario": "../../etc/passwd"}), 422)
    assert_error(client.post("/api/project", json={"scenario": "no-such-preset"}), 422)
    assert_error(client.post("/api/project", json={"levers": {"gpu_life_years": 40}}), 422)
    assert_error(client.post("/api/project", json={"levers": {"rate": 0.1}}), 422)
    assert_error(client.post("/api/project", json={"entities": ["nobody"]}), 404)


def test_simulation_is_bounded_and_reproducible(client: httpx.Client) -> None:
    req = {"scenario": "baseline", "n": 200, "seed": 3}
    a = client.post("/api/simulate", json=req).json()
    b = client.post("/api/simulate", json=req).json()
    assert a["n"] == 200 and a["quantiles"]["openai"]["cash"]["p50"]
    assert a["quantiles"] == b["quantiles"]
    bands = a["quantiles"]["openai"]["cash"]
    assert all(lo <= hi for lo, hi in zip(bands["p05"], bands["p95"], strict=True))
    err = assert_error(client.post("/api/simulate", json={"n": 20_001}), 422)
    assert "20000" in err["message"]


def test_claims_match_check_claims(client: httpx.Client) -> None:
    body = client.get("/api/claims", params={"as_of": "2026-03-31"}).json()
    ref = circularity.check_claims(circularity.load("ai", as_of="2026-03-31"))
    assert body["counts"] == dict(ref.counts())
    assert [c["id"] for c in body["claims"]] == [r.id for r in ref.results]
    assert {c["verdict"] for c in body["claims"]} <= {"holds", "does not hold", "not computable"}
