"""Exposure network of the AI web, clearing under a shock, and market-value revaluation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from circularity._typing import Array
from circularity.compile import Web, principal_outstanding, remaining_payments
from circularity.contagion import ClearingPattern, clear_payments, prepare_clearing
from circularity.errors import ScenarioError
from circularity.ledger.dates import quarter_label, quarter_of
from circularity.stress.losses import LOSS_PARTS, LossParts, decompose_losses
from circularity.valuation.assumptions import valuation_assumptions
from circularity.valuation.discounting import annuity_factor
from circularity.valuation.market_value import (
    fill_equity_values,
    market_value_lost,
    value_entities,
    volatility_by_kind,
)

__all__ = [
    "ExposureNetwork",
    "StressAssumptions",
    "StressBase",
    "StressResult",
    "exposure_network",
    "prepare_stress",
    "stress_test",
]

MODELS = ("eisenberg-noe", "rogers-veraart")

#: Contract kinds whose lost receipts are a creditor's loss (not lost sales).
CREDIT_KINDS = frozenset({"loan", "bond", "interest", "repayment"})

#: How the result is computed, printed with every result beside the assumptions.
METHOD: tuple[str, ...] = (
    "base case: every node meets its remaining obligations, from its own resources or outside financing",
    "a shocked node pays only part of what it owes; the others clear by the greatest clearing vector",
    "values before: reported market values, else revenue × the median market value/revenue of peers of the "
    "same kind (method named per entity), else unknown and excluded from totals with a count",
    "equity is a Merton call on the firm's assets (equity volatility by kind, debt as reported, else none); "
    "losses come off the assets: lost contract receipts are cancelled backlog, priced at the market's "
    "fitted value per dollar of contract cancelled (circularity reactions --fit, the pooled 'cancelled' "
    "row, its 90% interval giving the range of the total), of which the dedicated capacity stranded net "
    "of re-letting is the stranded-assets part and the rest lost margin; credit losses on loans; and "
    "stakes marked to each issuer's new Merton equity value (iterated until they settle)",
    "market value lost: the sum of each entity's fall in its own value (stakes held taken out), so a "
    "firm's fall counts once; holders' stake losses are that fall passed on (a transfer, shown apart), "
    "the projection's headline by the same definition",
    "discount-rate effect: the equity's loss beyond (or, as creditors share it, short of) those asset "
    "losses, plus the wider Merton credit spread on refinanced debt; the parts sum to the total",
    "a shocked node's assets are worth what its creditors recover; its equity is the Merton call on that, "
    "zero only if it pays nothing",
)

#: What the articles claim, set beside the result (fact base §5: "not verified" claims).
#: The big-tech firms the "-50% to -80%" claim is about.
BIG_TECH: tuple[str, ...] = ("microsoft", "amazon", "alphabet", "meta", "nvidia", "oracle")

ARTICLE_CLAIMS: tuple[tuple[str, str], ...] = (
    ("market value lost by Microsoft, Oracle and Nvidia", "about $1T"),
    ("big-tech market caps if OpenAI fails", "-50% to -80%"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StressAssumptions:
    """Every value the stress test assumes, each with its source or reason."""

    values: Mapping[str, Any]
    sources: Mapping[str, str]

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> StressAssumptions:
        """The shipped assumptions (``valuation/assumptions.yaml``, the valuation set shared with the
        projection, and ``stress/assumptions.yaml``) with ``overrides`` applied."""
        text = (resources.files("circularity.stress") / "assumptions.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        values, sources = valuation_assumptions()
        values.update({k: v["value"] for k, v in raw.items()})
        sources.update({k: v["source"] for k, v in raw.items()})
        for key, value in (overrides or {}).items():
            if key not in values:
                raise ScenarioError(f"unknown stress assumption '{key}'; known: {', '.join(values)}")
            values[key] = value
            sources[key] = "set by the user"
        margin = values["ebitda_margin_when_unreported"]
        if not isinstance(margin, int | float) or not 0 <= float(margin) <= 1:
            raise ScenarioError(f"ebitda_margin_when_unreported={margin!r}; give a share in [0, 1]")
        return cls(values=values, sources=sources)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExposureNetwork:
    """Remaining scheduled payments between entities, one edge per (payer, payee) pair."""

    entities: tuple[str, ...]
    payer: Array
    payee: Array
    amount: Array
    deal_ids: tuple[tuple[str, ...], ...]
    from_quarter: str
    to_quarter: str
    credit: Array = field(default_factory=lambda: np.zeros(0))

    def to_frame(self) -> pd.DataFrame:
        ids = np.asarray(self.entities, dtype=object)
        return pd.DataFrame(
            {
                "debtor": ids[self.payer],
                "creditor": ids[self.payee],
                "amount_usd_bn": self.amount,
                "deals": [",".join(d) for d in self.deal_ids],
            }
        )


def exposure_network(web: Web, from_quarter: str | int = 0) -> ExposureNetwork:
    """Who owes whom from ``from_quarter`` to the horizon: remaining payments of every contract
    (compute, hardware, lease, backstop, equity still to be paid in, loan interest and
    principal), summed per (payer, payee) pair with the deal ids behind each pair."""
    left = remaining_payments(web, from_quarter)
    keep = left > 0
    pairs: dict[tuple[int, int], tuple[float, list[str]]] = {}
    credit: dict[tuple[int, int], float] = {}
    for k in np.flatnonzero(keep):
        key = (int(web.payer[k]), int(web.payee[k]))
        total, ids = pairs.get(key, (0.0, []))
        if web.deal_id[k] not in ids:
            ids.append(web.deal_id[k])
        pairs[key] = (total + float(left[k]), ids)
        if web.kind[k] in CREDIT_KINDS:
            credit[key] = credit.get(key, 0.0) + float(left[k])
    keys = sorted(pairs)
    t0 = web.quarter_index(from_quarter) if isinstance(from_quarter, str) else int(from_quarter)
    return ExposureNetwork(
        entities=web.entities,
        payer=np.array([a for a, _ in keys], dtype=np.int64),
        payee=np.array([b for _, b in keys], dtype=np.int64),
        amount=np.array([pairs[k][0] for k in keys], dtype=float),
        deal_ids=tuple(tuple(pairs[k][1]) for k in keys),
        from_quarter=web.quarters[t0],
        to_quarter=web.quarters[-1],
        credit=np.array([credit.get(k, 0.0) for k in keys], dtype=float),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StressResult:
    """Outcome of one or many shock scenarios; per-entity arrays are ``(S, n)``.

    Attributes
    ----------
    pay_share : share of its obligations each entity is made to pay (1 = unshocked).
    obligations_base, received_base : remaining obligations and receipts if all pay in full.
    payments, received : what each pays and receives after clearing.
    receipts_lost : ``received_base - received`` (``credit_receipts_lost`` of it on loans).
    defaulted : cleared below its obligations, or shocked.
    losses : the decomposed market-value losses (:class:`~circularity.stress.losses.LossParts`).
    market_value : (n,) equity value before (reported, or filled by ``value_method``; NaN unknown).
    mv_change, mv_change_pct : change of equity value (USD bn, negative is a loss) and as a share;
        NaN where the value is unknown (those entities are listed by :meth:`excluded_unknown_value`).
    equity_loss, stake_loss : total and stake part of the loss (USD bn, positive).
    """

    entities: tuple[str, ...]
    as_of: date
    model: str
    from_quarter: str
    to_quarter: str
    pay_share: Array
    obligations_base: Array
    received_base: Array
    payments: Array
    received: Array
    receipts_lost: Array
    credit_receipts_lost: Array
    defaulted: Array
    losses: LossParts
    market_value: Array
    value_method: tuple[str, ...]
    debt_reported: Array
    mv_change: Array
    mv_change_pct: Array
    equity_loss: Array
    stake_loss: Array
    rounds: int
    assumptions: StressAssumptions
    network: ExposureNetwork
    holdings: Array
    news_price: Mapping[str, Any] = field(default_factory=dict)
    #: where each entity's debt comes from: ``reported`` (its financials), the ledger's loan and
    #: bond deals outstanding at the date (no reported total), or ``none`` (valued unlevered)
    debt_method: tuple[str, ...] = ()
    lost_interval: Array = field(default_factory=lambda: np.zeros((0, 2)))

    @property
    def n_scenarios(self) -> int:
        return int(self.pay_share.shape[0])

    def _touched(self, s: int) -> Array:
        change = np.nan_to_num(self.mv_change[s])
        holds_a_loser = (self.holdings @ np.abs(change)) > 0  # a stake in an issuer that moved
        return np.asarray(
            (self.obligations_base[s] > 0) | (self.received_base[s] > 0) | (change != 0) | holds_a_loser
        )

    def row_order(self, scenario: int = 0) -> Array:
        """Indices of the entities touched by the web (obligations, receipts, a value change or a
        stake in an issuer that moved), largest market-value loss first (unknown values last),
        then most receipts lost: the rows of :meth:`to_frame` and of the HTTP answer."""
        s = scenario
        touched = np.flatnonzero(self._touched(s))
        lost, change = self.receipts_lost[s][touched], self.mv_change[s][touched]
        return np.asarray(touched[np.lexsort((-lost, change))])

    def to_frame(self, scenario: int = 0) -> pd.DataFrame:
        """One row per entity touched by the web, largest market-value loss first; the loss parts
        (:data:`~circularity.stress.losses.LOSS_PARTS`) sum to ``market_value_before -
        market_value_after``."""
        s, L = scenario, self.losses
        df = pd.DataFrame(
            {
                "entity": self.entities,
                "pay_share": self.pay_share[s],
                "obligations": self.obligations_base[s],
                "receipts_lost": self.receipts_lost[s],
                "defaulted": self.defaulted[s],
                "market_value_before": L.value_before[s],
                "market_value_after": L.value_after[s],
                **{part: getattr(L, part)[s] for part in LOSS_PARTS},
                "distance_to_default_before": L.distance_to_default_before[s],
                "distance_to_default_after": L.distance_to_default_after[s],
                "credit_spread_before": L.credit_spread_before[s],
                "credit_spread_after": L.credit_spread_after[s],
                "value_method": self.value_method,
                "debt_reported": self.debt_reported,
                "market_value": self.market_value,
                "mv_change": self.mv_change[s],
                "mv_change_pct": self.mv_change_pct[s],
                "equity_loss": self.equity_loss[s],
                "stake_loss": self.stake_loss[s],
            }
        )
        return df.iloc[self.row_order(s)].reset_index(drop=True)

    def excluded_unknown_value(self, scenario: int = 0) -> list[dict[str, str]]:
        """Entities of the web whose market value is unknown: excluded from the totals. The
        population is every entity of the compiled web, the one the projection's
        ``market_value_unknown`` counts (:func:`~circularity.valuation.market_value_lost`), whether
        or not this shock touches it."""
        return [
            {"entity": e, "reason": m}
            for e, m, mv in zip(self.entities, self.value_method, self.market_value, strict=True)
            if not np.isfinite(mv)
        ]

    def totals(self, scenario: int = 0) -> dict[str, float]:
        """System totals of one scenario (entities of unknown value excluded, counted).

        ``market_value_lost`` is the one definition the projection's headline uses
        (:func:`~circularity.valuation.market_value_lost`): the sum over entities of the fall in
        their own equity value (stakes held in others taken out), so an issuer's fall is counted
        once; ``stake_transfers`` is what holders lost on their stakes (already in the issuers'
        falls), ``market_value_lost_gross`` the sum of each entity's whole fall (stakes counted in
        issuer and holder: the sum of the loss parts). ``market_value_unknown`` counts the
        entities of unknown value of ``entities_in_web`` (every entity of the web)."""
        s, L = scenario, self.losses
        known = np.isfinite(self.market_value)
        v = market_value_lost(L.value_before[s], L.value_after[s], self.holdings)
        out = {
            "receipts_lost": float(self.receipts_lost[s].sum()),
            "equity_loss": float(np.nansum(self.equity_loss[s])),
            "market_value_lost": float(v.lost[0]),
            "stake_transfers": float(v.stakes_lost[0]),
            "market_value_lost_gross": float(v.gross[0]),
            "market_value_before": float(L.value_before[s][known].sum()),
            "market_value_after": float(L.value_after[s][known].sum()),
            "defaults": int(self.defaulted[s].sum()),
        }
        for part in LOSS_PARTS:
            out[part] = float(np.nansum(getattr(L, part)[s]))
        out["excluded_unknown_value"] = float(len(self.excluded_unknown_value(s)))
        out["market_value_lost_low"] = (
            float(self.lost_interval[s, 0]) if self.lost_interval.size else float("nan")
        )
        out["market_value_lost_high"] = (
            float(self.lost_interval[s, 1]) if self.lost_interval.size else float("nan")
        )
        out["market_value_unknown"] = float(v.unknown[0])
        out["entities_in_web"] = float(v.population)
        return out

    def group_loss(self, ids: Sequence[str], scenario: int = 0) -> dict[str, Any]:
        """What a group of entities loses together: ``before`` and ``lost`` (USD bn, sums of
        ``market_value_before`` and of the decomposed total loss), ``fall`` (``lost / before``),
        ``falls`` (entity → its own fall), ``unknown`` (ids of unknown value, left out of the sums;
        ``missing``: ids not in the web). The claims (``stress_shock`` in the claims registry)
        and the articles' comparison read this one computation."""
        idx = {e: i for i, e in enumerate(self.entities)}
        before, total = self.losses.value_before[scenario], self.losses.total[scenario]
        missing = [e for e in ids if e not in idx]
        present = [e for e in ids if e in idx]
        unknown = [e for e in present if not np.isfinite(before[idx[e]])]
        known = [e for e in present if e not in unknown]
        b = float(sum(float(before[idx[e]]) for e in known))
        lost = float(sum(float(total[idx[e]]) for e in known))
        return {
            "before": b,
            "lost": lost,
            "fall": lost / b if b > 0 else float("nan"),
            "falls": {e: float(total[idx[e]] / before[idx[e]]) if before[idx[e]] > 0 else 0.0 for e in known},
            "unknown": unknown,
            "missing": missing,
        }

    def article_comparison(self, scenario: int = 0) -> list[dict[str, str]]:
        """The articles' claims beside what this run computes (:meth:`group_loss`, the figures
        of the claims ``three-firms-lose-1t-if-openai-fails`` and ``big-tech-crash-if-openai-fails``
        when the run is OpenAI failing outright)."""
        three = self.group_loss(("microsoft", "oracle", "nvidia"), scenario)
        big = self.group_loss(BIG_TECH, scenario)
        if big["falls"]:
            by_firm = sorted(big["falls"].items(), key=lambda kv: -kv[1])

            def pct(x: float) -> str:
                return f"{x:+.1%}" if abs(x) >= 5e-4 else "0.0%"

            rng = (
                f"combined {pct(-big['fall'])} of ${big['before']:,.0f}B "
                f"(by firm {pct(-by_firm[0][1])} {by_firm[0][0]} to {pct(-by_firm[-1][1])} {by_firm[-1][0]})"
            )
            if big["unknown"]:
                rng += f"; value unknown, left out: {', '.join(big['unknown'])}"
        else:
            rng = "not computable (no market values)"
        computed = [f"${three['lost']:,.0f}B", rng]
        return [
            {"claim": c, "claimed": v, "computed": k}
            for (c, v), k in zip(ARTICLE_CLAIMS, computed, strict=True)
        ]


