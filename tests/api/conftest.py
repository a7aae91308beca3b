"""A real server: ``circularity serve`` in a subprocess on a free loopback port."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from _serve import RUN_LIMIT_S, LiveServer, shared_server  # noqa: E402


@pytest.fixture(scope="session")
def live_server() -> LiveServer:
    return shared_server()


@pytest.fixture(scope="session")
def client(live_server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server.url, timeout=RUN_LIMIT_S + 60) as c:
        yield c
