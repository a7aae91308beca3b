"""Hypothesis: any text or JSON value either parses or gives the reader's own one-line error."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from circularity.contagion.network import load_network, network_from_records
from circularity.errors import InputError, NetworkError
from circularity.input_files import load_json, load_yaml

JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
    max_leaves=20,
)
NODE = st.dictionaries(
    st.sampled_from(["id", "external_assets", "equity", "weight", "initial_relative_loss", "equtiy"]), JSON
)
EDGE = st.dictionaries(st.sampled_from(["debtor", "creditor", "amount", "ammount", "lender"]), JSON)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.text(max_size=200))
def test_yaml_text_parses_or_refuses(text: str) -> None:
    try:
        load_yaml(text, "f.yaml")
    except InputError as exc:
        assert str(exc).startswith("f.yaml")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.text(max_size=200))
def test_json_text_parses_or_refuses(text: str) -> None:
    try:
        load_json(text, "f.json")
    except InputError as exc:
        assert str(exc).startswith("f.json")


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(NODE, max_size=5), st.lists(EDGE, max_size=5))
def test_network_records_load_or_refuse(
    nodes: list[dict[str, object]], edges: list[dict[str, object]]
) -> None:
    try:
        network_from_records(nodes, edges)
    except NetworkError:
        return
    assert all(
        k in ("id", "external_assets", "equity", "weight", "initial_relative_loss") for n in nodes for k in n
    )


@settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(JSON)
def test_network_file_loads_or_refuses(tmp_path: Path, doc: object) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    try:
        load_network(path)
    except NetworkError:
        pass
