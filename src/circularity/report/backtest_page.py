"""``circularity report --backtest telecom``: the backtest at both cutoffs on one offline page.

Each cutoff gets the predicted-against-actual chart (probability of default by the horizon,
entities grouped by what happened), the calibration plot and the vendor-loss table; every figure
states its cutoff, the entities' data share and the Monte Carlo spread.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape

from circularity import __version__

__all__ = ["BACKTEST_CUTOFFS", "backtest_context", "build_backtest_report"]

#: The two cutoffs of issue 15: mid-2000 (thin data) and the end of 2000.
BACKTEST_CUTOFFS = ("2000-06-30", "2000-12-31")
_COLORS = {
    "default": "#c0392b",
    "survived": "#1e8449",
    "unknown": "#95a5a6",
    "resolved_before_cutoff": "#34495e",
}
_LAYOUT = {"margin": {"l": 60, "r": 20, "t": 50, "b": 40}, "template": "plotly_white", "height": 380}


def _html(fig: go.Figure) -> str:
    return str(fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False}))


def predicted_figure(res: dict[str, Any]) -> go.Figure:
    """P(default) per entity, coloured by outcome; marker size by data share."""
    fig = go.Figure()
    for status, color in _COLORS.items():
        rows = sorted((e for e in res["entities"] if e["outcome"] == status), key=lambda e: -e["p_default"])
        if not rows:
            continue
        fig.add_bar(
            x=[e["name"] for e in rows],
            y=[e["p_default"] for e in rows],
            name=status.replace("_", " "),
            marker_color=color,
            customdata=[[f"{e['data_share']:.0%}", e["median_default_quarter"] or "none"] for e in rows],
            hovertemplate="%{x}: P(default) %{y:.2f}, data share %{customdata[0]}, median default %{customdata[1]}",
        )
    share = sum(e["data_share"] for e in res["entities"]) / max(1, len(res["entities"]))
    fig.update_layout(
        **_LAYOUT,
        title={
            "text": f"Predicted P(default) by {res['horizon']} against what happened: cutoff {res['cutoff']}, "
            f"{res['draws']:,} draws, mean data share {share:.0%}"
        },
        yaxis={"title": {"text": "P(default)"}, "range": [0, 1.05]},
        xaxis={"tickangle": -45},
    )
    return fig


def calibration_figure(res: dict[str, Any]) -> go.Figure:
    """Mean predicted against observed default rate per probability bin (scored entities)."""
    rows = [b for b in res["scores"]["calibration"] if b["n"]]
    fig = go.Figure()
    fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration", line={"dash": "dot"})
    fig.add_scatter(
        x=[b["mean_predicted"] for b in rows],
        y=[b["observed_rate"] for b in rows],
        mode="markers+text",
        text=[f"n={b['n']}" for b in rows],
        textposition="top center",
        marker={"size": [8 + 3 * b["n"] for b in rows]},
        name="bins",
    )
    # the spread an observed rate would have if the model were calibrated: binomial sd at the bin's
    # mean prediction over its n entities (a bin of 1-5 entities is very uncertain; the bars say so)
    fig.data[1].update(
        error_y={
            "type": "data",
            "array": [(b["mean_predicted"] * (1 - b["mean_predicted"]) / b["n"]) ** 0.5 for b in rows],
            "visible": True,
        }
    )
    scored = set(res["scores"]["in_sample"]["entities"]) | set(res["scores"]["out_of_sample"]["entities"])
    shares = [e["data_share"] for e in res["entities"] if e["id"] in scored]
    share = sum(shares) / max(1, len(shares))
    fig.update_layout(
        **_LAYOUT,
        title={
            "text": f"Calibration, cutoff {res['cutoff']}: {res['scores']['n_scored']} scored entities, "
            f"mean data share {share:.0%}, {res['draws']:,} draws; bars: ±1 sd of the observed rate "
            "if the predictions were calibrated"
        },
        xaxis={"title": {"text": "mean predicted P(default)"}, "range": [-0.05, 1.05]},
        yaxis={"title": {"text": "observed default rate"}, "range": [-0.05, 1.05]},
    )
    return fig


def backtest_context(dataset: str = "telecom", *, draws: int = 2000, seed: int = 7) -> dict[str, Any]:
    """Both cutoffs' results and figures."""
    from circularity.backtest import run_backtest
    from circularity.backtest.starting_state import FIELDS

    runs = []
    for cutoff in BACKTEST_CUTOFFS:
        res = run_backtest(dataset, cutoff, n=draws, seed=seed)
        runs.append(
            {
                "res": res,
                "predicted": _html(predicted_figure(res)),
                "calibration": _html(calibration_figure(res)),
                "data_share": sum(e["data_share"] for e in res["entities"]) / max(1, len(res["entities"])),
            }
        )
    return {
        "title": f"Backtest: the {dataset} web as known at a cutoff, scored on what followed",
        "dataset": dataset,
        "runs": runs,
        "fields": FIELDS,
        "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
    }


def build_backtest_report(
    out: str | Path, dataset: str = "telecom", *, draws: int = 2000, seed: int = 7
) -> Path:
    """Write the backtest page to ``out``."""
    from plotly.offline import get_plotlyjs

    env = Environment(
        loader=PackageLoader("circularity.report", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["num"] = lambda x, f="{:.2f}": "–" if x is None else f.format(x)
    text = env.get_template("backtest.html.j2").render(
        **backtest_context(dataset, draws=draws, seed=seed),
        plotlyjs=get_plotlyjs().replace("</script", "<\\/script"),
        escape=html.escape,
    )
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
