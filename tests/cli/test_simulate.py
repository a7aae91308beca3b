"""``circularity simulate``, ``sensitivity`` and ``runs`` through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from circularity.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("db") / "mc.duckdb"


@pytest.fixture(scope="module")
def run(db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    out = tmp_path_factory.mktemp("out")
    r = runner.invoke(
        app,
        [
            "simulate",
            "--scenario",
            "baseline",
            "--n",
            "300",
            "--seed",
            "7",
            "--db",
            str(db),
            "--out",
            str(out),
            "--keep",
            "cash,debt",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout), out


def test_simulate_json_summary_and_manifest(run: tuple[dict, Path]) -> None:
    data, _ = run
    s, m = data["summary"], data["manifest"]
    assert s["draws"] == 300 and "funding_need_2030" in s["headlines"]
    assert "2030" in s["p_short_by_year"] and "openai" in s["p_default_by_year"]
    # summary.defaults: P(defaulted by the end of each projected year); history (through 2026Q2,
    # the reports) is not drawn, so 2025 is not a projected year and no draw defaults in it
    d = s["defaults"]
    assert set(d) == set(s["p_default_by_year"])
    assert sorted(d["openai"]) == [str(y) for y in range(2026, 2033)]
    assert all(v["2025"] == 0.0 for v in s["p_default_by_year"].values())
    for e in ("microsoft", "amazon", "alphabet", "meta"):
        assert all(p == 0.0 for p in d[e].values()), (e, d[e])
    assert m["seed"] == 7 and m["scenario"] == "baseline" and m["draws"] == 300
    for k in (
        "dataset_version",
        "dataset_hash",
        "scenario_hash",
        "code_version",
        "packages",
        "started_at",
        "finished_at",
    ):
        assert m[k]


def test_simulate_writes_parquet(run: tuple[dict, Path]) -> None:
    _, out = run
    draws = pq.read_table(out / "draws").to_pandas()
    assert len(draws) == 300 and "funding_need_2030" in draws.columns
    cells = pq.read_table(out / "cells").to_pandas()
    assert {"cash", "debt"} <= set(cells.columns) and cells["draw"].nunique() == 300
    assert (out / "quantiles.parquet").exists()
    assert json.loads((out / "manifest.json").read_text())["draws"] == 300


def test_runs_list_and_show(run: tuple[dict, Path], db: Path) -> None:
    run_id = run[0]["manifest"]["run_id"]
    r = runner.invoke(app, ["runs", "list", "--db", str(db), "--json"])
    assert r.exit_code == 0 and run_id in [x["run_id"] for x in json.loads(r.stdout)]
    r = runner.invoke(app, ["runs", "show", run_id[:17], "--db", str(db)])
    assert r.exit_code == 0 and "headline figures" in r.stdout and run_id in r.stdout
    r = runner.invoke(app, ["runs", "show", "nope", "--db", str(db)])
    assert r.exit_code != 0


def test_simulate_table_output(db: Path) -> None:
    r = runner.invoke(app, ["simulate", "--n", "100", "--seed", "1", "--db", str(db)])
    assert r.exit_code == 0, r.output
    for text in ("headline figures", "run short of cash", "Run manifest", "dataset_hash"):
        assert text in r.stdout


def test_sensitivity_tornado(db: Path) -> None:
    r = runner.invoke(
        app,
        ["sensitivity", "--scenario", "baseline", "--output", "funding_need_2030", "--db", str(db), "--json"],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["method"] == "tornado" and len(data["table"]) == 13
    swings = {row["parameter"]: row["swing"] for row in data["table"]}
    assert list(swings.values()) == sorted(swings.values(), reverse=True)
    # issue 13: power moves the funding need; GPU life, rates and credit appetite move it or another
    # headline, and the output says which (OpenAI's funding need stops at its resolution, issue 12,
    # which a shorter GPU life does not move in the baseline)
    assert swings["scale:globals.power_delivery"] > 0
    why = data["elsewhere"]
    for p in ("globals.gpu_life_years", "channels.rate_shift", "scale:globals.credit_appetite"):
        assert swings[p] > 0 or "moves" in why[p], (p, why.get(p))
