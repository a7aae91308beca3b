"""Entity values: reported, filled by a named method, or unknown; Merton per scenario and quarter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circularity.errors import ScenarioError
from circularity.valuation import fill_equity_values, solve_merton, value_entities, volatility_by_kind
from circularity.valuation.market_value import market_value_lost


def test_unknown_stays_unknown_and_filled_values_name_their_method() -> None:
    v, methods = fill_equity_values(
        [100.0, math.nan, math.nan, math.nan],
        [10.0, 20.0, math.nan, 5.0],
        ["chipmaker", "chipmaker", "lab", "spv"],
    )
    assert v[0] == 100.0 and v[1] == pytest.approx(200.0)
    assert "median market value/revenue of chipmaker peers" in methods[1]
    assert math.isnan(v[2]) and methods[2].startswith("unknown")
    assert math.isnan(v[3])  # vehicles borrow no multiple


def test_values_per_scenario_and_entity() -> None:
    E = np.array([[3.0, 0.0, math.nan], [2.5, 10.0, math.nan]])
    out = value_entities(
        E, np.array([0.8, 0.5, 0.5]), np.array([10.0, 5.0, 1.0]), np.array([1.0, 0.0, 0.0]), 0.05, 1.0
    )
    fit = solve_merton(3.0, 0.8, 10.0, 0.05, 1.0)
    assert out.asset_value[0, 0] == pytest.approx(float(fit.V))
    assert out.enterprise_value[0, 0] == pytest.approx(3.0 + 10.0 - 1.0)
    assert (
        out.equity_value[0, 1] == 0.0 and out.distance_to_default[0, 1] == -math.inf
    )  # wiped out: a known 0
    assert math.isnan(out.equity_value[0, 2]) and math.isnan(out.distance_to_default[1, 2])  # unknown
    assert out.distance_to_default[1, 0] < out.distance_to_default[0, 0]  # less equity, same debt


def test_volatility_table_needs_a_default_and_sane_values() -> None:
    assert volatility_by_kind(["lab", "bank"], {"lab": 0.6, "default": 0.4}).tolist() == [0.6, 0.4]
    with pytest.raises(ScenarioError, match="'default'"):
        volatility_by_kind(["lab"], {"lab": 0.6})
    with pytest.raises(ScenarioError, match=r"\(0, 5\)"):
        volatility_by_kind(["lab"], {"lab": -1.0, "default": 0.4})


def test_an_unsolvable_equity_is_unknown_and_counted_not_a_crash_or_an_infinity() -> None:
    E = np.array([[3.0, 1e-15, 9.776437535970968e-07]])
    out = value_entities(E, np.array([0.8, 0.45, 0.45]), np.array([10.0, 50.0, 50.0]), 0.0, 0.04, 1.0)
    assert out.merton_unsolved.tolist() == [[False, True, False]] and out.n_merton_unsolved == 1
    for arr in (out.asset_value, out.distance_to_default, out.default_probability, out.credit_spread):
        assert math.isnan(arr[0, 1])  # unknown, not the inf a NaN debt value would give the spread
        assert np.isfinite(arr[0, [0, 2]]).all()
    assert out.equity_value[0, 1] == 1e-15  # the equity itself is still what it was


def test_value_lost_counts_an_issuers_fall_once() -> None:
    """A holds 30% of B (its market value 130 = own 100 + stake 30); B is wiped out. The value
    lost is B's 100, once: A's market value falls by its stake (30), a transfer of B's fall,
    reported apart, not added (adding every market value's fall gives 130)."""
    H = np.array([[0.0, 0.3, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    before = np.array([[130.0, 100.0, np.nan]])
    after = np.array([[100.0, 0.0, np.nan]])
    v = market_value_lost(before, after, H)
    assert float(v.lost[0]) == pytest.approx(100.0)
    assert float(v.stakes_lost[0]) == pytest.approx(30.0)
    assert float(v.gross[0]) == pytest.approx(130.0)
    assert int(v.unknown[0]) == 1 and v.population == 3  # the unknown one is counted, not 0
    # an entity whose own value rose adds nothing; the fall of the others is not netted against it
    up = market_value_lost(before, np.array([[140.0, 100.0, np.nan]]), H)
    assert float(up.lost[0]) == 0.0
