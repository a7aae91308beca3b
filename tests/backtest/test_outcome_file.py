"""A user's --outcomes file: located errors and no scores for bad input."""

from __future__ import annotations

import pytest

from circularity.backtest.outcome_file import name_index, parse_outcomes
from circularity.errors import BacktestError

NAMES = name_index([("winstar", "Winstar", ["Winstar"]), ("lucent", "Lucent", [])])
HEADER = (
    "entity,event,date,value,unit,source_publication,source_title,source_url,source_date,confidence,notes\n"
)


def test_a_good_file_in_the_fact_base_layout_parses_names_to_ids() -> None:
    rows = parse_outcomes(HEADER + "Winstar,chapter11_filed,2001-04-18,,,,,,,confirmed,\n", "o.csv", NAMES)
    assert [(r.entity, r.event, r.date) for r in rows] == [("winstar", "chapter11_filed", "2001-04-18")]


def test_every_problem_is_reported_with_file_row_and_field() -> None:
    text = HEADER + (
        "Nobody,chapter11_filed,2001-04-18,,,,,,,,\n"
        "Winstar,went_bust,2001-04-18,,,,,,,,\n"
        "Winstar,chapter11_filed,18/04/2001,,,,,,,,\n"
        "Lucent,survived_through_2002,2002-12-31,,,,,,,,\n"
        "Lucent,survived_through_2002,2002-12-31,,,,,,,,\n"
        "Lucent,default,2001-13,,,,,,,,\n"
    )
    with pytest.raises(BacktestError) as err:
        parse_outcomes(text, "o.csv", NAMES)
    msgs = [str(p) for p in err.value.problems]
    assert msgs[0].startswith("o.csv:2: entity: unknown entity 'Nobody'")
    assert msgs[1].startswith("o.csv:3: event: unknown event 'went_bust'")
    assert msgs[2].startswith("o.csv:4: date: '18/04/2001' is not a date")
    assert msgs[3].startswith("o.csv:6: date: duplicate of row 5")
    assert msgs[4].startswith("o.csv:7: date:") and "month 13" in msgs[4]
    assert "no scores computed" in str(err.value)


def test_missing_columns_are_refused() -> None:
    with pytest.raises(BacktestError, match="o.csv:1: date: missing column"):
        parse_outcomes("entity,event\nWinstar,default\n", "o.csv", NAMES)
