from __future__ import annotations

import pytest

from circularity.montecarlo.distributions import ParameterSpace, parse_parameter_space


@pytest.fixture(scope="session")
def toy_space() -> ParameterSpace:
    return parse_parameter_space(
        {
            "growth": {"dist": "triangular", "low": 0.02, "mode": 0.08, "high": 0.15},
            "burn": {"dist": "lognormal", "median": 10, "sigma": 0.3},
            "multiple": {"dist": "beta", "a": 2, "b": 3, "low": 5, "high": 40},
            "credit": {"dist": "discrete", "values": [0, 4, 8, 12], "weights": [1, 2, 2, 1]},
        },
        {"params": ["growth", "burn"], "matrix": [[1, -0.5], [-0.5, 1]]},
    )
