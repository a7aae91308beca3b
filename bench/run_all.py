"""Run every benchmark in its quick form, one after another (``make bench``).

Each script prints its own table of sizes, times and ratios against a reference measured in the
same run; pass ``--full`` to run the full sizes (tens of minutes on a 2-core machine).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

QUICK: dict[str, list[str]] = {
    "bench_contagion.py": ["--quick"],
    "bench_circulation.py": ["--quick"],
    "bench_projection.py": [],
    "bench_simulate.py": ["--sizes", "1000", "10000"],
    "load_test.py": [],
}


def main() -> int:
    full = "--full" in sys.argv[1:]
    failed = []
    for script, args in QUICK.items():
        print(f"\n=== {script} {' '.join([] if full else args)}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / script), *([] if full else args)])
        if code:
            failed.append(script)
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