def _shares(shocks: Any, entities: Sequence[str]) -> Array:
    idx = {e: i for i, e in enumerate(entities)}
    if isinstance(shocks, Mapping):
        shocks = [shocks]
    if isinstance(shocks, np.ndarray):
        arr = np.asarray(shocks, dtype=float)
        if arr.ndim != 2 or arr.shape[1] != len(entities):
            raise ScenarioError(f"shock array has shape {arr.shape}; expected (S, {len(entities)})")
    else:
        arr = np.ones((len(shocks), len(entities)))
        for s, shock in enumerate(shocks):
            for entity, share in shock.items():
                if entity not in idx:
                    raise ScenarioError(
                        f"unknown entity '{entity}' in --shock; entities in the web: {', '.join(entities)}"
                    )
                arr[s, idx[entity]] = float(share)
    if not np.all(np.isfinite(arr)) or (arr < 0).any() or (arr > 1).any():
        raise ScenarioError("a shock is the share an entity still pays: give a number in [0, 1] (openai=0.5)")
    return arr


def _own_resources(web: Web, a: StressAssumptions, years: float) -> Array:
    fin = web.financials
    cash = np.nan_to_num(fin["cash"])
    ebitda = fin["ebitda_annual"].copy()
    proxy = fin["revenue_annual"] * float(a.values["ebitda_margin_when_unreported"])
    ebitda = np.where(np.isfinite(ebitda), ebitda, np.nan_to_num(proxy))
    own = cash + years * np.maximum(ebitda, 0.0)
    kinds = np.asarray(web.entity_kinds)
    no_fin = ~np.isfinite(fin["revenue_annual"]) & ~np.isfinite(fin["cash"])
    own = np.where(np.isin(kinds, a.values["pass_through_kinds"]) & no_fin, 0.0, own)
    return np.asarray(own, dtype=float)


