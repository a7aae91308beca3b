"""``circularity stress``: shock the AI web and see who loses what."""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from circularity.cli.machine_output import to_json
from circularity.cli.terminal import Console, Table
from circularity.errors import ScenarioError

__all__ = ["register"]


def _parse_pairs(items: list[str], what: str) -> dict[str, Any]:
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ScenarioError(f"{what} '{item}' is not KEY=VALUE (e.g. openai=0.5)")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ScenarioError(f"{what} '{item}': cannot read the value '{value}'") from None
    return out


def _shocks(items: list[str]) -> dict[str, float]:
    """``ENTITY=SHOCK`` pairs: the share of what the entity owes that it fails to pay."""
    shocks = _parse_pairs(items, "--shock")
    for key, value in shocks.items():
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 1:
            raise ScenarioError(
                f"--shock {key}={value!r}: give the share of what it owes that it fails to pay, a number in "
                "[0, 1] (0 changes nothing, 1 pays nothing)"
            )
    return {k: float(v) for k, v in shocks.items()}


def _money(x: float) -> str:
    return "—" if x != x else f"{round(x, 1) + 0.0:,.1f}"


def _dd(x: float, reported: bool) -> str:
    if x != x:
        return "—"
    if x == float("inf"):
        return "no debt" if reported else "debt n/a"
    return "no assets" if x == float("-inf") else f"{x:.2f}"


def _num(x: Any) -> float | None:
    """JSON numbers: None for NaN and infinities (the table says why: unknown, or no debt)."""
    v = float(x)
    return v if math.isfinite(v) else None


def _entity_fields() -> tuple[str, ...]:
    """The per-entity JSON fields, in order (the stress model loads only when a command runs)."""
    from circularity.stress.losses import LOSS_PARTS

    return (
        "market_value_before",
        "market_value_after",
        *LOSS_PARTS,
        "distance_to_default_before",
        "distance_to_default_after",
        "credit_spread_before",
        "credit_spread_after",
    )


def stress_json(result: Any, shocks: dict[str, float]) -> dict[str, Any]:
    """The stress result as JSON: per entity the values before and after, each loss part, the
    distance to default and spread before and after; totals; the entities excluded for an
    unknown value; the articles' claims beside; assumptions and method."""
    from circularity.stress.revaluation import METHOD

    frame = result.to_frame()
    a = result.assumptions
    entities = []
    for row in frame.to_dict("records"):
        out = {"entity": row["entity"], "shock": 1.0 - row["pay_share"], "pays": row["pay_share"]}
        out.update({k: _num(row[k]) for k in ("obligations", "receipts_lost")})
        out["defaulted"] = bool(row["defaulted"])
        out.update({k: _num(row[k]) for k in _entity_fields()})
        out["change_pct"] = _num(row["mv_change_pct"])
        out["value_method"] = row["value_method"]
        out["debt_reported"] = bool(row["debt_reported"])
        entities.append(out)
    excluded = result.excluded_unknown_value()
    return {
        "as_of": result.as_of.isoformat(),
        "model": result.model,
        "window": [result.from_quarter, result.to_quarter],
        "shocks": shocks,
        "entities": entities,
        "totals": {k: v for k, v in result.totals().items() if k != "excluded_unknown_value"},
        "excluded_unknown_value": excluded,
        "excluded_unknown_value_count": len(excluded),
        "contract_news_price": dict(result.news_price),
        "articles": result.article_comparison(),
        "assumptions": {k: {"value": a.values[k], "source": a.sources[k]} for k in a.values},
        "method": list(METHOD),
    }


