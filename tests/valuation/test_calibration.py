"""Value per dollar of backlog fitted from market reactions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from circularity.errors import LedgerError
from circularity.valuation import fit_backlog_value, reaction_points

PRIORS = {"announced": (0.5, "assumption: test prior"), "cancelled": (-0.5, "assumption: test prior")}


def _deals(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [f"D{i}" for i in range(n)],
            "kind": "compute",
            "payer": "lab",
            "payee": [("cloud", "chips")[i % 2] for i in range(n)],
            "amount_usd_bn": np.linspace(10.0, 300.0, n),
            "announced": "2025-09-01",
        }
    )


def test_recovers_known_coefficients_from_synthetic_reactions() -> None:
    rng = np.random.default_rng(7)
    deals = _deals(40)
    truth = {"cloud": 0.8, "chips": 1.6}
    noise = rng.normal(0.0, 2.0, 40)
    change = [truth[p] * a + e for p, a, e in zip(deals.payee, deals.amount_usd_bn, noise, strict=True)]
    reactions = pd.DataFrame(
        {
            "date": "2025-09-02",
            "entity": deals.payee,
            "deal": deals.id,
            "event": "deal announced",
            "market_cap_change_usd_bn": change,
        }
    )
    kinds = {"cloud": "hyperscaler", "chips": "chipmaker", "lab": "lab"}
    points, excluded = reaction_points(reactions, deals, kinds, {})
    assert len(points) == 40 and excluded.empty
    fit = fit_backlog_value(points, PRIORS, level=0.99)
    for entity, cls in (("cloud", "hyperscaler"), ("chips", "chipmaker")):
        row = fit.table[(fit.table["class"] == cls) & (fit.table["period"] == "2025")].iloc[0]
        assert row["method"] == "fit" and row["n"] == 20
        assert row["low"] < truth[entity] < row["high"]
        assert row["coefficient"] == pytest.approx(truth[entity], abs=0.02)
    assert np.isfinite(fit.points["residual"]).all()


def test_recovers_announced_and_cancelled_coefficients_apart() -> None:
    """Announcements gain 0.7 a dollar, cancellations lose 0.4 a dollar: the pooled fit recovers
    each direction on its own (the stress test and projection price cancellations at the second)."""
    rng = np.random.default_rng(11)
    deals = _deals(40)
    cancelled = np.arange(40) >= 20
    truth = np.where(cancelled, -0.4, 0.7)
    change = truth * deals.amount_usd_bn.to_numpy() + rng.normal(0.0, 2.0, 40)
    reactions = pd.DataFrame(
        {
            "date": "2025-09-02",
            "entity": deals.payee,
            "deal": deals.id,
            "event": np.where(cancelled, "contract cancelled", "deal announced"),
            "market_cap_change_usd_bn": change,
        }
    )
    kinds = {"cloud": "hyperscaler", "chips": "chipmaker", "lab": "lab"}
    points, _ = reaction_points(reactions, deals, kinds, {})
    fit = fit_backlog_value(points, PRIORS, level=0.99)
    t = fit.table
    for direction, b in (("announced", 0.7), ("cancelled", -0.4)):
        row = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == direction)].iloc[0]
        assert row["method"].startswith("fit") and row["n"] == 20
        assert row["low"] < b < row["high"]
        assert row["coefficient"] == pytest.approx(b, abs=0.02)


def test_too_few_points_fall_back_to_a_named_prior() -> None:
    deals = _deals(2)
    reactions = pd.DataFrame(
        {
            "date": "2025-09-02",
            "entity": deals.payee,
            "deal": deals.id,
            "event": "announced",
            "market_cap_change_usd_bn": [5.0, 50.0],
        }
    )
    points, _ = reaction_points(reactions, deals, {"cloud": "hyperscaler", "chips": "chipmaker"}, {})
    fit = fit_backlog_value(points, PRIORS)
    assert fit.table["coefficient"].notna().all()
    cells = fit.table[fit.table["class"] != "all"]
    assert cells["method"].str.startswith("prior: assumption: test prior").all()
    assert set(cells["coefficient"]) == {0.5}


def test_contradicting_dollar_and_percentage_moves_are_refused() -> None:
    deals = _deals(1)
    reactions = pd.DataFrame(
        {
            "date": ["2025-09-02"],
            "entity": ["cloud"],
            "deal": ["D0"],
            "event": ["announced"],
            "market_cap_change_usd_bn": [244.0],
            "pct_change": [10.0],
            "market_cap_before_usd_bn": [678.0],
        }
    )
    with pytest.raises(LedgerError, match=r"reactions.csv:1: market_cap_change_usd_bn: 244 contradicts"):
        reaction_points(reactions, deals, {"cloud": "hyperscaler"}, {}, file="reactions.csv")
    reactions.loc[0, "pct_change"] = 36.0  # 36% of 678 = 244: consistent
    points, _ = reaction_points(reactions, deals, {"cloud": "hyperscaler"}, {})
    assert points["value_change_usd_bn"].tolist() == [244.0]
