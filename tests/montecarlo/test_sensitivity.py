"""Sobol recovers the Ishigami indices; tornado ranks a linear model by its coefficients."""

from __future__ import annotations

import numpy as np
import pytest

from circularity.errors import ScenarioError
from circularity.montecarlo.distributions import parse_parameter_space
from circularity.montecarlo.protocol import FunctionModel
from circularity.montecarlo.sensitivity import select_output, sobol_indices, tornado
from circularity.montecarlo.toy_models import IshigamiModel, ToyWebModel

# Ishigami & Homma (1990) with a = 7, b = 0.1: analytic first-order and total indices
S1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
ST = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}


def test_sobol_recovers_ishigami_indices() -> None:
    space = parse_parameter_space(
        {f"x{i}": {"dist": "uniform", "low": -np.pi, "high": np.pi} for i in (1, 2, 3)}
    )
    res = sobol_indices(IshigamiModel(), space, "y", n=4096, seed=3)
    t = res.to_frame().set_index("parameter")
    assert res.evaluations == 4096 * 5
    for p in S1:
        assert t.loc[p, "S1"] == pytest.approx(S1[p], abs=0.05)
        assert t.loc[p, "ST"] == pytest.approx(ST[p], abs=0.05)
        assert 0 < t.loc[p, "S1_conf"] < 0.1 and 0 < t.loc[p, "ST_conf"] < 0.1
    assert res.ranking() == ["x1", "x2", "x3"]


def _linear(params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {"y": 3 * params["a"] - 1 * params["b"] + 0.1 * params["c"]}


def test_tornado_ranks_by_swing() -> None:
    space = parse_parameter_space({k: {"dist": "uniform", "low": 0, "high": 1} for k in "abc"})
    res = tornado(FunctionModel(fn=_linear), space, "y")
    assert res.ranking() == ["a", "b", "c"]
    assert res.base == pytest.approx(3 * 0.5 - 0.5 + 0.05)
    np.testing.assert_allclose(res.table["swing"], [2.7, 0.9, 0.09])


def test_select_output_errors_name_the_choices() -> None:
    out = ToyWebModel()({"growth": np.array([0.1, 0.2])})
    m = ToyWebModel()
    assert select_output(out, m, "cash:openai:2026Q4").shape == (2,)
    with pytest.raises(ScenarioError, match="openai_funding_need_2030"):
        select_output(out, m, "nope")
    with pytest.raises(ScenarioError, match="outside the horizon"):
        select_output(out, m, "cash:openai:2040Q1")
