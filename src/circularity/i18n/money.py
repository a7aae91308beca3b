"""Money in each language's convention: ``$12.3bn`` in English; 億 (10⁸) and 萬億 (10¹²) US
dollars in Chinese, as Chinese financial writing counts (1 bn = 10 億)."""

from __future__ import annotations

import math

__all__ = ["money"]

_UNITS = {"zh-Hans": ("亿美元", "万亿美元"), "zh-Hant": ("億美元", "萬億美元")}


def _digits(x: float) -> int:
    return 0 if abs(x) >= 100 or float(x).is_integer() else 1


def money(usd_bn: float | None, lang: str = "en") -> str:
    """Format an amount given in USD billions; ``–`` for a missing figure (never a silent 0).

    >>> money(1234.5), money(1234.5, "zh-Hant"), money(12.3, "zh-Hans")
    ('$1,234bn', '1.23萬億美元', '123亿美元')
    """
    if usd_bn is None or not math.isfinite(usd_bn):
        return "–"
    if lang not in _UNITS:
        sign = "-" if usd_bn < 0 else ""  # -$632bn, not $-632bn
        return f"{sign}${abs(usd_bn):,.{_digits(usd_bn)}f}bn"
    yi, wanyi = _UNITS[lang]
    if abs(usd_bn) >= 1000:  # 1,000 bn = 1 萬億
        return f"{usd_bn / 1000:,.2f}{wanyi}"
    yis = usd_bn * 10
    return f"{yis:,.{_digits(yis)}f}{yi}"
