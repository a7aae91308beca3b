"""Property: on random webs and scenarios the projection keeps its accounting identities."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from circularity.compile import compile_web
from circularity.projection import check_result, run_projection
from circularity.testing.webs import deal, entity, fin, ledger, scenario

KINDS = ["compute", "hardware", "equity", "loan", "lease", "backstop", "bond"]
IDS = ["a", "b", "c", "d", "e"]


@st.composite
def webs(draw):  # type: ignore[no-untyped-def]
    n = draw(st.integers(2, 5))
    ids = IDS[:n]
    deals = []
    for k in range(draw(st.integers(1, 8))):
        i, j = draw(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True))
        kind = draw(st.sampled_from(KINDS))
        year = draw(st.integers(2024, 2026))
        term = draw(st.sampled_from([None, 1.0, 2.0, 3.0]))
        extra = {"gigawatts": 1.0} if kind == "hardware" and draw(st.booleans()) else {}
        deals.append(deal(f"D{k}", kind, i, j, draw(st.floats(0.1, 50.0)), str(year), term, **extra))
    fins = []
    for e in ids:
        fins.append(fin(e, "cash", draw(st.floats(0.0, 30.0))))
        fins.append(fin(e, "revenue", draw(st.floats(0.0, 100.0))))
        fins.append(fin(e, "market_cap", draw(st.floats(0.0, 500.0))))
    return ledger([entity(e) for e in ids], deals, fins)


@settings(
    max_examples=25, deadline=None, phases=[Phase.generate], suppress_health_check=[HealthCheck.too_slow]
)
@given(
    led=webs(),
    life=st.floats(3.0, 6.0),
    credit=st.floats(0.0, 1.0),
    shock=st.floats(0.2, 1.0),
    S=st.integers(1, 3),
)
def test_identities_hold_on_random_webs(led, life, credit, shock, S) -> None:  # type: ignore[no-untyped-def]
    web = compile_web(led, "2025Q1", "2026Q4")
    ev = [
        {
            "quarter": "2025Q3",
            "entity": "a",
            "kind": "revenue_shock",
            "value": shock,
            "source": "assumption: t",
        },
        {"quarter": "2026Q1", "entity": "b", "kind": "pay_ratio", "value": 0.5, "source": "assumption: t"},
    ]
    sc = scenario(events=ev)
    r = run_projection(
        web, sc, {"globals.gpu_life_years": np.full(S, life), "globals.credit_appetite": np.full(S, credit)}
    )  # checks every quarter
    check_result(r)
    d = r.data
    assert (d["capital_stock"] >= -1e-9).all()
    assert (d["payments_made"] <= d["payments_due"] + 1e-9).all()
    assert (d["shortfall"] >= 0).all()
    assert np.isfinite(d["market_value"]).all()
