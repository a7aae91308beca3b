"""``circularity contagion`` through Typer's runner and once as a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from circularity.cli import app

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
runner = CliRunner()


@pytest.fixture
def net_file(tmp_path):
    # the systemicrisk documentation example (x = 0.5), see tests/golden/systemicrisk_doc_example
    ids = ["a", "b", "c"]
    L = [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]
    doc = {
        "nodes": [
            {"id": i, "external_assets": ea, "external_liabilities": el, "equity": eq}
            for i, ea, el, eq in zip(ids, [0.5, 0.625, 0.75], [1.5, 0.5, 0.5], [1, 2, 1], strict=True)
        ],
        "liabilities": [
            {"debtor": ids[i], "creditor": ids[j], "amount": L[i][j]}
            for i in range(3)
            for j in range(3)
            if L[i][j]
        ],
    }
    p = tmp_path / "net.json"
    p.write_text(json.dumps(doc))
    return p


def _run(*args):
    result = runner.invoke(app, ["contagion", *map(str, args)])
    return result


def test_en_json(net_file):
    res = _run("--network", net_file, "--json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.output)
    assert doc["model"] == "eisenberg-noe" and doc["rounds"] == 2
    assert [n["id"] for n in doc["nodes"]] == ["a", "b", "c"]
    assert doc["nodes"][0]["payment"] == pytest.approx(165 / 112)
    assert [n["defaulted"] for n in doc["nodes"]] == [True, True, False]
    assert set(doc["nodes"][0]) == {"id", "payment", "defaulted", "net_worth"}


def test_rv_cascade_and_table(net_file):
    doc = json.loads(
        _run("--network", net_file, "--model", "rogers-veraart", "--alpha", 0.5, "--beta", 0.7,
             "--json").output
    )  # fmt: skip
    assert doc["nodes"][0]["payment"] == pytest.approx(4225 / 8416)
    doc = json.loads(_run("--network", net_file, "--model", "cascade", "--json").output)
    assert all(n["defaulted"] for n in doc["nodes"])
    res = _run("--network", net_file, "--model", "cascade", "--recovery-rate", 0.5)
    assert res.exit_code == 0 and "cascade" in res.output and "payment" in res.output


def test_shock_and_debtrank(net_file):
    res = _run("--network", net_file, "--model", "debtrank", "--shock", "a=1", "--json")
    doc = json.loads(res.output)
    assert doc["variant"] == "linear"
    assert {"original_stress", "additional_stress", "original_losses", "additional_losses",
            "additional_defaults"} <= set(doc)  # fmt: skip
    assert doc["nodes"][0]["h"] == 1.0 and doc["nodes"][0]["stress"] > 1.0  # uncapped
    res = _run("--network", net_file, "--model", "debtrank", "--variant", "single-hit",
               "--shock", "b=0.5", "--csv")  # fmt: skip
    assert res.output.splitlines()[0] == "id,h,stress"
    shocked = json.loads(_run("--network", net_file, "--shock", "c=1", "--json").output)
    base = json.loads(_run("--network", net_file, "--json").output)
    assert shocked["nodes"][2]["net_worth"] < base["nodes"][2]["net_worth"]


def test_shock_each_node(net_file):
    res = _run("--network", net_file, "--shock-each-node", "--json")
    doc = json.loads(res.output)
    assert doc["shock_each_node"] and len(doc["nodes"]) == 3
    losses = [n["loss"] for n in doc["nodes"]]
    assert losses == sorted(losses, reverse=True)


@pytest.mark.parametrize(
    ("args", "expect"),
    [
        (["--shock", "zz=1"], "unknown node id 'zz'"),
        (["--shock", "a"], "expected ID=VALUE"),
        (["--shock", "a=2"], "share in [0, 1]"),
        (["--model", "rogers-veraart", "--alpha", "0"], "must lie in (0, 1]"),
    ],
)
def test_errors_are_network_errors(net_file, args, expect):
    from circularity.errors import NetworkError

    res = _run("--network", net_file, *args)
    assert res.exit_code != 0
    assert isinstance(res.exception, NetworkError)
    assert expect in str(res.exception)


def test_subprocess_one_line_error(tmp_path):
    # one real process (start-up is slow on a loaded machine); outputs are checked via the runner
    exe = shutil.which("circularity", path=str(Path(sys.executable).parent))
    assert exe, "the package must be installed (editable) in the venv"
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [{"id": "a"}], "liabilities": [{"debtor": "a", "creditor": "x", "amount": 1}]}')
    err = subprocess.run([exe, "contagion", "--network", str(bad)],
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert err.returncode == 1
    assert "unknown node id 'x'" in err.stderr
    assert "Traceback" not in err.stderr
