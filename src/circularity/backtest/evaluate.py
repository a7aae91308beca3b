"""Score a backtest's predictions on outcomes and lay out the result (the JSON the CLI prints).

Outcomes enter here and only here, after :func:`~circularity.backtest.predictions.predict` has run.
Reported vendor losses come from the full ledger: quarterly bad-debt provisions
(``bad_debt_provision_expense``, period type ``Q``) with a period end in ``(cutoff, horizon]``;
for a vendor without them, write-off and provision events of the outcomes in that window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import numpy as np

from circularity.backtest.baselines import neutral_fill
from circularity.backtest.outcomes import EntityOutcome, OutcomeLike, classify_outcomes, event_date
from circularity.backtest.predictions import Predictions
from circularity.backtest.scores import auc, brier, calibration_table, rank_correlation

__all__ = ["VENDOR_LOSS_EVENTS", "evaluate", "reported_losses"]

#: Outcome events that report a vendor's loss on customer financing (USD bn).
VENDOR_LOSS_EVENTS = ("vendor_writeoff", "vendor_loan_default", "vendor_provision_stock")


def _quarter_ordinal(d: date) -> int:
    return d.year * 4 + (d.month - 1) // 3


def reported_losses(
    vendor: str, financials: Iterable[Any], outcomes: Iterable[OutcomeLike], cutoff: date, horizon: date
) -> tuple[float | None, str]:
    """A vendor's reported losses in the window and what they are made of."""
    rows = [
        f
        for f in financials
        if f.entity == vendor
        and f.metric == "bad_debt_provision_expense"
        and f.period_type == "Q"
        and f.value is not None
        and cutoff < f.period_end <= horizon
    ]
    if rows:
        total = float(sum(f.value for f in rows))
        labels = ", ".join(sorted(f.period for f in rows))
        return (
            total,
            f"sum of {len(rows)} reported quarterly bad-debt provisions ({labels}); other quarters not in the ledger",
        )
    ev = []
    for o in outcomes:
        if o.entity != vendor or o.event not in VENDOR_LOSS_EVENTS:
            continue
        value = getattr(o, "value", None)
        if value is None or getattr(o, "unit", None) != "USD_bn":
            continue
        start, _ = event_date(o.date)
        if cutoff < start <= horizon:
            ev.append((o.event, o.date, float(value)))
    if ev:
        return sum(v for _, _, v in ev), "; ".join(f"{e} {d}: {v:g}" for e, d, v in ev)
    return None, "no reported loss in the window in the ledger"


def _beats(model: float | None, base: float | None) -> str:
    if model is None or base is None:
        return "not comparable (score undefined)"
    if model > base:
        return "yes"
    return "no" if model < base else "tie"


