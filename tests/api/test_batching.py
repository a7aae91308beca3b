"""Batched model runs: concurrent cache misses run as one vectorised call, in the model process,
and each answer is the one its request would get alone."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

import httpx
import numpy as np
import psutil
import pytest
from _serve import LiveServer

from circularity.api.batching import Batcher
from circularity.api.routers import projection, stress
from circularity.api.service import Service
from circularity.errors import ScenarioError

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
    assert len(batched) == len(SHOCKS)
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
        for col, field in (("receipts_lost", "receipts_lost_usd_bn"), ("obligations", "obligations_usd_bn"),
                           ("equity_loss", "equity_loss_usd_bn"), ("mv_change_pct", "mv_change_pct")):
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
    items = [({"entities.openai.revenue_scale": x}, {"openai_revenue_scale": x}, ["openai", "oracle"])
             for x in (0.3, 0.65, 1.0, 1.5)]
    batched = dict(projection.answers(service, group, items))
    fresh = Service()
    for ov, levers, entities in items:
        alone = projection._answer(fresh.project("funding-freeze", None, ov, record=projection.RECORD),
                                   "funding-freeze", levers, entities)[0]
        assert alone == batched[projection._project_key("funding-freeze", date.today(), ov, entities)][0]


def test_concurrent_misses_of_a_group_run_together() -> None:
    calls: list[list[int]] = []
    release = threading.Event()
    stored: dict[Any, Any] = {}

    def answer(group: Any, items: list[int]) -> list[tuple[Any, Any]]:
        calls.append(list(items))
        release.wait(5)
        return [((group, i), i * i) for i in items if i >= 0]

    async def scenario() -> None:
        with ThreadPoolExecutor(2) as pool:
            batcher = Batcher(answer, stored.__setitem__, pool, seconds=10)
            first = asyncio.ensure_future(batcher.submit("g", 1))
            await asyncio.sleep(0.05)  # the first run is under way; these gather for the next
            rest = [asyncio.ensure_future(batcher.submit("g", i)) for i in (2, 3, -4)]
            other = asyncio.ensure_future(batcher.submit("h", 5))
            await asyncio.sleep(0.05)
            release.set()
            await asyncio.gather(first, *rest, other)

    asyncio.run(scenario())
    assert sorted(map(sorted, calls)) == [[-4, 2, 3], [1], [5]]
    assert stored == {("g", 1): 1, ("g", 2): 4, ("g", 3): 9, ("h", 5): 25}


def test_a_failed_run_leaves_each_request_to_itself() -> None:
    def answer(group: Any, items: list[int]) -> list[tuple[Any, Any]]:
        raise ScenarioError("past the horizon")

    async def scenario() -> None:
        with ThreadPoolExecutor(1) as pool:
            batcher = Batcher(answer, lambda k, v: None, pool, seconds=10)
            await asyncio.gather(batcher.submit("g", 1), batcher.submit("g", 2))

    asyncio.run(scenario())  # no exception: each request then computes alone and gets the error


def test_the_server_answers_a_burst_as_it_answers_one(live_server: LiveServer, service: Service) -> None:
    bodies = [{"shocks": [{"entity": e, "pays": p} for e, p in s.items()], "as_of": WHEN.isoformat()}
              for s in SHOCKS]

    async def burst() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=live_server.url, timeout=60) as c:
            return await asyncio.gather(*(c.post("/api/stress", json=b) for b in bodies))

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * len(bodies)
    expected = dict(stress.answers(service, GROUP, SHOCKS))
    for shocks, r in zip(SHOCKS, responses, strict=True):
        got = r.json()
        got.pop("run_id")
        assert got == json.loads(expected[stress._key(shocks, *GROUP)][0])


def _model_processes(server: LiveServer) -> list[psutil.Process]:
    return [p for p in psutil.Process(server.proc.pid).children(recursive=True)
            if "spawn_main" in " ".join(p.cmdline())]


def test_the_model_process_ends_with_its_server() -> None:
    server = LiveServer()
    try:
        children = _model_processes(server)
        assert len(children) == 1, "a read-only server runs its models in one model process"
        os.kill(server.proc.pid, signal.SIGKILL)  # no shutdown: the process must notice alone
        server.proc.wait(10)
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive, f"model process {alive[0].pid} outlived its killed server"
    finally:
        server.stop()
