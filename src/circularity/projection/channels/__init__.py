"""The channels of the argument: capacity, the GPU fleet by vintage, the debt ladder, required revenue.

Each module holds one channel as small pure functions over ``(n, S)`` arrays, called from the
quarter's steps (:mod:`circularity.projection.steps`) when a scenario has a ``channels:`` section:

- :mod:`.fleet` — chips (economic life ``globals.gpu_life_years``) apart from buildings and power;
  depreciation by vintage; replacement capex when a chip vintage reaches its life; collateral value
  of the chips (book value × a secondary-market price index) and the borrowing base of asset-backed
  lenders (loan-to-value × collateral); the loan-to-value covenant.
- :mod:`.debt_ladder` — fixed-coupon debt running off at its maturity, floating and new debt at the
  scenario's rate path plus the entity's spread; borrowing capacity as the tightest of the leverage
  limit, the interest-cover limit and the borrowing base.
- :mod:`.capacity` — gigawatts contracted and delivered from the deals; power delays delivery and so
  the seller's revenue, while its construction spending continues; a compute buyer's revenue grows
  with the compute it receives; contracts that end renew at a GPU rental-price index.
- :mod:`.required_revenue` — the revenue the capex path needs: capital in service × (cost of
  capital + 1/economic life) / (1 − operating-cost ratio).

The channel's fixed arrays are a :class:`~.context.ChannelContext`, its stocks a
:class:`~.context.ChannelState`.
"""

from circularity.projection.channels.capacity import renew_contracts
from circularity.projection.channels.context import (
    ChannelContext,
    ChannelState,
    build_channels,
    initial_channels,
)

__all__ = ["ChannelContext", "ChannelState", "build_channels", "initial_channels", "renew_contracts"]
