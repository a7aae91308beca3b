"""``circularity demo``: the main job on the bundled data, as ``make demo`` runs it.

Builds the store if needed, then prints the web as of today, how circular it is, the claims
checked against the data, the OpenAI stress headline, the baseline and funding-freeze
projections side by side, and writes the shareable report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from circularity.cli.terminal import Console, Rule, Table

__all__ = ["register"]

SIDE_BY_SIDE = ("baseline", "funding-freeze")

_ROWS = (
    ("funding_need_2030", "OpenAI funding need to 2030, $bn", "{:,.1f}"),
    ("funding_need_2032", "OpenAI funding need to 2032, $bn", "{:,.1f}"),
    ("cash_out_quarter", "OpenAI cash runs out (no new money)", "{}"),
    ("first_default_entity", "first default", "{}"),
    ("first_default_quarter", "  in quarter", "{}"),
    ("market_value_lost", "market value lost, $bn", "{:,.1f}"),
)


def _projections(con: Console, as_of: str | None) -> None:
    from circularity.projection.pipeline import project

    heads = {name: project(name, as_of=as_of).headlines() for name in SIDE_BY_SIDE}
    table = Table(title="Projection to 2032: baseline and funding-freeze side by side", title_justify="left")
    table.add_column("headline")
    for name in SIDE_BY_SIDE:
        table.add_column(name, justify="right")
    for key, label, fmt in _ROWS:
        table.add_row(
            label, *("—" if heads[n][key] is None else fmt.format(heads[n][key]) for n in SIDE_BY_SIDE)
        )
    table.add_row(
        "what the first default sets off", *(", ".join(heads[n]["set_off"][:4]) or "—" for n in SIDE_BY_SIDE)
    )
    con.print(table)


def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the report.")] = Path("out"),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Web as known on this date (default today).")
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="DuckDB store (default: the user's data dir).")
    ] = None,
) -> None:
    """Run the main job on the bundled data and print its results."""
    from circularity.cli import app

    con = Console(width=max(Console().width, 110))
    common = [*(["--as-of", as_of] if as_of else [])]
    steps: list[tuple[str, list[str]]] = [
        ("The web as known today", ["summary", *common, *(["--db", str(db)] if db else [])]),
        ("How circular is the money?", ["loops", *common, "--null", "200", "--seed", "7", "--top", "5"]),
        ("Published claims checked against the data", ["claims", *common]),
        ("If OpenAI pays only half of what it owes", ["stress", "--shock", "openai=0.5", *common]),
    ]
    for title, args in steps:
        con.print(Rule(title))
        app(args, standalone_mode=False)
    con.print(Rule("Can the centre pay?"))
    _projections(con, as_of)
    con.print(Rule("Report"))
    out.mkdir(parents=True, exist_ok=True)
    report = out / "report.html"
    app(["report", "--out", str(report), *common], standalone_mode=False)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