@dataclass(frozen=True, slots=True, kw_only=True)
class StressBase:
    """What a stress test on one web and assumption set computes before any shock
    (:func:`prepare_stress`): the caller keeps it to answer many shocks on one web."""

    web: Web
    assumptions: StressAssumptions
    net: ExposureNetwork
    pattern: ClearingPattern
    p_bar0: Array
    recv0: Array
    e: Array
    E0: Array
    methods: tuple[str, ...]
    V0: Array
    sigma_V: Array
    D: Array
    debt_known: Array
    margin: Array
    capacity: Array
    pv: Array
    H: Array
    news_price: float = float("nan")
    news_interval: tuple[float, float] = (float("nan"), float("nan"))
    news_source: str = ""
    debt_methods: tuple[str, ...] = ()


def _news_price(web: Web) -> tuple[float, tuple[float, float], str]:
    """The market's price of a dollar of contract cancelled (positive, a loss per dollar), its 90%
    interval (low, high loss) and where it comes from: the pooled fit of ``circularity reactions
    --fit`` (``cancelled``) the web was compiled with, else the named prior."""
    from circularity.analytics.backlog_value import PRIORS

    coef = float(getattr(web, "cancel_multiple", float("nan")))
    if math.isfinite(coef):
        lo, hi = getattr(web, "cancel_interval", (float("nan"), float("nan")))
        return (
            -coef,
            (-float(hi), -float(lo)),
            f"market value {coef:+.3f} per dollar of contract cancelled or delayed, pooled fit of "
            f"circularity reactions --fit (90% interval {float(lo):+.2f} to {float(hi):+.2f})",
        )
    prior, source = PRIORS["cancelled"]
    return -prior, (float("nan"), float("nan")), f"prior {prior:+.2f} per dollar cancelled: {source}"


