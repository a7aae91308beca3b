"""Run fuzz cases through the real CLI ``main()`` in-process and classify each (``make fuzz``).

Classes: clean error (exit 1 or 2, no traceback) / accepted, benign / traceback / hang /
accepted but must refuse / invalid JSON (NaN or Infinity printed) / store changed by a failed
import. ``python tests/fuzz/harness.py`` runs every case and prints the table; exit 1 if any case
falls in a class other than the first two.
"""

from __future__ import annotations

import contextlib
import io
import json
import signal
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from cases import Case, all_cases  # noqa: E402

CLEAN, BENIGN = "clean error", "accepted, benign"
BAD = ("traceback", "hang", "accepted, must refuse", "invalid JSON", "store changed")
CLASSES = (CLEAN, BENIGN, *BAD)
#: A case hangs past this many CPU seconds, or past HANG_WALL_S of wall time (blocked on I/O).
HANG_S = 20
HANG_WALL_S = 120


#: imported before the first case (see :func:`run`)
WARM = (
    "circularity.cli",
    "circularity.projection.pipeline",
    "circularity.montecarlo",
    "circularity.stress",
    "circularity.store",
    "circularity.analytics",
)


class _Hang(BaseException):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise _Hang


def _snapshot(db: Path) -> Any:
    from circularity.store import open_store

    if not db.exists():
        return None
    store = open_store(db)
    try:
        return store.snapshot()
    finally:
        store.close()


def _seed_store(root: Path) -> Path:
    """A store holding the sample ledger, built once and copied per import case."""
    import shutil

    from cases import write_sample

    from circularity.store import open_store

    db = root / "seed.duckdb"
    if not db.exists():
        store = open_store(db)
        try:
            store.import_path(write_sample(root / "seed"))
        finally:
            store.close()
        shutil.rmtree(root / "seed")
    return db


TOKEN = "fuzz-token-0123456789"
_APPS: dict[str, Any] = {}


def _app(db: Path | None) -> Any:
    """The app, in-process and without its lifespan (no model processes): read-only on the
    bundled dataset (one, reused), or write mode over ``db``."""
    from circularity.api import create_app

    if db is None:
        if "read" not in _APPS:
            _APPS["read"] = create_app(model_process=False)
        return _APPS["read"]
    return create_app(db=db, allow_writes=True, token=TOKEN, model_process=False)


def _send(app: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> Any:
    import asyncio

    import httpx

    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://fuzz") as client:
            return await client.request(method, path, content=body, headers=headers)

    return asyncio.run(go())


def run_http_case(case: Case, root: Path, seed_db: Path | None) -> tuple[str, str]:
    """Send one request body to the app: 5xx or an escaped exception is a traceback; 2xx for a
    body that must be refused is a silent accept; a failed import must leave the store as it was."""
    import shutil

    assert case.http is not None
    method, path, body = case.http
    db = None
    if case.imports:
        assert seed_db is not None
        root.mkdir(parents=True, exist_ok=True)
        db = root / "store.duckdb"
        shutil.copy(seed_db, db)
    before = _snapshot(db) if db is not None else None
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"}
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_WALL_S)
    try:
        response = _send(_app(db), method, path, body, headers)
    except _Hang:
        return "hang", f"over {HANG_WALL_S} s of wall time"
    except BaseException as exc:  # noqa: BLE001 - any escape is what the suite looks for
        return "traceback", f"{type(exc).__name__}: {str(exc)[:200]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    status = response.status_code
    try:
        response.json()
    except ValueError:
        return "invalid JSON", response.text[:200]
    if status >= 500:
        return "traceback", f"{status}: {response.text[:200]}"
    if db is not None and status >= 400 and _snapshot(db) != before:
        return "store changed", response.text[:200]
    if status < 300:
        return ("accepted, must refuse", response.text[:200]) if case.must_refuse else (BENIGN, "")
    return CLEAN, f"{status}: {response.json().get('error', {}).get('message', '')[:150]}"


