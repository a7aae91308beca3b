"""``circularity ledger …`` (validate, import, export, show, diff) and ``circularity summary``.

Commands that read the store take ``--db PATH`` (or ``$CIRCULARITY_DB``); when the store file
does not exist yet, or exists but holds no records, they build it from the bundled dataset ``ai``
first and say so in one line (``ledger import`` seeds only a store that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from circularity.cli.terminal import Console, Table, escape
from circularity.errors import LedgerError, StoreError
from circularity.ledger.dates import parse_date
from circularity.ledger.vocabulary import DEAL_KINDS, ENTITY_KINDS, METRICS, TABLES
from circularity.store import DB_ENV, FORMATS, default_db_path

if TYPE_CHECKING:  # records, ledger and store need pydantic, pandas and DuckDB: loaded in the commands
    from pydantic import BaseModel

    from circularity.ledger.ledger import Ledger
    from circularity.ledger.records import Deal
    from circularity.store import Store

from circularity.cli.machine_output import to_json

__all__ = ["register"]

SHOWABLE = TABLES

DbOption = Annotated[
    Path | None,
    typer.Option(
        "--db",
        envvar=DB_ENV,
        help="DuckDB store file (default: the user data directory).",
        show_default=False,
    ),
]
AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="The web as known on this date (YYYY-MM-DD); default today.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _out() -> Console:
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console = Console(highlight=False, width=160)
    return console


def _err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def _echo_json(data: Any) -> None:
    typer.echo(to_json(data, default=str))


def _date(value: str | None, option: str, default_today: bool = True) -> date | None:
    if value is None:
        return date.today() if default_today else None
    try:
        return parse_date(value)
    except ValueError as exc:
        raise StoreError(f"{option}: {exc}") from None


#: Seconds a ledger command waits for another process (a server's read, another import) to
#: release the store before it refuses with "in use by another process".
STORE_WAIT_S = 30.0


@contextmanager
def _store(db: Path | None, seed: bool = True, seed_empty: bool = True) -> Iterator[Store]:
    """Open the store; build it from the bundled dataset when it does not exist yet or holds no
    records (an empty file left by a command that only opened it)."""
    from circularity.ledger.ledger import dataset_path
    from circularity.store import open_store

    path = db.expanduser() if db is not None else default_db_path()
    fresh = not path.exists()
    # a server reading the same store holds it for moments at a time: wait rather than refuse
    store = open_store(path, wait_s=STORE_WAIT_S)
    try:
        if seed and (fresh or (seed_empty and store.is_empty())):
            try:
                result = store.import_path(dataset_path("ai"))
            except Exception:
                store.close()
                if fresh:
                    for leftover in (path, path.with_name(path.name + ".wal")):
                        leftover.unlink(missing_ok=True)
                raise
            n = sum(result.added.values())
            what = "no store" if fresh else "an empty store"
            _err().print(f"note: {what} at {path}; built it from the bundled dataset 'ai' ({n} records)")
        yield store
    finally:
        store.close()


def _rows(records: tuple[BaseModel, ...]) -> list[dict[str, Any]]:
    from circularity.ledger.tables import record_to_row

    return [record_to_row(r) for r in records]


def _problem_lines(exc: LedgerError) -> list[str]:
    return [str(p) for p in exc.problems]


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {t}" for t, n in counts.items() if n)


# -- validate -----------------------------------------------------------------
def validate(
    path: Annotated[Path, typer.Argument(help="A ledger folder or file (YAML/CSV layout, or an export).")],
    with_store: Annotated[
        bool, typer.Option("--with-store", help="Check ids against the store's records too.")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check a ledger folder or file; print one line per problem (exit 1) or a count line (exit 0)."""
    from circularity.ledger.ledger import read_ledger

    try:
        if with_store:
            with _store(db) as store:
                result = store.check_path(path)
                counts = {
                    t: result.added.get(t, 0) + result.corrected.get(t, 0) + result.unchanged.get(t, 0)
                    for t in TABLES
                }
        else:
            counts = read_ledger(path).counts()
    except LedgerError as exc:
        if as_json:
            _echo_json(
                {
                    "valid": False,
                    "problems": [
                        {"file": p.file, "row": p.row, "field": p.field, "message": p.message}
                        for p in exc.problems
                    ],
                }
            )
        else:
            err = _err()
            for line in _problem_lines(exc):
                err.print(line, markup=False)
            err.print(f"{len(exc.problems)} problem(s) in {path}", markup=False)
        raise SystemExit(1) from None  # main() drops typer.Exit codes under standalone_mode=False
    if as_json:
        _echo_json({"valid": True, "path": str(path), "counts": counts})
    else:
        typer.echo(
            f"ok: {path} is valid: {_counts_text(counts) or 'no records'} ({sum(counts.values())} records)"
        )


