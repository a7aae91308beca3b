"""Run manifests: everything needed to say what produced a Monte Carlo run and to redo it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["RunManifest", "code_version", "hash_bytes", "package_versions", "utc_now"]

_PACKAGES = (
    "circularity",
    "numpy",
    "scipy",
    "pandas",
    "pydantic",
    "SALib",
    "dask",
    "distributed",
    "duckdb",
    "pyarrow",
)


def utc_now() -> str:
    """The current time, ISO 8601 in UTC, to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def hash_bytes(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a run's numbers depend on."""
    out: dict[str, str] = {}
    for name in _PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    out["python"] = platform.python_version()
    return out


def code_version() -> str:
    """Package version plus the git commit (``+dirty`` if the tree has changes) when known."""
    try:
        version = importlib.metadata.version("circularity")
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
        return f"{version}+g{sha}{'.dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return version


@dataclass(frozen=True, slots=True, kw_only=True)
class RunManifest:
    """What produced a run: data, scenario, seed, draws, code, packages and times."""

    run_id: str
    kind: str  # "simulate" or "sensitivity"
    scenario: str
    scenario_hash: str
    dataset_version: str
    dataset_hash: str
    seed: int
    draws: int
    block_size: int
    chunk_size: int
    backend: str
    parameters: list[str]
    code_version: str
    packages: dict[str, str]
    started_at: str
    finished_at: str
    elapsed_s: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunManifest:
        return cls(**d)

    @staticmethod
    def new_id(started_at: str, scenario: str, seed: int, draws: int) -> str:
        """A readable, unique-enough id: ``20250101T120000-<6 hex>``."""
        stamp = started_at.replace("-", "").replace(":", "")[:15]
        salt = hashlib.sha256(f"{started_at}{scenario}{seed}{draws}{datetime.now(UTC)}".encode()).hexdigest()[
            :6
        ]
        return f"{stamp}-{salt}"
