"""The ``circularity`` command line: one Typer app; each area registers its commands."""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

from circularity.errors import CircularityError

__all__ = ["app", "main"]

app = typer.Typer(
    name="circularity",
    help="Map, measure and stress-test the circular financing web of the AI industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Map, measure and stress-test the circular financing web of the AI industry."""


# Each module below defines ``register(app)``; add an area's module name here when it lands.
_COMMAND_MODULES: tuple[str, ...] = (
    "analytics",
    "backtest",
    "claims",
    "contagion",
    "demo",
    "ledger",
    "project",
    "reactions",
    "simulate",
    "stress",
    "web",
)

for _name in _COMMAND_MODULES:
    importlib.import_module(f"circularity.cli.{_name}").register(app)


def main() -> None:
    """Entry point: run the app; a CircularityError becomes one red line and exit code 1."""
    err = Console(stderr=True)
    try:
        code = app(standalone_mode=False)
    except CircularityError as exc:
        err.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(1)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
    if isinstance(code, int) and code:
        sys.exit(code)
