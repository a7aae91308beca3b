"""Draws depend on the seed and the draw index only, never on the chunking."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from circularity.montecarlo.distributions import parse_parameter_space
from circularity.montecarlo.sampling import draw_parameters, plan_chunks

SPACE = parse_parameter_space(
    {
        "g": {"dist": "triangular", "low": 0, "mode": 0.1, "high": 0.3},
        "life": {"dist": "discrete", "values": [3, 4, 5, 6]},
        "c": {"dist": "beta", "a": 4, "b": 1.5},
    },
    {"params": ["g", "c"], "matrix": [[1, 0.5], [0.5, 1]]},
)


@settings(max_examples=25, deadline=None)
@given(start=st.integers(0, 5000), length=st.integers(1, 3000))
def test_any_range_equals_the_slice_of_one_big_draw(start: int, length: int) -> None:
    whole = draw_parameters(SPACE, 11, 0, 8000, block_size=256)
    part = draw_parameters(SPACE, 11, start, start + length, block_size=256)
    for k in SPACE.names:
        np.testing.assert_array_equal(part[k], whole[k][start : start + length])


def test_different_seeds_give_different_draws() -> None:
    a = draw_parameters(SPACE, 1, 0, 1000)
    b = draw_parameters(SPACE, 2, 0, 1000)
    assert not np.array_equal(a["g"], b["g"])
    assert not np.array_equal(a["c"], b["c"])


def test_plan_chunks_are_whole_blocks_and_cover_the_run() -> None:
    chunks = plan_chunks(10_000, 3000, block_size=1024)
    assert [c.size for c in chunks[:-1]] == [3072] * 3
    assert chunks[0].start == 0 and chunks[-1].stop == 10_000
    assert all(a.stop == b.start for a, b in zip(chunks, chunks[1:], strict=False))
    with pytest.raises(ValueError, match="positive"):
        plan_chunks(0, 10)
