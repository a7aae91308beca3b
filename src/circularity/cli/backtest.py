"""``circularity backtest`` and ``circularity compare``: the model run on a historical web."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from circularity.cli.terminal import Console, Table

__all__ = ["register"]


def _f(x: Any, fmt: str = "{:.2f}") -> str:
    return "—" if x is None else fmt.format(x)


def _plain(res: dict[str, Any]) -> list[str]:
    """The plain statements: does the model beat each baseline, on AUC and on timing."""
    s = res["scores"]
    out = []
    names = {"runway": "cash runway", "z_score": s["baselines"]["z_score"]["method"].split(" ")[0]}
    for key, label in names.items():
        b = s["baselines"][key]
        beats = s["model_beats"][key]
        out.append(
            f"Against {label}: AUC {_f(s['auc'])} vs {_f(b['auc'])} (beats: {beats['auc']}); "
            f"timing {_f(s['timing_rank_correlation'])} vs {_f(b['timing_rank_correlation'])} "
            f"(beats: {beats['timing']}); baseline inputs for {b['n_with_inputs']} of {s['n_scored']} scored"
        )
    return out


def backtest(
    dataset: Annotated[str, typer.Option("--dataset", help="Bundled historical dataset.")] = "telecom",
    cutoff: Annotated[str, typer.Option("--cutoff", help="Knowledge cutoff (YYYY-MM-DD).")] = "2000-12-31",
    horizon: Annotated[
        str, typer.Option("--horizon", help="Score what happened by this date.")
    ] = "2002-12-31",
    n: Annotated[int, typer.Option("--n", help="Monte Carlo draws.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    outcomes: Annotated[
        Path | None, typer.Option("--outcomes", help="Outcomes CSV (layout of the fact base's outcomes.csv).")
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Period scenario (default: the latest known at the cutoff)."),
    ] = None,
    calibration: Annotated[
        Path | None,
        typer.Option("--calibration", help="Calibration file from `circularity calibrate` (default: none)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Run the engine on a historical web as known at --cutoff and score it on what followed."""
    from circularity.backtest import run_backtest

    res = run_backtest(
        dataset, cutoff, horizon, n=n, seed=seed, outcomes=outcomes, period=period, calibration=calibration
    )
    if as_json:
        typer.echo(json.dumps(res, indent=2, default=str))
        return
    con = Console(width=max(Console().width, 120))
    t = Table(
        title=f"Backtest {res['dataset']}: web as public on {res['cutoff']}, projected "
        f"{res['quarters'][0]}–{res['quarters'][1]}, {res['draws']} draws (seed {res['seed']})"
    )
    for col in ("entity", "P(default)", "median default q", "data share", "runway q", "leverage", "outcome"):
        t.add_column(col, justify="left" if col in ("entity", "outcome") else "right")
    for e in sorted(res["entities"], key=lambda e: (-e["p_default"], e["name"])):
        out = e["outcome"] + (f" {e['actual_default_date']}" if e["outcome"] == "default" else "")
        t.add_row(
            e["name"],
            f"{e['p_default']:.2f}",
            e["median_default_quarter"] or "—",
            f"{e['data_share']:.0%}",
            _f(e["runway_quarters"], "{:.1f}"),
            _f(e["leverage"]),
            out,
        )
    con.print(t)
    v = Table(title="Vendors: projected losses on customer financing vs reported (USD bn)")
    for col in ("vendor", "projected mean", "p5–p95", "reported", "reported basis"):
        v.add_column(col)
    for row in res["vendors"]:
        v.add_row(
            row["name"],
            f"{row['projected_losses']:.2f}",
            f"{row['projected_losses_p5']:.2f}–{row['projected_losses_p95']:.2f}",
            _f(row["reported_losses"]),
            row["reported_basis"],
        )
    con.print(v)
    s = res["scores"]
    con.print(
        f"Scores on {s['n_scored']} entities with a known outcome ({s['n_defaults']} defaults, "
        f"{s['n_survivors']} survivors; {s['n_unknown']} unknown and {s['n_resolved_before_cutoff']} already "
        f"resolved at the cutoff not scored): AUC {_f(s['auc'])}, Brier {_f(s['brier'], '{:.3f}')}, "
        f"timing rank correlation {_f(s['timing_rank_correlation'])} ({s['n_timing_pairs']} defaulters)",
        highlight=False,
    )
    wd = s["with_data"]
    con.print(
        f"On the {wd['n_scored']} scored entities with some reported starting figure: AUC {_f(wd['auc'])}, "
        f"Brier {_f(wd['brier'], '{:.3f}')}",
        highlight=False,
    )
    for line in _plain(res):
        con.print(line, highlight=False)
    for key in ("in_sample", "out_of_sample"):
        if key in s:
            part = s[key]
            con.print(
                f"{key.replace('_', '-')} ({part['set']}): n={part['n_scored']}, AUC {_f(part['auc'])}, "
                f"Brier {_f(part['brier'], '{:.3f}')}, timing {_f(part['timing_rank_correlation'])}",
                highlight=False,
            )
    con.print("Calibration (predicted vs observed default rate by bin):", highlight=False)
    for b in s["calibration"]:
        if b["n"]:
            con.print(
                f"  {b['bin_low']:.1f}–{b['bin_high']:.1f}: n={b['n']}, predicted {b['mean_predicted']:.2f}, "
                f"observed {b['observed_rate']:.2f}",
                highlight=False,
            )
    mv = res["market_value_lost"]
    con.print(
        f"Market value lost (operating entities): median {mv['median']:,.1f}, 90% {mv['p5']:,.1f}–{mv['p95']:,.1f}"
    )
    con.print(
        f"Period scenario: {res['period_scenario']}; recovery rate {res['recovery_rate']:.3f}; "
        f"calibration: {res['calibration']}",
        highlight=False,
    )
    con.print(
        f"Outcomes: {res['outcomes']}; uncertainty over: {', '.join(res['uncertainty'])}", highlight=False
    )


