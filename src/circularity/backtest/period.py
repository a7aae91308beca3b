"""Period scenarios: the market facts known at a backtest's cutoff, each with its source and date.

A period file (``periods/<name>.yaml``) has ``facts`` (value, the date it was public, source),
``scenario`` (projection overrides derived from the facts, each saying its rule) and
``backtest`` (the recovery rate on defaulted customer financing). A backtest uses the latest
period whose ``cutoff`` is on or before its own, and refuses any fact known after its cutoff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from circularity.errors import BacktestError
from circularity.ledger.dates import parse_date

__all__ = ["PERIODS", "Period", "load_period", "period_for"]

PERIODS: tuple[str, ...] = ("telecom-2000h2", "telecom-2001")


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """A validated period scenario."""

    name: str
    cutoff: date
    facts: dict[str, dict[str, Any]]
    scenario: dict[str, Any]
    recovery_rate: float
    recovery_source: str
    path: str

    def latest_fact(self) -> date:
        return max(parse_date(f["known"]) for f in self.facts.values())


def load_period(name_or_path: str) -> Period:
    """A bundled period by name or a YAML file; :class:`BacktestError` names the bad field."""
    if name_or_path in PERIODS:
        ref = resources.files("circularity.backtest").joinpath(f"periods/{name_or_path}.yaml")
        text, where = ref.read_text(), f"period {name_or_path}"
    else:
        p = Path(name_or_path)
        if not p.is_file():
            raise BacktestError(
                f"unknown period '{name_or_path}'; bundled: {', '.join(PERIODS)}, or a YAML file"
            )
        text, where = p.read_text(), str(p)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise BacktestError(f"{where}: a period file is a YAML mapping")
    try:
        facts = dict(data["facts"])
        for key, f in facts.items():
            if not isinstance(f, dict) or not {"value", "known", "source"} <= set(f):
                raise BacktestError(f"{where}: facts.{key}: needs value, known (date public) and source")
            parse_date(str(f["known"]))
        rec = data["backtest"]["recovery_rate"]
        value = float(rec["value"])
        if not 0.0 <= value <= 1.0:
            raise BacktestError(f"{where}: backtest.recovery_rate: {value} is outside [0, 1]")
        return Period(
            name=str(data["name"]),
            cutoff=parse_date(str(data["cutoff"])),
            facts=facts,
            scenario=dict(data.get("scenario") or {}),
            recovery_rate=value,
            recovery_source=str(rec["source"]),
            path=where,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BacktestError(f"{where}: missing or bad field ({exc})") from None


def period_for(cutoff: date) -> str:
    """The bundled period with the latest cutoff on or before ``cutoff``."""
    best = None
    for name in PERIODS:
        p = load_period(name)
        if p.cutoff <= cutoff and (best is None or p.cutoff > best[0]):
            best = (p.cutoff, name)
    if best is None:
        raise BacktestError(f"no period scenario is known by {cutoff}; bundled: {', '.join(PERIODS)}")
    return best[1]
