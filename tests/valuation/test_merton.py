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


def test_equity_a_sliver_of_its_assets_converges_to_float_resolution() -> None:
    # SoftBank in the openai-plan projection on the ledger of 2026-12-05, 2026Q1: equity of
    # $978 (9.8e-7 bn) against $50bn of debt. V is 48.04 and one ulp of it moves the value equation
    # by 7e-15, i.e. 7e-9 of the equity: a 1e-10 relative tolerance was unreachable and the solver
    # raised ConvergenceError (`circularity report` crashed); it now stops at float64's resolution.
    E, sE, D, r, T = 9.776437535970968e-07, 0.45, 50.0, 0.04, 1.0
    fit = solve_merton(E, sE, D, r, T)
    assert bool(fit.converged) and fit.n_unsolved == 0
    V, s = float(fit.V), float(fit.sigma_V)
    ulp = np.spacing(V)
    assert abs(float(merton_equity(V, s, D, r, T)) - E) <= 16 * ulp  # the value equation, to V's ulp
    d1 = (math.log(V / D) + (r + 0.5 * s * s) * T) / (s * math.sqrt(T))
    assert float(fit.V) * s * 0.5 * math.erfc(-d1 / math.sqrt(2)) == pytest.approx(sE * E, rel=1e-6)
    assert D * math.exp(-r * T) < V < D * math.exp(-r * T) + 2 * E  # assets just above the discounted debt
    # one such firm among ordinary ones changes nothing for the others
    many = solve_merton([3.0, E, 5.0], [0.8, sE, 0.3], [10.0, D, 0.0], 0.05, 1.0)
    assert float(many.V[0]) == pytest.approx(float(solve_merton(3.0, 0.8, 10.0, 0.05, 1.0).V), rel=1e-12)
    assert float(many.V[2]) == 5.0


def test_equity_below_float_resolution_is_unknown_or_an_error_never_a_number() -> None:
    # $0.001 of equity on $50bn of debt: V - D e^{-rT} is below one ulp of V, so no double solves it
    E = np.array([3.0, 1e-15])
    fit = solve_merton(E, [0.8, 0.45], [10.0, 50.0], 0.05, 1.0, on_failure="unknown")
    assert fit.converged.tolist() == [True, False] and fit.n_unsolved == 1
    assert math.isnan(fit.V[1]) and math.isnan(fit.sigma_V[1])
    assert float(fit.V[0]) == pytest.approx(12.4, abs=0.01)
    with pytest.raises(ConvergenceError, match="1 of 2 firms"):
        solve_merton(E, [0.8, 0.45], [10.0, 50.0], 0.05, 1.0)
    with pytest.raises(ValueError, match="on_failure"):
        solve_merton(3.0, 0.8, 10.0, 0.05, 1.0, on_failure="guess")