def _debt_at_start(web: Web) -> tuple[Array, tuple[str, ...]]:
    """Each entity's debt at the web's start and where it comes from: its reported debt, else the
    principal of the ledger's loan and bond deals it owes at the start (unknown is not zero:
    CoreWeave reports no total, but the ledger holds its GPU-backed loans and notes), else NaN
    (no debt known: valued unlevered)."""
    reported = np.asarray(web.financials["debt"], dtype=float)
    owed, _ = principal_outstanding(web)
    debt = np.where(np.isfinite(reported), reported, np.where(owed > 0, owed, np.nan))
    methods = tuple(
        "reported"
        if np.isfinite(r)
        else (f"the ledger's loan and bond deals outstanding at the date, {o:,.1f}" if o > 0 else "none")
        for r, o in zip(reported.tolist(), owed.tolist(), strict=True)
    )
    return debt, methods


def prepare_stress(web: Web, a: StressAssumptions) -> StressBase:
    """The unshocked network, clearing, buffers and Merton values of a web: everything a stress
    test computes before any shock. Pass it to :func:`stress_test` as ``base`` to answer many
    shocks on one web (the session keeps one per date)."""
    net = exposure_network(web, 0)
    n = web.n
    years = web.T / 4.0
    pattern = prepare_clearing(net.payer, net.payee, n)
    full = clear_payments(
        net.payer, net.payee, net.amount, np.full(n, np.inf).clip(max=1e15), n=n, pattern=pattern
    )
    p_bar0, recv0 = full.obligations, full.received
    own = _own_resources(web, a, years)
    kinds = np.asarray(web.entity_kinds)
    deep = np.isin(kinds, a.values["deep_pocket_kinds"])
    e = np.where(deep, p_bar0 + 1.0, np.maximum(own, p_bar0 - recv0))
    fin = web.financials
    v = a.values
    E0, methods = fill_equity_values(fin["market_value"], fin["revenue_annual"], web.entity_kinds)
    debt, debt_methods = _debt_at_start(web)
    values = value_entities(
        E0,
        volatility_by_kind(web.entity_kinds, v["equity_volatility"]),
        debt,
        fin["cash"],
        float(v["risk_free_rate"]),
        float(v["merton_horizon_years"]),
    )
    # an equity Merton cannot resolve (a sliver of its assets) has no asset value to lose from:
    # its value is unknown here, left out of the totals and counted with its reason
    unsolved = np.asarray(values.merton_unsolved)
    E0_known = np.where(unsolved, np.nan, values.equity_value)
    methods = tuple(
        "unknown: Merton's asset value did not converge from this equity" if u else m
        for m, u in zip(methods, unsolved.tolist(), strict=True)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        reported = fin["ebitda_annual"] / fin["revenue_annual"]
    margin = np.where(np.isfinite(reported), reported, float(v["ebitda_margin_when_unreported"]))
    capacity = np.where(
        np.isin(kinds, v["capacity_kinds"]), float(v["capacity_cost_per_contract_dollar"]), 0.0
    )
    rate = float(v["risk_free_rate"]) + float(v["equity_risk_premium"])
    news, news_range, news_source = _news_price(web)
    base = StressBase(
        web=web,
        assumptions=a,
        net=net,
        pattern=pattern,
        p_bar0=p_bar0,
        recv0=recv0,
        e=e,
        E0=E0_known,
        methods=methods,
        V0=values.asset_value,
        sigma_V=values.asset_volatility,
        D=np.where(values.debt_known, np.nan_to_num(debt), 0.0),
        debt_known=np.asarray(values.debt_known),
        debt_methods=debt_methods,
        margin=np.clip(margin, 0.0, 1.0),
        capacity=capacity,
        pv=np.full(n, float(annuity_factor(rate, years))),
        H=np.asarray(web.holdings, dtype=float),
        news_price=news,
        news_interval=news_range,
        news_source=news_source,
    )
    for arr in (base.p_bar0, base.recv0, base.e, base.E0, base.V0, base.sigma_V, base.D, base.H):
        arr.flags.writeable = False
    return base


def stress_test(
    shocks: Mapping[str, float] | Sequence[Mapping[str, float]] | Array,
    *,
    ledger: Any = None,
    as_of: date | str | None = None,
    model: str = "eisenberg-noe",
    alpha: float = 1.0,
    beta: float = 1.0,
    assumptions: Mapping[str, Any] | StressAssumptions | None = None,
    web: Web | None = None,
    asset_losses: Mapping[str, float] | None = None,
    base: StressBase | None = None,
) -> StressResult:
    """Shock the AI web: each shocked entity pays only a share of what it owes from now on.

    Parameters
    ----------
    shocks : ``{"openai": 0.5}`` (OpenAI pays half), a list of such dicts (one per scenario), or
        an ``(S, n)`` array of pay shares in the order of the compiled web's entities. (The
        CLI's ``--shock openai=1`` is the share it fails to pay: ``pays = 1 - shock``.)
    ledger, as_of : the ledger (default: the bundled ``ai`` dataset as of ``as_of``, else today).
    model : ``eisenberg-noe`` or ``rogers-veraart`` (with ``alpha``, ``beta`` default costs).
    assumptions : overrides of ``stress/assumptions.yaml`` (or a loaded set).
    web : a compiled web to reuse (it must start at the as-of quarter).
    asset_losses : ``{"openai": 10.0}``: a loss (USD bn, >= 0) taken directly off an entity's
        assets in every scenario (a GAAP loss, a write-off), valued like any other asset loss.
    base : :func:`prepare_stress` of ``web`` and the assumptions, to reuse (then ``web`` and
        ``assumptions`` are taken from it).

    Returns
    -------
    StressResult
        Per entity and scenario: receipts lost, default, and the market-value loss decomposed.

    Notes
    -----
    Base case: every node meets its remaining obligations (its outside assets are set to at
    least what it owes beyond its receipts, from its own resources or outside financing). A shock
    cuts the shocked node's payments to ``share × p̄``; the others clear by the greatest clearing
    vector. Lost receipts are split into loans (credit losses) and contracts, and valued by
    :func:`circularity.stress.losses.decompose_losses` on Merton values from
    :func:`circularity.valuation.value_entities`.
    """
    from circularity.ledger import load
    from circularity.projection.pipeline import compile_for
    from circularity.projection.scenario import load_scenario

    if model not in MODELS:
        raise ScenarioError(f"unknown model '{model}'; choose {' or '.join(MODELS)}")
    if model == "eisenberg-noe" and (alpha, beta) != (1.0, 1.0):
        raise ScenarioError("alpha and beta are Rogers-Veraart default costs: use --model rogers-veraart")
    if base is not None:
        web, assumptions = base.web, base.assumptions
    a = assumptions if isinstance(assumptions, StressAssumptions) else StressAssumptions.load(assumptions)
    led = ledger if ledger is not None else load("ai", as_of=as_of)
    when = led.as_of or date.today()
    if web is None:
        scenario = load_scenario(str(a.values["scenario"]))
        start = quarter_label(*quarter_of(when))
        if start > scenario.horizon.end:
            raise ScenarioError(f"as-of {when} is after the horizon's end {scenario.horizon.end}")
        web = compile_for(scenario, led, start=start)
    if base is None:
        base = prepare_stress(web, a)
    net, n = base.net, web.n
    share = _shares(shocks, web.entities)
    S = share.shape[0]
    p_bar0, recv0, e = base.p_bar0, base.recv0, base.e
    amt = net.amount[None, :] * share[:, net.payer]
    shocked = share < 1.0
    e_s = np.where(shocked, p_bar0[None, :] + 1.0, e[None, :])
    res = clear_payments(net.payer, net.payee, amt, e_s, n=n, alpha=alpha, beta=beta, pattern=base.pattern)
    payments, received = res.payments, res.received
    lost = np.maximum(recv0[None, :] - received, 0.0)
    defaulted = res.defaulted | shocked
    credit_lost = _credit_lost(net, amt, payments, res.obligations, n)
    credit_lost = np.minimum(credit_lost, lost)
    outside = np.zeros((S, n))
    for entity, loss in (asset_losses or {}).items():
        if entity not in web.entities:
            raise ScenarioError(
                f"unknown entity '{entity}' in asset_losses; entities in the web: {', '.join(web.entities)}"
            )
        if not (math.isfinite(float(loss)) and float(loss) >= 0):
            raise ScenarioError(f"asset_losses {entity}={loss!r}: give a loss in USD bn, a number >= 0")
        outside[:, web.index(entity)] = float(loss)
    v = a.values

    def decompose(price: float) -> LossParts:
        return decompose_losses(
            E0=base.E0,
            V0=base.V0,
            sigma_V=base.sigma_V,
            D=base.D,
            r=float(v["risk_free_rate"]),
            T=float(v["merton_horizon_years"]),
            H=base.H,
            contract_lost=lost - credit_lost,
            credit_lost=credit_lost,
            margin=base.margin,
            capacity_share=base.capacity,
            relet_recovery=float(v["relet_recovery"]),
            tax_rate=float(v["tax_rate"]),
            pv_factor=base.pv,
            shock=1.0 - share,
            shock_strike=base.D + p_bar0,
            refinancing_years=float(v["refinancing_years"]),
            outside_loss=outside,
            news_price=price,
        )

    parts = decompose(base.news_price)
    lost_interval = np.full((S, 2), np.nan)
    if all(math.isfinite(x) for x in base.news_interval):
        for k, price in enumerate(base.news_interval):
            other = decompose(price)
            lost_interval[:, k] = market_value_lost(other.value_before, other.value_after, base.H).lost
    mv_change = -parts.total
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(base.E0 > 0, mv_change / base.E0, np.nan)
    return StressResult(
        entities=web.entities,
        as_of=when,
        model=model,
        from_quarter=net.from_quarter,
        to_quarter=net.to_quarter,
        pay_share=share,
        obligations_base=np.broadcast_to(p_bar0, (S, n)).copy(),
        received_base=np.broadcast_to(recv0, (S, n)).copy(),
        payments=payments,
        received=received,
        receipts_lost=lost,
        credit_receipts_lost=credit_lost,
        defaulted=defaulted,
        losses=parts,
        market_value=base.E0,
        value_method=base.methods,
        debt_reported=base.debt_known,
        debt_method=base.debt_methods,
        mv_change=mv_change,
        mv_change_pct=pct,
        equity_loss=parts.total,
        stake_loss=parts.stake_losses,
        rounds=res.rounds,
        assumptions=a,
        network=net,
        holdings=base.H,
        news_price={
            "value_per_dollar_cancelled": -base.news_price,
            "interval": [-base.news_interval[1], -base.news_interval[0]],
            "source": base.news_source,
        },
        lost_interval=lost_interval,
    )


def _credit_lost(net: ExposureNetwork, amt: Array, payments: Array, owed: Array, n: int) -> Array:
    """Receipts lost on loans per creditor: each pair's credit part, paid pro rata like the rest."""
    with np.errstate(divide="ignore", invalid="ignore"):
        paid_share = np.where(owed > 0, payments / owed, 1.0)
    credit_share = np.where(net.amount > 0, net.credit / np.where(net.amount > 0, net.amount, 1.0), 0.0)
    lost_edge = (net.amount[None, :] - amt * paid_share[:, net.payer]) * credit_share[None, :]
    out = np.zeros((amt.shape[0], n))
    for s in range(amt.shape[0]):
        out[s] = np.bincount(net.payee, weights=lost_edge[s], minlength=n)
    return np.maximum(out, 0.0)
