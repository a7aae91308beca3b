"""``circularity report``: one self-contained offline HTML file, and its PDF.

Numbers come through the same service layer as the HTTP API, so the report, the dashboard and
the API agree. Plotly's JavaScript is inlined once; nothing is loaded from the network.
"""

from __future__ import annotations

import html
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from circularity import __version__
from circularity.report import figures
from circularity.session.service import DASHBOARD_NULL, Service, features

__all__ = ["build_report", "render_report", "report_context"]

#: Seed of the significance test (``circularity loops --null 1000`` default seed, as the dashboard).
NULL_SEED = 7

#: The stress run shown in the report (the issue's lever: "OpenAI pays half").
REPORT_SHOCK = {"openai": 0.5}
#: Monte Carlo draws in the report: enough for stable bands, small enough to run in seconds.
REPORT_DRAWS = 1000
REPORT_SEED = 7
#: The headline the report's tornado ranks the assumptions by (``circularity sensitivity``'s default).
REPORT_SENSITIVITY_OUTPUT = "funding_need_2030"


def _fig_html(fig: go.Figure) -> str:
    return str(
        fig.to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True}
        )
    )


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def report_context(
    *,
    as_of: date,
    scenario: str = "baseline",
    db: Path | None = None,
    draws: int = REPORT_DRAWS,
    service: Service | None = None,
) -> dict[str, Any]:
    """Everything the template shows, computed once."""
    from circularity.session.stress_rows import format_stress
    from circularity.session.views import deal_json, record_json

    svc = service or Service(db=db)
    ledger = svc.ledger(as_of)
    have = features()
    names = {e.id: e.name for e in ledger.records.get("entities", ())}  # type: ignore[attr-defined]
    ctx: dict[str, Any] = {
        "title": "The circular financing web of the AI industry",
        "as_of": as_of.isoformat(),
        "scenario": scenario,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "dataset": ledger.meta.get("name", "ai"),
        "dataset_hash": ledger.content_hash()[:16],
        "counts": ledger.counts(),
        "figures": {},
        "sections": [],
    }
    graph = svc.graph(as_of)
    ctx["graph"] = {k: graph[k] for k in ("n_nodes", "n_edges", "live_volume_usd_bn")}
    ctx["figures"]["network"] = _fig_html(figures.network_figure(graph))
    deals = sorted(
        (deal_json(d) for d in ledger.live_deals), key=lambda d: -(d["amount_central_usd_bn"] or 0.0)
    )
    ctx["top_deals"] = deals[:20]
    by_kind: dict[str, float] = {}
    for d in deals:
        by_kind[d["kind"]] = by_kind.get(d["kind"], 0.0) + (d["amount_central_usd_bn"] or 0.0)
    ctx["by_kind"] = sorted(by_kind.items(), key=lambda kv: -kv[1])

    if have["loops"]:
        loops = svc.loops(as_of, null=DASHBOARD_NULL, seed=NULL_SEED)
        ctx["loops"] = {**loops, "cycles": loops["cycles"][:10]}
        ctx["metrics"] = svc.metrics(as_of)
        ctx["figures"]["circularity"] = _fig_html(figures.circularity_figure(loops, names))

    if have["stress"]:
        try:
            stress = format_stress(svc.stress(REPORT_SHOCK, as_of), svc)
        except Exception as exc:  # noqa: BLE001 - a date outside the horizon: say so in the report
            ctx["stress_error"] = str(exc)
        else:
            ctx["stress"] = {**stress, "rows": stress["rows"][:15], "shock": REPORT_SHOCK}
            ctx["figures"]["stress"] = _fig_html(
                figures.stress_figure(
                    stress["rows"], "Market value lost if OpenAI pays half of what it owes ($bn)"
                )
            )

    if have["projection"]:
        from circularity.projection import PRESETS

        sc = svc.scenario(scenario)
        result = svc.project(scenario, None, {})
        quarters = list(result.quarters)
        series = {
            c: [_num(v) for v in result.series(c, "openai").to_numpy()] for c in ("cash", "debt", "shortfall")
        }
        ctx["projection"] = {
            "scenario": scenario,
            "description": sc.description or "",
            "headlines": result.headlines(),
            "presets": [
                {"name": p, "headlines": svc.project(p, None, {}, record=("cash",)).headlines()}
                for p in PRESETS
            ],
            "globals": {
                k: {"value": getattr(v, "value", v), "source": getattr(v, "source", "")}
                for k, v in sc.globals
                if hasattr(v, "source")
            },
            "defaults": {
                k: {"value": getattr(v, "value", v), "source": getattr(v, "source", "")}
                for k, v in sc.defaults
                if hasattr(v, "source")
            },
            "skipped": list(result.skipped),
        }
        ctx["figures"]["projection"] = _fig_html(
            figures.projection_figure(
                quarters, series, f"OpenAI: cash, debt and shortfall ($bn), scenario {scenario}"
            )
        )

    if have["simulate"] and draws > 0:
        from circularity.montecarlo import simulate
        from circularity.montecarlo.summaries import QUANTILES

        sim = simulate(scenario, n=draws, seed=REPORT_SEED)
        j = sim.entities.index("openai") if "openai" in sim.entities else None
        if j is not None and "cash" in sim.fan:
            labels = [f"p{round(q * 100):02d}" for q in QUANTILES]
            bands = {lab: [_num(v) for v in sim.fan["cash"][k, j]] for k, lab in enumerate(labels)}
            ctx["figures"]["fan"] = _fig_html(
                figures.fan_figure(
                    list(sim.quarters),
                    bands,
                    f"OpenAI cash ($bn): {sim.draws:,} draws, seed {REPORT_SEED}, scenario {scenario}",
                )
            )
        summary = sim.summary()
        ctx["simulation"] = {
            "draws": sim.draws,
            "seed": REPORT_SEED,
            "headlines": summary.get("headlines", {}),
            "p_short": summary.get("p_short_by_year", {}),
        }

    if have["simulate"]:
        from circularity.session.sensitivity import tornado_table

        tor = tornado_table(svc, scenario, REPORT_SENSITIVITY_OUTPUT)
        ctx["sensitivity"] = tor.model_dump()
        ctx["figures"]["tornado"] = _fig_html(
            figures.tornado_figure(
                ctx["sensitivity"]["table"],
                tor.base,
                f"What moves {tor.output.replace('_', ' ')} ({tor.unit}), scenario {scenario}",
                tor.unit,
            )
        )

    if have["claims"]:
        claims = svc.claims(as_of)
        ctx["claims"] = [r.to_dict() for r in claims.results]
        ctx["claims_counts"] = dict(claims.counts())

    cited = {s for d in deals for s in d["sources"]}
    ctx["sources"] = sorted(
        (record_json(s) for s in ledger.records.get("sources", ()) if getattr(s, "id", None) in cited),
        key=lambda s: s["id"],
    )
    return ctx


def render_report(ctx: dict[str, Any]) -> str:
    """The HTML text: template + inline plotly.js (offline)."""
    from plotly.offline import get_plotlyjs

    env = Environment(
        loader=PackageLoader("circularity.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["bn"] = lambda x, d=1: "–" if _num(x) is None else f"{float(x):,.{d}f}"
    env.filters["pct"] = lambda x: "–" if _num(x) is None else f"{100 * float(x):.1f}%"
    template = env.get_template("report.html.j2")
    # '</script' inside the bundle would end the tag early; the bundle has none, but make sure.
    plotlyjs = get_plotlyjs().replace("</script", "<\\/script")
    return template.render(**ctx, plotlyjs=plotlyjs, escape=html.escape)


def build_report(
    out: str | Path,
    *,
    as_of: date,
    scenario: str = "baseline",
    db: str | Path | None = None,
    draws: int = REPORT_DRAWS,
) -> Path:
    """Write the report to ``out`` and return its path."""
    path = Path(out)
    ctx = report_context(as_of=as_of, scenario=scenario, db=Path(db) if db else None, draws=draws)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ctx), encoding="utf-8")
    return path
