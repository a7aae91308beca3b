"""Projection presets, one projection with the dashboard's levers, and bounded Monte Carlo."""

from __future__ import annotations

import math
import threading
from datetime import date
from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from circularity.api import limits
from circularity.api.deps import ServiceDep
from circularity.api.errors import ERROR_RESPONSES, ApiError
from circularity.api.respond import cached_json, dump, json_response, with_run_id
from circularity.api.timing import Deadline, DeadlineExceeded
from circularity.projection.levers import LEVERS, lever_grid, lever_overrides, lever_sets
from circularity.session.service import PROJECT_RECORD

router = APIRouter(prefix="/api", tags=["models"], responses=ERROR_RESPONSES)

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
Preset = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9\-]*$", max_length=40)]


#: Per-quarter series the dashboard draws.
SERIES = PROJECT_RECORD


def _bounded(key: str) -> Any:
    """The request field of one lever, bounded as :data:`~circularity.projection.levers.LEVERS` says."""
    lever = next(lv for lv in LEVERS if lv["key"] == key)
    return Field(default=None, ge=lever["min"], le=lever["max"], strict=True)  # no "5", no true


class Levers(BaseModel):
    """Slider values; a lever left out keeps the preset's value (bounds from the levers table)."""

    model_config = ConfigDict(extra="forbid")
    openai_revenue_scale: float | None = _bounded("openai_revenue_scale")
    gpu_life_years: float | None = _bounded("gpu_life_years")
    credit_appetite: float | None = _bounded("credit_appetite")
    power_delivery: float | None = _bounded("power_delivery")
    rate_floor: float | None = _bounded("rate_floor")

    def overrides(self) -> dict[str, float]:
        return lever_overrides(self.model_dump())


if set(Levers.model_fields) != {lv["key"] for lv in LEVERS}:  # a lever added to the table only
    raise RuntimeError("api Levers and circularity.projection.levers.LEVERS name different levers")


class ProjectRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Preset = "baseline"
    levers: Levers = Field(default_factory=Levers)
    as_of: date | None = Field(default=None, ge=date(2025, 1, 1), le=date(2032, 12, 31))
    entities: list[Slug] = Field(default_factory=lambda: ["openai"], max_length=10)


class ProjectResult(BaseModel):
    scenario: str
    levers: dict[str, float]
    quarters: list[str]
    series: dict[str, dict[str, list[float | None]]]
    headlines: dict[str, Any]


class ProjectResponse(ProjectResult):
    run_id: str = Field(description="Fetch this run again at /api/runs/{run_id}")


class SimulateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scenario: Preset = "baseline"
    n: int = Field(default=1000, ge=10, le=limits.MAX_DRAWS, strict=True)
    seed: int = Field(default=7, ge=0, le=2**32 - 1, strict=True)
    levers: Levers = Field(default_factory=Levers)
    as_of: date | None = Field(default=None, ge=date(2025, 1, 1), le=date(2032, 12, 31))
    entities: list[Slug] = Field(default_factory=lambda: ["openai"], max_length=10)
    metric: str = Field(default="cash", pattern=r"^(cash|debt|market_value)$")


class SimulateResponse(BaseModel):
    run_id: str
    scenario: str
    n: int
    seed: int
    seconds: float
    metric: str
    quarters: list[str]
    quantiles: dict[str, dict[str, dict[str, list[float | None]]]]
    summary: dict[str, Any]


class Scenarios(BaseModel):
    presets: list[dict[str, Any]]
    levers: list[dict[str, Any]]
    entities: list[str]


def _clean(values: Any) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]


def _lever_values(sc: Any) -> dict[str, float]:
    """The preset's own value for each lever (scalar paths; the first value of a time path)."""
    out: dict[str, float] = {}
    for lv in LEVERS:
        section, _, name = lv["path"].partition(".")
        if section != "globals":
            continue
        node = getattr(sc.globals, name, None)
        value = getattr(node, "value", None)
        if isinstance(value, dict) and value:
            value = list(value.values())[0]
        if isinstance(value, int | float):
            out[lv["key"]] = float(value)
    return out


