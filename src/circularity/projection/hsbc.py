"""HSBC's OpenAI funding gap (Nov 2025) beside ours, component by component.

HSBC (as reported, published-models §2): rent 2H-2025 to 2030 of $792B, against free cash
flow $282B, Nvidia commitments + AMD share sales $26B, undrawn facilities $24B and cash $17.5B,
leaves a gap of $207B ($217B with a $10B buffer). The press components do not add up
(792 − 349.5 = 442.5), so the last row says how much HSBC's published figures leave unexplained.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HSBC_COMPONENTS", "hsbc_comparison"]

#: HSBC's published components (USD bn), as reported on 2025-11-26.
HSBC_COMPONENTS: dict[str, float] = {
    "rent": 792.0, "fcf": 282.0, "vendor": 26.0, "facilities": 24.0, "cash": 17.5, "gap": 207.0,
}

_WHY = {
    "rent": "ours: OpenAI's compute + hardware dues 2025Q3-2030Q4 on the preset's GW ramp x $17.2B/GW-yr "
            "(HSBC's path is not published; the ramp is chosen to land near 792)",
    "fcf": "ours: outside cash in - out (revenue on HSBC's segments less costs at the preset's opex ratio) "
           "2025Q3-2030Q4, before rent; HSBC's $282B definition is not public (published-models §2)",
    "vendor": "ours: all money OpenAI receives under ledger deals 2025Q3-2030Q4 as known on 2025-11-26 "
              "(equity rounds incl. SoftBank's and Nvidia's per-GW tranches); HSBC counts Nvidia + AMD only",
    "facilities": "not modelled as a source: our gap is before new money (undrawn facilities are new money)",
    "cash": "same figure: OpenAI cash & securities at 30 Jun 2025",
    "gap": "ours = rent - (fcf + vendor + facilities + cash); HSBC's components leave "
           "792 - 349.5 = 442.5, not 207: 235.5 of HSBC's sources are unexplained in the press",
}


def hsbc_comparison(result: Any, entity: str = "openai", cash_start: float = 17.5) -> list[dict[str, Any]]:
    """Rows ``{item, hsbc, ours, difference, why}`` for a result of the ``hsbc-2025`` preset.

    Flows are summed over 2025Q3–2030Q4 (HSBC's "2H-2025 to 2030"); ``ours`` for ``gap`` is
    rent less every source, so ``difference`` adds up row by row. ``cash_start`` is the
    scenario's starting cash for ``entity`` (the preset's 17.5, as of 30 Jun 2025).
    """
    q = list(result.quarters)
    if "2025Q3" not in q or "2030Q4" not in q:
        raise ValueError("the HSBC comparison needs a horizon covering 2025Q3..2030Q4")
    a, b = q.index("2025Q3"), q.index("2030Q4") + 1
    i = list(result.entities).index(entity)
    d = result.data

    def total(col: str) -> float:
        return float(d[col][a:b, 0, i].sum())

    ours = {
        "rent": total("payments_due"),
        "fcf": total("outside_cash_in") - total("outside_cash_out"),
        "vendor": total("payments_received"),
        "facilities": 0.0,
        "cash": float(cash_start),
    }
    ours["gap"] = ours["rent"] - (ours["fcf"] + ours["vendor"] + ours["facilities"] + ours["cash"])
    rows = []
    labels = {"rent": "rent 2H-2025..2030", "fcf": "free cash flow before rent",
              "vendor": "Nvidia commitments + AMD share sales", "facilities": "undrawn debt/equity facilities",
              "cash": "cash at start", "gap": "funding gap by 2030"}
    for k, label in labels.items():
        h = HSBC_COMPONENTS[k]
        rows.append({"item": label, "hsbc": h, "ours": round(ours[k], 1),
                     "difference": round(ours[k] - h, 1), "why": _WHY[k]})
    return rows
