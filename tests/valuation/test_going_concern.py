"""The going-concern valuation: anchored on the market, moved by rates, leverage and backlog."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.valuation.going_concern import anchor_going_concern, value_going_concern
from circularity.valuation.merton import merton_equity

R, T, G = 0.04, 1.0, 0.03


def _anchor(E: float = 100.0, D: float = 50.0, C: float = 10.0, k: float = 0.09):
    return anchor_going_concern([[E]], [[0.5]], [[D]], [[C]], R, T, k, G, [[0.0]])


def test_anchor_quarter_returns_the_market_equity() -> None:
    a = _anchor()
    v = value_going_concern(a, [[50.0]], [[10.0]], R, T, 0.09, G, [[0.0]], 0.63)
    assert float(v.equity_value[0, 0]) == pytest.approx(100.0, rel=1e-9)
    assert float(v.equity_value[0, 0]) == pytest.approx(
        float(merton_equity(v.asset_value, a.sigma_V, 50.0, R, T)[0, 0]), rel=1e-12
    )


def test_higher_rates_lower_value_and_backlog_news_moves_it_by_beta() -> None:
    a = _anchor()
    base = value_going_concern(a, [[50.0]], [[10.0]], R, T, 0.09, G, [[0.0]], 0.63)
    up = value_going_concern(a, [[50.0]], [[10.0]], R + 0.01, T, 0.10, G, [[0.0]], 0.63)
    assert float(up.equity_value[0, 0]) < float(base.equity_value[0, 0])
    ev = float(base.enterprise_value[0, 0])
    assert float(up.enterprise_value[0, 0]) == pytest.approx(ev * 0.06 / 0.07)
    news = value_going_concern(a, [[50.0]], [[10.0]], R, T, 0.09, G, [[-20.0]], 0.63)
    assert float(news.enterprise_value[0, 0]) == pytest.approx(ev - 0.63 * 20.0)


def test_equity_falls_smoothly_with_leverage_and_never_hits_zero_while_assets_remain() -> None:
    a = _anchor()
    debts = np.linspace(0.0, 400.0, 81)[None, :]
    v = value_going_concern(a, debts, [[10.0]], R, T, 0.09, G, [[0.0]], 0.63)
    e = v.equity_value[0]
    assert np.all(np.diff(e) < 0) and np.all(e > 0)
    assert np.all(np.diff(v.distance_to_default[0][1:]) < 0)
    assert np.all(np.diff(v.credit_spread[0]) >= 0) and v.credit_spread[0, -1] > 0.01


def test_cash_burn_lowers_equity_one_for_one_without_debt() -> None:
    a = _anchor(D=0.0)
    v0 = value_going_concern(a, [[0.0]], [[10.0]], R, T, 0.09, G, [[0.0]], 0.63)
    v1 = value_going_concern(a, [[0.0]], [[4.0]], R, T, 0.09, G, [[0.0]], 0.63)
    assert float(v0.equity_value[0, 0] - v1.equity_value[0, 0]) == pytest.approx(6.0)


def test_unknown_equity_stays_unknown() -> None:
    a = anchor_going_concern(
        [[np.nan, 5.0]], [[0.5, 0.5]], [[1.0, 1.0]], [[0.0, 0.0]], R, T, 0.09, G, [[0.0, 0.0]]
    )
    v = value_going_concern(a, [[1.0, 1.0]], [[0.0, 0.0]], R, T, 0.09, G, [[0.0, 0.0]], 0.63)
    assert np.isnan(v.equity_value[0, 0]) and np.isnan(v.distance_to_default[0, 0])
    assert float(v.equity_value[0, 1]) == pytest.approx(5.0)


def test_a_sliver_of_equity_against_large_debt_is_valued_not_a_crash() -> None:
    a = _anchor(E=1e-6, D=50.0, C=0.0)
    v = value_going_concern(a, [[50.0]], [[0.0]], R, T, 0.09, G, [[0.0]], 0.63)
    assert 0 < float(v.equity_value[0, 0]) < 1e-5
    assert np.isfinite(v.distance_to_default[0, 0]) and np.isfinite(v.credit_spread[0, 0])


def test_cancelled_backlog_is_priced_at_the_cancellation_coefficient() -> None:
    """A dollar of backlog cancelled moves the enterprise value by the market's cancellation
    coefficient (-0.45), not by the announcement one (0.63) it would move by as backlog run down."""
    a = _anchor()
    base = value_going_concern(a, [[50.0]], [[10.0]], R, T, 0.09, G, [[0.0]], 0.63)
    ev = float(base.enterprise_value[0, 0])
    # 20 of backlog gone: run down as delivered (no cancellation) vs cancelled
    run_down = value_going_concern(
        a, [[50.0]], [[10.0]], R, T, 0.09, G, [[-20.0]], 0.63, cancelled=[[0.0]], cancel_value=-0.45
    )
    cancelled = value_going_concern(
        a, [[50.0]], [[10.0]], R, T, 0.09, G, [[-20.0]], 0.63, cancelled=[[20.0]], cancel_value=-0.45
    )
    assert float(run_down.enterprise_value[0, 0]) == pytest.approx(ev - 0.63 * 20.0)
    assert float(cancelled.enterprise_value[0, 0]) == pytest.approx(ev - 0.45 * 20.0)
