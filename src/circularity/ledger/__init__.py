"""The ledger: sourced records of entities, deals, financials, holdings and market reactions."""

from circularity.ledger.ledger import DATASETS, Ledger, dataset_path, load, read_ledger
from circularity.ledger.records import (
    RECORD_TYPES,
    Deal,
    Entity,
    Financial,
    Holding,
    MarketReaction,
    Outcome,
    Revision,
    Schedule,
    Source,
    Tranche,
)

__all__ = [
    "DATASETS",
    "RECORD_TYPES",
    "Deal",
    "Entity",
    "Financial",
    "Holding",
    "Ledger",
    "MarketReaction",
    "Outcome",
    "Revision",
    "Schedule",
    "Source",
    "Tranche",
    "dataset_path",
    "load",
    "read_ledger",
]
