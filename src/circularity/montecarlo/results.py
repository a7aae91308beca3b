"""The result of a Monte Carlo run: per-draw headlines, probabilities, quantile bands."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from circularity.errors import UnknownNameError
from circularity.montecarlo.summaries import QUANTILES, TOTAL, Accumulator, describe, year_ends

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from circularity.montecarlo.manifest import RunManifest
    from circularity.montecarlo.protocol import SimulationModel

__all__ = ["SimulationResult"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationResult:
    """What a run keeps. Per-draw arrays have ``draws`` rows; bands are per entity and quarter.

    ``fan[var]`` has shape ``(len(QUANTILES), len(entities) + 1, len(quarters))``, the last
    entity row being the total over entities, estimated from the first ``fan_draws`` draws.
    Unknown is neither a gap nor 0: a value the model leaves unknown (NaN: an entity of unknown
    market value) is left out of the bands, which are quantiles of the draws where it is known
    (``fan_unknown_draws[var]``, per entity row, counts the draws left out at the worst quarter);
    an entity with a quarter known in no draw has no band and is listed in
    ``fan_excluded[var]`` (:meth:`quantiles` leaves it out); the total row sums the entities of
    known value. ``p_short`` and ``p_default`` have shape
    ``(len(entities), len(years))`` and give the probability of having run short of cash
    (shortfall > 0) or defaulted by each year end.
    """

    draws: int
    entities: tuple[str, ...]
    quarters: tuple[str, ...]
    years: tuple[int, ...]
    focus: str
    params: dict[str, NDArray[np.float64]]
    headlines: dict[str, NDArray[np.float64]]
    value_lost: NDArray[np.float64] | None
    fan: dict[str, NDArray[np.float64]]
    p_short: NDArray[np.float64] | None
    p_default: NDArray[np.float64] | None
    fan_draws: int = 0
    fan_excluded: dict[str, tuple[str, ...]] = field(default_factory=dict)
    fan_unknown_draws: dict[str, NDArray[np.int64]] = field(default_factory=dict)
    manifest: RunManifest | None = None
    first_projected: int = 0  # index of the first projected quarter (before it: history, not drawn)

    @classmethod
    def from_accumulator(
        cls, acc: Accumulator, *, model: SimulationModel, manifest: RunManifest | None = None
    ) -> SimulationResult:
        quarters = tuple(model.quarters)
        years = tuple(year_ends(quarters)[0]) if quarters else ()
        names = (*model.entities, TOTAL)
        fan: dict[str, NDArray[np.float64]] = {}
        excluded: dict[str, tuple[str, ...]] = {}
        unknown_draws: dict[str, NDArray[np.int64]] = {}
        for k, v in acc.fan.items():
            missing = np.isnan(v)
            if not missing.any():
                fan[k] = np.quantile(v, QUANTILES, axis=-1).astype(np.float64)
                continue
            # quantiles of the known draws; a quarter known in no draw excludes its entity (listed)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                fan[k] = np.nanquantile(v, QUANTILES, axis=-1).astype(np.float64)
            none_known = missing.all(axis=-1).any(axis=-1)
            excluded[k] = tuple(names[j] for j in np.flatnonzero(none_known))
            unknown_draws[k] = missing.sum(axis=-1).max(axis=-1).astype(np.int64)
        n = acc.n
        return cls(
            draws=n,
            entities=tuple(model.entities),
            quarters=quarters,
            years=years,
            focus=str(getattr(model, "focus", "")),
            params=acc.params,
            headlines=acc.headlines,
            value_lost=acc.value_lost,
            fan=fan,
            p_short=None if acc.short_counts is None else acc.short_counts / n,
            p_default=None if acc.default_counts is None else acc.default_counts / n,
            fan_draws=acc.fan_n,
            fan_excluded=excluded,
            fan_unknown_draws=unknown_draws,
            manifest=manifest,
            first_projected=int(getattr(getattr(model, "web", None), "first_projected", 0) or 0),
        )

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, Any]:
        """The run's summaries as plain JSON-ready data.

        Keys: ``draws``; ``headlines`` (mean and 5/25/50/75/95th percentiles of each
        per-draw headline, e.g. the focus entity's cumulative funding need);
        ``p_short_by_year`` (focus entity); ``p_default_by_year`` (entity → year → p);
        ``defaults`` (entity → projected year → probability of having defaulted by its end: the
        years whose last quarter is projected, history being the reported figures);
        ``value_lost`` (entity and total → distribution; an entity's loss is
        ``max(0, value at the start − value at the last quarter)``, the start the model's own where it
        gives one (the projection's: the end of history, as its headline) else the first quarter's;
        the total the model's headline
        ``market_value_lost`` where it gives one: each firm's fall counted once, stakes taken out,
        else the entities' sum); ``fan_excluded`` (variable → entities with no band: value unknown).
        """
        out: dict[str, Any] = {"draws": self.draws, "focus": self.focus}
        out["headlines"] = {k: describe(v) for k, v in self.headlines.items()}
        if self.p_short is not None and self.focus in self.entities:
            i = self.entities.index(self.focus)
            out["p_short_by_year"] = {
                str(y): float(p) for y, p in zip(self.years, self.p_short[i], strict=True)
            }
        if self.p_default is not None:
            out["p_default_by_year"] = {
                e: {str(y): float(p) for y, p in zip(self.years, row, strict=True)}
                for e, row in zip(self.entities, self.p_default, strict=True)
            }
            ends = year_ends(self.quarters)[1]
            projected = {str(self.years[k]) for k, t in enumerate(ends) if t >= self.first_projected}
            out["defaults"] = {
                e: {y: p for y, p in row.items() if y in projected}
                for e, row in out["p_default_by_year"].items()
            }
        if self.fan_excluded:
            out["fan_excluded"] = {k: list(v) for k, v in self.fan_excluded.items() if v}
        if self.value_lost is not None:
            names = [*self.entities, TOTAL]
            out["value_lost"] = {  # entities of unknown value have no distribution: left out
                e: describe(self.value_lost[:, j])
                for j, e in enumerate(names)
                if np.isfinite(self.value_lost[:, j]).all()
            }
        return out

    def quantiles(self, variable: str | None = None, entity: str | None = None) -> pd.DataFrame:
        """Quantile bands in long form: ``variable, entity, quarter, q, value``; entities in
        :attr:`fan_excluded` (value unknown) have no rows (asking for one alone raises)."""
        rows = []
        names = [*self.entities, TOTAL]
        for var, bands in self.fan.items():
            if variable is not None and var != variable:
                continue
            gone = set(self.fan_excluded.get(var, ()))
            for j, ent in enumerate(names):
                if entity is not None and ent != entity:
                    continue
                if ent in gone:  # value unknown in every draw of a quarter: no band, listed
                    continue
                for k, q in enumerate(QUANTILES):
                    rows.append(
                        pd.DataFrame(
                            {
                                "variable": var,
                                "entity": ent,
                                "quarter": list(self.quarters),
                                "q": q,
                                "value": bands[k, j],
                            }
                        )
                    )
        if not rows:
            known = ", ".join(self.fan) or "none"
            raise UnknownNameError(
                f"no quantile bands for variable={variable!r} entity={entity!r}; variables kept: {known}"
            )
        return pd.concat(rows, ignore_index=True)

    def to_frame(self) -> pd.DataFrame:
        """One row per draw: the drawn parameters then the headline outputs."""
        data: dict[str, Any] = {"draw": np.arange(self.draws)}
        data.update(self.params)
        data.update(self.headlines)
        return pd.DataFrame(data)

    def fan_chart(self, variable: str = "cash", entity: str | None = None) -> go.Figure:
        """A Plotly fan chart: 5–95% and 25–75% bands and the median per quarter."""
        import plotly.graph_objects as go

        entity = entity or (self.focus if self.focus in self.entities else TOTAL)
        df = self.quantiles(variable, entity)
        x = list(self.quarters)
        band = {q: df.loc[df["q"] == q, "value"].to_numpy() for q in QUANTILES}
        fig = go.Figure()
        for lo, hi, alpha, label in ((0.05, 0.95, 0.15, "5–95%"), (0.25, 0.75, 0.3, "25–75%")):
            fig.add_trace(
                go.Scatter(
                    x=x, y=band[hi], mode="lines", line={"width": 0}, showlegend=False, hoverinfo="skip"
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=band[lo],
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=f"rgba(31,119,180,{alpha})",
                    name=label,
                )
            )
        fig.add_trace(
            go.Scatter(x=x, y=band[0.5], mode="lines", name="median", line={"color": "rgb(31,119,180)"})
        )
        fig.update_layout(
            title=f"{entity}: {variable} (USD bn), bands from {self.fan_draws:,} of {self.draws:,} draws",
            xaxis_title="quarter",
            yaxis_title="USD bn",
            transition_duration=0,
        )
        return fig
