"""Plotly figures of the report: the web, circularity, stress, projection, Monte Carlo fans and
the sensitivity tornado."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import networkx as nx
import plotly.graph_objects as go

__all__ = [
    "KIND_COLORS",
    "circularity_figure",
    "fan_figure",
    "network_figure",
    "projection_figure",
    "sankey_figure",
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


def circularity_figure(
    loops: dict[str, Any],
    names: dict[str, str],
    *,
    title: str = "Money received that goes round in loops, per entity ($bn)",
    words: dict[str, str] | None = None,
    unit: str = "$bn",
    scale: float = 1.0,
) -> go.Figure:
    """Each entity's circular share of what it receives, in ``unit`` (USD bn × ``scale``);
    ``words`` translates the two series' names (``circular``, ``rest``)."""
    w = {"circular": f"circular ({unit})", "rest": f"rest of inflow ({unit})", **(words or {})}
    ents = sorted(
        ((k, v) for k, v in loops["entities"].items() if v["circular"] > 0), key=lambda kv: -kv[1]["circular"]
    )[:15]
    x = [names.get(k, k) for k, _ in ents]
    fig = go.Figure(
        [
            go.Bar(
                x=x, y=[v["circular"] * scale for _, v in ents], name=w["circular"], marker_color="#c0392b"
            ),
            go.Bar(
                x=x,
                y=[(v["inflow"] - v["circular"]) * scale for _, v in ents],
                name=w["rest"],
                marker_color="#bdc3c7",
            ),
        ]
    )
    fig.update_layout(**_LAYOUT, barmode="stack", title=title, yaxis_title=unit)
    return fig


def stress_figure(
    rows: list[dict[str, Any]], title: str, *, unit: str = "$bn", scale: float = 1.0
) -> go.Figure:
    """Market value lost per entity (the 15 largest), in ``unit`` (USD bn × ``scale``)."""
    top = sorted(
        (r for r in rows if (r["market_value_lost_usd_bn"] or 0) > 0),
        key=lambda r: -r["market_value_lost_usd_bn"],
    )[:15]
    fig = go.Figure(
        go.Bar(
            x=[r["name"] for r in top],
            y=[r["market_value_lost_usd_bn"] * scale for r in top],
            marker_color=["#c0392b" if r["defaulted"] else "#2f5bd3" for r in top],
        )
    )
    fig.update_layout(**_LAYOUT, title=title, yaxis_title=unit)
    return fig


#: Differences within this many USD bn ($1) are rounding, not a side of a crossing.
_EPS = 1e-9


def _crossings(a: list[float | None], b: list[float | None]) -> list[int]:
    """Quarters (index of the later one) where series ``a`` crosses series ``b``; a difference
    within ``_EPS`` is rounding, not a side (cash of -1.8e-15 against no debt does not cross it).

    >>> _crossings([5.0, 0.0, -1.8e-15, 40.0], [0.0, 0.0, 0.0, 0.0])
    []
    >>> _crossings([5.0, 1.0, -2.0], [0.0, 3.0, -5.0])
    [1, 2]
    """
    out = []
    for i in range(1, min(len(a), len(b))):
        a0, a1, b0, b1 = a[i - 1], a[i], b[i - 1], b[i]
        if a0 is None or a1 is None or b0 is None or b1 is None:
            continue
        d0, d1 = a0 - b0, a1 - b1
        if abs(d0) > _EPS and abs(d1) > _EPS and (d0 > 0) != (d1 > 0):
            out.append(i)
    return out


