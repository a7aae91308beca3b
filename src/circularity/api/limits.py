"""Request limits of the HTTP API: body size, draws, run time. One place, documented in docs/api.md."""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from typing import Any

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from circularity.api.errors import error_response
from circularity.errors import OptionError

__all__ = [
    "BODY_READ_SECONDS",
    "HEADER_READ_SECONDS",
    "MAX_BODY_BYTES",
    "MAX_DRAWS",
    "MAX_IMPORT_BYTES",
    "MAX_NULL_WEBS",
    "MAX_RUN_SECONDS",
    "MAX_SHOCKS",
    "RUN_LIMIT_ENV",
    "BodyLimitMiddleware",
    "StrictJsonBody",
]

#: A request's body must arrive within this many seconds of the app asking for it (408 and the
#: connection closed otherwise): a client announcing 1,000 bytes and sending 2 holds nothing.
BODY_READ_SECONDS = 10.0
#: A request's headers must arrive within this many seconds of the connection opening or of
#: their first byte (the connection is closed otherwise; see ``circularity.api.connection``).
HEADER_READ_SECONDS = 10.0
#: Largest JSON body accepted on any route but import.
MAX_BODY_BYTES = 64 * 1024
#: Largest body accepted by ``POST /api/import`` (a whole ledger as JSON).
MAX_IMPORT_BYTES = 16 * 1024 * 1024
#: Most Monte Carlo draws one request may ask for; larger runs go through the CLI.
MAX_DRAWS = 20_000
#: Environment variable ``circularity serve --run-limit`` sets for the server and its workers.
RUN_LIMIT_ENV = "CIRCULARITY_RUN_LIMIT"


def _run_limit() -> float:
    raw = os.environ.get(RUN_LIMIT_ENV, "30")
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 1.0 <= value <= 3600.0):
        raise OptionError(f"{RUN_LIMIT_ENV}={raw!r}: a run limit must be a number of seconds in [1, 3600]")
    return value


#: Longest a model run (stress, projection, simulation) may take inside one request
#: (``circularity serve --run-limit``; 30 s unless set).
MAX_RUN_SECONDS = _run_limit()
#: Most shocked entities in one stress request.
MAX_SHOCKS = 50
#: Null webs per significance request (GET /api/loops?null=N); larger: `circularity loops --null`.
MAX_NULL_WEBS = 1_000


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through to the handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit:,} bytes")


class _TooSlow(HTTPException):
    def __init__(self, seconds: float) -> None:
        super().__init__(408, f"request body not received within {seconds:g} s")


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, from ``Content-Length`` or while streaming, and
    bodies that do not arrive within ``read_seconds`` with 408 (closing the connection)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = MAX_BODY_BYTES,
        large_paths: dict[str, int] | None = None,
        read_seconds: float = BODY_READ_SECONDS,
    ) -> None:
        self.app = app
        self.default = default
        self.large_paths = large_paths or {}
        self.read_seconds = read_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.large_paths.get(scope.get("path", ""), self.default)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    length = -1
                if length < 0 or length > limit:
                    await self._refuse(scope, receive, send, limit)
                    return
        seen = 0
        deadline: float | None = None
        complete = timed_out = False

        async def limited_receive() -> Message:
            nonlocal seen, deadline, complete, timed_out
            if complete:  # the body is in: what is left is waiting for a disconnect
                return await receive()
            if deadline is None:
                deadline = time.monotonic() + self.read_seconds
            try:
                message = await asyncio.wait_for(receive(), max(deadline - time.monotonic(), 0.0))
            except TimeoutError:
                timed_out = True
                raise _TooSlow(self.read_seconds) from None
            if message["type"] == "http.request":
                complete = not message.get("more_body", False)
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if timed_out:  # the rest of the body is not awaited: close the connection
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)
        except _TooSlow as exc:
            if not started:
                response = error_response(408, exc.detail, detail={"limit_seconds": self.read_seconds})
                await response(scope, receive, tracking_send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413,
            f"request body over the limit of {limit:,} bytes",
            detail={"limit_bytes": limit},
        )
        await response(scope, receive, send)


class _Duplicate(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Duplicate(f"duplicate key {key!r} in the JSON body; give each key once")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise _Duplicate(f"{name} in the JSON body is not JSON; give a finite number")


class StrictJsonBody:
    """Refuse JSON bodies with a repeated key (the second would silently win) or ``NaN`` and
    ``Infinity`` literals (not JSON; Python's parser accepts them) with 400, before a route sees
    them. Other parse errors are left to the route's own 400/422. Runs inside the body limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message], receive), send)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except _Duplicate as exc:
            await error_response(400, str(exc))(scope, receive, send)
            return
        except (ValueError, RecursionError):
            pass  # not JSON at all: the route says so, as it would have
        await self.app(scope, _replay([{"type": "http.request", "body": body}], receive), send)


def _replay(messages: list[Message], receive: Receive) -> Receive:
    async def replayed() -> Message:
        return messages.pop(0) if messages else await receive()

    return replayed
