"""Blocks on threads: the projection and the in-process Monte Carlo give the same bits on 1 or 2."""

from __future__ import annotations

import numpy as np
import pytest

from circularity._threads import available_threads, one_thread
from circularity.errors import OptionError
from circularity.ledger import load
from circularity.projection import load_scenario, run_projection
from circularity.projection.pipeline import compile_for
from circularity.projection.projector import BLOCK


@pytest.fixture(scope="module")
def setup():  # type: ignore[no-untyped-def]
    sc = load_scenario("funding-freeze", ())
    return compile_for(sc, load("ai")), sc


def test_two_threads_give_the_same_bits_as_one(setup) -> None:  # type: ignore[no-untyped-def]
    web, sc = setup
    S = BLOCK + 200  # two blocks of unequal size
    rng = np.random.default_rng(3)
    ov = {
        "globals.gpu_life_years": rng.uniform(3, 6, S),
        "entities.openai.revenue_scale": rng.uniform(0.3, 1.5, S),  # some draws default, some not
    }
    ticks: list[tuple[int, int]] = []
    one = run_projection(web, sc, ov, threads=1)
    two = run_projection(web, sc, ov, threads=2, progress=lambda d, t: ticks.append((d, t)))
    assert one.data.keys() == two.data.keys()
    for c in one.data:
        np.testing.assert_array_equal(one.data[c], two.data[c], err_msg=c)
    for k in one.headline_arrays:
        np.testing.assert_array_equal(one.headline_arrays[k], two.headline_arrays[k], err_msg=k)
    np.testing.assert_array_equal(one.cut, two.cut)
    assert one.data["defaulted"].any() and not one.data["defaulted"].all()  # a test that can fail
    # progress from two threads: one count, never backwards, ending at the total
    done = [d for d, _ in ticks]
    assert done == sorted(done) and ticks[-1][0] == ticks[-1][1]


def test_thread_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCULARITY_THREADS", "3")
    assert available_threads() == 3
    for bad in ("two", "0"):
        monkeypatch.setenv("CIRCULARITY_THREADS", bad)
        with pytest.raises(OptionError, match="CIRCULARITY_THREADS"):
            available_threads()
    monkeypatch.delenv("CIRCULARITY_THREADS")
    assert available_threads() >= 1
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1, initializer=one_thread) as pool:  # a pool's thread runs one block at a time
        assert pool.submit(available_threads).result() == 1
