"""Request limits of the HTTP API: body size, draws, run time. One place, documented in docs/api.md."""

from __future__ import annotations

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from circularity.api.errors import error_response

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DRAWS",
    "MAX_IMPORT_BYTES",
    "MAX_NULL_WEBS",
    "MAX_RUN_SECONDS",
    "MAX_SHOCKS",
    "BodyLimitMiddleware",
]

#: Largest JSON body accepted on any route but import.
MAX_BODY_BYTES = 64 * 1024
#: Largest body accepted by ``POST /api/import`` (a whole ledger as JSON).
MAX_IMPORT_BYTES = 16 * 1024 * 1024
#: Most Monte Carlo draws one request may ask for; larger runs go through the CLI.
MAX_DRAWS = 20_000
#: Longest a model run (stress, projection, simulation) may take inside one request.
MAX_RUN_SECONDS = 30.0
#: Most shocked entities in one stress request.
MAX_SHOCKS = 50
#: Null webs per significance request (GET /api/loops?null=N); larger: `circularity loops --null`.
MAX_NULL_WEBS = 1_000


class _TooLarge(HTTPException):
    """Raised while the body streams in; FastAPI passes HTTP exceptions through to the handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over the limit of {limit:,} bytes")


class BodyLimitMiddleware:
    """Refuse bodies over the limit with 413, from ``Content-Length`` or while streaming."""

    def __init__(
        self, app: ASGIApp, *, default: int = MAX_BODY_BYTES, large_paths: dict[str, int] | None = None
    ) -> None:
        self.app = app
        self.default = default
        self.large_paths = large_paths or {}

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

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = error_response(
            413,
            f"request body over the limit of {limit:,} bytes",
            detail={"limit_bytes": limit},
        )
        await response(scope, receive, send)
