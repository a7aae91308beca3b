"""The projection values entities with the valuation module the stress test uses."""

from __future__ import annotations

import numpy as np
import pytest

import circularity
from circularity.projection import load_scenario, run_projection
from circularity.projection.run import compile_for
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


def test_higher_rates_lower_every_going_concern_value(ai_ledger: circularity.Ledger) -> None:
    sc = load_scenario("baseline")
    web = compile_for(sc, ai_ledger)
    ov = {"channels.rate_shift": np.array([0.0, 0.02])}
    f = run_projection(web, sc, ov).to_frame()
    q = f[(f.quarter == web.quarters[web.first_projected + 1]) & (f.entity.isin(["microsoft", "nvidia"]))]
    base = q[q.scenario == 0].set_index("entity")["equity_value"]
    high = q[q.scenario == 1].set_index("entity")["equity_value"]
    assert (high < base).all()
