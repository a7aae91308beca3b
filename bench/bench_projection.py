"""Projection throughput: scenarios/second for 1..10,000 scenarios, against a memory-bandwidth floor."""

from __future__ import annotations

import time

import numpy as np


def main() -> None:
    from circularity.ledger import load
    from circularity.projection import load_scenario, run_projection
    from circularity.projection.run import compile_for

    sc = load_scenario("baseline")
    web = compile_for(sc, load("ai"))
    a = np.ones(50_000_000)
    t = time.perf_counter()
    b = a.copy()
    bw = 2 * a.nbytes / (time.perf_counter() - t)  # read + write
    del a, b
    print(f"entities {web.n}, contracts {web.m}, quarters {web.T}; numpy copy bandwidth {bw / 1e9:.1f} GB/s")
    print(f"{'S':>7} {'seconds':>9} {'scen/s':>10} {'floor s':>9} {'ratio':>7}")
    for S in (1, 100, 1_000, 10_000):
        rec = None if S <= 100 else ("cash", "shortfall", "defaulted", "market_value")
        ov = {"globals.gpu_life_years": np.linspace(3, 6, S)}
        t = time.perf_counter()
        run_projection(web, sc, ov, record=rec, check=True)
        dt = time.perf_counter() - t
        # bytes the engine must at least touch: ~40 (S, n) float64 arrays read+written per quarter
        floor = 40 * 2 * S * web.n * 8 * web.T / bw
        print(f"{S:>7} {dt:>9.3f} {S / dt:>10.0f} {floor:>9.4f} {dt / floor:>7.0f}")


if __name__ == "__main__":
    main()
