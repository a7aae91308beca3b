"""Exposure network of the AI web, clearing under a shock, and market-value revaluation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

from circularity.compile import Web, remaining_payments
from circularity.contagion import ClearingPattern, clear_payments, prepare_clearing
from circularity.errors import ScenarioError
from circularity.ledger.dates import quarter_label, quarter_of

__all__ = [
    "ExposureNetwork",
    "StressAssumptions",
    "StressBase",
    "StressResult",
    "exposure_network",
    "prepare_stress",
    "stress_test",
]

Array = np.ndarray[Any, Any]
MODELS = ("eisenberg-noe", "rogers-veraart")

#: How the result is computed, printed with every result beside the assumptions.
METHOD: tuple[str, ...] = (
    "base case: every node meets its remaining obligations, from its own resources or outside financing",
    "a shocked node pays its share of what it owes; the others clear by the greatest clearing vector",
    "market value per dollar of lost backlog: from announcement-day market reactions where the ledger has "
    "them, else the firm's own market-cap/revenue multiple per year of lost revenue (lost receipts spread "
    "evenly over the years left)",
    "holders lose their share of each issuer's market-value change (stakes marked to market): dV = dV0 + H dV",
)

#: What the articles claim, set beside the result (fact base §5: "not verified" claims).
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
        """The shipped assumptions (``stress/assumptions.yaml``) with ``overrides`` applied."""
        text = (resources.files("circularity.stress") / "assumptions.yaml").read_text(encoding="utf-8")
        raw = yaml.safe_load(text)
        values = {k: v["value"] for k, v in raw.items()}
        sources = {k: v["source"] for k, v in raw.items()}
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
    for k in np.flatnonzero(keep):
        key = (int(web.payer[k]), int(web.payee[k]))
        total, ids = pairs.get(key, (0.0, []))
        if web.deal_id[k] not in ids:
            ids.append(web.deal_id[k])
        pairs[key] = (total + float(left[k]), ids)
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
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class StressResult:
    """Outcome of one or many shock scenarios; per-entity arrays are ``(S, n)``.

    Attributes
    ----------
    pay_share : share of its obligations each entity is made to pay (1 = unshocked).
    obligations_base, received_base : remaining obligations and receipts if all pay in full.
    payments, received : what each pays and receives after clearing.
    receipts_lost : ``received_base - received``.
    defaulted : cleared below its obligations, or shocked.
    equity_loss : book loss, lost receipts plus written-down stakes (USD bn).
    market_value, mv_change, mv_change_pct : market value before, its change (USD bn, negative
        is a loss) and the change as a share (NaN where no market value is reported).
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
    defaulted: Array
    equity_loss: Array
    stake_loss: Array
    market_value: Array
    mv_change: Array
    mv_change_pct: Array
    multiple: Array
    rounds: int
    assumptions: StressAssumptions
    network: ExposureNetwork

    @property
    def n_scenarios(self) -> int:
        return int(self.pay_share.shape[0])

    def to_frame(self, scenario: int = 0) -> pd.DataFrame:
        """One row per entity touched by the web, largest market-value loss first."""
        s = scenario
        df = pd.DataFrame(
            {
                "entity": self.entities,
                "pay_share": self.pay_share[s],
                "obligations": self.obligations_base[s],
                "receipts_lost": self.receipts_lost[s],
                "equity_loss": self.equity_loss[s],
                "stake_loss": self.stake_loss[s],
                "defaulted": self.defaulted[s],
                "market_value": self.market_value,
                "mv_change": self.mv_change[s],
                "mv_change_pct": self.mv_change_pct[s],
            }
        )
        touched = (df["obligations"] > 0) | (self.received_base[s] > 0) | (df["mv_change"] != 0)
        return (
            df[touched]
            .sort_values(["mv_change", "receipts_lost"], ascending=[True, False])
            .reset_index(drop=True)
        )

    def totals(self, scenario: int = 0) -> dict[str, float]:
        """System totals of one scenario."""
        s = scenario
        mv = np.nan_to_num(self.mv_change[s])
        return {
            "receipts_lost": float(self.receipts_lost[s].sum()),
            "equity_loss": float(self.equity_loss[s].sum()),
            "market_value_lost": float(-mv[mv < 0].sum()),
            "defaults": int(self.defaulted[s].sum()),
        }

    def article_comparison(self, scenario: int = 0) -> list[dict[str, str]]:
        """The articles' claims beside what this run computes."""
        idx = {e: i for i, e in enumerate(self.entities)}
        three = [idx[e] for e in ("microsoft", "oracle", "nvidia") if e in idx]
        lost3 = float(-np.nan_to_num(self.mv_change[scenario, three]).sum())
        big = [idx[e] for e in ("microsoft", "amazon", "alphabet", "meta", "nvidia", "oracle") if e in idx]
        pct = self.mv_change_pct[scenario, big]
        pct = pct[np.isfinite(pct)]
        rng = f"{pct.min():+.1%} to {pct.max():+.1%}" if pct.size else "not computable (no market values)"
        computed = [f"${lost3:,.0f}B", rng]
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
    mv: Array
    multiple: Array
    wiped: Array
    mv_known: Array
    H: Array


