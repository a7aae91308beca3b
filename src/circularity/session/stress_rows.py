"""A stress-test result as JSON-ready rows, totals and assumptions, the same for every shell.

The dashboard's table, the API's ``/api/stress`` answer and the report's stress section all read
:func:`format_stress`, so a column means the same thing wherever it is shown.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["STRESS_COLUMNS", "format_stress"]

#: The stress table's columns, in order, as every shell labels them.
STRESS_COLUMNS: tuple[dict[str, Any], ...] = (
    {"key": "name", "label": "entity", "numeric": False, "percent": False},
    {"key": "pay_share", "label": "pays", "numeric": True, "percent": True},
    {"key": "obligations_usd_bn", "label": "owes ($bn)", "numeric": True, "percent": False},
    {"key": "receipts_lost_usd_bn", "label": "receipts lost ($bn)", "numeric": True, "percent": False},
    {"key": "equity_loss_usd_bn", "label": "equity loss ($bn)", "numeric": True, "percent": False},
    {"key": "market_value_usd_bn", "label": "market value ($bn)", "numeric": True, "percent": False},
    {"key": "market_value_lost_usd_bn", "label": "value lost ($bn)", "numeric": True, "percent": False},
    {"key": "mv_change_pct", "label": "change", "numeric": True, "percent": True},
    {"key": "defaulted", "label": "default", "numeric": False, "percent": False},
)


def format_stress(result: Any, service: Any, scenario: int = 0) -> dict[str, Any]:
    """Scenario ``scenario`` of a :class:`~circularity.stress.StressResult` as JSON rows, totals
    and assumptions: the rows of ``result.to_frame(scenario)``, in its order."""
    from circularity.stress.losses import LOSS_PARTS

    s = scenario
    names = service.entity_names(result.as_of)
    obligations = result.obligations_base[s]
    mv_change = result.mv_change[s]
    lost = result.receipts_lost[s]
    order = result.row_order(s)  # to_frame's rows, in its order
    value_lost = np.where(np.isnan(mv_change), np.nan, np.maximum(0.0, -mv_change))
    columns = {
        "pay_share": result.pay_share[s],
        "obligations_usd_bn": obligations,
        "receipts_lost_usd_bn": lost,
        "equity_loss_usd_bn": result.equity_loss[s],
        "stake_loss_usd_bn": result.stake_loss[s],
        "market_value_usd_bn": result.market_value,
        "market_value_lost_usd_bn": value_lost,
        "mv_change_pct": result.mv_change_pct[s],
        "market_value_after_usd_bn": result.losses.value_after[s],
        **{f"{part}_usd_bn": getattr(result.losses, part)[s] for part in LOSS_PARTS},
        "distance_to_default_before": result.losses.distance_to_default_before[s],
        "distance_to_default_after": result.losses.distance_to_default_after[s],
    }
    defaulted = result.defaulted[s][order].tolist()
    ids = [result.entities[i] for i in order]
    keys = ("id", "name", *columns, "defaulted")
    values = zip(
        ids,
        [names.get(e, e) for e in ids],
        *(_nums(v[order]) for v in columns.values()),
        defaulted,
        strict=True,
    )
    rows = [dict(zip(keys, row, strict=True)) for row in values]
    a = result.assumptions
    return {
        "as_of": result.as_of,
        "model": result.model,
        "from_quarter": result.from_quarter,
        "to_quarter": result.to_quarter,
        "columns": [dict(c) for c in STRESS_COLUMNS],
        "rows": rows,
        "totals": {k: float(v) for k, v in result.totals(s).items()},
        "defaulted": [e for e, d in zip(ids, defaulted, strict=True) if d],
        "articles": result.article_comparison(s),
        "assumptions": {k: {"value": a.values[k], "source": a.sources.get(k, "")} for k in a.values},
    }


def _nums(values: Any) -> list[float | None]:
    """Floats, with None for NaN and infinities (JSON has neither)."""
    return [v if math.isfinite(v) else None for v in np.asarray(values, dtype=float).tolist()]
