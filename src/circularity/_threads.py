"""How many threads a vectorised model may use here: one rule for the projection and the runner.

The projection runs its scenario blocks on threads (numpy releases the GIL inside its loops), and
the in-process Monte Carlo runs its chunks on threads. Nested, they would ask for cores × cores
threads, so a task that already runs on a thread of a pool says so with :func:`one_thread`, and
a Dask worker process gets ``CIRCULARITY_THREADS=1`` in its environment.
"""

from __future__ import annotations

import os
from contextvars import ContextVar

from circularity.errors import OptionError

__all__ = ["available_threads", "on_pool_thread", "one_thread"]

_PINNED: ContextVar[int | None] = ContextVar("circularity_threads", default=None)


def available_threads() -> int:
    """Threads a model may run at once: 1 inside a pool's thread (:func:`one_thread`), else
    ``CIRCULARITY_THREADS`` when set, else the cores this process may use."""
    pinned = _PINNED.get()
    if pinned is not None:
        return pinned
    env = os.environ.get("CIRCULARITY_THREADS", "").strip()
    if env:
        try:
            k = int(env)
        except ValueError:
            raise OptionError(f"CIRCULARITY_THREADS: expected a whole number, got {env!r}") from None
        if k < 1:
            raise OptionError(f"CIRCULARITY_THREADS: expected at least 1, got {k}")
        return k
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def one_thread() -> None:
    """Pin the calling thread to one thread of work (a thread pool's initializer)."""
    _PINNED.set(1)


def on_pool_thread() -> bool:
    """Whether the calling thread is a pool's (:func:`one_thread` ran in it): its pool's owner
    holds the process-wide settings (one BLAS thread), so the task must not set and restore them
    itself while a sibling thread runs."""
    return _PINNED.get() is not None
