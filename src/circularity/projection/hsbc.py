"""HSBC's OpenAI funding gap (Nov 2025) beside ours, component by component.

HSBC (as reported, published-models §2): rent 2H-2025 to 2030 of $792B, against free cash
flow $282B, Nvidia commitments + AMD share sales $26B, undrawn facilities $24B and cash $17.5B,
leaves a gap of $207B ($217B with a $10B buffer). The press components do not add up
(792 − 349.5 = 442.5, not 207): the 235.5 between them is a source, or a definition of free
cash flow, that the coverage does not give. It is its own row, so that both columns add up:
``gap = rent − free cash flow − Nvidia/AMD − facilities − cash − not explained``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from circularity.errors import OptionError

__all__ = ["HSBC_COMPONENTS", "hsbc_comparison"]

#: HSBC's published components (USD bn), as reported on 2025-11-26; ``unexplained`` is derived
#: (792 − 282 − 26 − 24 − 17.5 − 207), not published.
HSBC_COMPONENTS: dict[str, float] = {
    "rent": 792.0,
    "fcf": 282.0,
    "vendor": 26.0,
    "facilities": 24.0,
    "cash": 17.5,
    "unexplained": 235.5,
    "gap": 207.0,
}

_LABELS = {
    "rent": "rent 2H-2025..2030",
    "fcf": "free cash flow before rent",
    "vendor": "Nvidia commitments + AMD share sales",
    "facilities": "undrawn debt/equity facilities",
    "cash": "cash at start",
    "unexplained": "not explained by HSBC's published components",
    "gap": "funding gap by 2030",
}

_WHY = {
    "rent": "reproduced: OpenAI's compute + hardware dues 2025Q3-2030Q4 on the preset's GW ramp (to 12 GW, "
    "1/3 of 36 GW) x $17.2B/GW-yr (HSBC's $620B/yr at 36 GW); HSBC's year-by-year path is not published",
    "fcf": "HSBC's definition is not public; ours is revenue on HSBC's segments (2030: 129 x 56% + 386 x 37% = 215) "
    "less cash costs at the preset's 50% of revenue, before rent",
    "vendor": "ours: money OpenAI receives from Nvidia and AMD under the ledger's deals as of 2025-11-26 (Nvidia's "
    "$10B per GW deployed, on the ledger's schedule); AMD's warrants move no cash in the model",
    "facilities": "not a source in the model: drawing a facility is new money, which is what the gap measures",
    "cash": "same figure: OpenAI cash & securities at 30 Jun 2025",
    "unexplained": "HSBC's components leave 792 - 349.5 = 442.5, not 207; the coverage gives no item for the "
    "235.5 between them (published-models 2), so ours is 0",
    "gap": "rent - every row above, in both columns. On HSBC's published components ours is close to the 442.5 they "
    "imply; the step to 207 is the unexplained row. Other announced equity (memo row) is money to be raised",
}


def hsbc_comparison(
    result: Any,
    entity: str = "openai",
    cash_start: float = 17.5,
    *,
    web: Any = None,
) -> list[dict[str, Any]]:
    """Rows ``{item, hsbc, ours, difference, why}`` for a result of the ``hsbc-2025`` preset.

    Flows are summed over 2025Q3–2030Q4 (HSBC's "2H-2025 to 2030"). In both columns
    ``gap = rent − (free cash flow + Nvidia/AMD + facilities + cash + not explained)``, so the
    differences add up row by row. ``cash_start`` is the scenario's starting cash for ``entity``
    (the preset's 17.5, as of 30 Jun 2025). ``web`` (the compiled web of the run) splits what
    ``entity`` receives into Nvidia/AMD money and the rest (a last ``memo`` row, HSBC ``None``);
    without it every receipt counts as Nvidia/AMD money.
    """
    q = list(result.quarters)
    if "2025Q3" not in q or "2030Q4" not in q:
        raise OptionError("the HSBC comparison needs a horizon covering 2025Q3..2030Q4")
    a, b = q.index("2025Q3"), q.index("2030Q4") + 1
    i = list(result.entities).index(entity)
    d = result.data

    def total(col: str) -> float:
        return float(d[col][a:b, 0, i].sum())

    received = total("payments_received")
    vendor = received
    if web is not None:
        ids = {e: k for k, e in enumerate(web.entities)}
        sel = (web.payee == ids[entity]) & np.isin(web.payer, [ids[e] for e in ("nvidia", "amd") if e in ids])
        vendor = min(float((web.schedule[sel, a:b].sum(axis=1) * result.cut[0, sel]).sum()), received)
    ours = {
        "rent": total("payments_due"),
        "fcf": total("outside_cash_in") - total("outside_cash_out"),
        "vendor": vendor,
        "facilities": 0.0,
        "cash": float(cash_start),
        "unexplained": 0.0,
    }
    ours["gap"] = ours["rent"] - sum(v for k, v in ours.items() if k != "rent")
    rows = []
    for k, label in _LABELS.items():
        h = HSBC_COMPONENTS[k]
        rows.append(
            {
                "item": label,
                "hsbc": h,
                "ours": round(ours[k], 1),
                "difference": round(ours[k] - h, 1),
                "why": _WHY[k],
            }
        )
    if web is not None:
        rows.append(
            {
                "item": "memo: other money received (announced equity, other deals)",
                "hsbc": None,
                "ours": round(received - vendor, 1),
                "difference": None,
                "why": "not a source in either gap: money already announced is part of what must be raised",
            }
        )
    return rows
