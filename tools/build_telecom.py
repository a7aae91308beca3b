"""Build the bundled ``telecom`` dataset from the fact base in ``shared/research/telecom/``.

Run from the repository root::

    .venv/bin/python tools/build_telecom.py ../shared/research/telecom src/circularity/data/telecom

The rules applied (also written in the dataset's README):

* **Knowledge time.** A source is known from its ``source_date``; a deal from its
  ``announce_date``. A date given only as a year or a month (``2000-12``, ``2001 (approx)``,
  ``c.2020 (undated mirror)``) is known from the *end* of that period, so ``published`` and
  ``announced`` are written as that last day; the text as the fact base gives it is kept in
  ``notes``.
* **Flow types onto ledger kinds.** ``vendor_loan`` and ``credit_line`` → ``loan``; ``lease``
  (a vendor's sales-type lease: the vendor finances the equipment) → ``loan``; ``bond`` →
  ``bond``; ``equipment_purchase`` → ``hardware``; ``service_purchase`` → ``compute`` (a
  service contract paid over its term); ``equity_cash`` → ``equity``; ``guarantee`` →
  ``backstop``. ``from_party`` pays or lends to ``to_party``: it is the payer.
* **Status.** A termination reported in a source published after the announcement is a revision
  from that source's date (the deal binds until then). Otherwise ``binding``, ``drawn``, ``issued``, ``paid``, ``closed``, ``triggered`` →
  ``binding``; ``committed`` → ``signed``; ``announced`` → ``announced``; ``terminated`` →
  ``cancelled``; anything else (``unknown``) → ``announced``.
* **Entities.** One per party name as written (a ``;``-joined group of investors or banks is one
  entity, as the source reports them together); the name is kept verbatim as ``name``.
* Financial period type ``H`` (a half year) is ``H1``; two figures for the same entity, period
  and metric (disputed pairs) keep both, the second with its source in the period label.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

FLOW_KIND = {
    "vendor_loan": "loan",
    "credit_line": "loan",
    "lease": "loan",
    "bond": "bond",
    "equipment_purchase": "hardware",
    "service_purchase": "compute",
    "equity_cash": "equity",
    "guarantee": "backstop",
}

VENDORS = {
    "Lucent", "Nortel", "Cisco", "Motorola", "Qualcomm", "Alcatel", "Ericsson", "Nokia", "Corning",
    "Nortel; Lucent; Cisco",
}  # fmt: skip
LENDER_WORDS = ("bank", "chase", "citicorp", "high-yield", "syndicate", "cibc", "barclays")
INVESTOR_WORDS = ("microsoft", "forstmann", "berkshire", "rigas", "csfb private equity")


def kind_of(name: str) -> str:
    if name in VENDORS:
        return "vendor"
    low = name.lower()
    if name == "Verizon; Bechtel; Citicorp USA":
        return "lender"
    if any(w in low for w in INVESTOR_WORDS):
        return "investor"
    if any(w in low for w in LENDER_WORDS):
        return "lender"
    return "carrier"


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.lower().replace("&", "and")).strip("-")
    return s[:64].strip("-")


_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?!\d)(?:-(\d{2})(?!\d))?)?")


def known_from(text: str) -> tuple[str, str]:
    """Last day of the period a (partial, annotated) date names, and the text it came from."""
    m = _DATE.search(text or "")
    if not m:
        raise ValueError(f"no date in {text!r}")
    y, mo, d = m.group(1), m.group(2), m.group(3)
    if d:
        return f"{y}-{mo}-{d}", text
    if mo:
        return f"{y}-{mo}-{calendar.monthrange(int(y), int(mo))[1]:02d}", text
    return f"{y}-12-31", text


def partial(text: str) -> str | None:
    """A partial date the ledger accepts (``1998``, ``1998-10``, ``1998-10-05``), or None."""
    m = _DATE.search(text or "")
    return m.group(0) if m else None


STATUS = (
    ("terminated", "cancelled"),
    ("committed", "signed"),
    ("announced", "announced"),
    ("binding", "binding"),
    ("drawn", "binding"),
    ("issued", "binding"),
    ("paid", "binding"),
    ("closed", "binding"),
    ("triggered", "binding"),
)


def status_of(text: str) -> str:
    low = text.lower()
    for word, status in STATUS:
        if low.startswith(word):
            return status
    return "announced"


class Sources:
    """One source record per (URL, publication date)."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}

    def add(self, row: dict[str, str]) -> str:
        url, date_text = row["source_url"].strip(), row["source_date"].strip()
        sid = "t-" + hashlib.sha1(f"{url}|{date_text}".encode()).hexdigest()[:10]
        if sid not in self.records:
            published, raw = known_from(date_text)
            note = f"source_date in the fact base: '{raw}'"
            if published != raw:
                note += "; known from the end of that period (knowledge-time rule)"
            self.records[sid] = {
                "id": sid,
                "publisher": row["source_publication"].strip() or "unknown",
                "title": row["source_title"].strip() or "untitled",
                "url": url if url.startswith("http") else None,
                "published": published,
                "notes": note,
            }
        return sid