@router.get("/scenarios", response_model=Scenarios, summary="Projection presets and levers")
async def scenarios(service: ServiceDep) -> Response:
    from circularity.projection import PRESETS

    def make() -> bytes:
        presets = []
        for name in PRESETS:
            sc = service.scenario(name)
            presets.append(
                {
                    "name": name,
                    "description": sc.description or "",
                    "as_of": sc.as_of,
                    "levers": _lever_values(sc),
                }
            )
        web_entities = service.project("baseline", None, {}, record=RECORD).entities
        return dump(Scenarios(presets=presets, levers=list(LEVERS), entities=list(web_entities)))

    key = ("scenarios.json", date.today())
    return json_response(await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS))


RECORD = PROJECT_RECORD


def _project_key(
    preset: str, when: date, overrides: dict[str, float], entities: list[str]
) -> tuple[Any, ...]:
    return ("project.json", preset, when, tuple(sorted(overrides.items())), tuple(entities))


def _answer(
    result: Any, preset: str, levers: dict[str, float], entities: list[str]
) -> tuple[bytes, dict[str, Any]]:
    unknown = [e for e in entities if e not in result.entities]
    if unknown:
        raise ApiError(404, f"entity {unknown[0]!r} is not in the projected web; see /api/scenarios")
    series = {e: {c: _clean(result.values(c, e)) for c in SERIES if c in result.data} for e in entities}
    out = {
        "scenario": preset,
        "levers": levers,
        "quarters": list(result.quarters),
        "series": series,
        "headlines": result.headlines(),
    }
    return dump(ProjectResult(**out)), out


GRIDS: dict[str, tuple[float, ...]] = {lv["key"]: lever_grid(lv) for lv in LEVERS}
#: Most extra scenarios one engine call takes for slider lines.
MAX_PREFETCH = 128

Item = tuple[dict[str, float], dict[str, float], list[str]]


def _slider_lines(service: Any, preset: str, when: date, items: list[Item]) -> list[Item]:
    """Requests a dashboard user is likely to make next: for each lever of a request that
    sits on its slider's grid, the other positions of that slider, the other levers held.

    An engine call costs little more for 25 scenarios than for one, so moving a slider answers
    its whole line at once; lines already answered in this process are skipped."""
    order = list(Levers.model_fields)
    extra: list[Item] = []
    for _, levers, entities in items:
        for name, value in levers.items():
            grid = GRIDS.get(name, ())
            if value not in grid or len(extra) + len(grid) > MAX_PREFETCH:
                continue
            line = (
                "slider-line",
                preset,
                when,
                name,
                tuple(sorted((k, v) for k, v in levers.items() if k != name)),
                tuple(entities),
            )
            if service.peek(line) is not None:
                continue
            service.cached(line, lambda: True)
            for point in grid:
                moved = {k: (point if k == name else levers[k]) for k in order if k in levers}
                extra.append((lever_overrides(moved), moved, entities))
    return extra


def answers(service: Any, group: tuple[Any, ...], items: list[Item]) -> list[tuple[Any, Any]]:
    """``(key, (json, data))`` for every projection request of one preset, date and lever set,
    and for the rest of each moved slider's line (:func:`_slider_lines`), from one vectorised
    engine call with a scenario each (:meth:`Service.project_batch`; the scenarios are
    independent, so each answer is the one it would get alone)."""
    preset, as_of = group[0], group[1]
    when = as_of or date.today()
    todo: dict[tuple[Any, ...], Item] = {}
    for ov, levers, entities in [*items, *_slider_lines(service, preset, when, items)]:
        todo.setdefault(_project_key(preset, when, ov, entities), (ov, levers, entities))
    views = service.project_batch(preset, as_of, [ov for ov, _, _ in todo.values()], record=RECORD)
    out = []
    for (key, (_, levers, entities)), view in zip(todo.items(), views, strict=True):
        try:
            out.append((key, _answer(view, preset, levers, entities)))
        except ApiError:
            continue
    return out


