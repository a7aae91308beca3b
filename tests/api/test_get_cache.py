"""The GET cache in front of the router: same URL, same bytes, until the ledger changes."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from _serve import LiveServer

from circularity.api.get_cache import GetCache
from circularity.session.service import Service


class _App:
    """An ASGI app that counts its calls and answers JSON (404 on /api/missing)."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.calls += 1
        status = 404 if scope["path"] == "/api/missing" else 200
        body = f'{{"call": {self.calls}}}'.encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _get(app: Any, method: str, path: str, query: bytes = b"") -> tuple[int, bytes]:
    out: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            out["status"] = message["status"]
        else:
            out["body"] += message.get("body", b"")

    scope = {"type": "http", "method": method, "path": path, "query_string": query, "headers": []}
    asyncio.run(app(scope, receive, send))
    return out["status"], out["body"]


def test_a_get_is_answered_once_per_url_and_ledger() -> None:
    inner, service = _App(), Service()
    app = GetCache(inner, service)
    assert _get(app, "GET", "/api/graph", b"as_of=2025-12-31") == (200, b'{"call": 1}')
    assert _get(app, "GET", "/api/graph", b"as_of=2025-12-31") == (200, b'{"call": 1}')
    assert _get(app, "GET", "/api/graph", b"as_of=2026-03-31") == (200, b'{"call": 2}')
    service.reset()  # what an import does: the ledger changed
    assert _get(app, "GET", "/api/graph", b"as_of=2025-12-31") == (200, b'{"call": 3}')
    assert inner.calls == 3


def test_runs_errors_and_writes_are_never_cached() -> None:
    inner = _App()
    app = GetCache(inner, Service())
    for method, path in (
        ("GET", "/api/runs"),
        ("GET", "/api/missing"),
        ("POST", "/api/stress"),
        ("GET", "/"),
    ):
        first, second = _get(app, method, path), _get(app, method, path)
        assert first != second, (method, path)


def test_a_cached_answer_is_the_routed_one(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url) as c:
        first = c.get("/api/deals", params={"as_of": "2026-01-15"})
        again = c.get("/api/deals", params={"as_of": "2026-01-15"})
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    for header in ("content-type", "content-security-policy", "x-content-type-options"):
        assert first.headers[header] == again.headers[header], header
