"""Stress tests and projections in a process of their own, off the event loop's GIL.

Model code is CPU-bound Python and numpy. Run in a thread of the server process it takes turns
with the event loop for the GIL, and under load every request waits for both. The model process
holds its own copy of the ledger (every record, sent once at start-up) and compiled webs, and
answers whole batches (see :mod:`circularity.api.batching`); the server caches what comes back.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import date
from functools import partial
from typing import Any

from circularity.api.service import PROJECT_RECORD, Service
from circularity.ledger import Ledger

__all__ = ["ModelProcess"]

_SERVICE: Service | None = None


def _begin(full: Ledger, dataset: str, parent: int) -> None:
    global _SERVICE
    _SERVICE = Service(snapshot=full, dataset=dataset)
    threading.Thread(target=_follow, args=(parent,), daemon=True, name="circularity-follow").start()


def _follow(parent: int) -> None:
    """End this process when the server is gone, however it ended (a killed server cannot
    shut its pool down, and this process holds both ends of its own task pipe)."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def _call(fn: Callable[..., Any], *args: Any) -> Any:
    assert _SERVICE is not None, "the model process was not started with a ledger"
    return fn(_SERVICE, *args)


def _warm(service: Service) -> None:
    """Compile what the first requests need: every preset's web and today's stress web."""
    from circularity.projection import PRESETS

    for preset in PRESETS:
        service.project(preset, None, {}, record=PROJECT_RECORD)
    service.stress_inputs(date.today())


class ModelProcess:
    """One worker process with a :class:`Service` over a snapshot of the server's ledger.

    ``executor`` runs ``bind(fn)`` callables, which call ``fn(service, *args)`` in that
    process; ``fn`` must be a module-level function (it is pickled by name).
    """

    def __init__(self, full: Ledger, dataset: str = "ai") -> None:
        self.executor = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_begin,
            initargs=(full, dataset, os.getpid()),
        )

    @staticmethod
    def bind(fn: Callable[..., Any]) -> Callable[..., Any]:
        """``fn(service, *args)`` as a picklable callable of ``*args`` for :attr:`executor`."""
        return partial(_call, fn)

    def warm(self) -> Future[Any]:
        """Start the process and compile the webs in the background."""
        return self.executor.submit(_call, _warm)

    def close(self) -> None:
        """Stop taking work; the process ends when it sees the server gone (see :func:`_follow`)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
