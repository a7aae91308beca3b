"""The frozen result of a projection: per-quarter arrays, headlines, long frames and exports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from circularity._typing import Array
from circularity.valuation.market_value import market_value_lost

__all__ = ["BASIS", "COLUMNS", "HEADLINE_FIELDS", "ProjectionResult", "headlines_from"]


#: Output columns per scenario, entity and quarter (after ``scenario, entity, quarter``).
COLUMNS: tuple[str, ...] = (
    "revenue",
    "operating_costs",
    "interest",
    "depreciation",
    "capex",
    "earnings",
    "payments_due",
    "payments_made",
    "payments_received",
    "financing_in",
    "financing_out",
    "resolution_in",
    "resolution_out",
    "capital_transferred",
    "outside_cash_in",
    "outside_cash_out",
    "cash",
    "debt",
    "capital_stock",
    "shortfall",
    "defaulted",
    "resolved",
    "market_value",
    "equity_value",
    "enterprise_value",
    "distance_to_default",
    "credit_spread",
    "gw_contracted",
    "gw_delivered",
    "replacement_capex",
    "collateral_value",
    "borrowing_base",
    "borrowing_capacity",
    "interest_cover",
    "required_revenue",
    "credit_losses",
    "assets",
    "liabilities",
    "book_equity",
    "lending_capacity",
)

#: columns that are levels at the quarter's end (stocks, values, ratios, capacities), not flows
#: over it: a horizon total of one is meaningless, so comparisons read them at the last quarter
LEVEL_COLUMNS: tuple[str, ...] = (
    "cash",
    "debt",
    "capital_stock",
    "market_value",
    "equity_value",
    "enterprise_value",
    "distance_to_default",
    "credit_spread",
    "gw_contracted",
    "gw_delivered",
    "collateral_value",
    "borrowing_base",
    "borrowing_capacity",
    "interest_cover",
    "assets",
    "liabilities",
    "book_equity",
    "lending_capacity",
)

#: the boolean columns: defaulted (in this quarter or before), resolved (in this quarter)
BOOL_COLUMNS: tuple[str, ...] = ("defaulted", "resolved")

#: ``basis`` codes of a row: a projected quarter, history from filings, history by a stated rule.
BASIS: tuple[str, ...] = ("projected", "reported", "estimated")

HEADLINE_FIELDS: tuple[str, ...] = (
    "funding_need_2030",
    "funding_need_2032",
    "cash_out_quarter",
    "first_default_entity",
    "first_default_quarter",
    "set_off",
    "market_value_lost",
    "web_required_revenue_2030",
    "web_projected_revenue_2030",
    "required_revenue_gap_2030",
)


def headlines_from(
    web: Any,
    entity: str,
    *,
    need_by: Mapping[int, Array],
    cash_out_q: Array,
    first_def_q: Array,
    mv_start: Array,
    mv_end: Array,
) -> dict[str, Array]:
    """Per-scenario headline arrays, computed once in the engine (also for Monte Carlo).

    ``mv_start``, ``mv_end`` are ``(S, n)`` market values (own value plus stakes held), NaN where
    an entity's own value is unknown: those entities are left out of ``market_value_lost`` and
    counted in ``market_value_unknown`` (of every entity in the web, the stress test's
    population). ``market_value_lost`` is :func:`~circularity.valuation.market_value_lost`'s, the
    stress test's definition: the sum of the falls in each entity's own value (stakes held in
    others taken out, so an issuer's fall is counted once, not again in its holders), entities
    whose own value rose adding 0; ``market_value_stakes_lost`` is what holders lost on their
    stakes (a transfer of those same falls, reported beside it, not added)."""
    T = web.T
    i = web.entities.index(entity) if entity in web.entities else None
    S = cash_out_q.shape[0]

    def need_to(year: int) -> Array:
        ts = [t for t, q in enumerate(web.quarters) if int(q[:4]) <= year]
        if i is None or not ts:
            return np.full(S, np.nan)
        return need_by[max(ts)][:, i]

    fd = np.where(first_def_q >= 0, first_def_q, T + 1)
    lost = market_value_lost(mv_start, mv_end, web.holdings)
    first_q = fd.min(axis=1)
    first_e = fd.argmin(axis=1)
    return {
        "funding_need_2030": need_to(2030),
        "funding_need_2032": need_to(2032),
        "cash_out_q": cash_out_q[:, i] if i is not None else np.full(S, -1),
        "first_default_q": np.where(first_q <= T, first_q, -1),
        "first_default_e": np.where(first_q <= T, first_e, -1),
        "default_q": first_def_q,
        # (S, n): each entity's market value where value lost counts from (the end of history)
        "market_value_start": mv_start,
        # entities of unknown value (NaN) are excluded from the total and counted, never 0
        "market_value_lost": lost.lost,
        "market_value_stakes_lost": lost.stakes_lost,
        "market_value_unknown": lost.unknown,
    }


def _num(h: Mapping[str, Array], key: str, scenario: int) -> float | None:
    """A headline figure rounded, or None where the run has none (a scenario without channels)."""
    arr = h.get(key)
    if arr is None or not np.isfinite(arr[scenario]):
        return None
    return round(float(arr[scenario]), 3)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectionResult:
    """A projection: ``data[column]`` is ``(T, S, n)``; headlines per scenario.

    Attributes
    ----------
    scenario : scenario name; ``scenario_names`` one label per scenario row.
    entities, quarters : ledger ids and quarter labels.
    data : recorded columns (:data:`COLUMNS` or the ``record`` subset).
    headline_arrays : per-scenario headline arrays (see :meth:`headlines`).
    cut : ``(S, m)`` share of each contract still honoured at the end (renegotiation).
    skipped, notes : deals left out and how each contract's schedule was built.
    """

    scenario: str
    scenario_names: tuple[str, ...]
    entities: tuple[str, ...]
    quarters: tuple[str, ...]
    data: Mapping[str, Array]
    headline_arrays: Mapping[str, Array]
    cut: Array = field(repr=False)
    skipped: tuple[tuple[str, str], ...] = ()
    notes: tuple[tuple[str, str, str], ...] = ()
    headline_entity: str = "openai"
    basis: Array | None = field(default=None, repr=False)  # (T, n) codes of BASIS
    defaults: tuple[Any, ...] = ()  # the resolutions of a one-scenario run (steps.resolution.DefaultRecord)

    @property
    def first_projected(self) -> int:
        """Index of the first projected quarter (quarters before it are history)."""
        if self.basis is None:
            return 0
        hist = (self.basis != 0).any(axis=1)
        return int(hist.sum())

    @property
    def S(self) -> int:  # noqa: N802
        return len(self.scenario_names)

    def series(self, column: str, entity: str, scenario: int = 0) -> pd.Series:
        """One column of one entity over the quarters."""
        i = self.entities.index(entity)
        return pd.Series(self.data[column][:, scenario, i], index=list(self.quarters), name=column)

    def headlines(self, scenario: int = 0) -> dict[str, Any]:
        """Headline figures of one scenario, as plain Python values."""
        h = self.headline_arrays
        q = self.quarters
        co = int(h["cash_out_q"][scenario])
        fq, fe = int(h["first_default_q"][scenario]), int(h["first_default_e"][scenario])
        set_off: list[str] = []
        if fq >= 0:
            dq = h["default_q"][scenario]
            later = [
                (int(dq[j]), self.entities[j]) for j in range(len(self.entities)) if dq[j] >= fq and j != fe
            ]
            set_off = [f"{e} ({q[t]})" for t, e in sorted(later)]
        return {
            "entity": self.headline_entity,
            "funding_need_2030": round(float(h["funding_need_2030"][scenario]), 3),
            "funding_need_2032": round(float(h["funding_need_2032"][scenario]), 3),
            "cash_out_quarter": q[co] if co >= 0 else None,
            "first_default_entity": self.entities[fe] if fe >= 0 else None,
            "first_default_quarter": q[fq] if fq >= 0 else None,
            "set_off": set_off,
            "market_value_lost": round(float(h["market_value_lost"][scenario]), 3),
            "market_value_stakes_lost": _num(h, "market_value_stakes_lost", scenario),
            "market_value_unknown": int(h["market_value_unknown"][scenario])
            if "market_value_unknown" in h
            else 0,
            "entities_in_web": len(self.entities),
            **{k: _num(h, k, scenario) for k in HEADLINE_FIELDS[7:]},
        }

    def to_frame(self) -> pd.DataFrame:
        """Long format: one row per scenario, entity and quarter, the recorded columns."""
        T, S, n = len(self.quarters), self.S, len(self.entities)
        idx_s, idx_e, idx_t = np.meshgrid(np.arange(S), np.arange(n), np.arange(T), indexing="ij")
        out = {
            "scenario": np.asarray(self.scenario_names, dtype=object)[idx_s.ravel()],
            "entity": np.asarray(self.entities, dtype=object)[idx_e.ravel()],
            "quarter": np.asarray(self.quarters, dtype=object)[idx_t.ravel()],
        }
        codes = self.basis if self.basis is not None else np.zeros((T, n), dtype=np.int8)
        out["basis"] = np.asarray(BASIS, dtype=object)[codes[idx_t.ravel(), idx_e.ravel()]]
        for c in COLUMNS:
            if c in self.data:
                out[c] = np.transpose(self.data[c], (1, 2, 0)).ravel()
        frame = pd.DataFrame(out)
        for c in BOOL_COLUMNS:
            if c in frame:
                frame[c] = frame[c].astype(bool)
        return frame

    def annual(self, column: str, entity: str, scenario: int = 0, how: str = "sum") -> pd.Series:
        """A column summed (flows) or taken at year end (``how='last'``) by calendar year."""
        s = self.series(column, entity, scenario)
        years = [q[:4] for q in s.index]
        g = s.groupby(years)
        return g.sum() if how == "sum" else g.last()

    def write_csv(self, path: str | Path) -> Path:
        """Write ``to_frame()`` as CSV (``quarters.csv`` layout); returns the path."""
        p = Path(path)
        self.to_frame().to_csv(p, index=False)
        return p

    def defaults_frame(self) -> pd.DataFrame:
        """One row per default of a one-scenario run (``defaults.csv``): entity, quarter, trigger,
        shortfall, obligations, creditors' claims, what the estate paid them and the recovery
        rate (overall, and of the secured and the unsecured class), each creditor's loss (``creditor=loss; ...``, USD bn), the contracts terminated
        or assumed (deal ids), and ``estate``: ``reported`` or ``unknown`` (the ledger gives the
        entity no cash, debt or capex: the model's estate is empty, so the recovery is a floor)."""
        cols = (
            "entity",
            "quarter",
            "trigger",
            "shortfall",
            "obligations",
            "claims",
            "recovered",
            "recovery_rate",
            "secured_claims",
            "secured_recovery_rate",
            "unsecured_recovery_rate",
            "losses_by_creditor",
            "contracts_terminated",
            "contracts_assumed",
            "estate",
            "revenue",
        )
        rows = [
            {
                "entity": d.entity,
                "quarter": d.quarter,
                "trigger": d.trigger,
                "shortfall": d.shortfall,
                "obligations": d.obligations,
                "claims": d.claims,
                "recovered": d.recovered,
                "recovery_rate": d.recovery_rate,
                "secured_claims": d.secured_claims,
                "secured_recovery_rate": d.secured_recovery_rate,
                "unsecured_recovery_rate": d.unsecured_recovery_rate,
                "losses_by_creditor": "; ".join(f"{k}={v:.3f}" for k, v in d.losses.items()),
                "contracts_terminated": " ".join(d.terminated),
                "contracts_assumed": " ".join(d.assumed),
                "estate": d.estate,
                "revenue": d.revenue,
            }
            for d in self.defaults
        ]
        return pd.DataFrame(rows, columns=list(cols))

    def write_defaults(self, path: str | Path) -> Path:
        """Write :meth:`defaults_frame` as CSV (``defaults.csv``); returns the path."""
        p = Path(path)
        self.defaults_frame().to_csv(p, index=False)
        return p

    def write_parquet(self, path: str | Path) -> Path:
        """Write ``to_frame()`` as Parquet; returns the path."""
        p = Path(path)
        self.to_frame().to_parquet(p, index=False)
        return p
