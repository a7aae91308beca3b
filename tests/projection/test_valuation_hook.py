"""The projection values entities with the valuation module the stress test uses."""

from __future__ import annotations

import numpy as np
import pytest

import circularity
from circularity.projection import load_scenario, path_values, run_projection
from circularity.projection.pipeline import compile_for
from circularity.stress import stress_test


@pytest.fixture(scope="module")
def ai_ledger() -> circularity.Ledger:
    return circularity.load("ai", as_of="2026-11-22")


@pytest.fixture(scope="module")
def frames(ai_ledger: circularity.Ledger):  # type: ignore[no-untyped-def]
    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    proj = run_projection(web, sc, {}).to_frame()
    first = proj[proj.quarter == web.quarters[web.first_projected]].set_index("entity")
    before = stress_test({}, ledger=ai_ledger).to_frame().set_index("entity")
    return first, before, proj


def test_first_projected_quarter_equals_stress_before(frames) -> None:  # type: ignore[no-untyped-def]
    first, before, _ = frames
    ents = before.index
    mv_before = before["market_value_before"]
    known = mv_before.notna()
    assert known.sum() >= 10
    # the same entities are known (reported or filled by the same named method) in both
    assert (first.loc[ents, "equity_value"].notna() == known).all()
    np.testing.assert_allclose(first.loc[ents[known], "equity_value"], mv_before[known], rtol=1e-8)


def test_no_silent_zero_for_entities_filled_from_financials(frames) -> None:  # type: ignore[no-untyped-def]
    first, _, _ = frames
    for e in ("coreweave", "meta", "amd"):
        assert first.loc[e, "market_value"] > 0
        assert first.loc[e, "equity_value"] > 0
    assert np.isnan(first.loc["intel", "equity_value"])  # no market value, no revenue: unknown
    assert np.isnan(first.loc["intel", "market_value"])  # unknown, not 0


def test_value_lost_headline_excludes_unknown_values_with_a_count(ai_ledger: circularity.Ledger) -> None:
    """The headline is the sum over entities of known value of the fall in their own value (market
    value less the stakes held), start of projection to the end: OpenAI's fall is counted once, not
    again in Microsoft's, Nvidia's and Amazon's market values (the stakes they lose are reported
    apart); entities of unknown value are counted, never added as 0 (the stress test's rule)."""
    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    r = run_projection(web, sc, {})
    mv = r.data["market_value"][:, 0, :]  # (T, n)
    start, end = mv[web.first_projected - 1], mv[-1]
    known = np.isfinite(start) & np.isfinite(end)
    h = r.headlines()
    assert h["market_value_unknown"] == int((~known).sum()) > 0
    assert h["entities_in_web"] == len(web.entities)
    assert "intel" in [e for e, k in zip(web.entities, known, strict=True) if not k]
    H = web.holdings
    own_start = start - np.nan_to_num(start) @ H.T
    own_end = end - np.nan_to_num(end) @ H.T
    own_fall = np.maximum(own_start - own_end, 0.0)[known].sum()
    assert h["market_value_lost"] == pytest.approx(own_fall, abs=1e-3)
    every_fall = np.maximum(start - end, 0.0)[known].sum()  # counts OpenAI's fall in its holders too
    assert h["market_value_lost"] < every_fall - 50.0
    assert h["market_value_stakes_lost"] > 100.0


def test_unknown_values_are_counted_on_the_stress_tests_population(ai_ledger: circularity.Ledger) -> None:
    """The projection's headline and the stress test count the entities of unknown value on one
    population, every entity of the compiled web, and find the same ones."""
    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    h = run_projection(web, sc, {}).headlines()
    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    t = r.totals()
    assert t["entities_in_web"] == h["entities_in_web"] == len(web.entities)
    assert t["market_value_unknown"] == len(r.excluded_unknown_value()) == h["market_value_unknown"]


def test_cancelled_backlog_is_priced_at_the_fitted_cancellation_coefficient(
    ai_ledger: circularity.Ledger,
) -> None:
    """Backlog a resolution or a partial payer cancels is priced at the ledger's fitted
    cancellation coefficient (``reactions --fit``, pooled 'cancelled'), not the announcement one:
    Oracle's value after OpenAI's default in the baseline moves with it, and the run equals one
    with the coefficient set by hand."""
    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    assert np.isfinite(web.cancel_multiple) and web.cancel_multiple < 0
    assert web.cancel_interval[0] < web.cancel_multiple < web.cancel_interval[1]
    used = run_projection(web, sc, {}).data["market_value"]
    by_hand = run_projection(web, sc, {"globals.cancel_multiple": web.cancel_multiple}).data["market_value"]
    np.testing.assert_allclose(used, by_hand, rtol=1e-12)
    as_announced = run_projection(web, sc, {"globals.cancel_multiple": -web.backlog_multiple}).data[
        "market_value"
    ]
    i = web.entities.index("oracle")
    assert np.nanmax(np.abs(used[:, 0, i] - as_announced[:, 0, i])) > 10.0  # USD bn


