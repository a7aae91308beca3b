"""The calibrate step: a parameter fitted on outcomes, written to a file, with its sets named.

A backtest runs on the engine's defaults and the period's market facts (``calibration: none``).
:func:`fit_calibration` is the only place where outcomes may move a parameter, and only the
outcomes of the **calibration set** (:func:`load_split`): the entities with a row in the bundled
outcomes table as shipped. The outcomes of every other entity (the **evaluation set**) are kept aside
for out-of-sample scoring (``shared/research/telecom/README.md``); calibrate drops their outcome rows
and reported figures before it fits, and refuses an outcomes file that names one.

Calibrated parameter
--------------------
``recovery_rate``: the share of a defaulted customer's debt a vendor recovers. It scales the
projected vendor losses only (default probabilities do not depend on it), and it is the figure the
period file takes from a market-wide fact (Moody's 42% of par on defaulted bonds) that need not hold
for vendor loans to start-up carriers. Fit: with ``E_v`` the mean projected exposure at default of
calibration vendor ``v`` (its losses at recovery 0) and ``R_v`` its reported losses in the window,
least squares over ``1 − r``:

.. math:: 1 - \\hat r = \\operatorname{clip}_{[0, 1]}\\left(\\sum_v E_v R_v \\Big/ \\sum_v E_v^2\\right)

The file (YAML) records the dataset, cutoff, horizon, draws, seed, period, the two sets, the fitted
value with its rule, and each vendor's ``E_v`` and ``R_v``. ``circularity backtest --calibration FILE``
uses it and says so; without it every run prints ``calibration: none``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from circularity.backtest.evaluate import reported_losses
from circularity.backtest.outcomes import OutcomeLike
from circularity.backtest.predictions import predict
from circularity.errors import BacktestError, Problem
from circularity.ledger import Entity, Financial, Ledger, Outcome

__all__ = ["CALIBRATED", "Calibration", "Split", "fit_calibration", "load_calibration", "load_split"]

#: The parameters the calibrate step may fit.
CALIBRATED: tuple[str, ...] = ("recovery_rate",)
_KIND = "circularity-backtest-calibration"


@dataclass(frozen=True, slots=True, kw_only=True)
class Split:
    """The named calibration and evaluation sets of a dataset's outcomes."""

    dataset: str
    calibration: frozenset[str]
    evaluation: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Calibration:
    """A calibration file's content."""

    dataset: str
    cutoff: date
    horizon: date
    draws: int
    seed: int
    period: str
    recovery_rate: float
    rule: str
    outcomes: str
    split: Split
    fit: tuple[dict[str, Any], ...]
    path: str = ""

    def describe(self) -> str:
        """One line for a backtest's output: which calibration, fitted how and on what."""
        return (
            f"{self.path or 'calibration'}: recovery_rate {self.recovery_rate:.3f} fitted at cutoff "
            f"{self.cutoff} on {len(self.split.calibration)} calibration-set entities ({self.outcomes}); "
            f"evaluation set ({len(self.split.evaluation)} entities) not read"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": _KIND,
            "dataset": self.dataset,
            "fitted_at": {
                "cutoff": self.cutoff.isoformat(),
                "horizon": self.horizon.isoformat(),
                "draws": self.draws,
                "seed": self.seed,
                "period": self.period,
            },
            "calibration_set": {
                "source": self.split.source,
                "outcomes": self.outcomes,
                "entities": sorted(self.split.calibration),
            },
            "evaluation_set": {
                "rule": "every other entity of the dataset: outcomes kept aside for out-of-sample scoring",
                "entities": sorted(self.split.evaluation),
            },
            "parameters": {"recovery_rate": {"value": round(self.recovery_rate, 4), "source": self.rule}},
            "fit": list(self.fit),
        }


def load_split(ledger: Ledger, dataset: str) -> Split:
    """The dataset's outcome split (``backtest/splits/<dataset>.yaml``); evaluation = every other entity."""
    ref = resources.files("circularity.backtest").joinpath(f"splits/{dataset}.yaml")
    if not ref.is_file():
        raise BacktestError(f"dataset '{dataset}' has no outcome split; calibrate runs on: telecom")
    data = yaml.safe_load(ref.read_text())
    ents = {e.id for e in ledger.records.get("entities", ()) if isinstance(e, Entity)}
    cal = frozenset(str(e) for e in data["calibration_set"])
    unknown = sorted(cal - ents)
    if unknown:
        raise BacktestError(f"splits/{dataset}.yaml: calibration_set: unknown entities {unknown}")
    return Split(
        dataset=dataset, calibration=cal, evaluation=frozenset(ents - cal), source=str(data["source"])
    )


