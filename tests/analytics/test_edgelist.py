"""read_edge_list: good files load; bad rows are named file:row: field."""

from __future__ import annotations

import pytest

from circularity.analytics import find_circulation, read_edge_list
from circularity.errors import NetworkError


def write(tmp_path, text, name="web.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_reads_a_good_file_with_extra_columns(tmp_path):
    p = write(tmp_path, "source,target,amount,id\na,b,2,d1\nb,a,1.5,d2\n\nb,c,3,d3\n")
    frame = read_edge_list(p)
    assert list(frame.columns) == ["source", "target", "amount", "id"]
    assert frame["amount"].tolist() == [2.0, 1.5, 3.0]
    r = find_circulation(frame)
    assert r.circulating_volume == pytest.approx(3.0)
    assert r.edge_deal_ids[0] == ("d1",)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("source,target,amount\na,b,x\n", ":2: amount: 'x' is not a number"),
        ("source,target,amount\na,b,1\na,b,-1\n", ":3: amount: '-1' is negative"),
        ("source,target,amount\na,b,nan\n", ":2: amount: 'nan' is not finite"),
        ("source,target,amount\na,b,inf\n", ":2: amount: 'inf' is not finite"),
        ("source,target,amount\n,b,1\n", ":2: source: empty"),
        ("source,target,amount\na,,1\n", ":2: target: empty"),
        ("source,target,amount\na,b\n", ":2: row: has 2 fields"),
        ("source,amount\na,1\n", ":1: target: missing column"),
        ("", ":1: header: file is empty"),
        ("source,target,amount\n", ":2: row: no edges"),
    ],
)
def test_bad_files_name_file_row_and_field(tmp_path, text, where):
    p = write(tmp_path, text)
    with pytest.raises(NetworkError) as info:
        read_edge_list(p)
    assert f"{p}{where}" in str(info.value)


def test_every_bad_row_is_listed(tmp_path):
    p = write(tmp_path, "source,target,amount\na,b,x\na,b,1\nc,d,-2\n")
    with pytest.raises(NetworkError, match="2 bad row") as info:
        read_edge_list(p)
    assert ":2: amount" in str(info.value) and ":4: amount" in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(NetworkError, match="no such edge-list file"):
        read_edge_list(tmp_path / "nope.csv")


def test_amounts_whose_sum_passes_the_largest_float_are_refused():
    with pytest.raises(NetworkError, match="too large to add up"):
        find_circulation(["a", "b"], ["b", "a"], [1e308, 1e308])
