"""Shared fixtures: the bundled registry, the bundled ledger, and a small hand-built ledger."""

from __future__ import annotations

from datetime import date

import pytest

import circularity
from circularity.claims import Registry, load_registry
from circularity.ledger import Deal, Financial, Ledger, Source


@pytest.fixture(scope="session")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="session")
def ai_ledger() -> Ledger:
    return circularity.load("ai")


def _source(sid: str = "s1", published: str = "2025-01-01") -> Source:
    return Source(id=sid, publisher="P", title="T", url="https://example.com/x", published=published)


def _fin(entity: str, metric: str, period: str, end: str, value: float, unit: str = "USD_bn") -> Financial:
    return Financial(
        entity=entity,
        period=period,
        period_end=end,
        period_type="Q",
        metric=metric,
        value=value,
        unit=unit,
        sources=["s1"],
        confidence="confirmed",
    )


def _small_ledger(
    financials: list[Financial] = (), deals: list[Deal] = (), as_of: str = "2026-06-30"
) -> Ledger:
    return Ledger(
        records={"sources": (_source(),), "financials": tuple(financials), "deals": tuple(deals)},
        as_of=date.fromisoformat(as_of),
    )


@pytest.fixture
def fin():
    """Factory of one financial row: ``fin(entity, metric, period, end, value, unit="USD_bn")``."""
    return _fin


@pytest.fixture
def small_ledger():
    """Factory of a hand-built ledger: ``small_ledger(financials, deals, as_of="2026-06-30")``."""
    return _small_ledger
