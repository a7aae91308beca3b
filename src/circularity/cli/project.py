"""``circularity project``: run a projection scenario and print its headlines."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

__all__ = ["register"]

_KEY = ("cash", "debt", "payments_due", "payments_made", "shortfall", "market_value")


def register(app: typer.Typer) -> None:
    """Add the ``project`` command to ``app``."""

    @app.command("project")
    def project_cmd(
        scenario: str = typer.Option("baseline", "--scenario", "-s", help="preset name or YAML file"),
        set_: list[str] = typer.Option([], "--set", help="override key=value (dotted path), repeatable"),
        as_of: str | None = typer.Option(None, "--as-of", help="ledger as known on this date (YYYY-MM-DD)"),
        start: str | None = typer.Option(None, "--start", help="first quarter, e.g. 2025Q1"),
        end: str | None = typer.Option(None, "--end", help="last quarter, e.g. 2032Q4"),
        as_json: bool = typer.Option(False, "--json", help="print headlines as JSON"),
        out: Path | None = typer.Option(None, "--out", help="write quarters.csv (and headlines.json) here"),
    ) -> None:
        """Project every entity quarter by quarter under a scenario; print the headlines."""
        from circularity.errors import ScenarioError
        from circularity.projection import project

        try:
            result = project(scenario, sets=tuple(set_), as_of=as_of, start=start, end=end)
        except (KeyError, ValueError) as exc:
            raise ScenarioError(str(exc).strip("'\"")) from None
        heads = result.headlines()
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            result.write_csv(out / "quarters.csv")
            (out / "headlines.json").write_text(json.dumps({"scenario": result.scenario, **heads}, indent=2))
        console = Console()
        if as_json:
            console.print_json(json.dumps({"scenario": result.scenario, **heads}))
            return
        t = Table(title=f"projection: {result.scenario} ({result.quarters[0]}-{result.quarters[-1]})")
        t.add_column("headline")
        t.add_column("value", justify="right")
        e = heads["entity"]
        t.add_row(f"{e} cumulative funding need to 2030 (USD bn)", f"{heads['funding_need_2030']:,.1f}")
        t.add_row(f"{e} cumulative funding need to 2032 (USD bn)", f"{heads['funding_need_2032']:,.1f}")
        t.add_row(f"{e} cash runs out without new money", str(heads["cash_out_quarter"] or "never"))
        first = heads["first_default_entity"]
        t.add_row("first default", f"{first} {heads['first_default_quarter']}" if first else "none")
        t.add_row("what it sets off", ", ".join(heads["set_off"]) or "-")
        t.add_row("total market value lost (USD bn)", f"{heads['market_value_lost']:,.1f}")
        console.print(t)
        q = Table(title=f"{e}: key quarters (USD bn)")
        q.add_column("quarter")
        for c in _KEY:
            q.add_column(c, justify="right")
        frame = result.to_frame()
        sub = frame[frame["entity"] == e].set_index("quarter")
        for label in [x for x in result.quarters if x.endswith("Q4")]:
            if label in sub.index:
                q.add_row(label, *(f"{sub.at[label, c]:,.1f}" for c in _KEY))
        console.print(q)
        if out is not None:
            console.print(f"wrote {out / 'quarters.csv'}")
