"""One JSON error shape for every 4xx and 5xx the API answers.

::

    {"error": {"status": 404, "type": "not_found", "message": "unknown deal 'X'", "detail": null}}

``type`` is a stable machine-readable word; ``message`` is one human sentence naming the bad
value and what is allowed; ``detail`` carries structured extras (validation problems, limits).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from circularity.errors import (
    AccountingError,
    CircularityError,
    ConvergenceError,
    FormulaError,
    LedgerError,
    NetworkError,
    OptionError,
    ScenarioError,
    SolverError,
    StoreError,
)

__all__ = ["ApiError", "ErrorBody", "ErrorResponse", "error_response", "install_error_handlers"]

log = logging.getLogger("circularity.api")

_TYPES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}


class ErrorBody(BaseModel):
    """The inside of every error answer."""

    status: int
    type: str
    message: str
    detail: Any = None


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer: ``{"error": {...}}``."""

    error: ErrorBody


#: For ``responses=`` in route declarations, so the OpenAPI schema documents the shape.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorResponse, "description": word.replace("_", " ")}
    for code, word in ((400, "bad_request"), (404, "not_found"), (422, "validation_error"))
}


class ApiError(CircularityError):
    """Raise inside a route to answer with the error shape."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        detail: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.type = type or _TYPES.get(status, "error")
        self.message = message
        self.detail = detail
        self.headers = headers


def error_response(
    status: int,
    message: str,
    *,
    type: str | None = None,
    detail: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The error shape as a response."""
    body = {
        "error": {
            "status": status,
            "type": type or _TYPES.get(status, "error"),
            "message": message,
            "detail": jsonable_encoder(detail),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _status_of(exc: CircularityError) -> int:
    if isinstance(exc, LedgerError | ScenarioError | NetworkError):
        return 422
    if isinstance(exc, StoreError):
        return 400
    if isinstance(exc, OptionError | FormulaError):
        return 422
    if isinstance(exc, AccountingError | ConvergenceError | SolverError):
        return 500
    return 400


def install_error_handlers(app: FastAPI) -> None:
    """Route every error (ours, FastAPI's, Starlette's, unexpected) to the one shape."""

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, type=exc.type, detail=exc.detail, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else _TYPES.get(exc.status_code, "error")
        if exc.status_code == 404 and message == "Not Found":
            message = "no such route; the API is described at /openapi.json"
        elif exc.status_code == 405:
            message = "method not allowed on this route; see /openapi.json"
        headers = getattr(exc, "headers", None)
        return error_response(exc.status_code, message, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
            for err in exc.errors()
        ]
        first = problems[0] if problems else {"loc": [], "msg": "invalid request"}
        where = ".".join(first["loc"])
        message = f"invalid request: {where}: {first['msg']}" if where else str(first["msg"])
        return error_response(422, message, detail=problems)

    @app.exception_handler(CircularityError)
    async def _domain_error(_: Request, exc: CircularityError) -> JSONResponse:
        status = _status_of(exc)
        detail = None
        if isinstance(exc, LedgerError):
            detail = [str(p) for p in exc.problems]
        return error_response(status, str(exc).splitlines()[0], detail=detail)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, f"internal error: {type(exc).__name__}; see the server log")
