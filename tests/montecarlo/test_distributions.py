"""Distributions sample what they claim; bad specs fail naming the parameter."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from circularity.errors import ScenarioError
from circularity.montecarlo.distributions import parse_parameter_space
from circularity.montecarlo.sampling import draw_parameters

N = 200_000

SPECS = {
    "u": {"dist": "uniform", "low": -2.0, "high": 5.0},
    "t": {"dist": "triangular", "low": 0.0, "mode": 0.3, "high": 2.0},
    "n": {"dist": "normal", "mean": 1.5, "sd": 0.4},
    "ln": {"dist": "lognormal", "median": 2.0, "sigma": 0.5},
    "ln_mu": {"dist": "lognormal", "mu": 0.2, "sigma": 0.3},
    "b": {"dist": "beta", "a": 2.0, "b": 5.0, "low": 1.0, "high": 3.0},
    "d": {"dist": "discrete", "values": [3, 4, 5, 6], "weights": [1, 2, 3, 4]},
    "d_eq": {"dist": "discrete", "values": [10, 20]},
}


@pytest.fixture(scope="module")
def sample() -> tuple[object, dict[str, np.ndarray]]:
    space = parse_parameter_space(SPECS)
    return space, draw_parameters(space, 123, 0, N)


@pytest.mark.parametrize("name", list(SPECS))
def test_moments_match(sample: tuple[object, dict[str, np.ndarray]], name: str) -> None:
    space, draws = sample
    dist = space.parameters[name]  # type: ignore[attr-defined]
    x = draws[name]
    sd = np.sqrt(dist.var())
    # mean within 5 standard errors, variance within 3%
    assert abs(x.mean() - dist.mean()) < 5 * sd / np.sqrt(N)
    assert x.var() == pytest.approx(dist.var(), rel=0.03)


@pytest.mark.parametrize(
    ("name", "frozen"),
    [
        ("u", stats.uniform(-2, 7)),
        ("t", stats.triang(0.15, loc=0, scale=2)),
        ("n", stats.norm(1.5, 0.4)),
        ("ln", stats.lognorm(0.5, scale=2.0)),
        ("b", stats.beta(2, 5, loc=1, scale=2)),
    ],
)
def test_distribution_shape_ks(
    sample: tuple[object, dict[str, np.ndarray]], name: str, frozen: object
) -> None:
    _, draws = sample
    assert stats.kstest(draws[name][:20_000], frozen.cdf).pvalue > 1e-3  # type: ignore[attr-defined]


def test_discrete_frequencies(sample: tuple[object, dict[str, np.ndarray]]) -> None:
    _, draws = sample
    values, counts = np.unique(draws["d"], return_counts=True)
    assert values.tolist() == [3, 4, 5, 6]
    np.testing.assert_allclose(counts / N, [0.1, 0.2, 0.3, 0.4], atol=0.005)


def test_gaussian_copula_gives_stated_correlation() -> None:
    space = parse_parameter_space(
        {
            "a": {"dist": "uniform", "low": 0, "high": 1},
            "b": {"dist": "lognormal", "median": 1, "sigma": 1},
            "c": {"dist": "triangular", "low": 0, "mode": 1, "high": 3},
        },
        {"params": ["a", "b"], "matrix": [[1, 0.7], [0.7, 1]]},
    )
    d = draw_parameters(space, 5, 0, 100_000)
    # Gaussian copula: normal scores of the margins have the stated correlation
    z_a = stats.norm.ppf(d["a"])
    z_b = np.log(d["b"])
    assert np.corrcoef(z_a, z_b)[0, 1] == pytest.approx(0.7, abs=0.01)
    assert abs(np.corrcoef(d["a"], d["c"])[0, 1]) < 0.015
    # margins are unchanged by the copula
    assert d["a"].mean() == pytest.approx(0.5, abs=0.005)


@pytest.mark.parametrize(
    ("spec", "corr", "needle"),
    [
        ({"x.growth": {"dist": "uniform", "low": 2, "high": 1}}, None, "parameter 'x.growth'"),
        (
            {"x.growth": {"dist": "triangular", "low": 0, "mode": 3, "high": 2}},
            None,
            "mode (3.0) must lie in [low, high]",
        ),
        ({"gpu_life": {"dist": "gamma", "k": 2}}, None, "parameter 'gpu_life'"),
        ({"gpu_life": {"dist": "gamma", "k": 2}}, None, "allowed: uniform, triangular"),
        ({"sd_bad": {"dist": "normal", "mean": 0, "sd": -1}}, None, "parameter 'sd_bad' field 'sd'"),
        ({"w": {"dist": "discrete", "values": [1, 2], "weights": [1]}}, None, "parameter 'w'"),
        ({"ln": {"dist": "lognormal", "sigma": 1}}, None, "give exactly one of mu"),
        ({"nodist": {"low": 0, "high": 1}}, None, "parameter 'nodist'"),
        (
            {"extra": {"dist": "uniform", "low": 0, "high": 1, "mode": 0.5}},
            None,
            "parameter 'extra' field 'mode'",
        ),
        (
            {"a": {"dist": "uniform", "low": 0, "high": 1}},
            {"params": ["a", "zz"], "matrix": [[1, 0.2], [0.2, 1]]},
            "zz",
        ),
        (
            {
                "a": {"dist": "uniform", "low": 0, "high": 1},
                "b": {"dist": "uniform", "low": 0, "high": 1},
                "c": {"dist": "uniform", "low": 0, "high": 1},
            },
            {"params": ["a", "b", "c"], "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]},
            "not positive definite",
        ),
    ],
)
def test_bad_spec_names_the_parameter(spec: dict, corr: dict | None, needle: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_parameter_space(spec, corr, source="my.yaml")
    assert needle in str(info.value)
    assert str(info.value).startswith("my.yaml: ")