def calibrate(
    out: Annotated[Path, typer.Option("--out", help="Calibration file to write (YAML).")],
    dataset: Annotated[str, typer.Option("--dataset", help="Bundled historical dataset.")] = "telecom",
    cutoff: Annotated[str, typer.Option("--cutoff", help="Knowledge cutoff (YYYY-MM-DD).")] = "2000-12-31",
    horizon: Annotated[
        str, typer.Option("--horizon", help="Fit on what happened by this date.")
    ] = "2002-12-31",
    n: Annotated[int, typer.Option("--n", help="Monte Carlo draws.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 7,
    outcomes: Annotated[
        Path | None,
        typer.Option(
            "--outcomes", help="Calibration outcomes CSV (default: bundled table, calibration set)."
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option("--period", help="Period scenario (default: the latest known at the cutoff)."),
    ] = None,
) -> None:
    """Fit the backtest's calibrated parameter (recovery rate) on the calibration set; write a file."""
    from circularity.backtest import calibrate_backtest

    cal = calibrate_backtest(
        dataset, cutoff, horizon, out=out, n=n, seed=seed, outcomes=outcomes, period=period
    )
    con = Console(width=max(Console().width, 110))
    con.print(
        f"wrote {out}: recovery_rate {cal.recovery_rate:.3f} (period's fact: see {cal.period})",
        highlight=False,
    )
    con.print(
        f"calibration set: {len(cal.split.calibration)} entities ({cal.outcomes}); "
        f"evaluation set: {len(cal.split.evaluation)} entities, not read",
        highlight=False,
    )
    for f in cal.fit:
        con.print(
            f"  {f['vendor']}: exposure at default {f['exposure_at_default']:.3f}, reported "
            f"{_f(f['reported_losses'])} ({f['reported_basis']})",
            highlight=False,
        )
    con.print(f"rule: {cal.rule}", highlight=False)


def compare(
    first: Annotated[str, typer.Argument(help="First dataset (e.g. telecom).")] = "telecom",
    second: Annotated[str, typer.Argument(help="Second dataset (e.g. ai).")] = "ai",
    cutoff: Annotated[str, typer.Option("--cutoff", help="Date of the first web.")] = "2000-12-31",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the second web (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Two webs side by side on the same definitions: circularity, vendor financing, concentration."""
    import datetime as dt

    import circularity
    from circularity.analytics.comparison import COMPARISON_DEFINITIONS, web_measures

    a = web_measures(circularity.load(first, as_of=cutoff), first)
    b = web_measures(circularity.load(second, as_of=as_of or dt.date.today()), second)
    if as_json:
        typer.echo(
            json.dumps({"webs": [a.to_dict(), b.to_dict()], "definitions": COMPARISON_DEFINITIONS}, indent=2)
        )
        return
    t = Table(title=f"{first} as of {a.as_of} beside {second} as of {b.as_of}")
    t.add_column("measure")
    t.add_column(first, justify="right")
    t.add_column(second, justify="right")
    rows = [
        ("window", f"{a.window[0]}–{a.window[1]}", f"{b.window[0]}–{b.window[1]}"),
        ("deals known / entities in flows", f"{a.deals} / {a.entities}", f"{b.deals} / {b.entities}"),
        ("money flows in window, $bn", f"{a.total_flows:,.1f}", f"{b.total_flows:,.1f}"),
        ("circulating, $bn", f"{a.circulating:,.1f}", f"{b.circulating:,.1f}"),
        ("circularity ratio", _f(a.circularity_ratio, "{:.1%}"), _f(b.circularity_ratio, "{:.1%}")),
        ("vendors financing own customers", ", ".join(a.vendors) or "—", ", ".join(b.vendors) or "—"),
        (
            "vendor financing / purchases (all vendors)",
            _f(a.vendor_financing_ratio),
            _f(b.vendor_financing_ratio),
        ),
        (
            "highest single vendor",
            f"{a.top_vendor} {_f(a.top_vendor_financing_ratio)}",
            f"{b.top_vendor} {_f(b.top_vendor_financing_ratio)}",
        ),
        ("HHI of money received", _f(a.hhi_received, "{:,.0f}"), _f(b.hhi_received, "{:,.0f}")),
        (
            "largest receiver's share",
            f"{a.top_receiver} {_f(a.top_receiver_share, '{:.1%}')}",
            f"{b.top_receiver} {_f(b.top_receiver_share, '{:.1%}')}",
        ),
        (
            "hub's share of flows",
            f"{a.hub} {_f(a.hub_share, '{:.1%}')}",
            f"{b.hub} {_f(b.hub_share, '{:.1%}')}",
        ),
    ]
    for r in rows:
        t.add_row(*r)
    con = Console(width=max(Console().width, 110))
    con.print(t)
    for k, d in COMPARISON_DEFINITIONS.items():
        con.print(f"  {k}: {d}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
    app.command("calibrate")(calibrate)
    app.command("compare")(compare)
