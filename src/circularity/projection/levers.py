"""The dashboard's levers: which scenario parameter each slider overrides, and its bounds.

One table, read by the HTTP API (request validation, slider grids), the dashboard (``GET
/api/scenarios``), the sensitivity tornado and the report, so a bound is written once.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["LEVERS", "LEVER_PATHS", "lever_grid", "lever_overrides", "lever_sets"]

#: The sliders: key in a request, scenario parameter it overrides, bounds, step and display.
LEVERS: tuple[dict[str, Any], ...] = (
    {
        "key": "openai_revenue_scale",
        "path": "entities.openai.revenue_scale",
        "label": "OpenAI revenue vs its plan (×)",
        "min": 0.3,
        "max": 1.5,
        "step": 0.05,
        "default": 1.0,
        "digits": 2,
        "help": "Multiplies OpenAI's revenue path in the preset (1 = as the preset states).",
    },
    {
        "key": "gpu_life_years",
        "path": "globals.gpu_life_years",
        "label": "GPU useful life (years)",
        "min": 3.0,
        "max": 6.0,
        "step": 0.5,
        "default": None,
        "digits": 1,
        "help": "Depreciation life of hardware purchases.",
    },
    {
        "key": "credit_appetite",
        "path": "globals.credit_appetite",
        "label": "Credit appetite (1 = open)",
        "min": 0.0,
        "max": 1.0,
        "step": 0.05,
        "default": None,
        "format": "percent",
        "help": "New lending as a share of normal; replaces the preset's path for every quarter.",
    },
    {
        "key": "power_delivery",
        "path": "globals.power_delivery",
        "label": "Power delivered vs contracted",
        "min": 0.2,
        "max": 1.0,
        "step": 0.05,
        "default": None,
        "format": "percent",
        "help": "Share of contracted GW that comes online; slows GW-linked deals.",
    },
    {
        "key": "rate_floor",
        "path": "globals.rate_floor",
        "label": "Minimum rate on new and floating debt",
        "min": 0.0,
        "max": 0.2,
        "step": 0.01,
        "default": None,
        "format": "percent",
        "digits": 2,
        "help": "Floor on the rate new, refinanced and floating debt pays; fixed-rate bonds keep their coupons (0.14 is the rates-14pct preset).",
    },
)

#: Lever key → the scenario parameter path it overrides.
LEVER_PATHS: dict[str, str] = {lv["key"]: lv["path"] for lv in LEVERS}


def lever_grid(lever: Mapping[str, Any]) -> tuple[float, ...]:
    """Every position of a slider, ``min`` to ``max`` by ``step``, rounded to the step's digits.

    Examples
    --------
    >>> lever_grid({"min": 0.2, "max": 0.3, "step": 0.05})
    (0.2, 0.25, 0.3)
    """
    digits = max(0, -int(Decimal(str(lever["step"])).as_tuple().exponent))
    count = round((lever["max"] - lever["min"]) / lever["step"]) + 1
    return tuple(round(lever["min"] + i * lever["step"], digits) for i in range(count))


def lever_overrides(values: Mapping[str, float | None]) -> dict[str, float]:
    """Slider values by lever key as scenario overrides by path; a lever left out (None) is skipped."""
    return {LEVER_PATHS[k]: v for k, v in values.items() if v is not None}


def lever_sets(overrides: Mapping[str, float]) -> tuple[str, ...]:
    """Lever overrides as scenario ``--set`` strings (a new entity parameter needs a source).

    Examples
    --------
    >>> lever_sets({"globals.gpu_life_years": 4.0})
    ('globals.gpu_life_years=4.0',)
    """
    out: list[str] = []
    for path, value in overrides.items():
        if path.startswith("entities."):
            out += [f"{path}.value={value}", f"{path}.source=dashboard lever"]
        else:
            out.append(f"{path}={value}")
    return tuple(out)
