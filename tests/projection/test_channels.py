"""Hand-computed cases for the channels of issue 13 on two- and three-entity webs (each figure by hand):
a vintage reaching its life and being replaced, a loan-to-value breach, a refinancing at a higher
rate, a power delay shifting revenue, renewals, required revenue; and bad channel input refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from circularity.compile import compile_web
from circularity.errors import ScenarioError
from circularity.projection import run_projection
from circularity.projection.scenario import load_scenario
from circularity.testing.webs import QUIET as _QUIET
from circularity.testing.webs import P, channels, deal, entity, fin, ledger, scenario, scenario_dict


def _sc(life: float = 1.0, defaults: dict[str, Any] | None = None, **ch: Any) -> Any:
    d = scenario_dict()
    return scenario(
        globals=d["globals"] | {"gpu_life_years": P(life)},
        defaults=d["defaults"] | _QUIET | (defaults or {}),
        channels=channels(**ch),
    )


def _hw_web(cash: float = 3.0, ebitda: float = 40.0, end: str = "2027Q4"):  # type: ignore[no-untyped-def]
    """cloud buys 10 of chips at once in 2025Q1 with 3 of cash; its EBITDA is reported."""
    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker")],
        [deal("H", "hardware", "cloud", "chips", 10.0, "2025-Q1", 0.25)],
        [fin("cloud", "cash", cash), fin("cloud", "ebitda", ebitda), fin("chips", "cash", 10.0)],
    )
    return compile_web(led, "2025Q1", end)


def _col(r: Any, c: str, e: str = "cloud") -> np.ndarray:
    return r.series(c, e).to_numpy()


def test_a_vintage_reaching_its_life_is_replaced() -> None:
    # capex 10 = chips 7.5 + buildings 2.5; chips over 4 quarters (1.875 a quarter from 2025Q2),
    # buildings over 100 (0.025); the chips' last charge is in 2026Q1 (t=4), replaced in 2026Q2
    r = run_projection(_hw_web(cash=20.0), _sc(1.0))
    dep = _col(r, "depreciation")
    np.testing.assert_allclose(dep[:6], [0.0, 1.9, 1.9, 1.9, 1.9, 0.025])
    np.testing.assert_allclose(_col(r, "replacement_capex")[:7], [0, 0, 0, 0, 0, 7.5, 0])
    np.testing.assert_allclose(_col(r, "capex")[:7], [10, 0, 0, 0, 0, 7.5, 0])
    # the replacement is all chips: charged 7.5 / 4 from the next quarter, replaced again at t = 10
    np.testing.assert_allclose(dep[6:10], 1.875 + 0.025)
    assert _col(r, "replacement_capex")[10] == pytest.approx(7.5)
    # collateral: chip book value 7.5, 5.625, 3.75, 1.875, 0, then the new vintage
    np.testing.assert_allclose(_col(r, "collateral_value")[:6], [7.5, 5.625, 3.75, 1.875, 0.0, 7.5])
    # no asset-backed lender: no borrowing base (not a zero one)
    assert np.isnan(_col(r, "borrowing_base")).all()
    # required revenue of 7.5 chips and 2.5 buildings: (7.5 (0.1 + 1) + 2.5 (0.1 + 0.04)) / 4
    assert _col(r, "required_revenue")[0] == pytest.approx((7.5 * 1.1 + 2.5 * 0.14) / 4)


def test_a_shorter_life_raises_replacement_and_lowers_earnings() -> None:
    long, short = (run_projection(_hw_web(cash=20.0), _sc(life)) for life in (2.0, 1.0))
    assert _col(short, "replacement_capex").sum() > _col(long, "replacement_capex").sum()
    assert _col(short, "earnings")[:4].sum() < _col(long, "earnings")[:4].sum()


def _ltv(cov: float) -> Any:
    return _sc(
        1.0,
        chip_share_of={"cloud": P(1.0)},
        ltv={"cloud": P(0.8)},
        ltv_covenant={"cloud": P(cov)},
    )


def test_a_loan_to_value_breach_forces_repayment_and_default() -> None:
    # t=0: need 10 - 3 = 7 borrowed against the chips bought (base 0.8 x 10 = 8): secured 7
    # t=1: collateral 10, secured 7 (1 - 1/400) = 6.9825 <= 0.8 x 10: no breach; the 0.0175
    #      maturing is refinanced under the base (secured back to 7)
    # t=2: collateral 7.5, covenant 0.8 x 7.5 = 6; secured 6.9825 -> 0.9825 due at once, with the
    #      0.0175 maturing; no cash, no room under the base: default in 2025Q3
    r = run_projection(_hw_web(), _ltv(0.8))
    assert _col(r, "financing_in")[0] == pytest.approx(7.0)
    assert _col(r, "financing_in")[1] == pytest.approx(7.0 / 400)
    np.testing.assert_allclose(_col(r, "borrowing_base")[:3], [8.0, 6.0, 4.0])
    forced = 7.0 * (1 - 1 / 400) - 6.0
    # with no cash the repayment due cannot be paid (cash never negative): it is the shortfall
    # that defaults the cloud, and its lenders' claim at resolution
    assert _col(r, "financing_out")[2] == 0.0
    assert _col(r, "shortfall")[2] == pytest.approx(forced + 7.0 / 400)
    assert _col(r, "cash").min() >= 0.0
    assert r.headlines()["first_default_entity"] == "cloud"
    assert r.headlines()["first_default_quarter"] == "2025Q3"
    # a looser covenant (1.0 x 7.5 >= 6.9825) forces nothing in 2025Q3: only the maturing 0.0175
    # falls due (and, with the base below the debt, cannot be refinanced nor, with no cash, paid)
    loose = run_projection(_hw_web(), _ltv(1.0))
    assert _col(loose, "financing_out")[2] == 0.0
    assert _col(loose, "shortfall")[2] == pytest.approx(7.0 / 400)


def _debt_web():  # type: ignore[no-untyped-def]
    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker")],
        [deal("H", "hardware", "chips", "cloud", 0.0001, "2025-Q1", 0.25)],
        [fin("cloud", "cash", 0.0), fin("cloud", "debt", 100.0), fin("cloud", "ebitda", 1000.0)],
    )
    return compile_web(led, "2025Q1", "2025Q4")


def test_refinancing_reprices_at_the_rate_path_fixed_pieces_do_not() -> None:
    # 100 of fixed debt at 5 %, a quarter maturing each quarter; t=0: interest 1.25 and 25
    # maturing, refinanced by new debt 26.25; t=1 the path is up 4 points: 75 x 5 % / 4 on the
    # fixed piece, 26.25 x 9 % / 4 on the new one
    d = {"rate": P(0.05), "debt_maturity_years": P(1.0)}
    up = _sc(defaults=d, rate_path={"value": {"2025": 0.04, "2025Q2": 0.08}, "source": "assumption: test"})
    flat = _sc(defaults=d)
    r_up, r_flat = run_projection(_debt_web(), up), run_projection(_debt_web(), flat)
    assert _col(r_up, "interest")[0] == pytest.approx(1.25)
    assert _col(r_up, "financing_in")[0] == pytest.approx(26.25, abs=1e-3)  # less the 0.0001 sold
    assert _col(r_up, "interest")[1] == pytest.approx(75 * 0.0125 + 26.25 * 0.0225, rel=1e-5)
    assert _col(r_flat, "interest")[1] == pytest.approx(101.25 * 0.0125, rel=1e-5)
    # a rate floor (rates-14pct) reprices floating and new debt only
    floor = scenario(
        globals=scenario_dict()["globals"] | {"gpu_life_years": P(1.0), "rate_floor": P(0.14)},
        defaults=scenario_dict()["defaults"] | _QUIET | d,
        channels=channels(),
    )
    r_floor = run_projection(_debt_web(), floor)
    assert _col(r_floor, "interest")[0] == pytest.approx(1.25)
    assert _col(r_floor, "interest")[1] == pytest.approx(75 * 0.0125 + 26.25 * 0.035, rel=1e-5)
    # interest cover = annualised EBITDA / (4 x interest)
    assert np.isfinite(_col(r_up, "interest_cover")).all()


def _compute_web(T: str = "2026Q4"):  # type: ignore[no-untyped-def]
    """lab rents 1 GW from cloud: 10 a quarter for a year from 2025Q1."""
    led = ledger(
        [entity("lab", "lab"), entity("cloud")],
        [deal("C", "compute", "lab", "cloud", 40.0, "2025-Q1", 1.0, gigawatts=1.0)],
        [fin("lab", "cash", 100.0), fin("lab", "revenue", 40.0), fin("cloud", "cash", 100.0)],
    )
    return compile_web(led, "2025Q1", T)


def _power_sc(power: Any, **ch: Any) -> Any:
    d = scenario_dict()
    return scenario(
        globals=d["globals"] | {"power_delivery": power},
        defaults=d["defaults"] | _QUIET | {"capex_ratio": P(0.1)},
        channels=channels(**ch),
    )


def test_a_power_delay_shifts_revenue_while_construction_continues() -> None:
    half_first = {"value": {"2025": 0.5, "2025Q2": 1.0}, "source": "assumption: test"}
    r = run_projection(_compute_web(), _power_sc(half_first, compute_revenue_elasticity=P(1.0)))
    # paid as delivered: 0.5 x 10, then the catch-up 1.0 x 20 - 0.5 x 10, then 10, 10
    np.testing.assert_allclose(_col(r, "payments_received")[:4], [5.0, 15.0, 10.0, 10.0])
    np.testing.assert_allclose(_col(r, "gw_delivered")[:4], [0.5, 1.0, 1.0, 1.0])
    np.testing.assert_allclose(_col(r, "gw_contracted")[:5], [1.0, 1.0, 1.0, 1.0, 0.0])
    # construction follows the receipts as scheduled (10), not as paid (5)
    np.testing.assert_allclose(_col(r, "capex")[0], 0.1 * 10.0)
    # the lab receives half its compute in 2025Q1: its outside revenue (10 a quarter) halves
    assert _col(r, "revenue", "lab")[0] == pytest.approx(5.0)
    assert _col(r, "revenue", "lab")[1] == pytest.approx(10.0)
    # elasticity 0 reproduces revenue independent of compute
    r0 = run_projection(_compute_web(), _power_sc(half_first))
    assert _col(r0, "revenue", "lab")[0] == pytest.approx(10.0)


def test_an_ending_contract_renews_at_the_rental_price_index() -> None:
    idx = {"value": {"2025": 1.0, "2026": 0.8}, "source": "assumption: test"}
    r = run_projection(_compute_web(), _power_sc(P(1.0), renewal_share=P(0.5), rental_price_index=idx))
    # last year's payments 10 a quarter x 0.5 x 0.8 / 1.0
    np.testing.assert_allclose(_col(r, "payments_received")[4:], 4.0)
    assert any("renews from 2026Q1" in note for _, _, note in r.notes)


def test_without_channels_the_columns_are_unknown_not_zero() -> None:
    d = scenario_dict()
    r = run_projection(_hw_web(cash=20.0), scenario(defaults=d["defaults"] | _QUIET))
    for c in (
        "gw_delivered",
        "replacement_capex",
        "collateral_value",
        "borrowing_capacity",
        "required_revenue",
    ):
        assert np.isnan(_col(r, c)).all(), c


@pytest.mark.parametrize(
    ("key", "value", "range_"),
    [
        ("channels.usd_bn_per_gw", -5, "[1, 500]"),
        ("channels.lead_time_quarters", -1, "[0, 40]"),
        ("channels.ltv.coreweave", 1.5, "(0, 1]"),
        ("channels.rate_path.2027", -0.01, "[0, 1]"),
        ("channels.chip_share", 2, "[0, 1]"),
    ],
)
def test_bad_channel_input_is_refused_with_key_and_range(key: str, value: float, range_: str) -> None:
    with pytest.raises(ScenarioError) as err:
        load_scenario("baseline", (f"{key}={value}",))
    msg = str(err.value)
    assert key.split(".")[1] in msg and range_ in msg and "baseline" in msg


def test_non_finite_channel_input_is_refused() -> None:
    with pytest.raises(ScenarioError, match="usd_bn_per_gw"):
        load_scenario("baseline", ("channels.usd_bn_per_gw=.nan",))


def test_an_absurd_price_per_gw_is_flagged_not_used_silently() -> None:
    from circularity.projection.channels.capacity import price_flags

    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker"), entity("lab", "lab")],
        [
            deal("H", "hardware", "cloud", "chips", 1000.0, "2025-Q1", 1.0, gigawatts=1.0),
            deal("OK", "hardware", "cloud", "chips", 30.0, "2025-Q1", 1.0, gigawatts=1.0),
            deal("C", "compute", "lab", "cloud", 0.4, "2025", 1.0, gigawatts=1.0),
        ],
        [fin("cloud", "cash", 10.0)],
    )
    web = compile_web(led, "2025Q1", "2026Q4")
    flags = {d: (price, why) for d, price, why in price_flags(web, _sc())}
    assert set(flags) == {"H", "C"}
    assert flags["H"][0].startswith("1,000.0 USD bn/GW") and "15.0-75.0" in flags["H"][1]
    assert flags["C"][0].startswith("0.4 USD bn/GW") and "2.0-40.0" in flags["C"][1]
    # flagged, not changed: the deal's dollars are what the projection pays
    r = run_projection(web, _sc())
    assert r.series("payments_due", "cloud").iloc[0] == pytest.approx((1000.0 + 30.0) / 4)


def test_lower_utilisation_lowers_the_sellers_revenue() -> None:
    # lab buys 8 of compute from cloud over 2025 (2 a quarter); the contract ends in 2025Q4 and
    # renews at renewal_share 0.5 x 2 x index (0.5 from 2026 over 1.0): 0.5 a quarter from lab;
    # the other half of the capacity is offered outside at 0.5 x 2 x 0.5 = 0.5 and rented at the
    # utilisation: revenue 0.5 + 0.5 u from 2026Q1
    led = ledger(
        [entity("lab", "lab"), entity("cloud")],
        [deal("C", "compute", "lab", "cloud", 8.0, "2025-Q1", 1.0)],
        [
            fin("lab", "cash", 100.0),
            fin("lab", "ebitda", 0.0),
            fin("cloud", "cash", 1.0),
            fin("cloud", "ebitda", 0.0),
        ],
    )
    web = compile_web(led, "2025Q1", "2026Q2")
    index = P({"2025": 1.0, "2026": 0.5})
    rev = {}
    for u in (1.0, 0.5, 0.0):
        r = run_projection(web, _sc(renewal_share=P(0.5), utilisation=P(u), rental_price_index=index))
        rev[u] = _col(r, "revenue")
        np.testing.assert_allclose(_col(r, "payments_received"), [2, 2, 2, 2, 0.5, 0.5])
        np.testing.assert_allclose(_col(r, "outside_cash_in"), [0, 0, 0, 0, 0.5 * u, 0.5 * u])
    np.testing.assert_allclose(rev[1.0], [2, 2, 2, 2, 1.0, 1.0])
    assert (rev[0.5] <= rev[1.0]).all() and rev[0.5][4:].sum() < rev[1.0][4:].sum()
    assert rev[0.0][4:].sum() < rev[0.5][4:].sum()


def test_a_defaulted_buyers_capacity_is_re_let_at_the_utilisation() -> None:
    # lab pays 4 a quarter with 6 of cash: 2025Q2 half paid, lab defaults; cloud re-lets the
    # capacity at (1 - relet_haircut 0.5) x 4 x utilisation from 2025Q3
    led = ledger(
        [entity("lab", "lab"), entity("cloud")],
        [deal("C", "compute", "lab", "cloud", 16.0, "2025-Q1", 1.0)],
        [
            fin("lab", "cash", 6.0),
            fin("lab", "ebitda", 0.0),
            fin("cloud", "cash", 1.0),
            fin("cloud", "ebitda", 0.0),
        ],
    )
    web = compile_web(led, "2025Q1", "2025Q4")
    for u in (1.0, 0.6):
        r = run_projection(web, _sc(utilisation=P(u)))
        assert r.headlines()["first_default_entity"] == "lab"
        np.testing.assert_allclose(_col(r, "revenue")[2:], 0.5 * 4 * u)


def test_bundled_lower_utilisation_lowers_oracles_revenue() -> None:
    from circularity import load
    from circularity.projection.pipeline import compile_for

    runs = {}
    for u in ("0.8", "0.4"):
        sc = load_scenario("baseline", (f"channels.utilisation.value={u}",))
        runs[u] = run_projection(compile_for(sc, load("ai", as_of=sc.as_of)), sc, record=("revenue",))
    a, b = (runs[u].series("revenue", "oracle").to_numpy() for u in ("0.8", "0.4"))
    assert (b <= a + 1e-9).all() and b.sum() < a.sum()
