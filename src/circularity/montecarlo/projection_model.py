"""The projection engine as a simulation model, and scenario files with distributions.

A scenario file for Monte Carlo is a projection scenario (see :mod:`circularity.projection`)
with up to three more top-level keys, which this module takes out before the projection
validates the rest::

    extends: baseline
    distributions:           # dotted override paths of run_projection → distribution
      entities.openai.revenue_scale: {dist: triangular, low: 0.4, mode: 0.9, high: 1.2}
      scale:globals.credit_appetite: {dist: beta, a: 4, b: 1.5, low: 0.2, high: 1.0}
    correlation: {params: [...], matrix: [[...]]}
    simulation: {seed: 7, draws: 100000}

A key ``scale:<path>`` multiplies a time path of the scenario (``globals.credit_appetite``,
``globals.equity_appetite``, ``globals.power_delivery``) by the draw, keeping its shape over
time; any other key replaces the parameter's value. A scenario without ``distributions`` gets
the shipped default uncertainty (``default_uncertainty.yaml``, every range with its reason).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import yaml

from circularity.errors import ScenarioError
from circularity.montecarlo.distributions import ParameterSpace, parse_parameter_space
from circularity.montecarlo.protocol import Outputs, Params
from circularity.montecarlo.summaries import START_VALUE

__all__ = ["ProjectionModel", "SimulationScenario", "load_projection_model", "load_simulation_scenario"]

_EXTRA_KEYS = ("distributions", "correlation", "simulation")
_SCALABLE = ("globals.credit_appetite", "globals.equity_appetite", "globals.power_delivery")
#: Per-quarter outputs the summaries need; ``keep`` adds more.
RECORD = ("cash", "debt", "market_value", "shortfall", "defaulted")


def _canonical_hash(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def dataset_fingerprint(name: str = "ai") -> tuple[str, str]:
    """Version (from ``dataset.yaml``) and content hash (every file) of a bundled dataset."""
    from circularity.ledger.ledger import dataset_path

    root = dataset_path(name)
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
    meta = yaml.safe_load((root / "dataset.yaml").read_text()) or {}
    return f"{name} {meta.get('version', '?')}", "sha256:" + h.hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationScenario:
    """A projection scenario, its parameter space and the run settings it states."""

    name: str
    scenario: Any  # circularity.projection.Scenario
    space: ParameterSpace
    seed: int | None
    draws: int | None
    scenario_hash: str
    uncertainty_source: str


def _default_uncertainty() -> dict[str, Any]:
    text = resources.files("circularity.montecarlo").joinpath("default_uncertainty.yaml")
    return yaml.safe_load(text.read_text())  # type: ignore[no-any-return]


def load_simulation_scenario(name_or_path: str, sets: tuple[str, ...] = ()) -> SimulationScenario:
    """A preset name or YAML file with optional ``distributions``, ``correlation``, ``simulation``.

    Raises
    ------
    ScenarioError
        Unknown scenario, invalid projection field, or a bad distribution (naming the parameter).
    """
    from circularity.projection import scenario as sc_mod

    raw = sc_mod._raw(name_or_path)
    extra = {k: raw.pop(k) for k in _EXTRA_KEYS if k in raw}
    scenario_hash = _canonical_hash({**raw, **extra})
    data = sc_mod.apply_sets(raw, list(sets))
    scenario = sc_mod._validate(data, name_or_path)
    source = name_or_path
    if "distributions" not in extra:
        extra = {**_default_uncertainty(), **{k: v for k, v in extra.items() if k == "simulation"}}
        source = "circularity/montecarlo/default_uncertainty.yaml"
    dists = dict(extra.get("distributions") or {})
    # sources are for readers; the distribution spec itself forbids unknown keys
    for key, spec in dists.items():
        if isinstance(spec, dict):
            dists[key] = {k: v for k, v in spec.items() if k != "source"}
    space = parse_parameter_space(dists, extra.get("correlation"), source=source)
    settings = extra.get("simulation") or {}
    if not isinstance(settings, dict):
        raise ScenarioError(f"{name_or_path}: simulation: expected a mapping with seed, draws")
    return SimulationScenario(
        name=scenario.name,
        scenario=scenario,
        space=space,
        seed=settings.get("seed"),
        draws=settings.get("draws"),
        scenario_hash=scenario_hash,
        uncertainty_source=source,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionModel:
    """:func:`circularity.projection.run_projection` behind the simulation contract."""

    web: Any  # circularity.compile.Web
    scenario: Any  # circularity.projection.Scenario
    entities: tuple[str, ...]
    quarters: tuple[str, ...]
    focus: str
    record: tuple[str, ...] = RECORD
    check: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        sim: SimulationScenario,
        *,
        as_of: str | None = None,
        keep: tuple[str, ...] = (),
        check: bool = False,
    ) -> ProjectionModel:
        """Compile the bundled ledger for ``sim``'s scenario and check its parameter names."""
        import circularity
        from circularity.projection import COLUMNS, override_paths
        from circularity.projection.pipeline import compile_for

        sc = sim.scenario
        web = compile_for(sc, circularity.load("ai", as_of=as_of or sc.as_of))
        known = set(override_paths(web, sc))
        for name in sim.space.names:
            path = name.removeprefix("scale:")
            if path not in known or (name.startswith("scale:") and path not in _SCALABLE):
                allowed = (
                    ", ".join(_SCALABLE)
                    if name.startswith("scale:")
                    else "globals.<name>, defaults.<field>, entities.<id>.<field>, events.<k>.value"
                )
                raise ScenarioError(
                    f"distribution for parameter '{name}': not a parameter of this run; allowed: {allowed}"
                )
        extra = tuple(COLUMNS) if "all" in keep else tuple(keep)
        bad = [c for c in extra if c not in COLUMNS]
        if bad:
            raise ScenarioError(
                f"--keep: unknown column(s) {', '.join(bad)}; columns: {', '.join(COLUMNS)} or 'all'"
            )
        version, digest = dataset_fingerprint("ai")
        return cls(
            web=web,
            scenario=sc,
            entities=tuple(web.entities),
            quarters=tuple(web.quarters),
            focus=sc.headline_entity,
            record=tuple(dict.fromkeys((*RECORD, *extra))),
            check=check,
            provenance={
                "dataset_version": version,
                "dataset_hash": digest,
                "scenario_hash": sim.scenario_hash,
                "scenario": sim.name,
                "uncertainty": sim.uncertainty_source,
                "as_of": str(as_of or sc.as_of or "today"),
            },
        )

    def without(self, names: tuple[str, ...]) -> ProjectionModel:
        """This model with the per-quarter outputs ``names`` not recorded (the headlines stay)."""
        return dataclasses.replace(self, record=tuple(c for c in self.record if c not in names))

    def _overrides(self, params: Params) -> dict[str, Any]:
        from circularity.projection import path_values

        ov: dict[str, Any] = {}
        for name, value in params.items():
            if name.startswith("scale:"):
                path = name.removeprefix("scale:")
                base = path_values(getattr(self.scenario.globals, path.split(".", 1)[1]), self.quarters)
                ov[path] = np.asarray(value)[:, None] * base[None, :]
            else:
                ov[name] = np.asarray(value)
        return ov

    def __call__(self, params: Params) -> Outputs:
        from circularity.projection import run_projection

        res = run_projection(
            self.web, self.scenario, self._overrides(params), record=self.record, check=self.check
        )
        out: Outputs = {c: np.transpose(res.data[c], (1, 2, 0)) for c in self.record}
        h = res.headline_arrays
        for key in (
            "funding_need_2030",
            "funding_need_2032",
            "market_value_lost",
            "web_required_revenue_2030",
            "required_revenue_gap_2030",
        ):
            out[key] = np.asarray(h[key], dtype=np.float64)
        for key in ("cash_out_q", "first_default_q"):
            out[key] = np.asarray(h[key], dtype=np.float64)
        # (S, n): where each entity's value lost counts from, as the headline (the end of history,
        # not the first history quarter, whose row shows the value reported then)
        out[START_VALUE] = np.asarray(h["market_value_start"], dtype=np.float64)
        return out


def load_projection_model(
    name_or_path: str,
    sets: tuple[str, ...] = (),
    *,
    as_of: str | None = None,
    keep: tuple[str, ...] = (),
) -> tuple[SimulationScenario, ProjectionModel]:
    """A scenario with its parameter space, and the engine compiled for it.

    What ``circularity sensitivity`` and ``POST /api/sensitivity`` run the tornado on: the
    parameter space is ``sim.space``; ``sets`` are ``--set key=value`` overrides of the
    projection scenario (a parameter of the space is still moved by the sampler).

    Raises
    ------
    ScenarioError
        As :func:`load_simulation_scenario` and :meth:`ProjectionModel.build`.
    """
    sim = load_simulation_scenario(name_or_path, sets)
    return sim, ProjectionModel.build(sim, as_of=as_of, keep=keep)
