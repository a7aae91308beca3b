"""A live ``circularity serve --db``: slow clients are cut off, and the CLI shares its store.

Header and body read timeouts (``limits.HEADER_READ_SECONDS``, ``limits.BODY_READ_SECONDS``)
are checked against the real server over raw sockets; the store is imported into by a real
``circularity ledger import`` process while the server answers, and every answer counts either
all of the import's records or none of them.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from _serve import LiveServer

from circularity.api.limits import BODY_READ_SECONDS, HEADER_READ_SECONDS
from circularity.store import open_store
from circularity.testing.ledgers import DEALS, ENTITIES, write_sample

pytestmark = pytest.mark.slow

#: Slack on top of a timeout before the test calls it missed: a loaded machine answers late,
#: but far sooner than the 60-70 s a connection was held before there were timeouts.
SLACK_S = 30.0
CLI = [sys.executable, "-c", "from circularity.cli import main; main()"]
NEW = 200  # entities and deals the second import adds: one transaction over two tables


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, Path]]:
    root = Path(tmp_path_factory.mktemp("shared"))
    db = root / "web.duckdb"
    with open_store(db) as store:
        store.import_path(write_sample(root / "first"))
    server = LiveServer("--db", str(db))  # read-only: no --allow-writes
    yield server, db
    server.stop()


def _closed_within(sock: socket.socket, limit: float) -> float:
    """Seconds until the server closes ``sock`` (reads whatever it answers first)."""
    start = time.monotonic()
    sock.settimeout(limit)
    try:
        while sock.recv(65536):
            pass
    except TimeoutError:
        pytest.fail(f"the server held the connection over {limit:.0f} s")
    except ConnectionResetError:
        pass
    return time.monotonic() - start


def test_half_sent_headers_are_closed(served: tuple[LiveServer, Path]) -> None:
    server, _ = served
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=60) for _ in range(20)]
    try:
        for i, sock in enumerate(socks):
            if i % 2:  # half a request line; the others send nothing at all
                sock.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\nX-Slow")
        for sock in socks:
            _closed_within(sock, HEADER_READ_SECONDS + SLACK_S)
    finally:
        for sock in socks:
            sock.close()
    assert httpx.get(f"{server.url}/api/health", timeout=60).status_code == 200


def test_a_body_that_never_arrives_is_cut_off(served: tuple[LiveServer, Path]) -> None:
    server, _ = served
    with socket.create_connection(("127.0.0.1", server.port), timeout=60) as sock:
        sock.sendall(
            b"POST /api/stress HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n{}"
        )
        start = time.monotonic()
        sock.settimeout(BODY_READ_SECONDS + SLACK_S)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pytest.fail(f"the server held the connection over {BODY_READ_SECONDS + SLACK_S:.0f} s")
        took = time.monotonic() - start
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b"not received within" in answer
    assert took >= BODY_READ_SECONDS * 0.9  # the timeout, not some other refusal


def _meta_counts(client: httpx.Client) -> dict[str, int]:
    r = client.get("/api/meta")
    assert r.status_code == 200, r.text
    return r.json()["counts"]  # type: ignore[no-any-return]


def test_the_cli_imports_while_the_server_reads(served: tuple[LiveServer, Path], tmp_path: Path) -> None:
    import_while_reading(*served, tmp_path, tag="N")


def import_while_reading(server: LiveServer, db: Path, tmp_path: Path, *, tag: str) -> None:
    """Import ``NEW`` entities and deals named by ``tag`` with the CLI while polling the server."""
    shown = subprocess.run(
        [*CLI, "ledger", "show", "deals", "--db", str(db)], capture_output=True, text=True, timeout=300
    )
    assert shown.returncode == 0, shown.stderr
    assert "D01" in shown.stdout
    folder = write_sample(
        tmp_path / "second",
        deals=[
            *DEALS,
            *(
                {
                    "id": f"{tag}{i:03d}",
                    "kind": "compute",
                    "payer": f"{tag.lower()}lab{i:03d}",
                    "payee": "oracle",
                    "amount_usd_bn": 1.0 + i,
                    "announced": "2025-10-01",
                    "status": "signed",
                    "sources": ["s1"],
                    "confidence": "estimate",
                }
                for i in range(NEW)
            ),
        ],
    )
    entities = [
        *ENTITIES,
        *(
            {"id": f"{tag.lower()}lab{i:03d}", "name": f"Lab {i}", "kind": "lab", "sources": ["s1"]}
            for i in range(NEW)
        ),
    ]
    (folder / "entities.yaml").write_text(yaml.safe_dump(entities, sort_keys=False))
    with httpx.Client(base_url=server.url, timeout=120) as client:
        before = _meta_counts(client)
        after = {**before, "entities": before["entities"] + NEW, "deals": before["deals"] + NEW}
        importer = subprocess.Popen(
            [*CLI, "ledger", "import", str(folder), "--db", str(db)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        seen = []
        while importer.poll() is None:  # read as fast as the server answers during the import
            seen.append(_meta_counts(client))
        out, err = importer.communicate(timeout=300)
        assert importer.returncode == 0, err
        deadline = time.monotonic() + 120
        while (counts := _meta_counts(client)) != after and time.monotonic() < deadline:
            seen.append(counts)
            time.sleep(0.1)  # polling for the change to be noticed, not waiting a fixed time
        seen.append(counts)
    assert all(c in (before, after) for c in seen), [c for c in seen if c not in (before, after)][:3]
    assert seen[-1] == after
    # and the server, having read the new records, holds no lock against a later CLI read
    again = subprocess.run(
        [*CLI, "ledger", "show", "entities", "--db", str(db)], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    assert f"{tag.lower()}lab{NEW - 1:03d}" in again.stdout


def test_the_run_limit_is_the_one_serve_was_given(client: httpx.Client) -> None:
    """``serve --run-limit`` reaches the routes: /api/meta reports the limit the 504s use."""
    from _serve import RUN_LIMIT_S

    assert client.get("/api/meta").json()["limits"]["max_run_seconds"] == RUN_LIMIT_S
