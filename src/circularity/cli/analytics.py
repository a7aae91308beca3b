"""``circularity graph``, ``loops`` and ``metrics``: the money-flow graph and how circular it is."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any

import typer

from circularity.cli.machine_output import to_json
from circularity.cli.terminal import Console, Table, escape
from circularity.errors import OptionError, unknown_option

__all__ = ["register"]

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="Web as known on this date (YYYY-MM-DD); default today.")
]
Window = Annotated[
    str,
    typer.Option(
        "--window", help="Years FIRST:LAST whose flows count, e.g. 2025:2030; 'all' for every deal in full."
    ),
]
Kinds = Annotated[list[str] | None, typer.Option("--kind", help="Keep only this deal kind (repeatable).")]
MinConf = Annotated[
    str | None, typer.Option("--min-confidence", help="confirmed > single_source > estimate > disputed.")
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON.")]
Dataset = Annotated[str, typer.Option("--dataset", help="Bundled dataset: ai or telecom.")]


def _window(text: str) -> tuple[int, int] | None:
    if text.strip().lower() == "all":
        return None
    first, sep, last = text.partition(":")
    try:
        a, b = int(first), int(last)
    except ValueError:
        raise OptionError(f"--window '{text}': give FIRST:LAST years (e.g. 2025:2030) or 'all'") from None
    if not sep or not 1990 <= a <= b <= 2100:
        raise OptionError(f"--window '{text}': years must run forward within 1990-2100 (e.g. 2025:2030)")
    return a, b


def _graph(
    as_of: str | None, window: str, kinds: list[str] | None, min_conf: str | None, dataset: str = "ai"
) -> Any:
    import circularity
    from circularity.analytics.attribution import flow_graph

    try:
        return flow_graph(
            circularity.load(dataset, as_of=as_of),
            window=_window(window),
            kinds=kinds,
            min_confidence=min_conf,
        )
    except ValueError as exc:
        raise OptionError(str(exc)) from None


def graph(
    out: Annotated[Path, typer.Option("--out", help="File to write.")],
    fmt: Annotated[
        str, typer.Option("--format", help="graphml, gexf or json (Cytoscape.js elements).")
    ] = "graphml",
    as_of: AsOf = None,
    window: Window = "2025:2030",
    kind: Kinds = None,
    min_confidence: MinConf = None,
    dataset: Dataset = "ai",
) -> None:
    """Export the money-flow graph for Gephi (GraphML, GEXF) or Cytoscape (JSON)."""
    if fmt not in ("graphml", "gexf", "json"):
        raise unknown_option("--format", fmt, ("graphml", "gexf", "json"))
    g = _graph(as_of, window, kind, min_confidence, dataset)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        g.to_graphml(out)
    elif fmt == "gexf":
        g.to_gexf(out)
    else:
        out.write_text(to_json(g.to_cytoscape()), encoding="utf-8")
    typer.echo(f"wrote {out} ({len(g.nodes)} entities, {len(g.edges)} edges, ${g.total_volume:,.1f}bn)")


def _fmt_ratio(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def loops(
    as_of: AsOf = None,
    window: Window = "2025:2030",
    kind: Kinds = None,
    min_confidence: MinConf = None,
    network: Annotated[
        Path | None,
        typer.Option("--network", help="Your own edge list: CSV with header source,target,amount."),
    ] = None,
    null: Annotated[
        int,
        typer.Option(
            "--null", min=0, max=100_000, help="Compare with N random webs of the null model (0: skip)."
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the null model.")] = 7,
    null_method: Annotated[
        str,
        typer.Option(
            "--null-method",
            help="degree-strength (same payer-payee pairs and dollar in/out-flows) or strength (dollar flows only).",
        ),
    ] = "degree-strength",
    top: Annotated[
        int, typer.Option("--top", min=1, help="Cycles to print in the table (--json gives every cycle).")
    ] = 10,
    as_json: AsJson = False,
    dataset: Dataset = "ai",
) -> None:
    """How circular is the money: circulating volume, ratio, significance and the top cycles."""
    from circularity.analytics import find_circulation, read_edge_list
    from circularity.analytics.null_model import circulation_null_model
    from circularity.cli.horizon import bundled_horizon

    if network is not None:
        edges = read_edge_list(network)
        label = str(network)
    else:
        edges = _graph(as_of, window, kind, min_confidence, dataset)
        label = f"{'AI' if dataset == 'ai' else dataset} web as of {edges.graph_attributes.get('as_of')}, window {edges.graph_attributes.get('window')}"
    result = find_circulation(edges)
    # --json is the whole decomposition: its cycle amounts add up to the circulating volume
    data = result.to_dict(top=None if as_json else top)
    data["cycles_total"] = len(result.cycles)
    if null:
        if null_method not in ("degree-strength", "strength"):
            raise unknown_option("--null-method", null_method, ("degree-strength", "strength"))
        data["null_model"] = circulation_null_model(edges, n=null, seed=seed, method=null_method).to_dict()
    horizon = [] if network is not None else bundled_horizon(dataset, as_of)
    if as_json:
        data["entities"] = {
            k: {"inflow": v["inflow"], "outflow": v["outflow"], "circular": v["circular"]}
            for k, v in data["entities"].items()
        }
        if network is None:
            data["knowledge_horizon"] = horizon
        typer.echo(to_json(data))
        return
    con = Console(width=max(Console().width, 110))
    con.print(f"[bold]Circulation in the {escape(label)}[/bold]")
    for line in horizon:
        con.print(line, highlight=False)
    con.print(
        f"total volume ${result.total_volume:,.1f}bn; circulating ${result.circulating_volume:,.1f}bn; "
        f"circularity ratio {_fmt_ratio(result.circularity_ratio)}"
    )
    if null:
        nm = data["null_model"]
        z = "n/a (every null web equally circular)" if nm["z_score"] is None else f"{nm['z_score']:.2f}"
        con.print(
            f"null model ({nm['n']} webs, {null_method}: "
            + ("same payer-payee pairs and " if null_method == "degree-strength" else "")
            + f"each entity's dollar in- and out-flow kept, seed {seed}): "
            f"mean ratio {_fmt_ratio(nm['mean'])}, z-score {z}, p-value {nm['p_value']:.3f}"
        )
    table = Table(
        title=f"Top {min(top, len(result.cycles))} cycles of {len(result.cycles)}", title_justify="left"
    )
    table.add_column("cycle")
    table.add_column("$bn round it", justify="right")
    table.add_column("deals, edge by edge")
    for c in data["cycles"]:
        path = " → ".join([*c["entities"], c["entities"][0]])
        deals = " | ".join(",".join(d) for d in c["deal_ids"])
        table.add_row(escape(path), f"{c['amount']:,.1f}", escape(deals))
    con.print(table)
    ent = Table(title="Entities in the circulation", title_justify="left")
    for col in ("entity", "inflow $bn", "outflow $bn", "circular $bn", "share of inflow", "share of outflow"):
        ent.add_column(col, justify="left" if col == "entity" else "right")
    rows = sorted(data["entities"].items(), key=lambda kv: -kv[1]["circular"])
    for name, v in rows:
        if v["circular"] > 0:
            ent.add_row(
                escape(name),
                f"{v['inflow']:,.1f}",
                f"{v['outflow']:,.1f}",
                f"{v['circular']:,.1f}",
                _fmt_ratio(v["circular_share_in"]),
                _fmt_ratio(v["circular_share_out"]),
            )
    con.print(ent)
    con.print(
        "strongly connected components: "
        + escape("; ".join(", ".join(c) for c in data["components"] if len(c) > 1))
    )


def metrics(
    entity: Annotated[str | None, typer.Option("--entity", help="Only this entity.")] = None,
    as_of: AsOf = None,
    window: Window = "2025:2030",
    as_json: AsJson = False,
    dataset: Dataset = "ai",
) -> None:
    """Financial ratios per entity and period, and vendor financing per vendor."""
    import circularity
    from circularity.analytics.ratios import financial_ratios
    from circularity.analytics.vendor_financing import (
        VENDOR_FINANCING_DEFINITION,
        lucent_comparison,
        vendor_financing,
    )

    ledger = circularity.load(dataset, as_of=as_of)
    known = set(ledger.entities["id"])
    if entity is not None and entity not in known:
        raise OptionError(f"unknown entity '{entity}'; entities: {', '.join(sorted(known))}")
    ratios = financial_ratios(ledger).to_frame()
    if entity is not None:
        ratios = ratios[ratios["entity"] == entity]
    vendors = (
        [entity] if entity else ["nvidia", "amd", "oracle", "microsoft", "amazon", "coreweave", "broadcom"]
    )
    vf = [vendor_financing(ledger, v, _window(window)) for v in vendors]
    lucent = lucent_comparison(ledger).to_frame()
    if as_json:
        typer.echo(
            to_json(
                {
                    "ratios": json.loads(ratios.to_json(orient="records", date_format="iso")),
                    "vendor_financing": [
                        {
                            "vendor": v.vendor,
                            "window": v.window,
                            "customers": list(v.customers),
                            "financing": v.financing,
                            "purchases": v.purchases,
                            "revenue": v.revenue,
                            "revenue_period": v.revenue_period,
                            "ratio_to_purchases": v.ratio_to_purchases,
                            "ratio_to_revenue": v.ratio_to_revenue,
                            "financing_deals": list(v.financing_deals),
                            "purchase_deals": list(v.purchase_deals),
                            "note": v.note,
                        }
                        for v in vf
                    ],
                    "definition": VENDOR_FINANCING_DEFINITION,
                    "lucent_comparison": json.loads(lucent.to_json(orient="records")),
                },
                indent=2,
            )
        )
        return
    con = Console(width=max(Console().width, 110))
    t = Table(title="Financial ratios", title_justify="left")
    for col in ("entity", "period", "ratio", "value", "basis"):
        t.add_column(col, justify="right" if col == "value" else "left")
    for r in ratios.itertuples():
        t.add_row(r.entity, str(r.period), r.ratio, f"{r.value:,.3f}", str(r.basis))
    con.print(t)
    t = Table(title=f"Vendor financing, window {window}", title_justify="left")
    for col in ("vendor", "customers", "financing $bn", "purchases $bn", "÷ purchases", "÷ revenue", "deals"):
        t.add_column(col, justify="right" if "$" in col or "÷" in col else "left")
    for v in vf:
        t.add_row(
            v.vendor,
            ", ".join(v.customers) or "—",
            f"{v.financing:,.1f}",
            f"{v.purchases:,.1f}",
            _fmt_ratio(v.ratio_to_purchases),
            _fmt_ratio(v.ratio_to_revenue),
            ", ".join(v.financing_deals) or "—",
        )
    con.print(t)
    con.print(f"definition: {VENDOR_FINANCING_DEFINITION}", highlight=False)
    t = Table(
        title="Lucent 1999-2000 against Nvidia, with each denominator the sources use", title_justify="left"
    )
    for col in ("vendor", "numerator $bn", "denominator $bn", "denominator", "ratio"):
        t.add_column(col, justify="right" if "$" in col or col == "ratio" else "left")
    for r in lucent.itertuples():
        t.add_row(
            r.vendor, f"{r.numerator:,.2f}", f"{r.denominator:,.2f}", r.denominator_basis, f"{r.ratio:.1%}"
        )
    con.print(t)


def register(app: typer.Typer) -> None:
    app.command("graph")(graph)
    app.command("loops")(loops)
    app.command("metrics")(metrics)