def test_the_scenarios_rate_path_reprices_the_going_concern(ai_ledger: circularity.Ledger) -> None:
    """OpenAI has no debt and no backlog of its own to sell: with the backlog price at 0 its
    enterprise value moves only with the cost of capital, ``EV_t = EV_f (k_f - g) / (k_t - g)``,
    ``k = r + ERP`` and ``r`` the risk-free rate plus the preset's rate path move."""
    from circularity.stress import StressAssumptions

    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    f = run_projection(web, sc, {"globals.backlog_multiple": 0.0}).to_frame()
    ev = f[f.entity == "openai"].set_index("quarter")["enterprise_value"].to_numpy()
    a = StressAssumptions.load().values
    path = path_values(sc.channels.rate_path, list(web.quarters))
    i, j = web.first_projected, web.first_projected + 2  # the anchor, and two quarters on
    r_f = float(a["risk_free_rate"]) + path[i] - path[0]
    r_t = float(a["risk_free_rate"]) + path[j] - path[0]
    g, erp = float(a["terminal_growth"]), float(a["equity_risk_premium"])
    assert r_t != pytest.approx(r_f)  # the preset's rates move between the two quarters
    assert ev[j] == pytest.approx(ev[i] * (r_f + erp - g) / (r_t + erp - g), rel=1e-9)


def test_revenue_multiple_method_moves_value_with_the_elasticity(ai_ledger: circularity.Ledger) -> None:
    sc = load_scenario("baseline", ("globals.valuation_method=revenue_multiple",))
    web = compile_for(sc, ai_ledger)
    ov = {"globals.value_revenue_elasticity": np.array([0.0, 1.0])}
    r = run_projection(web, sc, ov)
    q = web.quarters[web.first_projected + 8]  # OpenAI's revenue ~5x its anchor, before its default
    f = r.to_frame()

    def nv(frame, s):  # type: ignore[no-untyped-def]
        s = sorted(frame.scenario.unique())[s]
        return float(
            frame.loc[
                (frame.scenario == s) & (frame.entity == "openai") & (frame.quarter == q), "equity_value"
            ].iloc[0]
        )

    assert nv(f, 1) != pytest.approx(nv(f, 0), rel=1e-3)
    base = run_projection(web, load_scenario("baseline"), {}).to_frame()
    assert nv(f, 0) == pytest.approx(nv(base, 0), rel=1e-9)  # elasticity 0: the going concern


def test_market_priced_financing_lends_less_to_weaker_names(ai_ledger: circularity.Ledger) -> None:
    """Off (the default) keeps the fixed appetite scales; on, lenders scale by 1 - Merton's PD:
    CoreWeave (levered, volatile) raises less; names far from default are not rationed (their
    debt is then priced at their near-zero Merton spread, so what they need moves a little)."""
    sc = load_scenario("baseline")
    on = load_scenario("baseline", ("globals.market_priced_financing=true",))
    web = compile_for(sc, ai_ledger)
    f0 = run_projection(web, sc, {}).to_frame().groupby("entity")["financing_in"].sum()
    f1 = run_projection(web, on, {}).to_frame().groupby("entity")["financing_in"].sum()
    assert f1["coreweave"] < f0["coreweave"] - 0.1
    assert f1["meta"] == pytest.approx(f0["meta"], rel=0.01)


def test_market_priced_financing_prices_debt_at_mertons_spread(ai_ledger: circularity.Ledger) -> None:
    """On, a levered entity's floating and new debt pays its base rate plus Merton's credit spread
    of the quarter before instead of the leverage rule's spread: CoreWeave's interest moves, and
    its recorded spread is the one that priced it (finite, positive). Off is the default."""
    sc = load_scenario("baseline")
    assert sc.globals.market_priced_financing is False
    on = load_scenario("baseline", ("globals.market_priced_financing=true",))
    web = compile_for(sc, ai_ledger)
    f0 = run_projection(web, sc, {}).to_frame()
    f1 = run_projection(web, on, {}).to_frame()
    proj = list(web.quarters[web.first_projected + 1 :])

    def col(f, e, c):  # type: ignore[no-untyped-def]
        return f[(f.entity == e) & f.quarter.isin(proj)].set_index("quarter")[c]

    i0, i1 = col(f0, "coreweave", "interest"), col(f1, "coreweave", "interest")
    assert (i1 - i0).abs().max() > 0.01  # USD bn a quarter
    cs = col(f1, "coreweave", "credit_spread")
    assert np.isfinite(cs.iloc[0]) and cs.iloc[0] > 0
    # history is untouched: the switch acts from the valuation of the first projected quarter on
    hist = list(web.quarters[: web.first_projected + 1])
    h0 = f0[(f0.entity == "coreweave") & f0.quarter.isin(hist)]["interest"].to_numpy()
    h1 = f1[(f1.entity == "coreweave") & f1.quarter.isin(hist)]["interest"].to_numpy()
    np.testing.assert_allclose(h1, h0, rtol=1e-12)


def test_backlog_is_priced_at_the_markets_fitted_coefficient(ai_ledger: circularity.Ledger) -> None:
    """With ``use_ledger_backlog_multiple`` (the baseline's) the going concern prices backlog at the
    pooled fit of ``circularity reactions --fit``, not the preset's assumed 0.5."""
    from circularity.analytics.backlog_value import fit_reactions

    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    t = fit_reactions(ai_ledger)[0].table
    pooled = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == "announced")].iloc[0]
    assert pooled["method"].startswith("fit")
    assert web.backlog_multiple == pytest.approx(float(pooled["coefficient"]), rel=1e-12)
    assert web.backlog_multiple != pytest.approx(sc.globals.backlog_multiple.value)
    used = run_projection(web, sc, {}).data["market_value"]
    fitted = run_projection(web, sc, {"globals.backlog_multiple": web.backlog_multiple}).data["market_value"]
    np.testing.assert_allclose(used, fitted, rtol=1e-12)
    off = load_scenario("baseline", ("globals.use_ledger_backlog_multiple=false",))
    assumed = run_projection(web, off, {}).data["market_value"]
    assert np.nanmax(np.abs(assumed - used)) > 1.0  # USD bn: the price of backlog moves values
