"""The market-reactions fit built from the ledger and the research CSV."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import circularity
from circularity.analytics.backlog_value import fit_reactions

CSV = Path(__file__).resolve().parents[1] / "valuation" / "data" / "market_reactions.csv"


def test_the_research_reactions_give_documented_points() -> None:
    led = circularity.load("ai", as_of="2026-12-04")
    raw = pd.read_csv(CSV)
    fit, excluded = fit_reactions(led, raw, file=str(CSV))
    points = fit.points
    oracle = points[(points.entity == "oracle") & (points.direction == "announced")]
    assert oracle[["deal", "amount_usd_bn", "value_change_usd_bn"]].values.tolist() == [["D10", 300.0, 244.0]]
    assert (excluded["reason"].str.contains("corroboration")).sum() >= 1
    assert len(points) + len(excluded) == len(raw)
    assert fit.table["coefficient"].notna().all()
