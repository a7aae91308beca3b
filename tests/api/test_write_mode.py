"""Write mode: import exists only with --allow-writes, and only with the start-up bearer token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from _serve import LiveServer
from test_ledger_routes import assert_error

from circularity.ledger import dataset_path
from circularity.store import open_store

TOKEN = "test-token-0123456789"


@pytest.fixture(scope="module")
def writer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = Path(tmp_path_factory.mktemp("store")) / "web.duckdb"
    with open_store(db) as store:
        store.import_path(dataset_path("ai"))
    server = LiveServer("--db", str(db), "--allow-writes", env={"CIRCULARITY_TOKEN": TOKEN})
    yield server
    server.stop()


NEW_DEAL = {
    "id": "T99",
    "kind": "compute",
    "payer": "openai",
    "payee": "oracle",
    "amount_usd_bn": 1.0,
    "announced": "2026-01-15",
    "status": "signed",
    "sources": ["ndtv_nvda_oai"],
    "confidence": "estimate",
}


def test_import_needs_the_token(writer: LiveServer) -> None:
    with httpx.Client(base_url=writer.url, timeout=60) as c:
        assert c.get("/api/meta").json()["features"]["import"] is True
        body = {"records": {"deals": [NEW_DEAL]}}
        assert_error(c.post("/api/import", json=body), 401)
        wrong = {"Authorization": "Bearer nope"}
        assert_error(c.post("/api/import", json=body, headers=wrong), 401)
        auth = {"Authorization": f"Bearer {TOKEN}"}
        bad = {"records": {"deals": [{**NEW_DEAL, "amount_usd_bn": -5}]}}
        err = assert_error(c.post("/api/import", json=bad, headers=auth), 422)
        assert any("amount_usd_bn" in p for p in err["detail"])
        assert_error(c.get("/api/deals/T99"), 404)  # a failed import changes nothing
        ok = c.post("/api/import", json=body, headers=auth)
        assert ok.status_code == 200, ok.text
        assert ok.json()["added"] == {"deals": 1}
        assert c.get("/api/deals/T99").json()["deal"]["payee"] == "oracle"
        assert_error(c.post("/api/import", json={"records": {"nope": []}}, headers=auth), 422)


def test_the_token_is_checked_before_the_body_is_read(writer: LiveServer) -> None:
    """No token: 401 for a body that is not even JSON, and at once for one that never arrives."""
    with httpx.Client(base_url=writer.url, timeout=60) as c:
        r = c.post("/api/import", content=b"{not json", headers={"Content-Type": "application/json"})
        assert_error(r, 401)
        r = c.post("/api/import", content=b"x" * 100, headers={"Authorization": "Bearer nope"})
        assert_error(r, 401)
    import socket
    import time

    from circularity.api.limits import BODY_READ_SECONDS

    with socket.create_connection(("127.0.0.1", writer.port), timeout=60) as sock:
        sock.sendall(b"POST /api/import HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{}")
        start = time.monotonic()
        answer = sock.recv(65536)
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
        # before the body timeout would have answered 408 (generous: a loaded machine is slow)
        assert time.monotonic() - start < BODY_READ_SECONDS + 30
