"""Stress tests and projections in a process of their own, off the event loop's GIL.

Model code is CPU-bound Python and numpy. Run in a thread of the server process it takes turns
with the event loop for the GIL, and under load every request waits for both. The model process
holds its own copy of the ledger (every record, sent once at start-up) and compiled webs, and
answers whole batches (see :mod:`circularity.api.batching`); the server caches what comes back.

The two talk over one socket pair that the event loop itself watches: no helper thread in the
server has to win the GIL from the busy loop to hand a result over (with ``ProcessPoolExecutor``
that hand-over cost about 50 ms a call under load). The process is a fresh
interpreter running :func:`main` (``python -c _BOOT circularity.api.offload ...``), not a multiprocessing
child, so it never re-imports the script that
started the server (a script calling ``create_app()`` needs no ``__main__`` guard).

A model process dies with its server, promptly, even in the middle of a computation: on Linux the
kernel sends it SIGKILL when the server ends (``prctl(PR_SET_PDEATHSIG)``), and everywhere a watchdog
thread ends it once it has been re-parented (the server's pid is no longer its parent's). The signal
is set in the first lines the interpreter runs, before the seconds of imports. Without them it noticed
only when its current call returned and it read EOF, seconds of CPU later. (The kernel sends the
signal when the *thread* that started the process ends: that is the event loop's, which lives as
long as the server.)
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import itertools
import logging
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from circularity.errors import ModelProcessGone
from circularity.ledger import Ledger
from circularity.session.service import PROJECT_RECORD, Service

__all__ = ["WARM", "ModelProcess", "ModelProcessGone", "call_method", "start"]

log = logging.getLogger(__name__)


def call_method(service: Service, name: str, *args: Any) -> Any:
    """``service.<name>(*args)`` in the model process (see :attr:`Service.remote`)."""
    return getattr(service, name)(*args)


def _serve(conn: Connection, full: Ledger, dataset: str) -> None:
    """The model process: answer ``(id, fn, args)`` calls with ``fn(service, *args)`` until the
    server's end of the pipe closes (a clean stop, or a server that was killed)."""
    service = Service(snapshot=full, dataset=dataset)
    while True:
        try:
            call_id, fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = (call_id, True, fn(service, *args))
        except Exception as exc:  # noqa: BLE001 - sent back to the caller, as text if need be
            reply = (call_id, False, exc)
        try:
            conn.send(reply)
        except (EOFError, OSError, BrokenPipeError):
            return
        except Exception as exc:  # noqa: BLE001 - an answer or error that does not pickle
            conn.send((call_id, False, RuntimeError(f"{type(exc).__name__}: {exc}")))


def warm_projection(service: Service) -> None:
    """Compile every preset's web (the preset menu) before the first request."""
    from circularity.projection import PRESETS

    for preset in PRESETS:
        service.project(preset, None, {}, record=PROJECT_RECORD)
    gc.freeze()  # the ledger and webs live as long as the process: out of full collections


def warm_stress(service: Service) -> None:
    """Compile today's stress web before the first request."""
    service.stress_inputs(date.today())
    gc.freeze()


def warm_slow(service: Service) -> None:
    """Read the ledger in before the first null model."""
    service.full_ledger()
    gc.freeze()


#: What a model process compiles at start-up, by the kind of run it takes.
WARM = {"project": warm_projection, "stress": warm_stress, "slow": warm_slow}


#: The model process's first lines: tie its life to the server's before the seconds of imports
#: (numpy, pandas, the models) that follow, then serve. ``argv``: module, socket fd, snapshot, server pid.
_BOOT = """\
import ctypes, os, signal, sys
server = int(sys.argv[4])
if sys.platform.startswith("linux"):
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
if os.getppid() != server:
    os._exit(0)
from circularity.api.offload import main
main(int(sys.argv[2]), sys.argv[3], server)
"""


