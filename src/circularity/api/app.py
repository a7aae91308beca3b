"""The FastAPI application: JSON API under ``/api``, the dashboard at ``/``.

Read-only by default. ``allow_writes=True`` with a bearer ``token`` adds ``POST /api/import``.
No route takes a file path; the only data source is the dataset or the store given here.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from circularity import __version__
from circularity.api import limits
from circularity.api.batching import Answers, Batcher, Work, answer_all
from circularity.api.deps import WriteGate
from circularity.api.errors import install_error_handlers
from circularity.api.get_cache import GetCache
from circularity.api.respond import SHARED_CACHE_ENV, remember
from circularity.api.routers import (
    claims,
    graph,
    i18n,
    imports,
    ledger,
    meta,
    projection,
    runs,
    sensitivity,
    stress,
)
from circularity.api.runs import RunRegistry
from circularity.api.timing import MODEL_POOL
from circularity.errors import OptionError
from circularity.session.service import Service

if TYPE_CHECKING:  # the model process imports this package; it must not import itself early
    from circularity.api.offload import ModelProcess

__all__ = ["DB_ENV", "STATIC_DIR", "app_from_env", "create_app"]

#: Store path handed to each worker process of ``circularity serve --workers N``.
DB_ENV = "CIRCULARITY_SERVE_DB"

STATIC_DIR = Path(str(resources.files("circularity.api") / "static"))

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; font-src 'self' data:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


class _SecurityHeaders:
    """Offline, same-origin only: the dashboard can load nothing from elsewhere."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", _CSP.encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    db: str | Path | None = None,
    allow_writes: bool = False,
    token: str | None = None,
    *,
    dataset: str = "ai",
    model_process: bool | None = None,
) -> FastAPI:
    """Build the app.

    Parameters
    ----------
    db
        A DuckDB store to read (and import into); default: the bundled dataset, read-only.
    allow_writes
        Add the import endpoint. Needs ``token`` and ``db``.
    token
        Bearer token that write requests must send; given at start-up, never stored.
    dataset
        Bundled dataset when no ``db`` is given.
    model_process
        Run stress tests, projections and null models in model processes of their own
        (:mod:`circularity.api.offload`); default: yes unless writes are allowed (an import
        would leave their copy of the ledger behind).
    """
    if allow_writes and not token:
        raise OptionError("allow_writes needs a bearer token (--token or CIRCULARITY_TOKEN)")
    if allow_writes and db is None:
        raise OptionError("allow_writes needs a store to write to (--db PATH)")
    service = Service(db=Path(db) if db is not None else None, dataset=dataset)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        import anyio.to_thread

        await anyio.to_thread.run_sync(service.warm)  # first page render without a cold start
        gc.freeze()  # the ledger and webs live as long as the server: keep them out of full collections
        processes: dict[str, ModelProcess] = {}
        if model_process if model_process is not None else db is None:
            from circularity.api import offload

            processes = offload.start(service.full_ledger(), dataset, asyncio.get_running_loop())
            for kind, batcher in app.state.batchers.items():
                batcher.run = in_process(processes[kind], batcher)
            service.remote = partial(processes["slow"].call_from_thread, offload.call_method)
        # today's significance test, off the start-up path; under --workers N the workers share
        # the first request's answer instead (respond.SHARED_CACHE_ENV)
        service.warm_later(null_model=not os.environ.get(SHARED_CACHE_ENV))
        try:
            yield
        finally:
            service.remote = None
            for process in processes.values():
                process.close()

    app = FastAPI(
        lifespan=lifespan,
        title="circularity",
        version=__version__,
        summary="The circular financing web of the AI industry: ledger, graph, models.",
        docs_url=None,  # Swagger UI loads from a CDN; the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.service = service
    app.state.allow_writes = allow_writes
    app.state.token = token
    install_error_handlers(app)
    app.state.runs = RunRegistry()

    async def in_threads(work: Work) -> Answers:
        return await asyncio.get_running_loop().run_in_executor(MODEL_POOL, answer_all, service, work)

    def in_process(process: ModelProcess, batcher: Batcher) -> Callable[[Work], Awaitable[Answers]]:
        from circularity.errors import ModelProcessGone

        async def run(work: Work) -> Answers:
            try:
                return await process.call(answer_all, work)  # type: ignore[no-any-return]
            except ModelProcessGone:
                batcher.run = in_threads  # it ended (logged): from now on, in this process
                return await in_threads(work)

        return run

    # stress and projection cache misses, batched; in a model process each once they start
    app.state.batchers = {
        kind: Batcher(in_threads, partial(remember, service, pair=True), seconds=limits.MAX_RUN_SECONDS)
        for kind in ("stress", "project")
    }
    for router in (
        meta.router,
        ledger.router,
        graph.router,
        stress.router,
        projection.router,
        sensitivity.router,
        claims.router,
        runs.router,
        i18n.router,
    ):
        app.include_router(router)
    if allow_writes:
        app.include_router(imports.router)

    @app.get("/", include_in_schema=False)
    def dashboard() -> Response:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(limits.StrictJsonBody)  # inside the body limit: reads what it let through
    app.add_middleware(limits.BodyLimitMiddleware, large_paths={"/api/import": limits.MAX_IMPORT_BYTES})
    if allow_writes:  # outside the body limit: no token, no body read (not even its length checked)
        app.add_middleware(WriteGate, paths=frozenset({"/api/import"}))
    app.add_middleware(GetCache, service=service)
    app.add_middleware(_SecurityHeaders)
    return app


def app_from_env() -> FastAPI:
    """Read-only app factory for ``circularity serve --workers N`` (uvicorn imports it in each
    worker process): the store path comes from ``CIRCULARITY_SERVE_DB`` (empty: bundled dataset)."""
    import os

    # the workers are the parallelism here: no model process each
    return create_app(db=os.environ.get(DB_ENV) or None, model_process=False)
