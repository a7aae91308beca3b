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


def test_funding_need_beside_207_line_by_line() -> None:
    from circularity.projection.hsbc import HSBC_COMPONENTS, hsbc_comparison

    rows = {r["item"]: r for r in hsbc_comparison(project("hsbc-2025"))}
    assert [r["hsbc"] for r in rows.values()] == list(HSBC_COMPONENTS.values())
    assert rows["rent 2H-2025..2030"]["ours"] == pytest.approx(792.0, rel=0.02)
    gap = rows["funding gap by 2030"]
    parts = [r for k, r in rows.items() if k != "funding gap by 2030"]
    # ours: gap = rent - sources, so the differences add up line by line
    assert gap["ours"] == pytest.approx(parts[0]["ours"] - sum(r["ours"] for r in parts[1:]), abs=0.2)
    # HSBC's own components leave 792 - 349.5 = 442.5, not 207: 235.5 unexplained in the press
    unexplained = parts[0]["hsbc"] - sum(r["hsbc"] for r in parts[1:]) - gap["hsbc"]
    assert unexplained == pytest.approx(235.5)
    assert gap["difference"] == pytest.approx(
        parts[0]["difference"] - sum(r["difference"] for r in parts[1:]) + unexplained, abs=0.3)
    assert all(r["why"] for r in rows.values())


def test_cli_prints_the_comparison() -> None:
    from typer.testing import CliRunner

    from circularity.cli import app

    out = CliRunner().invoke(app, ["project", "--scenario", "hsbc-2025", "--no-progress"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "HSBC's $207B beside ours" in out.output and "207.0" in out.output
