"""``circularity report``: one self-contained offline HTML file with every chart, and its PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circularity.cli import app
from circularity.session.service import Service

AS_OF = "2026-03-31"
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--as-of", AS_OF, "--draws", "200"])
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.output
    return out


def test_report_is_self_contained(report: Path) -> None:
    text = report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=", text), "scripts must be inlined"
    assert not re.search(r"<link[^>]+href=", text), "no external stylesheets"
    assert not re.search(r"<img[^>]+src=\"?https?:", text)
    for section in (
        "ledger",
        "circularity",
        "stress",
        "projection",
        "montecarlo",
        "claims",
        "methods",
        "limitations",
        "sources",
    ):
        assert f'id="{section}"' in text
    # web, circularity, stress, projection, fan, tornado
    assert text.count('class="plotly-graph-div"') == 6


def test_report_numbers_come_from_the_models(report: Path) -> None:
    from datetime import date

    svc = Service()
    text = report.read_text(encoding="utf-8")
    loops = svc.loops(date.fromisoformat(AS_OF))
    assert f"${loops['circulating_volume']:,.1f}bn" in text
    from circularity.stress import stress_test

    lost = stress_test({"openai": 0.5}, as_of=AS_OF).totals()["market_value_lost"]
    assert f"${lost:,.0f}bn" in text
    from circularity.projection import project

    need = project("baseline").headlines()["funding_need_2030"]
    assert f"${need:,.0f}bn" in text
    assert "D01" not in re.findall(r"<td>(D\d+)</td>", text)  # superseded by 2026-03-31
    from circularity.montecarlo.projection_model import load_projection_model
    from circularity.montecarlo.sensitivity import tornado

    sim, model = load_projection_model("baseline")
    top = tornado(model, sim.space, "funding_need_2030").table.iloc[0]
    row = re.search(rf"<td>{re.escape(top.parameter)}</td>.*?</tr>", text, re.S)
    assert row is not None, "the tornado's largest swing is in the report's table"
    assert f"{top.output_low:,.0f}" in row.group(0) and f"{top.swing:,.0f}" in row.group(0)


def test_bad_as_of_is_one_line_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", "--out", str(tmp_path / "r.html"), "--as-of", "31/03/2026"])
    assert result.exit_code != 0
    assert not (tmp_path / "r.html").exists()


@pytest.mark.browser
def test_report_opens_offline_with_every_chart(report: Path) -> None:
    from circularity.report.pdf import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    attempted: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(offline=True, viewport={"width": 1100, "height": 1400})
        page = context.new_page()

        def block(route) -> None:  # type: ignore[no-untyped-def]
            if not route.request.url.startswith("file://"):
                attempted.append(route.request.url)
                route.abort()
            else:
                route.continue_()

        page.route("**/*", block)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.resolve().as_uri())
        page.wait_for_function(
            "() => [...document.querySelectorAll('.plotly-graph-div')]"
            ".every(d => d.querySelector('.main-svg'))"
        )
        assert page.locator(".plotly-graph-div").count() == 6
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        browser.close()
    assert attempted == []
    assert errors == []


@pytest.mark.browser
def test_pdf_is_printed_by_chromium(report: Path, tmp_path: Path) -> None:
    from circularity.report import write_pdf
    from circularity.report.pdf import CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (run `make browser`)")
    pdf = write_pdf(report, tmp_path / "report.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 50_000
    assert data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 5


# the web's figure and the Sankey's chart on screen: [left, top, right, bottom], and the page's
# horizontal overflow (scroll width past the window)
WEB_AND_SANKEY = """() => {
  const box = (s) => { const b = document.querySelector(s).getBoundingClientRect();
                       return [b.left, b.top, b.right, b.bottom]; };
  return { web: box('.web-main .web-figure'), sankey: box('.web-side .plotly-graph-div'),
           overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth };
}"""


@pytest.mark.browser
def test_sankey_beside_the_web_where_the_window_holds_both(report: Path) -> None:
    """At 1500x1100 (the dashboard's reference window) the Sankey is right of the web's figure and
    level with it, the web at the 1000 px it is drawn for, nothing scrolled sideways; in a 1100 px
    window and in print (A4) the Sankey is below the web."""
    from circularity.report.pdf import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (run `make browser`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.goto(report.resolve().as_uri())
            page.wait_for_selector(".web-side .plotly-graph-div .main-svg", state="attached")
            page.locator(".web-main .web-figure").scroll_into_view_if_needed()
            wide = page.evaluate(WEB_AND_SANKEY)
            web, sankey = wide["web"], wide["sankey"]
            assert sankey[0] >= web[2], f"Sankey {sankey} not right of the web {web}"
            assert sankey[1] < web[3] and web[1] < sankey[3], f"Sankey {sankey} not level with the web {web}"
            assert web[0] >= 0 and sankey[2] <= 1500 and wide["overflow"] <= 0, wide
            assert web[2] - web[0] >= 1000 and sankey[2] - sankey[0] >= 400
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-web-1500.png"))
            page.emulate_media(media="print")
            printed = page.evaluate(WEB_AND_SANKEY)
            assert printed["sankey"][1] >= printed["web"][3], f"printed side by side: {printed}"
            page.emulate_media(media="screen")
            page.set_viewport_size({"width": 1100, "height": 1400})
            page.wait_for_function(
                "document.querySelector('.web-side .plotly-graph-div').getBoundingClientRect().width > 600"
            )
            narrow = page.evaluate(WEB_AND_SANKEY)
            assert narrow["sankey"][1] >= narrow["web"][3], f"side by side at 1100 px: {narrow}"
            assert narrow["overflow"] <= 0, narrow
        finally:
            browser.close()


def test_no_negative_zero_in_the_tables(report: Path) -> None:
    """A fall of 1e-13 prints as 0.0%, not -0.0% (the stress table showed -0.0% for the firms
    the shock does not reach)."""
    import re

    text = report.read_text(encoding="utf-8")
    assert not re.search(r">\s*-0\.0+%?\s*<", text), re.search(r".{80}>\s*-0\.0+%?\s*<.{20}", text)
    assert "0.0%" in text  # the cells are there, unsigned


def test_monte_carlo_quarters_read_as_quarters(report: Path) -> None:
    """The Monte Carlo table gives when cash runs out and when the first default falls as
    quarters (p5, p50, p95 of the draws, 'never' past the horizon), not as the mean of quarter
    indices ('first default q 9.8' before)."""
    import re

    text = re.sub(r"<[^>]+>", "|", report.read_text(encoding="utf-8"))
    q = r"(\d{4}Q[1-4]|never)"
    row = re.search(r"\|first default[|\s]+–[|\s]+" + q + r"[|\s]+" + q + r"[|\s]+" + q + r"\|", text)
    assert row is not None, "no quarter row for the first default"
    order = ["never" if x == "never" else x for x in row.groups()]
    assert order == sorted(order, key=lambda x: "9999" if x == "never" else x)
    assert "first default q" not in text
