"""Each entity's market values at one instant: equity, enterprise value, Merton's assets, distance
to default and credit spread, vectorised over scenarios and entities.

One rule for every consumer (stress test, projection, dashboard): an entity's equity is its
reported market value where the ledger has one; otherwise it is filled from its financials by a
named method (its revenue times the median market-value/revenue of the entities of its kind that
report both, else of every operating entity that does); an entity with neither is unknown, and
stays NaN with the method saying so, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from circularity._typing import Array
from circularity.errors import ScenarioError
from circularity.valuation.merton import (
    credit_spread,
    default_probability,
    distance_to_default,
    solve_merton,
)

__all__ = [
    "EntityValues",
    "ValueLost",
    "fill_equity_values",
    "market_value_lost",
    "own_value",
    "value_entities",
    "volatility_by_kind",
]


#: Kinds that hold no operating business of their own (funds, lenders, governments, vehicles):
#: no revenue multiple is borrowed from or lent to them.
NON_OPERATING = frozenset({"investor", "lender", "government", "spv", "datacenter"})


def volatility_by_kind(kinds: Sequence[str], table: Mapping[str, float]) -> Array:
    """Equity volatility per entity from a kind → volatility table with a ``default`` entry.

    Raises
    ------
    ScenarioError
        No ``default``, or a volatility outside (0, 5).
    """
    if "default" not in table:
        raise ScenarioError("equity_volatility needs a 'default' entry for kinds it does not list")
    vol = np.array([float(table.get(k, table["default"])) for k in kinds])
    if not np.all((vol > 0) & (vol < 5)):
        raise ScenarioError(f"equity_volatility {dict(table)}: give annual volatilities in (0, 5)")
    return vol


def fill_equity_values(
    market_value: Any, revenue: Any, kinds: Sequence[str]
) -> tuple[Array, tuple[str, ...]]:
    """Reported market values, with unknown ones filled from revenue by a named peer multiple.

    Parameters
    ----------
    market_value, revenue : (n,) USD bn, NaN where unreported.
    kinds : (n,) ledger kinds.

    Returns
    -------
    values, methods : (n,) equity values (NaN where unknown) and the method behind each.

    Examples
    --------
    >>> v, m = fill_equity_values([100.0, float("nan")], [10.0, 5.0], ["chipmaker", "chipmaker"])
    >>> v.tolist(), m[1]
    ([100.0, 50.0], 'revenue 5.0 × median market value/revenue of chipmaker peers (10.0×, 1 peers)')
    """
    mv = np.asarray(market_value, dtype=float)
    rev = np.asarray(revenue, dtype=float)
    kind = np.asarray(kinds, dtype=object)
    operating = ~np.isin(kind, list(NON_OPERATING))
    both = np.isfinite(mv) & np.isfinite(rev) & (rev > 0) & operating
    out = mv.copy()
    methods: list[str] = []
    for i in range(mv.size):
        if np.isfinite(mv[i]):
            methods.append("reported market value")
            continue
        if not (np.isfinite(rev[i]) and rev[i] > 0 and operating[i]):
            methods.append("unknown: no market value, and no revenue to value it from")
            continue
        peers = both & (kind == kind[i])
        label = f"{kind[i]} peers"
        if not peers.any():
            peers, label = both, "operating entities"
        if not peers.any():
            methods.append("unknown: no peer with both market value and revenue")
            continue
        k = float(np.median(mv[peers] / rev[peers]))
        out[i] = k * rev[i]
        methods.append(
            f"revenue {rev[i]:.1f} × median market value/revenue of {label} ({k:.1f}×, {int(peers.sum())} peers)"
        )
    return out, tuple(methods)


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityValues:
    """Market values of ``n`` entities (arrays broadcast to ``(S, n)`` or ``(n,)``).

    Attributes
    ----------
    equity_value : market value of equity (USD bn); NaN where unknown.
    enterprise_value : equity + debt - cash (unreported debt or cash counted as none, see
        ``debt_known``).
    asset_value, asset_volatility : Merton's implied ``V`` and ``σ_V``.
    distance_to_default, default_probability, credit_spread : Merton's, at the horizon ``T``.
    debt_known : whether the ledger reports the entity's debt (else it is valued unlevered).
    merton_unsolved : where the equity is known but Merton's two equations could not be solved
        (:func:`~circularity.valuation.solve_merton` with ``on_failure="unknown"``): asset value,
        volatility, distance to default, probability and spread are unknown (NaN) there,
        counted by :attr:`n_merton_unsolved`, never a crash and never a guess.
    """

    equity_value: Array
    enterprise_value: Array
    asset_value: Array
    asset_volatility: Array
    distance_to_default: Array
    default_probability: Array
    credit_spread: Array
    debt_known: Array
    merton_unsolved: Array

    @property
    def n_merton_unsolved(self) -> int:
        """How many (scenario, entity) values Merton left unknown."""
        return int(np.count_nonzero(self.merton_unsolved))


def value_entities(
    equity_value: Any,
    equity_volatility: Any,
    debt: Any,
    cash: Any,
    risk_free: Any,
    horizon_years: float,
) -> EntityValues:
    """Merton values of many entities in many scenarios at once.

    Parameters
    ----------
    equity_value : (..., n) market value of equity (NaN where unknown: those stay NaN; 0 where
        a default wiped it: distance to default ``-inf``, probability 1).
    equity_volatility : (..., n) annual volatility of the equity.
    debt, cash : (..., n) USD bn; NaN (unreported) debt is valued as none and flagged.
    risk_free : scalar or (..., 1) annual rate (the scenario's rate in the quarter).
    horizon_years : Merton's debt maturity ``T``.

    Returns
    -------
    EntityValues

    Notes
    -----
    Solves ``(V, σ_V)`` from ``(E, σ_E)`` (:func:`~circularity.valuation.solve_merton`); the
    distance to default and spread follow. This is what a projection calls every quarter with
    the quarter's equity values, debt and rate.
    """
    E = np.asarray(equity_value, dtype=float)
    debt_arr = np.asarray(debt, dtype=float)
    known = np.isfinite(debt_arr)
    D = np.where(known, np.maximum(debt_arr, 0.0), 0.0)
    sig = np.asarray(equity_volatility, dtype=float)
    ok = np.isfinite(E) & (E > 0)
    E_safe = np.where(ok, E, 1.0)
    E_b, sig_b, D_b, r_b = np.broadcast_arrays(E_safe, sig, D, np.asarray(risk_free, dtype=float))
    fit = solve_merton(E_b, sig_b, D_b, r_b, horizon_years, on_failure="unknown")
    unsolved = ok & ~fit.converged
    solved = ok & fit.converged
    V = np.where(solved, fit.V, np.nan)
    sV = np.where(solved, fit.sigma_V, np.nan)
    # unsolved firms enter the formulas as a placeholder firm and are masked back to NaN
    Vs, sVs = np.where(solved, fit.V, 1.0), np.where(solved, fit.sigma_V, 1.0)
    dd = np.where(solved, distance_to_default(Vs, sVs, D_b, r_b, horizon_years), np.nan)
    pd_ = np.where(solved, default_probability(Vs, sVs, D_b, r_b, horizon_years), np.nan)
    cs = np.where(solved, credit_spread(Vs, sVs, D_b, r_b, horizon_years), np.nan)
    c = np.nan_to_num(np.asarray(cash, dtype=float))
    # equity worth nothing (a default resolved): a known zero, not an unknown; no distance left
    wiped = np.isfinite(E) & (E <= 0)
    dd = np.where(wiped, -np.inf, dd)
    pd_ = np.where(wiped, 1.0, pd_)
    cs = np.where(wiped, np.where(D_b > 0, np.inf, 0.0), cs)
    known_e = ok | wiped
    return EntityValues(
        equity_value=np.where(known_e, np.maximum(E, 0.0), np.nan),
        enterprise_value=np.where(known_e, np.maximum(E, 0.0) + D - c, np.nan),
        asset_value=V,
        asset_volatility=sV,
        distance_to_default=dd,
        default_probability=pd_,
        credit_spread=cs,
        debt_known=np.broadcast_to(known, V.shape),
        merton_unsolved=unsolved,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class ValueLost:
    """Market value lost between two instants, defined once for the stress test, the projection
    and the Monte Carlo (:func:`market_value_lost`); per scenario ``(S,)``.

    Attributes
    ----------
    lost : the headline: sum over entities of the fall in their *own* equity value (equity less
        the stakes it holds in others, at the issuers' values), entities whose own value rose
        counting 0; each firm's fall is counted once, in its own row, however many hold it.
    stakes_lost : what holders lost on their stakes (a transfer of the issuers' falls already in
        ``lost``, reported beside it, never added to it).
    gross : sum of each entity's whole equity fall, stakes included (counts a stake's loss in the
        issuer and again in its holders: what a list of market-cap falls adds up to).
    unknown : entities (of every entity in the web) whose value is unknown before or after:
        left out of every sum and counted here.
    population : how many entities were looked at (every entity of the web).
    """

    lost: Array
    stakes_lost: Array
    gross: Array
    unknown: Array
    population: int


def own_value(equity_value: Any, holdings: Any) -> Array:
    """Own equity value ``E_i − Σ_j H_ij E_j`` (the business without the stakes it holds), ``(S, n)``.

    An issuer of unknown value (NaN) adds no stake (what nobody values is counted as none); the
    holder's own value stays known.
    """
    E = np.asarray(equity_value, dtype=float)
    H = np.asarray(holdings, dtype=float)
    return np.asarray(E - np.nan_to_num(E) @ H.T)


def market_value_lost(before: Any, after: Any, holdings: Any) -> ValueLost:
    """The one definition of "market value lost" (see :class:`ValueLost`).

    Parameters
    ----------
    before, after : (S, n) or (n,) equity values including stakes held (NaN where unknown).
    holdings : (n, n) ``H[i, j]`` share of ``j``'s equity held by ``i``.

    Notes
    -----
    ``Σ_i (own_before_i − own_after_i) = Σ_j (1 − Σ_i H_ij)(E_before_j − E_after_j)``: the fall
    net of cross-holdings is what the holders outside the web lose, and the issuer's fall is
    not counted a second time in its holders' market values. Gains are not netted against losses
    (an entity whose own value rose adds 0), as a list of losers would read.

    Examples
    --------
    >>> H = np.array([[0.0, 0.5], [0.0, 0.0]])   # A holds half of B
    >>> v = market_value_lost([[150.0, 100.0]], [[100.0, 0.0]], H)   # B is wiped out
    >>> float(v.lost[0]), float(v.stakes_lost[0]), float(v.gross[0])
    (100.0, 50.0, 150.0)
    """
    b = np.atleast_2d(np.asarray(before, dtype=float))
    a = np.atleast_2d(np.asarray(after, dtype=float))
    b, a = np.broadcast_arrays(b, a)
    known = np.isfinite(b) & np.isfinite(a)
    own_fall = own_value(b, holdings) - own_value(a, holdings)
    fall = b - a
    stake_fall = fall - own_fall
    return ValueLost(
        lost=np.where(known, np.maximum(own_fall, 0.0), 0.0).sum(axis=1),
        stakes_lost=np.where(known, np.maximum(stake_fall, 0.0), 0.0).sum(axis=1),
        gross=np.where(known, np.maximum(fall, 0.0), 0.0).sum(axis=1),
        unknown=(~known).sum(axis=1),
        population=int(b.shape[1]),
    )
