"""Process faults: imports killed with SIGKILL at random moments, and two imports at once.

Each killed import leaves the store exactly as before or exactly as after it (one transaction),
and the next command works; two concurrent imports into one store serialise (the second waits
for the first's lock) or the second says, in one line, that the store is in use.

The killed imports are forked from one warm process (``ZYGOTE``: it has loaded the modules and
touched no store, so it is single-threaded and safe to fork), so each kill costs the import,
not a fresh interpreter. Each import prints a marker as it reaches each step (opened, BEGIN,
each table written, COMMIT sent, COMMIT returned, store closed), through a pass-through wrapper
of ``Store._run`` in the forked child; the real import runs unchanged. A kill's moment is a
random step plus a random delay up to the time that step took in an unkilled run, so kills fall
in every phase, inside the transaction and the commit included; the last marker the child
printed then says what the store must hold: killed before COMMIT was sent, exactly as before;
after COMMIT returned, exactly as after; during the COMMIT, one of the two.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import pytest
from test_store import _write_big

from circularity.store import open_store
from circularity.testing.ledgers import write_sample

pytestmark = pytest.mark.slow

KILLS = 30
ROWS = 100  # deals and financials the killed import adds (6 deals before, 106 after)

ZYGOTE = r"""
import os, sys, traceback
from circularity.store import open_store
from circularity.store.duckdb_store import Store
import circularity.ledger.io, circularity.store.columns, pandas, pyarrow, duckdb

def say(*words):
    os.write(1, (" ".join(map(str, words)) + "\n").encode())  # one write: never split by another

def mark(what):
    say("mark", what)

real_run = Store._run

def traced(self, sql, params=None):
    if sql in ("BEGIN TRANSACTION", "COMMIT"):
        mark(sql)
    out = real_run(self, sql, params)
    if sql == "COMMIT":
        mark("COMMITTED")
    return out

say("ready", len(os.listdir("/proc/self/task")))
for line in sys.stdin:
    db, folder = line.rstrip("\n").split("\t")
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            Store._run = traced
            mark("start")
            store = open_store(db)
            mark("opened")
            store.on_table_written = lambda table: mark("wrote " + table)
            store.import_path(folder)
            store.close()
            mark("closed")
        except BaseException:
            traceback.print_exc()
            mark("failed")
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)
    say("child", pid)
    sys.stdin.readline()  # the test says when to reap, so a killed pid is never reused meanwhile
    _, status = os.waitpid(pid, 0)
    say("exit", status)
"""


class Zygote:
    """The warm process; ``run`` forks one import and returns its markers and exit status."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", ZYGOTE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            # no helper threads to lose in a fork: OpenBLAS's pool, jemalloc's background thread
            env={
                **os.environ,
                "OPENBLAS_NUM_THREADS": "1",
                "JE_ARROW_MALLOC_CONF": "background_thread:false",
            },
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin: IO[str] = self.proc.stdin
        self.stdout: IO[str] = self.proc.stdout
        try:
            word, threads = self._line().split()
            assert word == "ready"
            assert threads == "1", f"the zygote runs {threads} threads; forking it is not safe"
        except BaseException:
            self.close()
            raise

    def _line(self) -> str:
        line = self.stdout.readline()
        assert line, "the zygote ended"
        return line.rstrip("\n")

    def run(
        self, db: Path, folder: Path, *, kill_after: str | None = None, delay: float = 0.0
    ) -> tuple[list[tuple[str, float]], int]:
        """Import ``folder`` into ``db`` in a forked child; with ``kill_after``, SIGKILL it
        ``delay`` seconds after it prints that marker (else let it end). Returns the markers
        with their seconds since the fork, and the raw wait status."""
        start = time.monotonic()
        self.stdin.write(f"{db}\t{folder}\n")
        self.stdin.flush()
        early = []  # the child's first markers may come before the zygote names it
        while not (line := self._line()).startswith("child "):
            early.append(line)
        pid = line.split()[1]
        marks: list[tuple[str, float]] = []
        while True:
            line = early.pop(0) if early else self._line()
            assert line.startswith("mark "), line
            marks.append((line[5:], time.monotonic() - start))
            if line[5:] in ("closed", "failed"):
                break
            if line[5:] == kill_after:
                time.sleep(delay)
                os.kill(int(pid), signal.SIGKILL)  # a zombie at worst: the zygote has not reaped it
                break
        self.stdin.write("reap\n")
        self.stdin.flush()
        while (line := self._line()).startswith("mark "):
            marks.append((line[5:], time.monotonic() - start))
        kind, status = line.split()
        assert kind == "exit", line
        return marks, int(status)

    def close(self) -> None:
        self.stdin.close()
        try:
            self.proc.wait(timeout=60)
        finally:
            self.proc.kill()
            self.proc.wait()
            self.stdout.close()