# -- import -------------------------------------------------------------------
def import_(
    path: Annotated[
        Path, typer.Argument(help="A folder or file: the export format or the bundled YAML/CSV layout.")
    ],
    db: DbOption = None,
    seed: Annotated[
        bool, typer.Option("--seed/--no-seed", help="Build a missing store from the bundled dataset first.")
    ] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Validate and report; write nothing.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Import records into the store: all or nothing; corrections retire old rows, never overwrite."""
    with _store(db, seed=seed, seed_empty=False) as store:
        try:
            result = store.check_path(path) if dry_run else store.import_path(path)
        except LedgerError as exc:
            if as_json:
                _echo_json({"imported": False, "problems": [str(p) for p in exc.problems]})
            else:
                err = _err()
                for line in _problem_lines(exc):
                    err.print(line, markup=False)
                err.print(
                    f"error: import refused ({len(exc.problems)} problem(s)); the store is unchanged",
                    markup=False,
                )
            raise SystemExit(1) from None  # main() drops typer.Exit codes under standalone_mode=False
        if as_json:
            _echo_json({"imported": not dry_run, "db": str(store.path), **result.to_dict()})
            return
        verb = "would import" if dry_run else "imported"
        if not result.changed:
            typer.echo(
                f"nothing to import: all {sum(result.unchanged.values())} records of {path} are already stored"
            )
            return
        typer.echo(
            f"{verb} {path} into {store.path}: added {_counts_text(result.added) or 'nothing'}; "
            f"corrected {_counts_text(result.corrected) or 'nothing'}; "
            f"unchanged {sum(result.unchanged.values())}"
        )


# -- export -------------------------------------------------------------------
def export_(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into (created if needed).")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "csv",
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", help="Export the web as known on this date (default: every record, revisions kept)."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Export the store's ledger to CSV (a folder of tables), Parquet (a file per table) or Excel."""
    # From the module itself: after ``import circularity.store.export`` the package attribute
    # ``export`` is that module, not the function.
    from circularity.store.export import export

    if fmt not in FORMATS:
        raise StoreError(f"--format: unknown format '{fmt}'; use one of {', '.join(FORMATS)}")
    when = _date(as_of, "--as-of", default_today=False)
    with _store(db) as store:
        paths = export(store.ledger(), fmt, out, as_of=when)
    for p in paths:
        typer.echo(str(p))


# -- show ---------------------------------------------------------------------
_SHOW_COLUMNS = {
    "entities": ("id", "name", "kind", "ticker", "country", "confidence"),
    "deals": (
        "id",
        "kind",
        "payer",
        "payee",
        "amount_usd_bn",
        "announced",
        "status",
        "superseded_by",
        "confidence",
    ),
    "financials": ("entity", "period", "metric", "value", "unit", "confidence"),
    "sources": ("id", "publisher", "published", "title", "url"),
    "holdings": ("holder", "issuer", "share", "valid_from", "deal", "confidence"),
    "market_reactions": ("date", "entity", "market_cap_change_usd_bn", "pct_change", "deal", "confidence"),
}
_KIND_FIELD = {
    "entities": ("kind", ENTITY_KINDS),
    "deals": ("kind", DEAL_KINDS),
    "financials": ("metric", METRICS),
}


def _involves(record: BaseModel, entity: str) -> bool:
    return any(
        getattr(record, f, None) == entity for f in ("id", "payer", "payee", "entity", "holder", "issuer")
    )


def _select(ledger: Ledger, table: str, entity: str | None, kind: str | None) -> tuple[BaseModel, ...]:
    from circularity.ledger.records import Entity, Source

    if table not in TABLES:
        raise StoreError(f"unknown table '{table}'; show one of {', '.join(SHOWABLE)}")
    records = ledger.records.get(table, ())
    if entity is not None:
        known = {e.id for e in ledger.records.get("entities", ()) if isinstance(e, Entity)}
        if entity not in known:
            raise StoreError(f"unknown entity '{entity}'; see `circularity ledger show entities` for the ids")
        if table == "sources":
            cited = {
                s
                for t in TABLES
                for r in ledger.records.get(t, ())
                if _involves(r, entity)
                for s in getattr(r, "sources", [])
            }
            records = tuple(r for r in records if isinstance(r, Source) and r.id in cited)
        else:
            records = tuple(r for r in records if _involves(r, entity))
    if kind is not None:
        if table not in _KIND_FIELD:
            raise StoreError(
                f"--kind applies to {', '.join(_KIND_FIELD)} (metric for financials), not {table}"
            )
        field, allowed = _KIND_FIELD[table]
        if kind not in allowed:
            raise StoreError(f"--kind: unknown {field} '{kind}' for {table}; allowed: {', '.join(allowed)}")
        records = tuple(r for r in records if getattr(r, field) == kind)
    return records


def _cell(value: Any, column: str, record: BaseModel) -> str:
    from circularity.ledger.records import Deal

    if column == "amount_usd_bn" and isinstance(record, Deal) and value is None:
        lo, hi = record.amount_low_usd_bn, record.amount_high_usd_bn
        if lo is not None or hi is not None:
            return f"{'' if lo is None else f'{lo:g}'}–{'' if hi is None else f'{hi:g}'}"
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.1f}"
    return str(value)


