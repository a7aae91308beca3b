"""``circularity reactions``: how the market priced contract news, and the fit of it."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from circularity.cli.terminal import Console, Table
from circularity.errors import LedgerError, Problem

__all__ = ["register"]


def _num(x: Any) -> float | None:
    v = float(x)
    return v if math.isfinite(v) else None


def _cell(x: float, fmt: str = "{:.2f}") -> str:
    return "—" if x != x else fmt.format(x)


def reactions(
    fit: Annotated[
        bool, typer.Option("--fit", help="Fit value per dollar of backlog by class and period.")
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", help="A reactions CSV (the research table's columns) instead of the ledger's."
        ),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Ledger as known on this date (YYYY-MM-DD).")
    ] = None,
    min_points: Annotated[int, typer.Option("--min-points", help="Fewest points for a class's own fit.")] = 3,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per-announcement market-value moves per dollar of backlog; with --fit, the fitted
    coefficients by entity class and period (2025, 2026) with 90% intervals, data points and
    residuals, each cell falling back to a named prior when it has too few points."""
    import pandas as pd

    import circularity
    from circularity.analytics.backlog_value import fit_reactions

    raw = None
    if file is not None:
        try:
            raw = pd.read_csv(file)
        except (OSError, pd.errors.ParserError) as err:
            raise LedgerError(
                Problem(str(file), None, "-", f"cannot read the reactions CSV: {err}")
            ) from None
    ledger = circularity.load("ai", as_of=as_of)
    result, excluded = fit_reactions(ledger, raw, min_points=min_points, file=str(file or "market_reactions"))
    points = result.points
    if as_json:
        out: dict[str, Any] = {
            "source": str(file) if file else "ledger market_reactions",
            "points": [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in points.to_dict("records")
            ],
            "excluded": excluded.to_dict("records"),
        }
        if fit:
            out["fit"] = [
                {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
                for row in result.table.to_dict("records")
            ]
        typer.echo(json.dumps(out, indent=2, default=str))
        return
    con = Console(width=max(Console().width, 150))
    t = Table(title=f"Market reactions to contract news ({file or 'ledger market_reactions'}); USD bn")
    for col in ("date", "entity", "class", "direction", "deal", "amount", "value change", "basis", "per $"):
        t.add_column(col, justify="right" if col in ("amount", "value change", "per $") else "left")
    if fit:
        t.add_column("residual", justify="right")
    for r in points.itertuples():
        row = [
            r.date,
            r.entity,
            r[3],
            r.direction,
            r.deal,
            f"{r.amount_usd_bn:,.1f}",
            f"{r.value_change_usd_bn:+,.1f}",
            r.value_basis,
            f"{r.ratio:+.2f}",
        ]
        if fit:
            row.append(f"{r.residual:+,.1f}")
        t.add_row(*row)
    con.print(t)
    con.print(
        f"Rows left out: {len(excluded)}" + (" (reasons with --json)" if len(excluded) else ""),
        highlight=False,
    )
    for reason, n in excluded["reason"].value_counts().items():
        con.print(f"  {n} × {reason}", highlight=False)
    if not fit:
        return
    f = Table(title="Market value per dollar of backlog (slope through the origin, 90% interval)")
    for col in ("class", "period", "direction", "n", "coefficient", "low", "high", "residual sd", "method"):
        f.add_column(
            col, justify="right" if col in ("n", "coefficient", "low", "high", "residual sd") else "left"
        )
    for r in result.table.itertuples():
        f.add_row(
            r[1],
            r.period,
            r.direction,
            str(r.n),
            f"{r.coefficient:+.2f}",
            _cell(r.low, "{:+.2f}"),
            _cell(r.high, "{:+.2f}"),
            _cell(r.residual_sd, "{:,.1f}"),
            r.method,
        )
    con.print(f)
    con.print(
        "low/high '—': the cell uses a prior (named in method), which has no sampling interval.",
        highlight=False,
    )
    t = result.table
    for direction, use in (
        ("announced", "the projection's price of backlog won or run down (engine.backlog_multiple)"),
        (
            "cancelled",
            "the stress test's price of lost contract receipts and the projection's of backlog "
            "cancelled or terminated (engine.cancel_multiple)",
        ),
    ):
        row = t[(t["class"] == "all") & (t["period"] == "all") & (t["direction"] == direction)]
        if len(row):
            r0 = row.iloc[0]
            con.print(
                f"In use, all/all/{direction} {r0['coefficient']:+.3f} "
                f"({_cell(r0['low'], '{:+.2f}')} to {_cell(r0['high'], '{:+.2f}')}): {use}",
                highlight=False,
            )


def register(app: typer.Typer) -> None:
    app.command("reactions")(reactions)
