"""``circularity contagion``: clearing, cascades and DebtRank on a user's network file."""

from __future__ import annotations

import csv
import io
import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from circularity.cli.terminal import Console, Table
from circularity.errors import NetworkError

if TYPE_CHECKING:  # NumPy and SciPy load inside the command, not before arguments are parsed
    from circularity.contagion.network import Network

from circularity.cli.machine_output import to_json

__all__ = ["register", "run_contagion"]


class Model(StrEnum):
    eisenberg_noe = "eisenberg-noe"
    rogers_veraart = "rogers-veraart"
    cascade = "cascade"
    debtrank = "debtrank"


class Variant(StrEnum):
    linear = "linear"
    single_hit = "single-hit"


def _parse_shocks(specs: list[str], net: Network) -> dict[int, float]:
    out: dict[int, float] = {}
    for spec in specs:
        node_id, sep, raw = spec.rpartition("=")
        if not sep or not node_id:
            raise NetworkError(f"--shock {spec!r}: expected ID=VALUE, e.g. --shock bank_a=0.5")
        try:
            value = float(raw)
        except ValueError:
            raise NetworkError(f"--shock {spec!r}: {raw!r} is not a number") from None
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise NetworkError(f"--shock {spec!r}: value must be a share in [0, 1]")
        out[net.index(node_id.strip())] = value
    return out


def run_contagion(
    net: Network,
    model: Model,
    *,
    alpha: float = 1.0,
    beta: float = 1.0,
    recovery_rate: float = 0.0,
    variant: Variant = Variant.linear,
    shocks: dict[int, float] | None = None,
    each_node: bool = False,
) -> dict[str, Any]:
    """Run one model on a loaded network; return the JSON-ready document."""
    import numpy as np

    from circularity.contagion import debtrank, default_cascade, rogers_veraart, shock_each_node

    shocks = shocks or {}
    name = model.value
    if not (0.0 < alpha <= 1.0 and 0.0 < beta <= 1.0):
        raise NetworkError(f"--alpha {alpha} / --beta {beta}: both must lie in (0, 1]")
    if not 0.0 <= recovery_rate <= 1.0:
        raise NetworkError(f"--recovery-rate {recovery_rate}: must lie in [0, 1]")
    v = variant.value.replace("-", "_")
    if each_node:
        key = {"eisenberg-noe": "eisenberg_noe", "rogers-veraart": "rogers_veraart"}.get(name, name)
        r = shock_each_node(
            key,  # type: ignore[arg-type]
            net.L,
            external_assets=net.external_assets,
            external_liabilities=net.external_liabilities,
            equity=net.equity,
            alpha=alpha,
            beta=beta,
            recovery_rate=recovery_rate,
            variant=v,  # type: ignore[arg-type]
            weights=net.weight,
        )
        order = np.argsort(-r.loss, kind="stable")
        return {
            "model": name,
            "shock_each_node": True,
            "nodes": [
                {
                    "id": net.ids[k],
                    "loss": float(r.loss[k]),
                    "stress": float(r.stress[k]),
                    "defaults": int(r.defaults[k]),
                }
                for k in order
            ],
        }
    if model is Model.debtrank:
        h0 = net.initial_relative_loss.copy()
        for k, value in shocks.items():
            h0[k] = value
        d = debtrank(net.L, net.equity, h0, variant=v, weights=net.weight)  # type: ignore[arg-type]
        return {
            "model": name,
            "variant": variant.value,
            "nodes": [
                {"id": i, "h": float(h), "stress": float(s)}
                for i, h, s in zip(net.ids, d.h, d.stress, strict=True)
            ],
            "original_stress": d.original_stress,
            "additional_stress": d.additional_stress,
            "original_losses": d.original_losses,
            "additional_losses": d.additional_losses,
            "additional_defaults": d.additional_defaults,
            "rounds": d.rounds,
        }
    e = net.external_assets.copy()
    for k, value in shocks.items():
        e[k] *= 1.0 - value
    el = net.external_liabilities
    if model is Model.cascade:
        cleared = default_cascade(net.L, e, el, recovery_rate=recovery_rate)
    else:
        a, b = (alpha, beta) if model is Model.rogers_veraart else (1.0, 1.0)
        cleared = rogers_veraart(net.L, e, el, alpha=a, beta=b)
    return {
        "model": name,
        "rounds": cleared.rounds,
        "nodes": [
            {"id": i, "payment": float(p), "defaulted": bool(dft), "net_worth": float(w)}
            for i, p, dft, w in zip(
                net.ids, cleared.payments, cleared.defaulted, cleared.net_worth, strict=True
            )
        ],
    }


def _print_csv(doc: dict[str, Any]) -> None:
    buf = io.StringIO()
    rows = doc["nodes"]
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["id"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    typer.echo(buf.getvalue(), nl=False)


def _print_table(doc: dict[str, Any]) -> None:
    console = Console(markup=False)  # node ids are the user's text, never markup
    rows = doc["nodes"]
    title = doc["model"] + (f" ({doc['variant']})" if "variant" in doc else "")
    table = Table(title=title)
    cols = list(rows[0]) if rows else ["id"]
    for c in cols:
        table.add_column(c, justify="left" if c == "id" else "right")
    for row in rows:
        table.add_row(*(_fmt(row[c]) for c in cols))
    console.print(table)
    extras = {k: v for k, v in doc.items() if k not in ("model", "variant", "nodes")}
    for k, v in extras.items():
        console.print(f"{k}: {_fmt(v)}")


def _fmt(v: Any) -> str:
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.6g}"
    return str(v)


def register(app: typer.Typer) -> None:
    """Add the ``contagion`` command to the root app."""

    @app.command("contagion")
    def contagion(
        network: Annotated[
            Path, typer.Option("--network", help="JSON file, or folder with nodes.csv and liabilities.csv.")
        ],
        model: Annotated[Model, typer.Option("--model", help="Which model to run.")] = (Model.eisenberg_noe),
        alpha: Annotated[float, typer.Option("--alpha", help="RV: share of outside assets kept.")] = 1.0,
        beta: Annotated[float, typer.Option("--beta", help="RV: share of network receipts kept.")] = 1.0,
        recovery_rate: Annotated[
            float, typer.Option("--recovery-rate", help="Cascade: share a defaulter pays.")
        ] = 0.0,
        variant: Annotated[Variant, typer.Option("--variant", help="DebtRank variant.")] = (Variant.linear),
        shock: Annotated[
            list[str] | None,
            typer.Option(
                "--shock",
                help="ID=VALUE: node loses VALUE (a share) of its external assets; DebtRank: h0.",
            ),
        ] = None,
        shock_each: Annotated[
            bool, typer.Option("--shock-each-node", help="Rank nodes: shock each one in turn.")
        ] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
        as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row per node.")] = False,
    ) -> None:
        """Clear a network (Eisenberg-Noe, Rogers-Veraart), run a cascade or DebtRank.

        Convention: each liability row says the debtor owes the creditor the amount.
        """
        from circularity.contagion import load_network

        net = load_network(network)
        shocks = _parse_shocks(shock or [], net)
        doc = run_contagion(
            net,
            model,
            alpha=alpha,
            beta=beta,
            recovery_rate=recovery_rate,
            variant=variant,
            shocks=shocks,
            each_node=shock_each,
        )
        if as_json:
            typer.echo(to_json(doc))
        elif as_csv:
            _print_csv(doc)
        else:
            _print_table(doc)
