"""Partial dates as sources give them, and the 1990-2100 bounds."""

from datetime import date

import pytest

from circularity.ledger.dates import parse_date, parse_quarter, period_bounds


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2025-03-10", date(2025, 3, 10), date(2025, 3, 10)),
        ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
        ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ],
)
def test_period_bounds(text: str, first: date, last: date) -> None:
    assert period_bounds(text) == (first, last)


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-02-30", "1989", "2101-01-01", "25-01-01", "2026-H3", "soon", ""]
)
def test_bad_partial_dates_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        period_bounds(text)


def test_full_date_needs_iso_form() -> None:
    assert parse_date("2025-09-22") == date(2025, 9, 22)
    for bad in ("22/09/2025", "2025-09", "2150-01-01"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_quarter_labels() -> None:
    assert parse_quarter("2030Q1") == (2030, 1)
    with pytest.raises(ValueError):
        parse_quarter("2030Q5")
