"""The dashboard in a real Chromium: loads clean, draws the web, follows the date, runs models.

Each wait goes through :func:`_page.answered`: on a busy machine a model request may be answered
504 (the server's 30 s run limit) and is then made again; any other error fails the test."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from _page import ARTIFACTS, PageWatch, answered
from _serve import LiveServer

import circularity
from circularity.analytics import find_circulation
from circularity.analytics.attribution import flow_graph

pytestmark = pytest.mark.browser


def open_dashboard(
    w: PageWatch, server: LiveServer, query: str = "", wanted: str | tuple[str, ...] = "body[data-ready='1']"
) -> float:
    """Open the page in test mode (no animations) until ``wanted`` is shown (loaded again after a
    504); return seconds from navigation start to the web and its circularity drawn, as the
    page's own clock measures it."""
    answered(w, lambda: w.page.goto(f"{server.url}/?test=1{query}"), wanted)
    w.page.wait_for_selector("body[data-ready='1']", state="attached")
    return float(w.page.evaluate("window.circ.firstRenderMs")) / 1000


def set_date(w: PageWatch, iso: str) -> None:
    answered(w, lambda: w.page.fill("#as-of", iso), f"#cy[data-as-of='{iso}']")


def expected_nodes(as_of: str) -> int:
    live = circularity.load("ai", as_of=as_of).live_deals
    return len({x for d in live for x in (d.payer, d.payee)})


def test_page_loads_clean_and_fast(watched: PageWatch, live_server: LiveServer) -> None:
    watched.page.goto("about:blank")  # start the renderer; the page load is what is timed
    seconds = open_dashboard(watched, live_server)
    # The target (2 s) is for an idle machine; a shared CI box gets slack in proportion to its load.
    busy = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    print(f"dashboard first render: {seconds:.2f} s (load factor {busy:.1f})")
    assert watched.faults == []
    assert seconds <= 2.0 * busy, f"first render took {seconds:.2f} s at load factor {busy:.1f}"
    today = watched.page.eval_on_selector("#cy", "e => e.dataset.asOf")
    assert watched.page.evaluate("window.circ.cy.nodes().length") == expected_nodes(today)
    watched.shot("dashboard-today")


def test_date_moves_the_letter_of_intent_in_and_out(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server)
    set_date(watched, "2025-12-31")
    page = watched.page
    assert page.evaluate("window.circ.cy.getElementById('D01').length") == 1
    assert page.evaluate("window.circ.cy.getElementById('D01').data('amount')") == 100
    assert page.evaluate("window.circ.cy.nodes().length") == expected_nodes("2025-12-31")
    watched.shot("dashboard-2025-12-31")
    set_date(watched, "2026-03-31")
    assert page.evaluate("window.circ.cy.getElementById('D01').length") == 0
    assert page.evaluate("window.circ.cy.getElementById('D03').length") == 1
    assert page.evaluate("window.circ.cy.nodes().length") == expected_nodes("2026-03-31")
    assert watched.faults == []


def test_click_shows_records_with_sources(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server, "&as_of=2025-12-31")
    page = watched.page
    page.wait_for_selector("#cy[data-as-of='2025-12-31']")
    page.evaluate("() => { window.circ.cy.getElementById('D01').emit('tap'); }")
    page.wait_for_selector("#details h3:has-text('D01')")
    links = page.eval_on_selector_all("#details a", "as => as.map(a => a.href)")
    assert links and all(h.startswith("http") for h in links)
    page.evaluate("() => { window.circ.cy.getElementById('openai').emit('tap'); }")
    page.wait_for_selector("#details h3:has-text('OpenAI')")
    assert watched.faults == []


def test_circularity_panel_matches_the_cli(watched: PageWatch, live_server: LiveServer) -> None:
    # the significance (1,000 null webs) is the slowest request of the page
    wanted = ("#loops-card[data-significance='1']", "#vendor-table tbody tr")
    open_dashboard(watched, live_server, "&as_of=2026-03-31", wanted)
    page = watched.page
    g = flow_graph(circularity.load("ai", as_of="2026-03-31"))
    ref = find_circulation(g)
    v = ref.circulating_volume
    assert page.inner_text("#circ-volume") == (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}")
    assert page.inner_text("#circ-ratio") == f"{100 * ref.circularity_ratio:.1f}%"
    assert page.inner_text("#circ-p") != "…"
    assert page.eval_on_selector_all("#vendor-table tbody tr", "rs => rs.length") == 7
    first = page.inner_text("#cycles li >> nth=0")
    assert "deals" in first and any(d in first for d in ref.cycles[0].deal_ids[0])
    page.click("#cycles li >> nth=0")
    assert page.evaluate("window.circ.cy.edges('.cycle').length") >= 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#loops-card").screenshot(path=str(ARTIFACTS / "dashboard-circularity.png"))
    watched.shot("dashboard-cycle-highlighted")
    assert watched.faults == []


