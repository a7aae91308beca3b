"""Cache misses that arrive together run as one vectorised model call.

The stress test and the projection engine take many scenarios in one call for little more than
the cost of one. Under load, requests that miss the cache while a run of their group is in
flight wait for the next run of that group, which takes all of them at once, instead of each
taking its own turn in the model pool.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Hashable
from concurrent.futures import Executor
from typing import Any

from circularity.api.errors import ApiError
from circularity.errors import CircularityError

__all__ = ["Batcher"]

#: Most items one run takes; more wait for the next run of their group.
MAX_ITEMS = 512

log = logging.getLogger(__name__)

Answers = list[tuple[tuple[Any, ...], Any]]


class _Batch:
    __slots__ = ("done", "items", "started")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.started = False
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class Batcher:
    """Gathers items per group and runs ``answer(group, items)`` on ``executor``, one run of a
    group at a time (the next batch of that group gathers meanwhile), then hands each
    ``(key, value)`` it returns to ``store``.

    A caller finds its answer in the cache once :meth:`submit` returns, or computes it alone:
    an item ``answer`` leaves out (an invalid one) or a run that fails gets its own error that
    way. One Batcher per app and event loop.
    """

    def __init__(
        self,
        answer: Callable[[Hashable, list[Any]], Answers],
        store: Callable[[tuple[Any, ...], Any], None],
        executor: Executor,
        *,
        seconds: float,
    ) -> None:
        self.answer, self.store, self.executor = answer, store, executor
        self._seconds = seconds
        self._pending: dict[Hashable, _Batch] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def submit(self, group: Hashable, item: Any) -> None:
        """Add ``item`` to the next run of ``group`` and wait until that run has finished."""
        batch = self._pending.get(group)
        if batch is None or batch.started or len(batch.items) >= MAX_ITEMS:
            batch = self._pending[group] = _Batch()
            asyncio.get_running_loop().create_task(self._start(group, batch))
        batch.items.append(item)
        try:
            await asyncio.wait_for(asyncio.shield(batch.done), self._seconds)
        except TimeoutError:
            raise ApiError(
                504,
                f"the run did not finish within the limit of {self._seconds:g} s; "
                "run it from the command line instead",
                detail={"limit_seconds": self._seconds},
            ) from None

    async def _start(self, group: Hashable, batch: _Batch) -> None:
        lock = self._locks.setdefault(group, asyncio.Lock())
        async with lock:
            batch.started = True
            if self._pending.get(group) is batch:
                del self._pending[group]
            try:
                answers = await asyncio.get_running_loop().run_in_executor(
                    self.executor, self.answer, group, batch.items
                )
                for key, value in answers:
                    self.store(key, value)
            except CircularityError:
                pass  # each waiting request computes alone and gets the error that says why
            except Exception:  # noqa: BLE001 - as above; unexpected, so logged
                log.warning("a batched run of %r failed; its requests run one by one", group, exc_info=True)
            finally:
                batch.done.set_result(None)
