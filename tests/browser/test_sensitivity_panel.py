"""The dashboard's sensitivity block in a real Chromium: a tornado bar per parameter."""

from __future__ import annotations

import re

import pytest
from _page import ARTIFACTS, PageWatch
from _serve import LiveServer
from test_dashboard import open_dashboard

from circularity.montecarlo.projection_model import load_projection_model
from circularity.montecarlo.sensitivity import tornado

pytestmark = pytest.mark.browser

BARS = "#sensitivity-chart .barlayer .trace .point"


def test_tornado_draws_a_bar_per_parameter(watched: PageWatch, live_server: LiveServer) -> None:
    open_dashboard(watched, live_server)
    page = watched.page
    page.wait_for_selector("body[data-models='1']")
    assert page.input_value("#preset") == "baseline"
    page.click("#run-sensitivity")
    page.wait_for_selector("#sensitivity-chart[data-renders='1'] .main-svg")
    sim, model = load_projection_model("baseline")
    ref = tornado(model, sim.space, "funding_need_2030")
    k = len(sim.space.names)
    assert page.get_attribute("#sensitivity-chart", "data-bars") == str(k)
    assert page.locator(BARS).count() == k
    # the y axis lists the parameters, largest swing first (the top of the chart)
    order = page.eval_on_selector_all(
        "#sensitivity-chart .yaxislayer-above .ytick text",
        "ts => ts.sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)"
        ".map(t => t.textContent)",
    )
    assert order == ref.ranking()
    # the base run, as the dashboard formats money (one decimal below 100, none above)
    shown = re.search(r"medians \(([\d,.]+)\)", page.inner_text("#sensitivity-note"))
    assert shown, page.inner_text("#sensitivity-note")
    assert abs(float(shown.group(1).replace(",", "")) - ref.base) <= 0.5
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#projection-card").screenshot(path=str(ARTIFACTS / "dashboard-sensitivity.png"))
    # another output redraws the chart on its own
    page.select_option("#sens-output", "market_value_lost")
    page.wait_for_selector("#sensitivity-chart[data-renders='2']")
    assert page.locator(BARS).count() == k
    assert watched.errors == []
