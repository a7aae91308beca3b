"""Valuation by earnings multiple; tboats's base-scenario S&P 500 fall reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from circularity.valuation.multiples import derated_multiple, index_change, multiple_price_change

CASE = json.loads((Path(__file__).resolve().parents[1] / "golden" / "tboats_base" / "case.json").read_text())


def test_tboats_base_sp500() -> None:
    eq = CASE["equity"]
    cohorts = list(eq["cohorts"].values())
    pe = derated_multiple([c["pe_base"] for c in cohorts], [c["pe_trough"] for c in cohorts], eq["severity"])
    change = multiple_price_change([c["eps_change"] for c in cohorts], [c["pe_base"] for c in cohorts], pe)
    total = float(index_change([c["weight"] for c in cohorts], change))
    want, tol = CASE["expected"]["sp500_change"]
    assert total == pytest.approx(want, abs=tol)
    level, tol = CASE["expected"]["sp500_level"]
    assert eq["index_level"] * (1 + total) == pytest.approx(level, abs=tol)
    assert [round(float(x), 3) for x in change] == [-0.865, -0.469, -0.427, -0.253]  # peers.md's cohort falls


def test_no_earnings_change_and_no_derating_changes_nothing() -> None:
    assert float(multiple_price_change(0.0, 20.0, derated_multiple(20.0, 10.0, 0.0))) == 0.0