def stress(
    shock: Annotated[
        list[str],
        typer.Option(
            "--shock",
            help="ENTITY=SHOCK, the share of what it owes that it fails to pay: openai=1 fails outright, "
            "openai=0.5 pays half, 0 changes nothing; repeatable.",
        ),
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Web as known on this date (YYYY-MM-DD); default today.")
    ] = None,
    model: Annotated[str, typer.Option("--model", help="eisenberg-noe or rogers-veraart.")] = "eisenberg-noe",
    alpha: Annotated[float, typer.Option(help="Rogers-Veraart recovery on outside assets.")] = 1.0,
    beta: Annotated[
        float, typer.Option(help="Rogers-Veraart recovery on receipts of a defaulted node.")
    ] = 1.0,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override an assumption: KEY=VALUE.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    dataset: Annotated[str, typer.Option("--dataset", help="Bundled dataset: ai or telecom.")] = "ai",
) -> None:
    """Shock the AI web (OpenAI fails to pay half: --shock openai=0.5) and print who loses what."""
    from circularity.stress import stress_test
    from circularity.stress.revaluation import METHOD

    shocks = _shocks(shock)
    ledger, web = None, None
    if dataset != "ai":
        # a historical web runs on the backtest's scenario (engine defaults + the period's facts)
        from circularity.backtest.predictions import setup_run
        from circularity.errors import OptionError
        from circularity.ledger import load
        from circularity.ledger.dates import parse_date

        if as_of is None:
            raise OptionError(
                f"--dataset {dataset}: give --as-of, the date the web is known as of (e.g. 2000-12-31)"
            )
        cutoff = parse_date(as_of)
        setup = setup_run(
            load(dataset), dataset=dataset, cutoff=cutoff, horizon=cutoff.replace(year=cutoff.year + 2)
        )
        ledger, web = setup.view, setup.web
    result = stress_test(
        {k: 1.0 - v for k, v in shocks.items()},
        ledger=ledger,
        web=web,
        as_of=as_of,
        model=model,
        alpha=alpha,
        beta=beta,
        assumptions=_parse_pairs(set_ or [], "--set"),
    )
    from circularity.cli.horizon import bundled_horizon

    horizon = bundled_horizon("ai", result.as_of)
    if as_json:
        typer.echo(to_json({**stress_json(result, shocks), "knowledge_horizon": horizon}))
        return
    from circularity.stress.losses import LOSS_PARTS

    frame = result.to_frame()
    a = result.assumptions
    con = Console(width=max(Console().width, 170))
    what = ", ".join(f"{k} fails to pay {v:.0%}" for k, v in shocks.items())
    table = Table(
        title=f"Stress: {what} of what it owes, {result.from_quarter}–{result.to_quarter} "
        f"(web as of {result.as_of}, {result.model}); USD bn, losses positive"
    )
    table.add_column("entity", no_wrap=True)
    heads = ("receipts lost", "value before", "value after", "change", *PART_LABELS, "DD before→after")
    for col in heads:
        table.add_column(col, justify="right")
    for row in frame.itertuples():
        if row.market_value_before != row.market_value_before:
            continue  # listed below as excluded (unknown value), never shown as 0
        moved = row.mv_change != 0
        if row.receipts_lost == 0 and not row.defaulted and not moved:
            continue
        table.add_row(
            row.entity + (" (default)" if row.defaulted else ""),
            _money(row.receipts_lost),
            _money(row.market_value_before),
            _money(row.market_value_after),
            f"{round(row.mv_change_pct, 3) + 0.0:+.1%}",
            *(_money(getattr(row, p)) for p in LOSS_PARTS),
            f"{_dd(row.distance_to_default_before, row.debt_reported)} → "
            f"{_dd(row.distance_to_default_after, row.debt_reported or row.defaulted)}",
        )
    con.print(table)
    for line in horizon:
        con.print(line, highlight=False)
    t = result.totals()
    con.print(
        f"Market value lost (each entity's fall in its own value, stakes held taken out, so a firm's fall "
        f"counts once): ${t['market_value_lost']:,.1f}B; holders' stake losses ${t['stake_transfers']:,.1f}B "
        "are those same falls passed on (a transfer, not added)",
        highlight=False,
    )
    if result.news_price:
        rng = ""
        if t["market_value_lost_low"] == t["market_value_lost_low"]:
            rng = (
                f"; across its interval, market value lost ${t['market_value_lost_low']:,.1f}B to "
                f"${t['market_value_lost_high']:,.1f}B"
            )
        con.print(f"Lost contract receipts priced at {result.news_price['source']}{rng}", highlight=False)
    con.print(
        f"Total of the table (entities of known value): before ${t['market_value_before']:,.1f}B, after "
        f"${t['market_value_after']:,.1f}B, each entity's whole fall ${t['market_value_lost_gross']:,.1f}B = "
        + " + ".join(f"{lab} {t[p]:,.1f}" for p, lab in zip(LOSS_PARTS, PART_LABELS, strict=True))
        + f"; receipts lost ${t['receipts_lost']:,.1f}B; defaults {t['defaults']}",
        highlight=False,
    )
    excluded = result.excluded_unknown_value()
    if excluded:
        con.print(
            f"Excluded, market value unknown: {len(excluded)} of {t['entities_in_web']:.0f} entities in the web "
            "(the population the projection's market_value_unknown counts): "
            + ", ".join(
                x["entity"]
                + (f" (receipts lost {_money(r)})" if (r := _lost(frame, x["entity"])) > 0 else "")
                for x in excluded
            ),
            highlight=False,
        )
    con.print(
        "DD: Merton distance to default (debt n/a: neither the ledger's financials nor its loan and bond "
        "deals give debt, valued unlevered; a shocked entity's DD after is against all it owes)",
        highlight=False,
    )
    for e, m, v in zip(result.entities, result.debt_method, result.market_value.tolist(), strict=False):
        if m.startswith("the ledger's") and v == v:  # an entity of known value (in the table)
            con.print(f"Debt of {e}, no total reported: {m}", highlight=False)
    estimated = [r for r in frame.itertuples() if r.value_method.startswith("revenue")]
    for r in estimated:
        con.print(f"Value of {r.entity} estimated: {r.value_method}", highlight=False)
    for c in result.article_comparison():
        con.print(f"Articles: {c['claim']}: {c['claimed']}; this run: {c['computed']}")
    con.print("Method:")
    for line in METHOD:
        con.print(f"  {line}", highlight=False)
    con.print("Assumptions:")
    for k in a.values:
        con.print(f"  {k} = {a.values[k]}: {a.sources[k]}", highlight=False)


def _lost(frame: Any, entity: str) -> float:
    return float(frame.loc[frame["entity"] == entity, "receipts_lost"].sum())


PART_LABELS: tuple[str, ...] = ("lost margin", "stranded", "disc. rate", "stakes", "credit", "own loss")


def register(app: typer.Typer) -> None:
    app.command("stress")(stress)
