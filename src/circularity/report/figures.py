"""Plotly figures of the report: the web, circularity, stress, projection, Monte Carlo fans and
the sensitivity tornado."""

from __future__ import annotations

from typing import Any

import networkx as nx
import plotly.graph_objects as go

__all__ = [
    "KIND_COLORS",
    "circularity_figure",
    "fan_figure",
    "network_figure",
    "projection_figure",
    "stress_figure",
    "tornado_figure",
]

KIND_COLORS = {
    "equity": "#2f5bd3",
    "compute": "#e67e22",
    "hardware": "#16a085",
    "loan": "#8e44ad",
    "bond": "#6c3483",
    "warrant": "#7f8c8d",
    "backstop": "#c0392b",
    "lease": "#d4ac0d",
}
_LAYOUT = {
    "margin": {"l": 60, "r": 20, "t": 40, "b": 40},
    "font": {"size": 11},
    "template": "plotly_white",
    "height": 380,
}


def network_figure(graph: dict[str, Any]) -> go.Figure:
    """The deal network: a seeded spring layout (same input, same picture), edges by kind."""
    nodes = [n["data"] for n in graph["elements"]["nodes"]]
    edges = [e["data"] for e in graph["elements"]["edges"]]
    g = nx.Graph()
    g.add_nodes_from(n["id"] for n in nodes)
    for e in edges:
        w = float(e["amount"] or 1.0)
        if g.has_edge(e["source"], e["target"]):
            g[e["source"]][e["target"]]["weight"] += w
        else:
            g.add_edge(e["source"], e["target"], weight=w)
    pos = nx.spring_layout(g, seed=7, k=1.2 / max(1, len(nodes)) ** 0.5, iterations=200)
    fig = go.Figure()
    amax = max([e["amount"] or 0 for e in edges] + [1])
    for kind, color in KIND_COLORS.items():
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in edges:
            if e["kind"] != kind:
                continue
            (x0, y0), (x1, y1) = pos[e["source"]], pos[e["target"]]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        if xs:
            fig.add_trace(
                go.Scatter(
                    x=xs, y=ys, mode="lines", name=kind, hoverinfo="skip", line={"color": color, "width": 1.5}
                )
            )
    mvmax = max([n.get("market_value") or 0 for n in nodes] + [1])
    fig.add_trace(
        go.Scatter(
            x=[pos[n["id"]][0] for n in nodes],
            y=[pos[n["id"]][1] for n in nodes],
            mode="markers+text",
            name="entities",
            showlegend=False,
            text=[n["label"][:18] for n in nodes],
            textposition="bottom center",
            textfont={"size": 9},
            marker={
                "size": [10 + 40 * ((n.get("market_value") or 0) / mvmax) ** 0.5 for n in nodes],
                "color": "#1d2430",
                "opacity": 0.8,
            },
            hovertext=[f"{n['label']}: market value {n.get('market_value') or '?'} $bn" for n in nodes],
            hoverinfo="text",
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": 560},
        title=f"Live deals as of {graph['as_of']}: {len(edges)} deals, "
        f"{len(nodes)} entities (node size: market value; edge colour: kind; "
        f"largest deal ${amax:,.0f}bn)",
        xaxis={"visible": False},
        yaxis={"visible": False},
        legend={"orientation": "h", "y": -0.05},
    )
    return fig


def circularity_figure(loops: dict[str, Any], names: dict[str, str]) -> go.Figure:
    """Each entity's circular share of what it receives and pays."""
    ents = sorted(
        ((k, v) for k, v in loops["entities"].items() if v["circular"] > 0), key=lambda kv: -kv[1]["circular"]
    )[:15]
    x = [names.get(k, k) for k, _ in ents]
    fig = go.Figure(
        [
            go.Bar(x=x, y=[v["circular"] for _, v in ents], name="circular ($bn)", marker_color="#c0392b"),
            go.Bar(
                x=x,
                y=[v["inflow"] - v["circular"] for _, v in ents],
                name="rest of inflow ($bn)",
                marker_color="#bdc3c7",
            ),
        ]
    )
    fig.update_layout(
        **_LAYOUT, barmode="stack", title="Money received that goes round in loops, per entity ($bn)"
    )
    return fig


def stress_figure(rows: list[dict[str, Any]], title: str) -> go.Figure:
    top = sorted(
        (r for r in rows if (r["market_value_lost_usd_bn"] or 0) > 0),
        key=lambda r: -r["market_value_lost_usd_bn"],
    )[:15]
    fig = go.Figure(
        go.Bar(
            x=[r["name"] for r in top],
            y=[r["market_value_lost_usd_bn"] for r in top],
            marker_color=["#c0392b" if r["defaulted"] else "#2f5bd3" for r in top],
        )
    )
    fig.update_layout(**_LAYOUT, title=title, yaxis_title="$bn")
    return fig


def projection_figure(quarters: list[str], series: dict[str, list[float]], title: str) -> go.Figure:
    colors = {"cash": "#1e8449", "debt": "#8e44ad", "shortfall": "#c0392b"}
    fig = go.Figure(
        [
            go.Scatter(x=quarters, y=series[k], mode="lines", name=k, line={"color": c, "width": 2})
            for k, c in colors.items()
            if k in series
        ]
    )
    fig.update_layout(**_LAYOUT, title=title, yaxis_title="$bn")
    return fig


def fan_figure(quarters: list[str], bands: dict[str, list[float]], title: str) -> go.Figure:
    fig = go.Figure()
    for lo, hi, name, alpha in (("p05", "p95", "5-95%", 0.15), ("p25", "p75", "25-75%", 0.3)):
        fig.add_trace(
            go.Scatter(
                x=quarters, y=bands[hi], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
            )
        )
        fig.add_trace(
            go.Scatter(
                x=quarters,
                y=bands[lo],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(47,91,211,{alpha})",
                name=name,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=quarters, y=bands["p50"], mode="lines", name="median", line={"color": "#2f5bd3", "width": 2}
        )
    )
    fig.update_layout(**_LAYOUT, title=title, yaxis_title="$bn")
    return fig


def tornado_figure(table: list[dict[str, Any]], base: float | None, title: str, unit: str) -> go.Figure:
    """One bar per parameter from y(low) to y(high), largest swing on top; dashed line at the base."""
    rows = [r for r in table if r["output_low"] is not None and r["output_high"] is not None]
    fig = go.Figure()
    for name, color, pick in (
        ("a higher value raises it", "#2f5bd3", lambda r: r["output_high"] > r["output_low"]),
        ("a higher value lowers it", "#e67e22", lambda r: r["output_high"] < r["output_low"]),
        ("no effect at these quantiles", "#95a5a6", lambda r: r["output_high"] == r["output_low"]),
    ):
        sel = [r for r in rows if pick(r)]
        if sel:
            fig.add_trace(
                go.Bar(
                    y=[r["parameter"] for r in sel],
                    orientation="h",
                    name=name,
                    marker_color=color,
                    base=[min(r["output_low"], r["output_high"]) for r in sel],
                    x=[abs(r["output_high"] - r["output_low"]) for r in sel],
                    customdata=[[r["low"], r["high"], r["output_low"], r["output_high"]] for r in sel],
                    hovertemplate="%{y}<br>low %{customdata[0]:.3g}: %{customdata[2]:,.0f}"
                    "<br>high %{customdata[1]:.3g}: %{customdata[3]:,.0f}<extra></extra>",
                )
            )
    if base is not None:
        fig.add_vline(x=base, line_dash="dash", line_width=1, line_color="#1d2430")
    fig.update_layout(
        **{**_LAYOUT, "height": 120 + 26 * max(len(rows), 1)},
        title=title,
        barmode="overlay",
        xaxis_title=unit,
        legend={"orientation": "h", "y": -0.2},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [r["parameter"] for r in rows],
            "autorange": "reversed",
            "automargin": True,
        },
    )
    return fig
