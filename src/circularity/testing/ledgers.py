"""A small AI-financing ledger written into a folder (bundled layout), for store and CLI tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

SOURCES = [
    {
        "id": "s1",
        "publisher": "Bloomberg",
        "title": "Nvidia to invest up to $100B",
        "url": "https://e.com/s1",
        "published": "2025-09-22",
    },
    {
        "id": "s2",
        "publisher": "Reuters",
        "title": "Oracle and OpenAI sign $300B deal",
        "url": "https://e.com/s2",
        "published": "2025-09-10",
    },
    {
        "id": "s3",
        "publisher": "AFP",
        "title": "OpenAI raises $110B",
        "url": "https://e.com/s3?a=1&b=2",
        "published": "2026-02-27",
    },
    {
        "id": "s4",
        "publisher": "CNBC",
        "title": "AWS and OpenAI $38B",
        "url": "https://e.com/s4",
        "published": "2025-11-03",
    },
]

ENTITIES = [
    {"id": "openai", "name": "OpenAI", "kind": "lab", "sources": ["s1"]},
    {
        "id": "nvidia",
        "name": "Nvidia",
        "kind": "chipmaker",
        "ticker": "NVDA",
        "listed": True,
        "country": "US",
        "sources": ["s1"],
    },
    {
        "id": "oracle",
        "name": "Oracle",
        "kind": "hyperscaler",
        "ticker": "ORCL",
        "listed": True,
        "sources": ["s2"],
    },
    {
        "id": "amazon",
        "name": "Amazon",
        "kind": "hyperscaler",
        "ticker": "AMZN",
        "listed": True,
        "sources": ["s4"],
        "aliases": ["AWS", "Amazon Web Services"],
    },
]

DEALS: list[dict[str, Any]] = [
    {
        "id": "D01",
        "kind": "equity",
        "payer": "nvidia",
        "payee": "openai",
        "amount_usd_bn": 100.0,
        "announced": "2025-09-22",
        "start": "2026-H2",
        "status": "non_binding",
        "gigawatts": 10.0,
        "sources": ["s1"],
        "confidence": "confirmed",
        "notes": "Letter of intent",
        "schedule": {
            "profile": "tranches",
            "per_gw_usd_bn": 10.0,
            "tranches": [{"amount_usd_bn": 10.0, "condition": "first GW deployed", "gigawatts": 1.0}]
            + [
                {"amount_usd_bn": 10.0, "condition": f"GW {i} deployed", "gigawatts": 1.0}
                for i in range(2, 11)
            ],
        },
        "revisions": [
            {
                "valid_from": "2026-02-27",
                "status": "superseded",
                "superseded_by": "D03",
                "sources": ["s3"],
                "note": "replaced by a $30B equity investment",
            }
        ],
    },
    {
        "id": "D03",
        "kind": "equity",
        "payer": "nvidia",
        "payee": "openai",
        "amount_usd_bn": 30.0,
        "announced": "2026-02-27",
        "status": "binding",
        "sources": ["s3"],
        "confidence": "confirmed",
    },
    {
        "id": "D10",
        "kind": "compute",
        "payer": "openai",
        "payee": "oracle",
        "amount_usd_bn": 300.0,
        "announced": "2025-09-10",
        "start": "2027",
        "term_years": 5.0,
        "status": "signed",
        "sources": ["s2"],
        "confidence": "confirmed",
        "notes": 'Oracle: 4.5 GW; "$60B a year"',
    },
    {
        "id": "D11",
        "kind": "compute",
        "payer": "openai",
        "payee": "amazon",
        "amount_usd_bn": 38.0,
        "announced": "2025-11-03",
        "start": "2025-11",
        "term_years": 7.0,
        "status": "binding",
        "sources": ["s4"],
        "confidence": "single_source",
    },
    {
        "id": "D12",
        "kind": "hardware",
        "payer": "openai",
        "payee": "nvidia",
        "amount_low_usd_bn": 100.0,
        "amount_high_usd_bn": 350.0,
        "announced": "2025-09-22",
        "status": "non_binding",
        "sources": ["s1"],
        "confidence": "estimate",
        "missing": "no amount stated; range from $/GW",
    },
    {
        "id": "D13",
        "kind": "compute",
        "payer": "openai",
        "payee": "oracle",
        "amount_usd_bn": 12.0,
        "announced": "2025-10-01",
        "status": "signed",
        "sources": ["s2"],
        "confidence": "disputed",
        "schedule": {
            "profile": "explicit",
            "quarters": {"2026Q1": 3.0, "2026Q2": 3.0, "2026Q3": 3.0, "2026Q4": 3.0},
        },
    },
]

FINANCIALS_CSV = """entity,period,period_end,period_type,metric,value,unit,sources,confidence,notes
nvidia,FY2026,2026-01-25,FY,revenue,215.9,USD_bn,s1,confirmed,+65% y/y
oracle,FY2025,2025-05-31,FY,capex,21.2,USD_bn,s2|s4,confirmed,
openai,2025,2025-12-31,FY,revenue,13.1,USD_bn,s3,single_source,"annualised, per ""reports"" "
"""

HOLDINGS = [
    {
        "holder": "nvidia",
        "issuer": "openai",
        "share": 0.02,
        "valid_from": "2026-02-27",
        "deal": "D03",
        "sources": ["s3"],
        "confidence": "estimate",
    },
]

MARKET_REACTIONS = [
    {
        "date": "2025-09-10",
        "entity": "oracle",
        "market_cap_change_usd_bn": 244.0,
        "pct_change": 0.36,
        "deal": "D10",
        "sources": ["s2"],
        "confidence": "confirmed",
    },
]


def write_sample(root: Path, deals: list[dict[str, Any]] | None = None) -> Path:
    """Write the sample ledger into ``root`` (bundled layout) and return ``root``."""
    (root / "deals").mkdir(parents=True, exist_ok=True)
    (root / "dataset.yaml").write_text(yaml.safe_dump({"name": "sample", "title": "Sample web"}))
    (root / "sources.yaml").write_text(yaml.safe_dump(SOURCES, sort_keys=False))
    (root / "entities.yaml").write_text(yaml.safe_dump(ENTITIES, sort_keys=False))
    for d in DEALS if deals is None else deals:
        (root / "deals" / f"{d['id']}.yaml").write_text(yaml.safe_dump(d, sort_keys=False))
    (root / "financials.csv").write_text(FINANCIALS_CSV)
    (root / "holdings.yaml").write_text(yaml.safe_dump(HOLDINGS, sort_keys=False))
    (root / "market_reactions.yaml").write_text(yaml.safe_dump(MARKET_REACTIONS, sort_keys=False))
    return root
