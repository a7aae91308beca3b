"""Merton's model: the textbook example, the reference solver, limits and failures."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.errors import CircularityError, ConvergenceError
from circularity.valuation import (
    credit_spread,
    default_probability,
    distance_to_default,
    merton_debt,
    merton_equity,
    solve_merton,
)
from circularity.valuation.reference import solve_merton_scalar

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "hull_merton" / "case.json"


def test_hull_worked_example() -> None:
    case = json.loads(GOLDEN.read_text())
    x = case["inputs"]
    fit = solve_merton(x["E0"], x["sigma_E"], x["D"], x["r"], x["T"])
    args = (fit.V, fit.sigma_V, x["D"], x["r"], x["T"])
    promised = x["D"] * math.exp(-x["r"] * x["T"])
    got = {
        "V0": float(fit.V),
        "sigma_V": float(fit.sigma_V),
        "default_probability": float(default_probability(*args)),
        "debt_value": float(merton_debt(*args)),
        "promised_pv": promised,
        "expected_loss": (promised - float(merton_debt(*args))) / promised,
    }
    for name, (value, tol) in case["expected"].items():
        assert got[name] == pytest.approx(value, abs=tol), name
    assert float(merton_equity(*args)) == pytest.approx(x["E0"], abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    st.floats(0.5, 500.0),
    st.floats(0.1, 1.2),
    st.floats(0.0, 1000.0),
    st.floats(0.0, 0.1),
    st.floats(0.25, 5.0),
)
def test_fast_solver_equals_reference(E: float, sE: float, D: float, r: float, T: float) -> None:
    fit = solve_merton(E, sE, D, r, T)
    V, s = solve_merton_scalar(E, sE, D, r, T)
    assert float(fit.V) == pytest.approx(V, rel=1e-6)
    assert float(fit.sigma_V) == pytest.approx(s, rel=1e-6)


def test_vectorised_over_scenarios_and_entities() -> None:
    E = np.array([[3.0, 852.0, 632.0], [2.0, 500.0, 300.0]])
    fit = solve_merton(E, 0.5, np.array([10.0, 0.0, 95.0]), np.array([[0.04], [0.06]]), 1.0)
    assert fit.V.shape == (2, 3)
    for s in range(2):
        for i in range(3):
            V, _ = solve_merton_scalar(E[s, i], 0.5, [10.0, 0.0, 95.0][i], [0.04, 0.06][s], 1.0)
            assert fit.V[s, i] == pytest.approx(V, rel=1e-8)


def test_no_debt_is_the_exact_limit() -> None:
    fit = solve_merton(100.0, 0.6, 0.0, 0.04, 1.0)
    assert (float(fit.V), float(fit.sigma_V)) == (100.0, 0.6)
    assert float(distance_to_default(100.0, 0.6, 0.0, 0.04, 1.0)) == math.inf
    assert float(credit_spread(100.0, 0.6, 0.0, 0.04, 1.0)) == 0.0
    assert float(merton_equity(0.0, 0.6, 10.0, 0.04, 1.0)) == 0.0


@settings(max_examples=40, deadline=None)
@given(st.floats(1.0, 200.0), st.floats(1.0, 200.0), st.floats(0.05, 1.0), st.floats(0.0, 100.0))
def test_equity_rises_with_assets_and_spread_falls(V1: float, V2: float, s: float, D: float) -> None:
    lo, hi = sorted((V1, V2))
    assert merton_equity(lo, s, D, 0.04, 1.0) <= merton_equity(hi, s, D, 0.04, 1.0) + 1e-9
    assert credit_spread(lo, s, D, 0.04, 1.0) >= credit_spread(hi, s, D, 0.04, 1.0) - 1e-9
    assert distance_to_default(lo, s, D, 0.04, 1.0) <= distance_to_default(hi, s, D, 0.04, 1.0)


def test_failure_to_converge_carries_iterations_and_residual() -> None:
    with pytest.raises(ConvergenceError) as err:
        solve_merton(3.0, 0.8, 10.0, 0.05, 1.0, max_iter=1)
    assert isinstance(err.value, CircularityError)
    assert err.value.iterations == 1 and err.value.residual > 0
    assert "1 iterations" in str(err.value)
