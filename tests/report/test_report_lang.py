"""``circularity report --lang``: the report in Simplified and Traditional Chinese, through the
message catalogs, with money in 億/亿美元 and entity names from the reviewed table; an unknown
language is English with a notice. The report is built as of 2026-03-31 (the date whose
projection once crashed Merton's solver)."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from circularity.cli import app
from circularity.i18n import messages, translations
from circularity.i18n.extract import report_messages
from circularity.report import build
from circularity.report.build import render_report, report_context
from circularity.session.service import Service

AS_OF = "2026-03-31"
DRAWS = 50  # enough for the Monte Carlo section and its figure to be drawn and translated
UNIT = {"zh-Hans": "亿美元", "zh-Hant": "億美元"}
NVIDIA = {"zh-Hans": "英伟达", "zh-Hant": "輝達"}


@pytest.fixture(scope="module")
def service() -> Service:
    return Service()


class Recording:
    """A language's gettext catalog that records every message looked up without a translation
    (what the reader would see in English): the report's counterpart of the dashboard's
    ``circI18n.state.missing``."""

    def __init__(self, lang: str) -> None:
        self.inner = build.translations(lang)
        self.known = {k for k, v in messages(lang).items() if v}
        self.missing: set[str] = set()

    def _seen(self, msgid: str) -> None:
        if msgid.strip() and msgid not in self.known:
            self.missing.add(msgid)

    def gettext(self, msgid: str) -> str:
        self._seen(msgid)
        return str(self.inner.gettext(msgid))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        self._seen(singular)
        return str(self.inner.ngettext(singular, plural, n))


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory, service: Service) -> dict[str, Any]:
    """zh-Hant through the CLI (the real entry point), zh-Hans and English from the same
    context builder on one shared service (so the three runs cost about one); every catalog
    lookup of the Chinese ones recorded."""
    recorders = {lang: Recording(lang) for lang in ("zh-Hans", "zh-Hant")}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(build, "translations", lambda tag: recorders.get(tag) or translations(tag))
        out = tmp_path_factory.mktemp("report-lang") / "report-zh-Hant.html"
        cli = ["report", "--out", str(out), "--as-of", AS_OF, "--draws", str(DRAWS), "--lang", "zh-Hant"]
        result = CliRunner().invoke(app, cli)
        assert result.exit_code == 0, result.output
        pages: dict[str, Any] = {"zh-Hant": out.read_text(encoding="utf-8")}
        for lang in ("zh-Hans", "en"):
            ctx = report_context(as_of=date.fromisoformat(AS_OF), draws=DRAWS, service=service, lang=lang)
            pages[lang] = render_report(ctx)
    pages["missing"] = {lang: sorted(r.missing) for lang, r in recorders.items()}
    return pages


def figures(page: str) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """Every inlined Plotly figure's traces and layout (``Plotly.newPlot("id", data, layout, ...)``)."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r"Plotly\.newPlot\(\s*\"[^\"]+\",\s*", page):
        data, end = dec.raw_decode(page, m.end())
        layout, _ = dec.raw_decode(page, re.compile(r",\s*").match(page, end).end())  # type: ignore[union-attr]
        out.append((data, layout))
    return out


def _title(part: Any) -> str:
    t = part.get("title", "") if isinstance(part, dict) else ""
    return str(t.get("text", "")) if isinstance(t, dict) else str(t or "")


def visible_text(page: str) -> str:
    """What a reader sees: the page's text without scripts and styles, plus every figure's
    titles, axis titles, legend names and annotations (from the inlined Plotly JSON)."""
    words: list[str] = []
    for data, lay in figures(page):
        words.extend(str(trace.get("name", "")) for trace in data)
        words.append(_title(lay))
        words.extend(_title(lay.get(axis)) for axis in ("xaxis", "yaxis"))
        words.extend(str(a.get("text", "")) for a in lay.get("annotations", []))
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return html.unescape(body) + "\n" + "\n".join(words)


