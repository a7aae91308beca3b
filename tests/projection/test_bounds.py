"""Scenario numbers are finite numbers within their declared range; ids must exist (issue 16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from circularity.errors import ScenarioError
from circularity.projection.bounds import In
from circularity.projection.scenario import PRESETS, load_scenario


def _file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "s.yaml"
    path.write_text("name: bad\nextends: baseline\n" + body, encoding="utf-8")
    return str(path)


GPU = "globals:\n  gpu_life_years: {{value: {v}, source: 'assumption: test'}}\n"


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (".nan", "finite"),
        (".inf", "finite"),
        ("-.inf", "finite"),
        ("-1", "(0, 50] years"),
        ("0", "(0, 50] years"),
        ("51", "(0, 50] years"),
        ("true", "valid number"),
        ("'5'", "valid number"),
        ("[1]", "valid number"),
    ],
)
def test_gpu_life_refused_with_key_value_and_range(tmp_path: Path, value: str, words: str) -> None:
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_file(tmp_path, GPU.format(v=value)))
    assert "globals.gpu_life_years" in str(exc.value) and words in str(exc.value)


@pytest.mark.parametrize(
    "body",
    [
        "defaults:\n  tax_rate: {value: -0.1, source: 'assumption: t'}\n",
        "defaults:\n  opex_ratio: {value: -1, source: 'assumption: t'}\n",
        "defaults:\n  rate: {value: -.inf, source: 'assumption: t'}\n",
        "defaults:\n  debt_maturity_years: {value: .inf, source: 'assumption: t'}\n",
        "events:\n  - {quarter: 2026Q1, entity: openai, kind: pay_ratio, value: 5, source: 'assumption: t'}\n",
        "contracts:\n  deal_overrides:\n    D12: {amount: .nan, source: 'assumption: t'}\n",
        "contracts:\n  deal_overrides:\n    D12: {amount: [1], source: 'assumption: t'}\n",
        "contracts:\n  deal_overrides:\n    D12: {amount: 'ten', source: 'assumption: t'}\n",
        "contracts:\n  deal_overrides:\n    D12: {start: '2026-02-30', source: 'assumption: t'}\n",
        "contracts:\n  deal_overrides:\n    D12: {colour: red, source: 'assumption: t'}\n",
        "unknown_top_key: 1\n",
        "name: twice\n",
        "extends: [baseline]\n",
        "globals: {a: &a [1, 1, 1], b: *a}\n",
    ],
)
def test_nonsense_is_refused(tmp_path: Path, body: str) -> None:
    with pytest.raises(ScenarioError):
        load_scenario(_file(tmp_path, body))


def test_unknown_ids_are_refused_at_run(tmp_path: Path) -> None:
    from circularity.projection.pipeline import project

    for body, words in (
        ("headline_entity: nobody\n", "unknown entity 'nobody'"),
        ("contracts:\n  deal_overrides:\n    D99999: {amount: 1, source: 'assumption: t'}\n", "D99999"),
        ("entities:\n  opneai: {cash: {value: 1, source: 'assumption: t'}}\n", "did you mean 'openai'"),
    ):
        with pytest.raises(ScenarioError) as exc:
            project(_file(tmp_path, body))
        assert words in str(exc.value)


def test_set_overrides_obey_the_same_bounds() -> None:
    for item in ("globals.gpu_life_years=-1", "defaults.tax_rate=.nan", "defaults.rate=true"):
        with pytest.raises(ScenarioError):
            load_scenario("baseline", [item])


def test_every_preset_is_within_bounds() -> None:
    for name in PRESETS:
        load_scenario(name)


def test_interval_text_and_membership() -> None:
    life = In(0, 50, low_open=True, unit="years")
    assert life.text() == "(0, 50] years"
    assert not life.holds(0) and life.holds(50) and not life.holds(float("nan"))
    assert In().holds(-1e300) and In(0).text() == "[0, inf)"
