"""``circularity project``: run a projection scenario and print its headlines."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import typer

from circularity.cli.machine_output import to_json
from circularity.cli.terminal import Console, Table

__all__ = ["no_revenue_note", "register"]

_KEY = ("cash", "debt", "payments_due", "payments_made", "shortfall", "market_value")


def no_revenue_note(names: list[str]) -> str:
    """The line under a table of defaults for the entities whose revenue the ledger lacks
    (:func:`~circularity.projection.pipeline.entities_without_revenue`)."""
    its, one = ("its", "default marks") if len(names) == 1 else ("their", "defaults mark")
    return (
        f"no revenue in the ledger for {', '.join(names)}: only {its} financing is recorded, so the "
        f"model pays {its} debt from nothing and {its} {one} a gap in the data, not a forecast"
    )


def _assumptions(node: Any, prefix: str = "") -> list[tuple[str, str, str]]:
    """Every ``{value, source}`` of a scenario as (dotted path, value, source)."""
    out: list[tuple[str, str, str]] = []
    if isinstance(node, dict):
        if "value" in node and "source" in node:
            return [(prefix, json.dumps(node["value"]), str(node["source"]))]
        for k, v in node.items():
            out += _assumptions(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for k, v in enumerate(node):
            if isinstance(v, dict) and "source" in v and "kind" in v:  # an event
                what = f"{v['quarter']} {v['entity']} {v['kind']}"
                out.append((f"{prefix}.{k}", f"{what} {v.get('value', 0.0)}", str(v["source"])))
            else:
                out += _assumptions(v, f"{prefix}.{k}")
    return out


def _explain(console: Console, sc: Any, result: Any, web_notes: Any, web: Any = None) -> None:
    t = Table(title=f"assumptions that fed {sc.name} (value, source)")
    for c in ("path", "value", "source"):
        t.add_column(c, overflow="fold")
    data = sc.model_dump(mode="json", exclude_none=True)
    for path, value, source in _assumptions(
        {
            k: data[k]
            for k in ("globals", "defaults", "kind_defaults", "entities", "contracts", "events", "channels")
            if k in data
        }
    ):
        t.add_row(path, value, source)
    for part in ("debt", "equity"):  # who holds the outside debt and buys new equity (creditors.py)
        for ent, h in getattr(sc.creditors, part).items():
            t.add_row(f"creditors.{part}.{ent}", h.creditor, h.source)
    for ent, cap in sc.creditors.capacity.items():
        t.add_row(f"creditors.capacity.{ent}", json.dumps(cap.value), cap.source)
    for ent, why in sc.contracts.scope.items():
        t.add_row(f"contracts.scope.{ent}", "only its deals", why)
    for deal_id, why in result.skipped:
        t.add_row(f"contracts.skipped.{deal_id}", "left out", why)
    if web is not None:
        from circularity.projection.channels.capacity import price_flags

        for deal_id, price, why in price_flags(web, sc):
            t.add_row(f"channels.flagged.{deal_id}", price, f"FLAGGED: implied price per GW {why}")
    if (
        web is not None
        and sc.globals.use_ledger_backlog_multiple
        and math.isfinite(getattr(web, "backlog_multiple", math.nan))
    ):
        t.add_row(
            "engine.backlog_multiple",
            f"{web.backlog_multiple:.3f}",
            "in use instead of globals.backlog_multiple (use_ledger_backlog_multiple: true): the market's "
            "price of a dollar of announced backlog, pooled least-squares fit over "
            f"{len(web.backlog_evidence)} announcement-day reactions (circularity reactions --fit)",
        )
    if (
        web is not None
        and sc.globals.use_ledger_backlog_multiple
        and math.isfinite(getattr(web, "cancel_multiple", math.nan))
    ):
        lo, hi = web.cancel_interval
        t.add_row(
            "engine.cancel_multiple",
            f"{web.cancel_multiple:.3f}",
            "in use instead of globals.cancel_multiple: the market's price of a dollar of contract "
            f"cancelled or delayed (90% interval {lo:+.2f} to {hi:+.2f}), pooled fit of circularity "
            "reactions --fit; backlog a payer's shortfall or a resolution cancels is priced at it",
        )
    t.add_row(
        "engine.ebitda",
        "revenue x (1 - opex_ratio)",
        "assumption: where the ledger reports no EBITDA (debt capacity)",
    )
    t.add_row(
        "engine.financials",
        "latest ledger figure",
        "ledger financials as of the run's date: cash, debt, revenue, market value where no assumption above sets them; 0 where neither",
    )
    console.print(t)
    n = Table(title="how each contract's schedule was built (ledger deal, kind, note)")
    for c in ("deal", "kind", "schedule"):
        n.add_column(c, overflow="fold")
    for deal_id, kind, note in web_notes:
        n.add_row(deal_id, kind, note)
    console.print(n)


def _compare(
    sc: Any, result: Any, reference: str, as_of: str | None, start: str | None, end: str | None
) -> list[dict[str, Any]]:
    """Run ``reference`` on the same dates; every output that moved, the scenario's own moves first."""
    from circularity.ledger import load
    from circularity.projection import load_scenario, run_projection
    from circularity.projection.compare import compare_results, default_outputs
    from circularity.projection.pipeline import compile_for

    ref_sc = load_scenario(reference)
    ref = run_projection(compile_for(ref_sc, load("ai", as_of=as_of or ref_sc.as_of), start, end), ref_sc)
    own = {m.output: m for m in sc.moves}
    outs = tuple(dict.fromkeys((*own, *default_outputs(result))))
    rows = []
    for r in compare_results(result, ref, outs):
        if not r.moved and r.output not in own:
            continue
        mv = own.get(r.output)
        rows.append(
            {
                "output": r.output,
                "reference": r.reference,
                "value": r.value,
                "change": r.change,
                "expected": mv.direction if mv else None,
                "as_expected": None
                if mv is None
                else bool(r.change > 0 if mv.direction == "up" else r.change < 0),
            }
        )
    return rows