def show(
    table: Annotated[str, typer.Argument(help=f"One of {', '.join(SHOWABLE)}.")],
    as_of: AsOfOption = None,
    entity: Annotated[
        str | None, typer.Option("--entity", help="Only records involving this entity id.")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="Entity or deal kind (metric for financials).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one table of the store as known on a date (JSON: the CSV export's fields)."""
    if table not in TABLES:
        raise StoreError(f"unknown table '{table}'; show one of {', '.join(SHOWABLE)}")
    when = _date(as_of, "--as-of")
    with _store(db) as store:
        ledger = store.ledger(as_of=when)
    records = _select(ledger, table, entity, kind)
    if as_json:
        _echo_json(_rows(records))
        return
    from circularity.ledger.tables import record_to_row

    cols = _SHOW_COLUMNS[table]
    out = Table(title=f"{table} as of {when} ({len(records)})", title_justify="left")
    for c in cols:
        out.add_column(
            c, justify="right" if c in ("amount_usd_bn", "value", "share") else "left", overflow="fold"
        )
    for rec in records:
        row = record_to_row(rec)
        out.add_row(*(escape(_cell(row.get(c), c, rec)) for c in cols))
    _out().print(out)


# -- diff ---------------------------------------------------------------------
_DIFF_FIELDS = (
    "kind",
    "payer",
    "payee",
    "amount_usd_bn",
    "amount_low_usd_bn",
    "amount_high_usd_bn",
    "start",
    "end",
    "term_years",
    "status",
    "superseded_by",
    "gigawatts",
    "stake",
    "confidence",
)


def _revision_notes(before: Deal, after: Deal) -> str:
    """What the revisions applied after ``before`` say (their notes, as ``Deal.as_of`` appends them)."""
    return after.notes[len(before.notes) :].strip() if after.notes.startswith(before.notes) else after.notes


def diff_deals(before: Ledger, after: Ledger) -> dict[str, list[dict[str, Any]]]:
    """Deals added, changed, superseded, cancelled and revised (a dated note only) between two
    as-of ledgers. Every change but ``added`` carries the notes of the revisions it applied."""
    from circularity.ledger.records import Deal

    old = {d.id: d for d in before.records.get("deals", ()) if isinstance(d, Deal)}
    new = {d.id: d for d in after.records.get("deals", ()) if isinstance(d, Deal)}
    out: dict[str, list[dict[str, Any]]] = {
        "added": [],
        "changed": [],
        "superseded": [],
        "cancelled": [],
        "revised": [],
    }
    history = after.history if after.history is not None else after.records
    base = {d.id: d for d in history.get("deals", ()) if isinstance(d, Deal)}
    for did, d in new.items():
        brief = {
            "id": did,
            "kind": d.kind,
            "payer": d.payer,
            "payee": d.payee,
            "amount_usd_bn": d.amount_central,
            "status": d.status,
        }
        if did not in old:
            # a deal that enters the web inside the window with revisions already applied (D14 enters in
            # June 2026 amended by D73) lists their notes too
            note = _revision_notes(base[did], d) if did in base and d.notes != base[did].notes else ""
            out["added"].append({**brief, "announced": d.announced.isoformat(), "note": note})
            continue
        o = old[did]
        fields = {f: [getattr(o, f), getattr(d, f)] for f in _DIFF_FIELDS if getattr(o, f) != getattr(d, f)}
        note = _revision_notes(o, d) if d.notes != o.notes else ""
        if not fields and not note:
            continue
        item = {**brief, "changes": fields, "note": note}
        if d.status == "superseded" and o.status != "superseded":
            out["superseded"].append({**item, "superseded_by": d.superseded_by})
        elif d.status == "cancelled" and o.status != "cancelled":
            out["cancelled"].append(item)
        elif fields:
            out["changed"].append(item)
        else:
            out["revised"].append(item)
    return out


def diff(
    from_: Annotated[str, typer.Option("--from", help="Earlier date (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option("--to", help="Later date (YYYY-MM-DD).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Deals added, changed, superseded and cancelled between two dates."""
    start, end = _date(from_, "--from"), _date(to, "--to")
    assert start is not None and end is not None
    if start > end:
        raise StoreError(f"--from {start} is after --to {end}; give the earlier date first")
    with _store(db) as store:
        full = store.ledger()
    changes = diff_deals(full.at(start), full.at(end))
    if as_json:
        _echo_json({"from": start.isoformat(), "to": end.isoformat(), **changes})
        return
    console = _out()
    console.print(f"deals from {start} to {end}: " + ", ".join(f"{len(v)} {k}" for k, v in changes.items()))
    for what, items in changes.items():
        if not items:
            continue
        out = Table(title=what, title_justify="left")
        for c in ("id", "kind", "payer", "payee", "amount_usd_bn", "status", "details"):
            out.add_column(c, overflow="fold")
        for it in items:
            details = "; ".join(
                [f"{f}: {a} -> {b}" for f, (a, b) in it.get("changes", {}).items()]
                + ([it["note"]] if it.get("note") else [])
            )
            if what == "added":
                details = "; ".join(
                    [f"announced {it['announced']}"] + ([it["note"]] if it.get("note") else [])
                )
            out.add_row(
                *map(escape, (it["id"], it["kind"], it["payer"], it["payee"])),
                "" if it["amount_usd_bn"] is None else f"{it['amount_usd_bn']:,.1f}",
                escape(it["status"]),
                escape(details),
            )
        console.print(out)


# -- summary ------------------------------------------------------------------
def summary(
    as_of: AsOfOption = None,
    centre: Annotated[
        str, typer.Option("--centre", help="Entity whose commitments are broken down.")
    ] = "openai",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The web as known on a date: entities and deals by kind, the largest live commitments,
    what the centre (OpenAI) has committed to pay by year and to whom, sources and confidence."""
    from circularity.summary import UNSCHEDULED, summarize

    when = _date(as_of, "--as-of")
    with _store(db) as store:
        ledger = store.ledger(as_of=when)
        where = store.path
    result = summarize(ledger, centre=centre)
    horizon = ledger.horizon_lines(when)
    if as_json:
        _echo_json({"db": str(where), **result.to_dict(), "knowledge_horizon": horizon})
        return
    con = _out()
    con.print(f"[bold]The financing web as known on {when}[/bold] (store: {where})")
    for line in horizon:
        con.print(line, highlight=False)
    con.print("records: " + ", ".join(f"{n} {t}" for t, n in result.counts.items()))
    con.print("entities by kind: " + ", ".join(f"{k} {n}" for k, n in result.entities_by_kind.items()))
    t = Table(title="Deals by kind", title_justify="left")
    for c, j in (("kind", "left"), ("deals", "right"), ("live", "right"), ("live USD bn", "right")):
        t.add_column(c, justify=j)  # type: ignore[arg-type]
    for k, row in result.deals_by_kind.items():
        t.add_row(k, str(int(row["count"])), str(int(row["live"])), f"{row['live_usd_bn']:,.1f}")
    con.print(t)
    unknown = f"; {result.live_amount_unknown} live without an amount" if result.live_amount_unknown else ""
    t = Table(
        title=f"The {len(result.largest_live)} largest of {result.live_with_amount} live commitments "
        f"with an amount{unknown}",
        title_justify="left",
    )
    for c in ("id", "kind", "payer → payee", "USD bn", "status", "confidence", "announced"):
        t.add_column(c, justify="right" if c == "USD bn" else "left")
    for live in result.largest_live:
        t.add_row(
            escape(live.id),
            live.kind,
            escape(f"{live.payer} → {live.payee}"),
            f"{live.amount_usd_bn:,.1f}",
            live.status,
            live.confidence,
            live.announced.isoformat(),
        )
    con.print(t)
    t = Table(
        title=f"What {centre} has committed to pay, by year and to whom (USD bn; total "
        f"{result.centre_total_usd_bn:,.1f})",
        title_justify="left",
    )
    t.add_column("year")
    t.add_column("total", justify="right")
    t.add_column("to whom")
    for year, by_payee in result.centre_payments.items():
        ranked = sorted(by_payee.items(), key=lambda kv: -kv[1])
        t.add_row(
            year if year != UNSCHEDULED else "unscheduled",
            f"{sum(by_payee.values()):,.1f}",
            escape(", ".join(f"{p} {v:,.1f}" for p, v in ranked)),
        )
    con.print(t)
    con.print(f"[dim]rule: {result.payment_rule}[/dim]")
    t = Table(title="Confidence of records", title_justify="left")
    levels = ("confirmed", "single_source", "estimate", "disputed")
    t.add_column("table")
    for lv in levels:
        t.add_column(lv, justify="right")
    for table, counts in result.confidence.items():
        t.add_row(table, *(str(counts.get(lv, 0)) for lv in levels))
    con.print(t)
    con.print(f"sources: {result.counts.get('sources', 0)}")


def register(app: typer.Typer) -> None:
    """Add the ``ledger`` sub-app and the ``summary`` command to the root app."""
    ledger_app = typer.Typer(
        rich_markup_mode=None,
        name="ledger",
        help="Validate, import, export, show and diff the ledger of deals, entities and financials.",
        no_args_is_help=True,
    )
    ledger_app.command("validate")(validate)
    ledger_app.command("import")(import_)
    ledger_app.command("export")(export_)
    ledger_app.command("show")(show)
    ledger_app.command("diff")(diff)
    app.add_typer(ledger_app, name="ledger")
    app.command("summary")(summary)
