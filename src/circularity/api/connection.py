"""The server's HTTP connection: uvicorn's protocol with a header read timeout.

Uvicorn closes an idle keep-alive connection after ``timeout_keep_alive`` seconds but waits
forever for the rest of a request's headers once their first byte has arrived (or for the first
byte on a new connection), so a client can hold sockets open by sending half a request line.
:class:`HeaderTimeoutProtocol` closes a connection whose headers are not complete within
:data:`circularity.api.limits.HEADER_READ_SECONDS` of it opening or of their first byte. Body
reads are timed by :class:`circularity.api.limits.BodyLimitMiddleware`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.auto import AutoHTTPProtocol

from circularity.api.limits import HEADER_READ_SECONDS

__all__ = ["HeaderTimeoutProtocol"]


class HeaderTimeoutProtocol(AutoHTTPProtocol):  # type: ignore[misc, valid-type]
    """Uvicorn's HTTP protocol (httptools or h11) that closes connections slow to send headers."""

    header_seconds = HEADER_READ_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None

    def _awaiting_headers(self) -> bool:
        cycle = self.cycle
        return cycle is None or bool(cycle.response_complete)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_seconds, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._awaiting_headers() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._awaiting_headers():
            self._arm()  # part of the next request's headers: they have the limit to arrive
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        self._disarm()  # idle until the next request: the keep-alive timeout governs
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)
