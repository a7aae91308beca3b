"""``circularity simulate``, ``circularity sensitivity`` and ``circularity runs list|show``."""

from __future__ import annotations

import json
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from circularity.cli.terminal import Console, Table

if TYPE_CHECKING:
    from rich.progress import Progress

from circularity.cli.machine_output import to_json

__all__ = ["register"]

_HEADLINES = ("funding_need_2030", "funding_need_2032", "market_value_lost")


class Method(StrEnum):
    tornado = "tornado"
    sobol = "sobol"


def _progress(err: Console, transient: bool) -> Progress:
    """The draws bar with a draws/s column (Rich's progress loads only when a run starts)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        Task,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class _Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            # average since the start: Rich's windowed speed jumps with chunk-sized steps
            elapsed = task.finished_time if task.finished else task.elapsed
            if not elapsed or not task.completed:
                return Text("")
            return Text(f"{task.completed / elapsed:,.0f} draws/s", style="cyan")

    return Progress(
        TextColumn("[bold]simulate"),
        BarColumn(),
        MofNCompleteColumn(),
        _Rate(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err,
        transient=transient,
    )


def _db_path(db: Path | None) -> Path:
    from circularity.store import default_db_path

    return db if db is not None else default_db_path()


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:,.1f}"


def _pct(p: float) -> str:
    return "0%" if p == 0 else "<1%" if p < 0.005 else f"{p:.0%}"


def _print_summary(
    con: Console, summary: dict[str, Any], focus: str, no_revenue: tuple[str, ...] = ()
) -> None:
    heads = summary.get("headlines", {})
    t = Table(title=f"{summary['draws']:,} draws: headline figures (USD bn)")
    t.add_column("figure", no_wrap=True)
    for c in ("mean", "p5", "p25", "p50", "p75", "p95"):
        t.add_column(c, justify="right")
    for name in [h for h in _HEADLINES if h in heads] or list(heads):
        d = heads[name]
        label = f"{focus} {name}" if name.startswith("funding_need") else name
        t.add_row(label, *(_fmt(d[c]) for c in ("mean", "p5", "p25", "p50", "p75", "p95")))
    con.print(t)
    if "p_short_by_year" in summary:
        ps = summary["p_short_by_year"]
        t = Table(title=f"P({focus} has run short of cash) by year end")
        for y in ps:
            t.add_column(y, justify="right")
        t.add_row(*(_pct(p) for p in ps.values()))
        con.print(t)
    if "p_default_by_year" in summary:
        pd_ = {e: v for e, v in summary["p_default_by_year"].items() if max(v.values()) > 0}
        if pd_:
            years = list(next(iter(pd_.values())))
            t = Table(title="P(default) by entity and year end (entities that ever default)")
            t.add_column("entity", no_wrap=True)
            for y in years:
                t.add_column(y, justify="right")
            for e, v in sorted(pd_.items(), key=lambda kv: -kv[1][years[-1]]):
                t.add_row(e + (" *" if e in no_revenue else ""), *(_pct(v[y]) for y in years))
            con.print(t)
            marked = [e for e in pd_ if e in no_revenue]
            if marked:
                from circularity.cli.project import no_revenue_note

                con.print("* " + no_revenue_note(marked), highlight=False)
    if "value_lost" in summary:
        vl = summary["value_lost"]
        rows = sorted(
            ((e, d) for e, d in vl.items() if d["mean"] > 0 and e != "(total)"), key=lambda kv: -kv[1]["mean"]
        )[:10]
        t = Table(title="Market value lost, start to horizon end (USD bn): top 10 and total")
        t.add_column("entity", no_wrap=True)
        for c in ("mean", "p5", "p50", "p95"):
            t.add_column(c, justify="right")
        for e, d in [*rows, ("(total)", vl["(total)"])]:
            t.add_row(e, *(_fmt(d[c]) for c in ("mean", "p5", "p50", "p95")))
        con.print(t)


def _print_manifest(con: Console, m: dict[str, Any]) -> None:
    t = Table(title=f"Run manifest {m['run_id']}", show_header=False)
    t.add_column("field")
    t.add_column("value")
    for k in (
        "kind",
        "scenario",
        "scenario_hash",
        "dataset_version",
        "dataset_hash",
        "seed",
        "draws",
        "block_size",
        "chunk_size",
        "backend",
        "code_version",
        "started_at",
        "finished_at",
        "elapsed_s",
    ):
        t.add_row(k, str(m.get(k, "")))
    t.add_row("parameters", ", ".join(m.get("parameters", [])))
    t.add_row("packages", ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items()))
    for k, v in (m.get("extra") or {}).items():
        t.add_row(k, str(v))
    con.print(t)


def simulate_cmd(
    scenario: Annotated[str, typer.Option(help="Preset name or scenario YAML file.")] = "baseline",
    n: Annotated[int | None, typer.Option("--n", help="Number of draws.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the run.")] = None,
    workers: Annotated[int | None, typer.Option(help="Start a local Dask cluster.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (or set DASK_SCHEDULER_ADDRESS).")
    ] = None,
    keep: Annotated[
        str, typer.Option(help="Per-quarter columns to store in full, comma separated, or 'all'.")
    ] = "",
    out: Annotated[Path | None, typer.Option(help="Folder for Parquet and JSON output.")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default $CIRCULARITY_DB).")] = None,
    chunk_size: Annotated[int | None, typer.Option(help="Draws per task.")] = None,
    fan_draws: Annotated[
        int, typer.Option(help="Draws behind the fan-chart bands (the first ones; 0 for all).")
    ] = 20_000,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override key=value.")] = None,
    as_of: Annotated[str | None, typer.Option(help="Ledger as known on this date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
    dataset: Annotated[
        str, typer.Option("--dataset", help="Bundled dataset; the scenario presets are written for ai.")
    ] = "ai",
) -> None:
    """Monte Carlo over a scenario: summaries of every draw, saved with a manifest."""
    if dataset != "ai":
        from circularity.errors import OptionError

        raise OptionError(
            f"--dataset {dataset}: the scenario presets name the ai web's entities; the Monte Carlo of the "
            f"{dataset} web from a cutoff is `circularity backtest --dataset {dataset} --cutoff DATE`"
        )
    from circularity.montecarlo import simulate
    from circularity.montecarlo.manifest import RunManifest, utc_now
    from circularity.montecarlo.projection_model import ProjectionModel, load_simulation_scenario
    from circularity.montecarlo.storage import RunWriter

    err = Console(stderr=True)
    out_con = Console()
    keep_t = tuple(k.strip() for k in keep.split(",") if k.strip())
    with err.status("loading scenario and compiling the web"):
        sim = load_simulation_scenario(scenario, tuple(set_ or ()))
        model = ProjectionModel.build(sim, as_of=as_of, keep=keep_t)
    draws = n or sim.draws or 10_000
    run_seed = seed if seed is not None else (sim.seed if sim.seed is not None else 0)
    run_id = RunManifest.new_id(utc_now(), sim.name, run_seed, draws)
    writer = RunWriter(run_id, db=_db_path(db), out=out, entities=model.entities, quarters=model.quarters)
    progress = _progress(err, transient=as_json)
    try:
        with progress:
            task = progress.add_task("draws", total=draws)
            result = simulate(
                sim.name,
                n=draws,
                seed=run_seed,
                workers=workers,
                scheduler=scheduler,
                chunk_size=chunk_size,
                keep=keep_t,
                model=model,
                space=sim.space,
                progress=lambda done, total: progress.update(task, completed=done),
                on_chunk=writer.write_chunk,
                run_id=run_id,
                fan_draws=fan_draws or None,
            )
    except BaseException:
        writer.abort()
        raise
    writer.finish(result)
    manifest = result.manifest.to_dict() if result.manifest else {}
    manifest["scenario"] = sim.name
    summary = result.summary()
    if as_json:
        print(to_json({"summary": summary, "manifest": manifest}))
        return
    from circularity.projection.pipeline import entities_without_revenue

    _print_summary(out_con, summary, result.focus, entities_without_revenue(model.web, model.scenario))
    _print_manifest(out_con, manifest)
    where = [f"database {writer.db}"] + ([f"folder {out}"] if out else [])
    out_con.print(f"saved run {run_id} to " + " and ".join(where))


def sensitivity_cmd(
    scenario: Annotated[str, typer.Option(help="Preset name or scenario YAML file.")] = "baseline",
    output: Annotated[
        str, typer.Option(help="Headline (funding_need_2030, ...) or variable:entity[:quarter].")
    ] = "funding_need_2030",
    method: Annotated[Method, typer.Option(help="tornado (one at a time) or sobol.")] = Method.tornado,
    n: Annotated[int, typer.Option("--n", help="Sobol base samples (power of two).")] = 256,
    seed: Annotated[int, typer.Option(help="Seed of the Sobol design.")] = 0,
    workers: Annotated[int | None, typer.Option(help="Local Dask cluster (Sobol).")] = None,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for CSV and JSON output.")] = None,
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default $CIRCULARITY_DB).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override key=value.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Rank the assumptions by how much they move one output (tornado or Sobol)."""
    from circularity.montecarlo.manifest import (
        RunManifest,
        code_version,
        package_versions,
        utc_now,
    )
    from circularity.montecarlo.projection_model import load_projection_model
    from circularity.montecarlo.runner import open_backend
    from circularity.montecarlo.sensitivity import sobol_indices, tornado
    from circularity.montecarlo.storage import save_sensitivity

    err = Console(stderr=True)
    started, t0 = utc_now(), time.perf_counter()
    with err.status("loading scenario and compiling the web"):
        from circularity.projection import COLUMNS

        var = output.partition(":")[0]
        keep = (var,) if ":" in output and var in COLUMNS else ()
        sim, model = load_projection_model(scenario, tuple(set_ or ()), keep=keep)
    with err.status(f"{method.value} sensitivity of {output}"):
        if method is Method.tornado:
            res: Any = tornado(model, sim.space, output)
            extra: dict[str, Any] = {"base": res.base, "low_q": res.low_q, "high_q": res.high_q}
            evaluations = 1 + 2 * len(sim.space.names)
        else:
            with open_backend(workers, scheduler) as backend:
                ex = None if backend.name == "in-process" else backend.executor
                res = sobol_indices(model, sim.space, output, n=n, seed=seed, executor=ex)
            extra = {"n_base": res.n_base, "conf_level": res.conf_level, "note": res.note}
            evaluations = res.evaluations
    table = res.to_frame()
    why = table.pop("elsewhere") if "elsewhere" in table else None
    if why is not None:
        extra["elsewhere"] = {p: w for p, w in zip(table["parameter"], why, strict=True) if w}
    m = RunManifest(
        run_id=RunManifest.new_id(started, sim.name, seed, evaluations),
        kind="sensitivity",
        scenario=sim.name,
        scenario_hash=sim.scenario_hash,
        dataset_version=model.provenance["dataset_version"],
        dataset_hash=model.provenance["dataset_hash"],
        seed=seed,
        draws=evaluations,
        block_size=0,
        chunk_size=0,
        backend="in-process" if not (workers or scheduler) else f"dask {scheduler or workers}",
        parameters=sim.space.names,
        code_version=code_version(),
        packages=package_versions(),
        started_at=started,
        finished_at=utc_now(),
        elapsed_s=round(time.perf_counter() - t0, 3),
        extra={"method": method.value, "output": output, "uncertainty": sim.uncertainty_source},
    )
    save_sensitivity(_db_path(db), out, m, table, {"method": method.value, "output": output, **extra})
    if as_json:
        print(
            to_json(
                {
                    "method": method.value,
                    "output": output,
                    **extra,
                    "table": json.loads(table.to_json(orient="records")),
                    "manifest": m.to_dict(),
                },
                indent=2,
            )
        )
        return
    con = Console()
    t = Table(title=f"{method.value}: what moves {output} ({sim.name}, {evaluations:,} model runs)")
    t.add_column("rank", justify="right")
    for c in table.columns:
        if c == "parameter":
            t.add_column(c, no_wrap=True)
        else:
            t.add_column(
                {"output_low": "y(low)", "output_high": "y(high)"}.get(c, c), justify="right", no_wrap=True
            )
    for i, row in enumerate(table.itertuples(index=False), start=1):
        t.add_row(
            str(i), *(v if isinstance(v, str) else f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}" for v in row)
        )
    con.print(t)
    if method is Method.tornado:
        con.print(f"base (every parameter at its median): {res.base:,.1f}")
        for p, w in extra.get("elsewhere", {}).items():
            con.print(f"  {p}: {w}")
    else:
        con.print(f"confidence level {res.conf_level:.0%}; {res.note}")
    con.print(f"saved run {m.run_id}")