def fit_calibration(
    ledger: Ledger,
    *,
    dataset: str,
    cutoff: date,
    horizon: date,
    n: int = 2000,
    seed: int = 7,
    period: str | None = None,
    outcome_rows: Sequence[OutcomeLike] | None = None,
    outcomes_source: str = "",
) -> Calibration:
    """Fit :data:`CALIBRATED` on the calibration set's outcomes and reported losses.

    Parameters
    ----------
    ledger : the full dataset; only the calibration set's outcomes and financials are read.
    outcome_rows : calibration outcomes from a file (default: the ledger's outcomes table);
        a row naming an evaluation-set entity is refused.

    Raises
    ------
    BacktestError
        An outcomes row of the evaluation set (located), or no calibration vendor with both a
        projected exposure and a reported loss (nothing to fit).
    """
    split = load_split(ledger, dataset)
    if outcome_rows is None:
        rows: list[OutcomeLike] = [
            o
            for o in ledger.records.get("outcomes", ())
            if isinstance(o, Outcome) and o.entity in split.calibration
        ]
        outcomes_source = outcomes_source or f"bundled {dataset} outcomes table, calibration set only"
    else:
        bad = [
            Problem(
                outcomes_source,
                i,
                "entity",
                f"'{r.entity}' is in the evaluation set (kept aside); calibrate reads the calibration set only",
            )
            for i, r in enumerate(outcome_rows, start=2)
            if r.entity not in split.calibration
        ]
        if bad:
            raise BacktestError(bad)
        rows = list(outcome_rows)
    fins = [
        f
        for f in ledger.records.get("financials", ())
        if isinstance(f, Financial) and f.entity in split.calibration
    ]
    pred = predict(
        ledger,
        dataset=dataset,
        cutoff=cutoff,
        horizon=horizon,
        n=n,
        seed=seed,
        period=period,
        recovery_rate=0.0,
    )
    fit: list[dict[str, Any]] = []
    for v, ead in pred.vendor_losses.items():
        if v not in split.calibration:
            continue
        rep, basis = reported_losses(v, fins, rows, cutoff, horizon)
        e = float(ead.mean())
        fit.append(
            {"vendor": v, "exposure_at_default": round(e, 4), "reported_losses": rep, "reported_basis": basis}
        )
    used = [f for f in fit if f["reported_losses"] is not None and f["exposure_at_default"] > 0]
    if not used:
        raise BacktestError(
            f"calibrate: no calibration-set vendor has both a projected exposure at default and a reported loss "
            f"in ({cutoff}, {horizon}]; nothing to fit"
        )
    ee = sum(f["exposure_at_default"] ** 2 for f in used)
    er = sum(f["exposure_at_default"] * f["reported_losses"] for f in used)
    loss_share = min(max(er / ee, 0.0), 1.0)
    names = ", ".join(f["vendor"] for f in used)
    rule = (
        f"calibrated on outcomes: 1 - recovery = clip(sum E*R / sum E^2) = {loss_share:.4f} over {len(used)} "
        f"calibration-set vendor(s) ({names}); E = mean projected exposure at default (recovery 0, "
        f"{n} draws, seed {seed}, cutoff {cutoff}), R = reported losses in the window"
    )
    return Calibration(
        dataset=dataset,
        cutoff=cutoff,
        horizon=horizon,
        draws=n,
        seed=seed,
        period=pred.period.name,
        recovery_rate=1.0 - loss_share,
        rule=rule,
        outcomes=outcomes_source,
        split=split,
        fit=tuple(fit),
    )


def write_calibration(cal: Calibration, path: str | Path) -> Path:
    """Write a calibration file (YAML)."""
    p = Path(path)
    p.write_text(
        "# Written by `circularity calibrate`: parameters fitted on the calibration set's outcomes.\n"
        + yaml.safe_dump(cal.to_dict(), sort_keys=False, allow_unicode=True, width=110),
        encoding="utf-8",
    )
    return p


def load_calibration(path: str | Path, ledger: Ledger, dataset: str) -> Calibration:
    """Read a calibration file; :class:`BacktestError` names the bad field in one line."""
    from circularity.ledger.dates import parse_date

    p = Path(path)
    if not p.is_file():
        raise BacktestError(f"--calibration {p}: no such file")
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("kind") != _KIND:
            raise BacktestError(
                f"{p}: not a calibration file (kind: {_KIND}); write one with `circularity calibrate`"
            )
        if data["dataset"] != dataset:
            raise BacktestError(f"{p}: calibrated on dataset '{data['dataset']}', not '{dataset}'")
        unknown = sorted(set(data["parameters"]) - set(CALIBRATED))
        if unknown:
            raise BacktestError(
                f"{p}: parameters: {unknown} cannot be calibrated; allowed: {', '.join(CALIBRATED)}"
            )
        rr = data["parameters"]["recovery_rate"]
        value = float(rr["value"])
        if not 0.0 <= value <= 1.0:
            raise BacktestError(f"{p}: parameters.recovery_rate.value: {value} is outside [0, 1]")
        split = load_split(ledger, dataset)
        if set(data["calibration_set"]["entities"]) != split.calibration:
            raise BacktestError(
                f"{p}: calibration_set.entities differ from the dataset's split (splits/{dataset}.yaml)"
            )
        fa = data["fitted_at"]
        return Calibration(
            dataset=dataset,
            cutoff=parse_date(str(fa["cutoff"])),
            horizon=parse_date(str(fa["horizon"])),
            draws=int(fa["draws"]),
            seed=int(fa["seed"]),
            period=str(fa["period"]),
            recovery_rate=value,
            rule=str(rr["source"]),
            outcomes=str(data["calibration_set"]["outcomes"]),
            split=split,
            fit=tuple(data.get("fit") or ()),
            path=str(p),
        )
    except (KeyError, TypeError, ValueError, yaml.YAMLError) as exc:
        raise BacktestError(f"{p}: missing or bad field ({exc})") from None
