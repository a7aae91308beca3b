"""Load test on loopback: 50 concurrent clients, 2,000 requests over read endpoints, stress and
single-scenario projection. Prints p50/p95/max latency per endpoint and the error count.

    python bench/load_test.py                 # starts `circularity serve` on a free port
    python bench/load_test.py --url http://127.0.0.1:8000   # an already running server

Targets (issue 7): no errors; stress and single-scenario projection at most 300 ms at p95.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

sys.path.insert(0, str(Path(__file__).parents[1] / "tests" / "api"))

AS_OF = ["2025-12-31", "2026-03-31", "2026-06-30"]
SHOCKED = ["openai", "oracle", "coreweave", "microsoft"]


def requests_plan(n: int, seed: int) -> list[tuple[str, str, str, dict | None]]:
    """(label, method, path, json) for n requests: reads, stress and projection mixed."""
    rng = random.Random(seed)
    plan = []
    for _ in range(n):
        r = rng.random()
        d = rng.choice(AS_OF)
        if r < 0.15:
            plan.append(("GET /api/graph", "GET", f"/api/graph?as_of={d}", None))
        elif r < 0.25:
            plan.append(("GET /api/deals", "GET", f"/api/deals?as_of={d}", None))
        elif r < 0.33:
            plan.append(("GET /api/entities/{id}", "GET", f"/api/entities/openai?as_of={d}", None))
        elif r < 0.40:
            plan.append(("GET /api/deals/{id}", "GET", f"/api/deals/D01?as_of={d}", None))
        elif r < 0.48:
            plan.append(("GET /api/loops", "GET", f"/api/loops?as_of={d}", None))
        elif r < 0.52:
            plan.append(("GET /api/meta", "GET", "/api/meta", None))
        elif r < 0.80:
            # pay shares on the dashboard slider's 5% steps
            shocks = [{"entity": rng.choice(SHOCKED), "pays": rng.randrange(0, 21) * 0.05}]
            plan.append(("POST /api/stress", "POST", "/api/stress", {"shocks": shocks, "as_of": d}))
        else:
            # the dashboard's revenue slider: 0.3 to 1.5 in steps of 0.05
            levers = {"openai_revenue_scale": round(0.3 + 0.05 * rng.randrange(0, 25), 2)}
            plan.append(("POST /api/project", "POST", "/api/project",
                         {"scenario": rng.choice(["baseline", "funding-freeze"]), "levers": levers}))
    return plan


async def run(url: str, n: int, clients: int, seed: int) -> dict[str, list[float]]:
    host = urlparse(url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"refusing to load-test {host}: loopback only")
    plan = requests_plan(n, seed)
    queue: asyncio.Queue[tuple[str, str, str, dict | None]] = asyncio.Queue()
    for item in plan:
        queue.put_nowait(item)
    times: dict[str, list[float]] = {}
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while True:
                try:
                    label, method, path, body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                t0 = time.perf_counter()
                try:
                    resp = await client.request(method, path, json=body)
                    ok = resp.status_code == 200
                    if not ok:
                        errors.append(f"{label}: {resp.status_code} {resp.text[:200]}")
                except httpx.HTTPError as exc:
                    errors.append(f"{label}: {type(exc).__name__}")
                times.setdefault(label, []).append(time.perf_counter() - t0)

        # warm-up: one of each, not timed (first stress/projection of a date compiles its web)
        for label, method, path, body in {p[0]: p for p in plan}.values():
            await client.request(method, path, json=body)
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - start
    times["_wall"] = [wall]
    times["_errors"] = [float(len(errors))]
    for e in errors[:10]:
        print("error:", e)
    return times


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="base URL of a running server on loopback")
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    server = None
    url = args.url
    if url is None:
        from _serve import LiveServer

        server = LiveServer()
        url = server.url
    try:
        times = asyncio.run(run(url, args.n, args.clients, args.seed))
    finally:
        if server is not None:
            server.stop()
    wall, nerr = times.pop("_wall")[0], int(times.pop("_errors")[0])
    total = sum(len(v) for v in times.values())
    print(f"{total} requests, {args.clients} concurrent clients, {wall:.1f} s "
          f"({total / wall:.0f} req/s), {nerr} errors; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores")
    print(f"{'endpoint':26s} {'n':>5s} {'p50 ms':>8s} {'p95 ms':>8s} {'max ms':>8s} {'mean ms':>8s}")
    worst = 0.0
    for label in sorted(times):
        xs = times[label]
        p95 = pct(xs, 0.95) * 1000
        if label in ("POST /api/stress", "POST /api/project"):
            worst = max(worst, p95)
        print(f"{label:26s} {len(xs):5d} {pct(xs, 0.5) * 1000:8.1f} {p95:8.1f} "
              f"{max(xs) * 1000:8.1f} {statistics.mean(xs) * 1000:8.1f}")
    verdict = "meets" if worst <= 300 and nerr == 0 else "MISSES"
    print(f"stress/projection p95 {worst:.0f} ms: {verdict} the 300 ms target with {nerr} errors")
    if nerr:
        sys.exit(1)


if __name__ == "__main__":
    main()
