"""``circularity serve`` (HTTP API + dashboard) and ``circularity report`` (HTML/PDF)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from circularity.cli.terminal import Console
from circularity.errors import CircularityError

__all__ = ["register"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def serve(
    host: Annotated[str, typer.Option(help="Interface to bind; loopback by default.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
    db: Annotated[
        Path | None, typer.Option(help="DuckDB store to serve (default: the bundled dataset).")
    ] = None,
    allow_writes: Annotated[
        bool, typer.Option("--allow-writes", help="Enable POST /api/import (needs --db and a token).")
    ] = False,
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CIRCULARITY_TOKEN",
            help="Bearer token write requests must send (or env CIRCULARITY_TOKEN).",
        ),
    ] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            max=32,
            help="Worker processes (uvicorn); read-only only. Each keeps its own cache and run list.",
        ),
    ] = 1,
    run_limit: Annotated[
        float,
        typer.Option(
            "--run-limit",
            min=1.0,
            max=3600.0,
            help="Seconds a model run may take inside one request before it is answered 504 (default 30).",
        ),
    ] = 30.0,
) -> None:
    """Serve the JSON API and the dashboard (open http://HOST:PORT/ in a browser)."""
    import uvicorn

    os.environ["CIRCULARITY_RUN_LIMIT"] = repr(run_limit)  # read by circularity.api.limits, in every worker
    from circularity.api import create_app, limits

    limits.MAX_RUN_SECONDS = run_limit  # in case the module was imported before the variable was set
    from circularity.api.connection import HeaderTimeoutProtocol

    err = Console(stderr=True)
    if host not in _LOOPBACK:
        err.print(f"[yellow]warning:[/yellow] binding {host}: the API is reachable from other machines")
    if workers > 1 and allow_writes:
        raise CircularityError(
            "--workers > 1 serves read-only: an import in one worker would leave the others' "
            "caches stale; use one worker with --allow-writes"
        )
    try:
        app = create_app(db=db, allow_writes=allow_writes, token=token)
    except ValueError as exc:
        raise CircularityError(str(exc)) from None
    mode = "read-write (import needs the bearer token)" if allow_writes else "read-only"
    err.print(
        f"circularity dashboard at http://{host}:{port}/  ({mode}; "
        f"{workers} worker{'s' if workers > 1 else ''}; Ctrl-C to stop)"
    )
    if workers == 1:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="warning",
            timeout_keep_alive=60,
            http=HeaderTimeoutProtocol,
        )
        return
    import tempfile

    from circularity.api.app import DB_ENV
    from circularity.api.respond import SHARED_CACHE_ENV

    os.environ[DB_ENV] = str(db.resolve()) if db is not None else ""
    with tempfile.TemporaryDirectory(prefix="circularity-serve-") as shared:
        os.environ[SHARED_CACHE_ENV] = shared  # workers share computed answers (read-only server)
        uvicorn.run(
            "circularity.api.app:app_from_env",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="warning",
            timeout_keep_alive=60,
            http=HeaderTimeoutProtocol,
        )


def report(
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")],
    scenario: Annotated[str, typer.Option(help="Projection preset or scenario name.")] = "baseline",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Ledger as known on this date (default today).")
    ] = None,
    pdf: Annotated[Path | None, typer.Option(help="Also print a PDF with headless Chromium.")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB store (default: bundled dataset).")] = None,
    draws: Annotated[
        int, typer.Option(min=0, max=100_000, help="Monte Carlo draws in the report (0: none).")
    ] = 1000,
    lang: Annotated[
        str, typer.Option("--lang", help="en, zh-Hans or zh-Hant (an unknown one: English, with a notice).")
    ] = "en",
    backtest: Annotated[
        str | None, typer.Option("--backtest", help="Write the backtest page of this dataset (e.g. telecom).")
    ] = None,
) -> None:
    """Write one self-contained offline HTML report (and optionally a PDF)."""
    from circularity.ledger.dates import parse_date
    from circularity.report import build_report, write_pdf

    if backtest is not None:
        from circularity.report.backtest_page import build_backtest_report

        path = build_backtest_report(out, backtest, draws=max(draws, 1))
        typer.echo(f"report written: {path.resolve()}")
        if pdf is not None:
            typer.echo(f"pdf written: {write_pdf(path, pdf).resolve()}")
        return

    try:
        when = parse_date(as_of) if as_of else date.today()
    except ValueError as exc:
        raise CircularityError(f"--as-of: {exc}") from None
    if os.path.isdir(out):
        raise CircularityError(f"--out {out} is a folder; give a file name such as report.html")
    from circularity.i18n import resolve

    language = resolve(lang)
    if language.notice:
        typer.echo(f"warning: {language.notice}", err=True)
    path = build_report(
        out,
        as_of=when,
        scenario=scenario,
        db=db,
        draws=draws,
        lang=language.tag if not language.fallback else lang,
    )
    typer.echo(f"report written: {path.resolve()}")
    if pdf is not None:
        written = write_pdf(path, pdf)
        typer.echo(f"pdf written: {written.resolve()}")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and ``report`` to the root CLI."""
    app.command("serve")(serve)
    app.command("report")(report)
