"""Monte Carlo throughput: draws per second and peak memory, in-process and on local Dask.

    python bench/bench_simulate.py                 # 1,000 / 10,000 / 100,000 draws, all backends
    python bench/bench_simulate.py --sizes 1000 10000 --backends inproc w2
    python bench/bench_simulate.py --model toy     # the analytic toy web instead of the engine

Wall seconds and the main process's CPU seconds are printed (on a shared machine wall ≫ CPU
means other processes held the cores). Each configuration runs in a fresh subprocess so that its peak memory (the largest resident
set of the main process and of any Dask worker process) is its own. The reference, measured
in the same run, is the projection engine called directly on 1,024 draws (no chunking,
reduction or merging); the ratio column is the simulation's draws/s over that reference.
The engine before the channels of issue 13 (``channels: null``, the draws of the channel
parameters left out) is called the same way on the same draws; its line gives this engine's
draws/s over it. Not collected by pytest.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

BACKENDS = {"inproc": None, "w1": 1, "w2": 2}


def _build(model_name: str, off: bool = False):  # type: ignore[no-untyped-def]
    if model_name == "toy":
        from circularity.montecarlo.distributions import parse_parameter_space
        from circularity.montecarlo.toy_models import ToyWebModel

        space = parse_parameter_space(
            {
                "growth": {"dist": "triangular", "low": 0.02, "mode": 0.08, "high": 0.15},
                "burn": {"dist": "lognormal", "median": 10, "sigma": 0.3},
            }
        )
        return ToyWebModel(), space
    from circularity.montecarlo.projection_model import ProjectionModel, load_simulation_scenario

    sim = load_simulation_scenario("baseline", ("channels=null",) if off else ())
    if off:  # the engine before issue 13: no channel parameters to draw
        import dataclasses

        from circularity.montecarlo.distributions import ParameterSpace

        kept = {k: v for k, v in sim.space.parameters.items() if not k.startswith("channels.")}
        sim = dataclasses.replace(
            sim, space=ParameterSpace(parameters=kept, correlation=sim.space.correlation)
        )
    return ProjectionModel.build(sim), sim.space


def _one(model_name: str, backend: str, n: int) -> dict[str, float]:
    from circularity.montecarlo.runner import run_simulation
    from circularity.montecarlo.sampling import draw_parameters

    model, space = _build(model_name, off=backend == "ref-off")
    if backend in ("ref", "ref-off"):
        params = draw_parameters(space, 7, 0, n)
        c0, t0 = time.process_time(), time.perf_counter()
        model(params)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    else:
        c0, t0 = time.process_time(), time.perf_counter()
        run_simulation(model, space, n=n, seed=7, workers=BACKENDS[backend])
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {
        "seconds": secs,
        "cpu_s": cpu,  # this process only (not Dask workers)
        "draws_per_s": n / secs,
        "peak_mb": max(self_kb, child_kb) / 1024,
        "main_mb": self_kb / 1024,
        "worker_mb": child_kb / 1024,
    }


def _spawn(model_name: str, backend: str, n: int, timeout: float) -> dict[str, float] | None:
    cmd = [sys.executable, __file__, "--one", backend, str(n), "--model", model_name]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        print(exc.stderr[-2000:], file=sys.stderr)
        raise
    return json.loads(p.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=list(BACKENDS))
    ap.add_argument("--model", default="engine", choices=["engine", "toy"])
    ap.add_argument("--timeout", type=float, default=1800.0, help="seconds per configuration")
    ap.add_argument("--one", nargs=2, metavar=("BACKEND", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(_one(args.model, args.one[0], int(args.one[1]))))
        return
    ref = _spawn(args.model, "ref", 1024, args.timeout)
    assert ref is not None
    print(
        f"model: {args.model}; reference: model called directly on 1,024 draws: "
        f"{ref['draws_per_s']:,.0f} draws/s ({ref['seconds']:.2f} s wall, {ref['cpu_s']:.2f} s CPU)"
    )
    if args.model == "engine":
        off = _spawn(args.model, "ref-off", 1024, args.timeout)
        assert off is not None
        print(
            f"engine before issue 13 (channels: null) on the same 1,024 draws: {off['draws_per_s']:,.0f} "
            f"draws/s; this engine / that one: {ref['draws_per_s'] / off['draws_per_s']:.2f}"
        )
    with open("/proc/loadavg") as f:
        print(f"load average {' '.join(f.read().split()[:3])}")
    print(
        f"{'draws':>8} {'backend':>8} {'seconds':>9} {'cpu s':>8} {'draws/s':>9} {'ratio':>6} "
        f"{'peak MB':>8} {'main MB':>8} {'worker MB':>9}"
    )
    for n in args.sizes:
        for b in args.backends:
            r = _spawn(args.model, b, n, args.timeout)
            if r is None:
                print(f"{n:>8,} {b:>8} {'timeout':>9}")
                continue
            print(
                f"{n:>8,} {b:>8} {r['seconds']:>9.2f} {r['cpu_s']:>8.2f} {r['draws_per_s']:>9,.0f} "
                f"{r['draws_per_s'] / ref['draws_per_s']:>6.2f} {r['peak_mb']:>8,.0f} "
                f"{r['main_mb']:>8,.0f} {r['worker_mb']:>9,.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
