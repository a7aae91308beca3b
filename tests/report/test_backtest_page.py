"""circularity report --backtest telecom: both cutoffs, their charts and the vendor-loss table, offline."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from circularity.cli import app


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("bt") / "backtest.html"
    res = CliRunner().invoke(app, ["report", "--backtest", "telecom", "--out", str(out), "--draws", "32"])
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8")


def test_the_page_is_offline_and_covers_both_cutoffs(page: str) -> None:
    assert not re.search(r"<script[^>]+src=", page)
    for cutoff in ("2000-06-30", "2000-12-31"):
        assert f'id="cutoff-{cutoff}"' in page
        assert f"against what happened: cutoff {cutoff}, 32 draws, mean data share" in page
        assert f"Calibration, cutoff {cutoff}" in page
        # every figure and table states its cutoff, data share and uncertainty (issue 15, Build 7)
        assert re.search(
            rf"Calibration, cutoff {cutoff}: \d+ scored entities, mean data share \d+%, 32 draws", page
        )
        assert re.search(rf"Cutoff {cutoff}; 32 draws; recovery 0\.42 on average, drawn per draw", page)
    assert page.count('"error_y":{') >= 2 or page.count('"error_y": {') >= 2  # the calibration bars
    assert page.count('<th class="num">data share</th>') >= 4  # vendor and entity tables, both cutoffs


def test_the_vendor_table_compares_lucent_with_its_reported_provisions(page: str) -> None:
    assert page.count("Vendors: projected losses on customer financing against reported") == 2
    assert "sum of 2 reported quarterly bad-debt provisions (Q2 FY2001, Q2 FY2002)" in page
    assert "sum of 3 reported quarterly bad-debt provisions (Q1 FY2001, Q2 FY2001, Q2 FY2002)" in page


def test_filled_values_are_labelled_on_the_page(page: str) -> None:
    assert "filled: engine default capex_ratio" in page
    assert "model beats (AUC / timing)" in page
