"""Partial dates as the sources give them: ``2025``, ``2025-03``, ``2025-03-10``, ``2026-H2``, ``2026-Q1``."""

from __future__ import annotations

import calendar
import re
from datetime import date

from circularity.errors import OptionError

__all__ = ["MAX_YEAR", "MIN_YEAR", "parse_date", "period_bounds", "quarter_label", "quarter_of"]

MIN_YEAR, MAX_YEAR = 1990, 2100

# re.ASCII: \d would otherwise match Arabic-Indic and other digits, which int() then reads
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?|-([HQ])([1-4]))?$", re.ASCII)
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$", re.ASCII)


def period_bounds(text: str) -> tuple[date, date]:
    """First and last day of a partial date; ``ValueError`` says what forms are allowed."""
    m = _PARTIAL.match(text.strip()) if isinstance(text, str) else None
    if not m:
        raise OptionError(
            f"'{text}' is not a date; allowed: YYYY, YYYY-MM, YYYY-MM-DD, YYYY-H1/H2, YYYY-Q1..Q4"
        )
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise OptionError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    if m.group(4) == "H":
        half = int(m.group(5))
        if half > 2:
            raise OptionError(f"'{text}': a half-year is H1 or H2")
        first_month, last_month = (1, 6) if half == 1 else (7, 12)
    elif m.group(4) == "Q":
        q = int(m.group(5))
        first_month, last_month = 3 * q - 2, 3 * q
    elif m.group(2):
        month = int(m.group(2))
        if not 1 <= month <= 12:
            raise OptionError(f"'{text}': month {month} does not exist")
        if m.group(3):
            try:
                day = date(year, month, int(m.group(3)))
            except ValueError as exc:
                raise OptionError(f"'{text}': {exc}") from None
            return day, day
        first_month = last_month = month
    else:
        first_month, last_month = 1, 12
    last_day = calendar.monthrange(year, last_month)[1]
    return date(year, first_month, 1), date(year, last_month, last_day)


def parse_date(value: object) -> date:
    """A full ISO date (``YYYY-MM-DD``) within 1990-2100, from a string or a date."""
    if isinstance(value, date):
        d = value
    elif isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip(), re.ASCII):
        try:
            d = date.fromisoformat(value.strip())
        except ValueError as exc:
            raise OptionError(f"'{value}': {exc}") from None
    else:
        raise OptionError(f"'{value}' is not a date; allowed: YYYY-MM-DD")
    if not MIN_YEAR <= d.year <= MAX_YEAR:
        raise OptionError(f"{d.isoformat()} is outside {MIN_YEAR}-{MAX_YEAR}")
    return d


def quarter_of(d: date) -> tuple[int, int]:
    """(year, quarter 1..4) of a date."""
    return d.year, (d.month - 1) // 3 + 1


def quarter_label(year: int, quarter: int) -> str:
    """``2030Q1`` style label."""
    return f"{year}Q{quarter}"


def parse_quarter(text: str) -> tuple[int, int]:
    """``2030Q1`` → (2030, 1)."""
    m = _QUARTER.match(text.strip())
    if not m:
        raise OptionError(f"'{text}' is not a quarter; allowed: YYYYQn, e.g. 2030Q1")
    year = int(m.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise OptionError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year, int(m.group(2))


def quarter_number(label: str) -> int:
    """``2030Q1`` → a running quarter number (``4·year + quarter − 1``): the one rule for quarter
    arithmetic (differences are quarters apart); :func:`quarter_from_number` inverts it."""
    year, q = parse_quarter(label)
    return 4 * year + q - 1


def quarter_from_number(k: int) -> str:
    """A running quarter number (:func:`quarter_number`) → its ``2030Q1`` label."""
    return quarter_label(k // 4, k % 4 + 1)


__all__ += ["parse_quarter", "quarter_from_number", "quarter_number"]