def build(src: Path, out: Path) -> None:
    def rows(name: str) -> list[dict[str, str]]:
        with (src / name).open(encoding="utf-8") as fh:
            return list(csv.DictReader(fh))

    deals, fins, outs = rows("deals.csv"), rows("financials.csv"), rows("outcomes.csv")
    sources = Sources()
    entity_src: dict[str, str] = {}

    def ent(name: str, sid: str) -> str:
        entity_src.setdefault(name.strip(), sid)
        return slug(name)

    deal_rows = []
    for r in deals:
        sid = sources.add(r)
        announced, raw_ann = known_from(r["announce_date"])
        missing = (
            ""
            if any(r[k].strip() for k in ("amount_usd_bn", "amount_low_usd_bn", "amount_high_usd_bn"))
            else ("amount not disclosed in the sources")
        )
        notes = r["notes"].strip()
        if announced != raw_ann:
            notes = f"announce_date '{raw_ann}' in the fact base, known from {announced}. {notes}".strip()
        if r["other_source_urls"].strip():
            notes += f" Other sources: {r['other_source_urls'].strip()}"
        status = status_of(r["binding_status"])
        revisions = ""
        known_src = sources.records[sid]["published"]
        if status == "cancelled" and known_src > announced:
            # the termination is a later fact: binding from the announcement, cancelled from the source
            status = "binding"
            revisions = json.dumps(
                [
                    {
                        "valid_from": known_src,
                        "status": "cancelled",
                        "sources": [sid],
                        "note": f"reported as '{r['binding_status']}' in a source published {known_src}",
                    }
                ]
            )
        deal_rows.append(
            {
                "id": r["deal_id"],
                "kind": FLOW_KIND[r["flow_type"]],
                "flow_type": r["flow_type"],
                "payer": ent(r["from_party"], sid),
                "payee": ent(r["to_party"], sid),
                "description": r["description"],
                "amount_usd_bn": r["amount_usd_bn"],
                "amount_low_usd_bn": r["amount_low_usd_bn"],
                "amount_high_usd_bn": r["amount_high_usd_bn"],
                "announced": announced,
                "start": partial(r["start"]) or "",
                "term_years": r["term_years"],
                "status": status,
                "terms": "; ".join(x for x in (r["tranches_conditions"], r["binding_status"]) if x.strip()),
                "sources": sid,
                "confidence": r["confidence"],
                "missing": missing,
                "notes": notes,
                "revisions": revisions,
            }
        )
    fin_rows = []
    seen: set[tuple[str, str, str]] = set()
    for r in fins:
        sid = sources.add(r)
        e = ent(r["company"], sid)
        period = r["period_label"].strip()
        key = (e, period, r["metric"])
        if key in seen:
            period = f"{period} ({r['source_publication'].strip()[:40]})"
        seen.add((e, period, r["metric"]))
        fin_rows.append(
            {
                "entity": e,
                "period": period,
                "period_end": r["period_end"].strip(),
                "period_type": "H1" if r["period_type"] == "H" else r["period_type"],
                "metric": r["metric"],
                "value": r["value"],
                "unit": r["unit"],
                "sources": sid,
                "confidence": r["confidence"],
                "missing": "",
                "notes": r["notes"],
            }
        )
    out_rows = []
    for r in outs:
        sid = sources.add(r)
        out_rows.append(
            {
                "entity": ent(r["entity"], sid),
                "event": r["event"],
                "date": partial(r["date"]) or r["date"],
                "value": r["value"],
                "unit": r["unit"],
                "sources": sid,
                "confidence": r["confidence"],
                "notes": r["notes"],
            }
        )
    entities = [
        {
            "id": slug(name),
            "name": name,
            "kind": kind_of(name),
            "listed": False,
            "aliases": [name],
            "sources": [sid],
            "confidence": "confirmed",
        }
        for name, sid in sorted(entity_src.items(), key=lambda kv: slug(kv[0]))
    ]
    out.mkdir(parents=True, exist_ok=True)
    header = (
        "# Generated by tools/build_telecom.py from shared/research/telecom/; edit the fact base, not this.\n"
    )
    (out / "entities.yaml").write_text(header + yaml.safe_dump(entities, sort_keys=False, allow_unicode=True))
    (out / "sources.yaml").write_text(
        header + yaml.safe_dump(list(sources.records.values()), sort_keys=False, allow_unicode=True)
    )
    for name, rows in (("deals", deal_rows), ("financials", fin_rows), ("outcomes", out_rows)):
        with (out / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(sys.argv[2]))
