"""The contract between Monte Carlo and the model it drives.

A model maps parameter arrays to output arrays, for ``S`` scenarios at once::

    model(params: dict[str, ndarray (S,)]) -> dict[str, ndarray]

Outputs of shape ``(S,)`` are *headlines* (e.g. ``openai_funding_need_2030``); outputs of
shape ``(S, n, T)`` are per entity and quarter. The summaries use these by name when present:
``cash``, ``debt``, ``market_value`` (fan charts), ``shortfall`` (> 0: ran short of cash),
``defaulted`` (true from default on). ``entities`` and ``quarters`` (labels such as
``2025Q1``) name the axes; ``focus`` is the entity whose cash shortfall is headlined.
The model must give each scenario the same outputs whatever else is in the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

__all__ = ["FunctionModel", "SimulationModel"]

Params = Mapping[str, NDArray[np.float64]]
Outputs = dict[str, NDArray[Any]]


@runtime_checkable
class SimulationModel(Protocol):
    """What :func:`circularity.simulate` drives: a vectorised, picklable callable.

    The axis labels are read-only, so a frozen dataclass satisfies the contract.
    """

    @property
    def entities(self) -> tuple[str, ...]: ...

    @property
    def quarters(self) -> tuple[str, ...]: ...

    @property
    def focus(self) -> str: ...

    def __call__(self, params: Params) -> Outputs: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionModel:
    """Wrap a plain function as a :class:`SimulationModel` (it must be importable to pickle)."""

    fn: Callable[[Params], Outputs]
    entities: tuple[str, ...] = ()
    quarters: tuple[str, ...] = ()
    focus: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)

    def __call__(self, params: Params) -> Outputs:
        return self.fn(params)