def test_stress_run_fills_the_table(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server, wanted="body[data-models='1']")
    page = watched.page
    assert page.input_value("#shocks .shock-entity") == "openai"
    answered(watched, lambda: page.click("#run-stress"), "#stress-table tbody tr")
    rows = page.eval_on_selector_all("#stress-table tbody tr", "rs => rs.length")
    assert rows >= 3
    assert page.inner_text("#stress-table tbody tr.defaulted >> nth=0").startswith("OpenAI")
    page.wait_for_selector("#stress-chart .main-svg")
    assert page.evaluate("window.circ.cy.nodes('.defaulted').map(n => n.id())") == ["openai"]
    watched.shot("dashboard-stress")
    assert watched.faults == []


def test_projection_slider_changes_the_chart(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server, wanted="#projection-chart[data-renders='1']")
    page = watched.page
    before = page.get_attribute("#projection-chart", "data-signature")
    slider = page.locator("#sliders input[name='openai_revenue_scale']")
    # fill sets the value and fires input (again after a 504)
    answered(watched, lambda: slider.fill("0.5"), "#projection-chart[data-renders='2']")
    after = page.get_attribute("#projection-chart", "data-signature")
    assert after != before
    watched.shot("dashboard-projection")
    assert watched.faults == []


def test_header_states_the_ledgers_knowledge_horizon(watched: PageWatch, live_server: LiveServer) -> None:
    """The header's horizon is the one of /api/meta and `circularity summary` (the latest source
    the ledger cites), not the latest deal date."""
    open_dashboard(watched, live_server)
    horizon = circularity.load("ai").knowledge_horizon()  # Ledger.knowledge_horizon, as summary prints
    assert horizon is not None
    meta = httpx.get(f"{live_server.url}/api/meta", timeout=60).json()
    assert meta["knowledge_horizon"] == horizon.isoformat()
    assert watched.page.inner_text("#knowledge-horizon") == f"ledger knowledge ends {horizon.isoformat()}"
    assert watched.faults == []


HEADLINES = """() => Object.fromEntries([...document.querySelectorAll('#projection-headlines .kpi')]
  .map((k) => [k.querySelector('.kpi-l').textContent, k.querySelector('.kpi-v').textContent]))"""


def test_rate_floor_slider_changes_the_shown_figures(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server, wanted="#projection-chart[data-renders='1']")
    page = watched.page
    before = page.evaluate(HEADLINES)
    answers: list[tuple[Any, Any]] = []
    page.on(
        "response",
        lambda r: (
            answers.append((r.request, r)) if r.url.endswith("/api/project") and r.status == 200 else None
        ),
    )
    slider = page.locator("#sliders input[name='rate_floor']")
    assert slider.input_value() == "0"  # the baseline preset: no floor
    answered(watched, lambda: slider.fill("0.2"), "#projection-chart[data-renders='2']")
    request, response = answers[-1]
    assert request.post_data_json["levers"] == {"rate_floor": 0.2}
    assert page.inner_text("label:has(input[name='rate_floor']) output") == "20.0%"
    after = page.evaluate(HEADLINES)
    lost = "market value lost"
    assert after[lost] != before[lost], "a 20% floor on new and floating debt moved no shown figure"
    # what is shown is the server's answer to that lever, in the page's money format
    assert after[lost] == page.evaluate(
        "v => window.circI18n.money(v)", response.json()["headlines"]["market_value_lost"]
    )
    # a "debt crosses cash" note marks a real change of side, never rounding (cash of -1.8e-15
    # against no debt, as OpenAI's in 2027Q4 under this floor)
    answer = response.json()
    series, quarters = answer["series"]["openai"], answer["quarters"]
    notes = page.evaluate("document.getElementById('projection-chart').layout.annotations.map(a => a.text)")
    for q in [n.rsplit(", ", 1)[1] for n in notes if n.startswith("debt crosses cash")]:
        i = quarters.index(q)
        d0, d1 = (series["cash"][j] - series["debt"][j] for j in (i - 1, i))
        assert abs(d0) > 1e-9 and abs(d1) > 1e-9 and (d0 > 0) != (d1 > 0), f"no crossing at {q}: {d0}, {d1}"
    watched.shot("dashboard-rate-floor")
    assert watched.faults == []


def test_monte_carlo_draws_a_fan_chart(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server, wanted="body[data-models='1']")
    page = watched.page
    page.fill("#sim-n", "200")
    answered(watched, lambda: page.click("#run-simulate"), "#fan-chart .main-svg")
    assert page.locator("#fan-chart .scatterlayer .trace").count() == 5
    assert watched.faults == []
