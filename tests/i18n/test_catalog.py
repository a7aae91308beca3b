"""Message catalogs: every message the dashboard and the report show has a translation in each
language (a test that fails on an untranslated string), and unknown languages fall back."""

from __future__ import annotations

import re

import pytest

from circularity.i18n import messages, resolve, translations
from circularity.i18n.catalog import LANGS
from circularity.i18n.extract import dashboard_messages, report_messages

CHINESE = ("zh-Hans", "zh-Hant")
PLACEHOLDER = re.compile(r"\{\w+\}|%\(\w+\)s")


@pytest.mark.parametrize("lang", CHINESE)
def test_every_message_is_translated(lang: str) -> None:
    shown = [*dashboard_messages(), *report_messages()]
    assert len(shown) > 250  # the extractor sees the pages (not an empty list that passes)
    catalog = messages(lang)
    missing = [m for m in shown if not catalog.get(m)]
    assert missing == [], f"{lang}: {len(missing)} untranslated; run python -m circularity.i18n.extract"


@pytest.mark.parametrize("lang", CHINESE)
def test_translations_keep_placeholders_and_are_chinese(lang: str) -> None:
    for msgid, text in messages(lang).items():
        assert sorted(PLACEHOLDER.findall(msgid)) == sorted(PLACEHOLDER.findall(text)), msgid
    # a sample of plain words really is in Chinese (a catalog of copies of English would pass above)
    assert all(
        re.search(r"[\u4e00-\u9fff]", messages(lang)[w]) for w in ("The web of deals", "Claims", "cash")
    )


def test_traditional_and_simplified_differ_where_the_scripts_do() -> None:
    hans, hant = messages("zh-Hans"), messages("zh-Hant")
    assert hans["The web of deals"] == "交易网络" and hant["The web of deals"] == "交易網路"  # Taiwan usage
    assert hans["$bn"] == "亿美元" and hant["$bn"] == "億美元"


@pytest.mark.parametrize(
    ("asked", "tag", "fallback"),
    [
        (None, "en", False),
        ("zh-Hant", "zh-Hant", False),
        ("zh_hans", "zh-Hans", False),
        ("zh-TW", "zh-Hant", False),
        ("zh-CN", "zh-Hans", False),
        ("fr", "en", True),
        ("zh-Hant'><script>", "en", True),
    ],
)
def test_resolve(asked: str | None, tag: str, fallback: bool) -> None:
    got = resolve(asked)
    assert (got.tag, got.fallback) == (tag, fallback)
    assert (got.notice is not None) == fallback
    if fallback:
        assert "showing English" in (got.notice or "") and all(t in (got.notice or "") for t in LANGS)


def test_gettext_translations_for_the_report() -> None:
    assert translations("zh-Hant").gettext("Contents") == "目錄"
    assert translations("en").gettext("Contents") == "Contents"
    assert translations("zh-Hans").gettext("a message nobody wrote") == "a message nobody wrote"
