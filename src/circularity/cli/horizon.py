"""The knowledge horizon every answer prints: the ledger's latest source date and, when the
answer's date is later, the one line saying that facts after it are unknown to the ledger."""

from __future__ import annotations

from datetime import date

__all__ = ["bundled_horizon"]


def bundled_horizon(dataset: str, as_of: date | str | None) -> list[str]:
    """:meth:`~circularity.ledger.Ledger.horizon_lines` of a bundled dataset on ``as_of``
    (default today)."""
    import circularity

    ledger = circularity.load(dataset, as_of=as_of)
    lines: list[str] = ledger.horizon_lines(ledger.as_of)
    return lines
