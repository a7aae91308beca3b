"""Runs made through this server: kept in memory (newest 100) so results can be fetched again."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime
from typing import Any

from cachetools import FIFOCache

__all__ = ["RunRegistry"]

_KEEP = 100


class RunRegistry:
    """A bounded, thread-safe record of model runs: id, kind, request, summary, result.

    The bound is a :class:`cachetools.FIFOCache` (the library behind the session's cache): the
    oldest run goes first, whether or not it was fetched since.
    """

    def __init__(self, keep: int = _KEEP) -> None:
        self._runs: FIFOCache[str, dict[str, Any]] = FIFOCache(maxsize=keep)
        self._lock = threading.Lock()
        self._count = 0

    def add(self, kind: str, request: dict[str, Any], summary: dict[str, Any], result: dict[str, Any]) -> str:
        """Record a run; return its id (``kind-NNNN-hash``: same request, same hash)."""
        digest = hashlib.sha256(
            json.dumps({"kind": kind, **request}, sort_keys=True, default=str).encode()
        ).hexdigest()[:10]
        with self._lock:
            self._count += 1
            run_id = f"{kind}-{self._count:04d}-{digest}"
            self._runs[run_id] = {
                "id": run_id,
                "kind": kind,
                "created": datetime.now(UTC).isoformat(timespec="seconds"),
                "request": request,
                "summary": summary,
                "result": result,
            }
        return run_id

    def list(self) -> list[dict[str, Any]]:
        """Every run kept, newest first, without its result."""
        with self._lock:
            return [
                {k: v for k, v in r.items() if k != "result"} for r in reversed(list(self._runs.values()))
            ]

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._runs.get(run_id)