def _print_moved(console: Console, name: str, reference: str, rows: list[dict[str, Any]]) -> None:
    t = Table(title=f"{name} against {reference}: outputs that moved (sums over the projected quarters)")
    for c in ("output", reference, name, "change", "expected"):
        t.add_column(c, justify="left" if c in ("output", "expected") else "right")
    own = [r for r in rows if r["expected"] is not None]
    rest = sorted((r for r in rows if r["expected"] is None), key=lambda r: -abs(r["change"]))
    for r in own + rest[: max(0, 25 - len(own))]:
        mark = "" if r["expected"] is None else f"{r['expected']} {'ok' if r['as_expected'] else 'NOT MET'}"
        t.add_row(r["output"], f"{r['reference']:,.2f}", f"{r['value']:,.2f}", f"{r['change']:+,.2f}", mark)
    console.print(t)
    console.print(f"{len(rows)} outputs moved ({len(own)} named by the scenario); --json lists them all")


def _project_historical(
    dataset: str, scenario: str, set_: list[str], as_of: str | None, end: str | None, as_json: bool
) -> None:
    """``project --dataset telecom``: one path of the backtest's web and scenario from ``--as-of``.

    The scenario is the one a backtest runs (engine baseline defaults without the ai web's named
    settings, the period's market facts, labelled starting states); ``--end`` defaults to two years
    after ``--as-of``.
    """
    from datetime import date, timedelta

    from circularity.backtest.predictions import setup_run
    from circularity.errors import OptionError
    from circularity.ledger import load
    from circularity.ledger.dates import parse_date
    from circularity.projection import run_projection

    if scenario != "baseline" or set_:
        raise OptionError(
            f"--dataset {dataset}: the scenario presets and --set name the ai web; {dataset} runs the "
            f"backtest's scenario (engine defaults + period facts), so leave --scenario and --set out"
        )
    if as_of is None:
        raise OptionError(
            f"--dataset {dataset}: give --as-of, the date the web is known as of (e.g. 2000-12-31)"
        )
    cutoff = parse_date(as_of)
    if end:
        y, q = int(end[:4]), int(end[-1])
        horizon = date(y, 12, 31) if q == 4 else date(y, 3 * q + 1, 1) - timedelta(days=1)
    else:
        horizon = cutoff.replace(year=cutoff.year + 2)
    setup = setup_run(load(dataset), dataset=dataset, cutoff=cutoff, horizon=horizon)
    result = run_projection(setup.web, setup.scenario)
    heads = result.headlines()
    share = {e: round(st.data_share, 3) for e, st in setup.states.items()}
    payload = {
        "dataset": dataset,
        "as_of": cutoff.isoformat(),
        "quarters": [result.quarters[0], result.quarters[-1]],
        "scenario": result.scenario,
        "period_scenario": setup.period.name,
        "first_default_entity": heads["first_default_entity"],
        "first_default_quarter": heads["first_default_quarter"],
        "set_off": heads["set_off"],
        "market_value_lost": heads["market_value_lost"],
        "data_share": share,
    }
    console = Console()
    if as_json:
        console.print_json(to_json(payload))
        return
    t = Table(
        title=f"projection: {dataset} web as public on {cutoff} ({result.quarters[0]}-{result.quarters[-1]}), "
        f"engine defaults + period {setup.period.name} + starting states"
    )
    t.add_column("headline")
    t.add_column("value", justify="right")
    first = heads["first_default_entity"]
    t.add_row("first default", f"{first} {heads['first_default_quarter']}" if first else "none")
    t.add_row("what it sets off", ", ".join(heads["set_off"]) or "-")
    t.add_row("total market value lost (USD bn)", f"{heads['market_value_lost']:,.1f}")
    t.add_row("mean data share of starting states", f"{sum(share.values()) / max(len(share), 1):.0%}")
    console.print(t)
    console.print(
        f"one central path; for default probabilities and scores: circularity backtest --dataset {dataset} "
        f"--cutoff {cutoff}",
        highlight=False,
    )


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
        out: Path | None = typer.Option(
            None, "--out", help="write quarters.csv, quarters.parquet, defaults.csv and headlines.json here"
        ),
        explain: bool = typer.Option(
            False, "--explain", help="list every assumption that fed the run, with its source"
        ),
        progress: bool = typer.Option(
            True, "--progress/--no-progress", help="progress bar on runs over a second"
        ),
        compare: str | None = typer.Option(
            None, "--compare", help="also run this scenario (e.g. baseline) and print the outputs that moved"
        ),
        dataset: str = typer.Option(
            "ai",
            "--dataset",
            help="bundled dataset: ai, or telecom (its web as of --as-of, the backtest's scenario)",
        ),
    ) -> None:
        """Project every entity quarter by quarter under a scenario; print the headlines."""
        if dataset != "ai":
            _project_historical(dataset, scenario, set_, as_of, end, as_json)
            return
        from rich.progress import Progress

        from circularity.errors import ScenarioError
        from circularity.ledger import load
        from circularity.projection import load_scenario, run_projection
        from circularity.projection.pipeline import compile_for

        console = Console()
        try:
            sc = load_scenario(scenario, tuple(set_))
            led = load("ai", as_of=as_of or sc.as_of)
            web = compile_for(sc, led, start, end)
            with Progress(console=console, transient=True, disable=not progress or as_json) as bar:
                task = bar.add_task(f"projecting {sc.name}", total=web.T)
                result = run_projection(
                    web, sc, progress=lambda done, total: bar.update(task, completed=done, total=total)
                )
        except (KeyError, ValueError) as exc:
            raise ScenarioError(str(exc).strip("'\"")) from None
        heads = result.headlines()
        moved: list[dict[str, Any]] | None = None
        if compare is not None:
            moved = _compare(sc, result, compare, as_of, start, end)
        hsbc = None
        if sc.name == "hsbc-2025" and "2030Q4" in result.quarters and "2025Q3" in result.quarters:
            from circularity.projection.hsbc import hsbc_comparison

            own = sc.entities.get(sc.headline_entity)
            hsbc = hsbc_comparison(
                result, sc.headline_entity, own.cash.value if own and own.cash else 17.5, web=web
            )
        horizon = led.horizon_lines(led.as_of)
        # defaults of entities whose business the ledger lacks: a gap in the data, not a forecast
        no_revenue = [d.entity for d in result.defaults if d.revenue == "unknown"]
        payload = {
            "scenario": result.scenario,
            "knowledge_horizon": horizon,
            **heads,
            "defaults_revenue_unknown": no_revenue,
            **({"hsbc_comparison": hsbc} if hsbc else {}),
            **({"compare": {"reference": compare, "moved": moved}} if moved is not None else {}),
        }
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            result.write_csv(out / "quarters.csv")
            result.write_parquet(out / "quarters.parquet")
            result.write_defaults(out / "defaults.csv")
            (out / "headlines.json").write_text(to_json(payload))
        if as_json:
            console.print_json(to_json(payload))
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
        t.add_row("market value lost, each entity's own fall (USD bn)", f"{heads['market_value_lost']:,.1f}")
        if heads.get("market_value_stakes_lost") is not None:
            t.add_row(
                "  holders' stake losses, a transfer of those falls (not added)",
                f"{heads['market_value_stakes_lost']:,.1f}",
            )
        if heads.get("market_value_unknown"):
            t.add_row(
                "  entities of unknown value, excluded",
                f"{heads['market_value_unknown']} of {heads.get('entities_in_web', '?')} in the web",
            )
        if heads.get("web_required_revenue_2030") is not None:
            t.add_row("web required revenue 2030 (USD bn)", f"{heads['web_required_revenue_2030']:,.1f}")
            t.add_row("web projected revenue 2030 (USD bn)", f"{heads['web_projected_revenue_2030']:,.1f}")
        console.print(t)
        for line in horizon:
            console.print(line, highlight=False)
        if no_revenue:
            console.print(no_revenue_note(no_revenue) + " (defaults.csv: revenue 'unknown')", highlight=False)
        if moved is not None:
            _print_moved(console, result.scenario, compare or "", moved)
        if hsbc:
            h = Table(title="HSBC's $207B beside ours, line by line (USD bn, 2H-2025..2030)")
            for c in ("item", "HSBC", "ours", "difference", "why"):
                h.add_column(
                    c, justify="right" if c in ("HSBC", "ours", "difference") else "left", overflow="fold"
                )
            for r in hsbc:
                h.add_row(
                    r["item"],
                    "-" if r["hsbc"] is None else f"{r['hsbc']:,.1f}",
                    f"{r['ours']:,.1f}",
                    "-" if r["difference"] is None else f"{r['difference']:+,.1f}",
                    r["why"],
                )
            console.print(h)
        q = Table(title=f"{e}: key quarters (USD bn)")
        q.add_column("quarter")
        for c in _KEY:
            q.add_column(c, justify="right")
        i = result.entities.index(e)
        for label in [x for x in result.quarters if x.endswith("Q4")]:
            k = result.quarters.index(label)
            q.add_row(label, *(f"{float(result.data[c][k, 0, i]):,.1f}" for c in _KEY))
        console.print(q)
        if explain:
            _explain(
                console,
                sc,
                result,
                web.notes and tuple(zip(web.deal_id, web.kind, web.notes, strict=True)),
                web,
            )
        if out is not None:
            console.print(
                f"wrote {out / 'quarters.csv'}, {out / 'quarters.parquet'}, {out / 'defaults.csv'}, "
                f"{out / 'headlines.json'}"
            )
