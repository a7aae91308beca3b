"""The one cache mechanism (session, ledger): an LRU (cachetools) with single flight."""

from __future__ import annotations

import threading
import time

import pytest

from circularity._cache import SingleFlightCache


def test_concurrent_misses_of_one_key_share_one_computation() -> None:
    cache = SingleFlightCache(maxsize=4)
    calls = 0
    started = threading.Event()
    release = threading.Event()

    def make() -> int:
        nonlocal calls
        calls += 1
        started.set()
        release.wait(10)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(cache.get_or_set("k", make))) for _ in range(8)]
    threads[0].start()
    assert started.wait(10)
    for t in threads[1:]:
        t.start()
    time.sleep(0.2)  # the seven others are waiting on the first one's flight
    release.set()
    for t in threads:
        t.join(10)
    assert got == [42] * 8
    assert calls == 1


def test_an_error_reaches_every_waiter_and_is_not_kept() -> None:
    cache = SingleFlightCache(maxsize=4)

    def fail() -> int:
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError):
        cache.get_or_set("k", fail)
    assert cache.peek("k") is None and len(cache) == 0
    assert cache.get_or_set("k", lambda: 7) == 7  # the next caller computes again


def test_the_least_recently_used_value_goes_first() -> None:
    cache = SingleFlightCache(maxsize=2)
    cache.get_or_set("a", lambda: 1)
    cache.get_or_set("b", lambda: 2)
    assert cache.peek("a") == 1  # a is now the most recently used
    cache.get_or_set("c", lambda: 3)
    assert cache.peek("b") is None
    assert (cache.peek("a"), cache.peek("c"), len(cache), cache.maxsize) == (1, 3, 2, 2)
