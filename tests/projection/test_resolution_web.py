"""Resolution by hand on small webs (issue 12, item 4): secured creditors paid first from their
collateral, successors assuming contracts, and what a resolved entity's estate holds; each
figure computed by hand in the comments, then the same rules checked on the bundled dataset."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

import circularity
from circularity.compile import Web, compile_web
from circularity.errors import ScenarioError
from circularity.projection import ProjectionResult, load_scenario, run_projection
from circularity.projection.references import check_references
from circularity.projection.run import compile_for
from circularity.projection.scenario import Scenario
from circularity.testing.webs import QUIET as _QUIET
from circularity.testing.webs import P, channels, deal, entity, fin, ledger, scenario_dict


def _sc(res: dict[str, Any] | None = None, **ch: Any) -> Scenario:
    d = scenario_dict()
    return Scenario.model_validate(
        d
        | {
            "globals": d["globals"] | {"gpu_life_years": P(2.0)},
            "defaults": d["defaults"] | _QUIET,
            "channels": channels(chip_share_of={"cloud": P(1.0)}, **ch),
            "resolution": res or {},
            "headline_entity": "cloud",
        }
    )


def _secured_web() -> Web:
    """cloud buys 10 of chips in 2025Q1 with 3 of cash, 8 borrowed from a bank (due 2026Q1) and 4
    from a fund (due 2027Q1); no revenue, no EBITDA: no new money."""
    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker"), entity("bank", "lender"), entity("fund", "lender")],
        [
            deal("H", "hardware", "cloud", "chips", 10.0, "2025-Q1", 0.25),
            deal("LS", "loan", "bank", "cloud", 8.0, "2025-Q1", 1.0, rate=0.0),
            deal("LU", "loan", "fund", "cloud", 4.0, "2025-Q1", 2.0, rate=0.0),
        ],
        [
            fin("cloud", "cash", 3.0),
            fin("cloud", "ebitda", 0.0),
            fin("chips", "cash", 10.0),
            fin("bank", "cash", 100.0),
            fin("fund", "cash", 100.0),
        ],
    )
    return compile_web(led, "2025Q1", "2027Q4")


SECURED = {"secured": {"cloud": {"deals": ["LS"], "collateral": "chips", "source": "assumption: test"}}}


def _losses(r: ProjectionResult) -> dict[str, float]:
    (d,) = r.defaults
    return d.losses


def test_secured_creditors_are_paid_first_from_their_collateral() -> None:
    # 2025Q1: cash 3 + 8 + 4 - 10 = 5. 2026Q1 (t=4): the bank's 8 falls due, cloud pays 5: 3
    # unpaid (37.5% > 5%), cloud defaults. Claims: bank 3 unpaid, fund 4 of principal (its loan
    # is terminated), C = 7. Fixed assets: chips 10 less four charges of 10/8 = 5, collateral 5.
    web = _secured_web()
    pro_rata = run_projection(web, _sc())
    # pro rata: R = min(7, 0 + 5, max(0, 0.36 x 7)) = 2.52, 36% each
    (d,) = pro_rata.defaults
    assert (d.entity, d.quarter) == ("cloud", "2026Q1")
    assert d.claims == pytest.approx(7.0) and d.recovered == pytest.approx(2.52)
    assert _losses(pro_rata) == pytest.approx({"bank": 3 * 0.64, "fund": 4 * 0.64})
    assert d.secured_claims == 0.0 and np.isnan(d.secured_recovery_rate)
    # secured: the bank's 3 from the chips (5): paid in full; the fund's 4 from what is left,
    # R_u = min(4, 0 + 5 - 3, max(0, 0.36 x 4)) = 1.44
    sec = run_projection(web, _sc(SECURED))
    (d,) = sec.defaults
    assert d.secured_claims == pytest.approx(3.0)
    assert d.secured_recovery_rate == pytest.approx(1.0)
    assert d.unsecured_recovery_rate == pytest.approx(0.36)
    assert d.recovered == pytest.approx(3.0 + 1.44)
    assert _losses(sec) == pytest.approx({"fund": 4 * 0.64})
    t = 4
    assert sec.series("resolution_in", "bank").iloc[t] == pytest.approx(3.0)
    assert sec.series("credit_losses", "bank").iloc[t] == pytest.approx(0.0)
    assert sec.series("credit_losses", "fund").iloc[t] == pytest.approx(4 * 0.64)
    frame = sec.defaults_frame()
    assert {"secured_claims", "secured_recovery_rate", "unsecured_recovery_rate"} <= set(frame.columns)


def test_collateral_worth_less_leaves_the_secured_creditor_a_deficiency_claim() -> None:
    # secondary price index 0.4: collateral 0.4 x 5 = 2 < 3; the bank takes the chips (2), its
    # deficiency 1 ranks with the fund's 4: U = 5, R_u = min(5, 0 + 5 - 2, max(0, 0.36 x 5)) = 1.8
    r = run_projection(_secured_web(), _sc(SECURED, secondary_price_index=P(0.4)))
    (d,) = r.defaults
    assert d.secured_recovery_rate == pytest.approx(2 / 3 + (1 / 3) * 0.36)
    assert d.recovered == pytest.approx(2.0 + 1.8)
    assert _losses(r) == pytest.approx({"bank": 1 * 0.64, "fund": 4 * 0.64})


@pytest.mark.parametrize(
    ("res", "says"),
    [
        ({"secured": {"cloud": {"deals": ["H"], "source": "assumption: test"}}}, "not debt that cloud owes"),
        ({"secured": {"cloud": {"deals": ["XX"], "source": "assumption: test"}}}, "unknown deal 'XX'"),
        ({"secured": {"clod": {"deals": ["LS"], "source": "assumption: test"}}}, "unknown entity 'clod'"),
        ({"secured": {"chips": {"deals": ["LS"], "source": "assumption: test"}}}, "not debt that chips owes"),
    ],
)
def test_a_seniority_that_names_no_debt_is_refused(res: dict[str, Any], says: str) -> None:
    led = ledger(
        [entity("cloud"), entity("chips", "chipmaker"), entity("bank", "lender")],
        [
            deal("H", "hardware", "cloud", "chips", 10.0, "2025-Q1", 0.25),
            deal("LS", "loan", "bank", "cloud", 8.0, "2025-Q1", 1.0),
        ],
    )
    with pytest.raises(ScenarioError) as err:
        check_references(_sc(res), led)
    assert says in str(err.value) and "resolution.secured" in str(err.value)


def test_a_secured_collateral_outside_its_meaning_is_refused() -> None:
    with pytest.raises(Exception, match="collateral"):
        _sc({"secured": {"cloud": {"deals": ["LS"], "collateral": "gold", "source": "assumption: test"}}})


@cache
def _ai(name: str, *sets: str) -> ProjectionResult:
    sc = load_scenario(name, sets)
    return run_projection(compile_for(sc, circularity.load("ai", as_of=sc.as_of)), sc)


def test_bundled_secured_lenders_recover_at_least_the_unsecured_rate() -> None:
    r = _ai("funding-freeze")
    secured = [d for d in r.defaults if d.secured_claims > 0]
    assert secured, "no default in funding-freeze has secured claims: the test has nothing to check"
    for d in secured:
        assert d.secured_recovery_rate >= d.unsecured_recovery_rate - 1e-12, d.entity
        assert sum(d.losses.values()) == pytest.approx(d.claims - d.recovered, rel=1e-9, abs=1e-9)