@router.post("/project", response_model=ProjectResponse, summary="Run one projection")
async def project(body: ProjectRequest, service: ServiceDep, request: Request) -> Response:
    overrides = body.levers.overrides()
    levers = body.levers.model_dump(exclude_none=True)
    key = _project_key(body.scenario, body.as_of or date.today(), overrides, body.entities)
    if service.peek(key) is None:
        service.scenario(body.scenario)  # a preset name, never a path (422 before any batching)
        group = ("project", body.scenario, body.as_of, tuple(sorted(overrides)))
        await request.app.state.batchers["project"].submit(group, (overrides, levers, body.entities))

    def make() -> tuple[bytes, dict[str, Any]]:
        result = service.project(body.scenario, body.as_of, overrides, record=RECORD)
        return _answer(result, body.scenario, levers, body.entities)

    payload, out = await cached_json(service, key, make, seconds=limits.MAX_RUN_SECONDS, pair=True)
    run_id = request.app.state.runs.add(
        "project",
        body.model_dump(mode="json"),
        out["headlines"],
        {"series": out["series"], "headlines": out["headlines"]},
    )
    return json_response(with_run_id(payload, run_id))


_SIM_SLOT = threading.Semaphore(1)


@router.post("/simulate", response_model=SimulateResponse, summary="Monte Carlo (bounded)")
def simulate(body: SimulateRequest, service: ServiceDep, request: Request) -> SimulateResponse:
    from circularity.montecarlo import simulate as run_simulate

    service.scenario(body.scenario)  # a preset name, never a file path
    if not _SIM_SLOT.acquire(blocking=False):
        raise ApiError(429, "a simulation is already running on this server; try again shortly")
    try:
        deadline = Deadline(limits.MAX_RUN_SECONDS)
        sets = lever_sets(body.levers.overrides())
        try:
            result = run_simulate(
                body.scenario,
                n=body.n,
                seed=body.seed,
                sets=sets,
                as_of=body.as_of.isoformat() if body.as_of else None,
                chunk_size=1024,
                progress=deadline.check,
            )
        except DeadlineExceeded:
            raise ApiError(
                504,
                f"{body.n:,} draws would not finish within {limits.MAX_RUN_SECONDS:g} s on this "
                "server; ask for fewer draws or run `circularity simulate` from the command line",
                detail={"limit_seconds": limits.MAX_RUN_SECONDS, "n": body.n},
            ) from None
    finally:
        _SIM_SLOT.release()
    from circularity.montecarlo.summaries import QUANTILES

    labels = [f"p{round(q * 100):02d}" for q in QUANTILES]
    quantiles: dict[str, dict[str, dict[str, list[float | None]]]] = {}
    for e in body.entities:
        if e not in result.entities:
            continue
        j = result.entities.index(e)
        # an entity whose value is unknown has no band (listed in summary.fan_excluded), never a
        # band of gaps or of zeros
        quantiles[e] = {
            var: {lab: _clean(bands[k, j]) for k, lab in enumerate(labels)}
            for var, bands in result.fan.items()
            if e not in result.fan_excluded.get(var, ())
        }
    summary = result.summary()
    summary.pop("p_default_by_year", None)
    value_lost = summary.pop("value_lost", None)
    if value_lost is not None:
        summary["value_lost_total"] = value_lost.get("(total)")
    run_id = request.app.state.runs.add(
        "simulate",
        body.model_dump(mode="json"),
        summary.get("headlines", {}),
        {"quantiles": quantiles, "summary": summary},
    )
    return SimulateResponse(
        run_id=run_id,
        scenario=body.scenario,
        n=result.draws,
        seed=body.seed,
        seconds=round(deadline.elapsed, 3),
        metric=body.metric,
        quarters=list(result.quarters),
        quantiles=quantiles,
        summary=summary,
    )
