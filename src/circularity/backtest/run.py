"""One call from a dataset and a cutoff to a scored backtest: load, predict, then score."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from circularity.backtest.evaluate import evaluate
from circularity.backtest.outcome_file import name_index, parse_outcomes
from circularity.backtest.predictions import predict
from circularity.errors import BacktestError, Problem
from circularity.ledger import Entity, Financial, Outcome
from circularity.ledger.dates import parse_date

__all__ = ["run_backtest"]


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
) -> dict[str, Any]:
    """Backtest a bundled dataset: predictions at ``cutoff``, scored on what happened by ``horizon``.

    Parameters
    ----------
    outcomes : a CSV in the layout of the fact base's ``outcomes.csv`` to score on instead of the
        dataset's own outcomes table; read and checked before the model runs.

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
    ents = [e for e in ledger.records["entities"] if isinstance(e, Entity)]
    if outcomes is not None:
        path = Path(outcomes)
        if not path.is_file():
            raise BacktestError([Problem(str(path), None, "-", "no such file")])
        rows: Any = parse_outcomes(
            path.read_text(encoding="utf-8-sig"),
            str(path),
            name_index((e.id, e.name, e.aliases) for e in ents),
        )
        source = str(path)
    else:
        rows = [o for o in ledger.records.get("outcomes", ()) if isinstance(o, Outcome)]
        source = f"bundled {dataset} outcomes table ({len(rows)} rows)"
    pred = predict(ledger, dataset=dataset, cutoff=c, horizon=h, n=n, seed=seed, period=period)
    fins = [f for f in ledger.records.get("financials", ()) if isinstance(f, Financial)]
    return evaluate(pred, rows, fins, outcomes_source=source)
