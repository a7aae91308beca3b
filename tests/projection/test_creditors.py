"""Creditors as entities (issue 12, item 5), by hand on small webs: the holder of a borrower's
outside debt books its loss at a resolution, and a creditor whose capacity is used up lends no
more; then the same rules on the bundled dataset and the scenario's bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import circularity
from circularity.compile import Web, compile_web
from circularity.errors import ScenarioError
from circularity.projection import load_scenario, run_projection
from circularity.projection.pipeline import compile_for
from circularity.projection.references import check_references
from circularity.projection.scenario import Scenario
from circularity.testing.webs import QUIET, P, deal, entity, fin, ledger, scenario_dict


def _sc(creditors: dict[str, Any] | None = None, **ent: Any) -> Scenario:
    d = scenario_dict()
    return Scenario.model_validate(
        d
        | {
            "defaults": d["defaults"] | QUIET,
            "entities": ent,
            "creditors": creditors or {},
            "headline_entity": "cloud",
        }
    )


def _holder(name: str = "fund", **kw: Any) -> dict[str, Any]:
    return {"creditor": name, "source": "assumption: test"} | kw


def _default_web() -> Web:
    """cloud owes 6 outside the web and buys 10 of chips in 2025Q1 with 3 of cash; no revenue,
    no EBITDA: no new money."""
    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker"), entity("fund", "lender")],
        [deal("H", "hardware", "cloud", "chips", 10.0, "2025-Q1", 0.25)],
        [
            fin("cloud", "cash", 3.0),
            fin("cloud", "ebitda", 0.0),
            fin("chips", "cash", 10.0),
            fin("fund", "cash", 100.0),
        ],
    )
    return compile_web(led, "2025Q1", "2026Q4")


def test_the_holder_of_outside_debt_books_its_loss_at_a_resolution() -> None:
    # 2025Q1: 6/400 = 0.015 of the outside debt matures (100-year maturity) and is repaid from the
    # cash, 2.985 left for the 10 due to chips (29.85%): 7.015 unpaid, cloud defaults. Claims:
    # chips 7.015, outside debt 5.985, C = 13; the estate is the chips it paid for (K = 2.985, no
    # depreciation yet) and no cash: R = min(13, 0 + 2.985, max(0, 0.36 x 13)) = 2.985, pro rata.
    web = _default_web()
    rate = 2.985 / 13.0
    before = run_projection(web, _sc(cloud={"debt": P(6.0)}))
    (d,) = before.defaults
    assert (d.entity, d.quarter) == ("cloud", "2025Q1")
    assert d.claims == pytest.approx(13.0) and d.recovered == pytest.approx(2.985)
    assert d.losses == pytest.approx({"chips": 7.015 * (1 - rate), "outside creditors": 5.985 * (1 - rate)})
    named = run_projection(web, _sc({"debt": {"cloud": _holder()}}, cloud={"debt": P(6.0)}))
    (d,) = named.defaults
    assert d.losses == pytest.approx({"chips": 7.015 * (1 - rate), "fund": 5.985 * (1 - rate)})
    # the holder books claim - recovery as its credit loss in the resolution quarter
    assert named.series("credit_losses", "fund").iloc[0] == pytest.approx(5.985 * (1 - rate))
    assert named.series("credit_losses", "fund").iloc[1:].sum() == pytest.approx(0.0)
    # a kind key names the holder of every entity of that kind; the same loss
    by_kind = run_projection(web, _sc({"debt": {"hyperscaler": _holder()}}, cloud={"debt": P(6.0)}))
    assert by_kind.defaults[0].losses == pytest.approx(d.losses)
    # the rest of the run is unchanged: only who books the loss moved
    for c in ("cash", "debt", "financing_in", "resolution_out"):
        np.testing.assert_allclose(named.data[c], before.data[c], rtol=0, atol=1e-12)


def _capacity_web() -> Web:
    """cloud buys 10 of chips a quarter through 2025 with no cash; its reported EBITDA (40) lets
    it borrow 3x; it can sell up to 10% of its market value a quarter."""
    led = ledger(
        [
            entity("cloud"),
            entity("chips", "chipmaker"),
            entity("fund", "lender"),
            entity("market", "investor"),
        ],
        [deal("H", "hardware", "cloud", "chips", 40.0, "2025-Q1", 1.0)],
        [
            fin("cloud", "cash", 0.0),
            fin("cloud", "ebitda", 40.0),
            fin("cloud", "market_cap", 1000.0),
            fin("chips", "cash", 10.0),
            fin("fund", "cash", 100.0),
            fin("market", "cash", 100.0),
        ],
    )
    return compile_web(led, "2025Q1", "2026Q4")


def test_a_creditor_whose_capacity_is_used_up_lends_no_more() -> None:
    # fund holds cloud's debt and may put in 20. 2025Q1: cloud borrows the 10 due (room 20).
    # 2025Q2: 10/400 = 0.025 matures: need 10.025, room 20 - 10 + 0.025 (the principal repaid to
    # it) = 10.025: all lent; used 10 + 10.025 - 0.025 = 20. 2025Q3: room 0 + 20/400 = 0.05 (the
    # rollover), so debt stays at 20 and the rest of the 10.05 comes as equity from the market.
    web = _capacity_web()
    cr = {"debt": {"cloud": _holder()}, "equity": {"cloud": _holder("market")}, "capacity": {"fund": P(20.0)}}
    ent = {"cloud": {"equity_raise_q": P(0.1)}}
    r = run_projection(web, _sc(cr, **ent))
    np.testing.assert_allclose(r.series("debt", "cloud").iloc[:4], [10.0, 20.0, 20.0, 20.0], atol=1e-9)
    np.testing.assert_allclose(
        r.series("financing_in", "cloud").iloc[:4], [10.0, 10.025, 10.05, 10.05], atol=1e-9
    )
    np.testing.assert_allclose(
        r.series("lending_capacity", "fund").iloc[:4], [10.0, 0.0, 0.0, 0.0], atol=1e-9
    )
    assert not r.defaults
    # without a capacity fund lends it all (debt 40 by 2025Q4) and stays at no limit
    free = run_projection(web, _sc({"debt": {"cloud": _holder()}}, **ent))
    assert free.series("debt", "cloud").iloc[3] == pytest.approx(40.0, abs=0.2)
    assert free.series("lending_capacity", "fund").iloc[3] == pytest.approx(100.0)  # cash less web loans
    # the market's capacity used up too (0): cloud's new money stops, it pays 0.05 of the 10 due
    # in 2025Q3 and defaults
    shut = run_projection(web, _sc(cr | {"capacity": {"fund": P(20.0), "market": P(0.0)}}, **ent))
    assert shut.series("financing_in", "cloud").iloc[2] == pytest.approx(0.05)
    (d,) = shut.defaults
    assert (d.entity, d.quarter) == ("cloud", "2025Q3")
    assert shut.series("lending_capacity", "market").iloc[:3].tolist() == pytest.approx([0.0, 0.0, 0.0])


def test_creditors_on_the_dataset_book_the_outside_losses_of_funding_freeze() -> None:
    sc = load_scenario("funding-freeze")
    web = compile_for(sc, circularity.load("ai"))
    r = run_projection(web, sc)
    vantage = next(d for d in r.defaults if d.entity == "vantage")
    assert "outside creditors" not in vantage.losses
    assert vantage.losses["bank-syndicate-vantage"] > 0
    t = r.quarters.index(vantage.quarter)
    assert (
        r.series("credit_losses", "bank-syndicate-vantage").iloc[t]
        >= vantage.losses["bank-syndicate-vantage"] - 1e-9
    )
    # the bond market's capacity is an output that falls as it lends and never goes below zero
    cap = r.series("lending_capacity", "bond-investors")
    assert cap.iloc[0] == pytest.approx(sc.creditors.capacity["bond-investors"].value)
    assert (cap >= -1e-9).all()


@pytest.mark.parametrize(
    ("creditors", "match"),
    [
        (
            {"debt": {"cloud": _holder("nobody")}},
            r"creditors\.debt\.cloud\.creditor: unknown entity 'nobody'",
        ),
        ({"debt": {"cloud": _holder("chips")}}, r"creditors\.debt\.cloud\.creditor: 'chips' is a chipmaker"),
        (
            {"equity": {"clod": _holder("market")}},
            r"creditors\.equity\.clod: unknown entity or entity kind 'clod'",
        ),
        ({"capacity": {"fund": P(5.0)}}, r"creditors\.capacity\.fund: 'fund' holds no debt or equity"),
    ],
)
def test_bad_creditors_are_refused_with_the_key(creditors: dict[str, Any], match: str) -> None:
    led = ledger(
        [
            entity("cloud"),
            entity("chips", "chipmaker"),
            entity("fund", "lender"),
            entity("market", "investor"),
        ],
        [],
    )
    with pytest.raises(ScenarioError, match=match):
        check_references(_sc(creditors), led)


def test_a_negative_capacity_or_a_self_creditor_is_refused_with_file_key_and_range(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\nextends: baseline\ncreditors:\n  capacity:\n"
        "    bond-investors: {value: -1.0, source: 'assumption: test'}\n"
    )
    with pytest.raises(
        ScenarioError,
        match=r"bad\.yaml: creditors\.capacity\.bond-investors.*-1 is outside the allowed range \[0, 1e\+06\] USD bn",
    ):
        load_scenario(str(bad))
    bad.write_text(
        "name: bad\nextends: baseline\ncreditors:\n  debt:\n"
        "    bond-investors: {creditor: bond-investors, source: 'assumption: test'}\n"
    )
    with pytest.raises(
        ScenarioError,
        match=r"bad\.yaml: creditors: .*debt\.bond-investors: an entity cannot be its own creditor",
    ):
        load_scenario(str(bad))
