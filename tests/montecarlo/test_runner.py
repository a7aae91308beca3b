"""Same seed, same summaries: in-process, any chunk size, and on a real 2-worker Dask cluster."""

from __future__ import annotations

import os
import warnings

import numpy as np
import plotly.graph_objects as go
import pytest

from circularity._threads import available_threads
from circularity.montecarlo import SimulationResult, run_simulation, simulate
from circularity.montecarlo.distributions import ParameterSpace
from circularity.montecarlo.runner import open_backend
from circularity.montecarlo.summaries import QUANTILES, TOTAL
from circularity.montecarlo.toy_models import ToyWebModel

N = 5000


def _same(a: SimulationResult, b: SimulationResult) -> None:
    assert a.summary() == b.summary()
    for k in a.fan:
        np.testing.assert_array_equal(a.fan[k], b.fan[k])
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


@pytest.fixture(scope="module")
def base(toy_space: ParameterSpace) -> SimulationResult:
    return run_simulation(ToyWebModel(), toy_space, n=N, seed=7, chunk_size=1024)


def test_chunk_size_does_not_change_results(base: SimulationResult, toy_space: ParameterSpace) -> None:
    for chunk in (2048, 4096, 10_000):
        _same(base, run_simulation(ToyWebModel(), toy_space, n=N, seed=7, chunk_size=chunk))


def test_different_seed_changes_results(base: SimulationResult, toy_space: ParameterSpace) -> None:
    other = run_simulation(ToyWebModel(), toy_space, n=N, seed=8)
    assert not np.array_equal(base.params["growth"], other.params["growth"])
    assert base.summary() != other.summary()


def test_summary_contents(base: SimulationResult) -> None:
    s = base.summary()
    assert s["draws"] == N and s["focus"] == "openai"
    need = s["headlines"]["openai_funding_need_2030"]
    assert list(need) == ["mean", "p5", "p25", "p50", "p75", "p95"]
    assert need["p5"] <= need["p25"] <= need["p50"] <= need["p75"] <= need["p95"]
    assert list(s["p_short_by_year"]) == [str(y) for y in range(2025, 2033)]
    p = list(s["p_short_by_year"].values())
    assert all(0 <= a <= b <= 1 for a, b in zip(p, p[1:], strict=False))  # cumulative
    assert set(s["p_default_by_year"]) == {"openai", "oracle", "nvidia"}
    assert set(s["value_lost"]) == {"openai", "oracle", "nvidia", TOTAL}
    # P(short by 2032) computed in chunks equals the direct count over every draw
    direct = ToyWebModel()(base.params)
    assert s["p_short_by_year"]["2032"] == pytest.approx(
        np.mean((direct["shortfall"][:, 0] > 1e-9).any(axis=1)), abs=0
    )


def test_result_frames_and_fan_chart(base: SimulationResult) -> None:
    frame = base.to_frame()
    assert len(frame) == N
    assert {"draw", "growth", "burn", "openai_funding_need_2030"} <= set(frame.columns)
    q = base.quantiles("cash", "openai")
    assert len(q) == len(QUANTILES) * 32
    assert set(base.quantiles()["variable"]) == {"cash", "debt", "market_value"}
    fig = base.fan_chart("market_value")
    assert isinstance(fig, go.Figure) and len(fig.data) == 5
    with pytest.raises(KeyError, match="variables kept"):
        base.quantiles("revenue")


def test_manifest(base: SimulationResult) -> None:
    m = base.manifest
    assert m is not None
    assert (m.seed, m.draws, m.block_size, m.chunk_size) == (7, N, 1024, 1024)
    assert m.backend.startswith("in-process") and m.dataset_version == "toy"
    assert {"numpy", "dask", "SALib", "python"} <= set(m.packages)
    assert m.started_at <= m.finished_at and m.parameters == ["growth", "burn", "multiple", "credit"]


def test_simulate_api_needs_a_space_with_a_model() -> None:
    with pytest.raises(ValueError, match="parameter space"):
        simulate(model=ToyWebModel(), n=10)


def test_progress_and_on_chunk(toy_space: ParameterSpace) -> None:
    seen: list[tuple[int, int]] = []
    chunks: list[int] = []
    run_simulation(
        ToyWebModel(),
        toy_space,
        n=3000,
        seed=1,
        chunk_size=1024,
        progress=lambda d, t: seen.append((d, t)),
        keep=("cash",),
        on_chunk=lambda c: chunks.append(c.full["cash"].shape[0]),
    )
    assert seen[-1] == (3000, 3000) and chunks == [1024, 1024, 952]


@pytest.mark.slow
# When port 8787 is taken, distributed's HTTP server retries on another port and leaves the
# first socket unclosed (distributed/node.py); that ResourceWarning surfaces at garbage
# collection as an unraisable exception. It says nothing about the numbers checked here.
@pytest.mark.filterwarnings(
    r"ignore:Exception ignored in. <socket\.socket:pytest.PytestUnraisableExceptionWarning"
)
def test_local_dask_cluster_of_two_workers_matches(base: SimulationResult, toy_space: ParameterSpace) -> None:
    with warnings.catch_warnings():
        # the scheduler's HTTP server falls back to a free port, with a UserWarning, when 8787
        # is taken (another cluster on this machine); nothing to do with the numbers
        warnings.filterwarnings("ignore", message=r"Port \d+ is already in use", category=UserWarning)
        before = os.environ.get("CIRCULARITY_THREADS")
        res = run_simulation(ToyWebModel(), toy_space, n=N, seed=7, chunk_size=1024, workers=2)
        # each worker runs one thread (not workers × cores), and the nanny's variables do not
        # stay in this process's environment (its later in-process runs keep their cores)
        with open_backend(workers=1) as backend:
            assert backend.executor.submit(available_threads).result() == 1
    assert os.environ.get("CIRCULARITY_THREADS") == before
    assert res.manifest is not None and res.manifest.backend == "dask local 2 worker(s)"
    _same(base, res)


def test_fan_bands_from_the_first_fan_draws(toy_space: ParameterSpace) -> None:
    a = run_simulation(ToyWebModel(), toy_space, n=3000, seed=2, chunk_size=1024, fan_draws=1500)
    b = run_simulation(ToyWebModel(), toy_space, n=3000, seed=2, chunk_size=4096, fan_draws=1500)
    _same(a, b)
    assert a.fan_draws == 1500 and a.manifest is not None
    assert a.manifest.extra["fan_draws"] == 1500
    first = {k: v[:1500] for k, v in a.params.items()}
    cash = ToyWebModel()(first)["cash"][:, 0].astype(np.float32)
    np.testing.assert_allclose(a.fan["cash"][:, 0], np.quantile(cash, QUANTILES, axis=0), rtol=1e-6)


def test_threads_do_not_change_results(
    base: SimulationResult, toy_space: ParameterSpace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIRCULARITY_THREADS", "2")
    two = run_simulation(ToyWebModel(), toy_space, n=N, seed=7, chunk_size=1024)
    assert two.manifest is not None and two.manifest.backend == "in-process, 2 threads"
    _same(base, two)
    monkeypatch.setenv("CIRCULARITY_THREADS", "1")
    one = run_simulation(ToyWebModel(), toy_space, n=N, seed=7, chunk_size=1024)
    assert one.manifest is not None and one.manifest.backend == "in-process"
    _same(base, one)
