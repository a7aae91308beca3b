"""Focused tests of the financing and clearing rules: refinance_share, Rogers–Veraart default
costs and the EBITDA derived for firms the ledger reports none for (each figure by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.compile import compile_web
from circularity.projection import run_projection
from circularity.testing.webs import P, deal, entity, fin, ledger, scenario, scenario_dict

_QUIET = {
    "opex_ratio": P(0.0),
    "capex_ratio": P(0.0),
    "equity_raise_q": P(0.0),
    "tax_rate": P(0.0),
    "min_cash": P(0.0),
}


def _defaults(**kw: object) -> dict[str, object]:
    return scenario_dict()["defaults"] | _QUIET | kw


def _spv_web():  # type: ignore[no-untyped-def]
    """An SPV borrows 8 (bullet in 2026Q1, 8 % a year) and spends it all on hardware at once."""
    led = ledger(
        [entity("spv", "spv"), entity("banks", "lender"), entity("chips", "chipmaker")],
        [
            deal("L", "loan", "banks", "spv", 8.0, "2025", 1.0, rate=0.08),
            deal("H", "hardware", "spv", "chips", 8.0, "2025-Q1", 0.25),
        ],
        [fin("banks", "cash", 1000.0), fin("chips", "cash", 10.0)],
    )
    return compile_web(led, "2025Q1", "2026Q4")


def test_refinance_share_rolls_the_debt_service_that_falls_due() -> None:
    web = _spv_web()
    i = web.index("spv")
    r = run_projection(
        web, scenario(defaults=_defaults(), kind_defaults={"spv": {"refinance_share": P(1.0)}})
    )
    s = {
        c: r.series(c, "spv").to_numpy()
        for c in ("financing_in", "financing_out", "payments_due", "outside_cash_out", "cash")
    }
    # no cash, no EBITDA: every interest payment (8 x 8 % / 4 = 0.16) and the bullet are rolled,
    # and so are the rolled debt's own interest and maturities from then on
    assert s["financing_in"][0] == pytest.approx(0.0)
    assert s["financing_in"][1] == pytest.approx(0.16)
    np.testing.assert_allclose(
        s["financing_in"][1:], s["payments_due"][1:] + s["financing_out"][1:] + s["outside_cash_out"][1:]
    )
    assert s["financing_in"][4] > 8.16
    np.testing.assert_allclose(s["cash"], 0.0, atol=1e-12)
    assert not r.data["defaulted"][:, 0, i].any()
    assert r.headlines()["first_default_entity"] is None


@pytest.mark.parametrize(("share", "appetite"), [(0.0, 1.0), (0.5, 1.0), (1.0, 0.5)])
def test_refinance_share_times_credit_appetite_caps_the_roll(share: float, appetite: float) -> None:
    web = _spv_web()
    # credit to the SPV at `appetite` from 2025Q2 (after the loan itself has been drawn)
    ev = [
        {
            "quarter": "2025Q2",
            "entity": "spv",
            "kind": "credit_closed",
            "value": appetite,
            "source": "assumption: test",
        }
    ]
    sc = scenario(defaults=_defaults(), kind_defaults={"spv": {"refinance_share": P(share)}}, events=ev)
    r = run_projection(web, sc)
    rolled = share * appetite * 0.16
    assert r.series("financing_in", "spv").iloc[1] == pytest.approx(rolled)
    assert r.series("shortfall", "spv").iloc[1] == pytest.approx(0.16 - rolled)
    assert r.headlines()["first_default_entity"] == "spv"
    assert r.headlines()["first_default_quarter"] == "2025Q2"


def _lab_web(*fins):  # type: ignore[no-untyped-def]
    """lab owes cloud 20 in 2025Q1 with 2 of cash; cloud owes chips 10 with nothing else."""
    led = ledger(
        [entity("lab", "lab"), entity("cloud"), entity("chips", "chipmaker")],
        [
            deal("C", "compute", "lab", "cloud", 20.0, "2025-Q1", 0.25),
            deal("D", "compute", "cloud", "chips", 10.0, "2025-Q1", 0.25),
        ],
        [fin("lab", "cash", 2.0), fin("chips", "cash", 1.0), *fins],
    )
    return compile_web(led, "2025Q1", "2025Q4")


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.5, 1.0), (0.5, 0.4), (1.0, 0.4)])
def test_default_costs_rogers_veraart(alpha: float, beta: float) -> None:
    web = _lab_web()
    g = scenario_dict()["globals"] | {"default_costs": {"alpha": P(alpha), "beta": P(beta)}}
    r = run_projection(web, scenario(globals=g, defaults=_defaults()))
    lab_pays = r.series("payments_made", "lab").iloc[0]
    cloud_pays = r.series("payments_made", "cloud").iloc[0]
    # lab defaults: it pays alpha x its cash; cloud then defaults too (it has only lab's payment)
    # and passes on beta x what it received (Rogers & Veraart 2013, eq. 3)
    assert lab_pays == pytest.approx(alpha * 2.0)
    assert cloud_pays == pytest.approx(beta * alpha * 2.0)
    assert r.series("shortfall", "lab").iloc[0] == pytest.approx(20.0 - alpha * 2.0)
    assert r.series("shortfall", "cloud").iloc[0] == pytest.approx(10.0 - beta * alpha * 2.0)
    # resolution: the contracts of a defaulted payer are terminated (none remain here)
    assert r.cut[0, list(web.deal_id).index("C")] == 0.0


def test_no_default_costs_is_eisenberg_noe() -> None:
    web = _lab_web()
    en = run_projection(web, scenario(defaults=_defaults()))
    g = scenario_dict()["globals"] | {"default_costs": {"alpha": P(1.0), "beta": P(1.0)}}
    rv = run_projection(web, scenario(globals=g, defaults=_defaults()))
    for c in ("payments_made", "cash", "shortfall"):
        np.testing.assert_array_equal(en.data[c], rv.data[c])


def _borrower_web(*fins):  # type: ignore[no-untyped-def]
    """lab: outside revenue 40 a year, no cash, owes cloud 100 in 2025Q1."""
    led = ledger(
        [entity("lab", "lab"), entity("cloud")],
        [deal("C", "compute", "lab", "cloud", 100.0, "2025-Q1", 0.25)],
        [fin("lab", "revenue", 40.0), fin("cloud", "cash", 10.0), *fins],
    )
    return compile_web(led, "2025Q1", "2025Q4")


def test_derived_ebitda_sets_debt_capacity() -> None:
    # no reported EBITDA: EBITDA = revenue x (1 - opex ratio) = 40 x 0.5 = 20; capacity 3 x 20 = 60
    web = _borrower_web()
    r = run_projection(web, scenario(defaults=_defaults(opex_ratio=P(0.5))))
    assert r.series("financing_in", "lab").iloc[0] == pytest.approx(60.0)
    # cash after outside flows: 10 revenue - 5 opex = 5; pays 65 of 100
    assert r.series("payments_made", "lab").iloc[0] == pytest.approx(65.0)
    # 35 of 100 left unpaid: the lab is resolved in the quarter and its debt of 60 is settled by
    # what its creditors recover (its estate: no cash, no fixed assets), the rest lost
    assert bool(r.series("resolved", "lab").iloc[0])
    assert r.series("debt", "lab").iloc[0] == 0.0
    (d,) = r.defaults
    assert d.losses["outside creditors"] == pytest.approx(60.0)


def test_reported_ebitda_wins_over_the_derived_one() -> None:
    web = _borrower_web(fin("lab", "ebitda", 5.0))
    r = run_projection(web, scenario(defaults=_defaults(opex_ratio=P(0.5))))
    assert r.series("financing_in", "lab").iloc[0] == pytest.approx(15.0)  # 3 x 5


def test_derived_ebitda_follows_the_opex_ratio_override() -> None:
    web = _borrower_web()
    ratios = np.array([0.25, 0.5, 0.9])
    r = run_projection(web, scenario(defaults=_defaults()), {"entities.lab.opex_ratio": ratios})
    i = web.index("lab")
    np.testing.assert_allclose(r.data["financing_in"][0, :, i], 3 * 40 * (1 - ratios))


def test_negative_derived_ebitda_gives_no_debt_room() -> None:
    web = _borrower_web()
    r = run_projection(web, scenario(defaults=_defaults(opex_ratio=P(1.2))))
    assert r.series("financing_in", "lab").iloc[0] == pytest.approx(0.0)


def test_capex_path_adds_guided_capex() -> None:
    web = _borrower_web(fin("lab", "cash", 100.0))
    ents = {"lab": {"capex_path": {"value": {"2025": 8.0, "2025Q3": 4.0}, "source": "assumption: test"}}}
    r = run_projection(web, scenario(defaults=_defaults(capex_ratio=P(0.1)), entities=ents))
    capex = r.series("capex", "lab").to_numpy()
    # 0.1 x outside revenue 10 a quarter + the path's yearly rate / 4
    np.testing.assert_allclose(capex, [3.0, 3.0, 2.0, 2.0])


def test_scope_keeps_only_the_named_parties_deals() -> None:
    from circularity.compile import ScheduleAssumptions

    led = ledger(
        [entity("lab", "lab"), entity("cloud"), entity("chips", "chipmaker")],
        [
            deal("C", "compute", "lab", "cloud", 20.0, "2025", 1.0),
            deal("D", "hardware", "cloud", "chips", 10.0, "2025", 1.0),
        ],
    )
    web = compile_web(led, "2025Q1", "2025Q4", ScheduleAssumptions(scope=("lab",)))
    assert list(web.deal_id) == ["C"]
    assert [d for d, _ in web.skipped] == ["D"]


def test_backlog_multiple_may_differ_per_scenario() -> None:
    """Regression: the last quarter's backlog is (n, 1) and broke an in-place product with (1, S)."""
    import circularity
    from circularity.projection.pipeline import compile_for
    from circularity.projection.projector import run_projection
    from circularity.projection.scenario import load_scenario

    sc = load_scenario("baseline")
    web = compile_for(sc, circularity.load("ai", as_of="2026-11-22"))
    betas = np.array([0.0, 0.5, 1.0])
    many = run_projection(web, sc, {"globals.backlog_multiple": betas})
    for s, b in enumerate(betas):
        one = run_projection(web, sc, {"globals.backlog_multiple": np.array([b])})
        np.testing.assert_allclose(many.data["market_value"][:, s], one.data["market_value"][:, 0])
