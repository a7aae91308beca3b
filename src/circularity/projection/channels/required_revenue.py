"""Required revenue: what the model's own capex path needs, per entity and for the web.

``required = Σ_vintages capex_v · (k + 1/life_v) / (1 − c)`` a year, over the vintages in service:
chips (``gpu_life_years``) and buildings (``building_life_years``) bought in the horizon, ``k`` the
cost of capital (``channels.cost_of_capital``, moved with the rate path), ``c`` the entity's operating-cost ratio. Recorded
per quarter (a quarter of the yearly figure). Capital bought before the horizon is not in the
ledger and is not counted (so the figure is a floor for the early years).

This is the per-vintage lifetime requirement of Cahn (Sequoia 2023/2024), Bain (2025) and
J.P. Morgan (2025) computed on the engine's capex instead of published inputs
(``../shared/research/published-models.md`` §1, §4, §5).
"""

from __future__ import annotations

import numpy as np

from circularity._typing import Array
from circularity.projection.channels.context import ChannelContext

__all__ = ["required_revenue"]


def required_revenue(
    cc: ChannelContext, chip_gross: Array, bldg_gross: Array, inv_life_q: Array, t: int
) -> Array:
    """Quarterly required revenue ``(n, S)`` of the capital in service in quarter ``t``.

    ``inv_life_q`` is ``1 / chip life in quarters``; yearly capital charge ``k_t + 1/life`` with
    ``k_t`` the cost of capital moved one for one with the rate path (a constant risk premium).
    """
    k = cc.coc + cc.rate_delta[t]
    yearly = chip_gross * (k + 4.0 * inv_life_q)
    yearly += bldg_gross * (k + 4.0 * cc.bldg_inv)
    return np.asarray(yearly / (1.0 - cc.opex_req) / 4.0)