class ModelProcess:
    """One worker process with a :class:`Service` over a snapshot of the server's ledger.

    Start it, then :meth:`attach` it to the running event loop; :meth:`call` runs
    ``fn(service, *args)`` there (``fn`` a module-level function: it is pickled by name).
    """

    def __init__(self, snapshot: bytes) -> None:
        """Start the process on ``snapshot``, a pickled ``(ledger, dataset)`` (:func:`start`)."""
        with tempfile.NamedTemporaryFile(
            "wb", prefix="circularity-ledger-", suffix=".pickle", delete=False
        ) as f:
            f.write(snapshot)
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-c", _BOOT, __name__, str(theirs.fileno()), f.name, str(os.getpid())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
        )
        theirs.close()  # the process alone holds its end: it sees EOF when the server goes
        self._snapshot = Path(f.name)
        self._conn = Connection(ours.detach())
        self._ids = itertools.count()
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Let ``loop`` read answers as they arrive."""
        self._loop = loop
        loop.add_reader(self._conn.fileno(), self._read)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(service, *args)`` in the model process."""
        if self._loop is None or self._conn.closed:
            raise ModelProcessGone("the model process is not running")
        call_id = next(self._ids)
        future = self._waiting[call_id] = self._loop.create_future()
        self._conn.send((call_id, fn, args))
        return await future

    def call_from_thread(self, fn: Callable[..., Any], *args: Any) -> Any:
        """:meth:`call` from a worker thread of the server, waiting for the answer there."""
        loop = self._loop
        if loop is None or self._conn.closed:
            raise ModelProcessGone("the model process is not running")
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise ModelProcessGone("not from the event loop: it would wait on itself")
        return asyncio.run_coroutine_threadsafe(self.call(fn, *args), loop).result()

    def _read(self) -> None:
        try:
            while self._conn.poll():
                call_id, ok, value = self._conn.recv()
                future = self._waiting.pop(call_id, None)
                if future is not None and not future.done():
                    future.set_result(value) if ok else future.set_exception(value)
        except (EOFError, OSError):
            log.warning("the model process ended; models now run in the server process")
            self._hang_up()

    def _hang_up(self) -> None:
        """Close our end (the process sees EOF and ends); calls still waiting fail. Never blocks."""
        if self._loop is not None and not self._conn.closed:
            self._loop.remove_reader(self._conn.fileno())
        if not self._conn.closed:
            self._conn.close()
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(ModelProcessGone("the model process ended"))
        self._waiting.clear()

    def close(self) -> None:
        """Stop the process (at server shutdown): hang up, give it two seconds, then end it."""
        self._hang_up()
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self.process.terminate()
        self._snapshot.unlink(missing_ok=True)


def start(full: Ledger, dataset: str, loop: asyncio.AbstractEventLoop) -> dict[str, ModelProcess]:
    """One model process per kind of run in :data:`WARM`, attached to ``loop`` and warming up;
    the ledger is pickled once for all of them."""
    snapshot = pickle.dumps((full, dataset), protocol=pickle.HIGHEST_PROTOCOL)
    processes = {}
    for kind, warm in WARM.items():
        process = processes[kind] = ModelProcess(snapshot)
        process.attach(loop)
        warming = loop.create_task(process.call(warm))
        warming.add_done_callback(lambda t: t.cancelled() or t.exception())  # a failure shows later
    return processes


#: Seconds between the watchdog's looks at who its parent is.
WATCHDOG_PERIOD_S = 0.2

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def _parent_gone(server_pid: int) -> bool:
    return os.getppid() != server_pid


def die_with(server_pid: int) -> None:
    """End this process as soon as ``server_pid`` (its parent) ends, whatever it is computing.

    On Linux the kernel kills it with the parent (``PR_SET_PDEATHSIG``); a daemon thread checks the
    parent every :data:`WATCHDOG_PERIOD_S` seconds in case the signal is unavailable (another OS) or
    was set after the parent had already gone. The thread wins the GIL from numpy and Python code
    alike within the interpreter's switch interval, so a long call does not delay it.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass
    if _parent_gone(server_pid):
        os._exit(0)

    def watch() -> None:
        while not _parent_gone(server_pid):
            threading.Event().wait(WATCHDOG_PERIOD_S)
        os._exit(0)  # no cleanup to do: the server removed the snapshot, and nothing else is ours

    threading.Thread(target=watch, name="circularity-watchdog", daemon=True).start()


def main(fd: int, snapshot: str, server_pid: int | None = None) -> None:
    """``python -m circularity.api.offload FD SNAPSHOT [SERVER_PID]``: serve model calls on socket
    ``FD`` over the pickled ``(ledger, dataset)`` in ``SNAPSHOT`` (a file the server wrote; removed),
    ending with the server ``SERVER_PID`` (:func:`die_with`)."""
    if server_pid is not None:
        die_with(server_pid)
    path = Path(snapshot)
    with path.open("rb") as f:
        full, dataset = pickle.load(f)
    path.unlink(missing_ok=True)
    _serve(Connection(fd), full, dataset)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else None)
