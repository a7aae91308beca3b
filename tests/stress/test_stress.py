"""The AI-web stress test: exposures, clearing under a shock, revaluation, CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import circularity
from circularity.cli import app
from circularity.compile import Web
from circularity.errors import ScenarioError
from circularity.stress import exposure_network, stress_test
from circularity.stress.losses import LOSS_PARTS
from circularity.valuation import merton_equity


def tiny_web(holdings: np.ndarray | None = None) -> Web:
    """lab owes spv 10 over two quarters; spv owes bank 8; hyper owns 25% of lab."""
    entities = ("lab", "spv", "bank", "hyper")
    fin = {
        k: np.full(4, np.nan)
        for k in (
            "revenue_annual",
            "ebitda_annual",
            "cash",
            "debt",
            "market_value",
            "capex_annual",
            "depreciation_annual",
        )
    }
    fin["market_value"] = np.array([100.0, np.nan, np.nan, 1000.0])
    fin["revenue_annual"] = np.array([10.0, np.nan, np.nan, 200.0])
    H = np.zeros((4, 4)) if holdings is None else holdings
    return Web(
        entities=entities,
        entity_kinds=("lab", "spv", "lender", "hyperscaler"),
        quarters=("2027Q1", "2027Q2"),
        payer=np.array([0, 1]),
        payee=np.array([1, 2]),
        kind=("compute", "loan"),
        deal_id=("X1", "X2"),
        schedule=np.array([[5.0, 5.0], [4.0, 4.0]]),
        gw_linked=np.zeros(2, bool),
        principal=np.zeros(2),
        financials=fin,
        holdings=H,
    )


@pytest.fixture(scope="module")
def ai_ledger() -> circularity.Ledger:
    return circularity.load("ai", as_of="2026-11-22")


def test_exposures_are_remaining_payments_per_pair() -> None:
    net = exposure_network(tiny_web(), "2027Q2")
    assert net.to_frame().to_dict("records") == [
        {"debtor": "lab", "creditor": "spv", "amount_usd_bn": 5.0, "deals": "X1"},
        {"debtor": "spv", "creditor": "bank", "amount_usd_bn": 4.0, "deals": "X2"},
    ]


def test_a_shock_travels_through_a_pass_through_spv() -> None:
    H = np.zeros((4, 4))
    H[3, 0] = 0.25
    r = stress_test({"lab": 0.5}, web=tiny_web(H), ledger=circularity.load("ai", as_of="2026-11-22"))
    f = r.to_frame().set_index("entity")
    assert f.loc["spv", "receipts_lost"] == pytest.approx(5.0)
    assert f.loc["spv", "defaulted"]  # receives 5, owes 8, nothing else to pay from
    assert f.loc["bank", "receipts_lost"] == pytest.approx(3.0)
    # shocked: its assets are worth what its creditors recover (half of the 10 it owes), and its
    # equity is the Merton call on that (lab volatility 0.6, r 4%, one year), not a wipe-out
    after = float(merton_equity(5.0, 0.6, 10.0, 0.04, 1.0))
    assert 0 < after < 1.0
    assert f.loc["lab", "mv_change"] == pytest.approx(after - 100.0)
    assert f.loc["lab", "own_loss"] == pytest.approx(100.0 - after)
    assert f.loc["hyper", "stake_loss"] == pytest.approx(0.25 * (100.0 - after))  # marked to market
    assert f.loc["hyper", "mv_change"] == pytest.approx(-0.25 * (100.0 - after))  # unlevered: equity = assets


def test_no_shock_loses_nothing(ai_ledger: circularity.Ledger) -> None:
    r = stress_test({}, ledger=ai_ledger)
    t = r.totals()
    moved = ("receipts_lost", "equity_loss", "market_value_lost", "defaults", *LOSS_PARTS)
    assert {k: t[k] for k in moved} == dict.fromkeys(moved, 0.0)
    assert t["market_value_after"] == t["market_value_before"] > 0


def test_openai_paying_half_costs_oracle_half_its_openai_receipts(ai_ledger: circularity.Ledger) -> None:
    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    net = r.network.to_frame()
    owed = net[(net.debtor == "openai") & (net.creditor == "oracle")].amount_usd_bn.sum()
    f = r.to_frame().set_index("entity")
    assert owed > 0
    assert f.loc["oracle", "receipts_lost"] == pytest.approx(owed / 2)
    assert f.loc["openai", "defaulted"]
    assert f.loc["microsoft", "stake_loss"] > 0  # Microsoft's stake in OpenAI is written down
    assert np.isfinite(r.totals()["market_value_lost"])


@settings(max_examples=15, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1))
def test_paying_less_never_loses_less(ai_ledger: circularity.Ledger, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    r = stress_test([{"openai": lo}, {"openai": hi}], ledger=ai_ledger)
    assert np.all(r.receipts_lost[0] >= r.receipts_lost[1] - 1e-9)
    assert r.totals(0)["receipts_lost"] >= r.totals(1)["receipts_lost"] - 1e-9


def test_batched_scenarios_equal_single_runs(ai_ledger: circularity.Ledger) -> None:
    shocks = [{"openai": 0.5}, {"oracle": 0.2, "openai": 0.9}, {"coreweave": 0.0}]
    batch = stress_test(shocks, ledger=ai_ledger)
    for s, shock in enumerate(shocks):
        one = stress_test(shock, ledger=ai_ledger)
        np.testing.assert_allclose(batch.receipts_lost[s], one.receipts_lost[0])
        np.testing.assert_array_equal(batch.defaulted[s], one.defaulted[0])


def test_bad_shocks_are_refused(ai_ledger: circularity.Ledger) -> None:
    with pytest.raises(ScenarioError, match="unknown entity 'nobody'"):
        stress_test({"nobody": 0.5}, ledger=ai_ledger)
    with pytest.raises(ScenarioError, match=r"number in \[0, 1\]"):
        stress_test({"openai": 1.5}, ledger=ai_ledger)
    with pytest.raises(ScenarioError, match="unknown stress assumption"):
        stress_test({"openai": 0.5}, ledger=ai_ledger, assumptions={"nonsense": 1})


def test_cli_json_and_errors() -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["stress", "--shock", "openai=0.5", "--as-of", "2026-11-22", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert {"entities", "totals", "articles", "assumptions", "method", "excluded_unknown_value"} <= set(data)
    oracle = next(e for e in data["entities"] if e["entity"] == "oracle")
    assert oracle["receipts_lost"] > 0
    fields = {
        "market_value_before",
        "market_value_after",
        "lost_margin",
        "stranded_assets",
        "discount_rate_effect",
        "stake_losses",
        "credit_losses",
        "distance_to_default_before",
        "distance_to_default_after",
    }
    assert fields <= set(oracle)
    assert oracle["market_value_after"] < oracle["market_value_before"]
    parts = sum(
        oracle[k]
        for k in (
            "lost_margin",
            "stranded_assets",
            "discount_rate_effect",
            "stake_losses",
            "credit_losses",
            "own_loss",
        )
    )
    assert parts == pytest.approx(oracle["market_value_before"] - oracle["market_value_after"])
    openai = next(e for e in data["entities"] if e["entity"] == "openai")
    assert openai["shock"] == 0.5 and openai["pays"] == 0.5
    assert data["excluded_unknown_value_count"] == len(data["excluded_unknown_value"]) > 0
    bad = runner.invoke(app, ["stress", "--shock", "openai"])
    assert bad.exit_code != 0


def test_cli_shock_is_the_unpaid_share() -> None:
    runner = CliRunner()
    args = ["stress", "--as-of", "2026-11-22", "--json", "--shock"]
    none = json.loads(runner.invoke(app, [*args, "openai=0"]).output)
    assert none["totals"]["market_value_lost"] == 0.0 and none["totals"]["defaults"] == 0
    fails = json.loads(runner.invoke(app, [*args, "openai=1"]).output)
    openai = next(e for e in fails["entities"] if e["entity"] == "openai")
    assert openai["market_value_after"] == 0.0 and openai["pays"] == 0.0
    for bad in ("openai=1.5", "openai=-0.1", "nobody=0.5"):
        out = runner.invoke(app, [*args, bad])
        assert out.exit_code == 1
        said = str(out.exception)
        assert "[0, 1]" in said or "unknown entity 'nobody'" in said


def test_fragilitygraph_openai_loss_gives_microsofts_equity_method_hit(ai_ledger: circularity.Ledger) -> None:
    """Peer regression (peers.md, FragilityGraph's hero scenario): OpenAI takes a $10B loss;
    Microsoft's 27% equity-method share is a $2.7B hit. Our engine, fed the same loss, marks the
    stake to OpenAI's new Merton equity (OpenAI reports no debt, so its equity falls by the full
    10) and also finds the other holders FragilityGraph does not model."""
    r = stress_test({}, ledger=ai_ledger, asset_losses={"openai": 10.0})
    f = r.to_frame().set_index("entity")
    assert f.loc["openai", "own_loss"] == pytest.approx(10.0)
    assert f.loc["microsoft", "stake_losses"] == pytest.approx(2.7, abs=0.05)  # peer: $2.7B
    assert f.loc["nvidia", "stake_losses"] == pytest.approx(
        0.357, abs=0.01
    )  # 3.57%: beyond the peer's one hop
    assert f.loc["amazon", "stake_losses"] == pytest.approx(0.179, abs=0.01)
    with pytest.raises(ScenarioError, match="asset_losses openai=-1"):
        stress_test({}, ledger=ai_ledger, asset_losses={"openai": -1.0})


def test_debt_unreported_is_the_ledgers_loans_not_none(ai_ledger: circularity.Ledger) -> None:
    """CoreWeave reports no total debt, but the ledger holds its GPU-backed loans and notes: its
    Merton value is levered by them (it was valued unlevered, 'debt n/a'); an entity with a
    reported total keeps it, and one with neither stays unlevered."""
    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    i = r.entities.index("coreweave")
    m = r.debt_method[i]
    assert m.startswith("the ledger's loan and bond deals outstanding")
    assert bool(r.debt_reported[i]) and float(m.rsplit(", ", 1)[1]) > 5.0
    assert r.debt_method[r.entities.index("oracle")] == "reported"
    assert (
        r.debt_method[r.entities.index("openai")] == "none"
        and not r.debt_reported[r.entities.index("openai")]
    )
    f = r.to_frame().set_index("entity")
    dd = f.loc["coreweave", ["distance_to_default_before", "distance_to_default_after"]].astype(float)
    assert np.isfinite(dd).all() and 0.0 < dd.iloc[0] < 10.0  # levered: a finite, modest distance
