"""Batched model runs: concurrent cache misses run as one vectorised call, in the model process,
and each answer is the one its request would get alone."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from datetime import date
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
from _serve import RUN_LIMIT_S, LiveServer

from circularity.api.batching import Batcher, answer_all
from circularity.api.routers import projection, stress
from circularity.errors import ScenarioError
from circularity.session.service import Service

WHEN = date(2026, 3, 31)
ENTITIES = ["openai", "oracle", "coreweave", "microsoft", "nvidia", "amd"]
SHOCKS = [{e: round(0.05 * k, 2)} for e in ENTITIES for k in (0, 3, 10, 19)] + [
    {"openai": 0.5, "oracle": 0.25},
    {"coreweave": 0.0, "microsoft": 0.9, "nvidia": 0.6},
]
GROUP = (WHEN, "eisenberg-noe", 1.0, 1.0)


@pytest.fixture(scope="module")
def service() -> Service:
    return Service()


def test_a_stress_answer_does_not_depend_on_its_batch(service: Service) -> None:
    batched = dict(stress.answers(service, GROUP, SHOCKS))
    assert {stress._key(s, *GROUP) for s in SHOCKS} <= set(batched)
    for k in (1, 3, 7):  # other company, other sizes
        for i in range(0, len(SHOCKS), k):
            part = SHOCKS[i : i + k]
            for key, value in stress.answers(service, GROUP, part):
                assert value[0] == batched[key][0], key
    for shocks in SHOCKS[:6]:  # the single-request path of the route
        alone = stress._answer(service.stress(shocks, WHEN), 0, service)[0]
        assert alone == batched[stress._key(shocks, *GROUP)][0]


def test_stress_rows_are_the_model_frame(service: Service) -> None:
    result, index = service.stress_many(SHOCKS, WHEN)
    for shocks, j in zip(SHOCKS, index, strict=True):
        rows = stress.format_stress(result, service, j)["rows"]
        frame = result.to_frame(j)
        assert [r["id"] for r in rows] == list(frame["entity"]), shocks
        for col, field in (
            ("receipts_lost", "receipts_lost_usd_bn"),
            ("obligations", "obligations_usd_bn"),
            ("equity_loss", "equity_loss_usd_bn"),
            ("mv_change_pct", "mv_change_pct"),
        ):
            got = np.array([np.nan if r[field] is None else r[field] for r in rows], dtype=float)
            np.testing.assert_array_equal(got, frame[col].to_numpy(dtype=float))
        lost = [r["market_value_lost_usd_bn"] for r in rows]
        assert lost == [None if np.isnan(v) else max(0.0, -v) for v in frame["mv_change"]]
        assert [r["defaulted"] for r in rows] == list(frame["defaulted"])


def test_unknown_entities_are_left_to_their_request(service: Service) -> None:
    got = dict(stress.answers(service, GROUP, [{"openai": 0.5}, {"nobody": 0.5}]))
    assert [k[1] for k in got] == [(("openai", 0.5),)]
    with pytest.raises(ScenarioError, match="unknown entity 'nobody'"):
        service.stress({"nobody": 0.5}, WHEN)


def test_a_projection_answer_does_not_depend_on_its_batch(service: Service) -> None:
    group = ("funding-freeze", None, ("entities.openai.revenue_scale",))
    items = [
        ({"entities.openai.revenue_scale": x}, {"openai_revenue_scale": x}, ["openai", "oracle"])
        for x in (0.3, 0.65, 1.0, 1.5)
    ]
    batched = dict(projection.answers(service, group, items))
    fresh = Service()
    for ov, levers, entities in items:
        alone = projection._answer(
            fresh.project("funding-freeze", None, ov, record=projection.RECORD),
            "funding-freeze",
            levers,
            entities,
        )[0]
        assert alone == batched[projection._project_key("funding-freeze", date.today(), ov, entities)][0]


def test_misses_that_arrive_during_a_run_share_the_next_one() -> None:
    runs: list[list[tuple[Any, list[int]]]] = []
    stored: dict[Any, Any] = {}

    async def scenario() -> None:
        release = asyncio.Event()

        async def run(work: list[tuple[Any, list[int]]]) -> list[tuple[Any, Any]]:
            runs.append([(g, list(items)) for g, items in work])
            await release.wait()
            return [((g, i), i * i) for g, items in work for i in items if i >= 0]

        batcher = Batcher(run, stored.__setitem__, seconds=10)
        first = asyncio.ensure_future(batcher.submit("g", 1))
        await asyncio.sleep(0.01)  # the first run is under way; these gather for the next
        rest = [
            asyncio.ensure_future(batcher.submit(g, i)) for g, i in (("g", 2), ("h", 5), ("g", 3), ("g", -4))
        ]
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(first, *rest)

    asyncio.run(scenario())
    assert runs == [[("g", [1])], [("g", [2, 3, -4]), ("h", [5])]]
    assert stored == {("g", 1): 1, ("g", 2): 4, ("g", 3): 9, ("h", 5): 25}


def test_a_failed_run_leaves_each_request_to_itself(caplog: pytest.LogCaptureFixture) -> None:
    async def run(work: Any) -> list[tuple[Any, Any]]:
        raise RuntimeError("the model process fell over")

    async def scenario() -> None:
        batcher = Batcher(run, lambda k, v: None, seconds=10)
        await asyncio.gather(batcher.submit("g", 1), batcher.submit("g", 2))

    asyncio.run(scenario())  # no exception: each request then computes alone and gets its error
    assert "run one by one" in caplog.text


def test_a_failing_group_does_not_sink_the_others(service: Service) -> None:
    work = [
        (("project", "no-such-preset", None, ()), [({}, {}, ["openai"])]),
        (("stress",) + GROUP, [{"openai": 0.5}]),
    ]
    got = answer_all(service, work)
    assert [k[0] for k, _ in got] == ["stress.json"]


def test_the_server_answers_a_burst_as_it_answers_one(live_server: LiveServer, service: Service) -> None:
    bodies = [
        {"shocks": [{"entity": e, "pays": p} for e, p in s.items()], "as_of": WHEN.isoformat()}
        for s in SHOCKS
    ]

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=RUN_LIMIT_S + 60) as c:
            return await asyncio.gather(*(c.post("/api/stress", json=b) for b in bodies))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * len(bodies)
    expected = dict(stress.answers(service, GROUP, SHOCKS))
    for shocks, r in zip(SHOCKS, responses, strict=True):
        got = r.json()
        got.pop("run_id")
        assert got == json.loads(expected[stress._key(shocks, *GROUP)][0])


def _model_processes(server: LiveServer) -> list[psutil.Process]:
    return [
        p
        for p in psutil.Process(server.proc.pid).children(recursive=True)
        if "circularity.api.offload" in p.cmdline()
    ]


def _running(p: psutil.Process) -> bool:
    """Still running: not gone, and not a zombie (ended; its reaper is init, not the test)."""
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_the_model_processes_end_with_their_server() -> None:
    server = LiveServer()
    try:
        children = _model_processes(server)
        assert len(children) == 3, (
            "a read-only server runs stress, projections and null models in a process each"
        )
        # Killed as soon as it answers: the model processes are still warming up (compiling every
        # preset's web takes seconds of CPU), so each must die mid-computation, not after its call.
        os.kill(server.proc.pid, signal.SIGKILL)  # no shutdown: the process must notice alone
        server.proc.wait(10)
        deadline = time.monotonic() + 3
        while alive := [p for p in children if _running(p)]:
            assert time.monotonic() < deadline, f"model process {alive[0].pid} outlived its killed server"
            time.sleep(0.1)
    finally:
        server.stop()


def test_a_slider_move_answers_its_line_as_each_point_would_be_answered() -> None:
    service = Service()
    group = ("baseline", None, ("entities.openai.revenue_scale", "globals.gpu_life_years"))
    item = (
        {"entities.openai.revenue_scale": 0.5, "globals.gpu_life_years": 4.0},
        {"openai_revenue_scale": 0.5, "gpu_life_years": 4.0},
        ["openai"],
    )
    got = dict(projection.answers(service, group, [item]))
    grids = projection.GRIDS
    assert len(got) == len(grids["openai_revenue_scale"]) + len(grids["gpu_life_years"]) - 1
    assert len(projection.answers(service, group, [item])) == 1  # the lines are answered once
    fresh = Service()
    for scale, life in [(0.3, 4.0), (1.5, 4.0), (0.5, 6.0), (0.5, 3.5)]:
        ov = {"entities.openai.revenue_scale": scale, "globals.gpu_life_years": life}
        levers = {"openai_revenue_scale": scale, "gpu_life_years": life}
        alone = projection._answer(
            fresh.project("baseline", None, ov, record=projection.RECORD), "baseline", levers, ["openai"]
        )[0]
        assert got[projection._project_key("baseline", date.today(), ov, ["openai"])][0] == alone
    off_grid = ({"entities.openai.revenue_scale": 0.512}, {"openai_revenue_scale": 0.512}, ["openai"])
    assert (
        len(projection.answers(service, group[:2] + (("entities.openai.revenue_scale",),), [off_grid])) == 1
    )


def test_slider_grids_are_the_floats_a_request_carries() -> None:
    for lever in projection.LEVERS:
        grid = projection.GRIDS[lever["key"]]
        assert grid[0] == lever["min"] and grid[-1] == lever["max"]
        assert all(float(f"{v:.{lever.get('digits', 2)}f}") == v for v in grid)


def test_the_null_model_is_answered_by_the_model_process_as_here(live_server: LiveServer) -> None:
    with httpx.Client(base_url=live_server.url, timeout=RUN_LIMIT_S + 60) as c:
        got = c.get("/api/loops", params={"as_of": "2026-02-14", "null": 40, "seed": 3}).json()
    here = Service().loops(date(2026, 2, 14), null=40, seed=3)
    assert got["null_model"] == json.loads(json.dumps(here["null_model"]))


def test_a_slow_method_falls_back_here_only_when_the_process_is_gone() -> None:
    from circularity.errors import ModelProcessGone

    def gone(name: str, *args: Any) -> Any:
        raise ModelProcessGone("the model process ended")

    def broken(name: str, *args: Any) -> Any:
        raise ScenarioError("the model's own error")

    service = Service(remote=gone)
    assert (
        service.loops(WHEN, null=20, seed=1)["null_model"]
        == Service().loops(WHEN, null=20, seed=1)["null_model"]
    )
    with pytest.raises(ScenarioError, match="own error"):
        Service(remote=broken).loops(WHEN, null=20, seed=1)
