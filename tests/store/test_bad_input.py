"""Bad input: each kind gets a located error (file, row, field) and leaves the store unchanged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from circularity import open_store
from circularity.errors import LedgerError
from circularity.ledger import io
from circularity.testing.ledgers import DEALS, write_sample

OK = DEALS[1]  # a valid deal to mutate


def _deal_file(root: Path, text: str | bytes, name: str = "D99.yaml") -> tuple[Path, str]:
    folder = root / "new" / "deals"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root / "new", name


def _deal(root: Path, **changes: object) -> tuple[Path, str]:
    return _deal_file(root, yaml.safe_dump({**OK, "id": "D99", **changes}))


def _table(root: Path, name: str, text: str | bytes) -> tuple[Path, str]:
    (root / "new").mkdir(parents=True, exist_ok=True)
    path = root / "new" / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return root / "new", name


FIN_HEAD = "entity,period,period_end,period_type,metric,value,unit,sources,confidence\n"

# kind -> (writer, expected substrings: file, row, field/message)
CASES: dict[str, tuple[Callable[[Path], tuple[Path, str]], tuple[str, ...]]] = {
    "broken yaml": (lambda r: _deal_file(r, "id: D99\nkind: [equity\npayer: x\n"), (":3:", "broken YAML")),
    "broken csv": (
        lambda r: _table(
            r,
            "financials.csv",
            FIN_HEAD + "oracle,FY9,2025-05-31,FY,capex,1,USD_bn,s2,confirmed,extra,cells\n",
        ),
        (":2:", "more cells"),
    ),
    "wrong type": (lambda r: _deal(r, amount_usd_bn="lots"), (":1:", "amount_usd_bn")),
    "missing column": (
        lambda r: _table(r, "financials.csv", "entity,period,metric\noracle,FY9,capex\n"),
        (":1:", "period_end", "missing column"),
    ),
    "unknown entity": (lambda r: _deal(r, payee="nobody"), (":1:", "payee", "unknown entity 'nobody'")),
    "unknown source": (lambda r: _deal(r, sources=["s99"]), (":1:", "sources.0", "unknown source 's99'")),
    "nan": (
        lambda r: _deal_file(
            r, yaml.safe_dump({**OK, "id": "D99"}).replace("amount_usd_bn: 30.0", "amount_usd_bn: .nan")
        ),
        (":1:", "amount_usd_bn", "finite"),
    ),
    "inf": (
        lambda r: _table(
            r, "financials.csv", FIN_HEAD + "oracle,FY9,2025-05-31,FY,capex,inf,USD_bn,s2,confirmed\n"
        ),
        (":2:", "value", "finite"),
    ),
    "date format": (lambda r: _deal(r, announced="22/09/2025"), (":1:", "announced", "YYYY-MM-DD")),
    "impossible date": (
        lambda r: _deal(r, announced="2025-02-30"),
        (":1:", "announced", "day is out of range"),
    ),
    "date out of range": (lambda r: _deal(r, announced="1985-01-01"), (":1:", "announced", "1990-2100")),
    "absurd magnitude": (lambda r: _deal(r, amount_usd_bn=1e12), (":1:", "amount_usd_bn", "absurdly large")),
    "negative amount": (lambda r: _deal(r, amount_usd_bn=-5.0), (":1:", "amount_usd_bn", "negative")),
    "non utf-8": (lambda r: _deal_file(r, b"id: D99\nnotes: caf\xe9\n"), (":2:", "not UTF-8")),
    "empty file": (lambda r: _deal_file(r, ""), ("D99.yaml", "file is empty")),
    "schedule does not add up": (
        lambda r: _deal(r, schedule={"profile": "explicit", "quarters": {"2026Q1": 10.0}}),
        (":1:", "schedule quarters add up to 10", "amount_usd_bn"),
    ),
    "duplicate id": (
        lambda r: _table(
            r,
            "entities.yaml",
            yaml.safe_dump(
                [
                    {"id": "x1", "name": "X", "kind": "lab", "sources": ["s1"]},
                    {"id": "x1", "name": "X again", "kind": "lab", "sources": ["s1"]},
                ]
            ),
        ),
        (":6:", "id", "duplicate id 'x1'"),
    ),
    "stakes above 100%": (
        lambda r: _table(
            r,
            "holdings.yaml",
            yaml.safe_dump(
                [
                    {
                        "holder": "nvidia",
                        "issuer": "oracle",
                        "share": 0.7,
                        "valid_from": "2026-01-01",
                        "sources": ["s1"],
                        "confidence": "estimate",
                    },
                    {
                        "holder": "amazon",
                        "issuer": "oracle",
                        "share": 0.5,
                        "valid_from": "2026-01-01",
                        "sources": ["s1"],
                        "confidence": "estimate",
                    },
                ]
            ),
        ),
        ("holdings.yaml:", "share", "oracle", "100%"),
    ),
    "missing successor": (
        lambda r: _deal(r, status="superseded", superseded_by="D77"),
        (":1:", "superseded_by", "unknown deal 'D77'"),
    ),
    "duplicate financial": (
        lambda r: _table(
            r,
            "financials.csv",
            FIN_HEAD + "oracle,FY9,2025-05-31,FY,capex,1,USD_bn,s2,confirmed\n"
            "oracle,FY9,2025-05-31,FY,capex,2,USD_bn,s2,confirmed\n",
        ),
        (":3:", "metric", "duplicate"),
    ),
}


def _d98_cycle(root: Path) -> tuple[Path, str]:
    _deal_file(
        root, yaml.safe_dump({**OK, "id": "D98", "status": "superseded", "superseded_by": "D99"}), "D98.yaml"
    )
    path, _ = _deal_file(
        root, yaml.safe_dump({**OK, "id": "D99", "status": "superseded", "superseded_by": "D98"})
    )
    return path, "D98.yaml"


CASES["supersession cycle"] = (_d98_cycle, (":1:", "superseded_by", "cycle"))


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path / "web.duckdb")
    s.import_path(write_sample(tmp_path / "sample"))
    yield s
    s.close()


@pytest.mark.parametrize("kind", list(CASES))
def test_bad_input_is_located_and_leaves_the_store_unchanged(kind: str, store, tmp_path: Path) -> None:
    writer, expected = CASES[kind]
    path, filename = writer(tmp_path)
    before = store.snapshot()
    with pytest.raises(LedgerError) as info:
        store.import_path(path)
    message = str(info.value)
    assert filename in message
    for part in expected:
        assert part in message, f"{kind}: {part!r} not in {message!r}"
    assert store.snapshot() == before


def test_a_very_large_file_is_refused_before_reading(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, name = _table(
        tmp_path, "financials.csv", FIN_HEAD + "oracle,FY9,2025-05-31,FY,capex,1,USD_bn,s2,confirmed\n" * 50
    )
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 1000)  # the real limit is 20 MB; the check is the same
    before = store.snapshot()
    with pytest.raises(LedgerError, match=r"financials\.csv: -: file is [\d,]+ bytes; at most 1,000 allowed"):
        store.import_path(path)
    assert store.snapshot() == before


def test_every_problem_is_listed_not_only_the_first(store, tmp_path: Path) -> None:
    _deal_file(tmp_path, yaml.safe_dump({**OK, "id": "D97", "payee": "nobody"}), "D97.yaml")
    path, _ = _deal(tmp_path, amount_usd_bn=-1.0)
    with pytest.raises(LedgerError) as info:
        store.import_path(path)
    assert len(info.value.problems) == 2