runs_app = typer.Typer(
    help="Monte Carlo and sensitivity runs saved in the store.", no_args_is_help=True, rich_markup_mode=None
)


@runs_app.command("list")
def runs_list(
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default $CIRCULARITY_DB).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Every saved run, newest first."""
    from circularity.montecarlo.storage import list_runs

    rows = list_runs(_db_path(db))
    if as_json:
        print(to_json(rows))
        return
    t = Table(title=f"{len(rows)} run(s) in {_db_path(db)}")
    for c in ("run_id", "kind", "scenario", "seed", "draws", "started_at", "elapsed_s"):
        t.add_column(c, no_wrap=c in ("run_id", "started_at"))
    for r in rows:
        t.add_row(
            *(str(r[c]) for c in ("run_id", "kind", "scenario", "seed", "draws", "started_at", "elapsed_s"))
        )
    Console().print(t)


@runs_app.command("show")
def runs_show(
    run_id: Annotated[str, typer.Argument(help="Run id (or a unique prefix).")],
    db: Annotated[Path | None, typer.Option(help="DuckDB file (default $CIRCULARITY_DB).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A run's manifest and summaries."""
    from circularity.montecarlo.storage import load_run

    manifest, summary = load_run(_db_path(db), run_id)
    if as_json:
        print(to_json({"manifest": manifest.to_dict(), "summary": summary}))
        return
    con = Console()
    if manifest.kind == "simulate":
        _print_summary(con, summary, summary.get("focus", ""))
    else:
        t = Table(title=f"{summary.get('method')}: what moves {summary.get('output')}")
        rows = summary.get("table", [])
        for c in rows[0] if rows else {}:
            t.add_column(c)
        for r in rows:
            t.add_row(*(v if isinstance(v, str) else f"{v:,.3f}" for v in r.values()))
        con.print(t)
    _print_manifest(con, manifest.to_dict())


def register(app: typer.Typer) -> None:
    """Add ``simulate``, ``sensitivity`` and ``runs`` to the root app."""
    app.command("simulate")(simulate_cmd)
    app.command("sensitivity")(sensitivity_cmd)
    app.add_typer(runs_app, name="runs")
