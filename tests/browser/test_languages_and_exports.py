"""The dashboard in English, Simplified and Traditional Chinese, and its figures exported as
captioned PNG (2×) and SVG, in a real Chromium at 1500×1100. Screenshots of the default view in
each language go to test-artifacts/dashboard-default-<lang>.png."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _page import ARTIFACTS, PageWatch, answered
from _serve import LiveServer
from PIL import Image

pytestmark = pytest.mark.browser

VIEW = {"width": 1500, "height": 1100}


@pytest.fixture
def big(browser: Any) -> Iterator[PageWatch]:
    context = browser.new_context(viewport=VIEW, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield PageWatch(page)
    context.close()


def open_full(w: PageWatch, server: LiveServer, query: str) -> None:
    """The default view with its panels filled (web, Sankey, circularity, projection, claims),
    loaded again after a 504 (:func:`_page.answered`: on a busy machine a cold server can pass its
    30 s run limit on the first projection or claims request, then answers it from its cache)."""
    wanted = ("body[data-models='1']", "#projection-chart[data-renders='1'] .main-svg",
              "#sankey-chart .main-svg", "#claims-table tbody tr", "#vendor-table tbody tr")  # fmt: skip
    answered(w, lambda: w.page.goto(f"{server.url}/?test=1{query}"), wanted)


@pytest.mark.parametrize("lang", ["en", "zh-Hans", "zh-Hant"])
def test_every_string_is_translated(big: PageWatch, live_server: LiveServer, lang: str) -> None:
    open_full(big, live_server, f"&lang={lang}")
    page = big.page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dashboard-default-{lang}.png"))  # the default view, 1500x1100
    # run the models too, so their labels go through the catalog
    answered(big, lambda: page.click("#run-stress"), "#stress-table tbody tr")
    page.evaluate("window.circularityGraph.getElementById('openai').emit('tap')")
    page.wait_for_selector("#details dl")
    missing = page.evaluate("[...window.circI18n.state.missing]")
    assert missing == [], f"{lang}: untranslated {missing}"
    assert page.evaluate("document.documentElement.lang") == lang
    assert page.is_hidden("#lang-notice")
    static = page.evaluate(
        "[...document.querySelectorAll('[data-i18n]')].map(e => [e.dataset.i18n, e.textContent.trim()])"
    )
    assert len(static) > 30
    if lang == "en":
        assert all(text == msgid for msgid, text in static)
        assert "$" in page.inner_text("#graph-status")
    else:
        unchanged = [m for m, text in static if text == m]
        assert unchanged == [], f"shown in English: {unchanged}"
        unit = "億美元" if lang == "zh-Hant" else "亿美元"
        assert unit in page.inner_text("#graph-status") and "$" not in page.inner_text("#graph-status")
        assert unit in page.inner_text("#projection-headlines")
        nvidia = "輝達" if lang == "zh-Hant" else "英伟达"
        assert page.evaluate("window.circularityGraph.getElementById('nvidia').style('label')") == nvidia
        # no node shows a blank or an id where the table has a name
        labels = page.evaluate("window.circularityGraph.nodes().map(n => [n.id(), n.style('label')])")
        assert all(text.strip() and (text != i or i in {"openai", "xai"}) for i, text in labels)
    assert big.faults == []


def test_unknown_language_is_english_with_a_notice(big: PageWatch, live_server: LiveServer) -> None:
    big.page.goto(f"{live_server.url}/?test=1&lang=xx-YY")
    big.page.wait_for_selector("body[data-ready='1']")
    assert big.page.is_visible("#lang-notice")
    assert "xx-YY" in big.page.inner_text("#lang-notice") and "English" in big.page.inner_text("#lang-notice")
    assert big.page.inner_text(".graph-card h2") == "The web of deals"
    # an entity the names table lacks keeps its English name (never blank, never an id)
    assert big.page.evaluate("window.circI18n.name('not-in-the-table', 'Some Company')") == "Some Company"
    assert big.errors == []


def _download(page: Any, figure: str, fmt: str) -> tuple[bytes, dict[str, Any]]:
    with page.expect_download() as info:
        page.click(f"[data-export='{figure}'][data-format='{fmt}']")
    path = Path(info.value.path())
    return path.read_bytes(), page.evaluate("window.circExport.last")


SVG = "{http://www.w3.org/2000/svg}"
#: punctuation no caption line may start with (it stays with the word before it)
CLOSING = "。，、；：）」』！？).,;:!?"


def _caption_text(root: ET.Element, below: float) -> str:
    """The words the SVG draws under y = ``below`` (the caption)."""
    return " ".join(t.text or "" for t in root.iter(f"{SVG}text") if t.get("y") and float(t.get("y")) > below)


def check_chart_export(page: Any, figure: str, as_of: str, lang: str) -> tuple[ET.Element, bytes]:
    """A Plotly chart exported: an SVG of the chart's size on screen plus a caption band, that
    caption stating the figure's title, the ledger date it was drawn from (``as_of``), the
    knowledge horizon on that date, its inputs (filters, shocks or scenario) and the source line
    (deals as reported, or model results); the PNG the same picture at 2× (a valid PNG, the
    stated size, the chart drawn above, dark caption text below)."""
    w, h = page.evaluate(
        f"[document.getElementById('{figure}').clientWidth, document.getElementById('{figure}').clientHeight]"
    )
    svg, meta = _download(page, figure, "svg")
    root = ET.fromstring(svg.decode("utf-8"))
    assert root.tag == f"{SVG}svg"
    assert (float(root.get("width")), meta["figureHeight"]) == (w, h)
    assert float(root.get("height")) == meta["height"] > h
    assert root.find(f".//{SVG}svg") is not None, "the chart's own SVG is nested above the caption"
    caption = _caption_text(root, h)
    horizon = min(page.evaluate("window.circ.state.meta.knowledge_horizon"), as_of)  # ISO dates
    assert caption.startswith(meta["caption"]["title"]) and meta["caption"]["title"]
    assert as_of in caption and horizon in caption, caption
    for line in meta["caption"]["lines"]:  # wrapped to the figure's width: compare without spaces
        assert line.replace(" ", "") in caption.replace(" ", ""), f"{line!r} not in {caption!r}"
    assert len(meta["caption"]["lines"]) >= 3, "date and horizon, the figure's inputs, the source"
    drawn = [t.text for t in root.iter(f"{SVG}text") if t.get("y") and float(t.get("y") or 0) > h]
    assert not [x for x in drawn if x and x[0] in CLOSING], f"a caption line starts with punctuation: {drawn}"
    source = "Source: circularity" if lang == "en" else "來源：circularity"
    assert source in meta["caption"]["lines"][-1]
    modelled = figure != "sankey-chart"
    said = {
        "en": ("model results for the inputs stated", "deals as reported"),
        "zh-Hant": ("模型結果", "交易按公開報道列示"),
    }
    assert said[lang][0 if modelled else 1] in meta["caption"]["lines"][-1]
    assert said[lang][1 if modelled else 0] not in caption
    png, pmeta = _download(page, figure, "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png))
    img.load()  # a whole, decodable image
    assert img.size == (pmeta["width"], pmeta["height"]) == (2 * w, 2 * meta["height"])
    chart = img.crop((0, 0, img.width, 2 * h)).convert("L")
    assert chart.getextrema()[0] < 100, "the chart is drawn (dark marks above the caption)"
    caption_band = img.crop((0, 2 * h + 8, img.width, img.height)).convert("L")
    assert caption_band.getextrema()[0] < 100, "the caption is drawn (dark text below the figure)"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"export-{figure.removesuffix('-chart')}-{lang}.png").write_bytes(png)
    return root, png


@pytest.mark.parametrize("lang", ["en", "zh-Hant"])
def test_exports_are_captioned_images_of_the_stated_size(
    big: PageWatch, live_server: LiveServer, lang: str
) -> None:
    open_full(big, live_server, f"&lang={lang}&as_of=2026-03-31")
    page = big.page
    w, h = page.evaluate(
        "[document.getElementById('cy').clientWidth, document.getElementById('cy').clientHeight]"
    )
    svg, meta = _download(page, "graph", "svg")
    root = ET.fromstring(svg.decode("utf-8"))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert float(root.get("width")) == w and float(root.get("height")) == meta["height"] > h
    text = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "2026-03-31" in text and "2026-0" in text.split("2026-03-31", 1)[1]  # as-of and horizon
    assert ("Source: circularity" in text) if lang == "en" else ("來源：circularity" in text)
    assert ("輝達" in text) == (lang == "zh-Hant")
    # the deal-kind legend sits in its own band under the drawing (not over the bottom labels),
    # and the caption under the legend
    fig_h = meta["figureHeight"]
    ys = {t.text: float(t.get("y")) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("y")}
    legend = "Deal kind (edge colour)" if lang == "en" else "交易類型（連線顏色）"
    assert h < ys[legend] < fig_h < meta["height"]
    assert all(y > fig_h for t, y in ys.items() if t and t.startswith(meta["caption"]["title"]))
    png, meta = _download(page, "graph", "png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    img = Image.open(io.BytesIO(png))
    assert img.size == (meta["width"], meta["height"]) == (2 * w, 2 * float(root.get("height")))
    caption_band = img.crop((0, 2 * meta["figureHeight"] + 8, img.width, img.height)).convert("L")
    assert caption_band.getextrema()[0] < 100, "the caption is drawn (dark text below the figure)"
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"export-graph-{lang}.png").write_bytes(png)
    # the Plotly charts of the default view: the projection, and the Sankey with the graph's filters
    # the projection runs from its preset's ledger date (today: the baseline states none), not the page's
    today = page.evaluate("window.circ.state.meta.today")
    proot, _ = check_chart_export(page, "projection-chart", today, lang)
    assert "2026-03-31" not in _caption_text(proot, 0)
    renders = int(page.get_attribute("#sankey-chart", "data-renders"))
    page.select_option("#top-n", "10")  # a filter: the Sankey sums the deals the web shows, and says so
    page.wait_for_function(f"Number(document.getElementById('sankey-chart').dataset.renders) > {renders}")
    shown = page.evaluate(
        "window.circularityGraph.edges().filter(e => e.data('live')).map(e => e.data('amount') || 0)"
    )
    assert float(page.get_attribute("#sankey-chart", "data-total")) == pytest.approx(sum(shown))
    sroot, _ = check_chart_export(page, "sankey-chart", "2026-03-31", lang)
    assert ("the 10 largest deals" if lang == "en" else "最大的 10 筆交易") in _caption_text(sroot, 0)
    # the wrapping keeps closing punctuation with its word: a width that fits all but the 。
    text = "金額單位：億美元。來源）"
    width = page.evaluate("window.circWeb.textWidth('金額單位：億美元', 12, 400) + 1")
    lines = page.evaluate(f"window.circExport.wrap({text!r}, {width}, 12, 400)")
    assert "".join(lines) == text and all(x[0] not in CLOSING for x in lines) and len(lines) == 2, lines
    nodes = ["".join(t.itertext()) for t in sroot.iter(f"{SVG}text")]
    # each node says its amount in the picture itself (an export has no hover), on a second line:
    # the payers' amounts add up to the flows the Sankey sums
    head, unit = ("AI labs pay$", "bn") if lang == "en" else ("人工智慧實驗室（付款）", "億美元")
    assert any(x.startswith(head) and x.endswith(unit) for x in nodes), nodes
    labels = page.evaluate("document.getElementById('sankey-chart').data[0].node.label")
    amounts = [lab.rsplit("<br>", 1)[1] for lab in labels[: len(labels) // 2] if "<br>" in lab]
    total = float(page.get_attribute("#sankey-chart", "data-total"))
    assert amounts and sum(map(_bn, amounts)) == pytest.approx(total, abs=5.0 * len(amounts))
    assert big.faults == []


def _bn(amount: str) -> float:
    """USD bn from a dashboard amount: ``$1,234bn``, ``12.3億美元`` (0.1 bn), ``1.23萬億美元`` (1,000 bn)."""
    for suffix, per in (("萬億美元", 1000.0), ("億美元", 0.1), ("bn", 1.0)):
        if amount.endswith(suffix):
            return float(amount.removesuffix(suffix).lstrip("$").replace(",", "")) * per
    raise AssertionError(f"not an amount: {amount!r}")


def test_every_chart_exports_with_its_caption(big: PageWatch, live_server: LiveServer) -> None:
    """The stress chart, the Monte Carlo fan and the sensitivity tornado, run and exported."""
    open_full(big, live_server, "&as_of=2026-03-31")
    page = big.page
    answered(big, lambda: page.click("#run-stress"), "#stress-chart .main-svg")
    root, _ = check_chart_export(page, "stress-chart", "2026-03-31", "en")
    assert "Shocks: OpenAI pays 50" in _caption_text(root, 0)
    page.fill("#sim-n", "100")
    answered(big, lambda: page.click("#run-simulate"), "#fan-chart .main-svg")
    today = page.evaluate("window.circ.state.meta.today")  # the models run from the preset's date
    root, _ = check_chart_export(page, "fan-chart", today, "en")
    assert "100 draws, seed 7" in _caption_text(root, 0)
    answered(big, lambda: page.click("#run-sensitivity"), "#sensitivity-chart[data-renders='1'] .main-svg")
    root, _ = check_chart_export(page, "sensitivity-chart", today, "en")
    assert "model runs" in _caption_text(root, 0)
    assert big.faults == []
