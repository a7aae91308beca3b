"""Scenario files: presets validate, every assumption has a source, --set overrides, schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from circularity.errors import ScenarioError
from circularity.projection import PRESETS, apply_sets, load_scenario, path_values, scenario_schema
from circularity.projection.scenario import Path as PathParam

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _sources(node: object) -> list[str]:
    out: list[str] = []
    if isinstance(node, dict):
        if "value" in node and "source" in node:
            out.append(node["source"])
        for v in node.values():
            out += _sources(v)
    elif isinstance(node, list):
        for v in node:
            out += _sources(v)
    return out


@pytest.mark.parametrize("name", PRESETS)
def test_presets_validate_and_every_value_has_a_source(name: str) -> None:
    sc = load_scenario(name)
    assert sc.name == name
    sources = _sources(sc.model_dump(mode="json"))
    assert sources and all(len(s) >= 3 for s in sources)


def test_set_overrides_value_and_records_it() -> None:
    sc = load_scenario("baseline", ["globals.gpu_life_years=3", "entities.openai.min_cash=7"])
    assert sc.globals.gpu_life_years.value == 3
    assert sc.globals.gpu_life_years.source.startswith("override")
    assert sc.entities["openai"].min_cash.value == 7
    sc2 = load_scenario("baseline", ["globals.power_delivery.2028=0.5"])
    assert path_values(sc2.globals.power_delivery, ["2027Q4", "2028Q1"]).tolist() == [1.0, 0.5]


def test_set_of_a_lever_the_preset_leaves_out_gets_a_source_and_its_range() -> None:
    # baseline gives OpenAI no revenue_scale: --set made {value} only a bare number before, refused
    # as "not a Param" whatever the value (so the CLI could not move the lever at all)
    for key in ("entities.openai.revenue_scale", "entities.openai.revenue_scale.value"):
        sc = load_scenario("baseline", [f"{key}=1.2"])
        assert sc.entities["openai"].revenue_scale is not None
        assert sc.entities["openai"].revenue_scale.value == 1.2
        assert sc.entities["openai"].revenue_scale.source == f"override: --set {key}"
    for bad, says in (
        ("-1", "allowed range [0, 100]"),
        (".nan", "finite"),
        ("true", "number"),
        ("101", "[0, 100]"),
    ):
        with pytest.raises(ScenarioError, match=re.escape(says)):
            load_scenario("baseline", [f"entities.openai.revenue_scale={bad}"])


@pytest.mark.parametrize("bad", ["nokey", "globals.gpu_life_years=abc", "events.3.value=1"])
def test_bad_sets_are_scenario_errors(bad: str) -> None:
    with pytest.raises(ScenarioError):
        load_scenario("baseline", [bad])


def test_unknown_preset_and_bad_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="presets"):
        load_scenario("nope")
    f = tmp_path / "s.yaml"
    f.write_text("name: x\nglobals: [1\n")
    with pytest.raises(ScenarioError, match="YAML"):
        load_scenario(str(f))
    f.write_text("name: mine\nextends: baseline\nglobals:\n  gpu_life_years: {value: 4}\n")
    with pytest.raises(ScenarioError, match="source"):
        load_scenario(str(f))


def test_user_file_extends_preset(tmp_path: Path) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(
        "name: mine\nextends: baseline\nglobals:\n  gpu_life_years: {value: 4, source: 'assumption: mine'}\n"
    )
    sc = load_scenario(str(f))
    assert sc.globals.gpu_life_years.value == 4 and sc.entities["openai"].cash.value == 17.5


def test_path_step_and_log() -> None:
    p = PathParam(value={"2025": 1.0, "2026Q3": 0.0}, source="assumption: t")
    assert path_values(p, ["2025Q1", "2026Q2", "2026Q3", "2030Q1"]).tolist() == [1, 1, 0, 0]
    g = PathParam(value={"2025": 10.0, "2027": 40.0}, source="assumption: t", interpolate="log")
    assert path_values(g, ["2026Q2"])[0] == pytest.approx(20.0)


def test_apply_sets_on_model_roundtrip() -> None:
    sc = load_scenario("baseline")
    d = apply_sets(sc, ["defaults.rate=0.07"])
    assert d["defaults"]["rate"]["value"] == 0.07


def test_schema_published_matches() -> None:
    published = json.loads((DOCS / "scenario.schema.json").read_text())
    assert published == scenario_schema()
