"""Flow graph, vendor financing, the Lucent comparison and financial ratios on the AI ledger."""

from __future__ import annotations

import pandas as pd
import pytest

import circularity
from circularity.analytics import (
    attribute_deals,
    financial_ratios,
    find_circulation,
    flow_graph,
    lucent_comparison,
    vendor_financing,
)


@pytest.fixture(scope="module")
def ledger():
    return circularity.load(dataset="ai")


def deal_frame(**overrides):
    row = {
        "id": "X1",
        "kind": "compute",
        "payer": "a",
        "payee": "b",
        "amount_usd_bn": 100.0,
        "amount_low_usd_bn": None,
        "amount_high_usd_bn": None,
        "announced": None,
        "start": "2027",
        "end": None,
        "term_years": 5.0,
        "status": "signed",
        "confidence": "confirmed",
    }
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize(
    ("overrides", "window", "expected"),
    [
        ({}, (2025, 2030), 80.0),  # 2027-2031 flat: 4 of 5 years fall in the window
        ({}, (2031, 2040), 20.0),
        ({}, None, 100.0),
        ({"kind": "equity"}, (2025, 2030), 100.0),  # equity moves in full at its start
        ({"kind": "equity", "start": "2019"}, (2025, 2030), 0.0),
        ({"term_years": None}, (2025, 2030), 100.0),  # a stream with no term: at its start
        ({"term_years": None, "end": "2028"}, (2025, 2030), 100.0),  # 2027-2028 inside
        ({"term_years": None, "start": "2029", "end": "2032"}, (2025, 2030), 50.0),
        (
            {
                "amount_usd_bn": None,
                "amount_low_usd_bn": 30.0,
                "amount_high_usd_bn": 90.0,
                "kind": "hardware",
                "term_years": None,
            },
            (2025, 2030),
            60.0,
        ),
        ({"start": "2026-H2", "term_years": 1.0}, (2026, 2026), pytest.approx(50.0, abs=0.5)),
    ],
)
def test_attribution_rule(overrides, window, expected):
    out = attribute_deals(deal_frame(**overrides), window)
    assert out["attributed"].iloc[0] == pytest.approx(expected)


def test_unpriced_deal_is_left_out_and_named():
    out = attribute_deals(deal_frame(amount_usd_bn=None), (2025, 2030))
    assert pd.isna(out["attributed"].iloc[0]) and out["amount_basis"].iloc[0] == "no dollar figure"


def test_flow_graph_of_the_ai_web(ledger):
    g = flow_graph(ledger, window=(2025, 2030))
    edges = {(e.source, e.target): e for e in g.edges}
    assert edges[("openai", "oracle")].amount == pytest.approx(240.0)  # $300B 2027-31, 4/5
    assert edges[("openai", "oracle")].deal_ids == ("D10",)
    assert set(edges[("openai", "microsoft")].deal_ids) == {"D12", "D14"}
    all_ids = {d for e in g.edges for d in e.deal_ids}
    assert not {"D01", "D02"} & all_ids  # superseded
    assert "D13" not in all_ids  # Microsoft's 2019 funding lies before the window
    assert g.node_attributes["openai"]["name"] == "OpenAI"
    assert g.graph_attributes["window"] == "2025:2030"
    assert "D11" in g.graph_attributes["unpriced_deals"]
    # The 2026 update: D15 ($38B) and D06 (no $) are superseded by D50, AWS $100B over 8 years.
    assert not {"D06", "D15"} & all_ids and "D50" in all_ids


def test_flow_graph_filters(ledger):
    confirmed = flow_graph(ledger, min_confidence="confirmed")
    assert all(
        ledger.deals.set_index("id").loc[d, "confidence"] == "confirmed"
        for e in confirmed.edges
        for d in e.deal_ids
    )
    only_equity = flow_graph(ledger, kinds=["equity"])
    kinds = ledger.deals.set_index("id")["kind"]
    assert {kinds[d] for e in only_equity.edges for d in e.deal_ids} == {"equity"}
    with pytest.raises(ValueError, match="min_confidence"):
        flow_graph(ledger, min_confidence="sure")


