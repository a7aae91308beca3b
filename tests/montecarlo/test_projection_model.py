"""The projection engine behind the simulation contract, and scenario files with distributions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from circularity.errors import ScenarioError
from circularity.montecarlo import run_simulation
from circularity.montecarlo.projection_model import ProjectionModel, load_simulation_scenario

SCENARIO = """
extends: baseline
name: mc-test
distributions:
  entities.openai.revenue_scale: {dist: triangular, low: 0.5, mode: 0.9, high: 1.2}
  globals.gpu_life_years: {dist: discrete, values: [3, 4, 5, 6]}
  scale:globals.credit_appetite: {dist: beta, a: 4, b: 1.5, low: 0.2, high: 1.0,
                                  source: "assumption: mostly open"}
correlation:
  params: [entities.openai.revenue_scale, scale:globals.credit_appetite]
  matrix: [[1, 0.5], [0.5, 1]]
simulation: {seed: 11, draws: 300}
"""


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("sc") / "mc-test.yaml"
    p.write_text(SCENARIO)
    return p


@pytest.fixture(scope="module")
def model(scenario_file: Path) -> tuple[ProjectionModel, object]:
    sim = load_simulation_scenario(str(scenario_file))
    return ProjectionModel.build(sim), sim


def test_scenario_file_gives_space_and_settings(model: tuple[ProjectionModel, object]) -> None:
    m, sim = model
    assert sim.name == "mc-test" and (sim.seed, sim.draws) == (11, 300)  # type: ignore[attr-defined]
    assert sim.space.names[0] == "entities.openai.revenue_scale"  # type: ignore[attr-defined]
    assert sim.scenario_hash.startswith("sha256:")  # type: ignore[attr-defined]
    assert m.focus == "openai" and len(m.quarters) == 32 and "openai" in m.entities
    assert m.provenance["dataset_hash"].startswith("sha256:")


def test_engine_outputs_follow_the_contract(model: tuple[ProjectionModel, object]) -> None:
    m, _ = model
    out = m(
        {
            "entities.openai.revenue_scale": np.array([0.5, 1.0, 1.2]),
            "scale:globals.credit_appetite": np.array([0.2, 0.6, 1.0]),
        }
    )
    assert out["cash"].shape == (3, len(m.entities), 32)
    assert out["funding_need_2030"].shape == (3,)
    # the drawn parameters reach the engine (direction is the engine's business)
    assert len(set(out["funding_need_2030"].round(6))) == 3
    assert out["defaulted"].dtype == bool or set(np.unique(out["defaulted"])) <= {0, 1}


def test_chunking_does_not_change_engine_results(model: tuple[ProjectionModel, object]) -> None:
    m, sim = model
    a = run_simulation(m, sim.space, n=256, seed=3, chunk_size=64, block_size=64)  # type: ignore[attr-defined]
    b = run_simulation(m, sim.space, n=256, seed=3, chunk_size=256, block_size=64)  # type: ignore[attr-defined]
    assert a.summary() == b.summary()
    for k in a.fan:
        np.testing.assert_array_equal(a.fan[k], b.fan[k])


def test_chunks_past_the_fan_draws_record_less_and_give_the_same_results(
    model: tuple[ProjectionModel, object],
) -> None:
    m, sim = model
    # chunks of 64 from draw 128 on are past the fan draws: the engine records no cash or debt there
    a = run_simulation(m, sim.space, n=256, seed=3, chunk_size=64, block_size=64, fan_draws=100)  # type: ignore[attr-defined]
    b = run_simulation(m, sim.space, n=256, seed=3, chunk_size=256, block_size=64, fan_draws=100)  # type: ignore[attr-defined]
    assert a.summary() == b.summary()
    for x, y in ((a.value_lost, b.value_lost), (a.p_short, b.p_short), (a.p_default, b.p_default)):
        np.testing.assert_array_equal(x, y)
    for k in a.fan:
        np.testing.assert_array_equal(a.fan[k], b.fan[k])
    for k in a.headlines:
        np.testing.assert_array_equal(a.headlines[k], b.headlines[k])
    narrow = m.without(("cash", "debt"))
    assert narrow.record == tuple(c for c in m.record if c not in ("cash", "debt"))
    out = narrow({"globals.gpu_life_years": np.array([3.0, 5.0])})
    assert "cash" not in out and "debt" not in out and "market_value" in out


def test_preset_without_distributions_gets_the_default_uncertainty() -> None:
    sim = load_simulation_scenario("baseline")
    assert "globals.gpu_life_years" in sim.space.names
    assert sim.uncertainty_source.endswith("default_uncertainty.yaml")
    # the path readers are pointed to names the file the package ships
    src = Path(__file__).parents[2] / "src" / sim.uncertainty_source
    assert src.is_file(), sim.uncertainty_source


def test_bad_distribution_in_a_scenario_file_names_the_parameter(tmp_path: Path) -> None:
    p = tmp_path / "bad.yaml"
    p.write_text(
        "extends: baseline\nname: bad\ndistributions:\n"
        "  globals.gpu_life_years: {dist: uniform, low: 6, high: 3}\n"
    )
    with pytest.raises(
        ScenarioError,
        match=r"bad.yaml: distribution for parameter "
        r"'globals.gpu_life_years'.*low \(6.0\) must be below",
    ):
        load_simulation_scenario(str(p))


def test_unknown_parameter_path_is_named(tmp_path: Path) -> None:
    p = tmp_path / "unknown.yaml"
    p.write_text(
        "extends: baseline\nname: unknown\ndistributions:\n"
        "  entities.openai.magic: {dist: uniform, low: 0, high: 1}\n"
    )
    sim = load_simulation_scenario(str(p))
    with pytest.raises(ScenarioError, match="'entities.openai.magic': not a parameter"):
        ProjectionModel.build(sim)


def test_value_lost_by_entity_counts_from_the_end_of_history(model: tuple[ProjectionModel, object]) -> None:
    """An entity's value lost counts from where the headline does (the end of history, the
    horizon's $852bn for OpenAI), not from the first history quarter, whose row shows the value
    reported then ($300bn in 2025Q1: every OpenAI default read as a $300bn loss before)."""
    m, sim = model
    r = run_simulation(m, sim.space, n=200, seed=5)  # type: ignore[attr-defined]
    lost = r.summary()["value_lost"]["openai"]
    i = m.entities.index("openai")
    mv = r.params  # the draws: run them again directly to see who defaulted
    out = m({k: np.asarray(v) for k, v in mv.items()})
    start = out["market_value_start"][:, i]
    assert np.allclose(start, 852.0)
    gone = out["defaulted"][:, i, -1].astype(bool)
    assert gone.any()
    expect = np.maximum(start - out["market_value"][:, i, -1], 0.0)
    assert lost["p50"] == pytest.approx(float(np.quantile(expect, 0.5)))
    assert lost["mean"] == pytest.approx(float(expect.mean()))


def test_threaded_chunks_leave_the_blas_setting_as_they_found_it(
    model: tuple[ProjectionModel, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One BLAS thread is a process-wide setting: the pool of chunk threads holds it for all of
    them (a chunk's own set-and-restore, overlapping a sibling's, left the process at one BLAS
    thread for good, or lifted the limit under a running sibling)."""
    from threadpoolctl import threadpool_info

    def blas() -> list[int]:
        return sorted(int(i["num_threads"]) for i in threadpool_info() if i.get("user_api") == "blas")

    monkeypatch.setenv("CIRCULARITY_THREADS", "2")
    m, sim = model
    before = blas()
    r = run_simulation(m, sim.space, n=2048, seed=3, chunk_size=1024)  # type: ignore[attr-defined]
    assert r.manifest is not None and r.manifest.backend == "in-process, 2 threads"
    assert blas() == before
