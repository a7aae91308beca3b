"""Contagion on exposure networks: clearing (Eisenberg–Noe, Rogers–Veraart), cascades, DebtRank."""

from __future__ import annotations

from circularity.contagion.clearing import ClearingResult, clear_payments

__all__ = ["ClearingResult", "clear_payments"]
