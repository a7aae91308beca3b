"""One ``circularity serve`` subprocess on a free loopback port, shared by the API and browser tests."""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

SERVE = (
    "import sys; from circularity.cli import main; sys.argv = ['circularity', 'serve', *sys.argv[1:]]; main()"
)

#: Seconds a server may take to answer its first health check.
START_TIMEOUT_S = 300
#: The test servers' run limit (``--run-limit``): the tests check answers, not the 30 s default,
#: and a burst of cold runs on a loaded 2-core CI machine took longer than 30 s (504s in CI).
RUN_LIMIT_S = 240


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """``circularity serve`` running in a subprocess; ``url`` is its base address."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(os.environ.get("TMPDIR", "/tmp")) / f"circularity-serve-{self.port}.log"
        self._log = self.log.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--port", str(self.port), "--run-limit", str(RUN_LIMIT_S), *args],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        # Start-up warms today's web and loops before /api/health answers: ~10 s alone, but
        # minutes on a machine shared by parallel test runs (90 s was not always enough).
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not start in {START_TIMEOUT_S} s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


_SHARED: LiveServer | None = None


def shared_server() -> LiveServer:
    """The session's default server (bundled dataset, read-only), started once."""
    global _SHARED
    if _SHARED is None:
        _SHARED = LiveServer()
        atexit.register(_SHARED.stop)
    return _SHARED
