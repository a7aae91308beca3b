"""HSBC (Nov 2025): OpenAI 2030 revenue and cumulative rent from the preset's inputs."""

from __future__ import annotations

import pytest

from circularity.projection import project


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return project("hsbc-2025", end="2033Q4")


def test_revenue_2030(result) -> None:  # type: ignore[no-untyped-def]
    assert result.annual("revenue", "openai")["2030"] == pytest.approx(215.1, rel=0.02)


def test_cumulative_rent(result) -> None:  # type: ignore[no-untyped-def]
    due = result.series("payments_due", "openai")
    q = list(result.quarters)
    assert due.iloc[q.index("2025Q3"): q.index("2030Q4") + 1].sum() == pytest.approx(792.0, rel=0.02)
    assert due.iloc[q.index("2025Q3"):].sum() == pytest.approx(1400.0, rel=0.05)


def test_funding_need_beside_207(result) -> None:  # type: ignore[no-untyped-def]
    need = result.headlines()["funding_need_2030"]
    assert need > 0  # diagnostic only: HSBC's $207B components are not public
