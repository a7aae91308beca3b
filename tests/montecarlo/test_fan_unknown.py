"""Fan charts where a value is unknown: no silent gap and no silent 0."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from circularity.montecarlo import SimulationResult
from circularity.montecarlo.summaries import QUANTILES, TOTAL, Accumulator, reduce_chunk


def _run(draws: int = 40) -> tuple[SimulationResult, np.ndarray[Any, Any]]:
    """Three entities over four quarters: ``a`` known, ``b`` unknown in every draw (an entity of
    unknown market value), ``c`` unknown in the first ten draws only."""
    rng = np.random.default_rng(3)
    mv = rng.uniform(50.0, 150.0, size=(draws, 3, 4))
    mv[:, 1, :] = np.nan
    mv[:10, 2, :] = np.nan
    outputs = {"market_value": mv, "market_value_lost": np.full(draws, 7.0)}
    params = {"x": np.arange(draws, dtype=float)}
    acc = Accumulator(draws, None)
    acc.add(reduce_chunk(params, outputs, start=0, quarters=("2027Q1", "2027Q2", "2027Q3", "2027Q4")))
    model = SimpleNamespace(
        entities=("a", "b", "c"), quarters=("2027Q1", "2027Q2", "2027Q3", "2027Q4"), focus="a"
    )
    return SimulationResult.from_accumulator(acc, model=model), mv


def test_an_unknown_entity_has_no_band_and_is_listed() -> None:
    res, mv = _run()
    assert res.fan_excluded["market_value"] == ("b",)
    q = res.quantiles("market_value")
    assert "b" not in set(q["entity"])  # no band of NaN (a gap) and none of zeros
    assert q["value"].notna().all()
    assert res.summary()["fan_excluded"] == {"market_value": ["b"]}
    with pytest.raises(Exception, match="no quantile bands"):
        res.quantiles("market_value", "b")


def test_bands_use_the_draws_where_the_value_is_known_with_a_count() -> None:
    res, mv = _run()
    j = 2  # c: unknown in 10 of 40 draws
    assert int(res.fan_unknown_draws["market_value"][j]) == 10
    np.testing.assert_allclose(
        res.fan["market_value"][:, j, :], np.quantile(mv[10:, j, :], QUANTILES, axis=0), rtol=1e-5
    )
    # the total sums the entities of known value
    total = np.nansum(mv, axis=1)
    k = [*res.entities, TOTAL].index(TOTAL)
    np.testing.assert_allclose(
        res.fan["market_value"][:, k, :], np.quantile(total, QUANTILES, axis=0), rtol=1e-5
    )


def test_value_lost_total_is_the_models_headline() -> None:
    """The total of market value lost per draw is the model's own headline (each firm's fall once,
    stakes taken out), not the sum of the entities' rows, which counts a stake's fall twice."""
    res, _ = _run()
    assert res.summary()["value_lost"][TOTAL]["mean"] == pytest.approx(7.0)