def _masked(snap: dict[str, list[tuple[Any, ...]]]) -> dict[str, list[tuple[Any, ...]]]:
    """Record times masked (the "after" state comes from another import of the same folder)."""
    return {
        table: sorted(
            (tuple("<time>" if isinstance(v, datetime) else v for v in row) for row in rows), key=repr
        )
        for table, rows in snap.items()
    }


def _snapshot(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    with open_store(db) as store:
        return store.snapshot()


def test_imports_killed_at_random_moments_leave_the_store_before_or_after(tmp_path: Path) -> None:
    base = tmp_path / "base.duckdb"
    with open_store(base) as store:
        store.import_path(write_sample(tmp_path / "sample"))
    big = _write_big(tmp_path / "big", ROWS)
    before = _snapshot(base)
    zygote = Zygote()
    try:
        done = tmp_path / "done.duckdb"
        shutil.copy(base, done)
        steps, status = zygote.run(done, big)
        assert status == 0, steps
        after = _masked(_snapshot(done))
        assert after != _masked(before)
        names = [name for name, _ in steps]
        assert names[:3] == ["start", "opened", "BEGIN TRANSACTION"], names
        assert names[-3:] == ["COMMIT", "COMMITTED", "closed"], names
        # how long each step took in the unkilled run: the range of a kill's delay after it
        took = {name: max(nxt - t, 0.01) * 1.2 for (name, t), (_, nxt) in zip(steps, steps[1:], strict=False)}
        took["closed"] = 0.0

        rng = random.Random(16)
        landed: dict[str, dict[str, int]] = {}
        for i in range(KILLS):
            db = tmp_path / f"kill{i}.duckdb"
            shutil.copy(base, db)
            target = rng.choice(names)
            marks, status = zygote.run(db, big, kill_after=target, delay=rng.uniform(0, took[target]))
            last = marks[-1][0]
            killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
            assert killed or (status == 0 and last == "closed"), (status, marks)
            state = _snapshot(db)
            if state == before:
                outcome = "before"
            elif _masked(state) == after:
                outcome = "after"
            else:
                pytest.fail(f"kill {i} after {last!r}: the store is neither as before nor as after")
            step = names.index(last)
            if step < names.index("COMMIT"):
                assert outcome == "before", f"kill {i} after {last!r}: committed before COMMIT was sent"
            elif step >= names.index("COMMITTED"):
                assert outcome == "after", f"kill {i} after {last!r}: COMMIT returned but the import is lost"
            landed.setdefault(last, {"before": 0, "after": 0})[outcome] += 1
            db.unlink()  # (reading the snapshot was the next command, and it worked)
            db.with_name(db.name + ".wal").unlink(missing_ok=True)
    finally:
        zygote.close()
    print(f"\n{KILLS} imports killed; last step reached -> store as before / as after:")
    for name in names:
        if name in landed:
            print(f"  {name:<18} {landed[name]['before']:>3} {landed[name]['after']:>3}")
    total = {o: sum(v[o] for v in landed.values()) for o in ("before", "after")}
    print(f"  {'all':<18} {total['before']:>3} {total['after']:>3}")
    assert sum(total.values()) == KILLS
    assert total["before"] and total["after"]  # the kills straddled the commit
    assert any(names.index(n) > names.index("BEGIN TRANSACTION") for n in landed if n != "closed")


def test_two_imports_at_once_serialise_or_say_the_store_is_busy(tmp_path: Path) -> None:
    N = 200  # deals each import adds
    db = tmp_path / "web.duckdb"
    with open_store(db) as store:
        store.import_path(write_sample(tmp_path / "sample"))
    one = _write_big(tmp_path / "one", N)
    two = _write_big(tmp_path / "two", N)
    (two / "deals.csv").write_text((two / "deals.csv").read_text().replace("G", "H"))
    cli = [sys.executable, "-c", "from circularity.cli import main; main()", "ledger", "import"]
    procs = [
        subprocess.Popen(
            [*cli, str(f), "--db", str(db)], stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        for f in (one, two)
    ]
    results = [(p.communicate(timeout=600)[1], p.returncode) for p in procs]
    for err, code in results:
        assert "Traceback" not in err, err
        if code != 0:  # refused: one clear line, and it says why
            assert code == 1 and "in use by another process" in err and err.strip().count("\n") == 0, err
    ok = sum(code == 0 for _, code in results)
    assert ok >= 1
    with open_store(db) as store:
        deals = store.ledger().counts()["deals"]
        imports = len(store.imports())
    assert deals == 6 + N * ok  # each import that succeeded is whole; a refused one left nothing
    assert imports == 1 + ok
    print(f"\ntwo concurrent imports: {ok} succeeded (serialised), {2 - ok} refused as busy")
