"""Which assumption matters most: one-at-a-time tornado and Sobol indices (SALib).

Both work on the uniforms behind each distribution (its quantile scale), so every kind of
distribution, discrete included, is handled the same way. Sobol indices assume independent
inputs: a correlation in the parameter space is ignored here (stated in the result).
"""

from __future__ import annotations

import concurrent.futures as cf
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from circularity.errors import OptionError, ScenarioError
from circularity.montecarlo.distributions import ParameterSpace
from circularity.montecarlo.protocol import Outputs, SimulationModel
from circularity.projection.results import LEVEL_COLUMNS

__all__ = ["SobolResult", "TornadoResult", "select_output", "sobol_indices", "tornado"]


def select_output(outputs: Outputs, model: SimulationModel, output: str) -> NDArray[np.float64]:
    """One value per scenario: a headline name, or ``variable:entity[:quarter]`` (any numeric
    column of ``quarters.csv``); without a quarter a flow is summed over the projected quarters and
    a level (``LEVEL_COLUMNS``: cash, debt, values, ratios) is read at the last quarter.

    Examples: ``funding_need_2030``; ``cash:openai:2028Q4``; ``interest:coreweave``.
    """
    if output in outputs and np.ndim(outputs[output]) == 1:
        return np.asarray(outputs[output], dtype=np.float64)
    var, _, rest = output.partition(":")
    ent, _, quarter = rest.partition(":")
    cube = outputs.get(var)
    if cube is None or np.ndim(cube) != 3 or ent not in model.entities:
        heads = [k for k, v in outputs.items() if np.ndim(v) == 1]
        cubes = [k for k, v in outputs.items() if np.ndim(v) == 3]
        raise ScenarioError(
            f"unknown output '{output}'; give a headline ({', '.join(heads) or 'none'}) or "
            f"variable:entity[:quarter] with variable in {', '.join(cubes) or 'none'}"
        )
    values = np.asarray(cube, dtype=np.float64)[:, model.entities.index(ent)]
    if quarter:
        if quarter not in model.quarters:
            raise ScenarioError(
                f"output '{output}': quarter {quarter} is outside the horizon "
                f"{model.quarters[0]}..{model.quarters[-1]}"
            )
        return values[:, model.quarters.index(quarter)]
    if var in LEVEL_COLUMNS:
        return np.asarray(values[:, -1])
    web = getattr(model, "web", None)
    h = int(getattr(web, "first_projected", 0) or 0)
    with np.errstate(invalid="ignore"):  # inf and -inf in a column sum to NaN: no answer
        return np.asarray(values[:, h:].sum(axis=1))


def _evaluate(
    model: SimulationModel, space: ParameterSpace, u: NDArray[np.float64], output: str
) -> NDArray[np.float64]:
    return select_output(model(space.transform(u)), model, output)


@dataclass(frozen=True, slots=True, kw_only=True)
class TornadoResult:
    """One-at-a-time swings of ``output``: each parameter at its low and high quantile."""

    output: str
    base: float
    low_q: float
    high_q: float
    table: pd.DataFrame  # parameter, low, high, output_low, output_high, swing (desc), elsewhere

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def ranking(self) -> list[str]:
        return list(self.table["parameter"])