def projection_figure(
    quarters: list[str],
    series: dict[str, list[float | None]],
    title: str,
    *,
    need: dict[str, float | None] | None = None,
    cash_out_quarter: str | None = None,
    words: dict[str, str] | None = None,
    unit: str = "$bn",
    scale: float = 1.0,
) -> go.Figure:
    """Cash, debt and shortfall by quarter; the funding need (a headline, stated at year-ends
    2030 and 2032) as diamonds; the points where debt crosses cash, the first shortfall and the
    quarter standalone cash runs out annotated. ``words`` translates the labels."""
    w = {
        "cash": "cash",
        "debt": "debt",
        "shortfall": "shortfall",
        "need": "funding need (cumulative, to year-end)",
        "need_to": "need to {year}: {amount}",
        "cross": "debt crosses cash, {q}",
        "first": "first shortfall, {q}",
        "out": "with no new money, cash runs out {q}",
        **(words or {}),
    }
    colors = {"cash": "#1e8449", "debt": "#8e44ad", "shortfall": "#c0392b"}
    sc = {k: [None if v is None else v * scale for v in vals] for k, vals in series.items()}
    fig = go.Figure(
        [
            go.Scatter(x=quarters, y=sc[k], mode="lines", name=w[k], line={"color": c, "width": 2.5})
            for k, c in colors.items()
            if k in sc
        ]
    )
    notes: list[tuple[str, float, str, int, str]] = []
    points = []
    for key, year in (("funding_need_2030", "2030"), ("funding_need_2032", "2032")):
        v = (need or {}).get(key)
        q = next((x for x in reversed(quarters) if str(x).startswith(year)), None)
        if v is not None and q is not None:
            points.append((q, v * scale))
            notes.append(
                (
                    q,
                    v * scale,
                    w["need_to"].format(year=year, amount=f"{v * scale:,.0f} {unit}"),
                    -30,
                    "#b9770e",
                )
            )
    if points:
        fig.add_trace(
            go.Scatter(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                mode="lines+markers",
                name=w["need"],
                line={"dash": "dot", "color": "#e67e22", "width": 2},
                marker={"size": 11, "symbol": "diamond", "color": "#e67e22"},
            )
        )
    if "cash" in sc and "debt" in sc:
        for i in _crossings(sc["cash"], sc["debt"]):
            y = ((sc["cash"][i] or 0.0) + (sc["debt"][i] or 0.0)) / 2
            notes.append((quarters[i], y, w["cross"].format(q=quarters[i]), -40, "#6c3483"))
    short = sc.get("shortfall") or []
    first = next((i for i, v in enumerate(short) if v is not None and v > _EPS), None)
    if first is not None:
        notes.append(
            (quarters[first], short[first] or 0.0, w["first"].format(q=quarters[first]), 40, "#c0392b")
        )
    if cash_out_quarter in quarters:
        i = quarters.index(cash_out_quarter)
        y = (sc.get("cash") or [0.0] * len(quarters))[i] or 0.0
        notes.append((quarters[i], y, w["out"].format(q=quarters[i]), -60, "#1e8449"))
    for x, y, text, ay, color in notes:
        fig.add_annotation(
            x=x, y=y, text=text, showarrow=True, arrowhead=2, ax=0, ay=ay,
            font={"size": 11, "color": color}, bgcolor="rgba(255,255,255,0.85)", arrowcolor=color,
        )  # fmt: skip
    fig.update_layout(
        **{**_LAYOUT, "height": 420}, title=title, yaxis_title=unit, legend={"orientation": "h", "y": -0.15}
    )
    return fig


