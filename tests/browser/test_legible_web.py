"""The web of deals at 1500×1100 in a real Chromium: the 20 largest entities labelled at 12 px or
more with no two labels overlapping, the follow-the-money Sankey beside it, the layout filling its
panel, the same picture on reload, the top-N control and the cycles on demand. Measured through the page (``window.circularityGraph``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from _page import PageWatch
from _serve import LiveServer

pytestmark = pytest.mark.browser

VIEW = {"width": 1500, "height": 1100}

# the 20 entities with the most deal volume (in + out) on the graph, their label's on-screen font
# size and box, computed here from the graph's own elements
TOP_LABELS = """() => {
  const cy = window.circularityGraph;
  const vol = {};
  cy.edges().forEach((e) => {
    const a = e.data('amount') || 0;
    for (const k of [e.data('source'), e.data('target')]) vol[k] = (vol[k] || 0) + a;
  });
  const ids = cy.nodes().map((n) => n.id())
    .sort((a, b) => (vol[b] || 0) - (vol[a] || 0) || (a < b ? -1 : 1)).slice(0, 20);
  return ids.map((id) => {
    const n = cy.getElementById(id);
    const b = n.renderedBoundingBox({ includeNodes: false, includeEdges: false, includeLabels: true, includeOverlays: false });
    return { id, label: n.style('label'), px: parseFloat(n.style('font-size')) * cy.zoom(),
             box: [b.x1, b.y1, b.x2, b.y2] };
  });
}"""


# the role names' boxes on screen, in the graph panel's pixels (as the labels above)
ROLE_TAGS = """() => {
  const c = document.getElementById('cy').getBoundingClientRect();
  return [...document.querySelectorAll('#role-tags .role-tag')].map((e) => {
    const b = e.getBoundingClientRect();
    return { text: e.textContent, box: [b.left - c.left, b.top - c.top, b.right - c.left, b.bottom - c.top] };
  });
}"""


@pytest.fixture
def big(browser: Any) -> Iterator[PageWatch]:
    context = browser.new_context(viewport=VIEW)
    page = context.new_page()
    page.set_default_timeout(60_000)  # a shared 2-core machine: generous, never a fixed sleep
    yield PageWatch(page)
    context.close()


def open_page(w: PageWatch, server: LiveServer, query: str = "") -> None:
    w.page.goto(f"{server.url}/?test=1{query}")
    w.page.wait_for_selector("body[data-ready='1']", state="attached", timeout=180_000)  # a cold server


def overlaps(a: list[float], b: list[float]) -> bool:
    return not (a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1])


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_twenty_largest_labels_are_readable_and_apart(
    big: PageWatch, live_server: LiveServer, lang: str
) -> None:
    open_page(big, live_server, f"&lang={lang}")
    page = big.page
    labels = page.evaluate(TOP_LABELS)
    assert len(labels) == 20
    w, h = page.evaluate(
        "[document.getElementById('cy').clientWidth, document.getElementById('cy').clientHeight]"
    )
    for lab in labels:
        assert lab["label"].strip(), f"{lab['id']} has no label"
        assert lab["px"] >= 12, f"{lab['id']}: {lab['px']:.1f} px"
        x1, y1, x2, y2 = lab["box"]
        assert -1 <= x1 and x2 <= w + 1 and -1 <= y1 and y2 <= h + 1, f"{lab['id']} label outside the panel"
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not overlaps(a["box"], b["box"]), f"labels of {a['id']} and {b['id']} overlap"
    # the role names (an HTML layer over the graph) hide no entity's label, nor each other
    tags = page.evaluate(ROLE_TAGS)
    assert len(tags) >= 4
    for tag in tags:
        for lab in labels:
            assert not overlaps(tag["box"], lab["box"]), f"role name {tag['text']} over {lab['id']}'s label"
    for i, a in enumerate(tags):
        for b in tags[i + 1 :]:
            assert not overlaps(a["box"], b["box"]), f"role names {a['text']} and {b['text']} overlap"
    if lang == "zh-Hant":
        assert page.evaluate("window.circularityGraph.getElementById('nvidia').style('label')") == "輝達"
    # the follow-the-money Sankey sits beside the web (right of it, level with it), whole on screen
    web, sankey, overflow = web_and_sankey(page)
    assert sankey[0] >= web[2], f"Sankey {sankey} not right of the web {web}"
    assert web[1] <= sankey[1] < sankey[3] <= web[3], f"Sankey {sankey} not level with the web {web}"
    assert web[0] >= 0 and sankey[2] <= VIEW["width"] and sankey[3] <= VIEW["height"]
    assert sankey[2] - sankey[0] >= 400 and overflow <= 0, f"scrolled sideways by {overflow} px"
    assert big.errors == []


def web_and_sankey(page: Any) -> tuple[list[float], list[float], float]:
    """The web's and the Sankey's boxes on screen [left, top, right, bottom], and how far the page
    scrolls sideways (its scroll width past the window)."""
    page.wait_for_selector("#sankey-chart .main-svg", state="attached")
    web, sankey, overflow = page.evaluate(
        "[...['cy', 'sankey-chart'].map(i => { const b = document.getElementById(i).getBoundingClientRect();"
        " return [b.left, b.top, b.right, b.bottom]; }),"
        " document.documentElement.scrollWidth - document.documentElement.clientWidth]"
    )
    return web, sankey, overflow


def test_sankey_wraps_below_the_web_in_a_narrow_window(browser: Any, live_server: LiveServer) -> None:
    context = browser.new_context(viewport={"width": 1000, "height": 1100})
    try:
        w = PageWatch(context.new_page())
        w.page.set_default_timeout(60_000)
        open_page(w, live_server)
        web, sankey, overflow = web_and_sankey(w.page)
        assert sankey[1] >= web[3], f"Sankey {sankey} not below the web {web} at 1000 px"
        assert overflow <= 0, f"scrolled sideways by {overflow} px"
        assert w.errors == []
    finally:
        context.close()


def test_layout_fills_the_panel_by_role_and_is_stable(big: PageWatch, live_server: LiveServer) -> None:
    open_page(big, live_server, "&as_of=2026-03-31")
    page = big.page
    w, h = page.evaluate(
        "[document.getElementById('cy').clientWidth, document.getElementById('cy').clientHeight]"
    )
    bb = page.evaluate(
        "(() => { const b = window.circularityGraph.nodes().renderedBoundingBox(); return [b.x1, b.y1, b.x2, b.y2]; })()"
    )
    assert bb[2] - bb[0] >= 0.8 * w and bb[3] - bb[1] >= 0.8 * h, f"nodes span {bb} of a {w}x{h} panel"
    roles = page.evaluate(
        "window.circularityGraph.nodes().map(n => [n.data('role'), n.renderedPosition().x, n.renderedPosition().y])"
    )
    cx, cy = w / 2, h / 2
    dist = {r: [] for r in {x[0] for x in roles}}
    for role, x, y in roles:
        dist[role].append(((x - cx) ** 2 + (y - cy) ** 2) ** 0.5)
    assert max(dist["labs"]) < min(d for r, ds in dist.items() if r != "labs" for d in ds)
    chips_y = sum(y for r, _, y in roles if r == "chips") / len([r for r in roles if r[0] == "chips"])
    assert chips_y < cy  # chipmakers above the labs
    before = page.evaluate("window.circularityGraph.nodes().map(n => [n.id(), n.position()])")
    page.reload()
    page.wait_for_selector("body[data-ready='1']", state="attached", timeout=180_000)
    after = page.evaluate("window.circularityGraph.nodes().map(n => [n.id(), n.position()])")
    assert after == before
    assert big.errors == []


def test_top_deals_and_cycles_on_demand(big: PageWatch, live_server: LiveServer) -> None:
    open_page(big, live_server, "&as_of=2026-03-31")
    page = big.page
    total = page.evaluate("window.circularityGraph.edges().length")
    page.select_option("#top-n", "10")
    assert page.evaluate("window.circularityGraph.edges().length") == 10 < total
    amounts = page.evaluate("window.circularityGraph.edges().map(e => e.data('amount') || 0)")
    everything = page.evaluate("window.circ.state.graph.elements.edges.map(e => e.data.amount || 0)")
    assert min(amounts) >= sorted(everything, reverse=True)[9]
    page.select_option("#top-n", "0")
    assert page.evaluate("window.circularityGraph.edges().length") == total
    page.check("#show-cycles")
    cycles = page.evaluate("window.circ.state.loops.cycles.slice(0, 3).map(c => c.deal_ids.flat())")
    marked = set(page.evaluate("window.circularityGraph.edges('.cycle').map(e => e.id())"))
    assert marked and marked == {d for ids in cycles for d in ids} & set(
        page.evaluate("window.circularityGraph.edges().map(e => e.id())")
    )
    page.uncheck("#show-cycles")
    assert page.evaluate("window.circularityGraph.edges('.cycle').length") == 0
    assert big.errors == []
