"""The named computations and the formula language, on small hand-built inputs."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import circularity
from circularity.claims import COMPUTATIONS, ClaimContext, NotComputable
from circularity.claims.check import evaluate
from circularity.claims.expression import FormulaError, parse_formula, render
from circularity.ledger import Deal, Ledger
from circularity.stress import stress_test


def run(formula: str, ledger=None, assumptions=None):
    empty = Ledger(records={}, as_of=date(2026, 6, 30))
    ctx = ClaimContext(ledger=ledger or empty, assumptions=assumptions or {})
    return evaluate(parse_formula(formula, COMPUTATIONS), ctx)


def deal(did: str, payer: str, payee: str, kind: str, amount: float, status: str = "binding", **kw) -> Deal:
    return Deal(
        id=did,
        kind=kind,
        payer=payer,
        payee=payee,
        amount_usd_bn=amount,
        announced="2025-01-01",
        status=status,
        sources=["s1"],
        confidence="confirmed",
        **kw,
    )


def test_arithmetic_and_inputs_are_carried(fin, small_ledger):
    ledger = small_ledger(
        [
            fin("a", "capex", "Q2 2025", "2025-06-30", 3.0),
            fin("a", "operating_income", "Q2 2025", "2025-06-30", 4.0),
            fin("a", "depreciation", "Q2 2025", "2025-06-30", 2.0),
        ]
    )
    got = run(
        "ratio(financial(a, capex, 'Q2 2025'), sum(financial(a, operating_income, 2025-06-30), "
        "financial(a, depreciation, 2025-06-30)))",
        ledger,
    )
    assert got.value == 0.5
    assert [i.name for i in got.inputs] == [
        "financial(a capex Q2 2025)",
        "financial(a operating_income 2025-06-30)",
        "financial(a depreciation 2025-06-30)",
    ]


def test_ambiguous_period_is_not_guessed(fin, small_ledger):
    ledger = small_ledger(
        [fin("a", "capex", "Q3", "2025-09-30", 3.0), fin("a", "capex", "TTM", "2025-09-30", 12.0)]
    )
    with pytest.raises(
        NotComputable, match=r"ambiguous input: 'a capex 2025-09-30' has values \[3.0, 12.0\]"
    ):
        run("ratio(financial(a, capex, 2025-09-30), 1)", ledger)
    assert run("ratio(financial(a, capex, Q3), 1)", ledger).value == 3.0


def test_mixed_currencies_are_not_added(fin, small_ledger):
    ledger = small_ledger(
        [fin("a", "capex", "Q", "2025-06-30", 3.0, "RMB_bn"), fin("b", "capex", "Q", "2025-06-30", 3.0)]
    )
    with pytest.raises(NotComputable, match="mixes units"):
        run("sum(financial(a, capex, Q), financial(b, capex, Q))", ledger)


def test_division_by_zero_is_not_computable():
    with pytest.raises(NotComputable, match="division by zero"):
        run("ratio(1, 0)")


def test_latest_uses_the_newest_period(fin, small_ledger):
    ledger = small_ledger(
        [
            fin("o", "annualized_revenue", "a", "2025-06-30", 13.0),
            fin("o", "annualized_revenue", "b", "2026-02-28", 25.0),
        ]
    )
    assert run("latest(o, annualized_revenue)", ledger).value == 25.0


def test_deal_of_a_superseded_deal_is_not_computable_but_its_terms_are_read(small_ledger):
    ledger = small_ledger(
        deals=[
            deal("D1", "nv", "oa", "equity", 100.0, status="superseded", superseded_by="D2", gigawatts=10.0),
            deal("D2", "nv", "oa", "equity", 30.0),
        ]
    )
    with pytest.raises(NotComputable, match=r"superseded input: D1 is superseded \(by D2\) as of 2026-06-30"):
        run("ratio(deal(D1), 1)", ledger)
    got = run("ratio(deal_terms(D1, amount_usd_bn), deal_terms(D1, gigawatts))", ledger)
    assert got.value == 10.0 and "no longer live" in got.notes[0]
    assert run("live_amount(D1)", ledger).value == 0.0
    assert run("live_amount(D2)", ledger).value == 30.0


def test_outflows_sum_live_deals_of_the_kinds_asked(small_ledger):
    ledger = small_ledger(
        deals=[
            deal("D1", "nv", "oa", "equity", 100.0, status="superseded", superseded_by="D2"),
            deal("D2", "nv", "oa", "equity", 30.0),
            deal("D3", "nv", "cw", "backstop", 6.3),
            deal("D4", "nv", "cw", "lease", 1.3),
            deal("D5", "oa", "nv", "hardware", 50.0),
        ]
    )
    got = run("outflows(nv, 'equity,backstop')", ledger)
    assert got.value == pytest.approx(36.3)
    assert [i.name for i in got.inputs] == ["deal(D2).amount", "deal(D3).amount"]


def test_series_and_first_year(registry):
    ctx_assumptions = registry.assumptions
    assert (
        run("series_sum('openai_vintages.fcf_q1_2025', 2025, 2029)", assumptions=ctx_assumptions).value == -34
    )
    assert (
        run("first_year_above('openai_vintages.fcf_q1_2025', 0)", assumptions=ctx_assumptions).value == 2029
    )
    with pytest.raises(NotComputable, match="has no value for"):
        run("series_sum('openai_vintages.fcf_q1_2025', 2020, 2025)", assumptions=ctx_assumptions)


def test_published_methods():
    assert run("cahn_required_revenue(50, 0.5, 0.5)").value == 200
    assert run("required_revenue(500, 0.25)").value == 2000
    assert run("perpetuity_payment(5000, 0.1)").value == 500
    assert run("monthly_per_user(650, 0.3)").value == pytest.approx(180.5556, rel=1e-5)


def test_not_verifiable_and_unknown_projection_say_why():
    with pytest.raises(NotComputable, match="no source"):
        run("not_verifiable('no source')")
    with pytest.raises(NotComputable, match="no projection preset 'nope-2025'"):
        run("projection(nope-2025, funding_need_2030)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty formula"),
        ("1", "must be a call"),
        ("ratio(1, 2) + 1", "not allowed"),
        ("os.system('x')", "not a computation name"),
        ("evil(1)", "unknown computation 'evil'"),
        ("ratio(1)", "missing a required argument"),
        ("ratio(1, 2, 3)", "too many positional arguments"),
        ("ratio(1, **x)", "not allowed"),
        ("ratio(1,", "cannot parse"),
    ],
)
def test_bad_formulas_are_refused(text, message):
    with pytest.raises(FormulaError, match=message):
        parse_formula(text, COMPUTATIONS)


def test_render_round_trips():
    text = (
        "sum(financial(alibaba, capex, 'Sep-Q 2025'), claim(cahn-600b-question), $cahn_2024.gpu_runrate, -1)"
    )
    node = parse_formula(text, COMPUTATIONS)
    assert render(node) == text
    assert parse_formula(render(node), COMPUTATIONS) == node


# -- the seeds' "about $1T" and "big tech -50% to -80%", computed by the stress test --------

BIG = ("microsoft", "amazon", "alphabet", "meta", "nvidia", "oracle")


@pytest.fixture(scope="module")
def stress_ledger() -> circularity.Ledger:
    return circularity.load("ai", as_of="2026-06-30")


def test_the_claims_are_the_stress_tests_figures(stress_ledger: circularity.Ledger) -> None:
    ctx = ClaimContext(ledger=stress_ledger, assumptions={})
    r = stress_test({"openai": 0.0}, ledger=stress_ledger)  # OpenAI pays nothing: shock 1
    idx = [r.entities.index(e) for e in BIG]
    before, after = r.losses.value_before[0, idx], r.losses.value_after[0, idx]
    fall = COMPUTATIONS["stress_shock"](ctx, "openai", 1.0, " ".join(BIG), "value_fall")
    assert fall.value == pytest.approx(float((before - after).sum() / before.sum()))
    assert fall.unit == "ratio" and "circularity stress --shock openai=1" in fall.notes[0]
    three = [r.entities.index(e) for e in ("microsoft", "oracle", "nvidia")]
    lost = COMPUTATIONS["stress_shock"](ctx, "openai", 1.0, "microsoft oracle nvidia", "value_lost")
    assert lost.value == pytest.approx(float(np.sum(r.losses.total[0, three])))
    assert lost.value > 0
    # the stress table's articles line shows the same figures (one computation, group_loss)
    art = {a["claimed"]: a["computed"] for a in r.article_comparison()}
    assert art["about $1T"] == f"${lost.value:,.0f}B"
    assert art["-50% to -80%"].startswith(f"combined {-fall.value:+.1%} of ${float(before.sum()):,.0f}B")


def test_an_entity_of_unknown_value_is_not_computable(stress_ledger: circularity.Ledger) -> None:
    ctx = ClaimContext(ledger=stress_ledger, assumptions={})
    with pytest.raises(NotComputable, match="market value unknown for cerebras"):
        COMPUTATIONS["stress_shock"](ctx, "openai", 1.0, "oracle cerebras", "value_lost")
