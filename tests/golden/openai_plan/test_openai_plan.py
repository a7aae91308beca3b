"""OpenAI's reported cash-flow vintages: cumulative burn 2025-2029 through the engine."""

from __future__ import annotations

import pytest

from circularity.projection import project

VINTAGES = {  # annual FCF, USD bn (published-models section 3)
    "Q1-2025": ({"2024": -2, "2025": -7, "2026": -8, "2027": -20, "2028": -11, "2029": 12, "2030": 41}, 34.0),
    "Q3-2025": (
        {"2024": -2, "2025": -9, "2026": -17, "2027": -35, "2028": -47, "2029": -8, "2030": 38},
        116.0,
    ),
    "Q1-2026": (
        {"2024": -2, "2025": -8, "2026": -25, "2027": -57, "2028": -85, "2029": -51, "2030": 39},
        226.0,
    ),
}


def _burn(result) -> float:  # type: ignore[no-untyped-def]
    net = (
        result.annual("outside_cash_in", "openai")
        - result.annual("outside_cash_out", "openai")
        - result.annual("payments_made", "openai")
    )
    return float(-net.loc["2025":"2029"].sum())


def test_sep_2025_vintage_preset() -> None:
    assert _burn(project("openai-plan")) == pytest.approx(115.0, abs=2.0)


@pytest.mark.parametrize("vintage", list(VINTAGES))
def test_vintages(vintage: str) -> None:
    path, expected = VINTAGES[vintage]
    value = "{" + ", ".join(f'"{k}": {v}' for k, v in path.items()) + "}"
    r = project("openai-plan", sets=[f"entities.openai.net_cash_flow_path.value={value}"])
    assert _burn(r) == pytest.approx(expected, abs=2.0)
