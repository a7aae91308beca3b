"""The stress test's loss decomposition: parts sum to the total, zero shock, monotone shocks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import circularity
from circularity.stress import stress_test
from circularity.stress.losses import LOSS_PARTS, decompose_losses
from circularity.valuation import merton_equity, solve_merton


@pytest.fixture(scope="module")
def ai_ledger() -> circularity.Ledger:
    return circularity.load("ai", as_of="2026-11-22")


def _two_firms(contract_lost: float, D: float, refinancing_years: float = 3.0) -> Any:
    fit = solve_merton(np.array([100.0, 50.0]), 0.4, np.array([D, 0.0]), 0.04, 1.0)
    return decompose_losses(
        E0=np.array([100.0, 50.0]),
        V0=fit.V,
        sigma_V=fit.sigma_V,
        D=np.array([D, 0.0]),
        r=0.04,
        T=1.0,
        H=np.array([[0.0, 0.1], [0.0, 0.0]]),
        contract_lost=np.array([[contract_lost, 0.0]]),
        credit_lost=np.zeros((1, 2)),
        margin=np.array([0.5, 0.3]),
        capacity_share=np.array([0.2, 0.0]),
        relet_recovery=0.5,
        tax_rate=0.2,
        pv_factor=np.array([0.8, 0.8]),
        shock=np.array([[0.0, 0.5]]),
        shock_strike=np.array([0.0, 80.0]),
        refinancing_years=refinancing_years,
    )


def test_an_unlevered_firm_loses_exactly_its_asset_losses() -> None:
    p = _two_firms(contract_lost=40.0, D=0.0)
    assert p.lost_margin[0, 0] == pytest.approx(0.3 * 0.8 * 0.8 * 40.0)  # (m - c)(1 - tax) PV
    assert p.stranded_assets[0, 0] == pytest.approx(0.2 * 0.5 * 40.0)  # c (1 - relet)
    own = 50.0 - float(merton_equity(40.0, 0.4, 80.0, 0.04, 1.0))  # assets = half of 80 owed
    assert p.own_loss[0, 1] == pytest.approx(own)
    assert p.stake_losses[0, 0] == pytest.approx(0.1 * own)
    assert p.discount_rate_effect[0, 0] == pytest.approx(0.0, abs=1e-9)


def test_creditors_share_a_levered_firms_loss() -> None:
    p = _two_firms(contract_lost=200.0, D=150.0, refinancing_years=0.0)
    asset_losses = p.lost_margin + p.stranded_assets + p.stake_losses + p.credit_losses
    assert p.total[0, 0] < asset_losses[0, 0]  # limited liability: debt holders absorb part
    assert p.discount_rate_effect[0, 0] < 0
    dearer = _two_firms(contract_lost=200.0, D=150.0, refinancing_years=3.0)
    assert dearer.discount_rate_effect[0, 0] > p.discount_rate_effect[0, 0]  # wider spread on refinancing
    assert p.credit_spread_after[0, 0] > p.credit_spread_before[0, 0]
    assert p.distance_to_default_after[0, 0] < p.distance_to_default_before[0, 0]


def test_parts_sum_to_the_total_on_the_ai_web(ai_ledger: circularity.Ledger) -> None:
    r = stress_test([{"openai": 0.5}, {"openai": 0.0}, {"oracle": 0.3}], ledger=ai_ledger)
    for s in range(3):
        f = r.to_frame(s)
        known = f["market_value_before"].notna()
        parts = f.loc[known, list(LOSS_PARTS)].sum(axis=1)
        total = f.loc[known, "market_value_before"] - f.loc[known, "market_value_after"]
        np.testing.assert_allclose(parts, total, atol=1e-6)
        t = r.totals(s)
        assert sum(t[p] for p in LOSS_PARTS) == pytest.approx(
            t["market_value_before"] - t["market_value_after"]
        )


def test_no_entity_with_a_value_is_silently_zero(ai_ledger: circularity.Ledger) -> None:
    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    f = r.to_frame().set_index("entity")
    for e in ("coreweave", "meta", "amd"):  # no market cap in the ledger: valued from revenue
        assert f.loc[e, "market_value_before"] > 0
        assert "median market value/revenue" in f.loc[e, "value_method"]
    excluded = {x["entity"] for x in r.excluded_unknown_value()}
    assert "cerebras" in excluded and r.totals()["excluded_unknown_value"] == len(excluded)
    assert not np.isfinite(f.loc["cerebras", "market_value_before"])


@settings(max_examples=12, deadline=None)
@given(st.floats(0, 1), st.floats(0, 1), st.sampled_from(["openai", "oracle", "coreweave"]))
def test_a_bigger_shock_never_raises_a_value(
    ai_ledger: circularity.Ledger, a: float, b: float, who: str
) -> None:
    lo, hi = sorted((a, b))  # shock sizes: the share left unpaid
    r = stress_test([{who: 1.0 - lo}, {who: 1.0 - hi}], ledger=ai_ledger)
    after = np.nan_to_num(r.losses.value_after, nan=0.0)
    assert np.all(after[1] <= after[0] + 1e-7)
    assert np.all(after <= np.nan_to_num(r.losses.value_before, nan=0.0) + 1e-7)


def test_a_zero_shock_changes_nothing(ai_ledger: circularity.Ledger) -> None:
    r = stress_test([{"openai": 1.0}, {}], ledger=ai_ledger)
    np.testing.assert_array_equal(r.losses.value_after[0], r.losses.value_after[1])
    np.testing.assert_array_equal(
        np.nan_to_num(r.losses.value_after[0]), np.nan_to_num(r.losses.value_before[0])
    )


def test_an_entity_of_unknown_value_with_debt_adds_no_spread_and_no_warning() -> None:
    """The spread before a shock is infinite for an entity whose value is unknown (its assets held
    at 0) and for one whose debt is already worthless; it cannot widen, and inf - inf must never be
    taken (the RuntimeWarning ``stress --dataset telecom`` gave on Iridium: value unknown, debt 3)."""
    fit = solve_merton(np.array([100.0, 50.0]), 0.4, np.array([60.0, 0.0]), 0.04, 1.0)

    def run(with_unknown: bool) -> Any:
        k = 3 if with_unknown else 2
        pad = (lambda a, v: np.append(a, v)) if with_unknown else (lambda a, v: a)
        return decompose_losses(
            E0=pad(np.array([100.0, 50.0]), np.nan),
            V0=pad(fit.V, np.nan),
            sigma_V=pad(fit.sigma_V, np.nan),
            D=pad(np.array([60.0, 0.0]), 3.0),
            H=np.zeros((k, k)),
            contract_lost=np.array([pad(np.array([40.0, 0.0]), 5.0)]),
            credit_lost=np.array([pad(np.zeros(2), 1.0)]),
            margin=pad(np.array([0.5, 0.3]), 0.5),
            capacity_share=np.zeros(k),
            pv_factor=np.full(k, 0.8),
            shock=np.array([pad(np.array([0.0, 0.5]), 0.0)]),
            shock_strike=pad(np.array([0.0, 80.0]), 0.0),
            r=0.04,
            T=1.0,
            relet_recovery=0.5,
            tax_rate=0.2,
            refinancing_years=3.0,
        )

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        alone, both = run(False), run(True)
    assert alone.discount_rate_effect[0, 0] > 0.0  # the known levered firm's spread does widen
    for part in LOSS_PARTS:
        a, b = getattr(alone, part), getattr(both, part)
        np.testing.assert_allclose(b[:, :2], a)  # the unknown entity changes nothing for the others
        assert np.isnan(b[0, 2])  # and its own losses are unknown, never 0


def test_a_cancelled_dollar_is_priced_at_the_markets_coefficient() -> None:
    """With the market's price of a dollar cancelled (0.45), an unlevered firm loses 0.45 per dollar
    of contract lost: stranded capacity (0.2 x (1 - 0.5) = 0.1 a dollar) and lost margin the rest."""
    fit = solve_merton(np.array([100.0, 50.0]), 0.4, np.array([0.0, 0.0]), 0.04, 1.0)
    p = decompose_losses(
        E0=np.array([100.0, 50.0]),
        V0=fit.V,
        sigma_V=fit.sigma_V,
        D=np.zeros(2),
        r=0.04,
        T=1.0,
        H=np.zeros((2, 2)),
        contract_lost=np.array([[40.0, 0.0]]),
        credit_lost=np.zeros((1, 2)),
        margin=np.array([0.5, 0.3]),
        capacity_share=np.array([0.2, 0.0]),
        relet_recovery=0.5,
        tax_rate=0.2,
        pv_factor=np.array([0.8, 0.8]),
        shock=np.zeros((1, 2)),
        shock_strike=np.zeros(2),
        refinancing_years=3.0,
        news_price=0.45,
    )
    assert p.stranded_assets[0, 0] == pytest.approx(0.1 * 40.0)
    assert p.lost_margin[0, 0] == pytest.approx((0.45 - 0.1) * 40.0)
    assert p.total[0, 0] == pytest.approx(0.45 * 40.0)


def test_the_stress_test_prices_lost_contracts_at_the_fitted_cancellation_coefficient(
    ai_ledger: circularity.Ledger,
) -> None:
    """Lost contract receipts are cancelled backlog: an unlevered entity with no stakes (Broadcom)
    loses the pooled 'cancelled' coefficient of ``reactions --fit`` per dollar (not the announced
    one), and the total's range follows the fit's 90% interval."""
    from circularity.analytics.backlog_value import fit_reactions

    t = fit_reactions(ai_ledger)[0].table
    row = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == "cancelled")].iloc[0]
    ann = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == "announced")].iloc[0]
    assert row["method"].startswith("fit") and row["coefficient"] < 0
    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    f = r.to_frame().set_index("entity")
    contract = f.loc["broadcom", "receipts_lost"]
    assert contract > 0
    op = f.loc["broadcom", "lost_margin"] + f.loc["broadcom", "stranded_assets"]
    assert op == pytest.approx(-row["coefficient"] * contract, rel=1e-9)
    assert op != pytest.approx(ann["coefficient"] * contract, rel=1e-3)
    tot = r.totals()
    assert tot["market_value_lost_low"] < tot["market_value_lost"] < tot["market_value_lost_high"]
    assert r.news_price["value_per_dollar_cancelled"] == pytest.approx(row["coefficient"])


@pytest.mark.parametrize("shock", [0.5, 0.0])  # OpenAI pays half; OpenAI fails outright
def test_every_entity_that_loses_receipts_loses_value(ai_ledger: circularity.Ledger, shock: float) -> None:
    """No entity silently at zero: every entity of known value that loses contract receipts loses
    market value on them (Microsoft's lost margin was 0 under the margin rule: its margin net of
    the capacity's cost was below zero)."""
    r = stress_test({"openai": shock}, ledger=ai_ledger)
    f = r.to_frame()
    contract = f["receipts_lost"] - r.credit_receipts_lost[0][r.row_order()]
    hit = f["market_value_before"].notna() & (contract > 1e-6) & ~f["defaulted"]
    assert hit.sum() >= 5
    op = (f["lost_margin"] + f["stranded_assets"])[hit]
    assert (op > 0).all(), f.loc[hit & ~(f["lost_margin"] + f["stranded_assets"] > 0), "entity"].tolist()


def test_the_total_counts_each_firms_fall_once(ai_ledger: circularity.Ledger) -> None:
    """Market value lost is each entity's fall in its own value (the projection's definition):
    the stakes Microsoft, Nvidia and Amazon lose on OpenAI are OpenAI's fall passed on, reported
    apart as transfers, not added a second time."""
    from circularity.valuation.market_value import market_value_lost

    r = stress_test({"openai": 0.5}, ledger=ai_ledger)
    t = r.totals()
    assert t["stake_transfers"] > 100.0  # USD bn: Microsoft alone holds 27% of OpenAI
    assert t["market_value_lost"] == pytest.approx(t["market_value_lost_gross"] - t["stake_transfers"])
    assert t["market_value_lost_gross"] == pytest.approx(sum(t[p] for p in LOSS_PARTS))
    v = market_value_lost(r.losses.value_before, r.losses.value_after, r.holdings)
    assert t["market_value_lost"] == pytest.approx(float(v.lost[0]))