def tornado(
    model: SimulationModel, space: ParameterSpace, output: str, *, low_q: float = 0.05, high_q: float = 0.95
) -> TornadoResult:
    """Move each parameter from its median to its ``low_q`` and ``high_q`` quantiles alone.

    All ``1 + 2k`` scenarios run in one vectorised call; rows are ranked by swing
    ``|output_high − output_low|``.
    """
    if not 0 < low_q < high_q < 1:
        raise OptionError(f"need 0 < low_q < high_q < 1, got {low_q}, {high_q}")
    k = len(space.names)
    u = np.full((1 + 2 * k, k), 0.5)
    for j in range(k):
        u[1 + 2 * j, j] = low_q
        u[2 + 2 * j, j] = high_q
    params = space.transform(u)
    outs = model(params)
    y = select_output(outs, model, output)
    heads = {k: np.asarray(v, dtype=np.float64) for k, v in outs.items() if np.ndim(v) == 1 and k != output}
    rows = []
    for j, name in enumerate(space.names):
        lo, hi = y[1 + 2 * j], y[2 + 2 * j]
        rows.append(
            {
                "parameter": name,
                "low": params[name][1 + 2 * j],
                "high": params[name][2 + 2 * j],
                "output_low": lo,
                "output_high": hi,
                "swing": abs(hi - lo),
                "elsewhere": "" if abs(hi - lo) > 1e-9 else _elsewhere(heads, j, output),
            }
        )
    table = pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable")
    return TornadoResult(
        output=output, base=float(y[0]), low_q=low_q, high_q=high_q, table=table.reset_index(drop=True)
    )


def _elsewhere(heads: dict[str, NDArray[np.float64]], j: int, output: str) -> str:
    """Why a parameter leaves ``output`` unmoved: the other headlines it does move, or none."""
    moved = []
    for k, v in heads.items():
        d = v[2 + 2 * j] - v[1 + 2 * j]
        if np.isfinite(d) and abs(d) > 1e-9:
            moved.append((abs(d), f"{k} {d:+.4g}"))
    if not moved:
        return f"no effect on {output} or any other headline at these quantiles"
    return f"no effect on {output}; moves " + ", ".join(t for _, t in sorted(moved, reverse=True)[:3])


@dataclass(frozen=True, slots=True, kw_only=True)
class SobolResult:
    """First-order (``S1``) and total (``ST``) Sobol indices with confidence half-widths."""

    output: str
    n_base: int
    evaluations: int
    conf_level: float
    table: pd.DataFrame  # parameter, S1, S1_conf, ST, ST_conf (by ST desc)
    note: str = "inputs treated as independent (any correlation is ignored)"

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def ranking(self) -> list[str]:
        return list(self.table["parameter"])


def sobol_indices(
    model: SimulationModel,
    space: ParameterSpace,
    output: str,
    *,
    n: int = 1024,
    seed: int = 0,
    conf_level: float = 0.95,
    num_resamples: int = 100,
    chunk_size: int = 8192,
    executor: cf.Executor | None = None,
) -> SobolResult:
    """Sobol first-order and total indices by Saltelli sampling and Jansen estimators (SALib).

    ``n`` base samples (rounded up to a power of two) give ``n (k + 2)`` model runs, done in
    vectorised chunks of ``chunk_size`` (through ``executor`` if given, e.g. a Dask client's).

    References
    ----------
    Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
    Computer Physics Communications 181(2), 259–270.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    k = len(space.names)
    n_base = 1 << max(int(np.ceil(np.log2(max(n, 2)))), 1)
    problem = {"num_vars": k, "names": space.names, "bounds": [[0.0, 1.0]] * k}
    u = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
    eps = np.finfo(float).eps
    u = np.clip(u, eps, 1 - eps)
    pieces = [u[i : i + chunk_size] for i in range(0, len(u), chunk_size)]
    if executor is None:
        ys = [_evaluate(model, space, p, output) for p in pieces]
    else:
        futs = [executor.submit(_evaluate, model, space, p, output) for p in pieces]
        ys = [f.result() for f in futs]
    y = np.concatenate(ys)
    if not np.all(np.isfinite(y)):
        raise ScenarioError(
            f"output '{output}' is not finite for {int((~np.isfinite(y)).sum())}"
            " of the Sobol runs; narrow the distributions"
        )
    res = sobol_analyze.analyze(
        problem, y, calc_second_order=False, num_resamples=num_resamples, conf_level=conf_level, seed=seed
    )
    table = pd.DataFrame(
        {
            "parameter": space.names,
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )
    table = table.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)
    return SobolResult(output=output, n_base=n_base, evaluations=len(y), conf_level=conf_level, table=table)
