"""Answers as pre-serialised JSON: validate a payload once, keep its bytes, serve the bytes.

Large read views and repeated model results are cached as the exact JSON the route answers,
keyed on the validated request. A cache hit is answered on the event loop without a thread
hop or a pydantic pass; a miss runs in the model pool (off the event loop) once, however many
identical requests arrive while it runs (single flight), and within the run-time limit.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.responses import Response
from pydantic import BaseModel

from circularity.api.timing import MODEL_POOL, SLOW_POOL, too_slow
from circularity.session.service import Service

__all__ = ["SHARED_CACHE_ENV", "cached_json", "dump", "json_response", "remember", "with_run_id"]

#: A folder the worker processes of ``circularity serve --workers N`` share answers through
#: (read-only servers only; set by ``serve``, removed when it stops).
SHARED_CACHE_ENV = "CIRCULARITY_SERVE_SHARED_CACHE"

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


def _canonical(key: Any) -> Any:
    if isinstance(key, frozenset | set):
        return ("set", sorted(map(repr, key)))
    if isinstance(key, tuple | list):
        return tuple(_canonical(k) for k in key)
    return key


def _shared_path(key: tuple[Any, ...]) -> Path | None:
    folder = os.environ.get(SHARED_CACHE_ENV)
    if not folder:
        return None
    digest = hashlib.sha256(repr(_canonical(key)).encode()).hexdigest()
    return Path(folder) / f"{digest}.json"


def _shared(key: tuple[Any, ...], make: Callable[[], Any], pair: bool) -> Callable[[], Any]:
    """Wrap ``make`` so that worker processes share answers: read another worker's bytes if
    it made them already, else make them and leave them for the others. With ``pair``, ``make``
    returns ``(bytes, data)`` and a shared hit rebuilds ``data`` from the bytes."""
    path = _shared_path(key)
    if path is None:
        return make

    def make_shared() -> Any:
        try:
            body = path.read_bytes()
        except FileNotFoundError:
            pass
        else:
            return (body, json.loads(body)) if pair else body
        value = make()
        body = value[0] if pair else value
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(body)
        os.replace(tmp, path)  # atomic: a reader sees all of it or nothing
        return value

    return make_shared


def remember(service: Service, key: tuple[Any, ...], value: Any, *, pair: bool = False) -> None:
    """Cache an answer made elsewhere (one item of a batched run) as :func:`cached_json` would:
    in the service, and for the other worker processes when they share answers."""
    service.cached(key, _shared(key, lambda: value, pair))


async def cached_json(
    service: Service,
    key: tuple[Any, ...],
    make: Callable[[], Any],
    *,
    seconds: float,
    pair: bool = False,
    slow: bool = False,
) -> Any:
    """``service.cached(key, make)`` without blocking the event loop.

    A hit returns at once; a miss runs ``make`` in the model pool, shared by every concurrent
    request for the same key (and, under ``--workers N``, with the other worker processes
    through a shared folder); ``make`` returns the JSON bytes, or ``(bytes, data)`` with
    ``pair``; ``slow`` runs it on the slow-analytics thread; past ``seconds`` the request gets a 504 (the run finishes and
    is cached for the next one).
    """
    hit = service.peek(key)
    if hit is not None:
        return hit
    slot = (id(service), key)
    future = _INFLIGHT.get(slot)
    if future is None:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            SLOW_POOL if slow else MODEL_POOL, service.cached, key, _shared(key, make, pair)
        )
        _INFLIGHT[slot] = future
        future.add_done_callback(lambda _: _INFLIGHT.pop(slot, None))
    try:
        return await asyncio.wait_for(asyncio.shield(future), seconds)
    except TimeoutError:
        raise too_slow(seconds) from None
