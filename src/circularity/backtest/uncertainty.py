"""What a backtest's Monte Carlo draws about each firm, beyond the engine's default uncertainty.

The engine's default uncertainty (``montecarlo/default_uncertainty.yaml``) draws market-wide
parameters: one growth rate, one rate, one credit and one equity appetite per draw. On a web whose
firms are mostly described by filled values, that moves no firm against its peers. A backtest
adds, from ``backtest/uncertainty.yaml`` (each value an assumption with its reason):

* **firm growth**: ``entities.<id>.revenue_growth`` = the draw's common growth + a firm-specific
  normal error (``firm_growth_sd``);
* **filled starting values**: each value filled by a peer median is drawn as one peer's value
  (one uniform per entity and draw picks the peer for all its filled fields); data is held;
* **recovery**: the recovery rate on defaulted customer financing, a beta around the period's (or
  the calibrated) mean.

Pure functions of the starting states and a seed: same seed, same draws.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml

from circularity._typing import Array
from circularity.backtest.starting_state import EntityState
from circularity.errors import BacktestError

__all__ = ["FirmUncertainty", "firm_draws", "load_firm_uncertainty", "recovery_draws"]

_FILE = "circularity/backtest/uncertainty.yaml"
#: fields filled as a ratio to revenue (the drawn value is the peer's ratio × the entity's revenue)
_PER_REVENUE = ("cash", "debt", "market_value")
#: fields filled as a ratio (drawn as the peer's ratio)
_RATIOS = ("opex_ratio", "capex_ratio")


@dataclass(frozen=True, slots=True, kw_only=True)
class FirmUncertainty:
    """The settings of ``backtest/uncertainty.yaml``, each with its source."""

    firm_growth_sd: float
    recovery_concentration: float
    sources: dict[str, str]

    def describe(self) -> tuple[str, ...]:
        """One line per drawn quantity, for the run's ``uncertainty`` list."""
        return (
            f"entities.<id>.revenue_growth: common draw + normal(0, {self.firm_growth_sd:g}) per firm ({_FILE})",
            f"filled starting values: one peer's value per draw ({_FILE})",
            f"recovery_rate: beta around the mean, a + b = {self.recovery_concentration:g} ({_FILE})",
        )


def load_firm_uncertainty() -> FirmUncertainty:
    """The bundled settings; :class:`BacktestError` names a missing or bad field."""
    raw = yaml.safe_load(resources.files("circularity.backtest").joinpath("uncertainty.yaml").read_text())
    try:
        sd = float(raw["firm_growth_sd"]["value"])
        conc = float(raw["recovery_concentration"]["value"])
        rule = str(raw["filled_values"]["rule"])
        sources = {
            k: str(raw[k]["source"]) for k in ("firm_growth_sd", "filled_values", "recovery_concentration")
        }
    except (KeyError, TypeError, ValueError) as exc:
        raise BacktestError(f"{_FILE}: missing or bad field ({exc})") from None
    if not (math.isfinite(sd) and sd >= 0.0):
        raise BacktestError(f"{_FILE}: firm_growth_sd: {sd} must be a finite number >= 0")
    if not (math.isfinite(conc) and conc > 0.0):
        raise BacktestError(f"{_FILE}: recovery_concentration: {conc} must be > 0")
    if rule != "peer_draw":
        raise BacktestError(f"{_FILE}: filled_values.rule: '{rule}' is not a known rule (peer_draw)")
    return FirmUncertainty(firm_growth_sd=sd, recovery_concentration=conc, sources=sources)


def _rng(seed: int, stream: int) -> np.random.Generator:
    # a stream of its own, apart from the sampler's: the engine's draws are unchanged by this module
    return np.random.default_rng(np.random.SeedSequence([int(seed), 15, stream]))


def firm_draws(
    states: Mapping[str, EntityState],
    entities: Sequence[str],
    common_growth: Array,
    *,
    n: int,
    seed: int,
    settings: FirmUncertainty,
) -> dict[str, Array]:
    """Per-draw overrides of each operating entity's growth and filled starting values.

    Parameters
    ----------
    states : the starting states (:func:`~circularity.backtest.starting_state.starting_states`).
    entities : the operating entities in a fixed order (the web's); the draws follow this order.
    common_growth : (n,) the draw's market-wide growth (``defaults.revenue_growth``).

    Returns
    -------
    dict
        ``run_projection`` override paths → ``(n,)`` arrays: ``entities.<id>.revenue_growth`` for
        every entity, and ``entities.<id>.<field>`` for each field filled from peers
        (revenue as ``revenue_scale`` against the filled median, so that the outside revenue moves).
    """
    m = len(entities)
    u = _rng(seed, 1).random((n, m))
    u2 = _rng(seed, 4).random((n, m))
    z = _rng(seed, 2).standard_normal((n, m))
    g0 = np.asarray(common_growth, dtype=float) * np.ones(n)
    out: dict[str, Array] = {}
    for k, e in enumerate(entities):
        out[f"entities.{e}.revenue_growth"] = g0 + settings.firm_growth_sd * z[:, k]
        st = states.get(e)
        if st is None or not st.peers:
            continue
        # the twin: one peer among all that fill any of the entity's fields; a field the twin does
        # not report is drawn from that field's own peers (each field stays uniform over its peers:
        # P(p) = 1/U + (U - k)/U x 1/k = 1/k)
        union = sorted({p for pool in st.peers.values() for p, _ in pool})
        twin = np.minimum((u[:, k] * len(union)).astype(np.int64), len(union) - 1)

        def pick(
            field: str, k: int = k, st: EntityState = st, union: list[str] = union, twin: Array = twin
        ) -> Array:
            own = dict(st.peers[field])
            by_twin = np.array([own.get(p, math.nan) for p in union], dtype=float)[twin]
            vals = np.array([v for _, v in st.peers[field]], dtype=float)
            other = vals[np.minimum((u2[:, k] * vals.size).astype(np.int64), vals.size - 1)]
            return np.where(np.isnan(by_twin), other, by_twin)

        rev0 = st.values.get("revenue_annual", math.nan)
        rev = np.full(n, rev0)
        if "revenue_annual" in st.peers and rev0 > 0:
            rev = pick("revenue_annual")
            out[f"entities.{e}.revenue_scale"] = rev / rev0
        for f in _RATIOS:
            if f in st.peers:
                out[f"entities.{e}.{f}"] = np.maximum(pick(f), 0.0)
        for f in _PER_REVENUE:
            if f in st.peers and math.isfinite(rev0):
                out[f"entities.{e}.{f}"] = np.maximum(pick(f) * rev, 0.0)
    return out


def recovery_draws(mean: float, *, n: int, seed: int, settings: FirmUncertainty) -> Array:
    """(n,) recovery rates: a beta with ``mean`` and ``a + b`` = the concentration; 0 or 1 held.

    Each draw is the beta's quantile at the same uniform for any mean (common random numbers), so a
    higher mean recovery lowers every draw's loss: a calibrated recovery moves the losses one way.
    """
    from scipy import stats

    if mean <= 0.0 or mean >= 1.0:
        return np.full(n, float(mean))
    c = settings.recovery_concentration
    u = _rng(seed, 3).random(n)
    return np.asarray(stats.beta.ppf(u, mean * c, (1.0 - mean) * c), dtype=float)
