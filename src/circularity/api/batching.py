"""Cache misses that arrive together run as one vectorised model call.

The stress test and the projection engine take many scenarios in one call for little more than
the cost of one. Under load, requests that miss the cache while a run is in flight wait for
the next run, which takes all of them at once, grouped by what can share an engine call
(the stress test of one date and model, the projection of one preset and lever set).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

from circularity.api.timing import too_slow
from circularity.errors import CircularityError

__all__ = ["Batcher", "answer_all"]

log = logging.getLogger(__name__)

Answers = list[tuple[tuple[Any, ...], Any]]
Work = list[tuple[Hashable, list[Any]]]


class _Batch:
    __slots__ = ("done", "items")

    def __init__(self) -> None:
        self.items: list[Any] = []
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()


class Batcher:
    """Gathers items per group; one run at a time takes every group gathered so far,
    ``await run([(group, items), ...])``, and hands each ``(key, value)`` it returns to
    ``store``.

    One run in flight keeps the model process (or the GIL) to one call, so a run's fixed cost
    (process round trip, engine set-up) is paid once for everything that arrived meanwhile. A
    caller finds its answer in the cache once :meth:`submit` returns, or computes it alone: an
    item ``answer`` leaves out (an invalid one) or a run that fails gets its own error that way.
    One Batcher per app and event loop.
    """

    def __init__(
        self,
        run: Callable[[Work], Awaitable[Answers]],
        store: Callable[[tuple[Any, ...], Any], None],
        *,
        seconds: float,
    ) -> None:
        self.run, self.store = run, store
        self._seconds = seconds
        self._pending: dict[Hashable, _Batch] = {}
        self._runner: asyncio.Task[None] | None = None

    async def submit(self, group: Hashable, item: Any) -> None:
        """Add ``item`` to the next run and wait until that run has finished."""
        batch = self._pending.get(group)
        if batch is None:
            batch = self._pending[group] = _Batch()
        batch.items.append(item)
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._drain())
        try:
            await asyncio.wait_for(asyncio.shield(batch.done), self._seconds)
        except TimeoutError:
            raise too_slow(self._seconds) from None

    async def _drain(self) -> None:
        try:
            while self._pending:
                batches, self._pending = self._pending, {}
                work = [(group, b.items) for group, b in batches.items()]
                try:
                    for key, value in await self.run(work):
                        self.store(key, value)
                except Exception:  # noqa: BLE001 - each waiter computes alone and gets its own error
                    log.warning("a batched model run failed; its requests run one by one", exc_info=True)
                finally:
                    for b in batches.values():
                        b.done.set_result(None)
        finally:
            self._runner = None


def answer_all(service: Any, work: Work) -> Answers:
    """Answers of every group of a run: ``("stress", date, model, alpha, beta)`` and
    ``("project", preset, as_of, lever paths)`` groups, each by its route's ``answers``.

    A group that fails is left out (its requests then compute alone and get their own error)."""
    from circularity.api.routers import projection, stress

    answers: dict[str, Callable[[Any, tuple[Any, ...], list[Any]], list[tuple[Any, Any]]]] = {
        "stress": stress.answers,
        "project": projection.answers,
    }
    out: Answers = []
    for group, items in work:
        assert isinstance(group, tuple), group  # every route groups by a tuple led by its kind
        kind, rest = str(group[0]), group[1:]
        try:
            out += answers[kind](service, rest, items)
        except CircularityError:
            continue
        except Exception:  # noqa: BLE001 - as above; unexpected, so logged
            log.warning("batched %s run failed; its requests run one by one", kind, exc_info=True)
    return out
