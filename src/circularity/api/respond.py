"""Answers as pre-serialised JSON: validate a payload once, keep its bytes, serve the bytes.

Large read views and repeated model results are cached as the exact JSON the route answers,
keyed on the validated request. A cache hit is answered on the event loop without a thread
hop or a pydantic pass; a miss runs in the model pool (off the event loop) once, however many
identical requests arrive while it runs (single flight), and within the run-time limit.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from circularity.api.errors import ApiError
from circularity.api.service import Service
from circularity.api.timing import MODEL_POOL

__all__ = ["cached_json", "dump", "json_response", "with_run_id"]

MEDIA_TYPE = "application/json"

# One asyncio future per (service, key) being computed; touched only on the event loop.
_INFLIGHT: dict[tuple[int, Any], asyncio.Future[Any]] = {}


def json_response(body: bytes) -> Response:
    """The bytes as an ``application/json`` response (no re-validation)."""
    return Response(content=body, media_type=MEDIA_TYPE)


def dump(model: BaseModel) -> bytes:
    """Validate-once serialisation of a response model."""
    return model.model_dump_json().encode()


def with_run_id(body: bytes, run_id: str) -> bytes:
    """Prepend ``"run_id"`` to a cached JSON object without re-serialising it."""
    return b'{"run_id":' + json.dumps(run_id).encode() + (b"," if body != b"{}" else b"") + body[1:]


async def cached_json(
    service: Service, key: tuple[Any, ...], make: Callable[[], Any], *, seconds: float
) -> Any:
    """``service.cached(key, make)`` without blocking the event loop.

    A hit returns at once; a miss runs ``make`` in the model pool, shared by every concurrent
    request for the same key; past ``seconds`` the request gets a 504 (the run finishes and
    is cached for the next one).
    """
    hit = service.peek(key)
    if hit is not None:
        return hit
    slot = (id(service), key)
    future = _INFLIGHT.get(slot)
    if future is None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(MODEL_POOL, service.cached, key, make)
        _INFLIGHT[slot] = future
        future.add_done_callback(lambda _: _INFLIGHT.pop(slot, None))
    try:
        return await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        raise ApiError(
            504,
            f"the run did not finish within the limit of {seconds:g} s; "
            "run it from the command line instead",
            detail={"limit_seconds": seconds},
        ) from None
