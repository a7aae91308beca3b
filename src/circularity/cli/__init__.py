"""The ``circularity`` command line: one Typer app; each area registers its commands."""

from __future__ import annotations

import importlib
import sys

import typer

from circularity.cli.terminal import Console, escape
from circularity.errors import CircularityError

__all__ = ["app", "main"]

app = typer.Typer(
    name="circularity",
    help="Map, measure and stress-test the circular financing web of the AI industry.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # plain Click help: Typer's Rich help imports Rich's Markdown and costs ~0.4 s of CPU per --help
    rich_markup_mode=None,
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


def _usage_classes() -> tuple[type[Exception], ...]:
    """Click's exception base: Typer's vendored copy, and the standalone package where installed."""
    from typer._click.exceptions import ClickException

    classes: list[type[Exception]] = [ClickException]
    try:
        import click
    except ImportError:  # pragma: no cover - click is optional since Typer vendors it
        pass
    else:
        classes.append(click.ClickException)
    return tuple(classes)


def usage_line(exc: Exception) -> str:
    """One line for a Click usage error: the command it concerns, what is wrong, where help is."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "circularity"
    message = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
    return f"error: {where}: {message} (see '{where} --help')"


def main() -> None:
    """Entry point: run the app; errors become one line on stderr.

    A :class:`CircularityError` exits 1; a usage error (unknown option, out-of-range value,
    missing argument) exits 2, whichever copy of Click raised it.
    """

    def err() -> Console:  # Rich only when there is something to print (see cli.terminal)
        return Console(stderr=True, highlight=False, soft_wrap=True)

    try:
        code = app(prog_name="circularity", standalone_mode=False)
    except CircularityError as exc:
        err().print("[red]error:[/red] " + escape(str(exc)))
        sys.exit(1)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err().print("aborted")
        sys.exit(1)
    except _usage_classes() as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # a bare group: its help, as Click prints it
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        code_of = getattr(exc, "exit_code", 1)
        if code_of == 2 or type(exc).__name__.endswith(("UsageError", "BadParameter", "NoSuchOption")):
            err().print(escape(usage_line(exc)))
            sys.exit(2)
        err().print("[red]error:[/red] " + escape(" ".join(exc.format_message().split())))  # type: ignore[attr-defined]
        sys.exit(code_of or 1)
    if isinstance(code, int) and code:
        sys.exit(code)
