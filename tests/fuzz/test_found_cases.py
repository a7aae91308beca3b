"""The corpus cases that found a fault in the full ``make fuzz`` run, run every time (the seeded
sample may miss them): each was a traceback or a silent accept before its fix."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cases import all_cases  # noqa: E402
from harness import BAD, run  # noqa: E402

FOUND = (
    "control '\\x85' in id",  # Python's strip() ate U+0085: the id matched node 'c'
    "id JSON escape \\x07 (used consistently)",  # a JSON escape passed the raw-byte check
    "id JSON escape \\x85 (used consistently)",
    "description YAML escape \\e[31m",  # a YAML escape passed the raw-byte check
    "description YAML escape \\u202e",
    "parquet: deal schedule='[[[[[[[[[[[[[[[[[[[['",  # RecursionError in a nested JSON cell
    "csv: deal schedule='[[[[[[[[[[[[[[[[[[[['",
    "parquet: byte flips #24 (may stay valid)",  # UnicodeDecodeError from pyarrow
    "xlsx: byte flips #2 (may stay valid)",  # zlib.error while a sheet is read
    "xlsx: deal amount_usd_bn='True'",  # TRUE read as 1
    "xlsx: a value past the last heading",  # dropped without a word
    "xlsx: a heading given twice",  # the second column silently won
    "csv: a column given twice",
    "csv: entity listed='tru'",  # read as false
    "xlsx: byte flips #22 (may stay valid)",  # NotImplementedError: zip file version 9.7
    "1e308 amounts",  # an edge list whose sum passes the largest float: null totals, overflow warning
)


@pytest.mark.parametrize("name", FOUND)
def test_a_case_that_found_a_fault_is_refused_cleanly(name: str) -> None:
    cases = [c for c in all_cases() if c.name == name]
    assert cases, f"no corpus case named {name!r}"
    table, bad = run(cases)
    assert not bad, [(c.name, cls, detail) for c, cls, detail in bad]
    assert all(cls not in BAD for counts in table.values() for cls in counts)
