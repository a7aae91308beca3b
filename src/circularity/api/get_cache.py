"""Repeated GETs of the JSON API answered with their first answer's bytes, before routing.

A GET of the API is a pure function of its URL, the day (``as_of`` defaults to today) and the
ledger; the routes already cache their JSON, but routing and dependency resolution still cost
about a millisecond a request, most of what the server spends on a cached answer. This cache
sits in front of the router: a URL answered 200 once is answered again from memory until the
ledger changes (an import) or the day does. Run records (``/api/runs``) are never cached.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cachetools import LRUCache
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from circularity.session.service import Service

__all__ = ["GetCache"]

#: Answers kept (least recently used dropped first).
SIZE = 4096
#: Largest answer kept, in bytes.
MAX_BYTES = 2 * 1024 * 1024
_SKIP = ("/api/runs", "/api/health")


class GetCache:
    """ASGI middleware: ``GET /api/...`` answers by URL, for the ledger of ``service``."""

    def __init__(self, app: ASGIApp, service: Service, size: int = SIZE) -> None:
        self.app, self.service, self.size = app, service, size
        # touched only on the event loop, so no lock; the LRU is the session layer's (cachetools)
        self._data: LRUCache[tuple[Any, ...], tuple[list[tuple[bytes, bytes]], bytes]] = LRUCache(size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.service.refresh()  # another process imported into the store: new generation
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not path.startswith("/api/")
            or path.startswith(_SKIP)
        ):
            await self.app(scope, receive, send)
            return
        key = (path, scope.get("query_string", b""), date.today(), self.service.generation)
        hit = self._data.get(key)  # marks it recently used
        if hit is not None:
            headers, body = hit
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        start: Message | None = None
        parts: list[bytes] = []
        whole = True

        async def keep(message: Message) -> None:
            nonlocal start, whole
            if message["type"] == "http.response.start":
                start = {**message, "headers": list(message.get("headers", []))}  # as the app sent it
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                whole = whole and not message.get("more_body", False)
            await send(message)

        await self.app(scope, receive, keep)
        if start is None or start["status"] != 200 or not whole:
            return
        body = b"".join(parts)
        headers = list(start.get("headers", []))
        if len(body) <= MAX_BYTES and (b"content-type", b"application/json") in headers:
            self._data[key] = (headers, body)  # the least recently used answer goes when full
