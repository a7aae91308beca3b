"""Monte Carlo, sensitivity and distributed runs over the projection engine.

>>> import circularity
>>> res = circularity.montecarlo("baseline", n=2000, seed=7)  # doctest: +SKIP
>>> res.summary()["headlines"]["funding_need_2030"]["p50"]  # doctest: +SKIP

Any vectorised model can be driven instead of the engine (see :mod:`.protocol`):

>>> from circularity.montecarlo.toy_models import IshigamiModel
>>> from circularity.montecarlo.distributions import parse_parameter_space
>>> space = parse_parameter_space({f"x{i}": {"dist": "uniform", "low": -3.14159, "high": 3.14159}
...                                for i in (1, 2, 3)})
>>> res = simulate(model=IshigamiModel(), space=space, n=2048, seed=1)
>>> round(res.summary()["headlines"]["y"]["mean"], 1)
3.5
"""

from __future__ import annotations

from collections.abc import Callable

from circularity.errors import OptionError
from circularity.montecarlo.distributions import ParameterSpace, parse_parameter_space
from circularity.montecarlo.manifest import RunManifest
from circularity.montecarlo.protocol import FunctionModel, SimulationModel
from circularity.montecarlo.results import SimulationResult
from circularity.montecarlo.runner import run_simulation
from circularity.montecarlo.sensitivity import SobolResult, TornadoResult, sobol_indices, tornado
from circularity.montecarlo.summaries import ChunkStats

__all__ = [
    "FunctionModel",
    "ParameterSpace",
    "RunManifest",
    "SimulationModel",
    "SimulationResult",
    "SobolResult",
    "TornadoResult",
    "parse_parameter_space",
    "run_simulation",
    "simulate",
    "sobol_indices",
    "tornado",
]


def simulate(
    scenario: str | None = None,
    *,
    n: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    keep: tuple[str, ...] = (),
    sets: tuple[str, ...] = (),
    as_of: str | None = None,
    model: SimulationModel | None = None,
    space: ParameterSpace | None = None,
    progress: Callable[[int, int], None] | None = None,
    on_chunk: Callable[[ChunkStats], None] | None = None,
    run_id: str | None = None,
    fan_draws: int | None = 20_000,
) -> SimulationResult:
    """Monte Carlo over a scenario (preset name or YAML file) through the projection engine.

    Parameters
    ----------
    scenario : str, optional
        Preset (default ``baseline``; also ``funding-freeze``, ...) or scenario file; its
        ``distributions`` (or the shipped default uncertainty) say what is drawn.
    n, seed : int, optional
        Draws and seed; default to the scenario's ``simulation`` block, else 10,000 and 0.
    workers, scheduler : optional
        Local Dask cluster of ``workers`` processes, or a running scheduler's address
        (``DASK_SCHEDULER_ADDRESS`` honoured); in-process when neither is given.
    chunk_size : int, optional
        Draws per task; results do not depend on it.
    keep : tuple of str
        Per-quarter columns to stream in full through ``on_chunk`` (``("all",)`` for all).
    model, space : optional
        Drive any :class:`SimulationModel` over ``space`` instead of the engine.
    fan_draws : int or None
        Draws (the first ones) behind the fan-chart bands; None for all. Every other summary
        uses all draws.

    Returns
    -------
    SimulationResult
    """
    if model is None:
        from circularity.montecarlo.projection_model import ProjectionModel, load_simulation_scenario

        sim = load_simulation_scenario(scenario or "baseline", tuple(sets))
        model = ProjectionModel.build(sim, as_of=as_of, keep=keep)
        space = space or sim.space
        n = n or sim.draws
        seed = sim.seed if seed is None else seed
        scenario = sim.name
    elif space is None:
        raise OptionError("give the parameter space to draw from with model=")
    return run_simulation(
        model,
        space,
        n=n or 10_000,
        seed=0 if seed is None else seed,
        chunk_size=chunk_size,
        workers=workers,
        scheduler=scheduler,
        keep=keep,
        progress=progress,
        on_chunk=on_chunk,
        scenario=scenario or "",
        run_id=run_id,
        fan_draws=fan_draws,
    )
