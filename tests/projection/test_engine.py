"""run_projection on small synthetic webs: flows, clearing, renegotiation, vectorised overrides."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.compile import compile_web
from circularity.errors import AccountingError, ScenarioError
from circularity.projection import COLUMNS, check_result, run_projection
from circularity.projection.accounting import check_quarter
from circularity.testing.webs import P, deal, entity, fin, ledger, scenario, scenario_dict, triangle


@pytest.fixture(scope="module")
def web():  # type: ignore[no-untyped-def]
    return compile_web(triangle(), "2025Q1", "2027Q4")


def test_runs_and_keeps_identities(web) -> None:  # type: ignore[no-untyped-def]
    r = run_projection(web, scenario())
    check_result(r)
    f = r.to_frame()
    assert list(f.columns) == ["scenario", "entity", "quarter", "basis", *COLUMNS]
    assert len(f) == web.n * web.T
    lab = f[f.entity == "lab"].set_index("quarter")
    assert lab.at["2025Q1", "payments_due"] == pytest.approx(5.0)
    # with 10 of cash the lab runs short in 2025Q3 and is resolved: chips' equity commitment to
    # it (2026Q1) is terminated with its other contracts, and it holds nothing from then on
    assert bool(lab.at["2025Q3", "resolved"])
    assert lab.at["2026Q1", "payments_received"] == 0.0
    assert (lab.loc["2025Q3":, "cash"] == 0.0).all()
    assert (lab.loc["2025Q4":, "revenue"] == 0.0).all()
    # with the cash to last, the equity from chips arrives in 2026Q1 and is not revenue
    rich = run_projection(web, scenario(), {"entities.lab.cash": np.array([40.0])}).to_frame()
    lab = rich[rich.entity == "lab"].set_index("quarter")
    assert not lab["defaulted"].any()
    assert lab.at["2026Q1", "payments_received"] == pytest.approx(10.0)
    assert lab.at["2026Q1", "revenue"] == pytest.approx(2.0)


def test_shortfall_cuts_future_commitments_in_the_same_ratio() -> None:
    led = ledger(
        [entity("lab", "lab"), entity("cloud")],
        [deal("C", "compute", "lab", "cloud", 40.0, "2025", 2.0)],
        [fin("lab", "cash", 2.0), fin("cloud", "cash", 10.0)],
    )
    w = compile_web(led, "2025Q1", "2025Q4")
    d = scenario_dict()["defaults"] | {
        "opex_ratio": P(0.0),
        "capex_ratio": P(0.0),
        "equity_raise_q": P(0.0),
        "tax_rate": P(0.0),
    }
    sc = scenario(defaults=d)
    r = run_projection(w, sc)
    lab = r.to_frame().query("entity == 'lab'").set_index("quarter")
    assert lab.at["2025Q1", "payments_made"] == pytest.approx(2.0)  # cash 2 against 5 due
    assert lab.at["2025Q1", "shortfall"] == pytest.approx(3.0)
    assert bool(lab.at["2025Q1", "defaulted"])
    # resolved: the contract is terminated (no longer paid at the first quarter's ratio, 2/5);
    # cloud holds a claim for the unpaid 3 and the damages on the rest, and recovers what the
    # estate has (its cash: paid in the clearing already)
    assert lab.at["2025Q2", "payments_due"] == 0.0
    assert r.headlines()["first_default_entity"] == "lab"
    assert r.cut[0, 0] == 0.0
    (d,) = r.defaults
    assert d.entity == "lab" and d.quarter == "2025Q1"
    assert d.losses["cloud"] == pytest.approx(d.claims - d.recovered)


def test_vectorised_overrides_equal_single_runs(web) -> None:  # type: ignore[no-untyped-def]
    lives = np.array([3.0, 4.0, 6.0])
    growth = np.array([0.0, 0.2, -0.1])
    sc = scenario()
    many = run_projection(web, sc, {"globals.gpu_life_years": lives, "entities.cloud.revenue_growth": growth})
    for s in range(3):
        one = run_projection(
            web,
            sc,
            {"globals.gpu_life_years": lives[s : s + 1], "entities.cloud.revenue_growth": growth[s : s + 1]},
        )
        for c in COLUMNS:
            np.testing.assert_allclose(
                many.data[c][:, s], one.data[c][:, 0], rtol=1e-12, atol=1e-12, err_msg=c
            )
    dep = many.data["depreciation"][:, :, web.index("cloud")].sum(axis=0)
    assert dep[0] > dep[1] > dep[2]  # shorter life, more depreciation inside the horizon


def test_events_revenue_shock_and_credit_closed(web) -> None:  # type: ignore[no-untyped-def]
    ev = [
        {
            "quarter": "2026Q1",
            "entity": "cloud",
            "kind": "revenue_shock",
            "value": 0.5,
            "source": "assumption: test",
        }
    ]
    base = run_projection(web, scenario())
    hit = run_projection(web, scenario(events=ev))
    i = web.index("cloud")
    t = web.quarter_index("2026Q1")
    assert hit.data["revenue"][t - 1, 0, i] == pytest.approx(base.data["revenue"][t - 1, 0, i])
    assert hit.data["revenue"][t, 0, i] < base.data["revenue"][t, 0, i]
    many = run_projection(web, scenario(events=ev), {"events.0.value": np.array([1.0, 0.5])})
    np.testing.assert_allclose(many.data["revenue"][:, 0], base.data["revenue"][:, 0])


def test_power_delivery_slows_gw_linked_schedules() -> None:
    d = deal("G", "hardware", "lab", "chips", 40.0, "2025", 2.0, gigawatts=2.0)
    led = ledger([entity("lab", "lab"), entity("chips", "chipmaker")], [d], [fin("lab", "cash", 100.0)])
    w = compile_web(led, "2025Q1", "2026Q4")
    assert w.gw_linked.all()
    r = run_projection(w, scenario(), {"globals.power_delivery": np.array([1.0, 0.5])})
    due = r.data["payments_due"][:, :, w.index("lab")].sum(axis=0)
    assert due[0] == pytest.approx(40.0)
    assert due[1] == pytest.approx(20.0)


def test_unknown_override_and_record(web) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScenarioError, match="not a parameter"):
        run_projection(web, scenario(), {"globals.nope": np.ones(2)})
    with pytest.raises(ScenarioError, match="different lengths"):
        run_projection(web, scenario(), {"globals.gpu_life_years": np.ones(2), "defaults.rate": np.ones(3)})
    r = run_projection(web, scenario(), record=("cash",), n_scenarios=4)
    assert set(r.data) == {"cash"} and r.data["cash"].shape == (web.T, 4, web.n)
    assert r.headline_arrays["market_value_lost"].shape == (4,)


def test_accounting_error_names_entity_quarter_residual(web) -> None:  # type: ignore[no-untyped-def]
    z = np.zeros((1, web.n))
    bad = z.copy()
    bad[0, 2] = 0.5
    with pytest.raises(AccountingError) as info:
        check_quarter(
            web,
            3,
            cash_before=z,
            cash_after=bad,
            outside_in=z,
            outside_out=z,
            received=z,
            paid=z,
            fin_in=z,
            fin_out=z,
            capital=z,
            capital0=z,
            cum_capex=z,
            cum_dep=z,
        )
    assert info.value.entity == web.entities[2]
    assert info.value.quarter == "2025Q4"
    assert info.value.residual == pytest.approx(0.5)


def test_export_csv_parquet(web, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    r = run_projection(web, scenario())
    a = pd.read_csv(r.write_csv(tmp_path / "q.csv"))
    b = pd.read_parquet(r.write_parquet(tmp_path / "q.parquet"))
    assert list(a.columns) == list(b.columns) == ["scenario", "entity", "quarter", "basis", *COLUMNS]
    assert a["quarter"].iloc[0] == "2025Q1"


def test_quarters_carry_merton_values(web) -> None:  # type: ignore[no-untyped-def]
    """equity_value, enterprise_value, distance_to_default, credit_spread every quarter, from the
    one valuation module: equity is the quarter's market value (0 after a default, NaN unknown)."""
    from circularity.stress import StressAssumptions
    from circularity.valuation import value_entities, volatility_by_kind

    f = run_projection(web, scenario()).to_frame()
    for col in ("equity_value", "enterprise_value", "distance_to_default", "credit_spread"):
        assert col in f.columns
    known = f["equity_value"].notna()
    np.testing.assert_allclose(f.loc[known, "equity_value"], np.maximum(f.loc[known, "market_value"], 0.0))
    # unknown is not zero: an entity with no market value and no revenue to value it from is NaN
    unknown = set(f.loc[~known, "entity"])
    assert unknown == {
        e for e, v in zip(web.entities, web.financials["market_value"], strict=True) if not np.isfinite(v)
    } - {
        e
        for e, r in zip(web.entities, web.financials["revenue_annual"], strict=True)
        if np.isfinite(r) and r > 0
    }
    a = StressAssumptions.load().values
    first = f[f.quarter == "2025Q1"].set_index("entity").loc[list(web.entities)]
    vol = volatility_by_kind(web.entity_kinds, a["equity_volatility"])
    ref = value_entities(  # the going concern anchors here: Merton on the market's own value
        first["equity_value"].to_numpy(),
        vol,
        first["debt"].to_numpy(),
        first["cash"].to_numpy(),
        a["risk_free_rate"],
        a["merton_horizon_years"],
    )
    np.testing.assert_allclose(first["distance_to_default"], ref.distance_to_default)
    spreads = f["credit_spread"].to_numpy()
    assert (spreads[np.isfinite(spreads)] >= 0).all()


def test_a_projected_sliver_of_equity_is_valued_not_a_crash() -> None:
    """The bundled ledger as known on 2026-12-05 under openai-plan: SoftBank's projected equity
    falls to 9.8e-7 bn against $50bn of debt from 2026Q1. Merton's solver used to demand a
    residual finer than float64 resolves there and raised (``circularity report`` crashed); every
    quarter now has its distance to default, and any value Merton cannot solve is NaN (unknown),
    never an infinity standing in for one."""
    from circularity.projection import project

    f = project("openai-plan", as_of="2026-12-05").to_frame()
    sb = f[(f.entity == "softbank") & (f.quarter == "2026Q1")].iloc[0]
    # the going-concern valuation no longer projects a sliver: SoftBank has no market value and no
    # revenue in the ledger, so its equity is unknown (NaN), never a zero or a crash
    assert np.isnan(sb["equity_value"]) and sb["debt"] == pytest.approx(50.0)
    assert np.isnan(sb["distance_to_default"]) and np.isnan(sb["credit_spread"])
    positive = f["equity_value"] > 0
    assert f.loc[positive, "distance_to_default"].notna().all()