def prepare_stress(web: Web, a: StressAssumptions) -> StressBase:
    """The unshocked network, clearing, buffers and multiples of a web: everything a stress
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
    deep = np.isin(np.asarray(web.entity_kinds), a.values["deep_pocket_kinds"])
    e = np.where(deep, p_bar0 + 1.0, np.maximum(own, p_bar0 - recv0))
    mv = np.asarray(web.financials["market_value"], dtype=float)
    revenue = np.asarray(web.financials["revenue_annual"], dtype=float)
    if math.isfinite(web.backlog_multiple):
        multiple = np.where(np.isfinite(mv), web.backlog_multiple, np.nan)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            multiple = np.where(revenue > 0, mv / revenue / years, np.nan)
    base = StressBase(
        web=web,
        assumptions=a,
        net=net,
        pattern=pattern,
        p_bar0=p_bar0,
        recv0=recv0,
        e=e,
        mv=mv,
        multiple=multiple,
        wiped=-np.nan_to_num(mv) * (1.0 - float(a.values["defaulted_equity_value"])),
        mv_known=np.nan_to_num(mv),
        H=np.asarray(web.holdings, dtype=float),
    )
    for arr in (base.p_bar0, base.recv0, base.e, base.mv, base.multiple, base.wiped, base.mv_known, base.H):
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
    base: StressBase | None = None,
) -> StressResult:
    """Shock the AI web: each shocked entity pays only a share of what it owes from now on.

    Parameters
    ----------
    shocks : ``{"openai": 0.5}`` (OpenAI pays half), a list of such dicts (one per scenario), or
        an ``(S, n)`` array of pay shares in the order of the compiled web's entities.
    ledger, as_of : the ledger (default: the bundled ``ai`` dataset as of ``as_of``, else today).
    model : ``eisenberg-noe`` or ``rogers-veraart`` (with ``alpha``, ``beta`` default costs).
    assumptions : overrides of ``stress/assumptions.yaml`` (or a loaded set).
    web : a compiled web to reuse (it must start at the as-of quarter).
    base : :func:`prepare_stress` of ``web`` and the assumptions, to reuse (then ``web`` and
        ``assumptions`` are taken from it).

    Returns
    -------
    StressResult
        Per entity and scenario: receipts lost, equity loss, default, market-value change.

    Notes
    -----
    Base case: every node meets its remaining obligations (its outside assets are set to at
    least what it owes beyond its receipts, from its own resources or outside financing). A shock
    cuts the shocked node's payments to ``share × p̄``; the others clear by the greatest clearing
    vector, so a node whose receipts fall below what it needs defaults. Market values move by
    ``multiple × receipts lost`` (the multiple from market reactions, else the firm's own
    market-cap/revenue ratio per year of lost revenue), a defaulted node loses its equity value,
    and holders lose their share of each issuer's change: ``ΔV = ΔV0 + H ΔV``.
    """
    from circularity.ledger import load
    from circularity.projection.run import compile_for
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

    mv, multiple, wiped, mv_known, H = base.mv, base.multiple, base.wiped, base.mv_known, base.H
    dv0 = -np.nan_to_num(multiple)[None, :] * lost
    dv0 = np.where(defaulted, np.broadcast_to(wiped, (S, n)), dv0)
    dv0 = np.maximum(dv0, -mv_known)
    total = np.linalg.solve(np.eye(n) - H, dv0.T).T  # ΔV = ΔV0 + H ΔV
    stake = total - dv0
    mv_change = np.where(np.isfinite(mv), np.maximum(total, -mv_known), np.nan)
    stake_loss = np.maximum(-stake, 0.0) + 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(mv_known > 0, mv_change / mv_known, np.nan)
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
        defaulted=defaulted,
        equity_loss=lost + stake_loss,
        stake_loss=stake_loss,
        market_value=mv,
        mv_change=mv_change,
        mv_change_pct=pct,
        multiple=multiple,
        rounds=res.rounds,
        assumptions=a,
        network=net,
    )
