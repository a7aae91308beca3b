"""Shared route dependencies: the service, the as-of date, the write guard."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request
from starlette.types import ASGIApp, Receive, Scope, Send

from circularity.api.errors import ApiError, error_response
from circularity.ledger import Ledger
from circularity.session.service import Service

__all__ = ["AsOf", "LedgerDep", "ServiceDep", "WriteGate", "require_writer", "writer_refusal"]

_EARLIEST = date(1990, 1, 1)
_LATEST = date(2100, 12, 31)


async def get_service(request: Request) -> Service:
    return request.app.state.service  # type: ignore[no-any-return]


ServiceDep = Annotated[Service, Depends(get_service)]


async def as_of_param(
    as_of: Annotated[
        date | None,
        Query(description="The web as known on this date (ISO, e.g. 2025-12-31); default today."),
    ] = None,
) -> date | None:
    if as_of is not None and not (_EARLIEST <= as_of <= _LATEST):
        raise ApiError(
            422,
            f"as_of {as_of.isoformat()} is out of range; give a date between "
            f"{_EARLIEST.isoformat()} and {_LATEST.isoformat()}",
        )
    return as_of


AsOf = Annotated[date | None, Depends(as_of_param)]


def get_ledger(service: ServiceDep, as_of: AsOf) -> Ledger:
    return service.ledger(as_of)


LedgerDep = Annotated[Ledger, Depends(get_ledger)]


def writer_refusal(allow_writes: bool, token: str | None, authorization: str) -> ApiError | None:
    """Why a write request is refused (403 read-only server, 401 missing or wrong token), or None."""
    if not allow_writes or not token:
        return ApiError(403, "the server is read-only; start it with --allow-writes and a token")
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return ApiError(
            401,
            "missing bearer token; send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(given.strip().encode(), token.encode()):
        return ApiError(401, "wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
    return None


def require_writer(request: Request) -> None:
    """Writes need the app started with ``allow_writes`` and the start-up bearer token."""
    refusal = writer_refusal(
        request.app.state.allow_writes, request.app.state.token, request.headers.get("authorization", "")
    )
    if refusal is not None:
        raise refusal


class WriteGate:
    """ASGI middleware: a write route's token is checked from the headers before its body is
    read or parsed (FastAPI parses a body before running the route's dependencies)."""

    def __init__(self, app: ASGIApp, *, paths: frozenset[str]) -> None:
        self.app = app
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path") in self.paths:
            state = scope["app"].state
            headers = dict(scope.get("headers", ()))
            refusal = writer_refusal(
                state.allow_writes,
                state.token,
                headers.get(b"authorization", b"").decode("latin-1"),
            )
            if refusal is not None:
                response = error_response(
                    refusal.status, refusal.message, type=refusal.type, headers=refusal.headers
                )
                response.headers["connection"] = "close"  # the unread body is not awaited
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
