"""Benchmark the contagion engine against the plain reference, in one process run.

Run: ``.venv/bin/python bench/bench_contagion.py [--quick]``. Prints, per network size and
graph (Erdős–Rényi ``er`` and Chung–Lu power-law ``sf``, mean degree 10), the median time of
each model, of the dense reference (only where an n x n array is affordable; "skipped"
otherwise), their ratio, and the peak traced memory of one run; then the batched clearing core
on a 40-node / 60-edge web at S = 1 ... 10,000 scenarios. Balance sheets as in
``shared/research/contagion-anchors.md``: lognormal exposures, interbank share of assets
U(0.1, 0.4), equity ratio U(0.04, 0.15), external liabilities fill the rest. Shock: all external
assets -5 %, the largest borrower loses all its external assets (DebtRank: it defaults).
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse as sp

from circularity.contagion import clear_payments, debtrank, eisenberg_noe, rogers_veraart
from circularity.contagion.reference import reference_clearing, reference_debtrank

DENSE_REFERENCE_MAX_N = 2_000


def make_network(n: int, kind: str, rng: np.random.Generator, degree: int = 10) -> dict[str, Any]:
    m = degree * n
    if kind == "er":
        debtor = rng.integers(0, n, m)
        creditor = rng.integers(0, n, m)
    else:  # Chung–Lu with Pareto(gamma = 2.5) in/out weights
        w_out = rng.pareto(1.5, n) + 1.0
        w_in = rng.pareto(1.5, n) + 1.0
        debtor = np.searchsorted(np.cumsum(w_out) / w_out.sum(), rng.random(m))
        creditor = np.searchsorted(np.cumsum(w_in) / w_in.sum(), rng.random(m))
        debtor = np.minimum(debtor, n - 1)
        creditor = np.minimum(creditor, n - 1)
    keep = debtor != creditor
    debtor, creditor = debtor[keep], creditor[keep]
    L = sp.csr_matrix((rng.lognormal(0.0, 1.0, debtor.size), (debtor, creditor)), shape=(n, n))
    owed = np.asarray(L.sum(axis=1)).ravel()
    claims = np.asarray(L.sum(axis=0)).ravel()
    share = rng.uniform(0.1, 0.4, n)
    ratio = rng.uniform(0.04, 0.15, n)
    total = np.maximum(claims / share, owed / (1.0 - ratio) + 1e-9)
    e = total - claims
    el = np.maximum(0.0, total * (1.0 - ratio) - owed)
    equity = total - owed - el
    big = int(np.argmax(owed))
    shocked = e * 0.95
    shocked[big] = 0.0
    h0 = np.zeros(n)
    h0[big] = 1.0
    return {"L": L, "e": shocked, "el": el, "equity": equity, "h0": h0}


def median_time(fn: Callable[[], Any], reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


Run = Callable[[], Any]


def _models(net: dict[str, Any], dense: Any, n: int) -> list[tuple[str, Run, Run | None]]:
    L, e, el, eq, h0 = net["L"], net["e"], net["el"], net["equity"], net["h0"]
    small = dense is not None and n <= 1000  # the dense DebtRank reference loops in Python
    return [
        ("EN", lambda: eisenberg_noe(L, e, el),
         None if dense is None else lambda: reference_clearing(dense, e, el)),
        ("RV a=.5 b=.7", lambda: rogers_veraart(L, e, el, alpha=0.5, beta=0.7),
         None if dense is None else lambda: reference_clearing(dense, e, el, 0.5, 0.7)),
        ("DR linear", lambda: debtrank(L, eq, h0),
         (lambda: reference_debtrank(dense, eq, h0)) if small else None),
        ("DR single hit", lambda: debtrank(L, eq, h0, variant="single_hit"),
         (lambda: reference_debtrank(dense, eq, h0, "single_hit")) if small else None),
    ]  # fmt: skip


def bench_models(sizes: list[int], reps: int) -> None:
    rng = np.random.default_rng(20251122)
    print("| n | graph | edges | model | ours (s) | rounds | reference (s) | ref/ours | peak MB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        for kind in ("er", "sf"):
            net = make_network(n, kind, rng)
            L = net["L"]
            dense = L.toarray() if n <= DENSE_REFERENCE_MAX_N else None
            r_reps = reps if n <= 100_000 else 1
            models = _models(net, dense, n)
            for name, ours, ref in models:
                out = ours()
                t = median_time(ours, r_reps)
                mem = peak_mb(ours)
                if ref is None:
                    ref_s, ratio = "skipped (dense n x n)", "-"
                else:
                    tr = median_time(ref, 1 if n > 500 else 3)
                    ref_s, ratio = f"{tr:.4g}", f"{tr / t:.1f}x"
                rounds = getattr(out, "rounds", "-")
                print(f"| {n:,} | {kind} | {L.nnz:,} | {name} | {t:.4g} | {rounds} | {ref_s} | "
                      f"{ratio} | {mem:.0f} |", flush=True)  # fmt: skip


def bench_batched(reps: int) -> None:
    rng = np.random.default_rng(7)
    n, m = 40, 60
    payer = rng.integers(0, n, m)
    payee = (payer + rng.integers(1, n, m)) % n
    print("\n| S scenarios (n=40, m=60) | ours (s) | per scenario (us) | defaulted share | "
          "reference loop (s) | ref/ours |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for S in (1, 100, 1_000, 10_000):
        amount = rng.lognormal(0.0, 1.0, (S, m))
        e = rng.random((S, n)) * 4.0 + 0.5
        el = rng.random((S, n))
        r = clear_payments(payer, payee, amount, e, el, n=n)
        t = median_time(lambda: clear_payments(payer, payee, amount, e, el, n=n), reps)  # noqa: B023
        k = min(S, 200)

        def ref_loop() -> None:
            for s in range(k):  # noqa: B023
                L = np.zeros((n, n))
                np.add.at(L, (payer, payee), amount[s])  # noqa: B023
                reference_clearing(L, e[s], el[s])  # noqa: B023

        tr = median_time(ref_loop, 1) * S / k
        note = "" if k == S else f" (from {k})"
        print(f"| {S:,} | {t:.4g} | {t / S * 1e6:.1f} | {r.defaulted.mean():.2f} | "
              f"{tr:.4g}{note} | {tr / t:.0f}x |", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="n = 1,000 and 10,000 only")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    reps = 3 if args.quick else 5
    bench_models(sizes, reps)
    bench_batched(reps)


if __name__ == "__main__":
    main()
