"""A seeded sample of the fuzz corpus through the real CLI, in-process (``make fuzz`` runs them all)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cases import all_cases  # noqa: E402
from harness import BAD, format_table, run  # noqa: E402

SAMPLE = 200


def test_a_seeded_sample_is_clean_or_benign() -> None:
    cases = all_cases()
    assert len(cases) >= 1000
    sample = random.Random(16).sample(cases, SAMPLE)
    table, bad = run(sample)
    report = format_table(table) + "\n" + "\n".join(f"{cls}: [{c.kind}] {c.name}: {d}" for c, cls, d in bad)
    assert not bad, report
    assert sum(sum(c.values()) for c in table.values()) == SAMPLE
    assert all(cls not in BAD for c in table.values() for cls in c if c[cls])
