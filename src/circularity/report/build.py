"""``circularity report``: one self-contained offline HTML file, and its PDF.

Numbers come through the same service layer as the HTTP API, so the report, the dashboard and
the API agree. Plotly's JavaScript is inlined once; nothing is loaded from the network.
"""

from __future__ import annotations

import dataclasses
import html
import math
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from circularity import __version__
from circularity.i18n import entity_names, money, resolve, short_name, translations
from circularity.ledger.dates import parse_date
from circularity.ledger.records import Entity
from circularity.report import figures, web_figure
from circularity.report.captions import Captions, horizon_note, knowledge_horizon
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


def N_(word: str) -> str:
    """Mark a word that comes from the data for the catalog; the template translates it."""
    return word


#: Data words the template shows through ``_()``: ledger tables, verdicts, headline names, units.
DATA_WORDS = (
    N_("sources"), N_("entities"), N_("deals"), N_("financials"), N_("holdings"), N_("market_reactions"),
    N_("outcomes"), N_("cash out q"), N_("first default q"),
    N_("holds"), N_("does not hold"), N_("not computable"),
    N_("funding need 2030"), N_("funding need 2032"), N_("market value lost"), N_("cash out quarter"),
    N_("web required revenue 2030"), N_("web projected revenue 2030"), N_("required revenue gap 2030"),
    N_("ratio"), N_("multiple"), N_("USD_bn"), N_("USD_bn_per_year"), N_("GW"), N_("year"), N_("USD_per_month"),
)  # fmt: skip


def _fig_html(fig: go.Figure) -> str:
    return str(
        fig.to_html(
            full_html=False, include_plotlyjs=False, config={"displaylogo": False, "responsive": True}
        )
    )


def _quarter_quantiles(index: Any, quarters: tuple[str, ...], never: str) -> dict[str, str]:
    """p5, p50 and p95 of a per-draw quarter index as quarter labels (``never`` past the horizon:
    a draw with no such quarter, index −1, counts as later than every quarter, not earlier), each
    the quarter of an actual draw; the mean of quarter indices means nothing and is left out."""
    v = np.asarray(index, dtype=float)
    v = np.where(v >= 0, v, np.inf)
    out = {"mean": "–"}
    for key, q in (("p5", 0.05), ("p50", 0.5), ("p95", 0.95)):
        x = float(np.quantile(v, q, method="lower")) if v.size else math.inf
        out[key] = quarters[int(x)] if math.isfinite(x) else never
    return out


def _unsigned0(x: float, digits: int) -> float:
    """``x`` as it prints at ``digits`` decimals, with no negative zero: a fall of 1e-13 reads
    "0.0%", not "-0.0%"."""
    return round(x, digits) + 0.0


