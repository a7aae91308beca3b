"""Outcome classification: a missing outcome is unknown, never a survival."""

from __future__ import annotations

from datetime import date

from circularity.backtest.outcome_file import OutcomeRow
from circularity.backtest.outcomes import classify_outcomes

CUT, HOR = date(2000, 12, 31), date(2002, 12, 31)


def test_no_outcome_is_unknown_not_survived() -> None:
    out = classify_outcomes([OutcomeRow("a", "chapter11_filed", "2001-04-18")], ["a", "b"], CUT, HOR)
    assert out["a"].status == "default" and out["a"].default_date == date(2001, 4, 18)
    assert out["b"].status == "unknown" and not out["b"].scored


def test_default_before_the_cutoff_is_left_out_and_after_the_horizon_is_not_a_default() -> None:
    rows = [
        OutcomeRow("early", "chapter11_filed", "2000-11-14"),
        OutcomeRow("late", "chapter11_filed", "2009-01-14"),
        OutcomeRow("late", "survived_through_2002", "2002-12-31"),
        OutcomeRow("late_only", "chapter11_filed", "2009-01-14"),
    ]
    out = classify_outcomes(rows, ["early", "late", "late_only"], CUT, HOR)
    assert out["early"].status == "resolved_before_cutoff"
    assert out["late"].status == "survived"
    assert out["late_only"].status == "unknown"


def test_a_filing_outranks_a_survival_row_and_partial_dates_take_the_middle() -> None:
    rows = [
        OutcomeRow("c", "survived_through_2002", "2002-12-31"),
        OutcomeRow("c", "chapter11_filed", "2001"),
    ]
    out = classify_outcomes(rows, ["c"], CUT, HOR)
    assert out["c"].status == "default" and out["c"].default_date == date(2001, 7, 2)


def test_a_survival_short_of_the_horizon_is_unknown() -> None:
    out = classify_outcomes(
        [OutcomeRow("d", "survived_through_2002", "2002-12-31")], ["d"], CUT, date(2003, 12, 31)
    )
    assert out["d"].status == "unknown"
