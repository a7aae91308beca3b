"""The quarter's steps, in order; each a pure function of the :class:`~circularity.projection.state.State`.

1. :func:`~.obligations.obligations_due` — what the web's contracts ask of each entity this quarter;
2. :func:`~.outside.outside_flows` — revenue, costs, capex, interest and tax with the world outside
   (after the dues, because operating costs scale with the web revenue expected);
3. :func:`~.financing.financing` — new debt and equity against the quarter's need, maturities;
4. :func:`~.clearing.clearing` — who pays what (greatest clearing vector), cash after payments;
5. :func:`~.resolution.resolution` — who defaults this quarter;
6. :func:`~.stocks.stock_update` — capital by vintage, debt, earnings, market value, funding need:
   the next :class:`~circularity.projection.state.State`.
"""

from circularity.projection.steps.clearing import Cleared, clearing
from circularity.projection.steps.financing import Financing, financing
from circularity.projection.steps.obligations import Dues, obligations_due
from circularity.projection.steps.outside import Outside, outside_flows
from circularity.projection.steps.resolution import (
    DefaultRecord,
    Resolved,
    relet,
    resolution,
    unpaid_outside,
    wound_down,
)
from circularity.projection.steps.stocks import stock_update

__all__ = [
    "DefaultRecord",
    "Cleared",
    "Dues",
    "Financing",
    "Outside",
    "Resolved",
    "clearing",
    "financing",
    "obligations_due",
    "outside_flows",
    "relet",
    "resolution",
    "stock_update",
    "unpaid_outside",
    "wound_down",
]
