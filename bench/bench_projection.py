"""Projection throughput: scenarios/second for 1..10,000 scenarios, against a memory-bandwidth floor.

Run: ``python bench/bench_projection.py [--repeat 3]``. Each size runs in its own process (so its
peak resident memory is its own) ``repeat`` times; the best wall time is reported with the CPU
time of that run (on a shared machine, wall ≫ CPU means other processes held the cores).

Reference: each size also runs the baseline with ``channels: null`` (the engine without the
channels of issue 13: one life for all capital, one repricing rate, revenue independent of
compute), measured in the same run; the ``vs off`` column is the ratio of the two CPU times.

Floor: the bytes the engine cannot avoid moving per quarter, read + written once at the
measured copy bandwidth: 14 ``[S, n]`` state arrays (cash, outside and web debt, capital,
legacy capital, depreciation rate, EBITDA, tax due, market value, standalone cash, funding need,
trailing revenue, its ring slot, defaults), the ``[S, m]`` renegotiation cuts, the capex vintage
written, and the recorded columns written.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

SIZES = (1, 100, 1_000, 10_000)
RECORD = ("cash", "shortfall", "defaulted", "market_value")


def _bandwidth() -> float:
    """Best of 5 copies of 200 MB into a touched buffer, bytes read + written per second."""
    a = np.ones(25_000_000)
    b = np.empty_like(a)
    b[:] = 0.0
    best = np.inf
    for _ in range(5):
        t = time.perf_counter()
        np.copyto(b, a)
        best = min(best, time.perf_counter() - t)
    return 2 * a.nbytes / best


def _one(S: int, repeat: int, off: bool = False) -> dict[str, float]:
    from circularity.ledger import load
    from circularity.projection import load_scenario, run_projection
    from circularity.projection.pipeline import compile_for

    sc = load_scenario("baseline", ("channels=null",) if off else ())
    web = compile_for(sc, load("ai"))
    rec = None if S <= 100 else RECORD
    ov = {"globals.gpu_life_years": np.linspace(3, 6, S)}
    run_projection(web, sc, ov, record=rec)  # warm (imports, caches)
    best = (np.inf, np.inf)
    for _ in range(repeat):
        c, t = time.process_time(), time.perf_counter()
        run_projection(web, sc, ov, record=rec, check=True)
        best = min(best, (time.perf_counter() - t, time.process_time() - c))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB on Linux
    k = len(rec) if rec is not None else 19
    floor_bytes = web.T * S * 8 * (2 * 14 * web.n + 2 * web.m + web.n + k * web.n)
    return {
        "S": S,
        "wall": best[0],
        "cpu": best[1],
        "peak_mib": peak,
        "floor_bytes": floor_bytes,
        "n": web.n,
        "m": web.m,
        "T": web.T,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--off", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="comma-separated scenario counts")
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(args.one, args.repeat, args.off)))
        return
    sizes = tuple(int(x) for x in args.sizes.split(","))
    bw = _bandwidth()
    with open("/proc/loadavg") as f:
        load = f.read().split()[:3]
    rows, refs = [], []
    for S in sizes:
        for flag, dest in (([], rows), (["--off"], refs)):
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(S), "--repeat", str(args.repeat), *flag],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            dest.append(json.loads(out.strip().splitlines()[-1]))
    r0 = rows[0]
    print(
        f"entities {r0['n']}, contracts {r0['m']}, quarters {r0['T']}; copy bandwidth "
        f"{bw / 1e9:.1f} GB/s; load average {' '.join(load)}; best of {args.repeat}"
    )
    print(
        f"{'S':>7} {'wall s':>8} {'cpu s':>8} {'scen/s':>9} {'floor s':>9} {'ratio':>7} {'peak MiB':>9}"
        f" {'off cpu s':>10} {'vs off':>7}"
    )
    for r, ref in zip(rows, refs, strict=True):
        floor = r["floor_bytes"] / bw
        print(
            f"{r['S']:>7} {r['wall']:>8.3f} {r['cpu']:>8.3f} {r['S'] / r['wall']:>9.0f} "
            f"{floor:>9.4f} {r['wall'] / floor:>7.1f} {r['peak_mib']:>9.0f}"
            f" {ref['cpu']:>10.3f} {r['cpu'] / ref['cpu']:>7.2f}"
        )


if __name__ == "__main__":
    main()
