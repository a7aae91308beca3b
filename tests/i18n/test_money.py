"""Money in each language's convention: $bn in English, 億/萬億 (亿/万亿) US dollars in Chinese."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from circularity.i18n import money


@pytest.mark.parametrize(
    ("usd_bn", "lang", "text"),
    [
        (12.3, "en", "$12.3bn"),
        (1234.5, "en", "$1,234bn"),
        (-631.8, "en", "-$632bn"),
        (-0.4, "en", "-$0.4bn"),
        (-63.2, "zh-Hant", "-632億美元"),
        (12.3, "zh-Hans", "123亿美元"),
        (0.35, "zh-Hant", "3.5億美元"),
        (315.0, "zh-Hant", "3,150億美元"),
        (1234.5, "zh-Hant", "1.23萬億美元"),
        (2141.0, "zh-Hans", "2.14万亿美元"),
        (None, "zh-Hant", "–"),
        (math.nan, "en", "–"),
    ],
)
def test_money(usd_bn: float | None, lang: str, text: str) -> None:
    assert money(usd_bn, lang) == text


@given(st.floats(min_value=0.05, max_value=999.0))
def test_yi_is_a_tenth_of_a_billion(x: float) -> None:
    """Read back, the 億 figure is ten times the billions (to its printed precision)."""
    text = money(x, "zh-Hant")
    assert text.endswith("億美元") and "萬" not in text
    assert abs(float(text.removesuffix("億美元").replace(",", "")) - 10 * x) <= 0.05 + 0.5 * (10 * x >= 100)
