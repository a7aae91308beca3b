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
    assert due.iloc[q.index("2025Q3") : q.index("2030Q4") + 1].sum() == pytest.approx(792.0, rel=0.02)
    assert due.iloc[q.index("2025Q3") :].sum() == pytest.approx(1400.0, rel=0.05)


def test_funding_need_beside_207_line_by_line() -> None:
    from circularity.ledger import load
    from circularity.projection import load_scenario
    from circularity.projection.hsbc import HSBC_COMPONENTS, hsbc_comparison
    from circularity.projection.pipeline import compile_for, run_projection

    sc = load_scenario("hsbc-2025")
    web = compile_for(sc, load("ai", as_of=sc.as_of))
    rows = {r["item"]: r for r in hsbc_comparison(run_projection(web, sc), web=web)}
    memo = rows.pop("memo: other money received (announced equity, other deals)")
    assert [r["hsbc"] for r in rows.values()] == list(HSBC_COMPONENTS.values())
    rent, gap = rows["rent 2H-2025..2030"], rows["funding gap by 2030"]
    assert rent["ours"] == pytest.approx(792.0, rel=0.02)
    sources = [r for k, r in rows.items() if k not in (rent["item"], gap["item"])]
    # both columns: gap = rent - every source (HSBC's with the 235.5 its press components leave open)
    assert HSBC_COMPONENTS["unexplained"] == pytest.approx(792 - 282 - 26 - 24 - 17.5 - 207)
    for col in ("hsbc", "ours", "difference"):
        assert gap[col] == pytest.approx(rent[col] - sum(r[col] for r in sources), abs=0.3)
    # on HSBC's published components our gap is within 5 % of the 442.5 they imply
    assert gap["ours"] == pytest.approx(792 - 282 - 26 - 24 - 17.5, rel=0.05)
    assert memo["hsbc"] is None and memo["ours"] >= 0
    assert all(r["why"] for r in rows.values())


def test_scope_keeps_openai_and_its_contracts_only() -> None:
    r = project("hsbc-2025")
    assert any("scope" in why for _, why in r.skipped)
    # counterparties are held neutral: nobody defaults on figures the ledger lacked in Nov 2025
    assert r.headlines()["first_default_entity"] is None


def test_cli_prints_the_comparison() -> None:
    from typer.testing import CliRunner

    from circularity.cli import app

    out = CliRunner().invoke(
        app, ["project", "--scenario", "hsbc-2025", "--no-progress"], env={"COLUMNS": "200"}
    )
    assert out.exit_code == 0, out.output
    assert "HSBC's $207B beside ours" in out.output and "207.0" in out.output
