"""The claims of the 2026 update (update-2026.md), computed from the records: their figures by
hand, what the March web could not compute, and the claims re-checked at the knowledge horizon."""

from __future__ import annotations

import pytest

import circularity
from circularity.claims import check_claims
from circularity.claims.formulas import COMPUTATIONS, ClaimContext, NotComputable

HORIZON = "2026-07-03"
MARCH = "2026-03-31"

NEW = (
    "openai-round-122b",
    "openai-post-money-852b",
    "openai-q1-2026-revenue-5-7b",
    "openai-q1-2026-burn-3-7b",
    "openai-q1-2026-operating-loss-exceeds-revenue",
    "oracle-rpo-638b",
    "oracle-rpo-customer-funded-75b",
    "coreweave-backlog-99-4b",
    "coreweave-backlog-12-years-of-revenue",
    "coreweave-interest-26pct-of-revenue",
    "broadcom-june-2026-250b-lost",
    "backlog-value-fell-2025-to-2026",
    "hyperscaler-bonds-2026-above-2025",
    "openai-aws-100b-not-138b",
    "meta-coreweave-35-2b",
    "openai-commitments-vs-revenue-at-horizon",
)


@pytest.fixture(scope="module")
def july():
    return check_claims(circularity.load("ai", as_of=HORIZON), ids=list(NEW))


@pytest.fixture(scope="module")
def march():
    return check_claims(circularity.load("ai", as_of=MARCH), ids=list(NEW))


# 2025 announcements: Oracle 244/300 (median); 2026: AMD 8.8% x 320 on D65's $80B, Nebius 14% x 32 on
# D74's $27B (the median of two is their mean).
_MEDIAN_2026 = (0.088 * 320 / 80 + 0.14 * 32 / 27) / 2


@pytest.mark.parametrize(
    ("claim_id", "value"),
    [
        ("openai-round-122b", 30 + 50 + 30 + 12),
        ("openai-post-money-852b", 852),
        ("openai-q1-2026-burn-3-7b", 3.7),
        ("openai-q1-2026-operating-loss-exceeds-revenue", 9.3 / 5.7),
        ("oracle-rpo-customer-funded-75b", 75),
        ("coreweave-backlog-99-4b", 99.4 - 66.8),
        ("coreweave-backlog-12-years-of-revenue", 99.4 / (4 * 2.08)),
        ("broadcom-june-2026-250b-lost", 300),
        ("backlog-value-fell-2025-to-2026", _MEDIAN_2026 / (244 / 300)),
        # 2026 to May: Alphabet D70 20 + Amazon D71 15.7 + Meta D72 25; 2025: Meta D26 30 + Oracle D27 18
        ("hyperscaler-bonds-2026-above-2025", (20 + 15.7 + 25) / (30 + 18)),
        ("openai-aws-100b-not-138b", 100),  # D15 superseded by D50: 0 + 100, not 38 + 100
        ("meta-coreweave-35-2b", 14.2 + 21),
        ("openai-commitments-vs-revenue-at-horizon", 1400 / 24),
    ],
)
def test_hand_computed_figures(july, claim_id, value) -> None:
    assert july.result(claim_id).computed == pytest.approx(value, rel=1e-9)


def test_the_march_web_cannot_compute_the_update(march) -> None:
    for cid in NEW:
        r = march.result(cid)
        if cid == "openai-commitments-vs-revenue-at-horizon":
            # the March web's latest run-rate is February's $25B
            assert r.computed == pytest.approx(1400 / 25) and r.verdict == "does not hold"
            continue
        assert r.verdict == "not computable", (cid, r.computed)


def test_march_claims_rechecked_at_the_horizon() -> None:
    ids = [
        "openai-commitments-vs-revenue",
        "openai-annualized-revenue-13b",
        "nvidia-vendor-financing-post-loi",
    ]
    march = check_claims(circularity.load("ai", as_of=MARCH), ids=ids)
    july = check_claims(circularity.load("ai", as_of=HORIZON), ids=ids)
    # FY2025 revenue ($13.07B) is known from the June-2026 leak: computable only on the July web
    assert march.result(ids[0]).verdict == "not computable"
    assert july.result(ids[0]).computed == pytest.approx(1400 / 13.07)
    # the latest run-rate moved from February's $25B to March's $24B
    assert (march.result(ids[1]).computed, july.result(ids[1]).computed) == (25, 24)
    # + Nvidia's $2B into Nebius (D78)
    assert july.result(ids[2]).computed - march.result(ids[2]).computed == pytest.approx(2 / 215.9)


def test_new_computations_say_what_is_missing() -> None:
    ctx = ClaimContext(ledger=circularity.load("ai", as_of=HORIZON), assumptions={})
    with pytest.raises(NotComputable, match="no 'reaction"):
        COMPUTATIONS["reaction"](ctx, "broadcom", "2026-06-04")
    with pytest.raises(NotComputable, match="reaction field"):
        COMPUTATIONS["reaction"](ctx, "broadcom", "2026-06-03", "notes")
    with pytest.raises(NotComputable, match="no backlog announcement"):
        COMPUTATIONS["backlog_value"](ctx, 2024.0)
    with pytest.raises(NotComputable, match="no bond deal of a hyperscaler"):
        COMPUTATIONS["issued"](ctx, "bond", "hyperscaler", "2024-01-01", "2024-12-31")
    fig = COMPUTATIONS["backlog_value"](ctx, 2025.0)
    assert fig.value == pytest.approx(244 / 300) and "oracle D10" in fig.notes[0]
