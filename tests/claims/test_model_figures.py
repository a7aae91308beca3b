"""Cahn, Bain and J.P. Morgan gain a second computation from the model's own capex path (issue 13)."""

from __future__ import annotations

import math

import pytest

from circularity.claims import check_claims
from circularity.ledger import load
from circularity.projection import project

IDS = ("cahn-600b-question", "bain-2t-revenue", "jpm-650b-per-year")


def test_required_revenue_claims_show_the_models_figure_beside_the_published_one() -> None:
    ledger = load("ai", as_of="2026-06-30")
    res = check_claims(ledger, ids=IDS)
    want = project("baseline", ledger=ledger).headlines()["web_required_revenue_2030"]
    for cid in IDS:
        r = res.result(cid)
        assert r.model is not None and math.isfinite(r.model)
        assert r.model == pytest.approx(want)
        assert r.computed is not None and r.computed != r.model  # the published arithmetic stays
        assert "web_required_revenue_2030" in r.model_reason
        assert r.to_dict()["model"] == r.model
    assert check_claims(ledger, ids=["alibaba-capex-ebitda"]).result("alibaba-capex-ebitda").model is None
