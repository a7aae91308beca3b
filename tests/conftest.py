"""Marks the slow tests, so that ``make test-fast`` (``-m "not slow"``) runs the rest in under a minute.

Slow means: it drives a browser, starts a live server or a Dask cluster, or starts a fresh Python
process (a CLI run as a subprocess, an import killed mid-way). A test is found slow when it, a
fixture it requests, or a function of its module that it calls does one of those things, so a new
test of that kind is marked without anyone remembering to. ``make test`` still runs everything.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from functools import cache
from types import ModuleType

import pytest

#: Source text that starts something slow.
_SLOW_CALLS = ("LiveServer(", "shared_server(", "subprocess.", "LocalCluster(", "workers=", "sync_playwright")
#: Fixtures that hand a test a live server or a browser.
_SLOW_FIXTURES = frozenset({"live_server", "client", "browser", "watched"})
#: Slow for their own work, measured (``--durations`` on the 2 shared cores, load average ~12):
#: node id → seconds.
_MEASURED = {
    "tests/fuzz/test_fuzz_sample.py::test_a_seeded_sample_is_clean_or_benign": 20.6,
    "tests/test_doctests.py::test_docstring_examples_run[circularity.analytics.attribution]": 71.0,
    "tests/test_doctests.py::test_docstring_examples_run[circularity.backtest]": 24.9,
}


def _source(obj: object) -> str:
    try:
        return textwrap.dedent(inspect.getsource(obj))  # type: ignore[arg-type]
    except (OSError, TypeError):
        return ""


def _is_slow_source(text: str) -> bool:
    return any(token in text for token in _SLOW_CALLS)


@cache
def _slow_names(module: ModuleType) -> frozenset[str]:
    """Functions and fixtures of ``module`` that start something slow, directly or through another."""
    text = _source(module)
    funcs = [n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    body = {f.name: ast.get_source_segment(text, f) or "" for f in funcs}
    params = {f.name: {a.arg for a in f.args.args} for f in funcs}
    slow = {name for name, src in body.items() if _is_slow_source(src)}
    while more := {
        name
        for name in body
        if name not in slow and any(f"{s}(" in body[name] or s in params[name] for s in slow)
    }:
        slow |= more  # a helper that calls a slow helper, or a fixture built on a slow fixture
    return frozenset(slow)


def _is_slow(item: pytest.Function) -> bool:
    if item.get_closest_marker("browser") is not None or "/browser/" in item.nodeid:
        return True
    if _SLOW_FIXTURES & set(item.fixturenames) or {item.nodeid, item.nodeid.split("[")[0]} & set(_MEASURED):
        return True
    text = _source(item.function)
    if _is_slow_source(text):
        return True
    slow = _slow_names(item.module)
    return any(f"{name}(" in text for name in slow) or bool(slow & set(item.fixturenames))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if isinstance(item, pytest.Function) and item.get_closest_marker("slow") is None and _is_slow(item):
            item.add_marker(pytest.mark.slow)
