"""The hyperscalers start from their filings (issue 12, item 6): every cash and debt figure the
projection uses for Microsoft, Amazon, Alphabet, Meta, Oracle and Nvidia is a sourced ledger row,
not a preset's assumption, and the history quarters carry exactly what the filings report."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.ledger import load
from circularity.projection import load_scenario
from circularity.projection.pipeline import compile_for, project
from circularity.projection.results import ProjectionResult

HYPERSCALERS = ("microsoft", "amazon", "alphabet", "meta", "oracle", "nvidia")
CASH = ("cash", "cash_and_marketable_securities", "cash_and_equivalents", "cash_and_liquid_investments")
DEBT = ("total_debt", "debt", "long_term_debt")
OCF = ("operating_cash_flow",)
CAPEX = ("capex", "capex_incl_finance_leases", "capex_derived", "capex_cash_ppe")

#: (entity, quarter, cash, debt) as the filings give them at the quarter's end (ledger rows)
FILED = (
    ("microsoft", "2025Q4", 89.462, 40.262),
    ("amazon", "2025Q4", 86.8, 65.6),
    ("alphabet", "2025Q4", 126.8, 48.543),
    ("meta", "2025Q4", 81.59, 58.74),
)


def test_every_hyperscaler_has_sourced_cash_debt_and_operating_cash_flow() -> None:
    """Capex too, except Nvidia's: no source found gives it (its preset keeps a labelled ratio)."""
    led = load("ai")
    sources = {s.id for s in led.records["sources"]}
    for e in HYPERSCALERS:
        rows = [f for f in led.records["financials"] if f.entity == e and f.value is not None]
        for metrics in (CASH, DEBT, OCF) + (() if e == "nvidia" else (CAPEX,)):
            got = [f for f in rows if f.metric in metrics]
            assert got, (e, metrics)
            assert all(f.sources and set(f.sources) <= sources for f in got), e


def test_no_preset_assumes_a_hyperscalers_cash_or_debt() -> None:
    """The scenario's value, when it sets one, would override the filing: none does."""
    for name in ("baseline", "funding-freeze"):
        sc = load_scenario(name)
        for e in HYPERSCALERS:
            ent = sc.entities.get(e)
            for field in ("cash", "debt"):
                assert ent is None or getattr(ent, field, None) is None, (name, e, field)


@pytest.fixture(scope="module")
def baseline() -> ProjectionResult:
    return project("baseline", record=("cash", "debt"))


@pytest.mark.parametrize(("entity", "quarter", "cash", "debt"), FILED)
def test_history_carries_the_filed_cash_and_debt(
    baseline: ProjectionResult, entity: str, quarter: str, cash: float, debt: float
) -> None:
    r = baseline
    t, i = r.quarters.index(quarter), r.entities.index(entity)
    assert r.basis[t, i] == 1  # reported
    assert r.data["cash"][t, 0, i] == pytest.approx(cash, abs=1e-9)
    assert r.data["debt"][t, 0, i] == pytest.approx(debt, abs=1e-9)


def test_the_starting_figures_are_the_latest_filings() -> None:
    sc = load_scenario("baseline")
    web = compile_for(sc, load("ai"))
    f = web.financials
    idx = {e: web.index(e) for e in HYPERSCALERS}
    assert f["cash"][idx["microsoft"]] == pytest.approx(78.27)  # Mar-2026, the latest filing
    assert f["debt"][idx["microsoft"]] == pytest.approx(40.262)
    assert f["debt"][idx["amazon"]] == pytest.approx(65.6)
    assert f["debt"][idx["alphabet"]] == pytest.approx(48.543)
    assert np.isfinite([f["cash"][i] for i in idx.values()]).all()
    assert np.isfinite([f["debt"][i] for i in idx.values()]).all()
