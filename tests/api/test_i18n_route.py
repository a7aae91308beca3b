"""``GET /api/i18n``: a language's messages and entity names; unknown languages fall back."""

from __future__ import annotations

import httpx


def test_traditional_chinese(client: httpx.Client) -> None:
    r = client.get("/api/i18n", params={"lang": "zh-Hant"})
    assert r.status_code == 200
    body = r.json()
    assert body["lang"] == "zh-Hant" and body["fallback"] is False and body["notice"] is None
    assert body["messages"]["The web of deals"] == "交易網路"
    assert body["entities"]["nvidia"] == "輝達"
    assert set(body["languages"]) == {"en", "zh-Hans", "zh-Hant"}


def test_unknown_language_is_english_with_a_notice(client: httpx.Client) -> None:
    body = client.get("/api/i18n", params={"lang": "klingon"}).json()
    assert body["lang"] == "en" and body["fallback"] is True
    assert body["messages"] == {} and body["entities"] == {}
    assert "klingon" in body["notice"] and "English" in body["notice"]


def test_too_long_a_tag_is_a_422(client: httpx.Client) -> None:
    r = client.get("/api/i18n", params={"lang": "x" * 100})
    assert r.status_code == 422 and r.json()["error"]["type"] == "validation_error"
