"""Market-value losses of a stress test, decomposed per entity into parts that sum to the total.

Pure arrays in, arrays out; every per-entity array is ``(S, n)`` (scenarios × entities) or
broadcasts to it. Losses are positive USD bn of equity value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circularity._typing import Array
from circularity.errors import ConvergenceError
from circularity.valuation.merton import credit_spread, distance_to_default, merton_equity

__all__ = ["LOSS_PARTS", "LossParts", "decompose_losses"]


#: The parts of an entity's equity loss, in the order the tables print them.
LOSS_PARTS: tuple[str, ...] = (
    "lost_margin",
    "stranded_assets",
    "discount_rate_effect",
    "stake_losses",
    "credit_losses",
    "own_loss",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class LossParts:
    """Each part of each entity's loss and its values before and after (``(S, n)``).

    ``lost_margin + stranded_assets + discount_rate_effect + stake_losses + credit_losses +
    own_loss == value_before - value_after`` exactly for every entity with a known value.
    """

    lost_margin: Array
    stranded_assets: Array
    discount_rate_effect: Array
    stake_losses: Array
    credit_losses: Array
    own_loss: Array
    value_before: Array
    value_after: Array
    distance_to_default_before: Array
    distance_to_default_after: Array
    credit_spread_before: Array
    credit_spread_after: Array
    iterations: int

    @property
    def total(self) -> Array:
        return np.asarray(self.value_before - self.value_after)


def decompose_losses(
    *,
    E0: Array,
    V0: Array,
    sigma_V: Array,
    D: Array,
    r: float,
    T: float,
    H: Array,
    contract_lost: Array,
    credit_lost: Array,
    margin: Array,
    capacity_share: Array,
    relet_recovery: float,
    tax_rate: float,
    pv_factor: Array,
    shock: Array,
    shock_strike: Array,
    refinancing_years: float,
    outside_loss: Array | None = None,
    news_price: Array | float | None = None,
    tol: float = 1e-9,
    max_iter: int = 200,
) -> LossParts:
    """Revalue every entity after a shock, part by part.

    Parameters
    ----------
    E0, V0, sigma_V, D : (n,) equity before (NaN if unknown), Merton assets and their volatility,
        face of debt (0 where unreported).
    r, T : risk-free rate and Merton horizon (years).
    H : (n, n) ``H[i, j]`` share of ``j``'s equity held by ``i``.
    contract_lost, credit_lost : (S, n) receipts lost on contracts (compute, chips, leases,
        backstops) and on loans (interest and principal), nominal USD bn.
    margin : (n,) EBITDA margin on contract receipts (costs avoided are the rest).
    capacity_share : (n,) capacity cost per dollar of contract receipts for providers whose
        capacity is dedicated to the customer (0 for others).
    relet_recovery : share of stranded capacity's cost recovered by re-letting it.
    tax_rate, pv_factor : tax on lost margin; (n,) present value per dollar of receipts spread
        over the window.
    shock : (S, n) share of what a shocked entity fails to pay (0 = not shocked).
    shock_strike : (n,) what a shocked entity owes (debt plus web obligations).
    refinancing_years : years of debt refinanced at the new spread.
    outside_loss : (S, n) a loss applied directly to an entity's assets (a GAAP loss, a write-off:
        FragilityGraph's "OpenAI loses $10B"), USD bn; part of ``own_loss``.
    news_price : the market's price of a dollar of contract cancelled (USD of value lost per USD
        of contract, positive): the calibrated coefficient of ``circularity reactions --fit``
        (``cancelled``, sign flipped). Given, the operating loss on lost contract receipts is
        ``news_price · contract lost``, of which the stranded capacity (below) is the part
        written off the assets and the rest is ``lost_margin``; None: the margin rule below.

    Returns
    -------
    LossParts

    Raises
    ------
    ConvergenceError
        If stakes marked to issuers' new values do not settle within ``max_iter`` rounds.

    Notes
    -----
    Operating losses come off the firm's assets ``V``:
    ``lost margin = max(m - c, 0)(1 - tax) PV · contract lost`` (margin after the dedicated
    capacity's cost ``c``), ``stranded = c (1 - ρ) · contract lost``, ``credit = PV · credit
    lost``, ``stakes = Σ_j H_ij (E0_j - E1_j)``; with ``news_price`` ``p`` the market's price
    replaces the margin rule: ``stranded = min(c (1 - ρ), p) · contract lost``, ``lost margin =
    p · contract lost - stranded``; then ``E1 = Merton(V0 - losses)`` less the
    wider spread on refinanced debt, iterated until stakes settle (losses only grow, so the
    iteration is monotone). The discount-rate effect is what the equity loses beyond (or, as
    creditors share the loss, short of) the asset losses: ``(E0 - E1) - Σ asset losses``; it is
    zero for an unlevered firm. A shocked entity's assets are worth what its creditors recover,
    ``V1 = min(V0, (1 - shock) K)``; its equity is the Merton call on that with strike ``K``,
    all of it ``own_loss``, reaching zero only when it pays nothing. An ``outside_loss`` comes
    off the assets like the others and is counted in ``own_loss``.
    """
    known = np.isfinite(E0)
    E0z = np.where(known, E0, 0.0)
    V0z = np.where(known, V0, 0.0)
    sVz = np.where(known, sigma_V, 1.0)
    shocked = shock > 0
    S, n = shock.shape
    st = capacity_share * (1.0 - relet_recovery) * contract_lost
    if news_price is None:
        lm = np.maximum(margin - capacity_share, 0.0) * (1.0 - tax_rate) * pv_factor * contract_lost
    else:
        news = np.maximum(np.asarray(news_price, dtype=float), 0.0) * contract_lost
        st = np.minimum(st, news)
        lm = news - st
    cr = pv_factor * credit_lost
    lm, st, cr = (np.where(shocked | ~known, 0.0, x) for x in (lm, st, cr))
    out = np.zeros((S, n)) if outside_loss is None else np.where(shocked | ~known, 0.0, outside_loss)
    V1s = np.minimum(V0z, (1.0 - shock) * shock_strike)
    E1s = np.minimum(E0z, merton_equity(V1s, sVz, shock_strike, r, T))
    s0 = credit_spread(V0z, sVz, D, r, T)
    # a spread can widen only from a finite one: an entity of unknown value (assets held at 0 above)
    # or one whose debt is already worth nothing has no refinancing cost to add
    priced = np.isfinite(s0)
    E1 = np.where(shocked, E1s, np.broadcast_to(E0z, (S, n)))
    stake = np.zeros((S, n))
    delta = np.inf
    rounds = 0
    for rounds in range(1, max_iter + 1):  # noqa: B007 - the count is reported
        stake = np.where(shocked | ~known, 0.0, (E0z - E1) @ H.T)
        V1 = np.maximum(V0z - (lm + st + cr + stake + out), 0.0)
        E_new = merton_equity(V1, sVz, D, r, T)
        widen = np.subtract(credit_spread(V1, sVz, D, r, T), s0, out=np.zeros((S, n)), where=priced)
        refinance = np.maximum(widen, 0.0) * D * refinancing_years
        E_new = np.where(shocked, E1s, np.clip(E_new - np.nan_to_num(refinance, posinf=0.0), 0.0, E0z))
        delta = float(np.abs(E_new - E1).max()) if E1.size else 0.0
        E1 = E_new
        if delta <= tol * max(1.0, float(E0z.max(initial=0.0))):
            break
    else:
        raise ConvergenceError(
            "stakes marked to issuers' Merton values did not settle: check holdings for a cycle of shares "
            "summing to 1 or more, or raise max_iter",
            max_iter,
            delta,
        )
    stake = np.where(shocked | ~known, 0.0, (E0z - E1) @ H.T)
    V1 = np.where(shocked, V1s, np.maximum(V0z - (lm + st + cr + stake + out), 0.0))
    strike = np.where(shocked, shock_strike, D)
    total = E0z - E1
    own = np.where(shocked, total, out)
    dr = np.where(shocked, 0.0, total - (lm + st + cr + stake + out))
    nan = np.where(known, 0.0, np.nan)
    return LossParts(
        lost_margin=lm + nan,
        stranded_assets=st + nan,
        discount_rate_effect=dr + nan,
        stake_losses=stake + nan,
        credit_losses=cr + nan,
        own_loss=own + nan,
        value_before=np.broadcast_to(E0, (S, n)).copy(),
        value_after=E1 + nan,
        distance_to_default_before=np.broadcast_to(
            distance_to_default(V0z, sVz, D, r, T) + nan, (S, n)
        ).copy(),
        distance_to_default_after=distance_to_default(V1, sVz, strike, r, T) + nan,
        credit_spread_before=np.broadcast_to(s0 + nan, (S, n)).copy(),
        credit_spread_after=credit_spread(V1, sVz, strike, r, T) + nan,
        iterations=rounds,
    )
