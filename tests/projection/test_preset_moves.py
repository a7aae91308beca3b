"""Every preset moves the outputs its file names, in the direction it names, against the baseline."""

from __future__ import annotations

from functools import lru_cache

import pytest

from circularity.projection import load_scenario
from circularity.projection.compare import compare_results, output_value
from circularity.projection.pipeline import project
from circularity.projection.results import ProjectionResult
from circularity.projection.scenario import PRESETS


@lru_cache(maxsize=16)
def _run(name: str) -> ProjectionResult:
    return project(name)


@pytest.mark.parametrize("name", [p for p in PRESETS if p != "baseline"])
def test_preset_moves_what_it_says(name: str) -> None:
    sc = load_scenario(name)
    assert sc.moves, f"preset {name} documents no outputs it must move"
    res, base = _run(name), _run("baseline")
    wrong = []
    for mv in sc.moves:
        a, b = output_value(res, mv.output), output_value(base, mv.output)
        ok = a > b if mv.direction == "up" else a < b
        if not ok:
            wrong.append(f"{mv.output}: {b:.3f} -> {a:.3f}, expected {mv.direction}")
    assert not wrong, f"{name}: " + "; ".join(wrong)


@pytest.mark.parametrize("name", [p for p in PRESETS if p != "baseline"])
def test_no_preset_is_identical_to_the_baseline(name: str) -> None:
    rows = compare_results(_run(name), _run("baseline"))
    assert any(r.moved for r in rows)
    assert _run(name).headlines() != _run("baseline").headlines()


def test_an_output_without_quarter_sums_flows_and_reads_levels_at_the_end() -> None:
    r = _run("baseline")
    h = r.first_projected
    assert output_value(r, "revenue:microsoft") == pytest.approx(
        r.series("revenue", "microsoft").iloc[h:].sum()
    )
    # cash is a quarter-end level: its horizon total would count the same dollars 26 times
    assert output_value(r, "cash:microsoft") == pytest.approx(r.series("cash", "microsoft").iloc[-1])
    assert output_value(r, "debt:oracle") == pytest.approx(r.series("debt", "oracle").iloc[-1])
