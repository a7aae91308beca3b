"""compile_web: deals become per-quarter schedules; loans get interest and repayment legs."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.compile import ScheduleAssumptions, compile_web, quarter_range, remaining_payments
from circularity.testing.webs import deal, entity, ledger, triangle


def test_quarter_range() -> None:
    assert quarter_range("2025Q3", "2026Q2") == ("2025Q3", "2025Q4", "2026Q1", "2026Q2")
    with pytest.raises(ValueError, match="before"):
        quarter_range("2026Q1", "2025Q1")


def test_flat_compute_spreads_over_term() -> None:
    web = compile_web(triangle(), "2025Q1", "2027Q4")
    k = web.deal_id.index("C1")
    assert web.schedule[k, :8] == pytest.approx([5.0] * 8)
    assert web.schedule[k, 8:].sum() == 0.0
    assert web.schedule[k].sum() == pytest.approx(40.0)


def test_one_off_equity_and_partial_date_start() -> None:
    web = compile_web(triangle(), "2025Q1", "2027Q4")
    k = web.deal_id.index("E1")
    assert web.kind[k] == "equity"
    assert web.schedule[k, web.quarter_index("2026Q1")] == 10.0
    assert web.schedule[k].sum() == 10.0
    h = web.deal_id.index("H1")
    assert web.schedule[h, :2].sum() == 0.0 and web.schedule[h, 2] == pytest.approx(2.0)


def test_loan_has_drawdown_interest_and_repayment() -> None:
    web = compile_web(triangle(), "2025Q1", "2027Q4")
    legs = {web.kind[k]: k for k in range(web.m) if web.deal_id[k] == "L1"}
    assert set(legs) == {"loan", "interest", "repayment"}
    draw, intr, rep = legs["loan"], legs["interest"], legs["repayment"]
    assert web.schedule[draw, 0] == 8.0
    assert web.payer[intr] == web.index("cloud") and web.payee[intr] == web.index("banks")
    assert web.schedule[intr, 1:9] == pytest.approx([8.0 * 0.08 / 4] * 8)
    assert web.schedule[rep, 8] == 8.0


def test_amount_outside_horizon_is_skipped_with_reason() -> None:
    led = ledger([entity("a"), entity("b")], [deal("X", "equity", "a", "b", 1.0, "2019")])
    web = compile_web(led, "2025Q1", "2025Q4")
    assert web.m == 0
    assert web.skipped == (("X", "every amount falls outside the horizon"),)


def test_gw_deal_without_amount_priced_per_gw() -> None:
    d = deal("G", "hardware", "a", "b", 1.0, "2026", 2.0, gigawatts=2.0).model_copy(
        update={"amount_usd_bn": None, "missing": "no $"}
    )
    led = ledger([entity("a"), entity("b", "chipmaker")], [d])
    assert compile_web(led, "2025Q1", "2028Q4").m == 0  # no price: skipped
    web = compile_web(led, "2025Q1", "2028Q4", ScheduleAssumptions(per_gw_usd_bn={"b": 30.0}))
    assert web.schedule.sum() == pytest.approx(60.0)
    assert web.gw_linked.all()
    assert "GW" in web.notes[0]


def test_remaining_payments() -> None:
    web = compile_web(triangle(), "2025Q1", "2027Q4")
    k = web.deal_id.index("C1")
    assert remaining_payments(web, "2025Q1")[k] == pytest.approx(40.0)
    assert remaining_payments(web, 4)[k] == pytest.approx(20.0)
    cut = np.stack([web.schedule * 0.5])
    assert remaining_payments(web, 4, schedule=cut)[0, k] == pytest.approx(10.0)


def test_payer_path_rescales_keeping_shares() -> None:
    path = {f"2025Q{i}": 8.0 for i in range(1, 5)} | {f"2026Q{i}": 4.0 for i in range(1, 5)}
    a = ScheduleAssumptions(payer_paths={"lab": (("compute",), path)})
    web = compile_web(triangle(), "2025Q1", "2027Q4", a)
    k = web.deal_id.index("C1")
    assert web.schedule[k, :4] == pytest.approx([2.0] * 4)
    assert web.schedule[k, 4:8] == pytest.approx([1.0] * 4)


def test_financials_picked_and_frame() -> None:
    web = compile_web(triangle(), "2025Q1", "2027Q4")
    assert web.financials["cash"][web.index("lab")] == 10.0
    assert np.isnan(web.financials["debt"][web.index("lab")])
    f = web.to_frame()
    assert set(f.columns) == {"deal_id", "kind", "payer", "payee", "quarter", "amount_usd_bn"}
    with pytest.raises(KeyError, match="unknown entity"):
        web.index("nobody")
