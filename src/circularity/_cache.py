"""The one cache mechanism of circularity: a thread-safe LRU with single flight.

Models hold no caches (they return prepared objects: a compiled web, a prepared stress base, a
clearing pattern with its factorisation); the session keeps those and the results derived from
them in a :class:`SingleFlightCache`, keyed on what they were computed from. A
:class:`~circularity.ledger.Ledger` keeps the values derived from its own views in one too
(:meth:`~circularity.ledger.Ledger.derived`), so they live and die with the ledger, with no
module-level table. The LRU itself is :class:`cachetools.LRUCache`; what this module adds is
*single flight*: while one thread computes a missing key, other threads asking for it wait for
that result instead of computing it again (a dozen identical dashboard requests arriving together
cost one model run). It sits in the foundation layer so that every layer may use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

from cachetools import LRUCache

__all__ = ["SingleFlightCache"]

T = TypeVar("T")


class _Flight:
    """One computation in progress; its waiters block on ``done``."""

    __slots__ = ("done", "error", "value")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


class SingleFlightCache:
    """``maxsize`` values, least recently used dropped first; concurrent misses of one key share
    one computation.

    Examples
    --------
    >>> cache = SingleFlightCache(maxsize=2)
    >>> cache.get_or_set("a", lambda: 1), cache.get_or_set("a", lambda: 2)
    (1, 1)
    >>> cache.peek("b") is None
    True
    """

    def __init__(self, maxsize: int) -> None:
        self._data: LRUCache[Hashable, Any] = LRUCache(maxsize=maxsize)
        self._flights: dict[Hashable, _Flight] = {}
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[type[SingleFlightCache], tuple[int]]:
        """A copy (pickled, deep-copied) starts empty with the same size: what is kept, the lock
        and the computations in flight belong to this process."""
        return (type(self), (self.maxsize,))

    @property
    def maxsize(self) -> int:
        return int(self._data.maxsize)

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def peek(self, key: Hashable) -> Any | None:
        """The cached value (marked as recently used), or None; never computes."""
        with self._lock:
            return self._data.get(key)

    def get_or_set(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value under ``key``, computing it with ``make()`` once if missing.

        A caller that finds another computing the key waits for it and gets its value, or its
        exception (which is not cached: the next caller tries again).
        """
        with self._lock:
            if key in self._data:
                return cast(T, self._data[key])
            flight = self._flights.get(key)
            owner = flight is None
            if flight is None:
                flight = self._flights[key] = _Flight()
        if not owner:
            flight.done.wait()
            if flight.error is not None:
                raise flight.error
            return cast(T, flight.value)
        try:
            value = make()
        except BaseException as exc:
            flight.error = exc
            with self._lock:
                self._flights.pop(key, None)
            flight.done.set()
            raise
        with self._lock:
            self._data[key] = value
            self._flights.pop(key, None)
        flight.value = value
        flight.done.set()
        return value
