"""POST /api/sensitivity through the real server, against ``tornado`` run in-process."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from test_ledger_routes import assert_error

from circularity.montecarlo.projection_model import load_projection_model
from circularity.montecarlo.sensitivity import TornadoResult, tornado

COLUMNS = ("parameter", "low", "high", "output_low", "output_high", "swing")


def reference(
    scenario: str, output: str, sets: tuple[str, ...] = (), **q: float
) -> tuple[TornadoResult, list[dict[str, Any]]]:
    """``circularity sensitivity``'s tornado, in-process."""
    sim, model = load_projection_model(scenario, sets)
    res = tornado(model, sim.space, output, **q)
    return res, [
        dict(zip(COLUMNS, row, strict=True)) for row in res.table[list(COLUMNS)].itertuples(index=False)
    ]


@pytest.mark.parametrize(
    ("scenario", "output"),
    [
        ("baseline", "funding_need_2030"),
        ("funding-freeze", "market_value_lost"),
    ],
)
def test_tornado_matches_the_model(client: httpx.Client, scenario: str, output: str) -> None:
    body = client.post("/api/sensitivity", json={"scenario": scenario, "output": output}).json()
    res, rows = reference(scenario, output)
    assert body["scenario"] == scenario and body["output"] == output
    assert body["unit"] == "USD bn" and body["focus"] == "openai"
    assert body["base"] == pytest.approx(res.base, rel=1e-12)
    assert (body["low_q"], body["high_q"]) == (0.05, 0.95)
    assert body["evaluations"] == 1 + 2 * len(rows)
    assert [r["parameter"] for r in body["table"]] == res.ranking()
    for got, want in zip(body["table"], rows, strict=True):
        assert got["parameter"] == want["parameter"]
        for c in COLUMNS[1:]:
            assert got[c] == pytest.approx(want[c], rel=1e-12), (got["parameter"], c)
    swings = [r["swing"] for r in body["table"]]
    assert swings == sorted(swings, reverse=True)


def test_levers_and_quantiles_enter_as_the_cli_sets(client: httpx.Client) -> None:
    req = {
        "levers": {"credit_appetite": 0.5, "openai_revenue_scale": 0.7},
        "output": "market_value_lost",
        "low_q": 0.1,
        "high_q": 0.9,
    }
    body = client.post("/api/sensitivity", json=req).json()
    sets = (
        "globals.credit_appetite=0.5",
        "entities.openai.revenue_scale.value=0.7",
        "entities.openai.revenue_scale.source=dashboard lever",
    )
    res, rows = reference("baseline", "market_value_lost", sets, low_q=0.1, high_q=0.9)
    assert body["base"] == pytest.approx(res.base, rel=1e-12)
    assert [r["output_low"] for r in body["table"]] == pytest.approx([r["output_low"] for r in rows])
    assert [r["output_high"] for r in body["table"]] == pytest.approx([r["output_high"] for r in rows])
    assert body["levers"] == {"credit_appetite": 0.5, "openai_revenue_scale": 0.7}
    # OpenAI's revenue scale is a tornado parameter: the tornado moves it, the lever cannot
    assert body["levers_moved_by_tornado"] == ["openai_revenue_scale"]


def test_sensitivity_request_is_validated(client: httpx.Client) -> None:
    err = assert_error(client.post("/api/sensitivity", json={"output": "cash:openai"}), 422)
    assert "funding_need_2030" in err["message"]
    assert_error(client.post("/api/sensitivity", json={"outputs": "funding_need_2030"}), 422)
    assert_error(client.post("/api/sensitivity", json={"low_q": 0.6}), 422)
    assert_error(client.post("/api/sensitivity", json={"levers": {"gpu_life_years": 40}}), 422)
    assert_error(client.post("/api/sensitivity", json={"levers": {"rate": 0.1}}), 422)
    err = assert_error(client.post("/api/sensitivity", json={"scenario": "no-such-preset"}), 422)
    assert "unknown preset" in err["message"]
    assert_error(client.post("/api/sensitivity", json={"scenario": "../../etc/passwd"}), 422)
    assert_error(client.get("/api/sensitivity"), 405)


def test_schema_documents_the_answer(client: httpx.Client) -> None:
    op = client.get("/openapi.json").json()["paths"]["/api/sensitivity"]["post"]
    ref = op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/SensitivityResult")
    assert {"422", "404"} <= set(op["responses"])
