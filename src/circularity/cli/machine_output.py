"""JSON for machines: always valid JSON, never ``NaN`` or ``Infinity`` literals.

A non-finite number (an undefined ratio of an all-zero web, an overflow on amounts near 1e308)
is written as ``null``, which every JSON reader accepts and which says "unknown" rather than a
number; ``json.dumps(..., allow_nan=False)`` then guarantees no literal slips through.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["finite", "to_json"]


def finite(data: Any) -> Any:
    """``data`` with every NaN and infinity (floats and NumPy scalars) replaced by ``None``."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [finite(v) for v in data]
    item = getattr(data, "item", None)  # a NumPy scalar
    if callable(item) and type(data).__module__ == "numpy":
        return finite(item())
    return data


def to_json(data: Any, *, indent: int | None = 2, ensure_ascii: bool = False, default: Any = None) -> str:
    """Serialise ``data`` as strict JSON (non-finite numbers as ``null``)."""
    import json

    return json.dumps(
        finite(data), indent=indent, ensure_ascii=ensure_ascii, default=default, allow_nan=False
    )
