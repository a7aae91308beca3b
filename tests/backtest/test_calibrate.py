"""The calibrate step: fitted on the calibration set only, written to a file, named by the backtest."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from circularity.backtest.calibrate import fit_calibration, load_calibration, load_split, write_calibration
from circularity.backtest.outcome_file import OutcomeRow
from circularity.backtest.predictions import predict
from circularity.backtest.run import calibrate_backtest, run_backtest
from circularity.errors import BacktestError
from circularity.ledger import Financial, Ledger, Outcome, dataset_path, read_ledger

CUT, HOR = date(2000, 12, 31), date(2002, 12, 31)
N = 16


@pytest.fixture(scope="module")
def full() -> Ledger:
    return read_ledger(dataset_path("telecom"))


def _fit(ledger: Ledger) -> dict[str, object]:
    cal = fit_calibration(ledger, dataset="telecom", cutoff=CUT, horizon=HOR, n=N, seed=3)
    return cal.to_dict()


def test_the_split_is_the_bundled_outcome_entities_and_everyone_else(full: Ledger) -> None:
    split = load_split(full, "telecom")
    bundled = Path(dataset_path("telecom")) / "outcomes.csv"
    with bundled.open(encoding="utf-8") as fh:
        assert split.calibration == {r["entity"] for r in csv.DictReader(fh)}
    assert split.evaluation and not split.calibration & split.evaluation
    assert {"alcatel", "convergence-communications", "level-3"} <= split.evaluation


def test_calibrate_never_reads_the_evaluation_set(full: Ledger) -> None:
    split = load_split(full, "telecom")
    assert "alcatel" in split.evaluation
    # alcatel lent to convergence-communications before the cutoff: it has an exposure the fit would use
    p = predict(full, dataset="telecom", cutoff=CUT, horizon=HOR, n=N, seed=3, recovery_rate=0.0)
    assert "alcatel" in p.vendor_losses
    src = full.records["outcomes"][0].sources[0]  # type: ignore[union-attr]
    leaked = [
        Outcome(
            entity="alcatel",
            event="vendor_writeoff",
            date="2001-06",
            value=7.0,
            unit="USD_bn",
            sources=[src],
            confidence="confirmed",
        ),
        Outcome(
            entity="convergence-communications",
            event="chapter11_filed",
            date="2001-03-01",
            sources=[src],
            confidence="confirmed",
        ),
    ]
    fin0 = next(f for f in full.records["financials"] if isinstance(f, Financial))
    leaked_fin = fin0.model_copy(
        update={
            "id": "FX-leak",
            "entity": "alcatel",
            "metric": "bad_debt_provision_expense",
            "period": "Q2 2001",
            "period_type": "Q",
            "period_end": date(2001, 6, 30),
            "value": 9.0,
            "unit": "USD_bn",
        }
    )
    changed = dict(full.records)
    changed.update(
        outcomes=(*full.records["outcomes"], *leaked),
        financials=(*full.records["financials"], leaked_fin),
    )
    base = _fit(full)
    assert base == _fit(Ledger(records=changed, meta=full.meta))
    assert "alcatel" not in {f["vendor"] for f in base["fit"]}  # type: ignore[attr-defined]
    assert "alcatel" in base["evaluation_set"]["entities"]  # type: ignore[index]


def test_an_outcomes_file_naming_an_evaluation_entity_is_refused(full: Ledger) -> None:
    rows = [OutcomeRow("winstar", "chapter11_filed", "2001-04-18"), OutcomeRow("level-3", "default", "2002")]
    with pytest.raises(BacktestError) as err:
        fit_calibration(
            full,
            dataset="telecom",
            cutoff=CUT,
            horizon=HOR,
            n=N,
            outcome_rows=rows,
            outcomes_source="held.csv",
        )
    assert "held.csv:3: entity: 'level-3' is in the evaluation set" in str(err.value)


def test_the_backtest_names_its_calibration_and_only_vendor_losses_move(tmp_path: Path) -> None:
    out = tmp_path / "cal.yaml"
    cal = calibrate_backtest("telecom", CUT, HOR, out=out, n=N, seed=3)
    assert out.is_file() and 0.0 <= cal.recovery_rate <= 1.0
    plain = run_backtest("telecom", CUT, HOR, n=N, seed=3)
    used = run_backtest("telecom", CUT, HOR, n=N, seed=3, calibration=out)
    assert plain["calibration"].startswith("none")
    assert used["calibration"].startswith(str(out)) and "evaluation set" in used["calibration"]
    assert used["recovery_rate"] == pytest.approx(cal.recovery_rate, abs=1e-4)
    assert [e["p_default"] for e in plain["entities"]] == [e["p_default"] for e in used["entities"]]
    # the recovery is drawn per draw around its mean (backtest/uncertainty.yaml) at the same uniforms
    # whatever the mean, so a higher mean recovery lowers every vendor's loss and a lower one raises it
    up = used["recovery_rate"] > plain["recovery_rate"]
    moved = 0
    for a, b in zip(plain["vendors"], used["vendors"], strict=True):
        if a["projected_losses"] == 0.0:
            assert b["projected_losses"] == 0.0
            continue
        assert (b["projected_losses"] < a["projected_losses"]) == up, (a, b)
        moved += 1
    assert moved >= 1
    s = used["scores"]
    assert s["in_sample"]["n_scored"] + s["out_of_sample"]["n_scored"] == s["n_scored"]
    assert s["out_of_sample"]["n_scored"] == 0  # the bundled outcomes are all calibration set


def test_held_out_outcomes_are_scored_out_of_sample(tmp_path: Path) -> None:
    held = tmp_path / "held.csv"
    held.write_text(
        "entity,event,date\nWinstar,chapter11_filed,2001-04-18\nLucent,survived_through_2002,2002-12-31\n"
        "Level 3,survived_through_2002,2002-12-31\nIntermedia,acquired_in_distress,2001-07\n"
    )
    res = run_backtest("telecom", CUT, HOR, n=N, seed=3, outcomes=held)
    ents = {e["id"] for e in res["entities"]}
    expect_out = {"level-3", "intermedia"} & ents
    assert set(res["scores"]["out_of_sample"]["entities"]) == expect_out
    assert set(res["scores"]["in_sample"]["entities"]) == {"winstar", "lucent"} & ents


def test_a_bad_calibration_file_is_refused_in_one_line(full: Ledger, tmp_path: Path) -> None:
    bad = tmp_path / "cal.yaml"
    bad.write_text("kind: something-else\n")
    with pytest.raises(BacktestError, match="not a calibration file") as err:
        load_calibration(bad, full, "telecom")
    assert "\n" not in str(err.value)
    cal = fit_calibration(full, dataset="telecom", cutoff=CUT, horizon=HOR, n=N, seed=3)
    good = write_calibration(cal, tmp_path / "good.yaml")
    assert np.isclose(load_calibration(good, full, "telecom").recovery_rate, cal.recovery_rate, atol=1e-4)
    with pytest.raises(BacktestError, match="not 'ai'"):
        load_calibration(good, full, "ai")
