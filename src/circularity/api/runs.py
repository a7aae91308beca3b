"""Runs made through this server: kept in memory (newest 100) so results can be fetched again."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

__all__ = ["RunRegistry"]

_KEEP = 100


class RunRegistry:
    """A bounded, thread-safe record of model runs: id, kind, request, summary, result."""

    def __init__(self, keep: int = _KEEP) -> None:
        self._runs: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._keep = keep
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
            while len(self._runs) > self._keep:
                self._runs.popitem(last=False)
        return run_id

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{k: v for k, v in r.items() if k != "result"} for r in reversed(self._runs.values())]

    def get(self, run_id: str) -> dict[str, Any] | None:
        with self._lock:
            return self._runs.get(run_id)
