"""Parameter distributions for Monte Carlo runs, and the Gaussian copula that correlates them.

A scenario file names the uncertain parameters by dotted path and gives each a distribution::

    distributions:
      entities.openai.revenue_growth: {dist: triangular, low: 0.2, mode: 0.45, high: 0.8}
      globals.gpu_life_years: {dist: discrete, values: [3, 4, 5, 6], weights: [1, 2, 2, 1]}
      globals.credit_appetite: {dist: beta, a: 4, b: 2}
    correlation:
      params: [entities.openai.revenue_growth, globals.credit_appetite]
      matrix: [[1.0, 0.5], [0.5, 1.0]]

Every distribution is sampled by its inverse CDF (``ppf``) applied to uniforms, so the same
uniforms drive Monte Carlo draws, the Gaussian copula and the Sobol design alike.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import special

from circularity._typing import FloatArray
from circularity.errors import OptionError, ScenarioError

__all__ = [
    "Beta",
    "Correlation",
    "Discrete",
    "Distribution",
    "LogNormal",
    "Normal",
    "ParameterSpace",
    "Triangular",
    "Uniform",
    "parse_parameter_space",
]


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def ppf(self, u: FloatArray) -> FloatArray:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def var(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def median(self) -> float:
        return float(self.ppf(np.array([0.5]))[0])


class Uniform(_Dist):
    """Uniform on ``[low, high]``."""

    dist: Literal["uniform"] = "uniform"
    low: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Uniform:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        return self.low + (self.high - self.low) * u

    def mean(self) -> float:
        return (self.low + self.high) / 2

    def var(self) -> float:
        return (self.high - self.low) ** 2 / 12


class Triangular(_Dist):
    """Triangular on ``[low, high]`` with its peak at ``mode``."""

    dist: Literal["triangular"] = "triangular"
    low: float
    mode: float
    high: float

    @model_validator(mode="after")
    def _check(self) -> Triangular:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        if not self.low <= self.mode <= self.high:
            raise ValueError(f"mode ({self.mode}) must lie in [low, high] = [{self.low}, {self.high}]")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        a, c, b = self.low, self.mode, self.high
        fc = (c - a) / (b - a)
        left = a + np.sqrt(u * (b - a) * (c - a))
        right = b - np.sqrt((1 - u) * (b - a) * (b - c))
        return np.where(u < fc, left, right)

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    def var(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18


class Normal(_Dist):
    """Normal with mean ``mean`` and standard deviation ``sd``."""

    dist: Literal["normal"] = "normal"
    mean_: float = Field(alias="mean")
    sd: float = Field(gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(self.mean_ + self.sd * special.ndtri(u), dtype=np.float64)

    def mean(self) -> float:
        return self.mean_

    def var(self) -> float:
        return self.sd**2


class LogNormal(_Dist):
    """Log-normal: ``log X ~ Normal(mu, sigma)``; give ``mu`` or ``median`` (= exp(mu))."""

    dist: Literal["lognormal"] = "lognormal"
    sigma: float = Field(gt=0)
    mu: float | None = None
    median_: float | None = Field(default=None, alias="median", gt=0)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> LogNormal:
        if (self.mu is None) == (self.median_ is None):
            raise ValueError("give exactly one of mu (log-scale location) or median")
        return self

    @property
    def log_mu(self) -> float:
        return self.mu if self.mu is not None else float(np.log(self.median_))  # type: ignore[arg-type]

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(np.exp(self.log_mu + self.sigma * special.ndtri(u)), dtype=np.float64)

    def mean(self) -> float:
        return float(np.exp(self.log_mu + self.sigma**2 / 2))

    def var(self) -> float:
        s2 = self.sigma**2
        return float((np.exp(s2) - 1) * np.exp(2 * self.log_mu + s2))


class Beta(_Dist):
    """Beta(a, b) stretched onto ``[low, high]`` (default ``[0, 1]``)."""

    dist: Literal["beta"] = "beta"
    a: float = Field(gt=0)
    b: float = Field(gt=0)
    low: float = 0.0
    high: float = 1.0

    @model_validator(mode="after")
    def _check(self) -> Beta:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be below high ({self.high})")
        return self

    def ppf(self, u: FloatArray) -> FloatArray:
        return np.asarray(
            self.low + (self.high - self.low) * special.betaincinv(self.a, self.b, u), dtype=np.float64
        )

    def mean(self) -> float:
        return self.low + (self.high - self.low) * self.a / (self.a + self.b)

    def var(self) -> float:
        a, b = self.a, self.b
        return (self.high - self.low) ** 2 * a * b / ((a + b) ** 2 * (a + b + 1))


class Discrete(_Dist):
    """Finitely many ``values`` with ``weights`` (equal if omitted; normalised to sum to one)."""

    dist: Literal["discrete"] = "discrete"
    values: list[float] = Field(min_length=1)
    weights: list[float] | None = None

    @model_validator(mode="after")
    def _check(self) -> Discrete:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(
                    f"{len(self.weights)} weights for {len(self.values)} values; give one weight per value"
                )
            if any(w < 0 or not np.isfinite(w) for w in self.weights):
                raise ValueError("weights must be finite and non-negative")
            if sum(self.weights) <= 0:
                raise ValueError("weights must not all be zero")
        return self

    def _probabilities(self) -> FloatArray:
        w = np.ones(len(self.values)) if self.weights is None else np.asarray(self.weights, np.float64)
        return np.asarray(w / w.sum(), dtype=np.float64)

    def ppf(self, u: FloatArray) -> FloatArray:
        cdf = np.cumsum(self._probabilities())
        cdf[-1] = 1.0
        idx = np.searchsorted(cdf, u, side="right")
        return np.asarray(self.values, float)[np.minimum(idx, len(self.values) - 1)]

    def mean(self) -> float:
        return float(self._probabilities() @ np.asarray(self.values, float))

    def var(self) -> float:
        v = np.asarray(self.values, float)
        p = self._probabilities()
        return float(p @ (v - p @ v) ** 2)


Distribution = Annotated[
    Uniform | Triangular | Normal | LogNormal | Beta | Discrete, Field(discriminator="dist")
]


class Correlation(BaseModel):
    """Rank-style correlation through a Gaussian copula: ``params`` and their ``matrix``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    params: list[str] = Field(min_length=2)
    matrix: list[list[float]]

    @model_validator(mode="after")
    def _check(self) -> Correlation:
        k = len(self.params)
        if len(set(self.params)) != k:
            raise ValueError(f"params lists a parameter twice: {self.params}")
        m = np.asarray(self.matrix, dtype=float)
        if m.shape != (k, k):
            raise ValueError(f"matrix must be {k}x{k} for {k} params, got shape {m.shape}")
        if not np.allclose(np.diag(m), 1.0):
            raise ValueError("matrix must have ones on its diagonal")
        if not np.allclose(m, m.T):
            raise ValueError("matrix must be symmetric")
        if np.any(np.abs(m) > 1):
            raise ValueError("correlations must lie in [-1, 1]")
        try:
            np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            raise ValueError("matrix is not positive definite; lower the correlations") from None
        return self


