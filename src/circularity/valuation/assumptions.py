"""The valuation assumptions (``valuation/assumptions.yaml``): one set for every market valuation.

The projection values entities with them each quarter, and the stress test starts from them (its
own assumptions added), so the two never disagree on a risk-free rate or a volatility.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

__all__ = ["valuation_assumptions"]


@cache
def _raw() -> dict[str, dict[str, Any]]:
    text = (resources.files("circularity.valuation") / "assumptions.yaml").read_text(encoding="utf-8")
    raw: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return raw


def valuation_assumptions() -> tuple[dict[str, Any], dict[str, str]]:
    """``(values, sources)``: each assumption's value and its source or reason (fresh dicts)."""
    raw = _raw()
    return {k: v["value"] for k, v in raw.items()}, {k: str(v["source"]) for k, v in raw.items()}
