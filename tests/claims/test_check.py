"""Each claim's computation against its published figure, verdicts, and what changes them."""

from __future__ import annotations

import math

import pytest

import circularity
from circularity.claims import VERDICTS, check_claims, load_registry
from circularity.ledger import Financial

AS_OF = "2026-06-30"

#: Verdicts on the bundled dataset as of AS_OF. A change here is a change in the data or the
#: registry and must be explained in the commit.
EXPECTED = {
    "alibaba-capex-ebitda": "holds",
    "alphabet-capex-ebitda": "holds",
    "alibaba-capex-ebita-sep-2025": "holds",
    "oracle-fy2025-negative-fcf": "holds",
    "amazon-2026-capex-above-ocf": "holds",
    "cahn-200b-question": "holds",
    "cahn-2023-hole": "holds",
    "cahn-600b-question": "holds",
    "cahn-2024-hole": "holds",
    "cahn-840b-question": "not computable",
    "bain-2t-revenue": "holds",
    "bain-800b-shortfall": "holds",
    "jpm-650b-per-year": "does not hold",
    "jpm-per-iphone-user": "does not hold",
    "jpm-per-netflix-subscriber": "holds",
    "ms-2-9t-capex": "holds",
    "ms-1-5t-gap": "holds",
    "ms-1-5t-by-source": "holds",
    "ms-private-credit-majority": "holds",
    "ms-us-power-shortfall": "holds",
    "hsbc-openai-revenue-2030": "holds",
    "hsbc-207b-gap": "does not hold",
    "hsbc-217b-with-buffer": "does not hold",
    "openai-burn-115b-2025-2029": "holds",
    "openai-burn-80b-above-earlier-plan": "holds",
    "openai-burn-111b-more-2026-plan": "holds",
    "openai-cash-positive-2030": "holds",
    "openai-commitments-vs-revenue": "holds",
    "openai-annualized-revenue-13b": "does not hold",
    "tunguz-seed-nvidia-67pct": "holds",
    "tunguz-seed-lucent-24pct": "holds",
    "tunguz-seed-2-8x": "holds",
    "tunguz-thread-nvidia-85pct": "holds",
    "tunguz-thread-lucent-20pct": "holds",
    "tunguz-thread-4x": "holds",
    "nvidia-vendor-financing-post-loi": "holds",
    "hyperscaler-ocf-2024": "holds",
    "nvidia-openai-10b-per-gw": "holds",
    "nvidia-openai-29pct-recycled": "holds",
    "nvidia-openai-loi-live": "does not hold",
    "microsoft-rpo-openai-281b": "holds",
    "oracle-openai-60b-per-year": "holds",
    "amd-warrant-96b": "holds",
    "microsoft-stake-135b": "holds",
    "big-tech-crash-if-openai-fails": "does not hold",
    "three-firms-lose-1t-if-openai-fails": "does not hold",
    "us-market-cap-21t-since-chatgpt": "not computable",
    "top11-cloud-capex-620b": "not computable",
    "macrostrategy-17x-dotcom": "not computable",
    # the web as known in July 2026 (update-2026.md)
    "openai-round-122b": "holds",
    "openai-post-money-852b": "holds",
    "openai-q1-2026-revenue-5-7b": "holds",
    "openai-q1-2026-burn-3-7b": "holds",
    "openai-q1-2026-operating-loss-exceeds-revenue": "holds",
    "oracle-rpo-638b": "holds",
    "oracle-rpo-customer-funded-75b": "holds",
    "coreweave-backlog-99-4b": "holds",
    "coreweave-backlog-12-years-of-revenue": "holds",
    "coreweave-interest-26pct-of-revenue": "not computable",
    "broadcom-june-2026-250b-lost": "holds",
    "backlog-value-fell-2025-to-2026": "holds",
    "hyperscaler-bonds-2026-above-2025": "holds",
    "openai-aws-100b-not-138b": "holds",
    "meta-coreweave-35-2b": "holds",
    "openai-commitments-vs-revenue-at-horizon": "does not hold",
}


@pytest.fixture(scope="module")
def result():
    return check_claims(circularity.load("ai", as_of=AS_OF))


def test_every_claim_has_an_expected_verdict():
    assert {c.id for c in load_registry().claims} == set(EXPECTED)


@pytest.mark.parametrize("claim_id", sorted(EXPECTED))
def test_claim_verdict_and_published_figure(result, claim_id):
    r = result.result(claim_id)
    c = load_registry().claim(claim_id)
    assert r.verdict == EXPECTED[claim_id], r.reason
    assert r.reason
    if r.verdict == "not computable":
        assert r.computed is None
        return
    assert r.computed is not None and math.isfinite(r.computed)
    assert r.inputs, "a computed figure must name its inputs"
    allowed = c.tolerance.allowed(c.claimed) + 1e-9
    if c.compare == "at_least":
        reproduced = r.computed >= c.claimed - allowed
    elif c.compare == "at_most":
        reproduced = r.computed <= c.claimed + allowed
    else:
        reproduced = abs(r.computed - c.claimed) <= allowed
    assert reproduced == (r.verdict == "holds"), (r.computed, c.claimed, c.tolerance)


