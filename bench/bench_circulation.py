"""Benchmark: maximum circulation with OR-Tools and HiGHS against networkx, same networks.

Random flow networks with n entities and 10 n edges (average out-degree 10; payer and payee
drawn uniformly, no self-loops; integer amounts 1..1000 so networkx's simplex is exact and
OR-Tools' quantum is 1 or finer, i.e. no rounding). For each size it prints the time of
``find_circulation`` (method "auto", which is OR-Tools at these sizes: merge, min-cost flow,
result; wall clock and our process CPU time, the fairer figure on a shared machine), the time
of the HiGHS reference (``max_circulation(..., method="highs")``), the cycle decomposition
(computed on first use of ``result.cycles``), and networkx's formulation of the same problem,
a min-cost circulation with cost -1 per unit on every edge (``networkx.network_simplex``).
HiGHS, the decomposition and networkx each run in a forked child stopped past a time limit.
All finished solvers must reach the same circulating volume.

    python bench/bench_circulation.py            # 1,000 / 10,000 / 100,000 entities
    python bench/bench_circulation.py --quick    # 1,000 / 10,000, limits 60 s
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import time

import networkx as nx
import numpy as np

from circularity.analytics import find_circulation, max_circulation


def random_web(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    m = 10 * n
    s = rng.integers(n, size=m)
    t = (s + rng.integers(1, n, size=m)) % n  # never a self-loop
    a = rng.integers(1, 1001, size=m).astype(np.float64)
    return s, t, a


def networkx_volume(s: np.ndarray, t: np.ndarray, a: np.ndarray) -> float:
    g = nx.DiGraph()
    for u, v, c in zip(s.tolist(), t.tolist(), a.tolist(), strict=True):
        if g.has_edge(u, v):
            g[u][v]["capacity"] += int(c)
        else:
            g.add_edge(u, v, capacity=int(c), weight=-1)
    cost, _ = nx.network_simplex(g)
    return float(-cost)


def _child(fn, args, queue) -> None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    value = fn(*args)
    queue.put((time.perf_counter() - t0, value))


def timed_child(fn, args, limit_s: float) -> tuple[float | None, float | None]:  # type: ignore[no-untyped-def]
    """Wall time and value of ``fn(*args)`` in a forked child, or (None, None) past the limit."""
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(fn, args, queue))
    proc.start()
    proc.join(limit_s)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, None
    return queue.get()


def highs_volume(s: np.ndarray, t: np.ndarray, a: np.ndarray, n: int) -> float:
    return float(max_circulation(s, t, a, n, method="highs").sum())


def cycle_count(result) -> int:  # type: ignore[no-untyped-def]
    return len(result.cycles)


def _cell(
    seconds: float | None, limit: float, ours: float, volume: float | None, expect: float
) -> tuple[str, str]:
    if seconds is None:
        return f">{limit:.0f} (stopped)", f">{limit / ours:.0f}x"
    assert volume is not None and abs(volume - expect) <= 1e-6 * max(1.0, expect), (
        f"volumes differ: {volume} against ours {expect}"
    )
    return f"{seconds:.2f}", f"{seconds / ours:.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k entities only")
    parser.add_argument(
        "--limit",
        type=float,
        default=None,
        help="seconds before HiGHS, networkx or the decomposition is stopped (default 300, quick 60)",
    )
    parser.add_argument("--seed", type=int, default=20251031)
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    limit = args.limit if args.limit is not None else (60.0 if args.quick else 300.0)
    rng = np.random.default_rng(args.seed)
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} CPUs")
    print(
        f"{'entities':>9} {'edges':>9} {'ratio':>6} {'ortools s':>10} {'(cpu s)':>8} "
        f"{'highs s':>15} {'highs/ours':>10} {'cycles s':>15} {'cycles':>8} {'networkx s':>15} {'nx/ours':>8}"
    )
    for n in sizes:
        s, t, a = random_web(n, rng)
        t0, c0 = time.perf_counter(), time.process_time()
        result = find_circulation(s, t, a)
        ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
        volume = result.circulating_volume
        hi_s, hi_v = timed_child(highs_volume, (s, t, a, n), limit)
        hi_cell, hi_ratio = _cell(hi_s, limit, ours, hi_v, volume)
        dec_s, n_cycles = timed_child(cycle_count, (result,), limit)
        dec_cell = f">{limit:.0f} (stopped)" if dec_s is None else f"{dec_s:.2f}"
        nx_s, nx_v = timed_child(networkx_volume, (s, t, a), limit)
        nx_cell, nx_ratio = _cell(nx_s, limit, ours, nx_v, volume)
        print(
            f"{n:>9,} {s.size:>9,} {result.circularity_ratio:>6.3f} {ours:>10.2f} {ours_cpu:>8.2f} "
            f"{hi_cell:>15} {hi_ratio:>10} {dec_cell:>15} {'-' if n_cycles is None else f'{n_cycles:,}':>8} {nx_cell:>15} {nx_ratio:>8}",
            flush=True,
        )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