def run_case(case: Case, root: Path, seed_db: Path | None = None) -> tuple[str, str]:
    """Run one case in ``root``; return (class, detail)."""
    from circularity.cli import main

    if case.http is not None:
        return run_http_case(case, root, seed_db)
    root.mkdir(parents=True, exist_ok=True)
    case.write(root)
    db = root / "store.duckdb"
    if case.imports and seed_db is not None:
        import shutil

        shutil.copy(seed_db, db)
    before = _snapshot(db) if case.imports else None
    argv = ["circularity", *(a.replace("{dir}", str(root)) for a in case.argv)]
    out, err = io.StringIO(), io.StringIO()
    code: int | None = 0
    old = signal.signal(signal.SIGALRM, _alarm)
    old_prof = signal.signal(signal.SIGPROF, _alarm)
    signal.alarm(HANG_WALL_S)
    signal.setitimer(signal.ITIMER_PROF, HANG_S)
    saved = sys.argv
    sys.argv = argv
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except _Hang:
        return "hang", f"over {HANG_S} s of CPU or {HANG_WALL_S} s of wall time"
    except BaseException as exc:  # noqa: BLE001 - any escape is what the suite looks for
        tb = traceback.format_exception(exc)
        return (
            "traceback",
            f"{type(exc).__name__}: {str(exc)[:200]} at {tb[-2].strip()[:200] if len(tb) > 1 else ''}",
        )
    finally:
        signal.alarm(0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, old)
        signal.signal(signal.SIGPROF, old_prof)
        sys.argv = saved
    if case.imports and code != 0 and _snapshot(db) != before:
        return "store changed", err.getvalue()[:200]
    if code == 0:
        text = out.getvalue()
        if "--json" in case.argv and text.strip():
            try:
                json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
            except ValueError as exc:
                return "invalid JSON", str(exc)[:200]
        return ("accepted, must refuse", text[:200]) if case.must_refuse else (BENIGN, "")
    if code in (1, 2) and "Traceback" not in err.getvalue():
        return CLEAN, err.getvalue().strip().splitlines()[-1][:200] if err.getvalue().strip() else ""
    return "traceback", f"exit {code}: {err.getvalue()[-300:]}"


def run(
    cases: list[Case], verbose: bool = False
) -> tuple[dict[str, Counter[str]], list[tuple[Case, str, str]]]:
    """Run ``cases``; return counts per input kind and class, and the cases in a bad class.

    The modules the commands import lazily are imported first, so that the hang limits time the
    case and not the library's first import (~10 s of CPU, which the first scenario case paid: it
    was counted a hang under load though it is refused in 0.5 s)."""
    import importlib

    for module in WARM:
        importlib.import_module(module)
    table: dict[str, Counter[str]] = {}
    bad: list[tuple[Case, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="circularity-fuzz-") as tmp:
        base = Path(tmp)
        seed_db = _seed_store(base) if any(c.imports for c in cases) else None
        for i, case in enumerate(cases):
            cls, detail = run_case(case, base / f"case{i}", seed_db)
            table.setdefault(case.kind, Counter())[cls] += 1
            if cls in BAD:
                bad.append((case, cls, detail))
            if verbose:
                print(f"{i:5d} {case.kind:10s} {cls:22s} {case.name[:60]}", file=sys.__stderr__, flush=True)
    return table, bad


def format_table(table: dict[str, Counter[str]]) -> str:
    """The results as a Markdown table, one row per input kind and a total."""
    head = "| input kind | tried | " + " | ".join(CLASSES) + " |"
    lines = [head, "|" + "---|" * (len(CLASSES) + 2)]
    total: Counter[str] = Counter()
    for kind, counts in table.items():
        total.update(counts)
        lines.append(
            f"| {kind} | {sum(counts.values())} | " + " | ".join(str(counts[c]) for c in CLASSES) + " |"
        )
    lines.append(
        f"| **all** | **{sum(total.values())}** | " + " | ".join(f"**{total[c]}**" for c in CLASSES) + " |"
    )
    return "\n".join(lines)


def main() -> int:
    verbose = "-v" in sys.argv
    cases = all_cases()
    table, bad = run(cases, verbose=verbose)
    print(format_table(table))
    for case, cls, detail in bad:
        print(f"- {cls}: [{case.kind}] {case.name}: {detail}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
