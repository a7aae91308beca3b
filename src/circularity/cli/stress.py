"""``circularity stress``: shock the AI web and see who loses what."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from circularity.cli.machine_output import to_json
from circularity.errors import ScenarioError

__all__ = ["register"]


def _parse_pairs(items: list[str], what: str) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"{what} '{item}' is not KEY=VALUE (e.g. openai=0.5)")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ScenarioError(f"{what} '{item}': cannot read the value '{value}'") from None
    return out


def _shocks(items: list[str]) -> dict[str, float]:
    shocks = _parse_pairs(items, "--shock")
    for key, value in shocks.items():
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise ScenarioError(f"--shock {key}={value!r}: give the share it still pays, a number in [0, 1]")
    return {k: float(v) for k, v in shocks.items()}


def _money(x: float) -> str:
    return "—" if x != x else f"{x:,.1f}"


def stress(
    shock: Annotated[
        list[str], typer.Option("--shock", help="ENTITY=SHARE it still pays, e.g. openai=0.5; repeatable.")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Web as known on this date (YYYY-MM-DD); default today.")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="eisenberg-noe or rogers-veraart.")] = "eisenberg-noe",
    alpha: Annotated[float, typer.Option(help="Rogers-Veraart recovery on outside assets.")] = 1.0,
    beta: Annotated[
        float, typer.Option(help="Rogers-Veraart recovery on receipts of a defaulted node.")
    ] = 1.0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override an assumption: KEY=VALUE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Shock the AI web (OpenAI pays 50%: --shock openai=0.5) and print who loses what."""
    from circularity.stress import stress_test
    from circularity.stress.revaluation import METHOD

    result = stress_test(
        _shocks(shock),
        as_of=as_of,
        model=model,
        alpha=alpha,
        beta=beta,
        assumptions=_parse_pairs(set_ or [], "--set"),
    )
    frame = result.to_frame()
    a = result.assumptions
    if as_json:
        out = {
            "as_of": result.as_of.isoformat(),
            "model": result.model,
            "window": [result.from_quarter, result.to_quarter],
            "shocks": _shocks(shock),
            "entities": json.loads(frame.to_json(orient="records")),
            "totals": result.totals(),
            "articles": result.article_comparison(),
            "assumptions": {k: {"value": a.values[k], "source": a.sources[k]} for k in a.values},
            "method": list(METHOD),
        }
        typer.echo(to_json(out))
        return
    con = Console(width=max(Console().width, 110))
    shocks = ", ".join(f"{k} pays {v:.0%}" for k, v in _shocks(shock).items())
    table = Table(
        title=f"Stress: {shocks} of what it owes, {result.from_quarter}–{result.to_quarter} "
        f"(web as of {result.as_of}, {result.model})"
    )
    table.add_column("entity", no_wrap=True)
    for col in ("receipts lost $bn", "equity loss $bn", "default", "mkt cap $bn", "change $bn", "change"):
        table.add_column(col, justify="right")
    for row in frame.itertuples():
        moved = row.mv_change == row.mv_change and row.mv_change != 0
        if row.receipts_lost == 0 and row.equity_loss == 0 and not row.defaulted and not moved:
            continue
        pct = "—" if row.mv_change_pct != row.mv_change_pct else f"{row.mv_change_pct:+.1%}"
        table.add_row(
            row.entity,
            _money(row.receipts_lost),
            _money(row.equity_loss),
            "yes" if row.defaulted else "",
            _money(row.market_value),
            _money(row.mv_change),
            pct,
        )
    con.print(table)
    t = result.totals()
    con.print(
        f"System: receipts lost ${t['receipts_lost']:,.1f}B, equity loss ${t['equity_loss']:,.1f}B, "
        f"market value lost ${t['market_value_lost']:,.1f}B, defaults {t['defaults']}"
    )
    for c in result.article_comparison():
        con.print(f"Articles: {c['claim']}: {c['claimed']}; this run: {c['computed']}")
    con.print("Method:")
    for line in METHOD:
        con.print(f"  {line}", highlight=False)
    con.print("Assumptions:")
    for k in a.values:
        con.print(f"  {k} = {a.values[k]}: {a.sources[k]}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
