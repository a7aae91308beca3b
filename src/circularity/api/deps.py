"""Shared route dependencies: the service, the as-of date, the write guard."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Annotated

from fastapi import Depends, Query, Request

from circularity.api.errors import ApiError
from circularity.ledger import Ledger
from circularity.session.service import Service

__all__ = ["AsOf", "LedgerDep", "ServiceDep", "require_writer"]

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


def require_writer(request: Request) -> None:
    """Writes need the app started with ``allow_writes`` and the start-up bearer token."""
    token: str | None = request.app.state.token
    if not request.app.state.allow_writes or not token:
        raise ApiError(403, "the server is read-only; start it with --allow-writes and a token")
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise ApiError(
            401,
            "missing bearer token; send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not secrets.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "wrong bearer token", headers={"WWW-Authenticate": "Bearer"})
