"""``circularity claims``: every published claim with its computed figure and verdict."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Annotated

import typer

from circularity.cli.terminal import Console, Table

if TYPE_CHECKING:
    from circularity.claims import ClaimsResult

from circularity.cli.machine_output import to_json

__all__ = ["register"]

_STYLE = {"holds": "green", "does not hold": "red", "not computable": "yellow"}


def _num(x: float | None) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    if float(x).is_integer() and abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _table(result: ClaimsResult) -> Table:
    table = Table(title=f"Published claims checked as of {result.as_of}", show_lines=False)
    for name, kw in (
        ("id", {"no_wrap": True}),
        ("computed", {"justify": "right"}),
        ("claimed", {"justify": "right"}),
        ("model", {"justify": "right"}),
        ("unit", {}),
        ("verdict", {}),
        ("reason", {"ratio": 1}),
    ):
        table.add_column(name, **kw)
    for r in result.results:
        style = _STYLE[r.verdict]
        table.add_row(
            r.id,
            _num(r.computed),
            _num(r.claimed),
            _num(r.model),
            r.unit,
            f"[{style}]{r.verdict}[/{style}]",
            "; ".join(p for p in (r.reason, r.model_reason) if p),
        )
    return table


def claims(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Check against the web as known on this date (YYYY-MM-DD).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    claim_id: Annotated[
        list[str] | None, typer.Option("--id", help="Check only this claim (repeatable).")
    ] = None,
    dataset: Annotated[
        str, typer.Option("--dataset", help="Bundled dataset; the published claims are about ai.")
    ] = "ai",
) -> None:
    """Check every published claim against the data and the published models: holds, does not
    hold, or not computable (with the reason)."""
    from circularity.claims import check_claims
    from circularity.errors import OptionError
    from circularity.ledger import load

    if dataset != "ai":
        raise OptionError(
            f"--dataset {dataset}: the published claims are about the ai web only; claims runs on: ai"
        )
    ledger = load("ai", as_of=as_of)
    try:
        result = check_claims(ledger, ids=claim_id or None)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0]), param_hint="--id") from None
    if as_json:
        typer.echo(to_json([r.to_dict() for r in result.results]))
        return
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=200)
    console.print(_table(result))
    counts = result.counts()
    console.print(", ".join(f"{n} {v}" for v, n in counts.items()))


def register(app: typer.Typer) -> None:
    """Add ``circularity claims`` to the app."""
    app.command("claims")(claims)
