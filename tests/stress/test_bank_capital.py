"""Creditors as balance sheets; tboats's base-scenario bank and system losses reproduced."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from circularity.stress.bank_capital import capital_after_losses, channel_losses, collateral_lgd

CASE = json.loads((Path(__file__).resolve().parents[1] / "golden" / "tboats_base" / "case.json").read_text())


def test_tboats_base_bank_losses_and_cet1() -> None:
    ch = CASE["credit"]["channels"]
    lgd = [c["lgd"] if "lgd" in c else float(collateral_lgd(c["haircut"], c["ltv"])) for c in ch.values()]
    bank, other = channel_losses(
        [c["principal"] for c in ch.values()],
        [c["default_share"] for c in ch.values()],
        lgd,
        [c["bank_share"] for c in ch.values()],
    )
    b = CASE["credit"]["banks"]
    cap = capital_after_losses(b["cet1"], b["rwa"], bank.sum(), b["minimum_ratio"])
    got = {
        "bank_losses": float(bank.sum()),
        "nonbank_losses": float(other.sum()),
        "system_losses": float(bank.sum() + other.sum()),
        "cet1_ratio_after": float(cap.ratio_after),
        "cet1_change_bp": float(cap.change_bp),
    }
    for name, value in got.items():
        want, tol = CASE["expected"][name]
        assert value == pytest.approx(want, abs=tol), name
    assert bool(cap.breach) is CASE["expected"]["breach"]
    assert float(bank[0] + other[0]) == pytest.approx(
        13.1, abs=0.05
    )  # their code's channel 1 (report says ~19.5)


def test_capital_shortfall_when_losses_breach_the_minimum() -> None:
    cap = capital_after_losses(np.array([950.0, 950.0]), 7800.0, np.array([0.0, 200.0]), 0.105)
    assert cap.breach.tolist() == [False, True]
    assert cap.shortfall[1] == pytest.approx(0.105 * 7800 - 750.0)
    assert cap.shortfall[0] == 0.0
