"""The allowed range of each scenario number, declared beside its field.

``gpu_life_years: Annotated[Param, In(0, 50, low_open=True, unit="years")]`` refuses 0, -1 and 51
with the value and the range in the message, and publishes the range in the JSON Schema
(``x-allowed-range``). :data:`Number` is a finite float that refuses booleans and strings, so that
``true`` or ``"5"`` never stands in for a number; the scenario models also refuse NaN and
infinities (``allow_inf_nan=False``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, Strict
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = ["In", "Number"]

#: A finite number given as a number (never a boolean or a string).
Number = Annotated[float, Strict()]


@dataclass(frozen=True, slots=True)
class In:
    """A closed (or half-open) interval a scenario number must lie in; ``None`` is unbounded."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    unit: str = ""

    def text(self) -> str:
        """The interval as a reader writes it: ``(0, 50] years``."""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        return f"{left}{lo}, {hi}{right}" + (f" {self.unit}" if self.unit else "")

    def holds(self, x: float) -> bool:
        """Whether ``x`` lies in the interval (NaN never does)."""
        if math.isnan(x):
            return False
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        return not (self.high is not None and (x > self.high or (self.high_open and x == self.high)))

    def _check(self, value: Any) -> Any:
        inner = getattr(value, "value", value)
        numbers = list(inner.values()) if isinstance(inner, dict) else [inner]
        for x in numbers:
            if isinstance(x, int | float) and not self.holds(float(x)):
                raise ValueError(f"{x:g} is outside the allowed range {self.text()}")
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        js = handler(schema)
        return {**js, "x-allowed-range": self.text()}
