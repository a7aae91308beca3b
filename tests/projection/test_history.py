"""History is data: quarters up to the ledger's knowledge horizon equal the filings and are never
the site of a shortfall or a default, in every preset and every Monte Carlo draw (issue 12)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import circularity
from circularity.compile import Web
from circularity.projection import load_scenario, run_projection
from circularity.projection.pipeline import compile_for
from circularity.projection.scenario import PRESETS


@cache
def _ledger() -> circularity.Ledger:
    return circularity.load("ai")


@cache
def _web(name: str) -> Web:
    sc = load_scenario(name, ())
    led = _ledger() if sc.as_of is None else circularity.load("ai", as_of=sc.as_of)
    return compile_for(sc, led)


def test_history_runs_to_the_knowledge_horizon() -> None:
    web = _web("baseline")
    horizon = _ledger().knowledge_horizon()
    assert horizon is not None
    y, q = int(web.quarters[web.first_projected][:4]), int(web.quarters[web.first_projected][-1])
    # the first projected quarter is the one the horizon falls in (it had not ended)
    assert (y, (horizon.month - 1) // 3 + 1) == (horizon.year, q)
    assert web.first_projected > 0


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_no_shortfall_or_default_in_history(name: str) -> None:
    web = _web(name)
    h = web.first_projected
    r = run_projection(web, load_scenario(name, ()), record=("shortfall", "defaulted", "cash"))
    assert h == 0 or r.data["shortfall"][:h].max() == 0.0
    assert not r.data["defaulted"][:h].any()
    # cash never negative (liquidity order: cash, new money, capex cuts; what remains unpaid
    # is a shortfall), and a resolved entity holds no cash of its own
    cash, dflt = r.data["cash"], r.data["defaulted"]
    assert np.nanmin(cash) >= -1e-9, np.unravel_index(int(np.nanargmin(cash)), cash.shape)
    # an outside capital pool's cash is a capacity placeholder, not a figure: empty, every quarter
    pools = np.array([k in ("lender", "investor") for k in web.entity_kinds])
    assert np.isnan(cash[..., pools]).all() and np.isfinite(cash[..., ~pools]).all()
    assert np.abs(cash[dflt]).max(initial=0.0) <= 1e-9
    # hyperscalers' own filings cover their losses: no default in any preset (issue 12); a
    # default under the materiality threshold (Amazon on -$0.1bn before) is no default
    for e in ("microsoft", "amazon", "alphabet", "meta"):
        i = web.index(e)
        assert not r.data["defaulted"][:, 0, i].any(), (e, r.data["cash"][:, 0, i].min())


def test_a_gap_below_the_materiality_threshold_is_no_default() -> None:
    """``default_materiality`` 1.0 (nothing short of leaving every obligation unpaid defaults)
    defaults no one that 0.05 does not, and a negative threshold is refused with key and range."""
    name = "funding-freeze"
    web = _web(name)
    sc = load_scenario(name, ())
    strict = run_projection(web, sc, record=("defaulted",), check=False).data["defaulted"]
    loose = run_projection(
        web, sc, {"globals.default_materiality": np.array([1.0])}, record=("defaulted",), check=False
    ).data["defaulted"]
    assert not (loose & ~strict).any()
    assert loose.sum() < strict.sum()
    with pytest.raises(Exception, match="default_materiality"):
        load_scenario(
            name, ("globals.default_materiality.value=-0.1", "globals.default_materiality.source=test")
        )


@pytest.mark.parametrize("name", ["baseline", "funding-freeze"])
def test_history_equals_the_reported_figures(name: str) -> None:
    web = _web(name)
    h = web.first_projected
    r = run_projection(web, load_scenario(name, ()))
    checked = 0
    for field, col in (("cash", "cash"), ("debt", "debt"), ("revenue", "revenue"), ("capex", "capex")):
        rep = web.reported.get(field)
        if rep is None:
            continue
        for i, t in zip(*np.nonzero(np.isfinite(rep[:, :h])), strict=True):
            got = r.data[col][t, 0, i]
            assert got == pytest.approx(rep[i, t], rel=1e-9, abs=1e-9), (
                field,
                web.entities[i],
                web.quarters[t],
            )
            checked += 1
    assert checked >= 10  # the dataset reports revenue, cash and debt for a dozen entity-quarters


def test_history_capex_is_the_filings() -> None:
    """A history quarter's capex is the filings': a quarter's figure, or a longer period's spread
    over its quarters, the shortest period winning. Before this, the engine's rule (Oracle: 75% of
    revenue plus the receipts scheduled a lead time ahead) gave Oracle 23.9 a quarter in 2025Q1
    against the 5.3 its FY2025 10-K gives, and xAI 0.1 against 3.2."""
    web = _web("baseline")
    r = run_projection(web, load_scenario("baseline", ()), record=("capex",))
    q = web.quarters

    def capex(e: str, lab: str) -> float:
        return float(r.data["capex"][q.index(lab), 0, web.index(e)])

    assert capex("oracle", "2025Q1") == pytest.approx(21.2 / 4)  # FY to 2025-05-31
    assert capex("oracle", "2025Q3") == pytest.approx(20.5 / 2)  # H1 FY2026 to 2025-11-30 wins
    assert capex("microsoft", "2025Q4") == pytest.approx(37.5)  # Q2 FY2026 over nothing longer
    assert capex("xai", "2025Q2") == pytest.approx(12.7 / 4)
    assert capex("xai", "2026Q1") == pytest.approx(7.7)
    # a quarter no filing covers keeps the stated rule (basis 'estimated')
    assert np.isnan(web.reported["capex"][web.index("microsoft"), q.index("2025Q3")])


def test_history_shows_the_market_value_known_at_each_quarter() -> None:
    """OpenAI's valuations (ledger: $300bn post-money 2025-03-31, $500bn secondary 2025-10-02,
    $852bn post-money 2026-03-31) appear in the quarter they were set and until the next, not
    the horizon's $852bn carried back over 2025; the projection still starts from $852bn."""
    web = _web("baseline")
    r = run_projection(web, load_scenario("baseline", ()), record=("market_value", "equity_value"))
    i, q = web.index("openai"), web.quarters
    for col in ("market_value", "equity_value"):
        got = {
            lab: float(r.data[col][q.index(lab), 0, i]) for lab in ("2025Q1", "2025Q3", "2025Q4", "2026Q1")
        }
        assert got == {"2025Q1": 300.0, "2025Q3": 300.0, "2025Q4": 500.0, "2026Q1": 852.0}, col
    assert float(r.data["market_value"][web.first_projected, 0, i]) == pytest.approx(852.0)
    rep = web.reported["market_value"]
    assert rep.shape == (web.n, web.first_projected)
    # before an entity's first dated value the row keeps the engine's estimate (basis 'estimated')
    m = web.index("microsoft")
    assert np.isnan(rep[m, q.index("2025Q3")]) and rep[m, q.index("2025Q4")] == 4000.0