def sankey_figure(
    graph: dict[str, Any],
    roles: tuple[tuple[str, tuple[str, ...], str, str], ...],
    names: dict[str, str],
    *,
    unit: str = "$bn",
    scale: float = 1.0,
    amount: Callable[[float], str] | None = None,
) -> tuple[go.Figure, int]:
    """Follow the money: live priced deals summed from the payer's class (left) to the payee's
    class (right); ``names`` gives each side's label (role key + ``:pay``/``:receive``), followed by
    the side's total as ``amount`` writes it, on a second line (USD bn in: a PDF has no hover to
    show it).
    Returns the figure and the number of live deals without an amount (left out)."""
    kind = {n["data"]["id"]: n["data"].get("kind", "unknown") for n in graph["elements"]["nodes"]}
    idx = {r[0]: i for i, r in enumerate(roles)}

    def role(k: str) -> int:
        return next((idx[r[0]] for r in roles if k in r[1]), len(roles) - 1)

    flows: dict[tuple[int, int], float] = {}
    unpriced = 0
    for e in graph["elements"]["edges"]:
        d = e["data"]
        if not d.get("live", True):
            continue
        if not d.get("amount"):
            unpriced += 1
            continue
        key = (role(kind.get(d["source"], "unknown")), role(kind.get(d["target"], "unknown")))
        flows[key] = flows.get(key, 0.0) + float(d["amount"])

    def rgba(c: str, a: float) -> str:
        return f"rgba({int(c[1:3], 16)},{int(c[3:5], 16)},{int(c[5:7], 16)},{a})"

    paid: dict[int, float] = {}
    got: dict[int, float] = {}
    for (a, b), v in flows.items():
        paid[a] = paid.get(a, 0.0) + v
        got[b] = got.get(b, 0.0) + v

    def said(label: str, v: float) -> str:
        return f"{label}<br>{amount(v)}" if amount is not None and v > 0 else label

    n = len(roles)
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            valueformat=",.0f",
            valuesuffix=" " + unit,
            node={
                "label": [said(names[f"{r[0]}:pay"], paid.get(i, 0.0)) for i, r in enumerate(roles)]
                + [said(names[f"{r[0]}:receive"], got.get(i, 0.0)) for i, r in enumerate(roles)],
                "color": [r[3] for r in roles] * 2,
                "pad": 14,
                "thickness": 16,
            },
            link={
                "source": [a for a, _ in flows],
                "target": [n + b for _, b in flows],
                "value": [v * scale for v in flows.values()],
                "color": [rgba(roles[a][3], 0.35) for a, _ in flows],
            },
        )
    )
    fig.update_layout(
        **{**_LAYOUT, "height": 420, "margin": {"l": 10, "r": 10, "t": 10, "b": 10}, "font": {"size": 12}}
    )
    return fig, unpriced


def fan_figure(
    quarters: list[str],
    bands: dict[str, list[float | None]],
    title: str,
    *,
    median: str = "median",
    unit: str = "$bn",
    scale: float = 1.0,
) -> go.Figure:
    """Quantile bands (5-95 %, 25-75 %) and the median by quarter, in ``unit`` (USD bn × ``scale``)."""
    sc = {k: [None if v is None else v * scale for v in vals] for k, vals in bands.items()}
    fig = go.Figure()
    for lo, hi, name, alpha in (("p05", "p95", "5-95%", 0.15), ("p25", "p75", "25-75%", 0.3)):
        fig.add_trace(
            go.Scatter(
                x=quarters, y=sc[hi], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
            )
        )
        fig.add_trace(
            go.Scatter(
                x=quarters,
                y=sc[lo],
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=f"rgba(47,91,211,{alpha})",
                name=name,
            )
        )
    fig.add_trace(
        go.Scatter(x=quarters, y=sc["p50"], mode="lines", name=median, line={"color": "#2f5bd3", "width": 2})
    )
    fig.update_layout(**_LAYOUT, title=title, yaxis_title=unit)
    return fig


def tornado_figure(
    table: list[dict[str, Any]],
    base: float | None,
    title: str,
    unit: str,
    *,
    scale: float = 1.0,
    words: dict[str, str] | None = None,
) -> go.Figure:
    """One bar per parameter from y(low) to y(high), largest swing on top; dashed line at the base.
    Outputs in ``unit`` (the table's × ``scale``); ``words`` translates the legend (``raises``,
    ``lowers``, ``none``)."""
    w = {
        "raises": "a higher value raises it",
        "lowers": "a higher value lowers it",
        "none": "no effect at these quantiles",
        **(words or {}),
    }
    rows = [
        {**r, "output_low": r["output_low"] * scale, "output_high": r["output_high"] * scale}
        for r in table
        if r["output_low"] is not None and r["output_high"] is not None
    ]
    base = None if base is None else base * scale
    fig = go.Figure()
    for name, color, sign in (
        (w["raises"], "#2f5bd3", 1),
        (w["lowers"], "#e67e22", -1),
        (w["none"], "#95a5a6", 0),
    ):
        sel = [
            r
            for r in rows
            if (r["output_high"] > r["output_low"]) - (r["output_high"] < r["output_low"]) == sign
        ]
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