def english_messages(english_page: str) -> list[str]:
    """The report's own sentences and labels (its template and builders, from the catalog
    extractor) that the English page shows: sentences, long enough not to be found inside the
    data's own English (claims, source titles)."""
    text = visible_text(english_page)
    out = []
    for msgid in report_messages():
        plain = re.split(r"%\(\w+\)s|\{\w+\}", msgid)
        longest = max(plain, key=len).strip()
        if len(longest) >= 30 and longest in text:
            out.append(longest)
    return out


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_report_is_in_chinese_with_no_english_left(reports: dict[str, str], lang: str) -> None:
    page = reports[lang]
    assert f'<html lang="{lang}">' in page
    assert 'class="notice"' not in page
    assert reports["missing"][lang] == [], (
        f"{lang}: looked up without a translation: {reports['missing'][lang]}"
    )
    shown = english_messages(reports["en"])
    assert len(shown) > 20, "the English page shows the report's sentences (the check can fail)"
    text = visible_text(page)
    left = [m for m in shown if m in text]
    assert left == [], f"{lang}: English left in the report: {left}"
    # every figure's title is in Chinese (titles are built in Python, not the template)
    titles = [_title(lay) for _, lay in figures(page)]
    assert titles and all(re.search(r"[\u4e00-\u9fff]", t) for t in titles if t), titles


@pytest.mark.parametrize("lang", ["zh-Hans", "zh-Hant"])
def test_money_names_and_figures_in_the_chinese_convention(reports: dict[str, str], lang: str) -> None:
    page = reports[lang]
    # the claims table keeps each claim's own unit (USD_bn: 十億美元, as published); the rest of
    # the page states money in 億
    text = visible_text(re.sub(r'<table class="claims">.*?</table>', " ", page, flags=re.S))
    unit = UNIT[lang]
    assert unit in text and "$bn" not in text and "十億美元" not in text and "十亿美元" not in text
    # every money chart's axis is in 億 (ten per billion), the headlines too
    figs = figures(page)
    assert len(figs) >= 5
    money_axes = [_title(lay.get(a)) for _, lay in figs for a in ("xaxis", "yaxis")]
    assert money_axes.count(unit) >= 4 and not any("$" in a for a in money_axes)
    assert NVIDIA[lang] in page  # in the web figure (SVG text) and the tables
    assert NVIDIA[lang] in re.search(r"<svg[^>]*class=\"web-figure\".*?</svg>", page, re.S).group(0)  # type: ignore[union-attr]
    # the projection's headline is the English one × 10 in 億 (each rounded to its own unit)
    en = re.search(r"<b>\$([\d,]+)bn</b>OpenAI funding need to 2030", reports["en"])
    zh = re.search(rf"<b>([\d,]+){unit}</b>OpenAI", page)
    assert en is not None and zh is not None
    bn, yi = (int(m.group(1).replace(",", "")) for m in (en, zh))
    assert abs(yi - 10 * bn) <= 5, (bn, yi)


def test_english_report_is_unchanged_and_an_unknown_language_says_so(
    reports: dict[str, str], service: Service, tmp_path: Path
) -> None:
    assert '<html lang="en">' in reports["en"] and "$bn" in reports["en"]
    ctx: dict[str, Any] = report_context(
        as_of=date.fromisoformat(AS_OF), draws=0, service=service, lang="xx-YY"
    )
    page = render_report(ctx)
    assert '<html lang="en">' in page
    notice = re.search(r'<p class="notice">(.*?)</p>', page, re.S)
    assert notice is not None and "xx-YY" in html.unescape(notice.group(1))
    assert "showing English" in html.unescape(notice.group(1))


def test_captions_state_the_ledger_date_each_figure_was_drawn_from(reports: dict[str, Any]) -> None:
    """The report is of 2026-03-31; its projection, Monte Carlo and tornado run from the
    baseline's ledger of today (the preset states no date), and their captions say so, with
    model results in the source line (the stress test too); the web is drawn as of the report's
    date, from deals as reported."""
    page = html.unescape(reports["en"])
    today = date.today().isoformat()
    runs_from = f"Ledger as of {today}, the date the model runs from (not the report's date)"
    assert page.count(runs_from) == 3, "projection, Monte Carlo, sensitivity"
    assert page.count("model results for the inputs stated, not reported figures") == 4, "and the stress test"
    assert f"As of {AS_OF}; the ledger's knowledge ends {AS_OF}" in page
    assert "deals as reported, not simulated" in page
    zh = html.unescape(reports["zh-Hant"])
    assert zh.count(f"帳本截至 {today}，即模型運行所依據的日期（並非本報告的日期）") == 3