def test_history_values_the_market_value_it_shows() -> None:
    """The valuation columns of a history row follow the market value that row shows: OpenAI's
    2025Q2 enterprise value is its $300bn less its cash (it has no debt), not the horizon's $852bn
    less that cash (830.9 before this was fixed). Once resolved, an entity has no distance to
    default or credit spread (empty, not −∞ or 0)."""
    web = _web("baseline")
    r = run_projection(web, load_scenario("baseline", ()))
    i, q, d = web.index("openai"), web.quarters, r.data
    for lab, equity in (("2025Q2", 300.0), ("2025Q4", 500.0)):
        t = q.index(lab)
        assert d["equity_value"][t, 0, i] == equity
        assert d["enterprise_value"][t, 0, i] == pytest.approx(
            equity + d["debt"][t, 0, i] - d["cash"][t, 0, i]
        )
    gone = d["defaulted"][:, 0, :]
    assert gone.any()
    assert np.isnan(d["distance_to_default"][:, 0, :][gone]).all()
    assert np.isnan(d["credit_spread"][:, 0, :][gone]).all()
    alive = ~gone & np.isfinite(d["equity_value"][:, 0, :]) & (d["equity_value"][:, 0, :] > 0)
    assert not np.isnan(d["distance_to_default"][:, 0, :][alive]).any()


