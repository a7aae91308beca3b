"""How fast the CLI starts: ``circularity --help`` and a small ``ledger validate`` beside ``python -c pass``.

Each command runs ``--repeat`` times as a fresh process; the table gives the median CPU seconds
(user + system, from ``wait4``) and the median wall seconds. CPU is the figure to compare: on a
shared machine wall time depends on the load, CPU time much less. Each command first runs once
unmeasured with bytecode writing on (``PYTHONDONTWRITEBYTECODE`` dropped), so the figures are for an
install with compiled bytecode, as ``pip install`` leaves it: compiling the sources instead costs
~0.2 s of CPU per run and is not start-up work. The targets (issue 16) are
``--help`` ≤ 0.5 s of CPU and a small ``ledger validate`` ≤ 1.5 s of CPU.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SMALL_FILE = HERE.parent / "src" / "circularity" / "data" / "ai" / "sources.yaml"
TARGETS = {"circularity --help": 0.5, "circularity ledger validate": 1.5}


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("circularity")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from circularity.cli import main; main()"]


_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(argv: list[str]) -> tuple[float, float]:
    """Run ``argv`` once; return (CPU seconds of the child, wall seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    cli = _cli()
    cases = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "circularity --help": [*cli, "--help"],
        "circularity ledger validate": [*cli, "ledger", "validate", str(SMALL_FILE)],
    }
    load = os.getloadavg()[0]
    print(f"load average {load:.2f}; {args.repeat} runs each; validate reads {SMALL_FILE.name}")
    print(f"{'command':<30} {'CPU s (median)':>15} {'wall s (median)':>16} {'target CPU s':>13}")
    worst = 0
    for name, argv in cases.items():
        measure(argv)  # writes the bytecode of everything it imports
        runs = [measure(argv) for _ in range(args.repeat)]
        cpu = statistics.median(r[0] for r in runs)
        wall = statistics.median(r[1] for r in runs)
        target = TARGETS.get(name)
        flag = "" if target is None else f"{target:>13.1f}" + ("" if cpu <= target else "  MISSED")
        worst |= target is not None and cpu > target
        print(f"{name:<30} {cpu:>15.3f} {wall:>16.3f} {flag}")
    return int(worst)


if __name__ == "__main__":
    raise SystemExit(main())