def test_circulation_of_the_ai_web_is_traceable(ledger):
    r = find_circulation(flow_graph(ledger))
    assert 0 < r.circulating_volume < r.total_volume
    assert r.cycles.volume == pytest.approx(r.circulating_volume)
    deal_ids = set(ledger.deals["id"])
    for cycle in r.cycles:
        assert all(set(ids) <= deal_ids and ids for ids in cycle.deal_ids)
    top = r.cycles[0]
    # Since the 2026 update the largest loop is Amazon's: $50B equity (D04, $45B of it in the
    # window) against OpenAI's $100B AWS commitment (D50).
    assert set(top.entities) == {"amazon", "openai"} and top.amount == pytest.approx(45.0)
    amd = next(c for c in r.cycles if set(c.entities) == {"amd", "openai"})
    assert amd.amount == pytest.approx(34.0)  # the warrant loop: D09 against D08


def test_vendor_financing_amd(ledger):
    # Since the 2026 update AMD also finances Meta (warrant D66 against D65); OpenAI's figures here.
    assert vendor_financing(ledger, "amd", (2025, 2030)).customers == ("meta", "openai")
    vf = vendor_financing(ledger, "amd", (2025, 2030), customers=["openai"])
    assert vf.customers == ("openai",)
    assert vf.financing == pytest.approx(34.0)  # warrant valued at grant
    assert vf.purchases == pytest.approx(60.0)  # midpoint of the $30-90B range
    assert vf.ratio_to_purchases == pytest.approx(34.0 / 60.0)
    assert vf.ratio_to_revenue == pytest.approx(34.0 / vf.revenue)
    assert vf.revenue_period == "FY2025"
    assert "valued at grant" in vf.definition
    assert vf.to_frame().loc["amd", "financing_deals"] == "D09"


def test_vendor_financing_without_customers_says_why(ledger):
    vf = vendor_financing(ledger, "nvidia")
    assert vf.customers == () and vf.ratio_to_revenue is None
    assert "customers=" in vf.note
    named = vendor_financing(ledger, "nvidia", customers=["openai", "anthropic"])
    assert named.financing == pytest.approx(40.0)  # D03 30 + D35 10
    assert set(named.financing_deals) == {"D03", "D35"}


def test_lucent_comparison_uses_both_denominators(ledger):
    t = lucent_comparison(ledger).to_frame()
    lucent = t[t.vendor == "lucent"]
    assert sorted(lucent["ratio"].round(3)) == [0.214, 0.24]  # 8.1/37.92 and 8.1/33.8
    published = t[t.vendor == "nvidia (published)"]
    assert sorted(published["ratio"].round(3)) == [0.668, 0.843]
    assert (t["source"].str.startswith("http") | (t["source"] == "ledger")).all()
    assert len(t[t.vendor == "nvidia (ledger)"]) == 2


def test_financial_ratios_match_the_published_figures(ledger):
    t = financial_ratios(ledger).to_frame()

    def value(entity, ratio):
        return t[(t.entity == entity) & (t.ratio == ratio)]["value"].iloc[0]

    assert value("alibaba", "capex_to_ebitda") == pytest.approx(0.846, abs=5e-4)
    assert value("alphabet", "capex_to_ebitda") == pytest.approx(0.619, abs=5e-4)
    # OpenAI's $300B (D10) over Oracle's latest RPO: $638B at Q4 FY2026 (2026 update; was $523B).
    assert value("oracle", "backlog_share_of_top_customer") == pytest.approx(300 / 638)
    assert value("oracle", "capex_to_operating_cash_flow") == pytest.approx(21.2 / 20.8)
    assert set(t.ratio) >= {
        "capex_to_ebitda",
        "capex_to_operating_cash_flow",
        "capex_funded_by_debt",
        "commitments_to_revenue",
        "backlog_share_of_top_customer",
    }