def evaluate(
    pred: Predictions,
    outcome_rows: Sequence[OutcomeLike],
    financials: Iterable[Any],
    *,
    outcomes_source: str,
    calibration_set: frozenset[str] | None = None,
    calibration: str = "none",
) -> dict[str, Any]:
    """The backtest result as a JSON-ready dict (keys as issue 15 specifies, and more).

    ``calibration_set`` names the entities whose outcomes a calibration may be fitted on; the
    scores are then also given apart for them (``in_sample``) and for every other scored entity
    (``out_of_sample``: outcomes kept aside, e.g. a held-out ``--outcomes`` file).
    ``calibration`` is the line saying which calibration the run used.
    """
    status = classify_outcomes(outcome_rows, pred.entities, pred.cutoff, pred.horizon)
    T = len(pred.quarters)
    q0 = _quarter_ordinal(date(int(pred.quarters[0][:4]), 3 * int(pred.quarters[0][-1]) - 2, 1))
    ents = []
    runway, z_score, leverage = pred.runway, pred.z_score, pred.leverage
    for i, e in enumerate(pred.entities):
        mq = int(pred.median_default_q[i])
        st = pred.states[e]
        run_i, lev_i, default_date = runway[i], leverage[i], status[e].default_date
        ents.append(
            {
                "id": e,
                "name": pred.names[i],
                "kind": pred.kinds[i],
                "p_default": round(float(pred.p_default[i]), 4),
                "median_default_quarter": pred.quarters[mq] if mq >= 0 else None,
                "data_share": round(st.data_share, 3),
                "filled": {f: st.basis[f] for f in st.filled},
                "runway_quarters": None if run_i is None else round(run_i, 2),
                "z_score": z_score[i],
                "leverage": None if lev_i is None else round(lev_i, 3),
                "outcome": status[e].status,
                "actual_default_date": default_date.isoformat() if default_date else None,
            }
        )
    idx = [i for i, e in enumerate(pred.entities) if status[e].scored]
    y = np.array([status[pred.entities[i]].defaulted for i in idx], dtype=int)
    p = pred.p_default[idx]
    defaulters = [i for i in idx if status[pred.entities[i]].status == "default"]
    actual_q = [float(_quarter_ordinal(_d(status[pred.entities[i]]))) for i in defaulters]
    # a defaulter the model never sees default is placed after the horizon (a tie at T)
    model_q = [
        float(pred.median_default_q[i]) if pred.median_default_q[i] >= 0 else float(T) for i in defaulters
    ]
    runway_risk = [None if (r := runway[i]) is None else -r for i in idx]
    runway_q = [q0 + r if (r := runway[i]) is not None else float("nan") for i in defaulters]
    z_known = [z_score[i] for i in idx if z_score[i] is not None]
    z_risk: list[float | None]
    z_time: list[float | None]
    if z_known:
        z_method = "altman_z2"
        z_risk = [None if (z := z_score[i]) is None else -z for i in idx]
        z_time = [z_score[i] for i in defaulters]
    else:
        z_method = "leverage_rank (Altman Z'' inputs missing for every scored entity: debt / total assets)"
        z_risk = [leverage[i] for i in idx]
        z_time = [None if (lev := leverage[i]) is None else -lev for i in defaulters]
    m_auc = auc(p, y)
    m_time = rank_correlation(model_q, actual_q)
    r_auc = auc(neutral_fill(runway_risk), y)
    r_time = rank_correlation(runway_q, actual_q)
    z_auc = auc(neutral_fill(z_risk), y)
    z_t = rank_correlation([float("nan") if v is None else float(v) for v in z_time], actual_q)
    # the same scores on the entities whose starting state holds at least one reported figure
    some = [k for k, i in enumerate(idx) if pred.states[pred.entities[i]].data_share > 0]
    with_data = {
        "auc": auc(p[some], y[some]),
        "brier": brier(p[some], y[some]),
        "n_scored": len(some),
        "rule": "scored entities with data_share > 0 (at least one starting figure reported)",
    }
    excluded = sorted(e for e, s in status.items() if s.status == "resolved_before_cutoff")
    unknown = sorted(e for e, s in status.items() if s.status == "unknown")
    scores: dict[str, Any] = {
        "auc": m_auc,
        "brier": brier(p, y),
        "timing_rank_correlation": m_time,
        "n_scored": len(idx),
        "n_defaults": int(y.sum()),
        "n_survivors": int(len(idx) - y.sum()),
        "n_unknown": len(unknown),
        "n_resolved_before_cutoff": len(excluded),
        "n_timing_pairs": len(defaulters),
        "calibration": calibration_table(p, y),
        "with_data": with_data,
        "baselines": {
            "runway": {
                "auc": r_auc,
                "timing_rank_correlation": r_time,
                "n_with_inputs": sum(1 for r in runway_risk if r is not None),
            },
            "z_score": {
                "method": z_method,
                "auc": z_auc,
                "timing_rank_correlation": z_t,
                "n_with_inputs": sum(1 for r in z_risk if r is not None),
            },
        },
        "model_beats": {
            "runway": {"auc": _beats(m_auc, r_auc), "timing": _beats(m_time, r_time)},
            "z_score": {"auc": _beats(m_auc, z_auc), "timing": _beats(m_time, z_t)},
        },
    }
    if calibration_set is not None:
        for label, inside in (("in_sample", True), ("out_of_sample", False)):
            sub = [k for k, i in enumerate(idx) if (pred.entities[i] in calibration_set) == inside]
            dq = [k for k, i in enumerate(defaulters) if (pred.entities[i] in calibration_set) == inside]
            scores[label] = {
                "auc": auc(p[sub], y[sub]),
                "brier": brier(p[sub], y[sub]),
                "timing_rank_correlation": rank_correlation(
                    [model_q[k] for k in dq], [actual_q[k] for k in dq]
                ),
                "n_scored": len(sub),
                "entities": sorted(pred.entities[idx[k]] for k in sub),
                "set": "calibration set" if inside else "evaluation set (outcomes kept aside)",
            }
    fins = list(financials)
    vendors = []
    for v, losses in pred.vendor_losses.items():
        rep, basis = reported_losses(v, fins, outcome_rows, pred.cutoff, pred.horizon)
        vendors.append(
            {
                "id": v,
                "name": pred.names[pred.entities.index(v)],
                "projected_losses": round(float(losses.mean()), 4),
                "projected_losses_p5": round(float(np.percentile(losses, 5)), 4),
                "projected_losses_p95": round(float(np.percentile(losses, 95)), 4),
                "reported_losses": rep,
                "reported_basis": basis,
                **(
                    {}
                    if calibration_set is None
                    else {"set": "calibration" if v in calibration_set else "evaluation"}
                ),
            }
        )
    mv = pred.market_value_lost
    return {
        "dataset": pred.dataset,
        "cutoff": pred.cutoff.isoformat(),
        "horizon": pred.horizon.isoformat(),
        "draws": pred.draws,
        "seed": pred.seed,
        "quarters": [pred.quarters[0], pred.quarters[-1]],
        "period_scenario": pred.period.name,
        "calibration": calibration,
        "recovery_rate": pred.recovery_rate,
        "uncertainty": list(pred.parameters),
        "outcomes": outcomes_source,
        "entities": ents,
        "vendors": vendors,
        "market_value_lost": {
            "median": round(float(np.median(mv)), 3),
            "p5": round(float(np.percentile(mv, 5)), 3),
            "p95": round(float(np.percentile(mv, 95)), 3),
            "unit": "USD_bn",
        },
        "scores": scores,
        "unscored": {"unknown_outcome": unknown, "resolved_before_cutoff": excluded},
        "notes": pred.notes,
    }


def _d(o: EntityOutcome) -> date:
    assert o.default_date is not None
    return o.default_date