@pytest.mark.parametrize(
    ("claim_id", "value"),
    [
        ("alibaba-capex-ebitda", 38.676 / 45.735),
        ("alphabet-capex-ebitda", 22.446 / (31.271 + 4.998)),
        ("cahn-2024-hole", 530.0),
        ("jpm-650b-per-year", 500.0),
        ("jpm-per-iphone-user", 650 / (12 * 1.5)),
        ("jpm-per-netflix-subscriber", 650 / (12 * 0.3)),
        ("openai-burn-115b-2025-2029", 116.0),
        ("openai-burn-111b-more-2026-plan", 110.0),
        ("tunguz-seed-2-8x", (125 / 187.1) / (8.1 / 33.8)),
        ("tunguz-thread-4x", (110 / 130.5) / (8.1 / 37.92)),
        # + 2: Nvidia's $2B into Nebius (D78, 2026 update)
        ("nvidia-vendor-financing-post-loi", (30 + 6.3 + 2 + 10 + 5 + 2) / 215.9),
        ("nvidia-openai-29pct-recycled", 10 / 35),
        ("microsoft-rpo-openai-281b", 0.45 * 625),
        ("hsbc-openai-revenue-2030", 129 * 0.56 + 386 * 0.37),
    ],
)
def test_hand_computed_figures(result, claim_id, value):
    assert result.result(claim_id).computed == pytest.approx(value, rel=1e-12)


def test_counts_and_frame(result):
    counts = result.counts()
    assert set(counts) == set(VERDICTS) and sum(counts.values()) == len(EXPECTED)
    frame = result.to_frame()
    assert list(frame.columns[:8]) == [
        "id",
        "claim",
        "source",
        "formula",
        "computed",
        "claimed",
        "unit",
        "tolerance",
    ]
    assert len(frame) == len(EXPECTED)
    assert (
        "financial(alibaba capex 2025-06-30) = 38.676 RMB_bn"
        in frame.set_index("id").loc["alibaba-capex-ebitda", "inputs"]
    )


def test_the_loi_was_live_before_it_was_superseded():
    before = check_claims(circularity.load("ai", as_of="2025-12-31"), ids=["nvidia-openai-loi-live"])
    assert before.result("nvidia-openai-loi-live").verdict == "holds"
    after = check_claims(circularity.load("ai", as_of=AS_OF), ids=["nvidia-openai-loi-live"])
    r = after.result("nvidia-openai-loi-live")
    assert r.verdict == "does not hold" and r.computed == 0.0
    assert "D01 is superseded (by D03)" in r.reason


def test_a_claim_is_not_computable_before_its_deal_was_announced():
    r = check_claims(circularity.load("ai", as_of="2025-01-01"), ids=["oracle-openai-60b-per-year"])
    assert r.results[0].verdict == "not computable"
    assert "deal D10 is not in the ledger as of 2025-01-01" in r.results[0].reason


def test_removing_a_financial_input_makes_the_claim_not_computable(ai_ledger):
    records = dict(ai_ledger.records)
    records["financials"] = tuple(
        f
        for f in records["financials"]
        if not (isinstance(f, Financial) and f.entity == "alibaba" and f.metric == "capex")
    )
    ledger = type(ai_ledger)(records=records, meta=ai_ledger.meta, as_of=ai_ledger.as_of)
    r = check_claims(ledger, ids=["alibaba-capex-ebitda"]).results[0]
    assert r.verdict == "not computable" and r.computed is None
    assert r.reason.startswith("missing input: no financial 'alibaba capex 2025-06-30'")


def test_removing_a_published_input_makes_dependent_claims_not_computable(ai_ledger, registry):
    reg = registry.without_assumption("cahn_2024.gpu_runrate")
    result = check_claims(ai_ledger, ids=["cahn-600b-question", "cahn-2024-hole"], registry=reg)
    assert [r.verdict for r in result.results] == ["not computable", "not computable"]
    assert "no published assumption 'cahn_2024.gpu_runrate'" in result.results[0].reason
    assert "depends on claim 'cahn-600b-question'" in result.results[1].reason


def test_ids_limit_the_check_and_unknown_ids_raise(ai_ledger):
    assert [r.id for r in check_claims(ai_ledger, ids=["ms-1-5t-gap"]).results] == ["ms-1-5t-gap"]
    with pytest.raises(KeyError, match="unknown claim 'nope'"):
        check_claims(ai_ledger, ids=["nope"])


def test_small_ledger_capex_ratio(registry, fin, small_ledger):
    ledger = small_ledger(
        [
            fin("alibaba", "capex", "Jun-Q 2025", "2025-06-30", 10.0, "RMB_bn"),
            fin("alibaba", "adjusted_ebitda", "Jun-Q 2025", "2025-06-30", 20.0, "RMB_bn"),
        ]
    )
    r = check_claims(ledger, ids=["alibaba-capex-ebitda"], registry=registry).results[0]
    assert r.computed == 0.5 and r.verdict == "does not hold"
    assert "off by -0.346" in r.reason


def test_package_exports_check_claims():
    assert circularity.check_claims is check_claims
