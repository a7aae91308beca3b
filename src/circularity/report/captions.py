"""Captions of the report's figures: what a reader needs to republish one (the dashboard's
exports carry the same lines, built in ``api/static/app.js``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = ["Captions", "horizon_note", "knowledge_horizon"]


def knowledge_horizon(ledger: Any, as_of: date) -> str:
    """The last day the ledger has news of by ``as_of``: its knowledge horizon (the latest source
    a record cites, :meth:`~circularity.ledger.Ledger.knowledge_horizon`), or ``as_of`` when that
    is earlier (ISO date; ``–`` for a ledger that cites no dated source)."""
    horizon = ledger.knowledge_horizon()
    return min(horizon, as_of).isoformat() if horizon is not None else "–"


def horizon_note(ledger: Any, as_of: date) -> str | None:
    """The one line a report of date ``as_of`` carries when it is later than the horizon."""
    from circularity.ledger.ledger import horizon_warning

    horizon = ledger.knowledge_horizon()
    return horizon_warning(horizon) if horizon is not None and as_of > horizon else None


@dataclass(frozen=True, slots=True)
class Captions:
    """Caption lines for one report: as-of date, knowledge horizon, units, source."""

    as_of: date
    horizon: str
    version: str
    dataset: str
    unit: str
    gettext: Callable[[str], str]
    #: the figure's model ran from the ledger of ``as_of`` (its preset's date, or today), which is
    #: not the report's date: the caption says so
    model_date: bool = False

    def of(self, title: str, *extra: str, figure: str | None = None, model: bool = False) -> dict[str, Any]:
        """``{"title", "lines"}`` for a figure; ``extra`` lines go between the dates and the source.
        ``model``: the figure draws model results (stress, projection, Monte Carlo, sensitivity),
        and its source line says so instead of "deals as reported"."""
        _ = self.gettext
        source = (
            _(
                "Source: circularity {version}, dataset {dataset} (every deal and figure cites a public source); "
                "model results for the inputs stated, not reported figures."
            )
            if model
            else _(
                "Source: circularity {version}, dataset {dataset} (every deal and figure cites a public source); "
                "deals as reported, not simulated."
            )
        )
        return {
            "title": title,
            "lines": [
                (
                    _(
                        "Ledger as of {date}, the date the model runs from (not the report's date); "
                        "the ledger's knowledge ends {horizon}; {units}."
                    )
                    if self.model_date
                    else _("As of {date}; the ledger's knowledge ends {horizon}; {units}.")
                ).format(
                    date=self.as_of.isoformat(),
                    horizon=self.horizon,
                    units=_("amounts in {unit}").format(unit=self.unit),
                ),
                *extra,
                source.format(version=self.version, dataset=self.dataset),
            ],
        }
