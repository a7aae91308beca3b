"""One call from a dataset and a cutoff to a scored backtest: load, predict, then score."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from circularity.backtest.calibrate import (
    Calibration,
    Split,
    fit_calibration,
    load_calibration,
    load_split,
    write_calibration,
)
from circularity.backtest.evaluate import evaluate
from circularity.backtest.outcome_file import name_index, parse_outcomes
from circularity.backtest.predictions import predict
from circularity.errors import BacktestError, Problem
from circularity.ledger import Entity, Financial, Outcome
from circularity.ledger.dates import parse_date

__all__ = ["calibrate_backtest", "run_backtest"]


def _date(value: date | str, what: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except ValueError as exc:
        raise BacktestError(f"{what}: {exc}") from None


def run_backtest(
    dataset: str = "telecom",
    cutoff: date | str = "2000-12-31",
    horizon: date | str = "2002-12-31",
    *,
    n: int = 2000,
    seed: int = 7,
    outcomes: str | Path | None = None,
    period: str | None = None,
    calibration: str | Path | None = None,
) -> dict[str, Any]:
    """Backtest a bundled dataset: predictions at ``cutoff``, scored on what happened by ``horizon``.

    Parameters
    ----------
    outcomes : a CSV in the layout of the fact base's ``outcomes.csv`` to score on instead of the
        dataset's own outcomes table; read and checked before the model runs.
    calibration : a file written by :func:`calibrate_backtest` (``circularity calibrate``); default
        none (the engine's defaults and the period's facts). Its recovery rate replaces the period's.

    Raises
    ------
    BacktestError
        Bad cutoff or horizon (one line), or a bad outcomes file (every problem located).

    Examples
    --------
    >>> res = run_backtest("telecom", "2000-12-31", n=200)  # doctest: +SKIP
    >>> res["scores"]["auc"]  # doctest: +SKIP
    """
    from circularity.ledger import load

    c, h = _date(cutoff, "--cutoff"), _date(horizon, "--horizon")
    ledger = load(dataset)
    cal = None if calibration is None else load_calibration(calibration, ledger, dataset)
    split = cal.split if cal is not None else _split_or_none(ledger, dataset)
    rows = _outcome_rows(ledger, dataset, outcomes)
    source = str(outcomes) if outcomes is not None else f"bundled {dataset} outcomes table ({len(rows)} rows)"
    pred = predict(
        ledger,
        dataset=dataset,
        cutoff=c,
        horizon=h,
        n=n,
        seed=seed,
        period=period,
        recovery_rate=None if cal is None else cal.recovery_rate,
    )
    fins = [f for f in ledger.records.get("financials", ()) if isinstance(f, Financial)]
    return evaluate(
        pred,
        rows,
        fins,
        outcomes_source=source,
        calibration_set=None if split is None else split.calibration,
        calibration=_NONE if cal is None else cal.describe(),
    )


_NONE = "none: the engine's default assumptions and the period's market facts; nothing fitted to outcomes"


def _split_or_none(ledger: Any, dataset: str) -> Split | None:
    try:
        return load_split(ledger, dataset)
    except BacktestError:
        return None


def _outcome_rows(ledger: Any, dataset: str, outcomes: str | Path | None) -> list[Any]:
    """The outcomes to score on: a checked ``--outcomes`` file, else the dataset's own table."""
    ents = [e for e in ledger.records["entities"] if isinstance(e, Entity)]
    if outcomes is not None:
        path = Path(outcomes)
        if not path.is_file():
            raise BacktestError([Problem(str(path), None, "-", "no such file")])
        return list(
            parse_outcomes(
                path.read_text(encoding="utf-8-sig"),
                str(path),
                name_index((e.id, e.name, e.aliases) for e in ents),
            )
        )
    return [o for o in ledger.records.get("outcomes", ()) if isinstance(o, Outcome)]


def calibrate_backtest(
    dataset: str = "telecom",
    cutoff: date | str = "2000-12-31",
    horizon: date | str = "2002-12-31",
    *,
    out: str | Path,
    n: int = 2000,
    seed: int = 7,
    outcomes: str | Path | None = None,
    period: str | None = None,
) -> Calibration:
    """Fit the calibrated parameters on the calibration set and write the calibration file ``out``.

    ``outcomes`` is a calibration outcomes CSV (default: the bundled table, calibration set only);
    a row naming an evaluation-set entity is refused. See :mod:`circularity.backtest.calibrate`.
    """
    from circularity.ledger import load

    c, h = _date(cutoff, "--cutoff"), _date(horizon, "--horizon")
    ledger = load(dataset)
    rows = None if outcomes is None else _outcome_rows(ledger, dataset, outcomes)
    cal = fit_calibration(
        ledger,
        dataset=dataset,
        cutoff=c,
        horizon=h,
        n=n,
        seed=seed,
        period=period,
        outcome_rows=rows,
        outcomes_source="" if outcomes is None else str(outcomes),
    )
    path = write_calibration(cal, out)
    return replace(cal, path=str(path))