class ParameterSpace(BaseModel):
    """The uncertain parameters of a run: name → distribution, plus an optional copula."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    parameters: dict[str, Distribution] = Field(min_length=1)
    correlation: Correlation | None = None

    @model_validator(mode="after")
    def _check(self) -> ParameterSpace:
        if self.correlation is not None:
            unknown = [p for p in self.correlation.params if p not in self.parameters]
            if unknown:
                raise ValueError(
                    f"correlation names parameter(s) without a distribution: {', '.join(unknown)}"
                )
        return self

    @property
    def names(self) -> list[str]:
        return list(self.parameters)

    def cholesky(self) -> tuple[list[int], FloatArray]:
        """Indices of the correlated parameters and the Cholesky factor of their matrix."""
        if self.correlation is None:
            return [], np.zeros((0, 0))
        idx = [self.names.index(p) for p in self.correlation.params]
        return idx, np.linalg.cholesky(np.asarray(self.correlation.matrix, dtype=float))

    def transform(self, u: FloatArray) -> dict[str, FloatArray]:
        """Map uniforms of shape ``(S, k)`` (columns in :attr:`names` order) to parameters."""
        if u.ndim != 2 or u.shape[1] != len(self.parameters):
            raise OptionError(f"expected uniforms of shape (S, {len(self.parameters)})")
        return {
            name: np.ascontiguousarray(dist.ppf(u[:, j]), dtype=np.float64)
            for j, (name, dist) in enumerate(self.parameters.items())
        }


def _describe(err: dict[str, Any]) -> str:
    loc = [str(x) for x in err["loc"]]
    msg = str(err["msg"]).removeprefix("Value error, ")
    if len(loc) >= 2 and loc[0] == "parameters":
        rest = [
            x
            for x in loc[2:]
            if x not in {"uniform", "triangular", "normal", "lognormal", "beta", "discrete"}
        ]
        field = f" field '{'.'.join(rest)}'" if rest else ""
        if err["type"] == "union_tag_invalid":
            msg = "unknown dist; allowed: uniform, triangular, normal, lognormal, beta, discrete"
        elif err["type"] == "union_tag_not_found":
            msg = "missing 'dist' (one of uniform, triangular, normal, lognormal, beta, discrete)"
        return f"distribution for parameter '{loc[1]}'{field}: {msg}"
    where = ".".join(loc) or "distributions"
    return f"{where}: {msg}"


def parse_parameter_space(
    parameters: dict[str, Any], correlation: dict[str, Any] | None = None, *, source: str = ""
) -> ParameterSpace:
    """Validate distribution specs; a bad spec raises :class:`ScenarioError` naming the parameter.

    Examples
    --------
    >>> space = parse_parameter_space({"x": {"dist": "uniform", "low": 0, "high": 1}})
    >>> space.names
    ['x']
    """
    try:
        return ParameterSpace.model_validate({"parameters": parameters, "correlation": correlation})
    except ValidationError as exc:
        prefix = f"{source}: " if source else ""
        lines = [prefix + _describe(e) for e in exc.errors()]  # type: ignore[arg-type]
        raise ScenarioError("; ".join(lines)) from None
