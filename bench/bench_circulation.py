"""Benchmark: maximum circulation with HiGHS against networkx's network simplex, same networks.

Random flow networks with n entities and 10 n edges (average out-degree 10; payer and payee
drawn uniformly, no self-loops; integer amounts 1..1000 so networkx's simplex is exact). For
each size it prints the time of ``find_circulation`` (the LP and the result), the time of the
cycle decomposition (computed on first use of ``result.cycles``), and the time of networkx's
formulation of the same problem (wall clock; "cpu s" is our process time, the fairer figure on
a shared machine), a min-cost circulation with cost -1 per unit on every edge
(``networkx.network_simplex``), run in a child process that is stopped past a time limit.
Both must reach the same circulating volume.

    python bench/bench_circulation.py            # 1,000 / 10,000 / 100,000 entities
    python bench/bench_circulation.py --quick    # 1,000 / 10,000, networkx limit 60 s
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import time

import networkx as nx
import numpy as np

from circularity.analytics import find_circulation


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


def _nx_child(s, t, a, queue) -> None:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    volume = networkx_volume(s, t, a)
    queue.put((time.perf_counter() - t0, volume))


def time_networkx(s, t, a, limit_s: float) -> tuple[float | None, float | None]:  # type: ignore[no-untyped-def]
    queue: mp.Queue = mp.Queue()
    proc = mp.Process(target=_nx_child, args=(s, t, a, queue))
    proc.start()
    proc.join(limit_s)
    if proc.is_alive():
        proc.terminate()
        proc.join()
        return None, None
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1k and 10k entities only")
    parser.add_argument(
        "--nx-limit",
        type=float,
        default=None,
        help="seconds before networkx is stopped (default 300, quick 60)",
    )
    parser.add_argument("--seed", type=int, default=20251031)
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    limit = args.nx_limit if args.nx_limit is not None else (60.0 if args.quick else 300.0)
    rng = np.random.default_rng(args.seed)
    print(
        f"{'entities':>9} {'edges':>9} {'ratio':>6} {'circulation s':>14} {'(cpu s)':>8} "
        f"{'+ cycles s':>11} {'cycles':>8} {'networkx s':>11} {'nx / ours':>10}"
    )
    for n in sizes:
        s, t, a = random_web(n, rng)
        t0, c0 = time.perf_counter(), time.process_time()
        result = find_circulation(s, t, a)
        ours, ours_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0 = time.perf_counter()
        n_cycles = len(result.cycles)
        dec = time.perf_counter() - t0
        nx_s, nx_volume = time_networkx(s, t, a, limit)
        if nx_s is None:
            nx_cell, ratio_cell = f">{limit:.0f} (stopped)", "-"
        else:
            assert nx_volume is not None
            assert abs(nx_volume - result.circulating_volume) <= 1e-6 * nx_volume, (
                f"volumes differ: networkx {nx_volume}, ours {result.circulating_volume}"
            )
            nx_cell, ratio_cell = f"{nx_s:.2f}", f"{nx_s / ours:.1f}x"
        print(
            f"{n:>9,} {s.size:>9,} {result.circularity_ratio:>6.3f} {ours:>14.2f} "
            f"{ours_cpu:>8.2f} "
            f"{dec:>11.2f} {n_cycles:>8,} {nx_cell:>11} {ratio_cell:>10}",
            flush=True,
        )


if __name__ == "__main__":
    main()
