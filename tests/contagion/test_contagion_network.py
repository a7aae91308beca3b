"""Loading a user's network file: JSON and CSV folder, and every kind of bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

from circularity.contagion import load_network
from circularity.errors import NetworkError

GOOD = {
    "nodes": [
        {"id": "a", "external_assets": 0.5, "external_liabilities": 1.5, "equity": 1},
        {"id": "b", "external_assets": 0.625, "weight": 3},
        {"id": "c", "initial_relative_loss": 0.25},
    ],
    "liabilities": [
        {"debtor": "a", "creditor": "b", "amount": 2.0},
        {"debtor": "b", "creditor": "c", "amount": 1.0},
        {"debtor": "a", "creditor": "b", "amount": 0.5},
    ],
}


def _write(tmp_path, doc):
    p = tmp_path / "net.json"
    p.write_text(json.dumps(doc) if not isinstance(doc, str) else doc)
    return p


def test_json_defaults_orientation_and_duplicates(tmp_path):
    net = load_network(_write(tmp_path, GOOD))
    assert net.ids == ("a", "b", "c")
    assert net.L[0, 1] == 2.5 and net.L[1, 0] == 0.0  # debtor row, creditor column, summed
    assert net.external_liabilities.tolist() == [1.5, 0.0, 0.0]
    assert net.weight.tolist() == [1.0, 3.0, 1.0]
    assert net.initial_relative_loss.tolist() == [0.0, 0.0, 0.25]


def test_csv_folder_equals_json(tmp_path):
    (tmp_path / "nodes.csv").write_text(
        "id,external_assets,external_liabilities,equity,weight\na,0.5,1.5,1,\nb,0.625,,,3\nc,,,,\n"
    )
    (tmp_path / "liabilities.csv").write_text("debtor,creditor,amount\na,b,2.0\nb,c,1.0\na,b,0.5\n")
    net = load_network(tmp_path)
    ref = load_network(_write(tmp_path, GOOD))
    assert net.ids == ref.ids
    assert (net.L != ref.L).nnz == 0
    np.testing.assert_array_equal(net.weight, ref.weight)


@pytest.mark.parametrize(
    ("mutate", "expect"),
    [
        (lambda d: d["liabilities"].append({"debtor": "a", "creditor": "zz", "amount": 1}),
         "liabilities[]:3: creditor: unknown node id 'zz'"),
        (lambda d: d["liabilities"].append({"debtor": "a", "creditor": "b", "amount": -1}),
         "liabilities[]:3: amount: -1 is negative"),
        (lambda d: d["liabilities"].append({"debtor": "a", "creditor": "b", "amount": "nan"}),
         "amount: 'nan' is not finite"),
        (lambda d: d["nodes"].append({"id": "a"}), "nodes[]:3: id: duplicate id 'a'"),
        (lambda d: d["liabilities"].append({"debtor": "b", "creditor": "b", "amount": 1}),
         "self-loop"),
        (lambda d: d["liabilities"].append({"lender": "a", "borrower": "b", "amount": 1}),
         "borrower -> debtor"),
        (lambda d: d["liabilities"].append({"debtor": "a", "creditor": "b"}),
         "liabilities[]:3: amount: missing"),
        (lambda d: d["nodes"][0].update(equity="lots"), "nodes[]:0: equity: 'lots' is not a number"),
        (lambda d: d["nodes"][2].update(initial_relative_loss=2), "above 1"),
    ],
)  # fmt: skip
def test_bad_json_names_file_row_field(tmp_path, mutate, expect):
    doc = json.loads(json.dumps(GOOD))
    mutate(doc)
    path = _write(tmp_path, doc)
    with pytest.raises(NetworkError) as info:
        load_network(path)
    assert expect in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "expect"),
    [
        ('{"nodes": [', "malformed JSON"),
        ('{"nodes": []}', "liabilities: missing"),
        ("[1, 2]", "top level must be an object"),
    ],
)
def test_malformed_json(tmp_path, text, expect):
    with pytest.raises(NetworkError, match=expect):
        load_network(_write(tmp_path, text))


def test_csv_problems(tmp_path):
    (tmp_path / "nodes.csv").write_text("id,equity\na,1\nb,2\n")
    (tmp_path / "liabilities.csv").write_text("debtor,creditor\na,b\n")
    with pytest.raises(NetworkError, match=r"liabilities.csv:1: amount: missing column"):
        load_network(tmp_path)
    (tmp_path / "liabilities.csv").write_text("from,to,amount\na,b,1\n")
    with pytest.raises(NetworkError, match="from -> debtor"):
        load_network(tmp_path)
    (tmp_path / "liabilities.csv").write_text("debtor,creditor,amount\na,b,1\nb,q,2\n")
    with pytest.raises(NetworkError, match=r"liabilities.csv:3: creditor: unknown node id 'q'"):
        load_network(tmp_path)
    (tmp_path / "liabilities.csv").write_text("debtor,creditor,amount\na,b,1,7\n")
    with pytest.raises(NetworkError, match="more values than columns"):
        load_network(tmp_path)
    (tmp_path / "liabilities.csv").unlink()
    with pytest.raises(NetworkError, match="missing file"):
        load_network(tmp_path)


def test_missing_path(tmp_path):
    with pytest.raises(NetworkError, match="no such file"):
        load_network(tmp_path / "nope.json")


def test_amounts_whose_sums_pass_the_largest_float_are_refused(tmp_path) -> None:
    doc = json.loads(json.dumps(GOOD))
    for e in doc["liabilities"]:
        e["amount"] = 1.7e308  # each finite; a's two debts to b sum past 1.8e308
    with pytest.raises(NetworkError, match="too large to add up"):
        load_network(_write(tmp_path, doc))
    for e in doc["liabilities"]:
        e["amount"] = 1e300  # large but summable: loads, and every model's sums stay finite
    net = load_network(_write(tmp_path, doc))
    assert np.isfinite(net.L.sum())


def test_debtrank_refuses_an_impact_ratio_past_the_largest_float() -> None:
    from circularity.contagion.debtrank import impact_matrix

    L = np.array([[0.0, 1e300], [1e300, 0.0]])
    with pytest.raises(NetworkError, match="passes the largest float"):
        impact_matrix(L, np.array([1e-300, 1.0]))
    capped = impact_matrix(L, np.array([1e-300, 1.0]), edge_cap=True)  # capped at 1, as any ratio over 1
    assert np.isfinite(capped.toarray()).all() and capped.max() == 1.0