def _num(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _source_parts(text: str | None) -> dict[str, str | None]:
    """``"Publisher (date) https://..."`` → its label and URL (the claims table links the label)."""
    head, sep, url = (text or "").rpartition(" http")
    if not sep:
        return {"label": text or "", "url": None}
    return {"label": head.strip(), "url": "http" + url.strip()}


def report_context(
    *,
    as_of: date,
    scenario: str = "baseline",
    db: Path | None = None,
    draws: int = REPORT_DRAWS,
    service: Service | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Everything the template shows, computed once, in ``lang`` (en, zh-Hans, zh-Hant; an
    unknown language falls back to English with a notice)."""
    from circularity.session.stress_rows import format_stress
    from circularity.session.views import deal_json, record_json

    language = resolve(lang)
    tag = language.tag
    _ = translations(tag).gettext
    svc = service or Service(db=db)
    ledger = svc.ledger(as_of)
    have = features()
    local = entity_names(tag)
    names = {
        e.id: local.get(e.id, e.name) for e in ledger.records.get("entities", ()) if isinstance(e, Entity)
    }
    zh = tag != "en"
    unit, scale = (_("$bn"), 10.0) if zh else ("$bn", 1.0)
    horizon = knowledge_horizon(svc.full_ledger(), as_of)
    cap = Captions(as_of=as_of, horizon=horizon, version=__version__, dataset=str(ledger.meta.get("name", "ai")),
                   unit=unit, gettext=_)  # fmt: skip
    ctx: dict[str, Any] = {
        "lang": tag,
        "lang_notice": language.notice,
        "horizon": horizon,
        # the date after which facts are unknown, when the report's date is later (else None)
        "unknown_after": (
            svc.full_ledger().knowledge_horizon() if horizon_note(svc.full_ledger(), as_of) else None
        ),
        "unit": unit,
        "scale": scale,
        "names": names,
        "captions": {},
        "title": _("The circular financing web of the AI industry"),
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
    lay = web_figure.layout(graph, 1000, 700, lambda i, n: short_name(local.get(i, n)))
    ctx["figures"]["network"] = web_figure.web_svg(
        graph,
        lay,
        role_name=_,
        kind_name=_,
        legend_title=_("Deal kind (edge colour)"),
    )
    ctx["captions"]["network"] = cap.of(
        _("The web of deals"), _("Filters: {f}.").format(f=_("live deals only")), figure="web"
    )
    roles = web_figure.ROLES
    side = {f"{r[0]}:pay": _("{role} pay").format(role=_(r[2])) for r in roles}
    side |= {f"{r[0]}:receive": _("{role} receive").format(role=_(r[2])) for r in roles}
    sankey, unpriced = figures.sankey_figure(
        graph, roles, side, unit=unit, scale=scale, amount=lambda v: money(v, tag)
    )
    ctx["figures"]["sankey"] = _fig_html(sankey)
    ctx["sankey_unpriced"] = unpriced
    ctx["captions"]["sankey"] = cap.of(
        _("Follow the money"), _("Filters: {f}.").format(f=_("live deals only"))
    )
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
        title = _("Money received that goes round in loops, per entity ({unit})").format(unit=unit)
        ctx["figures"]["circularity"] = _fig_html(
            figures.circularity_figure(
                loops,
                names,
                title=title,
                words={
                    "circular": _("circular ({unit})").format(unit=unit),
                    "rest": _("rest of inflow ({unit})").format(unit=unit),
                },
                unit=unit,
                scale=scale,
            )
        )
        ctx["captions"]["circularity"] = cap.of(title)

    if have["stress"]:
        try:
            stress = format_stress(svc.stress(REPORT_SHOCK, as_of), svc)
        except Exception as exc:  # noqa: BLE001 - a date outside the horizon: say so in the report
            ctx["stress_error"] = str(exc)
        else:
            ctx["stress"] = {**stress, "rows": stress["rows"][:15], "shock": REPORT_SHOCK}
            for row in stress["rows"]:
                row["name"] = names.get(row["id"], row["name"])
            ctx["figures"]["stress"] = _fig_html(
                figures.stress_figure(
                    stress["rows"],
                    _("Market value lost if OpenAI pays half of what it owes ({unit})").format(unit=unit),
                    unit=unit,
                    scale=scale,
                )
            )
            ctx["captions"]["stress"] = cap.of(_("Stress: OpenAI pays half of what it owes"), model=True)

    def model_captions() -> Captions:
        """Captions for the projection, the fan and the tornado: they run from the ledger of the
        preset's date, or of today (``svc.project(scenario, None, ...)``), not of the report's."""
        stated = svc.scenario(scenario).as_of
        run_from = parse_date(stated) if stated else date.today()
        if run_from == as_of:
            return cap
        horizon = knowledge_horizon(svc.full_ledger(), run_from)
        return dataclasses.replace(cap, as_of=run_from, horizon=horizon, model_date=True)

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
        h = result.headlines()
        ctx["figures"]["projection"] = _fig_html(
            figures.projection_figure(
                quarters,
                series,
                _("OpenAI: cash, debt, shortfall and funding need ({unit}), scenario {scenario}").format(
                    unit=unit, scenario=scenario
                ),
                need={k: _num(h.get(k)) for k in ("funding_need_2030", "funding_need_2032")},
                cash_out_quarter=h.get("cash_out_quarter"),
                words={
                    "cash": _("cash"),
                    "debt": _("debt"),
                    "shortfall": _("shortfall"),
                    "need": _("funding need (cumulative, to year-end)"),
                    "need_to": _("need to {year}: {amount}"),
                    "cross": _("debt crosses cash, {q}"),
                    "first": _("first shortfall, {q}"),
                    "out": _("with no new money, cash runs out {q}"),
                },
                unit=unit,
                scale=scale,
            )
        )
        ctx["captions"]["projection"] = model_captions().of(
            _("Projection"), _("Scenario {scenario}.").format(scenario=scenario), model=True
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
                    _("OpenAI cash ({unit}): {n} draws, seed {seed}, scenario {scenario}").format(
                        unit=unit, n=f"{sim.draws:,}", seed=REPORT_SEED, scenario=scenario
                    ),
                    median=_("median"),
                    unit=unit,
                    scale=scale,
                )
            )
            ctx["captions"]["fan"] = model_captions().of(
                _("Monte Carlo"),
                _("Scenario {scenario}; {n} draws, seed {seed}.").format(
                    scenario=scenario, n=sim.draws, seed=REPORT_SEED
                ),
                model=True,
            )
        summary = sim.summary()
        ctx["simulation"] = {
            "draws": sim.draws,
            "seed": REPORT_SEED,
            "headlines": summary.get("headlines", {}),
            "p_short": summary.get("p_short_by_year", {}),
            # quarter headlines as quarters, not as the mean of their indices ("first default q 9.8")
            "quarter_headlines": {
                k: _quarter_quantiles(v, sim.quarters, _("never"))
                for k, v in sim.headlines.items()
                if k.endswith("_q")
            },
        }

    if have["simulate"]:
        from circularity.session.sensitivity import tornado_table

        tor = tornado_table(svc, scenario, REPORT_SENSITIVITY_OUTPUT)
        ctx["sensitivity"] = tor.model_dump()
        ctx["figures"]["tornado"] = _fig_html(
            figures.tornado_figure(
                ctx["sensitivity"]["table"],
                tor.base,
                _("What moves {output} ({unit}), scenario {scenario}").format(
                    output=_(tor.output.replace("_", " ")), unit=unit, scenario=scenario
                ),
                unit,
                scale=scale,
                words={
                    "raises": _("a higher value raises it"),
                    "lowers": _("a higher value lowers it"),
                    "none": _("no effect at these quantiles"),
                },
            )
        )
        ctx["captions"]["tornado"] = model_captions().of(_("Sensitivity"), model=True)

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
    """The HTML text: template + inline plotly.js (offline), in the context's language."""
    from plotly.offline import get_plotlyjs

    lang = ctx.get("lang", "en")
    scale = float(ctx.get("scale", 1.0))
    env = Environment(
        loader=PackageLoader("circularity.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    env.filters["bn"] = lambda x, d=1: "–" if _num(x) is None else f"{_unsigned0(float(x), d):,.{d}f}"
    # amounts in the page's unit ($bn, or 億 = 0.1 bn in Chinese) and money with its unit
    env.filters["amt"] = lambda x, d=1: (
        "–" if _num(x) is None else f"{_unsigned0(float(x) * scale, d):,.{d}f}"
    )
    env.filters["money"] = lambda x: money(_num(x), lang)
    env.filters["name"] = lambda i: ctx.get("names", {}).get(i, i)
    # headline money: "$1,234.5bn" in English (d digits), 億/萬億美元 in Chinese
    env.filters["usd"] = lambda x, d=1: (
        ("–" if _num(x) is None else f"${float(x):,.{d}f}bn") if lang == "en" else money(_num(x), lang)
    )
    env.filters["source_parts"] = _source_parts
    env.filters["pct"] = lambda x: "–" if _num(x) is None else f"{_unsigned0(100 * float(x), 1):.1f}%"
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
    lang: str = "en",
) -> Path:
    """Write the report to ``out`` in ``lang`` and return its path."""
    path = Path(out)
    ctx = report_context(as_of=as_of, scenario=scenario, db=Path(db) if db else None, draws=draws, lang=lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(ctx), encoding="utf-8")
    return path
