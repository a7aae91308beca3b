"""Captions of the report's figures: what a reader needs to republish one (the dashboard's
exports carry the same lines, built in ``api/static/app.js``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Captions", "knowledge_horizon"]


def knowledge_horizon(ledger: Any, as_of: date) -> str:
    """The last day the ledger has news of by ``as_of``: the latest deal announcement or
    revision on or before it (ISO date; ``–`` for an empty ledger)."""
    days = []
    for d in ledger.records.get("deals", ()):
        announced = getattr(d, "announced", None)
        if isinstance(announced, date) and announced <= as_of:
            days.append(announced)
        for r in getattr(d, "revisions", ()):
            if isinstance(r.valid_from, date) and r.valid_from <= as_of:
                days.append(r.valid_from)
    return max(days).isoformat() if days else "–"


@dataclass(frozen=True, slots=True)
class Captions:
    """Caption lines for one report: as-of date, knowledge horizon, units, source."""

    as_of: date
    horizon: str
    version: str
    dataset: str
    unit: str
    gettext: Callable[[str], str]

    def of(self, title: str, *extra: str, figure: str | None = None) -> dict[str, Any]:
        """``{"title", "lines"}`` for a figure; ``extra`` lines go between the dates and the source."""
        _ = self.gettext
        return {
            "title": title,
            "lines": [
                _("As of {date}; the ledger's knowledge ends {horizon}; {units}.").format(
                    date=self.as_of.isoformat(),
                    horizon=self.horizon,
                    units=_("amounts in {unit}").format(unit=self.unit),
                ),
                *extra,
                _(
                    "Source: circularity {version}, dataset {dataset} (every deal and figure cites a public source); "
                    "deals as reported, not simulated."
                ).format(version=self.version, dataset=self.dataset),
            ],
        }
