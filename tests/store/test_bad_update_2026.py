"""Bad input in the files of the 2026 update: a broken copy of each (a revision whose target does
not exist, a market reaction for an unknown entity or deal, a percentage given as text, a figure
given as text) is refused with the located error and leaves a store holding the dataset unchanged."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from circularity import open_store
from circularity.errors import LedgerError
from circularity.ledger.ledger import dataset_path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    s = open_store(tmp_path_factory.mktemp("store") / "web.duckdb")
    s.import_path(dataset_path("ai"))
    yield s
    s.close()


def _copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(dataset_path("ai"), tmp_path / "ai"))


def _reactions(root: Path, change: Callable[[list[dict[str, object]]], int]) -> int:
    path = root / "market_reactions.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    index = change(rows)
    text = yaml.safe_dump(rows, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    starts = [n for n, line in enumerate(text.split("\n"), start=1) if line.startswith("- ")]
    return starts[index]  # an entry is located by the line it starts on


def _broadcom_june(rows: list[dict[str, object]]) -> int:
    return next(i for i, r in enumerate(rows) if r["entity"] == "broadcom" and r["date"] == "2026-06-03")


def _d15_target_missing(root: Path) -> tuple[str, ...]:
    # D15's revision says it is superseded by D50 (the AWS $100B/8 yrs); point it at a deal no file has
    path = root / "deals" / "D15.yaml"
    deal = yaml.safe_load(path.read_text(encoding="utf-8"))
    deal["revisions"][0]["superseded_by"] = "D500"
    path.write_text(yaml.safe_dump(deal, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ("D15.yaml", "revisions.0.superseded_by", "unknown deal 'D500'")


def _unknown_entity(root: Path) -> tuple[str, ...]:
    def change(rows: list[dict[str, object]]) -> int:
        i = _broadcom_june(rows)
        rows[i]["entity"] = "broadcom-inc"
        return i

    row = _reactions(root, change)
    return ("market_reactions.yaml", f":{row}:", "entity", "unknown entity 'broadcom-inc'")


def _unknown_deal(root: Path) -> tuple[str, ...]:
    def change(rows: list[dict[str, object]]) -> int:
        i = _broadcom_june(rows)
        rows[i]["deal"] = "D99"
        return i

    row = _reactions(root, change)
    return ("market_reactions.yaml", f":{row}:", "deal", "unknown deal 'D99'")


def _pct_as_text(root: Path) -> tuple[str, ...]:
    def change(rows: list[dict[str, object]]) -> int:
        i = _broadcom_june(rows)
        rows[i]["pct_change"] = "down 15%"  # '-15%' is read as -15; words are not a number
        return i

    row = _reactions(root, change)
    return ("market_reactions.yaml", f":{row}:", "pct_change", "'down 15%' is not a percentage")


def _financial_as_text(root: Path) -> tuple[str, ...]:
    path = root / "financials.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(k for k, line in enumerate(lines) if line.startswith("openai,Q1 2026,2026-03-31,Q,revenue,5.7,"))
    lines[i] = lines[i].replace(",revenue,5.7,", ",revenue,5.7B,")
    path.write_text("\n".join(lines), encoding="utf-8")
    return ("financials.csv", f":{i + 1}:", "value")


def _update_deal_bad_target(root: Path) -> tuple[str, ...]:
    path = root / "deals" / "D44.yaml"
    deal = yaml.safe_load(path.read_text(encoding="utf-8"))
    deal["revisions"][0]["superseded_by"] = "D67x"
    path.write_text(yaml.safe_dump(deal, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return ("D44.yaml", "revisions.0.superseded_by", "unknown deal 'D67x'")


CASES: dict[str, Callable[[Path], tuple[str, ...]]] = {
    "revision target missing (D15 -> D500)": _d15_target_missing,
    "revision target misspelt (D44 -> D67x)": _update_deal_bad_target,
    "market reaction for an unknown entity": _unknown_entity,
    "market reaction for an unknown deal": _unknown_deal,
    "percentage given as text": _pct_as_text,
    "update financial given as text": _financial_as_text,
}


@pytest.mark.parametrize("kind", list(CASES))
def test_broken_update_file_is_located_and_leaves_the_store_unchanged(
    kind: str, store, tmp_path: Path
) -> None:
    root = _copy(tmp_path)
    expected = CASES[kind](root)
    before = store.snapshot()
    with pytest.raises(LedgerError) as info:
        store.import_path(root)
    message = str(info.value)
    for part in expected:
        assert part in message, f"{kind}: {part!r} not in {message!r}"
    assert store.snapshot() == before
    assert store.ledger().deal("D50").amount_usd_bn == 100  # the update is still there, untouched