def test_a_resolved_default_books_its_cash_and_terminates_its_contracts() -> None:
    """funding-freeze: each default's cash leaves through ``resolution_out`` (or its gap is left
    unpaid through ``resolution_in``), both cash identities hold row by row, and after the
    default the entity pays and receives nothing and has no outside revenue."""
    from circularity.projection import check_result

    name = "funding-freeze"
    web = _web(name)
    r = run_projection(web, load_scenario(name, ()))
    check_result(r)
    d = r.data
    dflt = d["defaulted"][:, 0, :]
    assert dflt.any()
    for i in np.flatnonzero(dflt.any(axis=0)):
        t0 = int(np.argmax(dflt[:, i]))
        after = slice(t0 + 1, None)
        for col in ("payments_made", "payments_received", "outside_cash_in", "revenue"):
            assert np.abs(d[col][after, 0, i]).max(initial=0.0) <= 1e-9, (web.entities[i], col)
    assert d["credit_losses"].sum() > 0.0  # the counterparties of a default book what it left unpaid


def test_no_history_default_in_2000_draws() -> None:
    name = "funding-freeze"
    web = _web(name)
    h = web.first_projected
    rng = np.random.default_rng(7)
    S = 2000
    ov = {
        "globals.credit_appetite": rng.uniform(0.0, 1.0, S),
        "globals.equity_appetite": rng.uniform(0.0, 1.0, S),
        "defaults.opex_ratio": rng.uniform(0.5, 0.9, S),
        "entities.openai.revenue_scale": rng.uniform(0.2, 1.2, S),
    }
    r = run_projection(web, load_scenario(name, ()), ov, record=("shortfall", "defaulted"), check=False)
    assert r.data["shortfall"][:h].max() == 0.0
    assert not r.data["defaulted"][:h].any()
    assert r.data["defaulted"][h:].any()  # the draws do reach defaults once projected


@pytest.mark.parametrize("channels", [True, False])
def test_history_vintages_keep_the_life_they_were_bought_with(channels: bool) -> None:
    """A projection that overrides the GPU life (a Monte Carlo draw, the benchmark) runs history
    at the scenario's life (5.5 years): a vintage bought then is depreciated over 5.5 years, not
    over the drawn life. Charging it 1/22 a quarter until the 24th (a drawn life of 6 years)
    depreciated it beyond its cost: negative capital (CoreWeave, 2032Q1, with ``channels: null``)."""
    sc = load_scenario("baseline", () if channels else ("channels=null",))
    web = _web("baseline")
    assert sc.globals.gpu_life_years.value == 5.5 and web.first_projected > 0
    cols = ("capital_stock", "depreciation", "cash")
    lives = np.array([6.0, 3.0, 5.5])
    r = run_projection(web, sc, {"globals.gpu_life_years": lives}, record=cols, check=True)
    assert r.data["capital_stock"].min() >= -1e-9
    # the override equal to the scenario's life is the plain run (to rounding: a block of
    # several scenarios sums in another order than one of a single scenario)
    plain = run_projection(web, sc, record=cols, check=True)
    for c in cols:
        np.testing.assert_allclose(r.data[c][:, 2], plain.data[c][:, 0], rtol=1e-12, atol=1e-12)
    # a longer life charges less per quarter on the projection's own purchases, never more in
    # total than was bought: cumulative depreciation stays within the capital bought and held
    h = web.first_projected
    dep = r.data["depreciation"][h:].sum(axis=0)
    assert (dep[0] <= dep[2] + 1e-9).all()
