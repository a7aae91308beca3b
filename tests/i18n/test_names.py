"""Entity names in Chinese from the dataset's table; a name missing there shows in English."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import circularity
from circularity.errors import LedgerError
from circularity.i18n import entity_names, short_name
from circularity.i18n.names import TABLE, _table


def test_usual_chinese_names() -> None:
    hans, hant = entity_names("zh-Hans"), entity_names("zh-Hant")
    assert (hans["nvidia"], hant["nvidia"]) == ("英伟达", "輝達")
    assert (hans["microsoft"], hant["microsoft"]) == ("微软", "微軟")
    assert hans["oracle"] == hant["oracle"] == "甲骨文"
    assert hans["broadcom"] == "博通"
    assert entity_names("en") == {}


def test_table_names_only_dataset_entities_and_cites_sources_for_chinese_forms() -> None:
    ids = {e.id for e in circularity.load("ai").records["entities"]}
    rows = yaml.safe_load(TABLE.read_text(encoding="utf-8"))["names"]
    assert {r["id"] for r in rows} <= ids
    for r in rows:  # a company renamed into Chinese (not a kept Latin name or a description) says why
        renamed = r["zh_hans"] != r["zh_hant"] or not any(c.isascii() and c.isalpha() for c in r["zh_hans"])
        if renamed and r["id"] in {
            "nvidia",
            "amd",
            "intel",
            "microsoft",
            "amazon",
            "oracle",
            "broadcom",
            "softbank",
        }:
            assert r.get("source"), r["id"]


def test_bad_row_is_located(tmp_path: Path) -> None:
    bad = tmp_path / "names.yaml"
    bad.write_text("names:\n  - {id: nvidia, zh_hans: 英伟达}\n", encoding="utf-8")
    with pytest.raises(LedgerError, match=r"names.yaml:1: zh_hant"):
        _table(bad)


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Stargate LLC (US sites)", "Stargate LLC"),
        ("星際之門公司（美國園區）", "星際之門公司"),
        ("Nvidia", "Nvidia"),
        ("(only brackets)", "(only brackets)"),
    ],
)
def test_short_name(name: str, short: str) -> None:
    assert short_name(name) == short
